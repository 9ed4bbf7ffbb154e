//! Server commands against the real binary: INFO, DEBUG, SLOWLOG, LATENCY,
//! MEMORY, TIME, LASTSAVE, ROLE, FUNCTION, SHUTDOWN.

mod common;

use std::time::Duration;

use common::client::parse_info;
use common::{wait_until, Client, ClientError, Reply, TempDir, TestServer};

/// A server that accepts DEBUG (Redis 7 refuses it by default).
fn start_debug() -> TestServer {
    TestServer::builder().enable_debug().start()
}

/// One field of an INFO text.
fn info_field(text: &str, name: &str) -> Option<String> {
    parse_info(text).remove(name)
}

fn arr(items: Vec<Reply>) -> Reply {
    Reply::Array(Some(items))
}

fn info(c: &mut Client, args: &[&str]) -> String {
    let mut a = vec!["INFO"];
    a.extend_from_slice(args);
    c.cmd(&a).as_str().to_string()
}

fn sections(text: &str) -> Vec<String> {
    text.split("\r\n")
        .filter_map(|l| l.strip_prefix("# "))
        .map(String::from)
        .collect()
}

#[test]
fn info_default_all_and_everything_sections() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let default = [
        "Server",
        "Clients",
        "Memory",
        "Persistence",
        "Stats",
        "Replication",
        "CPU",
        "Modules",
        "Errorstats",
        "Cluster",
        "Keyspace",
    ];
    assert_eq!(sections(&info(&mut c, &[])), default);
    assert_eq!(sections(&info(&mut c, &["default"])), default);
    let all = [
        "Server",
        "Clients",
        "Memory",
        "Persistence",
        "Stats",
        "Replication",
        "CPU",
        "Modules",
        "Commandstats",
        "Errorstats",
        "Latencystats",
        "Cluster",
        "Keyspace",
    ];
    assert_eq!(sections(&info(&mut c, &["all"])), all);
    assert_eq!(sections(&info(&mut c, &["everything"])), all);
    assert_eq!(sections(&info(&mut c, &["cpu"])), ["CPU"]);
    // Several sections, any case, each once, in Redis's order.
    assert_eq!(
        sections(&info(&mut c, &["KEYSPACE", "cpu", "Cpu"])),
        ["CPU", "Keyspace"]
    );
    assert_eq!(info(&mut c, &["nosuchsection"]), "");
}

#[test]
fn info_fields_have_redis_names_and_values() {
    let srv = TestServer::start();
    let mut c = srv.client();
    // The harness's readiness probe may not have been reaped yet.
    assert!(wait_until(Duration::from_secs(5), || {
        c.info_field("clients", "connected_clients").as_deref() == Some("1")
    }));
    c.cmd(&["SET", "k", "v"]);
    c.cmd(&["SET", "n", "1"]);
    let text = info(&mut c, &["everything"]);
    let f = |n: &str| info_field(&text, n).unwrap_or_else(|| panic!("INFO lacks {n}"));
    assert_eq!(f("redis_version"), "7.0.15");
    assert_eq!(f("redis_mode"), "standalone");
    assert_eq!(f("multiplexing_api"), "epoll");
    assert_eq!(f("arch_bits"), "64");
    assert_eq!(f("tcp_port"), srv.port().to_string());
    assert_eq!(f("process_id"), srv.pid().to_string());
    assert_eq!(f("run_id").len(), 40);
    assert_eq!(f("connected_clients"), "1");
    assert_eq!(f("maxclients"), "10000");
    assert!(f("used_memory").parse::<u64>().expect("number") > 0);
    assert!(f("used_memory_rss").parse::<u64>().expect("number") > 0);
    assert_eq!(f("maxmemory_policy"), "noeviction");
    assert_eq!(f("loading"), "0");
    assert_eq!(f("rdb_changes_since_last_save"), "2");
    assert_eq!(f("rdb_last_bgsave_status"), "ok");
    assert_eq!(f("aof_enabled"), "0");
    assert_eq!(f("role"), "master");
    assert_eq!(f("connected_slaves"), "0");
    assert_eq!(f("master_failover_state"), "no-failover");
    assert_eq!(f("master_replid").len(), 40);
    assert_eq!(f("master_replid2"), "0".repeat(40));
    assert_eq!(f("second_repl_offset"), "-1");
    assert_eq!(f("repl_backlog_size"), "1048576");
    assert!(f("used_cpu_user").contains('.'));
    assert_eq!(f("cluster_enabled"), "0");
    assert_eq!(f("db0"), "keys=2,expires=0,avg_ttl=0");
    assert!(
        f("total_commands_processed")
            .parse::<u64>()
            .expect("number")
            >= 2
    );
    assert!(
        f("cmdstat_set").starts_with("calls=2,usec="),
        "{}",
        f("cmdstat_set")
    );
    assert!(f("cmdstat_set").ends_with(",rejected_calls=0,failed_calls=0"));
    let lat = f("latency_percentiles_usec_set");
    assert!(lat.starts_with("p50=") && lat.contains(",p99=") && lat.contains(",p99.9="));
}

#[test]
fn info_is_verbatim_in_resp3() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["HELLO", "3"]);
    match c.cmd(&["INFO", "server"]) {
        Reply::Verbatim(fmt, body) => {
            assert_eq!(fmt, "txt");
            assert!(body.starts_with("# Server\r\n"));
        }
        other => panic!("expected verbatim, got {other:?}"),
    }
}

#[test]
fn errorstats_and_rejected_calls() {
    let srv = start_debug();
    let mut c = srv.client();
    assert!(c.cmd(&["SET", "k"]).is_error());
    assert!(c.cmd(&["NOSUCHCMD"]).is_error());
    assert!(c.cmd(&["DEBUG", "OBJECT", "missing"]).is_error());
    let text = info(&mut c, &["errorstats", "commandstats", "stats"]);
    assert_eq!(
        info_field(&text, "errorstat_ERR").as_deref(),
        Some("count=3")
    );
    assert_eq!(
        info_field(&text, "total_error_replies").as_deref(),
        Some("3")
    );
    let set = info_field(&text, "cmdstat_set").expect("cmdstat_set");
    assert!(set.starts_with("calls=0,") && set.ends_with("rejected_calls=1,failed_calls=0"));
    let dbg = info_field(&text, "cmdstat_debug").expect("cmdstat_debug");
    assert!(dbg.ends_with("rejected_calls=0,failed_calls=1"), "{dbg}");
}

#[test]
fn debug_digest_matches_redis_semantics() {
    let srv = start_debug();
    let mut c = srv.client();
    let empty = c.cmd(&["DEBUG", "DIGEST"]);
    assert_eq!(empty, Reply::Status("0".repeat(40)));
    c.cmd(&["SET", "a", "1"]);
    c.cmd(&["SET", "bb", "hello"]);
    // These digests are what Redis 7.0.15 prints for the same data.
    assert_eq!(
        c.cmd(&["DEBUG", "DIGEST-VALUE", "a", "bb", "nokey"]),
        arr(vec![
            Reply::Status("b4fc66738120fba0b5aa500ab5c2bf89cea1c5da".into()),
            Reply::Status("36b23a1456b2dce2c3ed252c456761301dba8060".into()),
            Reply::Status("0".repeat(40)),
        ])
    );
    let d1 = c.cmd(&["DEBUG", "DIGEST"]).as_str().to_string();
    c.cmd(&["SET", "a", "2"]);
    assert_ne!(c.cmd(&["DEBUG", "DIGEST"]).as_str(), d1);
    c.cmd(&["SET", "a", "1"]);
    assert_eq!(c.cmd(&["DEBUG", "DIGEST"]).as_str(), d1);
}

#[test]
fn debug_object_populate_and_knobs() {
    let srv = start_debug();
    let mut c = srv.client();
    c.cmd(&["SET", "s", "hello"]);
    c.cmd(&["SET", "n", "100"]);
    let line = c.cmd(&["DEBUG", "OBJECT", "s"]).as_str().to_string();
    assert!(line.starts_with("Value at:0x"), "{line}");
    assert!(line.contains(" refcount:1 encoding:embstr serializedlength:6 lru:"));
    // The LRU clock ticks in whole seconds: a tick between SET and DEBUG OBJECT shows 1.
    let idle: u64 = line
        .rsplit(" lru_seconds_idle:")
        .next()
        .and_then(|v| v.trim().parse().ok())
        .expect("lru_seconds_idle");
    assert!(idle <= 1, "{line}");
    let line = c.cmd(&["DEBUG", "OBJECT", "n"]).as_str().to_string();
    assert!(line.contains("refcount:2147483647 encoding:int serializedlength:2"));
    assert_eq!(
        c.cmd(&["DEBUG", "OBJECT", "nokey"]),
        Reply::Error("ERR no such key".into())
    );
    assert_eq!(
        c.cmd(&["DEBUG", "POPULATE", "10"]),
        Reply::Status("OK".into())
    );
    assert_eq!(
        c.cmd(&["GET", "key:3"]),
        Reply::Bulk(Some(b"value:3".to_vec()))
    );
    c.cmd(&["DEBUG", "POPULATE", "3", "p", "10"]);
    assert_eq!(
        c.cmd(&["GET", "p:2"]),
        Reply::Bulk(Some(b"value:2\0\0\0".to_vec()))
    );
    assert_eq!(
        c.cmd(&["DEBUG", "POPULATE", "-1"]),
        Reply::Error("ERR value is out of range, must be positive".into())
    );
    assert_eq!(
        c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]),
        Reply::Status("OK".into())
    );
    assert_eq!(
        c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]),
        Reply::Status("OK".into())
    );
    assert_eq!(
        c.cmd(&["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100b"]),
        Reply::Status("OK".into())
    );
    assert!(c
        .cmd(&["DEBUG", "QUICKLIST-PACKED-THRESHOLD", "5gb"])
        .is_error());
    assert_eq!(
        c.cmd(&["DEBUG", "ERROR", "WHATEVER this\nbreaks"]),
        Reply::Error("WHATEVER this breaks".into())
    );
    assert_eq!(
        c.cmd(&["DEBUG", "NOSUCH"]),
        Reply::Error(
            "ERR unknown subcommand or wrong number of arguments for 'NOSUCH'. Try DEBUG HELP."
                .into()
        )
    );
    let help = c.cmd(&["DEBUG", "HELP"]);
    assert_eq!(
        help.as_array()[0],
        Reply::Status("DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:".into())
    );
    assert_eq!(
        c.cmd(&["DEBUG", "LOG", "hello from the test"]),
        Reply::Status("OK".into())
    );
    assert!(srv.log().contains("DEBUG LOG: hello from the test"));
}

#[test]
fn debug_sleep_blocks_and_protocol_types() {
    let srv = start_debug();
    let mut c = srv.client();
    let t = std::time::Instant::now();
    assert_eq!(
        c.cmd(&["DEBUG", "SLEEP", "0.2"]),
        Reply::Status("OK".into())
    );
    assert!(t.elapsed() >= Duration::from_millis(190));
    assert_eq!(c.cmd(&["DEBUG", "PROTOCOL", "true"]), Reply::Int(1));
    assert_eq!(
        c.cmd(&["DEBUG", "PROTOCOL", "verbatim"]),
        Reply::Bulk(Some(b"This is a verbatim\nstring".to_vec()))
    );
    c.cmd(&["HELLO", "3"]);
    assert_eq!(c.cmd(&["DEBUG", "PROTOCOL", "true"]), Reply::Bool(true));
    // The wire text is ",3.141" (not pi).
    #[allow(clippy::approx_constant)]
    let double = Reply::Double(3.141);
    assert_eq!(c.cmd(&["DEBUG", "PROTOCOL", "double"]), double);
    assert_eq!(
        c.cmd(&["DEBUG", "PROTOCOL", "bignum"]),
        Reply::BigNumber("1234567999999999999999999999999999999".into())
    );
    assert_eq!(
        c.cmd(&["DEBUG", "PROTOCOL", "verbatim"]),
        Reply::Verbatim("txt".into(), "This is a verbatim\nstring".into())
    );
    c.cmd(&["HELLO", "2"]);
    // In RESP2 the attribute is left out; only the real reply comes.
    assert_eq!(
        c.cmd(&["DEBUG", "PROTOCOL", "attrib"]),
        Reply::Bulk(Some(b"Some real reply following the attribute".to_vec()))
    );
}

#[test]
fn slowlog_records_slow_commands_with_six_fields() {
    let srv = start_debug();
    let mut c = srv.client();
    c.cmd(&["CLIENT", "SETNAME", "slowpoke"]);
    assert_eq!(c.cmd(&["SLOWLOG", "RESET"]), Reply::Status("OK".into()));
    c.cmd(&["PING"]);
    assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), Reply::Int(0));
    c.cmd(&["DEBUG", "SLEEP", "0.02"]);
    assert_eq!(c.cmd(&["SLOWLOG", "LEN"]), Reply::Int(1));
    let entries = c.cmd(&["SLOWLOG", "GET"]);
    let e = entries.as_array()[0].as_array();
    assert_eq!(e.len(), 6);
    assert!(e[2].as_int() >= 20_000);
    assert_eq!(
        e[3],
        arr(vec![
            Reply::Bulk(Some(b"DEBUG".to_vec())),
            Reply::Bulk(Some(b"SLEEP".to_vec())),
            Reply::Bulk(Some(b"0.02".to_vec()))
        ])
    );
    assert!(e[4].as_str().starts_with("127.0.0.1:"));
    assert_eq!(e[5].as_str(), "slowpoke");
    assert_eq!(c.cmd(&["SLOWLOG", "GET", "0"]), arr(vec![]));
    assert_eq!(
        c.cmd(&["SLOWLOG", "GET", "-2"]),
        Reply::Error("ERR count should be greater than or equal to -1".into())
    );
    assert!(c.cmd(&["SLOWLOG", "GET", "1", "2"]).is_error());
}

#[test]
fn latency_commands() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(c.cmd(&["LATENCY", "LATEST"]), arr(vec![]));
    assert_eq!(c.cmd(&["LATENCY", "HISTORY", "command"]), arr(vec![]));
    assert_eq!(c.cmd(&["LATENCY", "RESET"]), Reply::Int(0));
    assert!(c.cmd(&["LATENCY", "DOCTOR"]).as_str().contains("Dave"));
    assert_eq!(
        c.cmd(&["LATENCY", "HELP", "xxx"]),
        Reply::Error("ERR wrong number of arguments for 'latency|help' command".into())
    );
    c.cmd(&["SET", "a", "b"]);
    c.cmd(&["SET", "c", "d"]);
    let h = c.cmd(&["LATENCY", "HISTOGRAM", "set", "nosuchcmd"]);
    let items = h.as_array();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].as_str(), "set");
    let body = items[1].as_array();
    assert_eq!(body[0].as_str(), "calls");
    assert_eq!(body[1], Reply::Int(2));
    assert_eq!(body[2].as_str(), "histogram_usec");
    assert!(
        c.cmd(&["LATENCY", "GRAPH", "command"]).is_error(),
        "no samples yet"
    );
}

#[test]
fn memory_time_lastsave_role_function() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["SET", "foo", "bar"]);
    c.cmd(&["SET", "n", "100"]);
    // Redis 7.0.15 with jemalloc reports the same numbers.
    assert_eq!(c.cmd(&["MEMORY", "USAGE", "foo"]), Reply::Int(64));
    assert_eq!(c.cmd(&["MEMORY", "USAGE", "n"]), Reply::Int(48));
    assert_eq!(c.cmd(&["MEMORY", "USAGE", "nokey"]), Reply::Bulk(None));
    assert!(c.cmd(&["MEMORY", "USAGE", "foo", "SAMPLES"]).is_error());
    let stats = c.cmd(&["MEMORY", "STATS"]);
    assert_eq!(stats.as_array()[0].as_str(), "peak.allocated");
    assert!(stats
        .as_array()
        .iter()
        .any(|r| r == &Reply::Bulk(Some(b"db.0".to_vec()))));
    let t = c.cmd(&["TIME"]);
    let secs: i64 = t.as_array()[0].as_str().parse().expect("seconds");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    assert!((secs - now).abs() <= 2);
    let last = c.cmd(&["LASTSAVE"]).as_int();
    assert!(last <= now && last > now - 60);
    assert_eq!(
        c.cmd(&["ROLE"]),
        arr(vec![
            Reply::Bulk(Some(b"master".to_vec())),
            Reply::Int(0),
            arr(vec![])
        ])
    );
    assert_eq!(c.cmd(&["FUNCTION", "FLUSH"]), Reply::Status("OK".into()));
    assert_eq!(
        c.cmd(&["FUNCTION", "FLUSH", "SYNC"]),
        Reply::Status("OK".into())
    );
    assert_eq!(c.cmd(&["FUNCTION", "LIST"]), arr(vec![]));
    assert!(c.cmd(&["FUNCTION", "FLUSH", "NOW"]).is_error());
}

#[test]
fn shutdown_exits_cleanly_and_removes_the_unix_socket() {
    let sock_dir = TempDir::new("rudis-sock");
    let sock = sock_dir.path().join("redis.sock");
    let mut srv = TestServer::builder()
        .arg("--unixsocket")
        .arg(sock.display().to_string())
        .start();
    assert!(sock.exists());
    let mut c = srv.client();
    assert_eq!(
        c.cmd(&["SHUTDOWN", "ABORT"]),
        Reply::Error("ERR No shutdown in progress.".into())
    );
    assert!(c.cmd(&["SHUTDOWN", "SAVE", "NOSAVE"]).is_error());
    assert!(c.cmd(&["SHUTDOWN", "BOGUS"]).is_error());
    c.send(&["SHUTDOWN", "NOSAVE"]);
    assert!(
        matches!(c.try_read_reply(), Err(ClientError::Closed)),
        "SHUTDOWN never replies"
    );
    let status = srv.wait_exit(Duration::from_secs(5)).expect("exited");
    assert_eq!(status.code(), Some(0));
    let log = srv.log();
    assert!(log.contains("User requested shutdown..."), "{log}");
    assert!(
        log.contains("Redis is now ready to exit, bye bye..."),
        "{log}"
    );
    assert!(!sock.exists());
}
