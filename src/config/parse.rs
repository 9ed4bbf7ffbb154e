//! `redis.conf` syntax and the redis-server command line.
//!
//! Owns: splitting a line into arguments with `sdssplitargs` rules, the
//! number formats Redis accepts (memory units, strict integers, `strtoll`
//! leniency where Redis uses it), reading files (with `include` and globs),
//! turning argv into config text, and walking the lines into the table.
//! Never interprets a value itself: that is the table's job.

use std::io::Read;

use super::table::{self, SetCtx, MULTI_ARG};
use super::{Config, ConfigError};

/// How deep `include` may nest before we call it a loop.
const MAX_INCLUDE_DEPTH: usize = 64;

pub use crate::util::sds::{repr, split_args};

/// Parses a memory amount as Redis's `memtoull`: digits then an optional
/// unit, case-insensitive: `b`, `k` (1000), `kb` (1024), `m`, `mb`, `g`,
/// `gb`. No sign, no spaces. `None` if invalid or overflowing.
pub fn parse_memory(s: &str) -> Option<u64> {
    let digits_end = s
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(s.len());
    let (digits, unit) = s.split_at(digits_end);
    let mul: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits.is_empty() {
        return None;
    }
    digits.parse::<u64>().ok()?.checked_mul(mul)
}

/// Redis's strict `string2ll`: optional `-`, no `+`, no leading zeros, no
/// spaces, must fit in i64.
pub(crate) fn string2ll(s: &str) -> Option<i64> {
    crate::util::numeric::parse_i64(s.as_bytes())
}

/// `strtoll(s, &end, 10)` where Redis then requires `*end == '\0'`: leading
/// blanks and a sign are allowed, overflow saturates, and an empty string
/// reads as 0 (no digits leaves `end` at the start, which is then the end).
pub(crate) fn strtoll_full(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut neg = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        neg = b[i] == b'-';
        i += 1;
    }
    let start = i;
    let mut v: i128 = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        v = (v * 10 + (b[i] - b'0') as i128).min(i64::MAX as i128 + 1);
        i += 1;
    }
    if i == start {
        // No conversion: end pointer is the start of the string.
        return if b.is_empty() { Some(0) } else { None };
    }
    if i != b.len() {
        return None;
    }
    let v = if neg { -v } else { v };
    Some(v.clamp(i64::MIN as i128, i64::MAX as i128) as i64)
}

/// `strerror(errno)` for an I/O error, without Rust's " (os error N)".
pub(crate) fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error ") {
        Some(pos) => s[..pos].to_string(),
        None => s,
    }
}

/// Makes a path absolute against the current directory the way Redis's
/// `getAbsolutePath` does (leading `./` and `../` folded), without
/// resolving symlinks.
fn absolute_path(path: &str) -> String {
    let p = path.trim_matches(|c| matches!(c, ' ' | '\r' | '\n' | '\t'));
    if p.starts_with('/') {
        return p.to_string();
    }
    let mut base = match std::env::current_dir() {
        Ok(d) => d.to_string_lossy().into_owned(),
        Err(_) => return p.to_string(),
    };
    let mut rel = p;
    loop {
        if let Some(r) = rel.strip_prefix("./") {
            rel = r;
        } else if let Some(r) = rel.strip_prefix("../") {
            rel = r;
            if base.len() > 1 {
                let cut = base.trim_end_matches('/').rfind('/').unwrap_or(0);
                base.truncate(cut.max(1));
            }
        } else {
            break;
        }
    }
    if base.ends_with('/') {
        format!("{base}{rel}")
    } else {
        format!("{base}/{rel}")
    }
}

/// Expands a glob path (wildcards in any component) into the existing
/// paths it matches, sorted, as glob(3) does; dot files only match a
/// component pattern that starts with a dot.
fn glob_paths(pattern: &str) -> Vec<String> {
    let absolute = pattern.starts_with('/');
    let mut current: Vec<String> = vec![if absolute { "/".into() } else { String::new() }];
    let comps: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    for (idx, comp) in comps.iter().enumerate() {
        let last = idx + 1 == comps.len();
        let mut next = Vec::new();
        for base in &current {
            let join = |name: &str| -> String {
                if base.is_empty() {
                    name.to_string()
                } else if base.ends_with('/') {
                    format!("{base}{name}")
                } else {
                    format!("{base}/{name}")
                }
            };
            if !comp.contains(['*', '?', '[']) {
                let p = join(comp);
                if last || std::path::Path::new(&p).is_dir() {
                    next.push(p);
                }
                continue;
            }
            let dir = if base.is_empty() { "." } else { base.as_str() };
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.') || comp.starts_with('.'))
                .filter(|n| crate::util::glob::string_match(comp.as_bytes(), n.as_bytes(), false))
                .collect();
            names.sort();
            for n in names {
                let p = join(&n);
                if last || std::path::Path::new(&p).is_dir() {
                    next.push(p);
                }
            }
        }
        current = next;
    }
    current.retain(|p| std::path::Path::new(p).exists());
    current
}

/// Reads a config file (or every file a glob matches; a glob matching
/// nothing reads as empty, so an empty conf.d is fine).
fn read_config_file(filename: &str) -> Result<Vec<u8>, ConfigError> {
    let open_err = |name: &str, e: &std::io::Error| {
        ConfigError::plain(format!(
            "Fatal error, can't open config file '{}': {}",
            name,
            strerror(e)
        ))
    };
    if filename.contains(['*', '?', '[']) {
        let mut out = Vec::new();
        for path in glob_paths(filename) {
            let mut data = std::fs::read(&path).map_err(|e| open_err(&path, &e))?;
            out.append(&mut data);
        }
        return Ok(out);
    }
    std::fs::read(filename).map_err(|e| open_err(filename, &e))
}

/// Walks config text line by line into a [`Config`].
pub(crate) struct Loader<'a> {
    pub(crate) cfg: &'a mut Config,
    pub(crate) ctx: SetCtx,
    depth: usize,
}

impl<'a> Loader<'a> {
    pub(crate) fn new(cfg: &'a mut Config) -> Loader<'a> {
        Loader {
            cfg,
            ctx: SetCtx {
                reading_file: true,
                save_loaded: false,
                warnings: Vec::new(),
            },
            depth: 0,
        }
    }

    /// Loads config text (Redis's `loadServerConfigFromString` minus the
    /// end-of-load checks, which [`Loader::finish`] does once).
    pub(crate) fn load_text(&mut self, text: &[u8]) -> Result<(), ConfigError> {
        for (idx, raw) in text.split(|&c| c == b'\n').enumerate() {
            let linenum = idx + 1;
            let line = trim(raw);
            if line.is_empty() || line[0] == b'#' {
                continue;
            }
            let shown = String::from_utf8_lossy(line);
            let fail = |reason: String| ConfigError::at_line(linenum, &shown, reason);
            let Some(argv) = split_args(line) else {
                return Err(fail("Unbalanced quotes in configuration line".into()));
            };
            if argv.is_empty() {
                continue;
            }
            let argv: Vec<String> = argv
                .into_iter()
                .map(|a| String::from_utf8_lossy(&a).into_owned())
                .collect();
            let name = argv[0].to_ascii_lowercase();
            let argc = argv.len();

            if let Some((d, _)) = table::lookup(&name) {
                if d.flags & MULTI_ARG == 0 && argc != 2 {
                    return Err(fail("wrong number of arguments".into()));
                }
                let result = if d.flags & MULTI_ARG != 0 && argc == 2 && !argv[1].is_empty() {
                    // `--save "900 1"` arrives as one argument: split it.
                    let Some(sub) = split_args(argv[1].as_bytes()) else {
                        return Err(fail("Unbalanced quotes in configuration line".into()));
                    };
                    let sub: Vec<String> = sub
                        .into_iter()
                        .map(|a| String::from_utf8_lossy(&a).into_owned())
                        .collect();
                    d.set_value(self.cfg, &sub, &mut self.ctx)
                } else {
                    d.set_value(self.cfg, &argv[1..], &mut self.ctx)
                };
                result.map_err(fail)?;
                continue;
            }

            match name.as_str() {
                // Directives Redis 7.0 still swallows for old files.
                "list-max-ziplist-entries"
                | "list-max-ziplist-value"
                | "lua-replicate-commands"
                    if argc == 2 => {}
                "include" if argc == 2 => {
                    if self.depth >= MAX_INCLUDE_DEPTH {
                        return Err(fail("Too many nested include directives".into()));
                    }
                    let data = read_config_file(&argv[1])?;
                    self.depth += 1;
                    let r = self.load_text(&data);
                    self.depth -= 1;
                    r?;
                }
                "rename-command" if argc == 3 => {
                    self.cfg
                        .rename_commands
                        .push((argv[1].clone(), argv[2].clone()));
                }
                "user" if argc >= 2 => self.cfg.users.push(argv[1..].to_vec()),
                "loadmodule" if argc >= 2 => self.cfg.loadmodules.push(argv[1..].to_vec()),
                _ if name.contains('.') => {
                    if argc < 2 {
                        return Err(fail("Module config specified without value".into()));
                    }
                    let value = argv[1..].join(" ");
                    match self
                        .cfg
                        .module_configs
                        .iter_mut()
                        .find(|(n, _)| *n == argv[0])
                    {
                        Some(slot) => slot.1 = value,
                        None => self.cfg.module_configs.push((argv[0].clone(), value)),
                    }
                }
                "sentinel" => {
                    if argc != 1 {
                        return Err(fail("sentinel directive while not in sentinel mode".into()));
                    }
                }
                _ => return Err(fail("Bad directive or wrong number of arguments".into())),
            }
        }
        Ok(())
    }

    /// Redis's checks once everything is read: the log file must be
    /// writable, no replicaof in cluster mode, hz clamped.
    pub(crate) fn finish(self) -> Result<(), ConfigError> {
        if !self.cfg.logfile.is_empty() {
            if let Err(e) = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(&self.cfg.logfile)
            {
                return Err(ConfigError::after_load(format!(
                    "Can't open the log file: {}",
                    strerror(&e)
                )));
            }
        }
        if self.cfg.cluster_enabled && self.cfg.replicaof.is_some() {
            return Err(ConfigError::after_load(
                "replicaof directive not allowed in cluster mode".into(),
            ));
        }
        self.cfg.hz = self.cfg.hz.clamp(table::MIN_HZ, table::MAX_HZ);
        self.cfg.load_warnings.extend(self.ctx.warnings);
        Ok(())
    }
}

fn trim(mut s: &[u8]) -> &[u8] {
    let blank = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    while s.first().is_some_and(blank) {
        s = &s[1..];
    }
    while s.last().is_some_and(blank) {
        s = &s[..s.len() - 1];
    }
    s
}

/// Builds the config from redis-server style arguments (argv without the
/// program name): `[configfile|-] [--name value ...] [-]`.
///
/// As redis-server does: a first argument not starting with `-` is the
/// config file (its absolute path is kept for CONFIG REWRITE); `-` as the
/// first or last argument appends standard input; every `--name` starts a
/// new directive line and the following arguments are appended to it,
/// quoted (an argument like `"--port 7000"` carries its value inline;
/// a bare `--save` followed by another `--option` or at the end means
/// `save ""`). The text read is: file, stdin, a newline, the options; so
/// the command line wins and line numbers in errors count from the file's
/// first line. `dir` changes the working directory as it is read.
pub fn load_server_config(args: &[String]) -> Result<Config, ConfigError> {
    let mut cfg = Config::default();
    if args.is_empty() {
        return Ok(cfg);
    }
    let n = args.len();
    let mut j = 0;
    let mut config_file = None;
    if !args[0].starts_with('-') {
        config_file = Some(absolute_path(&args[0]));
        j = 1;
    }
    let mut from_stdin = false;
    let mut options = String::new();
    let mut handled_last = true;
    while j < n {
        let a = args[j].as_str();
        if a == "-" && (j == 0 || j == n - 1) {
            from_stdin = true;
        } else if handled_last && a.starts_with("--") {
            if !options.is_empty() {
                options.push('\n');
            }
            options.push_str(&a[2..]);
            options.push(' ');
            let parts = split_args(a.as_bytes()).map_or(0, |p| p.len());
            if parts == 1 {
                handled_last = false;
                let next_is_option = j != n - 1 && args[j + 1].starts_with("--");
                if a.eq_ignore_ascii_case("--save") && next_is_option {
                    options.push_str("\"\"");
                    handled_last = true;
                } else if a.eq_ignore_ascii_case("--save") && j == n - 1 {
                    options.push_str("\"\"");
                } else if a.eq_ignore_ascii_case("--sentinel") && next_is_option {
                    handled_last = true;
                }
            } else {
                handled_last = true;
            }
        } else {
            options.push_str(&repr(a.as_bytes()));
            options.push(' ');
            handled_last = true;
        }
        j += 1;
    }

    let mut text = Vec::new();
    if let Some(file) = &config_file {
        text = read_config_file(file)?;
    }
    if from_stdin {
        cfg.load_warnings.push("Reading config from stdin".into());
        std::io::stdin().read_to_end(&mut text).map_err(|e| {
            ConfigError::plain(format!(
                "Fatal error, can't read config from stdin: {}",
                strerror(&e)
            ))
        })?;
    }
    text.push(b'\n');
    text.extend_from_slice(options.as_bytes());

    let mut loader = Loader::new(&mut cfg);
    loader.load_text(&text)?;
    loader.finish()?;
    cfg.config_file = config_file;
    Ok(cfg)
}

/// Loads config text onto the defaults (tests and tools; no file, no
/// command line).
#[cfg(test)]
pub(crate) fn load_from_str(text: &str) -> Result<Config, ConfigError> {
    let mut cfg = Config::default();
    let mut loader = Loader::new(&mut cfg);
    loader.load_text(text.as_bytes())?;
    loader.finish()?;
    Ok(cfg)
}
