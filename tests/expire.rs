//! Expiry as a client sees it: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with
//! NX/XX/GT/LT, TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST, and keys
//! disappearing lazily (on access) and actively (with nobody asking).
//! Each test starts the real server binary and speaks RESP to it.
//! `RUDIS_TEST_SERVER_BIN=/usr/bin/redis-server` runs the same assertions
//! against real Redis, to check the tests themselves.

mod common;

use common::{Client, Reply, TestServer};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn err(msg: &str) -> Reply {
    Reply::Error(msg.into())
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn sleep_ms(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

#[test]
fn expire_sets_and_resets_the_ttl() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set x foobar");
    assert_eq!(c.cmd_line("expire x 5").as_int(), 1);
    let ttl = c.cmd_line("ttl x").as_int();
    assert!(ttl == 4 || ttl == 5, "ttl {ttl}");
    assert_eq!(c.cmd_line("expire x 10").as_int(), 1);
    assert_eq!(c.cmd_line("ttl x").as_int(), 10);
    let pttl = c.cmd_line("pttl x").as_int();
    assert!(pttl > 9000 && pttl <= 10000, "pttl {pttl}");
    assert_eq!(c.cmd_line("get x"), Reply::Bulk(Some(b"foobar".to_vec())));
    assert_eq!(c.cmd_line("expire nokey 10").as_int(), 0);
    assert_eq!(c.cmd_line("pexpire nokey 10").as_int(), 0);
}

#[test]
fn absolute_forms_and_expiretime() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let secs = now_ms() / 1000 + 100;
    c.cmd_line("set x v");
    assert_eq!(c.cmd_line(&format!("expireat x {secs}")).as_int(), 1);
    assert_eq!(c.cmd_line("expiretime x").as_int(), secs);
    assert_eq!(c.cmd_line("pexpiretime x").as_int(), secs * 1000);
    let ms = now_ms() + 100_000;
    assert_eq!(c.cmd_line(&format!("pexpireat x {ms}")).as_int(), 1);
    assert_eq!(c.cmd_line("pexpiretime x").as_int(), ms);
    assert_eq!(c.cmd_line("expiretime x").as_int(), (ms + 500) / 1000);
    let ttl = c.cmd_line("ttl x").as_int();
    assert!((99..=100).contains(&ttl), "ttl {ttl}");
    // Far future deadlines are fine as long as nothing overflows.
    assert_eq!(c.cmd_line("pexpireat x 9223372036854770000").as_int(), 1);
    assert_eq!(c.cmd_line("pexpiretime x").as_int(), 9223372036854770000);
}

#[test]
fn ttl_family_without_ttl_and_without_key() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set x hello");
    for cmd in ["ttl", "pttl", "expiretime", "pexpiretime"] {
        assert_eq!(c.cmd_line(&format!("{cmd} x")).as_int(), -1, "{cmd}");
        assert_eq!(c.cmd_line(&format!("{cmd} nokey")).as_int(), -2, "{cmd}");
    }
}

#[test]
fn persist_removes_the_ttl() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set x foo");
    c.cmd_line("expire x 50");
    assert_eq!(c.cmd_line("ttl x").as_int(), 50);
    assert_eq!(c.cmd_line("persist x").as_int(), 1);
    assert_eq!(c.cmd_line("ttl x").as_int(), -1);
    assert_eq!(c.cmd_line("get x"), Reply::Bulk(Some(b"foo".to_vec())));
    assert_eq!(c.cmd_line("persist x").as_int(), 0);
    assert_eq!(c.cmd_line("persist nokeyatall").as_int(), 0);
}

#[test]
fn a_deadline_in_the_past_deletes_the_key() {
    let srv = TestServer::start();
    let mut c = srv.client();
    for cmd in [
        "expire k -10",
        "pexpire k -1",
        "expireat k 100",
        "pexpireat k 0",
        "expire k 0",
    ] {
        c.cmd_line("set k v");
        assert_eq!(c.cmd_line(cmd).as_int(), 1, "{cmd}");
        assert_eq!(c.cmd_line("exists k").as_int(), 0, "{cmd}");
        assert_eq!(c.cmd_line("ttl k").as_int(), -2, "{cmd}");
    }
    c.cmd_line("set k v");
    assert_eq!(c.cmd_line("pexpireat k -9223372036854770000").as_int(), 1);
    assert_eq!(c.cmd_line("ttl k").as_int(), -2);
    // LT on a key without TTL treats "no TTL" as infinite: -10 is less.
    c.cmd_line("set k v");
    assert_eq!(c.cmd_line("expire k -10 LT").as_int(), 1);
    assert_eq!(c.cmd_line("ttl k").as_int(), -2);
}

#[test]
fn nx_xx_gt_lt_conditions() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let ttl = |c: &mut Client| c.cmd_line("ttl foo").as_int();
    // NX: only without a TTL.
    c.cmd_line("set foo bar");
    c.cmd_line("expire foo 100");
    assert_eq!(c.cmd_line("expire foo 200 NX").as_int(), 0);
    assert!((50..=100).contains(&ttl(&mut c)));
    c.cmd_line("set foo bar");
    assert_eq!(c.cmd_line("expire foo 200 nx").as_int(), 1);
    assert!((100..=200).contains(&ttl(&mut c)));
    // XX: only with a TTL.
    assert_eq!(c.cmd_line("expire foo 150 XX").as_int(), 1);
    assert!((100..=150).contains(&ttl(&mut c)));
    c.cmd_line("set foo bar");
    assert_eq!(c.cmd_line("expire foo 200 XX").as_int(), 0);
    assert_eq!(ttl(&mut c), -1);
    // GT: only later than the current deadline; no TTL is infinite.
    assert_eq!(c.cmd_line("expire foo 200 GT").as_int(), 0);
    assert_eq!(ttl(&mut c), -1);
    c.cmd_line("expire foo 100");
    assert_eq!(c.cmd_line("expire foo 200 GT").as_int(), 1);
    assert_eq!(c.cmd_line("expire foo 100 gt").as_int(), 0);
    assert!((100..=200).contains(&ttl(&mut c)));
    // LT: only earlier; always on a key without TTL.
    assert_eq!(c.cmd_line("expire foo 300 LT").as_int(), 0);
    assert_eq!(c.cmd_line("expire foo 100 LT").as_int(), 1);
    assert!((50..=100).contains(&ttl(&mut c)));
    c.cmd_line("set foo bar");
    assert_eq!(c.cmd_line("expire foo 100 LT").as_int(), 1);
    assert!((50..=100).contains(&ttl(&mut c)));
    // Combined with XX.
    c.cmd_line("set foo bar");
    assert_eq!(c.cmd_line("expire foo 200 LT XX").as_int(), 0);
    assert_eq!(ttl(&mut c), -1);
    c.cmd_line("expire foo 200");
    assert_eq!(c.cmd_line("pexpire foo 100000 lt xx").as_int(), 1);
    assert!((50..=100).contains(&ttl(&mut c)));
    // A missing key is always 0.
    for opt in ["NX", "XX", "GT", "LT"] {
        assert_eq!(c.cmd_line(&format!("expire none 100 {opt}")).as_int(), 0);
    }
}

#[test]
fn option_and_number_errors() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set foo bar");
    assert_eq!(
        c.cmd_line("expire foo 200 LT GT"),
        err("ERR GT and LT options at the same time are not compatible")
    );
    for opts in ["NX GT", "NX LT", "NX XX", "xx nx"] {
        assert_eq!(
            c.cmd_line(&format!("expire foo 200 {opts}")),
            err("ERR NX and XX, GT or LT options at the same time are not compatible"),
            "{opts}"
        );
    }
    assert_eq!(
        c.cmd_line("expire foo 200 AB"),
        err("ERR Unsupported option AB")
    );
    assert_eq!(
        c.cmd_line("expire foo 200 XX AB"),
        err("ERR Unsupported option AB")
    );
    // Options are checked before the number.
    assert_eq!(
        c.cmd_line("expire foo abc AB"),
        err("ERR Unsupported option AB")
    );
    assert_eq!(
        c.cmd_bytes(&[b"expire", b"foo", b""]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        c.cmd_line("expire foo 1.5"),
        err("ERR value is not an integer or out of range")
    );
    for n in [
        "9223370399119966",
        "9223372036854776",
        "10000000000000000",
        "18446744073709561",
        "-9223372036854776",
        "-9999999999999999",
    ] {
        assert_eq!(
            c.cmd_line(&format!("expire foo {n}")),
            err("ERR invalid expire time in 'expire' command"),
            "{n}"
        );
    }
    assert_eq!(
        c.cmd_line("pexpire foo 9223372036854770000"),
        err("ERR invalid expire time in 'pexpire' command")
    );
    assert_eq!(
        c.cmd_line("expireat foo 9223372036854776"),
        err("ERR invalid expire time in 'expireat' command")
    );
    assert_eq!(c.cmd_line("ttl foo").as_int(), -1);
    assert_eq!(
        c.cmd_line("expire foo"),
        err("ERR wrong number of arguments for 'expire' command")
    );
    assert_eq!(
        c.cmd_line("ttl"),
        err("ERR wrong number of arguments for 'ttl' command")
    );
}

#[test]
fn expired_keys_vanish_on_access() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set x somevalue");
    c.cmd_line("pexpire x 100");
    assert_eq!(
        c.cmd_line("get x"),
        Reply::Bulk(Some(b"somevalue".to_vec()))
    );
    sleep_ms(150);
    assert_eq!(c.cmd_line("get x"), Reply::Bulk(None));
    assert_eq!(c.cmd_line("exists x").as_int(), 0);
    assert_eq!(c.cmd_line("ttl x").as_int(), -2);
    assert_eq!(c.cmd_line("type x"), Reply::Status("none".into()));
    // An expired key is not resurrected by EXPIRE, RENAME or PERSIST.
    c.cmd_line("set y v");
    c.cmd_line("pexpire y 50");
    sleep_ms(100);
    assert_eq!(c.cmd_line("expire y 100").as_int(), 0);
    assert_eq!(c.cmd_line("persist y").as_int(), 0);
    assert_eq!(c.cmd_line("rename y z"), err("ERR no such key"));
    assert_eq!(c.cmd_line("exists y z").as_int(), 0);
    assert_eq!(c.cmd_line("del y").as_int(), 0);
}

#[test]
fn expired_keys_are_reclaimed_without_access() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set keep v");
    for i in 0..300 {
        c.cmd_line(&format!("set k{i} v"));
        c.cmd_line(&format!("pexpire k{i} 300"));
    }
    assert_eq!(c.cmd_line("dbsize").as_int(), 301);
    let deadline = Instant::now() + Duration::from_secs(3);
    // DBSIZE counts keys without looking at them, so only the active
    // expire cycle can bring it down.
    while c.cmd_line("dbsize").as_int() != 1 {
        assert!(Instant::now() < deadline, "keys did not actively expire");
        sleep_ms(50);
    }
    assert_eq!(c.cmd_line("get keep"), Reply::Bulk(Some(b"v".to_vec())));
}

#[test]
fn set_without_ttl_option_clears_the_ttl() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set foo bar");
    c.cmd_line("expire foo 100");
    c.cmd_line("set foo bar");
    assert_eq!(c.cmd_line("ttl foo").as_int(), -1);
}
