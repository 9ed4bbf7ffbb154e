//! Client pause (Redis's pauseClients / unpauseClients / areClientsPaused /
//! checkClientPauseTimeoutAndReturnIfPaused in networking.c, and the BLOCKED_POSTPONE clients
//! of blocked.c): holding back commands so the data set stays still.
//!
//! Owns: one pause per purpose (CLIENT PAUSE, a SHUTDOWN waiting for its replicas, a FAILOVER
//! waiting for its target), the pause in force aggregated from them, and the clients whose
//! command was postponed. It must never run or reject a command itself: `commands`
//! asks [`must_postpone`] and hands the client to [`postpone`], and the postponed request
//! stays unparsed in the client's query buffer until it is processed again from scratch.
//!
//! ```text
//!   pause_clients(purpose, end, WRITE|ALL) ─► per purpose: the stronger type, the later end
//!   in force: the strongest type among live purposes, the latest end of that type
//!   processCommand: paused ALL, or WRITE and the command is a write / may replicate
//!        ──► client flagged BLOCKED, request left in the query buffer, queued here
//!   unpause_clients(purpose) or the end passing (cron, before sleep)
//!        ──► type weaker than before: every postponed client is released, in the order it
//!            was postponed, and runs its request again (it may be postponed again)
//! ```
//!
//! Worked example: CLIENT PAUSE 60000 WRITE at t=0, then FAILOVER pauses WRITE forever: both
//! live, WRITE ends at "never". CLIENT UNPAUSE removes the first; WRITE is still in force, no
//! client is released. FAILOVER ABORT removes the last: OFF is weaker than WRITE, the
//! postponed SETs run, in arrival order.
//!
//! While any purpose is live nothing expires, lazily or actively, and nothing is evicted
//! (the keyspace reads [`crate::db::Keyspace::clients_paused_until`]): lookups treat an
//! expired key as missing without deleting it, so no DEL enters the replication stream.
//! Replicas of ours are never paused; our master's stream is, as Redis 7.0 does (its
//! replication offset then stays put until the pause ends).

use std::collections::VecDeque;

use crate::client::flags as cf;
use crate::server::Server;

/// How much a pause holds back (Redis's pause_type, weakest first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum PauseType {
    /// Nothing paused.
    #[default]
    Off,
    /// Writes and commands that may replicate (PUBLISH, PFCOUNT ...) wait.
    Write,
    /// Every command waits.
    All,
}

/// Why a pause was asked for (Redis's pause_purpose); each holds its own pause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// CLIENT PAUSE.
    ClientCommand = 0,
    /// SHUTDOWN waiting for lagging replicas.
    Shutdown = 1,
    /// FAILOVER waiting for its target to catch up.
    Failover = 2,
}

/// Redis's NUM_PAUSE_PURPOSES.
const NUM_PURPOSES: usize = 3;

/// The pause state (Redis's client_pause_per_purpose, client_pause_type,
/// client_pause_end_time and postponed_clients).
#[derive(Default)]
pub struct PauseState {
    /// Per purpose: type and unix ms end (`i64::MAX` = until unpaused).
    per_purpose: [Option<(PauseType, i64)>; NUM_PURPOSES],
    /// The pause in force.
    kind: PauseType,
    /// Unix ms when the pause in force ends.
    end_ms: i64,
    /// Postponed clients, in the order they were postponed: slab key and client id (a
    /// freed client's key may be reused).
    postponed: VecDeque<(usize, u64)>,
    /// The client whose request was postponed by the command being dispatched: the
    /// networking layer then leaves the request in its query buffer.
    just_postponed: Option<usize>,
}

impl PauseState {
    /// The pause in force (Redis's client_pause_type).
    pub fn kind(&self) -> PauseType {
        self.kind
    }

    /// True while any pause is in force (Redis's areClientsPaused).
    pub fn active(&self) -> bool {
        self.kind != PauseType::Off
    }

    /// Clients waiting for the pause to end.
    pub fn postponed_count(&self) -> usize {
        self.postponed.len()
    }

    /// True (once) when the request just dispatched for `key` was postponed: it must stay
    /// in the query buffer, unconsumed.
    pub fn take_just_postponed(&mut self, key: usize) -> bool {
        if self.just_postponed == Some(key) {
            self.just_postponed = None;
            true
        } else {
            false
        }
    }

    /// The latest end among live purposes, for the keyspace's "no expiry while paused".
    fn latest_end(&self) -> i64 {
        self.per_purpose
            .iter()
            .flatten()
            .map(|&(_, end)| end)
            .max()
            .unwrap_or(0)
    }
}

/// Redis's pauseClients: pauses commands of `kind` until unix ms `end` for `purpose`. An
/// existing pause of the same purpose keeps the stronger type and the later end.
pub fn pause_clients(srv: &mut Server, purpose: Purpose, end: i64, kind: PauseType) {
    let slot = &mut srv.pause.per_purpose[purpose as usize];
    *slot = Some(match *slot {
        Some((k, e)) => (k.max(kind), e.max(end)),
        None => (kind, end),
    });
    update(srv);
}

/// Redis's unpauseClients: ends `purpose`'s pause; clients it held run again.
pub fn unpause_clients(srv: &mut Server, purpose: Purpose) {
    if srv.pause.per_purpose[purpose as usize].take().is_none() {
        return;
    }
    update(srv);
}

/// Redis's checkClientPauseTimeoutAndReturnIfPaused: drops pauses whose end passed, then
/// tells whether one is still in force.
pub fn check_timeout_and_is_paused(srv: &mut Server) -> bool {
    if !srv.pause.active() {
        return false;
    }
    if srv.pause.end_ms < crate::db::mstime() {
        update(srv);
    }
    srv.pause.active()
}

/// Redis's updateClientPauseTypeAndEndTime: forgets expired purposes, recomputes the pause
/// in force, and releases every postponed client when it became weaker.
fn update(srv: &mut Server) {
    let now = crate::db::mstime();
    let p = &mut srv.pause;
    let old = p.kind;
    let mut kind = PauseType::Off;
    for slot in p.per_purpose.iter_mut() {
        match *slot {
            Some((_, end)) if end < now => *slot = None,
            Some((k, _)) => kind = kind.max(k),
            None => {}
        }
    }
    let end = p
        .per_purpose
        .iter()
        .flatten()
        .filter(|&&(k, _)| k == kind)
        .map(|&(_, e)| e)
        .max()
        .unwrap_or(0);
    p.kind = kind;
    p.end_ms = end;
    srv.ks.clients_paused_until = p.latest_end();
    if kind < old {
        unblock_postponed_clients(srv);
    }
}

/// Redis's processCommand pause check: true when the command of client `cid` must wait,
/// given whether it is a write or may replicate (for EXEC: whether anything it queued is).
pub fn must_postpone(srv: &Server, cid: usize, may_replicate: bool) -> bool {
    match srv.pause.kind {
        PauseType::Off => false,
        // Replicas are never paused: they must reach the offset a failover waits for.
        _ if srv.clients[cid].has_flag(cf::REPLICA) => false,
        PauseType::All => true,
        PauseType::Write => may_replicate,
    }
}

/// Redis's blockClient(c, BLOCKED_POSTPONE): the client stops processing input until the
/// pause ends; its request is processed again then. Counted in INFO blocked_clients.
pub fn postpone(srv: &mut Server, cid: usize) {
    let c = &mut srv.clients[cid];
    c.flags |= cf::BLOCKED;
    srv.pause.postponed.push_back((cid, c.id));
    srv.pause.just_postponed = Some(cid);
    srv.blocked_clients += 1;
}

/// Redis's unblockPostponedClients: every postponed client is released and queued to run
/// its request again, in order.
fn unblock_postponed_clients(srv: &mut Server) {
    while let Some((key, id)) = srv.pause.postponed.pop_front() {
        let Some(c) = srv.clients.get_mut(key).filter(|c| c.id == id) else {
            continue;
        };
        c.flags &= !cf::BLOCKED;
        srv.blocked_clients = srv.blocked_clients.saturating_sub(1);
        crate::blocked::queue_for_reprocessing(srv, key);
    }
}

/// A client is being freed: it leaves the postponed queue (Redis's freeClient →
/// unblockClient).
pub fn on_free_client(srv: &mut Server, key: usize) {
    let Some(id) = srv.clients.get(key).map(|c| c.id) else {
        return;
    };
    let before = srv.pause.postponed.len();
    srv.pause.postponed.retain(|&(k, i)| !(k == key && i == id));
    if srv.pause.postponed.len() < before {
        srv.blocked_clients = srv.blocked_clients.saturating_sub(1);
    }
    if srv.pause.just_postponed == Some(key) {
        srv.pause.just_postponed = None;
    }
}

/// Called from the server cron (Redis's serverCron → checkClientPauseTimeoutAndReturnIfPaused)
/// and before each sleep: a pause whose end passed is lifted.
pub fn cron(srv: &mut Server) {
    check_timeout_and_is_paused(srv);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_order_from_weakest_to_strongest() {
        assert!(PauseType::Off < PauseType::Write);
        assert!(PauseType::Write < PauseType::All);
    }

    #[test]
    fn latest_end_covers_every_live_purpose() {
        let mut p = PauseState::default();
        assert_eq!(p.latest_end(), 0);
        p.per_purpose[Purpose::ClientCommand as usize] = Some((PauseType::All, 50));
        p.per_purpose[Purpose::Failover as usize] = Some((PauseType::Write, i64::MAX));
        assert_eq!(p.latest_end(), i64::MAX);
    }
}
