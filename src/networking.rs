//! Connections: listening, accepting, reading and executing requests,
//! writing replies, closing (Redis's networking.c and anet.c).
//!
//! Owns: the path of bytes between sockets and the command dispatcher, and
//! the rules applied at the door (maxclients, protected mode) and while
//! connected (query buffer limit, idle timeout). It must never interpret a
//! command: it hands parsed arguments to `commands::process_command`.
//!
//! ```text
//!  readable ─► read_some (16 KiB, or the size a big bulk still needs)
//!           ─► process_input: parse ─► execute ─► parse ... until incomplete
//!           ─► client queued in pending_writes
//!  before_sleep ─► writev replies; leftovers wait for the writable edge
//! ```
//! A pipelined batch of 16 GETs costs one read, sixteen executions and one
//! writev: that batching is what makes `-P 16` cheap.

use std::io;
use std::net::SocketAddr;

use mio::net::{TcpListener, UnixListener};
use socket2::{Domain, Protocol, SockRef, Socket, TcpKeepalive, Type};

use crate::client::{flags as cf, Client, Conn};
use crate::commands::{self, Argv};
use crate::log::Level;
use crate::reactor::{self, MAX_LISTENERS};
use crate::resp::{Limits, Parsed};
use crate::server::Server;
use crate::serverlog;

/// A listening socket.
pub enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

/// Redis's reply to a connection refused by protected mode.
pub const DENIED_MSG: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/// Parses one `bind` entry: `*` (all IPv4), `::*` (all IPv6), an address;
/// a leading `-` marks it optional (missing addresses are skipped).
fn bind_target(entry: &str, port: u16) -> Option<(SocketAddr, bool)> {
    let (optional, addr) = match entry.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, entry),
    };
    let ip: std::net::IpAddr = match addr {
        "*" => std::net::Ipv4Addr::UNSPECIFIED.into(),
        "::*" => std::net::Ipv6Addr::UNSPECIFIED.into(),
        a => a.parse().ok()?,
    };
    Some((SocketAddr::new(ip, port), optional))
}

fn tcp_listener(addr: SocketAddr, backlog: i32) -> io::Result<TcpListener> {
    let domain = if addr.is_ipv6() {
        Domain::IPV6
    } else {
        Domain::IPV4
    };
    let sock = Socket::new(domain, Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() {
        sock.set_only_v6(true)?;
    }
    sock.set_reuse_address(true)?;
    sock.set_nonblocking(true)?;
    sock.bind(&addr.into())?;
    sock.listen(backlog)?;
    Ok(TcpListener::from_std(sock.into()))
}

/// Opens the TCP listeners for `bind`/`port`, then the unix socket.
pub fn open_listeners(srv: &mut Server) -> Result<(), String> {
    let tcp = open_tcp_listeners(srv)?;
    srv.listeners.extend(tcp);
    if !srv.config.unixsocket.is_empty() {
        let path = srv.config.unixsocket.clone();
        let _ = std::fs::remove_file(&path);
        match UnixListener::bind(&path) {
            Ok(l) => {
                if srv.config.unixsocketperm != 0 {
                    use std::os::unix::fs::PermissionsExt;
                    let _ = std::fs::set_permissions(
                        &path,
                        std::fs::Permissions::from_mode(srv.config.unixsocketperm),
                    );
                }
                serverlog!(Level::Notice, "The server is now ready to accept connections at {path}");
                srv.listeners.push(Listener::Unix(l));
            }
            Err(e) => {
                return Err(format!(
                    "Failed opening Unix socket: {e}. Check that the directory of unixsocket '{path}' exists and is writable."
                ))
            }
        }
    }
    register_listeners(srv)
}

/// One TCP listener per `bind` address on `port` (none when port is 0).
fn open_tcp_listeners(srv: &Server) -> Result<Vec<Listener>, String> {
    let port = srv.config.port;
    let mut out = Vec::new();
    if port == 0 {
        return Ok(out);
    }
    for entry in &srv.config.bind {
        let Some((addr, optional)) = bind_target(entry, port) else {
            return Err(format!(
                "Invalid bind address '{entry}': fix the 'bind' directive."
            ));
        };
        match tcp_listener(addr, srv.config.tcp_backlog) {
            Ok(l) => out.push(Listener::Tcp(l)),
            Err(e)
                if optional
                    && matches!(
                        e.raw_os_error(),
                        Some(libc::EADDRNOTAVAIL)
                            | Some(libc::EAFNOSUPPORT)
                            | Some(libc::EPROTONOSUPPORT)
                    ) =>
            {
                serverlog!(
                    Level::Verbose,
                    "Skipping optional bind address {entry}: {e}."
                );
            }
            Err(e) => {
                serverlog!(
                    Level::Warning,
                    "Warning: Could not create server TCP listening socket {}:{}: {}",
                    entry.trim_start_matches('-'),
                    port,
                    e
                );
                return Err(format!("Failed listening on port {port} (tcp), aborting."));
            }
        }
    }
    Ok(out)
}

fn register_listeners(srv: &mut Server) -> Result<(), String> {
    if srv.listeners.len() > MAX_LISTENERS {
        return Err("Too many bind addresses: at most 63 are supported.".into());
    }
    for (i, l) in srv.listeners.iter_mut().enumerate() {
        let src: &mut dyn mio::event::Source = match l {
            Listener::Tcp(t) => t,
            Listener::Unix(u) => u,
        };
        let registry = srv.reactor.poll.registry();
        let _ = registry.deregister(src);
        registry
            .register(src, reactor::listener_token(i), mio::Interest::READABLE)
            .map_err(|e| format!("Could not register a listening socket: {e}"))?;
    }
    Ok(())
}

/// Re-opens the TCP listeners after CONFIG SET port/bind (Redis's
/// changeListener): the old sockets are closed first, since the same
/// address cannot be bound twice.
pub fn rebind_tcp(srv: &mut Server) -> Result<(), String> {
    let old = std::mem::take(&mut srv.listeners);
    let mut unix = Vec::new();
    for mut l in old {
        match &mut l {
            Listener::Tcp(t) => srv.reactor.deregister(t),
            Listener::Unix(u) => {
                srv.reactor.deregister(u);
                unix.push(l);
            }
        }
    }
    let (tcp, err) = match open_tcp_listeners(srv) {
        Ok(l) => (l, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    srv.listeners = tcp;
    srv.listeners.extend(unix);
    register_listeners(srv)?;
    err.map_or(Ok(()), Err)
}

/// True for addresses protected mode lets in (Redis's loopback check).
fn is_loopback(addr: &SocketAddr) -> bool {
    match addr.ip() {
        std::net::IpAddr::V4(v4) => v4.is_loopback(),
        std::net::IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v| v.is_loopback())
        }
    }
}

/// Accepts every pending connection on listener `i`.
pub fn accept(srv: &mut Server, i: usize) {
    loop {
        let accepted = match &srv.listeners[i] {
            Listener::Tcp(l) => l.accept().map(|(s, peer)| {
                let local = s.local_addr().map(|a| a.to_string()).unwrap_or_default();
                (Conn::Tcp(s), Some(peer), local)
            }),
            Listener::Unix(l) => l
                .accept()
                .map(|(s, _)| (Conn::Unix(s), None, srv.config.unixsocket.clone())),
        };
        match accepted {
            Ok((conn, peer, local)) => on_accept(srv, conn, peer, local),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                serverlog!(
                    Level::Warning,
                    "Accepting client connection: {e}. If this is 'Too many open files', raise 'ulimit -n' or lower maxclients."
                );
                return;
            }
        }
    }
}

fn on_accept(srv: &mut Server, mut conn: Conn, peer: Option<SocketAddr>, local: String) {
    let addr = match peer {
        Some(p) => p.to_string(),
        None => format!("{}:0", srv.config.unixsocket),
    };
    if let Conn::Tcp(s) = &conn {
        let _ = s.set_nodelay(true);
        if srv.config.tcp_keepalive > 0 {
            let secs = std::time::Duration::from_secs(srv.config.tcp_keepalive as u64);
            let ka = TcpKeepalive::new()
                .with_time(secs)
                .with_interval((secs / 3).max(std::time::Duration::from_secs(1)))
                .with_retries(3);
            let _ = SockRef::from(s).set_tcp_keepalive(&ka);
        }
    }
    // Refusals are written straight to the socket, best effort, as Redis
    // does in acceptCommonHandler: the client never joins the table.
    if srv.clients.len() as u64 >= srv.maxclients {
        srv.stat_rejected_conn += 1;
        refuse(&mut conn, b"-ERR max number of clients reached\r\n");
        return;
    }
    if srv.config.protected_mode && !srv.auth_required() && peer.is_some_and(|p| !is_loopback(&p)) {
        srv.stat_rejected_conn += 1;
        refuse(&mut conn, DENIED_MSG.as_bytes());
        return;
    }
    let now = crate::db::mstime();
    let id = srv.next_client_id;
    srv.next_client_id += 1;
    let mut client = Client::new(id, conn, addr, local, now);
    client.authenticated = !srv.auth_required();
    if peer.is_none() {
        client.flags |= cf::UNIX_SOCKET;
    }
    let entry = srv.clients.vacant_entry();
    let key = entry.key();
    if let Err(e) = srv.reactor.register_client(client.conn.source(), key) {
        serverlog!(
            Level::Warning,
            "Registering a new client failed: {e}; the connection is dropped."
        );
        return;
    }
    entry.insert(client);
    srv.stat_numconnections += 1;
    serverlog!(Level::Verbose, "Accepted {}", srv.clients[key].addr);
}

fn refuse(conn: &mut Conn, msg: &[u8]) {
    let _ = conn.writev(&[std::io::IoSlice::new(msg)]);
    conn.shutdown();
}

/// Reads everything the socket has and executes the complete requests.
pub fn read_from_client(srv: &mut Server, key: usize) {
    loop {
        let c = &mut srv.clients[key];
        if c.has_flag(cf::CLOSE_AFTER_REPLY | cf::CLOSE_ASAP) {
            return;
        }
        let hint = c.read_hint;
        match c.read_some(hint) {
            Ok(0) => {
                serverlog!(
                    Level::Verbose,
                    "Client closed connection id={} addr={}",
                    c.id,
                    c.addr
                );
                schedule_close(srv, key);
                return;
            }
            Ok(n) => {
                srv.stat_net_input_bytes += n as u64;
                srv.stat_total_reads_processed += 1;
                c.last_interaction_ms = srv.ks.now_ms.max(crate::db::mstime());
                let limit = srv.config.client_query_buffer_limit.max(0) as usize;
                if c.querybuf_pending() > limit && !c.has_flag(cf::MASTER) {
                    serverlog!(
                        Level::Warning,
                        "Closing client that reached max query buffer length: id={} addr={} qbuf={} (raise client-query-buffer-limit if this client is legitimate)",
                        c.id,
                        c.addr,
                        c.querybuf_pending()
                    );
                    schedule_close(srv, key);
                    return;
                }
                process_input(srv, key);
                if !srv.clients.contains(key) {
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                serverlog!(Level::Verbose, "Reading from client: {e}");
                schedule_close(srv, key);
                return;
            }
        }
    }
}

/// Parses and executes every complete request in the query buffer.
pub fn process_input(srv: &mut Server, key: usize) {
    loop {
        let c = &mut srv.clients[key];
        if c.has_flag(cf::CLOSE_AFTER_REPLY | cf::CLOSE_ASAP | cf::BLOCKED) {
            break;
        }
        if c.querybuf_pending() == 0 {
            break;
        }
        let limits = Limits {
            max_bulk_len: srv.config.proto_max_bulk_len,
            authenticated: c.authenticated,
            is_master: c.has_flag(cf::MASTER),
        };
        let start = c.qb_pos;
        let end = c.qb_end;
        let parsed = c.parser.parse(&c.querybuf[start..end], &limits);
        match parsed {
            Ok(Parsed::Incomplete { reserve }) => {
                c.read_hint = if reserve >= crate::resp::PROTO_MBULK_BIG_ARG {
                    reserve
                } else {
                    0
                };
                break;
            }
            Ok(Parsed::Empty { consumed }) => {
                c.qb_pos += consumed;
                if c.has_flag(cf::MASTER) {
                    crate::replication::replica::master_command_processed(
                        srv, key, start, consumed,
                    );
                }
            }
            Ok(Parsed::Request { consumed }) => {
                c.read_hint = 0;
                // Our master's commands see keys as they are (no lazy expiry on a
                // replica), and their bytes count in the replication offset once run.
                let from_master = c.has_flag(cf::MASTER);
                srv.ks.master_exec = from_master;
                execute_parsed(srv, key, start);
                srv.ks.master_exec = false;
                // A paused client's request stays in the buffer, run again on unpause.
                if srv.pause.take_just_postponed(key) {
                    break;
                }
                if let Some(c) = srv.clients.get_mut(key) {
                    c.qb_pos = start + consumed;
                }
                if from_master {
                    crate::replication::replica::master_command_processed(
                        srv, key, start, consumed,
                    );
                }
            }
            Err(e) => {
                serverlog!(
                    Level::Verbose,
                    "Protocol error ({}) from client: id={} addr={}",
                    e.0,
                    c.id,
                    c.addr
                );
                c.parser.reset();
                c.add_error(&format!("ERR Protocol error: {}", e.0));
                c.flags |= cf::CLOSE_AFTER_REPLY;
                c.qb_pos = c.qb_end;
                break;
            }
        }
    }
    if let Some(c) = srv.clients.get_mut(key) {
        c.compact_querybuf();
        if c.has_pending_replies() {
            srv.pending_writes.push(key);
        }
    }
}

/// Runs the request the parser just completed. The query buffer and the
/// argument spans are lent to the dispatcher (moved out and back, no copy)
/// so the handler can borrow the whole server mutably.
fn execute_parsed(srv: &mut Server, key: usize, start: usize) {
    let c = &mut srv.clients[key];
    let qb = std::mem::take(&mut c.querybuf);
    let spans = std::mem::take(&mut c.parser.argv);
    let inline = c.parser.inline;
    let inline_buf = std::mem::take(&mut c.parser.inline_args);
    let qend = c.qb_end;
    {
        let buf: &[u8] = if inline {
            &inline_buf
        } else {
            &qb[start..qend]
        };
        let argv = Argv::new(buf, &spans);
        run_request(srv, key, &argv);
    }
    if let Some(c) = srv.clients.get_mut(key) {
        c.querybuf = qb;
        c.parser.argv = spans;
        c.parser.inline_args = inline_buf;
    }
}

/// Executes one request for a client: reply suppression, errors stats.
pub fn run_request(srv: &mut Server, key: usize, argv: &Argv<'_>) {
    let c = &mut srv.clients[key];
    if c.has_flag(cf::REPLY_SKIP_NEXT) {
        c.flags = (c.flags & !cf::REPLY_SKIP_NEXT) | cf::REPLY_SKIP;
    }
    let mark = c.reply_mark();
    c.last_interaction_ms = srv.ks.now_ms;
    srv.current_client = Some(key);
    commands::process_command(srv, key, argv);
    srv.current_client = None;
    if srv
        .clients
        .get(key)
        .is_some_and(|c| c.has_flag(cf::MASTER) && !c.errors.is_empty())
    {
        crate::replication::replica::master_got_error_reply(srv, key, mark);
    }
    if srv.clients.get(key).is_some_and(|c| {
        crate::replication::master::is_streaming_replica(c) && c.reply_mark() != mark
    }) {
        crate::replication::master::replica_generated_reply(srv, key, mark);
    }
    account_errors(srv, key);
    let Some(c) = srv.clients.get_mut(key) else {
        return;
    };
    if c.has_flag(cf::REPLY_OFF | cf::REPLY_SKIP | cf::MASTER) {
        c.reply_rollback(mark);
        c.flags &= !cf::REPLY_SKIP;
    }
    // Pub/Sub pushes made while the reply was suppressed are not part of
    // the dropped reply (also when the command itself said CLIENT REPLY ON).
    if !c.push_stash.is_empty() {
        let stash = std::mem::take(&mut c.push_stash);
        c.add_raw(&stash);
        c.push_stash = stash;
        c.push_stash.clear();
    }
    if c.reply_bytes > 0 {
        check_output_buffer_limits(srv, key);
    }
}

/// Drops the reply appended since `mark` (CLIENT REPLY OFF/SKIP, our master), keeping the
/// Pub/Sub pushes made meanwhile: they are not part of the dropped reply.
pub fn drop_suppressed_reply(c: &mut Client, mark: (usize, usize)) {
    c.reply_rollback(mark);
    if !c.push_stash.is_empty() {
        let stash = std::mem::take(&mut c.push_stash);
        c.add_raw(&stash);
        c.push_stash = stash;
        c.push_stash.clear();
    }
}

/// Counts the error replies a client was given (INFO total_error_replies, errorstats).
pub fn account_errors(srv: &mut Server, key: usize) {
    let Some(c) = srv.clients.get_mut(key) else {
        return;
    };
    for code in c.errors.drain(..) {
        srv.stat_total_error_replies += 1;
        *srv.error_stats.entry(code.into()).or_insert(0) += 1;
    }
}

/// 1 KiB: what a client that has not authenticated may have queued, the
/// fix for CVE-2025-21605 that Redis 7.0.15 (Debian) carries.
const UNAUTH_OUTPUT_LIMIT: usize = 1024;

/// Redis's closeClientOnOutputBufferLimitReached: a client whose pending
/// replies pass its class's hard limit, or stay above the soft limit longer
/// than allowed, is closed, so one slow reader cannot exhaust memory.
pub fn check_output_buffer_limits(srv: &mut Server, key: usize) {
    use crate::config::{CLIENT_TYPE_NORMAL, CLIENT_TYPE_PUBSUB, CLIENT_TYPE_REPLICA};
    let auth_required = srv.auth_required();
    let Some(c) = srv.clients.get_mut(key) else {
        return;
    };
    if c.has_flag(cf::CLOSE_ASAP) {
        return;
    }
    // Like Redis, count only what overflowed the 16 KiB static buffer; a replica also owes
    // its unsent share of the replication stream (held once, in the backlog).
    let unsent = crate::replication::master::unsent_stream_bytes(&srv.repl, c);
    let used = c.reply_bytes.saturating_sub(crate::client::PROTO_IOBUF_LEN) + unsent;
    let over = if auth_required && !c.authenticated && used > UNAUTH_OUTPUT_LIMIT {
        true
    } else {
        let class = if c.has_flag(cf::REPLICA) {
            CLIENT_TYPE_REPLICA
        } else if c.has_flag(cf::PUBSUB) {
            CLIENT_TYPE_PUBSUB
        } else {
            CLIENT_TYPE_NORMAL
        };
        let lim = srv.config.client_output_buffer_limit[class];
        let mut hard_limit = lim.hard_limit_bytes;
        // A replica may always hold a backlog's worth (Redis's checkClientOutputBufferLimits).
        let backlog = srv.config.repl_backlog_size.max(0) as u64;
        if class == CLIENT_TYPE_REPLICA && hard_limit > 0 && hard_limit < backlog {
            hard_limit = backlog;
        }
        let hard = hard_limit > 0 && used as u64 >= hard_limit;
        let mut soft = lim.soft_limit_bytes > 0 && used as u64 >= lim.soft_limit_bytes;
        let now_s = srv.ks.now_ms / 1000;
        if soft {
            if c.obuf_soft_limit_reached_time == 0 {
                c.obuf_soft_limit_reached_time = now_s;
                soft = false;
            } else if now_s - c.obuf_soft_limit_reached_time <= lim.soft_limit_seconds {
                soft = false;
            }
        } else {
            c.obuf_soft_limit_reached_time = 0;
        }
        hard || soft
    };
    if over && c.has_flag(cf::REPLICA) {
        let lim = srv.config.client_output_buffer_limit[CLIENT_TYPE_REPLICA];
        serverlog!(
            Level::Warning,
            "Client id={} addr={} (replica {}) scheduled to be closed ASAP for overcoming of output buffer limits: it was {} bytes behind the replication stream (hard limit {} bytes, soft limit {} bytes for {} s, repl-backlog-size {}). It will need a full resync; raise client-output-buffer-limit replica (or repl-backlog-size) if this replica is legitimately slow.",
            c.id,
            c.addr,
            crate::replication::master::replica_name(c),
            used,
            lim.hard_limit_bytes,
            lim.soft_limit_bytes,
            lim.soft_limit_seconds,
            srv.config.repl_backlog_size
        );
        schedule_close(srv, key);
    } else if over {
        serverlog!(
            Level::Warning,
            "Client id={} addr={} scheduled to be closed ASAP for overcoming of output buffer limits (raise client-output-buffer-limit if this client is legitimate).",
            c.id,
            c.addr
        );
        schedule_close(srv, key);
    }
}

/// Marks a client to be freed before the next poll.
pub fn schedule_close(srv: &mut Server, key: usize) {
    if let Some(c) = srv.clients.get_mut(key) {
        if c.flags & cf::CLOSE_ASAP == 0 {
            c.flags |= cf::CLOSE_ASAP;
            srv.to_close.push(key);
        }
    }
}

/// Writes what a client is owed; closes it after the reply when asked.
pub fn write_to_client(srv: &mut Server, key: usize) {
    if crate::replication::master::is_streaming_replica(&srv.clients[key]) {
        crate::replication::master::write_to_replica(srv, key);
        return;
    }
    let c = &mut srv.clients[key];
    if c.has_flag(cf::CLOSE_ASAP) {
        return;
    }
    let before = c.reply_bytes;
    if before > 0 {
        srv.stat_total_writes_processed += 1;
    }
    match c.write_pending() {
        Ok(done) => {
            srv.stat_net_output_bytes += (before - c.reply_bytes) as u64;
            if done && c.has_flag(cf::CLOSE_AFTER_REPLY) {
                schedule_close(srv, key);
            }
        }
        Err(e) => {
            serverlog!(Level::Verbose, "Error writing to client: {e}");
            schedule_close(srv, key);
        }
    }
}

/// Redis's handleClientsWithPendingWrites: one writev per client with replies.
pub fn handle_pending_writes(srv: &mut Server) {
    let mut pending = std::mem::take(&mut srv.pending_writes);
    for &key in &pending {
        if srv.clients.contains(key) {
            write_to_client(srv, key);
        }
    }
    pending.clear();
    if srv.pending_writes.is_empty() {
        srv.pending_writes = pending;
    }
}

/// Frees clients marked to close.
pub fn free_clients_to_close(srv: &mut Server) {
    while let Some(key) = srv.to_close.pop() {
        free_client(srv, key);
    }
}

/// Removes a client from the reactor and the table (Redis's freeClient).
pub fn free_client(srv: &mut Server, key: usize) {
    if !srv.clients.contains(key) {
        return;
    }
    // Its transaction, watches and subscriptions go first: they index it.
    crate::multi::free_client_multi_state(srv, key);
    if srv.clients[key].has_flag(cf::MASTER) {
        crate::replication::replica::on_master_client_freed(srv, key);
    }
    crate::pubsub::unsubscribe_everything(srv, key);
    crate::blocked::on_free_client(srv, key);
    crate::pause::on_free_client(srv, key);
    crate::shutdown::on_free_client(srv, key);
    crate::replication::master::on_free_client(srv, key);
    let mut c = srv.clients.remove(key);
    srv.reactor.deregister(c.conn.source());
    c.conn.shutdown();
    srv.monitors.retain(|&m| m != key);
    srv.pending_writes.retain(|&k| k != key);
}

/// Redis's clientsCron: idle timeouts and query buffer shrinking.
pub fn clients_cron(srv: &mut Server) {
    let now = srv.ks.now_ms;
    let timeout_ms = srv.config.timeout.saturating_mul(1000);
    let mut idle = Vec::new();
    for (key, c) in srv.clients.iter_mut() {
        if timeout_ms > 0
            && !c.has_flag(cf::MASTER | cf::REPLICA | cf::BLOCKED | cf::PUBSUB | cf::MONITOR)
            && now - c.last_interaction_ms > timeout_ms
        {
            idle.push(key);
        }
        c.shrink_querybuf_if_idle();
    }
    for key in idle {
        serverlog!(Level::Verbose, "Closing idle client");
        schedule_close(srv, key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_entries_follow_redis_syntax() {
        let (a, opt) = bind_target("*", 6379).unwrap();
        assert_eq!(a.to_string(), "0.0.0.0:6379");
        assert!(!opt);
        let (a, opt) = bind_target("-::*", 6379).unwrap();
        assert_eq!(a.to_string(), "[::]:6379");
        assert!(opt);
        assert!(bind_target("999.999.999.999", 1).is_none());
    }

    #[test]
    fn protected_mode_lets_in_loopback_only() {
        assert!(is_loopback(&"127.0.0.1:5000".parse().unwrap()));
        assert!(is_loopback(&"127.8.9.1:5000".parse().unwrap()));
        assert!(is_loopback(&"[::1]:5000".parse().unwrap()));
        assert!(is_loopback(&"[::ffff:127.0.0.1]:5000".parse().unwrap()));
        assert!(!is_loopback(&"10.0.0.7:5000".parse().unwrap()));
        assert!(!is_loopback(&"[2001:db8::1]:5000".parse().unwrap()));
    }
}
