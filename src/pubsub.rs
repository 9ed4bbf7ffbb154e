//! Publish/subscribe and keyspace notifications (Redis's pubsub.c and
//! notify.c).
//!
//! Owns: the server-wide maps from channels, shard channels and patterns
//! to their subscribers ([`PubSub`]), each client's own subscriptions
//! ([`ClientPubSub`], kept on the client), the messages pushed to
//! subscribers, and the `__keyspace@<db>__:<key>` /
//! `__keyevent@<db>__:<event>` notifications. It must never parse commands
//! (that is `commands::pubsub`) nor touch the keyspace.
//!
//! ```text
//!   PUBLISH ch msg ─► channels[ch]: each subscriber ◄─ [message, ch, msg]
//!                 └─► every pattern matching ch:
//!                        each subscriber ◄─ [pmessage, pattern, ch, msg]
//!   SPUBLISH ch msg ─► shard_channels[ch] ◄─ [smessage, ch, msg] (no patterns)
//! ```
//! A message is encoded once per protocol version (RESP2 array, RESP3
//! push) and the same bytes are appended to every subscriber's reply
//! buffer. Subscription confirmations and messages are *pushed*: they reach
//! the client even under CLIENT REPLY OFF/SKIP (Redis's CLIENT_PUSHING),
//! which is why a client's own confirmations go through [`push_to`].

use std::collections::{HashMap, HashSet};

use crate::client::flags as cf;
use crate::config::notify;
use crate::resp;
use crate::server::Server;
use crate::util::glob::string_match;

/// A client's subscriptions (Redis's c->pubsub_channels, pubsub_patterns,
/// pubsubshard_channels).
#[derive(Default)]
pub struct ClientPubSub {
    pub channels: HashSet<Box<[u8]>>,
    /// In subscription order (PUNSUBSCRIBE without arguments walks it).
    pub patterns: Vec<Box<[u8]>>,
    pub shard_channels: HashSet<Box<[u8]>>,
}

impl ClientPubSub {
    /// Channels plus patterns: the count SUBSCRIBE/PSUBSCRIBE replies carry
    /// (Redis's clientSubscriptionsCount).
    pub fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    /// Everything, shard channels included: the client stays in the Pub/Sub
    /// context while this is not zero.
    pub fn total(&self) -> usize {
        self.count() + self.shard_channels.len()
    }
}

/// The server's subscription maps: name → subscribers (slab keys, in
/// subscription order).
#[derive(Default)]
pub struct PubSub {
    pub channels: HashMap<Box<[u8]>, Vec<usize>>,
    pub patterns: HashMap<Box<[u8]>, Vec<usize>>,
    pub shard_channels: HashMap<Box<[u8]>, Vec<usize>>,
}

/// Global or shard channels (Redis's pubsubtype).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Global,
    Shard,
}

impl Kind {
    fn subscribe_word(self) -> &'static [u8] {
        match self {
            Kind::Global => b"subscribe",
            Kind::Shard => b"ssubscribe",
        }
    }

    fn unsubscribe_word(self) -> &'static [u8] {
        match self {
            Kind::Global => b"unsubscribe",
            Kind::Shard => b"sunsubscribe",
        }
    }

    fn message_word(self) -> &'static [u8] {
        match self {
            Kind::Global => b"message",
            Kind::Shard => b"smessage",
        }
    }
}

fn server_map(srv: &mut Server, kind: Kind) -> &mut HashMap<Box<[u8]>, Vec<usize>> {
    match kind {
        Kind::Global => &mut srv.pubsub.channels,
        Kind::Shard => &mut srv.pubsub.shard_channels,
    }
}

fn client_set(c: &mut crate::client::Client, kind: Kind) -> &mut HashSet<Box<[u8]>> {
    match kind {
        Kind::Global => &mut c.pubsub.channels,
        Kind::Shard => &mut c.pubsub.shard_channels,
    }
}

/// The count a (un)subscribe reply carries: channels plus patterns, or the
/// shard channels.
fn reply_count(c: &crate::client::Client, kind: Kind) -> i64 {
    match kind {
        Kind::Global => c.pubsub.count() as i64,
        Kind::Shard => c.pubsub.shard_channels.len() as i64,
    }
}

// -- delivery ------------------------------------------------------------------

/// Appends pushed bytes to client `key`'s replies (Redis's addReply with
/// CLIENT_PUSHING): they go out even under CLIENT REPLY OFF/SKIP; a client
/// closing, or our master, gets nothing. While `key` runs a command whose
/// reply is being suppressed, the bytes wait in `push_stash` and are put
/// back after the suppressed reply is dropped.
pub fn push_to(srv: &mut Server, key: usize, build: impl FnOnce(&mut Vec<u8>, u8)) {
    let current = srv.current_client == Some(key);
    let Some(c) = srv.clients.get_mut(key) else {
        return;
    };
    if c.has_flag(cf::CLOSE_ASAP | cf::MASTER) {
        return;
    }
    let r = c.resp;
    if current && c.has_flag(cf::REPLY_OFF | cf::REPLY_SKIP) {
        build(&mut c.push_stash, r);
        return;
    }
    let was_idle = !c.has_pending_replies();
    c.add_with(64, |o| build(o, r));
    if !current {
        // Someone else's command wrote here: schedule the write and apply
        // the output limits (the pubsub class), as Redis does on each reply.
        if was_idle {
            srv.pending_writes.push(key);
        }
        crate::networking::check_output_buffer_limits(srv, key);
    }
}

fn subscribed_reply(o: &mut Vec<u8>, r: u8, word: &[u8], name: Option<&[u8]>, count: i64) {
    resp::push_len(o, 3, r);
    resp::bulk(o, word);
    match name {
        Some(n) => resp::bulk(o, n),
        None => resp::null(o, r),
    }
    resp::int(o, count);
}

// -- channels --------------------------------------------------------------------

/// Redis's pubsubSubscribeChannel: subscribes client `cid` (idempotent) and
/// confirms. Returns whether it was new.
pub fn subscribe_channel(srv: &mut Server, cid: usize, channel: &[u8], kind: Kind) -> bool {
    let added = client_set(&mut srv.clients[cid], kind).insert(channel.into());
    if added {
        server_map(srv, kind)
            .entry(channel.into())
            .or_default()
            .push(cid);
    }
    let count = reply_count(&srv.clients[cid], kind);
    push_to(srv, cid, |o, r| {
        subscribed_reply(o, r, kind.subscribe_word(), Some(channel), count)
    });
    added
}

/// Redis's pubsubUnsubscribeChannel: unsubscribes client `cid`, confirming
/// when `notify`. Returns whether it was subscribed.
pub fn unsubscribe_channel(
    srv: &mut Server,
    cid: usize,
    channel: &[u8],
    notify: bool,
    kind: Kind,
) -> bool {
    let removed = client_set(&mut srv.clients[cid], kind).remove(channel);
    if removed {
        let map = server_map(srv, kind);
        if let Some(list) = map.get_mut(channel) {
            if let Some(pos) = list.iter().position(|&c| c == cid) {
                list.remove(pos);
            }
            if list.is_empty() {
                // Drop the entry: nobody may grow the map with millions of
                // dead channels.
                map.remove(channel);
            }
        }
    }
    if notify {
        let count = reply_count(&srv.clients[cid], kind);
        push_to(srv, cid, |o, r| {
            subscribed_reply(o, r, kind.unsubscribe_word(), Some(channel), count)
        });
    }
    removed
}

/// Redis's pubsubUnsubscribeAllChannelsInternal: returns how many there
/// were; with none, still confirms once (with a null channel) when `notify`.
pub fn unsubscribe_all_channels(srv: &mut Server, cid: usize, notify: bool, kind: Kind) -> usize {
    let channels: Vec<Box<[u8]>> = client_set(&mut srv.clients[cid], kind)
        .iter()
        .cloned()
        .collect();
    let mut count = 0;
    for ch in channels {
        if unsubscribe_channel(srv, cid, &ch, notify, kind) {
            count += 1;
        }
    }
    if notify && count == 0 {
        let n = reply_count(&srv.clients[cid], kind);
        push_to(srv, cid, |o, r| {
            subscribed_reply(o, r, kind.unsubscribe_word(), None, n)
        });
    }
    count
}

// -- patterns ----------------------------------------------------------------------

/// Redis's pubsubSubscribePattern.
pub fn subscribe_pattern(srv: &mut Server, cid: usize, pattern: &[u8]) -> bool {
    let c = &mut srv.clients[cid];
    let added = !c.pubsub.patterns.iter().any(|p| **p == *pattern);
    if added {
        c.pubsub.patterns.push(pattern.into());
        srv.pubsub
            .patterns
            .entry(pattern.into())
            .or_default()
            .push(cid);
    }
    let count = srv.clients[cid].pubsub.count() as i64;
    push_to(srv, cid, |o, r| {
        subscribed_reply(o, r, b"psubscribe", Some(pattern), count)
    });
    added
}

/// Redis's pubsubUnsubscribePattern.
pub fn unsubscribe_pattern(srv: &mut Server, cid: usize, pattern: &[u8], notify: bool) -> bool {
    let c = &mut srv.clients[cid];
    let pos = c.pubsub.patterns.iter().position(|p| **p == *pattern);
    if let Some(pos) = pos {
        c.pubsub.patterns.remove(pos);
        if let Some(list) = srv.pubsub.patterns.get_mut(pattern) {
            if let Some(i) = list.iter().position(|&k| k == cid) {
                list.remove(i);
            }
            if list.is_empty() {
                srv.pubsub.patterns.remove(pattern);
            }
        }
    }
    if notify {
        let count = srv.clients[cid].pubsub.count() as i64;
        push_to(srv, cid, |o, r| {
            subscribed_reply(o, r, b"punsubscribe", Some(pattern), count)
        });
    }
    pos.is_some()
}

/// Redis's pubsubUnsubscribeAllPatterns.
pub fn unsubscribe_all_patterns(srv: &mut Server, cid: usize, notify: bool) -> usize {
    let patterns = srv.clients[cid].pubsub.patterns.clone();
    let mut count = 0;
    for p in patterns {
        if unsubscribe_pattern(srv, cid, &p, notify) {
            count += 1;
        }
    }
    if notify && count == 0 {
        let n = srv.clients[cid].pubsub.count() as i64;
        push_to(srv, cid, |o, r| {
            subscribed_reply(o, r, b"punsubscribe", None, n)
        });
    }
    count
}

/// Drops every subscription of client `cid` silently and leaves the
/// Pub/Sub context (RESET, and a client being freed).
pub fn unsubscribe_everything(srv: &mut Server, cid: usize) {
    let Some(c) = srv.clients.get_mut(cid) else {
        return;
    };
    if c.pubsub.total() == 0 {
        c.flags &= !cf::PUBSUB;
        return;
    }
    unsubscribe_all_channels(srv, cid, false, Kind::Global);
    unsubscribe_all_channels(srv, cid, false, Kind::Shard);
    unsubscribe_all_patterns(srv, cid, false);
    srv.clients[cid].flags &= !cf::PUBSUB;
}

// -- publishing ----------------------------------------------------------------------

/// The bytes of one message, encoded at most once per protocol version.
struct Encoded {
    by_resp: [Option<Vec<u8>>; 2],
}

impl Encoded {
    fn get(&mut self, resp: u8, build: impl FnOnce(&mut Vec<u8>, u8)) -> &[u8] {
        let slot = &mut self.by_resp[usize::from(resp == 3)];
        slot.get_or_insert_with(|| {
            let mut v = Vec::new();
            build(&mut v, resp);
            v
        })
    }
}

fn deliver(
    srv: &mut Server,
    receivers: &[usize],
    enc: &mut Encoded,
    build: &dyn Fn(&mut Vec<u8>, u8),
) {
    for &key in receivers {
        let Some(resp) = srv.clients.get(key).map(|c| c.resp) else {
            continue;
        };
        let bytes = enc.get(resp, build);
        push_to(srv, key, |o, _| o.extend_from_slice(bytes));
    }
}

/// Redis's pubsubPublishMessage: delivers `message` to the subscribers of
/// `channel` (and, for global channels, of every matching pattern).
/// Returns how many clients received it.
pub fn publish(srv: &mut Server, channel: &[u8], message: &[u8], kind: Kind) -> usize {
    let mut receivers = 0;
    // Delivery only appends to reply buffers (closing a client is deferred),
    // so the maps can be lent out meanwhile instead of copying lists.
    let map = std::mem::take(server_map(srv, kind));
    if let Some(list) = map.get(channel) {
        receivers += list.len();
        let word = kind.message_word();
        let build = |o: &mut Vec<u8>, r: u8| {
            resp::push_len(o, 3, r);
            resp::bulk(o, word);
            resp::bulk(o, channel);
            resp::bulk(o, message);
        };
        let mut enc = Encoded {
            by_resp: [None, None],
        };
        deliver(srv, list, &mut enc, &build);
    }
    *server_map(srv, kind) = map;
    if kind == Kind::Shard || srv.pubsub.patterns.is_empty() {
        return receivers;
    }
    let patterns = std::mem::take(&mut srv.pubsub.patterns);
    for (pattern, list) in &patterns {
        if !string_match(pattern, channel, false) {
            continue;
        }
        receivers += list.len();
        let build = |o: &mut Vec<u8>, r: u8| {
            resp::push_len(o, 4, r);
            resp::bulk(o, b"pmessage");
            resp::bulk(o, pattern);
            resp::bulk(o, channel);
            resp::bulk(o, message);
        };
        let mut enc = Encoded {
            by_resp: [None, None],
        };
        deliver(srv, list, &mut enc, &build);
    }
    srv.pubsub.patterns = patterns;
    receivers
}

// -- keyspace notifications -------------------------------------------------------------

/// The [`notify`] bit of a NOTIFY_* class letter (`g`, `$`, `x` ...).
pub fn class_bit(class: u8) -> u32 {
    match class {
        b'g' => notify::GENERIC,
        b'$' => notify::STRING,
        b'l' => notify::LIST,
        b's' => notify::SET,
        b'h' => notify::HASH,
        b'z' => notify::ZSET,
        b'x' => notify::EXPIRED,
        b'e' => notify::EVICTED,
        b't' => notify::STREAM,
        b'm' => notify::KEY_MISS,
        b'd' => notify::MODULE,
        b'n' => notify::NEW,
        _ => 0,
    }
}

/// Redis's notifyKeyspaceEvent: when `notify-keyspace-events` enables
/// `class` (a [`notify`] bit), publishes `event` on
/// `__keyspace@<db>__:<key>` (with `K`) and `key` on
/// `__keyevent@<db>__:<event>` (with `E`).
pub fn notify_keyspace_event(srv: &mut Server, class: u32, event: &str, key: &[u8], db: usize) {
    let flags = srv.config.notify_keyspace_events_flags;
    if flags & class == 0 {
        return;
    }
    let mut chan = Vec::with_capacity(24 + key.len().max(event.len()));
    let mut digits = [0u8; 20];
    let db_text = crate::util::numeric::fmt_u64(db as u64, &mut digits);
    if flags & notify::KEYSPACE != 0 {
        chan.extend_from_slice(b"__keyspace@");
        chan.extend_from_slice(db_text);
        chan.extend_from_slice(b"__:");
        chan.extend_from_slice(key);
        publish(srv, &chan, event.as_bytes(), Kind::Global);
    }
    if flags & notify::KEYEVENT != 0 {
        chan.clear();
        chan.extend_from_slice(b"__keyevent@");
        chan.extend_from_slice(db_text);
        chan.extend_from_slice(b"__:");
        chan.extend_from_slice(event.as_bytes());
        publish(srv, &chan, key, Kind::Global);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_letters_map_to_config_bits() {
        assert_eq!(class_bit(b'$'), notify::STRING);
        assert_eq!(class_bit(b'x'), notify::EXPIRED);
        assert_eq!(class_bit(b'n'), notify::NEW);
        assert_eq!(class_bit(b'?'), 0);
    }

    #[test]
    fn counts_cover_channels_patterns_and_shards() {
        let mut p = ClientPubSub::default();
        p.channels.insert(b"a".as_slice().into());
        p.patterns.push(b"a*".as_slice().into());
        p.shard_channels.insert(b"s".as_slice().into());
        assert_eq!(p.count(), 2);
        assert_eq!(p.total(), 3);
    }

    #[test]
    fn a_message_is_encoded_once_per_protocol() {
        let mut enc = Encoded {
            by_resp: [None, None],
        };
        let build = |o: &mut Vec<u8>, r: u8| {
            resp::push_len(o, 3, r);
            resp::bulk(o, b"message");
            resp::bulk(o, b"ch");
            resp::bulk(o, b"hi");
        };
        assert_eq!(
            enc.get(2, build),
            b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
        );
        assert_eq!(
            enc.get(3, build),
            b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
        );
    }
}
