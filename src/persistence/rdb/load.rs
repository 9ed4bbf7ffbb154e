//! RDB decoder: reads Redis RDB files, versions 1 to 10, into a keyspace (Redis's `rdbLoadRio`).
//!
//! Owns: parsing and validating RDB bytes, and building values in the encodings Redis would
//! pick on load. It must never panic or allocate in proportion to a length it has not yet
//! seen bytes for, whatever the input: a corrupt or hostile file ends in a [`LoadError`] naming
//! the byte offset and what was wrong. It never touches files or sockets: callers hand it the
//! bytes.

use std::borrow::Cow;
use std::fmt;

use super::ziplist;
use super::*;
use crate::db::dict::Dict;
use crate::db::hash::{HashValue, Table};
use crate::db::intset::IntSet;
use crate::db::list::{End, ListValue};
use crate::db::listpack::{self, Entry, Listpack};
use crate::db::object::{RObj, StrValue, Value};
use crate::db::set::SetValue;
use crate::db::zset::{Big, ZSetValue};
use crate::db::Keyspace;
use crate::util::lzf;
use crate::util::numeric::{fmt_i64, parse_f64};

/// 88: the most an LZF stream can expand (a 3-byte back-reference yields up to 264 bytes), so
/// a claimed original length above `88 * compressed + 64` is corrupt, not merely large.
const LZF_MAX_RATIO: u64 = 88;

/// Limits and context of a load: the encoding thresholds of the loading server and what to do
/// with expired keys.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Drop keys whose deadline is past (a master does; a replica keeps them for its master's
    /// DEL), Redis's `iAmMaster()` check.
    pub drop_expired: bool,
    /// The clock used for that check, unix ms.
    pub now_ms: i64,
    /// Verify the CRC-64 trailer (`rdbchecksum yes` and not DEBUG SET-SKIP-CHECKSUM-VALIDATION).
    pub verify_checksum: bool,
    /// The LRU clock now, to turn saved idle times back into clocks.
    pub lru_now: u32,
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
            now_ms: 0,
            verify_checksum: true,
            lru_now: 0,
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
    /// Empty values skipped (Redis's "empty keys skipped").
    pub empty_skipped: u64,
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

/// A cursor over the file's bytes.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn err<T>(&self, what: impl Into<String>) -> Res<T> {
        Err(LoadError {
            offset: self.pos,
            what: what.into(),
        })
    }

    fn take(&mut self, n: usize) -> Res<&'a [u8]> {
        if self.data.len() - self.pos < n {
            return Err(LoadError {
                offset: self.data.len(),
                what: format!(
                    "unexpected end of file: {n} more bytes needed at offset {}",
                    self.pos
                ),
            });
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u8(&mut self) -> Res<u8> {
        Ok(self.take(1)?[0])
    }

    fn arr<const N: usize>(&mut self) -> Res<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    /// A length, or the special-encoding marker: `(value, is_encoded)` (rdbLoadLenByRef).
    fn len_or_enc(&mut self) -> Res<(u64, bool)> {
        let b = self.u8()?;
        match b >> 6 {
            0 => Ok(((b & 0x3F) as u64, false)),
            1 => Ok(((((b & 0x3F) as u64) << 8) | self.u8()? as u64, false)),
            3 => Ok(((b & 0x3F) as u64, true)),
            _ => match b {
                0x80 => Ok((u32::from_be_bytes(self.arr()?) as u64, false)),
                0x81 => Ok((u64::from_be_bytes(self.arr()?), false)),
                _ => {
                    self.pos -= 1;
                    self.err(format!("unknown length encoding {b:#04x}"))
                }
            },
        }
    }

    fn len(&mut self) -> Res<u64> {
        let at = self.pos;
        match self.len_or_enc()? {
            (v, false) => Ok(v),
            (_, true) => {
                self.pos = at;
                self.err("a string encoding where a length was expected")
            }
        }
    }

    /// A length that counts items each taking at least one more byte of input: bounded by
    /// the bytes left, so no loop or reservation can run away on a corrupt count.
    fn count(&mut self) -> Res<usize> {
        let at = self.pos;
        let n = self.len()?;
        if n > (self.data.len() - self.pos) as u64 {
            self.pos = at;
            return self.err(format!(
                "a count of {n} items with only {} bytes left",
                self.data.len() - at
            ));
        }
        Ok(n as usize)
    }

    /// A string in any encoding (rdbGenericLoadStringObject): borrowed when stored plainly.
    fn string(&mut self) -> Res<Cow<'a, [u8]>> {
        let at = self.pos;
        let (v, enc) = self.len_or_enc()?;
        if !enc {
            let n = usize::try_from(v).unwrap_or(usize::MAX);
            return Ok(Cow::Borrowed(self.take(n)?));
        }
        let mut scratch = [0u8; 20];
        match v as u8 {
            ENC_INT8 => {
                let x = self.u8()? as i8 as i64;
                Ok(Cow::Owned(fmt_i64(x, &mut scratch).to_vec()))
            }
            ENC_INT16 => {
                let x = i16::from_le_bytes(self.arr()?) as i64;
                Ok(Cow::Owned(fmt_i64(x, &mut scratch).to_vec()))
            }
            ENC_INT32 => {
                let x = i32::from_le_bytes(self.arr()?) as i64;
                Ok(Cow::Owned(fmt_i64(x, &mut scratch).to_vec()))
            }
            ENC_LZF => {
                let clen = self.len()?;
                let ulen = self.len()?;
                if ulen > clen.saturating_mul(LZF_MAX_RATIO) + 64 {
                    self.pos = at;
                    return self.err(format!(
                        "LZF string claims {ulen} bytes from {clen} compressed bytes"
                    ));
                }
                let c = self.take(usize::try_from(clen).unwrap_or(usize::MAX))?;
                match lzf::decompress(c, ulen as usize) {
                    Some(v) if v.len() == ulen as usize => Ok(Cow::Owned(v)),
                    _ => {
                        self.pos = at;
                        self.err("invalid LZF compressed string")
                    }
                }
            }
            e => {
                self.pos = at;
                self.err(format!("unknown string encoding {e}"))
            }
        }
    }

    /// An old-style (RDB_TYPE_ZSET) double: a length byte then its decimal text; 253/254/255
    /// are NaN, +inf and -inf (rdbLoadDoubleValue).
    fn text_double(&mut self) -> Res<f64> {
        let at = self.pos;
        let n = self.u8()?;
        match n {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            _ => {
                let s = self.take(n as usize)?;
                match std::str::from_utf8(s)
                    .ok()
                    .and_then(|t| t.trim().parse::<f64>().ok())
                {
                    Some(v) => Ok(v),
                    None => {
                        self.pos = at;
                        self.err("invalid double value")
                    }
                }
            }
        }
    }

    fn binary_double(&mut self) -> Res<f64> {
        Ok(f64::from_le_bytes(self.arr()?))
    }
}

/// Loads every key of the RDB image `data` into `ks` (which the caller has emptied), as
/// Redis's rdbLoadRio. On error `ks` holds whatever was loaded before it; callers load into a
/// fresh keyspace and swap it in only on success.
pub fn load(data: &[u8], ks: &mut Keyspace, opts: &LoadOptions) -> Res<Loaded> {
    let mut r = Reader { data, pos: 0 };
    let magic = r.take(9).map_err(|_| LoadError {
        offset: 0,
        what: "file is shorter than the RDB header (not an RDB file?)".into(),
    })?;
    if &magic[..5] != b"REDIS" {
        return Err(LoadError {
            offset: 0,
            what: "wrong signature trying to load DB from file (not an RDB file?)".into(),
        });
    }
    let version = std::str::from_utf8(&magic[5..])
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(0);
    if !(1..=RDB_VERSION).contains(&version) {
        return Err(LoadError {
            offset: 5,
            what: format!(
                "can't handle RDB format version {}",
                String::from_utf8_lossy(&magic[5..])
            ),
        });
    }
    let mut out = Loaded {
        version,
        ..Loaded::default()
    };
    let mut db = 0usize;
    let mut expire: Option<i64> = None;
    let mut idle: Option<u64> = None;
    loop {
        let op_at = r.pos;
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
                    r.pos = op_at;
                    return r.err(format!(
                        "FATAL: Data file was created with a Redis server configured to handle more than {} databases. Exiting",
                        ks.dbs.len()
                    ));
                }
                db = n as usize;
                continue;
            }
            OPCODE_RESIZEDB => {
                let size = r.len()?;
                let expires = r.len()?;
                // A hint only: never reserve more than the bytes left could hold.
                let left = (data.len() - r.pos) as u64 / 2;
                ks.dbs[db].dict.expand(size.min(left) as usize);
                ks.dbs[db].expires.expand(expires.min(left) as usize);
                continue;
            }
            OPCODE_AUX => {
                let k = r.string()?.into_owned();
                let v = r.string()?.into_owned();
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
                r.pos = op_at;
                return r.err("the file holds module data, and this server loads no modules");
            }
            OPCODE_FUNCTION | OPCODE_FUNCTION2 => {
                r.pos = op_at;
                return r.err(
                    "the file holds Redis Functions libraries, which this server does not support",
                );
            }
            _ => {}
        }
        // A key.
        let key = r.string()?;
        let value_at = r.pos;
        let value = match load_value(&mut r, t, opts) {
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
            out.empty_skipped += 1;
            continue;
        };
        if let Some(ms) = when {
            if opts.drop_expired && ms < opts.now_ms {
                out.expired_skipped += 1;
                continue;
            }
        }
        let lru = match idle_secs {
            Some(s) => crate::db::object::lru_from_idle(opts.lru_now, s),
            None => opts.lru_now,
        };
        let d = &mut ks.dbs[db];
        if d.dict.contains_key(&key) {
            r.pos = op_at;
            return r.err(format!(
                "duplicate key '{}' found in RDB file",
                String::from_utf8_lossy(&key)
            ));
        }
        if let Some(ms) = when {
            d.expires.insert(&key[..], ms);
        }
        d.dict.insert(&key[..], RObj::new(value, lru));
        out.keys += 1;
    }
    let eof = r.pos;
    if version >= 5 {
        let expected = u64::from_le_bytes(r.arr()?);
        if opts.verify_checksum && expected != 0 {
            let got = crc64::crc64(0, &data[..eof]);
            if got != expected {
                r.pos = eof;
                return r.err(format!(
                    "wrong RDB checksum: the file says {expected:x}, its contents give {got:x}"
                ));
            }
        }
    }
    out.len = r.pos;
    Ok(out)
}

/// Reads one `<type> <value>` pair from `data` (a DUMP payload without its footer), as
/// RESTORE does with rdbLoadObjectType + rdbLoadObject. An empty value is an error here.
pub fn load_type_and_value(data: &[u8], opts: &LoadOptions) -> Res<Value> {
    let mut r = Reader { data, pos: 0 };
    let t = r.u8()?;
    match load_value(&mut r, t, opts)? {
        Some(v) => Ok(v),
        None => Err(bad(0, "empty value")),
    }
}

/// Reads one value of type `t`. `Ok(None)` for an empty value, which Redis skips.
fn load_value(r: &mut Reader<'_>, t: u8, o: &LoadOptions) -> Res<Option<Value>> {
    let at = r.pos;
    let v = match t {
        TYPE_STRING => Value::Str(StrValue::from_vec(r.string()?.into_owned())),
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
            let items = ziplist::entries(&blob).map_err(|e| bad(at, e))?;
            let mut l = new_list(o);
            for e in items {
                l.push(&e, End::Tail, o.list_packed_threshold);
            }
            Value::List(l)
        }
        TYPE_LIST_QUICKLIST | TYPE_LIST_QUICKLIST_2 => {
            let nodes = r.count()?;
            let mut l = new_list(o);
            for _ in 0..nodes {
                let container = if t == TYPE_LIST_QUICKLIST_2 {
                    r.len()?
                } else {
                    CONTAINER_PACKED
                };
                let node_at = r.pos;
                let blob = r.string()?;
                match container {
                    CONTAINER_PLAIN => l.append_plain(&blob),
                    CONTAINER_PACKED if t == TYPE_LIST_QUICKLIST_2 => {
                        listpack::validate(&blob).map_err(|e| bad(node_at, e))?;
                        l.append_listpack(Listpack::from_validated(blob.into_owned().into()));
                    }
                    CONTAINER_PACKED => {
                        let items = ziplist::entries(&blob).map_err(|e| bad(node_at, e))?;
                        for e in items {
                            l.push(&e, End::Tail, o.list_packed_threshold);
                        }
                    }
                    c => {
                        return Err(bad(
                            node_at,
                            &format!("unknown quicklist node container {c}"),
                        ))
                    }
                }
            }
            Value::List(l)
        }
        TYPE_SET => {
            let n = r.count()?;
            let mut s = if n > o.set_max_intset_entries {
                SetValue::new_hashtable(n)
            } else {
                SetValue::default()
            };
            for _ in 0..n {
                let m_at = r.pos;
                let m = r.string()?;
                if !s.add(&m, o.set_max_intset_entries) {
                    return Err(bad(m_at, "duplicate set members detected"));
                }
            }
            Value::Set(s)
        }
        TYPE_SET_INTSET => {
            let blob = r.string()?;
            let Some(is) = IntSet::from_blob(&blob) else {
                return Err(bad(at, "intset integrity check failed"));
            };
            let mut s = SetValue::Intset(is);
            if s.len() > o.set_max_intset_entries {
                s.convert_to_hashtable();
            }
            Value::Set(s)
        }
        TYPE_ZSET | TYPE_ZSET_2 => {
            let n = r.count()?;
            let mut big = Big::default();
            let (mut maxlen, mut total) = (0usize, 0usize);
            for _ in 0..n {
                let m_at = r.pos;
                let m = r.string()?;
                let score = if t == TYPE_ZSET_2 {
                    r.binary_double()?
                } else {
                    r.text_double()?
                };
                if score.is_nan() {
                    return Err(bad(m_at, "zset with NAN score detected"));
                }
                if big.dict.contains_key(&m) {
                    return Err(bad(m_at, "duplicate zset fields detected"));
                }
                maxlen = maxlen.max(m.len());
                total += m.len();
                big.dict.insert(&m[..], score);
                big.zsl.insert(score, &m);
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
            let mut table = Table::default();
            for _ in 0..n {
                let f_at = r.pos;
                let f = r.string()?;
                let v = r.string()?;
                if table.contains_key(&f) {
                    return Err(bad(f_at, "duplicate hash fields detected"));
                }
                table.insert(&f[..], v.into_owned().into_boxed_slice());
            }
            let fits = n <= o.hash_max_listpack_entries
                && table.iter().all(|(f, v)| {
                    f.len() <= o.hash_max_listpack_value && v.len() <= o.hash_max_listpack_value
                });
            if fits {
                let mut lp = Listpack::new();
                for (f, v) in table.iter() {
                    lp.push_back_many(&[f, v]);
                }
                Value::Hash(HashValue::from_listpack(lp))
            } else {
                Value::Hash(HashValue::from_table(table))
            }
        }
        TYPE_HASH_LISTPACK | TYPE_HASH_ZIPLIST | TYPE_HASH_ZIPMAP => {
            let blob = r.string()?;
            let lp = match t {
                TYPE_HASH_LISTPACK => {
                    listpack::validate(&blob).map_err(|e| bad(at, e))?;
                    Listpack::from_validated(blob.into_owned().into())
                }
                TYPE_HASH_ZIPLIST => lp_from(ziplist::entries(&blob).map_err(|e| bad(at, e))?),
                _ => lp_from(ziplist::zipmap_entries(&blob).map_err(|e| bad(at, e))?),
            };
            let n = lp.len();
            if n % 2 != 0 {
                return Err(bad(at, "hash listpack with an odd number of entries"));
            }
            // Duplicate fields would break every later lookup (deep sanitization's check).
            let mut seen: Dict<()> = Dict::with_capacity(n / 2);
            let mut maxlen = 0;
            for (i, e) in lp.iter().enumerate() {
                maxlen = maxlen.max(e.str_len());
                if i % 2 == 0 {
                    let mut scratch = [0u8; 20];
                    if !seen.insert_new(e.as_bytes(&mut scratch), ()) {
                        return Err(bad(at, "duplicate hash fields detected"));
                    }
                }
            }
            if n == 0 {
                return Ok(None);
            }
            let mut h = HashValue::from_listpack(lp);
            if n / 2 > o.hash_max_listpack_entries || maxlen > o.hash_max_listpack_value {
                h.convert_to_table();
            }
            Value::Hash(h)
        }
        TYPE_ZSET_LISTPACK | TYPE_ZSET_ZIPLIST => {
            let blob = r.string()?;
            let lp = if t == TYPE_ZSET_LISTPACK {
                listpack::validate(&blob).map_err(|e| bad(at, e))?;
                Listpack::from_validated(blob.into_owned().into())
            } else {
                lp_from(ziplist::entries(&blob).map_err(|e| bad(at, e))?)
            };
            let n = lp.len();
            if n % 2 != 0 {
                return Err(bad(at, "zset listpack with an odd number of entries"));
            }
            let mut seen: Dict<()> = Dict::with_capacity(n / 2);
            let (mut maxlen, mut prev): (usize, Option<f64>) = (0, None);
            let mut items = lp.iter();
            while let (Some(m), Some(s)) = (items.next(), items.next()) {
                let score = match s {
                    Entry::Int(v) => v as f64,
                    Entry::Str(b) => match parse_f64(b) {
                        Some(v) if !v.is_nan() => v,
                        _ => return Err(bad(at, "zset listpack with an invalid score")),
                    },
                };
                if prev.is_some_and(|p| score < p) {
                    return Err(bad(at, "zset listpack out of order"));
                }
                prev = Some(score);
                let mut scratch = [0u8; 20];
                maxlen = maxlen.max(m.str_len());
                if !seen.insert_new(m.as_bytes(&mut scratch), ()) {
                    return Err(bad(at, "duplicate zset fields detected"));
                }
            }
            if n == 0 {
                return Ok(None);
            }
            let mut z = ZSetValue::from_listpack(lp);
            if n / 2 > o.zset_max_listpack_entries || maxlen > o.zset_max_listpack_value {
                z.convert_to_skiplist();
            }
            Value::ZSet(z)
        }
        TYPE_MODULE | TYPE_MODULE_2 => {
            return Err(bad(at, "a module value, and this server loads no modules"));
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
                &format!("unknown RDB value type {t}"),
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

fn lp_from(items: Vec<Vec<u8>>) -> Listpack {
    let mut lp = Listpack::new();
    let refs: Vec<&[u8]> = items.iter().map(|v| &v[..]).collect();
    lp.push_back_many(&refs);
    lp
}

fn bad(offset: usize, what: &str) -> LoadError {
    LoadError {
        offset,
        what: what.to_string(),
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
}
