//! Eviction of keys under `maxmemory` (Redis's evict.c).
//!
//! Owns: choosing and deleting keys while the memory in use exceeds
//! `maxmemory`, by `maxmemory-policy`; the eviction pool of best candidates;
//! the "keep evicting" state when one pass runs out of time; the
//! eviction-exceeded timers INFO reports. It must never refuse commands
//! itself: `process_command` asks [`perform_evictions`] and refuses
//! memory-using commands when it answers [`EvictResult::Fail`].
//!
//! ```text
//!   used > maxmemory? ──no──► Ok
//!        │ yes
//!   noeviction? ──yes──► Fail (writes refused with -OOM)
//!        │
//!   loop until enough bytes are freed:
//!     LRU / LFU / TTL policies: sample maxmemory-samples keys of every db
//!        (all keys, or only those with a TTL) into the 16-entry pool,
//!        best candidate (idlest, least used, soonest to expire) on the
//!        right; evict the rightmost that still exists
//!     random policies: a random key of the next non-empty db
//!     delete it: WATCH touched, `evicted` keyspace event, DEL propagated
//!     every 16 keys: over the time budget (maxmemory-eviction-tenacity)?
//!        then stop and carry on before the next sleep (Running)
//!   nothing left to evict ──► Fail
//! ```
//!
//! Sampling is approximate on purpose, as in Redis: with 5 samples per
//! database and a pool kept across evictions, the evicted keys are close
//! to the true least recently used ones at a small constant cost.

use std::time::Instant;

use crate::config::MaxmemoryPolicy as Policy;
use crate::log::Level;
use crate::server::Server;
use crate::serverlog;

/// 16 candidates, Redis's EVPOOL_SIZE.
const EVPOOL_SIZE: usize = 16;
/// Keys evicted between two checks of the time budget (Redis's `% 16`).
const KEYS_PER_TIME_CHECK: u64 = 16;

/// What [`perform_evictions`] achieved (Redis's EVICT_OK / RUNNING / FAIL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvictResult {
    /// Under the limit (or nothing to do).
    Ok,
    /// Still over the limit, eviction continues before the next sleep.
    Running,
    /// Over the limit and nothing (more) can be evicted.
    Fail,
}

/// One eviction candidate: the higher `idle`, the better to evict.
struct PoolEntry {
    idle: u64,
    key: Box<[u8]>,
    db: usize,
}

/// Eviction state kept between calls.
#[derive(Default)]
pub struct Evictor {
    /// Candidates in ascending `idle` order, at most [`EVPOOL_SIZE`].
    pool: Vec<PoolEntry>,
    /// Where the random policies look next.
    next_db: usize,
    /// A pass ran out of time: evict again before the next sleep (Redis's
    /// isEvictionProcRunning).
    pub running: bool,
    /// Since when memory has been over the limit without eviction keeping
    /// up (INFO current_eviction_exceeded_time).
    exceeded_since: Option<Instant>,
    /// Microseconds spent over the limit before now.
    exceeded_total_us: u64,
}

impl Evictor {
    /// INFO `total_eviction_exceeded_time` and `current_eviction_exceeded_time`, ms.
    pub fn exceeded_ms(&self) -> (u64, u64) {
        let current = self
            .exceeded_since
            .map_or(0, |t| t.elapsed().as_micros() as u64);
        ((self.exceeded_total_us + current) / 1000, current / 1000)
    }

    /// CONFIG RESETSTAT: both timers restart from zero (the current one
    /// at the next pass still over the limit).
    pub fn reset_stats(&mut self) {
        self.exceeded_total_us = 0;
        self.exceeded_since = None;
    }

    /// Redis's evictionPoolPopulate insertion: keeps the pool sorted, and
    /// when full drops the worst candidate (leftmost) for a better one.
    fn insert(&mut self, idle: u64, key: &[u8], db: usize) {
        let mut k = self.pool.partition_point(|e| e.idle < idle);
        let full = self.pool.len() == EVPOOL_SIZE;
        if k == 0 && full {
            return;
        }
        if full {
            self.pool.remove(0);
            k -= 1;
        }
        self.pool.insert(
            k,
            PoolEntry {
                idle,
                key: key.into(),
                db,
            },
        );
    }
}

/// Redis's freeMemoryGetNotCountedMemory: memory left out of the maxmemory count, so that
/// evicting (whose DELs feed the replication stream and the AOF) cannot feed itself: the
/// backlog's tail beyond the ring (replicas' unsent share) and the AOF buffer.
pub fn not_counted_memory(srv: &Server) -> u64 {
    let tail = srv
        .repl
        .master
        .backlog
        .as_ref()
        .map_or(0, |b| b.memory().saturating_sub(b.size()));
    let aof = if srv.aof.status != crate::persistence::aof::Status::Off {
        srv.aof.buf.capacity()
    } else {
        0
    };
    (tail + aof) as u64
}

/// getMaxmemoryState: bytes to free to get back under `maxmemory`, or None when under it.
fn bytes_to_free(srv: &Server) -> Option<u64> {
    let max = srv.config.maxmemory;
    if max == 0 {
        return None;
    }
    let used = crate::alloc::allocated().saturating_sub(not_counted_memory(srv));
    (used > max).then(|| used - max)
}

/// Redis's estimateObjectIdleTime: ms since the object's LRU clock.
fn idle_ms(lru_now: u32, lru: u32) -> u64 {
    let (now, lru) = (u64::from(lru_now), u64::from(lru));
    let max = u64::from(crate::db::object::LRU_CLOCK_MAX);
    let secs = if now >= lru {
        now - lru
    } else {
        now + (max - lru)
    };
    secs * 1000
}

/// Redis's evictionTimeLimitUs: the budget of one pass.
fn time_limit_us(tenacity: i64) -> u64 {
    let t = tenacity.clamp(0, 100);
    if t <= 10 {
        50 * t as u64
    } else if t < 100 {
        (500.0 * 1.15f64.powf(t as f64 - 10.0)) as u64
    } else {
        u64::MAX
    }
}

fn is_allkeys(p: Policy) -> bool {
    matches!(
        p,
        Policy::AllkeysLru | Policy::AllkeysLfu | Policy::AllkeysRandom
    )
}

/// Samples keys of database `db` into the pool (Redis's
/// evictionPoolPopulate).
fn populate(srv: &mut Server, db: usize) {
    let policy = srv.config.maxmemory_policy;
    let samples = srv.config.maxmemory_samples.clamp(1, 64) as usize;
    let lru_now = srv.ks.lru_now();
    let now_ms = srv.ks.now_ms;
    let decay = srv.config.lfu_decay_time.clamp(0, u32::MAX as i64) as u32;
    let mut picked: Vec<(u64, Box<[u8]>)> = Vec::with_capacity(samples);
    let d = &srv.ks.dbs[db];
    let score = |lru: u32| -> u64 {
        match policy {
            Policy::AllkeysLfu | Policy::VolatileLfu => {
                255 - u64::from(crate::db::lfu_decr_and_return(lru, now_ms, decay))
            }
            _ => idle_ms(lru_now, lru),
        }
    };
    if is_allkeys(policy) {
        d.dict
            .sample(samples, |k, o| picked.push((score(o.lru()), k.into())));
    } else {
        d.expires.sample(samples, |k, &when| {
            let idle = if policy == Policy::VolatileTtl {
                // The sooner it expires, the better.
                u64::MAX - when as u64
            } else {
                match d.dict.get(k) {
                    Some(o) => score(o.lru()),
                    None => return,
                }
            };
            picked.push((idle, k.into()));
        });
    }
    for (idle, key) in picked {
        srv.evict.insert(idle, &key, db);
    }
}

/// The best key to evict now, by the pool or at random.
fn pick(srv: &mut Server) -> Option<(usize, Box<[u8]>)> {
    let policy = srv.config.maxmemory_policy;
    let allkeys = is_allkeys(policy);
    match policy {
        Policy::AllkeysRandom | Policy::VolatileRandom => {
            let n = srv.ks.dbs.len();
            for _ in 0..n {
                srv.evict.next_db = (srv.evict.next_db + 1) % n;
                let d = &srv.ks.dbs[srv.evict.next_db];
                let key = if allkeys {
                    d.dict.random_entry().map(|(k, _)| k)
                } else {
                    d.expires.random_entry().map(|(k, _)| k)
                };
                if let Some(k) = key {
                    return Some((srv.evict.next_db, k.into()));
                }
            }
            None
        }
        _ => loop {
            let mut total = 0;
            for db in 0..srv.ks.dbs.len() {
                let d = &srv.ks.dbs[db];
                let n = if allkeys {
                    d.dict.len()
                } else {
                    d.expires.len()
                };
                if n > 0 {
                    populate(srv, db);
                    total += n;
                }
            }
            if total == 0 {
                return None;
            }
            // The best candidate that still exists (the pool may hold keys
            // deleted since they were sampled).
            while let Some(e) = srv.evict.pool.pop() {
                let d = &srv.ks.dbs[e.db];
                let exists = if allkeys {
                    d.dict.contains_key(&e.key)
                } else {
                    d.expires.contains_key(&e.key)
                };
                if exists {
                    return Some((e.db, e.key));
                }
            }
        },
    }
}

/// Deletes one chosen key as Redis's eviction does: WATCH touched, the
/// `evicted` event, a DEL (UNLINK with lazyfree-lazy-eviction) propagated.
/// Returns the bytes freed (may be negative).
fn evict_key(srv: &mut Server, db: usize, key: &[u8]) -> i64 {
    let before = crate::alloc::allocated() as i64;
    let start = Instant::now();
    let d = &mut srv.ks.dbs[db];
    d.expires.remove(key);
    let removed = d.dict.remove(key);
    drop(removed);
    let threshold = crate::commands::server_cmds::cfg::latency_monitor_threshold(srv);
    srv.introspection.latency.add_sample_if_needed(
        threshold,
        "eviction-del",
        start.elapsed().as_millis() as u64,
    );
    let freed = before - crate::alloc::allocated() as i64;
    srv.ks.stats.evicted_keys += 1;
    crate::multi::touch_watched_key(srv, db, key);
    crate::pubsub::notify_keyspace_event(srv, crate::config::notify::EVICTED, "evicted", key, db);
    let del: &[u8] = if srv.config.lazyfree_lazy_eviction {
        b"UNLINK"
    } else {
        b"DEL"
    };
    crate::commands::propagate_deletion(srv, db, del, key);
    freed
}

/// Redis's isSafeToPerformEvictions: not on a replica told to ignore
/// maxmemory. (Nor while loading a dataset: the persistence issue adds
/// that check with loading itself.)
fn safe_to_evict(srv: &Server) -> bool {
    // While clients are paused the data set stays still: no evictions either.
    !(srv.ks.replica_mode && srv.config.replica_ignore_maxmemory)
        && srv.ks.clients_paused_until < crate::db::mstime()
}

/// Redis's performEvictions: evicts keys until memory is under `maxmemory`,
/// the policy forbids it, nothing is left, or the time budget runs out
/// (then [`Evictor::running`] makes it go on before the next sleep).
pub fn perform_evictions(srv: &mut Server) -> EvictResult {
    if !safe_to_evict(srv) {
        return EvictResult::Ok;
    }
    let result = match bytes_to_free(srv) {
        None => EvictResult::Ok,
        Some(_) if srv.config.maxmemory_policy == Policy::NoEviction => EvictResult::Fail,
        Some(to_free) => evict_until(srv, to_free),
    };
    match result {
        EvictResult::Ok => {
            if let Some(t) = srv.evict.exceeded_since.take() {
                srv.evict.exceeded_total_us += t.elapsed().as_micros() as u64;
            }
        }
        _ => {
            srv.evict.exceeded_since.get_or_insert_with(Instant::now);
        }
    }
    result
}

fn evict_until(srv: &mut Server, to_free: u64) -> EvictResult {
    let limit_us = time_limit_us(srv.config.maxmemory_eviction_tenacity);
    let start = Instant::now();
    let mut freed: i64 = 0;
    let mut keys_freed = 0u64;
    let mut exhausted = false;
    srv.ks.update_clock();
    while freed < to_free as i64 {
        let Some((db, key)) = pick(srv) else {
            // Nothing left that the policy may evict.
            exhausted = true;
            break;
        };
        freed += evict_key(srv, db, &key);
        keys_freed += 1;
        if keys_freed % KEYS_PER_TIME_CHECK == 0 && start.elapsed().as_micros() as u64 > limit_us {
            // Still more to free: carry on before the next sleep.
            srv.evict.running = true;
            break;
        }
    }
    // As Redis: Running whenever the continuation is armed (also when this
    // very pass is the continuation), so it makes one more pass to confirm.
    let result = if exhausted {
        EvictResult::Fail
    } else if srv.evict.running {
        EvictResult::Running
    } else {
        EvictResult::Ok
    };
    let threshold = crate::commands::server_cmds::cfg::latency_monitor_threshold(srv);
    srv.introspection.latency.add_sample_if_needed(
        threshold,
        "eviction-cycle",
        start.elapsed().as_millis() as u64,
    );
    result
}

/// Redis's evictionTimeProc: keeps evicting, before each sleep, while a
/// pass ends [`EvictResult::Running`].
pub fn eviction_continues(srv: &mut Server) {
    if srv.evict.running && perform_evictions(srv) != EvictResult::Running {
        srv.evict.running = false;
    }
}

/// CONFIG SET maxmemory (Redis's updateMaxmemory): warns when the new limit
/// is already exceeded and starts evicting.
pub fn maxmemory_changed(srv: &mut Server) {
    let max = srv.config.maxmemory;
    if max == 0 {
        return;
    }
    let used = crate::alloc::allocated();
    if max < used {
        serverlog!(
            Level::Warning,
            "WARNING: the new maxmemory value set via CONFIG SET ({max}) is smaller than the current memory usage ({used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy."
        );
    }
    srv.evict.running = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(e: &Evictor) -> Vec<(u64, &[u8])> {
        e.pool.iter().map(|p| (p.idle, &*p.key)).collect()
    }

    #[test]
    fn the_pool_keeps_the_best_candidates_in_order() {
        let mut e = Evictor::default();
        for i in 0..EVPOOL_SIZE as u64 {
            e.insert(i * 10 + 10, format!("k{i}").as_bytes(), 0);
        }
        assert_eq!(e.pool.len(), EVPOOL_SIZE);
        // Worse than the worst of a full pool: ignored.
        e.insert(5, b"bad", 0);
        assert!(keys(&e).iter().all(|(_, k)| *k != b"bad"));
        // Better than some: the worst (leftmost) goes.
        e.insert(55, b"mid", 0);
        assert_eq!(e.pool.len(), EVPOOL_SIZE);
        assert_eq!(keys(&e)[0], (20, b"k1".as_slice()));
        assert!(e.pool.windows(2).all(|w| w[0].idle <= w[1].idle));
        e.insert(1000, b"best", 3);
        let last = e.pool.last().unwrap();
        assert_eq!((&*last.key, last.db), (b"best".as_slice(), 3));
    }

    #[test]
    fn idle_time_wraps_with_the_24_bit_clock() {
        assert_eq!(idle_ms(100, 40), 60_000);
        let max = crate::db::object::LRU_CLOCK_MAX;
        assert_eq!(idle_ms(5, max - 5), 10_000);
    }

    #[test]
    fn tenacity_sets_the_time_budget() {
        assert_eq!(time_limit_us(0), 0);
        assert_eq!(time_limit_us(10), 500);
        assert_eq!(time_limit_us(11), 575);
        assert_eq!(time_limit_us(100), u64::MAX);
    }
}
