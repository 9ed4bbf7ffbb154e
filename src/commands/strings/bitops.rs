//! Bitmap commands (Redis's bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS,
//! BITOP, BITFIELD, BITFIELD_RO.
//!
//! Owns: how string values are read and written as bit arrays. Bit 0 is
//! the most significant bit of the first byte; reads past the end see
//! zeros; writes grow the string with zero bytes and leave it `raw`.
//! It must never change a key other than the one named, nor reply before
//! every argument has been checked the way Redis checks it (Redis's
//! order of checks decides which error a bad command gets).
//!
//! Offsets are limited by `proto-max-bulk-len` (512 MB → bits
//! 0..4294967295) except for commands from our master, which are applied
//! as sent.

use super::{arg_i64, must_obey, Ctx, NOTIFY_GENERIC, NOTIFY_STRING};
use crate::commands::Argv;
use crate::db::object::{RObj, StrValue, Value, WRONGTYPE};
use crate::util::bits::{self, BitOp, BitfieldType, Overflow, RangeUnit};
use crate::util::numeric::parse_i64;

const ERR_BIT_OFFSET: &str = "ERR bit offset is not an integer or out of range";

/// Redis's getBitOffsetFromArgument. With `hash_bits` > 0, `#N` means
/// `N * hash_bits` (BITFIELD's type-width offsets).
fn bit_offset(ctx: &mut Ctx<'_>, arg: &[u8], hash_bits: u32) -> Option<u64> {
    let limit = if must_obey(ctx) {
        None
    } else {
        Some(ctx.srv.config.proto_max_bulk_len.max(0) as u64)
    };
    let v = bits::parse_bit_offset(arg, hash_bits, limit);
    if v.is_none() {
        ctx.err(ERR_BIT_OFFSET);
    }
    v
}

/// Redis's lookupStringForBitCommand: makes `key` a raw string long enough
/// to address bit `maxbit`, creating or zero-extending it. Returns whether
/// that created the key or changed its length; None (after a WRONGTYPE
/// reply) when the key holds another type.
fn string_for_bits(ctx: &mut Ctx<'_>, key: &[u8], maxbit: u64) -> Option<bool> {
    let db = ctx.db();
    let need = usize::try_from(bits::bytes_for_bit(maxbit)).unwrap_or(usize::MAX);
    match ctx.ks().lookup_write(db, key) {
        None => {
            let obj = RObj::new(Value::Str(StrValue::Raw(Box::new(vec![0; need]))), 0);
            ctx.ks().set_key(db, key, obj, false);
            Some(true)
        }
        Some(o) => match o.as_str_mut() {
            None => {
                ctx.wrongtype();
                None
            }
            Some(s) => {
                let raw = s.make_raw();
                if raw.len() < need {
                    raw.resize(need, 0);
                    Some(true)
                } else {
                    Some(false)
                }
            }
        },
    }
}

/// The raw buffer of a string key that `string_for_bits` just prepared.
fn raw_of<'a>(ctx: &'a mut Ctx<'_>, db: usize, key: &[u8]) -> Option<&'a mut Vec<u8>> {
    ctx.ks().dbs[db]
        .dict
        .get_mut(key)
        .and_then(|o| o.as_str_mut())
        .map(|s| s.make_raw())
}

/// `SETBIT key offset 0|1` → the bit's previous value. Creates or extends
/// the string as needed.
pub fn setbit(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    const ERR_BIT: &str = "ERR bit is not an integer or out of range";
    let key = argv.get(1);
    let Some(offset) = bit_offset(ctx, argv.get(2), 0) else {
        return;
    };
    let Some(on) = parse_i64(argv.get(3)) else {
        ctx.err(ERR_BIT);
        return;
    };
    if on & !1 != 0 {
        ctx.err(ERR_BIT);
        return;
    }
    let Some(grown) = string_for_bits(ctx, key, offset) else {
        return;
    };
    let db = ctx.db();
    let Some(raw) = raw_of(ctx, db, key) else {
        return;
    };
    let was = bits::set_bit(raw, offset, on == 1);
    if grown || was != (on == 1) {
        ctx.signal_modified_key(db, key);
        ctx.notify_keyspace_event(NOTIFY_STRING, "setbit", key, db);
        ctx.dirty(1);
    }
    ctx.int(i64::from(was));
}

/// `GETBIT key offset` → 0 or 1 (0 past the end or for a missing key).
pub fn getbit(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(offset) = bit_offset(ctx, argv.get(2), 0) else {
        return;
    };
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let Some(o) = ks.lookup_read(db, argv.get(1)) else {
        c.add_int(0);
        return;
    };
    let Some(s) = o.as_str() else {
        c.add_error(WRONGTYPE);
        return;
    };
    let mut scratch = [0u8; 20];
    c.add_int(i64::from(bits::get_bit(s.as_bytes(&mut scratch), offset)));
}

/// Looks the key up for BITCOUNT/BITPOS: Some(true) when it is a string,
/// Some(false) when missing; None after a WRONGTYPE reply.
fn lookup_string(ctx: &mut Ctx<'_>, key: &[u8]) -> Option<bool> {
    let db = ctx.db();
    match ctx.ks().lookup_read(db, key) {
        None => Some(false),
        Some(o) if o.as_str().is_some() => Some(true),
        Some(_) => {
            ctx.wrongtype();
            None
        }
    }
}

/// `BYTE` or `BIT`, else `-ERR syntax error`.
fn parse_unit(ctx: &mut Ctx<'_>, arg: &[u8]) -> Option<RangeUnit> {
    let u = RangeUnit::parse(arg);
    if u.is_none() {
        ctx.syntax_error();
    }
    u
}

/// The bytes of a string key already checked by `lookup_string`.
fn with_bytes<R>(ctx: &mut Ctx<'_>, key: &[u8], f: impl FnOnce(&[u8]) -> R) -> R {
    let db = ctx.db();
    let mut scratch = [0u8; 20];
    let bytes = ctx.srv.ks.dbs[db]
        .dict
        .get(key)
        .and_then(|o| o.as_str())
        .map_or(&[][..], |s| s.as_bytes(&mut scratch));
    f(bytes)
}

/// `BITCOUNT key [start end [BYTE|BIT]]` → the number of set bits, in the
/// whole string or the range (inclusive, negative from the end). A missing
/// key is 0 before the arguments are even looked at, as in Redis 7.0.
pub fn bitcount(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let key = argv.get(1);
    match lookup_string(ctx, key) {
        None => return,
        Some(false) => {
            ctx.int(0);
            return;
        }
        Some(true) => {}
    }
    let argc = argv.len();
    let mut range = None;
    if argc == 4 || argc == 5 {
        let Some(start) = arg_i64(ctx, argv.get(2)) else {
            return;
        };
        let Some(end) = arg_i64(ctx, argv.get(3)) else {
            return;
        };
        // Answered before the unit is parsed: `BITCOUNT k -1 -2 junk` is 0.
        if bits::is_reversed_negative_range(start, end) {
            ctx.int(0);
            return;
        }
        let mut unit = RangeUnit::Byte;
        if argc == 5 {
            let Some(u) = parse_unit(ctx, argv.get(4)) else {
                return;
            };
            unit = u;
        }
        range = Some((start, end, unit));
    } else if argc != 2 {
        ctx.syntax_error();
        return;
    }
    let n = with_bytes(ctx, key, |p| bits::bitcount(p, range));
    ctx.int(n as i64);
}

/// `BITPOS key 0|1 [start [end [BYTE|BIT]]]` → the position of the first
/// bit set (1) or clear (0) in the range, -1 when there is none. Without
/// an explicit end, looking for 0 in an all-ones range answers the first
/// bit past the string.
pub fn bitpos(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let key = argv.get(1);
    let Some(bit) = arg_i64(ctx, argv.get(2)) else {
        return;
    };
    if bit != 0 && bit != 1 {
        ctx.err("ERR The bit argument must be 1 or 0.");
        return;
    }
    let bit = bit == 1;
    match lookup_string(ctx, key) {
        None => return,
        Some(false) => {
            ctx.int(bits::bitpos_missing_key(bit));
            return;
        }
        Some(true) => {}
    }
    let argc = argv.len();
    let (mut start, mut end, mut unit) = (None, None, RangeUnit::Byte);
    if (4..=6).contains(&argc) {
        let Some(s) = arg_i64(ctx, argv.get(3)) else {
            return;
        };
        start = Some(s);
        if argc == 6 {
            let Some(u) = parse_unit(ctx, argv.get(5)) else {
                return;
            };
            unit = u;
        }
        if argc >= 5 {
            let Some(e) = arg_i64(ctx, argv.get(4)) else {
                return;
            };
            end = Some(e);
        }
    } else if argc != 3 {
        ctx.syntax_error();
        return;
    }
    let pos = with_bytes(ctx, key, |p| bits::bitpos(p, bit, start, end, unit));
    ctx.int(pos);
}

/// `BITOP AND|OR|XOR|NOT destkey key [key ...]` → the length of the
/// result, stored `raw` at destkey (missing sources are empty strings,
/// shorter ones zero-padded); an empty result deletes destkey.
pub fn bitop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(op) = BitOp::parse(argv.get(1)) else {
        ctx.syntax_error();
        return;
    };
    if op == BitOp::Not && argv.len() != 4 {
        ctx.err("ERR BITOP NOT must be called with a single source key.");
        return;
    }
    let db = ctx.db();
    let dest = argv.get(2);
    // Every source is looked up once, as Redis does (expiry, hit/miss
    // stats, the first non-string stops the command) ...
    for key in argv.iter().skip(3) {
        if ctx
            .ks()
            .lookup_read(db, key)
            .is_some_and(|o| o.as_str().is_none())
        {
            ctx.wrongtype();
            return;
        }
    }
    // ... then read together; integers are rendered into scratch space.
    let mut res = Vec::new();
    {
        let dict = &ctx.srv.ks.dbs[db].dict;
        let mut scratch = vec![[0u8; 20]; argv.len() - 3];
        let srcs: Vec<&[u8]> = argv
            .iter()
            .skip(3)
            .zip(scratch.iter_mut())
            .map(|(key, buf)| match dict.get(key).and_then(|o| o.as_str()) {
                Some(s) => s.as_bytes(buf),
                None => &[][..],
            })
            .collect();
        bits::bitop(op, &srcs, &mut res);
    }
    let maxlen = res.len();
    if maxlen > 0 {
        let obj = RObj::new(Value::Str(StrValue::Raw(Box::new(res))), 0);
        ctx.ks().set_key(db, dest, obj, false);
        ctx.signal_modified_key(db, dest);
        ctx.notify_keyspace_event(NOTIFY_STRING, "set", dest, db);
        ctx.dirty(1);
    } else if ctx.ks().delete(db, dest) {
        ctx.signal_modified_key(db, dest);
        ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", dest, db);
        ctx.dirty(1);
    }
    ctx.int(maxlen as i64);
}

// ---------------------------------------------------------------------------
// BITFIELD
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum FieldOp {
    Get,
    Set,
    IncrBy,
}

/// One parsed BITFIELD operation.
#[derive(Clone, Copy)]
struct Field {
    op: FieldOp,
    offset: u64,
    /// SET value or INCRBY increment.
    value: i64,
    overflow: Overflow,
    ty: BitfieldType,
}

/// `BITFIELD key [GET type offset] [SET type offset value]
/// [INCRBY type offset increment] [OVERFLOW WRAP|SAT|FAIL] ...` → one
/// reply per GET/SET/INCRBY: the field's value (SET: the old one,
/// INCRBY: the new one), or null when OVERFLOW FAIL stopped it. Types are
/// `i1`..`i64`, `u1`..`u63`; `#N` offsets are N field widths.
pub fn bitfield(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    bitfield_generic(ctx, argv, false);
}

/// `BITFIELD_RO key [GET type offset ...]`: BITFIELD limited to GET.
pub fn bitfield_ro(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    bitfield_generic(ctx, argv, true);
}

/// Parses every operation first (the first bad one is the reply), then
/// looks the key up once: for reading when all are GETs, else grown to
/// the highest bit any SET/INCRBY writes.
fn bitfield_generic(ctx: &mut Ctx<'_>, argv: &Argv<'_>, ro_command: bool) {
    let key = argv.get(1);
    let mut ops: Vec<Field> = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut readonly = true;
    let mut highest_write: u64 = 0;
    let mut j = 2;
    while j < argv.len() {
        let rem = argv.len() - j - 1;
        let op = if argv.is(j, "get") && rem >= 2 {
            FieldOp::Get
        } else if argv.is(j, "set") && rem >= 3 {
            FieldOp::Set
        } else if argv.is(j, "incrby") && rem >= 3 {
            FieldOp::IncrBy
        } else if argv.is(j, "overflow") && rem >= 1 {
            let Some(ow) = Overflow::parse(argv.get(j + 1)) else {
                ctx.err("ERR Invalid OVERFLOW type specified");
                return;
            };
            overflow = ow;
            j += 2;
            continue;
        } else {
            ctx.syntax_error();
            return;
        };
        let Some(ty) = BitfieldType::parse(argv.get(j + 1)) else {
            ctx.err("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.");
            return;
        };
        let Some(offset) = bit_offset(ctx, argv.get(j + 2), ty.bits) else {
            return;
        };
        let mut value = 0;
        if op != FieldOp::Get {
            readonly = false;
            highest_write = highest_write.max(offset.wrapping_add(u64::from(ty.bits) - 1));
            let Some(v) = arg_i64(ctx, argv.get(j + 3)) else {
                return;
            };
            value = v;
        }
        ops.push(Field {
            op,
            offset,
            value,
            overflow,
            ty,
        });
        j += if op == FieldOp::Get { 3 } else { 4 };
    }

    let db = ctx.db();
    if readonly {
        let (ks, c) = ctx.parts();
        let s = match ks.lookup_read(db, key) {
            None => None,
            Some(o) => match o.as_str() {
                Some(s) => Some(s),
                None => {
                    c.add_error(WRONGTYPE);
                    return;
                }
            },
        };
        let mut scratch = [0u8; 20];
        let p: &[u8] = s.map_or(&[], |s| s.as_bytes(&mut scratch));
        c.add_array_len(ops.len());
        for f in &ops {
            reply_get(c, p, f);
        }
        return;
    }
    if ro_command {
        ctx.err("ERR BITFIELD_RO only supports the GET subcommand");
        return;
    }
    let Some(grown) = string_for_bits(ctx, key, highest_write) else {
        return;
    };
    let mut changes = 0u64;
    {
        let (ks, c) = ctx.parts();
        let Some(p) = ks.dbs[db]
            .dict
            .get_mut(key)
            .and_then(|o| o.as_str_mut())
            .map(|s| s.make_raw())
        else {
            return;
        };
        c.add_array_len(ops.len());
        for f in &ops {
            if f.op == FieldOp::Get {
                reply_get(c, p, f);
                continue;
            }
            let bits = f.ty.bits;
            let incr = f.op == FieldOp::IncrBy;
            // (old, new) as raw bit patterns, the reply, and whether the
            // value left the type's range.
            let (old, new, ret, over) = if f.ty.signed {
                let old = bits::get_signed_bitfield(p, f.offset, bits);
                let (base, add) = if incr { (old, f.value) } else { (f.value, 0) };
                let (o, limit) = bits::check_signed_bitfield_overflow(base, add, bits, f.overflow);
                let new = if o != 0 {
                    limit
                } else {
                    base.wrapping_add(add)
                };
                (old as u64, new as u64, if incr { new } else { old }, o != 0)
            } else {
                let old = bits::get_unsigned_bitfield(p, f.offset, bits);
                let (base, add) = if incr {
                    (old, f.value)
                } else {
                    (f.value as u64, 0)
                };
                let (o, limit) =
                    bits::check_unsigned_bitfield_overflow(base, add, bits, f.overflow);
                let new = if o != 0 {
                    limit
                } else {
                    base.wrapping_add(add as u64)
                };
                let ret = if incr { new } else { old };
                (old, new, ret as i64, o != 0)
            };
            if over && f.overflow == Overflow::Fail {
                c.add_null();
                continue;
            }
            c.add_int(ret);
            bits::set_unsigned_bitfield(p, f.offset, bits, new);
            if grown || old != new {
                changes += 1;
            }
        }
    }
    if changes > 0 {
        ctx.signal_modified_key(db, key);
        ctx.notify_keyspace_event(NOTIFY_STRING, "setbit", key, db);
        ctx.dirty(changes);
    }
}

fn reply_get(c: &mut crate::client::Client, p: &[u8], f: &Field) {
    if f.ty.signed {
        c.add_int(bits::get_signed_bitfield(p, f.offset, f.ty.bits));
    } else {
        c.add_int(bits::get_unsigned_bitfield(p, f.offset, f.ty.bits) as i64);
    }
}
