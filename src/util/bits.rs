//! Bit and byte ranges of strings with Redis's exact rules (`bitops.c`,
//! `t_string.c`).
//!
//! Owns: GETRANGE's index normalization, BITCOUNT and BITPOS (BYTE and BIT
//! units, Redis 7.0), BITOP, GETBIT/SETBIT, the bit offset argument, and
//! BITFIELD's integer get/set and overflow rules. Bit 0 is the most
//! significant bit of byte 0, as in Redis.
//!
//! Pure functions of the string's bytes: no keyspace, no replies. The
//! parse helpers never allocate; only [`bitop`] and [`set_bit`] write to a
//! caller's `Vec`. Nothing here panics, whatever the input.
//!
//! Order of checks is the command's business; where Redis's order decides
//! the reply (BITCOUNT's early zero, BITPOS on a missing key), the function
//! doc says so.

use super::numeric::parse_i64;

/// The unit of BITCOUNT/BITPOS `start`/`end` (Redis 7.0:
/// `BITCOUNT key start end [BYTE|BIT]`); BYTE when omitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeUnit {
    Byte,
    Bit,
}

impl RangeUnit {
    /// `BYTE` or `BIT`, any case; None is a syntax error.
    pub fn parse(arg: &[u8]) -> Option<RangeUnit> {
        if arg.eq_ignore_ascii_case(b"bit") {
            Some(RangeUnit::Bit)
        } else if arg.eq_ignore_ascii_case(b"byte") {
            Some(RangeUnit::Byte)
        } else {
            None
        }
    }
}

/// A BITOP operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

impl BitOp {
    /// `AND`, `OR`, `XOR` or `NOT`, any case; None is a syntax error.
    pub fn parse(arg: &[u8]) -> Option<BitOp> {
        [
            (&b"and"[..], BitOp::And),
            (b"or", BitOp::Or),
            (b"xor", BitOp::Xor),
            (b"not", BitOp::Not),
        ]
        .into_iter()
        .find(|(name, _)| arg.eq_ignore_ascii_case(name))
        .map(|(_, op)| op)
    }
}

// ===========================================================================
// Ranges
// ===========================================================================

/// Redis's shared start/end normalization: negative indexes count from
/// `total` (the length in the range's unit), then both are clamped into
/// `0..total`. Returns the inclusive range, None when empty.
fn clamp_range(start: i64, end: i64, total: i64) -> Option<(i64, i64)> {
    let mut start = if start < 0 {
        total.saturating_add(start)
    } else {
        start
    };
    let mut end = if end < 0 {
        total.saturating_add(end)
    } else {
        end
    };
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    if start > end || total == 0 {
        None
    } else {
        Some((start, end))
    }
}

/// True for `start < 0 && end < 0 && start > end`: GETRANGE and BITCOUNT
/// answer empty / 0 for this *before* anything else (BITCOUNT does not
/// even look at a BIT|BYTE argument then: `BITCOUNT k -1 -2 junk` is 0,
/// not a syntax error). Without this check such a range could clamp to
/// `0..=0`.
pub fn is_reversed_negative_range(start: i64, end: i64) -> bool {
    start < 0 && end < 0 && start > end
}

/// GETRANGE's (and BITCOUNT BYTE's) index rules for a string of `len`
/// bytes: the inclusive byte range `(first, last)`, or None for an empty
/// reply. Negative indexes count from the end, both are clamped into the
/// string, and a reversed all-negative range is empty.
///
/// `"Hello"`: (0, -1) → (0, 4); (-3, -1) → (2, 4); (3, 100) → (3, 4);
/// (-100, 1) → (0, 1); (5, 10) → None; (-1, -2) → None; (-10, -20) → None.
pub fn normalize_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    if is_reversed_negative_range(start, end) {
        return None;
    }
    let total = i64::try_from(len).unwrap_or(i64::MAX);
    clamp_range(start, end, total).map(|(s, e)| (s as usize, e as usize))
}

/// GETRANGE: the bytes of `s` from `start` to `end` inclusive, as
/// [`normalize_range`] selects them (SUBSTR too).
pub fn getrange(s: &[u8], start: i64, end: i64) -> &[u8] {
    match normalize_range(start, end, s.len()) {
        Some((first, last)) => s.get(first..=last).unwrap_or(&[]),
        None => &[],
    }
}

// ===========================================================================
// Counting and searching bits
// ===========================================================================

/// Number of set bits in `bytes` (Redis's `redisPopcount`), eight bytes
/// at a time.
pub fn popcount(bytes: &[u8]) -> u64 {
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

/// BITCOUNT on an existing string (a missing key is 0): all of it when
/// `range` is None, else `(start, end, unit)` with Redis's index rules:
/// negative from the end (in bytes or bits), clamped, reversed → 0,
/// reversed all-negative → 0 (see [`is_reversed_negative_range`]). In BIT
/// units the partial first and last bytes are masked.
pub fn bitcount(bytes: &[u8], range: Option<(i64, i64, RangeUnit)>) -> u64 {
    let Some((start, end, unit)) = range else {
        return popcount(bytes);
    };
    if is_reversed_negative_range(start, end) {
        return 0;
    }
    let len = i64::try_from(bytes.len()).unwrap_or(i64::MAX >> 3);
    match unit {
        RangeUnit::Byte => match clamp_range(start, end, len) {
            Some((s, e)) => popcount(&bytes[s as usize..=e as usize]),
            None => 0,
        },
        RangeUnit::Bit => match clamp_range(start, end, len << 3) {
            Some((s, e)) => {
                let (first, last) = ((s >> 3) as usize, (e >> 3) as usize);
                // Bits of the edge bytes outside [s, e].
                let first_out = !(0xffu8 >> (s & 7));
                let last_out = (0xffu16 >> ((e & 7) + 1)) as u8;
                let total = popcount(&bytes[first..=last]);
                let outside = u64::from((bytes[first] & first_out).count_ones())
                    + u64::from((bytes[last] & last_out).count_ones());
                total - outside
            }
            None => 0,
        },
    }
}

/// BITPOS's answer for a missing key: an endless run of zeros, so 0 when
/// looking for a clear bit and -1 for a set bit. Redis answers this before
/// parsing `start`/`end` (`BITPOS nokey 1 junk` is -1).
pub fn bitpos_missing_key(bit: bool) -> i64 {
    if bit {
        -1
    } else {
        0
    }
}

/// The position of the first bit equal to `bit` in `bytes`, counting from
/// 0, or None. Word at a time.
fn find_bit(bytes: &[u8], bit: bool) -> Option<u64> {
    let skip: u8 = if bit { 0 } else { 0xff };
    let mut chunks = bytes.chunks_exact(8);
    let mut pos: u64 = 0;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let word = u64::from_be_bytes(w);
        let word = if bit { word } else { !word };
        if word != 0 {
            return Some(pos + u64::from(word.leading_zeros()));
        }
        pos += 64;
    }
    for &b in chunks.remainder() {
        if b != skip {
            let b = if bit { b } else { !b };
            return Some(pos + u64::from(b.leading_zeros()));
        }
        pos += 8;
    }
    None
}

/// BITPOS on an existing string (for a missing key see
/// [`bitpos_missing_key`]): the first bit equal to `bit` at or after
/// `start` and up to `end` (inclusive, in `unit`s, Redis's negative and
/// clamping rules, no early check for reversed negative ranges), or -1.
///
/// The one asymmetry: looking for a 0 with **no `end`** treats the string
/// as padded with zeros on the right, so `"\xff\xff"` gives 16; with an
/// `end` it gives -1. An empty range gives -1, and so does an empty
/// string (`SET k ""`, `BITPOS k 0` → -1, unlike a missing key).
/// `unit` is BIT only with `end` given in Redis's syntax.
pub fn bitpos(
    bytes: &[u8],
    bit: bool,
    start: Option<i64>,
    end: Option<i64>,
    unit: RangeUnit,
) -> i64 {
    let len = i64::try_from(bytes.len()).unwrap_or(i64::MAX >> 3);
    let end_given = end.is_some();
    let is_bit = unit == RangeUnit::Bit && start.is_some();
    let total = if is_bit { len << 3 } else { len };
    let start = start.unwrap_or(0);
    let end = end.unwrap_or(total - 1);
    let Some((s, e)) = clamp_range(start, end, total) else {
        return -1;
    };
    let (s, e) = if is_bit {
        (s, e)
    } else {
        (s << 3, (e << 3) | 7)
    };
    // Now an inclusive bit range [s, e] within the string.
    let (first, last) = ((s >> 3) as usize, (e >> 3) as usize);
    let span = &bytes[first..=last];
    // Bits outside [s, e] in the edge bytes are forced to the opposite of
    // what we look for, so they never match.
    let first_out = !(0xffu8 >> (s & 7));
    let last_out = (0xffu16 >> ((e & 7) + 1)) as u8;
    let force = |b: u8, mask: u8| if bit { b & !mask } else { b | mask };
    let found = if span.len() == 1 {
        find_bit(&[force(span[0], first_out | last_out)], bit)
    } else {
        let head = find_bit(&[force(span[0], first_out)], bit);
        head.or_else(|| {
            let middle = &span[1..span.len() - 1];
            find_bit(middle, bit).map(|p| p + 8).or_else(|| {
                find_bit(&[force(span[span.len() - 1], last_out)], bit)
                    .map(|p| p + 8 * (span.len() as u64 - 1))
            })
        })
    };
    match found {
        Some(p) => (first as u64 * 8 + p) as i64,
        // Looking for a clear bit without an explicit end: the first bit
        // past the string is zero.
        None if !bit && !end_given => len << 3,
        None => -1,
    }
}

// ===========================================================================
// BITOP
// ===========================================================================

/// BITOP: `out` is cleared and receives `op` over `srcs` (missing keys are
/// passed as empty slices), as long as the longest source, shorter sources
/// read as zero-padded. NOT uses `srcs[0]` only (Redis rejects NOT with
/// more than one key before getting here: "BITOP NOT must be called with a
/// single source key."). Returns the length; 0 means the destination key
/// is deleted.
pub fn bitop(op: BitOp, srcs: &[&[u8]], out: &mut Vec<u8>) -> usize {
    out.clear();
    let maxlen = srcs.iter().map(|s| s.len()).max().unwrap_or(0);
    if maxlen == 0 {
        return 0;
    }
    out.resize(maxlen, 0);
    let first = srcs[0];
    out[..first.len()].copy_from_slice(first);
    match op {
        BitOp::Not => out.iter_mut().for_each(|b| *b = !*b),
        BitOp::And => {
            for src in &srcs[1..] {
                for (o, s) in out.iter_mut().zip(src.iter()) {
                    *o &= s;
                }
                // Past a shorter source's end, its bytes are zero.
                let n = src.len().min(maxlen);
                out[n..].fill(0);
            }
        }
        BitOp::Or => {
            for src in &srcs[1..] {
                for (o, s) in out.iter_mut().zip(src.iter()) {
                    *o |= s;
                }
            }
        }
        BitOp::Xor => {
            for src in &srcs[1..] {
                for (o, s) in out.iter_mut().zip(src.iter()) {
                    *o ^= s;
                }
            }
        }
    }
    maxlen
}

// ===========================================================================
// Single bits
// ===========================================================================

/// GETBIT: bit `offset` of `bytes`, 0 past the end.
pub fn get_bit(bytes: &[u8], offset: u64) -> bool {
    let Ok(byte) = usize::try_from(offset >> 3) else {
        return false;
    };
    match bytes.get(byte) {
        Some(b) => b & (0x80 >> (offset & 7)) != 0,
        None => false,
    }
}

/// SETBIT: sets bit `offset` of `v` to `on`, first growing `v` with zero
/// bytes to hold it; returns the old bit. The offset must come from
/// [`parse_bit_offset`] (Redis's limit keeps the string within
/// `proto-max-bulk-len`); SETBIT dirties the key when `v` grew or the bit
/// changed.
pub fn set_bit(v: &mut Vec<u8>, offset: u64, on: bool) -> bool {
    let Ok(byte) = usize::try_from(offset >> 3) else {
        return false;
    };
    if byte >= v.len() {
        v.resize(byte + 1, 0);
    }
    let mask = 0x80u8 >> (offset & 7);
    let old = v[byte] & mask != 0;
    if on {
        v[byte] |= mask;
    } else {
        v[byte] &= !mask;
    }
    old
}

/// Redis's `getBitOffsetFromArgument` (GETBIT, SETBIT, BITFIELD): a
/// [`parse_i64`] integer, not negative, whose byte (`offset >> 3`) is below
/// `max_bytes` — pass `Some(proto-max-bulk-len)` (512 MiB by default), or
/// None for the master link and AOF loading, which Redis exempts. With
/// `hash_bits > 0` (BITFIELD) `#<n>` means `n × hash_bits`. None is "bit
/// offset is not an integer or out of range".
pub fn parse_bit_offset(arg: &[u8], hash_bits: u32, max_bytes: Option<u64>) -> Option<u64> {
    let use_hash = hash_bits > 0 && arg.first() == Some(&b'#');
    let mut offset = parse_i64(if use_hash { &arg[1..] } else { arg })?;
    if use_hash {
        // C multiplies without an overflow check; two's complement wraps.
        offset = offset.wrapping_mul(i64::from(hash_bits));
    }
    let offset = u64::try_from(offset).ok()?;
    match max_bytes {
        Some(max) if offset >> 3 >= max => None,
        _ => Some(offset),
    }
}

/// Redis's byte length for holding bit `offset` (`offset / 8 + 1`): what
/// SETBIT and BITFIELD grow the string to.
pub fn bytes_for_bit(offset: u64) -> u64 {
    (offset >> 3) + 1
}

// ===========================================================================
// BITFIELD
// ===========================================================================

/// A BITFIELD integer type: `i1`..`i64` or `u1`..`u63`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitfieldType {
    pub signed: bool,
    /// Width in bits.
    pub bits: u32,
}

impl BitfieldType {
    /// Redis's `getBitfieldTypeFromArgument`. None is "Invalid bitfield
    /// type. Use something like i16 u8. Note that u64 is not supported but
    /// i64 is." (u64 is refused because replies are signed 64-bit).
    pub fn parse(arg: &[u8]) -> Option<BitfieldType> {
        let (&kind, width) = arg.split_first()?;
        let signed = match kind {
            b'i' => true,
            b'u' => false,
            _ => return None,
        };
        let bits = parse_i64(width)?;
        let max = if signed { 64 } else { 63 };
        if !(1..=max).contains(&bits) {
            return None;
        }
        Some(BitfieldType {
            signed,
            bits: bits as u32,
        })
    }
}

/// The BITFIELD overflow policy (`OVERFLOW WRAP|SAT|FAIL`, default WRAP).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    Wrap,
    Sat,
    Fail,
}

impl Overflow {
    /// `WRAP`, `SAT` or `FAIL`, any case; None is "Invalid OVERFLOW type
    /// specified".
    pub fn parse(arg: &[u8]) -> Option<Overflow> {
        if arg.eq_ignore_ascii_case(b"wrap") {
            Some(Overflow::Wrap)
        } else if arg.eq_ignore_ascii_case(b"sat") {
            Some(Overflow::Sat)
        } else if arg.eq_ignore_ascii_case(b"fail") {
            Some(Overflow::Fail)
        } else {
            None
        }
    }
}

/// Redis's `getUnsignedBitfield`: `bits` (1..=64) bits at bit `offset`,
/// most significant first; bits past the end of `bytes` read as 0 (as
/// BITFIELD GET's zero-padded copy does).
pub fn get_unsigned_bitfield(bytes: &[u8], offset: u64, bits: u32) -> u64 {
    let mut value: u64 = 0;
    for j in 0..u64::from(bits.min(64)) {
        value = (value << 1) | u64::from(get_bit(bytes, offset.wrapping_add(j)));
    }
    value
}

/// Redis's `getSignedBitfield`: as [`get_unsigned_bitfield`], sign-extended
/// from bit `bits - 1`.
pub fn get_signed_bitfield(bytes: &[u8], offset: u64, bits: u32) -> i64 {
    let bits = bits.clamp(1, 64);
    let value = get_unsigned_bitfield(bytes, offset, bits);
    if bits < 64 && value & (1 << (bits - 1)) != 0 {
        (value | (u64::MAX << bits)) as i64
    } else {
        value as i64
    }
}

/// Redis's `setUnsignedBitfield`: the low `bits` bits of `value` at bit
/// `offset`, most significant first. The caller has grown `bytes` to hold
/// bit `offset + bits - 1`; bits that would fall past the end are dropped.
pub fn set_unsigned_bitfield(bytes: &mut [u8], offset: u64, bits: u32, value: u64) {
    let bits = u64::from(bits.min(64));
    for j in 0..bits {
        let on = value & (1 << (bits - 1 - j)) != 0;
        let bit = offset.wrapping_add(j);
        let Ok(byte) = usize::try_from(bit >> 3) else {
            return;
        };
        let Some(b) = bytes.get_mut(byte) else {
            return;
        };
        let mask = 0x80u8 >> (bit & 7);
        if on {
            *b |= mask;
        } else {
            *b &= !mask;
        }
    }
}

/// Redis's `setSignedBitfield`: two's complement, see
/// [`set_unsigned_bitfield`].
pub fn set_signed_bitfield(bytes: &mut [u8], offset: u64, bits: u32, value: i64) {
    set_unsigned_bitfield(bytes, offset, bits, value as u64);
}

/// Redis's `checkUnsignedBitfieldOverflow`: would `value + incr` leave the
/// range of a `bits`-bit unsigned integer? Returns `(0, _)` if not,
/// `(1, limit)` above the maximum and `(-1, limit)` below 0, where `limit`
/// is what to store: wrapped modulo 2^bits for WRAP, the max or 0 for SAT,
/// meaningless (0) for FAIL (reply nil, store nothing). A SET checks its
/// new value with `incr` 0.
pub fn check_unsigned_bitfield_overflow(
    value: u64,
    incr: i64,
    bits: u32,
    ow: Overflow,
) -> (i32, u64) {
    let bits = bits.clamp(1, 64);
    let max = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let max_incr = max.wrapping_sub(value) as i64;
    let min_incr = value.wrapping_neg() as i64;
    let wrap = || {
        let res = value.wrapping_add(incr as u64);
        if bits == 64 {
            res
        } else {
            res & max
        }
    };
    if value > max || (incr > 0 && incr > max_incr) {
        match ow {
            Overflow::Wrap => (1, wrap()),
            Overflow::Sat => (1, max),
            Overflow::Fail => (1, 0),
        }
    } else if incr < 0 && incr < min_incr {
        match ow {
            Overflow::Wrap => (1, wrap()),
            Overflow::Sat => (-1, 0),
            Overflow::Fail => (-1, 0),
        }
    } else {
        (0, 0)
    }
}

/// Redis's `checkSignedBitfieldOverflow`, for a `bits`-bit signed integer:
/// `(0, _)` in range, `(1, limit)` above the maximum, `(-1, limit)` below
/// the minimum; `limit` wraps two's complement for WRAP, saturates for SAT,
/// is meaningless for FAIL. (Redis reports a WRAP of either direction as
/// 1; so does this.)
pub fn check_signed_bitfield_overflow(
    value: i64,
    incr: i64,
    bits: u32,
    ow: Overflow,
) -> (i32, i64) {
    let bits = bits.clamp(1, 64);
    let max: i64 = if bits == 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let max_incr = (max as u64).wrapping_sub(value as u64) as i64;
    let min_incr = min.wrapping_sub(value);
    let wrap = || {
        let c = (value as u64).wrapping_add(incr as u64);
        let c = if bits < 64 {
            let msb = 1u64 << (bits - 1);
            let mask = u64::MAX << bits;
            if c & msb != 0 {
                c | mask
            } else {
                c & !mask
            }
        } else {
            c
        };
        c as i64
    };
    if value > max || (bits != 64 && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr)
    {
        match ow {
            Overflow::Wrap => (1, wrap()),
            Overflow::Sat => (1, max),
            Overflow::Fail => (1, 0),
        }
    } else if value < min
        || (bits != 64 && incr < min_incr)
        || (value < 0 && incr < 0 && incr < min_incr)
    {
        match ow {
            Overflow::Wrap => (1, wrap()),
            Overflow::Sat => (-1, min),
            Overflow::Fail => (-1, 0),
        }
    } else {
        (0, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The suite's `count_bits_start_end`: set bits in bit range [start, end].
    fn count_bits_range(s: &[u8], start: usize, end: usize) -> u64 {
        (start..=end).filter(|&i| get_bit(s, i as u64)).count() as u64
    }

    #[test]
    fn getrange_like_string_tcl() {
        let s = b"Hello World";
        assert_eq!(getrange(s, 0, 3), b"Hell");
        assert_eq!(getrange(s, 0, -1), b"Hello World");
        assert_eq!(getrange(s, -4, -1), b"orld");
        assert_eq!(getrange(s, 5, 3), b"");
        assert_eq!(getrange(s, 5, 5000), b" World");
        assert_eq!(getrange(s, -5000, 10000), b"Hello World");
        assert_eq!(getrange(b"1234", 3, 5000), b"4");
        assert_eq!(getrange(b"1234", -3, -1), b"234");
        assert_eq!(getrange(b"bar", 0, 4294967297), b"bar");
        assert_eq!(getrange(b"", 0, -1), b"");
        assert_eq!(getrange(s, i64::MIN, i64::MAX), s);
        assert_eq!(getrange(s, i64::MAX, i64::MAX), b"");
        // A reversed all-negative range is empty even where clamping
        // would have produced byte 0.
        assert_eq!(getrange(s, -20, -30), b"");
        assert_eq!(getrange(s, -1, -2), b"");
        assert_eq!(getrange(s, -20, 0), b"H");
        assert_eq!(normalize_range(0, -1, 5), Some((0, 4)));
        assert_eq!(normalize_range(-3, -1, 5), Some((2, 4)));
        assert_eq!(normalize_range(-100, 1, 5), Some((0, 1)));
        assert_eq!(normalize_range(5, 10, 5), None);
        assert_eq!(normalize_range(0, 0, 0), None);
    }

    #[test]
    fn popcount_matches_naive() {
        let data: Vec<u8> = (0..1000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        for len in [0, 1, 7, 8, 9, 27, 28, 29, 64, 999, 1000] {
            let naive: u64 = data[..len].iter().map(|b| u64::from(b.count_ones())).sum();
            assert_eq!(popcount(&data[..len]), naive);
        }
    }

    #[test]
    fn bitcount_like_bitops_tcl() {
        assert_eq!(bitcount(b"xxxx", Some((4, 10, RangeUnit::Byte))), 0);
        assert_eq!(bitcount(b"xxxx", Some((32, 87, RangeUnit::Bit))), 0);
        assert_eq!(bitcount(b"xxxx", Some((-6, -7, RangeUnit::Byte))), 0);
        assert_eq!(bitcount(b"xxxx", Some((-6, -15, RangeUnit::Bit))), 0);
        for vec in [&b""[..], b"\xaa", b"\x00\x00\xff", b"foobar", b"123"] {
            let count = popcount(vec);
            assert_eq!(bitcount(vec, None), count);
            assert_eq!(bitcount(vec, Some((0, -1, RangeUnit::Bit))), count);
        }
        let s = b"foobar";
        assert_eq!(bitcount(s, Some((0, -1, RangeUnit::Byte))), popcount(s));
        assert_eq!(
            bitcount(s, Some((1, -2, RangeUnit::Byte))),
            popcount(b"ooba")
        );
        assert_eq!(bitcount(s, Some((-2, 1, RangeUnit::Byte))), 0);
        assert_eq!(bitcount(s, Some((0, 1000, RangeUnit::Byte))), popcount(s));
        assert_eq!(
            bitcount(s, Some((10, 14, RangeUnit::Bit))),
            count_bits_range(s, 10, 14)
        );
        assert_eq!(
            bitcount(s, Some((3, 14, RangeUnit::Bit))),
            count_bits_range(s, 3, 14)
        );
        assert_eq!(
            bitcount(s, Some((3, 29, RangeUnit::Bit))),
            count_bits_range(s, 3, 29)
        );
        assert_eq!(
            bitcount(s, Some((10, -34, RangeUnit::Bit))),
            count_bits_range(s, 10, 14)
        );
        assert_eq!(
            bitcount(s, Some((3, -34, RangeUnit::Bit))),
            count_bits_range(s, 3, 14)
        );
        assert_eq!(
            bitcount(s, Some((3, -19, RangeUnit::Bit))),
            count_bits_range(s, 3, 29)
        );
        assert_eq!(bitcount(s, Some((-2, 1, RangeUnit::Bit))), 0);
        assert_eq!(bitcount(s, Some((0, 1000, RangeUnit::Bit))), popcount(s));
        assert_eq!(bitcount(b"ab", Some((1, -1, RangeUnit::Byte))), 3);
        assert_eq!(
            bitcount(b"__PPxxxxxxxxxxxxxxxxRR__", Some((2, -3, RangeUnit::Byte))),
            74
        );
        // Same bit range within one byte.
        assert_eq!(bitcount(b"\xff", Some((2, 4, RangeUnit::Bit))), 3);
        assert_eq!(bitcount(b"\xff", Some((7, 7, RangeUnit::Bit))), 1);
    }

    #[test]
    fn bitcount_bit_ranges_exhaustive() {
        let s = b"\x5a\xff\x00\x81\x3c";
        let nbits = (s.len() * 8) as i64;
        for start in -nbits - 3..nbits + 3 {
            for end in -nbits - 3..nbits + 3 {
                let expect = if is_reversed_negative_range(start, end) {
                    0
                } else {
                    let norm = |x: i64| if x < 0 { (nbits + x).max(0) } else { x };
                    let (a, b) = (norm(start), norm(end).min(nbits - 1));
                    if a > b {
                        0
                    } else {
                        count_bits_range(s, a as usize, b as usize)
                    }
                };
                assert_eq!(
                    bitcount(s, Some((start, end, RangeUnit::Bit))),
                    expect,
                    "{start} {end}"
                );
            }
        }
    }

    #[test]
    fn bitpos_like_bitops_tcl() {
        use RangeUnit::{Bit, Byte};
        assert_eq!(bitpos_missing_key(false), 0);
        assert_eq!(bitpos_missing_key(true), -1);
        assert_eq!(bitpos(b"\xff\xf0\x00", false, None, None, Byte), 12);
        assert_eq!(bitpos(b"\xff\xf0\x00", false, Some(0), Some(-1), Bit), 12);
        assert_eq!(bitpos(b"\x00\x0f\x00", true, None, None, Byte), 12);
        assert_eq!(bitpos(b"\x00\x0f\x00", true, Some(0), Some(-1), Bit), 12);
        assert_eq!(bitpos(b"\xff\xf0\x00", false, Some(1), None, Byte), 12);
        assert_eq!(bitpos(b"\xff\xf0\x00", false, Some(1), Some(-1), Bit), 12);
        assert_eq!(bitpos(b"\x00\x0f\xff", true, Some(1), None, Byte), 12);
        assert_eq!(bitpos(b"\x00\x0f\xff", true, Some(1), Some(-1), Bit), 12);

        let mut ones = vec![0xffu8; 27];
        ones.push(0x0f);
        let mut zeros = vec![0u8; 27];
        zeros.push(0xf0);
        for start in 1..=8 {
            assert_eq!(bitpos(&ones, false, Some(start), None, Byte), 216);
            assert_eq!(bitpos(&zeros, true, Some(start), None, Byte), 216);
        }
        for start in [1, 9, 17, 25, 33, 41, 49, 57, 65] {
            assert_eq!(bitpos(&ones, false, Some(start), Some(-1), Bit), 216);
            assert_eq!(bitpos(&zeros, true, Some(start), Some(-1), Bit), 216);
        }
        for n in 0..20 {
            let z = vec![0u8; n];
            assert_eq!(bitpos(&z, true, None, None, Byte), -1);
            assert_eq!(bitpos(&z, true, Some(0), Some(-1), Bit), -1);
        }

        let s = b"\x00\xff\x00";
        assert_eq!(bitpos(s, false, Some(0), Some(-1), Byte), 0);
        assert_eq!(bitpos(s, false, Some(1), Some(-1), Byte), 16);
        assert_eq!(bitpos(s, false, Some(2), Some(-1), Byte), 16);
        assert_eq!(bitpos(s, false, Some(2), Some(200), Byte), 16);
        assert_eq!(bitpos(s, false, Some(1), Some(1), Byte), -1);
        assert_eq!(bitpos(s, false, Some(0), Some(-1), Bit), 0);
        assert_eq!(bitpos(s, false, Some(8), Some(-1), Bit), 16);
        assert_eq!(bitpos(s, false, Some(16), Some(-1), Bit), 16);
        assert_eq!(bitpos(s, false, Some(16), Some(200), Bit), 16);
        assert_eq!(bitpos(s, false, Some(8), Some(8), Bit), -1);
        assert_eq!(bitpos(s, true, Some(0), Some(-1), Byte), 8);
        assert_eq!(bitpos(s, true, Some(1), Some(-1), Byte), 8);
        assert_eq!(bitpos(s, true, Some(2), Some(-1), Byte), -1);
        assert_eq!(bitpos(s, true, Some(2), Some(200), Byte), -1);
        assert_eq!(bitpos(s, true, Some(1), Some(1), Byte), 8);
        assert_eq!(bitpos(s, true, Some(0), Some(-1), Bit), 8);
        assert_eq!(bitpos(s, true, Some(8), Some(-1), Bit), 8);
        assert_eq!(bitpos(s, true, Some(16), Some(-1), Bit), -1);
        assert_eq!(bitpos(s, true, Some(16), Some(200), Bit), -1);
        assert_eq!(bitpos(s, true, Some(8), Some(8), Bit), 8);

        // "BITPOS bit=0 changes behavior if end is given"
        let s = b"\xff\xff\xff";
        assert_eq!(bitpos(s, false, None, None, Byte), 24);
        assert_eq!(bitpos(s, false, Some(0), None, Byte), 24);
        assert_eq!(bitpos(s, false, Some(0), Some(-1), Byte), -1);
        assert_eq!(bitpos(s, false, Some(0), Some(-1), Bit), -1);

        // An existing empty string is not a missing key.
        assert_eq!(bitpos(b"", false, None, None, Byte), -1);
        // No early check for reversed negative ranges, unlike BITCOUNT:
        // (-5, -10) on 3 bytes clamps to byte 0.
        assert_eq!(bitpos(b"\x80\x00\x00", true, Some(-5), Some(-10), Byte), 0);
    }

    #[test]
    fn bitpos_and_bitcount_fuzzy_like_the_suite() {
        // "BITPOS/BITCOUNT fuzzy testing using SETBIT": 80 bits, one odd bit.
        for bit in [false, true] {
            for pos in 0..80u64 {
                let mut s = vec![if bit { 0u8 } else { 0xff }; 10];
                set_bit(&mut s, pos, bit);
                for (unit, scale) in [(RangeUnit::Bit, 1u64), (RangeUnit::Byte, 8)] {
                    let n = 80 / scale;
                    for start in 0..n {
                        for end in start..n {
                            let (sb, eb) = (start * scale, end * scale + scale - 1);
                            let inrange = pos >= sb && pos <= eb;
                            let want_pos = if inrange { pos as i64 } else { -1 };
                            let width = eb - sb + 1;
                            let want_count = match (bit, inrange) {
                                (false, false) => width,
                                (false, true) => width - 1,
                                (true, false) => 0,
                                (true, true) => 1,
                            };
                            let (a, b) = (start as i64, end as i64);
                            assert_eq!(bitpos(&s, bit, Some(a), Some(b), unit), want_pos);
                            assert_eq!(bitcount(&s, Some((a, b, unit))), want_count);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn bitop_like_bitops_tcl() {
        let mut out = Vec::new();
        assert_eq!(bitop(BitOp::Not, &[b""], &mut out), 0);
        assert!(out.is_empty());
        bitop(BitOp::Not, &[b"\xaa\x00\xff\x55"], &mut out);
        assert_eq!(out, b"\x55\xff\x00\xaa");
        for op in [BitOp::And, BitOp::Or, BitOp::Xor] {
            bitop(op, &[b"\x01\x02\xff"], &mut out);
            assert_eq!(out, b"\x01\x02\xff");
        }
        bitop(BitOp::And, &[b"", b"\x01\x02\xff"], &mut out);
        assert_eq!(out, b"\x00\x00\x00");
        bitop(BitOp::Or, &[b"", b"\x01\x02\xff", b""], &mut out);
        assert_eq!(out, b"\x01\x02\xff");
        bitop(BitOp::Xor, &[b"", b"\x01\x02\xff"], &mut out);
        assert_eq!(out, b"\x01\x02\xff");
        let (a, b) = (&b"\x01\x02\xff\xff"[..], &b"\x01\x02\xff"[..]);
        bitop(BitOp::And, &[a, b], &mut out);
        assert_eq!(out, b"\x01\x02\xff\x00");
        bitop(BitOp::Or, &[a, b], &mut out);
        assert_eq!(out, b"\x01\x02\xff\xff");
        bitop(BitOp::Xor, &[a, b], &mut out);
        assert_eq!(out, b"\x00\x00\x00\xff");
        bitop(BitOp::Xor, &[b"1", b"2", b"1"], &mut out);
        assert_eq!(out, b"2");
        assert_eq!(bitop(BitOp::Or, &[&[0u8; 32], b""], &mut out), 32);
        assert_eq!(bitop(BitOp::And, &[], &mut out), 0);
        assert_eq!(BitOp::parse(b"aNd"), Some(BitOp::And));
        assert_eq!(BitOp::parse(b"NOT"), Some(BitOp::Not));
        assert_eq!(BitOp::parse(b"nand"), None);
        assert_eq!(RangeUnit::parse(b"BIT"), Some(RangeUnit::Bit));
        assert_eq!(RangeUnit::parse(b"byte"), Some(RangeUnit::Byte));
        assert_eq!(RangeUnit::parse(b"bits"), None);
    }

    #[test]
    fn setbit_getbit_like_string_tcl() {
        let mut v = Vec::new();
        assert!(!set_bit(&mut v, 1, true));
        assert_eq!(v, b"\x40");
        assert!(!set_bit(&mut v, 2, true));
        assert_eq!(v, b"\x60");
        assert!(set_bit(&mut v, 1, false));
        assert_eq!(v, b"\x20");
        assert!(!set_bit(&mut v, 6, true));
        assert!(set_bit(&mut v, 2, false));
        assert_eq!(v, b"\x02");
        assert!(!set_bit(&mut v, 23, true));
        assert_eq!(v, b"\x02\x00\x01");
        // "`" is 0b01100000.
        assert!(!get_bit(b"`", 0));
        assert!(get_bit(b"`", 1));
        assert!(get_bit(b"`", 2));
        assert!(!get_bit(b"`", 3));
        assert!(!get_bit(b"`", 8));
        assert!(!get_bit(b"`", 10000));
        assert!(!get_bit(b"`", u64::MAX));
        assert_eq!(bytes_for_bit(0), 1);
        assert_eq!(bytes_for_bit(90), 12);
    }

    #[test]
    fn bit_offsets() {
        let max = Some(512 * 1024 * 1024);
        assert_eq!(parse_bit_offset(b"0", 0, max), Some(0));
        assert_eq!(parse_bit_offset(b"4294967295", 0, max), Some(4294967295));
        assert_eq!(parse_bit_offset(b"4294967296", 0, max), None); // 4 Gbit = 512 MiB
        assert_eq!(parse_bit_offset(b"4294967296", 0, None), Some(4294967296));
        assert_eq!(parse_bit_offset(b"-1", 0, max), None);
        assert_eq!(parse_bit_offset(b"1.0", 0, max), None);
        assert_eq!(parse_bit_offset(b"#1", 0, max), None);
        assert_eq!(parse_bit_offset(b"#2", 8, max), Some(16));
        assert_eq!(parse_bit_offset(b"#-1", 8, max), None);
        assert_eq!(parse_bit_offset(b"#", 8, max), None);
        assert_eq!(parse_bit_offset(b"#9223372036854775807", 64, None), None); // wraps negative
    }

    #[test]
    fn bitfield_types_and_policies() {
        let t = |signed, bits| Some(BitfieldType { signed, bits });
        assert_eq!(BitfieldType::parse(b"i8"), t(true, 8));
        assert_eq!(BitfieldType::parse(b"u63"), t(false, 63));
        assert_eq!(BitfieldType::parse(b"i64"), t(true, 64));
        assert_eq!(BitfieldType::parse(b"i1"), t(true, 1));
        for bad in [
            &b"u64"[..],
            b"i65",
            b"i0",
            b"u0",
            b"I8",
            b"i08",
            b"i",
            b"",
            b"x8",
            b"i-1",
        ] {
            assert_eq!(BitfieldType::parse(bad), None);
        }
        assert_eq!(Overflow::parse(b"WRAP"), Some(Overflow::Wrap));
        assert_eq!(Overflow::parse(b"sat"), Some(Overflow::Sat));
        assert_eq!(Overflow::parse(b"Fail"), Some(Overflow::Fail));
        assert_eq!(Overflow::parse(b"saturate"), None);
    }

    #[test]
    fn bitfield_get_set_like_bitfield_tcl() {
        let mut v = vec![0u8; 1];
        set_signed_bitfield(&mut v, 0, 8, -100);
        assert_eq!(get_signed_bitfield(&v, 0, 8), -100);
        set_signed_bitfield(&mut v, 0, 8, 101);
        assert_eq!(get_signed_bitfield(&v, 0, 8), 101);
        set_unsigned_bitfield(&mut v, 0, 8, 255);
        assert_eq!(get_signed_bitfield(&v, 0, 8), -1);
        assert_eq!(get_unsigned_bitfield(&v, 0, 8), 255);
        let mut abc = vec![0u8; 3];
        for (i, c) in b"ABC".iter().enumerate() {
            set_unsigned_bitfield(&mut abc, i as u64 * 8, 8, u64::from(*c));
        }
        assert_eq!(abc, b"ABC");
        // Unaligned: 5-bit 23 at offset 7 → 00000001 01110000.
        let mut w = vec![0u8; 2];
        set_unsigned_bitfield(&mut w, 7, 5, 23);
        assert_eq!(w, [0b0000_0001, 0b0111_0000]);
        assert_eq!(get_unsigned_bitfield(&w, 7, 5), 23);
        // Reads past the end are zero-padded; i64 round-trips.
        assert_eq!(get_unsigned_bitfield(b"\xff", 4, 8), 0xf0);
        let mut big = vec![0u8; 9];
        set_signed_bitfield(&mut big, 3, 64, i64::MIN + 5);
        assert_eq!(get_signed_bitfield(&big, 3, 64), i64::MIN + 5);
    }

    #[test]
    fn bitfield_overflow_like_bitfield_tcl() {
        use Overflow::*;
        // u8 100 + 257 / 255, WRAP and SAT.
        assert_eq!(
            check_unsigned_bitfield_overflow(100, 257, 8, Wrap),
            (1, 101)
        );
        assert_eq!(
            check_unsigned_bitfield_overflow(101, 255, 8, Wrap),
            (1, 100)
        );
        assert_eq!(check_unsigned_bitfield_overflow(100, 257, 8, Sat), (1, 255));
        assert_eq!(check_unsigned_bitfield_overflow(255, -255, 8, Sat), (0, 0));
        assert_eq!(check_unsigned_bitfield_overflow(100, -255, 8, Sat), (-1, 0));
        assert_eq!(check_unsigned_bitfield_overflow(10, 100, 8, Wrap), (0, 0));
        // i8 100 + 257 / 255 WRAP; SAT from 100 (read as i8 100).
        assert_eq!(check_signed_bitfield_overflow(100, 257, 8, Wrap), (1, 101));
        assert_eq!(check_signed_bitfield_overflow(101, 255, 8, Wrap), (1, 100));
        assert_eq!(check_signed_bitfield_overflow(100, 257, 8, Sat), (1, 127));
        assert_eq!(check_signed_bitfield_overflow(127, -255, 8, Sat), (0, 0)); // exactly -128
        assert_eq!(
            check_signed_bitfield_overflow(127, -256, 8, Sat),
            (-1, -128)
        );
        assert_eq!(check_signed_bitfield_overflow(-128, 0, 8, Fail), (0, 0));
        assert_eq!(check_signed_bitfield_overflow(128, 0, 8, Fail).0, 1);
        assert_eq!(
            check_signed_bitfield_overflow(i64::MAX, 1, 64, Wrap),
            (1, i64::MIN)
        );
        assert_eq!(
            check_signed_bitfield_overflow(i64::MIN, -1, 64, Sat),
            (-1, i64::MIN)
        );
    }

    #[test]
    fn bitfield_overflow_fuzzing_against_wide_math() {
        // The suite's "overflow detection" and "overflow wrap" fuzzers,
        // against i128 arithmetic.
        let mut x: u64 = 0x1234_5678_9abc_def1;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..200_000 {
            let bits = (next() % 64) as u32 + 1;
            let signed = bits == 64 || next() % 2 == 0;
            let range = 1i128 << bits;
            let min: i128 = if signed { -(range / 2) } else { 0 };
            let max = min + range - 1;
            let clamp = |v: i128| v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
            let value = clamp(min * 2 + (next() as i128).rem_euclid(range * 2));
            let incr = clamp(min * 2 + (next() as i128).rem_euclid(range * 2));
            let (value128, incr128) = (i128::from(value), i128::from(incr));
            if signed {
                let overflow = value128 > max
                    || value128 < min
                    || value128 + incr128 > max
                    || value128 + incr128 < min;
                assert_eq!(
                    check_signed_bitfield_overflow(value, incr, bits, Overflow::Fail).0 != 0,
                    overflow,
                    "i{bits} {value}+{incr}"
                );
                // WRAP, as SET then INCRBY.
                let (o, w) = check_signed_bitfield_overflow(value, 0, bits, Overflow::Wrap);
                let stored = if o != 0 { w } else { value };
                let (o, w) = check_signed_bitfield_overflow(stored, incr, bits, Overflow::Wrap);
                let got = if o != 0 { w } else { stored + incr };
                let want = (value128 + incr128 - min).rem_euclid(range) + min;
                assert_eq!(i128::from(got), want, "i{bits} {value}+{incr}");
            } else {
                let uvalue = value as u64;
                let overflow = value128 > max
                    || value128 < 0
                    || value128 + incr128 > max
                    || value128 + incr128 < 0;
                assert_eq!(
                    check_unsigned_bitfield_overflow(uvalue, 0, bits, Overflow::Fail).0 != 0
                        || check_unsigned_bitfield_overflow(uvalue, incr, bits, Overflow::Fail).0
                            != 0,
                    overflow,
                    "u{bits} {value}+{incr}"
                );
            }
        }
    }

    #[test]
    fn no_panics_on_extreme_arguments() {
        let s = b"\x01\x02\x03";
        for &a in &[i64::MIN, i64::MIN + 1, -1, 0, 1, 23, 24, i64::MAX] {
            for &b in &[i64::MIN, -1, 0, 2, 23, 24, i64::MAX] {
                let _ = getrange(s, a, b);
                let _ = getrange(b"", a, b);
                for unit in [RangeUnit::Byte, RangeUnit::Bit] {
                    let _ = bitcount(s, Some((a, b, unit)));
                    let _ = bitcount(b"", Some((a, b, unit)));
                    for bit in [false, true] {
                        let _ = bitpos(s, bit, Some(a), Some(b), unit);
                        let _ = bitpos(s, bit, Some(a), None, unit);
                        let _ = bitpos(b"", bit, Some(a), Some(b), unit);
                    }
                }
            }
        }
        for bits in [0, 1, 63, 64, 65, u32::MAX] {
            let _ = get_signed_bitfield(s, u64::MAX, bits);
            let mut m = s.to_vec();
            set_unsigned_bitfield(&mut m, u64::MAX - 3, bits, u64::MAX);
            let _ = check_signed_bitfield_overflow(i64::MIN, i64::MIN, bits, Overflow::Wrap);
            let _ = check_unsigned_bitfield_overflow(u64::MAX, i64::MIN, bits, Overflow::Wrap);
        }
    }
}
