//! TIME, LASTSAVE, SHUTDOWN, ROLE, LOLWUT, MEMORY *, FUNCTION FLUSH/LIST
//! (and the other FUNCTION subcommands' empty-library answers).
//!
//! Owns: these commands' replies. SHUTDOWN runs Redis's graceful sequence
//! (`Server::prepare_for_shutdown`: stop a BGSAVE child, final save, remove
//! pid file and unix socket) and exits 0. FUNCTION keeps no
//! libraries: the scripting issue replaces it. It must never block the event
//! loop (a SHUTDOWN waiting for replicas blocks only its caller).

use super::info::mem_overhead;
use super::{cmd, reply_help, sub, subcommand_syntax_error};
use crate::commands::flags::*;
use crate::commands::{container_handler, Argv, CommandSpec, Ctx};
use crate::db::object::{StrValue, ValueRef};

pub const TIME: CommandSpec = cmd(
    "time",
    time,
    1,
    LOADING | STALE | FAST,
    "Return the current server time",
    "2.6.0",
    "",
    &[],
);
pub const LASTSAVE: CommandSpec = cmd(
    "lastsave",
    lastsave,
    1,
    LOADING | STALE | FAST,
    "Get the UNIX time stamp of the last successful save to disk",
    "1.0.0",
    "",
    &[],
);
pub const SHUTDOWN: CommandSpec = cmd(
    "shutdown",
    shutdown,
    -1,
    ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | SENTINEL | ALLOW_BUSY,
    "Synchronously save the dataset to disk and then shut down the server",
    "1.0.0",
    "[NOSAVE|SAVE] [NOW] [FORCE] [ABORT]",
    &[],
);
pub const ROLE: CommandSpec = cmd(
    "role",
    role,
    1,
    NOSCRIPT | LOADING | STALE | FAST | SENTINEL,
    "Return the role of the instance in the context of replication",
    "2.8.12",
    "",
    &[],
);
pub const LOLWUT: CommandSpec = cmd(
    "lolwut",
    lolwut,
    -1,
    READONLY | FAST,
    "Display some computer art and the Redis version",
    "5.0.0",
    "[VERSION version]",
    &[],
);

pub const MEMORY: CommandSpec = CommandSpec {
    name: "memory",
    handler: container_handler,
    arity: -2,
    flags: 0,
    first_key: 0,
    last_key: 0,
    key_step: 0,
    group: "server",
    summary: "A container for memory diagnostics commands",
    since: "4.0.0",
    syntax: "",
    subcommands: &[
        sub(
            "doctor",
            memory_doctor,
            2,
            0,
            "Outputs memory problems report",
            "4.0.0",
            "",
        ),
        sub(
            "help",
            memory_help,
            2,
            LOADING | STALE,
            "Show helpful text about the different subcommands",
            "4.0.0",
            "",
        ),
        sub(
            "malloc-stats",
            memory_malloc_stats,
            2,
            0,
            "Show allocator internal stats",
            "4.0.0",
            "",
        ),
        sub(
            "purge",
            memory_purge,
            2,
            0,
            "Ask the allocator to release memory",
            "4.0.0",
            "",
        ),
        sub(
            "stats",
            memory_stats,
            2,
            0,
            "Show memory usage details",
            "4.0.0",
            "",
        ),
        CommandSpec {
            first_key: 2,
            last_key: 2,
            key_step: 1,
            ..sub(
                "usage",
                memory_usage,
                -3,
                READONLY,
                "Estimate the memory usage of a key",
                "4.0.0",
                "key [SAMPLES count]",
            )
        },
    ],
};

pub const FUNCTION: CommandSpec = CommandSpec {
    name: "function",
    handler: container_handler,
    arity: -2,
    flags: 0,
    first_key: 0,
    last_key: 0,
    key_step: 0,
    group: "scripting",
    summary: "A container for function commands",
    since: "7.0.0",
    syntax: "",
    subcommands: &[
        sub(
            "delete",
            function_delete,
            3,
            NOSCRIPT | WRITE,
            "Delete a function by name",
            "7.0.0",
            "library-name",
        ),
        sub(
            "dump",
            function_dump,
            2,
            NOSCRIPT,
            "Dump all functions into a serialized binary payload",
            "7.0.0",
            "",
        ),
        sub(
            "flush",
            function_flush,
            -2,
            NOSCRIPT | WRITE,
            "Deleting all functions",
            "7.0.0",
            "[ASYNC|SYNC]",
        ),
        sub(
            "help",
            function_help,
            2,
            LOADING | STALE,
            "Show helpful text about the different subcommands",
            "7.0.0",
            "",
        ),
        sub(
            "kill",
            function_kill,
            2,
            NOSCRIPT | ALLOW_BUSY,
            "Kill the function currently in execution.",
            "7.0.0",
            "",
        ),
        sub(
            "list",
            function_list,
            -2,
            NOSCRIPT,
            "List information about all the functions",
            "7.0.0",
            "[LIBRARYNAME library-name-pattern] [WITHCODE]",
        ),
        sub(
            "load",
            function_load,
            -3,
            NOSCRIPT | WRITE | DENYOOM,
            "Create a function with the given arguments (name, code, description)",
            "7.0.0",
            "[REPLACE] function-code",
        ),
        sub(
            "restore",
            function_restore,
            -3,
            NOSCRIPT | WRITE | DENYOOM,
            "Restore all the functions on the given payload",
            "7.0.0",
            "serialized-value [FLUSH|APPEND|REPLACE]",
        ),
        sub(
            "stats",
            function_stats,
            2,
            NOSCRIPT | ALLOW_BUSY,
            "Return information about the function currently running (name, description, duration)",
            "7.0.0",
            "",
        ),
    ],
};

/// `TIME`: `[unix seconds, microseconds]` as bulk strings.
fn time(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let c = ctx.client();
    c.add_array_len(2);
    c.add_bulk_int(now.as_secs() as i64);
    c.add_bulk_int(now.subsec_micros() as i64);
}

/// `LASTSAVE`: unix time of the last successful save.
fn lastsave(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let t = ctx.srv.rdb.lastsave;
    ctx.int(t);
}

/// `ROLE`: `["master", repl-offset, [replicas...]]`.
fn role(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    if let Some(fields) = crate::replication::replica::role_fields(ctx.srv) {
        crate::replication::replica::write_role(ctx.client(), &fields);
        return;
    }
    crate::commands::replication_cmds::role(ctx);
}

/// `SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]`: saves when save points
/// exist (SAVE: always, NOSAVE: never) and exits 0 without replying. Unless
/// NOW, lagging replicas are waited for first (up to shutdown-timeout) with the
/// caller blocked; a failed save answers an error and the server goes on,
/// unless FORCE. ABORT cancels a shutdown that waits or a signal asked for.
fn shutdown(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    use crate::config::shutdown as sf;
    let mut flags = 0;
    let mut abort = false;
    for i in 1..argv.len() {
        if argv.is(i, "nosave") {
            flags |= sf::NOSAVE;
        } else if argv.is(i, "save") {
            flags |= sf::SAVE;
        } else if argv.is(i, "now") {
            flags |= sf::NOW;
        } else if argv.is(i, "force") {
            flags |= sf::FORCE;
        } else if argv.is(i, "abort") {
            abort = true;
        } else {
            ctx.syntax_error();
            return;
        }
    }
    if (abort && flags != 0) || (flags & sf::NOSAVE != 0 && flags & sf::SAVE != 0) {
        ctx.syntax_error();
        return;
    }
    if abort {
        if ctx.srv.abort_shutdown() {
            ctx.ok();
        } else {
            ctx.err("ERR No shutdown in progress.");
        }
        return;
    }
    if flags & sf::NOW == 0 && ctx.deny_blocking() {
        ctx.err("ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client");
        return;
    }
    // Blocked until the shutdown ends: a failure or an abort answers the error.
    let cid = ctx.cid;
    crate::shutdown::block_client(ctx.srv, cid);
    if ctx.srv.prepare_for_shutdown(flags) {
        ctx.srv.exit(0);
    }
}

/// `LOLWUT [VERSION v]`: Redis 7's answer ends with the version line.
fn lolwut(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let mut i = 1;
    while i < argv.len() {
        if argv.is(i, "version") && i + 1 < argv.len() {
            if crate::db::object::parse_canonical_i64(argv.get(i + 1)).is_none() {
                ctx.err("ERR value is not an integer or out of range");
                return;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    let text = format!("Redis ver. {}\n", crate::server::REDIS_VERSION);
    ctx.client().add_verbatim(text.as_bytes());
}

/// jemalloc's size class for an `n`-byte request (what Redis's
/// zmalloc_size reports): 8, then multiples of 16 up to 128, then four
/// classes per power of two (160, 192, 224, 256, 320 ...).
pub fn jemalloc_size(n: u64) -> u64 {
    if n <= 8 {
        return 8;
    }
    let step = (n.next_power_of_two() / 8).max(16);
    n.div_ceil(step) * step
}

/// Header bytes of an sds string of length `len` (types 5, 8, 16, 32, 64).
fn sds_header(len: u64, allow_type5: bool) -> u64 {
    if len < 32 && allow_type5 {
        1
    } else if len < 256 {
        3
    } else if len < 65536 {
        5
    } else if len <= u32::MAX as u64 {
        9
    } else {
        17
    }
}

/// Redis's objectComputeSize for a sorted set: a 16-byte robj plus the listpack's allocation,
/// or for a skiplist the zset, zskiplist and dict structs (16 + 32 + 56 bytes), 8 bytes per
/// bucket, the 32-level header node, and per member a 24-byte dictEntry, its sds buffer and
/// its node (24 bytes + 16 per level), averaged over the first `samples` members and scaled
/// to all.
fn zset_usage(z: &crate::db::zset::ZSetValue, samples: usize) -> u64 {
    if let Some(lp) = z.listpack() {
        return 16 + jemalloc_size(lp.bytes_len() as u64);
    }
    let Some(b) = z.big() else {
        return 16;
    };
    let (b0, b1) = b.dict.buckets();
    let header = jemalloc_size(24 + 16 * crate::db::skiplist::MAX_LEVEL as u64);
    let mut size = 16 + 16 + 32 + 56 + 8 * (b0 + b1) as u64 + header;
    let sds = |len: usize| jemalloc_size(sds_header(len as u64, true) + len as u64 + 1);
    let (mut elesize, mut seen) = (0u64, 0u64);
    let mut node = b.zsl.first();
    while let Some(n) = node {
        if seen as usize >= samples {
            break;
        }
        let levels = b.zsl.node_level(n) as u64;
        elesize += sds(b.zsl.ele(n).len()) + 24 + jemalloc_size(24 + 16 * levels);
        seen += 1;
        node = b.zsl.next(n);
    }
    if seen > 0 {
        size += (elesize as f64 / seen as f64 * b.dict.len() as f64) as u64;
    }
    size
}

/// Redis's objectComputeSize for a hash: a 16-byte robj plus the listpack's allocation, or
/// for a hashtable the dict struct (56 bytes), 8 bytes per bucket, and per entry a 24-byte
/// dictEntry and the field's and value's sds buffers, averaged over the first `samples`
/// entries and scaled to all.
fn hash_usage(h: &crate::db::hash::HashValue, samples: usize) -> u64 {
    if let Some(lp) = h.as_listpack() {
        return 16 + jemalloc_size(lp.bytes_len() as u64);
    }
    let Some(t) = h.as_table() else {
        return 16;
    };
    let (b0, b1) = t.buckets();
    let mut size = 16 + 56 + 8 * (b0 + b1) as u64;
    let sds = |len: usize| jemalloc_size(sds_header(len as u64, true) + len as u64 + 1);
    let (mut elesize, mut seen) = (0u64, 0u64);
    for (k, v) in t.iter().take(samples) {
        elesize += sds(k.len()) + sds(v.len()) + 24;
        seen += 1;
    }
    if seen > 0 {
        size += (elesize as f64 / seen as f64 * t.len() as f64) as u64;
    }
    size
}

/// `MEMORY USAGE key [SAMPLES count]`: bytes of the key, its value and its
/// table entry, counted as Redis counts them with jemalloc (a robj is 16
/// bytes, a dict entry 24, strings live in size-classed sds buffers).
fn memory_usage(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let mut j = 3;
    // Elements of an aggregate value measured to estimate the rest (Redis's
    // OBJ_COMPUTE_SIZE_DEF_SAMPLES, 5); SAMPLES 0 measures all.
    let mut samples: usize = 5;
    while j < argv.len() {
        if argv.is(j, "samples") && j + 1 < argv.len() {
            match crate::db::object::parse_canonical_i64(argv.get(j + 1)) {
                None => {
                    ctx.err("ERR value is not an integer or out of range");
                    return;
                }
                Some(s) if s < 0 => {
                    ctx.syntax_error();
                    return;
                }
                Some(0) => samples = usize::MAX,
                Some(s) => samples = usize::try_from(s).unwrap_or(usize::MAX),
            }
            j += 2;
        } else {
            ctx.syntax_error();
            return;
        }
    }
    let db = ctx.db();
    let key = argv.get(2);
    let usage = ctx.srv.ks.dbs[db].dict.get(key).map(|o| match o.value() {
        ValueRef::Str(StrValue::Int(_)) => 16,
        ValueRef::Str(StrValue::Emb(b)) => jemalloc_size(16 + 3 + b.len() as u64 + 1),
        ValueRef::Str(StrValue::Raw(v)) => {
            16 + jemalloc_size(sds_header(v.capacity() as u64, false) + v.capacity() as u64 + 1)
        }
        ValueRef::Hash(h) => hash_usage(h, samples),
        ValueRef::Set(set) => set_usage(set, samples),
        ValueRef::ZSet(z) => zset_usage(z, samples),
        ValueRef::List(l) => list_usage(l, samples as u64),
    });
    match usage {
        None => ctx.null(),
        Some(u) => {
            let klen = key.len() as u64;
            let total = u + jemalloc_size(sds_header(klen, true) + klen + 1) + 24;
            ctx.int(total as i64);
        }
    }
}

/// Redis's objectComputeSize for a set: the robj (16) plus the intset
/// blob's allocation, or plus the dict (56), its bucket arrays (8 per slot)
/// and the average of the first `samples` members' entries (dictEntry 24 +
/// sds allocation) times the member count.
fn set_usage(set: &crate::db::set::SetValue, samples: usize) -> u64 {
    match set.dict() {
        None => 16 + jemalloc_size(set.intset().map_or(8, |is| is.as_bytes().len() as u64)),
        Some(d) => {
            let (s0, s1) = d.buckets();
            let base = 16 + 56 + 8 * (s0 + s1) as u64;
            let (mut elesize, mut n) = (0u64, 0u64);
            for (k, _) in d.iter().take(samples) {
                let len = k.len() as u64;
                elesize += 24 + jemalloc_size(sds_header(len, true) + len + 1);
                n += 1;
            }
            if n == 0 {
                return base;
            }
            (base as f64 + elesize as f64 / n as f64 * d.len() as f64) as u64
        }
    }
}

/// Redis's objectComputeSize for a quicklist: the robj (16) and quicklist (40) headers, then
/// the average of the first `samples` nodes (a 40-byte quicklistNode plus its allocation: the
/// listpack, the plain element, or an 8-byte LZF header and the compressed bytes) times the
/// node count.
fn list_usage(l: &crate::db::list::ListValue, samples: u64) -> u64 {
    use crate::db::list::NodeRef;
    let mut elesize = 0u64;
    let mut sampled = 0u64;
    for n in l.nodes() {
        let alloc = match n {
            NodeRef::Packed(b) | NodeRef::Plain(b) => b.len() as u64,
            NodeRef::Compressed { lzf, .. } => 8 + lzf.len() as u64,
        };
        elesize += 40 + jemalloc_size(alloc);
        sampled += 1;
        if sampled >= samples {
            break;
        }
    }
    let avg = if sampled == 0 {
        0.0
    } else {
        elesize as f64 / sampled as f64
    };
    16 + 40 + (avg * l.node_count() as f64) as u64
}

/// `%.17g`, as Redis prints doubles in replies.
pub fn fmt_g17(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{v:.16e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let strip = |s: String| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if (-4..17).contains(&exp) {
        let decimals = (16 - exp).max(0) as usize;
        strip(format!("{v:.decimals$}"))
    } else {
        let m = strip(mant.to_string());
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.abs())
    }
}

/// `MEMORY STATS`: Redis's 27 fields plus one map per database with keys.
fn memory_stats(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let mh = mem_overhead(ctx.srv);
    let rss = crate::alloc::rss_bytes();
    let used = mh.used.max(1);
    let frag = rss as f64 / used as f64;
    let c = ctx.client();
    c.add_map_len(27 + mh.dbs.len());
    let int = |c: &mut crate::client::Client, k: &str, v: i64| {
        c.add_bulk(k.as_bytes());
        c.add_int(v);
    };
    int(c, "peak.allocated", mh.peak as i64);
    int(c, "total.allocated", mh.used as i64);
    int(c, "startup.allocated", mh.startup as i64);
    int(c, "replication.backlog", mh.repl_backlog as i64);
    int(c, "clients.slaves", mh.clients_replicas as i64);
    int(c, "clients.normal", mh.clients_normal as i64);
    int(c, "cluster.links", 0);
    int(c, "aof.buffer", mh.aof_buffer as i64);
    int(c, "lua.caches", 0);
    int(c, "functions.caches", 0);
    for &(db, main, expires) in &mh.dbs {
        c.add_bulk(format!("db.{db}").as_bytes());
        c.add_map_len(3);
        int(c, "overhead.hashtable.main", main as i64);
        int(c, "overhead.hashtable.expires", expires as i64);
        int(c, "overhead.hashtable.slot-to-keys", 0);
    }
    int(c, "overhead.total", mh.overhead_total as i64);
    int(c, "keys.count", mh.total_keys as i64);
    int(c, "keys.bytes-per-key", mh.bytes_per_key as i64);
    int(c, "dataset.bytes", mh.dataset as i64);
    let dbl = |c: &mut crate::client::Client, k: &str, v: f64| {
        c.add_bulk(k.as_bytes());
        c.add_double_text(fmt_g17(v).as_bytes());
    };
    dbl(c, "dataset.percentage", mh.dataset_perc);
    dbl(c, "peak.percentage", mh.peak_perc);
    int(c, "allocator.allocated", used as i64);
    int(c, "allocator.active", used as i64);
    int(c, "allocator.resident", rss as i64);
    dbl(c, "allocator-fragmentation.ratio", 1.0);
    int(c, "allocator-fragmentation.bytes", 0);
    dbl(c, "allocator-rss.ratio", frag);
    int(c, "allocator-rss.bytes", rss as i64 - used as i64);
    dbl(c, "rss-overhead.ratio", 1.0);
    int(c, "rss-overhead.bytes", 0);
    dbl(c, "fragmentation", frag);
    int(c, "fragmentation.bytes", rss as i64 - used as i64);
}

/// `MEMORY DOCTOR`: Redis's report for the cases this server can judge.
fn memory_doctor(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let mh = mem_overhead(ctx.srv);
    let clients = ctx.srv.clients.len().max(1) as u64;
    let mut issues: Vec<&str> = Vec::new();
    let report = if mh.used < 5 * 1024 * 1024 {
        "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n".to_string()
    } else {
        if mh.peak as f64 / mh.used as f64 > 1.5 {
            issues.push(" * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n");
        }
        if mh.clients_normal / clients > 200 * 1024 {
            issues.push(" * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n");
        }
        if issues.is_empty() {
            "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n".to_string()
        } else {
            let mut s = "Sam, I detected a few issues in this Redis instance memory implants:\n\n"
                .to_string();
            for i in &issues {
                s.push_str(i);
            }
            s.push_str("I'm here to keep you safe, Sam. I want to help you.\n");
            s
        }
    };
    ctx.client().add_verbatim(report.as_bytes());
}

/// `MEMORY MALLOC-STATS`: Redis's answer when not built with jemalloc.
fn memory_malloc_stats(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    ctx.bulk(b"Stats not supported for the current allocator");
}

/// `MEMORY PURGE`: nothing to purge with the system allocator.
fn memory_purge(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    ctx.ok();
}

const MEMORY_HELP: &[&str] = &[
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
];

fn memory_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    reply_help(ctx, argv, MEMORY_HELP);
}

/// `FUNCTION FLUSH [ASYNC|SYNC]`: there are no libraries to delete; counts
/// as a change, as Redis's does.
fn function_flush(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.len() > 3 {
        subcommand_syntax_error(ctx, argv);
        return;
    }
    if argv.len() == 3 && !argv.is(2, "sync") && !argv.is(2, "async") {
        ctx.err("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
        return;
    }
    ctx.dirty(1);
    ctx.ok();
}

/// `FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]`: no libraries.
fn function_list(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let (mut with_code, mut name) = (false, false);
    let mut i = 2;
    while i < argv.len() {
        if !with_code && argv.is(i, "withcode") {
            with_code = true;
        } else if !name && argv.is(i, "libraryname") {
            if i >= argv.len() - 1 {
                ctx.err("ERR library name argument was not given");
                return;
            }
            name = true;
            i += 1;
        } else {
            let a = String::from_utf8_lossy(argv.get(i)).into_owned();
            ctx.err(&format!("ERR Unknown argument {a}"));
            return;
        }
        i += 1;
    }
    ctx.array_len(0);
}

/// `FUNCTION DELETE name`: no library exists.
fn function_delete(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    ctx.err("ERR Library not found");
}

/// `FUNCTION KILL`: nothing runs.
fn function_kill(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    ctx.err("NOTBUSY No scripts in execution right now.");
}

/// `FUNCTION STATS`: no running script, no libraries in the Lua engine.
fn function_stats(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let c = ctx.client();
    c.add_map_len(2);
    c.add_bulk(b"running_script");
    c.add_null();
    c.add_bulk(b"engines");
    c.add_map_len(1);
    c.add_bulk(b"LUA");
    c.add_map_len(2);
    c.add_bulk(b"libraries_count");
    c.add_int(0);
    c.add_bulk(b"functions_count");
    c.add_int(0);
}

fn function_load(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    ctx.err(
        "ERR FUNCTION LOAD needs the Lua scripting engine, which this server does not have yet",
    );
}

fn function_dump(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    ctx.err("ERR FUNCTION DUMP needs the RDB payload format, which this server does not have yet");
}

fn function_restore(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    ctx.err(
        "ERR FUNCTION RESTORE needs the RDB payload format, which this server does not have yet",
    );
}

const FUNCTION_HELP: &[&str] = &[
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Create a new library with the given library name and code.",
    "DELETE <LIBRARY NAME>",
    "    Delete the given library.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Return general information on all the libraries:",
    "    * Library name",
    "    * The engine used to run the Library",
    "    * Library description",
    "    * Functions list",
    "    * Library code (if WITHCODE is given)",
    "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    "STATS",
    "    Return information about the current function running:",
    "    * Function name",
    "    * Command used to run the function",
    "    * Duration in MS that the function is running",
    "    If no function is running, return nil",
    "    In addition, returns a list of available engines.",
    "KILL",
    "    Kill the current running function.",
    "FLUSH [ASYNC|SYNC]",
    "    Delete all the libraries.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the libraries.",
    "    * SYNC: Synchronously flush the libraries.",
    "DUMP",
    "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
    "    control how to handle existing libraries (default APPEND):",
    "    * FLUSH: delete all existing libraries.",
    "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
    "      libraries with the new libraries (notice that even on this option there is a chance of failure",
    "      in case of functions name collision with another library).",
];

fn function_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    reply_help(ctx, argv, FUNCTION_HELP);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jemalloc_classes() {
        assert_eq!(jemalloc_size(5), 8);
        assert_eq!(jemalloc_size(21), 32);
        assert_eq!(jemalloc_size(9), 16);
        assert_eq!(jemalloc_size(104), 112);
        assert_eq!(jemalloc_size(129), 160);
        assert_eq!(jemalloc_size(257), 320);
        assert_eq!(jemalloc_size(512), 512);
    }

    #[test]
    fn g17() {
        assert_eq!(fmt_g17(1.0), "1");
        assert_eq!(fmt_g17(0.5), "0.5");
        assert_eq!(fmt_g17(99.63), "99.629999999999995");
        assert_eq!(fmt_g17(2.5), "2.5");
        assert_eq!(fmt_g17(1e20), "1e+20");
        assert_eq!(fmt_g17(1.5e-7), "1.4999999999999999e-07");
    }
}
