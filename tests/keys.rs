//! Generic key commands as a client sees them: DEL, UNLINK, EXISTS, TYPE,
//! KEYS, SCAN, RANDOMKEY, RENAME, RENAMENX, MOVE, COPY, TOUCH, OBJECT,
//! DBSIZE, FLUSHDB, FLUSHALL. Each test starts the real server binary and
//! speaks RESP to it.
//! `RUDIS_TEST_SERVER_BIN=/usr/bin/redis-server` runs the same assertions
//! against real Redis, to check the tests themselves. (Expiry has its own file, tests/expire.rs.)

mod common;

use common::{Client, Reply, TestServer};

fn ok() -> Reply {
    Reply::Status("OK".into())
}

fn err(msg: &str) -> Reply {
    Reply::Error(msg.into())
}

fn bulk(s: &str) -> Reply {
    Reply::Bulk(Some(s.as_bytes().to_vec()))
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn del_and_unlink_count_the_keys_they_removed() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set a 1");
    c.cmd_line("set b 2");
    c.cmd_line("set c 3");
    assert_eq!(c.cmd_line("del a b nope a").as_int(), 2);
    assert_eq!(c.cmd_line("get a"), Reply::Bulk(None));
    assert_eq!(c.cmd_line("unlink c b nope").as_int(), 1);
    assert_eq!(c.cmd_line("dbsize").as_int(), 0);
    assert_eq!(
        c.cmd_line("del"),
        err("ERR wrong number of arguments for 'del' command")
    );
    assert_eq!(
        c.cmd_line("unlink"),
        err("ERR wrong number of arguments for 'unlink' command")
    );
}

#[test]
fn exists_counts_every_argument_including_repeats() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set k v");
    assert_eq!(c.cmd_line("exists k").as_int(), 1);
    assert_eq!(c.cmd_line("exists k k nope k").as_int(), 3);
    assert_eq!(c.cmd_line("exists nope").as_int(), 0);
    c.cmd_bytes(&[b"set", b"", b""]);
    assert_eq!(c.cmd_bytes(&[b"exists", b""]).as_int(), 1);
}

#[test]
fn type_reports_string_or_none() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set s 12");
    assert_eq!(c.cmd_line("type s"), Reply::Status("string".into()));
    assert_eq!(c.cmd_line("type nope"), Reply::Status("none".into()));
}

#[test]
fn keys_matches_globs() {
    let srv = TestServer::start();
    let mut c = srv.client();
    for k in ["key_x", "key_y", "key_z", "foo_a", "foo_b", "foo_c", "f[o]"] {
        c.cmd_line(&format!("set {k} hello"));
    }
    assert_eq!(
        sorted(c.cmd_line("keys foo*").into_strings()),
        ["foo_a", "foo_b", "foo_c"]
    );
    assert_eq!(
        sorted(c.cmd_line("keys key_?").into_strings()),
        ["key_x", "key_y", "key_z"]
    );
    assert_eq!(
        sorted(c.cmd_line("keys *_[ab]").into_strings()),
        ["foo_a", "foo_b"]
    );
    assert_eq!(
        sorted(c.cmd_line("keys *_[^ab]").into_strings()),
        ["foo_c", "key_x", "key_y", "key_z"]
    );
    assert_eq!(c.cmd_line(r"keys f\[o\]").into_strings(), ["f[o]"]);
    assert_eq!(c.cmd_line("keys *").into_strings().len(), 7);
    assert!(c.cmd_line("keys nothing*").into_strings().is_empty());
    // Pathological patterns finish quickly with no match.
    c.cmd_line("flushdb");
    c.cmd_line(&format!("set {} 1", "a".repeat(40)));
    assert!(c
        .cmd_line("keys a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b")
        .into_strings()
        .is_empty());
}

#[test]
fn keys_leaves_out_expired_keys() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set live 1");
    c.cmd_line("set dying 1");
    c.cmd_line("pexpire dying 1");
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(c.cmd_line("keys *").into_strings(), ["live"]);
}

/// Runs a whole SCAN iteration with extra arguments, returning every key.
fn scan_all(c: &mut Client, extra: &str) -> Vec<String> {
    let mut cursor = "0".to_string();
    let mut keys = Vec::new();
    loop {
        let line = format!("scan {cursor}{extra}");
        let r = c.cmd_line(&line).into_array();
        assert_eq!(r.len(), 2);
        cursor = r[0].as_str().to_string();
        keys.extend(r[1].clone().into_strings());
        if cursor == "0" {
            return keys;
        }
    }
}

#[test]
fn scan_iterates_every_key_with_count_match_and_type() {
    let srv = TestServer::start();
    let mut c = srv.client();
    for i in 0..1000 {
        c.cmd_line(&format!("set key:{i} AAA"));
    }
    let mut all = scan_all(&mut c, "");
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 1000);
    let mut small = scan_all(&mut c, " count 5");
    small.sort();
    small.dedup();
    assert_eq!(small.len(), 1000);
    let mut matched = scan_all(&mut c, " match key:1??");
    matched.sort();
    matched.dedup();
    assert_eq!(matched.len(), 100);
    assert!(scan_all(&mut c, " type list").is_empty());
    let mut typed = scan_all(&mut c, " type STRING match key:* count 10");
    typed.sort();
    typed.dedup();
    assert_eq!(typed.len(), 1000);
}

#[test]
fn scan_reports_keys_present_throughout_while_keys_are_added() {
    let srv = TestServer::start();
    let mut c = srv.client();
    for i in 0..100 {
        c.cmd_line(&format!("set k{i} v"));
    }
    let mut cursor = "0".to_string();
    let mut seen = Vec::new();
    let mut added = 0;
    loop {
        let r = c.cmd_line(&format!("scan {cursor}")).into_array();
        cursor = r[0].as_str().to_string();
        seen.extend(r[1].clone().into_strings());
        if cursor == "0" {
            break;
        }
        for _ in 0..10 {
            c.cmd_line(&format!("set addedkey:{added} foo"));
            added += 1;
        }
    }
    let mut original: Vec<String> = seen
        .into_iter()
        .filter(|k| !k.starts_with("added"))
        .collect();
    original.sort();
    original.dedup();
    assert_eq!(original.len(), 100);
}

#[test]
fn scan_rejects_bad_cursors_and_options() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set k v");
    assert_eq!(c.cmd_line("scan abc"), err("ERR invalid cursor"));
    assert_eq!(
        c.cmd_line("scan 18446744073709551616"),
        err("ERR invalid cursor")
    );
    assert_eq!(c.cmd_line("scan 1x"), err("ERR invalid cursor"));
    assert_eq!(c.cmd_bytes(&[b"scan", b" 1"]), err("ERR invalid cursor"));
    assert_eq!(c.cmd_line("scan 0 count 0"), err("ERR syntax error"));
    assert_eq!(c.cmd_line("scan 0 count -1"), err("ERR syntax error"));
    assert_eq!(
        c.cmd_line("scan 0 count x"),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(c.cmd_line("scan 0 match"), err("ERR syntax error"));
    assert_eq!(c.cmd_line("scan 0 foo bar"), err("ERR syntax error"));
    assert_eq!(
        c.cmd_line("scan"),
        err("ERR wrong number of arguments for 'scan' command")
    );
    // An empty cursor is cursor 0, as strtoul reads it.
    let r = c.cmd_bytes(&[b"scan", b""]).into_array();
    assert_eq!(r[1].clone().into_strings(), ["k"]);
}

#[test]
fn scan_leaves_out_expired_keys() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set live 1");
    for i in 0..20 {
        c.cmd_line(&format!("set gone{i} 1"));
        c.cmd_line(&format!("pexpire gone{i} 1"));
    }
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(scan_all(&mut c, " count 1000"), ["live"]);
    assert_eq!(c.cmd_line("dbsize").as_int(), 1);
}

#[test]
fn randomkey_returns_a_live_key_or_nil() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert!(c.cmd_line("randomkey").is_nil());
    c.cmd_line("set x 10");
    c.cmd_line("del x");
    assert!(c.cmd_line("randomkey").is_nil());
    c.cmd_line("set foo x");
    c.cmd_line("set bar y");
    for _ in 0..20 {
        let k = c.cmd_line("randomkey").as_str().to_string();
        assert!(k == "foo" || k == "bar", "unexpected key {k}");
    }
    for i in 0..10 {
        c.cmd_line(&format!("set tmp{i} 1"));
        c.cmd_line(&format!("pexpire tmp{i} 1"));
    }
    std::thread::sleep(std::time::Duration::from_millis(20));
    for _ in 0..20 {
        let k = c.cmd_line("randomkey").as_str().to_string();
        assert!(k == "foo" || k == "bar", "expired key {k} returned");
    }
    assert!(c.cmd_line("flushdb") == ok() && c.cmd_line("randomkey").is_nil());
}

#[test]
fn rename_moves_value_and_ttl() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set mykey hello");
    assert_eq!(c.cmd_line("rename mykey mykey1"), ok());
    assert_eq!(c.cmd_line("rename mykey1 mykey2"), ok());
    assert_eq!(c.cmd_line("get mykey2"), bulk("hello"));
    assert_eq!(c.cmd_line("exists mykey mykey1").as_int(), 0);
    // Over an existing key.
    c.cmd_line("set a x");
    assert_eq!(c.cmd_line("rename mykey2 a"), ok());
    assert_eq!(c.cmd_line("get a"), bulk("hello"));
    // Missing source, even onto itself.
    assert_eq!(c.cmd_line("rename nokey foo"), err("ERR no such key"));
    assert_eq!(c.cmd_line("rename nokey nokey"), err("ERR no such key"));
    assert_eq!(c.cmd_line("rename a a"), ok());
    assert_eq!(c.cmd_line("get a"), bulk("hello"));
    // The TTL travels with the value ...
    c.cmd_line("expire a 100");
    c.cmd_line("rename a b");
    let ttl = c.cmd_line("ttl b").as_int();
    assert!(ttl > 95 && ttl <= 100, "ttl {ttl}");
    // ... and the target's own TTL is not inherited.
    c.cmd_line("set plain v");
    c.cmd_line("set volatile w");
    c.cmd_line("expire volatile 100");
    c.cmd_line("rename plain volatile");
    assert_eq!(c.cmd_line("ttl volatile").as_int(), -1);
    assert_eq!(c.cmd_line("get volatile"), bulk("v"));
    assert_eq!(
        c.cmd_line("rename a"),
        err("ERR wrong number of arguments for 'rename' command")
    );
}

#[test]
fn renamenx_refuses_an_existing_target() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set mykey foobar");
    assert_eq!(c.cmd_line("renamenx mykey mykey2").as_int(), 1);
    assert_eq!(c.cmd_line("get mykey2"), bulk("foobar"));
    assert_eq!(c.cmd_line("exists mykey").as_int(), 0);
    c.cmd_line("set mykey foo");
    assert_eq!(c.cmd_line("renamenx mykey mykey2").as_int(), 0);
    assert_eq!(c.cmd_line("get mykey"), bulk("foo"));
    assert_eq!(c.cmd_line("get mykey2"), bulk("foobar"));
    assert_eq!(c.cmd_line("renamenx mykey mykey").as_int(), 0);
    assert_eq!(c.cmd_line("renamenx nokey x"), err("ERR no such key"));
}

#[test]
fn move_between_databases() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("select 9");
    c.cmd_line("set mykey foobar");
    assert_eq!(c.cmd_line("move mykey 10").as_int(), 1);
    assert_eq!(c.cmd_line("exists mykey").as_int(), 0);
    assert_eq!(c.cmd_line("dbsize").as_int(), 0);
    c.cmd_line("select 10");
    assert_eq!(c.cmd_line("get mykey"), bulk("foobar"));
    c.cmd_line("select 9");
    // Target exists: nothing moves.
    c.cmd_line("set mykey hello");
    assert_eq!(c.cmd_line("move mykey 10").as_int(), 0);
    assert_eq!(c.cmd_line("get mykey"), bulk("hello"));
    assert_eq!(c.cmd_line("move nokey 10").as_int(), 0);
    assert_eq!(
        c.cmd_line("move mykey notanumber"),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        c.cmd_line("move mykey 16"),
        err("ERR DB index is out of range")
    );
    assert_eq!(
        c.cmd_line("move mykey -1"),
        err("ERR DB index is out of range")
    );
    assert_eq!(
        c.cmd_line("move mykey 2147483648"),
        err("ERR value is out of range, value must between -2147483648 and 2147483647")
    );
    assert_eq!(
        c.cmd_line("move mykey 9"),
        err("ERR source and destination objects are the same")
    );
    // The TTL moves too; no TTL is created where there was none.
    c.cmd_line("del mykey");
    c.cmd_line("set vol foo");
    c.cmd_line("expire vol 100");
    c.cmd_line("set nonvol bar");
    assert_eq!(c.cmd_line("move vol 10").as_int(), 1);
    assert_eq!(c.cmd_line("move nonvol 10").as_int(), 1);
    assert_eq!(c.cmd_line("ttl vol").as_int(), -2);
    c.cmd_line("select 10");
    let ttl = c.cmd_line("ttl vol").as_int();
    assert!(ttl > 0 && ttl <= 100, "ttl {ttl}");
    assert_eq!(c.cmd_line("ttl nonvol").as_int(), -1);
}

#[test]
fn copy_within_and_across_databases() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("select 9");
    c.cmd_line("set mykey foobar");
    assert_eq!(c.cmd_line("copy mykey mynewkey").as_int(), 1);
    assert_eq!(c.cmd_line("get mynewkey"), bulk("foobar"));
    assert_eq!(c.cmd_line("dbsize").as_int(), 2);
    assert_eq!(c.cmd_line("copy mykey mynewkey DB 10").as_int(), 1);
    c.cmd_line("select 10");
    assert_eq!(c.cmd_line("get mynewkey"), bulk("foobar"));
    assert_eq!(c.cmd_line("dbsize").as_int(), 1);
    c.cmd_line("select 9");
    // No REPLACE: the existing target wins.
    c.cmd_line("set mykey2 hello");
    assert_eq!(c.cmd_line("copy mykey2 mynewkey DB 10").as_int(), 0);
    assert_eq!(c.cmd_line("copy mykey2 mynewkey db 10 replace").as_int(), 1);
    c.cmd_line("select 10");
    assert_eq!(c.cmd_line("get mynewkey"), bulk("hello"));
    // The copy is independent of its source.
    c.cmd_line("set mynewkey hoge");
    c.cmd_line("select 9");
    assert_eq!(c.cmd_line("get mykey2"), bulk("hello"));
    // TTL is copied; none is created.
    c.cmd_line("set vol foobar");
    c.cmd_line("expire vol 100");
    assert_eq!(c.cmd_line("copy vol volcopy").as_int(), 1);
    let ttl = c.cmd_line("ttl volcopy").as_int();
    assert!(ttl > 0 && ttl <= 100, "ttl {ttl}");
    c.cmd_line("copy mykey volcopy replace");
    assert_eq!(c.cmd_line("ttl volcopy").as_int(), -1);
    // Errors and misses.
    assert_eq!(c.cmd_line("copy nokey x").as_int(), 0);
    assert_eq!(
        c.cmd_line("copy mykey mykey"),
        err("ERR source and destination objects are the same")
    );
    assert_eq!(
        c.cmd_line("copy mykey mykey db 9"),
        err("ERR source and destination objects are the same")
    );
    assert_eq!(c.cmd_line("copy mykey mykey db 10 replace").as_int(), 1);
    assert_eq!(
        c.cmd_line("copy mykey x DB notanumber"),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        c.cmd_line("copy mykey x DB 16"),
        err("ERR DB index is out of range")
    );
    assert_eq!(c.cmd_line("copy mykey x db"), err("ERR syntax error"));
    assert_eq!(c.cmd_line("copy mykey x foo"), err("ERR syntax error"));
    assert_eq!(
        c.cmd_line("copy mykey"),
        err("ERR wrong number of arguments for 'copy' command")
    );
}

#[test]
fn touch_counts_existing_keys() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set key1 1");
    c.cmd_line("set key2 2");
    assert_eq!(c.cmd_line("touch key0 key1 key2 key3").as_int(), 2);
    assert_eq!(c.cmd_line("touch key1 key1").as_int(), 2);
}

#[test]
fn object_subcommands() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set i 12345");
    c.cmd_line("set small 7");
    c.cmd_line("set e hello");
    c.cmd_line(&format!("set r {}", "x".repeat(45)));
    assert_eq!(c.cmd_line("object encoding i"), bulk("int"));
    assert_eq!(c.cmd_line("object encoding e"), bulk("embstr"));
    assert_eq!(c.cmd_line("object encoding r"), bulk("raw"));
    assert_eq!(c.cmd_line("OBJECT ENCODING nope"), Reply::Bulk(None));
    assert_eq!(c.cmd_line("object refcount e").as_int(), 1);
    assert_eq!(c.cmd_line("object refcount i").as_int(), 1);
    assert_eq!(c.cmd_line("object refcount small").as_int(), 2147483647);
    assert!(c.cmd_line("object idletime e").as_int() <= 1);
    assert!(c.cmd_line("object idletime nope").is_nil());
    assert_eq!(
        c.cmd_line("object freq e"),
        err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
    );
    let help = c.cmd_line("object help").into_strings();
    assert_eq!(
        help.first().map(String::as_str),
        Some("OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
    );
    assert_eq!(
        help.last().map(String::as_str),
        Some("    Prints this help.")
    );
    assert_eq!(help.len(), 15);
    assert_eq!(
        c.cmd_line("object foo e"),
        err("ERR unknown subcommand 'foo'. Try OBJECT HELP.")
    );
    assert_eq!(
        c.cmd_line("object encoding"),
        err("ERR wrong number of arguments for 'object|encoding' command")
    );
    assert_eq!(
        c.cmd_line("object"),
        err("ERR wrong number of arguments for 'object' command")
    );
}

#[test]
fn introspection_does_not_reset_idle_time_but_touch_does() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set foo bar");
    std::thread::sleep(std::time::Duration::from_millis(2200));
    c.cmd_line("ttl foo");
    c.cmd_line("type foo");
    c.cmd_line("exists foo");
    c.cmd_line("object encoding foo");
    let idle = c.cmd_line("object idletime foo").as_int();
    assert!(idle >= 2, "idle {idle}");
    c.cmd_line("touch foo");
    assert!(c.cmd_line("object idletime foo").as_int() < 2);
}

#[test]
fn dbsize_flushdb_and_flushall() {
    let srv = TestServer::start();
    let mut c = srv.client();
    for i in 0..6 {
        c.cmd_line(&format!("set k{i} v"));
    }
    c.cmd_line("select 1");
    c.cmd_line("set other v");
    assert_eq!(c.cmd_line("dbsize").as_int(), 1);
    c.cmd_line("select 0");
    assert_eq!(c.cmd_line("dbsize").as_int(), 6);
    assert_eq!(c.cmd_line("flushdb"), ok());
    assert_eq!(c.cmd_line("dbsize").as_int(), 0);
    c.cmd_line("select 1");
    assert_eq!(c.cmd_line("dbsize").as_int(), 1);
    assert_eq!(c.cmd_line("flushdb sync"), ok());
    c.cmd_line("set again v");
    c.cmd_line("select 0");
    c.cmd_line("set k v");
    assert_eq!(c.cmd_line("flushall ASYNC"), ok());
    assert_eq!(c.cmd_line("dbsize").as_int(), 0);
    c.cmd_line("select 1");
    assert_eq!(c.cmd_line("dbsize").as_int(), 0);
    assert_eq!(c.cmd_line("flushall async sync"), err("ERR syntax error"));
    assert_eq!(c.cmd_line("flushdb now"), err("ERR syntax error"));
    assert_eq!(c.cmd_line("flushall sync"), ok());
    assert_eq!(
        c.cmd_line("dbsize x"),
        err("ERR wrong number of arguments for 'dbsize' command")
    );
}
