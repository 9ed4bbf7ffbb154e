//! Generic key commands as a client sees them: DEL, UNLINK, EXISTS, TYPE,
//! KEYS, SCAN, RANDOMKEY, RENAME, RENAMENX, MOVE, COPY, TOUCH, OBJECT,
//! DBSIZE, FLUSHDB, FLUSHALL. Each test starts the real server binary and
//! speaks RESP to it. (Expiry has its own file, tests/expire.rs.)

#[allow(dead_code)]
mod harness {
    //! A minimal server + RESP client (until tests/common lands on main).
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    #[derive(Debug, Clone, PartialEq)]
    pub enum Reply {
        Status(String),
        Error(String),
        Int(i64),
        Bulk(Option<Vec<u8>>),
        Array(Option<Vec<Reply>>),
    }

    impl Reply {
        pub fn int(&self) -> i64 {
            match self {
                Reply::Int(v) => *v,
                other => panic!("expected an integer, got {other:?}"),
            }
        }
        pub fn text(&self) -> String {
            match self {
                Reply::Status(s) | Reply::Error(s) => s.clone(),
                Reply::Bulk(Some(b)) => String::from_utf8_lossy(b).into_owned(),
                other => panic!("expected text, got {other:?}"),
            }
        }
        pub fn is_nil(&self) -> bool {
            matches!(self, Reply::Bulk(None) | Reply::Array(None))
        }
        pub fn items(&self) -> Vec<Reply> {
            match self {
                Reply::Array(Some(v)) => v.clone(),
                other => panic!("expected an array, got {other:?}"),
            }
        }
        /// The bulk strings of an array, as Strings.
        pub fn strings(&self) -> Vec<String> {
            self.items().iter().map(|r| r.text()).collect()
        }
    }

    pub struct Server {
        child: Child,
        pub port: u16,
    }

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    pub fn start() -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        // REFERENCE_SERVER=/usr/bin/redis-server runs the same assertions
        // against real Redis, to check the tests themselves.
        let reference = std::env::var("REFERENCE_SERVER").ok();
        let mut cmd = Command::new(
            reference
                .as_deref()
                .unwrap_or(env!("CARGO_BIN_EXE_rudis-server")),
        );
        cmd.args(["--port", &port.to_string(), "--bind", "127.0.0.1"]);
        if reference.is_some() {
            cmd.args(["--save", ""]);
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "server did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        Server { child, port }
    }

    pub struct Client {
        r: BufReader<TcpStream>,
        w: TcpStream,
    }

    impl Server {
        pub fn client(&self) -> Client {
            let s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
            s.set_read_timeout(Some(Duration::from_secs(10))).ok();
            Client {
                r: BufReader::new(s.try_clone().expect("clone")),
                w: s,
            }
        }
    }

    impl Client {
        pub fn send(&mut self, args: &[&[u8]]) {
            let mut out = format!("*{}\r\n", args.len()).into_bytes();
            for a in args {
                out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
                out.extend_from_slice(a);
                out.extend_from_slice(b"\r\n");
            }
            self.w.write_all(&out).expect("write");
        }

        pub fn read(&mut self) -> Reply {
            let mut line = String::new();
            self.r.read_line(&mut line).expect("read");
            let line = line.trim_end_matches("\r\n");
            let (t, rest) = line.split_at(1);
            match t {
                "+" => Reply::Status(rest.into()),
                "-" => Reply::Error(rest.into()),
                ":" => Reply::Int(rest.parse().expect("int")),
                "$" => {
                    let n: i64 = rest.parse().expect("len");
                    if n < 0 {
                        return Reply::Bulk(None);
                    }
                    let mut b = vec![0; n as usize + 2];
                    self.r.read_exact(&mut b).expect("bulk");
                    b.truncate(n as usize);
                    Reply::Bulk(Some(b))
                }
                "*" => {
                    let n: i64 = rest.parse().expect("len");
                    if n < 0 {
                        return Reply::Array(None);
                    }
                    Reply::Array(Some((0..n).map(|_| self.read()).collect()))
                }
                _ => panic!("bad reply line {line:?}"),
            }
        }

        /// Runs a command given as words separated by spaces.
        pub fn cmd(&mut self, line: &str) -> Reply {
            let args: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
            self.call(&args)
        }

        pub fn call(&mut self, args: &[&[u8]]) -> Reply {
            self.send(args);
            self.read()
        }
    }
}

use harness::{start, Reply};

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
    let srv = start();
    let mut c = srv.client();
    c.cmd("set a 1");
    c.cmd("set b 2");
    c.cmd("set c 3");
    assert_eq!(c.cmd("del a b nope a").int(), 2);
    assert_eq!(c.cmd("get a"), Reply::Bulk(None));
    assert_eq!(c.cmd("unlink c b nope").int(), 1);
    assert_eq!(c.cmd("dbsize").int(), 0);
    assert_eq!(
        c.cmd("del"),
        err("ERR wrong number of arguments for 'del' command")
    );
    assert_eq!(
        c.cmd("unlink"),
        err("ERR wrong number of arguments for 'unlink' command")
    );
}

#[test]
fn exists_counts_every_argument_including_repeats() {
    let srv = start();
    let mut c = srv.client();
    c.cmd("set k v");
    assert_eq!(c.cmd("exists k").int(), 1);
    assert_eq!(c.cmd("exists k k nope k").int(), 3);
    assert_eq!(c.cmd("exists nope").int(), 0);
    c.call(&[b"set", b"", b""]);
    assert_eq!(c.call(&[b"exists", b""]).int(), 1);
}

#[test]
fn type_reports_string_or_none() {
    let srv = start();
    let mut c = srv.client();
    c.cmd("set s 12");
    assert_eq!(c.cmd("type s"), Reply::Status("string".into()));
    assert_eq!(c.cmd("type nope"), Reply::Status("none".into()));
}

#[test]
fn keys_matches_globs() {
    let srv = start();
    let mut c = srv.client();
    for k in ["key_x", "key_y", "key_z", "foo_a", "foo_b", "foo_c", "f[o]"] {
        c.cmd(&format!("set {k} hello"));
    }
    assert_eq!(
        sorted(c.cmd("keys foo*").strings()),
        ["foo_a", "foo_b", "foo_c"]
    );
    assert_eq!(
        sorted(c.cmd("keys key_?").strings()),
        ["key_x", "key_y", "key_z"]
    );
    assert_eq!(sorted(c.cmd("keys *_[ab]").strings()), ["foo_a", "foo_b"]);
    assert_eq!(
        sorted(c.cmd("keys *_[^ab]").strings()),
        ["foo_c", "key_x", "key_y", "key_z"]
    );
    assert_eq!(c.cmd(r"keys f\[o\]").strings(), ["f[o]"]);
    assert_eq!(c.cmd("keys *").strings().len(), 7);
    assert!(c.cmd("keys nothing*").strings().is_empty());
    // Pathological patterns finish quickly with no match.
    c.cmd("flushdb");
    c.cmd(&format!("set {} 1", "a".repeat(40)));
    assert!(c
        .cmd("keys a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b")
        .strings()
        .is_empty());
}

#[test]
fn keys_leaves_out_expired_keys() {
    let srv = start();
    let mut c = srv.client();
    c.cmd("set live 1");
    c.cmd("set dying 1");
    c.cmd("pexpire dying 1");
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(c.cmd("keys *").strings(), ["live"]);
}

/// Runs a whole SCAN iteration with extra arguments, returning every key.
fn scan_all(c: &mut harness::Client, extra: &str) -> Vec<String> {
    let mut cursor = "0".to_string();
    let mut keys = Vec::new();
    loop {
        let line = format!("scan {cursor}{extra}");
        let r = c.cmd(&line).items();
        assert_eq!(r.len(), 2);
        cursor = r[0].text();
        keys.extend(r[1].strings());
        if cursor == "0" {
            return keys;
        }
    }
}

#[test]
fn scan_iterates_every_key_with_count_match_and_type() {
    let srv = start();
    let mut c = srv.client();
    for i in 0..1000 {
        c.cmd(&format!("set key:{i} AAA"));
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
    let srv = start();
    let mut c = srv.client();
    for i in 0..100 {
        c.cmd(&format!("set k{i} v"));
    }
    let mut cursor = "0".to_string();
    let mut seen = Vec::new();
    let mut added = 0;
    loop {
        let r = c.cmd(&format!("scan {cursor}")).items();
        cursor = r[0].text();
        seen.extend(r[1].strings());
        if cursor == "0" {
            break;
        }
        for _ in 0..10 {
            c.cmd(&format!("set addedkey:{added} foo"));
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
    let srv = start();
    let mut c = srv.client();
    c.cmd("set k v");
    assert_eq!(c.cmd("scan abc"), err("ERR invalid cursor"));
    assert_eq!(
        c.cmd("scan 18446744073709551616"),
        err("ERR invalid cursor")
    );
    assert_eq!(c.cmd("scan 1x"), err("ERR invalid cursor"));
    assert_eq!(c.call(&[b"scan", b" 1"]), err("ERR invalid cursor"));
    assert_eq!(c.cmd("scan 0 count 0"), err("ERR syntax error"));
    assert_eq!(c.cmd("scan 0 count -1"), err("ERR syntax error"));
    assert_eq!(
        c.cmd("scan 0 count x"),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(c.cmd("scan 0 match"), err("ERR syntax error"));
    assert_eq!(c.cmd("scan 0 foo bar"), err("ERR syntax error"));
    assert_eq!(
        c.cmd("scan"),
        err("ERR wrong number of arguments for 'scan' command")
    );
    // An empty cursor is cursor 0, as strtoul reads it.
    let r = c.call(&[b"scan", b""]).items();
    assert_eq!(r[1].strings(), ["k"]);
}

#[test]
fn scan_leaves_out_expired_keys() {
    let srv = start();
    let mut c = srv.client();
    c.cmd("set live 1");
    for i in 0..20 {
        c.cmd(&format!("set gone{i} 1"));
        c.cmd(&format!("pexpire gone{i} 1"));
    }
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(scan_all(&mut c, " count 1000"), ["live"]);
    assert_eq!(c.cmd("dbsize").int(), 1);
}

#[test]
fn randomkey_returns_a_live_key_or_nil() {
    let srv = start();
    let mut c = srv.client();
    assert!(c.cmd("randomkey").is_nil());
    c.cmd("set x 10");
    c.cmd("del x");
    assert!(c.cmd("randomkey").is_nil());
    c.cmd("set foo x");
    c.cmd("set bar y");
    for _ in 0..20 {
        let k = c.cmd("randomkey").text();
        assert!(k == "foo" || k == "bar", "unexpected key {k}");
    }
    for i in 0..10 {
        c.cmd(&format!("set tmp{i} 1"));
        c.cmd(&format!("pexpire tmp{i} 1"));
    }
    std::thread::sleep(std::time::Duration::from_millis(20));
    for _ in 0..20 {
        let k = c.cmd("randomkey").text();
        assert!(k == "foo" || k == "bar", "expired key {k} returned");
    }
    assert!(c.cmd("flushdb") == ok() && c.cmd("randomkey").is_nil());
}

#[test]
fn rename_moves_value_and_ttl() {
    let srv = start();
    let mut c = srv.client();
    c.cmd("set mykey hello");
    assert_eq!(c.cmd("rename mykey mykey1"), ok());
    assert_eq!(c.cmd("rename mykey1 mykey2"), ok());
    assert_eq!(c.cmd("get mykey2"), bulk("hello"));
    assert_eq!(c.cmd("exists mykey mykey1").int(), 0);
    // Over an existing key.
    c.cmd("set a x");
    assert_eq!(c.cmd("rename mykey2 a"), ok());
    assert_eq!(c.cmd("get a"), bulk("hello"));
    // Missing source, even onto itself.
    assert_eq!(c.cmd("rename nokey foo"), err("ERR no such key"));
    assert_eq!(c.cmd("rename nokey nokey"), err("ERR no such key"));
    assert_eq!(c.cmd("rename a a"), ok());
    assert_eq!(c.cmd("get a"), bulk("hello"));
    // The TTL travels with the value ...
    c.cmd("expire a 100");
    c.cmd("rename a b");
    let ttl = c.cmd("ttl b").int();
    assert!(ttl > 95 && ttl <= 100, "ttl {ttl}");
    // ... and the target's own TTL is not inherited.
    c.cmd("set plain v");
    c.cmd("set volatile w");
    c.cmd("expire volatile 100");
    c.cmd("rename plain volatile");
    assert_eq!(c.cmd("ttl volatile").int(), -1);
    assert_eq!(c.cmd("get volatile"), bulk("v"));
    assert_eq!(
        c.cmd("rename a"),
        err("ERR wrong number of arguments for 'rename' command")
    );
}

#[test]
fn renamenx_refuses_an_existing_target() {
    let srv = start();
    let mut c = srv.client();
    c.cmd("set mykey foobar");
    assert_eq!(c.cmd("renamenx mykey mykey2").int(), 1);
    assert_eq!(c.cmd("get mykey2"), bulk("foobar"));
    assert_eq!(c.cmd("exists mykey").int(), 0);
    c.cmd("set mykey foo");
    assert_eq!(c.cmd("renamenx mykey mykey2").int(), 0);
    assert_eq!(c.cmd("get mykey"), bulk("foo"));
    assert_eq!(c.cmd("get mykey2"), bulk("foobar"));
    assert_eq!(c.cmd("renamenx mykey mykey").int(), 0);
    assert_eq!(c.cmd("renamenx nokey x"), err("ERR no such key"));
}

#[test]
fn move_between_databases() {
    let srv = start();
    let mut c = srv.client();
    c.cmd("select 9");
    c.cmd("set mykey foobar");
    assert_eq!(c.cmd("move mykey 10").int(), 1);
    assert_eq!(c.cmd("exists mykey").int(), 0);
    assert_eq!(c.cmd("dbsize").int(), 0);
    c.cmd("select 10");
    assert_eq!(c.cmd("get mykey"), bulk("foobar"));
    c.cmd("select 9");
    // Target exists: nothing moves.
    c.cmd("set mykey hello");
    assert_eq!(c.cmd("move mykey 10").int(), 0);
    assert_eq!(c.cmd("get mykey"), bulk("hello"));
    assert_eq!(c.cmd("move nokey 10").int(), 0);
    assert_eq!(
        c.cmd("move mykey notanumber"),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(c.cmd("move mykey 16"), err("ERR DB index is out of range"));
    assert_eq!(c.cmd("move mykey -1"), err("ERR DB index is out of range"));
    assert_eq!(
        c.cmd("move mykey 2147483648"),
        err("ERR value is out of range, value must between -2147483648 and 2147483647")
    );
    assert_eq!(
        c.cmd("move mykey 9"),
        err("ERR source and destination objects are the same")
    );
    // The TTL moves too; no TTL is created where there was none.
    c.cmd("del mykey");
    c.cmd("set vol foo");
    c.cmd("expire vol 100");
    c.cmd("set nonvol bar");
    assert_eq!(c.cmd("move vol 10").int(), 1);
    assert_eq!(c.cmd("move nonvol 10").int(), 1);
    assert_eq!(c.cmd("ttl vol").int(), -2);
    c.cmd("select 10");
    let ttl = c.cmd("ttl vol").int();
    assert!(ttl > 0 && ttl <= 100, "ttl {ttl}");
    assert_eq!(c.cmd("ttl nonvol").int(), -1);
}

#[test]
fn copy_within_and_across_databases() {
    let srv = start();
    let mut c = srv.client();
    c.cmd("select 9");
    c.cmd("set mykey foobar");
    assert_eq!(c.cmd("copy mykey mynewkey").int(), 1);
    assert_eq!(c.cmd("get mynewkey"), bulk("foobar"));
    assert_eq!(c.cmd("dbsize").int(), 2);
    assert_eq!(c.cmd("copy mykey mynewkey DB 10").int(), 1);
    c.cmd("select 10");
    assert_eq!(c.cmd("get mynewkey"), bulk("foobar"));
    assert_eq!(c.cmd("dbsize").int(), 1);
    c.cmd("select 9");
    // No REPLACE: the existing target wins.
    c.cmd("set mykey2 hello");
    assert_eq!(c.cmd("copy mykey2 mynewkey DB 10").int(), 0);
    assert_eq!(c.cmd("copy mykey2 mynewkey db 10 replace").int(), 1);
    c.cmd("select 10");
    assert_eq!(c.cmd("get mynewkey"), bulk("hello"));
    // The copy is independent of its source.
    c.cmd("set mynewkey hoge");
    c.cmd("select 9");
    assert_eq!(c.cmd("get mykey2"), bulk("hello"));
    // TTL is copied; none is created.
    c.cmd("set vol foobar");
    c.cmd("expire vol 100");
    assert_eq!(c.cmd("copy vol volcopy").int(), 1);
    let ttl = c.cmd("ttl volcopy").int();
    assert!(ttl > 0 && ttl <= 100, "ttl {ttl}");
    c.cmd("copy mykey volcopy replace");
    assert_eq!(c.cmd("ttl volcopy").int(), -1);
    // Errors and misses.
    assert_eq!(c.cmd("copy nokey x").int(), 0);
    assert_eq!(
        c.cmd("copy mykey mykey"),
        err("ERR source and destination objects are the same")
    );
    assert_eq!(
        c.cmd("copy mykey mykey db 9"),
        err("ERR source and destination objects are the same")
    );
    assert_eq!(c.cmd("copy mykey mykey db 10 replace").int(), 1);
    assert_eq!(
        c.cmd("copy mykey x DB notanumber"),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        c.cmd("copy mykey x DB 16"),
        err("ERR DB index is out of range")
    );
    assert_eq!(c.cmd("copy mykey x db"), err("ERR syntax error"));
    assert_eq!(c.cmd("copy mykey x foo"), err("ERR syntax error"));
    assert_eq!(
        c.cmd("copy mykey"),
        err("ERR wrong number of arguments for 'copy' command")
    );
}

#[test]
fn touch_counts_existing_keys() {
    let srv = start();
    let mut c = srv.client();
    c.cmd("set key1 1");
    c.cmd("set key2 2");
    assert_eq!(c.cmd("touch key0 key1 key2 key3").int(), 2);
    assert_eq!(c.cmd("touch key1 key1").int(), 2);
}

#[test]
fn object_subcommands() {
    let srv = start();
    let mut c = srv.client();
    c.cmd("set i 12345");
    c.cmd("set small 7");
    c.cmd("set e hello");
    c.cmd(&format!("set r {}", "x".repeat(45)));
    assert_eq!(c.cmd("object encoding i"), bulk("int"));
    assert_eq!(c.cmd("object encoding e"), bulk("embstr"));
    assert_eq!(c.cmd("object encoding r"), bulk("raw"));
    assert_eq!(c.cmd("OBJECT ENCODING nope"), Reply::Bulk(None));
    assert_eq!(c.cmd("object refcount e").int(), 1);
    assert_eq!(c.cmd("object refcount i").int(), 1);
    assert_eq!(c.cmd("object refcount small").int(), 2147483647);
    assert!(c.cmd("object idletime e").int() <= 1);
    assert!(c.cmd("object idletime nope").is_nil());
    assert_eq!(
        c.cmd("object freq e"),
        err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
    );
    let help = c.cmd("object help").strings();
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
        c.cmd("object foo e"),
        err("ERR unknown subcommand 'foo'. Try OBJECT HELP.")
    );
    assert_eq!(
        c.cmd("object encoding"),
        err("ERR wrong number of arguments for 'object|encoding' command")
    );
    assert_eq!(
        c.cmd("object"),
        err("ERR wrong number of arguments for 'object' command")
    );
}

#[test]
fn introspection_does_not_reset_idle_time_but_touch_does() {
    let srv = start();
    let mut c = srv.client();
    c.cmd("set foo bar");
    std::thread::sleep(std::time::Duration::from_millis(2200));
    c.cmd("ttl foo");
    c.cmd("type foo");
    c.cmd("exists foo");
    c.cmd("object encoding foo");
    let idle = c.cmd("object idletime foo").int();
    assert!(idle >= 2, "idle {idle}");
    c.cmd("touch foo");
    assert!(c.cmd("object idletime foo").int() < 2);
}

#[test]
fn dbsize_flushdb_and_flushall() {
    let srv = start();
    let mut c = srv.client();
    for i in 0..6 {
        c.cmd(&format!("set k{i} v"));
    }
    c.cmd("select 1");
    c.cmd("set other v");
    assert_eq!(c.cmd("dbsize").int(), 1);
    c.cmd("select 0");
    assert_eq!(c.cmd("dbsize").int(), 6);
    assert_eq!(c.cmd("flushdb"), ok());
    assert_eq!(c.cmd("dbsize").int(), 0);
    c.cmd("select 1");
    assert_eq!(c.cmd("dbsize").int(), 1);
    assert_eq!(c.cmd("flushdb sync"), ok());
    c.cmd("set again v");
    c.cmd("select 0");
    c.cmd("set k v");
    assert_eq!(c.cmd("flushall ASYNC"), ok());
    assert_eq!(c.cmd("dbsize").int(), 0);
    c.cmd("select 1");
    assert_eq!(c.cmd("dbsize").int(), 0);
    assert_eq!(c.cmd("flushall async sync"), err("ERR syntax error"));
    assert_eq!(c.cmd("flushdb now"), err("ERR syntax error"));
    assert_eq!(c.cmd("flushall sync"), ok());
    assert_eq!(
        c.cmd("dbsize x"),
        err("ERR wrong number of arguments for 'dbsize' command")
    );
}
