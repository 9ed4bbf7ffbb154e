//! Blocking operations (Redis's blocked.c and timeout.c): parking a client on keys until a
//! write makes one of them ready, a deadline passes, or CLIENT UNBLOCK releases it. Generic over
//! what the client waits for: lists (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) and sorted sets
//! (BZPOPMIN, BZPOPMAX, BZMPOP) plug in a serve function.
//!
//! Owns: the blocked clients' state (keys, deadline, the blocking command's arguments), the
//! timeout table, the queue of clients to resume reading, and the serving loop. The keyspace
//! side (which keys have waiters, which were made ready) is `db::blocking`. It must never
//! decide what serving means for a type: each blocking command passes its [`ServeFn`].
//!
//! ```text
//!   BLPOP k 5 ──► handler finds k empty ──► block_for_keys: flag BLOCKED, waiter of k,
//!                                           deadline now+5000 in the timeout table;
//!                                           the reactor reads no more commands from it
//!                                           (its socket is still read, to notice a close)
//!   LPUSH k x ──► dbAdd signals k ready ──► after the command (or EXEC):
//!                 handle_clients_blocked_on_keys: for each ready key holding the right
//!                 type, serve its waiters in the order they blocked, until the key is
//!                 gone; a served client is unblocked and queued to resume reading
//!   before sleep ─► handle_timeouts (null reply to clients past their deadline),
//!                   process_unblocked_clients (run what they sent meanwhile),
//!                   handle_clients_blocked_on_keys
//! ```
//!
//! Serving runs the command's [`ServeFn`] as if the blocked client issued it again against the
//! ready key: BLPOP pops and replies `[key, element]`, BLMOVE pops and pushes (and its push can
//! make another key ready: the loop runs until no key is ready, so chains of BLMOVEs complete
//! within one command). A client stays blocked, in its place in the queue, if its serve
//! function declines.
//!
//! Inside MULTI/EXEC (and scripts) a blocking command never blocks: it answers as its
//! non-blocking form would on a timeout (Redis's CLIENT_DENY_BLOCKING).
//!
//! Timeouts: a deadline of `now + timeout` (0 = forever) is checked before every sleep, and
//! the poll sleeps no longer than the nearest deadline, so a 0.1 s timeout answers after
//! 100-101 ms whatever `hz` is (Redis answers within one cron period at most).

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::client::flags as cf;
use crate::commands::{Argv, Ctx};
use crate::db::object::ValueRef;
use crate::db::Access;
use crate::server::Server;

/// What a client waits for (Redis's BLOCKED_LIST, BLOCKED_ZSET): only a ready key of that
/// type serves it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BlockType {
    List,
    ZSet,
}

impl BlockType {
    fn index(self) -> usize {
        self as usize
    }

    /// The block type a value can serve.
    fn of(v: ValueRef<'_>) -> Option<BlockType> {
        match v {
            ValueRef::List(_) => Some(BlockType::List),
            ValueRef::ZSet(_) => Some(BlockType::ZSet),
            _ => None,
        }
    }
}

/// Serves a client blocked on `key`, which holds a value of the client's block type. It runs
/// with the blocked client as the calling client and the blocking command's arguments, replies
/// and returns true (the client is then unblocked), or returns false without replying to keep
/// the client blocked where it is.
pub type ServeFn = fn(&mut Ctx<'_>, &Argv<'_>, &[u8]) -> bool;

/// A blocked client's state (Redis's `client->bpop`).
struct BlockedClient {
    btype: BlockType,
    /// The database the keys belong to (the client's, when it blocked).
    db: usize,
    /// The keys waited on, each once.
    keys: Vec<Box<[u8]>>,
    /// Order of blocking: serves the longest-waiting client first.
    seq: u64,
    /// Unix ms deadline, 0 = none.
    timeout: i64,
    /// The blocking command's arguments, concatenated, and their spans.
    buf: Vec<u8>,
    spans: Vec<(usize, usize)>,
    /// Table id of the blocking command.
    cmd_id: usize,
    serve: ServeFn,
}

/// Every blocked client, the timeout table and the clients to resume.
#[derive(Default)]
pub struct Blocked {
    /// Slab key → state.
    clients: HashMap<usize, BlockedClient>,
    /// (deadline ms, seq, slab key), earliest first (Redis's clients_timeout_table).
    timeouts: BTreeSet<(i64, u64, usize)>,
    /// Clients unblocked since the last sleep, whose pending input must be run (Redis's
    /// unblocked_clients).
    unblocked: VecDeque<usize>,
    next_seq: u64,
    /// Blocked clients per [`BlockType`] (Redis's blocked_clients_by_type).
    by_type: [usize; 2],
}

impl Blocked {
    /// Clients with a deadline (INFO clients_in_timeout_table).
    pub fn in_timeout_table(&self) -> usize {
        self.timeouts.len()
    }

    /// Clients blocked waiting for `t`.
    pub fn count_of(&self, t: BlockType) -> usize {
        self.by_type[t.index()]
    }
}

/// Redis's getTimeoutFromObjectOrReply with UNIT_SECONDS: the deadline in unix ms (0 =
/// forever), or None after replying the error.
pub fn timeout_from_arg(ctx: &mut Ctx<'_>, arg: &[u8]) -> Option<i64> {
    let Some(ms) = crate::util::numeric::parse_timeout_ms(arg) else {
        ctx.err("ERR timeout is not a float or out of range");
        return None;
    };
    if ms < 0 {
        ctx.err("ERR timeout is negative");
        return None;
    }
    Some(if ms > 0 {
        ms.wrapping_add(crate::db::mstime())
    } else {
        0
    })
}

/// Whether the calling client may block: not inside MULTI/EXEC (nor, later, a script), where
/// a blocking command behaves as if its timeout expired (Redis's CLIENT_DENY_BLOCKING).
pub fn can_block(ctx: &mut Ctx<'_>) -> bool {
    !(ctx.in_multi() || ctx.deny_blocking())
}

/// Blocks the calling client on `keys` until one is ready with a value of type `btype`,
/// `timeout` (unix ms, 0 = never) passes, or CLIENT UNBLOCK (Redis's blockForKeys). The
/// command's reply is left to `serve` or to the timeout.
pub fn block_for_keys(
    ctx: &mut Ctx<'_>,
    btype: BlockType,
    keys: &[&[u8]],
    timeout: i64,
    argv: &Argv<'_>,
    serve: ServeFn,
) {
    let cid = ctx.cid;
    let db = ctx.db();
    let srv = &mut *ctx.srv;
    let seq = srv.blocked.next_seq;
    srv.blocked.next_seq += 1;
    let mut unique: Vec<Box<[u8]>> = Vec::with_capacity(keys.len());
    for &k in keys {
        if !unique.iter().any(|u| &u[..] == k) {
            srv.ks.blocking.add_waiter(db, k, seq, cid);
            unique.push(k.into());
        }
    }
    let mut buf = Vec::with_capacity(argv.iter().map(<[u8]>::len).sum());
    let mut spans = Vec::with_capacity(argv.len());
    for a in argv.iter() {
        spans.push((buf.len(), a.len()));
        buf.extend_from_slice(a);
    }
    if timeout > 0 {
        srv.blocked.timeouts.insert((timeout, seq, cid));
    }
    srv.blocked.clients.insert(
        cid,
        BlockedClient {
            btype,
            db,
            keys: unique,
            seq,
            timeout,
            buf,
            spans,
            cmd_id: ctx.cmd_id,
            serve,
        },
    );
    srv.blocked.by_type[btype.index()] += 1;
    srv.blocked_clients += 1;
    srv.clients[cid].flags |= cf::BLOCKED;
}

/// Releases a blocked client (Redis's unblockClient): forgets its keys and deadline, clears
/// the flag and queues it to run what it sent while blocked.
fn unblock_client(srv: &mut Server, cid: usize) {
    let Some(bc) = srv.blocked.clients.remove(&cid) else {
        return;
    };
    for k in &bc.keys {
        srv.ks.blocking.remove_waiter(bc.db, k, bc.seq);
    }
    if bc.timeout > 0 {
        srv.blocked.timeouts.remove(&(bc.timeout, bc.seq, cid));
    }
    srv.blocked.by_type[bc.btype.index()] -= 1;
    srv.blocked_clients -= 1;
    if let Some(c) = srv.clients.get_mut(cid) {
        c.flags &= !cf::BLOCKED;
        srv.blocked.unblocked.push_back(cid);
        if c.has_pending_replies() {
            srv.pending_writes.push(cid);
        }
    }
}

/// Redis's replyToBlockedClientTimedOut: a null array for lists and sorted sets.
fn reply_timed_out(srv: &mut Server, cid: usize) {
    if let Some(c) = srv.clients.get_mut(cid) {
        c.add_null_array();
    }
}

/// Redis's updateStatsOnUnblock: the command's time (the serving part; the blocking call was
/// counted when it ran), failures, latency histogram and slow log entry.
fn stats_on_unblock(srv: &mut Server, cid: usize, reply_us: u64, had_errors: bool) {
    let Some(bc) = srv.blocked.clients.get(&cid) else {
        return;
    };
    let cmd_id = bc.cmd_id;
    let st = &mut srv.commands.stats[cmd_id];
    st.usec += reply_us;
    if had_errors {
        st.failed_calls += 1;
    }
    if crate::commands::server_cmds::cfg::latency_tracking(srv) {
        srv.commands.stats[cmd_id]
            .latency
            .get_or_insert_with(Default::default)
            .record(reply_us.saturating_mul(1000).min(i64::MAX as u64) as i64);
    }
    let (buf, spans) = match srv.blocked.clients.get_mut(&cid) {
        Some(bc) => (std::mem::take(&mut bc.buf), std::mem::take(&mut bc.spans)),
        None => return,
    };
    if srv.commands.specs[cmd_id].flags & crate::commands::flags::SKIP_SLOWLOG == 0 {
        let argv = Argv::new(&buf, &spans);
        crate::commands::server_cmds::slowlog_cmd::record(srv, cid, cmd_id, &argv, reply_us);
    }
    let threshold = crate::commands::server_cmds::cfg::latency_monitor_threshold(srv);
    srv.introspection.latency.add_sample_if_needed(
        threshold,
        "command-unblocking",
        reply_us / 1000,
    );
    if let Some(bc) = srv.blocked.clients.get_mut(&cid) {
        bc.buf = buf;
        bc.spans = spans;
    }
}

/// Runs blocked client `cid`'s serve function against `key`; unblocks it when served.
fn serve_client(srv: &mut Server, cid: usize, key: &[u8]) {
    let (buf, spans, cmd_id, serve) = match srv.blocked.clients.get_mut(&cid) {
        Some(bc) => (
            std::mem::take(&mut bc.buf),
            std::mem::take(&mut bc.spans),
            bc.cmd_id,
            bc.serve,
        ),
        None => return,
    };
    let Some(c) = srv.clients.get_mut(cid) else {
        return;
    };
    let mark = c.reply_mark();
    let errors_before = c.errors.len();
    let caller = srv.current_client.replace(cid);
    srv.propagation = Default::default();
    srv.ks.update_clock();
    let start = Instant::now();
    let served = {
        let argv = Argv::new(&buf, &spans);
        let mut ctx = Ctx { srv, cid, cmd_id };
        serve(&mut ctx, &argv, key)
    };
    let reply_us = start.elapsed().as_micros() as u64;
    crate::commands::propagate_pending(srv);
    srv.current_client = caller;
    if let Some(bc) = srv.blocked.clients.get_mut(&cid) {
        bc.buf = buf;
        bc.spans = spans;
    }
    if !served {
        return;
    }
    let had_errors = srv.clients[cid].errors.len() > errors_before;
    crate::networking::account_errors(srv, cid);
    stats_on_unblock(srv, cid, reply_us, had_errors);
    if srv.clients[cid].has_flag(cf::REPLY_OFF) {
        crate::networking::drop_suppressed_reply(&mut srv.clients[cid], mark);
    }
    unblock_client(srv, cid);
}

/// Serves the clients blocked on `key` in `db`, which now holds a value that serves `btype`,
/// in the order they blocked, until one of them empties (deletes) the key.
fn serve_key(srv: &mut Server, db: usize, key: &[u8], btype: BlockType) {
    let mut after = None;
    while let Some((seq, cid)) = srv.ks.blocking.next_waiter(db, key, after) {
        after = Some(seq);
        if srv.blocked.clients.get(&cid).map(|b| b.btype) != Some(btype) {
            continue;
        }
        serve_client(srv, cid, key);
        let still_serves = srv.ks.dbs[db]
            .dict
            .get(key)
            .and_then(|o| BlockType::of(o.value()))
            == Some(btype);
        if !still_serves {
            break;
        }
    }
}

/// Redis's handleClientsBlockedOnKeys: after a command, EXEC or script, serves the clients
/// waiting on keys made ready, again and again while serving makes more keys ready (a BLMOVE's
/// push).
pub fn handle_clients_blocked_on_keys(srv: &mut Server) {
    while srv.ks.blocking.has_ready() {
        for (db, key) in srv.ks.blocking.take_ready() {
            srv.ks.blocking.unqueue(db, &key);
            // One clock for the key's expiry check and the serves that follow.
            srv.ks.update_clock();
            let btype = srv
                .ks
                .lookup(db, &key, Access::NoTouch)
                .and_then(|o| BlockType::of(o.value()));
            // The lookup may have expired the key: its DEL is propagated like any other.
            srv.propagate_expired();
            if let Some(t) = btype {
                serve_key(srv, db, &key, t);
            }
        }
    }
}

/// Redis's handleBlockedClientsTimeout: replies to and releases every client past its
/// deadline.
pub fn handle_timeouts(srv: &mut Server) {
    if srv.blocked.timeouts.is_empty() {
        return;
    }
    let now = crate::db::mstime();
    while let Some(&(deadline, seq, cid)) = srv.blocked.timeouts.first() {
        if deadline >= now {
            break;
        }
        srv.blocked.timeouts.remove(&(deadline, seq, cid));
        reply_timed_out(srv, cid);
        unblock_client(srv, cid);
    }
}

/// How long the event loop may sleep before the nearest blocked client's deadline passes.
pub fn time_to_next_timeout(srv: &Server) -> Option<Duration> {
    let &(deadline, _, _) = srv.blocked.timeouts.first()?;
    // Deadlines fire once the clock is past them: wake 1 ms after.
    let ms = (deadline + 1 - crate::db::mstime()).max(0) as u64;
    Some(Duration::from_millis(ms))
}

/// Redis's queueClientForReprocessing: a client released from any kind of block (a pause, a
/// SHUTDOWN that failed) runs what it sent meanwhile before the next sleep.
pub fn queue_for_reprocessing(srv: &mut Server, cid: usize) {
    if !srv.blocked.unblocked.contains(&cid) {
        srv.blocked.unblocked.push_back(cid);
    }
    if srv
        .clients
        .get(cid)
        .is_some_and(|c| c.has_pending_replies())
    {
        srv.pending_writes.push(cid);
    }
}

/// Redis's processUnblockedClients: runs what unblocked clients sent while they were blocked
/// (nothing else would: their bytes were already read).
pub fn process_unblocked_clients(srv: &mut Server) {
    while let Some(cid) = srv.blocked.unblocked.pop_front() {
        let runnable = srv
            .clients
            .get(cid)
            .is_some_and(|c| !c.has_flag(cf::BLOCKED) && c.querybuf_pending() > 0);
        if runnable {
            crate::networking::process_input(srv, cid);
        }
    }
}

/// CLIENT UNBLOCK: releases the client with id `id` if it is blocked, with a timeout's reply
/// or, when `error`, `-UNBLOCKED client unblocked via CLIENT UNBLOCK`. True if it was blocked.
pub fn unblock_by_request(srv: &mut Server, id: u64, error: bool) -> bool {
    let Some(cid) = srv.clients.iter().find(|(_, c)| c.id == id).map(|(k, _)| k) else {
        return false;
    };
    if !srv.blocked.clients.contains_key(&cid) {
        return false;
    }
    if error {
        srv.clients[cid].add_error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
        crate::networking::account_errors(srv, cid);
    } else {
        reply_timed_out(srv, cid);
    }
    // Redis counts an unblock by request as a failed call, whatever the reply.
    stats_on_unblock(srv, cid, 0, true);
    unblock_client(srv, cid);
    true
}

/// Redis's disconnectAllBlockedClients, when a master turns replica: every blocked client
/// gets `-UNBLOCKED force unblock ...` and is closed after that reply.
pub fn disconnect_all_blocked_clients(srv: &mut Server) {
    let blocked: Vec<usize> = srv.blocked.clients.keys().copied().collect();
    for cid in blocked {
        if !srv.clients.contains(cid) {
            continue;
        }
        srv.clients[cid].add_error(
            "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)",
        );
        crate::networking::account_errors(srv, cid);
        unblock_client(srv, cid);
        if let Some(c) = srv.clients.get_mut(cid) {
            c.flags |= crate::client::flags::CLOSE_AFTER_REPLY;
        }
        srv.pending_writes.push(cid);
    }
}

/// A client is being freed: if it is blocked, it leaves every queue (Redis's freeClient
/// calling unblockClient), with no reply.
pub fn on_free_client(srv: &mut Server, cid: usize) {
    if srv.blocked.clients.contains_key(&cid) {
        unblock_client(srv, cid);
    }
    srv.blocked.unblocked.retain(|&k| k != cid);
}
