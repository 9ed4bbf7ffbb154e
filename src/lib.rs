//! rudis: a Redis server in Rust that mirrors Redis's internals.
//!
//! Where things live (as in Redis's sources):
//!
//! | module        | Redis file            | owns                                        |
//! |---------------|-----------------------|---------------------------------------------|
//! | `server`      | server.c              | the Server, event loop, cron, shutdown      |
//! | `reactor`     | ae.c                  | mio Poll, tokens, the wait                  |
//! | `networking`  | networking.c, anet.c  | listen, accept, read, execute, write, close |
//! | `client`      | (client struct)       | one connection's buffers and state          |
//! | `blocked`     | blocked.c, timeout.c  | clients blocked on keys, their timeouts     |
//! | `pause`       | networking.c          | CLIENT PAUSE and the other pauses, postponed|
//! | `shutdown`    | server.c              | a shutdown waiting for lagging replicas     |
//! | `resp`        | networking.c          | request parser, reply encoders              |
//! | `commands`    | server.c, t_*.c, ...  | command table, dispatch, one file a family  |
//! | `db`          | db.c, expire.c, dict.c| keyspace, expiry, values and encodings      |
//! | `config`      | config.c              | directive table, redis.conf, CONFIG         |
//! | `log`         | server.c serverLog    | log lines in Redis's format                 |
//! | `slowlog`     | slowlog.c             | the slow log                                |
//! | `multi`       | multi.c               | MULTI queue, WATCH and its invalidation     |
//! | `evict`       | evict.c               | eviction of keys under maxmemory            |
//! | `pubsub`      | pubsub.c, notify.c    | subscribers, messages, keyspace events      |
//! | `replication` | replication.c         | replid, offsets, backlog, master and replica|
//! | `util`        | util.c                | glob, number parsing/formatting, bits       |
//! | `alloc`       | zmalloc.c             | counting allocator (INFO used_memory)       |

pub mod alloc;
pub mod blocked;
pub mod client;
pub mod commands;
pub mod config;
pub mod daemon;
pub mod db;
pub mod evict;
pub mod log;
pub mod multi;
pub mod networking;
pub mod pause;
pub mod persistence;
pub mod pubsub;
pub mod reactor;
pub mod replication;
pub mod resp;
pub mod server;
pub mod shutdown;
pub mod slowlog;
pub mod util;
