//! RESP replies as tests see them, and the incremental parser that reads them.
//!
//! [`Reply`] covers RESP2 (`+ - : $ *`) and RESP3 (`_ , # ! = ( % ~ > |`). Its accessors panic
//! with the offending reply on a type mismatch (and report the test's line, via
//! `#[track_caller]`), because in a test an unexpected reply type *is* the failure:
//!
//! ```ignore
//! c.cmd(&["SET", "k", "v"]).assert_ok();
//! assert_eq!(c.cmd(&["GET", "k"]).as_str(), "v");
//! assert_eq!(c.cmd(&["GET", "k"]), "v");            // PartialEq<&str>
//! assert_eq!(c.cmd(&["INCR", "n"]).as_int(), 1);
//! c.cmd(&["LPUSH", "k", "x"]).assert_err_prefix("WRONGTYPE");
//! ```
//!
//! [`Parser`] keeps its progress between calls, so a reply arriving in many TCP segments is
//! parsed in linear time, and a read timeout in the middle of a reply loses nothing.

use std::fmt;

/// One RESP reply. RESP2 nil bulk / nil array are `Bulk(None)` / `Array(None)`; RESP3 null is
/// `Null`. Blob errors (`!`) become `Error`.
#[derive(Clone, PartialEq)]
pub enum Reply {
    /// `+OK`
    Status(String),
    /// `-ERR ...` or `!<len>` blob error; the full text including the code (`WRONGTYPE ...`).
    Error(String),
    /// `:42`
    Int(i64),
    /// `$3\r\nfoo` / `$-1` (nil).
    Bulk(Option<Vec<u8>>),
    /// `*2 ...` / `*-1` (nil).
    Array(Option<Vec<Reply>>),
    /// RESP3 `,3.14` (also `inf`, `-inf`, `nan`).
    Double(f64),
    /// RESP3 `#t` / `#f`.
    Bool(bool),
    /// RESP3 `%n`: key/value pairs in wire order.
    Map(Vec<(Reply, Reply)>),
    /// RESP3 `~n`.
    Set(Vec<Reply>),
    /// RESP3 `>n`: out-of-band push (pubsub message, invalidation).
    Push(Vec<Reply>),
    /// RESP3 `_`.
    Null,
    /// RESP3 `=len\r\nfmt:text`: `(format, text)`, e.g. `("txt", "...")`.
    Verbatim(String, String),
    /// RESP3 `(12345678901234567890`.
    BigNumber(String),
    /// RESP3 `|n` attribute map, followed by the reply it annotates.
    Attribute(Vec<(Reply, Reply)>, Box<Reply>),
}

impl Reply {
    /// True for `Error`.
    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }

    /// True for `+OK`.
    pub fn is_ok(&self) -> bool {
        matches!(self, Reply::Status(s) if s == "OK")
    }

    /// True for any kind of nil: `Bulk(None)`, `Array(None)`, `Null`.
    pub fn is_nil(&self) -> bool {
        matches!(self, Reply::Bulk(None) | Reply::Array(None) | Reply::Null)
    }

    /// Panics unless the reply is `+OK`.
    #[track_caller]
    pub fn assert_ok(&self) {
        if !self.is_ok() {
            panic!("expected +OK, got {self:?}");
        }
    }

    /// Panics unless the reply is an error whose text starts with `prefix` (`"WRONGTYPE"`,
    /// `"ERR wrong number"`, ...).
    #[track_caller]
    pub fn assert_err_prefix(&self, prefix: &str) {
        match self {
            Reply::Error(e) if e.starts_with(prefix) => {}
            _ => panic!("expected an error starting with {prefix:?}, got {self:?}"),
        }
    }

    /// Panics unless the reply is a nil of any kind.
    #[track_caller]
    pub fn assert_nil(&self) {
        if !self.is_nil() {
            panic!("expected nil, got {self:?}");
        }
    }

    /// The error text; panics if the reply is not an error.
    #[track_caller]
    pub fn as_err(&self) -> &str {
        match self {
            Reply::Error(e) => e,
            _ => panic!("expected an error, got {self:?}"),
        }
    }

    /// Text of a status, bulk (must be UTF-8), verbatim string or big number; panics otherwise.
    #[track_caller]
    pub fn as_str(&self) -> &str {
        match self {
            Reply::Status(s) | Reply::Verbatim(_, s) | Reply::BigNumber(s) => s,
            Reply::Bulk(Some(b)) => match std::str::from_utf8(b) {
                Ok(s) => s,
                Err(_) => panic!("bulk reply is not UTF-8: {self:?}"),
            },
            _ => panic!("expected a string reply, got {self:?}"),
        }
    }

    /// Bytes of a bulk, status or verbatim string; panics otherwise.
    #[track_caller]
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Reply::Bulk(Some(b)) => b,
            Reply::Status(s) | Reply::Verbatim(_, s) => s.as_bytes(),
            _ => panic!("expected a bulk reply, got {self:?}"),
        }
    }

    /// Value of an integer reply; panics otherwise (a bulk holding digits is NOT accepted, so
    /// tests notice a wrong reply type).
    #[track_caller]
    pub fn as_int(&self) -> i64 {
        match self {
            Reply::Int(i) => *i,
            _ => panic!("expected an integer reply, got {self:?}"),
        }
    }

    /// A floating point value: a RESP3 double, an integer, or a RESP2 bulk / status holding a
    /// number (how RESP2 sends scores); panics otherwise.
    #[track_caller]
    pub fn as_f64(&self) -> f64 {
        match self {
            Reply::Double(d) => *d,
            Reply::Int(i) => *i as f64,
            Reply::Bulk(Some(_)) | Reply::Status(_) => match parse_double(self.as_str()) {
                Some(d) => d,
                None => panic!("expected a number, got {self:?}"),
            },
            _ => panic!("expected a number, got {self:?}"),
        }
    }

    /// A RESP3 boolean, or a RESP2 integer 0 / 1; panics otherwise.
    #[track_caller]
    pub fn as_bool(&self) -> bool {
        match self {
            Reply::Bool(b) => *b,
            Reply::Int(0) => false,
            Reply::Int(1) => true,
            _ => panic!("expected a boolean reply, got {self:?}"),
        }
    }

    /// Elements of a (non-nil) array, set or push; panics otherwise.
    #[track_caller]
    pub fn as_array(&self) -> &[Reply] {
        match self {
            Reply::Array(Some(v)) | Reply::Set(v) | Reply::Push(v) => v,
            _ => panic!("expected an array reply, got {self:?}"),
        }
    }

    /// Like [`Reply::as_array`], by value.
    #[track_caller]
    pub fn into_array(self) -> Vec<Reply> {
        match self {
            Reply::Array(Some(v)) | Reply::Set(v) | Reply::Push(v) => v,
            _ => panic!("expected an array reply, got {self:?}"),
        }
    }

    /// The elements of an array / set / push, each a string ([`Reply::as_str`]); panics on
    /// anything else, including nil elements (use [`Reply::into_opt_strings`] for `MGET`).
    #[track_caller]
    pub fn into_strings(self) -> Vec<String> {
        self.into_array()
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect()
    }

    /// Like [`Reply::into_strings`] but nil elements become `None`.
    #[track_caller]
    pub fn into_opt_strings(self) -> Vec<Option<String>> {
        self.into_array()
            .iter()
            .map(|r| (!r.is_nil()).then(|| r.as_str().to_owned()))
            .collect()
    }

    /// Key/value pairs of a RESP3 map, or of a RESP2 flat array `[k1, v1, k2, v2, ...]` (how
    /// `HGETALL`, `CONFIG GET`, `HELLO` answer in RESP2); panics otherwise.
    #[track_caller]
    pub fn into_pairs(self) -> Vec<(Reply, Reply)> {
        match self {
            Reply::Map(m) => m,
            Reply::Array(Some(v)) if v.len() % 2 == 0 => {
                let mut it = v.into_iter();
                let mut out = Vec::new();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    out.push((k, v));
                }
                out
            }
            other => panic!("expected a map or a flat key/value array, got {other:?}"),
        }
    }

    /// The value under string key `key` in a map or flat key/value array, if any.
    #[track_caller]
    pub fn get(&self, key: &str) -> Option<&Reply> {
        match self {
            Reply::Map(m) => m.iter().find(|(k, _)| *k == key).map(|(_, v)| v),
            Reply::Array(Some(v)) if v.len() % 2 == 0 => {
                v.chunks(2).find(|kv| kv[0] == key).map(|kv| &kv[1])
            }
            _ => panic!("expected a map or a flat key/value array, got {self:?}"),
        }
    }
}

impl PartialEq<str> for Reply {
    /// A status, bulk, verbatim string or big number equal to `other`.
    fn eq(&self, other: &str) -> bool {
        match self {
            Reply::Status(s) | Reply::Verbatim(_, s) | Reply::BigNumber(s) => s == other,
            Reply::Bulk(Some(b)) => b == other.as_bytes(),
            _ => false,
        }
    }
}

impl PartialEq<&str> for Reply {
    /// See `PartialEq<str>`.
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

impl PartialEq<String> for Reply {
    /// See `PartialEq<str>`.
    fn eq(&self, other: &String) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<i64> for Reply {
    /// An integer reply equal to `other`.
    fn eq(&self, other: &i64) -> bool {
        matches!(self, Reply::Int(i) if i == other)
    }
}

impl fmt::Debug for Reply {
    /// Bulk strings print as escaped text rather than lists of byte values, so assertion
    /// failures are readable.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reply::Status(s) => write!(f, "Status({s:?})"),
            Reply::Error(s) => write!(f, "Error({s:?})"),
            Reply::Int(i) => write!(f, "Int({i})"),
            Reply::Bulk(None) => write!(f, "Bulk(nil)"),
            Reply::Bulk(Some(b)) => write!(f, "Bulk(\"{}\")", b.escape_ascii()),
            Reply::Array(None) => write!(f, "Array(nil)"),
            Reply::Array(Some(v)) => f.debug_tuple("Array").field(v).finish(),
            Reply::Double(d) => write!(f, "Double({d})"),
            Reply::Bool(b) => write!(f, "Bool({b})"),
            Reply::Map(m) => {
                write!(f, "Map")?;
                f.debug_map()
                    .entries(m.iter().map(|(k, v)| (k, v)))
                    .finish()
            }
            Reply::Set(v) => f.debug_tuple("Set").field(v).finish(),
            Reply::Push(v) => f.debug_tuple("Push").field(v).finish(),
            Reply::Null => write!(f, "Null"),
            Reply::Verbatim(fmt_, s) => write!(f, "Verbatim({fmt_:?}, {s:?})"),
            Reply::BigNumber(s) => write!(f, "BigNumber({s})"),
            Reply::Attribute(a, r) => {
                write!(f, "Attribute(")?;
                f.debug_map()
                    .entries(a.iter().map(|(k, v)| (k, v)))
                    .finish()?;
                write!(f, ", {r:?})")
            }
        }
    }
}

/// Parses a RESP double or a RESP2 numeric string, including `inf`, `-inf` and `nan`.
pub fn parse_double(s: &str) -> Option<f64> {
    match s.to_ascii_lowercase().as_str() {
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        "nan" | "-nan" => Some(f64::NAN),
        t => t.parse().ok(),
    }
}

/// An aggregate being filled in by the [`Parser`].
#[derive(Debug)]
enum Kind {
    Array,
    Set,
    Push,
    Map,
    /// The attribute's key/value map.
    AttrMap,
    /// The reply an attribute annotates (one element), with the attribute's pairs.
    AttrValue(Vec<(Reply, Reply)>),
}

#[derive(Debug)]
struct Frame {
    kind: Kind,
    /// Number of elements this frame needs (twice the pair count for maps).
    need: usize,
    items: Vec<Reply>,
}

impl Frame {
    fn finish(self) -> Result<Reply, Frame> {
        let pairs = |items: Vec<Reply>| {
            let mut it = items.into_iter();
            let mut out = Vec::new();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                out.push((k, v));
            }
            out
        };
        Ok(match self.kind {
            Kind::Array => Reply::Array(Some(self.items)),
            Kind::Set => Reply::Set(self.items),
            Kind::Push => Reply::Push(self.items),
            Kind::Map => Reply::Map(pairs(self.items)),
            Kind::AttrMap => {
                return Err(Frame {
                    kind: Kind::AttrValue(pairs(self.items)),
                    need: 1,
                    items: Vec::new(),
                })
            }
            Kind::AttrValue(attrs) => {
                let value = self.items.into_iter().next().expect("one element");
                Reply::Attribute(attrs, Box::new(value))
            }
        })
    }
}

/// One element read at the parse position: a complete leaf, or the header of an aggregate.
enum Element {
    Leaf(Reply),
    Aggregate(Kind, usize),
}

/// Incremental RESP2/RESP3 reply parser.
///
/// Feed it the whole receive buffer each time ([`Parser::parse`]); it remembers how far it got
/// (the position and the partly built aggregates), so bytes are examined once however the
/// reply is split. When it returns `Some((reply, n))`, the caller drops the first `n` bytes of
/// the buffer; the parser is then reset for the next reply.
#[derive(Debug, Default)]
pub struct Parser {
    pos: usize,
    stack: Vec<Frame>,
}

impl Parser {
    /// A parser at the start of a reply.
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Continues parsing `buf` (which must start with the bytes given to earlier calls since
    /// the last complete reply). Returns `Ok(None)` when more bytes are needed,
    /// `Ok(Some((reply, consumed)))` for a complete reply, or `Err` on a protocol violation.
    pub fn parse(&mut self, buf: &[u8]) -> Result<Option<(Reply, usize)>, String> {
        loop {
            let Some((element, next)) = parse_element(buf, self.pos)? else {
                return Ok(None);
            };
            self.pos = next;
            let mut value = match element {
                Element::Leaf(r) => r,
                Element::Aggregate(kind, 0) => match (Frame {
                    kind,
                    need: 0,
                    items: Vec::new(),
                })
                .finish()
                {
                    Ok(r) => r,
                    Err(frame) => {
                        self.stack.push(frame);
                        continue;
                    }
                },
                Element::Aggregate(kind, need) => {
                    self.stack.push(Frame {
                        kind,
                        need,
                        items: Vec::with_capacity(need.min(1024)),
                    });
                    continue;
                }
            };
            // Bubble the completed value up through every aggregate it completes.
            loop {
                let Some(top) = self.stack.last_mut() else {
                    let consumed = self.pos;
                    self.pos = 0;
                    return Ok(Some((value, consumed)));
                };
                top.items.push(value);
                if top.items.len() < top.need {
                    break;
                }
                let frame = self.stack.pop().expect("non-empty stack");
                match frame.finish() {
                    Ok(r) => value = r,
                    Err(attr_value_frame) => {
                        self.stack.push(attr_value_frame);
                        break;
                    }
                }
            }
        }
    }
}

/// Finds the `\r\n`-terminated line starting at `pos`: `(line without CRLF, position after)`.
fn line(buf: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let rest = buf.get(pos..)?;
    let nl = rest.windows(2).position(|w| w == b"\r\n")?;
    Some((&rest[..nl], pos + nl + 2))
}

fn text(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes)
        .map_err(|_| format!("non UTF-8 header: {:?}", bytes.escape_ascii().to_string()))
}

fn int(bytes: &[u8]) -> Result<i64, String> {
    text(bytes)?
        .parse()
        .map_err(|_| format!("bad integer {:?}", bytes.escape_ascii().to_string()))
}

/// A length: a non-negative integer, or -1 meaning nil (`None`).
fn len(bytes: &[u8]) -> Result<Option<usize>, String> {
    match int(bytes)? {
        -1 => Ok(None),
        n if n >= 0 => Ok(Some(n as usize)),
        n => Err(format!("bad length {n}")),
    }
}

/// Reads a `len` byte payload plus its CRLF at `pos`.
fn payload(buf: &[u8], pos: usize, n: usize) -> Result<Option<(&[u8], usize)>, String> {
    if buf.len() < pos + n + 2 {
        return Ok(None);
    }
    if &buf[pos + n..pos + n + 2] != b"\r\n" {
        return Err(format!("bulk of length {n} not followed by CRLF"));
    }
    Ok(Some((&buf[pos..pos + n], pos + n + 2)))
}

fn parse_element(buf: &[u8], pos: usize) -> Result<Option<(Element, usize)>, String> {
    let Some((head, next)) = line(buf, pos) else {
        return Ok(None);
    };
    let Some((&tag, rest)) = head.split_first() else {
        return Err("empty line where a reply was expected".into());
    };
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let leaf = |r: Reply| Ok(Some((Element::Leaf(r), next)));
    let agg = |kind: Kind, n: usize| Ok(Some((Element::Aggregate(kind, n), next)));
    match tag {
        b'+' => leaf(Reply::Status(lossy(rest))),
        b'-' => leaf(Reply::Error(lossy(rest))),
        b':' => leaf(Reply::Int(int(rest)?)),
        b'_' if rest.is_empty() => leaf(Reply::Null),
        b'#' => match rest {
            b"t" => leaf(Reply::Bool(true)),
            b"f" => leaf(Reply::Bool(false)),
            _ => Err(format!("bad boolean {:?}", lossy(rest))),
        },
        b',' => match parse_double(text(rest)?) {
            Some(d) => leaf(Reply::Double(d)),
            None => Err(format!("bad double {:?}", lossy(rest))),
        },
        b'(' => leaf(Reply::BigNumber(lossy(rest))),
        b'$' | b'!' | b'=' => {
            let Some(n) = len(rest)? else {
                return match tag {
                    b'$' => leaf(Reply::Bulk(None)),
                    _ => Err(format!("nil length for {:?}", tag as char)),
                };
            };
            let Some((data, after)) = payload(buf, next, n)? else {
                return Ok(None);
            };
            let reply = match tag {
                b'$' => Reply::Bulk(Some(data.to_vec())),
                b'!' => Reply::Error(lossy(data)),
                _ => match data.get(3) {
                    Some(b':') => Reply::Verbatim(lossy(&data[..3]), lossy(&data[4..])),
                    _ => return Err(format!("bad verbatim string {:?}", lossy(data))),
                },
            };
            Ok(Some((Element::Leaf(reply), after)))
        }
        b'*' => match len(rest)? {
            None => leaf(Reply::Array(None)),
            Some(n) => agg(Kind::Array, n),
        },
        b'~' | b'>' | b'%' | b'|' => {
            let Some(n) = len(rest)? else {
                return Err(format!("nil length for {:?}", tag as char));
            };
            match tag {
                b'~' => agg(Kind::Set, n),
                b'>' => agg(Kind::Push, n),
                b'%' => agg(Kind::Map, n * 2),
                _ => agg(Kind::AttrMap, n * 2),
            }
        }
        _ => Err(format!("unknown reply type in line {:?}", lossy(head))),
    }
}

/// Parses one complete reply from `bytes` (which must hold exactly one); for unit tests.
#[track_caller]
pub fn parse_one(bytes: &[u8]) -> Reply {
    match Parser::new().parse(bytes) {
        Ok(Some((r, n))) if n == bytes.len() => r,
        other => panic!(
            "{:?} is not exactly one reply: {other:?}",
            bytes.escape_ascii().to_string()
        ),
    }
}
