//! Reads the configuration directives the server commands depend on.
//!
//! Owns: one accessor per directive, so the rest of this family never names
//! a `Config` field directly. While the full directive table is not merged
//! the accessors answer Redis's defaults for directives the interim
//! `Config` lacks; each such place says which directive it stands for.
//! It must never change configuration.

use crate::server::Server;

/// `latency-monitor-threshold` in ms (0 = monitor off). Redis's default is
/// 0; the test suite's default.conf sets 1.
pub fn latency_monitor_threshold(srv: &Server) -> i64 {
    srv.introspection.debug.latency_monitor_threshold
}

/// `latency-tracking` (default yes).
pub fn latency_tracking(srv: &Server) -> bool {
    srv.introspection.debug.latency_tracking
}

/// `latency-tracking-info-percentiles` (default 50 99 99.9).
pub fn latency_percentiles(_srv: &Server) -> &'static [f64] {
    &[50.0, 99.0, 99.9]
}

/// `slowlog-log-slower-than` in µs (-1 = off).
pub fn slowlog_log_slower_than(srv: &Server) -> i64 {
    srv.config.slowlog_log_slower_than
}

/// `slowlog-max-len`.
pub fn slowlog_max_len(srv: &Server) -> i64 {
    srv.config.slowlog_max_len
}

/// `enable-debug-command`: whether this client may run DEBUG. Until the
/// directive exists, DEBUG is allowed (the brief of this family).
pub fn debug_allowed(_srv: &Server, _local_client: bool) -> bool {
    true
}

/// `maxmemory` in bytes (0 = no limit).
pub fn maxmemory(_srv: &Server) -> u64 {
    0
}

/// `maxmemory-policy` as CONFIG GET shows it.
pub fn maxmemory_policy(_srv: &Server) -> &'static str {
    "noeviction"
}

/// `appendonly`.
pub fn appendonly(_srv: &Server) -> bool {
    false
}

/// `repl-backlog-size` in bytes.
pub fn repl_backlog_size(_srv: &Server) -> i64 {
    1024 * 1024
}

/// `hz` as configured (INFO `configured_hz`).
pub fn configured_hz(srv: &Server) -> i64 {
    srv.config.hz
}

/// `save` points: true when at least one is configured.
pub fn has_save_points(_srv: &Server) -> bool {
    true
}

/// True for directives whose values are secrets (Redis's SENSITIVE_CONFIG:
/// `masterauth`, `masteruser`, `requirepass`).
pub fn is_sensitive_directive(name: &[u8]) -> bool {
    [&b"masterauth"[..], b"masteruser", b"requirepass"]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
}

/// The config file loaded at start-up ("" when none).
pub fn config_file(srv: &Server) -> String {
    srv.config.config_file().unwrap_or("").to_string()
}
