//! SLOWLOG GET / LEN / RESET / HELP, and recording entries (Redis's
//! slowlog.c command side; the log itself is `crate::slowlog`).
//!
//! Owns: the decision to log a command (not flagged `skip_slowlog`, ran at
//! least `slowlog-log-slower-than` µs, threshold not negative) and the
//! replies. Entries are Redis 7's six elements:
//! `[id, unix-time, duration-µs, [args...], "ip:port", client-name]`.
//! Arguments carrying secrets are logged as `(redacted)`. It must never
//! log a command that was rejected before it ran.

use super::{cfg, reply_help, sub, subcommand_syntax_error};
use crate::commands::flags::*;
use crate::commands::{container_handler, Argv, CommandSpec, Ctx};
use crate::db::object::parse_canonical_i64;
use crate::server::Server;

pub const SLOWLOG: CommandSpec = CommandSpec {
    name: "slowlog",
    handler: container_handler,
    arity: -2,
    flags: 0,
    first_key: 0,
    last_key: 0,
    key_step: 0,
    group: "server",
    summary: "A container for slow log commands",
    since: "2.2.12",
    syntax: "",
    subcommands: &[
        sub(
            "get",
            slowlog_get,
            -2,
            ADMIN | LOADING | STALE,
            "Get the slow log's entries",
            "2.2.12",
            "[count]",
        ),
        sub(
            "help",
            slowlog_help,
            2,
            LOADING | STALE,
            "Show helpful text about the different subcommands",
            "6.2.0",
            "",
        ),
        sub(
            "len",
            slowlog_len,
            2,
            ADMIN | LOADING | STALE,
            "Get the slow log's length",
            "2.2.12",
            "",
        ),
        sub(
            "reset",
            slowlog_reset,
            2,
            ADMIN | LOADING | STALE,
            "Clear all entries from the slow log",
            "2.2.12",
            "",
        ),
    ],
};

/// Logs the command client `cid` just ran, if it was slow enough.
pub fn record(srv: &mut Server, cid: usize, cmd_id: usize, argv: &Argv<'_>, usec: u64) {
    let threshold = cfg::slowlog_log_slower_than(srv);
    if threshold < 0 || (usec as i64) < threshold {
        return;
    }
    let redacted = super::monitor::redacted_positions(&srv.commands.full_names[cmd_id], argv);
    let (peer, name) = match srv.clients.get(cid) {
        Some(c) => (c.addr.clone(), c.name.clone().unwrap_or_default()),
        None => (String::new(), Vec::new()),
    };
    let max = cfg::slowlog_max_len(srv).max(0) as usize;
    let args = argv.iter().enumerate().map(|(i, a)| {
        if redacted.contains(&i) {
            &b"(redacted)"[..]
        } else {
            a
        }
    });
    srv.slowlog
        .push(ArgIter(args, argv.len()), usec, &peer, &name, max);
}

/// An iterator with a known length (the slow log trims by argument count).
struct ArgIter<I>(I, usize);

impl<'a, I: Iterator<Item = &'a [u8]>> Iterator for ArgIter<I> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let v = self.0.next();
        if v.is_some() {
            self.1 -= 1;
        }
        v
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.1, Some(self.1))
    }
}

impl<'a, I: Iterator<Item = &'a [u8]>> ExactSizeIterator for ArgIter<I> {}

/// `SLOWLOG GET [count]`: newest first; count 10 by default, -1 for all.
fn slowlog_get(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.len() > 3 {
        subcommand_syntax_error(ctx, argv);
        return;
    }
    let mut count: usize = 10;
    if argv.len() == 3 {
        match parse_canonical_i64(argv.get(2)) {
            Some(-1) => count = usize::MAX,
            Some(n) if n >= 0 => count = n as usize,
            _ => {
                ctx.err("ERR count should be greater than or equal to -1");
                return;
            }
        }
    }
    let srv = &mut *ctx.srv;
    let n = srv.slowlog.entries.len().min(count);
    let c = &mut srv.clients[ctx.cid];
    c.add_array_len(n);
    for e in srv.slowlog.entries.iter().take(n) {
        c.add_array_len(6);
        c.add_int(e.id as i64);
        c.add_int(e.time);
        c.add_int(e.duration_us as i64);
        c.add_array_len(e.args.len());
        for a in &e.args {
            c.add_bulk(a);
        }
        c.add_bulk(e.peer.as_bytes());
        c.add_bulk(&e.client_name);
    }
}

/// `SLOWLOG LEN`.
fn slowlog_len(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let n = ctx.srv.slowlog.entries.len();
    ctx.int(n as i64);
}

/// `SLOWLOG RESET`.
fn slowlog_reset(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    ctx.srv.slowlog.reset();
    ctx.ok();
}

const HELP: &[&str] = &[
    "GET [<count>]",
    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN",
    "    Return the length of the slowlog.",
    "RESET",
    "    Reset the slowlog.",
];

fn slowlog_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    reply_help(ctx, argv, HELP);
}
