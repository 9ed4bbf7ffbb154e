//! Persistence: RDB snapshots (and, with issue 7, the AOF).
//!
//! Owns: the on-disk formats and when they are written and read. `rdb` is the format alone
//! (bytes in, bytes out); `snapshot` is where the file goes and how it gets there atomically
//! (SAVE, loading); `bgsave` decides when a background save runs and what its end means;
//! `child` is the forked process itself (fork, reports over a pipe, reaping).
//!
//! ```text
//!   SAVE / DEBUG RELOAD / SHUTDOWN /        BGSAVE / save point in cron
//!   FLUSHALL with save points                     |
//!        |                                        v
//!        v                                 child::fork ── child: snapshot::write_dump of its
//!   snapshot::write_dump(ks)                      |         copy-on-write view, reports CoW
//!        |                                        |         size on a pipe, _exit(0 / 1)
//!        v                                        |
//!   temp-<pid>.rdb ─ fsync ─ rename ─► dump.rdb   parent: cron reaps the child (waitpid
//!   (the same steps in either process)            WNOHANG); bgsave's done-handler records
//!                                                 success or error (MISCONF for writes)
//! ```
//!
//! Writing to a temp file and renaming means a crash mid-save never leaves a half-written
//! `dump.rdb`: the old one stays until the new one is complete and fsynced. As in Redis, the
//! BGSAVE child renames its own file; the parent only learns the outcome, and removes the
//! temp file of a child that was killed.

pub mod aof;
pub mod bgsave;
pub mod child;
pub mod rdb;
pub mod snapshot;
