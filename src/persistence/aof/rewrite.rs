//! AOF rewrite (Redis 7.0's rewriteAppendOnlyFileBackground / backgroundRewriteDoneHandler):
//! a forked child writes a new base from its copy-on-write view while the parent appends new
//! writes to a fresh incremental file; on success the manifest switches to the new base
//! atomically and the old files become history and are deleted.
//!
//! Owns: BGREWRITEAOF's sequence, the automatic rewrite trigger, turning the AOF on and off
//! at run time (`CONFIG SET appendonly`), and the command form of a base
//! (`aof-use-rdb-preamble no`). It must never load files or touch the fork bookkeeping
//! itself (that is `persistence::child`).
//!
//! ```text
//!   parent                                           child
//!   flush buf, open <name>.<n+1>.incr.aof,
//!   manifest += incr n+1 (written), fork ─────────►  temp-rewriteaof-bg-<pid>.aof:
//!   new writes go to incr n+1                          RDB (preamble) or commands, fsync,
//!   ...                                                _exit(0)
//!   cron reaps: rename temp → <name>.<m+1>.base.*,
//!   manifest: base m+1, old base + incr ..n → history (written atomically),
//!   history files deleted
//! ```
//!
//! Nothing the parent acknowledged is ever only in the child: writes after the fork are in
//! incr n+1, which the new manifest keeps. A failed or killed child leaves the old manifest
//! (old base + incr ..n + incr n+1) complete, and the next try starts over.

use std::io::{self, Write};
use std::sync::Arc;

use super::{manifest, AofState, Status};
use crate::db::object::ValueRef;
use crate::db::Keyspace;
use crate::log::Level;
use crate::persistence::child::{self, ChildType, Forked, InfoType};
use crate::server::Server;
use crate::serverlog;

/// 64, Redis's AOF_REWRITE_ITEMS_PER_CMD: elements per RPUSH/SADD/ZADD/HMSET in a base.
const ITEMS_PER_CMD: usize = 64;
/// Redis's AOF_REWRITE_LIMITE_THRESHOLD and _MAX_MINUTES: after 3 failures in a row automatic
/// rewrites back off 1, 2, 4 ... up to 60 minutes.
const LIMIT_THRESHOLD: u64 = 3;
const LIMIT_MAX_MINUTES: i64 = 60;

/// Rewrite bookkeeping (Redis's aof_rewrite_* and stat_aofrw_* fields).
#[derive(Default)]
pub struct RewriteState {
    /// INFO aof_rewrite_scheduled.
    pub scheduled: bool,
    /// Unix seconds the running rewrite started.
    pub time_start: Option<i64>,
    /// INFO aof_last_rewrite_time_sec (-1 before the first).
    pub time_last: Option<i64>,
    /// INFO aof_last_bgrewrite_status.
    pub last_failed: bool,
    pub consecutive_failures: u64,
    /// INFO aof_rewrites.
    pub rewrites: u64,
    next_delay_minutes: i64,
    next_rewrite_time: i64,
}

/// A rewrite could not start or finish; the log says why.
#[derive(Debug)]
pub struct RewriteFailed;

fn unix_now() -> i64 {
    crate::db::mstime() / 1000
}

/// The child's temp file (Redis's temp-rewriteaof-bg-<pid>.aof), in `dir`.
fn temp_file(pid: i32) -> String {
    format!("temp-rewriteaof-bg-{pid}.aof")
}

/// Redis's aofRemoveTempFile.
pub fn remove_temp_file(pid: i32) {
    let _ = std::fs::remove_file(temp_file(pid));
    let _ = std::fs::remove_file(format!("temp-rewriteaof-{pid}.aof"));
}

/// Redis's openNewIncrAofForAppend: new writes go to a fresh incremental file from now on
/// (a temp one while the AOF waits for its first rewrite).
fn open_new_incr(srv: &mut Server) -> io::Result<()> {
    if srv.aof.status == Status::Off {
        return Ok(());
    }
    let dir = super::dir_path(srv);
    let name = srv.config.appendfilename.clone();
    let mut temp_am = None;
    let file_name = if srv.aof.status == Status::WaitRewrite {
        manifest::temp_incr_name(&name)
    } else {
        let mut am = srv.aof.manifest.clone();
        let n = am.new_incr_name(&name);
        temp_am = Some(am);
        n
    };
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(dir.join(&file_name))
        .inspect_err(|e| {
            serverlog!(
                Level::Warning,
                "Can't open the append-only file {file_name}: {e}"
            )
        })?;
    if let Some(am) = &temp_am {
        manifest::write_file(&dir, &name, &am.render())?;
    }
    serverlog!(
        Level::Notice,
        "Creating AOF incr file {file_name} on background rewrite"
    );
    // The old file's last bytes are fsynced in the background before it is let go.
    if let Some(old) = srv.aof.file.take() {
        if srv.config.appendfsync != crate::config::AppendFsync::No {
            srv.aof.fsyncer.submit(old);
        }
        srv.aof.last_fsync = unix_now();
    }
    srv.aof.file = Some(Arc::new(f));
    srv.aof.last_incr_size = 0;
    srv.aof.last_incr_fsync_offset = 0;
    if let Some(mut am) = temp_am {
        am.dirty = false;
        srv.aof.manifest = am;
    }
    Ok(())
}

/// Starts a background rewrite (Redis's rewriteAppendOnlyFileBackground).
pub fn rewrite_background(srv: &mut Server) -> Result<(), RewriteFailed> {
    if srv.child.active() {
        return Err(RewriteFailed);
    }
    let dir = super::dir_path(srv);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        serverlog!(
            Level::Warning,
            "Can't open or create append-only dir {}: {e}",
            dir.display()
        );
        srv.aof.rewrite.last_failed = true;
        return Err(RewriteFailed);
    }
    srv.aof.selected_db = -1;
    super::flush(srv, true);
    if open_new_incr(srv).is_err() {
        srv.aof.rewrite.last_failed = true;
        return Err(RewriteFailed);
    }
    srv.aof.rewrite.rewrites += 1;
    match child::fork(srv, ChildType::Aof) {
        Ok(Forked::Child(mut reporter)) => {
            let tmp = temp_file(std::process::id() as i32);
            let ok = write_base_file(srv, std::path::Path::new(&tmp)).is_ok();
            if ok {
                serverlog!(
                    Level::Notice,
                    "Successfully created the temporary AOF base file {tmp}"
                );
                reporter.send(InfoType::AofCowSize, 0, "AOF rewrite");
            }
            child::exit_from_child(if ok { 0 } else { 1 });
        }
        Ok(Forked::Parent(pid)) => {
            serverlog!(
                Level::Notice,
                "Background append only file rewriting started by pid {pid}"
            );
            srv.aof.rewrite.scheduled = false;
            srv.aof.rewrite.time_start = Some(unix_now());
            Ok(())
        }
        Err(e) => {
            srv.aof.rewrite.last_failed = true;
            serverlog!(
                Level::Warning,
                "Can't rewrite append only file in background: fork: {e}. Check free memory and vm.overcommit_memory."
            );
            Err(RewriteFailed)
        }
    }
}

/// Writes a complete base of the data to `path` and fsyncs it: an RDB with `aof-base 1`
/// when `aof-use-rdb-preamble yes`, else commands (Redis's rewriteAppendOnlyFile).
pub fn write_base_file(srv: &Server, path: &std::path::Path) -> io::Result<u64> {
    // `rdb-key-save-delay` slows a base as it slows a BGSAVE (tests use it to catch a child
    // in the act).
    let delay = srv.config.rdb_key_save_delay;
    let mut after_key = move |_: u64| {
        if delay != 0 {
            crate::persistence::snapshot::debug_delay(delay);
        }
    };
    if srv.config.aof_use_rdb_preamble {
        let mut opts = crate::persistence::snapshot::save_options(srv);
        opts.aux = crate::persistence::snapshot::aux_fields(true);
        crate::persistence::snapshot::write_dump(&srv.ks, path, &opts, false, &mut after_key)
            .map_err(|_| {
                io::Error::other("the RDB base could not be written (see the log line above)")
            })
    } else {
        let f = std::fs::File::create(path)?;
        let mut w = io::BufWriter::with_capacity(64 * 1024, f);
        if srv.config.aof_timestamp_enabled {
            w.write_all(super::timestamp_annotation(crate::db::mstime() / 1000).as_bytes())?;
        }
        write_commands(&srv.ks, crate::db::mstime(), &mut w, &mut after_key)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        Ok(f.metadata()?.len())
    }
}

/// The commands that rebuild `ks` (Redis's rewriteAppendOnlyFileRio): per non-empty db a
/// SELECT, per key SET / RPUSH / SADD / ZADD / HMSET in batches of 64, then PEXPIREAT for a
/// key with a TTL. Keys already expired at `now_ms` are left out.
pub fn write_commands(
    ks: &Keyspace,
    now_ms: i64,
    w: &mut impl Write,
    after_key: &mut dyn FnMut(u64),
) -> io::Result<()> {
    let mut keys = 0u64;
    let mut out: Vec<u8> = Vec::with_capacity(64 * 1024);
    for (i, db) in ks.dbs.iter().enumerate() {
        if db.dict.is_empty() {
            continue;
        }
        let n = i.to_string();
        crate::resp::command(&mut out, [&b"SELECT"[..], n.as_bytes()].into_iter());
        for (key, o) in db.dict.iter() {
            let expire = db.expires.get(key).copied();
            if expire.is_some_and(|t| t < now_ms) {
                continue;
            }
            emit_value(&mut out, key, o.value());
            if let Some(t) = expire {
                let t = t.to_string();
                crate::resp::command(&mut out, [&b"PEXPIREAT"[..], key, t.as_bytes()].into_iter());
            }
            keys += 1;
            after_key(keys);
            if out.len() >= 64 * 1024 {
                w.write_all(&out)?;
                out.clear();
            }
        }
    }
    w.write_all(&out)?;
    w.flush()
}

/// One key's value as the commands that build it.
fn emit_value(out: &mut Vec<u8>, key: &[u8], v: ValueRef<'_>) {
    let mut batch: Vec<Vec<u8>> = Vec::with_capacity(ITEMS_PER_CMD * 2 + 2);
    let flush = |out: &mut Vec<u8>, batch: &mut Vec<Vec<u8>>| {
        if batch.len() > 2 {
            crate::resp::command(out, batch.iter().map(|a| a.as_slice()));
        }
        batch.truncate(2);
    };
    let start = |batch: &mut Vec<Vec<u8>>, cmd: &[u8]| {
        batch.clear();
        batch.push(cmd.to_vec());
        batch.push(key.to_vec());
    };
    let mut scratch = [0u8; 20];
    match v {
        ValueRef::Str(s) => {
            crate::resp::command(
                out,
                [&b"SET"[..], key, s.as_bytes(&mut scratch)].into_iter(),
            );
        }
        ValueRef::List(l) => {
            start(&mut batch, b"RPUSH");
            l.scan(false, |e| {
                let mut sc = [0u8; 20];
                batch.push(e.as_bytes(&mut sc).to_vec());
                if batch.len() - 2 == ITEMS_PER_CMD {
                    flush(out, &mut batch);
                }
                std::ops::ControlFlow::Continue(())
            });
            flush(out, &mut batch);
        }
        ValueRef::Set(set) => {
            start(&mut batch, b"SADD");
            for m in set.iter() {
                batch.push(m.as_bytes(&mut scratch).to_vec());
                if batch.len() - 2 == ITEMS_PER_CMD {
                    flush(out, &mut batch);
                }
            }
            flush(out, &mut batch);
        }
        ValueRef::ZSet(z) => {
            start(&mut batch, b"ZADD");
            z.for_each(|m, score| {
                batch.push(crate::util::numeric::g17(score).to_vec());
                batch.push(m.to_vec());
                if (batch.len() - 2) / 2 == ITEMS_PER_CMD {
                    flush(out, &mut batch);
                }
            });
            flush(out, &mut batch);
        }
        ValueRef::Hash(h) => {
            start(&mut batch, b"HMSET");
            let (mut kb, mut vb) = ([0u8; 20], [0u8; 20]);
            for (f, v) in h.iter() {
                batch.push(f.as_bytes(&mut kb).to_vec());
                batch.push(v.as_bytes(&mut vb).to_vec());
                if (batch.len() - 2) / 2 == ITEMS_PER_CMD {
                    flush(out, &mut batch);
                }
            }
            flush(out, &mut batch);
        }
    }
}

/// The rewrite child ended (Redis's backgroundRewriteDoneHandler): switch to the new base on
/// success, keep everything as it was otherwise.
pub fn done_handler(srv: &mut Server, exitcode: i32, bysignal: i32) {
    let pid = srv.child.pid.unwrap_or(-1);
    if bysignal == 0 && exitcode == 0 {
        serverlog!(
            Level::Notice,
            "Background AOF rewrite terminated with success"
        );
        match install_new_base(srv, pid) {
            Ok(()) => {
                srv.aof.rewrite.last_failed = false;
                srv.aof.rewrite.consecutive_failures = 0;
                serverlog!(
                    Level::Notice,
                    "Background AOF rewrite finished successfully"
                );
                if srv.aof.status == Status::WaitRewrite {
                    srv.aof.status = Status::On;
                }
            }
            Err(RewriteFailed) => {
                srv.aof.rewrite.last_failed = true;
                srv.aof.rewrite.consecutive_failures += 1;
            }
        }
    } else if bysignal == 0 {
        srv.aof.rewrite.last_failed = true;
        srv.aof.rewrite.consecutive_failures += 1;
        serverlog!(
            Level::Warning,
            "Background AOF rewrite terminated with error"
        );
    } else {
        if bysignal != libc::SIGUSR1 {
            srv.aof.rewrite.last_failed = true;
            srv.aof.rewrite.consecutive_failures += 1;
        }
        serverlog!(
            Level::Warning,
            "Background AOF rewrite terminated by signal {bysignal}"
        );
    }
    remove_temp_file(pid);
    if srv.aof.status == Status::WaitRewrite {
        srv.aof.buf.clear();
        let dir = super::dir_path(srv);
        let temp_incr = manifest::temp_incr_name(&srv.config.appendfilename);
        serverlog!(
            Level::Notice,
            "Removing the temp incr aof file {temp_incr} in the background"
        );
        let _ = std::fs::remove_file(dir.join(temp_incr));
        srv.aof.rewrite.scheduled = true;
    }
    if let Some(start) = srv.aof.rewrite.time_start.take() {
        srv.aof.rewrite.time_last = Some(unix_now() - start);
    }
}

/// The success path of the done-handler: rename the child's file to the next base, the temp
/// incr file (AOF just turned on) to the next incr, and write the manifest.
fn install_new_base(srv: &mut Server, pid: i32) -> Result<(), RewriteFailed> {
    let dir = super::dir_path(srv);
    let name = srv.config.appendfilename.clone();
    let mut am = srv.aof.manifest.clone();
    let base = am.new_base_name(&name, srv.config.aof_use_rdb_preamble);
    let tmp = temp_file(pid);
    if let Err(e) = std::fs::rename(&tmp, dir.join(&base)) {
        serverlog!(
            Level::Warning,
            "Error trying to rename the temporary AOF base file {tmp} into {base}: {e}"
        );
        return Err(RewriteFailed);
    }
    serverlog!(
        Level::Notice,
        "Successfully renamed the temporary AOF base file {tmp} into {base}"
    );
    let mut new_incr = None;
    if srv.aof.status == Status::WaitRewrite {
        let temp_incr = manifest::temp_incr_name(&name);
        let incr = am.new_incr_name(&name);
        if let Err(e) = std::fs::rename(dir.join(&temp_incr), dir.join(&incr)) {
            serverlog!(
                Level::Warning,
                "Error trying to rename the temporary AOF incr file {temp_incr} into {incr}: {e}"
            );
            let _ = std::fs::remove_file(dir.join(&base));
            return Err(RewriteFailed);
        }
        serverlog!(
            Level::Notice,
            "Successfully renamed the temporary AOF incr file {temp_incr} into {incr}"
        );
        new_incr = Some(incr);
    }
    am.mark_rewritten_incr_as_history(srv.aof.file.is_some());
    if let Err(e) = manifest::write_file(&dir, &name, &am.render()) {
        serverlog!(Level::Warning, "Can't write the AOF manifest: {e}");
        let _ = std::fs::remove_file(dir.join(&base));
        if let Some(i) = new_incr {
            let _ = std::fs::remove_file(dir.join(i));
        }
        return Err(RewriteFailed);
    }
    am.dirty = false;
    srv.aof.manifest = am;
    if srv.aof.status != Status::Off {
        let base_size = std::fs::metadata(dir.join(&base))
            .map(|m| m.len())
            .unwrap_or(0);
        srv.aof.current_size = base_size + srv.aof.last_incr_size;
        srv.aof.base_size = srv.aof.current_size;
    }
    delete_history_files(srv);
    Ok(())
}

/// Redis's aofDelHistoryFiles (without `aof-disable-auto-gc`).
pub fn delete_history_files(srv: &mut Server) {
    if srv.config.aof_disable_auto_gc || srv.aof.manifest.history.is_empty() {
        return;
    }
    let dir = super::dir_path(srv);
    for h in std::mem::take(&mut srv.aof.manifest.history) {
        serverlog!(
            Level::Notice,
            "Removing the history file {} in the background",
            h.file_name
        );
        let _ = std::fs::remove_file(dir.join(&h.file_name));
    }
    srv.aof.manifest.dirty = true;
    if let Err(e) = super::persist_manifest(srv) {
        serverlog!(Level::Warning, "Can't write the AOF manifest: {e}");
    }
}

/// Redis's aofRewriteLimited: after repeated failures automatic rewrites wait longer and
/// longer (a manual BGREWRITEAOF resets the count).
fn limited(r: &mut RewriteState) -> bool {
    if r.consecutive_failures < LIMIT_THRESHOLD {
        r.next_delay_minutes = 0;
        r.next_rewrite_time = 0;
        return false;
    }
    let now = unix_now();
    if r.next_rewrite_time != 0 {
        if now < r.next_rewrite_time {
            return true;
        }
        r.next_rewrite_time = 0;
        return false;
    }
    r.next_delay_minutes = if r.next_delay_minutes == 0 {
        1
    } else {
        (r.next_delay_minutes * 2).min(LIMIT_MAX_MINUTES)
    };
    r.next_rewrite_time = now + r.next_delay_minutes * 60;
    serverlog!(
        Level::Warning,
        "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in {} minutes",
        r.next_delay_minutes
    );
    true
}

/// Cron's part (serverCron): a scheduled rewrite once no child runs, and the automatic one
/// when the AOF grew by `auto-aof-rewrite-percentage` over its size after the last rewrite
/// and is over `auto-aof-rewrite-min-size`.
pub fn cron(srv: &mut Server) {
    if srv.child.active() {
        return;
    }
    if srv.aof.rewrite.scheduled && !limited(&mut srv.aof.rewrite) {
        let _ = rewrite_background(srv);
        return;
    }
    let perc = srv.config.auto_aof_rewrite_percentage;
    let a = &srv.aof;
    if a.status == Status::On
        && perc > 0
        && a.current_size > srv.config.auto_aof_rewrite_min_size.max(0) as u64
    {
        let base = a.base_size.max(1);
        let growth = (a.current_size * 100 / base) as i64 - 100;
        if growth >= perc && !limited(&mut srv.aof.rewrite) {
            serverlog!(
                Level::Notice,
                "Starting automatic rewriting of AOF on {growth}% growth"
            );
            let _ = rewrite_background(srv);
        }
    }
}

/// BGREWRITEAOF's reply text, or its error (Redis's bgrewriteaofCommand).
pub fn bgrewriteaof(srv: &mut Server) -> Result<&'static str, &'static str> {
    if srv.child.kind == ChildType::Aof {
        Err("ERR Background append only file rewriting already in progress")
    } else if srv.child.active() || srv.in_exec {
        srv.aof.rewrite.scheduled = true;
        srv.aof.rewrite.consecutive_failures = 0;
        Ok("Background append only file rewriting scheduled")
    } else if rewrite_background(srv).is_ok() {
        Ok("Background append only file rewriting started")
    } else {
        Err("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.")
    }
}

/// Redis's killAppendOnlyChild: stop a running rewrite and wait for it.
pub fn kill_child(srv: &mut Server) {
    if srv.child.kind != ChildType::Aof {
        return;
    }
    let Some(pid) = srv.child.pid else {
        return;
    };
    serverlog!(Level::Notice, "Killing running AOF rewrite child: {pid}");
    child::kill_and_wait(srv);
    remove_temp_file(pid);
    child::reset_child_state(srv);
    srv.aof.rewrite.time_start = None;
}

/// `CONFIG SET appendonly yes` (Redis's startAppendOnly): the AOF waits for a rewrite that
/// creates its base, then appends.
pub fn start_append_only(srv: &mut Server) -> Result<(), RewriteFailed> {
    if srv.aof.status != Status::Off {
        return Ok(());
    }
    srv.aof.status = Status::WaitRewrite;
    srv.also_propagate.enabled = true;
    if srv.child.active() && srv.child.kind != ChildType::Aof {
        srv.aof.rewrite.scheduled = true;
        serverlog!(
            Level::Warning,
            "AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible."
        );
    } else if srv.in_exec {
        srv.aof.rewrite.scheduled = true;
        serverlog!(
            Level::Warning,
            "AOF was enabled during a transaction. An AOF background was scheduled to start when possible."
        );
    } else {
        if srv.child.kind == ChildType::Aof {
            serverlog!(
                Level::Warning,
                "AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now."
            );
            kill_child(srv);
        }
        if rewrite_background(srv).is_err() {
            srv.aof.status = Status::Off;
            serverlog!(
                Level::Warning,
                "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error."
            );
            return Err(RewriteFailed);
        }
    }
    srv.aof.last_fsync = unix_now();
    if !srv.aof.last_write_ok {
        serverlog!(Level::Warning, "AOF reopen, just ignore the last error.");
        srv.aof.last_write_ok = true;
    }
    Ok(())
}

/// `CONFIG SET appendonly no` (Redis's stopAppendOnly): flush, fsync, close, stop a rewrite.
pub fn stop_append_only(srv: &mut Server) {
    if srv.aof.status == Status::Off {
        return;
    }
    super::flush(srv, true);
    if let Some(f) = srv.aof.file.take() {
        srv.aof.fsyncer.wait_idle();
        if let Err(e) = f.sync_data() {
            serverlog!(Level::Warning, "Fail to fsync the AOF file: {e}");
        }
    }
    let AofState {
        status,
        selected_db,
        last_incr_size,
        last_incr_fsync_offset,
        buf,
        rewrite,
        ..
    } = &mut srv.aof;
    *status = Status::Off;
    *selected_db = -1;
    *last_incr_size = 0;
    *last_incr_fsync_offset = 0;
    rewrite.scheduled = false;
    *buf = Vec::new();
    // Commands are gathered for propagation only while something consumes them.
    srv.also_propagate.enabled = srv.repl.master.backlog.is_some();
    kill_child(srv);
}
