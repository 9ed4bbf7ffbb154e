//! List commands as a client sees them: pushes, pops with and without a count, ranges and
//! indexes, LINSERT/LSET/LREM/LTRIM/LPOS, LMOVE/RPOPLPUSH, LMPOP; the quicklist's node layout
//! as DEBUG OBJECT reports it (by bytes and by count, compression, plain nodes for large
//! elements); DEBUG DIGEST-VALUE and MEMORY USAGE against the values Redis 7.0.15 prints for
//! the same data; and the blocking commands: arrival order, timeouts, CLIENT UNBLOCK, BLMOVE
//! chains, MULTI, keys moved into place, disconnection while blocked.
//!
//! Each test starts the real server binary and speaks RESP to it; the expected replies are
//! Redis 7.0.15's (run with `RUDIS_TEST_SERVER_BIN=/usr/bin/redis-server` to check them
//! against Redis itself).

mod common;

use std::time::{Duration, Instant};

use common::{wait_for, Client, Reply, TestServer};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const SYNTAX: &str = "ERR syntax error";

fn strings(c: &mut Client, args: &[&str]) -> Vec<String> {
    c.cmd(args).into_strings()
}

fn int(c: &mut Client, args: &[&str]) -> i64 {
    c.cmd(args).as_int()
}

fn err(c: &mut Client, args: &[&str]) -> String {
    c.cmd(args).as_err().to_owned()
}

/// A field of DEBUG OBJECT's line (`ql_nodes`, `encoding` ...).
fn debug_field(c: &mut Client, key: &str, field: &str) -> String {
    let line = c.cmd(&["DEBUG", "OBJECT", key]).as_str().to_owned();
    line.split(' ')
        .find_map(|kv| kv.strip_prefix(&format!("{field}:")).map(str::to_owned))
        .unwrap_or_else(|| panic!("no {field} in {line}"))
}

fn blocked_clients(c: &mut Client) -> usize {
    c.info_field("clients", "blocked_clients")
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX)
}

#[track_caller]
fn wait_blocked(c: &mut Client, n: usize) {
    wait_for(
        Duration::from_secs(5),
        &format!("{n} blocked clients"),
        || blocked_clients(c) == n,
    );
}

/// A reply arriving on a blocked client's connection within a few seconds.
#[track_caller]
fn reply_of(c: &mut Client) -> Reply {
    c.read_reply_timeout(Duration::from_secs(5))
        .expect("a reply to the blocked command")
}

/// True if nothing arrives on `c` for a short while (the command is still blocked).
fn still_blocked(c: &mut Client) -> bool {
    c.read_reply_timeout(Duration::from_millis(100)).is_err()
}

#[test]
fn pushes_pops_and_ranges() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(int(&mut c, &["LPUSH", "l", "a", "b", "c"]), 3);
    assert_eq!(int(&mut c, &["RPUSH", "l", "0", "1", "-2"]), 6);
    assert_eq!(
        strings(&mut c, &["LRANGE", "l", "0", "-1"]),
        ["c", "b", "a", "0", "1", "-2"]
    );
    assert_eq!(int(&mut c, &["LPUSHX", "nokey", "x"]), 0);
    assert_eq!(int(&mut c, &["RPUSHX", "nokey", "x", "y"]), 0);
    assert_eq!(int(&mut c, &["EXISTS", "nokey"]), 0);
    assert_eq!(int(&mut c, &["RPUSHX", "l", "x", "y"]), 8);
    assert_eq!(int(&mut c, &["LLEN", "l"]), 8);
    assert_eq!(int(&mut c, &["LLEN", "nokey"]), 0);
    assert_eq!(c.cmd(&["LINDEX", "l", "0"]), "c");
    assert_eq!(c.cmd(&["LINDEX", "l", "-1"]), "y");
    assert_eq!(c.cmd(&["LINDEX", "l", "4"]), "1");
    c.cmd(&["LINDEX", "l", "8"]).assert_nil();
    c.cmd(&["LINDEX", "l", "-9"]).assert_nil();
    // The key is looked up before the index is parsed.
    c.cmd(&["LINDEX", "nokey", "x"]).assert_nil();
    assert_eq!(err(&mut c, &["LINDEX", "l", "x"]), NOT_INT);
    // Ranges: negative indexes, clamping, inverted and empty ranges.
    assert_eq!(strings(&mut c, &["LRANGE", "l", "-3", "-2"]), ["-2", "x"]);
    assert_eq!(strings(&mut c, &["LRANGE", "l", "-100", "1"]), ["c", "b"]);
    assert_eq!(strings(&mut c, &["LRANGE", "l", "6", "100"]), ["x", "y"]);
    assert!(strings(&mut c, &["LRANGE", "l", "3", "2"]).is_empty());
    assert!(strings(&mut c, &["LRANGE", "l", "0", "-9"]).is_empty());
    assert!(strings(&mut c, &["LRANGE", "nokey", "0", "-1"]).is_empty());
    assert_eq!(err(&mut c, &["LRANGE", "nokey", "a", "1"]), NOT_INT);
    // Pops, with counts.
    assert_eq!(c.cmd(&["LPOP", "l"]), "c");
    assert_eq!(c.cmd(&["RPOP", "l"]), "y");
    assert_eq!(strings(&mut c, &["LPOP", "l", "2"]), ["b", "a"]);
    assert_eq!(strings(&mut c, &["RPOP", "l", "2"]), ["x", "-2"]);
    assert!(strings(&mut c, &["LPOP", "l", "0"]).is_empty());
    assert_eq!(strings(&mut c, &["RPOP", "l", "100"]), ["1", "0"]);
    assert_eq!(int(&mut c, &["EXISTS", "l"]), 0);
    assert_eq!(c.cmd(&["LPOP", "l"]), Reply::Bulk(None));
    assert_eq!(c.cmd(&["LPOP", "l", "0"]), Reply::Array(None));
    assert_eq!(c.cmd(&["RPOP", "l", "5"]), Reply::Array(None));
    assert_eq!(
        err(&mut c, &["LPOP", "l", "-1"]),
        "ERR value is out of range, must be positive"
    );
    assert_eq!(
        err(&mut c, &["RPOP", "l", "1", "2"]),
        "ERR wrong number of arguments for 'rpop' command"
    );
    // RESP3: nil is `_` for both forms.
    c.cmd(&["HELLO", "3"]);
    assert_eq!(c.cmd(&["LPOP", "l"]), Reply::Null);
    assert_eq!(c.cmd(&["LPOP", "l", "1"]), Reply::Null);
}

#[test]
fn wrong_type_everywhere() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["SET", "s", "x"]).assert_ok();
    c.cmd(&["RPUSH", "l", "a"]);
    for args in [
        &["LPUSH", "s", "a"][..],
        &["RPUSH", "s", "a"],
        &["LPUSHX", "s", "a"],
        &["LLEN", "s"],
        &["LINDEX", "s", "0"],
        &["LRANGE", "s", "0", "1"],
        &["LSET", "s", "0", "a"],
        &["LINSERT", "s", "BEFORE", "a", "b"],
        &["LREM", "s", "0", "a"],
        &["LTRIM", "s", "0", "1"],
        &["LPOS", "s", "a"],
        &["LPOP", "s"],
        &["RPOP", "s", "2"],
        &["LMOVE", "s", "l", "LEFT", "LEFT"],
        &["LMOVE", "l", "s", "LEFT", "LEFT"],
        &["RPOPLPUSH", "l", "s"],
        &["LMPOP", "2", "nokey", "s", "LEFT"],
        &["BLPOP", "nokey", "s", "0"],
        &["BLMPOP", "0", "1", "s", "RIGHT"],
        &["BLMOVE", "s", "l", "LEFT", "LEFT", "0"],
        &["BRPOPLPUSH", "l", "s", "0"],
    ] {
        assert_eq!(c.cmd(args).as_err(), WRONGTYPE, "{args:?}");
    }
    // A refused move leaves the source as it was.
    assert_eq!(strings(&mut c, &["LRANGE", "l", "0", "-1"]), ["a"]);
    assert_eq!(c.cmd(&["GET", "s"]), "x");
}

#[test]
fn insert_set_remove_trim() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["RPUSH", "l", "a", "b", "c", "b"]);
    assert_eq!(int(&mut c, &["LINSERT", "l", "BEFORE", "b", "x"]), 5);
    assert_eq!(int(&mut c, &["LINSERT", "l", "after", "b", "y"]), 6);
    assert_eq!(int(&mut c, &["LINSERT", "l", "AFTER", "nope", "y"]), -1);
    assert_eq!(int(&mut c, &["LINSERT", "nokey", "AFTER", "a", "y"]), 0);
    assert_eq!(err(&mut c, &["LINSERT", "l", "middle", "a", "y"]), SYNTAX);
    assert_eq!(
        strings(&mut c, &["LRANGE", "l", "0", "-1"]),
        ["a", "x", "b", "y", "c", "b"]
    );
    c.cmd(&["LSET", "l", "0", "A"]).assert_ok();
    c.cmd(&["LSET", "l", "-1", "B"]).assert_ok();
    assert_eq!(
        err(&mut c, &["LSET", "l", "6", "z"]),
        "ERR index out of range"
    );
    assert_eq!(err(&mut c, &["LSET", "nokey", "0", "z"]), "ERR no such key");
    assert_eq!(err(&mut c, &["LSET", "l", "z", "z"]), NOT_INT);
    // LREM: from the head, from the tail, all.
    c.cmd(&["RPUSH", "l", "x", "y", "x"]);
    assert_eq!(int(&mut c, &["LREM", "l", "-1", "x"]), 1);
    assert_eq!(int(&mut c, &["LREM", "l", "1", "y"]), 1);
    assert_eq!(int(&mut c, &["LREM", "l", "0", "x"]), 2);
    assert_eq!(int(&mut c, &["LREM", "l", "0", "nope"]), 0);
    assert_eq!(
        strings(&mut c, &["LRANGE", "l", "0", "-1"]),
        ["A", "b", "c", "B", "y"]
    );
    // Integers compare as their string forms.
    c.cmd(&["RPUSH", "n", "1", "01", "1", "10"]);
    assert_eq!(int(&mut c, &["LREM", "n", "0", "1"]), 2);
    assert_eq!(strings(&mut c, &["LRANGE", "n", "0", "-1"]), ["01", "10"]);
    // LTRIM, down to deleting the key.
    c.cmd(&["LTRIM", "l", "1", "-2"]).assert_ok();
    assert_eq!(
        strings(&mut c, &["LRANGE", "l", "0", "-1"]),
        ["b", "c", "B"]
    );
    c.cmd(&["LTRIM", "l", "-100", "100"]).assert_ok();
    assert_eq!(int(&mut c, &["LLEN", "l"]), 3);
    c.cmd(&["LTRIM", "l", "2", "1"]).assert_ok();
    assert_eq!(int(&mut c, &["EXISTS", "l"]), 0);
    c.cmd(&["LTRIM", "nokey", "0", "1"]).assert_ok();
    assert_eq!(err(&mut c, &["LTRIM", "nokey", "a", "1"]), NOT_INT);
    // LREM removing everything deletes the key.
    assert_eq!(int(&mut c, &["LREM", "n", "0", "10"]), 1);
    assert_eq!(int(&mut c, &["LREM", "n", "0", "01"]), 1);
    assert_eq!(int(&mut c, &["EXISTS", "n"]), 0);
}

#[test]
fn lpos_options() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"]);
    assert_eq!(int(&mut c, &["LPOS", "l", "c"]), 2);
    assert_eq!(int(&mut c, &["LPOS", "l", "c", "RANK", "2"]), 6);
    assert_eq!(int(&mut c, &["LPOS", "l", "c", "RANK", "-1"]), 7);
    c.cmd(&["LPOS", "l", "c", "RANK", "4"]).assert_nil();
    assert_eq!(
        c.cmd(&["LPOS", "l", "c", "COUNT", "0"]).into_array(),
        [Reply::Int(2), Reply::Int(6), Reply::Int(7)]
    );
    assert_eq!(
        c.cmd(&["LPOS", "l", "c", "COUNT", "2", "RANK", "-1"])
            .into_array(),
        [Reply::Int(7), Reply::Int(6)]
    );
    assert_eq!(
        c.cmd(&["LPOS", "l", "c", "COUNT", "0", "MAXLEN", "7", "RANK", "2"])
            .into_array(),
        [Reply::Int(6)]
    );
    assert!(c
        .cmd(&["LPOS", "l", "c", "COUNT", "0", "MAXLEN", "1"])
        .into_array()
        .is_empty());
    assert_eq!(int(&mut c, &["LPOS", "l", "3"]), 5);
    // C's `rank = -rank` leaves the smallest rank negative: every match from the tail counts,
    // and COUNT never stops the scan.
    let min = i64::MIN.to_string();
    assert_eq!(int(&mut c, &["LPOS", "l", "c", "RANK", &min]), 7);
    assert_eq!(
        c.cmd(&["LPOS", "l", "c", "RANK", &min, "COUNT", "1"])
            .into_array(),
        [Reply::Int(7), Reply::Int(6), Reply::Int(2)]
    );
    c.cmd(&["LPOS", "nokey", "c"]).assert_nil();
    assert!(c
        .cmd(&["LPOS", "nokey", "c", "COUNT", "1"])
        .into_array()
        .is_empty());
    assert!(err(&mut c, &["LPOS", "l", "c", "RANK", "0"]).starts_with("ERR RANK can't be zero"));
    assert_eq!(
        err(&mut c, &["LPOS", "l", "c", "COUNT", "-1"]),
        "ERR COUNT can't be negative"
    );
    assert_eq!(
        err(&mut c, &["LPOS", "l", "c", "MAXLEN", "x"]),
        "ERR MAXLEN can't be negative"
    );
    assert_eq!(err(&mut c, &["LPOS", "l", "c", "RANK"]), SYNTAX);
    assert_eq!(err(&mut c, &["LPOS", "l", "c", "FOO", "1"]), SYNTAX);
}

#[test]
fn moves() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["RPUSH", "src", "a", "b", "c"]);
    assert_eq!(c.cmd(&["RPOPLPUSH", "src", "dst"]), "c");
    assert_eq!(c.cmd(&["LMOVE", "src", "dst", "LEFT", "RIGHT"]), "a");
    assert_eq!(strings(&mut c, &["LRANGE", "dst", "0", "-1"]), ["c", "a"]);
    // Same list: a rotation.
    c.cmd(&["RPUSH", "r", "1", "2", "3"]);
    assert_eq!(c.cmd(&["LMOVE", "r", "r", "RIGHT", "LEFT"]), "3");
    assert_eq!(
        strings(&mut c, &["LRANGE", "r", "0", "-1"]),
        ["3", "1", "2"]
    );
    assert_eq!(c.cmd(&["RPOPLPUSH", "r", "r"]), "2");
    // The last element moved deletes the source.
    assert_eq!(c.cmd(&["LMOVE", "src", "dst", "LEFT", "LEFT"]), "b");
    assert_eq!(int(&mut c, &["EXISTS", "src"]), 0);
    c.cmd(&["LMOVE", "src", "dst", "LEFT", "LEFT"]).assert_nil();
    assert_eq!(err(&mut c, &["LMOVE", "src", "dst", "UP", "LEFT"]), SYNTAX);
    assert_eq!(
        err(&mut c, &["LMOVE", "src", "dst", "LEFT", "DOWN"]),
        SYNTAX
    );
}

#[test]
fn lmpop_arguments_and_results() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["RPUSH", "a", "1", "2", "3"]);
    c.cmd(&["RPUSH", "b", "x", "y"]);
    let r = c
        .cmd(&["LMPOP", "2", "nokey", "a", "LEFT", "COUNT", "2"])
        .into_array();
    assert_eq!(r[0], "a");
    assert_eq!(r[1].clone().into_strings(), ["1", "2"]);
    let r = c
        .cmd(&["LMPOP", "2", "a", "b", "RIGHT", "COUNT", "10"])
        .into_array();
    assert_eq!(r[0], "a");
    assert_eq!(r[1].clone().into_strings(), ["3"]);
    assert_eq!(int(&mut c, &["EXISTS", "a"]), 0);
    let r = c.cmd(&["LMPOP", "2", "a", "b", "RIGHT"]).into_array();
    assert_eq!(r[1].clone().into_strings(), ["y"]);
    assert_eq!(c.cmd(&["LMPOP", "1", "nokey", "LEFT"]), Reply::Array(None));
    let numkeys = "ERR numkeys should be greater than 0";
    assert_eq!(err(&mut c, &["LMPOP", "0", "a", "LEFT"]), numkeys);
    assert_eq!(err(&mut c, &["LMPOP", "x", "a", "LEFT"]), numkeys);
    assert_eq!(err(&mut c, &["LMPOP", "2", "a", "LEFT"]), SYNTAX);
    assert_eq!(err(&mut c, &["LMPOP", "1", "a", "UP"]), SYNTAX);
    assert_eq!(err(&mut c, &["LMPOP", "1", "a", "LEFT", "COUNT"]), SYNTAX);
    assert_eq!(
        err(
            &mut c,
            &["LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "1"]
        ),
        SYNTAX
    );
    let count = "ERR count should be greater than 0";
    assert_eq!(
        err(&mut c, &["LMPOP", "1", "a", "LEFT", "COUNT", "0"]),
        count
    );
    assert_eq!(
        err(&mut c, &["LMPOP", "1", "a", "LEFT", "COUNT", "x"]),
        count
    );
    assert_eq!(
        err(&mut c, &["LMPOP", "1"]),
        "ERR wrong number of arguments for 'lmpop' command"
    );
}

/// Node layouts and sizes as Redis 7.0.15 reports them for the same commands.
#[test]
fn quicklist_nodes_compression_and_plain_elements() {
    let srv = TestServer::builder().enable_debug().start();
    let mut c = srv.client();
    let mut args = vec!["RPUSH".to_string(), "l".to_string()];
    args.extend((0..1000).map(|i| format!("elem{i:06}")));
    assert_eq!(c.cmd(&args).as_int(), 1000);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "l"]), "quicklist");
    // 8 KiB nodes (list-max-listpack-size -2): 681 ten-byte elements, then 319.
    assert_eq!(debug_field(&mut c, "l", "ql_nodes"), "2");
    assert_eq!(debug_field(&mut c, "l", "ql_uncompressed_size"), "12014");
    assert_eq!(debug_field(&mut c, "l", "ql_listpack_max"), "-2");
    assert_eq!(int(&mut c, &["MEMORY", "USAGE", "l"]), 12456);

    // Four elements a node, interior nodes compressed.
    c.cmd(&["CONFIG", "SET", "list-max-listpack-size", "4"])
        .assert_ok();
    c.cmd(&["CONFIG", "SET", "list-compress-depth", "1"])
        .assert_ok();
    let mut args = vec!["RPUSH".to_string(), "c".to_string()];
    args.extend((0..100).map(|i| format!("value-{i}-{}", "x".repeat(40))));
    c.cmd(&args);
    assert_eq!(debug_field(&mut c, "c", "ql_nodes"), "25");
    assert_eq!(debug_field(&mut c, "c", "ql_compressed"), "1");
    assert_eq!(debug_field(&mut c, "c", "ql_uncompressed_size"), "5265");
    assert_eq!(int(&mut c, &["MEMORY", "USAGE", "c"]), 3488);
    assert_eq!(int(&mut c, &["MEMORY", "USAGE", "c", "SAMPLES", "0"]), 3008);
    assert_eq!(
        c.cmd(&["LINDEX", "c", "50"]),
        format!("value-50-{}", "x".repeat(40)).as_str()
    );
    assert_eq!(
        c.cmd(&["LSET", "c", "50", "fifty"]),
        Reply::Status("OK".into())
    );
    assert_eq!(
        int(&mut c, &["LINSERT", "c", "AFTER", "fifty", "51st"]),
        101
    );
    assert_eq!(
        strings(&mut c, &["LRANGE", "c", "50", "51"]),
        ["fifty", "51st"]
    );
    // The options were taken when each list was made.
    assert_eq!(debug_field(&mut c, "l", "ql_listpack_max"), "-2");
    c.cmd(&["CONFIG", "SET", "list-max-listpack-size", "-2"])
        .assert_ok();
    assert_eq!(debug_field(&mut c, "c", "ql_listpack_max"), "4");
    c.cmd(&["CONFIG", "SET", "list-compress-depth", "0"])
        .assert_ok();

    // Elements from the packed threshold up get a node of their own.
    c.cmd(&["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "10b"])
        .assert_ok();
    c.cmd(&["RPUSH", "p", "aa", "bb", "cc"]);
    assert_eq!(debug_field(&mut c, "p", "ql_nodes"), "1");
    c.cmd(&["LSET", "p", "1", &"x".repeat(20)]).assert_ok();
    assert_eq!(debug_field(&mut c, "p", "ql_nodes"), "3");
    c.cmd(&["RPUSH", "p", &"y".repeat(10)]);
    assert_eq!(debug_field(&mut c, "p", "ql_nodes"), "4");
    let long = "x".repeat(20);
    let tail = "y".repeat(10);
    assert_eq!(
        strings(&mut c, &["LRANGE", "p", "0", "-1"]),
        ["aa", long.as_str(), "cc", tail.as_str()]
    );
    c.cmd(&["LSET", "p", "1", "small"]).assert_ok();
    assert_eq!(c.cmd(&["RPOP", "p"]), tail.as_str());
    assert_eq!(
        strings(&mut c, &["LRANGE", "p", "0", "-1"]),
        ["aa", "small", "cc"]
    );
    c.cmd(&["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0"])
        .assert_ok();
    assert_eq!(
        err(&mut c, &["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "5gb"]),
        "ERR argument must be a memory value bigger than 1 and smaller than 4gb"
    );
}

#[test]
fn digests_equal_redis() {
    let srv = TestServer::builder().enable_debug().start();
    let mut c = srv.client();
    c.cmd(&["RPUSH", "l", "a", "1", "bb", "12345678901"]);
    assert_eq!(
        c.cmd(&["DEBUG", "DIGEST-VALUE", "l"]).into_array(),
        [Reply::Status(
            "80013b865ee6162d66c79bb6bb14b465f47bf70d".into()
        )]
    );
    c.cmd(&["SET", "foo", "bar"]).assert_ok();
    assert_eq!(
        c.cmd(&["DEBUG", "DIGEST"]),
        Reply::Status("6f8f7e536e7293f73cf5a1944fed58ae95c56a51".into())
    );
    // COPY keeps the layout and the digest.
    assert_eq!(int(&mut c, &["COPY", "l", "l2"]), 1);
    assert_eq!(
        c.cmd(&["DEBUG", "DIGEST-VALUE", "l2"]).into_array(),
        [Reply::Status(
            "80013b865ee6162d66c79bb6bb14b465f47bf70d".into()
        )]
    );
}

#[test]
fn keyspace_events() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let mut sub = srv.client();
    c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "Elg"])
        .assert_ok();
    sub.cmd(&["PSUBSCRIBE", "__keyevent@0__:*"]);
    c.cmd(&["RPUSH", "l", "a", "b"]);
    c.cmd(&["LINSERT", "l", "BEFORE", "a", "z"]);
    c.cmd(&["LSET", "l", "0", "y"]);
    c.cmd(&["LMOVE", "l", "m", "LEFT", "RIGHT"]);
    c.cmd(&["LTRIM", "l", "0", "0"]);
    c.cmd(&["LREM", "l", "0", "a"]);
    let mut events = Vec::new();
    for _ in 0..8 {
        let msg = sub.read_reply().into_array();
        events.push((msg[2].as_str().to_owned(), msg[3].as_str().to_owned()));
    }
    let expected = [
        ("__keyevent@0__:rpush", "l"),
        ("__keyevent@0__:linsert", "l"),
        ("__keyevent@0__:lset", "l"),
        ("__keyevent@0__:rpush", "m"),
        ("__keyevent@0__:lpop", "l"),
        ("__keyevent@0__:ltrim", "l"),
        ("__keyevent@0__:lrem", "l"),
        ("__keyevent@0__:del", "l"),
    ];
    let got: Vec<(&str, &str)> = events
        .iter()
        .map(|(e, k)| (e.as_str(), k.as_str()))
        .collect();
    assert_eq!(got, expected);
}

// -- blocking ------------------------------------------------------------------------------

#[test]
fn blocked_clients_are_served_in_arrival_order() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let mut waiters: Vec<Client> = (0..3).map(|_| srv.client()).collect();
    for (i, w) in waiters.iter_mut().enumerate() {
        w.send(&["BLPOP", "other", "q", "0"]);
        wait_blocked(&mut c, i + 1);
    }
    let list = c.cmd(&["CLIENT", "LIST"]).as_str().to_owned();
    assert_eq!(list.matches("flags=b").count(), 3);
    assert_eq!(int(&mut c, &["RPUSH", "q", "1", "2"]), 2);
    let r0 = reply_of(&mut waiters[0]).into_strings();
    let r1 = reply_of(&mut waiters[1]).into_strings();
    assert_eq!(r0, ["q", "1"]);
    assert_eq!(r1, ["q", "2"]);
    assert!(still_blocked(&mut waiters[2]));
    assert_eq!(blocked_clients(&mut c), 1);
    assert_eq!(int(&mut c, &["EXISTS", "q"]), 0);
    // A list pushed through another key of the same client is served too.
    c.cmd(&["RPUSH", "other", "x"]);
    assert_eq!(reply_of(&mut waiters[2]).into_strings(), ["other", "x"]);
    assert_eq!(blocked_clients(&mut c), 0);
    // Data already there: no blocking, the first non-empty key wins.
    c.cmd(&["RPUSH", "b", "1"]);
    c.cmd(&["RPUSH", "a", "2", "3"]);
    assert_eq!(
        strings(&mut c, &["BRPOP", "nokey", "a", "b", "0"]),
        ["a", "3"]
    );
}

#[test]
fn blocked_client_runs_its_pipeline_after_being_served() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let mut w = srv.client();
    w.send_raw(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nLLEN\r\n$1\r\nq\r\n");
    wait_blocked(&mut c, 1);
    c.cmd(&["RPUSH", "q", "a", "b"]);
    assert_eq!(reply_of(&mut w).into_strings(), ["q", "a"]);
    assert_eq!(reply_of(&mut w), Reply::Status("PONG".into()));
    assert_eq!(reply_of(&mut w).as_int(), 1);
}

#[test]
fn timeouts_and_timeout_errors() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let start = Instant::now();
    assert_eq!(c.cmd(&["BLPOP", "q", "0.2"]), Reply::Array(None));
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(200) && took < Duration::from_secs(2),
        "{took:?}"
    );
    assert_eq!(c.cmd(&["BRPOPLPUSH", "q", "d", "0.05"]), Reply::Array(None));
    assert_eq!(
        c.cmd(&["BLMOVE", "q", "d", "LEFT", "LEFT", "0.05"]),
        Reply::Array(None)
    );
    assert_eq!(
        c.cmd(&["BLMPOP", "0.05", "1", "q", "LEFT"]),
        Reply::Array(None)
    );
    assert_eq!(
        err(&mut c, &["BLPOP", "q", "-1"]),
        "ERR timeout is negative"
    );
    assert_eq!(
        err(&mut c, &["BLPOP", "q", "inf"]),
        "ERR timeout is negative"
    );
    assert_eq!(
        err(&mut c, &["BLPOP", "q", "abc"]),
        "ERR timeout is not a float or out of range"
    );
    assert_eq!(
        err(&mut c, &["BLMOVE", "q", "d", "LEFT", "LEFT", "x"]),
        "ERR timeout is not a float or out of range"
    );
    assert_eq!(
        err(&mut c, &["BLMOVE", "q", "d", "UP", "LEFT", "x"]),
        SYNTAX
    );
    assert_eq!(
        err(&mut c, &["BLMPOP", "0", "0", "q", "LEFT"]),
        "ERR numkeys should be greater than 0"
    );
    c.cmd(&["HELLO", "3"]);
    assert_eq!(c.cmd(&["BLPOP", "q", "0.01"]), Reply::Null);
    assert_eq!(blocked_clients(&mut c), 0);
    assert_eq!(
        c.info_field("clients", "clients_in_timeout_table")
            .as_deref(),
        Some("0")
    );
}

#[test]
fn client_unblock() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let mut w = srv.client();
    let id = w.cmd(&["CLIENT", "ID"]).as_int().to_string();
    w.send(&["BLPOP", "q", "0"]);
    wait_blocked(&mut c, 1);
    assert_eq!(int(&mut c, &["CLIENT", "UNBLOCK", &id]), 1);
    assert_eq!(reply_of(&mut w), Reply::Array(None));
    w.send(&["BLMPOP", "100", "1", "q", "RIGHT"]);
    wait_blocked(&mut c, 1);
    assert_eq!(
        c.info_field("clients", "clients_in_timeout_table")
            .as_deref(),
        Some("1")
    );
    assert_eq!(int(&mut c, &["CLIENT", "UNBLOCK", &id, "TIMEOUT"]), 1);
    assert_eq!(reply_of(&mut w), Reply::Array(None));
    assert_eq!(
        c.info_field("clients", "clients_in_timeout_table")
            .as_deref(),
        Some("0")
    );
    w.send(&["BRPOPLPUSH", "q", "d", "0"]);
    wait_blocked(&mut c, 1);
    assert_eq!(int(&mut c, &["CLIENT", "UNBLOCK", &id, "ERROR"]), 1);
    assert_eq!(
        reply_of(&mut w).as_err(),
        "UNBLOCKED client unblocked via CLIENT UNBLOCK"
    );
    // Not blocked, unknown, malformed.
    assert_eq!(int(&mut c, &["CLIENT", "UNBLOCK", &id]), 0);
    assert_eq!(int(&mut c, &["CLIENT", "UNBLOCK", "999999"]), 0);
    assert_eq!(err(&mut c, &["CLIENT", "UNBLOCK", "x"]), NOT_INT);
    assert_eq!(
        err(&mut c, &["CLIENT", "UNBLOCK", &id, "LATER"]),
        "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
    );
    // The unblocked client works as before.
    w.send(&["BLPOP", "q", "0"]);
    wait_blocked(&mut c, 1);
    c.cmd(&["LPUSH", "q", "v"]);
    assert_eq!(reply_of(&mut w).into_strings(), ["q", "v"]);
    // The UNBLOCKED error and this client's two.
    let stats = c.info("stats");
    assert_eq!(
        stats.get("total_error_replies").map(String::as_str),
        Some("3")
    );
    let errs = c.cmd(&["INFO", "errorstats"]).as_str().to_owned();
    assert!(errs.contains("errorstat_UNBLOCKED:count=1"), "{errs}");
}

#[test]
fn blmove_chains_and_wrong_destinations() {
    let srv = TestServer::start();
    let mut c = srv.client();
    // Linked: l1 -> l2 -> l3 in one push.
    let mut w1 = srv.client();
    let mut w2 = srv.client();
    w1.send(&["BLMOVE", "l1", "l2", "RIGHT", "LEFT", "0"]);
    wait_blocked(&mut c, 1);
    w2.send(&["BLMOVE", "l2", "l3", "LEFT", "RIGHT", "0"]);
    wait_blocked(&mut c, 2);
    c.cmd(&["RPUSH", "l1", "foo"]);
    assert_eq!(reply_of(&mut w1), "foo");
    assert_eq!(reply_of(&mut w2), "foo");
    assert_eq!(int(&mut c, &["EXISTS", "l1", "l2"]), 0);
    assert_eq!(strings(&mut c, &["LRANGE", "l3", "0", "-1"]), ["foo"]);
    // Circular: the element ends where it started.
    w1.send(&["BRPOPLPUSH", "c1", "c2", "0"]);
    wait_blocked(&mut c, 1);
    w2.send(&["BRPOPLPUSH", "c2", "c1", "0"]);
    wait_blocked(&mut c, 2);
    c.cmd(&["RPUSH", "c1", "x"]);
    assert_eq!(reply_of(&mut w1), "x");
    assert_eq!(reply_of(&mut w2), "x");
    assert_eq!(strings(&mut c, &["LRANGE", "c1", "0", "-1"]), ["x"]);
    assert_eq!(int(&mut c, &["EXISTS", "c2"]), 0);
    // Self-referential.
    w1.send(&["BRPOPLPUSH", "s", "s", "0"]);
    wait_blocked(&mut c, 1);
    c.cmd(&["RPUSH", "s", "a"]);
    assert_eq!(reply_of(&mut w1), "a");
    assert_eq!(strings(&mut c, &["LRANGE", "s", "0", "-1"]), ["a"]);
    // A BLMOVE feeding a BLPOP on the destination.
    w2.send(&["BLPOP", "t", "0"]);
    wait_blocked(&mut c, 1);
    w1.send(&["BLMOVE", "f", "t", "LEFT", "LEFT", "0"]);
    wait_blocked(&mut c, 2);
    c.cmd(&["RPUSH", "f", "v"]);
    assert_eq!(reply_of(&mut w1), "v");
    assert_eq!(reply_of(&mut w2).into_strings(), ["t", "v"]);
    assert_eq!(int(&mut c, &["EXISTS", "f", "t"]), 0);
    // A destination of another type: the waiter gets WRONGTYPE, nothing moves, and the next
    // waiter is served.
    c.cmd(&["SET", "bad", "x"]).assert_ok();
    w1.send(&["BRPOPLPUSH", "w", "bad", "0"]);
    wait_blocked(&mut c, 1);
    w2.send(&["BRPOPLPUSH", "w", "good", "0"]);
    wait_blocked(&mut c, 2);
    c.cmd(&["RPUSH", "w", "a", "b"]);
    assert_eq!(reply_of(&mut w1).as_err(), WRONGTYPE);
    assert_eq!(reply_of(&mut w2), "b");
    assert_eq!(strings(&mut c, &["LRANGE", "w", "0", "-1"]), ["a"]);
}

#[test]
fn blmpop_is_served_with_counts() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let mut w: Vec<Client> = (0..3).map(|_| srv.client()).collect();
    w[0].send(&["BLMPOP", "0", "2", "a", "b", "LEFT", "COUNT", "1"]);
    wait_blocked(&mut c, 1);
    w[1].send(&["BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "10"]);
    wait_blocked(&mut c, 2);
    w[2].send(&["BLMPOP", "0", "2", "a", "b", "LEFT", "COUNT", "10"]);
    wait_blocked(&mut c, 3);
    c.cmd(&["RPUSH", "a", "1", "2", "3"]);
    let r = reply_of(&mut w[0]).into_array();
    assert_eq!(
        (r[0].as_str(), r[1].clone().into_strings()),
        ("a", vec!["1".to_string()])
    );
    let r = reply_of(&mut w[1]).into_array();
    assert_eq!(r[1].clone().into_strings(), ["3", "2"]);
    assert!(still_blocked(&mut w[2]));
    c.cmd(&["RPUSH", "b", "x"]);
    let r = reply_of(&mut w[2]).into_array();
    assert_eq!(
        (r[0].as_str(), r[1].clone().into_strings()),
        ("b", vec!["x".to_string()])
    );
}

#[test]
fn transactions_never_block_and_wake_once() {
    let srv = TestServer::start();
    let mut c = srv.client();
    // Inside MULTI a blocking command answers as on a timeout.
    c.cmd(&["RPUSH", "x", "a"]);
    c.cmd(&["MULTI"]).assert_ok();
    c.cmd(&["BLPOP", "x", "0"]);
    c.cmd(&["BLPOP", "x", "0"]);
    c.cmd(&["BRPOPLPUSH", "x", "y", "0"]);
    c.cmd(&["BLMPOP", "0", "1", "x", "LEFT"]);
    let r = c.cmd(&["EXEC"]).into_array();
    assert_eq!(r[0].clone().into_strings(), ["x", "a"]);
    assert_eq!(r[1], Reply::Array(None));
    assert_eq!(r[2], Reply::Bulk(None));
    assert_eq!(r[3], Reply::Array(None));
    // A waiter sees the transaction's end result: three pushes, one wake-up.
    let mut w = srv.client();
    w.send(&["BLPOP", "q", "0"]);
    wait_blocked(&mut c, 1);
    c.cmd(&["MULTI"]).assert_ok();
    c.cmd(&["LPUSH", "q", "a"]);
    c.cmd(&["LPUSH", "q", "b"]);
    c.cmd(&["LPUSH", "q", "c"]);
    c.cmd(&["EXEC"]);
    assert_eq!(reply_of(&mut w).into_strings(), ["q", "c"]);
    // A push undone within the transaction wakes nobody.
    w.send(&["BLPOP", "z", "0"]);
    wait_blocked(&mut c, 1);
    c.cmd(&["MULTI"]).assert_ok();
    c.cmd(&["LPUSH", "z", "a"]);
    c.cmd(&["DEL", "z"]);
    c.cmd(&["SET", "z", "str"]);
    c.cmd(&["EXEC"]);
    assert!(still_blocked(&mut w));
    c.cmd(&["DEL", "z"]);
    c.cmd(&["LPUSH", "z", "b"]);
    assert_eq!(reply_of(&mut w).into_strings(), ["z", "b"]);
}

#[test]
fn keys_moved_into_place_wake_waiters() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let mut w = srv.client();
    w.send(&["BLPOP", "dst", "0"]);
    wait_blocked(&mut c, 1);
    c.cmd(&["RPUSH", "src", "a", "b"]);
    c.cmd(&["RENAME", "src", "dst"]).assert_ok();
    assert_eq!(reply_of(&mut w).into_strings(), ["dst", "a"]);
    // SWAPDB: a list in the other database becomes visible.
    c.cmd(&["SELECT", "1"]).assert_ok();
    c.cmd(&["RPUSH", "k", "hello"]);
    w.send(&["BRPOP", "k", "5"]);
    wait_blocked(&mut c, 1);
    c.cmd(&["SWAPDB", "0", "1"]).assert_ok();
    assert_eq!(reply_of(&mut w).into_strings(), ["k", "hello"]);
    // A key of another type does not serve a list waiter.
    w.send(&["BLPOP", "h", "0"]);
    wait_blocked(&mut c, 1);
    c.cmd(&["SELECT", "0"]).assert_ok();
    c.cmd(&["HSET", "h", "f", "v"]);
    assert!(still_blocked(&mut w));
    assert_eq!(blocked_clients(&mut c), 1);
}

#[test]
fn a_client_closed_while_blocked_is_forgotten() {
    let srv = TestServer::start();
    let mut c = srv.client();
    {
        let mut w = srv.client();
        w.send(&["BLPOP", "q", "0"]);
        wait_blocked(&mut c, 1);
        let mut w2 = srv.client();
        w2.send(&["BLMOVE", "q", "d", "LEFT", "LEFT", "100"]);
        wait_blocked(&mut c, 2);
    }
    wait_blocked(&mut c, 0);
    assert_eq!(
        c.info_field("clients", "clients_in_timeout_table")
            .as_deref(),
        Some("0")
    );
    // Nobody consumes the push any more.
    c.cmd(&["RPUSH", "q", "x"]);
    assert_eq!(strings(&mut c, &["LRANGE", "q", "0", "-1"]), ["x"]);
    assert_eq!(int(&mut c, &["EXISTS", "d"]), 0);
}

#[test]
fn blocking_commands_in_stats() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["CONFIG", "RESETSTAT"]).assert_ok();
    let mut w = srv.client();
    w.send(&["BLPOP", "q", "0"]);
    wait_blocked(&mut c, 1);
    c.cmd(&["RPUSH", "q", "x"]);
    reply_of(&mut w);
    let stats = c.cmd(&["INFO", "commandstats"]).as_str().to_owned();
    let line = stats
        .lines()
        .find(|l| l.starts_with("cmdstat_blpop:"))
        .unwrap_or_default()
        .to_owned();
    assert!(line.starts_with("cmdstat_blpop:calls=1,"), "{line}");
    assert!(line.ends_with("rejected_calls=0,failed_calls=0"), "{line}");
}
