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
//!   ├── expired: [(db, key)]         drained after each command / cron tick
//!   │                                into DELs for AOF and replicas
//!   └── events: [(kind, db, key)]    expired / new / missed keys, in the order
//!                                    they happened, for keyspace events and
//!                                    WATCH (recorded only when asked for)
//! ```
//!
//! Expiry, as Redis does it:
//! * **Lazy**: every lookup first checks the key's deadline. On a master an
//!   expired key is deleted there and then. On a replica it is only hidden
//!   (reads answer as if missing) and stays until the master's `DEL` arrives,
//!   so replica and master never disagree about what exists.
//! * **Active**: `active_expire_cycle` runs from cron and visits up to 16
//!   databases, resuming where the last cycle stopped. In each it walks the
//!   `expires` table from a saved cursor, taking about 20 keys with a TTL
//!   per loop, and repeats while more than 10% of the sample had expired,
//!   within 25% of the cron period: at `hz 10` that is 25 ms of every
//!   100 ms at most, typically far less. A cycle that runs out of time
//!   makes the next one visit every database, and lets the *fast* cycle
//!   (`active_expire_cycle_fast`, before each sleep, 1 ms, at most every
//!   2 ms) help until the backlog is gone. `active-expire-effort` (1-10)
//!   raises the sample size, the time budget and the stale threshold.
//!   Walking a cursor rather than picking random keys means N expired keys
//!   among M are all found within M/20 loops, however unlucky the draw.

pub mod blocking;
pub mod dict;
pub mod hash;
pub mod inline_bytes;
pub mod intset;
pub mod list;
pub mod listpack;
pub mod object;
pub mod set;
pub mod skiplist;
pub mod zset;

use dict::Dict;
use object::{RObj, ValueRef, LRU_CLOCK_MAX};

/// Keys sampled per database per loop, Redis's ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP.
const EXPIRE_KEYS_PER_LOOP: u64 = 20;
/// Percent of stale keys in a sample above which the cycle loops again,
/// Redis's ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE.
const EXPIRE_ACCEPTABLE_STALE: u64 = 10;
/// Percent of the cron period the slow cycle may use, Redis's
/// ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC.
const EXPIRE_SLOW_TIME_PERC: u64 = 25;
/// Budget of one fast cycle in microseconds, Redis's
/// ACTIVE_EXPIRE_CYCLE_FAST_DURATION.
const EXPIRE_FAST_DURATION_US: u64 = 1000;
/// Databases visited per expire cycle, Redis's CRON_DBS_PER_CALL.
const CRON_DBS_PER_CALL: usize = 16;

/// Which active expire cycle runs (Redis's ACTIVE_EXPIRE_CYCLE_SLOW/FAST).
#[derive(Clone, Copy, PartialEq, Eq)]
enum ExpireCycle {
    Slow,
    Fast,
}

/// One numbered database.
#[derive(Default)]
pub struct Db {
    pub dict: Dict<RObj>,
    pub expires: Dict<i64>,
    /// Average TTL of the keys the last expire cycle sampled (INFO avg_ttl), ms.
    pub avg_ttl: i64,
    /// Where the active expire cycle resumes scanning `expires` (Redis's
    /// expires_cursor), so successive cycles cover every key.
    pub expires_cursor: u64,
}

/// Something that happened to a key inside the keyspace that Redis reports
/// from db.c (notifyKeyspaceEvent, signalModifiedKey). The keyspace only
/// records it; the server drains [`Keyspace::events`] in order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum KeyEvent {
    /// Deleted because its TTL passed (lazily or by the active cycle).
    Expired,
    /// Added (Redis's dbAdd: the `new` event).
    New,
    /// A read found nothing (the `keymiss` event).
    Miss,
}

/// Bits of [`Keyspace::record_events`]: which [`KeyEvent`]s to record.
pub mod record {
    pub const EXPIRED: u8 = 1 << 0;
    pub const NEW: u8 = 1 << 1;
    pub const MISS: u8 = 1 << 2;
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
    /// Redis's LOOKUP_NOTOUCH on a read (EXISTS, TYPE, TTL, OBJECT): counts
    /// keyspace hits/misses but leaves the LRU clock alone.
    ReadNoTouch,
}

/// Keyspace statistics reported by INFO stats.
#[derive(Default, Debug, Clone)]
pub struct KeyspaceStats {
    pub expired_keys: u64,
    pub expired_stale_perc: f64,
    pub expired_time_cap_reached_count: u64,
    /// Time spent in active expire cycles (INFO expire_cycle_cpu_milliseconds).
    pub expire_cycle_time_used_us: u64,
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
    /// Unix ms until which clients are paused (any purpose, see `crate::pause`), 0 when
    /// not: meanwhile the data set stays still, so expired keys are hidden but not deleted
    /// and the active cycle does nothing (Redis's checkClientPauseTimeoutAndReturnIfPaused
    /// in expireIfNeeded and activeExpireCycle).
    pub clients_paused_until: i64,
    /// True while an AOF is replayed (Redis's server.loading): nothing expires, and a TTL
    /// already past is set rather than deleting the key; the keys go once loading is over.
    pub loading: bool,
    /// False after DEBUG SET-ACTIVE-EXPIRE 0.
    pub active_expire_enabled: bool,
    /// True while a forked child shares our pages: LRU updates would copy them.
    pub child_active: bool,
    /// Keys deleted by expiry, waiting to be propagated as DEL.
    pub expired: Vec<(usize, Box<[u8]>)>,
    /// Key events waiting to be reported, in order (see [`KeyEvent`]).
    pub events: Vec<(KeyEvent, usize, Box<[u8]>)>,
    /// Which events to record ([`record`] bits): set by the server from
    /// `notify-keyspace-events` and whether any key is WATCHed, so nothing
    /// is copied when nobody listens.
    pub record_events: u8,
    /// Set while an LFU `maxmemory-policy` is in force (by the server, from
    /// its config): accesses then update LFU counters.
    pub lfu: Option<Lfu>,
    /// Changes since the last successful save (Redis's server.dirty).
    pub dirty: u64,
    pub stats: KeyspaceStats,
    /// `active-expire-effort`, 1 (default) to 10.
    pub active_expire_effort: u32,
    /// Next database the active expire cycle visits.
    expire_current_db: usize,
    /// The last expire cycle stopped on its time limit.
    expire_timelimit_exit: bool,
    /// When the last fast expire cycle started, µs since the epoch.
    expire_last_fast_cycle_us: i64,
    /// Expired keys found by a scan, kept to reuse the allocation.
    expire_scratch: Vec<Box<[u8]>>,
    /// Keys blocked clients wait on and keys made ready for them (see `blocking`).
    pub blocking: blocking::BlockingKeys,
    /// On a writable replica: keys given a TTL by our own clients, not by our master
    /// (Redis's slaveKeysWithExpire). Only these are expired locally, by
    /// [`Keyspace::expire_replica_keys`].
    pub replica_keys_with_expire: std::collections::HashSet<(usize, Box<[u8]>)>,
}

/// Wall clock in milliseconds since the epoch.
pub fn mstime() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Wall clock in microseconds since the epoch (Redis's ustime).
pub fn ustime() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// Redis's LRU clock: seconds, wrapping at 24 bits.
pub fn lru_clock(now_ms: i64) -> u32 {
    ((now_ms / 1000) as u32) & LRU_CLOCK_MAX
}

/// 5: the LFU counter of a new key, so it survives a few evictions before
/// its first accesses count (Redis's LFU_INIT_VAL).
pub const LFU_INIT_VAL: u32 = 5;

/// Redis's LFUGetTimeInMinutes: minutes since the epoch, 16 bits.
fn lfu_minutes(now_ms: i64) -> u32 {
    ((now_ms / 60_000) as u32) & 65535
}

/// Redis's LFUDecrAndReturn: the LFU counter held in an object's 24-bit
/// `lru` field (16 bits of last-decrement minute, 8 bits of logarithmic
/// counter), less one per `decay_minutes` elapsed since.
pub fn lfu_decr_and_return(lru: u32, now_ms: i64, decay_minutes: u32) -> u32 {
    let ldt = lru >> 8;
    let counter = lru & 255;
    let now = lfu_minutes(now_ms);
    let elapsed = if now >= ldt {
        now - ldt
    } else {
        65535 - ldt + now
    };
    let periods = elapsed.checked_div(decay_minutes).unwrap_or(0);
    counter.saturating_sub(periods)
}

/// Redis's LFULogIncr: bumps the counter with probability
/// 1 / ((counter - LFU_INIT_VAL) * log_factor + 1), saturating at 255.
fn lfu_log_incr(counter: u32, log_factor: u32) -> u32 {
    if counter == 255 {
        return 255;
    }
    let r = (dict::random_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let base = counter.saturating_sub(LFU_INIT_VAL) as f64;
    if r < 1.0 / (base * log_factor as f64 + 1.0) {
        counter + 1
    } else {
        counter
    }
}

/// Redis's updateLFU: decay, count this access, stamp the minute.
fn lfu_touch(lru: u32, now_ms: i64, lfu: Lfu) -> u32 {
    let counter = lfu_log_incr(
        lfu_decr_and_return(lru, now_ms, lfu.decay_minutes),
        lfu.log_factor,
    );
    (lfu_minutes(now_ms) << 8) | counter
}

/// LFU access tracking, on while an LFU `maxmemory-policy` is set: objects'
/// `lru` fields then hold LFU data instead of the LRU clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lfu {
    /// `lfu-log-factor`.
    pub log_factor: u32,
    /// `lfu-decay-time`, minutes.
    pub decay_minutes: u32,
}

impl Keyspace {
    pub fn new(databases: usize) -> Keyspace {
        Keyspace {
            dbs: (0..databases.max(1)).map(|_| Db::default()).collect(),
            now_ms: mstime(),
            replica_mode: false,
            master_exec: false,
            clients_paused_until: 0,
            loading: false,
            active_expire_enabled: true,
            child_active: false,
            expired: Vec::new(),
            events: Vec::new(),
            record_events: 0,
            lfu: None,
            dirty: 0,
            stats: KeyspaceStats::default(),
            active_expire_effort: 1,
            expire_current_db: 0,
            expire_timelimit_exit: false,
            expire_last_fast_cycle_us: 0,
            expire_scratch: Vec::new(),
            blocking: blocking::BlockingKeys::new(databases.max(1)),
            replica_keys_with_expire: Default::default(),
        }
    }

    /// LRU clock value for objects created or touched now.
    pub fn lru_now(&self) -> u32 {
        lru_clock(self.now_ms)
    }

    /// The `lru` field of an object created now (Redis's createObject):
    /// the LRU clock, or under LFU this minute and [`LFU_INIT_VAL`].
    pub fn new_object_lru(&self) -> u32 {
        match self.lfu {
            Some(_) => (lfu_minutes(self.now_ms) << 8) | LFU_INIT_VAL,
            None => self.lru_now(),
        }
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
        // Redis's keyIsExpired: a key is gone once the clock is *past* its
        // deadline, so a key set to expire at T is still readable at T.
        if self.now_ms <= when || self.loading {
            return false;
        }
        if self.replica_mode {
            // Our master's stream sees keys as they are; other clients see
            // them expired but the master's DEL is what removes them.
            return !self.master_exec;
        }
        if self.clients_paused_until >= self.now_ms {
            return true;
        }
        self.delete_expired(db, key);
        true
    }

    fn delete_expired(&mut self, db: usize, key: &[u8]) {
        let d = &mut self.dbs[db];
        d.expires.remove(key);
        if let Some((k, _)) = d.dict.remove(key) {
            self.stats.expired_keys += 1;
            if self.record_events & record::EXPIRED != 0 {
                self.events
                    .push((KeyEvent::Expired, db, k.to_vec().into_boxed_slice()));
            }
            self.expired.push((db, k.into_boxed()));
        }
    }

    /// Redis's keyIsExpired: true when `key` has a deadline the command
    /// clock is past. Deletes nothing (KEYS reports around such keys).
    pub fn is_expired(&self, db: usize, key: &[u8]) -> bool {
        !self.loading
            && self
                .get_expire(db, key)
                .is_some_and(|when| self.now_ms > when)
    }

    /// Redis's checkAlreadyExpired: a deadline at or before now deletes the key at once,
    /// except on a replica (it waits for its master's DEL) and while loading (the key goes
    /// once loading is over).
    pub fn check_already_expired(&self, when: i64) -> bool {
        when <= mstime() && !self.replica_mode && !self.loading
    }

    /// Finds `key` in `db`, applying lazy expiry and access bookkeeping.
    pub fn lookup(&mut self, db: usize, key: &[u8], access: Access) -> Option<&mut RObj> {
        if self.expire_if_needed(db, key) {
            if matches!(access, Access::Read | Access::ReadNoTouch) {
                self.stats.keyspace_misses += 1;
                self.record_miss(db, key);
            }
            return None;
        }
        let lru = self.lru_now();
        let (lfu, now_ms) = (self.lfu, self.now_ms);
        let touch = matches!(access, Access::Read | Access::Write) && !self.child_active;
        let stats = matches!(access, Access::Read | Access::ReadNoTouch);
        match self.dbs[db].dict.get_mut(key) {
            Some(o) => {
                if touch {
                    o.set_lru(match lfu {
                        Some(l) => lfu_touch(o.lru(), now_ms, l),
                        None => lru,
                    });
                }
                if stats {
                    self.stats.keyspace_hits += 1;
                }
                Some(o)
            }
            None => {
                if stats {
                    self.stats.keyspace_misses += 1;
                    // Inline record_miss: `self.dbs` is still borrowed here.
                    if self.record_events & record::MISS != 0 {
                        self.events.push((KeyEvent::Miss, db, key.into()));
                    }
                }
                None
            }
        }
    }

    /// A read found no `key`: Redis's `keymiss` event, when asked for.
    fn record_miss(&mut self, db: usize, key: &[u8]) {
        if self.record_events & record::MISS != 0 {
            self.events.push((KeyEvent::Miss, db, key.into()));
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
        obj.set_lru(self.new_object_lru());
        let keep_frequency = self.lfu.is_some();
        let record_new = self.record_events & record::NEW != 0;
        let d = &mut self.dbs[db];
        match d.dict.get_mut(key) {
            Some(slot) => {
                // Under LFU an overwritten key keeps its access frequency
                // (Redis's dbOverwrite).
                if keep_frequency {
                    obj.set_lru(slot.lru());
                }
                *slot = obj
            }
            None => {
                // Redis's dbAdd: a new list or sorted set may be what a blocked client waits
                // for.
                let can_serve = matches!(obj.value(), ValueRef::List(_) | ValueRef::ZSet(_));
                d.dict.insert(key, obj);
                if can_serve {
                    self.blocking.signal(db, key);
                }
                if record_new {
                    self.events.push((KeyEvent::New, db, key.into()));
                }
            }
        }
        if !keep_ttl && !d.expires.is_empty() {
            d.expires.remove(key);
        }
    }

    /// Redis's scanDatabaseForReadyKeys (after SWAPDB): signals every key clients wait on in
    /// `db` that now holds a list or sorted set, expired or not (serving expires it).
    pub fn scan_for_ready_keys(&mut self, db: usize) {
        for key in self.blocking.waited_keys(db) {
            let can_serve = self.dbs[db]
                .dict
                .get(&key)
                .is_some_and(|o| matches!(o.value(), ValueRef::List(_) | ValueRef::ZSet(_)));
            if can_serve {
                self.blocking.signal(db, &key);
            }
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
        Some((k.into_boxed(), v, ttl))
    }

    /// Sets an absolute deadline (ms) on an existing key.
    pub fn set_expire(&mut self, db: usize, key: &[u8], when_ms: i64) {
        let d = &mut self.dbs[db];
        if let Some(t) = d.expires.get_mut(key) {
            *t = when_ms;
        } else if d.dict.contains_key(key) {
            d.expires.insert(key, when_ms);
        } else {
            return;
        }
        // A writable replica's own TTLs are its own to enforce (Redis's setExpire →
        // rememberSlaveKeyWithExpire).
        if self.replica_mode && !self.master_exec {
            self.replica_keys_with_expire.insert((db, key.into()));
        }
    }

    /// Redis's expireSlaveKeys: on a replica, deletes the keys our own clients gave a TTL
    /// once it passed; keys that lost their TTL or vanished are forgotten. Returns the keys
    /// expired.
    pub fn expire_replica_keys(&mut self) -> u64 {
        if self.replica_keys_with_expire.is_empty() {
            return 0;
        }
        let now = mstime();
        let mut gone = Vec::new();
        let mut expired = Vec::new();
        for (db, key) in &self.replica_keys_with_expire {
            match self.dbs.get(*db).and_then(|d| d.expires.get(key).copied()) {
                Some(when) if when < now => expired.push((*db, key.clone())),
                Some(_) => {}
                None => gone.push((*db, key.clone())),
            }
        }
        for k in &gone {
            self.replica_keys_with_expire.remove(k);
        }
        for (db, key) in &expired {
            self.replica_keys_with_expire.remove(&(*db, key.clone()));
            self.delete_expired(*db, key);
        }
        expired.len() as u64
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

    /// Redis's activeExpireCycle, slow variant, run from cron: see the
    /// module doc. `hz` sets the time budget; returns the keys expired.
    pub fn active_expire_cycle(&mut self, hz: i64) -> u64 {
        self.expire_cycle(ExpireCycle::Slow, hz)
    }

    /// Redis's activeExpireCycle, fast variant, run before each sleep: at
    /// most ~1 ms, and only when the last slow cycle ran out of time.
    pub fn active_expire_cycle_fast(&mut self, hz: i64) -> u64 {
        self.expire_cycle(ExpireCycle::Fast, hz)
    }

    fn expire_cycle(&mut self, kind: ExpireCycle, hz: i64) -> u64 {
        if self.replica_mode || !self.active_expire_enabled || self.clients_paused_until >= mstime()
        {
            return 0;
        }
        // active-expire-effort 1..10 rescaled to 0..9 widens every knob.
        let effort = u64::from(self.active_expire_effort.clamp(1, 10) - 1);
        let keys_per_loop = EXPIRE_KEYS_PER_LOOP + EXPIRE_KEYS_PER_LOOP / 4 * effort;
        let fast_duration = EXPIRE_FAST_DURATION_US + EXPIRE_FAST_DURATION_US / 4 * effort;
        let slow_time_perc = EXPIRE_SLOW_TIME_PERC + 2 * effort;
        let acceptable_stale = EXPIRE_ACCEPTABLE_STALE - effort;

        let start = ustime();
        if kind == ExpireCycle::Fast {
            // Redis compares the stale *fraction* with the stale *percent*
            // here, so in practice a fast cycle runs only after a slow one
            // hit its time limit. Kept as is: it is what Redis does.
            if !self.expire_timelimit_exit
                && self.stats.expired_stale_perc < acceptable_stale as f64
            {
                return 0;
            }
            if start < self.expire_last_fast_cycle_us + 2 * fast_duration as i64 {
                return 0;
            }
            self.expire_last_fast_cycle_us = start;
        }

        let dbnum = self.dbs.len();
        let dbs_per_call = if CRON_DBS_PER_CALL > dbnum || self.expire_timelimit_exit {
            dbnum
        } else {
            CRON_DBS_PER_CALL
        };
        let timelimit_us = match kind {
            ExpireCycle::Fast => fast_duration as i64,
            ExpireCycle::Slow => ((slow_time_perc * 1_000_000) as i64 / hz.max(1) / 100).max(1),
        };
        self.expire_timelimit_exit = false;

        let mut total_sampled = 0u64;
        let mut total_expired = 0u64;
        let mut iteration = 0u64;
        let mut stale = std::mem::take(&mut self.expire_scratch);
        let mut j = 0;
        while j < dbs_per_call && !self.expire_timelimit_exit {
            j += 1;
            let db = self.expire_current_db % dbnum;
            // Move on now, so a cycle cut short here resumes with the next db.
            self.expire_current_db = self.expire_current_db.wrapping_add(1);
            loop {
                iteration += 1;
                let d = &mut self.dbs[db];
                let num = d.expires.len();
                if num == 0 {
                    d.avg_ttl = 0;
                    break;
                }
                let now = mstime();
                let num = (num as u64).min(keys_per_loop);
                // Empty buckets are cheap to skip, but not free: give up on
                // this round after 20 buckets per wanted key.
                let max_buckets = num * 20;
                let mut checked_buckets = 0u64;
                let mut sampled = 0u64;
                let mut expired = 0u64;
                let mut ttl_sum = 0i64;
                let mut ttl_samples = 0i64;
                let mut cursor = d.expires_cursor;
                while sampled < num && checked_buckets < max_buckets {
                    cursor = self.dbs[db].expires.scan(cursor, |k, &when| {
                        if now > when {
                            stale.push(k.into());
                        } else if when > now {
                            ttl_sum += when - now;
                            ttl_samples += 1;
                        }
                        sampled += 1;
                    });
                    checked_buckets += 1;
                    // Delete bucket by bucket, as Redis does, so a walk that
                    // wraps around never meets the same dead key twice.
                    expired += stale.len() as u64;
                    for k in stale.drain(..) {
                        self.delete_expired(db, &k);
                    }
                }
                let d = &mut self.dbs[db];
                d.expires_cursor = cursor;
                if ttl_samples > 0 {
                    // Running average: the new sample weighs 2%.
                    let avg = ttl_sum / ttl_samples;
                    if d.avg_ttl == 0 {
                        d.avg_ttl = avg;
                    }
                    d.avg_ttl = (d.avg_ttl / 50) * 49 + avg / 50;
                }
                total_expired += expired;
                total_sampled += sampled;
                if iteration & 0xf == 0 && ustime() - start > timelimit_us {
                    self.expire_timelimit_exit = true;
                    self.stats.expired_time_cap_reached_count += 1;
                    break;
                }
                // Repeat on this db only while the sample was mostly stale.
                if sampled != 0 && expired * 100 / sampled <= acceptable_stale {
                    break;
                }
            }
        }
        self.expire_scratch = stale;
        self.stats.expire_cycle_time_used_us += (ustime() - start).max(0) as u64;
        let current_perc = if total_sampled > 0 {
            total_expired as f64 / total_sampled as f64
        } else {
            0.0
        };
        self.stats.expired_stale_perc = current_perc * 0.05 + self.stats.expired_stale_perc * 0.95;
        total_expired
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
    fn writable_replica_expires_only_its_own_ttls() {
        let mut ks = Keyspace::new(1);
        ks.replica_mode = true;
        ks.set_key(0, b"mine", s("v"), false);
        ks.set_key(0, b"masters", s("v"), false);
        ks.set_expire(0, b"mine", 1);
        ks.master_exec = true;
        ks.set_expire(0, b"masters", 1);
        ks.master_exec = false;
        assert_eq!(ks.expire_replica_keys(), 1);
        assert!(ks.dbs[0].dict.get(b"mine".as_slice()).is_none());
        assert!(ks.dbs[0].dict.get(b"masters".as_slice()).is_some());
        assert!(ks.replica_keys_with_expire.is_empty());
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
        assert!(ks.stats.expired_stale_perc > 0.0);
    }

    #[test]
    fn active_cycle_finds_few_expired_among_many_live() {
        let mut ks = Keyspace::new(1);
        for i in 0..2000 {
            let k = format!("k{i}");
            ks.set_key(0, k.as_bytes(), s("v"), false);
            let when = if i % 200 == 0 {
                ks.now_ms - 1
            } else {
                ks.now_ms + 60_000
            };
            ks.set_expire(0, k.as_bytes(), when);
        }
        let mut n = 0;
        for _ in 0..200 {
            n += ks.active_expire_cycle(10);
        }
        assert_eq!(n, 10);
        assert_eq!(ks.total_keys(), 1990);
        assert!(ks.dbs[0].avg_ttl > 0);
    }

    #[test]
    fn key_is_live_at_its_deadline_and_gone_after() {
        let mut ks = Keyspace::new(1);
        ks.set_key(0, b"k", s("v"), false);
        ks.set_expire(0, b"k", ks.now_ms);
        assert!(!ks.is_expired(0, b"k"));
        assert!(ks.lookup_read(0, b"k").is_some());
        ks.now_ms += 1;
        assert!(ks.is_expired(0, b"k"));
        assert!(ks.lookup_read(0, b"k").is_none());
    }

    #[test]
    fn read_no_touch_counts_stats_but_keeps_lru() {
        let mut ks = Keyspace::new(1);
        ks.set_key(0, b"k", s("v"), false);
        if let Some(o) = ks.dbs[0].dict.get_mut(b"k") {
            o.set_lru(7);
        }
        assert!(ks.lookup(0, b"k", Access::ReadNoTouch).is_some());
        assert!(ks.lookup(0, b"nope", Access::ReadNoTouch).is_none());
        assert_eq!(ks.stats.keyspace_hits, 1);
        assert_eq!(ks.stats.keyspace_misses, 1);
        assert_eq!(ks.dbs[0].dict.get(b"k").map(|o| o.lru()), Some(7));
    }

    #[test]
    fn lfu_counters_start_at_init_count_accesses_and_survive_overwrites() {
        let mut ks = Keyspace::new(1);
        ks.lfu = Some(Lfu {
            log_factor: 0,
            decay_minutes: 1,
        });
        ks.set_key(0, b"k", s("v"), false);
        let counter = |ks: &Keyspace| ks.dbs[0].dict.get(b"k").map(|o| o.lru() & 255);
        assert_eq!(counter(&ks), Some(LFU_INIT_VAL));
        // Log factor 0: every access counts.
        for _ in 0..3 {
            assert!(ks.lookup_read(0, b"k").is_some());
        }
        assert_eq!(counter(&ks), Some(LFU_INIT_VAL + 3));
        assert!(ks.lookup(0, b"k", Access::NoTouch).is_some());
        assert_eq!(counter(&ks), Some(LFU_INIT_VAL + 3));
        ks.set_key(0, b"k", s("w"), false);
        assert_eq!(counter(&ks), Some(LFU_INIT_VAL + 3));
    }

    #[test]
    fn lfu_counter_decays_one_per_period() {
        let minute = 60_000;
        let lru = (100 << 8) | 20;
        assert_eq!(lfu_decr_and_return(lru, 100 * minute, 1), 20);
        assert_eq!(lfu_decr_and_return(lru, 105 * minute, 1), 15);
        assert_eq!(lfu_decr_and_return(lru, 110 * minute, 2), 15);
        assert_eq!(lfu_decr_and_return(lru, 200 * minute, 1), 0);
        assert_eq!(lfu_decr_and_return(lru, 200 * minute, 0), 20);
        // The 16-bit minute clock wrapped.
        assert_eq!(lfu_decr_and_return(lru, (65536 + 4) * minute, 1), 0);
        assert_eq!(lfu_log_incr(255, 10), 255);
    }

    #[test]
    fn fast_cycle_waits_for_a_slow_cycle_to_run_out_of_time() {
        let mut ks = Keyspace::new(1);
        ks.set_key(0, b"k", s("v"), false);
        ks.set_expire(0, b"k", ks.now_ms - 1);
        assert_eq!(ks.active_expire_cycle_fast(10), 0);
        assert_eq!(ks.total_keys(), 1);
    }
}
