//! Process-level start-up chores: daemonizing, the pid file, the
//! file-descriptor limit for `maxclients`, and the start-up banner.
//!
//! Owns: the OS calls that shape the process (fork/setsid/dup2,
//! setrlimit). It never touches clients or data.

use crate::config::Config;
use crate::log::{self, Level};
use crate::server::{Server, MIN_RESERVED_FDS, REDIS_VERSION, RUDIS_VERSION};
use crate::serverlog;

/// Detaches from the terminal: fork, setsid, fork again (so the daemon can
/// never reacquire a controlling terminal), stdio to /dev/null.
pub fn daemonize() {
    // SAFETY: called from main before any thread or file other than the
    // standard ones exists; the parent exits at once without running
    // destructors, the child continues as the daemon.
    unsafe {
        match libc::fork() {
            -1 => {
                eprintln!(
                    "fork() failed while daemonizing: {}",
                    std::io::Error::last_os_error()
                );
                std::process::exit(1);
            }
            0 => {}
            _ => libc::_exit(0),
        }
        libc::setsid();
        match libc::fork() {
            -1 => libc::_exit(1),
            0 => {}
            _ => libc::_exit(0),
        }
        let fd = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if fd != -1 {
            libc::dup2(fd, libc::STDIN_FILENO);
            libc::dup2(fd, libc::STDOUT_FILENO);
            libc::dup2(fd, libc::STDERR_FILENO);
            if fd > libc::STDERR_FILENO {
                libc::close(fd);
            }
        }
    }
}

/// Writes our pid to `pidfile` (default `/var/run/redis_<port>.pid` when
/// daemonized without one, as Redis).
pub fn create_pid_file(cfg: &Config) {
    let path = if cfg.pidfile.is_empty() {
        format!("/var/run/redis_{}.pid", cfg.port)
    } else {
        cfg.pidfile.clone()
    };
    if let Err(e) = std::fs::write(&path, format!("{}\n", std::process::id())) {
        serverlog!(
            Level::Warning,
            "Failed to write PID file '{path}': {e}. Point 'pidfile' at a writable location."
        );
    }
}

/// Raises RLIMIT_NOFILE to `maxclients + 32` if it can; otherwise lowers
/// maxclients to what the limit allows and says so, as Redis's
/// adjustOpenFilesLimit. Returns the maxclients in force.
pub fn adjust_open_files_limit(maxclients: u64) -> u64 {
    let wanted = maxclients + MIN_RESERVED_FDS;
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the plain struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        serverlog!(
            Level::Warning,
            "Unable to obtain the current NOFILE limit ({}), assuming 1024 and setting the max clients configuration accordingly.",
            std::io::Error::last_os_error()
        );
        return 1024u64.saturating_sub(MIN_RESERVED_FDS).min(maxclients);
    }
    let current = lim.rlim_cur;
    if current >= wanted {
        return maxclients;
    }
    // Try the wanted value, then step down 16 at a time like Redis.
    let mut best = current;
    let mut attempt = wanted;
    let mut last_err = None;
    while attempt > current {
        let new = libc::rlimit {
            rlim_cur: attempt as libc::rlim_t,
            rlim_max: (attempt as libc::rlim_t).max(lim.rlim_max),
        };
        // SAFETY: setrlimit reads the plain struct we pass.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &new) } == 0 {
            best = attempt;
            break;
        }
        let raise_soft_only = libc::rlimit {
            rlim_cur: attempt.min(lim.rlim_max) as libc::rlim_t,
            rlim_max: lim.rlim_max,
        };
        // SAFETY: as above.
        if attempt <= lim.rlim_max
            && unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raise_soft_only) } == 0
        {
            best = attempt;
            break;
        }
        last_err = Some(std::io::Error::last_os_error());
        attempt = attempt.saturating_sub(16);
    }
    if best >= wanted {
        serverlog!(Level::Notice, "Increased maximum number of open files to {wanted} (it was originally set to {current}).");
        return maxclients;
    }
    let reduced = best.saturating_sub(MIN_RESERVED_FDS).max(1);
    serverlog!(
        Level::Warning,
        "You requested maxclients of {maxclients} requiring at least {wanted} max file descriptors."
    );
    if let Some(e) = last_err {
        serverlog!(
            Level::Warning,
            "Server can't set maximum open files to {wanted} because of OS error: {e}."
        );
    }
    serverlog!(
        Level::Warning,
        "Current maximum open files is {best}. maxclients has been reduced to {reduced} to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'."
    );
    reduced
}

/// The start-up banner. With `always-show-logo yes` (or a terminal) it is
/// a block that carries `PID: <pid>`, which Redis's test suite waits for;
/// otherwise one line, as Redis prints.
pub fn show_banner(srv: &Server) {
    let pid = std::process::id();
    let port = srv.config.port;
    let tty = unsafe_isatty_stdout();
    if srv.config.always_show_logo || (tty && srv.config.logfile.is_empty()) {
        let text = format!(
            "\n                 _ _\n   _ __ _   _  __| (_)___     rudis {RUDIS_VERSION} (Redis {REDIS_VERSION} compatible) 64 bit\n  | '__| | | |/ _` | / __|\n  | |  | |_| | (_| | \\__ \\    Running in standalone mode\n  |_|   \\__,_|\\__,_|_|___/    Port: {port}\n                              PID: {pid}\n\n"
        );
        log::write_raw(text.as_bytes());
    } else {
        serverlog!(Level::Notice, "Running mode=standalone, port={port}.");
    }
}

fn unsafe_isatty_stdout() -> bool {
    // SAFETY: isatty only inspects the descriptor number.
    unsafe { libc::isatty(libc::STDOUT_FILENO) == 1 }
}
