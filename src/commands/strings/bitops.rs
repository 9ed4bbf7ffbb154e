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
use crate::db::object::{parse_canonical_i64, RObj, StrValue, Value, WRONGTYPE};

const ERR_BIT_OFFSET: &str = "ERR bit offset is not an integer or out of range";

/// Redis's getBitOffsetFromArgument. With `hash_bits`, `#N` means
/// `N * bits` (BITFIELD's type-width offsets).
fn bit_offset(ctx: &mut Ctx<'_>, arg: &[u8], hash_bits: Option<u32>) -> Option<u64> {
    let (digits, mult) = match hash_bits {
        Some(bits) if arg.first() == Some(&b'#') => (&arg[1..], Some(bits)),
        _ => (arg, None),
    };
    let Some(mut v) = parse_canonical_i64(digits) else {
        ctx.err(ERR_BIT_OFFSET);
        return None;
    };
    if let Some(bits) = mult {
        v = v.wrapping_mul(i64::from(bits));
    }
    if v < 0 || (!must_obey(ctx) && (v >> 3) >= ctx.srv.config.proto_max_bulk_len) {
        ctx.err(ERR_BIT_OFFSET);
        return None;
    }
    Some(v as u64)
}

/// Redis's lookupStringForBitCommand: makes `key` a raw string long enough
/// to address bit `maxbit`, creating or zero-extending it. Returns whether
/// that created the key or changed its length; None (after a WRONGTYPE
/// reply) when the key holds another type.
fn string_for_bits(ctx: &mut Ctx<'_>, key: &[u8], maxbit: u64) -> Option<bool> {
    let db = ctx.db();
    let need = (maxbit >> 3) as usize + 1;
    match ctx.ks().lookup_write(db, key) {
        None => {
            let obj = RObj::new(Value::Str(StrValue::Raw(vec![0; need])), 0);
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
    let Some(offset) = bit_offset(ctx, argv.get(2), None) else {
        return;
    };
    let Some(on) = parse_canonical_i64(argv.get(3)) else {
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
    let byte = (offset >> 3) as usize;
    let mask = 1u8 << (7 - (offset & 7));
    let Some(b) = raw.get_mut(byte) else {
        return;
    };
    let was = *b & mask != 0;
    if grown || was != (on == 1) {
        if on == 1 {
            *b |= mask;
        } else {
            *b &= !mask;
        }
        ctx.signal_modified_key(db, key);
        ctx.notify_keyspace_event(NOTIFY_STRING, "setbit", key, db);
        ctx.dirty(1);
    }
    ctx.int(i64::from(was));
}

/// `GETBIT key offset` → 0 or 1 (0 past the end or for a missing key).
pub fn getbit(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(offset) = bit_offset(ctx, argv.get(2), None) else {
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
    let bytes = s.as_bytes(&mut scratch);
    let bit = bytes
        .get((offset >> 3) as usize)
        .is_some_and(|b| b & (1 << (7 - (offset & 7))) != 0);
    c.add_int(i64::from(bit));
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

/// `BYTE` → false, `BIT` → true, else `-ERR syntax error`.
fn parse_unit(ctx: &mut Ctx<'_>, arg: &[u8]) -> Option<bool> {
    if arg.eq_ignore_ascii_case(b"bit") {
        Some(true)
    } else if arg.eq_ignore_ascii_case(b"byte") {
        Some(false)
    } else {
        ctx.syntax_error();
        None
    }
}

/// A normalized range: byte indexes `start..=end` plus, for BIT ranges,
/// masks of the bits outside the range in the first and last byte.
struct ByteRange {
    start: i64,
    end: i64,
    first_neg_mask: u8,
    last_neg_mask: u8,
}

/// Clamps `start..=end` (negative = from the end) to a string of `len`
/// bytes, counted in bits when `isbit`, as BITCOUNT and BITPOS do.
fn normalize(mut start: i64, mut end: i64, len: i64, isbit: bool) -> ByteRange {
    let total = if isbit { len << 3 } else { len };
    if start < 0 {
        start += total;
    }
    if end < 0 {
        end += total;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    let mut r = ByteRange {
        start,
        end,
        first_neg_mask: 0,
        last_neg_mask: 0,
    };
    if isbit && start <= end {
        r.first_neg_mask = !((1u16 << (8 - (start & 7))) - 1) as u8;
        r.last_neg_mask = ((1u16 << (7 - (end & 7))) - 1) as u8;
        r.start = start >> 3;
        r.end = end >> 3;
    }
    r
}

/// Number of set bits in `bytes`.
fn popcount(bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(8);
    let mut n: u64 = 0;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        n += u64::from(u64::from_ne_bytes(w).count_ones());
    }
    n + chunks
        .remainder()
        .iter()
        .map(|b| u64::from(b.count_ones()))
        .sum::<u64>()
}

/// Redis's redisBitpos: position of the first bit equal to `bit`; for a
/// clear bit not found, `bytes.len() * 8` (the string is seen as
/// zero-padded on the right); for a set bit not found, -1.
fn first_bit(bytes: &[u8], bit: bool) -> i64 {
    let skip = if bit { 0x00 } else { 0xff };
    match bytes.iter().position(|&b| b != skip) {
        Some(i) => {
            let b = if bit { bytes[i] } else { !bytes[i] };
            (i as i64) * 8 + i64::from(b.leading_zeros())
        }
        None if bit => -1,
        None => bytes.len() as i64 * 8,
    }
}

/// `BITCOUNT key [start end [BYTE|BIT]]` → the number of set bits, in the
/// whole string or the range (inclusive, negative from the end).
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
        if start < 0 && end < 0 && start > end {
            ctx.int(0);
            return;
        }
        let mut isbit = false;
        if argc == 5 {
            let Some(b) = parse_unit(ctx, argv.get(4)) else {
                return;
            };
            isbit = b;
        }
        range = Some((start, end, isbit));
    } else if argc != 2 {
        ctx.syntax_error();
        return;
    }
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let Some(s) = ks.dbs[db].dict.get(key).and_then(|o| o.as_str()) else {
        c.add_int(0);
        return;
    };
    let mut scratch = [0u8; 20];
    let p = s.as_bytes(&mut scratch);
    let len = p.len() as i64;
    let r = match range {
        Some((start, end, isbit)) => normalize(start, end, len, isbit),
        None => ByteRange {
            start: 0,
            end: len - 1,
            first_neg_mask: 0,
            last_neg_mask: 0,
        },
    };
    if r.start > r.end {
        c.add_int(0);
        return;
    }
    let (st, en) = (r.start as usize, r.end as usize);
    let mut count = popcount(&p[st..=en]) as i64;
    if r.first_neg_mask != 0 {
        count -= i64::from((p[st] & r.first_neg_mask).count_ones());
    }
    if r.last_neg_mask != 0 {
        count -= i64::from((p[en] & r.last_neg_mask).count_ones());
    }
    c.add_int(count);
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
            ctx.int(if bit { -1 } else { 0 });
            return;
        }
        Some(true) => {}
    }
    let argc = argv.len();
    let mut start = 0;
    let mut end = None;
    let mut isbit = false;
    let ranged = (4..=6).contains(&argc);
    if ranged {
        let Some(s) = arg_i64(ctx, argv.get(3)) else {
            return;
        };
        start = s;
        if argc == 6 {
            let Some(b) = parse_unit(ctx, argv.get(5)) else {
                return;
            };
            isbit = b;
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
    let db = ctx.db();
    let (ks, c) = ctx.parts();
    let Some(s) = ks.dbs[db].dict.get(key).and_then(|o| o.as_str()) else {
        c.add_int(if bit { -1 } else { 0 });
        return;
    };
    let mut scratch = [0u8; 20];
    let p = s.as_bytes(&mut scratch);
    let len = p.len() as i64;
    let r = if ranged {
        let e = end.unwrap_or(if isbit { (len << 3) + 7 } else { len - 1 });
        normalize(start, e, len, isbit)
    } else {
        ByteRange {
            start: 0,
            end: len - 1,
            first_neg_mask: 0,
            last_neg_mask: 0,
        }
    };
    if r.start > r.end {
        c.add_int(-1);
        return;
    }
    c.add_int(bitpos_in(p, &r, bit, end.is_some()));
}

/// BITPOS over a normalized non-empty range.
fn bitpos_in(p: &[u8], r: &ByteRange, bit: bool, end_given: bool) -> i64 {
    let mut start = r.start as usize;
    let end = r.end as usize;
    let mut bytes = end - start + 1;
    // Looks at one edge byte with the bits outside the range forced to
    // the value not searched for.
    let edge = |b: u8, neg_mask: u8| if bit { b & !neg_mask } else { b | neg_mask };
    let pos = 'found: {
        if r.first_neg_mask != 0 {
            let mut b = edge(p[start], r.first_neg_mask);
            if r.last_neg_mask != 0 && bytes == 1 {
                b = edge(b, r.last_neg_mask);
            }
            let pos = first_bit(&[b], bit);
            if bytes == 1 || (pos != -1 && pos != 8) {
                break 'found pos;
            }
            start += 1;
            bytes -= 1;
        }
        let cur = bytes - usize::from(r.last_neg_mask != 0);
        if cur > 0 {
            let pos = first_bit(&p[start..start + cur], bit);
            if bytes == cur || (pos != -1 && pos != (cur as i64) << 3) {
                break 'found pos;
            }
            start += cur;
            bytes -= cur;
        }
        first_bit(&[edge(p[end], r.last_neg_mask)], bit)
    };
    // An explicit end means the bits right of the range are not zero
    // padding: no clear bit found in the range is -1.
    if end_given && !bit && pos == (bytes as i64) << 3 {
        return -1;
    }
    if pos != -1 {
        pos + ((start as i64) << 3)
    } else {
        pos
    }
}

/// The BITOP operations.
#[derive(Clone, Copy, PartialEq)]
enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

/// `BITOP AND|OR|XOR|NOT destkey key [key ...]` → the length of the
/// result, stored `raw` at destkey (missing sources are empty strings,
/// shorter ones zero-padded); an empty result deletes destkey.
pub fn bitop(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let op = match argv.get(1) {
        w if w.eq_ignore_ascii_case(b"and") => BitOp::And,
        w if w.eq_ignore_ascii_case(b"or") => BitOp::Or,
        w if w.eq_ignore_ascii_case(b"xor") => BitOp::Xor,
        w if w.eq_ignore_ascii_case(b"not") => BitOp::Not,
        _ => {
            ctx.syntax_error();
            return;
        }
    };
    if op == BitOp::Not && argv.len() != 4 {
        ctx.err("ERR BITOP NOT must be called with a single source key.");
        return;
    }
    let db = ctx.db();
    let dest = argv.get(2);
    // Folded source by source: bytes past a source's end count as zeros.
    let mut res: Vec<u8> = Vec::new();
    for (i, key) in argv.iter().enumerate().skip(3) {
        let mut scratch = [0u8; 20];
        let src: &[u8] = match ctx.ks().lookup_read(db, key) {
            None => &[],
            Some(o) => match o.as_str() {
                Some(s) => {
                    let b = s.as_bytes(&mut scratch);
                    if i == 3 {
                        res = b.to_vec();
                        continue;
                    }
                    if res.len() < b.len() {
                        res.resize(b.len(), 0);
                    }
                    fold(op, &mut res, b);
                    continue;
                }
                None => {
                    ctx.wrongtype();
                    return;
                }
            },
        };
        fold(op, &mut res, src);
    }
    if op == BitOp::Not {
        for b in &mut res {
            *b = !*b;
        }
    }
    let maxlen = res.len();
    if maxlen > 0 {
        let obj = RObj::new(Value::Str(StrValue::Raw(res)), 0);
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

/// Applies one more source to the partial result (`res` is at least as
/// long as `src`).
fn fold(op: BitOp, res: &mut [u8], src: &[u8]) {
    let n = src.len().min(res.len());
    let (head, tail) = res.split_at_mut(n);
    match op {
        BitOp::And => {
            head.iter_mut().zip(src).for_each(|(r, s)| *r &= s);
            tail.fill(0);
        }
        BitOp::Or => head.iter_mut().zip(src).for_each(|(r, s)| *r |= s),
        BitOp::Xor => head.iter_mut().zip(src).for_each(|(r, s)| *r ^= s),
        BitOp::Not => {}
    }
}

// ---------------------------------------------------------------------------
// BITFIELD
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

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
    bits: u32,
    signed: bool,
}

/// Redis's getBitfieldTypeFromArgument: `i1`..`i64` or `u1`..`u63`.
fn field_type(ctx: &mut Ctx<'_>, arg: &[u8]) -> Option<(bool, u32)> {
    const ERR_TYPE: &str = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
    let signed = match arg.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => {
            ctx.err(ERR_TYPE);
            return None;
        }
    };
    let max = if signed { 64 } else { 63 };
    match parse_canonical_i64(&arg[1..]).filter(|&b| (1..=max).contains(&b)) {
        Some(b) => Some((signed, b as u32)),
        None => {
            ctx.err(ERR_TYPE);
            None
        }
    }
}

/// The unsigned `bits`-wide field at bit `offset`; bits past the end of
/// `p` read as zero.
fn get_unsigned(p: &[u8], offset: u64, bits: u32) -> u64 {
    let mut v = 0u64;
    for j in 0..u64::from(bits) {
        let o = offset + j;
        let bit = p
            .get((o >> 3) as usize)
            .map_or(0, |b| (b >> (7 - (o & 7))) & 1);
        v = (v << 1) | u64::from(bit);
    }
    v
}

fn get_signed(p: &[u8], offset: u64, bits: u32) -> i64 {
    let mut v = get_unsigned(p, offset, bits);
    if bits < 64 && v & (1u64 << (bits - 1)) != 0 {
        v |= u64::MAX << bits;
    }
    v as i64
}

/// Writes the low `bits` of `value` at bit `offset` (within `p`).
fn set_field(p: &mut [u8], offset: u64, bits: u32, value: u64) {
    for j in 0..u64::from(bits) {
        let bit = (value >> (u64::from(bits) - 1 - j)) & 1;
        let o = offset + j;
        if let Some(b) = p.get_mut((o >> 3) as usize) {
            let mask = 1u8 << (7 - (o & 7));
            if bit == 1 {
                *b |= mask;
            } else {
                *b &= !mask;
            }
        }
    }
}

/// Redis's checkUnsignedBitfieldOverflow: whether `value + incr` leaves
/// the `bits`-wide unsigned range, and the value to store then (wrapped
/// or saturated; None for FAIL).
fn unsigned_overflow(value: u64, incr: i64, bits: u32, ow: Overflow) -> (bool, u64) {
    let max = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let maxincr = max.wrapping_sub(value) as i64;
    let minincr = value.wrapping_neg() as i64;
    let wrap = || value.wrapping_add(incr as u64) & !u64::MAX.checked_shl(bits).unwrap_or(0);
    if value > max || (incr > 0 && incr > maxincr) {
        (true, if ow == Overflow::Wrap { wrap() } else { max })
    } else if incr < 0 && incr < minincr {
        (true, if ow == Overflow::Wrap { wrap() } else { 0 })
    } else {
        (false, 0)
    }
}

/// Redis's checkSignedBitfieldOverflow, as `unsigned_overflow` for the
/// `bits`-wide two's complement range.
fn signed_overflow(value: i64, incr: i64, bits: u32, ow: Overflow) -> (bool, i64) {
    let max: i64 = if bits == 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let maxincr = (max as u64).wrapping_sub(value as u64) as i64;
    let minincr = min.wrapping_sub(value);
    let wrap = || {
        let mut c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let mask = u64::MAX << bits;
            if c & (1u64 << (bits - 1)) != 0 {
                c |= mask;
            } else {
                c &= !mask;
            }
        }
        c as i64
    };
    if value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr) {
        (true, if ow == Overflow::Wrap { wrap() } else { max })
    } else if value < min
        || (bits != 64 && incr < minincr)
        || (value < 0 && incr < 0 && incr < minincr)
    {
        (true, if ow == Overflow::Wrap { wrap() } else { min })
    } else {
        (false, 0)
    }
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
            let w = argv.get(j + 1);
            overflow = if w.eq_ignore_ascii_case(b"wrap") {
                Overflow::Wrap
            } else if w.eq_ignore_ascii_case(b"sat") {
                Overflow::Sat
            } else if w.eq_ignore_ascii_case(b"fail") {
                Overflow::Fail
            } else {
                ctx.err("ERR Invalid OVERFLOW type specified");
                return;
            };
            j += 2;
            continue;
        } else {
            ctx.syntax_error();
            return;
        };
        let Some((signed, bits)) = field_type(ctx, argv.get(j + 1)) else {
            return;
        };
        let Some(offset) = bit_offset(ctx, argv.get(j + 2), Some(bits)) else {
            return;
        };
        let mut value = 0;
        if op != FieldOp::Get {
            readonly = false;
            highest_write = highest_write.max(offset + u64::from(bits) - 1);
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
            bits,
            signed,
        });
        j += if op == FieldOp::Get { 3 } else { 4 };
    }

    let db = ctx.db();
    if readonly {
        let (ks, c) = ctx.parts();
        let o = ks.lookup_read(db, key);
        let s = match o {
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
            let (old, new, ret, overflowed) = if f.signed {
                let old = get_signed(p, f.offset, f.bits);
                let (over, limit, new, ret);
                if f.op == FieldOp::IncrBy {
                    (over, limit) = signed_overflow(old, f.value, f.bits, f.overflow);
                    new = if over {
                        limit
                    } else {
                        old.wrapping_add(f.value)
                    };
                    ret = new;
                } else {
                    (over, limit) = signed_overflow(f.value, 0, f.bits, f.overflow);
                    new = if over { limit } else { f.value };
                    ret = old;
                }
                (old as u64, new as u64, ret, over)
            } else {
                let old = get_unsigned(p, f.offset, f.bits);
                let (over, limit, new, ret);
                if f.op == FieldOp::IncrBy {
                    (over, limit) = unsigned_overflow(old, f.value, f.bits, f.overflow);
                    new = if over {
                        limit
                    } else {
                        old.wrapping_add(f.value as u64)
                    };
                    ret = new as i64;
                } else {
                    (over, limit) = unsigned_overflow(f.value as u64, 0, f.bits, f.overflow);
                    new = if over { limit } else { f.value as u64 };
                    ret = old as i64;
                }
                (old, new, ret, over)
            };
            if overflowed && f.overflow == Overflow::Fail {
                c.add_null();
                continue;
            }
            c.add_int(ret);
            set_field(p, f.offset, f.bits, new);
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
    if f.signed {
        c.add_int(get_signed(p, f.offset, f.bits));
    } else {
        c.add_int(get_unsigned(p, f.offset, f.bits) as i64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_bit_positions() {
        assert_eq!(first_bit(&[0x00, 0x10], true), 11);
        assert_eq!(first_bit(&[0x00, 0x00], true), -1);
        assert_eq!(first_bit(&[0xff, 0xfe], false), 15);
        assert_eq!(first_bit(&[0xff, 0xff], false), 16);
        assert_eq!(first_bit(&[], false), 0);
    }

    #[test]
    fn fields_round_trip() {
        let mut p = vec![0u8; 3];
        set_field(&mut p, 7, 5, 23);
        assert_eq!(p, [0b0000_0001, 0b0111_0000, 0]);
        assert_eq!(get_unsigned(&p, 7, 5), 23);
        set_field(&mut p, 0, 8, (-3i64) as u64);
        assert_eq!(get_signed(&p, 0, 8), -3);
        assert_eq!(get_unsigned(&p, 20, 16), 0);
    }

    #[test]
    fn overflow_rules() {
        assert_eq!(unsigned_overflow(255, 1, 8, Overflow::Wrap), (true, 0));
        assert_eq!(unsigned_overflow(255, 1, 8, Overflow::Sat), (true, 255));
        assert_eq!(unsigned_overflow(0, -1, 8, Overflow::Sat), (true, 0));
        assert_eq!(unsigned_overflow(0, -1, 8, Overflow::Wrap), (true, 255));
        assert_eq!(signed_overflow(127, 1, 8, Overflow::Wrap), (true, -128));
        assert_eq!(signed_overflow(-128, -1, 8, Overflow::Sat), (true, -128));
        assert_eq!(signed_overflow(100, 0, 8, Overflow::Sat), (false, 0));
        assert_eq!(
            signed_overflow(i64::MAX, 1, 64, Overflow::Wrap),
            (true, i64::MIN)
        );
    }

    #[test]
    fn popcount_matches_naive() {
        let v: Vec<u8> = (0..=255u8).chain(0..77).collect();
        let naive: u64 = v.iter().map(|b| u64::from(b.count_ones())).sum();
        assert_eq!(popcount(&v), naive);
    }
}
