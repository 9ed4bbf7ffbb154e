//! A minimal server launcher and RESP client for the server-commands tests
//! (`tests/server.rs`, `tests/introspection.rs`), until the shared
//! `tests/common` harness is merged; then these tests move onto it.
//!
//! Every read has a timeout so a silent server fails the test, and the
//! server process is killed when the handle drops.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A parsed reply (RESP2 and the RESP3 types these tests use).
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    Status(String),
    Error(String),
    Int(i64),
    Bulk(Vec<u8>),
    Nil,
    Array(Vec<Reply>),
    Map(Vec<(Reply, Reply)>),
    Set(Vec<Reply>),
    Double(String),
    Bool(bool),
    Verbatim(String, Vec<u8>),
    BigNumber(String),
    Push(Vec<Reply>),
}

impl Reply {
    /// The text of a status, bulk or verbatim reply.
    pub fn text(&self) -> String {
        match self {
            Reply::Status(s) | Reply::Error(s) | Reply::Double(s) | Reply::BigNumber(s) => {
                s.clone()
            }
            Reply::Bulk(b) | Reply::Verbatim(_, b) => String::from_utf8_lossy(b).into_owned(),
            Reply::Int(i) => i.to_string(),
            other => panic!("not a text reply: {other:?}"),
        }
    }

    pub fn int(&self) -> i64 {
        match self {
            Reply::Int(i) => *i,
            other => panic!("not an integer: {other:?}"),
        }
    }

    pub fn items(&self) -> &[Reply] {
        match self {
            Reply::Array(v) | Reply::Set(v) | Reply::Push(v) => v,
            other => panic!("not an array: {other:?}"),
        }
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }
}

pub struct Conn {
    reader: BufReader<TcpStream>,
    stream: TcpStream,
}

impl Conn {
    pub fn connect(port: u16) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        stream.set_nodelay(true).expect("nodelay");
        Conn {
            reader: BufReader::new(stream.try_clone().expect("clone")),
            stream,
        }
    }

    pub fn send(&mut self, args: &[&str]) {
        self.send_bytes(&args.iter().map(|a| a.as_bytes()).collect::<Vec<_>>());
    }

    pub fn send_bytes(&mut self, args: &[&[u8]]) {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a);
            out.extend_from_slice(b"\r\n");
        }
        self.stream.write_all(&out).expect("write");
    }

    pub fn cmd(&mut self, args: &[&str]) -> Reply {
        self.send(args);
        self.read()
    }

    pub fn set_timeout(&mut self, d: Duration) {
        self.stream.set_read_timeout(Some(d)).expect("timeout");
    }

    /// Reads one reply; `None` when the connection is closed or times out.
    pub fn try_read(&mut self) -> Option<Reply> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
        let line = line.trim_end_matches("\r\n").to_string();
        let (t, rest) = line.split_at(1);
        let n = || rest.parse::<i64>().expect("length");
        Some(match t {
            "+" => Reply::Status(rest.to_string()),
            "-" => Reply::Error(rest.to_string()),
            ":" => Reply::Int(n()),
            "$" | "=" => {
                if n() < 0 {
                    return Some(Reply::Nil);
                }
                let mut buf = vec![0u8; n() as usize + 2];
                self.reader.read_exact(&mut buf).ok()?;
                buf.truncate(n() as usize);
                if t == "=" {
                    let body = buf.split_off(4);
                    Reply::Verbatim(String::from_utf8_lossy(&buf[..3]).into_owned(), body)
                } else {
                    Reply::Bulk(buf)
                }
            }
            "*" | "~" | ">" => {
                if n() < 0 {
                    return Some(Reply::Nil);
                }
                let mut v = Vec::new();
                for _ in 0..n() {
                    v.push(self.try_read()?);
                }
                match t {
                    "*" => Reply::Array(v),
                    "~" => Reply::Set(v),
                    _ => Reply::Push(v),
                }
            }
            "%" => {
                let mut v = Vec::new();
                for _ in 0..n() {
                    let k = self.try_read()?;
                    let val = self.try_read()?;
                    v.push((k, val));
                }
                Reply::Map(v)
            }
            "_" => Reply::Nil,
            "#" => Reply::Bool(rest == "t"),
            "," => Reply::Double(rest.to_string()),
            "(" => Reply::BigNumber(rest.to_string()),
            other => panic!("unexpected reply type {other:?} in {line:?}"),
        })
    }

    pub fn read(&mut self) -> Reply {
        self.try_read().expect("a reply")
    }
}

/// A running server on a free port, killed on drop.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub dir: std::path::PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Server {
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    pub fn start_with(extra: &[&str]) -> Server {
        for _ in 0..5 {
            let port = free_port();
            let dir = std::env::temp_dir().join(format!(
                "rudis-servercmds-{}-{}",
                std::process::id(),
                port
            ));
            let _ = std::fs::create_dir_all(&dir);
            let log = dir.join("log");
            let mut args: Vec<String> = vec![
                "--port".into(),
                port.to_string(),
                "--protected-mode".into(),
                "no".into(),
                "--enable-debug-command".into(),
                "yes".into(),
                "--logfile".into(),
                log.display().to_string(),
            ];
            args.extend(extra.iter().map(|s| s.to_string()));
            let child = Command::new(env!("CARGO_BIN_EXE_rudis-server"))
                .args(&args)
                .current_dir(&dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn rudis-server");
            let mut srv = Server { child, port, dir };
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    // Let the server notice the probe connection closed, so
                    // tests counting clients do not see it.
                    std::thread::sleep(Duration::from_millis(50));
                    return srv;
                }
                if let Ok(Some(_)) = srv.child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = srv.child.kill();
        }
        panic!("could not start rudis-server");
    }

    pub fn conn(&self) -> Conn {
        Conn::connect(self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    /// Waits for the process to exit; its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(st)) = self.child.try_wait() {
                return st.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One field of an INFO text.
pub fn info_field(info: &str, name: &str) -> Option<String> {
    info.split("\r\n")
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':')))
        .map(String::from)
}

/// Polls `f` for up to `timeout`.
pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}
