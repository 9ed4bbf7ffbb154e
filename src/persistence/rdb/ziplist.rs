//! Readers for the compact encodings of older RDB files: ziplist (Redis 2.6 to 6.2) and
//! zipmap (Redis 2.4 and earlier). Loading converts them to listpacks or the big encodings.
//!
//! Owns: parsing and validating those two byte layouts. It must never panic on any input; it
//! never writes them (Redis 7.0 writes neither).
//!
//! ```text
//!   ziplist: <zlbytes u32 LE> <zltail u32 LE> <zllen u16 LE> <entry>... <FF>
//!     entry: <prevlen: 1 byte < 254, or FE + u32 LE> <encoding> <data>
//!       00pppppp                 string, 6-bit length
//!       01pppppp qqqqqqqq        string, 14-bit length (big-endian)
//!       10000000 <u32 BE>        string, 32-bit length
//!       C0 / D0 / E0 / F0 / FE   int16 / int32 / int64 / int24 / int8, little-endian
//!       F1 .. FD                 the integer 0 .. 12, no data
//!   zipmap:  <zmlen u8> (<len> <key> <len> <free u8> <value> <free bytes>)... <FF>
//!     len: 1 byte < 254, or FE + u32 LE
//! ```

use crate::util::numeric::fmt_i64;

type Res<T> = Result<T, &'static str>;

fn u32_le(b: &[u8], at: usize) -> Res<u32> {
    let s = b.get(at..at + 4).ok_or("ziplist entry past its end")?;
    Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Every element of a ziplist, integers rendered as decimal strings.
pub fn entries(b: &[u8]) -> Res<Vec<Vec<u8>>> {
    if b.len() < 11 {
        return Err("ziplist shorter than its header");
    }
    if u32_le(b, 0)? as usize != b.len() {
        return Err("ziplist size header does not match its length");
    }
    if b[b.len() - 1] != 0xFF {
        return Err("ziplist does not end with its terminator");
    }
    let count = u16::from_le_bytes([b[8], b[9]]);
    let end = b.len() - 1;
    let mut p = 10;
    let mut out = Vec::new();
    let mut prev_len = 0usize;
    while p < end {
        let entry_start = p;
        let prevlen = if b[p] < 254 {
            p += 1;
            b[p - 1] as usize
        } else if b[p] == 254 {
            p += 5;
            u32_le(b, p - 4)? as usize
        } else {
            return Err("ziplist entry has an invalid prevlen");
        };
        if prevlen != prev_len {
            return Err("ziplist entry prevlen does not match the previous entry");
        }
        let enc = *b.get(p).ok_or("ziplist entry past its end")?;
        let take = |p: usize, n: usize| -> Res<&[u8]> {
            if p + n > end {
                Err("ziplist entry past its end")
            } else {
                Ok(&b[p..p + n])
            }
        };
        let mut scratch = [0u8; 20];
        let (item, next) = match enc >> 6 {
            0 => {
                let n = (enc & 0x3F) as usize;
                (take(p + 1, n)?.to_vec(), p + 1 + n)
            }
            1 => {
                let lo = *take(p + 1, 1)?
                    .first()
                    .ok_or("ziplist entry past its end")?;
                let n = (((enc & 0x3F) as usize) << 8) | lo as usize;
                (take(p + 2, n)?.to_vec(), p + 2 + n)
            }
            2 => {
                if enc != 0x80 {
                    return Err("ziplist entry has an invalid encoding");
                }
                let l = take(p + 1, 4)?;
                let n = u32::from_be_bytes([l[0], l[1], l[2], l[3]]) as usize;
                (take(p + 5, n)?.to_vec(), p + 5 + n)
            }
            _ => {
                let (v, n): (i64, usize) = match enc {
                    0xC0 => {
                        let d = take(p + 1, 2)?;
                        (i16::from_le_bytes([d[0], d[1]]) as i64, 2)
                    }
                    0xD0 => {
                        let d = take(p + 1, 4)?;
                        (i32::from_le_bytes([d[0], d[1], d[2], d[3]]) as i64, 4)
                    }
                    0xE0 => {
                        let d = take(p + 1, 8)?;
                        let mut a = [0u8; 8];
                        a.copy_from_slice(d);
                        (i64::from_le_bytes(a), 8)
                    }
                    0xF0 => {
                        let d = take(p + 1, 3)?;
                        ((i32::from_le_bytes([0, d[0], d[1], d[2]]) >> 8) as i64, 3)
                    }
                    0xFE => (take(p + 1, 1)?[0] as i8 as i64, 1),
                    0xF1..=0xFD => (((enc & 0x0F) as i64) - 1, 0),
                    _ => return Err("ziplist entry has an invalid encoding"),
                };
                (fmt_i64(v, &mut scratch).to_vec(), p + 1 + n)
            }
        };
        out.push(item);
        prev_len = next - entry_start;
        p = next;
    }
    if p != end {
        return Err("ziplist entries overrun the terminator");
    }
    if count != u16::MAX && count as usize != out.len() {
        return Err("ziplist element count does not match its entries");
    }
    Ok(out)
}

/// Every key and value of a zipmap, in order (key, value, key, value ...).
pub fn zipmap_entries(b: &[u8]) -> Res<Vec<Vec<u8>>> {
    let mut p = 1;
    let mut out = Vec::new();
    let len_at = |p: usize| -> Res<(usize, usize)> {
        match b.get(p) {
            Some(&x) if x < 254 => Ok((x as usize, 1)),
            Some(&254) => Ok((u32_le(b, p + 1)? as usize, 5)),
            _ => Err("zipmap entry has an invalid length"),
        }
    };
    loop {
        match b.get(p) {
            None => return Err("zipmap without its terminator"),
            Some(&0xFF) => break,
            _ => {}
        }
        let (klen, h) = len_at(p)?;
        p += h;
        let key = b.get(p..p + klen).ok_or("zipmap entry past its end")?;
        p += klen;
        let (vlen, h) = len_at(p)?;
        p += h;
        let free = *b.get(p).ok_or("zipmap entry past its end")? as usize;
        p += 1;
        let val = b.get(p..p + vlen).ok_or("zipmap entry past its end")?;
        p += vlen + free;
        out.push(key.to_vec());
        out.push(val.to_vec());
    }
    if p + 1 != b.len() {
        return Err("zipmap has bytes after its terminator");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ziplist_with_strings_and_ints() {
        // ["ab", 12, 300, -1]: written by hand in ziplist's layout.
        let mut body = vec![];
        body.extend_from_slice(&[0, 0x02, b'a', b'b']); // prevlen 0, 6-bit str
        body.extend_from_slice(&[4, 0xFD]); // prevlen 4, immediate 12
        body.extend_from_slice(&[2, 0xC0, 0x2C, 0x01]); // int16 300
        body.extend_from_slice(&[4, 0xFE, 0xFF]); // int8 -1
        let total = 10 + body.len() + 1;
        let mut zl = (total as u32).to_le_bytes().to_vec();
        zl.extend_from_slice(&0u32.to_le_bytes());
        zl.extend_from_slice(&4u16.to_le_bytes());
        zl.extend_from_slice(&body);
        zl.push(0xFF);
        let got = entries(&zl).expect("valid");
        assert_eq!(got, [&b"ab"[..], b"12", b"300", b"-1"]);
        for cut in 0..zl.len() {
            assert!(entries(&zl[..cut]).is_err());
        }
    }

    #[test]
    fn zipmap() {
        let zm = [
            2, 1, b'a', 1, 0, b'x', 2, b'b', b'c', 3, 1, b'y', b'z', b'!', 0, 0xFF,
        ];
        let got = zipmap_entries(&zm).expect("valid");
        assert_eq!(got, [&b"a"[..], b"x", b"bc", b"yz!"]);
        assert!(zipmap_entries(&zm[..zm.len() - 1]).is_err());
    }
}
