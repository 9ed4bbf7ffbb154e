//! The replica side of replication (Redis's replication.c, SLAVE part): REPLICAOF, the
//! non-blocking handshake with our master, receiving and loading its RDB, the master client
//! whose stream we apply, REPLCONF ACK, and the link's timeout.
//!
//! Owns: `ReplicaSide` (`srv.repl.replica`), the master link socket while it handshakes
//! (reactor token [`crate::reactor::MASTER_LINK_TOKEN`], see [`super::handshake`]) and the
//! master client once synced. It must never write to replicas of its own other than through
//! the master side's `feed_raw`, and never executes the master's commands other than through
//! the normal request path (`networking::process_input` → `commands::process_command`).
//!
//! ```text
//!  REPLICAOF h p ──► CONNECT ──cron / at once──► CONNECTING ──writable──► RECEIVE_PING_REPLY
//!    ──► [RECEIVE_AUTH_REPLY] ──► RECEIVE_PORT_REPLY ──► [RECEIVE_IP_REPLY] ──► RECEIVE_CAPA_REPLY
//!    ──► RECEIVE_PSYNC_REPLY ──+FULLRESYNC──► TRANSFER ──payload done, loaded──► CONNECTED
//!                            └─+CONTINUE───────────────────────────────────► CONNECTED
//!  any failure ──► CONNECT (logged; cron retries once a second)
//!  master client freed (link lost, CLIENT KILL, repl-timeout) ──► cached master, CONNECT
//! ```
//!
//! Offsets: `srv.repl.master_repl_offset` is the replica's processed offset (Redis's
//! master->reploff). It advances only when a whole command ran outside MULTI: a transaction
//! counts when its EXEC has run, so a link cut inside MULTI resumes from the MULTI. Worked
//! example: the master sends `SET a 1` (31 bytes) then PING (14 bytes) at offset 1000; after
//! both ran we are at 1045, ACK 1045, and after a cut ask `PSYNC <replid> 1046`.

use std::fmt::Write as _;

use super::handshake::{self, Failed, Link};
use super::transfer::{self, Transfer};
use crate::client::{flags as cf, Client, Conn};
use crate::log::Level;
use crate::server::Server;
use crate::serverlog;

/// Redis's repl_state on a replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LinkState {
    /// Not a replica.
    #[default]
    None,
    /// Must connect (cron does, once a second).
    Connect,
    /// Non-blocking connect in progress.
    Connecting,
    ReceivePingReply,
    ReceiveAuthReply,
    ReceivePortReply,
    ReceiveIpReply,
    ReceiveCapaReply,
    ReceivePsyncReply,
    /// Receiving the RDB.
    Transfer,
    /// The master client applies the stream.
    Connected,
}

impl LinkState {
    /// True between the connect and PSYNC's reply (Redis's slaveIsInHandshakeState).
    pub fn in_handshake(self) -> bool {
        matches!(
            self,
            LinkState::ReceivePingReply
                | LinkState::ReceiveAuthReply
                | LinkState::ReceivePortReply
                | LinkState::ReceiveIpReply
                | LinkState::ReceiveCapaReply
                | LinkState::ReceivePsyncReply
        )
    }

    /// The state as ROLE shows it.
    pub fn role_name(self) -> &'static str {
        if self.in_handshake() {
            return "handshake";
        }
        match self {
            LinkState::None => "none",
            LinkState::Connect => "connect",
            LinkState::Connecting => "connecting",
            LinkState::Transfer => "sync",
            LinkState::Connected => "connected",
            _ => "unknown",
        }
    }
}

/// What we keep of a master we were synced with, to PSYNC later (Redis's cached_master).
#[derive(Clone, Debug)]
pub struct CachedMaster {
    pub replid: String,
    pub reploff: i64,
    /// The db the stream had selected.
    pub db: usize,
}

/// State of this server as a replica.
#[derive(Default)]
pub struct ReplicaSide {
    /// Our master's host and port (`replicaof`), None when we are a master.
    pub master: Option<(String, u16)>,
    pub state: LinkState,
    /// The socket while connecting, handshaking and receiving the RDB.
    pub(crate) link: Option<Link>,
    /// The RDB transfer in progress.
    pub(crate) transfer: Option<Transfer>,
    /// Slab key of the master client once synced (Redis's server.master).
    pub master_client: Option<usize>,
    pub cached: Option<CachedMaster>,
    /// Replication id and offset announced by +FULLRESYNC.
    pub master_replid: String,
    pub master_initial_offset: i64,
    /// Unix ms of the last byte received while handshaking or transferring.
    pub transfer_lastio_ms: i64,
    /// Unix seconds when the link went down, 0 when up or never connected.
    pub down_since: i64,
    /// Bytes of the master's stream already executed but not yet counted (a MULTI waiting
    /// for its EXEC).
    pending_applied: Vec<u8>,
}

impl ReplicaSide {
    /// True when configured to replicate from a master.
    pub fn is_replica(&self) -> bool {
        self.master.is_some()
    }
}

fn now_ms(srv: &Server) -> i64 {
    srv.ks.now_ms.max(crate::db::mstime())
}

/// At start-up: `replicaof` in the configuration makes us a replica; cron connects within a
/// second, as Redis's replicationCron does.
pub fn start_from_config(srv: &mut Server) {
    if let Some((host, port)) = srv.config.replicaof.clone() {
        srv.repl.replica.master = Some((host, port));
        srv.repl.replica.state = LinkState::Connect;
        srv.ks.replica_mode = true;
        crate::log::set_role(b'S');
    }
}

/// At start-up, after loading our RDB (Redis's loadDataFromDisk): a replica whose RDB
/// carries repl-id/repl-offset/repl-stream-db continues that history, so it can PSYNC
/// partially instead of a full resync.
pub fn restore_from_rdb(srv: &mut Server, l: &crate::persistence::rdb::Loaded) {
    if srv.config.replicaof.is_none() {
        return;
    }
    let (Some(id), Some(off), Some(db)) = (&l.repl_id, l.repl_offset, l.repl_stream_db) else {
        return;
    };
    if id.len() != super::RUN_ID_SIZE || off == -1 || db < 0 {
        return;
    }
    srv.repl.replid = String::from_utf8_lossy(id).into_owned();
    srv.repl.master_repl_offset = off;
    cache_master_using_myself(srv);
    if let Some(c) = srv.repl.replica.cached.as_mut() {
        c.db = (db as usize).min(srv.ks.dbs.len().saturating_sub(1));
    }
}

/// The db our RDB records as the stream's (repl-stream-db), when we have a master (Redis's
/// rdbPopulateSaveInfo, replica part).
pub fn rdb_stream_db(srv: &Server) -> Option<usize> {
    let rs = &srv.repl.replica;
    if !rs.is_replica() {
        return None;
    }
    if let Some(key) = rs.master_client {
        return srv.clients.get(key).map(|c| c.db);
    }
    rs.cached.as_ref().map(|c| c.db)
}

/// Redis's replicationSetMaster: REPLICAOF host port.
pub fn set_master(srv: &mut Server, host: &str, port: u16) {
    let was_master = srv.repl.replica.master.is_none();
    // Cleared first so freeing the master client does not reconnect to the old one.
    srv.repl.replica.master = None;
    if let Some(key) = srv.repl.replica.master_client {
        crate::networking::free_client(srv, key);
    }
    // Clients blocked on a master would wait forever on a replica.
    crate::blocked::disconnect_all_blocked_clients(srv);
    srv.repl.replica.master = Some((host.to_string(), port));
    srv.config.replicaof = Some((host.to_string(), port));
    srv.ks.replica_mode = true;
    crate::log::set_role(b'S');
    cancel_handshake(srv, false);
    if was_master {
        discard_cached_master(srv);
        cache_master_using_myself(srv);
    }
    srv.repl.replica.state = LinkState::Connect;
    serverlog!(Level::Notice, "Connecting to MASTER {host}:{port}");
    handshake::connect(srv);
}

/// Redis's replicationUnsetMaster: REPLICAOF NO ONE. The data stays; a new replication id
/// starts and the old one stays valid as replid2 (PSYNC2).
pub fn unset_master(srv: &mut Server) {
    if srv.repl.replica.master.is_none() {
        return;
    }
    srv.repl.replica.master = None;
    srv.config.replicaof = None;
    if let Some(key) = srv.repl.replica.master_client {
        crate::networking::free_client(srv, key);
    }
    discard_cached_master(srv);
    cancel_handshake(srv, false);
    srv.repl.shift_replication_id();
    disconnect_replicas(srv);
    let rs = &mut srv.repl.replica;
    rs.state = LinkState::None;
    rs.down_since = 0;
    rs.pending_applied.clear();
    srv.repl.master.slave_seldb = -1;
    srv.ks.replica_mode = false;
    crate::log::set_role(b'M');
}

/// Redis's disconnectSlaves: our own replicas must resync (new id, new data set).
fn disconnect_replicas(srv: &mut Server) {
    let keys: Vec<usize> = srv
        .clients
        .iter()
        .filter(|(_, c)| c.has_flag(cf::REPLICA))
        .map(|(k, _)| k)
        .collect();
    for key in keys {
        crate::networking::schedule_close(srv, key);
    }
}

/// Redis's replicationCacheMasterUsingMyself: our own id and offset stand for a master we
/// synced with, so a new master that shares our history can continue partially.
fn cache_master_using_myself(srv: &mut Server) {
    serverlog!(
        Level::Notice,
        "Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer."
    );
    srv.repl.replica.cached = Some(CachedMaster {
        replid: srv.repl.replid.clone(),
        reploff: srv.repl.master_repl_offset,
        db: 0,
    });
}

/// Redis's replicationDiscardCachedMaster.
pub fn discard_cached_master(srv: &mut Server) {
    if srv.repl.replica.cached.take().is_some() {
        serverlog!(Level::Notice, "Discarding previously cached master state.");
    }
}

/// Drops the link socket (and a transfer's temp file).
fn drop_link(srv: &mut Server) {
    let rs = &mut srv.repl.replica;
    if let Some(t) = rs.transfer.take() {
        transfer::abort(t);
    }
    if let Some(mut link) = rs.link.take() {
        srv.reactor.deregister(&mut link.sock);
    }
}

/// Redis's cancelReplicationHandshake: stops a connect, handshake or transfer in progress
/// (back to CONNECT); with `reconnect`, starts again at once. False when none was running.
pub fn cancel_handshake(srv: &mut Server, reconnect: bool) -> bool {
    let st = srv.repl.replica.state;
    if st != LinkState::Transfer && st != LinkState::Connecting && !st.in_handshake() {
        return false;
    }
    drop_link(srv);
    srv.repl.replica.state = LinkState::Connect;
    if reconnect {
        if let Some((h, p)) = srv.repl.replica.master.clone() {
            serverlog!(
                Level::Notice,
                "Reconnecting to MASTER {h}:{p} after failure"
            );
            handshake::connect(srv);
        }
    }
    true
}

fn fail(srv: &mut Server, f: Failed) {
    cancel_handshake(srv, f.reconnect);
}

/// Readiness of the master link socket (token MASTER_LINK_TOKEN).
pub fn on_link_event(srv: &mut Server, readable: bool, writable: bool) {
    if srv.repl.replica.link.is_none() {
        return;
    }
    if srv.repl.replica.state == LinkState::Connecting {
        if !readable && !writable {
            return;
        }
        match handshake::on_connected(srv) {
            Ok(true) => {}
            Ok(false) => return,
            Err(f) => return fail(srv, f),
        }
    }
    loop {
        let step = match srv.repl.replica.state {
            LinkState::Transfer => transfer::advance(srv),
            s if s.in_handshake() => handshake::advance(srv),
            _ => Ok(()),
        };
        if let Err(f) = step {
            return fail(srv, f);
        }
        if srv.repl.replica.link.is_none() {
            return;
        }
        match handshake::read_chunk(srv) {
            Ok(true) => continue,
            Ok(false) => return,
            Err(e) => {
                let st = srv.repl.replica.state;
                let reconnect = st == LinkState::Transfer;
                if st == LinkState::Transfer {
                    let t = srv.repl.replica.transfer.as_ref();
                    let header = t.is_some_and(|t| t.size == -1);
                    if let Some(t) = t.filter(|t| t.diskless && !header) {
                        // Loading from the socket, Redis's parser meets the early end first.
                        serverlog!(
                            Level::Warning,
                            "Internal error in RDB reading offset {}, function at rdb.c:0 -> Unexpected EOF reading RDB file",
                            t.read
                        );
                        serverlog!(
                            Level::Warning,
                            "Failed trying to load the MASTER synchronization DB from socket: {e}"
                        );
                    } else if header {
                        serverlog!(
                            Level::Warning,
                            "I/O error reading bulk count from MASTER: {e}"
                        );
                    } else {
                        serverlog!(Level::Warning, "I/O error trying to sync with MASTER: {e}");
                    }
                } else if st == LinkState::ReceivePsyncReply {
                    serverlog!(
                        Level::Warning,
                        "Failed to read response from the server: {e}"
                    );
                    serverlog!(
                        Level::Warning,
                        "Master did not reply to PSYNC, will try later"
                    );
                } else {
                    serverlog!(
                        Level::Warning,
                        "Failed to read response from the server: {e}"
                    );
                    serverlog!(
                        Level::Warning,
                        "Master did not respond to command during SYNC handshake"
                    );
                }
                return fail(srv, Failed { reconnect });
            }
        }
    }
}

/// The payload is complete: flush the old data, load the new, and turn the link into the
/// master client (the end of Redis's readSyncBulkPayload).
pub fn finish_full_sync(srv: &mut Server) -> Result<(), Failed> {
    let Some(t) = srv.repl.replica.transfer.take() else {
        return Ok(());
    };
    let diskless = t.diskless;
    let usemark = t.uses_mark();
    let swap = diskless && srv.config.repl_diskless_load == crate::config::ReplDisklessLoad::Swapdb;
    // Redis's replicationAttachToNewMaster: a new data set, our replicas must resync.
    discard_cached_master(srv);
    disconnect_replicas(srv);
    // A diskless load said all this when its payload started (begin_diskless_load).
    if !diskless {
        serverlog!(Level::Notice, "MASTER <-> REPLICA sync: Flushing old data");
        empty_data(srv);
        serverlog!(
            Level::Notice,
            "MASTER <-> REPLICA sync: Loading DB in memory"
        );
    }
    let dbfilename = srv.config.dbfilename.clone();
    let payload = transfer::finish(t, &dbfilename)?;
    let mut ks = crate::db::Keyspace::new(srv.ks.dbs.len());
    let mut opts = crate::persistence::snapshot::load_options(srv);
    // Keys past their TTL stay: our master's DEL removes them (Redis's rdbLoad on a
    // replica keeps them too).
    opts.drop_expired = false;
    let result = match payload {
        transfer::Payload::Memory(data) => crate::persistence::rdb::load(&data, &mut ks, &opts),
        // The file is streamed through the loader's buffer, never read whole into memory.
        transfer::Payload::File(path) => match std::fs::File::open(&path) {
            Ok(f) => {
                let size = f.metadata().ok().map(|m| m.len());
                crate::persistence::rdb::load_stream(f, size, &mut ks, &opts)
            }
            Err(e) => {
                serverlog!(
                    Level::Warning,
                    "Failed trying to load the MASTER synchronization DB from disk: {e}"
                );
                return Err(Failed { reconnect: true });
            }
        },
    };
    let loaded = match result {
        Ok(l) => l,
        Err(e) => {
            let from = if diskless { "socket" } else { "disk" };
            serverlog!(
                Level::Warning,
                "Internal error in RDB reading offset {}, function at rdb.c:0 -> {}",
                e.offset,
                e.what
            );
            serverlog!(
                Level::Warning,
                "Failed trying to load the MASTER synchronization DB from {from}: {} at offset {}",
                e.what,
                e.offset
            );
            if diskless && !swap {
                empty_data(srv);
            }
            return Err(Failed { reconnect: true });
        }
    };
    if swap {
        serverlog!(
            Level::Notice,
            "MASTER <-> REPLICA sync: Swapping active DB with loaded DB"
        );
        touch_all_watched(srv);
    }
    crate::persistence::snapshot::install(srv, ks, &loaded);
    if swap {
        serverlog!(
            Level::Notice,
            "MASTER <-> REPLICA sync: Discarding old DB in background"
        );
    }
    if diskless {
        srv.ks.dirty += 1;
    }
    let ndb = srv.ks.dbs.len();
    let db = loaded
        .repl_stream_db
        .filter(|&d| d >= 0 && (d as usize) < ndb)
        .map_or(0, |d| d as usize);
    let Some(key) = create_master_client(srv, db) else {
        return Err(Failed { reconnect: true });
    };
    let rs = &mut srv.repl.replica;
    rs.state = LinkState::Connected;
    rs.down_since = 0;
    srv.repl.replid = rs.master_replid.clone();
    srv.repl.master_repl_offset = rs.master_initial_offset;
    srv.repl.clear_replication_id2();
    // A new history: the old backlog's bytes belong to the previous one (Redis frees it in
    // replicationAttachToNewMaster). A replica always keeps a backlog from here on, so
    // sub-replicas and a later promotion can continue partially (readSyncBulkPayload).
    srv.repl.master.backlog = None;
    crate::replication::master::ensure_backlog(srv);
    serverlog!(
        Level::Notice,
        "MASTER <-> REPLICA sync: Finished with success"
    );
    // With an EOF-marked payload the master waits for this ACK to put us online.
    if usemark {
        send_ack(srv);
    }
    start_master_client(srv, key);
    Ok(())
}

/// The payload of a diskless load starts (the beginning of Redis's rdbLoad from the socket):
/// without swapdb the old data set goes now (Redis's replicationAttachToNewMaster and
/// emptyData), and until the load ends INFO says `loading:1` and commands that cannot run
/// while loading get -LOADING.
pub fn begin_diskless_load(srv: &mut Server) {
    if srv.config.repl_diskless_load != crate::config::ReplDisklessLoad::Swapdb {
        discard_cached_master(srv);
        disconnect_replicas(srv);
        serverlog!(Level::Notice, "MASTER <-> REPLICA sync: Flushing old data");
        empty_data(srv);
    }
    serverlog!(
        Level::Notice,
        "MASTER <-> REPLICA sync: Loading DB in memory"
    );
}

impl ReplicaSide {
    /// True while a diskless load's payload is arriving (INFO `loading`, -LOADING).
    pub fn diskless_loading(&self) -> bool {
        self.transfer
            .as_ref()
            .is_some_and(|t| t.diskless && t.size != -1)
    }
}

/// Redis's emptyData on a full resync: every db flushed, WATCHers told.
fn empty_data(srv: &mut Server) {
    touch_all_watched(srv);
    srv.ks.flush_all();
}

fn touch_all_watched(srv: &mut Server) {
    if srv.watched.is_empty() {
        return;
    }
    for d in 0..srv.ks.dbs.len() {
        crate::multi::touch_all_watched_keys_in_db(srv, d, None);
    }
}

/// +CONTINUE: the cached master comes back on the new socket (Redis's
/// replicationResurrectCachedMaster), adopting the master's new id when it changed (PSYNC2).
pub fn resurrect_cached_master(srv: &mut Server, new_id: &str) {
    let cached = srv
        .repl
        .replica
        .cached
        .take()
        .unwrap_or_else(|| CachedMaster {
            replid: srv.repl.replid.clone(),
            reploff: srv.repl.master_repl_offset,
            db: 0,
        });
    srv.repl.master_repl_offset = cached.reploff;
    if new_id.len() == super::RUN_ID_SIZE && new_id != cached.replid {
        serverlog!(Level::Warning, "Master replication ID changed to {new_id}");
        srv.repl.replid2 = cached.replid.clone();
        srv.repl.second_replid_offset = srv.repl.master_repl_offset + 1;
        srv.repl.replid = new_id.to_string();
        disconnect_replicas(srv);
    } else {
        srv.repl.replid = cached.replid.clone();
    }
    let Some(key) = create_master_client(srv, cached.db) else {
        srv.repl.replica.cached = Some(cached);
        srv.repl.replica.state = LinkState::Connect;
        return;
    };
    let rs = &mut srv.repl.replica;
    rs.state = LinkState::Connected;
    rs.down_since = 0;
    // Restarted from our own RDB, we may have no backlog yet (Redis's +CONTINUE handling).
    crate::replication::master::ensure_backlog(srv);
    start_master_client(srv, key);
}

/// Turns the link socket into the master client: a normal client flagged MASTER, whose
/// first input is what the link buffer still holds (Redis's replicationCreateMasterClient).
fn create_master_client(srv: &mut Server, db: usize) -> Option<usize> {
    let Link { mut sock, inbuf } = srv.repl.replica.link.take()?;
    srv.reactor.deregister(&mut sock);
    let addr = sock.peer_addr().map(|a| a.to_string()).unwrap_or_default();
    let laddr = sock.local_addr().map(|a| a.to_string()).unwrap_or_default();
    let id = srv.next_client_id;
    srv.next_client_id += 1;
    let mut c = Client::new(id, Conn::Tcp(sock), addr, laddr, now_ms(srv));
    c.flags |= cf::MASTER;
    c.authenticated = true;
    c.db = db;
    c.qb_end = inbuf.len();
    c.querybuf = inbuf;
    let entry = srv.clients.vacant_entry();
    let key = entry.key();
    if let Err(e) = srv.reactor.register_client(c.conn.source(), key) {
        serverlog!(
            Level::Warning,
            "Error resurrecting the cached master, impossible to add the readable handler: {e}"
        );
        return None;
    }
    entry.insert(c);
    srv.repl.replica.master_client = Some(key);
    srv.repl.replica.pending_applied.clear();
    Some(key)
}

/// Runs what arrived with the sync reply and drains the socket.
fn start_master_client(srv: &mut Server, key: usize) {
    if srv
        .clients
        .get(key)
        .is_some_and(|c| c.querybuf_pending() > 0)
    {
        crate::networking::process_input(srv, key);
    }
    if srv.clients.contains(key) {
        crate::networking::read_from_client(srv, key);
    }
}

/// Called by `networking::free_client` before a client flagged MASTER goes: the master's
/// state is cached for a later PSYNC and we reconnect (Redis's freeClient →
/// replicationCacheMaster → replicationHandleMasterDisconnection).
pub fn on_master_client_freed(srv: &mut Server, key: usize) {
    if srv.repl.replica.master_client != Some(key) {
        return;
    }
    srv.repl.replica.master_client = None;
    srv.repl.replica.pending_applied.clear();
    let Some(c) = srv.clients.get(key) else {
        return;
    };
    let db = c.db;
    let unusable = c.protocol_error || c.has_flag(cf::BLOCKED);
    serverlog!(Level::Notice, "Connection with master lost.");
    if unusable {
        // Redis does not cache a master whose stream could not be parsed.
        discard_cached_master(srv);
    } else {
        serverlog!(Level::Notice, "Caching the disconnected master state.");
        srv.repl.replica.cached = Some(CachedMaster {
            replid: srv.repl.replid.clone(),
            reploff: srv.repl.master_repl_offset,
            db,
        });
    }
    let now = now_ms(srv);
    let rs = &mut srv.repl.replica;
    rs.state = LinkState::Connect;
    rs.down_since = now / 1000;
    if let Some((h, p)) = srv.repl.replica.master.clone() {
        serverlog!(Level::Notice, "Reconnecting to MASTER {h}:{p}");
        handshake::connect(srv);
    }
}

/// Called by `networking::process_input` after each request of the master client ran
/// (`start..start+consumed` of its query buffer): answers REPLCONF GETACK, and once outside
/// MULTI counts the bytes in our offset and passes them on verbatim to our replicas.
pub fn master_command_processed(srv: &mut Server, key: usize, start: usize, consumed: usize) {
    if srv.repl.replica.master_client != Some(key) {
        return;
    }
    let Some(c) = srv.clients.get(key) else {
        return;
    };
    let end = (start + consumed).min(c.querybuf.len());
    let getack = is_getack(c, start);
    let in_multi = c.has_flag(cf::MULTI);
    if start < end {
        srv.repl
            .replica
            .pending_applied
            .extend_from_slice(&c.querybuf[start..end]);
    }
    if getack {
        // The ACK reports the offset before this GETACK, as Redis's replicationSendAck
        // does from inside the command.
        send_ack(srv);
    }
    if !in_multi {
        apply_pending(srv);
    }
}

/// REPLCONF GETACK from the master's stream (multibulk; the arguments' spans are relative
/// to the request start).
fn is_getack(c: &Client, start: usize) -> bool {
    if c.parser.inline || c.parser.argv.len() < 2 {
        return false;
    }
    let arg = |i: usize| {
        let (o, l) = c.parser.argv[i];
        c.querybuf.get(start + o..start + o + l).unwrap_or(&[])
    };
    arg(0).eq_ignore_ascii_case(b"replconf") && arg(1).eq_ignore_ascii_case(b"getack")
}

/// An error reply to our master's stream (Redis's afterErrorReply for CLIENT_MASTER): never
/// sent, but logged as CRITICAL since the data sets may now differ; with
/// `propagation-error-behavior panic|panic-on-replicas` on a read-only replica, the process
/// stops instead of diverging.
pub fn master_got_error_reply(srv: &mut Server, key: usize, mark: (usize, usize)) {
    let Some(c) = srv.clients.get(key) else {
        return;
    };
    let reply = c.reply_since(mark);
    let cmdname = c
        .last_cmd
        .and_then(|id| srv.commands.full_names.get(id).cloned())
        .unwrap_or_else(|| "<unknown>".to_string());
    let mut count = 0;
    for text in super::error_texts(&reply) {
        serverlog!(
            Level::Warning,
            "== CRITICAL == This replica is sending an error to its master: '{text}' after processing the command '{cmdname}'"
        );
        count += 1;
    }
    srv.stat_unexpected_error_replies += count;
    use crate::config::PropagationErrorBehavior as P;
    if count > 0
        && srv.config.replica_read_only
        && matches!(
            srv.config.propagation_error_behavior,
            P::Panic | P::PanicOnReplicas
        )
    {
        serverlog!(
            Level::Warning,
            "Guru Meditation: This replica panicked sending an error to its master after processing the command '{cmdname}' #replication/replica.rs"
        );
        std::process::abort();
    }
}

/// Counts the executed bytes in our offset and feeds them to our replicas. `feed_raw` may
/// advance the offset itself (Redis's feedReplicationBuffer does); the offset is set after
/// it so it is counted exactly once either way.
fn apply_pending(srv: &mut Server) {
    if srv.repl.replica.pending_applied.is_empty() {
        return;
    }
    let mut pending = std::mem::take(&mut srv.repl.replica.pending_applied);
    let target = srv.repl.master_repl_offset + pending.len() as i64;
    super::master::feed_raw(srv, &pending);
    srv.repl.master_repl_offset = target;
    pending.clear();
    srv.repl.replica.pending_applied = pending;
}

/// Redis's replicationSendAck: `REPLCONF ACK <offset>` to the master, the one reply the
/// master client gets.
pub fn send_ack(srv: &mut Server) {
    let Some(key) = srv.repl.replica.master_client else {
        return;
    };
    let off = srv.repl.master_repl_offset.to_string();
    let Some(c) = srv.clients.get_mut(key) else {
        return;
    };
    c.add_raw(&handshake::encode(&[b"REPLCONF", b"ACK", off.as_bytes()]));
    srv.pending_writes.push(key);
}

/// Replica-side part of replicationCron: time out a stuck handshake, transfer or silent
/// master, connect when due, ACK once a second.
pub fn cron(srv: &mut Server) {
    if srv.repl.replica.master.is_none() {
        return;
    }
    let now = now_ms(srv);
    let timeout_ms = srv.config.repl_timeout.max(1) * 1000;
    let st = srv.repl.replica.state;
    let lastio = srv.repl.replica.transfer_lastio_ms;
    if (st == LinkState::Connecting || st.in_handshake()) && now - lastio > timeout_ms {
        serverlog!(Level::Warning, "Timeout connecting to the MASTER...");
        cancel_handshake(srv, true);
    }
    if srv.repl.replica.state == LinkState::Transfer && now - lastio > timeout_ms {
        serverlog!(
            Level::Warning,
            "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value."
        );
        cancel_handshake(srv, true);
    }
    if srv.repl.replica.state == LinkState::Connected {
        if let Some(key) = srv.repl.replica.master_client {
            let silent = srv
                .clients
                .get(key)
                .is_some_and(|c| now - c.last_interaction_ms > timeout_ms);
            if silent {
                serverlog!(
                    Level::Warning,
                    "MASTER timeout: no data nor PING received..."
                );
                crate::networking::free_client(srv, key);
            }
        }
    }
    if srv.repl.replica.state == LinkState::Connect {
        if let Some((h, p)) = srv.repl.replica.master.clone() {
            serverlog!(Level::Notice, "Connecting to MASTER {h}:{p}");
            handshake::connect(srv);
        }
    }
    if srv.repl.replica.master_client.is_some() {
        send_ack(srv);
    }
    // A writable replica expires the TTLs its own clients set (Redis's databasesCron →
    // expireSlaveKeys); the master's keys wait for its DEL.
    if srv.ks.active_expire_enabled && srv.ks.expire_replica_keys() > 0 {
        srv.propagate_expired();
    }
}

/// True when a read-only replica must refuse this write (Redis's processCommand:
/// `-READONLY`); our master is always obeyed.
pub fn rejects_write(srv: &Server, cid: usize) -> bool {
    srv.repl.replica.is_replica()
        && srv.config.replica_read_only
        && !srv.clients[cid].has_flag(cf::MASTER)
}

/// True when `replica-serve-stale-data no` and the link is not up (Redis's processCommand:
/// `-MASTERDOWN` for commands without the STALE flag).
pub fn link_down_denies_stale(srv: &Server) -> bool {
    srv.repl.replica.is_replica()
        && srv.repl.replica.state != LinkState::Connected
        && !srv.config.replica_serve_stale_data
}

/// ROLE on a replica: master host, port, link state, processed offset (-1 without a
/// master client). None on a master.
pub fn role_fields(srv: &Server) -> Option<(String, u16, &'static str, i64)> {
    let rs = &srv.repl.replica;
    let (host, port) = rs.master.as_ref()?;
    let off = if rs.master_client.is_some() {
        srv.repl.master_repl_offset
    } else {
        -1
    };
    Some((host.clone(), *port, rs.state.role_name(), off))
}

/// Writes ROLE's replica reply: `slave`, host, port, state, offset.
pub fn write_role(c: &mut crate::client::Client, f: &(String, u16, &'static str, i64)) {
    c.add_array_len(5);
    c.add_bulk(b"slave");
    c.add_bulk(f.0.as_bytes());
    c.add_int(f.1 as i64);
    c.add_bulk(f.2.as_bytes());
    c.add_int(f.3);
}

/// ROLE's reply on a replica: `slave`, master host, port, link state, processed offset.
/// Returns false on a master (the master side answers).
pub fn role(srv: &Server, c: &mut crate::client::Client) -> bool {
    match role_fields(srv) {
        Some(f) => {
            write_role(c, &f);
            true
        }
        None => false,
    }
}

/// INFO fields of a replica (master_host ... replica_announced), nothing on a master;
/// Redis 7.0's genRedisInfoString order.
pub fn info(srv: &Server, out: &mut String) {
    let rs = &srv.repl.replica;
    let Some((host, port)) = &rs.master else {
        return;
    };
    let now = now_ms(srv);
    let mut reploff = 1;
    let mut read_reploff = 1;
    let mut last_io = -1;
    if let Some(c) = rs.master_client.and_then(|k| srv.clients.get(k)) {
        reploff = srv.repl.master_repl_offset;
        read_reploff = reploff + (rs.pending_applied.len() + c.querybuf_pending()) as i64;
        last_io = (now - c.last_interaction_ms) / 1000;
    } else if let Some(cm) = &rs.cached {
        reploff = cm.reploff;
        read_reploff = cm.reploff;
    }
    let up = rs.state == LinkState::Connected;
    let _ = write!(
        out,
        "master_host:{host}\r\n\
         master_port:{port}\r\n\
         master_link_status:{}\r\n\
         master_last_io_seconds_ago:{last_io}\r\n\
         master_sync_in_progress:{}\r\n\
         slave_read_repl_offset:{read_reploff}\r\n\
         slave_repl_offset:{reploff}\r\n",
        if up { "up" } else { "down" },
        (rs.state == LinkState::Transfer) as i32,
    );
    if rs.state == LinkState::Transfer {
        let (size, read) = rs.transfer.as_ref().map_or((0, 0), |t| (t.size, t.read));
        let perc = if size > 0 {
            read as f64 / size as f64 * 100.0
        } else {
            0.0
        };
        let _ = write!(
            out,
            "master_sync_total_bytes:{size}\r\n\
             master_sync_read_bytes:{read}\r\n\
             master_sync_left_bytes:{}\r\n\
             master_sync_perc:{perc:.2}\r\n\
             master_sync_last_io_seconds_ago:{}\r\n",
            size - read,
            (now - rs.transfer_lastio_ms) / 1000
        );
    }
    if !up {
        let down = if rs.down_since != 0 {
            now / 1000 - rs.down_since
        } else {
            -1
        };
        let _ = write!(out, "master_link_down_since_seconds:{down}\r\n");
    }
    let _ = write!(
        out,
        "slave_priority:{}\r\n\
         slave_read_only:{}\r\n\
         replica_announced:{}\r\n",
        srv.config.replica_priority,
        srv.config.replica_read_only as i32,
        srv.config.replica_announced as i32,
    );
}
