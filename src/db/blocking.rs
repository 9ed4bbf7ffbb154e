//! The keyspace's side of blocking operations: which keys clients are blocked on, and which of
//! those keys a write made ready (Redis's `db->blocking_keys`, `db->ready_keys` and
//! `server.ready_keys`).
//!
//! Owns: per database number, the waiters of each key in the order they blocked, and the
//! queue of keys signalled ready since the last time blocked clients were served. Waiters are
//! opaque tokens (the `blocked` module uses client slab keys): this module never knows what a
//! client is. The tables belong to the database *number*, so SWAPDB (which swaps contents)
//! leaves them in place, as Redis does.
//!
//! ```text
//!   BLPOP k 0 (client 7) ─► add_waiter(0, "k", seq 41, token 7)
//!   LPUSH k x ──► set_key (new list key) ─► signal(0, "k") ─► ready: [(0, "k")]
//!   after the command ─► blocked::handle_clients_blocked_on_keys takes the queue and serves
//!                        the waiters of "k" in seq order
//! ```
//! A key is queued once however many writes signal it before it is served (a MULTI pushing
//! three times wakes the waiter once, with all three elements there).

use std::collections::{BTreeMap, HashMap, HashSet};

/// One database's waiters: key → (blocking sequence number → waiter token).
type Waiters = HashMap<Box<[u8]>, BTreeMap<u64, usize>>;

/// Waiters and ready keys of every database.
#[derive(Default)]
pub struct BlockingKeys {
    /// Per database number.
    waiters: Vec<Waiters>,
    /// Keys signalled ready, in signal order.
    ready: Vec<(usize, Box<[u8]>)>,
    /// Per database: the keys in `ready`, so each is queued once.
    queued: Vec<HashSet<Box<[u8]>>>,
}

impl BlockingKeys {
    pub fn new(databases: usize) -> BlockingKeys {
        BlockingKeys {
            waiters: (0..databases).map(|_| HashMap::new()).collect(),
            ready: Vec::new(),
            queued: (0..databases).map(|_| HashSet::new()).collect(),
        }
    }

    /// Records that waiter `token` (the `seq`-th to block) waits on `key` in `db`.
    pub fn add_waiter(&mut self, db: usize, key: &[u8], seq: u64, token: usize) {
        if let Some(m) = self.waiters.get_mut(db) {
            m.entry(key.into()).or_default().insert(seq, token);
        }
    }

    /// Forgets waiter `seq` of `key`; a key nobody waits on any more leaves the table.
    pub fn remove_waiter(&mut self, db: usize, key: &[u8], seq: u64) {
        let Some(m) = self.waiters.get_mut(db) else {
            return;
        };
        if let Some(w) = m.get_mut(key) {
            w.remove(&seq);
            if w.is_empty() {
                m.remove(key);
            }
        }
    }

    /// The first waiter of `key` that blocked after `after` (from the first when None), as
    /// (seq, token): serving walks the waiters this way while they come and go.
    pub fn next_waiter(&self, db: usize, key: &[u8], after: Option<u64>) -> Option<(u64, usize)> {
        let w = self.waiters.get(db)?.get(key)?;
        let from = after.map_or(0, |s| s.saturating_add(1));
        w.range(from..).next().map(|(&s, &t)| (s, t))
    }

    /// Whether some client waits on `key`.
    pub fn is_waited(&self, db: usize, key: &[u8]) -> bool {
        self.waiters.get(db).is_some_and(|m| m.contains_key(key))
    }

    /// The keys clients wait on in `db` (SWAPDB's scan).
    pub fn waited_keys(&self, db: usize) -> Vec<Box<[u8]>> {
        self.waiters
            .get(db)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Redis's signalKeyAsReady: queues `key` if someone waits on it and it is not queued
    /// yet. The caller has checked that the key's type can serve a blocked client.
    pub fn signal(&mut self, db: usize, key: &[u8]) {
        if !self.is_waited(db, key) {
            return;
        }
        let Some(q) = self.queued.get_mut(db) else {
            return;
        };
        if q.contains(key) {
            return;
        }
        q.insert(key.into());
        self.ready.push((db, key.into()));
    }

    /// Whether keys wait to be served.
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// Takes the queue of ready keys, leaving an empty one for keys signalled while these
    /// are served. Each key stays marked queued until [`BlockingKeys::unqueue`].
    pub fn take_ready(&mut self) -> Vec<(usize, Box<[u8]>)> {
        std::mem::take(&mut self.ready)
    }

    /// Unmarks `key` as queued, just before its waiters are served, so a push made while
    /// serving (BLMOVE to the same key) can queue it again.
    pub fn unqueue(&mut self, db: usize, key: &[u8]) {
        if let Some(q) = self.queued.get_mut(db) {
            q.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_only_waited_keys_once() {
        let mut b = BlockingKeys::new(2);
        b.signal(0, b"k");
        assert!(!b.has_ready());
        b.add_waiter(0, b"k", 5, 70);
        b.add_waiter(0, b"k", 3, 30);
        b.add_waiter(1, b"k", 4, 40);
        b.signal(0, b"k");
        b.signal(0, b"k");
        b.signal(1, b"k");
        let r = b.take_ready();
        assert_eq!(r.len(), 2);
        assert_eq!(b.next_waiter(0, b"k", None), Some((3, 30)));
        assert_eq!(b.next_waiter(0, b"k", Some(3)), Some((5, 70)));
        assert_eq!(b.next_waiter(0, b"k", Some(5)), None);
        // Still queued until unqueued.
        b.signal(0, b"k");
        assert!(!b.has_ready());
        b.unqueue(0, b"k");
        b.signal(0, b"k");
        assert!(b.has_ready());
        b.remove_waiter(0, b"k", 3);
        b.remove_waiter(0, b"k", 5);
        assert!(!b.is_waited(0, b"k"));
        assert_eq!(b.waited_keys(1), vec![Box::from(&b"k"[..])]);
    }
}
