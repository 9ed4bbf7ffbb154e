//! The keyspace: numbered databases of keys, their expiry times, and the
//! rules of lazy and active expiry (Redis's db.c and expire.c).
//!
//! Owns: every key and value, the `expires` table, the cached command
//! clock, the dirty counter, and the list of keys that expired since the
//! command layer last looked (so it can propagate a `DEL` for each). It must
//! never know about clients, sockets or replies: commands ask, it answers.
//!
//! ```text
//!   Keyspace
//!   ├── dbs[0..databases]            (SELECT n)
//!   │     ├── dict:    key -> RObj   (every key)
//!   │     └── expires: key -> ms     (only keys with a TTL; same key bytes)
//!   ├── now_ms                       cached once per command, like Redis's
//!   │                                server.mstime, so a MULTI sees one clock
//!   └── expired: [(db, key)]         drained after each command / cron tick
//!                                    into DELs for AOF and replicas
//! ```
//!
//! Expiry, as Redis does it:
//! * **Lazy**: every lookup first checks the key's deadline. On a master an
//!   expired key is deleted there and then. On a replica it is only hidden
//!   (reads answer as if missing) and stays until the master's `DEL` arrives,
//!   so replica and master never disagree about what exists.
//! * **Active**: `active_expire_cycle` runs from cron, samples 20 keys with a
//!   TTL per database per loop and repeats while more than 10% of the sample
//!   had expired, within 25% of the cron period: at `hz 10` that is 25 ms
//!   of every 100 ms at most, typically far less.

pub mod dict;
pub mod object;

use dict::Dict;
use object::{RObj, LRU_CLOCK_MAX};

/// Keys sampled per database per loop, Redis's ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP.
const EXPIRE_KEYS_PER_LOOP: usize = 20;
/// Percent of stale keys in a sample above which the cycle loops again,
/// Redis's ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE.
const EXPIRE_ACCEPTABLE_STALE: usize = 10;
/// Percent of the cron period the slow cycle may use, Redis's
/// ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC.
const EXPIRE_SLOW_TIME_PERC: u64 = 25;

/// One numbered database.
#[derive(Default)]
pub struct Db {
    pub dict: Dict<RObj>,
    pub expires: Dict<i64>,
    /// Average TTL of the keys the last expire cycle sampled (INFO avg_ttl), ms.
    pub avg_ttl: i64,
}

/// How a lookup treats the key it finds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A read: counts keyspace hits/misses and refreshes the LRU clock.
    Read,
    /// A write: refreshes the LRU clock, no hit/miss stats.
    Write,
    /// Introspection (OBJECT, TYPE via SCAN ...): neither stats nor LRU.
    NoTouch,
}

/// Keyspace statistics reported by INFO stats.
#[derive(Default, Debug, Clone)]
pub struct KeyspaceStats {
    pub expired_keys: u64,
    pub expired_stale_perc: f64,
    pub expired_time_cap_reached_count: u64,
    pub keyspace_hits: u64,
    pub keyspace_misses: u64,
    pub evicted_keys: u64,
}

/// All databases plus the state lookups need.
pub struct Keyspace {
    pub dbs: Vec<Db>,
    /// The command clock in ms since the epoch, refreshed before each command.
    pub now_ms: i64,
    /// True on a replica: expired keys are hidden, never deleted locally.
    pub replica_mode: bool,
    /// True while executing our master's stream: keys are taken as they are.
    pub master_exec: bool,
    /// False after DEBUG SET-ACTIVE-EXPIRE 0.
    pub active_expire_enabled: bool,
    /// True while a forked child shares our pages: LRU updates would copy them.
    pub child_active: bool,
    /// Keys deleted by expiry, waiting to be propagated as DEL.
    pub expired: Vec<(usize, Box<[u8]>)>,
    /// Changes since the last successful save (Redis's server.dirty).
    pub dirty: u64,
    pub stats: KeyspaceStats,
}

/// Wall clock in milliseconds since the epoch.
pub fn mstime() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Redis's LRU clock: seconds, wrapping at 24 bits.
pub fn lru_clock(now_ms: i64) -> u32 {
    ((now_ms / 1000) as u32) & LRU_CLOCK_MAX
}

impl Keyspace {
    pub fn new(databases: usize) -> Keyspace {
        Keyspace {
            dbs: (0..databases.max(1)).map(|_| Db::default()).collect(),
            now_ms: mstime(),
            replica_mode: false,
            master_exec: false,
            active_expire_enabled: true,
            child_active: false,
            expired: Vec::new(),
            dirty: 0,
            stats: KeyspaceStats::default(),
        }
    }

    /// LRU clock value for objects created or touched now.
    pub fn lru_now(&self) -> u32 {
        lru_clock(self.now_ms)
    }

    /// Refreshes the command clock (call once per command).
    pub fn update_clock(&mut self) {
        self.now_ms = mstime();
    }

    /// Total keys in all databases.
    pub fn total_keys(&self) -> usize {
        self.dbs.iter().map(|d| d.dict.len()).sum()
    }

    /// Checks `key`'s deadline. Returns true when the key must be treated as
    /// missing; on a master it has then been deleted and queued for DEL.
    pub fn expire_if_needed(&mut self, db: usize, key: &[u8]) -> bool {
        let d = &mut self.dbs[db];
        if d.expires.is_empty() {
            return false;
        }
        let Some(&when) = d.expires.get(key) else {
            return false;
        };
        if when > self.now_ms {
            return false;
        }
        if self.replica_mode {
            // Our master's stream sees keys as they are; other clients see
            // them expired but the master's DEL is what removes them.
            return !self.master_exec;
        }
        self.delete_expired(db, key);
        true
    }

    fn delete_expired(&mut self, db: usize, key: &[u8]) {
        let d = &mut self.dbs[db];
        d.expires.remove(key);
        if let Some((k, _)) = d.dict.remove(key) {
            self.stats.expired_keys += 1;
            self.expired.push((db, k));
        }
    }

    /// Finds `key` in `db`, applying lazy expiry and access bookkeeping.
    pub fn lookup(&mut self, db: usize, key: &[u8], access: Access) -> Option<&mut RObj> {
        if self.expire_if_needed(db, key) {
            if access == Access::Read {
                self.stats.keyspace_misses += 1;
            }
            return None;
        }
        let lru = self.lru_now();
        let touch = access != Access::NoTouch && !self.child_active;
        match self.dbs[db].dict.get_mut(key) {
            Some(o) => {
                if touch {
                    o.lru = lru;
                }
                if access == Access::Read {
                    self.stats.keyspace_hits += 1;
                }
                Some(o)
            }
            None => {
                if access == Access::Read {
                    self.stats.keyspace_misses += 1;
                }
                None
            }
        }
    }

    /// Read lookup (GET and friends).
    pub fn lookup_read(&mut self, db: usize, key: &[u8]) -> Option<&mut RObj> {
        self.lookup(db, key, Access::Read)
    }

    /// Write lookup (the key is about to be modified in place).
    pub fn lookup_write(&mut self, db: usize, key: &[u8]) -> Option<&mut RObj> {
        self.lookup(db, key, Access::Write)
    }

    /// True when `key` exists and has not expired (no stats, no LRU touch).
    pub fn exists(&mut self, db: usize, key: &[u8]) -> bool {
        self.lookup(db, key, Access::NoTouch).is_some()
    }

    /// Sets `key` to `obj`, Redis's setKey: the TTL is cleared unless
    /// `keep_ttl`. The key bytes are copied only when the key is new.
    pub fn set_key(&mut self, db: usize, key: &[u8], mut obj: RObj, keep_ttl: bool) {
        obj.lru = self.lru_now();
        let d = &mut self.dbs[db];
        match d.dict.get_mut(key) {
            Some(slot) => *slot = obj,
            None => {
                d.dict.insert(key.into(), obj);
            }
        }
        if !keep_ttl && !d.expires.is_empty() {
            d.expires.remove(key);
        }
    }

    /// Removes `key`; true if it existed (an expired key counts as absent).
    pub fn delete(&mut self, db: usize, key: &[u8]) -> bool {
        if self.expire_if_needed(db, key) {
            return false;
        }
        let d = &mut self.dbs[db];
        if !d.expires.is_empty() {
            d.expires.remove(key);
        }
        d.dict.remove(key).is_some()
    }

    /// Removes `key` and returns its value (RENAME, MOVE, GETDEL).
    pub fn take(&mut self, db: usize, key: &[u8]) -> Option<(Box<[u8]>, RObj, Option<i64>)> {
        if self.expire_if_needed(db, key) {
            return None;
        }
        let d = &mut self.dbs[db];
        let (k, v) = d.dict.remove(key)?;
        let ttl = if d.expires.is_empty() {
            None
        } else {
            d.expires.remove(key).map(|(_, t)| t)
        };
        Some((k, v, ttl))
    }

    /// Sets an absolute deadline (ms) on an existing key.
    pub fn set_expire(&mut self, db: usize, key: &[u8], when_ms: i64) {
        let d = &mut self.dbs[db];
        if let Some(t) = d.expires.get_mut(key) {
            *t = when_ms;
        } else if d.dict.contains_key(key) {
            d.expires.insert(key.into(), when_ms);
        }
    }

    /// The key's deadline in ms, if it has one.
    pub fn get_expire(&self, db: usize, key: &[u8]) -> Option<i64> {
        let d = &self.dbs[db];
        if d.expires.is_empty() {
            return None;
        }
        d.expires.get(key).copied()
    }

    /// Clears the key's deadline; true if it had one.
    pub fn remove_expire(&mut self, db: usize, key: &[u8]) -> bool {
        self.dbs[db].expires.remove(key).is_some()
    }

    /// Empties one database, returning how many keys it held.
    pub fn flush_db(&mut self, db: usize) -> usize {
        let d = &mut self.dbs[db];
        let n = d.dict.len();
        d.dict = Dict::new();
        d.expires = Dict::new();
        d.avg_ttl = 0;
        n
    }

    /// Empties every database, returning how many keys they held.
    pub fn flush_all(&mut self) -> usize {
        (0..self.dbs.len()).map(|i| self.flush_db(i)).sum()
    }

    /// Redis's activeExpireCycle (slow variant): see the module doc.
    /// `hz` sets the time budget; returns the number of keys expired.
    pub fn active_expire_cycle(&mut self, hz: i64) -> u64 {
        if self.replica_mode || !self.active_expire_enabled {
            return 0;
        }
        let budget_us = 1_000_000 * EXPIRE_SLOW_TIME_PERC / (hz.max(1) as u64) / 100;
        let start = std::time::Instant::now();
        let now = self.now_ms;
        let mut expired_total = 0u64;
        let mut sampled_total = 0u64;
        let mut stale_total = 0u64;
        let mut keys = Vec::with_capacity(EXPIRE_KEYS_PER_LOOP);
        'dbs: for db in 0..self.dbs.len() {
            loop {
                let d = &mut self.dbs[db];
                if d.expires.is_empty() {
                    d.avg_ttl = 0;
                    break;
                }
                keys.clear();
                let mut ttl_sum = 0i64;
                let mut ttl_n = 0i64;
                d.expires.sample(EXPIRE_KEYS_PER_LOOP, |k, &when| {
                    if when <= now {
                        keys.push(Box::<[u8]>::from(k));
                    } else {
                        ttl_sum += when - now;
                        ttl_n += 1;
                    }
                });
                let sampled = keys.len() as u64 + ttl_n as u64;
                if ttl_n > 0 {
                    let avg = ttl_sum / ttl_n;
                    // Running average as Redis keeps it: 2% of the new sample.
                    d.avg_ttl = if d.avg_ttl == 0 {
                        avg
                    } else {
                        (d.avg_ttl / 50) * 49 + avg / 50
                    };
                }
                let stale = keys.len();
                for k in keys.drain(..) {
                    self.delete_expired(db, &k);
                }
                expired_total += stale as u64;
                sampled_total += sampled;
                stale_total += stale as u64;
                if start.elapsed().as_micros() as u64 > budget_us {
                    self.stats.expired_time_cap_reached_count += 1;
                    break 'dbs;
                }
                if sampled == 0 || stale * 100 / (sampled as usize) <= EXPIRE_ACCEPTABLE_STALE {
                    break;
                }
            }
        }
        if sampled_total > 0 {
            let perc = stale_total as f64 / sampled_total as f64;
            self.stats.expired_stale_perc = perc * 0.05 + self.stats.expired_stale_perc * 0.95;
        }
        expired_total
    }
}

#[cfg(test)]
mod tests {
    use super::object::{StrValue, Value};
    use super::*;

    fn s(v: &str) -> RObj {
        RObj::new(Value::Str(StrValue::from_bytes(v.as_bytes())), 0)
    }

    #[test]
    fn lazy_expiry_on_master_deletes_and_queues_del() {
        let mut ks = Keyspace::new(2);
        ks.set_key(0, b"k", s("v"), false);
        ks.set_expire(0, b"k", ks.now_ms - 1);
        assert!(ks.lookup_read(0, b"k").is_none());
        assert_eq!(ks.dbs[0].dict.len(), 0);
        assert_eq!(ks.expired.len(), 1);
        assert_eq!(ks.stats.expired_keys, 1);
    }

    #[test]
    fn lazy_expiry_on_replica_hides_only() {
        let mut ks = Keyspace::new(1);
        ks.replica_mode = true;
        ks.set_key(0, b"k", s("v"), false);
        ks.set_expire(0, b"k", ks.now_ms - 1);
        assert!(ks.lookup_read(0, b"k").is_none());
        assert_eq!(ks.dbs[0].dict.len(), 1);
        ks.master_exec = true;
        assert!(ks.lookup_read(0, b"k").is_some());
    }

    #[test]
    fn set_key_clears_ttl_unless_kept() {
        let mut ks = Keyspace::new(1);
        ks.set_key(0, b"k", s("v"), false);
        ks.set_expire(0, b"k", ks.now_ms + 10_000);
        ks.set_key(0, b"k", s("w"), true);
        assert!(ks.get_expire(0, b"k").is_some());
        ks.set_key(0, b"k", s("x"), false);
        assert!(ks.get_expire(0, b"k").is_none());
    }

    #[test]
    fn active_cycle_removes_expired() {
        let mut ks = Keyspace::new(1);
        for i in 0..1000 {
            let k = format!("k{i}");
            ks.set_key(0, k.as_bytes(), s("v"), false);
            ks.set_expire(0, k.as_bytes(), ks.now_ms - 1);
        }
        let mut n = 0;
        for _ in 0..100 {
            n += ks.active_expire_cycle(10);
        }
        assert_eq!(n, 1000);
        assert_eq!(ks.total_keys(), 0);
    }
}
