//! DEBUG DIGEST and DIGEST-VALUE: a 20-byte fingerprint of the dataset or
//! of single values, computed as Redis's debug.c does, so two servers
//! holding the same data (a master and its replica, a dataset before and
//! after a reload) print the same 40 hex digits.
//!
//! Owns: SHA-1 (written here, FIPS 180-4; no dependency) and Redis's two
//! mixing steps:
//! ```text
//! xor(d, data):  d ^= SHA1(data)            order-insensitive (sets, keys)
//! mix(d, data):  d = SHA1(d ^ SHA1(data))   order-sensitive (lists, fields)
//! ```
//! The dataset digest xors in (with `xor`) one digest per key, each `mix(key)`,
//! `mix(type as u32 big-endian)`, `mix(value...)` and `xor("!!expire!!")`
//! when the key has a TTL; each database with keys first mixes its number
//! into the result. An empty dataset is 40 zeros. It must never modify or
//! expire keys: it reads the tables directly.

use crate::db::object::{RObj, ValueRef};
use crate::db::Keyspace;

/// SHA-1 of `data`.
pub fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let bit_len = (data.len() as u64).wrapping_mul(8);
    let mut block = [0u8; 64];
    let process = |block: &[u8; 64], h: &mut [u32; 5]| {
        let mut w = [0u32; 80];
        for (i, chunk) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = *h;
        for (i, &wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, v) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(v);
        }
    };
    let mut chunks = data.chunks_exact(64);
    for c in &mut chunks {
        block.copy_from_slice(c);
        process(&block, &mut h);
    }
    let rest = chunks.remainder();
    block = [0u8; 64];
    block[..rest.len()].copy_from_slice(rest);
    block[rest.len()] = 0x80;
    if rest.len() >= 56 {
        process(&block, &mut h);
        block = [0u8; 64];
    }
    block[56..].copy_from_slice(&bit_len.to_be_bytes());
    process(&block, &mut h);
    let mut out = [0u8; 20];
    for (i, v) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&v.to_be_bytes());
    }
    out
}

/// Redis's xorDigest: `d ^= SHA1(data)`.
pub fn xor_digest(d: &mut [u8; 20], data: &[u8]) {
    for (x, y) in d.iter_mut().zip(sha1(data)) {
        *x ^= y;
    }
}

/// Redis's mixDigest: `d = SHA1(d ^ SHA1(data))`.
pub fn mix_digest(d: &mut [u8; 20], data: &[u8]) {
    xor_digest(d, data);
    *d = sha1(d);
}

/// Redis's type codes (OBJ_STRING, OBJ_LIST ...), mixed into each value.
fn type_code(o: &RObj) -> u32 {
    match o.value() {
        ValueRef::Str(_) => 0,
        ValueRef::List(_) => 1,
        ValueRef::Set(_) => 2,
        ValueRef::ZSet(_) => 3,
        ValueRef::Hash(_) => 4,
    }
}

/// Redis's xorObjectDigest: mixes value `o` (with or without a TTL) into
/// `d`.
pub fn xor_object_digest(d: &mut [u8; 20], o: &RObj, has_expire: bool) {
    mix_digest(d, &type_code(o).to_be_bytes());
    match o.value() {
        ValueRef::Str(s) => {
            let mut scratch = [0u8; 20];
            mix_digest(d, s.as_bytes(&mut scratch));
        }
        // A hash xors in one digest per pair (xor_digest hashes it first), each a fresh
        // mix(field) then mix(value), so the order of the pairs does not matter (Redis's
        // OBJ_HASH arm).
        ValueRef::Hash(h) => {
            let (mut kb, mut vb) = ([0u8; 20], [0u8; 20]);
            for (k, v) in h.iter() {
                let mut pair = [0u8; 20];
                mix_digest(&mut pair, k.as_bytes(&mut kb));
                mix_digest(&mut pair, v.as_bytes(&mut vb));
                xor_digest(d, &pair);
            }
        }
        // A set's members in any order: each one xored in as a string
        // (integers of an intset in decimal).
        ValueRef::Set(set) => {
            let mut scratch = [0u8; 20];
            for m in set.iter() {
                xor_digest(d, m.as_bytes(&mut scratch));
            }
        }
        // A sorted set xors in one digest per member, each a fresh mix(member) then
        // mix(score as %.17g), so the encoding and order do not matter (Redis's OBJ_ZSET arm).
        ValueRef::ZSet(z) => z.for_each(|m, score| {
            let mut ele = [0u8; 20];
            mix_digest(&mut ele, m);
            mix_digest(&mut ele, &crate::util::numeric::g17(score));
            xor_digest(d, &ele);
        }),
        // Elements head to tail, each mixed as its string form.
        ValueRef::List(l) => {
            l.scan(false, |e| {
                let mut scratch = [0u8; 20];
                mix_digest(d, e.as_bytes(&mut scratch));
                std::ops::ControlFlow::Continue(())
            });
        }
    }
    if has_expire {
        xor_digest(d, b"!!expire!!");
    }
}

/// Redis's computeDatasetDigest.
pub fn dataset_digest(ks: &Keyspace) -> [u8; 20] {
    let mut out = [0u8; 20];
    for (i, db) in ks.dbs.iter().enumerate() {
        if db.dict.is_empty() {
            continue;
        }
        mix_digest(&mut out, &(i as u32).to_be_bytes());
        for (key, o) in db.dict.iter() {
            let mut d = [0u8; 20];
            mix_digest(&mut d, key);
            xor_object_digest(&mut d, o, db.expires.contains_key(key));
            // xorDigest: the key's digest is hashed once more before it is xored in.
            xor_digest(&mut out, &d);
        }
    }
    out
}

/// DIGEST-VALUE of one key: 20 zero bytes when it does not exist.
pub fn value_digest(ks: &Keyspace, db: usize, key: &[u8]) -> [u8; 20] {
    let mut d = [0u8; 20];
    let table = &ks.dbs[db];
    if let Some(o) = table.dict.get(key) {
        xor_object_digest(&mut d, o, table.expires.contains_key(key));
    }
    d
}

pub fn hex(d: &[u8; 20]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::object::{StrValue, Value};

    #[test]
    fn sha1_vectors() {
        assert_eq!(hex(&sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            hex(&sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(&sha1(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        let million = vec![b'a'; 1_000_000];
        assert_eq!(
            hex(&sha1(&million)),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
        );
    }

    /// Digests printed by redis-server 7.0.15 for the same data.
    #[test]
    fn digests_equal_redis() {
        use crate::db::set::SetValue;
        let mut ks = Keyspace::new(16);
        let s = |v: &str| RObj::new(Value::Str(StrValue::from_bytes(v.as_bytes())), 0);
        ks.set_key(0, b"a", s("1"), false);
        assert_eq!(
            hex(&dataset_digest(&ks)),
            "943d800368fb9c0e951138f1bc0e313ac769d91f"
        );
        let set = |members: &[&str]| {
            let mut v = SetValue::new_for(members[0].as_bytes());
            for m in members {
                v.add(m.as_bytes(), 512);
            }
            RObj::new(Value::Set(v), 0)
        };
        let mut ks = Keyspace::new(16);
        ks.set_key(0, b"s", set(&["1", "x", "-7"]), false);
        assert_eq!(
            hex(&value_digest(&ks, 0, b"s")),
            "c07bf68dc3227c63c968d13920ed838887b0d4be"
        );
        assert_eq!(
            hex(&dataset_digest(&ks)),
            "8c14832cfe23b6e43342d06a302934f8b1457ed6"
        );
        ks.set_key(0, b"i", set(&["1", "2", "300000"]), false);
        assert_eq!(
            ks.dbs[0].dict.get(&b"i"[..]).map(|o| o.encoding_name()),
            Some("intset")
        );
        assert_eq!(
            hex(&value_digest(&ks, 0, b"i")),
            "a5f06f4721116e44ffd705155f567c906dac6285"
        );
    }

    /// Digests Redis 7.0.15 prints for the same data.
    #[test]
    fn matches_redis() {
        use crate::db::list::{End, ListValue};
        let mut ks = Keyspace::new(16);
        let s = |v: &str| RObj::new(Value::Str(StrValue::from_bytes(v.as_bytes())), 0);
        ks.set_key(0, b"foo", s("bar"), false);
        assert_eq!(
            hex(&dataset_digest(&ks)),
            "d2ab4820c1be0580ea28efbfe8bfa1dc05bb802a"
        );
        let mut l = ListValue::default();
        for e in ["a", "1", "bb", "12345678901"] {
            l.push(e.as_bytes(), End::Tail, 1 << 30);
        }
        ks.set_key(0, b"l", RObj::new(Value::List(l), 0), false);
        assert_eq!(
            hex(&value_digest(&ks, 0, b"l")),
            "80013b865ee6162d66c79bb6bb14b465f47bf70d"
        );
        assert_eq!(
            hex(&dataset_digest(&ks)),
            "6f8f7e536e7293f73cf5a1944fed58ae95c56a51"
        );
    }

    #[test]
    fn empty_dataset_is_zero_and_order_does_not_matter() {
        let mut ks = Keyspace::new(16);
        assert_eq!(hex(&dataset_digest(&ks)), "0".repeat(40));
        let s = |v: &str| RObj::new(Value::Str(StrValue::from_bytes(v.as_bytes())), 0);
        ks.set_key(0, b"a", s("1"), false);
        ks.set_key(0, b"b", s("hello"), false);
        let d1 = dataset_digest(&ks);
        let mut ks2 = Keyspace::new(16);
        ks2.set_key(0, b"b", s("hello"), false);
        ks2.set_key(0, b"a", s("1"), false);
        assert_eq!(d1, dataset_digest(&ks2));
        ks2.set_expire(0, b"a", i64::MAX);
        assert_ne!(d1, dataset_digest(&ks2));
        let mut ks3 = Keyspace::new(16);
        ks3.set_key(1, b"b", s("hello"), false);
        ks3.set_key(1, b"a", s("1"), false);
        assert_ne!(d1, dataset_digest(&ks3));
    }
}
