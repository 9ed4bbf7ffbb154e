//! The append-only file as Redis 7.0 keeps it (aof.c): every write in its propagated form is
//! appended to a buffer, written to the current incremental file before the event loop sleeps,
//! and fsynced per `appendfsync`.
//!
//! Owns: `AofState` (`srv.aof`): the manifest, the open incremental file, the buffer, the fsync
//! bookkeeping and the background fsync thread. Loading lives in [`load`], the manifest format
//! in [`manifest`]. It must never reply to clients or decide what a command propagates (that is
//! `commands::call`); it only writes what it is fed.
//!
//! ```text
//!   command ──► commands::call ──► propagate_now ──► aof::feed: SELECT if the db changed,
//!                                                    the command as RESP, into `buf`
//!   before_sleep ──► aof::flush ──► write(buf) to appendonlydir/<name>.<seq>.incr.aof
//!                    then, per appendfsync:
//!                      always    fsync here, before any reply of this iteration goes out
//!                                (group commit: one fsync covers every write of the batch)
//!                      everysec  at most once a second, on the fsync thread; if that fsync
//!                                is still running, postpone the write up to 2 s, then write
//!                                anyway and count aof_delayed_fsync
//!                      no        never; the kernel flushes when it likes
//!   handle_pending_writes ──► replies
//! ```
//!
//! Worked numbers: 50 clients each sending one SET per iteration with `appendfsync always`
//! cost one write of ~50 × 40 bytes and one fsync (say 2 ms on an SSD) per iteration, not 50
//! fsyncs: throughput is bounded by fsyncs per second times the batch size. With `everysec` a
//! crash loses at most the last ~2 seconds: one second between fsyncs plus the 2 s a write may
//! wait behind a slow fsync.

pub mod fsync;
pub mod load;
pub mod manifest;

use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::AppendFsync;
use crate::log::Level;
use crate::server::Server;
use crate::serverlog;

use manifest::Manifest;

/// 30 s, Redis's AOF_WRITE_LOG_ERROR_RATE: at most one write-error log line per period.
const WRITE_LOG_ERROR_RATE_SECS: i64 = 30;
/// 2 s, how long an everysec write may wait behind a running background fsync (aof.c).
const MAX_FLUSH_POSTPONE_SECS: i64 = 2;
/// 4000 bytes: a buffer larger than this is freed after a write rather than kept (aof.c).
const BUF_KEEP_CAPACITY: usize = 4000;

/// Redis's aof_state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Off,
    On,
    /// Turned on at run time; appending starts once the first rewrite produced a base.
    WaitRewrite,
}

/// Everything about the AOF at run time.
pub struct AofState {
    pub status: Status,
    pub manifest: Manifest,
    /// The incremental file being appended to.
    pub file: Option<Arc<File>>,
    /// Commands not yet written (Redis's aof_buf).
    pub buf: Vec<u8>,
    /// The db the file's stream last SELECTed, -1 to force a SELECT.
    pub selected_db: i64,
    /// Bytes of every base and incr file (INFO aof_current_size).
    pub current_size: u64,
    /// Size of the base after the last rewrite or load (INFO aof_base_size).
    pub base_size: u64,
    /// Size of the current incr file, and how much of it is fsynced.
    pub last_incr_size: u64,
    pub last_incr_fsync_offset: u64,
    /// Unix seconds of the last fsync (started).
    pub last_fsync: i64,
    /// Unix seconds since a write has been postponed behind a running fsync, 0 when none.
    pub flush_postponed_start: i64,
    /// INFO aof_delayed_fsync.
    pub delayed_fsync: u64,
    /// INFO aof_last_write_status: false after a failed write, until one succeeds.
    pub last_write_ok: bool,
    pub last_write_error: String,
    last_write_error_log: i64,
    /// The background fsync thread (Redis's bio fsync job queue).
    pub fsyncer: fsync::Fsyncer,
}

impl Default for AofState {
    fn default() -> Self {
        AofState {
            status: Status::Off,
            manifest: Manifest::default(),
            file: None,
            buf: Vec::new(),
            selected_db: -1,
            current_size: 0,
            base_size: 0,
            last_incr_size: 0,
            last_incr_fsync_offset: 0,
            last_fsync: 0,
            flush_postponed_start: 0,
            delayed_fsync: 0,
            last_write_ok: true,
            last_write_error: String::new(),
            last_write_error_log: 0,
            fsyncer: fsync::Fsyncer::default(),
        }
    }
}

/// `dir/appenddirname`.
pub fn dir_path(srv: &Server) -> PathBuf {
    PathBuf::from(&srv.config.appenddirname)
}

/// Redis's feedAppendOnlyFile: the command in RESP, after a SELECT when `db` differs from
/// the one the file last selected. Nothing when the AOF is off.
pub fn feed(srv: &mut Server, db: usize, argv: &[Vec<u8>]) {
    let aof = &mut srv.aof;
    if aof.status != Status::On {
        return;
    }
    if aof.selected_db != db as i64 {
        let n = db.to_string();
        crate::resp::command(&mut aof.buf, [&b"SELECT"[..], n.as_bytes()].into_iter());
        aof.selected_db = db as i64;
    }
    crate::resp::command(&mut aof.buf, argv.iter().map(|a| a.as_slice()));
}

/// Redis's flushAppendOnlyFile: writes the buffer, then fsyncs per `appendfsync` (see the
/// module doc). `force` writes even while an everysec fsync is running (cron, shutdown).
pub fn flush(srv: &mut Server, force: bool) {
    let now = crate::db::mstime() / 1000;
    let policy = srv.config.appendfsync;
    let Some(file) = srv.aof.file.clone() else {
        return;
    };
    let aof = &mut srv.aof;
    let mut sync_in_progress = false;
    if aof.buf.is_empty() {
        let unsynced = aof.last_incr_fsync_offset != aof.last_incr_size;
        match policy {
            AppendFsync::EverySec
                if unsynced && now > aof.last_fsync && !aof.fsyncer.in_progress() => {}
            AppendFsync::Always if unsynced => {}
            _ => return,
        }
    } else {
        if policy == AppendFsync::EverySec {
            sync_in_progress = aof.fsyncer.in_progress();
        }
        if policy == AppendFsync::EverySec && !force && sync_in_progress {
            if aof.flush_postponed_start == 0 {
                aof.flush_postponed_start = now;
                return;
            } else if now - aof.flush_postponed_start < MAX_FLUSH_POSTPONE_SECS {
                return;
            }
            aof.delayed_fsync += 1;
            serverlog!(
                Level::Notice,
                "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis."
            );
        }
        let aof = &mut srv.aof;
        aof.flush_postponed_start = 0;
        match write_all_counted(&file, &aof.buf) {
            Ok(()) => {
                if !aof.last_write_ok {
                    serverlog!(
                        Level::Warning,
                        "AOF write error looks solved, Redis can write again."
                    );
                    aof.last_write_ok = true;
                }
                let n = aof.buf.len() as u64;
                aof.current_size += n;
                aof.last_incr_size += n;
                if aof.buf.capacity() < BUF_KEEP_CAPACITY {
                    aof.buf.clear();
                } else {
                    aof.buf = Vec::new();
                }
            }
            Err((written, e)) => {
                let can_log = now - aof.last_write_error_log > WRITE_LOG_ERROR_RATE_SECS;
                if can_log {
                    aof.last_write_error_log = now;
                }
                // A partial write is cut back off the file so it never holds half a command;
                // if that fails too, the bytes stay and count as written.
                let mut kept = 0;
                if written > 0 {
                    if file.set_len(aof.last_incr_size).is_err() {
                        kept = written;
                        if can_log {
                            serverlog!(
                                Level::Warning,
                                "Could not remove short write from the append-only file. Redis may refuse to load the AOF the next time it starts. Run redis-check-aof --fix on the manifest before restarting."
                            );
                        }
                    } else if let Err(se) = seek_end(&file) {
                        serverlog!(Level::Warning, "Can't seek the end of the AOF file: {se}");
                    }
                }
                if can_log {
                    serverlog!(
                        Level::Warning,
                        "Error writing to the AOF file: {e}. Writes are refused with -MISCONF until the disk accepts data again; free space in the AOF directory or fix its permissions."
                    );
                }
                if policy == AppendFsync::Always {
                    serverlog!(
                        Level::Warning,
                        "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting..."
                    );
                    std::process::exit(1);
                }
                let aof = &mut srv.aof;
                aof.last_write_ok = false;
                aof.last_write_error = e.to_string();
                if kept > 0 {
                    aof.current_size += kept as u64;
                    aof.last_incr_size += kept as u64;
                    aof.buf.drain(..kept);
                }
                return;
            }
        }
    }
    // try_fsync:
    let aof = &mut srv.aof;
    match policy {
        AppendFsync::Always => {
            if let Err(e) = file.sync_data() {
                serverlog!(
                    Level::Warning,
                    "Can't persist AOF for fsync error when the AOF fsync policy is 'always': {e}. Exiting..."
                );
                std::process::exit(1);
            }
            aof.last_incr_fsync_offset = aof.last_incr_size;
            aof.last_fsync = now;
        }
        AppendFsync::EverySec if now > aof.last_fsync => {
            if !sync_in_progress && !aof.fsyncer.in_progress() {
                aof.fsyncer.submit(file);
                aof.last_incr_fsync_offset = aof.last_incr_size;
            }
            aof.last_fsync = now;
        }
        _ => {}
    }
}

/// Writes all of `buf`, retrying on EINTR; on error, how much got written.
fn write_all_counted(mut f: &File, buf: &[u8]) -> Result<(), (usize, io::Error)> {
    let mut done = 0;
    while done < buf.len() {
        match f.write(&buf[done..]) {
            Ok(0) => {
                return Err((
                    done,
                    io::Error::new(io::ErrorKind::WriteZero, "No space left on device"),
                ))
            }
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err((done, e)),
        }
    }
    Ok(())
}

fn seek_end(mut f: &File) -> io::Result<u64> {
    use std::io::Seek as _;
    f.seek(io::SeekFrom::End(0))
}

/// Opens `name` in the AOF directory for appending.
fn open_append(dir: &std::path::Path, name: &str) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(name))
}

/// Redis's aofOpenIfNeededOnServerStart, after the data was loaded: with `appendonly yes`,
/// create the directory, a base file when there is nothing at all yet, open the last incr
/// file (or a new one) and persist the manifest. An error stops start-up.
pub fn open_on_server_start(srv: &mut Server) -> Result<(), String> {
    if !srv.config.appendonly {
        return Ok(());
    }
    srv.aof.status = Status::On;
    // Commands are now gathered for propagation (commands::call), as for replicas.
    srv.also_propagate.enabled = true;
    let dir = dir_path(srv);
    std::fs::create_dir_all(&dir).map_err(|e| {
        format!(
            "Can't open or create append-only dir {}: {e}. Fix 'dir'/'appenddirname' or the directory's permissions.",
            dir.display()
        )
    })?;
    let name = srv.config.appendfilename.clone();
    if srv.aof.manifest.base.is_none() && srv.aof.manifest.incr.is_empty() {
        let base = srv
            .aof
            .manifest
            .new_base_name(&name, srv.config.aof_use_rdb_preamble);
        let size = write_base(srv, &dir.join(&base)).map_err(|e| {
            format!("Can't create the AOF base file {base}: {e}. Check free space and permissions of the AOF directory.")
        })?;
        srv.aof.base_size = size;
        srv.aof.current_size = size;
        serverlog!(
            Level::Notice,
            "Creating AOF base file {base} on server start"
        );
    }
    let incr = srv.aof.manifest.last_incr_name(&name);
    let f = open_append(&dir, &incr)
        .map_err(|e| format!("Can't open the append-only file {incr}: {e}"))?;
    let incr_size = f.metadata().map(|m| m.len()).unwrap_or(0);
    srv.aof.file = Some(Arc::new(f));
    persist_manifest(srv).map_err(|e| format!("Can't write the AOF manifest: {e}"))?;
    srv.aof.last_incr_size = incr_size;
    srv.aof.last_incr_fsync_offset = incr_size;
    srv.aof.selected_db = -1;
    Ok(())
}

/// Writes the manifest if it changed (Redis's persistAofManifest).
pub fn persist_manifest(srv: &mut Server) -> io::Result<()> {
    if !srv.aof.manifest.dirty {
        return Ok(());
    }
    let text = srv.aof.manifest.render();
    manifest::write_file(&dir_path(srv), &srv.config.appendfilename, &text)?;
    srv.aof.manifest.dirty = false;
    Ok(())
}

/// Writes the base file Redis creates at start-up when there is no AOF yet (its
/// rewriteAppendOnlyFile in the foreground, on the empty dataset `appendonly yes` starts
/// with): an RDB with `aof-base 1` when `aof-use-rdb-preamble yes`, else an empty command
/// file. Returns its size.
fn write_base(srv: &Server, path: &std::path::Path) -> io::Result<u64> {
    if srv.config.aof_use_rdb_preamble {
        let mut opts = crate::persistence::snapshot::save_options(srv);
        opts.aux = crate::persistence::snapshot::aux_fields(true);
        crate::persistence::snapshot::write_dump(&srv.ks, path, &opts, false, &mut |_| {}).map_err(
            |_| io::Error::other("the RDB base could not be written (see the log line above)"),
        )
    } else {
        let f = File::create(path)?;
        f.sync_all()?;
        Ok(0)
    }
}

/// Cron's part (Redis's serverCron): a postponed everysec write is retried, and a failed
/// write is retried once a second.
pub fn cron(srv: &mut Server) {
    if srv.aof.status == Status::On
        && (srv.aof.flush_postponed_start != 0 || !srv.aof.last_write_ok)
    {
        flush(srv, false);
    }
}

/// Before exit (Redis's prepareForShutdown): write what is buffered and fsync, waiting for the
/// fsync thread.
pub fn flush_on_shutdown(srv: &mut Server) {
    if srv.aof.file.is_none() {
        return;
    }
    srv.aof.fsyncer.wait_idle();
    flush(srv, true);
    if let Some(f) = &srv.aof.file {
        if let Err(e) = f.sync_data() {
            serverlog!(Level::Warning, "Fail to fsync the AOF file: {e}");
        }
    }
}
