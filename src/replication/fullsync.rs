//! The full-sync child process: forked to write an RDB snapshot either straight into the
//! replicas' sockets (diskless, `$EOF:<mark>` framing) or into the dump file (disk-based),
//! then reaped from cron (Redis's rdbSaveToSlavesSockets / rdbSaveBackground for replication
//! and checkChildrenDone).
//!
//! Owns: the fork, what the child does, and the non-blocking reap. It must never touch a
//! replica's state: the master side decides what a finished child means for its replicas.
//! This module is the OS boundary of replication and holds its only `unsafe` blocks.

use std::io;
use std::os::fd::RawFd;
use std::path::PathBuf;

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

/// A running full-sync child.
pub struct Child {
    pub pid: libc::pid_t,
    pub target: Target,
    /// The dump file written (disk target).
    pub path: PathBuf,
    /// Unix ms when it was forked.
    pub start_ms: i64,
}

/// What became of a child.
pub enum Reaped {
    Running,
    Done { ok: bool },
}

/// Forks a child that writes `ks` to `fds` (socket target) or to `path` (disk target) and
/// exits 0 on success, 1 on failure. `send_timeout_ms` bounds how long the child waits for a
/// replica's socket to accept bytes.
pub fn spawn(
    ks: &Keyspace,
    opts: &SaveOptions,
    target: Target,
    fds: &[RawFd],
    path: PathBuf,
    send_timeout_ms: i64,
    now_ms: i64,
) -> io::Result<Child> {
    // SAFETY: fork() in a single-threaded event loop (jemalloc's background thread, if any,
    // is handled by its own fork hooks). The child only reads the keyspace, writes to its
    // copies of file descriptors and leaves with _exit, never returning into the parent's
    // code paths or running destructors that would touch shared state.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        let ok = match target {
            Target::Socket => child_write_sockets(ks, opts, fds, send_timeout_ms),
            Target::Disk => crate::persistence::snapshot::save_to_file(ks, &path, opts).is_ok(),
        };
        // SAFETY: _exit ends the child at once, without running the parent's atexit handlers
        // or flushing buffers that belong to the parent.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    Ok(Child {
        pid,
        target,
        path,
        start_ms: now_ms,
    })
}

/// In the child: the RDB once in memory, then `$EOF:<mark>\r\n<rdb><mark>` to each replica.
/// Succeeds if at least one replica got everything.
fn child_write_sockets(ks: &Keyspace, opts: &SaveOptions, fds: &[RawFd], timeout_ms: i64) -> bool {
    let Ok((rdb, _)) = crate::persistence::rdb::save_to(ks, Vec::new(), opts) else {
        return false;
    };
    let mark = crate::server::random_hex40();
    let mark = &mark.as_bytes()[..EOF_MARK_LEN];
    let mut head = Vec::with_capacity(EOF_MARK_LEN + 7);
    head.extend_from_slice(b"$EOF:");
    head.extend_from_slice(mark);
    head.extend_from_slice(b"\r\n");
    let mut any = false;
    for &fd in fds {
        let sent = write_all_polling(fd, &head, timeout_ms)
            && write_all_polling(fd, &rdb, timeout_ms)
            && write_all_polling(fd, mark, timeout_ms);
        any |= sent;
    }
    any
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

/// Checks, without waiting, whether the child ended (Redis's waitpid WNOHANG in
/// checkChildrenDone).
pub fn reap(child: &Child) -> Reaped {
    let mut status: libc::c_int = 0;
    // SAFETY: waitpid on our own child's pid with a valid status pointer.
    let r = unsafe { libc::waitpid(child.pid, &mut status, libc::WNOHANG) };
    if r == 0 {
        return Reaped::Running;
    }
    if r < 0 {
        // ECHILD: already reaped elsewhere; treat as a failure so replicas retry.
        return Reaped::Done { ok: false };
    }
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    Reaped::Done { ok }
}

/// Kills a child (the replicas it served are all gone, or shutdown).
pub fn kill(child: &Child) {
    // SAFETY: signalling and reaping our own child.
    unsafe {
        libc::kill(child.pid, libc::SIGUSR1);
        let mut status = 0;
        libc::waitpid(child.pid, &mut status, 0);
    }
}
