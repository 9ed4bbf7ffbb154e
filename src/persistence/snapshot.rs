//! Snapshots on disk: SAVE, loading at start-up, DEBUG RELOAD (Redis's rdbSave / rdbLoad and
//! their bookkeeping in server.c).
//!
//! Owns: where the dump goes (`dir`/`dbfilename`), the temp-file-fsync-rename dance, and the
//! counters INFO persistence and LASTSAVE report. It must never write the format itself (that
//! is `rdb`) or block the event loop except where Redis does too (SAVE, SHUTDOWN, DEBUG
//! RELOAD, loading at start-up).

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use super::rdb::{self, LoadError, LoadOptions, Loaded, SaveOptions};
use crate::config::{strerror, MaxmemoryPolicy};
use crate::db::Keyspace;
use crate::log::Level;
use crate::server::Server;
use crate::serverlog;

/// 1 MiB: write buffer of a save to disk.
const SAVE_BUF: usize = 1 << 20;

/// Counters of saves and loads (INFO persistence, LASTSAVE), Redis's server.lastsave,
/// lastbgsave_status, rdb_save_time_* and friends.
#[derive(Debug)]
pub struct RdbState {
    /// Unix seconds of the last successful save (Redis's server.lastsave).
    pub lastsave: i64,
    /// Whether the last background save succeeded (rdb_last_bgsave_status); a failed one
    /// refuses writes under `stop-writes-on-bgsave-error` until a save succeeds.
    pub last_bgsave_ok: bool,
    /// Unix seconds of the last BGSAVE attempt (Redis's lastbgsave_try): after a failure,
    /// save points wait CONFIG_BGSAVE_RETRY_DELAY seconds from it before trying again.
    pub lastbgsave_try: i64,
    /// SAVE and BGSAVE attempts since start (rdb_saves, Redis's stat_rdb_saves).
    pub saves: u64,
    /// Unix seconds when the running BGSAVE started (Redis's rdb_save_time_start).
    pub save_time_start: Option<i64>,
    /// Seconds the last BGSAVE took, -1 before the first (rdb_last_bgsave_time_sec).
    pub save_time_last: i64,
    /// The dirty counter when the running BGSAVE forked: what its success makes clean.
    pub dirty_before_bgsave: u64,
    /// BGSAVE SCHEDULE (or BGSAVE inside MULTI) waiting for the running child to end.
    pub bgsave_scheduled: bool,
    /// Keys loaded / dropped as expired by the last load (rdb_last_load_keys_*).
    pub last_load_keys_loaded: u64,
    pub last_load_keys_expired: u64,
}

impl Default for RdbState {
    fn default() -> Self {
        RdbState {
            lastsave: crate::db::mstime() / 1000,
            last_bgsave_ok: true,
            lastbgsave_try: 0,
            saves: 0,
            save_time_start: None,
            save_time_last: -1,
            dirty_before_bgsave: 0,
            bgsave_scheduled: false,
            last_load_keys_loaded: 0,
            last_load_keys_expired: 0,
        }
    }
}

/// `dir`/`dbfilename` (the process has chdir'ed to `dir`, as Redis does).
pub fn dump_path(srv: &Server) -> PathBuf {
    PathBuf::from(&srv.config.dbfilename)
}

/// The AUX fields Redis 7.0 writes (rdbSaveInfoAuxFields), without replication info.
pub fn aux_fields(aof_base: bool) -> Vec<(String, Vec<u8>)> {
    let now = crate::db::mstime() / 1000;
    vec![
        (
            "redis-ver".into(),
            crate::server::REDIS_VERSION.as_bytes().to_vec(),
        ),
        ("redis-bits".into(), b"64".to_vec()),
        ("ctime".into(), now.to_string().into_bytes()),
        (
            "used-mem".into(),
            crate::alloc::allocated().to_string().into_bytes(),
        ),
        (
            "aof-base".into(),
            if aof_base {
                b"1".to_vec()
            } else {
                b"0".to_vec()
            },
        ),
    ]
}

/// How this server saves: `rdbcompression`, `rdbchecksum`, idle times for LRU policies.
pub fn save_options(srv: &Server) -> SaveOptions {
    let lru = matches!(
        srv.config.maxmemory_policy,
        MaxmemoryPolicy::AllkeysLru | MaxmemoryPolicy::VolatileLru
    );
    let mut aux = aux_fields(false);
    // Replication info goes before aof-base, as Redis's rdbSaveInfoAuxFields writes it: a
    // replica's (its master's id and offset) or a master's with a backlog, so either can
    // continue partially after a restart.
    if let Some(db) = crate::replication::rdb_save_stream_db(srv)
        .or_else(|| crate::replication::master::rdb_stream_db(srv))
    {
        let at = aux.len() - 1;
        aux.splice(
            at..at,
            [
                ("repl-stream-db".to_string(), db.to_string().into_bytes()),
                ("repl-id".to_string(), srv.repl.replid.clone().into_bytes()),
                (
                    "repl-offset".to_string(),
                    srv.repl.master_repl_offset.to_string().into_bytes(),
                ),
            ],
        );
    }
    SaveOptions {
        compress: srv.config.rdbcompression,
        checksum: srv.config.rdbchecksum,
        aux,
        save_idle: lru,
        lru_now: srv.ks.lru_now(),
    }
}

/// How this server loads: its encoding thresholds, its clock, its checksum setting.
pub fn load_options(srv: &Server) -> LoadOptions {
    let c = &srv.config;
    LoadOptions {
        // Redis's rdbLoad skips expired keys only on a master: a replica keeps them until
        // its master's DEL.
        drop_expired: !srv.repl.replica.is_replica() && c.replicaof.is_none(),
        keep_expired_keys: false,
        now_ms: crate::db::mstime(),
        verify_checksum: c.rdbchecksum && !srv.introspection.debug.skip_checksum_validation,
        lru_now: srv.ks.lru_now(),
        // Loading a file: `clients` skips deep sanitization here, as Redis's rdbLoadObject
        // does while server.loading.
        deep_sanitize: c.sanitize_dump_payload == crate::config::SanitizeDumpPayload::Yes,
        log_empty_keys: true,
        hash_max_listpack_entries: c.hash_max_listpack_entries,
        hash_max_listpack_value: c.hash_max_listpack_value,
        set_max_intset_entries: c.set_max_intset_entries,
        zset_max_listpack_entries: c.zset_max_listpack_entries,
        zset_max_listpack_value: c.zset_max_listpack_value,
        list_max_listpack_size: c.list_max_listpack_size,
        list_compress_depth: c.list_compress_depth,
        list_packed_threshold: usize::try_from(srv.introspection.debug.quicklist_packed_threshold)
            .unwrap_or(usize::MAX),
    }
}

/// A save that did not happen; the log already says why and what to do (Redis's C_ERR
/// after its serverLog).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveFailed;

/// Redis's REDIS_AUTOSYNC_BYTES: with `rdb-save-incremental-fsync`, the dump is pushed to disk
/// every 4 MiB written, so the final fsync has little left to do and the kernel never holds
/// a whole dump of dirty pages.
const AUTOSYNC_BYTES: u64 = 4 << 20;

/// A file that, every [`AUTOSYNC_BYTES`], starts writeback of the last 4 MiB and waits for
/// the 4 MiB before it (Redis's rioFileWrite with autosync, via sync_file_range).
struct AutoSync {
    file: File,
    /// 0 = off.
    every: u64,
    /// Bytes written since the last sync point.
    buffered: u64,
    /// Bytes written in all.
    processed: u64,
}

impl AutoSync {
    fn sync_range(&self, offset: u64, flags: libc::c_uint) -> io::Result<()> {
        // SAFETY: sync_file_range takes the descriptor of a file we own and plain integers.
        let r = unsafe {
            libc::sync_file_range(
                self.file.as_raw_fd(),
                offset as libc::off64_t,
                self.every as libc::off64_t,
                flags,
            )
        };
        if r == -1 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

impl Write for AutoSync {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.every == 0 {
            return self.file.write(buf);
        }
        // Never cross a sync point in one write.
        let room = (self.every - self.buffered) as usize;
        let n = self.file.write(&buf[..buf.len().min(room)])?;
        self.buffered += n as u64;
        self.processed += n as u64;
        if self.buffered >= self.every {
            self.sync_range(self.processed - self.every, libc::SYNC_FILE_RANGE_WRITE)?;
            if self.processed >= self.every * 2 {
                self.sync_range(
                    self.processed - self.every * 2,
                    libc::SYNC_FILE_RANGE_WAIT_BEFORE
                        | libc::SYNC_FILE_RANGE_WRITE
                        | libc::SYNC_FILE_RANGE_WAIT_AFTER,
                )?;
            }
            self.buffered = 0;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Redis's debugDelay, for `rdb-key-save-delay`: sleep `usec` µs; a negative value sleeps
/// 1 µs with probability 1/|usec| (a context switch costs more than short sleeps).
pub fn debug_delay(usec: i64) {
    let usec = if usec < 0 {
        u64::from(crate::db::dict::random_u64() % usec.unsigned_abs() == 0)
    } else {
        usec as u64
    };
    if usec > 0 {
        std::thread::sleep(std::time::Duration::from_micros(usec));
    }
}

/// The directory a failed save's log line names (Redis's getcwd, "unknown" when it fails).
fn cwd_for_log() -> String {
    std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

/// What an operator can do about a failed write.
fn remedy(e: &io::Error) -> &'static str {
    match e.raw_os_error() {
        Some(libc::ENOSPC) | Some(libc::EDQUOT) => {
            "Free space on that disk, or point 'dir' at another one (CONFIG SET dir)."
        }
        Some(libc::EACCES) | Some(libc::EPERM) | Some(libc::EROFS) => {
            "Make 'dir' writable by this user, or point it elsewhere (CONFIG SET dir)."
        }
        Some(libc::ENOENT) => "The directory is gone: recreate it or CONFIG SET dir.",
        Some(libc::EISDIR) => {
            "Something else has the dump's name: remove it or change 'dbfilename'."
        }
        _ => "Check the disk and the permissions of 'dir'.",
    }
}

/// Writes `ks` to `filename` in the working directory (`dir`) the way Redis's rdbSave does:
/// `temp-<pid>.rdb`, fsync, rename over `filename`, fsync of the directory. `after_key` runs
/// after each key (`rdb-key-save-delay`, a child's progress reports). On failure the temp file
/// is removed, `filename` is untouched, and a log line in Redis's words (plus what to do about
/// it) says what failed. Logs `DB saved on disk` on success. Returns the bytes written.
pub fn write_dump(
    ks: &Keyspace,
    filename: &Path,
    opts: &SaveOptions,
    incremental_fsync: bool,
    after_key: &mut dyn FnMut(u64),
) -> Result<u64, SaveFailed> {
    let tmp = PathBuf::from(format!("temp-{}.rdb", std::process::id()));
    let file = match OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)
    {
        Ok(f) => f,
        Err(e) => {
            serverlog!(
                Level::Warning,
                "Failed opening the temp RDB file {} (in server root dir {}) for saving: {}. {}",
                tmp.display(),
                cwd_for_log(),
                strerror(&e),
                remedy(&e)
            );
            return Err(SaveFailed);
        }
    };
    let out = AutoSync {
        file,
        every: if incremental_fsync { AUTOSYNC_BYTES } else { 0 },
        buffered: 0,
        processed: 0,
    };
    let fail = |op: &str, e: io::Error| {
        serverlog!(
            Level::Warning,
            "Write error saving DB on disk({op}): {}. {}",
            strerror(&e),
            remedy(&e)
        );
        let _ = fs::remove_file(&tmp);
        Err(SaveFailed)
    };
    let w = BufWriter::with_capacity(SAVE_BUF, out);
    let (w, n) = match rdb::save_to_with(ks, w, opts, after_key) {
        Ok(x) => x,
        Err(e) => return fail("rdbSaveRio", e),
    };
    let out = match w.into_inner() {
        Ok(o) => o,
        Err(e) => return fail("fflush", e.into_error()),
    };
    if let Err(e) = out.file.sync_all() {
        return fail("fsync", e);
    }
    drop(out);
    if let Err(e) = fs::rename(&tmp, filename) {
        serverlog!(
            Level::Warning,
            "Error moving temp DB file {} on the final destination {} (in server root dir {}): {}. {}",
            tmp.display(),
            filename.display(),
            cwd_for_log(),
            strerror(&e),
            remedy(&e)
        );
        let _ = fs::remove_file(&tmp);
        return Err(SaveFailed);
    }
    let dir = match filename.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Some filesystems cannot fsync a directory (EBADF / EINVAL): as Redis's fsyncFileDir,
    // that is not an error.
    if let Err(e) = File::open(&dir).and_then(|d| d.sync_all()) {
        if !matches!(e.raw_os_error(), Some(libc::EBADF) | Some(libc::EINVAL)) {
            return fail("fsyncFileDir", e);
        }
    }
    serverlog!(Level::Notice, "DB saved on disk");
    Ok(n)
}

/// SAVE in the foreground, also used by SHUTDOWN, FLUSHALL and DEBUG RELOAD (Redis's rdbSave
/// called in the server process): on success the dirty counter is reset, the time recorded
/// and a past background-save error cleared (writes are accepted again).
pub fn save(srv: &mut Server) -> Result<(), SaveFailed> {
    let path = dump_path(srv);
    let opts = save_options(srv);
    let delay = srv.config.rdb_key_save_delay;
    let mut after_key = |_: u64| {
        if delay != 0 {
            debug_delay(delay);
        }
    };
    write_dump(
        &srv.ks,
        &path,
        &opts,
        srv.config.rdb_save_incremental_fsync,
        &mut after_key,
    )?;
    srv.ks.dirty = 0;
    srv.rdb.lastsave = crate::db::mstime() / 1000;
    srv.rdb.last_bgsave_ok = true;
    Ok(())
}

/// Reads and loads the RDB at `path` into a fresh keyspace shaped like the server's, without
/// touching the server's data. `Ok(None)` when the file does not exist. The file is streamed
/// through the loader's buffer, never read whole into memory. On a corrupt or truncated file
/// the error is logged as Redis logs it (and as `redis-check-rdb` reports it), and the `Err`
/// is the line that says what to do.
pub fn load_file(srv: &Server, path: &Path) -> Result<Option<(Keyspace, Loaded)>, String> {
    load_file_with(srv, path, &load_options(srv))
}

/// [`load_file`] with the caller's options (start-up keeps expired keys for the backlog; an
/// AOF preamble keeps expired keys loaded, as Redis's RDBFLAGS_AOF_PREAMBLE does).
pub fn load_file_with(
    srv: &Server,
    path: &Path,
    opts: &LoadOptions,
) -> Result<Option<(Keyspace, Loaded)>, String> {
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("Fatal error loading the DB: {e}. Exiting.")),
    };
    let size = f.metadata().ok().map(|m| m.len());
    let mut ks = Keyspace::new(srv.ks.dbs.len());
    match rdb::load_stream(f, size, &mut ks, opts) {
        Ok(l) => Ok(Some((ks, l))),
        Err(LoadError { offset, what }) => {
            serverlog!(
                Level::Warning,
                "Internal error in RDB reading offset {offset}, function at rdb::load -> {what}"
            );
            serverlog!(Level::Warning, "--- RDB ERROR DETECTED ---");
            serverlog!(Level::Warning, "[offset {offset}] {what}");
            Err(format!(
                "Short read or corrupt RDB file {}: {what} at offset {offset} of {} bytes. Fix or remove the file (redis-check-rdb {} shows the damage) and restart.",
                path.display(),
                size.map_or_else(|| "?".to_string(), |s| s.to_string()),
                path.display()
            ))
        }
    }
}

/// Moves the loaded keyspace into the server (keeping its runtime settings) and records the
/// load's counters.
pub fn install(srv: &mut Server, mut ks: Keyspace, l: &Loaded) {
    for (i, db) in ks.dbs.drain(..).enumerate() {
        if i < srv.ks.dbs.len() {
            let old = &mut srv.ks.dbs[i];
            old.dict = db.dict;
            old.expires = db.expires;
        }
    }
    srv.stat_dump_payload_sanitizations += l.sanitizations;
    srv.rdb.last_load_keys_loaded = l.keys;
    srv.rdb.last_load_keys_expired = l.expired_skipped;
}

/// Loads `dbfilename` at start-up (Redis's loadDataFromDisk, RDB case). A missing file is
/// fine; a corrupt one is an error the caller turns into an exit.
pub fn load_at_startup(srv: &mut Server) -> Result<(), String> {
    let path = dump_path(srv);
    let start = std::time::Instant::now();
    let mut opts = load_options(srv);
    // A master puts the DELs of keys expired on load into its new backlog.
    opts.keep_expired_keys = opts.drop_expired;
    let loaded = load_file_with(srv, &path, &opts).map_err(|msg| {
        serverlog!(Level::Warning, "{msg}");
        "Terminating server after rdb file reading failure.".to_string()
    })?;
    match loaded {
        None => Ok(()),
        Some((ks, mut l)) => {
            install(srv, ks, &l);
            crate::replication::master::restore_from_rdb(srv, &mut l);
            crate::replication::replica::restore_from_rdb(srv, &l);
            if l.empty_skipped > 0 {
                serverlog!(
                    Level::Warning,
                    "Done loading RDB, keys loaded: {}, keys expired: {}, empty keys skipped: {}.",
                    l.keys,
                    l.expired_skipped,
                    l.empty_skipped
                );
            } else {
                serverlog!(
                    Level::Notice,
                    "Done loading RDB, keys loaded: {}, keys expired: {}.",
                    l.keys,
                    l.expired_skipped
                );
            }
            serverlog!(
                Level::Notice,
                "DB loaded from disk: {:.3} seconds",
                start.elapsed().as_secs_f64()
            );
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn autosync_writes_everything_across_sync_points() {
        let path = std::env::temp_dir().join(format!("rudis-autosync-{}.bin", std::process::id()));
        let file = File::create(&path).expect("create");
        let mut out = AutoSync {
            file,
            every: 64 * 1024,
            buffered: 0,
            processed: 0,
        };
        // Writes of odd sizes straddle the 64 KiB sync points.
        let chunk: Vec<u8> = (0..9999u32).map(|i| (i % 251) as u8).collect();
        let mut expected = Vec::new();
        for _ in 0..40 {
            out.write_all(&chunk).expect("write");
            expected.extend_from_slice(&chunk);
        }
        out.flush().expect("flush");
        assert_eq!(out.processed, expected.len() as u64);
        assert_eq!(out.buffered, expected.len() as u64 % (64 * 1024));
        let mut back = Vec::new();
        File::open(&path)
            .and_then(|mut f| f.read_to_end(&mut back))
            .expect("read back");
        let _ = fs::remove_file(&path);
        assert_eq!(back, expected);
    }

    #[test]
    fn remedies_name_what_to_change() {
        let e = |n| io::Error::from_raw_os_error(n);
        assert!(remedy(&e(libc::ENOSPC)).contains("Free space"));
        assert!(remedy(&e(libc::EACCES)).contains("writable"));
        assert!(remedy(&e(libc::ENOENT)).contains("recreate"));
        assert!(remedy(&e(libc::EISDIR)).contains("dbfilename"));
    }
}
