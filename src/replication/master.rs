//! The master side of replication (Redis's replication.c, MASTER part): the backlog, the
//! replicas, SYNC/PSYNC/REPLCONF from replicas, the full and partial resync, feeding the
//! stream, heartbeats to replicas, WAIT.
//!
//! Owns: `MasterSide` (`srv.repl.master`). It must never touch the replica side's link.

use std::fmt::Write as _;

use crate::server::Server;

/// State of this server as a master.
pub struct MasterSide {
    /// Slab keys of replica clients (any state), in attach order.
    pub replicas: Vec<usize>,
    /// The db the stream last SELECTed, or -1: the next command emits SELECT first.
    pub slave_seldb: i64,
}

impl Default for MasterSide {
    fn default() -> Self {
        MasterSide {
            replicas: Vec::new(),
            slave_seldb: -1,
        }
    }
}

/// Appends one command to the stream (SELECT first when `db` changes).
pub fn feed(srv: &mut Server, db: usize, argv: &[Vec<u8>]) {
    let _ = (srv, db, argv);
}

/// Appends bytes of our master's stream verbatim (a replica passing its master's stream on to
/// its own replicas: chained replication, Redis's replicationFeedStreamFromMasterStream).
pub fn feed_raw(srv: &mut Server, bytes: &[u8]) {
    let _ = (srv, bytes);
}

/// Master-side part of replicationCron: PING replicas, drop timed-out ones, free the backlog.
pub fn cron(srv: &mut Server) {
    let _ = srv;
}

/// INFO `connected_slaves` and one `slaveN:` line per replica.
pub fn info_replicas(srv: &Server, out: &mut String) {
    let _ = write!(
        out,
        "connected_slaves:{}\r\n",
        srv.repl.master.replicas.len()
    );
}

/// INFO `repl_backlog_*`.
pub fn info_backlog(srv: &Server, out: &mut String) {
    let _ = write!(
        out,
        "repl_backlog_active:0\r\n\
         repl_backlog_size:{}\r\n\
         repl_backlog_first_byte_offset:0\r\n\
         repl_backlog_histlen:0\r\n",
        srv.config.repl_backlog_size,
    );
}
