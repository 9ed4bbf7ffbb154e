//! MIGRATE: moves keys to another Redis-compatible server with DUMP payloads and RESTORE
//! (Redis's migrateCommand in cluster.c), and the cache of connections it keeps.
//!
//! Owns: the connection cache (Redis's `migrate_cached_sockets`: one socket per `host:port`,
//! at most 64, closed after 10 s unused by [`close_timed_out`] from cron), the command's
//! options and its error replies. Payloads come from `dump::dump_payload`; this file must
//! never encode a value itself.
//!
//! Like Redis, MIGRATE is synchronous: the event loop waits for the target, bounded by the
//! command's `timeout` for the connect and for each read and write. The exchange:
//!
//! ```text
//!   source                                   target
//!   [AUTH [user] pass]  [SELECT db]  RESTORE k1 ttl payload [REPLACE] ... RESTORE kN ...
//!        ─────────────── one buffer, written in 64 KiB chunks ──────────────►
//!   ◄──── +OK / -ERR per command, read line by line ────────────────────────
//!   each key whose RESTORE answered +OK is deleted here (unless COPY); the command
//!   propagates as DEL of exactly those keys
//! ```

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::dump::dump_payload;
use super::NOTIFY_GENERIC;
use crate::commands::{Argv, Ctx};
use crate::db::object::parse_canonical_i64;
use crate::server::Server;

/// 64: most cached connections; a new one then evicts one at random (MIGRATE_SOCKET_CACHE_ITEMS).
const CACHE_ITEMS: usize = 64;
/// 10 s: a cached connection unused for longer is closed by cron (MIGRATE_SOCKET_CACHE_TTL).
const CACHE_TTL_SECS: i64 = 10;
/// 64 KiB: the command buffer is written in chunks of this size, each with the timeout.
const WRITE_CHUNK: usize = 64 * 1024;
/// 1000 ms: the timeout used when the command's is not positive.
const DEFAULT_TIMEOUT_MS: u64 = 1000;
/// 1024 bytes: longest reply line kept (Redis reads into a 1024-byte buffer).
const MAX_LINE: u64 = 1024;

/// One cached connection to a target.
struct Cached {
    conn: BufReader<TcpStream>,
    /// The db the target has selected on this connection, or None after an error.
    last_dbid: Option<i64>,
    /// Unix seconds of the last use.
    last_use: i64,
}

/// The connections MIGRATE keeps open, by `host:port` (Redis's server.migrate_cached_sockets).
#[derive(Default)]
pub struct MigrateCache {
    sockets: HashMap<Vec<u8>, Cached>,
}

impl MigrateCache {
    /// Connections open (INFO migrate_cached_sockets).
    pub fn len(&self) -> usize {
        self.sockets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sockets.is_empty()
    }
}

impl std::fmt::Debug for MigrateCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MigrateCache({} sockets)", self.sockets.len())
    }
}

fn unix_secs() -> i64 {
    crate::db::mstime() / 1000
}

/// Closes connections unused for more than 10 s (Redis's migrateCloseTimedoutSockets, called
/// from serverCron).
pub fn close_timed_out(srv: &mut Server) {
    if srv.migrate_cache.sockets.is_empty() {
        return;
    }
    let now = unix_secs();
    srv.migrate_cache
        .sockets
        .retain(|_, c| now - c.last_use <= CACHE_TTL_SECS);
}

/// Why an exchange with the target failed: `timed_out` errors are never retried.
struct IoFail {
    timed_out: bool,
}

impl From<io::Error> for IoFail {
    fn from(e: io::Error) -> Self {
        IoFail {
            timed_out: matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ),
        }
    }
}

/// A cached connection to `host:port`, connecting (with `timeout`) when there is none.
fn get_socket<'a>(
    cache: &'a mut MigrateCache,
    host: &[u8],
    port: &[u8],
    timeout: Duration,
) -> Option<&'a mut Cached> {
    let name = socket_name(host, port);
    if !cache.sockets.contains_key(&name) {
        if cache.sockets.len() >= CACHE_ITEMS {
            // Too many: drop one at random.
            let i = (crate::db::dict::random_u64() % cache.sockets.len() as u64) as usize;
            if let Some(k) = cache.sockets.keys().nth(i).cloned() {
                cache.sockets.remove(&k);
            }
        }
        let stream = connect(host, port, timeout)?;
        let _ = stream.set_nodelay(true);
        cache.sockets.insert(
            name.clone(),
            Cached {
                conn: BufReader::new(stream),
                last_dbid: None,
                last_use: unix_secs(),
            },
        );
    }
    let c = cache.sockets.get_mut(&name)?;
    c.last_use = unix_secs();
    Some(c)
}

/// A blocking connect to `host:port` bounded by `timeout` (Redis's connBlockingConnect, with
/// the port parsed as atoi does).
fn connect(host: &[u8], port: &[u8], timeout: Duration) -> Option<TcpStream> {
    let host = std::str::from_utf8(host).ok()?;
    let port = crate::util::numeric::parse_i64(port)
        .or_else(|| atoi_prefix(port))
        .and_then(|p| u16::try_from(p).ok())?;
    let addrs = (host, port).to_socket_addrs().ok()?;
    addrs
        .into_iter()
        .find_map(|a| TcpStream::connect_timeout(&a, timeout).ok())
}

/// The leading decimal digits of `s` as atoi reads them (0 when none).
fn atoi_prefix(s: &[u8]) -> Option<i64> {
    let digits: Vec<u8> = s.iter().copied().take_while(u8::is_ascii_digit).collect();
    Some(crate::util::numeric::parse_i64(&digits).unwrap_or(0))
}

fn drop_socket(cache: &mut MigrateCache, host: &[u8], port: &[u8]) {
    cache.sockets.remove(&socket_name(host, port));
}

/// Appends one RESP multibulk command to `out`.
fn push_command(out: &mut Vec<u8>, args: &[&[u8]]) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// One reply line without its CRLF (Redis's connSyncReadLine).
fn read_line(c: &mut Cached) -> Result<Vec<u8>, IoFail> {
    let mut line = Vec::new();
    let n = (&mut c.conn).take(MAX_LINE).read_until(b'\n', &mut line)?;
    if n == 0 || line.last() != Some(&b'\n') {
        return Err(IoFail { timed_out: false });
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(line)
}

/// Options of one MIGRATE call.
struct Options<'a> {
    copy: bool,
    replace: bool,
    username: Option<&'a [u8]>,
    password: Option<&'a [u8]>,
}

/// `MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password]
/// [AUTH2 username password] [KEYS key [key ...]]`: `+OK`, `+NOKEY` when none of the keys
/// exists, `-IOERR ...` on connection trouble, or the target's error.
pub fn migrate(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let mut o = Options {
        copy: false,
        replace: false,
        username: None,
        password: None,
    };
    let (mut first_key, mut num_keys) = (3, 1);
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if argv.is(j, "copy") {
            o.copy = true;
        } else if argv.is(j, "replace") {
            o.replace = true;
        } else if argv.is(j, "auth") {
            if more < 1 {
                return ctx.syntax_error();
            }
            j += 1;
            o.password = Some(argv.get(j));
        } else if argv.is(j, "auth2") {
            if more < 2 {
                return ctx.syntax_error();
            }
            o.username = Some(argv.get(j + 1));
            o.password = Some(argv.get(j + 2));
            j += 2;
        } else if argv.is(j, "keys") {
            if !argv.get(3).is_empty() {
                return ctx.err(
                    "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string",
                );
            }
            first_key = j + 1;
            num_keys = argv.len() - j - 1;
            break;
        } else {
            return ctx.syntax_error();
        }
        j += 1;
    }
    let Some(timeout) = parse_canonical_i64(argv.get(5)) else {
        return ctx.err("ERR value is not an integer or out of range");
    };
    let Some(dbid) = parse_canonical_i64(argv.get(4)) else {
        return ctx.err("ERR value is not an integer or out of range");
    };
    let timeout = Duration::from_millis(if timeout <= 0 {
        DEFAULT_TIMEOUT_MS
    } else {
        timeout as u64
    });
    // The keys that are here; none at all is +NOKEY, not an error (they may just have expired).
    let db = ctx.db();
    let keys: Vec<&[u8]> = (first_key..first_key + num_keys)
        .map(|i| argv.get(i))
        .filter(|k| ctx.ks().lookup_read(db, k).is_some())
        .collect();
    if keys.is_empty() {
        return ctx.status("NOKEY");
    }
    let (host, port) = (argv.get(1), argv.get(2));
    let mut may_retry = true;
    loop {
        match try_migrate(ctx, &o, host, port, dbid, timeout, db, &keys) {
            Attempt::Done => return,
            Attempt::SocketError {
                writing,
                timed_out,
                retry_ok,
            } => {
                drop_socket(&mut ctx.srv.migrate_cache, host, port);
                if may_retry && retry_ok && !timed_out {
                    may_retry = false;
                    continue;
                }
                return ctx.err(if writing {
                    "IOERR error or timeout writing to target instance"
                } else {
                    "IOERR error or timeout reading to target instance"
                });
            }
        }
    }
}

enum Attempt {
    /// Replied (success or the target's error).
    Done,
    /// The connection failed; `retry_ok` when nothing was acknowledged yet.
    SocketError {
        writing: bool,
        timed_out: bool,
        retry_ok: bool,
    },
}

#[allow(clippy::too_many_arguments)]
fn try_migrate(
    ctx: &mut Ctx<'_>,
    o: &Options<'_>,
    host: &[u8],
    port: &[u8],
    dbid: i64,
    timeout: Duration,
    db: usize,
    keys: &[&[u8]],
) -> Attempt {
    let compress = ctx.srv.config.rdbcompression;
    let last_dbid = {
        let Some(cs) = get_socket(&mut ctx.srv.migrate_cache, host, port, timeout) else {
            ctx.err("IOERR error or timeout connecting to the client");
            return Attempt::Done;
        };
        cs.last_dbid
    };
    // The whole exchange in one buffer.
    let mut cmd = Vec::new();
    if let Some(pass) = o.password {
        match o.username {
            Some(user) => push_command(&mut cmd, &[b"AUTH", user, pass]),
            None => push_command(&mut cmd, &[b"AUTH", pass]),
        }
    }
    let select = last_dbid != Some(dbid);
    if select {
        push_command(&mut cmd, &[b"SELECT", dbid.to_string().as_bytes()]);
    }
    // Keys that expired since the lookup are skipped (their TTL would be negative).
    let now = crate::db::mstime();
    let mut sent: Vec<&[u8]> = Vec::with_capacity(keys.len());
    for &k in keys {
        let ttl = match ctx.ks().get_expire(db, k) {
            Some(at) if at - now < 0 => continue,
            Some(at) => (at - now).max(1),
            None => 0,
        };
        let Some(payload) = ctx
            .ks()
            .lookup(db, k, crate::db::Access::NoTouch)
            .map(|obj| dump_payload(obj, compress))
        else {
            continue;
        };
        let ttl = ttl.to_string();
        let mut args: Vec<&[u8]> = vec![b"RESTORE", k, ttl.as_bytes(), &payload];
        if o.replace {
            args.push(b"REPLACE");
        }
        push_command(&mut cmd, &args);
        sent.push(k);
    }
    let Some(cs) = ctx
        .srv
        .migrate_cache
        .sockets
        .get_mut(&socket_name(host, port))
    else {
        return Attempt::SocketError {
            writing: true,
            timed_out: false,
            retry_ok: true,
        };
    };
    let stream = cs.conn.get_mut();
    let _ = stream.set_write_timeout(Some(timeout));
    let _ = stream.set_read_timeout(Some(timeout));
    for chunk in cmd.chunks(WRITE_CHUNK) {
        if let Err(e) = stream.write_all(chunk) {
            let f = IoFail::from(e);
            return Attempt::SocketError {
                writing: true,
                timed_out: f.timed_out,
                retry_ok: true,
            };
        }
    }
    let read_fail = |f: IoFail| Attempt::SocketError {
        writing: false,
        timed_out: f.timed_out,
        retry_ok: true,
    };
    let auth_reply = match o.password {
        Some(_) => match read_line(cs) {
            Ok(l) => Some(l),
            Err(f) => return read_fail(f),
        },
        None => None,
    };
    let select_reply = if select {
        match read_line(cs) {
            Ok(l) => Some(l),
            Err(f) => return read_fail(f),
        }
    } else {
        None
    };
    // The RESTORE replies: each acknowledged key is deleted here unless COPY.
    let mut target_error: Option<Vec<u8>> = None;
    let mut acked: Vec<&[u8]> = Vec::new();
    let mut socket_fail: Option<(usize, IoFail)> = None;
    for (i, &k) in sent.iter().enumerate() {
        let line = match read_line(cs) {
            Ok(l) => l,
            Err(f) => {
                socket_fail = Some((i, f));
                break;
            }
        };
        let failed = [
            auth_reply.as_deref(),
            select_reply.as_deref(),
            Some(&line[..]),
        ]
        .into_iter()
        .flatten()
        .find(|r| r.first() == Some(&b'-'));
        match failed {
            Some(err) => {
                if target_error.is_none() {
                    cs.last_dbid = None;
                    target_error = Some(err[1..].to_vec());
                }
            }
            None => {
                if !o.copy {
                    acked.push(k);
                }
            }
        }
    }
    if let Some((i, f)) = &socket_fail {
        if target_error.is_none() && *i == 0 && !f.timed_out {
            // Nothing was processed: a fresh connection may do better.
            return Attempt::SocketError {
                writing: false,
                timed_out: false,
                retry_ok: true,
            };
        }
    }
    if target_error.is_none() && socket_fail.is_none() {
        cs.last_dbid = Some(dbid);
    }
    for &k in &acked {
        ctx.ks().delete(db, k);
        ctx.signal_modified_key(db, k);
        ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", k, db);
        ctx.dirty(1);
    }
    if !acked.is_empty() {
        // Propagated as DEL of the keys the target acknowledged.
        let mut del: Vec<&[u8]> = vec![b"DEL"];
        del.extend_from_slice(&acked);
        ctx.rewrite_propagation(&del);
    }
    if socket_fail.is_some() {
        drop_socket(&mut ctx.srv.migrate_cache, host, port);
    }
    if let Some(err) = target_error {
        ctx.err(&format!(
            "ERR Target instance replied with error: {}",
            String::from_utf8_lossy(&err)
        ));
        return Attempt::Done;
    }
    if let Some((_, f)) = socket_fail {
        return Attempt::SocketError {
            writing: false,
            timed_out: f.timed_out,
            retry_ok: false,
        };
    }
    ctx.ok();
    Attempt::Done
}

fn socket_name(host: &[u8], port: &[u8]) -> Vec<u8> {
    let mut name = host.to_vec();
    name.push(b':');
    name.extend_from_slice(port);
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_resp_multibulk() {
        let mut out = Vec::new();
        push_command(&mut out, &[b"SELECT", b"9"]);
        assert_eq!(out, b"*2\r\n$6\r\nSELECT\r\n$1\r\n9\r\n");
    }

    #[test]
    fn port_as_atoi_reads_it() {
        assert_eq!(atoi_prefix(b"6379x"), Some(6379));
        assert_eq!(atoi_prefix(b"x"), Some(0));
    }
}
