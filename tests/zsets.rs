//! Sorted-set commands as a client sees them: ZADD's options and errors, score formatting in
//! RESP2 and RESP3, the listpack <-> skiplist conversions as OBJECT ENCODING reports them,
//! ranges by rank, score and lex (and their removers), the store commands and the set algebra
//! (with plain sets as inputs), the pops (ZPOPMIN/ZPOPMAX/ZMPOP) and their blocking forms,
//! ZRANDMEMBER, ZSCAN, DEBUG DIGEST-VALUE / DEBUG OBJECT / MEMORY USAGE, keyspace events and
//! WATCH.
//!
//! Each test starts the real server binary and speaks RESP to it; the expected replies are
//! Redis 7.0.15's (run with `RUDIS_TEST_SERVER_BIN=/usr/bin/redis-server` to check them
//! against Redis itself).

mod common;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use common::{wait_for, Client, Reply, TestServer};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const NOT_FLOAT: &str = "ERR value is not a valid float";
const SYNTAX: &str = "ERR syntax error";
const MIN_MAX_FLOAT: &str = "ERR min or max is not a float";
const MIN_MAX_LEX: &str = "ERR min or max not valid string range item";

fn int(c: &mut Client, args: &[&str]) -> i64 {
    c.cmd(args).as_int()
}

fn err(c: &mut Client, args: &[&str]) -> String {
    c.cmd(args).as_err().to_owned()
}

fn strings(c: &mut Client, args: &[&str]) -> Vec<String> {
    c.cmd(args).into_strings()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn encoding(c: &mut Client, key: &str) -> String {
    c.cmd(&["OBJECT", "ENCODING", key]).as_str().to_owned()
}

/// `ZADD key s0 m0 s1 m1 ...` from "s m s m" words.
fn zadd(c: &mut Client, key: &str, pairs: &str) -> i64 {
    let mut args = vec!["ZADD", key];
    args.extend(pairs.split(' '));
    int(c, &args)
}

fn debug_server() -> TestServer {
    TestServer::builder().enable_debug().start()
}

/// Sets both `zset-max-listpack-*` limits.
fn limits(c: &mut Client, entries: &str, value: &str) {
    c.cmd(&["CONFIG", "SET", "zset-max-listpack-entries", entries])
        .assert_ok();
    c.cmd(&["CONFIG", "SET", "zset-max-listpack-value", value])
        .assert_ok();
}

/// Runs `f` once with listpack-encoded sets and once with skiplist-encoded ones, as Redis's
/// suite does (`zset-max-listpack-entries 0` makes every new set a skiplist).
fn both_encodings(c: &mut Client, mut f: impl FnMut(&mut Client, &str)) {
    for enc in ["listpack", "skiplist"] {
        c.cmd(&["FLUSHALL"]).assert_ok();
        if enc == "listpack" {
            limits(c, "128", "64");
        } else {
            limits(c, "0", "0");
        }
        f(c, enc);
    }
    limits(c, "128", "64");
}

#[test]
fn zadd_options_and_errors() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(zadd(&mut c, "z", "1 a 2 b"), 2);
    assert_eq!(
        err(&mut c, &["ZADD", "z", "XX", "NX", "1", "a"]),
        "ERR XX and NX options at the same time are not compatible"
    );
    for opts in [["GT", "LT"], ["GT", "NX"], ["LT", "NX"]] {
        assert_eq!(
            err(&mut c, &["ZADD", "z", opts[0], opts[1], "1", "a"]),
            "ERR GT, LT, and/or NX options at the same time are not compatible"
        );
    }
    assert_eq!(
        err(&mut c, &["ZADD", "z", "INCR", "1", "a", "2", "b"]),
        "ERR INCR option supports a single increment-element pair"
    );
    assert_eq!(err(&mut c, &["ZADD", "z", "XX", "1", "a", "2"]), SYNTAX);
    assert_eq!(err(&mut c, &["ZADD", "z", "NX", "CH"]), SYNTAX);
    for bad in ["abc", "nan", "", " 1", "1e400", "1.5x"] {
        assert_eq!(err(&mut c, &["ZADD", "z", bad, "a"]), NOT_FLOAT, "{bad:?}");
    }
    // All or nothing: a bad score anywhere adds nothing.
    assert_eq!(
        err(&mut c, &["ZADD", "new", "1", "a", "2", "b", "x", "c"]),
        NOT_FLOAT
    );
    assert_eq!(int(&mut c, &["EXISTS", "new"]), 0);
    // XX on a missing key creates nothing.
    assert_eq!(int(&mut c, &["ZADD", "new", "XX", "1", "a"]), 0);
    assert_eq!(int(&mut c, &["EXISTS", "new"]), 0);
    // CH counts updates; GT/LT only move scores one way, and still add new members.
    assert_eq!(
        int(&mut c, &["ZADD", "z", "CH", "5", "a", "2", "b", "9", "c"]),
        2
    );
    assert_eq!(
        int(
            &mut c,
            &["ZADD", "z", "GT", "CH", "1", "a", "3", "b", "0", "d"]
        ),
        2
    );
    assert_eq!(
        strings(&mut c, &["ZRANGE", "z", "0", "-1", "WITHSCORES"]),
        ["d", "0", "b", "3", "a", "5", "c", "9"]
    );
    assert_eq!(
        int(
            &mut c,
            &["ZADD", "z", "LT", "XX", "CH", "1", "a", "10", "c", "1", "e"]
        ),
        1
    );
    assert_eq!(c.cmd(&["ZSCORE", "z", "a"]), "1");
    assert!(c.cmd(&["ZSCORE", "z", "e"]).is_nil());
    // INCR replies with the new score, or nil when NX/XX/GT/LT stopped it.
    assert_eq!(c.cmd(&["ZADD", "z", "INCR", "2.5", "a"]), "3.5");
    assert!(c.cmd(&["ZADD", "z", "LT", "INCR", "1", "a"]).is_nil());
    assert!(c.cmd(&["ZADD", "z", "NX", "INCR", "1", "a"]).is_nil());
    assert_eq!(c.cmd(&["ZINCRBY", "z", "-1.5", "a"]), "2");
    assert_eq!(c.cmd(&["ZINCRBY", "fresh", "7", "m"]), "7");
    // inf + -inf is NaN: refused, nothing changes.
    assert_eq!(c.cmd(&["ZINCRBY", "z", "+inf", "a"]), "inf");
    assert_eq!(
        err(&mut c, &["ZINCRBY", "z", "-inf", "a"]),
        "ERR resulting score is not a number (NaN)"
    );
    assert_eq!(c.cmd(&["ZSCORE", "z", "a"]), "inf");
    assert_eq!(
        err(&mut c, &["ZINCRBY", "z", "1", "a", "2", "b"]),
        "ERR wrong number of arguments for 'zincrby' command"
    );
    // Type errors come after argument checks, as in Redis.
    c.cmd(&["SET", "s", "x"]).assert_ok();
    assert_eq!(err(&mut c, &["ZADD", "s", "1", "a"]), WRONGTYPE);
    assert_eq!(err(&mut c, &["ZADD", "s", "x", "a"]), NOT_FLOAT);
    for cmd in [
        &["ZRANGE", "s", "0", "-1"][..],
        &["ZSCORE", "s", "a"],
        &["ZCARD", "s"],
        &["ZREM", "s", "a"],
        &["ZRANK", "s", "a"],
        &["ZMSCORE", "s", "a"],
        &["ZPOPMIN", "s", "0"],
        &["ZUNION", "2", "z", "s"],
        &["ZRANDMEMBER", "s", "3"],
        &["ZSCAN", "s", "0", "COUNT", "x"],
    ] {
        assert_eq!(err(&mut c, cmd), WRONGTYPE, "{cmd:?}");
    }
    // The "zset score double range" test of Redis's suite: DBL_MAX written out in full.
    let dblmax = format!("{:.17}", f64::MAX);
    assert_eq!(int(&mut c, &["ZADD", "zz", &dblmax, "m"]), 1);
    assert_eq!(encoding(&mut c, "zz"), "listpack");
    assert_eq!(c.cmd(&["ZSCORE", "zz", "m"]), "1.7976931348623157e+308");
}

#[test]
fn scores_format_as_redis_in_resp2_and_resp3() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(
        zadd(&mut c, "z", "1e18 a 1e19 b 0.1 c -0 d 1.5 e -inf f"),
        6
    );
    assert_eq!(
        strings(&mut c, &["ZRANGE", "z", "0", "-1", "WITHSCORES"]),
        [
            "f",
            "-inf",
            "d",
            "0",
            "c",
            "0.10000000000000001",
            "e",
            "1.5",
            "a",
            "1e+18",
            "b",
            "1e+19"
        ]
    );
    // ZSCAN of a listpack returns the stored text: integral scores below 2^62 as integers.
    let scan = c.cmd(&["ZSCAN", "z", "0"]).into_array();
    assert_eq!(scan[0], "0");
    let pairs: Vec<String> = scan[1].clone().into_strings();
    assert!(pairs
        .windows(2)
        .any(|w| w[0] == "a" && w[1] == "1000000000000000000"));

    c.cmd(&["HELLO", "3"]);
    assert_eq!(c.cmd(&["ZSCORE", "z", "e"]), Reply::Double(1.5));
    assert_eq!(
        c.cmd(&["ZSCORE", "z", "f"]),
        Reply::Double(f64::NEG_INFINITY)
    );
    assert_eq!(c.cmd(&["ZSCORE", "z", "nope"]), Reply::Null);
    assert_eq!(
        c.cmd(&["ZRANGE", "z", "0", "1", "WITHSCORES"]),
        Reply::Array(Some(vec![
            Reply::Array(Some(vec![
                Reply::Bulk(Some(b"f".to_vec())),
                Reply::Double(f64::NEG_INFINITY)
            ])),
            Reply::Array(Some(vec![
                Reply::Bulk(Some(b"d".to_vec())),
                Reply::Double(0.0)
            ])),
        ]))
    );
    // A single pop is flat, a pop with a count is nested.
    assert_eq!(
        c.cmd(&["ZPOPMIN", "z"]),
        Reply::Array(Some(vec![
            Reply::Bulk(Some(b"f".to_vec())),
            Reply::Double(f64::NEG_INFINITY)
        ]))
    );
    assert_eq!(
        c.cmd(&["ZPOPMAX", "z", "1"]),
        Reply::Array(Some(vec![Reply::Array(Some(vec![
            Reply::Bulk(Some(b"b".to_vec())),
            Reply::Double(1e19)
        ]))]))
    );
    assert_eq!(c.cmd(&["ZMPOP", "1", "nokey", "MIN"]), Reply::Null);
    assert_eq!(
        c.cmd(&["ZMSCORE", "z", "c", "x"]),
        Reply::Array(Some(vec![Reply::Double(0.1), Reply::Null]))
    );
}

#[test]
fn encodings_convert_both_ways() {
    let srv = TestServer::start();
    let mut c = srv.client();
    // By entry count: 128 members fit a listpack, the 129th converts.
    let mut args = vec!["ZADD".to_string(), "z".to_string()];
    for i in 0..128 {
        args.push(i.to_string());
        args.push(format!("m{i}"));
    }
    assert_eq!(c.cmd(&args).as_int(), 128);
    assert_eq!(encoding(&mut c, "z"), "listpack");
    assert_eq!(zadd(&mut c, "z", "1000 last"), 1);
    assert_eq!(encoding(&mut c, "z"), "skiplist");
    // Removing members never converts back.
    assert_eq!(int(&mut c, &["ZREMRANGEBYRANK", "z", "0", "-3"]), 127);
    assert_eq!(encoding(&mut c, "z"), "skiplist");
    assert_eq!(
        strings(&mut c, &["ZRANGE", "z", "0", "-1"]),
        ["m127", "last"]
    );
    // A store command converts a result that fits back to a listpack.
    assert_eq!(int(&mut c, &["ZUNIONSTORE", "u", "1", "z"]), 2);
    assert_eq!(encoding(&mut c, "u"), "listpack");
    assert_eq!(int(&mut c, &["ZINTERSTORE", "i", "2", "z", "z"]), 2);
    assert_eq!(encoding(&mut c, "i"), "listpack");
    // By member length: 64 bytes fit, 65 do not, on a new key or an existing one.
    let m64 = "x".repeat(64);
    let m65 = "x".repeat(65);
    assert_eq!(int(&mut c, &["ZADD", "a", "1", &m64]), 1);
    assert_eq!(encoding(&mut c, "a"), "listpack");
    assert_eq!(int(&mut c, &["ZADD", "a", "1", &m65]), 1);
    assert_eq!(encoding(&mut c, "a"), "skiplist");
    assert_eq!(int(&mut c, &["ZADD", "b", "1", &m65]), 1);
    assert_eq!(encoding(&mut c, "b"), "skiplist");
    assert_eq!(int(&mut c, &["ZUNIONSTORE", "u", "1", "b"]), 1);
    assert_eq!(encoding(&mut c, "u"), "skiplist");
    // zset-max-listpack-entries 0: every new set is a skiplist (the old alias works too).
    c.cmd(&["CONFIG", "SET", "zset-max-ziplist-entries", "0"])
        .assert_ok();
    assert_eq!(zadd(&mut c, "s", "1 a"), 1);
    assert_eq!(encoding(&mut c, "s"), "skiplist");
    // ZRANGESTORE: a rank range longer than the limit starts as a skiplist (#10767).
    assert_eq!(int(&mut c, &["ZRANGESTORE", "d", "s", "0", "-1"]), 1);
    assert_eq!(encoding(&mut c, "d"), "skiplist");
    c.cmd(&["CONFIG", "SET", "zset-max-listpack-entries", "1"])
        .assert_ok();
    assert_eq!(zadd(&mut c, "r", "1 a 2 b"), 2);
    assert_eq!(int(&mut c, &["ZRANGESTORE", "d", "r", "0", "0"]), 1);
    assert_eq!(encoding(&mut c, "d"), "listpack");
    assert_eq!(int(&mut c, &["ZRANGESTORE", "d", "r", "0", "1"]), 2);
    assert_eq!(encoding(&mut c, "d"), "skiplist");
    // A score range starts as a listpack and converts as it grows.
    assert_eq!(
        int(
            &mut c,
            &["ZRANGESTORE", "d", "r", "-inf", "+inf", "BYSCORE"]
        ),
        2
    );
    assert_eq!(encoding(&mut c, "d"), "skiplist");
    assert_eq!(
        int(&mut c, &["ZRANGESTORE", "d", "r", "(1", "+inf", "BYSCORE"]),
        1
    );
    assert_eq!(encoding(&mut c, "d"), "listpack");
    // Both encodings hold the same data the same way.
    assert_eq!(
        strings(&mut c, &["ZRANGE", "d", "0", "-1", "WITHSCORES"]),
        ["b", "2"]
    );
}

#[test]
fn ranges_by_rank_score_and_lex() {
    let srv = TestServer::start();
    let mut c = srv.client();
    both_encodings(&mut c, |c, enc| {
        zadd(c, "z", "-inf a 1 b 2 c 3 d 4 e 5 f +inf g");
        assert_eq!(encoding(c, "z"), enc);
        let r = |c: &mut Client, args: &[&str]| strings(c, args);
        // Ranks.
        assert_eq!(r(c, &["ZRANGE", "z", "1", "2"]), ["b", "c"]);
        assert_eq!(r(c, &["ZRANGE", "z", "-2", "-1"]), ["f", "g"]);
        assert_eq!(r(c, &["ZRANGE", "z", "-100", "0"]), ["a"]);
        assert!(r(c, &["ZRANGE", "z", "5", "2"]).is_empty());
        assert!(r(c, &["ZRANGE", "z", "7", "100"]).is_empty());
        assert_eq!(r(c, &["ZREVRANGE", "z", "0", "1"]), ["g", "f"]);
        assert_eq!(r(c, &["ZRANGE", "z", "0", "1", "REV"]), ["g", "f"]);
        assert_eq!(int(c, &["ZRANK", "z", "c"]), 2);
        assert_eq!(int(c, &["ZREVRANK", "z", "c"]), 4);
        assert!(c.cmd(&["ZRANK", "z", "zz"]).is_nil());
        assert!(c.cmd(&["ZRANK", "nokey", "zz"]).is_nil());
        // Scores, inclusive and exclusive.
        assert_eq!(r(c, &["ZRANGEBYSCORE", "z", "-inf", "2"]), ["a", "b", "c"]);
        assert_eq!(r(c, &["ZRANGEBYSCORE", "z", "(1", "(4"]), ["c", "d"]);
        assert_eq!(r(c, &["ZREVRANGEBYSCORE", "z", "(+inf", "(4"]), ["f"]);
        assert_eq!(
            r(
                c,
                &[
                    "ZRANGEBYSCORE",
                    "z",
                    "0",
                    "10",
                    "WITHSCORES",
                    "LIMIT",
                    "1",
                    "2"
                ]
            ),
            ["c", "2", "d", "3"]
        );
        assert_eq!(
            r(
                c,
                &["ZRANGE", "z", "10", "0", "BYSCORE", "REV", "LIMIT", "0", "2"]
            ),
            ["f", "e"]
        );
        assert!(r(c, &["ZRANGEBYSCORE", "z", "2.4", "2.6"]).is_empty());
        assert!(r(c, &["ZRANGEBYSCORE", "z", "(2", "2"]).is_empty());
        assert!(r(c, &["ZRANGEBYSCORE", "z", "4", "2"]).is_empty());
        // A negative offset walks off the end; a negative count means no limit.
        assert!(r(
            c,
            &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "2"]
        )
        .is_empty());
        assert_eq!(
            r(c, &["ZRANGEBYSCORE", "z", "3", "+inf", "LIMIT", "1", "-1"]),
            ["e", "f", "g"]
        );
        assert!(r(
            c,
            &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "7", "1"]
        )
        .is_empty());
        assert_eq!(int(c, &["ZCOUNT", "z", "(1", "3"]), 2);
        assert_eq!(int(c, &["ZCOUNT", "z", "-inf", "+inf"]), 7);
        assert_eq!(int(c, &["ZCOUNT", "nokey", "-inf", "+inf"]), 0);
        for bad in [["str", "1"], ["1", "NaN"], ["(", "x"], ["1", "((2"]] {
            assert_eq!(
                err(c, &["ZRANGEBYSCORE", "z", bad[0], bad[1]]),
                MIN_MAX_FLOAT
            );
            assert_eq!(err(c, &["ZCOUNT", "z", bad[0], bad[1]]), MIN_MAX_FLOAT);
        }
        // Errors of the ZRANGE options.
        assert_eq!(
            err(c, &["ZRANGE", "z", "0", "-1", "LIMIT", "0", "1"]),
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
        );
        assert_eq!(
            err(c, &["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"]),
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
        );
        assert_eq!(err(c, &["ZREVRANGE", "z", "0", "1", "REV"]), SYNTAX);
        assert_eq!(err(c, &["ZRANGEBYSCORE", "z", "0", "1", "BYLEX"]), SYNTAX);
        assert_eq!(
            err(c, &["ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX"]),
            SYNTAX
        );
        assert_eq!(err(c, &["ZRANGE", "z", "a", "1"]), NOT_INT);
        assert_eq!(
            err(c, &["ZRANGEBYSCORE", "z", "0", "1", "LIMIT", "x", "1"]),
            NOT_INT
        );
        // Lex ranges over equal scores.
        c.cmd(&["DEL", "z"]);
        zadd(
            c,
            "z",
            "0 alpha 0 bar 0 cool 0 down 0 elephant 0 foo 0 great 0 hill 0 omega",
        );
        assert_eq!(
            r(c, &["ZRANGEBYLEX", "z", "-", "[cool"]),
            ["alpha", "bar", "cool"]
        );
        assert_eq!(r(c, &["ZRANGEBYLEX", "z", "(bar", "(down"]), ["cool"]);
        assert_eq!(
            r(c, &["ZREVRANGEBYLEX", "z", "+", "(great"]),
            ["omega", "hill"]
        );
        assert_eq!(
            r(c, &["ZRANGE", "z", "[d", "+", "BYLEX", "LIMIT", "1", "2"]),
            ["elephant", "foo"]
        );
        assert_eq!(int(c, &["ZLEXCOUNT", "z", "-", "+"]), 9);
        assert_eq!(int(c, &["ZLEXCOUNT", "z", "+", "-"]), 0);
        assert_eq!(int(c, &["ZLEXCOUNT", "z", "(bar", "[foo"]), 4);
        for bad in [["foo", "+"], ["[a", "bar"], ["+x", "[b"], ["", "+"]] {
            assert_eq!(err(c, &["ZRANGEBYLEX", "z", bad[0], bad[1]]), MIN_MAX_LEX);
            assert_eq!(err(c, &["ZLEXCOUNT", "z", bad[0], bad[1]]), MIN_MAX_LEX);
        }
        // Removers; the key goes with its last member.
        assert_eq!(int(c, &["ZREMRANGEBYLEX", "z", "[b", "(d"]), 2);
        assert_eq!(int(c, &["ZREMRANGEBYRANK", "z", "-2", "-1"]), 2);
        assert_eq!(int(c, &["ZREMRANGEBYRANK", "z", "10", "20"]), 0);
        assert_eq!(
            r(c, &["ZRANGE", "z", "0", "-1"]),
            ["alpha", "down", "elephant", "foo", "great"]
        );
        assert_eq!(int(c, &["ZADD", "z", "1", "foo", "2", "great"]), 0);
        assert_eq!(int(c, &["ZREMRANGEBYSCORE", "z", "(0", "+inf"]), 2);
        assert_eq!(err(c, &["ZREMRANGEBYSCORE", "z", "x", "1"]), MIN_MAX_FLOAT);
        assert_eq!(err(c, &["ZREMRANGEBYLEX", "z", "x", "+"]), MIN_MAX_LEX);
        assert_eq!(err(c, &["ZREMRANGEBYRANK", "z", "x", "1"]), NOT_INT);
        assert_eq!(int(c, &["ZREMRANGEBYSCORE", "z", "-inf", "+inf"]), 3);
        assert_eq!(int(c, &["EXISTS", "z"]), 0);
        assert_eq!(int(c, &["ZREMRANGEBYSCORE", "z", "-inf", "+inf"]), 0);
        // ZREM, variadic; the key goes with its last member.
        zadd(c, "z", "1 a 2 b 3 c");
        assert_eq!(int(c, &["ZREM", "z", "x", "a", "b"]), 2);
        assert_eq!(int(c, &["ZREM", "z", "c", "d", "e"]), 1);
        assert_eq!(int(c, &["EXISTS", "z"]), 0);
    });
}

#[test]
fn store_commands_and_set_algebra() {
    let srv = TestServer::start();
    let mut c = srv.client();
    both_encodings(&mut c, |c, _| {
        zadd(c, "a", "1 a 2 b 3 c");
        zadd(c, "b", "1 b 2 c 3 d");
        let r = |c: &mut Client, args: &[&str]| strings(c, args);
        assert_eq!(int(c, &["ZUNIONSTORE", "u", "2", "a", "b"]), 4);
        assert_eq!(
            r(c, &["ZRANGE", "u", "0", "-1", "WITHSCORES"]),
            ["a", "1", "b", "3", "d", "3", "c", "5"]
        );
        assert_eq!(
            r(
                c,
                &["ZUNION", "2", "a", "b", "WEIGHTS", "2", "3", "WITHSCORES"]
            ),
            ["a", "2", "b", "7", "d", "9", "c", "12"]
        );
        assert_eq!(
            r(
                c,
                &["ZUNION", "2", "a", "b", "AGGREGATE", "MIN", "WITHSCORES"]
            ),
            ["a", "1", "b", "1", "c", "2", "d", "3"]
        );
        assert_eq!(
            r(
                c,
                &["ZINTER", "2", "a", "b", "AGGREGATE", "MAX", "WITHSCORES"]
            ),
            ["b", "2", "c", "3"]
        );
        assert_eq!(int(c, &["ZINTERSTORE", "i", "2", "a", "b"]), 2);
        assert_eq!(
            r(c, &["ZRANGE", "i", "0", "-1", "WITHSCORES"]),
            ["b", "3", "c", "5"]
        );
        assert_eq!(int(c, &["ZINTERCARD", "2", "a", "b"]), 2);
        assert_eq!(int(c, &["ZINTERCARD", "2", "a", "b", "LIMIT", "1"]), 1);
        assert_eq!(int(c, &["ZINTERCARD", "2", "a", "b", "LIMIT", "0"]), 2);
        assert_eq!(r(c, &["ZDIFF", "2", "a", "b", "WITHSCORES"]), ["a", "1"]);
        assert_eq!(int(c, &["ZDIFFSTORE", "d", "2", "a", "b"]), 1);
        assert_eq!(r(c, &["ZRANGE", "d", "0", "-1"]), ["a"]);
        // An empty result deletes the destination.
        assert_eq!(int(c, &["ZDIFFSTORE", "d", "2", "a", "a"]), 0);
        assert_eq!(int(c, &["EXISTS", "d"]), 0);
        c.cmd(&["SET", "dst", "x"]).assert_ok();
        assert_eq!(int(c, &["ZINTERSTORE", "dst", "2", "a", "nokey"]), 0);
        assert_eq!(int(c, &["EXISTS", "dst"]), 0);
        // Plain sets are members of score 1.
        c.cmd(&["SADD", "s", "a", "b", "x"]);
        c.cmd(&["SADD", "ints", "1", "2", "3"]);
        assert_eq!(
            r(
                c,
                &["ZUNION", "2", "s", "b", "WEIGHTS", "2", "3", "WITHSCORES"]
            ),
            ["a", "2", "x", "2", "b", "5", "c", "6", "d", "9"]
        );
        assert_eq!(
            r(c, &["ZINTER", "2", "s", "a", "WITHSCORES"]),
            ["a", "2", "b", "3"]
        );
        assert_eq!(r(c, &["ZDIFF", "2", "s", "a"]), ["x"]);
        zadd(c, "n", "5 1 6 9");
        assert_eq!(
            r(c, &["ZINTER", "2", "ints", "n", "WITHSCORES"]),
            ["1", "6"]
        );
        // inf + -inf sums to 0, and a weight of 0 times inf is 0, never NaN.
        zadd(c, "p", "+inf k");
        zadd(c, "q", "-inf k");
        assert_eq!(r(c, &["ZUNION", "2", "p", "q", "WITHSCORES"]), ["k", "0"]);
        assert_eq!(
            r(c, &["ZUNION", "1", "q", "WEIGHTS", "0", "WITHSCORES"]),
            ["k", "0"]
        );
        // Errors.
        for (cmd, name) in [
            (&["ZUNION", "0", "a"][..], "zunion"),
            (&["ZINTERSTORE", "x", "0", "a"], "zinterstore"),
            (&["ZDIFF", "-1", "a"], "zdiff"),
            (&["ZINTERCARD", "0", "a"], "zintercard"),
        ] {
            assert_eq!(
                err(c, cmd),
                format!("ERR at least 1 input key is needed for '{name}' command")
            );
        }
        assert_eq!(err(c, &["ZUNION", "x", "a"]), NOT_INT);
        assert_eq!(err(c, &["ZUNION", "3", "a", "b"]), SYNTAX);
        assert_eq!(err(c, &["ZUNION", "1", "a", "WEIGHTS"]), SYNTAX);
        assert_eq!(
            err(c, &["ZUNION", "1", "a", "WEIGHTS", "nan"]),
            "ERR weight value is not a float"
        );
        assert_eq!(err(c, &["ZUNION", "1", "a", "AGGREGATE", "AVG"]), SYNTAX);
        assert_eq!(
            err(c, &["ZUNIONSTORE", "x", "1", "a", "WITHSCORES"]),
            SYNTAX
        );
        assert_eq!(err(c, &["ZDIFF", "1", "a", "WEIGHTS", "1"]), SYNTAX);
        assert_eq!(err(c, &["ZINTERCARD", "1", "a", "WITHSCORES"]), SYNTAX);
        assert_eq!(
            err(c, &["ZINTERCARD", "1", "a", "LIMIT", "-1"]),
            "ERR LIMIT can't be negative"
        );
        c.cmd(&["SET", "str", "x"]).assert_ok();
        assert_eq!(err(c, &["ZUNIONSTORE", "x", "2", "a", "str"]), WRONGTYPE);
        // Missing inputs are empty sets.
        assert!(r(c, &["ZUNION", "1", "nokey"]).is_empty());
        assert_eq!(int(c, &["ZUNIONSTORE", "x", "1", "nokey"]), 0);
        // ZRANGESTORE.
        assert_eq!(int(c, &["ZRANGESTORE", "rs", "a", "1", "-1"]), 2);
        assert_eq!(
            r(c, &["ZRANGE", "rs", "0", "-1", "WITHSCORES"]),
            ["b", "2", "c", "3"]
        );
        assert_eq!(
            int(
                c,
                &[
                    "ZRANGESTORE",
                    "rs",
                    "a",
                    "5",
                    "0",
                    "BYSCORE",
                    "REV",
                    "LIMIT",
                    "0",
                    "1"
                ]
            ),
            1
        );
        assert_eq!(r(c, &["ZRANGE", "rs", "0", "-1"]), ["c"]);
        assert_eq!(int(c, &["ZRANGESTORE", "rs", "a", "[x", "+", "BYLEX"]), 0);
        assert_eq!(int(c, &["EXISTS", "rs"]), 0);
        assert_eq!(
            err(c, &["ZRANGESTORE", "rs", "a", "0", "-1", "WITHSCORES"]),
            SYNTAX
        );
        assert_eq!(err(c, &["ZRANGESTORE", "rs", "str", "0", "-1"]), WRONGTYPE);
    });
}

#[test]
fn pops_and_zmpop() {
    let srv = TestServer::start();
    let mut c = srv.client();
    both_encodings(&mut c, |c, _| {
        zadd(c, "z", "-1 a 1 b 2 c 3 d 4 e");
        assert_eq!(strings(c, &["ZPOPMIN", "z"]), ["a", "-1"]);
        assert_eq!(strings(c, &["ZPOPMAX", "z", "2"]), ["e", "4", "d", "3"]);
        assert!(strings(c, &["ZPOPMIN", "z", "0"]).is_empty());
        assert!(strings(c, &["ZPOPMIN", "nokey"]).is_empty());
        for n in ["-1", "x"] {
            assert_eq!(
                err(c, &["ZPOPMIN", "z", n]),
                "ERR value is out of range, must be positive"
            );
        }
        assert_eq!(err(c, &["ZPOPMIN", "z", "1", "2"]), SYNTAX);
        assert_eq!(
            c.cmd(&["ZMPOP", "2", "nokey", "z", "MIN", "COUNT", "10"]),
            Reply::Array(Some(vec![
                Reply::Bulk(Some(b"z".to_vec())),
                Reply::Array(Some(vec![
                    Reply::Array(Some(vec![
                        Reply::Bulk(Some(b"b".to_vec())),
                        Reply::Bulk(Some(b"1".to_vec()))
                    ])),
                    Reply::Array(Some(vec![
                        Reply::Bulk(Some(b"c".to_vec())),
                        Reply::Bulk(Some(b"2".to_vec()))
                    ])),
                ]))
            ]))
        );
        assert_eq!(int(c, &["EXISTS", "z"]), 0);
        assert!(c.cmd(&["ZMPOP", "1", "z", "MAX"]).is_nil());
    });
    let n = "ERR numkeys should be greater than 0";
    let cnt = "ERR count should be greater than 0";
    for (args, want) in [
        (&["ZMPOP", "0", "z", "MIN"][..], n),
        (&["ZMPOP", "a", "z", "MIN"], n),
        (&["ZMPOP", "1", "z", "bad"], SYNTAX),
        (&["ZMPOP", "1", "z", "MIN", "x"], SYNTAX),
        (&["ZMPOP", "1", "z", "MIN", "COUNT"], SYNTAX),
        (
            &["ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "2"],
            SYNTAX,
        ),
        (&["ZMPOP", "5", "z", "MIN"], SYNTAX),
        (&["ZMPOP", "1", "z", "MIN", "COUNT", "0"], cnt),
        (&["ZMPOP", "1", "z", "MAX", "COUNT", "-1"], cnt),
        (
            &["ZMPOP", "1"],
            "ERR wrong number of arguments for 'zmpop' command",
        ),
    ] {
        assert_eq!(err(&mut c, args), want, "{args:?}");
    }
}

#[test]
fn blocking_pops() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let mut b = srv.client();
    let blocked = |c: &mut Client, n: usize| {
        wait_for(Duration::from_secs(5), "blocked clients", || {
            c.info_field("clients", "blocked_clients").as_deref() == Some(&n.to_string())
        })
    };
    // Data already there: no blocking.
    zadd(&mut c, "z", "1 a 2 b");
    assert_eq!(
        strings(&mut b, &["BZPOPMAX", "nokey", "z", "0"]),
        ["z", "b", "2"]
    );
    // Blocking until a ZADD, from the first key that gets members.
    b.send(&["BZPOPMIN", "k1", "k2", "0"]);
    blocked(&mut c, 1);
    assert_eq!(zadd(&mut c, "k2", "-1 foo 1 bar"), 2);
    assert_eq!(b.read_reply().into_strings(), ["k2", "foo", "-1"]);
    assert_eq!(strings(&mut c, &["ZRANGE", "k2", "0", "-1"]), ["bar"]);
    // BZMPOP with a count takes up to that many.
    b.send(&["BZMPOP", "0", "2", "k3", "k4", "MAX", "COUNT", "2"]);
    blocked(&mut c, 1);
    zadd(&mut c, "k4", "1 a 2 b 3 c");
    let reply = b.read_reply().into_array();
    assert_eq!(reply[0], "k4");
    let pairs: Vec<Vec<String>> = reply[1]
        .clone()
        .into_array()
        .into_iter()
        .map(|p| p.into_strings())
        .collect();
    assert_eq!(pairs, [["c", "3"], ["b", "2"]]);
    // A key emptied again inside the same transaction wakes nobody.
    b.send(&["BZPOPMIN", "k5", "0"]);
    blocked(&mut c, 1);
    c.cmd(&["MULTI"]).assert_ok();
    c.cmd(&["ZADD", "k5", "0", "x"]);
    c.cmd(&["DEL", "k5"]);
    c.cmd(&["EXEC"]);
    assert!(b.read_reply_timeout(Duration::from_millis(100)).is_err());
    zadd(&mut c, "k5", "5 y");
    assert_eq!(b.read_reply().into_strings(), ["k5", "y", "5"]);
    // Clients are served in the order they blocked.
    let mut b2 = srv.client();
    b.send(&["BZPOPMIN", "k6", "0"]);
    blocked(&mut c, 1);
    b2.send(&["BZMPOP", "0", "1", "k6", "MIN"]);
    blocked(&mut c, 2);
    zadd(&mut c, "k6", "1 a 2 b 3 c");
    assert_eq!(b.read_reply().into_strings(), ["k6", "a", "1"]);
    let r = b2.read_reply().into_array();
    assert_eq!(r[0], "k6");
    assert_eq!(
        r[1].clone().into_array()[0].clone().into_strings(),
        ["b", "2"]
    );
    // Timeouts answer a null array; errors come before blocking.
    let start = Instant::now();
    assert_eq!(b.cmd(&["BZPOPMIN", "k7", "0.1"]), Reply::Array(None));
    assert!(start.elapsed() >= Duration::from_millis(100));
    assert_eq!(
        b.cmd(&["BZMPOP", "0.01", "1", "k7", "MIN"]),
        Reply::Array(None)
    );
    assert_eq!(
        err(&mut b, &["BZPOPMIN", "k7", "-1"]),
        "ERR timeout is negative"
    );
    assert_eq!(
        err(&mut b, &["BZPOPMIN", "k7", "abc"]),
        "ERR timeout is not a float or out of range"
    );
    c.cmd(&["SET", "str", "x"]).assert_ok();
    assert_eq!(err(&mut b, &["BZPOPMIN", "k7", "str", "0"]), WRONGTYPE);
    assert_eq!(
        err(&mut b, &["BZMPOP", "0", "1", "k7", "MIN", "COUNT", "0"]),
        "ERR count should be greater than 0"
    );
    // Inside MULTI a blocking pop never blocks.
    b.cmd(&["MULTI"]).assert_ok();
    b.cmd(&["BZPOPMIN", "k7", "0"]);
    assert_eq!(
        b.cmd(&["EXEC"]),
        Reply::Array(Some(vec![Reply::Array(None)]))
    );
    // RESP3: a timeout is a null.
    b.cmd(&["HELLO", "3"]);
    assert_eq!(b.cmd(&["BZPOPMAX", "k7", "0.01"]), Reply::Null);
}

#[test]
fn zrandmember_and_zscan() {
    let srv = TestServer::start();
    let mut c = srv.client();
    both_encodings(&mut c, |c, _| {
        zadd(c, "z", "1 a 2 b 3 c 4 d 5 e 6 f 7 g 8 h 9 i 10 j");
        let all: HashMap<String, String> = c
            .cmd(&["ZRANGE", "z", "0", "-1", "WITHSCORES"])
            .into_pairs()
            .into_iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.as_str().to_owned()))
            .collect();
        let m = c.cmd(&["ZRANDMEMBER", "z"]).as_str().to_owned();
        assert!(all.contains_key(&m));
        assert!(c.cmd(&["ZRANDMEMBER", "nokey"]).is_nil());
        assert!(strings(c, &["ZRANDMEMBER", "nokey", "5"]).is_empty());
        assert!(strings(c, &["ZRANDMEMBER", "z", "0"]).is_empty());
        // Distinct members, whatever part of the set is asked for.
        for n in [1usize, 3, 8, 10, 20] {
            let got = strings(c, &["ZRANDMEMBER", "z", &n.to_string()]);
            assert_eq!(got.len(), n.min(10));
            let set: HashSet<&String> = got.iter().collect();
            assert_eq!(set.len(), got.len());
            assert!(got.iter().all(|m| all.contains_key(m)));
            let ws = c
                .cmd(&["ZRANDMEMBER", "z", &n.to_string(), "WITHSCORES"])
                .into_pairs();
            assert_eq!(ws.len(), n.min(10));
            for (k, v) in ws {
                assert_eq!(all[k.as_str()], v.as_str());
            }
        }
        // Negative: exactly that many, repeats allowed, every member eventually.
        let got = strings(c, &["ZRANDMEMBER", "z", "-1000"]);
        assert_eq!(got.len(), 1000);
        let set: HashSet<&String> = got.iter().collect();
        assert_eq!(set.len(), 10);
        assert_eq!(
            err(c, &["ZRANDMEMBER", "z", "-9223372036854775808"]),
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
        );
        assert_eq!(
            err(
                c,
                &["ZRANDMEMBER", "z", "-9223372036854770000", "WITHSCORES"]
            ),
            "ERR value is out of range"
        );
        assert_eq!(err(c, &["ZRANDMEMBER", "z", "1", "x"]), SYNTAX);
        assert_eq!(err(c, &["ZRANDMEMBER", "z", "x"]), NOT_INT);
        // ZSCAN returns every member with its score.
        let mut cursor = "0".to_string();
        let mut seen = HashMap::new();
        loop {
            let r = c.cmd(&["ZSCAN", "z", &cursor, "COUNT", "3"]).into_array();
            cursor = r[0].as_str().to_owned();
            for (k, v) in r[1].clone().into_pairs() {
                seen.insert(k.as_str().to_owned(), v.as_str().to_owned());
            }
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(seen, all);
        let r = c
            .cmd(&["ZSCAN", "z", "0", "MATCH", "[ab]", "COUNT", "100"])
            .into_array();
        assert_eq!(sorted(r[1].clone().into_strings()), ["1", "2", "a", "b"]);
        assert_eq!(
            c.cmd(&["ZSCAN", "nokey", "0", "BADOPT"]).into_array()[0],
            "0"
        );
        assert_eq!(err(c, &["ZSCAN", "z", "x"]), "ERR invalid cursor");
        assert_eq!(err(c, &["ZSCAN", "z", "0", "COUNT", "0"]), SYNTAX);
    });
}

#[test]
fn digests_and_sizes_match_redis() {
    let srv = debug_server();
    let mut c = srv.client();
    // Vectors printed by redis-server 7.0.15 for ZADD z 1 a 2.5 b -inf c, in both encodings.
    both_encodings(&mut c, |c, enc| {
        zadd(c, "z", "1 a 2.5 b -inf c");
        assert_eq!(encoding(c, "z"), enc);
        assert_eq!(
            c.cmd(&["DEBUG", "DIGEST-VALUE", "z"]).into_strings(),
            ["f2ad7cda97b68291b8199d655f83d19f6e41e93c"]
        );
        assert_eq!(
            c.cmd(&["DEBUG", "DIGEST"]).as_str(),
            "bab1ecb74c25a815ee6bfcd861de0a8d9d7e6b97"
        );
        let obj = c.cmd(&["DEBUG", "OBJECT", "z"]).as_str().to_owned();
        let want = if enc == "listpack" {
            "serializedlength:30"
        } else {
            "serializedlength:31"
        };
        assert!(obj.contains(want), "{obj}");
        assert!(obj.contains(&format!("encoding:{enc}")), "{obj}");
    });
    c.cmd(&["FLUSHALL"]).assert_ok();
    zadd(&mut c, "z", "1 a 2.5 b -inf c");
    assert_eq!(int(&mut c, &["MEMORY", "USAGE", "z"]), 80);
}

#[test]
fn keyspace_events_and_watch() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEA"])
        .assert_ok();
    let mut sub = srv.client();
    sub.cmd(&["PSUBSCRIBE", "__keyevent@0__:*"]);
    let expect = |sub: &mut Client, event: &str, key: &str| {
        let r = sub.read_reply().into_strings();
        assert_eq!(r[2], format!("__keyevent@0__:{event}"), "{r:?}");
        assert_eq!(r[3], key);
    };
    zadd(&mut c, "z", "1 a 2 b 3 c");
    expect(&mut sub, "zadd", "z");
    c.cmd(&["ZINCRBY", "z", "1", "a"]);
    expect(&mut sub, "zincr", "z");
    // Nothing changed, nothing notified: the next event is ZREM's.
    zadd(&mut c, "z", "3 c");
    int(&mut c, &["ZREM", "z", "nope"]);
    int(&mut c, &["ZREM", "z", "c"]);
    expect(&mut sub, "zrem", "z");
    int(&mut c, &["ZREMRANGEBYSCORE", "z", "0", "2"]);
    expect(&mut sub, "zremrangebyscore", "z");
    expect(&mut sub, "del", "z");
    zadd(&mut c, "z", "1 a 2 b");
    expect(&mut sub, "zadd", "z");
    c.cmd(&["ZPOPMIN", "z"]);
    expect(&mut sub, "zpopmin", "z");
    int(&mut c, &["ZUNIONSTORE", "u", "1", "z"]);
    expect(&mut sub, "zunionstore", "u");
    int(&mut c, &["ZRANGESTORE", "u", "z", "5", "6"]);
    expect(&mut sub, "del", "u");
    c.cmd(&["ZMPOP", "1", "z", "MAX"]);
    expect(&mut sub, "zpopmax", "z");
    expect(&mut sub, "del", "z");

    // WATCH: a change aborts EXEC, a no-op does not.
    let mut w = srv.client();
    zadd(&mut c, "w", "1 a");
    w.cmd(&["WATCH", "w"]).assert_ok();
    zadd(&mut c, "w", "1 a");
    w.cmd(&["MULTI"]).assert_ok();
    w.cmd(&["ZCARD", "w"]);
    assert_eq!(w.cmd(&["EXEC"]).into_array().len(), 1);
    w.cmd(&["WATCH", "w"]).assert_ok();
    zadd(&mut c, "w", "2 a");
    w.cmd(&["MULTI"]).assert_ok();
    w.cmd(&["ZCARD", "w"]);
    assert!(w.cmd(&["EXEC"]).is_nil());
}
