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
pub mod failover;
pub mod hashes;
pub mod keys;
pub mod lists;
pub mod pubsub;
pub mod replicaof;
pub mod replication_cmds;
pub mod server_cmds;
pub mod sets;
pub mod sort;
pub mod strings;
pub mod transactions;
pub mod zsets;

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
    lists::COMMANDS,
    hashes::COMMANDS,
    lists::COMMANDS,
    sets::COMMANDS,
    sort::COMMANDS,
    transactions::COMMANDS,
    pubsub::COMMANDS,
    server_cmds::COMMANDS,
    zsets::COMMANDS,
    replication_cmds::COMMANDS,
    replicaof::COMMANDS,
    failover::COMMANDS,
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

    /// Database `db` (or every one, `None`) is about to be emptied (call
    /// it while the keys are still there): Redis's signalFlushedDb, which
    /// fails the transactions WATCHing keys that exist there.
    pub fn signal_flushed_db(&mut self, db: Option<usize>) {
        if self.srv.watched.is_empty() {
            return;
        }
        let dbs = match db {
            Some(d) => d..d + 1,
            None => 0..self.srv.ks.dbs.len(),
        };
        for d in dbs {
            crate::multi::touch_all_watched_keys_in_db(self.srv, d, None);
        }
    }

    /// Databases `a` and `b` are about to be swapped (SWAPDB, before the
    /// swap): fails the transactions WATCHing a key that exists in either,
    /// as Redis's dbSwapDatabases.
    pub fn signal_swapped_db(&mut self, a: usize, b: usize) {
        if a == b || self.srv.watched.is_empty() {
            return;
        }
        crate::multi::touch_all_watched_keys_in_db(self.srv, a, Some(b));
        crate::multi::touch_all_watched_keys_in_db(self.srv, b, Some(a));
    }

    /// A key's value changed: Redis's signalModifiedKey (fails the
    /// transactions WATCHing it).
    pub fn signal_modified_key(&mut self, db: usize, key: &[u8]) {
        self.srv.drain_key_events();
        crate::multi::touch_watched_key(self.srv, db, key);
    }

    /// `key` may now serve clients blocked on it: Redis's signalKeyAsReady. A new list or
    /// sorted set key is signalled by the keyspace itself (dbAdd); call this where Redis does
    /// beyond that. Served after the command (`blocked::handle_clients_blocked_on_keys`).
    pub fn signal_key_as_ready(&mut self, db: usize, key: &[u8]) {
        self.srv.ks.blocking.signal(db, key);
    }

    /// A keyspace event happened: Redis's notifyKeyspaceEvent(type, event,
    /// key, dbid), with `class` one of the NOTIFY_* letters (`g` generic,
    /// `$` string, `l` list, `s` set, `h` hash, `z` zset, `x` expired, `e`
    /// evicted, `t` stream, `n` new, `m` keymiss). Published on the
    /// `__keyspace@<db>__`/`__keyevent@<db>__` channels when
    /// `notify-keyspace-events` enables the class.
    pub fn notify_keyspace_event(&mut self, class: u8, event: &str, key: &[u8], db: usize) {
        // Events the keyspace recorded meanwhile (an expiry, a new key)
        // happened first: report them first.
        self.srv.drain_key_events();
        if self.srv.config.notify_keyspace_events_flags == 0 {
            return;
        }
        let bit = crate::pubsub::class_bit(class);
        crate::pubsub::notify_keyspace_event(self.srv, bit, event, key, db);
    }

    /// True while the running command was queued by MULTI and runs inside
    /// EXEC (Redis's `c->flags & CLIENT_MULTI` seen from a command).
    pub fn in_multi(&self) -> bool {
        self.srv.clients[self.cid].has_flag(cf::MULTI)
    }

    /// True when the calling client must not block (Redis's
    /// CLIENT_DENY_BLOCKING, set inside EXEC): a blocking command then
    /// answers as if its timeout had expired.
    pub fn deny_blocking(&self) -> bool {
        self.srv.clients[self.cid].has_flag(cf::DENY_BLOCKING)
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

/// Refuses a request (Redis's rejectCommand): inside MULTI the transaction
/// is doomed (`DIRTY_EXEC`); a refused EXEC aborts it with `-EXECABORT`.
/// `msg` carries its error code (`ERR ...`, `OOM ...`).
fn reject(srv: &mut Server, cid: usize, id: Option<usize>, argv: &Argv<'_>, msg: &str) {
    crate::multi::flag_transaction(&mut srv.clients[cid]);
    if let Some(id) = id {
        srv.commands.stats[id].rejected_calls += 1;
        if is_command(srv, id, "exec") {
            transactions::exec_command_abort(srv, cid, id, argv, msg);
            return;
        }
    }
    srv.clients[cid].add_error(msg);
}

/// True when table entry `id` is the top-level command `name` (renamed or
/// not; never a subcommand of the same name).
pub fn is_command(srv: &Server, id: usize, name: &str) -> bool {
    srv.commands.full_names[id] == name
}

/// Commands a client in the RESP2 Pub/Sub context may still run.
const PUBSUB_CONTEXT_COMMANDS: &[&str] = &[
    "ping",
    "subscribe",
    "ssubscribe",
    "unsubscribe",
    "sunsubscribe",
    "psubscribe",
    "punsubscribe",
    "quit",
    "reset",
];

/// Commands that run at once even inside MULTI.
const MULTI_CONTROL_COMMANDS: &[&str] = &["exec", "discard", "multi", "watch", "quit", "reset"];

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
        srv.clients[cid].last_cmd = None;
        reject(srv, cid, None, argv, &msg);
        return None;
    };
    let c = &srv.clients[cid];
    // Authentication comes first: an unauthenticated client learns nothing
    // about the table.
    if !c.authenticated && srv.auth_required() && srv.commands.specs[id].flags & flags::NO_AUTH == 0
    {
        reject(srv, cid, Some(id), argv, "NOAUTH Authentication required.");
        return None;
    }
    if srv.commands.has_subcommands(id) && argv.len() >= 2 {
        match srv.commands.lookup_sub(id, argv.get(1)) {
            Some(sid) => id = sid,
            None => {
                let parent = String::from_utf8_lossy(argv.get(0)).to_uppercase();
                let sub = String::from_utf8_lossy(argv.get(1)).into_owned();
                let msg = format!(
                    "ERR unknown subcommand '{}'. Try {} HELP.",
                    truncate(&sub, 128),
                    parent
                );
                srv.clients[cid].last_cmd = None;
                reject(srv, cid, Some(id), argv, &msg);
                return None;
            }
        }
    }
    // CLIENT LIST cmd= names the last command seen, queued or refused.
    srv.clients[cid].last_cmd = Some(id);
    let spec = srv.commands.specs[id];
    let argc = argv.len() as i32;
    if (spec.arity > 0 && argc != spec.arity) || argc < -spec.arity {
        let msg = format!(
            "ERR wrong number of arguments for '{}' command",
            srv.commands.full_names[id]
        );
        reject(srv, cid, Some(id), argv, &msg);
        return None;
    }
    let in_multi = srv.clients[cid].has_flag(cf::MULTI);
    if in_multi && spec.flags & flags::NO_MULTI != 0 {
        reject(
            srv,
            cid,
            Some(id),
            argv,
            "ERR Command not allowed inside a transaction",
        );
        return None;
    }
    // EXEC stands for the commands it queued: it is a write, a
    // memory-using ... command when one of them is.
    let is_exec = is_command(srv, id, "exec");
    let queued_flags = if is_exec {
        srv.clients[cid].mstate.cmd_flags
    } else {
        0
    };
    let cmd_flags = spec.flags | queued_flags;
    // Redis's OOM gate: with maxmemory set, keys are evicted first (by
    // maxmemory-policy); if memory is still over the limit, commands that
    // may grow it are refused. Inside MULTI queueing itself uses memory, so
    // every command but EXEC/DISCARD/QUIT/RESET is refused. Our master is
    // obeyed whatever the memory.
    if srv.config.maxmemory > 0 && !srv.clients[cid].has_flag(cf::MASTER) {
        let out_of_memory = crate::evict::perform_evictions(srv) == crate::evict::EvictResult::Fail;
        let reject_on_oom = cmd_flags & flags::DENYOOM != 0
            || (in_multi
                && !["exec", "discard", "quit", "reset"]
                    .iter()
                    .any(|n| is_command(srv, id, n)));
        if out_of_memory && reject_on_oom {
            reject(
                srv,
                cid,
                Some(id),
                argv,
                "OOM command not allowed when used memory > 'maxmemory'.",
            );
            return None;
        }
    }
    // A failed background save stops writes (and PING, as Redis) while
    // stop-writes-on-bgsave-error is on, until a save succeeds; our master
    // is obeyed regardless (Redis's writeCommandsDeniedByDiskError).
    if (cmd_flags & flags::WRITE != 0 || is_command(srv, id, "ping"))
        && !srv.clients[cid].has_flag(cf::MASTER)
    {
        if let Some(msg) = crate::persistence::bgsave::write_commands_denied_by_disk_error(srv) {
            reject(srv, cid, Some(id), argv, &msg);
            return None;
        }
    }
    // min-replicas-to-write: writes need enough replicas that acknowledged within
    // min-replicas-max-lag (our master's stream is always obeyed).
    if cmd_flags & flags::WRITE != 0
        && !srv.clients[cid].has_flag(cf::MASTER)
        && crate::replication::master::deny_write_for_min_replicas(srv)
    {
        reject(
            srv,
            cid,
            Some(id),
            argv,
            "NOREPLICAS Not enough good replicas to write.",
        );
        return None;
    }
    // A read-only replica takes writes from its master only.
    if cmd_flags & flags::WRITE != 0 && crate::replication::replica::rejects_write(srv, cid) {
        reject(
            srv,
            cid,
            Some(id),
            argv,
            "READONLY You can't write against a read only replica.",
        );
        return None;
    }
    // A replica link carries no keyspace commands from the replica: client pauses exempt
    // replicas, so this must not become a way around them (Redis's processCommand).
    if srv.clients[cid].has_flag(cf::REPLICA)
        && !srv.clients[cid].has_flag(cf::MONITOR)
        && cmd_flags & (flags::WRITE | flags::READONLY | flags::MAY_REPLICATE) != 0
    {
        reject(
            srv,
            cid,
            Some(id),
            argv,
            "ERR Replica can't interact with the keyspace",
        );
        return None;
    }
    // RESP2 subscribers may only manage subscriptions (RESP3 pushes
    // messages out of band, so there it has no limits).
    let c = &srv.clients[cid];
    if c.has_flag(cf::PUBSUB)
        && c.resp == 2
        && !PUBSUB_CONTEXT_COMMANDS
            .iter()
            .any(|n| is_command(srv, id, n))
    {
        let msg = format!(
            "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
            srv.commands.full_names[id]
        );
        reject(srv, cid, Some(id), argv, &msg);
        return None;
    }
    // With `replica-serve-stale-data no` and the link down, only STALE commands run (an
    // EXEC only when everything it queued is STALE).
    let deny_stale = spec.flags & flags::STALE == 0
        || (is_exec && srv.clients[cid].mstate.cmd_inv_flags & flags::STALE != 0);
    if deny_stale && crate::replication::replica::link_down_denies_stale(srv) {
        reject(
            srv,
            cid,
            Some(id),
            argv,
            "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
        );
        return None;
    }
    // While a diskless sync loads the master's data set, only LOADING commands run (Redis's
    // processCommand: server.loading without async_loading).
    let deny_loading = spec.flags & flags::LOADING == 0
        || (is_exec && srv.clients[cid].mstate.cmd_inv_flags & flags::LOADING != 0);
    if deny_loading && (srv.ks.loading || srv.repl.replica.diskless_loading()) {
        reject(
            srv,
            cid,
            Some(id),
            argv,
            "LOADING Redis is loading the dataset in memory",
        );
        return None;
    }
    // A paused server holds the command back until the pause ends (replicas excepted).
    let may_replicate = cmd_flags & (flags::WRITE | flags::MAY_REPLICATE) != 0;
    if crate::pause::must_postpone(srv, cid, may_replicate) {
        crate::pause::postpone(srv, cid);
        return None;
    }
    if in_multi
        && !MULTI_CONTROL_COMMANDS
            .iter()
            .any(|n| is_command(srv, id, n))
    {
        let c = &mut srv.clients[cid];
        crate::multi::queue_multi_command(c, id, spec.flags, argv);
        c.add_raw(b"+QUEUED\r\n");
        return None;
    }
    call(srv, cid, id, argv);
    // Redis's processCommand: clients blocked on keys this command (or EXEC) made ready are
    // served before the next command.
    if srv.ks.blocking.has_ready() {
        crate::blocked::handle_clients_blocked_on_keys(srv);
    }
    Some(id)
}

/// Redis's propagatePendingCommands after work done outside `call` (serving a blocked
/// client): what `srv.propagation` holds goes to AOF and replicas. The replication and AOF
/// issues fill this in; until then the request is dropped.
pub fn propagate_pending(srv: &mut Server) {
    let req = std::mem::take(&mut srv.propagation);
    if srv.also_propagate.enabled {
        srv.also_propagate.ops.extend(req.also);
        propagate_pending_commands(srv);
    }
}

/// What the running command asked to propagate differently (see
/// `Ctx::rewrite_propagation`, `also_propagate`, `prevent_propagation`).
/// Reset before each command (a command run by EXEC gets its own and the
/// EXEC's is put back after it); consumed by replication and AOF.
#[derive(Default)]
pub struct PropagationRequest {
    pub rewritten: Option<Vec<Vec<u8>>>,
    pub also: Vec<(usize, Vec<Vec<u8>>)>,
    pub prevent: bool,
    /// Propagate even if nothing changed (FLUSHDB on an empty db).
    pub force: bool,
}

/// One command to propagate: its database and arguments.
pub type PropagatedOp = (usize, Vec<Vec<u8>>);

/// Redis's server.also_propagate: what the top-level command, and every
/// command an EXEC runs, propagates, collected in order and handed on
/// when the top-level command ends, wrapped in MULTI/EXEC when there is
/// more than one (see [`wrap_in_transaction`]).
#[derive(Default)]
pub struct AlsoPropagate {
    /// Set by the replication and AOF issues while something consumes the
    /// stream (a replica or backlog, the AOF); until then nothing is copied.
    pub enabled: bool,
    pub ops: Vec<PropagatedOp>,
}

/// Redis's propagatePendingCommands ordering: several commands from one
/// top-level call (an EXEC, or a command that propagates extra ones) go
/// out as one MULTI ... EXEC, the MULTI in the first command's database
/// and the EXEC in the last's, so no SELECT is needed in between.
pub fn wrap_in_transaction(ops: Vec<PropagatedOp>) -> Vec<PropagatedOp> {
    if ops.len() <= 1 {
        return ops;
    }
    let first_db = ops[0].0;
    let last_db = ops[ops.len() - 1].0;
    let mut out = Vec::with_capacity(ops.len() + 2);
    out.push((first_db, vec![b"MULTI".to_vec()]));
    out.extend(ops);
    out.push((last_db, vec![b"EXEC".to_vec()]));
    out
}

/// Hands what the finished top-level command propagates to the stream.
fn propagate_pending_commands(srv: &mut Server) {
    if srv.also_propagate.ops.is_empty() {
        return;
    }
    let ops = std::mem::take(&mut srv.also_propagate.ops);
    for (db, argv) in wrap_in_transaction(ops) {
        propagate_now(srv, db, &argv);
    }
}

/// Redis's propagateDeletion for a key deleted outside any command
/// (eviction): `DEL key` (or `UNLINK key`) goes out on its own.
pub fn propagate_deletion(srv: &mut Server, db: usize, cmd: &[u8], key: &[u8]) {
    if srv.also_propagate.enabled {
        propagate_now(srv, db, &[cmd.to_vec(), key.to_vec()]);
    }
}

/// Redis's propagateNow: the replication and AOF issues feed the backlog,
/// the replicas and the AOF buffer here.
fn propagate_now(srv: &mut Server, db: usize, argv: &[Vec<u8>]) {
    crate::persistence::aof::feed(srv, db, argv);
    crate::replication::feed(srv, db, argv);
}

/// Runs a checked command and records its stats (Redis's call()). EXEC
/// calls it again for each queued command (`srv.in_nested_call` > 1):
/// those share the EXEC's command clock, and their propagation is
/// gathered with the EXEC's.
pub fn call(srv: &mut Server, cid: usize, id: usize, argv: &Argv<'_>) {
    let spec = srv.commands.specs[id];
    let top = srv.in_nested_call == 0;
    if top {
        // One clock for the whole command, EXEC's queue included.
        srv.ks.update_clock();
        srv.errors_seen = srv.clients[cid].errors.len();
    }
    srv.refresh_keyspace_settings();
    let errors_before = srv.clients[cid].errors.len();
    let outer_request = if top {
        srv.propagation = PropagationRequest::default();
        None
    } else {
        Some(std::mem::take(&mut srv.propagation))
    };
    let dirty_before = srv.ks.dirty;
    let start = std::time::Instant::now();
    srv.in_nested_call += 1;
    {
        let mut ctx = Ctx {
            srv,
            cid,
            cmd_id: id,
        };
        (spec.handler)(&mut ctx, argv);
    }
    srv.in_nested_call -= 1;
    let usec = start.elapsed().as_micros() as u64;
    // What the command itself changed and expired is reported before
    // anything else runs.
    srv.drain_key_events();
    if srv.also_propagate.enabled {
        // Keys the command found expired go out as DEL before it, in the same unit (Redis
        // 7.0's deleteExpiredKeyAndPropagate → alsoPropagate); only a master propagates them.
        if !srv.ks.expired.is_empty() && !srv.repl.replica.is_replica() {
            for (db, key) in srv.ks.expired.drain(..) {
                srv.also_propagate
                    .ops
                    .push((db, vec![b"DEL".to_vec(), key.into_vec()]));
            }
        }
        let dirty = srv.ks.dirty > dirty_before;
        record_propagation(srv, cid, id, argv, dirty);
    }
    if let Some(outer) = outer_request {
        srv.propagation = outer;
    }
    let st = &mut srv.commands.stats[id];
    st.calls += 1;
    st.usec += usec;
    let c = &mut srv.clients[cid];
    // A command failed when it added an error itself: errors of the
    // commands an EXEC ran were already counted against them.
    let errors = c.errors.len();
    if errors > errors_before.max(srv.errors_seen) {
        st.failed_calls += 1;
    }
    srv.errors_seen = errors;
    c.last_cmd = Some(id);
    srv.stat_numcommands += 1;
    // Latency monitor, slow log, MONITOR feed, latency histogram.
    server_cmds::after_call(srv, cid, id, argv, usec);
    if top {
        propagate_pending_commands(srv);
    }
}

/// Adds what the command that just ran propagates to
/// `srv.also_propagate` (Redis's call() → alsoPropagate): the command (or
/// its rewrite) when it changed data or forced it and did not prevent it,
/// then its extras. EXEC itself never goes out: its commands do.
fn record_propagation(srv: &mut Server, cid: usize, id: usize, argv: &Argv<'_>, dirty: bool) {
    let db = srv.clients[cid].db;
    let is_exec = is_command(srv, id, "exec");
    let req = &mut srv.propagation;
    if !req.prevent && !is_exec && (dirty || req.force) {
        let cmd = req.rewritten.take().unwrap_or_else(|| argv.to_vecs());
        srv.also_propagate.ops.push((db, cmd));
    }
    srv.also_propagate.ops.append(&mut req.also);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(db: usize, words: &[&str]) -> PropagatedOp {
        (db, words.iter().map(|w| w.as_bytes().to_vec()).collect())
    }

    #[test]
    fn one_command_goes_out_alone() {
        let ops = vec![op(0, &["set", "a", "1"])];
        assert_eq!(wrap_in_transaction(ops.clone()), ops);
        assert!(wrap_in_transaction(Vec::new()).is_empty());
    }

    #[test]
    fn several_commands_go_out_as_one_transaction() {
        let ops = vec![op(1, &["set", "a", "1"]), op(2, &["set", "b", "2"])];
        let out = wrap_in_transaction(ops);
        assert_eq!(
            out,
            vec![
                op(1, &["MULTI"]),
                op(1, &["set", "a", "1"]),
                op(2, &["set", "b", "2"]),
                op(2, &["EXEC"]),
            ]
        );
    }
}
