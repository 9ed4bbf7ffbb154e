//! Receiving the master's RDB after `+FULLRESYNC` (Redis's readSyncBulkPayload): the
//! `$<len>` or `$EOF:<mark>` header, the payload written to `temp-<unixtime>.<pid>.rdb` in
//! `dir` (or kept in memory for `repl-diskless-load on-empty-db|swapdb`), then flushing the
//! old data and loading the new through the RDB loader.
//!
//! Owns: the transfer's progress (`Transfer`) and the temp file. It must never parse RDB
//! itself (that is `persistence::rdb::load`) nor touch the link before the payload ends:
//! bytes after the payload stay in the link buffer and become the master client's first
//! input.
//!
//! With the EOF mark the payload's length is unknown: the last 40 bytes seen are held back
//! (not written) until more arrive, so when the mark shows up nothing of it reached the
//! file. Example: chunks `...RDB...ab` then `cdef<rest of the mark>` — `ab` is held, the
//! second chunk completes the mark, and the file ends just before it.

use std::fs::{self, File, OpenOptions};
use std::io::Write;

use super::handshake::Failed;
use super::replica::LinkState;
use super::RUN_ID_SIZE;
use crate::config::ReplDisklessLoad;
use crate::log::Level;
use crate::server::Server;
use crate::serverlog;

/// 8 MiB, Redis's REPL_MAX_WRITTEN_BEFORE_FSYNC: the temp file is synced every this many
/// bytes so the final fsync is short.
const FSYNC_EVERY: i64 = 8 * 1024 * 1024;

/// Where the payload goes.
enum Sink {
    /// `repl-diskless-load disabled`: the temp file and its name.
    Disk { file: File, path: String },
    /// Diskless load: the payload is buffered here and loaded when complete.
    Memory(Vec<u8>),
}

/// A transfer in progress.
pub struct Transfer {
    /// Announced size, or -1 until the header arrived (0 with an EOF mark).
    pub size: i64,
    /// Payload bytes received so far.
    pub read: i64,
    last_fsync: i64,
    mark: Option<Vec<u8>>,
    /// EOF mode: the last bytes seen, not yet written (they may be the mark).
    held: Vec<u8>,
    sink: Sink,
    /// Whether the payload is loaded from memory (`repl-diskless-load`).
    pub diskless: bool,
}

impl Transfer {
    /// True for a `$EOF:<mark>` payload (diskless on the master's side).
    pub fn uses_mark(&self) -> bool {
        self.mark.is_some()
    }
}

/// Redis's useDisklessLoad: `swapdb`, or `on-empty-db` with no keys.
fn use_diskless_load(srv: &Server) -> bool {
    match srv.config.repl_diskless_load {
        ReplDisklessLoad::Swapdb => true,
        ReplDisklessLoad::OnEmptyDb => srv.ks.total_keys() == 0,
        ReplDisklessLoad::Disabled => false,
    }
}

/// After +FULLRESYNC: opens the temp file (disk load) and enters TRANSFER.
pub fn start(srv: &mut Server) -> Result<(), Failed> {
    let diskless = use_diskless_load(srv);
    let sink = if diskless {
        Sink::Memory(Vec::new())
    } else {
        let mut opened = None;
        let mut last_err = None;
        // Redis tries 5 names a second apart; the pid and the clock make a clash unlikely,
        // so the name gets a counter instead of a sleep.
        let unixtime = crate::db::mstime() / 1000;
        for i in 0..5 {
            let path = if i == 0 {
                format!("temp-{unixtime}.{}.rdb", std::process::id())
            } else {
                format!("temp-{}.{}.rdb", unixtime + i, std::process::id())
            };
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(f) => {
                    opened = Some((f, path));
                    break;
                }
                Err(e) => last_err = Some(e),
            }
        }
        match opened {
            Some((file, path)) => Sink::Disk { file, path },
            None => {
                serverlog!(
                    Level::Warning,
                    "Opening the temp file needed for MASTER <-> REPLICA synchronization: {}",
                    last_err.map(|e| e.to_string()).unwrap_or_default()
                );
                return Err(Failed { reconnect: false });
            }
        }
    };
    let rs = &mut srv.repl.replica;
    rs.transfer = Some(Transfer {
        size: -1,
        read: 0,
        last_fsync: 0,
        mark: None,
        held: Vec::new(),
        sink,
        diskless,
    });
    rs.state = LinkState::Transfer;
    rs.transfer_lastio_ms = srv.ks.now_ms.max(crate::db::mstime());
    advance(srv)
}

/// Consumes what the link buffer holds of the payload; when the payload is complete, loads
/// it and hands the link over to the master client.
pub fn advance(srv: &mut Server) -> Result<(), Failed> {
    let now = srv.ks.now_ms.max(crate::db::mstime());
    let rs = &mut srv.repl.replica;
    let (Some(link), Some(t)) = (rs.link.as_mut(), rs.transfer.as_mut()) else {
        return Ok(());
    };
    if t.size == -1 {
        let Some(line) = super::handshake::take_line(&mut link.inbuf) else {
            return Ok(());
        };
        rs.transfer_lastio_ms = now;
        if let Some(err) = line.strip_prefix('-') {
            serverlog!(
                Level::Warning,
                "MASTER aborted replication with an error: {err}"
            );
            return Err(Failed { reconnect: true });
        }
        if line.is_empty() {
            // A newline: the master is still preparing the RDB.
            return Ok(());
        }
        let Some(header) = line.strip_prefix('$') else {
            serverlog!(
                Level::Warning,
                "Bad protocol from MASTER, the first byte is not '$' (we received '{line}'), are you sure the host and port are right?"
            );
            return Err(Failed { reconnect: true });
        };
        let target = if t.diskless { "to parser" } else { "to disk" };
        match header.strip_prefix("EOF:") {
            Some(mark) if mark.len() >= RUN_ID_SIZE => {
                t.mark = Some(mark.as_bytes()[..RUN_ID_SIZE].to_vec());
                t.size = 0;
                serverlog!(
                    Level::Notice,
                    "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF {target}"
                );
            }
            _ => {
                t.size = header.trim().parse::<i64>().unwrap_or(0).max(0);
                serverlog!(
                    Level::Notice,
                    "MASTER <-> REPLICA sync: receiving {} bytes from master {target}",
                    t.size
                );
            }
        }
        if t.diskless {
            // Loading starts now, as Redis's parser starts reading the socket: the old
            // data goes (unless swapdb keeps it until the end) and commands get -LOADING.
            super::replica::begin_diskless_load(srv);
            return advance(srv);
        }
    }
    if link.inbuf.is_empty() {
        return Ok(());
    }
    rs.transfer_lastio_ms = now;
    let done = match t.mark.clone() {
        None => {
            let left = (t.size - t.read) as usize;
            let n = left.min(link.inbuf.len());
            let chunk: Vec<u8> = link.inbuf.drain(..n).collect();
            write_payload(t, &chunk)?;
            t.read == t.size
        }
        Some(mark) => {
            let held = std::mem::take(&mut t.held);
            let (body, held, rest) = scan_for_mark(held, &link.inbuf, &mark);
            write_payload(t, &body)?;
            t.held = held;
            match rest {
                Some(rest) => {
                    link.inbuf = rest;
                    true
                }
                None => {
                    link.inbuf.clear();
                    false
                }
            }
        }
    };
    if done {
        super::replica::finish_full_sync(srv)?;
    }
    Ok(())
}

/// EOF mode: given the bytes held back and a new chunk, returns the payload bytes that are
/// certainly not the mark, the bytes to hold back now, and — once the mark was seen — the
/// bytes after it (the start of the stream).
fn scan_for_mark(
    mut held: Vec<u8>,
    chunk: &[u8],
    mark: &[u8],
) -> (Vec<u8>, Vec<u8>, Option<Vec<u8>>) {
    held.extend_from_slice(chunk);
    let data = held;
    if let Some(p) = find(&data, mark) {
        let rest = data[p + mark.len()..].to_vec();
        let mut body = data;
        body.truncate(p);
        return (body, Vec::new(), Some(rest));
    }
    let keep = data.len().min(mark.len());
    let cut = data.len() - keep;
    let held = data[cut..].to_vec();
    let mut body = data;
    body.truncate(cut);
    (body, held, None)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

fn write_payload(t: &mut Transfer, bytes: &[u8]) -> Result<(), Failed> {
    if bytes.is_empty() {
        return Ok(());
    }
    match &mut t.sink {
        Sink::Memory(v) => v.extend_from_slice(bytes),
        Sink::Disk { file, .. } => {
            if let Err(e) = file.write_all(bytes) {
                serverlog!(
                    Level::Warning,
                    "Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: {e}"
                );
                return Err(Failed { reconnect: true });
            }
            if t.read + bytes.len() as i64 >= t.last_fsync + FSYNC_EVERY {
                let _ = file.sync_data();
                t.last_fsync = t.read + bytes.len() as i64;
            }
        }
    }
    t.read += bytes.len() as i64;
    Ok(())
}

/// The received payload, ready to load.
pub enum Payload {
    /// Renamed over `dbfilename` and synced; load from this path.
    File(String),
    Memory(Vec<u8>),
}

/// Ends the transfer: fsync and rename the temp file over `dbfilename` (disk), or hands
/// back the buffered bytes (diskless). Errors are logged in Redis's words.
pub fn finish(t: Transfer, dbfilename: &str) -> Result<Payload, Failed> {
    match t.sink {
        Sink::Memory(v) => Ok(Payload::Memory(v)),
        Sink::Disk { file, path } => {
            if let Err(e) = file.sync_all() {
                serverlog!(
                    Level::Warning,
                    "Failed trying to sync the temp DB to disk in MASTER <-> REPLICA synchronization: {e}"
                );
                let _ = fs::remove_file(&path);
                return Err(Failed { reconnect: true });
            }
            drop(file);
            if let Err(e) = fs::rename(&path, dbfilename) {
                serverlog!(
                    Level::Warning,
                    "Failed trying to rename the temp DB into {dbfilename} in MASTER <-> REPLICA synchronization: {e}"
                );
                let _ = fs::remove_file(&path);
                return Err(Failed { reconnect: true });
            }
            if let Ok(d) = File::open(".") {
                let _ = d.sync_all();
            }
            Ok(Payload::File(dbfilename.to_string()))
        }
    }
}

/// Drops a transfer that failed: its temp file goes (Redis's replicationAbortSyncTransfer).
pub fn abort(t: Transfer) {
    if let Sink::Disk { file, path } = t.sink {
        drop(file);
        let _ = fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mark_is_found_across_chunks_and_never_written() {
        let mark = b"0123456789012345678901234567890123456789";
        let mut payload = b"REDIS0010-body".to_vec();
        payload.extend_from_slice(mark);
        payload.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
        // Every split point, including inside the mark, gives the same result.
        for split in 0..payload.len() {
            let (a, b) = payload.split_at(split);
            let (body1, held, rest) = scan_for_mark(Vec::new(), a, mark);
            let (written, rest) = match rest {
                Some(mut r) => {
                    r.extend_from_slice(b);
                    (body1, r)
                }
                None => {
                    let (body2, _, rest) = scan_for_mark(held, b, mark);
                    let mut w = body1;
                    w.extend_from_slice(&body2);
                    (w, rest.expect("mark found in the second chunk"))
                }
            };
            assert_eq!(written, b"REDIS0010-body", "split at {split}");
            assert_eq!(rest, b"*1\r\n$4\r\nPING\r\n", "split at {split}");
        }
    }
}
