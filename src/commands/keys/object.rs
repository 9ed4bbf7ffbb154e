//! OBJECT ENCODING / FREQ / IDLETIME / REFCOUNT / HELP (Redis's
//! objectCommand in object.c).
//!
//! Owns: reporting a value's metadata. Lookups expire the key lazily and
//! count keyspace hits/misses but never refresh the access clock, so
//! asking for a key's idle time does not reset it. It must never change a
//! key.
//!
//! The 24-bit `lru` field of an object is, as in Redis, either the LRU
//! clock in seconds (LRU and non-LFU policies) or, under an LFU policy,
//! 16 bits of minutes since the last decrement plus an 8-bit logarithmic
//! counter. IDLETIME reads the first form, FREQ the second.

use crate::commands::flags::*;
use crate::commands::{container_handler, Argv, CommandSpec, Ctx};
use crate::db::object::idle_seconds;
use crate::db::object::{RObj, StrValue, ValueRef};
use crate::db::Access;

/// Values 0..10000 are Redis's shared integers (OBJ_SHARED_INTEGERS).
const SHARED_INTEGERS: i64 = 10_000;
/// Refcount of a shared object, Redis's OBJ_SHARED_REFCOUNT (INT_MAX).
const SHARED_REFCOUNT: i64 = i32::MAX as i64;

const fn sub(
    name: &'static str,
    handler: crate::commands::Handler,
    arity: i32,
    flags: u32,
    since: &'static str,
    summary: &'static str,
    syntax: &'static str,
) -> CommandSpec {
    let has_key = arity == 3;
    CommandSpec {
        name,
        handler,
        arity,
        flags,
        first_key: if has_key { 2 } else { 0 },
        last_key: if has_key { 2 } else { 0 },
        key_step: if has_key { 1 } else { 0 },
        group: "generic",
        summary,
        since,
        syntax,
        subcommands: &[],
    }
}

pub const OBJECT: CommandSpec = CommandSpec {
    name: "object",
    handler: container_handler,
    arity: -2,
    flags: 0,
    first_key: 0,
    last_key: 0,
    key_step: 0,
    group: "generic",
    summary: "A container for object introspection commands",
    since: "2.2.3",
    syntax: "",
    subcommands: &[
        sub(
            "encoding",
            encoding,
            3,
            READONLY,
            "2.2.3",
            "Inspect the internal encoding of a Redis object",
            "key",
        ),
        sub(
            "freq",
            freq,
            3,
            READONLY,
            "4.0.0",
            "Get the logarithmic access frequency counter of a Redis object",
            "key",
        ),
        sub(
            "help",
            help,
            2,
            LOADING | STALE,
            "6.2.0",
            "Show helpful text about the different subcommands",
            "",
        ),
        sub(
            "idletime",
            idletime,
            3,
            READONLY,
            "2.2.3",
            "Get the time since a Redis object was last accessed",
            "key",
        ),
        sub(
            "refcount",
            refcount,
            3,
            READONLY,
            "2.2.3",
            "Get the number of references to the value of the key",
            "key",
        ),
    ],
};

/// True when `maxmemory-policy` is an LFU one.
fn lfu_policy(ctx: &Ctx<'_>) -> bool {
    use crate::config::MaxmemoryPolicy as P;
    matches!(
        ctx.srv.config.maxmemory_policy,
        P::AllkeysLfu | P::VolatileLfu
    )
}

/// True when SET and friends store 0..9999 as shared objects: always,
/// except with maxmemory set and an LRU or LFU policy (each key then needs
/// its own access clock).
fn shared_integers(ctx: &Ctx<'_>) -> bool {
    use crate::config::MaxmemoryPolicy as P;
    ctx.srv.config.maxmemory == 0
        || !matches!(
            ctx.srv.config.maxmemory_policy,
            P::AllkeysLfu | P::VolatileLfu | P::AllkeysLru | P::VolatileLru
        )
}

/// `lfu-decay-time`, minutes per counter decrement (default 1).
fn lfu_decay_time(ctx: &Ctx<'_>) -> u64 {
    ctx.srv.config.lfu_decay_time.max(0) as u64
}

/// Looks the key up without touching its access clock; replies null and
/// returns None when it is missing.
fn lookup_or_null<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Option<&'c RObj> {
    let db = ctx.db();
    let found = ctx.srv.ks.lookup(db, key, Access::ReadNoTouch).is_some();
    if !found {
        ctx.null();
        return None;
    }
    ctx.srv.ks.dbs[db].dict.get(key)
}

/// `OBJECT ENCODING key` → `int`, `embstr`, `raw`, `listpack` ... or null.
fn encoding(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(o) = lookup_or_null(ctx, argv.get(2)) else {
        return;
    };
    let name = o.encoding_name();
    ctx.bulk(name.as_bytes());
}

/// `OBJECT IDLETIME key` → seconds since the key was last read or written.
fn idletime(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let now = ctx.srv.ks.lru_now();
    let lfu = lfu_policy(ctx);
    let Some(o) = lookup_or_null(ctx, argv.get(2)) else {
        return;
    };
    let idle = idle_seconds(now, o.lru());
    if lfu {
        ctx.err("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
        return;
    }
    ctx.int(idle as i64);
}

/// Redis's LFUDecrAndReturn: the counter in the low 8 bits, less one per
/// `decay` minutes elapsed since the time in the high 16 bits.
fn lfu_counter(lru: u32, now_minutes: u64, decay: u64) -> u64 {
    let ldt = u64::from(lru >> 8);
    let counter = u64::from(lru & 255);
    let now = now_minutes & 65535;
    let elapsed = if now >= ldt {
        now - ldt
    } else {
        65535 - ldt + now
    };
    let periods = elapsed.checked_div(decay).unwrap_or(0);
    counter.saturating_sub(periods)
}

/// `OBJECT FREQ key` → the LFU counter; an error unless an LFU policy is set.
fn freq(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let lfu = lfu_policy(ctx);
    let decay = lfu_decay_time(ctx);
    let now_minutes = (ctx.srv.ks.now_ms / 60_000) as u64;
    let Some(o) = lookup_or_null(ctx, argv.get(2)) else {
        return;
    };
    let counter = lfu_counter(o.lru(), now_minutes, decay);
    if !lfu {
        ctx.err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
        return;
    }
    ctx.int(counter as i64);
}

/// `OBJECT REFCOUNT key` → 2147483647 for a shared small integer, else 1
/// (values are never shared between keys otherwise).
fn refcount(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let shared_ok = shared_integers(ctx);
    let Some(o) = lookup_or_null(ctx, argv.get(2)) else {
        return;
    };
    let shared = shared_ok
        && matches!(o.value(), ValueRef::Str(StrValue::Int(v)) if (0..SHARED_INTEGERS).contains(v));
    ctx.int(if shared { SHARED_REFCOUNT } else { 1 });
}

const HELP: &[&str] = &[
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
];

/// `OBJECT HELP` → the subcommands, one status line each.
fn help(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let c = ctx.client();
    c.add_array_len(HELP.len());
    for line in HELP {
        c.add_status(line);
    }
}

#[cfg(test)]
mod tests {
    use super::{idle_seconds, lfu_counter};
    use crate::db::object::LRU_CLOCK_MAX;

    #[test]
    fn idle_time_wraps_with_the_24_bit_clock() {
        assert_eq!(idle_seconds(100, 40), 60);
        assert_eq!(idle_seconds(5, 5), 0);
        assert_eq!(idle_seconds(10, LRU_CLOCK_MAX - 20), 30);
    }

    #[test]
    fn lfu_counter_decays_per_period() {
        let lru = (100 << 8) | 20;
        assert_eq!(lfu_counter(lru, 100, 1), 20);
        assert_eq!(lfu_counter(lru, 105, 1), 15);
        assert_eq!(lfu_counter(lru, 110, 2), 15);
        assert_eq!(lfu_counter(lru, 200, 1), 0);
        assert_eq!(lfu_counter(lru, 200, 0), 20);
        // The 16-bit minute clock wrapped: 65535 - 100 + 4 minutes passed.
        assert_eq!(lfu_counter(lru, 65536 + 4, 1), 0);
    }
}
