//! The server log, in Redis's line format:
//! `<pid>:<role> <day> <mon> <year> <hh:mm:ss.mmm> <level-char> <message>`.
//!
//! Owns: the log destination (stdout or `logfile`), the verbosity threshold
//! and the role letter (`M` master, `S` replica, `C` forked child, `X`
//! sentinel). Operators' tooling and Redis's own test suite grep these lines,
//! so wording of events follows Redis's. It must never panic or block on
//! anything but the write itself: a failed log write is dropped.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicI32, AtomicU8, Ordering};
use std::sync::Mutex;

/// Verbosity, ordered as Redis's `LL_DEBUG..LL_WARNING`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug = 0,
    Verbose = 1,
    Notice = 2,
    Warning = 3,
}

impl Level {
    /// The marker Redis prints for each level: `.`, `-`, `*`, `#`.
    fn marker(self) -> char {
        match self {
            Level::Debug => '.',
            Level::Verbose => '-',
            Level::Notice => '*',
            Level::Warning => '#',
        }
    }
}

static THRESHOLD: AtomicU8 = AtomicU8::new(Level::Notice as u8);
static ROLE: AtomicU8 = AtomicU8::new(b'M');
/// `None` = standard output.
static SINK: Mutex<Option<File>> = Mutex::new(None);
/// The descriptor [`SINK`] writes to, for [`write_from_handler`], which may not lock.
static SINK_FD: AtomicI32 = AtomicI32::new(libc::STDOUT_FILENO);

/// Sets the minimum level written.
pub fn set_level(level: Level) {
    THRESHOLD.store(level as u8, Ordering::Relaxed);
}

/// Sets the role letter: `M` master, `S` replica, `C` child process.
pub fn set_role(role: u8) {
    ROLE.store(role, Ordering::Relaxed);
}

/// True when a line at `level` would be written (lets callers skip
/// formatting expensive debug lines).
pub fn enabled(level: Level) -> bool {
    level as u8 >= THRESHOLD.load(Ordering::Relaxed)
}

/// Directs the log to `path` (appending), or to stdout when `path` is empty.
pub fn set_file(path: &str) -> std::io::Result<()> {
    let file = if path.is_empty() {
        None
    } else {
        Some(OpenOptions::new().create(true).append(true).open(path)?)
    };
    if let Ok(mut sink) = SINK.lock() {
        let fd = file.as_ref().map_or(libc::STDOUT_FILENO, |f| f.as_raw_fd());
        *sink = file;
        SINK_FD.store(fd, Ordering::Relaxed);
    }
    Ok(())
}

/// Writes one line from a signal handler (Redis's serverLogFromHandler):
/// `<pid>:signal-handler (<unix secs>) <msg>`. Only async-signal-safe calls:
/// no lock, no allocation, digits formatted on the stack, plain `write(2)`s.
pub fn write_from_handler(level: Level, msg: &str) {
    if !enabled(level) {
        return;
    }
    let fd = SINK_FD.load(Ordering::Relaxed);
    let mut pid_buf = [0u8; 20];
    let mut time_buf = [0u8; 20];
    // SAFETY: getpid and time(NULL) are async-signal-safe and take no pointers we own.
    let (pid, now) = unsafe {
        (
            libc::getpid() as u64,
            libc::time(std::ptr::null_mut()) as u64,
        )
    };
    let parts: [&[u8]; 6] = [
        fmt_u64(pid, &mut pid_buf),
        b":signal-handler (",
        fmt_u64(now, &mut time_buf),
        b") ",
        msg.as_bytes(),
        b"\n",
    ];
    for p in parts {
        // SAFETY: `p` is a live slice for the duration of the call; a failed or short write
        // loses part of a log line and nothing else.
        if unsafe { libc::write(fd, p.as_ptr().cast(), p.len()) } < 0 {
            return;
        }
    }
}

/// Decimal digits of `v` at the end of `buf`, without allocating (usable in a signal handler).
pub fn fmt_u64(mut v: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return &buf[i..];
        }
    }
}

/// Writes one line at `level`.
pub fn write(level: Level, msg: std::fmt::Arguments<'_>) {
    if !enabled(level) {
        return;
    }
    let line = format!(
        "{}:{} {} {} {}\n",
        std::process::id(),
        ROLE.load(Ordering::Relaxed) as char,
        timestamp(),
        level.marker(),
        msg
    );
    write_raw(line.as_bytes());
}

/// Writes bytes to the log as they are (the start-up banner).
pub fn write_raw(bytes: &[u8]) {
    let Ok(mut sink) = SINK.lock() else { return };
    match sink.as_mut() {
        Some(f) => {
            let _ = f.write_all(bytes);
        }
        None => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(bytes);
            let _ = out.flush();
        }
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `25 Nov 2026 04:50:00.123` in local time, as Redis's `serverLogRaw`.
fn timestamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as libc::time_t;
    // SAFETY: `tm` is plain data fully written by localtime_r; `secs` lives
    // for the call. localtime_r is the reentrant variant (no static buffer).
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            return format!("{}.{:03}", now.as_secs(), now.subsec_millis());
        }
        tm
    };
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        tm.tm_mday,
        MONTHS[(tm.tm_mon.clamp(0, 11)) as usize],
        tm.tm_year + 1900,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        now.subsec_millis()
    )
}

/// `serverlog!(Level::Notice, "Ready to accept connections")`.
#[macro_export]
macro_rules! serverlog {
    ($lvl:expr, $($arg:tt)*) => {
        $crate::log::write($lvl, format_args!($($arg)*))
    };
}

impl From<crate::config::LogLevel> for Level {
    fn from(l: crate::config::LogLevel) -> Level {
        use crate::config::LogLevel as L;
        match l {
            L::Debug => Level::Debug,
            L::Verbose => Level::Verbose,
            L::Notice => Level::Notice,
            L::Warning => Level::Warning,
        }
    }
}
