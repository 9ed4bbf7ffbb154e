//! The replication backlog: a fixed-size ring buffer holding the last `repl-backlog-size`
//! bytes of the replication stream (Redis's repl_backlog), addressed by stream offset, and
//! behind it the shared tail: older bytes some replica has not been sent yet.
//!
//! Owns: the ring's bytes, the tail's blocks and the offset arithmetic (which offsets are
//! held, reading from an offset). It must never know about replicas or sockets: the master
//! side tells it, on each append, the oldest offset a replica still needs (`keep_from`), and
//! reads it by offset to feed every replica from the same bytes.
//!
//! ```text
//!   size 8, after 11 bytes "abcdefghijk" fed at offsets 1..=11, no replica behind:
//!
//!   buf:  [ i j k d e f g h ]      idx = 3 (next write position)
//!                 ^idx             histlen = 8, first offset = 4 ('d')
//!   read_from(6) = ("fgh", "ijk")  two slices: to the end of buf, then from its start
//!   offset 3 ('c') was overwritten: read_from(3) is None
//!
//!   the same appends while a replica has been sent only up to offset 1 (keep_from = 2):
//!
//!   tail: [ b c ]  ring: [ i j k d e f g h ]   first offset = 2, histlen = 10
//!   read_from(2) = ("bc", "")      then read_from(4) goes on in the ring
//! ```
//!
//! Why a tail instead of a per-replica copy: when two replicas wait for the same snapshot
//! while 100 MB of writes arrive, Redis 7 keeps one shared copy (its replication buffer
//! blocks), not two. The tail does the same: bytes leave the ring into the tail only if some
//! replica still needs them, once, and the tail is trimmed as soon as the slowest replica
//! was sent them or is gone. A replica that reconnects while the tail exists may continue
//! from it with a partial resync, as Redis 7 allows. Each replica's share of it counts
//! against `client-output-buffer-limit replica`, so the tail stays bounded.

use std::collections::VecDeque;

/// 16 KiB, Redis's PROTO_REPLY_CHUNK_BYTES: the size of each tail block. Every block but the
/// last is full, so an offset's block is found by division.
const TAIL_BLOCK: usize = 16 * 1024;

/// The ring and its tail. Offsets are Redis's: the first byte ever produced under a replid
/// is offset 1, `master_repl_offset` is the offset of the last byte produced.
pub struct Backlog {
    buf: Vec<u8>,
    /// Next write position in `buf`.
    idx: usize,
    /// Valid bytes in the ring, at most `buf.len()`.
    histlen: usize,
    /// Stream offset of the ring's first valid byte.
    ring_first: i64,
    /// Bytes older than the ring still owed to a replica, contiguous and ending right
    /// before `ring_first`. Full blocks of [`TAIL_BLOCK`] bytes, the last one partial.
    tail: VecDeque<Vec<u8>>,
    /// Bytes at the front of `tail[0]` already released.
    tail_skip: usize,
    /// Bytes the tail holds (after `tail_skip`).
    tail_len: usize,
}

impl Backlog {
    /// An empty ring of `size` bytes whose next byte will be `master_repl_offset + 1`.
    pub fn new(size: usize, master_repl_offset: i64) -> Backlog {
        Backlog {
            buf: vec![0; size.max(1)],
            idx: 0,
            histlen: 0,
            ring_first: master_repl_offset + 1,
            tail: VecDeque::new(),
            tail_skip: 0,
            tail_len: 0,
        }
    }

    /// The ring's size (`repl-backlog-size`).
    pub fn size(&self) -> usize {
        self.buf.len()
    }

    /// Bytes held, ring and tail (INFO repl_backlog_histlen).
    pub fn histlen(&self) -> usize {
        self.histlen + self.tail_len
    }

    /// Offset of the oldest byte held (INFO repl_backlog_first_byte_offset).
    pub fn first_offset(&self) -> i64 {
        self.ring_first - self.tail_len as i64
    }

    /// Offset one past the newest byte held.
    pub fn end_offset(&self) -> i64 {
        self.ring_first + self.histlen as i64
    }

    /// Bytes allocated for the stream: the ring plus the tail's blocks (INFO
    /// mem_total_replication_buffers).
    pub fn memory(&self) -> usize {
        self.buf.len() + self.tail.iter().map(|b| b.capacity()).sum::<usize>()
    }

    /// Appends stream bytes (Redis's feedReplicationBuffer). Ring bytes about to be
    /// overwritten move to the tail when their offset is `keep_from` or later (the oldest
    /// offset a replica still needs; `i64::MAX` when none does); the tail first drops what
    /// lies before `keep_from`.
    pub fn append(&mut self, data: &[u8], keep_from: i64) {
        self.trim(keep_from);
        let size = self.buf.len();
        let end = self.end_offset();
        let new_histlen = (self.histlen + data.len()).min(size);
        let new_first = end + data.len() as i64 - new_histlen as i64;
        let save_from = keep_from.max(self.ring_first);
        if save_from < new_first {
            let ring_to = new_first.min(end);
            if save_from < ring_to {
                let skip = (save_from - self.ring_first) as usize;
                let (a, b) = ring_slices(&self.buf, self.idx, self.histlen, skip);
                let want = (ring_to - save_from) as usize;
                let (a, b) = (&a[..want.min(a.len())], &b[..want.saturating_sub(a.len())]);
                push_tail(&mut self.tail, &mut self.tail_len, a);
                push_tail(&mut self.tail, &mut self.tail_len, b);
            }
            let data_from = save_from.max(end);
            if data_from < new_first {
                let a = (data_from - end) as usize;
                let b = (new_first - end) as usize;
                push_tail(&mut self.tail, &mut self.tail_len, &data[a..b]);
            }
        }
        let mut data = data;
        if data.len() > size {
            // Only the last `size` bytes can stay in the ring; skip the rest.
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
        self.histlen = new_histlen;
        self.ring_first = new_first;
    }

    /// Releases the tail's bytes before `keep_from` (Redis's incrementalTrimReplicationBacklog,
    /// done at once: freeing blocks is cheap).
    pub fn trim(&mut self, keep_from: i64) {
        let first = self.first_offset();
        if keep_from <= first || self.tail_len == 0 {
            return;
        }
        let mut drop = ((keep_from - first) as usize).min(self.tail_len);
        while drop > 0 {
            let Some(front) = self.tail.front() else {
                break;
            };
            let avail = front.len() - self.tail_skip;
            if drop >= avail {
                self.tail.pop_front();
                self.tail_skip = 0;
                self.tail_len -= avail;
                drop -= avail;
            } else {
                self.tail_skip += drop;
                self.tail_len -= drop;
                drop = 0;
            }
        }
        if self.tail_len == 0 {
            self.tail.clear();
            self.tail_skip = 0;
        }
    }

    /// The held bytes from stream offset `from` on, as two slices (the second empty unless
    /// the range wraps in the ring), or None when `from` is no longer (or not yet) held.
    /// From the tail, the slices end at the end of `from`'s block: read again from where they
    /// end. `from == end_offset()` gives two empty slices.
    pub fn read_from(&self, from: i64) -> Option<(&[u8], &[u8])> {
        if from < self.first_offset() || from > self.end_offset() {
            return None;
        }
        if from >= self.ring_first {
            return Some(self.ring_from(from));
        }
        let pos = (from - self.first_offset()) as usize + self.tail_skip;
        let block = &self.tail[pos / TAIL_BLOCK];
        Some((&block[pos % TAIL_BLOCK..], &[]))
    }

    /// The ring's bytes from `from` (within the ring) to the newest.
    fn ring_from(&self, from: i64) -> (&[u8], &[u8]) {
        ring_slices(
            &self.buf,
            self.idx,
            self.histlen,
            (from - self.ring_first) as usize,
        )
    }

    /// Copies the held bytes in `[from, to)` into `out`; false if some are not held.
    pub fn copy_range(&self, mut from: i64, to: i64, out: &mut Vec<u8>) -> bool {
        if to < from || to > self.end_offset() || from < self.first_offset() {
            return false;
        }
        while from < to {
            let Some((a, b)) = self.read_from(from) else {
                return false;
            };
            for part in [a, b] {
                let n = ((to - from) as usize).min(part.len());
                out.extend_from_slice(&part[..n]);
                from += n as i64;
            }
        }
        true
    }

    /// CONFIG SET repl-backlog-size: a ring of the new size holding the newest bytes that fit
    /// (Redis 7.0's resizeReplicationBacklog keeps the history, trimming the oldest part);
    /// what no longer fits but a replica still needs (from `keep_from`) joins the tail.
    pub fn resize(&mut self, new_size: usize, keep_from: i64) {
        let new_size = new_size.max(1);
        if new_size == self.buf.len() {
            return;
        }
        let end = self.end_offset();
        let keep = self.histlen.min(new_size);
        let new_first = end - keep as i64;
        let mut kept = Vec::with_capacity(new_size);
        self.copy_range(new_first, end, &mut kept);
        self.trim(keep_from);
        let save_from = keep_from.max(self.ring_first);
        // After the trim, a non-empty tail ends right before `ring_first` <= `save_from`.
        if save_from < new_first {
            let mut moved = Vec::new();
            self.copy_range(save_from, new_first, &mut moved);
            push_tail(&mut self.tail, &mut self.tail_len, &moved);
        }
        kept.resize(new_size, 0);
        self.buf = kept;
        self.histlen = keep;
        self.idx = keep % new_size;
        self.ring_first = new_first;
    }

    /// Renumbers the bytes held so that the newest is `master_repl_offset` (Redis's rebase of
    /// repl_backlog->offset after loading an RDB's replication info at start-up).
    pub fn rebase(&mut self, master_repl_offset: i64) {
        self.ring_first = master_repl_offset - self.histlen as i64 + 1;
    }
}

/// The bytes of a ring (`buf`, next write position `idx`, `histlen` valid bytes) after
/// skipping the oldest `skip`, as two slices (the second empty unless they wrap).
fn ring_slices(buf: &[u8], idx: usize, histlen: usize, skip: usize) -> (&[u8], &[u8]) {
    let len = histlen - skip;
    let size = buf.len();
    // Position of the oldest byte: idx - histlen, modulo size.
    let start = (idx + size - histlen + skip) % size;
    if start + len <= size {
        (&buf[start..start + len], &[])
    } else {
        (&buf[start..], &buf[..len - (size - start)])
    }
}

/// Appends bytes to the tail, filling its last block before starting a new one.
fn push_tail(tail: &mut VecDeque<Vec<u8>>, tail_len: &mut usize, mut bytes: &[u8]) {
    *tail_len += bytes.len();
    while !bytes.is_empty() {
        let room = tail.back().map_or(0, |b| TAIL_BLOCK - b.len());
        if room == 0 {
            tail.push_back(Vec::with_capacity(TAIL_BLOCK));
            continue;
        }
        let n = room.min(bytes.len());
        if let Some(b) = tail.back_mut() {
            b.extend_from_slice(&bytes[..n]);
        }
        bytes = &bytes[n..];
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
        b.append(b"abcdef", i64::MAX);
        assert_eq!(read_all(&b, 1).unwrap(), b"abcdef");
        b.append(b"ghijk", i64::MAX);
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
        b.append(b"xy", i64::MAX);
        b.append(b"0123456789", i64::MAX);
        assert_eq!(b.first_offset(), 19);
        assert_eq!(read_all(&b, 19).unwrap(), b"6789");
    }

    #[test]
    fn copy_range_refuses_lost_bytes() {
        let mut b = Backlog::new(5, 0);
        b.append(b"abcdefg", i64::MAX);
        let mut out = Vec::new();
        assert!(b.copy_range(4, 7, &mut out));
        assert_eq!(out, b"def");
        assert!(!b.copy_range(2, 4, &mut out));
        assert!(!b.copy_range(4, 9, &mut out));
    }

    #[test]
    fn resize_keeps_the_newest_history() {
        let mut b = Backlog::new(8, 0);
        b.append(b"abcdefghijk", i64::MAX);
        b.resize(4, i64::MAX);
        assert_eq!(b.first_offset(), 8);
        assert_eq!(read_all(&b, 8).unwrap(), b"hijk");
        b.append(b"lm", i64::MAX);
        assert_eq!(read_all(&b, 10).unwrap(), b"jklm");
        b.resize(16, i64::MAX);
        assert_eq!(read_all(&b, 10).unwrap(), b"jklm");
        b.append(b"nop", i64::MAX);
        assert_eq!(read_all(&b, 10).unwrap(), b"jklmnop");
    }

    #[test]
    fn bytes_a_replica_still_needs_move_to_the_tail_and_stay_readable() {
        let mut b = Backlog::new(8, 0);
        b.append(b"abcdef", 2);
        b.append(b"ghijk", 2);
        assert_eq!(b.first_offset(), 2);
        assert_eq!(b.histlen(), 10);
        assert_eq!(read_all(&b, 2).unwrap(), b"bc");
        let mut out = Vec::new();
        assert!(b.copy_range(2, 12, &mut out));
        assert_eq!(out, b"bcdefghijk");
        // A write bigger than the ring: the part that never enters the ring goes to the tail.
        b.append(b"0123456789ABCDEF", 2);
        out.clear();
        assert!(b.copy_range(2, b.end_offset(), &mut out));
        assert_eq!(out, b"bcdefghijk0123456789ABCDEF");
        // The replica was sent up to offset 13: the tail releases what lies before 14.
        b.trim(14);
        assert_eq!(b.first_offset(), 14);
        out.clear();
        assert!(b.copy_range(14, b.end_offset(), &mut out));
        assert_eq!(out, b"23456789ABCDEF");
        // Nobody behind any more: the next append empties the tail.
        b.append(b"G", i64::MAX);
        assert_eq!(b.histlen(), 8);
        assert_eq!(read_all(&b, b.first_offset()).unwrap(), b"9ABCDEFG");
    }

    #[test]
    fn the_tail_spans_many_blocks_and_is_read_block_by_block() {
        let mut b = Backlog::new(1024, 0);
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        for chunk in data.chunks(777) {
            b.append(chunk, 1);
        }
        assert_eq!(b.first_offset(), 1);
        assert_eq!(b.histlen(), data.len());
        let mut from = 1;
        let mut got = Vec::new();
        while from < b.end_offset() {
            let (x, y) = b.read_from(from).unwrap();
            assert!(!x.is_empty());
            got.extend_from_slice(x);
            got.extend_from_slice(y);
            from += (x.len() + y.len()) as i64;
        }
        assert_eq!(got, data);
        b.trim(50_001);
        assert_eq!(b.histlen(), 50_000);
        assert_eq!(read_all(&b, 99_000).unwrap(), &data[99_000 - 1..]);
        let (x, _) = b.read_from(50_001).unwrap();
        assert_eq!(x[0], data[50_000]);
    }

    #[test]
    fn shrinking_keeps_what_a_replica_needs_in_the_tail() {
        let mut b = Backlog::new(8, 0);
        b.append(b"abcdefgh", i64::MAX);
        b.resize(4, 3);
        assert_eq!(b.first_offset(), 3);
        assert_eq!(read_all(&b, 5).unwrap(), b"efgh");
        let mut out = Vec::new();
        assert!(b.copy_range(3, 9, &mut out));
        assert_eq!(out, b"cdefgh");
        b.resize(16, 3);
        assert_eq!(b.first_offset(), 3);
        b.append(b"ij", 3);
        out.clear();
        assert!(b.copy_range(3, 11, &mut out));
        assert_eq!(out, b"cdefghij");
    }
}
