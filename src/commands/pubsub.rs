//! Pub/Sub commands: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE,
//! PUBLISH, SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH and PUBSUB (the command half
//! of Redis's pubsub.c).
//!
//! Owns: parsing these commands and the Pub/Sub context flag. The
//! subscription maps, message delivery and keyspace notifications live in
//! `crate::pubsub`. It must never change data.
//!
//! ```text
//!   SUBSCRIBE a b ─► [subscribe, a, 1] [subscribe, b, 2]   (one push per channel)
//!   PUBLISH a hi  ─► :receivers, and each subscriber ◄─ [message, a, hi]
//!   UNSUBSCRIBE   ─► [unsubscribe, b, 1] [unsubscribe, a, 0]
//!                    (or [unsubscribe, nil, 0] when there was nothing)
//! ```
//! While subscribed, a RESP2 client may only run (P|S)(UN)SUBSCRIBE, PING,
//! QUIT and RESET (checked in `process_command`); RESP3 has no such limit.

use super::flags::*;
use super::server_cmds::{reply_help, subcommand_syntax_error};
use super::{container_handler, Argv, CommandSpec, Ctx};
use crate::client::flags as cf;
use crate::pubsub::{self, Kind};
use crate::util::glob::string_match;

#[allow(clippy::too_many_arguments)]
const fn spec(
    name: &'static str,
    handler: super::Handler,
    arity: i32,
    flags: u32,
    keys: (i32, i32, i32),
    since: &'static str,
    summary: &'static str,
    syntax: &'static str,
) -> CommandSpec {
    CommandSpec {
        name,
        handler,
        arity,
        flags,
        first_key: keys.0,
        last_key: keys.1,
        key_step: keys.2,
        group: "pubsub",
        summary,
        since,
        syntax,
        subcommands: &[],
    }
}

const NO_KEYS: (i32, i32, i32) = (0, 0, 0);

pub const COMMANDS: &[CommandSpec] = &[
    spec(
        "subscribe",
        subscribe,
        -2,
        PUBSUB | NOSCRIPT | LOADING | STALE | SENTINEL,
        NO_KEYS,
        "2.0.0",
        "Listen for messages published to the given channels",
        "channel [channel ...]",
    ),
    spec(
        "unsubscribe",
        unsubscribe,
        -1,
        PUBSUB | NOSCRIPT | LOADING | STALE | SENTINEL,
        NO_KEYS,
        "2.0.0",
        "Stop listening for messages posted to the given channels",
        "[channel [channel ...]]",
    ),
    spec(
        "psubscribe",
        psubscribe,
        -2,
        PUBSUB | NOSCRIPT | LOADING | STALE | SENTINEL,
        NO_KEYS,
        "2.0.0",
        "Listen for messages published to channels matching the given patterns",
        "pattern [pattern ...]",
    ),
    spec(
        "punsubscribe",
        punsubscribe,
        -1,
        PUBSUB | NOSCRIPT | LOADING | STALE | SENTINEL,
        NO_KEYS,
        "2.0.0",
        "Stop listening for messages posted to channels matching the given patterns",
        "[pattern [pattern ...]]",
    ),
    spec(
        "publish",
        publish,
        3,
        PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE | SENTINEL,
        NO_KEYS,
        "2.0.0",
        "Post a message to a channel",
        "channel message",
    ),
    spec(
        "ssubscribe",
        ssubscribe,
        -2,
        PUBSUB | NOSCRIPT | LOADING | STALE,
        (1, -1, 1),
        "7.0.0",
        "Listen for messages published to the given shard channels",
        "shardchannel [shardchannel ...]",
    ),
    spec(
        "sunsubscribe",
        sunsubscribe,
        -1,
        PUBSUB | NOSCRIPT | LOADING | STALE,
        (1, -1, 1),
        "7.0.0",
        "Stop listening for messages posted to the given shard channels",
        "[shardchannel [shardchannel ...]]",
    ),
    spec(
        "spublish",
        spublish,
        3,
        PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE,
        (1, 1, 1),
        "7.0.0",
        "Post a message to a shard channel",
        "shardchannel message",
    ),
    CommandSpec {
        subcommands: PUBSUB_SUBCOMMANDS,
        ..spec(
            "pubsub",
            container_handler,
            -2,
            0,
            NO_KEYS,
            "2.8.0",
            "A container for Pub/Sub commands",
            "",
        )
    },
];

const PUBSUB_SUBCOMMANDS: &[CommandSpec] = &[
    spec(
        "channels",
        pubsub_channels,
        -2,
        PUBSUB | LOADING | STALE,
        NO_KEYS,
        "2.8.0",
        "List active channels",
        "[pattern]",
    ),
    spec(
        "help",
        pubsub_help,
        2,
        LOADING | STALE,
        NO_KEYS,
        "6.2.0",
        "Show helpful text about the different subcommands",
        "",
    ),
    spec(
        "numpat",
        pubsub_numpat,
        2,
        PUBSUB | LOADING | STALE,
        NO_KEYS,
        "2.8.0",
        "Get the count of unique patterns pattern subscriptions",
        "",
    ),
    spec(
        "numsub",
        pubsub_numsub,
        -2,
        PUBSUB | LOADING | STALE,
        NO_KEYS,
        "2.8.0",
        "Get the count of subscribers for channels",
        "[channel [channel ...]]",
    ),
    spec(
        "shardchannels",
        pubsub_shardchannels,
        -2,
        PUBSUB | LOADING | STALE,
        NO_KEYS,
        "7.0.0",
        "List active shard channels",
        "[pattern]",
    ),
    spec(
        "shardnumsub",
        pubsub_shardnumsub,
        -2,
        PUBSUB | LOADING | STALE,
        NO_KEYS,
        "7.0.0",
        "Get the count of subscribers for shard channels",
        "[shardchannel [shardchannel ...]]",
    ),
];

/// Refuses (P|S)SUBSCRIBE for a client that must not block, as Redis does
/// for clients that expect one reply per command, except inside MULTI
/// (kept for backward compatibility, not for SSUBSCRIBE).
fn refuse_deny_blocking(ctx: &mut Ctx<'_>, name: &str, multi_ok: bool) -> bool {
    let c = ctx.client();
    if c.has_flag(cf::DENY_BLOCKING) && !(multi_ok && c.has_flag(cf::MULTI)) {
        c.add_error(&format!(
            "ERR {name} isn't allowed for a DENY BLOCKING client"
        ));
        return true;
    }
    false
}

/// Leaves the Pub/Sub context once nothing is subscribed any more.
fn leave_context_if_empty(ctx: &mut Ctx<'_>) {
    let c = ctx.client();
    if c.pubsub.total() == 0 {
        c.flags &= !cf::PUBSUB;
    }
}

/// `SUBSCRIBE channel [channel ...]` → one `[subscribe, channel, count]`
/// per channel.
fn subscribe(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if refuse_deny_blocking(ctx, "SUBSCRIBE", true) {
        return;
    }
    for ch in argv.iter().skip(1) {
        pubsub::subscribe_channel(ctx.srv, ctx.cid, ch, Kind::Global);
    }
    ctx.client().flags |= cf::PUBSUB;
}

/// `UNSUBSCRIBE [channel ...]` → one `[unsubscribe, channel, count]` per
/// channel (all of them without arguments).
fn unsubscribe(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.len() == 1 {
        pubsub::unsubscribe_all_channels(ctx.srv, ctx.cid, true, Kind::Global);
    } else {
        for ch in argv.iter().skip(1) {
            pubsub::unsubscribe_channel(ctx.srv, ctx.cid, ch, true, Kind::Global);
        }
    }
    leave_context_if_empty(ctx);
}

/// `PSUBSCRIBE pattern [pattern ...]` → one `[psubscribe, pattern, count]`
/// per pattern.
fn psubscribe(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if refuse_deny_blocking(ctx, "PSUBSCRIBE", true) {
        return;
    }
    for p in argv.iter().skip(1) {
        pubsub::subscribe_pattern(ctx.srv, ctx.cid, p);
    }
    ctx.client().flags |= cf::PUBSUB;
}

/// `PUNSUBSCRIBE [pattern ...]` → one `[punsubscribe, pattern, count]` per
/// pattern (all of them without arguments).
fn punsubscribe(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.len() == 1 {
        pubsub::unsubscribe_all_patterns(ctx.srv, ctx.cid, true);
    } else {
        for p in argv.iter().skip(1) {
            pubsub::unsubscribe_pattern(ctx.srv, ctx.cid, p, true);
        }
    }
    leave_context_if_empty(ctx);
}

/// `PUBLISH channel message` → `:receivers` (channel plus pattern
/// subscribers). Always propagated to replicas.
fn publish(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let n = pubsub::publish(ctx.srv, argv.get(1), argv.get(2), Kind::Global);
    ctx.force_propagation();
    ctx.int(n as i64);
}

/// `SSUBSCRIBE shardchannel [shardchannel ...]` → one
/// `[ssubscribe, channel, count]` per channel.
fn ssubscribe(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if refuse_deny_blocking(ctx, "SSUBSCRIBE", false) {
        return;
    }
    for ch in argv.iter().skip(1) {
        pubsub::subscribe_channel(ctx.srv, ctx.cid, ch, Kind::Shard);
    }
    ctx.client().flags |= cf::PUBSUB;
}

/// `SUNSUBSCRIBE [shardchannel ...]` → one `[sunsubscribe, channel, count]`
/// per channel.
fn sunsubscribe(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.len() == 1 {
        pubsub::unsubscribe_all_channels(ctx.srv, ctx.cid, true, Kind::Shard);
    } else {
        for ch in argv.iter().skip(1) {
            pubsub::unsubscribe_channel(ctx.srv, ctx.cid, ch, true, Kind::Shard);
        }
    }
    leave_context_if_empty(ctx);
}

/// `SPUBLISH shardchannel message` → `:receivers` (shard subscribers
/// only; patterns never match shard channels).
fn spublish(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let n = pubsub::publish(ctx.srv, argv.get(1), argv.get(2), Kind::Shard);
    ctx.force_propagation();
    ctx.int(n as i64);
}

/// Redis's channelList: the channels of `kind` (matching `pattern`).
fn channel_list(ctx: &mut Ctx<'_>, argv: &Argv<'_>, kind: Kind) {
    if argv.len() > 3 {
        subcommand_syntax_error(ctx, argv);
        return;
    }
    let pattern = (argv.len() == 3).then(|| argv.get(2));
    let map = match kind {
        Kind::Global => &ctx.srv.pubsub.channels,
        Kind::Shard => &ctx.srv.pubsub.shard_channels,
    };
    let names: Vec<&[u8]> = map
        .keys()
        .map(|k| &**k)
        .filter(|ch| pattern.map_or(true, |p| string_match(p, ch, false)))
        .collect();
    let c = &mut ctx.srv.clients[ctx.cid];
    c.add_array_len(names.len());
    for ch in names {
        c.add_bulk(ch);
    }
}

/// Redis's NUMSUB / SHARDNUMSUB reply: each channel and its subscriber count.
fn num_sub(ctx: &mut Ctx<'_>, argv: &Argv<'_>, kind: Kind) {
    let map = match kind {
        Kind::Global => &ctx.srv.pubsub.channels,
        Kind::Shard => &ctx.srv.pubsub.shard_channels,
    };
    let c = &mut ctx.srv.clients[ctx.cid];
    c.add_array_len((argv.len() - 2) * 2);
    for ch in argv.iter().skip(2) {
        c.add_bulk(ch);
        c.add_int(map.get(ch).map_or(0, Vec::len) as i64);
    }
}

/// `PUBSUB CHANNELS [pattern]` → the channels with subscribers.
fn pubsub_channels(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    channel_list(ctx, argv, Kind::Global);
}

/// `PUBSUB SHARDCHANNELS [pattern]` → the shard channels with subscribers.
fn pubsub_shardchannels(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    channel_list(ctx, argv, Kind::Shard);
}

/// `PUBSUB NUMSUB [channel ...]` → channel, count, channel, count ...
/// (pattern subscribers are not counted).
fn pubsub_numsub(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    num_sub(ctx, argv, Kind::Global);
}

/// `PUBSUB SHARDNUMSUB [shardchannel ...]` → shard channel, count ...
fn pubsub_shardnumsub(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    num_sub(ctx, argv, Kind::Shard);
}

/// `PUBSUB NUMPAT` → patterns with at least one subscriber.
fn pubsub_numpat(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let n = ctx.srv.pubsub.patterns.len();
    ctx.int(n as i64);
}

const HELP: &[&str] = &[
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
];

/// `PUBSUB HELP`.
fn pubsub_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    reply_help(ctx, argv, HELP);
}
