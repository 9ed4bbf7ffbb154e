//! AOF persistence as a user sees it: `appendonly yes` creates Redis 7's multi-part directory
//! (manifest, RDB-preamble base, incremental file), every acknowledged write survives a
//! SIGKILL with `appendfsync always`, a cut-off tail is dropped with `aof-load-truncated yes`
//! and stops start-up without it, and the directory moves between rudis and a real
//! `redis-server` 7.0 in both directions with identical data.

mod common;

use common::{Client, TempDir, TestServer};
use std::path::Path;
use std::time::Duration;

fn digest(c: &mut Client) -> String {
    c.cmd(&["DEBUG", "DIGEST"]).as_str().to_owned()
}

fn real_redis() -> Option<&'static str> {
    let p = "/usr/bin/redis-server";
    Path::new(p).exists().then_some(p)
}

fn aof_server(dir: &Path, fsync: &str) -> TestServer {
    TestServer::builder()
        .enable_debug()
        .dir(dir)
        .args(["--appendonly", "yes", "--appendfsync", fsync])
        .start()
}

/// Writes of every type, with SELECT, expiry, MULTI and a blocking pop's rewrite.
fn fill(c: &mut Client) {
    c.cmd(&["SET", "s", "hello"]);
    c.cmd(&["INCRBY", "n", "41"]);
    c.cmd(&["INCR", "n"]);
    c.cmd(&["EXPIRE", "s", "1000"]);
    c.cmd(&["RPUSH", "l", "a", "b", "c"]);
    c.cmd(&["LPOP", "l"]);
    c.cmd(&["HSET", "h", "f", "v", "g", "w"]);
    c.cmd(&["SADD", "set", "1", "2", "x"]);
    c.cmd(&["ZADD", "z", "1", "a", "2", "b"]);
    c.cmd(&["MULTI"]);
    c.cmd(&["SET", "t1", "1"]);
    c.cmd(&["SET", "t2", "2"]);
    c.cmd(&["EXEC"]);
    c.cmd(&["SELECT", "3"]);
    c.cmd(&["SET", "in3", "yes"]);
    c.cmd(&["SELECT", "0"]);
}

#[test]
fn appendonly_creates_the_multi_part_directory_and_restart_replays_it() {
    let dir = TempDir::new("aof-basic");
    // `always`: each write is in the file before its reply (with everysec a write may wait
    // behind a running background fsync while replies go out, as in Redis).
    let mut srv = aof_server(dir.path(), "always");
    let mut c = srv.client();
    fill(&mut c);
    let before = digest(&mut c);
    drop(c);
    let adir = dir.path().join("appendonlydir");
    let manifest = std::fs::read_to_string(adir.join("appendonly.aof.manifest")).unwrap();
    assert_eq!(
        manifest,
        "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    let base = std::fs::read(adir.join("appendonly.aof.1.base.rdb")).unwrap();
    assert!(base.starts_with(b"REDIS0010"), "{:?}", &base[..9]);
    let incr = std::fs::read_to_string(adir.join("appendonly.aof.1.incr.aof")).unwrap();
    assert!(
        incr.starts_with("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\ns\r\n"),
        "{incr}"
    );
    // EXPIRE is appended as an absolute PEXPIREAT, MULTI/EXEC as a unit.
    assert!(incr.contains("PEXPIREAT"), "{incr}");
    assert!(incr.contains("$5\r\nMULTI\r\n"), "{incr}");
    srv.restart();
    let mut c = srv.client();
    assert_eq!(digest(&mut c), before);
    assert!(
        srv.log().contains("DB loaded from append only file"),
        "{}",
        srv.log()
    );
    assert_eq!(c.cmd(&["GET", "n"]), "42");
    c.cmd(&["SELECT", "3"]);
    assert_eq!(c.cmd(&["GET", "in3"]), "yes");
}

#[test]
fn appendfsync_always_loses_no_acknowledged_write_on_sigkill() {
    let dir = TempDir::new("aof-always");
    let mut srv = aof_server(dir.path(), "always");
    let mut c = srv.client();
    let mut acked = 0;
    for i in 0..2000 {
        if c.cmd(&["RPUSH", "list", &i.to_string()]).as_int() > 0 {
            acked = i + 1;
        }
    }
    srv.kill9();
    srv.start_again().unwrap();
    let mut c = srv.client();
    assert_eq!(c.cmd(&["LLEN", "list"]).as_int(), acked);
}

#[test]
fn a_cut_off_tail_is_dropped_only_with_aof_load_truncated() {
    let dir = TempDir::new("aof-truncated");
    let mut srv = aof_server(dir.path(), "always");
    let mut c = srv.client();
    c.cmd(&["SET", "a", "1"]);
    c.cmd(&["SET", "b", "2"]);
    drop(c);
    srv.stop();
    let incr = dir.path().join("appendonlydir/appendonly.aof.1.incr.aof");
    let mut bytes = std::fs::read(&incr).unwrap();
    bytes.extend_from_slice(b"*3\r\n$3\r\nset\r\n$1\r\nc\r\n$1"); // half a command
    std::fs::write(&incr, &bytes).unwrap();
    srv.start_again().unwrap();
    let mut c = srv.client();
    assert_eq!(c.cmd(&["GET", "b"]), "2");
    assert_eq!(c.cmd(&["EXISTS", "c"]).as_int(), 0);
    assert!(srv.log().contains(
        "AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled"
    ));
    drop(c);
    srv.stop();
    // The file was truncated back to the last whole command.
    let after = std::fs::read(&incr).unwrap();
    assert!(after.ends_with(b"$1\r\nb\r\n$1\r\n2\r\n"));
    std::fs::write(&incr, &bytes).unwrap();
    let failed = TestServer::builder()
        .dir(dir.path())
        .args(["--appendonly", "yes", "--aof-load-truncated", "no"])
        .try_start();
    assert!(failed.is_err(), "start-up must stop on a truncated AOF");
}

#[test]
fn a_corrupt_middle_stops_start_up_naming_the_file() {
    let dir = TempDir::new("aof-corrupt");
    let mut srv = aof_server(dir.path(), "always");
    let mut c = srv.client();
    c.cmd(&["SET", "a", "1"]);
    drop(c);
    srv.stop();
    let incr = dir.path().join("appendonlydir/appendonly.aof.1.incr.aof");
    let mut bytes = std::fs::read(&incr).unwrap();
    bytes.extend_from_slice(b"garbage\r\n*1\r\n$4\r\nPING\r\n");
    std::fs::write(&incr, &bytes).unwrap();
    let err = TestServer::builder()
        .dir(dir.path())
        .args(["--appendonly", "yes"])
        .try_start();
    let Err(e) = err else {
        panic!("start-up must stop on a corrupt AOF");
    };
    let text = format!("{e:?}");
    assert!(
        text.contains("Bad file format reading the append only file appendonly.aof.1.incr.aof"),
        "{text}"
    );
}

#[test]
fn rudis_aof_loads_into_real_redis_and_back() {
    let Some(redis) = real_redis() else {
        eprintln!("skipping: no /usr/bin/redis-server (scripts/test installs it)");
        return;
    };
    let dir = TempDir::new("aof-to-redis");
    let mut srv = aof_server(dir.path(), "always");
    let mut c = srv.client();
    fill(&mut c);
    let ours = digest(&mut c);
    drop(c);
    srv.stop();
    drop(srv);
    let check = std::process::Command::new("redis-check-aof")
        .arg(dir.path().join("appendonlydir/appendonly.aof.manifest"))
        .output();
    if let Ok(out) = check {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("is valid"), "{text}");
    }
    let mut real = TestServer::builder()
        .binary(redis)
        .enable_debug()
        .dir(dir.path())
        .args(["--appendonly", "yes"])
        .start_timeout(Duration::from_secs(20))
        .start();
    let mut r = real.client();
    assert_eq!(digest(&mut r), ours);
    // Redis appends to the same incremental file; rudis must read what it added.
    r.cmd(&["SET", "from-redis", "1"]);
    r.cmd(&["SADD", "set", "y"]);
    let theirs = digest(&mut r);
    drop(r);
    real.stop();
    drop(real);
    let srv = aof_server(dir.path(), "everysec");
    let mut c = srv.client();
    assert_eq!(digest(&mut c), theirs);
}

#[test]
fn real_redis_aof_directory_loads_into_rudis() {
    let Some(redis) = real_redis() else {
        eprintln!("skipping: no /usr/bin/redis-server (scripts/test installs it)");
        return;
    };
    let dir = TempDir::new("aof-from-redis");
    let mut real = TestServer::builder()
        .binary(redis)
        .enable_debug()
        .dir(dir.path())
        .args(["--appendonly", "yes", "--appendfsync", "always"])
        .start_timeout(Duration::from_secs(20))
        .start();
    let mut r = real.client();
    fill(&mut r);
    let theirs = digest(&mut r);
    drop(r);
    real.stop();
    drop(real);
    let srv = aof_server(dir.path(), "everysec");
    let mut c = srv.client();
    assert_eq!(digest(&mut c), theirs);
}
