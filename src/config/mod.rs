//! Configuration: every `redis.conf` directive Redis 7.0 knows, how it is
//! read, shown, changed at run time and written back.
//!
//! # What this module owns
//! - [`Config`]: the typed values the server reads directly on the hot path,
//!   one public field per directive (named after it, `-` becoming `_`).
//! - The directive table (`table.rs`): one entry per directive with its
//!   name, old alias, type, default, flags (immutable, protected, hidden,
//!   debug, sensitive, multi-argument, deny-while-loading) and valid range.
//!   That single table drives start-up parsing, `CONFIG GET`, `CONFIG SET`
//!   and `CONFIG REWRITE`, so a directive cannot be accepted by one of them
//!   and unknown to another.
//! - `redis.conf` syntax (`parse.rs`): `sdssplitargs` quoting, `include`
//!   (with globs), memory units, the command line (`[file|-] [--name value
//!   ...]`) and Redis's fatal error format.
//! - `CONFIG REWRITE` (`rewrite.rs`): rewrite the file in place keeping
//!   comments and order, atomically.
//!
//! # What it never does
//! It never logs (warnings are returned in [`Config::load_warnings`]), never
//! exits the process (errors are values: [`ConfigError`] for start-up,
//! `String` replies for CONFIG commands), never touches sockets, clients or
//! data. Side effects of a change (rebinding, resizing the backlog, starting
//! AOF...) are the server's: `CONFIG SET` reports them as [`Changed`]. The
//! only side effects here are Redis's own: `dir` changes the working
//! directory the moment it is read or set, a `logfile` is opened once
//! (created) at start-up to check it is writable, and `CONFIG REWRITE`
//! writes the config file.
//!
//! # How a directive flows into `Config`
//! 1. Start-up: [`load_server_config`] turns argv into one text exactly as
//!    redis-server does (file content, then stdin for `-`, then a newline
//!    and the `--name value` options as lines), starting from
//!    [`Config::default()`]. Each line is split (`split_args`), its name
//!    looked up in the table (aliases included), and the entry's typed
//!    setter validates and stores the value. Later lines win; `save` lines
//!    accumulate after the first one resets the built-in defaults.
//! 2. `CONFIG SET n v [n v ...]`: [`Config::set`] checks every name first
//!    (unknown, immutable, protected, duplicate, loading), then sets them all
//!    on a copy; on the first bad value nothing is kept. It returns the
//!    [`Changed`] side effects for the server to apply.
//! 3. `CONFIG GET pattern`: [`Config::get`] formats each value as Redis does.
//! 4. `CONFIG REWRITE`: [`Config::rewrite`] re-reads the file and rewrites
//!    each directive's lines with the current value.

mod parse;
mod rewrite;
mod table;
#[cfg(test)]
mod tests;

use std::fmt;

pub(crate) use parse::strerror;
pub use parse::{load_server_config, parse_memory, repr, split_args};

/// The Redis version we claim in error banners.
pub const REDIS_VERSION: &str = "7.0.15";

/// Client classes of `client-output-buffer-limit`, indexes into
/// [`Config::client_output_buffer_limit`].
pub const CLIENT_TYPE_NORMAL: usize = 0;
/// Replicas (the `replica`/`slave` class).
pub const CLIENT_TYPE_REPLICA: usize = 1;
/// Pub/Sub subscribers.
pub const CLIENT_TYPE_PUBSUB: usize = 2;

/// Keyspace notification classes, as Redis's `NOTIFY_*` bits.
pub mod notify {
    /// `K`: `__keyspace@<db>__` channel.
    pub const KEYSPACE: u32 = 1 << 0;
    /// `E`: `__keyevent@<db>__` channel.
    pub const KEYEVENT: u32 = 1 << 1;
    /// `g`: generic commands (DEL, EXPIRE, RENAME...).
    pub const GENERIC: u32 = 1 << 2;
    /// `$`: string commands.
    pub const STRING: u32 = 1 << 3;
    /// `l`: list commands.
    pub const LIST: u32 = 1 << 4;
    /// `s`: set commands.
    pub const SET: u32 = 1 << 5;
    /// `h`: hash commands.
    pub const HASH: u32 = 1 << 6;
    /// `z`: sorted set commands.
    pub const ZSET: u32 = 1 << 7;
    /// `x`: expired events.
    pub const EXPIRED: u32 = 1 << 8;
    /// `e`: evicted events.
    pub const EVICTED: u32 = 1 << 9;
    /// `t`: stream commands.
    pub const STREAM: u32 = 1 << 10;
    /// `m`: key miss events (not part of `A`).
    pub const KEY_MISS: u32 = 1 << 11;
    /// Module-only: key loaded from RDB (no letter).
    pub const LOADED: u32 = 1 << 12;
    /// `d`: module key type events.
    pub const MODULE: u32 = 1 << 13;
    /// `n`: new key events (not part of `A`).
    pub const NEW: u32 = 1 << 14;
    /// `A`: alias for `g$lshzxetd`.
    pub const ALL: u32 =
        GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;
}

/// `shutdown-on-sigint` / `shutdown-on-sigterm` flag bits (0 = `default`).
pub mod shutdown {
    /// Save even if no save points are configured.
    pub const SAVE: u32 = 1;
    /// Do not save.
    pub const NOSAVE: u32 = 2;
    /// Do not wait for replicas to catch up.
    pub const NOW: u32 = 4;
    /// Ignore errors that would prevent shutting down.
    pub const FORCE: u32 = 8;
}

/// Parses keyspace event classes (`"KEA"`) into [`notify`] bits; `None` for
/// an unknown letter.
pub fn keyspace_events_from_str(classes: &str) -> Option<u32> {
    let mut flags = 0;
    for c in classes.chars() {
        flags |= match c {
            'A' => notify::ALL,
            'g' => notify::GENERIC,
            '$' => notify::STRING,
            'l' => notify::LIST,
            's' => notify::SET,
            'h' => notify::HASH,
            'z' => notify::ZSET,
            'x' => notify::EXPIRED,
            'e' => notify::EVICTED,
            'K' => notify::KEYSPACE,
            'E' => notify::KEYEVENT,
            't' => notify::STREAM,
            'm' => notify::KEY_MISS,
            'd' => notify::MODULE,
            'n' => notify::NEW,
            _ => return None,
        };
    }
    Some(flags)
}

/// Formats [`notify`] bits the way `CONFIG GET notify-keyspace-events`
/// shows them (`A` first when all of it is set, then `K`, `E`, `m`).
pub fn keyspace_events_to_string(flags: u32) -> String {
    let mut s = String::new();
    if flags & notify::ALL == notify::ALL {
        s.push('A');
    } else {
        for (bit, c) in [
            (notify::GENERIC, 'g'),
            (notify::STRING, '$'),
            (notify::LIST, 'l'),
            (notify::SET, 's'),
            (notify::HASH, 'h'),
            (notify::ZSET, 'z'),
            (notify::EXPIRED, 'x'),
            (notify::EVICTED, 'e'),
            (notify::STREAM, 't'),
            (notify::MODULE, 'd'),
            (notify::NEW, 'n'),
        ] {
            if flags & bit != 0 {
                s.push(c);
            }
        }
    }
    for (bit, c) in [
        (notify::KEYSPACE, 'K'),
        (notify::KEYEVENT, 'E'),
        (notify::KEY_MISS, 'm'),
    ] {
        if flags & bit != 0 {
            s.push(c);
        }
    }
    s
}

/// Declares an enum-valued directive's type: variants with their numeric
/// codes (Redis's constants, so the table can treat every enum alike), the
/// default, and the accepted names (several names may map to one variant;
/// the first is the one shown).
macro_rules! config_enum {
    (
        $(#[doc = $doc:literal])*
        $name:ident default $def:ident {
            $( $(#[doc = $vdoc:literal])* $var:ident = $code:literal ),+ $(,)?
        }
        names { $( $s:literal => $nv:ident ),+ $(,)? }
    ) => {
        $(#[doc = $doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[doc = $vdoc])* $var = $code, )+
        }
        impl Default for $name {
            fn default() -> Self {
                $name::$def
            }
        }
        impl $name {
            /// Accepted names and their codes, in Redis's order.
            pub(crate) const NAMES: &'static [(&'static str, i64)] =
                &[ $( ($s, $name::$nv as i64), )+ ];
            pub(crate) fn code(self) -> i64 {
                self as i64
            }
            pub(crate) fn from_code(code: i64) -> Self {
                $( if code == $code { return $name::$var; } )+
                $name::$def
            }
            /// The name `CONFIG GET` shows for this value.
            pub fn name(self) -> &'static str {
                for (n, c) in Self::NAMES {
                    if *c == self as i64 {
                        return n;
                    }
                }
                "unknown"
            }
        }
    };
}

config_enum! {
    /// `loglevel`: a message is logged when its level is >= this.
    LogLevel default Notice {
        /// Everything.
        Debug = 0,
        /// Useful information, less noisy than debug.
        Verbose = 1,
        /// What production wants.
        Notice = 2,
        /// Only important/critical messages.
        Warning = 3,
    }
    names { "debug" => Debug, "verbose" => Verbose, "notice" => Notice, "warning" => Warning }
}

config_enum! {
    /// `appendfsync`: when the AOF is fsynced.
    AppendFsync default EverySec {
        /// Let the OS decide.
        No = 0,
        /// After every write, before replying.
        Always = 1,
        /// Once a second, in the background thread.
        EverySec = 2,
    }
    names { "everysec" => EverySec, "always" => Always, "no" => No }
}

config_enum! {
    /// `maxmemory-policy`: what to evict when `maxmemory` is reached.
    MaxmemoryPolicy default NoEviction {
        /// Approximated LRU among keys with an expire.
        VolatileLru = 1,
        /// Approximated LFU among keys with an expire.
        VolatileLfu = 2,
        /// Random key with an expire.
        VolatileRandom = 3,
        /// Key with the nearest expire.
        VolatileTtl = 4,
        /// Approximated LRU among all keys.
        AllkeysLru = 5,
        /// Approximated LFU among all keys.
        AllkeysLfu = 6,
        /// Random key.
        AllkeysRandom = 7,
        /// Refuse writes that need memory.
        NoEviction = 8,
    }
    names {
        "volatile-lru" => VolatileLru,
        "volatile-lfu" => VolatileLfu,
        "volatile-random" => VolatileRandom,
        "volatile-ttl" => VolatileTtl,
        "allkeys-lru" => AllkeysLru,
        "allkeys-lfu" => AllkeysLfu,
        "allkeys-random" => AllkeysRandom,
        "noeviction" => NoEviction,
    }
}

config_enum! {
    /// `supervised`: how to tell a supervisor we are ready.
    Supervised default No {
        /// Not supervised.
        No = 0,
        /// Detect from UPSTART_JOB / NOTIFY_SOCKET.
        Auto = 1,
        /// SIGSTOP ourselves when ready.
        Upstart = 2,
        /// Send READY=1 to $NOTIFY_SOCKET.
        Systemd = 3,
    }
    names { "upstart" => Upstart, "systemd" => Systemd, "auto" => Auto, "no" => No }
}

config_enum! {
    /// `syslog-facility`.
    SyslogFacility default Local0 {
        /// LOG_USER.
        User = 8,
        /// LOG_LOCAL0.
        Local0 = 128,
        /// LOG_LOCAL1.
        Local1 = 136,
        /// LOG_LOCAL2.
        Local2 = 144,
        /// LOG_LOCAL3.
        Local3 = 152,
        /// LOG_LOCAL4.
        Local4 = 160,
        /// LOG_LOCAL5.
        Local5 = 168,
        /// LOG_LOCAL6.
        Local6 = 176,
        /// LOG_LOCAL7.
        Local7 = 184,
    }
    names {
        "user" => User, "local0" => Local0, "local1" => Local1, "local2" => Local2,
        "local3" => Local3, "local4" => Local4, "local5" => Local5, "local6" => Local6,
        "local7" => Local7,
    }
}

config_enum! {
    /// `repl-diskless-load`: how a replica loads the master's RDB.
    ReplDisklessLoad default Disabled {
        /// Save it to disk first.
        Disabled = 0,
        /// Straight from the socket when the dataset is empty.
        OnEmptyDb = 1,
        /// Straight from the socket, keeping the old data aside until done.
        Swapdb = 2,
    }
    names { "disabled" => Disabled, "on-empty-db" => OnEmptyDb, "swapdb" => Swapdb }
}

config_enum! {
    /// `oom-score-adj`: how `oom-score-adj-values` are applied.
    OomScoreAdj default No {
        /// Leave the OOM score alone.
        No = 0,
        /// Values are relative to the initial score (`yes` is the same).
        Relative = 1,
        /// Values are written as they are.
        Absolute = 2,
    }
    names { "no" => No, "yes" => Relative, "relative" => Relative, "absolute" => Absolute }
}

config_enum! {
    /// `acl-pubsub-default`: channel permissions of new ACL users.
    AclPubsubDefault default ResetChannels {
        /// `&*`: all channels.
        AllChannels = 8,
        /// No channels.
        ResetChannels = 0,
    }
    names { "allchannels" => AllChannels, "resetchannels" => ResetChannels }
}

config_enum! {
    /// `sanitize-dump-payload`: deep checks of RESTORE / RDB payloads.
    SanitizeDumpPayload default No {
        /// Never.
        No = 0,
        /// Always.
        Yes = 1,
        /// For clients without the skip-sanitize-payload ACL flag.
        Clients = 2,
    }
    names { "no" => No, "yes" => Yes, "clients" => Clients }
}

config_enum! {
    /// `enable-protected-configs`, `enable-debug-command`,
    /// `enable-module-command`.
    ProtectedAction default No {
        /// Refused.
        No = 0,
        /// Allowed.
        Yes = 1,
        /// Allowed for clients connected over loopback or the unix socket.
        Local = 2,
    }
    names { "no" => No, "yes" => Yes, "local" => Local }
}

impl ProtectedAction {
    /// Whether a client (local or not) may perform the action.
    pub fn allows(self, local_client: bool) -> bool {
        match self {
            ProtectedAction::Yes => true,
            ProtectedAction::Local => local_client,
            ProtectedAction::No => false,
        }
    }
}

config_enum! {
    /// `cluster-preferred-endpoint-type`.
    ClusterPreferredEndpointType default Ip {
        /// Announce the IP.
        Ip = 0,
        /// Announce the hostname.
        Hostname = 1,
        /// Announce `?`.
        UnknownEndpoint = 2,
    }
    names { "ip" => Ip, "hostname" => Hostname, "unknown-endpoint" => UnknownEndpoint }
}

config_enum! {
    /// `propagation-error-behavior`: what a replica (or AOF load) does when
    /// a propagated command fails.
    PropagationErrorBehavior default Ignore {
        /// Log and go on.
        Ignore = 0,
        /// Crash.
        Panic = 1,
        /// Crash on replicas only.
        PanicOnReplicas = 2,
    }
    names { "ignore" => Ignore, "panic" => Panic, "panic-on-replicas" => PanicOnReplicas }
}

config_enum! {
    /// `tls-auth-clients`.
    TlsAuthClients default Yes {
        /// No client certificate asked.
        No = 0,
        /// A valid client certificate is required.
        Yes = 1,
        /// Checked when given.
        Optional = 2,
    }
    names { "no" => No, "yes" => Yes, "optional" => Optional }
}

/// One class of `client-output-buffer-limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ClientBufferLimit {
    /// Disconnect at once above this many bytes (0 = no limit).
    pub hard_limit_bytes: u64,
    /// Disconnect when above this for `soft_limit_seconds` (0 = no limit).
    pub soft_limit_bytes: u64,
    /// How long the soft limit may be exceeded.
    pub soft_limit_seconds: i64,
}

/// Declares [`Config`] and a blank constructor (every field at its type's
/// `Default`), which [`Config::default`] then fills from the table: the
/// defaults live in one place only.
macro_rules! config_struct {
    ( $( $(#[doc = $doc:literal])* $field:ident : $ty:ty, )* ) => {
        /// Every configuration value, typed. Fields are named after their
        /// directive (`-` becoming `_`); memory values are in bytes, times as
        /// Redis keeps them (seconds or milliseconds as the directive says).
        /// String directives that Redis keeps as NULL when empty are `""`.
        #[derive(Clone, Debug, PartialEq)]
        pub struct Config {
            $( $(#[doc = $doc])* pub $field: $ty, )*
            /// Absolute path of the file loaded at start-up.
            config_file: Option<String>,
        }
        impl Config {
            fn blank() -> Config {
                Config { $( $field: Default::default(), )* config_file: None }
            }
        }
    };
}

config_struct! {
    // ---- network
    /// `bind`: addresses to listen on (`-` prefix: optional); empty = none.
    bind: Vec<String>,
    /// `bind-source-addr`: source address for outgoing connections.
    bind_source_addr: String,
    /// `protected-mode`: refuse non-local clients when no password/bind.
    protected_mode: bool,
    /// `port`: TCP port, 0 = no TCP listener.
    port: u16,
    /// `tcp-backlog`: listen(2) backlog.
    tcp_backlog: i32,
    /// `unixsocket`: path of the unix socket ("" = none).
    unixsocket: String,
    /// `unixsocketperm`: its permissions (octal in the file).
    unixsocketperm: u32,
    /// `socket-mark-id`: SO_MARK for listening sockets.
    socket_mark_id: u32,
    /// `timeout`: close idle clients after this many seconds (0 = never).
    timeout: i64,
    /// `tcp-keepalive`: SO_KEEPALIVE interval in seconds (0 = off).
    tcp_keepalive: i64,
    // ---- tls (accepted and stored; rudis has no TLS)
    /// `tls-port`.
    tls_port: u16,
    /// `tls-cert-file`.
    tls_cert_file: String,
    /// `tls-key-file`.
    tls_key_file: String,
    /// `tls-key-file-pass`.
    tls_key_file_pass: String,
    /// `tls-client-cert-file`.
    tls_client_cert_file: String,
    /// `tls-client-key-file`.
    tls_client_key_file: String,
    /// `tls-client-key-file-pass`.
    tls_client_key_file_pass: String,
    /// `tls-dh-params-file`.
    tls_dh_params_file: String,
    /// `tls-ca-cert-file`.
    tls_ca_cert_file: String,
    /// `tls-ca-cert-dir`.
    tls_ca_cert_dir: String,
    /// `tls-auth-clients`.
    tls_auth_clients: TlsAuthClients,
    /// `tls-replication`.
    tls_replication: bool,
    /// `tls-cluster`.
    tls_cluster: bool,
    /// `tls-protocols`.
    tls_protocols: String,
    /// `tls-ciphers`.
    tls_ciphers: String,
    /// `tls-ciphersuites`.
    tls_ciphersuites: String,
    /// `tls-prefer-server-ciphers`.
    tls_prefer_server_ciphers: bool,
    /// `tls-session-caching`.
    tls_session_caching: bool,
    /// `tls-session-cache-size`.
    tls_session_cache_size: i64,
    /// `tls-session-cache-timeout`.
    tls_session_cache_timeout: i64,
    // ---- general
    /// `daemonize`.
    daemonize: bool,
    /// `supervised`.
    supervised: Supervised,
    /// `pidfile` ("" = none).
    pidfile: String,
    /// `loglevel`.
    loglevel: LogLevel,
    /// `logfile` ("" = standard output).
    logfile: String,
    /// `syslog-enabled`.
    syslog_enabled: bool,
    /// `syslog-ident`.
    syslog_ident: String,
    /// `syslog-facility`.
    syslog_facility: SyslogFacility,
    /// `crash-log-enabled`.
    crash_log_enabled: bool,
    /// `crash-memcheck-enabled`.
    crash_memcheck_enabled: bool,
    /// `databases`.
    databases: usize,
    /// `always-show-logo`.
    always_show_logo: bool,
    /// `set-proc-title`.
    set_proc_title: bool,
    /// `proc-title-template`.
    proc_title_template: String,
    /// `enable-protected-configs`: may `dir`/`dbfilename` be CONFIG SET.
    enable_protected_configs: ProtectedAction,
    /// `enable-debug-command`.
    enable_debug_command: ProtectedAction,
    /// `enable-module-command`.
    enable_module_command: ProtectedAction,
    /// `ignore-warnings`.
    ignore_warnings: String,
    // ---- snapshotting
    /// `save`: (seconds, changes) save points; empty = no snapshots.
    save_params: Vec<(i64, i64)>,
    /// `stop-writes-on-bgsave-error`.
    stop_writes_on_bgsave_error: bool,
    /// `rdbcompression`: LZF-compress strings in the RDB.
    rdbcompression: bool,
    /// `rdbchecksum`: CRC64 trailer.
    rdbchecksum: bool,
    /// `sanitize-dump-payload`.
    sanitize_dump_payload: SanitizeDumpPayload,
    /// `dbfilename`.
    dbfilename: String,
    /// `rdb-del-sync-files`.
    rdb_del_sync_files: bool,
    /// `rdb-save-incremental-fsync`.
    rdb_save_incremental_fsync: bool,
    /// `rdb-key-save-delay` (test hook: microseconds per key while saving).
    rdb_key_save_delay: i64,
    /// `key-load-delay` (test hook: microseconds per key while loading).
    key_load_delay: i64,
    /// `loading-process-events-interval-bytes` (test hook).
    loading_process_events_interval_bytes: i64,
    // ---- replication
    /// `replicaof` / `slaveof`: our master, if any.
    replicaof: Option<(String, u16)>,
    /// `masterauth`.
    masterauth: String,
    /// `masteruser`.
    masteruser: String,
    /// `replica-serve-stale-data`.
    replica_serve_stale_data: bool,
    /// `replica-read-only`.
    replica_read_only: bool,
    /// `repl-diskless-sync`.
    repl_diskless_sync: bool,
    /// `repl-diskless-sync-delay` (seconds).
    repl_diskless_sync_delay: i64,
    /// `repl-diskless-sync-max-replicas`.
    repl_diskless_sync_max_replicas: i64,
    /// `repl-diskless-load`.
    repl_diskless_load: ReplDisklessLoad,
    /// `repl-ping-replica-period` (seconds).
    repl_ping_replica_period: i64,
    /// `repl-timeout` (seconds).
    repl_timeout: i64,
    /// `repl-disable-tcp-nodelay`.
    repl_disable_tcp_nodelay: bool,
    /// `repl-backlog-size` (bytes).
    repl_backlog_size: i64,
    /// `repl-backlog-ttl` (seconds).
    repl_backlog_ttl: i64,
    /// `replica-priority`.
    replica_priority: i64,
    /// `replica-announced`.
    replica_announced: bool,
    /// `min-replicas-to-write`.
    min_replicas_to_write: i64,
    /// `min-replicas-max-lag` (seconds).
    min_replicas_max_lag: i64,
    /// `replica-announce-ip`.
    replica_announce_ip: String,
    /// `replica-announce-port`.
    replica_announce_port: u16,
    /// `replica-ignore-maxmemory`.
    replica_ignore_maxmemory: bool,
    /// `replica-lazy-flush`.
    replica_lazy_flush: bool,
    /// `replica-ignore-disk-write-errors`.
    replica_ignore_disk_write_errors: bool,
    /// `propagation-error-behavior`.
    propagation_error_behavior: PropagationErrorBehavior,
    // ---- security
    /// `requirepass` ("" = none).
    requirepass: String,
    /// `aclfile`.
    aclfile: String,
    /// `acllog-max-len`.
    acllog_max_len: i64,
    /// `acl-pubsub-default`.
    acl_pubsub_default: AclPubsubDefault,
    // ---- clients and memory
    /// `maxclients`.
    maxclients: u64,
    /// `maxmemory` (bytes, 0 = no limit).
    maxmemory: u64,
    /// `maxmemory-policy`.
    maxmemory_policy: MaxmemoryPolicy,
    /// `maxmemory-samples`.
    maxmemory_samples: i64,
    /// `maxmemory-eviction-tenacity`.
    maxmemory_eviction_tenacity: i64,
    /// `maxmemory-clients`: bytes, or a percentage of maxmemory stored
    /// negated (-10 = 10%), as Redis does; 0 = no limit.
    maxmemory_clients: i64,
    /// `client-query-buffer-limit` (bytes).
    client_query_buffer_limit: i64,
    /// `proto-max-bulk-len` (bytes).
    proto_max_bulk_len: i64,
    /// `client-output-buffer-limit`, indexed by `CLIENT_TYPE_*`.
    client_output_buffer_limit: [ClientBufferLimit; 3],
    // ---- lazy freeing
    /// `lazyfree-lazy-eviction`.
    lazyfree_lazy_eviction: bool,
    /// `lazyfree-lazy-expire`.
    lazyfree_lazy_expire: bool,
    /// `lazyfree-lazy-server-del`.
    lazyfree_lazy_server_del: bool,
    /// `lazyfree-lazy-user-del`.
    lazyfree_lazy_user_del: bool,
    /// `lazyfree-lazy-user-flush`.
    lazyfree_lazy_user_flush: bool,
    // ---- threads, kernel, cpu
    /// `io-threads`.
    io_threads: i64,
    /// `io-threads-do-reads`.
    io_threads_do_reads: bool,
    /// `oom-score-adj`.
    oom_score_adj: OomScoreAdj,
    /// `oom-score-adj-values`: master, replica, background child.
    oom_score_adj_values: [i64; 3],
    /// `disable-thp`.
    disable_thp: bool,
    /// `server_cpulist`.
    server_cpulist: String,
    /// `bio_cpulist`.
    bio_cpulist: String,
    /// `aof_rewrite_cpulist`.
    aof_rewrite_cpulist: String,
    /// `bgsave_cpulist`.
    bgsave_cpulist: String,
    /// `jemalloc-bg-thread`.
    jemalloc_bg_thread: bool,
    // ---- append only file
    /// `appendonly`.
    appendonly: bool,
    /// `appendfilename`: base name of the AOF files.
    appendfilename: String,
    /// `appenddirname`: directory of the multi-part AOF.
    appenddirname: String,
    /// `appendfsync`.
    appendfsync: AppendFsync,
    /// `no-appendfsync-on-rewrite`.
    no_appendfsync_on_rewrite: bool,
    /// `auto-aof-rewrite-percentage`.
    auto_aof_rewrite_percentage: i64,
    /// `auto-aof-rewrite-min-size` (bytes).
    auto_aof_rewrite_min_size: i64,
    /// `aof-load-truncated`.
    aof_load_truncated: bool,
    /// `aof-use-rdb-preamble`.
    aof_use_rdb_preamble: bool,
    /// `aof-timestamp-enabled`.
    aof_timestamp_enabled: bool,
    /// `aof-rewrite-incremental-fsync`.
    aof_rewrite_incremental_fsync: bool,
    /// `aof-disable-auto-gc`.
    aof_disable_auto_gc: bool,
    // ---- shutdown
    /// `shutdown-timeout` (seconds).
    shutdown_timeout: i64,
    /// `shutdown-on-sigint`: [`shutdown`] bits.
    shutdown_on_sigint: u32,
    /// `shutdown-on-sigterm`: [`shutdown`] bits.
    shutdown_on_sigterm: u32,
    // ---- scripts
    /// `busy-reply-threshold` / `lua-time-limit` (milliseconds).
    busy_reply_threshold: i64,
    // ---- cluster (accepted and stored; rudis has no cluster mode)
    /// `cluster-enabled`.
    cluster_enabled: bool,
    /// `cluster-config-file`.
    cluster_config_file: String,
    /// `cluster-node-timeout`.
    cluster_node_timeout: i64,
    /// `cluster-port`.
    cluster_port: u16,
    /// `cluster-replica-validity-factor`.
    cluster_replica_validity_factor: i64,
    /// `cluster-migration-barrier`.
    cluster_migration_barrier: i64,
    /// `cluster-allow-replica-migration`.
    cluster_allow_replica_migration: bool,
    /// `cluster-require-full-coverage`.
    cluster_require_full_coverage: bool,
    /// `cluster-replica-no-failover`.
    cluster_replica_no_failover: bool,
    /// `cluster-allow-reads-when-down`.
    cluster_allow_reads_when_down: bool,
    /// `cluster-allow-pubsubshard-when-down`.
    cluster_allow_pubsubshard_when_down: bool,
    /// `cluster-link-sendbuf-limit`.
    cluster_link_sendbuf_limit: u64,
    /// `cluster-announce-ip`.
    cluster_announce_ip: String,
    /// `cluster-announce-hostname`.
    cluster_announce_hostname: String,
    /// `cluster-preferred-endpoint-type`.
    cluster_preferred_endpoint_type: ClusterPreferredEndpointType,
    /// `cluster-announce-port`.
    cluster_announce_port: u16,
    /// `cluster-announce-bus-port`.
    cluster_announce_bus_port: u16,
    /// `cluster-announce-tls-port`.
    cluster_announce_tls_port: u16,
    // ---- monitoring
    /// `slowlog-log-slower-than` (microseconds, -1 = off).
    slowlog_log_slower_than: i64,
    /// `slowlog-max-len`.
    slowlog_max_len: i64,
    /// `latency-monitor-threshold` (milliseconds, 0 = off).
    latency_monitor_threshold: i64,
    /// `latency-tracking`.
    latency_tracking: bool,
    /// `latency-tracking-info-percentiles`.
    latency_tracking_info_percentiles: Vec<f64>,
    /// `notify-keyspace-events` as last given (`CONFIG GET` shows the
    /// canonical form of the flags instead).
    notify_keyspace_events: String,
    /// Parsed `notify-keyspace-events`: [`notify`] bits.
    notify_keyspace_events_flags: u32,
    // ---- encodings
    /// `hash-max-listpack-entries` / `hash-max-ziplist-entries`.
    hash_max_listpack_entries: usize,
    /// `hash-max-listpack-value` / `hash-max-ziplist-value`.
    hash_max_listpack_value: usize,
    /// `list-max-listpack-size` / `list-max-ziplist-size` (negative: size class).
    list_max_listpack_size: i64,
    /// `list-compress-depth`.
    list_compress_depth: i64,
    /// `set-max-intset-entries`.
    set_max_intset_entries: usize,
    /// `zset-max-listpack-entries` / `zset-max-ziplist-entries`.
    zset_max_listpack_entries: usize,
    /// `zset-max-listpack-value` / `zset-max-ziplist-value`.
    zset_max_listpack_value: usize,
    /// `hll-sparse-max-bytes`.
    hll_sparse_max_bytes: usize,
    /// `stream-node-max-bytes`.
    stream_node_max_bytes: usize,
    /// `stream-node-max-entries`.
    stream_node_max_entries: i64,
    // ---- advanced
    /// `activerehashing`.
    activerehashing: bool,
    /// `hz` (clamped to 1..=500 as Redis does).
    hz: i64,
    /// `dynamic-hz`.
    dynamic_hz: bool,
    /// `active-expire-effort` (1..=10).
    active_expire_effort: i64,
    /// `tracking-table-max-keys`.
    tracking_table_max_keys: usize,
    /// `lfu-log-factor`.
    lfu_log_factor: i64,
    /// `lfu-decay-time` (minutes).
    lfu_decay_time: i64,
    /// `activedefrag` (always refused: rudis has no defragmenting allocator).
    activedefrag: bool,
    /// `active-defrag-ignore-bytes`.
    active_defrag_ignore_bytes: u64,
    /// `active-defrag-threshold-lower` (%).
    active_defrag_threshold_lower: i64,
    /// `active-defrag-threshold-upper` (%).
    active_defrag_threshold_upper: i64,
    /// `active-defrag-cycle-min` (% CPU).
    active_defrag_cycle_min: i64,
    /// `active-defrag-cycle-max` (% CPU).
    active_defrag_cycle_max: i64,
    /// `active-defrag-max-scan-fields`.
    active_defrag_max_scan_fields: u64,
    // ---- debugging
    /// `use-exit-on-panic`.
    use_exit_on_panic: bool,
    /// `watchdog-period` (milliseconds, 0 = off).
    watchdog_period: i64,
    // ---- file-only directives (no CONFIG GET/SET)
    /// `rename-command old new` lines, in order (new "" = remove).
    rename_commands: Vec<(String, String)>,
    /// `user <name> <rules...>` lines: the arguments after `user`.
    users: Vec<Vec<String>>,
    /// `loadmodule <path> [args...]` lines: the arguments after `loadmodule`.
    loadmodules: Vec<Vec<String>>,
    /// Module configs (`name.with.dot value...`), last one wins.
    module_configs: Vec<(String, String)>,
    /// Things Redis would log as warnings while loading.
    load_warnings: Vec<String>,
}

/// A start-up configuration error: the caller prints `message` to stderr
/// (`eprint!("{}", e)`) and exits with status 1, as redis-server does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// Exactly what redis-server writes: for file errors the
    /// `*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***` banner (preceded by
    /// an empty line), the line number and text, then the reason; newline
    /// terminated.
    pub message: String,
    /// 1-based line in the text being parsed, when the error is about a line.
    pub line: Option<usize>,
    /// The reason alone (e.g. `argument must be 'yes' or 'no'`).
    pub reason: String,
}

impl ConfigError {
    fn at_line(line: usize, text: &str, reason: String) -> ConfigError {
        ConfigError {
            message: format!(
                "\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\n\
                 Reading the configuration file, at line {line}\n>>> '{text}'\n{reason}\n"
            ),
            line: Some(line),
            reason,
        }
    }

    fn after_load(reason: String) -> ConfigError {
        ConfigError {
            message: format!(
                "\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\n{reason}\n"
            ),
            line: None,
            reason,
        }
    }

    fn plain(reason: String) -> ConfigError {
        ConfigError {
            message: format!("{reason}\n"),
            line: None,
            reason,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// A side effect the server must apply after a successful `CONFIG SET`
/// (Redis's `apply` functions), listed once each in the order first met.
/// Only directives whose value actually changed are reported (`save`,
/// `bind`, `dir`, `client-output-buffer-limit` and `notify-keyspace-events`
/// always count as changed, as in Redis). If applying one fails (e.g. the
/// port is taken), restore a [`Config`] clone taken before the SET (and
/// `chdir` back if [`Changed::Dir`]), re-apply, and reply
/// `ERR CONFIG SET failed (possibly related to argument '<name>') - <why>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Changed {
    /// Listen on the new `port` (0 = close the TCP listener).
    Port,
    /// Re-bind to the new `bind` addresses.
    Bind,
    /// Check `maxclients` against the open-files limit.
    Maxclients,
    /// `hz` changed (already clamped to 1..=500).
    Hz,
    /// The working directory changed (already done by `set`).
    Dir,
    /// Start or stop AOF.
    Appendonly,
    /// `aof-disable-auto-gc` turned off: delete AOF history files.
    AofDisableAutoGc,
    /// Resize the replication backlog.
    ReplBacklogSize,
    /// `maxmemory` changed: start evicting if over.
    Maxmemory,
    /// `min-replicas-to-write` / `min-replicas-max-lag`: recount good replicas.
    MinReplicas,
    /// Re-arm or stop the watchdog timer.
    WatchdogPeriod,
    /// Install or remove crash signal handlers.
    CrashLogEnabled,
    /// `oom-score-adj` / `oom-score-adj-values`: rewrite /proc/self/oom_score_adj.
    OomScoreAdj,
    /// The default user's password changed.
    Requirepass,
    /// `jemalloc-bg-thread`.
    JemallocBgThread,
    /// Re-set the process title.
    ProcTitleTemplate,
    /// `maxmemory-clients`: enable/disable client eviction buckets.
    MaxmemoryClients,
    /// Save points changed.
    Save,
    /// Log level changed.
    Loglevel,
    /// A cluster announce setting changed (no effect in rudis).
    Cluster,
    /// A TLS setting changed (no effect in rudis).
    Tls,
    /// Any other directive, by canonical name: no side effect needed.
    Other(&'static str),
}

/// What `CONFIG SET` needs to know about its caller.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetContext {
    /// The server is loading a dataset (directives flagged deny-loading,
    /// such as `appendonly` and `dir`, answer `-LOADING`).
    pub loading: bool,
    /// The client is local (loopback or unix socket), for
    /// `enable-protected-configs local`.
    pub local_client: bool,
}

impl Default for Config {
    /// Redis 7.0's built-in defaults (what a server started without a file
    /// runs with): bind `* -::*`, port 6379, save `3600 1 300 100 60 10000`,
    /// protected-mode yes, 16 databases, hz 10, ...
    fn default() -> Config {
        let mut c = Config::blank();
        table::init_defaults(&mut c);
        c
    }
}

impl Config {
    /// Absolute path of the config file given at start-up, for CONFIG
    /// REWRITE and `INFO server`'s `config_file` (`None` without one).
    pub fn config_file(&self) -> Option<&str> {
        self.config_file.as_deref()
    }

    /// Sets the config file path (the server normally never needs this:
    /// [`load_server_config`] fills it in).
    pub fn set_config_file(&mut self, path: Option<String>) {
        self.config_file = path;
    }

    /// `CONFIG GET <pattern>` for one pattern: (name, value) pairs. A pattern
    /// without `*?[` is an exact, case-insensitive lookup answered under the
    /// name as given (aliases and hidden directives included); a glob is
    /// matched case-insensitively against every name and alias, skipping
    /// hidden test hooks, as Redis 7.0 does (so `*of` returns both
    /// `replicaof` and `slaveof`).
    pub fn get(&self, pattern: &str) -> Vec<(String, String)> {
        self.get_many(&[pattern])
    }

    /// `CONFIG GET p1 p2 ...`: the union of each pattern's matches, each
    /// name once.
    pub fn get_many(&self, patterns: &[&str]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for pattern in patterns {
            if !pattern.contains(['[', '*', '?']) {
                if let Some((d, _)) = table::lookup(pattern) {
                    if seen.insert(pattern.to_ascii_lowercase()) {
                        out.push((pattern.to_string(), d.get_value(self)));
                    }
                }
                continue;
            }
            for d in table::TABLE {
                if d.flags & table::HIDDEN != 0 {
                    continue;
                }
                for name in std::iter::once(d.name).chain(d.alias) {
                    if seen.contains(name) {
                        continue;
                    }
                    if crate::util::glob::string_match(pattern.as_bytes(), name.as_bytes(), true) {
                        seen.insert(name.to_string());
                        out.push((name.to_string(), d.get_value(self)));
                    }
                }
            }
        }
        out
    }

    /// `CONFIG SET name value [name value ...]` from a remote, non-local
    /// client while not loading. See [`Config::set_with`].
    pub fn set(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<Vec<Changed>, String> {
        self.set_with(pairs, &SetContext::default())
    }

    /// `CONFIG SET`: all or nothing. Every name is checked first (unknown,
    /// immutable, protected, deny-loading, duplicate); then every value is
    /// set on a copy, and the copy replaces `self` only if all succeeded.
    /// Errors are the full reply text, e.g.
    /// `ERR CONFIG SET failed (possibly related to argument 'port') - argument
    /// must be between 0 and 65535 inclusive`.
    pub fn set_with(
        &mut self,
        pairs: &[(&[u8], &[u8])],
        ctx: &SetContext,
    ) -> Result<Vec<Changed>, String> {
        table::config_set(self, pairs, ctx)
    }

    /// `CONFIG REWRITE`: rewrites the start-up config file with the current
    /// values, keeping comments, order and directives we do not manage.
    /// Errors are the full reply text (`ERR The server is running without a
    /// config file`, `ERR Rewriting config file: <reason>`).
    pub fn rewrite(&self) -> Result<(), String> {
        rewrite::rewrite_config(self, false)
    }

    /// `DEBUG CONFIG-REWRITE-FORCE-ALL`: like [`Config::rewrite`] but writes
    /// every directive, defaults included.
    pub fn rewrite_force_all(&self) -> Result<(), String> {
        rewrite::rewrite_config(self, true)
    }

    /// The debug-flagged directives as config lines (Redis prints these in
    /// crash reports and `DEBUG INFO`-like output).
    pub fn debug_info(&self) -> String {
        rewrite::debug_info(self)
    }

    /// Expands `proc-title-template` for `title` (normally `argv[0]`) as
    /// Redis does; `None` if the template is invalid.
    pub fn proc_title(&self, title: &str) -> Option<String> {
        table::expand_proc_title(self, &self.proc_title_template, title)
    }
}

/// True for directives whose values must be hidden from SLOWLOG, MONITOR
/// and the command log (`requirepass`, `masterauth`, `masteruser`).
pub fn is_sensitive(name: &[u8]) -> bool {
    match std::str::from_utf8(name) {
        Ok(n) => table::lookup(n).is_some_and(|(d, _)| d.flags & table::SENSITIVE != 0),
        Err(_) => false,
    }
}

/// How many directives the table knows (not counting aliases).
pub fn directive_count() -> usize {
    table::TABLE.len()
}

/// The text for `rudis-server --help` (main prints it to stderr, exit 1).
pub fn usage() -> &'static str {
    "Usage: ./rudis-server [/path/to/redis.conf] [options] [-]\n\
     \x20      ./rudis-server - (read config from stdin)\n\
     \x20      ./rudis-server -v or --version\n\
     \x20      ./rudis-server -h or --help\n\
     \n\
     Examples:\n\
     \x20      ./rudis-server (run the server with default conf)\n\
     \x20      echo 'maxmemory 128mb' | ./rudis-server -\n\
     \x20      ./rudis-server /etc/redis/6379.conf\n\
     \x20      ./rudis-server --port 7777\n\
     \x20      ./rudis-server --port 7777 --replicaof 127.0.0.1 8888\n\
     \x20      ./rudis-server /etc/myredis.conf --loglevel verbose -\n\
     \x20      ./rudis-server /etc/myredis.conf --loglevel verbose\n\
     \n\
     Options after the file are config directives: `--name value ...` is\n\
     read as a line `name value ...` after the file (and after stdin with -),\n\
     so the command line wins. `--save \"\"` disables snapshots.\n"
}
