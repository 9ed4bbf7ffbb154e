//! TEMPORARY minimal config (the full directive table is being written).
use crate::log::Level;

#[derive(Clone, Debug)]
pub struct ConfigError(pub String);

#[derive(Clone, Debug)]
pub struct Config {
    pub port: u16,
    pub bind: Vec<String>,
    pub unixsocket: String,
    pub unixsocketperm: u32,
    pub tcp_backlog: i32,
    pub tcp_keepalive: i64,
    pub timeout: i64,
    pub maxclients: u64,
    pub databases: usize,
    pub hz: i64,
    pub requirepass: String,
    pub protected_mode: bool,
    pub daemonize: bool,
    pub pidfile: String,
    pub logfile: String,
    pub loglevel: Level,
    pub always_show_logo: bool,
    pub proto_max_bulk_len: i64,
    pub client_query_buffer_limit: i64,
    pub slowlog_log_slower_than: i64,
    pub slowlog_max_len: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 6379,
            bind: vec!["*".into(), "-::*".into()],
            unixsocket: String::new(),
            unixsocketperm: 0,
            tcp_backlog: 511,
            tcp_keepalive: 300,
            timeout: 0,
            maxclients: 10000,
            databases: 16,
            hz: 10,
            requirepass: String::new(),
            protected_mode: true,
            daemonize: false,
            pidfile: String::new(),
            logfile: String::new(),
            loglevel: Level::Notice,
            always_show_logo: false,
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            slowlog_log_slower_than: 10000,
            slowlog_max_len: 128,
        }
    }
}

pub fn load_server_config(args: &[String]) -> Result<Config, ConfigError> {
    let mut c = Config::default();
    let mut i = 0;
    while i < args.len() {
        let name = args[i].trim_start_matches("--").to_ascii_lowercase();
        let val = args.get(i + 1).cloned().unwrap_or_default();
        match name.as_str() {
            "port" => c.port = val.parse().map_err(|_| ConfigError("bad port".into()))?,
            "bind" => c.bind = val.split(' ').map(String::from).collect(),
            "requirepass" => c.requirepass = val,
            "logfile" => c.logfile = val,
            "protected-mode" => c.protected_mode = val == "yes",
            "dir" => std::env::set_current_dir(&val).map_err(|e| ConfigError(e.to_string()))?,
            "unixsocket" => c.unixsocket = val,
            "maxclients" => c.maxclients = val.parse().unwrap_or(10000),
            "timeout" => c.timeout = val.parse().unwrap_or(0),
            "always-show-logo" => c.always_show_logo = val == "yes",
            _ => {}
        }
        i += 2;
    }
    Ok(c)
}

impl Config {
    pub fn config_file(&self) -> Option<&str> {
        None
    }
}

pub fn usage() -> &'static str {
    "Usage: ./rudis-server [/path/to/redis.conf] [options] [-]"
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
