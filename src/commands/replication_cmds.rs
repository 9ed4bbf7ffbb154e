//! The replication commands a master answers: SYNC, PSYNC, REPLCONF, WAIT, and ROLE's
//! reply (the ROLE entry itself lives with the server commands).
//!
//! Owns: argument parsing and replies of these commands. The work (replica states, the
//! backlog, full and partial resync, WAIT's blocking) is `replication::master`'s; ROLE on a
//! replica is `replication::replica::role`'s. It must never write to a socket itself.

use super::server_cmds::cmd;
use crate::commands::flags::*;
use crate::commands::{Argv, CommandSpec, Ctx};

pub const COMMANDS: &[CommandSpec] = &[
    cmd(
        "sync",
        sync,
        1,
        ADMIN | NO_MULTI | NOSCRIPT,
        "Internal command used for replication",
        "1.0.0",
        "", &[]),
    cmd(
        "psync",
        sync,
        -3,
        ADMIN | NO_MULTI | NOSCRIPT,
        "Internal command used for replication",
        "2.8.0",
        "replicationid offset", &[]),
    cmd(
        "replconf",
        replconf,
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | ALLOW_BUSY,
        "An internal command for configuring the replication stream",
        "3.0.0",
        "", &[]),
    CommandSpec {
        group: "generic",
        ..cmd(
            "wait",
            wait,
            3,
            NOSCRIPT,
            "Wait for the synchronous replication of all the write commands sent in the context of the current connection",
            "3.0.0",
            "numreplicas timeout", &[])
    },
];

/// `SYNC` / `PSYNC <replid> <offset>`: a replica asks for the stream. No reply here: the
/// master side answers +FULLRESYNC or +CONTINUE on the socket and then streams.
fn sync(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let cid = ctx.cid;
    let me = crate::commands::server_cmds::client_cmd::SelfInfo {
        key: cid,
        argv_mem: argv.iter().map(<[u8]>::len).sum(),
        cmd_id: ctx.cmd_id,
    };
    let who = |srv: &crate::server::Server| {
        let mut s = String::new();
        crate::commands::server_cmds::client_cmd::client_info_line(srv, cid, Some(&me), &mut s);
        s
    };
    if crate::replication::failover::sync_precheck(ctx.srv, cid, argv, who) {
        crate::replication::master::sync_command(ctx.srv, cid, argv);
    }
}

/// `REPLCONF <option> <value> [<option> <value> ...]`: listening-port, ip-address, capa,
/// ack, getack, rdb-only, rdb-filter-only.
fn replconf(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let cid = ctx.cid;
    crate::replication::master::replconf(ctx.srv, cid, argv);
}

/// `WAIT numreplicas timeout`: the number of replicas that acknowledged every write so far,
/// once at least `numreplicas` did or after `timeout` milliseconds (0 = forever).
fn wait(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if ctx.srv.repl.replica.is_replica() {
        ctx.err("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.");
        return;
    }
    let Some(numreplicas) = crate::util::numeric::parse_i64(argv.get(1)) else {
        ctx.err("ERR value is not an integer or out of range");
        return;
    };
    let Some(timeout) = crate::util::numeric::parse_i64(argv.get(2)) else {
        ctx.err("ERR timeout is not an integer or out of range");
        return;
    };
    if timeout < 0 {
        ctx.err("ERR timeout is negative");
        return;
    }
    let can_block = crate::blocked::can_block(ctx);
    let cid = ctx.cid;
    crate::replication::master::wait_command(ctx.srv, cid, numreplicas, timeout, can_block);
}

/// `ROLE` on a master: `master`, its offset, `[ip, port, acknowledged offset]` per online
/// replica. (On a replica the replica side answers first, in the ROLE handler.)
pub fn role(ctx: &mut Ctx<'_>) {
    let (offset, replicas) = crate::replication::master::role_fields(ctx.srv);
    crate::replication::master::write_role(ctx.client(), offset, &replicas);
}
