//! Small pure helpers shared by every subsystem: glob matching, number
//! parsing and formatting with Redis's exact rules, bit operations.
//! Must never know about clients, sockets or the keyspace.

pub mod bits;
pub mod glob;
pub mod numeric;
pub mod sds;
