//! RDB encoder: writes a keyspace as Redis 7.0 does (`rdbSaveRio` and friends).
//!
//! Owns: turning values into RDB bytes and the running CRC-64. It must never decide where the
//! bytes go (a file, a pipe to the parent, a replica's socket: any `Write`) or touch the
//! keyspace beyond reading it.

use std::io::{self, Write};

use super::*;
use crate::db::list::{ListValue, NodeRef};
use crate::db::listpack::Listpack;
use crate::db::object::{RObj, StrValue, ValueRef};
use crate::db::set::SetValue;
use crate::db::zset::ZSetValue;
use crate::db::Keyspace;
use crate::util::lzf;
use crate::util::numeric::parse_i64;

/// 64 KiB: bytes gathered before a `write` to the sink (Redis's rio buffers through stdio;
/// this keeps syscalls few and the CRC loop long).
const WRITE_CHUNK: usize = 64 * 1024;

/// What a save writes besides the data.
#[derive(Clone, Debug, Default)]
pub struct SaveOptions {
    /// `rdbcompression`: LZF for strings over 20 bytes.
    pub compress: bool,
    /// `rdbchecksum`: the CRC-64 trailer (zero when off).
    pub checksum: bool,
    /// AUX fields in order, e.g. `("redis-ver", "7.0.15")`.
    pub aux: Vec<(String, Vec<u8>)>,
    /// Write each key's idle time (maxmemory-policy is an LRU one), Redis's RDB_OPCODE_IDLE.
    pub save_idle: bool,
    /// The LRU clock now, to turn each key's clock into idle seconds.
    pub lru_now: u32,
}

/// A sink that counts, checksums and buffers what is written (Redis's `rio` with its
/// `update_cksum`).
pub struct RdbWriter<W: Write> {
    out: W,
    buf: Vec<u8>,
    crc: u64,
    written: u64,
    checksum: bool,
}

impl<W: Write> RdbWriter<W> {
    pub fn new(out: W, checksum: bool) -> RdbWriter<W> {
        RdbWriter {
            out,
            buf: Vec::with_capacity(WRITE_CHUNK + 1024),
            crc: 0,
            written: 0,
            checksum,
        }
    }

    /// Bytes written so far (buffered included).
    pub fn written(&self) -> u64 {
        self.written
    }

    fn flush_buf(&mut self) -> io::Result<()> {
        if self.checksum {
            self.crc = crc64::crc64(self.crc, &self.buf);
        }
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }

    pub fn raw(&mut self, b: &[u8]) -> io::Result<()> {
        self.written += b.len() as u64;
        if self.buf.len() + b.len() > WRITE_CHUNK {
            self.flush_buf()?;
            if b.len() > WRITE_CHUNK {
                if self.checksum {
                    self.crc = crc64::crc64(self.crc, b);
                }
                return self.out.write_all(b);
            }
        }
        self.buf.extend_from_slice(b);
        Ok(())
    }

    fn byte(&mut self, b: u8) -> io::Result<()> {
        self.raw(&[b])
    }

    /// Redis's rdbSaveLen.
    pub fn len(&mut self, len: u64) -> io::Result<()> {
        if len < 1 << 6 {
            self.byte(len as u8)
        } else if len < 1 << 14 {
            self.raw(&[0x40 | (len >> 8) as u8, len as u8])
        } else if len <= u32::MAX as u64 {
            self.byte(0x80)?;
            self.raw(&(len as u32).to_be_bytes())
        } else {
            self.byte(0x81)?;
            self.raw(&len.to_be_bytes())
        }
    }

    /// An integer in the 1/2/4-byte special encoding, if it fits 32 bits (rdbEncodeInteger).
    fn try_int(&mut self, v: i64) -> io::Result<bool> {
        if let Ok(x) = i8::try_from(v) {
            self.raw(&[0xC0 | ENC_INT8, x as u8])?;
        } else if let Ok(x) = i16::try_from(v) {
            self.byte(0xC0 | ENC_INT16)?;
            self.raw(&x.to_le_bytes())?;
        } else if let Ok(x) = i32::try_from(v) {
            self.byte(0xC0 | ENC_INT32)?;
            self.raw(&x.to_le_bytes())?;
        } else {
            return Ok(false);
        }
        Ok(true)
    }

    /// Redis's rdbSaveRawString: integer encoding for short canonical integers, LZF for long
    /// compressible strings, else length and bytes.
    pub fn string(&mut self, s: &[u8], compress: bool) -> io::Result<()> {
        if s.len() <= 11 {
            if let Some(v) = parse_i64(s) {
                if self.try_int(v)? {
                    return Ok(());
                }
            }
        }
        if compress && s.len() > LZF_MIN_LEN {
            // Worth it only when it saves at least 4 bytes (Redis's `outlen = len-4`).
            if let Some(c) = lzf::compress(s, s.len() - 4) {
                return self.lzf_blob(&c, s.len());
            }
        }
        self.len(s.len() as u64)?;
        self.raw(s)
    }

    /// An already compressed blob (Redis's rdbSaveLzfBlob).
    pub fn lzf_blob(&mut self, c: &[u8], original_len: usize) -> io::Result<()> {
        self.byte(0xC0 | ENC_LZF)?;
        self.len(c.len() as u64)?;
        self.len(original_len as u64)?;
        self.raw(c)
    }

    /// Redis's rdbSaveLongLongAsStringObject.
    fn int_string(&mut self, v: i64) -> io::Result<()> {
        if !self.try_int(v)? {
            let mut scratch = [0u8; 20];
            let s = crate::util::numeric::fmt_i64(v, &mut scratch);
            self.len(s.len() as u64)?;
            self.raw(s)?;
        }
        Ok(())
    }

    fn str_value(&mut self, s: &StrValue, compress: bool) -> io::Result<()> {
        match s {
            StrValue::Int(v) => self.int_string(*v),
            StrValue::Emb(b) => self.string(b, compress),
            StrValue::Raw(b) => self.string(b, compress),
        }
    }

    /// The type byte Redis 7.0 writes for `o` (rdbSaveObjectType).
    pub fn type_code(o: &RObj) -> u8 {
        match o.value() {
            ValueRef::Str(_) => TYPE_STRING,
            ValueRef::List(_) => TYPE_LIST_QUICKLIST_2,
            ValueRef::Set(SetValue::Intset(_)) => TYPE_SET_INTSET,
            ValueRef::Set(SetValue::Hashtable(_)) => TYPE_SET,
            ValueRef::ZSet(z) if z.listpack().is_some() => TYPE_ZSET_LISTPACK,
            ValueRef::ZSet(_) => TYPE_ZSET_2,
            ValueRef::Hash(h) if h.as_listpack().is_some() => TYPE_HASH_LISTPACK,
            ValueRef::Hash(_) => TYPE_HASH,
        }
    }

    /// Redis's rdbSaveObject: the value part of a key (no type byte).
    pub fn object(&mut self, o: &RObj, compress: bool) -> io::Result<()> {
        match o.value() {
            ValueRef::Str(s) => self.str_value(s, compress),
            ValueRef::List(l) => self.list(l, compress),
            ValueRef::Set(SetValue::Intset(is)) => self.string(is.as_bytes(), compress),
            ValueRef::Set(SetValue::Hashtable(d)) => {
                self.len(d.len() as u64)?;
                for (m, _) in d.iter() {
                    self.string(m, compress)?;
                }
                Ok(())
            }
            ValueRef::ZSet(z) => self.zset(z, compress),
            ValueRef::Hash(h) => match (h.as_listpack(), h.as_table()) {
                (Some(lp), _) => self.listpack(lp, compress),
                (None, Some(t)) => {
                    self.len(t.len() as u64)?;
                    for (f, v) in t.iter() {
                        self.string(f, compress)?;
                        self.string(v, compress)?;
                    }
                    Ok(())
                }
                (None, None) => self.len(0),
            },
        }
    }

    fn listpack(&mut self, lp: &Listpack, compress: bool) -> io::Result<()> {
        self.string(lp.as_bytes(), compress)
    }

    fn list(&mut self, l: &ListValue, compress: bool) -> io::Result<()> {
        self.len(l.node_count() as u64)?;
        for n in l.nodes() {
            match n {
                NodeRef::Packed(b) => {
                    self.len(CONTAINER_PACKED)?;
                    self.string(b, compress)?;
                }
                NodeRef::Plain(b) => {
                    self.len(CONTAINER_PLAIN)?;
                    self.string(b, compress)?;
                }
                NodeRef::Compressed {
                    lzf,
                    raw_len,
                    plain,
                } => {
                    self.len(if plain {
                        CONTAINER_PLAIN
                    } else {
                        CONTAINER_PACKED
                    })?;
                    self.lzf_blob(lzf, raw_len)?;
                }
            }
        }
        Ok(())
    }

    fn zset(&mut self, z: &ZSetValue, compress: bool) -> io::Result<()> {
        if let Some(lp) = z.listpack() {
            return self.listpack(lp, compress);
        }
        let Some(big) = z.big() else {
            return self.len(0);
        };
        self.len(big.zsl.len() as u64)?;
        // Greatest first: the loader's inserts then always land at the head (Redis does the
        // same so that loading is O(1) per element).
        for (m, score) in big.zsl.iter_rev() {
            self.string(m, compress)?;
            self.raw(&score.to_le_bytes())?;
        }
        Ok(())
    }

    /// Ends the file: EOF opcode and the checksum (zero when off). Returns the sink.
    pub fn finish(mut self) -> io::Result<W> {
        self.byte(OPCODE_EOF)?;
        self.flush_buf()?;
        let crc = if self.checksum { self.crc } else { 0 };
        self.out.write_all(&crc.to_le_bytes())?;
        self.written += 8;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Writes the whole keyspace as an RDB file into `out` (Redis's rdbSaveRio); returns the sink
/// and the number of bytes written.
pub fn save_to<W: Write>(ks: &Keyspace, out: W, opts: &SaveOptions) -> io::Result<(W, u64)> {
    save_to_with(ks, out, opts, |_| {})
}

/// [`save_to`], calling `after_key(keys_written_so_far)` after each key (where Redis's
/// rdbSaveDb applies `rdb-key-save-delay` and a forked child reports its progress).
pub fn save_to_with<W: Write, F: FnMut(u64)>(
    ks: &Keyspace,
    out: W,
    opts: &SaveOptions,
    mut after_key: F,
) -> io::Result<(W, u64)> {
    let mut keys = 0u64;
    let mut w = RdbWriter::new(out, opts.checksum);
    w.raw(format!("REDIS{RDB_VERSION:04}").as_bytes())?;
    for (name, value) in &opts.aux {
        w.byte(OPCODE_AUX)?;
        w.string(name.as_bytes(), false)?;
        w.string(value, false)?;
    }
    for (i, db) in ks.dbs.iter().enumerate() {
        if db.dict.is_empty() {
            continue;
        }
        w.byte(OPCODE_SELECTDB)?;
        w.len(i as u64)?;
        w.byte(OPCODE_RESIZEDB)?;
        w.len(db.dict.len() as u64)?;
        w.len(db.expires.len() as u64)?;
        for (key, o) in db.dict.iter() {
            if !db.expires.is_empty() {
                if let Some(&when) = db.expires.get(key) {
                    w.byte(OPCODE_EXPIRETIME_MS)?;
                    w.raw(&when.to_le_bytes())?;
                }
            }
            if opts.save_idle {
                let idle = crate::db::object::idle_seconds(opts.lru_now, o.lru());
                w.byte(OPCODE_IDLE)?;
                w.len(idle)?;
            }
            w.byte(RdbWriter::<W>::type_code(o))?;
            w.string(key, opts.compress)?;
            w.object(o, opts.compress)?;
            keys += 1;
            after_key(keys);
        }
    }
    let n = w.written() + 9;
    let out = w.finish()?;
    Ok((out, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(f: impl FnOnce(&mut RdbWriter<&mut Vec<u8>>) -> io::Result<()>) -> Vec<u8> {
        let mut v = Vec::new();
        let mut w = RdbWriter::new(&mut v, false);
        f(&mut w).expect("write to a Vec");
        w.flush_buf().expect("write to a Vec");
        v
    }

    #[test]
    fn lengths() {
        assert_eq!(written(|w| w.len(10)), [10]);
        assert_eq!(written(|w| w.len(300)), [0x41, 0x2C]);
        assert_eq!(written(|w| w.len(70000)), [0x80, 0, 1, 0x11, 0x70]);
        assert_eq!(written(|w| w.len(1 << 40)), [0x81, 0, 0, 1, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn string_encodings() {
        assert_eq!(written(|w| w.string(b"12345", true)), [0xC1, 0x39, 0x30]);
        assert_eq!(written(|w| w.string(b"-1", true)), [0xC0, 0xFF]);
        assert_eq!(written(|w| w.string(b"hello", true)), b"\x05hello");
        // Not canonical: stays a string.
        assert_eq!(written(|w| w.string(b"007", true)), b"\x03007");
        let run = [b'a'; 100];
        let c = written(|w| w.string(&run, true));
        assert_eq!(c[0], 0xC3);
        assert!(c.len() < 20);
        let plain = written(|w| w.string(&run, false));
        assert_eq!(plain.len(), 102); // 2-byte length (100 >= 64), then the bytes
    }
}
