//! DUMP, RESTORE and MIGRATE as a user sees them: MIGRATE moves keys (with their TTLs) to
//! another rudis or a real `redis-server`, keeps its connection cached, reports the target's
//! errors and its own I/O trouble; RESTORE refuses corrupt payloads with "Bad data format"
//! whatever `sanitize-dump-payload` says, and counts deep sanitizations when it says yes.

mod common;

use common::{wait_until, Client, TestServer};
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

fn real_redis() -> Option<&'static str> {
    let p = "/usr/bin/redis-server";
    Path::new(p).exists().then_some(p)
}

/// A DUMP payload with its footer recomputed for `body` (`<type> <value>`).
fn payload(body: &[u8]) -> Vec<u8> {
    let mut p = body.to_vec();
    p.extend_from_slice(&10u16.to_le_bytes());
    let crc = crc64::crc64(0, &p);
    p.extend_from_slice(&crc.to_le_bytes());
    p
}

fn fill(c: &mut Client) {
    c.cmd(&["SET", "s", "hello"]);
    c.cmd(&["PEXPIRE", "s", "100000"]);
    c.cmd(&["RPUSH", "l", "a", "b", "1", "2"]);
    c.cmd(&["HSET", "h", "f1", "v1", "f2", "2"]);
    c.cmd(&["SADD", "set", "1", "2", "x"]);
    c.cmd(&["ZADD", "z", "1", "a", "2.5", "b"]);
}

fn check_moved(t: &mut Client) {
    assert_eq!(t.cmd(&["GET", "s"]), "hello");
    let ttl = t.cmd(&["PTTL", "s"]).as_int();
    assert!(ttl > 90_000 && ttl <= 100_000, "{ttl}");
    assert_eq!(
        t.cmd(&["LRANGE", "l", "0", "-1"]).into_strings(),
        ["a", "b", "1", "2"]
    );
    assert_eq!(t.cmd(&["HGET", "h", "f2"]), "2");
    assert_eq!(t.cmd(&["SCARD", "set"]).as_int(), 3);
    assert_eq!(t.cmd(&["ZSCORE", "z", "b"]).as_f64(), 2.5);
}

#[test]
fn migrate_moves_keys_with_their_ttl_and_caches_the_connection() {
    let src = TestServer::start();
    let dst = TestServer::start();
    let mut c = src.client();
    fill(&mut c);
    let port = dst.port().to_string();
    assert_eq!(
        c.info_field("stats", "migrate_cached_sockets").as_deref(),
        Some("0")
    );
    let r = c.cmd(&[
        "MIGRATE",
        "127.0.0.1",
        &port,
        "",
        "0",
        "5000",
        "KEYS",
        "s",
        "l",
        "h",
        "set",
        "z",
        "nokey",
    ]);
    assert_eq!(r, "OK");
    assert_eq!(c.cmd(&["DBSIZE"]).as_int(), 0);
    check_moved(&mut dst.client());
    assert_eq!(
        c.info_field("stats", "migrate_cached_sockets").as_deref(),
        Some("1")
    );
    // Nothing left to move: +NOKEY, not an error.
    assert_eq!(
        c.cmd(&["MIGRATE", "127.0.0.1", &port, "s", "0", "5000"]),
        "NOKEY"
    );
    // Another db on the same (cached) connection: SELECT is sent again.
    c.cmd(&["SET", "k9", "v"]);
    assert_eq!(
        c.cmd(&["MIGRATE", "127.0.0.1", &port, "k9", "9", "5000"]),
        "OK"
    );
    let mut t = dst.client();
    t.cmd(&["SELECT", "9"]);
    assert_eq!(t.cmd(&["GET", "k9"]), "v");
}

#[test]
fn migrate_copy_replace_and_the_targets_errors() {
    let src = TestServer::start();
    let dst = TestServer::start();
    let (mut c, mut t) = (src.client(), dst.client());
    let port = dst.port().to_string();
    c.cmd(&["MSET", "a", "1", "b", "2", "c", "3"]);
    t.cmd(&["SET", "b", "busy"]);
    // b is busy there: a and c move, b stays here, and the reply is the target's error.
    let r = c.cmd(&[
        "MIGRATE",
        "127.0.0.1",
        &port,
        "",
        "0",
        "5000",
        "KEYS",
        "a",
        "b",
        "c",
    ]);
    assert!(
        r.as_err()
            .starts_with("ERR Target instance replied with error: BUSYKEY"),
        "{r:?}"
    );
    assert_eq!(c.cmd(&["KEYS", "*"]).into_strings(), ["b"]);
    assert_eq!(t.cmd(&["GET", "a"]), "1");
    // COPY REPLACE overwrites there and keeps the key here.
    let r = c.cmd(&[
        "MIGRATE",
        "127.0.0.1",
        &port,
        "b",
        "0",
        "5000",
        "COPY",
        "REPLACE",
    ]);
    assert_eq!(r, "OK");
    assert_eq!(c.cmd(&["GET", "b"]), "2");
    assert_eq!(t.cmd(&["GET", "b"]), "2");
    // KEYS needs the empty key argument.
    c.cmd(&["MIGRATE", "127.0.0.1", &port, "b", "0", "5000", "KEYS", "b"])
        .assert_err_prefix("ERR When using MIGRATE KEYS option");
    c.cmd(&["MIGRATE", "127.0.0.1", &port, "b", "0", "5000", "AUTH"])
        .assert_err_prefix("ERR syntax error");
}

#[test]
fn migrate_auth_and_auth2() {
    let src = TestServer::start();
    let dst = TestServer::builder()
        .arg("--requirepass")
        .arg("sekret")
        .start();
    let mut c = src.client();
    let port = dst.port().to_string();
    c.cmd(&["SET", "k", "v"]);
    let r = c.cmd(&[
        "MIGRATE",
        "127.0.0.1",
        &port,
        "k",
        "0",
        "5000",
        "AUTH",
        "wrong",
    ]);
    assert!(r.as_err().contains("WRONGPASS"), "{r:?}");
    assert_eq!(
        c.cmd(&["EXISTS", "k"]).as_int(),
        1,
        "a refused key stays here"
    );
    let r = c.cmd(&[
        "MIGRATE",
        "127.0.0.1",
        &port,
        "k",
        "0",
        "5000",
        "AUTH2",
        "default",
        "sekret",
    ]);
    assert_eq!(r, "OK");
    let mut t = Client::connect_auth(dst.port(), "sekret");
    assert_eq!(t.cmd(&["GET", "k"]), "v");
}

#[test]
fn migrate_reports_connect_and_read_failures_within_its_timeout() {
    let src = TestServer::start();
    let mut c = src.client();
    c.cmd(&["SET", "k", "v"]);
    // Nobody listens there.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    c.cmd(&["MIGRATE", "127.0.0.1", &closed.to_string(), "k", "0", "500"])
        .assert_err_prefix("IOERR error or timeout connecting");
    // A peer that accepts and never answers: the read times out after ~500 ms.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("addr").port().to_string();
    let t0 = Instant::now();
    c.cmd(&["MIGRATE", "127.0.0.1", &port, "k", "0", "500"])
        .assert_err_prefix("IOERR error or timeout reading to target instance");
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(450) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert_eq!(c.cmd(&["GET", "k"]), "v");
    assert_eq!(
        c.info_field("stats", "migrate_cached_sockets").as_deref(),
        Some("0")
    );
}

#[test]
fn migrate_to_a_real_redis_server() {
    let Some(redis) = real_redis() else {
        eprintln!("skipping: no /usr/bin/redis-server (scripts/test installs it)");
        return;
    };
    let src = TestServer::start();
    let dst = TestServer::builder()
        .binary(redis)
        .start_timeout(Duration::from_secs(20))
        .start();
    let mut c = src.client();
    fill(&mut c);
    let port = dst.port().to_string();
    let r = c.cmd(&[
        "MIGRATE",
        "127.0.0.1",
        &port,
        "",
        "0",
        "5000",
        "KEYS",
        "s",
        "l",
        "h",
        "set",
        "z",
    ]);
    assert_eq!(r, "OK");
    check_moved(&mut dst.client());
    // And back from Redis to rudis.
    let mut t = dst.client();
    let back = src.port().to_string();
    let r = t.cmd(&[
        "MIGRATE",
        "127.0.0.1",
        &back,
        "",
        "0",
        "5000",
        "KEYS",
        "s",
        "l",
        "h",
        "set",
        "z",
    ]);
    assert_eq!(r, "OK");
    check_moved(&mut c);
}

#[test]
fn cached_migrate_connections_close_after_ten_idle_seconds() {
    let src = TestServer::start();
    let dst = TestServer::start();
    let mut c = src.client();
    c.cmd(&["SET", "k", "v"]);
    let port = dst.port().to_string();
    assert_eq!(
        c.cmd(&["MIGRATE", "127.0.0.1", &port, "k", "0", "5000"]),
        "OK"
    );
    assert_eq!(
        c.info_field("stats", "migrate_cached_sockets").as_deref(),
        Some("1")
    );
    let closed = wait_until(Duration::from_secs(15), || {
        c.info_field("stats", "migrate_cached_sockets").as_deref() == Some("0")
    });
    assert!(closed, "the cached connection outlived its 10 s");
}

#[test]
fn restore_refuses_corrupt_payloads_under_every_sanitize_setting() {
    let srv = TestServer::builder()
        .arg("--loglevel")
        .arg("verbose")
        .start();
    let mut c = srv.client();
    c.cmd(&["HSET", "h", "a", "1", "b", "2"]);
    let good = c.cmd(&["DUMP", "h"]).as_bytes().to_vec();
    // The hash listpack's second field made equal to the first: "a" twice.
    let body = &good[..good.len() - 10];
    let at = body
        .windows(2)
        .rposition(|w| w == [0x81, b'b'])
        .expect("field b in the listpack");
    let mut dup = body.to_vec();
    dup[at + 1] = b'a';
    let dup = payload(&dup);
    // A listpack entry whose back-length is wrong (only a deep walk sees it).
    let mut broken = body.to_vec();
    broken[at + 2] ^= 0x7F;
    let broken = payload(&broken);
    for mode in ["no", "yes", "clients"] {
        assert_eq!(
            c.cmd(&["CONFIG", "SET", "sanitize-dump-payload", mode]),
            "OK"
        );
        for p in [&dup, &broken] {
            let r = c.cmd_bytes(&[b"RESTORE", b"k", b"0", p]);
            assert_eq!(r.as_err(), "ERR Bad data format", "mode {mode}");
        }
    }
    assert!(srv.log().contains("integrity check failed"));
    // A good payload restores, and `yes` counts its deep check.
    let before: u64 = c
        .info_field("stats", "dump_payload_sanitizations")
        .and_then(|v| v.parse().ok())
        .expect("dump_payload_sanitizations");
    c.cmd(&["CONFIG", "SET", "sanitize-dump-payload", "yes"]);
    assert_eq!(c.cmd_bytes(&[b"RESTORE", b"k", b"0", &good]), "OK");
    let after: u64 = c
        .info_field("stats", "dump_payload_sanitizations")
        .and_then(|v| v.parse().ok())
        .expect("dump_payload_sanitizations");
    assert_eq!(after, before + 1);
    assert_eq!(c.cmd(&["HGET", "k", "b"]), "2");
}

#[test]
fn restore_of_a_huge_claimed_length_fails_fast_without_allocating_it() {
    let srv = TestServer::builder().enable_debug().start();
    let mut c = srv.client();
    // A string claiming 2^64 - 9 bytes, then a list claiming 2^40 elements: both with a good
    // footer, both refused at once.
    for body in [
        &b"\x00\x81\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xF7"[..],
        &b"\x01\x81\x00\x00\x01\x00\x00\x00\x00\x00\x01a"[..],
    ] {
        let t0 = Instant::now();
        let r = c.cmd_bytes(&[b"RESTORE", b"k", b"0", &payload(body)]);
        assert_eq!(r.as_err(), "ERR Bad data format");
        assert!(t0.elapsed() < Duration::from_secs(1));
    }
    // RDB version 12 is newer than this server's: refused before decoding, as Redis 7.0 does.
    let mut v12 = b"\x00\x01a".to_vec();
    v12.extend_from_slice(&12u16.to_le_bytes());
    let crc = crc64::crc64(0, &v12);
    v12.extend_from_slice(&crc.to_le_bytes());
    c.cmd_bytes(&[b"RESTORE", b"k", b"0", &v12])
        .assert_err_prefix("ERR DUMP payload version or checksum are wrong");
    assert_eq!(c.cmd(&["PING"]), "PONG");
}
