//! The link to our master before it becomes the master client (Redis's connectWithMaster,
//! syncWithMaster and slaveTryPartialResynchronization): the non-blocking connect, PING,
//! AUTH, REPLCONF listening-port / ip-address / capa, PSYNC and its reply.
//!
//! Owns: the raw socket and the bytes read from it while handshaking or receiving the RDB
//! ([`Link`]). It must never execute the master's commands (the master client does, once
//! the link is handed over) nor parse RDB (transfer.rs writes it out, the loader parses it).
//!
//! Every reply is one line; replies are read from `Link::inbuf` as they arrive, so a step
//! that has no full line yet just waits for the next readable event. Example with
//! `masterauth` set: we send `AUTH pw`, `REPLCONF listening-port 6380`, `REPLCONF capa eof
//! capa psync2` in one write and then read `+OK` three times, one state per reply.

use std::io::{self, Read, Write};
use std::net::ToSocketAddrs;

use mio::net::TcpStream;

use super::replica::LinkState;
use crate::log::Level;
use crate::server::Server;
use crate::serverlog;

/// 16 KiB, Redis's PROTO_IOBUF_LEN: one read from the link.
pub const LINK_READ_CHUNK: usize = 16 * 1024;

/// The socket to our master while we handshake or receive its RDB.
pub struct Link {
    pub sock: TcpStream,
    /// Bytes read and not consumed yet.
    pub inbuf: Vec<u8>,
}

/// Why a step failed: it has been logged; `reconnect` says whether to try again at once
/// (Redis's cancelReplicationHandshake(1)) or wait for cron.
pub struct Failed {
    pub reconnect: bool,
}

/// Redis's connectWithMaster: starts a non-blocking connect to our master. Returns false
/// (after logging why) when the connect could not even start.
pub fn connect(srv: &mut Server) -> bool {
    let Some((host, port)) = srv.repl.replica.master.clone() else {
        return false;
    };
    let addr = match (host.as_str(), port).to_socket_addrs() {
        Ok(mut it) => it.next(),
        Err(e) => {
            serverlog!(
                Level::Warning,
                "Unable to connect to MASTER: {e}. Check the host given to REPLICAOF."
            );
            return false;
        }
    };
    let Some(addr) = addr else {
        serverlog!(
            Level::Warning,
            "Unable to connect to MASTER: no address for {host}. Check the host given to REPLICAOF."
        );
        return false;
    };
    let mut sock = match TcpStream::connect(addr) {
        Ok(s) => s,
        Err(e) => {
            serverlog!(Level::Warning, "Unable to connect to MASTER: {e}");
            return false;
        }
    };
    if let Err(e) = srv.reactor.poll.registry().register(
        &mut sock,
        mio::Token(crate::reactor::MASTER_LINK_TOKEN),
        mio::Interest::READABLE | mio::Interest::WRITABLE,
    ) {
        serverlog!(Level::Warning, "Unable to connect to MASTER: {e}");
        return false;
    }
    let rs = &mut srv.repl.replica;
    rs.link = Some(Link {
        sock,
        inbuf: Vec::new(),
    });
    rs.transfer_lastio_ms = srv.ks.now_ms.max(crate::db::mstime());
    rs.state = LinkState::Connecting;
    serverlog!(Level::Notice, "MASTER <-> REPLICA sync started");
    true
}

/// Encodes a command as a RESP multibulk (Redis's sendCommandArgv).
pub fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Writes a whole handshake command. The socket is fresh and the commands are small, so
/// a short write means the link is broken.
fn send(srv: &mut Server, bytes: &[u8]) -> Result<(), Failed> {
    let Some(link) = srv.repl.replica.link.as_mut() else {
        return Err(Failed { reconnect: false });
    };
    let mut off = 0;
    while off < bytes.len() {
        match link.sock.write(&bytes[off..]) {
            Ok(0) => break,
            Ok(n) => off += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                serverlog!(
                    Level::Warning,
                    "Sending command to master in replication handshake: -Writing to master: {e}"
                );
                return Err(Failed { reconnect: false });
            }
        }
    }
    if off < bytes.len() {
        serverlog!(
            Level::Warning,
            "Sending command to master in replication handshake: -Writing to master: short write"
        );
        return Err(Failed { reconnect: false });
    }
    Ok(())
}

/// Takes one line (without `\r\n`) from the front of `inbuf`, if a whole one arrived.
pub fn take_line(inbuf: &mut Vec<u8>) -> Option<String> {
    let nl = inbuf.iter().position(|&b| b == b'\n')?;
    let mut end = nl;
    if end > 0 && inbuf[end - 1] == b'\r' {
        end -= 1;
    }
    let line = String::from_utf8_lossy(&inbuf[..end]).into_owned();
    inbuf.drain(..=nl);
    Some(line)
}

/// Reads one chunk into the link's buffer. `Ok(true)` when bytes arrived, `Ok(false)` when
/// the socket has nothing more now.
pub fn read_chunk(srv: &mut Server) -> Result<bool, String> {
    let Some(link) = srv.repl.replica.link.as_mut() else {
        return Ok(false);
    };
    let len = link.inbuf.len();
    link.inbuf.resize(len + LINK_READ_CHUNK, 0);
    let r = loop {
        match link.sock.read(&mut link.inbuf[len..]) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => break r,
        }
    };
    match r {
        Ok(0) => {
            link.inbuf.truncate(len);
            Err("connection lost".into())
        }
        Ok(n) => {
            link.inbuf.truncate(len + n);
            srv.stat_net_input_bytes += n as u64;
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            link.inbuf.truncate(len);
            Ok(false)
        }
        Err(e) => {
            link.inbuf.truncate(len);
            Err(e.to_string())
        }
    }
}

/// The non-blocking connect finished: checks it worked and sends PING (Redis's
/// syncWithMaster, CONNECTING state). `Ok(false)` when it is still in progress.
pub fn on_connected(srv: &mut Server) -> Result<bool, Failed> {
    let Some(link) = srv.repl.replica.link.as_mut() else {
        return Err(Failed { reconnect: false });
    };
    match link.sock.take_error() {
        Ok(None) => {}
        Ok(Some(e)) | Err(e) => {
            serverlog!(Level::Warning, "Error condition on socket for SYNC: {e}");
            return Err(Failed { reconnect: false });
        }
    }
    match link.sock.peer_addr() {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotConnected => return Ok(false),
        Err(e) => {
            serverlog!(Level::Warning, "Error condition on socket for SYNC: {e}");
            return Err(Failed { reconnect: false });
        }
    }
    let _ = link.sock.set_nodelay(!srv.config.repl_disable_tcp_nodelay);
    serverlog!(
        Level::Notice,
        "Non blocking connect for SYNC fired the event."
    );
    srv.repl.replica.state = LinkState::ReceivePingReply;
    send(srv, &encode(&[b"PING"]))?;
    Ok(true)
}

/// Runs the handshake states that have their reply in the buffer. Returns when a reply is
/// still missing, or when PSYNC's reply moved us to TRANSFER or CONNECTED.
pub fn advance(srv: &mut Server) -> Result<(), Failed> {
    loop {
        let state = srv.repl.replica.state;
        if state == LinkState::ReceivePsyncReply {
            return receive_psync_reply(srv);
        }
        if !matches!(
            state,
            LinkState::ReceivePingReply
                | LinkState::ReceiveAuthReply
                | LinkState::ReceivePortReply
                | LinkState::ReceiveIpReply
                | LinkState::ReceiveCapaReply
        ) {
            return Ok(());
        }
        let Some(link) = srv.repl.replica.link.as_mut() else {
            return Ok(());
        };
        let Some(reply) = take_line(&mut link.inbuf) else {
            return Ok(());
        };
        srv.repl.replica.transfer_lastio_ms = srv.ks.now_ms.max(crate::db::mstime());
        match state {
            LinkState::ReceivePingReply => {
                if !reply.starts_with('+')
                    && !reply.starts_with("-NOAUTH")
                    && !reply.starts_with("-NOPERM")
                    && !reply.starts_with("-ERR operation not permitted")
                {
                    serverlog!(Level::Warning, "Error reply to PING from master: '{reply}'");
                    return Err(Failed { reconnect: false });
                }
                serverlog!(
                    Level::Notice,
                    "Master replied to PING, replication can continue..."
                );
                send_handshake(srv)?;
            }
            LinkState::ReceiveAuthReply => {
                if reply.starts_with('-') {
                    serverlog!(Level::Warning, "Unable to AUTH to MASTER: {reply}");
                    return Err(Failed { reconnect: false });
                }
                srv.repl.replica.state = LinkState::ReceivePortReply;
            }
            LinkState::ReceivePortReply => {
                if reply.starts_with('-') {
                    serverlog!(
                        Level::Notice,
                        "(Non critical) Master does not understand REPLCONF listening-port: {reply}"
                    );
                }
                srv.repl.replica.state = if srv.config.replica_announce_ip.is_empty() {
                    LinkState::ReceiveCapaReply
                } else {
                    LinkState::ReceiveIpReply
                };
            }
            LinkState::ReceiveIpReply => {
                if reply.starts_with('-') {
                    serverlog!(
                        Level::Notice,
                        "(Non critical) Master does not understand REPLCONF ip-address: {reply}"
                    );
                }
                srv.repl.replica.state = LinkState::ReceiveCapaReply;
            }
            LinkState::ReceiveCapaReply => {
                if reply.starts_with('-') {
                    serverlog!(
                        Level::Notice,
                        "(Non critical) Master does not understand REPLCONF capa: {reply}"
                    );
                }
                send_psync(srv)?;
            }
            _ => return Ok(()),
        }
    }
}

/// AUTH (with masterauth), REPLCONF listening-port, REPLCONF ip-address, REPLCONF capa,
/// pipelined in one write as Redis's SEND_HANDSHAKE state.
fn send_handshake(srv: &mut Server) -> Result<(), Failed> {
    let mut out = Vec::new();
    let cfg = &srv.config;
    let auth = !cfg.masterauth.is_empty();
    if auth {
        if cfg.masteruser.is_empty() {
            out.extend(encode(&[b"AUTH", cfg.masterauth.as_bytes()]));
        } else {
            out.extend(encode(&[
                b"AUTH",
                cfg.masteruser.as_bytes(),
                cfg.masterauth.as_bytes(),
            ]));
        }
    }
    let port = if cfg.replica_announce_port != 0 {
        cfg.replica_announce_port
    } else {
        cfg.port
    };
    out.extend(encode(&[
        b"REPLCONF",
        b"listening-port",
        port.to_string().as_bytes(),
    ]));
    if !cfg.replica_announce_ip.is_empty() {
        out.extend(encode(&[
            b"REPLCONF",
            b"ip-address",
            cfg.replica_announce_ip.as_bytes(),
        ]));
    }
    out.extend(encode(&[b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"]));
    srv.repl.replica.state = if auth {
        LinkState::ReceiveAuthReply
    } else {
        LinkState::ReceivePortReply
    };
    send(srv, &out)
}

/// Redis's slaveTryPartialResynchronization, write half: `PSYNC <cached replid>
/// <cached offset + 1>`, or `PSYNC ? -1` without a cached master.
fn send_psync(srv: &mut Server) -> Result<(), Failed> {
    let rs = &mut srv.repl.replica;
    rs.master_initial_offset = -1;
    let (replid, offset) = match &rs.cached {
        Some(c) => {
            let off = (c.reploff + 1).to_string();
            serverlog!(
                Level::Notice,
                "Trying a partial resynchronization (request {}:{off}).",
                c.replid
            );
            (c.replid.clone(), off)
        }
        None => {
            serverlog!(
                Level::Notice,
                "Partial resynchronization not possible (no cached master)"
            );
            ("?".to_string(), "-1".to_string())
        }
    };
    rs.state = LinkState::ReceivePsyncReply;
    // A master failing over asks its target to take over (Redis sends PSYNC ... FAILOVER).
    let mut args: Vec<&[u8]> = vec![b"PSYNC", replid.as_bytes(), offset.as_bytes()];
    if super::failover::psync_failover_arg(srv) {
        args.push(b"FAILOVER");
    }
    let sent = send(srv, &encode(&args));
    if sent.is_err() && super::failover::psync_failed(srv, "Write error to failover target") {
        return Ok(());
    }
    sent
}

/// Redis's slaveTryPartialResynchronization, read half, and what syncWithMaster does with
/// the outcome.
fn receive_psync_reply(srv: &mut Server) -> Result<(), Failed> {
    let Some(link) = srv.repl.replica.link.as_mut() else {
        return Ok(());
    };
    let Some(reply) = take_line(&mut link.inbuf) else {
        return Ok(());
    };
    let now = srv.ks.now_ms.max(crate::db::mstime());
    srv.repl.replica.transfer_lastio_ms = now;
    if reply.is_empty() {
        // A newline keeps the link alive while the master prepares the PSYNC reply.
        return Ok(());
    }
    if let Some(rest) = reply.strip_prefix("+FULLRESYNC") {
        let mut parts = rest.split_whitespace();
        let id = parts.next().unwrap_or("");
        let off = parts.next().and_then(|o| o.parse::<i64>().ok());
        match off {
            Some(off) if id.len() == super::RUN_ID_SIZE => {
                srv.repl.replica.master_replid = id.to_string();
                srv.repl.replica.master_initial_offset = off;
                serverlog!(Level::Notice, "Full resync from master: {id}:{off}");
            }
            _ => {
                serverlog!(
                    Level::Warning,
                    "Master replied with wrong +FULLRESYNC syntax."
                );
                srv.repl.replica.master_replid.clear();
            }
        }
        // The target took over: the failover is done.
        super::failover::psync_accepted(srv);
        // The cached master stays until the new RDB is loaded: if this transfer fails, the
        // next attempt (maybe to another master) can still continue partially from it.
        return super::transfer::start(srv);
    }
    if let Some(rest) = reply.strip_prefix("+CONTINUE") {
        serverlog!(
            Level::Notice,
            "Successful partial resynchronization with master."
        );
        let new_id = rest.trim();
        super::failover::psync_accepted(srv);
        super::replica::resurrect_cached_master(srv, new_id);
        serverlog!(
            Level::Notice,
            "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization."
        );
        return Ok(());
    }
    if reply.starts_with("-NOMASTERLINK") || reply.starts_with("-LOADING") {
        serverlog!(
            Level::Notice,
            "Master is currently unable to PSYNC but should be in the future: {reply}"
        );
        if super::failover::psync_failed(srv, "Failover target rejected psync request") {
            return Ok(());
        }
        return Err(Failed { reconnect: false });
    }
    if reply.starts_with("-ERR") {
        serverlog!(
            Level::Notice,
            "Master does not support PSYNC or is in error state (reply: {reply})"
        );
    } else {
        serverlog!(
            Level::Warning,
            "Unexpected reply to PSYNC from master: {reply}"
        );
    }
    if super::failover::psync_failed(srv, "Failover target rejected psync request") {
        return Ok(());
    }
    // Masters without PSYNC (before 2.8) are not supported: retry later, logged above.
    Err(Failed { reconnect: false })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_taken_whole_and_commands_encoded_as_multibulk() {
        let mut buf = b"+FULLRESYNC abc 10\r\n$12".to_vec();
        assert_eq!(take_line(&mut buf).as_deref(), Some("+FULLRESYNC abc 10"));
        assert_eq!(take_line(&mut buf), None);
        assert_eq!(buf, b"$12");
        let mut nl = b"\n+OK\r\n".to_vec();
        assert_eq!(take_line(&mut nl).as_deref(), Some(""));
        assert_eq!(take_line(&mut nl).as_deref(), Some("+OK"));
        assert_eq!(
            encode(&[b"REPLCONF", b"ACK", b"5"]),
            b"*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$1\r\n5\r\n"
        );
    }
}
