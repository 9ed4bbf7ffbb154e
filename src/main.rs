//! `rudis-server`: the same command line as `redis-server`.
//!
//! ```text
//! rudis-server [/path/to/redis.conf | -] [--directive value ...]
//! rudis-server --version | --help
//! ```
//! Order of start-up, as Redis's main(): parse the configuration (file,
//! then command-line directives; `dir` changes directory as it is read),
//! daemonize, open the log, raise the file-descriptor limit for
//! `maxclients`, log the banner, open listeners, write the pid file, run.

use rudis::config;
use rudis::log::{self, Level};
use rudis::server::{Server, REDIS_VERSION, RUDIS_VERSION};
use rudis::serverlog;

/// Counts heap bytes for INFO used_memory (Redis's zmalloc accounting).
#[global_allocator]
static GLOBAL: rudis::alloc::Counting = rudis::alloc::Counting;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(first) = args.get(1) {
        match first.as_str() {
            "-v" | "--version" => {
                println!(
                    "Redis server v={REDIS_VERSION} sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=rudis-{RUDIS_VERSION}"
                );
                return;
            }
            "-h" | "--help" => {
                // Redis prints its usage to stderr and exits 1.
                eprintln!("{}", config::usage());
                std::process::exit(1);
            }
            _ => {}
        }
    }
    let cfg = match config::load_server_config(&args[1..]) {
        Ok(c) => c,
        Err(e) => {
            eprint!("{e}");
            std::process::exit(1);
        }
    };
    if cfg.daemonize {
        rudis::daemon::daemonize();
    }
    log::set_level(cfg.loglevel.into());
    if let Err(e) = log::set_file(&cfg.logfile) {
        eprintln!(
            "Can't open the log file '{}': {e}. Fix 'logfile' or the permissions of its directory.",
            cfg.logfile
        );
        std::process::exit(1);
    }
    let pid = std::process::id();
    serverlog!(
        Level::Warning,
        "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo"
    );
    serverlog!(
        Level::Warning,
        "Redis version={REDIS_VERSION}, bits=64, commit=00000000, modified=0, pid={pid}, just started (rudis {RUDIS_VERSION})"
    );
    if cfg.config_file().is_some() {
        serverlog!(Level::Warning, "Configuration loaded");
    } else {
        serverlog!(
            Level::Warning,
            "Warning: no config file specified, using the default config. In order to specify a config file use {} /path/to/redis.conf",
            args[0]
        );
    }
    let executable = std::fs::canonicalize(&args[0])
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| args[0].clone());
    let maxclients = rudis::daemon::adjust_open_files_limit(cfg.maxclients);
    let mut server = match Server::new(cfg, executable) {
        Ok(s) => s,
        Err(e) => {
            serverlog!(Level::Warning, "Failed creating the event loop: {e}");
            std::process::exit(1);
        }
    };
    server.maxclients = maxclients;
    if !rudis::alloc::set_jemalloc_bg_thread(server.config.jemalloc_bg_thread) {
        serverlog!(
            Level::Warning,
            "Could not set jemalloc-bg-thread {}: freed memory may stay resident longer; check that the allocator is jemalloc.",
            if server.config.jemalloc_bg_thread { "yes" } else { "no" }
        );
    }
    rudis::daemon::show_banner(&server);
    if let Err(msg) = server.init() {
        serverlog!(Level::Warning, "{msg}");
        std::process::exit(1);
    }
    // Redis's loadDataFromDisk: the AOF when it is on (never the RDB then), else the RDB.
    let loaded = if server.config.appendonly {
        rudis::persistence::aof::load::load_at_startup(&mut server)
    } else {
        rudis::persistence::snapshot::load_at_startup(&mut server)
    };
    if let Err(msg) =
        loaded.and_then(|()| rudis::persistence::aof::open_on_server_start(&mut server))
    {
        serverlog!(Level::Warning, "{msg}");
        std::process::exit(1);
    }
    if server.config.daemonize || !server.config.pidfile.is_empty() {
        rudis::daemon::create_pid_file(&server.config);
    }
    server.run();
}
