//! RDB decoder: reads Redis RDB files, versions 1 to 10, into a keyspace (Redis's `rdbLoadRio`
//! and `rdbLoadObject`), streaming from any reader.
//!
//! Owns: parsing and validating RDB bytes, and building values in the encodings Redis would
//! pick on load. It must never panic, loop without consuming input, or allocate in proportion
//! to a length it has not yet seen bytes for, whatever the input: a corrupt or hostile file ends
//! in a [`LoadError`] naming the byte offset and what was wrong (in Redis's words, e.g. "Ziplist
//! integrity check failed"). It never opens files or sockets: callers hand it a reader
//! ([`load_stream`]) or the bytes ([`load`], [`load_type_and_value`]).
//!
//! # Streaming
//!
//! Input goes through [`Reader`](super::reader::Reader): a 256 KiB buffer, so loading a 1 GiB
//! dump needs 256 KiB besides the data it builds, not another 1 GiB. Strings that fit the
//! buffer are borrowed from it (keys go straight into the dict's inline key), longer ones are
//! read into their own buffer as their bytes arrive. The CRC-64 is computed on the fly.
//!
//! # Sanitization
//!
//! Redis's `sanitize-dump-payload no` checks only the header of a listpack, ziplist or intset
//! and may crash later on a corrupt one; `yes` walks every entry. rudis always walks every
//! entry and checks for duplicate hash fields and zset members (an O(n) pass over bytes already
//! in cache, a few percent of load time), because a value it cannot trust would have to be
//! checked on every later access. [`LoadOptions::deep_sanitize`] records what the setting asks
//! for, so the loader counts deep sanitizations as Redis does (INFO `dump_payload_sanitizations`).

use std::fmt;
use std::io::Read;
use std::ops::Deref;

use super::reader::Reader;
use super::ziplist::{self, Item};
use super::*;
use crate::db::dict::Dict;
use crate::db::hash::{HashValue, Table};
use crate::db::inline_bytes::InlineBytes;
use crate::db::intset::IntSet;
use crate::db::list::{End, ListValue};
use crate::db::listpack::{self, Entry, Listpack};
use crate::db::object::{RObj, StrValue, Value};
use crate::db::set::SetValue;
use crate::db::zset::{Big, ZSetValue};
use crate::db::Keyspace;
use crate::log::Level;
use crate::serverlog;
use crate::util::lzf;
use crate::util::numeric::{fmt_i64, parse_f64};

/// 88: the most an LZF stream can expand (a 3-byte back-reference yields up to 264 bytes), so
/// a claimed original length above `88 * compressed + 64` is corrupt, not merely large.
const LZF_MAX_RATIO: u64 = 88;

/// 1 GiB: the most a listpack may grow to (Redis's LISTPACK_MAX_SAFETY_SIZE, lpSafeToAdd).
const LISTPACK_MAX_SAFETY_SIZE: usize = 1 << 30;

/// 8 bytes of input per item reserved: a count read from the input presizes a table (8-byte
/// buckets) for at most one item per 8 bytes left, so no reservation outweighs the input
/// itself; a genuine larger collection grows its table as its items arrive.
const PREALLOC_BYTES_PER_ITEM: u64 = 8;

/// 16: up to this many fields, duplicates are found by comparing every pair (no allocation);
/// above it, by sorting their hashes.
const DUP_PAIRWISE_MAX: usize = 16;

/// Limits and context of a load: the encoding thresholds of the loading server and what to do
/// with expired keys.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Drop keys whose deadline is past (a master does; a replica keeps them for its master's
    /// DEL), Redis's `iAmMaster()` check.
    pub drop_expired: bool,
    /// Keep the (db, key) of each key dropped as expired in [`Loaded::expired_keys`], so a
    /// master starting up can put their DELs in its new backlog (Redis's RDBFLAGS_FEED_REPL).
    pub keep_expired_keys: bool,
    /// The clock used for that check, unix ms.
    pub now_ms: i64,
    /// Verify the CRC-64 trailer (`rdbchecksum yes` and not DEBUG SET-SKIP-CHECKSUM-VALIDATION).
    pub verify_checksum: bool,
    /// The LRU clock now, to turn saved idle times back into clocks.
    pub lru_now: u32,
    /// What `sanitize-dump-payload` asks for in this context (Redis's
    /// `deep_integrity_validation`); entries are walked either way (see the module doc).
    pub deep_sanitize: bool,
    /// Log each empty key skipped (Redis's "rdbLoadObject skipping empty key"): on for files.
    pub log_empty_keys: bool,
    pub hash_max_listpack_entries: usize,
    pub hash_max_listpack_value: usize,
    pub set_max_intset_entries: usize,
    pub zset_max_listpack_entries: usize,
    pub zset_max_listpack_value: usize,
    pub list_max_listpack_size: i64,
    pub list_compress_depth: i64,
    pub list_packed_threshold: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            drop_expired: true,
            keep_expired_keys: false,
            now_ms: 0,
            verify_checksum: true,
            lru_now: 0,
            deep_sanitize: false,
            log_empty_keys: false,
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            list_max_listpack_size: -2,
            list_compress_depth: 0,
            list_packed_threshold: 1 << 30,
        }
    }
}

/// What a successful load found besides the keys.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// Keys loaded.
    pub keys: u64,
    /// Keys dropped because their deadline had passed.
    pub expired_skipped: u64,
    /// (db, key) of those keys, in file order, when [`LoadOptions::keep_expired_keys`].
    pub expired_keys: Vec<(usize, Vec<u8>)>,
    /// Empty values skipped (Redis's "empty keys skipped").
    pub empty_skipped: u64,
    /// Listpacks and intsets checked deeply because `deep_sanitize` asked for it (Redis's
    /// stat_dump_payload_sanitizations).
    pub sanitizations: u64,
    /// The file's RDB version.
    pub version: u32,
    /// AUX fields as found, in order.
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    /// `repl-id`, `repl-offset` and `repl-stream-db` AUX fields, for PSYNC after a restart.
    pub repl_id: Option<Vec<u8>>,
    pub repl_offset: Option<i64>,
    pub repl_stream_db: Option<i64>,
    /// `aof-base` was 1: the file is the preamble of an AOF base.
    pub aof_base: bool,
    /// Bytes consumed, up to and including the checksum.
    pub len: usize,
}

/// Why a load failed: the byte offset where reading stopped and what was wrong there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub offset: usize,
    pub what: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte offset {})", self.what, self.offset)
    }
}

type Res<T> = Result<T, LoadError>;

fn bad(offset: usize, what: impl Into<String>) -> LoadError {
    LoadError {
        offset,
        what: what.into(),
    }
}

/// A string read from the input: borrowed from the read buffer, owned (long or LZF), or an
/// integer encoding rendered in place. Derefs to its bytes.
enum Str<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u8>),
    Int { v: i64, buf: [u8; 20], len: u8 },
}

impl Str<'_> {
    fn int(v: i64) -> Self {
        let mut buf = [0u8; 20];
        let len = fmt_i64(v, &mut buf).len() as u8;
        Str::Int { v, buf, len }
    }

    fn into_vec(self) -> Vec<u8> {
        match self {
            Str::Owned(v) => v,
            other => other.to_vec(),
        }
    }

    fn into_boxed(self) -> Box<[u8]> {
        match self {
            Str::Owned(v) => v.into_boxed_slice(),
            other => Box::from(&*other),
        }
    }
}

impl Deref for Str<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Str::Borrowed(b) => b,
            Str::Owned(v) => v,
            // fmt_i64 writes the digits at the end of the buffer.
            Str::Int { buf, len, .. } => &buf[20 - *len as usize..],
        }
    }
}

/// The RDB-level reads on top of the byte reader.
impl<R: Read> Reader<R> {
    /// A length, or the special-encoding marker: `(value, is_encoded)` (rdbLoadLenByRef).
    #[inline]
    fn len_or_enc(&mut self) -> Res<(u64, bool)> {
        let b = self.u8()?;
        match b >> 6 {
            0 => Ok(((b & 0x3F) as u64, false)),
            1 => Ok(((((b & 0x3F) as u64) << 8) | self.u8()? as u64, false)),
            3 => Ok(((b & 0x3F) as u64, true)),
            _ => match b {
                0x80 => Ok((u32::from_be_bytes(self.arr()?) as u64, false)),
                0x81 => Ok((u64::from_be_bytes(self.arr()?), false)),
                _ => Err(bad(
                    self.offset() - 1,
                    format!("Unknown length encoding {b} in rdbLoadLen()"),
                )),
            },
        }
    }

    fn len(&mut self) -> Res<u64> {
        let at = self.offset();
        match self.len_or_enc()? {
            (v, false) => Ok(v),
            (_, true) => Err(bad(at, "a string encoding where a length was expected")),
        }
    }

    /// A length that counts items each taking at least one more byte of input: when the
    /// input's size is known, bounded by the bytes left, so no reservation runs away.
    fn count(&mut self) -> Res<u64> {
        let at = self.offset();
        let n = self.len()?;
        if let Some(left) = self.left() {
            if n > left {
                return Err(bad(
                    at,
                    format!("a count of {n} items with only {left} bytes left"),
                ));
            }
        }
        Ok(n)
    }

    /// A string in any encoding (rdbGenericLoadStringObject).
    fn string(&mut self) -> Res<Str<'_>> {
        let at = self.offset();
        let (v, enc) = self.len_or_enc()?;
        if !enc {
            return if self.fits(v) {
                Ok(Str::Borrowed(self.bytes(v as usize)?))
            } else {
                Ok(Str::Owned(self.owned(v)?))
            };
        }
        match v as u8 {
            ENC_INT8 => Ok(Str::int(self.u8()? as i8 as i64)),
            ENC_INT16 => Ok(Str::int(i16::from_le_bytes(self.arr()?) as i64)),
            ENC_INT32 => Ok(Str::int(i32::from_le_bytes(self.arr()?) as i64)),
            ENC_LZF => {
                let clen = self.len()?;
                let ulen = self.len()?;
                if ulen > clen.saturating_mul(LZF_MAX_RATIO) + 64 {
                    return Err(bad(
                        at,
                        format!("Invalid LZF compressed string: {ulen} bytes claimed from {clen} compressed bytes"),
                    ));
                }
                let out = if self.fits(clen) {
                    let c = self.bytes(clen as usize)?;
                    decompress(c, ulen)
                } else {
                    let c = self.owned(clen)?;
                    decompress(&c, ulen)
                };
                out.map(Str::Owned)
                    .ok_or_else(|| bad(at, "Invalid LZF compressed string"))
            }
            e => Err(bad(at, format!("Unknown RDB string encoding type {e}"))),
        }
    }

    /// An old-style (RDB_TYPE_ZSET) double: a length byte then its decimal text; 253/254/255
    /// are NaN, +inf and -inf (rdbLoadDoubleValue).
    fn text_double(&mut self) -> Res<f64> {
        let at = self.offset();
        let n = self.u8()?;
        match n {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            _ => {
                let s = self.bytes(n as usize)?;
                std::str::from_utf8(s)
                    .ok()
                    .and_then(|t| t.trim().parse::<f64>().ok())
                    .ok_or_else(|| bad(at, "invalid double value"))
            }
        }
    }

    fn binary_double(&mut self) -> Res<f64> {
        Ok(f64::from_le_bytes(self.arr()?))
    }
}

/// LZF-decompresses `c` into exactly `ulen` bytes (Redis accepts an empty result whatever the
/// input, as lzf_decompress returns 0 for it).
fn decompress(c: &[u8], ulen: u64) -> Option<Vec<u8>> {
    if ulen == 0 {
        return Some(Vec::new());
    }
    let n = usize::try_from(ulen).ok()?;
    lzf::decompress(c, n).filter(|v| v.len() == n)
}

/// Loads every key of the RDB image `data` into `ks` (which the caller has emptied).
pub fn load(data: &[u8], ks: &mut Keyspace, opts: &LoadOptions) -> Res<Loaded> {
    load_stream(data, Some(data.len() as u64), ks, opts)
}

/// Loads every key of the RDB stream `src` into `ks` (which the caller has emptied), as
/// Redis's rdbLoadRio. `total` is the stream's length when known (a file's size): it bounds
/// every allocation a length in the file asks for. On error `ks` holds whatever was loaded
/// before it; callers load into a fresh keyspace and swap it in only on success.
pub fn load_stream<R: Read>(
    src: R,
    total: Option<u64>,
    ks: &mut Keyspace,
    opts: &LoadOptions,
) -> Res<Loaded> {
    load_stream_with_buffer(src, total, super::reader::READ_BUF, ks, opts)
}

/// [`load_stream`] with a read buffer of at most `buf` bytes, for tests and fuzzing (small
/// buffers reach every refill path with small inputs).
pub fn load_stream_with_buffer<R: Read>(
    src: R,
    total: Option<u64>,
    buf: usize,
    ks: &mut Keyspace,
    opts: &LoadOptions,
) -> Res<Loaded> {
    let mut r = Reader::with_buffer(src, total, opts.verify_checksum, buf);
    let magic: [u8; 9] = r.arr().map_err(|e| LoadError {
        offset: e.offset,
        what: "file is shorter than the RDB header (not an RDB file?)".into(),
    })?;
    if &magic[..5] != b"REDIS" {
        return Err(bad(
            0,
            "Wrong signature trying to load DB from file (not an RDB file?)",
        ));
    }
    let version = std::str::from_utf8(&magic[5..])
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(0);
    if !(1..=RDB_VERSION).contains(&version) {
        return Err(bad(
            5,
            format!(
                "Can't handle RDB format version {}",
                String::from_utf8_lossy(&magic[5..])
            ),
        ));
    }
    let mut out = Loaded {
        version,
        ..Loaded::default()
    };
    let mut db = 0usize;
    let mut expire: Option<i64> = None;
    let mut idle: Option<u64> = None;
    loop {
        let op_at = r.offset();
        let t = r.u8()?;
        match t {
            OPCODE_EXPIRETIME => {
                expire = Some(i32::from_le_bytes(r.arr()?) as i64 * 1000);
                continue;
            }
            OPCODE_EXPIRETIME_MS => {
                expire = Some(i64::from_le_bytes(r.arr()?));
                continue;
            }
            OPCODE_FREQ => {
                r.u8()?;
                continue;
            }
            OPCODE_IDLE => {
                idle = Some(r.len()?);
                continue;
            }
            OPCODE_EOF => break,
            OPCODE_SELECTDB => {
                let n = r.len()?;
                if n >= ks.dbs.len() as u64 {
                    return Err(bad(
                        op_at,
                        format!(
                            "FATAL: Data file was created with a Redis server configured to handle more than {} databases. Exiting",
                            ks.dbs.len()
                        ),
                    ));
                }
                db = n as usize;
                continue;
            }
            OPCODE_RESIZEDB => {
                let size = r.len()?;
                let expires = r.len()?;
                // A hint only: never reserve more than the bytes left (8-byte buckets, so the
                // tables' buckets never outweigh the rest of the input).
                let size = r.plausible(size, PREALLOC_BYTES_PER_ITEM);
                let expires = r.plausible(expires, PREALLOC_BYTES_PER_ITEM);
                ks.dbs[db].dict.expand(size);
                ks.dbs[db].expires.expand(expires);
                continue;
            }
            OPCODE_AUX => {
                let k = r.string()?.into_vec();
                let v = r.string()?.into_vec();
                match &k[..] {
                    b"repl-id" => out.repl_id = Some(v.clone()),
                    b"repl-offset" => out.repl_offset = crate::util::numeric::parse_i64(&v),
                    b"repl-stream-db" => out.repl_stream_db = crate::util::numeric::parse_i64(&v),
                    b"aof-base" => out.aof_base = &v[..] == b"1",
                    _ => {}
                }
                out.aux.push((k, v));
                continue;
            }
            OPCODE_MODULE_AUX => {
                return Err(bad(
                    op_at,
                    "The RDB file contains AUX module data I can't load: no matching module",
                ));
            }
            OPCODE_FUNCTION | OPCODE_FUNCTION2 => {
                return Err(bad(
                    op_at,
                    "the file holds Redis Functions libraries, which this server does not support",
                ));
            }
            _ => {}
        }
        // A key: copied into the dict's key form at once (inline up to 22 bytes, no
        // allocation), which frees the read buffer for the value.
        let key = InlineBytes::new(&r.string()?);
        let value_at = r.offset();
        let value = match load_value(&mut r, t, opts, &mut out.sanitizations) {
            Ok(v) => v,
            Err(mut e) => {
                if e.offset == value_at {
                    e.offset = op_at;
                }
                e.what = format!("{} (key '{}')", e.what, String::from_utf8_lossy(&key));
                return Err(e);
            }
        };
        let when = expire.take();
        let idle_secs = idle.take();
        let Some(value) = value else {
            if opts.log_empty_keys {
                serverlog!(
                    Level::Warning,
                    "rdbLoadObject skipping empty key: {}",
                    String::from_utf8_lossy(&key)
                );
            }
            out.empty_skipped += 1;
            continue;
        };
        if let Some(ms) = when {
            if opts.drop_expired && ms < opts.now_ms {
                out.expired_skipped += 1;
                if opts.keep_expired_keys {
                    out.expired_keys.push((db, key[..].to_vec()));
                }
                continue;
            }
        }
        let lru = match idle_secs {
            Some(s) => crate::db::object::lru_from_idle(opts.lru_now, s),
            None => opts.lru_now,
        };
        let d = &mut ks.dbs[db];
        if let Some(ms) = when {
            d.expires.insert(key.clone(), ms);
        }
        if let Err((key, _)) = d.dict.try_insert(key, RObj::new(value, lru)) {
            return Err(bad(
                op_at,
                format!(
                    "Duplicate key '{}' found in RDB file",
                    String::from_utf8_lossy(&key)
                ),
            ));
        }
        out.keys += 1;
    }
    if version >= 5 {
        let got = r.crc_so_far();
        let eof = r.offset();
        let expected = u64::from_le_bytes(r.arr()?);
        if opts.verify_checksum && expected != 0 && got != expected {
            return Err(bad(
                eof,
                format!("RDB CRC error: the file says {expected:x}, its contents give {got:x}"),
            ));
        }
    }
    out.len = r.offset();
    Ok(out)
}

/// Reads one `<type> <value>` pair from `data` (a DUMP payload without its footer), as
/// RESTORE does with rdbLoadObjectType + rdbLoadObject. An empty value is an error here.
/// Returns the value and how many deep sanitizations it took.
pub fn load_type_and_value(data: &[u8], opts: &LoadOptions) -> Res<(Value, u64)> {
    let mut r = Reader::new(data, Some(data.len() as u64), false);
    let t = r.u8()?;
    let mut sanitizations = 0;
    match load_value(&mut r, t, opts, &mut sanitizations)? {
        Some(v) => Ok((v, sanitizations)),
        None => Err(bad(0, "empty key")),
    }
}

/// Reads one value of type `t`. `Ok(None)` for an empty value, which Redis skips.
fn load_value<R: Read>(
    r: &mut Reader<R>,
    t: u8,
    o: &LoadOptions,
    sanitizations: &mut u64,
) -> Res<Option<Value>> {
    let at = r.offset();
    if o.deep_sanitize
        && matches!(
            t,
            TYPE_SET_INTSET | TYPE_ZSET_LISTPACK | TYPE_HASH_LISTPACK | TYPE_LIST_QUICKLIST_2
        )
    {
        *sanitizations += 1;
    }
    let v = match t {
        TYPE_STRING => Value::Str(match r.string()? {
            Str::Int { v, .. } => StrValue::Int(v),
            Str::Borrowed(b) => StrValue::from_bytes(b),
            Str::Owned(v) => StrValue::from_vec(v),
        }),
        TYPE_LIST => {
            let n = r.count()?;
            let mut l = new_list(o);
            for _ in 0..n {
                let e = r.string()?;
                l.push(&e, End::Tail, o.list_packed_threshold);
            }
            Value::List(l)
        }
        TYPE_LIST_ZIPLIST => {
            let blob = r.string()?;
            let mut l = new_list(o);
            let mut scratch = [0u8; 20];
            ziplist::for_each(&blob, |it| {
                l.push(
                    item_bytes(it, &mut scratch),
                    End::Tail,
                    o.list_packed_threshold,
                );
                Ok(())
            })
            .map_err(|e| bad(at, format!("List ziplist integrity check failed: {e}")))?;
            Value::List(l)
        }
        TYPE_LIST_QUICKLIST | TYPE_LIST_QUICKLIST_2 => {
            let nodes = r.count()?;
            let mut l = new_list(o);
            for _ in 0..nodes {
                let container = if t == TYPE_LIST_QUICKLIST_2 {
                    let c_at = r.offset();
                    let c = r.len()?;
                    if c != CONTAINER_PLAIN && c != CONTAINER_PACKED {
                        return Err(bad(
                            c_at,
                            format!("Quicklist integrity check failed: unknown node container {c}"),
                        ));
                    }
                    c
                } else {
                    CONTAINER_PACKED
                };
                let node_at = r.offset();
                let blob = r.string()?;
                if blob.is_empty() {
                    return Err(bad(node_at, "Quicklist integrity check failed: empty node"));
                }
                if container == CONTAINER_PLAIN {
                    l.append_plain(&blob);
                } else if t == TYPE_LIST_QUICKLIST_2 {
                    listpack::validate(&blob).map_err(|e| {
                        bad(node_at, format!("Listpack integrity check failed: {e}"))
                    })?;
                    // Redis silently skips empty nodes; an empty list is an empty key.
                    let lp = Listpack::from_validated(blob.into_boxed());
                    l.append_listpack(lp);
                } else {
                    let lp = listpack_from_ziplist(&blob, false).map_err(|e| {
                        bad(node_at, format!("Ziplist integrity check failed: {e}"))
                    })?;
                    l.append_listpack(lp);
                }
            }
            Value::List(l)
        }
        TYPE_SET => {
            let n = r.count()?;
            let mut s = if n > o.set_max_intset_entries.min(1 << 30) as u64 {
                SetValue::new_hashtable(r.plausible(n, PREALLOC_BYTES_PER_ITEM))
            } else {
                SetValue::default()
            };
            for _ in 0..n {
                let m_at = r.offset();
                let m = r.string()?;
                if !s.add(&m, o.set_max_intset_entries) {
                    return Err(bad(m_at, "Duplicate set members detected"));
                }
            }
            Value::Set(s)
        }
        TYPE_SET_INTSET => {
            let blob = r.string()?;
            let Some(is) = IntSet::from_blob(&blob) else {
                return Err(bad(at, "Intset integrity check failed."));
            };
            let mut s = SetValue::Intset(is);
            if s.len() > o.set_max_intset_entries {
                s.convert_to_hashtable();
            }
            Value::Set(s)
        }
        TYPE_ZSET | TYPE_ZSET_2 => {
            let n = r.count()?;
            let mut big = Big {
                dict: Dict::with_capacity(r.plausible(n, PREALLOC_BYTES_PER_ITEM)),
                ..Big::default()
            };
            let (mut maxlen, mut total) = (0usize, 0usize);
            for _ in 0..n {
                let m_at = r.offset();
                let m = InlineBytes::new(&r.string()?);
                let score = if t == TYPE_ZSET_2 {
                    r.binary_double()?
                } else {
                    r.text_double()?
                };
                if score.is_nan() {
                    return Err(bad(m_at, "Zset with NAN score detected"));
                }
                maxlen = maxlen.max(m.len());
                total += m.len();
                big.zsl.insert(score, &m);
                if !big.dict.insert_new(m, score) {
                    return Err(bad(m_at, "Duplicate zset fields detected"));
                }
            }
            let mut z = ZSetValue::from_big(big);
            z.convert_to_listpack_if_needed(
                maxlen,
                total,
                crate::db::zset::Limits {
                    max_entries: o.zset_max_listpack_entries,
                    max_value: o.zset_max_listpack_value,
                },
            );
            Value::ZSet(z)
        }
        TYPE_HASH => {
            let n = r.count()?;
            if n > o.hash_max_listpack_entries as u64 {
                // Too many pairs for a listpack: a table from the start.
                let mut table = Table::with_capacity(r.plausible(n, PREALLOC_BYTES_PER_ITEM));
                for _ in 0..n {
                    let f_at = r.offset();
                    let f = InlineBytes::new(&r.string()?);
                    let v = r.string()?.into_boxed();
                    if !table.insert_new(f, v) {
                        return Err(bad(f_at, "Duplicate hash fields detected"));
                    }
                }
                Value::Hash(HashValue::from_table(table))
            } else {
                // A listpack in file order, unless a field or value is too long for one.
                let mut arena: Vec<u8> = Vec::new();
                let mut ends: Vec<usize> = Vec::new();
                let mut fits = true;
                for _ in 0..2 * n {
                    let s = r.string()?;
                    fits = fits && s.len() <= o.hash_max_listpack_value;
                    arena.extend_from_slice(&s);
                    ends.push(arena.len());
                }
                let lp = listpack_of(&arena, &ends);
                if has_dup_fields(&lp) {
                    return Err(bad(at, "Duplicate hash fields detected"));
                }
                let mut h = HashValue::from_listpack(lp);
                if !fits || arena.len() + 11 * ends.len() > LISTPACK_MAX_SAFETY_SIZE {
                    h.convert_to_table();
                }
                Value::Hash(h)
            }
        }
        TYPE_HASH_LISTPACK | TYPE_HASH_ZIPLIST | TYPE_HASH_ZIPMAP => {
            let blob = r.string()?;
            let (lp, what) = match t {
                TYPE_HASH_LISTPACK => (
                    listpack::validate(&blob).map(|_| Listpack::from_validated(blob.into_boxed())),
                    "Hash listpack",
                ),
                TYPE_HASH_ZIPLIST => (listpack_from_ziplist(&blob, true), "Hash ziplist"),
                _ => (listpack_from_zipmap(&blob), "Zipmap"),
            };
            let lp = lp.map_err(|e| bad(at, format!("{what} integrity check failed: {e}")))?;
            let n = lp.len();
            if n % 2 != 0 {
                return Err(bad(
                    at,
                    format!("{what} integrity check failed: an odd number of entries"),
                ));
            }
            if has_dup_fields(&lp) {
                return Err(bad(
                    at,
                    format!("{what} integrity check failed: listpack with dup elements"),
                ));
            }
            if n == 0 {
                return Ok(None);
            }
            // Redis checks element sizes only for zipmaps (an O(n) scan it skips otherwise).
            let maxlen = if t == TYPE_HASH_ZIPMAP {
                max_entry_len(&lp)
            } else {
                0
            };
            let mut h = HashValue::from_listpack(lp);
            if n / 2 > o.hash_max_listpack_entries || maxlen > o.hash_max_listpack_value {
                h.convert_to_table();
            }
            Value::Hash(h)
        }
        TYPE_ZSET_LISTPACK | TYPE_ZSET_ZIPLIST => {
            let blob = r.string()?;
            let (lp, what) = if t == TYPE_ZSET_LISTPACK {
                (
                    listpack::validate(&blob).map(|_| Listpack::from_validated(blob.into_boxed())),
                    "Zset listpack",
                )
            } else {
                (listpack_from_ziplist(&blob, true), "Zset ziplist")
            };
            let lp = lp.map_err(|e| bad(at, format!("{what} integrity check failed: {e}")))?;
            let n = lp.len();
            if n % 2 != 0 {
                return Err(bad(
                    at,
                    format!("{what} integrity check failed: an odd number of entries"),
                ));
            }
            let mut prev: Option<f64> = None;
            let mut items = lp.iter();
            while let (Some(_), Some(s)) = (items.next(), items.next()) {
                let score = match s {
                    Entry::Int(v) => v as f64,
                    Entry::Str(b) => match parse_f64(b) {
                        Some(v) if !v.is_nan() => v,
                        _ => {
                            return Err(bad(
                                at,
                                format!("{what} integrity check failed: an invalid score"),
                            ))
                        }
                    },
                };
                if prev.is_some_and(|p| score < p) {
                    return Err(bad(
                        at,
                        format!("{what} integrity check failed: scores out of order"),
                    ));
                }
                prev = Some(score);
            }
            if has_dup_fields(&lp) {
                return Err(bad(
                    at,
                    format!("{what} integrity check failed: listpack with dup elements"),
                ));
            }
            if n == 0 {
                return Ok(None);
            }
            let mut z = ZSetValue::from_listpack(lp);
            if n / 2 > o.zset_max_listpack_entries {
                z.convert_to_skiplist();
            }
            Value::ZSet(z)
        }
        TYPE_MODULE | TYPE_MODULE_2 => {
            return Err(bad(
                at,
                "The RDB file contains module data I can't load: no matching module type",
            ));
        }
        TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 => {
            return Err(bad(
                at,
                "a stream value, and this server does not support streams yet",
            ));
        }
        _ => {
            return Err(bad(
                at.saturating_sub(1),
                format!("Unknown RDB encoding type {t}"),
            ))
        }
    };
    let empty = match &v {
        Value::Str(_) => false,
        Value::List(l) => l.is_empty(),
        Value::Hash(h) => h.is_empty(),
        Value::Set(s) => s.is_empty(),
        Value::ZSet(z) => z.is_empty(),
    };
    Ok(if empty { None } else { Some(v) })
}

fn new_list(o: &LoadOptions) -> ListValue {
    ListValue::new(o.list_max_listpack_size, o.list_compress_depth)
}

/// A ziplist element's string form (integers rendered into `scratch`).
fn item_bytes<'a>(it: Item<'a>, scratch: &'a mut [u8; 20]) -> &'a [u8] {
    match it {
        Item::Str(s) => s,
        Item::Int(v) => fmt_i64(v, scratch),
    }
}

/// Builds a listpack from a ziplist's elements after checking it as Redis's
/// ziplistValidateIntegrity does (and, for `pairs`, that it holds whole pairs; duplicates are
/// the caller's check).
fn listpack_from_ziplist(zl: &[u8], pairs: bool) -> Result<Listpack, &'static str> {
    // Elements are gathered in one arena and appended in one splice: a listpack re-sizes its
    // buffer on every edit, so appending one by one would copy it once per element.
    let mut arena: Vec<u8> = Vec::with_capacity(zl.len());
    let mut ends: Vec<usize> = Vec::new();
    let mut scratch = [0u8; 20];
    let n = ziplist::for_each(zl, |it| {
        arena.extend_from_slice(item_bytes(it, &mut scratch));
        ends.push(arena.len());
        Ok(())
    })?;
    if pairs && n % 2 != 0 {
        return Err("an odd number of entries");
    }
    Ok(listpack_of(&arena, &ends))
}

/// The listpack of a zipmap's (field, value) pairs, with Redis's lpSafeToAdd check.
fn listpack_from_zipmap(zm: &[u8]) -> Result<Listpack, &'static str> {
    let mut arena: Vec<u8> = Vec::with_capacity(zm.len());
    let mut ends: Vec<usize> = Vec::new();
    ziplist::zipmap_for_each(zm, |k, v| {
        if arena.len() + k.len() + v.len() + 22 > LISTPACK_MAX_SAFETY_SIZE {
            return Err("Hash zipmap with dup elements, or big length");
        }
        arena.extend_from_slice(k);
        ends.push(arena.len());
        arena.extend_from_slice(v);
        ends.push(arena.len());
        Ok(())
    })?;
    Ok(listpack_of(&arena, &ends))
}

fn listpack_of(arena: &[u8], ends: &[usize]) -> Listpack {
    let mut items: Vec<&[u8]> = Vec::with_capacity(ends.len());
    let mut start = 0;
    for &e in ends {
        items.push(&arena[start..e]);
        start = e;
    }
    let mut lp = Listpack::new();
    lp.push_back_many(&items);
    lp
}

/// The longest element of a listpack, in bytes of its string form.
fn max_entry_len(lp: &Listpack) -> usize {
    lp.iter().map(|e| e.str_len()).max().unwrap_or(0)
}

/// Whether two fields (entries 0, 2, 4 ...) of `lp` are equal as strings. The fields are
/// decoded once; small listpacks then compare every pair (no allocation), larger ones sort
/// 64-bit keyed hashes and compare only fields whose hashes are equal.
fn has_dup_fields(lp: &Listpack) -> bool {
    let n = lp.len() / 2;
    if n < 2 {
        return false;
    }
    if n <= DUP_PAIRWISE_MAX {
        let mut f = [Entry::Int(0); DUP_PAIRWISE_MAX];
        for (slot, e) in f.iter_mut().zip(lp.iter().step_by(2)) {
            *slot = e;
        }
        let f = &f[..n];
        return (1..n).any(|i| f[..i].iter().any(|&b| same_entry(f[i], b)));
    }
    use std::hash::{BuildHasher, Hasher};
    static STATE: std::sync::OnceLock<std::collections::hash_map::RandomState> =
        std::sync::OnceLock::new();
    let state = STATE.get_or_init(Default::default);
    let all: Vec<Entry<'_>> = lp.iter().step_by(2).collect();
    let mut scratch = [0u8; 20];
    let mut hashes: Vec<(u64, u32)> = all
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut h = state.build_hasher();
            h.write(e.as_bytes(&mut scratch));
            (h.finish(), i as u32)
        })
        .collect();
    hashes.sort_unstable();
    // Within each run of equal hashes (almost always of length 1), compare every pair.
    let mut i = 0;
    while i < hashes.len() {
        let mut j = i + 1;
        while j < hashes.len() && hashes[j].0 == hashes[i].0 {
            j += 1;
        }
        for a in i..j {
            let x = all[hashes[a].1 as usize];
            if hashes[a + 1..j]
                .iter()
                .any(|&(_, b)| same_entry(x, all[b as usize]))
            {
                return true;
            }
        }
        i = j;
    }
    false
}

/// Whether two listpack entries have the same string form (Redis compares fields as strings).
fn same_entry(a: Entry<'_>, b: Entry<'_>) -> bool {
    match (a, b) {
        (Entry::Int(x), Entry::Int(y)) => x == y,
        (Entry::Str(x), Entry::Str(y)) => x == y,
        (Entry::Int(x), Entry::Str(s)) | (Entry::Str(s), Entry::Int(x)) => {
            let mut buf = [0u8; 20];
            fmt_i64(x, &mut buf) == s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::save::{save_to, SaveOptions};
    use super::*;

    fn roundtrip(ks: &Keyspace, compress: bool) -> Keyspace {
        let opts = SaveOptions {
            compress,
            checksum: true,
            aux: vec![("redis-ver".into(), b"7.0.15".to_vec())],
            ..SaveOptions::default()
        };
        let (bytes, n) = save_to(ks, Vec::new(), &opts).expect("save to a Vec");
        assert_eq!(n as usize, bytes.len());
        let mut out = Keyspace::new(16);
        let l = load(&bytes, &mut out, &LoadOptions::default()).expect("load");
        assert_eq!(l.len, bytes.len());
        out
    }

    #[test]
    fn strings_round_trip() {
        let mut ks = Keyspace::new(16);
        for (k, v) in [
            (&b"a"[..], &b"1"[..]),
            (b"b", b"hello"),
            (b"c", &[b'z'; 300][..]),
            (b"d", b"-9223372036854775808"),
        ] {
            ks.dbs[3]
                .dict
                .insert(k, RObj::new(Value::Str(StrValue::from_bytes(v)), 0));
        }
        ks.dbs[3].expires.insert(&b"b"[..], i64::MAX / 2);
        for compress in [false, true] {
            let out = roundtrip(&ks, compress);
            assert_eq!(out.dbs[3].dict.len(), 4);
            let mut s = [0u8; 20];
            let c = out.dbs[3]
                .dict
                .get(b"c")
                .and_then(|o| o.as_str())
                .expect("c");
            assert_eq!(c.as_bytes(&mut s), &[b'z'; 300][..]);
            assert_eq!(out.dbs[3].expires.get(b"b"), Some(&(i64::MAX / 2)));
        }
    }

    #[test]
    fn corrupt_input_is_an_error_not_a_panic() {
        let mut ks = Keyspace::new(16);
        for i in 0..50 {
            let k = format!("k{i}");
            ks.dbs[0].dict.insert(
                k.as_bytes(),
                RObj::new(Value::Str(StrValue::from_bytes(&[b'x'; 40])), 0),
            );
        }
        let (bytes, _) = save_to(
            &ks,
            Vec::new(),
            &SaveOptions {
                compress: true,
                checksum: true,
                ..Default::default()
            },
        )
        .expect("save");
        let opts = LoadOptions {
            verify_checksum: false,
            ..LoadOptions::default()
        };
        for cut in 0..bytes.len() {
            let mut out = Keyspace::new(16);
            assert!(
                load(&bytes[..cut], &mut out, &opts).is_err(),
                "truncated at {cut}"
            );
        }
        let mut x = 12345u64;
        for _ in 0..2000 {
            let mut b = bytes.clone();
            for _ in 0..3 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let i = (x as usize) % b.len();
                b[i] = (x >> 32) as u8;
            }
            let mut out = Keyspace::new(16);
            let _ = load(&b, &mut out, &opts);
        }
        let mut b = bytes.clone();
        let n = b.len();
        b[n - 20] ^= 1;
        let mut out = Keyspace::new(16);
        let e = load(&b, &mut out, &LoadOptions::default()).expect_err("checksum");
        assert!(e.what.contains("checksum") || e.what.contains("LZF"), "{e}");
    }

    /// A reader handing out at most `chunk` bytes per read.
    struct Trickle<'a> {
        data: &'a [u8],
        chunk: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.chunk.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// A keyspace with every type, integer-encoded members and a value longer than the
    /// loader's buffer.
    fn every_type() -> Keyspace {
        let mut ks = Keyspace::new(16);
        let d = &mut ks.dbs[0];
        let mut list = ListValue::new(-2, 0);
        for i in 0..2000 {
            list.push(format!("{i}").as_bytes(), End::Tail, 1 << 30);
        }
        d.dict.insert(&b"list"[..], RObj::new(Value::List(list), 0));
        let mut set = SetValue::default();
        for i in 0..600 {
            assert!(set.add(format!("{}", i * 7 - 100).as_bytes(), 512));
        }
        d.dict.insert(&b"ints"[..], RObj::new(Value::Set(set), 0));
        let mut small = SetValue::default();
        for m in ["1", "2", "-3"] {
            small.add(m.as_bytes(), 512);
        }
        d.dict
            .insert(&b"intset"[..], RObj::new(Value::Set(small), 0));
        let mut lp = Listpack::new();
        lp.push_back_many(&[b"f", b"1", b"g", b"two"]);
        d.dict.insert(
            &b"hash"[..],
            RObj::new(Value::Hash(HashValue::from_listpack(lp)), 0),
        );
        let big = vec![b'q'; READ_BUF_FOR_TESTS + 1000];
        d.dict.insert(
            &b"big"[..],
            RObj::new(Value::Str(StrValue::from_vec(big)), 0),
        );
        ks
    }

    const READ_BUF_FOR_TESTS: usize = super::super::reader::READ_BUF;

    #[test]
    fn every_type_round_trips_through_a_trickling_reader() {
        let ks = every_type();
        let (bytes, _) = save_to(
            &ks,
            Vec::new(),
            &SaveOptions {
                compress: false,
                checksum: true,
                ..SaveOptions::default()
            },
        )
        .expect("save");
        for (chunk, known) in [(1, true), (7, false), (4096, true), (1 << 20, false)] {
            let mut out = Keyspace::new(16);
            let src = Trickle {
                data: &bytes,
                chunk,
            };
            let total = known.then_some(bytes.len() as u64);
            let l = load_stream(src, total, &mut out, &LoadOptions::default())
                .unwrap_or_else(|e| panic!("chunk {chunk}: {e}"));
            assert_eq!(l.keys, 5);
            assert_eq!(l.len, bytes.len());
            let d = &out.dbs[0];
            let list = d.dict.get(b"list").and_then(|o| o.as_list()).expect("list");
            assert_eq!(list.len(), 2000);
            let ints = d.dict.get(b"ints").and_then(|o| o.as_set()).expect("ints");
            assert_eq!(ints.len(), 600);
            assert_eq!(ints.encoding_name(), "hashtable");
            let is = d.dict.get(b"intset").and_then(|o| o.as_set()).expect("set");
            assert_eq!(is.encoding_name(), "intset");
            let mut s = [0u8; 20];
            let big = d.dict.get(b"big").and_then(|o| o.as_str()).expect("big");
            assert_eq!(big.as_bytes(&mut s).len(), READ_BUF_FOR_TESTS + 1000);
        }
        // A flipped byte in the middle is caught by the CRC computed on the fly.
        let mut bad = bytes.clone();
        let mid = bad.len() / 2;
        bad[mid] ^= 0x20;
        let mut out = Keyspace::new(16);
        let src = Trickle {
            data: &bad,
            chunk: 1000,
        };
        assert!(load_stream(src, None, &mut out, &LoadOptions::default()).is_err());
    }

    #[test]
    fn duplicate_fields_are_found_in_small_and_large_listpacks() {
        for n in [2usize, 16, 17, 300] {
            let fields: Vec<String> = (0..n).map(|i| format!("f{i}")).collect();
            let mut items: Vec<&[u8]> = Vec::new();
            for f in &fields {
                items.push(f.as_bytes());
                items.push(b"v");
            }
            let mut lp = Listpack::new();
            lp.push_back_many(&items);
            assert!(!has_dup_fields(&lp), "{n} distinct fields");
            items[2 * (n - 1)] = fields[0].as_bytes();
            let mut lp = Listpack::new();
            lp.push_back_many(&items);
            assert!(has_dup_fields(&lp), "{n} fields, first repeated last");
        }
        // "12" stored as an integer equals the string "12".
        let mut lp = Listpack::new();
        lp.push_back_many(&[b"12", b"a", b"x", b"b"]);
        assert!(!has_dup_fields(&lp));
        assert!(same_entry(Entry::Int(12), Entry::Str(b"12")));
    }

    #[test]
    fn legacy_ziplist_hash_and_zipmap_payloads_load_as_listpacks() {
        // A ziplist ["a", "1", "b", "2"] as a hash (type 13), written by hand.
        let entries: &[&[u8]] = &[&[0, 0x01, b'a'], &[3, 0xF2], &[2, 0x01, b'b'], &[3, 0xF3]];
        let mut body: Vec<u8> = Vec::new();
        let mut tail = 0;
        for e in entries {
            tail = 10 + body.len();
            body.extend_from_slice(e);
        }
        let mut zl = ((10 + body.len() + 1) as u32).to_le_bytes().to_vec();
        zl.extend_from_slice(&(tail as u32).to_le_bytes());
        zl.extend_from_slice(&4u16.to_le_bytes());
        zl.extend_from_slice(&body);
        zl.push(0xFF);
        let mut payload = vec![TYPE_HASH_ZIPLIST, zl.len() as u8];
        payload.extend_from_slice(&zl);
        let (v, _) = load_type_and_value(&payload, &LoadOptions::default()).expect("hash");
        let Value::Hash(h) = v else {
            panic!("not a hash")
        };
        assert_eq!(h.len(), 2);
        // The same pairs as a zipmap (type 9); then with a duplicate field: refused.
        let zm = [2, 1, b'a', 1, 0, b'1', 1, b'b', 1, 0, b'2', 0xFF];
        let mut payload = vec![TYPE_HASH_ZIPMAP, zm.len() as u8];
        payload.extend_from_slice(&zm);
        assert!(load_type_and_value(&payload, &LoadOptions::default()).is_ok());
        payload[2 + 7] = b'a';
        let e = load_type_and_value(&payload, &LoadOptions::default()).expect_err("dup");
        assert!(e.what.contains("Zipmap integrity check failed"), "{e}");
        assert!(e.what.contains("dup elements"), "{e}");
    }
}
