//! The keyspace hash table: Redis's `dict.c`, in safe Rust.
//!
//! [`Dict`] maps byte-string keys to values of any type. It holds each db's keyspace (values are
//! server objects), each db's expires table (values are absolute unix times in ms, `i64`), and
//! the hash-table encodings of the hash and set types (values are bytes, or `()`).
//!
//! # Structure
//!
//! A table is an array of buckets whose length is a power of two, so the bucket of a key is
//! `hash(key) & (size - 1)`. Colliding keys are chained: a bucket holds a singly linked list of
//! entries, one heap node per entry holding the key, the value and the link to the next node.
//! New keys are appended at the end of their chain (we walked it anyway to check the key is
//! absent; Redis pushes at the head, which only changes the order chains are read in).
//!
//! A dict owns **two** tables. Normally only `tables[0]` is in use. When it must grow or shrink,
//! a table of the new size is allocated as `tables[1]` and the entries move across *a bucket at a
//! time* (incremental rehash), so no single command pays for moving millions of keys. While that
//! goes on, `rehash_idx` is the next old bucket to move; every old bucket below it is empty.
//! Here a 4-bucket table grows to 8 and buckets 0 and 1 have moved already:
//!
//! ```text
//!   tables[0] (old, 4 buckets)               tables[1] (new, 8 buckets)
//!   +---+                                    +---+
//!   | 0 | -> x  (moved)                      | 0 | -> x
//!   | 1 | -> x  (moved)                      | 1 | -> ["k5"|v|*]-->["k1"|v|x]
//!   | 2 | -> ["k2"|v|*]-->["k6"|v|x]         | 2 | -> x
//!   | 3 | -> ["k3"|v|x]                      | 3 | -> x
//!   +---+                                    | 4 | -> ["k4"|v|x]
//!     ^ rehash_idx = 2: next bucket to move  | 5 | -> x
//!                                            | 6 | -> x
//!   ["key"|value|next] is one heap node      | 7 | -> x
//!                                            +---+
//!   A lookup reads bucket h&3 of tables[0] (if >= rehash_idx), then bucket h&7 of
//!   tables[1]. New keys go to tables[1].
//! ```
//!
//! Every insert, remove, `get_mut` and entry call moves one bucket first (as Redis's
//! `_dictRehashStep` does on each `dictFind`/`dictAdd`/`dictDelete`; our `get` takes `&self` and
//! does not), and the server's cron calls [`Dict::rehash_for_millis`] (`activerehashing`, 1 ms
//! per db per tick in Redis) so an idle dict finishes too. When the last old bucket is empty,
//! `tables[1]` becomes `tables[0]`. A step also skips at most ten empty buckets per bucket asked
//! for, so one step is bounded even in a sparse table.
//!
//! # When the size changes
//!
//! * **Grow** on insert when `used >= size` (load factor 1), to the power of two above `used`:
//!   a full 4-bucket table goes to 8, a full 1024 to 2048. While a forked child (BGSAVE,
//!   BGREWRITEAOF) runs, every page the parent writes is copied, and moving every entry of a big
//!   table writes every node; so the server turns resizing off ([`Dict::set_resize_allowed`] per
//!   dict, [`set_global_resize_allowed`] for all, Redis's `dict_can_resize`) and the table grows
//!   only when chains average more than [`FORCE_RESIZE_RATIO`] (5) entries.
//! * **Shrink** when the server asks ([`Dict::shrink_to_fit_if_needed`], from cron or after
//!   deleting from a hash/set) and fewer than [`MIN_FILL_PERCENT`] (10%) of the buckets would be
//!   used: to the power of two at or above `used`, never below [`INITIAL_SIZE`] (4). Shrinking
//!   moves a chain without rehashing its keys: old bucket `i` lands in new bucket `i & new_mask`.
//!
//! # SCAN: the reverse-binary cursor
//!
//! SCAN must return every key present for the whole scan at least once, with a cursor that is a
//! single integer and no server-side state, while the table may grow, shrink or be mid-rehash
//! between calls. [`Dict::scan`] uses Pieter Noordhuis's cursor from `dictScan`: it counts with
//! the bits of the bucket index **reversed**, so it advances the high bits first. For 8 buckets
//! (mask `111`) the buckets are visited in the order
//!
//! ```text
//!   cursor  0=000  4=100  2=010  6=110  1=001  5=101  3=011  7=111  -> 0 (done)
//! ```
//!
//! Why: when a table doubles, the keys of old bucket `b` split between new buckets `b` and
//! `b + size`; the two differ only in the new *top* bit. Visiting by reversed index means that
//! when the low bits `b` have been done, every expansion of `b` has been done too.
//!
//! Worked example, 8 buckets growing to 16. The scan visits 8-buckets 0 and 4 and returns cursor
//! 2. The table then grows to 16. Keys that were in 8-bucket 0 are now in 16-buckets 0 and 8;
//! those of 4 in 4 and 12. Continuing with cursor 2 in the 16-bucket table visits
//!
//! ```text
//!   2 10 6 14 1 9 5 13 3 11 7 15 -> 0      (0 8 4 12 are skipped: already seen as 0 and 4)
//! ```
//!
//! which is exactly the rest of the table, with no repeats. A plain counter would not survive a
//! shrink: after buckets 0..9 of 16 (cursor 10), a shrink to 8 leaves the keys of 16-buckets
//! 10..15 in 8-buckets 2..7, and cursor 10 would say "done". With the reversed cursor, after
//! 16-buckets 0 8 4 12 the cursor is 2 (`0010`); in the 8-bucket table it visits 2 6 1 5 3 7,
//! and each of those holds only the keys of two unseen 16-buckets. Shrinking can cause repeats
//! (a scan that stopped after 16-buckets 0 8 4 has cursor 12, i.e. 8-bucket 4, whose keys from
//! 16-bucket 4 are returned again) but never misses.
//!
//! During a rehash there are two tables: the call visits the cursor's bucket in the *smaller*
//! table and then every bucket of the larger table that expands it (cursor 2 with tables of 8
//! and 16: small bucket 2, large buckets 2 and 10; next cursor 6), which reduces to the
//! one-table case. A call can therefore return a few buckets' worth of keys.
//!
//! # Random sampling
//!
//! [`Dict::sample`] is `dictGetSomeKeys`: from a random bucket, walk consecutive buckets (both
//! tables during a rehash) collecting whole chains, jumping ahead after a run of empty buckets,
//! for at most `10 * count` buckets. The active expire cycle and eviction use it; it may return
//! fewer than `count` entries. Unlike Redis's, it never returns an entry twice in one call (the
//! walk goes at most once round the table, and jumps only forward into the unwalked part), so
//! callers may delete what it returns without checking for repeats. [`Dict::random_entry`] is `dictGetFairRandomKey`: sample 15 and
//! pick one, which is fairer than picking a random bucket and then a random chain member (that
//! favours keys alone in their bucket); if the sample comes back empty it falls back to that.
//! The random numbers come from a per-thread splitmix64 generator seeded from the OS (through
//! `RandomState`), the time and the pid; they need to be fast, not unpredictable.
//!
//! # Hashing
//!
//! Keys are hashed with std's `RandomState` (SipHash-1-3 keyed with 128 random bits, one key per
//! process), as Redis uses SipHash with a random per-process seed: clients choose the keys, and
//! an unkeyed hash would let them put every key in one chain (hash flooding).
//!
//! # Memory per entry (64-bit)
//!
//! An entry is one node, `Entry<V>` = key [`InlineBytes`] (16 bytes: a key of up to 15 bytes is
//! stored right there, a longer one in its own allocation) + `V` + next pointer (8 bytes), plus
//! its share of the bucket array (8 bytes per bucket, 1 to 2 buckets per entry after a growth).
//! For the keyspace `V` is a 24-byte object, so a key of up to 15 bytes holding a string of up
//! to 15 bytes is one 48-byte node and nothing else: 48 + 8..16 bytes, where Redis 7.0 spends
//! 32 (dictEntry) + 16 (key sds) + 32 (robj with embstr) + 8..16. A sorted set's member ->
//! score entry is 32 bytes, a set member 24 (jemalloc rounds it to 32). A unit test checks the
//! sizes.
//!
//! # Differences from dict.c
//!
//! * Redis pauses rehashing while a "safe" iterator or a scan callback runs; here the borrow
//!   checker makes that unnecessary: `iter`, `scan` and `sample` take `&self`.
//! * No `dictType` callbacks: keys are always byte strings compared by content; values are
//!   dropped by Rust.
//! * Table allocation for growth is fallible (as `dictTryExpand`): when memory for a bigger
//!   table cannot be had, the dict keeps working at a higher load factor instead of aborting.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::fmt::{self, Write as _};
use std::hash::{BuildHasher, Hasher};
use std::iter::{Chain, FusedIterator};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use std::{mem, slice, vec};

use super::inline_bytes::InlineBytes;

/// Buckets in a newly created table, and the smallest a table shrinks to. Redis's
/// `DICT_HT_INITIAL_SIZE`.
pub const INITIAL_SIZE: usize = 4;

/// Average chain length (entries per bucket) above which a table grows even while resizing is
/// disallowed. Redis's `dict_force_resize_ratio`.
pub const FORCE_RESIZE_RATIO: usize = 5;

/// Percent of buckets in use below which [`Dict::shrink_to_fit_if_needed`] shrinks the table.
/// Redis's `HASHTABLE_MIN_FILL` (server.h), as tested by `htNeedsResize`.
pub const MIN_FILL_PERCENT: usize = 10;

/// Empty buckets a rehash may skip per bucket it was asked to move. Redis's `empty_visits = n*10`
/// in `dictRehash`.
const EMPTY_VISITS_PER_STEP: usize = 10;

/// Buckets moved between clock checks in [`Dict::rehash_for_millis`]. Redis's
/// `dictRehash(d,100)` in `dictRehashMilliseconds`.
const REHASH_BATCH: usize = 100;

/// Entries sampled by [`Dict::random_entry`] before picking one. Redis's `GETFAIR_NUM_ENTRIES`.
const FAIR_SAMPLE_SIZE: usize = 15;

/// Buckets [`Dict::sample`] may visit per entry asked for. Redis's `maxsteps = count*10` in
/// `dictGetSomeKeys`.
const SAMPLE_STEPS_PER_ENTRY: usize = 10;

/// Consecutive empty buckets after which [`Dict::sample`] jumps ahead to a random bucket (when
/// that is also more than the number of entries asked for). Redis's `emptylen >= 5` in
/// `dictGetSomeKeys`.
const SAMPLE_EMPTY_RUN: usize = 5;

/// Length of the chain-length histogram in [`Dict::stats`]; longer chains are counted in the
/// last slot, which is not printed. Redis's `DICT_STATS_VECTLEN`.
const STATS_VECTLEN: usize = 50;

/// Process-wide resize switch, Redis's `dict_can_resize`: the server clears it while a forked
/// child runs (`updateDictResizePolicy`), which covers every dict including those inside hash and
/// set values.
static GLOBAL_RESIZE_ALLOWED: AtomicBool = AtomicBool::new(true);

/// Allows or forbids voluntary resizing of every dict in the process (Redis's
/// `dictEnableResize`/`dictDisableResize`). Growth past [`FORCE_RESIZE_RATIO`] still happens.
/// A dict resizes only if both this and its own [`Dict::set_resize_allowed`] allow it.
pub fn set_global_resize_allowed(allowed: bool) {
    GLOBAL_RESIZE_ALLOWED.store(allowed, Ordering::Relaxed);
}

/// Whether voluntary resizing is allowed process-wide; see [`set_global_resize_allowed`].
pub fn global_resize_allowed() -> bool {
    GLOBAL_RESIZE_ALLOWED.load(Ordering::Relaxed)
}

/// A bucket, or the `next` field of an entry: the rest of a chain.
type Link<V> = Option<Box<Entry<V>>>;

/// One key/value pair, the node of a bucket's chain: a single allocation (a key longer than
/// [`INLINE_MAX`](super::inline_bytes::INLINE_MAX) bytes has a second one, owned by `key`).
#[derive(Clone)]
struct Entry<V> {
    key: InlineBytes,
    value: V,
    next: Link<V>,
}

/// One of the two tables. `buckets` is a boxed slice, not a `Vec`: its length never changes, and
/// it saves the capacity word.
#[derive(Clone)]
struct Table<V> {
    /// Empty (no allocation) or a power of two in length.
    buckets: Box<[Link<V>]>,
    /// Entries in this table.
    used: usize,
}

impl<V> Table<V> {
    fn empty() -> Self {
        Table {
            buckets: Box::default(),
            used: 0,
        }
    }

    fn size(&self) -> usize {
        self.buckets.len()
    }

    /// `size - 1`; only meaningful for an allocated table.
    fn mask(&self) -> usize {
        self.buckets.len().wrapping_sub(1)
    }

    /// Bucket of `hash`. In bounds for an allocated table since the size is a power of two.
    fn index(&self, hash: u64) -> usize {
        (hash as usize) & self.mask()
    }
}

/// Where a key is, or would go: the link that holds its entry (`Some`) or the empty end of the
/// chain it would be appended to (`None`), and the `used` counter of that link's table.
struct Slot<'a, V> {
    link: &'a mut Link<V>,
    used: &'a mut usize,
}

/// A hash table from byte-string keys to `V`, with incremental rehash, reverse-binary SCAN
/// cursors and random sampling, as Redis's `dict`. See the module documentation.
#[derive(Clone)]
pub struct Dict<V> {
    /// `tables[0]` is the table in use; `tables[1]` is allocated only during a rehash.
    tables: [Table<V>; 2],
    /// During a rehash, the next bucket of `tables[0]` to move (all below it are empty).
    rehash_idx: Option<usize>,
    /// This dict's own resize switch; see [`Dict::set_resize_allowed`].
    resize_allowed: bool,
}

impl<V> Default for Dict<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V> Dict<V> {
    /// An empty dict. Allocates nothing until the first insert.
    pub fn new() -> Self {
        Dict {
            tables: [Table::empty(), Table::empty()],
            rehash_idx: None,
            resize_allowed: true,
        }
    }

    /// An empty dict with buckets for `n` entries (the power of two at or above `n`), like
    /// `dictExpand` right after `dictCreate`. If that much memory cannot be had, it starts empty.
    pub fn with_capacity(n: usize) -> Self {
        let mut d = Self::new();
        if n > 0 {
            d.expand(n);
        }
        d
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.tables[0].used + self.tables[1].used
    }

    /// Whether the dict has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of `key`. Does no rehash step.
    pub fn get(&self, key: &[u8]) -> Option<&V> {
        self.find(key).map(|e| &e.value)
    }

    /// The stored key and the value of `key`. Does no rehash step.
    pub fn get_key_value(&self, key: &[u8]) -> Option<(&[u8], &V)> {
        self.find(key).map(|e| (&*e.key, &e.value))
    }

    /// Whether `key` is present. Does no rehash step.
    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.find(key).is_some()
    }

    /// The value of `key`, mutably. Does one rehash step when rehashing.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut V> {
        if self.is_empty() {
            return None;
        }
        self.rehash_step();
        let Slot { link, .. } = self.slot(key, hash_key(key));
        link.as_deref_mut().map(|e| &mut e.value)
    }

    /// Inserts `key` with `value`. If the key was present, its value is replaced (the stored key
    /// is kept and the `key` passed in is dropped) and the old value returned, as `dictReplace`.
    /// Does one rehash step when rehashing, and may start a growth.
    pub fn insert(&mut self, key: impl Into<InlineBytes>, value: V) -> Option<V> {
        let key: InlineBytes = key.into();
        self.prepare_insert();
        let Slot { link, used } = self.slot(&key, hash_key(&key));
        if let Some(entry) = link {
            return Some(mem::replace(&mut entry.value, value));
        }
        *link = Some(Box::new(Entry {
            key,
            value,
            next: None,
        }));
        *used += 1;
        None
    }

    /// Inserts `key` with `value` only if the key is absent, as `dictAdd`. Returns `false` when
    /// the key was present: the table is unchanged and the rejected `key` and `value` are
    /// dropped (use [`Dict::try_insert`] to get them back).
    pub fn insert_new(&mut self, key: impl Into<InlineBytes>, value: V) -> bool {
        self.try_insert(key, value).is_ok()
    }

    /// Inserts `key` with `value` only if the key is absent, returning the new value; when the
    /// key is present the table is unchanged and the pair comes back in `Err`.
    pub fn try_insert(
        &mut self,
        key: impl Into<InlineBytes>,
        value: V,
    ) -> Result<&mut V, (InlineBytes, V)> {
        let key: InlineBytes = key.into();
        self.prepare_insert();
        let Slot { link, used } = self.slot(&key, hash_key(&key));
        if link.is_some() {
            return Err((key, value));
        }
        *used += 1;
        let entry = link.insert(Box::new(Entry {
            key,
            value,
            next: None,
        }));
        Ok(&mut entry.value)
    }

    /// The value of `key`, inserting `f()` first if the key is absent. The key bytes are copied
    /// only when inserted. Does one rehash step when rehashing, and may start a growth.
    pub fn entry_or_insert_with(&mut self, key: &[u8], f: impl FnOnce() -> V) -> &mut V {
        self.prepare_insert();
        let Slot { link, used } = self.slot(key, hash_key(key));
        if link.is_none() {
            *used += 1;
        }
        let entry = link.get_or_insert_with(|| {
            Box::new(Entry {
                key: key.into(),
                value: f(),
                next: None,
            })
        });
        &mut entry.value
    }

    /// Removes `key`, returning the stored key and its value. Does one rehash step when
    /// rehashing. Never shrinks the table; see [`Dict::shrink_to_fit_if_needed`].
    pub fn remove(&mut self, key: &[u8]) -> Option<(InlineBytes, V)> {
        if self.is_empty() {
            return None;
        }
        self.rehash_step();
        let Slot { link, used } = self.slot(key, hash_key(key));
        let mut entry = link.take()?;
        *link = entry.next.take();
        *used -= 1;
        let Entry { key, value, .. } = *entry;
        Some((key, value))
    }

    /// Removes every entry and frees both tables, as `dictEmpty`. The resize switch is kept.
    pub fn clear(&mut self) {
        self.tables = [Table::empty(), Table::empty()];
        self.rehash_idx = None;
    }

    /// All entries, in table order (no particular order). Exact-size.
    pub fn iter(&self) -> Iter<'_, V> {
        let [t0, t1] = &self.tables;
        Iter {
            buckets: t0.buckets.iter().chain(t1.buckets.iter()),
            entry: None,
            remaining: self.len(),
        }
    }

    /// All entries with mutable values, in table order. Exact-size.
    pub fn iter_mut(&mut self) -> IterMut<'_, V> {
        let remaining = self.len();
        let [t0, t1] = &mut self.tables;
        IterMut {
            buckets: t0.buckets.iter_mut().chain(t1.buckets.iter_mut()),
            entry: None,
            remaining,
        }
    }

    /// Keeps only the entries for which `f` returns `true` (it may also change the values).
    /// Does no rehash step and never shrinks the table.
    pub fn retain(&mut self, mut f: impl FnMut(&[u8], &mut V) -> bool) {
        for table in &mut self.tables {
            let Table { buckets, used } = table;
            for bucket in buckets.iter_mut() {
                // Unlink the whole chain, then put back the entries kept, in order.
                let mut rest = bucket.take();
                let mut tail = bucket;
                while let Some(mut entry) = rest {
                    rest = entry.next.take();
                    if f(&entry.key, &mut entry.value) {
                        tail = &mut tail.insert(entry).next;
                    } else {
                        *used -= 1;
                    }
                }
            }
        }
    }

    /// One SCAN step, as `dictScan`: calls `f` for every entry of the bucket(s) under `cursor`
    /// and returns the next cursor, 0 when the scan is complete. Start with 0. Every entry
    /// present from the first call to the last is passed to `f` at least once, whatever resizing
    /// and rehashing happen between calls; some may be passed more than once. See the module
    /// documentation for how.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&[u8], &V)) -> u64 {
        if self.is_empty() {
            return 0;
        }
        let mut v = cursor;
        let [t0, t1] = &self.tables;
        if self.rehash_idx.is_none() {
            let m0 = t0.mask() as u64;
            emit_chain(&t0.buckets[(v & m0) as usize], &mut f);
            v = next_cursor(v, m0);
        } else {
            let (small, large) = if t0.size() <= t1.size() {
                (t0, t1)
            } else {
                (t1, t0)
            };
            let m0 = small.mask() as u64;
            let m1 = large.mask() as u64;
            emit_chain(&small.buckets[(v & m0) as usize], &mut f);
            // Every bucket of the large table whose low bits are the small table's bucket.
            loop {
                emit_chain(&large.buckets[(v & m1) as usize], &mut f);
                v = next_cursor(v, m1);
                if v & (m0 ^ m1) == 0 {
                    break;
                }
            }
        }
        v
    }

    /// A random entry, or `None` when empty, as `dictGetFairRandomKey`: samples a few entries
    /// with [`Dict::sample`] and picks one of them uniformly.
    pub fn random_entry(&self) -> Option<(&[u8], &V)> {
        if self.is_empty() {
            return None;
        }
        let mut chosen = None;
        let mut seen = 0u64;
        self.sample_entries(FAIR_SAMPLE_SIZE, |e| {
            // Reservoir of one: the k-th sampled entry replaces the choice with probability 1/k.
            seen += 1;
            if random_u64() % seen == 0 {
                chosen = Some(e);
            }
        });
        let e = match chosen {
            Some(e) => e,
            None => self.random_bucket_entry()?,
        };
        Some((&e.key, &e.value))
    }

    /// Calls `f` for up to `count` entries taken from a random stretch of the table, as
    /// `dictGetSomeKeys`, never the same entry twice. Fast, not uniform; it may return fewer than
    /// `count` entries (never more than `len()`), even none on a sparse table.
    pub fn sample(&self, count: usize, mut f: impl FnMut(&[u8], &V)) {
        self.sample_entries(count, |e| f(&e.key, &e.value));
    }

    /// Rehashes for about `ms` milliseconds (in batches of 100 buckets, at least one batch), as
    /// `dictRehashMilliseconds`. Returns `true` if more rehashing remains.
    pub fn rehash_for_millis(&mut self, ms: u64) -> bool {
        if self.rehash_idx.is_none() {
            return false;
        }
        let start = Instant::now();
        let limit = Duration::from_millis(ms);
        while self.rehash(REHASH_BATCH) {
            if start.elapsed() >= limit {
                return true;
            }
        }
        false
    }

    /// Moves up to `n` buckets from the old table to the new one (skipping at most `10 * n`
    /// empty buckets), as `dictRehash`. Returns `true` if more rehashing remains.
    pub fn rehash(&mut self, n: usize) -> bool {
        let Some(mut idx) = self.rehash_idx else {
            return false;
        };
        let mut empty_visits = n.saturating_mul(EMPTY_VISITS_PER_STEP);
        let [old, new] = &mut self.tables;
        let growing = new.size() > old.size();
        let mut steps = n;
        while steps > 0 && old.used != 0 {
            steps -= 1;
            while idx < old.size() && old.buckets[idx].is_none() {
                idx += 1;
                empty_visits = empty_visits.saturating_sub(1);
                if empty_visits == 0 {
                    self.rehash_idx = Some(idx);
                    return true;
                }
            }
            let Some(bucket) = old.buckets.get_mut(idx) else {
                break; // unreachable while old.used != 0
            };
            let mut rest = bucket.take();
            while let Some(mut entry) = rest {
                rest = entry.next.take();
                // Growing: the new bucket depends on more hash bits. Shrinking: the new mask
                // keeps only low bits of the old index, so no need to hash again.
                let j = if growing {
                    new.index(hash_key(&entry.key))
                } else {
                    idx & new.mask()
                };
                let target = &mut new.buckets[j];
                entry.next = target.take();
                *target = Some(entry);
                old.used -= 1;
                new.used += 1;
            }
            idx += 1;
        }
        if old.used == 0 {
            *old = mem::replace(new, Table::empty());
            self.rehash_idx = None;
            false
        } else {
            self.rehash_idx = Some(idx);
            true
        }
    }

    /// Whether a rehash is in progress (two tables in use).
    pub fn is_rehashing(&self) -> bool {
        self.rehash_idx.is_some()
    }

    /// Allows or forbids voluntary resizing of this dict (Redis's `dict_can_resize`, which is
    /// process-wide there; see also [`set_global_resize_allowed`]). While forbidden, the table
    /// still grows when chains average more than [`FORCE_RESIZE_RATIO`] entries, and never
    /// shrinks. A rehash already under way goes on.
    pub fn set_resize_allowed(&mut self, allowed: bool) {
        self.resize_allowed = allowed;
    }

    /// Shrinks the table, as `htNeedsResize` + `dictResize`, when it has more than
    /// [`INITIAL_SIZE`] buckets and fewer than [`MIN_FILL_PERCENT`] percent of them would be in
    /// use; the new size is the power of two at or above `len()`, at least [`INITIAL_SIZE`].
    /// Does nothing while rehashing or while resizing is disallowed. An empty dict is shrunk at
    /// once; otherwise the shrink is an incremental rehash.
    pub fn shrink_to_fit_if_needed(&mut self) {
        if self.rehash_idx.is_some() || !self.can_resize() {
            return;
        }
        let size = self.tables[0].size();
        let used = self.len();
        if size > INITIAL_SIZE && used.saturating_mul(100) / size < MIN_FILL_PERCENT {
            self.expand(used.max(INITIAL_SIZE));
        }
    }

    /// Resizes the table to the power of two at or above `size` (at least [`INITIAL_SIZE`]), as
    /// `dictTryExpand`; used before loading a known number of keys (RDB `RESIZEDB`). Refused
    /// (returns `false`) while rehashing, when `size < len()`, when the size would not change,
    /// or when the memory cannot be had. On an empty dict the new table replaces the old at
    /// once; otherwise an incremental rehash starts.
    pub fn expand(&mut self, size: usize) -> bool {
        if self.rehash_idx.is_some() || self.tables[0].used > size {
            return false;
        }
        let Some(real) = table_size_for(size) else {
            return false;
        };
        if real == self.tables[0].size() {
            return false;
        }
        let Some(buckets) = alloc_buckets(real) else {
            return false;
        };
        let table = Table { buckets, used: 0 };
        if self.tables[0].used == 0 {
            self.tables[0] = table;
        } else {
            self.tables[1] = table;
            self.rehash_idx = Some(0);
        }
        true
    }

    /// Bucket counts of table 0 and table 1 (0 when not rehashing), for DEBUG HTSTATS and INFO.
    pub fn buckets(&self) -> (usize, usize) {
        (self.tables[0].size(), self.tables[1].size())
    }

    /// Human-readable statistics in the format of Redis's `dictGetStats`, as DEBUG HTSTATS
    /// prints under `[Dictionary HT]` / `[Expires HT]`: for table 0 (and table 1 during a
    /// rehash) the size, entries, non-empty buckets, chain lengths and a histogram.
    pub fn stats(&self) -> String {
        let mut out = String::new();
        self.table_stats(0, &mut out);
        if self.rehash_idx.is_some() {
            self.table_stats(1, &mut out);
        }
        out
    }

    fn table_stats(&self, t: usize, out: &mut String) {
        let table = &self.tables[t];
        let name = if t == 0 {
            "main hash table"
        } else {
            "rehashing target"
        };
        if table.used == 0 {
            let _ = write!(
                out,
                "Hash table {t} stats ({name}):\nNo stats available for empty dictionaries\n"
            );
            return;
        }
        let mut histogram = [0usize; STATS_VECTLEN];
        let (mut slots, mut max_chain, mut total_chain) = (0usize, 0usize, 0usize);
        for bucket in table.buckets.iter() {
            let mut len = 0usize;
            let mut cur = bucket.as_deref();
            while let Some(e) = cur {
                len += 1;
                cur = e.next.as_deref();
            }
            histogram[len.min(STATS_VECTLEN - 1)] += 1;
            if len > 0 {
                slots += 1;
                max_chain = max_chain.max(len);
                total_chain += len;
            }
        }
        // Redis computes these in C `float`; f32 gives the same digits.
        let _ = write!(
            out,
            "Hash table {t} stats ({name}):\n table size: {}\n number of elements: {}\n \
             different slots: {slots}\n max chain length: {max_chain}\n \
             avg chain length (counted): {:.2}\n avg chain length (computed): {:.2}\n \
             Chain length distribution:\n",
            table.size(),
            table.used,
            total_chain as f32 / slots as f32,
            table.used as f32 / slots as f32,
        );
        for (len, &n) in histogram.iter().enumerate().take(STATS_VECTLEN - 1) {
            if n != 0 {
                let pct = n as f32 / table.size() as f32 * 100.0;
                let _ = writeln!(out, "   {len}: {n} ({pct:.2}%)");
            }
        }
    }

    fn can_resize(&self) -> bool {
        self.resize_allowed && global_resize_allowed()
    }

    /// `_dictRehashStep`: one bucket, on the operations that take `&mut self`.
    fn rehash_step(&mut self) {
        if self.rehash_idx.is_some() {
            self.rehash(1);
        }
    }

    /// What every insert does first: a rehash step, then growth if needed (`dictAddRaw`).
    /// Afterwards table 0 is allocated, which [`Dict::slot`] relies on.
    fn prepare_insert(&mut self) {
        self.rehash_step();
        self.expand_if_needed();
    }

    /// `_dictExpandIfNeeded`.
    fn expand_if_needed(&mut self) {
        if self.rehash_idx.is_some() {
            return;
        }
        let size = self.tables[0].size();
        if size == 0 {
            if !self.expand(INITIAL_SIZE) {
                // Four buckets could not be had: allocate them the ordinary (aborting) way, as
                // the entry about to be inserted will be.
                self.tables[0].buckets = (0..INITIAL_SIZE).map(|_| None).collect();
            }
            return;
        }
        let used = self.tables[0].used;
        if used >= size && (self.can_resize() || used / size > FORCE_RESIZE_RATIO) {
            self.expand(used.saturating_add(1));
        }
    }

    /// The slot of `key`: its entry's link if present, else the end of the chain where it would
    /// be appended (in table 1 during a rehash). Table 0 must be allocated (the dict non-empty,
    /// or after [`Dict::prepare_insert`]).
    fn slot(&mut self, key: &[u8], hash: u64) -> Slot<'_, V> {
        let rehash_idx = self.rehash_idx;
        let [t0, t1] = &mut self.tables;
        match rehash_idx {
            None => {
                let i = t0.index(hash);
                let Table { buckets, used } = t0;
                Slot {
                    link: find_link(&mut buckets[i], key),
                    used,
                }
            }
            Some(moved) => {
                let i0 = t0.index(hash);
                // Buckets below `moved` are empty: already rehashed.
                if i0 >= moved {
                    let Table { buckets, used } = t0;
                    let link = find_link(&mut buckets[i0], key);
                    if link.is_some() {
                        return Slot { link, used };
                    }
                }
                let i1 = t1.index(hash);
                let Table { buckets, used } = t1;
                Slot {
                    link: find_link(&mut buckets[i1], key),
                    used,
                }
            }
        }
    }

    /// `dictFind` without the rehash step.
    fn find(&self, key: &[u8]) -> Option<&Entry<V>> {
        if self.is_empty() {
            return None;
        }
        let hash = hash_key(key);
        let [t0, t1] = &self.tables;
        let i0 = t0.index(hash);
        if self.rehash_idx.map_or(true, |moved| i0 >= moved) {
            if let Some(e) = find_in_chain(&t0.buckets[i0], key) {
                return Some(e);
            }
        }
        if self.rehash_idx.is_some() {
            return find_in_chain(&t1.buckets[t1.index(hash)], key);
        }
        None
    }

    /// `dictGetSomeKeys`, calling `f` for each entry found; returns how many.
    ///
    /// Unlike Redis's, it never passes the same entry twice: it walks the bucket indices once
    /// round the circle from a random start, and its jumps over empty runs only go forward into
    /// the part of the circle not yet walked (Redis jumps anywhere, so may revisit a bucket).
    fn sample_entries<'a>(&'a self, count: usize, mut f: impl FnMut(&'a Entry<V>)) -> usize {
        let count = count.min(self.len());
        if count == 0 {
            return 0;
        }
        let [t0, t1] = &self.tables;
        let tables: &[&Table<V>] = if self.rehash_idx.is_some() {
            &[t0, t1]
        } else {
            &[t0]
        };
        let moved = self.rehash_idx.unwrap_or(0);
        let max_mask = tables.iter().map(|t| t.mask()).max().unwrap_or(0);
        // Indices in the larger table; a power of two, so `max_mask + 1` cannot overflow.
        let circle = max_mask.wrapping_add(1).max(1);
        let mut i = random_usize() & max_mask;
        // Indices from the start to `i`, along the circle.
        let mut walked = 0usize;
        let mut empty_run = 0usize;
        let mut stored = 0usize;
        let mut steps = count.saturating_mul(SAMPLE_STEPS_PER_ENTRY);
        while stored < count && steps > 0 && walked < circle {
            steps -= 1;
            if tables.len() == 2 && i < moved && i >= t1.size() {
                // Below the rehash index table 0 is empty, and table 1 (smaller: shrinking)
                // has no such index: nothing until the rehash index.
                walked += moved - i;
                i = moved;
                if walked >= circle {
                    break;
                }
            }
            let mut found = false;
            for (j, table) in tables.iter().enumerate() {
                if j == 0 && tables.len() == 2 && i < moved {
                    continue; // already moved to table 1
                }
                // `None` when beyond the smaller table.
                if let Some(Some(head)) = table.buckets.get(i) {
                    found = true;
                    let mut cur = Some(&**head);
                    while let Some(e) = cur {
                        f(e);
                        stored += 1;
                        if stored == count {
                            return stored;
                        }
                        cur = e.next.as_deref();
                    }
                }
            }
            let mut advance = 1;
            if found {
                empty_run = 0;
            } else {
                empty_run += 1;
                if empty_run >= SAMPLE_EMPTY_RUN && empty_run > count {
                    // A long empty run: jump to a random index of the unwalked rest.
                    advance = 1 + random_usize() % (circle - walked);
                    empty_run = 0;
                }
            }
            walked += advance;
            i = i.wrapping_add(advance) & max_mask;
        }
        stored
    }

    /// `dictGetRandomKey`: a random non-empty bucket, then a random entry of its chain.
    fn random_bucket_entry(&self) -> Option<&Entry<V>> {
        if self.is_empty() {
            return None;
        }
        let [t0, t1] = &self.tables;
        // Terminates: some bucket in the range drawn from holds an entry.
        let head = loop {
            let bucket = match self.rehash_idx {
                Some(moved) => {
                    // Buckets below `moved` in table 0 are empty; draw from the rest of table 0
                    // followed by table 1.
                    let span = (t0.size() + t1.size()).saturating_sub(moved).max(1);
                    let h = moved + random_usize() % span;
                    if h >= t0.size() {
                        t1.buckets.get(h - t0.size())
                    } else {
                        t0.buckets.get(h)
                    }
                }
                None => t0.buckets.get(random_usize() & t0.mask()),
            };
            if let Some(Some(head)) = bucket {
                break head;
            }
        };
        let mut len = 0usize;
        let mut cur = Some(&**head);
        while let Some(e) = cur {
            len += 1;
            cur = e.next.as_deref();
        }
        let mut pick = random_usize() % len.max(1);
        let mut cur = &**head;
        while pick > 0 {
            cur = cur.next.as_deref()?;
            pick -= 1;
        }
        Some(cur)
    }
}

/// The link holding `key` in the chain starting at `link`, or the empty link at its end.
fn find_link<'a, V>(mut link: &'a mut Link<V>, key: &[u8]) -> &'a mut Link<V> {
    while link.as_ref().is_some_and(|e| *e.key != *key) {
        match link {
            Some(e) => link = &mut e.next,
            None => break,
        }
    }
    link
}

fn find_in_chain<'a, V>(bucket: &'a Link<V>, key: &[u8]) -> Option<&'a Entry<V>> {
    let mut cur = bucket.as_deref();
    while let Some(e) = cur {
        if *e.key == *key {
            return Some(e);
        }
        cur = e.next.as_deref();
    }
    None
}

fn emit_chain<V>(bucket: &Link<V>, f: &mut impl FnMut(&[u8], &V)) {
    let mut cur = bucket.as_deref();
    while let Some(e) = cur {
        f(&e.key, &e.value);
        cur = e.next.as_deref();
    }
}

/// The cursor after `v` for a table of mask `mask`: set the bits above the mask so the carry of
/// the reversed increment runs through the masked bits only, then add one to the reversed value.
fn next_cursor(v: u64, mask: u64) -> u64 {
    (v | !mask).reverse_bits().wrapping_add(1).reverse_bits()
}

/// Table size for `size` entries: `_dictNextExp`. `None` on overflow.
fn table_size_for(size: usize) -> Option<usize> {
    if size <= INITIAL_SIZE {
        Some(INITIAL_SIZE)
    } else {
        size.checked_next_power_of_two()
    }
}

/// `n` empty buckets, or `None` if the allocator refuses (`ztrycalloc`).
fn alloc_buckets<V>(n: usize) -> Option<Box<[Link<V>]>> {
    let mut v: Vec<Link<V>> = Vec::new();
    v.try_reserve_exact(n).ok()?;
    v.resize_with(n, || None);
    Some(v.into_boxed_slice())
}

/// The hash of a key: SipHash-1-3 keyed with a per-process random key.
fn hash_key(key: &[u8]) -> u64 {
    static STATE: OnceLock<RandomState> = OnceLock::new();
    let mut h = STATE.get_or_init(RandomState::new).build_hasher();
    h.write(key);
    h.finish()
}

/// splitmix64's increment (2^64 / golden ratio).
const SPLITMIX_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// splitmix64's output function (Steele, Lea, Flood 2014).
fn splitmix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn rng_seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(nanos);
    h.write_u32(std::process::id());
    h.finish()
}

/// A fast per-thread pseudo-random number (splitmix64). Not for secrets: it picks random
/// members (HRANDFIELD, SPOP, SRANDMEMBER, ZRANDMEMBER, intsets) as Redis's `rand()` does.
pub fn random_u64() -> u64 {
    thread_local! {
        static STATE: Cell<u64> = Cell::new(rng_seed());
    }
    STATE
        .try_with(|s| {
            let x = s.get().wrapping_add(SPLITMIX_GAMMA);
            s.set(x);
            splitmix64(x)
        })
        .unwrap_or_else(|_| splitmix64(rng_seed()))
}

fn random_usize() -> usize {
    random_u64() as usize
}

// ---------------------------------------------------------------------------------------------
// Iterators and trait impls
// ---------------------------------------------------------------------------------------------

type Buckets<'a, V> = Chain<slice::Iter<'a, Link<V>>, slice::Iter<'a, Link<V>>>;
type BucketsMut<'a, V> = Chain<slice::IterMut<'a, Link<V>>, slice::IterMut<'a, Link<V>>>;

/// Iterator over `(key, &value)`; see [`Dict::iter`].
pub struct Iter<'a, V> {
    buckets: Buckets<'a, V>,
    entry: Option<&'a Entry<V>>,
    remaining: usize,
}

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = (&'a [u8], &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(e) = self.entry {
                self.entry = e.next.as_deref();
                self.remaining = self.remaining.saturating_sub(1);
                return Some((&e.key, &e.value));
            }
            self.entry = self.buckets.next()?.as_deref();
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<V> ExactSizeIterator for Iter<'_, V> {}
impl<V> FusedIterator for Iter<'_, V> {}

/// Iterator over `(key, &mut value)`; see [`Dict::iter_mut`].
pub struct IterMut<'a, V> {
    buckets: BucketsMut<'a, V>,
    entry: Option<&'a mut Entry<V>>,
    remaining: usize,
}

impl<'a, V> Iterator for IterMut<'a, V> {
    type Item = (&'a [u8], &'a mut V);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(e) = self.entry.take() {
                let Entry { key, value, next } = e;
                self.entry = next.as_deref_mut();
                self.remaining = self.remaining.saturating_sub(1);
                return Some((key, value));
            }
            self.entry = self.buckets.next()?.as_deref_mut();
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<V> ExactSizeIterator for IterMut<'_, V> {}
impl<V> FusedIterator for IterMut<'_, V> {}

/// Owning iterator over `(key, value)`; see `Dict::into_iter`.
pub struct IntoIter<V> {
    buckets: Chain<vec::IntoIter<Link<V>>, vec::IntoIter<Link<V>>>,
    entry: Link<V>,
    remaining: usize,
}

impl<V> Iterator for IntoIter<V> {
    type Item = (InlineBytes, V);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(mut e) = self.entry.take() {
                self.entry = e.next.take();
                self.remaining = self.remaining.saturating_sub(1);
                let Entry { key, value, .. } = *e;
                return Some((key, value));
            }
            self.entry = self.buckets.next()?;
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<V> ExactSizeIterator for IntoIter<V> {}
impl<V> FusedIterator for IntoIter<V> {}

impl<V> IntoIterator for Dict<V> {
    type Item = (InlineBytes, V);
    type IntoIter = IntoIter<V>;

    fn into_iter(self) -> IntoIter<V> {
        let remaining = self.len();
        let [t0, t1] = self.tables;
        IntoIter {
            buckets: t0
                .buckets
                .into_vec()
                .into_iter()
                .chain(t1.buckets.into_vec()),
            entry: None,
            remaining,
        }
    }
}

impl<'a, V> IntoIterator for &'a Dict<V> {
    type Item = (&'a [u8], &'a V);
    type IntoIter = Iter<'a, V>;

    fn into_iter(self) -> Iter<'a, V> {
        self.iter()
    }
}

impl<'a, V> IntoIterator for &'a mut Dict<V> {
    type Item = (&'a [u8], &'a mut V);
    type IntoIter = IterMut<'a, V>;

    fn into_iter(self) -> IterMut<'a, V> {
        self.iter_mut()
    }
}

impl<V> Extend<(Box<[u8]>, V)> for Dict<V> {
    fn extend<I: IntoIterator<Item = (Box<[u8]>, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<V> FromIterator<(Box<[u8]>, V)> for Dict<V> {
    fn from_iter<I: IntoIterator<Item = (Box<[u8]>, V)>>(iter: I) -> Self {
        let mut d = Dict::new();
        d.extend(iter);
        d
    }
}

impl<V: fmt::Debug> fmt::Debug for Dict<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct InlineBytes<'a>(&'a [u8]);
        impl fmt::Debug for InlineBytes<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "\"{}\"", self.0.escape_ascii())
            }
        }
        f.debug_map()
            .entries(self.iter().map(|(k, v)| (InlineBytes(k), v)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};
    use std::sync::RwLock;

    /// Held for writing by the one test that turns the process-wide resize switch off, and for
    /// reading by every other test, which all expect resizing to be allowed.
    static RESIZE_SWITCH: RwLock<()> = RwLock::new(());

    fn k(i: usize) -> Box<[u8]> {
        format!("key:{i}").into_bytes().into_boxed_slice()
    }

    /// Finishes any rehash in progress.
    fn settle<V>(d: &mut Dict<V>) {
        while d.rehash(1000) {}
        assert!(!d.is_rehashing());
    }

    /// Checks the counters against the chains.
    fn check_invariants<V>(d: &Dict<V>) {
        let mut counted = [0usize; 2];
        for (t, table) in d.tables.iter().enumerate() {
            assert!(table.size() == 0 || table.size().is_power_of_two());
            for (i, bucket) in table.buckets.iter().enumerate() {
                let mut cur = bucket.as_deref();
                while let Some(e) = cur {
                    counted[t] += 1;
                    let h = hash_key(&e.key);
                    assert_eq!(table.index(h), i, "entry in the wrong bucket");
                    if t == 0 {
                        if let Some(moved) = d.rehash_idx {
                            assert!(i >= moved, "entry below rehash_idx");
                        }
                    }
                    cur = e.next.as_deref();
                }
            }
            assert_eq!(counted[t], table.used, "used of table {t}");
        }
        if d.rehash_idx.is_none() {
            assert_eq!(d.tables[1].size(), 0);
        } else {
            assert!(d.tables[1].size() > 0);
        }
        assert_eq!(d.iter().count(), d.len());
    }

    #[test]
    fn entry_sizes() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        if cfg!(target_pointer_width = "64") {
            // next 8 + key 16 + value.
            assert_eq!(mem::size_of::<Entry<[u8; 16]>>(), 40);
            assert_eq!(mem::size_of::<Entry<i64>>(), 32);
            assert_eq!(mem::size_of::<Entry<()>>(), 24);
            assert_eq!(mem::size_of::<Entry<crate::db::object::RObj>>(), 48);
            assert_eq!(mem::size_of::<Link<[u8; 16]>>(), 8);
        }
    }

    #[test]
    fn empty_dict_answers_everything_without_allocating() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut d: Dict<i64> = Dict::new();
        assert!(d.is_empty());
        assert_eq!(d.get(b"x"), None);
        assert_eq!(d.get_mut(b"x"), None);
        assert_eq!(d.remove(b"x"), None);
        assert!(!d.contains_key(b""));
        assert_eq!(d.scan(0, |_, _| panic!("no entries")), 0);
        assert_eq!(d.scan(12345, |_, _| panic!("no entries")), 0);
        assert_eq!(d.random_entry(), None);
        d.sample(10, |_, _| panic!("no entries"));
        assert_eq!(d.iter().count(), 0);
        assert_eq!(d.iter_mut().count(), 0);
        assert!(!d.rehash_for_millis(1));
        d.shrink_to_fit_if_needed();
        assert_eq!(d.buckets(), (0, 0));
        assert_eq!(
            d.stats(),
            "Hash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n"
        );
        assert_eq!(Dict::<()>::default().len(), 0);
    }

    #[test]
    fn insert_get_replace_remove_100k() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        const N: usize = 100_000;
        let mut d = Dict::new();
        for i in 0..N {
            assert_eq!(d.insert(k(i), i), None);
        }
        assert_eq!(d.len(), N);
        check_invariants(&d);
        for i in 0..N {
            assert_eq!(d.get(&k(i)), Some(&i));
            assert!(d.contains_key(&k(i)));
        }
        assert_eq!(d.get(b"missing"), None);
        // Replace: the old value comes back, the length does not change.
        for i in (0..N).step_by(2) {
            assert_eq!(d.insert(k(i), i + N), Some(i));
        }
        assert_eq!(d.len(), N);
        for i in 0..N {
            let want = if i % 2 == 0 { i + N } else { i };
            assert_eq!(d.get(&k(i)), Some(&want));
        }
        // get_mut changes in place.
        for i in (1..N).step_by(2) {
            *d.get_mut(&k(i)).expect("present") += 1;
        }
        assert_eq!(d.get(&k(1)), Some(&2));
        // Remove everything, in a different order.
        for i in (0..N).rev() {
            let (key, _) = d.remove(&k(i)).expect("present");
            assert_eq!(&*key, &*k(i));
            assert_eq!(d.remove(&k(i)), None);
        }
        assert!(d.is_empty());
        check_invariants(&d);
        assert_eq!(d.get(&k(0)), None);
    }

    #[test]
    fn get_key_value_returns_stored_key() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut d = Dict::new();
        d.insert(b"abc".to_vec(), 1);
        let (key, v) = d.get_key_value(b"abc").expect("present");
        assert_eq!((key, *v), (&b"abc"[..], 1));
        assert_eq!(d.get_key_value(b"abd"), None);
        // Empty key and binary keys are ordinary keys.
        d.insert(Box::default(), 2);
        d.insert(vec![0, 255, 0], 3);
        assert_eq!(d.get(b""), Some(&2));
        assert_eq!(d.get(&[0, 255, 0]), Some(&3));
        assert_eq!(d.get(&[0, 255]), None);
    }

    #[test]
    fn insert_new_and_try_insert_leave_existing_alone() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut d = Dict::new();
        assert!(d.insert_new(k(1), "one"));
        assert!(!d.insert_new(k(1), "uno"));
        assert_eq!(d.get(&k(1)), Some(&"one"));
        assert_eq!(d.len(), 1);
        let err = d.try_insert(k(1), "eins").expect_err("present");
        assert_eq!((&*err.0, err.1), (&*k(1), "eins"));
        *d.try_insert(k(2), "two").expect("absent") = "deux";
        assert_eq!(d.get(&k(2)), Some(&"deux"));
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn entry_or_insert_with_inserts_once() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut d: Dict<Vec<usize>> = Dict::new();
        let mut calls = 0;
        for round in 0..3 {
            for i in 0..1000 {
                d.entry_or_insert_with(&k(i), || {
                    calls += 1;
                    Vec::new()
                })
                .push(round);
            }
        }
        assert_eq!(calls, 1000);
        assert_eq!(d.len(), 1000);
        assert_eq!(d.get(&k(7)), Some(&vec![0, 1, 2]));
        check_invariants(&d);
    }

    #[test]
    fn grows_at_load_factor_one_incrementally() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut d = Dict::new();
        for i in 0..4 {
            d.insert(k(i), i);
        }
        assert_eq!(d.buckets(), (4, 0));
        assert!(!d.is_rehashing());
        // The fifth insert finds used == size: a table of 8 is started, the key goes there.
        d.insert(k(4), 4);
        assert_eq!(d.buckets(), (4, 8));
        assert!(d.is_rehashing());
        check_invariants(&d);
        for i in 0..5 {
            assert_eq!(d.get(&k(i)), Some(&i), "readable mid-rehash");
        }
        settle(&mut d);
        assert_eq!(d.buckets(), (8, 0));
        check_invariants(&d);
    }

    #[test]
    fn rehash_progresses_with_operations() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut d = Dict::new();
        for i in 0..1024 {
            d.insert(k(i), i);
        }
        settle(&mut d);
        assert_eq!(d.buckets(), (1024, 0));
        d.insert(k(1024), 1024); // starts growing to 2048
        assert_eq!(d.buckets(), (1024, 2048));
        // Mixed operations, each doing one step, all correct while the two tables coexist.
        let mut ops = 0;
        let mut saw_rehash = false;
        while d.is_rehashing() {
            saw_rehash = true;
            let i = ops % 1025;
            match ops % 4 {
                0 => assert_eq!(d.get_mut(&k(i)).copied(), Some(i)),
                1 => assert_eq!(d.insert(k(i), i), Some(i)),
                2 => assert_eq!(d.get(&k(i)), Some(&i)),
                _ => {
                    assert_eq!(d.remove(&k(i)), Some((InlineBytes::from(k(i)), i)));
                    assert!(d.insert_new(k(i), i));
                }
            }
            if ops % 97 == 0 {
                check_invariants(&d);
            }
            ops += 1;
            assert!(ops < 100_000, "rehash must finish through operations alone");
        }
        assert!(saw_rehash);
        assert_eq!(d.buckets(), (2048, 0));
        assert_eq!(d.len(), 1025);
        check_invariants(&d);
    }

    #[test]
    fn rehash_for_millis_finishes() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut d = Dict::new();
        for i in 0..50_000 {
            d.insert(k(i), ());
        }
        if !d.is_rehashing() {
            d.insert(k(usize::MAX), ());
            d.remove(&k(usize::MAX));
        }
        let mut rounds = 0;
        while d.rehash_for_millis(1) {
            rounds += 1;
            assert!(rounds < 100_000);
        }
        assert!(!d.is_rehashing());
        assert!(!d.rehash_for_millis(1));
        check_invariants(&d);
    }

    #[test]
    fn resize_disallowed_grows_only_past_force_ratio() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut d = Dict::new();
        d.set_resize_allowed(false);
        // 4 buckets: growth is forced only when used/size > 5, i.e. at 24 entries.
        for i in 0..24 {
            d.insert(k(i), i);
        }
        assert_eq!(d.buckets(), (4, 0));
        check_invariants(&d);
        d.insert(k(24), 24);
        assert_eq!(d.buckets(), (4, 32));
        settle(&mut d);
        // Shrinking is never forced.
        for i in 0..24 {
            d.remove(&k(i));
        }
        d.shrink_to_fit_if_needed();
        assert_eq!(d.buckets(), (32, 0));
        d.set_resize_allowed(true);
        d.shrink_to_fit_if_needed();
        assert_eq!(d.buckets(), (32, 4));
        settle(&mut d);
        assert_eq!(d.buckets(), (4, 0));
        assert_eq!(d.get(&k(24)), Some(&24));
    }

    #[test]
    fn global_resize_switch() {
        let _g = RESIZE_SWITCH.write().unwrap_or_else(|e| e.into_inner());
        let mut d = Dict::new();
        set_global_resize_allowed(false);
        assert!(!global_resize_allowed());
        for i in 0..10 {
            d.insert(k(i), i);
        }
        let frozen = d.buckets();
        set_global_resize_allowed(true);
        assert_eq!(frozen, (4, 0));
        d.insert(k(10), 10);
        assert!(d.is_rehashing());
    }

    #[test]
    fn shrinks_below_ten_percent_fill() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut d = Dict::new();
        for i in 0..1000 {
            d.insert(k(i), i);
        }
        settle(&mut d);
        assert_eq!(d.buckets(), (1024, 0));
        for i in 0..897 {
            d.remove(&k(i));
        }
        // 103 of 1024: 10% used, not below.
        d.shrink_to_fit_if_needed();
        assert_eq!(d.buckets(), (1024, 0));
        d.remove(&k(897));
        d.shrink_to_fit_if_needed();
        assert_eq!(d.buckets(), (1024, 128));
        // Not while rehashing.
        d.shrink_to_fit_if_needed();
        assert_eq!(d.buckets(), (1024, 128));
        check_invariants(&d);
        for i in 898..1000 {
            assert_eq!(d.get(&k(i)), Some(&i));
        }
        settle(&mut d);
        assert_eq!(d.buckets(), (128, 0));
        check_invariants(&d);
        // An emptied dict shrinks to the minimum at once.
        d.retain(|_, _| false);
        d.shrink_to_fit_if_needed();
        assert_eq!(d.buckets(), (4, 0));
        assert!(d.is_empty());
    }

    #[test]
    fn with_capacity_and_expand() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let d: Dict<()> = Dict::with_capacity(1000);
        assert_eq!(d.buckets(), (1024, 0));
        let d: Dict<()> = Dict::with_capacity(3);
        assert_eq!(d.buckets(), (4, 0));
        let d: Dict<()> = Dict::with_capacity(0);
        assert_eq!(d.buckets(), (0, 0));
        // Absurd sizes are refused, not a panic or an abort.
        let d: Dict<()> = Dict::with_capacity(usize::MAX);
        assert_eq!(d.buckets(), (0, 0));
        let d: Dict<()> = Dict::with_capacity(usize::MAX / 4);
        assert_eq!(d.buckets(), (0, 0));

        let mut d = Dict::new();
        for i in 0..10 {
            d.insert(k(i), i);
        }
        settle(&mut d);
        assert!(!d.expand(5), "smaller than len");
        assert!(!d.expand(16), "same size");
        assert!(d.expand(100));
        assert!(!d.expand(1000), "already rehashing");
        assert_eq!(d.buckets(), (16, 128));
        settle(&mut d);
        assert_eq!(d.len(), 10);
        check_invariants(&d);
    }

    #[test]
    fn clear_empties_and_stays_usable() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut d = Dict::new();
        for i in 0..5000 {
            d.insert(k(i), i);
        }
        d.clear();
        assert!(d.is_empty());
        assert_eq!(d.buckets(), (0, 0));
        assert!(!d.is_rehashing());
        assert_eq!(d.get(&k(1)), None);
        assert_eq!(d.iter().count(), 0);
        d.insert(k(1), 1);
        assert_eq!(d.get(&k(1)), Some(&1));
        check_invariants(&d);
    }

    #[test]
    fn retain_keeps_matching_entries_even_mid_rehash() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut d = Dict::new();
        for i in 0..10_000 {
            d.insert(k(i), i);
        }
        if !d.is_rehashing() {
            d.expand(40_000);
        }
        assert!(d.is_rehashing());
        d.retain(|key, v| {
            *v += 1;
            key.last().is_some_and(|c| c % 2 == 0)
        });
        check_invariants(&d);
        for i in 0..10_000 {
            let want = (i % 2 == 0).then_some(i + 1);
            assert_eq!(d.get(&k(i)).copied(), want);
        }
        assert_eq!(d.len(), 5000);
        settle(&mut d);
        check_invariants(&d);
        d.retain(|_, _| false);
        assert!(d.is_empty());
        check_invariants(&d);
    }

    #[test]
    fn iterators_visit_each_entry_once() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut d = Dict::new();
        for i in 0..3000 {
            d.insert(k(i), i);
        }
        assert!(d.is_rehashing() || d.buckets().1 == 0);
        let it = d.iter();
        assert_eq!(it.len(), 3000);
        let seen: HashSet<Vec<u8>> = it.map(|(key, _)| key.to_vec()).collect();
        assert_eq!(seen.len(), 3000);
        assert_eq!(
            (&d).into_iter().map(|(_, v)| v).sum::<usize>(),
            2999 * 3000 / 2
        );
        for (_, v) in d.iter_mut() {
            *v *= 2;
        }
        for (_, v) in &mut d {
            *v += 1;
        }
        assert_eq!(d.get(&k(10)), Some(&21));
        assert_eq!(d.iter_mut().len(), 3000);
        let owned: HashMap<Box<[u8]>, usize> = d
            .clone()
            .into_iter()
            .map(|(k, v)| (k.into_boxed(), v))
            .collect();
        assert_eq!(owned.len(), 3000);
        assert_eq!(owned[&k(5)], 11);
        let mut it = d.into_iter();
        assert_eq!(it.len(), 3000);
        it.next();
        assert_eq!(it.len(), 2999);
        drop(it); // the rest is dropped with the iterator
    }

    #[test]
    fn clone_extend_from_iter_debug() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let d: Dict<u8> = (0..100).map(|i| (k(i), i as u8)).collect();
        let c = d.clone();
        assert_eq!(c.len(), 100);
        assert_eq!(c.buckets(), d.buckets());
        for (key, v) in d.iter() {
            assert_eq!(c.get(key), Some(v));
        }
        let mut small = Dict::new();
        small.extend([(b"a\n".to_vec().into_boxed_slice(), 1)]);
        assert_eq!(format!("{small:?}"), r#"{"a\n": 1}"#);
    }

    #[test]
    fn scan_cursor_order_for_8_buckets() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut d = Dict::with_capacity(8);
        for i in 0..6 {
            d.insert(k(i), i);
        }
        assert_eq!(d.buckets(), (8, 0));
        let mut cursors = vec![0];
        let mut cursor = 0;
        loop {
            cursor = d.scan(cursor, |_, _| {});
            cursors.push(cursor);
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(cursors, [0, 4, 2, 6, 1, 5, 3, 7, 0]);
    }

    #[test]
    fn scan_cursor_math_of_the_worked_example() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        // One table of 16 after visiting 8-buckets 0 and 4: continues 2 10 6 14 1 9 5 13 ...
        let mut v = 2u64;
        let mut order = vec![];
        while v != 0 {
            order.push(v);
            v = next_cursor(v, 15);
        }
        assert_eq!(order, [2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15]);
        // Two tables of 8 and 16 at cursor 2: large buckets 2 and 10, then cursor 6.
        let (m0, m1) = (7u64, 15u64);
        let mut v = 2u64;
        let mut large = vec![];
        loop {
            large.push(v & m1);
            v = next_cursor(v, m1);
            if v & (m0 ^ m1) == 0 {
                break;
            }
        }
        assert_eq!((large, v), (vec![2, 10], 6));
    }

    #[test]
    fn scan_on_stable_table_returns_each_entry_once() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut d = Dict::new();
        for i in 0..10_000 {
            d.insert(k(i), i);
        }
        settle(&mut d);
        let mut seen = HashMap::new();
        let mut cursor = 0;
        let mut calls = 0;
        loop {
            cursor = d.scan(cursor, |key, _| *seen.entry(key.to_vec()).or_insert(0) += 1);
            calls += 1;
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(calls, d.buckets().0);
        assert_eq!(seen.len(), 10_000);
        assert!(seen.values().all(|&n| n == 1));
    }

    #[test]
    fn scan_on_rehashing_table_returns_everything() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut d = Dict::new();
        for i in 0..5000 {
            d.insert(k(i), i);
        }
        settle(&mut d);
        // Grow mid-rehash, and shrink mid-rehash.
        for shrink in [false, true] {
            if shrink {
                for i in 500..5000 {
                    d.remove(&k(i));
                }
                settle(&mut d);
                d.shrink_to_fit_if_needed();
            } else {
                d.expand(20_000);
            }
            d.rehash(1);
            assert!(d.is_rehashing());
            let mut seen = HashSet::new();
            let mut cursor = 0;
            loop {
                cursor = d.scan(cursor, |key, _| {
                    seen.insert(key.to_vec());
                });
                if cursor == 0 {
                    break;
                }
            }
            assert_eq!(seen.len(), d.len());
            settle(&mut d);
        }
    }

    /// The SCAN guarantee: keys present for the whole scan are all returned, though the table
    /// grows, shrinks and rehashes between calls.
    fn scan_while_resizing(seed: u64, grow: bool) {
        let mut rng = seed;
        let mut rand = move || {
            rng = rng.wrapping_add(SPLITMIX_GAMMA);
            splitmix64(rng) as usize
        };
        const STABLE: usize = 2000;
        let mut d = Dict::new();
        for i in 0..STABLE {
            d.insert(k(i), i);
        }
        // Transient keys: added (grow) or removed (shrink) while the scan runs.
        let mut transient: Vec<usize> = Vec::new();
        if !grow {
            for i in STABLE..STABLE + 30_000 {
                d.insert(k(i), i);
                transient.push(i);
            }
        }
        settle(&mut d);
        let mut next_transient = STABLE + 30_000;
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut calls = 0;
        let start_buckets = d.buckets().0;
        let mut sizes = HashSet::new();
        loop {
            cursor = d.scan(cursor, |key, _| {
                seen.insert(key.to_vec());
            });
            calls += 1;
            if cursor == 0 {
                break;
            }
            assert!(calls < 1_000_000, "scan must terminate");
            // Mutate between calls.
            let n = rand() % 200;
            for _ in 0..n {
                if grow {
                    if transient.len() >= 30_000 {
                        break; // bounded growth, or the scan would never catch up
                    }
                    d.insert(k(next_transient), next_transient);
                    transient.push(next_transient);
                    next_transient += 1;
                } else if let Some(i) = transient.pop() {
                    d.remove(&k(i));
                }
            }
            match rand() % 4 {
                0 => {
                    d.rehash(rand() % 64);
                }
                1 => d.shrink_to_fit_if_needed(),
                2 => {
                    d.rehash_for_millis(0);
                }
                _ => {}
            }
            sizes.insert(d.buckets());
        }
        for i in 0..STABLE {
            assert!(
                seen.contains(&*k(i)),
                "key {i} missed (seed {seed}, grow {grow})"
            );
        }
        // The table really did change size during the scan, mid-rehash at times.
        assert_ne!(d.buckets().0, start_buckets);
        assert!(sizes.iter().any(|&(_, b1)| b1 != 0));
        check_invariants(&d);
    }

    #[test]
    fn scan_guarantee_while_growing() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        for seed in 0..8 {
            scan_while_resizing(seed, true);
        }
    }

    #[test]
    fn scan_guarantee_while_shrinking() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        for seed in 0..8 {
            scan_while_resizing(seed, false);
        }
    }

    #[test]
    fn scan_guarantee_grow_then_shrink_in_one_scan() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut d = Dict::new();
        for i in 0..1000 {
            d.insert(k(i), i);
        }
        settle(&mut d);
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut step = 0usize;
        loop {
            cursor = d.scan(cursor, |key, _| {
                seen.insert(key.to_vec());
            });
            if cursor == 0 {
                break;
            }
            step += 1;
            if step < 100 {
                for j in 0..300 {
                    d.insert(k(1_000_000 + step * 300 + j), 0);
                }
            } else if step < 200 {
                for j in 0..300 {
                    d.remove(&k(1_000_000 + (step - 100) * 300 + j));
                }
                d.shrink_to_fit_if_needed();
            }
            d.rehash(3);
        }
        for i in 0..1000 {
            assert!(seen.contains(&*k(i)), "key {i} missed");
        }
    }

    #[test]
    fn sample_returns_existing_distinct_entries() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut d = Dict::new();
        for i in 0..1000 {
            d.insert(k(i), i);
        }
        for _ in 0..200 {
            let mut got = HashSet::new();
            d.sample(20, |key, v| {
                assert_eq!(d.get(key), Some(v));
                assert!(got.insert(key.to_vec()), "duplicate in one sample");
            });
            assert!(got.len() <= 20);
        }
        // Never more than len().
        let mut small = Dict::new();
        small.insert(k(1), 1);
        small.insert(k(2), 2);
        let mut n = 0;
        small.sample(100, |_, _| n += 1);
        assert!(n <= 2);
        let mut n = 0;
        small.sample(0, |_, _| n += 1);
        assert_eq!(n, 0);
    }

    #[test]
    fn sample_never_repeats_in_small_sparse_or_rehashing_tables() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let check = |d: &Dict<usize>| {
            for count in [1, 2, 3, 5, 20, 64] {
                for _ in 0..300 {
                    let mut got = HashSet::new();
                    d.sample(count, |key, v| {
                        assert_eq!(d.get(key), Some(v));
                        assert!(got.insert(key.to_vec()), "entry sampled twice");
                    });
                    assert!(got.len() <= count.min(d.len()));
                }
            }
        };
        // 3 keys in 4 buckets; then a few keys left in 4096 buckets; then a shrink under way.
        let mut d = Dict::new();
        for i in 0..3 {
            d.insert(k(i), i);
        }
        check(&d);
        for i in 3..3000 {
            d.insert(k(i), i);
        }
        settle(&mut d);
        for i in 7..3000 {
            d.remove(&k(i));
        }
        check(&d);
        d.shrink_to_fit_if_needed();
        d.rehash(1);
        assert!(d.is_rehashing());
        check(&d);
        // And a growth under way.
        let mut d = Dict::new();
        for i in 0..1025 {
            d.insert(k(i), i);
        }
        assert!(d.is_rehashing());
        check(&d);
    }

    /// What the active expire cycle does: sample, delete what came back, until empty. Every
    /// entry is deleted exactly once.
    #[test]
    fn draining_by_sampling_deletes_each_entry_once() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        for n in [1, 7, 100, 1000] {
            let mut d = Dict::new();
            for i in 0..n {
                d.insert(k(i), i);
            }
            let mut deleted = 0;
            let mut rounds = 0;
            while !d.is_empty() {
                let mut batch = Vec::new();
                d.sample(20, |key, _| batch.push(Box::<[u8]>::from(key)));
                for key in batch {
                    assert!(d.remove(&key).is_some(), "sampled entry already gone");
                    deleted += 1;
                }
                rounds += 1;
                assert!(rounds < 1_000_000);
            }
            assert_eq!(deleted, n);
        }
    }

    #[test]
    fn sample_during_rehash_and_in_sparse_tables() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut d = Dict::new();
        for i in 0..20_000 {
            d.insert(k(i), i);
        }
        settle(&mut d);
        for i in 0..19_990 {
            d.remove(&k(i));
        }
        // Sparse: 10 keys in 32768 buckets; sampling may find few, never wrong ones.
        let mut total = 0;
        for _ in 0..100 {
            d.sample(5, |key, v| {
                total += 1;
                assert_eq!(d.get(key), Some(v));
            });
        }
        assert!(total <= 500);
        d.shrink_to_fit_if_needed();
        assert!(d.is_rehashing());
        let mut total = 0;
        for _ in 0..100 {
            d.sample(5, |key, v| {
                total += 1;
                assert_eq!(d.get(key), Some(v));
            });
        }
        // A sample may come back empty from a sparse table (as in Redis); once the rehash is
        // done the table is small and dense.
        assert!(total <= 500);
        settle(&mut d);
        let mut total = 0;
        d.sample(5, |_, _| total += 1);
        assert_eq!(total, 5);
    }

    #[test]
    fn random_entry_finds_every_key_eventually() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut d = Dict::new();
        for i in 0..100 {
            d.insert(k(i), i);
        }
        let mut seen = HashSet::new();
        for _ in 0..20_000 {
            let (key, v) = d.random_entry().expect("non-empty");
            assert_eq!(d.get(key), Some(v));
            seen.insert(*v);
        }
        assert_eq!(seen.len(), 100);
        // One key, rehashing, sparse: still found every time.
        let mut d = Dict::new();
        for i in 0..5000 {
            d.insert(k(i), i);
        }
        settle(&mut d);
        for i in 1..5000 {
            d.remove(&k(i));
        }
        d.shrink_to_fit_if_needed();
        assert!(d.is_rehashing());
        for _ in 0..1000 {
            assert_eq!(d.random_entry().map(|(_, v)| *v), Some(0));
        }
        // The fallback alone.
        for _ in 0..1000 {
            assert_eq!(d.random_bucket_entry().map(|e| e.value), Some(0));
        }
    }

    #[test]
    fn stats_look_like_redis() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut d = Dict::new();
        for i in 0..128 {
            d.insert(k(i), i);
        }
        settle(&mut d);
        let s = d.stats();
        assert!(s.starts_with("Hash table 0 stats (main hash table):\n table size: 128\n"));
        assert!(s.contains(" number of elements: 128\n"));
        assert!(s.contains(" Chain length distribution:\n   0: "));
        assert!(!s.contains("rehashing target"));
        d.insert(k(128), 128);
        let s = d.stats();
        assert!(s.contains("Hash table 1 stats (rehashing target):\n table size: 256\n"));
    }

    #[test]
    fn model_check_against_hashmap() {
        let _g = RESIZE_SWITCH.read().unwrap_or_else(|e| e.into_inner());
        let mut rng = 42u64;
        let mut rand = move || {
            rng = rng.wrapping_add(SPLITMIX_GAMMA);
            splitmix64(rng) as usize
        };
        let mut d: Dict<usize> = Dict::new();
        let mut m: HashMap<Vec<u8>, usize> = HashMap::new();
        for step in 0..200_000 {
            let key = k(rand() % 3000);
            let op = rand() % 100;
            match op {
                0..=34 => assert_eq!(d.insert(key.clone(), step), m.insert(key.to_vec(), step)),
                35..=59 => assert_eq!(d.remove(&key).map(|(_, v)| v), m.remove(&key.to_vec())),
                60..=74 => assert_eq!(d.get(&key), m.get(&key.to_vec())),
                75..=79 => assert_eq!(
                    d.insert_new(key.clone(), step),
                    !m.contains_key(&key.to_vec())
                ),
                80..=84 => {
                    *d.entry_or_insert_with(&key, || step) += 1;
                    *m.entry(key.to_vec()).or_insert(step) += 1;
                }
                85..=89 => {
                    if let Some(v) = d.get_mut(&key) {
                        *v = step;
                    }
                    if let Some(v) = m.get_mut(&key.to_vec()) {
                        *v = step;
                    }
                }
                90..=93 => d.shrink_to_fit_if_needed(),
                94 => d.set_resize_allowed(rand() % 2 == 0),
                95 => {
                    d.rehash(rand() % 10);
                }
                96 => {
                    let cut = rand() % 3000;
                    let keep = |key: &[u8]| key.len() % 7 != cut % 7;
                    d.retain(|key, _| keep(key));
                    m.retain(|key, _| keep(key));
                }
                _ => {
                    if let Some((key, v)) = d.random_entry() {
                        assert_eq!(m.get(key), Some(v));
                    }
                }
            }
            // The model's side of insert_new.
            if (75..=79).contains(&op) {
                m.entry(key.to_vec()).or_insert(step);
            }
            assert_eq!(d.len(), m.len());
            if step % 10_000 == 0 {
                check_invariants(&d);
            }
        }
        check_invariants(&d);
        let all: HashMap<Vec<u8>, usize> = d.iter().map(|(k, v)| (k.to_vec(), *v)).collect();
        assert_eq!(all, m);
    }
}
