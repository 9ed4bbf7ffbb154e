//! Transaction commands: MULTI, EXEC, DISCARD, WATCH, UNWATCH (the command
//! half of Redis's multi.c).
//!
//! Owns: entering and leaving the MULTI state and running a queued
//! transaction. Queueing itself happens in `process_command` (every
//! command but these is answered `+QUEUED` inside MULTI); the queue and
//! the WATCH bookkeeping live in `crate::multi`. It must never run a
//! queued command other than through `commands::call`, so each keeps its
//! stats, slow log and MONITOR line.
//!
//! ```text
//!   MULTI ─► +OK                 SET k v ─► +QUEUED      EXEC ─► *N replies
//!            (flag MULTI)        (or an error: EXEC        -EXECABORT ... (a command
//!                                 will -EXECABORT)           failed to queue)
//!                                                          *-1 / _ (a WATCHed key
//!                                                           changed or expired)
//! ```

use super::flags::*;
use super::{call, Argv, CommandSpec, Ctx};
use crate::client::flags as cf;
use crate::multi;
use crate::server::Server;

const fn spec(
    name: &'static str,
    handler: super::Handler,
    arity: i32,
    flags: u32,
    since: &'static str,
    summary: &'static str,
    syntax: &'static str,
) -> CommandSpec {
    CommandSpec {
        name,
        handler,
        arity,
        flags,
        first_key: 0,
        last_key: 0,
        key_step: 0,
        group: "transactions",
        summary,
        since,
        syntax,
        subcommands: &[],
    }
}

pub const COMMANDS: &[CommandSpec] = &[
    spec(
        "multi",
        multi_command,
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        "1.2.0",
        "Mark the start of a transaction block",
        "",
    ),
    spec(
        "exec",
        exec_command,
        1,
        NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG,
        "1.2.0",
        "Execute all commands issued after MULTI",
        "",
    ),
    spec(
        "discard",
        discard_command,
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        "2.0.0",
        "Discard all commands issued after MULTI",
        "",
    ),
    CommandSpec {
        first_key: 1,
        last_key: -1,
        key_step: 1,
        ..spec(
            "watch",
            watch_command,
            -2,
            NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
            "2.2.0",
            "Watch the given keys to determine execution of the MULTI/EXEC block",
            "key [key ...]",
        )
    },
    spec(
        "unwatch",
        unwatch_command,
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        "2.2.0",
        "Forget about all watched keys",
        "",
    ),
];

/// `MULTI` → `+OK`; the following commands are queued until EXEC.
fn multi_command(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let c = ctx.client();
    if c.has_flag(cf::MULTI) {
        c.add_error("ERR MULTI calls can not be nested");
        return;
    }
    c.flags |= cf::MULTI;
    c.add_ok();
}

/// `DISCARD` → `+OK`: drops the queue and every WATCH.
fn discard_command(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    if !ctx.client().has_flag(cf::MULTI) {
        ctx.err("ERR DISCARD without MULTI");
        return;
    }
    multi::discard_transaction(ctx.srv, ctx.cid);
    ctx.ok();
}

/// `EXEC` → an array with the reply of each queued command; a null array
/// when a WATCHed key changed (or expired) since WATCH; `-EXECABORT` when a
/// command failed to queue. The queue runs with one command clock, blocking
/// commands answering as if timed out.
fn exec_command(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let cid = ctx.cid;
    let srv: &mut Server = ctx.srv;
    if !srv.clients[cid].has_flag(cf::MULTI) {
        srv.clients[cid].add_error("ERR EXEC without MULTI");
        return;
    }
    if multi::is_watched_key_expired(srv, cid) {
        srv.clients[cid].flags |= cf::DIRTY_CAS;
    }
    let c = &mut srv.clients[cid];
    if c.has_flag(cf::DIRTY_CAS | cf::DIRTY_EXEC) {
        if c.has_flag(cf::DIRTY_EXEC) {
            c.add_error("EXECABORT Transaction discarded because of previous errors.");
        } else {
            c.add_null_array();
        }
        multi::discard_transaction(srv, cid);
        return;
    }
    let old_flags = c.flags;
    c.flags |= cf::DENY_BLOCKING;
    let commands = std::mem::take(&mut c.mstate.commands);
    c.add_array_len(commands.len());
    // Nothing a queued command does can fail this transaction now.
    multi::unwatch_all_keys(srv, cid);
    srv.in_exec = true;
    for mc in &commands {
        call(srv, cid, mc.id, &mc.argv());
    }
    srv.in_exec = false;
    if let Some(c) = srv.clients.get_mut(cid) {
        if old_flags & cf::DENY_BLOCKING == 0 {
            c.flags &= !cf::DENY_BLOCKING;
        }
    }
    multi::discard_transaction(srv, cid);
}

/// Redis's execCommandAbort: EXEC itself was refused (OOM, min-replicas
/// ...): the transaction is discarded with `-EXECABORT` carrying the
/// reason, and monitors see the EXEC that closes the MULTI they saw.
pub fn exec_command_abort(srv: &mut Server, cid: usize, id: usize, argv: &Argv<'_>, msg: &str) {
    multi::discard_transaction(srv, cid);
    let reason = msg.strip_prefix("ERR ").unwrap_or(msg);
    srv.clients[cid].add_error(&format!(
        "EXECABORT Transaction discarded because of: {reason}"
    ));
    if !srv.monitors.is_empty() {
        super::server_cmds::monitor::feed(srv, cid, id, argv);
    }
}

/// `WATCH key [key ...]` → `+OK`: EXEC will fail if one of them changes.
fn watch_command(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let c = ctx.client();
    if c.has_flag(cf::MULTI) {
        c.add_error("ERR WATCH inside MULTI is not allowed");
        return;
    }
    // Already doomed: watching more changes nothing.
    if !c.has_flag(cf::DIRTY_CAS) {
        for key in argv.iter().skip(1) {
            multi::watch_for_key(ctx.srv, ctx.cid, key);
        }
    }
    ctx.ok();
}

/// `UNWATCH` → `+OK`: forgets every WATCH (and a change already seen).
fn unwatch_command(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    multi::unwatch_all_keys(ctx.srv, ctx.cid);
    ctx.client().flags &= !cf::DIRTY_CAS;
    ctx.ok();
}
