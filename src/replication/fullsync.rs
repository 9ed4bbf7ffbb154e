//! The diskless full-sync child: forked through the server's one child slot
//! (`persistence::child`) to write an RDB snapshot straight into the replicas' sockets with
//! the `$EOF:<mark>` framing (Redis's rdbSaveToSlavesSockets). The disk-based full sync is an
//! ordinary BGSAVE (`persistence::bgsave`), whose done-handler tells the master side.
//!
//! Owns: what the socket child does. It must never touch a replica's state: the master side
//! decides what a finished child means for its replicas (`master::rdb_child_done`).

use std::io::{self, Write};
use std::os::fd::RawFd;

use crate::db::Keyspace;
use crate::persistence::rdb::SaveOptions;

/// 40 bytes, Redis's CONFIG_RUN_ID_SIZE: the length of the diskless transfer's EOF mark.
pub const EOF_MARK_LEN: usize = 40;

/// Where the child writes the snapshot.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Target {
    /// Into the replicas' sockets, framed as `$EOF:<mark>\r\n<rdb><mark>`.
    Socket,
    /// Into the dump file, then sent by the parent as `$<len>\r\n<rdb>`.
    Disk,
}

/// The replication child the master side knows about.
pub struct Child {
    pub target: Target,
    /// Unix ms when it was forked.
    pub start_ms: i64,
}

/// Forks the socket-target child: it writes `$EOF:<mark>\r\n<rdb><mark>` to each of `fds`
/// and exits 0 if at least one replica got everything. `send_timeout_ms` bounds how long it
/// waits for a replica's socket to accept bytes. Returns the child's pid.
pub fn spawn_socket_child(
    srv: &mut crate::server::Server,
    opts: &SaveOptions,
    fds: &[RawFd],
    send_timeout_ms: i64,
) -> io::Result<libc::pid_t> {
    use crate::persistence::child::{self, ChildType, Forked};
    match child::fork(srv, ChildType::Rdb)? {
        Forked::Child(_reporter) => {
            // SAFETY: prctl with plain integer arguments; asks the kernel to send SIGUSR1
            // (whose child handler exits) if the parent dies, so a killed master leaves no
            // orphan writing to its replicas.
            unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGUSR1) };
            let delay = srv.config.rdb_key_save_delay;
            let ok = child_write_sockets(&srv.ks, opts, fds, send_timeout_ms, delay);
            child::exit_from_child(if ok { 0 } else { 1 });
        }
        Forked::Parent(pid) => Ok(pid),
    }
}

/// In the child: `$EOF:<mark>\r\n`, the RDB streamed as it is produced (so a slow child,
/// e.g. `rdb-key-save-delay`, shows as a transfer in progress), then the mark, to every
/// replica at once. Succeeds if at least one replica got everything.
fn child_write_sockets(
    ks: &Keyspace,
    opts: &SaveOptions,
    fds: &[RawFd],
    timeout_ms: i64,
    key_save_delay: i64,
) -> bool {
    let mark = crate::server::random_hex40();
    let mark = &mark.as_bytes()[..EOF_MARK_LEN];
    let mut out = FanOut {
        fds: fds.iter().map(|&fd| (fd, true)).collect(),
        timeout_ms,
    };
    let mut head = Vec::with_capacity(EOF_MARK_LEN + 7);
    head.extend_from_slice(b"$EOF:");
    head.extend_from_slice(mark);
    head.extend_from_slice(b"\r\n");
    if out.write_all(&head).is_err() {
        return false;
    }
    let w = std::io::BufWriter::with_capacity(16 * 1024, out);
    let after_key = |_: u64| {
        if key_save_delay != 0 {
            crate::persistence::snapshot::debug_delay(key_save_delay);
        }
    };
    let Ok((w, _)) = crate::persistence::rdb::save_to_with(ks, w, opts, after_key) else {
        return false;
    };
    let Ok(mut out) = w.into_inner() else {
        return false;
    };
    out.write_all(mark).is_ok()
}

/// Writes every buffer to each replica socket still working; fails only when none is.
struct FanOut {
    fds: Vec<(RawFd, bool)>,
    timeout_ms: i64,
}

impl Write for FanOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for (fd, ok) in &mut self.fds {
            if *ok {
                *ok = write_all_polling(*fd, buf, self.timeout_ms);
            }
        }
        if self.fds.iter().any(|&(_, ok)| ok) {
            Ok(buf.len())
        } else {
            Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "every replica socket failed",
            ))
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes all of `buf` to a non-blocking socket, waiting with poll() when it is full. The
/// descriptor's O_NONBLOCK flag is shared with the parent, so it is never changed here.
fn write_all_polling(fd: RawFd, mut buf: &[u8], timeout_ms: i64) -> bool {
    let timeout = timeout_ms.clamp(1, i32::MAX as i64) as i32;
    while !buf.is_empty() {
        // SAFETY: `buf` is a valid slice for its length; `fd` is an open socket inherited
        // from the parent.
        let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
        if n > 0 {
            buf = &buf[n as usize..];
            continue;
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EAGAIN) => {
                let mut p = libc::pollfd {
                    fd,
                    events: libc::POLLOUT,
                    revents: 0,
                };
                // SAFETY: one valid pollfd.
                let r = unsafe { libc::poll(&mut p, 1, timeout) };
                if r <= 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                    return false;
                }
            }
            _ => return false,
        }
    }
    true
}

/// Bytes written to socket `fd` that the peer has not acknowledged yet (the kernel's send
/// queue, ioctl SIOCOUTQ), or None when it cannot be read. The parent watches it while a
/// socket-target child streams a snapshot: a queue that stays full and unchanged means the
/// replica stopped reading (Redis's parent sees the same as a partial write that never
/// completes).
pub fn unsent_in_kernel(fd: RawFd) -> Option<i64> {
    let mut n: libc::c_int = 0;
    // SAFETY: TIOCOUTQ (SIOCOUTQ on sockets) writes one int into `n`, which we own; `fd` is a
    // socket of a client we still hold, so it is open.
    let rc = unsafe { libc::ioctl(fd, libc::TIOCOUTQ, &mut n) };
    (rc == 0).then_some(i64::from(n))
}
