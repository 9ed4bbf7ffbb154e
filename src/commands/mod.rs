//! The command table and dispatch: Redis's `commandTable`, `lookupCommand`,
//! `processCommand` and `call`.
//!
//! Owns: the table of every command (name, arity, flags, key positions,
//! subcommands), the checks made before a handler runs, per-command stats,
//! and the `Ctx` a handler works through. Handlers live one family per
//! file; each family exports `COMMANDS: &[CommandSpec]` and the table is
//! built from those lists, so adding a command touches only its family.
//! It must never read sockets: the reactor hands it parsed arguments.
//!
//! ```text
//!  argv ──► lookup (case-insensitive, no allocation)
//!           │ unknown ─────────────► -ERR unknown command 'x', with args beginning with: ...
//!           ▼
//!           container? ──► subcommand lookup ─► -ERR unknown subcommand 'x'. Try CONFIG HELP.
//!           ▼
//!           arity ───────────────► -ERR wrong number of arguments for 'get' command
//!           auth ────────────────► -NOAUTH Authentication required.
//!           MULTI? ──────────────► +QUEUED
//!           ▼
//!           handler(ctx, argv) ──► reply into the client's buffer
//!           ▼
//!           stats (calls, usec, failed), slowlog, MONITOR feed
//! ```
//!
//! Arity follows Redis: `n > 0` means exactly n arguments including the
//! name; `-n` means at least n. `GET` is 2, `SET` is -3, `MSET` is -3.

pub mod config_cmd;
pub mod connection;
pub mod hashes;
pub mod keys;
pub mod server_cmds;
pub mod sets;
pub mod sort;
pub mod strings;

use std::collections::HashMap;
use std::ops::Index;

use crate::client::{flags as cf, Client};
use crate::db::Keyspace;
use crate::server::Server;

/// A command handler: reads `argv`, works on the server, replies.
pub type Handler = fn(&mut Ctx<'_>, &Argv<'_>);

/// Command flags, as Redis's CMD_* (the ones we act on or report).
pub mod flags {
    pub const WRITE: u32 = 1 << 0;
    pub const READONLY: u32 = 1 << 1;
    pub const DENYOOM: u32 = 1 << 2;
    pub const ADMIN: u32 = 1 << 3;
    pub const PUBSUB: u32 = 1 << 4;
    pub const NOSCRIPT: u32 = 1 << 5;
    pub const BLOCKING: u32 = 1 << 6;
    pub const LOADING: u32 = 1 << 7;
    pub const STALE: u32 = 1 << 8;
    pub const SKIP_MONITOR: u32 = 1 << 9;
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    pub const FAST: u32 = 1 << 11;
    pub const NO_AUTH: u32 = 1 << 12;
    pub const MAY_REPLICATE: u32 = 1 << 13;
    pub const NO_MULTI: u32 = 1 << 14;
    pub const ALLOW_BUSY: u32 = 1 << 15;
    pub const SENTINEL: u32 = 1 << 16;

    // Names and the full flag set COMMAND INFO shows live in
    // server_cmds::meta (generated from Redis's command JSON).
}

/// One command (or subcommand) in the table.
pub struct CommandSpec {
    /// Lowercase name; for a subcommand, just its own word (`get`).
    pub name: &'static str,
    pub handler: Handler,
    pub arity: i32,
    pub flags: u32,
    /// Key positions for COMMAND INFO / GETKEYS: first, last (-1 = last
    /// argument, -2 = one before), step. `0, 0, 0` = no keys.
    pub first_key: i32,
    pub last_key: i32,
    pub key_step: i32,
    /// COMMAND DOCS group (`string`, `generic`, `server`, `connection` ...).
    pub group: &'static str,
    /// One-line summary for COMMAND DOCS and redis-cli's help.
    pub summary: &'static str,
    /// Redis version that introduced it, for COMMAND DOCS.
    pub since: &'static str,
    /// Argument syntax shown by redis-cli's hints, e.g. `key value [EX seconds]`.
    pub syntax: &'static str,
    /// Subcommands of a container command (CONFIG, CLIENT, OBJECT ...).
    pub subcommands: &'static [CommandSpec],
}

/// A handler that is never called (containers dispatch to subcommands).
pub fn container_handler(_: &mut Ctx<'_>, _: &Argv<'_>) {}

/// The arguments of one request, borrowed from the query buffer.
pub struct Argv<'a> {
    buf: &'a [u8],
    spans: &'a [(usize, usize)],
}

impl<'a> Argv<'a> {
    pub fn new(buf: &'a [u8], spans: &'a [(usize, usize)]) -> Argv<'a> {
        Argv { buf, spans }
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Argument `i` (0 is the command name).
    pub fn get(&self, i: usize) -> &'a [u8] {
        let (o, l) = self.spans[i];
        &self.buf[o..o + l]
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + '_ {
        self.spans.iter().map(|&(o, l)| &self.buf[o..o + l])
    }

    /// Owned copies (MULTI queue, blocked clients, slowlog).
    pub fn to_vecs(&self) -> Vec<Vec<u8>> {
        self.iter().map(|a| a.to_vec()).collect()
    }

    /// True when argument `i` equals `word`, ignoring ASCII case.
    pub fn is(&self, i: usize, word: &str) -> bool {
        i < self.len() && self.get(i).eq_ignore_ascii_case(word.as_bytes())
    }
}

impl<'a> Index<usize> for Argv<'a> {
    type Output = [u8];
    fn index(&self, i: usize) -> &[u8] {
        let (o, l) = self.spans[i];
        &self.buf[o..o + l]
    }
}

/// Calls, time and failures of one command (INFO commandstats).
#[derive(Default, Clone, Debug)]
pub struct CmdStats {
    pub calls: u64,
    pub usec: u64,
    pub rejected_calls: u64,
    pub failed_calls: u64,
    /// Latency distribution (INFO latencystats, LATENCY HISTOGRAM),
    /// allocated on the first call.
    pub latency: Option<Box<server_cmds::histogram::Histogram>>,
}

/// The built table: name → spec, plus stats slots.
pub struct CommandTable {
    by_name: HashMap<Vec<u8>, usize>,
    pub specs: Vec<&'static CommandSpec>,
    /// Full names (`get`, `config|get`), parallel to `specs`.
    pub full_names: Vec<String>,
    pub stats: Vec<CmdStats>,
    /// Index of each top-level command's subcommands: parent id → (name → id).
    subs: HashMap<usize, HashMap<Vec<u8>, usize>>,
}

/// Every family's command list, one line per family.
const FAMILIES: &[&[CommandSpec]] = &[
    connection::COMMANDS,
    config_cmd::COMMANDS,
    strings::COMMANDS,
    keys::COMMANDS,
    hashes::COMMANDS,
    sets::COMMANDS,
    sort::COMMANDS,
    server_cmds::COMMANDS,
];

impl CommandTable {
    pub fn build() -> CommandTable {
        let mut t = CommandTable {
            by_name: HashMap::new(),
            specs: Vec::new(),
            full_names: Vec::new(),
            stats: Vec::new(),
            subs: HashMap::new(),
        };
        for fam in FAMILIES {
            for spec in fam.iter() {
                let id = t.push(spec, spec.name.to_string());
                t.by_name.insert(spec.name.as_bytes().to_vec(), id);
                if !spec.subcommands.is_empty() {
                    let mut m = HashMap::new();
                    for sub in spec.subcommands {
                        let sid = t.push(sub, format!("{}|{}", spec.name, sub.name));
                        m.insert(sub.name.as_bytes().to_vec(), sid);
                    }
                    t.subs.insert(id, m);
                }
            }
        }
        t
    }

    /// Applies `rename-command old new` directives: an empty new name
    /// removes the command. Returns an error naming an unknown command, as
    /// Redis refuses to start then.
    pub fn apply_renames(&mut self, renames: &[(String, String)]) -> Result<(), String> {
        for (old, new) in renames {
            let Some(id) = self.by_name.remove(old.to_ascii_lowercase().as_bytes()) else {
                return Err(format!("No such command '{old}' in rename-command."));
            };
            if !new.is_empty() {
                if self
                    .by_name
                    .contains_key(new.to_ascii_lowercase().as_bytes())
                {
                    return Err(format!(
                        "Error renaming command '{old}' to '{new}': the target name already exists."
                    ));
                }
                self.by_name
                    .insert(new.to_ascii_lowercase().into_bytes(), id);
            }
        }
        Ok(())
    }

    fn push(&mut self, spec: &'static CommandSpec, full: String) -> usize {
        self.specs.push(spec);
        self.full_names.push(full);
        self.stats.push(CmdStats::default());
        self.specs.len() - 1
    }

    /// Looks up a top-level command by name, any case, without allocating
    /// for names up to 32 bytes.
    pub fn lookup(&self, name: &[u8]) -> Option<usize> {
        lookup_ci(&self.by_name, name)
    }

    /// Looks up a subcommand of container `parent`.
    pub fn lookup_sub(&self, parent: usize, name: &[u8]) -> Option<usize> {
        self.subs.get(&parent).and_then(|m| lookup_ci(m, name))
    }

    pub fn has_subcommands(&self, id: usize) -> bool {
        self.subs.contains_key(&id)
    }

    /// Ids of top-level commands (COMMAND, COMMAND COUNT, COMMAND LIST).
    pub fn top_level(&self) -> impl Iterator<Item = usize> + '_ {
        let mut ids: Vec<usize> = self.by_name.values().copied().collect();
        ids.sort_unstable();
        ids.into_iter()
    }

    /// Ids of the subcommands of `parent`, in table order.
    pub fn subcommands_of(&self, parent: usize) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .subs
            .get(&parent)
            .map(|m| m.values().copied().collect())
            .unwrap_or_default();
        v.sort_unstable();
        v
    }

    pub fn reset_stats(&mut self) {
        for s in &mut self.stats {
            *s = CmdStats::default();
        }
    }
}

fn lookup_ci(map: &HashMap<Vec<u8>, usize>, name: &[u8]) -> Option<usize> {
    let mut buf = [0u8; 32];
    if name.len() <= buf.len() {
        for (d, s) in buf.iter_mut().zip(name) {
            *d = s.to_ascii_lowercase();
        }
        map.get(&buf[..name.len()]).copied()
    } else {
        map.get(&name.to_ascii_lowercase()).copied()
    }
}

/// What a handler works through: the server and the calling client.
pub struct Ctx<'a> {
    pub srv: &'a mut Server,
    /// Slab key of the calling client.
    pub cid: usize,
    /// Table id of the running command.
    pub cmd_id: usize,
}

impl<'a> Ctx<'a> {
    pub fn client(&mut self) -> &mut Client {
        &mut self.srv.clients[self.cid]
    }

    /// The keyspace and the calling client at once.
    pub fn parts(&mut self) -> (&mut Keyspace, &mut Client) {
        (&mut self.srv.ks, &mut self.srv.clients[self.cid])
    }

    /// The SELECTed database of the calling client.
    pub fn db(&self) -> usize {
        self.srv.clients[self.cid].db
    }

    pub fn ks(&mut self) -> &mut Keyspace {
        &mut self.srv.ks
    }

    pub fn ok(&mut self) {
        self.client().add_ok();
    }
    pub fn err(&mut self, msg: &str) {
        self.client().add_error(msg);
    }
    pub fn int(&mut self, v: i64) {
        self.client().add_int(v);
    }
    pub fn bulk(&mut self, b: &[u8]) {
        self.client().add_bulk(b);
    }
    pub fn null(&mut self) {
        self.client().add_null();
    }
    pub fn status(&mut self, s: &str) {
        self.client().add_status(s);
    }
    pub fn array_len(&mut self, n: usize) {
        self.client().add_array_len(n);
    }

    /// `-ERR syntax error`.
    pub fn syntax_error(&mut self) {
        self.err("ERR syntax error");
    }

    /// `-WRONGTYPE ...`.
    pub fn wrongtype(&mut self) {
        self.err(crate::db::object::WRONGTYPE);
    }

    /// Marks `n` changes to the dataset (save points, propagation).
    pub fn dirty(&mut self, n: u64) {
        self.srv.ks.dirty += n;
    }

    /// Replaces what gets propagated for the running command (AOF and
    /// replicas) with `args`: Redis's rewriteClientCommandVector, used to
    /// make commands deterministic (`SET k v EX 10` → `SET k v PXAT <ms>`,
    /// `INCRBYFLOAT` → `SET ... KEEPTTL`).
    pub fn rewrite_propagation(&mut self, args: &[&[u8]]) {
        self.srv.propagation.rewritten = Some(args.iter().map(|a| a.to_vec()).collect());
    }

    /// Propagates an extra command after the running one (Redis's
    /// alsoPropagate), e.g. a `DEL` for a key a command emptied.
    pub fn also_propagate(&mut self, db: usize, args: &[&[u8]]) {
        let cmd = args.iter().map(|a| a.to_vec()).collect();
        self.srv.propagation.also.push((db, cmd));
    }

    /// Stops the running command from being propagated at all, whatever it
    /// changed (Redis's preventCommandPropagation).
    pub fn prevent_propagation(&mut self) {
        self.srv.propagation.prevent = true;
    }

    /// Propagates the running command even though it changed nothing
    /// (Redis's forceCommandPropagation), e.g. FLUSHALL on empty databases.
    pub fn force_propagation(&mut self) {
        self.srv.propagation.force = true;
    }

    /// Database `db` (or every one, `None`) was emptied: Redis's
    /// signalFlushedDb (invalidates WATCH and client tracking; wired by the
    /// transactions issue).
    pub fn signal_flushed_db(&mut self, db: Option<usize>) {
        let _ = db;
    }

    /// A key's value changed: Redis's signalModifiedKey (invalidates WATCH;
    /// wired by the transactions issue).
    pub fn signal_modified_key(&mut self, db: usize, key: &[u8]) {
        let _ = (db, key);
    }

    /// A keyspace event happened: Redis's notifyKeyspaceEvent(type, event,
    /// key, dbid), with `class` one of the NOTIFY_* letters (`g` generic,
    /// `$` string, `x` expired ...). Delivered by the pub/sub issue.
    pub fn notify_keyspace_event(&mut self, class: u8, event: &str, key: &[u8], db: usize) {
        let _ = (class, event, key, db);
    }

    /// The full name of the running command (`get`, `config|set`).
    pub fn cmd_name(&self) -> &str {
        &self.srv.commands.full_names[self.cmd_id]
    }

    /// `-ERR unknown subcommand 'x'. Try CONFIG HELP.` for a container
    /// handling its own subcommands.
    pub fn unknown_subcommand(&mut self, argv: &Argv<'_>) {
        let parent = String::from_utf8_lossy(argv.get(0)).to_uppercase();
        let sub = String::from_utf8_lossy(argv.get(1)).into_owned();
        self.err(&format!(
            "ERR unknown subcommand '{}'. Try {} HELP.",
            truncate(&sub, 128),
            parent
        ));
    }
}

/// At most `max` bytes of `s`, cut on a char boundary.
pub fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Checks and runs one request for client `cid`: Redis's processCommand.
/// Returns the table id of the command that ran, if one did.
pub fn process_command(srv: &mut Server, cid: usize, argv: &Argv<'_>) -> Option<usize> {
    let name = argv.get(0);
    let Some(mut id) = srv.commands.lookup(name) else {
        // Redis's wording: the name cut at 128 bytes, then quoted
        // arguments while fewer than 128 bytes of them have been shown.
        let mut args = String::new();
        for a in argv.iter().skip(1) {
            if args.len() >= 128 {
                break;
            }
            let room = 128 - args.len();
            args.push('\'');
            args.push_str(truncate(&String::from_utf8_lossy(a), room));
            args.push_str("' ");
        }
        let msg = format!(
            "ERR unknown command '{}', with args beginning with: {}",
            truncate(&String::from_utf8_lossy(name), 128),
            args
        );
        srv.clients[cid].add_error(&msg);
        return None;
    };
    let c = &srv.clients[cid];
    // Authentication comes first: an unauthenticated client learns nothing
    // about the table.
    if !c.authenticated && srv.auth_required() && srv.commands.specs[id].flags & flags::NO_AUTH == 0
    {
        srv.commands.stats[id].rejected_calls += 1;
        srv.clients[cid].add_error("NOAUTH Authentication required.");
        return None;
    }
    if srv.commands.has_subcommands(id) && argv.len() >= 2 {
        match srv.commands.lookup_sub(id, argv.get(1)) {
            Some(sid) => id = sid,
            None => {
                srv.commands.stats[id].rejected_calls += 1;
                let parent = String::from_utf8_lossy(argv.get(0)).to_uppercase();
                let sub = String::from_utf8_lossy(argv.get(1)).into_owned();
                srv.clients[cid].add_error(&format!(
                    "ERR unknown subcommand '{}'. Try {} HELP.",
                    truncate(&sub, 128),
                    parent
                ));
                return None;
            }
        }
    }
    let spec = srv.commands.specs[id];
    let argc = argv.len() as i32;
    if (spec.arity > 0 && argc != spec.arity) || argc < -spec.arity {
        srv.commands.stats[id].rejected_calls += 1;
        let msg = format!(
            "ERR wrong number of arguments for '{}' command",
            srv.commands.full_names[id]
        );
        srv.clients[cid].add_error(&msg);
        return None;
    }
    // Redis's OOM gate: with maxmemory set and no eviction policy able to
    // free memory (rudis evicts nothing yet), commands that may grow memory
    // are refused while over the limit.
    if spec.flags & flags::DENYOOM != 0
        && srv.config.maxmemory > 0
        && !srv.clients[cid].has_flag(cf::MASTER)
        && crate::alloc::allocated() > srv.config.maxmemory
    {
        srv.commands.stats[id].rejected_calls += 1;
        srv.clients[cid].add_error("OOM command not allowed when used memory > 'maxmemory'.");
        return None;
    }
    let c = &mut srv.clients[cid];
    if c.has_flag(cf::MULTI)
        && !matches!(
            spec.name,
            "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
        )
    {
        c.multi_queue.push(argv.to_vecs());
        c.add_raw(b"+QUEUED\r\n");
        return None;
    }
    call(srv, cid, id, argv);
    Some(id)
}

/// What the running command asked to propagate differently (see
/// `Ctx::rewrite_propagation`, `also_propagate`, `prevent_propagation`).
/// Reset before each command; consumed by replication and AOF.
#[derive(Default)]
pub struct PropagationRequest {
    pub rewritten: Option<Vec<Vec<u8>>>,
    pub also: Vec<(usize, Vec<Vec<u8>>)>,
    pub prevent: bool,
    /// Propagate even if nothing changed (FLUSHDB on an empty db).
    pub force: bool,
}

/// Runs a checked command and records its stats (Redis's call()).
pub fn call(srv: &mut Server, cid: usize, id: usize, argv: &Argv<'_>) {
    let spec = srv.commands.specs[id];
    srv.ks.update_clock();
    let errors_before = srv.clients[cid].errors.len();
    srv.propagation = PropagationRequest::default();
    let start = std::time::Instant::now();
    {
        let mut ctx = Ctx {
            srv,
            cid,
            cmd_id: id,
        };
        (spec.handler)(&mut ctx, argv);
    }
    let usec = start.elapsed().as_micros() as u64;
    let st = &mut srv.commands.stats[id];
    st.calls += 1;
    st.usec += usec;
    let c = &mut srv.clients[cid];
    if c.errors.len() > errors_before {
        st.failed_calls += 1;
    }
    c.last_cmd = Some(id);
    srv.stat_numcommands += 1;
    // Latency monitor, slow log, MONITOR feed, latency histogram.
    server_cmds::after_call(srv, cid, id, argv, usec);
}
