//! Set commands as a client sees them: SADD, SREM, SCARD, SISMEMBER,
//! SMISMEMBER, SMEMBERS, SPOP, SRANDMEMBER, SMOVE, SINTER, SINTERCARD,
//! SINTERSTORE, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE, SSCAN; the
//! `intset` / `hashtable` encodings and when they change; the set arms of
//! DEBUG DIGEST-VALUE, DEBUG OBJECT and MEMORY USAGE.
//!
//! Each test starts the real server binary and speaks RESP to it; the
//! expected replies are Redis 7.0.15's (run with
//! `RUDIS_TEST_SERVER_BIN=/usr/bin/redis-server` to check them against
//! Redis itself).

mod common;

use std::collections::BTreeSet;

use common::{Client, Reply, TestServer};

fn int(c: &mut Client, args: &[&str]) -> i64 {
    c.cmd(args).as_int()
}

fn err(c: &mut Client, args: &[&str]) -> String {
    c.cmd(args).as_err().to_owned()
}

fn encoding(c: &mut Client, key: &str) -> String {
    c.cmd(&["OBJECT", "ENCODING", key]).as_str().to_owned()
}

/// The members of a set reply, sorted.
fn sorted(r: Reply) -> Vec<String> {
    let mut v = r.into_strings();
    v.sort();
    v
}

fn members(c: &mut Client, key: &str) -> Vec<String> {
    sorted(c.cmd(&["SMEMBERS", key]))
}

fn strs(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// `SADD key m...` with the members given as numbers.
fn sadd_range(c: &mut Client, key: &str, range: std::ops::Range<i64>, prefix: &str) {
    let mut args: Vec<String> = vec!["SADD".into(), key.into()];
    args.extend(range.map(|i| format!("{prefix}{i}")));
    c.cmd(&args).as_int();
}

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const SYNTAX: &str = "ERR syntax error";

#[test]
fn basics_and_membership() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(int(&mut c, &["SADD", "s", "foo", "bar", "foo"]), 2);
    assert_eq!(int(&mut c, &["SADD", "s", "bar"]), 0);
    assert_eq!(int(&mut c, &["SCARD", "s"]), 2);
    assert_eq!(int(&mut c, &["SCARD", "nokey"]), 0);
    assert_eq!(int(&mut c, &["SISMEMBER", "s", "foo"]), 1);
    assert_eq!(int(&mut c, &["SISMEMBER", "s", "baz"]), 0);
    assert_eq!(int(&mut c, &["SISMEMBER", "nokey", "foo"]), 0);
    let mis = c.cmd(&["SMISMEMBER", "s", "baz", "foo", "bar"]);
    let mis: Vec<i64> = mis.as_array().iter().map(|r| r.as_int()).collect();
    assert_eq!(mis, vec![0, 1, 1]);
    let mis = c.cmd(&["SMISMEMBER", "nokey", "a", "b"]);
    assert_eq!(mis.as_array().len(), 2);
    assert_eq!(members(&mut c, "s"), strs(&["bar", "foo"]));
    assert!(c.cmd(&["SMEMBERS", "nokey"]).as_array().is_empty());
    // Binary-safe members.
    c.cmd_bytes(&[b"SADD", b"bin", b"a\0b\r\n", b""]).as_int();
    assert_eq!(
        c.cmd_bytes(&[b"SISMEMBER", b"bin", b"a\0b\r\n"]).as_int(),
        1
    );
    assert_eq!(c.cmd_bytes(&[b"SISMEMBER", b"bin", b""]).as_int(), 1);

    assert_eq!(int(&mut c, &["SREM", "s", "nope", "foo", "foo"]), 1);
    assert_eq!(int(&mut c, &["SREM", "nokey", "foo"]), 0);
    // The key goes with its last member; extra arguments are ignored.
    assert_eq!(int(&mut c, &["SREM", "s", "bar", "x", "y"]), 1);
    assert_eq!(int(&mut c, &["EXISTS", "s"]), 0);
}

#[test]
fn errors_and_wrong_types() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["SET", "str", "x"]).assert_ok();
    for args in [
        &["SADD", "str", "a"][..],
        &["SREM", "str", "a"],
        &["SCARD", "str"],
        &["SISMEMBER", "str", "a"],
        &["SMISMEMBER", "str", "a"],
        &["SMEMBERS", "str"],
        &["SPOP", "str"],
        &["SPOP", "str", "2"],
        &["SRANDMEMBER", "str"],
        &["SRANDMEMBER", "str", "2"],
        &["SINTER", "str"],
        &["SINTER", "nokey", "str"],
        &["SINTERCARD", "2", "nokey", "str"],
        &["SUNION", "nokey", "str"],
        &["SDIFF", "nokey", "str"],
        &["SSCAN", "str", "0"],
        &["SMOVE", "str", "d", "a"],
    ] {
        assert_eq!(err(&mut c, args), WRONGTYPE, "{args:?}");
    }
    c.cmd(&["SADD", "s", "a"]).as_int();
    assert_eq!(err(&mut c, &["SMOVE", "s", "str", "a"]), WRONGTYPE);
    assert_eq!(members(&mut c, "s"), strs(&["a"]));
    // A missing source answers 0 before the destination's type is looked at.
    assert_eq!(int(&mut c, &["SMOVE", "nokey", "str", "a"]), 0);

    assert_eq!(
        err(&mut c, &["SADD", "s"]),
        "ERR wrong number of arguments for 'sadd' command"
    );
    assert_eq!(
        err(&mut c, &["SMISMEMBER", "s"]),
        "ERR wrong number of arguments for 'smismember' command"
    );
    assert_eq!(err(&mut c, &["SPOP", "s", "1", "2"]), SYNTAX);
    assert_eq!(err(&mut c, &["SRANDMEMBER", "s", "1", "2"]), SYNTAX);
    assert_eq!(
        err(&mut c, &["SPOP", "s", "-1"]),
        "ERR value is out of range, must be positive"
    );
    assert_eq!(
        err(&mut c, &["SPOP", "s", "x"]),
        "ERR value is out of range, must be positive"
    );
    assert_eq!(err(&mut c, &["SRANDMEMBER", "s", "x"]), NOT_INT);
    assert_eq!(
        err(&mut c, &["SRANDMEMBER", "s", "-9223372036854775808"]),
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    );
}

#[test]
fn encodings_follow_redis() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["SADD", "i", "1", "-2", "300000", "9223372036854775807"])
        .as_int();
    assert_eq!(encoding(&mut c, "i"), "intset");
    c.cmd(&["SADD", "i", "-9223372036854775808"]).as_int();
    assert_eq!(encoding(&mut c, "i"), "intset");
    // Intset replies come in ascending order.
    assert_eq!(
        c.cmd(&["SMEMBERS", "i"]).into_strings(),
        vec![
            "-9223372036854775808",
            "-2",
            "1",
            "300000",
            "9223372036854775807"
        ]
    );
    // Only string2ll's canonical integers fit an intset.
    for (key, member) in [
        ("a", "007"),
        ("b", "+1"),
        ("c", "-0"),
        ("d", "1.0"),
        ("e", " 1"),
        ("f", "9223372036854775808"),
        ("g", ""),
    ] {
        c.cmd(&["SADD", key, member]).as_int();
        assert_eq!(encoding(&mut c, key), "hashtable", "{member:?}");
    }
    // A string member converts an intset, and it never converts back.
    c.cmd(&["SADD", "i", "x"]).as_int();
    assert_eq!(encoding(&mut c, "i"), "hashtable");
    c.cmd(&["SREM", "i", "x"]).as_int();
    assert_eq!(encoding(&mut c, "i"), "hashtable");
    assert_eq!(int(&mut c, &["SISMEMBER", "i", "300000"]), 1);

    // set-max-intset-entries (512 by default).
    sadd_range(&mut c, "big", 0..512, "");
    assert_eq!(encoding(&mut c, "big"), "intset");
    assert_eq!(int(&mut c, &["SADD", "big", "511"]), 0);
    assert_eq!(encoding(&mut c, "big"), "intset");
    assert_eq!(int(&mut c, &["SADD", "big", "512"]), 1);
    assert_eq!(encoding(&mut c, "big"), "hashtable");
    assert_eq!(int(&mut c, &["SCARD", "big"]), 513);
    c.cmd(&["CONFIG", "SET", "set-max-intset-entries", "2"])
        .assert_ok();
    c.cmd(&["SADD", "small", "1", "2"]).as_int();
    assert_eq!(encoding(&mut c, "small"), "intset");
    c.cmd(&["SADD", "small", "3"]).as_int();
    assert_eq!(encoding(&mut c, "small"), "hashtable");
}

#[test]
fn spop_and_its_count_cases() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert!(c.cmd(&["SPOP", "nokey"]).is_nil());
    assert!(c.cmd(&["SPOP", "nokey", "3"]).as_array().is_empty());
    for (prefix, enc) in [("", "intset"), ("m", "hashtable")] {
        c.cmd(&["DEL", "s"]).as_int();
        sadd_range(&mut c, "s", 0..20, prefix);
        assert_eq!(encoding(&mut c, "s"), enc);
        let mut all = BTreeSet::new();
        let one = c.cmd(&["SPOP", "s"]).as_str().to_owned();
        all.insert(one);
        assert!(c.cmd(&["SPOP", "s", "0"]).as_array().is_empty());
        // Few members (pops one by one), then most of them (keeps the rest
        // in a new set), then more than there are (the whole set).
        let mut before = 19;
        for (count, left) in [(2, 17), (15, 2), (30, 0)] {
            let got = c.cmd(&["SPOP", "s", &count.to_string()]).into_strings();
            assert_eq!(got.len(), before - left, "count {count}");
            for m in got {
                assert!(all.insert(m), "popped twice");
            }
            assert_eq!(int(&mut c, &["SCARD", "s"]), left as i64);
            before = left;
        }
        assert_eq!(all.len(), 20);
        let expect: BTreeSet<String> = (0..20).map(|i| format!("{prefix}{i}")).collect();
        assert_eq!(all, expect);
        assert_eq!(int(&mut c, &["EXISTS", "s"]), 0);
    }
    // The last member's SPOP deletes the key.
    c.cmd(&["SADD", "one", "x"]).as_int();
    assert_eq!(c.cmd(&["SPOP", "one"]), "x");
    assert_eq!(int(&mut c, &["EXISTS", "one"]), 0);
}

#[test]
fn srandmember_counts() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert!(c.cmd(&["SRANDMEMBER", "nokey"]).is_nil());
    // A missing key or a zero count is an empty array, never nil.
    assert_eq!(
        c.cmd(&["SRANDMEMBER", "nokey", "5"]),
        Reply::Array(Some(vec![]))
    );
    for (prefix, enc) in [("", "intset"), ("m", "hashtable")] {
        c.cmd(&["DEL", "s"]).as_int();
        sadd_range(&mut c, "s", 0..50, prefix);
        assert_eq!(encoding(&mut c, "s"), enc);
        let all: BTreeSet<String> = (0..50).map(|i| format!("{prefix}{i}")).collect();
        assert_eq!(
            c.cmd(&["SRANDMEMBER", "s", "0"]),
            Reply::Array(Some(vec![]))
        );
        assert!(all.contains(c.cmd(&["SRANDMEMBER", "s"]).as_str()));
        // Negative: exactly |count| members, repetitions allowed.
        let got = c.cmd(&["SRANDMEMBER", "s", "-200"]).into_strings();
        assert_eq!(got.len(), 200);
        assert!(got.iter().all(|m| all.contains(m)));
        let distinct: BTreeSet<&String> = got.iter().collect();
        assert!(distinct.len() < 200);
        // Positive: distinct members, the whole set at most. 45 takes the
        // copy-and-remove path, 5 the pick-until-enough path.
        for (count, want) in [(50, 50), (100, 50), (45, 45), (5, 5), (1, 1)] {
            let got = c
                .cmd(&["SRANDMEMBER", "s", &count.to_string()])
                .into_strings();
            let distinct: BTreeSet<String> = got.iter().cloned().collect();
            assert_eq!((got.len(), distinct.len()), (want, want), "count {count}");
            assert!(distinct.is_subset(&all));
        }
        // Nothing is removed.
        assert_eq!(int(&mut c, &["SCARD", "s"]), 50);
    }
}

#[test]
fn smove() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let setup = |c: &mut Client| {
        c.cmd(&["DEL", "src", "dst", "new"]).as_int();
        c.cmd(&["SADD", "src", "1", "a", "b"]).as_int();
        c.cmd(&["SADD", "dst", "2", "3", "4"]).as_int();
    };
    setup(&mut c);
    assert_eq!(int(&mut c, &["SMOVE", "src", "dst", "a"]), 1);
    assert_eq!(members(&mut c, "src"), strs(&["1", "b"]));
    assert_eq!(members(&mut c, "dst"), strs(&["2", "3", "4", "a"]));
    assert_eq!(encoding(&mut c, "dst"), "hashtable");
    setup(&mut c);
    assert_eq!(int(&mut c, &["SMOVE", "src", "dst", "1"]), 1);
    assert_eq!(encoding(&mut c, "dst"), "intset");
    assert_eq!(int(&mut c, &["SMOVE", "src", "dst", "nope"]), 0);
    assert_eq!(int(&mut c, &["SMOVE", "nokey", "dst", "2"]), 0);
    // A new destination gets the encoding of the member.
    assert_eq!(int(&mut c, &["SMOVE", "dst", "new", "2"]), 1);
    assert_eq!(encoding(&mut c, "new"), "intset");
    assert_eq!(int(&mut c, &["SMOVE", "src", "new2", "a"]), 1);
    assert_eq!(encoding(&mut c, "new2"), "hashtable");
    // Same source and destination: membership, nothing moves.
    assert_eq!(int(&mut c, &["SMOVE", "src", "src", "b"]), 1);
    assert_eq!(int(&mut c, &["SMOVE", "src", "src", "zz"]), 0);
    assert_eq!(members(&mut c, "src"), strs(&["b"]));
    // Already in the destination: it still leaves the source.
    c.cmd(&["SADD", "dst", "b"]).as_int();
    assert_eq!(int(&mut c, &["SMOVE", "src", "dst", "b"]), 1);
    assert_eq!(int(&mut c, &["EXISTS", "src"]), 0);
}

#[test]
fn inter_union_diff() {
    let srv = TestServer::start();
    let mut c = srv.client();
    for (enc, large) in [("intset", "200"), ("hashtable", "foo")] {
        c.cmd(&["DEL", "s1", "s2", "s3", "s4", "s5"]).as_int();
        sadd_range(&mut c, "s1", 0..200, "");
        sadd_range(&mut c, "s2", 195..395, "");
        c.cmd(&["SADD", "s3", "199", "195", "1000", "2000"])
            .as_int();
        sadd_range(&mut c, "s4", 5..200, "");
        c.cmd(&["SADD", "s5", "0"]).as_int();
        for k in ["s1", "s2", "s3", "s4", "s5"] {
            c.cmd(&["SADD", k, large]).as_int();
            assert_eq!(encoding(&mut c, k), enc);
        }
        assert_eq!(
            sorted(c.cmd(&["SINTER", "s1", "s2"])),
            strs(&["195", "196", "197", "198", "199", large])
        );
        assert_eq!(
            sorted(c.cmd(&["SINTER", "s1", "s2", "s3"])),
            strs(&["195", "199", large])
        );
        assert_eq!(int(&mut c, &["SINTERCARD", "2", "s1", "s2"]), 6);
        assert_eq!(
            int(&mut c, &["SINTERCARD", "2", "s1", "s2", "LIMIT", "3"]),
            3
        );
        assert_eq!(
            int(&mut c, &["SINTERCARD", "2", "s1", "s2", "limit", "0"]),
            6
        );
        assert_eq!(int(&mut c, &["SINTERCARD", "3", "s1", "s2", "s3"]), 3);
        assert!(c.cmd(&["SINTER", "s1", "nokey"]).as_array().is_empty());
        assert_eq!(
            c.cmd(&["SUNION", "s1", "s2", "nokey"]).as_array().len(),
            // 0..395, plus "foo" (200 is in s2 already).
            if large == "foo" { 396 } else { 395 }
        );
        assert_eq!(
            sorted(c.cmd(&["SDIFF", "s1", "s4"])),
            strs(&["0", "1", "2", "3", "4"])
        );
        assert_eq!(
            sorted(c.cmd(&["SDIFF", "s1", "s4", "s5"])),
            strs(&["1", "2", "3", "4"])
        );
        // The same set several times.
        assert_eq!(c.cmd(&["SINTER", "s1", "s1", "s1"]).as_array().len(), 201);
        assert_eq!(c.cmd(&["SUNION", "s1", "s1"]).as_array().len(), 201);
        assert!(c.cmd(&["SDIFF", "s1", "s1"]).as_array().is_empty());
        assert!(c.cmd(&["SDIFF", "nokey", "s1"]).as_array().is_empty());
    }
    // Both SDIFF algorithms: a small first set against big ones (check
    // each member), and a big first set against small ones (copy and
    // remove).
    c.cmd(&["DEL", "a", "b", "cc"]).as_int();
    sadd_range(&mut c, "a", 0..1000, "x");
    sadd_range(&mut c, "b", 0..10, "x");
    sadd_range(&mut c, "cc", 5..15, "x");
    assert_eq!(c.cmd(&["SDIFF", "a", "b", "cc"]).as_array().len(), 985);
    assert_eq!(
        sorted(c.cmd(&["SDIFF", "cc", "a", "b"])),
        Vec::<String>::new()
    );
    assert_eq!(
        sorted(c.cmd(&["SDIFF", "cc", "b"])),
        strs(&["x10", "x11", "x12", "x13", "x14"])
    );
    // Integers held by a hash-table set meet an intset.
    c.cmd(&["SADD", "ht", "1", "2", "3", "z"]).as_int();
    c.cmd(&["SREM", "ht", "z"]).as_int();
    c.cmd(&["SADD", "is", "1", "2", "3", "4"]).as_int();
    assert_eq!(
        sorted(c.cmd(&["SINTER", "is", "ht"])),
        strs(&["1", "2", "3"])
    );
    assert_eq!(sorted(c.cmd(&["SDIFF", "is", "ht"])), strs(&["4"]));
}

#[test]
fn sintercard_arguments() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["SADD", "s", "a", "b"]).as_int();
    for (args, want) in [
        (
            &["SINTERCARD", "0", "s"][..],
            "ERR numkeys should be greater than 0",
        ),
        (
            &["SINTERCARD", "a", "s"],
            "ERR numkeys should be greater than 0",
        ),
        (
            &["SINTERCARD", "2", "s"],
            "ERR Number of keys can't be greater than number of args",
        ),
        (&["SINTERCARD", "1", "s", "s2"], SYNTAX),
        (&["SINTERCARD", "1", "s", "LIMIT"], SYNTAX),
        (
            &["SINTERCARD", "1", "s", "LIMIT", "-1"],
            "ERR LIMIT can't be negative",
        ),
        (
            &["SINTERCARD", "1", "s", "LIMIT", "a"],
            "ERR LIMIT can't be negative",
        ),
    ] {
        assert_eq!(err(&mut c, args), want, "{args:?}");
    }
    assert_eq!(int(&mut c, &["SINTERCARD", "1", "nokey", "LIMIT", "10"]), 0);
    assert_eq!(
        int(
            &mut c,
            &["SINTERCARD", "1", "s", "LIMIT", "1", "LIMIT", "5"]
        ),
        2
    );
}

#[test]
fn store_commands() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["SADD", "i1", "1", "2", "3", "4"]).as_int();
    c.cmd(&["SADD", "i2", "3", "4", "5"]).as_int();
    c.cmd(&["SADD", "h1", "3", "4", "x"]).as_int();
    // Integer results are intsets, whatever the sources' encodings.
    assert_eq!(int(&mut c, &["SINTERSTORE", "d", "h1", "i1"]), 2);
    assert_eq!(encoding(&mut c, "d"), "intset");
    assert_eq!(members(&mut c, "d"), strs(&["3", "4"]));
    assert_eq!(int(&mut c, &["SUNIONSTORE", "d", "i1", "h1"]), 5);
    assert_eq!(encoding(&mut c, "d"), "hashtable");
    assert_eq!(int(&mut c, &["SDIFFSTORE", "d", "h1", "i2"]), 1);
    assert_eq!(encoding(&mut c, "d"), "hashtable");
    assert_eq!(int(&mut c, &["SDIFFSTORE", "d", "i1", "i2"]), 2);
    assert_eq!(encoding(&mut c, "d"), "intset");
    // Past set-max-intset-entries the result is a hash table.
    c.cmd(&["CONFIG", "SET", "set-max-intset-entries", "3"])
        .assert_ok();
    assert_eq!(int(&mut c, &["SUNIONSTORE", "d", "i1", "i2"]), 5);
    assert_eq!(encoding(&mut c, "d"), "hashtable");
    c.cmd(&["CONFIG", "SET", "set-max-intset-entries", "512"])
        .assert_ok();

    // The destination is replaced whatever it held, and loses its TTL.
    c.cmd(&["SET", "d", "string"]).assert_ok();
    c.cmd(&["EXPIRE", "d", "100"]).as_int();
    assert_eq!(int(&mut c, &["SUNIONSTORE", "d", "i1"]), 4);
    assert_eq!(int(&mut c, &["TTL", "d"]), -1);
    // A source may be the destination.
    assert_eq!(int(&mut c, &["SINTERSTORE", "i1", "i1", "i2"]), 2);
    assert_eq!(members(&mut c, "i1"), strs(&["3", "4"]));

    // An empty result deletes the destination.
    for args in [
        &["SINTERSTORE", "d", "i1", "nokey"][..],
        &["SINTERSTORE", "d", "i1", "h1", "i2", "nokey2"],
        &["SUNIONSTORE", "d", "nokey", "nokey2"],
        &["SDIFFSTORE", "d", "i1", "i2"],
        &["SDIFFSTORE", "d", "nokey", "i1"],
    ] {
        c.cmd(&["SADD", "d", "keep"]).as_int();
        assert_eq!(int(&mut c, args), 0, "{args:?}");
        assert_eq!(int(&mut c, &["EXISTS", "d"]), 0, "{args:?}");
    }
    // A wrong-typed source leaves the destination alone.
    c.cmd(&["SET", "str", "x"]).assert_ok();
    c.cmd(&["SADD", "d", "keep"]).as_int();
    for cmd in ["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"] {
        assert_eq!(err(&mut c, &[cmd, "d", "nokey", "str"]), WRONGTYPE);
        assert_eq!(members(&mut c, "d"), strs(&["keep"]));
    }
}

#[test]
fn sscan() {
    let srv = TestServer::start();
    let mut c = srv.client();
    // An intset comes back whole, cursor 0, whatever COUNT says.
    sadd_range(&mut c, "i", 0..100, "");
    let r = c.cmd(&["SSCAN", "i", "0", "COUNT", "1"]).into_array();
    assert_eq!(r[0], "0");
    assert_eq!(r[1].as_array().len(), 100);
    let r = c.cmd(&["SSCAN", "i", "0", "MATCH", "*9"]).into_array();
    assert_eq!(r[1].as_array().len(), 10);
    // A hash table is walked with the cursor.
    sadd_range(&mut c, "h", 0..1000, "ele:");
    let mut cursor = "0".to_string();
    let mut seen = BTreeSet::new();
    let mut calls = 0;
    loop {
        let r = c.cmd(&["SSCAN", "h", &cursor, "COUNT", "20"]).into_array();
        cursor = r[0].as_str().to_owned();
        seen.extend(r[1].clone().into_strings());
        calls += 1;
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(seen.len(), 1000);
    assert!(calls > 10);
    c.cmd(&["SADD", "p", "foo", "fab", "fiz", "foobar", "1", "2"])
        .as_int();
    let r = c
        .cmd(&["SSCAN", "p", "0", "MATCH", "foo*", "COUNT", "100"])
        .into_array();
    assert_eq!(sorted(r[1].clone()), strs(&["foo", "foobar"]));
    // A missing key: an empty scan, options unchecked.
    let r = c.cmd(&["SSCAN", "nokey", "0", "COUNT", "0"]).into_array();
    assert_eq!(r[0], "0");
    assert!(r[1].as_array().is_empty());
    assert_eq!(err(&mut c, &["SSCAN", "i", "x"]), "ERR invalid cursor");
    assert_eq!(err(&mut c, &["SSCAN", "i", "0", "COUNT", "0"]), SYNTAX);
    assert_eq!(err(&mut c, &["SSCAN", "i", "0", "COUNT", "x"]), NOT_INT);
    assert_eq!(err(&mut c, &["SSCAN", "i", "0", "TYPE", "set"]), SYNTAX);
}

#[test]
fn resp3_reply_types() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["HELLO", "3"]);
    c.cmd(&["SADD", "s", "1", "2", "3"]).as_int();
    c.cmd(&["SADD", "t", "2", "3"]).as_int();
    for args in [
        &["SMEMBERS", "s"][..],
        &["SINTER", "s", "t"],
        &["SUNION", "s", "t"],
        &["SDIFF", "s", "t"],
        &["SINTER", "s", "nokey"],
        &["SPOP", "nokey", "2"],
    ] {
        assert!(matches!(c.cmd(args), Reply::Set(_)), "{args:?}");
    }
    assert!(matches!(
        c.cmd(&["SRANDMEMBER", "s", "2"]),
        Reply::Array(Some(_))
    ));
    assert!(matches!(c.cmd(&["SSCAN", "s", "0"]), Reply::Array(Some(_))));
    assert_eq!(c.cmd(&["SRANDMEMBER", "nokey"]), Reply::Null);
    assert_eq!(c.cmd(&["SPOP", "nokey"]), Reply::Null);
    assert!(matches!(c.cmd(&["SPOP", "s", "1"]), Reply::Set(v) if v.len() == 1));
    assert!(matches!(c.cmd(&["SPOP", "s", "5"]), Reply::Set(v) if v.len() == 2));
}

/// DEBUG DIGEST-VALUE, DEBUG DIGEST, DEBUG OBJECT and MEMORY USAGE print
/// what redis-server 7.0.15 prints for the same sets.
#[test]
fn introspection_matches_redis() {
    let srv = TestServer::builder().enable_debug().start();
    let mut c = srv.client();
    c.cmd(&["SADD", "s", "1", "x", "-7"]).as_int();
    assert_eq!(
        c.cmd(&["DEBUG", "DIGEST-VALUE", "s"]).as_array()[0],
        "c07bf68dc3227c63c968d13920ed838887b0d4be"
    );
    assert_eq!(
        c.cmd(&["DEBUG", "DIGEST"]),
        "8c14832cfe23b6e43342d06a302934f8b1457ed6"
    );
    c.cmd(&["SADD", "i", "1", "2", "300000"]).as_int();
    assert_eq!(
        c.cmd(&["DEBUG", "DIGEST-VALUE", "i"]).as_array()[0],
        "a5f06f4721116e44ffd705155f567c906dac6285"
    );
    // The digest does not depend on the encoding.
    c.cmd(&["SADD", "h", "1", "2", "300000", "tmp"]).as_int();
    c.cmd(&["SREM", "h", "tmp"]).as_int();
    assert_eq!(encoding(&mut c, "h"), "hashtable");
    let di = c.cmd(&["DEBUG", "DIGEST-VALUE", "i", "h"]).into_strings();
    assert_eq!(di[0], di[1]);

    c.cmd(&["DEL", "s", "i", "h"]).as_int();
    c.cmd(&["SADD", "s", "1", "2", "3"]).as_int();
    c.cmd(&["SADD", "h", "a", "b", "c"]).as_int();
    c.cmd(&["SADD", "w", "1", "100000"]).as_int();
    assert_eq!(int(&mut c, &["MEMORY", "USAGE", "s"]), 64);
    assert_eq!(int(&mut c, &["MEMORY", "USAGE", "h"]), 232);
    assert_eq!(int(&mut c, &["MEMORY", "USAGE", "w"]), 64);
    let obj = |c: &mut Client, k: &str| c.cmd(&["DEBUG", "OBJECT", k]).as_str().to_owned();
    assert!(obj(&mut c, "s").contains(" encoding:intset serializedlength:15 "));
    assert!(obj(&mut c, "h").contains(" encoding:hashtable serializedlength:7 "));
    assert!(obj(&mut c, "w").contains(" encoding:intset serializedlength:17 "));
    c.cmd(&["DEBUG", "HTSTATS-KEY", "s"]).assert_err_prefix(
        "ERR The value stored at the specified key is not represented using an hash table",
    );
    assert!(c
        .cmd(&["DEBUG", "HTSTATS-KEY", "h"])
        .as_str()
        .contains("number of elements: 3"));
}
