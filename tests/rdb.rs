//! RDB persistence as a user sees it: SAVE writes `dbfilename` in `dir`, a restart loads it,
//! DEBUG RELOAD keeps the dataset digest, a corrupt file stops start-up with a clear log line,
//! and dumps move between rudis and a real `redis-server` 7.0 in both directions with
//! identical data (same DEBUG DIGEST).

mod common;

use common::{Client, TempDir, TestServer};
use std::path::Path;
use std::time::Duration;

/// Every type in each of its encodings, a TTL, two databases.
fn fill(c: &mut Client) {
    c.cmd(&["SET", "s", "hello"]);
    c.cmd(&["SET", "n", "12345"]);
    c.cmd(&["SET", "long", &"ab".repeat(300)]);
    c.cmd(&["PEXPIRE", "s", "100000000"]);
    c.cmd(&["RPUSH", "l", "a", "b", "c", "1", "2", "3"]);
    c.cmd(&["HSET", "h", "f1", "v1", "f2", "2"]);
    c.cmd(&["SADD", "si", "1", "2", "3"]);
    c.cmd(&["SADD", "ss", "a", "b", "c"]);
    c.cmd(&["ZADD", "z", "1", "a", "2.5", "b", "-inf", "c"]);
    for i in 0..700 {
        let (m, f, v) = (format!("m{i}"), format!("f{i}"), format!("v{i}"));
        c.cmd(&["ZADD", "bigz", &format!("{i}.5"), &m]);
        c.cmd(&["HSET", "bigh", &f, &v]);
        c.cmd(&["SADD", "bigs", &m]);
        c.cmd(&["SADD", "bigi", &i.to_string()]);
        c.cmd(&["RPUSH", "bigl", &format!("element-number-{i}")]);
    }
    c.cmd(&["SELECT", "5"]);
    c.cmd(&["SET", "other", "1"]);
    c.cmd(&["SELECT", "0"]);
}

fn digest(c: &mut Client) -> String {
    c.cmd(&["DEBUG", "DIGEST"]).as_str().to_owned()
}

fn real_redis() -> Option<&'static str> {
    let p = "/usr/bin/redis-server";
    Path::new(p).exists().then_some(p)
}

#[test]
fn save_then_restart_loads_the_same_data() {
    let mut srv = TestServer::builder().enable_debug().start();
    let mut c = srv.client();
    fill(&mut c);
    let before = digest(&mut c);
    assert_eq!(c.cmd(&["SAVE"]), "OK");
    assert!(srv.dir().join("dump.rdb").exists());
    drop(c);
    srv.restart();
    let mut c = srv.client();
    assert_eq!(digest(&mut c), before);
    assert!(srv.log().contains("Done loading RDB, keys loaded: 14"));
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "bigi"]), "hashtable");
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "si"]), "intset");
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "z"]), "listpack");
    assert_eq!(c.cmd(&["OBJECT", "ENCODING", "bigz"]), "skiplist");
    let ttl = c.cmd(&["PTTL", "s"]).as_int();
    assert!(ttl > 99_000_000 && ttl <= 100_000_000, "{ttl}");
}

#[test]
fn debug_reload_keeps_the_digest_and_lastsave_moves() {
    let srv = TestServer::builder().enable_debug().start();
    let mut c = srv.client();
    fill(&mut c);
    let before = digest(&mut c);
    assert_eq!(c.cmd(&["DEBUG", "RELOAD"]), "OK");
    assert_eq!(digest(&mut c), before);
    assert_eq!(c.cmd(&["DBSIZE"]).as_int(), 13);
    // NOSAVE reloads the file as it is: a key set since is gone again.
    c.cmd(&["SET", "fresh", "1"]);
    assert_eq!(c.cmd(&["DEBUG", "RELOAD", "NOSAVE"]), "OK");
    assert_eq!(c.cmd(&["EXISTS", "fresh"]).as_int(), 0);
    assert!(c.cmd(&["LASTSAVE"]).as_int() > 0);
    assert!(c.cmd(&["DEBUG", "RELOAD", "BOGUS"]).is_error());
}

#[test]
fn a_corrupt_dump_stops_start_up_with_the_offset() {
    // One big uncompressed string, so that cutting the file in half always lands inside its
    // bytes whatever order the keyspace's random hash seed gives the other keys.
    let mut srv = TestServer::builder()
        .arg("--rdbcompression")
        .arg("no")
        .start();
    let mut c = srv.client();
    c.cmd(&["SET", "small", "1"]);
    c.cmd(&["SET", "blob", &"0123456789abcdef".repeat(512)]);
    c.cmd(&["SAVE"]);
    drop(c);
    srv.stop();
    let path = srv.dir().join("dump.rdb");
    let mut bytes = std::fs::read(&path).expect("dump written");
    bytes.truncate(bytes.len() / 2);
    let len = bytes.len();
    std::fs::write(&path, &bytes).expect("rewrite dump");
    let err = srv
        .start_again()
        .expect_err("a truncated dump must stop start-up");
    let log = srv.log();
    // The file ends mid-value: the offset named is where the bytes ran out.
    assert!(log.contains("corrupt RDB file"), "{err}\n{log}");
    assert!(
        log.contains(&format!("at offset {len} of {len} bytes")),
        "{log}"
    );
    assert!(log.contains("unexpected end of file"), "{log}");
    assert_eq!(
        log.matches("Terminating server after rdb file reading failure.")
            .count(),
        1,
        "{log}"
    );
}

#[test]
fn a_corrupt_listpack_in_a_dump_stops_start_up_naming_the_key() {
    // rdbchecksum no: the file carries no checksum, so only the value's own checks can tell.
    let mut srv = TestServer::builder().arg("--rdbchecksum").arg("no").start();
    let mut c = srv.client();
    c.cmd(&["HSET", "h", "a", "1", "b", "2"]);
    c.cmd(&["SET", "other", "x"]);
    assert_eq!(c.cmd(&["SAVE"]), "OK");
    drop(c);
    srv.stop();
    let path = srv.dir().join("dump.rdb");
    let mut bytes = std::fs::read(&path).expect("dump written");
    let at = bytes
        .windows(3)
        .position(|w| w == [0x81, b'b', 0x02])
        .expect("field b of the hash listpack");
    bytes[at + 2] = 0x05; // its back-length no longer matches the entry
    std::fs::write(&path, &bytes).expect("rewrite dump");
    srv.start_again()
        .expect_err("a corrupt listpack must stop start-up");
    let log = srv.log();
    assert!(
        log.contains("Hash listpack integrity check failed"),
        "{log}"
    );
    assert!(log.contains("(key 'h')"), "{log}");
    assert!(log.contains("--- RDB ERROR DETECTED ---"), "{log}");
}

#[test]
fn values_larger_than_the_read_buffer_load_with_and_without_compression() {
    for compression in ["yes", "no"] {
        let mut srv = TestServer::builder()
            .enable_debug()
            .arg("--rdbcompression")
            .arg(compression)
            .start();
        let mut c = srv.client();
        // 1 MiB compressible, 600 KiB of pseudo-random bytes (stored raw even with LZF on),
        // and a list whose nodes straddle the loader's 256 KiB buffer many times.
        c.cmd(&["SET", "big", &"0123456789abcdef".repeat(65536)]);
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let noise: Vec<u8> = (0..600 * 1024)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        c.cmd_bytes(&[b"SET", b"noise", &noise]);
        for i in 0..200 {
            let items: Vec<String> = (0..100).map(|j| format!("item-{i}-{j}")).collect();
            let mut args = vec!["RPUSH", "list"];
            args.extend(items.iter().map(|s| s.as_str()));
            c.cmd(&args);
        }
        let before = digest(&mut c);
        assert_eq!(c.cmd(&["SAVE"]), "OK");
        drop(c);
        srv.restart();
        let mut c = srv.client();
        assert_eq!(digest(&mut c), before, "rdbcompression {compression}");
        assert_eq!(c.cmd(&["STRLEN", "noise"]).as_int(), 600 * 1024);
        assert_eq!(c.cmd(&["LLEN", "list"]).as_int(), 20_000);
    }
}

#[test]
fn rudis_dump_loads_into_real_redis() {
    let Some(redis) = real_redis() else {
        eprintln!("skipping: no /usr/bin/redis-server (scripts/test installs it)");
        return;
    };
    let dir = TempDir::new("rdb-to-redis");
    let srv = TestServer::builder().enable_debug().dir(dir.path()).start();
    let mut c = srv.client();
    fill(&mut c);
    let ours = digest(&mut c);
    assert_eq!(c.cmd(&["SAVE"]), "OK");
    drop(c);
    drop(srv);
    let out = std::process::Command::new("redis-check-rdb")
        .arg(dir.path().join("dump.rdb"))
        .output();
    if let Ok(out) = out {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("RDB looks OK"), "{text}");
    }
    let real = TestServer::builder()
        .binary(redis)
        .enable_debug()
        .dir(dir.path())
        .start_timeout(Duration::from_secs(20))
        .start();
    let mut r = real.client();
    assert_eq!(digest(&mut r), ours);
}

#[test]
fn real_redis_dump_loads_into_rudis() {
    let Some(redis) = real_redis() else {
        eprintln!("skipping: no /usr/bin/redis-server (scripts/test installs it)");
        return;
    };
    let dir = TempDir::new("rdb-from-redis");
    let real = TestServer::builder()
        .binary(redis)
        .enable_debug()
        .dir(dir.path())
        .arg("--list-compress-depth")
        .arg("1")
        .start();
    let mut r = real.client();
    fill(&mut r);
    let theirs = digest(&mut r);
    assert_eq!(r.cmd(&["SAVE"]), "OK");
    drop(r);
    drop(real);
    let srv = TestServer::builder().enable_debug().dir(dir.path()).start();
    let mut c = srv.client();
    assert_eq!(digest(&mut c), theirs);
    assert_eq!(c.cmd(&["LLEN", "l"]).as_int(), 6);
}
