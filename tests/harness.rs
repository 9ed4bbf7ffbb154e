//! Tests of the test harness itself (`tests/common`): starting and stopping servers, the RESP
//! client and reply parser, the CLI wrappers and the proxy.
//!
//! They need only basic commands from the server, so they can be checked against real Redis:
//! `RUDIS_TEST_SERVER_BIN=/usr/bin/redis-server cargo test --test harness`.
//!
//! Harness tests that need a server feature rudis does not have yet are left out of this file
//! until the issue that brings the feature lands; each comes back then, as first written:
//! - `replica_of_and_offset_sync`: `start_replica_of`, `wait_for_sync`, `wait_for_ofs_sync`
//!   (issue "replication").
//! - `proxy_cut_replication_link_then_partial_resync`: a replication link through the
//!   [`Proxy`], cut and healed, ends in a partial resync (issue "replication").
//!
//! Tests below that first used list, set, hash or sorted-set commands (LPUSH, SADD, HSET,
//! ZADD, ...) exercise the same harness paths with commands the server has now (GET, SET,
//! KEYS, DEBUG POPULATE, DEBUG PROTOCOL).

mod common;

use common::reply::{parse_one, Parser};
use common::*;
use std::net::TcpListener;
use std::time::Duration;

const SECS_10: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// Server lifecycle
// ---------------------------------------------------------------------------------------------

#[test]
fn start_ping_stop() {
    let mut srv = TestServer::start();
    assert!(srv.pid() > 0);
    assert!(srv.log().contains("Ready to accept connections"));
    assert!(srv.args().contains(&"--port".to_string()));
    let mut c = srv.client();
    assert_eq!(c.cmd(&["PING"]), "PONG");
    let status = srv.stop();
    assert!(status.success(), "SIGTERM exit status: {status:?}");
    assert!(!srv.is_running());
    assert!(srv.dir().exists(), "stop keeps the dir");
    assert!(matches!(c.try_cmd(&["PING"]), Err(ClientError::Closed)));
}

#[test]
fn drop_kills_server_and_removes_dir() {
    let srv = TestServer::start();
    let (dir, port) = (srv.dir().to_path_buf(), srv.port());
    assert!(dir.join("server.log").exists());
    drop(srv);
    assert!(!dir.exists(), "temp dir {} not removed", dir.display());
    assert!(Client::try_connect(port).is_err(), "server still listening");
}

#[test]
fn restart_keeps_port_and_dir() {
    let mut srv = TestServer::start();
    let (port, dir) = (srv.port(), srv.dir().to_path_buf());
    let pid = srv.pid();
    srv.restart();
    assert_eq!((srv.port(), srv.dir()), (port, dir.as_path()));
    assert_ne!(srv.pid(), pid, "a new process");
    assert_eq!(srv.client().cmd(&["PING"]), "PONG");
    assert_eq!(srv.log().matches("Ready to accept connections").count(), 2);
    assert_eq!(
        srv.run_log().matches("Ready to accept connections").count(),
        1
    );
}

#[test]
fn kill9_closes_clients_and_restart_after_kill() {
    let mut srv = TestServer::start();
    let mut c = srv.client();
    let status = srv.kill9();
    assert!(!status.success());
    assert!(matches!(c.try_cmd(&["PING"]), Err(ClientError::Closed)));
    srv.start_again().expect("start after kill -9");
    assert_eq!(srv.client().cmd(&["PING"]), "PONG");
}

#[test]
fn shutdown_command_and_wait_exit() {
    let mut srv = TestServer::start();
    let mut c = srv.client();
    // A successful SHUTDOWN closes the connection without a reply.
    assert!(matches!(
        c.try_cmd(&["SHUTDOWN", "NOSAVE"]),
        Err(ClientError::Closed)
    ));
    let status = srv.wait_exit(SECS_10).expect("server exits after SHUTDOWN");
    assert!(status.success());
}

#[test]
fn freeze_and_unfreeze() {
    let srv = TestServer::start();
    let mut c = srv.client();
    srv.freeze();
    c.send(&["PING"]);
    let silent = c.read_reply_timeout(Duration::from_millis(300));
    srv.unfreeze();
    assert!(matches!(silent, Err(ClientError::Timeout)), "{silent:?}");
    assert_eq!(c.read_reply(), "PONG");
}

#[test]
fn args_and_config_file() {
    let srv = TestServer::builder().arg("--requirepass").arg("x").start();
    srv.client().cmd(&["GET", "k"]).assert_err_prefix("NOAUTH");
    assert_eq!(Client::connect_auth(srv.port(), "x").cmd(&["PING"]), "PONG");

    // Directives in the config file win over the harness defaults (here `appendonly no`).
    let srv = TestServer::builder()
        .config_file("requirepass y\nappendonly yes\n")
        .directive("maxmemory", &["10mb"])
        .start();
    let mut c = Client::connect_auth(srv.port(), "y");
    let appendonly = c.cmd(&["CONFIG", "GET", "appendonly"]);
    assert_eq!(appendonly.get("appendonly").expect("appendonly"), &"yes");
    let maxmemory = c.cmd(&["CONFIG", "GET", "maxmemory"]).into_pairs();
    assert_eq!(maxmemory[0].1, "10485760");
    assert!(srv.config_path().expect("config path").exists());
}

#[test]
fn restart_keeps_port_dir_and_data() {
    let mut srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["SET", "k", "v"]).assert_ok();
    c.cmd(&["SAVE"]).assert_ok();
    drop(c);
    srv.restart();
    assert_eq!(srv.client().cmd(&["GET", "k"]), "v");
}

#[test]
fn start_in_given_dir_loads_its_dump() {
    let dir = TempDir::new("harness-dump");
    {
        let srv = TestServer::builder().dir(dir.path()).start();
        let mut c = srv.client();
        c.cmd(&["SET", "k", "v"]).assert_ok();
        c.cmd(&["SAVE"]).assert_ok();
    }
    let srv = TestServer::builder().dir(dir.path()).start();
    assert_eq!(srv.client().cmd(&["GET", "k"]), "v");
}

#[test]
fn pubsub_push_messages() {
    let srv = TestServer::start();
    let mut sub = srv.client();
    sub.cmd(&["HELLO", "3"]);
    let r = sub.cmd(&["SUBSCRIBE", "ch"]);
    assert!(matches!(r, Reply::Push(_)), "{r:?}");
    assert_eq!(srv.client().cmd(&["PUBLISH", "ch", "hi"]).as_int(), 1);
    let m = sub.read_reply();
    assert!(matches!(m, Reply::Push(_)), "{m:?}");
    let items = m.into_array();
    assert_eq!(items[0], "message");
    assert_eq!(items[1], "ch");
    assert_eq!(items[2], "hi");
}

#[test]
fn start_in_given_dir_keeps_the_dir() {
    let dir = TempDir::new("harness-dir");
    {
        let srv = TestServer::builder().dir(dir.path()).start();
        assert_eq!(srv.dir(), std::fs::canonicalize(dir.path()).unwrap());
        assert_eq!(
            srv.client().cmd(&["CONFIG", "GET", "dir"]).into_pairs()[0].1,
            srv.dir().display().to_string()
        );
    }
    assert!(
        dir.path().join("server.log").exists(),
        "a given dir is not removed"
    );
    let srv = TestServer::builder().dir(dir.path()).start();
    assert_eq!(srv.log().matches("Ready to accept connections").count(), 2);
}

#[test]
fn wait_for_log_after_mark() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["SET", "k", "v"]).assert_ok();
    assert_eq!(c.cmd(&["BGSAVE"]), "Background saving started");
    srv.wait_for_log("Background saving started by pid", SECS_10);
    srv.wait_for_log("Background saving terminated with success", SECS_10);
    // Lines before the mark are not found from it.
    let mark = srv.log_mark();
    assert!(srv
        .try_wait_for_log_from(mark, "Background saving started by pid", Duration::ZERO)
        .is_none());
    // A second BGSAVE (once the first child is reaped) logs the same lines again, after it.
    common::wait_for(SECS_10, "the first BGSAVE to be reaped", || {
        c.info_field("persistence", "rdb_bgsave_in_progress")
            .is_some_and(|v| v == "0")
    });
    assert_eq!(c.cmd(&["BGSAVE"]), "Background saving started");
    let line = srv.wait_for_log_from(mark, "Background saving started by pid", SECS_10);
    let pid: u32 = line
        .rsplit(' ')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no pid in {line}"));
    assert_ne!(pid, srv.pid(), "the save runs in a child");
    srv.wait_for_log_from(mark, "Background saving terminated with success", SECS_10);
}

#[test]
fn busy_explicit_port_is_a_bind_failure() {
    let holder = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    let err = TestServer::builder()
        .port(port)
        .try_start()
        .expect_err("port is taken");
    assert!(err.bind_failed, "{err}");
    assert!(err.exit.is_some());
}

#[test]
fn auto_port_retries_after_bind_failure() {
    use std::os::unix::fs::PermissionsExt;
    // A stand-in binary that fails like a server whose port was taken, once, then runs the
    // real server on the next attempt's port.
    let scratch = TempDir::new("harness-fake");
    let script = scratch.path().join("fake-server");
    let text = format!(
        "#!/bin/sh\n\
         if [ ! -e '{dir}/tried' ]; then\n\
           touch '{dir}/tried'\n\
           echo \"Failed listening on port $2 (tcp), aborting.\"\n\
           exit 1\n\
         fi\n\
         exec '{real}' \"$@\"\n",
        dir = scratch.path().display(),
        real = common::server::server_bin().display()
    );
    std::fs::write(&script, text).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let srv = TestServer::builder().binary(&script).start();
    assert!(scratch.path().join("tried").exists());
    let all_output = std::fs::read_to_string(srv.dir().join("stdout.log")).unwrap();
    let failed_port: u16 = all_output
        .split_whitespace()
        .nth(4)
        .and_then(|p| p.parse().ok())
        .expect("port in the failure line");
    assert_ne!(failed_port, srv.port(), "retried on a new port");
    assert_eq!(srv.client().cmd(&["PING"]), "PONG");
}

#[test]
fn bad_config_is_a_start_error() {
    let err = TestServer::builder()
        .config_file("no-such-directive 1\n")
        .try_start()
        .expect_err("bad directive");
    assert!(!err.bind_failed);
    assert!(!err.exit.expect("exited").success());
    assert!(
        (err.output.clone() + &err.log).contains("Bad directive"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

#[test]
fn set_get_binary_safe_nil_and_errors() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let value: &[u8] = b"a\0b\r\n$3\r\n*\xff";
    c.cmd_bytes(&[b"SET", b"bin\r\nkey", value]).assert_ok();
    assert_eq!(c.cmd_bytes(&[b"GET", b"bin\r\nkey"]).as_bytes(), value);
    c.cmd(&["GET", "missing"]).assert_nil();
    assert_eq!(c.cmd(&["GET", "missing"]), Reply::Bulk(None));
    c.cmd(&["NO-SUCH-COMMAND"])
        .assert_err_prefix("ERR unknown command");
    c.cmd(&["GET"])
        .assert_err_prefix("ERR wrong number of arguments");
    let owned = vec!["SET".to_string(), "s".to_string(), "owned".to_string()];
    c.cmd(&owned).assert_ok();
    assert_eq!(c.cmd(&["EXISTS", "s", "missing", "s"]), 2);
    assert_eq!(c.cmd(&["DBSIZE"]).as_int(), 2);
    c.cmd(&["SET", "t", "x"]).assert_ok();
    let mut keys = c.cmd(&["KEYS", "[st]"]).into_strings();
    keys.sort();
    assert_eq!(keys, ["s", "t"]);
    assert_eq!(
        c.cmd(&["COMMAND", "INFO", "no-such-command"]).as_array(),
        [Reply::Bulk(None)].as_slice()
    );
    // `cmd_line` splits on spaces: ECHO gets two arguments, one too many.
    assert_eq!(
        c.cmd_line("ECHO two words"),
        Reply::Error("ERR wrong number of arguments for 'echo' command".into())
    );
    c.cmd_line("SET line-key v").assert_ok();
    assert_eq!(c.cmd_line("GET line-key"), "v");
    assert_eq!(c.cmd(&["INCR", "n"]), 1);
    assert_eq!(c.cmd(&["INCRBY", "n", "41"]).as_int(), 42);
    assert_eq!(
        c.cmd(&["MGET", "s", "missing"]).into_opt_strings(),
        [Some("owned".to_string()), None]
    );
}

#[test]
fn pipelining_and_raw_inline() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let replies = c.pipeline(&[
        &["SET", "a", "1"],
        &["GET", "a"],
        &["DEL", "a"],
        &["GET", "a"],
    ]);
    assert_eq!(
        replies,
        [
            Reply::Status("OK".into()),
            Reply::Bulk(Some(b"1".to_vec())),
            Reply::Int(1),
            Reply::Bulk(None)
        ]
    );

    let n = 2000;
    let words: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    let cmds: Vec<[&str; 2]> = words.iter().map(|w| ["ECHO", w.as_str()]).collect();
    let cmds: Vec<&[&str]> = cmds.iter().map(|c| &c[..]).collect();
    let replies = c.pipeline(&cmds);
    assert_eq!(replies.len(), n);
    for (i, r) in replies.iter().enumerate() {
        assert_eq!(*r, i.to_string());
    }

    c.send_raw(b"PING\r\nECHO hello\r\n");
    assert_eq!(c.read_reply(), "PONG");
    assert_eq!(c.read_reply(), "hello");
}

#[test]
fn large_reply_in_many_segments() {
    let srv = TestServer::builder().enable_debug().start();
    let mut c = srv.client();
    let big = "x".repeat(3 * 1024 * 1024);
    c.cmd(&["SET", "big", &big]).assert_ok();
    assert_eq!(c.cmd(&["GET", "big"]).as_bytes().len(), big.len());
    c.cmd(&["DEL", "big"]);
    c.cmd(&["DEBUG", "POPULATE", "20000"]).assert_ok();
    assert_eq!(c.cmd(&["KEYS", "*"]).as_array().len(), 20_000);
}

#[test]
fn resp3_via_hello() {
    let srv = TestServer::builder().enable_debug().start();
    let mut c = srv.client();
    let hello = c.cmd(&["HELLO", "3"]);
    assert!(matches!(hello, Reply::Map(_)), "{hello:?}");
    assert_eq!(hello.get("proto"), Some(&Reply::Int(3)));
    assert!(!hello.get("version").expect("version").as_str().is_empty());

    assert_eq!(c.cmd(&["GET", "missing"]), Reply::Null);
    let config = c.cmd(&["CONFIG", "GET", "maxmemory"]);
    assert_eq!(
        config,
        Reply::Map(vec![(
            Reply::Bulk(Some(b"maxmemory".to_vec())),
            Reply::Bulk(Some(b"0".to_vec()))
        )])
    );
    assert_eq!(c.cmd(&["DEBUG", "PROTOCOL", "true"]), Reply::Bool(true));
    assert_eq!(c.cmd(&["DEBUG", "PROTOCOL", "null"]), Reply::Null);
    assert!(matches!(
        c.cmd(&["DEBUG", "PROTOCOL", "set"]),
        Reply::Set(_)
    ));
    assert!(matches!(
        c.cmd(&["DEBUG", "PROTOCOL", "map"]),
        Reply::Map(_)
    ));
    let double = c.cmd(&["DEBUG", "PROTOCOL", "double"]);
    assert!(matches!(double, Reply::Double(_)), "{double:?}");

    // Back in RESP2 the double is a bulk string; `as_f64` reads both.
    c.cmd(&["HELLO", "2"]);
    let text = c.cmd(&["DEBUG", "PROTOCOL", "double"]);
    assert_eq!(text, "3.141");
    assert_eq!(text.as_f64(), double.as_f64());
    c.cmd(&["GET", "missing"]).assert_nil();
    assert_eq!(c.cmd(&["GET", "missing"]), Reply::Bulk(None));
}

#[test]
fn read_timeout_keeps_connection_usable() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert!(matches!(
        c.read_reply_timeout(Duration::from_millis(100)),
        Err(ClientError::Timeout)
    ));
    assert_eq!(c.cmd(&["PING"]), "PONG");
}

#[test]
fn quit_and_client_kill_close_the_connection() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.send(&["QUIT"]);
    assert!(c.read_reply().is_ok());
    assert!(c.wait_closed(SECS_10));

    let mut victim = srv.client();
    let addr = victim.local_addr().to_string();
    assert_eq!(srv.client().cmd(&["CLIENT", "KILL", "ADDR", &addr]), 1);
    assert!(victim.wait_closed(SECS_10));
    assert!(!srv.client().wait_closed(Duration::from_millis(100)));
}

// ---------------------------------------------------------------------------------------------
// Reply parser (no server)
// ---------------------------------------------------------------------------------------------

fn bulk(s: &str) -> Reply {
    Reply::Bulk(Some(s.as_bytes().to_vec()))
}

#[test]
fn parser_resp2_types() {
    assert_eq!(parse_one(b"+OK\r\n"), Reply::Status("OK".into()));
    assert_eq!(parse_one(b"-ERR x y\r\n"), Reply::Error("ERR x y".into()));
    assert_eq!(parse_one(b":-12\r\n"), Reply::Int(-12));
    assert_eq!(parse_one(b"$0\r\n\r\n"), bulk(""));
    assert_eq!(parse_one(b"$-1\r\n"), Reply::Bulk(None));
    assert_eq!(parse_one(b"*-1\r\n"), Reply::Array(None));
    assert_eq!(parse_one(b"*0\r\n"), Reply::Array(Some(vec![])));
    assert_eq!(
        parse_one(b"*2\r\n$1\r\na\r\n*1\r\n:1\r\n"),
        Reply::Array(Some(vec![
            bulk("a"),
            Reply::Array(Some(vec![Reply::Int(1)]))
        ]))
    );
}

#[test]
fn parser_resp3_types() {
    assert_eq!(parse_one(b"_\r\n"), Reply::Null);
    assert_eq!(parse_one(b"#t\r\n"), Reply::Bool(true));
    assert_eq!(parse_one(b"#f\r\n"), Reply::Bool(false));
    assert_eq!(parse_one(b",1.25\r\n"), Reply::Double(1.25));
    assert_eq!(parse_one(b",-inf\r\n"), Reply::Double(f64::NEG_INFINITY));
    assert!(parse_one(b",nan\r\n").as_f64().is_nan());
    assert_eq!(
        parse_one(b"(123456789012345678901234\r\n"),
        Reply::BigNumber("123456789012345678901234".into())
    );
    assert_eq!(parse_one(b"!5\r\nERR x\r\n"), Reply::Error("ERR x".into()));
    assert_eq!(
        parse_one(b"=8\r\ntxt:a\r\nb\r\n"),
        Reply::Verbatim("txt".into(), "a\r\nb".into())
    );
    assert_eq!(
        parse_one(b"%1\r\n+k\r\n:1\r\n"),
        Reply::Map(vec![(Reply::Status("k".into()), Reply::Int(1))])
    );
    assert_eq!(parse_one(b"~1\r\n:1\r\n"), Reply::Set(vec![Reply::Int(1)]));
    assert_eq!(parse_one(b">2\r\n+a\r\n+b\r\n").into_strings(), ["a", "b"]);
    assert_eq!(
        parse_one(b"|1\r\n+ttl\r\n:3\r\n*1\r\n:7\r\n"),
        Reply::Attribute(
            vec![(Reply::Status("ttl".into()), Reply::Int(3))],
            Box::new(Reply::Array(Some(vec![Reply::Int(7)])))
        )
    );
    assert_eq!(
        parse_one(b"*1\r\n|0\r\n:5\r\n"),
        Reply::Array(Some(vec![Reply::Attribute(
            vec![],
            Box::new(Reply::Int(5))
        )]))
    );
}

#[test]
fn parser_resumes_across_splits() {
    let wire: &[u8] = b"*3\r\n$5\r\nhello\r\n%1\r\n+k\r\n~2\r\n:1\r\n_\r\n,2.5\r\n+next\r\n";
    let expected = parse_one(&wire[..wire.len() - 7]);
    for split in 0..wire.len() {
        // Feed the bytes one by one up to `split`, then the rest at once.
        let mut p = Parser::new();
        let mut buf = Vec::new();
        let mut got = None;
        for &b in &wire[..split] {
            buf.push(b);
            if let Some(r) = p.parse(&buf).unwrap() {
                got = Some(r);
                break;
            }
        }
        let (reply, used) = match got {
            Some(r) => r,
            None => {
                buf.extend_from_slice(&wire[split..]);
                p.parse(&buf).unwrap().expect("complete")
            }
        };
        assert_eq!(reply, expected, "split at {split}");
        assert_eq!(used, wire.len() - 7);
        // The parser is reset and reads the following reply from the rest of the buffer.
        let mut rest = wire[used..].to_vec();
        rest.truncate(7);
        assert_eq!(
            p.parse(&rest).unwrap(),
            Some((Reply::Status("next".into()), 7))
        );
    }
}

#[test]
fn parser_rejects_garbage() {
    assert!(Parser::new().parse(b"?what\r\n").is_err());
    assert!(Parser::new().parse(b"$3\r\nabcd\r\n").is_err());
    assert!(Parser::new().parse(b":x\r\n").is_err());
    assert!(Parser::new().parse(b"$-2\r\n").is_err());
    assert_eq!(Parser::new().parse(b"$3\r\nab").unwrap(), None);
}

#[test]
fn reply_helpers() {
    assert!(Reply::Status("OK".into()).is_ok());
    assert!(Reply::Null.is_nil() && Reply::Array(None).is_nil());
    assert_eq!(bulk("7"), "7");
    assert_ne!(bulk("7"), 7);
    assert!(Reply::Int(1).as_bool());
    let flat = Reply::Array(Some(vec![bulk("a"), bulk("1"), bulk("b"), bulk("2")]));
    assert_eq!(flat.get("b"), Some(&bulk("2")));
    assert_eq!(flat.into_pairs().len(), 2);
    assert_eq!(format!("{:?}", bulk("a\r\n\0")), "Bulk(\"a\\r\\n\\x00\")");
    let caught = std::panic::catch_unwind(|| Reply::Int(1).assert_ok());
    assert!(caught.is_err());
    Reply::Error("WRONGTYPE Operation".into()).assert_err_prefix("WRONGTYPE");
}

// ---------------------------------------------------------------------------------------------
// redis-cli, redis-benchmark
// ---------------------------------------------------------------------------------------------

#[test]
fn redis_cli_and_benchmark() {
    let srv = TestServer::start();
    let (out, err, status) = redis_cli(srv.port(), &["SET", "k", "v"]);
    assert!(status.success(), "{err}");
    assert_eq!(out, "OK\n");
    assert_eq!(srv.cli(&["GET", "k"]).0, "v\n");

    let (_, err, status) = redis_cli_stdin(srv.port(), &["-x", "SET", "k2"], b"from stdin");
    assert!(status.success(), "{err}");
    assert_eq!(srv.client().cmd(&["GET", "k2"]), "from stdin");

    let (out, err, status) =
        redis_benchmark(srv.port(), &["-n", "200", "-c", "2", "-t", "set,get", "-q"]);
    assert!(status.success(), "{err}");
    assert!(out.contains("SET:") && out.contains("GET:"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Proxy
// ---------------------------------------------------------------------------------------------

#[test]
fn proxy_forwards_cuts_and_heals() {
    let srv = TestServer::start();
    let proxy = Proxy::new(srv.port());
    let mut c = Client::connect(proxy.port());
    assert_eq!(c.cmd(&["SET", "k", "v"]), "OK");
    assert_eq!(proxy.active_connections(), 1);

    proxy.cut();
    assert!(matches!(c.try_cmd(&["GET", "k"]), Err(ClientError::Closed)));
    let mut during_cut = Client::connect(proxy.port());
    assert!(matches!(
        during_cut.try_cmd(&["PING"]),
        Err(ClientError::Closed)
    ));
    assert!(proxy.refused() >= 1);

    proxy.heal();
    assert_eq!(Client::connect(proxy.port()).cmd(&["GET", "k"]), "v");
    assert_eq!(proxy.accepted(), 2);
    assert!(wait_until(SECS_10, || proxy.active_connections() == 0));
}

#[test]
fn proxy_pause_holds_bytes_until_resume() {
    let srv = TestServer::start();
    let proxy = Proxy::new(srv.port());
    let mut c = Client::connect(proxy.port());
    assert_eq!(c.cmd(&["PING"]), "PONG");
    proxy.pause();
    c.send(&["ECHO", "held"]);
    assert!(matches!(
        c.read_reply_timeout(Duration::from_millis(300)),
        Err(ClientError::Timeout)
    ));
    proxy.resume();
    assert_eq!(c.read_reply(), "held");
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

#[test]
fn wait_until_free_port_and_temp_dir() {
    let mut n = 0;
    assert!(wait_until(SECS_10, || {
        n += 1;
        n == 3
    }));
    assert!(!wait_until(Duration::from_millis(30), || false));
    wait_for(SECS_10, "nothing", || true);

    let port = free_port();
    assert_ne!(port, 0);
    TcpListener::bind(("127.0.0.1", port)).expect("free port can be bound");

    let dir = TempDir::new("harness");
    let path = dir.path().to_path_buf();
    std::fs::write(path.join("f"), "x").unwrap();
    assert_ne!(TempDir::new("harness").path(), path);
    drop(dir);
    assert!(!path.exists() || keep_test_dirs());
}
