//! String and bitmap commands as a client sees them: GET/SET and every SET
//! option, GETSET, GETDEL, GETEX, MGET, MSET, MSETNX, SETNX, SETEX, PSETEX,
//! APPEND, STRLEN, the counters, INCRBYFLOAT, GETRANGE/SUBSTR, SETRANGE,
//! SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO, LCS.
//!
//! Each test starts the real server binary and speaks RESP to it; the
//! expected replies are Redis 7.0.15's (run with
//! `RUDIS_TEST_SERVER_BIN=/usr/bin/redis-server` to check them against
//! Redis itself).

mod common;

use common::{Client, Reply, TestServer};

fn ok(c: &mut Client, args: &[&str]) {
    c.cmd(args).assert_ok();
}

fn int(c: &mut Client, args: &[&str]) -> i64 {
    c.cmd(args).as_int()
}

fn err(c: &mut Client, args: &[&str]) -> String {
    c.cmd(args).as_err().to_owned()
}

fn bulk(c: &mut Client, args: &[&str]) -> String {
    c.cmd(args).as_str().to_owned()
}

fn encoding(c: &mut Client, key: &str) -> String {
    bulk(c, &["OBJECT", "ENCODING", key])
}

const NOT_INT: &str = "ERR value is not an integer or out of range";
const SYNTAX: &str = "ERR syntax error";

#[test]
fn set_and_get_are_binary_safe() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let value: Vec<u8> = (0..=255u8).chain(b"\r\n\0\r\n".iter().copied()).collect();
    c.cmd_bytes(&[b"SET", b"k\0\r\nkey", &value]).assert_ok();
    assert_eq!(c.cmd_bytes(&[b"GET", b"k\0\r\nkey"]).as_bytes(), &value[..]);
    assert_eq!(
        c.cmd_bytes(&[b"STRLEN", b"k\0\r\nkey"]).as_int(),
        value.len() as i64
    );
    ok(&mut c, &["SET", "empty", ""]);
    assert_eq!(c.cmd(&["GET", "empty"]), "");
    assert!(c.cmd(&["GET", "nokey"]).is_nil());
    assert_eq!(
        err(&mut c, &["GET", "a", "b"]),
        "ERR wrong number of arguments for 'get' command"
    );
}

#[test]
fn set_conditions_and_get_option() {
    let srv = TestServer::start();
    let mut c = srv.client();
    ok(&mut c, &["SET", "k", "1", "NX"]);
    assert!(c.cmd(&["SET", "k", "2", "NX"]).is_nil());
    assert!(c.cmd(&["SET", "other", "2", "XX"]).is_nil());
    assert_eq!(int(&mut c, &["EXISTS", "other"]), 0);
    ok(&mut c, &["SET", "k", "3", "xx"]);
    assert_eq!(c.cmd(&["SET", "k", "4", "GET"]), "3");
    assert!(c.cmd(&["SET", "fresh", "v", "GET"]).is_nil());
    assert_eq!(c.cmd(&["GET", "fresh"]), "v");
    // GET with NX/XX answers the old value whether or not it set.
    assert_eq!(c.cmd(&["SET", "k", "5", "NX", "GET"]), "4");
    assert_eq!(c.cmd(&["GET", "k"]), "4");
    assert!(c.cmd(&["SET", "nope", "5", "XX", "GET"]).is_nil());
    assert_eq!(int(&mut c, &["EXISTS", "nope"]), 0);
    assert_eq!(c.cmd(&["SET", "k", "6", "GET", "GET", "XX"]), "4");
    assert_eq!(c.cmd(&["GET", "k"]), "6");

    for bad in [
        &["SET", "k", "v", "NX", "XX"][..],
        &["SET", "k", "v", "XX", "NX"],
        &["SET", "k", "v", "bogus"],
        &["SET", "k", "v", "EX"],
        &["SET", "k", "v", "EX", "10", "PX", "10"],
        &["SET", "k", "v", "PX", "10", "EXAT", "10"],
        &["SET", "k", "v", "KEEPTTL", "EX", "10"],
        &["SET", "k", "v", "EX", "10", "KEEPTTL"],
        &["SET", "k", "v", "PERSIST"],
    ] {
        assert_eq!(err(&mut c, bad), SYNTAX, "{bad:?}");
    }
    assert_eq!(c.cmd(&["GET", "k"]), "6", "failed SETs change nothing");
}

#[test]
fn set_expiry_options() {
    let srv = TestServer::start();
    let mut c = srv.client();
    ok(&mut c, &["SET", "k", "v", "EX", "100"]);
    let ttl = int(&mut c, &["PTTL", "k"]);
    assert!(ttl > 99_000 && ttl <= 100_000, "{ttl}");
    ok(&mut c, &["SET", "k", "v", "PX", "50000"]);
    let ttl = int(&mut c, &["PTTL", "k"]);
    assert!(ttl > 49_000 && ttl <= 50_000, "{ttl}");
    let now_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    ok(
        &mut c,
        &["SET", "k", "v", "EXAT", &(now_s + 200).to_string()],
    );
    let ttl = int(&mut c, &["TTL", "k"]);
    assert!((198..=200).contains(&ttl), "{ttl}");
    ok(
        &mut c,
        &["SET", "k", "v", "PXAT", &((now_s + 300) * 1000).to_string()],
    );
    let ttl = int(&mut c, &["TTL", "k"]);
    assert!((298..=300).contains(&ttl), "{ttl}");
    ok(&mut c, &["SET", "k", "w", "KEEPTTL"]);
    assert!(int(&mut c, &["TTL", "k"]) > 290);
    ok(&mut c, &["SET", "k", "x"]);
    assert_eq!(int(&mut c, &["TTL", "k"]), -1, "a plain SET clears the TTL");
    // A deadline already past: the key is set and then gone.
    ok(&mut c, &["SET", "k", "v", "PXAT", "1"]);
    assert!(c.cmd(&["GET", "k"]).is_nil());

    for (args, name) in [
        (&["SET", "k", "v", "EX", "0"][..], "set"),
        (&["SET", "k", "v", "PX", "-1"], "set"),
        (&["SET", "k", "v", "EXAT", "0"], "set"),
        (&["SET", "k", "v", "EX", "9223372036854775"], "set"),
        (&["SET", "k", "v", "PX", "9223372036854775807"], "set"),
        (&["SETEX", "k", "0", "v"], "setex"),
        (&["PSETEX", "k", "-5", "v"], "psetex"),
    ] {
        assert_eq!(
            err(&mut c, args),
            format!("ERR invalid expire time in '{name}' command"),
            "{args:?}"
        );
    }
    assert_eq!(err(&mut c, &["SET", "k", "v", "EX", "1.5"]), NOT_INT);
    assert_eq!(err(&mut c, &["SETEX", "k", "ten", "v"]), NOT_INT);
}

#[test]
fn setnx_setex_psetex() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(int(&mut c, &["SETNX", "k", "a"]), 1);
    assert_eq!(int(&mut c, &["SETNX", "k", "b"]), 0);
    assert_eq!(c.cmd(&["GET", "k"]), "a");
    ok(&mut c, &["SETEX", "k", "100", "b"]);
    assert_eq!(c.cmd(&["GET", "k"]), "b");
    assert!((99..=100).contains(&int(&mut c, &["TTL", "k"])));
    ok(&mut c, &["PSETEX", "k", "100000", "c"]);
    assert_eq!(c.cmd(&["GET", "k"]), "c");
    let ttl = int(&mut c, &["PTTL", "k"]);
    assert!(ttl > 99_000 && ttl <= 100_000);
    assert_eq!(
        err(&mut c, &["SETEX", "k", "10"]),
        "ERR wrong number of arguments for 'setex' command"
    );
}

#[test]
fn getset_getdel_getex() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert!(c.cmd(&["GETSET", "k", "1"]).is_nil());
    ok(&mut c, &["SET", "k", "1", "EX", "100"]);
    assert_eq!(c.cmd(&["GETSET", "k", "2"]), "1");
    assert_eq!(int(&mut c, &["TTL", "k"]), -1, "GETSET clears the TTL");

    assert_eq!(c.cmd(&["GETDEL", "k"]), "2");
    assert!(c.cmd(&["GETDEL", "k"]).is_nil());
    assert_eq!(int(&mut c, &["EXISTS", "k"]), 0);

    ok(&mut c, &["SET", "k", "v"]);
    assert_eq!(c.cmd(&["GETEX", "k"]), "v");
    assert_eq!(int(&mut c, &["TTL", "k"]), -1);
    assert_eq!(c.cmd(&["GETEX", "k", "EX", "100"]), "v");
    assert!((99..=100).contains(&int(&mut c, &["TTL", "k"])));
    assert_eq!(c.cmd(&["GETEX", "k", "PX", "200000"]), "v");
    assert!((199..=200).contains(&int(&mut c, &["TTL", "k"])));
    assert_eq!(c.cmd(&["GETEX", "k", "EXAT", "99999999999"]), "v");
    assert!(int(&mut c, &["TTL", "k"]) > 1_000_000);
    assert_eq!(c.cmd(&["GETEX", "k", "PERSIST"]), "v");
    assert_eq!(int(&mut c, &["TTL", "k"]), -1);
    assert_eq!(c.cmd(&["GETEX", "k", "PXAT", "1"]), "v");
    assert_eq!(int(&mut c, &["EXISTS", "k"]), 0, "a past PXAT deletes");
    assert!(c.cmd(&["GETEX", "k", "EX", "10"]).is_nil());

    ok(&mut c, &["SET", "k", "v"]);
    assert_eq!(err(&mut c, &["GETEX", "k", "EX", "10", "PX", "10"]), SYNTAX);
    assert_eq!(err(&mut c, &["GETEX", "k", "PERSIST", "EX", "10"]), SYNTAX);
    assert_eq!(err(&mut c, &["GETEX", "k", "KEEPTTL"]), SYNTAX);
    assert_eq!(err(&mut c, &["GETEX", "k", "NX"]), SYNTAX);
    assert_eq!(err(&mut c, &["GETEX", "k", "EX"]), SYNTAX);
    assert_eq!(
        err(&mut c, &["GETEX", "k", "EX", "0"]),
        "ERR invalid expire time in 'getex' command"
    );
    assert_eq!(err(&mut c, &["GETEX", "k", "EX", "x"]), NOT_INT);
    // The key is looked up before the time is checked.
    assert!(c.cmd(&["GETEX", "nokey", "EX", "x"]).is_nil());
    assert_eq!(
        err(&mut c, &["GETEX"]),
        "ERR wrong number of arguments for 'getex' command"
    );
}

#[test]
fn mget_mset_msetnx() {
    let srv = TestServer::start();
    let mut c = srv.client();
    ok(&mut c, &["MSET", "a", "1", "b", "2", "a", "3"]);
    assert_eq!(
        c.cmd(&["MGET", "a", "b", "nokey"]).into_opt_strings(),
        [Some("3".to_owned()), Some("2".to_owned()), None]
    );
    assert_eq!(
        err(&mut c, &["MSET", "a", "1", "b"]),
        "ERR wrong number of arguments for 'mset' command"
    );
    assert_eq!(
        err(&mut c, &["MSETNX", "x", "1", "y"]),
        "ERR wrong number of arguments for 'msetnx' command"
    );
    assert_eq!(int(&mut c, &["MSETNX", "x", "1", "a", "2"]), 0);
    assert_eq!(
        int(&mut c, &["EXISTS", "x"]),
        0,
        "MSETNX sets all or nothing"
    );
    assert_eq!(int(&mut c, &["MSETNX", "x", "1", "y", "2", "x", "3"]), 1);
    assert_eq!(c.cmd(&["GET", "x"]), "3");
    ok(&mut c, &["SET", "t", "v", "EX", "100"]);
    ok(&mut c, &["MSET", "t", "w"]);
    assert_eq!(int(&mut c, &["TTL", "t"]), -1, "MSET clears the TTL");
}

#[test]
fn append_strlen_and_encodings() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(int(&mut c, &["STRLEN", "k"]), 0);
    assert_eq!(int(&mut c, &["APPEND", "k", "12"]), 2);
    assert_eq!(encoding(&mut c, "k"), "int");
    assert_eq!(int(&mut c, &["APPEND", "k", "34"]), 4);
    assert_eq!(encoding(&mut c, "k"), "raw");
    assert_eq!(c.cmd(&["GET", "k"]), "1234");
    assert_eq!(int(&mut c, &["STRLEN", "k"]), 4);
    ok(&mut c, &["SET", "n", "-9223372036854775808"]);
    assert_eq!(encoding(&mut c, "n"), "int");
    assert_eq!(int(&mut c, &["STRLEN", "n"]), 20);
    ok(&mut c, &["SET", "s", &"x".repeat(44)]);
    assert_eq!(encoding(&mut c, "s"), "embstr");
    ok(&mut c, &["SET", "s", &"x".repeat(45)]);
    assert_eq!(encoding(&mut c, "s"), "raw");
    ok(&mut c, &["SET", "s", "007"]);
    assert_eq!(encoding(&mut c, "s"), "embstr");
    ok(&mut c, &["SET", "t", "v", "EX", "100"]);
    assert_eq!(int(&mut c, &["APPEND", "t", "w"]), 2);
    assert!(int(&mut c, &["TTL", "t"]) > 0, "APPEND keeps the TTL");
}

#[test]
fn incr_decr_family() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(int(&mut c, &["INCR", "n"]), 1);
    assert_eq!(int(&mut c, &["INCRBY", "n", "17179869184"]), 17179869185);
    assert_eq!(int(&mut c, &["DECR", "n"]), 17179869184);
    assert_eq!(int(&mut c, &["DECRBY", "n", "17179869185"]), -1);
    assert_eq!(encoding(&mut c, "n"), "int");
    ok(&mut c, &["SET", "n", "9223372036854775806"]);
    assert_eq!(int(&mut c, &["INCR", "n"]), i64::MAX);
    assert_eq!(
        err(&mut c, &["INCR", "n"]),
        "ERR increment or decrement would overflow"
    );
    ok(&mut c, &["SET", "n", "-9223372036854775808"]);
    assert_eq!(
        err(&mut c, &["DECR", "n"]),
        "ERR increment or decrement would overflow"
    );
    assert_eq!(
        err(&mut c, &["DECRBY", "x", "-9223372036854775808"]),
        "ERR decrement would overflow"
    );
    for v in [" 11", "11 ", " 11 ", "1.5", "+1", "01", "", "abc"] {
        ok(&mut c, &["SET", "bad", v]);
        assert_eq!(err(&mut c, &["INCR", "bad"]), NOT_INT, "{v:?}");
    }
    assert_eq!(err(&mut c, &["INCRBY", "n", "1.5"]), NOT_INT);
    assert_eq!(err(&mut c, &["DECRBY", "n", "x"]), NOT_INT);
    // Values made by APPEND are raw but still count.
    ok(&mut c, &["SET", "a", "1"]);
    c.cmd(&["APPEND", "a", "0"]);
    assert_eq!(int(&mut c, &["INCR", "a"]), 11);
    assert_eq!(encoding(&mut c, "a"), "int");
    ok(&mut c, &["SET", "t", "5", "EX", "100"]);
    assert_eq!(int(&mut c, &["INCR", "t"]), 6);
    assert!(int(&mut c, &["TTL", "t"]) > 0, "INCR keeps the TTL");
}

#[test]
fn incrbyfloat_prints_like_redis() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "1"]), "1");
    assert_eq!(encoding(&mut c, "f"), "embstr");
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "0.25"]), "1.25");
    ok(&mut c, &["SET", "f", "10.50"]);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "0.1"]), "10.6");
    assert_eq!(
        c.cmd(&["INCRBYFLOAT", "f", "-5.0e3"]),
        "-4989.39999999999999991"
    );
    ok(&mut c, &["SET", "f", "1"]);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "-1.1"]), "-0.1");
    ok(&mut c, &["SET", "f", "17179869184"]);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "1.5"]), "17179869185.5");
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "0x10"]), "17179869201.5");
    ok(&mut c, &["SET", "f", "5.0e3"]);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "f", "2.0e2"]), "5200");
    c.cmd(&["DEL", "z"]);
    c.cmd(&["INCRBYFLOAT", "z", "0.024390243902439025"]);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "z", "-0.024390243902439025"]), "0");
    assert_eq!(c.cmd(&["GET", "z"]), "0", "no negative zero");

    ok(&mut c, &["SET", "f", "0"]);
    assert_eq!(
        err(&mut c, &["INCRBYFLOAT", "f", "+inf"]),
        "ERR increment would produce NaN or Infinity"
    );
    for v in [" 11", "11 ", "1\x002", "nan", "abc", ""] {
        ok(&mut c, &["SET", "bad", v]);
        assert_eq!(
            err(&mut c, &["INCRBYFLOAT", "bad", "1"]),
            "ERR value is not a valid float",
            "{v:?}"
        );
    }
    assert_eq!(
        err(&mut c, &["INCRBYFLOAT", "f", "1e"]),
        "ERR value is not a valid float"
    );
    ok(&mut c, &["SET", "t", "1", "EX", "100"]);
    assert_eq!(c.cmd(&["INCRBYFLOAT", "t", "1"]), "2");
    assert!(int(&mut c, &["TTL", "t"]) > 0, "INCRBYFLOAT keeps the TTL");
}

#[test]
fn getrange_and_substr() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(c.cmd(&["GETRANGE", "nokey", "0", "-1"]), "");
    ok(&mut c, &["SET", "s", "Hello World"]);
    for (start, end, want) in [
        ("0", "3", "Hell"),
        ("0", "-1", "Hello World"),
        ("-4", "-1", "orld"),
        ("5", "3", ""),
        ("5", "5000", " World"),
        ("-5000", "10000", "Hello World"),
        ("-1", "-2", ""),
        ("0", "4294967297", "Hello World"),
    ] {
        assert_eq!(c.cmd(&["GETRANGE", "s", start, end]), want, "{start} {end}");
    }
    assert_eq!(c.cmd(&["SUBSTR", "s", "6", "-1"]), "World");
    ok(&mut c, &["SET", "n", "1234"]);
    assert_eq!(c.cmd(&["GETRANGE", "n", "1", "2"]), "23");
    assert_eq!(err(&mut c, &["GETRANGE", "s", "a", "1"]), NOT_INT);
    assert_eq!(err(&mut c, &["GETRANGE", "nokey", "0", "b"]), NOT_INT);
}

#[test]
fn setrange_pads_and_limits() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(int(&mut c, &["SETRANGE", "k", "0", ""]), 0);
    assert_eq!(
        int(&mut c, &["EXISTS", "k"]),
        0,
        "an empty write creates nothing"
    );
    assert_eq!(int(&mut c, &["SETRANGE", "k", "3", "foo"]), 6);
    assert_eq!(c.cmd(&["GET", "k"]), "\0\0\0foo");
    assert_eq!(encoding(&mut c, "k"), "raw");
    ok(&mut c, &["SET", "k", "Hello World"]);
    assert_eq!(int(&mut c, &["SETRANGE", "k", "6", "Redis"]), 11);
    assert_eq!(c.cmd(&["GET", "k"]), "Hello Redis");
    ok(&mut c, &["SET", "n", "1234"]);
    assert_eq!(int(&mut c, &["SETRANGE", "n", "0", ""]), 4);
    assert_eq!(encoding(&mut c, "n"), "int");
    assert_eq!(int(&mut c, &["SETRANGE", "n", "1", "3"]), 4);
    assert_eq!(encoding(&mut c, "n"), "raw");
    assert_eq!(c.cmd(&["GET", "n"]), "1334");
    assert_eq!(
        err(&mut c, &["SETRANGE", "k", "-1", "x"]),
        "ERR offset is out of range"
    );
    assert_eq!(err(&mut c, &["SETRANGE", "k", "x", "x"]), NOT_INT);
    let too_big = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    for offset in ["536870911", "9223372036854775807"] {
        assert_eq!(err(&mut c, &["SETRANGE", "k", offset, "xx"]), too_big);
    }
    ok(&mut c, &["CONFIG", "SET", "proto-max-bulk-len", "1048576"]);
    assert_eq!(err(&mut c, &["SETRANGE", "k", "1048576", "x"]), too_big);
    assert_eq!(int(&mut c, &["SETRANGE", "k", "1048575", "x"]), 1048576);
    assert_eq!(err(&mut c, &["APPEND", "k", "x"]), too_big);
}

#[test]
fn setbit_getbit() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(int(&mut c, &["SETBIT", "b", "1", "1"]), 0);
    assert_eq!(int(&mut c, &["SETBIT", "b", "1", "1"]), 1);
    assert_eq!(int(&mut c, &["SETBIT", "b", "7", "1"]), 0);
    assert_eq!(c.cmd(&["GET", "b"]), "A");
    assert_eq!(encoding(&mut c, "b"), "raw");
    assert_eq!(int(&mut c, &["SETBIT", "b", "23", "1"]), 0);
    assert_eq!(c.cmd(&["GET", "b"]).as_bytes(), b"A\0\x01");
    assert_eq!(int(&mut c, &["GETBIT", "b", "7"]), 1);
    assert_eq!(int(&mut c, &["GETBIT", "b", "6"]), 0);
    assert_eq!(int(&mut c, &["GETBIT", "b", "1000"]), 0);
    assert_eq!(int(&mut c, &["GETBIT", "nokey", "0"]), 0);
    ok(&mut c, &["SET", "n", "1"]);
    assert_eq!(int(&mut c, &["GETBIT", "n", "7"]), 1, "'1' is 0x31");
    assert_eq!(int(&mut c, &["SETBIT", "n", "6", "1"]), 0);
    assert_eq!(c.cmd(&["GET", "n"]), "3");
    let offset_err = "ERR bit offset is not an integer or out of range";
    for off in ["-1", "4294967296", "x", "1.5"] {
        assert_eq!(err(&mut c, &["SETBIT", "b", off, "1"]), offset_err, "{off}");
        assert_eq!(err(&mut c, &["GETBIT", "b", off]), offset_err, "{off}");
    }
    for v in ["2", "-1", "x", ""] {
        assert_eq!(
            err(&mut c, &["SETBIT", "b", "0", v]),
            "ERR bit is not an integer or out of range"
        );
    }
}

#[test]
fn bitcount_and_bitpos() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(int(&mut c, &["BITCOUNT", "nokey"]), 0);
    assert_eq!(
        int(&mut c, &["BITCOUNT", "nokey", "junk"]),
        0,
        "7.0: no key, no parsing"
    );
    ok(&mut c, &["SET", "s", "foobar"]);
    assert_eq!(int(&mut c, &["BITCOUNT", "s"]), 26);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "0", "0"]), 4);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "1", "1"]), 6);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "1", "1", "BYTE"]), 6);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "5", "30", "BIT"]), 17);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "-1", "-2"]), 0);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "-1", "-2", "junk"]), 0);
    assert_eq!(err(&mut c, &["BITCOUNT", "s", "0"]), SYNTAX);
    assert_eq!(err(&mut c, &["BITCOUNT", "s", "0", "1", "junk"]), SYNTAX);
    assert_eq!(
        err(&mut c, &["BITCOUNT", "s", "0", "1", "BIT", "x"]),
        SYNTAX
    );
    assert_eq!(err(&mut c, &["BITCOUNT", "s", "a", "1"]), NOT_INT);

    c.cmd_bytes(&[b"SET", b"p", b"\xff\xf0\x00"]).assert_ok();
    assert_eq!(int(&mut c, &["BITPOS", "p", "0"]), 12);
    assert_eq!(int(&mut c, &["BITPOS", "p", "1", "2"]), -1);
    c.cmd_bytes(&[b"SET", b"p", b"\x00\xff\xf0"]).assert_ok();
    assert_eq!(int(&mut c, &["BITPOS", "p", "1", "0"]), 8);
    assert_eq!(int(&mut c, &["BITPOS", "p", "1", "2"]), 16);
    assert_eq!(int(&mut c, &["BITPOS", "p", "1", "2", "-1", "BYTE"]), 16);
    assert_eq!(int(&mut c, &["BITPOS", "p", "1", "7", "15", "BIT"]), 8);
    assert_eq!(int(&mut c, &["BITPOS", "p", "1", "7", "-3", "bit"]), 8);
    c.cmd_bytes(&[b"SET", b"ones", b"\xff\xff\xff"]).assert_ok();
    assert_eq!(
        int(&mut c, &["BITPOS", "ones", "0"]),
        24,
        "no end: zero padding"
    );
    assert_eq!(int(&mut c, &["BITPOS", "ones", "0", "0", "-1"]), -1);
    assert_eq!(int(&mut c, &["BITPOS", "nokey", "0"]), 0);
    assert_eq!(int(&mut c, &["BITPOS", "nokey", "1"]), -1);
    ok(&mut c, &["SET", "e", ""]);
    assert_eq!(int(&mut c, &["BITPOS", "e", "0"]), -1);
    assert_eq!(
        err(&mut c, &["BITPOS", "p", "2"]),
        "ERR The bit argument must be 1 or 0."
    );
    assert_eq!(err(&mut c, &["BITPOS", "p", "x"]), NOT_INT);
    assert_eq!(err(&mut c, &["BITPOS", "p", "1", "0", "1", "junk"]), SYNTAX);
    assert_eq!(
        err(&mut c, &["BITPOS", "p", "1", "0", "1", "BIT", "x"]),
        SYNTAX
    );
}

#[test]
fn bitop_operations() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_bytes(&[b"SET", b"a", b"\xff\x0f\xaa"]).assert_ok();
    c.cmd_bytes(&[b"SET", b"b", b"\x0f\xff"]).assert_ok();
    for (op, want) in [
        ("AND", &b"\x0f\x0f\x00"[..]),
        ("OR", b"\xff\xff\xaa"),
        ("XOR", b"\xf0\xf0\xaa"),
    ] {
        assert_eq!(int(&mut c, &["BITOP", op, "d", "a", "b"]), 3);
        assert_eq!(c.cmd(&["GET", "d"]).as_bytes(), want, "{op}");
    }
    assert_eq!(int(&mut c, &["BITOP", "not", "d", "b"]), 2);
    assert_eq!(c.cmd(&["GET", "d"]).as_bytes(), b"\xf0\x00");
    assert_eq!(encoding(&mut c, "d"), "raw");
    assert_eq!(int(&mut c, &["BITOP", "AND", "d", "a", "nokey"]), 3);
    assert_eq!(c.cmd(&["GET", "d"]).as_bytes(), b"\0\0\0");
    assert_eq!(
        int(&mut c, &["BITOP", "OR", "a", "a", "b"]),
        3,
        "dest = source"
    );
    assert_eq!(c.cmd(&["GET", "a"]).as_bytes(), b"\xff\xff\xaa");
    ok(&mut c, &["SET", "n", "1"]);
    assert_eq!(int(&mut c, &["BITOP", "XOR", "d", "n", "n"]), 1);
    assert_eq!(c.cmd(&["GET", "d"]).as_bytes(), b"\0");
    ok(&mut c, &["SET", "t", "v", "EX", "100"]);
    assert_eq!(int(&mut c, &["BITOP", "OR", "t", "nokey"]), 0);
    assert_eq!(int(&mut c, &["EXISTS", "t"]), 0, "an empty result deletes");
    assert_eq!(
        err(&mut c, &["BITOP", "NOT", "d", "a", "b"]),
        "ERR BITOP NOT must be called with a single source key."
    );
    assert_eq!(err(&mut c, &["BITOP", "NAND", "d", "a"]), SYNTAX);
    assert_eq!(
        err(&mut c, &["BITOP", "AND", "d"]),
        "ERR wrong number of arguments for 'bitop' command"
    );
}

#[test]
fn bitfield_and_bitfield_ro() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let ints = |r: Reply| -> Vec<Option<i64>> {
        r.into_array()
            .into_iter()
            .map(|x| (!x.is_nil()).then(|| x.as_int()))
            .collect()
    };
    assert_eq!(
        ints(c.cmd(&["BITFIELD", "k", "INCRBY", "i5", "100", "1", "GET", "u4", "0"])),
        [Some(1), Some(0)]
    );
    assert_eq!(
        ints(c.cmd(&["BITFIELD", "k", "SET", "i8", "#0", "100", "SET", "i8", "#1", "200"])),
        [Some(0), Some(0)]
    );
    assert_eq!(
        ints(c.cmd(&["BITFIELD", "k", "GET", "i8", "#0", "GET", "i8", "#1", "GET", "u8", "8"])),
        [Some(100), Some(-56), Some(200)]
    );
    for (mode, want) in [
        ("WRAP", [Some(-128), Some(-127)]),
        ("SAT", [Some(127), Some(127)]),
        ("FAIL", [None, None]),
    ] {
        ok(&mut c, &["SET", "o", "\x7f"]);
        let r = c.cmd(&[
            "BITFIELD", "o", "OVERFLOW", mode, "INCRBY", "i8", "0", "1", "INCRBY", "i8", "0", "1",
        ]);
        assert_eq!(ints(r), want, "{mode}");
    }
    ok(&mut c, &["SET", "u", "\x01"]);
    assert_eq!(
        ints(c.cmd(&["BITFIELD", "u", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "-5"])),
        [Some(0)]
    );
    assert_eq!(
        ints(c.cmd(&["BITFIELD", "u", "SET", "u2", "0", "7", "GET", "u2", "0"])),
        [Some(0), Some(3)],
        "WRAP keeps the low bits"
    );
    assert_eq!(
        ints(c.cmd(&["BITFIELD", "big", "SET", "i64", "0", "-1", "GET", "u63", "1"])),
        [Some(0), Some(i64::MAX)]
    );
    assert_eq!(c.cmd(&["BITFIELD", "nokey"]).as_array().len(), 0);
    assert_eq!(
        ints(c.cmd(&["BITFIELD_RO", "k", "GET", "i8", "#0"])),
        [Some(100)]
    );
    assert_eq!(
        err(&mut c, &["BITFIELD_RO", "k", "SET", "i8", "0", "1"]),
        "ERR BITFIELD_RO only supports the GET subcommand"
    );
    let type_err = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
    for t in ["u64", "i65", "i0", "x8", "I8", ""] {
        assert_eq!(
            err(&mut c, &["BITFIELD", "k", "GET", t, "0"]),
            type_err,
            "{t}"
        );
    }
    assert_eq!(
        err(&mut c, &["BITFIELD", "k", "GET", "i8", "-1"]),
        "ERR bit offset is not an integer or out of range"
    );
    assert_eq!(
        err(&mut c, &["BITFIELD", "k", "OVERFLOW", "MAYBE"]),
        "ERR Invalid OVERFLOW type specified"
    );
    assert_eq!(err(&mut c, &["BITFIELD", "k", "GET", "i8"]), SYNTAX);
    assert_eq!(err(&mut c, &["BITFIELD", "k", "FOO"]), SYNTAX);
    assert_eq!(
        err(&mut c, &["BITFIELD", "k", "SET", "i8", "0", "x"]),
        NOT_INT
    );
    // A bad operation anywhere means nothing at all is done.
    assert_eq!(
        err(
            &mut c,
            &["BITFIELD", "new", "SET", "i8", "0", "1", "GET", "u64", "0"]
        ),
        type_err
    );
    assert_eq!(int(&mut c, &["EXISTS", "new"]), 0);
}

#[test]
fn lcs_modes() {
    let srv = TestServer::start();
    let mut c = srv.client();
    ok(&mut c, &["MSET", "a", "ohmytext", "b", "mynewtext"]);
    assert_eq!(c.cmd(&["LCS", "a", "b"]), "mytext");
    assert_eq!(int(&mut c, &["LCS", "a", "b", "LEN"]), 6);
    assert_eq!(c.cmd(&["LCS", "a", "nokey"]), "");
    let r = c.cmd(&["LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"]);
    let matches = r.get("matches").expect("matches").clone();
    let m = matches.as_array();
    assert_eq!(m.len(), 1);
    let first = m[0].as_array();
    assert_eq!(first[0].as_array()[0].as_int(), 4);
    assert_eq!(first[0].as_array()[1].as_int(), 7);
    assert_eq!(first[1].as_array()[0].as_int(), 5);
    assert_eq!(first[1].as_array()[1].as_int(), 8);
    assert_eq!(first[2].as_int(), 4);
    assert_eq!(r.get("len").expect("len").as_int(), 6);
    let all = c.cmd(&["LCS", "a", "b", "IDX"]);
    assert_eq!(all.get("matches").expect("matches").as_array().len(), 2);

    // RESP3: a real map.
    c.cmd(&["HELLO", "3"]);
    let r = c.cmd(&["LCS", "a", "b", "IDX"]);
    assert!(matches!(r, Reply::Map(_)), "{r:?}");

    assert_eq!(
        err(&mut c, &["LCS", "a", "b", "LEN", "IDX"]),
        "ERR If you want both the length and indexes, please just use IDX."
    );
    assert_eq!(err(&mut c, &["LCS", "a", "b", "MINMATCHLEN"]), SYNTAX);
    assert_eq!(err(&mut c, &["LCS", "a", "b", "MINMATCHLEN", "x"]), NOT_INT);
    assert_eq!(err(&mut c, &["LCS", "a", "b", "junk"]), SYNTAX);
}

#[test]
fn hundred_megabyte_value_round_trip() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.set_timeout(std::time::Duration::from_secs(60));
    const LEN: usize = 100 * 1024 * 1024;
    let value: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();
    // One write carrying SET, STRLEN and GET: the server reads the big
    // argument straight into its query buffer.
    let mut req = Vec::with_capacity(LEN + 128);
    req.extend_from_slice(format!("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n${LEN}\r\n").as_bytes());
    req.extend_from_slice(&value);
    req.extend_from_slice(
        b"\r\n*2\r\n$6\r\nSTRLEN\r\n$3\r\nbig\r\n*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n",
    );
    let writer = {
        let mut stream = c.stream().try_clone().expect("clone socket");
        std::thread::spawn(move || {
            use std::io::Write;
            stream.write_all(&req).expect("write request");
        })
    };
    c.read_reply().assert_ok();
    assert_eq!(c.read_reply().as_int(), LEN as i64);
    let got = c.read_reply();
    writer.join().expect("writer");
    assert!(
        got.as_bytes() == &value[..],
        "the 100 MB value came back changed"
    );
    assert_eq!(encoding(&mut c, "big"), "raw");
}
