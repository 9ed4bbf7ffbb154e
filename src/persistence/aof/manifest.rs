//! The multi-part AOF manifest (Redis 7.0's aofManifest): which base file and which incremental
//! files make up the AOF, in the text format Redis writes, so that `redis-check-aof` and a real
//! `redis-server` read ours and we read theirs.
//!
//! Owns: parsing and rendering the manifest, file naming, and the transitions a rewrite makes
//! (new base, old files to history). It must never open AOF data files or decide when to
//! rewrite.
//!
//! ```text
//!   appendonlydir/appendonly.aof.manifest
//!     file appendonly.aof.2.base.rdb seq 2 type b     <- one base (RDB preamble or AOF)
//!     file appendonly.aof.1.base.rdb seq 1 type h     <- history: deleted after a rewrite
//!     file appendonly.aof.3.incr.aof seq 3 type i     <- incremental files, in sequence order
//!     file appendonly.aof.4.incr.aof seq 4 type i        (the last one is being appended)
//! ```
//!
//! A rewrite turns the base and every incr file but the one being written into history,
//! names a new base with the next base sequence, and writes the manifest atomically (temp
//! file, fsync, rename, fsync of the directory): a crash at any point leaves either the old or
//! the new manifest, each naming files that exist.

use std::fmt;
use std::io::Write as _;
use std::path::Path;

use crate::util::numeric::strtoll;
use crate::util::sds;

/// 1024 bytes, Redis's MANIFEST_MAX_LINE.
pub const MAX_LINE: usize = 1024;
/// Suffixes of Redis's AOF file names (BASE_FILE_SUFFIX ...).
pub const BASE_SUFFIX: &str = ".base";
pub const INCR_SUFFIX: &str = ".incr";
pub const RDB_FORMAT_SUFFIX: &str = ".rdb";
pub const AOF_FORMAT_SUFFIX: &str = ".aof";
pub const MANIFEST_SUFFIX: &str = ".manifest";
pub const TEMP_PREFIX: &str = "temp-";

/// The role of a file in the manifest (Redis's AOF_FILE_TYPE_*).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    /// `b`: the base, a snapshot.
    Base,
    /// `h`: replaced by a rewrite, waiting to be deleted.
    History,
    /// `i`: commands appended after the base.
    Incr,
}

impl FileType {
    fn letter(self) -> char {
        match self {
            FileType::Base => 'b',
            FileType::History => 'h',
            FileType::Incr => 'i',
        }
    }
}

/// One line of the manifest (Redis's aofInfo).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AofInfo {
    pub file_name: String,
    pub file_seq: i64,
    pub file_type: FileType,
}

/// The parsed manifest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub base: Option<AofInfo>,
    pub incr: Vec<AofInfo>,
    pub history: Vec<AofInfo>,
    pub curr_base_seq: i64,
    pub curr_incr_seq: i64,
    /// Changed since it was last written.
    pub dirty: bool,
}

/// Why a manifest could not be read: Redis's messages, with the line they refer to.
#[derive(Debug, PartialEq, Eq)]
pub struct ManifestError {
    /// 1-based line number, 0 when the error is about the whole file.
    pub line_no: usize,
    pub line: String,
    pub what: &'static str,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line_no > 0 {
            write!(
                f,
                "{} (at line {}: '{}')",
                self.what, self.line_no, self.line
            )
        } else {
            write!(f, "{}", self.what)
        }
    }
}

/// `<appendfilename>.manifest`.
pub fn manifest_name(aof_filename: &str) -> String {
    format!("{aof_filename}{MANIFEST_SUFFIX}")
}

/// `temp-<appendfilename>.manifest`.
pub fn temp_manifest_name(aof_filename: &str) -> String {
    format!("{TEMP_PREFIX}{aof_filename}{MANIFEST_SUFFIX}")
}

/// `temp-<appendfilename>.incr`: the incremental file a rewrite opens before it succeeds.
pub fn temp_incr_name(aof_filename: &str) -> String {
    format!("{TEMP_PREFIX}{aof_filename}{INCR_SUFFIX}")
}

/// Redis's sdsneedsrepr: names with spaces, quotes or control bytes are written quoted.
fn needs_repr(s: &str) -> bool {
    s.bytes().any(|b| {
        matches!(b, b'\\' | b'"' | b'\n' | b'\r' | b'\t' | 0x07 | 0x08 | b' ')
            || !(0x20..0x7f).contains(&b)
    })
}

/// Redis's pathIsBaseName: no directory separators.
fn is_base_name(s: &str) -> bool {
    !s.contains('/') && !s.contains('\\')
}

impl Manifest {
    /// Reads a manifest (Redis's aofLoadManifestFromFile).
    pub fn parse(text: &[u8]) -> Result<Manifest, ManifestError> {
        let mut am = Manifest::default();
        let mut max_seq = 0i64;
        let mut line_no = 0;
        let mut rest = text;
        if rest.is_empty() {
            return Err(ManifestError {
                line_no: 0,
                line: String::new(),
                what: "Found an empty AOF manifest",
            });
        }
        while !rest.is_empty() {
            line_no += 1;
            let (raw, complete) = match memchr::memchr(b'\n', rest) {
                Some(i) => {
                    let r = &rest[..i];
                    rest = &rest[i + 1..];
                    (r, true)
                }
                None => {
                    let r = rest;
                    rest = &[];
                    (r, false)
                }
            };
            if raw.first() == Some(&b'#') {
                continue;
            }
            let shown = String::from_utf8_lossy(raw).trim().to_string();
            let err = |what| ManifestError {
                line_no,
                line: shown.clone(),
                what,
            };
            if !complete || raw.len() > MAX_LINE {
                return Err(err("The AOF manifest file contains too long line"));
            }
            let trimmed = trim(raw);
            if trimmed.is_empty() {
                return Err(err("Invalid AOF manifest file format"));
            }
            let argv = match sds::split_args(trimmed) {
                Some(a) if a.len() >= 6 && a.len() % 2 == 0 => a,
                _ => return Err(err("Invalid AOF manifest file format")),
            };
            let (mut name, mut seq, mut ftype) = (None, 0i64, None);
            for pair in argv.chunks(2) {
                let (k, v) = (&pair[0], &pair[1]);
                if k.eq_ignore_ascii_case(b"file") {
                    let n = String::from_utf8_lossy(v).into_owned();
                    if !is_base_name(&n) {
                        return Err(err("File can't be a path, just a filename"));
                    }
                    name = Some(n);
                } else if k.eq_ignore_ascii_case(b"seq") {
                    seq = strtoll(v).0;
                } else if k.eq_ignore_ascii_case(b"type") {
                    ftype = v.first().copied();
                }
            }
            let (Some(file_name), true, Some(t)) = (name, seq != 0, ftype) else {
                return Err(err("Invalid AOF manifest file format"));
            };
            let file_type = match t {
                b'b' => FileType::Base,
                b'h' => FileType::History,
                b'i' => FileType::Incr,
                _ => return Err(err("Unknown AOF file type")),
            };
            let info = AofInfo {
                file_name,
                file_seq: seq,
                file_type,
            };
            match file_type {
                FileType::Base => {
                    if am.base.is_some() {
                        return Err(err("Found duplicate base file information"));
                    }
                    am.curr_base_seq = seq;
                    am.base = Some(info);
                }
                FileType::History => am.history.push(info),
                FileType::Incr => {
                    if seq <= max_seq {
                        return Err(err("Found a non-monotonic sequence number"));
                    }
                    am.curr_incr_seq = seq;
                    max_seq = seq;
                    am.incr.push(info);
                }
            }
        }
        if line_no == 0 {
            return Err(ManifestError {
                line_no: 0,
                line: String::new(),
                what: "Found an empty AOF manifest",
            });
        }
        Ok(am)
    }

    /// The manifest's text (Redis's getAofManifestAsString): base, history, then incr files.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let all = self
            .base
            .iter()
            .chain(self.history.iter())
            .chain(self.incr.iter());
        for ai in all {
            let name = if needs_repr(&ai.file_name) {
                sds::repr(ai.file_name.as_bytes())
            } else {
                ai.file_name.clone()
            };
            out.push_str(&format!(
                "file {} seq {} type {}\n",
                name,
                ai.file_seq,
                ai.file_type.letter()
            ));
        }
        out
    }

    /// Names a new base file and turns the current one into history (Redis's
    /// getNewBaseFileNameAndMarkPreAsHistory): `appendonly.aof.<seq>.base.rdb` (or `.aof`).
    pub fn new_base_name(&mut self, aof_filename: &str, rdb_preamble: bool) -> String {
        if let Some(mut old) = self.base.take() {
            old.file_type = FileType::History;
            self.history.insert(0, old);
        }
        self.curr_base_seq += 1;
        let fmt = if rdb_preamble {
            RDB_FORMAT_SUFFIX
        } else {
            AOF_FORMAT_SUFFIX
        };
        let name = format!("{aof_filename}.{}{BASE_SUFFIX}{fmt}", self.curr_base_seq);
        self.base = Some(AofInfo {
            file_name: name.clone(),
            file_seq: self.curr_base_seq,
            file_type: FileType::Base,
        });
        self.dirty = true;
        name
    }

    /// Names a new incremental file after the others (Redis's getNewIncrAofName):
    /// `appendonly.aof.<seq>.incr.aof`.
    pub fn new_incr_name(&mut self, aof_filename: &str) -> String {
        self.curr_incr_seq += 1;
        let name = format!(
            "{aof_filename}.{}{INCR_SUFFIX}{AOF_FORMAT_SUFFIX}",
            self.curr_incr_seq
        );
        self.incr.push(AofInfo {
            file_name: name.clone(),
            file_seq: self.curr_incr_seq,
            file_type: FileType::Incr,
        });
        self.dirty = true;
        name
    }

    /// The incremental file to append to, created when there is none (getLastIncrAofName).
    pub fn last_incr_name(&mut self, aof_filename: &str) -> String {
        match self.incr.last() {
            Some(ai) => ai.file_name.clone(),
            None => self.new_incr_name(aof_filename),
        }
    }

    /// After a successful rewrite, every incr file but the one being written (when the AOF
    /// is on) becomes history (Redis's markRewrittenIncrAofAsHistory).
    pub fn mark_rewritten_incr_as_history(&mut self, aof_open: bool) {
        if self.incr.is_empty() {
            return;
        }
        let keep = usize::from(aof_open);
        let cut = self.incr.len() - keep.min(self.incr.len());
        let moved: Vec<AofInfo> = self.incr.drain(..cut).collect();
        for mut ai in moved {
            ai.file_type = FileType::History;
            self.history.insert(0, ai);
        }
        self.dirty = true;
    }

    /// Every file the data is loaded from, in order: the base, then the incr files.
    pub fn files_to_load(&self) -> impl Iterator<Item = &AofInfo> {
        self.base.iter().chain(self.incr.iter())
    }
}

/// Writes `text` as the manifest in `dir` atomically: temp file, fsync, rename, fsync of the
/// directory (Redis's writeAofManifestFile). On error the old manifest is untouched.
pub fn write_file(dir: &Path, aof_filename: &str, text: &str) -> std::io::Result<()> {
    let tmp = dir.join(temp_manifest_name(aof_filename));
    let dst = dir.join(manifest_name(aof_filename));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &dst)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t' | b'\r' | b'\n', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t' | b'\r' | b'\n'] = s {
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_redis_writes_and_writes_it_back() {
        let text = "file appendonly.aof.2.base.rdb seq 2 type b\n\
                    file appendonly.aof.1.base.rdb seq 1 type h\n\
                    file appendonly.aof.3.incr.aof seq 3 type i\n\
                    file appendonly.aof.4.incr.aof seq 4 type i\n";
        let am = Manifest::parse(text.as_bytes()).unwrap();
        assert_eq!(
            am.base.as_ref().unwrap().file_name,
            "appendonly.aof.2.base.rdb"
        );
        assert_eq!((am.curr_base_seq, am.curr_incr_seq), (2, 4));
        assert_eq!(am.incr.len(), 2);
        assert_eq!(am.history.len(), 1);
        assert_eq!(am.render(), text);
        let names: Vec<_> = am.files_to_load().map(|a| a.file_name.as_str()).collect();
        assert_eq!(
            names,
            [
                "appendonly.aof.2.base.rdb",
                "appendonly.aof.3.incr.aof",
                "appendonly.aof.4.incr.aof"
            ]
        );
    }

    #[test]
    fn comments_extra_keys_and_quoted_names() {
        let text = "# comment\nfile \"my file.aof.1.base.aof\" seq 1 type b newkey newvalue\n";
        let am = Manifest::parse(text.as_bytes()).unwrap();
        let base = am.base.clone().unwrap();
        assert_eq!(base.file_name, "my file.aof.1.base.aof");
        assert_eq!(
            am.render(),
            "file \"my file.aof.1.base.aof\" seq 1 type b\n"
        );
    }

    #[test]
    fn rejects_what_redis_rejects() {
        let bad = |t: &str| Manifest::parse(t.as_bytes()).unwrap_err().what;
        assert_eq!(bad(""), "Found an empty AOF manifest");
        assert_eq!(
            bad("file a seq 1 type b"),
            "The AOF manifest file contains too long line"
        );
        assert_eq!(bad("\n"), "Invalid AOF manifest file format");
        assert_eq!(bad("file a seq 1\n"), "Invalid AOF manifest file format");
        assert_eq!(
            bad("file a seq 0 type b\n"),
            "Invalid AOF manifest file format"
        );
        assert_eq!(
            bad("file dir/a seq 1 type b\n"),
            "File can't be a path, just a filename"
        );
        assert_eq!(bad("file a seq 1 type x\n"), "Unknown AOF file type");
        assert_eq!(
            bad("file a seq 1 type b\nfile b seq 2 type b\n"),
            "Found duplicate base file information"
        );
        assert_eq!(
            bad("file a seq 2 type i\nfile b seq 2 type i\n"),
            "Found a non-monotonic sequence number"
        );
        let long = format!("file {} seq 1 type b\n", "x".repeat(MAX_LINE));
        assert_eq!(bad(&long), "The AOF manifest file contains too long line");
        let e = Manifest::parse(b"file a seq 1 type x\n").unwrap_err();
        assert_eq!(e.line_no, 1);
        assert_eq!(e.line, "file a seq 1 type x");
    }

    #[test]
    fn rewrite_transitions() {
        let mut am = Manifest::default();
        assert_eq!(
            am.new_base_name("appendonly.aof", true),
            "appendonly.aof.1.base.rdb"
        );
        assert_eq!(
            am.last_incr_name("appendonly.aof"),
            "appendonly.aof.1.incr.aof"
        );
        assert_eq!(
            am.last_incr_name("appendonly.aof"),
            "appendonly.aof.1.incr.aof"
        );
        // A rewrite: the parent opens a new incr file, the child's base replaces the old one.
        assert_eq!(
            am.new_incr_name("appendonly.aof"),
            "appendonly.aof.2.incr.aof"
        );
        assert_eq!(
            am.new_base_name("appendonly.aof", false),
            "appendonly.aof.2.base.aof"
        );
        am.mark_rewritten_incr_as_history(true);
        assert_eq!(
            am.render(),
            "file appendonly.aof.2.base.aof seq 2 type b\n\
             file appendonly.aof.1.incr.aof seq 1 type h\n\
             file appendonly.aof.1.base.rdb seq 1 type h\n\
             file appendonly.aof.2.incr.aof seq 2 type i\n"
        );
        am.mark_rewritten_incr_as_history(false);
        assert!(am.incr.is_empty());
        assert_eq!(am.history.len(), 3);
    }

    #[test]
    fn atomic_write() {
        let dir = std::env::temp_dir().join(format!("rudis-manifest-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        write_file(&dir, "appendonly.aof", "file a seq 1 type b\n").unwrap();
        let back = std::fs::read(dir.join("appendonly.aof.manifest")).unwrap();
        assert_eq!(back, b"file a seq 1 type b\n");
        assert!(!dir.join("temp-appendonly.aof.manifest").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
