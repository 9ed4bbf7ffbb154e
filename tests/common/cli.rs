//! Wrappers around the real `redis-cli` and `redis-benchmark` binaries.
//!
//! These prove that stock Redis tools work against the server: `redis-cli` speaks
//! RESP, negotiates RESP3 with `-3`, pipes with `--pipe`; `redis-benchmark` hammers it with
//! pipelined clients. Each run is bounded by a timeout and killed past it, so a hung server
//! fails the test rather than hanging it. They come from Debian's `redis-tools` package.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long a `redis-cli` run may take.
pub const CLI_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a `redis-benchmark` run may take.
pub const BENCHMARK_TIMEOUT: Duration = Duration::from_secs(300);

/// `redis-cli` to run: `RUDIS_TEST_CLI_BIN`, else `redis-cli` from `PATH`.
pub fn cli_bin() -> PathBuf {
    bin_from_env("RUDIS_TEST_CLI_BIN", "redis-cli")
}

/// `redis-benchmark` to run: `RUDIS_TEST_BENCHMARK_BIN`, else `redis-benchmark` from `PATH`.
pub fn benchmark_bin() -> PathBuf {
    bin_from_env("RUDIS_TEST_BENCHMARK_BIN", "redis-benchmark")
}

fn bin_from_env(var: &str, default: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(p) if !p.is_empty() => p.into(),
        _ => default.into(),
    }
}

/// Runs `redis-cli -h 127.0.0.1 -p <port> <args...>` with no input; returns
/// `(stdout, stderr, status)`.
///
/// ```ignore
/// let (out, _, status) = redis_cli(srv.port(), &["GET", "k"]);
/// assert!(status.success());
/// assert_eq!(out, "v\n");
/// ```
#[track_caller]
pub fn redis_cli(port: u16, args: &[&str]) -> (String, String, ExitStatus) {
    redis_cli_stdin(port, args, b"")
}

/// Like [`redis_cli`], feeding `stdin` to the tool (for `--pipe`, `-x`, or commands on
/// standard input).
#[track_caller]
pub fn redis_cli_stdin(port: u16, args: &[&str], stdin: &[u8]) -> (String, String, ExitStatus) {
    let mut cmd = Command::new(cli_bin());
    cmd.args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args);
    run_with_timeout(cmd, stdin, CLI_TIMEOUT)
}

/// Runs `redis-benchmark -h 127.0.0.1 -p <port> <args...>` (e.g. `&["-n", "1000", "-t",
/// "set,get", "-q"]`); returns `(stdout, stderr, status)`.
#[track_caller]
pub fn redis_benchmark(port: u16, args: &[&str]) -> (String, String, ExitStatus) {
    let mut cmd = Command::new(benchmark_bin());
    cmd.args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args);
    run_with_timeout(cmd, b"", BENCHMARK_TIMEOUT)
}

/// Runs `cmd` with `stdin` as its input, collecting stdout and stderr (as lossy UTF-8);
/// kills it and panics if it runs longer than `timeout` or cannot be started.
#[track_caller]
pub fn run_with_timeout(
    mut cmd: Command,
    stdin: &[u8],
    timeout: Duration,
) -> (String, String, ExitStatus) {
    let shown = format!("{cmd:?}");
    let mut child = match cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("cannot run {shown}: {e} (is redis-tools installed?)"),
    };
    let input = stdin.to_vec();
    let mut child_in = child.stdin.take().expect("piped stdin");
    // Writing stdin in its own thread: a large input must not block us from draining output.
    let writer = thread::spawn(move || {
        let _ = child_in.write_all(&input);
    });
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_reader = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_reader = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{shown} did not finish within {timeout:?}");
            }
            Err(e) => panic!("waiting for {shown}: {e}"),
        }
    };
    let _ = writer.join();
    let out = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    (
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
        status,
    )
}
