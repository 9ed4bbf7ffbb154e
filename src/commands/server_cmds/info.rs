//! INFO [section ...] (Redis's genRedisInfoString and infoCommand).
//!
//! Owns: the sections, their field names and order, and which sections
//! `INFO`, `INFO default`, `INFO all` and `INFO everything` include:
//!
//! ```text
//! default    server clients memory persistence stats replication cpu
//!            module_list errorstats cluster keyspace
//! all        every section except modules' own (here: the same as everything)
//! everything all sections: + commandstats, latencystats
//! ```
//! Section names match case-insensitively; unknown names add nothing. The
//! reply is a verbatim string (`txt`) in RESP3, a bulk string in RESP2.
//! It must never change server state (the peak memory it refreshes is a
//! statistic Redis refreshes the same way).
//!
//! Where the numbers come from: `used_memory` is the counting allocator's
//! live bytes (`crate::alloc`), `used_memory_rss` is /proc/self/statm;
//! CPU times are getrusage(2). Subsystems not written yet (persistence,
//! replication, pub/sub, scripting) report Redis's idle values.

use std::fmt::Write;

use super::{cfg, cmd};
use crate::client::flags as cf;
use crate::commands::flags::*;
use crate::commands::{Argv, CommandSpec, Ctx};
use crate::server::{Server, REDIS_VERSION};

pub const INFO: CommandSpec = cmd(
    "info",
    info,
    -1,
    LOADING | STALE | SENTINEL,
    "Get information and statistics about the server",
    "1.0.0",
    "[section [section ...]]",
    &[],
);

/// Sections `INFO` and `INFO default` show, in Redis's order.
const DEFAULT_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "module_list",
    "errorstats",
    "cluster",
    "keyspace",
];

/// Which sections a request asked for.
pub struct Sections {
    names: Vec<String>,
    all: bool,
}

impl Sections {
    /// Parses INFO's arguments (Redis's genInfoSectionDict).
    pub fn parse<'a>(args: impl Iterator<Item = &'a [u8]>) -> Sections {
        let mut s = Sections {
            names: Vec::new(),
            all: false,
        };
        let mut any = false;
        for a in args {
            any = true;
            let name = String::from_utf8_lossy(a).to_ascii_lowercase();
            match name.as_str() {
                "default" => s.add_defaults(),
                "all" | "everything" => s.all = true,
                _ => {
                    if !s.names.contains(&name) {
                        s.names.push(name);
                    }
                }
            }
        }
        if !any {
            s.add_defaults();
        }
        s
    }

    fn add_defaults(&mut self) {
        for d in DEFAULT_SECTIONS {
            if !self.names.iter().any(|n| n == d) {
                self.names.push(d.to_string());
            }
        }
    }

    fn wants(&self, section: &str) -> bool {
        self.all || self.names.iter().any(|n| n == section)
    }
}

/// `INFO [section ...]`.
fn info(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let sections = Sections::parse(argv.iter().skip(1));
    let text = gen_info(ctx.srv, &sections);
    ctx.client().add_verbatim(text.as_bytes());
}

/// Redis's bytesToHuman: `943.35K`, `6.31M`, `0B`.
pub fn bytes_to_human(n: u64) -> String {
    const K: f64 = 1024.0;
    let d = n as f64;
    match n {
        0..=1023 => format!("{n}B"),
        1024..=1_048_575 => format!("{:.2}K", d / K),
        1_048_576..=1_073_741_823 => format!("{:.2}M", d / (K * K)),
        1_073_741_824..=1_099_511_627_775 => format!("{:.2}G", d / (K * K * K)),
        1_099_511_627_776..=1_125_899_906_842_623 => format!("{:.2}T", d / (K * K * K * K)),
        1_125_899_906_842_624..=1_152_921_504_606_846_975 => {
            format!("{:.2}P", d / (K * K * K * K * K))
        }
        _ => format!("{n}B"),
    }
}

/// Redis's getSafeInfoString: `#`, `:`, CR and LF become `_` in names
/// printed as INFO keys.
fn safe_info_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if matches!(c, '#' | ':' | '\n' | '\r') {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// `%f` then Redis's trimDoubleString: `50.000000` → `50`, `99.900000` →
/// `99.9`.
fn percentile_label(p: f64) -> String {
    let s = format!("{p:.6}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Memory accounting shared by INFO memory and MEMORY STATS (Redis's
/// getMemoryOverheadData): what the server spends besides the data.
pub struct MemOverhead {
    pub used: u64,
    pub startup: u64,
    pub peak: u64,
    pub clients_normal: u64,
    pub clients_replicas: u64,
    pub repl_backlog: u64,
    /// The backlog's ring and shared tail (INFO mem_total_replication_buffers).
    pub repl_buffers: u64,
    pub aof_buffer: u64,
    /// Per database with keys: (db, main table overhead, expires overhead).
    pub dbs: Vec<(usize, u64, u64)>,
    pub total_keys: u64,
    pub overhead_total: u64,
    pub dataset: u64,
    pub peak_perc: f64,
    pub dataset_perc: f64,
    pub bytes_per_key: u64,
}

/// Bytes of a dict entry plus its object header, and of a bucket pointer,
/// as Redis counts them for its own dict (24 + 16, 8).
const ENTRY_OVERHEAD: u64 = 24 + 16;
const EXPIRE_ENTRY_OVERHEAD: u64 = 24;
const SLOT_OVERHEAD: u64 = 8;

/// Memory a client holds: query buffer, reply chunks, and its struct.
pub fn client_memory(c: &crate::client::Client) -> u64 {
    (c.querybuf.capacity() + c.reply_memory() + std::mem::size_of::<crate::client::Client>()) as u64
}

pub fn mem_overhead(srv: &mut Server) -> MemOverhead {
    let used = crate::alloc::allocated();
    if used > srv.stat_peak_memory {
        srv.stat_peak_memory = used;
    }
    let startup = srv.introspection.startup_memory;
    let mut clients_normal = 0;
    let mut clients_replicas = 0;
    for (_, c) in srv.clients.iter() {
        if c.has_flag(cf::REPLICA) && !c.has_flag(cf::MONITOR) {
            clients_replicas += client_memory(c);
        } else {
            clients_normal += client_memory(c);
        }
    }
    // The ring and its tail are one memory, as Redis 7's replication buffer: beyond
    // repl-backlog-size it is charged to the replicas that hold it.
    let repl_buffers = srv.repl.master.backlog.as_ref().map_or(0, |b| b.memory()) as u64;
    let ring = srv.config.repl_backlog_size.max(0) as u64;
    let repl_backlog = if !srv.repl.master.replicas.is_empty() && repl_buffers > ring {
        clients_replicas += repl_buffers - ring;
        ring
    } else {
        repl_buffers
    };
    let mut total = startup + clients_normal + clients_replicas + repl_backlog;
    let mut dbs = Vec::new();
    let mut total_keys = 0;
    for (i, db) in srv.ks.dbs.iter().enumerate() {
        let keys = db.dict.len() as u64;
        if keys == 0 {
            continue;
        }
        total_keys += keys;
        let slots = keys.next_power_of_two();
        let main = keys * ENTRY_OVERHEAD + slots * SLOT_OVERHEAD;
        let exp_n = db.expires.len() as u64;
        let expires = if exp_n == 0 {
            0
        } else {
            exp_n * EXPIRE_ENTRY_OVERHEAD + exp_n.next_power_of_two() * SLOT_OVERHEAD
        };
        total += main + expires;
        dbs.push((i, main, expires));
    }
    let dataset = used.saturating_sub(total);
    let peak = srv.stat_peak_memory.max(1);
    let net = if used > startup { used - startup } else { 1 };
    MemOverhead {
        used,
        startup,
        peak: srv.stat_peak_memory,
        clients_normal,
        clients_replicas,
        repl_backlog,
        repl_buffers,
        aof_buffer: srv.aof.buf.capacity() as u64,
        dbs,
        total_keys,
        overhead_total: total,
        dataset,
        peak_perc: used as f64 * 100.0 / peak as f64,
        dataset_perc: dataset as f64 * 100.0 / net as f64,
        bytes_per_key: net.checked_div(total_keys).unwrap_or(0),
    }
}

/// `uname -srm`, as Redis's `os:` field.
fn os_name() -> String {
    // SAFETY: `utsname` is plain data; uname fills it with NUL-terminated
    // strings, and we read each field only up to its first NUL, within
    // its fixed-size array.
    let name = unsafe {
        let mut u: libc::utsname = std::mem::zeroed();
        if libc::uname(&mut u) != 0 {
            return "Linux".to_string();
        }
        u
    };
    let field = |f: &[libc::c_char]| -> String {
        let bytes: Vec<u8> = f
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    format!(
        "{} {} {}",
        field(&name.sysname),
        field(&name.release),
        field(&name.machine)
    )
}

/// getrusage(2) times as `sec.usec` strings: (sys, user).
fn rusage(who: libc::c_int) -> (String, String) {
    // SAFETY: `rusage` is plain data that getrusage fully writes; `who` is
    // one of the RUSAGE_* constants.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        if libc::getrusage(who, &mut ru) != 0 {
            return ("0.000000".into(), "0.000000".into());
        }
        ru
    };
    let tv = |t: libc::timeval| format!("{}.{:06}", t.tv_sec, t.tv_usec);
    (tv(ru.ru_stime), tv(ru.ru_utime))
}

/// Number of clients Redis counts as connected: all but replicas
/// (monitors count).
pub fn connected_clients(srv: &Server) -> usize {
    srv.clients
        .iter()
        .filter(|(_, c)| !c.has_flag(cf::REPLICA) || c.has_flag(cf::MONITOR))
        .count()
}

/// Builds the INFO text for `sections`.
pub fn gen_info(srv: &mut Server, sections: &Sections) -> String {
    let mut out = String::with_capacity(4096);
    let mut n = 0;
    let mut begin = |out: &mut String, title: &str| {
        if n > 0 {
            out.push_str("\r\n");
        }
        n += 1;
        out.push_str("# ");
        out.push_str(title);
        out.push_str("\r\n");
    };
    let now_ms = crate::db::mstime();
    let uptime = srv.uptime_secs();

    if sections.wants("server") {
        begin(&mut out, "Server");
        let _ = write!(
            out,
            "redis_version:{REDIS_VERSION}\r\n\
             redis_git_sha1:00000000\r\n\
             redis_git_dirty:0\r\n\
             redis_build_id:{}\r\n\
             redis_mode:standalone\r\n\
             os:{}\r\n\
             arch_bits:64\r\n\
             monotonic_clock:POSIX clock_gettime\r\n\
             multiplexing_api:epoll\r\n\
             atomicvar_api:c11-builtin\r\n\
             gcc_version:0.0.0\r\n\
             process_id:{}\r\n\
             process_supervised:no\r\n\
             run_id:{}\r\n\
             tcp_port:{}\r\n\
             server_time_usec:{}\r\n\
             uptime_in_seconds:{}\r\n\
             uptime_in_days:{}\r\n\
             hz:{}\r\n\
             configured_hz:{}\r\n\
             lru_clock:{}\r\n\
             executable:{}\r\n\
             config_file:{}\r\n\
             io_threads_active:0\r\n",
            build_id(),
            os_name(),
            std::process::id(),
            srv.run_id,
            srv.config.port,
            now_us(),
            uptime,
            uptime / 86400,
            srv.config.hz,
            cfg::configured_hz(srv),
            crate::db::lru_clock(now_ms),
            srv.executable,
            cfg::config_file(srv),
        );
        crate::shutdown::info(srv, &mut out);
    }

    if sections.wants("clients") {
        begin(&mut out, "Clients");
        let (mut max_in, mut max_out) = (0usize, 0usize);
        for (_, c) in srv.clients.iter() {
            max_in = max_in.max(c.querybuf.len());
            max_out = max_out.max(c.reply_memory());
        }
        let _ = write!(
            out,
            "connected_clients:{}\r\n\
             cluster_connections:0\r\n\
             maxclients:{}\r\n\
             client_recent_max_input_buffer:{}\r\n\
             client_recent_max_output_buffer:{}\r\n\
             blocked_clients:{}\r\n\
             tracking_clients:0\r\n\
             clients_in_timeout_table:{}\r\n",
            connected_clients(srv),
            srv.maxclients,
            max_in,
            max_out,
            srv.blocked_clients,
            srv.blocked.in_timeout_table(),
        );
    }

    if sections.wants("memory") {
        begin(&mut out, "Memory");
        let mh = mem_overhead(srv);
        let rss = crate::alloc::rss_bytes();
        let system = crate::alloc::total_system_memory();
        let maxmemory = cfg::maxmemory(srv);
        let used = mh.used.max(1);
        let frag = rss as f64 / used as f64;
        let _ = write!(
            out,
            "used_memory:{used}\r\n\
             used_memory_human:{}\r\n\
             used_memory_rss:{rss}\r\n\
             used_memory_rss_human:{}\r\n\
             used_memory_peak:{}\r\n\
             used_memory_peak_human:{}\r\n\
             used_memory_peak_perc:{:.2}%\r\n\
             used_memory_overhead:{}\r\n\
             used_memory_startup:{}\r\n\
             used_memory_dataset:{}\r\n\
             used_memory_dataset_perc:{:.2}%\r\n\
             allocator_allocated:{used}\r\n\
             allocator_active:{used}\r\n\
             allocator_resident:{rss}\r\n\
             total_system_memory:{system}\r\n\
             total_system_memory_human:{}\r\n\
             used_memory_lua:0\r\n\
             used_memory_vm_eval:0\r\n\
             used_memory_lua_human:0B\r\n\
             used_memory_scripts_eval:0\r\n\
             number_of_cached_scripts:0\r\n\
             number_of_functions:0\r\n\
             number_of_libraries:0\r\n\
             used_memory_vm_functions:0\r\n\
             used_memory_vm_total:0\r\n\
             used_memory_vm_total_human:0B\r\n\
             used_memory_functions:0\r\n\
             used_memory_scripts:0\r\n\
             used_memory_scripts_human:0B\r\n\
             maxmemory:{maxmemory}\r\n\
             maxmemory_human:{}\r\n\
             maxmemory_policy:{}\r\n\
             allocator_frag_ratio:1.00\r\n\
             allocator_frag_bytes:0\r\n\
             allocator_rss_ratio:{frag:.2}\r\n\
             allocator_rss_bytes:{}\r\n\
             rss_overhead_ratio:1.00\r\n\
             rss_overhead_bytes:0\r\n\
             mem_fragmentation_ratio:{frag:.2}\r\n\
             mem_fragmentation_bytes:{}\r\n\
             mem_not_counted_for_evict:{}\r\n\
             mem_replication_backlog:{}\r\n\
             mem_total_replication_buffers:{}\r\n\
             mem_clients_slaves:{}\r\n\
             mem_clients_normal:{}\r\n\
             mem_cluster_links:0\r\n\
             mem_aof_buffer:{}\r\n\
             mem_allocator:jemalloc-5.3.0\r\n\
             active_defrag_running:0\r\n\
             lazyfree_pending_objects:0\r\n\
             lazyfreed_objects:0\r\n",
            bytes_to_human(used),
            bytes_to_human(rss),
            mh.peak,
            bytes_to_human(mh.peak),
            mh.peak_perc,
            mh.overhead_total,
            mh.startup,
            mh.dataset,
            mh.dataset_perc,
            bytes_to_human(system),
            bytes_to_human(maxmemory),
            cfg::maxmemory_policy(srv),
            rss as i64 - used as i64,
            rss as i64 - used as i64,
            crate::evict::not_counted_memory(srv),
            mh.repl_backlog,
            mh.repl_buffers,
            mh.clients_replicas,
            mh.clients_normal,
            mh.aof_buffer,
        );
    }

    if sections.wants("persistence") {
        begin(&mut out, "Persistence");
        use crate::persistence::child::ChildType;
        let child = &srv.child;
        let rdb = &srv.rdb;
        let now_secs = crate::db::mstime() / 1000;
        let _ = write!(
            out,
            "loading:{}\r\n\
             async_loading:0\r\n\
             current_cow_peak:{}\r\n\
             current_cow_size:{}\r\n\
             current_cow_size_age:{}\r\n\
             current_fork_perc:{:.2}\r\n\
             current_save_keys_processed:{}\r\n\
             current_save_keys_total:{}\r\n\
             rdb_changes_since_last_save:{}\r\n\
             rdb_bgsave_in_progress:{}\r\n\
             rdb_last_save_time:{}\r\n\
             rdb_last_bgsave_status:{}\r\n\
             rdb_last_bgsave_time_sec:{}\r\n\
             rdb_current_bgsave_time_sec:{}\r\n\
             rdb_saves:{}\r\n\
             rdb_last_cow_size:{}\r\n\
             rdb_last_load_keys_expired:{}\r\n\
             rdb_last_load_keys_loaded:{}\r\n\
             aof_enabled:{}\r\n\
             aof_rewrite_in_progress:{}\r\n\
             aof_rewrite_scheduled:{}\r\n\
             aof_last_rewrite_time_sec:{}\r\n\
             aof_current_rewrite_time_sec:{}\r\n\
             aof_last_bgrewrite_status:{}\r\n\
             aof_rewrites:{}\r\n\
             aof_rewrites_consecutive_failures:{}\r\n\
             aof_last_write_status:{}\r\n\
             aof_last_cow_size:{}\r\n\
             module_fork_in_progress:0\r\n\
             module_fork_last_cow_size:0\r\n",
            u8::from(srv.ks.loading || srv.repl.replica.diskless_loading()),
            child.current_cow_peak,
            child.current_cow_bytes,
            child.cow_size_age_secs(),
            child.fork_perc(),
            child.current_save_keys_processed,
            child.current_save_keys_total,
            srv.ks.dirty,
            u8::from(child.kind == ChildType::Rdb),
            rdb.lastsave,
            if rdb.last_bgsave_ok { "ok" } else { "err" },
            rdb.save_time_last,
            match (child.kind, rdb.save_time_start) {
                (ChildType::Rdb, Some(start)) => now_secs - start,
                _ => -1,
            },
            rdb.saves,
            child.rdb_cow_bytes,
            rdb.last_load_keys_expired,
            rdb.last_load_keys_loaded,
            u8::from(srv.aof.status != crate::persistence::aof::Status::Off),
            u8::from(child.kind == ChildType::Aof),
            u8::from(srv.aof.rewrite.scheduled),
            srv.aof.rewrite.time_last.unwrap_or(-1),
            match (child.kind, srv.aof.rewrite.time_start) {
                (ChildType::Aof, Some(start)) => now_secs - start,
                _ => -1,
            },
            if srv.aof.rewrite.last_failed {
                "err"
            } else {
                "ok"
            },
            srv.aof.rewrite.rewrites,
            srv.aof.rewrite.consecutive_failures,
            if srv.aof.last_write_ok { "ok" } else { "err" },
            child.aof_cow_bytes,
        );
        if cfg::appendonly(srv) {
            let a = &srv.aof;
            let _ = write!(
                out,
                "aof_current_size:{}\r\n\
                 aof_base_size:{}\r\n\
                 aof_pending_rewrite:{}\r\n\
                 aof_buffer_length:{}\r\n\
                 aof_pending_bio_fsync:{}\r\n\
                 aof_delayed_fsync:{}\r\n",
                a.current_size,
                a.base_size,
                u8::from(a.rewrite.scheduled),
                a.buf.len(),
                u8::from(a.fsyncer.in_progress()),
                a.delayed_fsync,
            );
        }
    }

    if sections.wants("stats") {
        begin(&mut out, "Stats");
        let st = &srv.ks.stats;
        let _ = write!(
            out,
            "total_connections_received:{}\r\n\
             total_commands_processed:{}\r\n\
             instantaneous_ops_per_sec:{}\r\n\
             total_net_input_bytes:{}\r\n\
             total_net_output_bytes:{}\r\n\
             total_net_repl_input_bytes:0\r\n\
             total_net_repl_output_bytes:0\r\n\
             instantaneous_input_kbps:{:.2}\r\n\
             instantaneous_output_kbps:{:.2}\r\n\
             instantaneous_input_repl_kbps:0.00\r\n\
             instantaneous_output_repl_kbps:0.00\r\n\
             rejected_connections:{}\r\n\
             sync_full:{}\r\n\
             sync_partial_ok:{}\r\n\
             sync_partial_err:{}\r\n\
             expired_keys:{}\r\n\
             expired_stale_perc:{:.2}\r\n\
             expired_time_cap_reached_count:{}\r\n\
             expire_cycle_cpu_milliseconds:0\r\n\
             evicted_keys:{}\r\n\
             evicted_clients:0\r\n\
             total_eviction_exceeded_time:{}\r\n\
             current_eviction_exceeded_time:{}\r\n\
             keyspace_hits:{}\r\n\
             keyspace_misses:{}\r\n\
             pubsub_channels:{}\r\n\
             pubsub_patterns:{}\r\n\
             pubsubshard_channels:{}\r\n\
             latest_fork_usec:{}\r\n\
             total_forks:{}\r\n\
             migrate_cached_sockets:{}\r\n\
             slave_expires_tracked_keys:0\r\n\
             active_defrag_hits:0\r\n\
             active_defrag_misses:0\r\n\
             active_defrag_key_hits:0\r\n\
             active_defrag_key_misses:0\r\n\
             total_active_defrag_time:0\r\n\
             current_active_defrag_time:0\r\n\
             tracking_total_keys:0\r\n\
             tracking_total_items:0\r\n\
             tracking_total_prefixes:0\r\n\
             unexpected_error_replies:{}\r\n\
             total_error_replies:{}\r\n\
             dump_payload_sanitizations:{}\r\n\
             total_reads_processed:{}\r\n\
             total_writes_processed:{}\r\n\
             io_threaded_reads_processed:0\r\n\
             io_threaded_writes_processed:0\r\n\
             reply_buffer_shrinks:0\r\n\
             reply_buffer_expands:0\r\n",
            srv.stat_numconnections,
            srv.stat_numcommands,
            srv.ops_metric.value() as u64,
            srv.stat_net_input_bytes,
            srv.stat_net_output_bytes,
            srv.net_in_metric.value() / 1024.0,
            srv.net_out_metric.value() / 1024.0,
            srv.stat_rejected_conn,
            srv.repl.stat_sync_full,
            srv.repl.stat_sync_partial_ok,
            srv.repl.stat_sync_partial_err,
            st.expired_keys,
            st.expired_stale_perc * 100.0,
            st.expired_time_cap_reached_count,
            st.evicted_keys,
            srv.evict.exceeded_ms().0,
            srv.evict.exceeded_ms().1,
            st.keyspace_hits,
            st.keyspace_misses,
            srv.pubsub.channels.len(),
            srv.pubsub.patterns.len(),
            srv.pubsub.shard_channels.len(),
            srv.child.fork_time_us,
            srv.child.total_forks,
            srv.migrate_cache.len(),
            srv.stat_unexpected_error_replies,
            srv.stat_total_error_replies,
            srv.stat_dump_payload_sanitizations,
            srv.stat_total_reads_processed,
            srv.stat_total_writes_processed,
        );
    }

    if sections.wants("replication") {
        begin(&mut out, "Replication");
        crate::replication::info(srv, &mut out);
    }

    if sections.wants("cpu") {
        begin(&mut out, "CPU");
        let (sys, user) = rusage(libc::RUSAGE_SELF);
        let (csys, cuser) = rusage(libc::RUSAGE_CHILDREN);
        let (tsys, tuser) = rusage(libc::RUSAGE_THREAD);
        let _ = write!(
            out,
            "used_cpu_sys:{sys}\r\n\
             used_cpu_user:{user}\r\n\
             used_cpu_sys_children:{csys}\r\n\
             used_cpu_user_children:{cuser}\r\n\
             used_cpu_sys_main_thread:{tsys}\r\n\
             used_cpu_user_main_thread:{tuser}\r\n"
        );
    }

    if sections.wants("module_list") || sections.wants("modules") {
        begin(&mut out, "Modules");
    }

    if sections.wants("commandstats") {
        begin(&mut out, "Commandstats");
        let t = &srv.commands;
        for id in command_ids(srv) {
            let s = &t.stats[id];
            if s.calls == 0 && s.failed_calls == 0 && s.rejected_calls == 0 {
                continue;
            }
            let per_call = if s.calls == 0 {
                0.0
            } else {
                s.usec as f32 / s.calls as f32
            };
            let _ = write!(
                out,
                "cmdstat_{}:calls={},usec={},usec_per_call={:.2},rejected_calls={},failed_calls={}\r\n",
                safe_info_name(&t.full_names[id]),
                s.calls,
                s.usec,
                per_call,
                s.rejected_calls,
                s.failed_calls
            );
        }
    }

    if sections.wants("errorstats") {
        begin(&mut out, "Errorstats");
        let mut codes: Vec<(&String, &u64)> = srv.error_stats.iter().collect();
        codes.sort();
        for (code, count) in codes {
            let _ = write!(
                out,
                "errorstat_{}:count={}\r\n",
                safe_info_name(code),
                count
            );
        }
    }

    if sections.wants("latencystats") {
        begin(&mut out, "Latencystats");
        if cfg::latency_tracking(srv) {
            let percentiles = cfg::latency_percentiles(srv);
            let t = &srv.commands;
            for id in command_ids(srv) {
                let Some(h) = t.stats[id].latency.as_ref() else {
                    continue;
                };
                let _ = write!(
                    out,
                    "latency_percentiles_usec_{}:",
                    safe_info_name(&t.full_names[id])
                );
                for (i, &p) in percentiles.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(
                        out,
                        "p{}={:.3}",
                        percentile_label(p),
                        h.value_at_percentile(p) as f64 / 1000.0
                    );
                }
                out.push_str("\r\n");
            }
        }
    }

    if sections.wants("cluster") {
        begin(&mut out, "Cluster");
        out.push_str("cluster_enabled:0\r\n");
    }

    if sections.wants("keyspace") {
        begin(&mut out, "Keyspace");
        for (i, db) in srv.ks.dbs.iter().enumerate() {
            let keys = db.dict.len();
            let expires = db.expires.len();
            if keys > 0 || expires > 0 {
                let _ = write!(
                    out,
                    "db{i}:keys={keys},expires={expires},avg_ttl={}\r\n",
                    db.avg_ttl
                );
            }
        }
    }
    out
}

/// Table ids of every command and subcommand, parents first.
fn command_ids(srv: &Server) -> Vec<usize> {
    let t = &srv.commands;
    let mut ids = Vec::with_capacity(t.specs.len());
    for id in t.top_level() {
        ids.push(id);
        ids.extend(t.subcommands_of(id));
    }
    ids
}

fn now_us() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0)
}

/// A stable 16-hex-digit id of this build (INFO redis_build_id).
fn build_id() -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in crate::server::RUDIS_VERSION
        .bytes()
        .chain(REDIS_VERSION.bytes())
    {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Reads one field of an INFO text (tests and tools).
pub fn field<'a>(info: &'a str, name: &str) -> Option<&'a str> {
    info.split("\r\n")
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes() {
        assert_eq!(bytes_to_human(0), "0B");
        assert_eq!(bytes_to_human(1023), "1023B");
        assert_eq!(bytes_to_human(965992), "943.35K");
        assert_eq!(bytes_to_human(6619136), "6.31M");
        assert_eq!(bytes_to_human(25276063744), "23.54G");
    }

    #[test]
    fn section_selection() {
        let s = Sections::parse(std::iter::empty());
        assert!(s.wants("server") && s.wants("keyspace") && !s.wants("commandstats"));
        let s = Sections::parse([&b"CPU"[..]].into_iter());
        assert!(s.wants("cpu") && !s.wants("server"));
        let s = Sections::parse([&b"cpu"[..], b"all"].into_iter());
        assert!(s.wants("commandstats") && s.wants("latencystats"));
        let s = Sections::parse([&b"default"[..]].into_iter());
        assert!(s.wants("memory") && !s.wants("latencystats"));
    }

    #[test]
    fn percentile_labels() {
        assert_eq!(percentile_label(50.0), "50");
        assert_eq!(percentile_label(99.9), "99.9");
        assert_eq!(percentile_label(0.0), "0");
        assert_eq!(percentile_label(100.0), "100");
    }

    #[test]
    fn safe_names() {
        assert_eq!(safe_info_name("a:b#c"), "a_b_c");
        assert_eq!(safe_info_name("config|get"), "config|get");
    }
}
