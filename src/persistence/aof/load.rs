//! Loading the AOF at start-up (Redis's loadAppendOnlyFiles / loadSingleAppendOnlyFile): the
//! manifest, then the base (an RDB when it starts with `REDIS`, else commands), then each
//! incremental file, replaying commands through the command table as a fake client.
//!
//! Owns: reading AOF data files and the decisions about damage: a truncated last command is cut
//! off (with `aof-load-truncated yes`) when it is in the last file, anything else stops
//! start-up with the file, the offset and the remedy. It must never write to the AOF other
//! than that truncation, and never reply to anybody.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::manifest::{self, Manifest};
use crate::client::{flags as cf, Client, Conn};
use crate::commands::Argv;
use crate::log::Level;
use crate::server::Server;
use crate::serverlog;
use crate::util::numeric::strtoll;

/// 1024 bytes, Redis's AOF_ANNOTATION_LINE_MAX_LEN: the longest `*<argc>` / `$<len>` line.
const LINE_MAX: usize = 1024;
/// Commands between two updates of the cached clock while loading.
const LOOPS_PER_YIELD: u64 = 1024;

/// Outcome of loading one file (Redis's AOF_OK ... AOF_FAILED).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileResult {
    Ok,
    NotExist,
    Empty,
    OpenErr,
    Failed,
    Truncated,
}

/// Loads the AOF named by the manifest in the AOF directory into the server, at start-up.
/// Returns an error message for the log when start-up must stop (empty when the reason was
/// already logged).
pub fn load_at_startup(srv: &mut Server) -> Result<(), String> {
    let dir = super::dir_path(srv);
    let name = srv.config.appendfilename.clone();
    let mpath = dir.join(manifest::manifest_name(&name));
    let mut am = match std::fs::read(&mpath) {
        Ok(text) => Manifest::parse(&text).map_err(|e| {
            format!(
                "*** FATAL AOF MANIFEST FILE ERROR *** {}: {e}. Fix the manifest (redis-check-aof --fix {}) or restore it from a backup, then restart.",
                mpath.display(),
                mpath.display()
            )
        })?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Manifest::default(),
        Err(e) => {
            return Err(format!(
                "Fatal error: can't open the AOF manifest file {} for reading: {e}",
                mpath.display()
            ))
        }
    };
    // An old-style single AOF in `dir` is moved into the directory (Redis's upgrade path).
    if Path::new(&name).is_file() {
        let no_files = am.base.is_none() && am.incr.is_empty();
        let only_old_base = am.incr.is_empty()
            && am.base.as_ref().is_some_and(|b| b.file_name == name)
            && !dir.join(&name).exists();
        if !dir.is_dir() || no_files || only_old_base {
            upgrade(&dir, &name, &mut am)?;
        }
    }
    srv.aof.manifest = am.clone();
    if am.base.is_none() && am.incr.is_empty() {
        return Ok(());
    }
    let files: Vec<manifest::AofInfo> = am.files_to_load().cloned().collect();
    let mut total = 0u64;
    for f in &files {
        match std::fs::metadata(dir.join(&f.file_name)) {
            Ok(m) => total += m.len(),
            Err(e) => {
                return Err(format!(
                    "The append log file {} doesn't exist or can't be read: {e}. The manifest names it; restore it or fix the manifest, then restart.",
                    f.file_name
                ))
            }
        }
    }
    if total == 0 {
        return Ok(());
    }
    let start = std::time::Instant::now();
    let n = files.len();
    let mut base_size = 0;
    let mut failed = false;
    for (i, f) in files.iter().enumerate() {
        let last = i + 1 == n;
        let t = std::time::Instant::now();
        let mut r = load_file(srv, &dir, &f.file_name);
        if f.file_type == manifest::FileType::Base {
            base_size = std::fs::metadata(dir.join(&f.file_name))
                .map(|m| m.len())
                .unwrap_or(0);
        } else if r == FileResult::Empty {
            r = FileResult::Ok;
        }
        if r == FileResult::Ok || (r == FileResult::Truncated && last) {
            let kind = if f.file_type == manifest::FileType::Base {
                "base"
            } else {
                "incr"
            };
            serverlog!(
                Level::Notice,
                "DB loaded from {kind} file {}: {:.3} seconds",
                f.file_name,
                t.elapsed().as_secs_f64()
            );
        }
        if r == FileResult::Truncated && !last {
            serverlog!(
                Level::Warning,
                "Fatal error: the truncated file is not the last file"
            );
            r = FileResult::Failed;
        }
        if matches!(r, FileResult::Failed | FileResult::OpenErr) {
            failed = true;
            break;
        }
    }
    if failed {
        // The line just logged names the file, what is wrong and the remedy; it stays the
        // last line of the log, as in Redis (tools and the test suite read that line).
        return Err(String::new());
    }
    srv.aof.current_size = total;
    srv.aof.base_size = base_size;
    serverlog!(
        Level::Notice,
        "DB loaded from append only file: {:.3} seconds",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// DEBUG LOADAOF: flush the buffer, empty the data, read the manifest and load everything
/// again (history files of a finished rewrite are deleted first, as Redis does).
pub fn reload(srv: &mut Server) -> Result<(), String> {
    if srv.aof.status == super::Status::On {
        super::flush(srv, true);
    }
    srv.ks.flush_all();
    let r = load_at_startup(srv);
    super::rewrite::delete_history_files(srv);
    srv.ks.dirty = 0;
    r.inspect_err(|msg| {
        if !msg.is_empty() {
            serverlog!(Level::Warning, "{msg}");
        }
    })
}

/// Redis's aofUpgradePrepare: an old `appendonly.aof` in `dir` becomes the base of a
/// manifest in the AOF directory.
fn upgrade(dir: &Path, name: &str, am: &mut Manifest) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| {
        format!(
            "Can't open or create append-only dir {}: {e}",
            dir.display()
        )
    })?;
    *am = Manifest {
        base: Some(manifest::AofInfo {
            file_name: name.to_string(),
            file_seq: 1,
            file_type: manifest::FileType::Base,
        }),
        curr_base_seq: 1,
        dirty: true,
        ..Manifest::default()
    };
    manifest::write_file(dir, name, &am.render())
        .map_err(|e| format!("Can't write the AOF manifest: {e}"))?;
    am.dirty = false;
    std::fs::rename(name, dir.join(name)).map_err(|e| {
        format!(
            "Error trying to move the old AOF file {name} into dir {}: {e}",
            dir.display()
        )
    })?;
    serverlog!(
        Level::Notice,
        "Successfully migrated an old-style AOF file ({name}) into the AOF directory ({}).",
        dir.display()
    );
    Ok(())
}

/// Where a file's command stream broke.
enum Stop {
    /// Clean end of file.
    Eof,
    /// The file ends inside a command.
    ShortRead,
    /// Bytes that are not a command.
    Format,
    Io(io::Error),
    /// A command the table does not know.
    Unknown(String),
}

/// Redis's loadSingleAppendOnlyFile.
pub fn load_file(srv: &mut Server, dir: &Path, name: &str) -> FileResult {
    let path = dir.join(name);
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            serverlog!(
                Level::Warning,
                "The append log file {name} doesn't exist: {e}"
            );
            return FileResult::NotExist;
        }
        Err(e) => {
            serverlog!(
                Level::Warning,
                "Fatal error: can't open the append log file {name} for reading: {e}"
            );
            return FileResult::OpenErr;
        }
    };
    if file.metadata().map(|m| m.len()).unwrap_or(0) == 0 {
        return FileResult::Empty;
    }
    let mut r = BufReader::with_capacity(256 * 1024, file);
    let old_style = name == srv.config.appendfilename;
    // An RDB (a 7.0 base, or the preamble of an old-style AOF) comes first.
    let mut start = 0u64;
    let mut sig = [0u8; 5];
    let is_rdb = r.read_exact(&mut sig).is_ok() && &sig == b"REDIS";
    if is_rdb {
        serverlog!(
            Level::Notice,
            "{}",
            if old_style {
                "Reading RDB preamble from AOF file..."
            } else {
                "Reading RDB base file on AOF loading..."
            }
        );
        // An RDB base keeps its expired keys: they expire (and are propagated) afterwards,
        // as Redis's RDBFLAGS_AOF_PREAMBLE load does.
        let mut opts = crate::persistence::snapshot::load_options(srv);
        opts.drop_expired = false;
        match crate::persistence::snapshot::load_file_with(srv, &path, &opts) {
            Ok(Some((ks, l))) => {
                start = l.len as u64;
                crate::persistence::snapshot::install(srv, ks, &l);
                if old_style {
                    serverlog!(Level::Notice, "Reading the remaining AOF tail...");
                }
            }
            Ok(None) => return FileResult::NotExist,
            Err(e) => {
                serverlog!(Level::Warning, "{e}");
                serverlog!(
                    Level::Warning,
                    "Error reading the RDB {} {name}, AOF loading aborted",
                    if old_style {
                        "preamble of the AOF file"
                    } else {
                        "base file"
                    }
                );
                return FileResult::Failed;
            }
        }
    }
    if r.seek(SeekFrom::Start(start)).is_err() {
        return FileResult::Failed;
    }
    let cid = match fake_client(srv) {
        Ok(cid) => cid,
        Err(e) => {
            serverlog!(
                Level::Warning,
                "Can't create the client that replays the AOF: {e}"
            );
            return FileResult::Failed;
        }
    };
    let mut valid_up_to = start;
    let mut valid_before_multi = start;
    let mut pos = start;
    // What the file replays is already in the AOF: nothing is appended or propagated while
    // loading (Redis turns aof_state off and runs the commands without call()).
    let status = std::mem::replace(&mut srv.aof.status, super::Status::Off);
    let gather = std::mem::replace(&mut srv.also_propagate.enabled, false);
    srv.ks.loading = true;
    let stop = replay(
        srv,
        cid,
        &mut r,
        &mut pos,
        &mut valid_up_to,
        &mut valid_before_multi,
    );
    srv.ks.loading = false;
    srv.aof.status = status;
    srv.also_propagate.enabled = gather;
    let in_multi = srv.clients.get(cid).is_some_and(|c| c.has_flag(cf::MULTI));
    crate::networking::free_client(srv, cid);
    let stop = match stop {
        Stop::Eof if in_multi => {
            serverlog!(
                Level::Warning,
                "Revert incomplete MULTI/EXEC transaction in AOF file {name}"
            );
            valid_up_to = valid_before_multi;
            Stop::ShortRead
        }
        s => s,
    };
    match stop {
        Stop::Eof => FileResult::Ok,
        Stop::Io(e) => {
            serverlog!(
                Level::Warning,
                "Unrecoverable error reading the append only file {name}: {e}"
            );
            FileResult::Failed
        }
        Stop::Unknown(cmd) => {
            serverlog!(
                Level::Warning,
                "Unknown command '{cmd}' reading the append only file {name}"
            );
            FileResult::Failed
        }
        Stop::Format => {
            serverlog!(
                Level::Warning,
                "Bad file format reading the append only file {name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"
            );
            FileResult::Failed
        }
        Stop::ShortRead => {
            if srv.config.aof_load_truncated {
                serverlog!(
                    Level::Warning,
                    "!!! Warning: short read while loading the AOF file {name}!!!"
                );
                serverlog!(
                    Level::Warning,
                    "!!! Truncating the AOF {name} at offset {valid_up_to} !!!"
                );
                let cut = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .and_then(|f| f.set_len(valid_up_to));
                match cut {
                    Ok(()) => {
                        serverlog!(
                            Level::Warning,
                            "AOF {name} loaded anyway because aof-load-truncated is enabled"
                        );
                        return FileResult::Truncated;
                    }
                    Err(e) => {
                        serverlog!(Level::Warning, "Error truncating the AOF file {name}: {e}")
                    }
                }
            }
            serverlog!(
                Level::Warning,
                "Unexpected end of file reading the append only file {name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server."
            );
            FileResult::Failed
        }
    }
}

/// A client with no peer that runs the file's commands (Redis's createAOFClient): never
/// registered with the reactor, its replies discarded.
fn fake_client(srv: &mut Server) -> io::Result<usize> {
    let (ours, _theirs) = std::os::unix::net::UnixStream::pair()?;
    ours.set_nonblocking(true)?;
    let conn = Conn::Unix(mio::net::UnixStream::from_std(ours));
    let id = srv.next_client_id;
    srv.next_client_id += 1;
    let mut c = Client::new(id, conn, String::new(), String::new(), srv.ks.now_ms);
    c.authenticated = true;
    c.flags |= cf::REPLY_OFF;
    Ok(srv.clients.insert(c))
}

/// Reads `*<argc>` commands until the end of the file, running each one.
fn replay(
    srv: &mut Server,
    cid: usize,
    r: &mut BufReader<File>,
    pos: &mut u64,
    valid_up_to: &mut u64,
    valid_before_multi: &mut u64,
) -> Stop {
    let mut line = Vec::with_capacity(64);
    let mut buf: Vec<u8> = Vec::new();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let max_bulk = srv.config.proto_max_bulk_len.max(0) as u64;
    let mut loops = 0u64;
    loop {
        loops += 1;
        if loops % LOOPS_PER_YIELD == 0 {
            srv.ks.update_clock();
        }
        line.clear();
        match read_line(r, &mut line) {
            Ok(0) => return Stop::Eof,
            Ok(_) => {}
            Err(e) => return Stop::Io(e),
        }
        *pos += line.len() as u64;
        if line.first() == Some(&b'#') {
            continue;
        }
        if line.first() != Some(&b'*') {
            return Stop::Format;
        }
        if !line.ends_with(b"\n") {
            return Stop::ShortRead;
        }
        let argc = strtoll(&line[1..]).0;
        if argc < 1 {
            return Stop::Format;
        }
        buf.clear();
        spans.clear();
        for _ in 0..argc {
            line.clear();
            match read_line(r, &mut line) {
                Ok(0) => return Stop::ShortRead,
                Ok(_) => {}
                Err(e) => return Stop::Io(e),
            }
            *pos += line.len() as u64;
            if !line.ends_with(b"\n") {
                return Stop::ShortRead;
            }
            if line.first() != Some(&b'$') {
                return Stop::Format;
            }
            let len = strtoll(&line[1..]).0;
            if len < 0 || len as u64 > max_bulk {
                return Stop::Format;
            }
            let len = len as usize;
            let off = buf.len();
            // Grows as bytes arrive: a damaged length never allocates more than the file holds.
            let got = match r.by_ref().take(len as u64).read_to_end(&mut buf) {
                Ok(n) => n,
                Err(e) => return Stop::Io(e),
            };
            if got < len {
                return Stop::ShortRead;
            }
            let mut crlf = [0u8; 2];
            if r.read_exact(&mut crlf).is_err() {
                return Stop::ShortRead;
            }
            *pos += len as u64 + 2;
            spans.push((off, len));
        }
        let argv = Argv::new(&buf, &spans);
        if let Err(name) = run(srv, cid, &argv, valid_up_to, valid_before_multi) {
            return Stop::Unknown(name);
        }
        *valid_up_to = *pos;
    }
}

/// Runs one command of the file: queued while the fake client is in MULTI (Redis's
/// loadSingleAppendOnlyFile does the same), else called directly, skipping processCommand's
/// checks. `Err(name)` for a command the table does not know.
fn run(
    srv: &mut Server,
    cid: usize,
    argv: &Argv<'_>,
    valid_up_to: &u64,
    valid_before_multi: &mut u64,
) -> Result<(), String> {
    let name = argv.get(0);
    let Some(mut id) = srv.commands.lookup(name) else {
        return Err(String::from_utf8_lossy(name).into_owned());
    };
    if srv.commands.has_subcommands(id) && argv.len() >= 2 {
        if let Some(sid) = srv.commands.lookup_sub(id, argv.get(1)) {
            id = sid;
        }
    }
    let full = srv.commands.full_names[id].as_str();
    if full == "multi" {
        *valid_before_multi = *valid_up_to;
    }
    let mark = srv.clients[cid].reply_mark();
    let in_multi = srv.clients[cid].has_flag(cf::MULTI);
    if in_multi && full != "exec" {
        let flags = srv.commands.specs[id].flags;
        crate::multi::queue_multi_command(&mut srv.clients[cid], id, flags, argv);
    } else {
        srv.current_client = Some(cid);
        crate::commands::call(srv, cid, id, argv);
        srv.current_client = None;
    }
    if let Some(c) = srv.clients.get_mut(cid) {
        c.reply_rollback(mark);
    }
    Ok(())
}

/// Reads one line up to and including `\n`, at most [`LINE_MAX`] bytes (Redis's fgets into
/// a 1024-byte buffer). Returns the bytes read, 0 at end of file.
fn read_line(r: &mut BufReader<File>, out: &mut Vec<u8>) -> io::Result<usize> {
    r.by_ref().take(LINE_MAX as u64).read_until(b'\n', out)
}
