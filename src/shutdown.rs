//! A shutdown that waits for lagging replicas (Redis 7.0's `shutdown-timeout`, from
//! prepareForShutdown / isReadyToShutdown / finishShutdown / cancelShutdown in server.c and
//! BLOCKED_SHUTDOWN in blocked.c).
//!
//! Owns: the shutdown in progress (its deadline and flags) and the clients blocked in
//! SHUTDOWN until it finishes or fails. The sequence itself (what is saved, killed, removed)
//! stays `Server::prepare_for_shutdown` / `finish_shutdown`; this file must never save or
//! exit on its own.
//!
//! ```text
//!  SHUTDOWN / SIGTERM ─► prepare: replicas all acknowledged master_repl_offset, or NOW,
//!                        or shutdown-timeout 0? ──yes──► finish (save, exit)
//!                        │no
//!                        ▼
//!     deadline = now + shutdown-timeout s; REPLCONF GETACK * to the replicas; writes paused
//!     ("Waiting for replicas before shutting down."), SHUTDOWN callers stay blocked
//!                        │ every cron tick: all caught up, or the deadline passed?
//!                        ▼
//!     finish: "Lagging replica ..." per replica still behind, "N of M replicas are in sync
//!     when shutting down.", then save and exit; a failure (or SHUTDOWN ABORT) answers every
//!     blocked caller "-ERR Errors trying to SHUTDOWN. Check logs." and lifts the pause
//! ```
//! Worked example: `shutdown-timeout 10`, one replica stopped 2 s after the master's last
//! write: the master pauses writes and waits; the replica resumes, reads the stream, answers
//! the GETACK with the master's offset, and the next cron tick (100 ms at hz 10) finishes
//! with "1 of 1 replicas are in sync". Had it stayed stopped, the master would exit 10 s
//! later, logging the replica as lagging.

use crate::client::flags as cf;
use crate::log::Level;
use crate::replication::master::{replica_name, SlaveState};
use crate::server::Server;
use crate::serverlog;

/// The shutdown in progress (Redis's shutdown_mstime, shutdown_flags) and its callers.
#[derive(Default)]
pub struct ShutdownState {
    /// Unix ms when waiting for replicas ends, 0 when no shutdown is initiated.
    pub deadline_ms: i64,
    /// `crate::config::shutdown` flags of the shutdown in progress.
    pub flags: u32,
    /// Clients blocked in SHUTDOWN: slab key and client id.
    blocked: Vec<(usize, u64)>,
}

/// Redis's isShutdownInitiated: a shutdown is waiting for replicas.
pub fn is_initiated(srv: &Server) -> bool {
    srv.shutdown.deadline_ms != 0
}

/// Redis's isReadyToShutdown: every replica (whatever its state) acknowledged the whole
/// stream.
pub fn is_ready(srv: &Server) -> bool {
    let off = srv.repl.master_repl_offset;
    srv.repl.master.replicas.iter().all(|&k| {
        srv.clients
            .get(k)
            .and_then(|c| c.repl.as_ref())
            .map_or(true, |r| r.ack_off == off)
    })
}

/// Starts waiting for lagging replicas: the deadline, a GETACK (unless clients are already
/// paused, which keeps the offset still), and writes paused until the shutdown ends.
pub fn wait_for_replicas(srv: &mut Server) {
    let timeout_ms = srv.config.shutdown_timeout.saturating_mul(1000);
    srv.shutdown.deadline_ms = crate::db::mstime().saturating_add(timeout_ms);
    if !srv.pause.active() {
        crate::replication::master::send_getack(srv);
    }
    crate::pause::pause_clients(
        srv,
        crate::pause::Purpose::Shutdown,
        i64::MAX,
        crate::pause::PauseType::Write,
    );
    serverlog!(Level::Notice, "Waiting for replicas before shutting down.");
}

/// Called from the server cron while a shutdown waits: true when it is time to finish (all
/// replicas caught up or the deadline passed).
pub fn due(srv: &Server) -> bool {
    is_initiated(srv) && (crate::db::mstime() >= srv.shutdown.deadline_ms || is_ready(srv))
}

/// The first step of Redis's finishShutdown: one warning per replica that has not
/// acknowledged the whole stream, then how many are in sync.
pub fn log_replicas(srv: &Server) {
    let off = srv.repl.master_repl_offset;
    let now_s = crate::db::mstime() / 1000;
    let mut total = 0;
    let mut lagging = 0;
    for &k in &srv.repl.master.replicas {
        let Some(c) = srv.clients.get(k) else {
            continue;
        };
        let Some(r) = c.repl.as_ref() else {
            continue;
        };
        total += 1;
        if r.ack_off == off {
            continue;
        }
        lagging += 1;
        let online = r.state == Some(SlaveState::Online);
        let lag = if online {
            now_s - r.ack_time_ms / 1000
        } else {
            0
        };
        // Redis's replstateToString: wait_bgsave, send_bulk, online, or unknown before SYNC.
        let state = r.state.map_or("unknown", |s| s.info_name());
        serverlog!(
            Level::Warning,
            "Lagging replica {} reported offset {} behind master, lag={lag}, state={state}.",
            replica_name(c),
            off - r.ack_off
        );
    }
    if total > 0 {
        serverlog!(
            Level::Notice,
            "{} of {total} replicas are in sync when shutting down.",
            total - lagging
        );
    }
}

/// Redis's blockClient(c, BLOCKED_SHUTDOWN): the caller gets no reply unless the shutdown
/// fails or is aborted. Counted in INFO blocked_clients.
pub fn block_client(srv: &mut Server, cid: usize) {
    let c = &mut srv.clients[cid];
    c.flags |= cf::BLOCKED;
    srv.shutdown.blocked.push((cid, c.id));
    srv.blocked_clients += 1;
}

/// Redis's replyToClientsBlockedOnShutdown: every caller blocked in SHUTDOWN gets an error
/// and goes on with what it sent meanwhile.
pub fn reply_to_blocked(srv: &mut Server) {
    for (key, id) in std::mem::take(&mut srv.shutdown.blocked) {
        let Some(c) = srv.clients.get_mut(key).filter(|c| c.id == id) else {
            continue;
        };
        c.add_error("ERR Errors trying to SHUTDOWN. Check logs.");
        c.flags &= !cf::BLOCKED;
        srv.blocked_clients = srv.blocked_clients.saturating_sub(1);
        crate::networking::account_errors(srv, key);
        crate::blocked::queue_for_reprocessing(srv, key);
    }
}

/// A client is being freed: it is no longer waiting for the shutdown.
pub fn on_free_client(srv: &mut Server, key: usize) {
    let Some(id) = srv.clients.get(key).map(|c| c.id) else {
        return;
    };
    let before = srv.shutdown.blocked.len();
    srv.shutdown
        .blocked
        .retain(|&(k, i)| !(k == key && i == id));
    if srv.shutdown.blocked.len() < before {
        srv.blocked_clients = srv.blocked_clients.saturating_sub(1);
    }
}

/// The shutdown no longer waits (Redis's cancelShutdown, after the signal flags): its state
/// is forgotten, blocked callers get their error, writes resume.
pub fn cancel(srv: &mut Server) {
    srv.shutdown.deadline_ms = 0;
    srv.shutdown.flags = 0;
    reply_to_blocked(srv);
    crate::pause::unpause_clients(srv, crate::pause::Purpose::Shutdown);
}

/// Redis's flushSlavesOutputBuffers, best effort before exiting: what online replicas are
/// owed is written now if their sockets take it.
pub fn flush_replicas(srv: &mut Server) {
    let keys = srv.repl.master.replicas.clone();
    for k in keys {
        let online = srv
            .clients
            .get(k)
            .and_then(|c| c.repl.as_ref())
            .is_some_and(|r| r.state == Some(SlaveState::Online));
        if online {
            crate::replication::master::write_to_replica(srv, k);
        }
    }
}

/// INFO `shutdown_in_milliseconds` while a shutdown waits for replicas.
pub fn info(srv: &Server, out: &mut String) {
    if is_initiated(srv) {
        use std::fmt::Write as _;
        let _ = write!(
            out,
            "shutdown_in_milliseconds:{}\r\n",
            srv.shutdown.deadline_ms - crate::db::mstime()
        );
    }
}
