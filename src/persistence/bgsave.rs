//! Background saves: BGSAVE, save points, and what a failed one means for writes (Redis's
//! rdbSaveBackground, backgroundSaveDoneHandler, killRDBChild, rdbRemoveTempFile in rdb.c; the
//! save-point loop of serverCron and writeCommandsDeniedByDiskError in server.c).
//!
//! Owns: when a BGSAVE starts, what the forked child does (write the dump from its
//! copy-on-write view with [`snapshot::write_dump`], report its copy-on-write size, `_exit`),
//! and the bookkeeping when cron reaps it. It must never block the event loop: the parent only
//! forks and, later, reads a status.
//!
//! ```text
//!   BGSAVE / save point ─► rdb_save_background ─ fork ─► child: temp-<childpid>.rdb, fsync,
//!                                 │                             rename over dbfilename,
//!                                 │ "Background saving          "DB saved on disk",
//!                                 │  started by pid N"          report CoW, _exit(0|1)
//!   cron ─ child::check_children_done ─► background_save_done_handler
//!           exit 0: dirty -= dirty_before_bgsave, lastsave = now, status ok
//!           exit 1: status err   (MISCONF for writes with stop-writes-on-bgsave-error)
//!           killed: temp file removed; status err unless by our own SIGUSR1
//! ```
//!
//! As in Redis the child renames its own temp file: the dump in `dir` is replaced only by a
//! complete, fsynced file, and a failed or killed child leaves the old one untouched.

use super::child::{self, ChildType, Forked, InfoType};
use super::snapshot;
use crate::log::Level;
use crate::server::Server;
use crate::serverlog;

/// Seconds between a failed BGSAVE and the next save-point attempt (Redis's
/// CONFIG_BGSAVE_RETRY_DELAY).
pub const BGSAVE_RETRY_DELAY: i64 = 5;

/// Redis's shared.bgsaveerr: the refusal of a write after a failed background save.
pub const MISCONF_ERR: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/// Progress reports go out at most once per second, checked every 1024 keys (Redis's
/// rdbSaveDb).
const REPORT_EVERY_KEYS: u64 = 1024;
const REPORT_EVERY_MS: i64 = 1000;

fn unix_now() -> i64 {
    crate::db::mstime() / 1000
}

/// Starts a background save (Redis's rdbSaveBackground). Err when a child already runs or
/// the fork failed (logged; the latter also flags the save as failed).
pub fn rdb_save_background(srv: &mut Server) -> Result<libc::pid_t, snapshot::SaveFailed> {
    if srv.child.active() {
        return Err(snapshot::SaveFailed);
    }
    srv.rdb.saves += 1;
    srv.rdb.dirty_before_bgsave = srv.ks.dirty;
    srv.rdb.lastbgsave_try = unix_now();
    match child::fork(srv, ChildType::Rdb) {
        Ok(Forked::Child(mut reporter)) => {
            // In the child, with a frozen copy of the data.
            let path = snapshot::dump_path(srv);
            let opts = snapshot::save_options(srv);
            let delay = srv.config.rdb_key_save_delay;
            let mut last_report_ms = 0i64;
            let mut after_key = |keys: u64| {
                if delay != 0 {
                    snapshot::debug_delay(delay);
                }
                if (keys - 1) % REPORT_EVERY_KEYS == 0 {
                    let now = crate::db::mstime();
                    if now - last_report_ms >= REPORT_EVERY_MS {
                        reporter.send(InfoType::CurrentInfo, keys, "RDB");
                        last_report_ms = now;
                    }
                }
            };
            let ok = snapshot::write_dump(
                &srv.ks,
                &path,
                &opts,
                srv.config.rdb_save_incremental_fsync,
                &mut after_key,
            )
            .is_ok();
            if ok {
                reporter.send(InfoType::RdbCowSize, 0, "RDB");
            }
            child::exit_from_child(if ok { 0 } else { 1 });
        }
        Ok(Forked::Parent(pid)) => {
            serverlog!(Level::Notice, "Background saving started by pid {pid}");
            srv.rdb.save_time_start = Some(unix_now());
            Ok(pid)
        }
        Err(e) => {
            srv.rdb.last_bgsave_ok = false;
            serverlog!(
                Level::Warning,
                "Can't save in background: fork: {}. Check free memory and vm.overcommit_memory (sysctl vm.overcommit_memory=1 lets the fork succeed).",
                crate::config::strerror(&e)
            );
            Err(snapshot::SaveFailed)
        }
    }
}

/// The BGSAVE child ended (Redis's backgroundSaveDoneHandler, disk case): `exitcode` is -1
/// when it was killed, `bysignal` 0 when it exited.
pub fn background_save_done_handler(srv: &mut Server, exitcode: i32, bysignal: i32) {
    if bysignal == 0 && exitcode == 0 {
        serverlog!(Level::Notice, "Background saving terminated with success");
        srv.ks.dirty = srv.ks.dirty.saturating_sub(srv.rdb.dirty_before_bgsave);
        srv.rdb.lastsave = unix_now();
        srv.rdb.last_bgsave_ok = true;
    } else if bysignal == 0 {
        serverlog!(Level::Warning, "Background saving error");
        srv.rdb.last_bgsave_ok = false;
    } else {
        serverlog!(
            Level::Warning,
            "Background saving terminated by signal {bysignal}"
        );
        let start = std::time::Instant::now();
        if let Some(pid) = srv.child.pid {
            remove_temp_file(pid);
        }
        let threshold = crate::commands::server_cmds::cfg::latency_monitor_threshold(srv);
        srv.introspection.latency.add_sample_if_needed(
            threshold,
            "rdb-unlink-temp-file",
            start.elapsed().as_millis() as u64,
        );
        // Our own SIGUSR1 (FLUSHALL, SHUTDOWN) is not a failure.
        if bysignal != libc::SIGUSR1 {
            srv.rdb.last_bgsave_ok = false;
        }
    }
    if let Some(start) = srv.rdb.save_time_start.take() {
        srv.rdb.save_time_last = unix_now() - start;
    }
}

/// Stops a running BGSAVE child with SIGUSR1; cron reaps it and removes its temp file
/// (Redis's killRDBChild).
pub fn kill_rdb_child(srv: &Server) {
    if srv.child.kind == ChildType::Rdb {
        child::kill_child(srv);
    }
}

/// Removes `temp-<pid>.rdb` from the working directory (Redis's rdbRemoveTempFile).
pub fn remove_temp_file(pid: libc::pid_t) {
    let _ = std::fs::remove_file(format!("temp-{pid}.rdb"));
}

/// Redis's writeCommandsDeniedByDiskError, RDB case: with `stop-writes-on-bgsave-error`, save
/// points configured and the last background save failed, writes are refused with
/// [`MISCONF_ERR`]. (The AOF issue adds its own write errors here.)
pub fn write_commands_denied_by_disk_error(srv: &Server) -> Option<&'static str> {
    (srv.config.stop_writes_on_bgsave_error
        && !srv.config.save_params.is_empty()
        && !srv.rdb.last_bgsave_ok)
        .then_some(MISCONF_ERR)
}

/// The persistence part of serverCron: reap a finished child (and read its reports once a
/// second), or, with no child running, start a BGSAVE when a save point is reached.
pub fn cron(srv: &mut Server) {
    let now = unix_now();
    if srv.child.active() {
        if srv.run_with_period(1000) {
            child::receive_child_info(srv);
        }
        child::check_children_done(srv);
    } else {
        let due = srv
            .config
            .save_params
            .iter()
            .copied()
            .find(|&(secs, changes)| {
                srv.ks.dirty >= changes.max(0) as u64
                    && now - srv.rdb.lastsave > secs
                    && (now - srv.rdb.lastbgsave_try > BGSAVE_RETRY_DELAY || srv.rdb.last_bgsave_ok)
            });
        if let Some((secs, changes)) = due {
            serverlog!(
                Level::Notice,
                "{changes} changes in {secs} seconds. Saving..."
            );
            let _ = rdb_save_background(srv);
        }
    }
    child::update_dict_resize_policy(srv);
}

/// The end of serverCron: a BGSAVE SCHEDULE'd (or asked for inside MULTI) while another child
/// ran starts once none does, waiting [`BGSAVE_RETRY_DELAY`] after a failed one.
pub fn cron_scheduled(srv: &mut Server) {
    let now = unix_now();
    if !srv.child.active()
        && srv.rdb.bgsave_scheduled
        && (now - srv.rdb.lastbgsave_try > BGSAVE_RETRY_DELAY || srv.rdb.last_bgsave_ok)
        && rdb_save_background(srv).is_ok()
    {
        srv.rdb.bgsave_scheduled = false;
    }
}
