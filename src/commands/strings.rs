//! String commands (Redis's t_string.c): GET, SET and its variants, the
//! counters, ranges, APPEND, LCS; the bitmap commands (bitops.c) live in
//! `strings/bitops.rs`.
//!
//! Owns: what each string command reads, writes, replies, counts as a
//! change (`dirty`), signals (`signal_modified_key`, keyspace events) and
//! how it is propagated (relative expiries become `PXAT`/`PEXPIREAT`,
//! INCRBYFLOAT becomes `SET ... KEEPTTL`, GETDEL a `DEL`, or `UNLINK` with
//! `lazyfree-lazy-user-del yes`).
//! It must never touch sockets, other clients or the propagation stream
//! itself: it only asks `Ctx` to rewrite what gets propagated.
//!
//! Encodings follow Redis's choices, see `db::object`: a value stored as
//! given (SET, MSET, GETSET, APPEND on a new key) becomes `int` when it is
//! a canonical 64-bit integer, `embstr` up to 44 bytes, `raw` beyond; INCR
//! and friends always store `int`; anything modified in place (APPEND,
//! SETRANGE, SETBIT, BITFIELD) becomes `raw`, as do BITOP results.
//!
//! INCRBYFLOAT computes in x87 80-bit `long double`, as Redis on x86-64
//! does (`util::numeric::LongDouble`), so `10.5 + 0.1` answers `10.6`.
//!
//! The hot commands (GET, SET, INCR, MGET, MSET) allocate only what the
//! stored value and a new key need: lookups borrow the argument bytes and
//! replies go straight into the client's buffer.

mod bitops;

use super::flags::*;
use super::{Argv, CommandSpec, Ctx};
use crate::client::flags as cf;
use crate::db::object::{RObj, StrValue, Value, WRONGTYPE};
use crate::util::bits;
use crate::util::numeric::{fmt_i64, parse_i64, LongDouble};

/// Redis's NOTIFY_STRING class letter.
const NOTIFY_STRING: u8 = b'$';
/// Redis's NOTIFY_GENERIC class letter.
const NOTIFY_GENERIC: u8 = b'g';

const ERR_NOT_INT: &str = "ERR value is not an integer or out of range";
const ERR_NOT_FLOAT: &str = "ERR value is not a valid float";
const ERR_TOO_BIG: &str = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";

/// A spec with one key at position 1 (most string commands).
#[allow(clippy::too_many_arguments)]
const fn spec(
    name: &'static str,
    handler: super::Handler,
    arity: i32,
    flags: u32,
    group: &'static str,
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
        group,
        summary,
        since,
        syntax,
        subcommands: &[],
    }
}

/// Arity, flags, summaries and `since` as Redis 7.0.15's command JSON files.
pub const COMMANDS: &[CommandSpec] = &[
    spec(
        "get",
        get,
        2,
        READONLY | FAST,
        "string",
        "1.0.0",
        "Get the value of a key.",
        "key",
    ),
    spec(
        "set",
        set,
        -3,
        WRITE | DENYOOM,
        "string",
        "1.0.0",
        "Set the string value of a key.",
        "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]",
    ),
    spec(
        "setnx",
        setnx,
        3,
        WRITE | DENYOOM | FAST,
        "string",
        "1.0.0",
        "Set the value of a key, only if the key does not exist.",
        "key value",
    ),
    spec(
        "setex",
        setex,
        4,
        WRITE | DENYOOM,
        "string",
        "2.0.0",
        "Set the value and expiration of a key.",
        "key seconds value",
    ),
    spec(
        "psetex",
        psetex,
        4,
        WRITE | DENYOOM,
        "string",
        "2.6.0",
        "Set the value and expiration in milliseconds of a key.",
        "key milliseconds value",
    ),
    spec(
        "getset",
        getset,
        3,
        WRITE | DENYOOM | FAST,
        "string",
        "1.0.0",
        "Set the string value of a key and return its old value.",
        "key value",
    ),
    spec(
        "getdel",
        getdel,
        2,
        WRITE | FAST,
        "string",
        "6.2.0",
        "Get the value of a key and delete the key.",
        "key",
    ),
    spec(
        "getex",
        getex,
        -2,
        WRITE | FAST,
        "string",
        "6.2.0",
        "Get the value of a key and optionally set its expiration.",
        "key [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|PERSIST]",
    ),
    CommandSpec {
        last_key: -1,
        ..spec(
            "mget",
            mget,
            -2,
            READONLY | FAST,
            "string",
            "1.0.0",
            "Get the values of all the given keys.",
            "key [key ...]",
        )
    },
    CommandSpec {
        last_key: -1,
        key_step: 2,
        ..spec(
            "mset",
            mset,
            -3,
            WRITE | DENYOOM,
            "string",
            "1.0.1",
            "Set multiple keys to multiple values.",
            "key value [key value ...]",
        )
    },
    CommandSpec {
        last_key: -1,
        key_step: 2,
        ..spec(
            "msetnx",
            msetnx,
            -3,
            WRITE | DENYOOM,
            "string",
            "1.0.1",
            "Set multiple keys to multiple values, only if none of the keys exist.",
            "key value [key value ...]",
        )
    },
    spec(
        "append",
        append,
        3,
        WRITE | DENYOOM | FAST,
        "string",
        "2.0.0",
        "Append a value to a key.",
        "key value",
    ),
    spec(
        "strlen",
        strlen,
        2,
        READONLY | FAST,
        "string",
        "2.2.0",
        "Get the length of the value stored in a key.",
        "key",
    ),
    spec(
        "incr",
        incr,
        2,
        WRITE | DENYOOM | FAST,
        "string",
        "1.0.0",
        "Increment the integer value of a key by one.",
        "key",
    ),
    spec(
        "decr",
        decr,
        2,
        WRITE | DENYOOM | FAST,
        "string",
        "1.0.0",
        "Decrement the integer value of a key by one.",
        "key",
    ),
    spec(
        "incrby",
        incrby,
        3,
        WRITE | DENYOOM | FAST,
        "string",
        "1.0.0",
        "Increment the integer value of a key by the given amount.",
        "key increment",
    ),
    spec(
        "decrby",
        decrby,
        3,
        WRITE | DENYOOM | FAST,
        "string",
        "1.0.0",
        "Decrement the integer value of a key by the given number.",
        "key decrement",
    ),
    spec(
        "incrbyfloat",
        incrbyfloat,
        3,
        WRITE | DENYOOM | FAST,
        "string",
        "2.6.0",
        "Increment the float value of a key by the given amount.",
        "key increment",
    ),
    spec(
        "getrange",
        getrange,
        4,
        READONLY,
        "string",
        "2.4.0",
        "Get a substring of the string stored at a key.",
        "key start end",
    ),
    spec(
        "substr",
        getrange,
        4,
        READONLY,
        "string",
        "1.0.0",
        "Get a substring of the string stored at a key.",
        "key start end",
    ),
    spec(
        "setrange",
        setrange,
        4,
        WRITE | DENYOOM,
        "string",
        "2.2.0",
        "Overwrite part of a string at key starting at the specified offset.",
        "key offset value",
    ),
    CommandSpec {
        last_key: 2,
        ..spec(
            "lcs",
            lcs,
            -3,
            READONLY,
            "string",
            "7.0.0",
            "Find longest common substring.",
            "key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]",
        )
    },
    spec(
        "setbit",
        bitops::setbit,
        4,
        WRITE | DENYOOM,
        "bitmap",
        "2.2.0",
        "Sets or clears the bit at offset in the string value stored at key.",
        "key offset value",
    ),
    spec(
        "getbit",
        bitops::getbit,
        3,
        READONLY | FAST,
        "bitmap",
        "2.2.0",
        "Returns the bit value at offset in the string value stored at key.",
        "key offset",
    ),
    spec(
        "bitcount",
        bitops::bitcount,
        -2,
        READONLY,
        "bitmap",
        "2.6.0",
        "Count set bits in a string.",
        "key [start end [BYTE|BIT]]",
    ),
    spec(
        "bitpos",
        bitops::bitpos,
        -3,
        READONLY,
        "bitmap",
        "2.8.7",
        "Find first bit set or clear in a string.",
        "key bit [start [end [BYTE|BIT]]]",
    ),
    CommandSpec {
        first_key: 2,
        last_key: -1,
        ..spec(
            "bitop",
            bitops::bitop,
            -4,
            WRITE | DENYOOM,
            "bitmap",
            "2.6.0",
            "Perform bitwise operations between strings.",
            "operation destkey key [key ...]",
        )
    },
    spec(
        "bitfield",
        bitops::bitfield,
        -2,
        WRITE | DENYOOM,
        "bitmap",
        "3.2.0",
        "Perform arbitrary bitfield integer operations on strings.",
        "key [GET encoding offset|[OVERFLOW WRAP|SAT|FAIL] SET encoding offset value|INCRBY encoding offset increment ...]",
    ),
    spec(
        "bitfield_ro",
        bitops::bitfield_ro,
        -2,
        READONLY | FAST,
        "bitmap",
        "6.0.0",
        "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD.",
        "key [GET encoding offset [GET encoding offset ...]]",
    ),
];

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// An integer argument (Redis's getLongLongFromObjectOrReply): strict
/// canonical decimal, else `-ERR value is not an integer or out of range`.
fn arg_i64(ctx: &mut Ctx<'_>, arg: &[u8]) -> Option<i64> {
    let v = parse_i64(arg);
    if v.is_none() {
        ctx.err(ERR_NOT_INT);
    }
    v
}

/// True when the calling client's commands are applied without limits
/// (Redis's mustObeyClient: our master's stream).
fn must_obey(ctx: &mut Ctx<'_>) -> bool {
    ctx.client().has_flag(cf::MASTER)
}

/// Redis's checkStringLength: would a string of `size + append` bytes
/// exceed `proto-max-bulk-len` (or overflow)? Replies the error if so.
fn check_string_length(ctx: &mut Ctx<'_>, size: i64, append: i64) -> bool {
    if must_obey(ctx) {
        return true;
    }
    let total = (size as u64).wrapping_add(append as u64) as i64;
    if total > ctx.srv.config.proto_max_bulk_len || total < size || total < append {
        ctx.err(ERR_TOO_BIG);
        return false;
    }
    true
}

/// A string object as Redis's tryObjectEncoding would store `bytes`.
fn str_obj(bytes: &[u8]) -> RObj {
    RObj::new(Value::Str(StrValue::from_bytes(bytes)), 0)
}

/// A string object stored as given, never `int` (Redis's
/// createStringObject: embstr up to 44 bytes, raw beyond).
fn plain_str_obj(bytes: &[u8]) -> RObj {
    let v = if bytes.len() <= crate::db::object::EMBSTR_SIZE_LIMIT {
        StrValue::Emb(crate::db::object::InlineBytes::new(bytes))
    } else {
        StrValue::Raw(Box::new(bytes.to_vec()))
    };
    RObj::new(Value::Str(v), 0)
}

/// Redis's getGenericCommand: replies the value (or null), or WRONGTYPE.
/// Returns false on the type error.
fn get_generic(ctx: &mut Ctx<'_>, key: &[u8]) -> bool {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    match ks.lookup_read(db, key) {
        None => c.add_null(),
        Some(o) => match o.as_str() {
            Some(s) => c.add_str_value(s),
            None => {
                c.add_error(WRONGTYPE);
                return false;
            }
        },
    }
    true
}

// ---------------------------------------------------------------------------
// SET family
// ---------------------------------------------------------------------------

/// Option flags of SET and GETEX, as Redis's OBJ_* bits.
mod opt {
    pub const NX: u32 = 1 << 0;
    pub const XX: u32 = 1 << 1;
    pub const EX: u32 = 1 << 2;
    pub const PX: u32 = 1 << 3;
    pub const KEEPTTL: u32 = 1 << 4;
    pub const GET: u32 = 1 << 5;
    pub const EXAT: u32 = 1 << 6;
    pub const PXAT: u32 = 1 << 7;
    pub const PERSIST: u32 = 1 << 8;
    /// Any expiry option.
    pub const ANY_EXPIRE: u32 = EX | PX | EXAT | PXAT;
}

/// Which command's extended options are being parsed.
#[derive(PartialEq, Clone, Copy)]
enum ExtFor {
    Get,
    Set,
}

/// Extended options of SET / GETEX: flags plus the argument index of the
/// expire value, if any.
struct ExtArgs {
    flags: u32,
    expire_idx: Option<usize>,
    /// True for EX/EXAT (seconds), false for PX/PXAT (milliseconds).
    seconds: bool,
}

/// Redis's parseExtendedStringArgumentsOrReply: each option is accepted
/// only when it does not conflict with one already seen, otherwise (or for
/// an unknown word, or an expiry without its value) `-ERR syntax error`.
fn parse_ext_args(ctx: &mut Ctx<'_>, argv: &Argv<'_>, kind: ExtFor) -> Option<ExtArgs> {
    use opt::*;
    let mut a = ExtArgs {
        flags: 0,
        expire_idx: None,
        seconds: true,
    };
    let set = kind == ExtFor::Set;
    let mut j = if set { 3 } else { 2 };
    while j < argv.len() {
        let w = argv.get(j);
        let has_next = j + 1 < argv.len();
        let f = a.flags;
        let is = |s: &str| w.eq_ignore_ascii_case(s.as_bytes());
        if is("nx") && f & XX == 0 && set {
            a.flags |= NX;
        } else if is("xx") && f & NX == 0 && set {
            a.flags |= XX;
        } else if is("get") && set {
            a.flags |= GET;
        } else if is("keepttl") && f & (PERSIST | ANY_EXPIRE) == 0 && set {
            a.flags |= KEEPTTL;
        } else if is("persist") && !set && f & (ANY_EXPIRE | KEEPTTL) == 0 {
            a.flags |= PERSIST;
        } else if is("ex") && f & (KEEPTTL | PERSIST | EXAT | PX | PXAT) == 0 && has_next {
            a.flags |= EX;
            a.expire_idx = Some(j + 1);
            j += 1;
        } else if is("px") && f & (KEEPTTL | PERSIST | EX | EXAT | PXAT) == 0 && has_next {
            a.flags |= PX;
            a.seconds = false;
            a.expire_idx = Some(j + 1);
            j += 1;
        } else if is("exat") && f & (KEEPTTL | PERSIST | EX | PX | PXAT) == 0 && has_next {
            a.flags |= EXAT;
            a.expire_idx = Some(j + 1);
            j += 1;
        } else if is("pxat") && f & (KEEPTTL | PERSIST | EX | EXAT | PX) == 0 && has_next {
            a.flags |= PXAT;
            a.seconds = false;
            a.expire_idx = Some(j + 1);
            j += 1;
        } else {
            ctx.syntax_error();
            return None;
        }
        j += 1;
    }
    Some(a)
}

/// `-ERR invalid expire time in '<cmd>' command` (addReplyErrorExpireTime).
fn expire_time_error(ctx: &mut Ctx<'_>) {
    let msg = format!("ERR invalid expire time in '{}' command", ctx.cmd_name());
    ctx.err(&msg);
}

/// Redis's getExpireMillisecondsOrReply: the absolute deadline in ms for an
/// expire argument. Zero or negative values, and values that overflow once
/// converted to ms or made absolute, are refused.
fn expire_ms(ctx: &mut Ctx<'_>, arg: &[u8], seconds: bool, relative: bool) -> Option<i64> {
    let mut ms = arg_i64(ctx, arg)?;
    if ms <= 0 || (seconds && ms > i64::MAX / 1000) {
        expire_time_error(ctx);
        return None;
    }
    if seconds {
        ms *= 1000;
    }
    if relative {
        ms = ms.wrapping_add(crate::db::mstime());
    }
    if ms <= 0 {
        expire_time_error(ctx);
        return None;
    }
    Some(ms)
}

/// What SET-like commands reply on success / when NX or XX stops them.
#[derive(Clone, Copy)]
enum SetReply {
    Ok,
    Null,
    One,
    Zero,
}

fn send_set_reply(ctx: &mut Ctx<'_>, r: SetReply) {
    let c = ctx.client();
    match r {
        SetReply::Ok => c.add_ok(),
        SetReply::Null => c.add_null(),
        SetReply::One => c.add_int(1),
        SetReply::Zero => c.add_int(0),
    }
}

/// Redis's setGenericCommand, shared by SET, SETNX, SETEX and PSETEX.
/// `val_idx` is where the value is in `argv`.
fn set_generic(
    ctx: &mut Ctx<'_>,
    argv: &Argv<'_>,
    ext: &ExtArgs,
    val_idx: usize,
    ok: SetReply,
    abort: SetReply,
) {
    let key = argv.get(1);
    let val = argv.get(val_idx);
    let flags = ext.flags;
    let mut when = 0;
    if let Some(i) = ext.expire_idx {
        let relative = flags & (opt::EX | opt::PX) != 0;
        match expire_ms(ctx, argv.get(i), ext.seconds, relative) {
            Some(ms) => when = ms,
            None => return,
        }
    }
    if flags & opt::GET != 0 && !get_generic(ctx, key) {
        return;
    }
    let db = ctx.db();
    let found = ctx.ks().lookup_write(db, key).is_some();
    if (flags & opt::NX != 0 && found) || (flags & opt::XX != 0 && !found) {
        if flags & opt::GET == 0 {
            send_set_reply(ctx, abort);
        }
        return;
    }
    ctx.ks()
        .set_key(db, key, str_obj(val), flags & opt::KEEPTTL != 0);
    ctx.signal_modified_key(db, key);
    ctx.dirty(1);
    ctx.notify_keyspace_event(NOTIFY_STRING, "set", key, db);
    if ext.expire_idx.is_some() {
        ctx.ks().set_expire(db, key, when);
        let mut buf = [0u8; 20];
        let ms = fmt_i64(when, &mut buf);
        ctx.rewrite_propagation(&[b"SET", key, val, b"PXAT", ms]);
        ctx.notify_keyspace_event(NOTIFY_GENERIC, "expire", key, db);
    }
    if flags & opt::GET == 0 {
        send_set_reply(ctx, ok);
    }
    if flags & opt::GET != 0 && ext.expire_idx.is_none() {
        // Replicas get the command without its GET words.
        let mut args: Vec<&[u8]> = Vec::with_capacity(argv.len());
        for (j, a) in argv.iter().enumerate() {
            if j >= 3 && a.eq_ignore_ascii_case(b"get") {
                continue;
            }
            args.push(a);
        }
        ctx.rewrite_propagation(&args);
    }
}

/// `SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL]`
/// → `+OK`, or null when NX/XX prevented it; with GET, the old value.
fn set(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(ext) = parse_ext_args(ctx, argv, ExtFor::Set) else {
        return;
    };
    set_generic(ctx, argv, &ext, 2, SetReply::Ok, SetReply::Null);
}

/// `SETNX key value` → `:1` if set, `:0` if the key existed.
fn setnx(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let ext = ExtArgs {
        flags: opt::NX,
        expire_idx: None,
        seconds: true,
    };
    set_generic(ctx, argv, &ext, 2, SetReply::One, SetReply::Zero);
}

/// `SETEX key seconds value` → `+OK`.
fn setex(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let ext = ExtArgs {
        flags: opt::EX,
        expire_idx: Some(2),
        seconds: true,
    };
    set_generic(ctx, argv, &ext, 3, SetReply::Ok, SetReply::Null);
}

/// `PSETEX key milliseconds value` → `+OK`.
fn psetex(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let ext = ExtArgs {
        flags: opt::PX,
        expire_idx: Some(2),
        seconds: false,
    };
    set_generic(ctx, argv, &ext, 3, SetReply::Ok, SetReply::Null);
}

/// `GET key` → the value, or null.
fn get(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    get_generic(ctx, argv.get(1));
}

/// `GETSET key value` → the old value (or null); sets the new one and
/// clears the TTL. Propagated as `SET key value`.
fn getset(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let key = argv.get(1);
    let val = argv.get(2);
    if !get_generic(ctx, key) {
        return;
    }
    let db = ctx.db();
    ctx.ks().set_key(db, key, str_obj(val), false);
    ctx.signal_modified_key(db, key);
    ctx.notify_keyspace_event(NOTIFY_STRING, "set", key, db);
    ctx.dirty(1);
    ctx.rewrite_propagation(&[b"SET", key, val]);
}

/// `GETDEL key` → the value (or null), deleting the key. Propagated as
/// `DEL key`.
fn getdel(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let key = argv.get(1);
    if !get_generic(ctx, key) {
        return;
    }
    let db = ctx.db();
    if ctx.ks().delete(db, key) {
        let del: &[u8] = if ctx.srv.config.lazyfree_lazy_user_del {
            b"UNLINK"
        } else {
            b"DEL"
        };
        ctx.rewrite_propagation(&[del, key]);
        ctx.signal_modified_key(db, key);
        ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
        ctx.dirty(1);
    }
}

/// `GETEX key [EX s|PX ms|EXAT ts|PXAT ms-ts|PERSIST]` → the value (or
/// null), changing the TTL as asked. Never propagated as is: a new TTL
/// becomes `PEXPIREAT key ms`, a deadline already past `DEL key`, PERSIST
/// `PERSIST key`; without options nothing is propagated.
fn getex(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(ext) = parse_ext_args(ctx, argv, ExtFor::Get) else {
        return;
    };
    let key = argv.get(1);
    let db = ctx.db();
    {
        let (ks, c) = ctx.parts();
        match ks.lookup_read(db, key) {
            None => {
                c.add_null();
                return;
            }
            Some(o) if o.as_str().is_none() => {
                c.add_error(WRONGTYPE);
                return;
            }
            Some(_) => {}
        }
    }
    let mut when = 0;
    if let Some(i) = ext.expire_idx {
        let relative = ext.flags & (opt::EX | opt::PX) != 0;
        match expire_ms(ctx, argv.get(i), ext.seconds, relative) {
            Some(ms) => when = ms,
            None => return,
        }
    }
    {
        let (ks, c) = ctx.parts();
        if let Some(s) = ks.dbs[db].dict.get(key).and_then(|o| o.as_str()) {
            c.add_str_value(s);
        }
    }
    let absolute = ext.flags & (opt::EXAT | opt::PXAT) != 0;
    if absolute && ctx.ks().check_already_expired(when) {
        // A deadline already past: the key goes now.
        ctx.ks().delete(db, key);
        let del: &[u8] = if ctx.srv.config.lazyfree_lazy_expire {
            b"UNLINK"
        } else {
            b"DEL"
        };
        ctx.rewrite_propagation(&[del, key]);
        ctx.signal_modified_key(db, key);
        ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
        ctx.dirty(1);
    } else if ext.expire_idx.is_some() {
        ctx.ks().set_expire(db, key, when);
        let mut buf = [0u8; 20];
        let ms = fmt_i64(when, &mut buf);
        ctx.rewrite_propagation(&[b"PEXPIREAT", key, ms]);
        ctx.signal_modified_key(db, key);
        ctx.notify_keyspace_event(NOTIFY_GENERIC, "expire", key, db);
        ctx.dirty(1);
    } else if ext.flags & opt::PERSIST != 0 && ctx.ks().remove_expire(db, key) {
        ctx.signal_modified_key(db, key);
        ctx.rewrite_propagation(&[b"PERSIST", key]);
        ctx.notify_keyspace_event(NOTIFY_GENERIC, "persist", key, db);
        ctx.dirty(1);
    }
}

/// `MGET key [key ...]` → an array with each value, null for missing keys
/// and keys of other types.
fn mget(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    c.add_array_len(argv.len() - 1);
    for key in argv.iter().skip(1) {
        match ks.lookup_read(db, key).and_then(|o| o.as_str()) {
            Some(s) => c.add_str_value(s),
            None => c.add_null(),
        }
    }
}

/// Redis's msetGenericCommand: sets every pair; with `nx`, nothing at all
/// when any key exists.
fn mset_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>, nx: bool) {
    if argv.len() % 2 == 0 {
        let msg = format!(
            "ERR wrong number of arguments for '{}' command",
            ctx.cmd_name()
        );
        ctx.err(&msg);
        return;
    }
    let db = ctx.db();
    if nx {
        for j in (1..argv.len()).step_by(2) {
            if ctx.ks().lookup_write(db, argv.get(j)).is_some() {
                ctx.int(0);
                return;
            }
        }
    }
    for j in (1..argv.len()).step_by(2) {
        let key = argv.get(j);
        ctx.ks().set_key(db, key, str_obj(argv.get(j + 1)), false);
        ctx.signal_modified_key(db, key);
        ctx.notify_keyspace_event(NOTIFY_STRING, "set", key, db);
    }
    ctx.dirty((argv.len() as u64 - 1) / 2);
    if nx {
        ctx.int(1);
    } else {
        ctx.ok();
    }
}

/// `MSET key value [key value ...]` → `+OK`.
fn mset(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    mset_generic(ctx, argv, false);
}

/// `MSETNX key value [key value ...]` → `:1` if all were set, `:0` (and
/// nothing set) if any key existed.
fn msetnx(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    mset_generic(ctx, argv, true);
}

// ---------------------------------------------------------------------------
// Counters
// ---------------------------------------------------------------------------

/// Redis's incrDecrCommand: adds `incr` to the integer at `key` (0 when
/// missing), keeping the key's TTL; the result is stored `int`-encoded,
/// in place when the key exists.
fn incr_decr(ctx: &mut Ctx<'_>, key: &[u8], incr: i64) {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let value = match ks.lookup_write(db, key) {
        Some(o) => {
            let Some(s) = o.as_str_mut() else {
                c.add_error(WRONGTYPE);
                return;
            };
            let Some(old) = s.as_i64() else {
                c.add_error(ERR_NOT_INT);
                return;
            };
            let Some(new) = old.checked_add(incr) else {
                c.add_error("ERR increment or decrement would overflow");
                return;
            };
            *s = StrValue::Int(new);
            new
        }
        None => {
            ks.set_key(
                db,
                key,
                RObj::new(Value::Str(StrValue::Int(incr)), 0),
                false,
            );
            incr
        }
    };
    ctx.signal_modified_key(db, key);
    ctx.notify_keyspace_event(NOTIFY_STRING, "incrby", key, db);
    ctx.dirty(1);
    ctx.int(value);
}

/// `INCR key` → the new value.
fn incr(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    incr_decr(ctx, argv.get(1), 1);
}

/// `DECR key` → the new value.
fn decr(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    incr_decr(ctx, argv.get(1), -1);
}

/// `INCRBY key increment` → the new value.
fn incrby(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(n) = arg_i64(ctx, argv.get(2)) else {
        return;
    };
    incr_decr(ctx, argv.get(1), n);
}

/// `DECRBY key decrement` → the new value; a decrement of i64::MIN cannot
/// be negated and is refused.
fn decrby(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(n) = arg_i64(ctx, argv.get(2)) else {
        return;
    };
    if n == i64::MIN {
        ctx.err("ERR decrement would overflow");
        return;
    }
    incr_decr(ctx, argv.get(1), -n);
}

/// `INCRBYFLOAT key increment` → the new value as a bulk string, in
/// Redis's human long-double form (`%.17Lf` without trailing zeros).
/// Propagated as `SET key <new value> KEEPTTL`, so replicas and the AOF
/// never redo the float arithmetic.
fn incrbyfloat(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let key = argv.get(1);
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let (exists, current) = match ks.lookup_write(db, key) {
        None => (false, Some(LongDouble::ZERO)),
        Some(o) => match o.as_str() {
            None => {
                c.add_error(WRONGTYPE);
                return;
            }
            Some(StrValue::Int(v)) => (true, Some(LongDouble::from_i64(*v))),
            Some(StrValue::Emb(b)) => (true, LongDouble::parse(b)),
            Some(StrValue::Raw(b)) => (true, LongDouble::parse(b)),
        },
    };
    let (Some(value), Some(incr)) = (current, LongDouble::parse(argv.get(2))) else {
        c.add_error(ERR_NOT_FLOAT);
        return;
    };
    let sum = value + incr;
    if !sum.is_finite() {
        c.add_error("ERR increment would produce NaN or Infinity");
        return;
    }
    let mut text = Vec::with_capacity(32);
    sum.fmt_human(&mut text);
    // Stored as createStringObject does (embstr or raw, never int);
    // dbOverwrite keeps the TTL, dbAdd has none to keep.
    ks.set_key(db, key, plain_str_obj(&text), exists);
    c.add_bulk(&text);
    ctx.signal_modified_key(db, key);
    ctx.notify_keyspace_event(NOTIFY_STRING, "incrbyfloat", key, db);
    ctx.dirty(1);
    ctx.rewrite_propagation(&[b"SET", key, &text, b"KEEPTTL"]);
}

// ---------------------------------------------------------------------------
// Lengths and ranges
// ---------------------------------------------------------------------------

/// `APPEND key value` → the new length. Creates the key as SET would;
/// an existing value becomes `raw` and grows in place.
fn append(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let key = argv.get(1);
    let add = argv.get(2);
    let db = ctx.db();
    let old_len = match ctx.ks().lookup_write(db, key) {
        None => None,
        Some(o) => match o.as_str() {
            None => {
                ctx.wrongtype();
                return;
            }
            Some(s) => Some(s.len()),
        },
    };
    let total = match old_len {
        None => {
            let obj = str_obj(add);
            ctx.ks().set_key(db, key, obj, false);
            add.len()
        }
        Some(len) => {
            if !check_string_length(ctx, len as i64, add.len() as i64) {
                return;
            }
            let Some(s) = ctx.ks().dbs[db]
                .dict
                .get_mut(key)
                .and_then(|o| o.as_str_mut())
            else {
                return;
            };
            let raw = s.make_raw();
            raw.extend_from_slice(add);
            raw.len()
        }
    };
    ctx.signal_modified_key(db, key);
    ctx.notify_keyspace_event(NOTIFY_STRING, "append", key, db);
    ctx.dirty(1);
    ctx.int(total as i64);
}

/// `STRLEN key` → the length of the value, 0 when missing.
fn strlen(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    match ks.lookup_read(db, argv.get(1)) {
        None => c.add_int(0),
        Some(o) => match o.as_str() {
            Some(s) => c.add_int(s.len() as i64),
            None => c.add_error(WRONGTYPE),
        },
    }
}

/// `GETRANGE key start end` (and `SUBSTR`) → the bytes from `start` to
/// `end` inclusive; negative indexes count from the end; an empty string
/// when the range is empty or the key missing.
fn getrange(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(start) = arg_i64(ctx, argv.get(2)) else {
        return;
    };
    let Some(end) = arg_i64(ctx, argv.get(3)) else {
        return;
    };
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let Some(o) = ks.lookup_read(db, argv.get(1)) else {
        c.add_bulk(b"");
        return;
    };
    let Some(s) = o.as_str() else {
        c.add_error(WRONGTYPE);
        return;
    };
    let mut scratch = [0u8; 20];
    c.add_bulk(bits::getrange(s.as_bytes(&mut scratch), start, end));
}

/// `SETRANGE key offset value` → the new length. Overwrites from `offset`,
/// zero-padding as needed; an empty `value` changes nothing (and creates
/// no key). The result is `raw`.
fn setrange(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let key = argv.get(1);
    let value = argv.get(3);
    let Some(offset) = arg_i64(ctx, argv.get(2)) else {
        return;
    };
    if offset < 0 {
        ctx.err("ERR offset is out of range");
        return;
    }
    let db = ctx.db();
    let old_len = match ctx.ks().lookup_write(db, key) {
        None => None,
        Some(o) => match o.as_str() {
            None => {
                ctx.wrongtype();
                return;
            }
            Some(s) => Some(s.len()),
        },
    };
    if value.is_empty() {
        ctx.int(old_len.unwrap_or(0) as i64);
        return;
    }
    if !check_string_length(ctx, offset, value.len() as i64) {
        return;
    }
    // Within proto-max-bulk-len (or from our master), so it fits in usize.
    let offset = offset as usize;
    let need = offset + value.len();
    if old_len.is_none() {
        let obj = RObj::new(Value::Str(StrValue::Raw(Box::default())), 0);
        ctx.ks().set_key(db, key, obj, false);
    }
    let Some(s) = ctx.ks().dbs[db]
        .dict
        .get_mut(key)
        .and_then(|o| o.as_str_mut())
    else {
        return;
    };
    let raw = s.make_raw();
    if raw.len() < need {
        raw.resize(need, 0);
    }
    raw[offset..need].copy_from_slice(value);
    let total = raw.len();
    ctx.signal_modified_key(db, key);
    ctx.notify_keyspace_event(NOTIFY_STRING, "setrange", key, db);
    ctx.dirty(1);
    ctx.int(total as i64);
}

// ---------------------------------------------------------------------------
// LCS
// ---------------------------------------------------------------------------

/// `LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]` → the
/// longest common subsequence of the two values (missing keys are empty
/// strings); with LEN its length; with IDX a map `matches` (ranges in both
/// strings, last match first, optionally with their lengths, only those of
/// at least MINMATCHLEN) and `len`.
fn lcs(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let mut vals: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let mut wrong = false;
    for (i, v) in vals.iter_mut().enumerate() {
        if let Some(o) = ctx.ks().lookup_read(db, argv.get(1 + i)) {
            match o.as_str() {
                Some(s) => *v = s.to_vec(),
                None => wrong = true,
            }
        }
    }
    if wrong {
        ctx.err("ERR The specified keys must contain string values");
        return;
    }
    let (mut getlen, mut getidx, mut withmatchlen) = (false, false, false);
    let mut minmatchlen: i64 = 0;
    let mut j = 3;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if argv.is(j, "IDX") {
            getidx = true;
        } else if argv.is(j, "LEN") {
            getlen = true;
        } else if argv.is(j, "WITHMATCHLEN") {
            withmatchlen = true;
        } else if argv.is(j, "MINMATCHLEN") && more > 0 {
            let Some(n) = arg_i64(ctx, argv.get(j + 1)) else {
                return;
            };
            minmatchlen = n.max(0);
            j += 1;
        } else {
            ctx.syntax_error();
            return;
        }
        j += 1;
    }
    if getlen && getidx {
        ctx.err("ERR If you want both the length and indexes, please just use IDX.");
        return;
    }
    let [a, b] = vals;
    if a.len() >= u32::MAX as usize - 1 || b.len() >= u32::MAX as usize - 1 {
        ctx.err("ERR String too long for LCS");
        return;
    }
    let (alen, blen) = (a.len(), b.len());
    let cells = (alen as u64 + 1) * (blen as u64 + 1);
    if cells.saturating_mul(4) > ctx.srv.config.proto_max_bulk_len.max(0) as u64 {
        ctx.err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
        return;
    }
    let mut table: Vec<u32> = Vec::new();
    if table.try_reserve_exact(cells as usize).is_err() {
        ctx.err("ERR Insufficient memory, failed allocating transient memory for LCS");
        return;
    }
    table.resize(cells as usize, 0);
    let w = blen + 1;
    for i in 1..=alen {
        for k in 1..=blen {
            table[i * w + k] = if a[i - 1] == b[k - 1] {
                table[(i - 1) * w + k - 1] + 1
            } else {
                table[(i - 1) * w + k].max(table[i * w + k - 1])
            };
        }
    }
    let total = table[alen * w + blen];

    // Walk back from the end, collecting the LCS bytes and the ranges of
    // contiguous matches (emitted last match first, as Redis does).
    let compute = getidx || !getlen;
    let mut result = vec![0u8; if compute { total as usize } else { 0 }];
    let mut matches: Vec<[u32; 5]> = Vec::new();
    let mut idx = total as usize;
    let (mut i, mut k) = (alen, blen);
    let unset = alen as u32;
    let (mut a_start, mut a_end, mut b_start, mut b_end) = (unset, 0u32, 0u32, 0u32);
    while compute && i > 0 && k > 0 {
        let mut emit = false;
        if a[i - 1] == b[k - 1] {
            result[idx - 1] = a[i - 1];
            if a_start == unset {
                a_start = (i - 1) as u32;
                a_end = a_start;
                b_start = (k - 1) as u32;
                b_end = b_start;
            } else if a_start == i as u32 && b_start == k as u32 {
                a_start -= 1;
                b_start -= 1;
            } else {
                emit = true;
            }
            if a_start == 0 || b_start == 0 {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            k -= 1;
        } else {
            if table[(i - 1) * w + k] > table[i * w + k - 1] {
                i -= 1;
            } else {
                k -= 1;
            }
            if a_start != unset {
                emit = true;
            }
        }
        let match_len = a_end.wrapping_sub(a_start).wrapping_add(1);
        if emit {
            if minmatchlen == 0 || i64::from(match_len) >= minmatchlen {
                matches.push([a_start, a_end, b_start, b_end, match_len]);
            }
            a_start = unset;
        }
    }

    let c = ctx.client();
    if getidx {
        c.add_map_len(2);
        c.add_bulk(b"matches");
        c.add_array_len(matches.len());
        for m in &matches {
            c.add_array_len(2 + usize::from(withmatchlen));
            c.add_array_len(2);
            c.add_int(i64::from(m[0]));
            c.add_int(i64::from(m[1]));
            c.add_array_len(2);
            c.add_int(i64::from(m[2]));
            c.add_int(i64::from(m[3]));
            if withmatchlen {
                c.add_int(i64::from(m[4]));
            }
        }
        c.add_bulk(b"len");
        c.add_int(i64::from(total));
    } else if getlen {
        c.add_int(i64::from(total));
    } else {
        c.add_bulk(&result);
    }
}

#[cfg(test)]
mod tests;
