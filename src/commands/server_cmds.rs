//! Server commands (Redis's server.c, config.c, debug.c, ...). Skeleton.

use super::flags::*;
use super::{Argv, CommandSpec, Ctx};

pub const COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "flushall",
    handler: flushall,
    arity: -1,
    flags: WRITE,
    first_key: 0,
    last_key: 0,
    key_step: 0,
    group: "server",
    summary: "Removes all keys from all databases.",
    since: "1.0.0",
    syntax: "[ASYNC|SYNC]",
    subcommands: &[],
}];

fn flushall(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let n = ctx.ks().flush_all();
    ctx.dirty(n as u64 + 1);
    ctx.ok();
}
