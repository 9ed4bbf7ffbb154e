//! The replication backlog: a fixed-size ring buffer holding the last `repl-backlog-size`
//! bytes of the replication stream (Redis's repl_backlog), addressed by stream offset.
//!
//! Owns: the ring's bytes and the offset arithmetic (which offsets it still holds, reading
//! from an offset). It must never know about replicas or sockets: the master side reads the
//! ring by offset to feed every online replica from the same bytes.
//!
//! ```text
//!   size 8, after 11 bytes "abcdefghijk" fed at offsets 1..=11:
//!
//!   buf:  [ i j k d e f g h ]      idx = 3 (next write position)
//!                 ^idx             histlen = 8, first offset = 4 ('d')
//!   read_from(6) = ("fgh", "ijk")  two slices: to the end of buf, then from its start
//!   offset 3 ('c') was overwritten: read_from(3) is None
//! ```

/// The ring. Offsets are Redis's: the first byte ever produced under a replid is offset 1,
/// `master_repl_offset` is the offset of the last byte produced.
pub struct Backlog {
    buf: Vec<u8>,
    /// Next write position in `buf`.
    idx: usize,
    /// Valid bytes in the ring, at most `buf.len()`.
    histlen: usize,
    /// Stream offset of the first valid byte (Redis's repl_backlog->offset).
    first_offset: i64,
}

impl Backlog {
    /// An empty ring of `size` bytes whose next byte will be `master_repl_offset + 1`.
    pub fn new(size: usize, master_repl_offset: i64) -> Backlog {
        Backlog {
            buf: vec![0; size.max(1)],
            idx: 0,
            histlen: 0,
            first_offset: master_repl_offset + 1,
        }
    }

    pub fn size(&self) -> usize {
        self.buf.len()
    }

    pub fn histlen(&self) -> usize {
        self.histlen
    }

    /// Offset of the oldest byte held (INFO repl_backlog_first_byte_offset).
    pub fn first_offset(&self) -> i64 {
        self.first_offset
    }

    /// Offset one past the newest byte held.
    pub fn end_offset(&self) -> i64 {
        self.first_offset + self.histlen as i64
    }

    /// The first offset held once `n` more bytes are appended.
    pub fn first_offset_after(&self, n: usize) -> i64 {
        let histlen = (self.histlen + n).min(self.buf.len());
        self.end_offset() + n as i64 - histlen as i64
    }

    /// Renumbers the bytes held so that the newest is `master_repl_offset` (Redis's rebase of
    /// repl_backlog->offset after loading an RDB's replication info at start-up).
    pub fn rebase(&mut self, master_repl_offset: i64) {
        self.first_offset = master_repl_offset - self.histlen as i64 + 1;
    }

    /// Appends stream bytes, overwriting the oldest ones when full (Redis's
    /// feedReplicationBacklog).
    pub fn append(&mut self, mut data: &[u8]) {
        let size = self.buf.len();
        let total = data.len();
        if data.len() > size {
            // Only the last `size` bytes can survive; skip the rest.
            let skip = data.len() - size;
            data = &data[skip..];
            self.idx = (self.idx + skip) % size;
        }
        while !data.is_empty() {
            let room = size - self.idx;
            let n = room.min(data.len());
            self.buf[self.idx..self.idx + n].copy_from_slice(&data[..n]);
            self.idx = (self.idx + n) % size;
            data = &data[n..];
        }
        let end = self.end_offset() + total as i64;
        self.histlen = (self.histlen + total).min(size);
        self.first_offset = end - self.histlen as i64;
    }

    /// The held bytes from stream offset `from` to the newest, as two slices (the second
    /// empty unless the range wraps), or None when `from` is no longer (or not yet) held.
    /// `from == end_offset()` gives two empty slices.
    pub fn read_from(&self, from: i64) -> Option<(&[u8], &[u8])> {
        if from < self.first_offset || from > self.end_offset() {
            return None;
        }
        let skip = (from - self.first_offset) as usize;
        let len = self.histlen - skip;
        let size = self.buf.len();
        // Position of the oldest byte: idx - histlen, modulo size.
        let start = (self.idx + size - self.histlen + skip) % size;
        if start + len <= size {
            Some((&self.buf[start..start + len], &[]))
        } else {
            Some((&self.buf[start..], &self.buf[..len - (size - start)]))
        }
    }

    /// Copies the held bytes in `[from, to)` into `out`; false if some are not held.
    pub fn copy_range(&self, from: i64, to: i64, out: &mut Vec<u8>) -> bool {
        if to < from || to > self.end_offset() {
            return false;
        }
        let Some((a, b)) = self.read_from(from) else {
            return false;
        };
        let mut want = (to - from) as usize;
        let n = want.min(a.len());
        out.extend_from_slice(&a[..n]);
        want -= n;
        out.extend_from_slice(&b[..want.min(b.len())]);
        true
    }

    /// CONFIG SET repl-backlog-size: a ring of the new size holding the newest bytes that fit
    /// (Redis 7.0's resizeReplicationBacklog keeps the history, trimming the oldest part).
    pub fn resize(&mut self, new_size: usize) {
        let new_size = new_size.max(1);
        if new_size == self.buf.len() {
            return;
        }
        let keep = self.histlen.min(new_size);
        let mut kept = Vec::with_capacity(new_size);
        let from = self.end_offset() - keep as i64;
        self.copy_range(from, self.end_offset(), &mut kept);
        let end = self.end_offset();
        kept.resize(new_size, 0);
        self.buf = kept;
        self.histlen = keep;
        self.idx = keep % new_size;
        self.first_offset = end - keep as i64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(b: &Backlog, from: i64) -> Option<Vec<u8>> {
        b.read_from(from).map(|(x, y)| [x, y].concat())
    }

    #[test]
    fn empty_ring_starts_after_the_current_offset() {
        let b = Backlog::new(8, 100);
        assert_eq!(b.first_offset(), 101);
        assert_eq!(b.histlen(), 0);
        assert_eq!(read_all(&b, 101), Some(vec![]));
        assert_eq!(read_all(&b, 100), None);
        assert_eq!(read_all(&b, 102), None);
    }

    #[test]
    fn wraparound_keeps_the_newest_bytes_and_reads_by_offset() {
        let mut b = Backlog::new(8, 0);
        b.append(b"abcdef");
        assert_eq!(read_all(&b, 1).unwrap(), b"abcdef");
        b.append(b"ghijk");
        assert_eq!(b.histlen(), 8);
        assert_eq!(b.first_offset(), 4);
        assert_eq!(b.end_offset(), 12);
        let (x, y) = b.read_from(6).unwrap();
        assert_eq!((x, y), (&b"fgh"[..], &b"ijk"[..]));
        assert_eq!(read_all(&b, 4).unwrap(), b"defghijk");
        assert_eq!(read_all(&b, 12).unwrap(), b"");
        // What was overrun is gone.
        assert_eq!(read_all(&b, 3), None);
        assert_eq!(read_all(&b, 1), None);
    }

    #[test]
    fn a_write_bigger_than_the_ring_keeps_only_its_tail() {
        let mut b = Backlog::new(4, 10);
        b.append(b"xy");
        b.append(b"0123456789");
        assert_eq!(b.first_offset(), 19);
        assert_eq!(read_all(&b, 19).unwrap(), b"6789");
        assert_eq!(b.first_offset_after(3), 22);
    }

    #[test]
    fn copy_range_refuses_lost_bytes() {
        let mut b = Backlog::new(5, 0);
        b.append(b"abcdefg");
        let mut out = Vec::new();
        assert!(b.copy_range(4, 7, &mut out));
        assert_eq!(out, b"def");
        assert!(!b.copy_range(2, 4, &mut out));
        assert!(!b.copy_range(4, 9, &mut out));
    }

    #[test]
    fn resize_keeps_the_newest_history() {
        let mut b = Backlog::new(8, 0);
        b.append(b"abcdefghijk");
        b.resize(4);
        assert_eq!(b.first_offset(), 8);
        assert_eq!(read_all(&b, 8).unwrap(), b"hijk");
        b.append(b"lm");
        assert_eq!(read_all(&b, 10).unwrap(), b"jklm");
        b.resize(16);
        assert_eq!(read_all(&b, 10).unwrap(), b"jklm");
        b.append(b"nop");
        assert_eq!(read_all(&b, 10).unwrap(), b"jklmnop");
    }
}
