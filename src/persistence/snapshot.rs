//! Snapshots on disk: SAVE, loading at start-up, DEBUG RELOAD (Redis's rdbSave / rdbLoad and
//! their bookkeeping in server.c).
//!
//! Owns: where the dump goes (`dir`/`dbfilename`), the temp-file-fsync-rename dance, and the
//! counters INFO persistence and LASTSAVE report. It must never write the format itself (that
//! is `rdb`) or block the event loop except where Redis does too (SAVE, SHUTDOWN, DEBUG
//! RELOAD, loading at start-up).

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

use super::rdb::{self, LoadError, LoadOptions, Loaded, SaveOptions};
use crate::config::MaxmemoryPolicy;
use crate::db::Keyspace;
use crate::log::Level;
use crate::server::Server;
use crate::serverlog;

/// 1 MiB: write buffer of a save to disk.
const SAVE_BUF: usize = 1 << 20;

/// Counters of saves and loads (INFO persistence, LASTSAVE).
#[derive(Debug)]
pub struct RdbState {
    /// Unix seconds of the last successful save (Redis's server.lastsave).
    pub lastsave: i64,
    /// Whether the last background save succeeded (rdb_last_bgsave_status).
    pub last_bgsave_ok: bool,
    /// Successful saves since start (rdb_saves).
    pub saves: u64,
    /// Keys loaded / dropped as expired by the last load (rdb_last_load_keys_*).
    pub last_load_keys_loaded: u64,
    pub last_load_keys_expired: u64,
}

impl Default for RdbState {
    fn default() -> Self {
        RdbState {
            lastsave: crate::db::mstime() / 1000,
            last_bgsave_ok: true,
            saves: 0,
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
    // Replication info goes before aof-base, as Redis's rdbSaveInfoAuxFields writes it.
    if let Some(db) = crate::replication::rdb_save_stream_db(srv) {
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
        drop_expired: true,
        now_ms: crate::db::mstime(),
        verify_checksum: c.rdbchecksum && !srv.introspection.debug.skip_checksum_validation,
        lru_now: srv.ks.lru_now(),
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

/// Writes `ks` to `path` atomically: `temp-<pid>.rdb` beside it, fsync, rename, fsync of the
/// directory. On any error the temp file is removed and `path` is untouched. Returns the
/// bytes written.
pub fn save_to_file(ks: &Keyspace, path: &Path, opts: &SaveOptions) -> io::Result<u64> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = dir.join(format!("temp-{}.rdb", std::process::id()));
    let result = (|| {
        let f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        let w = BufWriter::with_capacity(SAVE_BUF, f);
        let (w, n) = rdb::save_to(ks, w, opts)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(n)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// SAVE in the foreground (Redis's rdbSave): on success resets the dirty counter and records
/// the time. Logs either way.
pub fn save(srv: &mut Server) -> Result<(), String> {
    let path = dump_path(srv);
    let opts = save_options(srv);
    let dirty_before = srv.ks.dirty;
    match save_to_file(&srv.ks, &path, &opts) {
        Ok(_) => {
            serverlog!(Level::Notice, "DB saved on disk");
            srv.ks.dirty = srv.ks.dirty.saturating_sub(dirty_before);
            srv.rdb.lastsave = crate::db::mstime() / 1000;
            srv.rdb.last_bgsave_ok = true;
            srv.rdb.saves += 1;
            srv.introspection.lastsave = srv.rdb.lastsave;
            Ok(())
        }
        Err(e) => {
            let cwd = std::env::current_dir()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| "?".into());
            serverlog!(
                Level::Warning,
                "Failed saving the DB to {} in {cwd}: {e}. Check that the directory exists, is writable by this user and that the disk is not full.",
                path.display()
            );
            Err(e.to_string())
        }
    }
}

/// Reads and loads the RDB at `path` into a fresh keyspace shaped like the server's, without
/// touching the server's data. `Ok(None)` when the file does not exist.
pub fn load_file(srv: &Server, path: &Path) -> Result<Option<(Keyspace, Loaded)>, String> {
    let data = match fs::read(path) {
        Ok(d) => d,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("Fatal error loading the DB: {e}. Exiting.")),
    };
    let mut ks = Keyspace::new(srv.ks.dbs.len());
    let opts = load_options(srv);
    match rdb::load(&data, &mut ks, &opts) {
        Ok(l) => Ok(Some((ks, l))),
        Err(LoadError { offset, what }) => Err(format!(
            "Short read or corrupt RDB file {}: {what} at offset {offset} of {} bytes. Fix or remove the file (redis-check-rdb {} shows the damage) and restart.",
            path.display(),
            data.len(),
            path.display()
        )),
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
    srv.rdb.last_load_keys_loaded = l.keys;
    srv.rdb.last_load_keys_expired = l.expired_skipped;
}

/// Loads `dbfilename` at start-up (Redis's loadDataFromDisk, RDB case). A missing file is
/// fine; a corrupt one is an error the caller turns into an exit.
pub fn load_at_startup(srv: &mut Server) -> Result<(), String> {
    let path = dump_path(srv);
    let start = std::time::Instant::now();
    match load_file(srv, &path)? {
        None => Ok(()),
        Some((ks, l)) => {
            install(srv, ks, &l);
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
