//! Set commands (Redis's t_set.c): SADD, SREM, SCARD, SISMEMBER, SMISMEMBER,
//! SMEMBERS, SPOP, SRANDMEMBER, SMOVE, SINTER, SINTERCARD, SINTERSTORE,
//! SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE, SSCAN.
//!
//! Owns: what each set command reads, writes, replies, counts as a change
//! (`dirty`), signals (`signal_modified_key`, keyspace events of class `s`
//! and `g`) and how it is propagated (SPOP becomes SREM, or DEL when it
//! empties the set). The encodings and their conversions live in
//! `db::set`; this file never looks inside them. It must never touch
//! sockets, other clients or the propagation stream itself.
//!
//! Replies follow Redis's types: SMEMBERS, SINTER, SUNION, SDIFF and SPOP
//! with a count answer a RESP3 set (`~`, an array in RESP2); SRANDMEMBER
//! with a count and SSCAN answer arrays.
//!
//! Results that are stored (SINTERSTORE, SUNIONSTORE, SDIFFSTORE) are built
//! member by member into a set that starts as an empty intset, as Redis
//! builds them, so they get the encoding Redis would give them: `intset`
//! when every member is an integer and there are at most
//! `set-max-intset-entries`, `hashtable` otherwise. An empty result deletes
//! the destination.

use super::flags::*;
use super::keys::scan::{parse_scan_cursor, parse_scan_options};
use super::{Argv, CommandSpec, Ctx};
use crate::client::{flags as cf, Client};
use crate::db::dict::Dict;
use crate::db::object::{RObj, Value};
use crate::db::set::{Member, SetValue};
use crate::db::{Access, Keyspace};
use crate::util::glob::string_match;
use crate::util::numeric::parse_i64;

/// Redis's NOTIFY_SET class letter.
const NOTIFY_SET: u8 = b's';
/// Redis's NOTIFY_GENERIC class letter.
const NOTIFY_GENERIC: u8 = b'g';

const ERR_NOT_INT: &str = "ERR value is not an integer or out of range";

/// 5, Redis's SPOP_MOVE_STRATEGY_MUL: SPOP with a count builds a new set of
/// the members that stay when fewer than count / 5 of them stay.
const SPOP_MOVE_STRATEGY_MUL: u64 = 5;

/// 3, Redis's SRANDMEMBER_SUB_STRATEGY_MUL: SRANDMEMBER with a count copies
/// the set and removes random members when it asks for more than a third.
const SRANDMEMBER_SUB_STRATEGY_MUL: u64 = 3;

/// Members SRANDMEMBER with a negative count emits between checks of the
/// client's output buffer limits (Redis checks on every reply it appends).
const OUTPUT_LIMIT_CHECK_EVERY: u64 = 1024;

/// A spec with one key at position 1.
const fn spec(
    name: &'static str,
    handler: super::Handler,
    arity: i32,
    flags: u32,
    since: &'static str,
    summary: &'static str,
    syntax: &'static str,
) -> CommandSpec {
    keyed(
        name,
        handler,
        arity,
        flags,
        (1, 1, 1),
        since,
        summary,
        syntax,
    )
}

/// A spec with explicit key positions (first, last, step).
#[allow(clippy::too_many_arguments)]
const fn keyed(
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
        group: "set",
        summary,
        since,
        syntax,
        subcommands: &[],
    }
}

/// Arity, flags, key positions, summaries and `since` as Redis 7.0.15's
/// command JSON files.
pub const COMMANDS: &[CommandSpec] = &[
    spec(
        "sadd",
        sadd,
        -3,
        WRITE | DENYOOM | FAST,
        "1.0.0",
        "Add one or more members to a set",
        "key member [member ...]",
    ),
    spec(
        "srem",
        srem,
        -3,
        WRITE | FAST,
        "1.0.0",
        "Remove one or more members from a set",
        "key member [member ...]",
    ),
    spec(
        "scard",
        scard,
        2,
        READONLY | FAST,
        "1.0.0",
        "Get the number of members in a set",
        "key",
    ),
    spec(
        "sismember",
        sismember,
        3,
        READONLY | FAST,
        "1.0.0",
        "Determine if a given value is a member of a set",
        "key member",
    ),
    spec(
        "smismember",
        smismember,
        -3,
        READONLY | FAST,
        "6.2.0",
        "Returns the membership associated with the given elements for a set",
        "key member [member ...]",
    ),
    spec(
        "smembers",
        smembers,
        2,
        READONLY,
        "1.0.0",
        "Get all the members in a set",
        "key",
    ),
    spec(
        "spop",
        spop,
        -2,
        WRITE | FAST,
        "1.0.0",
        "Remove and return one or multiple random members from a set",
        "key [count]",
    ),
    spec(
        "srandmember",
        srandmember,
        -2,
        READONLY,
        "1.0.0",
        "Get one or multiple random members from a set",
        "key [count]",
    ),
    keyed(
        "smove",
        smove,
        4,
        WRITE | FAST,
        (1, 2, 1),
        "1.0.0",
        "Move a member from one set to another",
        "source destination member",
    ),
    keyed(
        "sinter",
        sinter,
        -2,
        READONLY,
        (1, -1, 1),
        "1.0.0",
        "Intersect multiple sets",
        "key [key ...]",
    ),
    keyed(
        "sintercard",
        sintercard,
        -3,
        READONLY,
        (0, 0, 0),
        "7.0.0",
        "Intersect multiple sets and return the cardinality of the result",
        "numkeys key [key ...] [LIMIT limit]",
    ),
    keyed(
        "sinterstore",
        sinterstore,
        -3,
        WRITE | DENYOOM,
        (1, -1, 1),
        "1.0.0",
        "Intersect multiple sets and store the resulting set in a key",
        "destination key [key ...]",
    ),
    keyed(
        "sunion",
        sunion,
        -2,
        READONLY,
        (1, -1, 1),
        "1.0.0",
        "Add multiple sets",
        "key [key ...]",
    ),
    keyed(
        "sunionstore",
        sunionstore,
        -3,
        WRITE | DENYOOM,
        (1, -1, 1),
        "1.0.0",
        "Add multiple sets and store the resulting set in a key",
        "destination key [key ...]",
    ),
    keyed(
        "sdiff",
        sdiff,
        -2,
        READONLY,
        (1, -1, 1),
        "1.0.0",
        "Subtract multiple sets",
        "key [key ...]",
    ),
    keyed(
        "sdiffstore",
        sdiffstore,
        -3,
        WRITE | DENYOOM,
        (1, -1, 1),
        "1.0.0",
        "Subtract multiple sets and store the resulting set in a key",
        "destination key [key ...]",
    ),
    spec(
        "sscan",
        sscan,
        -3,
        READONLY,
        "2.8.0",
        "Incrementally iterate Set elements",
        "key cursor [MATCH pattern] [COUNT count]",
    ),
];

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// What a lookup found at a key, for commands that hold several keys.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Found {
    Missing,
    WrongType,
    Set,
}

fn probe(ks: &mut Keyspace, db: usize, key: &[u8], access: Access) -> Found {
    match ks.lookup(db, key, access) {
        None => Found::Missing,
        Some(o) if o.as_set().is_some() => Found::Set,
        Some(_) => Found::WrongType,
    }
}

/// The set at `key`, read straight from the table (no expiry, no stats):
/// for use after a [`probe`] found it.
fn set_at<'k>(ks: &'k Keyspace, db: usize, key: &[u8]) -> Option<&'k SetValue> {
    ks.dbs[db].dict.get(key).and_then(|o| o.as_set())
}

fn set_at_mut<'k>(ks: &'k mut Keyspace, db: usize, key: &[u8]) -> Option<&'k mut SetValue> {
    ks.dbs[db].dict.get_mut(key).and_then(|o| o.as_set_mut())
}

/// Appends one member as a bulk string.
fn reply_member(c: &mut Client, m: Member<'_>) {
    match m {
        Member::Int(v) => c.add_bulk_int(v),
        Member::Bytes(b) => c.add_bulk(b),
    }
}

/// An owned copy of a member's string form.
fn member_to_vec(m: Member<'_>) -> Vec<u8> {
    let mut scratch = [0u8; 20];
    m.as_bytes(&mut scratch).to_vec()
}

/// `set-max-intset-entries`, the most members an intset holds before it
/// becomes a hash table.
fn max_intset(ctx: &Ctx<'_>) -> usize {
    ctx.srv.config.set_max_intset_entries
}

// ---------------------------------------------------------------------------
// Single-key commands
// ---------------------------------------------------------------------------

/// `SADD key member [member ...]` → number of members added. A new key
/// starts as an intset when the first member is an integer.
fn sadd(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let key = argv.get(1);
    let max = max_intset(ctx);
    let ks = ctx.ks();
    let added = match ks.lookup_write(db, key) {
        Some(o) => match o.as_set_mut() {
            Some(set) => argv.iter().skip(2).filter(|m| set.add(m, max)).count(),
            None => {
                ctx.wrongtype();
                return;
            }
        },
        None => {
            let mut set = SetValue::new_for(argv.get(2));
            let n = argv.iter().skip(2).filter(|m| set.add(m, max)).count();
            ks.set_key(db, key, RObj::new(Value::Set(set), 0), false);
            n
        }
    };
    if added > 0 {
        ctx.signal_modified_key(db, key);
        ctx.notify_keyspace_event(NOTIFY_SET, "sadd", key, db);
    }
    ctx.dirty(added as u64);
    ctx.int(added as i64);
}

/// `SREM key member [member ...]` → number of members removed; the key is
/// deleted when its last member goes.
fn srem(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let key = argv.get(1);
    let ks = ctx.ks();
    let (deleted, emptied) = match ks.lookup_write(db, key) {
        None => {
            ctx.int(0);
            return;
        }
        Some(o) => match o.as_set_mut() {
            None => {
                ctx.wrongtype();
                return;
            }
            Some(set) => {
                let mut deleted = 0u64;
                let mut emptied = false;
                for m in argv.iter().skip(2) {
                    if set.remove(m) {
                        deleted += 1;
                        if set.is_empty() {
                            emptied = true;
                            break;
                        }
                    }
                }
                (deleted, emptied)
            }
        },
    };
    if emptied {
        ks.delete(db, key);
    }
    if deleted > 0 {
        ctx.signal_modified_key(db, key);
        ctx.notify_keyspace_event(NOTIFY_SET, "srem", key, db);
        if emptied {
            ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
        }
        ctx.dirty(deleted);
    }
    ctx.int(deleted as i64);
}

/// `SCARD key` → number of members (0 for a missing key).
fn scard(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let r = match ctx.ks().lookup_read(db, argv.get(1)) {
        None => Some(0),
        Some(o) => o.as_set().map(|s| s.len() as i64),
    };
    match r {
        Some(n) => ctx.int(n),
        None => ctx.wrongtype(),
    }
}

/// `SISMEMBER key member` → 1 or 0.
fn sismember(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let r = match ctx.ks().lookup_read(db, argv.get(1)) {
        None => Some(false),
        Some(o) => o.as_set_mut().map(|s| s.contains_mut(argv.get(2))),
    };
    match r {
        Some(is) => ctx.int(i64::from(is)),
        None => ctx.wrongtype(),
    }
}

/// `SMISMEMBER key member [member ...]` → an array of 1/0, one per member
/// (all 0 for a missing key).
fn smismember(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let mut set = match ks.lookup_read(db, argv.get(1)) {
        None => None,
        Some(o) => match o.as_set_mut() {
            Some(s) => Some(s),
            None => {
                c.add_error(crate::db::object::WRONGTYPE);
                return;
            }
        },
    };
    c.add_array_len(argv.len() - 2);
    for m in argv.iter().skip(2) {
        c.add_int(i64::from(set.as_mut().is_some_and(|s| s.contains_mut(m))));
    }
}

/// `SMEMBERS key` → every member (a RESP3 set), as SINTER of one key.
fn smembers(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    sinter_generic(ctx, argv, 1, argv.len(), None, Inter::Members);
}

// ---------------------------------------------------------------------------
// SPOP / SRANDMEMBER
// ---------------------------------------------------------------------------

/// `SPOP key [count]` → a random member removed from the set (nil when the
/// key is missing), or with a count a set of up to count distinct members.
/// Propagated as `SREM key member` per member, or as `DEL key` when the
/// count takes the whole set.
fn spop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    match argv.len() {
        2 => {}
        3 => return spop_with_count(ctx, argv),
        _ => return ctx.syntax_error(),
    }
    let db = ctx.db();
    let key = argv.get(1);
    let ks = ctx.ks();
    let (member, emptied) = match ks.lookup_write(db, key) {
        None => {
            ctx.null();
            return;
        }
        Some(o) => match o.as_set_mut() {
            None => {
                ctx.wrongtype();
                return;
            }
            Some(set) => match set.pop_random() {
                Some(m) => (m, set.is_empty()),
                // Stored sets are never empty; answer as for a missing key.
                None => {
                    ctx.null();
                    return;
                }
            },
        },
    };
    ctx.notify_keyspace_event(NOTIFY_SET, "spop", key, db);
    ctx.rewrite_propagation(&[b"SREM", key, &member]);
    ctx.bulk(&member);
    if emptied {
        ctx.ks().delete(db, key);
        ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
    }
    ctx.signal_modified_key(db, key);
    ctx.dirty(1);
}

/// `SPOP key count`, Redis's spopWithCountCommand and its three cases:
/// the whole set (reply it, delete the key, propagate DEL); few members
/// (pop them one by one); most members (keep the few that stay in a new set
/// and reply what is left of the old one).
fn spop_with_count(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let count = match parse_i64(argv.get(2)) {
        Some(n) if n >= 0 => n as u64,
        _ => {
            ctx.err("ERR value is out of range, must be positive");
            return;
        }
    };
    let db = ctx.db();
    let key = argv.get(1);
    let size = match probe(ctx.ks(), db, key, Access::Write) {
        Found::Missing => {
            ctx.client().add_set_len(0);
            return;
        }
        Found::WrongType => {
            ctx.wrongtype();
            return;
        }
        Found::Set => set_at(ctx.ks(), db, key).map_or(0, |s| s.len()) as u64,
    };
    if count == 0 {
        ctx.client().add_set_len(0);
        return;
    }
    ctx.notify_keyspace_event(NOTIFY_SET, "spop", key, db);
    ctx.dirty(count.min(size));

    // Case 1: everything goes.
    if count >= size {
        sunion_diff_generic(ctx, argv, 1, 2, None, SetOp::Union);
        ctx.ks().delete(db, key);
        ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
        ctx.rewrite_propagation(&[b"DEL", key]);
        ctx.signal_modified_key(db, key);
        return;
    }

    ctx.client().add_set_len(count as usize);
    let remaining = size - count;
    let max = max_intset(ctx);
    let mut popped: Vec<Vec<u8>> = Vec::with_capacity(count as usize);
    {
        let (ks, c) = ctx.parts();
        let Some(set) = set_at_mut(ks, db, key) else {
            return;
        };
        if remaining * SPOP_MOVE_STRATEGY_MUL > count {
            // Case 2: pop count random members.
            for _ in 0..count {
                let Some(m) = set.pop_random() else { break };
                c.add_bulk(&m);
                popped.push(m);
            }
        } else {
            // Case 3: move the members that stay into a new set, reply the
            // rest of the old one, and keep the new one under the key.
            let mut kept: Option<SetValue> = None;
            for _ in 0..remaining {
                let Some(m) = set.pop_random() else { break };
                let new = kept.get_or_insert_with(|| SetValue::new_for(&m));
                new.add(&m, max);
            }
            for m in set.iter() {
                reply_member(c, m);
                popped.push(member_to_vec(m));
            }
            if let Some(new) = kept {
                *set = new;
            }
        }
    }
    for m in &popped {
        ctx.also_propagate(db, &[b"SREM", key, m]);
    }
    ctx.prevent_propagation();
    ctx.signal_modified_key(db, key);
}

/// `SRANDMEMBER key [count]` → a random member (nil when the key is
/// missing), or with a count an array: count distinct members (at most the
/// whole set) for a positive count, count members with repetitions for a
/// negative one.
fn srandmember(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    match argv.len() {
        2 => {}
        3 => return srandmember_with_count(ctx, argv),
        _ => return ctx.syntax_error(),
    }
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    match ks.lookup_read(db, argv.get(1)) {
        None => c.add_null(),
        Some(o) => match o.as_set_mut() {
            None => c.add_error(crate::db::object::WRONGTYPE),
            Some(set) => match set.random_mut() {
                Some(m) => reply_member(c, m),
                None => c.add_null(),
            },
        },
    }
}

/// `SRANDMEMBER key count`, Redis's srandmemberWithCountCommand and its four
/// cases: negative count (independent picks); count at least the size (the
/// whole set); count above a third of the size (copy, then remove random
/// members); small count (pick until count distinct members).
fn srandmember_with_count(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let (count, uniq) = match parse_i64(argv.get(2)) {
        None => {
            ctx.err(ERR_NOT_INT);
            return;
        }
        Some(i64::MIN) => {
            ctx.err(&format!(
                "ERR value is out of range, value must between {} and {}",
                -i64::MAX,
                i64::MAX
            ));
            return;
        }
        Some(l) if l >= 0 => (l as u64, true),
        Some(l) => (l.unsigned_abs(), false),
    };
    let db = ctx.db();
    let key = argv.get(1);
    match probe(ctx.ks(), db, key, Access::Read) {
        Found::Missing => {
            ctx.array_len(0);
            return;
        }
        Found::WrongType => {
            ctx.wrongtype();
            return;
        }
        Found::Set => {}
    }
    if count == 0 {
        ctx.array_len(0);
        return;
    }

    // Case 1: repetitions allowed (or a single member).
    if !uniq || count == 1 {
        ctx.client().add_array_len(count as usize);
        let mut emitted = 0u64;
        while emitted < count {
            {
                let (ks, c) = ctx.parts();
                let Some(set) = set_at_mut(ks, db, key) else {
                    return;
                };
                let batch = (count - emitted).min(OUTPUT_LIMIT_CHECK_EVERY);
                for _ in 0..batch {
                    if let Some(m) = set.random_mut() {
                        reply_member(c, m);
                    }
                }
                emitted += batch;
            }
            if emitted < count {
                crate::networking::check_output_buffer_limits(ctx.srv, ctx.cid);
                if ctx.client().has_flag(cf::CLOSE_ASAP) {
                    return;
                }
            }
        }
        return;
    }

    let (ks, c) = ctx.parts();
    let Some(set) = set_at_mut(ks, db, key) else {
        return;
    };
    let size = set.len() as u64;

    // Case 2: the whole set.
    if count >= size {
        c.add_array_len(size as usize);
        for m in set.iter() {
            reply_member(c, m);
        }
        return;
    }

    let mut picked: Dict<()> = Dict::new();
    if count * SRANDMEMBER_SUB_STRATEGY_MUL > size {
        // Case 3: copy everything, then drop random members.
        picked.expand(size as usize);
        let mut scratch = [0u8; 20];
        for m in set.iter() {
            picked.insert_new(m.as_bytes(&mut scratch), ());
        }
        while picked.len() as u64 > count {
            let Some(k) = picked.random_entry().map(|(k, _)| k.to_vec()) else {
                break;
            };
            picked.remove(&k);
        }
    } else {
        // Case 4: pick until count distinct members.
        picked.expand(count as usize);
        let mut scratch = [0u8; 20];
        while (picked.len() as u64) < count {
            let Some(m) = set.random_mut() else { break };
            let b = m.as_bytes(&mut scratch);
            if !picked.contains_key(b) {
                picked.insert_new(b, ());
            }
        }
    }
    c.add_array_len(picked.len());
    for (k, _) in picked.iter() {
        c.add_bulk(k);
    }
}

// ---------------------------------------------------------------------------
// SMOVE
// ---------------------------------------------------------------------------

/// `SMOVE source destination member` → 1 when the member was moved (or is
/// already there when source and destination are the same key), else 0.
fn smove(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let (src, dst, ele) = (argv.get(1), argv.get(2), argv.get(3));
    let max = max_intset(ctx);
    let ks = ctx.ks();
    let src_found = probe(ks, db, src, Access::Write);
    let dst_found = probe(ks, db, dst, Access::Write);
    if src_found == Found::Missing {
        ctx.int(0);
        return;
    }
    if src_found == Found::WrongType || dst_found == Found::WrongType {
        ctx.wrongtype();
        return;
    }
    if src == dst {
        let is = set_at(ctx.ks(), db, src).is_some_and(|s| s.contains(ele));
        ctx.int(i64::from(is));
        return;
    }
    let Some(src_set) = set_at_mut(ctx.ks(), db, src) else {
        ctx.int(0);
        return;
    };
    if !src_set.remove(ele) {
        ctx.int(0);
        return;
    }
    let src_emptied = src_set.is_empty();
    ctx.notify_keyspace_event(NOTIFY_SET, "srem", src, db);
    if src_emptied {
        ctx.ks().delete(db, src);
        ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", src, db);
    }
    let ks = ctx.ks();
    if dst_found == Found::Missing {
        ks.set_key(
            db,
            dst,
            RObj::new(Value::Set(SetValue::new_for(ele)), 0),
            false,
        );
    }
    ctx.signal_modified_key(db, src);
    ctx.dirty(1);
    let added = set_at_mut(ctx.ks(), db, dst).is_some_and(|s| s.add(ele, max));
    if added {
        ctx.dirty(1);
        ctx.signal_modified_key(db, dst);
        ctx.notify_keyspace_event(NOTIFY_SET, "sadd", dst, db);
    }
    ctx.int(1);
}

// ---------------------------------------------------------------------------
// SINTER family
// ---------------------------------------------------------------------------

/// What SINTER's generic body produces.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Inter {
    /// The members (SINTER, SMEMBERS).
    Members,
    /// Only how many, stopping at `limit` when not 0 (SINTERCARD).
    Cardinality { limit: u64 },
    /// A set stored at a destination (SINTERSTORE).
    Store,
}

/// `SINTER key [key ...]` → the members common to every set (a missing key
/// is an empty set).
fn sinter(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    sinter_generic(ctx, argv, 1, argv.len(), None, Inter::Members);
}

/// `SINTERCARD numkeys key [key ...] [LIMIT limit]` → the size of the
/// intersection, counting no further than `limit` (0: no limit).
fn sintercard(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let numkeys = match parse_i64(argv.get(1)) {
        Some(n) if n >= 1 => n as u64,
        _ => {
            ctx.err("ERR numkeys should be greater than 0");
            return;
        }
    };
    if numkeys > (argv.len() - 2) as u64 {
        ctx.err("ERR Number of keys can't be greater than number of args");
        return;
    }
    let end = 2 + numkeys as usize;
    let mut limit = 0u64;
    let mut j = end;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if argv.is(j, "limit") && more > 0 {
            j += 1;
            match parse_i64(argv.get(j)) {
                Some(l) if l >= 0 => limit = l as u64,
                _ => {
                    ctx.err("ERR LIMIT can't be negative");
                    return;
                }
            }
        } else {
            ctx.syntax_error();
            return;
        }
        j += 1;
    }
    sinter_generic(ctx, argv, 2, end, None, Inter::Cardinality { limit });
}

/// `SINTERSTORE destination key [key ...]` → the size of the intersection
/// stored at destination (deleted when empty).
fn sinterstore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    sinter_generic(ctx, argv, 2, argv.len(), Some(argv.get(1)), Inter::Store);
}

/// Looks up the set keys `argv[first..end]` in order as Redis's reads do
/// (expiry, stats); None after replying WRONGTYPE at the first other type.
/// Otherwise whether each key holds a set.
fn lookup_sets(ctx: &mut Ctx<'_>, argv: &Argv<'_>, first: usize, end: usize) -> Option<Vec<bool>> {
    let db = ctx.db();
    let mut present = Vec::with_capacity(end - first);
    for j in first..end {
        match probe(ctx.ks(), db, argv.get(j), Access::Read) {
            Found::Missing => present.push(false),
            Found::Set => present.push(true),
            Found::WrongType => {
                ctx.wrongtype();
                return None;
            }
        }
    }
    Some(present)
}

/// Redis's sinterGenericCommand: iterate the smallest set and keep the
/// members every other set holds.
fn sinter_generic(
    ctx: &mut Ctx<'_>,
    argv: &Argv<'_>,
    first: usize,
    end: usize,
    dst: Option<&[u8]>,
    mode: Inter,
) {
    let db = ctx.db();
    let Some(present) = lookup_sets(ctx, argv, first, end) else {
        return;
    };

    // An empty set among the inputs: the intersection is empty.
    if present.iter().any(|p| !p) {
        match (mode, dst) {
            (Inter::Store, Some(dst)) => {
                if ctx.ks().delete(db, dst) {
                    ctx.signal_modified_key(db, dst);
                    ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", dst, db);
                    ctx.dirty(1);
                }
                ctx.int(0);
            }
            (Inter::Cardinality { .. }, _) => ctx.int(0),
            _ => ctx.client().add_set_len(0),
        }
        return;
    }

    let max = max_intset(ctx);
    let stored = {
        let (ks, c) = ctx.parts();
        // Smallest first (a stable sort, as glibc's qsort merge sort is).
        let mut sets: Vec<(&[u8], &SetValue)> = Vec::with_capacity(end - first);
        for j in first..end {
            let key = argv.get(j);
            if let Some(s) = set_at(ks, db, key) {
                sets.push((key, s));
            }
        }
        sets.sort_by_key(|(_, s)| s.len());
        let Some(&(key0, set0)) = sets.first() else {
            return;
        };

        // SMEMBERS, or SINTER of one set (or of one key repeated): the
        // answer is the set itself, its size known up front.
        if mode == Inter::Members && sets.iter().all(|(k, _)| *k == key0) {
            c.add_set_len(set0.len());
            for m in set0.iter() {
                reply_member(c, m);
            }
            return;
        }

        let in_all = |m: Member<'_>| {
            sets[1..]
                .iter()
                .all(|(k, s)| *k == key0 || s.contains_member(m))
        };
        match mode {
            Inter::Cardinality { limit } => {
                let mut n = 0u64;
                for m in set0.iter() {
                    if in_all(m) {
                        n += 1;
                        if limit != 0 && n >= limit {
                            break;
                        }
                    }
                }
                c.add_int(n as i64);
                None
            }
            Inter::Members => {
                // The size is known only at the end: the members go to a
                // scratch buffer first (Redis's deferred length).
                let mut out = Vec::new();
                let mut n = 0usize;
                for m in set0.iter().filter(|&m| in_all(m)) {
                    match m {
                        Member::Int(v) => crate::resp::bulk_int(&mut out, v),
                        Member::Bytes(b) => crate::resp::bulk(&mut out, b),
                    }
                    n += 1;
                }
                c.add_set_len(n);
                c.add_raw(&out);
                None
            }
            Inter::Store => {
                let mut result = SetValue::default();
                for m in set0.iter().filter(|&m| in_all(m)) {
                    result.add_member(m, max);
                }
                Some(result)
            }
        }
    };
    if let (Some(result), Some(dst)) = (stored, dst) {
        store_result(ctx, dst, result, "sinterstore");
    }
}

/// The end of every STORE variant: a non-empty result replaces the
/// destination (TTL cleared) and the reply is its size; an empty one
/// deletes the destination and the reply is 0.
fn store_result(ctx: &mut Ctx<'_>, dst: &[u8], result: SetValue, event: &str) {
    let db = ctx.db();
    let n = result.len();
    let ks = ctx.ks();
    if n > 0 {
        ks.expire_if_needed(db, dst);
        ks.set_key(db, dst, RObj::new(Value::Set(result), 0), false);
        ctx.signal_modified_key(db, dst);
        ctx.int(n as i64);
        ctx.notify_keyspace_event(NOTIFY_SET, event, dst, db);
        ctx.dirty(1);
    } else {
        ctx.int(0);
        if ctx.ks().delete(db, dst) {
            ctx.dirty(1);
            ctx.signal_modified_key(db, dst);
            ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", dst, db);
        }
    }
}

// ---------------------------------------------------------------------------
// SUNION / SDIFF
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Union,
    Diff,
}

/// `SUNION key [key ...]` → the members of any set.
fn sunion(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    sunion_diff_generic(ctx, argv, 1, argv.len(), None, SetOp::Union);
}

/// `SUNIONSTORE destination key [key ...]` → the size of the union stored
/// at destination (deleted when empty).
fn sunionstore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    sunion_diff_generic(ctx, argv, 2, argv.len(), Some(argv.get(1)), SetOp::Union);
}

/// `SDIFF key [key ...]` → the members of the first set that no other set
/// holds.
fn sdiff(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    sunion_diff_generic(ctx, argv, 1, argv.len(), None, SetOp::Diff);
}

/// `SDIFFSTORE destination key [key ...]` → the size of the difference
/// stored at destination (deleted when empty).
fn sdiffstore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    sunion_diff_generic(ctx, argv, 2, argv.len(), Some(argv.get(1)), SetOp::Diff);
}

/// Redis's sunionDiffGenericCommand. The result is built into a new set
/// (starting as an intset) and then replied or stored. SDIFF picks between
/// Redis's two algorithms by estimated work:
///
/// 1. for each member of the first set, check the other sets (largest
///    first, to find it sooner): about `|first| * sets` lookups;
/// 2. add the first set, then remove every member of the others: about
///    `sum of sizes` operations.
///
/// Algorithm 1 does fewer operations per step, so its estimate is halved.
fn sunion_diff_generic(
    ctx: &mut Ctx<'_>,
    argv: &Argv<'_>,
    first: usize,
    end: usize,
    dst: Option<&[u8]>,
    op: SetOp,
) {
    let db = ctx.db();
    let Some(present) = lookup_sets(ctx, argv, first, end) else {
        return;
    };
    let max = max_intset(ctx);
    let result = {
        let (ks, c) = ctx.parts();
        let mut sets: Vec<Option<(&[u8], &SetValue)>> = (first..end)
            .zip(&present)
            .map(|(j, &p)| {
                let key = argv.get(j);
                if p {
                    set_at(ks, db, key).map(|s| (key, s))
                } else {
                    None
                }
            })
            .collect();
        let key0 = sets[0].map(|(k, _)| k);
        let sameset = key0.is_some_and(|k0| sets[1..].iter().flatten().any(|(k, _)| *k == k0));

        let mut result = SetValue::default();
        match op {
            SetOp::Union => {
                for (_, s) in sets.iter().flatten() {
                    for m in s.iter() {
                        result.add_member(m, max);
                    }
                }
            }
            // The first set minus itself: empty.
            SetOp::Diff if sameset => {}
            SetOp::Diff => {
                if let Some((_, s0)) = sets[0] {
                    let present_sets = sets.iter().flatten().count() as i64;
                    let algo_one_work = s0.len() as i64 * present_sets / 2;
                    let algo_two_work: i64 =
                        sets.iter().flatten().map(|(_, s)| s.len() as i64).sum();
                    if algo_one_work <= algo_two_work {
                        // Algorithm 1, largest sets checked first.
                        sets[1..].sort_by_key(|s| std::cmp::Reverse(s.map_or(0, |(_, s)| s.len())));
                        for m in s0.iter() {
                            let elsewhere = sets[1..]
                                .iter()
                                .flatten()
                                .any(|(_, s)| s.contains_member(m));
                            if !elsewhere {
                                result.add_member(m, max);
                            }
                        }
                    } else {
                        // Algorithm 2.
                        for m in s0.iter() {
                            result.add_member(m, max);
                        }
                        for (_, s) in sets[1..].iter().flatten() {
                            if result.is_empty() {
                                break;
                            }
                            for m in s.iter() {
                                result.remove_member(m);
                            }
                        }
                    }
                }
            }
        }

        if dst.is_none() {
            c.add_set_len(result.len());
            for m in result.iter() {
                reply_member(c, m);
            }
        }
        result
    };
    if let Some(dst) = dst {
        let event = if op == SetOp::Union {
            "sunionstore"
        } else {
            "sdiffstore"
        };
        store_result(ctx, dst, result, event);
    }
}

// ---------------------------------------------------------------------------
// SSCAN
// ---------------------------------------------------------------------------

/// `SSCAN key cursor [MATCH pattern] [COUNT count]` → `[next-cursor,
/// [member ...]]`. A hash-table set is walked with the dict's reverse-binary
/// cursor (COUNT is a hint, at most 10 × COUNT buckets per call); an intset
/// is returned whole with cursor 0.
fn sscan(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(mut cursor) = parse_scan_cursor(argv.get(2)) else {
        ctx.err("ERR invalid cursor");
        return;
    };
    let db = ctx.db();
    let key = argv.get(1);
    match probe(ctx.ks(), db, key, Access::Read) {
        Found::Missing => {
            let c = ctx.client();
            c.add_array_len(2);
            c.add_bulk(b"0");
            c.add_array_len(0);
            return;
        }
        Found::WrongType => {
            ctx.wrongtype();
            return;
        }
        Found::Set => {}
    }
    let Some(opts) = parse_scan_options(ctx, argv, 3, false) else {
        return;
    };
    let (ks, c) = ctx.parts();
    let Some(set) = set_at(ks, db, key) else {
        return;
    };
    let count = usize::try_from(opts.count).unwrap_or(usize::MAX);
    let mut max_iterations = opts.count.saturating_mul(10);
    let mut buf: Vec<u8> = Vec::new();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut scratch = [0u8; 20];
    loop {
        cursor = set.scan(cursor, |m| {
            let b = m.as_bytes(&mut scratch);
            spans.push((buf.len(), b.len()));
            buf.extend_from_slice(b);
        });
        if cursor == 0 || max_iterations == 0 || spans.len() >= count {
            break;
        }
        max_iterations -= 1;
    }
    if let Some(pat) = opts.pattern {
        spans.retain(|&(off, len)| string_match(pat, &buf[off..off + len], false));
    }
    c.add_array_len(2);
    c.add_bulk_int(cursor as i64);
    c.add_array_len(spans.len());
    for (off, len) in spans {
        c.add_bulk(&buf[off..off + len]);
    }
}

#[cfg(test)]
mod tests {
    use crate::client::{Client, Conn};
    use crate::commands::{process_command, Argv};
    use crate::config::Config;
    use crate::server::Server;

    /// One server and one client, commands run in-process so what a command
    /// asks to propagate and how much it dirties can be read back.
    struct Harness {
        srv: Server,
        cid: usize,
        _peer: std::os::unix::net::UnixStream,
    }

    /// What one command left behind for propagation.
    #[derive(Debug, PartialEq)]
    struct Effect {
        dirty: u64,
        rewritten: Option<String>,
        also: Vec<String>,
        prevented: bool,
    }

    fn words(v: &[Vec<u8>]) -> String {
        v.iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
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

        fn run(&mut self, line: &str) -> Effect {
            let mut buf = Vec::new();
            let mut spans = Vec::new();
            for a in line.split(' ') {
                spans.push((buf.len(), a.len()));
                buf.extend_from_slice(a.as_bytes());
            }
            let before = self.srv.ks.dirty;
            process_command(&mut self.srv, self.cid, &Argv::new(&buf, &spans));
            let p = &self.srv.propagation;
            Effect {
                dirty: self.srv.ks.dirty - before,
                rewritten: p.rewritten.as_deref().map(words),
                also: p.also.iter().map(|(_, v)| words(v)).collect(),
                prevented: p.prevent,
            }
        }

        fn dirty(&mut self, line: &str) -> u64 {
            self.run(line).dirty
        }

        fn card(&self, key: &str) -> usize {
            self.srv.ks.dbs[0]
                .dict
                .get(key.as_bytes())
                .and_then(|o| o.as_set())
                .map_or(0, |s| s.len())
        }
    }

    #[test]
    fn spop_propagates_as_srem_or_del() {
        let mut h = Harness::new();
        h.run("SADD s 1 2 3 4 5 6 7 8 9 10");
        let e = h.run("SPOP s");
        assert_eq!(e.dirty, 1);
        let r = e.rewritten.expect("SPOP is rewritten");
        assert!(r.starts_with("SREM s "), "{r}");
        assert_eq!(h.card("s"), 9);

        // Few members: one SREM each, the SPOP itself not propagated.
        let e = h.run("SPOP s 2");
        assert_eq!((e.dirty, e.prevented, e.also.len()), (2, true, 2));
        assert!(e.also.iter().all(|c| c.starts_with("SREM s ")));
        // Most members (the kept ones move to a new set): still SREMs.
        let e = h.run("SPOP s 6");
        assert_eq!((e.dirty, e.prevented, e.also.len()), (6, true, 6));
        assert_eq!(h.card("s"), 1);
        // Everything: DEL.
        let e = h.run("SPOP s 5");
        assert_eq!(e.dirty, 1);
        assert_eq!(e.rewritten.as_deref(), Some("DEL s"));
        assert_eq!(h.card("s"), 0);

        // Nothing to pop: nothing changes.
        assert_eq!(h.dirty("SPOP s"), 0);
        assert_eq!(h.dirty("SPOP s 3"), 0);
        h.run("SADD s a");
        assert_eq!(h.dirty("SPOP s 0"), 0);
    }

    #[test]
    fn dirty_counts_as_redis() {
        let mut h = Harness::new();
        assert_eq!(h.dirty("SADD s a b a c"), 3);
        assert_eq!(h.dirty("SADD s a"), 0);
        assert_eq!(h.dirty("SREM s x y"), 0);
        assert_eq!(h.dirty("SREM s a b x"), 2);
        assert_eq!(h.dirty("SISMEMBER s c"), 0);
        // SMOVE: one for the source, one more when the destination gains it.
        h.run("SADD d c");
        assert_eq!(h.dirty("SMOVE s d c"), 1);
        assert_eq!(h.card("s"), 0);
        assert_eq!(h.dirty("SMOVE d e c"), 2);
        assert_eq!(h.dirty("SMOVE e e c"), 0);
        assert_eq!(h.dirty("SMOVE e f nope"), 0);
        // Store commands: one change, or one for deleting the destination.
        h.run("SADD a 1 2 3");
        h.run("SADD b 2 3 4");
        assert_eq!(h.dirty("SINTERSTORE x a b"), 1);
        assert_eq!(h.dirty("SUNIONSTORE x a b"), 1);
        assert_eq!(h.dirty("SDIFFSTORE x a a"), 1);
        assert_eq!(h.dirty("SDIFFSTORE x a a"), 0);
        h.run("SADD x 1");
        assert_eq!(h.dirty("SINTERSTORE x a nokey"), 1);
        assert_eq!(h.dirty("SINTERSTORE x a nokey"), 0);
        // The last member's SREM deletes the key.
        assert_eq!(h.dirty("SREM a 1 2 3 4"), 3);
        assert_eq!(h.card("a"), 0);
    }
}
