//! COMMAND, COMMAND COUNT / LIST / INFO / DOCS / GETKEYS / GETKEYSANDFLAGS
//! / HELP (Redis's commandCommand family in server.c).
//!
//! Owns: describing the commands this server has. Which commands exist is
//! the dispatch table's answer; how each is described (arity, flags, ACL
//! categories, tips, key specs, documentation) is Redis's, from `meta`, so
//! clients and redis-cli see exactly what Redis 7.0.15 reports. A command
//! Redis does not know is described from its `CommandSpec`.
//!
//! COMMAND INFO's per-command reply, Redis 7.0's ten elements:
//! ```text
//! 1) name  2) arity  3) flags (set)  4) first key  5) last key  6) step
//! 7) ACL categories (set)  8) tips (set)  9) key specs (set of maps)
//! 10) subcommands (array of the same ten-element form)
//! ```
//! It must never change anything.

use super::meta::{self, acl, af, cf, kf, Bs, CommandMeta, Fk};
use super::{reply_help, sub};
use crate::client::Client;
use crate::commands::flags::*;
use crate::commands::{Argv, CommandSpec, CommandTable, Ctx};

pub const COMMAND: CommandSpec = CommandSpec {
    name: "command",
    handler: command_all,
    arity: -1,
    flags: LOADING | STALE | SENTINEL,
    first_key: 0,
    last_key: 0,
    key_step: 0,
    group: "server",
    summary: "Get array of Redis command details",
    since: "2.8.13",
    syntax: "",
    subcommands: &[
        sub(
            "count",
            command_count,
            2,
            LOADING | STALE | SENTINEL,
            "Get total number of Redis commands",
            "2.8.13",
            "",
        ),
        sub(
            "docs",
            command_docs,
            -2,
            LOADING | STALE | SENTINEL,
            "Get array of specific Redis command documentation",
            "7.0.0",
            "[command-name [command-name ...]]",
        ),
        sub(
            "getkeys",
            command_getkeys,
            -4,
            LOADING | STALE | SENTINEL,
            "Extract keys given a full Redis command",
            "2.8.13",
            "command [arg [arg ...]]",
        ),
        sub(
            "getkeysandflags",
            command_getkeysandflags,
            -4,
            LOADING | STALE | SENTINEL,
            "Extract keys and access flags given a full Redis command",
            "7.0.0",
            "command [arg [arg ...]]",
        ),
        sub(
            "help",
            command_help,
            2,
            LOADING | STALE | SENTINEL,
            "Show helpful text about the different subcommands",
            "5.0.0",
            "",
        ),
        sub(
            "info",
            command_info,
            -2,
            LOADING | STALE | SENTINEL,
            "Get array of specific Redis command details, or all when no argument is given.",
            "2.8.13",
            "[command-name [command-name ...]]",
        ),
        sub(
            "list",
            command_list,
            -2,
            LOADING | STALE | SENTINEL,
            "Get an array of Redis command names",
            "7.0.0",
            "[FILTERBY MODULE module-name|ACLCAT category|PATTERN pattern]",
        ),
    ],
};

/// Redis's lookupCommandBySds: `name` or `container|sub` (one level only).
pub fn lookup_by_fullname(table: &CommandTable, name: &[u8]) -> Option<usize> {
    let mut parts = name.split(|&b| b == b'|');
    let first = parts.next()?;
    let id = table.lookup(first)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some(id),
        (Some(s), None) => table.lookup_sub(id, s),
        _ => None,
    }
}

/// Maps our dispatch flags to Redis's CMD_* bits (for commands Redis lacks).
fn cf_from_spec(flags: u32) -> u64 {
    const MAP: &[(u32, u64)] = &[
        (WRITE, cf::WRITE),
        (READONLY, cf::READONLY),
        (DENYOOM, cf::DENYOOM),
        (ADMIN, cf::ADMIN),
        (PUBSUB, cf::PUBSUB),
        (NOSCRIPT, cf::NOSCRIPT),
        (BLOCKING, cf::BLOCKING),
        (LOADING, cf::LOADING),
        (STALE, cf::STALE),
        (SKIP_MONITOR, cf::SKIP_MONITOR),
        (SKIP_SLOWLOG, cf::SKIP_SLOWLOG),
        (FAST, cf::FAST),
        (NO_AUTH, cf::NO_AUTH),
        (MAY_REPLICATE, cf::MAY_REPLICATE),
        (NO_MULTI, cf::NO_MULTI),
        (ALLOW_BUSY, cf::ALLOW_BUSY),
        (SENTINEL, cf::SENTINEL),
    ];
    MAP.iter()
        .filter(|(ours, _)| flags & ours != 0)
        .fold(0, |acc, (_, theirs)| acc | theirs)
}

/// Redis's setImplicitACLCategories, for commands Redis lacks.
fn implicit_acl(flags: u64) -> u32 {
    let mut a = 0;
    if flags & cf::WRITE != 0 {
        a |= acl::WRITE;
    }
    if flags & cf::READONLY != 0 {
        a |= acl::READ;
    }
    if flags & cf::ADMIN != 0 {
        a |= acl::ADMIN | acl::DANGEROUS;
    }
    if flags & cf::PUBSUB != 0 {
        a |= acl::PUBSUB;
    }
    if flags & cf::FAST != 0 {
        a |= acl::FAST;
    }
    if flags & cf::BLOCKING != 0 {
        a |= acl::BLOCKING;
    }
    if a & acl::FAST == 0 {
        a |= acl::SLOW;
    }
    a
}

/// Redis's description of table entry `id`, if Redis has that command.
pub fn meta_of(table: &CommandTable, id: usize) -> Option<&'static CommandMeta> {
    meta::lookup(table.full_names[id].as_bytes())
}

/// ACL category bits of table entry `id`.
pub fn acl_of(table: &CommandTable, id: usize) -> u32 {
    match meta_of(table, id) {
        Some(m) => m.acl,
        None => implicit_acl(cf_from_spec(table.specs[id].flags)),
    }
}

fn add_flag_set<T: Copy + std::ops::BitAnd<Output = T> + PartialEq + Default>(
    c: &mut Client,
    flags: T,
    names: &[(T, &str)],
) {
    let shown: Vec<&str> = names
        .iter()
        .filter(|(b, _)| flags & *b != T::default())
        .map(|(_, n)| *n)
        .collect();
    c.add_set_len(shown.len());
    for n in shown {
        c.add_status(n);
    }
}

fn add_key_specs(c: &mut Client, specs: &[meta::KeySpec]) {
    c.add_set_len(specs.len());
    for ks in specs {
        c.add_map_len(if ks.notes.is_empty() { 3 } else { 4 });
        if !ks.notes.is_empty() {
            c.add_bulk(b"notes");
            c.add_bulk(ks.notes.as_bytes());
        }
        c.add_bulk(b"flags");
        add_flag_set(c, ks.flags, kf::NAMES);
        c.add_bulk(b"begin_search");
        c.add_map_len(2);
        c.add_bulk(b"type");
        match ks.bs {
            Bs::Unknown => {
                c.add_bulk(b"unknown");
                c.add_bulk(b"spec");
                c.add_map_len(0);
            }
            Bs::Index(pos) => {
                c.add_bulk(b"index");
                c.add_bulk(b"spec");
                c.add_map_len(1);
                c.add_bulk(b"index");
                c.add_int(pos as i64);
            }
            Bs::Keyword(kw, from) => {
                c.add_bulk(b"keyword");
                c.add_bulk(b"spec");
                c.add_map_len(2);
                c.add_bulk(b"keyword");
                c.add_bulk(kw.as_bytes());
                c.add_bulk(b"startfrom");
                c.add_int(from as i64);
            }
        }
        c.add_bulk(b"find_keys");
        c.add_map_len(2);
        c.add_bulk(b"type");
        match ks.fk {
            Fk::Unknown => {
                c.add_bulk(b"unknown");
                c.add_bulk(b"spec");
                c.add_map_len(0);
            }
            Fk::Range(last, step, limit) => {
                c.add_bulk(b"range");
                c.add_bulk(b"spec");
                c.add_map_len(3);
                c.add_bulk(b"lastkey");
                c.add_int(last as i64);
                c.add_bulk(b"keystep");
                c.add_int(step as i64);
                c.add_bulk(b"limit");
                c.add_int(limit as i64);
            }
            Fk::Keynum(idx, first, step) => {
                c.add_bulk(b"keynum");
                c.add_bulk(b"spec");
                c.add_map_len(3);
                c.add_bulk(b"keynumidx");
                c.add_int(idx as i64);
                c.add_bulk(b"firstkey");
                c.add_int(first as i64);
                c.add_bulk(b"keystep");
                c.add_int(step as i64);
            }
        }
    }
}

/// Redis's addReplyCommandInfo for table entry `id`.
fn add_command_info(c: &mut Client, table: &CommandTable, id: usize) {
    let spec = table.specs[id];
    c.add_array_len(10);
    c.add_bulk(table.full_names[id].as_bytes());
    match meta_of(table, id) {
        Some(m) => {
            c.add_int(m.arity as i64);
            add_flag_set(c, m.flags, cf::SHOWN);
            c.add_int(m.legacy.0 as i64);
            c.add_int(m.legacy.1 as i64);
            c.add_int(m.legacy.2 as i64);
            add_flag_set(c, m.acl, &acl_names_at());
            c.add_set_len(m.tips.len());
            for t in m.tips {
                c.add_bulk(t.as_bytes());
            }
            add_key_specs(c, m.key_specs);
        }
        None => {
            let flags = cf_from_spec(spec.flags);
            c.add_int(spec.arity as i64);
            add_flag_set(c, flags, cf::SHOWN);
            c.add_int(spec.first_key as i64);
            c.add_int(spec.last_key as i64);
            c.add_int(spec.key_step as i64);
            add_flag_set(c, implicit_acl(flags), &acl_names_at());
            c.add_set_len(0);
            c.add_set_len(0);
        }
    }
    let subs = table.subcommands_of(id);
    if subs.is_empty() {
        c.add_set_len(0);
    } else {
        c.add_array_len(subs.len());
        for s in subs {
            add_command_info(c, table, s);
        }
    }
}

/// ACL category names as COMMAND INFO shows them: `@read`, `@fast`...
fn acl_names_at() -> Vec<(u32, &'static str)> {
    const AT: &[&str] = &[
        "@keyspace",
        "@read",
        "@write",
        "@set",
        "@sortedset",
        "@list",
        "@hash",
        "@string",
        "@bitmap",
        "@hyperloglog",
        "@geo",
        "@stream",
        "@pubsub",
        "@admin",
        "@fast",
        "@slow",
        "@blocking",
        "@dangerous",
        "@connection",
        "@transaction",
        "@scripting",
    ];
    acl::NAMES
        .iter()
        .zip(AT)
        .map(|((bit, _), name)| (*bit, *name))
        .collect()
}

fn add_args(c: &mut Client, args: &[meta::Arg]) {
    c.add_array_len(args.len());
    for a in args {
        let nested = matches!(a.typ, meta::ArgType::Oneof | meta::ArgType::Block);
        let n = 2
            + usize::from(a.key_spec_index != -1)
            + usize::from(!a.token.is_empty())
            + usize::from(!a.summary.is_empty())
            + usize::from(!a.since.is_empty())
            + usize::from(!a.deprecated_since.is_empty())
            + usize::from(a.flags != 0)
            + usize::from(nested);
        c.add_map_len(n);
        c.add_bulk(b"name");
        c.add_bulk(a.name.as_bytes());
        c.add_bulk(b"type");
        c.add_bulk(a.typ.name().as_bytes());
        if a.key_spec_index != -1 {
            c.add_bulk(b"key_spec_index");
            c.add_int(a.key_spec_index as i64);
        }
        for (label, v) in [
            ("token", a.token),
            ("summary", a.summary),
            ("since", a.since),
            ("deprecated_since", a.deprecated_since),
        ] {
            if !v.is_empty() {
                c.add_bulk(label.as_bytes());
                c.add_bulk(v.as_bytes());
            }
        }
        if a.flags != 0 {
            c.add_bulk(b"flags");
            add_flag_set(c, a.flags, af::NAMES);
        }
        if nested {
            c.add_bulk(b"arguments");
            add_args(c, a.args);
        }
    }
}

/// Redis's addReplyCommandDocs for table entry `id`.
fn add_command_docs(c: &mut Client, table: &CommandTable, id: usize) {
    let spec = table.specs[id];
    let subs = table.subcommands_of(id);
    let Some(m) = meta_of(table, id) else {
        let n = 3 + usize::from(!subs.is_empty());
        c.add_map_len(n);
        c.add_bulk(b"summary");
        c.add_bulk(spec.summary.as_bytes());
        c.add_bulk(b"since");
        c.add_bulk(spec.since.as_bytes());
        c.add_bulk(b"group");
        c.add_bulk(spec.group.as_bytes());
        add_sub_docs(c, table, &subs);
        return;
    };
    let n = 1
        + usize::from(!m.summary.is_empty())
        + usize::from(!m.since.is_empty())
        + usize::from(!m.complexity.is_empty())
        + usize::from(m.doc_flags != 0)
        + usize::from(!m.deprecated_since.is_empty())
        + usize::from(!m.replaced_by.is_empty())
        + usize::from(!m.history.is_empty())
        + usize::from(!m.args.is_empty())
        + usize::from(!subs.is_empty());
    c.add_map_len(n);
    if !m.summary.is_empty() {
        c.add_bulk(b"summary");
        c.add_bulk(m.summary.as_bytes());
    }
    if !m.since.is_empty() {
        c.add_bulk(b"since");
        c.add_bulk(m.since.as_bytes());
    }
    c.add_bulk(b"group");
    c.add_bulk(m.group.as_bytes());
    if !m.complexity.is_empty() {
        c.add_bulk(b"complexity");
        c.add_bulk(m.complexity.as_bytes());
    }
    if m.doc_flags != 0 {
        c.add_bulk(b"doc_flags");
        add_flag_set(c, m.doc_flags, cf::DOC_SHOWN);
    }
    if !m.deprecated_since.is_empty() {
        c.add_bulk(b"deprecated_since");
        c.add_bulk(m.deprecated_since.as_bytes());
    }
    if !m.replaced_by.is_empty() {
        c.add_bulk(b"replaced_by");
        c.add_bulk(m.replaced_by.as_bytes());
    }
    if !m.history.is_empty() {
        c.add_bulk(b"history");
        c.add_set_len(m.history.len());
        for (v, what) in m.history {
            c.add_array_len(2);
            c.add_bulk(v.as_bytes());
            c.add_bulk(what.as_bytes());
        }
    }
    if !m.args.is_empty() {
        c.add_bulk(b"arguments");
        add_args(c, m.args);
    }
    add_sub_docs(c, table, &subs);
}

fn add_sub_docs(c: &mut Client, table: &CommandTable, subs: &[usize]) {
    if subs.is_empty() {
        return;
    }
    c.add_bulk(b"subcommands");
    c.add_map_len(subs.len());
    for &s in subs {
        c.add_bulk(table.full_names[s].as_bytes());
        add_command_docs(c, table, s);
    }
}

/// `COMMAND`: every command's info.
fn command_all(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let srv = &mut *ctx.srv;
    let ids: Vec<usize> = srv.commands.top_level().collect();
    let c = &mut srv.clients[ctx.cid];
    c.add_array_len(ids.len());
    for id in ids {
        add_command_info(c, &srv.commands, id);
    }
}

/// `COMMAND COUNT`: number of top-level commands.
fn command_count(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let n = ctx.srv.commands.top_level().count();
    ctx.int(n as i64);
}

/// `COMMAND INFO [name ...]`: info per name (null for unknown names), or
/// of every command.
fn command_info(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.len() == 2 {
        command_all(ctx, argv);
        return;
    }
    let srv = &mut *ctx.srv;
    let c = &mut srv.clients[ctx.cid];
    c.add_array_len(argv.len() - 2);
    for name in argv.iter().skip(2) {
        match lookup_by_fullname(&srv.commands, name) {
            Some(id) => add_command_info(c, &srv.commands, id),
            None => c.add_null(),
        }
    }
}

/// `COMMAND DOCS [name ...]`: a map of name → documentation; unknown names
/// are left out.
fn command_docs(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let srv = &mut *ctx.srv;
    let ids: Vec<usize> = if argv.len() == 2 {
        srv.commands.top_level().collect()
    } else {
        argv.iter()
            .skip(2)
            .filter_map(|n| lookup_by_fullname(&srv.commands, n))
            .collect()
    };
    let c = &mut srv.clients[ctx.cid];
    c.add_map_len(ids.len());
    for id in ids {
        c.add_bulk(srv.commands.full_names[id].as_bytes());
        add_command_docs(c, &srv.commands, id);
    }
}

/// `COMMAND LIST [FILTERBY MODULE name|ACLCAT cat|PATTERN pattern]`.
fn command_list(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    enum Filter<'a> {
        None,
        Module,
        Acl(Option<u32>),
        Pattern(&'a [u8]),
    }
    let mut filter = Filter::None;
    let mut i = 2;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        if argv.is(i, "filterby") && more == 2 {
            let arg = argv.get(i + 2);
            filter = if argv.is(i + 1, "module") {
                Filter::Module
            } else if argv.is(i + 1, "aclcat") {
                Filter::Acl(acl::by_name(arg))
            } else if argv.is(i + 1, "pattern") {
                Filter::Pattern(arg)
            } else {
                ctx.syntax_error();
                return;
            };
            i += 3;
        } else {
            ctx.syntax_error();
            return;
        }
    }
    let srv = &mut *ctx.srv;
    let t = &srv.commands;
    let mut names: Vec<&str> = Vec::new();
    for id in t.top_level() {
        for x in std::iter::once(id).chain(t.subcommands_of(id)) {
            let keep = match filter {
                Filter::None => true,
                Filter::Module => false,
                Filter::Acl(None) => false,
                Filter::Acl(Some(bit)) => acl_of(t, x) & bit != 0,
                Filter::Pattern(p) => {
                    crate::util::glob::string_match(p, t.full_names[x].as_bytes(), true)
                }
            };
            if keep {
                names.push(&t.full_names[x]);
            }
        }
    }
    let c = &mut srv.clients[ctx.cid];
    c.add_array_len(names.len());
    for n in names {
        c.add_bulk(n.as_bytes());
    }
}

/// `COMMAND GETKEYS command [arg ...]`.
fn command_getkeys(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    getkeys_impl(ctx, argv, false);
}

/// `COMMAND GETKEYSANDFLAGS command [arg ...]`.
fn command_getkeysandflags(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    getkeys_impl(ctx, argv, true);
}

fn getkeys_impl(ctx: &mut Ctx<'_>, argv: &Argv<'_>, with_flags: bool) {
    let args: Vec<&[u8]> = argv.iter().skip(2).collect();
    let t = &ctx.srv.commands;
    // Redis's lookupCommand: a container needs its subcommand word.
    let found = t.lookup(args[0]).and_then(|id| {
        if t.has_subcommands(id) && args.len() >= 2 {
            t.lookup_sub(id, args[1])
        } else {
            Some(id)
        }
    });
    let Some(id) = found else {
        ctx.err("ERR Invalid command specified");
        return;
    };
    let Some(m) = meta_of(t, id) else {
        ctx.err("ERR The command has no key arguments");
        return;
    };
    if !super::getkeys::has_keys(m) {
        ctx.err("ERR The command has no key arguments");
        return;
    }
    let argc = args.len() as i32;
    if (m.arity > 0 && m.arity != argc) || argc < -m.arity {
        ctx.err("ERR Invalid number of arguments specified for command");
        return;
    }
    let keys = super::getkeys::get_keys(m, &args);
    if keys.is_empty() {
        if m.flags & cf::NO_MANDATORY_KEYS != 0 {
            ctx.array_len(0);
        } else {
            ctx.err("ERR Invalid arguments specified for command");
        }
        return;
    }
    let c = ctx.client();
    c.add_array_len(keys.len());
    for k in keys {
        if with_flags {
            c.add_array_len(2);
            c.add_bulk(args[k.pos]);
            add_flag_set(c, k.flags, kf::NAMES);
        } else {
            c.add_bulk(args[k.pos]);
        }
    }
}

const HELP: &[&str] = &[
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
];

fn command_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    reply_help(ctx, argv, HELP);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every command we dispatch enforces the arity and carries the flags
    /// Redis documents for it, so COMMAND INFO (answered from Redis's
    /// table) tells clients the truth, for every family's commands.
    #[test]
    fn own_commands_agree_with_redis_metadata() {
        check(|name| {
            super::super::COMMANDS
                .iter()
                .any(|c| name == c.name || name.starts_with(&format!("{}|", c.name)))
        });
    }

    #[test]
    fn dispatch_table_agrees_with_redis_metadata() {
        check(|_| true);
    }

    fn check(wanted: impl Fn(&str) -> bool) {
        let t = CommandTable::build();
        let mut wrong = Vec::new();
        for id in 0..t.specs.len() {
            let name = &t.full_names[id];
            if !wanted(name) {
                continue;
            }
            let Some(m) = meta_of(&t, id) else {
                wrong.push(format!("{name}: not a Redis 7.0.15 command"));
                continue;
            };
            let spec = t.specs[id];
            if spec.arity != m.arity {
                wrong.push(format!("{name}: arity {} (Redis {})", spec.arity, m.arity));
            }
            const CHECKED: u64 = cf::WRITE
                | cf::READONLY
                | cf::DENYOOM
                | cf::ADMIN
                | cf::PUBSUB
                | cf::NOSCRIPT
                | cf::BLOCKING
                | cf::LOADING
                | cf::STALE
                | cf::SKIP_MONITOR
                | cf::SKIP_SLOWLOG
                | cf::FAST
                | cf::NO_AUTH
                | cf::MAY_REPLICATE
                | cf::NO_MULTI
                | cf::ALLOW_BUSY;
            let ours = cf_from_spec(spec.flags) & CHECKED;
            if ours != m.flags & CHECKED {
                let names = |f: u64| -> Vec<&str> {
                    cf::SHOWN
                        .iter()
                        .chain([(cf::MAY_REPLICATE, "may_replicate")].iter())
                        .filter(|(b, _)| f & b != 0)
                        .map(|(_, n)| *n)
                        .collect()
                };
                wrong.push(format!(
                    "{name}: flags {:?} (Redis {:?})",
                    names(ours),
                    names(m.flags & CHECKED)
                ));
            }
        }
        assert!(
            wrong.is_empty(),
            "dispatch table vs Redis:\n{}",
            wrong.join("\n")
        );
    }
}
