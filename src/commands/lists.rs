//! List commands (Redis's t_list.c): pushes, pops (with a count, from several keys), ranges,
//! LINDEX/LSET/LINSERT/LREM/LTRIM/LPOS, LMOVE and RPOPLPUSH, and the blocking forms BLPOP,
//! BRPOP, BLMPOP, BLMOVE and BRPOPLPUSH.
//!
//! Owns: what each list command reads, writes, replies, counts as a change (`dirty`), signals
//! (`signal_modified_key`, keyspace events of class `l`, `del` of class `g` when a list
//! empties) and how it is propagated: BLPOP served at once propagates as `LPOP key`, LMPOP and
//! BLMPOP as `LPOP key count` (the count actually popped), BLMOVE as `LMOVE`, BRPOPLPUSH as
//! `RPOPLPUSH`; a blocked client served later propagates the same non-blocking forms. It must
//! never touch sockets or other clients: blocking goes through `blocked`, which calls this
//! family's serve functions when a key is ready.
//!
//! The value and its node layout are `db::list`; a list that becomes empty is deleted, so a
//! stored list always has at least one element. New lists take `list-max-listpack-size` and
//! `list-compress-depth` as they are when the list is created.

use std::ops::ControlFlow;

use super::flags::*;
use super::{Argv, CommandSpec, Ctx};
use crate::blocked::{self, BlockType};
use crate::client::Client;
use crate::db::list::{End, ListValue};
use crate::db::listpack::Entry;
use crate::db::object::{RObj, Value};
use crate::util::numeric::parse_i64;

/// Redis's NOTIFY_LIST class letter.
const NOTIFY_LIST: u8 = b'l';
/// Redis's NOTIFY_GENERIC class letter.
const NOTIFY_GENERIC: u8 = b'g';

const ERR_NOT_INT: &str = "ERR value is not an integer or out of range";
const ERR_NOT_POSITIVE: &str = "ERR value is out of range, must be positive";
const ERR_NO_KEY: &str = "ERR no such key";
const ERR_INDEX: &str = "ERR index out of range";
const ERR_RANK_ZERO: &str = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";

/// A spec with the given key positions.
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
        group: "list",
        summary,
        since,
        syntax,
        subcommands: &[],
    }
}

const ONE: (i32, i32, i32) = (1, 1, 1);
const TWO: (i32, i32, i32) = (1, 2, 1);

/// Arity, flags, key positions, summaries and `since` as Redis 7.0.15's command JSON files.
pub const COMMANDS: &[CommandSpec] = &[
    spec("lpush", lpush, -3, WRITE | DENYOOM | FAST, ONE, "1.0.0",
        "Prepend one or multiple elements to a list", "key element [element ...]"),
    spec("rpush", rpush, -3, WRITE | DENYOOM | FAST, ONE, "1.0.0",
        "Append one or multiple elements to a list", "key element [element ...]"),
    spec("lpushx", lpushx, -3, WRITE | DENYOOM | FAST, ONE, "2.2.0",
        "Prepend an element to a list, only if the list exists", "key element [element ...]"),
    spec("rpushx", rpushx, -3, WRITE | DENYOOM | FAST, ONE, "2.2.0",
        "Append an element to a list, only if the list exists", "key element [element ...]"),
    spec("linsert", linsert, 5, WRITE | DENYOOM, ONE, "2.2.0",
        "Insert an element before or after another element in a list",
        "key BEFORE|AFTER pivot element"),
    spec("llen", llen, 2, READONLY | FAST, ONE, "1.0.0", "Get the length of a list", "key"),
    spec("lindex", lindex, 3, READONLY, ONE, "1.0.0",
        "Get an element from a list by its index", "key index"),
    spec("lset", lset, 4, WRITE | DENYOOM, ONE, "1.0.0",
        "Set the value of an element in a list by its index", "key index element"),
    spec("lpop", lpop, -2, WRITE | FAST, ONE, "1.0.0",
        "Remove and get the first elements in a list", "key [count]"),
    spec("rpop", rpop, -2, WRITE | FAST, ONE, "1.0.0",
        "Remove and get the last elements in a list", "key [count]"),
    spec("lrange", lrange, 4, READONLY, ONE, "1.0.0",
        "Get a range of elements from a list", "key start stop"),
    spec("ltrim", ltrim, 4, WRITE, ONE, "1.0.0",
        "Trim a list to the specified range", "key start stop"),
    spec("lpos", lpos, -3, READONLY, ONE, "6.0.6",
        "Return the index of matching elements on a list",
        "key element [RANK rank] [COUNT num-matches] [MAXLEN len]"),
    spec("lrem", lrem, 4, WRITE, ONE, "1.0.0", "Remove elements from a list",
        "key count element"),
    spec("lmove", lmove, 5, WRITE | DENYOOM, TWO, "6.2.0",
        "Pop an element from a list, push it to another list and return it",
        "source destination LEFT|RIGHT LEFT|RIGHT"),
    spec("rpoplpush", rpoplpush, 3, WRITE | DENYOOM, TWO, "1.2.0",
        "Remove the last element in a list, prepend it to another list and return it",
        "source destination"),
    spec("lmpop", lmpop, -4, WRITE, (0, 0, 0), "7.0.0", "Pop elements from a list",
        "numkeys key [key ...] LEFT|RIGHT [COUNT count]"),
    spec("blpop", blpop, -3, WRITE | NOSCRIPT | BLOCKING, (1, -2, 1), "2.0.0",
        "Remove and get the first element in a list, or block until one is available",
        "key [key ...] timeout"),
    spec("brpop", brpop, -3, WRITE | NOSCRIPT | BLOCKING, (1, -2, 1), "2.0.0",
        "Remove and get the last element in a list, or block until one is available",
        "key [key ...] timeout"),
    spec("blmove", blmove, 6, WRITE | DENYOOM | NOSCRIPT | BLOCKING, TWO, "6.2.0",
        "Pop an element from a list, push it to another list and return it; or block until one is available",
        "source destination LEFT|RIGHT LEFT|RIGHT timeout"),
    spec("brpoplpush", brpoplpush, 4, WRITE | DENYOOM | NOSCRIPT | BLOCKING, TWO, "2.2.0",
        "Pop an element from a list, push it to another list and return it; or block until one is available",
        "source destination timeout"),
    spec("blmpop", blmpop, -5, WRITE | BLOCKING, (0, 0, 0), "7.0.0",
        "Pop elements from a list, or block until one is available",
        "timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]"),
];

// -- helpers ---------------------------------------------------------------------------------

/// Replies one element as a bulk string.
fn add_entry(c: &mut Client, e: Entry<'_>) {
    match e {
        Entry::Str(s) => c.add_bulk(s),
        Entry::Int(v) => c.add_bulk_int(v),
    }
}

/// Redis's getLongFromObjectOrReply.
fn parse_long(ctx: &mut Ctx<'_>, arg: &[u8]) -> Option<i64> {
    let v = parse_i64(arg);
    if v.is_none() {
        ctx.err(ERR_NOT_INT);
    }
    v
}

/// Redis's getRangeLongFromObjectOrReply with `msg`: one error for not a number and out of
/// range.
fn parse_range(ctx: &mut Ctx<'_>, arg: &[u8], min: i64, msg: &str) -> Option<i64> {
    match parse_i64(arg) {
        Some(v) if v >= min => Some(v),
        _ => {
            ctx.err(msg);
            None
        }
    }
}

/// Redis's getListPositionFromObjectOrReply: LEFT or RIGHT, else a syntax error.
fn parse_end(ctx: &mut Ctx<'_>, arg: &[u8]) -> Option<End> {
    if arg.eq_ignore_ascii_case(b"left") {
        Some(End::Head)
    } else if arg.eq_ignore_ascii_case(b"right") {
        Some(End::Tail)
    } else {
        ctx.syntax_error();
        None
    }
}

fn end_word(end: End) -> &'static [u8] {
    match end {
        End::Head => b"left",
        End::Tail => b"right",
    }
}

fn pop_cmd(end: End) -> &'static [u8] {
    match end {
        End::Head => b"LPOP",
        End::Tail => b"RPOP",
    }
}

fn pop_event(end: End) -> &'static str {
    match end {
        End::Head => "lpop",
        End::Tail => "rpop",
    }
}

fn push_event(end: End) -> &'static str {
    match end {
        End::Head => "lpush",
        End::Tail => "rpush",
    }
}

/// A new, empty list with the configured node size and compression.
fn new_list(ctx: &Ctx<'_>) -> ListValue {
    ListValue::new(
        ctx.srv.config.list_max_listpack_size,
        ctx.srv.config.list_compress_depth,
    )
}

/// The size from which an element gets a plain node (DEBUG QUICKLIST-PACKED-THRESHOLD).
fn packed_threshold(ctx: &Ctx<'_>) -> usize {
    usize::try_from(ctx.srv.introspection.debug.quicklist_packed_threshold).unwrap_or(usize::MAX)
}

/// What a key holds, for a command that needs a list.
enum Lookup {
    Missing,
    List,
    WrongType,
}

fn lookup_write(ctx: &mut Ctx<'_>, key: &[u8]) -> Lookup {
    let db = ctx.db();
    match ctx.srv.ks.lookup_write(db, key) {
        None => Lookup::Missing,
        Some(o) if o.as_list().is_some() => Lookup::List,
        Some(_) => Lookup::WrongType,
    }
}

/// The list at `key` (which the caller looked up).
fn list_mut<'a>(ctx: &'a mut Ctx<'_>, key: &[u8]) -> Option<&'a mut ListValue> {
    let db = ctx.db();
    ctx.srv.ks.dbs[db].dict.get_mut(key)?.as_list_mut()
}

/// Replies elements `start..=end` (inclusive, negative from the tail), reversed if asked
/// (Redis's addListRangeReply).
fn add_range_reply(c: &mut Client, l: &ListValue, start: i64, end: i64, reverse: bool) {
    let llen = l.len() as i64;
    let mut start = if start < 0 { llen + start } else { start };
    let mut end = if end < 0 { llen + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        c.add_array_len(0);
        return;
    }
    if end >= llen {
        end = llen - 1;
    }
    let n = (end - start + 1) as usize;
    c.add_array_len(n);
    let from = if reverse { end } else { start } as usize;
    l.for_range(from, n, reverse, |e| add_entry(c, e));
}

/// After elements left a list: the pop event, the key's deletion when it emptied, WATCH and
/// dirty (Redis's listElementsRemoved). Returns true when the key was deleted.
fn elements_removed(ctx: &mut Ctx<'_>, key: &[u8], end: End, count: usize) -> bool {
    let db = ctx.db();
    ctx.notify_keyspace_event(NOTIFY_LIST, pop_event(end), key, db);
    let empty = list_mut(ctx, key).map_or(true, |l| l.is_empty());
    if empty {
        ctx.srv.ks.delete(db, key);
        ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
    }
    ctx.signal_modified_key(db, key);
    ctx.dirty(count as u64);
    empty
}

/// Pops up to `count` elements from `end` of the list at `key`, replying `[key, [elements]]`
/// (Redis's listPopRangeAndReplyWithKey). Returns how many were popped.
fn pop_range_with_key(ctx: &mut Ctx<'_>, key: &[u8], end: End, count: usize) -> usize {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let Some(l) = ks.dbs[db].dict.get_mut(key).and_then(|o| o.as_list_mut()) else {
        return 0;
    };
    let llen = l.len();
    let n = count.min(llen);
    c.add_array_len(2);
    c.add_bulk(key);
    let (start, stop, reverse) = match end {
        End::Head => (0, n as i64 - 1, false),
        End::Tail => (-(n as i64), -1, true),
    };
    add_range_reply(c, l, start, stop, reverse);
    l.delete_range(start, n as i64);
    elements_removed(ctx, key, end, n);
    n
}

// -- pushes ----------------------------------------------------------------------------------

/// LPUSH/RPUSH/LPUSHX/RPUSHX (Redis's pushGenericCommand): `xx` pushes only onto an existing
/// list. Replies the new length.
fn push_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>, end: End, xx: bool) {
    let key = argv.get(1);
    let db = ctx.db();
    let thr = packed_threshold(ctx);
    let len = match ctx.srv.ks.lookup_write(db, key) {
        Some(o) => match o.as_list_mut() {
            Some(l) => {
                for v in argv.iter().skip(2) {
                    l.push(v, end, thr);
                }
                l.len()
            }
            None => {
                ctx.wrongtype();
                return;
            }
        },
        None if xx => {
            ctx.int(0);
            return;
        }
        None => {
            let mut l = new_list(ctx);
            for v in argv.iter().skip(2) {
                l.push(v, end, thr);
            }
            let len = l.len();
            let lru = ctx.srv.ks.lru_now();
            ctx.srv
                .ks
                .set_key(db, key, RObj::new(Value::List(l), lru), false);
            len
        }
    };
    ctx.dirty((argv.len() - 2) as u64);
    ctx.int(len as i64);
    ctx.signal_modified_key(db, key);
    ctx.notify_keyspace_event(NOTIFY_LIST, push_event(end), key, db);
}

/// `LPUSH key element [element ...]`.
fn lpush(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    push_generic(ctx, argv, End::Head, false);
}

/// `RPUSH key element [element ...]`.
fn rpush(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    push_generic(ctx, argv, End::Tail, false);
}

/// `LPUSHX key element [element ...]`.
fn lpushx(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    push_generic(ctx, argv, End::Head, true);
}

/// `RPUSHX key element [element ...]`.
fn rpushx(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    push_generic(ctx, argv, End::Tail, true);
}

/// `LINSERT key BEFORE|AFTER pivot element`: the new length, -1 without the pivot, 0 without
/// the key.
fn linsert(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let after = if argv.is(2, "after") {
        true
    } else if argv.is(2, "before") {
        false
    } else {
        ctx.syntax_error();
        return;
    };
    let key = argv.get(1);
    match lookup_write(ctx, key) {
        Lookup::Missing => return ctx.int(0),
        Lookup::WrongType => return ctx.wrongtype(),
        Lookup::List => {}
    }
    let thr = packed_threshold(ctx);
    let Some(l) = list_mut(ctx, key) else {
        return ctx.int(0);
    };
    if !l.insert_at_pivot(argv.get(3), argv.get(4), after, thr) {
        ctx.int(-1);
        return;
    }
    let len = l.len();
    let db = ctx.db();
    ctx.signal_modified_key(db, key);
    ctx.notify_keyspace_event(NOTIFY_LIST, "linsert", key, db);
    ctx.dirty(1);
    ctx.int(len as i64);
}

// -- reads -----------------------------------------------------------------------------------

/// `LLEN key`.
fn llen(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let len = match ctx.srv.ks.lookup_read(db, argv.get(1)) {
        None => 0,
        Some(o) => match o.as_list() {
            Some(l) => l.len(),
            None => return ctx.wrongtype(),
        },
    };
    ctx.int(len as i64);
}

/// `LINDEX key index`: the element, or nil.
fn lindex(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    match ctx.srv.ks.lookup_read(db, argv.get(1)) {
        None => return ctx.null(),
        Some(o) if o.as_list().is_none() => return ctx.wrongtype(),
        Some(_) => {}
    }
    let Some(index) = parse_long(ctx, argv.get(2)) else {
        return;
    };
    let (ks, c) = ctx.parts();
    let Some(l) = ks.dbs[db].dict.get(argv.get(1)).and_then(|o| o.as_list()) else {
        return c.add_null();
    };
    if l.get(index, |e| add_entry(c, e)).is_none() {
        c.add_null();
    }
}

/// `LRANGE key start stop`.
fn lrange(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(start) = parse_long(ctx, argv.get(2)) else {
        return;
    };
    let Some(end) = parse_long(ctx, argv.get(3)) else {
        return;
    };
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    match ks.lookup_read(db, argv.get(1)) {
        None => c.add_array_len(0),
        Some(o) => match o.as_list() {
            Some(l) => add_range_reply(c, l, start, end, false),
            None => c.add_error(crate::db::object::WRONGTYPE),
        },
    }
}

/// `LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]`: the index of the
/// rank-th match (negative rank: from the tail), or with COUNT up to that many indexes (0 =
/// all), scanning at most MAXLEN elements (0 = all).
fn lpos(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let ele = argv.get(2);
    let mut rank: i64 = 1;
    let mut count: i64 = -1;
    let mut maxlen: i64 = 0;
    let mut j = 3;
    while j < argv.len() {
        let more = j + 1 < argv.len();
        if argv.is(j, "rank") && more {
            j += 1;
            let Some(r) = parse_long(ctx, argv.get(j)) else {
                return;
            };
            if r == 0 {
                ctx.err(ERR_RANK_ZERO);
                return;
            }
            rank = r;
        } else if argv.is(j, "count") && more {
            j += 1;
            let Some(n) = parse_range(ctx, argv.get(j), 0, "ERR COUNT can't be negative") else {
                return;
            };
            count = n;
        } else if argv.is(j, "maxlen") && more {
            j += 1;
            let Some(n) = parse_range(ctx, argv.get(j), 0, "ERR MAXLEN can't be negative") else {
                return;
            };
            maxlen = n;
        } else {
            ctx.syntax_error();
            return;
        }
        j += 1;
    }
    let reverse = rank < 0;
    // As C's `rank = -rank`: RANK -9223372036854775808 stays negative, so every match counts.
    let rank = if reverse { rank.wrapping_neg() } else { rank };
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let l = match ks.lookup_read(db, argv.get(1)) {
        None => {
            if count != -1 {
                c.add_array_len(0);
            } else {
                c.add_null();
            }
            return;
        }
        Some(o) => match o.as_list() {
            Some(l) => l,
            None => return c.add_error(crate::db::object::WRONGTYPE),
        },
    };
    let llen = l.len() as u64;
    let mut index: u64 = 0;
    let mut matches: i64 = 0;
    let mut found: Vec<u64> = Vec::new();
    l.scan(reverse, |e| {
        if maxlen != 0 && index >= maxlen as u64 {
            return ControlFlow::Break(());
        }
        if e.eq_bytes(ele) {
            matches += 1;
            if matches >= rank {
                let at = if reverse { llen - index - 1 } else { index };
                found.push(at);
                if count == -1
                    || (count != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= count)
                {
                    return ControlFlow::Break(());
                }
            }
        }
        index += 1;
        ControlFlow::Continue(())
    });
    if count != -1 {
        c.add_array_len(found.len());
        for i in found {
            c.add_int(i as i64);
        }
    } else {
        match found.first() {
            Some(&i) => c.add_int(i as i64),
            None => c.add_null(),
        }
    }
}

// -- edits -----------------------------------------------------------------------------------

/// `LSET key index element`.
fn lset(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let key = argv.get(1);
    match lookup_write(ctx, key) {
        Lookup::Missing => return ctx.err(ERR_NO_KEY),
        Lookup::WrongType => return ctx.wrongtype(),
        Lookup::List => {}
    }
    let Some(index) = parse_long(ctx, argv.get(2)) else {
        return;
    };
    let thr = packed_threshold(ctx);
    let replaced = list_mut(ctx, key).is_some_and(|l| l.set(index, argv.get(3), thr));
    if !replaced {
        ctx.err(ERR_INDEX);
        return;
    }
    ctx.ok();
    let db = ctx.db();
    ctx.signal_modified_key(db, key);
    ctx.notify_keyspace_event(NOTIFY_LIST, "lset", key, db);
    ctx.dirty(1);
}

/// `LTRIM key start stop`: keeps elements start..=stop.
fn ltrim(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(start) = parse_long(ctx, argv.get(2)) else {
        return;
    };
    let Some(end) = parse_long(ctx, argv.get(3)) else {
        return;
    };
    let key = argv.get(1);
    match lookup_write(ctx, key) {
        Lookup::Missing => return ctx.ok(),
        Lookup::WrongType => return ctx.wrongtype(),
        Lookup::List => {}
    }
    let Some(l) = list_mut(ctx, key) else {
        return ctx.ok();
    };
    let llen = l.len() as i64;
    let mut start = if start < 0 { llen + start } else { start };
    let mut end = if end < 0 { llen + end } else { end };
    if start < 0 {
        start = 0;
    }
    let (ltrim, rtrim) = if start > end || start >= llen {
        (llen, 0)
    } else {
        if end >= llen {
            end = llen - 1;
        }
        (start, llen - end - 1)
    };
    l.delete_range(0, ltrim);
    l.delete_range(-rtrim, rtrim);
    let empty = l.is_empty();
    let db = ctx.db();
    ctx.notify_keyspace_event(NOTIFY_LIST, "ltrim", key, db);
    if empty {
        ctx.srv.ks.delete(db, key);
        ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
    }
    ctx.signal_modified_key(db, key);
    ctx.dirty((ltrim + rtrim) as u64);
    ctx.ok();
}

/// `LREM key count element`: removes |count| matches from the head (count > 0) or the tail
/// (count < 0), or all (0). Replies how many.
fn lrem(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(count) = parse_long(ctx, argv.get(2)) else {
        return;
    };
    let key = argv.get(1);
    match lookup_write(ctx, key) {
        Lookup::Missing => return ctx.int(0),
        Lookup::WrongType => return ctx.wrongtype(),
        Lookup::List => {}
    }
    let Some(l) = list_mut(ctx, key) else {
        return ctx.int(0);
    };
    let removed = l.remove(argv.get(3), count);
    let empty = l.is_empty();
    let db = ctx.db();
    ctx.dirty(removed as u64);
    if removed > 0 {
        ctx.signal_modified_key(db, key);
        ctx.notify_keyspace_event(NOTIFY_LIST, "lrem", key, db);
    }
    if empty {
        ctx.srv.ks.delete(db, key);
        ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
    }
    ctx.int(removed as i64);
}

// -- pops ------------------------------------------------------------------------------------

/// LPOP/RPOP (Redis's popGenericCommand): one element as a bulk string, or with a count an
/// array of up to count elements.
fn pop_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>, end: End) {
    if argv.len() > 3 {
        let msg = format!(
            "ERR wrong number of arguments for '{}' command",
            ctx.cmd_name()
        );
        ctx.err(&msg);
        return;
    }
    let has_count = argv.len() == 3;
    let mut count = 0i64;
    if has_count {
        match parse_range(ctx, argv.get(2), 0, ERR_NOT_POSITIVE) {
            Some(n) => count = n,
            None => return,
        }
    }
    let key = argv.get(1);
    match lookup_write(ctx, key) {
        Lookup::Missing => {
            if has_count {
                ctx.client().add_null_array();
            } else {
                ctx.null();
            }
            return;
        }
        Lookup::WrongType => return ctx.wrongtype(),
        Lookup::List => {}
    }
    if has_count && count == 0 {
        ctx.array_len(0);
        return;
    }
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let Some(l) = ks.dbs[db].dict.get_mut(key).and_then(|o| o.as_list_mut()) else {
        return;
    };
    let n = if !has_count {
        l.pop(end, |e| add_entry(c, e));
        1
    } else {
        let n = (count as usize).min(l.len());
        let (start, stop, reverse) = match end {
            End::Head => (0, n as i64 - 1, false),
            End::Tail => (-(n as i64), -1, true),
        };
        add_range_reply(c, l, start, stop, reverse);
        l.delete_range(start, n as i64);
        n
    };
    elements_removed(ctx, key, end, n);
}

/// `LPOP key [count]`.
fn lpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    pop_generic(ctx, argv, End::Head);
}

/// `RPOP key [count]`.
fn rpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    pop_generic(ctx, argv, End::Tail);
}

/// Parsed `[B]LMPOP` arguments after the timeout: `numkeys key... LEFT|RIGHT [COUNT n]`.
struct MpopArgs {
    /// Index of the first key in argv.
    first_key: usize,
    numkeys: usize,
    end: End,
    count: usize,
}

/// Redis's lmpopGenericCommand parsing, `numkeys_idx` being where numkeys is. None after
/// replying the error.
fn parse_mpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>, numkeys_idx: usize) -> Option<MpopArgs> {
    let numkeys = parse_range(
        ctx,
        argv.get(numkeys_idx),
        1,
        "ERR numkeys should be greater than 0",
    )?;
    let where_idx = (numkeys as u64).saturating_add(numkeys_idx as u64 + 1);
    if where_idx >= argv.len() as u64 {
        ctx.syntax_error();
        return None;
    }
    let where_idx = where_idx as usize;
    let end = parse_end(ctx, argv.get(where_idx))?;
    let mut count: i64 = -1;
    let mut j = where_idx + 1;
    while j < argv.len() {
        if count == -1 && argv.is(j, "count") && j + 1 < argv.len() {
            j += 1;
            count = parse_range(ctx, argv.get(j), 1, "ERR count should be greater than 0")?;
        } else {
            ctx.syntax_error();
            return None;
        }
        j += 1;
    }
    Some(MpopArgs {
        first_key: numkeys_idx + 1,
        numkeys: numkeys as usize,
        end,
        count: if count == -1 { 1 } else { count as usize },
    })
}

/// `LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]`: `[key, [elements]]` from the first
/// non-empty list, or a null array.
fn lmpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(a) = parse_mpop(ctx, argv, 1) else {
        return;
    };
    for j in a.first_key..a.first_key + a.numkeys {
        let key = argv.get(j);
        match lookup_write(ctx, key) {
            Lookup::Missing => continue,
            Lookup::WrongType => return ctx.wrongtype(),
            Lookup::List => {}
        }
        let n = pop_range_with_key(ctx, key, a.end, a.count);
        let count = n.to_string();
        ctx.rewrite_propagation(&[pop_cmd(a.end), key, count.as_bytes()]);
        return;
    }
    ctx.client().add_null_array();
}

// -- moves -----------------------------------------------------------------------------------

/// Pushes `value` onto the list at `dst` (creating it), replying the value (Redis's
/// lmoveHandlePush).
fn move_push(ctx: &mut Ctx<'_>, dst: &[u8], value: &[u8], end: End) {
    let db = ctx.db();
    let thr = packed_threshold(ctx);
    match list_mut(ctx, dst) {
        Some(l) => l.push(value, end, thr),
        None => {
            let mut l = new_list(ctx);
            l.push(value, end, thr);
            let lru = ctx.srv.ks.lru_now();
            ctx.srv
                .ks
                .set_key(db, dst, RObj::new(Value::List(l), lru), false);
        }
    }
    ctx.signal_modified_key(db, dst);
    ctx.notify_keyspace_event(NOTIFY_LIST, push_event(end), dst, db);
    ctx.bulk(value);
}

/// LMOVE and RPOPLPUSH, and BLMOVE/BRPOPLPUSH when the source has elements (Redis's
/// lmoveGenericCommand).
fn move_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>, from: End, to: End) {
    let src = argv.get(1);
    let dst = argv.get(2);
    match lookup_write(ctx, src) {
        Lookup::Missing => return ctx.null(),
        Lookup::WrongType => return ctx.wrongtype(),
        Lookup::List => {}
    }
    if let Lookup::WrongType = lookup_write(ctx, dst) {
        return ctx.wrongtype();
    }
    let Some(value) = list_mut(ctx, src).and_then(|l| l.pop_vec(from)) else {
        return ctx.null();
    };
    move_push(ctx, dst, &value, to);
    let db = ctx.db();
    ctx.notify_keyspace_event(NOTIFY_LIST, pop_event(from), src, db);
    if list_mut(ctx, src).map_or(true, |l| l.is_empty()) {
        ctx.srv.ks.delete(db, src);
        ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", src, db);
    }
    ctx.signal_modified_key(db, src);
    ctx.dirty(1);
    if argv.is(0, "blmove") {
        ctx.rewrite_propagation(&[b"LMOVE", src, dst, argv.get(3), argv.get(4)]);
    } else if argv.is(0, "brpoplpush") {
        ctx.rewrite_propagation(&[b"RPOPLPUSH", src, dst]);
    }
}

/// `LMOVE source destination LEFT|RIGHT LEFT|RIGHT`.
fn lmove(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(from) = parse_end(ctx, argv.get(3)) else {
        return;
    };
    let Some(to) = parse_end(ctx, argv.get(4)) else {
        return;
    };
    move_generic(ctx, argv, from, to);
}

/// `RPOPLPUSH source destination`.
fn rpoplpush(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    move_generic(ctx, argv, End::Tail, End::Head);
}

// -- blocking forms --------------------------------------------------------------------------

/// BLPOP/BRPOP/BLMPOP (Redis's blockingPopGenericCommand): pops from the first non-empty list
/// among `keys`, else blocks on all of them. `count` None is BLPOP/BRPOP's single element.
fn blocking_pop(
    ctx: &mut Ctx<'_>,
    argv: &Argv<'_>,
    keys: std::ops::Range<usize>,
    end: End,
    timeout_idx: usize,
    count: Option<usize>,
    serve: blocked::ServeFn,
) {
    let Some(timeout) = blocked::timeout_from_arg(ctx, argv.get(timeout_idx)) else {
        return;
    };
    for j in keys.clone() {
        let key = argv.get(j);
        match lookup_write(ctx, key) {
            Lookup::Missing => continue,
            Lookup::WrongType => return ctx.wrongtype(),
            Lookup::List => {}
        }
        match count {
            Some(n) => {
                let popped = pop_range_with_key(ctx, key, end, n);
                let count = popped.to_string();
                ctx.rewrite_propagation(&[pop_cmd(end), key, count.as_bytes()]);
            }
            None => {
                let (ks, c) = ctx.parts();
                let db = c.db;
                let Some(l) = ks.dbs[db].dict.get_mut(key).and_then(|o| o.as_list_mut()) else {
                    continue;
                };
                c.add_array_len(2);
                c.add_bulk(key);
                l.pop(end, |e| add_entry(c, e));
                elements_removed(ctx, key, end, 1);
                ctx.rewrite_propagation(&[pop_cmd(end), key]);
            }
        }
        return;
    }
    if !blocked::can_block(ctx) {
        ctx.client().add_null_array();
        return;
    }
    let keys: Vec<&[u8]> = keys.map(|j| argv.get(j)).collect();
    blocked::block_for_keys(ctx, BlockType::List, &keys, timeout, argv, serve);
}

/// `BLPOP key [key ...] timeout`.
fn blpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let n = argv.len();
    blocking_pop(ctx, argv, 1..n - 1, End::Head, n - 1, None, serve_pop);
}

/// `BRPOP key [key ...] timeout`.
fn brpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let n = argv.len();
    blocking_pop(ctx, argv, 1..n - 1, End::Tail, n - 1, None, serve_pop);
}

/// `BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]`.
fn blmpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(a) = parse_mpop(ctx, argv, 2) else {
        return;
    };
    let keys = a.first_key..a.first_key + a.numkeys;
    blocking_pop(ctx, argv, keys, a.end, 1, Some(a.count), serve_mpop);
}

/// BLMOVE/BRPOPLPUSH (Redis's blmoveGenericCommand): moves at once when the source has
/// elements, else blocks on it.
fn blocking_move(ctx: &mut Ctx<'_>, argv: &Argv<'_>, from: End, to: End, timeout: i64) {
    let src = argv.get(1);
    match lookup_write(ctx, src) {
        Lookup::WrongType => ctx.wrongtype(),
        Lookup::List => move_generic(ctx, argv, from, to),
        Lookup::Missing if !blocked::can_block(ctx) => ctx.null(),
        Lookup::Missing => {
            blocked::block_for_keys(ctx, BlockType::List, &[src], timeout, argv, serve_move)
        }
    }
}

/// `BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout`.
fn blmove(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(from) = parse_end(ctx, argv.get(3)) else {
        return;
    };
    let Some(to) = parse_end(ctx, argv.get(4)) else {
        return;
    };
    let Some(timeout) = blocked::timeout_from_arg(ctx, argv.get(5)) else {
        return;
    };
    blocking_move(ctx, argv, from, to, timeout);
}

/// `BRPOPLPUSH source destination timeout`.
fn brpoplpush(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(timeout) = blocked::timeout_from_arg(ctx, argv.get(3)) else {
        return;
    };
    blocking_move(ctx, argv, End::Tail, End::Head, timeout);
}

// -- serving blocked clients (Redis's serveClientBlockedOnList) -------------------------------

/// Serves a BLPOP/BRPOP blocked on `key`: `[key, element]`, propagated as `LPOP key` /
/// `RPOP key`. Like Redis, no WATCH signal (the push that made the key ready gave one).
fn serve_pop(ctx: &mut Ctx<'_>, argv: &Argv<'_>, key: &[u8]) -> bool {
    let end = if argv.is(0, "brpop") {
        End::Tail
    } else {
        End::Head
    };
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let Some(l) = ks.dbs[db].dict.get_mut(key).and_then(|o| o.as_list_mut()) else {
        return false;
    };
    if l.is_empty() {
        return false;
    }
    c.add_array_len(2);
    c.add_bulk(key);
    l.pop(end, |e| add_entry(c, e));
    let empty = l.is_empty();
    ctx.prevent_propagation();
    ctx.also_propagate(db, &[pop_cmd(end), key]);
    ctx.notify_keyspace_event(NOTIFY_LIST, pop_event(end), key, db);
    if empty {
        ctx.srv.ks.delete(db, key);
        ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
    }
    true
}

/// Serves a BLMPOP blocked on `key`: `[key, [elements]]`, propagated as `LPOP key count`.
fn serve_mpop(ctx: &mut Ctx<'_>, argv: &Argv<'_>, key: &[u8]) -> bool {
    let Some(a) = parse_mpop_quiet(argv) else {
        return false;
    };
    let db = ctx.db();
    let Some(llen) = list_mut(ctx, key).map(|l| l.len()) else {
        return false;
    };
    if llen == 0 {
        return false;
    }
    let count = a.count.min(llen).to_string();
    ctx.prevent_propagation();
    ctx.also_propagate(db, &[pop_cmd(a.end), key, count.as_bytes()]);
    pop_range_with_key(ctx, key, a.end, a.count);
    true
}

/// Re-reads a BLMPOP's arguments, which were valid when it blocked.
fn parse_mpop_quiet(argv: &Argv<'_>) -> Option<MpopArgs> {
    let numkeys = usize::try_from(parse_i64(argv.get(2))?).ok()?;
    let where_idx = numkeys.checked_add(3)?;
    if where_idx >= argv.len() {
        return None;
    }
    let end = if argv.get(where_idx).eq_ignore_ascii_case(b"left") {
        End::Head
    } else {
        End::Tail
    };
    let count = if where_idx + 2 < argv.len() {
        usize::try_from(parse_i64(argv.get(where_idx + 2))?).ok()?
    } else {
        1
    };
    Some(MpopArgs {
        first_key: 3,
        numkeys,
        end,
        count,
    })
}

/// Serves a BLMOVE/BRPOPLPUSH blocked on `key`: moves one element to the destination,
/// propagated as `LMOVE` / `RPOPLPUSH`; a destination of another type answers WRONGTYPE and
/// moves nothing (the client is released all the same, as in Redis).
fn serve_move(ctx: &mut Ctx<'_>, argv: &Argv<'_>, key: &[u8]) -> bool {
    let dst = argv.get(2);
    let (from, to, is_brpoplpush) = if argv.is(0, "brpoplpush") {
        (End::Tail, End::Head, true)
    } else {
        let from = if argv.get(3).eq_ignore_ascii_case(b"left") {
            End::Head
        } else {
            End::Tail
        };
        let to = if argv.get(4).eq_ignore_ascii_case(b"left") {
            End::Head
        } else {
            End::Tail
        };
        (from, to, false)
    };
    let db = ctx.db();
    ctx.prevent_propagation();
    if let Lookup::WrongType = lookup_write(ctx, dst) {
        ctx.wrongtype();
    } else {
        let Some(value) = list_mut(ctx, key).and_then(|l| l.pop_vec(from)) else {
            return false;
        };
        move_push(ctx, dst, &value, to);
        if is_brpoplpush {
            ctx.also_propagate(db, &[b"RPOPLPUSH", key, dst]);
        } else {
            ctx.also_propagate(db, &[b"LMOVE", key, dst, end_word(from), end_word(to)]);
        }
        ctx.notify_keyspace_event(NOTIFY_LIST, pop_event(from), key, db);
    }
    if list_mut(ctx, key).map_or(true, |l| l.is_empty()) {
        ctx.srv.ks.delete(db, key);
        ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
    }
    true
}
