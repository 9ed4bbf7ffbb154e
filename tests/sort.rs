//! SORT and SORT_RO as a client sees them: numeric and ALPHA order, DESC, LIMIT clamping,
//! BY patterns (string keys, hash fields, constants), GET projections (`#`, keys, hash
//! fields), STORE into a list, and Redis's errors.
//!
//! Each test starts the real server binary and speaks RESP to it; the expected replies are
//! Redis 7.0.15's (run with `RUDIS_TEST_SERVER_BIN=/usr/bin/redis-server` to check them
//! against Redis itself).

mod common;

use common::{Client, Reply, TestServer};

const SYNTAX: &str = "ERR syntax error";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const SCORES: &str = "ERR One or more scores can't be converted into double";
const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

fn sort(c: &mut Client, args: &[&str]) -> Vec<String> {
    let mut full = vec!["SORT"];
    full.extend_from_slice(args);
    c.cmd(&full).into_strings()
}

fn err(c: &mut Client, args: &[&str]) -> String {
    c.cmd(args).as_err().to_owned()
}

#[test]
fn numeric_and_alpha_order_of_a_set() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["SADD", "s", "3", "1", "2", "10", "-5", "7"]);
    assert_eq!(sort(&mut c, &["s"]), ["-5", "1", "2", "3", "7", "10"]);
    assert_eq!(
        sort(&mut c, &["s", "DESC"]),
        ["10", "7", "3", "2", "1", "-5"]
    );
    assert_eq!(
        sort(&mut c, &["s", "ALPHA"]),
        ["-5", "1", "10", "2", "3", "7"]
    );
    assert_eq!(
        sort(&mut c, &["s", "ALPHA", "DESC"]),
        ["7", "3", "2", "10", "1", "-5"]
    );
    // The last of ASC/DESC wins.
    assert_eq!(
        sort(&mut c, &["s", "DESC", "ASC"]),
        ["-5", "1", "2", "3", "7", "10"]
    );

    // Floats, and strtod's view of numbers: leading space, hex, inf.
    c.cmd(&[
        "SADD", "f", "1.1", "5.10", "3.10", "7.44", "2.1", "0.25", "1.15",
    ]);
    assert_eq!(
        sort(&mut c, &["f"]),
        ["0.25", "1.1", "1.15", "2.1", "3.10", "5.10", "7.44"]
    );
    c.cmd(&["SADD", "g", " 3", "4", "", "0x10", "inf", "-inf"]);
    assert_eq!(sort(&mut c, &["g"]), ["-inf", "", " 3", "4", "0x10", "inf"]);

    // Numeric sorting refuses what is not a number.
    c.cmd(&["SADD", "bad", "1", "2", "not-a-double"]);
    assert_eq!(err(&mut c, &["SORT", "bad"]), SCORES);
    c.cmd(&["SADD", "nan", "nan", "1"]);
    assert_eq!(err(&mut c, &["SORT", "nan"]), SCORES);
    c.cmd(&["SADD", "huge", "1e500", "2"]);
    assert_eq!(err(&mut c, &["SORT", "huge"]), SCORES);
    assert_eq!(sort(&mut c, &["bad", "ALPHA"]), ["1", "2", "not-a-double"]);
}

#[test]
fn limit_is_clamped_to_the_elements() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["SADD", "s", "5", "1", "4", "2", "3"]);
    assert_eq!(sort(&mut c, &["s", "LIMIT", "1", "2"]), ["2", "3"]);
    assert_eq!(sort(&mut c, &["s", "LIMIT", "-5", "2"]), ["1", "2"]);
    assert_eq!(sort(&mut c, &["s", "LIMIT", "2", "-1"]), ["3", "4", "5"]);
    assert_eq!(sort(&mut c, &["s", "LIMIT", "3", "100"]), ["4", "5"]);
    assert!(sort(&mut c, &["s", "LIMIT", "0", "0"]).is_empty());
    assert!(sort(&mut c, &["s", "LIMIT", "5", "1"]).is_empty());
    assert!(sort(&mut c, &["s", "LIMIT", "9223372036854775807", "1"]).is_empty());
    assert_eq!(
        sort(&mut c, &["s", "LIMIT", "4", "9223372036854775807"]),
        ["5"]
    );
    assert_eq!(err(&mut c, &["SORT", "s", "LIMIT", "1", "x"]), NOT_INT);
    assert_eq!(err(&mut c, &["SORT", "s", "LIMIT", "1"]), SYNTAX);
}

#[test]
fn by_and_get_patterns() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["SADD", "s", "1", "2", "3", "4"]);
    c.cmd(&["MSET", "w_1", "40", "w_2", "30", "w_3", "20", "w_4", "10"]);
    assert_eq!(sort(&mut c, &["s", "BY", "w_*"]), ["4", "3", "2", "1"]);
    assert_eq!(
        sort(&mut c, &["s", "BY", "w_*", "DESC", "LIMIT", "0", "2"]),
        ["1", "2"]
    );
    // Hash fields as weights and as projections.
    for (i, w) in [(1, "b"), (2, "d"), (3, "a"), (4, "c")] {
        c.cmd(&[
            "HSET",
            &format!("o_{i}"),
            "name",
            w,
            "n",
            &(10 * i).to_string(),
        ]);
    }
    assert_eq!(
        sort(&mut c, &["s", "BY", "o_*->name", "ALPHA"]),
        ["3", "1", "4", "2"]
    );
    assert_eq!(
        sort(
            &mut c,
            &[
                "s",
                "BY",
                "o_*->n",
                "DESC",
                "GET",
                "#",
                "GET",
                "o_*->name",
                "GET",
                "w_*"
            ]
        ),
        ["4", "c", "10", "3", "a", "20", "2", "d", "30", "1", "b", "40"]
    );
    // Lookups that find nothing: null when replying.
    let got = c
        .cmd(&[
            "SORT",
            "s",
            "GET",
            "nokey_*",
            "GET",
            "o_*->nofield",
            "GET",
            "o_*",
            "GET",
            "const",
        ])
        .into_opt_strings();
    assert_eq!(got.len(), 16);
    assert!(got.iter().all(|v| v.is_none()));

    // Missing weights count as 0 and ties fall back to the elements' bytes.
    c.cmd(&["SADD", "letters", "b", "a", "aa", "c"]);
    assert_eq!(
        sort(&mut c, &["letters", "BY", "nothing_*"]),
        ["a", "aa", "b", "c"]
    );
    assert_eq!(
        sort(&mut c, &["letters", "BY", "nothing_*", "DESC"]),
        ["c", "b", "aa", "a"]
    );
    // A weight that is not a number fails the whole sort.
    c.cmd(&["SET", "w_4", "not-a-double"]);
    assert_eq!(err(&mut c, &["SORT", "s", "BY", "w_*"]), SCORES);
    // ALPHA BY: elements without a weight come first.
    c.cmd(&["DEL", "o_2"]);
    assert_eq!(
        sort(&mut c, &["s", "BY", "o_*->name", "ALPHA"]),
        ["2", "3", "1", "4"]
    );

    // "->" with nothing after it is part of the key name.
    c.cmd(&["SADD", "one", "a"]);
    c.cmd(&["SET", "x:a->", "100"]);
    assert_eq!(sort(&mut c, &["one", "BY", "num", "GET", "x:*->"]), ["100"]);
    // SORT_RO accepts everything but STORE.
    assert_eq!(
        c.cmd(&["SORT_RO", "one", "BY", "nosort", "GET", "x:*->"])
            .into_strings(),
        ["100"]
    );
}

#[test]
fn errors_and_missing_keys() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["SET", "str", "x"]);
    c.cmd(&["HSET", "h", "a", "1"]);
    assert_eq!(err(&mut c, &["SORT", "str"]), WRONGTYPE);
    assert_eq!(err(&mut c, &["SORT", "h"]), WRONGTYPE);
    assert_eq!(err(&mut c, &["SORT_RO", "str"]), WRONGTYPE);
    c.cmd(&["SADD", "s", "1"]);
    for bad in [
        &["SORT", "s", "FOO"][..],
        &["SORT", "s", "GET"],
        &["SORT", "s", "BY"],
        &["SORT", "s", "STORE"],
        &["SORT_RO", "s", "STORE", "dst"],
    ] {
        assert_eq!(err(&mut c, bad), SYNTAX, "{bad:?}");
    }
    // Options are checked before the key.
    assert_eq!(err(&mut c, &["SORT", "str", "FOO"]), SYNTAX);
    assert_eq!(
        err(&mut c, &["SORT"]),
        "ERR wrong number of arguments for 'sort' command"
    );
    assert_eq!(c.cmd(&["SORT", "nokey"]), Reply::Array(Some(vec![])));
    assert_eq!(
        c.cmd(&["SORT", "nokey", "ALPHA", "LIMIT", "0", "5", "GET", "#"]),
        Reply::Array(Some(vec![]))
    );
    assert_eq!(c.cmd(&["SORT_RO", "nokey"]), Reply::Array(Some(vec![])));
    // STORE of nothing deletes the destination.
    c.cmd(&["SET", "dst", "x"]);
    assert_eq!(c.cmd(&["SORT", "nokey", "STORE", "dst"]).as_int(), 0);
    assert_eq!(c.cmd(&["EXISTS", "dst"]).as_int(), 0);
    assert_eq!(
        c.cmd(&["SORT", "s", "LIMIT", "5", "5", "STORE", "dst"])
            .as_int(),
        0
    );
    assert_eq!(c.cmd(&["EXISTS", "dst"]).as_int(), 0);
}

#[test]
fn command_getkeys_finds_store() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "SORT", "abc", "STORE", "def"])
            .into_strings(),
        ["abc", "def"]
    );
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "SORT_RO", "abc"])
            .into_strings(),
        ["abc"]
    );
    assert_eq!(
        c.cmd(&[
            "COMMAND", "GETKEYS", "SORT", "abc", "STORE", "invalid", "STORE", "stillbad", "STORE",
            "def"
        ])
        .into_strings(),
        ["abc", "def"]
    );
}

#[test]
fn lists_keep_their_order_with_nosort() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["LPUSH", "l", "2", "1", "4", "3", "5"]);
    assert_eq!(sort(&mut c, &["l"]), ["1", "2", "3", "4", "5"]);
    assert_eq!(
        sort(&mut c, &["l", "BY", "nosort"]),
        ["5", "3", "4", "1", "2"]
    );
    assert_eq!(
        sort(&mut c, &["l", "BY", "nosort", "DESC"]),
        ["2", "1", "4", "3", "5"]
    );
    assert_eq!(
        sort(&mut c, &["l", "BY", "nosort", "LIMIT", "1", "3"]),
        ["3", "4", "1"]
    );
    assert_eq!(
        sort(&mut c, &["l", "BY", "nosort", "DESC", "LIMIT", "1", "3"]),
        ["1", "4", "3"]
    );
    assert_eq!(
        sort(&mut c, &["l", "BY", "nosort", "DESC", "LIMIT", "4", "3"]),
        ["5"]
    );
    assert!(sort(&mut c, &["l", "BY", "nosort", "LIMIT", "5", "3"]).is_empty());
    assert!(sort(&mut c, &["l", "BY", "nosort", "LIMIT", "2", "0"]).is_empty());
    // ALPHA compares bytes, integers included.
    c.cmd(&["RPUSH", "n", "2", "1", "3", "10"]);
    assert_eq!(sort(&mut c, &["n", "ALPHA"]), ["1", "10", "2", "3"]);
    // A later BY with a pattern does not undo an earlier constant BY.
    assert_eq!(
        sort(&mut c, &["l", "BY", "nosort", "BY", "w_*"]),
        ["5", "3", "4", "1", "2"]
    );
}

#[test]
fn store_writes_a_list() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["LPUSH", "l", "2", "1", "4", "3", "5"]);
    assert_eq!(c.cmd(&["SORT", "l", "STORE", "dst"]).as_int(), 5);
    assert_eq!(
        c.cmd(&["LRANGE", "dst", "0", "-1"]).into_strings(),
        ["1", "2", "3", "4", "5"]
    );
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "dst"]), "quicklist");
    assert_eq!(
        c.cmd(&["SORT", "l", "BY", "nosort", "LIMIT", "0", "3", "STORE", "dst"])
            .as_int(),
        3
    );
    assert_eq!(
        c.cmd(&["LRANGE", "dst", "0", "-1"]).into_strings(),
        ["5", "3", "4"]
    );
    // GET lookups that find nothing store empty strings; the count is per GET.
    c.cmd(&["SET", "w_3", "three"]);
    assert_eq!(
        c.cmd(&["SORT", "l", "LIMIT", "1", "3", "GET", "#", "GET", "w_*", "STORE", "dst"])
            .as_int(),
        6
    );
    assert_eq!(
        c.cmd(&["LRANGE", "dst", "0", "-1"]).into_strings(),
        ["2", "", "3", "three", "4", ""]
    );
    // The destination is replaced whatever it held, TTL included.
    c.cmd(&["SET", "dst", "x"]);
    c.cmd(&["EXPIRE", "dst", "100"]);
    assert_eq!(c.cmd(&["SORT", "l", "STORE", "dst"]).as_int(), 5);
    assert_eq!(c.cmd(&["TTL", "dst"]).as_int(), -1);
    assert_eq!(c.cmd(&["TYPE", "dst"]), Reply::Status("list".into()));
    // A set with BY nosort and STORE is sorted ALPHA, so replicas store the same list.
    c.cmd(&["SADD", "s", "b", "c", "a", "aa", "ab"]);
    assert_eq!(
        c.cmd(&["SORT", "s", "BY", "nosort", "STORE", "dst"])
            .as_int(),
        5
    );
    assert_eq!(
        c.cmd(&["LRANGE", "dst", "0", "-1"]).into_strings(),
        ["a", "aa", "ab", "b", "c"]
    );
    // STORE compares whole binary strings, past a NUL byte.
    c.cmd_bytes(&[b"RPUSH", b"bin", b"a\x00b", b"a\x00a", b"a"]);
    assert_eq!(c.cmd(&["SORT", "bin", "ALPHA", "STORE", "dst"]).as_int(), 3);
    assert_eq!(
        c.cmd(&["LRANGE", "dst", "0", "-1"]).into_strings(),
        ["a", "a\0a", "a\0b"]
    );
}

#[test]
fn store_events_and_blocked_clients() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEA"])
        .assert_ok();
    let mut sub = srv.client();
    sub.cmd(&["PSUBSCRIBE", "__keyevent@0__:*"]);
    c.cmd(&["RPUSH", "l", "b", "a"]);
    assert_eq!(sub.read_reply().as_array()[2], "__keyevent@0__:rpush");
    c.cmd(&["SORT", "l", "ALPHA", "STORE", "dst"]);
    let event = sub.read_reply().into_strings();
    assert_eq!(event[2..], ["__keyevent@0__:sortstore", "dst"]);
    c.cmd(&["SORT", "nokey", "STORE", "dst"]);
    assert_eq!(sub.read_reply().as_array()[2], "__keyevent@0__:del");

    // A client blocked on the destination is served by the stored list.
    let mut waiter = srv.client();
    waiter.send(&["BLPOP", "dst", "5"]);
    std::thread::sleep(std::time::Duration::from_millis(100));
    c.cmd(&["SORT", "l", "ALPHA", "STORE", "dst"]);
    assert_eq!(waiter.read_reply().into_strings(), ["dst", "a"]);
    assert_eq!(c.cmd(&["LRANGE", "dst", "0", "-1"]).into_strings(), ["b"]);
}

#[test]
fn sorted_sets() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&[
        "ZADD", "z", "1", "a", "5", "b", "2", "c", "10", "d", "3", "e",
    ]);
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "z"]), "listpack");
    assert_eq!(
        sort(&mut c, &["z", "ALPHA", "DESC"]),
        ["e", "d", "c", "b", "a"]
    );
    // Sorting converts a listpack-encoded sorted set, as Redis does (even SORT_RO).
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "z"]), "skiplist");
    // BY nosort keeps score order, DESC reverses it, LIMIT picks ranks.
    assert_eq!(
        sort(&mut c, &["z", "BY", "nosort"]),
        ["a", "c", "e", "b", "d"]
    );
    assert_eq!(
        sort(&mut c, &["z", "BY", "nosort", "DESC"]),
        ["d", "b", "e", "c", "a"]
    );
    assert_eq!(
        sort(&mut c, &["z", "BY", "nosort", "LIMIT", "0", "1"]),
        ["a"]
    );
    assert_eq!(
        sort(&mut c, &["z", "BY", "nosort", "DESC", "LIMIT", "1", "2"]),
        ["b", "e"]
    );
    assert!(sort(&mut c, &["z", "BY", "nosort", "LIMIT", "5", "10"]).is_empty());
    assert_eq!(
        sort(&mut c, &["z", "BY", "nosort", "LIMIT", "-10", "100"]),
        ["a", "c", "e", "b", "d"]
    );
    c.cmd(&["ZADD", "zz", "1", "x"]);
    assert_eq!(
        c.cmd(&["SORT_RO", "zz", "BY", "nosort"]).into_strings(),
        ["x"]
    );
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "zz"]), "skiplist");
    // Numeric sorting sorts the members, not the scores.
    c.cmd(&["ZADD", "n", "1", "30", "2", "10", "3", "20"]);
    assert_eq!(sort(&mut c, &["n"]), ["10", "20", "30"]);
    assert_eq!(
        c.cmd(&["SORT", "n", "BY", "nosort", "STORE", "dst"])
            .as_int(),
        3
    );
    assert_eq!(
        c.cmd(&["LRANGE", "dst", "0", "-1"]).into_strings(),
        ["30", "10", "20"]
    );
}
