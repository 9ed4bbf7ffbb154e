//! The x87 80-bit `long double` that INCRBYFLOAT computes with on Redis's
//! x86-64 builds: 64-bit significand, exponents down to subnormal 2^-16445
//! and up to 2^16384, round-to-nearest-even.
//!
//! Owns: parsing with glibc `strtold` rules as Redis's string2ld accepts
//! them, addition, and `%.17Lf` formatting trimmed as ld2string's
//! LD_STR_HUMAN mode. All three are exact (big-integer arithmetic, one
//! rounding each), so `10.5 + 0.1` prints `10.6` exactly as Redis does,
//! where `f64` would print `10.59999999999999964`.
//! It must never know about clients or the keyspace.
//!
//! Why exact big integers and not an approximation: the 17 printed
//! decimals sit just above the 64-bit significand's precision (~19.3
//! digits), so a value one unit in the last place off prints differently
//! often enough to be seen by users.

use std::cmp::Ordering;

/// Exponent of the least significant bit of the smallest subnormal:
/// the value 1 * 2^-16445.
const MIN_LSB_EXP: i64 = -16445;
/// Values at or above 2^16384 overflow to infinity.
const MAX_EXP_EXCL: i64 = 16384;
/// Redis's MAX_LONG_DOUBLE_CHARS: longer strings are not numbers.
const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;

/// A finite or infinite extended-precision value: `mant * 2^exp`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LongDouble {
    neg: bool,
    /// Significand; top bit set unless subnormal or zero.
    mant: u64,
    exp: i64,
    inf: bool,
}

/// Why a rounding produced no finite value.
enum Range {
    Overflow,
    Underflow,
}

impl LongDouble {
    pub const ZERO: LongDouble = LongDouble {
        neg: false,
        mant: 0,
        exp: 0,
        inf: false,
    };

    fn is_zero(&self) -> bool {
        !self.inf && self.mant == 0
    }

    /// Redis's string2ld: the whole of `s` must be one number as strtold
    /// reads it (decimal, hex `0x1.8p3`, `inf`/`infinity`), with no
    /// leading space, no trailing bytes, not NaN, and neither overflowing
    /// to infinity nor underflowing to zero.
    pub fn parse(s: &[u8]) -> Option<LongDouble> {
        if s.is_empty() || s.len() >= MAX_LONG_DOUBLE_CHARS {
            return None;
        }
        let (neg, body) = match s[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
            return Some(LongDouble {
                neg,
                mant: 0,
                exp: 0,
                inf: true,
            });
        }
        let r = if body.len() > 2 && body[0] == b'0' && (body[1] | 0x20) == b'x' {
            parse_hex(&body[2..])
        } else {
            parse_dec(body)
        }?;
        let (n, e2, e10) = r;
        if n.is_zero() {
            return Some(LongDouble { neg, ..Self::ZERO });
        }
        from_scaled(neg, &n, e2, e10).ok()
    }

    /// `self + o`, rounded once; None when the result is infinite or NaN
    /// (Redis: "increment would produce NaN or Infinity").
    pub fn checked_add(self, o: LongDouble) -> Option<LongDouble> {
        if self.inf || o.inf {
            return None;
        }
        if o.is_zero() {
            return Some(if self.is_zero() {
                LongDouble {
                    neg: self.neg && o.neg,
                    ..self
                }
            } else {
                self
            });
        }
        if self.is_zero() {
            return Some(o);
        }
        let (hi, lo) = if self.exp >= o.exp {
            (self, o)
        } else {
            (o, self)
        };
        let d = hi.exp - lo.exp;
        let same = hi.neg == lo.neg;
        let (neg, n, e, sticky) = if d > 200 {
            // `lo` is far below `hi`'s last bit: it only decides rounding.
            let mut n = Big::from_u64(hi.mant);
            n.shl(130);
            if !same {
                n.sub_small(1);
            }
            (hi.neg, n, hi.exp - 130, true)
        } else {
            let mut a = Big::from_u64(hi.mant);
            a.shl(d as u64);
            let b = Big::from_u64(lo.mant);
            if same {
                a.add(&b);
                (hi.neg, a, lo.exp, false)
            } else {
                match a.cmp(&b) {
                    Ordering::Equal => return Some(Self::ZERO),
                    Ordering::Greater => {
                        a.sub(&b);
                        (hi.neg, a, lo.exp, false)
                    }
                    Ordering::Less => {
                        let mut b = b;
                        b.sub(&a);
                        (lo.neg, b, lo.exp, false)
                    }
                }
            }
        };
        match round(neg, &n, e, sticky) {
            Ok(v) => Some(v),
            Err(Range::Overflow) => None,
            Err(Range::Underflow) => Some(LongDouble { neg, ..Self::ZERO }),
        }
    }

    /// Redis's ld2string in LD_STR_HUMAN mode: `%.17Lf`, trailing zeros
    /// and a trailing dot removed, `-0` written `0`.
    pub fn to_human_string(self) -> Vec<u8> {
        if self.inf {
            return if self.neg {
                b"-inf".to_vec()
            } else {
                b"inf".to_vec()
            };
        }
        let mut x = Big::from_u64(self.mant);
        x.mul_pow10(17);
        if self.exp >= 0 {
            x.shl(self.exp as u64);
        } else {
            let sh = (-self.exp) as u64;
            let half = x.bit(sh - 1);
            let rest = x.any_below(sh - 1);
            x.shr(sh);
            if half && (rest || x.bit(0)) {
                x.add_small(1);
            }
        }
        let digits = x.to_decimal();
        let mut out = Vec::with_capacity(digits.len() + 3);
        if self.neg {
            out.push(b'-');
        }
        if digits.len() <= 17 {
            out.extend_from_slice(b"0.");
            out.resize(out.len() + 17 - digits.len(), b'0');
            out.extend_from_slice(&digits);
        } else {
            let int_len = digits.len() - 17;
            out.extend_from_slice(&digits[..int_len]);
            out.push(b'.');
            out.extend_from_slice(&digits[int_len..]);
        }
        while out.last() == Some(&b'0') {
            out.pop();
        }
        if out.last() == Some(&b'.') {
            out.pop();
        }
        if out == b"-0" {
            out.remove(0);
        }
        out
    }
}

/// Decimal `digits[.digits][e[+-]digits]` → (significant digits as an
/// integer, binary exponent 0, decimal exponent).
fn parse_dec(s: &[u8]) -> Option<(Big, i64, i64)> {
    let mut n = Big::zero();
    let mut i = 0;
    let mut ndigits = 0usize;
    let mut e10: i64 = 0;
    let mut seen_dot = false;
    let mut chunk: u32 = 0;
    let mut chunk_len = 0;
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_digit() {
            ndigits += 1;
            if seen_dot {
                e10 -= 1;
            }
            chunk = chunk * 10 + u32::from(c - b'0');
            chunk_len += 1;
            if chunk_len == 9 {
                n.mul_small(1_000_000_000);
                n.add_small(chunk);
                chunk = 0;
                chunk_len = 0;
            }
        } else if c == b'.' && !seen_dot {
            seen_dot = true;
        } else {
            break;
        }
        i += 1;
    }
    if chunk_len > 0 {
        n.mul_small(10u32.pow(chunk_len));
        n.add_small(chunk);
    }
    if ndigits == 0 {
        return None;
    }
    if i < s.len() {
        if s[i] | 0x20 != b'e' {
            return None;
        }
        i += 1;
        let mut eneg = false;
        if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
            eneg = s[i] == b'-';
            i += 1;
        }
        if i >= s.len() {
            return None;
        }
        let mut ev: i64 = 0;
        while i < s.len() {
            if !s[i].is_ascii_digit() {
                return None;
            }
            ev = (ev * 10 + i64::from(s[i] - b'0')).min(1 << 40);
            i += 1;
        }
        e10 += if eneg { -ev } else { ev };
    }
    Some((n, 0, e10))
}

/// Hex `h[.h][p[+-]digits]` (after `0x`) → (digits as an integer, binary
/// exponent, decimal exponent 0).
fn parse_hex(s: &[u8]) -> Option<(Big, i64, i64)> {
    let mut n = Big::zero();
    let mut i = 0;
    let mut ndigits = 0;
    let mut e2: i64 = 0;
    let mut seen_dot = false;
    while i < s.len() {
        let c = s[i];
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'a'..=b'f' => u32::from(c - b'a' + 10),
            b'A'..=b'F' => u32::from(c - b'A' + 10),
            b'.' if !seen_dot => {
                seen_dot = true;
                i += 1;
                continue;
            }
            _ => break,
        };
        ndigits += 1;
        if seen_dot {
            e2 -= 4;
        }
        n.mul_small(16);
        n.add_small(v);
        i += 1;
    }
    if ndigits == 0 {
        return None;
    }
    if i < s.len() {
        if s[i] | 0x20 != b'p' {
            return None;
        }
        i += 1;
        let mut eneg = false;
        if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
            eneg = s[i] == b'-';
            i += 1;
        }
        if i >= s.len() {
            return None;
        }
        let mut ev: i64 = 0;
        while i < s.len() {
            if !s[i].is_ascii_digit() {
                return None;
            }
            ev = (ev * 10 + i64::from(s[i] - b'0')).min(1 << 40);
            i += 1;
        }
        e2 += if eneg { -ev } else { ev };
    }
    Some((n, e2, 0))
}

/// The value `n * 2^e2 * 10^e10` (n > 0), rounded once.
fn from_scaled(neg: bool, n: &Big, e2: i64, e10: i64) -> Result<LongDouble, Range> {
    // Magnitude bounds in powers of two, to refuse absurd exponents before
    // building huge numbers: log2(10) < 3.33.
    let bits = n.bit_len() as i64;
    let approx = bits + e2 + (e10 as f64 * std::f64::consts::LOG2_10) as i64;
    if approx > MAX_EXP_EXCL + 8 {
        return Err(Range::Overflow);
    }
    if approx < MIN_LSB_EXP - 8 {
        return Err(Range::Underflow);
    }
    if e10 >= 0 {
        let mut x = n.clone();
        x.mul_pow10(e10 as u64);
        return round(neg, &x, e2, false);
    }
    // n / 10^m = n / 5^m * 2^-m: divide by 5^m keeping ~68 quotient bits
    // and the remainder as the sticky bit.
    let m = (-e10) as u64;
    let mut div = Big::from_u64(1);
    div.mul_pow5(m);
    let k = div.bit_len() as i64 - bits + 68;
    let mut num = n.clone();
    let mut e = e2 - m as i64;
    if k > 0 {
        num.shl(k as u64);
        e -= k;
    } else if k < 0 {
        div.shl((-k) as u64);
        e += -k;
    }
    let (q, rem_nonzero) = num.div_small_quotient(&div);
    round(neg, &q, e, rem_nonzero)
}

/// Rounds `n * 2^e` (plus a nonzero amount below its last bit when
/// `sticky`) to the nearest long double, ties to even, subnormals and
/// overflow included.
fn round(neg: bool, n: &Big, e: i64, sticky: bool) -> Result<LongDouble, Range> {
    if n.is_zero() {
        return Err(Range::Underflow);
    }
    let top = n.bit_len() as i64 - 1;
    let lsb = (e + top - 63).max(MIN_LSB_EXP);
    let shift = lsb - e;
    let mut mant;
    let mut exp = lsb;
    if shift <= 0 {
        // Every bit of `n` fits; callers pass `sticky` only with far more
        // than 64 bits, so nothing is lost here.
        mant = n.low_u64() << (-shift);
    } else {
        let sh = shift as u64;
        mant = n.bits_u64_from(sh);
        let half = n.bit(sh - 1);
        let rest = sticky || n.any_below(sh - 1);
        if half && (rest || mant & 1 == 1) {
            match mant.checked_add(1) {
                Some(v) => mant = v,
                None => {
                    mant = 1 << 63;
                    exp += 1;
                }
            }
        }
    }
    if mant == 0 {
        return Err(Range::Underflow);
    }
    let top_bit = exp + 63 - i64::from(mant.leading_zeros());
    if top_bit >= MAX_EXP_EXCL {
        return Err(Range::Overflow);
    }
    Ok(LongDouble {
        neg,
        mant,
        exp,
        inf: false,
    })
}

/// A minimal unsigned big integer: little-endian 32-bit limbs, no
/// trailing zero limbs.
#[derive(Clone, Debug)]
struct Big(Vec<u32>);

impl Big {
    fn zero() -> Big {
        Big(Vec::new())
    }

    fn from_u64(v: u64) -> Big {
        let mut b = Big(vec![v as u32, (v >> 32) as u32]);
        b.trim();
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn bit_len(&self) -> u64 {
        match self.0.last() {
            None => 0,
            Some(&top) => (self.0.len() as u64 - 1) * 32 + 32 - u64::from(top.leading_zeros()),
        }
    }

    fn bit(&self, i: u64) -> bool {
        let limb = (i / 32) as usize;
        limb < self.0.len() && (self.0[limb] >> (i % 32)) & 1 == 1
    }

    /// True when any bit below position `i` is set.
    fn any_below(&self, i: u64) -> bool {
        let limb = (i / 32) as usize;
        let bits = i % 32;
        if self.0.iter().take(limb.min(self.0.len())).any(|&l| l != 0) {
            return true;
        }
        bits > 0 && limb < self.0.len() && self.0[limb] & ((1u32 << bits) - 1) != 0
    }

    fn low_u64(&self) -> u64 {
        let lo = self.0.first().copied().unwrap_or(0) as u64;
        let hi = self.0.get(1).copied().unwrap_or(0) as u64;
        lo | (hi << 32)
    }

    /// Bits `[from, from + 64)` as a u64.
    fn bits_u64_from(&self, from: u64) -> u64 {
        let mut v = 0u64;
        for k in 0..64u64 {
            if self.bit(from + k) {
                v |= 1 << k;
            }
        }
        v
    }

    fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for l in &mut self.0 {
            let v = u64::from(*l) * u64::from(m) + carry;
            *l = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
        self.trim();
    }

    fn mul_pow10(&mut self, mut n: u64) {
        while n >= 9 {
            self.mul_small(1_000_000_000);
            n -= 9;
        }
        if n > 0 {
            self.mul_small(10u32.pow(n as u32));
        }
    }

    fn mul_pow5(&mut self, mut n: u64) {
        while n >= 13 {
            self.mul_small(1_220_703_125); // 5^13
            n -= 13;
        }
        if n > 0 {
            self.mul_small(5u32.pow(n as u32));
        }
    }

    fn add_small(&mut self, a: u32) {
        let mut carry = u64::from(a);
        for l in &mut self.0 {
            if carry == 0 {
                break;
            }
            let v = u64::from(*l) + carry;
            *l = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn sub_small(&mut self, a: u32) {
        let mut borrow = i64::from(a);
        for l in &mut self.0 {
            if borrow == 0 {
                break;
            }
            let v = i64::from(*l) - borrow;
            if v < 0 {
                *l = (v + (1i64 << 32)) as u32;
                borrow = 1;
            } else {
                *l = v as u32;
                borrow = 0;
            }
        }
        self.trim();
    }

    fn add(&mut self, o: &Big) {
        if self.0.len() < o.0.len() {
            self.0.resize(o.0.len(), 0);
        }
        let mut carry = 0u64;
        for i in 0..self.0.len() {
            let v = u64::from(self.0[i]) + u64::from(o.0.get(i).copied().unwrap_or(0)) + carry;
            self.0[i] = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    /// `self -= o`; requires `self >= o`.
    fn sub(&mut self, o: &Big) {
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let v = i64::from(self.0[i]) - i64::from(o.0.get(i).copied().unwrap_or(0)) - borrow;
            if v < 0 {
                self.0[i] = (v + (1i64 << 32)) as u32;
                borrow = 1;
            } else {
                self.0[i] = v as u32;
                borrow = 0;
            }
        }
        self.trim();
    }

    fn cmp(&self, o: &Big) -> Ordering {
        self.0
            .len()
            .cmp(&o.0.len())
            .then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
    }

    fn shl(&mut self, n: u64) {
        if self.is_zero() || n == 0 {
            return;
        }
        let limbs = (n / 32) as usize;
        let bits = (n % 32) as u32;
        if bits > 0 {
            let mut carry = 0u32;
            for l in &mut self.0 {
                let v = *l;
                *l = (v << bits) | carry;
                carry = v >> (32 - bits);
            }
            if carry > 0 {
                self.0.push(carry);
            }
        }
        if limbs > 0 {
            self.0.splice(0..0, std::iter::repeat(0).take(limbs));
        }
    }

    fn shr(&mut self, n: u64) {
        let limbs = (n / 32) as usize;
        if limbs >= self.0.len() {
            self.0.clear();
            return;
        }
        self.0.drain(..limbs);
        let bits = (n % 32) as u32;
        if bits > 0 {
            let len = self.0.len();
            for i in 0..len {
                let hi = if i + 1 < len { self.0[i + 1] } else { 0 };
                self.0[i] = (self.0[i] >> bits) | (hi << (32 - bits));
            }
        }
        self.trim();
    }

    /// Quotient of `self / d` when it has at most ~70 bits, by binary long
    /// division, and whether the remainder is nonzero.
    fn div_small_quotient(&self, d: &Big) -> (Big, bool) {
        let mut rem = self.clone();
        let qbits = (self.bit_len() as i64 - d.bit_len() as i64 + 1).max(0) as u64;
        let mut shifted = d.clone();
        shifted.shl(qbits);
        let mut q = Big::zero();
        for i in (0..=qbits).rev() {
            if rem.cmp(&shifted) != Ordering::Less {
                rem.sub(&shifted);
                let mut one = Big::from_u64(1);
                one.shl(i);
                q.add(&one);
            }
            shifted.shr(1);
        }
        (q, !rem.is_zero())
    }

    /// Decimal digits, most significant first ("0" for zero).
    fn to_decimal(&self) -> Vec<u8> {
        let mut x = self.clone();
        let mut groups: Vec<u32> = Vec::new();
        while !x.is_zero() {
            let mut rem = 0u64;
            for l in x.0.iter_mut().rev() {
                let cur = (rem << 32) | u64::from(*l);
                *l = (cur / 1_000_000_000) as u32;
                rem = cur % 1_000_000_000;
            }
            x.trim();
            groups.push(rem as u32);
        }
        let mut out = Vec::with_capacity(groups.len() * 9 + 1);
        match groups.pop() {
            None => out.push(b'0'),
            Some(top) => out.extend_from_slice(top.to_string().as_bytes()),
        }
        for g in groups.iter().rev() {
            out.extend_from_slice(format!("{g:09}").as_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> String {
        String::from_utf8(LongDouble::parse(s.as_bytes()).unwrap().to_human_string()).unwrap()
    }

    fn add(a: &str, b: &str) -> String {
        let x = LongDouble::parse(a.as_bytes()).unwrap();
        let y = LongDouble::parse(b.as_bytes()).unwrap();
        String::from_utf8(x.checked_add(y).unwrap().to_human_string()).unwrap()
    }

    #[test]
    fn formats_like_redis() {
        assert_eq!(fmt("0"), "0");
        assert_eq!(fmt("1"), "1");
        assert_eq!(fmt("-1.5"), "-1.5");
        assert_eq!(fmt("3.0e3"), "3000");
        assert_eq!(fmt("0x1.8p1"), "3");
        assert_eq!(fmt("5.0e-20"), "0");
        assert_eq!(fmt("-5.0e-20"), "0");
        assert_eq!(fmt("17179869184"), "17179869184");
    }

    #[test]
    fn adds_with_extended_precision() {
        assert_eq!(add("10.5", "0.1"), "10.6");
        assert_eq!(add("1", "-1.1"), "-0.1");
        assert_eq!(add("17179869184", "1.5"), "17179869185.5");
        assert_eq!(add("0.024390243902439025", "-0.024390243902439025"), "0");
    }

    #[test]
    fn refuses_what_string2ld_refuses() {
        for s in [
            "", " 1", "1 ", "nan", "-nan", "1e", "0x", ".", "e5", "1e99999", "1e-99999", "1\x002",
            "abc",
        ] {
            assert!(LongDouble::parse(s.as_bytes()).is_none(), "{s:?}");
        }
        assert!(LongDouble::parse(b"+inf").is_some());
        let big = LongDouble::parse(b"1e4932").unwrap();
        assert!(big.checked_add(big).is_none());
    }
}
