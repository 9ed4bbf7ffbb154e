//! Server commands: introspection, administration and debugging (Redis's
//! server.c, networking.c CLIENT, debug.c, latency.c, slowlog.c, the
//! COMMAND command).
//!
//! | file             | commands                                          |
//! |------------------|---------------------------------------------------|
//! | `info.rs`        | INFO                                              |
//! | `client_cmd.rs`  | CLIENT *                                          |
//! | `command_cmd.rs` | COMMAND, COMMAND COUNT/INFO/DOCS/LIST/GETKEYS*    |
//! | `meta.rs`        | Redis's command descriptions (generated table)    |
//! | `getkeys.rs`     | key positions from key specs (COMMAND GETKEYS)    |
//! | `debug.rs`       | DEBUG (+ `digest.rs`: DEBUG DIGEST)               |
//! | `monitor.rs`     | MONITOR and the feed of executed commands         |
//! | `slowlog_cmd.rs` | SLOWLOG                                           |
//! | `latency.rs`     | LATENCY and the latency monitor                   |
//! | `histogram.rs`   | per-command latency histograms                    |
//! | `misc.rs`        | TIME, LASTSAVE, SHUTDOWN, FUNCTION, MEMORY, ROLE, LOLWUT |
//! | `cfg.rs`         | the configuration these commands read             |
//!
//! Owns: the state only these commands use ([`Introspection`]: latency
//! events, DEBUG knobs; the pause is `crate::pause`) and the bookkeeping done after every
//! command ([`after_call`]: latency samples and histograms, the MONITOR
//! feed). It must never change the dataset except where Redis's own
//! commands do (DEBUG POPULATE, FUNCTION FLUSH is a no-op here).

pub mod cfg;
pub mod client_cmd;
pub mod command_cmd;
pub mod debug;
pub mod digest;
pub mod getkeys;
pub mod histogram;
pub mod info;
pub mod latency;
pub mod meta;
mod meta_table;
pub mod misc;
pub mod monitor;
pub mod save;
pub mod slowlog_cmd;

use super::flags;
use super::{Argv, CommandSpec, Ctx, Handler};
use crate::server::Server;

/// Every command of this family, for the dispatch table.
pub const COMMANDS: &[CommandSpec] = &[
    info::INFO,
    client_cmd::CLIENT,
    command_cmd::COMMAND,
    debug::DEBUG,
    monitor::MONITOR,
    slowlog_cmd::SLOWLOG,
    latency::LATENCY,
    misc::TIME,
    misc::LASTSAVE,
    save::SAVE,
    save::BGSAVE,
    save::BGREWRITEAOF,
    misc::SHUTDOWN,
    misc::FUNCTION,
    misc::MEMORY,
    misc::ROLE,
    misc::LOLWUT,
];

/// A top-level command of this family with no key arguments.
#[allow(clippy::too_many_arguments)]
pub(crate) const fn cmd(
    name: &'static str,
    handler: Handler,
    arity: i32,
    flags: u32,
    summary: &'static str,
    since: &'static str,
    syntax: &'static str,
    subcommands: &'static [CommandSpec],
) -> CommandSpec {
    CommandSpec {
        name,
        handler,
        arity,
        flags,
        first_key: 0,
        last_key: 0,
        key_step: 0,
        group: "server",
        summary,
        since,
        syntax,
        subcommands,
    }
}

/// A subcommand of one of this family's containers.
#[allow(clippy::too_many_arguments)]
pub(crate) const fn sub(
    name: &'static str,
    handler: Handler,
    arity: i32,
    flags: u32,
    summary: &'static str,
    since: &'static str,
    syntax: &'static str,
) -> CommandSpec {
    cmd(name, handler, arity, flags, summary, since, syntax, &[])
}

/// Redis's addReplyHelp: `<CMD> <subcommand> [<arg> [value] [opt] ...].
/// Subcommands are:`, the lines, then the HELP entry.
pub(crate) fn reply_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>, lines: &[&str]) {
    let name = String::from_utf8_lossy(argv.get(0)).to_uppercase();
    let c = ctx.client();
    c.add_array_len(lines.len() + 3);
    c.add_status(&format!(
        "{name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    ));
    for l in lines {
        c.add_status(l);
    }
    c.add_status("HELP");
    c.add_status("    Prints this help.");
}

/// Redis's addReplySubcommandSyntaxError.
pub(crate) fn subcommand_syntax_error(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let name = String::from_utf8_lossy(argv.get(0)).to_uppercase();
    let sub = String::from_utf8_lossy(argv.get(1)).into_owned();
    ctx.err(&format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try {name} HELP.",
        super::truncate(&sub, 128)
    ));
}

/// Test-and-debug knobs set by DEBUG (and, until the full directive table
/// is merged, the monitoring directives CONFIG SET will own).
pub struct DebugKnobs {
    /// DEBUG SET-SKIP-CHECKSUM-VALIDATION: RDB/RESTORE skip their CRC check.
    pub skip_checksum_validation: bool,
    /// DEBUG QUICKLIST-PACKED-THRESHOLD: element size above which a list
    /// element gets a plain node (bytes; default 1 GiB).
    pub quicklist_packed_threshold: u64,
    /// DEBUG AOF-FLUSH-SLEEP: µs to sleep before each AOF flush.
    pub aof_flush_sleep_us: i64,
    /// DEBUG SET-DISABLE-DENY-SCRIPTS.
    pub disable_deny_scripts: bool,
    /// DEBUG REPLYBUFFER PEAK-RESET-TIME (ms; -1 = never).
    pub reply_buffer_peak_reset_time: i64,
    /// DEBUG REPLYBUFFER RESIZING.
    pub reply_buffer_resizing: bool,
    /// DEBUG PAUSE-CRON: the cron tick does nothing while set.
    pub pause_cron: bool,
}

impl Default for DebugKnobs {
    fn default() -> Self {
        DebugKnobs {
            skip_checksum_validation: false,
            quicklist_packed_threshold: 1 << 30,
            aof_flush_sleep_us: 0,
            disable_deny_scripts: false,
            reply_buffer_peak_reset_time: 5000,
            reply_buffer_resizing: true,
            pause_cron: false,
        }
    }
}

/// State owned by the server commands, kept on the Server.
pub struct Introspection {
    pub latency: latency::LatencyMonitor,
    pub debug: DebugKnobs,
    /// Bytes allocated once the server was built (INFO used_memory_startup).
    pub startup_memory: u64,
}

impl Default for Introspection {
    fn default() -> Self {
        Introspection::new()
    }
}

impl Introspection {
    pub fn new() -> Introspection {
        Introspection {
            latency: latency::LatencyMonitor::default(),
            debug: DebugKnobs::default(),
            startup_memory: crate::alloc::allocated(),
        }
    }
}

/// Bookkeeping after a command ran, in Redis's call() order: latency
/// sample, (slow log: done by the caller), MONITOR feed, latency histogram.
/// `cmd_id` is the table id of the command (the subcommand for containers).
pub fn after_call(srv: &mut Server, cid: usize, cmd_id: usize, argv: &Argv<'_>, duration_us: u64) {
    let spec = srv.commands.specs[cmd_id];
    let threshold = cfg::latency_monitor_threshold(srv);
    if threshold > 0 {
        let event = if spec.flags & flags::FAST != 0 {
            "fast-command"
        } else {
            "command"
        };
        srv.introspection
            .latency
            .add_sample_if_needed(threshold, event, duration_us / 1000);
    }
    let blocked = srv
        .clients
        .get(cid)
        .is_some_and(|c| c.has_flag(crate::client::flags::BLOCKED));
    // A blocked command is logged when it completes (by the blocking code).
    if spec.flags & flags::SKIP_SLOWLOG == 0 && !blocked {
        slowlog_cmd::record(srv, cid, cmd_id, argv, duration_us);
    }
    if !srv.monitors.is_empty() && spec.flags & (flags::SKIP_MONITOR | flags::ADMIN) == 0 {
        monitor::feed(srv, cid, cmd_id, argv);
    }
    if cfg::latency_tracking(srv) && !blocked {
        srv.commands.stats[cmd_id]
            .latency
            .get_or_insert_with(Default::default)
            .record(duration_us.saturating_mul(1000).min(i64::MAX as u64) as i64);
    }
}
