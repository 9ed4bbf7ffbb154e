//! Replication, replica side, as a user sees it. `replica_*` tests: rudis as the replica of a real
//! `redis-server` 7.0 master (full sync of every type and TTL, following writes, READONLY,
//! partial resync after `CLIENT KILL TYPE master`, after a short link cut and after a
//! restart, full resync when a long cut overruns the backlog, REPLICAOF NO ONE), with data
//! compared by DEBUG DIGEST on both sides.

mod common;

use common::{wait_for, wait_until, Proxy, TestServer};
use std::path::Path;
use std::time::Duration;

const REDIS: &str = "/usr/bin/redis-server";
const SYNC_TIMEOUT: Duration = Duration::from_secs(20);

fn have_redis() -> bool {
    Path::new(REDIS).exists()
}

/// A real Redis master with DEBUG on; `extra` are more `--name value` arguments.
fn redis_master(extra: &[&str]) -> TestServer {
    TestServer::builder()
        .binary(REDIS)
        .enable_debug()
        .args(["--repl-diskless-sync-delay", "0"])
        .args(extra.iter().copied())
        .start()
}

/// A rudis replica of `port` with DEBUG on.
fn rudis_replica(port: u16, extra: &[&str]) -> TestServer {
    TestServer::builder()
        .enable_debug()
        .replica_of(port)
        .args(extra.iter().copied())
        .start()
}

fn digest(s: &TestServer) -> String {
    s.client().cmd(&["DEBUG", "DIGEST"]).as_str().to_owned()
}

fn info_field(s: &TestServer, section: &str, field: &str) -> String {
    s.client().info_field(section, field).unwrap_or_default()
}

fn stat(s: &TestServer, field: &str) -> i64 {
    info_field(s, "stats", field).parse().unwrap_or(-1)
}

/// Waits until both have the same offset and the same data.
fn assert_converged(master: &TestServer, replica: &TestServer) {
    common::wait_for_ofs_sync(master, replica, SYNC_TIMEOUT);
    let (m, r) = (digest(master), digest(replica));
    assert_eq!(m, r, "DEBUG DIGEST differs between master and replica");
    assert_ne!(m, "0".repeat(40), "the data set should not be empty");
}

#[test]
fn replica_full_sync_of_every_type_and_ttl_from_redis() {
    if !have_redis() {
        return;
    }
    // Disk-based master: the RDB comes as `$<len>`.
    let master = redis_master(&["--repl-diskless-sync", "no"]);
    common::dataset::fill_every_type(&mut master.client(), "");
    let replica = rudis_replica(master.port(), &[]);
    replica.wait_for_sync(SYNC_TIMEOUT);
    assert_converged(&master, &replica);
    let mut r = replica.client();
    let ttl = r.cmd(&["PTTL", "s"]).as_int();
    assert!(ttl > 99_000_000 && ttl <= 100_000_000, "PTTL {ttl}");
    assert!(r.cmd(&["TTL", "h"]).as_int() > 4990);
    assert_eq!(r.cmd(&["OBJECT", "ENCODING", "bigz"]).as_str(), "skiplist");
    assert_eq!(r.cmd(&["OBJECT", "ENCODING", "si"]).as_str(), "intset");
    let log = replica.log();
    assert!(log.contains("MASTER <-> REPLICA sync: receiving"), "{log}");
    assert!(log.contains("to disk"));
    assert!(log.contains("MASTER <-> REPLICA sync: Finished with success"));
    assert_eq!(stat(&master, "sync_full"), 1);
    // The RDB received replaced dbfilename in dir.
    assert!(replica.dir().join("dump.rdb").exists());
}

#[test]
fn replica_diskless_master_and_diskless_load() {
    if !have_redis() {
        return;
    }
    // Diskless master: the RDB comes as `$EOF:<mark>`; the replica parses from memory.
    let master = redis_master(&["--repl-diskless-sync", "yes"]);
    common::dataset::fill_every_type(&mut master.client(), "");
    let replica = rudis_replica(master.port(), &["--repl-diskless-load", "swapdb"]);
    replica.wait_for_sync(SYNC_TIMEOUT);
    assert_converged(&master, &replica);
    let log = replica.log();
    assert!(
        log.contains("receiving streamed RDB from master with EOF to parser"),
        "{log}"
    );
    assert!(log.contains("Swapping active DB with loaded DB"));
    // The master put us online after our first ACK and streams on.
    master.client().cmd(&["SET", "after", "sync"]);
    assert_converged(&master, &replica);
    assert_eq!(replica.client().cmd(&["GET", "after"]).as_str(), "sync");
    // on-empty-db loads from memory only when the replica has no keys.
    let other = rudis_replica(master.port(), &["--repl-diskless-load", "on-empty-db"]);
    other.wait_for_sync(SYNC_TIMEOUT);
    assert_converged(&master, &other);
    assert!(other.log().contains("with EOF to parser"));
}

#[test]
fn replica_follows_writes_refuses_its_own_and_reports_role() {
    if !have_redis() {
        return;
    }
    let master = redis_master(&[]);
    let replica = rudis_replica(master.port(), &[]);
    replica.wait_for_sync(SYNC_TIMEOUT);
    let mut m = master.client();
    common::dataset::fill_every_type(&mut m, "w");
    m.cmd(&["MULTI"]);
    m.cmd(&["INCR", "counter"]);
    m.cmd(&["LPUSH", "lw", "x"]);
    m.cmd(&["EXEC"]);
    m.cmd(&["SELECT", "3"]);
    m.cmd(&["SET", "in3", "v"]);
    assert_converged(&master, &replica);
    let mut r = replica.client();
    assert_eq!(r.cmd(&["GET", "counter"]).as_str(), "1");
    r.cmd(&["SELECT", "3"]);
    assert_eq!(r.cmd(&["GET", "in3"]).as_str(), "v");
    r.cmd(&["SET", "x", "y"])
        .assert_err_prefix("READONLY You can't write against a read only replica.");
    // Reads and admin commands still work.
    assert!(!r.cmd(&["DBSIZE"]).is_error());
    let role = r.cmd(&["ROLE"]);
    let role = role.as_array();
    assert_eq!(role[0].as_str(), "slave");
    assert_eq!(role[1].as_str(), "127.0.0.1");
    assert_eq!(role[2].as_int(), master.port() as i64);
    assert_eq!(role[3].as_str(), "connected");
    let off = info_field(&replica, "replication", "slave_repl_offset");
    assert_eq!(role[4].as_int().to_string(), off);
    assert_eq!(info_field(&replica, "replication", "role"), "slave");
    assert_eq!(
        info_field(&replica, "replication", "master_link_status"),
        "up"
    );
    // The master sees our ACKed offset.
    let master_off = info_field(&master, "replication", "master_repl_offset");
    wait_for(SYNC_TIMEOUT, "the master to see our ACK", || {
        info_field(&master, "replication", "slave0").contains(&format!("offset={master_off}"))
    });
    // WAIT makes the master ask REPLCONF GETACK; our ACK answers it.
    m.cmd(&["SET", "waited", "1"]);
    assert_eq!(m.cmd(&["WAIT", "1", "5000"]).as_int(), 1);
    // REPLICAOF to the same master is a no-op.
    let port = master.port().to_string();
    assert_eq!(
        r.cmd(&["REPLICAOF", "127.0.0.1", &port]).as_str(),
        "OK Already connected to specified master"
    );
    r.cmd(&["REPLICAOF", "127.0.0.1", "70000"])
        .assert_err_prefix("ERR Invalid master port");
}

#[test]
fn replica_keys_past_their_ttl_wait_for_the_masters_del() {
    if !have_redis() {
        return;
    }
    let master = redis_master(&[]);
    let replica = rudis_replica(master.port(), &[]);
    replica.wait_for_sync(SYNC_TIMEOUT);
    let mut m = master.client();
    // Freeze the master's expiry so the key outlives its TTL there.
    m.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    m.cmd(&["SET", "k", "v", "PX", "100"]);
    assert_converged(&master, &replica);
    std::thread::sleep(Duration::from_millis(300));
    let mut r = replica.client();
    // Hidden on read, but still stored: only the master's DEL removes it.
    assert!(r.cmd(&["GET", "k"]).is_nil());
    assert_eq!(r.cmd(&["DBSIZE"]).as_int(), 1);
    // The master's lazy expiry propagates DEL.
    assert!(m.cmd(&["GET", "k"]).is_nil());
    wait_for(SYNC_TIMEOUT, "the DEL to arrive", || {
        r.cmd(&["DBSIZE"]).as_int() == 0
    });
}

#[test]
fn replica_client_kill_master_resyncs_partially() {
    if !have_redis() {
        return;
    }
    let master = redis_master(&[]);
    common::dataset::fill_every_type(&mut master.client(), "");
    let replica = rudis_replica(master.port(), &[]);
    replica.wait_for_sync(SYNC_TIMEOUT);
    assert_converged(&master, &replica);
    replica.client().cmd(&["CLIENT", "KILL", "TYPE", "master"]);
    master.client().cmd(&["SET", "during", "kill"]);
    wait_for(SYNC_TIMEOUT, "a partial resync", || {
        stat(&master, "sync_partial_ok") == 1
    });
    replica.wait_for_sync(SYNC_TIMEOUT);
    master.client().cmd(&["SET", "after", "kill"]);
    assert_converged(&master, &replica);
    assert_eq!(stat(&master, "sync_full"), 1);
    let log = replica.log();
    assert!(log.contains("Caching the disconnected master state."));
    assert!(log.contains("Trying a partial resynchronization (request"));
    assert!(log.contains("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization."));
}

#[test]
fn replica_short_cut_resyncs_partially_long_cut_fully() {
    if !have_redis() {
        return;
    }
    let master = redis_master(&["--repl-backlog-size", "16384"]);
    let proxy = Proxy::new(master.port());
    common::dataset::fill_every_type(&mut master.client(), "");
    let replica = rudis_replica(proxy.port(), &[]);
    replica.wait_for_sync(SYNC_TIMEOUT);
    assert_converged(&master, &replica);

    // Short cut: a few writes fit the 16 KiB backlog.
    proxy.cut();
    wait_for(SYNC_TIMEOUT, "the replica to see the link down", || {
        info_field(&replica, "replication", "master_link_status") == "down"
    });
    let mut m = master.client();
    for i in 0..20 {
        m.cmd(&["SET", &format!("cut1-{i}"), "v"]);
    }
    proxy.heal();
    wait_for(SYNC_TIMEOUT, "a partial resync", || {
        stat(&master, "sync_partial_ok") == 1
    });
    assert_converged(&master, &replica);
    assert_eq!(stat(&master, "sync_full"), 1);

    // Long cut: 200 KB of writes overrun the backlog, so a full resync follows.
    proxy.cut();
    wait_for(SYNC_TIMEOUT, "the replica to see the link down", || {
        info_field(&replica, "replication", "master_link_status") == "down"
    });
    let big = "x".repeat(1000);
    for i in 0..200 {
        m.cmd(&["SET", &format!("cut2-{i}"), &big]);
    }
    proxy.heal();
    wait_for(SYNC_TIMEOUT, "a full resync", || {
        stat(&master, "sync_full") == 2
    });
    replica.wait_for_sync(SYNC_TIMEOUT);
    assert_converged(&master, &replica);
    assert_eq!(
        replica.client().cmd(&["DBSIZE"]).as_int(),
        master.client().cmd(&["DBSIZE"]).as_int()
    );
}

#[test]
fn replica_silent_master_times_out_and_resyncs_partially() {
    if !have_redis() {
        return;
    }
    let master = redis_master(&["--repl-ping-replica-period", "1"]);
    let proxy = Proxy::new(master.port());
    let replica = rudis_replica(proxy.port(), &["--repl-timeout", "2"]);
    replica.wait_for_sync(SYNC_TIMEOUT);
    master.client().cmd(&["SET", "a", "1"]);
    assert_converged(&master, &replica);
    let mark = replica.log_mark();
    proxy.pause();
    replica.wait_for_log_from(
        mark,
        "MASTER timeout: no data nor PING received...",
        SYNC_TIMEOUT,
    );
    proxy.resume();
    wait_for(SYNC_TIMEOUT, "a partial resync", || {
        stat(&master, "sync_partial_ok") >= 1
    });
    master.client().cmd(&["SET", "b", "2"]);
    assert_converged(&master, &replica);
}

#[test]
fn replica_of_no_one_promotes_keeping_data_and_history() {
    if !have_redis() {
        return;
    }
    let master = redis_master(&[]);
    common::dataset::fill_every_type(&mut master.client(), "");
    let replica = rudis_replica(master.port(), &[]);
    replica.wait_for_sync(SYNC_TIMEOUT);
    assert_converged(&master, &replica);
    let old_id = info_field(&replica, "replication", "master_replid");
    let off: i64 = info_field(&replica, "replication", "master_repl_offset")
        .parse()
        .unwrap();
    let before = digest(&replica);
    let mut r = replica.client();
    r.cmd(&["REPLICAOF", "NO", "ONE"]).assert_ok();
    assert_eq!(info_field(&replica, "replication", "role"), "master");
    assert_eq!(
        info_field(&replica, "replication", "master_replid2"),
        old_id
    );
    assert_ne!(info_field(&replica, "replication", "master_replid"), old_id);
    assert_eq!(
        info_field(&replica, "replication", "second_repl_offset"),
        (off + 1).to_string()
    );
    assert_eq!(digest(&replica), before);
    r.cmd(&["SET", "mine", "1"]).assert_ok();
    assert_eq!(r.cmd(&["ROLE"]).as_array()[0].as_str(), "master");
    assert!(replica
        .log()
        .contains("MASTER MODE enabled (user request from 'id="));
    // And back: the old master shares our history up to `off`, so it continues partially.
    let port = master.port().to_string();
    master.client().cmd(&["SET", "x", "1"]);
    r.cmd(&["REPLICAOF", "127.0.0.1", &port]).assert_ok();
    replica.wait_for_sync(SYNC_TIMEOUT);
    assert_converged(&master, &replica);
}

#[test]
fn replica_restart_resyncs_partially_from_its_rdb() {
    if !have_redis() {
        return;
    }
    let master = redis_master(&[]);
    common::dataset::fill_every_type(&mut master.client(), "");
    let mut replica = rudis_replica(master.port(), &[]);
    replica.wait_for_sync(SYNC_TIMEOUT);
    assert_converged(&master, &replica);
    replica.client().cmd(&["SAVE"]).assert_ok();
    replica.kill9();
    replica.start_again().expect("replica restarts");
    replica.wait_for_sync(SYNC_TIMEOUT);
    assert_eq!(stat(&master, "sync_partial_ok"), 1, "{}", replica.log());
    assert_eq!(stat(&master, "sync_full"), 1);
    master.client().cmd(&["SET", "after", "restart"]);
    assert_converged(&master, &replica);
}

#[test]
fn replica_stale_data_refused_when_link_down_and_serve_stale_data_no() {
    if !have_redis() {
        return;
    }
    let mut master = redis_master(&[]);
    let replica = rudis_replica(master.port(), &["--replica-serve-stale-data", "no"]);
    replica.wait_for_sync(SYNC_TIMEOUT);
    let mut r = replica.client();
    assert!(!r.cmd(&["GET", "k"]).is_error());
    master.kill9();
    assert!(wait_until(SYNC_TIMEOUT, || {
        info_field(&replica, "replication", "master_link_status") == "down"
    }));
    r.cmd(&["GET", "k"]).assert_err_prefix(
        "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
    );
    // STALE commands still run; PING is not one in Redis 7.0.
    assert!(!r.cmd(&["INFO", "replication"]).is_error());
    r.cmd(&["PING"]).assert_err_prefix("MASTERDOWN");
    let role = r.cmd(&["ROLE"]);
    assert_ne!(role.as_array()[3].as_str(), "connected");
    assert_eq!(role.as_array()[4].as_int(), -1);
}

#[test]
fn replica_of_unblocks_blocked_clients_with_an_error() {
    if !have_redis() {
        return;
    }
    let master = redis_master(&[]);
    let server = TestServer::builder().enable_debug().start();
    let mut blocked = server.client();
    blocked.send(&["BLPOP", "nolist", "0"]);
    wait_for(SYNC_TIMEOUT, "the client to block", || {
        info_field(&server, "clients", "blocked_clients") == "1"
    });
    let port = master.port().to_string();
    server
        .client()
        .cmd(&["REPLICAOF", "127.0.0.1", &port])
        .assert_ok();
    blocked.read_reply().assert_err_prefix(
        "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)",
    );
    server.wait_for_sync(SYNC_TIMEOUT);
    assert_eq!(info_field(&server, "replication", "role"), "slave");
}

#[test]
fn replica_logs_an_error_reply_to_its_master_as_critical() {
    if !have_redis() {
        return;
    }
    let master = redis_master(&[]);
    let replica = rudis_replica(master.port(), &[]);
    replica.wait_for_sync(SYNC_TIMEOUT);
    let mut m = master.client();
    m.cmd(&["DEBUG", "REPLICATE", "fake-command-1"]);
    m.cmd(&["SET", "foo", "bar"]);
    assert_converged(&master, &replica);
    let line = replica.wait_for_log(
        "== CRITICAL == This replica is sending an error to its master",
        SYNC_TIMEOUT,
    );
    assert!(line.contains("fake-command-1"), "{line}");
    assert!(
        line.contains("after processing the command '<unknown>'"),
        "{line}"
    );
    // The link stays up and the stream goes on.
    assert_eq!(replica.client().cmd(&["GET", "foo"]).as_str(), "bar");
}

#[test]
fn replica_writable_expires_its_own_ttls_but_not_the_masters() {
    if !have_redis() {
        return;
    }
    let master = redis_master(&[]);
    let replica = rudis_replica(master.port(), &[]);
    replica.wait_for_sync(SYNC_TIMEOUT);
    let mut m = master.client();
    m.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    m.cmd(&["SET", "masters", "v", "PX", "100"]);
    assert_converged(&master, &replica);
    let mut r = replica.client();
    r.cmd(&["CONFIG", "SET", "replica-read-only", "no"])
        .assert_ok();
    r.cmd(&["SET", "mine", "v", "PX", "100"]).assert_ok();
    assert_eq!(r.cmd(&["DBSIZE"]).as_int(), 2);
    // Our own key goes within a cron second; the master's stays (hidden) for its DEL.
    wait_for(SYNC_TIMEOUT, "the replica's own key to expire", || {
        r.cmd(&["DBSIZE"]).as_int() == 1
    });
    assert!(r.cmd(&["GET", "masters"]).is_nil());
}

#[test]
fn replica_switching_to_a_sibling_continues_partially_even_before_any_write() {
    if !have_redis() {
        return;
    }
    // Nothing written yet: the replicas' backlogs must exist from the end of their sync,
    // not from the first stream byte, for a sibling to continue from them.
    let master = redis_master(&[]);
    let a = rudis_replica(master.port(), &[]);
    let b = rudis_replica(master.port(), &[]);
    a.wait_for_sync(SYNC_TIMEOUT);
    b.wait_for_sync(SYNC_TIMEOUT);
    assert_eq!(
        info_field(&a, "replication", "repl_backlog_active"),
        "1",
        "a synced replica keeps a backlog"
    );
    let mut bc = b.client();
    bc.cmd(&["REPLICAOF", "127.0.0.1", &a.port().to_string()])
        .assert_ok();
    common::wait_for(SYNC_TIMEOUT, "B's link to A up", || {
        info_field(&b, "replication", "master_link_status") == "up"
    });
    assert_eq!(stat(&a, "sync_full"), 0, "A served B without a full sync");
    assert_eq!(stat(&a, "sync_partial_ok"), 1);
    let mut m = master.client();
    common::dataset::fill_every_type(&mut m, "x");
    assert_converged(&master, &a);
    assert_converged(&a, &b);
}

#[test]
fn replica_full_sync_from_a_new_master_restarts_its_backlog_at_the_new_offset() {
    if !have_redis() {
        return;
    }
    let m1 = redis_master(&[]);
    let mut c1 = m1.client();
    common::dataset::fill_every_type(&mut c1, "one");
    let a = rudis_replica(m1.port(), &[]);
    // A master without replicas yet is at offset 0 like a new replica: wait for the sync.
    a.wait_for_sync(SYNC_TIMEOUT);
    assert_converged(&m1, &a);
    let m2 = redis_master(&[]);
    let mut c2 = m2.client();
    c2.cmd(&["SET", "only-on-two", "1"]);
    let mut ac = a.client();
    ac.cmd(&["REPLICAOF", "127.0.0.1", &m2.port().to_string()])
        .assert_ok();
    common::wait_for(SYNC_TIMEOUT, "A synced with M2", || {
        info_field(&a, "replication", "master_link_status") == "up"
            && info_field(&m2, "replication", "connected_slaves") == "1"
    });
    assert_converged(&m2, &a);
    let off: i64 = info_field(&a, "replication", "master_repl_offset")
        .parse()
        .expect("offset");
    let first: i64 = info_field(&a, "replication", "repl_backlog_first_byte_offset")
        .parse()
        .expect("first byte");
    let histlen: i64 = info_field(&a, "replication", "repl_backlog_histlen")
        .parse()
        .expect("histlen");
    assert_eq!(first + histlen - 1, off, "the backlog ends at the offset");
    // A sub-replica of A gets M2's data set, and follows M2's writes through A.
    let s = rudis_replica(a.port(), &[]);
    s.wait_for_sync(SYNC_TIMEOUT);
    c2.cmd(&["SET", "later", "2"]);
    assert_converged(&m2, &a);
    assert_converged(&a, &s);
}

#[test]
fn replica_diskless_load_answers_loading_until_the_new_data_set_is_in() {
    if !have_redis() {
        return;
    }
    let master = redis_master(&[]);
    let mut m = master.client();
    m.cmd(&["DEBUG", "POPULATE", "200", "k", "20000"]);
    m.cmd(&["CONFIG", "SET", "rdbcompression", "no"]);
    // 5 ms per 20 KB key: the 4 MB payload takes about a second to arrive, in pieces.
    m.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "5000"]);
    let replica = TestServer::builder()
        .enable_debug()
        .args(["--repl-diskless-load", "swapdb"])
        .start();
    let mut r = replica.client();
    r.cmd(&["SET", "mine", "1"]);
    r.cmd(&["REPLICAOF", "127.0.0.1", &master.port().to_string()])
        .assert_ok();
    common::wait_for(SYNC_TIMEOUT, "the load to start", || {
        info_field(&replica, "persistence", "loading") == "1"
    });
    assert_eq!(info_field(&replica, "persistence", "async_loading"), "0");
    r.cmd(&["GET", "mine"])
        .assert_err_prefix("LOADING Redis is loading the dataset in memory");
    // As in Redis, only commands flagged `loading` run (INFO did above); PING does not.
    r.cmd(&["PING"]).assert_err_prefix("LOADING");
    assert_eq!(r.cmd(&["CONFIG", "GET", "maxmemory"]).as_array().len(), 2);
    replica.wait_for_sync(SYNC_TIMEOUT);
    assert_eq!(info_field(&replica, "persistence", "loading"), "0");
    assert_eq!(r.cmd(&["DBSIZE"]).as_int(), 200);
    assert!(r.cmd(&["GET", "mine"]).is_nil());
    assert!(replica
        .log()
        .contains("MASTER <-> REPLICA sync: Loading DB in memory"));
}
