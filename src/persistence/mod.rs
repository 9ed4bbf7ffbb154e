//! Persistence: RDB snapshots (and, with issue 7, the AOF).
//!
//! Owns: the on-disk formats and when they are written and read. `rdb` is the format alone
//! (bytes in, bytes out); `snapshot` decides when to save, where the file goes and how it gets
//! there atomically.
//!
//! ```text
//!   SAVE / DEBUG RELOAD / SHUTDOWN          BGSAVE / save point in cron
//!        |                                        |
//!        v                                        v
//!   rdb::save_to(ks, file)                 fork() ── child: rdb::save_to(its copy-on-write
//!        |                                        |          view, temp-<pid>.rdb), fsync,
//!        v                                        |          exit 0 / 1
//!   temp-<pid>.rdb ─ fsync ─ rename ─► dump.rdb   parent: cron reaps the child (waitpid
//!                                                 WNOHANG); on success renames temp over
//!                                                 dump.rdb, on failure keeps the old dump
//! ```
//!
//! Writing to a temp file and renaming means a crash mid-save never leaves a half-written
//! `dump.rdb`: the old one stays until the new one is complete and fsynced.

pub mod aof;
pub mod rdb;
pub mod snapshot;
