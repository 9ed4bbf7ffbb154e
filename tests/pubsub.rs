//! Publish/subscribe and keyspace notifications as a client sees them:
//! SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNs, PUBLISH, SPUBLISH,
//! PUBSUB, the RESP2 subscribed context and RESP3 pushes, CLIENT REPLY
//! OFF, the pubsub output buffer limit, and `notify-keyspace-events`. Each
//! test starts the real server binary and speaks RESP to it.
//! `RUDIS_TEST_SERVER_BIN=/usr/bin/redis-server` runs the same assertions
//! against real Redis, to check the tests themselves.

mod common;

use std::time::Duration;

use common::{wait_for, Client, Reply, TestServer};

fn err(msg: &str) -> Reply {
    Reply::Error(msg.into())
}

fn bulk(s: &str) -> Reply {
    Reply::Bulk(Some(s.as_bytes().to_vec()))
}

fn int(n: i64) -> Reply {
    Reply::Int(n)
}

fn arr(items: Vec<Reply>) -> Reply {
    Reply::Array(Some(items))
}

fn push(items: Vec<Reply>) -> Reply {
    Reply::Push(items)
}

/// `[kind, name, count]`, the shape of every (un)subscribe confirmation.
fn confirm(kind: &str, name: &str, count: i64) -> Reply {
    arr(vec![bulk(kind), bulk(name), int(count)])
}

fn message(channel: &str, msg: &str) -> Reply {
    arr(vec![bulk("message"), bulk(channel), bulk(msg)])
}

fn pmessage(pattern: &str, channel: &str, msg: &str) -> Reply {
    arr(vec![
        bulk("pmessage"),
        bulk(pattern),
        bulk(channel),
        bulk(msg),
    ])
}

/// Sends a (P|S)(UN)SUBSCRIBE and reads its `n` confirmations.
#[track_caller]
fn sub(c: &mut Client, line: &str, n: usize) -> Vec<Reply> {
    c.send(&line.split(' ').collect::<Vec<_>>());
    (0..n).map(|_| c.read_reply()).collect()
}

/// Asserts nothing more arrives on `c` for a moment.
#[track_caller]
fn assert_silent(c: &mut Client) {
    if let Ok(r) = c.read_reply_timeout(Duration::from_millis(100)) {
        panic!("unexpected reply {r:?}");
    }
}

#[test]
fn publish_reaches_every_subscriber_of_the_channel() {
    let srv = TestServer::start();
    let mut s1 = srv.client();
    let mut s2 = srv.client();
    let mut p = srv.client();
    assert_eq!(
        sub(&mut s1, "subscribe chan1 chan2", 2),
        vec![
            confirm("subscribe", "chan1", 1),
            confirm("subscribe", "chan2", 2)
        ]
    );
    assert_eq!(
        sub(&mut s2, "subscribe chan1", 1),
        vec![confirm("subscribe", "chan1", 1)]
    );
    assert_eq!(p.cmd_line("publish chan1 hello").as_int(), 2);
    assert_eq!(p.cmd_line("publish chan2 world").as_int(), 1);
    assert_eq!(p.cmd_line("publish nobody x").as_int(), 0);
    assert_eq!(s1.read_reply(), message("chan1", "hello"));
    assert_eq!(s1.read_reply(), message("chan2", "world"));
    assert_eq!(s2.read_reply(), message("chan1", "hello"));
    assert_silent(&mut s2);

    // Binary-safe channel and payload.
    s1.send(&[b"subscribe".as_slice(), b"bin\x00\r\n"]);
    assert_eq!(s1.read_reply().as_array()[2], int(3));
    assert_eq!(
        p.cmd_bytes(&[b"publish", b"bin\x00\r\n", b"\xff\x00"])
            .as_int(),
        1
    );
    assert_eq!(
        s1.read_reply(),
        arr(vec![
            bulk("message"),
            Reply::Bulk(Some(b"bin\x00\r\n".to_vec())),
            Reply::Bulk(Some(b"\xff\x00".to_vec())),
        ])
    );
}

#[test]
fn subscribing_twice_counts_once_and_unsubscribe_stops_delivery() {
    let srv = TestServer::start();
    let mut s = srv.client();
    let mut p = srv.client();
    assert_eq!(
        sub(&mut s, "subscribe a a a", 3),
        vec![
            confirm("subscribe", "a", 1),
            confirm("subscribe", "a", 1),
            confirm("subscribe", "a", 1)
        ]
    );
    assert_eq!(p.cmd_line("publish a 1").as_int(), 1);
    assert_eq!(s.read_reply(), message("a", "1"));
    assert_eq!(
        sub(&mut s, "unsubscribe a nosub", 2),
        vec![
            confirm("unsubscribe", "a", 0),
            confirm("unsubscribe", "nosub", 0)
        ]
    );
    assert_eq!(p.cmd_line("publish a 1").as_int(), 0);
    // Out of the subscribed context, ordinary commands work again.
    assert_eq!(s.cmd_line("ping"), Reply::Status("PONG".into()));
}

#[test]
fn unsubscribe_without_arguments_drops_everything_and_always_answers() {
    let srv = TestServer::start();
    let mut s = srv.client();
    let mut p = srv.client();
    sub(&mut s, "subscribe c1 c2 c3", 3);
    let counts: Vec<i64> = sub(&mut s, "unsubscribe", 3)
        .iter()
        .map(|r| r.as_array()[2].as_int())
        .collect();
    assert_eq!(counts, vec![2, 1, 0]);
    for ch in ["c1", "c2", "c3"] {
        assert_eq!(p.cmd(&["publish", ch, "x"]).as_int(), 0);
    }
    // With nothing subscribed there is still one answer, with a null name.
    let none = arr(vec![bulk("unsubscribe"), Reply::Bulk(None), int(0)]);
    assert_eq!(sub(&mut s, "unsubscribe", 1), vec![none]);
    let none = arr(vec![bulk("punsubscribe"), Reply::Bulk(None), int(0)]);
    assert_eq!(sub(&mut s, "punsubscribe", 1), vec![none]);
    let none = arr(vec![bulk("sunsubscribe"), Reply::Bulk(None), int(0)]);
    assert_eq!(sub(&mut s, "sunsubscribe", 1), vec![none]);
}

#[test]
fn patterns_match_channels_with_glob_rules() {
    let srv = TestServer::start();
    let mut s = srv.client();
    let mut p = srv.client();
    assert_eq!(
        sub(&mut s, "psubscribe foo.* b?r.[0-9]", 2),
        vec![
            confirm("psubscribe", "foo.*", 1),
            confirm("psubscribe", "b?r.[0-9]", 2)
        ]
    );
    assert_eq!(p.cmd_line("publish foo.1 a").as_int(), 1);
    assert_eq!(p.cmd_line("publish bar.7 b").as_int(), 1);
    assert_eq!(p.cmd_line("publish foo1 c").as_int(), 0);
    assert_eq!(p.cmd_line("publish bar.x d").as_int(), 0);
    assert_eq!(s.read_reply(), pmessage("foo.*", "foo.1", "a"));
    assert_eq!(s.read_reply(), pmessage("b?r.[0-9]", "bar.7", "b"));
    assert_eq!(
        sub(&mut s, "punsubscribe foo.* nope.*", 2),
        vec![
            confirm("punsubscribe", "foo.*", 1),
            confirm("punsubscribe", "nope.*", 1)
        ]
    );
    assert_eq!(p.cmd_line("publish foo.1 a").as_int(), 0);
}

#[test]
fn a_client_on_a_channel_and_a_matching_pattern_gets_both() {
    let srv = TestServer::start();
    let mut s = srv.client();
    let mut p = srv.client();
    sub(&mut s, "subscribe foo.bar", 1);
    assert_eq!(
        sub(&mut s, "psubscribe foo.*", 1),
        vec![confirm("psubscribe", "foo.*", 2)]
    );
    assert_eq!(p.cmd_line("publish foo.bar hello").as_int(), 2);
    assert_eq!(s.read_reply(), message("foo.bar", "hello"));
    assert_eq!(s.read_reply(), pmessage("foo.*", "foo.bar", "hello"));
}

#[test]
fn resp2_subscribers_may_only_manage_subscriptions() {
    let srv = TestServer::start();
    let mut s = srv.client();
    sub(&mut s, "subscribe ch", 1);
    assert_eq!(
        s.cmd_line("get x"),
        err("ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
    );
    assert_eq!(
        s.cmd_line("config get maxmemory"),
        err("ERR Can't execute 'config|get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
    );
    // PING answers in the subscribed shape.
    assert_eq!(s.cmd_line("ping"), arr(vec![bulk("pong"), bulk("")]));
    assert_eq!(s.cmd_line("ping hi"), arr(vec![bulk("pong"), bulk("hi")]));
    assert_eq!(
        sub(&mut s, "psubscribe p*", 1),
        vec![confirm("psubscribe", "p*", 2)]
    );
    assert_eq!(
        sub(&mut s, "ssubscribe sh", 1),
        vec![confirm("ssubscribe", "sh", 1)]
    );
    // Leaving channels and patterns is not enough while a shard channel
    // is still subscribed.
    sub(&mut s, "unsubscribe", 1);
    sub(&mut s, "punsubscribe", 1);
    s.cmd_line("get x")
        .assert_err_prefix("ERR Can't execute 'get'");
    sub(&mut s, "sunsubscribe", 1);
    assert_eq!(s.cmd_line("get x"), Reply::Bulk(None));
}

#[test]
fn resp3_subscribers_get_pushes_and_keep_every_command() {
    let srv = TestServer::start();
    let mut s = srv.client();
    let mut p = srv.client();
    s.cmd_line("hello 3");
    assert_eq!(
        sub(&mut s, "subscribe ch", 1),
        vec![push(vec![bulk("subscribe"), bulk("ch"), int(1)])]
    );
    assert_eq!(s.cmd_line("ping"), Reply::Status("PONG".into()));
    assert_eq!(s.cmd_line("get x"), Reply::Null);
    sub(&mut s, "psubscribe c*", 1);
    assert_eq!(p.cmd_line("publish ch hi").as_int(), 2);
    assert_eq!(
        s.read_reply(),
        push(vec![bulk("message"), bulk("ch"), bulk("hi")])
    );
    assert_eq!(
        s.read_reply(),
        push(vec![bulk("pmessage"), bulk("c*"), bulk("ch"), bulk("hi")])
    );
    // A client publishing to itself sees the push before the reply.
    s.send(&["publish", "ch", "me"]);
    assert_eq!(
        s.read_reply(),
        push(vec![bulk("message"), bulk("ch"), bulk("me")])
    );
    assert_eq!(
        s.read_reply(),
        push(vec![bulk("pmessage"), bulk("c*"), bulk("ch"), bulk("me")])
    );
    assert_eq!(s.read_reply(), int(2));
}

#[test]
fn pushes_get_through_client_reply_off_and_skip() {
    let srv = TestServer::start();
    let mut s = srv.client();
    let mut p = srv.client();
    s.cmd_line("hello 3");
    s.send(&["client", "reply", "off"]);
    assert_eq!(
        sub(&mut s, "subscribe channel", 1),
        vec![push(vec![bulk("subscribe"), bulk("channel"), int(1)])]
    );
    s.send(&["ping"]);
    assert_eq!(p.cmd_line("publish channel hello").as_int(), 1);
    assert_eq!(
        s.read_reply(),
        push(vec![bulk("message"), bulk("channel"), bulk("hello")])
    );
    assert_eq!(
        sub(&mut s, "unsubscribe channel", 1),
        vec![push(vec![bulk("unsubscribe"), bulk("channel"), int(0)])]
    );
    s.send(&["client", "reply", "on"]);
    assert_eq!(s.read_reply(), Reply::Status("OK".into()));

    // SKIP drops the next reply, not the pushes it makes.
    s.send(&["client", "reply", "skip"]);
    assert_eq!(
        sub(&mut s, "psubscribe x*", 1),
        vec![push(vec![bulk("psubscribe"), bulk("x*"), int(1)])]
    );
    assert_eq!(s.cmd_line("ping"), Reply::Status("PONG".into()));
}

#[test]
fn shard_channels_are_separate_and_ignore_patterns() {
    let srv = TestServer::start();
    let mut s = srv.client();
    let mut g = srv.client();
    let mut p = srv.client();
    assert_eq!(
        sub(&mut s, "ssubscribe chan1", 1),
        vec![confirm("ssubscribe", "chan1", 1)]
    );
    sub(&mut g, "subscribe chan1", 1);
    sub(&mut g, "psubscribe *", 1);
    assert_eq!(p.cmd_line("spublish chan1 hello").as_int(), 1);
    assert_eq!(
        s.read_reply(),
        arr(vec![bulk("smessage"), bulk("chan1"), bulk("hello")])
    );
    assert_silent(&mut g);
    assert_eq!(p.cmd_line("publish chan1 world").as_int(), 2);
    assert_silent(&mut s);
    assert_eq!(
        p.cmd_line("pubsub shardnumsub chan1 nope"),
        arr(vec![bulk("chan1"), int(1), bulk("nope"), int(0)])
    );
    assert_eq!(p.cmd_line("pubsub shardchannels"), arr(vec![bulk("chan1")]));
    assert_eq!(p.cmd_line("pubsub shardchannels x*"), arr(vec![]));
    assert_eq!(
        sub(&mut s, "sunsubscribe chan1 chan1", 2),
        vec![
            confirm("sunsubscribe", "chan1", 0),
            confirm("sunsubscribe", "chan1", 0)
        ]
    );
    assert_eq!(p.cmd_line("spublish chan1 x").as_int(), 0);
}

#[test]
fn pubsub_introspection() {
    let srv = TestServer::start();
    let mut s1 = srv.client();
    let mut s2 = srv.client();
    let mut c = srv.client();
    s2.cmd_line("client setname s2").assert_ok();
    sub(&mut s1, "subscribe news.1 news.2 other", 3);
    sub(&mut s2, "subscribe news.1", 1);
    sub(&mut s1, "psubscribe foo*", 1);
    sub(&mut s2, "psubscribe foo* bar*", 2);

    let mut channels: Vec<String> = c
        .cmd_line("pubsub channels")
        .as_array()
        .iter()
        .map(|r| r.as_str().to_string())
        .collect();
    channels.sort();
    assert_eq!(channels, vec!["news.1", "news.2", "other"]);
    assert_eq!(
        c.cmd_line("pubsub channels other"),
        arr(vec![bulk("other")])
    );
    assert_eq!(c.cmd_line("pubsub channels nomatch*"), arr(vec![]));
    assert_eq!(
        c.cmd_line("pubsub numsub news.1 other none"),
        arr(vec![
            bulk("news.1"),
            int(2),
            bulk("other"),
            int(1),
            bulk("none"),
            int(0)
        ])
    );
    assert_eq!(c.cmd_line("pubsub numsub"), arr(vec![]));
    // Unique patterns, not subscriptions.
    assert_eq!(c.cmd_line("pubsub numpat").as_int(), 2);

    let info = c.info("stats");
    assert_eq!(info["pubsub_channels"], "3");
    assert_eq!(info["pubsub_patterns"], "2");
    assert_eq!(info["pubsubshard_channels"], "0");

    let list = c.cmd_line("client list").as_str().to_string();
    let line = list.lines().find(|l| l.contains("name=s2")).unwrap();
    assert!(line.contains(" flags=P "), "{line}");
    assert!(line.contains(" sub=1 psub=2 ssub=0 "), "{line}");

    assert_eq!(
        c.cmd_line("pubsub channels a b"),
        err("ERR unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB HELP.")
    );
    assert_eq!(
        c.cmd_line("pubsub numpat x"),
        err("ERR wrong number of arguments for 'pubsub|numpat' command")
    );
    assert_eq!(
        c.cmd_line("pubsub nosuch"),
        err("ERR unknown subcommand 'nosuch'. Try PUBSUB HELP.")
    );
    let help = c.cmd_line("pubsub help");
    assert_eq!(help.as_array().len(), 14);
    assert_eq!(
        help.as_array()[0],
        Reply::Status("PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:".into())
    );
}

#[test]
fn leaving_clients_free_their_subscriptions() {
    let srv = TestServer::start();
    let mut s = srv.client();
    let mut c = srv.client();
    sub(&mut s, "subscribe ch", 1);
    sub(&mut s, "psubscribe p*", 1);
    sub(&mut s, "ssubscribe sh", 1);
    assert_eq!(s.cmd_line("reset"), Reply::Status("RESET".into()));
    assert_eq!(
        c.cmd_line("pubsub numsub ch"),
        arr(vec![bulk("ch"), int(0)])
    );
    assert_eq!(c.cmd_line("pubsub numpat").as_int(), 0);
    assert_eq!(
        c.cmd_line("pubsub shardnumsub sh"),
        arr(vec![bulk("sh"), int(0)])
    );
    // RESET left the subscribed context.
    assert_eq!(s.cmd_line("set k v"), Reply::Status("OK".into()));

    sub(&mut s, "subscribe ch", 1);
    sub(&mut s, "psubscribe p*", 1);
    drop(s);
    wait_for(Duration::from_secs(5), "the subscriber to go", || {
        c.cmd_line("pubsub numpat").as_int() == 0
    });
    assert_eq!(c.cmd_line("publish ch x").as_int(), 0);
    assert_eq!(c.cmd_line("pubsub channels"), arr(vec![]));
}

#[test]
fn a_subscriber_that_does_not_read_is_dropped_at_the_pubsub_limit() {
    let srv = TestServer::start();
    let mut s = srv.client();
    let mut p = srv.client();
    p.cmd(&[
        "config",
        "set",
        "client-output-buffer-limit",
        "pubsub 100kb 0 0",
    ])
    .assert_ok();
    sub(&mut s, "subscribe firehose", 1);
    let payload = "x".repeat(64 * 1024);
    wait_for(
        Duration::from_secs(10),
        "the subscriber to be dropped",
        || {
            for _ in 0..16 {
                p.cmd(&["publish", "firehose", payload.as_str()]);
            }
            p.cmd_line("pubsub numsub firehose").as_array()[1] == int(0)
        },
    );
}

// -- keyspace notifications ----------------------------------------------------------

/// Subscribes `c` to every channel with PSUBSCRIBE *.
fn listen_all(c: &mut Client) {
    assert_eq!(
        sub(c, "psubscribe *", 1),
        vec![confirm("psubscribe", "*", 1)]
    );
}

/// The `(channel, message)` of the next pmessage on `c`.
#[track_caller]
fn next_event(c: &mut Client) -> (String, String) {
    let r = c.read_reply();
    let parts = r.as_array();
    assert_eq!(parts[0], bulk("pmessage"), "{r:?}");
    (parts[2].as_str().to_string(), parts[3].as_str().to_string())
}

fn ev(channel: &str, msg: &str) -> (String, String) {
    (channel.to_string(), msg.to_string())
}

#[test]
fn keyspace_and_keyevent_channels_follow_the_flags() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let mut s = srv.client();
    listen_all(&mut s);
    // Off by default.
    c.cmd_line("set foo bar").assert_ok();
    assert_silent(&mut s);

    c.cmd_line("config set notify-keyspace-events KEA")
        .assert_ok();
    c.cmd_line("set foo bar").assert_ok();
    assert_eq!(next_event(&mut s), ev("__keyspace@0__:foo", "set"));
    assert_eq!(next_event(&mut s), ev("__keyevent@0__:set", "foo"));

    c.cmd_line("config set notify-keyspace-events KA")
        .assert_ok();
    c.cmd_line("select 3").assert_ok();
    c.cmd_line("set foo bar").assert_ok();
    assert_eq!(next_event(&mut s), ev("__keyspace@3__:foo", "set"));
    assert_silent(&mut s);

    c.cmd_line("config set notify-keyspace-events E$")
        .assert_ok();
    c.cmd_line("del foo").as_int();
    c.cmd_line("incrby n 5").as_int();
    assert_eq!(next_event(&mut s), ev("__keyevent@3__:incrby", "n"));
    assert_silent(&mut s);
}

#[test]
fn generic_and_string_events_are_named_as_redis_names_them() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let mut s = srv.client();
    c.cmd_line("config set notify-keyspace-events KA")
        .assert_ok();
    listen_all(&mut s);
    for cmd in [
        "set a 1",
        "expire a 100",
        "persist a",
        "append a 2",
        "incrbyfloat a 0.5",
        "setrange a 0 x",
        "rename a b",
        "copy b c",
        "move c 1",
        "getdel b",
        "mset d 1 e 2",
        "del d e nosuch",
        "setbit bits 1 1",
        "expire bits 0",
    ] {
        c.cmd_line(cmd);
    }
    let expected = [
        ("__keyspace@0__:a", "set"),
        ("__keyspace@0__:a", "expire"),
        ("__keyspace@0__:a", "persist"),
        ("__keyspace@0__:a", "append"),
        ("__keyspace@0__:a", "incrbyfloat"),
        ("__keyspace@0__:a", "setrange"),
        ("__keyspace@0__:a", "rename_from"),
        ("__keyspace@0__:b", "rename_to"),
        ("__keyspace@0__:c", "copy_to"),
        ("__keyspace@0__:c", "move_from"),
        ("__keyspace@1__:c", "move_to"),
        ("__keyspace@0__:b", "del"),
        ("__keyspace@0__:d", "set"),
        ("__keyspace@0__:e", "set"),
        ("__keyspace@0__:d", "del"),
        ("__keyspace@0__:e", "del"),
        ("__keyspace@0__:bits", "setbit"),
        ("__keyspace@0__:bits", "del"),
    ];
    for (ch, msg) in expected {
        assert_eq!(next_event(&mut s), ev(ch, msg));
    }
    assert_silent(&mut s);
}

#[test]
fn expired_events_come_from_lazy_and_active_expiry() {
    let srv = TestServer::builder().enable_debug().start();
    let mut c = srv.client();
    let mut s = srv.client();
    c.cmd_line("config set notify-keyspace-events Ex")
        .assert_ok();
    listen_all(&mut s);
    // Active expiry finds it on its own.
    c.cmd_line("psetex foo 50 1").assert_ok();
    assert_eq!(next_event(&mut s), ev("__keyevent@0__:expired", "foo"));
    // Lazy expiry: the read that finds it stale deletes it.
    c.cmd_line("debug set-active-expire 0").assert_ok();
    c.cmd_line("psetex bar 10 1").assert_ok();
    std::thread::sleep(Duration::from_millis(30));
    assert_silent(&mut s);
    assert_eq!(c.cmd_line("get bar"), Reply::Bulk(None));
    assert_eq!(next_event(&mut s), ev("__keyevent@0__:expired", "bar"));
}

#[test]
fn new_and_keymiss_events_are_off_unless_asked_for() {
    let srv = TestServer::builder().enable_debug().start();
    let mut c = srv.client();
    let mut s = srv.client();
    listen_all(&mut s);
    // `A` does not include `n` or `m`.
    c.cmd_line("config set notify-keyspace-events EA")
        .assert_ok();
    c.cmd_line("get nokey");
    c.cmd_line("set k v").assert_ok();
    assert_eq!(next_event(&mut s), ev("__keyevent@0__:set", "k"));
    assert_silent(&mut s);

    c.cmd_line("config set notify-keyspace-events Enm")
        .assert_ok();
    c.cmd_line("set foo bar").assert_ok();
    c.cmd_line("set foo baz").assert_ok();
    c.cmd_line("get nokey");
    c.cmd_line("exists nokey2").as_int();
    assert_eq!(next_event(&mut s), ev("__keyevent@0__:new", "foo"));
    assert_eq!(next_event(&mut s), ev("__keyevent@0__:keymiss", "nokey"));
    assert_eq!(next_event(&mut s), ev("__keyevent@0__:keymiss", "nokey2"));
    assert_silent(&mut s);

    // A stale key overwritten: expired, then new, then set, in that order.
    c.cmd_line("config set notify-keyspace-events Exn$")
        .assert_ok();
    c.cmd_line("debug set-active-expire 0").assert_ok();
    c.cmd_line("set old v px 1").assert_ok();
    assert_eq!(next_event(&mut s), ev("__keyevent@0__:new", "old"));
    assert_eq!(next_event(&mut s), ev("__keyevent@0__:set", "old"));
    std::thread::sleep(Duration::from_millis(10));
    c.cmd_line("set old w").assert_ok();
    assert_eq!(next_event(&mut s), ev("__keyevent@0__:expired", "old"));
    assert_eq!(next_event(&mut s), ev("__keyevent@0__:new", "old"));
    assert_eq!(next_event(&mut s), ev("__keyevent@0__:set", "old"));
}

#[test]
fn notify_flags_read_back_in_canonical_form() {
    let srv = TestServer::start();
    let mut c = srv.client();
    for (given, shown) in [
        ("gKE", "gKE"),
        ("$lshzxeKE", "$lshzxeKE"),
        ("KA", "AK"),
        ("EA", "AE"),
        // `n` and `m` are not part of `A`; with `A` Redis shows `m` only.
        ("AnmE", "AEm"),
        ("nE", "nE"),
        ("", ""),
    ] {
        c.cmd(&["config", "set", "notify-keyspace-events", given])
            .assert_ok();
        let got = c.cmd(&["config", "get", "notify-keyspace-events"]);
        assert_eq!(got.as_array()[1], bulk(shown), "{given}");
    }
    c.cmd(&["config", "set", "notify-keyspace-events", "Q"])
        .assert_err_prefix("ERR CONFIG SET failed");
}

#[test]
fn evicted_keys_are_announced_and_touch_watches() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let mut s = srv.client();
    let mut w = srv.client();
    c.cmd_line("config set notify-keyspace-events Ee")
        .assert_ok();
    c.cmd_line("config set maxmemory-policy allkeys-lru")
        .assert_ok();
    c.cmd_line("set foo bar").assert_ok();
    w.cmd_line("watch foo").assert_ok();
    listen_all(&mut s);
    // Far below what the server needs: every key goes.
    c.cmd_line("config set maxmemory 1").assert_ok();
    assert_eq!(next_event(&mut s), ev("__keyevent@0__:evicted", "foo"));
    c.cmd_line("config set maxmemory 0").assert_ok();
    assert_eq!(c.cmd_line("dbsize").as_int(), 0);
    assert_eq!(c.info_field("stats", "evicted_keys").as_deref(), Some("1"));
    w.cmd_line("multi").assert_ok();
    w.cmd_line("ping");
    assert_eq!(w.cmd_line("exec"), Reply::Array(None));
}

#[test]
fn volatile_policies_evict_only_keys_with_a_ttl() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("config set maxmemory-policy volatile-lru")
        .assert_ok();
    c.cmd_line("set keep 1").assert_ok();
    c.cmd_line("set go 1 ex 100").assert_ok();
    c.cmd_line("config set maxmemory 1").assert_ok();
    wait_for(Duration::from_secs(5), "the volatile key to go", || {
        c.cmd_line("exists go").as_int() == 0
    });
    // Nothing else can be evicted: writes are refused, the key stays.
    c.cmd_line("set x y")
        .assert_err_prefix("OOM command not allowed when used memory > 'maxmemory'");
    c.cmd_line("config set maxmemory 0").assert_ok();
    assert_eq!(c.cmd_line("get keep"), bulk("1"));
}
