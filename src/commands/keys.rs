//! Keyspace commands (Redis's db.c and expire.c). Skeleton: DEL only.

use super::flags::*;
use super::{Argv, CommandSpec, Ctx};

pub const COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "del",
    handler: del,
    arity: -2,
    flags: WRITE,
    first_key: 1,
    last_key: -1,
    key_step: 1,
    group: "generic",
    summary: "Deletes one or more keys.",
    since: "1.0.0",
    syntax: "key [key ...]",
    subcommands: &[],
}];

fn del(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let mut n = 0;
    for k in argv.iter().skip(1) {
        if ctx.ks().delete(db, k) {
            n += 1;
        }
    }
    ctx.dirty(n);
    ctx.int(n as i64);
}
