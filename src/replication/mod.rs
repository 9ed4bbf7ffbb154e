//! Master/replica replication, as Redis's replication.c: the replication id and offsets, the
//! master side (backlog, replicas, propagation) and the replica side (the link to our master).
//!
//! Owns: `ReplState` (`srv.repl`), the state shared by both roles. The master side lives in
//! [`master`] (backlog ring, replica clients, SYNC/PSYNC/REPLCONF, WAIT, feeding the stream),
//! the replica side in [`replica`] (REPLICAOF, the handshake state machine, loading the
//! master's RDB, the master client), a coordinated FAILOVER in [`failover`]. It must never
//! parse RDB itself (that is `persistence::rdb`) or execute commands other than through
//! `commands::call`.
//!
//! ```text
//!   replica side (replica.rs), driven by the reactor, never blocking:
//!
//!   NONE --REPLICAOF h p--> CONNECT --connect()--> CONNECTING --writable--> RECEIVE_PING_REPLY
//!     --> SEND_HANDSHAKE: [AUTH] REPLCONF listening-port, REPLCONF capa eof capa psync2
//!     --> RECEIVE_AUTH/PORT/CAPA_REPLY --> SEND_PSYNC --> RECEIVE_PSYNC_REPLY
//!            +CONTINUE [replid]        --> CONNECTED (stream goes on from our offset)
//!            +FULLRESYNC replid off    --> TRANSFER ($<len> or $EOF:<mark>) --> load --> CONNECTED
//!   any error or repl-timeout of silence --> CONNECT again (retried from cron, once a second)
//!
//!   master side (master.rs), one state per replica client:
//!
//!   PSYNC ok --> ONLINE (backlog from the replica's offset, then the live stream)
//!   PSYNC no --> WAIT_BGSAVE_START --> WAIT_BGSAVE_END --> SEND_BULK --> ONLINE
//! ```
//!
//! Why the offsets work: every byte of the stream has a number. The master's
//! `master_repl_offset` counts every byte it ever propagated under its replid; the backlog keeps
//! the last `repl-backlog-size` of them. A replica that processed up to offset 1000 asks
//! `PSYNC <replid> 1001`; with a 1 MiB backlog holding bytes 5000..=1053575, 1001 is gone and
//! the master answers +FULLRESYNC; had the replica asked for 6000, +CONTINUE and bytes
//! 6000.. are enough. After `REPLICAOF NO ONE` the promoted replica keeps its old id as
//! `master_replid2` valid up to `second_repl_offset` = its offset + 1, so its former siblings,
//! which share that history, still continue partially.

pub mod backlog;
pub mod failover;
pub mod fullsync;
pub mod handshake;
pub mod master;
pub mod replica;
pub mod transfer;

use std::fmt::Write as _;

use crate::server::Server;

/// 40 zeros: Redis's "no id" for master_replid2 when there is none.
pub const NULL_REPLID: &str = "0000000000000000000000000000000000000000";

/// 40, Redis's CONFIG_RUN_ID_SIZE: length of a replication id and of the EOF mark.
pub const RUN_ID_SIZE: usize = 40;

/// 1000 ms, Redis's period of replicationCron.
pub const CRON_PERIOD_MS: i64 = 1000;

/// Replication state shared by the master and replica roles (Redis's server.replid,
/// replid2, master_repl_offset, second_replid_offset and the sync stats).
pub struct ReplState {
    /// Our current replication id, 40 hex characters (INFO master_replid).
    pub replid: String,
    /// The id we had before the last promotion (INFO master_replid2), or [`NULL_REPLID`].
    pub replid2: String,
    /// Bytes of replication stream produced (master) or processed (replica) under `replid`.
    pub master_repl_offset: i64,
    /// Offset up to which `replid2` is valid, plus one (INFO second_repl_offset), or -1.
    pub second_replid_offset: i64,
    /// INFO stats sync_full, sync_partial_ok, sync_partial_err.
    pub stat_sync_full: u64,
    pub stat_sync_partial_ok: u64,
    pub stat_sync_partial_err: u64,
    /// Unix ms of the last replication cron run.
    pub last_cron_ms: i64,
    /// Master role: backlog, replicas, the stream's selected db.
    pub master: master::MasterSide,
    /// Replica role: the link to our master, if we have one.
    pub replica: replica::ReplicaSide,
    /// A coordinated failover (FAILOVER) under way.
    pub failover: failover::Failover,
}

impl ReplState {
    pub fn new(replid: &str) -> ReplState {
        ReplState {
            replid: replid.to_string(),
            replid2: NULL_REPLID.to_string(),
            master_repl_offset: 0,
            second_replid_offset: -1,
            stat_sync_full: 0,
            stat_sync_partial_ok: 0,
            stat_sync_partial_err: 0,
            last_cron_ms: 0,
            master: master::MasterSide::default(),
            replica: replica::ReplicaSide::default(),
            failover: failover::Failover::default(),
        }
    }

    /// Redis's changeReplicationId: a new history starts (a full resync as replica, start-up).
    pub fn change_replication_id(&mut self) {
        self.replid = crate::server::random_hex40();
    }

    /// Redis's clearReplicationId2.
    pub fn clear_replication_id2(&mut self) {
        self.replid2 = NULL_REPLID.to_string();
        self.second_replid_offset = -1;
    }

    /// Redis's shiftReplicationId, on promotion: the old id stays valid as `replid2` up to
    /// the current offset + 1, and a new id starts. Worked numbers: a replica at offset 5000
    /// is promoted; a former sibling that processed 4200 bytes asks `PSYNC <old id> 4201`:
    /// 4201 <= second_repl_offset 5001, so it continues from the backlog.
    pub fn shift_replication_id(&mut self) {
        self.replid2 = std::mem::take(&mut self.replid);
        self.second_replid_offset = self.master_repl_offset + 1;
        self.change_replication_id();
    }
}

/// The error replies in `reply` (a client's reply bytes), each as Redis's afterErrorReply
/// logs it: without the `-` and the `ERR ` it added, cut at 4096 bytes.
pub fn error_texts(reply: &[u8]) -> impl Iterator<Item = String> + '_ {
    reply.split(|&b| b == b'\n').filter_map(|line| {
        let err = line.strip_prefix(b"-")?;
        let err = err.strip_suffix(b"\r").unwrap_or(err);
        let err = err.strip_prefix(b"ERR ").unwrap_or(err);
        Some(String::from_utf8_lossy(&err[..err.len().min(4096)]).into_owned())
    })
}

/// Redis's replicationCron, run once a second from the server cron.
pub fn cron(srv: &mut Server) {
    // The snapshot child is reaped (and a pending one started) on every server tick, not
    // once a second, as Redis's serverCron does.
    master::tick(srv);
    let now = srv.ks.now_ms;
    if now - srv.repl.last_cron_ms < CRON_PERIOD_MS {
        return;
    }
    srv.repl.last_cron_ms = now;
    failover::update_status(srv);
    replica::cron(srv);
    master::cron(srv);
}

/// Redis's propagateNow → replicationFeedSlaves: one command of the stream, in its
/// deterministic form, for database `db`.
pub fn feed(srv: &mut Server, db: usize, argv: &[Vec<u8>]) {
    // A replica passes on its master's stream verbatim instead (replica::apply_pending →
    // master::feed_raw), as Redis's replicationFeedSlaves returns when masterhost is set.
    if srv.repl.replica.is_replica() {
        return;
    }
    master::feed(srv, db, argv);
}

/// The repl-stream-db our RDB records, when it records replication info (Redis's
/// rdbPopulateSaveInfo): then repl-id and repl-offset are `replid`/`master_repl_offset`.
/// The replica part is [`replica::rdb_stream_db`]; a master with a backlog records its
/// stream's db (the master side fills that in).
pub fn rdb_save_stream_db(srv: &Server) -> Option<usize> {
    replica::rdb_stream_db(srv)
}

/// The `# Replication` section of INFO, Redis's field names and order.
pub fn info(srv: &Server, out: &mut String) {
    let role = if srv.repl.replica.is_replica() {
        "slave"
    } else {
        "master"
    };
    let _ = write!(out, "role:{role}\r\n");
    replica::info(srv, out);
    master::info_replicas(srv, out);
    let _ = write!(
        out,
        "master_failover_state:{}\r\n\
         master_replid:{}\r\n\
         master_replid2:{}\r\n\
         master_repl_offset:{}\r\n\
         second_repl_offset:{}\r\n",
        srv.repl.failover.state.name(),
        srv.repl.replid,
        srv.repl.replid2,
        srv.repl.master_repl_offset,
        srv.repl.second_replid_offset,
    );
    master::info_backlog(srv, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promotion_keeps_the_old_id_valid_up_to_the_offset() {
        let mut r = ReplState::new(&"a".repeat(40));
        r.master_repl_offset = 5000;
        r.shift_replication_id();
        assert_eq!(r.replid2, "a".repeat(40));
        assert_eq!(r.second_replid_offset, 5001);
        assert_ne!(r.replid, r.replid2);
        assert_eq!(r.replid.len(), 40);
        r.clear_replication_id2();
        assert_eq!(
            (r.replid2.as_str(), r.second_replid_offset),
            (NULL_REPLID, -1)
        );
    }

    #[test]
    fn error_texts_are_logged_as_the_command_gave_them() {
        let reply =
            b"+OK\r\n-ERR Replica can't interact with the keyspace\r\n-WRONGTYPE bad\r\n:1\r\n";
        let texts: Vec<String> = error_texts(reply).collect();
        assert_eq!(
            texts,
            ["Replica can't interact with the keyspace", "WRONGTYPE bad"]
        );
    }
}
