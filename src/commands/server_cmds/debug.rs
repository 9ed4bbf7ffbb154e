//! DEBUG (Redis's debugCommand in debug.c): test hooks and low-level
//! inspection, allowed only as `enable-debug-command` says.
//!
//! Owns: the DEBUG subcommands and the knobs they set (`DebugKnobs`:
//! active expiry on/off, checksum skipping, quicklist packed threshold,
//! cron pause, reply buffer tuning ...). Subcommands whose subsystem is not
//! built yet (RELOAD, LOADAOF: persistence; REPLICATE: replication;
//! CONFIG-REWRITE-FORCE-ALL: the directive table) answer an error naming
//! what is missing. It must never change data except DEBUG POPULATE, which
//! adds keys exactly as Redis does (not propagated, no dirty count).

use super::misc::jemalloc_size;
use super::{cfg, cmd, digest, reply_help, subcommand_syntax_error};
use crate::commands::flags::*;
use crate::commands::{Argv, CommandSpec, Ctx};
use crate::db::object::{RObj, StrValue, Value, ValueRef};
use crate::log::Level;
use crate::serverlog;

pub const DEBUG: CommandSpec = cmd(
    "debug",
    debug,
    -2,
    ADMIN | NOSCRIPT | LOADING | STALE,
    "A container for debugging commands",
    "1.0.0",
    "subcommand [arg [arg ...]]",
    &[],
);

/// The refusal when `enable-debug-command` does not allow this client.
pub const NOT_ALLOWED: &str = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";

/// Redis's OBJ_SHARED_REFCOUNT: the refcount shown for shared integers.
const SHARED_REFCOUNT: i64 = i32::MAX as i64;
/// Redis's OBJ_SHARED_INTEGERS: integers below this are shared objects.
const SHARED_INTEGERS: i64 = 10_000;

/// Redis's atoi (lenient: leading spaces and sign, digits up to the first
/// non-digit, 0 when none).
fn atoi(s: &[u8]) -> i64 {
    let t = String::from_utf8_lossy(s);
    let t = t.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let v = digits
        .bytes()
        .take_while(|b| b.is_ascii_digit())
        .fold(0i64, |acc, d| {
            acc.wrapping_mul(10).wrapping_add((d - b'0') as i64)
        });
    if neg {
        -v
    } else {
        v
    }
}

/// Redis's strtod prefix parse (DEBUG SLEEP): the longest leading float
/// (within the first 64 bytes: no number is longer).
fn strtod(s: &[u8]) -> f64 {
    let t = String::from_utf8_lossy(&s[..s.len().min(64)]);
    let t = t.trim_start();
    let mut end = 0;
    let mut best = 0.0;
    for i in 1..=t.len() {
        if !t.is_char_boundary(i) {
            continue;
        }
        if let Ok(v) = t[..i].parse::<f64>() {
            best = v;
            end = i;
        }
    }
    if end == 0 {
        0.0
    } else {
        best
    }
}

/// Redis's memtoull: a byte count with an optional b/k/kb/m/mb/g/gb unit
/// (k = 1000, kb = 1024). None when malformed.
pub fn memtoull(s: &[u8]) -> Option<u64> {
    let t = std::str::from_utf8(s).ok()?.to_ascii_lowercase();
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits_end);
    let mul: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    num.parse::<u64>().ok()?.checked_mul(mul)
}

/// Length prefix bytes of RDB's length encoding (6, 14, 32 or 64 bits).
fn rdb_len_size(len: u64) -> u64 {
    if len < (1 << 6) {
        1
    } else if len < (1 << 14) {
        2
    } else if len <= u32::MAX as u64 {
        5
    } else {
        9
    }
}

/// Bytes a value takes in an RDB file (Redis's rdbSavedObjectLen) for the
/// encodings this server writes without compression: integers that fit 32
/// bits get the 1/2/4-byte integer encodings, other strings a length
/// prefix. (Strings above 20 bytes that compress are counted uncompressed
/// until the RDB module brings LZF.)
fn serialized_length(o: &RObj) -> u64 {
    match o.value() {
        ValueRef::Str(s) => {
            let mut scratch = [0u8; 20];
            raw_string_saved_len(s.as_bytes(&mut scratch))
        }
        // A listpack is saved as one string of its bytes; a hashtable as its size, then each
        // field and value as a string.
        ValueRef::Hash(h) => match (h.as_listpack(), h.as_table()) {
            (Some(lp), _) => rdb_len_size(lp.bytes_len() as u64) + lp.bytes_len() as u64,
            (None, Some(t)) => {
                rdb_len_size(t.len() as u64)
                    + t.iter()
                        .map(|(k, v)| raw_string_saved_len(k) + raw_string_saved_len(v))
                        .sum::<u64>()
            }
            (None, None) => 0,
        },
        // A set: an intset is saved as one string (its blob), a hash table
        // as a length then each member as a string.
        ValueRef::Set(set) => match set.intset() {
            Some(is) => raw_string_saved_len(is.as_bytes()),
            None => {
                let mut scratch = [0u8; 20];
                rdb_len_size(set.len() as u64)
                    + set
                        .iter()
                        .map(|m| raw_string_saved_len(m.as_bytes(&mut scratch)))
                        .sum::<u64>()
            }
        },
        // A listpack is saved as one string of its bytes; a skiplist as its length, then
        // each member as a string and its score as 8 binary bytes (RDB_TYPE_ZSET_2).
        ValueRef::ZSet(z) => match (z.listpack(), z.big()) {
            (Some(lp), _) => rdb_len_size(lp.bytes_len() as u64) + lp.bytes_len() as u64,
            (None, Some(b)) => {
                rdb_len_size(b.zsl.len() as u64)
                    + b.zsl
                        .iter()
                        .map(|(m, _)| raw_string_saved_len(m) + 8)
                        .sum::<u64>()
            }
            (None, None) => 0,
        },
        // The RDB issue computes the other types' serialized length.
        ValueRef::List(_) => 0,
    }
}

/// Bytes one string takes in an RDB file (Redis's rdbSaveRawString): up to
/// 11 bytes holding a canonical integer that fits 32 bits, the 1/2/4-byte
/// integer encodings; otherwise a length prefix and the bytes.
fn raw_string_saved_len(b: &[u8]) -> u64 {
    let v = if b.len() <= 11 {
        crate::db::object::parse_canonical_i64(b)
    } else {
        None
    };
    match v {
        Some(v) if (i8::MIN as i64..=i8::MAX as i64).contains(&v) => 2,
        Some(v) if (i16::MIN as i64..=i16::MAX as i64).contains(&v) => 3,
        Some(v) if (i32::MIN as i64..=i32::MAX as i64).contains(&v) => 5,
        _ => {
            let len = b.len() as u64;
            rdb_len_size(len) + len
        }
    }
}

/// Redis's refcount as DEBUG OBJECT shows it.
fn refcount(o: &RObj) -> i64 {
    match o.value() {
        ValueRef::Str(StrValue::Int(v)) if (0..SHARED_INTEGERS).contains(v) => SHARED_REFCOUNT,
        _ => 1,
    }
}

/// `DEBUG <subcommand> [args...]`.
fn debug(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let local = crate::commands::server_cmds::client_cmd::is_local(ctx.client());
    if !cfg::debug_allowed(ctx.srv, local) {
        ctx.err(NOT_ALLOWED);
        return;
    }
    let argc = argv.len();
    let sub = String::from_utf8_lossy(argv.get(1)).to_ascii_lowercase();
    match (sub.as_str(), argc) {
        ("help", 2) => reply_help(ctx, argv, HELP),
        ("segfault", _) => {
            serverlog!(Level::Warning, "DEBUG SEGFAULT: crashing on request.");
            std::process::abort();
        }
        ("panic", _) => {
            serverlog!(
                Level::Warning,
                "Guru Meditation: DEBUG PANIC called at Unix time {} #server_cmds/debug.rs",
                crate::db::mstime() / 1000
            );
            std::process::abort();
        }
        ("assert", _) => {
            serverlog!(Level::Warning, "=== ASSERTION FAILED ===");
            serverlog!(
                Level::Warning,
                "==> debug.rs DEBUG ASSERT '1 == 2' is not true"
            );
            std::process::abort();
        }
        ("oom", _) => {
            serverlog!(
                Level::Warning,
                "Out Of Memory allocating 9223372036854775807 bytes!"
            );
            std::process::abort();
        }
        ("restart" | "crash-and-recover", _) => {
            ctx.err("ERR failed to restart the server. Check server logs.");
        }
        ("log", 3) => {
            serverlog!(
                Level::Warning,
                "DEBUG LOG: {}",
                String::from_utf8_lossy(argv.get(2))
            );
            ctx.ok();
        }
        ("leak", 3) => ctx.ok(),
        ("reload", _) => {
            for i in 2..argc {
                if !(argv.is(i, "merge") || argv.is(i, "noflush") || argv.is(i, "nosave")) {
                    ctx.err(
                        "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.",
                    );
                    return;
                }
            }
            let has = |w: &str| (2..argc).any(|i| argv.is(i, w));
            let (merge, noflush, nosave) = (has("merge"), has("noflush"), has("nosave"));
            super::save::debug_reload(ctx, merge, noflush, nosave);
        }
        ("loadaof", _) => {
            ctx.err("ERR DEBUG LOADAOF needs AOF persistence, which this server does not have yet")
        }
        ("drop-cluster-packet-filter", 3) => {
            if crate::db::object::parse_canonical_i64(argv.get(2)).is_none() {
                ctx.err("ERR value is not an integer or out of range");
            } else {
                ctx.ok();
            }
        }
        ("object", 3) => debug_object(ctx, argv),
        ("sdslen", 3) => debug_sdslen(ctx, argv),
        ("listpack", 3) => encoding_probe(ctx, argv, "listpack", "Listpack"),
        ("quicklist", 3 | 4) => encoding_probe(ctx, argv, "quicklist", "Quicklist"),
        ("populate", 3..=5) => debug_populate(ctx, argv),
        ("digest", 2) => {
            let d = digest::dataset_digest(&ctx.srv.ks);
            ctx.status(&digest::hex(&d));
        }
        ("digest-value", _) => {
            let db = ctx.db();
            let digests: Vec<String> = argv
                .iter()
                .skip(2)
                .map(|k| digest::hex(&digest::value_digest(&ctx.srv.ks, db, k)))
                .collect();
            let c = ctx.client();
            c.add_array_len(digests.len());
            for d in digests {
                c.add_status(&d);
            }
        }
        ("protocol", 3) => debug_protocol(ctx, argv),
        ("sleep", 3) => {
            let secs = strtod(argv.get(2));
            let us = (secs * 1_000_000.0) as i64;
            if us > 0 {
                std::thread::sleep(std::time::Duration::from_micros(us as u64));
            }
            ctx.ok();
        }
        ("set-active-expire", 3) => {
            ctx.srv.ks.active_expire_enabled = atoi(argv.get(2)) != 0;
            ctx.ok();
        }
        ("quicklist-packed-threshold", 3) => match memtoull(argv.get(2)) {
            Some(sz) if sz <= (1u64 << 32) - (1 << 20) => {
                ctx.srv.introspection.debug.quicklist_packed_threshold =
                    if sz == 0 { 1 << 30 } else { sz };
                ctx.ok();
            }
            _ => ctx.err("ERR argument must be a memory value bigger than 1 and smaller than 4gb"),
        },
        ("set-skip-checksum-validation", 3) => {
            ctx.srv.introspection.debug.skip_checksum_validation = atoi(argv.get(2)) != 0;
            ctx.ok();
        }
        ("aof-flush-sleep", 3) => {
            ctx.srv.introspection.debug.aof_flush_sleep_us = atoi(argv.get(2));
            ctx.ok();
        }
        ("replicate", n) if n >= 3 => {
            ctx.err("ERR DEBUG REPLICATE needs replication, which this server does not have yet")
        }
        ("error", 3) => {
            let mut msg = Vec::with_capacity(argv.get(2).len() + 3);
            msg.push(b'-');
            msg.extend(
                argv.get(2)
                    .iter()
                    .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
            );
            msg.extend_from_slice(b"\r\n");
            ctx.client().add_raw(&msg);
        }
        ("structsize", 2) => {
            ctx.bulk(b"bits:64 robj:16 dictentry:24 sdshdr5:1 sdshdr8:3 sdshdr16:5 sdshdr32:9 sdshdr64:17 ");
        }
        ("htstats", 3) => debug_htstats(ctx, argv),
        ("htstats-key", 3) => {
            let db = ctx.db();
            let stats = ctx.srv.ks.dbs[db]
                .dict
                .get(argv.get(2))
                .map(|o| match o.value() {
                    ValueRef::Set(s) => s.dict().map(|d| d.stats()),
                    ValueRef::Hash(h) => h.as_table().map(|d| d.stats()),
                    ValueRef::ZSet(z) => z.big().map(|b| b.dict.stats()),
                    _ => None,
                });
            match stats {
                None => ctx.err("ERR no such key"),
                Some(None) => ctx.err("ERR The value stored at the specified key is not represented using an hash table"),
                Some(Some(text)) => ctx.client().add_verbatim(text.as_bytes()),
            }
        }
        ("change-repl-id", 2) => {
            serverlog!(
                Level::Warning,
                "Changing replication IDs after receiving DEBUG change-repl-id"
            );
            ctx.srv.repl.change_replication_id();
            ctx.srv.repl.clear_replication_id2();
            ctx.ok();
        }
        ("stringmatch-test", 2) => ctx.status("Apparently Redis did not crash: test passed"),
        ("set-disable-deny-scripts", 3) => {
            ctx.srv.introspection.debug.disable_deny_scripts = atoi(argv.get(2)) != 0;
            ctx.ok();
        }
        ("config-rewrite-force-all", 2) => match ctx.srv.config.rewrite_force_all() {
            Ok(()) => ctx.ok(),
            Err(msg) => ctx.err(&format!("ERR CONFIG-REWRITE-FORCE-ALL failed: {msg}")),
        },
        ("client-eviction", 2) => ctx.err("ERR maxmemory-clients is disabled."),
        ("pause-cron", 3) => {
            ctx.srv.introspection.debug.pause_cron = atoi(argv.get(2)) != 0;
            ctx.ok();
        }
        ("replybuffer", 4) => {
            let knobs = &mut ctx.srv.introspection.debug;
            if argv.is(2, "peak-reset-time") {
                if argv.is(3, "never") {
                    knobs.reply_buffer_peak_reset_time = -1;
                } else if argv.is(3, "reset") {
                    knobs.reply_buffer_peak_reset_time = 5000;
                } else {
                    match crate::db::object::parse_canonical_i64(argv.get(3)) {
                        Some(v) => knobs.reply_buffer_peak_reset_time = v,
                        None => {
                            ctx.err("ERR value is not an integer or out of range");
                            return;
                        }
                    }
                }
            } else if argv.is(2, "resizing") {
                knobs.reply_buffer_resizing = atoi(argv.get(3)) != 0;
            } else {
                subcommand_syntax_error(ctx, argv);
                return;
            }
            ctx.ok();
        }
        ("clusterlink", 5) if argv.is(2, "kill") => {
            ctx.err("ERR Debug option only available for cluster mode enabled setup!")
        }
        _ => subcommand_syntax_error(ctx, argv),
    }
}

/// `DEBUG OBJECT key`: `Value at:0x... refcount:1 encoding:embstr
/// serializedlength:6 lru:423288 lru_seconds_idle:0`.
fn debug_object(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let now_lru = crate::db::lru_clock(crate::db::mstime());
    let line = ctx.srv.ks.dbs[db].dict.get(argv.get(2)).map(|o| {
        let mut line = format!(
            "Value at:{:p} refcount:{} encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}",
            o as *const RObj,
            refcount(o),
            o.encoding_name(),
            serialized_length(o),
            o.lru(),
            crate::db::object::idle_seconds(now_lru, o.lru())
        );
        if let ValueRef::List(l) = o.value() {
            // As Redis 7.0 appends for a quicklist.
            let nodes = l.node_count();
            let avg = l.len() as f64 / nodes as f64;
            line.push_str(&format!(
                " ql_nodes:{nodes} ql_avg_node:{avg:.2} ql_listpack_max:{} ql_compressed:{} ql_uncompressed_size:{}",
                l.fill(),
                u8::from(l.compress_depth() != 0),
                l.uncompressed_size()
            ));
        }
        line
    });
    match line {
        Some(l) => ctx.status(&l),
        None => ctx.err("ERR no such key"),
    }
}

/// `DEBUG SDSLEN key`: Redis's sds header numbers for a string key, as
/// this server's buffers have them (no spare capacity is kept).
fn debug_sdslen(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let key = argv.get(2);
    let line = match ctx.srv.ks.dbs[db].dict.get(key) {
        None => Err("ERR no such key"),
        Some(o) => match o.value() {
            ValueRef::Str(StrValue::Emb(b)) => {
                let len = b.len() as u64;
                Ok((len, 0, jemalloc_size(16 + 3 + len + 1) - 16))
            }
            ValueRef::Str(StrValue::Raw(v)) => {
                let (len, cap) = (v.len() as u64, v.capacity() as u64);
                Ok((len, cap - len, jemalloc_size(sds_header(cap) + cap + 1)))
            }
            _ => Err("ERR Not an sds encoded string."),
        },
    };
    match line {
        Err(e) => ctx.err(e),
        Ok((len, avail, zmalloc)) => {
            let klen = key.len() as u64;
            let key_hdr = if klen < 32 { 1 } else { sds_header(klen) };
            let s = format!(
                "key_sds_len:{klen}, key_sds_avail:0, key_zmalloc: {}, val_sds_len:{len}, val_sds_avail:{avail}, val_zmalloc: {zmalloc}",
                jemalloc_size(key_hdr + klen + 1),
            );
            ctx.status(&s);
        }
    }
}

/// Header bytes of an sds buffer of `len` bytes (types 8, 16, 32, 64).
fn sds_header(len: u64) -> u64 {
    if len < 256 {
        3
    } else if len < 65536 {
        5
    } else if len <= u32::MAX as u64 {
        9
    } else {
        17
    }
}

/// DEBUG LISTPACK / QUICKLIST: Redis prints the structure on its stdout.
fn encoding_probe(ctx: &mut Ctx<'_>, argv: &Argv<'_>, encoding: &str, title: &str) {
    let db = ctx.db();
    let enc = ctx.srv.ks.dbs[db]
        .dict
        .get(argv.get(2))
        .map(|o| o.encoding_name());
    match enc {
        None => ctx.err("ERR no such key"),
        Some(e) if e != encoding => ctx.err(&format!("ERR Not a {encoding} encoded object.")),
        Some(_) => ctx.status(&format!("{title} structure printed on stdout")),
    }
}

/// `DEBUG POPULATE count [prefix] [size]`: creates `prefix:N` = `value:N`
/// (padded with zero bytes, or cut, to `size`) for N in 0..count, skipping
/// keys that exist.
fn debug_populate(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    const NOT_POSITIVE: &str = "ERR value is out of range, must be positive";
    let Some(count) = crate::db::object::parse_canonical_i64(argv.get(2)).filter(|v| *v >= 0)
    else {
        ctx.err(NOT_POSITIVE);
        return;
    };
    let mut size = 0usize;
    if argv.len() == 5 {
        match crate::db::object::parse_canonical_i64(argv.get(4)).filter(|v| *v >= 0) {
            Some(v) => size = v as usize,
            None => {
                ctx.err(NOT_POSITIVE);
                return;
            }
        }
    }
    let prefix: &[u8] = if argv.len() >= 4 { argv.get(3) } else { b"key" };
    let db = ctx.db();
    let mut key = Vec::with_capacity(prefix.len() + 21);
    for j in 0..count {
        key.clear();
        key.extend_from_slice(prefix);
        key.push(b':');
        key.extend_from_slice(j.to_string().as_bytes());
        if ctx.srv.ks.lookup_write(db, &key).is_some() {
            continue;
        }
        let mut val = format!("value:{j}").into_bytes();
        if size > 0 {
            val.resize(size, 0);
        }
        let lru = ctx.srv.ks.lru_now();
        let obj = RObj::new(Value::Str(StrValue::from_vec(val)), lru);
        ctx.srv.ks.set_key(db, &key, obj, false);
        ctx.signal_modified_key(db, &key);
    }
    ctx.ok();
}

/// `DEBUG PROTOCOL type`: a sample reply of each RESP type.
fn debug_protocol(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let name = String::from_utf8_lossy(argv.get(2)).to_ascii_lowercase();
    let c = ctx.client();
    match name.as_str() {
        "string" => c.add_bulk(b"Hello World"),
        "integer" => c.add_int(12345),
        "double" => c.add_double_text(b"3.141"),
        "bignum" => {
            let r = c.resp;
            c.add_with(48, |o| {
                crate::resp::big_number(o, b"1234567999999999999999999999999999999", r)
            });
        }
        "null" => c.add_null(),
        "array" => {
            c.add_array_len(3);
            for j in 0..3 {
                c.add_int(j);
            }
        }
        "set" => {
            c.add_set_len(3);
            for j in 0..3 {
                c.add_int(j);
            }
        }
        "map" => {
            c.add_map_len(3);
            for j in 0..3 {
                c.add_int(j);
                c.add_bool(j == 1);
            }
        }
        "attrib" => {
            if c.resp >= 3 {
                let r = c.resp;
                c.add_with(8, |o| crate::resp::attribute_len(o, 1, r));
                c.add_bulk(b"key-popularity");
                c.add_array_len(2);
                c.add_bulk(b"key:123");
                c.add_int(90);
            }
            c.add_bulk(b"Some real reply following the attribute");
        }
        "push" => {
            if c.resp < 3 {
                c.add_error("ERR RESP2 is not supported by this command");
                return;
            }
            c.add_push_len(2);
            c.add_bulk(b"server-cpu-usage");
            c.add_int(42);
            c.add_bulk(b"Some real reply following the push reply");
        }
        "true" => c.add_bool(true),
        "false" => c.add_bool(false),
        "verbatim" => c.add_verbatim(b"This is a verbatim\nstring"),
        _ => c.add_error("ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"),
    }
}

/// Redis's dictGetStats text for a table of `n` entries: the chain
/// statistics assume an even spread (this server's tables do not chain).
/// `DEBUG HTSTATS dbid`.
fn debug_htstats(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(db) = crate::db::object::parse_canonical_i64(argv.get(2)) else {
        ctx.err("ERR value is not an integer or out of range");
        return;
    };
    if db < 0 || db as usize >= ctx.srv.ks.dbs.len() {
        ctx.err("ERR Out of range database");
        return;
    }
    let d = &ctx.srv.ks.dbs[db as usize];
    let text = format!(
        "[Dictionary HT]\n{}[Expires HT]\n{}",
        d.dict.stats(),
        d.expires.stats()
    );
    ctx.client().add_verbatim(text.as_bytes());
}

const HELP: &[&str] = &[
    "AOF-FLUSH-SLEEP <microsec>",
    "    Server will sleep before flushing the AOF, this is used for testing.",
    "ASSERT",
    "    Crash by assertion failed.",
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance.",
    "    Dangerous: should be used only for testing the replication subsystem.",
    "CONFIG-REWRITE-FORCE-ALL",
    "    Like CONFIG REWRITE but writes all configuration options, including",
    "    keywords not listed in original configuration file or default values.",
    "CRASH-AND-RECOVER [<milliseconds>]",
    "    Hard crash and restart after a <milliseconds> delay (default 0).",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message. Useful for clients",
    "    unit tests to simulate Redis errors.",
    "LEAK <string>",
    "    Create a memory leak of the input string.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "HTSTATS <dbid>",
    "    Return hash table statistics of the specified Redis database.",
    "HTSTATS-KEY <key>",
    "    Like HTSTATS but for the hash table stored at <key>'s value.",
    "LOADAOF",
    "    Flush the AOF buffers on disk and reload the AOF in memory.",
    "REPLICATE <string>",
    "    Replicates the provided string to replicas, allowing data divergence.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "DROP-CLUSTER-PACKET-FILTER <packet-type>",
    "    Drop all packets that match the filtered type. Set to -1 allow all packets.",
    "OOM",
    "    Crash the server simulating an out-of-memory error.",
    "PANIC",
    "    Crash the server simulating a panic.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "RESTART [<milliseconds>]",
    "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
    "SDSLEN <key>",
    "    Show low level SDS string info representing `key` and value.",
    "SEGFAULT",
    "    Crash the server with sigsegv.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "QUICKLIST-PACKED-THRESHOLD <size>",
    "    Sets the threshold for elements to be inserted as plain vs packed nodes",
    "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
    "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
    "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "STRINGMATCH-TEST",
    "    Run a fuzz tester against the stringmatchlen() function.",
    "STRUCTSIZE",
    "    Return the size of different Redis core C structures.",
    "LISTPACK <key>",
    "    Show low level info about the listpack encoding of <key>.",
    "QUICKLIST <key> [<0|1>]",
    "    Show low level info about the quicklist encoding of <key>.",
    "    The optional argument (0 by default) sets the level of detail",
    "CLIENT-EVICTION",
    "    Show low level client eviction pools info (maxmemory-clients).",
    "PAUSE-CRON <0|1>",
    "    Stop periodic cron job processing.",
    "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
    "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
    "    In case NEVER is provided the last observed peak will never be reset",
    "    In case RESET is provided the peak reset time will be restored to the default value",
    "REPLYBUFFER RESIZING <0|1>",
    "    Enable or disable the reply buffer resize cron job",
    "CLUSTERLINK KILL <to|from|all> <node-id>",
    "    Kills the link based on the direction to/from (both) with the provided node.",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_number_parsing() {
        assert_eq!(atoi(b"1"), 1);
        assert_eq!(atoi(b" 12abc"), 12);
        assert_eq!(atoi(b"x"), 0);
        assert_eq!(atoi(b"-3"), -3);
        assert_eq!(strtod(b"0.2"), 0.2);
        assert_eq!(strtod(b"1.5s"), 1.5);
        assert_eq!(strtod(b"abc"), 0.0);
        assert_eq!(memtoull(b"1024"), Some(1024));
        assert_eq!(memtoull(b"1kb"), Some(1024));
        assert_eq!(memtoull(b"1k"), Some(1000));
        assert_eq!(memtoull(b"100b"), Some(100));
        assert_eq!(memtoull(b"1x"), None);
    }

    #[test]
    fn serialized_lengths_match_redis() {
        let s = |v: &str| RObj::new(Value::Str(StrValue::from_bytes(v.as_bytes())), 0);
        assert_eq!(serialized_length(&s("100")), 2);
        assert_eq!(serialized_length(&s("123456")), 5);
        assert_eq!(serialized_length(&s("hello")), 6);
        assert_eq!(refcount(&s("100")), 2147483647);
        assert_eq!(refcount(&s("123456")), 1);
    }

    #[test]
    fn idle_time_wraps() {
        assert_eq!(crate::db::object::idle_seconds(10, 5), 5);
        assert_eq!(
            crate::db::object::idle_seconds(2, crate::db::object::LRU_CLOCK_MAX - 1),
            3
        );
    }
}
