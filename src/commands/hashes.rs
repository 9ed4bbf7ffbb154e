//! Hash commands (the command side of Redis's `t_hash.c`): HSET, HSETNX, HMSET, HGET, HMGET,
//! HDEL, HLEN, HSTRLEN, HEXISTS, HKEYS, HVALS, HGETALL, HINCRBY, HINCRBYFLOAT, HRANDFIELD,
//! HSCAN.
//!
//! Owns: what each hash command reads, writes and replies (RESP2 and RESP3 shapes), what it
//! counts as a change (`dirty`), which keyspace events it fires and signals it raises, and how
//! HINCRBYFLOAT is propagated (as `HSET key field <result>`, so replicas and the AOF never redo
//! float arithmetic). The encodings and their conversions belong to `db::hash`; this file only
//! passes the config's limits down. It must never touch sockets or the propagation stream.
//!
//! Hot paths (HSET, HGET, HINCRBY on small hashes) allocate nothing beyond what the stored
//! hash itself needs: fields are matched in place in the listpack, integers are replied
//! straight from their stored form.

use super::flags::*;
use super::keys::{parse_scan_cursor, parse_scan_options};
use super::{Argv, CommandSpec, Ctx};
use crate::client::{flags as cf, Client};
use crate::db::dict::Dict;
use crate::db::hash::{HashValue, Limits};
use crate::db::listpack::Entry;
use crate::db::object::{RObj, Value, WRONGTYPE};
use crate::util::glob::string_match;
use crate::util::numeric::{fmt_i64, parse_i64, LongDouble};

/// Redis's NOTIFY_HASH keyspace event class.
const NOTIFY_HASH: u8 = b'h';
/// Redis's NOTIFY_GENERIC keyspace event class.
const NOTIFY_GENERIC: u8 = b'g';

const ERR_NOT_INT: &str = "ERR value is not an integer or out of range";

/// One hash command: a single key at position 1.
const fn cmd(
    name: &'static str,
    handler: super::Handler,
    arity: i32,
    flags: u32,
    since: &'static str,
    summary: &'static str,
    syntax: &'static str,
) -> CommandSpec {
    CommandSpec {
        name,
        handler,
        arity,
        flags,
        first_key: 1,
        last_key: 1,
        key_step: 1,
        group: "hash",
        summary,
        since,
        syntax,
        subcommands: &[],
    }
}

/// Arity, flags, key positions, summaries and `since` as Redis 7.0.15's command JSON files.
pub const COMMANDS: &[CommandSpec] = &[
    cmd(
        "hdel",
        hdel,
        -3,
        WRITE | FAST,
        "2.0.0",
        "Delete one or more hash fields",
        "key field [field ...]",
    ),
    cmd(
        "hexists",
        hexists,
        3,
        READONLY | FAST,
        "2.0.0",
        "Determine if a hash field exists",
        "key field",
    ),
    cmd(
        "hget",
        hget,
        3,
        READONLY | FAST,
        "2.0.0",
        "Get the value of a hash field",
        "key field",
    ),
    cmd(
        "hgetall",
        hgetall,
        2,
        READONLY,
        "2.0.0",
        "Get all the fields and values in a hash",
        "key",
    ),
    cmd(
        "hincrby",
        hincrby,
        4,
        WRITE | DENYOOM | FAST,
        "2.0.0",
        "Increment the integer value of a hash field by the given number",
        "key field increment",
    ),
    cmd(
        "hincrbyfloat",
        hincrbyfloat,
        4,
        WRITE | DENYOOM | FAST,
        "2.6.0",
        "Increment the float value of a hash field by the given amount",
        "key field increment",
    ),
    cmd(
        "hkeys",
        hkeys,
        2,
        READONLY,
        "2.0.0",
        "Get all the fields in a hash",
        "key",
    ),
    cmd(
        "hlen",
        hlen,
        2,
        READONLY | FAST,
        "2.0.0",
        "Get the number of fields in a hash",
        "key",
    ),
    cmd(
        "hmget",
        hmget,
        -3,
        READONLY | FAST,
        "2.0.0",
        "Get the values of all the given hash fields",
        "key field [field ...]",
    ),
    cmd(
        "hmset",
        hmset,
        -4,
        WRITE | DENYOOM | FAST,
        "2.0.0",
        "Set multiple hash fields to multiple values",
        "key field value [field value ...]",
    ),
    cmd(
        "hrandfield",
        hrandfield,
        -2,
        READONLY,
        "6.2.0",
        "Get one or multiple random fields from a hash",
        "key [count [WITHVALUES]]",
    ),
    cmd(
        "hscan",
        hscan,
        -3,
        READONLY,
        "2.8.0",
        "Incrementally iterate hash fields and associated values",
        "key cursor [MATCH pattern] [COUNT count]",
    ),
    cmd(
        "hset",
        hset,
        -4,
        WRITE | DENYOOM | FAST,
        "2.0.0",
        "Set the string value of a hash field",
        "key field value [field value ...]",
    ),
    cmd(
        "hsetnx",
        hsetnx,
        4,
        WRITE | DENYOOM | FAST,
        "2.0.0",
        "Set the value of a hash field, only if the field does not exist",
        "key field value",
    ),
    cmd(
        "hstrlen",
        hstrlen,
        3,
        READONLY | FAST,
        "3.2.0",
        "Get the length of the value of a hash field",
        "key field",
    ),
    cmd(
        "hvals",
        hvals,
        2,
        READONLY,
        "2.0.0",
        "Get all the values in a hash",
        "key",
    ),
];

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// The listpack limits as configured now (`hash-max-listpack-entries`/`-value`).
fn limits(ctx: &Ctx<'_>) -> Limits {
    Limits {
        max_entries: ctx.srv.config.hash_max_listpack_entries,
        max_value: ctx.srv.config.hash_max_listpack_value,
    }
}

/// A bulk reply of a stored field or value: the bytes, or an integer the listpack holds as
/// one (Redis's addReplyBulkCBuffer / addReplyBulkLongLong pair).
pub fn add_entry(c: &mut Client, e: Entry<'_>) {
    match e {
        Entry::Str(s) => c.add_bulk(s),
        Entry::Int(v) => c.add_bulk_int(v),
    }
}

/// Runs `f` on the hash at `key`, creating an empty one when the key is missing (Redis's
/// hashTypeLookupWriteOrCreate). A new hash is added to the keyspace only if `f` left
/// something in it. Replies WRONGTYPE (and returns None) when the key holds another type.
fn with_hash_or_create<R>(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    f: impl FnOnce(&mut HashValue) -> R,
) -> Option<R> {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    match ks.lookup_write(db, key) {
        Some(o) => match o.as_hash_mut() {
            Some(h) => Some(f(h)),
            None => {
                c.add_error(WRONGTYPE);
                None
            }
        },
        None => {
            let mut h = HashValue::new();
            let r = f(&mut h);
            if !h.is_empty() {
                ks.set_key(db, key, RObj::new(Value::Hash(h), 0), false);
            }
            Some(r)
        }
    }
}

/// `-ERR wrong number of arguments for '<cmd>' command` (Redis's addReplyErrorArity).
fn arity_error(ctx: &mut Ctx<'_>) {
    let msg = format!(
        "ERR wrong number of arguments for '{}' command",
        ctx.cmd_name()
    );
    ctx.err(&msg);
}

// ---------------------------------------------------------------------------
// Writes
// ---------------------------------------------------------------------------

/// Redis's hsetCommand: sets every pair. Returns the number of new fields, None after an
/// error reply.
fn hset_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>) -> Option<i64> {
    if argv.len() % 2 == 1 {
        arity_error(ctx);
        return None;
    }
    let key = argv.get(1);
    let limits = limits(ctx);
    let created = with_hash_or_create(ctx, key, |h| {
        h.try_conversion(argv.iter().skip(2), limits.max_value);
        let mut created = 0i64;
        for i in (2..argv.len()).step_by(2) {
            if !h.set(argv.get(i), argv.get(i + 1), limits) {
                created += 1;
            }
        }
        created
    })?;
    let db = ctx.db();
    ctx.signal_modified_key(db, key);
    ctx.notify_keyspace_event(NOTIFY_HASH, "hset", key, db);
    ctx.dirty((argv.len() as u64 - 2) / 2);
    Some(created)
}

/// `HSET key field value [field value ...]` → the number of fields added (not updated).
fn hset(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if let Some(created) = hset_generic(ctx, argv) {
        ctx.int(created);
    }
}

/// `HMSET key field value [field value ...]` → `+OK` (HSET's deprecated twin).
fn hmset(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if hset_generic(ctx, argv).is_some() {
        ctx.ok();
    }
}

/// `HSETNX key field value` → `:1` if the field was set, `:0` if it existed (and nothing
/// changed). A missing key is created either way.
fn hsetnx(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let (key, field, value) = (argv.get(1), argv.get(2), argv.get(3));
    let limits = limits(ctx);
    let Some(set) = with_hash_or_create(ctx, key, |h| {
        if h.contains(field) {
            return false;
        }
        h.try_conversion([field, value], limits.max_value);
        h.set(field, value, limits);
        true
    }) else {
        return;
    };
    if !set {
        ctx.int(0);
        return;
    }
    ctx.int(1);
    let db = ctx.db();
    ctx.signal_modified_key(db, key);
    ctx.notify_keyspace_event(NOTIFY_HASH, "hset", key, db);
    ctx.dirty(1);
}

/// `HDEL key field [field ...]` → the number of fields removed. Removing the last field
/// deletes the key (and stops there).
fn hdel(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let key = argv.get(1);
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let Some(o) = ks.lookup_write(db, key) else {
        c.add_int(0);
        return;
    };
    let Some(h) = o.as_hash_mut() else {
        c.add_error(WRONGTYPE);
        return;
    };
    let mut deleted = 0u64;
    let mut key_removed = false;
    for field in argv.iter().skip(2) {
        if h.delete(field) {
            deleted += 1;
            if h.is_empty() {
                key_removed = true;
                break;
            }
        }
    }
    if key_removed {
        ks.delete(db, key);
    }
    if deleted > 0 {
        ctx.signal_modified_key(db, key);
        ctx.notify_keyspace_event(NOTIFY_HASH, "hdel", key, db);
        if key_removed {
            ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
        }
        ctx.dirty(deleted);
    }
    ctx.int(deleted as i64);
}

/// What an increment found wrong with the stored value.
enum IncrError {
    NotInteger,
    Overflow,
    NotFloat,
    NotFinite,
}

impl IncrError {
    fn message(&self) -> &'static str {
        match self {
            IncrError::NotInteger => "ERR hash value is not an integer",
            IncrError::Overflow => "ERR increment or decrement would overflow",
            IncrError::NotFloat => "ERR hash value is not a float",
            IncrError::NotFinite => "ERR increment would produce NaN or Infinity",
        }
    }
}

/// `HINCRBY key field increment` → the new value. A missing field counts as 0; a value that
/// is not a canonical integer, or a result past 64 bits, is an error and changes nothing.
fn hincrby(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(incr) = parse_i64(argv.get(3)) else {
        ctx.err(ERR_NOT_INT);
        return;
    };
    let (key, field) = (argv.get(1), argv.get(2));
    let limits = limits(ctx);
    let Some(result) = with_hash_or_create(ctx, key, |h| {
        let old = match h.get(field) {
            None => 0,
            Some(Entry::Int(v)) => v,
            Some(Entry::Str(s)) => parse_i64(s).ok_or(IncrError::NotInteger)?,
        };
        let new = old.checked_add(incr).ok_or(IncrError::Overflow)?;
        let mut buf = [0u8; 20];
        h.set(field, fmt_i64(new, &mut buf), limits);
        Ok::<i64, IncrError>(new)
    }) else {
        return;
    };
    match result {
        Err(e) => ctx.err(e.message()),
        Ok(v) => {
            ctx.int(v);
            let db = ctx.db();
            ctx.signal_modified_key(db, key);
            ctx.notify_keyspace_event(NOTIFY_HASH, "hincrby", key, db);
            ctx.dirty(1);
        }
    }
}

/// `HINCRBYFLOAT key field increment` → the new value as a bulk string, computed in x87
/// `long double` and printed as Redis's `ld2string(LD_STR_HUMAN)` (`%.17Lf`, trailing zeros
/// trimmed). Propagated as `HSET key field <new value>`.
fn hincrbyfloat(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(incr) = LongDouble::parse(argv.get(3)) else {
        ctx.err("ERR value is not a valid float");
        return;
    };
    if !incr.is_finite() {
        ctx.err("ERR value is NaN or Infinity");
        return;
    }
    let (key, field) = (argv.get(1), argv.get(2));
    let limits = limits(ctx);
    let Some(result) = with_hash_or_create(ctx, key, |h| {
        let old = match h.get(field) {
            None => LongDouble::ZERO,
            Some(Entry::Int(v)) => LongDouble::from_i64(v),
            Some(Entry::Str(s)) => LongDouble::parse(s).ok_or(IncrError::NotFloat)?,
        };
        let sum = old + incr;
        if !sum.is_finite() {
            return Err(IncrError::NotFinite);
        }
        let mut text = Vec::with_capacity(32);
        sum.fmt_human(&mut text);
        h.set(field, &text, limits);
        Ok::<Vec<u8>, IncrError>(text)
    }) else {
        return;
    };
    match result {
        Err(e) => ctx.err(e.message()),
        Ok(text) => {
            ctx.bulk(&text);
            let db = ctx.db();
            ctx.signal_modified_key(db, key);
            ctx.notify_keyspace_event(NOTIFY_HASH, "hincrbyfloat", key, db);
            ctx.dirty(1);
            ctx.rewrite_propagation(&[b"HSET", key, field, &text]);
        }
    }
}

// ---------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------

/// `HGET key field` → the value, or null when the key or the field is missing.
fn hget(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let Some(o) = ks.lookup_read(db, argv.get(1)) else {
        c.add_null();
        return;
    };
    let Some(h) = o.as_hash() else {
        c.add_error(WRONGTYPE);
        return;
    };
    match h.get(argv.get(2)) {
        Some(e) => add_entry(c, e),
        None => c.add_null(),
    }
}

/// `HMGET key field [field ...]` → one value or null per field; a missing key is an empty
/// hash.
fn hmget(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let h = match ks.lookup_read(db, argv.get(1)) {
        None => None,
        Some(o) => match o.as_hash() {
            Some(h) => Some(h),
            None => {
                c.add_error(WRONGTYPE);
                return;
            }
        },
    };
    c.add_array_len(argv.len() - 2);
    for field in argv.iter().skip(2) {
        match h.and_then(|h| h.get(field)) {
            Some(e) => add_entry(c, e),
            None => c.add_null(),
        }
    }
}

/// Looks up a hash for a read whose reply for a missing key is `:0`; replies that or
/// WRONGTYPE itself and returns None.
fn read_or_zero<'k>(
    ks: &'k mut crate::db::Keyspace,
    c: &mut Client,
    db: usize,
    key: &[u8],
) -> Option<&'k HashValue> {
    let Some(o) = ks.lookup_read(db, key) else {
        c.add_int(0);
        return None;
    };
    match o.as_hash() {
        Some(h) => Some(h),
        None => {
            c.add_error(WRONGTYPE);
            None
        }
    }
}

/// `HLEN key` → the number of fields (0 for a missing key).
fn hlen(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    if let Some(h) = read_or_zero(ks, c, db, argv.get(1)) {
        c.add_int(h.len() as i64);
    }
}

/// `HSTRLEN key field` → the length of the value (0 when the key or field is missing).
fn hstrlen(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    if let Some(h) = read_or_zero(ks, c, db, argv.get(1)) {
        c.add_int(h.value_len(argv.get(2)) as i64);
    }
}

/// `HEXISTS key field` → `:1` or `:0`.
fn hexists(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    if let Some(h) = read_or_zero(ks, c, db, argv.get(1)) {
        c.add_int(h.contains(argv.get(2)) as i64);
    }
}

/// Which halves of each pair HKEYS / HVALS / HGETALL reply.
#[derive(Clone, Copy, PartialEq)]
enum Halves {
    Fields,
    Values,
    Both,
}

/// Redis's genericHgetallCommand: a RESP3 map for HGETALL (a flat array in RESP2), an array
/// for HKEYS and HVALS; empty for a missing key.
fn hgetall_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>, what: Halves) {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let h = match ks.lookup_read(db, argv.get(1)) {
        None => None,
        Some(o) => match o.as_hash() {
            Some(h) => Some(h),
            None => {
                c.add_error(WRONGTYPE);
                return;
            }
        },
    };
    let len = h.map_or(0, |h| h.len());
    if what == Halves::Both {
        c.add_map_len(len);
    } else {
        c.add_array_len(len);
    }
    let Some(h) = h else {
        return;
    };
    for (k, v) in h.iter() {
        if what != Halves::Values {
            add_entry(c, k);
        }
        if what != Halves::Fields {
            add_entry(c, v);
        }
    }
}

/// `HKEYS key` → every field.
fn hkeys(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    hgetall_generic(ctx, argv, Halves::Fields);
}

/// `HVALS key` → every value.
fn hvals(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    hgetall_generic(ctx, argv, Halves::Values);
}

/// `HGETALL key` → every field and its value.
fn hgetall(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    hgetall_generic(ctx, argv, Halves::Both);
}

// ---------------------------------------------------------------------------
// HRANDFIELD
// ---------------------------------------------------------------------------

/// Above this many times the requested count, a hash is sampled rather than copied and
/// thinned (Redis's HRANDFIELD_SUB_STRATEGY_MUL, 3).
const SUB_STRATEGY_MUL: u64 = 3;

/// Random pairs drawn from a listpack per batch when repeats are allowed (Redis's
/// HRANDFIELD_RANDOM_SAMPLE_LIMIT, 1000): bounds the scratch memory of a huge count.
const RANDOM_SAMPLE_LIMIT: usize = 1000;

/// `HRANDFIELD key [count [WITHVALUES]]` → without count, one random field (null for a
/// missing key); with a count, see [`hrandfield_with_count`].
fn hrandfield(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.len() >= 3 {
        let Some(l) = parse_i64(argv.get(2)) else {
            ctx.err(ERR_NOT_INT);
            return;
        };
        if l < -i64::MAX {
            ctx.err(&format!(
                "ERR value is out of range, value must between {} and {}",
                -i64::MAX,
                i64::MAX
            ));
            return;
        }
        let withvalues = argv.len() == 4;
        if argv.len() > 4 || (withvalues && !argv.is(3, "withvalues")) {
            ctx.syntax_error();
            return;
        }
        if withvalues && !(-i64::MAX / 2..=i64::MAX / 2).contains(&l) {
            ctx.err("ERR value is out of range");
            return;
        }
        hrandfield_with_count(ctx, argv.get(1), l, withvalues);
        return;
    }
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let Some(o) = ks.lookup_read(db, argv.get(1)) else {
        c.add_null();
        return;
    };
    let Some(h) = o.as_hash() else {
        c.add_error(WRONGTYPE);
        return;
    };
    match h.random_pair() {
        Some((k, _)) => add_entry(c, k),
        None => c.add_null(),
    }
}

/// One HRANDFIELD element: the field, or with values a [field, value] pair (a nested array
/// in RESP3, two flat entries in RESP2).
fn add_random_pair(c: &mut Client, k: Entry<'_>, v: Entry<'_>, withvalues: bool) {
    if withvalues && c.resp > 2 {
        c.add_array_len(2);
    }
    add_entry(c, k);
    if withvalues {
        add_entry(c, v);
    }
}

/// Redis's hrandfieldWithCountCommand. A negative count returns that many fields with
/// repeats, in random order (case 1); a positive count returns distinct fields: the whole
/// hash when it has no more (case 2), the hash copied and thinned at random when the count
/// is more than a third of it (case 3), otherwise random picks until enough distinct ones
/// (case 4; for a listpack, one selection walk).
fn hrandfield_with_count(ctx: &mut Ctx<'_>, key: &[u8], l: i64, withvalues: bool) {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let Some(o) = ks.lookup_read(db, key) else {
        c.add_array_len(0);
        return;
    };
    let Some(h) = o.as_hash() else {
        c.add_error(WRONGTYPE);
        return;
    };
    let size = h.len() as u64;
    let uniq = l >= 0;
    let count = l.unsigned_abs();
    if count == 0 {
        c.add_array_len(0);
        return;
    }
    let flat = withvalues && c.resp == 2;

    // Case 1: repeats allowed (or a single field).
    if !uniq || count == 1 {
        c.add_array_len(if flat { count * 2 } else { count } as usize);
        if h.as_listpack().is_some() {
            let mut left = count;
            while left > 0 {
                let batch = left.min(RANDOM_SAMPLE_LIMIT as u64);
                left -= batch;
                h.listpack_random_pairs(batch as usize, |k, v| {
                    add_random_pair(c, k, v, withvalues)
                });
                if c.has_flag(cf::CLOSE_ASAP) {
                    break;
                }
            }
        } else {
            for _ in 0..count {
                let Some((k, v)) = h.random_pair() else {
                    break;
                };
                add_random_pair(c, k, v, withvalues);
                if c.has_flag(cf::CLOSE_ASAP) {
                    break;
                }
            }
        }
        return;
    }

    let reply_size = count.min(size) as usize;
    c.add_array_len(if flat { reply_size * 2 } else { reply_size });

    // Case 2: the whole hash.
    if count >= size {
        for (k, v) in h.iter() {
            add_random_pair(c, k, v, withvalues);
        }
        return;
    }

    // Case 3: copy every pair, remove random ones until `count` remain, reply the rest in
    // the copy's table order.
    if count.saturating_mul(SUB_STRATEGY_MUL) > size {
        let mut copy: Dict<Option<Box<[u8]>>> = Dict::with_capacity(size as usize);
        let mut scratch = [0u8; 20];
        for (k, v) in h.iter() {
            let v = withvalues.then(|| v.to_vec().into_boxed_slice());
            copy.insert(k.as_bytes(&mut scratch), v);
        }
        let mut left = size;
        while left > count {
            let Some(victim) = copy.random_entry().map(|(k, _)| k.to_vec()) else {
                break;
            };
            copy.remove(&victim);
            left -= 1;
        }
        for (k, v) in copy.iter() {
            let v = v.as_deref().unwrap_or_default();
            add_random_pair(c, Entry::Str(k), Entry::Str(v), withvalues);
        }
        return;
    }

    // Case 4: few fields out of many.
    if h.as_listpack().is_some() {
        h.listpack_random_pairs_unique(count as usize, |k, v| add_random_pair(c, k, v, withvalues));
        return;
    }
    let mut seen: std::collections::HashSet<&[u8]> =
        std::collections::HashSet::with_capacity(count as usize);
    while (seen.len() as u64) < count {
        let Some((k, v)) = h.random_pair() else {
            break;
        };
        let Entry::Str(field) = k else {
            continue; // a hashtable holds strings only
        };
        if seen.insert(field) {
            add_random_pair(c, k, v, withvalues);
        }
    }
}

// ---------------------------------------------------------------------------
// HSCAN
// ---------------------------------------------------------------------------

/// `HSCAN key cursor [MATCH pattern] [COUNT count]` → `[next-cursor, [field, value, ...]]`.
/// A listpack-encoded hash comes back whole with cursor 0; a hashtable is walked with the
/// dict's reverse-binary cursor, COUNT pairs as a hint (at most 10 × COUNT buckets per
/// call). MATCH filters on fields. The cursor is checked before the key, the options only
/// once the key is known to be a hash, as Redis does.
fn hscan(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(mut cursor) = parse_scan_cursor(argv.get(2)) else {
        ctx.err("ERR invalid cursor");
        return;
    };
    let db = ctx.db();
    let key = argv.get(1);
    match ctx.ks().lookup_read(db, key).map(|o| o.as_hash().is_some()) {
        None => {
            let c = ctx.client();
            c.add_array_len(2);
            c.add_bulk(b"0");
            c.add_array_len(0);
            return;
        }
        Some(false) => {
            ctx.wrongtype();
            return;
        }
        Some(true) => {}
    }
    let Some(opts) = parse_scan_options(ctx, argv, 3, false) else {
        return;
    };
    let (ks, c) = ctx.parts();
    let Some(h) = ks.dbs[db].dict.get(key).and_then(|o| o.as_hash()) else {
        return;
    };

    // Step 1: collect pairs into one buffer (no allocation per pair).
    let mut buf: Vec<u8> = Vec::new();
    let mut spans: Vec<(usize, usize, usize)> = Vec::new(); // (offset, field len, value len)
    fn push(buf: &mut Vec<u8>, spans: &mut Vec<(usize, usize, usize)>, k: &[u8], v: &[u8]) {
        spans.push((buf.len(), k.len(), v.len()));
        buf.extend_from_slice(k);
        buf.extend_from_slice(v);
    }
    if h.as_listpack().is_some() {
        let (mut kb, mut vb) = ([0u8; 20], [0u8; 20]);
        for (k, v) in h.iter() {
            push(
                &mut buf,
                &mut spans,
                k.as_bytes(&mut kb),
                v.as_bytes(&mut vb),
            );
        }
        cursor = 0;
    } else {
        // COUNT counts replied elements, two per pair, as Redis's `count *= 2`.
        let want = usize::try_from(opts.count.saturating_mul(2)).unwrap_or(usize::MAX);
        let mut max_iterations = opts.count.saturating_mul(20);
        loop {
            cursor = h.scan(cursor, |k, v| push(&mut buf, &mut spans, k, v));
            if cursor == 0 || max_iterations == 0 || spans.len() * 2 >= want {
                break;
            }
            max_iterations -= 1;
        }
    }

    // Step 2: MATCH filters on the field; its value goes with it.
    if let Some(pat) = opts.pattern {
        spans.retain(|&(off, klen, _)| string_match(pat, &buf[off..off + klen], false));
    }

    // Step 3: reply. The cursor prints as C's signed long long, as Redis's.
    c.add_array_len(2);
    c.add_bulk_int(cursor as i64);
    c.add_array_len(spans.len() * 2);
    for (off, klen, vlen) in spans {
        c.add_bulk(&buf[off..off + klen]);
        c.add_bulk(&buf[off + klen..off + klen + vlen]);
    }
}

/// In-process checks of what clients cannot see over the wire yet: the dirty counter and
/// the propagation rewrite, on a real `Server` with one client on a socket pair.
#[cfg(test)]
mod tests {
    use crate::client::{Client, Conn};
    use crate::commands::{process_command, Argv};
    use crate::config::Config;
    use crate::server::Server;

    struct Harness {
        srv: Server,
        cid: usize,
        _peer: std::os::unix::net::UnixStream,
    }

    impl Harness {
        fn new() -> Harness {
            let mut srv = Server::new(Config::default(), "rudis-test".into()).expect("server");
            let (ours, theirs) = std::os::unix::net::UnixStream::pair().expect("socket pair");
            ours.set_nonblocking(true).expect("nonblocking");
            let conn = Conn::Unix(mio::net::UnixStream::from_std(ours));
            let now = srv.ks.now_ms;
            let id = srv.next_client_id;
            srv.next_client_id += 1;
            let cid =
                srv.clients
                    .insert(Client::new(id, conn, "test:0".into(), "test:0".into(), now));
            Harness {
                srv,
                cid,
                _peer: theirs,
            }
        }

        /// Runs `line` (space-separated arguments); returns (dirty added, rewrite).
        fn run(&mut self, line: &str) -> (u64, Option<String>) {
            let mut buf = Vec::new();
            let mut spans = Vec::new();
            for a in line.split(' ') {
                spans.push((buf.len(), a.len()));
                buf.extend_from_slice(a.as_bytes());
            }
            let before = self.srv.ks.dirty;
            process_command(&mut self.srv, self.cid, &Argv::new(&buf, &spans));
            let rewritten = self.srv.propagation.rewritten.as_ref().map(|v| {
                v.iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            (self.srv.ks.dirty - before, rewritten)
        }
    }

    #[test]
    fn dirty_counts_as_redis() {
        let mut h = Harness::new();
        assert_eq!(h.run("HSET h a 1 b 2 a 3"), (3, None));
        assert_eq!(h.run("HMSET h a 1"), (1, None));
        assert_eq!(h.run("HSETNX h a 1").0, 0);
        assert_eq!(h.run("HSETNX h c 1").0, 1);
        assert_eq!(h.run("HDEL h x y").0, 0);
        assert_eq!(h.run("HDEL h a b x").0, 2);
        assert_eq!(h.run("HINCRBY h n 5").0, 1);
        assert_eq!(h.run("HINCRBY h c x").0, 0);
        assert_eq!(h.run("HGET h n").0, 0);
        // The last field: the key goes too, and the loop stops.
        assert_eq!(h.run("HDEL h c n c").0, 2);
        assert!(h.srv.ks.dbs[0].dict.is_empty());
    }

    #[test]
    fn hincrbyfloat_propagates_as_hset_of_the_result() {
        let mut h = Harness::new();
        assert_eq!(
            h.run("HINCRBYFLOAT h f 10.5"),
            (1, Some("HSET h f 10.5".into()))
        );
        assert_eq!(
            h.run("HINCRBYFLOAT h f 0.1"),
            (1, Some("HSET h f 10.6".into()))
        );
        assert_eq!(h.run("HINCRBYFLOAT h f 1e4933"), (0, None));
        assert_eq!(h.run("HINCRBY h f 1"), (0, None));
    }
}
