//! The hash type's value and its two encodings (the data side of Redis's `t_hash.c`).
//!
//! Owns: where a hash's fields and values live, when the small encoding gives way to the big
//! one, and the random and scan walks HRANDFIELD and HSCAN need. It must never know about
//! clients, replies or the keyspace: `commands::hashes` does that, and SORT's `->field` lookups
//! read through [`HashValue::get`].
//!
//! # Encodings
//!
//! ```text
//!   listpack   one buffer: field1 value1 field2 value2 ...   (db::listpack, Redis's layout)
//!              lookups walk the fields (every other entry), O(n) but n <= 512
//!   hashtable  Box<Dict<Box<[u8]>>>: field -> value            (db::dict, incremental rehash)
//! ```
//!
//! A new hash is a listpack. It becomes a hashtable, for good (Redis never converts back),
//! when a write would make it hold more than `hash-max-listpack-entries` (512) pairs, or when
//! a field or value longer than `hash-max-listpack-value` (64 bytes) is written, or when the
//! listpack would pass 1 GiB ([`LISTPACK_MAX_SAFETY_SIZE`]). Both limits come from the config
//! at the time of the write ([`Limits`]), so `CONFIG SET` affects only later writes.
//!
//! Worked example (defaults): `HSET h a 1 b 2` is a 6-byte header + `81 a 02` `01 01`
//! `81 b 02` `02 01` + `FF`: 17 bytes in one allocation, where a hashtable would take a
//! bucket array and two heap nodes of 40 bytes each plus their strings. `HSET h c <65 bytes>`
//! converts it: every pair moves into a dict presized for the pairs it holds.
//!
//! # Values read back
//!
//! A listpack stores a canonical decimal integer (`"100"`) as the integer, so reads return a
//! [`Entry`]: `Entry::Str(bytes)` or `Entry::Int(n)`, exactly Redis's `vstr`/`vll` pair;
//! the hashtable always answers `Entry::Str`. Callers reply or compare through that type and
//! never allocate to read a field.
//!
//! # Memory (64-bit)
//!
//! `size_of::<HashValue>()` is 16: the listpack's boxed buffer, or a box holding the dict (a
//! unit test checks it), held inline in the key's object. A small hash costs one allocation,
//! its listpack buffer (sized exactly, rounded up by jemalloc as Redis's is); Redis adds a
//! separate 16-byte `robj`. `HSET h a 1 b 2` is 17 bytes in a 32-byte jemalloc class here,
//! against 32 + 16 in Redis.

use super::dict::{self, Dict};
use super::listpack::{Entry, Listpack};

/// 1 GiB: no listpack may grow past this, Redis's `LISTPACK_MAX_SAFETY_SIZE`.
pub const LISTPACK_MAX_SAFETY_SIZE: usize = 1 << 30;

/// 512 pairs, the default of `hash-max-listpack-entries` (Redis's config.c).
pub const DEFAULT_MAX_LISTPACK_ENTRIES: usize = 512;

/// 64 bytes, the default of `hash-max-listpack-value` (Redis's config.c).
pub const DEFAULT_MAX_LISTPACK_VALUE: usize = 64;

/// The configured conversion thresholds, read from the config for each write.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// `hash-max-listpack-entries`: most pairs a listpack holds.
    pub max_entries: usize,
    /// `hash-max-listpack-value`: longest field or value (bytes) a listpack holds.
    pub max_value: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: DEFAULT_MAX_LISTPACK_ENTRIES,
            max_value: DEFAULT_MAX_LISTPACK_VALUE,
        }
    }
}

/// The dict of the `hashtable` encoding: field -> value.
pub type Table = Dict<Box<[u8]>>;

/// A hash value: a listpack of field/value pairs, or a dict once it outgrew the listpack.
#[derive(Clone, Debug)]
pub struct HashValue {
    repr: Repr,
}

#[derive(Clone, Debug)]
enum Repr {
    Listpack(Listpack),
    Table(Box<Table>),
}

impl Default for HashValue {
    fn default() -> Self {
        HashValue::new()
    }
}

impl HashValue {
    /// An empty hash, listpack-encoded (Redis's createHashObject).
    pub fn new() -> HashValue {
        HashValue {
            repr: Repr::Listpack(Listpack::new()),
        }
    }

    /// A hash over a listpack already validated as field/value pairs (RDB load).
    pub fn from_listpack(lp: Listpack) -> HashValue {
        HashValue {
            repr: Repr::Listpack(lp),
        }
    }

    /// A hashtable-encoded hash over `table` (RDB load of a big hash).
    pub fn from_table(table: Table) -> HashValue {
        HashValue {
            repr: Repr::Table(Box::new(table)),
        }
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding_name(&self) -> &'static str {
        match self.repr {
            Repr::Listpack(_) => "listpack",
            Repr::Table(_) => "hashtable",
        }
    }

    /// Number of fields (Redis's hashTypeLength).
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Listpack(lp) => lp.len() / 2,
            Repr::Table(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The listpack, when that is the encoding (RDB, DEBUG, MEMORY USAGE).
    pub fn as_listpack(&self) -> Option<&Listpack> {
        match &self.repr {
            Repr::Listpack(lp) => Some(lp),
            Repr::Table(_) => None,
        }
    }

    /// The dict, when that is the encoding (RDB, DEBUG, MEMORY USAGE).
    pub fn as_table(&self) -> Option<&Table> {
        match &self.repr {
            Repr::Listpack(_) => None,
            Repr::Table(t) => Some(t),
        }
    }

    /// The value of `field` (Redis's hashTypeGetValue).
    pub fn get(&self, field: &[u8]) -> Option<Entry<'_>> {
        match &self.repr {
            Repr::Listpack(lp) => {
                let f = lp.find(field, 1)?;
                lp.next(f).map(|v| lp.get(v))
            }
            Repr::Table(t) => t.get(field).map(|v| Entry::Str(v)),
        }
    }

    /// Whether `field` exists (Redis's hashTypeExists).
    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Length of the value of `field` as a string, 0 when absent (hashTypeGetValueLength).
    pub fn value_len(&self, field: &[u8]) -> usize {
        self.get(field).map_or(0, |e| e.str_len())
    }

    /// Converts to a hashtable before a write of `args` (fields and values) if any is longer
    /// than `max_value`, or if adding them all could push the listpack past 1 GiB: Redis's
    /// hashTypeTryConversion, run before HSET/HSETNX touch the hash.
    pub fn try_conversion<'a>(
        &mut self,
        args: impl IntoIterator<Item = &'a [u8]>,
        max_value: usize,
    ) {
        let Repr::Listpack(lp) = &self.repr else {
            return;
        };
        let lp_bytes = lp.bytes_len();
        let mut sum = 0usize;
        for a in args {
            if a.len() > max_value {
                self.convert_to_table();
                return;
            }
            sum = sum.saturating_add(a.len());
        }
        if lp_bytes.saturating_add(sum) > LISTPACK_MAX_SAFETY_SIZE {
            self.convert_to_table();
        }
    }

    /// Sets `field` to `value`: Redis's hashTypeSet. Returns true when the field existed (an
    /// update), false when it was added. A listpack converts first when the field or the
    /// value is longer than `limits.max_value`, and after the write when it holds more than
    /// `limits.max_entries` pairs.
    pub fn set(&mut self, field: &[u8], value: &[u8], limits: Limits) -> bool {
        if matches!(self.repr, Repr::Listpack(_))
            && (field.len() > limits.max_value || value.len() > limits.max_value)
        {
            self.convert_to_table();
        }
        match &mut self.repr {
            Repr::Listpack(lp) => {
                let updated = match lp.find(field, 1).and_then(|f| lp.next(f)) {
                    Some(v) => {
                        lp.replace(v, value);
                        true
                    }
                    None => {
                        lp.push_back_many(&[field, value]);
                        false
                    }
                };
                if lp.len() / 2 > limits.max_entries {
                    self.convert_to_table();
                }
                updated
            }
            Repr::Table(t) => match t.get_mut(field) {
                Some(v) => {
                    *v = value.into();
                    true
                }
                None => {
                    t.insert(field, value.into());
                    false
                }
            },
        }
    }

    /// Removes `field`; true if it was there (Redis's hashTypeDelete). A hashtable shrinks
    /// its buckets when it falls under 10% full, as Redis checks after every delete.
    pub fn delete(&mut self, field: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Listpack(lp) => match lp.find(field, 1) {
                Some(f) => {
                    lp.delete_run(f, 2);
                    true
                }
                None => false,
            },
            Repr::Table(t) => {
                let removed = t.remove(field).is_some();
                if removed {
                    t.shrink_to_fit_if_needed();
                }
                removed
            }
        }
    }

    /// Moves every pair into a dict presized for them (Redis's hashTypeConvertListpack). A
    /// hashtable stays as it is.
    pub fn convert_to_table(&mut self) {
        let Repr::Listpack(lp) = &self.repr else {
            return;
        };
        let mut t = Table::with_capacity(lp.len() / 2);
        let mut it = lp.iter();
        let mut scratch = [0u8; 20];
        while let (Some(f), Some(v)) = (it.next(), it.next()) {
            t.insert(f.as_bytes(&mut scratch), v.to_vec().into_boxed_slice());
        }
        self.repr = Repr::Table(Box::new(t));
    }

    /// Every (field, value) pair: listpack order, or the dict's table order.
    pub fn iter(&self) -> Iter<'_> {
        match &self.repr {
            Repr::Listpack(lp) => Iter::Listpack(lp.iter()),
            Repr::Table(t) => Iter::Table(t.iter()),
        }
    }

    /// One random pair, or None when empty (Redis's hashTypeRandomElement): a uniformly
    /// chosen pair of the listpack, or the dict's fair random entry.
    pub fn random_pair(&self) -> Option<(Entry<'_>, Entry<'_>)> {
        match &self.repr {
            Repr::Listpack(lp) => {
                let n = lp.len() / 2;
                if n == 0 {
                    return None;
                }
                let f = lp.seek((random_below(n) * 2) as i64)?;
                let v = lp.next(f)?;
                Some((lp.get(f), lp.get(v)))
            }
            Repr::Table(t) => t
                .random_entry()
                .map(|(k, v)| (Entry::Str(k), Entry::Str(v))),
        }
    }

    /// `count` random pairs of a listpack-encoded hash, repeats allowed, in the order drawn,
    /// passed to `f` (Redis's lpRandomPairs: draw the indexes, sort them, then fetch them
    /// in one walk). Does nothing for a hashtable or an empty hash.
    pub fn listpack_random_pairs(&self, count: usize, mut f: impl FnMut(Entry<'_>, Entry<'_>)) {
        let Repr::Listpack(lp) = &self.repr else {
            return;
        };
        let n = lp.len() / 2;
        if n == 0 || count == 0 {
            return;
        }
        // (pair index, draw order)
        let mut picks: Vec<(usize, usize)> = (0..count).map(|i| (random_below(n), i)).collect();
        picks.sort_unstable();
        let mut out: Vec<(Entry<'_>, Entry<'_>)> = vec![(Entry::Int(0), Entry::Int(0)); count];
        let mut it = lp.iter();
        let mut pair = 0usize;
        let mut next = picks.iter().peekable();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            while let Some(&&(idx, order)) = next.peek() {
                if idx != pair {
                    break;
                }
                out[order] = (k, v);
                next.next();
            }
            if next.peek().is_none() {
                break;
            }
            pair += 1;
        }
        for (k, v) in out {
            f(k, v);
        }
    }

    /// Up to `count` distinct random pairs of a listpack-encoded hash, in listpack order
    /// (Redis's lpRandomPairsUnique: one walk, taking each pair with probability
    /// remaining-wanted / remaining-unvisited). Returns how many were passed to `f`. Does
    /// nothing for a hashtable.
    pub fn listpack_random_pairs_unique(
        &self,
        count: usize,
        mut f: impl FnMut(Entry<'_>, Entry<'_>),
    ) -> usize {
        let Repr::Listpack(lp) = &self.repr else {
            return 0;
        };
        let total = lp.len() / 2;
        let count = count.min(total);
        let mut picked = 0usize;
        let mut index = 0usize;
        let mut it = lp.iter();
        while picked < count {
            let (Some(k), Some(v)) = (it.next(), it.next()) else {
                break;
            };
            let threshold = (count - picked) as f64 / (total - index) as f64;
            if random_unit() <= threshold {
                f(k, v);
                picked += 1;
            }
            index += 1;
        }
        picked
    }

    /// One HSCAN step over a hashtable (Redis's dictScan): calls `f` for the pairs under
    /// `cursor` and returns the next cursor. A listpack has no cursor: callers return it
    /// whole with [`HashValue::iter`]; here it returns 0 without calling `f`.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&[u8], &[u8])) -> u64 {
        match &self.repr {
            Repr::Listpack(_) => 0,
            Repr::Table(t) => t.scan(cursor, |k, v| f(k, v)),
        }
    }
}

/// A uniform random integer in `0..n` (`n > 0`), as Redis's `rand() % n`.
fn random_below(n: usize) -> usize {
    (dict::random_u64() % n as u64) as usize
}

/// A random double in [0, 1], as Redis's `(double)rand() / RAND_MAX`.
fn random_unit() -> f64 {
    (dict::random_u64() >> 11) as f64 / ((1u64 << 53) - 1) as f64
}

/// Iterator over a hash's (field, value) pairs; see [`HashValue::iter`].
pub enum Iter<'a> {
    Listpack(super::listpack::Iter<'a>),
    Table(dict::Iter<'a, Box<[u8]>>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (Entry<'a>, Entry<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Listpack(it) => {
                let k = it.next()?;
                let v = it.next()?;
                Some((k, v))
            }
            Iter::Table(it) => it.next().map(|(k, v)| (Entry::Str(k), Entry::Str(&v[..]))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Limits {
        Limits {
            max_entries: 4,
            max_value: 8,
        }
    }

    fn bytes(e: Entry<'_>) -> Vec<u8> {
        e.to_vec()
    }

    #[test]
    fn stays_small() {
        assert!(std::mem::size_of::<HashValue>() <= 24);
        assert_eq!(std::mem::size_of::<HashValue>(), 16);
    }

    #[test]
    fn listpack_layout_is_field_value_pairs() {
        let mut h = HashValue::new();
        assert!(!h.set(b"a", b"1", Limits::default()));
        assert!(!h.set(b"b", b"2", Limits::default()));
        let lp = h.as_listpack().expect("listpack");
        assert_eq!(lp.bytes_len(), 6 + 3 + 2 + 3 + 2 + 1);
        assert_eq!(lp.to_vecs(), [&b"a"[..], b"1", b"b", b"2"]);
        assert_eq!(h.get(b"b"), Some(Entry::Int(2)));
        // A value equal to a field name is not a field.
        assert_eq!(h.get(b"1"), None);
        assert!(h.set(b"a", b"hello", Limits::default()));
        assert_eq!(h.get(b"a"), Some(Entry::Str(b"hello")));
        assert_eq!(h.len(), 2);
        assert_eq!(h.value_len(b"a"), 5);
        assert_eq!(h.value_len(b"b"), 1);
        assert_eq!(h.value_len(b"zz"), 0);
    }

    #[test]
    fn converts_past_entries_and_never_back() {
        let mut h = HashValue::new();
        for i in 0..4 {
            h.set(format!("f{i}").as_bytes(), b"v", small());
        }
        assert_eq!(h.encoding_name(), "listpack");
        h.set(b"f4", b"v", small());
        assert_eq!(h.encoding_name(), "hashtable");
        assert_eq!(h.len(), 5);
        for i in 0..5 {
            assert!(h.delete(format!("f{i}").as_bytes()));
        }
        assert!(h.is_empty());
        assert_eq!(h.encoding_name(), "hashtable");
    }

    #[test]
    fn converts_on_long_field_or_value() {
        let mut h = HashValue::new();
        h.set(b"f", b"12345678", small());
        assert_eq!(h.encoding_name(), "listpack");
        h.set(b"f", b"123456789", small());
        assert_eq!(h.encoding_name(), "hashtable");
        assert_eq!(h.get(b"f"), Some(Entry::Str(b"123456789")));

        let mut h = HashValue::new();
        h.set(b"123456789", b"v", small());
        assert_eq!(h.encoding_name(), "hashtable");

        let mut h = HashValue::new();
        h.set(b"a", b"1", small());
        h.try_conversion([&b"b"[..], b"123456789"], small().max_value);
        assert_eq!(h.encoding_name(), "hashtable");
        assert_eq!(h.get(b"a"), Some(Entry::Str(b"1")));
    }

    #[test]
    fn delete_and_iterate_both_encodings() {
        for limits in [Limits::default(), small()] {
            let mut h = HashValue::new();
            for i in 0..10 {
                h.set(
                    format!("f{i}").as_bytes(),
                    format!("{}", i * 100).as_bytes(),
                    limits,
                );
            }
            assert!(h.delete(b"f3"));
            assert!(!h.delete(b"f3"));
            assert!(!h.delete(b"nope"));
            let mut pairs: Vec<(Vec<u8>, Vec<u8>)> =
                h.iter().map(|(k, v)| (bytes(k), bytes(v))).collect();
            pairs.sort();
            assert_eq!(pairs.len(), 9);
            assert_eq!(pairs[0], (b"f0".to_vec(), b"0".to_vec()));
            assert_eq!(pairs[8], (b"f9".to_vec(), b"900".to_vec()));
            assert_eq!(h.len(), 9);
        }
    }

    #[test]
    fn random_picks() {
        let mut h = HashValue::new();
        assert!(h.random_pair().is_none());
        for i in 0..10 {
            h.set(
                format!("f{i}").as_bytes(),
                format!("v{i}").as_bytes(),
                Limits::default(),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let (k, v) = h.random_pair().expect("non-empty");
            assert_eq!(bytes(h.get(&bytes(k)).expect("a field")), bytes(v));
            seen.insert(bytes(k));
        }
        assert_eq!(seen.len(), 10);

        let mut got = Vec::new();
        h.listpack_random_pairs(25, |k, v| got.push((bytes(k), bytes(v))));
        assert_eq!(got.len(), 25);
        for (k, v) in &got {
            assert_eq!(bytes(h.get(k).expect("a field")), *v);
        }

        for want in [0, 1, 3, 10, 20] {
            let mut got = Vec::new();
            let n = h.listpack_random_pairs_unique(want, |k, _| got.push(bytes(k)));
            assert_eq!(n, want.min(10));
            assert_eq!(got.len(), n);
            let uniq: std::collections::HashSet<_> = got.iter().collect();
            assert_eq!(uniq.len(), n);
        }
    }

    #[test]
    fn scan_visits_every_field() {
        let mut h = HashValue::new();
        for i in 0..600 {
            h.set(format!("f{i}").as_bytes(), b"v", Limits::default());
        }
        assert_eq!(h.encoding_name(), "hashtable");
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        loop {
            cursor = h.scan(cursor, |k, _| {
                seen.insert(k.to_vec());
            });
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(seen.len(), 600);
    }
}
