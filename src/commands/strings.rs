//! String commands (Redis's t_string.c). Skeleton: GET and SET only.

use super::flags::*;
use super::{Argv, CommandSpec, Ctx};
use crate::db::object::{RObj, StrValue, Value};

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "get",
        handler: get,
        arity: 2,
        flags: READONLY | FAST,
        first_key: 1,
        last_key: 1,
        key_step: 1,
        group: "string",
        summary: "Returns the string value of a key.",
        since: "1.0.0",
        syntax: "key",
        subcommands: &[],
    },
    CommandSpec {
        name: "set",
        handler: set,
        arity: -3,
        flags: WRITE | DENYOOM,
        first_key: 1,
        last_key: 1,
        key_step: 1,
        group: "string",
        summary: "Sets the string value of a key.",
        since: "1.0.0",
        syntax: "key value",
        subcommands: &[],
    },
];

fn get(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    match ks.lookup_read(db, argv.get(1)) {
        None => c.add_null(),
        Some(o) => match o.as_str() {
            Some(s) => c.add_str_value(s),
            None => c.add_error(crate::db::object::WRONGTYPE),
        },
    }
}

fn set(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let obj = RObj::new(Value::Str(StrValue::from_bytes(argv.get(2))), 0);
    ctx.ks().set_key(db, argv.get(1), obj, false);
    ctx.dirty(1);
    ctx.ok();
}
