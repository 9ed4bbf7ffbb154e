//! Reads the configuration directives the server commands depend on.
//!
//! Owns: one accessor per directive, so the rest of this family never names
//! a `Config` field directly. //! It must never change configuration.

use crate::server::Server;

/// `latency-monitor-threshold` in ms (0 = monitor off). Redis's default is
/// 0; the test suite's default.conf sets 1.
pub fn latency_monitor_threshold(srv: &Server) -> i64 {
    srv.config.latency_monitor_threshold
}

/// `latency-tracking` (default yes).
pub fn latency_tracking(srv: &Server) -> bool {
    srv.config.latency_tracking
}

/// `latency-tracking-info-percentiles` (default 50 99 99.9).
pub fn latency_percentiles(srv: &Server) -> &[f64] {
    &srv.config.latency_tracking_info_percentiles
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
pub fn debug_allowed(srv: &Server, local_client: bool) -> bool {
    srv.config.enable_debug_command.allows(local_client)
}

/// `maxmemory` in bytes (0 = no limit).
pub fn maxmemory(srv: &Server) -> u64 {
    srv.config.maxmemory
}

/// `maxmemory-policy` as CONFIG GET shows it.
pub fn maxmemory_policy(srv: &Server) -> &'static str {
    srv.config.maxmemory_policy.name()
}

/// `appendonly`.
pub fn appendonly(srv: &Server) -> bool {
    srv.config.appendonly
}

/// `repl-backlog-size` in bytes.
pub fn repl_backlog_size(srv: &Server) -> i64 {
    srv.config.repl_backlog_size
}

/// `hz` as configured (INFO `configured_hz`).
pub fn configured_hz(srv: &Server) -> i64 {
    srv.config.hz
}

/// `save` points: true when at least one is configured.
pub fn has_save_points(srv: &Server) -> bool {
    !srv.config.save_params.is_empty()
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
