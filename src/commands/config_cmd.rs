//! CONFIG GET / SET / RESETSTAT / REWRITE / HELP (Redis's config.c command
//! side).
//!
//! Owns: turning CONFIG requests into calls on `Config` and applying the
//! side effects a changed directive needs on the running server (listeners
//! for port/bind, cron rate for hz, log level, maxclients). It must never
//! parse directive values itself: `config` does that for files and CONFIG
//! SET alike, so both accept exactly the same inputs.

use super::flags::*;
use super::server_cmds::sub;
use super::{container_handler, Argv, CommandSpec, Ctx};
use crate::client::flags as cf;
use crate::config::{Changed, SetContext};
use crate::server::Server;

pub const COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "config",
    handler: container_handler,
    arity: -2,
    flags: 0,
    first_key: 0,
    last_key: 0,
    key_step: 0,
    group: "server",
    summary: "A container for server configuration commands.",
    since: "2.0.0",
    syntax: "",
    subcommands: &[
        sub(
            "get",
            config_get,
            -3,
            ADMIN | NOSCRIPT | LOADING | STALE,
            "Returns the effective values of configuration parameters.",
            "2.0.0",
            "parameter [parameter ...]",
        ),
        sub(
            "set",
            config_set,
            -4,
            ADMIN | NOSCRIPT | LOADING | STALE,
            "Sets configuration parameters in-flight.",
            "2.0.0",
            "parameter value [parameter value ...]",
        ),
        sub(
            "resetstat",
            config_resetstat,
            2,
            ADMIN | NOSCRIPT | LOADING | STALE,
            "Resets the server's statistics.",
            "2.0.0",
            "",
        ),
        sub(
            "rewrite",
            config_rewrite,
            2,
            ADMIN | NOSCRIPT | LOADING | STALE,
            "Persists the effective configuration to file.",
            "2.0.0",
            "",
        ),
        sub(
            "help",
            config_help,
            2,
            LOADING | STALE,
            "Returns helpful text about the different subcommands.",
            "2.0.0",
            "",
        ),
    ],
}];

/// `CONFIG GET parameter [parameter ...]`: a map of name → value.
fn config_get(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let patterns: Vec<String> = argv
        .iter()
        .skip(2)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    let refs: Vec<&str> = patterns.iter().map(|s| s.as_str()).collect();
    let pairs = ctx.srv.config.get_many(&refs);
    let c = ctx.client();
    c.add_map_len(pairs.len());
    for (k, v) in pairs {
        c.add_bulk(k.as_bytes());
        c.add_bulk(v.as_bytes());
    }
}

/// `CONFIG SET parameter value [parameter value ...]`: all or nothing.
fn config_set(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.len() % 2 != 0 {
        ctx.syntax_error();
        return;
    }
    let pairs: Vec<(&[u8], &[u8])> = (2..argv.len())
        .step_by(2)
        .map(|i| (argv.get(i), argv.get(i + 1)))
        .collect();
    let local = is_local_client(ctx);
    let set_ctx = SetContext {
        loading: false,
        local_client: local,
    };
    let before = ctx.srv.config.clone();
    let cwd_before = std::env::current_dir().ok();
    let changed = match ctx.srv.config.set_with(&pairs, &set_ctx) {
        Ok(c) => c,
        Err(msg) => {
            ctx.err(&msg);
            return;
        }
    };
    if let Err((name, why)) = apply_changes(ctx.srv, &changed) {
        // Roll back: restore the old values and their effects.
        ctx.srv.config = before;
        if let (true, Some(dir)) = (changed.contains(&Changed::Dir), &cwd_before) {
            let _ = std::env::set_current_dir(dir);
        }
        let _ = apply_changes(ctx.srv, &changed);
        ctx.err(&format!(
            "ERR CONFIG SET failed (possibly related to argument '{name}') - {why}"
        ));
        return;
    }
    ctx.ok();
}

/// True for loopback and unix-socket clients (for `local` protected configs).
pub fn is_local_client(ctx: &mut Ctx<'_>) -> bool {
    let c = ctx.client();
    if c.has_flag(cf::UNIX_SOCKET) {
        return true;
    }
    c.addr.starts_with("127.") || c.addr.starts_with("[::1]")
}

/// Applies the runtime effect of each changed directive. Returns the
/// directive name and the reason on failure.
pub fn apply_changes(srv: &mut Server, changed: &[Changed]) -> Result<(), (&'static str, String)> {
    for ch in changed {
        match ch {
            Changed::Port | Changed::Bind => {
                // Redis's wording for each (updatePort / updateBind); the
                // log carries the socket error itself.
                let (name, why) = if *ch == Changed::Port {
                    ("port", "Unable to listen on this port")
                } else {
                    ("bind", "Failed to bind to specified addresses.")
                };
                crate::networking::rebind_tcp(srv).map_err(|e| {
                    crate::serverlog!(crate::log::Level::Warning, "{e}");
                    (name, why.to_string())
                })?;
            }
            Changed::Loglevel => crate::log::set_level(srv.config.loglevel.into()),
            Changed::Maxmemory => crate::evict::maxmemory_changed(srv),
            Changed::ReplBacklogSize => crate::replication::master::resize_backlog(srv),
            Changed::MinReplicas => crate::replication::master::refresh_good_replicas(srv),
            Changed::JemallocBgThread => {
                crate::alloc::set_jemalloc_bg_thread(srv.config.jemalloc_bg_thread);
            }
            Changed::Maxclients => {
                let wanted = srv.config.maxclients;
                let granted = crate::daemon::adjust_open_files_limit(wanted);
                if granted < wanted {
                    return Err((
                        "maxclients",
                        format!(
                            "The operating system is not able to handle the specified number of clients, try with {granted}"
                        ),
                    ));
                }
                srv.maxclients = wanted;
            }
            Changed::Appendonly => {
                use crate::persistence::aof::{rewrite, Status};
                if srv.config.appendonly && srv.aof.status == Status::Off {
                    rewrite::start_append_only(srv).map_err(|_| {
                        (
                            "appendonly",
                            "Unable to turn on AOF. Check server logs.".to_string(),
                        )
                    })?;
                } else if !srv.config.appendonly && srv.aof.status != Status::Off {
                    rewrite::stop_append_only(srv);
                }
            }
            Changed::AofDisableAutoGc if !srv.config.aof_disable_auto_gc => {
                crate::persistence::aof::rewrite::delete_history_files(srv);
            }
            // hz is read by the loop each tick; dir was changed by `set`.
            // Persistence, replication and memory directives take effect
            // through the subsystems that read them when those land.
            _ => {}
        }
    }
    Ok(())
}

/// `CONFIG RESETSTAT`: zeroes the counters INFO reports.
fn config_resetstat(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    ctx.srv.reset_stats();
    ctx.ok();
}

/// `CONFIG REWRITE`: writes the running configuration to the config file.
fn config_rewrite(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    match ctx.srv.config.rewrite() {
        Ok(()) => {
            crate::serverlog!(
                crate::log::Level::Notice,
                "CONFIG REWRITE executed with success."
            );
            ctx.ok()
        }
        Err(msg) => {
            crate::serverlog!(crate::log::Level::Warning, "CONFIG REWRITE failed: {msg}");
            ctx.err(&msg)
        }
    }
}

const HELP: &[&str] = &[
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
];

fn config_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    super::server_cmds::reply_help(ctx, argv, HELP);
}
