//! Redis's listpack: a sequence of strings and integers in one contiguous byte buffer, with the
//! exact byte layout of Redis 7.0's `listpack.c`, so RDB (issue 5) can write and read these
//! buffers as they are.
//!
//! Owns: the byte layout and its element encodings. It must never know what a list, hash or
//! sorted set is: those types (`db::list`, `db::hash`, `db::zset`) store their elements here
//! (a hash as field, value, field, value ...; a sorted set as member, score ...).
//!
//! # Layout
//!
//! ```text
//!   <total-bytes u32 LE> <num-elements u16 LE> <entry> <entry> ... <0xFF>
//!
//!   entry = <encoding+data> <backlen>
//!     0xxxxxxx                      7-bit unsigned int (0..=127)          1 byte
//!     10LLLLLL <data>               string up to 63 bytes                 1 + len
//!     110xxxxx xxxxxxxx             13-bit signed int (-4096..=4095)      2 bytes
//!     1110LLLL LLLLLLLL <data>      string up to 4095 bytes               2 + len
//!     11110000 <len u32 LE> <data>  longer string                         5 + len
//!     0xF1 / F2 / F3 / F4 + LE      16 / 24 / 32 / 64-bit signed int      3 / 4 / 5 / 9
//!     backlen: size of <encoding+data>, 7 bits per byte, read right to left; every byte but
//!     the leftmost has its high bit set ("more to the left").
//! ```
//!
//! Worked example: `["hello", 1024]` is 6 header bytes, then `85 h e l l o 06` (6-bit string of
//! length 5, backlen 6), then `C4 00 02` (13-bit int 1024 = 0x0400: `110 00100` `00000000`,
//! backlen 2), then `FF`: 17 bytes in all, against 2 heap nodes of 40+ bytes each for a linked
//! list. A string that is a canonical decimal integer (Redis's `string2ll`) is stored as the
//! integer, so `"1024"` costs 3 bytes and reads back as `1024`.
//!
//! The element count saturates at 65535 (Redis's `LP_HDR_NUMELE_UNKNOWN`); then [`Listpack::len`]
//! counts by walking, as `lpLength` does. Positions are byte offsets of an entry's first byte;
//! every edit reallocates the buffer to its exact size (as `lpInsert` does with `lp_realloc`),
//! which is what keeps small values small.

use crate::util::numeric::{fmt_i64, parse_i64};

/// 6 bytes: total-bytes (u32) and element count (u16), Redis's LP_HDR_SIZE.
pub const HEADER_SIZE: usize = 6;
/// The terminator byte, Redis's LP_EOF.
pub const EOF: u8 = 0xFF;
/// Element count meaning "count by walking", Redis's LP_HDR_NUMELE_UNKNOWN.
const NUMELE_UNKNOWN: u16 = u16::MAX;

/// One element read from a listpack: a borrowed string or an integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry<'a> {
    Str(&'a [u8]),
    Int(i64),
}

impl<'a> Entry<'a> {
    /// The string form; integers are rendered into `scratch`.
    pub fn as_bytes<'b>(&'b self, scratch: &'b mut [u8; 20]) -> &'b [u8]
    where
        'a: 'b,
    {
        match *self {
            Entry::Str(s) => s,
            Entry::Int(v) => fmt_i64(v, scratch),
        }
    }

    /// An owned copy of the string form.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut scratch = [0u8; 20];
        self.as_bytes(&mut scratch).to_vec()
    }

    /// Whether this element equals `s` as Redis's `lpCompare` decides: byte equality of the
    /// string forms.
    pub fn eq_bytes(&self, s: &[u8]) -> bool {
        match *self {
            Entry::Str(x) => x == s,
            Entry::Int(v) => {
                let mut scratch = [0u8; 20];
                fmt_i64(v, &mut scratch) == s
            }
        }
    }

    /// The integer value, if the element is one or is a string that parses as one.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Entry::Int(v) => Some(v),
            Entry::Str(s) => parse_i64(s),
        }
    }

    /// Length of the string form in bytes.
    pub fn str_len(&self) -> usize {
        match *self {
            Entry::Str(s) => s.len(),
            Entry::Int(v) => crate::util::numeric::sdigits10(v),
        }
    }
}

/// How a new element is encoded: Redis's lpEncodeGetType.
enum Encoded<'a> {
    Int(i64),
    Str(&'a [u8]),
}

fn classify(s: &[u8]) -> Encoded<'_> {
    if s.len() <= 20 {
        if let Some(v) = parse_i64(s) {
            return Encoded::Int(v);
        }
    }
    Encoded::Str(s)
}

/// Appends the encoding+data of `e` to `out`; returns its length.
fn encode(e: &Encoded<'_>, out: &mut Vec<u8>) -> usize {
    let start = out.len();
    match *e {
        Encoded::Int(v) => {
            if (0..=127).contains(&v) {
                out.push(v as u8);
            } else if (-4096..=4095).contains(&v) {
                let u = if v < 0 { (1i64 << 13) + v } else { v } as u16;
                out.push(0xC0 | (u >> 8) as u8);
                out.push(u as u8);
            } else if (-32768..=32767).contains(&v) {
                out.push(0xF1);
                out.extend_from_slice(&(v as i16).to_le_bytes());
            } else if (-8_388_608..=8_388_607).contains(&v) {
                out.push(0xF2);
                out.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
            } else if (i32::MIN as i64..=i32::MAX as i64).contains(&v) {
                out.push(0xF3);
                out.extend_from_slice(&(v as i32).to_le_bytes());
            } else {
                out.push(0xF4);
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        Encoded::Str(s) => {
            let len = s.len();
            if len < 64 {
                out.push(0x80 | len as u8);
            } else if len < 4096 {
                out.push(0xE0 | (len >> 8) as u8);
                out.push(len as u8);
            } else {
                out.push(0xF0);
                out.extend_from_slice(&(len as u32).to_le_bytes());
            }
            out.extend_from_slice(s);
        }
    }
    out.len() - start
}

/// Appends the backlen of an entry whose encoding+data is `l` bytes (Redis's lpEncodeBacklen).
fn encode_backlen(l: usize, out: &mut Vec<u8>) {
    let l = l as u64;
    let n = backlen_size(l as usize);
    for i in (0..n).rev() {
        let chunk = ((l >> (7 * i)) & 127) as u8;
        // The leftmost byte (highest chunk) has no continuation bit.
        out.push(if i == n - 1 { chunk } else { chunk | 128 });
    }
}

/// Bytes the backlen of an `l`-byte encoding+data takes.
fn backlen_size(l: usize) -> usize {
    match l {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    }
}

/// A listpack: an exactly-sized byte buffer in Redis's layout.
#[derive(Clone, PartialEq, Eq)]
pub struct Listpack {
    buf: Box<[u8]>,
}

impl Default for Listpack {
    fn default() -> Self {
        Listpack::new()
    }
}

impl std::fmt::Debug for Listpack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Listpack {
    /// An empty listpack (7 bytes: header and terminator).
    pub fn new() -> Listpack {
        let mut v = Vec::with_capacity(HEADER_SIZE + 1);
        v.extend_from_slice(&((HEADER_SIZE + 1) as u32).to_le_bytes());
        v.extend_from_slice(&0u16.to_le_bytes());
        v.push(EOF);
        Listpack {
            buf: v.into_boxed_slice(),
        }
    }

    /// Wraps bytes already checked with [`validate`] (RDB load).
    pub fn from_validated(buf: Box<[u8]>) -> Listpack {
        Listpack { buf }
    }

    /// The raw bytes, as RDB stores them.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Size in bytes (Redis's lpBytes).
    pub fn bytes_len(&self) -> usize {
        self.buf.len()
    }

    fn header_count(&self) -> u16 {
        u16::from_le_bytes([self.buf[4], self.buf[5]])
    }

    /// Number of elements (Redis's lpLength).
    pub fn len(&self) -> usize {
        let n = self.header_count();
        if n != NUMELE_UNKNOWN {
            return n as usize;
        }
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.len() == HEADER_SIZE + 1
    }

    /// Position of the first element.
    pub fn first(&self) -> Option<usize> {
        (self.buf[HEADER_SIZE] != EOF).then_some(HEADER_SIZE)
    }

    /// Position of the last element.
    pub fn last(&self) -> Option<usize> {
        let eof = self.buf.len() - 1;
        if eof == HEADER_SIZE {
            return None;
        }
        Some(self.prev_of(eof))
    }

    /// Size of the encoding+data of the entry at `p`.
    fn encoded_len(&self, p: usize) -> usize {
        let b = self.buf[p];
        if b & 0x80 == 0 {
            1
        } else if b & 0xC0 == 0x80 {
            1 + (b & 0x3F) as usize
        } else if b & 0xE0 == 0xC0 {
            2
        } else if b & 0xF0 == 0xE0 {
            2 + (((b & 0x0F) as usize) << 8 | self.buf[p + 1] as usize)
        } else {
            match b {
                0xF0 => {
                    let l = u32::from_le_bytes([
                        self.buf[p + 1],
                        self.buf[p + 2],
                        self.buf[p + 3],
                        self.buf[p + 4],
                    ]);
                    5 + l as usize
                }
                0xF1 => 3,
                0xF2 => 4,
                0xF3 => 5,
                0xF4 => 9,
                _ => 1,
            }
        }
    }

    /// Total size of the entry at `p` including its backlen.
    fn entry_len(&self, p: usize) -> usize {
        let l = self.encoded_len(p);
        l + backlen_size(l)
    }

    /// Position of the entry before the byte at `p` (an entry start or the EOF).
    fn prev_of(&self, p: usize) -> usize {
        let mut q = p - 1;
        let mut val: usize = 0;
        let mut shift = 0;
        loop {
            let b = self.buf[q];
            val |= ((b & 127) as usize) << shift;
            if b & 128 == 0 {
                break;
            }
            shift += 7;
            q -= 1;
        }
        q - val
    }

    /// Position of the element after `p`.
    pub fn next(&self, p: usize) -> Option<usize> {
        let q = p + self.entry_len(p);
        (self.buf[q] != EOF).then_some(q)
    }

    /// Position of the element before `p`.
    pub fn prev(&self, p: usize) -> Option<usize> {
        (p > HEADER_SIZE).then(|| self.prev_of(p))
    }

    /// The element at `p`.
    pub fn get(&self, p: usize) -> Entry<'_> {
        let b = &self.buf;
        let x = b[p];
        if x & 0x80 == 0 {
            Entry::Int(x as i64)
        } else if x & 0xC0 == 0x80 {
            let l = (x & 0x3F) as usize;
            Entry::Str(&b[p + 1..p + 1 + l])
        } else if x & 0xE0 == 0xC0 {
            let u = ((x & 0x1F) as u16) << 8 | b[p + 1] as u16;
            let v = if u >= 1 << 12 {
                u as i64 - (1 << 13)
            } else {
                u as i64
            };
            Entry::Int(v)
        } else if x & 0xF0 == 0xE0 {
            let l = ((x & 0x0F) as usize) << 8 | b[p + 1] as usize;
            Entry::Str(&b[p + 2..p + 2 + l])
        } else {
            match x {
                0xF0 => {
                    let l = u32::from_le_bytes([b[p + 1], b[p + 2], b[p + 3], b[p + 4]]) as usize;
                    Entry::Str(&b[p + 5..p + 5 + l])
                }
                0xF1 => Entry::Int(i16::from_le_bytes([b[p + 1], b[p + 2]]) as i64),
                0xF2 => {
                    let u = i32::from_le_bytes([0, b[p + 1], b[p + 2], b[p + 3]]);
                    Entry::Int((u >> 8) as i64)
                }
                0xF3 => {
                    Entry::Int(i32::from_le_bytes([b[p + 1], b[p + 2], b[p + 3], b[p + 4]]) as i64)
                }
                _ => {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(&b[p + 1..p + 9]);
                    Entry::Int(i64::from_le_bytes(a))
                }
            }
        }
    }

    /// Position of element `index` (negative counts from the end), Redis's lpSeek.
    pub fn seek(&self, index: i64) -> Option<usize> {
        let n = self.len() as i64;
        let idx = if index < 0 { n + index } else { index };
        if idx < 0 || idx >= n {
            return None;
        }
        if idx <= n / 2 {
            let mut p = self.first()?;
            for _ in 0..idx {
                p = self.next(p)?;
            }
            Some(p)
        } else {
            let mut p = self.last()?;
            for _ in 0..(n - 1 - idx) {
                p = self.prev(p)?;
            }
            Some(p)
        }
    }

    /// Elements front to back.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            lp: self,
            pos: self.first(),
        }
    }

    /// Elements from position `p` on.
    pub fn iter_from(&self, p: Option<usize>) -> Iter<'_> {
        Iter { lp: self, pos: p }
    }

    /// Elements back to front.
    pub fn iter_rev(&self) -> RevIter<'_> {
        RevIter {
            lp: self,
            pos: self.last(),
        }
    }

    /// Position of the first element equal to `s` at or after `p`, looking only at every
    /// `skip + 1`-th element (skip 1 finds hash fields, not values), Redis's lpFind.
    pub fn find_from(&self, p: Option<usize>, s: &[u8], skip: usize) -> Option<usize> {
        let as_int = if s.len() <= 20 { parse_i64(s) } else { None };
        let mut cur = p;
        while let Some(q) = cur {
            let hit = match (self.get(q), as_int) {
                (Entry::Int(v), Some(w)) => v == w,
                (Entry::Int(_), None) => false,
                (Entry::Str(x), _) => x == s,
            };
            if hit {
                return Some(q);
            }
            cur = self.next(q);
            for _ in 0..skip {
                match cur {
                    Some(r) => cur = self.next(r),
                    None => break,
                }
            }
        }
        None
    }

    /// Position of the first element equal to `s` (see [`Listpack::find_from`]).
    pub fn find(&self, s: &[u8], skip: usize) -> Option<usize> {
        self.find_from(self.first(), s, skip)
    }

    fn set_header(buf: &mut [u8], count: usize) {
        let total = buf.len() as u32;
        buf[0..4].copy_from_slice(&total.to_le_bytes());
        let c = if count >= NUMELE_UNKNOWN as usize {
            NUMELE_UNKNOWN
        } else {
            count as u16
        };
        buf[4..6].copy_from_slice(&c.to_le_bytes());
    }

    /// Replaces bytes `[at, at + remove)` with the entries for `items` and fixes the header;
    /// `delta` is the change in element count. Returns the position of the first byte after
    /// the inserted entries.
    fn splice(&mut self, at: usize, remove: usize, items: &[&[u8]], delta: isize) -> usize {
        let old_count = self.header_count();
        let mut mid = Vec::new();
        for s in items {
            let e = classify(s);
            let l = encode(&e, &mut mid);
            encode_backlen(l, &mut mid);
        }
        // Edit in place: the buffer's own allocation is resized (often without moving, as
        // lpInsert's realloc) and the tail moved once, instead of building a copy.
        let mut v = std::mem::take(&mut self.buf).into_vec();
        if mid.len() > remove {
            v.reserve_exact(mid.len() - remove);
        }
        let after = at + mid.len();
        v.splice(at..at + remove, mid);
        let count = if old_count == NUMELE_UNKNOWN {
            // Recount after the edit, as lpInsert does when the count is unknown.
            self.buf = v.into_boxed_slice();
            let n = self.iter().count();
            Self::set_header(&mut self.buf, n);
            return after;
        } else {
            (old_count as isize + delta) as usize
        };
        Self::set_header(&mut v, count);
        self.buf = v.into_boxed_slice();
        after
    }

    /// Appends elements at the end (Redis's lpAppend / lpBatchAppend).
    pub fn push_back_many(&mut self, items: &[&[u8]]) {
        let eof = self.buf.len() - 1;
        self.splice(eof, 0, items, items.len() as isize);
    }

    /// Appends one element at the end.
    pub fn push_back(&mut self, s: &[u8]) {
        self.push_back_many(&[s]);
    }

    /// Inserts one element at the front.
    pub fn push_front(&mut self, s: &[u8]) {
        self.splice(HEADER_SIZE, 0, &[s], 1);
    }

    /// Inserts `items` before the element at `p` (or at the end when `p` is the EOF offset
    /// `bytes_len() - 1`). Returns the position of the first inserted element.
    pub fn insert_before(&mut self, p: usize, items: &[&[u8]]) -> usize {
        self.splice(p, 0, items, items.len() as isize);
        p
    }

    /// Inserts `items` after the element at `p`. Returns the position of the first inserted.
    pub fn insert_after(&mut self, p: usize, items: &[&[u8]]) -> usize {
        let q = p + self.entry_len(p);
        self.splice(q, 0, items, items.len() as isize);
        q
    }

    /// Replaces the element at `p` with `s`; returns `p`.
    pub fn replace(&mut self, p: usize, s: &[u8]) -> usize {
        let l = self.entry_len(p);
        self.splice(p, l, &[s], 0);
        p
    }

    /// Deletes the element at `p`; returns the position of the element that followed (now at
    /// `p`), if any.
    pub fn delete(&mut self, p: usize) -> Option<usize> {
        let l = self.entry_len(p);
        self.splice(p, l, &[], -1);
        (self.buf[p] != EOF).then_some(p)
    }

    /// Deletes `count` elements starting at position `p`; returns the position of the element
    /// that followed, if any.
    pub fn delete_run(&mut self, p: usize, count: usize) -> Option<usize> {
        let mut end = p;
        let mut n = 0;
        while n < count && self.buf[end] != EOF {
            end += self.entry_len(end);
            n += 1;
        }
        self.splice(p, end - p, &[], -(n as isize));
        (self.buf[p] != EOF).then_some(p)
    }

    /// Deletes `count` elements starting at element `index` (negative from the end), Redis's
    /// lpDeleteRange.
    pub fn delete_range(&mut self, index: i64, count: usize) {
        if count == 0 {
            return;
        }
        if let Some(p) = self.seek(index) {
            self.delete_run(p, count);
        }
    }

    /// The elements of `first` followed by those of `second` in one listpack (Redis's
    /// lpMerge; the element count saturates at 65535 as there).
    pub fn merge(first: &Listpack, second: &Listpack) -> Listpack {
        let a = &first.buf[HEADER_SIZE..first.buf.len() - 1];
        let b = &second.buf[HEADER_SIZE..second.buf.len() - 1];
        let mut v = Vec::with_capacity(HEADER_SIZE + a.len() + b.len() + 1);
        v.extend_from_slice(&[0; HEADER_SIZE]);
        v.extend_from_slice(a);
        v.extend_from_slice(b);
        v.push(EOF);
        Self::set_header(&mut v, first.len() + second.len());
        Listpack {
            buf: v.into_boxed_slice(),
        }
    }

    /// Every element as an owned string, front to back.
    pub fn to_vecs(&self) -> Vec<Vec<u8>> {
        self.iter().map(|e| e.to_vec()).collect()
    }

    /// Whether adding an element of `len` bytes keeps the listpack within `limit` bytes
    /// (Redis's lpSafeToAdd with its 1 GiB safety limit applied by callers).
    pub fn safe_to_add(&self, len: usize, limit: usize) -> bool {
        self.buf.len() + len + 11 <= limit
    }
}

/// Front-to-back iterator over a listpack.
pub struct Iter<'a> {
    lp: &'a Listpack,
    pos: Option<usize>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Entry<'a>;
    fn next(&mut self) -> Option<Entry<'a>> {
        let p = self.pos?;
        self.pos = self.lp.next(p);
        Some(self.lp.get(p))
    }
}

/// Back-to-front iterator over a listpack.
pub struct RevIter<'a> {
    lp: &'a Listpack,
    pos: Option<usize>,
}

impl<'a> Iterator for RevIter<'a> {
    type Item = Entry<'a>;
    fn next(&mut self) -> Option<Entry<'a>> {
        let p = self.pos?;
        self.pos = self.lp.prev(p);
        Some(self.lp.get(p))
    }
}

/// Checks that `buf` is a well-formed listpack (Redis's lpValidateIntegrity with deep
/// validation): header size and count match, every entry's encoding, data and backlen are in
/// bounds and consistent, and the last byte is the EOF. Never panics on any input.
pub fn validate(buf: &[u8]) -> Result<usize, &'static str> {
    if buf.len() < HEADER_SIZE + 1 {
        return Err("listpack shorter than its header");
    }
    let total = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    if total != buf.len() {
        return Err("listpack size header does not match its length");
    }
    if buf[buf.len() - 1] != EOF {
        return Err("listpack does not end with its terminator");
    }
    let count = u16::from_le_bytes([buf[4], buf[5]]);
    let mut p = HEADER_SIZE;
    let mut n = 0usize;
    let end = buf.len() - 1;
    while p < end {
        let b = buf[p];
        let need = |k: usize| {
            if p + k <= end {
                Ok(())
            } else {
                Err("listpack entry past its end")
            }
        };
        let l = if b & 0x80 == 0 {
            1
        } else if b & 0xC0 == 0x80 {
            1 + (b & 0x3F) as usize
        } else if b & 0xE0 == 0xC0 {
            2
        } else if b & 0xF0 == 0xE0 {
            need(2)?;
            2 + (((b & 0x0F) as usize) << 8 | buf[p + 1] as usize)
        } else {
            match b {
                0xF0 => {
                    need(5)?;
                    5 + u32::from_le_bytes([buf[p + 1], buf[p + 2], buf[p + 3], buf[p + 4]])
                        as usize
                }
                0xF1 => 3,
                0xF2 => 4,
                0xF3 => 5,
                0xF4 => 9,
                _ => return Err("listpack entry has an invalid encoding"),
            }
        };
        let bl = backlen_size(l);
        need(l.checked_add(bl).ok_or("listpack entry too long")?)?;
        // The backlen must decode to l.
        let mut q = p + l + bl - 1;
        let mut val = 0usize;
        let mut shift = 0;
        loop {
            let x = buf[q];
            val |= ((x & 127) as usize) << shift;
            if x & 128 == 0 || q == p + l {
                break;
            }
            shift += 7;
            q -= 1;
        }
        if val != l {
            return Err("listpack entry backlen does not match its size");
        }
        p += l + bl;
        n += 1;
    }
    if p != end {
        return Err("listpack entries overrun the terminator");
    }
    if count != NUMELE_UNKNOWN && count as usize != n {
        return Err("listpack element count does not match its entries");
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example_bytes() {
        let mut lp = Listpack::new();
        lp.push_back(b"hello");
        lp.push_back(b"1024");
        assert_eq!(&lp.as_bytes()[..6], &[17, 0, 0, 0, 2, 0]);
        assert_eq!(lp.bytes_len(), 17);
        assert_eq!(
            &lp.as_bytes()[6..],
            &[0x85, b'h', b'e', b'l', b'l', b'o', 6, 0xC4, 0x00, 2, 0xFF]
        );
        assert_eq!(lp.len(), 2);
        assert_eq!(lp.get(lp.seek(1).unwrap()), Entry::Int(1024));
        assert_eq!(validate(lp.as_bytes()), Ok(2));
    }

    #[test]
    fn integer_encodings_round_trip() {
        let vals: [i64; 14] = [
            0,
            127,
            128,
            -1,
            -4096,
            4095,
            4096,
            -4097,
            32767,
            -32768,
            8_388_607,
            -8_388_608,
            i64::MAX,
            i64::MIN,
        ];
        let mut lp = Listpack::new();
        for v in vals {
            lp.push_back(v.to_string().as_bytes());
        }
        let got: Vec<i64> = lp.iter().map(|e| e.as_i64().unwrap()).collect();
        assert_eq!(got, vals);
        let rev: Vec<i64> = lp.iter_rev().map(|e| e.as_i64().unwrap()).collect();
        assert_eq!(rev, vals.iter().rev().copied().collect::<Vec<_>>());
        assert!(validate(lp.as_bytes()).is_ok());
        // Non-canonical integers stay strings.
        lp.push_back(b"007");
        assert_eq!(lp.get(lp.last().unwrap()), Entry::Str(b"007"));
    }

    #[test]
    fn long_strings_and_backlens() {
        let mut lp = Listpack::new();
        for len in [0usize, 63, 64, 4095, 4096, 20000] {
            lp.push_back(&vec![b'x'; len]);
        }
        let lens: Vec<usize> = lp.iter().map(|e| e.str_len()).collect();
        assert_eq!(lens, vec![0, 63, 64, 4095, 4096, 20000]);
        let rlens: Vec<usize> = lp.iter_rev().map(|e| e.str_len()).collect();
        assert_eq!(rlens, vec![20000, 4096, 4095, 64, 63, 0]);
        assert_eq!(validate(lp.as_bytes()), Ok(6));
    }

    #[test]
    fn edits() {
        let mut lp = Listpack::new();
        lp.push_back_many(&[b"a", b"b", b"c"]);
        lp.push_front(b"z");
        let p = lp.find(b"b", 0).unwrap();
        lp.insert_after(p, &[b"b2"]);
        lp.insert_before(p, &[b"a2"]);
        assert_eq!(lp.to_vecs(), [&b"z"[..], b"a", b"a2", b"b", b"b2", b"c"]);
        let p = lp.seek(-1).unwrap();
        lp.replace(p, b"12");
        let p = lp.seek(0).unwrap();
        let next = lp.delete(p).unwrap();
        assert_eq!(lp.get(next), Entry::Str(b"a"));
        lp.delete_range(1, 2);
        assert_eq!(lp.to_vecs(), [&b"a"[..], b"b2", b"12"]);
        assert_eq!(lp.find(b"12", 0), lp.seek(2));
        // skip 1: only even positions (hash fields) match.
        assert_eq!(lp.find(b"b2", 1), None);
        assert_eq!(lp.len(), 3);
        assert!(validate(lp.as_bytes()).is_ok());
    }

    #[test]
    fn merge_concatenates() {
        let mut a = Listpack::new();
        a.push_back_many(&[b"a", b"1024"]);
        let mut b = Listpack::new();
        b.push_back_many(&[b"x", b"-7", b"yy"]);
        let m = Listpack::merge(&a, &b);
        assert_eq!(m.to_vecs(), [&b"a"[..], b"1024", b"x", b"-7", b"yy"]);
        assert_eq!(validate(m.as_bytes()), Ok(5));
        let e = Listpack::merge(&Listpack::new(), &Listpack::new());
        assert_eq!(e.as_bytes(), Listpack::new().as_bytes());
    }

    #[test]
    fn validate_rejects_garbage() {
        assert!(validate(b"").is_err());
        assert!(validate(&[7, 0, 0, 0, 0, 0, 0xFF]).is_ok());
        assert!(validate(&[7, 0, 0, 0, 1, 0, 0xFF]).is_err());
        assert!(validate(&[9, 0, 0, 0, 1, 0, 0x85, 1, 0xFF]).is_err());
        assert!(validate(&[9, 0, 0, 0, 1, 0, 0x05, 2, 0xFF]).is_err());
        for len in 0..40u8 {
            for fill in [0u8, 0x80, 0xF0, 0xFF, 0xE1] {
                let mut b = vec![fill; len as usize];
                if b.len() >= 6 {
                    b[0] = len;
                    b[1] = 0;
                    b[2] = 0;
                    b[3] = 0;
                }
                let _ = validate(&b);
            }
        }
    }
}
