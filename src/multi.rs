//! MULTI/EXEC state and WATCH (Redis's multi.c).
//!
//! Owns: a client's queue of commands between MULTI and EXEC
//! ([`MultiState`]), the keys each client WATCHes ([`WatchedKey`], kept on
//! the client) and the server-wide index from `(db, key)` to the clients
//! watching it ([`WatchTable`]), and the rules that make a transaction's
//! EXEC fail: a command that could not be queued (`DIRTY_EXEC`, EXEC then
//! answers `-EXECABORT`) or a watched key that changed (`DIRTY_CAS`, EXEC
//! then answers a null array). It must never run commands: EXEC itself lives
//! in `commands::transactions` and runs the queue through `commands::call`.
//!
//! ```text
//!   WATCH k ─► client.watched_keys += (db, k, expired?)
//!              table[db][k]        += client
//!   any write to (db, k) ─► touch_watched_key ─► every watcher: DIRTY_CAS,
//!                                                 and its watches dropped
//!   FLUSHDB / FLUSHALL / SWAPDB ─► touch_all_watched_keys_in_db
//!   key expires (lazily or actively) ─► touch_watched_key (via the
//!                                       keyspace's event log)
//!   EXEC ─► a watched key logically expired since WATCH? ─► DIRTY_CAS
//! ```
//!
//! A key that was already expired when it was WATCHed is remembered as
//! such (`expired`): its deletion by expiry, or a FLUSHDB that drops it, is
//! no logical change and must not fail the EXEC.

use std::collections::HashMap;

use crate::client::flags as cf;
use crate::client::Client;
use crate::commands::Argv;
use crate::server::Server;

/// One queued command: its table id and a private copy of its arguments
/// (one buffer plus spans, so EXEC hands the handler an ordinary `Argv`).
pub struct MultiCmd {
    pub id: usize,
    buf: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

impl MultiCmd {
    pub fn new(id: usize, argv: &Argv<'_>) -> MultiCmd {
        let total: usize = argv.iter().map(<[u8]>::len).sum();
        let mut buf = Vec::with_capacity(total);
        let mut spans = Vec::with_capacity(argv.len());
        for a in argv.iter() {
            spans.push((buf.len(), a.len()));
            buf.extend_from_slice(a);
        }
        MultiCmd { id, buf, spans }
    }

    pub fn argv(&self) -> Argv<'_> {
        Argv::new(&self.buf, &self.spans)
    }
}

/// A client's transaction in progress (Redis's multiState).
#[derive(Default)]
pub struct MultiState {
    pub commands: Vec<MultiCmd>,
    /// Union of the queued commands' flags (EXEC is refused under OOM when
    /// one of them is DENYOOM, by min-replicas when one is WRITE).
    pub cmd_flags: u32,
    /// Union of the complements of the queued commands' flags (EXEC is a
    /// "no STALE" command when one of them lacks STALE).
    pub cmd_inv_flags: u32,
    /// Argument bytes queued plus a pointer per argument (CLIENT LIST
    /// multi-mem, Redis's argv_len_sums).
    pub argv_len_sums: usize,
}

/// Bytes of a list node plus a watchedKey in Redis, counted per WATCHed key.
const WATCHED_KEY_OVERHEAD: usize = 24 + 32;

/// Redis's multiStateMemOverhead: what a client's transaction and watches
/// cost (CLIENT LIST tot-mem).
pub fn mem_overhead(c: &Client) -> usize {
    c.mstate.argv_len_sums
        + c.watched_keys.len() * WATCHED_KEY_OVERHEAD
        + c.mstate.commands.capacity() * std::mem::size_of::<MultiCmd>()
}

/// A key a client WATCHes.
pub struct WatchedKey {
    pub db: usize,
    pub key: Box<[u8]>,
    /// The key was already logically expired when WATCH was called.
    pub expired: bool,
}

/// For each database, the clients (slab keys, in WATCH order) watching
/// each key: Redis's `db->watched_keys`. Stays with the database number
/// across SWAPDB, as in Redis.
pub struct WatchTable {
    dbs: Vec<HashMap<Box<[u8]>, Vec<usize>>>,
    /// Watched `(db, key)` entries in all databases.
    entries: usize,
}

impl WatchTable {
    pub fn new(databases: usize) -> WatchTable {
        WatchTable {
            dbs: (0..databases.max(1)).map(|_| HashMap::new()).collect(),
            entries: 0,
        }
    }

    /// True when no client watches any key.
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    fn add(&mut self, db: usize, key: &[u8], client: usize) {
        if db >= self.dbs.len() {
            self.dbs.resize_with(db + 1, HashMap::new);
        }
        match self.dbs[db].get_mut(key) {
            Some(list) => list.push(client),
            None => {
                self.dbs[db].insert(key.into(), vec![client]);
                self.entries += 1;
            }
        }
    }

    fn remove(&mut self, db: usize, key: &[u8], client: usize) {
        let Some(list) = self.dbs.get_mut(db).and_then(|m| m.get_mut(key)) else {
            return;
        };
        if let Some(pos) = list.iter().position(|&c| c == client) {
            list.remove(pos);
        }
        if list.is_empty() {
            self.dbs[db].remove(key);
            self.entries -= 1;
        }
    }

    fn watchers(&self, db: usize, key: &[u8]) -> Option<&Vec<usize>> {
        self.dbs.get(db).and_then(|m| m.get(key))
    }
}

/// Redis's flagTransaction: a command failed to queue, so the EXEC of the
/// transaction in progress (if any) will abort.
pub fn flag_transaction(c: &mut Client) {
    if c.has_flag(cf::MULTI) {
        c.flags |= cf::DIRTY_EXEC;
    }
}

/// Redis's queueMultiCommand: `+QUEUED` is the caller's. Nothing is kept
/// once the transaction is doomed anyway.
pub fn queue_multi_command(c: &mut Client, id: usize, cmd_flags: u32, argv: &Argv<'_>) {
    if c.has_flag(cf::DIRTY_CAS | cf::DIRTY_EXEC) {
        return;
    }
    let bytes: usize = argv.iter().map(<[u8]>::len).sum();
    c.mstate.argv_len_sums += bytes + argv.len() * std::mem::size_of::<usize>();
    c.mstate.commands.push(MultiCmd::new(id, argv));
    c.mstate.cmd_flags |= cmd_flags;
    c.mstate.cmd_inv_flags |= !cmd_flags;
}

/// Redis's discardTransaction: forgets the queue, leaves MULTI and unwatches
/// every key.
pub fn discard_transaction(srv: &mut Server, cid: usize) {
    let Some(c) = srv.clients.get_mut(cid) else {
        return;
    };
    c.mstate = MultiState::default();
    c.flags &= !(cf::MULTI | cf::DIRTY_CAS | cf::DIRTY_EXEC);
    unwatch_all_keys(srv, cid);
}

/// Redis's watchForKey: WATCH `key` in the client's current database.
pub fn watch_for_key(srv: &mut Server, cid: usize, key: &[u8]) {
    let db = srv.clients[cid].db;
    if srv.clients[cid]
        .watched_keys
        .iter()
        .any(|wk| wk.db == db && *wk.key == *key)
    {
        return;
    }
    srv.watched.add(db, key, cid);
    let expired = srv.ks.is_expired(db, key);
    srv.clients[cid].watched_keys.push(WatchedKey {
        db,
        key: key.into(),
        expired,
    });
}

/// Redis's unwatchAllKeys. Clearing DIRTY_CAS is up to the caller.
pub fn unwatch_all_keys(srv: &mut Server, cid: usize) {
    let Some(c) = srv.clients.get_mut(cid) else {
        return;
    };
    if c.watched_keys.is_empty() {
        return;
    }
    for wk in std::mem::take(&mut c.watched_keys) {
        srv.watched.remove(wk.db, &wk.key, cid);
    }
}

/// Redis's isWatchedKeyExpired: has a key the client watches expired since
/// WATCH (keys already expired then do not count)?
pub fn is_watched_key_expired(srv: &Server, cid: usize) -> bool {
    srv.clients[cid]
        .watched_keys
        .iter()
        .any(|wk| !wk.expired && srv.ks.is_expired(wk.db, &wk.key))
}

/// Redis's touchWatchedKey: `key` in `db` changed, so every transaction
/// watching it will fail; their other watches are dropped at once.
pub fn touch_watched_key(srv: &mut Server, db: usize, key: &[u8]) {
    if srv.watched.is_empty() {
        return;
    }
    let Some(watchers) = srv.watched.watchers(db, key) else {
        return;
    };
    let watchers = watchers.clone();
    for cid in watchers {
        let Some(c) = srv.clients.get_mut(cid) else {
            continue;
        };
        let Some(wk) = c
            .watched_keys
            .iter_mut()
            .find(|wk| wk.db == db && *wk.key == *key)
        else {
            continue;
        };
        if wk.expired {
            if !srv.ks.dbs[db].dict.contains_key(key) {
                // The stale key is gone: logically nothing changed. From
                // now on it is watched as a missing key.
                wk.expired = false;
                continue;
            }
            // Redis 7.0.15 stops walking the watchers here (a `break`),
            // leaving later watchers of this key untouched; kept as is.
            break;
        }
        c.flags |= cf::DIRTY_CAS;
        // Dirty already: watching anything else is pointless.
        unwatch_all_keys(srv, cid);
    }
}

/// Redis's touchAllWatchedKeysInDb: database `emptied` is flushed, or
/// swapped with `replaced_with`. A watch fails when its key exists in
/// either, except when a stale (expired) key is dropped or replaced by
/// another stale key, or a missing key is replaced by a stale one.
pub fn touch_all_watched_keys_in_db(
    srv: &mut Server,
    emptied: usize,
    replaced_with: Option<usize>,
) {
    let Some(map) = srv.watched.dbs.get(emptied) else {
        return;
    };
    if map.is_empty() {
        return;
    }
    let entries: Vec<(Box<[u8]>, Vec<usize>)> =
        map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (key, watchers) in entries {
        let exists_in_emptied = srv.ks.dbs[emptied].dict.contains_key(&key);
        let exists_in_replacement =
            replaced_with.is_some_and(|r| srv.ks.dbs[r].dict.contains_key(&key));
        if !exists_in_emptied && !exists_in_replacement {
            continue;
        }
        let replacement_expired = replaced_with.is_some_and(|r| srv.ks.is_expired(r, &key));
        for cid in watchers {
            let Some(c) = srv.clients.get_mut(cid) else {
                continue;
            };
            let Some(wk) = c
                .watched_keys
                .iter_mut()
                .find(|wk| wk.db == emptied && *wk.key == *key)
            else {
                continue;
            };
            if wk.expired {
                if !exists_in_replacement {
                    // A stale key deleted: no logical change.
                    wk.expired = false;
                    continue;
                } else if replacement_expired {
                    // A stale key replaced by another stale key.
                    continue;
                }
            } else if !exists_in_emptied && replacement_expired {
                // A missing key replaced by a stale one.
                wk.expired = true;
                continue;
            }
            c.flags |= cf::DIRTY_CAS;
        }
    }
}

/// Frees what a closing client holds here (Redis's freeClient part):
/// its transaction and its watches.
pub fn free_client_multi_state(srv: &mut Server, cid: usize) {
    discard_transaction(srv, cid);
}
