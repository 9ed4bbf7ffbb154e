//! MONITOR and the feed of executed commands to monitoring clients
//! (Redis's monitorCommand and replicationFeedMonitors).
//!
//! Owns: turning a client into a monitor and the line format each executed
//! command is shown with:
//!
//! ```text
//! +1700000000.123456 [0 127.0.0.1:5555] "set" "k" "v"
//! +1700000000.123456 [0 unix:/tmp/redis.sock] "get" "k"
//! ```
//! The line is built once per command and appended to every monitor's
//! reply. Administrative commands and those flagged `skip_monitor` are never
//! shown (the caller checks the flags). It must never show a command before
//! it ran, nor a command that was rejected before running.

use super::cmd;
use crate::client::flags as cf;
use crate::commands::flags::*;
use crate::commands::{Argv, CommandSpec, Ctx};
use crate::server::Server;

/// `MONITOR`: `+OK`, then every command executed by any client.
pub const MONITOR: CommandSpec = cmd(
    "monitor",
    monitor,
    1,
    ADMIN | NOSCRIPT | LOADING | STALE,
    "Listen for all requests received by the server in real time",
    "1.0.0",
    "",
    &[],
);

fn monitor(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let key = ctx.cid;
    let c = ctx.client();
    // A client that expects one reply per command (inside EXEC) cannot
    // become a stream of lines.
    if c.has_flag(cf::DENY_BLOCKING) {
        c.add_error("ERR MONITOR isn't allowed for DENY BLOCKING client");
        return;
    }
    // A replica or a client already monitoring is left as it is.
    if c.has_flag(cf::REPLICA | cf::MONITOR) {
        return;
    }
    c.flags |= cf::MONITOR;
    c.add_ok();
    ctx.srv.monitors.push(key);
}

pub use crate::util::sds::repr_into;

/// Positions of arguments that carry secrets and are shown as
/// `(redacted)` in MONITOR and the slow log, as Redis's commands redact
/// them (redactClientCommandArgument): AUTH's password (and username),
/// HELLO's AUTH pair, MIGRATE's AUTH/AUTH2 credentials, every argument of
/// ACL SETUSER after the subcommand, and values of sensitive directives in
/// CONFIG SET. Allocates only for those commands.
pub fn redacted_positions(fullname: &str, argv: &Argv<'_>) -> Vec<usize> {
    let argc = argv.len();
    let mut out = Vec::new();
    match fullname {
        "auth" if argc <= 3 => {
            out.push(1);
            if argc == 3 {
                out.push(2);
            }
        }
        "hello" => {
            let mut j = 2;
            while j < argc {
                if argv.is(j, "AUTH") && argc - 1 - j >= 2 {
                    out.extend([j + 1, j + 2]);
                    j += 3;
                } else {
                    j += 1;
                }
            }
        }
        "migrate" => {
            let mut j = 6;
            while j < argc {
                let more = argc - 1 - j;
                if argv.is(j, "AUTH") && more >= 1 {
                    out.push(j + 1);
                    j += 2;
                } else if argv.is(j, "AUTH2") && more >= 2 {
                    out.extend([j + 1, j + 2]);
                    j += 3;
                } else if argv.is(j, "KEYS") {
                    break;
                } else {
                    j += 1;
                }
            }
        }
        "acl|setuser" => out.extend(2..argc),
        "config|set" => {
            let mut j = 2;
            while j + 1 < argc {
                if super::cfg::is_sensitive_directive(argv.get(j)) {
                    out.push(j + 1);
                }
                j += 2;
            }
        }
        _ => {}
    }
    out
}

/// Builds the monitor line for a command `cid` just ran.
pub fn format_line(srv: &Server, cid: usize, cmd_id: usize, argv: &Argv<'_>) -> Vec<u8> {
    let redacted = redacted_positions(&srv.commands.full_names[cmd_id], argv);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let mut line = Vec::with_capacity(64 + argv.iter().map(|a| a.len() + 3).sum::<usize>());
    let (db, origin) = match srv.clients.get(cid) {
        Some(c) if c.has_flag(cf::UNIX_SOCKET) => (c.db, format!("unix:{}", srv.config.unixsocket)),
        Some(c) => (c.db, c.addr.clone()),
        None => (0, String::new()),
    };
    line.extend_from_slice(
        format!(
            "+{}.{:06} [{} {}] ",
            now.as_secs(),
            now.subsec_micros(),
            db,
            origin
        )
        .as_bytes(),
    );
    for (i, a) in argv.iter().enumerate() {
        if i > 0 {
            line.push(b' ');
        }
        if redacted.contains(&i) {
            line.extend_from_slice(b"\"(redacted)\"");
        } else {
            repr_into(&mut line, a);
        }
    }
    line.extend_from_slice(b"\r\n");
    line
}

/// Sends the command `cid` just ran to every monitor.
pub fn feed(srv: &mut Server, cid: usize, cmd_id: usize, argv: &Argv<'_>) {
    let line = format_line(srv, cid, cmd_id, argv);
    let monitors = std::mem::take(&mut srv.monitors);
    for &m in &monitors {
        if let Some(c) = srv.clients.get_mut(m) {
            if c.has_flag(cf::CLOSE_ASAP) {
                continue;
            }
            // A client with replies pending is already queued for writing
            // (or waits for its socket to drain): queue it only once.
            let queued = c.has_pending_replies();
            c.add_raw(&line);
            if !queued {
                srv.pending_writes.push(m);
            }
        }
    }
    srv.monitors = monitors;
}
