//! Server commands (Redis's server.c, config.c, debug.c, ...). Skeleton.
//! (FLUSHALL, FLUSHDB and DBSIZE live with the key commands, in keys.rs.)

use super::CommandSpec;

pub const COMMANDS: &[CommandSpec] = &[];
