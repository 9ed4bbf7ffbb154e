//! Client pause, FAILOVER and a SHUTDOWN that waits for its replicas, as a user sees them:
//! paused writers wait and resume in order while readers are answered, nothing expires during
//! a pause; FAILOVER swaps the roles of a master and its replica with equal data and offsets
//! (rudis on both sides, and with a real `redis-server` 7.0 on either side); a target that
//! refuses the PSYNC makes the failover abort; SHUTDOWN with a lagging replica waits until
//! the replica has the last write.

mod common;

use std::time::Duration;

use common::{wait_for, wait_for_ofs_sync, wait_until, Client, Reply, TestServer};

const SYNC_TIMEOUT: Duration = Duration::from_secs(20);

fn real_redis() -> Option<&'static str> {
    let p = "/usr/bin/redis-server";
    std::path::Path::new(p).exists().then_some(p)
}

fn info(c: &mut Client, section: &str, field: &str) -> String {
    c.info_field(section, field).unwrap_or_default()
}

fn role(c: &mut Client) -> String {
    c.cmd(&["ROLE"]).as_array()[0].as_str().to_owned()
}

fn digest(c: &mut Client) -> String {
    c.cmd(&["DEBUG", "DIGEST"]).as_str().to_owned()
}

/// A reply that does not come within `ms`: the client is held back.
#[track_caller]
fn assert_no_reply(c: &mut Client, ms: u64) {
    let r = c.read_reply_timeout(Duration::from_millis(ms));
    assert!(r.is_err(), "expected no reply yet, got {r:?}");
}

fn rudis(extra: &[&str]) -> TestServer {
    TestServer::builder()
        .enable_debug()
        .args(["--repl-diskless-sync-delay", "0"])
        .args(extra.iter().copied())
        .start()
}

fn rudis_replica_of(master: &TestServer) -> TestServer {
    let r = TestServer::builder()
        .enable_debug()
        .args(["--repl-diskless-sync-delay", "0"])
        .replica_of(master.port())
        .start();
    r.wait_for_sync(SYNC_TIMEOUT);
    wait_online(master);
    r
}

/// Waits until `master` streams to its first replica (it may count as synced on the
/// replica's side a moment before the master puts it online).
fn wait_online(master: &TestServer) {
    let mut c = master.client();
    wait_for(SYNC_TIMEOUT, "the replica to be online", || {
        info(&mut c, "replication", "slave0").contains("state=online")
    });
}

fn real_server(replica_of: Option<u16>) -> TestServer {
    let redis = real_redis().expect("checked by the caller");
    let mut b = TestServer::builder()
        .binary(redis)
        .enable_debug()
        .start_timeout(Duration::from_secs(20));
    if let Some(p) = replica_of {
        b = b.replica_of(p);
    }
    let s = b.start();
    if replica_of.is_some() {
        s.wait_for_sync(SYNC_TIMEOUT);
    }
    s
}

#[test]
fn client_pause_write_postpones_writes_until_unpause_while_reads_answer() {
    let s = rudis(&[]);
    let mut admin = s.client();
    admin.cmd(&["SET", "k", "v1"]).assert_ok();
    admin
        .cmd(&["CLIENT", "PAUSE", "100000", "WRITE"])
        .assert_ok();

    let mut writer = s.client();
    writer.send(&["SET", "k", "v2"]);
    let mut publisher = s.client();
    publisher.send(&["PUBLISH", "ch", "msg"]);
    assert_no_reply(&mut writer, 200);
    assert_no_reply(&mut publisher, 50);
    assert_eq!(info(&mut admin, "clients", "blocked_clients"), "2");

    // Reads go on; a syntax error is answered at once.
    let mut reader = s.client();
    assert_eq!(reader.cmd(&["GET", "k"]).as_str(), "v1");
    reader
        .cmd(&["SET", "k"])
        .assert_err_prefix("ERR wrong number of arguments for 'set' command");

    admin.cmd(&["CLIENT", "UNPAUSE"]).assert_ok();
    writer.read_reply().assert_ok();
    assert_eq!(publisher.read_reply(), Reply::Int(0));
    assert_eq!(reader.cmd(&["GET", "k"]).as_str(), "v2");
    assert_eq!(info(&mut admin, "clients", "blocked_clients"), "0");
}

#[test]
fn client_pause_all_holds_reads_and_a_pause_ends_by_itself() {
    let s = rudis(&[]);
    let mut admin = s.client();
    admin.cmd(&["SET", "k", "v"]).assert_ok();
    admin.cmd(&["CLIENT", "PAUSE", "400", "ALL"]).assert_ok();
    let mut first = s.client();
    first.send(&["GET", "k"]);
    let mut second = s.client();
    second.send(&["SET", "k", "w"]);
    assert_no_reply(&mut first, 150);
    // Released in the order they arrived, once the 400 ms are over.
    assert_eq!(
        first
            .read_reply_timeout(Duration::from_secs(5))
            .expect("released")
            .as_str(),
        "v"
    );
    second
        .read_reply_timeout(Duration::from_secs(5))
        .expect("released")
        .assert_ok();
    admin
        .cmd(&["CLIENT", "PAUSE", "100", "BOTH"])
        .assert_err_prefix("ERR CLIENT PAUSE mode must be WRITE or ALL");
    admin
        .cmd(&["CLIENT", "PAUSE", "-1"])
        .assert_err_prefix("ERR timeout is negative");
}

#[test]
fn keys_do_not_expire_while_clients_are_paused() {
    let s = rudis(&[]);
    let mut c = s.client();
    c.cmd(&["SET", "k", "v", "PX", "50"]).assert_ok();
    c.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]).assert_ok();
    std::thread::sleep(Duration::from_millis(300));
    // Logically gone, physically kept: no expiry is counted or propagated meanwhile.
    assert!(c.cmd(&["GET", "k"]).is_nil());
    assert_eq!(c.cmd(&["DBSIZE"]), Reply::Int(1));
    assert_eq!(info(&mut c, "stats", "expired_keys"), "0");
    c.cmd(&["CLIENT", "UNPAUSE"]).assert_ok();
    assert!(c.cmd(&["GET", "k"]).is_nil());
    assert_eq!(info(&mut c, "stats", "expired_keys"), "1");
    assert_eq!(c.cmd(&["DBSIZE"]), Reply::Int(0));
}

#[test]
fn failover_promotes_the_replica_and_demotes_the_master() {
    let a = rudis(&[]);
    let b = rudis_replica_of(&a);
    let mut ca = a.client();
    let mut cb = b.client();
    for i in 0..100 {
        ca.cmd(&["SET", &format!("k{i}"), &i.to_string()])
            .assert_ok();
    }
    ca.cmd(&["RPUSH", "list", "a", "b", "c"]);
    wait_for_ofs_sync(&a, &b, SYNC_TIMEOUT);

    ca.cmd(&["FAILOVER", "TO", "127.0.0.1", &b.port().to_string()])
        .assert_ok();
    ca.cmd(&["FAILOVER"])
        .assert_err_prefix("ERR FAILOVER already in progress.");
    wait_for(SYNC_TIMEOUT, "failover to finish", || {
        info(&mut ca, "replication", "master_failover_state") == "no-failover"
    });
    assert_eq!(role(&mut ca), "slave");
    assert_eq!(role(&mut cb), "master");
    b.wait_for_log("MASTER MODE enabled (failover request from", SYNC_TIMEOUT);
    a.wait_for_log("is synced, failing over.", SYNC_TIMEOUT);
    a.wait_for_sync(SYNC_TIMEOUT);
    // The old master continued from where it was: a partial resync, no data copied.
    assert_eq!(info(&mut cb, "stats", "sync_partial_ok"), "1");
    assert_eq!(info(&mut cb, "stats", "sync_full"), "0");

    cb.cmd(&["SET", "after", "failover"]).assert_ok();
    wait_for_ofs_sync(&b, &a, SYNC_TIMEOUT);
    assert_eq!(ca.cmd(&["GET", "after"]).as_str(), "failover");
    assert_eq!(digest(&mut ca), digest(&mut cb));
    assert_eq!(
        info(&mut ca, "replication", "master_repl_offset"),
        info(&mut cb, "replication", "master_repl_offset")
    );
    ca.cmd(&["SET", "x", "y"])
        .assert_err_prefix("READONLY You can't write against a read only replica.");
}

#[test]
fn failover_argument_errors_are_redis_s() {
    let a = rudis(&[]);
    let mut ca = a.client();
    ca.cmd(&["FAILOVER"])
        .assert_err_prefix("ERR FAILOVER requires connected replicas.");
    ca.cmd(&["FAILOVER", "ABORT"])
        .assert_err_prefix("ERR No failover in progress.");
    let b = rudis_replica_of(&a);
    let port = b.port().to_string();
    ca.cmd(&["FAILOVER", "TO", "127.0.0.1", "notaport"])
        .assert_err_prefix("ERR value is not an integer or out of range");
    ca.cmd(&["FAILOVER", "TO", "127.0.0.1", "1"])
        .assert_err_prefix("ERR FAILOVER target HOST and PORT is not a replica.");
    ca.cmd(&["FAILOVER", "TO", "127.0.0.1", &port, "FORCE"])
        .assert_err_prefix(
            "ERR FAILOVER with force option requires both a timeout and target HOST and IP.",
        );
    ca.cmd(&["FAILOVER", "TIMEOUT", "0"])
        .assert_err_prefix("ERR FAILOVER timeout must be greater than 0");
    ca.cmd(&["FAILOVER", "TIMEOUT", "5", "TIMEOUT", "5"])
        .assert_err_prefix("ERR syntax error");
    b.client()
        .cmd(&["FAILOVER"])
        .assert_err_prefix("ERR FAILOVER is not valid when server is a replica.");

    // A replica that never catches up: the failover gives up after its TIMEOUT, writes resume.
    b.freeze();
    ca.cmd(&["SET", "k", "v"]).assert_ok();
    ca.cmd(&["FAILOVER", "TO", "127.0.0.1", &port, "TIMEOUT", "300"])
        .assert_ok();
    assert_eq!(
        info(&mut ca, "replication", "master_failover_state"),
        "waiting-for-sync"
    );
    ca.cmd(&["REPLICAOF", "NO", "ONE"])
        .assert_err_prefix("ERR REPLICAOF not allowed while failing over.");
    let mut writer = a.client();
    writer.send(&["SET", "k", "w"]);
    assert_no_reply(&mut writer, 100);
    writer
        .read_reply_timeout(Duration::from_secs(5))
        .expect("writes resume after the abort")
        .assert_ok();
    assert_eq!(
        info(&mut ca, "replication", "master_failover_state"),
        "no-failover"
    );
    a.wait_for_log(
        "aborted: Replica never caught up before timeout",
        SYNC_TIMEOUT,
    );
    b.unfreeze();
    assert_eq!(role(&mut ca), "master");
}

#[test]
fn failover_to_a_real_redis_replica_and_back() {
    if real_redis().is_none() {
        eprintln!("skipped: /usr/bin/redis-server not found");
        return;
    }
    let a = rudis(&[]);
    let r = real_server(Some(a.port()));
    wait_online(&a);
    let mut ca = a.client();
    let mut cr = r.client();
    ca.cmd(&["SET", "k", "1"]).assert_ok();
    ca.cmd(&["HSET", "h", "f", "v"]);
    wait_for_ofs_sync(&a, &r, SYNC_TIMEOUT);

    // rudis hands over to Redis: Redis accepts `PSYNC ... FAILOVER` from rudis.
    ca.cmd(&["FAILOVER", "TO", "127.0.0.1", &r.port().to_string()])
        .assert_ok();
    wait_for(SYNC_TIMEOUT, "failover to Redis to finish", || {
        info(&mut ca, "replication", "master_failover_state") == "no-failover"
    });
    assert_eq!(role(&mut cr), "master");
    assert_eq!(role(&mut ca), "slave");
    a.wait_for_sync(SYNC_TIMEOUT);
    cr.cmd(&["INCR", "k"]);
    wait_for_ofs_sync(&r, &a, SYNC_TIMEOUT);
    assert_eq!(digest(&mut ca), digest(&mut cr));

    // Redis hands back to rudis: rudis, as the target, promotes itself on PSYNC FAILOVER.
    wait_online(&r);
    let full_syncs = info(&mut ca, "stats", "sync_full");
    cr.cmd(&["FAILOVER", "TO", "127.0.0.1", &a.port().to_string()])
        .assert_ok();
    wait_for(SYNC_TIMEOUT, "failover to rudis to finish", || {
        info(&mut cr, "replication", "master_failover_state") == "no-failover"
    });
    assert_eq!(role(&mut ca), "master");
    assert_eq!(role(&mut cr), "slave");
    r.wait_for_sync(SYNC_TIMEOUT);
    assert_eq!(info(&mut ca, "stats", "sync_full"), full_syncs);
    ca.cmd(&["INCR", "k"]);
    wait_for_ofs_sync(&a, &r, SYNC_TIMEOUT);
    assert_eq!(cr.cmd(&["GET", "k"]).as_str(), "3");
    assert_eq!(digest(&mut ca), digest(&mut cr));
}

#[test]
fn failover_aborts_when_the_target_rejects_psync() {
    if real_redis().is_none() {
        eprintln!("skipped: /usr/bin/redis-server not found");
        return;
    }
    let a = rudis(&[]);
    let r = real_server(Some(a.port()));
    wait_online(&a);
    let mut ca = a.client();
    let mut cr = r.client();
    ca.cmd(&["SET", "k", "1"]).assert_ok();
    wait_for_ofs_sync(&a, &r, SYNC_TIMEOUT);
    cr.cmd(&["ACL", "SETUSER", "default", "-psync"]).assert_ok();

    // A write sent during the failover waits, then runs on the master it still is.
    r.freeze();
    ca.cmd(&["FAILOVER", "TO", "127.0.0.1", &r.port().to_string()])
        .assert_ok();
    let mut writer = a.client();
    writer.send(&["SET", "foo", "bar"]);
    assert_no_reply(&mut writer, 100);
    r.unfreeze();
    wait_for(SYNC_TIMEOUT, "failover to end", || {
        info(&mut ca, "replication", "master_failover_state") == "no-failover"
    });
    writer
        .read_reply_timeout(Duration::from_secs(5))
        .expect("the write ran")
        .assert_ok();
    a.wait_for_log(
        "aborted: Failover target rejected psync request",
        SYNC_TIMEOUT,
    );
    assert_eq!(role(&mut ca), "master");
    cr.cmd(&["ACL", "SETUSER", "default", "+psync"]).assert_ok();
    r.wait_for_sync(SYNC_TIMEOUT);
    wait_for_ofs_sync(&a, &r, SYNC_TIMEOUT);
    assert_eq!(cr.cmd(&["GET", "foo"]).as_str(), "bar");
    assert_eq!(role(&mut cr), "slave");
}

#[test]
fn shutdown_waits_until_a_lagging_replica_has_the_last_write() {
    let mut m = rudis(&["--shutdown-timeout", "60"]);
    let r = rudis_replica_of(&m);
    let mut cm = m.client();
    cm.cmd(&["SET", "k", "1"]).assert_ok();
    wait_for_ofs_sync(&m, &r, SYNC_TIMEOUT);

    r.freeze();
    cm.cmd(&["INCR", "k"]);
    let mut shut = m.client();
    shut.send(&["SHUTDOWN"]);
    wait_for(SYNC_TIMEOUT, "the shutdown to wait", || {
        info(&mut cm, "server", "shutdown_in_milliseconds")
            .parse::<i64>()
            .is_ok_and(|ms| ms > 0)
    });
    assert_eq!(info(&mut cm, "clients", "blocked_clients"), "1");
    // The replica is stopped: the master waits for it.
    std::thread::sleep(Duration::from_millis(300));
    assert!(m.is_running());

    r.unfreeze();
    assert!(
        wait_until(SYNC_TIMEOUT, || !m.is_running()),
        "the master did not exit once its replica caught up"
    );
    let log = m.run_log();
    assert!(log.contains("Waiting for replicas before shutting down."));
    assert!(log.contains("1 of 1 replicas are in sync when shutting down."));
    assert!(!log.contains("Lagging replica"));
    assert_eq!(r.client().cmd(&["GET", "k"]).as_str(), "2");
}

#[test]
fn shutdown_abort_answers_every_blocked_shutdown_and_writes_resume() {
    let m = rudis(&[]);
    let r = rudis_replica_of(&m);
    let mut cm = m.client();
    cm.cmd(&["SET", "k", "1"]).assert_ok();
    wait_for_ofs_sync(&m, &r, SYNC_TIMEOUT);
    r.freeze();
    cm.cmd(&["INCR", "k"]);
    let mut s1 = m.client();
    s1.send(&["SHUTDOWN"]);
    let mut s2 = m.client();
    s2.send(&["SHUTDOWN", "NOSAVE"]);
    wait_for(SYNC_TIMEOUT, "both SHUTDOWNs to block", || {
        info(&mut cm, "clients", "blocked_clients") == "2"
    });
    let mut writer = m.client();
    writer.send(&["SET", "w", "1"]);
    assert_no_reply(&mut writer, 100);

    cm.cmd(&["SHUTDOWN", "ABORT"]).assert_ok();
    for c in [&mut s1, &mut s2] {
        c.read_reply_timeout(Duration::from_secs(5))
            .expect("answered")
            .assert_err_prefix("ERR Errors trying to SHUTDOWN. Check logs.");
    }
    writer
        .read_reply_timeout(Duration::from_secs(5))
        .expect("writes resume")
        .assert_ok();
    cm.cmd(&["SHUTDOWN", "ABORT"])
        .assert_err_prefix("ERR No shutdown in progress.");
    m.wait_for_log("Shutdown manually aborted.", SYNC_TIMEOUT);
    r.unfreeze();
}
