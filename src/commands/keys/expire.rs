//! EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL, EXPIRETIME,
//! PEXPIRETIME and PERSIST (Redis's expire.c, command side).
//!
//! Owns: turning relative and absolute times into one absolute deadline in
//! milliseconds, the NX/XX/GT/LT conditions, and how the result is
//! propagated: always as `PEXPIREAT key <ms>` (so replicas and the AOF
//! never shift a deadline by their own lag), or as `DEL key` when the
//! deadline is already past. It must never run the expiry itself: the
//! keyspace does that, lazily and actively.
//!
//! Worked example of the rounding TTL applies: a key with 4 600 ms left
//! answers `TTL` 5 ((4600 + 500) / 1000) and `PTTL` 4600.

use super::NOTIFY_GENERIC;
use crate::commands::{Argv, Ctx};
use crate::db::object::{fmt_i64, parse_canonical_i64};
use crate::db::{mstime, Access};

const NX: u8 = 1 << 0;
const XX: u8 = 1 << 1;
const GT: u8 = 1 << 2;
const LT: u8 = 1 << 3;

/// `EXPIRE key seconds [NX|XX|GT|LT]` → 1 when set (or the key deleted
/// because the time is past), 0 when the key is missing or a condition
/// failed.
pub fn expire(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    expire_generic(ctx, argv, mstime(), true);
}

/// `PEXPIRE key milliseconds [NX|XX|GT|LT]` → as EXPIRE.
pub fn pexpire(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    expire_generic(ctx, argv, mstime(), false);
}

/// `EXPIREAT key unix-time-seconds [NX|XX|GT|LT]` → as EXPIRE.
pub fn expireat(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    expire_generic(ctx, argv, 0, true);
}

/// `PEXPIREAT key unix-time-milliseconds [NX|XX|GT|LT]` → as EXPIRE.
pub fn pexpireat(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    expire_generic(ctx, argv, 0, false);
}

/// Redis's parseExtendedExpireArgumentsOrReply: the option words after the
/// time, or None after replying with the error.
fn parse_flags(ctx: &mut Ctx<'_>, argv: &Argv<'_>) -> Option<u8> {
    let mut flags = 0;
    for j in 3..argv.len() {
        if argv.is(j, "nx") {
            flags |= NX;
        } else if argv.is(j, "xx") {
            flags |= XX;
        } else if argv.is(j, "gt") {
            flags |= GT;
        } else if argv.is(j, "lt") {
            flags |= LT;
        } else {
            let opt = String::from_utf8_lossy(argv.get(j));
            ctx.err(&format!("ERR Unsupported option {opt}"));
            return None;
        }
    }
    if flags & NX != 0 && flags & (XX | GT | LT) != 0 {
        ctx.err("ERR NX and XX, GT or LT options at the same time are not compatible");
        return None;
    }
    if flags & GT != 0 && flags & LT != 0 {
        ctx.err("ERR GT and LT options at the same time are not compatible");
        return None;
    }
    Some(flags)
}

fn invalid_expire_time(ctx: &mut Ctx<'_>) {
    let msg = format!("ERR invalid expire time in '{}' command", ctx.cmd_name());
    ctx.err(&msg);
}

/// Redis's expireGenericCommand. `basetime` is now (ms) for the relative
/// forms and 0 for the absolute ones; `seconds` says the argument's unit.
fn expire_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>, basetime: i64, seconds: bool) {
    let Some(flags) = parse_flags(ctx, argv) else {
        return;
    };
    let Some(mut when) = parse_canonical_i64(argv.get(2)) else {
        ctx.err("ERR value is not an integer or out of range");
        return;
    };
    // Negative times are allowed (they delete the key); only overflow of
    // the unit conversion or of the addition is an error.
    if seconds {
        if !(i64::MIN / 1000..=i64::MAX / 1000).contains(&when) {
            invalid_expire_time(ctx);
            return;
        }
        when *= 1000;
    }
    if when > i64::MAX - basetime {
        invalid_expire_time(ctx);
        return;
    }
    when += basetime;

    let db = ctx.db();
    let key = argv.get(1);
    let ks = ctx.ks();
    if ks.lookup_write(db, key).is_none() {
        ctx.int(0);
        return;
    }
    if flags != 0 {
        let current = ks.get_expire(db, key);
        let refused = (flags & NX != 0 && current.is_some())
            || (flags & XX != 0 && current.is_none())
            // No TTL counts as infinite: GT can never beat it ...
            || (flags & GT != 0 && current.map_or(true, |cur| when <= cur))
            // ... and LT always does.
            || (flags & LT != 0 && current.is_some_and(|cur| when >= cur));
        if refused {
            ctx.int(0);
            return;
        }
    }
    // Redis's checkAlreadyExpired: a replica keeps the key with its past
    // deadline and waits for its master's DEL; an AOF replay keeps it too.
    if ks.check_already_expired(when) {
        ks.delete(db, key);
        ctx.dirty(1);
        ctx.rewrite_propagation(&[b"DEL", key]);
        ctx.signal_modified_key(db, key);
        ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
        ctx.int(1);
        return;
    }
    ks.set_expire(db, key, when);
    ctx.int(1);
    // Propagate as PEXPIREAT with the absolute time, keeping the options.
    let mut scratch = [0u8; 20];
    let name: &[u8] = if basetime == 0 && !seconds {
        argv.get(0)
    } else {
        b"PEXPIREAT"
    };
    let when_arg: &[u8] = if basetime != 0 || seconds {
        fmt_i64(when, &mut scratch)
    } else {
        argv.get(2)
    };
    let mut args: Vec<&[u8]> = Vec::with_capacity(argv.len());
    args.extend_from_slice(&[name, key, when_arg]);
    args.extend(argv.iter().skip(3));
    ctx.rewrite_propagation(&args);
    ctx.signal_modified_key(db, key);
    ctx.notify_keyspace_event(NOTIFY_GENERIC, "expire", key, db);
    ctx.dirty(1);
}

/// `TTL key` → seconds left (rounded), -1 without a TTL, -2 when missing.
pub fn ttl(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    ttl_generic(ctx, argv, false, false);
}

/// `PTTL key` → milliseconds left, -1 without a TTL, -2 when missing.
pub fn pttl(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    ttl_generic(ctx, argv, true, false);
}

/// `EXPIRETIME key` → the deadline as a Unix time in seconds, -1, -2.
pub fn expiretime(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    ttl_generic(ctx, argv, false, true);
}

/// `PEXPIRETIME key` → the deadline as a Unix time in ms, -1, -2.
pub fn pexpiretime(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    ttl_generic(ctx, argv, true, true);
}

/// Redis's ttlGenericCommand. The lookup expires the key lazily (an
/// expired key answers -2) but does not refresh its access clock.
fn ttl_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>, ms: bool, absolute: bool) {
    let db = ctx.db();
    let key = argv.get(1);
    let ks = ctx.ks();
    if ks.lookup(db, key, Access::ReadNoTouch).is_none() {
        ctx.int(-2);
        return;
    }
    let Some(when) = ks.get_expire(db, key) else {
        ctx.int(-1);
        return;
    };
    let left = if absolute {
        when
    } else {
        when.saturating_sub(mstime())
    }
    .max(0);
    // Overflow of the rounding is C's wrap-around in Redis; never a panic here.
    ctx.int(if ms {
        left
    } else {
        left.wrapping_add(500) / 1000
    });
}

/// `PERSIST key` → 1 when a TTL was removed, 0 when the key is missing or
/// had none.
pub fn persist(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let key = argv.get(1);
    let ks = ctx.ks();
    if ks.lookup_write(db, key).is_none() || !ks.remove_expire(db, key) {
        ctx.int(0);
        return;
    }
    ctx.signal_modified_key(db, key);
    ctx.notify_keyspace_event(NOTIFY_GENERIC, "persist", key, db);
    ctx.int(1);
    ctx.dirty(1);
}
