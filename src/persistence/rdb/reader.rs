//! The loader's input: a buffered reader over any byte source (a file, a DUMP payload, later a
//! replication socket) that knows the exact offset of every byte, keeps the running CRC-64 of
//! what it consumed, and never allocates more than the input can back.
//!
//! Owns: buffering, offsets, the checksum and the allocation bound. It must never trust a length
//! read from the input for an allocation: a string claimed to be 4 GiB long is read into a buffer
//! that grows only as bytes arrive (or is refused at once when the source's size is known and
//! smaller), so a hostile 20-byte payload cannot make the server allocate gigabytes.
//!
//! ```text
//!   source ──read()──► buf [ consumed | unread ............ | free ]
//!                          0        pos                    end      cap
//!   stream offset of buf[0] = base;  offset() = base + pos
//!   crc covers stream bytes [0, base + crc_from)
//! ```
//!
//! A string no longer than the buffer is handed out as a slice of it (no copy, no allocation);
//! a longer one is copied into its own `Vec` and the rest read straight from the source into it.

use std::io::{self, Read};

use super::load::LoadError;

/// 256 KiB: the read buffer when the source is larger (one `read` syscall per 256 KiB of dump,
/// and every string up to this size is borrowed from the buffer rather than copied).
pub const READ_BUF: usize = 256 * 1024;

/// 1 MiB: the first reservation for a string longer than the buffer when the source's size is
/// unknown; the buffer then doubles as bytes arrive.
const UNKNOWN_SIZE_FIRST_RESERVE: usize = 1 << 20;

pub type Res<T> = Result<T, LoadError>;

pub struct Reader<R> {
    src: R,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// Stream offset of `buf[0]`.
    base: u64,
    /// Total length of the stream when known (a file's size, a payload's length).
    total: Option<u64>,
    /// Running CRC-64 of the consumed bytes, when the caller wants one.
    crc: Option<u64>,
    crc_from: usize,
}

impl<R: Read> Reader<R> {
    /// A reader over `src`; `total` is its length when known, which bounds every allocation
    /// and sizes the buffer for small inputs. `crc` turns on the running checksum.
    pub fn new(src: R, total: Option<u64>, crc: bool) -> Self {
        Self::with_buffer(src, total, crc, READ_BUF)
    }

    /// [`Reader::new`] with a buffer of at most `max_buf` bytes (at least 16): small buffers
    /// let tests and fuzzing reach the refill and long-string paths with small inputs.
    pub fn with_buffer(src: R, total: Option<u64>, crc: bool, max_buf: usize) -> Self {
        let max_buf = max_buf.max(16);
        let cap = match total {
            Some(t) => (t as usize).clamp(16, max_buf),
            None => max_buf,
        };
        Reader {
            src,
            buf: vec![0u8; cap],
            pos: 0,
            end: 0,
            base: 0,
            total,
            crc: crc.then_some(0),
            crc_from: 0,
        }
    }

    /// Stream offset of the next unread byte.
    #[inline]
    pub fn offset(&self) -> usize {
        (self.base + self.pos as u64) as usize
    }

    /// Bytes left in the stream after the read position, when the stream's size is known.
    #[inline]
    pub fn left(&self) -> Option<u64> {
        self.total
            .map(|t| t.saturating_sub(self.base + self.pos as u64))
    }

    /// `n`, lowered to what the rest of the input could plausibly back when every item takes
    /// at least `min_bytes` bytes: the ceiling for reservations sized by a count in the file.
    pub fn plausible(&self, n: u64, min_bytes: u64) -> usize {
        let cap = match self.left() {
            Some(l) => l / min_bytes.max(1),
            None => 1 << 16,
        };
        n.min(cap) as usize
    }

    /// End of input: the error names the stream's end (its known size, or where it stopped).
    fn eof_err<T>(&self, n: usize) -> Res<T> {
        let at = self.offset();
        let have = self.total.unwrap_or(self.base + self.end as u64);
        Err(LoadError {
            offset: have as usize,
            what: format!("unexpected end of file: {n} more bytes needed at offset {at}"),
        })
    }

    fn io_err<T>(&self, e: io::Error) -> Res<T> {
        Err(LoadError {
            offset: (self.base + self.end as u64) as usize,
            what: format!("read error: {e}"),
        })
    }

    /// Folds the consumed bytes not yet checksummed into the CRC.
    fn crc_consumed(&mut self) {
        if let Some(c) = self.crc {
            self.crc = Some(crc64::crc64(c, &self.buf[self.crc_from..self.pos]));
        }
        self.crc_from = self.pos;
    }

    /// The CRC-64 of every byte consumed so far (0 when the checksum is off).
    pub fn crc_so_far(&mut self) -> u64 {
        self.crc_consumed();
        self.crc.unwrap_or(0)
    }

    /// Makes at least `n` (<= buffer size) unread bytes available, or fails at end of input.
    #[cold]
    fn fill(&mut self, n: usize) -> Res<()> {
        if n > self.buf.len() {
            return self.eof_err(n);
        }
        self.read_until(n)?;
        if self.end - self.pos < n {
            return self.eof_err(n);
        }
        Ok(())
    }

    /// Moves the unread bytes to the front and reads until `n` are unread or the source ends.
    fn read_until(&mut self, n: usize) -> Res<()> {
        if self.pos > 0 {
            self.crc_consumed();
            self.buf.copy_within(self.pos..self.end, 0);
            self.base += self.pos as u64;
            self.end -= self.pos;
            self.pos = 0;
            self.crc_from = 0;
        }
        while self.end - self.pos < n && self.end < self.buf.len() {
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(0) => break,
                Ok(k) => self.end += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return self.io_err(e),
            }
        }
        Ok(())
    }

    /// The next `n` bytes, borrowed from the buffer (`n` at most the buffer's size).
    #[inline]
    pub fn bytes(&mut self, n: usize) -> Res<&[u8]> {
        if self.end - self.pos < n {
            self.fill(n)?;
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    #[inline]
    pub fn u8(&mut self) -> Res<u8> {
        if self.pos == self.end {
            self.fill(1)?;
        }
        let b = self.buf[self.pos];
        self.pos += 1;
        Ok(b)
    }

    #[inline]
    pub fn arr<const N: usize>(&mut self) -> Res<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.bytes(N)?);
        Ok(a)
    }

    /// Whether a string of `n` bytes is handed out borrowed (fits the buffer).
    #[inline]
    pub fn fits(&self, n: u64) -> bool {
        n <= self.buf.len() as u64
    }

    /// The next `n` bytes in a `Vec` of their own. The `Vec` grows only as bytes arrive: when
    /// the stream's size is known and too small the call fails before allocating anything.
    pub fn owned(&mut self, n: u64) -> Res<Vec<u8>> {
        let start = self.offset();
        if let Some(l) = self.left() {
            if n > l {
                return self.eof_err(usize::try_from(n).unwrap_or(usize::MAX));
            }
        }
        let Ok(want) = usize::try_from(n) else {
            return self.eof_err(usize::MAX);
        };
        if want <= self.end - self.pos {
            let v = self.buf[self.pos..self.pos + want].to_vec();
            self.pos += want;
            return Ok(v);
        }
        let reserve = if self.total.is_some() {
            want
        } else {
            want.min(UNKNOWN_SIZE_FIRST_RESERVE)
        };
        let mut v = Vec::with_capacity(reserve);
        v.extend_from_slice(&self.buf[self.pos..self.end]);
        self.pos = self.end;
        self.crc_consumed();
        // The buffer is empty: what follows comes straight from the source.
        self.base += self.end as u64;
        self.pos = 0;
        self.end = 0;
        self.crc_from = 0;
        let from = v.len();
        let rest = (want - from) as u64;
        let got = match (&mut self.src).take(rest).read_to_end(&mut v) {
            Ok(k) => k,
            Err(e) => return self.io_err(e),
        };
        self.base += got as u64;
        if let Some(c) = self.crc {
            self.crc = Some(crc64::crc64(c, &v[from..]));
        }
        if (got as u64) < rest {
            return Err(LoadError {
                offset: self.offset(),
                what: format!("unexpected end of file: {want} more bytes needed at offset {start}"),
            });
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source that hands out at most `chunk` bytes per read, like a socket.
    struct Trickle<'a> {
        data: &'a [u8],
        chunk: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.chunk.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn offsets_crc_and_long_strings_across_refills() {
        let data: Vec<u8> = (0..(3 * READ_BUF + 17))
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        for total in [Some(data.len() as u64), None] {
            let mut r = Reader::new(
                Trickle {
                    data: &data,
                    chunk: 1000,
                },
                total,
                true,
            );
            assert_eq!(r.u8().expect("1 byte"), data[0]);
            assert_eq!(r.bytes(10).expect("10 bytes"), &data[1..11]);
            let long = r.owned((READ_BUF + 5) as u64).expect("long string");
            assert_eq!(&long[..], &data[11..11 + READ_BUF + 5]);
            assert_eq!(r.offset(), 16 + READ_BUF);
            let rest = data.len() - r.offset() - 8;
            for _ in 0..rest {
                r.u8().expect("byte");
            }
            assert_eq!(r.crc_so_far(), crc64::crc64(0, &data[..data.len() - 8]));
            assert_eq!(r.arr::<8>().expect("trailer")[..], data[data.len() - 8..]);
            let e = r.u8().expect_err("end");
            assert_eq!(e.offset, data.len());
        }
    }

    #[test]
    fn a_huge_claimed_length_fails_without_allocating_it() {
        let data = [1u8, 2, 3];
        let mut r = Reader::new(&data[..], Some(3), false);
        let e = r.owned(u64::MAX / 2).expect_err("too long");
        assert!(e.what.contains("unexpected end of file"), "{e}");
        // Unknown size: the Vec grows only with what arrives.
        let mut r = Reader::new(&data[..], None, false);
        let e = r.owned(1 << 40).expect_err("too long");
        assert_eq!(e.offset, 3);
    }
}
