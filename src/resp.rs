//! RESP: the request parser (multibulk and inline) and the reply encoder
//! (RESP2 and RESP3), as Redis's `processMultibulkBuffer`,
//! `processInlineBuffer` and the `addReply*` family in networking.c.
//!
//! Owns: the byte grammar only. Arguments are parsed in place: the parser
//! records `(offset, len)` pairs into the caller's query buffer and never
//! copies a multibulk argument. It must never touch clients, sockets or
//! data; it reports how much was consumed or which protocol rule was
//! broken, and the caller decides what to do.
//!
//! ```text
//!  query buffer:  *3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*1\r\n$4\r\nPI
//!                 ^ request start                                ^ next request (partial)
//!  argv:          [(8,3) (17,3) (26,5)]   offsets from the request start
//!  state:         the parser resumes where it stopped (multibulk_left,
//!                 bulk_len, cursor), so a 1M-argument MSET arriving in
//!                 100 reads is scanned once, not 100 times.
//! ```

use memchr::memchr2;

use crate::util::sds::split_args_into;

/// 64 KiB, Redis's PROTO_INLINE_MAX_SIZE: the longest inline request, and
/// the longest `*<count>` / `$<len>` header line accepted.
pub const PROTO_INLINE_MAX_SIZE: usize = 64 * 1024;
/// 32 KiB, Redis's PROTO_MBULK_BIG_ARG: bulk arguments at least this big
/// get their whole size reserved in the query buffer at once.
pub const PROTO_MBULK_BIG_ARG: usize = 32 * 1024;
/// Redis's limit on `*<count>` for a client that has not authenticated yet.
const UNAUTH_MAX_MULTIBULK: i64 = 10;
/// 16 KiB, Redis's limit on `$<len>` for a client not authenticated yet.
const UNAUTH_MAX_BULK: i64 = 16384;

/// What the parser may accept from this client.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// `proto-max-bulk-len`; ignored for our master's link.
    pub max_bulk_len: i64,
    /// False before AUTH when a password is required.
    pub authenticated: bool,
    /// The link from our master is trusted with any bulk size.
    pub is_master: bool,
}

/// Outcome of one parse attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A whole request of `consumed` bytes; its arguments are in `argv`.
    Request { consumed: usize },
    /// `consumed` bytes of nothing (an empty inline line, `*0`, `*-1`).
    Empty { consumed: usize },
    /// More bytes are needed; `reserve` is a hint of how many.
    Incomplete { reserve: usize },
}

/// A protocol violation; the caller replies `-ERR Protocol error: <msg>`
/// and closes the connection after the reply.
#[derive(Debug, PartialEq, Eq)]
pub struct ProtocolError(pub &'static str);

/// Incremental request parser; one per client.
#[derive(Debug, Default)]
pub struct RequestParser {
    /// `(offset, len)` of each argument, from the request start (multibulk)
    /// or into `inline_args` (inline requests).
    pub argv: Vec<(usize, usize)>,
    /// True when the arguments of the last request live in `inline_args`.
    pub inline: bool,
    /// Unescaped inline arguments (quotes make them differ from the wire).
    pub inline_args: Vec<u8>,
    /// Arguments still expected in the current multibulk; 0 when between requests.
    multibulk_left: i64,
    /// Length of the bulk being read, or -1 before its `$` header.
    bulk_len: i64,
    /// Parse cursor, from the request start.
    cursor: usize,
}

impl RequestParser {
    /// Forgets any partial request (after an error or a reset).
    pub fn reset(&mut self) {
        self.argv.clear();
        self.multibulk_left = 0;
        self.bulk_len = -1;
        self.cursor = 0;
        self.inline = false;
    }

    /// True while a request is partly parsed (its offsets point into the buffer).
    pub fn in_request(&self) -> bool {
        self.multibulk_left > 0
    }

    /// Parses one request from `buf`, which starts at the request start.
    pub fn parse(&mut self, buf: &[u8], limits: &Limits) -> Result<Parsed, ProtocolError> {
        if self.multibulk_left == 0 {
            self.argv.clear();
            self.cursor = 0;
            self.bulk_len = -1;
            self.inline = false;
            match buf.first() {
                None => return Ok(Parsed::Incomplete { reserve: 0 }),
                Some(b'*') => {}
                Some(_) => return self.parse_inline(buf),
            }
            let Some(nl) = find_in_c_string(buf, b'\r') else {
                if buf.len() > PROTO_INLINE_MAX_SIZE {
                    return Err(ProtocolError("too big mbulk count string"));
                }
                return Ok(Parsed::Incomplete { reserve: 0 });
            };
            if nl + 1 >= buf.len() {
                return Ok(Parsed::Incomplete { reserve: 0 });
            }
            let count = match crate::util::numeric::parse_i64(&buf[1..nl]) {
                Some(n) if n <= i32::MAX as i64 => n,
                _ => return Err(ProtocolError("invalid multibulk length")),
            };
            if !limits.authenticated && count > UNAUTH_MAX_MULTIBULK {
                return Err(ProtocolError("unauthenticated multibulk length"));
            }
            let header_end = nl + 2;
            if count <= 0 {
                return Ok(Parsed::Empty {
                    consumed: header_end,
                });
            }
            self.multibulk_left = count;
            self.cursor = header_end;
            // Reserve modestly: a huge count from a client is no reason to
            // allocate before its arguments arrive.
            self.argv.reserve(count.min(1024) as usize);
        }
        while self.multibulk_left > 0 {
            if self.bulk_len < 0 {
                let rest = &buf[self.cursor..];
                let Some(nl) = find_in_c_string(rest, b'\r') else {
                    if rest.len() > PROTO_INLINE_MAX_SIZE {
                        return Err(ProtocolError("too big bulk count string"));
                    }
                    return Ok(Parsed::Incomplete { reserve: 0 });
                };
                if nl + 1 >= rest.len() {
                    return Ok(Parsed::Incomplete { reserve: 0 });
                }
                if rest[0] != b'$' {
                    return Err(ProtocolError(expected_dollar(rest[0])));
                }
                let len = match crate::util::numeric::parse_i64(&rest[1..nl]) {
                    Some(n) if n >= 0 && (limits.is_master || n <= limits.max_bulk_len) => n,
                    _ => return Err(ProtocolError("invalid bulk length")),
                };
                if !limits.authenticated && len > UNAUTH_MAX_BULK {
                    return Err(ProtocolError("unauthenticated bulk length"));
                }
                self.cursor += nl + 2;
                self.bulk_len = len;
            }
            let len = self.bulk_len as usize;
            let have = buf.len() - self.cursor;
            if have < len + 2 {
                return Ok(Parsed::Incomplete {
                    reserve: len + 2 - have,
                });
            }
            self.argv.push((self.cursor, len));
            self.cursor += len + 2;
            self.bulk_len = -1;
            self.multibulk_left -= 1;
        }
        Ok(Parsed::Request {
            consumed: self.cursor,
        })
    }

    fn parse_inline(&mut self, buf: &[u8]) -> Result<Parsed, ProtocolError> {
        let Some(nl) = find_in_c_string(buf, b'\n') else {
            if buf.len() > PROTO_INLINE_MAX_SIZE {
                return Err(ProtocolError("too big inline request"));
            }
            return Ok(Parsed::Incomplete { reserve: 0 });
        };
        let mut line = &buf[..nl];
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        self.inline = true;
        self.inline_args.clear();
        if !split_args_into(line, &mut self.inline_args, &mut self.argv) {
            return Err(ProtocolError("unbalanced quotes in request"));
        }
        if self.argv.is_empty() {
            return Ok(Parsed::Empty { consumed: nl + 1 });
        }
        Ok(Parsed::Request { consumed: nl + 1 })
    }
}

/// Finds the delimiter of a header or inline line as Redis's `strchr` on the
/// query buffer does: the search stops at a NUL byte, so a NUL before the
/// delimiter means "no complete line yet" (and, past 64 KiB, "too big").
fn find_in_c_string(buf: &[u8], delim: u8) -> Option<usize> {
    match memchr2(delim, 0, buf) {
        Some(i) if buf[i] == delim => Some(i),
        _ => None,
    }
}

/// `expected '$', got 'x'` with the offending byte, as Redis words it.
fn expected_dollar(got: u8) -> &'static str {
    // Protocol errors carry static text; the byte is folded into a fixed
    // table of printable characters, anything else reported generically.
    const PRINTABLE: &str = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
    static MSGS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let msgs = MSGS.get_or_init(|| {
        PRINTABLE
            .chars()
            .map(|c| &*Box::leak(format!("expected '$', got '{c}'").into_boxed_str()))
            .collect()
    });
    if (b' '..=b'~').contains(&got) {
        msgs[(got - b' ') as usize]
    } else {
        "expected '$', got something else"
    }
}

// ---------------------------------------------------------------------------
// Reply encoding. Each writer appends one RESP frame header (and payload) to
// `out`. `resp` is the client's protocol version (2 or 3): RESP3-only types
// degrade to their RESP2 form as Redis's addReply* functions do.
// ---------------------------------------------------------------------------

/// Appends an integer in decimal without allocating.
pub fn push_int(out: &mut Vec<u8>, v: i64) {
    crate::util::numeric::push_i64(v, out);
}

fn header(out: &mut Vec<u8>, prefix: u8, n: i64) {
    out.push(prefix);
    push_int(out, n);
    out.extend_from_slice(b"\r\n");
}

pub fn status(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'+');
    out.extend_from_slice(s);
    out.extend_from_slice(b"\r\n");
}

/// `-<msg>\r\n`; `msg` must already start with its code (`ERR`, `WRONGTYPE`).
/// Newlines inside the message would break the protocol and are replaced
/// by spaces, as Redis's addReplyErrorLength does.
pub fn error(out: &mut Vec<u8>, msg: &[u8]) {
    out.push(b'-');
    let start = out.len();
    out.extend_from_slice(msg);
    for b in &mut out[start..] {
        if *b == b'\r' || *b == b'\n' {
            *b = b' ';
        }
    }
    out.extend_from_slice(b"\r\n");
}

pub fn int(out: &mut Vec<u8>, v: i64) {
    header(out, b':', v);
}

pub fn bulk(out: &mut Vec<u8>, b: &[u8]) {
    header(out, b'$', b.len() as i64);
    out.extend_from_slice(b);
    out.extend_from_slice(b"\r\n");
}

/// A bulk string holding the decimal form of `v` (GET of an int-encoded value).
pub fn bulk_int(out: &mut Vec<u8>, v: i64) {
    header(out, b'$', crate::util::numeric::sdigits10(v) as i64);
    push_int(out, v);
    out.extend_from_slice(b"\r\n");
}

pub fn array_len(out: &mut Vec<u8>, n: usize) {
    header(out, b'*', n as i64);
}

/// RESP3 map header; RESP2 sends a flat array of 2n elements.
pub fn map_len(out: &mut Vec<u8>, n: usize, resp: u8) {
    if resp >= 3 {
        header(out, b'%', n as i64);
    } else {
        header(out, b'*', 2 * n as i64);
    }
}

/// RESP3 set header; RESP2 sends an array.
pub fn set_len(out: &mut Vec<u8>, n: usize, resp: u8) {
    header(out, if resp >= 3 { b'~' } else { b'*' }, n as i64);
}

/// RESP3 push header (pub/sub messages); RESP2 sends an array.
pub fn push_len(out: &mut Vec<u8>, n: usize, resp: u8) {
    header(out, if resp >= 3 { b'>' } else { b'*' }, n as i64);
}

/// RESP3 attribute header (DEBUG PROTOCOL attrib); nothing in RESP2.
pub fn attribute_len(out: &mut Vec<u8>, n: usize, resp: u8) {
    if resp >= 3 {
        header(out, b'|', n as i64);
    }
}

/// The null reply: `_` in RESP3, `$-1` in RESP2.
pub fn null(out: &mut Vec<u8>, resp: u8) {
    out.extend_from_slice(if resp >= 3 { b"_\r\n" } else { b"$-1\r\n" });
}

/// The null array: `_` in RESP3, `*-1` in RESP2.
pub fn null_array(out: &mut Vec<u8>, resp: u8) {
    out.extend_from_slice(if resp >= 3 { b"_\r\n" } else { b"*-1\r\n" });
}

/// RESP3 boolean; RESP2 sends `:1` / `:0`.
pub fn boolean(out: &mut Vec<u8>, v: bool, resp: u8) {
    let frame: &[u8] = match (resp >= 3, v) {
        (true, true) => b"#t\r\n",
        (true, false) => b"#f\r\n",
        (false, true) => b":1\r\n",
        (false, false) => b":0\r\n",
    };
    out.extend_from_slice(frame);
}

/// RESP3 double from its already formatted text; RESP2 sends a bulk string.
pub fn double_text(out: &mut Vec<u8>, text: &[u8], resp: u8) {
    if resp >= 3 {
        out.push(b',');
        out.extend_from_slice(text);
        out.extend_from_slice(b"\r\n");
    } else {
        bulk(out, text);
    }
}

/// RESP3 big number; RESP2 sends a bulk string.
pub fn big_number(out: &mut Vec<u8>, digits: &[u8], resp: u8) {
    if resp >= 3 {
        out.push(b'(');
        out.extend_from_slice(digits);
        out.extend_from_slice(b"\r\n");
    } else {
        bulk(out, digits);
    }
}

/// RESP3 verbatim string (`=<len>\r\ntxt:...`); RESP2 sends a bulk string.
pub fn verbatim(out: &mut Vec<u8>, text: &[u8], format: &[u8; 3], resp: u8) {
    if resp >= 3 {
        header(out, b'=', (text.len() + 4) as i64);
        out.extend_from_slice(format);
        out.push(b':');
        out.extend_from_slice(text);
        out.extend_from_slice(b"\r\n");
    } else {
        bulk(out, text);
    }
}

/// Appends a whole command as a RESP multibulk (propagation, MULTI queue dumps).
pub fn command<'a>(out: &mut Vec<u8>, args: impl ExactSizeIterator<Item = &'a [u8]>) {
    array_len(out, args.len());
    for a in args {
        bulk(out, a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: Limits = Limits {
        max_bulk_len: 512 * 1024 * 1024,
        authenticated: true,
        is_master: false,
    };

    fn args<'a>(p: &RequestParser, buf: &'a [u8]) -> Vec<&'a [u8]> {
        p.argv.iter().map(|&(o, l)| &buf[o..o + l]).collect()
    }

    #[test]
    fn multibulk_whole_and_split() {
        let req = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
        let mut p = RequestParser::default();
        assert_eq!(
            p.parse(req, &OPEN),
            Ok(Parsed::Request {
                consumed: req.len()
            })
        );
        assert_eq!(args(&p, req), vec![&b"SET"[..], b"key", b"value"]);
        // Byte by byte: every prefix is incomplete, the whole is a request.
        let mut p = RequestParser::default();
        for i in 1..req.len() {
            match p.parse(&req[..i], &OPEN) {
                Ok(Parsed::Incomplete { .. }) => {}
                other => panic!("prefix {i}: {other:?}"),
            }
        }
        assert!(matches!(
            p.parse(req, &OPEN),
            Ok(Parsed::Request { consumed }) if consumed == req.len()
        ));
        assert_eq!(args(&p, req), vec![&b"SET"[..], b"key", b"value"]);
    }

    #[test]
    fn pipelined_requests() {
        let buf = b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n";
        let mut p = RequestParser::default();
        let Ok(Parsed::Request { consumed }) = p.parse(buf, &OPEN) else {
            panic!()
        };
        assert_eq!(consumed, 14);
        let rest = &buf[consumed..];
        assert!(matches!(p.parse(rest, &OPEN), Ok(Parsed::Request { .. })));
        assert_eq!(args(&p, rest), vec![&b"ECHO"[..], b"hi"]);
    }

    #[test]
    fn inline_with_quotes() {
        let buf = b"set \"a b\" 'c\\'d' \"\\x41\\n\"\r\n";
        let mut p = RequestParser::default();
        assert!(
            matches!(p.parse(buf, &OPEN), Ok(Parsed::Request { consumed }) if consumed == buf.len())
        );
        assert!(p.inline);
        let a = args(&p, &p.inline_args);
        assert_eq!(a, vec![&b"set"[..], b"a b", b"c'd", b"A\n"]);
        let mut p = RequestParser::default();
        assert_eq!(
            p.parse(b"set \"oops\r\n", &OPEN),
            Err(ProtocolError("unbalanced quotes in request"))
        );
        assert_eq!(p.parse(b"\r\n", &OPEN), Ok(Parsed::Empty { consumed: 2 }));
    }

    #[test]
    fn nul_bytes_hide_delimiters_as_in_redis() {
        // Redis looks for line ends with strchr, which stops at a NUL.
        let mut p = RequestParser::default();
        assert_eq!(
            p.parse(b"\x00':x\r\nPING\r\n", &OPEN),
            Ok(Parsed::Incomplete { reserve: 0 })
        );
        assert_eq!(
            p.parse(b"ECHO a\x00b\r\n", &OPEN),
            Ok(Parsed::Incomplete { reserve: 0 })
        );
        assert_eq!(
            p.parse(b"*1\x00\r\n", &OPEN),
            Ok(Parsed::Incomplete { reserve: 0 })
        );
        assert_eq!(
            p.parse(b"*1\r\n$4\x00\r\nPING\r\n", &OPEN),
            Ok(Parsed::Incomplete { reserve: 0 })
        );
        p.reset();
        let mut big = b"ECHO \x00\n".to_vec();
        big.resize(PROTO_INLINE_MAX_SIZE + 1, b'a');
        assert_eq!(
            p.parse(&big, &OPEN),
            Err(ProtocolError("too big inline request"))
        );
        // Bulk payloads may hold NULs.
        let mut p = RequestParser::default();
        assert_eq!(
            p.parse(b"*2\r\n$4\r\nECHO\r\n$3\r\n\x00\r\x00\r\n", &OPEN),
            Ok(Parsed::Request { consumed: 23 })
        );
        // split_args stops at a NUL and skips C's whitespace (\v, \f too).
        let (mut out, mut argv) = (Vec::new(), Vec::new());
        assert!(split_args_into(b"a \x00 b", &mut out, &mut argv));
        assert_eq!(argv.len(), 1);
        assert!(split_args_into(
            b"\x0b\x0cPING \"x\"\x0b",
            &mut out,
            &mut argv
        ));
        assert_eq!(argv.len(), 2);
        assert_eq!(&out[argv[0].0..argv[0].0 + argv[0].1], b"PING");
    }

    #[test]
    fn protocol_errors() {
        let mut p = RequestParser::default();
        assert_eq!(
            p.parse(b"*3000000000\r\n", &OPEN),
            Err(ProtocolError("invalid multibulk length"))
        );
        p.reset();
        assert_eq!(
            p.parse(b"*1\r\nfoo\r\n", &OPEN),
            Err(ProtocolError("expected '$', got 'f'"))
        );
        p.reset();
        assert_eq!(
            p.parse(b"*1\r\n$-10\r\n", &OPEN),
            Err(ProtocolError("invalid bulk length"))
        );
        p.reset();
        assert_eq!(
            p.parse(b"*1\r\n$2000000000\r\n", &OPEN),
            Err(ProtocolError("invalid bulk length"))
        );
        p.reset();
        let unauth = Limits {
            authenticated: false,
            ..OPEN
        };
        assert_eq!(
            p.parse(b"*20\r\n", &unauth),
            Err(ProtocolError("unauthenticated multibulk length"))
        );
        p.reset();
        assert_eq!(
            p.parse(b"*1\r\n$100000\r\n", &unauth),
            Err(ProtocolError("unauthenticated bulk length"))
        );
        p.reset();
        let big = vec![b'a'; PROTO_INLINE_MAX_SIZE + 1];
        assert_eq!(
            p.parse(&big, &OPEN),
            Err(ProtocolError("too big inline request"))
        );
        p.reset();
        assert_eq!(p.parse(b"*0\r\n", &OPEN), Ok(Parsed::Empty { consumed: 4 }));
        assert_eq!(
            p.parse(b"*-1\r\n", &OPEN),
            Ok(Parsed::Empty { consumed: 5 })
        );
    }

    #[test]
    fn big_bulk_reserve_hint() {
        let mut p = RequestParser::default();
        let head = b"*2\r\n$3\r\nSET\r\n$100000\r\nabc";
        assert_eq!(
            p.parse(head, &OPEN),
            Ok(Parsed::Incomplete {
                reserve: 100000 + 2 - 3
            })
        );
    }

    #[test]
    fn encoders() {
        let mut o = Vec::new();
        int(&mut o, -42);
        bulk(&mut o, b"hi");
        bulk_int(&mut o, -1234);
        null(&mut o, 2);
        null(&mut o, 3);
        map_len(&mut o, 2, 2);
        map_len(&mut o, 2, 3);
        assert_eq!(
            o,
            b":-42\r\n$2\r\nhi\r\n$5\r\n-1234\r\n$-1\r\n_\r\n*4\r\n%2\r\n".to_vec()
        );
        let mut o = Vec::new();
        error(&mut o, b"ERR bad\r\nthing");
        assert_eq!(o, b"-ERR bad  thing\r\n".to_vec());
        let mut o = Vec::new();
        push_int(&mut o, i64::MIN);
        assert_eq!(o, b"-9223372036854775808".to_vec());
    }
}
