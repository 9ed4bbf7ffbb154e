//! Numbers as Redis reads and writes them, byte for byte.
//!
//! Owns the conversions between argument bytes and numbers that Redis keeps
//! in `util.c`, `object.c`, `networking.c` and `server.c`:
//!
//! | here                                  | Redis                                   | used by                           |
//! |---------------------------------------|-----------------------------------------|-----------------------------------|
//! | [`parse_i64`]                         | `string2ll`                             | every integer argument, INCR      |
//! | [`parse_u64`]                         | `string2ull`                            | stream IDs                        |
//! | [`strtoll`], [`strtoull`]             | libc `strtoll`/`strtoull` (base 10)     | RDB aux fields, PSYNC replies     |
//! | [`parse_memory`]                      | `memtoull`                              | `maxmemory 1gb` in the config     |
//! | [`parse_f64`]                         | `string2d`                              | ZADD, ZINCRBY, weights            |
//! | [`parse_f64_range_bound`]             | `strtod` in `zslParseRange`             | ZRANGEBYSCORE, ZCOUNT             |
//! | [`parse_f64_sort`]                    | `strtod` in `sortCommand`               | SORT without ALPHA                |
//! | [`LongDouble::parse`]                 | `string2ld`                             | INCRBYFLOAT, HINCRBYFLOAT         |
//! | [`parse_timeout_ms`]                  | `getTimeoutFromObjectOrReply` (seconds) | BLPOP and friends                 |
//! | [`fmt_i64`], [`fmt_u64`], [`push_i64`]| `ll2string`, `ull2string`               | `:<n>`, `$<len>`, `*<n>` headers  |
//! | [`fmt_double_g17`], [`g17`]           | `printf("%.17g")` in `addReplyDouble`   | ZSCORE, RESP3 `,<double>`         |
//! | [`fmt_d2string`]                      | `d2string`                              | scores stored in listpacks        |
//! | [`LongDouble::fmt_human`]             | `ld2string(LD_STR_HUMAN)`               | INCRBYFLOAT, HINCRBYFLOAT replies |
//! | [`fmt_fixed`], [`bytes_to_human`]     | `printf("%.2f")`, `bytesToHuman`        | INFO                              |
//!
//! **Never allocates on a parse path**: every `parse_*` works on the borrowed
//! bytes and, where exact decimal arithmetic is needed, on fixed-size stack
//! buffers. Formatters append to a caller's `Vec` (or fill a stack
//! [`NumBuf`]), so they allocate only if that `Vec` must grow. Nothing here
//! panics, whatever the input.
//!
//! ## Why a software `long double`
//! INCRBYFLOAT and HINCRBYFLOAT compute in C `long double`, which on x86-64
//! (where Redis's own suite checks the output, see "issue #2846" in
//! `tests/unit/type/hash.tcl`) is the x87 80-bit format: a 64-bit mantissa.
//! The reply is `%.17Lf` with trailing zeros trimmed. Those 11 extra bits
//! are what make `1 + -1.1` print `-0.1` and `2 + -0.1` print `1.9`; in
//! `f64` they would print `-0.10000000000000009` and `1.89999999999999991`.
//! No choice of `f64` formatting reproduces Redis for every input (15 digits
//! breaks `1.2345678901234567`, 17 digits breaks `-0.1`), so [`LongDouble`]
//! emulates the x87 format exactly: correctly rounded parsing like glibc's
//! `strtold`, correctly rounded addition, and exact `%.17Lf` printing.
//! The result is bit-identical to Redis on x86-64 Linux.

use std::cmp::Ordering;
use std::fmt::Write as _;

/// Size of Redis's buffer for a `long long` as text, including the NUL
/// (`LONG_STR_SIZE` in `util.h`): `string2ll` rejects inputs of this many
/// bytes or more, so the longest accepted integer is 20 bytes.
pub const LONG_STR_SIZE: usize = 21;

/// Size in bytes of Redis's buffer for a `long double` as text
/// (`MAX_LONG_DOUBLE_CHARS` in `util.h`, 5 KiB): `string2ld` rejects inputs
/// of this many bytes or more.
pub const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;

/// Size in bytes of Redis's buffer for `d2string` (`MAX_D2STRING_CHARS` in
/// `util.h`); our output is at most 24 bytes.
pub const MAX_D2STRING_CHARS: usize = 128;

/// The characters C's `isspace` accepts in the "C" locale, which Redis never
/// changes for numbers (it only sets `LC_COLLATE`).
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Byte `i` of `s`, or NUL past the end: C string semantics, so scanners
/// written against `strtod` stop where C would.
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// The part of `s` before its first NUL: what a C function taking a
/// `char *` (not a length) sees of an argument.
fn c_str(s: &[u8]) -> &[u8] {
    match s.iter().position(|&c| c == 0) {
        Some(n) => &s[..n],
        None => s,
    }
}

// ===========================================================================
// Integers: parsing
// ===========================================================================

/// Redis's `string2ll`: the strict integer syntax. Accepts `0` and
/// `-?[1-9][0-9]*` within `i64`; rejects empty input, 21+ bytes, a leading
/// `+`, leading zeros, `-0`, spaces anywhere and overflow. A string that
/// passes round-trips exactly through [`fmt_i64`], which is why Redis uses
/// it to decide whether a value can be stored as an integer.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= LONG_STR_SIZE {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    let (&first, rest) = digits.split_first()?;
    if !(b'1'..=b'9').contains(&first) {
        return None;
    }
    let mut v = u64::from(first - b'0');
    for &c in rest {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if negative {
        // |i64::MIN| = i64::MAX + 1 is the one magnitude only a negative fits.
        if v > i64::MAX as u64 + 1 {
            None
        } else {
            Some(0i64.wrapping_sub_unsigned(v))
        }
    } else {
        i64::try_from(v).ok()
    }
}

/// Redis's `string2ull`: [`parse_i64`] first (negative results rejected),
/// then libc `strtoull` on the argument as a C string, which is laxer:
/// leading whitespace, `+`, leading zeros and values above `i64::MAX` are
/// accepted, and — a libc quirk Redis inherits — a `-` that `string2ll`
/// refused (`"-01"`) negates modulo 2^64. Bytes after a NUL are ignored.
pub fn parse_u64(s: &[u8]) -> Option<u64> {
    let s = c_str(s);
    if let Some(v) = parse_i64(s) {
        return u64::try_from(v).ok();
    }
    let (v, consumed, erange) = strtoull(s);
    if erange || s.is_empty() || consumed != s.len() {
        None
    } else {
        Some(v)
    }
}

/// Digits and sign of a C `strto*` integer: `(negative, magnitude
/// saturated at u64::MAX, overflowed, bytes consumed)`, or None when no
/// digit follows the optional whitespace and sign.
fn scan_c_integer(s: &[u8]) -> Option<(bool, u64, bool, usize)> {
    let mut i = s.iter().take_while(|&&c| is_c_space(c)).count();
    let mut negative = false;
    if matches!(at(s, i), b'+' | b'-') {
        negative = at(s, i) == b'-';
        i += 1;
    }
    let start = i;
    let mut v: u64 = 0;
    let mut overflow = false;
    while at(s, i).is_ascii_digit() {
        match v
            .checked_mul(10)
            .and_then(|x| x.checked_add(u64::from(at(s, i) - b'0')))
        {
            Some(x) => v = x,
            None => {
                overflow = true;
                v = u64::MAX;
            }
        }
        i += 1;
    }
    if i == start {
        None
    } else {
        Some((negative, v, overflow, i))
    }
}

/// libc `strtoll(s, &end, 10)`: returns `(value, bytes consumed, ERANGE)`.
/// Skips leading C whitespace, takes an optional sign, stops at the first
/// non-digit; saturates at `i64::MIN`/`i64::MAX` with ERANGE; `(0, 0,
/// false)` when there is no number. Redis uses `strtoll(x, NULL, 10)` where
/// trailing garbage is tolerated: RDB aux fields, `+FULLRESYNC` offsets.
pub fn strtoll(s: &[u8]) -> (i64, usize, bool) {
    match scan_c_integer(s) {
        None => (0, 0, false),
        Some((negative, mag, overflow, end)) => {
            if negative {
                if overflow || mag > i64::MAX as u64 + 1 {
                    (i64::MIN, end, true)
                } else {
                    (0i64.wrapping_sub_unsigned(mag), end, false)
                }
            } else if overflow || mag > i64::MAX as u64 {
                (i64::MAX, end, true)
            } else {
                (mag as i64, end, false)
            }
        }
    }
}

/// libc `strtoull(s, &end, 10)`: returns `(value, bytes consumed, ERANGE)`.
/// Like [`strtoll`], but a leading `-` negates modulo 2^64 and overflow
/// (of the magnitude, either sign) gives `u64::MAX` with ERANGE.
pub fn strtoull(s: &[u8]) -> (u64, usize, bool) {
    match scan_c_integer(s) {
        None => (0, 0, false),
        Some((_, _, true, end)) => (u64::MAX, end, true),
        Some((negative, mag, false, end)) => {
            (if negative { mag.wrapping_neg() } else { mag }, end, false)
        }
    }
}

/// Redis's `memtoull`, for memory sizes in the config file: digits followed
/// by nothing, `b`, `k` (1000), `kb` (1024), `m`, `mb`, `g`, `gb` (unit
/// case-insensitive). Faithful to its quirks: no digits means 0 (`"kb"` is
/// 0), a leading `-` is an error, 128 or more digits is an error, and an
/// overflowing number saturates before the unit multiplies (wrapping).
/// Bytes after a NUL are ignored, as in C.
pub fn parse_memory(s: &[u8]) -> Option<u64> {
    let s = c_str(s);
    if s.first() == Some(&b'-') {
        return None;
    }
    let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
    let unit = &s[digits..];
    let mul: u64 = if unit.is_empty() || unit.eq_ignore_ascii_case(b"b") {
        1
    } else if unit.eq_ignore_ascii_case(b"k") {
        1000
    } else if unit.eq_ignore_ascii_case(b"kb") {
        1024
    } else if unit.eq_ignore_ascii_case(b"m") {
        1000 * 1000
    } else if unit.eq_ignore_ascii_case(b"mb") {
        1024 * 1024
    } else if unit.eq_ignore_ascii_case(b"g") {
        1000 * 1000 * 1000
    } else if unit.eq_ignore_ascii_case(b"gb") {
        1024 * 1024 * 1024
    } else {
        return None;
    };
    // memtoull copies the digits into a 128-byte buffer first.
    if digits >= 128 {
        return None;
    }
    let (v, _, _) = strtoull(&s[..digits]);
    Some(v.wrapping_mul(mul))
}

// ===========================================================================
// Integers: formatting
// ===========================================================================

/// Number of decimal digits of `v` (Redis's `digits10`).
pub fn digits10(v: u64) -> usize {
    let mut n = 1;
    let mut x = v;
    while x >= 10 {
        x /= 10;
        n += 1;
    }
    n
}

/// Length of `v` as decimal text including a `-` (Redis's `sdigits10`).
pub fn sdigits10(v: i64) -> usize {
    digits10(v.unsigned_abs()) + usize::from(v < 0)
}

/// Pairs "00".."99": two digits per division, as Redis's `ull2string`.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Redis's `ull2string`: `v` in decimal, written at the end of `buf`
/// (u64::MAX has 20 digits); returns the written tail.
pub fn fmt_u64(v: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    let mut x = v;
    while x >= 100 {
        let pair = (x % 100) as usize * 2;
        x /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if x >= 10 {
        let pair = x as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + x as u8;
    }
    &buf[i..]
}

/// Redis's `ll2string`: `v` in decimal (i64::MIN is 20 bytes with its
/// sign), written at the end of `buf`; returns the written tail. Never
/// allocates: this is the reply path for `:<n>\r\n` and `$<len>\r\n`.
pub fn fmt_i64(v: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut digits = [0u8; 20];
    let d = fmt_u64(v.unsigned_abs(), &mut digits);
    let n = d.len() + usize::from(v < 0);
    let start = 20 - n;
    if v < 0 {
        buf[start] = b'-';
    }
    buf[20 - d.len()..].copy_from_slice(d);
    &buf[start..]
}

/// Appends `v` in decimal to `out`.
pub fn push_i64(v: i64, out: &mut Vec<u8>) {
    let mut buf = [0u8; 20];
    out.extend_from_slice(fmt_i64(v, &mut buf));
}

/// Appends `v` in decimal to `out`.
pub fn push_u64(v: u64, out: &mut Vec<u8>) {
    let mut buf = [0u8; 20];
    out.extend_from_slice(fmt_u64(v, &mut buf));
}

/// A short number as text on the stack (room for 40 bytes; `%.17g` needs
/// at most 24). Derefs to the bytes, so a reply writer can take the length
/// for a `$<len>` header before copying the digits.
#[derive(Clone, Copy)]
pub struct NumBuf {
    buf: [u8; 40],
    len: usize,
}

impl NumBuf {
    fn new() -> NumBuf {
        NumBuf {
            buf: [0; 40],
            len: 0,
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        let room = self.buf.len() - self.len;
        let n = bytes.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
        self.len += n;
    }

    /// The text.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl std::ops::Deref for NumBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl std::fmt::Debug for NumBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

impl std::fmt::Write for NumBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if s.len() > self.buf.len() - self.len {
            return Err(std::fmt::Error);
        }
        self.push(s.as_bytes());
        Ok(())
    }
}

// ===========================================================================
// Doubles: formatting
// ===========================================================================

/// Significant digits of Redis's `%.17g`: enough for any `f64` to
/// round-trip (`DBL_DECIMAL_DIG`).
const G17_DIGITS: i32 = 17;

/// C's `printf("%.17g", v)` as glibc prints it: 17 significant digits,
/// correctly rounded (ties to even), `%f` style when the decimal exponent
/// is in `-4..17` and `%e` style (`1e+20`, `1.5e-07`) otherwise, trailing
/// zeros and a bare `.` removed; `inf`, `-inf`, `nan`, `-nan`, `-0`.
pub fn g17(v: f64) -> NumBuf {
    let mut out = NumBuf::new();
    if v.is_nan() {
        out.push(if v.is_sign_negative() {
            b"-nan"
        } else {
            b"nan"
        });
        return out;
    }
    if v.is_infinite() {
        out.push(if v < 0.0 { b"-inf" } else { b"inf" });
        return out;
    }
    // Fast path: %g prints an integer below 10^17 as its plain digits
    // (integral scores are common). Negative zero must stay "-0".
    if v.fract() == 0.0 && v.abs() < 1e17 && !(v == 0.0 && v.is_sign_negative()) {
        let mut buf = [0u8; 20];
        out.push(fmt_i64(v as i64, &mut buf));
        return out;
    }
    // Rust's exact formatting (ties to even, like glibc) gives the 17
    // digits and the exponent; %g decides the layout.
    let mut e = NumBuf::new();
    if write!(e, "{:.16e}", v).is_err() {
        return out; // unreachable: at most 24 bytes
    }
    let text = e.as_bytes();
    let (negative, text) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let Some(epos) = text.iter().position(|&c| c == b'e') else {
        return out;
    };
    let mut digits = [b'0'; G17_DIGITS as usize];
    let mut nd = 0;
    for &c in text[..epos].iter().filter(|c| c.is_ascii_digit()) {
        if nd < digits.len() {
            digits[nd] = c;
            nd += 1;
        }
    }
    let exp = match std::str::from_utf8(&text[epos + 1..])
        .ok()
        .and_then(|x| x.parse::<i32>().ok())
    {
        Some(x) => x,
        None => return out,
    };
    // %g trims trailing zeros of the 17 digits whatever the style.
    let mut sig = digits.len();
    while sig > 1 && digits[sig - 1] == b'0' {
        sig -= 1;
    }
    let digits = &digits[..sig];
    if negative {
        out.push(b"-");
    }
    if (-4..G17_DIGITS).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                out.push(digits);
                for _ in digits.len()..int_len {
                    out.push(b"0");
                }
            } else {
                out.push(&digits[..int_len]);
                out.push(b".");
                out.push(&digits[int_len..]);
            }
        } else {
            out.push(b"0.");
            for _ in 0..(-exp - 1) {
                out.push(b"0");
            }
            out.push(digits);
        }
    } else {
        out.push(&digits[..1]);
        if digits.len() > 1 {
            out.push(b".");
            out.push(&digits[1..]);
        }
        out.push(if exp < 0 { b"e-" } else { b"e+" });
        let mag = exp.unsigned_abs();
        if mag < 10 {
            out.push(b"0");
        }
        let mut buf = [0u8; 20];
        out.push(fmt_u64(u64::from(mag), &mut buf));
    }
    out
}

/// Appends C's `%.17g` of `v` (see [`g17`]). This is what Redis 7.0 replies
/// for a double: `addReplyDouble` sends it as a bulk string in RESP2 and as
/// `,<text>\r\n` in RESP3 (inf as `inf`/`-inf` in both), for ZSCORE,
/// ZINCRBY, ZRANGE WITHSCORES, ZMSCORE and so on. Also the text of
/// `rioWriteBulkDouble` (AOF rewrite) and of the old RDB double encoding.
pub fn fmt_double_g17(v: f64, out: &mut Vec<u8>) {
    out.extend_from_slice(&g17(v));
}

/// Redis's `d2string`: `nan`, `inf`, `-inf`, `0`, `-0`; a value that
/// `double2ll` accepts (integral and within ±(2^63-1)/2, i.e. ±4.6e18) as
/// an integer; anything else as `%.17g`. Differs from [`fmt_double_g17`]
/// only for integral values of 1e17 or more (`1e18` → `1000000000000000000`
/// here, `1e+18` there). Redis uses it for scores kept in listpacks.
pub fn d2string(v: f64) -> NumBuf {
    let mut out = NumBuf::new();
    if v.is_nan() {
        out.push(b"nan");
    } else if v.is_infinite() {
        out.push(if v < 0.0 { b"-inf" } else { b"inf" });
    } else if v == 0.0 {
        out.push(if v.is_sign_negative() { b"-0" } else { b"0" });
    } else if let Some(i) = double2ll(v) {
        let mut buf = [0u8; 20];
        out.push(fmt_i64(i, &mut buf));
    } else {
        return g17(v);
    }
    out
}

/// Appends [`d2string`] of `v`.
pub fn fmt_d2string(v: f64, out: &mut Vec<u8>) {
    out.extend_from_slice(&d2string(v));
}

/// Redis's `double2ll`: `v` as an i64 when it is integral and within
/// ±(i64::MAX / 2) as a double, the range where the cast is safe.
pub fn double2ll(v: f64) -> Option<i64> {
    let limit = (i64::MAX / 2) as f64;
    if !(-limit..=limit).contains(&v) {
        return None;
    }
    let i = v as i64;
    if i as f64 == v {
        Some(i)
    } else {
        None
    }
}

/// C's `printf("%.*f", decimals, v)` (glibc: exact, ties to even; `inf`,
/// `-inf`, `nan`, `-nan`; `-0.00` for negative zero). INFO uses `%.2f`.
pub fn fmt_fixed(v: f64, decimals: usize, out: &mut Vec<u8>) {
    if v.is_nan() {
        out.extend_from_slice(if v.is_sign_negative() {
            b"-nan"
        } else {
            b"nan"
        });
    } else if v.is_infinite() {
        out.extend_from_slice(if v < 0.0 { b"-inf" } else { b"inf" });
    } else {
        let mut s = FmtVec(out);
        let _ = write!(s, "{:.*}", decimals, v);
    }
}

/// Adapter so `write!` can append to a `Vec<u8>`.
struct FmtVec<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for FmtVec<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Redis's `bytesToHuman` (INFO's `used_memory_human` and friends):
/// `<n>B` under 1 KiB, then `%.2f` followed by `K`, `M`, `G`, `T`, `P`
/// (powers of 1024), and `<n>B` again from 1 EiB up.
pub fn bytes_to_human(n: u64, out: &mut Vec<u8>) {
    const UNITS: [(u64, u8); 5] = [
        (1 << 10, b'K'),
        (1 << 20, b'M'),
        (1 << 30, b'G'),
        (1 << 40, b'T'),
        (1 << 50, b'P'),
    ];
    if !(1 << 10..1 << 60).contains(&n) {
        push_u64(n, out);
        out.push(b'B');
        return;
    }
    for (unit, letter) in UNITS {
        if n < unit << 10 {
            fmt_fixed(n as f64 / unit as f64, 2, out);
            out.push(letter);
            return;
        }
    }
}

// ===========================================================================
// Floating point text: the strtod grammar
// ===========================================================================

/// Exponents are saturated here while scanning: far beyond any finite
/// binary64 or x87 value (whose decimal exponents stay within ±5000, plus
/// at most 5119 digits of mantissa), far from overflowing i64 arithmetic.
const EXP_SATURATION: i64 = 1_000_000_000;

/// What a floating point literal says, as glibc's `strtod` reads it.
#[derive(Clone, Copy)]
enum FloatBody<'a> {
    Inf,
    Nan,
    /// `int.frac × 10^exp`; `int` and `frac` are ASCII digits.
    Dec {
        int: &'a [u8],
        frac: &'a [u8],
        exp: i64,
    },
    /// `0x int.frac × 2^exp`; `int` and `frac` are ASCII hex digits.
    Hex {
        int: &'a [u8],
        frac: &'a [u8],
        exp: i64,
    },
}

#[derive(Clone, Copy)]
struct FloatScan<'a> {
    negative: bool,
    body: FloatBody<'a>,
    /// Bytes of the input the literal covers (`endptr - nptr`).
    end: usize,
}

fn starts_with_ignore_case(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// The longest prefix of `s` that glibc's `strtod` converts (leading
/// whitespace is left to the caller), or None when it converts nothing.
/// Grammar: `[+-]` then `inf` | `infinity` | `nan` | `nan(<[A-Za-z0-9_]*>)`
/// (case-insensitive) | `0x` hex-mantissa `[p[+-]digits]` | decimal
/// mantissa `[e[+-]digits]`, where a mantissa is digits with an optional
/// `.` and at least one digit, and an incomplete exponent is not consumed.
fn scan_float(s: &[u8]) -> Option<FloatScan<'_>> {
    let mut i = 0;
    let mut negative = false;
    if matches!(at(s, 0), b'+' | b'-') {
        negative = at(s, 0) == b'-';
        i = 1;
    }
    let rest = s.get(i..)?;
    if starts_with_ignore_case(rest, b"inf") {
        let n = if starts_with_ignore_case(rest, b"infinity") {
            8
        } else {
            3
        };
        return Some(FloatScan {
            negative,
            body: FloatBody::Inf,
            end: i + n,
        });
    }
    if starts_with_ignore_case(rest, b"nan") {
        let mut n = 3;
        if at(rest, 3) == b'(' {
            let mut j = 4;
            while at(rest, j).is_ascii_alphanumeric() || at(rest, j) == b'_' {
                j += 1;
            }
            if at(rest, j) == b')' {
                n = j + 1;
            }
        }
        return Some(FloatScan {
            negative,
            body: FloatBody::Nan,
            end: i + n,
        });
    }
    if at(rest, 0) == b'0' && matches!(at(rest, 1), b'x' | b'X') {
        if let Some((int, frac, len)) = scan_mantissa(&rest[2..], |c| c.is_ascii_hexdigit()) {
            let (exp, elen) = scan_exponent(&rest[2 + len..], b'p');
            return Some(FloatScan {
                negative,
                body: FloatBody::Hex { int, frac, exp },
                end: i + 2 + len + elen,
            });
        }
        // "0x" without hex digits: strtod reads the "0" alone.
    }
    let (int, frac, len) = scan_mantissa(rest, |c| c.is_ascii_digit())?;
    let (exp, elen) = scan_exponent(&rest[len..], b'e');
    Some(FloatScan {
        negative,
        body: FloatBody::Dec { int, frac, exp },
        end: i + len + elen,
    })
}

/// `digits [. digits]` or `. digits`: (integer digits, fraction digits,
/// bytes consumed), None without any digit.
fn scan_mantissa(s: &[u8], is_digit: impl Fn(u8) -> bool) -> Option<(&[u8], &[u8], usize)> {
    let n_int = s.iter().take_while(|&&c| is_digit(c)).count();
    let int = &s[..n_int];
    let (frac, len) = if at(s, n_int) == b'.' {
        let after = &s[n_int + 1..];
        let n_frac = after.iter().take_while(|&&c| is_digit(c)).count();
        (&after[..n_frac], n_int + 1 + n_frac)
    } else {
        (&s[..0], n_int)
    };
    if int.is_empty() && frac.is_empty() {
        None
    } else {
        Some((int, frac, len))
    }
}

/// `<letter>[+-]digits` (letter case-insensitive): (value saturated at
/// ±EXP_SATURATION, bytes consumed); (0, 0) when absent or incomplete.
fn scan_exponent(s: &[u8], letter: u8) -> (i64, usize) {
    if at(s, 0).to_ascii_lowercase() != letter {
        return (0, 0);
    }
    let mut j = 1;
    let mut negative = false;
    if matches!(at(s, 1), b'+' | b'-') {
        negative = at(s, 1) == b'-';
        j = 2;
    }
    let start = j;
    let mut v: i64 = 0;
    while at(s, j).is_ascii_digit() {
        v = (v * 10 + i64::from(at(s, j) - b'0')).min(EXP_SATURATION);
        j += 1;
    }
    if j == start {
        return (0, 0);
    }
    (if negative { -v } else { v }, j)
}

fn has_nonzero_digit(int: &[u8], frac: &[u8]) -> bool {
    int.iter().chain(frac).any(|&c| c != b'0')
}

// ===========================================================================
// Doubles: parsing
// ===========================================================================

/// Result of one `strtod`-like conversion: the value and whether glibc
/// would set `errno = ERANGE` (overflow to infinity, underflow to zero, or
/// an inexact subnormal).
#[derive(Clone, Copy, Debug)]
struct StrtodResult {
    value: f64,
    erange: bool,
}

/// glibc `strtod` on a scanned literal.
fn strtod_scanned(text: &[u8], scan: &FloatScan<'_>) -> StrtodResult {
    let sign = if scan.negative { -1.0 } else { 1.0 };
    match scan.body {
        FloatBody::Inf => StrtodResult {
            value: sign * f64::INFINITY,
            erange: false,
        },
        FloatBody::Nan => StrtodResult {
            value: f64::NAN,
            erange: false,
        },
        FloatBody::Dec { int, frac, exp } => {
            // The standard library's parser is correctly rounded, like
            // glibc, and accepts exactly this decimal syntax.
            let value = std::str::from_utf8(&text[..scan.end])
                .ok()
                .and_then(|t| t.parse::<f64>().ok())
                .unwrap_or(f64::NAN);
            let erange = if value.is_infinite() {
                true
            } else if value == 0.0 {
                has_nonzero_digit(int, frac)
            } else if value.abs() < f64::MIN_POSITIVE {
                // Subnormal: ERANGE only when inexact, which takes the
                // exact converter to tell.
                decimal_to_binary(BINARY64, scan.negative, int, frac, exp)
                    .map_or(true, |c| c.inexact)
            } else {
                false
            };
            StrtodResult { value, erange }
        }
        FloatBody::Hex { int, frac, exp } => {
            let c = hex_to_binary(BINARY64, scan.negative, int, frac, exp);
            StrtodResult {
                value: c.repr.to_f64(),
                erange: c.erange(),
            }
        }
    }
}

/// Redis's `string2d` (via `getDoubleFromObject`): the whole input must be
/// a `strtod` literal with no leading whitespace and no NUL; overflow
/// (`1e400`), underflow to zero (`1e-400`) and NaN are rejected, while
/// `inf`, `-inf`, `+inf`, `infinity` (any case), hex floats (`0x1p-2`),
/// `+1.5`, `.5`, `5.` and subnormals are accepted. ZADD, ZINCRBY, WEIGHTS.
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    if s.is_empty() || is_c_space(s[0]) {
        return None;
    }
    let scan = scan_float(s)?;
    if scan.end != s.len() {
        return None;
    }
    let r = strtod_scanned(s, &scan);
    if r.value.is_nan() || (r.erange && (r.value.is_infinite() || r.value == 0.0)) {
        return None;
    }
    Some(r.value)
}

/// The `strtod` check of Redis's `zslParseRange` (ZRANGEBYSCORE, ZCOUNT,
/// ZREMRANGEBYSCORE...), for a bound whose `(` prefix the caller removed.
/// Laxer than [`parse_f64`]: leading whitespace is skipped, overflow gives
/// ±inf and underflow 0, anything from a NUL on is ignored, and an empty
/// string is 0. NaN and trailing garbage are rejected.
pub fn parse_f64_range_bound(s: &[u8]) -> Option<f64> {
    let ws = s.iter().take_while(|&&c| is_c_space(c)).count();
    let Some(scan) = scan_float(&s[ws..]) else {
        // No conversion: strtod leaves endptr at the start of the input.
        return if at(s, 0) == 0 { Some(0.0) } else { None };
    };
    if at(s, ws + scan.end) != 0 {
        return None;
    }
    let r = strtod_scanned(&s[ws..], &scan);
    if r.value.is_nan() {
        None
    } else {
        Some(r.value)
    }
}

/// The `strtod` check of Redis's SORT (numeric, by value or BY pattern):
/// like [`parse_f64_range_bound`] but any ERANGE is an error too, including
/// an inexact subnormal such as `1e-320`. None means "One or more scores
/// can't be converted into double".
pub fn parse_f64_sort(s: &[u8]) -> Option<f64> {
    let ws = s.iter().take_while(|&&c| is_c_space(c)).count();
    let Some(scan) = scan_float(&s[ws..]) else {
        return if at(s, 0) == 0 { Some(0.0) } else { None };
    };
    if at(s, ws + scan.end) != 0 {
        return None;
    }
    let r = strtod_scanned(&s[ws..], &scan);
    if r.value.is_nan() || r.erange {
        None
    } else {
        Some(r.value)
    }
}

// ===========================================================================
// Exact binary floating point: formats, rounding
// ===========================================================================

/// A binary floating point format: `value = m × 2^e` with `m < 2^prec`,
/// `emin <= e <= emax` (e is the exponent of the mantissa's last bit).
#[derive(Clone, Copy)]
struct BinFmt {
    /// Mantissa bits, including the explicit or implicit leading one.
    prec: u32,
    /// Exponent of the last mantissa bit of the smallest subnormal.
    emin: i32,
    /// Exponent of the last mantissa bit of the largest finite value.
    emax: i32,
    /// Decimal inputs `< 10^min_dexp` round to zero.
    min_dexp: i64,
    /// Decimal inputs `>= 10^(max_dexp)` overflow.
    max_dexp: i64,
    /// Decimal digits kept exactly; beyond, only "some nonzero digit
    /// follows" matters. 800 covers binary64's longest exact halfway case
    /// (767 significant digits); x87 inputs are bounded by
    /// MAX_LONG_DOUBLE_CHARS instead.
    max_digits: usize,
}

/// IEEE binary64: max `(2^53-1)·2^971` ≈ 1.8e308, min subnormal `2^-1074`
/// ≈ 4.9e-324; decimal inputs below 1e-324 are under half of it and round
/// to zero.
const BINARY64: BinFmt = BinFmt {
    prec: 53,
    emin: -1074,
    emax: 971,
    min_dexp: -323,
    max_dexp: 309,
    max_digits: 800,
};

/// x87 80-bit extended (C `long double` on x86-64): explicit 64-bit
/// mantissa, max `(2^64-1)·2^16320` ≈ 1.19e4932, min normal `2^-16382`,
/// min subnormal `2^-16445` ≈ 3.65e-4951 (`LDBL_MANT_DIG` 64,
/// `LDBL_MIN_EXP` -16381, `LDBL_MAX_EXP` 16384).
const EXT80: BinFmt = BinFmt {
    prec: 64,
    emin: -16445,
    emax: 16320,
    min_dexp: -4950,
    max_dexp: 4933,
    max_digits: MAX_LONG_DOUBLE_CHARS,
};

/// A value of a [`BinFmt`]; finite values are `m × 2^e`, zero is `m == 0`,
/// nonzero values are normalized (top mantissa bit set) unless `e` is the
/// format's `emin` (subnormal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Repr {
    Finite { negative: bool, m: u64, e: i32 },
    Inf { negative: bool },
    Nan,
}

impl Repr {
    const ZERO: Repr = Repr::Finite {
        negative: false,
        m: 0,
        e: 0,
    };

    /// Exact when `self` fits binary64, else correctly rounded.
    fn to_f64(self) -> f64 {
        match self {
            Repr::Nan => f64::NAN,
            Repr::Inf { negative } => {
                if negative {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                }
            }
            Repr::Finite { negative, m, e } => {
                let r = round_to(BINARY64, negative, u128::from(m), e, false).repr;
                match r {
                    Repr::Finite { negative, m, e } => {
                        // m < 2^53, and 2^e is a power of two within range:
                        // build it from bits to stay exact for subnormals.
                        let v = if m == 0 {
                            0.0
                        } else if e >= -1022 {
                            m as f64 * pow2(e)
                        } else {
                            // e in -1074..-1022: scale in two exact steps.
                            (m as f64 * pow2(e + 100)) * pow2(-100)
                        };
                        if negative {
                            -v
                        } else {
                            v
                        }
                    }
                    other => other.to_f64(),
                }
            }
        }
    }

    /// Exact: every binary64 is an x87 value.
    fn from_f64(v: f64) -> Repr {
        if v.is_nan() {
            return Repr::Nan;
        }
        let negative = v.is_sign_negative();
        if v.is_infinite() {
            return Repr::Inf { negative };
        }
        let bits = v.to_bits();
        let exp_field = ((bits >> 52) & 0x7ff) as i32;
        let frac = bits & ((1 << 52) - 1);
        let (m, e) = if exp_field == 0 {
            (frac, -1074)
        } else {
            (frac | 1 << 52, exp_field - 1075)
        };
        normalized(EXT80, negative, m, e)
    }
}

/// 2^e as an f64 for e in the normal range (-1022..=1023).
fn pow2(e: i32) -> f64 {
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// `m × 2^e` rearranged to the canonical form for `fmt` (exact; the value
/// must fit).
fn normalized(fmt: BinFmt, negative: bool, m: u64, e: i32) -> Repr {
    if m == 0 {
        return Repr::Finite {
            negative,
            m: 0,
            e: 0,
        };
    }
    round_to(fmt, negative, u128::from(m), e, false).repr
}

/// A rounding's outcome: the value and whether it differs from the exact
/// input.
#[derive(Clone, Copy, Debug)]
struct Rounded {
    repr: Repr,
    inexact: bool,
    /// Below the smallest normal even when rounded with an unbounded
    /// exponent: glibc's (x86) "tininess after rounding".
    tiny: bool,
}

impl Rounded {
    /// ±0, from an exact zero or (`inexact`) an underflow.
    fn zero(negative: bool, inexact: bool) -> Rounded {
        Rounded {
            repr: Repr::Finite {
                negative,
                m: 0,
                e: 0,
            },
            inexact,
            tiny: true,
        }
    }

    /// ±infinity from a finite value too large.
    fn overflow(negative: bool) -> Rounded {
        Rounded {
            repr: Repr::Inf { negative },
            inexact: true,
            tiny: false,
        }
    }

    /// glibc's ERANGE for a conversion from a nonzero literal: overflow,
    /// or an inexact result that is tiny after rounding.
    fn erange(&self) -> bool {
        match self.repr {
            Repr::Inf { .. } => true,
            Repr::Finite { .. } => self.tiny && self.inexact,
            Repr::Nan => false,
        }
    }
}

/// Rounds `mant × 2^lsb` (plus a positive amount below one unit of `lsb`
/// when `sticky`) to `fmt`, to nearest with ties to even: the IEEE default
/// that glibc's strtod and the x87 FPU use. With `sticky`, `mant` must
/// have more than `fmt.prec` bits, so the sticky amount lies below the
/// rounding position (every caller guarantees it).
fn round_to(fmt: BinFmt, negative: bool, mant: u128, lsb: i32, sticky: bool) -> Rounded {
    if mant == 0 {
        return Rounded::zero(negative, sticky);
    }
    let len = 128 - mant.leading_zeros() as i32;
    // The smallest normal is 2^(emin + prec - 1); below it, ask what an
    // unbounded exponent would have given.
    let tiny = lsb + len - 1 < fmt.emin + fmt.prec as i32 - 1 && {
        let unbounded = BinFmt {
            emin: i32::MIN / 4,
            ..fmt
        };
        match round_to(unbounded, negative, mant, lsb, sticky).repr {
            Repr::Finite { e, .. } => e < fmt.emin,
            _ => false,
        }
    };
    let e = (lsb + len - fmt.prec as i32).max(fmt.emin);
    let shift = e - lsb;
    let (mut m, mut e, inexact) = if shift <= 0 {
        // Fits: at most prec - len bits of left shift.
        (mant << (-shift) as u32, e, sticky)
    } else {
        let shift = shift as u32;
        let kept = if shift >= 128 { 0 } else { mant >> shift };
        let rem = if shift >= 128 {
            mant
        } else {
            mant & ((1u128 << shift) - 1)
        };
        let vs_half = if shift > 128 {
            Ordering::Less
        } else {
            match rem.cmp(&(1u128 << (shift - 1))) {
                Ordering::Equal if sticky => Ordering::Greater,
                o => o,
            }
        };
        let up = vs_half == Ordering::Greater || (vs_half == Ordering::Equal && kept & 1 == 1);
        (kept + u128::from(up), e, rem != 0 || sticky)
    };
    if m >> fmt.prec != 0 {
        m >>= 1;
        e += 1;
    }
    if m != 0 && e > fmt.emax {
        return Rounded::overflow(negative);
    }
    let e = if m == 0 { 0 } else { e };
    Rounded {
        repr: Repr::Finite {
            negative,
            m: m as u64,
            e,
        },
        inexact,
        tiny,
    }
}

// ===========================================================================
// Exact binary floating point: bounded big integers
// ===========================================================================

/// Limbs of a [`Big`]: 560 × 64 = 35,840 bits. The largest number the
/// decimal conversions build is about 23,500 bits (5^10070 shifted by 66
/// bits, for a 5119-byte x87 literal near the subnormal limit) and the
/// largest the x87 printer builds 16,384 bits.
const BIG_LIMBS: usize = 560;

/// An unsigned integer of at most BIG_LIMBS limbs, on the stack. Operations
/// report running out of room instead of panicking.
#[derive(Clone)]
struct Big {
    /// Little-endian limbs; those at and above `len` are zero.
    limbs: [u64; BIG_LIMBS],
    /// Limbs in use; the top one is nonzero (zero has `len == 0`).
    len: usize,
}

impl Big {
    fn from_u64(v: u64) -> Big {
        let mut b = Big {
            limbs: [0; BIG_LIMBS],
            len: 1,
        };
        b.limbs[0] = v;
        b.trim();
        b
    }

    fn trim(&mut self) {
        while self.len > 0 && self.limbs[self.len - 1] == 0 {
            self.len -= 1;
        }
    }

    fn is_zero(&self) -> bool {
        self.len == 0
    }

    fn bit_len(&self) -> i64 {
        match self.len {
            0 => 0,
            n => (n as i64) * 64 - i64::from(self.limbs[n - 1].leading_zeros()),
        }
    }

    /// self = self × mul + add.
    fn mul_add(&mut self, mul: u64, add: u64) -> Option<()> {
        let mut carry = u128::from(add);
        for limb in &mut self.limbs[..self.len] {
            let p = u128::from(*limb) * u128::from(mul) + carry;
            *limb = p as u64;
            carry = p >> 64;
        }
        if carry != 0 {
            *self.limbs.get_mut(self.len)? = carry as u64;
            self.len += 1;
        }
        Some(())
    }

    /// self ×= 5^k.
    fn mul_pow5(&mut self, mut k: u64) -> Option<()> {
        const POW5_27: u64 = 7_450_580_596_923_828_125;
        while k >= 27 {
            self.mul_add(POW5_27, 0)?;
            k -= 27;
        }
        self.mul_add(5u64.pow(k as u32), 0)
    }

    /// self <<= bits.
    fn shl(&mut self, bits: u64) -> Option<()> {
        if self.len == 0 {
            return Some(());
        }
        let limbs = usize::try_from(bits / 64).ok()?;
        let b = (bits % 64) as u32;
        let new_len = self.len.checked_add(limbs)?.checked_add(1)?;
        if new_len > BIG_LIMBS {
            return None;
        }
        self.limbs[self.len] = 0;
        if b != 0 {
            for i in (0..=self.len).rev() {
                let lower = if i == 0 {
                    0
                } else {
                    self.limbs[i - 1] >> (64 - b)
                };
                self.limbs[i] = (self.limbs[i] << b) | lower;
            }
        }
        self.limbs.copy_within(0..=self.len, limbs);
        self.limbs[..limbs].fill(0);
        self.len = new_len;
        self.trim();
        Some(())
    }

    /// self >>= 1.
    fn shr1(&mut self) {
        for i in 0..self.len {
            let upper = if i + 1 < self.len {
                self.limbs[i + 1] << 63
            } else {
                0
            };
            self.limbs[i] = (self.limbs[i] >> 1) | upper;
        }
        self.trim();
    }

    fn cmp(&self, other: &Big) -> Ordering {
        self.len.cmp(&other.len).then_with(|| {
            self.limbs[..self.len]
                .iter()
                .rev()
                .cmp(other.limbs[..other.len].iter().rev())
        })
    }

    /// self -= other; requires self >= other.
    fn sub_assign(&mut self, other: &Big) {
        let mut borrow = false;
        for (i, limb) in self.limbs[..self.len].iter_mut().enumerate() {
            let o = if i < other.len { other.limbs[i] } else { 0 };
            let (d1, b1) = limb.overflowing_sub(o);
            let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
            *limb = d2;
            borrow = b1 || b2;
        }
        self.trim();
    }

    /// self /= d; returns the remainder.
    fn div_small(&mut self, d: u64) -> u64 {
        let mut rem: u128 = 0;
        for limb in self.limbs[..self.len].iter_mut().rev() {
            let cur = (rem << 64) | u128::from(*limb);
            *limb = (cur / u128::from(d)) as u64;
            rem = cur % u128::from(d);
        }
        self.trim();
        rem as u64
    }

    /// The top 128 bits: (mantissa, exponent of its last bit, whether any
    /// lower bit is set).
    fn top128(&self) -> (u128, i32, bool) {
        let bits = self.bit_len();
        if bits <= 128 {
            let lo = u128::from(self.limbs[0]);
            let hi = u128::from(self.limbs[1]);
            return ((hi << 64) | lo, 0, false);
        }
        let shift = bits - 128;
        let limb = (shift / 64) as usize;
        let b = (shift % 64) as u32;
        let word = |i: usize| self.limbs.get(i).copied().unwrap_or(0);
        // Bits [shift, shift + 128) as two 64-bit words.
        let (lo, hi) = if b == 0 {
            (word(limb), word(limb + 1))
        } else {
            (
                word(limb) >> b | word(limb + 1) << (64 - b),
                word(limb + 1) >> b | word(limb + 2) << (64 - b),
            )
        };
        let mant = u128::from(hi) << 64 | u128::from(lo);
        let lower_nonzero = self.limbs[..limb].iter().any(|&l| l != 0)
            || (b != 0 && self.limbs[limb] & ((1u64 << b) - 1) != 0);
        (mant, shift as i32, lower_nonzero)
    }

    /// Appends self in decimal to `out` (self is consumed as scratch).
    fn push_decimal(&mut self, out: &mut Vec<u8>) {
        const CHUNK: u64 = 10_000_000_000_000_000_000; // 10^19
        let start = out.len();
        loop {
            let mut r = self.div_small(CHUNK);
            if self.is_zero() {
                loop {
                    out.push(b'0' + (r % 10) as u8);
                    r /= 10;
                    if r == 0 {
                        break;
                    }
                }
                break;
            }
            for _ in 0..19 {
                out.push(b'0' + (r % 10) as u8);
                r /= 10;
            }
        }
        out[start..].reverse();
    }
}

// ===========================================================================
// Exact binary floating point: conversions from text
// ===========================================================================

/// Correctly rounded `±(int.frac) × 10^exp` in `fmt` (what glibc's strtod /
/// strtold compute). None only if a number outgrew [`Big`], which inputs
/// within [`BinFmt::max_digits`] cannot do.
fn decimal_to_binary(
    fmt: BinFmt,
    negative: bool,
    int: &[u8],
    frac: &[u8],
    exp: i64,
) -> Option<Rounded> {
    let total = int.len() + frac.len();
    let digit = |i: usize| -> u8 {
        if i < int.len() {
            int[i]
        } else {
            frac[i - int.len()]
        }
    };
    let lead = (0..total).take_while(|&i| digit(i) == b'0').count();
    if lead == total {
        return Some(Rounded::zero(negative, false));
    }
    let trail = (0..total).rev().take_while(|&i| digit(i) == b'0').count();
    let mut nd = total - lead - trail;
    // value = D × 10^e10 with D the nd significant digits.
    let mut e10 = exp - frac.len() as i64 + trail as i64;
    let dexp = nd as i64 + e10; // value in [10^(dexp-1), 10^dexp)
    if dexp > fmt.max_dexp {
        return Some(Rounded::overflow(negative));
    }
    if dexp < fmt.min_dexp {
        return Some(Rounded::zero(negative, true));
    }
    // Beyond max_digits only "is anything nonzero left" matters: keep a
    // sticky 1 digit in its place.
    let mut sticky_digit = false;
    if nd > fmt.max_digits {
        sticky_digit = true; // the last significant digit is nonzero
        e10 += (nd - fmt.max_digits) as i64 - 1;
        nd = fmt.max_digits;
    }
    let sig = |i: usize| u64::from(digit(lead + i) - b'0');

    // Fast paths: D fits u64 and 5^|e10| fits u64, so u128 is exact.
    if nd <= 19 && !sticky_digit && (-27..=27).contains(&e10) {
        let d = (0..nd).fold(0u64, |acc, i| acc * 10 + sig(i));
        if e10 >= 0 {
            // D × 5^e10 × 2^e10, exact.
            let mant = u128::from(d) * u128::from(5u64.pow(e10 as u32));
            return Some(round_to(fmt, negative, mant, e10 as i32, false));
        }
        // D / 5^k × 2^-k: a quotient of at least 65 bits, remainder sticky.
        let k = (-e10) as u32;
        let lz = d.leading_zeros();
        let num = u128::from(d) << (64 + lz);
        let den = u128::from(5u64.pow(k));
        let (q, r) = (num / den, num % den);
        return Some(round_to(
            fmt,
            negative,
            q,
            -(64 + lz as i32) - k as i32,
            r != 0,
        ));
    }

    let mut d = Big::from_u64(0);
    let mut i = 0;
    while i < nd {
        let take = (nd - i).min(19);
        let chunk = (i..i + take).fold(0u64, |acc, j| acc * 10 + sig(j));
        d.mul_add(10u64.pow(take as u32), chunk)?;
        i += take;
    }
    if sticky_digit {
        d.mul_add(10, 1)?;
    }
    if e10 >= 0 {
        d.mul_pow5(e10 as u64)?;
        let (mant, lsb, sticky) = d.top128();
        return Some(round_to(fmt, negative, mant, lsb + e10 as i32, sticky));
    }
    // D / 5^k × 2^-k by long division: scale so the quotient has 66 or 67
    // bits, then take them one by one; the remainder is the sticky bit.
    let k = (-e10) as u64;
    let mut b = Big::from_u64(1);
    b.mul_pow5(k)?;
    let t = d.bit_len() - b.bit_len(); // D/B in (2^(t-1), 2^(t+1))
    let s = 66 - t;
    if s >= 0 {
        d.shl(s as u64)?;
    } else {
        b.shl((-s) as u64)?;
    }
    const QBITS: u64 = 67;
    b.shl(QBITS - 1)?;
    let mut q: u128 = 0;
    for _ in 0..QBITS {
        q <<= 1;
        if d.cmp(&b) != Ordering::Less {
            d.sub_assign(&b);
            q |= 1;
        }
        b.shr1();
    }
    let lsb = -(s as i32) - k as i32;
    Some(round_to(fmt, negative, q, lsb, !d.is_zero()))
}

/// Correctly rounded `±0x(int.frac) × 2^exp` in `fmt`.
fn hex_to_binary(fmt: BinFmt, negative: bool, int: &[u8], frac: &[u8], exp: i64) -> Rounded {
    let mut mant: u128 = 0;
    let mut sticky = false;
    let mut dropped: i64 = 0;
    for &c in int.iter().chain(frac) {
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => c.wrapping_sub(b'A').wrapping_add(10),
        };
        if mant >> 124 == 0 {
            mant = mant << 4 | u128::from(v);
        } else {
            sticky |= v != 0;
            dropped += 1;
        }
    }
    let lsb = exp - 4 * frac.len() as i64 + 4 * dropped;
    if mant == 0 {
        return Rounded::zero(negative, false);
    }
    let top = lsb + i64::from(128 - mant.leading_zeros());
    if top > i64::from(fmt.emax) + i64::from(fmt.prec) + 1 {
        return Rounded::overflow(negative);
    }
    if top < i64::from(fmt.emin) - 2 {
        return Rounded::zero(negative, true);
    }
    round_to(fmt, negative, mant, lsb as i32, sticky)
}

// ===========================================================================
// LongDouble: C's x87 `long double`, for INCRBYFLOAT and HINCRBYFLOAT
// ===========================================================================

/// A C `long double` as on x86-64 Linux (x87 80-bit extended: 64-bit
/// mantissa, 15-bit exponent), emulated exactly in software. Holds what
/// INCRBYFLOAT and HINCRBYFLOAT hold between parsing and printing:
///
/// ```
/// # use rudis::util::numeric::LongDouble;
/// let value = LongDouble::parse(b"1").unwrap();   // string2ld (or 0 for a new key)
/// let incr = LongDouble::parse(b"-1.1").unwrap(); // "value is not a valid float" if None
/// let sum = value + incr;                         // x87 addition
/// assert!(sum.is_finite());                       // "increment would produce NaN or Infinity"
/// let mut out = Vec::new();
/// sum.fmt_human(&mut out);                        // ld2string(LD_STR_HUMAN)
/// assert_eq!(out, b"-0.1");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LongDouble(Repr);

impl LongDouble {
    /// +0.
    pub const ZERO: LongDouble = LongDouble(Repr::ZERO);

    /// Redis's `string2ld` (`getLongDoubleFromObject`): the whole input must
    /// be a `strtold` literal, 1 to 5119 bytes, not starting with
    /// whitespace, without NUL; NaN, overflow (`1.2e4932`) and underflow to
    /// zero (`1e-4952`) are rejected; `inf`/`+inf`/`-inf`/`infinity` and hex
    /// floats are accepted. Correctly rounded to 64 mantissa bits, as glibc.
    /// No allocation: long literals use fixed stack buffers (about 9 KiB).
    pub fn parse(s: &[u8]) -> Option<LongDouble> {
        if s.is_empty() || s.len() >= MAX_LONG_DOUBLE_CHARS || is_c_space(s[0]) {
            return None;
        }
        let scan = scan_float(s)?;
        if scan.end != s.len() {
            return None;
        }
        let r = match scan.body {
            FloatBody::Nan => return None,
            FloatBody::Inf => {
                return Some(LongDouble(Repr::Inf {
                    negative: scan.negative,
                }))
            }
            FloatBody::Dec { int, frac, exp } => {
                decimal_to_binary(EXT80, scan.negative, int, frac, exp)?
            }
            FloatBody::Hex { int, frac, exp } => {
                hex_to_binary(EXT80, scan.negative, int, frac, exp)
            }
        };
        match r.repr {
            Repr::Inf { .. } => None,
            Repr::Finite { m: 0, .. } if r.inexact => None,
            repr => Some(LongDouble(repr)),
        }
    }

    /// `(long double)v`: exact (an integer-encoded string, or a hash field
    /// stored as an integer).
    pub fn from_i64(v: i64) -> LongDouble {
        LongDouble(normalized(EXT80, v < 0, v.unsigned_abs(), 0))
    }

    /// `(long double)v`: exact.
    pub fn from_f64(v: f64) -> LongDouble {
        LongDouble(Repr::from_f64(v))
    }

    /// `(double)self`: correctly rounded.
    pub fn to_f64(self) -> f64 {
        self.0.to_f64()
    }

    /// Neither infinite nor NaN (`!isnan(v) && !isinf(v)`).
    pub fn is_finite(self) -> bool {
        matches!(self.0, Repr::Finite { .. })
    }

    /// `isnan(v)`.
    pub fn is_nan(self) -> bool {
        self.0 == Repr::Nan
    }

    /// `isinf(v)`.
    pub fn is_infinite(self) -> bool {
        matches!(self.0, Repr::Inf { .. })
    }

    /// Redis's `ld2string(..., LD_STR_HUMAN)` (`createStringObjectFromLongDouble(v, 1)`):
    /// `%.17Lf`, then trailing zeros and a trailing `.` removed, and `-0`
    /// turned into `0`; `inf`/`-inf` for infinities (and `nan`/`-nan`, which
    /// Redis never prints here). No exponent ever: `1e300` prints its 301
    /// digits and anything below 0.5e-17 prints `0`.
    pub fn fmt_human(self, out: &mut Vec<u8>) {
        let (negative, m, e) = match self.0 {
            Repr::Nan => {
                out.extend_from_slice(b"nan");
                return;
            }
            Repr::Inf { negative } => {
                out.extend_from_slice(if negative { b"-inf" } else { b"inf" });
                return;
            }
            Repr::Finite { negative, m, e } => (negative, m, e),
        };
        let start = out.len();
        if negative {
            out.push(b'-');
        }
        if e >= 0 {
            // An integer: the 17 fractional zeros are trimmed away.
            if e <= 64 {
                push_u128(u128::from(m) << e, out);
            } else {
                let mut big = Big::from_u64(m);
                if big.shl(e as u64).is_some() {
                    big.push_decimal(out);
                }
            }
        } else {
            // round(m × 10^17 / 2^f), ties to even, in units of 10^-17.
            const SCALE: u128 = 100_000_000_000_000_000; // 10^17, LD_STR_HUMAN's precision
            let f = e.unsigned_abs();
            let n = u128::from(m) * SCALE; // < 2^121
            let q = if f >= 122 {
                0 // n < 2^121 <= half a unit
            } else {
                let q = n >> f;
                let rem = n & ((1u128 << f) - 1);
                let half = 1u128 << (f - 1);
                q + u128::from(rem > half || (rem == half && q & 1 == 1))
            };
            let mut buf = [0u8; 40];
            let digits = fmt_u128(q, &mut buf);
            // At least one integer digit before the 17 fractional ones.
            let int_len = digits.len().saturating_sub(17);
            if int_len == 0 {
                out.push(b'0');
            } else {
                out.extend_from_slice(&digits[..int_len]);
            }
            let mut frac = [b'0'; 17];
            frac[17 - (digits.len() - int_len)..].copy_from_slice(&digits[int_len..]);
            let used = frac.iter().rposition(|&c| c != b'0').map_or(0, |p| p + 1);
            if used > 0 {
                out.push(b'.');
                out.extend_from_slice(&frac[..used]);
            }
        }
        if &out[start..] == b"-0" {
            out.truncate(start);
            out.push(b'0');
        }
    }
}

impl std::ops::Add for LongDouble {
    type Output = LongDouble;

    /// x87 addition: exact sum rounded to 64 bits, ties to even; inf + -inf
    /// is NaN; x + -x is +0.
    fn add(self, other: LongDouble) -> LongDouble {
        LongDouble(add_repr(self.0, other.0))
    }
}

fn add_repr(a: Repr, b: Repr) -> Repr {
    let (an, am, ae, bn, bm, be) = match (a, b) {
        (Repr::Nan, _) | (_, Repr::Nan) => return Repr::Nan,
        (Repr::Inf { negative: x }, Repr::Inf { negative: y }) => {
            return if x == y { a } else { Repr::Nan };
        }
        (Repr::Inf { .. }, _) => return a,
        (_, Repr::Inf { .. }) => return b,
        (
            Repr::Finite {
                negative: an,
                m: am,
                e: ae,
            },
            Repr::Finite {
                negative: bn,
                m: bm,
                e: be,
            },
        ) => (an, am, ae, bn, bm, be),
    };
    if am == 0 && bm == 0 {
        return Repr::Finite {
            negative: an && bn,
            m: 0,
            e: 0,
        };
    }
    if bm == 0 {
        return a;
    }
    if am == 0 {
        return b;
    }
    // Larger exponent first; both mantissas widened by 62 guard bits, the
    // smaller shifted right with every lost bit folded into its lowest
    // bit (sticky). With 62 guard bits that is exact enough for correct
    // rounding of both sums and differences.
    let ((xn, xm, xe), (yn, ym, ye)) = if ae >= be {
        ((an, am, ae), (bn, bm, be))
    } else {
        ((bn, bm, be), (an, am, ae))
    };
    const GUARD: u32 = 62;
    let x = u128::from(xm) << GUARD;
    let d = (xe - ye) as u32;
    let y_full = u128::from(ym) << GUARD;
    let y = if d == 0 {
        y_full
    } else if d >= 127 {
        1 // nonzero but below every bit of x
    } else {
        let kept = y_full >> d;
        kept | u128::from(y_full & ((1u128 << d) - 1) != 0)
    };
    let lsb = xe - GUARD as i32;
    let (negative, mant) = if xn == yn {
        (xn, x + y)
    } else if x >= y {
        (xn, x - y)
    } else {
        (yn, y - x)
    };
    if mant == 0 {
        return Repr::ZERO; // exact cancellation is +0 when rounding to nearest
    }
    round_to(EXT80, negative, mant, lsb, false).repr
}

/// `v` in decimal into the end of `buf`.
fn fmt_u128(v: u128, buf: &mut [u8; 40]) -> &[u8] {
    let mut i = buf.len();
    let mut x = v;
    loop {
        i -= 1;
        buf[i] = b'0' + (x % 10) as u8;
        x /= 10;
        if x == 0 {
            break;
        }
    }
    &buf[i..]
}

fn push_u128(v: u128, out: &mut Vec<u8>) {
    let mut buf = [0u8; 40];
    out.extend_from_slice(fmt_u128(v, &mut buf));
}

/// Appends Redis's `ld2string(v, LD_STR_HUMAN)` of `v` held as a C
/// `long double` (exact conversion, then `%.17Lf` trimmed): `10.5`,
/// `3000`, `0.1` → `0.10000000000000001` (the f64 nearest 0.1 is not 0.1).
/// For INCRBYFLOAT and HINCRBYFLOAT, parse and add with [`LongDouble`]
/// instead, so that results match Redis's (`1 + -1.1` → `-0.1`).
pub fn fmt_long_double_human(v: f64, out: &mut Vec<u8>) {
    LongDouble::from_f64(v).fmt_human(out);
}

/// Redis's `getTimeoutFromObjectOrReply` with UNIT_SECONDS (BLPOP, BRPOP,
/// BLMOVE, BZPOPMIN, ... timeouts): the argument as a `long double`
/// ([`LongDouble::parse`]), times 1000, rounded up, cast to `long long`
/// the x87 way (infinity and out-of-range values become i64::MIN). None is
/// "timeout is not a float or out of range"; a negative result is "timeout
/// is negative"; 0 blocks forever (so does `-0.0001`, which rounds up to 0).
pub fn parse_timeout_ms(s: &[u8]) -> Option<i64> {
    let v = LongDouble::parse(s)?;
    let (negative, m, e) = match v.0 {
        Repr::Finite { negative, m, e } => (negative, m, e),
        _ => return Some(i64::MIN),
    };
    // ftval * 1000.0, rounded to the x87 format.
    let (negative, m, e) = match round_to(EXT80, negative, u128::from(m) * 1000, e, false).repr {
        Repr::Finite { negative, m, e } => (negative, m, e),
        _ => return Some(i64::MIN),
    };
    // ceill, then (long long).
    let magnitude: Option<u128> = if e >= 0 {
        if e >= 64 {
            None
        } else {
            Some(u128::from(m) << e)
        }
    } else {
        let f = e.unsigned_abs();
        let int = if f >= 64 { 0 } else { u128::from(m >> f) };
        let has_frac = if f >= 64 {
            m != 0
        } else {
            m & ((1u64 << f) - 1) != 0
        };
        // Ceiling moves positive values up, negative values toward zero.
        Some(int + u128::from(has_frac && !negative))
    };
    let Some(magnitude) = magnitude else {
        return Some(i64::MIN);
    };
    if negative {
        if magnitude > i64::MAX as u128 + 1 {
            Some(i64::MIN)
        } else {
            Some(0i64.wrapping_sub_unsigned(magnitude as u64))
        }
    } else {
        Some(i64::try_from(magnitude).unwrap_or(i64::MIN))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(b: &[u8]) -> String {
        String::from_utf8_lossy(b).into_owned()
    }

    fn human(v: LongDouble) -> String {
        let mut out = Vec::new();
        v.fmt_human(&mut out);
        s(&out)
    }

    // ---------------------------------------------------------- integers

    #[test]
    fn parse_i64_accepts_redis_integers() {
        let ok: &[(&[u8], i64)] = &[
            (b"0", 0),
            (b"1", 1),
            (b"-1", -1),
            (b"17179869184", 17179869184),
            (b"9223372036854775807", i64::MAX),
            (b"-9223372036854775808", i64::MIN),
            (b"10", 10),
            (b"-10", -10),
        ];
        for &(text, v) in ok {
            assert_eq!(parse_i64(text), Some(v), "{}", s(text));
        }
    }

    #[test]
    fn parse_i64_rejects_what_string2ll_rejects() {
        let bad: &[&[u8]] = &[
            b"",
            b"-",
            b"+1",
            b"-0",
            b"00",
            b"01",
            b"-01",
            b" 1",
            b"1 ",
            b"    11",
            b"11    ",
            b" 11 ",
            b"1a",
            b"1.0",
            b"1e3",
            b"0x10",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"99999999999999999999",
            b"-99999999999999999999",
            b"18446744073709551616",
            b"1\0",
            b"\xd9\xa1",
            b"000000000000000000001", // 21 bytes
        ];
        for &text in bad {
            assert_eq!(parse_i64(text), None, "{:?}", s(text));
        }
    }

    #[test]
    fn parse_i64_round_trips_with_fmt_i64() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = (x as i64) >> (x % 64);
            let mut buf = [0u8; 20];
            let text = fmt_i64(v, &mut buf);
            assert_eq!(text, v.to_string().as_bytes());
            assert_eq!(parse_i64(text), Some(v));
        }
    }

    #[test]
    fn fmt_integers() {
        let mut buf = [0u8; 20];
        for v in [
            0,
            1,
            9,
            10,
            99,
            100,
            101,
            999,
            1000,
            -1,
            -10,
            -99,
            -100,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ] {
            assert_eq!(fmt_i64(v, &mut buf), v.to_string().as_bytes());
            assert_eq!(sdigits10(v), v.to_string().len());
        }
        for v in [
            0,
            7,
            10,
            12345,
            u64::MAX,
            u64::MAX / 10,
            10_000_000_000_000_000_000,
        ] {
            assert_eq!(fmt_u64(v, &mut buf), v.to_string().as_bytes());
            assert_eq!(digits10(v), v.to_string().len());
        }
        let mut out = b":".to_vec();
        push_i64(-42, &mut out);
        push_u64(7, &mut out);
        assert_eq!(out, b":-427");
    }

    #[test]
    fn parse_u64_follows_string2ull_and_strtoull() {
        assert_eq!(parse_u64(b"0"), Some(0));
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(parse_u64(b"-1"), None);
        assert_eq!(parse_u64(b""), None);
        assert_eq!(parse_u64(b"1x"), None);
        // strtoull's laxness, which string2ull falls back to.
        assert_eq!(parse_u64(b" 5"), Some(5));
        assert_eq!(parse_u64(b"+5"), Some(5));
        assert_eq!(parse_u64(b"007"), Some(7));
        assert_eq!(parse_u64(b"-01"), Some(u64::MAX));
        assert_eq!(parse_u64(b"5\0junk"), Some(5));
        assert_eq!(parse_u64(b" "), None);
    }

    #[test]
    fn c_strtoll_and_strtoull() {
        assert_eq!(strtoll(b"123"), (123, 3, false));
        assert_eq!(strtoll(b"  -42abc"), (-42, 5, false));
        assert_eq!(strtoll(b"+7"), (7, 2, false));
        assert_eq!(strtoll(b"abc"), (0, 0, false));
        assert_eq!(strtoll(b" -"), (0, 0, false));
        assert_eq!(strtoll(b"9223372036854775808"), (i64::MAX, 19, true));
        assert_eq!(strtoll(b"-9223372036854775808"), (i64::MIN, 20, false));
        assert_eq!(strtoll(b"-99999999999999999999"), (i64::MIN, 21, true));
        assert_eq!(strtoull(b"-1"), (u64::MAX, 2, false));
        assert_eq!(strtoull(b"99999999999999999999"), (u64::MAX, 20, true));
        assert_eq!(strtoull(b"\t12\r\n"), (12, 3, false));
    }

    #[test]
    fn memtoull_units_and_quirks() {
        assert_eq!(parse_memory(b"100"), Some(100));
        assert_eq!(parse_memory(b"1b"), Some(1));
        assert_eq!(parse_memory(b"1k"), Some(1000));
        assert_eq!(parse_memory(b"1KB"), Some(1024));
        assert_eq!(parse_memory(b"2m"), Some(2_000_000));
        assert_eq!(parse_memory(b"2mb"), Some(2 << 20));
        assert_eq!(parse_memory(b"1g"), Some(1_000_000_000));
        assert_eq!(parse_memory(b"1Gb"), Some(1 << 30));
        assert_eq!(parse_memory(b"gb"), Some(0));
        assert_eq!(parse_memory(b""), Some(0));
        assert_eq!(parse_memory(b"-1"), None);
        assert_eq!(parse_memory(b"1tb"), None);
        assert_eq!(parse_memory(b"1 gb"), None);
        assert_eq!(parse_memory(b"1.5gb"), None);
        assert_eq!(parse_memory(&[b'1'; 128]), None);
    }

    // ---------------------------------------------------------- %.17g

    /// (bits of an f64, glibc's `%.17g`, glibc's `%.2f`), printed by a C
    /// program on x86-64 glibc 2.36.
    const C_PRINTF: &[(u64, &str, &str)] = &[
        (0x0000000000000000, "0", "0.00"),
        (0x8000000000000000, "-0", "-0.00"),
        (0x3ff0000000000000, "1", "1.00"),
        (0xbff0000000000000, "-1", "-1.00"),
        (0x3ff8000000000000, "1.5", "1.50"),
        (0x3fb999999999999a, "0.10000000000000001", "0.10"),
        (0x3fc999999999999a, "0.20000000000000001", "0.20"),
        (0x3fd3333333333334, "0.30000000000000004", "0.30"),
        (0x3fd5555555555555, "0.33333333333333331", "0.33"),
        (0x3fe5555555555555, "0.66666666666666663", "0.67"),
        (0x4008000000000000, "3", "3.00"),
        (0x4024000000000000, "10", "10.00"),
        (0x4059000000000000, "100", "100.00"),
        (0x430c6bf526340000, "1000000000000000", "1000000000000000.00"),
        (0x4341c37937e08000, "10000000000000000", "10000000000000000.00"),
        (0x4376345785d89fff, "99999999999999984", "99999999999999984.00"),
        (0x4376345785d8a000, "1e+17", "100000000000000000.00"),
        (0x43abc16d674ec800, "1e+18", "1000000000000000000.00"),
        (0x4415af1d78b58c40, "1e+20", "100000000000000000000.00"),
        (0x444b1ae4d6e2ef50, "1e+21", "1000000000000000000000.00"),
        (0x437b69b4ba630f35, "1.2345678901234568e+17", "123456789012345680.00"),
        (0x3f1a36e2eb1c432d, "0.0001", "0.00"),
        (0x3ee4f8b588e368f1, "1.0000000000000001e-05", "0.00"),
        (0x3f202e7ef70994dd, "0.00012345600000000001", "0.00"),
        (0x3ee4f8b588e368f1, "1.0000000000000001e-05", "0.00"),
        (0x3e8421f5f40d8376, "1.4999999999999999e-07", "0.00"),
        (0x4004000000000000, "2.5", "2.50"),
        (0x400921fb54442d11, "3.14159265358979", "3.14"),
        (0x400921fb54442d18, "3.1415926535897931", "3.14"),
        (0x4005bf0a8b145769, "2.7182818284590451", "2.72"),
        (0xc00921fb54442d18, "-3.1415926535897931", "-3.14"),
        (0x54b249ad2594c37d, "1e+100", "10000000000000000159028911097599180468360808563945281389781327557747838772170381060813469985856815104.00"),
        (0x2b2bff2ee48e0530, "1e-100", "0.00"),
        (0x7fe1ccf385ebc8a0, "1e+308", "100000000000000001097906362944045541740492309677311846336810682903157585404911491537163328978494688899061249669721172515611590283743140088328307009198146046031271664502933027185697489699588559043338384466165001178426897626212945177628091195786707458122783970171784415105291802893207873272974885715430223118336.00"),
        (0x7fefffffffffffff, "1.7976931348623157e+308", "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.00"),
        (0xffefffffffffffff, "-1.7976931348623157e+308", "-179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.00"),
        (0x0010000000000000, "2.2250738585072014e-308", "0.00"),
        (0x0000000000000001, "4.9406564584124654e-324", "0.00"),
        (0x000fffffffffffff, "2.2250738585072009e-308", "0.00"),
        (0x3e60000000000000, "2.9802322387695312e-08", "0.00"),
        (0x3e78000000000000, "8.9406967163085938e-08", "0.00"),
        (0x4340000000000000, "9007199254740992", "9007199254740992.00"),
        (0x4340000000000000, "9007199254740992", "9007199254740992.00"),
        (0x43d0000000000000, "4.6116860184273879e+18", "4611686018427387904.00"),
        (0x43d0000000000001, "4.6116860184273889e+18", "4611686018427388928.00"),
        (0x40c81cd6c8b43958, "12345.678", "12345.68"),
        (0xbfe0000000000000, "-0.5", "-0.50"),
        (0x4376345785d8a000, "1e+17", "100000000000000000.00"),
        (0x3fd3333333333334, "0.30000000000000004", "0.30"),
        (0x0000000000000001, "4.9406564584124654e-324", "0.00"),
        (0x7fefffffffffffff, "1.7976931348623157e+308", "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.00"),
        (0x3c36b082c2148b8e, "1.23e-18", "0.00"),
        (0x3f1a36e2eb1c432d, "0.0001", "0.00"),
        (0x40f0000000000000, "65536", "65536.00"),
        (0x3f1a36e2eb1c432d, "0.0001", "0.00"),
        (0x3f1a36e2eb1c432c, "9.9999999999999991e-05", "0.00"),
    ];

    #[test]
    fn g17_matches_glibc_printf() {
        for &(bits, g, f) in C_PRINTF {
            let v = f64::from_bits(bits);
            assert_eq!(s(&g17(v)), g, "{v:e}");
            let mut out = Vec::new();
            fmt_double_g17(v, &mut out);
            assert_eq!(s(&out), g);
            let mut out = Vec::new();
            fmt_fixed(v, 2, &mut out);
            assert_eq!(s(&out), f, "{v:e}");
        }
    }

    #[test]
    fn g17_specials() {
        assert_eq!(s(&g17(f64::INFINITY)), "inf");
        assert_eq!(s(&g17(f64::NEG_INFINITY)), "-inf");
        assert_eq!(s(&g17(f64::NAN)), "nan");
        assert_eq!(s(&g17(-f64::NAN)), "-nan");
        assert_eq!(s(&g17(-0.0)), "-0");
        // Ties at the 18th digit go to even, as in glibc: 2^-25 and 3*2^-25.
        assert_eq!(s(&g17(2f64.powi(-25))), "2.9802322387695312e-08");
        assert_eq!(s(&g17(3.0 * 2f64.powi(-25))), "8.9406967163085938e-08");
    }

    #[test]
    fn d2string_prints_integers_without_exponent() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (-3.0, "-3"),
            (1.5, "1.5"),
            (0.1, "0.10000000000000001"),
            (1e17, "100000000000000000"),
            (1e18, "1000000000000000000"),
            (4611686018427387904.0, "4611686018427387904"), // 2^62 = LLONG_MAX/2 + 1 as a double
            (4611686018427388928.0, "4.6116860184273889e+18"),
            (-4611686018427387904.0, "-4611686018427387904"),
            (1e20, "1e+20"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for &(v, want) in cases {
            assert_eq!(s(&d2string(v)), want, "{v:e}");
            let mut out = Vec::new();
            fmt_d2string(v, &mut out);
            assert_eq!(s(&out), want);
        }
        assert_eq!(double2ll(3.0), Some(3));
        assert_eq!(double2ll(3.5), None);
        assert_eq!(double2ll(1e19), None);
        assert_eq!(double2ll(f64::NAN), None);
    }

    /// (value, glibc's `%.2f`).
    const C_FIXED: &[(f64, &str)] = &[
        (0.125, "0.12"),
        (0.375, "0.38"),
        (2.5, "2.50"),
        (1.005, "1.00"),
        (0.9990234375, "1.00"),
        (1.5, "1.50"),
        (117.73756885528564, "117.74"),
        (-0.0, "-0.00"),
        (1e21, "1000000000000000000000.00"),
        (0.005, "0.01"),
    ];

    #[test]
    fn fixed_matches_glibc() {
        for &(v, want) in C_FIXED {
            let mut out = Vec::new();
            fmt_fixed(v, 2, &mut out);
            assert_eq!(s(&out), want, "{v:e}");
        }
        let mut out = Vec::new();
        fmt_fixed(f64::NEG_INFINITY, 2, &mut out);
        assert_eq!(out, b"-inf");
    }

    #[test]
    fn bytes_to_human_like_info() {
        let cases: &[(u64, &str)] = &[
            (0, "0B"),
            (1023, "1023B"),
            (1024, "1.00K"),
            (1536, "1.50K"),
            (1048575, "1024.00K"),
            (1048576, "1.00M"),
            (123456789, "117.74M"),
            (1 << 30, "1.00G"),
            (1 << 40, "1.00T"),
            (1 << 50, "1.00P"),
            (1 << 60, "1152921504606846976B"),
            (u64::MAX, "18446744073709551615B"),
        ];
        for &(n, want) in cases {
            let mut out = Vec::new();
            bytes_to_human(n, &mut out);
            assert_eq!(s(&out), want);
        }
    }

    // ---------------------------------------------------------- strtod

    #[test]
    fn parse_f64_like_string2d() {
        let ok: &[(&[u8], f64)] = &[
            (b"1", 1.0),
            (b"-1", -1.0),
            (b"+1.5", 1.5),
            (b".5", 0.5),
            (b"5.", 5.0),
            (b"1e3", 1000.0),
            (b"1E+3", 1000.0),
            (b"1.5e-3", 0.0015),
            (b"0x10", 16.0),
            (b"0x1p-2", 0.25),
            (b"0X1.8P1", 3.0),
            (b"0x.8", 0.5),
            (b"inf", f64::INFINITY),
            (b"+inf", f64::INFINITY),
            (b"-inf", f64::NEG_INFINITY),
            (b"Infinity", f64::INFINITY),
            (b"-INFINITY", f64::NEG_INFINITY),
            (b"1e-310", 1e-310),
            (b"0e-999", 0.0),
            (b"00012", 12.0),
            (b"1.7976931348623157e308", f64::MAX),
        ];
        for &(text, v) in ok {
            assert_eq!(parse_f64(text), Some(v), "{}", s(text));
        }
        assert!(parse_f64(b"-0").unwrap().is_sign_negative());
        let bad: &[&[u8]] = &[
            b"", b" 1", b"1 ", b"\t1", b"nan", b"-nan", b"NaN", b"nan(1)", b"1e400", b"-1e400",
            b"1e-400", b"1.8e308", b"infin", b"inf ", b"1e", b"1e+", b".", b"-", b"e1", b"0x",
            b"0xp1", b"1,5", b"1_0", b"1\x002", b"1\0", b"abc",
        ];
        for &text in bad {
            assert_eq!(parse_f64(text), None, "{:?}", s(text));
        }
    }

    #[test]
    fn range_bound_is_plain_strtod() {
        assert_eq!(parse_f64_range_bound(b"1.5"), Some(1.5));
        assert_eq!(parse_f64_range_bound(b"  1.5"), Some(1.5));
        assert_eq!(parse_f64_range_bound(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64_range_bound(b"+inf"), Some(f64::INFINITY));
        assert_eq!(parse_f64_range_bound(b"1e400"), Some(f64::INFINITY));
        assert_eq!(parse_f64_range_bound(b"1e-400"), Some(0.0));
        assert_eq!(parse_f64_range_bound(b""), Some(0.0));
        assert_eq!(parse_f64_range_bound(b"\x00x"), Some(0.0));
        assert_eq!(parse_f64_range_bound(b"2\x00junk"), Some(2.0));
        assert_eq!(parse_f64_range_bound(b" "), None);
        assert_eq!(parse_f64_range_bound(b"1 "), None);
        assert_eq!(parse_f64_range_bound(b"nan"), None);
        assert_eq!(parse_f64_range_bound(b"(1"), None);
        assert_eq!(parse_f64_range_bound(b"abc"), None);
    }

    #[test]
    fn sort_rejects_every_erange() {
        assert_eq!(parse_f64_sort(b" 3"), Some(3.0));
        assert_eq!(parse_f64_sort(b""), Some(0.0));
        assert_eq!(parse_f64_sort(b"1e400"), None);
        assert_eq!(parse_f64_sort(b"1e-400"), None);
        assert_eq!(parse_f64_sort(b"1e-320"), None); // inexact subnormal
        assert_eq!(parse_f64_sort(b"0x1p-1074"), Some(5e-324)); // exact subnormal
        assert_eq!(parse_f64_sort(b"2.2250738585072011e-308"), None);
        assert_eq!(
            parse_f64_sort(b"2.2250738585072013e-308"),
            Some(f64::MIN_POSITIVE)
        );
        assert_eq!(parse_f64_sort(b"x"), None);
        assert_eq!(parse_f64_sort(b"inf"), Some(f64::INFINITY));
    }

    #[test]
    fn exact_converter_agrees_with_std_on_binary64() {
        // The x87 converter, run at binary64 precision, against the
        // standard library's correctly rounded parser.
        let cases: &[&str] = &[
            "0.1",
            "1e23",
            "8.98846567431158e307",
            "2.2250738585072011e-308",
            "4.9406564584124654e-324",
            "2.4703282292062328e-324",
            "2.4703282292062327e-324",
            "9007199254740993",
            "123456789012345678901234567890e-50",
            "0.000000000000000000000000000000000000000000001",
            "179769313486231580793728971405301e276",
            "7.2057594037927933e16",
        ];
        for text in cases {
            let scan = scan_float(text.as_bytes()).unwrap();
            let FloatBody::Dec { int, frac, exp } = scan.body else {
                panic!()
            };
            let r = decimal_to_binary(BINARY64, false, int, frac, exp).unwrap();
            assert_eq!(r.repr.to_f64(), text.parse::<f64>().unwrap(), "{text}");
        }
    }

    // ---------------------------------------------------------- long double

    /// (literal, glibc's `strtold` then Redis's `ld2string(LD_STR_HUMAN)`).
    const C_LD_HUMAN: &[(&str, &str)] = &[
        ("0", "0"),
        ("-0", "0"),
        ("1", "1"),
        ("-1", "-1"),
        ("10.5", "10.5"),
        ("3.0e3", "3000"),
        ("5.0e3", "5000"),
        ("0.1", "0.1"),
        ("-0.1", "-0.1"),
        ("1.1", "1.1"),
        ("1.23", "1.23"),
        ("0.77", "0.77"),
        ("1.9", "1.9"),
        ("17179869185.5", "17179869185.5"),
        ("34359738368", "34359738368"),
        ("1e20", "100000000000000000000"),
        ("1e-20", "0"),
        ("-1e-20", "0"),
        ("1.5e-10", "0.00000000015"),
        ("0.00000000000000001", "0.00000000000000001"),
        ("0.000000000000000005", "0"),
        ("0.000000000000000015", "0.00000000000000002"),
        ("0x1p-18", "0.00000381469726562"),
        ("3.14159265358979323846", "3.14159265358979324"),
        ("1.2345678901234567", "1.2345678901234567"),
        ("10000000000000001", "10000000000000001"),
        ("18446744073709551615", "18446744073709551615"),
        ("18446744073709551617", "18446744073709551616"),
        ("9223372036854775807", "9223372036854775807"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("123456789.123456789", "123456789.12345678899873747"),
        ("1e30", "1000000000000000000024696061952"),
        ("1e-4940", "0"),
        ("0x1p-16445", "0"),
        ("inf", "inf"),
        ("-inf", "-inf"),
        ("+inf", "inf"),
        ("0x1.8p1", "3"),
        (".5", "0.5"),
        ("5.", "5"),
        ("+1.5", "1.5"),
        ("2.5e-3", "0.0025"),
    ];

    #[test]
    fn long_double_parse_and_print_match_glibc() {
        for &(text, want) in C_LD_HUMAN {
            let v = LongDouble::parse(text.as_bytes());
            let v = v.unwrap_or_else(|| panic!("{text} rejected"));
            assert_eq!(human(v), want, "{text}");
        }
    }

    /// (a, b, Redis's INCRBYFLOAT reply for a + b, from glibc `long double`).
    const C_LD_ADD: &[(&str, &str, &str)] = &[
        ("1", "-1.1", "-0.1"),
        ("0.1", "0.2", "0.3"),
        ("1.23", "0.77", "2"),
        ("2", "-0.1", "1.9"),
        ("1.5", "1.5", "3"),
        ("17179869184", "1.5", "17179869185.5"),
        ("17179869184", "17179869184", "34359738368"),
        ("0", "10.5", "10.5"),
        ("10.5", "0.25", "10.75"),
        ("5.0e3", "2.0e2", "5200"),
        ("0.024390243902439025", "-0.024390243902439025", "0"),
        ("1e20", "1", "100000000000000000000"),
        ("1e-20", "1", "1"),
        ("18446744073709551615", "1", "18446744073709551616"),
        ("18446744073709551615", "-1", "18446744073709551614"),
        ("0.3", "-0.1", "0.2"),
        (
            "1.18973149535723176502e4932",
            "1.18973149535723176502e4932",
            "inf",
        ),
        ("1e4932", "-1e4932", "0"),
        ("-0.1", "0.1", "0"),
        ("3.0", "0.000000000000000001", "3"),
        ("100", "-99.99", "0.01"),
        ("1.1", "2.2", "3.3"),
        ("-5", "2.75", "-2.25"),
        ("9007199254740993", "0", "9007199254740993"),
    ];

    #[test]
    fn long_double_addition_matches_glibc() {
        for &(a, b, want) in C_LD_ADD {
            let x = LongDouble::parse(a.as_bytes()).unwrap();
            let y = LongDouble::parse(b.as_bytes()).unwrap();
            let sum = x + y;
            let got = if sum.is_nan() {
                "nan".to_string()
            } else {
                human(sum)
            };
            assert_eq!(got, want, "{a} + {b}");
        }
    }

    #[test]
    fn incr_tcl_and_hash_tcl_cases() {
        let incr = |cur: &str, by: &str| -> Option<String> {
            let sum = LongDouble::parse(cur.as_bytes())? + LongDouble::parse(by.as_bytes())?;
            sum.is_finite().then(|| human(sum))
        };
        // incr.tcl
        assert_eq!(incr("0", "1").as_deref(), Some("1"));
        assert_eq!(incr("1", "0.25").as_deref(), Some("1.25"));
        assert_eq!(incr("1.5", "1.5").as_deref(), Some("3"));
        assert_eq!(incr("17179869184", "1.5").as_deref(), Some("17179869185.5"));
        assert_eq!(
            incr("17179869184", "17179869184").as_deref(),
            Some("34359738368")
        );
        assert_eq!(incr("1", "-1.1").as_deref(), Some("-0.1"));
        assert_eq!(incr("0", "+inf"), None); // "increment would produce NaN or Infinity"
        assert_eq!(LongDouble::parse(b"    11"), None);
        assert_eq!(LongDouble::parse(b"11    "), None);
        assert_eq!(LongDouble::parse(b" 11 "), None);
        assert_eq!(LongDouble::parse(b"1\x002"), None); // "string to double with null terminator"
        let third = format!("{}", 1.0f64 / 41.0);
        let sum = incr("0", &third).unwrap();
        assert_eq!(incr(&sum, &format!("-{third}")).as_deref(), Some("0")); // "No negative zero"
                                                                            // hash.tcl, "issue #2846"
        let a = incr("0", "1.23").unwrap();
        assert_eq!(a, "1.23");
        let b = incr(&a, "0.77").unwrap();
        assert_eq!(b, "2");
        assert_eq!(incr(&b, "-0.1").as_deref(), Some("1.9"));
        assert_eq!(incr("0", "2.5").as_deref(), Some("2.5"));
        assert_eq!(incr("2.5", "3.5").as_deref(), Some("6"));
        assert_eq!(incr("100", "2.5").as_deref(), Some("102.5"));
        assert_eq!(incr("17179869184", "1").as_deref(), Some("17179869185"));
        // Hash fields stored as integers convert exactly.
        assert_eq!(
            LongDouble::from_i64(i64::MIN),
            LongDouble::parse(b"-9223372036854775808").unwrap()
        );
        assert_eq!(LongDouble::from_i64(0), LongDouble::ZERO);
    }

    #[test]
    fn long_double_rejections() {
        let bad: &[&[u8]] = &[
            b"",
            b" 1",
            b"1 ",
            b"nan",
            b"-nan",
            b"1.2e4932",
            b"1e5000",
            b"1e-4952",
            b"1e-5000",
            b"abc",
            b"1e",
            b"0x",
        ];
        for &text in bad {
            assert_eq!(LongDouble::parse(text), None, "{:?}", s(text));
        }
        // Within x87 range though beyond binary64's.
        assert!(LongDouble::parse(b"1e400").is_some());
        assert!(LongDouble::parse(b"1e-400").is_some());
        assert!(LongDouble::parse(b"3.6e-4951").is_some());
        // MAX_LONG_DOUBLE_CHARS bounds the length.
        let mut long = b"1.".to_vec();
        long.resize(MAX_LONG_DOUBLE_CHARS - 1, b'0');
        assert_eq!(LongDouble::parse(&long), Some(LongDouble::from_i64(1)));
        long.push(b'0');
        assert_eq!(LongDouble::parse(&long), None);
    }

    #[test]
    fn long_double_huge_inputs_are_exact() {
        // 5119 digits: the big-number path at its largest.
        let mut text = b"0.".to_vec();
        text.extend(std::iter::repeat(b'3').take(MAX_LONG_DOUBLE_CHARS - 3));
        let v = LongDouble::parse(&text).unwrap();
        assert_eq!(human(v), "0.33333333333333333");
        // 1e4932 (glibc: 4933 digits, "1000000000000000000006018949387963891323...").
        let mut text = b"1".to_vec();
        text.extend(std::iter::repeat(b'0').take(4932));
        let v = LongDouble::parse(&text).unwrap();
        let out = human(v);
        assert_eq!(out.len(), 4933);
        assert!(
            out.starts_with("1000000000000000000006018949387963891323"),
            "{}",
            &out[..40]
        );
    }

    #[test]
    fn long_double_specials() {
        let inf = LongDouble::parse(b"inf").unwrap();
        let ninf = LongDouble::parse(b"-Infinity").unwrap();
        assert!(inf.is_infinite() && !inf.is_finite());
        assert!((inf + ninf).is_nan());
        assert!((inf + LongDouble::from_i64(1)).is_infinite());
        assert_eq!(human(inf), "inf");
        assert_eq!(human(ninf), "-inf");
        assert_eq!(LongDouble::parse(b"-0.5").unwrap().to_f64(), -0.5);
        assert_eq!(LongDouble::from_f64(0.1).to_f64(), 0.1);
        let mut out = Vec::new();
        fmt_long_double_human(0.1, &mut out);
        assert_eq!(out, b"0.10000000000000001");
        out.clear();
        fmt_long_double_human(3.0e3, &mut out);
        assert_eq!(out, b"3000");
        out.clear();
        fmt_long_double_human(-1e-30, &mut out);
        assert_eq!(out, b"0");
    }

    /// (seconds, glibc's `(long long)ceill(strtold(s) * 1000.0)`).
    const C_TIMEOUT: &[(&str, i64)] = &[
        ("0", 0),
        ("1", 1000),
        ("0.1", 100),
        ("0.001", 1),
        ("0.0001", 1),
        ("1.5", 1500),
        ("-0.0001", 0),
        ("-1", -1000),
        ("-0.5", -500),
        ("1e30", -9223372036854775808),
        ("9223372036854775.807", 9223372036854775807),
        ("9223372036854775.808", -9223372036854775808),
        ("-9223372036854775.808", -9223372036854775807),
        ("-9223372036854775.809", -9223372036854775808),
        ("inf", -9223372036854775808),
        ("-inf", -9223372036854775808),
        ("0.0015", 2),
        ("1e-400", 1),
        ("3.9999999999999999", 4000),
    ];

    #[test]
    fn timeouts_match_glibc() {
        for &(text, ms) in C_TIMEOUT {
            assert_eq!(parse_timeout_ms(text.as_bytes()), Some(ms), "{text}");
        }
        assert_eq!(parse_timeout_ms(b"abc"), None);
        assert_eq!(parse_timeout_ms(b" 1"), None);
        assert_eq!(parse_timeout_ms(b"nan"), None);
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let alphabet = b"0123456789.eEpPxX+-infatyINFATY( )_\0\t";
        for _ in 0..50_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 24) as usize;
            let input: Vec<u8> = (0..len)
                .map(|i| alphabet[((x >> (i % 50)) as usize + i * 7) % alphabet.len()])
                .collect();
            let _ = parse_i64(&input);
            let _ = parse_u64(&input);
            let _ = strtoll(&input);
            let _ = parse_memory(&input);
            let _ = parse_f64(&input);
            let _ = parse_f64_range_bound(&input);
            let _ = parse_f64_sort(&input);
            let _ = parse_timeout_ms(&input);
            if let Some(v) = LongDouble::parse(&input) {
                let _ = human(v + v);
            }
        }
    }
}
