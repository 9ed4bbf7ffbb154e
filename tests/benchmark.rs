//! The stock `redis-benchmark` against the server: every test it runs completes without an
//! error, with and without pipelining, and leaves the data a client expects behind.
//!
//! `RUDIS_TEST_SERVER_BIN=/usr/bin/redis-server cargo test --test benchmark` runs the same
//! assertions against real Redis.

mod common;

use common::{redis_benchmark, TestServer};

/// The tests `redis-benchmark -t` runs here, and the name each reports.
const TESTS: &str = "ping_inline,ping_mbulk,set,get,incr,mset";
const NAMES: [&str; 6] = [
    "PING_INLINE",
    "PING_MBULK",
    "SET",
    "GET",
    "INCR",
    "MSET (10 keys)",
];
const REQUESTS: i64 = 20_000;

/// Runs `redis-benchmark -q -n 20000 -t ... [extra]` and checks that it succeeded, that it
/// reported each test once with a rate, and that nothing in its output mentions an error.
#[track_caller]
fn run_benchmark(port: u16, extra: &[&str]) {
    let n = REQUESTS.to_string();
    let mut args = vec!["-q", "-n", n.as_str(), "-t", TESTS];
    args.extend_from_slice(extra);
    let (out, errout, status) = redis_benchmark(port, &args);
    let all = format!("{out}{errout}");
    assert!(status.success(), "redis-benchmark {args:?} failed: {all}");
    for bad in ["ERR", "Error", "error"] {
        assert!(
            !all.contains(bad),
            "{bad:?} in redis-benchmark output: {all}"
        );
    }
    // With -q each test ends with `NAME: <rate> requests per second, p50=<ms> msec`, after
    // progress lines separated by carriage returns.
    let finals: Vec<&str> = all
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|l| l.contains(" requests per second"))
        .collect();
    for name in NAMES {
        let lines: Vec<&&str> = finals
            .iter()
            .filter(|l| l.starts_with(&format!("{name}: ")))
            .collect();
        assert_eq!(lines.len(), 1, "no single result line for {name} in: {all}");
        let rate: f64 = lines[0][name.len() + 2..]
            .split(' ')
            .next()
            .and_then(|r| r.parse().ok())
            .unwrap_or_else(|| panic!("no rate in {:?}", lines[0]));
        assert!(rate > 0.0, "{}", lines[0]);
    }
}

#[test]
fn redis_benchmark_runs_clean_with_and_without_pipelining() {
    let srv = TestServer::start();
    run_benchmark(srv.port(), &[]);
    run_benchmark(srv.port(), &["-P", "16"]);
    // Without -r every test uses one literal key: SET/GET/MSET `key:__rand_int__`, INCR
    // `counter:__rand_int__`, which counted every request of both runs.
    let mut c = srv.client();
    assert_eq!(c.cmd(&["DBSIZE"]), 2);
    assert_eq!(c.cmd(&["GET", "key:__rand_int__"]).as_bytes().len(), 3);
    assert_eq!(
        c.cmd(&["GET", "counter:__rand_int__"]),
        (2 * REQUESTS).to_string()
    );
    assert_eq!(c.cmd(&["PING"]), "PONG");
}
