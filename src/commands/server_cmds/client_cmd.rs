//! CLIENT subcommands (Redis's clientCommand in networking.c).
//!
//! Owns: reading and changing per-connection settings (name, reply mode,
//! no-evict), listing connections in Redis's CLIENT LIST format, killing
//! them, and the client-side-caching and pause subcommands' replies.
//!
//! ```text
//! id=5 addr=127.0.0.1:50012 laddr=127.0.0.1:6379 fd=8 name= age=3 idle=0
//! flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=26 qbuf-free=16864
//! argv-mem=10 multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 omem=0
//! tot-mem=34640 events=r cmd=client|list user=default redir=-1 resp=2
//! ```
//! (one line per client, fields separated by spaces, lines by `\n`).
//! It must never free a client itself: killed clients are scheduled for
//! closing, or closed after their reply when a client kills itself.

use super::{reply_help, sub};
use crate::client::{flags as cf, Client};
use crate::commands::connection::valid_client_name;
use crate::commands::flags::*;
use crate::commands::{container_handler, Argv, CommandSpec, Ctx};
use crate::db::object::parse_canonical_i64;
use crate::server::Server;

const CONN: u32 = NOSCRIPT | LOADING | STALE;

pub const CLIENT: CommandSpec = CommandSpec {
    name: "client",
    handler: container_handler,
    arity: -2,
    flags: SENTINEL,
    first_key: 0,
    last_key: 0,
    key_step: 0,
    group: "connection",
    summary: "A container for client connection commands",
    since: "2.4.0",
    syntax: "",
    subcommands: &[
        sub("caching", client_caching, 3, CONN, "Instruct the server about tracking or not keys in the next request", "6.0.0", "YES|NO"),
        sub("getname", client_getname, 2, CONN | SENTINEL, "Get the current connection name", "2.6.9", ""),
        sub("getredir", client_getredir, 2, CONN | SENTINEL, "Get tracking notifications redirection client ID if any", "6.0.0", ""),
        sub("help", client_help, 2, LOADING | STALE | SENTINEL, "Show helpful text about the different subcommands", "5.0.0", ""),
        sub("id", client_id, 2, CONN | SENTINEL, "Returns the client ID for the current connection", "5.0.0", ""),
        sub("info", client_info, 2, CONN | SENTINEL, "Returns information about the current client connection.", "6.2.0", ""),
        sub("kill", client_kill, -3, ADMIN | CONN | SENTINEL, "Kill the connection of a client", "2.4.0", "ip:port | [ID client-id] [TYPE NORMAL|MASTER|SLAVE|REPLICA|PUBSUB] [USER username] [ADDR ip:port] [LADDR ip:port] [SKIPME yes/no]"),
        sub("list", client_list, -2, ADMIN | CONN | SENTINEL, "Get the list of client connections", "2.4.0", "[TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]"),
        sub("no-evict", client_no_evict, 3, ADMIN | CONN, "Set client eviction mode for the current connection", "7.0.0", "ON|OFF"),
        sub("pause", client_pause, -3, ADMIN | CONN, "Stop processing commands from clients for some time", "2.9.50", "timeout [WRITE|ALL]"),
        sub("reply", client_reply, 3, CONN | SENTINEL, "Instruct the server whether to reply to commands", "3.2.0", "ON|OFF|SKIP"),
        sub("setname", client_setname, 3, CONN | SENTINEL, "Set the current connection name", "2.6.9", "connection-name"),
        sub("tracking", client_tracking, -3, CONN, "Enable or disable server assisted client side caching support", "6.0.0", "ON|OFF [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]"),
        sub("trackinginfo", client_trackinginfo, 2, CONN, "Return information about server assisted client side caching for the current connection", "6.2.0", ""),
        sub("unblock", client_unblock, -3, ADMIN | CONN | SENTINEL, "Unblock a client blocked in a blocking command from a different connection", "5.0.0", "client-id [TIMEOUT|ERROR]"),
        sub("unpause", client_unpause, 2, ADMIN | CONN | SENTINEL, "Resume processing of clients that were paused", "6.2.0", ""),
    ],
};

/// Client classes of TYPE filters (Redis's CLIENT_TYPE_*).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ClientType {
    Normal,
    Replica,
    Pubsub,
    Master,
}

/// Redis's getClientTypeByName.
pub fn client_type_by_name(name: &[u8]) -> Option<ClientType> {
    let n = name.to_ascii_lowercase();
    match n.as_slice() {
        b"normal" => Some(ClientType::Normal),
        b"slave" | b"replica" => Some(ClientType::Replica),
        b"pubsub" => Some(ClientType::Pubsub),
        b"master" => Some(ClientType::Master),
        _ => None,
    }
}

/// Redis's getClientType: monitors count as normal clients.
pub fn client_type(c: &Client) -> ClientType {
    if c.has_flag(cf::MASTER) {
        ClientType::Master
    } else if c.has_flag(cf::REPLICA) && !c.has_flag(cf::MONITOR) {
        ClientType::Replica
    } else if c.has_flag(cf::PUBSUB) {
        ClientType::Pubsub
    } else {
        ClientType::Normal
    }
}

/// True for clients on the loopback interface or the unix socket (the
/// `local` setting of enable-debug-command and protected configs).
pub fn is_local(c: &Client) -> bool {
    c.has_flag(cf::UNIX_SOCKET)
        || c.addr.starts_with("127.")
        || c.addr.starts_with("[::1]")
        || c.addr.starts_with("[::ffff:127.")
}

/// What the calling client's own line needs that the client record does
/// not hold while its command runs.
pub struct SelfInfo {
    pub key: usize,
    /// Bytes of the running command's arguments (argv-mem).
    pub argv_mem: usize,
    /// Table id of the running command: Redis sets a client's `lastcmd`
    /// before running it, so a client listing itself shows `cmd=client|list`.
    pub cmd_id: usize,
}

/// Appends one CLIENT LIST line (without the newline) for client `key`.
pub fn client_info_line(srv: &Server, key: usize, me: Option<&SelfInfo>, out: &mut String) {
    use std::fmt::Write;
    let Some(c) = srv.clients.get(key) else {
        return;
    };
    let mut flags = String::new();
    if c.has_flag(cf::MONITOR) {
        flags.push('O');
    } else if c.has_flag(cf::REPLICA) {
        flags.push('S');
    }
    if c.has_flag(cf::MASTER) {
        flags.push('M');
    }
    if c.has_flag(cf::PUBSUB) {
        flags.push('P');
    }
    if c.has_flag(cf::MULTI) {
        flags.push('x');
    }
    if c.has_flag(cf::BLOCKED) {
        flags.push('b');
    }
    if c.has_flag(cf::DIRTY_CAS) {
        flags.push('d');
    }
    if c.has_flag(cf::CLOSE_AFTER_REPLY) {
        flags.push('c');
    }
    if c.has_flag(cf::CLOSE_ASAP) {
        flags.push('A');
    }
    if c.has_flag(cf::UNIX_SOCKET) {
        flags.push('U');
    }
    if c.has_flag(cf::NO_EVICT) {
        flags.push('e');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let is_self = me.is_some_and(|m| m.key == key);
    // While a client's command runs its query buffer is lent to the
    // dispatcher: `qb_end` still tells how much it holds.
    let qbuf = c.qb_end;
    let qbuf_size = if is_self && c.querybuf.is_empty() {
        qbuf.max(crate::client::PROTO_IOBUF_LEN)
    } else {
        c.querybuf.len()
    };
    let qbuf_free = qbuf_size.saturating_sub(qbuf);
    let argv_mem = if is_self {
        me.map_or(0, |m| m.argv_mem)
    } else {
        0
    };
    let multi_mem = c.mstate.argv_len_sums;
    let chunks = c.reply_chunks();
    // The first reply chunk plays Redis's static buffer `buf` (rbs and its
    // peak rbp, obl); further chunks are its reply list (oll, omem).
    let rbs = crate::client::PROTO_IOBUF_LEN;
    let obl = if chunks <= 1 { c.reply_bytes } else { 0 };
    let oll = chunks.saturating_sub(1);
    // A replica's unsent share of the replication stream is part of its output memory, as
    // Redis 7 counts the replication buffer blocks a replica references.
    let unsent = crate::replication::master::unsent_stream_bytes(&srv.repl, c);
    let omem = if oll > 0 { c.reply_memory() } else { 0 } + unsent;
    let tot_mem =
        super::info::client_memory(c) + (argv_mem + crate::multi::mem_overhead(c) + unsent) as u64;
    let mut events = String::from("r");
    if c.has_pending_replies() && !is_self {
        events.push('w');
    }
    let now_ms = crate::db::mstime();
    let cmd = c
        .last_cmd
        .map(|id| srv.commands.full_names[id].as_str())
        .unwrap_or("NULL");
    let cmd = match me {
        Some(m) if is_self => srv.commands.full_names[m.cmd_id].as_str(),
        _ => cmd,
    };
    let _ = write!(
        out,
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} qbuf={} qbuf-free={} argv-mem={} multi-mem={} rbs={} rbp={} obl={} oll={} omem={} tot-mem={} events={} cmd={} user=default redir=-1 resp={}",
        c.id,
        c.addr,
        c.laddr,
        c.conn.raw_fd(),
        c.name.as_deref().map(String::from_utf8_lossy).unwrap_or_default(),
        (now_ms / 1000 - c.ctime).max(0),
        ((now_ms - c.last_interaction_ms) / 1000).max(0),
        flags,
        c.db,
        c.pubsub.channels.len(),
        c.pubsub.patterns.len(),
        c.pubsub.shard_channels.len(),
        if c.has_flag(cf::MULTI) { c.mstate.commands.len() as i64 } else { -1 },
        qbuf,
        qbuf_free,
        argv_mem,
        multi_mem,
        rbs,
        rbs,
        obl,
        oll,
        omem,
        tot_mem,
        events,
        cmd,
        c.resp,
    );
}

fn self_info(ctx: &Ctx<'_>, argv: &Argv<'_>) -> SelfInfo {
    SelfInfo {
        key: ctx.cid,
        argv_mem: argv.iter().map(|a| a.len()).sum(),
        cmd_id: ctx.cmd_id,
    }
}

/// `CLIENT ID`.
fn client_id(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let id = ctx.client().id as i64;
    ctx.int(id);
}

/// `CLIENT INFO`: the caller's own line, verbatim.
fn client_info(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let me = self_info(ctx, argv);
    let mut s = String::with_capacity(300);
    client_info_line(ctx.srv, ctx.cid, Some(&me), &mut s);
    s.push('\n');
    ctx.client().add_verbatim(s.as_bytes());
}

/// `CLIENT LIST [TYPE type] [ID id [id ...]]`.
fn client_list(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let me = self_info(ctx, argv);
    let mut keys: Vec<usize> = Vec::new();
    if argv.len() == 4 && argv.is(2, "type") {
        let Some(t) = client_type_by_name(argv.get(3)) else {
            let name = String::from_utf8_lossy(argv.get(3)).into_owned();
            ctx.err(&format!("ERR Unknown client type '{name}'"));
            return;
        };
        keys.extend(clients_by_id(ctx.srv).filter(|&k| client_type(&ctx.srv.clients[k]) == t));
    } else if argv.len() > 3 && argv.is(2, "id") {
        for a in argv.iter().skip(3) {
            let Some(id) = parse_canonical_i64(a) else {
                ctx.err("ERR Invalid client ID");
                return;
            };
            if let Some(k) = lookup_client_by_id(ctx.srv, id) {
                keys.push(k);
            }
        }
    } else if argv.len() != 2 {
        ctx.syntax_error();
        return;
    } else {
        keys.extend(clients_by_id(ctx.srv));
    }
    let mut s = String::with_capacity(keys.len() * 300);
    for k in keys {
        client_info_line(ctx.srv, k, Some(&me), &mut s);
        s.push('\n');
    }
    ctx.client().add_verbatim(s.as_bytes());
}

/// Slab keys of all clients in connection order (by id).
fn clients_by_id(srv: &Server) -> impl Iterator<Item = usize> {
    let mut v: Vec<(u64, usize)> = srv.clients.iter().map(|(k, c)| (c.id, k)).collect();
    v.sort_unstable();
    v.into_iter().map(|(_, k)| k)
}

pub fn lookup_client_by_id(srv: &Server, id: i64) -> Option<usize> {
    srv.clients
        .iter()
        .find(|(_, c)| c.id as i64 == id)
        .map(|(k, _)| k)
}

/// `CLIENT KILL ip:port` (old form: `+OK` or `-ERR No such client`; may
/// kill the caller) or `CLIENT KILL <filter> <value> ...` (count of killed
/// clients; skips the caller unless `SKIPME no`).
fn client_kill(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let mut addr: Option<&[u8]> = None;
    let mut laddr: Option<&[u8]> = None;
    let mut ctype: Option<ClientType> = None;
    let mut id: u64 = 0;
    let mut skipme = true;
    let mut maxage: Option<i64> = None;
    if argv.len() == 3 {
        addr = Some(argv.get(2));
        skipme = false;
    } else {
        let mut i = 2;
        while i < argv.len() {
            let more = i + 1 < argv.len();
            if argv.is(i, "id") && more {
                match parse_canonical_i64(argv.get(i + 1)) {
                    Some(v) if v >= 1 => id = v as u64,
                    _ => {
                        ctx.err("ERR client-id should be greater than 0");
                        return;
                    }
                }
            } else if argv.is(i, "type") && more {
                match client_type_by_name(argv.get(i + 1)) {
                    Some(t) => ctype = Some(t),
                    None => {
                        let n = String::from_utf8_lossy(argv.get(i + 1)).into_owned();
                        ctx.err(&format!("ERR Unknown client type '{n}'"));
                        return;
                    }
                }
            } else if argv.is(i, "addr") && more {
                addr = Some(argv.get(i + 1));
            } else if argv.is(i, "laddr") && more {
                laddr = Some(argv.get(i + 1));
            } else if argv.is(i, "user") && more {
                // The only user until ACL lands is `default`.
                if argv.get(i + 1) != b"default" {
                    let n = String::from_utf8_lossy(argv.get(i + 1)).into_owned();
                    ctx.err(&format!("ERR No such user '{n}'"));
                    return;
                }
            } else if argv.is(i, "skipme") && more {
                if argv.is(i + 1, "yes") {
                    skipme = true;
                } else if argv.is(i + 1, "no") {
                    skipme = false;
                } else {
                    ctx.syntax_error();
                    return;
                }
            } else if argv.is(i, "maxage") && more {
                match parse_canonical_i64(argv.get(i + 1)) {
                    Some(v) => maxage = Some(v),
                    None => {
                        ctx.err("ERR value is not an integer or out of range");
                        return;
                    }
                }
            } else {
                ctx.syntax_error();
                return;
            }
            i += 2;
        }
    }
    let now_s = crate::db::mstime() / 1000;
    let me = ctx.cid;
    let victims: Vec<usize> = ctx
        .srv
        .clients
        .iter()
        .filter(|(k, c)| {
            addr.map_or(true, |a| c.addr.as_bytes() == a)
                && laddr.map_or(true, |a| c.laddr.as_bytes() == a)
                && ctype.map_or(true, |t| client_type(c) == t)
                && (id == 0 || c.id == id)
                && maxage.map_or(true, |m| now_s - c.ctime >= m)
                && !(*k == me && skipme)
        })
        .map(|(k, _)| k)
        .collect();
    let killed = victims.len();
    let mut close_self = false;
    for k in victims {
        if k == me {
            close_self = true;
        } else {
            crate::networking::schedule_close(ctx.srv, k);
        }
    }
    if argv.len() == 3 {
        if killed == 0 {
            ctx.err("ERR No such client");
        } else {
            ctx.ok();
        }
    } else {
        ctx.int(killed as i64);
    }
    if close_self {
        ctx.client().flags |= cf::CLOSE_AFTER_REPLY;
    }
}

/// `CLIENT SETNAME name`: printable ASCII without spaces; "" removes it.
fn client_setname(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let name = argv.get(2);
    if !valid_client_name(name) {
        ctx.err("ERR Client names cannot contain spaces, newlines or special characters.");
        return;
    }
    let c = ctx.client();
    c.name = if name.is_empty() {
        None
    } else {
        Some(name.to_vec())
    };
    c.add_ok();
}

/// `CLIENT GETNAME`: the name or a null.
fn client_getname(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let c = ctx.client();
    match c.name.clone() {
        Some(n) => c.add_bulk(&n),
        None => c.add_null(),
    }
}

/// `CLIENT REPLY ON|OFF|SKIP`: only ON answers (`+OK`).
fn client_reply(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let c = ctx.client();
    if argv.is(2, "on") {
        c.flags &= !(cf::REPLY_SKIP | cf::REPLY_SKIP_NEXT | cf::REPLY_OFF);
        c.add_ok();
    } else if argv.is(2, "off") {
        c.flags |= cf::REPLY_OFF;
    } else if argv.is(2, "skip") {
        if !c.has_flag(cf::REPLY_OFF) {
            c.flags |= cf::REPLY_SKIP_NEXT;
        }
    } else {
        ctx.syntax_error();
    }
}

/// `CLIENT NO-EVICT ON|OFF`.
fn client_no_evict(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let c = ctx.client();
    if argv.is(2, "on") {
        c.flags |= cf::NO_EVICT;
        c.add_ok();
    } else if argv.is(2, "off") {
        c.flags &= !cf::NO_EVICT;
        c.add_ok();
    } else {
        ctx.syntax_error();
    }
}

/// `CLIENT PAUSE timeout [WRITE|ALL]`: holds back every command (ALL, the default) or the
/// writes and commands that may replicate (WRITE) of every client but replicas for
/// `timeout` milliseconds; a pause already in force keeps the stronger type and later end.
fn client_pause(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    use crate::pause::{PauseType, Purpose};
    if argv.len() > 4 {
        super::subcommand_syntax_error(ctx, argv);
        return;
    }
    let mut kind = PauseType::All;
    if argv.len() == 4 {
        if argv.is(3, "write") {
            kind = PauseType::Write;
        } else if !argv.is(3, "all") {
            ctx.err("ERR CLIENT PAUSE mode must be WRITE or ALL");
            return;
        }
    }
    // Redis's getTimeoutFromObjectOrReply in milliseconds: 0 is an end already past.
    let Some(ms) = parse_canonical_i64(argv.get(2)) else {
        ctx.err("ERR timeout is not an integer or out of range");
        return;
    };
    if ms < 0 {
        ctx.err("ERR timeout is negative");
        return;
    }
    let now = ctx.srv.ks.now_ms;
    if ms > 0 && ms > i64::MAX - now {
        ctx.err("ERR timeout is out of range");
        return;
    }
    let end = if ms > 0 { now + ms } else { 0 };
    crate::pause::pause_clients(ctx.srv, Purpose::ClientCommand, end, kind);
    ctx.ok();
}

/// `CLIENT UNPAUSE`: ends the pause CLIENT PAUSE started (not a SHUTDOWN's or FAILOVER's).
fn client_unpause(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    crate::pause::unpause_clients(ctx.srv, crate::pause::Purpose::ClientCommand);
    ctx.ok();
}

/// `CLIENT UNBLOCK id [TIMEOUT|ERROR]`: releases a client blocked in BLPOP and friends, with
/// the reply of a timeout or an `-UNBLOCKED` error; 1 if it was blocked, else 0.
fn client_unblock(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.len() > 4 {
        super::subcommand_syntax_error(ctx, argv);
        return;
    }
    if argv.len() == 4 && !argv.is(3, "timeout") && !argv.is(3, "error") {
        ctx.err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
        return;
    }
    let Some(id) = parse_canonical_i64(argv.get(2)) else {
        ctx.err("ERR value is not an integer or out of range");
        return;
    };
    let error = argv.len() == 4 && argv.is(3, "error");
    let unblocked = crate::blocked::unblock_by_request(ctx.srv, id as u64, error);
    ctx.int(i64::from(unblocked));
}

/// `CLIENT TRACKING ON|OFF [...]`: OFF is accepted (tracking is never on);
/// ON needs the client-side caching subsystem, not built yet.
fn client_tracking(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.is(2, "off") {
        ctx.ok();
    } else if argv.is(2, "on") {
        ctx.err("ERR client-side caching (CLIENT TRACKING ON) is not supported by this server yet");
    } else {
        ctx.syntax_error();
    }
}

/// `CLIENT CACHING YES|NO`: only valid in OPTIN/OPTOUT tracking mode.
fn client_caching(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    ctx.err("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
}

/// `CLIENT GETREDIR`: -1 when not tracking.
fn client_getredir(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    ctx.int(-1);
}

/// `CLIENT TRACKINGINFO`: flags `off`, redirect -1, no prefixes.
fn client_trackinginfo(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let c = ctx.client();
    c.add_map_len(3);
    c.add_bulk(b"flags");
    c.add_set_len(1);
    c.add_bulk(b"off");
    c.add_bulk(b"redirect");
    c.add_int(-1);
    c.add_bulk(b"prefixes");
    c.add_array_len(0);
}

const HELP: &[&str] = &[
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
];

fn client_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    reply_help(ctx, argv, HELP);
}
