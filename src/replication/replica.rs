//! The replica side of replication (Redis's replication.c, SLAVE part): REPLICAOF, the
//! non-blocking handshake with our master, receiving and loading its RDB, the master client
//! whose stream we apply, REPLCONF ACK, and the link's timeout.
//!
//! Owns: `ReplicaSide` (`srv.repl.replica`) and the master link socket (reactor token
//! [`crate::reactor::MASTER_LINK_TOKEN`]). It must never write to replicas of its own other
//! than through the master side's feed.

use crate::server::Server;

/// State of this server as a replica.
#[derive(Default)]
pub struct ReplicaSide {
    /// Our master's host and port (`replicaof`), None when we are a master.
    pub master: Option<(String, u16)>,
}

impl ReplicaSide {
    /// True when configured to replicate from a master.
    pub fn is_replica(&self) -> bool {
        self.master.is_some()
    }
}

/// Replica-side part of replicationCron: connect or reconnect, time out a silent link, ACK.
pub fn cron(srv: &mut Server) {
    let _ = srv;
}

/// Readiness of the master link socket (token MASTER_LINK_TOKEN).
pub fn on_link_event(srv: &mut Server, readable: bool, writable: bool) {
    let _ = (srv, readable, writable);
}

/// ROLE's reply on a replica: `slave`, master host, port, link state, processed offset.
/// Returns false on a master (the master side answers).
pub fn role(srv: &Server, c: &mut crate::client::Client) -> bool {
    let _ = (srv, c);
    false
}

/// INFO fields of a replica (master_host ... slave_repl_offset), nothing on a master.
pub fn info(srv: &Server, out: &mut String) {
    let _ = (srv, out);
}
