//! Replication as a user sees it. Master-side tests (`master_*`): rudis is the master and a
//! real `redis-server` 7.0 is its replica: full sync (diskless and disk-based) of every type
//! and TTL, the stream that follows (identical DEBUG DIGEST and offsets), partial resync
//! after `CLIENT KILL TYPE master`, full resync once the backlog is overrun during a link
//! cut, WAIT, INFO's replication fields, min-replicas-to-write.

mod common;

use std::time::Duration;

use common::{wait_for, wait_for_ofs_sync, Client, Proxy, Reply, TestServer};

const SYNC_TIMEOUT: Duration = Duration::from_secs(20);

fn real_redis() -> Option<&'static str> {
    let p = "/usr/bin/redis-server";
    std::path::Path::new(p).exists().then_some(p)
}

fn digest(c: &mut Client) -> String {
    c.cmd(&["DEBUG", "DIGEST"]).as_str().to_owned()
}

fn info(c: &mut Client, section: &str, field: &str) -> String {
    c.info_field(section, field).unwrap_or_default()
}

fn rudis_master(extra: &[&str]) -> TestServer {
    TestServer::builder()
        .enable_debug()
        .args(["--repl-diskless-sync-delay", "0"])
        .args(extra.iter().copied())
        .start()
}

fn real_replica_of(port: u16) -> TestServer {
    let redis = real_redis().expect("checked by the caller");
    TestServer::builder()
        .binary(redis)
        .enable_debug()
        .replica_of(port)
        .start_timeout(Duration::from_secs(20))
        .start()
}

/// Waits for the replica to be synced and to have processed the master's whole stream, then
/// asserts the datasets are identical.
#[track_caller]
fn assert_converged(master: &TestServer, replica: &TestServer) {
    replica.wait_for_sync(SYNC_TIMEOUT);
    let mut m = master.client();
    wait_for(SYNC_TIMEOUT, "the master to see its replica online", || {
        info(&mut m, "replication", "slave0").contains("state=online")
    });
    wait_for_ofs_sync(master, replica, SYNC_TIMEOUT);
    let mut r = replica.client();
    assert_eq!(digest(&mut m), digest(&mut r), "datasets differ");
}

macro_rules! need_redis {
    () => {
        if real_redis().is_none() {
            eprintln!("skipping: no /usr/bin/redis-server (scripts/test installs it)");
            return;
        }
    };
}

#[test]
fn master_real_replica_full_sync_diskless_then_follows_the_stream() {
    need_redis!();
    let master = rudis_master(&[]);
    let mut m = master.client();
    common::dataset::fill_every_type(&mut m, "a");
    let replica = real_replica_of(master.port());
    assert_converged(&master, &replica);
    assert_eq!(info(&mut m, "stats", "sync_full"), "1");
    assert!(master
        .log()
        .contains("Starting BGSAVE for SYNC with target: replicas sockets"));
    // The stream: writes in two databases, a transaction, rewritten commands, expiries.
    common::dataset::fill_every_type(&mut m, "b");
    m.cmd(&["MULTI"]);
    m.cmd(&["INCR", "n"]);
    m.cmd(&["LPUSH", "l", "x"]);
    m.cmd(&["EXEC"]);
    m.cmd(&["SPOP", "ssa"]);
    m.cmd(&["SET", "gone", "1", "PX", "30"]);
    m.cmd(&["EXPIRE", "sa", "0"]);
    std::thread::sleep(Duration::from_millis(200));
    m.cmd(&["GET", "gone"]);
    assert_converged(&master, &replica);
    let mut r = replica.client();
    assert_eq!(r.cmd(&["EXISTS", "gone"]), 0i64);
    // A DEL reached the replica: it no longer even holds the key logically expired.
    assert_eq!(
        r.cmd(&["DBSIZE"]).as_int(),
        m.cmd(&["DBSIZE"]).as_int(),
        "expired keys are propagated as DEL"
    );
    // INFO replication on the master.
    let repl = m.info("replication");
    assert_eq!(repl["role"], "master");
    assert_eq!(repl["connected_slaves"], "1");
    let line = &repl["slave0"];
    assert!(
        line.starts_with(&format!(
            "ip=127.0.0.1,port={},state=online,offset=",
            replica.port()
        )),
        "{line}"
    );
    assert_eq!(repl["repl_backlog_active"], "1");
    assert_eq!(repl["repl_backlog_first_byte_offset"], "1");
    assert_eq!(repl["repl_backlog_histlen"], repl["master_repl_offset"]);
    assert!(repl.contains_key("repl_stream_bytes_per_sec"));
    assert!(repl.contains_key("repl_backlog_coverage_sec"));
    // ROLE lists the replica with its acknowledged offset.
    let role = m.cmd(&["ROLE"]);
    let text = format!("{role:?}");
    assert!(text.contains("master"), "{text}");
    assert!(text.contains(&replica.port().to_string()), "{text}");
    // CLIENT LIST shows the replica with flags=S.
    let list = m.cmd(&["CLIENT", "LIST"]);
    assert!(list.as_str().contains("flags=S"), "{}", list.as_str());
}

#[test]
fn master_real_replica_full_sync_disk_based() {
    need_redis!();
    let master = rudis_master(&["--repl-diskless-sync", "no"]);
    let mut m = master.client();
    common::dataset::fill_every_type(&mut m, "a");
    let replica = real_replica_of(master.port());
    assert_converged(&master, &replica);
    assert!(master
        .log()
        .contains("Starting BGSAVE for SYNC with target: disk"));
    common::dataset::fill_every_type(&mut m, "b");
    assert_converged(&master, &replica);
}

#[test]
fn master_partial_resync_after_client_kill_master() {
    need_redis!();
    let master = rudis_master(&[]);
    let mut m = master.client();
    common::dataset::fill_every_type(&mut m, "a");
    let replica = real_replica_of(master.port());
    assert_converged(&master, &replica);
    let mut r = replica.client();
    r.cmd(&["CLIENT", "KILL", "TYPE", "master"]);
    common::dataset::fill_every_type(&mut m, "b");
    wait_for(SYNC_TIMEOUT, "sync_partial_ok", || {
        info(&mut m, "stats", "sync_partial_ok") == "1"
    });
    assert_converged(&master, &replica);
    assert_eq!(info(&mut m, "stats", "sync_full"), "1");
    assert!(master
        .log()
        .contains("Partial resynchronization request from 127.0.0.1:"));
}

#[test]
fn master_backlog_overrun_during_a_cut_forces_a_full_resync() {
    need_redis!();
    let master = rudis_master(&["--repl-backlog-size", "16384"]);
    let proxy = Proxy::new(master.port());
    let mut m = master.client();
    common::dataset::fill_every_type(&mut m, "a");
    let replica = real_replica_of(proxy.port());
    assert_converged(&master, &replica);
    proxy.cut();
    wait_for(SYNC_TIMEOUT, "the link drops", || {
        info(&mut m, "replication", "connected_slaves") == "0"
    });
    // Far more than the 16 KiB backlog while the link is down.
    for i in 0..400 {
        m.cmd(&["SET", &format!("k{i}"), &"v".repeat(100)]);
    }
    // The master says, before the replica is back, that it will need a full resync.
    master.wait_for_log(
        "will need a full resync when it returns",
        Duration::from_secs(5),
    );
    proxy.heal();
    wait_for(SYNC_TIMEOUT, "a second full sync", || {
        info(&mut m, "stats", "sync_full") == "2"
    });
    assert_converged(&master, &replica);
    assert!(master.log().contains("for lack of backlog"));
    assert!(master.log().contains("raise repl-backlog-size"));
}

#[test]
fn master_wait_counts_acknowledging_replicas() {
    need_redis!();
    let master = rudis_master(&[]);
    let mut m = master.client();
    assert_eq!(m.cmd(&["WAIT", "0", "0"]), 0i64);
    let replica = real_replica_of(master.port());
    replica.wait_for_sync(SYNC_TIMEOUT);
    m.cmd(&["SET", "x", "1"]);
    assert_eq!(m.cmd(&["WAIT", "1", "5000"]), 1i64);
    let t = std::time::Instant::now();
    assert_eq!(m.cmd(&["WAIT", "2", "300"]), 1i64);
    assert!(
        t.elapsed() >= Duration::from_millis(250),
        "{:?}",
        t.elapsed()
    );
    assert!(m.cmd(&["WAIT", "x", "1"]).is_error());
}

#[test]
fn master_min_replicas_to_write() {
    need_redis!();
    let master = rudis_master(&[]);
    let mut m = master.client();
    m.cmd(&["CONFIG", "SET", "min-replicas-to-write", "1"]);
    m.cmd(&["CONFIG", "SET", "min-replicas-max-lag", "10"]);
    assert_eq!(
        m.cmd(&["SET", "a", "1"]),
        Reply::Error("NOREPLICAS Not enough good replicas to write.".into())
    );
    assert_eq!(info(&mut m, "replication", "min_slaves_good_slaves"), "0");
    let replica = real_replica_of(master.port());
    replica.wait_for_sync(SYNC_TIMEOUT);
    wait_for(SYNC_TIMEOUT, "a good replica", || {
        info(&mut m, "replication", "min_slaves_good_slaves") == "1"
    });
    assert_eq!(m.cmd(&["SET", "a", "1"]), "OK");
    assert_eq!(m.cmd(&["GET", "a"]), "1");
}

#[test]
fn master_restart_from_its_rdb_lets_replicas_continue_partially() {
    need_redis!();
    let mut master = rudis_master(&["--save", "3600 1"]);
    let mut m = master.client();
    common::dataset::fill_every_type(&mut m, "a");
    let replica = real_replica_of(master.port());
    assert_converged(&master, &replica);
    let replid = info(&mut m, "replication", "master_replid");
    let offset: i64 = info(&mut m, "replication", "master_repl_offset")
        .parse()
        .expect("an offset");
    drop(m);
    // SIGTERM: the dump is saved with repl-id and repl-offset. The shutdown first waits for
    // the replica's acknowledgement; when its last once-a-second ACK is older than the last
    // write, the REPLCONF GETACK it is asked with adds to the offset (as in Redis 7.0).
    master.restart();
    let mut m = master.client();
    assert_eq!(info(&mut m, "replication", "master_replid2"), replid);
    let saved: i64 = info(&mut m, "replication", "master_repl_offset")
        .parse()
        .expect("an offset");
    let getack = b"*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n".len() as i64;
    assert!(
        saved == offset || saved == offset + getack,
        "saved offset {saved}, offset before the restart {offset}"
    );
    assert_eq!(
        info(&mut m, "replication", "second_repl_offset"),
        (saved + 1).to_string()
    );
    wait_for(SYNC_TIMEOUT, "the replica continues partially", || {
        info(&mut m, "stats", "sync_partial_ok") == "1"
    });
    assert_eq!(info(&mut m, "stats", "sync_full"), "0");
    common::dataset::fill_every_type(&mut m, "b");
    assert_converged(&master, &replica);
}

#[test]
fn master_restart_sends_dels_for_keys_that_expired_while_it_was_down() {
    need_redis!();
    let mut master = rudis_master(&["--save", "3600 1"]);
    let mut m = master.client();
    // No active expiry on the master: the keys are still in its dump when it stops.
    m.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    common::dataset::fill_every_type(&mut m, "a");
    for db in ["0", "3"] {
        m.cmd(&["SELECT", db]);
        for i in 0..50 {
            m.cmd(&["SET", &format!("short:{i}"), "v", "PX", "300"]);
        }
    }
    m.cmd(&["SELECT", "0"]);
    let replica = real_replica_of(master.port());
    assert_converged(&master, &replica);
    let offset: i64 = info(&mut m, "replication", "master_repl_offset")
        .parse()
        .expect("an offset");
    drop(m);
    std::thread::sleep(Duration::from_millis(400));
    master.restart();
    let mut m = master.client();
    assert_eq!(
        info(&mut m, "persistence", "rdb_last_load_keys_expired"),
        "100"
    );
    // The DELs went into the new backlog, after the offset the dump recorded.
    let histlen: i64 = info(&mut m, "replication", "repl_backlog_histlen")
        .parse()
        .expect("histlen");
    assert!(histlen > 0, "DELs in the backlog");
    assert_eq!(
        info(&mut m, "replication", "master_repl_offset"),
        (offset + histlen).to_string()
    );
    wait_for(SYNC_TIMEOUT, "the replica continues partially", || {
        info(&mut m, "stats", "sync_partial_ok") == "1"
    });
    assert_eq!(info(&mut m, "stats", "sync_full"), "0");
    let mut r = replica.client();
    wait_for(SYNC_TIMEOUT, "the replica dropped the expired keys", || {
        r.cmd(&["DBSIZE"]).as_int() == m.cmd(&["DBSIZE"]).as_int()
            && r.cmd(&["SELECT", "3"]).is_ok()
            && r.cmd(&["DBSIZE"]).as_int() == 0
            && r.cmd(&["SELECT", "0"]).is_ok()
    });
    assert_converged(&master, &replica);
}

fn int_field(c: &mut Client, section: &str, field: &str) -> i64 {
    info(c, section, field).parse().unwrap_or(-1)
}

#[test]
fn master_a_stalled_replica_keeps_one_shared_tail_that_another_resumes_from() {
    need_redis!();
    let master = rudis_master(&["--repl-backlog-size", "16384"]);
    let mut m = master.client();
    common::dataset::fill_every_type(&mut m, "a");
    let (proxy_a, proxy_b) = (Proxy::new(master.port()), Proxy::new(master.port()));
    let a = real_replica_of(proxy_a.port());
    assert_converged(&master, &a);
    let b = real_replica_of(proxy_b.port());
    b.wait_for_sync(SYNC_TIMEOUT);
    wait_for(SYNC_TIMEOUT, "both replicas online", || {
        info(&mut m, "replication", "slave1").contains("state=online")
    });
    // B stalls: its share of the stream stays in the master's backlog, past the 16 KiB ring.
    proxy_b.pause();
    let big = "x".repeat(100_000);
    for i in 0..150 {
        m.cmd(&["SET", &format!("big{}", i % 10), &big]);
    }
    wait_for_ofs_sync(&master, &a, SYNC_TIMEOUT);
    // A goes away for a while: it comes back from an offset the ring no longer holds, but
    // the tail B still needs does.
    proxy_a.cut();
    wait_for(SYNC_TIMEOUT, "A's link drops", || {
        info(&mut m, "replication", "connected_slaves") == "1"
    });
    for i in 0..150 {
        m.cmd(&["SET", &format!("big{}", i % 10), &big]);
    }
    let histlen = int_field(&mut m, "replication", "repl_backlog_histlen");
    assert!(histlen > 10_000_000, "the tail holds B's share: {histlen}");
    let buffers = int_field(&mut m, "memory", "mem_total_replication_buffers");
    assert!(buffers >= histlen, "{buffers} < {histlen}");
    assert_eq!(
        info(&mut m, "replication", "repl_backlog_size"),
        "16384",
        "the ring itself keeps its size"
    );
    proxy_a.heal();
    wait_for(SYNC_TIMEOUT, "A continues partially from the tail", || {
        info(&mut m, "stats", "sync_partial_ok") == "1"
    });
    assert_eq!(info(&mut m, "stats", "sync_full"), "2");
    proxy_b.resume();
    assert_converged(&master, &a);
    wait_for_ofs_sync(&master, &b, SYNC_TIMEOUT);
    assert_eq!(digest(&mut m), digest(&mut b.client()));
    // Every replica was sent everything: the tail is released, only the ring remains.
    wait_for(SYNC_TIMEOUT, "the tail to be released", || {
        int_field(&mut m, "replication", "repl_backlog_histlen") <= 16384
    });
}

#[test]
fn master_drops_a_replica_whose_unsent_stream_passes_the_output_buffer_limit() {
    need_redis!();
    let master = rudis_master(&[
        "--repl-backlog-size",
        "16384",
        "--client-output-buffer-limit",
        "replica 2mb 0 0",
    ]);
    let mut m = master.client();
    let proxy = Proxy::new(master.port());
    let replica = real_replica_of(proxy.port());
    replica.wait_for_sync(SYNC_TIMEOUT);
    wait_for(SYNC_TIMEOUT, "the replica online", || {
        info(&mut m, "replication", "slave0").contains("state=online")
    });
    proxy.pause();
    let big = "x".repeat(100_000);
    for i in 0..300 {
        m.cmd(&["SET", &format!("big{}", i % 10), &big]);
        if info(&mut m, "replication", "connected_slaves") == "0" {
            break;
        }
    }
    wait_for(SYNC_TIMEOUT, "the replica dropped", || {
        info(&mut m, "replication", "connected_slaves") == "0"
    });
    let log = master.log();
    assert!(
        log.contains("behind the replication stream")
            && log.contains("raise client-output-buffer-limit replica"),
        "{log}"
    );
    // Its share is released with it.
    wait_for(SYNC_TIMEOUT, "the tail released", || {
        int_field(&mut m, "replication", "repl_backlog_histlen") <= 16384
    });
    proxy.resume();
    assert_converged(&master, &replica);
}

#[test]
fn master_drops_a_replica_that_stops_reading_its_diskless_snapshot() {
    need_redis!();
    let master = rudis_master(&["--repl-diskless-sync", "yes", "--rdbcompression", "no"]);
    let mut m = master.client();
    m.cmd(&["DEBUG", "POPULATE", "2000", "k", "10000"]);
    // 1 ms per 10 KB key: the 20 MB snapshot takes about 2 s to produce.
    m.cmd(&["CONFIG", "SET", "rdb-key-save-delay", "1000"]);
    let proxy = Proxy::new(master.port());
    let replica = TestServer::builder()
        .binary(real_redis().expect("checked"))
        .replica_of(proxy.port())
        .start();
    wait_for(SYNC_TIMEOUT, "the snapshot child to start", || {
        info(&mut m, "persistence", "rdb_bgsave_in_progress") == "1"
    });
    // The replica's side stalls: nothing more it is sent is read.
    proxy.pause();
    // Lowered only now, so the child keeps its own (longer) write timeout.
    m.cmd(&["CONFIG", "SET", "repl-timeout", "2"]);
    master.wait_for_log(
        "Disconnecting timedout replica (full sync)",
        Duration::from_secs(15),
    );
    wait_for(SYNC_TIMEOUT, "the child to be stopped", || {
        info(&mut m, "persistence", "rdb_bgsave_in_progress") == "0"
    });
    assert!(master
        .log()
        .contains("Diskless rdb transfer, last replica dropped, killing fork child."));
    assert_eq!(m.cmd(&["PING"]).as_str(), "PONG");
    drop(replica);
}
