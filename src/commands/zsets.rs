//! Sorted-set commands (the command side of Redis's t_zset.c): ZADD and ZINCRBY, the range
//! readers (ZRANGE and its BYSCORE/BYLEX/REV/LIMIT forms, the legacy ZRANGEBYSCORE,
//! ZREVRANGE ...), the counters, ranks and scores, the removers, the pops (ZPOPMIN, ZPOPMAX,
//! ZMPOP and their blocking forms), ZRANDMEMBER, ZSCAN, and the set algebra (ZUNION, ZINTER,
//! ZDIFF, their STORE forms, ZINTERCARD) which also reads plain sets as members of score 1.
//!
//! Owns: argument parsing and Redis's error texts, what each command reads, writes and replies
//! (scores as `%.17g` bulk strings in RESP2, doubles in RESP3), what it counts as changes
//! (`dirty`), the keys it signals and the keyspace events it fires, and how it is propagated
//! (ZMPOP as ZPOPMIN/ZPOPMAX with a count). It must never touch a sorted set's bytes or nodes:
//! `db::zset` does that.
//!
//! Encodings: a key ZADD creates is a listpack unless `zset-max-listpack-entries` is 0 or the
//! first member is longer than `zset-max-listpack-value`; it turns into a skiplist as it grows
//! (see `db::zset`). The STORE commands of the set algebra build a skiplist and turn it back
//! into a listpack when the result fits; ZRANGESTORE picks the encoding from the length of a
//! rank range (a listpack for score and lex ranges) and converts as it adds.

use super::flags::*;
use super::keys::scan::{parse_scan_cursor, parse_scan_options};
use super::{Argv, CommandSpec, Ctx};
use crate::blocked::{self, BlockType};
use crate::client::{flags as cf, Client};
use crate::db::dict::Dict;
use crate::db::listpack::Entry;
use crate::db::object::{RObj, SetValue, Value, ValueRef, WRONGTYPE};
use crate::db::skiplist::{LexBound, LexRange, ScoreRange};
use crate::db::zset::{AddFlags, Big, Limits, Pos, ZSetValue};
use crate::db::Keyspace;
use crate::util::glob::string_match;
use crate::util::numeric::{g17, parse_f64, parse_f64_range_bound, parse_i64};

/// Redis's NOTIFY_ZSET class letter.
const NOTIFY_ZSET: u8 = b'z';
/// Redis's NOTIFY_GENERIC class letter.
const NOTIFY_GENERIC: u8 = b'g';

const ERR_NOT_INT: &str = "ERR value is not an integer or out of range";
const ERR_NOT_FLOAT: &str = "ERR value is not a valid float";
const ERR_MIN_MAX_FLOAT: &str = "ERR min or max is not a float";
const ERR_MIN_MAX_LEX: &str = "ERR min or max not valid string range item";
const ERR_NAN: &str = "ERR resulting score is not a number (NaN)";

/// 1000, Redis's ZRANDMEMBER_RANDOM_SAMPLE_LIMIT: negative-count picks from a listpack are
/// made in batches of this many.
const ZRANDMEMBER_RANDOM_SAMPLE_LIMIT: usize = 1000;
/// 3, Redis's ZRANDMEMBER_SUB_STRATEGY_MUL: asking for more than a third of the set copies it
/// and removes random members instead of picking them.
const ZRANDMEMBER_SUB_STRATEGY_MUL: usize = 3;

/// A spec with one key at position 1 (most sorted-set commands).
#[allow(clippy::too_many_arguments)]
const fn spec(
    name: &'static str,
    handler: super::Handler,
    arity: i32,
    flags: u32,
    keys: (i32, i32, i32),
    since: &'static str,
    summary: &'static str,
    syntax: &'static str,
) -> CommandSpec {
    CommandSpec {
        name,
        handler,
        arity,
        flags,
        first_key: keys.0,
        last_key: keys.1,
        key_step: keys.2,
        group: "sorted-set",
        summary,
        since,
        syntax,
        subcommands: &[],
    }
}

const K1: (i32, i32, i32) = (1, 1, 1);
const NOKEYS: (i32, i32, i32) = (0, 0, 0);

/// Arity, flags, key positions, summaries and `since` as Redis 7.0.15's command JSON files.
pub const COMMANDS: &[CommandSpec] = &[
    spec("zadd", zadd, -4, WRITE | DENYOOM | FAST, K1, "1.2.0",
        "Add one or more members to a sorted set, or update its score if it already exists",
        "key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]"),
    spec("zincrby", zincrby, 4, WRITE | DENYOOM | FAST, K1, "1.2.0",
        "Increment the score of a member in a sorted set", "key increment member"),
    spec("zcard", zcard, 2, READONLY | FAST, K1, "1.2.0",
        "Get the number of members in a sorted set", "key"),
    spec("zcount", zcount, 4, READONLY | FAST, K1, "2.0.0",
        "Count the members in a sorted set with scores within the given values", "key min max"),
    spec("zlexcount", zlexcount, 4, READONLY | FAST, K1, "2.8.9",
        "Count the number of members in a sorted set between a given lexicographical range",
        "key min max"),
    spec("zscore", zscore, 3, READONLY | FAST, K1, "1.2.0",
        "Get the score associated with the given member in a sorted set", "key member"),
    spec("zmscore", zmscore, -3, READONLY | FAST, K1, "6.2.0",
        "Get the score associated with the given members in a sorted set",
        "key member [member ...]"),
    spec("zrank", zrank, 3, READONLY | FAST, K1, "2.0.0",
        "Determine the index of a member in a sorted set", "key member"),
    spec("zrevrank", zrevrank, 3, READONLY | FAST, K1, "2.0.0",
        "Determine the index of a member in a sorted set, with scores ordered from high to low",
        "key member"),
    spec("zrange", zrange, -4, READONLY, K1, "1.2.0",
        "Return a range of members in a sorted set",
        "key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]"),
    spec("zrangestore", zrangestore, -5, WRITE | DENYOOM, (1, 2, 1), "6.2.0",
        "Store a range of members from sorted set into another key",
        "dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]"),
    spec("zrangebyscore", zrangebyscore, -4, READONLY, K1, "1.0.5",
        "Return a range of members in a sorted set, by score",
        "key min max [WITHSCORES] [LIMIT offset count]"),
    spec("zrevrangebyscore", zrevrangebyscore, -4, READONLY, K1, "2.2.0",
        "Return a range of members in a sorted set, by score, with scores ordered from high to low",
        "key max min [WITHSCORES] [LIMIT offset count]"),
    spec("zrangebylex", zrangebylex, -4, READONLY, K1, "2.8.9",
        "Return a range of members in a sorted set, by lexicographical range",
        "key min max [LIMIT offset count]"),
    spec("zrevrangebylex", zrevrangebylex, -4, READONLY, K1, "2.8.9",
        "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
        "key max min [LIMIT offset count]"),
    spec("zrevrange", zrevrange, -4, READONLY, K1, "1.2.0",
        "Return a range of members in a sorted set, by index, with scores ordered from high to low",
        "key start stop [WITHSCORES]"),
    spec("zrem", zrem, -3, WRITE | FAST, K1, "1.2.0",
        "Remove one or more members from a sorted set", "key member [member ...]"),
    spec("zremrangebyrank", zremrangebyrank, 4, WRITE, K1, "2.0.0",
        "Remove all members in a sorted set within the given indexes", "key start stop"),
    spec("zremrangebyscore", zremrangebyscore, 4, WRITE, K1, "1.2.0",
        "Remove all members in a sorted set within the given scores", "key min max"),
    spec("zremrangebylex", zremrangebylex, 4, WRITE, K1, "2.8.9",
        "Remove all members in a sorted set between the given lexicographical range",
        "key min max"),
    spec("zpopmin", zpopmin, -2, WRITE | FAST, K1, "5.0.0",
        "Remove and return members with the lowest scores in a sorted set", "key [count]"),
    spec("zpopmax", zpopmax, -2, WRITE | FAST, K1, "5.0.0",
        "Remove and return members with the highest scores in a sorted set", "key [count]"),
    spec("zmpop", zmpop, -4, WRITE, NOKEYS, "7.0.0",
        "Remove and return members with scores in a sorted set",
        "numkeys key [key ...] MIN|MAX [COUNT count]"),
    spec("bzpopmin", bzpopmin, -3, WRITE | NOSCRIPT | FAST | BLOCKING, (1, -2, 1), "5.0.0",
        "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
        "key [key ...] timeout"),
    spec("bzpopmax", bzpopmax, -3, WRITE | NOSCRIPT | FAST | BLOCKING, (1, -2, 1), "5.0.0",
        "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
        "key [key ...] timeout"),
    spec("bzmpop", bzmpop, -5, WRITE | BLOCKING, NOKEYS, "7.0.0",
        "Remove and return members with scores in a sorted set or block until one is available",
        "timeout numkeys key [key ...] MIN|MAX [COUNT count]"),
    spec("zrandmember", zrandmember, -2, READONLY, K1, "6.2.0",
        "Get one or multiple random elements from a sorted set", "key [count [WITHSCORES]]"),
    spec("zunion", zunion, -3, READONLY, NOKEYS, "6.2.0", "Add multiple sorted sets",
        "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]"),
    spec("zinter", zinter, -3, READONLY, NOKEYS, "6.2.0", "Intersect multiple sorted sets",
        "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]"),
    spec("zdiff", zdiff, -3, READONLY, NOKEYS, "6.2.0", "Subtract multiple sorted sets",
        "numkeys key [key ...] [WITHSCORES]"),
    spec("zunionstore", zunionstore, -4, WRITE | DENYOOM, K1, "2.0.0",
        "Add multiple sorted sets and store the resulting sorted set in a new key",
        "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]"),
    spec("zinterstore", zinterstore, -4, WRITE | DENYOOM, K1, "2.0.0",
        "Intersect multiple sorted sets and store the resulting sorted set in a new key",
        "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]"),
    spec("zdiffstore", zdiffstore, -4, WRITE | DENYOOM, K1, "6.2.0",
        "Subtract multiple sorted sets and store the resulting sorted set in a new key",
        "destination numkeys key [key ...]"),
    spec("zintercard", zintercard, -3, READONLY, NOKEYS, "7.0.0",
        "Intersect multiple sorted sets and return the cardinality of the result",
        "numkeys key [key ...] [LIMIT limit]"),
    spec("zscan", zscan, -3, READONLY, K1, "2.8.0",
        "Incrementally iterate sorted sets elements and associated scores",
        "key cursor [MATCH pattern] [COUNT count]"),
];

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// The `zset-max-listpack-*` limits in force.
fn limits(ctx: &Ctx<'_>) -> Limits {
    Limits {
        max_entries: ctx.srv.config.zset_max_listpack_entries,
        max_value: ctx.srv.config.zset_max_listpack_value,
    }
}

/// Redis's addReplyDouble: `%.17g` (`inf`, `-inf`) as a bulk string in RESP2, a double in RESP3.
fn reply_double(c: &mut Client, v: f64) {
    c.add_double_text(&g17(v));
}

/// A member as a bulk string (listpack integers are rendered).
fn reply_member(c: &mut Client, e: Entry<'_>) {
    match e {
        Entry::Int(v) => c.add_bulk_int(v),
        Entry::Str(s) => c.add_bulk(s),
    }
}

/// Read lookup with the type check: `Err` once WRONGTYPE was replied.
fn lookup_read<'k>(
    ks: &'k mut Keyspace,
    c: &mut Client,
    db: usize,
    key: &[u8],
) -> Result<Option<&'k mut ZSetValue>, ()> {
    lookup(ks, c, db, key, false)
}

/// Write lookup with the type check: `Err` once WRONGTYPE was replied.
fn lookup_write<'k>(
    ks: &'k mut Keyspace,
    c: &mut Client,
    db: usize,
    key: &[u8],
) -> Result<Option<&'k mut ZSetValue>, ()> {
    lookup(ks, c, db, key, true)
}

fn lookup<'k>(
    ks: &'k mut Keyspace,
    c: &mut Client,
    db: usize,
    key: &[u8],
    write: bool,
) -> Result<Option<&'k mut ZSetValue>, ()> {
    let o = if write {
        ks.lookup_write(db, key)
    } else {
        ks.lookup_read(db, key)
    };
    match o {
        None => Ok(None),
        Some(o) => match o.as_zset_mut() {
            Some(z) => Ok(Some(z)),
            None => {
                c.add_error(WRONGTYPE);
                Err(())
            }
        },
    }
}

/// The sorted set stored at `key`, which the caller just checked exists.
fn stored<'k>(ks: &'k mut Keyspace, db: usize, key: &[u8]) -> Option<&'k mut ZSetValue> {
    ks.dbs[db].dict.get_mut(key).and_then(|o| o.as_zset_mut())
}

/// Stores `z` at `key` (Redis's setKey: an expired key goes first, the TTL goes, WATCH is
/// signalled; a new key is signalled ready for blocked clients by the keyspace, as dbAdd).
fn store_zset(ctx: &mut Ctx<'_>, db: usize, key: &[u8], z: ZSetValue) {
    ctx.ks().lookup_write(db, key);
    ctx.ks()
        .set_key(db, key, RObj::new(Value::ZSet(z), 0), false);
    ctx.signal_modified_key(db, key);
}

/// Deletes a destination key a store command left empty, as Redis: `del` event and one change
/// only if there was something to delete.
fn delete_destination(ctx: &mut Ctx<'_>, db: usize, key: &[u8]) {
    if ctx.ks().delete(db, key) {
        ctx.signal_modified_key(db, key);
        ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
        ctx.dirty(1);
    }
}

/// Redis's getLongFromObjectOrReply with its default message.
fn arg_long(c: &mut Client, arg: &[u8]) -> Option<i64> {
    let v = parse_i64(arg);
    if v.is_none() {
        c.add_error(ERR_NOT_INT);
    }
    v
}

/// Redis's getRangeLongFromObjectOrReply: `msg` for both a non-integer and a value out of
/// `min..=max`; without `msg`, Redis's two default texts.
fn arg_long_in(c: &mut Client, arg: &[u8], min: i64, max: i64, msg: Option<&str>) -> Option<i64> {
    let Some(v) = parse_i64(arg) else {
        c.add_error(msg.unwrap_or(ERR_NOT_INT));
        return None;
    };
    if v < min || v > max {
        match msg {
            Some(m) => c.add_error(m),
            None => c.add_error(&format!(
                "ERR value is out of range, value must between {min} and {max}"
            )),
        }
        return None;
    }
    Some(v)
}

/// Parses `min max` of a score range (Redis's zslParseRange): `(` excludes the bound, the rest
/// is read with `strtod`; NaN or trailing junk is an error.
fn parse_score_range(min: &[u8], max: &[u8]) -> Option<ScoreRange> {
    fn bound(s: &[u8]) -> Option<(f64, bool)> {
        match s.first() {
            Some(b'(') => parse_f64_range_bound(&s[1..]).map(|v| (v, true)),
            _ => parse_f64_range_bound(s).map(|v| (v, false)),
        }
    }
    let (min, minex) = bound(min)?;
    let (max, maxex) = bound(max)?;
    Some(ScoreRange {
        min,
        max,
        minex,
        maxex,
    })
}

/// Parses `min max` of a lex range (Redis's zslParseLexRange): `-` and `+` are the infinities,
/// `[m` includes `m`, `(m` excludes it; anything else is an error.
fn parse_lex_range<'a>(min: &'a [u8], max: &'a [u8]) -> Option<LexRange<'a>> {
    fn item(s: &[u8]) -> Option<(LexBound<'_>, bool)> {
        // Like the C string Redis reads, "+" and "-" end at a NUL byte.
        let alone = s.len() == 1 || s.get(1) == Some(&0);
        match s.first()? {
            b'+' if alone => Some((LexBound::Max, true)),
            b'-' if alone => Some((LexBound::Min, true)),
            b'(' => Some((LexBound::Value(&s[1..]), true)),
            b'[' => Some((LexBound::Value(&s[1..]), false)),
            _ => None,
        }
    }
    let (min, minex) = item(min)?;
    let (max, maxex) = item(max)?;
    Some(LexRange {
        min,
        max,
        minex,
        maxex,
    })
}

// ---------------------------------------------------------------------------------------------
// ZADD, ZINCRBY
// ---------------------------------------------------------------------------------------------

/// `ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]` → members added (with
/// CH: added or changed); with INCR the new score, or null when NX/XX/GT/LT stopped it.
fn zadd(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zadd_generic(ctx, argv, false);
}

/// `ZINCRBY key increment member` → the member's new score.
fn zincrby(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zadd_generic(ctx, argv, true);
}

/// Redis's zaddGenericCommand.
fn zadd_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>, incr_cmd: bool) {
    let key = argv.get(1);
    let mut flags = AddFlags {
        incr: incr_cmd,
        ..AddFlags::default()
    };
    let mut ch = false;
    let mut idx = 2;
    while idx < argv.len() {
        let o = argv.get(idx);
        if o.eq_ignore_ascii_case(b"nx") {
            flags.nx = true;
        } else if o.eq_ignore_ascii_case(b"xx") {
            flags.xx = true;
        } else if o.eq_ignore_ascii_case(b"ch") {
            ch = true;
        } else if o.eq_ignore_ascii_case(b"incr") {
            flags.incr = true;
        } else if o.eq_ignore_ascii_case(b"gt") {
            flags.gt = true;
        } else if o.eq_ignore_ascii_case(b"lt") {
            flags.lt = true;
        } else {
            break;
        }
        idx += 1;
    }
    let elements = argv.len() - idx;
    if elements % 2 != 0 || elements == 0 {
        ctx.syntax_error();
        return;
    }
    let elements = elements / 2;
    if flags.nx && flags.xx {
        ctx.err("ERR XX and NX options at the same time are not compatible");
        return;
    }
    if (flags.nx && (flags.gt || flags.lt)) || (flags.gt && flags.lt) {
        ctx.err("ERR GT, LT, and/or NX options at the same time are not compatible");
        return;
    }
    if flags.incr && elements > 1 {
        ctx.err("ERR INCR option supports a single increment-element pair");
        return;
    }
    // Every score is checked before anything changes: all or nothing.
    let mut scores = Vec::with_capacity(elements);
    for j in 0..elements {
        match parse_f64(argv.get(idx + 2 * j)) {
            Some(s) => scores.push(s),
            None => {
                ctx.err(ERR_NOT_FLOAT);
                return;
            }
        }
    }
    let lim = limits(ctx);
    let db = ctx.db();
    let (mut added, mut updated, mut processed) = (0usize, 0usize, 0usize);
    let mut score = 0.0;
    let mut nan = false;
    {
        let (ks, c) = ctx.parts();
        let exists = match lookup_write(ks, c, db, key) {
            Err(()) => return,
            Ok(z) => z.is_some(),
        };
        // A new key (Redis's dbAdd, which also wakes clients blocked on it).
        let created = !exists && !flags.xx;
        if created {
            let z = ZSetValue::for_new_key(argv.get(idx + 1).len(), lim);
            ks.set_key(db, key, RObj::new(Value::ZSet(z), 0), false);
        }
        if let Some(z) = stored(ks, db, key) {
            for (j, &s) in scores.iter().enumerate() {
                match z.add(s, argv.get(idx + 1 + 2 * j), flags, lim) {
                    Err(_) => {
                        nan = true;
                        break;
                    }
                    Ok(r) => {
                        added += usize::from(r.added);
                        updated += usize::from(r.updated);
                        if !r.nop {
                            processed += 1;
                            score = r.score;
                        }
                    }
                }
            }
        }
        if created && stored(ks, db, key).is_some_and(|z| z.is_empty()) {
            // Never left behind: a new key always gets its first member.
            ks.delete(db, key);
        }
    }
    if nan {
        ctx.err(ERR_NAN);
    } else {
        ctx.dirty((added + updated) as u64);
        let c = ctx.client();
        if flags.incr {
            if processed > 0 {
                reply_double(c, score);
            } else {
                c.add_null();
            }
        } else {
            c.add_int(if ch { added + updated } else { added } as i64);
        }
    }
    if added > 0 || updated > 0 {
        ctx.signal_modified_key(db, key);
        let event = if flags.incr { "zincr" } else { "zadd" };
        ctx.notify_keyspace_event(NOTIFY_ZSET, event, key, db);
    }
}

// ---------------------------------------------------------------------------------------------
// ZREM, ZREMRANGEBY*
// ---------------------------------------------------------------------------------------------

/// `ZREM key member [member ...]` → members removed; the key goes when it empties.
fn zrem(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let key = argv.get(1);
    let db = ctx.db();
    let mut deleted = 0usize;
    let mut key_removed = false;
    {
        let (ks, c) = ctx.parts();
        let z = match lookup_write(ks, c, db, key) {
            Err(()) => return,
            Ok(None) => {
                c.add_int(0);
                return;
            }
            Ok(Some(z)) => z,
        };
        for m in argv.iter().skip(2) {
            if z.remove(m) {
                deleted += 1;
            }
            if z.is_empty() {
                key_removed = true;
                break;
            }
        }
        if key_removed {
            ks.delete(db, key);
        }
    }
    if deleted > 0 {
        ctx.notify_keyspace_event(NOTIFY_ZSET, "zrem", key, db);
        if key_removed {
            ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
        }
        ctx.signal_modified_key(db, key);
        ctx.dirty(deleted as u64);
    }
    ctx.int(deleted as i64);
}

/// What a ZREMRANGEBY* removes.
enum RemRange<'a> {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange<'a>),
}

/// `ZREMRANGEBYRANK key start stop` → members removed (ranks from 0, negative from the end).
fn zremrangebyrank(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(start) = arg_long(ctx.client(), argv.get(2)) else {
        return;
    };
    let Some(end) = arg_long(ctx.client(), argv.get(3)) else {
        return;
    };
    zremrange_generic(ctx, argv, RemRange::Rank(start, end), "zremrangebyrank");
}

/// `ZREMRANGEBYSCORE key min max` → members removed.
fn zremrangebyscore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(r) = parse_score_range(argv.get(2), argv.get(3)) else {
        ctx.err(ERR_MIN_MAX_FLOAT);
        return;
    };
    zremrange_generic(ctx, argv, RemRange::Score(r), "zremrangebyscore");
}

/// `ZREMRANGEBYLEX key min max` → members removed.
fn zremrangebylex(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(r) = parse_lex_range(argv.get(2), argv.get(3)) else {
        ctx.err(ERR_MIN_MAX_LEX);
        return;
    };
    zremrange_generic(ctx, argv, RemRange::Lex(r), "zremrangebylex");
}

/// Redis's zremrangeGenericCommand.
fn zremrange_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>, range: RemRange<'_>, event: &str) {
    let key = argv.get(1);
    let db = ctx.db();
    let deleted;
    let mut key_removed = false;
    {
        let (ks, c) = ctx.parts();
        let z = match lookup_write(ks, c, db, key) {
            Err(()) => return,
            Ok(None) => {
                c.add_int(0);
                return;
            }
            Ok(Some(z)) => z,
        };
        deleted = match range {
            RemRange::Rank(start, end) => {
                let len = z.len() as i64;
                let mut start = if start < 0 { len + start } else { start };
                let end = if end < 0 { len + end } else { end };
                if start < 0 {
                    start = 0;
                }
                if start > end || start >= len {
                    c.add_int(0);
                    return;
                }
                z.delete_range_by_rank(start as usize, end.min(len - 1) as usize)
            }
            RemRange::Score(r) => z.delete_range_by_score(&r),
            RemRange::Lex(r) => z.delete_range_by_lex(&r),
        };
        if z.is_empty() {
            ks.delete(db, key);
            key_removed = true;
        }
    }
    if deleted > 0 {
        ctx.signal_modified_key(db, key);
        ctx.notify_keyspace_event(NOTIFY_ZSET, event, key, db);
        if key_removed {
            ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
        }
    }
    ctx.dirty(deleted as u64);
    ctx.int(deleted as i64);
}

// ---------------------------------------------------------------------------------------------
// Readers: ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZCOUNT, ZLEXCOUNT
// ---------------------------------------------------------------------------------------------

/// `ZCARD key` → number of members (0 for a missing key).
fn zcard(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    match lookup_read(ks, c, db, argv.get(1)) {
        Err(()) => {}
        Ok(None) => c.add_int(0),
        Ok(Some(z)) => c.add_int(z.len() as i64),
    }
}

/// `ZSCORE key member` → the score, or null.
fn zscore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    match lookup_read(ks, c, db, argv.get(1)) {
        Err(()) => {}
        Ok(None) => c.add_null(),
        Ok(Some(z)) => match z.score(argv.get(2)) {
            Some(s) => reply_double(c, s),
            None => c.add_null(),
        },
    }
}

/// `ZMSCORE key member [member ...]` → one score or null per member (a missing key is an
/// empty set).
fn zmscore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let Ok(z) = lookup_read(ks, c, db, argv.get(1)) else {
        return;
    };
    c.add_array_len(argv.len() - 2);
    for m in argv.iter().skip(2) {
        match z.as_ref().and_then(|z| z.score(m)) {
            Some(s) => reply_double(c, s),
            None => c.add_null(),
        }
    }
}

/// `ZRANK key member` → 0-based rank from the lowest score, or null.
fn zrank(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zrank_generic(ctx, argv, false);
}

/// `ZREVRANK key member` → 0-based rank from the highest score, or null.
fn zrevrank(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zrank_generic(ctx, argv, true);
}

fn zrank_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>, reverse: bool) {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    match lookup_read(ks, c, db, argv.get(1)) {
        Err(()) => {}
        Ok(None) => c.add_null(),
        Ok(Some(z)) => match z.rank(argv.get(2), reverse) {
            Some(r) => c.add_int(r as i64),
            None => c.add_null(),
        },
    }
}

/// `ZCOUNT key min max` → members with a score in the range.
fn zcount(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(r) = parse_score_range(argv.get(2), argv.get(3)) else {
        ctx.err(ERR_MIN_MAX_FLOAT);
        return;
    };
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    match lookup_read(ks, c, db, argv.get(1)) {
        Err(()) => {}
        Ok(None) => c.add_int(0),
        Ok(Some(z)) => c.add_int(z.count_in_range(&r) as i64),
    }
}

/// `ZLEXCOUNT key min max` → members in the lexicographic range.
fn zlexcount(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(r) = parse_lex_range(argv.get(2), argv.get(3)) else {
        ctx.err(ERR_MIN_MAX_LEX);
        return;
    };
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    match lookup_read(ks, c, db, argv.get(1)) {
        Err(()) => {}
        Ok(None) => c.add_int(0),
        Ok(Some(z)) => c.add_int(z.count_in_lex_range(&r) as i64),
    }
}

// ---------------------------------------------------------------------------------------------
// ZRANGE and friends
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeType {
    Auto,
    Rank,
    Score,
    Lex,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Auto,
    Forward,
    Reverse,
}

/// `ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]` → members
/// (with their scores).
fn zrange(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zrange_generic(ctx, argv, 1, None, RangeType::Auto, Direction::Auto);
}

/// `ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]` → members stored
/// in `dst` (which is deleted when the range is empty).
fn zrangestore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let dst = argv.get(1);
    zrange_generic(ctx, argv, 2, Some(dst), RangeType::Auto, Direction::Auto);
}

/// `ZREVRANGE key start stop [WITHSCORES]`.
fn zrevrange(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zrange_generic(ctx, argv, 1, None, RangeType::Rank, Direction::Reverse);
}

/// `ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]`.
fn zrangebyscore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zrange_generic(ctx, argv, 1, None, RangeType::Score, Direction::Forward);
}

/// `ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]`.
fn zrevrangebyscore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zrange_generic(ctx, argv, 1, None, RangeType::Score, Direction::Reverse);
}

/// `ZRANGEBYLEX key min max [LIMIT offset count]`.
fn zrangebylex(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zrange_generic(ctx, argv, 1, None, RangeType::Lex, Direction::Forward);
}

/// `ZREVRANGEBYLEX key max min [LIMIT offset count]`.
fn zrevrangebylex(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zrange_generic(ctx, argv, 1, None, RangeType::Lex, Direction::Reverse);
}

/// Positions of a rank range (Redis's genericZrangebyrankCommand), after clamping.
fn rank_positions(z: &ZSetValue, start: i64, end: i64, reverse: bool) -> Vec<Pos> {
    let len = z.len() as i64;
    let mut start = if start < 0 { len + start } else { start };
    let mut end = if end < 0 { len + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len {
        return Vec::new();
    }
    if end >= len {
        end = len - 1;
    }
    let n = (end - start + 1) as usize;
    let mut out = Vec::with_capacity(n);
    let mut p = z.by_rank(start as usize, reverse);
    while let Some(q) = p {
        if out.len() == n {
            break;
        }
        out.push(q);
        p = if reverse { z.prev(q) } else { z.next(q) };
    }
    out
}

/// Positions from `first` on while `in_range` holds, after skipping `offset` and taking at
/// most `limit` (negative: no limit) as Redis's genericZrangebyscore/lexCommand do. A negative
/// offset walks off the end, so it yields nothing.
fn walk_positions(
    z: &ZSetValue,
    first: Option<Pos>,
    offset: i64,
    limit: i64,
    reverse: bool,
    in_range: impl Fn(Pos) -> bool,
) -> Vec<Pos> {
    let mut out = Vec::new();
    let mut p = if offset < 0 {
        None
    } else {
        z.skip(first, offset as usize, reverse)
    };
    let mut left = limit;
    while let Some(q) = p {
        if left == 0 {
            break;
        }
        left -= 1;
        if !in_range(q) {
            break;
        }
        out.push(q);
        p = if reverse { z.prev(q) } else { z.next(q) };
    }
    out
}

/// Redis's zrangeGenericCommand: parses the options after `<src> <min> <max>` (which start at
/// `argc_start`) and replies with, or stores in `dst`, the range.
fn zrange_generic(
    ctx: &mut Ctx<'_>,
    argv: &Argv<'_>,
    argc_start: usize,
    dst: Option<&[u8]>,
    mut rangetype: RangeType,
    mut direction: Direction,
) {
    let key = argv.get(argc_start);
    let mut minidx = argc_start + 1;
    let mut maxidx = argc_start + 2;
    let mut withscores = false;
    let mut offset = 0i64;
    let mut limit = -1i64;
    let argc = argv.len();
    let mut j = argc_start + 3;
    while j < argc {
        let leftargs = argc - j - 1;
        if dst.is_none() && argv.is(j, "withscores") {
            withscores = true;
        } else if argv.is(j, "limit") && leftargs >= 2 {
            let Some(o) = arg_long(ctx.client(), argv.get(j + 1)) else {
                return;
            };
            let Some(l) = arg_long(ctx.client(), argv.get(j + 2)) else {
                return;
            };
            offset = o;
            limit = l;
            j += 2;
        } else if direction == Direction::Auto && argv.is(j, "rev") {
            direction = Direction::Reverse;
        } else if rangetype == RangeType::Auto && argv.is(j, "bylex") {
            rangetype = RangeType::Lex;
        } else if rangetype == RangeType::Auto && argv.is(j, "byscore") {
            rangetype = RangeType::Score;
        } else {
            ctx.syntax_error();
            return;
        }
        j += 1;
    }
    if direction == Direction::Auto {
        direction = Direction::Forward;
    }
    if rangetype == RangeType::Auto {
        rangetype = RangeType::Rank;
    }
    if limit != -1 && rangetype == RangeType::Rank {
        ctx.err(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        );
        return;
    }
    if withscores && rangetype == RangeType::Lex {
        ctx.err("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return;
    }
    let reverse = direction == Direction::Reverse;
    if reverse && rangetype != RangeType::Rank {
        // The range is given as max, min.
        std::mem::swap(&mut minidx, &mut maxidx);
    }
    let (mut start, mut end) = (0i64, 0i64);
    let mut score_range = None;
    let mut lex_range = None;
    match rangetype {
        RangeType::Auto | RangeType::Rank => {
            let Some(s) = arg_long(ctx.client(), argv.get(minidx)) else {
                return;
            };
            let Some(e) = arg_long(ctx.client(), argv.get(maxidx)) else {
                return;
            };
            (start, end) = (s, e);
        }
        RangeType::Score => match parse_score_range(argv.get(minidx), argv.get(maxidx)) {
            Some(r) => score_range = Some(r),
            None => {
                ctx.err(ERR_MIN_MAX_FLOAT);
                return;
            }
        },
        RangeType::Lex => match parse_lex_range(argv.get(minidx), argv.get(maxidx)) {
            Some(r) => lex_range = Some(r),
            None => {
                ctx.err(ERR_MIN_MAX_LEX);
                return;
            }
        },
    }
    let with_scores = withscores || dst.is_some();
    let lim = limits(ctx);
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let z = match lookup_read(ks, c, db, key) {
        Err(()) => return,
        Ok(None) => {
            match dst {
                Some(d) => finish_rangestore(ctx, db, d, None),
                None => c.add_array_len(0),
            }
            return;
        }
        Ok(Some(z)) => &*z,
    };
    let positions = match rangetype {
        RangeType::Auto | RangeType::Rank => rank_positions(z, start, end, reverse),
        RangeType::Score => {
            let Some(r) = score_range else { return };
            if offset > 0 && offset as u64 >= z.len() as u64 {
                Vec::new()
            } else {
                let first = if reverse {
                    z.last_in_range(&r)
                } else {
                    z.first_in_range(&r)
                };
                walk_positions(z, first, offset, limit, reverse, |p| {
                    let s = z.score_at(p);
                    if reverse {
                        r.gte_min(s)
                    } else {
                        r.lte_max(s)
                    }
                })
            }
        }
        RangeType::Lex => {
            let Some(r) = lex_range else { return };
            let first = if reverse {
                z.last_in_lex_range(&r)
            } else {
                z.first_in_lex_range(&r)
            };
            walk_positions(z, first, offset, limit, reverse, |p| {
                let mut scratch = [0u8; 20];
                let m = z.member(p);
                let m = m.as_bytes(&mut scratch);
                if reverse {
                    r.gte_min(m)
                } else {
                    r.lte_max(m)
                }
            })
        }
    };
    match dst {
        None => {
            let pairs = with_scores && c.resp > 2;
            c.add_array_len(if with_scores && c.resp == 2 {
                positions.len() * 2
            } else {
                positions.len()
            });
            for &p in &positions {
                if pairs {
                    c.add_array_len(2);
                }
                reply_member(c, z.member(p));
                if with_scores {
                    reply_double(c, z.score_at(p));
                }
            }
        }
        Some(d) => {
            // Redis's zrangeResultBeginStore: a rank range's length picks the encoding; score
            // and lex ranges start as a listpack.
            let mut out = if rangetype == RangeType::Rank && positions.len() > lim.max_entries {
                ZSetValue::new_skiplist()
            } else {
                ZSetValue::new_listpack()
            };
            for &p in &positions {
                let mut scratch = [0u8; 20];
                let m = z.member(p);
                let _ = out.add(
                    z.score_at(p),
                    m.as_bytes(&mut scratch),
                    AddFlags::default(),
                    lim,
                );
            }
            finish_rangestore(ctx, db, d, Some(out));
        }
    }
}

/// Redis's zrangeResultFinalizeStore: stores a non-empty result, else deletes `dst`.
fn finish_rangestore(ctx: &mut Ctx<'_>, db: usize, dst: &[u8], out: Option<ZSetValue>) {
    match out {
        Some(z) if !z.is_empty() => {
            let n = z.len();
            store_zset(ctx, db, dst, z);
            ctx.int(n as i64);
            ctx.notify_keyspace_event(NOTIFY_ZSET, "zrangestore", dst, db);
            ctx.dirty(1);
        }
        _ => {
            ctx.int(0);
            delete_destination(ctx, db, dst);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// ZUNION, ZINTER, ZDIFF, their STORE forms, ZINTERCARD
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// Redis's zunionInterAggregate. A sum of `inf` and `-inf` is 0, not NaN.
fn aggregate(target: &mut f64, v: f64, how: Aggregate) {
    match how {
        Aggregate::Sum => {
            *target += v;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => {
            if v < *target {
                *target = v;
            }
        }
        Aggregate::Max => {
            if v > *target {
                *target = v;
            }
        }
    }
}

/// One input of the set algebra (Redis's zsetopsrc): a sorted set, a set (every member scores
/// 1) or a missing key (empty).
struct Src<'a> {
    key: &'a [u8],
    val: Option<&'a RObj>,
    weight: f64,
}

impl<'a> Src<'a> {
    /// Redis's zuiLength.
    fn len(&self) -> usize {
        match self.val.map(|o| o.value()) {
            Some(ValueRef::ZSet(z)) => z.len(),
            Some(ValueRef::Set(s)) => s.len(),
            _ => 0,
        }
    }

    /// The same object as `other` (the same key).
    fn same_as(&self, other: &Src<'_>) -> bool {
        self.val.is_some() && other.val.is_some() && self.key == other.key
    }

    /// Redis's zuiFind: the score of `member` here (1 for a set member).
    fn find(&self, member: &[u8]) -> Option<f64> {
        match self.val.map(|o| o.value()) {
            Some(ValueRef::ZSet(z)) => z.score(member),
            Some(ValueRef::Set(s)) => set_contains(s, member).then_some(1.0),
            _ => None,
        }
    }

    /// Calls `f(member, score)` for every member in Redis's zuiNext order (a sorted set from
    /// the highest score down) until `f` returns false.
    fn each(&self, mut f: impl FnMut(&[u8], f64) -> bool) {
        match self.val.map(|o| o.value()) {
            Some(ValueRef::ZSet(z)) => {
                for (m, s) in z.iter_rev() {
                    let mut scratch = [0u8; 20];
                    if !f(m.as_bytes(&mut scratch), s) {
                        return;
                    }
                }
            }
            Some(ValueRef::Set(s)) => set_each(s, |m| f(m, 1.0)),
            _ => {}
        }
    }
}

/// Whether plain set `s` holds `member` (an intset compares it as an integer).
fn set_contains(s: &SetValue, member: &[u8]) -> bool {
    s.contains(member)
}

/// Calls `f` for every member of plain set `s` (integers of an intset in decimal) until it
/// returns false.
fn set_each(s: &SetValue, mut f: impl FnMut(&[u8]) -> bool) {
    let mut scratch = [0u8; 20];
    for m in s.iter() {
        if !f(m.as_bytes(&mut scratch)) {
            return;
        }
    }
}

/// The result being built: a skiplist and dict (Redis's dstzset), with the longest member and
/// the total member bytes for the listpack check.
#[derive(Default)]
struct Dst {
    big: Big,
    max_member_len: usize,
    total_member_len: usize,
}

impl Dst {
    fn insert(&mut self, member: &[u8], score: f64) {
        self.big.zsl.insert(score, member);
        self.big.dict.insert(member, score);
        self.max_member_len = self.max_member_len.max(member.len());
        self.total_member_len += member.len();
    }

    fn remove(&mut self, member: &[u8]) -> bool {
        match self.big.dict.remove(member) {
            Some((_, score)) => {
                self.big.zsl.delete(score, member);
                true
            }
            None => false,
        }
    }
}

/// ZDIFF by walking the first input and probing the others (Redis's zdiffAlgorithm1).
fn zdiff_algorithm1(src: &mut [Src<'_>], dst: &mut Dst) {
    // Probe the biggest sets first: members are likelier found there.
    src[1..].sort_by_key(|s| std::cmp::Reverse(s.len()));
    let (first, rest) = src.split_at(1);
    first[0].each(|m, s| {
        let exists = rest
            .iter()
            .any(|o| o.same_as(&first[0]) || o.find(m).is_some());
        if !exists {
            dst.insert(m, s);
        }
        true
    });
}

/// ZDIFF by copying the first input and removing the others' members (Redis's
/// zdiffAlgorithm2).
fn zdiff_algorithm2(src: &[Src<'_>], dst: &mut Dst) {
    let mut cardinality = 0usize;
    for (j, s) in src.iter().enumerate() {
        if s.len() == 0 {
            continue;
        }
        s.each(|m, score| {
            if j == 0 {
                dst.big.zsl.insert(score, m);
                dst.big.dict.insert(m, score);
                cardinality += 1;
            } else if dst.remove(m) {
                cardinality -= 1;
            }
            cardinality > 0
        });
        if cardinality == 0 {
            break;
        }
    }
    dst.big.dict.shrink_to_fit_if_needed();
    for (m, _) in dst.big.dict.iter() {
        dst.max_member_len = dst.max_member_len.max(m.len());
        dst.total_member_len += m.len();
    }
}

/// Redis's zdiff: picks the cheaper algorithm for these inputs.
fn zdiff_into(src: &mut [Src<'_>], dst: &mut Dst) {
    if src[0].len() == 0 {
        return;
    }
    let (mut one, mut two) = (0u64, 0u64);
    for j in 0..src.len() {
        if j > 0 && src[0].same_as(&src[j]) {
            // Subtracting a set from itself leaves nothing.
            return;
        }
        one += src[0].len() as u64;
        two += src[j].len() as u64;
    }
    // Algorithm 1 has better constants and stops early on shared members: give it an edge.
    one /= 2;
    if one <= two {
        zdiff_algorithm1(src, dst);
    } else {
        zdiff_algorithm2(src, dst);
    }
}

/// `ZUNION numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]`.
fn zunion(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zset_op(ctx, argv, None, 1, SetOp::Union, false);
}

/// `ZINTER numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]`.
fn zinter(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zset_op(ctx, argv, None, 1, SetOp::Inter, false);
}

/// `ZDIFF numkeys key [key ...] [WITHSCORES]`.
fn zdiff(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zset_op(ctx, argv, None, 1, SetOp::Diff, false);
}

/// `ZUNIONSTORE dst numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX]` → size.
fn zunionstore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zset_op(ctx, argv, Some(argv.get(1)), 2, SetOp::Union, false);
}

/// `ZINTERSTORE dst numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX]` → size.
fn zinterstore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zset_op(ctx, argv, Some(argv.get(1)), 2, SetOp::Inter, false);
}

/// `ZDIFFSTORE dst numkeys key [key ...]` → size.
fn zdiffstore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zset_op(ctx, argv, Some(argv.get(1)), 2, SetOp::Diff, false);
}

/// `ZINTERCARD numkeys key [key ...] [LIMIT limit]` → size of the intersection, counting
/// stops at `limit` (0: no limit).
fn zintercard(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zset_op(ctx, argv, None, 1, SetOp::Inter, true);
}

/// Redis's zunionInterDiffGenericCommand.
fn zset_op(
    ctx: &mut Ctx<'_>,
    argv: &Argv<'_>,
    dstkey: Option<&[u8]>,
    numkeys_idx: usize,
    op: SetOp,
    cardinality_only: bool,
) {
    let Some(setnum) = arg_long(ctx.client(), argv.get(numkeys_idx)) else {
        return;
    };
    if setnum < 1 {
        let msg = format!(
            "ERR at least 1 input key is needed for '{}' command",
            ctx.cmd_name()
        );
        ctx.err(&msg);
        return;
    }
    let argc = argv.len();
    if setnum > (argc - (numkeys_idx + 1)) as i64 {
        ctx.syntax_error();
        return;
    }
    let setnum = setnum as usize;
    let db = ctx.db();
    let first = numkeys_idx + 1;
    // Look every input up (expiry, stats) in order; the first wrong type ends the command.
    for key in argv.iter().skip(first).take(setnum) {
        let (ks, c) = ctx.parts();
        if let Some(o) = ks.lookup_read(db, key) {
            if !matches!(o.value(), ValueRef::ZSet(_) | ValueRef::Set(_)) {
                c.add_error(WRONGTYPE);
                return;
            }
        }
    }
    let mut weights = vec![1.0f64; setnum];
    let mut how = Aggregate::Sum;
    let mut withscores = false;
    let mut limit = 0i64;
    let mut j = first + setnum;
    while j < argc {
        let remaining = argc - j;
        if op != SetOp::Diff && !cardinality_only && remaining > setnum && argv.is(j, "weights") {
            j += 1;
            for w in weights.iter_mut() {
                match parse_f64(argv.get(j)) {
                    Some(v) => *w = v,
                    None => {
                        ctx.err("ERR weight value is not a float");
                        return;
                    }
                }
                j += 1;
            }
        } else if op != SetOp::Diff
            && !cardinality_only
            && remaining >= 2
            && argv.is(j, "aggregate")
        {
            how = if argv.is(j + 1, "sum") {
                Aggregate::Sum
            } else if argv.is(j + 1, "min") {
                Aggregate::Min
            } else if argv.is(j + 1, "max") {
                Aggregate::Max
            } else {
                ctx.syntax_error();
                return;
            };
            j += 2;
        } else if dstkey.is_none() && !cardinality_only && argv.is(j, "withscores") {
            withscores = true;
            j += 1;
        } else if cardinality_only && remaining >= 2 && argv.is(j, "limit") {
            let Some(l) = arg_long_in(
                ctx.client(),
                argv.get(j + 1),
                0,
                i64::MAX,
                Some("ERR LIMIT can't be negative"),
            ) else {
                return;
            };
            limit = l;
            j += 2;
        } else {
            ctx.syntax_error();
            return;
        }
    }

    let dict = &ctx.srv.ks.dbs[db].dict;
    let mut src: Vec<Src<'_>> = argv
        .iter()
        .skip(first)
        .take(setnum)
        .zip(&weights)
        .map(|(key, &weight)| Src {
            key,
            val: dict.get(key),
            weight,
        })
        .collect();
    if op != SetOp::Diff {
        // Smallest first: intersections stop sooner, unions size their table once.
        src.sort_by_key(|s| s.len());
    }
    let mut dst = Dst::default();
    let mut cardinality = 0u64;
    match op {
        SetOp::Inter => {
            if src[0].len() > 0 {
                let (head, rest) = src.split_at(1);
                let s0 = &head[0];
                s0.each(|m, s| {
                    let mut score = s0.weight * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    for o in rest {
                        let v = if o.same_as(s0) {
                            Some(s * o.weight)
                        } else {
                            o.find(m).map(|v| v * o.weight)
                        };
                        match v {
                            Some(v) => aggregate(&mut score, v, how),
                            None => return true,
                        }
                    }
                    if cardinality_only {
                        cardinality += 1;
                        // Stop counting at the limit.
                        return !(limit > 0 && cardinality >= limit as u64);
                    }
                    dst.insert(m, score);
                    true
                });
            }
        }
        SetOp::Union => {
            let mut acc: Dict<f64> = Dict::with_capacity(src.last().map_or(0, |s| s.len()));
            for s in &src {
                if s.len() == 0 {
                    continue;
                }
                s.each(|m, v| {
                    let mut score = s.weight * v;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    match acc.get_mut(m) {
                        Some(t) => aggregate(t, score, how),
                        None => {
                            dst.max_member_len = dst.max_member_len.max(m.len());
                            dst.total_member_len += m.len();
                            acc.insert(m, score);
                        }
                    }
                    true
                });
            }
            for (m, &score) in acc.iter() {
                dst.big.zsl.insert(score, m);
            }
            dst.big.dict = acc;
        }
        SetOp::Diff => zdiff_into(&mut src, &mut dst),
    }
    drop(src);

    let len = dst.big.zsl.len();
    if let Some(dk) = dstkey {
        if len > 0 {
            let mut z = ZSetValue::from_big(dst.big);
            z.convert_to_listpack_if_needed(dst.max_member_len, dst.total_member_len, limits(ctx));
            store_zset(ctx, db, dk, z);
            ctx.int(len as i64);
            let event = match op {
                SetOp::Union => "zunionstore",
                SetOp::Inter => "zinterstore",
                SetOp::Diff => "zdiffstore",
            };
            ctx.notify_keyspace_event(NOTIFY_ZSET, event, dk, db);
            ctx.dirty(1);
        } else {
            ctx.int(0);
            delete_destination(ctx, db, dk);
        }
    } else if cardinality_only {
        ctx.int(cardinality as i64);
    } else {
        let c = ctx.client();
        c.add_array_len(if withscores && c.resp == 2 {
            len * 2
        } else {
            len
        });
        let pairs = withscores && c.resp > 2;
        for (m, s) in dst.big.zsl.iter() {
            if pairs {
                c.add_array_len(2);
            }
            c.add_bulk(m);
            if withscores {
                reply_double(c, s);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Pops: ZPOPMIN, ZPOPMAX, ZMPOP, BZPOPMIN, BZPOPMAX, BZMPOP
// ---------------------------------------------------------------------------------------------

/// Which end a pop takes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Min,
    Max,
}

impl End {
    fn pop_cmd(self) -> &'static [u8] {
        match self {
            End::Min => b"zpopmin",
            End::Max => b"zpopmax",
        }
    }
}

/// How a pop replies (Redis's genericZpopCommand arguments).
#[derive(Clone, Copy)]
struct PopReply {
    /// Name the key first (BZPOP*, ZMPOP, BZMPOP).
    emit_key: bool,
    /// Each pair as its own array (RESP3 ZPOPMIN with count, ZMPOP, BZMPOP).
    nested: bool,
    /// Null rather than an empty array when there is nothing to pop (ZMPOP).
    nil_when_empty: bool,
}

/// Redis's genericZpopCommand: pops up to `count` members (-1: one, plain form) from the first
/// non-empty of `keys`. Returns the key popped from and how many.
fn generic_zpop<'a>(
    ctx: &mut Ctx<'_>,
    keys: &[&'a [u8]],
    end: End,
    count: i64,
    how: PopReply,
) -> Option<(&'a [u8], usize)> {
    let db = ctx.db();
    let mut found = None;
    {
        let (ks, c) = ctx.parts();
        for &key in keys {
            match lookup_write(ks, c, db, key) {
                Err(()) => return None,
                Ok(None) => continue,
                Ok(Some(_)) => {
                    found = Some(key);
                    break;
                }
            }
        }
    }
    let Some(key) = found else {
        if how.nil_when_empty {
            ctx.client().add_null_array();
        } else {
            ctx.array_len(0);
        }
        return None;
    };
    if count == 0 {
        ctx.array_len(0);
        return None;
    }
    let count = if count == -1 { 1 } else { count as u64 };
    let (ks, c) = ctx.parts();
    let z = stored(ks, db, key)?;
    let n = count.min(z.len() as u64) as usize;
    match (how.nested, how.emit_key) {
        (false, false) => c.add_array_len(n * 2),
        (true, false) => c.add_array_len(n),
        (false, true) => {
            c.add_array_len(n * 2 + 1);
            c.add_bulk(key);
        }
        (true, true) => {
            c.add_array_len(2);
            c.add_bulk(key);
            c.add_array_len(n);
        }
    }
    for _ in 0..n {
        let p = match end {
            End::Min => z.first(),
            End::Max => z.last(),
        };
        let Some(p) = p else { break };
        let member = z.member(p).to_vec();
        let score = z.score_at(p);
        z.remove(&member);
        if how.nested {
            c.add_array_len(2);
        }
        c.add_bulk(&member);
        reply_double(c, score);
    }
    let emptied = z.is_empty();
    if emptied {
        ks.delete(db, key);
    }
    ctx.dirty(n as u64);
    let event = match end {
        End::Min => "zpopmin",
        End::Max => "zpopmax",
    };
    ctx.notify_keyspace_event(NOTIFY_ZSET, event, key, db);
    ctx.signal_modified_key(db, key);
    if emptied {
        ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
    }
    Some((key, n))
}

/// `ZPOPMIN key [count]` → member, score pairs from the lowest score.
fn zpopmin(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zpop_min_max(ctx, argv, End::Min);
}

/// `ZPOPMAX key [count]` → member, score pairs from the highest score.
fn zpopmax(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    zpop_min_max(ctx, argv, End::Max);
}

fn zpop_min_max(ctx: &mut Ctx<'_>, argv: &Argv<'_>, end: End) {
    if argv.len() > 3 {
        ctx.syntax_error();
        return;
    }
    let mut count = -1;
    if argv.len() == 3 {
        match arg_long_in(
            ctx.client(),
            argv.get(2),
            0,
            i64::MAX,
            Some("ERR value is out of range, must be positive"),
        ) {
            Some(v) => count = v,
            None => return,
        }
    }
    let nested = ctx.client().resp > 2 && count != -1;
    let how = PopReply {
        emit_key: false,
        nested,
        nil_when_empty: false,
    };
    generic_zpop(ctx, &[argv.get(1)], end, count, how);
}

/// Parses `numkeys key [key ...] MIN|MAX [COUNT count]` from `numkeys_idx` (Redis's
/// zmpopGenericCommand): the keys, the end and the count (1 by default).
fn parse_mpop<'a>(
    ctx: &mut Ctx<'_>,
    argv: &Argv<'a>,
    numkeys_idx: usize,
) -> Option<(Vec<&'a [u8]>, End, i64)> {
    let numkeys = arg_long_in(
        ctx.client(),
        argv.get(numkeys_idx),
        1,
        i64::MAX,
        Some("ERR numkeys should be greater than 0"),
    )?;
    let where_idx = (numkeys_idx as u64)
        .saturating_add(numkeys as u64)
        .saturating_add(1);
    if where_idx >= argv.len() as u64 {
        ctx.syntax_error();
        return None;
    }
    let where_idx = where_idx as usize;
    let end = if argv.is(where_idx, "min") {
        End::Min
    } else if argv.is(where_idx, "max") {
        End::Max
    } else {
        ctx.syntax_error();
        return None;
    };
    let mut count = -1;
    let mut j = where_idx + 1;
    while j < argv.len() {
        let moreargs = argv.len() - 1 - j;
        if count == -1 && argv.is(j, "count") && moreargs > 0 {
            j += 1;
            count = arg_long_in(
                ctx.client(),
                argv.get(j),
                1,
                i64::MAX,
                Some("ERR count should be greater than 0"),
            )?;
        } else {
            ctx.syntax_error();
            return None;
        }
        j += 1;
    }
    if count == -1 {
        count = 1;
    }
    let keys = argv
        .iter()
        .skip(numkeys_idx + 1)
        .take(numkeys as usize)
        .collect();
    Some((keys, end, count))
}

/// `ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]` → `[key, [[member, score] ...]]` from
/// the first non-empty key, or null; propagated as `ZPOPMIN|ZPOPMAX key n`.
fn zmpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some((keys, end, count)) = parse_mpop(ctx, argv, 1) else {
        return;
    };
    let how = PopReply {
        emit_key: true,
        nested: true,
        nil_when_empty: true,
    };
    if let Some((key, n)) = generic_zpop(ctx, &keys, end, count, how) {
        let n = n.to_string();
        ctx.rewrite_propagation(&[end.pop_cmd(), key, n.as_bytes()]);
    }
}

/// `BZPOPMIN key [key ...] timeout` → `[key, member, score]` from the first non-empty key,
/// blocking until one is or the timeout (seconds, 0 = forever) passes (then null).
fn bzpopmin(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let keys: Vec<&[u8]> = argv.iter().skip(1).take(argv.len() - 2).collect();
    blocking_zpop(ctx, argv, &keys, End::Min, argv.len() - 1, -1, false);
}

/// `BZPOPMAX key [key ...] timeout`: as BZPOPMIN, from the highest score.
fn bzpopmax(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let keys: Vec<&[u8]> = argv.iter().skip(1).take(argv.len() - 2).collect();
    blocking_zpop(ctx, argv, &keys, End::Max, argv.len() - 1, -1, false);
}

/// `BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]`: ZMPOP that blocks while
/// every key is empty.
fn bzmpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some((keys, end, count)) = parse_mpop(ctx, argv, 2) else {
        return;
    };
    blocking_zpop(ctx, argv, &keys, end, 1, count, true);
}

/// Redis's blockingGenericZpopCommand: pops at once when some key holds members (and is
/// propagated as ZPOPMIN/ZPOPMAX), else blocks.
fn blocking_zpop(
    ctx: &mut Ctx<'_>,
    argv: &Argv<'_>,
    keys: &[&[u8]],
    end: End,
    timeout_idx: usize,
    count: i64,
    mpop: bool,
) {
    let Some(timeout) = blocked::timeout_from_arg(ctx, argv.get(timeout_idx)) else {
        return;
    };
    let db = ctx.db();
    for &key in keys {
        let len = {
            let (ks, c) = ctx.parts();
            match lookup_write(ks, c, db, key) {
                Err(()) => return,
                Ok(None) => continue,
                Ok(Some(z)) => z.len(),
            }
        };
        if len == 0 {
            continue;
        }
        let how = PopReply {
            emit_key: true,
            nested: mpop,
            nil_when_empty: mpop,
        };
        generic_zpop(ctx, &[key], end, count, how);
        if count == -1 {
            ctx.rewrite_propagation(&[end.pop_cmd(), key]);
        } else {
            let n = (count as u64).min(len as u64).to_string();
            ctx.rewrite_propagation(&[end.pop_cmd(), key, n.as_bytes()]);
        }
        return;
    }
    // Nothing to pop: a client that may not block (inside MULTI) times out at once.
    if !blocked::can_block(ctx) {
        ctx.client().add_null_array();
        return;
    }
    blocked::block_for_keys(ctx, BlockType::ZSet, keys, timeout, argv, serve_zpop);
}

/// Serves a BZPOPMIN/BZPOPMAX/BZMPOP blocked on `key`, which now holds a sorted set (Redis's
/// serveClientsBlockedOnSortedSetKey): pops as the command would have, signals and notifies
/// as ZPOPMIN/ZPOPMAX, and is propagated as `ZPOPMIN|ZPOPMAX key [count]`.
fn serve_zpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>, key: &[u8]) -> bool {
    let (end, count, mpop) = if argv.is(0, "bzmpop") {
        // Arguments that were valid when the client blocked.
        let Some(n) = parse_i64(argv.get(2)).and_then(|n| usize::try_from(n).ok()) else {
            return false;
        };
        let where_idx = n.saturating_add(3);
        if where_idx >= argv.len() {
            return false;
        }
        let end = if argv.is(where_idx, "min") {
            End::Min
        } else {
            End::Max
        };
        let count = if where_idx + 2 < argv.len() {
            match parse_i64(argv.get(where_idx + 2)) {
                Some(c) if c > 0 => c,
                _ => return false,
            }
        } else {
            1
        };
        (end, count, true)
    } else if argv.is(0, "bzpopmax") {
        (End::Max, -1, false)
    } else {
        (End::Min, -1, false)
    };
    let db = ctx.db();
    let Some(len) = stored(ctx.ks(), db, key).map(|z| z.len()) else {
        return false;
    };
    if len == 0 {
        return false;
    }
    let how = PopReply {
        emit_key: true,
        nested: mpop,
        nil_when_empty: mpop,
    };
    generic_zpop(ctx, &[key], end, count, how);
    ctx.prevent_propagation();
    if count == -1 {
        ctx.also_propagate(db, &[end.pop_cmd(), key]);
    } else {
        let n = (count as u64).min(len as u64).to_string();
        ctx.also_propagate(db, &[end.pop_cmd(), key, n.as_bytes()]);
    }
    true
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER
// ---------------------------------------------------------------------------------------------

/// `ZRANDMEMBER key [count [WITHSCORES]]` → a random member (null for a missing key); with
/// a count, that many distinct members (fewer if the set is smaller), or with a negative
/// count that many picks with repeats.
fn zrandmember(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    if argv.len() >= 3 {
        let Some(l) = arg_long_in(ctx.client(), argv.get(2), -i64::MAX, i64::MAX, None) else {
            return;
        };
        let mut withscores = false;
        if argv.len() > 4 || (argv.len() == 4 && !argv.is(3, "withscores")) {
            ctx.syntax_error();
            return;
        } else if argv.len() == 4 {
            withscores = true;
            if !(-i64::MAX / 2..=i64::MAX / 2).contains(&l) {
                ctx.err("ERR value is out of range");
                return;
            }
        }
        zrandmember_with_count(ctx, argv.get(1), l, withscores);
        return;
    }
    let (ks, c) = ctx.parts();
    match lookup_read(ks, c, db, argv.get(1)) {
        Err(()) => {}
        Ok(None) => c.add_null(),
        Ok(Some(z)) => match z.random_member() {
            Some(p) => reply_member(c, z.member(p)),
            None => c.add_null(),
        },
    }
}

/// One (member, score) of a ZRANDMEMBER reply.
fn reply_pick(c: &mut Client, m: Entry<'_>, score: f64, withscores: bool) {
    if withscores && c.resp > 2 {
        c.add_array_len(2);
    }
    reply_member(c, m);
    if withscores {
        reply_double(c, score);
    }
}

/// Redis's zrandmemberWithCountCommand and its four cases.
fn zrandmember_with_count(ctx: &mut Ctx<'_>, key: &[u8], l: i64, withscores: bool) {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let z = match lookup_read(ks, c, db, key) {
        Err(()) => return,
        Ok(None) => {
            c.add_array_len(0);
            return;
        }
        Ok(Some(z)) => &*z,
    };
    let size = z.len();
    let (count, uniq) = if l >= 0 {
        (l as u64, true)
    } else {
        (l.unsigned_abs(), false)
    };
    if count == 0 {
        c.add_array_len(0);
        return;
    }
    let resp2 = c.resp == 2;
    let flat = |n: u64| if withscores && resp2 { n * 2 } else { n };

    // Case 1: repeats allowed (or a single pick): pick, independently, `count` times.
    if !uniq || count == 1 {
        c.add_array_len(flat(count) as usize);
        let mut left = count;
        while left > 0 {
            let batch = left.min(ZRANDMEMBER_RANDOM_SAMPLE_LIMIT as u64) as usize;
            left -= batch as u64;
            for p in z.random_members(batch) {
                reply_pick(c, z.member(p), z.score_at(p), withscores);
            }
            if c.has_flag(cf::CLOSE_ASAP) {
                break;
            }
        }
        return;
    }
    let count = count as usize;
    c.add_array_len(flat(count.min(size) as u64) as usize);

    // Case 2: at least the whole set: all of it, in zuiNext order.
    if count >= size {
        for (m, s) in z.iter_rev() {
            reply_pick(c, m, s, withscores);
        }
        return;
    }

    // Case 3: most of the set: copy it, remove random members down to `count`.
    if count * ZRANDMEMBER_SUB_STRATEGY_MUL > size {
        let mut d: Dict<f64> = Dict::with_capacity(size);
        for (m, s) in z.iter_rev() {
            d.insert(m.to_vec().into_boxed_slice(), s);
        }
        let mut left = size;
        while left > count {
            let Some(k) = d.random_entry().map(|(k, _)| k.to_vec()) else {
                break;
            };
            d.remove(&k);
            left -= 1;
        }
        for (m, &s) in d.iter() {
            reply_pick(c, Entry::Str(m), s, withscores);
        }
        return;
    }

    // Case 4: a few members of a big set.
    if z.is_listpack() {
        for p in z.random_members_unique_listpack(count) {
            reply_pick(c, z.member(p), z.score_at(p), withscores);
        }
        return;
    }
    let mut seen: std::collections::HashSet<Vec<u8>> = std::collections::HashSet::new();
    while seen.len() < count {
        let Some(p) = z.random_member() else { break };
        let m = z.member(p).to_vec();
        if seen.contains(&m) {
            continue;
        }
        reply_pick(c, Entry::Str(&m), z.score_at(p), withscores);
        seen.insert(m);
    }
}

// ---------------------------------------------------------------------------------------------
// ZSCAN
// ---------------------------------------------------------------------------------------------

/// `ZSCAN key cursor [MATCH pattern] [COUNT count]` → `[next-cursor, [member, score, ...]]`.
/// A listpack is returned whole with cursor 0; a skiplist's dict is walked from the cursor.
fn zscan(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(mut cursor) = parse_scan_cursor(argv.get(2)) else {
        ctx.err("ERR invalid cursor");
        return;
    };
    let key = argv.get(1);
    let db = ctx.db();
    {
        let (ks, c) = ctx.parts();
        match lookup_read(ks, c, db, key) {
            Err(()) => return,
            Ok(None) => {
                c.add_array_len(2);
                c.add_bulk(b"0");
                c.add_array_len(0);
                return;
            }
            Ok(Some(_)) => {}
        }
    }
    let Some(opts) = parse_scan_options(ctx, argv, 3, false) else {
        return;
    };
    let (ks, c) = ctx.parts();
    let Some(z) = stored(ks, db, key) else {
        return;
    };
    // (member, score text) pairs.
    let mut items: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    if let Some(lp) = z.listpack() {
        let mut it = lp.iter();
        while let (Some(m), Some(s)) = (it.next(), it.next()) {
            items.push((m.to_vec(), s.to_vec()));
        }
        cursor = 0;
    } else {
        // Members and scores both count towards COUNT, as in Redis.
        let count = usize::try_from(opts.count.saturating_mul(2)).unwrap_or(usize::MAX);
        let mut max_iterations = count.saturating_mul(10);
        loop {
            cursor = z
                .scan_dict(cursor, |m, s| items.push((m.to_vec(), g17(s).to_vec())))
                .unwrap_or(0);
            if cursor == 0 || max_iterations == 0 || items.len() * 2 >= count {
                break;
            }
            max_iterations -= 1;
        }
    }
    if let Some(pat) = opts.pattern {
        items.retain(|(m, _)| string_match(pat, m, false));
    }
    c.add_array_len(2);
    c.add_bulk_int(cursor as i64);
    c.add_array_len(items.len() * 2);
    for (m, s) in &items {
        c.add_bulk(m);
        c.add_bulk(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_ranges_parse_as_redis() {
        let r = parse_score_range(b"(1.5", b"+inf").unwrap();
        assert_eq!(
            (r.min, r.minex, r.max, r.maxex),
            (1.5, true, f64::INFINITY, false)
        );
        let r = parse_score_range(b"(", b"").unwrap();
        assert_eq!((r.min, r.minex, r.max, r.maxex), (0.0, true, 0.0, false));
        assert!(parse_score_range(b"nan", b"1").is_none());
        assert!(parse_score_range(b"1", b"(NaN").is_none());
        assert!(parse_score_range(b"str", b"1").is_none());
        assert!(parse_score_range(b"1x", b"1").is_none());
        let r = parse_score_range(b" 2", b"1e400").unwrap();
        assert_eq!((r.min, r.max), (2.0, f64::INFINITY));
    }

    #[test]
    fn lex_ranges_parse_as_redis() {
        let r = parse_lex_range(b"-", b"+").unwrap();
        assert_eq!((r.min, r.max), (LexBound::Min, LexBound::Max));
        let r = parse_lex_range(b"[a", b"(b").unwrap();
        assert_eq!((r.min, r.minex), (LexBound::Value(b"a"), false));
        assert_eq!((r.max, r.maxex), (LexBound::Value(b"b"), true));
        assert!(parse_lex_range(b"a", b"+").is_none());
        assert!(parse_lex_range(b"+x", b"+").is_none());
        assert!(parse_lex_range(b"", b"+").is_none());
        assert!(parse_lex_range(b"-", b"-x").is_none());
    }

    #[test]
    fn aggregate_sum_of_infinities_is_zero() {
        let mut t = f64::INFINITY;
        aggregate(&mut t, f64::NEG_INFINITY, Aggregate::Sum);
        assert_eq!(t, 0.0);
        let mut t = 3.0;
        aggregate(&mut t, 1.0, Aggregate::Min);
        assert_eq!(t, 1.0);
        aggregate(&mut t, 5.0, Aggregate::Max);
        assert_eq!(t, 5.0);
    }
}
