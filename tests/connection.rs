//! Connection handling as a client sees it: AUTH and NOAUTH, HELLO with AUTH and SETNAME,
//! SELECT and SWAPDB, QUIT, idle `timeout`, `maxclients`, protected mode, and serving on a
//! unix socket.
//!
//! Every expectation is Redis 7.0.15's: `RUDIS_TEST_SERVER_BIN=/usr/bin/redis-server cargo test
//! --test connection` runs the same assertions against real Redis.

mod common;

use common::cli::{cli_bin, run_with_timeout, CLI_TIMEOUT};
use common::{wait_until, ClientError, Reply, TempDir, TestServer};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::process::Command;
use std::time::{Duration, Instant};

const SECS_10: Duration = Duration::from_secs(10);

const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

fn bulk(s: &str) -> Reply {
    Reply::Bulk(Some(s.as_bytes().to_vec()))
}

fn err(s: &str) -> Reply {
    Reply::Error(s.into())
}

#[test]
fn auth_without_a_password_configured() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(
        c.cmd(&["AUTH", "foo"]),
        err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
    );
    // With a user name, the default user's "nopass" accepts anything.
    c.cmd(&["AUTH", "default", "whatever"]).assert_ok();
    assert_eq!(c.cmd(&["AUTH", "nobody", "x"]), err(WRONGPASS));
    assert_eq!(c.cmd(&["AUTH", "a", "b", "c"]), err("ERR syntax error"));
    assert_eq!(
        c.cmd(&["AUTH"]),
        err("ERR wrong number of arguments for 'auth' command")
    );
    assert_eq!(c.cmd(&["PING"]), "PONG");
}

#[test]
fn requirepass_refuses_commands_until_auth() {
    let srv = TestServer::builder()
        .arg("--requirepass")
        .arg("foobar")
        .start();
    let mut c = srv.client();
    assert_eq!(
        c.cmd(&["SET", "k", "v"]),
        err("NOAUTH Authentication required.")
    );
    assert_eq!(c.cmd(&["PING"]), err("NOAUTH Authentication required."));
    // Unknown commands and wrong arity are reported before authentication is checked.
    c.cmd(&["NOSUCH"])
        .assert_err_prefix("ERR unknown command 'NOSUCH'");
    assert_eq!(c.cmd(&["AUTH", "wrong!"]), err(WRONGPASS));
    assert_eq!(c.cmd(&["AUTH", "default", "wrong!"]), err(WRONGPASS));
    assert_eq!(c.cmd(&["GET", "k"]), err("NOAUTH Authentication required."));
    c.cmd(&["AUTH", "foobar"]).assert_ok();
    c.cmd(&["SET", "k", "v"]).assert_ok();
    assert_eq!(c.cmd(&["GET", "k"]), "v");
    // A failed AUTH after a good one does not log the client out.
    assert_eq!(c.cmd(&["AUTH", "nope"]), err(WRONGPASS));
    assert_eq!(c.cmd(&["GET", "k"]), "v");
    // QUIT needs no authentication.
    let mut q = srv.client();
    q.cmd(&["QUIT"]).assert_ok();
    assert!(q.wait_closed(SECS_10));
    // The user name form works too.
    let mut u = srv.client();
    u.cmd(&["AUTH", "default", "foobar"]).assert_ok();
    assert_eq!(u.cmd(&["GET", "k"]), "v");
}

#[test]
fn binary_passwords() {
    let srv = TestServer::start();
    let mut admin = srv.client();
    admin
        .cmd_bytes(&[b"CONFIG", b"SET", b"requirepass", b"abc\x00def"])
        .assert_ok();
    let mut c = srv.client();
    assert_eq!(c.cmd(&["AUTH", "abc"]), err(WRONGPASS));
    assert_eq!(c.cmd_bytes(&[b"AUTH", b"abc\x00de"]), err(WRONGPASS));
    c.cmd_bytes(&[b"AUTH", b"abc\x00def"]).assert_ok();
    assert_eq!(c.cmd(&["PING"]), "PONG");
    // A client authenticated before the password was set stays authenticated.
    assert_eq!(admin.cmd(&["PING"]), "PONG");
    admin.cmd(&["CONFIG", "SET", "requirepass", ""]).assert_ok();
    assert_eq!(srv.client().cmd(&["PING"]), "PONG");
}

#[test]
fn hello_with_auth_and_setname() {
    let srv = TestServer::builder()
        .arg("--requirepass")
        .arg("secret")
        .start();
    let mut c = srv.client();
    assert_eq!(
        c.cmd(&["HELLO", "3"]),
        err("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
    );
    assert_eq!(
        c.cmd(&["HELLO", "3", "AUTH", "default", "wrong"]),
        err(WRONGPASS)
    );
    assert_eq!(c.cmd(&["GET", "k"]), err("NOAUTH Authentication required."));
    assert_eq!(
        c.cmd(&["HELLO", "3", "AUTH", "default"]),
        err("ERR Syntax error in HELLO option 'AUTH'")
    );
    // Options act in order: a bad name before AUTH stops before authenticating ...
    assert_eq!(
        c.cmd(&["HELLO", "3", "SETNAME", "bad name", "AUTH", "default", "secret"]),
        err("ERR Client names cannot contain spaces, newlines or special characters.")
    );
    assert_eq!(c.cmd(&["GET", "k"]), err("NOAUTH Authentication required."));
    // ... and after AUTH fails the command but leaves the client authenticated (in RESP2).
    let mut d = srv.client();
    assert_eq!(
        d.cmd(&["HELLO", "3", "AUTH", "default", "secret", "SETNAME", "bad name"]),
        err("ERR Client names cannot contain spaces, newlines or special characters.")
    );
    assert_eq!(d.cmd(&["GET", "k"]), Reply::Bulk(None));
    let mut e = srv.client();
    assert_eq!(
        e.cmd(&["HELLO", "3", "SETNAME", "early", "AUTH", "default", "nope"]),
        err(WRONGPASS)
    );
    assert_eq!(e.cmd(&["AUTH", "secret"]), Reply::Status("OK".into()));
    assert_eq!(e.cmd(&["CLIENT", "GETNAME"]), bulk("early"));
    let hello = c.cmd(&[
        "HELLO", "3", "AUTH", "default", "secret", "SETNAME", "myname",
    ]);
    assert!(matches!(hello, Reply::Map(_)), "{hello:?}");
    assert_eq!(hello.get("proto"), Some(&Reply::Int(3)));
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), bulk("myname"));
    assert_eq!(c.cmd(&["GET", "k"]), Reply::Null);
    // Once authenticated, plain HELLO works, and SETNAME alone renames.
    let hello = c.cmd(&["HELLO", "2", "SETNAME", "other"]);
    assert_eq!(hello.get("proto"), Some(&Reply::Int(2)));
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), bulk("other"));
    assert_eq!(c.cmd(&["GET", "k"]), Reply::Bulk(None));
}

#[test]
fn select_and_its_errors() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["SET", "k", "db0"]).assert_ok();
    c.cmd(&["SELECT", "15"]).assert_ok();
    c.cmd(&["GET", "k"]).assert_nil();
    c.cmd(&["SET", "k", "db15"]).assert_ok();
    assert_eq!(
        c.cmd(&["SELECT", "16"]),
        err("ERR DB index is out of range")
    );
    assert_eq!(
        c.cmd(&["SELECT", "-1"]),
        err("ERR DB index is out of range")
    );
    assert_eq!(
        c.cmd(&["SELECT", "x"]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        c.cmd(&["SELECT", "1.0"]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        c.cmd(&["SELECT", "01"]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        c.cmd(&["SELECT", "3000000000"]),
        err("ERR value is out of range, value must between -2147483648 and 2147483647")
    );
    // A failed SELECT leaves the current database alone.
    assert_eq!(c.cmd(&["GET", "k"]), "db15");
    c.cmd(&["SELECT", "0"]).assert_ok();
    assert_eq!(c.cmd(&["GET", "k"]), "db0");
    // Another connection starts in db 0.
    assert_eq!(srv.client().cmd(&["GET", "k"]), "db0");
    // The range follows `databases`.
    let srv2 = TestServer::builder().arg("--databases").arg("2").start();
    let mut d = srv2.client();
    assert_eq!(d.cmd(&["SELECT", "2"]), err("ERR DB index is out of range"));
    d.cmd(&["SELECT", "1"]).assert_ok();
}

#[test]
fn swapdb_swaps_for_every_client() {
    let srv = TestServer::start();
    let mut a = srv.client();
    let mut b = srv.client();
    a.cmd(&["SET", "k", "zero"]).assert_ok();
    b.cmd(&["SELECT", "1"]).assert_ok();
    b.cmd(&["SET", "k", "one"]).assert_ok();
    b.cmd(&["SET", "only1", "x"]).assert_ok();
    a.cmd(&["SWAPDB", "0", "1"]).assert_ok();
    assert_eq!(a.cmd(&["GET", "k"]), "one");
    assert_eq!(a.cmd(&["DBSIZE"]), 2);
    assert_eq!(b.cmd(&["GET", "k"]), "zero");
    assert_eq!(b.cmd(&["DBSIZE"]), 1);
    a.cmd(&["SWAPDB", "1", "1"]).assert_ok();
    assert_eq!(b.cmd(&["GET", "k"]), "zero");
    assert_eq!(
        a.cmd(&["SWAPDB", "a", "1"]),
        err("ERR invalid first DB index")
    );
    assert_eq!(
        a.cmd(&["SWAPDB", "0", "b"]),
        err("ERR invalid second DB index")
    );
    assert_eq!(
        a.cmd(&["SWAPDB", "x", "y"]),
        err("ERR invalid first DB index")
    );
    assert_eq!(
        a.cmd(&["SWAPDB", "0", "3000000000"]),
        err("ERR invalid second DB index")
    );
    assert_eq!(
        a.cmd(&["SWAPDB", "0", "16"]),
        err("ERR DB index is out of range")
    );
    assert_eq!(
        a.cmd(&["SWAPDB", "-1", "0"]),
        err("ERR DB index is out of range")
    );
    assert_eq!(
        a.cmd(&["SWAPDB", "0"]),
        err("ERR wrong number of arguments for 'swapdb' command")
    );
}

#[test]
fn quit_answers_ok_and_runs_nothing_after_it() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.send_raw(b"QUIT\r\nSET after-quit 1\r\n*3\r\n$3\r\nSET\r\n$6\r\nafter2\r\n$1\r\n1\r\n");
    c.read_reply().assert_ok();
    assert!(matches!(c.try_read_reply(), Err(ClientError::Closed)));
    let mut other = srv.client();
    assert_eq!(other.cmd(&["EXISTS", "after-quit", "after2"]), 0);
    // QUIT with arguments is still QUIT.
    let mut c = srv.client();
    c.cmd(&["QUIT", "now"]).assert_ok();
    assert!(c.wait_closed(SECS_10));
}

#[test]
fn timeout_closes_idle_clients() {
    let srv = TestServer::builder().arg("--timeout").arg("1").start();
    let mut idle = srv.client();
    assert_eq!(idle.cmd(&["PING"]), "PONG");
    let mut busy = srv.client();
    let start = Instant::now();
    let closed = wait_until(Duration::from_secs(10), || {
        assert_eq!(busy.cmd(&["PING"]), "PONG");
        matches!(
            idle.read_reply_timeout(Duration::from_millis(50)),
            Err(ClientError::Closed)
        )
    });
    assert!(closed, "idle client not closed");
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(900),
        "closed after {waited:?}, before the 1 s timeout"
    );
    // The client that kept talking is still connected.
    assert_eq!(busy.cmd(&["PING"]), "PONG");
    assert_eq!(
        busy.cmd(&["CONFIG", "GET", "timeout"]).into_pairs()[0].1,
        "1"
    );
}

#[test]
fn maxclients_refuses_the_extra_client() {
    let srv = TestServer::builder().arg("--maxclients").arg("2").start();
    // The harness's readiness probe may still hold a slot for a moment.
    let mut first = None;
    assert!(wait_until(SECS_10, || {
        let mut c = srv.client();
        let ok = matches!(c.try_cmd(&["PING"]), Ok(r) if r == "PONG");
        if ok {
            first = Some(c);
        }
        ok
    }));
    let mut first = first.expect("first client");
    let mut second = None;
    assert!(wait_until(SECS_10, || {
        let mut c = srv.client();
        let ok = matches!(c.try_cmd(&["PING"]), Ok(r) if r == "PONG");
        if ok {
            second = Some(c);
        }
        ok
    }));
    let mut second = second.expect("second client");
    let mut third = srv.client();
    assert_eq!(third.read_reply(), err("ERR max number of clients reached"));
    assert!(third.wait_closed(SECS_10));
    assert_eq!(first.cmd(&["PING"]), "PONG");
    assert_eq!(second.cmd(&["PING"]), "PONG");
    let rejected = first.info_field("stats", "rejected_connections");
    assert_ne!(rejected.as_deref(), Some("0"));
    // A freed slot is taken again.
    drop(second);
    assert!(wait_until(SECS_10, || {
        matches!(srv.client().try_cmd(&["PING"]), Ok(r) if r == "PONG")
    }));
}

#[test]
fn protected_mode_serves_loopback_clients() {
    // Only loopback is available here: protected mode must let it in without a password.
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "protected-mode"]).into_pairs()[0].1,
        "yes"
    );
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "requirepass"]).into_pairs()[0].1,
        ""
    );
    assert_eq!(c.cmd(&["PING"]), "PONG");
    // Also when every interface is bound.
    let all = TestServer::builder().arg("--bind").arg("* -::*").start();
    let mut c = all.client();
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "protected-mode"]).into_pairs()[0].1,
        "yes"
    );
    c.cmd(&["SET", "k", "v"]).assert_ok();
    assert_eq!(c.cmd(&["GET", "k"]), "v");
}

#[test]
fn unix_socket_serves_clients() {
    let dir = TempDir::new("rudis-unix");
    let path = dir.path().join("s.sock");
    let srv = TestServer::builder()
        .arg("--unixsocket")
        .arg(path.display().to_string())
        .arg("--unixsocketperm")
        .arg("700")
        .start();
    let meta = std::fs::metadata(&path).expect("socket file");
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o700);

    let mut s = UnixStream::connect(&path).expect("connect to the unix socket");
    s.set_read_timeout(Some(SECS_10)).unwrap();
    s.write_all(b"*3\r\n$3\r\nSET\r\n$4\r\nunix\r\n$3\r\nyes\r\nGET unix\r\n")
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    while got.len() < b"+OK\r\n$3\r\nyes\r\n".len() {
        let n = s.read(&mut buf).expect("read");
        assert!(
            n > 0,
            "closed early after {:?}",
            got.escape_ascii().to_string()
        );
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(got, b"+OK\r\n$3\r\nyes\r\n");
    // TCP clients see the same data; CLIENT LIST shows the unix client with flag U.
    let mut tcp = srv.client();
    assert_eq!(tcp.cmd(&["GET", "unix"]), "yes");
    let list = tcp.cmd(&["CLIENT", "LIST"]).as_str().to_string();
    assert!(
        list.lines().any(|l| l.contains(" flags=U ")),
        "no unix client in {list}"
    );

    let mut cmd = Command::new(cli_bin());
    cmd.arg("-s").arg(&path).args(["GET", "unix"]);
    let (out, errout, status) = run_with_timeout(cmd, b"", CLI_TIMEOUT);
    assert!(status.success(), "{errout}");
    assert_eq!(out, "yes\n");
    let mut cmd = Command::new(cli_bin());
    cmd.arg("-s").arg(&path).arg("PING");
    assert_eq!(run_with_timeout(cmd, b"", CLI_TIMEOUT).0, "PONG\n");
}
