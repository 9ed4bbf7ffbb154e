//! Redis's `sdssplitargs`: how an inline request and a `redis.conf` line
//! are cut into arguments.
//!
//! Owns: the quoting rules (whitespace separated; `"..."` with `\n \r \t
//! \b \a \\ \" \xHH` escapes; `'...'` with `\'`; a closing quote must be
//! followed by a space; a NUL ends the line as it ends a C string). One
//! implementation serves the protocol parser (which wants spans into a
//! reused buffer, no allocation per argument) and the config parser (which
//! wants owned arguments). It never allocates beyond the caller's buffers.

/// C's `isspace`: blank, \t, \n, \v, \f, \r.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Splits an inline line like Redis's `sdssplitargs`: whitespace separated,
/// `"..."` with `\n \r \t \b \a \\ \" \xHH` escapes, `'...'` with `\'`.
/// Writes the unescaped bytes to `out` and their spans to `argv`; returns
/// false on unbalanced quotes (or a closing quote not followed by space).
/// A NUL byte ends the line, as it ends sdssplitargs's C string.
pub fn split_args_into(line: &[u8], out: &mut Vec<u8>, argv: &mut Vec<(usize, usize)>) -> bool {
    argv.clear();
    // sdssplitargs reads a C string: a NUL ends the line.
    let line = match memchr::memchr(0, line) {
        Some(nul) => &line[..nul],
        None => line,
    };
    let mut i = 0;
    let n = line.len();
    loop {
        while i < n && is_c_space(line[i]) {
            i += 1;
        }
        if i >= n {
            return true;
        }
        let start = out.len();
        let mut in_dq = false;
        let mut in_sq = false;
        loop {
            if in_dq {
                if i >= n {
                    return false;
                }
                let c = line[i];
                if c == b'\\' && i + 3 < n && line[i + 1] == b'x' {
                    if let (Some(h), Some(l)) = (hex(line[i + 2]), hex(line[i + 3])) {
                        out.push(h * 16 + l);
                        i += 4;
                        continue;
                    }
                }
                if c == b'\\' && i + 1 < n {
                    out.push(match line[i + 1] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        other => other,
                    });
                    i += 2;
                    continue;
                }
                if c == b'"' {
                    if i + 1 < n && !is_c_space(line[i + 1]) {
                        return false;
                    }
                    i += 1;
                    break;
                }
                out.push(c);
                i += 1;
            } else if in_sq {
                if i >= n {
                    return false;
                }
                let c = line[i];
                if c == b'\\' && i + 1 < n && line[i + 1] == b'\'' {
                    out.push(b'\'');
                    i += 2;
                    continue;
                }
                if c == b'\'' {
                    if i + 1 < n && !is_c_space(line[i + 1]) {
                        return false;
                    }
                    i += 1;
                    break;
                }
                out.push(c);
                i += 1;
            } else {
                if i >= n {
                    break;
                }
                match line[i] {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => break,
                    b'"' => in_dq = true,
                    b'\'' => in_sq = true,
                    c => out.push(c),
                }
                i += 1;
            }
        }
        argv.push((start, out.len() - start));
    }
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Redis's `sdscatrepr`: quotes bytes so `split_args` reads them back as
/// one argument: `"..."` with `\\ \" \n \r \t \a \b` and `\xHH` for
/// anything not printable ASCII (MONITOR lines, CONFIG REWRITE values).
pub fn repr_into(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &b in s {
        match b {
            b'\\' | b'"' => {
                out.push(b'\\');
                out.push(b);
            }
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(b),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\x");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 15) as usize]);
            }
        }
    }
    out.push(b'"');
}

/// [`repr_into`] as a `String`.
pub fn repr(s: &[u8]) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    repr_into(&mut out, s);
    // Every byte written is printable ASCII.
    String::from_utf8_lossy(&out).into_owned()
}

/// The same split, as owned arguments (config lines, CONFIG REWRITE).
/// `None` on unbalanced quotes.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let (mut out, mut spans) = (Vec::new(), Vec::new());
    if !split_args_into(line, &mut out, &mut spans) {
        return None;
    }
    Some(spans.iter().map(|&(o, l)| out[o..o + l].to_vec()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_escapes_and_c_strings() {
        let args = split_args(b"set \"a b\" 'c\\'d' \"\\x41\\n\"").unwrap();
        assert_eq!(
            args,
            vec![
                b"set".to_vec(),
                b"a b".to_vec(),
                b"c'd".to_vec(),
                b"A\n".to_vec()
            ]
        );
        assert_eq!(split_args(b"set \"oops"), None);
        assert_eq!(split_args(b"\"a\"b"), None);
        assert_eq!(split_args(b"a \x00 b").unwrap().len(), 1);
        assert_eq!(
            split_args(b"\x0b\x0cPING \"x\"\x0b").unwrap(),
            vec![b"PING".to_vec(), b"x".to_vec()]
        );
        assert_eq!(split_args(b"   ").unwrap().len(), 0);
    }

    #[test]
    fn repr_escapes_like_sdscatrepr_and_round_trips() {
        let raw = b"a\"b\\c\n\r\t\x07\x08\x00\xff ok";
        assert_eq!(repr(raw), "\"a\\\"b\\\\c\\n\\r\\t\\a\\b\\x00\\xff ok\"");
        assert_eq!(
            split_args(repr(raw).as_bytes()).unwrap(),
            vec![raw.to_vec()]
        );
    }
}
