//! A small blocking RESP client for tests.
//!
//! [`Client`] sends commands as RESP multibulk (binary safe) over a `std` `TcpStream` and
//! parses RESP2 / RESP3 replies (switch with `c.cmd(&["HELLO", "3"])`). Every read has a
//! timeout (default [`DEFAULT_TIMEOUT`]), so a server that never answers fails the test instead
//! of hanging it.
//!
//! Two flavours of each call:
//! - `cmd`, `send`, `read_reply`, `pipeline`: return the reply and panic (at the test's line)
//!   on a transport problem: timeout, closed connection, protocol error.
//! - `try_cmd`, `try_send`, `try_read_reply`, `read_reply_timeout`: return
//!   `Result<_, ClientError>`, where [`ClientError::Closed`] (EOF or reset) and
//!   [`ClientError::Timeout`] are distinct outcomes, for tests that expect the server to close
//!   the connection or to stay silent.
//!
//! A read that times out in the middle of a reply keeps what it has read, so the next read
//! resumes where it stopped.

use super::reply::{Parser, Reply};
use std::collections::HashMap;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Read / write timeout of a new [`Client`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a client call returned no reply.
#[derive(Debug)]
pub enum ClientError {
    /// The server closed the connection (EOF), or reset it.
    Closed,
    /// Nothing (complete) arrived before the timeout.
    Timeout,
    /// The server sent bytes that are not RESP.
    Protocol(String),
    /// Any other socket error.
    Io(io::Error),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Closed => write!(f, "connection closed by the server"),
            ClientError::Timeout => write!(f, "timed out waiting for a reply"),
            ClientError::Protocol(e) => write!(f, "protocol error: {e}"),
            ClientError::Io(e) => write!(f, "I/O error: {e}"),
        }
    }
}

impl From<io::Error> for ClientError {
    fn from(e: io::Error) -> ClientError {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => ClientError::Timeout,
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => ClientError::Closed,
            _ => ClientError::Io(e),
        }
    }
}

/// Encodes one command as a RESP multibulk request.
pub fn encode_command<S: AsRef<[u8]>>(args: &[S]) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(16 + args.iter().map(|a| a.as_ref().len() + 16).sum::<usize>());
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        let a = a.as_ref();
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A connection to a server on 127.0.0.1.
#[derive(Debug)]
pub struct Client {
    stream: TcpStream,
    /// Received bytes not yet consumed by a complete reply.
    buf: Vec<u8>,
    parser: Parser,
    timeout: Duration,
}

impl Client {
    /// Connects to `127.0.0.1:port`; panics on failure.
    #[track_caller]
    pub fn connect(port: u16) -> Client {
        match Client::try_connect(port) {
            Ok(c) => c,
            Err(e) => panic!("cannot connect to 127.0.0.1:{port}: {e}"),
        }
    }

    /// Connects to `127.0.0.1:port` (connect timeout [`DEFAULT_TIMEOUT`]).
    pub fn try_connect(port: u16) -> io::Result<Client> {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let stream = TcpStream::connect_timeout(&addr, DEFAULT_TIMEOUT)?;
        stream.set_nodelay(true)?;
        stream.set_write_timeout(Some(DEFAULT_TIMEOUT))?;
        Ok(Client {
            stream,
            buf: Vec::new(),
            parser: Parser::new(),
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// Connects, then sends `AUTH password` and checks the `+OK`.
    #[track_caller]
    pub fn connect_auth(port: u16, password: &str) -> Client {
        let mut c = Client::connect(port);
        c.cmd(&["AUTH", password]).assert_ok();
        c
    }

    /// Sets the read and write timeout used by every later call.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
        self.stream
            .set_write_timeout(Some(timeout))
            .expect("set_write_timeout");
    }

    /// The current read / write timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The socket, for `local_addr()`, `shutdown()` and the like.
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// Our side's address (what `CLIENT LIST` shows as `addr=`).
    pub fn local_addr(&self) -> SocketAddr {
        self.stream.local_addr().expect("local_addr")
    }

    /// Closes our sending side (the server sees EOF after what was sent).
    pub fn shutdown_write(&self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }

    /// Sends a command without reading its reply (for pipelining, blocking commands,
    /// SUBSCRIBE, MONITOR...). Arguments are binary safe: `&str`, `String`, `&[u8]`, `Vec<u8>`.
    #[track_caller]
    pub fn send<S: AsRef<[u8]>>(&mut self, args: &[S]) {
        if let Err(e) = self.try_send(args) {
            panic!("sending {}: {e}", describe(args));
        }
    }

    /// Like [`Client::send`], returning the error.
    pub fn try_send<S: AsRef<[u8]>>(&mut self, args: &[S]) -> Result<(), ClientError> {
        self.try_send_raw(&encode_command(args))
    }

    /// Writes bytes as they are: inline commands, malformed requests, partial requests.
    #[track_caller]
    pub fn send_raw(&mut self, bytes: &[u8]) {
        if let Err(e) = self.try_send_raw(bytes) {
            panic!("sending raw bytes: {e}");
        }
    }

    /// Like [`Client::send_raw`], returning the error.
    pub fn try_send_raw(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        self.stream.write_all(bytes)?;
        Ok(())
    }

    /// Reads the next reply; panics on timeout, closed connection or protocol error.
    #[track_caller]
    pub fn read_reply(&mut self) -> Reply {
        match self.try_read_reply() {
            Ok(r) => r,
            Err(e) => panic!("reading a reply from port {}: {e}", self.peer_port()),
        }
    }

    /// Reads the next reply within the client's timeout.
    pub fn try_read_reply(&mut self) -> Result<Reply, ClientError> {
        self.read_reply_timeout(self.timeout)
    }

    /// Reads the next reply within `timeout`. `Err(Timeout)` leaves the connection usable:
    /// any partial reply is kept for the next read.
    pub fn read_reply_timeout(&mut self, timeout: Duration) -> Result<Reply, ClientError> {
        let deadline = Instant::now() + timeout;
        let mut chunk = [0u8; 64 * 1024];
        loop {
            match self.parser.parse(&self.buf) {
                Ok(Some((reply, used))) => {
                    self.buf.drain(..used);
                    return Ok(reply);
                }
                Ok(None) => {}
                Err(e) => return Err(ClientError::Protocol(e)),
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ClientError::Timeout);
            }
            self.stream.set_read_timeout(Some(left))?;
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(ClientError::Closed),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Sends a command and reads its reply; panics on a transport problem (an error *reply*
    /// is returned as `Reply::Error`, not a panic).
    #[track_caller]
    pub fn cmd<S: AsRef<[u8]>>(&mut self, args: &[S]) -> Reply {
        match self.try_cmd(args) {
            Ok(r) => r,
            Err(e) => panic!("{} on port {}: {e}", describe(args), self.peer_port()),
        }
    }

    /// Sends a command and reads its reply.
    pub fn try_cmd<S: AsRef<[u8]>>(&mut self, args: &[S]) -> Result<Reply, ClientError> {
        self.try_send(args)?;
        self.try_read_reply()
    }

    /// [`Client::cmd`] with byte-string arguments: `c.cmd_bytes(&[b"SET", b"k", b"\0\r\n"])`.
    #[track_caller]
    pub fn cmd_bytes(&mut self, args: &[&[u8]]) -> Reply {
        self.cmd(args)
    }

    /// Sends all `commands` in one write, then reads one reply per command.
    #[track_caller]
    pub fn pipeline(&mut self, commands: &[&[&str]]) -> Vec<Reply> {
        let mut bytes = Vec::new();
        for c in commands {
            bytes.extend_from_slice(&encode_command(c));
        }
        self.send_raw(&bytes);
        commands.iter().map(|_| self.read_reply()).collect()
    }

    /// Waits until the server closes the connection, discarding any replies that arrive
    /// first. True if it closed within `timeout`, false if the connection was still open.
    pub fn wait_closed(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.read_reply_timeout(left) {
                Ok(_) => continue,
                Err(ClientError::Closed) => return true,
                Err(ClientError::Timeout) => return false,
                // Garbage or a socket error: the connection is unusable; call it closed.
                Err(_) => return true,
            }
        }
    }

    /// `INFO section`, parsed into `field -> value` (section headers and blank lines skipped).
    #[track_caller]
    pub fn info(&mut self, section: &str) -> HashMap<String, String> {
        let reply = self.cmd(&["INFO", section]);
        parse_info(reply.as_str())
    }

    /// One field of `INFO section` (`c.info_field("replication", "role")`).
    #[track_caller]
    pub fn info_field(&mut self, section: &str, field: &str) -> Option<String> {
        self.info(section).remove(field)
    }

    fn peer_port(&self) -> u16 {
        self.stream.peer_addr().map(|a| a.port()).unwrap_or(0)
    }
}

/// Parses `INFO` text (`field:value` lines) into a map.
pub fn parse_info(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_owned(), v.trim_end().to_owned()))
        .collect()
}

/// A command as text for failure messages.
fn describe<S: AsRef<[u8]>>(args: &[S]) -> String {
    let words: Vec<String> = args
        .iter()
        .take(8)
        .map(|a| {
            let a = a.as_ref();
            let shown = &a[..a.len().min(64)];
            shown.escape_ascii().to_string()
        })
        .collect();
    let more = if args.len() > 8 { " ..." } else { "" };
    format!("`{}{more}`", words.join(" "))
}
