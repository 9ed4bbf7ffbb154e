//! Shared helpers for rudis's integration tests.
//!
//! Every `tests/<capability>.rs` begins with `mod common;` and starts the REAL server binary on
//! free loopback ports, then talks RESP to it. Each test binary uses a subset of these helpers,
//! hence the module-wide `allow(dead_code)`.
//!
//! What lives where:
//! - [`server`]: [`TestServer`] / [`ServerBuilder`]: spawn `rudis-server` (or any
//!   `redis-server`-compatible binary) in a private temp dir on a free port, wait until it is
//!   ready, read its log, stop / kill / restart it, make it a replica.
//! - [`client`]: [`Client`], a small blocking RESP client (pipelining, binary-safe arguments,
//!   read timeouts, "connection closed" as a distinct outcome).
//! - [`reply`]: [`Reply`], a RESP2 + RESP3 reply and its incremental parser, with helpers for
//!   assertions (`as_str`, `as_int`, `assert_ok`, `assert_err_prefix`, ...).
//! - [`cli`]: [`redis_cli`] and [`redis_benchmark`], wrappers around the real tools.
//! - [`proxy`]: [`Proxy`], a loopback TCP proxy whose links can be cut, healed, paused and
//!   resumed (to disturb replication links).
//! - [`dataset`]: [`dataset::fill_every_type`], every type in each encoding, for digests.
//! - this file: [`wait_until`] / [`wait_for`] polling, [`free_port`], [`TempDir`].
//!
//! Environment variables:
//! - `RUDIS_TEST_SERVER_BIN`: server binary to run instead of the crate's `rudis-server`, e.g.
//!   `/usr/bin/redis-server` to check that a test agrees with real Redis.
//! - `RUDIS_KEEP_TEST_DIRS=1`: keep every temp dir (server dir, logs, RDB/AOF files) after the
//!   test, for inspection.
//! - `RUDIS_TEST_CLI_BIN`, `RUDIS_TEST_BENCHMARK_BIN`: `redis-cli` / `redis-benchmark` to use
//!   (default: found on `PATH`).
#![allow(dead_code, unused_imports)]

pub mod cli;
pub mod client;
pub mod dataset;
pub mod proxy;
pub mod reply;
pub mod server;

pub use cli::{redis_benchmark, redis_cli, redis_cli_stdin};
pub use client::{Client, ClientError};
pub use proxy::Proxy;
pub use reply::Reply;
pub use server::{wait_for_ofs_sync, ServerBuilder, StartError, TestServer};

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long polling helpers sleep between two checks.
pub const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// Polls `cond` every few milliseconds until it returns true (→ `true`) or `timeout` passes
/// (→ `false`). `cond` is always evaluated at least once, and once more at the deadline.
///
/// ```ignore
/// assert!(wait_until(Duration::from_secs(5), || replica.cmd(&["GET", "k"]) == "v"));
/// ```
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}

/// Like [`wait_until`] but panics with `what` ("replica to catch up", ...) on timeout.
#[track_caller]
pub fn wait_for(timeout: Duration, what: &str, cond: impl FnMut() -> bool) {
    if !wait_until(timeout, cond) {
        panic!("timed out after {timeout:?} waiting for {what}");
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago: binds port 0, reads the port the kernel
/// chose, and closes the socket. Another process may take it before we use it, so whoever binds
/// it must cope with failure ([`ServerBuilder`] retries with a new port).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local_addr").port()
}

/// True when `RUDIS_KEEP_TEST_DIRS=1` asks to keep temp dirs after the tests.
pub fn keep_test_dirs() -> bool {
    std::env::var("RUDIS_KEEP_TEST_DIRS").is_ok_and(|v| v == "1")
}

/// A fresh directory under the system temp dir, removed with its contents on drop (unless
/// `RUDIS_KEEP_TEST_DIRS=1`, or [`TempDir::keep`] was called).
///
/// Kept under `/tmp` rather than `target/` so paths stay short enough for unix sockets.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
    keep: bool,
}

impl TempDir {
    /// Creates `<tmp>/<prefix>-<pid>-<n>-<nanos>`; the name is unique across threads and
    /// processes (`create_dir` fails rather than reuse an existing directory).
    pub fn new(prefix: &str) -> TempDir {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let base = std::env::temp_dir();
        loop {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            let name = format!(
                "{prefix}-{}-{}-{nanos}",
                std::process::id(),
                SEQ.fetch_add(1, Ordering::Relaxed)
            );
            let path = base.join(name);
            match std::fs::create_dir(&path) {
                Ok(()) => return TempDir { path, keep: false },
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => panic!("cannot create temp dir {}: {e}", path.display()),
            }
        }
    }

    /// The directory's absolute path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Do not remove the directory on drop.
    pub fn keep(&mut self) {
        self.keep = true;
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if self.keep || keep_test_dirs() {
            eprintln!("keeping test dir {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Sets the soft limit on the size of files process `pid` (and the children it forks later)
/// may write: Linux's prlimit(2) on another process of ours. Only the soft limit moves, so
/// no privilege is needed to lift it again.
pub fn set_file_size_limit(pid: u32, bytes: u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: prlimit reads/writes only the plain structs we pass.
    let rc = unsafe {
        libc::prlimit(
            pid as libc::pid_t,
            libc::RLIMIT_FSIZE,
            std::ptr::null(),
            &mut lim,
        )
    };
    assert_eq!(rc, 0, "prlimit: {}", std::io::Error::last_os_error());
    lim.rlim_cur = (bytes as libc::rlim_t).min(lim.rlim_max);
    // SAFETY: as above.
    let rc = unsafe {
        libc::prlimit(
            pid as libc::pid_t,
            libc::RLIMIT_FSIZE,
            &lim,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(rc, 0, "prlimit: {}", std::io::Error::last_os_error());
}
