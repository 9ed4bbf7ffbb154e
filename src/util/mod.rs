//! Small pure helpers shared by every subsystem: glob matching, LZF, number
//! parsing and formatting with Redis's exact rules, bit operations.
//! Must never know about clients, sockets or the keyspace.

pub mod bits;
pub mod glob;
pub mod lzf;
pub mod numeric;
pub mod sds;
