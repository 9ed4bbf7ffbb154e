//! Redis's intset (`intset.c`): a sorted array of distinct integers in one
//! allocation, the compact encoding of small all-integer sets.
//!
//! Owns: the byte layout, searching, inserting (with width upgrade),
//! removing, random picks and validation of a blob loaded from outside. It
//! must never know about sets' other encodings, clients or configuration:
//! `db::set` decides when a set stops being an intset.
//!
//! # Layout
//!
//! Exactly Redis's, so an RDB intset blob is this value's bytes as they are:
//!
//! ```text
//!   +----------------+----------------+------+------+-----+------+
//!   | encoding (u32) | length (u32)   | v0   | v1   | ... | vN-1 |
//!   +----------------+----------------+------+------+-----+------+
//!     2, 4 or 8        N                little-endian, `encoding` bytes each,
//!     (bytes per int)                   strictly increasing
//! ```
//!
//! Every integer takes the width of the widest one. Adding a value outside
//! the current width ([`value_encoding`]) upgrades the whole array, and such
//! a value is necessarily below every member (negative) or above every
//! member (positive), so it goes first or last. Widths never shrink back.
//!
//! The blob is a boxed slice sized exactly (no spare capacity), like the
//! `zrealloc` Redis does on every add and remove: `{1, 2, 3}` is 8 + 3 * 2 =
//! 14 bytes. Lookups are binary searches, O(log N); inserts and removes
//! move the tail, O(N), which is why sets convert to a hash table past
//! `set-max-intset-entries` (512) members.

use std::cmp::Ordering;

/// Bytes of the header: encoding and length, both u32 little-endian.
pub const HEADER_LEN: usize = 8;
/// 2 bytes per integer, Redis's INTSET_ENC_INT16.
pub const ENC_INT16: usize = 2;
/// 4 bytes per integer, Redis's INTSET_ENC_INT32.
pub const ENC_INT32: usize = 4;
/// 8 bytes per integer, Redis's INTSET_ENC_INT64.
pub const ENC_INT64: usize = 8;

/// The width (bytes per integer) `v` needs, Redis's `_intsetValueEncoding`.
pub fn value_encoding(v: i64) -> usize {
    if v < i64::from(i32::MIN) || v > i64::from(i32::MAX) {
        ENC_INT64
    } else if v < i64::from(i16::MIN) || v > i64::from(i16::MAX) {
        ENC_INT32
    } else {
        ENC_INT16
    }
}

/// A sorted set of distinct integers in Redis's intset byte layout.
#[derive(Clone, PartialEq, Eq)]
pub struct IntSet {
    /// Header plus `len * encoding` bytes, exactly.
    blob: Box<[u8]>,
}

impl Default for IntSet {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for IntSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl IntSet {
    /// An empty intset with 16-bit encoding (8 bytes, as `intsetNew`).
    pub fn new() -> IntSet {
        let mut blob = Vec::with_capacity(HEADER_LEN);
        blob.extend_from_slice(&(ENC_INT16 as u32).to_le_bytes());
        blob.extend_from_slice(&0u32.to_le_bytes());
        IntSet {
            blob: blob.into_boxed_slice(),
        }
    }

    /// Takes a blob read from outside (an RDB file), as Redis's
    /// `intsetValidateIntegrity` with deep checking: a known encoding, a size
    /// that matches the length exactly, at least one member, and members
    /// strictly increasing. None when any check fails.
    pub fn from_blob(blob: &[u8]) -> Option<IntSet> {
        if blob.len() < HEADER_LEN {
            return None;
        }
        let enc = read_u32(blob, 0) as usize;
        if !matches!(enc, ENC_INT16 | ENC_INT32 | ENC_INT64) {
            return None;
        }
        let count = read_u32(blob, 4) as usize;
        if count == 0 || count.checked_mul(enc)?.checked_add(HEADER_LEN)? != blob.len() {
            return None;
        }
        let set = IntSet { blob: blob.into() };
        let mut prev = set.get_raw(0, enc);
        for i in 1..count {
            let cur = set.get_raw(i, enc);
            if cur <= prev {
                return None;
            }
            prev = cur;
        }
        Some(set)
    }

    /// The blob in Redis's layout (what RDB stores).
    pub fn as_bytes(&self) -> &[u8] {
        &self.blob
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        read_u32(&self.blob, 4) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes per member: 2, 4 or 8.
    pub fn encoding(&self) -> usize {
        read_u32(&self.blob, 0) as usize
    }

    /// The member at `pos` in ascending order, Redis's `intsetGet`.
    pub fn get(&self, pos: usize) -> Option<i64> {
        (pos < self.len()).then(|| self.get_raw(pos, self.encoding()))
    }

    /// The smallest and largest members.
    pub fn first(&self) -> Option<i64> {
        self.get(0)
    }

    pub fn last(&self) -> Option<i64> {
        self.len().checked_sub(1).and_then(|p| self.get(p))
    }

    /// Members in ascending order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            set: self,
            enc: self.encoding(),
            pos: 0,
            end: self.len(),
        }
    }

    /// Whether `v` is a member, Redis's `intsetFind`.
    pub fn contains(&self, v: i64) -> bool {
        value_encoding(v) <= self.encoding() && self.search(v).is_ok()
    }

    /// Adds `v`, Redis's `intsetAdd`; false when it was already there.
    pub fn insert(&mut self, v: i64) -> bool {
        let enc = self.encoding();
        let venc = value_encoding(v);
        if venc > enc {
            self.upgrade_and_add(v, venc);
            return true;
        }
        let Err(pos) = self.search(v) else {
            return false;
        };
        let len = self.len();
        let mut bytes = std::mem::take(&mut self.blob).into_vec();
        bytes.reserve_exact(enc);
        let at = HEADER_LEN + pos * enc;
        let old_end = bytes.len();
        bytes.resize(old_end + enc, 0);
        bytes.copy_within(at..old_end, at + enc);
        write_int(&mut bytes, at, enc, v);
        write_u32(&mut bytes, 4, (len + 1) as u32);
        self.blob = bytes.into_boxed_slice();
        true
    }

    /// Removes `v`, Redis's `intsetRemove`; false when it was not there. The
    /// width stays what it was.
    pub fn remove(&mut self, v: i64) -> bool {
        let enc = self.encoding();
        if value_encoding(v) > enc {
            return false;
        }
        let Ok(pos) = self.search(v) else {
            return false;
        };
        let len = self.len();
        let mut bytes = std::mem::take(&mut self.blob).into_vec();
        let at = HEADER_LEN + pos * enc;
        bytes.copy_within(at + enc.., at);
        bytes.truncate(bytes.len() - enc);
        write_u32(&mut bytes, 4, (len - 1) as u32);
        self.blob = bytes.into_boxed_slice();
        true
    }

    /// A uniformly chosen member, as `intsetRandom` (`rand() % len`).
    pub fn random(&self) -> Option<i64> {
        let len = self.len();
        if len == 0 {
            return None;
        }
        self.get((crate::db::dict::random_u64() % len as u64) as usize)
    }

    /// Binary search, Redis's `intsetSearch`: `Ok(position)` of `v`, or
    /// `Err(position)` where it would be inserted. Checks both ends first,
    /// so appending in order costs no search.
    fn search(&self, v: i64) -> Result<usize, usize> {
        let len = self.len();
        if len == 0 {
            return Err(0);
        }
        let enc = self.encoding();
        if v > self.get_raw(len - 1, enc) {
            return Err(len);
        }
        if v < self.get_raw(0, enc) {
            return Err(0);
        }
        let (mut lo, mut hi) = (0usize, len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.get_raw(mid, enc).cmp(&v) {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    /// Rewrites every member at width `venc` and puts `v` (outside the old
    /// range) first or last, Redis's `intsetUpgradeAndAdd`.
    fn upgrade_and_add(&mut self, v: i64, venc: usize) {
        let len = self.len();
        let mut bytes = Vec::with_capacity(HEADER_LEN + (len + 1) * venc);
        bytes.extend_from_slice(&(venc as u32).to_le_bytes());
        bytes.extend_from_slice(&((len + 1) as u32).to_le_bytes());
        let push = |bytes: &mut Vec<u8>, x: i64| bytes.extend_from_slice(&x.to_le_bytes()[..venc]);
        if v < 0 {
            push(&mut bytes, v);
        }
        for x in self.iter() {
            push(&mut bytes, x);
        }
        if v >= 0 {
            push(&mut bytes, v);
        }
        self.blob = bytes.into_boxed_slice();
    }

    /// The member at `pos` read at width `enc`; `pos` must be in range.
    fn get_raw(&self, pos: usize, enc: usize) -> i64 {
        let at = HEADER_LEN + pos * enc;
        let b = &self.blob[at..at + enc];
        match enc {
            ENC_INT16 => i64::from(i16::from_le_bytes([b[0], b[1]])),
            ENC_INT32 => i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            _ => i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        }
    }
}

/// Ascending members of an [`IntSet`].
pub struct Iter<'a> {
    set: &'a IntSet,
    enc: usize,
    pos: usize,
    end: usize,
}

impl Iterator for Iter<'_> {
    type Item = i64;

    fn next(&mut self) -> Option<i64> {
        if self.pos >= self.end {
            return None;
        }
        let v = self.set.get_raw(self.pos, self.enc);
        self.pos += 1;
        Some(v)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end - self.pos;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<i64> {
        if self.pos >= self.end {
            return None;
        }
        self.end -= 1;
        Some(self.set.get_raw(self.end, self.enc))
    }
}

impl ExactSizeIterator for Iter<'_> {}

fn read_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn write_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Writes the low `enc` bytes of `v`, little-endian (two's complement
/// truncation is exact since `v` fits the width).
fn write_int(b: &mut [u8], at: usize, enc: usize, v: i64) {
    b[at..at + enc].copy_from_slice(&v.to_le_bytes()[..enc]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(s: &IntSet) -> Vec<i64> {
        s.iter().collect()
    }

    #[test]
    fn value_encodings() {
        assert_eq!(value_encoding(-32768), ENC_INT16);
        assert_eq!(value_encoding(32767), ENC_INT16);
        assert_eq!(value_encoding(-32769), ENC_INT32);
        assert_eq!(value_encoding(32768), ENC_INT32);
        assert_eq!(value_encoding(i64::from(i32::MIN)), ENC_INT32);
        assert_eq!(value_encoding(i64::from(i32::MAX)), ENC_INT32);
        assert_eq!(value_encoding(i64::from(i32::MIN) - 1), ENC_INT64);
        assert_eq!(value_encoding(i64::from(i32::MAX) + 1), ENC_INT64);
        assert_eq!(value_encoding(i64::MIN), ENC_INT64);
        assert_eq!(value_encoding(i64::MAX), ENC_INT64);
    }

    #[test]
    fn byte_layout_is_redis() {
        let mut s = IntSet::new();
        assert_eq!(s.as_bytes(), &[2, 0, 0, 0, 0, 0, 0, 0]);
        assert!(s.insert(5));
        assert!(s.insert(-1));
        assert!(!s.insert(5));
        assert_eq!(s.as_bytes(), &[2, 0, 0, 0, 2, 0, 0, 0, 0xff, 0xff, 5, 0]);
        // Upgrade to 32 bits appends the big positive value.
        assert!(s.insert(65536));
        assert_eq!(s.encoding(), ENC_INT32);
        assert_eq!(
            s.as_bytes(),
            &[4, 0, 0, 0, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 5, 0, 0, 0, 0, 0, 1, 0]
        );
        assert_eq!(collect(&s), vec![-1, 5, 65536]);
        // Upgrade to 64 bits prepends the big negative value.
        assert!(s.insert(i64::MIN));
        assert_eq!(s.encoding(), ENC_INT64);
        assert_eq!(s.as_bytes().len(), HEADER_LEN + 4 * 8);
        assert_eq!(collect(&s), vec![i64::MIN, -1, 5, 65536]);
        assert_eq!(IntSet::from_blob(s.as_bytes()), Some(s.clone()));
    }

    #[test]
    fn insert_remove_contains_keep_order() {
        let mut s = IntSet::new();
        let mut model = std::collections::BTreeSet::new();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = match i % 3 {
                0 => (x % 1000) as i64 - 500,
                1 => (x % 200_000) as i64 - 100_000,
                _ => x as i64,
            };
            if x % 4 == 0 {
                assert_eq!(s.remove(v), model.remove(&v));
            } else {
                assert_eq!(s.insert(v), model.insert(v));
            }
            assert_eq!(s.len(), model.len());
        }
        assert_eq!(collect(&s), model.iter().copied().collect::<Vec<_>>());
        for v in model.iter() {
            assert!(s.contains(*v));
        }
        assert_eq!(s.as_bytes().len(), HEADER_LEN + s.len() * s.encoding());
        assert_eq!(
            IntSet::from_blob(s.as_bytes()).map(|c| c.len()),
            Some(s.len())
        );
    }

    #[test]
    fn removing_keeps_width_and_rejects_wider_values() {
        let mut s = IntSet::new();
        s.insert(1);
        s.insert(100_000);
        assert!(s.remove(100_000));
        assert_eq!(s.encoding(), ENC_INT32);
        assert!(!s.remove(1 << 40));
        assert!(!s.contains(1 << 40));
        assert!(s.remove(1));
        assert!(s.is_empty());
        assert_eq!(s.as_bytes().len(), HEADER_LEN);
        assert_eq!(s.random(), None);
    }

    #[test]
    fn random_picks_members() {
        let mut s = IntSet::new();
        for v in [3, 7, 11] {
            s.insert(v);
        }
        let mut seen = [false; 3];
        for _ in 0..200 {
            let v = s.random().unwrap_or(0);
            let i = [3, 7, 11].iter().position(|&x| x == v);
            assert!(i.is_some());
            seen[i.unwrap_or(0)] = true;
        }
        assert_eq!(seen, [true; 3]);
    }

    #[test]
    fn validation_rejects_bad_blobs() {
        assert!(IntSet::from_blob(&[]).is_none());
        assert!(IntSet::from_blob(&[2, 0, 0, 0, 0, 0, 0, 0]).is_none()); // empty
        assert!(IntSet::from_blob(&[3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0]).is_none()); // encoding 3
        assert!(IntSet::from_blob(&[2, 0, 0, 0, 2, 0, 0, 0, 1, 0]).is_none()); // short
        assert!(IntSet::from_blob(&[2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 1, 0]).is_none()); // order
        assert!(IntSet::from_blob(&[2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 1, 0]).is_none()); // dup
        assert!(IntSet::from_blob(&[2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 2, 0]).is_some());
    }
}
