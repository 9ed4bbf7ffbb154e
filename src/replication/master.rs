//! The master side of replication (Redis's replication.c, MASTER part): the backlog, the
//! replicas, SYNC/PSYNC/REPLCONF from replicas, the full and partial resync, feeding the
//! stream, heartbeats to replicas, WAIT.
//!
//! Owns: `MasterSide` (`srv.repl.master`) and each replica client's [`ReplicaClient`]
//! state. It must never touch the replica side's link.
//!
//! One copy of the stream: every propagated command is encoded once into the backlog; every
//! replica is written straight from it, from the offset it has been sent up to
//! (`sent_off`). When the ring is about to overwrite bytes some replica has not been sent
//! yet, they move once into the backlog's shared tail (see `backlog`), which is released as
//! soon as the slowest replica got them. Each replica's unsent bytes count against
//! `client-output-buffer-limit replica` (hard limit raised to the backlog size when smaller,
//! as Redis does); past the limit it is dropped with a log line saying what to raise.
//! Worked numbers: 16 KiB ring, two replicas waiting for one snapshot while 100 MB of writes
//! arrive: the tail holds those 100 MB once (Redis 7 likewise), not 200 MB; a third replica
//! that reconnects at an offset inside them continues with +CONTINUE.
//!
//! ```text
//!   PSYNC id off, off in backlog ──► +CONTINUE id, ONLINE, sent_off = off - 1 (ring feeds it)
//!   otherwise ──► WAIT_BGSAVE_START ──fork──► +FULLRESYNC id O, WAIT_BGSAVE_END, sent_off = O
//!     socket target: child writes $EOF:<mark> rdb <mark>; reaped ──► ONLINE
//!     disk target:   child writes the dump; reaped ──► SEND_BULK ($len + file) ──► ONLINE
//! ```

use std::fmt::Write as _;
use std::io::IoSlice;
use std::rc::Rc;

use crate::client::flags as cf;
use crate::log::Level;
use crate::persistence::child::ChildType;
use crate::replication::backlog::Backlog;
use crate::replication::fullsync::{self, Target};
use crate::server::{Metric, Server};
use crate::serverlog;

/// A replica client's place in the synchronization (Redis's SLAVE_STATE_*).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SlaveState {
    /// Waiting for a snapshot child to be started for it.
    WaitBgsaveStart,
    /// A child is producing (or, diskless, sending) its snapshot.
    WaitBgsaveEnd,
    /// The parent is sending the dump file.
    SendBulk,
    /// Streaming.
    Online,
}

impl SlaveState {
    /// INFO's `state=` word (Redis's replstateToString).
    pub fn info_name(self) -> &'static str {
        match self {
            SlaveState::WaitBgsaveStart | SlaveState::WaitBgsaveEnd => "wait_bgsave",
            SlaveState::SendBulk => "send_bulk",
            SlaveState::Online => "online",
        }
    }
}

/// What a client that spoke REPLCONF / SYNC / PSYNC to us is as a replica (Redis's
/// client->replstate, slave_listening_port, slave_addr, slave_capa, repl_ack_off ...).
pub struct ReplicaClient {
    /// None until SYNC/PSYNC (REPLCONF may come first).
    pub state: Option<SlaveState>,
    /// REPLCONF listening-port.
    pub listening_port: u16,
    /// REPLCONF ip-address.
    pub ip_address: Option<String>,
    /// REPLCONF capa eof / psync2.
    pub capa_eof: bool,
    pub capa_psync2: bool,
    /// REPLCONF rdb-only 1: wants the snapshot only, no stream.
    pub rdb_only: bool,
    /// Came with SYNC (no ACKs expected, no +FULLRESYNC line).
    pub pre_psync: bool,
    /// Highest offset the replica acknowledged (REPLCONF ACK).
    pub ack_off: i64,
    /// Unix ms of its last ACK (or of going online).
    pub ack_time_ms: i64,
    /// Offset of the last stream byte written to its socket.
    pub sent_off: i64,
    /// The offset its snapshot corresponds to (+FULLRESYNC's).
    pub psync_initial_offset: i64,
    /// The dump being sent (SEND_BULK): shared bytes and how many were sent.
    pub bulk: Option<(Rc<[u8]>, usize)>,
    /// Already in `srv.pending_writes`.
    pub queued: bool,
    /// Unix ms it started waiting for a snapshot (repl-diskless-sync-delay).
    pub wait_since_ms: i64,
    /// While a socket-target child streams our snapshot: the kernel send queue last seen,
    /// and since when (unix ms) it has not moved (Redis's repl_last_partial_write).
    pub stalled_queue: (i64, i64),
}

impl ReplicaClient {
    fn new() -> ReplicaClient {
        ReplicaClient {
            state: None,
            listening_port: 0,
            ip_address: None,
            capa_eof: false,
            capa_psync2: false,
            rdb_only: false,
            pre_psync: false,
            ack_off: 0,
            ack_time_ms: 0,
            sent_off: 0,
            psync_initial_offset: 0,
            bulk: None,
            queued: false,
            wait_since_ms: 0,
            stalled_queue: (0, 0),
        }
    }
}

/// A client blocked in WAIT.
struct Waiter {
    key: usize,
    client_id: u64,
    numreplicas: i64,
    offset: i64,
    /// Unix ms, 0 = forever.
    deadline_ms: i64,
}

/// State of this server as a master.
pub struct MasterSide {
    /// Slab keys of replica clients (any state), in attach order.
    pub replicas: Vec<usize>,
    /// The db the stream last SELECTed, or -1: the next command emits SELECT first.
    pub slave_seldb: i64,
    /// The ring, created with the first replica (None: nothing is copied).
    pub backlog: Option<Backlog>,
    /// Unix ms since when no replica is attached (repl-backlog-ttl), 0 = some are.
    pub no_replicas_since_ms: i64,
    /// The RDB child started for replication, if one runs (it occupies `srv.child`).
    pub child: Option<fullsync::Child>,
    /// Online replicas whose last ACK is within min-replicas-max-lag.
    pub good_replicas: usize,
    /// replicationCron runs, for the ping period.
    pub cron_loops: u64,
    /// Stream bytes per second (INFO repl_stream_bytes_per_sec).
    pub stream_rate: Metric,
    /// Encoding scratch buffer, kept between commands.
    scratch: Vec<u8>,
    /// Clients blocked in WAIT.
    waiters: Vec<Waiter>,
    /// Send REPLCONF GETACK before the next sleep (a WAIT blocked).
    get_ack: bool,
    /// Replicas whose link dropped: (name, acknowledged offset, unix ms lost), watched until
    /// the backlog no longer covers them (then a warning says they need a full resync) or
    /// they come back.
    lost: Vec<(String, i64, i64)>,
}

impl Default for MasterSide {
    fn default() -> Self {
        MasterSide {
            replicas: Vec::new(),
            slave_seldb: -1,
            backlog: None,
            no_replicas_since_ms: crate::db::mstime(),
            child: None,
            good_replicas: 0,
            cron_loops: 0,
            stream_rate: Metric::default(),
            scratch: Vec::new(),
            waiters: Vec::new(),
            get_ack: false,
            lost: Vec::new(),
        }
    }
}

/// Appends the RESP multibulk of `argv` to `out` (Redis's replication stream format).
pub fn encode_command(out: &mut Vec<u8>, argv: &[&[u8]]) {
    crate::resp::command(out, argv.iter().copied());
}

/// Creates the backlog (Redis's createReplicationBacklog) and turns propagation on.
fn create_backlog(srv: &mut Server) {
    let size = srv.config.repl_backlog_size.max(1) as usize;
    srv.repl.master.backlog = Some(Backlog::new(size, srv.repl.master_repl_offset));
    srv.also_propagate.enabled = true;
}

/// Appends one command to the stream (SELECT first when `db` changes). Nothing happens
/// without a backlog, or on a replica (its stream is its master's, passed on by
/// [`feed_raw`]).
pub fn feed(srv: &mut Server, db: usize, argv: &[Vec<u8>]) {
    if srv.repl.master.backlog.is_none() || srv.repl.replica.is_replica() {
        return;
    }
    let mut buf = std::mem::take(&mut srv.repl.master.scratch);
    buf.clear();
    if srv.repl.master.slave_seldb != db as i64 {
        let dbs = db.to_string();
        encode_command(&mut buf, &[b"SELECT", dbs.as_bytes()]);
        srv.repl.master.slave_seldb = db as i64;
    }
    crate::resp::command(&mut buf, argv.iter().map(|a| a.as_slice()));
    append_stream(srv, &buf);
    srv.repl.master.scratch = buf;
}

/// DEBUG REPLICATE: appends a command to the stream without executing it and without a
/// SELECT (Redis feeds it with dictid = slaveseldb).
pub fn feed_unselected(srv: &mut Server, argv: &[&[u8]]) {
    if srv.repl.master.backlog.is_none() || srv.repl.replica.is_replica() {
        return;
    }
    let mut buf = Vec::new();
    encode_command(&mut buf, argv);
    append_stream(srv, &buf);
}

/// Appends bytes of our master's stream verbatim (a replica passing its master's stream on to
/// its own replicas: chained replication, Redis's replicationFeedStreamFromMasterStream).
pub fn feed_raw(srv: &mut Server, bytes: &[u8]) {
    // A replica always keeps a backlog of its master's stream (Redis creates it when the
    // sync completes), so it can serve PSYNC to sub-replicas and after a promotion.
    ensure_backlog(srv);
    append_stream(srv, bytes);
}

/// Creates the backlog if there is none, keeping the replication ids (the replica side
/// calls this when a sync with its master completes, as Redis's readSyncBulkPayload does).
pub fn ensure_backlog(srv: &mut Server) {
    if srv.repl.master.backlog.is_none() {
        create_backlog(srv);
    }
}

/// Adds `data` to the backlog (bytes the ring overwrites that a replica still needs go to its
/// shared tail) and advances `master_repl_offset`; online replicas are queued to write, and
/// each replica's unsent share is checked against its output buffer limit.
fn append_stream(srv: &mut Server, data: &[u8]) {
    let keep_from = oldest_needed_offset(srv);
    let Server {
        repl,
        clients,
        pending_writes,
        ..
    } = srv;
    let m = &mut repl.master;
    let Some(bl) = m.backlog.as_mut() else {
        return;
    };
    bl.append(data, keep_from);
    repl.master_repl_offset += data.len() as i64;
    for &key in &m.replicas {
        if let Some(c) = clients.get_mut(key) {
            if let Some(r) = c.repl.as_deref_mut() {
                if r.state == Some(SlaveState::Online) && !r.queued {
                    r.queued = true;
                    pending_writes.push(key);
                }
            }
        }
    }
    // Each replica's unsent share of the stream counts against its output buffer limit.
    if keep_from != i64::MAX {
        for i in 0..srv.repl.master.replicas.len() {
            let key = srv.repl.master.replicas[i];
            crate::networking::check_output_buffer_limits(srv, key);
        }
    }
}

/// True for a replica that is owed the stream from `sent_off + 1` on: waiting for its
/// snapshot to end, being sent the dump, or online (not an rdb-only one, not one closing).
fn owed_stream(c: &crate::client::Client) -> Option<&ReplicaClient> {
    let r = c.repl.as_deref()?;
    let streaming = matches!(
        r.state,
        Some(SlaveState::WaitBgsaveEnd | SlaveState::SendBulk | SlaveState::Online)
    );
    (streaming && !r.rdb_only && c.flags & cf::CLOSE_ASAP == 0).then_some(r)
}

/// The oldest stream offset some replica has not been sent yet, `i64::MAX` when none: the
/// backlog's tail keeps the bytes from there on.
fn oldest_needed_offset(srv: &Server) -> i64 {
    srv.repl
        .master
        .replicas
        .iter()
        .filter_map(|&k| srv.clients.get(k).and_then(owed_stream))
        .map(|r| r.sent_off + 1)
        .min()
        .unwrap_or(i64::MAX)
}

/// Stream bytes produced but not yet sent to this replica: its share of the backlog's
/// memory, counted against `client-output-buffer-limit replica` and shown in CLIENT LIST's
/// omem (Redis 7 counts a replica's referenced replication buffer blocks the same way).
pub fn unsent_stream_bytes(repl: &super::ReplState, c: &crate::client::Client) -> usize {
    owed_stream(c).map_or(0, |r| {
        (repl.master_repl_offset - r.sent_off).max(0) as usize
    })
}

/// Releases backlog tail bytes every replica was sent (or that only a departed one needed).
pub fn trim_backlog(srv: &mut Server) {
    let keep_from = oldest_needed_offset(srv);
    if let Some(b) = srv.repl.master.backlog.as_mut() {
        b.trim(keep_from);
    }
}

/// A replica that stopped reading the snapshot a socket-target child streams to it: its
/// kernel send queue stayed non-empty and unchanged past repl-timeout. The socket is shut
/// down (which the child's copy sees too, so it goes on with the other replicas) and the
/// client freed; with no replica left to feed, the child is killed (on_free_client).
fn drop_stalled_full_syncs(srv: &mut Server, now: i64, timeout_ms: i64) {
    let mut stalled = Vec::new();
    for &k in &srv.repl.master.replicas {
        let Some(c) = srv.clients.get_mut(k) else {
            continue;
        };
        let fd = c.conn.raw_fd();
        let Some(r) = c.repl.as_deref_mut() else {
            continue;
        };
        if r.state != Some(SlaveState::WaitBgsaveEnd) {
            continue;
        }
        let queued = fullsync::unsent_in_kernel(fd).unwrap_or(0);
        if queued == 0 || queued != r.stalled_queue.0 {
            r.stalled_queue = (queued, now);
        } else if now - r.stalled_queue.1 > timeout_ms {
            stalled.push(k);
        }
    }
    for k in stalled {
        if let Some(c) = srv.clients.get(k) {
            serverlog!(
                Level::Warning,
                "Disconnecting timedout replica (full sync): {} (it read nothing of the snapshot for more than repl-timeout {} seconds; raise repl-timeout if the replica is legitimately slow)",
                replica_name(c),
                srv.config.repl_timeout
            );
            c.conn.shutdown();
        }
        crate::networking::free_client(srv, k);
    }
}

/// The name Redis's replicationGetSlaveName gives a replica in logs: `ip:port` with its
/// announced port, or `client id #N`.
pub fn replica_name(c: &crate::client::Client) -> String {
    let ip = c
        .repl
        .as_ref()
        .and_then(|r| r.ip_address.clone())
        .unwrap_or_else(|| peer_ip(&c.addr));
    let port = c.repl.as_ref().map_or(0, |r| r.listening_port);
    if ip.is_empty() {
        format!("client id #{}", c.id)
    } else if port != 0 {
        if ip.contains(':') {
            format!("[{ip}]:{port}")
        } else {
            format!("{ip}:{port}")
        }
    } else {
        format!("{ip}:<unknown-replica-port>")
    }
}

/// The ip part of an `ip:port` peer address.
fn peer_ip(addr: &str) -> String {
    match addr.rfind(':') {
        Some(i) => addr[..i]
            .trim_matches(|ch| ch == '[' || ch == ']')
            .to_string(),
        None => String::new(),
    }
}

/// True when `key` is a replica client (SYNC/PSYNC done): its writes go through
/// [`write_to_replica`].
pub fn is_streaming_replica(c: &crate::client::Client) -> bool {
    c.has_flag(cf::REPLICA) && c.repl.as_ref().is_some_and(|r| r.state.is_some())
}

/// A replica's command produced a reply (Redis's check in _addReplyToBufferOrList and
/// addReplyDeferredLen): the link carries only the stream towards a replica, so a reply
/// would corrupt it. The reply is dropped, an error among it is logged as CRITICAL (Redis's
/// afterErrorReply), and the replica is disconnected; it will resynchronize.
pub fn replica_generated_reply(srv: &mut Server, key: usize, mark: (usize, usize)) {
    let Some(c) = srv.clients.get(key) else {
        return;
    };
    let reply = c.reply_since(mark);
    let cmdname = c
        .last_cmd
        .and_then(|id| srv.commands.full_names.get(id).cloned())
        .unwrap_or_else(|| "<unknown>".to_string());
    let mut info = String::new();
    crate::commands::server_cmds::client_cmd::client_info_line(srv, key, None, &mut info);
    serverlog!(
        Level::Warning,
        "Replica generated a reply to command '{cmdname}', disconnecting it: {info}"
    );
    for text in super::error_texts(&reply) {
        serverlog!(
            Level::Warning,
            "== CRITICAL == This master is sending an error to its replica: '{text}' after processing the command '{cmdname}'"
        );
        srv.stat_unexpected_error_replies += 1;
    }
    if let Some(c) = srv.clients.get_mut(key) {
        c.reply_rollback(mark);
    }
    crate::networking::schedule_close(srv, key);
}

/// Writes what a replica is owed, in order: the dump (SEND_BULK), its own reply buffer (the
/// +FULLRESYNC/+CONTINUE line), then the backlog from `sent_off + 1`. Nothing is written while a child owns the socket.
pub fn write_to_replica(srv: &mut Server, key: usize) {
    let Server {
        repl,
        clients,
        stat_net_output_bytes,
        to_close,
        ..
    } = srv;
    let Some(c) = clients.get_mut(key) else {
        return;
    };
    if c.flags & cf::CLOSE_ASAP != 0 {
        return;
    }
    let Some(mut r) = c.repl.take() else {
        return;
    };
    r.queued = false;
    let result = (|| -> std::io::Result<()> {
        match r.state {
            Some(SlaveState::WaitBgsaveStart | SlaveState::WaitBgsaveEnd) | None => {
                return Ok(());
            }
            Some(SlaveState::SendBulk) => {
                if let Some((bytes, mut pos)) = r.bulk.take() {
                    while pos < bytes.len() {
                        match c.conn.writev(&[IoSlice::new(&bytes[pos..])]) {
                            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                            Ok(n) => {
                                pos += n;
                                *stat_net_output_bytes += n as u64;
                            }
                            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                                r.bulk = Some((bytes, pos));
                                return Ok(());
                            }
                            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                            Err(e) => return Err(e),
                        }
                    }
                }
                put_online(c, &mut r, crate::db::mstime());
            }
            Some(SlaveState::Online) => {}
        }
        let before = c.reply_bytes;
        let done = c.write_pending()?;
        *stat_net_output_bytes += (before - c.reply_bytes) as u64;
        if !done {
            return Ok(());
        }
        let Some(bl) = repl.master.backlog.as_ref() else {
            return Ok(());
        };
        while r.sent_off < repl.master_repl_offset {
            let Some((a, b)) = bl.read_from(r.sent_off + 1) else {
                return Err(std::io::Error::other("replica offset left the backlog"));
            };
            match c.conn.writev(&[IoSlice::new(a), IoSlice::new(b)]) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    r.sent_off += n as i64;
                    *stat_net_output_bytes += n as u64;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    })();
    c.repl = Some(r);
    if let Err(e) = result {
        let name = replica_name(c);
        serverlog!(
            Level::Warning,
            "Error writing to replica {name}: {e}; the link is closed and the replica will resynchronize."
        );
        if c.flags & cf::CLOSE_ASAP == 0 {
            c.flags |= cf::CLOSE_ASAP;
            to_close.push(key);
        }
    }
}

/// Redis's replicaPutOnline.
fn put_online(c: &mut crate::client::Client, r: &mut ReplicaClient, now_ms: i64) {
    r.state = Some(SlaveState::Online);
    r.ack_time_ms = now_ms;
    r.bulk = None;
    // The state is taken out of the client while it is worked on.
    let name = ReplicaNameOf(c, r).to_string();
    if r.rdb_only {
        serverlog!(
            Level::Notice,
            "RDB transfer completed, rdb only replica ({name}) should be disconnected asap"
        );
        c.flags |= cf::CLOSE_AFTER_REPLY;
        return;
    }
    serverlog!(
        Level::Notice,
        "Synchronization with replica {name} succeeded"
    );
}

/// Display of a replica's name while its state is taken out of the client.
struct ReplicaNameOf<'a>(&'a crate::client::Client, &'a ReplicaClient);

impl std::fmt::Display for ReplicaNameOf<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (c, r) = (self.0, self.1);
        let ip = r.ip_address.clone().unwrap_or_else(|| peer_ip(&c.addr));
        if r.listening_port != 0 {
            write!(f, "{ip}:{}", r.listening_port)
        } else {
            write!(f, "{ip}:<unknown-replica-port>")
        }
    }
}

/// Queues a replica for writing before the next sleep.
fn queue_write(srv: &mut Server, key: usize) {
    if let Some(r) = srv.clients.get_mut(key).and_then(|c| c.repl.as_deref_mut()) {
        if !r.queued {
            r.queued = true;
            srv.pending_writes.push(key);
        }
    }
}

/// Writes a short protocol line straight to the socket (Redis's connWrite of +FULLRESYNC /
/// +CONTINUE: the socket's send buffer is empty, so it goes out whole). False on failure.
fn write_line(c: &mut crate::client::Client, line: &[u8]) -> bool {
    matches!(c.conn.writev(&[IoSlice::new(line)]), Ok(n) if n == line.len())
}

// -- REPLCONF, SYNC, PSYNC ---------------------------------------------------------------

/// The replica state of client `cid`, created on first use.
fn replica_state(srv: &mut Server, cid: usize) -> &mut ReplicaClient {
    srv.clients[cid]
        .repl
        .get_or_insert_with(|| Box::new(ReplicaClient::new()))
}

/// `REPLCONF <option> <value> ...` (Redis's replconfCommand).
pub fn replconf(srv: &mut Server, cid: usize, argv: &crate::commands::Argv<'_>) {
    if argv.len() % 2 == 0 {
        srv.clients[cid].add_error("ERR syntax error");
        return;
    }
    let mut j = 1;
    while j < argv.len() {
        let val = argv.get(j + 1);
        if argv.is(j, "listening-port") {
            let Some(port) = crate::util::numeric::parse_i64(val) else {
                srv.clients[cid].add_error("ERR value is not an integer or out of range");
                return;
            };
            replica_state(srv, cid).listening_port = port.clamp(0, u16::MAX as i64) as u16;
        } else if argv.is(j, "ip-address") {
            if val.len() >= 46 {
                let msg = format!(
                    "ERR REPLCONF ip-address provided by replica instance is too long: {} bytes",
                    val.len()
                );
                srv.clients[cid].add_error(&msg);
                return;
            }
            replica_state(srv, cid).ip_address = Some(String::from_utf8_lossy(val).into_owned());
        } else if argv.is(j, "capa") {
            let r = replica_state(srv, cid);
            if val.eq_ignore_ascii_case(b"eof") {
                r.capa_eof = true;
            } else if val.eq_ignore_ascii_case(b"psync2") {
                r.capa_psync2 = true;
            }
        } else if argv.is(j, "ack") {
            // No reply, ever.
            if !srv.clients[cid].has_flag(cf::REPLICA) {
                return;
            }
            let Some(off) = crate::util::numeric::parse_i64(val) else {
                return;
            };
            let now = crate::db::mstime();
            let r = replica_state(srv, cid);
            if off > r.ack_off {
                r.ack_off = off;
            }
            r.ack_time_ms = now;
            // WAITing clients are answered before the next sleep (never from inside this
            // command: resuming them here would nest their commands in ours).
            return;
        } else if argv.is(j, "getack") {
            // Answered by the replica side, when we are a replica (it sends ACK itself).
            return;
        } else if argv.is(j, "rdb-only") {
            let v = crate::util::numeric::parse_i64(val);
            match v {
                Some(0) => replica_state(srv, cid).rdb_only = false,
                Some(1) => replica_state(srv, cid).rdb_only = true,
                Some(_) => {
                    srv.clients[cid]
                        .add_error("ERR value is out of range, must be between 0 and 1");
                    return;
                }
                None => {
                    srv.clients[cid].add_error("ERR value is not an integer or out of range");
                    return;
                }
            }
        } else if argv.is(j, "rdb-filter-only") {
            // Only the "functions" filter exists; rudis has no functions, so either form
            // yields a snapshot without data.
            let _ = val;
        } else {
            let msg = format!(
                "ERR Unrecognized REPLCONF option: {}",
                String::from_utf8_lossy(argv.get(j))
            );
            srv.clients[cid].add_error(&msg);
            return;
        }
        j += 2;
    }
    srv.clients[cid].add_ok();
}

/// `SYNC` and `PSYNC <replid> <offset>` (Redis's syncCommand).
pub fn sync_command(srv: &mut Server, cid: usize, argv: &crate::commands::Argv<'_>) {
    if srv.clients[cid].has_flag(cf::REPLICA) {
        return;
    }
    if srv.clients[cid].has_pending_replies() {
        srv.clients[cid].add_error("ERR SYNC and PSYNC are invalid with pending output");
        return;
    }
    let now = crate::db::mstime();
    replica_state(srv, cid);
    let name = replica_name(&srv.clients[cid]);
    serverlog!(Level::Notice, "Replica {name} asks for synchronization");
    srv.repl.master.lost.retain(|(n, _, _)| *n != name);
    if argv.is(0, "psync") {
        let Some(offset) = crate::util::numeric::parse_i64(argv.get(2)) else {
            serverlog!(
                Level::Warning,
                "Replica {name} asks for synchronization but with a wrong offset"
            );
            srv.clients[cid].add_error("ERR value is not an integer or out of range");
            return;
        };
        let replid = String::from_utf8_lossy(argv.get(1)).into_owned();
        if try_partial_resync(srv, cid, &replid, offset, &name) {
            srv.repl.stat_sync_partial_ok += 1;
            return;
        }
        if !replid.starts_with('?') {
            srv.repl.stat_sync_partial_err += 1;
        }
    } else {
        replica_state(srv, cid).pre_psync = true;
    }
    srv.repl.stat_sync_full += 1;
    {
        let c = &mut srv.clients[cid];
        c.flags |= cf::REPLICA;
        let r = c.repl.as_deref_mut().expect("created above");
        r.state = Some(SlaveState::WaitBgsaveStart);
        r.wait_since_ms = now;
        r.ack_time_ms = now;
    }
    srv.repl.master.replicas.push(cid);
    srv.repl.master.no_replicas_since_ms = 0;
    if srv.repl.replica.is_replica() {
        // A replica's ids are its master's: never a new history here.
        ensure_backlog(srv);
    } else if srv.repl.master.replicas.len() == 1 && srv.repl.master.backlog.is_none() {
        srv.repl.change_replication_id();
        srv.repl.clear_replication_id2();
        create_backlog(srv);
        serverlog!(
            Level::Notice,
            "Replication backlog created, my new replication IDs are '{}' and '{}'",
            srv.repl.replid,
            srv.repl.replid2
        );
    }
    let capa_eof = srv.clients[cid].repl.as_ref().is_some_and(|r| r.capa_eof);
    let rdb_child = srv.child.active() && srv.child.kind == ChildType::Rdb;
    let socket_child = matches!(&srv.repl.master.child, Some(ch) if ch.target == Target::Socket);
    if rdb_child && !socket_child {
        // CASE 1: a disk save runs. Attach if another replica registers the stream since
        // its fork and the ring still holds everything since then.
        let other = srv.repl.master.replicas.iter().copied().find(|&k| {
            k != cid
                && srv.clients.get(k).is_some_and(|c| {
                    c.repl
                        .as_ref()
                        .is_some_and(|r| r.state == Some(SlaveState::WaitBgsaveEnd) && !r.rdb_only)
                })
        });
        let init = other.and_then(|k| srv.clients[k].repl.as_ref().map(|r| r.psync_initial_offset));
        let covered = init.is_some_and(|init| {
            srv.repl
                .master
                .backlog
                .as_ref()
                .is_some_and(|b| b.first_offset() <= init + 1)
        });
        match init {
            Some(init) if covered => {
                setup_full_resync(srv, cid, init);
                serverlog!(Level::Notice, "Waiting for end of BGSAVE for SYNC");
            }
            _ => serverlog!(
                Level::Notice,
                "Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC"
            ),
        }
    } else if rdb_child {
        // CASE 2: the child writes to other replicas' sockets.
        serverlog!(
            Level::Notice,
            "Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC"
        );
    } else if srv.config.repl_diskless_sync && capa_eof && srv.config.repl_diskless_sync_delay > 0 {
        // CASE 3: the child starts from cron, after the delay.
        serverlog!(Level::Notice, "Delay next BGSAVE for diskless SYNC");
    } else if !srv.child.active() {
        start_bgsave_for_replication(srv);
    } else {
        serverlog!(
            Level::Notice,
            "No BGSAVE in progress, but another BG operation is active. BGSAVE for replication delayed"
        );
    }
}

/// Redis's masterTryPartialResynchronization: +CONTINUE and the backlog from `offset`, or
/// false (with the reason logged) when a full resync is needed.
fn try_partial_resync(srv: &mut Server, cid: usize, replid: &str, offset: i64, name: &str) -> bool {
    let r = &srv.repl;
    let id_ok = replid.eq_ignore_ascii_case(&r.replid)
        || (replid.eq_ignore_ascii_case(&r.replid2) && offset <= r.second_replid_offset);
    if !id_ok {
        if replid.starts_with('?') {
            serverlog!(Level::Notice, "Full resync requested by replica {name}");
        } else if !replid.eq_ignore_ascii_case(&r.replid)
            && !replid.eq_ignore_ascii_case(&r.replid2)
        {
            serverlog!(
                Level::Notice,
                "Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '{}', my replication IDs are '{}' and '{}')",
                replid,
                r.replid,
                r.replid2
            );
        } else {
            serverlog!(
                Level::Notice,
                "Partial resynchronization not accepted: Requested offset for second ID was {}, but I can reply up to {}",
                offset,
                r.second_replid_offset
            );
        }
        return false;
    }
    let held = r
        .master
        .backlog
        .as_ref()
        .map(|b| (b.first_offset(), b.end_offset()));
    let in_backlog = held.is_some_and(|(first, end)| offset >= first && offset <= end);
    if !in_backlog {
        let detail = match held {
            None => "there is no backlog (no replica was attached since it was freed or the server started)".to_string(),
            Some((first, end)) if offset < first => format!(
                "the backlog holds offsets {first}..{}, so {} bytes the replica needs were already overwritten: raise repl-backlog-size (now {}) to survive longer link cuts",
                end - 1,
                first - offset,
                srv.config.repl_backlog_size
            ),
            Some((_, end)) => format!(
                "the replica is {} bytes ahead of this master's history",
                offset - end
            ),
        };
        serverlog!(
            Level::Notice,
            "Unable to partial resync with replica {name} for lack of backlog (Replica request was: {offset}): {detail}."
        );
        if offset > r.master_repl_offset {
            serverlog!(
                Level::Warning,
                "Warning: replica {name} tried to PSYNC with an offset that is greater than the master replication offset."
            );
        }
        return false;
    }
    let line = {
        let psync2 = srv.clients[cid]
            .repl
            .as_ref()
            .is_some_and(|r| r.capa_psync2);
        if psync2 {
            format!("+CONTINUE {}\r\n", srv.repl.replid)
        } else {
            "+CONTINUE\r\n".to_string()
        }
    };
    let now = crate::db::mstime();
    let c = &mut srv.clients[cid];
    c.flags |= cf::REPLICA;
    {
        let r = c.repl.as_deref_mut().expect("created by sync_command");
        r.state = Some(SlaveState::Online);
        r.ack_time_ms = now;
        r.sent_off = offset - 1;
    }
    srv.repl.master.replicas.push(cid);
    srv.repl.master.no_replicas_since_ms = 0;
    if !write_line(&mut srv.clients[cid], line.as_bytes()) {
        crate::networking::schedule_close(srv, cid);
        return true;
    }
    let len = srv.repl.master_repl_offset + 1 - offset;
    serverlog!(
        Level::Notice,
        "Partial resynchronization request from {name} accepted. Sending {len} bytes of backlog starting from offset {offset}."
    );
    queue_write(srv, cid);
    refresh_good_replicas(srv);
    true
}

/// Redis's replicationSetupSlaveForFullResync: WAIT_BGSAVE_END at `offset`, the stream
/// re-SELECTs, and `+FULLRESYNC <replid> <offset>` goes out (not to SYNC replicas).
fn setup_full_resync(srv: &mut Server, cid: usize, offset: i64) -> bool {
    srv.repl.master.slave_seldb = -1;
    let line = format!("+FULLRESYNC {} {}\r\n", srv.repl.replid, offset);
    let c = &mut srv.clients[cid];
    let Some(r) = c.repl.as_deref_mut() else {
        return false;
    };
    r.psync_initial_offset = offset;
    r.sent_off = offset;
    r.state = Some(SlaveState::WaitBgsaveEnd);
    let pre = r.pre_psync;
    if !pre && !write_line(c, line.as_bytes()) {
        crate::networking::schedule_close(srv, cid);
        return false;
    }
    true
}

/// Slab keys of the replica clients in `state`, in attach order.
fn replicas_in_state(srv: &Server, state: SlaveState) -> Vec<usize> {
    srv.repl
        .master
        .replicas
        .iter()
        .copied()
        .filter(|&k| {
            srv.clients
                .get(k)
                .and_then(|c| c.repl.as_ref())
                .is_some_and(|r| r.state == Some(state))
        })
        .collect()
}

/// Redis's startBgsaveForReplication: forks the child for every replica waiting for a
/// snapshot, to their sockets when diskless and all of them can read `$EOF:`, else to disk.
fn start_bgsave_for_replication(srv: &mut Server) {
    if srv.child.active() {
        return;
    }
    let waiting: Vec<usize> = replicas_in_state(srv, SlaveState::WaitBgsaveStart)
        .into_iter()
        .filter(|&k| srv.clients[k].flags & cf::CLOSE_ASAP == 0)
        .collect();
    if waiting.is_empty() {
        return;
    }
    let all_eof = waiting
        .iter()
        .all(|&k| srv.clients[k].repl.as_ref().is_some_and(|r| r.capa_eof));
    let target = if srv.config.repl_diskless_sync && all_eof {
        Target::Socket
    } else {
        Target::Disk
    };
    serverlog!(
        Level::Notice,
        "Starting BGSAVE for SYNC with target: {}",
        if target == Target::Socket {
            "replicas sockets"
        } else {
            "disk"
        }
    );
    let offset = srv.repl.master_repl_offset;
    let mut fds = Vec::new();
    for &k in &waiting {
        if setup_full_resync(srv, k, offset) {
            fds.push(srv.clients[k].conn.raw_fd());
        }
    }
    let started = match target {
        Target::Socket => {
            let mut opts = crate::persistence::snapshot::save_options(srv);
            let at = opts
                .aux
                .iter()
                .position(|(k, _)| k == "aof-base")
                .unwrap_or(opts.aux.len());
            let rsi = [
                ("repl-stream-db".to_string(), b"0".to_vec()),
                ("repl-id".to_string(), srv.repl.replid.as_bytes().to_vec()),
                ("repl-offset".to_string(), offset.to_string().into_bytes()),
            ];
            for (i, kv) in rsi.into_iter().enumerate() {
                if !opts.aux.iter().any(|(k, _)| *k == kv.0) {
                    opts.aux.insert(at + i, kv);
                }
            }
            let timeout_ms = srv.config.repl_timeout.saturating_mul(1000);
            match fullsync::spawn_socket_child(srv, &opts, &fds, timeout_ms) {
                Ok(pid) => {
                    serverlog!(
                        Level::Notice,
                        "Background RDB transfer started by pid {pid}"
                    );
                    true
                }
                Err(e) => {
                    serverlog!(
                        Level::Warning,
                        "BGSAVE for replication failed: can't fork: {e}. Check free memory and vm.overcommit_memory."
                    );
                    false
                }
            }
        }
        Target::Disk => crate::persistence::bgsave::rdb_save_background(srv).is_ok(),
    };
    if started {
        srv.repl.master.child = Some(fullsync::Child {
            target,
            start_ms: crate::db::mstime(),
        });
    } else {
        serverlog!(
            Level::Warning,
            "BGSAVE for replication failed; the waiting replicas are disconnected and will retry."
        );
        for k in waiting {
            crate::networking::schedule_close(srv, k);
        }
    }
}

/// Whether the running child writes to replicas' sockets: its end is ours to handle, not
/// BGSAVE's (Redis's RDB_CHILD_TYPE_SOCKET in backgroundSaveDoneHandler).
pub fn socket_child_running(srv: &Server) -> bool {
    matches!(&srv.repl.master.child, Some(ch) if ch.target == Target::Socket)
}

/// An RDB child ended (ours for replication, or any BGSAVE): Redis's
/// updateSlavesWaitingBgsave. Replicas in WAIT_BGSAVE_END go online (socket target) or get
/// the dump file (disk target); on failure they are dropped and will retry. Called from the
/// BGSAVE done-handler.
pub fn rdb_child_done(srv: &mut Server, ok: bool) {
    let target = srv
        .repl
        .master
        .child
        .take()
        .map_or(Target::Disk, |ch| ch.target);
    let waiting = replicas_in_state(srv, SlaveState::WaitBgsaveEnd);
    if target == Target::Socket && !waiting.is_empty() {
        // Redis logs this when its pipe from the child runs dry; ours ends with the child.
        serverlog!(
            Level::Warning,
            "Diskless rdb transfer, done reading from pipe, {} replicas still up.",
            waiting.len()
        );
    }
    if waiting.is_empty() {
        return;
    }
    if !ok {
        serverlog!(
            Level::Warning,
            "SYNC failed. BGSAVE child returned an error; the replicas waiting for it are disconnected and will retry."
        );
        for k in waiting {
            crate::networking::schedule_close(srv, k);
        }
        return;
    }
    let now = crate::db::mstime();
    match target {
        Target::Socket => {
            serverlog!(
                Level::Notice,
                "Background RDB transfer terminated with success"
            );
            for k in waiting {
                let c = &mut srv.clients[k];
                let Some(mut r) = c.repl.take() else {
                    continue;
                };
                serverlog!(
                    Level::Notice,
                    "Streamed RDB transfer with replica {} succeeded (socket). Streaming the commands written since.",
                    ReplicaNameOf(c, &r)
                );
                put_online(c, &mut r, now);
                c.repl = Some(r);
                queue_write(srv, k);
            }
        }
        Target::Disk => {
            let path = crate::persistence::snapshot::dump_path(srv);
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) => {
                    serverlog!(
                        Level::Warning,
                        "SYNC failed. Can't open/stat DB after BGSAVE: {e}"
                    );
                    for k in waiting {
                        crate::networking::schedule_close(srv, k);
                    }
                    return;
                }
            };
            let mut bulk = format!("${}\r\n", bytes.len()).into_bytes();
            bulk.extend_from_slice(&bytes);
            let bulk: Rc<[u8]> = bulk.into();
            for k in waiting {
                if let Some(r) = srv.clients[k].repl.as_deref_mut() {
                    r.state = Some(SlaveState::SendBulk);
                    r.bulk = Some((bulk.clone(), 0));
                }
                queue_write(srv, k);
            }
        }
    }
    refresh_good_replicas(srv);
}

/// Redis's replicationStartPendingFork: starts the snapshot child for waiting replicas once
/// `repl-diskless-sync-delay` passed since the first arrived, or enough of them wait.
fn start_pending_fork(srv: &mut Server) {
    if srv.child.active() {
        return;
    }
    let now = crate::db::mstime();
    let mut waiting = 0i64;
    let mut max_idle_ms = 0;
    for &k in &srv.repl.master.replicas {
        if let Some(r) = srv.clients.get(k).and_then(|c| c.repl.as_ref()) {
            if r.state == Some(SlaveState::WaitBgsaveStart) {
                waiting += 1;
                max_idle_ms = max_idle_ms.max(now - r.wait_since_ms);
            }
        }
    }
    if waiting == 0 {
        return;
    }
    let cfg = &srv.config;
    if !cfg.repl_diskless_sync
        || (cfg.repl_diskless_sync_max_replicas > 0
            && waiting >= cfg.repl_diskless_sync_max_replicas)
        || max_idle_ms >= cfg.repl_diskless_sync_delay.saturating_mul(1000)
    {
        start_bgsave_for_replication(srv);
    }
}

/// A client is being freed: it leaves the replica list and the WAIT queue (Redis's
/// freeClient for CLIENT_SLAVE). Called by `networking::free_client`.
pub fn on_free_client(srv: &mut Server, key: usize) {
    srv.repl.master.waiters.retain(|w| w.key != key);
    let Some(pos) = srv.repl.master.replicas.iter().position(|&k| k == key) else {
        return;
    };
    srv.repl.master.replicas.remove(pos);
    // A disk snapshot made only for replicas that are all gone is useless: stop it so the
    // next full sync (or BGSAVE) starts at once. Not with save points, whose schedule it
    // also serves (Redis's freeClient does the same).
    let was_waiting = srv
        .clients
        .get(key)
        .and_then(|c| c.repl.as_ref())
        .is_some_and(|r| r.state == Some(SlaveState::WaitBgsaveEnd));
    if was_waiting
        && srv.config.save_params.is_empty()
        && srv.child.kind == ChildType::Rdb
        && srv
            .repl
            .master
            .child
            .as_ref()
            .is_some_and(|ch| ch.target == Target::Disk)
        && replicas_in_state(srv, SlaveState::WaitBgsaveEnd).is_empty()
    {
        crate::persistence::bgsave::kill_rdb_child(srv);
    }
    if let Some(c) = srv.clients.get(key) {
        let name = replica_name(c);
        serverlog!(Level::Notice, "Connection with replica {name} lost.");
        if let Some(r) = c.repl.as_ref() {
            if r.state == Some(SlaveState::Online) && !r.pre_psync {
                let lost = &mut srv.repl.master.lost;
                lost.retain(|(n, _, _)| *n != name);
                lost.push((
                    name,
                    r.ack_off.max(r.psync_initial_offset),
                    crate::db::mstime(),
                ));
            }
        }
    }
    if srv.repl.master.replicas.is_empty() {
        srv.repl.master.no_replicas_since_ms = crate::db::mstime();
    }
    trim_backlog(srv);
    // A diskless child left without any replica to feed is pointless.
    if socket_child_running(srv) {
        let still = srv.repl.master.replicas.iter().any(|&k| {
            srv.clients.get(k).is_some_and(|c| {
                c.repl
                    .as_ref()
                    .is_some_and(|r| r.state == Some(SlaveState::WaitBgsaveEnd))
            })
        });
        if !still {
            serverlog!(
                Level::Warning,
                "Diskless rdb transfer, last replica dropped, killing fork child."
            );
            crate::persistence::child::kill_child(srv);
        }
    }
    refresh_good_replicas(srv);
}

/// Redis's refreshGoodSlavesCount.
pub fn refresh_good_replicas(srv: &mut Server) {
    let max_lag_ms = srv.config.min_replicas_max_lag.saturating_mul(1000);
    let now = crate::db::mstime();
    let good = srv
        .repl
        .master
        .replicas
        .iter()
        .filter(|&&k| {
            srv.clients
                .get(k)
                .and_then(|c| c.repl.as_ref())
                .is_some_and(|r| {
                    r.state == Some(SlaveState::Online) && now - r.ack_time_ms <= max_lag_ms
                })
        })
        .count();
    srv.repl.master.good_replicas = good;
}

/// processCommand's min-replicas-to-write check: true when a write must be refused with
/// `-NOREPLICAS`.
pub fn deny_write_for_min_replicas(srv: &Server) -> bool {
    !srv.repl.replica.is_replica()
        && srv.config.min_replicas_to_write > 0
        && srv.config.min_replicas_max_lag > 0
        && (srv.repl.master.good_replicas as i64) < srv.config.min_replicas_to_write
}

/// Called on every server cron tick: reap the child, start a pending one.
pub fn tick(srv: &mut Server) {
    start_pending_fork(srv);
    trim_backlog(srv);
}

/// Master-side part of replicationCron: PING replicas, drop timed-out ones, free the backlog.
pub fn cron(srv: &mut Server) {
    let now = crate::db::mstime();
    let loops = srv.repl.master.cron_loops;
    srv.repl.master.cron_loops += 1;
    let period = srv.config.repl_ping_replica_period.max(1) as u64;
    // No PING while a FAILOVER with a timeout holds clients paused: it would move the offset
    // the target must reach (Redis's manual_failover_in_progress).
    let failover_paused = crate::replication::failover::has_deadline(srv)
        && crate::pause::check_timeout_and_is_paused(srv);
    if !srv.repl.replica.is_replica()
        && loops % period == 0
        && !srv.repl.master.replicas.is_empty()
        && !failover_paused
    {
        let seldb = srv.repl.master.slave_seldb;
        // PING goes into the stream without changing the selected db (Redis feeds it with
        // dictid = slaveseldb).
        if srv.repl.master.backlog.is_some() {
            let mut buf = Vec::new();
            encode_command(&mut buf, &[b"PING"]);
            append_stream(srv, &buf);
        }
        srv.repl.master.slave_seldb = seldb;
    }
    // A newline keeps replicas waiting for a snapshot to start from timing out.
    let socket_child = socket_child_running(srv);
    for &k in &srv.repl.master.replicas {
        if let Some(c) = srv.clients.get_mut(k) {
            let waiting = c
                .repl
                .as_ref()
                .is_some_and(|r| r.state == Some(SlaveState::WaitBgsaveStart));
            let disk_end = c
                .repl
                .as_ref()
                .is_some_and(|r| r.state == Some(SlaveState::WaitBgsaveEnd) && !socket_child);
            if waiting || disk_end {
                let _ = c.conn.writev(&[IoSlice::new(b"\n")]);
            }
        }
    }
    // Replicas silent past repl-timeout.
    let timeout_ms = srv.config.repl_timeout.saturating_mul(1000);
    if socket_child {
        drop_stalled_full_syncs(srv, now, timeout_ms);
    }
    let mut timed_out = Vec::new();
    for &k in &srv.repl.master.replicas {
        if let Some(c) = srv.clients.get(k) {
            if let Some(r) = c.repl.as_ref() {
                if r.state == Some(SlaveState::Online)
                    && !r.pre_psync
                    && now - r.ack_time_ms > timeout_ms
                {
                    timed_out.push((k, replica_name(c)));
                }
            }
        }
    }
    for (k, name) in timed_out {
        serverlog!(
            Level::Warning,
            "Disconnecting timedout replica (streaming sync): {name} (no REPLCONF ACK for more than repl-timeout {} seconds; raise repl-timeout if the link or the replica is slow)",
            srv.config.repl_timeout
        );
        crate::networking::schedule_close(srv, k);
    }
    // The backlog is freed after repl-backlog-ttl with no replica (only on a master: a
    // replica keeps it to serve PSYNC after a promotion).
    let ttl_ms = srv.config.repl_backlog_ttl.saturating_mul(1000);
    let m = &srv.repl.master;
    if m.replicas.is_empty()
        && m.backlog.is_some()
        && ttl_ms > 0
        && !srv.repl.replica.is_replica()
        && m.no_replicas_since_ms > 0
        && now - m.no_replicas_since_ms > ttl_ms
    {
        srv.repl.change_replication_id();
        srv.repl.clear_replication_id2();
        srv.repl.master.backlog = None;
        // Commands are still gathered while the AOF consumes them.
        srv.also_propagate.enabled = srv.aof.status != crate::persistence::aof::Status::Off;
        serverlog!(
            Level::Notice,
            "Replication backlog freed after {} seconds without connected replicas.",
            srv.config.repl_backlog_ttl
        );
    }
    let off = srv.repl.master_repl_offset.max(0) as u64;
    srv.repl.master.stream_rate.track(off, now);
    warn_uncovered_lost_replicas(srv, now);
    refresh_good_replicas(srv);
}

/// A replica whose link is down for longer than the backlog covers can no longer continue
/// partially: say so once, with the remedy, instead of leaving an unexplained full sync for
/// when it returns.
fn warn_uncovered_lost_replicas(srv: &mut Server, now: i64) {
    let first = srv.repl.master.backlog.as_ref().map(|b| b.first_offset());
    let size = srv.config.repl_backlog_size;
    let rate = srv.repl.master.stream_rate.value();
    let lost = std::mem::take(&mut srv.repl.master.lost);
    for (name, ack, since) in lost {
        match first {
            Some(first) if ack + 1 < first => {
                serverlog!(
                    Level::Warning,
                    "Replica {name} has been disconnected for {} seconds, longer than the backlog covers ({size} bytes at {} bytes/sec): {} bytes it needs were overwritten, so it will need a full resync when it returns. Raise repl-backlog-size to absorb link cuts this long.",
                    (now - since) / 1000,
                    rate as u64,
                    first - ack - 1
                );
            }
            Some(_) => srv.repl.master.lost.push((name, ack, since)),
            None => {}
        }
    }
}

/// The stream's db to record in a saved RDB with our replid and offset, when we are a master
/// with a backlog (Redis's rdbPopulateSaveInfo, master part); None otherwise.
pub fn rdb_stream_db(srv: &Server) -> Option<usize> {
    if srv.repl.replica.is_replica() || srv.repl.master.backlog.is_none() {
        return None;
    }
    Some(srv.repl.master.slave_seldb.max(0) as usize)
}

/// Start-up on a master after its RDB loaded (Redis's loadDataFromDisk, master part). The
/// keys the load dropped as expired go into a new backlog as DEL (UNLINK with
/// `lazyfree-lazy-expire`), because the replicas of the previous run still hold them. When
/// the RDB carries repl-id / repl-offset, that history stays valid as `replid2` up to its
/// offset + 1 and the offset is rebased on it, so those replicas continue with a partial
/// resync and receive the DELs first. Worked numbers: the file says offset 1000, 1024 expired
/// keys make 30 000 bytes of SELECT/DEL; master_repl_offset becomes 31 000, the backlog holds
/// 1001..=31000, and a replica asking `PSYNC <old id> 1001` gets +CONTINUE and the DELs. With
/// a 16 KiB backlog the ring holds only 14617..=31000, so that replica gets a full resync.
/// Without valid replication info the backlog goes again (nothing could continue from it).
pub fn restore_from_rdb(srv: &mut Server, l: &mut crate::persistence::rdb::Loaded) {
    if srv.config.replicaof.is_some() {
        return;
    }
    srv.repl.master.backlog = None;
    create_backlog(srv);
    let del: &[u8] = if srv.config.lazyfree_lazy_expire {
        b"UNLINK"
    } else {
        b"DEL"
    };
    for (db, key) in std::mem::take(&mut l.expired_keys) {
        feed(srv, db, &[del.to_vec(), key]);
    }
    let info = match (&l.repl_id, l.repl_offset, l.repl_stream_db) {
        (Some(id), Some(off), Some(db)) if id.len() == 40 && off != -1 && db != -1 => {
            Some((id, off))
        }
        _ => None,
    };
    let Some((id, off)) = info else {
        srv.repl.master.backlog = None;
        srv.also_propagate.enabled = srv.aof.status != crate::persistence::aof::Status::Off;
        return;
    };
    srv.repl.replid2 = String::from_utf8_lossy(id).into_owned();
    srv.repl.second_replid_offset = off + 1;
    srv.repl.master_repl_offset += off;
    let end = srv.repl.master_repl_offset;
    if let Some(b) = srv.repl.master.backlog.as_mut() {
        b.rebase(end);
    }
    srv.repl.master.no_replicas_since_ms = crate::db::mstime();
}

/// CONFIG SET repl-backlog-size (Redis's resizeReplicationBacklog). Bytes the smaller ring
/// drops that a replica was not sent yet stay in the backlog's tail.
pub fn resize_backlog(srv: &mut Server) {
    let size = srv.config.repl_backlog_size.max(1) as usize;
    let keep_from = oldest_needed_offset(srv);
    if let Some(b) = srv.repl.master.backlog.as_mut() {
        b.resize(size, keep_from);
    }
}

// -- WAIT ---------------------------------------------------------------------------------

/// Replicas that acknowledged `offset` (Redis's replicationCountAcksByOffset).
fn count_acks(srv: &Server, offset: i64) -> i64 {
    srv.repl
        .master
        .replicas
        .iter()
        .filter(|&&k| {
            srv.clients
                .get(k)
                .and_then(|c| c.repl.as_ref())
                .is_some_and(|r| r.state == Some(SlaveState::Online) && r.ack_off >= offset)
        })
        .count() as i64
}

/// `WAIT numreplicas timeout`: replies at once when enough replicas acknowledged the
/// stream so far (or inside MULTI), else blocks the client until they do or `timeout` ms
/// pass; the replicas are asked for an ACK before the next sleep.
pub fn wait_command(
    srv: &mut Server,
    cid: usize,
    numreplicas: i64,
    timeout_ms: i64,
    can_block: bool,
) {
    let offset = srv.repl.master_repl_offset;
    let acks = count_acks(srv, offset);
    if acks >= numreplicas || !can_block {
        srv.clients[cid].add_int(acks);
        return;
    }
    let deadline_ms = if timeout_ms > 0 {
        crate::db::mstime() + timeout_ms
    } else {
        0
    };
    let c = &mut srv.clients[cid];
    c.flags |= cf::BLOCKED;
    srv.blocked_clients += 1;
    srv.repl.master.waiters.push(Waiter {
        key: cid,
        client_id: c.id,
        numreplicas,
        offset,
        deadline_ms,
    });
    srv.repl.master.get_ack = true;
}

/// Redis's processClientsWaitingReplicas plus WAIT timeouts: answers every WAIT whose
/// replicas acknowledged or whose time is up, then runs what those clients sent meanwhile.
fn process_waiters(srv: &mut Server) {
    if srv.repl.master.waiters.is_empty() {
        return;
    }
    let now = crate::db::mstime();
    let waiters = std::mem::take(&mut srv.repl.master.waiters);
    let mut keep = Vec::new();
    let mut resumed = Vec::new();
    for w in waiters {
        let alive = srv.clients.get(w.key).is_some_and(|c| c.id == w.client_id);
        if !alive {
            continue;
        }
        let acks = count_acks(srv, w.offset);
        if acks >= w.numreplicas || (w.deadline_ms > 0 && now >= w.deadline_ms) {
            let c = &mut srv.clients[w.key];
            c.flags &= !cf::BLOCKED;
            srv.blocked_clients = srv.blocked_clients.saturating_sub(1);
            c.add_int(acks);
            srv.pending_writes.push(w.key);
            resumed.push(w.key);
        } else {
            keep.push(w);
        }
    }
    keep.append(&mut srv.repl.master.waiters);
    srv.repl.master.waiters = keep;
    for k in resumed {
        if srv.clients.get(k).is_some_and(|c| c.querybuf_pending() > 0) {
            crate::networking::process_input(srv, k);
        }
    }
}

/// Before each sleep (Redis's beforeSleep): answer WAITs, send REPLCONF GETACK when one
/// blocked, reap the child early.
pub fn before_sleep(srv: &mut Server) {
    process_waiters(srv);
    // Not while clients are paused: the GETACK would move the offset a failover or a
    // shutdown waits for replicas to reach; it goes out after the pause.
    if srv.repl.master.get_ack && !crate::pause::check_timeout_and_is_paused(srv) {
        srv.repl.master.get_ack = false;
        send_getack(srv);
    }
}

/// Redis's sendGetackToReplicas: `REPLCONF GETACK *` into the stream, so replicas report
/// their offset now rather than at their next once-a-second ACK.
pub fn send_getack(srv: &mut Server) {
    if srv.repl.master.backlog.is_some() && !srv.repl.replica.is_replica() {
        let seldb = srv.repl.master.slave_seldb;
        let mut buf = Vec::new();
        encode_command(&mut buf, &[b"REPLCONF", b"GETACK", b"*"]);
        append_stream(srv, &buf);
        srv.repl.master.slave_seldb = seldb;
    }
}

// -- ROLE and INFO -----------------------------------------------------------------------

/// ROLE on a master: the offset, and `(ip, port, ack offset)` per online replica.
pub fn role_fields(srv: &Server) -> (i64, Vec<(String, u16, i64)>) {
    let online: Vec<(String, u16, i64)> = srv
        .repl
        .master
        .replicas
        .iter()
        .filter_map(|&k| {
            let rc = srv.clients.get(k)?;
            let r = rc.repl.as_ref()?;
            (r.state == Some(SlaveState::Online)).then(|| {
                (
                    r.ip_address.clone().unwrap_or_else(|| peer_ip(&rc.addr)),
                    r.listening_port,
                    r.ack_off,
                )
            })
        })
        .collect();
    (srv.repl.master_repl_offset, online)
}

/// Writes ROLE's master reply: `master`, offset, `[[ip, port, offset] ...]`.
pub fn write_role(c: &mut crate::client::Client, offset: i64, online: &[(String, u16, i64)]) {
    c.add_array_len(3);
    c.add_bulk(b"master");
    c.add_int(offset);
    c.add_array_len(online.len());
    for (ip, port, off) in online {
        c.add_array_len(3);
        c.add_bulk(ip.as_bytes());
        c.add_bulk(port.to_string().as_bytes());
        c.add_bulk(off.to_string().as_bytes());
    }
}

/// INFO `connected_slaves` and one `slaveN:` line per replica.
pub fn info_replicas(srv: &Server, out: &mut String) {
    let m = &srv.repl.master;
    let _ = write!(out, "connected_slaves:{}\r\n", m.replicas.len());
    if srv.config.min_replicas_to_write > 0 && srv.config.min_replicas_max_lag > 0 {
        let _ = write!(out, "min_slaves_good_slaves:{}\r\n", m.good_replicas);
    }
    let now_s = crate::db::mstime() / 1000;
    let mut id = 0;
    for &k in &m.replicas {
        let Some(c) = srv.clients.get(k) else {
            continue;
        };
        let Some(r) = c.repl.as_ref() else {
            continue;
        };
        let Some(state) = r.state else {
            continue;
        };
        let ip = r.ip_address.clone().unwrap_or_else(|| peer_ip(&c.addr));
        let lag = if state == SlaveState::Online {
            now_s - r.ack_time_ms / 1000
        } else {
            0
        };
        let _ = write!(
            out,
            "slave{id}:ip={ip},port={},state={},offset={},lag={lag}\r\n",
            r.listening_port,
            state.info_name(),
            r.ack_off
        );
        id += 1;
    }
}

/// INFO `repl_backlog_*`, then rudis's `repl_stream_bytes_per_sec` (the stream's write rate
/// over the last samples) and `repl_backlog_coverage_sec` (how long a link cut the backlog
/// absorbs at that rate: backlog size / rate; -1 while nothing is written).
pub fn info_backlog(srv: &Server, out: &mut String) {
    let b = srv.repl.master.backlog.as_ref();
    let _ = write!(
        out,
        "repl_backlog_active:{}\r\n\
         repl_backlog_size:{}\r\n\
         repl_backlog_first_byte_offset:{}\r\n\
         repl_backlog_histlen:{}\r\n",
        b.is_some() as u8,
        srv.config.repl_backlog_size,
        b.map_or(0, |b| b.first_offset()),
        b.map_or(0, |b| b.histlen()),
    );
    let rate = srv.repl.master.stream_rate.value();
    let coverage = if rate >= 1.0 {
        (srv.config.repl_backlog_size as f64 / rate) as i64
    } else {
        -1
    };
    let _ = write!(
        out,
        "repl_stream_bytes_per_sec:{}\r\nrepl_backlog_coverage_sec:{}\r\n",
        rate as u64, coverage
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_encoded_as_multibulk() {
        let mut out = Vec::new();
        encode_command(&mut out, &[b"SELECT", b"9"]);
        encode_command(&mut out, &[b"set", b"k", b""]);
        assert_eq!(
            out,
            b"*2\r\n$6\r\nSELECT\r\n$1\r\n9\r\n*3\r\n$3\r\nset\r\n$1\r\nk\r\n$0\r\n\r\n"
        );
    }

    #[test]
    fn peer_ip_strips_port_and_brackets() {
        assert_eq!(peer_ip("127.0.0.1:5000"), "127.0.0.1");
        assert_eq!(peer_ip("[::1]:5000"), "::1");
        assert_eq!(peer_ip("nocolon"), "");
    }
}
