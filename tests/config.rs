//! Configuration as an operator sees it: starting from a config file (quotes, `include`,
//! memory units, the `slaveof` alias, `save` lines, `logfile ""`), the example configs shipped
//! in `conf/`, fatal errors for bad directives and values, the command line overriding the
//! file, config text on standard input, `--version` and `--help`, CONFIG GET / SET / REWRITE,
//! moving the listener with CONFIG SET port, daemonizing with a pid file, and the log lines of
//! start-up and SIGTERM shutdown.
//!
//! Every expectation is Redis 7.0.15's: `RUDIS_TEST_SERVER_BIN=/usr/bin/redis-server cargo test
//! --test config` runs the same assertions against real Redis.

mod common;

use common::server::server_bin;
use common::{free_port, wait_until, Client, Reply, TempDir, TestServer};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const SECS_10: Duration = Duration::from_secs(10);

fn err(s: &str) -> Reply {
    Reply::Error(s.into())
}

/// `CONFIG GET <patterns...>` as a name -> value map (the order of names is unspecified).
fn config_get(c: &mut Client, patterns: &[&str]) -> BTreeMap<String, String> {
    let mut args = vec!["CONFIG", "GET"];
    args.extend_from_slice(patterns);
    c.cmd(&args)
        .into_pairs()
        .into_iter()
        .map(|(k, v)| (k.as_str().to_string(), v.as_str().to_string()))
        .collect()
}

/// The single value `CONFIG GET name` returns.
#[track_caller]
fn config_value(c: &mut Client, name: &str) -> String {
    let all = config_get(c, &[name]);
    match all.get(name) {
        Some(v) => v.clone(),
        None => panic!("CONFIG GET {name} returned {all:?}"),
    }
}

/// A file from the repository's `conf/` directory.
fn repo_conf(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("conf")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Replaces every line whose first word is `directive` with `replacement`.
fn replace_directive(text: &str, directive: &str, replacement: &str) -> String {
    let mut found = false;
    let out: Vec<String> = text
        .lines()
        .map(|l| match l.split_whitespace().next() {
            Some(w) if w.eq_ignore_ascii_case(directive) => {
                found = true;
                replacement.to_string()
            }
            _ => l.to_string(),
        })
        .collect();
    assert!(found, "no {directive} line");
    out.join("\n") + "\n"
}

// ---------------------------------------------------------------------------------------------
// Starting from files
// ---------------------------------------------------------------------------------------------

#[test]
fn starts_from_a_config_file_with_quotes_include_units_and_aliases() {
    let dir = TempDir::new("rudis-conf");
    let extra = dir.path().join("extra.conf");
    std::fs::write(&extra, "hz 25\nmaxmemory-policy allkeys-lru\n").unwrap();
    let text = format!(
        "# comments and blank lines are skipped\n\
         \n\
         maxmemory 100mb\n\
         proto-max-bulk-len 2000k\n\
         client-query-buffer-limit 1GB\n\
         requirepass \"pass with \\\"quotes\\\" and \\x41\"\n\
         masterauth 'it\\'s'\n\
         dbfilename \"my dump.rdb\"\n\
         slaveof 127.0.0.1 1\n\
         save 900 1\n\
         save 300 10\n\
         logfile ''\n\
         include {}\n\
         \tmaxmemory-samples   7  \n",
        extra.display()
    );
    let srv = TestServer::builder()
        .dir(dir.path())
        .config_file(text)
        .start();
    let mut c = Client::connect_auth(srv.port(), "pass with \"quotes\" and A");
    assert_eq!(c.cmd(&["PING"]), "PONG");
    let expected = [
        ("maxmemory", "104857600"),
        ("proto-max-bulk-len", "2000000"),
        ("client-query-buffer-limit", "1073741824"),
        ("masterauth", "it's"),
        ("dbfilename", "my dump.rdb"),
        ("replicaof", "127.0.0.1 1"),
        ("slaveof", "127.0.0.1 1"),
        ("save", "900 1 300 10"),
        ("logfile", ""),
        ("hz", "25"),
        ("maxmemory-policy", "allkeys-lru"),
        ("maxmemory-samples", "7"),
    ];
    for (name, value) in expected {
        assert_eq!(config_value(&mut c, name), value, "{name}");
    }
    // logfile "" logs to standard output.
    assert!(srv.output().contains("Ready to accept connections"));
}

#[test]
fn the_example_configs_in_conf_start_and_answer_ping() {
    // The seed's master.conf and replica.conf (kept in the repo with `dir ./`), each copied
    // into its own dir with `dir` pointed there, on free ports, the replica at the master.
    let master_dir = TempDir::new("rudis-seed-master");
    let master_port = free_port();
    let master_conf = replace_directive(
        &repo_conf("master.conf"),
        "dir",
        &format!("dir {}", master_dir.path().display()),
    );
    let master = TestServer::builder()
        .config_file(master_conf)
        .arg("--port")
        .arg(master_port.to_string())
        .start();
    assert_eq!(
        master.dir(),
        std::fs::canonicalize(master_dir.path()).unwrap()
    );
    let mut m = master.client();
    assert_eq!(m.cmd(&["PING"]), "PONG");
    assert_eq!(config_value(&mut m, "port"), master_port.to_string());
    assert_eq!(config_value(&mut m, "dbfilename"), "dump-6379.rdb");
    assert_eq!(
        config_value(&mut m, "appendfilename"),
        "appendonly-6379.aof"
    );
    assert_eq!(config_value(&mut m, "loglevel"), "debug");
    assert_eq!(config_value(&mut m, "save"), "10 2");
    assert_eq!(config_value(&mut m, "protected-mode"), "no");
    assert_eq!(config_value(&mut m, "replicaof"), "");

    let replica_dir = TempDir::new("rudis-seed-replica");
    let replica_conf = replace_directive(
        &repo_conf("replica.conf"),
        "dir",
        &format!("dir {}", replica_dir.path().display()),
    );
    let replica_conf = replace_directive(
        &replica_conf,
        "slaveof",
        &format!("slaveof 127.0.0.1 {master_port}"),
    );
    let replica = TestServer::builder()
        .config_file(replica_conf)
        .arg("--port")
        .arg(free_port().to_string())
        .start();
    let mut r = replica.client();
    assert_eq!(r.cmd(&["PING"]), "PONG");
    assert_eq!(config_value(&mut r, "dbfilename"), "dump-26379.rdb");
    assert_eq!(
        config_value(&mut r, "replicaof"),
        format!("127.0.0.1 {master_port}")
    );
}

#[test]
fn the_documented_default_config_starts_with_the_defaults() {
    let dir = TempDir::new("rudis-default-conf");
    let text = replace_directive(
        &repo_conf("redis.conf"),
        "dir",
        &format!("dir {}", dir.path().display()),
    );
    let srv = TestServer::builder()
        .config_file(text)
        .arg("--port")
        .arg(free_port().to_string())
        .start();
    let mut c = srv.client();
    assert_eq!(c.cmd(&["PING"]), "PONG");
    let expected = [
        ("databases", "16"),
        ("hz", "10"),
        ("maxmemory", "0"),
        ("maxmemory-policy", "noeviction"),
        ("timeout", "0"),
        ("tcp-keepalive", "300"),
        ("protected-mode", "yes"),
        ("appendonly", "no"),
        ("dbfilename", "dump.rdb"),
        ("save", "3600 1 300 100 60 10000"),
    ];
    for (name, value) in expected {
        assert_eq!(config_value(&mut c, name), value, "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// Fatal errors
// ---------------------------------------------------------------------------------------------

const FATAL: &str = "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***";

#[test]
fn a_bad_directive_is_fatal_with_its_line() {
    let e = TestServer::builder()
        .config_file("maxmemory 1mb\n# a comment\nfoo bar\nhz 10\n")
        .try_start()
        .expect_err("a bad directive must stop the server");
    assert_eq!(e.exit.and_then(|s| s.code()), Some(1), "{e}");
    let expected = format!(
        "\n{FATAL}\nReading the configuration file, at line 3\n>>> 'foo bar'\n\
         Bad directive or wrong number of arguments\n"
    );
    assert!(e.output.contains(&expected), "{}", e.output);
    assert!(!e.bind_failed);

    // On the command line too (its line number depends on the other arguments).
    let e = TestServer::builder()
        .arg("--nosuch")
        .arg("1")
        .try_start()
        .expect_err("a bad option must stop the server");
    assert_eq!(e.exit.and_then(|s| s.code()), Some(1));
    assert!(e.output.contains(FATAL), "{}", e.output);
    assert!(
        e.output
            .contains(">>> 'nosuch \"1\"'\nBad directive or wrong number of arguments"),
        "{}",
        e.output
    );
}

#[test]
fn bad_values_are_fatal_with_the_reason() {
    let cases = [
        (
            "maxmemory-policy bogus",
            "argument(s) must be one of the following: volatile-lru, volatile-lfu, \
             volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction",
        ),
        ("hz abc", "argument couldn't be parsed into an integer"),
        ("appendonly maybe", "argument must be 'yes' or 'no'"),
        ("save 10", "Invalid save parameters"),
        ("maxmemory 10qb", "argument must be a memory value"),
        ("maxclients", "wrong number of arguments"),
        (
            "requirepass \"unbalanced",
            "Unbalanced quotes in configuration line",
        ),
    ];
    for (line, reason) in cases {
        let e = TestServer::builder()
            .config_file(format!("# first\n{line}\n"))
            .try_start()
            .expect_err(line);
        assert_eq!(e.exit.and_then(|s| s.code()), Some(1), "{line}: {e}");
        let expected =
            format!("{FATAL}\nReading the configuration file, at line 2\n>>> '{line}'\n{reason}\n");
        assert!(e.output.contains(&expected), "{line}:\n{}", e.output);
    }
}

// ---------------------------------------------------------------------------------------------
// Command line and standard input
// ---------------------------------------------------------------------------------------------

#[test]
fn the_command_line_overrides_the_file() {
    let file_port = free_port();
    let srv = TestServer::builder()
        .config_file(format!("port {file_port}\nmaxmemory 1mb\nhz 11\n"))
        .arg("--port")
        .arg(free_port().to_string())
        .arg("--maxmemory")
        .arg("2mb")
        .start();
    assert_ne!(srv.port(), file_port);
    let mut c = srv.client();
    assert_eq!(config_value(&mut c, "port"), srv.port().to_string());
    assert_eq!(config_value(&mut c, "maxmemory"), "2097152");
    assert_eq!(config_value(&mut c, "hz"), "11");
    assert!(Client::try_connect(file_port).is_err());
}

#[test]
fn config_text_from_standard_input() {
    // File, then standard input, then the command line: each later one wins.
    let srv = TestServer::builder()
        .config_file("hz 11\nmaxmemory 1mb\nmaxmemory-samples 3\n")
        .stdin("hz 33\nmaxmemory 3mb\n")
        .arg("--maxmemory")
        .arg("4mb")
        .arg("-")
        .start();
    let mut c = srv.client();
    assert_eq!(config_value(&mut c, "hz"), "33");
    assert_eq!(config_value(&mut c, "maxmemory"), "4194304");
    assert_eq!(config_value(&mut c, "maxmemory-samples"), "3");

    // Standard input alone.
    let srv = TestServer::builder()
        .arg("-")
        .stdin("maxmemory-policy allkeys-lfu\n")
        .start();
    assert_eq!(
        config_value(&mut srv.client(), "maxmemory-policy"),
        "allkeys-lfu"
    );
}

fn run_server_binary(args: &[&str]) -> (String, String, Option<i32>) {
    let out = Command::new(server_bin())
        .args(args)
        .output()
        .expect("run the server binary");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

#[test]
fn version_and_help() {
    for flag in ["--version", "-v"] {
        let (out, _, code) = run_server_binary(&[flag]);
        assert_eq!(code, Some(0));
        assert!(out.starts_with("Redis server v=7.0.15 sha="), "{out}");
        assert!(out.contains(" bits=64 build="), "{out}");
        assert_eq!(out.lines().count(), 1, "{out}");
    }
    for flag in ["--help", "-h"] {
        let (out, errout, _) = run_server_binary(&[flag]);
        let text = out + &errout;
        assert!(text.starts_with("Usage: ./"), "{text}");
        for needle in [
            "-server [/path/to/redis.conf] [options] [-]\n",
            "-server - (read config from stdin)\n",
            "-server -v or --version\n",
            "-server -h or --help\n",
            "\nExamples:\n",
            "echo 'maxmemory 128mb' | ./",
            "-server --port 7777 --replicaof 127.0.0.1 8888\n",
        ] {
            assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CONFIG GET / SET / REWRITE
// ---------------------------------------------------------------------------------------------

#[test]
fn config_get_globs_and_several_patterns() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let names: Vec<String> = config_get(&mut c, &["maxmemory*"]).into_keys().collect();
    assert_eq!(
        names,
        [
            "maxmemory",
            "maxmemory-clients",
            "maxmemory-eviction-tenacity",
            "maxmemory-policy",
            "maxmemory-samples"
        ]
    );
    let several = config_get(&mut c, &["port", "maxclients", "timeout"]);
    assert_eq!(several.len(), 3);
    assert_eq!(several["port"], srv.port().to_string());
    assert_eq!(several["maxclients"], "10000");
    assert_eq!(several["timeout"], "0");
    // A name matched twice is listed once; names are case-insensitive; no match is empty.
    let reply = c.cmd(&["CONFIG", "GET", "port", "p?rt", "PORT"]);
    assert_eq!(reply.as_array().len(), 2, "{reply:?}");
    assert_eq!(config_get(&mut c, &["MaxMemory"]).len(), 1);
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "nosuch*"]),
        Reply::Array(Some(vec![]))
    );
    assert_eq!(
        c.cmd(&["CONFIG", "GET"]),
        err("ERR wrong number of arguments for 'config|get' command")
    );
    // Every name in `CONFIG GET *` reads back on its own.
    let all = config_get(&mut c, &["*"]);
    assert!(all.len() > 150, "only {} parameters", all.len());
    assert_eq!(all["port"], srv.port().to_string());
}

#[test]
fn config_set_is_all_or_nothing() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["CONFIG", "SET", "maxmemory", "10mb", "maxclients", "100"])
        .assert_ok();
    assert_eq!(config_value(&mut c, "maxmemory"), "10485760");
    assert_eq!(config_value(&mut c, "maxclients"), "100");
    c.cmd(&["CONFIG", "SET", "MAXMEMORY", "1gb"]).assert_ok();
    assert_eq!(config_value(&mut c, "maxmemory"), "1073741824");
    // One bad value: nothing changes.
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "maxmemory", "20mb", "maxclients", "abc"]),
        err("ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer")
    );
    assert_eq!(config_value(&mut c, "maxmemory"), "1073741824");
    assert_eq!(config_value(&mut c, "maxclients"), "100");
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "hz", "20", "maxmemory-policy", "bogus"]),
        err("ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")
    );
    assert_eq!(config_value(&mut c, "hz"), "10");
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "maxmemory", "20mb", "maxmemory", "30mb"]),
        err("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate parameter")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "daemonize", "yes"]),
        err("ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "hz", "20", "daemonize", "yes"]),
        err("ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config")
    );
    assert_eq!(config_value(&mut c, "hz"), "10");
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "nosuch", "1"]),
        err("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "maxmemory"]),
        err("ERR wrong number of arguments for 'config|set' command")
    );
    // Multi-value parameters take their values as one argument.
    c.cmd(&["CONFIG", "SET", "save", "100 10 200 20"])
        .assert_ok();
    assert_eq!(config_value(&mut c, "save"), "100 10 200 20");
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "save", "100"]),
        err(
            "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"
        )
    );
}

#[test]
fn config_rewrite_keeps_comments_and_order() {
    let original = "# Top comment\n\
                    # second comment line\n\
                    \n\
                    maxmemory 1mb\n\
                    # about the policy\n\
                    maxmemory-policy allkeys-lru\n\
                    save 900 1\n\
                    loglevel notice\n\
                    # trailing comment\n";
    let mut srv = TestServer::builder().config_file(original).start();
    let mut c = srv.client();
    c.cmd(&["CONFIG", "SET", "maxmemory", "2mb", "hz", "20"])
        .assert_ok();
    c.cmd(&["CONFIG", "SET", "loglevel", "verbose"]).assert_ok();
    c.cmd(&["CONFIG", "REWRITE"]).assert_ok();
    let path = srv.config_path().expect("config file").to_path_buf();
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // The file's own lines stay where they were, changed values in place.
    assert_eq!(
        lines[..9],
        [
            "# Top comment",
            "# second comment line",
            "",
            "maxmemory 2mb",
            "# about the policy",
            "maxmemory-policy allkeys-lru",
            "save 900 1",
            "loglevel verbose",
            "# trailing comment",
        ],
        "{text}"
    );
    // Values not in the file are appended after a marker.
    let marker = lines
        .iter()
        .position(|l| *l == "# Generated by CONFIG REWRITE")
        .unwrap_or_else(|| panic!("no marker in:\n{text}"));
    assert!(marker > 8);
    assert!(lines[marker..].contains(&"hz 20"), "{text}");
    assert!(
        lines[marker..].contains(&format!("port {}", srv.port()).as_str()),
        "{text}"
    );
    // A restart reads the rewritten file.
    srv.restart();
    let mut c = srv.client();
    assert_eq!(config_value(&mut c, "hz"), "20");
    assert_eq!(config_value(&mut c, "maxmemory"), "2097152");
    assert_eq!(config_value(&mut c, "loglevel"), "verbose");

    // Without a config file there is nothing to rewrite.
    let bare = TestServer::start();
    assert_eq!(
        bare.client().cmd(&["CONFIG", "REWRITE"]),
        err("ERR The server is running without a config file")
    );
}

#[test]
fn config_set_port_moves_the_listener() {
    let srv = TestServer::start();
    let old = srv.port();
    let mut c = srv.client();
    let new = free_port();
    c.cmd(&["CONFIG", "SET", "port", &new.to_string()])
        .assert_ok();
    // Connected clients stay; new ones come in on the new port only.
    assert_eq!(c.cmd(&["PING"]), "PONG");
    let mut moved = Client::connect(new);
    assert_eq!(moved.cmd(&["PING"]), "PONG");
    assert_eq!(config_value(&mut moved, "port"), new.to_string());
    assert!(
        Client::try_connect(old).is_err(),
        "old port still listening"
    );
    // A port that cannot be bound is refused, and the listener stays where it was.
    let holder = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let busy = holder.local_addr().unwrap().port();
    c.cmd(&["CONFIG", "SET", "port", &busy.to_string()])
        .assert_err_prefix("ERR CONFIG SET failed (possibly related to argument 'port')");
    assert_eq!(Client::connect(new).cmd(&["PING"]), "PONG");
}

// ---------------------------------------------------------------------------------------------
// Daemon, pid file, logs
// ---------------------------------------------------------------------------------------------

/// True while a process with this pid exists.
fn alive(pid: i32) -> bool {
    // SAFETY: kill with signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

/// Kills a daemonized server the test lost track of (a failing assertion), so no process
/// outlives the test.
struct DaemonGuard {
    pidfile: PathBuf,
}

impl Drop for DaemonGuard {
    fn drop(&mut self) {
        let pid = std::fs::read_to_string(&self.pidfile)
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok());
        if let Some(pid) = pid.filter(|p| *p > 0 && alive(*p)) {
            // SAFETY: sends SIGKILL to the daemon this test started (read from its pid file).
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
}

#[test]
fn daemonize_writes_and_removes_the_pid_file() {
    let dir = TempDir::new("rudis-daemon");
    let pidfile = dir.path().join("server.pid");
    let log = dir.path().join("server.log");
    let port = free_port();
    let conf = dir.path().join("daemon.conf");
    std::fs::write(
        &conf,
        format!(
            "daemonize yes\npidfile {}\nlogfile {}\nport {port}\nbind 127.0.0.1\ndir {}\n\
             save \"\"\nappendonly no\n",
            pidfile.display(),
            log.display(),
            dir.path().display()
        ),
    )
    .unwrap();
    let _guard = DaemonGuard {
        pidfile: pidfile.clone(),
    };
    let status = Command::new(server_bin())
        .arg(&conf)
        .current_dir(dir.path())
        .status()
        .expect("run the server");
    // The process we started returns at once; the daemon lives on.
    assert!(status.success(), "{status:?}");
    assert!(
        wait_until(SECS_10, || {
            std::fs::read_to_string(&pidfile)
                .is_ok_and(|s| s.ends_with('\n') && s.trim().parse::<i32>().is_ok())
        }),
        "no pid file"
    );
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(alive(pid));
    assert!(wait_until(SECS_10, || Client::try_connect(port).is_ok()));
    let mut c = Client::connect(port);
    assert_eq!(c.cmd(&["PING"]), "PONG");
    assert_eq!(c.info_field("server", "process_id"), Some(pid.to_string()));
    assert_eq!(config_value(&mut c, "daemonize"), "yes");
    // SAFETY: SIGTERM to the daemon this test started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    assert!(
        wait_until(SECS_10, || !alive(pid)),
        "daemon ignored SIGTERM"
    );
    assert!(!pidfile.exists(), "pid file left behind");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("Removing the pid file."), "{text}");
    assert!(
        text.contains("Redis is now ready to exit, bye bye..."),
        "{text}"
    );
}

#[test]
fn startup_and_sigterm_log_lines() {
    let mut srv = TestServer::builder()
        .arg("--always-show-logo")
        .arg("yes")
        .start();
    let pid = srv.pid();
    let log = srv.run_log();
    assert!(log.contains("Ready to accept connections"), "{log}");
    assert!(log.contains(&format!(" PID: {pid}")), "{log}");
    assert!(log.contains(&format!("Port: {}", srv.port())), "{log}");
    assert!(log.contains("Redis version=7.0.15, bits=64"), "{log}");
    // Every line is `<pid>:<role> <date> <time> <level> <message>`.
    let first = log.lines().next().unwrap_or_default();
    assert!(first.starts_with(&format!("{pid}:C ")) || first.starts_with(&format!("{pid}:M ")));
    let status = srv.stop();
    assert_eq!(status.code(), Some(0), "SIGTERM exit status");
    let log = srv.run_log();
    let received = log
        .find("Received SIGTERM scheduling shutdown...")
        .unwrap_or_else(|| panic!("no SIGTERM line in:\n{log}"));
    let bye = log
        .find("Redis is now ready to exit, bye bye...")
        .unwrap_or_else(|| panic!("no goodbye line in:\n{log}"));
    assert!(received < bye);
    assert!(log.contains("User requested shutdown..."), "{log}");
}
