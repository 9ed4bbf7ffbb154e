//! One connection: its socket, query buffer, parser state, reply chunks and
//! per-connection state (db, protocol version, auth, flags, name).
//!
//! Owns: the bytes in flight for this peer. The reply is a queue of chunks
//! written with one `writev`; the first chunk's allocation is kept between
//! commands so a steady request/response loop allocates nothing (Redis's
//! static `buf` plus `reply` list). It must never touch the keyspace or
//! other clients; the server and commands drive it.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Read, Write};

use mio::net::{TcpStream, UnixStream};

use crate::resp::{self, RequestParser};

/// 16 KiB, Redis's PROTO_IOBUF_LEN: one read's size and a reply chunk's size.
pub const PROTO_IOBUF_LEN: usize = 16 * 1024;
/// 1 MiB: a reply chunk bigger than this is not kept for reuse.
const REPLY_CHUNK_KEEP_MAX: usize = 1024 * 1024;
/// Chunks per `writev`, well under Linux's IOV_MAX of 1024.
const WRITEV_MAX_CHUNKS: usize = 64;

/// A client's socket: TCP or the unix socket.
pub enum Conn {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.read(buf),
            Conn::Unix(s) => s.read(buf),
        }
    }

    pub fn writev(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.write_vectored(bufs),
            Conn::Unix(s) => s.write_vectored(bufs),
        }
    }

    /// The socket's file descriptor (CLIENT LIST fd=).
    pub fn raw_fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        match self {
            Conn::Tcp(s) => s.as_raw_fd(),
            Conn::Unix(s) => s.as_raw_fd(),
        }
    }

    pub fn source(&mut self) -> &mut dyn mio::event::Source {
        match self {
            Conn::Tcp(s) => s,
            Conn::Unix(s) => s,
        }
    }

    pub fn shutdown(&self) {
        let _ = match self {
            Conn::Tcp(s) => s.shutdown(std::net::Shutdown::Both),
            Conn::Unix(s) => s.shutdown(std::net::Shutdown::Both),
        };
    }
}

/// Client flags, as Redis's CLIENT_* bits (the subset in use).
pub mod flags {
    /// Close once the pending reply is written (QUIT, protocol error).
    pub const CLOSE_AFTER_REPLY: u32 = 1 << 0;
    /// Close at the next opportunity, reply or not (CLIENT KILL, limits).
    pub const CLOSE_ASAP: u32 = 1 << 1;
    /// Inside MULTI.
    pub const MULTI: u32 = 1 << 2;
    /// A command failed to queue inside MULTI: EXEC will abort.
    pub const DIRTY_EXEC: u32 = 1 << 3;
    /// A WATCHed key changed: EXEC will return a null array.
    pub const DIRTY_CAS: u32 = 1 << 4;
    /// MONITOR client.
    pub const MONITOR: u32 = 1 << 5;
    /// The link from our master.
    pub const MASTER: u32 = 1 << 6;
    /// A replica of ours.
    pub const REPLICA: u32 = 1 << 7;
    /// Subscribed to channels or patterns (RESP2 restricts commands).
    pub const PUBSUB: u32 = 1 << 8;
    /// Parked in a blocking command.
    pub const BLOCKED: u32 = 1 << 9;
    /// Connected through the unix socket.
    pub const UNIX_SOCKET: u32 = 1 << 10;
    /// CLIENT REPLY OFF.
    pub const REPLY_OFF: u32 = 1 << 11;
    /// CLIENT REPLY SKIP (the next command's reply is dropped).
    pub const REPLY_SKIP_NEXT: u32 = 1 << 12;
    /// Set while running the command whose reply is dropped.
    pub const REPLY_SKIP: u32 = 1 << 13;
    /// Rejected at accept (max clients, protected mode): close after reply.
    pub const PROTECTED_REJECT: u32 = 1 << 14;
    /// CLIENT NO-EVICT ON: never evicted by maxmemory-clients.
    pub const NO_EVICT: u32 = 1 << 15;
    /// Must not block (Redis's CLIENT_DENY_BLOCKING): set while EXEC runs
    /// the queue, so blocking commands answer as if their timeout expired.
    pub const DENY_BLOCKING: u32 = 1 << 16;
}

/// A connected client.
pub struct Client {
    /// CLIENT ID: unique, increasing, never reused.
    pub id: u64,
    pub conn: Conn,
    /// `ip:port` of the peer (or `path:0` style for unix sockets).
    pub addr: String,
    /// `ip:port` of our end.
    pub laddr: String,
    pub name: Option<Vec<u8>>,
    /// SELECTed database.
    pub db: usize,
    /// Protocol version chosen by HELLO: 2 or 3.
    pub resp: u8,
    pub authenticated: bool,
    pub flags: u32,
    /// Received bytes live in `querybuf[qb_pos..qb_end]`; `qb_pos` is where
    /// the next request starts. The Vec's length is the usable size.
    pub querybuf: Vec<u8>,
    pub qb_pos: usize,
    pub qb_end: usize,
    /// Peak query buffer size since the last cron check (for shrinking).
    pub querybuf_peak: usize,
    pub parser: RequestParser,
    /// Bytes the request being received still needs (big bulks), or 0.
    pub read_hint: usize,
    /// Reply chunks; the front one is partly sent (`sent` bytes).
    reply: VecDeque<Vec<u8>>,
    sent: usize,
    /// Bytes queued in `reply` and not yet sent.
    pub reply_bytes: usize,
    /// Unix seconds at connect (CLIENT LIST age).
    pub ctime: i64,
    /// Unix ms of the last command or read (idle time, timeout).
    pub last_interaction_ms: i64,
    /// Table id of the last command run (CLIENT LIST cmd=), if any.
    pub last_cmd: Option<usize>,
    /// Error codes replied during the current command, for INFO errorstats.
    pub errors: Vec<Box<str>>,
    /// True while registered for writable events.
    pub write_registered: bool,
    /// Channels, patterns and shard channels subscribed to (CLIENT LIST
    /// sub=/psub=/ssub=).
    pub pubsub: crate::pubsub::ClientPubSub,
    /// Pushed bytes (Pub/Sub) produced while this client's own reply is
    /// suppressed (CLIENT REPLY OFF/SKIP); appended after it is dropped.
    pub push_stash: Vec<u8>,
    /// The transaction being queued between MULTI and EXEC.
    pub mstate: crate::multi::MultiState,
    /// Keys this client WATCHes.
    pub watched_keys: Vec<crate::multi::WatchedKey>,
    /// Unix seconds when the soft output limit was first exceeded (0 = not).
    pub obuf_soft_limit_reached_time: i64,
    /// Protocol error to report once the reply is flushed.
    pub protocol_error: bool,
    /// Replica state once it spoke REPLCONF / SYNC / PSYNC (the master side's).
    pub repl: Option<Box<crate::replication::master::ReplicaClient>>,
}

impl Client {
    pub fn new(id: u64, conn: Conn, addr: String, laddr: String, now_ms: i64) -> Client {
        let mut reply = VecDeque::with_capacity(4);
        reply.push_back(Vec::with_capacity(PROTO_IOBUF_LEN));
        Client {
            id,
            conn,
            addr,
            laddr,
            name: None,
            db: 0,
            resp: 2,
            authenticated: false,
            flags: 0,
            querybuf: Vec::new(),
            qb_pos: 0,
            qb_end: 0,
            querybuf_peak: 0,
            parser: RequestParser::default(),
            read_hint: 0,
            reply,
            sent: 0,
            reply_bytes: 0,
            ctime: now_ms / 1000,
            last_interaction_ms: now_ms,
            last_cmd: None,
            errors: Vec::new(),
            write_registered: false,
            pubsub: Default::default(),
            push_stash: Vec::new(),
            mstate: Default::default(),
            watched_keys: Vec::new(),
            obuf_soft_limit_reached_time: 0,
            protocol_error: false,
            repl: None,
        }
    }

    pub fn has_flag(&self, f: u32) -> bool {
        self.flags & f != 0
    }

    // -- reading -----------------------------------------------------------

    /// Reads what the socket has into the query buffer. Returns bytes read;
    /// `Ok(0)` means the peer closed. `WouldBlock` surfaces as an error.
    /// `hint` is how many more bytes the request in progress needs, so a big
    /// bulk gets its room reserved once instead of growing read by read.
    pub fn read_some(&mut self, hint: usize) -> io::Result<usize> {
        if self.qb_pos == self.qb_end && !self.parser.in_request() {
            self.qb_pos = 0;
            self.qb_end = 0;
        }
        let want = PROTO_IOBUF_LEN.max(hint);
        if self.querybuf.len() - self.qb_end < want.min(PROTO_IOBUF_LEN) || hint > 0 {
            // Zero-fill only the growth, once: the buffer's length is its
            // usable size and `qb_end` marks the data's end.
            let target = self.qb_end + want;
            if self.querybuf.len() < target {
                self.querybuf.resize(target, 0);
            }
        }
        let end = self.querybuf.len().min(self.qb_end + want);
        let r = self.conn.read(&mut self.querybuf[self.qb_end..end]);
        if let Ok(n) = r {
            self.qb_end += n;
            self.querybuf_peak = self.querybuf_peak.max(self.qb_end);
        }
        r
    }

    /// The bytes received and not yet executed.
    pub fn pending_input(&self) -> &[u8] {
        &self.querybuf[self.qb_pos..self.qb_end]
    }

    /// Moves the partial request to the front of the buffer (Redis's
    /// sdsrange on qb_pos); the parser's offsets are relative to the request
    /// start, so they stay valid.
    pub fn compact_querybuf(&mut self) {
        if self.qb_pos == 0 {
            return;
        }
        self.querybuf.copy_within(self.qb_pos..self.qb_end, 0);
        self.qb_end -= self.qb_pos;
        self.qb_pos = 0;
    }

    /// Bytes in the query buffer not yet executed.
    pub fn querybuf_pending(&self) -> usize {
        self.qb_end - self.qb_pos
    }

    /// Gives back a query buffer grown by a big request once it is idle
    /// (Redis's clientsCronResizeQueryBuffer).
    pub fn shrink_querybuf_if_idle(&mut self) {
        if self.qb_pos == self.qb_end
            && !self.parser.in_request()
            && self.querybuf.len() > 4 * PROTO_IOBUF_LEN
        {
            self.querybuf = Vec::new();
            self.qb_pos = 0;
            self.qb_end = 0;
        }
        self.querybuf_peak = 0;
    }

    // -- replies -------------------------------------------------------------

    /// The buffer to append a reply of about `need` bytes to.
    #[inline]
    pub fn out(&mut self, need: usize) -> &mut Vec<u8> {
        let len = self.reply.len();
        let tail_len = self.reply.back().map_or(0, |b| b.len());
        let tail_cap = self.reply.back().map_or(0, |b| b.capacity());
        if len == 0 || (tail_len > 0 && tail_len + need > tail_cap.max(PROTO_IOBUF_LEN)) {
            self.reply
                .push_back(Vec::with_capacity(need.max(PROTO_IOBUF_LEN)));
        }
        self.reply.back_mut().expect("a chunk was just ensured")
    }

    /// Call after appending: keeps `reply_bytes` exact.
    fn account(&mut self) {
        let total: usize = self.reply.iter().map(|c| c.len()).sum();
        self.reply_bytes = total - self.sent;
    }

    /// Marks where the reply ends now, so a suppressed reply can be undone.
    pub fn reply_mark(&self) -> (usize, usize) {
        (self.reply.len(), self.reply.back().map_or(0, |c| c.len()))
    }

    /// Drops everything appended after `mark` (CLIENT REPLY OFF/SKIP, replies
    /// to our master).
    pub fn reply_rollback(&mut self, mark: (usize, usize)) {
        let (chunks, tail) = mark;
        while self.reply.len() > chunks.max(1) {
            self.reply.pop_back();
        }
        let same_chunk = self.reply.len() == chunks;
        if let Some(last) = self.reply.back_mut() {
            if same_chunk {
                last.truncate(tail);
            } else {
                last.clear();
            }
        }
        self.account();
    }

    /// The reply bytes appended since `mark` (to log what our master was answered).
    pub fn reply_since(&self, mark: (usize, usize)) -> Vec<u8> {
        let (chunks, tail) = mark;
        let mut out = Vec::new();
        for (i, c) in self.reply.iter().enumerate() {
            if i + 1 < chunks {
                continue;
            }
            let from = if i + 1 == chunks {
                tail.min(c.len())
            } else {
                0
            };
            out.extend_from_slice(&c[from..]);
        }
        out
    }

    pub fn has_pending_replies(&self) -> bool {
        self.reply_bytes > 0
    }

    /// Writes queued replies with `writev` until done or the socket is full.
    /// Returns `Ok(true)` when everything was written.
    pub fn write_pending(&mut self) -> io::Result<bool> {
        while self.reply_bytes > 0 {
            let mut slices: [IoSlice<'_>; WRITEV_MAX_CHUNKS] =
                [IoSlice::new(&[]); WRITEV_MAX_CHUNKS];
            let mut n = 0;
            for (i, chunk) in self.reply.iter().enumerate().take(WRITEV_MAX_CHUNKS) {
                let start = if i == 0 { self.sent } else { 0 };
                if chunk.len() > start {
                    slices[n] = IoSlice::new(&chunk[start..]);
                    n += 1;
                }
            }
            let written = match self.conn.writev(&slices[..n]) {
                Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero)),
                Ok(w) => w,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            self.consume_sent(written);
        }
        Ok(true)
    }

    fn consume_sent(&mut self, mut written: usize) {
        self.reply_bytes -= written;
        while written > 0 {
            let front_len = self.reply.front().map_or(0, |c| c.len());
            let left = front_len - self.sent;
            if written >= left {
                written -= left;
                self.sent = 0;
                if self.reply.len() > 1 {
                    self.reply.pop_front();
                } else if let Some(c) = self.reply.front_mut() {
                    c.clear();
                }
            } else {
                self.sent += written;
                written = 0;
            }
        }
        if self.reply_bytes == 0 {
            // Everything is out: keep one modest chunk for the next reply.
            self.sent = 0;
            while self.reply.len() > 1 {
                self.reply.pop_back();
            }
            if let Some(c) = self.reply.front_mut() {
                c.clear();
                if c.capacity() > REPLY_CHUNK_KEEP_MAX {
                    *c = Vec::with_capacity(PROTO_IOBUF_LEN);
                }
            }
        }
    }

    /// Total bytes the reply chunks hold allocated (CLIENT LIST omem).
    pub fn reply_memory(&self) -> usize {
        self.reply.iter().map(|c| c.capacity()).sum()
    }

    pub fn reply_chunks(&self) -> usize {
        self.reply.len()
    }

    // -- reply helpers, Redis's addReply* -------------------------------------

    pub fn add_raw(&mut self, bytes: &[u8]) {
        self.out(bytes.len()).extend_from_slice(bytes);
        self.account_add(bytes.len());
    }

    #[inline]
    fn account_add(&mut self, n: usize) {
        self.reply_bytes += n;
    }

    /// Appends with `f` and accounts for the bytes it wrote.
    #[inline]
    pub fn add_with(&mut self, need: usize, f: impl FnOnce(&mut Vec<u8>)) {
        let out = self.out(need);
        let before = out.len();
        f(out);
        let added = out.len() - before;
        self.account_add(added);
    }

    pub fn add_ok(&mut self) {
        self.add_raw(b"+OK\r\n");
    }

    pub fn add_status(&mut self, s: &str) {
        self.add_with(s.len() + 3, |o| resp::status(o, s.as_bytes()));
    }

    /// `-<msg>`: `msg` is the full text after the dash. A message without an
    /// uppercase code gets `ERR ` prepended, as Redis's addReplyError.
    pub fn add_error(&mut self, msg: &str) {
        let has_code = msg
            .split(' ')
            .next()
            .is_some_and(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_uppercase()));
        let code = if has_code {
            msg.split(' ').next().unwrap_or("ERR")
        } else {
            "ERR"
        };
        self.errors.push(code.into());
        if has_code {
            self.add_with(msg.len() + 3, |o| resp::error(o, msg.as_bytes()));
        } else {
            self.add_with(msg.len() + 7, |o| {
                o.extend_from_slice(b"-ERR ");
                let start = o.len();
                o.extend_from_slice(msg.as_bytes());
                for b in &mut o[start..] {
                    if *b == b'\r' || *b == b'\n' {
                        *b = b' ';
                    }
                }
                o.extend_from_slice(b"\r\n");
            });
        }
    }

    pub fn add_int(&mut self, v: i64) {
        self.add_with(24, |o| resp::int(o, v));
    }

    pub fn add_bulk(&mut self, b: &[u8]) {
        self.add_with(b.len() + 16, |o| resp::bulk(o, b));
    }

    pub fn add_bulk_int(&mut self, v: i64) {
        self.add_with(32, |o| resp::bulk_int(o, v));
    }

    pub fn add_null(&mut self) {
        let r = self.resp;
        self.add_with(5, |o| resp::null(o, r));
    }

    pub fn add_null_array(&mut self) {
        let r = self.resp;
        self.add_with(5, |o| resp::null_array(o, r));
    }

    pub fn add_array_len(&mut self, n: usize) {
        self.add_with(24, |o| resp::array_len(o, n));
    }

    pub fn add_map_len(&mut self, n: usize) {
        let r = self.resp;
        self.add_with(24, |o| resp::map_len(o, n, r));
    }

    pub fn add_set_len(&mut self, n: usize) {
        let r = self.resp;
        self.add_with(24, |o| resp::set_len(o, n, r));
    }

    pub fn add_push_len(&mut self, n: usize) {
        let r = self.resp;
        self.add_with(24, |o| resp::push_len(o, n, r));
    }

    pub fn add_bool(&mut self, v: bool) {
        let r = self.resp;
        self.add_with(5, |o| resp::boolean(o, v, r));
    }

    /// A double already formatted as Redis would print it.
    pub fn add_double_text(&mut self, text: &[u8]) {
        let r = self.resp;
        self.add_with(text.len() + 16, |o| resp::double_text(o, text, r));
    }

    pub fn add_verbatim(&mut self, text: &[u8]) {
        let r = self.resp;
        self.add_with(text.len() + 24, |o| resp::verbatim(o, text, b"txt", r));
    }

    /// A bulk string of a stored string value.
    pub fn add_str_value(&mut self, v: &crate::db::object::StrValue) {
        use crate::db::object::StrValue;
        match v {
            StrValue::Int(n) => self.add_bulk_int(*n),
            StrValue::Emb(b) => self.add_bulk(b),
            StrValue::Raw(b) => self.add_bulk(b),
        }
    }
}
