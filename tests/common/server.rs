//! Running the real server binary for a test.
//!
//! [`TestServer::start`] spawns `rudis-server` (or `RUDIS_TEST_SERVER_BIN`, e.g.
//! `/usr/bin/redis-server`) with the same command line a person would use:
//!
//! ```text
//! rudis-server [<dir>/test.conf] --port P --bind 127.0.0.1 --dir <dir> --save "" \
//!     --appendonly no --logfile <dir>/server.log [extra args...]
//! ```
//!
//! in a private temp dir on a free port, and returns once the port accepts connections AND the
//! log says `Ready to accept connections`. Each default directive is left out when the test
//! sets that directive itself (in `arg`s or in the config file text), so the test's value wins.
//! If the auto-picked port was taken meanwhile (the server logs `Failed listening on port` and
//! exits), it retries on another port.
//!
//! ```ignore
//! let srv = TestServer::start();
//! let srv = TestServer::builder()
//!     .arg("--requirepass").arg("secret")
//!     .config_file("maxmemory 10mb\n")
//!     .start();
//! let replica = TestServer::start_replica_of(&srv);
//! replica.wait_for_sync(Duration::from_secs(10));
//! ```
//!
//! Dropping a [`TestServer`] kills the process (SIGKILL) and removes its temp dir, unless
//! `RUDIS_KEEP_TEST_DIRS=1`. If the test is panicking, it first prints the tail of the server's
//! log and output, so a failing test shows what the server said.

use super::client::Client;
use super::{TempDir, POLL_INTERVAL};
use std::fmt;
use std::fs::{self, OpenOptions};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long [`ServerBuilder::start`] waits for a server to become ready.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long [`TestServer::stop`] waits after SIGTERM before SIGKILL.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// The log line that means the server accepts clients.
pub const READY_LINE: &str = "Ready to accept connections";
/// How many times an auto-picked port is replaced after a bind failure.
const PORT_ATTEMPTS: usize = 5;
/// Log file name in the server's dir (unless `logfile` is given).
const LOG_FILE: &str = "server.log";
/// Where the process's stdout and stderr go, in the server's dir.
const OUTPUT_FILE: &str = "stdout.log";
/// Config file name in the server's dir, when the test gives config text.
const CONFIG_FILE: &str = "test.conf";

/// The server binary under test: `RUDIS_TEST_SERVER_BIN` if set, else this crate's
/// `rudis-server`.
pub fn server_bin() -> PathBuf {
    match std::env::var_os("RUDIS_TEST_SERVER_BIN") {
        Some(p) if !p.is_empty() => p.into(),
        _ => PathBuf::from(env!("CARGO_BIN_EXE_rudis-server")),
    }
}

/// True when the binary under test is not rudis (tests may skip rudis-only checks).
pub fn testing_other_server() -> bool {
    std::env::var_os("RUDIS_TEST_SERVER_BIN").is_some_and(|p| !p.is_empty())
}

/// Why a server did not start.
#[derive(Debug)]
pub struct StartError {
    /// What went wrong, in words.
    pub reason: String,
    /// Exit status, if the process exited.
    pub exit: Option<ExitStatus>,
    /// True if the log says the port could not be bound.
    pub bind_failed: bool,
    /// The server's log for this run.
    pub log: String,
    /// The process's stdout and stderr for this run.
    pub output: String,
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\n--- log (tail) ---\n{}\n--- stdout/stderr (tail) ---\n{}",
            self.reason,
            tail(&self.log, 40),
            tail(&self.output, 40)
        )
    }
}

/// Options for starting a [`TestServer`]; build with [`TestServer::builder`].
#[derive(Debug, Clone)]
pub struct ServerBuilder {
    args: Vec<String>,
    config: Option<String>,
    dir: Option<PathBuf>,
    port: Option<u16>,
    bin: Option<PathBuf>,
    start_timeout: Duration,
}

impl ServerBuilder {
    fn new() -> ServerBuilder {
        ServerBuilder {
            args: Vec::new(),
            config: None,
            dir: None,
            port: None,
            bin: None,
            start_timeout: START_TIMEOUT,
        }
    }

    /// Appends one command-line argument (after the defaults, so it wins over them).
    pub fn arg(mut self, arg: impl Into<String>) -> ServerBuilder {
        self.args.push(arg.into());
        self
    }

    /// Appends several command-line arguments.
    pub fn args<I, S>(mut self, args: I) -> ServerBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Appends `--<name> <values...>`: `.directive("maxmemory", &["1mb"])`.
    pub fn directive(mut self, name: &str, values: &[&str]) -> ServerBuilder {
        self.args.push(format!("--{name}"));
        self.args.extend(values.iter().map(|v| v.to_string()));
        self
    }

    /// Writes `text` to `<dir>/test.conf` and passes that file as the config file (first
    /// argument). Default directives it sets are not added to the command line.
    pub fn config_file(mut self, text: impl Into<String>) -> ServerBuilder {
        self.config = Some(text.into());
        self
    }

    /// Runs the server in `dir` (which must exist and is not removed afterwards) instead of a
    /// fresh temp dir: for starting a server on another one's files.
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> ServerBuilder {
        self.dir = Some(dir.into());
        self
    }

    /// Listens on this port instead of a free one (no retry if it is taken).
    pub fn port(mut self, port: u16) -> ServerBuilder {
        self.port = Some(port);
        self
    }

    /// Makes the server a replica of `127.0.0.1:<port>` (`--replicaof 127.0.0.1 <port>`).
    pub fn replica_of(self, port: u16) -> ServerBuilder {
        self.arg("--replicaof")
            .arg("127.0.0.1")
            .arg(port.to_string())
    }

    /// Adds `--enable-debug-command yes` (Redis 7 refuses `DEBUG` from clients by default).
    pub fn enable_debug(self) -> ServerBuilder {
        self.directive("enable-debug-command", &["yes"])
    }

    /// Runs this binary instead of [`server_bin`].
    pub fn binary(mut self, path: impl Into<PathBuf>) -> ServerBuilder {
        self.bin = Some(path.into());
        self
    }

    /// How long to wait for readiness (default [`START_TIMEOUT`]).
    pub fn start_timeout(mut self, timeout: Duration) -> ServerBuilder {
        self.start_timeout = timeout;
        self
    }

    /// Starts the server and waits until it is ready; panics (with its log) if it is not.
    #[track_caller]
    pub fn start(self) -> TestServer {
        match self.try_start() {
            Ok(s) => s,
            Err(e) => panic!("server did not start: {e}"),
        }
    }

    /// Starts the server and waits until it is ready; `Err` carries its log and output, for
    /// tests that expect a start-up failure (bad config, unloadable files, ...).
    pub fn try_start(self) -> Result<TestServer, StartError> {
        let tmp = match self.dir.is_some() || self.value_of("dir").is_some() {
            true => None,
            false => Some(TempDir::new("rudis-test")),
        };
        let dir = match (&self.dir, self.value_of("dir"), &tmp) {
            (Some(d), _, _) => d.clone(),
            (None, Some(d), _) => PathBuf::from(d),
            (None, None, Some(t)) => t.path().to_path_buf(),
            (None, None, None) => unreachable!("a temp dir is made when no dir is given"),
        };
        let dir = fs::canonicalize(&dir).unwrap_or(dir);
        let config_path = match &self.config {
            Some(text) => {
                let path = dir.join(CONFIG_FILE);
                if let Err(e) = fs::write(&path, text) {
                    return Err(StartError {
                        reason: format!("cannot write {}: {e}", path.display()),
                        exit: None,
                        bind_failed: false,
                        log: String::new(),
                        output: String::new(),
                    });
                }
                Some(path)
            }
            None => None,
        };
        let fixed_port = self.port.or_else(|| {
            self.value_of("port")
                .map(|p| p.parse().expect("port directive must be a number"))
        });
        let output_path = dir.join(OUTPUT_FILE);
        let log_path = match self.value_of("logfile") {
            Some(f) if f.is_empty() => output_path.clone(),
            Some(f) => dir.join(f),
            None => dir.join(LOG_FILE),
        };
        let mut server = TestServer {
            child: None,
            port: 0,
            dir,
            tmp,
            config_path,
            log_path,
            output_path,
            run_log_start: 0,
            run_output_start: 0,
            argv: Vec::new(),
            bin: self.bin.clone().unwrap_or_else(server_bin),
            start_timeout: self.start_timeout,
            exit: None,
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            server.port = fixed_port.unwrap_or_else(super::free_port);
            server.argv = self.argv(&server);
            match server.launch() {
                Ok(()) => return Ok(server),
                Err(e) if e.bind_failed && fixed_port.is_none() && attempt < PORT_ATTEMPTS => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The full argument list: config file, defaults the test did not set, the test's args.
    fn argv(&self, server: &TestServer) -> Vec<String> {
        let mut argv = Vec::new();
        if let Some(path) = &server.config_path {
            argv.push(path.display().to_string());
        }
        let defaults: [(&str, String); 6] = [
            ("port", server.port.to_string()),
            ("bind", "127.0.0.1".into()),
            ("dir", server.dir.display().to_string()),
            ("save", String::new()),
            ("appendonly", "no".into()),
            ("logfile", server.log_path.display().to_string()),
        ];
        for (name, value) in defaults {
            if !self.sets(name) {
                argv.push(format!("--{name}"));
                argv.push(value);
            }
        }
        argv.extend(self.args.iter().cloned());
        argv
    }

    /// Whether the test sets directive `name` in its args or config text.
    fn sets(&self, name: &str) -> bool {
        let flag = format!("--{name}");
        self.args.iter().any(|a| a.eq_ignore_ascii_case(&flag)) || self.config_value(name).is_some()
    }

    /// The value the test gives directive `name` (args win over the config file; the last one
    /// wins), unquoted.
    fn value_of(&self, name: &str) -> Option<String> {
        let flag = format!("--{name}");
        let from_args = self
            .args
            .iter()
            .rposition(|a| a.eq_ignore_ascii_case(&flag))
            .map(|i| self.args.get(i + 1).cloned().unwrap_or_default());
        from_args.or_else(|| self.config_value(name))
    }

    fn config_value(&self, name: &str) -> Option<String> {
        let text = self.config.as_deref()?;
        text.lines().rev().find_map(|l| {
            let l = l.trim();
            let (key, rest) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            key.eq_ignore_ascii_case(name).then(|| unquote(rest.trim()))
        })
    }
}

fn unquote(s: &str) -> String {
    let quoted = s.len() >= 2
        && ((s.starts_with('"') && s.ends_with('"')) || (s.starts_with('\'') && s.ends_with('\'')));
    match quoted {
        true => s[1..s.len() - 1].to_string(),
        false => s.to_string(),
    }
}

/// A running (or stopped, restartable) server process with its own dir and port.
#[derive(Debug)]
pub struct TestServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    /// Owned temp dir (None when the test chose the dir); removed on drop.
    tmp: Option<TempDir>,
    config_path: Option<PathBuf>,
    log_path: PathBuf,
    output_path: PathBuf,
    /// Length of the log / output files when the current run started.
    run_log_start: usize,
    run_output_start: usize,
    argv: Vec<String>,
    bin: PathBuf,
    start_timeout: Duration,
    /// Exit status of the last run, once reaped.
    exit: Option<ExitStatus>,
}

impl TestServer {
    /// Starts a server with the default options.
    #[track_caller]
    pub fn start() -> TestServer {
        TestServer::builder().start()
    }

    /// Options for a server: `TestServer::builder().arg("--maxmemory").arg("1mb").start()`.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::new()
    }

    /// Starts a server replicating from `master` (`--replicaof 127.0.0.1 <master port>`); it
    /// is ready for clients, not necessarily synced: see [`TestServer::wait_for_sync`].
    #[track_caller]
    pub fn start_replica_of(master: &TestServer) -> TestServer {
        TestServer::builder().replica_of(master.port()).start()
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's working dir (`dir`): RDB, AOF, logs, config file.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The config file written from [`ServerBuilder::config_file`], if any.
    pub fn config_path(&self) -> Option<&Path> {
        self.config_path.as_deref()
    }

    /// The log file.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The command-line arguments the server runs with (after the binary).
    pub fn args(&self) -> &[String] {
        &self.argv
    }

    /// The pid of the running process; panics if it is not running.
    #[track_caller]
    pub fn pid(&self) -> u32 {
        match &self.child {
            Some(c) => c.id(),
            None => panic!("server on port {} is not running", self.port),
        }
    }

    /// True while the process has not exited (reaps it if it has).
    pub fn is_running(&mut self) -> bool {
        let Some(child) = &mut self.child else {
            return false;
        };
        match child.try_wait() {
            Ok(None) => true,
            Ok(Some(status)) => {
                self.exit = Some(status);
                self.child = None;
                false
            }
            Err(_) => false,
        }
    }

    /// Exit status of the last run, once it has exited and been reaped.
    pub fn exit_status(&mut self) -> Option<ExitStatus> {
        self.is_running();
        self.exit
    }

    /// A new client connection to this server.
    #[track_caller]
    pub fn client(&self) -> Client {
        Client::connect(self.port)
    }

    /// `redis-cli -p <port> args...`: see [`super::redis_cli`].
    #[track_caller]
    pub fn cli(&self, args: &[&str]) -> (String, String, ExitStatus) {
        super::redis_cli(self.port, args)
    }

    /// The whole log file, every run included.
    pub fn log(&self) -> String {
        read_from(&self.log_path, 0)
    }

    /// The log of the current (or last) run only.
    pub fn run_log(&self) -> String {
        read_from(&self.log_path, self.run_log_start)
    }

    /// The process's stdout and stderr for the current (or last) run.
    pub fn output(&self) -> String {
        read_from(&self.output_path, self.run_output_start)
    }

    /// A position in the log, for [`TestServer::wait_for_log_from`]: "a line written after
    /// this point".
    pub fn log_mark(&self) -> usize {
        fs::metadata(&self.log_path)
            .map(|m| m.len() as usize)
            .unwrap_or(0)
    }

    /// Waits until a log line of the current run contains `needle`, and returns that line;
    /// panics with the log on timeout.
    #[track_caller]
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> String {
        self.wait_for_log_from(self.run_log_start, needle, timeout)
    }

    /// Waits until a log line written after `mark` ([`TestServer::log_mark`]) contains
    /// `needle`, and returns that line; panics with the log on timeout.
    #[track_caller]
    pub fn wait_for_log_from(&self, mark: usize, needle: &str, timeout: Duration) -> String {
        match self.try_wait_for_log_from(mark, needle, timeout) {
            Some(line) => line,
            None => panic!(
                "no log line containing {needle:?} within {timeout:?} (server on port {})\n\
                 --- log since mark (tail) ---\n{}",
                self.port,
                tail(&read_from(&self.log_path, mark), 40)
            ),
        }
    }

    /// Like [`TestServer::wait_for_log_from`], returning `None` on timeout.
    pub fn try_wait_for_log_from(
        &self,
        mark: usize,
        needle: &str,
        timeout: Duration,
    ) -> Option<String> {
        let mut found = None;
        super::wait_until(timeout, || {
            found = read_from(&self.log_path, mark)
                .lines()
                .find(|l| l.contains(needle))
                .map(str::to_owned);
            found.is_some()
        });
        found
    }

    /// Sends signal `sig` (`libc::SIGUSR1`, ...) to the running process.
    #[track_caller]
    pub fn signal(&self, sig: i32) {
        let pid = self.pid() as libc::pid_t;
        // SAFETY: kill(2) only sends a signal; `pid` is our own unreaped child, so it cannot
        // have been recycled for another process.
        let rc = unsafe { libc::kill(pid, sig) };
        assert_eq!(rc, 0, "kill({pid}, {sig}) failed");
    }

    /// Freezes the process (SIGSTOP): it stops answering but keeps its sockets open.
    #[track_caller]
    pub fn freeze(&self) {
        self.signal(libc::SIGSTOP);
    }

    /// Thaws a process frozen by [`TestServer::freeze`] (SIGCONT).
    #[track_caller]
    pub fn unfreeze(&self) {
        self.signal(libc::SIGCONT);
    }

    /// Graceful stop: SIGTERM, wait up to [`STOP_TIMEOUT`], then SIGKILL. Returns the exit
    /// status (that of the earlier exit if it had already stopped). The dir stays, for
    /// [`TestServer::restart`] or inspection.
    pub fn stop(&mut self) -> ExitStatus {
        if self.is_running() {
            self.signal(libc::SIGCONT); // a frozen process cannot handle SIGTERM
            self.signal(libc::SIGTERM);
            if self.wait_exit(STOP_TIMEOUT).is_none() {
                eprintln!(
                    "server on port {} ignored SIGTERM for {STOP_TIMEOUT:?}; killing it",
                    self.port
                );
                return self.kill9();
            }
        }
        self.exit.unwrap_or_else(|| ExitStatus::from_raw(0))
    }

    /// Kills the process with SIGKILL (a crash: nothing is saved) and reaps it.
    pub fn kill9(&mut self) -> ExitStatus {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            if let Ok(status) = child.wait() {
                self.exit = Some(status);
            }
        }
        self.exit.unwrap_or_else(|| ExitStatus::from_raw(0))
    }

    /// Waits up to `timeout` for the process to exit on its own (after `SHUTDOWN`, a fatal
    /// error...); returns its status, or `None` if it is still running.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        super::wait_until(timeout, || !self.is_running());
        match self.child {
            None => self.exit,
            Some(_) => None,
        }
    }

    /// Stops the server (SIGTERM, as [`TestServer::stop`]) if it runs, and starts it again
    /// with the same port, dir and arguments; panics if it does not come back.
    #[track_caller]
    pub fn restart(&mut self) {
        self.stop();
        if let Err(e) = self.start_again() {
            panic!("server did not restart: {e}");
        }
    }

    /// Starts a stopped server again with the same port, dir and arguments (retrying a few
    /// times while the old port is still held).
    pub fn start_again(&mut self) -> Result<(), StartError> {
        assert!(
            !self.is_running(),
            "server on port {} still runs",
            self.port
        );
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.launch() {
                Err(e) if e.bind_failed && attempt < 20 => std::thread::sleep(POLL_INTERVAL * 10),
                other => return other,
            }
        }
    }

    /// Spawns the process with `self.argv` and waits until it is ready.
    fn launch(&mut self) -> Result<(), StartError> {
        self.run_log_start = file_len(&self.log_path);
        self.run_output_start = file_len(&self.output_path);
        self.exit = None;
        let fail = |s: &TestServer, reason: String, exit: Option<ExitStatus>| {
            let log = s.run_log();
            let output = s.output();
            let bind_failed = [&log, &output].iter().any(|t| {
                t.contains("Failed listening on port") || t.contains("Address already in use")
            });
            StartError {
                reason,
                exit,
                bind_failed,
                log,
                output,
            }
        };
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.output_path)
            .and_then(|f| Ok((f.try_clone()?, f)));
        let (out, err) = match out {
            Ok(pair) => pair,
            Err(e) => {
                let reason = format!("cannot open {}: {e}", self.output_path.display());
                return Err(fail(self, reason, None));
            }
        };
        let child = Command::new(&self.bin)
            .args(&self.argv)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn();
        match child {
            Ok(c) => self.child = Some(c),
            Err(e) => {
                let reason = format!("cannot run {}: {e}", self.bin.display());
                return Err(fail(self, reason, None));
            }
        }
        let deadline = Instant::now() + self.start_timeout;
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        loop {
            if !self.is_running() {
                let reason = format!(
                    "{} {} exited before becoming ready: {:?}",
                    self.bin.display(),
                    shell_words(&self.argv),
                    self.exit
                );
                return Err(fail(self, reason, self.exit));
            }
            let ready = self.run_log().contains(READY_LINE)
                && (self.port == 0
                    || TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok());
            if ready {
                return Ok(());
            }
            if Instant::now() >= deadline {
                self.kill9();
                let reason = format!(
                    "{} {} not ready within {:?} (no {READY_LINE:?} in the log, or port {} \
                     refused connections)",
                    self.bin.display(),
                    shell_words(&self.argv),
                    self.start_timeout,
                    self.port
                );
                return Err(fail(self, reason, None));
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }

    /// On a replica: waits until `INFO replication` says `master_link_status:up` (the initial
    /// sync is done); panics with the log on timeout.
    #[track_caller]
    pub fn wait_for_sync(&self, timeout: Duration) {
        let up = super::wait_until(timeout, || {
            let Ok(mut c) = Client::try_connect(self.port) else {
                return false;
            };
            matches!(c.try_cmd(&["INFO", "replication"]),
                Ok(r) if !r.is_error() && r.as_str().contains("master_link_status:up"))
        });
        if !up {
            panic!(
                "replica on port {} not synced within {timeout:?}\n--- log (tail) ---\n{}",
                self.port,
                tail(&self.run_log(), 40)
            );
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "--- server on port {} ({}) log (tail) ---\n{}\n--- stdout/stderr (tail) ---\n{}",
                self.port,
                self.dir.display(),
                tail(&self.run_log(), 40),
                tail(&self.output(), 20)
            );
        }
        self.kill9();
        // `tmp` (if ours) is removed when it drops, after the process is gone.
    }
}

/// Waits until `replica` has processed everything `master` produced: their
/// `master_repl_offset`s in `INFO replication` are equal. Panics on timeout.
#[track_caller]
pub fn wait_for_ofs_sync(master: &TestServer, replica: &TestServer, timeout: Duration) {
    let offset = |s: &TestServer| -> Option<String> {
        Client::try_connect(s.port())
            .ok()?
            .try_cmd(&["INFO", "replication"])
            .ok()
            .filter(|r| !r.is_error())
            .and_then(|r| super::client::parse_info(r.as_str()).remove("master_repl_offset"))
    };
    let mut last = (None, None);
    let synced = super::wait_until(timeout, || {
        last = (offset(master), offset(replica));
        last.0.is_some() && last.0 == last.1
    });
    if !synced {
        panic!(
            "replica on port {} did not catch up with master on port {} within {timeout:?}: \
             offsets (master, replica) = {last:?}",
            replica.port(),
            master.port()
        );
    }
}

fn file_len(path: &Path) -> usize {
    fs::metadata(path).map(|m| m.len() as usize).unwrap_or(0)
}

/// The file's contents from byte `from` on, as lossy UTF-8 ("" if missing).
fn read_from(path: &Path, from: usize) -> String {
    match fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(bytes.get(from..).unwrap_or_default()).into_owned(),
        Err(_) => String::new(),
    }
}

/// Arguments as a shell would need them typed (empty or spaced ones quoted), for messages.
fn shell_words(argv: &[String]) -> String {
    let quote = |a: &String| match a.is_empty() || a.contains(char::is_whitespace) {
        true => format!("{a:?}"),
        false => a.clone(),
    };
    argv.iter().map(quote).collect::<Vec<_>>().join(" ")
}

/// The last `n` lines of `text`.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
