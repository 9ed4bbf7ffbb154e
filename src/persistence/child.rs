//! Forked children and what they tell the parent (Redis's `redisFork`, `checkChildrenDone`,
//! `resetChildState` in server.c and all of childinfo.c).
//!
//! Owns: the one child process doing persistence work (BGSAVE now, BGREWRITEAOF with the AOF
//! issue), its pid and type, the pipe on which it reports its copy-on-write size and progress,
//! and the INFO counters fed by those reports (`current_cow_*`, `current_save_keys_*`,
//! `rdb_last_cow_size`, `total_forks`, `latest_fork_usec`). It must never decide what a child
//! does or what its exit means: the caller's done-handler does that.
//!
//! ```text
//!   parent                                        child (copy-on-write view of the data)
//!   fork() ─────────────────────────────────────► close listeners, SIGUSR1 = clean exit
//!     child_pid, child_type, pipe read end          work ... every ~1 s:  ──┐ CURRENT_INFO
//!   cron: receive_child_info() ◄── pipe ◄───────── (keys done, Private_Dirty)
//!   cron: waitpid(WNOHANG) ─ exited? ──► done-handler     at the end:  ──┘ RDB_COW_SIZE
//!         drain the pipe, reset_child_state()      _exit(0 | 1)
//! ```
//!
//! Only one such child runs at a time (Redis's "mutually exclusive" child types): while one
//! runs, dict resizing is held back so that rehashing does not copy every page the child
//! still shares with us.
//!
//! The few `unsafe` blocks here are the process boundary itself: fork, signal handlers in the
//! child, `_exit`, waitpid, kill, and raw descriptors of the pipe. Each carries its reason.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Instant;

use crate::log::Level;
use crate::server::Server;
use crate::serverlog;

/// Exit code of a child stopped on purpose with SIGUSR1 (Redis's SERVER_CHILD_NOERROR_RETVAL):
/// the parent treats it as "killed, not failed" and does not flag a save error.
pub const CHILD_NOERROR_RETVAL: i32 = 255;
/// Redis's CHILD_COW_DUTY_CYCLE: a progress report may spend at most 1/100 of the child's time
/// reading its copy-on-write size (reading smaps of a big process is slow).
const COW_DUTY_CYCLE: u64 = 100;

/// What the one child is doing (Redis's CHILD_TYPE_*).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildType {
    None,
    /// BGSAVE, or an RDB for a replica's full sync.
    Rdb,
    /// BGREWRITEAOF (the AOF issue).
    Aof,
}

impl ChildType {
    /// Redis's strChildType, for log lines.
    pub fn name(self) -> &'static str {
        match self {
            ChildType::None => "Unknown",
            ChildType::Rdb => "RDB",
            ChildType::Aof => "AOF",
        }
    }
}

/// The kind of a child report (Redis's childInfoType).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InfoType {
    /// Progress while working: keys done, copy-on-write bytes now.
    CurrentInfo = 0,
    /// Final report of an AOF rewrite child.
    AofCowSize = 1,
    /// Final report of an RDB child.
    RdbCowSize = 2,
}

impl InfoType {
    fn from_u64(v: u64) -> Option<InfoType> {
        match v {
            0 => Some(InfoType::CurrentInfo),
            1 => Some(InfoType::AofCowSize),
            2 => Some(InfoType::RdbCowSize),
            _ => None,
        }
    }
}

/// Bytes of one report on the pipe: type, keys, cow bytes, cow time (µs, CLOCK_MONOTONIC,
/// which parent and child share), progress (f64 bits). Less than PIPE_BUF, so each write is
/// atomic and the parent never sees half of one mixed with another.
const MSG_LEN: usize = 5 * 8;

/// One report from the child (Redis's child_info_data).
#[derive(Clone, Copy, Debug, PartialEq)]
struct ChildInfo {
    kind: InfoType,
    keys: u64,
    cow: u64,
    cow_updated_us: u64,
    progress: f64,
}

impl ChildInfo {
    fn encode(&self) -> [u8; MSG_LEN] {
        let mut b = [0u8; MSG_LEN];
        let fields = [
            self.kind as u64,
            self.keys,
            self.cow,
            self.cow_updated_us,
            self.progress.to_bits(),
        ];
        for (i, f) in fields.iter().enumerate() {
            b[i * 8..i * 8 + 8].copy_from_slice(&f.to_ne_bytes());
        }
        b
    }

    fn decode(b: &[u8; MSG_LEN]) -> Option<ChildInfo> {
        let field = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[i * 8..i * 8 + 8]);
            u64::from_ne_bytes(w)
        };
        Some(ChildInfo {
            kind: InfoType::from_u64(field(0))?,
            keys: field(1),
            cow: field(2),
            cow_updated_us: field(3),
            progress: f64::from_bits(field(4)),
        })
    }
}

/// The parent's view of its child (Redis's server.child_* and stat_*cow* fields).
pub struct ChildState {
    /// Pid of the running child (Redis's server.child_pid, -1 there when none).
    pub pid: Option<libc::pid_t>,
    pub kind: ChildType,
    /// Read end of the report pipe, non-blocking; the write end is the child's.
    pipe_read: Option<File>,
    /// Write end, kept open by the parent only between pipe creation and fork.
    pipe_write: Option<File>,
    /// A report split across reads (Redis's child_info_nread and static buffer).
    partial: [u8; MSG_LEN],
    partial_len: usize,
    /// Peak and latest copy-on-write bytes the running child reported.
    pub current_cow_peak: u64,
    pub current_cow_bytes: u64,
    /// When the child measured `current_cow_bytes` (CLOCK_MONOTONIC µs; 0 = never).
    pub current_cow_updated_us: u64,
    pub current_save_keys_processed: u64,
    /// Keys in the dataset when the child was forked.
    pub current_save_keys_total: u64,
    /// Copy-on-write peak of the last RDB child that finished well (rdb_last_cow_size).
    pub rdb_cow_bytes: u64,
    /// The same for the last AOF rewrite child (aof_last_cow_size).
    pub aof_cow_bytes: u64,
    /// Forks since start (total_forks) and the last one's duration (latest_fork_usec).
    pub total_forks: u64,
    pub fork_time_us: u64,
}

impl Default for ChildState {
    fn default() -> Self {
        ChildState {
            pid: None,
            kind: ChildType::None,
            pipe_read: None,
            pipe_write: None,
            partial: [0; MSG_LEN],
            partial_len: 0,
            current_cow_peak: 0,
            current_cow_bytes: 0,
            current_cow_updated_us: 0,
            current_save_keys_processed: 0,
            current_save_keys_total: 0,
            rdb_cow_bytes: 0,
            aof_cow_bytes: 0,
            total_forks: 0,
            fork_time_us: 0,
        }
    }
}

impl ChildState {
    /// Redis's hasActiveChildProcess.
    pub fn active(&self) -> bool {
        self.pid.is_some()
    }

    /// Seconds since the child last measured its copy-on-write size (current_cow_size_age).
    pub fn cow_size_age_secs(&self) -> u64 {
        if self.current_cow_updated_us == 0 {
            return 0;
        }
        monotonic_us().saturating_sub(self.current_cow_updated_us) / 1_000_000
    }

    /// Percent of keys the child has gone through (current_fork_perc).
    pub fn fork_perc(&self) -> f64 {
        if self.current_save_keys_total == 0 {
            return 0.0;
        }
        self.current_save_keys_processed as f64 / self.current_save_keys_total as f64 * 100.0
    }

    fn reset_current(&mut self) {
        self.current_cow_peak = 0;
        self.current_cow_bytes = 0;
        self.current_cow_updated_us = 0;
        self.current_save_keys_processed = 0;
        self.current_save_keys_total = 0;
    }

    /// Redis's updateChildInfo.
    fn update(&mut self, info: &ChildInfo) {
        self.current_cow_peak = self.current_cow_peak.max(info.cow);
        match info.kind {
            InfoType::CurrentInfo => {
                self.current_cow_bytes = info.cow;
                self.current_cow_updated_us = info.cow_updated_us;
                self.current_save_keys_processed = info.keys;
            }
            InfoType::AofCowSize => self.aof_cow_bytes = self.current_cow_peak,
            InfoType::RdbCowSize => self.rdb_cow_bytes = self.current_cow_peak,
        }
    }

    /// Reads one whole report if there is one (Redis's readChildInfo).
    fn read_one(&mut self) -> Option<ChildInfo> {
        let f = self.pipe_read.as_mut()?;
        if self.partial_len == MSG_LEN {
            self.partial_len = 0;
        }
        match f.read(&mut self.partial[self.partial_len..]) {
            Ok(n) if n > 0 => self.partial_len += n,
            _ => return None,
        }
        if self.partial_len < MSG_LEN {
            return None;
        }
        ChildInfo::decode(&self.partial)
    }

    /// Opens the report pipe before a fork (Redis's openChildInfoPipe). Failing to is not
    /// fatal: the child just cannot report.
    fn open_pipe(&mut self) {
        self.close_pipe();
        let mut fds = [-1; 2];
        // SAFETY: pipe2 writes two descriptors into the array we own; on success each is
        // ours alone and handed straight to an OwnedFd.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return;
        }
        // SAFETY: both descriptors were just created by pipe2 and are owned by nobody else.
        let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        // Only the parent's end is non-blocking: the child may wait for room.
        // SAFETY: fcntl on a descriptor we own, with integer arguments only.
        unsafe {
            let fl = libc::fcntl(r.as_raw_fd(), libc::F_GETFL);
            libc::fcntl(r.as_raw_fd(), libc::F_SETFL, fl | libc::O_NONBLOCK);
        }
        self.pipe_read = Some(File::from(r));
        self.pipe_write = Some(File::from(w));
        self.partial_len = 0;
    }

    /// Redis's closeChildInfoPipe.
    fn close_pipe(&mut self) {
        self.pipe_read = None;
        self.pipe_write = None;
        self.partial_len = 0;
    }
}

/// Microseconds of CLOCK_MONOTONIC: the same clock in parent and child, so the parent can
/// age a measurement the child made (Redis's getMonotonicUs).
pub fn monotonic_us() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime fills the plain struct we pass.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1_000
}

/// What [`fork`] returns on each side.
pub enum Forked {
    /// In the parent: the child's pid.
    Parent(libc::pid_t),
    /// In the child: its end of the report pipe.
    Child(ChildReporter),
}

/// Redis's updateDictResizePolicy: no voluntary dict resizing while a child shares our pages.
pub fn update_dict_resize_policy(srv: &Server) {
    crate::db::dict::set_global_resize_allowed(!srv.child.active());
}

/// Forks a child for `purpose` (Redis's redisFork). In the parent, records the child and
/// the fork's cost; in the child, drops what only the parent may hold (listening sockets,
/// the pid file) and makes SIGUSR1 a clean exit. Fails with `EEXIST` when a child already
/// runs.
pub fn fork(srv: &mut Server, purpose: ChildType) -> io::Result<Forked> {
    if srv.child.active() {
        return Err(io::Error::from_raw_os_error(libc::EEXIST));
    }
    srv.child.open_pipe();
    let start = Instant::now();
    // SAFETY: the process has one thread of its own (jemalloc's background thread, if on,
    // is made fork-safe by jemalloc's own atfork handlers). The child only reads the data it
    // inherited, writes its file and leaves with _exit, never returning into the event loop.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        crate::log::set_role(b'C');
        setup_child_signal_handlers();
        crate::db::dict::set_global_resize_allowed(false);
        close_parent_resources(srv);
        srv.child.pipe_read = None;
        let out = srv.child.pipe_write.take();
        return Ok(Forked::Child(ChildReporter::new(out)));
    }
    if pid < 0 {
        let err = io::Error::last_os_error();
        srv.child.close_pipe();
        return Err(err);
    }
    // The parent keeps only the read end: the child's end closes with the child.
    srv.child.pipe_write = None;
    let fork_us = start.elapsed().as_micros() as u64;
    srv.child.total_forks += 1;
    srv.child.fork_time_us = fork_us;
    let threshold = crate::commands::server_cmds::cfg::latency_monitor_threshold(srv);
    srv.introspection
        .latency
        .add_sample_if_needed(threshold, "fork", fork_us / 1000);
    srv.child.pid = Some(pid);
    srv.child.kind = purpose;
    srv.child.reset_current();
    srv.child.current_save_keys_total = srv.ks.total_keys() as u64;
    update_dict_resize_policy(srv);
    Ok(Forked::Parent(pid))
}

/// Redis's closeChildUnusedResourceAfterFork: the listening sockets are closed so a parent
/// restarted meanwhile can bind them again. Only the descriptors are closed: the objects stay
/// untouched (dropping them could deregister them from the epoll set we share with the
/// parent) and are never used again, since the child leaves with `_exit`.
fn close_parent_resources(srv: &Server) {
    for l in &srv.listeners {
        let fd = match l {
            crate::networking::Listener::Tcp(t) => t.as_raw_fd(),
            crate::networking::Listener::Unix(u) => u.as_raw_fd(),
        };
        // SAFETY: closes a descriptor of this (child) process; nothing reads it afterwards.
        unsafe { libc::close(fd) };
    }
}

extern "C" fn on_sigusr1_in_child(_sig: libc::c_int) {
    crate::log::write_from_handler(Level::Warning, "Received SIGUSR1 in child, exiting now.");
    // SAFETY: _exit is async-signal-safe and skips destructors shared with the parent.
    unsafe { libc::_exit(CHILD_NOERROR_RETVAL) };
}

/// Redis's setupChildSignalHandlers: the parent stops a child with SIGUSR1 (FLUSHALL,
/// SHUTDOWN) without that counting as a failed save.
fn setup_child_signal_handlers() {
    // SAFETY: the handler only writes a log line with write(2) and calls _exit, both
    // async-signal-safe; sigaction gets a zeroed, fully initialised struct.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_sigusr1_in_child as extern "C" fn(libc::c_int) as usize;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGUSR1, &sa, std::ptr::null_mut());
    }
}

/// Leaves the child without running the parent's destructors or flushing its buffers
/// (Redis's exitFromChild).
pub fn exit_from_child(code: i32) -> ! {
    // SAFETY: _exit ends this process at once; the child owns nothing that needs cleanup.
    unsafe { libc::_exit(code) }
}

/// Sends SIGUSR1 to the child: it exits at once with [`CHILD_NOERROR_RETVAL`] and cron reaps
/// it as "killed on purpose" (Redis's killRDBChild). Cleanup happens when it is reaped.
pub fn kill_child(srv: &Server) {
    if let Some(pid) = srv.child.pid {
        // SAFETY: kill takes plain integers; `pid` is our own unreaped child, so the pid
        // cannot have been reused by another process.
        unsafe { libc::kill(pid, libc::SIGUSR1) };
    }
}

/// Drains the child's reports (Redis's receiveChildInfo).
pub fn receive_child_info(srv: &mut Server) {
    while let Some(info) = srv.child.read_one() {
        srv.child.update(&info);
    }
}

/// Redis's resetChildState: forget the child, allow resizing again, close the pipe.
pub fn reset_child_state(srv: &mut Server) {
    srv.child.kind = ChildType::None;
    srv.child.pid = None;
    srv.child.reset_current();
    srv.child.close_pipe();
    update_dict_resize_policy(srv);
}

/// How a child ended, as the done-handlers take it: exit code (-1 when killed) and the
/// signal that killed it (0 when it exited). A child that left with
/// [`CHILD_NOERROR_RETVAL`] counts as killed by SIGUSR1.
fn decode_status(status: libc::c_int) -> (i32, i32) {
    let mut exitcode = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    let mut bysignal = if libc::WIFSIGNALED(status) {
        libc::WTERMSIG(status)
    } else {
        0
    };
    if exitcode == CHILD_NOERROR_RETVAL {
        bysignal = libc::SIGUSR1;
        exitcode = 1;
    }
    (exitcode, bysignal)
}

/// Reaps a finished child without blocking and runs its done-handler (Redis's
/// checkChildrenDone).
pub fn check_children_done(srv: &mut Server) {
    let mut status: libc::c_int = 0;
    // SAFETY: waitpid writes the status into the integer we pass; WNOHANG never blocks.
    let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
    if pid == 0 {
        return;
    }
    if pid == -1 {
        let err = io::Error::last_os_error();
        serverlog!(
            Level::Warning,
            "waitpid() returned an error: {}. child_type: {}, child_pid = {}",
            crate::config::strerror(&err),
            srv.child.kind.name(),
            srv.child.pid.unwrap_or(-1)
        );
        return;
    }
    let (exitcode, bysignal) = decode_status(status);
    if Some(pid) != srv.child.pid {
        serverlog!(
            Level::Warning,
            "Warning, detected child with unmatched pid: {pid}"
        );
        return;
    }
    match srv.child.kind {
        ChildType::Rdb => super::bgsave::background_save_done_handler(srv, exitcode, bysignal),
        // The AOF issue hooks its rewrite done-handler here.
        ChildType::Aof | ChildType::None => {}
    }
    if bysignal == 0 && exitcode == 0 {
        receive_child_info(srv);
    }
    reset_child_state(srv);
}

/// Copy-on-write bytes of this process: the sum of `Private_Dirty` over its mappings, as
/// Redis's zmalloc_get_private_dirty. `/proc/self/smaps_rollup` holds that sum in one line
/// (Linux 4.14+) and is much cheaper for a large heap than walking `/proc/self/smaps`, which
/// is the fallback. 0 when neither can be read (not Linux).
pub fn private_dirty_bytes() -> u64 {
    for path in ["/proc/self/smaps_rollup", "/proc/self/smaps"] {
        if let Ok(text) = std::fs::read_to_string(path) {
            return sum_field_kb(&text, "Private_Dirty:") * 1024;
        }
    }
    0
}

/// Sum of every `<field> <n> kB` line.
fn sum_field_kb(text: &str, field: &str) -> u64 {
    text.lines()
        .filter_map(|l| l.strip_prefix(field))
        .filter_map(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// The child's end of the report pipe, with the throttling state of Redis's
/// sendChildInfoGeneric.
pub struct ChildReporter {
    out: Option<File>,
    cow: u64,
    cow_updated_us: u64,
    cow_update_cost_us: u64,
    peak_cow: u64,
    sum_cow: u64,
    updates: u64,
}

impl ChildReporter {
    fn new(out: Option<File>) -> ChildReporter {
        ChildReporter {
            out,
            cow: 0,
            cow_updated_us: 0,
            cow_update_cost_us: 0,
            peak_cow: 0,
            sum_cow: 0,
            updates: 0,
        }
    }

    /// Sends a report (Redis's sendChildInfoGeneric). Progress reports re-measure the
    /// copy-on-write size only when the last measurement's cost allows ([`COW_DUTY_CYCLE`]);
    /// final reports always measure and log `Fork CoW for <pname>: ...`. If the parent is
    /// gone the child has nobody to save for, and exits.
    pub fn send(&mut self, kind: InfoType, keys: u64, pname: &str) {
        if self.out.is_none() {
            return;
        }
        let now = monotonic_us();
        let final_report = kind != InfoType::CurrentInfo;
        if final_report
            || self.cow_updated_us == 0
            || now.saturating_sub(self.cow_updated_us)
                > self.cow_update_cost_us.saturating_mul(COW_DUTY_CYCLE)
        {
            self.cow = private_dirty_bytes();
            self.cow_updated_us = monotonic_us();
            self.cow_update_cost_us = self.cow_updated_us.saturating_sub(now);
            self.peak_cow = self.peak_cow.max(self.cow);
            self.sum_cow += self.cow;
            self.updates += 1;
            if self.cow > 0 || final_report {
                serverlog!(
                    if final_report {
                        Level::Notice
                    } else {
                        Level::Verbose
                    },
                    "Fork CoW for {pname}: current {} MB, peak {} MB, average {} MB",
                    self.cow >> 20,
                    self.peak_cow >> 20,
                    (self.sum_cow / self.updates) >> 20
                );
            }
        }
        let msg = ChildInfo {
            kind,
            keys,
            cow: self.cow,
            cow_updated_us: self.cow_updated_us,
            progress: -1.0,
        }
        .encode();
        if let Some(out) = self.out.as_mut() {
            if let Err(e) = out.write_all(&msg) {
                serverlog!(
                    Level::Warning,
                    "Child failed reporting info to parent, exiting. {}",
                    crate::config::strerror(&e)
                );
                exit_from_child(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_round_trips() {
        let info = ChildInfo {
            kind: InfoType::RdbCowSize,
            keys: 1024,
            cow: 8192,
            cow_updated_us: 123_456_789,
            progress: -1.0,
        };
        assert_eq!(ChildInfo::decode(&info.encode()), Some(info));
        let mut bad = info.encode();
        bad[0] = 9;
        assert_eq!(ChildInfo::decode(&bad), None);
    }

    #[test]
    fn private_dirty_sums_every_mapping() {
        let smaps = "55d0 r-xp 0 fd:01 1 /bin/x\nPrivate_Dirty:        8 kB\n\
                     7f00 rw-p 0 00:00 0\nPrivate_Dirty:     1024 kB\nShared_Dirty: 4 kB\n";
        assert_eq!(sum_field_kb(smaps, "Private_Dirty:"), 1032);
        assert!(private_dirty_bytes() > 0, "a running test has dirty pages");
    }

    #[test]
    fn peak_and_final_reports_update_the_parent_view() {
        let mut st = ChildState::default();
        let cur = |cow, keys| ChildInfo {
            kind: InfoType::CurrentInfo,
            keys,
            cow,
            cow_updated_us: 1,
            progress: -1.0,
        };
        st.update(&cur(4096, 10));
        st.update(&cur(2048, 20));
        assert_eq!(
            (
                st.current_cow_bytes,
                st.current_cow_peak,
                st.current_save_keys_processed
            ),
            (2048, 4096, 20)
        );
        st.update(&ChildInfo {
            kind: InfoType::RdbCowSize,
            ..cur(1024, 0)
        });
        assert_eq!(st.rdb_cow_bytes, 4096, "the final size is the peak seen");
    }

    #[test]
    fn exit_statuses() {
        // Exited 0 / 1, exited with the no-error code, killed by SIGKILL.
        assert_eq!(decode_status(0), (0, 0));
        assert_eq!(decode_status(1 << 8), (1, 0));
        assert_eq!(decode_status(255 << 8), (1, libc::SIGUSR1));
        assert_eq!(decode_status(libc::SIGKILL), (-1, libc::SIGKILL));
    }
}
