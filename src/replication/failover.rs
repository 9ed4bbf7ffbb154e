//! Coordinated failover (Redis 6.2's FAILOVER: failoverCommand, updateFailoverStatus,
//! abortFailover, clearFailoverState in replication.c, and syncCommand's `PSYNC ... FAILOVER`
//! on the target): a master hands its role to one of its replicas without losing a write.
//!
//! Owns: the failover in progress (`srv.repl.failover`): its state, target, deadline and
//! FORCE, and the target side's handling of `PSYNC <replid> <offset> FAILOVER`. The argument
//! checks and replies of the FAILOVER command are `commands::failover`'s; becoming a replica
//! or a master is `replica::{set_master, unset_master}`'s. It must never touch the link's
//! socket: the handshake asks [`psync_failover_arg`] and reports the PSYNC reply here.
//!
//! ```text
//!  no-failover ──FAILOVER [TO h p] [TIMEOUT ms] [FORCE]──► waiting-for-sync
//!      writes paused (PAUSE_DURING_FAILOVER), replicas keep streaming and ACK once a second
//!  waiting-for-sync, before every sleep and in replication cron:
//!      the target (or any replica) acknowledged master_repl_offset
//!          ──► "Failover target h:p is synced, failing over." ──► failover-in-progress
//!      the deadline passed: FORCE ──► failover-in-progress ("time out exceeded")
//!                           else  ──► aborted ("Replica never caught up before timeout")
//!  failover-in-progress: we are a replica of the target; the handshake sends
//!      PSYNC <our replid> <our offset + 1> FAILOVER
//!          the target, whose replid is ours, promotes itself and answers +CONTINUE <new id>
//!      +CONTINUE / +FULLRESYNC ──► no-failover (writes resume: as a replica, -READONLY)
//!      anything else ──► aborted ("Failover target rejected psync request"): master again
//!  FAILOVER ABORT at any point ──► aborted; from failover-in-progress we become master again
//! ```
//!
//! Worked example: a master at offset 5000 with a replica at 4800 runs FAILOVER TO it.
//! Writes wait; the replica's next ACK says 5000 (no PING is sent while a deadline is set,
//! so the offset does not move), the master becomes its replica and asks
//! `PSYNC <id> 5001 FAILOVER`; the replica shifts its id (old id valid up to 5001) and
//! answers `+CONTINUE <new id>`: no data is copied, and the paused writers get -READONLY.

use crate::client::flags as cf;
use crate::log::Level;
use crate::replication::master::SlaveState;
use crate::replication::replica::LinkState;
use crate::server::Server;
use crate::serverlog;

/// Redis's failover_state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum State {
    #[default]
    NoFailover,
    /// Writes are paused until a replica acknowledged the whole stream.
    WaitForSync,
    /// We are a replica of the target, waiting for its PSYNC reply.
    InProgress,
}

impl State {
    /// INFO `master_failover_state` (Redis's getFailoverStateString).
    pub fn name(self) -> &'static str {
        match self {
            State::NoFailover => "no-failover",
            State::WaitForSync => "waiting-for-sync",
            State::InProgress => "failover-in-progress",
        }
    }
}

/// The failover in progress (Redis's failover_state, failover_end_time, force_failover,
/// target_replica_host, target_replica_port).
#[derive(Default)]
pub struct Failover {
    pub state: State,
    /// Unix ms after which the wait ends (FORCE or abort), 0 = no TIMEOUT.
    pub end_ms: i64,
    pub force: bool,
    /// The replica failed over to: given with TO, or the first caught-up replica.
    pub target: Option<(String, i64)>,
}

/// True while a failover with a TIMEOUT is under way (replication cron skips its PING then).
pub fn has_deadline(srv: &Server) -> bool {
    srv.repl.failover.end_ms != 0
}

/// True while a failover is under way: REPLICAOF and SYNC are refused.
pub fn in_progress(srv: &Server) -> bool {
    srv.repl.failover.state != State::NoFailover
}

/// True when the PSYNC the handshake sends must carry `FAILOVER`.
pub fn psync_failover_arg(srv: &Server) -> bool {
    srv.repl.failover.state == State::InProgress
}

/// The ip a replica is known by: its announced address, or its peer's.
fn replica_ip(c: &crate::client::Client) -> String {
    c.repl
        .as_ref()
        .and_then(|r| r.ip_address.clone())
        .unwrap_or_else(|| match c.addr.rfind(':') {
            Some(i) => c.addr[..i]
                .trim_matches(|ch| ch == '[' || ch == ']')
                .to_string(),
            None => String::new(),
        })
}

/// Redis's findReplica: the replica client at `host` (case-insensitive) and its announced
/// listening `port`.
pub fn find_replica(srv: &Server, host: &str, port: i64) -> Option<usize> {
    srv.repl.master.replicas.iter().copied().find(|&k| {
        srv.clients.get(k).is_some_and(|c| {
            c.repl
                .as_ref()
                .is_some_and(|r| i64::from(r.listening_port) == port)
                && replica_ip(c).eq_ignore_ascii_case(host)
        })
    })
}

/// True when replica `key` is ONLINE (FAILOVER TO refuses others).
pub fn replica_online(srv: &Server, key: usize) -> bool {
    srv.clients
        .get(key)
        .and_then(|c| c.repl.as_ref())
        .is_some_and(|r| r.state == Some(SlaveState::Online))
}

/// Starts waiting for the target (the command's checks are done): writes pause until the
/// failover ends.
pub fn start(srv: &mut Server, target: Option<(String, i64)>, timeout_ms: i64, force: bool) {
    match &target {
        Some((h, p)) => serverlog!(Level::Notice, "FAILOVER requested to {h}:{p}."),
        None => serverlog!(Level::Notice, "FAILOVER requested to any replica."),
    }
    let f = &mut srv.repl.failover;
    f.target = target;
    f.end_ms = if timeout_ms > 0 {
        crate::db::mstime().saturating_add(timeout_ms)
    } else {
        0
    };
    f.force = force;
    f.state = State::WaitForSync;
    crate::pause::pause_clients(
        srv,
        crate::pause::Purpose::Failover,
        i64::MAX,
        crate::pause::PauseType::Write,
    );
}

/// Redis's clearFailoverState: the failover is over (done or aborted); writes resume.
pub fn clear(srv: &mut Server) {
    srv.repl.failover = Failover::default();
    crate::pause::unpause_clients(srv, crate::pause::Purpose::Failover);
}

/// Redis's abortFailover: logs why, becomes master again if we had turned replica, clears.
pub fn abort(srv: &mut Server, why: &str) {
    let f = &srv.repl.failover;
    if f.state == State::NoFailover {
        return;
    }
    match &f.target {
        Some((h, p)) => serverlog!(Level::Notice, "FAILOVER to {h}:{p} aborted: {why}"),
        None => serverlog!(Level::Notice, "FAILOVER to any replica aborted: {why}"),
    }
    if f.state == State::InProgress {
        super::replica::unset_master(srv);
    }
    clear(srv);
}

/// Redis's updateFailoverStatus, before every sleep and in replication cron: while waiting,
/// fail over once the target (or any replica) acknowledged our whole stream, force it or
/// abort when the deadline passed.
pub fn update_status(srv: &mut Server) {
    if srv.repl.failover.state != State::WaitForSync {
        return;
    }
    let now = crate::db::mstime();
    let f = &srv.repl.failover;
    if f.end_ms != 0 && f.end_ms <= now {
        if f.force {
            let Some((host, port)) = f.target.clone() else {
                abort(srv, "Replica never caught up before timeout");
                return;
            };
            serverlog!(
                Level::Notice,
                "FAILOVER to {host}:{port} time out exceeded, failing over."
            );
            become_replica_of_target(srv, &host, port);
        } else {
            abort(srv, "Replica never caught up before timeout");
        }
        return;
    }
    let off = srv.repl.master_repl_offset;
    let acked = |srv: &Server, k: usize| {
        srv.clients
            .get(k)
            .and_then(|c| c.repl.as_ref())
            .is_some_and(|r| r.ack_off == off)
    };
    let replica = match srv.repl.failover.target.clone() {
        Some((h, p)) => find_replica(srv, &h, p),
        None => {
            let found = srv
                .repl
                .master
                .replicas
                .iter()
                .copied()
                .find(|&k| acked(srv, k));
            if let Some(c) = found.and_then(|k| srv.clients.get(k)) {
                let port = c.repl.as_ref().map_or(0, |r| r.listening_port);
                srv.repl.failover.target = Some((replica_ip(c), i64::from(port)));
            }
            found
        }
    };
    if replica.is_some_and(|k| acked(srv, k)) {
        let Some((host, port)) = srv.repl.failover.target.clone() else {
            return;
        };
        serverlog!(
            Level::Notice,
            "Failover target {host}:{port} is synced, failing over."
        );
        become_replica_of_target(srv, &host, port);
    }
}

/// failover-in-progress: we turn into the target's replica; the handshake's PSYNC carries
/// FAILOVER.
fn become_replica_of_target(srv: &mut Server, host: &str, port: i64) {
    srv.repl.failover.state = State::InProgress;
    let port = u16::try_from(port).unwrap_or(0);
    super::replica::set_master(srv, host, port);
}

/// The handshake's PSYNC was answered +CONTINUE or +FULLRESYNC: the target is master now,
/// the failover is done.
pub fn psync_accepted(srv: &mut Server) {
    if srv.repl.failover.state == State::InProgress {
        clear(srv);
    }
}

/// The handshake's PSYNC got any other answer (or could not be sent): during a failover we
/// abort it and are master again. True when that happened (the link is gone then).
pub fn psync_failed(srv: &mut Server, why: &str) -> bool {
    if srv.repl.failover.state != State::InProgress {
        return false;
    }
    abort(srv, why);
    true
}

/// The start of Redis's syncCommand, before any resync: `PSYNC <replid> <offset> FAILOVER`
/// from our master promotes us when the replid is ours; SYNC is refused while we fail over
/// or while our own master link is down. False when the command is answered (or ignored)
/// already. `who` describes the caller for the log (CLIENT LIST format).
pub fn sync_precheck(
    srv: &mut Server,
    cid: usize,
    argv: &crate::commands::Argv<'_>,
    who: impl FnOnce(&Server) -> String,
) -> bool {
    if srv.clients[cid].has_flag(cf::REPLICA) {
        return false;
    }
    if argv.len() > 3 && argv.is(0, "psync") && argv.is(3, "failover") {
        let replid = String::from_utf8_lossy(argv.get(1)).into_owned();
        serverlog!(
            Level::Warning,
            "Failover request received for replid {replid}."
        );
        if !srv.repl.replica.is_replica() {
            srv.clients[cid].add_error("ERR PSYNC FAILOVER can't be sent to a master.");
            return false;
        }
        if !replid.eq_ignore_ascii_case(&srv.repl.replid) {
            srv.clients[cid].add_error("ERR PSYNC FAILOVER replid must match my replid.");
            return false;
        }
        super::replica::unset_master(srv);
        let client = who(srv);
        serverlog!(
            Level::Notice,
            "MASTER MODE enabled (failover request from '{client}')"
        );
    }
    if in_progress(srv) {
        srv.clients[cid].add_error("NOMASTERLINK Can't SYNC while failing over");
        return false;
    }
    if srv.repl.replica.is_replica() && srv.repl.replica.state != LinkState::Connected {
        srv.clients[cid].add_error("NOMASTERLINK Can't SYNC while not connected with my master");
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_named_as_redis_info_names_them() {
        assert_eq!(State::NoFailover.name(), "no-failover");
        assert_eq!(State::WaitForSync.name(), "waiting-for-sync");
        assert_eq!(State::InProgress.name(), "failover-in-progress");
    }
}
