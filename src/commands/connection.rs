//! Connection commands: PING, ECHO, QUIT, SELECT, SWAPDB, AUTH, HELLO, RESET.
//!
//! Owns: per-connection state changes (database, protocol, authentication).
//! It must never change data.

use super::flags::*;
use super::{Argv, CommandSpec, Ctx};
use crate::client::flags as cf;
use crate::db::object::parse_canonical_i64;
use crate::server::REDIS_VERSION;

const fn spec(
    name: &'static str,
    handler: super::Handler,
    arity: i32,
    flags: u32,
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
        group: "connection",
        summary,
        since: "1.0.0",
        syntax,
        subcommands: &[],
    }
}

pub const COMMANDS: &[CommandSpec] = &[
    spec(
        "ping",
        ping,
        -1,
        FAST | SENTINEL,
        "Returns the server's liveliness response.",
        "[message]",
    ),
    spec(
        "echo",
        echo,
        2,
        LOADING | STALE | FAST,
        "Returns the given string.",
        "message",
    ),
    spec(
        "quit",
        quit,
        -1,
        ALLOW_BUSY | NOSCRIPT | LOADING | STALE | FAST | NO_AUTH,
        "Closes the connection.",
        "",
    ),
    spec(
        "select",
        select,
        2,
        LOADING | STALE | FAST,
        "Changes the selected database.",
        "index",
    ),
    CommandSpec {
        group: "server",
        since: "4.0.0",
        first_key: 0,
        ..spec(
            "swapdb",
            swapdb,
            3,
            WRITE | FAST,
            "Swaps two Redis databases.",
            "index1 index2",
        )
    },
    spec(
        "auth",
        auth,
        -2,
        NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY,
        "Authenticates the connection.",
        "[username] password",
    ),
    CommandSpec {
        since: "6.0.0",
        ..spec(
            "hello",
            hello,
            -1,
            NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY,
            "Handshakes with the Redis server.",
            "[protover [AUTH username password] [SETNAME clientname]]",
        )
    },
    CommandSpec {
        since: "6.2.0",
        ..spec(
            "reset",
            reset,
            1,
            NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY,
            "Resets the connection.",
            "",
        )
    },
];

fn ping(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.len() > 2 {
        ctx.err("ERR wrong number of arguments for 'ping' command");
        return;
    }
    let c = ctx.client();
    if c.has_flag(cf::PUBSUB) && c.resp == 2 {
        c.add_array_len(2);
        c.add_bulk(b"pong");
        c.add_bulk(if argv.len() == 2 { argv.get(1) } else { b"" });
    } else if argv.len() == 2 {
        c.add_bulk(argv.get(1));
    } else {
        c.add_raw(b"+PONG\r\n");
    }
}

fn echo(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    ctx.bulk(argv.get(1));
}

fn quit(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let c = ctx.client();
    c.add_ok();
    c.flags |= cf::CLOSE_AFTER_REPLY;
}

/// Parses a database index argument; replies with the error itself.
/// Redis reads it with getIntFromObjectOrReply: an integer outside the C
/// `int` range gets its own message before the database range is checked.
pub fn parse_db_index(ctx: &mut Ctx<'_>, arg: &[u8]) -> Option<usize> {
    let Some(n) = parse_canonical_i64(arg) else {
        ctx.err("ERR value is not an integer or out of range");
        return None;
    };
    if i32::try_from(n).is_err() {
        ctx.err("ERR value is out of range, value must between -2147483648 and 2147483647");
        return None;
    }
    if n < 0 || n as usize >= ctx.srv.ks.dbs.len() {
        ctx.err("ERR DB index is out of range");
        return None;
    }
    Some(n as usize)
}

fn select(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if let Some(db) = parse_db_index(ctx, argv.get(1)) {
        ctx.client().db = db;
        ctx.ok();
    }
}

fn swapdb(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    // Each index must be a C int; each has its own error, first checked first.
    let parse = |arg: &[u8]| parse_canonical_i64(arg).filter(|n| i32::try_from(*n).is_ok());
    let Some(a) = parse(argv.get(1)) else {
        ctx.err("ERR invalid first DB index");
        return;
    };
    let Some(b) = parse(argv.get(2)) else {
        ctx.err("ERR invalid second DB index");
        return;
    };
    let n = ctx.srv.ks.dbs.len() as i64;
    if a < 0 || a >= n || b < 0 || b >= n {
        ctx.err("ERR DB index is out of range");
        return;
    }
    ctx.signal_swapped_db(a as usize, b as usize);
    ctx.srv.ks.dbs.swap(a as usize, b as usize);
    // Clients blocked on a key the other database holds as a list can now be served.
    ctx.srv.ks.scan_for_ready_keys(a as usize);
    ctx.srv.ks.scan_for_ready_keys(b as usize);
    ctx.dirty(1);
    ctx.ok();
}

/// Checks a username/password pair against the one user we have, `default`.
fn check_password(ctx: &Ctx<'_>, user: &[u8], pass: &[u8]) -> bool {
    let required = ctx.srv.config.requirepass.as_bytes();
    if user != b"default" {
        return false;
    }
    required.is_empty() || constant_time_eq(required, pass)
}

/// Compares secrets without an early exit that would leak their prefix.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

fn auth(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.len() > 3 {
        ctx.syntax_error();
        return;
    }
    let (user, pass): (&[u8], &[u8]) = if argv.len() == 2 {
        (b"default", argv.get(1))
    } else {
        (argv.get(1), argv.get(2))
    };
    if argv.len() == 2 && !ctx.srv.auth_required() {
        ctx.err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
        return;
    }
    if check_password(ctx, user, pass) {
        let c = ctx.client();
        c.authenticated = true;
        c.add_ok();
    } else {
        // A failed AUTH leaves the connection's state as it was, as Redis.
        ctx.err(WRONGPASS);
    }
}

fn hello(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let mut ver = 0i64;
    let mut next = 1;
    if argv.len() >= 2 {
        match parse_canonical_i64(argv.get(1)) {
            Some(v) => ver = v,
            None => {
                ctx.err("ERR Protocol version is not an integer or out of range");
                return;
            }
        }
        next = 2;
        if !(2..=3).contains(&ver) {
            ctx.err("NOPROTO unsupported protocol version");
            return;
        }
    }
    // Options act in order, as Redis's helloCommand does: an AUTH takes effect
    // (and a SETNAME renames) before a later option fails.
    while next < argv.len() {
        let more = argv.len() - next - 1;
        if argv.is(next, "AUTH") && more >= 2 {
            if !check_password(ctx, argv.get(next + 1), argv.get(next + 2)) {
                ctx.err(WRONGPASS);
                return;
            }
            ctx.client().authenticated = true;
            next += 3;
        } else if argv.is(next, "SETNAME") && more >= 1 {
            let name = argv.get(next + 1);
            if !valid_client_name(name) {
                ctx.err("ERR Client names cannot contain spaces, newlines or special characters.");
                return;
            }
            ctx.client().name = if name.is_empty() {
                None
            } else {
                Some(name.to_vec())
            };
            next += 2;
        } else {
            let opt = String::from_utf8_lossy(argv.get(next)).into_owned();
            ctx.err(&format!("ERR Syntax error in HELLO option '{opt}'"));
            return;
        }
    }
    if !ctx.client().authenticated {
        ctx.err("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
        return;
    }
    let role = if ctx.srv.ks.replica_mode {
        "replica"
    } else {
        "master"
    };
    let c = ctx.client();
    if ver != 0 {
        c.resp = ver as u8;
    }
    let id = c.id as i64;
    c.add_map_len(7);
    c.add_bulk(b"server");
    c.add_bulk(b"redis");
    c.add_bulk(b"version");
    c.add_bulk(REDIS_VERSION.as_bytes());
    c.add_bulk(b"proto");
    c.add_int(c.resp as i64);
    c.add_bulk(b"id");
    c.add_int(id);
    c.add_bulk(b"mode");
    c.add_bulk(b"standalone");
    c.add_bulk(b"role");
    c.add_bulk(role.as_bytes());
    c.add_bulk(b"modules");
    c.add_array_len(0);
}

/// Redis's validation of CLIENT SETNAME / HELLO SETNAME: printable ASCII
/// without spaces.
pub fn valid_client_name(name: &[u8]) -> bool {
    name.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

fn reset(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let auth_required = ctx.srv.auth_required();
    let key = ctx.cid;
    ctx.srv.monitors.retain(|&m| m != key);
    // Redis's clearClientConnectionState: the transaction, the watches and
    // every subscription go, silently.
    crate::multi::discard_transaction(ctx.srv, key);
    crate::pubsub::unsubscribe_everything(ctx.srv, key);
    let c = ctx.client();
    c.db = 0;
    c.resp = 2;
    c.name = None;
    c.flags &= !(cf::MULTI
        | cf::DIRTY_CAS
        | cf::DIRTY_EXEC
        | cf::MONITOR
        | cf::REPLY_OFF
        | cf::REPLY_SKIP
        | cf::REPLY_SKIP_NEXT);
    c.authenticated = !auth_required;
    c.add_status("RESET");
}
