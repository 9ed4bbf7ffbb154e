//! FAILOVER (Redis's failoverCommand): hand the master role to a replica without losing
//! writes.
//!
//! Owns: the command's argument parsing, its checks and their error replies. The failover
//! itself (waiting, switching roles, aborting) is `replication::failover`'s; this file must
//! never change the replication state other than through it.

use super::flags::{ADMIN, NOSCRIPT, STALE};
use super::server_cmds::cmd;
use super::{Argv, CommandSpec, Ctx};
use crate::replication::failover;

pub const COMMANDS: &[CommandSpec] = &[cmd(
    "failover",
    failover_cmd,
    -1,
    ADMIN | NOSCRIPT | STALE,
    "Start a coordinated failover between this server and one of its replicas.",
    "6.2.0",
    "[TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]",
    &[],
)];

/// `FAILOVER [TO host port [FORCE]] [TIMEOUT ms]` starts a failover (writes pause until a
/// replica caught up, then it takes over); `FAILOVER ABORT` cancels one under way.
fn failover_cmd(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if ctx.srv.config.cluster_enabled {
        ctx.err("ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.");
        return;
    }
    if argv.len() == 2 && argv.is(1, "abort") {
        if !failover::in_progress(ctx.srv) {
            ctx.err("ERR No failover in progress.");
            return;
        }
        failover::abort(ctx.srv, "Failover manually aborted");
        ctx.ok();
        return;
    }
    let mut timeout_ms = 0;
    let mut force = false;
    let mut target: Option<(String, i64)> = None;
    let mut j = 1;
    while j < argv.len() {
        if argv.is(j, "timeout") && j + 1 < argv.len() && timeout_ms == 0 {
            let Some(t) = crate::util::numeric::parse_i64(argv.get(j + 1)) else {
                ctx.err("ERR value is not an integer or out of range");
                return;
            };
            if t <= 0 {
                ctx.err("ERR FAILOVER timeout must be greater than 0");
                return;
            }
            timeout_ms = t;
            j += 2;
        } else if argv.is(j, "to") && j + 2 < argv.len() && target.is_none() {
            let Some(port) = crate::util::numeric::parse_i64(argv.get(j + 2)) else {
                ctx.err("ERR value is not an integer or out of range");
                return;
            };
            let host = String::from_utf8_lossy(argv.get(j + 1)).into_owned();
            target = Some((host, port));
            j += 3;
        } else if argv.is(j, "force") && !force {
            force = true;
            j += 1;
        } else {
            ctx.syntax_error();
            return;
        }
    }
    if failover::in_progress(ctx.srv) {
        ctx.err("ERR FAILOVER already in progress.");
        return;
    }
    if ctx.srv.repl.replica.is_replica() {
        ctx.err("ERR FAILOVER is not valid when server is a replica.");
        return;
    }
    if ctx.srv.repl.master.replicas.is_empty() {
        ctx.err("ERR FAILOVER requires connected replicas.");
        return;
    }
    if force && (timeout_ms == 0 || target.is_none()) {
        ctx.err("ERR FAILOVER with force option requires both a timeout and target HOST and IP.");
        return;
    }
    if let Some((host, port)) = &target {
        let Some(key) = failover::find_replica(ctx.srv, host, *port) else {
            ctx.err("ERR FAILOVER target HOST and PORT is not a replica.");
            return;
        };
        if !failover::replica_online(ctx.srv, key) {
            ctx.err("ERR FAILOVER target replica is not online.");
            return;
        }
    }
    failover::start(ctx.srv, target, timeout_ms, force);
    ctx.ok();
}
