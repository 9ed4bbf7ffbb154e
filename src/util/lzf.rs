//! LZF compression in liblzf's exact stream format (Redis's lzf_c.c / lzf_d.c, version 3.6 as
//! Redis builds it: `HLOG 16`, `VERY_FAST`), so quicklist nodes compressed here and strings in
//! RDB files (issue 5) are read by Redis and the other way round.
//!
//! Owns: the compressor and the decompressor. It must never know what it compresses: callers
//! decide when compression is worth it (a quicklist node needs 48 bytes and an 8-byte gain, RDB
//! strings 20 bytes and a 4-byte gain).
//!
//! # Format
//!
//! ```text
//!   000LLLLL <L+1 literal bytes>          literal run of 1..32 bytes
//!   LLLooooo oooooooo                     back reference: copy L+2 bytes (L = 1..6) from
//!                                         o+1 bytes back (1..8192)
//!   111ooooo LLLLLLLL oooooooo            back reference of L+9 bytes (9..264)
//! ```
//!
//! Worked example: `"aaaaaaaaaa"` (10 × `a`) compresses to `01 61 61 80 00 01 61 61`: a
//! two-byte literal run (`01 'a' 'a'`; position 0 is never a match source), one back reference
//! `80 00` copying 6 bytes from 1 byte back (the copy overlaps itself, repeating the `a`), then
//! the last two bytes as literals (the compressor never matches the last two input bytes): 8
//! bytes for 10.
//!
//! The compressor finds matches through a hash table of the last position seen for each
//! 3-byte prefix. liblzf leaves that table uninitialised on the stack and verifies every
//! candidate match against the input; here the table is reused from call to call (one per
//! thread, never cleared), which is equally valid: a stale slot only proposes a candidate that
//! the byte comparison then accepts or rejects. Output may therefore differ between calls on the
//! same input, as liblzf's may, but always decompresses to the input.

use std::cell::RefCell;

/// log2 of the hash table size, Redis's HLOG (lzfP.h).
const HLOG: u32 = 16;
/// 65536 slots.
const HSIZE: usize = 1 << HLOG;
/// 32 bytes: the longest literal run, liblzf's MAX_LIT.
const MAX_LIT: usize = 1 << 5;
/// 8192 bytes: the farthest a back reference reaches, liblzf's MAX_OFF.
const MAX_OFF: usize = 1 << 13;
/// 264 bytes: the longest back reference, liblzf's MAX_REF.
const MAX_REF: usize = (1 << 8) + (1 << 3);

thread_local! {
    /// The compressor's hash table: input offsets (0 = empty), 256 KiB, allocated once.
    static HTAB: RefCell<Vec<u32>> = RefCell::new(vec![0; HSIZE]);
}

#[inline]
fn first(input: &[u8], p: usize) -> u32 {
    (u32::from(input[p]) << 8) | u32::from(input[p + 1])
}

#[inline]
fn next(v: u32, input: &[u8], p: usize) -> u32 {
    (v << 8) | u32::from(input[p + 2])
}

/// liblzf's IDX with VERY_FAST.
#[inline]
fn idx(h: u32) -> usize {
    ((h >> (3 * 8 - HLOG)).wrapping_sub(h.wrapping_mul(5)) & (HSIZE as u32 - 1)) as usize
}

/// Compresses `input` into `out`, using at most `out.len()` bytes. Returns the compressed
/// length, or 0 when the result does not fit (or either buffer is empty), as `lzf_compress`.
pub fn compress_into(input: &[u8], out: &mut [u8]) -> usize {
    HTAB.with(|t| match t.try_borrow_mut() {
        Ok(mut table) => compress_with(input, out, &mut table),
        // Re-entered on this thread (never happens today): use a fresh table.
        Err(_) => compress_with(input, out, &mut vec![0; HSIZE]),
    })
}

/// Compresses `input` if the result takes at most `max_out` bytes.
pub fn compress(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let mut out = vec![0u8; max_out];
    let n = compress_into(input, &mut out);
    if n == 0 {
        return None;
    }
    out.truncate(n);
    Some(out)
}

fn compress_with(input: &[u8], out: &mut [u8], htab: &mut [u32]) -> usize {
    let in_end = input.len();
    let out_end = out.len();
    if in_end == 0 || out_end == 0 {
        return 0;
    }
    let mut ip = 0usize;
    // `op` indexes the next free output byte; a literal run's length byte is reserved at
    // `op - lit - 1` and written when the run ends.
    let mut op = 1usize;
    let mut lit = 0usize;
    let mut hval = if in_end >= 2 { first(input, 0) } else { 0 };
    while ip + 2 < in_end {
        hval = next(hval, input, ip);
        let slot = idx(hval);
        let r = htab[slot] as usize;
        htab[slot] = ip as u32;
        let is_match = r > 0
            && r < ip
            && ip - r - 1 < MAX_OFF
            && input[r + 2] == input[ip + 2]
            && input[r] == input[ip]
            && input[r + 1] == input[ip + 1];
        if is_match {
            let off = ip - r - 1;
            let mut len = 2usize;
            let maxlen = (in_end - ip - len).min(MAX_REF);
            if op + 3 + 1 >= out_end && op - usize::from(lit == 0) + 3 + 1 >= out_end {
                return 0;
            }
            out[op - lit - 1] = (lit as u8).wrapping_sub(1);
            if lit == 0 {
                op -= 1;
            }
            // liblzf compares 16 bytes unchecked when at least 17 remain, then one by one.
            let mut done = false;
            if maxlen > 16 {
                for _ in 0..16 {
                    len += 1;
                    if input[r + len] != input[ip + len] {
                        done = true;
                        break;
                    }
                }
            }
            if !done {
                loop {
                    len += 1;
                    if !(len < maxlen && input[r + len] == input[ip + len]) {
                        break;
                    }
                }
            }
            len -= 2;
            ip += 1;
            if len < 7 {
                out[op] = ((off >> 8) + (len << 5)) as u8;
                op += 1;
            } else {
                out[op] = ((off >> 8) + (7 << 5)) as u8;
                out[op + 1] = (len - 7) as u8;
                op += 2;
            }
            out[op] = off as u8;
            op += 1;
            lit = 0;
            op += 1;
            ip += len + 1;
            if ip + 2 >= in_end {
                break;
            }
            // VERY_FAST: hash the two positions before the new one.
            ip -= 2;
            hval = first(input, ip);
            hval = next(hval, input, ip);
            htab[idx(hval)] = ip as u32;
            ip += 1;
            hval = next(hval, input, ip);
            htab[idx(hval)] = ip as u32;
            ip += 1;
        } else {
            if op >= out_end {
                return 0;
            }
            lit += 1;
            out[op] = input[ip];
            op += 1;
            ip += 1;
            if lit == MAX_LIT {
                out[op - lit - 1] = (lit - 1) as u8;
                lit = 0;
                op += 1;
            }
        }
    }
    if op + 3 > out_end {
        return 0;
    }
    while ip < in_end {
        lit += 1;
        out[op] = input[ip];
        op += 1;
        ip += 1;
        if lit == MAX_LIT {
            out[op - lit - 1] = (lit - 1) as u8;
            lit = 0;
            op += 1;
        }
    }
    out[op - lit - 1] = (lit as u8).wrapping_sub(1);
    if lit == 0 {
        op -= 1;
    }
    op
}

/// Decompresses `input` into `out`. Returns the decompressed length, or 0 when the input is
/// malformed or does not fit `out`, as `lzf_decompress` (E2BIG / EINVAL). Never reads or
/// writes out of bounds, whatever the input.
pub fn decompress_into(input: &[u8], out: &mut [u8]) -> usize {
    let in_end = input.len();
    let out_end = out.len();
    let mut ip = 0usize;
    let mut op = 0usize;
    while ip < in_end {
        let ctrl = input[ip] as usize;
        ip += 1;
        if ctrl < (1 << 5) {
            let n = ctrl + 1;
            if op + n > out_end || ip + n > in_end {
                return 0;
            }
            out[op..op + n].copy_from_slice(&input[ip..ip + n]);
            op += n;
            ip += n;
        } else {
            let mut len = ctrl >> 5;
            if ip >= in_end {
                return 0;
            }
            if len == 7 {
                len += input[ip] as usize;
                ip += 1;
                if ip >= in_end {
                    return 0;
                }
            }
            let back = ((ctrl & 0x1f) << 8) + input[ip] as usize + 1;
            ip += 1;
            let n = len + 2;
            if op + n > out_end || back > op {
                return 0;
            }
            let from = op - back;
            if back >= n {
                out.copy_within(from..from + n, op);
            } else {
                // Overlapping: the copy repeats the last `back` bytes, byte by byte.
                for k in 0..n {
                    out[op + k] = out[from + k];
                }
            }
            op += n;
        }
    }
    op
}

/// Decompresses `input`, which must expand to exactly `len` bytes.
pub fn decompress(input: &[u8], len: usize) -> Option<Vec<u8>> {
    if len == 0 {
        // 0 is also the error value: only an empty stream expands to nothing.
        return input.is_empty().then(Vec::new);
    }
    let mut out = vec![0u8; len];
    (decompress_into(input, &mut out) == len).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(data: &[u8]) {
        let c = compress(data, data.len() + 64).expect("compressible with room to spare");
        assert_eq!(decompress(&c, data.len()).as_deref(), Some(data));
    }

    /// With an empty table the compressor emits exactly what liblzf 3.6 (Redis's lzf_c.c,
    /// built and run on these inputs) emits.
    #[test]
    fn matches_liblzf_output() {
        let cases: [(&[u8], &[u8]); 3] = [
            (
                b"abcabcabcabcabcabcabcabc",
                &[0x03, b'a', b'b', b'c', b'a', 0xe0, 0x0a, 0x02, 0x00, b'c'],
            ),
            (
                b"aaaaaaaaaa",
                &[0x01, b'a', b'a', 0x80, 0x00, 0x01, b'a', b'a'],
            ),
            (
                b"hello hello hello hello world world world",
                &[
                    0x06, b'h', b'e', b'l', b'l', b'o', b' ', b'h', 0xe0, 0x08, 0x05, 0x04, b'w',
                    b'o', b'r', b'l', b'd', 0xe0, 0x01, 0x05, 0x01, b'l', b'd',
                ],
            ),
        ];
        for (input, expected) in cases {
            let mut out = [0u8; 128];
            let n = compress_with(input, &mut out, &mut vec![0; HSIZE]);
            assert_eq!(&out[..n], expected);
            assert_eq!(decompress(expected, input.len()).as_deref(), Some(input));
        }
    }

    #[test]
    fn round_trips() {
        round_trip(b"a");
        round_trip(b"ab");
        round_trip(b"abc");
        round_trip(&[0u8; 100_000]);
        let text: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("element:{} ", i % 977).into_bytes())
            .collect();
        round_trip(&text);
        let mut x = 0x1234_5678u32;
        let noise: Vec<u8> = (0..10_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x % 7) as u8
            })
            .collect();
        round_trip(&noise);
    }

    #[test]
    fn refuses_when_output_too_small() {
        let mut x = 99u32;
        let random: Vec<u8> = (0..1000)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect();
        assert!(compress(&random, random.len()).is_none());
        assert!(compress(b"", 10).is_none());
        assert!(compress(b"abc", 0).is_none());
        let long = vec![7u8; 1000];
        let c = compress(&long, 1000).unwrap();
        assert!(c.len() < 40);
        assert!(compress(&long, 5).is_none());
    }

    #[test]
    fn decompress_rejects_garbage_without_panicking() {
        assert_eq!(decompress(&[0x05, 1, 2], 6), None);
        assert_eq!(decompress(&[0x20, 0x00], 3), None);
        assert_eq!(decompress(&[0x00, 1], 0), None);
        let mut out = [0u8; 64];
        for a in 0..=255u8 {
            for b in [0u8, 1, 31, 32, 255] {
                let _ = decompress_into(&[a, b, a, b, 0xE0, b], &mut out);
            }
        }
    }
}
