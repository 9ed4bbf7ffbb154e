//! Redis's RDB file format, version 10 (Redis 7.0): encoder and decoder.
//!
//! Owns: the byte format of a snapshot (Redis's `rdb.h`/`rdb.c`), both directions. It knows
//! values and bytes, never sockets, files' names, forks or clients: `persistence::snapshot`
//! decides when and where to save, replication streams the same bytes into a socket.
//!
//! | file        | role                                                                  |
//! |-------------|-----------------------------------------------------------------------|
//! | `save.rs`   | the encoder (`RdbWriter`, `save_to`), into any `Write`                |
//! | `load.rs`   | the decoder (`load_stream` from any `Read`, `load`, `load_type_and_value` for RESTORE) |
//! | `reader.rs` | the decoder's buffered input: exact offsets, CRC-64 on the fly, allocations bounded by the input |
//! | `ziplist.rs`| validation of the older ziplist and zipmap encodings it converts     |
//!
//! # Layout
//!
//! ```text
//!   "REDIS0010"                                   magic + 4-digit version
//!   FA <str name> <str value>   (repeated)        AUX: redis-ver, redis-bits, ctime, used-mem,
//!                                                      [repl-stream-db, repl-id, repl-offset],
//!                                                      aof-base
//!   FE <len db>                                   SELECTDB
//!   FB <len keys> <len keys-with-ttl>             RESIZEDB (sizing hint)
//!   [FC <i64 LE unix ms>]                         EXPIRETIME_MS of the next key
//!   [F8 <len idle seconds>] | [F9 <u8 freq>]      IDLE (LRU policies) / FREQ (LFU policies)
//!   <u8 type> <str key> <value>                   one key; type codes below
//!   ...                                           more keys, more SELECTDBs
//!   FF <u64 LE CRC-64/Jones of everything before> EOF + checksum (0 when rdbchecksum no)
//! ```
//!
//! Lengths (`<len>`) take 1, 2, 5 or 9 bytes: the top two bits of the first byte say which
//! (`00`: 6-bit value, `01`: 14-bit big-endian, `10000000`: u32 big-endian follows,
//! `10000001`: u64 big-endian follows). `11` marks a *special string encoding* instead: integers
//! stored as 1, 2 or 4 little-endian bytes (`C0`/`C1`/`C2`), or LZF (`C3 <len compressed> <len
//! original> <bytes>`). Worked example: the string `"12345"` is `C1 39 30` (3 bytes, not 6), a
//! 100-byte run of `'a'` is `C3 ...` in about 10 bytes, `"hello"` is `05 h e l l o`.
//!
//! Value type codes written (Redis 7.0's choice per encoding): string `0`; list as quicklist 2
//! `18` (each node `<len container: 1 plain, 2 packed> <str node bytes>`); set hashtable `2`
//! (count, members) or intset `11` (the intset blob as one string); zset skiplist `5` (count,
//! then member and 8-byte little-endian double, greatest first so the loader appends at the
//! head) or listpack `17`; hash hashtable `4` (count, field, value ...) or listpack `16`. The
//! loader also reads the older codes (`1`, `3`, `9`, `10`, `12`, `13`, `14`) so dumps of older
//! Redis versions load.

pub mod load;
mod reader;
pub mod save;
mod ziplist;

pub use load::{
    load, load_stream, load_stream_with_buffer, load_type_and_value, LoadError, LoadOptions, Loaded,
};
pub use save::{save_to, save_to_with, RdbWriter, SaveOptions};

/// Redis's RDB_VERSION for 7.0.
pub const RDB_VERSION: u32 = 10;

pub const TYPE_STRING: u8 = 0;
pub const TYPE_LIST: u8 = 1;
pub const TYPE_SET: u8 = 2;
pub const TYPE_ZSET: u8 = 3;
pub const TYPE_HASH: u8 = 4;
pub const TYPE_ZSET_2: u8 = 5;
pub const TYPE_MODULE: u8 = 6;
pub const TYPE_MODULE_2: u8 = 7;
pub const TYPE_HASH_ZIPMAP: u8 = 9;
pub const TYPE_LIST_ZIPLIST: u8 = 10;
pub const TYPE_SET_INTSET: u8 = 11;
pub const TYPE_ZSET_ZIPLIST: u8 = 12;
pub const TYPE_HASH_ZIPLIST: u8 = 13;
pub const TYPE_LIST_QUICKLIST: u8 = 14;
pub const TYPE_STREAM_LISTPACKS: u8 = 15;
pub const TYPE_HASH_LISTPACK: u8 = 16;
pub const TYPE_ZSET_LISTPACK: u8 = 17;
pub const TYPE_LIST_QUICKLIST_2: u8 = 18;
pub const TYPE_STREAM_LISTPACKS_2: u8 = 19;

pub const OPCODE_FUNCTION2: u8 = 245;
pub const OPCODE_FUNCTION: u8 = 246;
pub const OPCODE_MODULE_AUX: u8 = 247;
pub const OPCODE_IDLE: u8 = 248;
pub const OPCODE_FREQ: u8 = 249;
pub const OPCODE_AUX: u8 = 250;
pub const OPCODE_RESIZEDB: u8 = 251;
pub const OPCODE_EXPIRETIME_MS: u8 = 252;
pub const OPCODE_EXPIRETIME: u8 = 253;
pub const OPCODE_SELECTDB: u8 = 254;
pub const OPCODE_EOF: u8 = 255;

/// Special string encodings (after a `11xxxxxx` length byte), Redis's RDB_ENC_*.
pub const ENC_INT8: u8 = 0;
pub const ENC_INT16: u8 = 1;
pub const ENC_INT32: u8 = 2;
pub const ENC_LZF: u8 = 3;

/// Quicklist node containers in a `TYPE_LIST_QUICKLIST_2` value, Redis's
/// QUICKLIST_NODE_CONTAINER_PLAIN / _PACKED.
pub const CONTAINER_PLAIN: u64 = 1;
pub const CONTAINER_PACKED: u64 = 2;

/// 20 bytes: strings longer than this are tried with LZF when `rdbcompression yes` (Redis's
/// rdbSaveRawString: `len > 20`).
pub const LZF_MIN_LEN: usize = 20;
