//! REPLICAOF and its old name SLAVEOF (Redis's replicaofCommand): make this server a replica
//! of another, or promote it with `NO ONE`.
//!
//! Owns: the command's argument checks and replies. The state change itself is
//! `replication::replica::{set_master, unset_master}`; this file must never touch the link.

use super::flags::{ADMIN, NOSCRIPT, STALE};
use super::server_cmds::client_cmd::{client_info_line, SelfInfo};
use super::server_cmds::cmd;
use super::{Argv, CommandSpec, Ctx};
use crate::client::flags as cf;
use crate::log::Level;
use crate::serverlog;

pub const COMMANDS: &[CommandSpec] = &[
    cmd(
        "replicaof",
        replicaof,
        3,
        ADMIN | NOSCRIPT | STALE,
        "Make the server a replica of another instance, or promote it as master.",
        "5.0.0",
        "host port | NO ONE",
        &[],
    ),
    cmd(
        "slaveof",
        replicaof,
        3,
        ADMIN | NOSCRIPT | STALE,
        "Make the server a replica of another instance, or promote it as master.",
        "1.0.0",
        "host port | NO ONE",
        &[],
    ),
];

/// The calling client as CLIENT LIST shows it, for the log line (catClientInfoString).
fn caller_info(ctx: &Ctx<'_>, argv: &Argv<'_>) -> String {
    let me = SelfInfo {
        key: ctx.cid,
        argv_mem: argv.iter().map(<[u8]>::len).sum(),
        cmd_id: ctx.cmd_id,
    };
    let mut s = String::new();
    client_info_line(ctx.srv, ctx.cid, Some(&me), &mut s);
    s
}

/// `REPLICAOF host port` / `REPLICAOF NO ONE` (also `SLAVEOF`).
fn replicaof(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if ctx.srv.config.cluster_enabled {
        ctx.err("ERR REPLICAOF not allowed in cluster mode.");
        return;
    }
    if crate::replication::failover::in_progress(ctx.srv) {
        ctx.err("ERR REPLICAOF not allowed while failing over.");
        return;
    }
    if argv.is(1, "no") && argv.is(2, "one") {
        if ctx.srv.repl.replica.is_replica() {
            crate::replication::replica::unset_master(ctx.srv);
            let who = caller_info(ctx, argv);
            serverlog!(
                Level::Notice,
                "MASTER MODE enabled (user request from '{who}')"
            );
        }
        ctx.ok();
        return;
    }
    if ctx.client().has_flag(cf::REPLICA) {
        ctx.err("ERR Command is not valid when client is a replica.");
        return;
    }
    let port = match crate::util::numeric::parse_i64(argv.get(2)) {
        Some(p) if (0..=65535).contains(&p) => p as u16,
        _ => {
            ctx.err("ERR Invalid master port");
            return;
        }
    };
    let host = String::from_utf8_lossy(argv.get(1)).into_owned();
    if let Some((h, p)) = &ctx.srv.repl.replica.master {
        if h.eq_ignore_ascii_case(&host) && *p == port {
            serverlog!(
                Level::Notice,
                "REPLICAOF would result into synchronization with the master we are already connected with. No operation performed."
            );
            ctx.status("OK Already connected to specified master");
            return;
        }
    }
    crate::replication::replica::set_master(ctx.srv, &host, port);
    let who = caller_info(ctx, argv);
    serverlog!(
        Level::Notice,
        "REPLICAOF {host}:{port} enabled (user request from '{who}')"
    );
    ctx.ok();
}
