//! SORT and SORT_RO (Redis's `sort.c`): sorting the elements of a list, set or sorted set,
//! numerically or lexicographically, by themselves or by weights looked up through a key
//! pattern, with LIMIT, GET projections and STORE into a list.
//!
//! Owns: option parsing, the weight lookups (`BY`), the projections (`GET`), the comparison
//! Redis's sortCompare makes, the LIMIT arithmetic, and what SORT ... STORE writes, counts and
//! signals. It reads the sorted value only through small element accessors of each type (see
//! "Reading the source" below) and never changes it. It must never touch sockets or the
//! propagation stream.
//!
//! # Patterns
//!
//! `BY` and `GET` take a pattern; for each element the first `*` is replaced by the element and
//! the result is read as a key (Redis's lookupKeyByPattern):
//!
//! ```text
//!   weight_*         element 7  ->  GET weight_7          (a string key; else nothing)
//!   wobj_*->weight   element 7  ->  HGET wobj_7 weight    (a hash field; else nothing)
//!   #                element 7  ->  7 itself (GET only)
//!   x:*->            element a  ->  GET x:a->             ("->" with no field is plain text)
//!   nosort (no '*')             ->  BY: do not sort at all; GET: always nothing
//! ```
//!
//! As in C, the pattern is read as a C string where Redis uses `strchr`/`strstr`: a `*` or
//! `->` after a NUL byte does not count.
//!
//! # Sorting
//!
//! Numeric by default: each weight is parsed as `strtod` would (`parse_f64_sort`); any weight
//! that is not a number makes the whole command fail with `One or more scores can't be
//! converted into double`; a missing weight counts as 0; equal weights fall back to comparing
//! the elements' bytes, so the output is deterministic. `ALPHA` compares bytes (as a C string,
//! like `strcoll` in the C locale, when replying; the whole binary string when storing).
//! The sort is stable, as glibc's `qsort` (a merge sort) that Redis calls.
//!
//! # Reading the source
//!
//! Lists and sorted sets keep their own order (head to tail; lowest score first), so `BY
//! nosort` on them returns that order (reversed with DESC) and loads only the LIMIT range. A
//! set has no order: with `BY nosort` and `STORE` it is sorted `ALPHA` so replicas store the
//! same list. Like Redis, SORT (and SORT_RO) converts a listpack-encoded sorted set to a
//! skiplist for good before reading it. The elements are copied out of the source into one
//! buffer first, so the BY/GET lookups that follow never alias it.

use super::flags::*;
use super::{Argv, CommandSpec, Ctx};
use crate::db::list::{End, ListValue};
use crate::db::object::{RObj, Value, ValueMut, ValueRef, WRONGTYPE};
use crate::db::Keyspace;
use crate::util::numeric::{parse_f64_sort, parse_i64};

/// Redis's NOTIFY_LIST keyspace event class.
const NOTIFY_LIST: u8 = b'l';
/// Redis's NOTIFY_GENERIC keyspace event class.
const NOTIFY_GENERIC: u8 = b'g';

const ERR_NOT_INT: &str = "ERR value is not an integer or out of range";
const ERR_SCORES: &str = "ERR One or more scores can't be converted into double";

/// Arity, flags and key positions as Redis 7.0.15's command JSON files.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "sort",
        handler: sort,
        arity: -2,
        flags: WRITE | DENYOOM,
        first_key: 1,
        last_key: 1,
        key_step: 1,
        group: "generic",
        summary: "Sort the elements in a list, set or sorted set",
        since: "1.0.0",
        syntax: "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA] [STORE destination]",
        subcommands: &[],
    },
    CommandSpec {
        name: "sort_ro",
        handler: sort_ro,
        arity: -2,
        flags: READONLY,
        first_key: 1,
        last_key: 1,
        key_step: 1,
        group: "generic",
        summary: "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
        since: "7.0.0",
        syntax: "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC|DESC] [ALPHA]",
        subcommands: &[],
    },
];

/// `SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
/// [STORE destination]` → the sorted elements (or GET projections, null where a lookup found
/// nothing); with STORE, the number of entries stored in `destination` as a list.
fn sort(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    sort_generic(ctx, argv, false);
}

/// `SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]` →
/// as SORT; STORE is a syntax error.
fn sort_ro(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    sort_generic(ctx, argv, true);
}

/// The part of `s` before its first NUL byte: what C's string functions see.
fn c_str(s: &[u8]) -> &[u8] {
    match memchr::memchr(0, s) {
        Some(n) => &s[..n],
        None => s,
    }
}

/// The options of one SORT call.
struct SortOptions<'a> {
    desc: bool,
    alpha: bool,
    limit_start: i64,
    limit_count: i64,
    store: Option<&'a [u8]>,
    by: Option<&'a [u8]>,
    /// BY named a pattern without `*`: nothing to sort by.
    dontsort: bool,
    gets: Vec<&'a [u8]>,
}

/// Parses SORT's options as Redis does: each keyword in any order, the last BY / LIMIT /
/// STORE winning. Replies the error and returns None on a bad one.
fn parse_options<'a>(
    ctx: &mut Ctx<'_>,
    argv: &Argv<'a>,
    readonly: bool,
) -> Option<SortOptions<'a>> {
    let mut o = SortOptions {
        desc: false,
        alpha: false,
        limit_start: 0,
        limit_count: -1,
        store: None,
        by: None,
        dontsort: false,
        gets: Vec::new(),
    };
    let cluster = ctx.srv.config.cluster_enabled;
    let mut j = 2;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        if argv.is(j, "asc") {
            o.desc = false;
        } else if argv.is(j, "desc") {
            o.desc = true;
        } else if argv.is(j, "alpha") {
            o.alpha = true;
        } else if argv.is(j, "limit") && left >= 2 {
            let (Some(start), Some(count)) =
                (parse_i64(argv.get(j + 1)), parse_i64(argv.get(j + 2)))
            else {
                ctx.err(ERR_NOT_INT);
                return None;
            };
            o.limit_start = start;
            o.limit_count = count;
            j += 2;
        } else if !readonly && argv.is(j, "store") && left >= 1 {
            o.store = Some(argv.get(j + 1));
            j += 1;
        } else if argv.is(j, "by") && left >= 1 {
            let pattern = argv.get(j + 1);
            o.by = Some(pattern);
            if !c_str(pattern).contains(&b'*') {
                o.dontsort = true;
            } else if cluster {
                ctx.err("ERR BY option of SORT denied in Cluster mode.");
                return None;
            }
            j += 1;
        } else if argv.is(j, "get") && left >= 1 {
            if cluster {
                ctx.err("ERR GET option of SORT denied in Cluster mode.");
                return None;
            }
            o.gets.push(argv.get(j + 1));
            j += 1;
        } else {
            ctx.syntax_error();
            return None;
        }
        j += 1;
    }
    Some(o)
}

/// Redis's lookupKeyByPattern: the value `pattern` names for element `subst`, passed to `f`
/// (None when the pattern has no `*`, the key is missing or of the wrong type, or the hash
/// has no such field). `key` is scratch space for the substituted key name. Lookups count as
/// reads (keyspace hits/misses, lazy expiry), as Redis's lookupKeyRead.
fn with_pattern_value<R>(
    ks: &mut Keyspace,
    db: usize,
    pattern: &[u8],
    subst: &[u8],
    key: &mut Vec<u8>,
    f: impl FnOnce(Option<&[u8]>) -> R,
) -> R {
    let cs = c_str(pattern);
    if cs == b"#" {
        return f(Some(subst));
    }
    let Some(star) = memchr::memchr(b'*', cs) else {
        return f(None);
    };
    // `->` after the star, followed by at least one byte that is not NUL, names a field.
    let arrow = memchr::memmem::find(&cs[star + 1..], b"->").map(|i| star + 1 + i);
    let (key_end, field) = match arrow {
        Some(a) if pattern.get(a + 2).is_some_and(|&b| b != 0) => (a, Some(&pattern[a + 2..])),
        _ => (pattern.len(), None),
    };
    key.clear();
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(subst);
    key.extend_from_slice(&pattern[star + 1..key_end]);
    let Some(o) = ks.lookup_read(db, key) else {
        return f(None);
    };
    let mut scratch = [0u8; 20];
    match field {
        Some(field) => match o.as_hash().and_then(|h| h.get(field)) {
            Some(e) => f(Some(e.as_bytes(&mut scratch))),
            None => f(None),
        },
        None => match o.as_str() {
            Some(s) => f(Some(s.as_bytes(&mut scratch))),
            None => f(None),
        },
    }
}

/// The elements being sorted, copied out of the source into one buffer.
#[derive(Default)]
struct Elements {
    bytes: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

impl Elements {
    fn push(&mut self, e: &[u8]) {
        self.spans.push((self.bytes.len(), e.len()));
        self.bytes.extend_from_slice(e);
    }

    fn get(&self, i: usize) -> &[u8] {
        let (off, len) = self.spans[i];
        &self.bytes[off..off + len]
    }

    fn len(&self) -> usize {
        self.spans.len()
    }
}

/// Which elements of a source to load: all, in the source's own order, or `count` of them
/// starting at position `start` from the head (or from the tail when `reverse`).
#[derive(Clone, Copy)]
enum Load {
    All,
    Range {
        start: usize,
        count: usize,
        reverse: bool,
    },
}

/// The number of elements of a sortable value, or None for another type.
fn source_len(v: ValueRef<'_>) -> Option<usize> {
    match v {
        ValueRef::List(l) => Some(l.len()),
        ValueRef::Set(s) => Some(s.len()),
        ValueRef::ZSet(z) => Some(z.len()),
        ValueRef::Str(_) | ValueRef::Hash(_) => None,
    }
}

/// Copies the elements `load` asks for out of a list, set or sorted set (sets are always
/// loaded whole; other types hold nothing to sort).
fn load_elements(v: ValueRef<'_>, load: Load, out: &mut Elements) {
    let mut scratch = [0u8; 20];
    match v {
        ValueRef::List(l) => {
            let (from, count, reverse) = match load {
                Load::All => (0, l.len(), false),
                // DESC walks from the tail: position `start` counted from the end.
                Load::Range {
                    start,
                    count,
                    reverse: true,
                } => (l.len().saturating_sub(start + 1), count, true),
                Load::Range { start, count, .. } => (start, count, false),
            };
            l.for_range(from, count, reverse, |e| out.push(e.as_bytes(&mut scratch)));
        }
        ValueRef::Set(s) => {
            for m in s.iter() {
                out.push(m.as_bytes(&mut scratch));
            }
        }
        ValueRef::ZSet(z) => {
            // Rank order (Redis walks its dict when sorting anyway, and the skiplist from the
            // range's first rank for BY nosort).
            let (mut p, count, reverse) = match load {
                Load::All => (z.first(), z.len(), false),
                Load::Range {
                    start,
                    count,
                    reverse,
                } => (z.by_rank(start, reverse), count, reverse),
            };
            for _ in 0..count {
                let Some(q) = p else {
                    break;
                };
                out.push(z.member(q).as_bytes(&mut scratch));
                p = if reverse { z.prev(q) } else { z.next(q) };
            }
        }
        ValueRef::Str(_) | ValueRef::Hash(_) => {}
    }
}

/// The list SORT ... STORE writes: node size and compression as configured, plain nodes
/// from the DEBUG QUICKLIST-PACKED-THRESHOLD size on.
struct ListShape {
    fill: i64,
    compress_depth: i64,
    packed_threshold: usize,
}

/// Stores `items` at `key` as a new list, replacing whatever was there and its TTL (Redis's
/// setKey, which also wakes clients blocked on a new key).
fn store_list(ks: &mut Keyspace, db: usize, key: &[u8], items: &Elements, shape: &ListShape) {
    let mut list = ListValue::new(shape.fill, shape.compress_depth);
    for i in 0..items.len() {
        list.push(items.get(i), End::Tail, shape.packed_threshold);
    }
    ks.set_key(db, key, RObj::new(Value::List(list), 0), false);
}

/// One element being sorted: its weight, or for ALPHA BY, the looked-up bytes to compare.
struct Item {
    /// Index into [`Elements`].
    elem: usize,
    score: f64,
    /// ALPHA with BY: the weight's bytes (None when the lookup found nothing).
    cmp: Option<(usize, usize)>,
}

/// Redis's sortCommandGeneric.
fn sort_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>, readonly: bool) {
    let Some(mut o) = parse_options(ctx, argv, readonly) else {
        return;
    };
    let db = ctx.db();
    let key = argv.get(1);
    let shape = ListShape {
        fill: ctx.srv.config.list_max_listpack_size,
        compress_depth: ctx.srv.config.list_compress_depth,
        packed_threshold: usize::try_from(ctx.srv.introspection.debug.quicklist_packed_threshold)
            .unwrap_or(usize::MAX),
    };

    // The source: a list, set or sorted set; a missing key sorts as an empty list.
    let (ks, c) = ctx.parts();
    let (kind, total) = match ks.lookup_read(db, key) {
        None => (Kind::List, 0usize),
        Some(obj) => match source_len(obj.value()) {
            None => {
                c.add_error(WRONGTYPE);
                return;
            }
            Some(n) => {
                // Redis converts a listpack-encoded sorted set for good, even for SORT_RO.
                if let ValueMut::ZSet(z) = obj.value_mut() {
                    z.convert_to_skiplist();
                }
                (Kind::of(obj.value()), n)
            }
        },
    };
    // A set has no order of its own: replicas must store the same list, so BY nosort with
    // STORE sorts it ALPHA after all.
    if o.dontsort && kind == Kind::Set && o.store.is_some() {
        o.dontsort = false;
        o.alpha = true;
        o.by = None;
    }

    // LIMIT, clamped to the source so nothing below overflows.
    let mut vectorlen = total as i64;
    let mut start = o.limit_start.max(0).min(vectorlen);
    let limit_count = o.limit_count.max(-1).min(vectorlen);
    let mut end = if limit_count < 0 {
        vectorlen - 1
    } else {
        start + limit_count - 1
    };
    if start >= vectorlen {
        start = vectorlen - 1;
        end = vectorlen - 2;
    }
    if end >= vectorlen {
        end = vectorlen - 1;
    }
    // Lists and sorted sets keep their order: with nothing to sort, load only the range.
    let ordered = matches!(kind, Kind::List | Kind::ZSet);
    if ordered && o.dontsort && (start != 0 || end != vectorlen - 1) {
        vectorlen = end - start + 1;
    }

    let mut elems = Elements::default();
    if total > 0 {
        let load = if ordered && o.dontsort {
            Load::Range {
                start: start.max(0) as usize,
                count: vectorlen.max(0) as usize,
                reverse: o.desc,
            }
        } else {
            Load::All
        };
        if let Some(obj) = ks.lookup(db, key, crate::db::Access::NoTouch) {
            load_elements(obj.value(), load, &mut elems);
        }
        if ordered && o.dontsort {
            // The range is loaded from its first element on.
            if end >= start {
                end -= start;
                start = 0;
            }
        }
    }

    // Weights.
    let mut items: Vec<Item> = (0..elems.len())
        .map(|elem| Item {
            elem,
            score: 0.0,
            cmp: None,
        })
        .collect();
    let mut cmp_bytes: Vec<u8> = Vec::new();
    let mut bad_score = false;
    if !o.dontsort {
        let mut keybuf = Vec::new();
        for item in items.iter_mut() {
            let elem = elems.get(item.elem);
            let mut weigh = |w: &[u8]| {
                if o.alpha {
                    if o.by.is_some() {
                        item.cmp = Some((cmp_bytes.len(), w.len()));
                        cmp_bytes.extend_from_slice(w);
                    }
                } else {
                    match parse_f64_sort(w) {
                        Some(s) => item.score = s,
                        None => bad_score = true,
                    }
                }
            };
            match o.by {
                Some(pattern) => with_pattern_value(ks, db, pattern, elem, &mut keybuf, |w| {
                    if let Some(w) = w {
                        weigh(w)
                    }
                }),
                None => weigh(elem),
            }
        }
        let (alpha, by, store, desc) = (o.alpha, o.by.is_some(), o.store.is_some(), o.desc);
        let bytes_of = |span: (usize, usize)| &cmp_bytes[span.0..span.0 + span.1];
        items.sort_by(|a, b| {
            let ord = if !alpha {
                a.score
                    .partial_cmp(&b.score)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then_with(|| elems.get(a.elem).cmp(elems.get(b.elem)))
            } else if by {
                match (a.cmp, b.cmp) {
                    (None, None) => std::cmp::Ordering::Equal,
                    (None, Some(_)) => std::cmp::Ordering::Less,
                    (Some(_), None) => std::cmp::Ordering::Greater,
                    (Some(x), Some(y)) if store => bytes_of(x).cmp(bytes_of(y)),
                    (Some(x), Some(y)) => c_str(bytes_of(x)).cmp(c_str(bytes_of(y))),
                }
            } else if store {
                elems.get(a.elem).cmp(elems.get(b.elem))
            } else {
                c_str(elems.get(a.elem)).cmp(c_str(elems.get(b.elem)))
            };
            if desc {
                ord.reverse()
            } else {
                ord
            }
        });
    }

    // Output.
    let span = (end - start + 1).max(0) as usize;
    let outputlen = if o.gets.is_empty() {
        span
    } else {
        o.gets.len() * span
    };
    if bad_score {
        c.add_error(ERR_SCORES);
        return;
    }
    let range = if span == 0 {
        0..0
    } else {
        start as usize..end as usize + 1
    };
    let mut keybuf = Vec::new();
    let Some(dest) = o.store else {
        c.add_array_len(outputlen);
        for item in &items[range] {
            let elem = elems.get(item.elem);
            if o.gets.is_empty() {
                c.add_bulk(elem);
            }
            for pattern in &o.gets {
                with_pattern_value(ks, db, pattern, elem, &mut keybuf, |v| match v {
                    Some(v) => c.add_bulk(v),
                    None => c.add_null(),
                });
            }
        }
        return;
    };

    // STORE: the output becomes a list (GET lookups that found nothing store "").
    let mut out = Elements::default();
    for item in &items[range] {
        let elem = elems.get(item.elem);
        if o.gets.is_empty() {
            out.push(elem);
        }
        for pattern in &o.gets {
            with_pattern_value(ks, db, pattern, elem, &mut keybuf, |v| {
                out.push(v.unwrap_or_default())
            });
        }
    }
    if outputlen > 0 {
        store_list(ks, db, dest, &out, &shape);
        ctx.signal_modified_key(db, dest);
        ctx.notify_keyspace_event(NOTIFY_LIST, "sortstore", dest, db);
        ctx.dirty(outputlen as u64);
    } else if ks.delete(db, dest) {
        ctx.signal_modified_key(db, dest);
        ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", dest, db);
        ctx.dirty(1);
    }
    ctx.int(outputlen as i64);
}

/// The type of the value being sorted.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    List,
    Set,
    ZSet,
}

impl Kind {
    fn of(v: ValueRef<'_>) -> Kind {
        match v {
            ValueRef::Set(_) => Kind::Set,
            ValueRef::ZSet(_) => Kind::ZSet,
            _ => Kind::List,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::hash::{HashValue, Limits};
    use crate::db::object::{RObj, StrValue};

    fn lookup(ks: &mut Keyspace, pattern: &[u8], subst: &[u8]) -> Option<Vec<u8>> {
        let mut key = Vec::new();
        with_pattern_value(ks, 0, pattern, subst, &mut key, |v| v.map(|v| v.to_vec()))
    }

    #[test]
    fn patterns_resolve_as_redis() {
        let mut ks = Keyspace::new(1);
        let s = |v: &str| RObj::new(Value::Str(StrValue::from_bytes(v.as_bytes())), 0);
        ks.set_key(0, b"weight_7", s("70"), false);
        ks.set_key(0, b"x:a->", s("100"), false);
        let mut h = HashValue::new();
        h.set(b"weight", b"3.5", Limits::default());
        ks.set_key(0, b"wobj_7", RObj::new(Value::Hash(h), 0), false);

        assert_eq!(lookup(&mut ks, b"weight_*", b"7"), Some(b"70".to_vec()));
        assert_eq!(lookup(&mut ks, b"weight_*", b"8"), None);
        assert_eq!(
            lookup(&mut ks, b"wobj_*->weight", b"7"),
            Some(b"3.5".to_vec())
        );
        assert_eq!(lookup(&mut ks, b"wobj_*->nope", b"7"), None);
        // A string key read through a field pattern, and a hash read as a string: nothing.
        assert_eq!(lookup(&mut ks, b"weight_*->f", b"7"), None);
        assert_eq!(lookup(&mut ks, b"wobj_*", b"7"), None);
        assert_eq!(lookup(&mut ks, b"#", b"7"), Some(b"7".to_vec()));
        assert_eq!(lookup(&mut ks, b"#\0x", b"7"), Some(b"7".to_vec()));
        assert_eq!(lookup(&mut ks, b"weight_7", b"7"), None);
        // "->" with nothing after it is part of the key name.
        assert_eq!(lookup(&mut ks, b"x:*->", b"a"), Some(b"100".to_vec()));
        // A star after a NUL does not count.
        assert_eq!(lookup(&mut ks, b"weight_\0*", b"7"), None);
    }
}
