//! Generic key commands: Redis's db.c (DEL, EXISTS, KEYS, SCAN, RENAME,
//! MOVE, COPY, FLUSHDB ...), expire.c (EXPIRE family, TTL family, PERSIST,
//! TOUCH) and the OBJECT command of object.c.
//!
//! Owns: what these commands reply, which lookups they make (and so which
//! keys they lazily expire and which statistics they count), and what they
//! report to the dirty counter, the propagation hooks and keyspace events,
//! in Redis's order. Split by theme:
//!
//! | file                | commands                                           |
//! |---------------------|----------------------------------------------------|
//! | `keys.rs`           | DEL UNLINK EXISTS TYPE KEYS RANDOMKEY RENAME[NX] MOVE COPY TOUCH DBSIZE FLUSHDB FLUSHALL |
//! | `keys/expire.rs`    | [P]EXPIRE[AT] [P]TTL [P]EXPIRETIME PERSIST         |
//! | `keys/scan.rs`      | SCAN, plus the cursor/option parsing H/S/ZSCAN share |
//! | `keys/object.rs`    | OBJECT ENCODING/FREQ/IDLETIME/REFCOUNT/HELP        |
//!
//! It must never look inside a value beyond its type, encoding and a
//! clone (COPY): each data type's family owns its representation. It must
//! never touch the `expires` table directly: expiry goes through the
//! keyspace so lazy expiry and its propagation stay in one place.

mod dump;
mod expire;
pub mod migrate;
mod object;
pub mod scan;

pub use scan::{parse_scan_cursor, parse_scan_options, ScanOptions};

use super::flags::*;
use super::{Argv, CommandSpec, Ctx};
use crate::db::object::parse_canonical_i64;
use crate::db::Access;
use crate::util::glob::string_match;

/// Redis's NOTIFY_GENERIC keyspace event class.
const NOTIFY_GENERIC: u8 = b'g';

/// One generic-group command. `keys` is (first, last, step).
#[allow(clippy::too_many_arguments)]
const fn cmd(
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
        group: "generic",
        summary,
        since,
        syntax,
        subcommands: &[],
    }
}

const ONE_KEY: (i32, i32, i32) = (1, 1, 1);
const ALL_KEYS: (i32, i32, i32) = (1, -1, 1);
const TWO_KEYS: (i32, i32, i32) = (1, 2, 1);
const NO_KEYS: (i32, i32, i32) = (0, 0, 0);

pub const COMMANDS: &[CommandSpec] = &[
    cmd(
        "dump",
        dump::dump,
        2,
        READONLY,
        ONE_KEY,
        "2.6.0",
        "Return a serialized version of the value stored at the specified key.",
        "key",
    ),
    cmd(
        "restore",
        dump::restore,
        -4,
        WRITE | DENYOOM,
        ONE_KEY,
        "2.6.0",
        "Create a key using the provided serialized value, previously obtained using DUMP.",
        "key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]",
    ),
    cmd(
        "migrate",
        migrate::migrate,
        -6,
        WRITE,
        (3, 3, 1),
        "2.6.0",
        "Atomically transfer a key from a Redis instance to another one.",
        "host port key|\"\" destination-db timeout [COPY] [REPLACE] [AUTH password] [AUTH2 username password] [KEYS key [key ...]]",
    ),
    cmd("del", del, -2, WRITE, ALL_KEYS, "1.0.0", "Delete a key", "key [key ...]"),
    cmd(
        "unlink",
        unlink,
        -2,
        WRITE | FAST,
        ALL_KEYS,
        "4.0.0",
        "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.",
        "key [key ...]",
    ),
    cmd(
        "exists",
        exists,
        -2,
        READONLY | FAST,
        ALL_KEYS,
        "1.0.0",
        "Determine if a key exists",
        "key [key ...]",
    ),
    cmd(
        "type",
        type_cmd,
        2,
        READONLY | FAST,
        ONE_KEY,
        "1.0.0",
        "Determine the type stored at key",
        "key",
    ),
    cmd(
        "expire",
        expire::expire,
        -3,
        WRITE | FAST,
        ONE_KEY,
        "1.0.0",
        "Set a key's time to live in seconds",
        "key seconds [NX|XX|GT|LT]",
    ),
    cmd(
        "pexpire",
        expire::pexpire,
        -3,
        WRITE | FAST,
        ONE_KEY,
        "2.6.0",
        "Set a key's time to live in milliseconds",
        "key milliseconds [NX|XX|GT|LT]",
    ),
    cmd(
        "expireat",
        expire::expireat,
        -3,
        WRITE | FAST,
        ONE_KEY,
        "1.2.0",
        "Set the expiration for a key as a UNIX timestamp",
        "key unix-time-seconds [NX|XX|GT|LT]",
    ),
    cmd(
        "pexpireat",
        expire::pexpireat,
        -3,
        WRITE | FAST,
        ONE_KEY,
        "2.6.0",
        "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
        "key unix-time-milliseconds [NX|XX|GT|LT]",
    ),
    cmd(
        "ttl",
        expire::ttl,
        2,
        READONLY | FAST,
        ONE_KEY,
        "1.0.0",
        "Get the time to live for a key in seconds",
        "key",
    ),
    cmd(
        "pttl",
        expire::pttl,
        2,
        READONLY | FAST,
        ONE_KEY,
        "2.6.0",
        "Get the time to live for a key in milliseconds",
        "key",
    ),
    cmd(
        "expiretime",
        expire::expiretime,
        2,
        READONLY | FAST,
        ONE_KEY,
        "7.0.0",
        "Get the expiration Unix timestamp for a key",
        "key",
    ),
    cmd(
        "pexpiretime",
        expire::pexpiretime,
        2,
        READONLY | FAST,
        ONE_KEY,
        "7.0.0",
        "Get the expiration Unix timestamp for a key in milliseconds",
        "key",
    ),
    cmd(
        "persist",
        expire::persist,
        2,
        WRITE | FAST,
        ONE_KEY,
        "2.2.0",
        "Remove the expiration from a key",
        "key",
    ),
    cmd(
        "keys",
        keys,
        2,
        READONLY,
        NO_KEYS,
        "1.0.0",
        "Find all keys matching the given pattern",
        "pattern",
    ),
    cmd(
        "scan",
        scan::scan,
        -2,
        READONLY,
        NO_KEYS,
        "2.8.0",
        "Incrementally iterate the keys space",
        "cursor [MATCH pattern] [COUNT count] [TYPE type]",
    ),
    cmd(
        "randomkey",
        randomkey,
        1,
        READONLY,
        NO_KEYS,
        "1.0.0",
        "Return a random key from the keyspace",
        "",
    ),
    cmd(
        "rename",
        rename,
        3,
        WRITE,
        TWO_KEYS,
        "1.0.0",
        "Rename a key",
        "key newkey",
    ),
    cmd(
        "renamenx",
        renamenx,
        3,
        WRITE | FAST,
        TWO_KEYS,
        "1.0.0",
        "Rename a key, only if the new key does not exist",
        "key newkey",
    ),
    cmd(
        "move",
        move_cmd,
        3,
        WRITE | FAST,
        ONE_KEY,
        "1.0.0",
        "Move a key to another database",
        "key db",
    ),
    cmd(
        "copy",
        copy,
        -3,
        WRITE | DENYOOM,
        TWO_KEYS,
        "6.2.0",
        "Copy a key",
        "source destination [DB destination-db] [REPLACE]",
    ),
    cmd(
        "touch",
        touch,
        -2,
        READONLY | FAST,
        ALL_KEYS,
        "3.2.1",
        "Alters the last access time of a key(s). Returns the number of existing keys specified.",
        "key [key ...]",
    ),
    object::OBJECT,
    CommandSpec {
        group: "server",
        ..cmd(
            "dbsize",
            dbsize,
            1,
            READONLY | FAST,
            NO_KEYS,
            "1.0.0",
            "Return the number of keys in the selected database",
            "",
        )
    },
    CommandSpec {
        group: "server",
        ..cmd(
            "flushdb",
            flushdb,
            -1,
            WRITE,
            NO_KEYS,
            "1.0.0",
            "Remove all keys from the current database",
            "[ASYNC|SYNC]",
        )
    },
    CommandSpec {
        group: "server",
        ..cmd(
            "flushall",
            flushall,
            -1,
            WRITE,
            NO_KEYS,
            "1.0.0",
            "Remove all keys from all databases",
            "[ASYNC|SYNC]",
        )
    },
];

/// Parses a database number as Redis's getIntFromObjectOrReply followed by
/// selectDb's range check; replies with the error itself.
fn parse_db_arg(ctx: &mut Ctx<'_>, arg: &[u8]) -> Option<usize> {
    let Some(v) = parse_canonical_i64(arg) else {
        ctx.err("ERR value is not an integer or out of range");
        return None;
    };
    if v < i64::from(i32::MIN) || v > i64::from(i32::MAX) {
        ctx.err("ERR value is out of range, value must between -2147483648 and 2147483647");
        return None;
    }
    if v < 0 || v as usize >= ctx.srv.ks.dbs.len() {
        ctx.err("ERR DB index is out of range");
        return None;
    }
    Some(v as usize)
}

/// `DEL key [key ...]` → number of keys removed.
fn del(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    del_generic(ctx, argv);
}

/// `UNLINK key [key ...]` → number of keys removed. Redis frees large
/// values on a background thread; here values are dropped inline until a
/// lazy-free thread exists, so the reply and effects are DEL's.
fn unlink(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    del_generic(ctx, argv);
}

fn del_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let mut removed = 0;
    for key in argv.iter().skip(1) {
        // `delete` applies lazy expiry first: an expired key counts as absent.
        if ctx.ks().delete(db, key) {
            ctx.signal_modified_key(db, key);
            ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
            ctx.dirty(1);
            removed += 1;
        }
    }
    ctx.int(removed);
}

/// `EXISTS key [key ...]` → how many of the keys exist; a key named twice
/// counts twice.
fn exists(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let ks = ctx.ks();
    let mut count = 0;
    for key in argv.iter().skip(1) {
        if ks.lookup(db, key, Access::ReadNoTouch).is_some() {
            count += 1;
        }
    }
    ctx.int(count);
}

/// `TYPE key` → `+string`, `+list` ... or `+none`.
fn type_cmd(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let name = ks
        .lookup(db, argv.get(1), Access::ReadNoTouch)
        .map_or("none", |o| o.type_name());
    c.add_status(name);
}

/// `KEYS pattern` → every live key matching the glob. Keys whose deadline
/// passed are left out but not deleted (Redis's keyIsExpired).
fn keys(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let pattern = argv.get(1);
    let all = pattern == b"*";
    let (ks, c) = ctx.parts();
    let ks = &*ks;
    let matched: Vec<&[u8]> = ks.dbs[db]
        .dict
        .iter()
        .map(|(k, _)| k)
        .filter(|k| (all || string_match(pattern, k, false)) && !ks.is_expired(db, k))
        .collect();
    c.add_array_len(matched.len());
    for k in matched {
        c.add_bulk(k);
    }
}

/// `RANDOMKEY` → a random live key, or null when the db is empty.
fn randomkey(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let db = ctx.db();
    let ks = ctx.ks();
    let all_volatile = ks.dbs[db].dict.len() == ks.dbs[db].expires.len();
    let mut tries_left = 100;
    let mut key = Vec::new();
    loop {
        let Some((k, _)) = ks.dbs[db].dict.random_entry() else {
            ctx.null();
            return;
        };
        key.clear();
        key.extend_from_slice(k);
        if ks.dbs[db].expires.contains_key(&key) {
            // A replica never deletes expired keys itself, so in a db made
            // only of logically expired keys this loop would never end:
            // after 100 draws return one of them anyway, as Redis does.
            if all_volatile && ks.replica_mode {
                tries_left -= 1;
                if tries_left == 0 {
                    break;
                }
            }
            if ks.expire_if_needed(db, &key) {
                continue;
            }
        }
        break;
    }
    ctx.bulk(&key);
}

/// `RENAME key newkey` → `+OK`; `-ERR no such key` when `key` is missing.
fn rename(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    rename_generic(ctx, argv, false);
}

/// `RENAMENX key newkey` → 1, or 0 when `newkey` exists.
fn renamenx(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    rename_generic(ctx, argv, true);
}

fn rename_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>, nx: bool) {
    let db = ctx.db();
    let (src, dst) = (argv.get(1), argv.get(2));
    if ctx.ks().lookup_write(db, src).is_none() {
        ctx.err("ERR no such key");
        return;
    }
    // Same name: nothing to do, but a missing key was still an error.
    if src == dst {
        if nx {
            ctx.int(0);
        } else {
            ctx.ok();
        }
        return;
    }
    let ks = ctx.ks();
    if ks.lookup_write(db, dst).is_some() {
        if nx {
            ctx.int(0);
            return;
        }
        ks.delete(db, dst);
    }
    let Some((_, obj, ttl)) = ks.take(db, src) else {
        ctx.err("ERR no such key");
        return;
    };
    place(ks, db, dst, obj, ttl);
    ctx.signal_modified_key(db, src);
    ctx.signal_modified_key(db, dst);
    ctx.notify_keyspace_event(NOTIFY_GENERIC, "rename_from", src, db);
    ctx.notify_keyspace_event(NOTIFY_GENERIC, "rename_to", dst, db);
    ctx.dirty(1);
    if nx {
        ctx.int(1);
    } else {
        ctx.ok();
    }
}

/// Stores a value taken from another key (RENAME, MOVE) under `key`,
/// with its deadline and its access clock: the object moves, it is not
/// recreated.
fn place(
    ks: &mut crate::db::Keyspace,
    db: usize,
    key: &[u8],
    obj: crate::db::object::RObj,
    ttl: Option<i64>,
) {
    let lru = obj.lru();
    ks.set_key(db, key, obj, false);
    if let Some(o) = ks.dbs[db].dict.get_mut(key) {
        o.set_lru(lru);
    }
    if let Some(when) = ttl {
        ks.set_expire(db, key, when);
    }
}

/// `MOVE key db` → 1 when moved, 0 when `key` is missing here or exists
/// there.
fn move_cmd(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let src = ctx.db();
    let Some(dst) = parse_db_arg(ctx, argv.get(2)) else {
        return;
    };
    if src == dst {
        ctx.err("ERR source and destination objects are the same");
        return;
    }
    let key = argv.get(1);
    let ks = ctx.ks();
    if ks.lookup_write(src, key).is_none() || ks.lookup_write(dst, key).is_some() {
        ctx.int(0);
        return;
    }
    let Some((_, obj, ttl)) = ks.take(src, key) else {
        ctx.int(0);
        return;
    };
    place(ks, dst, key, obj, ttl);
    ctx.signal_modified_key(src, key);
    ctx.signal_modified_key(dst, key);
    ctx.notify_keyspace_event(NOTIFY_GENERIC, "move_from", key, src);
    ctx.notify_keyspace_event(NOTIFY_GENERIC, "move_to", key, dst);
    ctx.dirty(1);
    ctx.int(1);
}

/// `COPY source destination [DB destination-db] [REPLACE]` → 1 when
/// copied, 0 when `source` is missing or `destination` exists (without
/// REPLACE). The copy is independent of the source and keeps its TTL.
fn copy(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let src = ctx.db();
    let mut dst = src;
    let mut replace = false;
    let mut j = 3;
    while j < argv.len() {
        let more = argv.len() - j - 1;
        if argv.is(j, "replace") {
            replace = true;
        } else if argv.is(j, "db") && more >= 1 {
            match parse_db_arg(ctx, argv.get(j + 1)) {
                Some(d) => dst = d,
                None => return,
            }
            j += 1;
        } else {
            ctx.syntax_error();
            return;
        }
        j += 1;
    }
    let (key, newkey) = (argv.get(1), argv.get(2));
    if src == dst && key == newkey {
        ctx.err("ERR source and destination objects are the same");
        return;
    }
    let ks = ctx.ks();
    if ks.lookup_read(src, key).is_none() {
        ctx.int(0);
        return;
    }
    let ttl = ks.get_expire(src, key);
    if ks.lookup_write(dst, newkey).is_some() {
        if !replace {
            ctx.int(0);
            return;
        }
        ks.delete(dst, newkey);
    }
    let Some(copy) = ks.dbs[src].dict.get(key).cloned() else {
        ctx.int(0);
        return;
    };
    // A new object: it gets a fresh access clock from set_key.
    ks.set_key(dst, newkey, copy, false);
    if let Some(when) = ttl {
        ks.set_expire(dst, newkey, when);
    }
    ctx.signal_modified_key(dst, newkey);
    ctx.notify_keyspace_event(NOTIFY_GENERIC, "copy_to", newkey, dst);
    ctx.dirty(1);
    ctx.int(1);
}

/// `TOUCH key [key ...]` → how many exist; refreshes their access clock.
fn touch(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let ks = ctx.ks();
    let mut touched = 0;
    for key in argv.iter().skip(1) {
        if ks.lookup_read(db, key).is_some() {
            touched += 1;
        }
    }
    ctx.int(touched);
}

/// `DBSIZE` → keys in the selected db, counting expired keys not yet
/// reclaimed (as Redis's dictSize).
fn dbsize(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let db = ctx.db();
    let n = ctx.srv.ks.dbs[db].dict.len();
    ctx.int(n as i64);
}

/// Redis's getFlushCommandFlags: `Some(async)`, or None after replying
/// with a syntax error.
fn flush_mode(ctx: &mut Ctx<'_>, argv: &Argv<'_>) -> Option<bool> {
    if argv.len() == 2 && argv.is(1, "sync") {
        Some(false)
    } else if argv.len() == 2 && argv.is(1, "async") {
        Some(true)
    } else if argv.len() == 1 {
        Some(ctx.srv.config.lazyfree_lazy_user_flush)
    } else {
        ctx.syntax_error();
        None
    }
}

/// `FLUSHDB [ASYNC|SYNC]` → `+OK`. Always propagated, even when the db
/// was already empty. ASYNC is accepted; values are dropped inline until a
/// lazy-free thread exists.
fn flushdb(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(_lazy) = flush_mode(ctx, argv) else {
        return;
    };
    let db = ctx.db();
    ctx.signal_flushed_db(Some(db));
    let removed = ctx.ks().flush_db(db);
    ctx.dirty(removed as u64);
    ctx.force_propagation();
    ctx.ok();
}

/// `FLUSHALL [ASYNC|SYNC]` → `+OK`. Always propagated. A running BGSAVE is
/// stopped (its dump would bring the keys back), and with save points
/// configured the now empty dataset is saved (flushAllDataAndResetRDB).
fn flushall(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(_lazy) = flush_mode(ctx, argv) else {
        return;
    };
    ctx.signal_flushed_db(None);
    let removed = ctx.ks().flush_all();
    ctx.dirty(removed as u64);
    crate::persistence::bgsave::kill_rdb_child(ctx.srv);
    // With save points configured Redis saves the empty dataset right here
    // (flushAllDataAndResetRDB), which resets the dirty counter; a failed
    // save is logged by the saver and does not fail the FLUSHALL.
    if !ctx.srv.config.save_params.is_empty() {
        let _ = crate::persistence::snapshot::save(ctx.srv);
    }
    ctx.force_propagation();
    ctx.ok();
}
