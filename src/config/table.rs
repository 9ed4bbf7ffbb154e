//! The directive table: one entry per directive Redis 7.0 knows.
//!
//! Each entry says the directive's name, old alias, flags, how its value is
//! typed (yes/no, string, enum, number with range and units, or a special
//! directive with its own parser), its default, and which [`Changed`] side
//! effect a change needs. The generic code below turns an entry into
//! parsing (file and CONFIG SET), formatting (CONFIG GET) and CONFIG REWRITE
//! lines, with Redis's error wording. Defaults live here only:
//! [`Config::default`] is built by applying them.

use super::parse::{parse_memory, repr, strerror, string2ll, strtoll_full};
use super::rewrite::{format_memory, RewriteState};
use super::*;

// ---- directive flags (Redis's *_CONFIG bits)
const MODIFIABLE: u32 = 0;
/// Only settable at start-up.
pub(crate) const IMMUTABLE: u32 = 1 << 0;
/// Value must be redacted from logs.
pub(crate) const SENSITIVE: u32 = 1 << 1;
/// Shown by `debug_info`.
pub(crate) const DEBUG: u32 = 1 << 2;
/// Takes several arguments (`save 900 1 300 10`).
pub(crate) const MULTI_ARG: u32 = 1 << 3;
/// Only returned by CONFIG GET when asked by exact name.
pub(crate) const HIDDEN: u32 = 1 << 4;
/// CONFIG SET needs `enable-protected-configs`.
pub(crate) const PROTECTED: u32 = 1 << 5;
/// CONFIG SET refused while loading.
pub(crate) const DENY_LOADING: u32 = 1 << 6;

// ---- numeric flags
const INTEGER: u8 = 0;
const MEMORY: u8 = 1;
const PERCENT: u8 = 2;
const OCTAL: u8 = 4;

pub(crate) const MIN_HZ: i64 = 1;
pub(crate) const MAX_HZ: i64 = 500;

const INT_MIN: i128 = i32::MIN as i128;
const INT_MAX: i128 = i32::MAX as i128;
const UINT_MAX: i128 = u32::MAX as i128;
const LONG_MAX: i128 = i64::MAX as i128;
const LLONG_MAX: i128 = i64::MAX as i128;
const ULLONG_MAX: i128 = u64::MAX as i128;
const SSIZE_MAX: i128 = i64::MAX as i128;
const MB: i128 = 1024 * 1024;

/// Maximum number of `bind` addresses.
const BINDADDR_MAX: usize = 16;
const DEFAULT_BIND: [&str; 2] = ["*", "-::*"];
const DEFAULT_OOM_VALUES: [i64; 3] = [0, 200, 800];
const DEFAULT_OBUF: [ClientBufferLimit; 3] = [
    ClientBufferLimit {
        hard_limit_bytes: 0,
        soft_limit_bytes: 0,
        soft_limit_seconds: 0,
    },
    ClientBufferLimit {
        hard_limit_bytes: 256 * 1024 * 1024,
        soft_limit_bytes: 64 * 1024 * 1024,
        soft_limit_seconds: 60,
    },
    ClientBufferLimit {
        hard_limit_bytes: 32 * 1024 * 1024,
        soft_limit_bytes: 8 * 1024 * 1024,
        soft_limit_seconds: 60,
    },
];
const SHUTDOWN_NAMES: &[(&str, i64)] = &[
    ("default", 0),
    ("save", shutdown::SAVE as i64),
    ("nosave", shutdown::NOSAVE as i64),
    ("now", shutdown::NOW as i64),
    ("force", shutdown::FORCE as i64),
];

/// State shared by the setters during one load or one CONFIG SET.
pub(crate) struct SetCtx {
    /// Reading the config file (not CONFIG SET): `save` accumulates.
    pub(crate) reading_file: bool,
    /// A `save` line was already read (the first one drops the defaults).
    pub(crate) save_loaded: bool,
    /// Messages Redis would log as warnings.
    pub(crate) warnings: Vec<String>,
}

type ValidBool = Option<fn(bool) -> Result<(), &'static str>>;
type ValidStr = Option<fn(&str) -> Result<(), &'static str>>;
type ValidEnum = Option<fn(i64) -> Result<(), &'static str>>;
type SpecialSet = fn(&mut Config, &[String], &mut SetCtx) -> Result<bool, String>;
type SpecialRewrite = fn(&Config, &'static str, &mut RewriteState);

/// How a directive's value is typed.
pub(crate) enum Kind {
    /// yes/no.
    Bool {
        get: fn(&Config) -> bool,
        set: fn(&mut Config, bool),
        default: bool,
        valid: ValidBool,
    },
    /// A string; `empty_is_null`: Redis keeps "" as NULL (not rewritten).
    Str {
        get: fn(&Config) -> &str,
        set: fn(&mut Config, String),
        default: Option<&'static str>,
        empty_is_null: bool,
        valid: ValidStr,
    },
    /// One name of `names` (several OR-ed names with MULTI_ARG).
    Enum {
        names: &'static [(&'static str, i64)],
        get: fn(&Config) -> i64,
        set: fn(&mut Config, i64),
        default: i64,
        valid: ValidEnum,
    },
    /// An integer in `lo..=hi`, possibly with memory units, a percentage
    /// (stored negated) or in octal.
    Num {
        get: fn(&Config) -> i128,
        set: fn(&mut Config, i128),
        lo: i128,
        hi: i128,
        default: i128,
        nflags: u8,
    },
    /// Its own parser, formatter and rewriter.
    Special {
        init: fn(&mut Config),
        set: SpecialSet,
        get: fn(&Config) -> String,
        rewrite: SpecialRewrite,
    },
}

/// One directive.
pub(crate) struct Directive {
    pub(crate) name: &'static str,
    pub(crate) alias: Option<&'static str>,
    pub(crate) flags: u32,
    pub(crate) kind: Kind,
    /// The side effect of a change; `None` means `Changed::Other(name)`.
    pub(crate) apply: Option<Changed>,
}

macro_rules! boolc {
    ($name:literal, $alias:expr, $flags:expr, $field:ident, $def:expr) => {
        boolc!($name, $alias, $flags, $field, $def, None, None)
    };
    ($name:literal, $alias:expr, $flags:expr, $field:ident, $def:expr, $valid:expr, $apply:expr) => {
        Directive {
            name: $name,
            alias: $alias,
            flags: $flags,
            apply: $apply,
            kind: Kind::Bool {
                get: |c| c.$field,
                set: |c, v| c.$field = v,
                default: $def,
                valid: $valid,
            },
        }
    };
}

macro_rules! strc {
    ($name:literal, $alias:expr, $flags:expr, $field:ident, $null:expr, $def:expr) => {
        strc!($name, $alias, $flags, $field, $null, $def, None, None)
    };
    ($name:literal, $alias:expr, $flags:expr, $field:ident, $null:expr, $def:expr, $valid:expr, $apply:expr) => {
        Directive {
            name: $name,
            alias: $alias,
            flags: $flags,
            apply: $apply,
            kind: Kind::Str {
                get: |c| c.$field.as_str(),
                set: |c, v| c.$field = v,
                default: $def,
                empty_is_null: $null,
                valid: $valid,
            },
        }
    };
}

macro_rules! enumc {
    ($name:literal, $alias:expr, $flags:expr, $field:ident : $ty:ident, $def:ident) => {
        Directive {
            name: $name,
            alias: $alias,
            flags: $flags,
            apply: None,
            kind: Kind::Enum {
                names: $ty::NAMES,
                get: |c| c.$field.code(),
                set: |c, v| c.$field = $ty::from_code(v),
                default: $ty::$def as i64,
                valid: None,
            },
        }
    };
}

macro_rules! numc {
    ($name:literal, $alias:expr, $flags:expr, $lo:expr, $hi:expr, $field:ident : $ty:ty, $def:expr, $nflags:expr) => {
        numc!($name, $alias, $flags, $lo, $hi, $field: $ty, $def, $nflags, None)
    };
    ($name:literal, $alias:expr, $flags:expr, $lo:expr, $hi:expr, $field:ident : $ty:ty, $def:expr, $nflags:expr, $apply:expr) => {
        Directive {
            name: $name,
            alias: $alias,
            flags: $flags,
            apply: $apply,
            kind: Kind::Num {
                get: |c| c.$field as i128,
                set: |c, v| c.$field = v as $ty,
                lo: $lo,
                hi: $hi,
                default: $def,
                nflags: $nflags,
            },
        }
    };
}

macro_rules! specialc {
    ($name:literal, $alias:expr, $flags:expr, $init:expr, $set:expr, $get:expr, $rewrite:expr, $apply:expr) => {
        Directive {
            name: $name,
            alias: $alias,
            flags: $flags,
            apply: $apply,
            kind: Kind::Special {
                init: $init,
                set: $set,
                get: $get,
                rewrite: $rewrite,
            },
        }
    };
}

const C: Option<&str> = None;

/// Every directive, in Redis 7.0.15's table order.
pub(crate) static TABLE: &[Directive] = &[
    // ---- yes/no
    boolc!("rdbchecksum", C, IMMUTABLE, rdbchecksum, true),
    boolc!("daemonize", C, IMMUTABLE, daemonize, false),
    boolc!(
        "io-threads-do-reads",
        C,
        DEBUG | IMMUTABLE,
        io_threads_do_reads,
        false
    ),
    boolc!("always-show-logo", C, IMMUTABLE, always_show_logo, false),
    boolc!("protected-mode", C, MODIFIABLE, protected_mode, true),
    boolc!("rdbcompression", C, MODIFIABLE, rdbcompression, true),
    boolc!(
        "rdb-del-sync-files",
        C,
        MODIFIABLE,
        rdb_del_sync_files,
        false
    ),
    boolc!("activerehashing", C, MODIFIABLE, activerehashing, true),
    boolc!(
        "stop-writes-on-bgsave-error",
        C,
        MODIFIABLE,
        stop_writes_on_bgsave_error,
        true
    ),
    boolc!("set-proc-title", C, IMMUTABLE, set_proc_title, true),
    boolc!("dynamic-hz", C, MODIFIABLE, dynamic_hz, true),
    boolc!(
        "lazyfree-lazy-eviction",
        C,
        DEBUG,
        lazyfree_lazy_eviction,
        false
    ),
    boolc!(
        "lazyfree-lazy-expire",
        C,
        DEBUG,
        lazyfree_lazy_expire,
        false
    ),
    boolc!(
        "lazyfree-lazy-server-del",
        C,
        DEBUG,
        lazyfree_lazy_server_del,
        false
    ),
    boolc!(
        "lazyfree-lazy-user-del",
        C,
        DEBUG,
        lazyfree_lazy_user_del,
        false
    ),
    boolc!(
        "lazyfree-lazy-user-flush",
        C,
        DEBUG,
        lazyfree_lazy_user_flush,
        false
    ),
    boolc!(
        "repl-disable-tcp-nodelay",
        C,
        MODIFIABLE,
        repl_disable_tcp_nodelay,
        false
    ),
    boolc!("repl-diskless-sync", C, DEBUG, repl_diskless_sync, true),
    boolc!(
        "aof-rewrite-incremental-fsync",
        C,
        MODIFIABLE,
        aof_rewrite_incremental_fsync,
        true
    ),
    boolc!(
        "no-appendfsync-on-rewrite",
        C,
        MODIFIABLE,
        no_appendfsync_on_rewrite,
        false
    ),
    boolc!(
        "cluster-require-full-coverage",
        C,
        MODIFIABLE,
        cluster_require_full_coverage,
        true
    ),
    boolc!(
        "rdb-save-incremental-fsync",
        C,
        MODIFIABLE,
        rdb_save_incremental_fsync,
        true
    ),
    boolc!(
        "aof-load-truncated",
        C,
        MODIFIABLE,
        aof_load_truncated,
        true
    ),
    boolc!(
        "aof-use-rdb-preamble",
        C,
        MODIFIABLE,
        aof_use_rdb_preamble,
        true
    ),
    boolc!(
        "aof-timestamp-enabled",
        C,
        MODIFIABLE,
        aof_timestamp_enabled,
        false
    ),
    boolc!(
        "cluster-replica-no-failover",
        Some("cluster-slave-no-failover"),
        MODIFIABLE,
        cluster_replica_no_failover,
        false,
        None,
        Some(Changed::Cluster)
    ),
    boolc!(
        "replica-lazy-flush",
        Some("slave-lazy-flush"),
        MODIFIABLE,
        replica_lazy_flush,
        false
    ),
    boolc!(
        "replica-serve-stale-data",
        Some("slave-serve-stale-data"),
        MODIFIABLE,
        replica_serve_stale_data,
        true
    ),
    boolc!(
        "replica-read-only",
        Some("slave-read-only"),
        DEBUG,
        replica_read_only,
        true
    ),
    boolc!(
        "replica-ignore-maxmemory",
        Some("slave-ignore-maxmemory"),
        MODIFIABLE,
        replica_ignore_maxmemory,
        true
    ),
    boolc!(
        "jemalloc-bg-thread",
        C,
        MODIFIABLE,
        jemalloc_bg_thread,
        true,
        None,
        Some(Changed::JemallocBgThread)
    ),
    boolc!(
        "activedefrag",
        C,
        DEBUG,
        activedefrag,
        false,
        Some(valid_active_defrag),
        None
    ),
    boolc!("syslog-enabled", C, IMMUTABLE, syslog_enabled, false),
    boolc!("cluster-enabled", C, IMMUTABLE, cluster_enabled, false),
    boolc!(
        "appendonly",
        C,
        DENY_LOADING,
        appendonly,
        false,
        None,
        Some(Changed::Appendonly)
    ),
    boolc!(
        "cluster-allow-reads-when-down",
        C,
        MODIFIABLE,
        cluster_allow_reads_when_down,
        false
    ),
    boolc!(
        "cluster-allow-pubsubshard-when-down",
        C,
        MODIFIABLE,
        cluster_allow_pubsubshard_when_down,
        true
    ),
    boolc!(
        "crash-log-enabled",
        C,
        MODIFIABLE,
        crash_log_enabled,
        true,
        None,
        Some(Changed::CrashLogEnabled)
    ),
    boolc!(
        "crash-memcheck-enabled",
        C,
        MODIFIABLE,
        crash_memcheck_enabled,
        true
    ),
    boolc!("use-exit-on-panic", C, HIDDEN, use_exit_on_panic, false),
    boolc!("disable-thp", C, IMMUTABLE, disable_thp, true),
    boolc!(
        "cluster-allow-replica-migration",
        C,
        MODIFIABLE,
        cluster_allow_replica_migration,
        true
    ),
    boolc!("replica-announced", C, MODIFIABLE, replica_announced, true),
    boolc!("latency-tracking", C, MODIFIABLE, latency_tracking, true),
    boolc!(
        "aof-disable-auto-gc",
        C,
        MODIFIABLE,
        aof_disable_auto_gc,
        false,
        None,
        Some(Changed::AofDisableAutoGc)
    ),
    boolc!(
        "replica-ignore-disk-write-errors",
        C,
        MODIFIABLE,
        replica_ignore_disk_write_errors,
        false
    ),
    // ---- strings
    strc!("aclfile", C, IMMUTABLE, aclfile, false, Some("")),
    strc!("unixsocket", C, IMMUTABLE, unixsocket, true, None),
    strc!("pidfile", C, IMMUTABLE, pidfile, true, None),
    strc!(
        "replica-announce-ip",
        Some("slave-announce-ip"),
        MODIFIABLE,
        replica_announce_ip,
        true,
        None
    ),
    strc!("masteruser", C, SENSITIVE, masteruser, true, None),
    strc!(
        "cluster-announce-ip",
        C,
        MODIFIABLE,
        cluster_announce_ip,
        true,
        None,
        None,
        Some(Changed::Cluster)
    ),
    strc!(
        "cluster-config-file",
        C,
        IMMUTABLE,
        cluster_config_file,
        false,
        Some("nodes.conf")
    ),
    strc!(
        "cluster-announce-hostname",
        C,
        MODIFIABLE,
        cluster_announce_hostname,
        true,
        None,
        Some(valid_hostname),
        Some(Changed::Cluster)
    ),
    strc!(
        "syslog-ident",
        C,
        IMMUTABLE,
        syslog_ident,
        false,
        Some("redis")
    ),
    strc!(
        "dbfilename",
        C,
        PROTECTED,
        dbfilename,
        false,
        Some("dump.rdb"),
        Some(valid_dbfilename),
        None
    ),
    strc!(
        "appendfilename",
        C,
        IMMUTABLE,
        appendfilename,
        false,
        Some("appendonly.aof"),
        Some(valid_aof_filename),
        None
    ),
    strc!(
        "appenddirname",
        C,
        IMMUTABLE,
        appenddirname,
        false,
        Some("appendonlydir"),
        Some(valid_aof_dirname),
        None
    ),
    strc!("server_cpulist", C, IMMUTABLE, server_cpulist, true, None),
    strc!("bio_cpulist", C, IMMUTABLE, bio_cpulist, true, None),
    strc!(
        "aof_rewrite_cpulist",
        C,
        IMMUTABLE,
        aof_rewrite_cpulist,
        true,
        None
    ),
    strc!("bgsave_cpulist", C, IMMUTABLE, bgsave_cpulist, true, None),
    strc!(
        "ignore-warnings",
        C,
        MODIFIABLE,
        ignore_warnings,
        false,
        Some("")
    ),
    strc!(
        "proc-title-template",
        C,
        MODIFIABLE,
        proc_title_template,
        false,
        Some("{title} {listen-addr} {server-mode}"),
        Some(valid_proc_title_template),
        Some(Changed::ProcTitleTemplate)
    ),
    strc!(
        "bind-source-addr",
        C,
        MODIFIABLE,
        bind_source_addr,
        true,
        None
    ),
    strc!("logfile", C, IMMUTABLE, logfile, false, Some("")),
    strc!("masterauth", C, SENSITIVE, masterauth, true, None),
    strc!(
        "requirepass",
        C,
        SENSITIVE,
        requirepass,
        true,
        None,
        None,
        Some(Changed::Requirepass)
    ),
    // ---- enums
    enumc!("supervised", C, IMMUTABLE, supervised: Supervised, No),
    enumc!("syslog-facility", C, IMMUTABLE, syslog_facility: SyslogFacility, Local0),
    enumc!(
        "repl-diskless-load",
        C,
        DEBUG | DENY_LOADING,
        repl_diskless_load: ReplDisklessLoad,
        Disabled
    ),
    Directive {
        apply: Some(Changed::Loglevel),
        ..enumc!("loglevel", C, MODIFIABLE, loglevel: LogLevel, Notice)
    },
    enumc!("maxmemory-policy", C, MODIFIABLE, maxmemory_policy: MaxmemoryPolicy, NoEviction),
    enumc!("appendfsync", C, MODIFIABLE, appendfsync: AppendFsync, EverySec),
    Directive {
        apply: Some(Changed::OomScoreAdj),
        ..enumc!("oom-score-adj", C, MODIFIABLE, oom_score_adj: OomScoreAdj, No)
    },
    enumc!(
        "acl-pubsub-default",
        C,
        MODIFIABLE,
        acl_pubsub_default: AclPubsubDefault,
        ResetChannels
    ),
    enumc!(
        "sanitize-dump-payload",
        C,
        DEBUG,
        sanitize_dump_payload: SanitizeDumpPayload,
        No
    ),
    enumc!(
        "enable-protected-configs",
        C,
        IMMUTABLE,
        enable_protected_configs: ProtectedAction,
        No
    ),
    enumc!("enable-debug-command", C, IMMUTABLE, enable_debug_command: ProtectedAction, No),
    enumc!("enable-module-command", C, IMMUTABLE, enable_module_command: ProtectedAction, No),
    enumc!(
        "cluster-preferred-endpoint-type",
        C,
        MODIFIABLE,
        cluster_preferred_endpoint_type: ClusterPreferredEndpointType,
        Ip
    ),
    enumc!(
        "propagation-error-behavior",
        C,
        MODIFIABLE,
        propagation_error_behavior: PropagationErrorBehavior,
        Ignore
    ),
    Directive {
        name: "shutdown-on-sigint",
        alias: None,
        flags: MULTI_ARG,
        apply: None,
        kind: Kind::Enum {
            names: SHUTDOWN_NAMES,
            get: |c| c.shutdown_on_sigint as i64,
            set: |c, v| c.shutdown_on_sigint = v as u32,
            default: 0,
            valid: Some(valid_shutdown_flags),
        },
    },
    Directive {
        name: "shutdown-on-sigterm",
        alias: None,
        flags: MULTI_ARG,
        apply: None,
        kind: Kind::Enum {
            names: SHUTDOWN_NAMES,
            get: |c| c.shutdown_on_sigterm as i64,
            set: |c, v| c.shutdown_on_sigterm = v as u32,
            default: 0,
            valid: Some(valid_shutdown_flags),
        },
    },
    // ---- int
    numc!("databases", C, IMMUTABLE, 1, INT_MAX, databases: usize, 16, INTEGER),
    numc!("port", C, MODIFIABLE, 0, 65535, port: u16, 6379, INTEGER, Some(Changed::Port)),
    numc!("io-threads", C, DEBUG | IMMUTABLE, 1, 128, io_threads: i64, 1, INTEGER),
    numc!(
        "auto-aof-rewrite-percentage",
        C,
        MODIFIABLE,
        0,
        INT_MAX,
        auto_aof_rewrite_percentage: i64,
        100,
        INTEGER
    ),
    numc!(
        "cluster-replica-validity-factor",
        Some("cluster-slave-validity-factor"),
        MODIFIABLE,
        0,
        INT_MAX,
        cluster_replica_validity_factor: i64,
        10,
        INTEGER
    ),
    numc!(
        "list-max-listpack-size",
        Some("list-max-ziplist-size"),
        MODIFIABLE,
        INT_MIN,
        INT_MAX,
        list_max_listpack_size: i64,
        -2,
        INTEGER
    ),
    numc!("tcp-keepalive", C, MODIFIABLE, 0, INT_MAX, tcp_keepalive: i64, 300, INTEGER),
    numc!(
        "cluster-migration-barrier",
        C,
        MODIFIABLE,
        0,
        INT_MAX,
        cluster_migration_barrier: i64,
        1,
        INTEGER
    ),
    numc!("active-defrag-cycle-min", C, MODIFIABLE, 1, 99, active_defrag_cycle_min: i64, 1, INTEGER),
    numc!("active-defrag-cycle-max", C, MODIFIABLE, 1, 99, active_defrag_cycle_max: i64, 25, INTEGER),
    numc!(
        "active-defrag-threshold-lower",
        C,
        MODIFIABLE,
        0,
        1000,
        active_defrag_threshold_lower: i64,
        10,
        INTEGER
    ),
    numc!(
        "active-defrag-threshold-upper",
        C,
        MODIFIABLE,
        0,
        1000,
        active_defrag_threshold_upper: i64,
        100,
        INTEGER
    ),
    numc!("lfu-log-factor", C, MODIFIABLE, 0, INT_MAX, lfu_log_factor: i64, 10, INTEGER),
    numc!("lfu-decay-time", C, MODIFIABLE, 0, INT_MAX, lfu_decay_time: i64, 1, INTEGER),
    numc!(
        "replica-priority",
        Some("slave-priority"),
        MODIFIABLE,
        0,
        INT_MAX,
        replica_priority: i64,
        100,
        INTEGER
    ),
    numc!(
        "repl-diskless-sync-delay",
        C,
        MODIFIABLE,
        0,
        INT_MAX,
        repl_diskless_sync_delay: i64,
        5,
        INTEGER
    ),
    numc!("maxmemory-samples", C, MODIFIABLE, 1, INT_MAX, maxmemory_samples: i64, 5, INTEGER),
    numc!(
        "maxmemory-eviction-tenacity",
        C,
        MODIFIABLE,
        0,
        100,
        maxmemory_eviction_tenacity: i64,
        10,
        INTEGER
    ),
    numc!("timeout", C, MODIFIABLE, 0, INT_MAX, timeout: i64, 0, INTEGER),
    numc!(
        "replica-announce-port",
        Some("slave-announce-port"),
        MODIFIABLE,
        0,
        65535,
        replica_announce_port: u16,
        0,
        INTEGER
    ),
    numc!("tcp-backlog", C, IMMUTABLE, 0, INT_MAX, tcp_backlog: i32, 511, INTEGER),
    numc!("cluster-port", C, IMMUTABLE, 0, 65535, cluster_port: u16, 0, INTEGER),
    numc!(
        "cluster-announce-bus-port",
        C,
        MODIFIABLE,
        0,
        65535,
        cluster_announce_bus_port: u16,
        0,
        INTEGER,
        Some(Changed::Cluster)
    ),
    numc!(
        "cluster-announce-port",
        C,
        MODIFIABLE,
        0,
        65535,
        cluster_announce_port: u16,
        0,
        INTEGER,
        Some(Changed::Cluster)
    ),
    numc!(
        "cluster-announce-tls-port",
        C,
        MODIFIABLE,
        0,
        65535,
        cluster_announce_tls_port: u16,
        0,
        INTEGER,
        Some(Changed::Cluster)
    ),
    numc!("repl-timeout", C, MODIFIABLE, 1, INT_MAX, repl_timeout: i64, 60, INTEGER),
    numc!(
        "repl-ping-replica-period",
        Some("repl-ping-slave-period"),
        MODIFIABLE,
        1,
        INT_MAX,
        repl_ping_replica_period: i64,
        10,
        INTEGER
    ),
    numc!("list-compress-depth", C, DEBUG, 0, INT_MAX, list_compress_depth: i64, 0, INTEGER),
    numc!(
        "rdb-key-save-delay",
        C,
        HIDDEN,
        INT_MIN,
        INT_MAX,
        rdb_key_save_delay: i64,
        0,
        INTEGER
    ),
    numc!("key-load-delay", C, HIDDEN, INT_MIN, INT_MAX, key_load_delay: i64, 0, INTEGER),
    numc!("active-expire-effort", C, MODIFIABLE, 1, 10, active_expire_effort: i64, 1, INTEGER),
    numc!("hz", C, MODIFIABLE, 0, INT_MAX, hz: i64, 10, INTEGER, Some(Changed::Hz)),
    numc!(
        "min-replicas-to-write",
        Some("min-slaves-to-write"),
        MODIFIABLE,
        0,
        INT_MAX,
        min_replicas_to_write: i64,
        0,
        INTEGER,
        Some(Changed::MinReplicas)
    ),
    numc!(
        "min-replicas-max-lag",
        Some("min-slaves-max-lag"),
        MODIFIABLE,
        0,
        INT_MAX,
        min_replicas_max_lag: i64,
        10,
        INTEGER,
        Some(Changed::MinReplicas)
    ),
    numc!(
        "watchdog-period",
        C,
        HIDDEN,
        0,
        INT_MAX,
        watchdog_period: i64,
        0,
        INTEGER,
        Some(Changed::WatchdogPeriod)
    ),
    numc!("shutdown-timeout", C, MODIFIABLE, 0, INT_MAX, shutdown_timeout: i64, 10, INTEGER),
    numc!(
        "repl-diskless-sync-max-replicas",
        C,
        MODIFIABLE,
        0,
        INT_MAX,
        repl_diskless_sync_max_replicas: i64,
        0,
        INTEGER
    ),
    // ---- unsigned int
    numc!(
        "maxclients",
        C,
        MODIFIABLE,
        1,
        UINT_MAX,
        maxclients: u64,
        10000,
        INTEGER,
        Some(Changed::Maxclients)
    ),
    numc!("unixsocketperm", C, IMMUTABLE, 0, 0o777, unixsocketperm: u32, 0, OCTAL),
    numc!("socket-mark-id", C, IMMUTABLE, 0, UINT_MAX, socket_mark_id: u32, 0, INTEGER),
    // ---- unsigned long
    numc!(
        "active-defrag-max-scan-fields",
        C,
        MODIFIABLE,
        1,
        LONG_MAX,
        active_defrag_max_scan_fields: u64,
        1000,
        INTEGER
    ),
    numc!("slowlog-max-len", C, MODIFIABLE, 0, LONG_MAX, slowlog_max_len: i64, 128, INTEGER),
    numc!("acllog-max-len", C, MODIFIABLE, 0, LONG_MAX, acllog_max_len: i64, 128, INTEGER),
    // ---- long long
    numc!(
        "busy-reply-threshold",
        Some("lua-time-limit"),
        MODIFIABLE,
        0,
        LONG_MAX,
        busy_reply_threshold: i64,
        5000,
        INTEGER
    ),
    numc!(
        "cluster-node-timeout",
        C,
        MODIFIABLE,
        0,
        LLONG_MAX,
        cluster_node_timeout: i64,
        15000,
        INTEGER
    ),
    numc!(
        "slowlog-log-slower-than",
        C,
        MODIFIABLE,
        -1,
        LLONG_MAX,
        slowlog_log_slower_than: i64,
        10000,
        INTEGER
    ),
    numc!(
        "latency-monitor-threshold",
        C,
        MODIFIABLE,
        0,
        LLONG_MAX,
        latency_monitor_threshold: i64,
        0,
        INTEGER
    ),
    numc!(
        "proto-max-bulk-len",
        C,
        DEBUG,
        MB,
        LONG_MAX,
        proto_max_bulk_len: i64,
        512 * MB,
        MEMORY
    ),
    numc!(
        "stream-node-max-entries",
        C,
        MODIFIABLE,
        0,
        LLONG_MAX,
        stream_node_max_entries: i64,
        100,
        INTEGER
    ),
    numc!(
        "repl-backlog-size",
        C,
        MODIFIABLE,
        1,
        LLONG_MAX,
        repl_backlog_size: i64,
        MB,
        MEMORY,
        Some(Changed::ReplBacklogSize)
    ),
    // ---- unsigned long long
    numc!(
        "maxmemory",
        C,
        MODIFIABLE,
        0,
        ULLONG_MAX,
        maxmemory: u64,
        0,
        MEMORY,
        Some(Changed::Maxmemory)
    ),
    numc!(
        "cluster-link-sendbuf-limit",
        C,
        MODIFIABLE,
        0,
        ULLONG_MAX,
        cluster_link_sendbuf_limit: u64,
        0,
        MEMORY
    ),
    // ---- size_t
    numc!(
        "hash-max-listpack-entries",
        Some("hash-max-ziplist-entries"),
        MODIFIABLE,
        0,
        LONG_MAX,
        hash_max_listpack_entries: usize,
        512,
        INTEGER
    ),
    numc!(
        "set-max-intset-entries",
        C,
        MODIFIABLE,
        0,
        LONG_MAX,
        set_max_intset_entries: usize,
        512,
        INTEGER
    ),
    numc!(
        "zset-max-listpack-entries",
        Some("zset-max-ziplist-entries"),
        MODIFIABLE,
        0,
        LONG_MAX,
        zset_max_listpack_entries: usize,
        128,
        INTEGER
    ),
    numc!(
        "active-defrag-ignore-bytes",
        C,
        MODIFIABLE,
        1,
        LLONG_MAX,
        active_defrag_ignore_bytes: u64,
        100 * MB,
        MEMORY
    ),
    numc!(
        "hash-max-listpack-value",
        Some("hash-max-ziplist-value"),
        MODIFIABLE,
        0,
        LONG_MAX,
        hash_max_listpack_value: usize,
        64,
        MEMORY
    ),
    numc!(
        "stream-node-max-bytes",
        C,
        MODIFIABLE,
        0,
        LONG_MAX,
        stream_node_max_bytes: usize,
        4096,
        MEMORY
    ),
    numc!(
        "zset-max-listpack-value",
        Some("zset-max-ziplist-value"),
        MODIFIABLE,
        0,
        LONG_MAX,
        zset_max_listpack_value: usize,
        64,
        MEMORY
    ),
    numc!(
        "hll-sparse-max-bytes",
        C,
        MODIFIABLE,
        0,
        LONG_MAX,
        hll_sparse_max_bytes: usize,
        3000,
        MEMORY
    ),
    numc!(
        "tracking-table-max-keys",
        C,
        MODIFIABLE,
        0,
        LONG_MAX,
        tracking_table_max_keys: usize,
        1000000,
        INTEGER
    ),
    numc!(
        "client-query-buffer-limit",
        C,
        DEBUG,
        MB,
        LONG_MAX,
        client_query_buffer_limit: i64,
        1024 * MB,
        MEMORY
    ),
    numc!(
        "maxmemory-clients",
        C,
        MODIFIABLE,
        -100,
        SSIZE_MAX,
        maxmemory_clients: i64,
        0,
        MEMORY | PERCENT,
        Some(Changed::MaxmemoryClients)
    ),
    // ---- time_t / off_t
    numc!("repl-backlog-ttl", C, MODIFIABLE, 0, LONG_MAX, repl_backlog_ttl: i64, 3600, INTEGER),
    numc!(
        "auto-aof-rewrite-min-size",
        C,
        MODIFIABLE,
        0,
        LLONG_MAX,
        auto_aof_rewrite_min_size: i64,
        64 * MB,
        MEMORY
    ),
    numc!(
        "loading-process-events-interval-bytes",
        C,
        HIDDEN,
        1024,
        INT_MAX,
        loading_process_events_interval_bytes: i64,
        2 * MB,
        INTEGER
    ),
    // ---- tls (stored only)
    numc!("tls-port", C, MODIFIABLE, 0, 65535, tls_port: u16, 0, INTEGER, Some(Changed::Tls)),
    numc!(
        "tls-session-cache-size",
        C,
        MODIFIABLE,
        0,
        INT_MAX,
        tls_session_cache_size: i64,
        20 * 1024,
        INTEGER,
        Some(Changed::Tls)
    ),
    numc!(
        "tls-session-cache-timeout",
        C,
        MODIFIABLE,
        0,
        INT_MAX,
        tls_session_cache_timeout: i64,
        300,
        INTEGER,
        Some(Changed::Tls)
    ),
    boolc!(
        "tls-cluster",
        C,
        MODIFIABLE,
        tls_cluster,
        false,
        None,
        Some(Changed::Tls)
    ),
    boolc!(
        "tls-replication",
        C,
        MODIFIABLE,
        tls_replication,
        false,
        None,
        Some(Changed::Tls)
    ),
    enumc!("tls-auth-clients", C, MODIFIABLE, tls_auth_clients: TlsAuthClients, Yes),
    boolc!(
        "tls-prefer-server-ciphers",
        C,
        MODIFIABLE,
        tls_prefer_server_ciphers,
        false,
        None,
        Some(Changed::Tls)
    ),
    boolc!(
        "tls-session-caching",
        C,
        MODIFIABLE,
        tls_session_caching,
        true,
        None,
        Some(Changed::Tls)
    ),
    strc!(
        "tls-cert-file",
        C,
        MODIFIABLE,
        tls_cert_file,
        true,
        None,
        None,
        Some(Changed::Tls)
    ),
    strc!(
        "tls-key-file",
        C,
        MODIFIABLE,
        tls_key_file,
        true,
        None,
        None,
        Some(Changed::Tls)
    ),
    strc!(
        "tls-key-file-pass",
        C,
        MODIFIABLE,
        tls_key_file_pass,
        true,
        None,
        None,
        Some(Changed::Tls)
    ),
    strc!(
        "tls-client-cert-file",
        C,
        MODIFIABLE,
        tls_client_cert_file,
        true,
        None,
        None,
        Some(Changed::Tls)
    ),
    strc!(
        "tls-client-key-file",
        C,
        MODIFIABLE,
        tls_client_key_file,
        true,
        None,
        None,
        Some(Changed::Tls)
    ),
    strc!(
        "tls-client-key-file-pass",
        C,
        MODIFIABLE,
        tls_client_key_file_pass,
        true,
        None,
        None,
        Some(Changed::Tls)
    ),
    strc!(
        "tls-dh-params-file",
        C,
        MODIFIABLE,
        tls_dh_params_file,
        true,
        None,
        None,
        Some(Changed::Tls)
    ),
    strc!(
        "tls-ca-cert-file",
        C,
        MODIFIABLE,
        tls_ca_cert_file,
        true,
        None,
        None,
        Some(Changed::Tls)
    ),
    strc!(
        "tls-ca-cert-dir",
        C,
        MODIFIABLE,
        tls_ca_cert_dir,
        true,
        None,
        None,
        Some(Changed::Tls)
    ),
    strc!(
        "tls-protocols",
        C,
        MODIFIABLE,
        tls_protocols,
        true,
        None,
        None,
        Some(Changed::Tls)
    ),
    strc!(
        "tls-ciphers",
        C,
        MODIFIABLE,
        tls_ciphers,
        true,
        None,
        None,
        Some(Changed::Tls)
    ),
    strc!(
        "tls-ciphersuites",
        C,
        MODIFIABLE,
        tls_ciphersuites,
        true,
        None,
        None,
        Some(Changed::Tls)
    ),
    // ---- special
    specialc!(
        "dir",
        C,
        PROTECTED | DENY_LOADING,
        |_| {},
        set_dir,
        get_dir,
        rewrite_dir,
        Some(Changed::Dir)
    ),
    specialc!(
        "save",
        C,
        MULTI_ARG,
        |c| c.save_params = vec![(3600, 1), (300, 100), (60, 10000)],
        set_save,
        get_save,
        rewrite_save,
        Some(Changed::Save)
    ),
    specialc!(
        "client-output-buffer-limit",
        C,
        MULTI_ARG,
        |c| c.client_output_buffer_limit = DEFAULT_OBUF,
        set_obuf_limits,
        get_obuf_limits,
        rewrite_obuf_limits,
        None
    ),
    specialc!(
        "oom-score-adj-values",
        C,
        MULTI_ARG,
        |c| c.oom_score_adj_values = DEFAULT_OOM_VALUES,
        set_oom_values,
        get_oom_values,
        rewrite_oom_values,
        Some(Changed::OomScoreAdj)
    ),
    specialc!(
        "notify-keyspace-events",
        C,
        MODIFIABLE,
        |c| {
            c.notify_keyspace_events = String::new();
            c.notify_keyspace_events_flags = 0;
        },
        set_notify,
        |c| keyspace_events_to_string(c.notify_keyspace_events_flags),
        rewrite_notify,
        None
    ),
    specialc!(
        "bind",
        C,
        MULTI_ARG,
        |c| c.bind = DEFAULT_BIND.iter().map(|s| s.to_string()).collect(),
        set_bind,
        |c| c.bind.join(" "),
        rewrite_bind,
        Some(Changed::Bind)
    ),
    specialc!(
        "replicaof",
        Some("slaveof"),
        IMMUTABLE | MULTI_ARG,
        |c| c.replicaof = None,
        set_replicaof,
        |c| match &c.replicaof {
            Some((h, p)) => format!("{h} {p}"),
            None => String::new(),
        },
        rewrite_replicaof,
        None
    ),
    specialc!(
        "latency-tracking-info-percentiles",
        C,
        MULTI_ARG,
        |c| c.latency_tracking_info_percentiles = vec![50.0, 99.0, 99.9],
        set_percentiles,
        |c| c
            .latency_tracking_info_percentiles
            .iter()
            .map(|p| format_percentile(*p))
            .collect::<Vec<_>>()
            .join(" "),
        rewrite_percentiles,
        None
    ),
];

/// Finds a directive by name or alias, case-insensitively; the flag says
/// whether the alias matched.
pub(crate) fn lookup(name: &str) -> Option<(&'static Directive, bool)> {
    for d in TABLE {
        if d.name.eq_ignore_ascii_case(name) {
            return Some((d, false));
        }
        if d.alias.is_some_and(|a| a.eq_ignore_ascii_case(name)) {
            return Some((d, true));
        }
    }
    None
}

/// Puts every directive at its default.
pub(crate) fn init_defaults(cfg: &mut Config) {
    for d in TABLE {
        match &d.kind {
            Kind::Bool { set, default, .. } => set(cfg, *default),
            Kind::Str { set, default, .. } => set(cfg, default.unwrap_or("").to_string()),
            Kind::Enum { set, default, .. } => set(cfg, *default),
            Kind::Num { set, default, .. } => set(cfg, *default),
            Kind::Special { init, .. } => init(cfg),
        }
    }
}

impl Directive {
    /// Validates and stores a value. `argv` is the arguments after the
    /// name (exactly one unless MULTI_ARG). Returns whether the value
    /// changed (Redis's 1 vs 2), or the reason it was refused.
    pub(crate) fn set_value(
        &self,
        cfg: &mut Config,
        argv: &[String],
        ctx: &mut SetCtx,
    ) -> Result<bool, String> {
        let single = || -> Result<&str, String> {
            match argv {
                [one] => Ok(one.as_str()),
                _ => Err("wrong number of arguments".to_string()),
            }
        };
        match &self.kind {
            Kind::Bool {
                get, set, valid, ..
            } => {
                let v = match single()?.to_ascii_lowercase().as_str() {
                    "yes" => true,
                    "no" => false,
                    _ => return Err("argument must be 'yes' or 'no'".into()),
                };
                if let Some(valid) = valid {
                    valid(v)?;
                }
                let changed = get(cfg) != v;
                set(cfg, v);
                Ok(changed)
            }
            Kind::Str {
                get, set, valid, ..
            } => {
                let v = single()?;
                if let Some(valid) = valid {
                    valid(v)?;
                }
                let changed = get(cfg) != v;
                set(cfg, v.to_string());
                Ok(changed)
            }
            Kind::Enum {
                names,
                get,
                set,
                valid,
                ..
            } => {
                let bitflags = self.flags & MULTI_ARG != 0;
                let Some(v) = enum_value(names, argv, bitflags) else {
                    let list: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
                    let mut msg = format!(
                        "argument(s) must be one of the following: {}",
                        list.join(", ")
                    );
                    msg.truncate(255);
                    return Err(msg);
                };
                if let Some(valid) = valid {
                    valid(v)?;
                }
                let changed = get(cfg) != v;
                set(cfg, v);
                Ok(changed)
            }
            Kind::Num {
                get,
                set,
                lo,
                hi,
                nflags,
                ..
            } => {
                let v = parse_number(single()?, *nflags)?;
                if nflags & PERCENT != 0 && v < 0 {
                    if v < *lo {
                        return Err(format!(
                            "percentage argument must be less or equal to {}",
                            -lo
                        ));
                    }
                } else if v < *lo || v > *hi {
                    return Err(if nflags & OCTAL != 0 {
                        format!("argument must be between {lo:o} and {hi:o} inclusive")
                    } else {
                        format!("argument must be between {lo} and {hi} inclusive")
                    });
                }
                let changed = get(cfg) != v;
                set(cfg, v);
                Ok(changed)
            }
            Kind::Special { set, .. } => set(cfg, argv, ctx),
        }
    }

    /// The value as CONFIG GET shows it.
    pub(crate) fn get_value(&self, cfg: &Config) -> String {
        match &self.kind {
            Kind::Bool { get, .. } => yes_no(get(cfg)).to_string(),
            Kind::Str { get, .. } => get(cfg).to_string(),
            Kind::Enum { names, get, .. } => {
                enum_name(names, get(cfg), self.flags & MULTI_ARG != 0)
            }
            Kind::Num { get, nflags, .. } => {
                let v = get(cfg);
                if nflags & PERCENT != 0 && v < 0 {
                    format!("{}%", -v)
                } else if nflags & OCTAL != 0 {
                    format!("{v:o}")
                } else {
                    v.to_string()
                }
            }
            Kind::Special { get, .. } => get(cfg),
        }
    }

    /// Writes this directive's line(s) into a CONFIG REWRITE state.
    pub(crate) fn rewrite(&self, cfg: &Config, state: &mut RewriteState) {
        let name = self.name;
        match &self.kind {
            Kind::Bool { get, default, .. } => {
                let v = get(cfg);
                state.rewrite_line(name, format!("{name} {}", yes_no(v)), v != *default);
            }
            Kind::Str {
                get,
                default,
                empty_is_null,
                ..
            } => {
                let v = get(cfg);
                if *empty_is_null && v.is_empty() {
                    // NULL: must be absent from the file to stay NULL.
                    state.mark_processed(name);
                    return;
                }
                let force = default.map_or(true, |d| d != v);
                state.rewrite_line(name, format!("{name} {}", repr(v.as_bytes())), force);
            }
            Kind::Enum {
                names,
                get,
                default,
                ..
            } => {
                let v = get(cfg);
                let shown = enum_name(names, v, self.flags & MULTI_ARG != 0);
                state.rewrite_line(name, format!("{name} {shown}"), v != *default);
            }
            Kind::Num {
                get,
                default,
                nflags,
                ..
            } => {
                let v = get(cfg);
                if nflags & PERCENT != 0 && v < 0 {
                    state.rewrite_line(name, format!("{name} {}%", -v), -v != *default);
                } else if nflags & MEMORY != 0 {
                    state.rewrite_line(name, format!("{name} {}", format_memory(v)), v != *default);
                } else if nflags & OCTAL != 0 {
                    state.rewrite_line(name, format!("{name} {v:o}"), v != *default);
                } else {
                    state.rewrite_line(name, format!("{name} {v}"), v != *default);
                }
            }
            Kind::Special { rewrite, .. } => rewrite(cfg, name, state),
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// Redis's `configEnumGetValue`: every argument must name a value; with
/// `bitflags` several are OR-ed, otherwise exactly one is allowed.
fn enum_value(names: &[(&str, i64)], argv: &[String], bitflags: bool) -> Option<i64> {
    if argv.is_empty() || (!bitflags && argv.len() != 1) {
        return None;
    }
    let mut v = 0;
    for a in argv {
        let mut matched = false;
        for (n, code) in names {
            if n.eq_ignore_ascii_case(a) {
                v |= code;
                matched = true;
            }
        }
        if !matched {
            return None;
        }
    }
    Some(v)
}

/// Redis's `configEnumGetName`: the first exact match, else (bitflags)
/// the names whose bits are all set, else "unknown".
fn enum_name(names: &[(&str, i64)], v: i64, bitflags: bool) -> String {
    if let Some((n, _)) = names.iter().find(|(_, c)| *c == v) {
        return n.to_string();
    }
    if bitflags {
        let mut unmatched = v;
        let mut out: Vec<&str> = Vec::new();
        for (n, c) in names {
            if *c != 0 && *c == unmatched & c {
                out.push(n);
                unmatched &= !c;
            }
        }
        if !out.is_empty() && unmatched == 0 {
            return out.join(" ");
        }
    }
    "unknown".to_string()
}

/// Redis's `numericParseString`: memory units first (if allowed), then
/// `N%` (stored negated), then octal, then a plain strict integer.
fn parse_number(s: &str, nflags: u8) -> Result<i128, String> {
    if nflags & MEMORY != 0 {
        if let Some(v) = parse_memory(s) {
            return Ok(v as i128);
        }
    }
    if nflags & PERCENT != 0 && s.len() > 1 && s.ends_with('%') {
        if let Some(v) = string2ll(&s[..s.len() - 1]) {
            if v >= 0 {
                return Ok(-(v as i128));
            }
        }
    }
    if nflags & OCTAL != 0 {
        if let Some(v) = strtoll_octal(s) {
            return Ok(v as i128);
        }
    }
    if nflags == INTEGER {
        if let Some(v) = string2ll(s) {
            return Ok(v as i128);
        }
    }
    Err(if nflags & MEMORY != 0 && nflags & PERCENT != 0 {
        "argument must be a memory or percent value"
    } else if nflags & MEMORY != 0 {
        "argument must be a memory value"
    } else if nflags & OCTAL != 0 {
        "argument couldn't be parsed as an octal number"
    } else {
        "argument couldn't be parsed into an integer"
    }
    .to_string())
}

/// `strtoll(s, &end, 8)` with `errno == 0 && *end == '\0'` required.
fn strtoll_octal(s: &str) -> Option<i64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() {
        // No conversion: fine only if there was nothing at all.
        return if s.is_empty() { Some(0) } else { None };
    }
    if !digits.bytes().all(|c| (b'0'..=b'7').contains(&c)) {
        return None;
    }
    let v = i64::from_str_radix(digits, 8).ok()?;
    Some(if neg { -v } else { v })
}

// ---- validators (Redis's is_valid functions)

fn valid_active_defrag(v: bool) -> Result<(), &'static str> {
    if v {
        return Err(
            "Active defragmentation cannot be enabled: it requires a Redis server \
                    compiled with a modified Jemalloc like the one shipped by default with \
                    the Redis source distribution",
        );
    }
    Ok(())
}

fn is_base_name(s: &str) -> bool {
    !s.contains(['/', '\\'])
}

fn valid_dbfilename(v: &str) -> Result<(), &'static str> {
    if !is_base_name(v) {
        return Err("dbfilename can't be a path, just a filename");
    }
    Ok(())
}

fn valid_aof_filename(v: &str) -> Result<(), &'static str> {
    if v.is_empty() {
        return Err("appendfilename can't be empty");
    }
    if !is_base_name(v) {
        return Err("appendfilename can't be a path, just a filename");
    }
    Ok(())
}

fn valid_aof_dirname(v: &str) -> Result<(), &'static str> {
    if v.is_empty() {
        return Err("appenddirname can't be empty");
    }
    if !is_base_name(v) {
        return Err("appenddirname can't be a path, just a dirname");
    }
    Ok(())
}

fn valid_hostname(v: &str) -> Result<(), &'static str> {
    if v.len() >= 256 {
        return Err("Hostnames must be less than 256 characters");
    }
    if !v
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
    {
        return Err("Hostnames may only contain alphanumeric characters, hyphens or dots");
    }
    Ok(())
}

fn valid_shutdown_flags(v: i64) -> Result<(), &'static str> {
    let v = v as u32;
    if v & shutdown::NOSAVE != 0 && v & shutdown::SAVE != 0 {
        return Err("shutdown options SAVE and NOSAVE can't be used simultaneously");
    }
    Ok(())
}

/// Known `proc-title-template` variables; `true` if the variable always
/// expands to something non-empty.
fn template_var(name: &str) -> Option<bool> {
    match name {
        "title" | "server-mode" | "unixsocket" => Some(false),
        "listen-addr" | "config-file" | "port" | "tls-port" => Some(true),
        _ => None,
    }
}

/// Splits a template into literal text and `{variables}` (`{{` is a
/// literal `{`); `None` if unbalanced.
fn template_parts(template: &str) -> Option<Vec<(bool, &str)>> {
    let mut parts = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        let Some(open) = rest.find('{') else {
            parts.push((false, rest));
            break;
        };
        parts.push((false, &rest[..open]));
        let after = &rest[open + 1..];
        if after.is_empty() {
            return None;
        }
        if let Some(r) = after.strip_prefix('{') {
            parts.push((false, "{"));
            rest = r;
            continue;
        }
        let close = after.find('}')?;
        parts.push((true, &after[..close]));
        rest = &after[close + 1..];
    }
    Some(parts)
}

fn valid_proc_title_template(v: &str) -> Result<(), &'static str> {
    const ERR: &str = "template format is invalid or contains unknown variables";
    let parts = template_parts(v).ok_or(ERR)?;
    let mut nonempty = false;
    for (is_var, text) in parts {
        if is_var {
            nonempty |= template_var(text).ok_or(ERR)?;
        } else {
            nonempty |= !text.trim_matches(' ').is_empty();
        }
    }
    if nonempty {
        Ok(())
    } else {
        Err(ERR)
    }
}

/// Expands a `proc-title-template` as Redis's `expandProcTitleTemplate`.
pub(crate) fn expand_proc_title(cfg: &Config, template: &str, title: &str) -> Option<String> {
    let mut out = String::new();
    for (is_var, text) in template_parts(template)? {
        if !is_var {
            out.push_str(text);
            continue;
        }
        match text {
            "title" => out.push_str(title),
            "listen-addr" => {
                if cfg.port != 0 || cfg.tls_port != 0 {
                    let addr = cfg.bind.first().map_or("*", |s| s.as_str());
                    let port = if cfg.port != 0 {
                        cfg.port
                    } else {
                        cfg.tls_port
                    };
                    out.push_str(&format!("{addr}:{port}"));
                } else {
                    out.push_str(&format!("unixsocket:{}", cfg.unixsocket));
                }
            }
            "server-mode" => {
                if cfg.cluster_enabled {
                    out.push_str("[cluster]");
                }
            }
            "config-file" => out.push_str(cfg.config_file().unwrap_or("-")),
            "port" => out.push_str(&cfg.port.to_string()),
            "tls-port" => out.push_str(&cfg.tls_port.to_string()),
            "unixsocket" => out.push_str(&cfg.unixsocket),
            _ => return None,
        }
    }
    Some(out.trim_matches(' ').to_string())
}

// ---- special directives

fn set_dir(_cfg: &mut Config, argv: &[String], _ctx: &mut SetCtx) -> Result<bool, String> {
    let [dir] = argv else {
        return Err("wrong number of arguments".into());
    };
    std::env::set_current_dir(dir).map_err(|e| strerror(&e))?;
    Ok(true)
}

fn get_dir(_cfg: &Config) -> String {
    std::env::current_dir()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn rewrite_dir(_cfg: &Config, name: &'static str, state: &mut RewriteState) {
    match std::env::current_dir() {
        Ok(d) => {
            let d = d.to_string_lossy();
            state.rewrite_line(name, format!("{name} {}", repr(d.as_bytes())), true);
        }
        Err(_) => state.mark_processed(name),
    }
}

fn set_save(cfg: &mut Config, argv: &[String], ctx: &mut SetCtx) -> Result<bool, String> {
    const ERR: &str = "Invalid save parameters";
    let mut argv = argv;
    // A single "" means no save points at all.
    if argv.len() == 1 && argv[0].is_empty() {
        cfg.save_params.clear();
        argv = &[];
    }
    if argv.len() % 2 == 1 {
        return Err(ERR.into());
    }
    let mut pairs = Vec::with_capacity(argv.len() / 2);
    for chunk in argv.chunks(2) {
        let secs = strtoll_full(&chunk[0]).filter(|v| *v >= 1).ok_or(ERR)?;
        let changes = strtoll_full(&chunk[1]).filter(|v| *v >= 0).ok_or(ERR)?;
        pairs.push((secs, changes));
    }
    // CONFIG SET replaces; in a file the first save line replaces the
    // built-in defaults and the following ones add to it.
    if !ctx.reading_file || !ctx.save_loaded {
        cfg.save_params.clear();
    }
    if ctx.reading_file {
        ctx.save_loaded = true;
    }
    cfg.save_params.extend(pairs);
    Ok(true)
}

fn get_save(cfg: &Config) -> String {
    cfg.save_params
        .iter()
        .map(|(s, c)| format!("{s} {c}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn rewrite_save(cfg: &Config, name: &'static str, state: &mut RewriteState) {
    if cfg.save_params.is_empty() {
        state.rewrite_line(name, format!("{name} \"\""), true);
    } else {
        for (s, c) in &cfg.save_params {
            state.rewrite_line(name, format!("{name} {s} {c}"), true);
        }
    }
    state.mark_processed(name);
}

fn client_class(name: &str) -> Option<usize> {
    match name.to_ascii_lowercase().as_str() {
        "normal" => Some(CLIENT_TYPE_NORMAL),
        "slave" | "replica" => Some(CLIENT_TYPE_REPLICA),
        "pubsub" => Some(CLIENT_TYPE_PUBSUB),
        _ => None,
    }
}

const CLASS_NAMES: [&str; 3] = ["normal", "slave", "pubsub"];

fn set_obuf_limits(cfg: &mut Config, argv: &[String], _ctx: &mut SetCtx) -> Result<bool, String> {
    if argv.len() % 4 != 0 {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut new = cfg.client_output_buffer_limit;
    for chunk in argv.chunks(4) {
        let class = client_class(&chunk[0])
            .ok_or("Invalid client class specified in buffer limit configuration.")?;
        let bad = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
        let hard = parse_memory(&chunk[1]).ok_or(bad)?;
        let soft = parse_memory(&chunk[2]).ok_or(bad)?;
        let secs = strtoll_full(&chunk[3]).filter(|v| *v >= 0).ok_or(bad)?;
        new[class] = ClientBufferLimit {
            hard_limit_bytes: hard,
            soft_limit_bytes: soft,
            soft_limit_seconds: secs,
        };
    }
    cfg.client_output_buffer_limit = new;
    Ok(true)
}

fn get_obuf_limits(cfg: &Config) -> String {
    cfg.client_output_buffer_limit
        .iter()
        .zip(CLASS_NAMES)
        .map(|(l, n)| {
            format!(
                "{n} {} {} {}",
                l.hard_limit_bytes, l.soft_limit_bytes, l.soft_limit_seconds
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn rewrite_obuf_limits(cfg: &Config, name: &'static str, state: &mut RewriteState) {
    for (j, l) in cfg.client_output_buffer_limit.iter().enumerate() {
        let force = *l != DEFAULT_OBUF[j];
        let class = if j == CLIENT_TYPE_REPLICA {
            "replica"
        } else {
            CLASS_NAMES[j]
        };
        let line = format!(
            "{name} {class} {} {} {}",
            format_memory(l.hard_limit_bytes as i128),
            format_memory(l.soft_limit_bytes as i128),
            l.soft_limit_seconds
        );
        state.rewrite_line(name, line, force);
    }
}

fn set_oom_values(cfg: &mut Config, argv: &[String], ctx: &mut SetCtx) -> Result<bool, String> {
    if argv.len() != 3 {
        return Err("wrong number of arguments".into());
    }
    let mut values = [0i64; 3];
    for (slot, a) in values.iter_mut().zip(argv) {
        *slot = strtoll_full(a)
            .filter(|v| (-2000..=2000).contains(v))
            .ok_or("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")?;
    }
    if values[1] < values[0] || values[2] < values[1] {
        ctx.warnings.push(
            "The oom-score-adj-values configuration may not work for non-privileged processes! \
             Please consult the documentation."
                .into(),
        );
    }
    let changed = cfg.oom_score_adj_values != values;
    cfg.oom_score_adj_values = values;
    Ok(changed)
}

fn get_oom_values(cfg: &Config) -> String {
    cfg.oom_score_adj_values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn rewrite_oom_values(cfg: &Config, name: &'static str, state: &mut RewriteState) {
    let force = cfg.oom_score_adj_values != DEFAULT_OOM_VALUES;
    state.rewrite_line(name, format!("{name} {}", get_oom_values(cfg)), force);
}

fn set_notify(cfg: &mut Config, argv: &[String], _ctx: &mut SetCtx) -> Result<bool, String> {
    let [classes] = argv else {
        return Err("wrong number of arguments".into());
    };
    let flags = keyspace_events_from_str(classes)
        .ok_or("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")?;
    cfg.notify_keyspace_events = classes.clone();
    cfg.notify_keyspace_events_flags = flags;
    Ok(true)
}

fn rewrite_notify(cfg: &Config, name: &'static str, state: &mut RewriteState) {
    let flags = keyspace_events_to_string(cfg.notify_keyspace_events_flags);
    let force = cfg.notify_keyspace_events_flags != 0;
    state.rewrite_line(name, format!("{name} {}", repr(flags.as_bytes())), force);
}

fn set_bind(cfg: &mut Config, argv: &[String], _ctx: &mut SetCtx) -> Result<bool, String> {
    if argv.len() > BINDADDR_MAX {
        return Err("Too many bind addresses specified.".into());
    }
    cfg.bind = if argv.len() == 1 && argv[0].is_empty() {
        Vec::new()
    } else {
        argv.to_vec()
    };
    Ok(true)
}

fn rewrite_bind(cfg: &Config, name: &'static str, state: &mut RewriteState) {
    if cfg.bind == DEFAULT_BIND {
        state.mark_processed(name);
        return;
    }
    let addrs = if cfg.bind.is_empty() {
        "\"\"".to_string()
    } else {
        cfg.bind.join(" ")
    };
    state.rewrite_line(name, format!("{name} {addrs}"), true);
}

fn set_replicaof(cfg: &mut Config, argv: &[String], _ctx: &mut SetCtx) -> Result<bool, String> {
    let [host, port] = argv else {
        return Err("wrong number of arguments".into());
    };
    if host.eq_ignore_ascii_case("no") && port.eq_ignore_ascii_case("one") {
        cfg.replicaof = None;
        return Ok(true);
    }
    let port = strtoll_full(port)
        .and_then(|p| u16::try_from(p).ok())
        .ok_or("Invalid master port")?;
    cfg.replicaof = Some((host.clone(), port));
    Ok(true)
}

fn rewrite_replicaof(cfg: &Config, name: &'static str, state: &mut RewriteState) {
    match &cfg.replicaof {
        Some((host, port)) if !cfg.cluster_enabled => {
            state.rewrite_line(name, format!("{name} {host} {port}"), true);
        }
        _ => state.mark_processed(name),
    }
}

/// `%f` then trailing zeros (and a bare dot) removed, as Redis shows them.
fn format_percentile(p: f64) -> String {
    let mut s = format!("{p:.6}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    s
}

fn set_percentiles(cfg: &mut Config, argv: &[String], _ctx: &mut SetCtx) -> Result<bool, String> {
    let argv = if argv.len() == 1 && argv[0].is_empty() {
        &[][..]
    } else {
        argv
    };
    let mut values = Vec::with_capacity(argv.len());
    for a in argv {
        let p: f64 = match a.parse::<f64>() {
            Ok(p) if !p.is_nan() && !a.starts_with(char::is_whitespace) => p,
            _ => return Err("Invalid latency-tracking-info-percentiles parameters".into()),
        };
        if !(0.0..=100.0).contains(&p) {
            return Err(
                "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                    .into(),
            );
        }
        values.push(p);
    }
    cfg.latency_tracking_info_percentiles = values;
    Ok(true)
}

fn rewrite_percentiles(cfg: &Config, name: &'static str, state: &mut RewriteState) {
    let line = if cfg.latency_tracking_info_percentiles.is_empty() {
        format!("{name} \"\"")
    } else {
        let mut l = name.to_string();
        for p in &cfg.latency_tracking_info_percentiles {
            l.push(' ');
            l.push_str(&format_percentile(*p));
        }
        l
    };
    state.rewrite_line(name, line, true);
}

// ---- CONFIG SET

/// `CONFIG SET` as Redis's `configSetCommand`: see [`Config::set_with`].
pub(crate) fn config_set(
    cfg: &mut Config,
    pairs: &[(&[u8], &[u8])],
    sctx: &SetContext,
) -> Result<Vec<Changed>, String> {
    let mut found: Vec<(&'static Directive, bool)> = Vec::with_capacity(pairs.len());
    let mut invalid_arg_name: Option<String> = None;
    let mut errstr: Option<&'static str> = None;
    let mut err_arg_name = String::new();
    let mut invalid = false;
    let mut deny_loading = false;

    // Phase 1: names only.
    for (name, _) in pairs {
        let name = String::from_utf8_lossy(name).into_owned();
        let Some((d, alias)) = lookup(&name) else {
            if !invalid {
                invalid_arg_name = Some(name);
                invalid = true;
            }
            continue;
        };
        if invalid {
            continue;
        }
        if d.flags & IMMUTABLE != 0
            || (d.flags & PROTECTED != 0 && !cfg.enable_protected_configs.allows(sctx.local_client))
        {
            errstr = Some(if d.flags & IMMUTABLE != 0 {
                "can't set immutable config"
            } else {
                "can't set protected config"
            });
            err_arg_name = name;
            invalid = true;
            continue;
        }
        if sctx.loading && d.flags & DENY_LOADING != 0 {
            deny_loading = true;
            invalid = true;
            continue;
        }
        if found
            .iter()
            .any(|(p, a)| std::ptr::eq(*p, d) && *a == alias)
        {
            errstr = Some("duplicate parameter");
            err_arg_name = name;
            invalid = true;
        }
        found.push((d, alias));
    }
    if invalid {
        return Err(if deny_loading {
            "LOADING Redis is loading the dataset in memory".to_string()
        } else if let Some(n) = invalid_arg_name {
            format!("ERR Unknown option or number of arguments for CONFIG SET - '{n}'")
        } else if let Some(e) = errstr {
            format!("ERR CONFIG SET failed (possibly related to argument '{err_arg_name}') - {e}")
        } else {
            format!("ERR CONFIG SET failed (possibly related to argument '{err_arg_name}')")
        });
    }

    // Phase 2: set everything on a copy; keep it only if all succeed.
    let old_cwd = std::env::current_dir().ok();
    let mut next = cfg.clone();
    let mut ctx = SetCtx {
        reading_file: false,
        save_loaded: false,
        warnings: Vec::new(),
    };
    let mut changed: Vec<Changed> = Vec::new();
    for ((d, alias), (_, value)) in found.iter().zip(pairs) {
        let value = String::from_utf8_lossy(value).into_owned();
        let argv: Vec<String> = if d.flags & MULTI_ARG != 0 {
            if value.is_empty() {
                Vec::new()
            } else {
                value.split(' ').map(str::to_string).collect()
            }
        } else {
            vec![value]
        };
        match d.set_value(&mut next, &argv, &mut ctx) {
            Ok(true) => {
                let c = d.apply.unwrap_or(Changed::Other(d.name));
                if !changed.contains(&c) {
                    changed.push(c);
                }
            }
            Ok(false) => {}
            Err(e) => {
                if changed.contains(&Changed::Dir) {
                    if let Some(dir) = &old_cwd {
                        let _ = std::env::set_current_dir(dir);
                    }
                }
                let shown = if *alias {
                    d.alias.unwrap_or(d.name)
                } else {
                    d.name
                };
                return Err(format!(
                    "ERR CONFIG SET failed (possibly related to argument '{shown}') - {e}"
                ));
            }
        }
    }
    next.hz = next.hz.clamp(MIN_HZ, MAX_HZ);
    *cfg = next;
    Ok(changed)
}
