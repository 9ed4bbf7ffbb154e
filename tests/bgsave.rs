//! Background saving as a user sees it: BGSAVE forks a child whose dump a restart loads, save
//! points start one on their own, a failed one makes writes fail with `-MISCONF` until a save
//! succeeds (and leaves the old dump alone), SHUTDOWN and SIGTERM save the final snapshot
//! when save points exist (NOSAVE / SAVE / FORCE override), and INFO persistence tells all of
//! it. Every test also holds for a real `redis-server` 7.0
//! (`RUDIS_TEST_SERVER_BIN=/usr/bin/redis-server cargo test --test bgsave`).
//!
//! The suite runs as root in CI, so "the disk refuses the dump" is staged in ways that fail
//! for root too: a directory where the dump should go (rename fails), a working directory
//! that was removed, and a file-size limit on the server (the write fails mid-dump, like a
//! full disk).

mod common;

use common::{wait_for, Client, TestServer};
use std::path::Path;
use std::time::Duration;

const SECS_10: Duration = Duration::from_secs(10);

/// Redis's shared.bgsaveerr, the refusal of writes after a failed background save.
const MISCONF: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

fn persistence(c: &mut Client, field: &str) -> String {
    c.info_field("persistence", field)
        .unwrap_or_else(|| panic!("INFO persistence has no {field}"))
}

#[track_caller]
fn wait_bgsave_done(c: &mut Client) {
    wait_for(SECS_10, "the BGSAVE child to finish", || {
        persistence(c, "rdb_bgsave_in_progress") == "0"
    });
}

fn digest(c: &mut Client) -> String {
    c.cmd(&["DEBUG", "DIGEST"]).as_str().to_owned()
}

/// Names of the files in `dir` that start with `temp-` (a save's unfinished file).
fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("temp-"))
                .collect()
        })
        .unwrap_or_default()
}

fn fill(c: &mut Client, n: usize) {
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let mut args = vec!["MSET".to_string()];
        for i in chunk {
            args.push(format!("key:{i}"));
            args.push(format!("value-{i}-{}", "x".repeat(i % 50)));
        }
        c.cmd(&args).assert_ok();
    }
    c.cmd(&["RPUSH", "list", "a", "b", "c"]);
    c.cmd(&["HSET", "hash", "f", "v"]);
    c.cmd(&["SADD", "set", "1", "2", "3"]);
    c.cmd(&["ZADD", "zset", "1", "m"]);
    c.cmd(&["PEXPIRE", "key:1", "100000000"]);
}

#[test]
fn bgsave_writes_a_dump_that_a_restart_loads() {
    let mut srv = TestServer::builder().enable_debug().start();
    let mut c = srv.client();
    fill(&mut c, 5000);
    let before = digest(&mut c);
    let lastsave = c.cmd(&["LASTSAVE"]).as_int();
    assert!(
        persistence(&mut c, "rdb_changes_since_last_save")
            .parse::<u64>()
            .unwrap()
            > 0
    );
    std::thread::sleep(Duration::from_millis(1100)); // so LASTSAVE visibly moves
    assert_eq!(c.cmd(&["BGSAVE"]), "Background saving started");
    wait_bgsave_done(&mut c);
    let info = c.info("persistence");
    assert_eq!(info["rdb_last_bgsave_status"], "ok");
    assert_eq!(info["rdb_changes_since_last_save"], "0");
    assert_eq!(info["rdb_saves"], "1");
    assert_eq!(info["rdb_current_bgsave_time_sec"], "-1");
    assert_ne!(info["rdb_last_bgsave_time_sec"], "-1");
    // The child dirtied some pages of its own at least (its stack, its write buffer).
    assert!(
        info["rdb_last_cow_size"].parse::<u64>().unwrap() > 0,
        "{info:?}"
    );
    let stats = c.info("stats");
    assert_eq!(stats["total_forks"], "1");
    assert!(stats["latest_fork_usec"].parse::<u64>().unwrap() > 0);
    assert!(c.cmd(&["LASTSAVE"]).as_int() > lastsave);
    srv.wait_for_log("Background saving terminated with success", SECS_10);
    let log = srv.log();
    assert!(log.contains("Background saving started by pid"), "{log}");
    assert!(log.contains("DB saved on disk"), "{log}");
    assert!(srv.dir().join("dump.rdb").exists());
    assert!(temp_files(srv.dir()).is_empty());
    // A crash right after: what comes back is the background save's dump.
    drop(c);
    srv.kill9();
    srv.start_again().expect("restart");
    let mut c = srv.client();
    assert_eq!(digest(&mut c), before);
    let ttl = c.cmd(&["PTTL", "key:1"]).as_int();
    assert!(ttl > 99_000_000, "{ttl}");
}

#[test]
fn one_child_at_a_time_and_flushall_stops_it() {
    let srv = TestServer::builder().enable_debug().start();
    let mut c = srv.client();
    fill(&mut c, 100);
    // 100 keys at 50 ms each: the child runs for 5 s unless stopped.
    c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "50000"])
        .assert_ok();
    assert_eq!(c.cmd(&["BGSAVE"]), "Background saving started");
    assert_eq!(persistence(&mut c, "rdb_bgsave_in_progress"), "1");
    assert_eq!(persistence(&mut c, "current_save_keys_total"), "104");
    assert_eq!(
        c.cmd(&["BGSAVE"]).as_err(),
        "ERR Background save already in progress"
    );
    assert_eq!(
        c.cmd(&["BGSAVE", "SCHEDULE"]).as_err(),
        "ERR Background save already in progress"
    );
    assert_eq!(
        c.cmd(&["SAVE"]).as_err(),
        "ERR Background save already in progress"
    );
    c.cmd(&["BGSAVE", "NOW"])
        .assert_err_prefix("ERR syntax error");
    // The child's temp file is there while it works.
    wait_for(SECS_10, "the child's temp file", || {
        !temp_files(srv.dir()).is_empty()
    });
    // FLUSHALL stops it with SIGUSR1: not a failure, and the temp file goes.
    c.cmd(&["FLUSHALL"]).assert_ok();
    wait_bgsave_done(&mut c);
    assert_eq!(persistence(&mut c, "rdb_last_bgsave_status"), "ok");
    srv.wait_for_log("Background saving terminated by signal 10", SECS_10);
    assert!(
        temp_files(srv.dir()).is_empty(),
        "{:?}",
        temp_files(srv.dir())
    );
    assert!(!srv.dir().join("dump.rdb").exists());
    c.cmd(&["SET", "still", "writable"]).assert_ok();
}

#[test]
fn a_save_point_starts_a_bgsave() {
    let srv = TestServer::builder().arg("--save").arg("1 3").start();
    let mut c = srv.client();
    c.cmd(&["SET", "a", "1"]).assert_ok();
    c.cmd(&["SET", "b", "2"]).assert_ok();
    // Two changes are fewer than the point's three: nothing happens.
    std::thread::sleep(Duration::from_millis(1300));
    assert!(!srv.dir().join("dump.rdb").exists());
    c.cmd(&["SET", "c", "3"]).assert_ok();
    srv.wait_for_log("3 changes in 1 seconds. Saving...", SECS_10);
    srv.wait_for_log("Background saving terminated with success", SECS_10);
    assert!(srv.dir().join("dump.rdb").exists());
    assert_eq!(persistence(&mut c, "rdb_changes_since_last_save"), "0");
    // CONFIG SET save "" turns the points off.
    c.cmd(&["CONFIG", "SET", "save", ""]).assert_ok();
    let saved = srv.log().matches("Saving...").count();
    for k in ["d", "e", "f", "g"] {
        c.cmd(&["SET", k, "1"]).assert_ok();
    }
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(srv.log().matches("Saving...").count(), saved);
}

#[test]
fn a_failed_bgsave_refuses_writes_until_a_save_succeeds() {
    let srv = TestServer::builder()
        .enable_debug()
        .arg("--save")
        .arg("3600 1")
        .start();
    let mut c = srv.client();
    c.cmd(&["SET", "x", "1"]).assert_ok();
    // Something else holds the dump's name: the child's rename fails.
    let dump = srv.dir().join("dump.rdb");
    std::fs::create_dir(&dump).expect("mkdir dump.rdb");
    assert_eq!(c.cmd(&["BGSAVE"]), "Background saving started");
    wait_bgsave_done(&mut c);
    assert_eq!(persistence(&mut c, "rdb_last_bgsave_status"), "err");
    srv.wait_for_log("Background saving error", SECS_10);
    let line = srv.wait_for_log("Error moving temp DB file", SECS_10);
    assert!(line.contains("Is a directory"), "{line}");
    assert!(temp_files(srv.dir()).is_empty());

    // Writes are refused, reads go on.
    assert_eq!(c.cmd(&["SET", "x", "2"]).as_err(), MISCONF);
    assert_eq!(c.cmd(&["DEL", "x"]).as_err(), MISCONF);
    assert_eq!(c.cmd(&["GET", "x"]), "1");
    assert_eq!(c.cmd(&["DBSIZE"]).as_int(), 1);
    // Inside MULTI the refusal dooms the transaction.
    c.cmd(&["MULTI"]).assert_ok();
    assert_eq!(c.cmd(&["SET", "x", "3"]).as_err(), MISCONF);
    c.cmd(&["EXEC"]).assert_err_prefix("EXECABORT");
    // Turning the option off, or the save points off, lets writes through.
    c.cmd(&["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"])
        .assert_ok();
    c.cmd(&["SET", "x", "4"]).assert_ok();
    c.cmd(&["CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"])
        .assert_ok();
    assert_eq!(c.cmd(&["SET", "x", "5"]).as_err(), MISCONF);

    // Once a save succeeds, writes are accepted again.
    std::fs::remove_dir(&dump).expect("rmdir dump.rdb");
    assert_eq!(c.cmd(&["BGSAVE"]), "Background saving started");
    wait_bgsave_done(&mut c);
    assert_eq!(persistence(&mut c, "rdb_last_bgsave_status"), "ok");
    c.cmd(&["SET", "x", "6"]).assert_ok();
    assert!(dump.is_file());
}

#[test]
fn a_bgsave_into_a_removed_dir_fails_and_names_the_remedy() {
    let srv = TestServer::builder()
        .arg("--save")
        .arg("3600 1")
        .arg("--enable-protected-configs")
        .arg("yes")
        .start();
    let mut c = srv.client();
    let sub = srv.dir().join("gone");
    std::fs::create_dir(&sub).expect("mkdir");
    c.cmd(&["CONFIG", "SET", "dir", &sub.display().to_string()])
        .assert_ok();
    std::fs::remove_dir(&sub).expect("rmdir");
    c.cmd(&["SET", "k", "v"]).assert_ok();
    assert_eq!(c.cmd(&["BGSAVE"]), "Background saving started");
    wait_bgsave_done(&mut c);
    assert_eq!(persistence(&mut c, "rdb_last_bgsave_status"), "err");
    let line = srv.wait_for_log("Failed opening the temp RDB file", SECS_10);
    assert!(line.contains("No such file or directory"), "{line}");
    if !common::server::testing_other_server() {
        assert!(line.contains("CONFIG SET dir"), "the remedy: {line}");
    }
    assert_eq!(c.cmd(&["SET", "k", "w"]).as_err(), MISCONF);
    // Pointing dir somewhere real and saving there recovers.
    c.cmd(&["CONFIG", "SET", "dir", &srv.dir().display().to_string()])
        .assert_ok();
    c.cmd(&["SAVE"]).assert_ok();
    c.cmd(&["SET", "k", "w"]).assert_ok();
}

/// Sets the soft limit on the size of files process `pid` (and the children it forks later)
/// may write: Linux's prlimit(2) on another process of ours. Only the soft limit moves, so
/// no privilege is needed to lift it again.
fn set_file_size_limit(pid: u32, bytes: u64) {
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

#[test]
fn a_bgsave_that_runs_out_of_room_keeps_the_old_dump() {
    let mut srv = TestServer::builder()
        .enable_debug()
        .arg("--save")
        .arg("3600 1")
        .start();
    let mut c = srv.client();
    c.cmd(&["SET", "k", "old"]).assert_ok();
    c.cmd(&["SAVE"]).assert_ok();
    let dump = srv.dir().join("dump.rdb");
    let old_dump = std::fs::read(&dump).expect("dump");
    // 2 MB of new data against a 256 KiB file-size limit: the child's write fails mid-dump,
    // as on a full disk.
    c.cmd(&["SET", "k", "new"]).assert_ok();
    c.cmd(&["CONFIG", "SET", "rdbcompression", "no"])
        .assert_ok();
    c.cmd(&["DEBUG", "POPULATE", "2000", "big", "1000"])
        .assert_ok();
    set_file_size_limit(srv.pid(), 256 * 1024);
    assert_eq!(c.cmd(&["BGSAVE"]), "Background saving started");
    wait_bgsave_done(&mut c);
    set_file_size_limit(srv.pid(), u64::MAX);
    assert_eq!(persistence(&mut c, "rdb_last_bgsave_status"), "err");
    assert_eq!(
        std::fs::read(&dump).expect("dump"),
        old_dump,
        "old dump untouched"
    );
    wait_for(SECS_10, "the temp file to be removed", || {
        temp_files(srv.dir()).is_empty()
    });
    assert_eq!(c.cmd(&["SET", "k", "newer"]).as_err(), MISCONF);
    // A crash now brings back the last good dump.
    drop(c);
    srv.kill9();
    srv.start_again().expect("restart");
    let mut c = srv.client();
    assert_eq!(c.cmd(&["GET", "k"]), "old");
}

#[test]
fn shutdown_saves_when_save_points_exist_and_nosave_does_not() {
    let mut srv = TestServer::builder().arg("--save").arg("3600 1").start();
    let mut c = srv.client();
    c.cmd(&["SET", "first", "1"]).assert_ok();
    assert!(c.try_cmd(&["SHUTDOWN"]).is_err(), "SHUTDOWN does not reply");
    let status = srv.wait_exit(SECS_10).expect("exit");
    assert!(status.success(), "{status:?}");
    let log = srv.log();
    assert!(
        log.contains("Saving the final RDB snapshot before exiting."),
        "{log}"
    );
    assert!(log.contains("is now ready to exit, bye bye..."), "{log}");
    srv.start_again().expect("restart");
    let mut c = srv.client();
    assert_eq!(c.cmd(&["GET", "first"]), "1");
    c.cmd(&["SET", "second", "2"]).assert_ok();
    let _ = c.try_cmd(&["SHUTDOWN", "NOSAVE"]);
    srv.wait_exit(SECS_10).expect("exit");
    srv.start_again().expect("restart");
    let mut c = srv.client();
    assert!(
        c.cmd(&["GET", "second"]).is_nil(),
        "NOSAVE kept the old dump"
    );
    assert_eq!(c.cmd(&["GET", "first"]), "1");
    // Without save points nothing is saved, unless SAVE is asked for.
    c.cmd(&["CONFIG", "SET", "save", ""]).assert_ok();
    c.cmd(&["SET", "third", "3"]).assert_ok();
    let _ = c.try_cmd(&["SHUTDOWN", "SAVE"]);
    srv.wait_exit(SECS_10).expect("exit");
    srv.start_again().expect("restart");
    let mut c = srv.client();
    assert_eq!(c.cmd(&["GET", "third"]), "3");
    c.cmd(&["SHUTDOWN", "SAVE", "NOSAVE"])
        .assert_err_prefix("ERR syntax error");
    c.cmd(&["SHUTDOWN", "ABORT", "NOW"])
        .assert_err_prefix("ERR syntax error");
    assert_eq!(
        c.cmd(&["SHUTDOWN", "ABORT"]).as_err(),
        "ERR No shutdown in progress."
    );
}

#[test]
fn sigterm_saves_and_shutdown_on_sigterm_nosave_does_not() {
    let mut srv = TestServer::builder().arg("--save").arg("3600 1").start();
    let mut c = srv.client();
    c.cmd(&["SET", "k", "1"]).assert_ok();
    let status = srv.stop();
    assert!(status.success(), "{status:?}");
    let log = srv.log();
    assert!(
        log.contains("Received SIGTERM scheduling shutdown..."),
        "{log}"
    );
    assert!(
        log.contains("Saving the final RDB snapshot before exiting."),
        "{log}"
    );
    assert!(log.contains("DB saved on disk"), "{log}");
    srv.start_again().expect("restart");
    let mut c = srv.client();
    assert_eq!(c.cmd(&["GET", "k"]), "1");
    c.cmd(&["CONFIG", "SET", "shutdown-on-sigterm", "nosave"])
        .assert_ok();
    c.cmd(&["SET", "k", "2"]).assert_ok();
    srv.stop();
    srv.start_again().expect("restart");
    let mut c = srv.client();
    assert_eq!(c.cmd(&["GET", "k"]), "1");
}

#[test]
fn a_failed_final_save_keeps_the_server_up_unless_force() {
    let mut srv = TestServer::builder().arg("--save").arg("3600 1").start();
    let mut c = srv.client();
    c.cmd(&["SET", "k", "v"]).assert_ok();
    std::fs::create_dir(srv.dir().join("dump.rdb")).expect("mkdir dump.rdb");
    assert_eq!(
        c.cmd(&["SHUTDOWN"]).as_err(),
        "ERR Errors trying to SHUTDOWN. Check logs."
    );
    srv.wait_for_log("Error trying to save the DB, can't exit.", SECS_10);
    assert_eq!(c.cmd(&["PING"]), "PONG");
    // SIGTERM fails the same way and the server keeps running.
    let mark = srv.log_mark();
    srv.signal(libc::SIGTERM);
    srv.wait_for_log_from(mark, "Errors trying to shut down the server", SECS_10);
    assert_eq!(c.cmd(&["GET", "k"]), "v");
    // FORCE exits anyway.
    let _ = c.try_cmd(&["SHUTDOWN", "FORCE"]);
    let status = srv.wait_exit(SECS_10).expect("exit");
    assert!(status.success(), "{status:?}");
    assert!(srv
        .log()
        .contains("Error trying to save the DB. Exit anyway."));
}

#[test]
fn shutdown_stops_a_running_bgsave_and_removes_its_temp_file() {
    let mut srv = TestServer::builder().enable_debug().start();
    let mut c = srv.client();
    fill(&mut c, 100);
    c.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "100000"])
        .assert_ok();
    assert_eq!(c.cmd(&["BGSAVE"]), "Background saving started");
    wait_for(SECS_10, "the child's temp file", || {
        !temp_files(srv.dir()).is_empty()
    });
    let _ = c.try_cmd(&["SHUTDOWN", "NOSAVE"]);
    srv.wait_exit(SECS_10).expect("exit");
    assert!(srv
        .log()
        .contains("There is a child saving an .rdb. Killing it!"));
    wait_for(SECS_10, "the temp file to go", || {
        temp_files(srv.dir()).is_empty()
    });
    assert!(!srv.dir().join("dump.rdb").exists());
}

#[test]
fn a_full_disk_fails_the_save_names_the_remedy_and_keeps_the_old_dump() {
    let srv = TestServer::builder().arg("--save").arg("3600 1").start();
    let mut c = srv.client();
    c.cmd(&["SET", "k", "old"]).assert_ok();
    c.cmd(&["SAVE"]).assert_ok();
    let dump = srv.dir().join("dump.rdb");
    let old_dump = std::fs::read(&dump).expect("dump");
    c.cmd(&["SET", "k", "new"]).assert_ok();
    // The server's own temp file leads to /dev/full: every write is ENOSPC, for root too.
    let tmp = srv.dir().join(format!("temp-{}.rdb", srv.pid()));
    std::os::unix::fs::symlink("/dev/full", &tmp).expect("symlink");
    assert_eq!(c.cmd(&["SAVE"]).as_err(), "ERR");
    let line = srv.wait_for_log("Write error saving DB on disk", SECS_10);
    assert!(line.contains("No space left on device"), "{line}");
    if !common::server::testing_other_server() {
        assert!(line.contains("Free space"), "the remedy: {line}");
    }
    assert_eq!(
        std::fs::read(&dump).expect("dump"),
        old_dump,
        "old dump untouched"
    );
    assert!(!tmp.exists(), "the temp file is removed");
}
