//! Expiry as a client sees it: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with
//! NX/XX/GT/LT, TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST, and keys
//! disappearing lazily (on access) and actively (with nobody asking).
//! Each test starts the real server binary and speaks RESP to it.

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
    let srv = start();
    let mut c = srv.client();
    c.cmd("set x foobar");
    assert_eq!(c.cmd("expire x 5").int(), 1);
    let ttl = c.cmd("ttl x").int();
    assert!(ttl == 4 || ttl == 5, "ttl {ttl}");
    assert_eq!(c.cmd("expire x 10").int(), 1);
    assert_eq!(c.cmd("ttl x").int(), 10);
    let pttl = c.cmd("pttl x").int();
    assert!(pttl > 9000 && pttl <= 10000, "pttl {pttl}");
    assert_eq!(c.cmd("get x"), Reply::Bulk(Some(b"foobar".to_vec())));
    assert_eq!(c.cmd("expire nokey 10").int(), 0);
    assert_eq!(c.cmd("pexpire nokey 10").int(), 0);
}

#[test]
fn absolute_forms_and_expiretime() {
    let srv = start();
    let mut c = srv.client();
    let secs = now_ms() / 1000 + 100;
    c.cmd("set x v");
    assert_eq!(c.cmd(&format!("expireat x {secs}")).int(), 1);
    assert_eq!(c.cmd("expiretime x").int(), secs);
    assert_eq!(c.cmd("pexpiretime x").int(), secs * 1000);
    let ms = now_ms() + 100_000;
    assert_eq!(c.cmd(&format!("pexpireat x {ms}")).int(), 1);
    assert_eq!(c.cmd("pexpiretime x").int(), ms);
    assert_eq!(c.cmd("expiretime x").int(), (ms + 500) / 1000);
    let ttl = c.cmd("ttl x").int();
    assert!((99..=100).contains(&ttl), "ttl {ttl}");
    // Far future deadlines are fine as long as nothing overflows.
    assert_eq!(c.cmd("pexpireat x 9223372036854770000").int(), 1);
    assert_eq!(c.cmd("pexpiretime x").int(), 9223372036854770000);
}

#[test]
fn ttl_family_without_ttl_and_without_key() {
    let srv = start();
    let mut c = srv.client();
    c.cmd("set x hello");
    for cmd in ["ttl", "pttl", "expiretime", "pexpiretime"] {
        assert_eq!(c.cmd(&format!("{cmd} x")).int(), -1, "{cmd}");
        assert_eq!(c.cmd(&format!("{cmd} nokey")).int(), -2, "{cmd}");
    }
}

#[test]
fn persist_removes_the_ttl() {
    let srv = start();
    let mut c = srv.client();
    c.cmd("set x foo");
    c.cmd("expire x 50");
    assert_eq!(c.cmd("ttl x").int(), 50);
    assert_eq!(c.cmd("persist x").int(), 1);
    assert_eq!(c.cmd("ttl x").int(), -1);
    assert_eq!(c.cmd("get x"), Reply::Bulk(Some(b"foo".to_vec())));
    assert_eq!(c.cmd("persist x").int(), 0);
    assert_eq!(c.cmd("persist nokeyatall").int(), 0);
}

#[test]
fn a_deadline_in_the_past_deletes_the_key() {
    let srv = start();
    let mut c = srv.client();
    for cmd in [
        "expire k -10",
        "pexpire k -1",
        "expireat k 100",
        "pexpireat k 0",
        "expire k 0",
    ] {
        c.cmd("set k v");
        assert_eq!(c.cmd(cmd).int(), 1, "{cmd}");
        assert_eq!(c.cmd("exists k").int(), 0, "{cmd}");
        assert_eq!(c.cmd("ttl k").int(), -2, "{cmd}");
    }
    c.cmd("set k v");
    assert_eq!(c.cmd("pexpireat k -9223372036854770000").int(), 1);
    assert_eq!(c.cmd("ttl k").int(), -2);
    // LT on a key without TTL treats "no TTL" as infinite: -10 is less.
    c.cmd("set k v");
    assert_eq!(c.cmd("expire k -10 LT").int(), 1);
    assert_eq!(c.cmd("ttl k").int(), -2);
}

#[test]
fn nx_xx_gt_lt_conditions() {
    let srv = start();
    let mut c = srv.client();
    let ttl = |c: &mut harness::Client| c.cmd("ttl foo").int();
    // NX: only without a TTL.
    c.cmd("set foo bar");
    c.cmd("expire foo 100");
    assert_eq!(c.cmd("expire foo 200 NX").int(), 0);
    assert!((50..=100).contains(&ttl(&mut c)));
    c.cmd("set foo bar");
    assert_eq!(c.cmd("expire foo 200 nx").int(), 1);
    assert!((100..=200).contains(&ttl(&mut c)));
    // XX: only with a TTL.
    assert_eq!(c.cmd("expire foo 150 XX").int(), 1);
    assert!((100..=150).contains(&ttl(&mut c)));
    c.cmd("set foo bar");
    assert_eq!(c.cmd("expire foo 200 XX").int(), 0);
    assert_eq!(ttl(&mut c), -1);
    // GT: only later than the current deadline; no TTL is infinite.
    assert_eq!(c.cmd("expire foo 200 GT").int(), 0);
    assert_eq!(ttl(&mut c), -1);
    c.cmd("expire foo 100");
    assert_eq!(c.cmd("expire foo 200 GT").int(), 1);
    assert_eq!(c.cmd("expire foo 100 gt").int(), 0);
    assert!((100..=200).contains(&ttl(&mut c)));
    // LT: only earlier; always on a key without TTL.
    assert_eq!(c.cmd("expire foo 300 LT").int(), 0);
    assert_eq!(c.cmd("expire foo 100 LT").int(), 1);
    assert!((50..=100).contains(&ttl(&mut c)));
    c.cmd("set foo bar");
    assert_eq!(c.cmd("expire foo 100 LT").int(), 1);
    assert!((50..=100).contains(&ttl(&mut c)));
    // Combined with XX.
    c.cmd("set foo bar");
    assert_eq!(c.cmd("expire foo 200 LT XX").int(), 0);
    assert_eq!(ttl(&mut c), -1);
    c.cmd("expire foo 200");
    assert_eq!(c.cmd("pexpire foo 100000 lt xx").int(), 1);
    assert!((50..=100).contains(&ttl(&mut c)));
    // A missing key is always 0.
    for opt in ["NX", "XX", "GT", "LT"] {
        assert_eq!(c.cmd(&format!("expire none 100 {opt}")).int(), 0);
    }
}

#[test]
fn option_and_number_errors() {
    let srv = start();
    let mut c = srv.client();
    c.cmd("set foo bar");
    assert_eq!(
        c.cmd("expire foo 200 LT GT"),
        err("ERR GT and LT options at the same time are not compatible")
    );
    for opts in ["NX GT", "NX LT", "NX XX", "xx nx"] {
        assert_eq!(
            c.cmd(&format!("expire foo 200 {opts}")),
            err("ERR NX and XX, GT or LT options at the same time are not compatible"),
            "{opts}"
        );
    }
    assert_eq!(c.cmd("expire foo 200 AB"), err("ERR Unsupported option AB"));
    assert_eq!(
        c.cmd("expire foo 200 XX AB"),
        err("ERR Unsupported option AB")
    );
    // Options are checked before the number.
    assert_eq!(c.cmd("expire foo abc AB"), err("ERR Unsupported option AB"));
    assert_eq!(
        c.call(&[b"expire", b"foo", b""]),
        err("ERR value is not an integer or out of range")
    );
    assert_eq!(
        c.cmd("expire foo 1.5"),
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
            c.cmd(&format!("expire foo {n}")),
            err("ERR invalid expire time in 'expire' command"),
            "{n}"
        );
    }
    assert_eq!(
        c.cmd("pexpire foo 9223372036854770000"),
        err("ERR invalid expire time in 'pexpire' command")
    );
    assert_eq!(
        c.cmd("expireat foo 9223372036854776"),
        err("ERR invalid expire time in 'expireat' command")
    );
    assert_eq!(c.cmd("ttl foo").int(), -1);
    assert_eq!(
        c.cmd("expire foo"),
        err("ERR wrong number of arguments for 'expire' command")
    );
    assert_eq!(
        c.cmd("ttl"),
        err("ERR wrong number of arguments for 'ttl' command")
    );
}

#[test]
fn expired_keys_vanish_on_access() {
    let srv = start();
    let mut c = srv.client();
    c.cmd("set x somevalue");
    c.cmd("pexpire x 100");
    assert_eq!(c.cmd("get x"), Reply::Bulk(Some(b"somevalue".to_vec())));
    sleep_ms(150);
    assert_eq!(c.cmd("get x"), Reply::Bulk(None));
    assert_eq!(c.cmd("exists x").int(), 0);
    assert_eq!(c.cmd("ttl x").int(), -2);
    assert_eq!(c.cmd("type x"), Reply::Status("none".into()));
    // An expired key is not resurrected by EXPIRE, RENAME or PERSIST.
    c.cmd("set y v");
    c.cmd("pexpire y 50");
    sleep_ms(100);
    assert_eq!(c.cmd("expire y 100").int(), 0);
    assert_eq!(c.cmd("persist y").int(), 0);
    assert_eq!(c.cmd("rename y z"), err("ERR no such key"));
    assert_eq!(c.cmd("exists y z").int(), 0);
    assert_eq!(c.cmd("del y").int(), 0);
}

#[test]
fn expired_keys_are_reclaimed_without_access() {
    let srv = start();
    let mut c = srv.client();
    c.cmd("set keep v");
    for i in 0..300 {
        c.cmd(&format!("set k{i} v"));
        c.cmd(&format!("pexpire k{i} 300"));
    }
    assert_eq!(c.cmd("dbsize").int(), 301);
    let deadline = Instant::now() + Duration::from_secs(3);
    // DBSIZE counts keys without looking at them, so only the active
    // expire cycle can bring it down.
    while c.cmd("dbsize").int() != 1 {
        assert!(Instant::now() < deadline, "keys did not actively expire");
        sleep_ms(50);
    }
    assert_eq!(c.cmd("get keep"), Reply::Bulk(Some(b"v".to_vec())));
}

#[test]
fn set_without_ttl_option_clears_the_ttl() {
    let srv = start();
    let mut c = srv.client();
    c.cmd("set foo bar");
    c.cmd("expire foo 100");
    c.cmd("set foo bar");
    assert_eq!(c.cmd("ttl foo").int(), -1);
}
