//! The server: owns every piece of state and runs the event loop and cron
//! (Redis's server.c: initServer, serverCron, beforeSleep, main loop).
//!
//! Owns: configuration in force, listeners, clients, the keyspace, the
//! command table, statistics, and the shutdown sequence. Everything here
//! is touched by one thread only; nothing is locked.
//!
//! ```text
//!   loop {
//!       before_sleep()     write pending replies, close clients marked to close
//!       poll(timeout)      timeout = time left until the next cron tick
//!       for each event:    accept / read+execute / finish a write
//!       if tick is due:    cron()  (hz times a second: expiry, timeouts,
//!                                   stats, shutdown on SIGTERM)
//!   }
//! ```
//! With `hz 10` cron runs every 100 ms, so a SIGTERM is acted upon within
//! 100 ms and an idle client with `timeout 5` is closed 5.0-5.1 s after its
//! last command.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::{Duration, Instant};

use slab::Slab;

use crate::client::Client;
use crate::commands::CommandTable;
use crate::config::Config;
use crate::db::Keyspace;
use crate::log::Level;
use crate::networking::Listener;
use crate::reactor::{self, Reactor, Target};
use crate::serverlog;
use crate::slowlog::Slowlog;

/// Version reported to clients (INFO redis_version, HELLO): the Redis
/// release whose behaviour rudis follows, so clients enable the same features.
pub const REDIS_VERSION: &str = "7.0.15";
/// rudis's own version.
pub const RUDIS_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Redis's CONFIG_MIN_RESERVED_FDS: descriptors kept for files, logs, peers.
pub const MIN_RESERVED_FDS: u64 = 32;
/// Samples kept for INFO's instantaneous_* rates, Redis's STATS_METRIC_SAMPLES.
const METRIC_SAMPLES: usize = 16;

/// Redis's server.shutdown_asap: set by the SIGTERM/SIGINT handler (and only cleared by the
/// main thread), acted upon by cron.
static SHUTDOWN_ASAP: AtomicBool = AtomicBool::new(false);
/// Redis's server.last_sig_received: which signal asked for the shutdown.
static LAST_SIG_RECEIVED: AtomicI32 = AtomicI32::new(0);
static SIGNAL_HANDLERS_SET: AtomicBool = AtomicBool::new(false);

/// A rate sampled over cron ticks (ops/sec, KB/sec).
#[derive(Default)]
pub struct Metric {
    samples: [f64; METRIC_SAMPLES],
    idx: usize,
    last_value: u64,
    last_ms: i64,
}

impl Metric {
    pub fn track(&mut self, value: u64, now_ms: i64) {
        if self.last_ms > 0 && now_ms > self.last_ms {
            let rate = (value.saturating_sub(self.last_value)) as f64 * 1000.0
                / (now_ms - self.last_ms) as f64;
            self.samples[self.idx] = rate;
            self.idx = (self.idx + 1) % METRIC_SAMPLES;
        }
        self.last_value = value;
        self.last_ms = now_ms;
    }

    pub fn value(&self) -> f64 {
        self.samples.iter().sum::<f64>() / METRIC_SAMPLES as f64
    }
}

pub struct Server {
    pub config: Config,
    pub reactor: Reactor,
    pub listeners: Vec<Listener>,
    pub clients: Slab<Client>,
    pub ks: Keyspace,
    pub commands: CommandTable,
    pub slowlog: Slowlog,
    /// 40 hex characters identifying this run (INFO run_id).
    pub run_id: String,
    pub executable: String,
    pub start: Instant,
    pub next_client_id: u64,
    /// Clients with replies to write before the next poll.
    pub pending_writes: Vec<usize>,
    /// Clients to free before the next poll.
    pub to_close: Vec<usize>,
    /// Slab keys of MONITOR clients.
    pub monitors: Vec<usize>,
    pub cronloops: u64,
    /// Effective maxclients after the file-descriptor limit.
    pub maxclients: u64,
    // Statistics (INFO stats), Redis's stat_* fields.
    pub stat_numcommands: u64,
    pub stat_numconnections: u64,
    pub stat_rejected_conn: u64,
    pub stat_net_input_bytes: u64,
    pub stat_net_output_bytes: u64,
    pub stat_total_error_replies: u64,
    pub stat_unexpected_error_replies: u64,
    pub error_stats: HashMap<String, u64>,
    pub ops_metric: Metric,
    pub net_in_metric: Metric,
    pub net_out_metric: Metric,
    /// Unix ms until which the server sleeps (DEBUG SLEEP happens inline).
    pub last_cron_ms: i64,
    pub stat_peak_memory: u64,
    pub blocked_clients: usize,
    /// Clients blocked on keys (BLPOP ...), their deadlines, clients to resume.
    pub blocked: crate::blocked::Blocked,
    /// How the running command wants to be propagated.
    pub propagation: crate::commands::PropagationRequest,
    /// State of the server commands: latency monitor, DEBUG knobs.
    pub introspection: crate::commands::server_cmds::Introspection,
    /// Client pause: per purpose, in force, and the postponed clients.
    pub pause: crate::pause::PauseState,
    /// A shutdown waiting for lagging replicas, and the clients blocked in SHUTDOWN.
    pub shutdown: crate::shutdown::ShutdownState,
    /// Save and load counters (LASTSAVE, INFO persistence).
    pub rdb: crate::persistence::snapshot::RdbState,
    /// The forked child (BGSAVE), if one runs, and what it reported.
    pub child: crate::persistence::child::ChildState,
    /// Reads and writes done on client sockets (INFO total_reads_processed,
    /// total_writes_processed).
    pub stat_total_reads_processed: u64,
    pub stat_total_writes_processed: u64,
    /// Channel, shard channel and pattern subscribers (Pub/Sub).
    pub pubsub: crate::pubsub::PubSub,
    /// Which clients WATCH which keys, per database.
    pub watched: crate::multi::WatchTable,
    /// Slab key of the client whose request is being executed (Redis's
    /// server.current_client).
    pub current_client: Option<usize>,
    /// Depth of `commands::call` (1 while a command runs, 2 inside EXEC):
    /// Redis's server.in_nested_call.
    pub in_nested_call: u32,
    /// True while EXEC runs its queue (Redis's server.in_exec).
    pub in_exec: bool,
    /// Errors of the calling client already counted as some command's
    /// failure (so an EXEC is not blamed for the errors of its commands).
    pub errors_seen: usize,
    /// What the top-level command propagates, gathered across EXEC.
    pub also_propagate: crate::commands::AlsoPropagate,
    /// Eviction under maxmemory: its candidate pool and state.
    pub evict: crate::evict::Evictor,
    /// The append-only file (Redis's server.aof_*).
    pub aof: crate::persistence::aof::AofState,
    /// Replication: ids, offsets, the master side and the replica side.
    pub repl: crate::replication::ReplState,
    /// MIGRATE's cached connections (Redis's server.migrate_cached_sockets).
    pub migrate_cache: crate::commands::keys::migrate::MigrateCache,
    /// Deep sanitizations of DUMP payloads and RDB values (Redis's
    /// stat_dump_payload_sanitizations, INFO dump_payload_sanitizations).
    pub stat_dump_payload_sanitizations: u64,
}

impl Server {
    pub fn new(config: Config, executable: String) -> std::io::Result<Server> {
        let ks = Keyspace::new(config.databases);
        let maxclients = config.maxclients;
        let run_id = random_hex40();
        let replid = random_hex40();
        Ok(Server {
            reactor: Reactor::new()?,
            listeners: Vec::new(),
            clients: Slab::with_capacity(64),
            ks,
            commands: CommandTable::build(),
            slowlog: Slowlog::default(),
            run_id,
            executable,
            start: Instant::now(),
            next_client_id: 1,
            pending_writes: Vec::new(),
            to_close: Vec::new(),
            monitors: Vec::new(),
            cronloops: 0,
            maxclients,
            stat_numcommands: 0,
            stat_numconnections: 0,
            stat_rejected_conn: 0,
            stat_net_input_bytes: 0,
            stat_net_output_bytes: 0,
            stat_total_error_replies: 0,
            stat_unexpected_error_replies: 0,
            error_stats: HashMap::new(),
            ops_metric: Metric::default(),
            net_in_metric: Metric::default(),
            net_out_metric: Metric::default(),
            last_cron_ms: 0,
            stat_peak_memory: 0,
            blocked_clients: 0,
            blocked: Default::default(),
            propagation: Default::default(),
            introspection: crate::commands::server_cmds::Introspection::new(),
            pause: Default::default(),
            shutdown: Default::default(),
            rdb: Default::default(),
            child: Default::default(),
            stat_total_reads_processed: 0,
            stat_total_writes_processed: 0,
            pubsub: Default::default(),
            watched: crate::multi::WatchTable::new(config.databases),
            current_client: None,
            in_nested_call: 0,
            in_exec: false,
            errors_seen: 0,
            also_propagate: Default::default(),
            evict: Default::default(),
            aof: Default::default(),
            repl: crate::replication::ReplState::new(&replid),
            migrate_cache: Default::default(),
            stat_dump_payload_sanitizations: 0,
            config,
        })
    }

    /// True when clients must AUTH first (`requirepass` set).
    pub fn auth_required(&self) -> bool {
        !self.config.requirepass.is_empty()
    }

    /// Seconds since start-up.
    pub fn uptime_secs(&self) -> u64 {
        self.start.elapsed().as_secs()
    }

    /// Opens listeners, installs signal handlers and logs readiness.
    pub fn init(&mut self) -> Result<(), String> {
        let renames = self.config.rename_commands.clone();
        self.commands.apply_renames(&renames)?;
        crate::networking::open_listeners(self)?;
        install_signal_handlers();
        serverlog!(Level::Notice, "Server initialized");
        Ok(())
    }

    /// Runs the event loop until shutdown.
    pub fn run(&mut self) {
        serverlog!(Level::Notice, "Ready to accept connections");
        // The first cron tick runs at once, as Redis's serverCron timer fires 1 ms after
        // start: replicationCron's loop 0 (which PINGs replicas) passes before any replica
        // can attach, so a restarted master does not move its offset with a PING.
        let mut next_cron = Instant::now();
        loop {
            self.before_sleep();
            let mut timeout = next_cron.saturating_duration_since(Instant::now());
            if let Some(t) = crate::blocked::time_to_next_timeout(self) {
                timeout = timeout.min(t);
            }
            if let Err(e) = self.reactor.wait(timeout) {
                serverlog!(
                    Level::Warning,
                    "Polling for events failed: {e}. The server keeps running; if this repeats, check the process's file descriptor limit."
                );
            }
            // The event buffer is lent out while handlers borrow the server;
            // an empty Events holds no allocation, so this costs nothing.
            let events = std::mem::replace(&mut self.reactor.events, mio::Events::with_capacity(0));
            for event in events.iter() {
                let readable = event.is_readable() || event.is_read_closed() || event.is_error();
                match reactor::target(event.token()) {
                    Target::Listener(i) => crate::networking::accept(self, i),
                    Target::Client(key) => {
                        if event.is_writable() && self.clients.contains(key) {
                            crate::networking::write_to_client(self, key);
                        }
                        if readable && self.clients.contains(key) {
                            crate::networking::read_from_client(self, key);
                        }
                    }
                    Target::MasterLink => crate::replication::replica::on_link_event(
                        self,
                        readable,
                        event.is_writable(),
                    ),
                    Target::Other(_) => {}
                }
            }
            self.reactor.events = events;
            if Instant::now() >= next_cron {
                self.cron();
                let period = Duration::from_millis((1000 / self.config.hz.clamp(1, 500)) as u64);
                next_cron = Instant::now() + period;
            }
        }
    }

    /// Redis's beforeSleep: blocked clients' timeouts, clients unblocked since the last
    /// sleep, keys made ready for blocked clients, fast expire cycle, flush replies, free
    /// closed clients.
    pub fn before_sleep(&mut self) {
        self.refresh_keyspace_settings();
        crate::blocked::handle_timeouts(self);
        // A pause that ended releases its clients before they are run below.
        crate::pause::cron(self);
        crate::blocked::process_unblocked_clients(self);
        if self.ks.blocking.has_ready() {
            crate::blocked::handle_clients_blocked_on_keys(self);
        }
        if self.ks.active_expire_cycle_fast(self.config.hz) > 0 {
            self.propagate_expired();
        }
        // A pass of eviction that ran out of time goes on (Redis's
        // evictionTimeProc, a 0 ms timer).
        crate::evict::eviction_continues(self);
        crate::replication::master::before_sleep(self);
        // Replicas' ACKs may have brought a failover's target up to date.
        crate::replication::failover::update_status(self);
        // Before any reply goes out: with appendfsync always a write is acknowledged only
        // once it is on disk (Redis's beforeSleep → flushAppendOnlyFile).
        crate::persistence::aof::flush(self, false);
        crate::networking::handle_pending_writes(self);
        crate::networking::free_clients_to_close(self);
    }

    /// Redis's serverCron.
    fn cron(&mut self) {
        if self.introspection.debug.pause_cron {
            return;
        }
        self.cronloops += 1;
        self.ks.update_clock();
        let now = self.ks.now_ms;
        self.last_cron_ms = now;
        // A SIGTERM or SIGINT arrived: shut down here, where it is safe to (Redis's
        // serverCron). A failed shutdown (the final save failed) clears the request; one
        // waiting for replicas finishes once they caught up or shutdown-timeout passed.
        if shutdown_asap() && !crate::shutdown::is_initiated(self) {
            let sig = LAST_SIG_RECEIVED.load(Ordering::SeqCst);
            let flags = match sig {
                libc::SIGINT if self.config.shutdown_on_sigint != 0 => {
                    self.config.shutdown_on_sigint
                }
                libc::SIGTERM if self.config.shutdown_on_sigterm != 0 => {
                    self.config.shutdown_on_sigterm
                }
                _ => 0,
            };
            if self.prepare_for_shutdown(flags) {
                self.exit(0);
            }
        } else if crate::shutdown::due(self) && self.finish_shutdown() {
            self.exit(0);
        }
        crate::pause::cron(self);
        self.ops_metric.track(self.stat_numcommands, now);
        self.net_in_metric.track(self.stat_net_input_bytes, now);
        self.net_out_metric.track(self.stat_net_output_bytes, now);
        crate::networking::clients_cron(self);
        let expire_start = Instant::now();
        self.refresh_keyspace_settings();
        self.ks.active_expire_effort = self.config.active_expire_effort.clamp(1, 10) as u32;
        self.ks.active_expire_cycle(self.config.hz);
        // No resizing or rehashing while a child shares our pages: it would copy them all.
        if self.config.activerehashing && !self.child.active() {
            for db in &mut self.ks.dbs {
                db.dict.shrink_to_fit_if_needed();
                db.expires.shrink_to_fit_if_needed();
                if db.dict.rehash_for_millis(1) {
                    break;
                }
                db.expires.rehash_for_millis(1);
            }
        }
        let expire_ms = expire_start.elapsed().as_millis() as u64;
        let threshold = crate::commands::server_cmds::cfg::latency_monitor_threshold(self);
        self.introspection
            .latency
            .add_sample_if_needed(threshold, "expire-cycle", expire_ms);
        self.stat_peak_memory = self.stat_peak_memory.max(crate::alloc::allocated());
        crate::commands::keys::migrate::close_timed_out(self);
        self.propagate_expired();
        crate::persistence::bgsave::cron(self);
        crate::persistence::aof::cron(self);
        crate::replication::cron(self);
        // After the replication cron, as Redis: a replica waiting for a full sync gets the
        // first BGSAVE that can start.
        crate::persistence::bgsave::cron_scheduled(self);
    }

    /// Redis's run_with_period(ms) inside cron: true on the ticks that fall every `ms`
    /// milliseconds (every tick when `ms` is shorter than the tick).
    pub fn run_with_period(&self, ms: u64) -> bool {
        let tick_ms = (1000 / self.config.hz.clamp(1, 500)) as u64;
        ms <= tick_ms || self.cronloops % (ms / tick_ms).max(1) == 0
    }

    /// Drains keys deleted by expiry (lazy or active): their `expired`
    /// keyspace events and WATCH invalidation (Redis's
    /// deleteExpiredKeyAndPropagate) first, in order. The replication and
    /// AOF issues turn each key into a propagated DEL here.
    pub fn propagate_expired(&mut self) {
        self.drain_key_events();
        if self.ks.expired.is_empty() {
            return;
        }
        let expired = std::mem::take(&mut self.ks.expired);
        // Only a master propagates expiries (a replica waits for its master's DEL).
        if self.also_propagate.enabled && !self.repl.replica.is_replica() {
            for (db, key) in &expired {
                crate::commands::propagate_deletion(self, *db, b"DEL", key);
            }
        }
        self.ks.expired = expired;
        self.ks.expired.clear();
    }

    /// Brings the keyspace's view of the configuration up to date: which
    /// [`crate::db::KeyEvent`]s anybody listens for (expiries when keyspace
    /// events `x` are on or a key is WATCHed, new keys with `n`, misses with
    /// `m`) and whether accesses count LFU frequencies (an LFU
    /// `maxmemory-policy`).
    pub fn refresh_keyspace_settings(&mut self) {
        use crate::config::MaxmemoryPolicy as P;
        self.ks.lfu =
            matches!(self.config.maxmemory_policy, P::AllkeysLfu | P::VolatileLfu).then(|| {
                crate::db::Lfu {
                    log_factor: self.config.lfu_log_factor.clamp(0, u32::MAX as i64) as u32,
                    decay_minutes: self.config.lfu_decay_time.clamp(0, u32::MAX as i64) as u32,
                }
            });
        use crate::config::notify;
        use crate::db::record;
        let flags = self.config.notify_keyspace_events_flags;
        let mut bits = 0;
        if flags & notify::EXPIRED != 0 || !self.watched.is_empty() {
            bits |= record::EXPIRED;
        }
        if flags & notify::NEW != 0 {
            bits |= record::NEW;
        }
        if flags & notify::KEY_MISS != 0 {
            bits |= record::MISS;
        }
        self.ks.record_events = bits;
    }

    /// Reports the key events the keyspace recorded, in the order they
    /// happened: `expired` (and WATCH invalidation), `new`, `keymiss`.
    pub fn drain_key_events(&mut self) {
        use crate::config::notify;
        use crate::db::KeyEvent;
        if self.ks.events.is_empty() {
            return;
        }
        let mut events = std::mem::take(&mut self.ks.events);
        for (kind, db, key) in events.drain(..) {
            match kind {
                KeyEvent::Expired => {
                    crate::pubsub::notify_keyspace_event(
                        self,
                        notify::EXPIRED,
                        "expired",
                        &key,
                        db,
                    );
                    crate::multi::touch_watched_key(self, db, &key);
                }
                KeyEvent::New => {
                    crate::pubsub::notify_keyspace_event(self, notify::NEW, "new", &key, db)
                }
                KeyEvent::Miss => crate::pubsub::notify_keyspace_event(
                    self,
                    notify::KEY_MISS,
                    "keymiss",
                    &key,
                    db,
                ),
            }
        }
        // Keep the allocation unless something was recorded meanwhile.
        if self.ks.events.is_empty() {
            self.ks.events = events;
        }
    }

    /// CONFIG RESETSTAT: zeroes INFO's counters, as Redis's resetServerStats.
    pub fn reset_stats(&mut self) {
        self.stat_numcommands = 0;
        self.stat_numconnections = 0;
        self.stat_rejected_conn = 0;
        self.repl.stat_sync_full = 0;
        self.repl.stat_sync_partial_ok = 0;
        self.repl.stat_sync_partial_err = 0;
        self.stat_net_input_bytes = 0;
        self.stat_net_output_bytes = 0;
        self.stat_total_error_replies = 0;
        self.stat_unexpected_error_replies = 0;
        self.stat_total_reads_processed = 0;
        self.stat_total_writes_processed = 0;
        self.error_stats.clear();
        self.ops_metric = Metric::default();
        self.net_in_metric = Metric::default();
        self.net_out_metric = Metric::default();
        self.ks.stats = Default::default();
        self.evict.reset_stats();
        self.commands.reset_stats();
    }

    /// Redis's prepareForShutdown: SHUTDOWN, or a SIGTERM/SIGINT seen by cron, with
    /// [`crate::config::shutdown`] flags. True when it is safe to exit. Unless NOW (or
    /// `shutdown-timeout 0`), replicas that have not acknowledged the whole stream are waited
    /// for first: false then, and cron finishes the shutdown (see [`crate::shutdown`]). False
    /// too when a shutdown is already waiting, or when it failed.
    pub fn prepare_for_shutdown(&mut self, flags: u32) -> bool {
        use crate::config::shutdown;
        if crate::shutdown::is_initiated(self) {
            return false;
        }
        self.shutdown.flags = flags;
        serverlog!(Level::Warning, "User requested shutdown...");
        if flags & shutdown::NOW == 0
            && self.config.shutdown_timeout != 0
            && !crate::shutdown::is_ready(self)
        {
            crate::shutdown::wait_for_replicas(self);
            return false;
        }
        self.finish_shutdown()
    }

    /// Redis's finishShutdown: stop a BGSAVE child (its temp file goes too), save the final
    /// snapshot when save points exist (or SAVE was asked for, and NOSAVE was not), remove the
    /// pid file and unix socket. A failed save aborts the shutdown unless FORCE.
    pub fn finish_shutdown(&mut self) -> bool {
        use crate::config::shutdown;
        use crate::persistence::{bgsave, child::ChildType, snapshot};
        let flags = self.shutdown.flags;
        crate::shutdown::log_replicas(self);
        let save = flags & shutdown::SAVE != 0;
        let nosave = flags & shutdown::NOSAVE != 0;
        let force = flags & shutdown::FORCE != 0;
        if self.child.kind == ChildType::Rdb {
            serverlog!(
                Level::Warning,
                "There is a child saving an .rdb. Killing it!"
            );
            bgsave::kill_rdb_child(self);
            if let Some(pid) = self.child.pid {
                bgsave::remove_temp_file(pid);
            }
        }
        if self.child.kind == ChildType::Aof {
            // An AOF turned on at run time holds nothing until its first rewrite is done.
            if self.aof.status == crate::persistence::aof::Status::WaitRewrite {
                if force {
                    serverlog!(Level::Warning, "Writing initial AOF. Exit anyway.");
                } else {
                    serverlog!(Level::Warning, "Writing initial AOF, can't exit.");
                    return self.shutdown_failed();
                }
            }
            serverlog!(
                Level::Warning,
                "There is a child rewriting the AOF. Killing it!"
            );
            crate::persistence::aof::rewrite::kill_child(self);
        }
        if self.aof.file.is_some() {
            serverlog!(Level::Notice, "Calling fsync() on the AOF file.");
            crate::persistence::aof::flush_on_shutdown(self);
        }
        if (!self.config.save_params.is_empty() && !nosave) || save {
            serverlog!(
                Level::Notice,
                "Saving the final RDB snapshot before exiting."
            );
            if snapshot::save(self).is_err() {
                if force {
                    serverlog!(Level::Warning, "Error trying to save the DB. Exit anyway.");
                } else {
                    serverlog!(Level::Warning, "Error trying to save the DB, can't exit.");
                    return self.shutdown_failed();
                }
            }
        }
        self.remove_files_on_exit();
        crate::shutdown::flush_replicas(self);
        serverlog!(Level::Warning, "Redis is now ready to exit, bye bye...");
        true
    }

    /// finishShutdown's error path: logged, and the shutdown is cancelled.
    fn shutdown_failed(&mut self) -> bool {
        serverlog!(
            Level::Warning,
            "Errors trying to shut down the server. Check the logs for more information."
        );
        self.cancel_shutdown();
        false
    }

    /// Redis's cancelShutdown: forget a signal's shutdown request and a shutdown waiting for
    /// replicas (its blocked callers get an error, writes resume).
    fn cancel_shutdown(&mut self) {
        SHUTDOWN_ASAP.store(false, Ordering::SeqCst);
        LAST_SIG_RECEIVED.store(0, Ordering::SeqCst);
        crate::shutdown::cancel(self);
    }

    /// SHUTDOWN ABORT (Redis's abortShutdown): cancels a shutdown waiting for replicas, or
    /// one a signal asked for and cron has not begun yet. False when there is none.
    pub fn abort_shutdown(&mut self) -> bool {
        if crate::shutdown::is_initiated(self) {
            self.cancel_shutdown();
        } else if shutdown_asap() {
            SHUTDOWN_ASAP.store(false, Ordering::SeqCst);
        } else {
            return false;
        }
        serverlog!(Level::Notice, "Shutdown manually aborted.");
        true
    }

    /// Removes the pid file and unix socket, as Redis does on exit.
    pub fn remove_files_on_exit(&mut self) {
        if !self.config.pidfile.is_empty() {
            serverlog!(Level::Notice, "Removing the pid file.");
            let _ = std::fs::remove_file(&self.config.pidfile);
        }
        if !self.config.unixsocket.is_empty() {
            serverlog!(Level::Notice, "Removing the unix socket file.");
            let _ = std::fs::remove_file(&self.config.unixsocket);
        }
    }

    pub fn exit(&mut self, code: i32) -> ! {
        // Best effort: flush what clients are owed (SHUTDOWN's own reply is
        // never sent, as in Redis).
        std::process::exit(code)
    }
}

/// 40 random hex characters from the kernel's random source.
pub fn random_hex40() -> String {
    let mut bytes = [0u8; 20];
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .is_ok();
    if !ok {
        let seed = crate::db::mstime() as u64 ^ ((std::process::id() as u64) << 32);
        let mut x = seed | 1;
        for b in &mut bytes {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Redis's server.shutdown_asap: a signal asked for a shutdown that cron has not begun.
pub fn shutdown_asap() -> bool {
    SHUTDOWN_ASAP.load(Ordering::SeqCst)
}

/// Redis's sigShutdownHandler. A second SIGINT while a shutdown is pending (Ctrl+C twice, or
/// a final save taking too long) means "now": the temp file of a save in progress is removed
/// and the process exits 1 at once, without saving.
extern "C" fn on_shutdown_signal(sig: libc::c_int) {
    let msg = match sig {
        libc::SIGINT => "Received SIGINT scheduling shutdown...",
        libc::SIGTERM => "Received SIGTERM scheduling shutdown...",
        _ => "Received shutdown signal, scheduling shutdown...",
    };
    if SHUTDOWN_ASAP.load(Ordering::SeqCst) && sig == libc::SIGINT {
        crate::log::write_from_handler(Level::Warning, "You insist... exiting now.");
        remove_own_temp_file_from_handler();
        // SAFETY: _exit is async-signal-safe; an unclean exit is what was asked for.
        unsafe { libc::_exit(1) };
    }
    crate::log::write_from_handler(Level::Warning, msg);
    LAST_SIG_RECEIVED.store(sig, Ordering::SeqCst);
    SHUTDOWN_ASAP.store(true, Ordering::SeqCst);
}

/// Unlinks `temp-<our pid>.rdb` from inside a signal handler (Redis's rdbRemoveTempFile with
/// from_signal): the name is built on the stack, and only getpid and unlink are called.
fn remove_own_temp_file_from_handler() {
    let mut digits = [0u8; 20];
    // SAFETY: getpid is async-signal-safe.
    let pid = unsafe { libc::getpid() } as u64;
    let digits = crate::log::fmt_u64(pid, &mut digits);
    let mut path = [0u8; 40];
    let parts: [&[u8]; 3] = [b"temp-", digits, b".rdb\0"];
    let mut n = 0;
    for p in parts {
        path[n..n + p.len()].copy_from_slice(p);
        n += p.len();
    }
    // SAFETY: `path` is NUL-terminated (the last part ends in \0) and lives across the call.
    unsafe { libc::unlink(path.as_ptr().cast()) };
}

/// SIGTERM/SIGINT schedule a graceful shutdown; SIGPIPE is ignored (a
/// vanished peer shows up as EPIPE on write instead of killing us), and so is SIGXFSZ (a
/// file-size limit shows up as EFBIG on an AOF or dump write, handled like a full disk,
/// instead of killing the server).
fn install_signal_handlers() {
    if SIGNAL_HANDLERS_SET.swap(true, Ordering::SeqCst) {
        return;
    }
    // SAFETY: the handler only stores into an atomic, which is
    // async-signal-safe; sigaction is given a zeroed, fully initialised struct.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_shutdown_signal as extern "C" fn(libc::c_int) as usize;
        libc::sigemptyset(&mut sa.sa_mask);
        sa.sa_flags = 0;
        libc::sigaction(libc::SIGTERM, &sa, std::ptr::null_mut());
        libc::sigaction(libc::SIGINT, &sa, std::ptr::null_mut());
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}
