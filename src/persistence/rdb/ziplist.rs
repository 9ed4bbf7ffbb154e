//! Readers for the compact encodings of older RDB files: ziplist (Redis 2.6 to 6.2) and
//! zipmap (Redis 2.4 and earlier). Loading converts them to listpacks or the big encodings.
//!
//! Owns: parsing and validating those two byte layouts with every check of Redis's
//! `ziplistValidateIntegrity` (deep) and `zipmapValidateIntegrity`. It must never panic on any
//! input and never allocate: entries are handed to a callback as borrowed slices or integers.
//! It never writes them (Redis 7.0 writes neither).
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
//!     len: 1 byte < 254, or FE + u32 LE (only for lengths >= 254)
//! ```

/// One element of a ziplist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item<'a> {
    Str(&'a [u8]),
    Int(i64),
}

type Res<T> = Result<T, &'static str>;

/// 10 bytes: zlbytes, zltail, zllen (Redis's ZIPLIST_HEADER_SIZE).
const ZL_HEADER: usize = 10;
/// 254: a ziplist prevlen or zipmap length byte of this value means "4 more bytes follow".
const BIGLEN: u8 = 254;
const END: u8 = 0xFF;

fn u32_le(b: &[u8], at: usize) -> Res<u32> {
    match b.get(at..at + 4) {
        Some(s) => Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]])),
        None => Err("entry past the end"),
    }
}

/// Walks a ziplist, calling `f` with each element in order; returns how many there were.
/// Fails on anything `ziplistValidateIntegrity(deep)` rejects, or when `f` fails.
pub fn for_each<'a>(b: &'a [u8], mut f: impl FnMut(Item<'a>) -> Res<()>) -> Res<usize> {
    if b.len() < ZL_HEADER + 1 {
        return Err("ziplist shorter than its header");
    }
    if u32_le(b, 0)? as usize != b.len() {
        return Err("ziplist size header does not match its length");
    }
    let end = b.len() - 1;
    if b[end] != END {
        return Err("ziplist does not end with its terminator");
    }
    let tail = u32_le(b, 4)? as usize;
    if tail > end {
        return Err("ziplist tail offset points outside it");
    }
    let header_count = u16::from_le_bytes([b[8], b[9]]);
    let mut p = ZL_HEADER;
    let mut count = 0usize;
    let mut prev_raw = 0usize;
    let mut last: Option<usize> = None;
    // Every index below is checked against `end` (the terminator) before use.
    while b[p] != END {
        let start = p;
        let (prevlen, plsize) = if b[p] < BIGLEN {
            (b[p] as usize, 1)
        } else {
            (u32_le(b, p + 1)? as usize, 5)
        };
        if p + plsize > end {
            return Err("ziplist entry header past the end");
        }
        if prevlen != prev_raw {
            return Err("ziplist entry prevlen does not match the previous entry");
        }
        let q = p + plsize;
        let enc = b[q];
        let (hdr, len): (usize, usize) = match enc >> 6 {
            0 => (1, (enc & 0x3F) as usize),
            1 => {
                if q + 1 > end {
                    return Err("ziplist entry header past the end");
                }
                (2, (((enc & 0x3F) as usize) << 8) | b[q + 1] as usize)
            }
            2 => {
                if enc != 0x80 {
                    return Err("ziplist entry has an invalid encoding");
                }
                if q + 5 > end {
                    return Err("ziplist entry header past the end");
                }
                (
                    5,
                    u32::from_be_bytes([b[q + 1], b[q + 2], b[q + 3], b[q + 4]]) as usize,
                )
            }
            _ => match enc {
                0xC0 => (1, 2),
                0xD0 => (1, 4),
                0xE0 => (1, 8),
                0xF0 => (1, 3),
                0xFE => (1, 1),
                0xF1..=0xFD => (1, 0),
                _ => return Err("ziplist entry has an invalid encoding"),
            },
        };
        let data = q + hdr;
        let next = data.checked_add(len).ok_or("ziplist entry too long")?;
        if next > end {
            return Err("ziplist entry past the end");
        }
        let d = &b[data..next];
        let item = if enc >> 6 < 3 {
            Item::Str(d)
        } else {
            Item::Int(match enc {
                0xC0 => i16::from_le_bytes([d[0], d[1]]) as i64,
                0xD0 => i32::from_le_bytes([d[0], d[1], d[2], d[3]]) as i64,
                0xE0 => i64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]),
                0xF0 => (i32::from_le_bytes([0, d[0], d[1], d[2]]) >> 8) as i64,
                0xFE => d[0] as i8 as i64,
                _ => ((enc & 0x0F) as i64) - 1,
            })
        };
        f(item)?;
        prev_raw = next - start;
        last = Some(start);
        p = next;
        count += 1;
    }
    if p != end {
        return Err("ziplist terminator before its end");
    }
    if let Some(l) = last {
        if l != tail {
            return Err("ziplist tail offset does not point at its last entry");
        }
    }
    if header_count != u16::MAX && header_count as usize != count {
        return Err("ziplist element count does not match its entries");
    }
    Ok(count)
}

/// Walks a zipmap, calling `f` with each (key, value) pair; returns how many there were.
/// Fails on anything `zipmapValidateIntegrity(deep)` rejects (an empty zipmap, a wrong count,
/// a 5-byte length for a length below 254, anything reaching past the end) or when `f` fails.
pub fn zipmap_for_each<'a>(
    b: &'a [u8],
    mut f: impl FnMut(&'a [u8], &'a [u8]) -> Res<()>,
) -> Res<usize> {
    if b.len() < 2 {
        return Err("zipmap shorter than its header");
    }
    if b[b.len() - 1] != END {
        return Err("zipmap does not end with its terminator");
    }
    let last = b.len() - 1;
    // A length at `p`: (value, bytes it takes), with Redis's check that it stays inside.
    let len_at = |p: usize| -> Res<(usize, usize)> {
        let x = *b.get(p).ok_or("zipmap entry past the end")?;
        let (l, s) = if x < BIGLEN {
            (x as usize, 1)
        } else {
            (u32_le(b, p + 1)? as usize, 5)
        };
        if p + s > last {
            return Err("zipmap entry length past the end");
        }
        if s != 1 && l < BIGLEN as usize {
            return Err("zipmap length below 254 in 5 bytes");
        }
        Ok((l, s))
    };
    let mut p = 1;
    let mut count = 0usize;
    while b[p] != END {
        let (klen, s) = len_at(p)?;
        let k = p + s;
        p = k.checked_add(klen).ok_or("zipmap entry too long")?;
        if p > last {
            return Err("zipmap entry past the end");
        }
        let (vlen, s) = len_at(p)?;
        let free = b[p + s] as usize;
        let v = p + s + 1;
        let vend = v.checked_add(vlen).ok_or("zipmap entry too long")?;
        p = vend.checked_add(free).ok_or("zipmap entry too long")?;
        if p > last {
            return Err("zipmap entry past the end");
        }
        f(&b[k..k + klen], &b[v..vend])?;
        count += 1;
    }
    if count == 0 {
        return Err("empty zipmap");
    }
    if b[0] != BIGLEN && b[0] as usize != count {
        return Err("zipmap element count does not match its entries");
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(zl: &[u8]) -> Res<Vec<Item<'_>>> {
        let mut v = Vec::new();
        for_each(zl, |i| {
            v.push(i);
            Ok(())
        })?;
        Ok(v)
    }

    #[test]
    fn ziplist_with_strings_and_ints() {
        // ["ab", 12, 300, -1]: written by hand in ziplist's layout.
        let mut body = vec![];
        body.extend_from_slice(&[0, 0x02, b'a', b'b']); // prevlen 0, 6-bit str
        body.extend_from_slice(&[4, 0xFD]); // prevlen 4, immediate 12
        body.extend_from_slice(&[2, 0xC0, 0x2C, 0x01]); // int16 300
        let tail = 10 + body.len();
        body.extend_from_slice(&[4, 0xFE, 0xFF]); // int8 -1
        let total = 10 + body.len() + 1;
        let mut zl = (total as u32).to_le_bytes().to_vec();
        zl.extend_from_slice(&(tail as u32).to_le_bytes());
        zl.extend_from_slice(&4u16.to_le_bytes());
        zl.extend_from_slice(&body);
        zl.push(0xFF);
        let got = collect(&zl).expect("valid");
        assert_eq!(
            got,
            [
                Item::Str(b"ab"),
                Item::Int(12),
                Item::Int(300),
                Item::Int(-1)
            ]
        );
        for cut in 0..zl.len() {
            assert!(collect(&zl[..cut]).is_err());
        }
        let mut bad_tail = zl.clone();
        bad_tail[4] = 10;
        assert!(
            collect(&bad_tail).is_err(),
            "tail offset must name the last entry"
        );
        let mut bad_count = zl.clone();
        bad_count[8] = 3;
        assert!(collect(&bad_count).is_err());
    }

    #[test]
    fn zipmap() {
        let zm = [
            2, 1, b'a', 1, 0, b'x', 2, b'b', b'c', 3, 1, b'y', b'z', b'!', 0, 0xFF,
        ];
        let mut got = Vec::new();
        zipmap_for_each(&zm, |k, v| {
            got.push((k, v));
            Ok(())
        })
        .expect("valid");
        assert_eq!(got, [(&b"a"[..], &b"x"[..]), (b"bc", b"yz!")]);
        assert!(zipmap_for_each(&zm[..zm.len() - 1], |_, _| Ok(())).is_err());
        // Empty, or a small length in the 5-byte form: rejected as Redis does.
        assert!(zipmap_for_each(&[0, 0xFF], |_, _| Ok(())).is_err());
        let five = [1, 0xFE, 1, 0, 0, 0, b'k', 1, 0, b'v', 0xFF];
        assert!(zipmap_for_each(&five, |_, _| Ok(())).is_err());
    }
}
