//! Hash commands as a client sees them: HSET/HMSET/HSETNX/HGET/HMGET/HDEL/HLEN/HSTRLEN/
//! HEXISTS/HKEYS/HVALS/HGETALL, the counters HINCRBY and HINCRBYFLOAT, HRANDFIELD and HSCAN;
//! the listpack -> hashtable conversions (by entry count, by field or value size, by
//! HINCRBYFLOAT results) as OBJECT ENCODING reports them; DEBUG DIGEST-VALUE and MEMORY USAGE
//! against the values Redis 7.0.15 prints for the same data.
//!
//! Each test starts the real server binary and speaks RESP to it; the expected replies are
//! Redis 7.0.15's (run with `RUDIS_TEST_SERVER_BIN=/usr/bin/redis-server` to check them
//! against Redis itself).

mod common;

use std::collections::{HashMap, HashSet};

use common::{Client, Reply, TestServer};

const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
const NOT_INT: &str = "ERR value is not an integer or out of range";
const SYNTAX: &str = "ERR syntax error";

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

/// `HSET key f0 v0 f1 v1 ...` with `n` pairs.
fn fill(c: &mut Client, key: &str, n: usize) {
    let mut args = vec!["HSET".to_string(), key.to_string()];
    for i in 0..n {
        args.push(format!("f{i}"));
        args.push(format!("v{i}"));
    }
    assert_eq!(c.cmd(&args).as_int(), n as i64);
}

#[test]
fn set_get_and_friends() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(
        int(&mut c, &["HSET", "h", "a", "1", "b", "2", "c", "hello"]),
        3
    );
    // Updates are not counted; a field given twice counts once.
    assert_eq!(
        int(&mut c, &["HSET", "h", "a", "10", "d", "x", "d", "y"]),
        1
    );
    assert_eq!(c.cmd(&["HGET", "h", "a"]), "10");
    assert_eq!(c.cmd(&["HGET", "h", "d"]), "y");
    assert!(c.cmd(&["HGET", "h", "zz"]).is_nil());
    assert!(c.cmd(&["HGET", "nokey", "a"]).is_nil());
    c.cmd(&["HMSET", "h", "e", "5"]).assert_ok();
    assert_eq!(
        c.cmd(&["HMGET", "h", "a", "zz", "e"]).into_opt_strings(),
        [Some("10".to_string()), None, Some("5".to_string())]
    );
    assert_eq!(
        c.cmd(&["HMGET", "nokey", "a", "b"]).into_opt_strings(),
        [None, None]
    );
    assert_eq!(int(&mut c, &["HLEN", "h"]), 5);
    assert_eq!(int(&mut c, &["HLEN", "nokey"]), 0);
    assert_eq!(int(&mut c, &["HSTRLEN", "h", "c"]), 5);
    assert_eq!(int(&mut c, &["HSTRLEN", "h", "a"]), 2);
    assert_eq!(int(&mut c, &["HSTRLEN", "h", "zz"]), 0);
    assert_eq!(int(&mut c, &["HSTRLEN", "nokey", "a"]), 0);
    assert_eq!(int(&mut c, &["HEXISTS", "h", "a"]), 1);
    assert_eq!(int(&mut c, &["HEXISTS", "h", "zz"]), 0);
    assert_eq!(int(&mut c, &["HEXISTS", "nokey", "a"]), 0);
    // A listpack keeps insertion order.
    assert_eq!(strings(&mut c, &["HKEYS", "h"]), ["a", "b", "c", "d", "e"]);
    assert_eq!(
        strings(&mut c, &["HVALS", "h"]),
        ["10", "2", "hello", "y", "5"]
    );
    assert_eq!(
        strings(&mut c, &["HGETALL", "h"]),
        ["a", "10", "b", "2", "c", "hello", "d", "y", "e", "5"]
    );
    assert!(strings(&mut c, &["HGETALL", "nokey"]).is_empty());
    assert!(strings(&mut c, &["HKEYS", "nokey"]).is_empty());
    assert!(strings(&mut c, &["HVALS", "nokey"]).is_empty());

    assert_eq!(int(&mut c, &["HSETNX", "h", "a", "x"]), 0);
    assert_eq!(c.cmd(&["HGET", "h", "a"]), "10");
    assert_eq!(int(&mut c, &["HSETNX", "h", "new", "x"]), 1);
    assert_eq!(int(&mut c, &["HSETNX", "fresh", "f", "v"]), 1);
    assert_eq!(c.cmd(&["HGET", "fresh", "f"]), "v");
}

#[test]
fn binary_safe_and_integer_looking_values() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let field: &[u8] = b"f\0\r\n";
    let value: Vec<u8> = (0..=255u8).collect();
    assert_eq!(
        c.cmd_bytes(&[b"HSET", b"h", field, &value[..60]]).as_int(),
        1
    );
    assert_eq!(
        c.cmd_bytes(&[b"HGET", b"h", field]).as_bytes(),
        &value[..60]
    );
    // Integers in every listpack width come back as they were written, non-canonical ones
    // as strings.
    let ints = [
        "0",
        "127",
        "-1",
        "4095",
        "-4096",
        "32767",
        "8388607",
        "2147483647",
        "-9223372036854775808",
        "9223372036854775807",
        "9223372036854775808",
        "007",
        "+1",
        "-0",
        "",
    ];
    for (i, v) in ints.iter().enumerate() {
        c.cmd(&["HSET", "n", &format!("k{i}"), v]);
        c.cmd(&["HSET", "n", v, &format!("as-field-{i}")]);
    }
    assert_eq!(encoding(&mut c, "n"), "listpack");
    for (i, v) in ints.iter().enumerate() {
        assert_eq!(c.cmd(&["HGET", "n", &format!("k{i}")]), *v);
        assert_eq!(
            int(&mut c, &["HSTRLEN", "n", &format!("k{i}")]),
            v.len() as i64
        );
        assert_eq!(c.cmd(&["HGET", "n", v]), format!("as-field-{i}").as_str());
    }
    // "1" and "01" are different fields.
    c.cmd(&["HSET", "m", "1", "one", "01", "zero-one"]);
    assert_eq!(c.cmd(&["HGET", "m", "1"]), "one");
    assert_eq!(c.cmd(&["HGET", "m", "01"]), "zero-one");
}

#[test]
fn errors() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["SET", "s", "x"]).assert_ok();
    for args in [
        &["HSET", "s", "a", "1"][..],
        &["HMSET", "s", "a", "1"],
        &["HSETNX", "s", "a", "1"],
        &["HGET", "s", "a"],
        &["HMGET", "s", "a"],
        &["HDEL", "s", "a"],
        &["HLEN", "s"],
        &["HSTRLEN", "s", "a"],
        &["HEXISTS", "s", "a"],
        &["HKEYS", "s"],
        &["HVALS", "s"],
        &["HGETALL", "s"],
        &["HINCRBY", "s", "a", "1"],
        &["HINCRBYFLOAT", "s", "a", "1"],
        &["HRANDFIELD", "s"],
        &["HRANDFIELD", "s", "2"],
        &["HSCAN", "s", "0"],
    ] {
        assert_eq!(err(&mut c, args), WRONGTYPE, "{args:?}");
    }
    assert_eq!(c.cmd(&["GET", "s"]), "x");
    assert_eq!(
        err(&mut c, &["HSET", "h", "a", "1", "b"]),
        "ERR wrong number of arguments for 'hset' command"
    );
    assert_eq!(
        err(&mut c, &["HMSET", "h", "a", "1", "b"]),
        "ERR wrong number of arguments for 'hmset' command"
    );
    assert_eq!(
        err(&mut c, &["HSET", "h", "a"]),
        "ERR wrong number of arguments for 'hset' command"
    );
    assert_eq!(
        err(&mut c, &["HGET", "h"]),
        "ERR wrong number of arguments for 'hget' command"
    );
    assert_eq!(int(&mut c, &["EXISTS", "h"]), 0);
}

#[test]
fn hdel_removes_fields_and_the_emptied_key() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(int(&mut c, &["HDEL", "nokey", "a"]), 0);
    c.cmd(&["HSET", "h", "a", "1", "b", "2", "c", "3"]);
    assert_eq!(int(&mut c, &["HDEL", "h", "x", "y"]), 0);
    assert_eq!(int(&mut c, &["HDEL", "h", "a", "c", "a", "f"]), 2);
    assert_eq!(strings(&mut c, &["HGETALL", "h"]), ["b", "2"]);
    assert_eq!(int(&mut c, &["HDEL", "h", "b", "zz"]), 1);
    assert_eq!(int(&mut c, &["EXISTS", "h"]), 0);
    // The same on a hashtable.
    fill(&mut c, "big", 600);
    assert_eq!(encoding(&mut c, "big"), "hashtable");
    let mut args = vec!["HDEL".to_string(), "big".to_string()];
    args.extend((0..600).map(|i| format!("f{i}")));
    args.push("extra".into());
    assert_eq!(c.cmd(&args).as_int(), 600);
    assert_eq!(int(&mut c, &["EXISTS", "big"]), 0);
}

#[test]
fn conversion_by_entry_count_is_one_way() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(
        strings(&mut c, &["CONFIG", "GET", "hash-max-listpack-entries"]),
        ["hash-max-listpack-entries", "512"]
    );
    fill(&mut c, "h", 512);
    assert_eq!(encoding(&mut c, "h"), "listpack");
    assert_eq!(int(&mut c, &["HSET", "h", "one-more", "v"]), 1);
    assert_eq!(encoding(&mut c, "h"), "hashtable");
    assert_eq!(int(&mut c, &["HLEN", "h"]), 513);
    assert_eq!(c.cmd(&["HGET", "h", "f511"]), "v511");
    // Deleting back below the limit never converts back.
    let mut args = vec!["HDEL".to_string(), "h".to_string()];
    args.extend((0..510).map(|i| format!("f{i}")));
    assert_eq!(c.cmd(&args).as_int(), 510);
    assert_eq!(encoding(&mut c, "h"), "hashtable");

    // The old ziplist names are aliases.
    c.cmd(&["CONFIG", "SET", "hash-max-ziplist-entries", "4"])
        .assert_ok();
    fill(&mut c, "small", 4);
    assert_eq!(encoding(&mut c, "small"), "listpack");
    c.cmd(&["HSETNX", "small", "x", "y"]);
    assert_eq!(encoding(&mut c, "small"), "hashtable");
    fill(&mut c, "in-one-call", 5);
    assert_eq!(encoding(&mut c, "in-one-call"), "hashtable");
    c.cmd(&["HINCRBY", "counters", "a", "1"]);
    for f in ["b", "c", "d"] {
        c.cmd(&["HINCRBY", "counters", f, "1"]);
    }
    assert_eq!(encoding(&mut c, "counters"), "listpack");
    c.cmd(&["HINCRBYFLOAT", "counters", "e", "1.5"]);
    assert_eq!(encoding(&mut c, "counters"), "hashtable");
    // Limit 0: every hash is a hashtable from its first field.
    c.cmd(&["CONFIG", "SET", "hash-max-listpack-entries", "0"])
        .assert_ok();
    c.cmd(&["HSET", "zero", "a", "1"]);
    assert_eq!(encoding(&mut c, "zero"), "hashtable");
}

#[test]
fn conversion_by_field_or_value_size() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let v64 = "x".repeat(64);
    let v65 = "x".repeat(65);
    c.cmd(&["HSET", "h", "f", &v64, &v64, "v"]);
    assert_eq!(encoding(&mut c, "h"), "listpack");
    c.cmd(&["HSET", "h", "g", &v65]);
    assert_eq!(encoding(&mut c, "h"), "hashtable");
    assert_eq!(c.cmd(&["HGET", "h", "f"]), v64.as_str());
    assert_eq!(c.cmd(&["HGET", "h", &v64]), "v");

    c.cmd(&["HSET", "by-field", &v65, "1"]);
    assert_eq!(encoding(&mut c, "by-field"), "hashtable");
    // An existing field updated with a long value converts too.
    c.cmd(&["HSET", "upd", "f", "short"]);
    c.cmd(&["HSET", "upd", "f", &v65]);
    assert_eq!(encoding(&mut c, "upd"), "hashtable");
    // HSETNX on an existing field changes nothing, encoding included.
    c.cmd(&["HSET", "nx", "f", "short"]);
    assert_eq!(int(&mut c, &["HSETNX", "nx", "f", &v65]), 0);
    assert_eq!(encoding(&mut c, "nx"), "listpack");
    assert_eq!(int(&mut c, &["HSETNX", "nx", "g", &v65]), 1);
    assert_eq!(encoding(&mut c, "nx"), "hashtable");

    // DEBUG OBJECT reports the same (Redis's "big payload" test).
    let srv = TestServer::builder().enable_debug().start();
    let mut c = srv.client();
    c.cmd(&["HSET", "smallhash", "a", "b"]);
    assert!(c
        .cmd(&["DEBUG", "OBJECT", "smallhash"])
        .as_str()
        .contains("encoding:listpack"));
    c.cmd(&["HSET", "smallhash", "foo", &"a".repeat(1024)]);
    assert!(c
        .cmd(&["DEBUG", "OBJECT", "smallhash"])
        .as_str()
        .contains("encoding:hashtable"));
}

#[test]
fn hincrby() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(int(&mut c, &["HINCRBY", "h", "n", "2"]), 2);
    assert_eq!(int(&mut c, &["HINCRBY", "h", "n", "-5"]), -3);
    assert_eq!(c.cmd(&["HGET", "h", "n"]), "-3");
    c.cmd(&["HSET", "h", "big", "17179869184"]);
    assert_eq!(
        int(&mut c, &["HINCRBY", "h", "big", "17179869184"]),
        34359738368
    );
    for bad in [" 11", "11 ", "1.5", "abc", ""] {
        c.cmd(&["HSET", "h", "s", bad]);
        assert_eq!(
            err(&mut c, &["HINCRBY", "h", "s", "1"]),
            "ERR hash value is not an integer"
        );
        assert_eq!(c.cmd(&["HGET", "h", "s"]), bad);
    }
    assert_eq!(err(&mut c, &["HINCRBY", "h", "n", "x"]), NOT_INT);
    assert_eq!(err(&mut c, &["HINCRBY", "h", "n", "1.0"]), NOT_INT);
    assert_eq!(err(&mut c, &["HINCRBY", "nokey", "n", "x"]), NOT_INT);
    assert_eq!(int(&mut c, &["EXISTS", "nokey"]), 0);
    c.cmd(&["HSET", "h", "max", "9223372036854775807"]);
    assert_eq!(
        err(&mut c, &["HINCRBY", "h", "max", "1"]),
        "ERR increment or decrement would overflow"
    );
    c.cmd(&["HSET", "h", "min", "-9223372036854775484"]);
    assert_eq!(
        int(&mut c, &["HINCRBY", "h", "min", "-1"]),
        -9223372036854775485
    );
    assert_eq!(
        err(&mut c, &["HINCRBY", "h", "min", "-10000"]),
        "ERR increment or decrement would overflow"
    );
    assert_eq!(c.cmd(&["HGET", "h", "min"]), "-9223372036854775485");
}

#[test]
fn hincrbyfloat() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "f", "1.23"]), "1.23");
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "f", "0.77"]), "2");
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "f", "-0.1"]), "1.9");
    assert_eq!(c.cmd(&["HGET", "h", "f"]), "1.9");
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "g", "10.5"]), "10.5");
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "g", "0.1"]), "10.6");
    // 80-bit precision shows: 10.6 is not exact in binary.
    assert_eq!(
        c.cmd(&["HINCRBYFLOAT", "h", "g", "5.0e3"]),
        "5010.60000000000000009"
    );
    c.cmd(&["HSET", "h", "i", "17179869184"]);
    assert_eq!(
        c.cmd(&["HINCRBYFLOAT", "h", "i", "17179869184"]),
        "34359738368"
    );
    // No exponent in the output, ever.
    assert_eq!(c.cmd(&["HINCRBYFLOAT", "h", "tiny", "1e-20"]), "0");
    assert_eq!(
        c.cmd(&["HINCRBYFLOAT", "h", "huge", "1.5e25"]),
        "15000000000000000000000000"
    );

    for bad in [" 11", "11 ", "abc", "1\x002"] {
        c.cmd(&["HSET", "h", "s", bad]);
        assert_eq!(
            err(&mut c, &["HINCRBYFLOAT", "h", "s", "1"]),
            "ERR hash value is not a float"
        );
    }
    assert_eq!(
        err(&mut c, &["HINCRBYFLOAT", "h", "f", "abc"]),
        "ERR value is not a valid float"
    );
    for inf in ["+inf", "-inf", "inf"] {
        assert_eq!(
            err(&mut c, &["HINCRBYFLOAT", "hfoo", "f", inf]),
            "ERR value is NaN or Infinity"
        );
    }
    assert_eq!(int(&mut c, &["EXISTS", "hfoo"]), 0);
    // long double reaches about 1.19e4932.
    c.cmd(&["HSET", "h", "m", "1.18e4932"]);
    assert_eq!(
        err(&mut c, &["HINCRBYFLOAT", "h", "m", "1.18e4932"]),
        "ERR increment would produce NaN or Infinity"
    );
    assert_eq!(c.cmd(&["HGET", "h", "m"]), "1.18e4932");
    assert_eq!(
        err(&mut c, &["HINCRBYFLOAT", "h", "m2", "1e4933"]),
        "ERR value is not a valid float"
    );

    // Redis's "over hash-max-listpack-value" test: the result decides the encoding.
    c.cmd(&["CONFIG", "SET", "hash-max-listpack-value", "8"])
        .assert_ok();
    c.cmd(&["HSET", "small", "tmp", "0"]);
    c.cmd(&["HSET", "big", "tmp", "0"]);
    assert_eq!(
        c.cmd(&["HINCRBYFLOAT", "small", "tmp", "0.000005"]),
        "0.000005"
    );
    assert_eq!(
        c.cmd(&["HINCRBYFLOAT", "big", "tmp", "0.0000005"]),
        "0.0000005"
    );
    assert_eq!(encoding(&mut c, "small"), "listpack");
    assert_eq!(encoding(&mut c, "big"), "hashtable");
    c.cmd(&["HINCRBYFLOAT", "small2", "abcdefgh", "1"]);
    c.cmd(&["HINCRBYFLOAT", "big2", "abcdefghi", "1"]);
    assert_eq!(encoding(&mut c, "small2"), "listpack");
    assert_eq!(encoding(&mut c, "big2"), "hashtable");
}

/// HRANDFIELD of `h` with `args`, as (fields, values) in reply order.
fn randfield(c: &mut Client, args: &[&str]) -> Vec<String> {
    let mut full = vec!["HRANDFIELD", "h"];
    full.extend_from_slice(args);
    strings(c, &full)
}

#[test]
fn hrandfield_cases_on_both_encodings() {
    let srv = TestServer::start();
    let mut c = srv.client();
    for (name, n) in [("listpack", 10usize), ("hashtable", 600)] {
        c.cmd(&["DEL", "h"]);
        fill(&mut c, "h", n);
        assert_eq!(encoding(&mut c, "h"), name);
        let all: HashMap<String, String> =
            (0..n).map(|i| (format!("f{i}"), format!("v{i}"))).collect();

        // No count: one field.
        let f = c.cmd(&["HRANDFIELD", "h"]).as_str().to_owned();
        assert!(all.contains_key(&f));
        // Negative count: repeats allowed, exactly |count| fields.
        let got = randfield(&mut c, &["-2000"]);
        assert_eq!(got.len(), 2000);
        assert!(got.iter().all(|f| all.contains_key(f)));
        let got = randfield(&mut c, &["-1500", "WITHVALUES"]);
        assert_eq!(got.len(), 3000);
        for pair in got.chunks(2) {
            assert_eq!(all[&pair[0]], pair[1]);
        }
        // Every field comes up sooner or later (dictGetFairRandomKey is not uniform, so give
        // the rarest field plenty of draws; the loop stops as soon as all were seen).
        let mut seen = HashSet::new();
        for _ in 0..2000 {
            seen.extend(randfield(&mut c, &["-100"]));
            if seen.len() == n {
                break;
            }
        }
        assert_eq!(seen.len(), n, "{name}");

        // Positive counts: distinct fields, every path (whole hash, copy-and-thin, pick).
        for count in [n + 5, n, n - 1, n / 2, 3, 1] {
            let got = randfield(&mut c, &[&count.to_string()]);
            assert_eq!(got.len(), count.min(n), "{name} count {count}");
            let uniq: HashSet<&String> = got.iter().collect();
            assert_eq!(uniq.len(), got.len(), "{name} count {count}: repeats");
            assert!(got.iter().all(|f| all.contains_key(f)));
            let got = randfield(&mut c, &[&count.to_string(), "withvalues"]);
            assert_eq!(got.len(), 2 * count.min(n));
            for pair in got.chunks(2) {
                assert_eq!(all[&pair[0]], pair[1]);
            }
        }
        // Picks well under a third of the hash (sampling, not thinning) eventually return
        // every field. (A hashtable's fair random pick is only roughly uniform, as Redis's.)
        let few = (n / 4).to_string();
        let mut seen = HashSet::new();
        for _ in 0..2000 {
            seen.extend(randfield(&mut c, &[&few]));
            if seen.len() == n {
                break;
            }
        }
        assert_eq!(
            seen.len(),
            n,
            "{name}: unique picks never returned some field"
        );
        assert!(randfield(&mut c, &["0"]).is_empty());
        assert!(randfield(&mut c, &["0", "WITHVALUES"]).is_empty());
    }
}

/// Pearson's chi-square statistic of `draws` against a uniform pick among `n` fields.
fn chi_square(draws: &[String], n: usize) -> f64 {
    let mut counts: HashMap<&String, usize> = HashMap::new();
    for f in draws {
        *counts.entry(f).or_default() += 1;
    }
    let expected = draws.len() as f64 / n as f64;
    let missing = n - counts.len();
    counts
        .values()
        .map(|&k| (k as f64 - expected).powi(2) / expected)
        .sum::<f64>()
        + missing as f64 * expected
}

#[test]
fn hrandfield_distribution_is_uniform() {
    let srv = TestServer::start();
    let mut c = srv.client();
    // Redis's own check: 10 fields, 1000 draws, chi-square under 40 (df = 9, p = 0.00001),
    // on both encodings (one long value makes the hashtable).
    for (name, long) in [("listpack", false), ("hashtable", true)] {
        c.cmd(&["DEL", "h"]);
        fill(&mut c, "h", 10);
        if long {
            c.cmd(&["HSET", "h", "f9", &"x".repeat(100)]);
        }
        assert_eq!(encoding(&mut c, "h"), name);
        let got = randfield(&mut c, &["-1000"]);
        assert!(chi_square(&got, 10) < 40.0, "{name}");
        // Unique picks too (the case that thins a copy, and the case that samples).
        for count in ["8", "2"] {
            let mut all = Vec::new();
            for _ in 0..100 {
                all.extend(randfield(&mut c, &[count]));
            }
            assert!(chi_square(&all, 10) < 40.0, "{name} count {count}");
        }
    }
    // A big listpack picks exactly uniformly: df = 499, so the statistic is 499 ± 32.
    c.cmd(&["DEL", "h"]);
    fill(&mut c, "h", 500);
    assert_eq!(encoding(&mut c, "h"), "listpack");
    let got = randfield(&mut c, &["-50000"]);
    assert!(chi_square(&got, 500) < 800.0);
}

#[test]
fn hrandfield_arguments_and_empty_replies() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["HSET", "h", "a", "1"]);
    assert!(c.cmd(&["HRANDFIELD", "nokey"]).is_nil());
    assert_eq!(
        c.cmd(&["HRANDFIELD", "nokey", "5"]),
        Reply::Array(Some(vec![]))
    );
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "0"]), Reply::Array(Some(vec![])));
    assert_eq!(err(&mut c, &["HRANDFIELD", "h", "x"]), NOT_INT);
    assert_eq!(
        err(&mut c, &["HRANDFIELD", "h", "-9223372036854775808"]),
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    );
    for big in ["-9223372036854770000", "4611686018427387904"] {
        assert_eq!(
            err(&mut c, &["HRANDFIELD", "h", big, "WITHVALUES"]),
            "ERR value is out of range"
        );
    }
    assert_eq!(err(&mut c, &["HRANDFIELD", "h", "1", "WITHVALUE"]), SYNTAX);
    assert_eq!(
        err(&mut c, &["HRANDFIELD", "h", "1", "WITHVALUES", "x"]),
        SYNTAX
    );
    // The count is checked before the key.
    assert_eq!(err(&mut c, &["HRANDFIELD", "nokey", "x"]), NOT_INT);
}

#[test]
fn hrandfield_and_hgetall_resp3_shapes() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["HSET", "h", "a", "1", "b", "2", "c", "3"]);
    c.cmd(&["HELLO", "3"]);
    let pairs = |r: Reply| -> Vec<Vec<String>> {
        r.into_array()
            .into_iter()
            .map(|p| p.into_strings())
            .collect()
    };
    for args in [
        &["HRANDFIELD", "h", "3", "WITHVALUES"][..],
        &["HRANDFIELD", "h", "2", "WITHVALUES"],
        &["HRANDFIELD", "h", "-5", "WITHVALUES"],
        &["HRANDFIELD", "h", "1", "WITHVALUES"],
        &["HRANDFIELD", "h", "10", "WITHVALUES"],
    ] {
        let got = pairs(c.cmd(args));
        assert!(!got.is_empty());
        for p in got {
            assert_eq!(p.len(), 2, "{args:?}");
            assert_eq!(c.cmd(&["HGET", "h", &p[0]]), p[1].as_str());
        }
    }
    // Without values: a flat array of fields.
    assert_eq!(c.cmd(&["HRANDFIELD", "h", "3"]).into_strings().len(), 3);
    match c.cmd(&["HGETALL", "h"]) {
        Reply::Map(m) => assert_eq!(m.len(), 3),
        other => panic!("HGETALL in RESP3 is a map, got {other:?}"),
    }
    assert_eq!(c.cmd(&["HGETALL", "nokey"]), Reply::Map(vec![]));
    assert_eq!(c.cmd(&["HGET", "h", "zz"]), Reply::Null);
    assert_eq!(c.cmd(&["HRANDFIELD", "nokey"]), Reply::Null);
}

/// Every (field, value) HSCAN returns for `key` with `opts`, and how many calls it took.
fn hscan_all(c: &mut Client, key: &str, opts: &[&str]) -> (Vec<(String, String)>, usize) {
    let mut cursor = "0".to_string();
    let mut out = Vec::new();
    let mut calls = 0;
    loop {
        let mut args = vec!["HSCAN", key, &cursor];
        args.extend_from_slice(opts);
        let mut reply = c.cmd(&args).into_array();
        calls += 1;
        let items = reply.pop().expect("items").into_strings();
        cursor = reply.pop().expect("cursor").as_str().to_owned();
        for pair in items.chunks(2) {
            out.push((pair[0].clone(), pair[1].clone()));
        }
        if cursor == "0" {
            return (out, calls);
        }
        assert!(calls < 10_000, "HSCAN never ends");
    }
}

#[test]
fn hscan() {
    let srv = TestServer::start();
    let mut c = srv.client();
    // A listpack comes back whole in one call, whatever COUNT says.
    fill(&mut c, "small", 50);
    let (pairs, calls) = hscan_all(&mut c, "small", &["COUNT", "1"]);
    assert_eq!(calls, 1);
    assert_eq!(pairs.len(), 50);
    assert_eq!(pairs[7], ("f7".to_string(), "v7".to_string()));
    let (pairs, _) = hscan_all(&mut c, "small", &["MATCH", "f1*"]);
    assert_eq!(
        sorted(pairs.iter().map(|p| p.0.clone()).collect()),
        sorted(
            ["f1", "f10", "f11", "f12", "f13", "f14", "f15", "f16", "f17", "f18", "f19"]
                .map(String::from)
                .to_vec()
        )
    );
    assert!(pairs.iter().all(|(f, v)| v[1..] == f[1..]));

    // A hashtable is walked with a cursor; every field at least once, values with them.
    fill(&mut c, "big", 1000);
    assert_eq!(encoding(&mut c, "big"), "hashtable");
    let (pairs, calls) = hscan_all(&mut c, "big", &["COUNT", "20"]);
    assert!(calls > 10, "{calls} calls");
    let fields: HashSet<&String> = pairs.iter().map(|p| &p.0).collect();
    assert_eq!(fields.len(), 1000);
    assert!(pairs.iter().all(|(f, v)| v[1..] == f[1..]));
    let (pairs, _) = hscan_all(&mut c, "big", &["MATCH", "f99*", "COUNT", "100"]);
    let fields: HashSet<&str> = pairs.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(
        fields,
        ["f99", "f990", "f991", "f992", "f993", "f994", "f995", "f996", "f997", "f998", "f999"]
            .into_iter()
            .collect()
    );

    // Errors: the cursor first, then the key, then the options.
    assert_eq!(err(&mut c, &["HSCAN", "big", "abc"]), "ERR invalid cursor");
    assert_eq!(
        err(&mut c, &["HSCAN", "nokey", "abc"]),
        "ERR invalid cursor"
    );
    assert_eq!(
        c.cmd(&["HSCAN", "nokey", "0", "COUNT", "0"]),
        Reply::Array(Some(vec![
            Reply::Bulk(Some(b"0".to_vec())),
            Reply::Array(Some(vec![]))
        ]))
    );
    assert_eq!(err(&mut c, &["HSCAN", "big", "0", "COUNT", "0"]), SYNTAX);
    assert_eq!(err(&mut c, &["HSCAN", "big", "0", "COUNT", "x"]), NOT_INT);
    assert_eq!(err(&mut c, &["HSCAN", "big", "0", "TYPE", "hash"]), SYNTAX);
    assert_eq!(err(&mut c, &["HSCAN", "big", "0", "MATCH"]), SYNTAX);
}

fn digest_value(c: &mut Client, key: &str) -> String {
    c.cmd(&["DEBUG", "DIGEST-VALUE", key]).as_array()[0]
        .as_str()
        .to_owned()
}

#[test]
fn digests_and_memory_match_redis() {
    let srv = TestServer::builder().enable_debug().start();
    let mut c = srv.client();
    c.cmd(&["HSET", "h", "a", "1", "b", "2", "c", "hello"]);
    // The values Redis 7.0.15 prints for the same hashes.
    assert_eq!(
        digest_value(&mut c, "h"),
        "517fc86d414ba885f05ac6ee59e0b7bf497021a2"
    );
    assert_eq!(int(&mut c, &["MEMORY", "USAGE", "h"]), 80);
    // Field order does not matter.
    c.cmd(&["HSET", "h2", "c", "hello", "b", "2", "a", "1"]);
    assert_eq!(
        digest_value(&mut c, "h2"),
        "517fc86d414ba885f05ac6ee59e0b7bf497021a2"
    );
    c.cmd(&["DEL", "h2"]);
    fill(&mut c, "big", 600);
    assert_eq!(encoding(&mut c, "big"), "hashtable");
    assert_eq!(
        digest_value(&mut c, "big"),
        "da5884fc7ba8a8dc69e963590622d30a3baf7439"
    );
    assert_eq!(
        int(&mut c, &["MEMORY", "USAGE", "big", "SAMPLES", "0"]),
        32296
    );
    c.cmd(&["SET", "a", "1"]).assert_ok();
    c.cmd(&["EXPIRE", "h", "100"]);
    assert_eq!(
        c.cmd(&["DEBUG", "DIGEST"]),
        "7b7b98f5f7c8d6cab040bfe3c0172bc6540f6665"
    );
}

#[test]
fn fuzz_against_a_model() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["CONFIG", "SET", "hash-max-listpack-entries", "32"])
        .assert_ok();
    let mut model: HashMap<String, String> = HashMap::new();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..3000 {
        let r = next();
        let field = if r % 3 == 0 {
            format!("{}", (r >> 8) as i64 % 600 - 300)
        } else {
            format!("f{}", (r >> 8) % 64)
        };
        match r % 5 {
            0..=2 => {
                let value = if r % 7 == 0 {
                    "v".repeat(((r >> 20) % 80) as usize)
                } else {
                    format!("{}", (r >> 12) % 100_000)
                };
                let added = int(&mut c, &["HSET", "h", &field, &value]);
                assert_eq!(added == 1, model.insert(field, value).is_none());
            }
            3 => {
                let removed = int(&mut c, &["HDEL", "h", &field]);
                assert_eq!(removed == 1, model.remove(&field).is_some());
            }
            _ => {
                let got = c.cmd(&["HGET", "h", &field]);
                match model.get(&field) {
                    Some(v) => assert_eq!(got, v.as_str()),
                    None => assert!(got.is_nil()),
                }
            }
        }
    }
    assert_eq!(int(&mut c, &["HLEN", "h"]), model.len() as i64);
    let got: HashMap<String, String> = c
        .cmd(&["HGETALL", "h"])
        .into_strings()
        .chunks(2)
        .map(|p| (p[0].clone(), p[1].clone()))
        .collect();
    assert_eq!(got, model);
}

#[test]
fn keyspace_events_and_watch() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEA"])
        .assert_ok();
    let mut sub = srv.client();
    sub.cmd(&["PSUBSCRIBE", "__keyevent@0__:*"]);
    let mut expect = |c: &mut Client, args: &[&str], events: &[&str]| {
        c.cmd(args);
        for e in events {
            let msg = sub.read_reply().into_strings();
            assert_eq!(
                msg[2..],
                [format!("__keyevent@0__:{e}"), "h".to_string()],
                "{args:?}"
            );
        }
    };
    expect(&mut c, &["HSET", "h", "a", "1", "b", "2"], &["hset"]);
    expect(&mut c, &["HSETNX", "h", "c", "3"], &["hset"]);
    expect(&mut c, &["HMSET", "h", "a", "5"], &["hset"]);
    expect(&mut c, &["HINCRBY", "h", "a", "1"], &["hincrby"]);
    expect(
        &mut c,
        &["HINCRBYFLOAT", "h", "a", "1.5"],
        &["hincrbyfloat"],
    );
    // No change, no event: the next event seen is the HDEL's.
    c.cmd(&["HSETNX", "h", "c", "x"]);
    c.cmd(&["HDEL", "h", "nope"]);
    c.cmd(&["HINCRBY", "h", "a", "x"]);
    expect(&mut c, &["HDEL", "h", "a"], &["hdel"]);
    expect(&mut c, &["HDEL", "h", "b", "c"], &["hdel", "del"]);

    // WATCH: a change to the hash aborts the transaction, a no-op does not.
    c.cmd(&["HSET", "w", "f", "1"]);
    let mut other = srv.client();
    c.cmd(&["WATCH", "w"]).assert_ok();
    other.cmd(&["HSETNX", "w", "f", "2"]);
    other.cmd(&["HDEL", "w", "nope"]);
    c.cmd(&["MULTI"]).assert_ok();
    c.cmd(&["HGET", "w", "f"]);
    assert_eq!(c.cmd(&["EXEC"]).into_strings(), ["1"]);
    c.cmd(&["WATCH", "w"]).assert_ok();
    other.cmd(&["HINCRBY", "w", "f", "1"]);
    c.cmd(&["MULTI"]).assert_ok();
    c.cmd(&["HGET", "w", "f"]);
    assert!(c.cmd(&["EXEC"]).is_nil());
}
