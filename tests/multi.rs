//! Transactions as a client sees them: MULTI, EXEC, DISCARD, WATCH,
//! UNWATCH, what aborts a transaction (queueing errors, OOM, WATCHed keys
//! changed, flushed, swapped or expired) and how it shows in CLIENT LIST,
//! INFO commandstats and MONITOR. Each test starts the real server binary
//! and speaks RESP to it.
//! `RUDIS_TEST_SERVER_BIN=/usr/bin/redis-server` runs the same assertions
//! against real Redis, to check the tests themselves.

mod common;

use std::time::Duration;

use common::{wait_for, Client, Reply, TestServer};

fn ok() -> Reply {
    Reply::Status("OK".into())
}

fn queued() -> Reply {
    Reply::Status("QUEUED".into())
}

fn err(msg: &str) -> Reply {
    Reply::Error(msg.into())
}

fn bulk(s: &str) -> Reply {
    Reply::Bulk(Some(s.as_bytes().to_vec()))
}

fn arr(items: Vec<Reply>) -> Reply {
    Reply::Array(Some(items))
}

/// Runs `commands` inside MULTI (each must be QUEUED) and returns EXEC's reply.
#[track_caller]
fn transaction(c: &mut Client, commands: &[&str]) -> Reply {
    assert_eq!(c.cmd_line("multi"), ok());
    for cmd in commands {
        assert_eq!(c.cmd_line(cmd), queued(), "queueing {cmd}");
    }
    c.cmd_line("exec")
}

fn debug_server() -> TestServer {
    TestServer::builder().enable_debug().start()
}

#[test]
fn exec_runs_the_queue_and_replies_with_every_reply() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let r = transaction(&mut c, &["set k 1", "incr k", "get k", "ping"]);
    assert_eq!(
        r,
        arr(vec![
            ok(),
            Reply::Int(2),
            bulk("2"),
            Reply::Status("PONG".into())
        ])
    );
    // An empty transaction is an empty array.
    assert_eq!(transaction(&mut c, &[]), arr(vec![]));
}

#[test]
fn a_failing_command_does_not_stop_the_others() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set s foo").assert_ok();
    let r = transaction(&mut c, &["incr s", "append s bar", "get s"]);
    assert_eq!(
        r,
        arr(vec![
            err("ERR value is not an integer or out of range"),
            Reply::Int(6),
            bulk("foobar"),
        ])
    );
}

#[test]
fn a_command_that_cannot_be_queued_aborts_exec() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("multi").assert_ok();
    assert_eq!(c.cmd_line("set a 1"), queued());
    assert_eq!(
        c.cmd_line("nosuchcommand x"),
        err("ERR unknown command 'nosuchcommand', with args beginning with: 'x' ")
    );
    assert_eq!(
        c.cmd_line("get"),
        err("ERR wrong number of arguments for 'get' command")
    );
    assert_eq!(c.cmd_line("set b 2"), queued());
    assert_eq!(
        c.cmd_line("exec"),
        err("EXECABORT Transaction discarded because of previous errors.")
    );
    // Nothing ran, and the client left the MULTI state.
    assert_eq!(c.cmd_line("exists a b").as_int(), 0);
    assert_eq!(c.cmd_line("exec"), err("ERR EXEC without MULTI"));
}

#[test]
fn commands_not_allowed_in_a_transaction_abort_it() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("multi").assert_ok();
    assert_eq!(
        c.cmd_line("shutdown"),
        err("ERR Command not allowed inside a transaction")
    );
    c.cmd_line("exec")
        .assert_err_prefix("EXECABORT Transaction discarded");
    // The server is still up.
    assert_eq!(c.cmd_line("ping"), Reply::Status("PONG".into()));
}

#[test]
fn misuse_of_the_transaction_commands_is_an_error() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(c.cmd_line("exec"), err("ERR EXEC without MULTI"));
    assert_eq!(c.cmd_line("discard"), err("ERR DISCARD without MULTI"));
    assert_eq!(
        c.cmd_line("watch"),
        err("ERR wrong number of arguments for 'watch' command")
    );
    c.cmd_line("multi").assert_ok();
    assert_eq!(
        c.cmd_line("multi"),
        err("ERR MULTI calls can not be nested")
    );
    assert_eq!(
        c.cmd_line("watch k"),
        err("ERR WATCH inside MULTI is not allowed")
    );
    // Those errors do not doom the transaction: they were not queued.
    assert_eq!(c.cmd_line("ping"), queued());
    assert_eq!(c.cmd_line("exec"), arr(vec![Reply::Status("PONG".into())]));
}

#[test]
fn discard_drops_the_queue() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set k v").assert_ok();
    c.cmd_line("multi").assert_ok();
    assert_eq!(c.cmd_line("del k"), queued());
    assert_eq!(c.cmd_line("discard"), ok());
    assert_eq!(c.cmd_line("get k"), bulk("v"));
    assert_eq!(c.cmd_line("exec"), err("ERR EXEC without MULTI"));
}

#[test]
fn a_watched_key_changed_by_another_client_fails_exec() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let mut other = srv.client();
    c.cmd_line("set k 1").assert_ok();
    c.cmd_line("watch k").assert_ok();
    other.cmd_line("set k 2").assert_ok();
    assert_eq!(transaction(&mut c, &["incr k"]), Reply::Array(None));
    assert_eq!(c.cmd_line("get k"), bulk("2"));
    // RESP3 says it with a null.
    c.cmd_line("hello 3");
    c.cmd_line("watch k").assert_ok();
    other.cmd_line("append k x");
    assert_eq!(transaction(&mut c, &["incr k"]), Reply::Null);
}

#[test]
fn an_untouched_watch_lets_exec_run_and_is_dropped_after_it() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let mut other = srv.client();
    c.cmd_line("watch a b c").assert_ok();
    c.cmd_line("watch d").assert_ok();
    other.cmd_line("set unrelated 1").assert_ok();
    assert_eq!(transaction(&mut c, &["incr a"]), arr(vec![Reply::Int(1)]));
    // After EXEC nothing is watched any more.
    other.cmd_line("set a 10").assert_ok();
    assert_eq!(transaction(&mut c, &["incr a"]), arr(vec![Reply::Int(11)]));
}

#[test]
fn a_failed_exec_also_unwatches() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("watch x").assert_ok();
    c.cmd_line("set x 1").assert_ok();
    assert_eq!(transaction(&mut c, &["ping"]), Reply::Array(None));
    c.cmd_line("set x 2").assert_ok();
    assert_eq!(
        transaction(&mut c, &["ping"]),
        arr(vec![Reply::Status("PONG".into())])
    );
}

#[test]
fn unwatch_and_discard_forget_watches_and_a_change_already_seen() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("watch x").assert_ok();
    c.cmd_line("set x 1").assert_ok();
    assert_eq!(c.cmd_line("unwatch"), ok());
    assert_eq!(transaction(&mut c, &["incr x"]), arr(vec![Reply::Int(2)]));

    c.cmd_line("watch x").assert_ok();
    c.cmd_line("set x 10").assert_ok();
    c.cmd_line("multi").assert_ok();
    c.cmd_line("discard").assert_ok();
    assert_eq!(transaction(&mut c, &["incr x"]), arr(vec![Reply::Int(11)]));
    // UNWATCH with nothing watched is fine.
    assert_eq!(c.cmd_line("unwatch"), ok());
}

#[test]
fn every_write_kind_touches_a_watched_key() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let mut other = srv.client();
    for (setup, change) in [
        ("set k 1", "del k"),
        ("set k 1", "expire k 100"),
        ("set k 1", "rename k k2"),
        ("set k2 1", "rename k2 k"),
        ("set k 1", "incrbyfloat k 1.5"),
        ("set k 1", "setrange k 0 x"),
        ("set k 1", "getdel k"),
        ("set k 1", "move k 1"),
        ("set k2 1", "copy k2 k"),
        ("set k 1", "setbit k 0 1"),
        ("set k 1", "mset k 2 z 3"),
    ] {
        other.cmd_line("flushall").assert_ok();
        other.cmd_line(setup);
        c.cmd_line("watch k").assert_ok();
        other.cmd_line(change);
        assert_eq!(
            transaction(&mut c, &["ping"]),
            Reply::Array(None),
            "{change} after {setup}"
        );
    }
}

#[test]
fn a_write_that_changes_nothing_does_not_touch() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let mut other = srv.client();
    other.cmd_line("set k 1").assert_ok();
    c.cmd_line("watch k nokey").assert_ok();
    other.cmd_line("del nokey").as_int();
    other.cmd_line("setnx k 2").as_int();
    other.cmd_line("persist k").as_int();
    assert_eq!(
        transaction(&mut c, &["ping"]),
        arr(vec![Reply::Status("PONG".into())])
    );
}

#[test]
fn flushes_touch_watched_keys_that_exist() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("set x 30").assert_ok();
    c.cmd_line("watch x").assert_ok();
    c.cmd_line("flushdb").assert_ok();
    assert_eq!(transaction(&mut c, &["ping"]), Reply::Array(None));

    c.cmd_line("set x 30").assert_ok();
    c.cmd_line("watch x").assert_ok();
    c.cmd_line("flushall").assert_ok();
    assert_eq!(transaction(&mut c, &["ping"]), Reply::Array(None));

    // A key that did not exist is not changed by a flush.
    c.cmd_line("watch x").assert_ok();
    c.cmd_line("flushall").assert_ok();
    c.cmd_line("flushdb").assert_ok();
    assert_eq!(
        transaction(&mut c, &["ping"]),
        arr(vec![Reply::Status("PONG".into())])
    );
}

#[test]
fn flushing_another_database_leaves_the_watch_alone() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let mut other = srv.client();
    c.cmd_line("set x 1").assert_ok();
    c.cmd_line("watch x").assert_ok();
    other.cmd_line("select 3").assert_ok();
    other.cmd_line("set x 1").assert_ok();
    other.cmd_line("flushdb").assert_ok();
    assert_eq!(transaction(&mut c, &["get x"]), arr(vec![bulk("1")]));
}

#[test]
fn swapdb_touches_keys_existing_on_either_side() {
    let srv = TestServer::start();
    let mut c = srv.client();
    // The watched key exists in db 0 and SWAPDB takes it away.
    c.cmd_line("set x 30").assert_ok();
    c.cmd_line("watch x").assert_ok();
    c.cmd_line("swapdb 0 1").assert_ok();
    assert_eq!(transaction(&mut c, &["ping"]), Reply::Array(None));

    // The watched key is missing in db 0 and SWAPDB brings one in.
    c.cmd_line("flushall").assert_ok();
    c.cmd_line("select 1").assert_ok();
    c.cmd_line("set x 30").assert_ok();
    c.cmd_line("select 0").assert_ok();
    c.cmd_line("watch x").assert_ok();
    c.cmd_line("swapdb 0 1").assert_ok();
    assert_eq!(transaction(&mut c, &["ping"]), Reply::Array(None));

    // Missing on both sides: nothing changed; swapping a db with itself
    // changes nothing either.
    c.cmd_line("flushall").assert_ok();
    c.cmd_line("watch x").assert_ok();
    c.cmd_line("swapdb 0 1").assert_ok();
    c.cmd_line("set x 1").assert_ok();
    c.cmd_line("unwatch").assert_ok();
    c.cmd_line("watch x").assert_ok();
    c.cmd_line("swapdb 0 0").assert_ok();
    assert_eq!(
        transaction(&mut c, &["ping"]),
        arr(vec![Reply::Status("PONG".into())])
    );
}

#[test]
fn watch_remembers_the_database_of_the_key() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("select 5").assert_ok();
    c.cmd_line("set x 30").assert_ok();
    c.cmd_line("watch x").assert_ok();
    c.cmd_line("select 1").assert_ok();
    c.cmd_line("set x 10").assert_ok();
    c.cmd_line("select 5").assert_ok();
    assert_eq!(
        transaction(&mut c, &["ping"]),
        arr(vec![Reply::Status("PONG".into())])
    );
}

#[test]
fn a_watched_key_that_expires_fails_exec() {
    let srv = debug_server();
    let mut c = srv.client();
    // Deleted by the active expire cycle.
    c.cmd_line("set x foo").assert_ok();
    c.cmd_line("pexpire x 50").as_int();
    c.cmd_line("watch x").assert_ok();
    wait_for(Duration::from_secs(5), "x to expire", || {
        c.cmd_line("dbsize").as_int() == 0
    });
    assert_eq!(transaction(&mut c, &["ping"]), Reply::Array(None));

    // Still in memory but logically expired at EXEC time.
    c.cmd_line("debug set-active-expire 0").assert_ok();
    c.cmd_line("set y 1 px 50").assert_ok();
    c.cmd_line("watch y").assert_ok();
    std::thread::sleep(Duration::from_millis(80));
    assert_eq!(transaction(&mut c, &["incr y"]), Reply::Array(None));
    c.cmd_line("debug set-active-expire 1").assert_ok();
}

#[test]
fn a_key_already_expired_when_watched_does_not_fail_exec() {
    let srv = debug_server();
    let mut c = srv.client();
    c.cmd_line("debug set-active-expire 0").assert_ok();
    for reap in ["", "exists x", "flushdb", "swapdb 0 1"] {
        c.cmd_line("flushall").assert_ok();
        c.cmd_line("set x foo px 1").assert_ok();
        std::thread::sleep(Duration::from_millis(5));
        c.cmd_line("watch x").assert_ok();
        if !reap.is_empty() {
            c.cmd_line(reap);
        }
        assert_eq!(
            transaction(&mut c, &["ping"]),
            arr(vec![Reply::Status("PONG".into())]),
            "stale key, then '{reap}'"
        );
    }
    // A missing key replaced by a stale one through SWAPDB: no change.
    c.cmd_line("flushall").assert_ok();
    c.cmd_line("set x foo px 1").assert_ok();
    std::thread::sleep(Duration::from_millis(5));
    c.cmd_line("select 1").assert_ok();
    c.cmd_line("watch x").assert_ok();
    c.cmd_line("swapdb 0 1").assert_ok();
    assert_eq!(
        transaction(&mut c, &["ping"]),
        arr(vec![Reply::Status("PONG".into())])
    );
}

#[test]
fn the_queue_runs_with_one_clock() {
    let srv = debug_server();
    let mut c = srv.client();
    c.cmd_line("debug set-active-expire 0").assert_ok();
    // The key is set to expire 5 ms after the transaction's clock; the
    // sleep passes that, yet GET in the same transaction still sees it.
    let r = transaction(&mut c, &["set k v px 5", "debug sleep 0.02", "get k"]);
    assert_eq!(r, arr(vec![ok(), ok(), bulk("v")]));
    assert_eq!(c.cmd_line("get k"), Reply::Bulk(None));
}

#[test]
fn over_maxmemory_queueing_fails_but_discard_and_exec_work() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let mut admin = srv.client();
    c.cmd_line("set x value").assert_ok();

    // Queueing anything under OOM dooms the transaction; DISCARD still works.
    admin.cmd_line("config set maxmemory 1").assert_ok();
    c.cmd_line("multi").assert_ok();
    c.cmd_line("get x")
        .assert_err_prefix("OOM command not allowed when used memory");
    assert_eq!(c.cmd_line("discard"), ok());
    admin.cmd_line("config set maxmemory 0").assert_ok();

    // Reads queued before OOM still run.
    c.cmd_line("multi").assert_ok();
    c.cmd_line("get x");
    c.cmd_line("ping");
    admin.cmd_line("config set maxmemory 1").assert_ok();
    assert_eq!(
        c.cmd_line("exec"),
        arr(vec![bulk("value"), Reply::Status("PONG".into())])
    );
    admin.cmd_line("config set maxmemory 0").assert_ok();

    // One memory-using command refuses the whole EXEC, with the reason.
    c.cmd_line("multi").assert_ok();
    c.cmd_line("set x 1");
    c.cmd_line("get x");
    admin.cmd_line("config set maxmemory 1").assert_ok();
    assert_eq!(
        c.cmd_line("exec"),
        err("EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.")
    );
    admin.cmd_line("config set maxmemory 0").assert_ok();
    assert_eq!(c.cmd_line("get x"), bulk("value"));
    assert_eq!(c.cmd_line("exec"), err("ERR EXEC without MULTI"));
}

#[test]
fn min_replicas_refuses_an_exec_with_writes() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let mut admin = srv.client();
    c.cmd_line("set xx 1").assert_ok();
    c.cmd_line("multi").assert_ok();
    c.cmd_line("incr xx");
    admin
        .cmd_line("config set min-replicas-to-write 2")
        .assert_ok();
    assert_eq!(
        c.cmd_line("exec"),
        err("EXECABORT Transaction discarded because of: NOREPLICAS Not enough good replicas to write.")
    );
    assert_eq!(c.cmd_line("get xx"), bulk("1"));
    // Reads are not affected.
    assert_eq!(transaction(&mut c, &["get xx"]), arr(vec![bulk("1")]));
    admin
        .cmd_line("config set min-replicas-to-write 0")
        .assert_ok();
}

#[test]
fn client_list_shows_the_transaction() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let mut other = srv.client();
    c.cmd_line("client setname tx").assert_ok();
    c.cmd_line("multi").assert_ok();
    c.cmd_line("set a 1");
    c.cmd_line("get a");
    let list = other.cmd_line("client list").as_str().to_string();
    let line = list.lines().find(|l| l.contains("name=tx")).unwrap();
    assert!(line.contains(" flags=x "), "{line}");
    assert!(line.contains(" multi=2 "), "{line}");
    assert!(line.contains(" cmd=get "), "{line}");
    assert!(!line.contains(" multi-mem=0 "), "{line}");
    c.cmd_line("exec");

    // A watched key that changed shows as `d` until EXEC/UNWATCH.
    c.cmd_line("watch k").assert_ok();
    other.cmd_line("set k 1").assert_ok();
    let list = other.cmd_line("client list").as_str().to_string();
    let line = list.lines().find(|l| l.contains("name=tx")).unwrap();
    assert!(line.contains(" flags=d "), "{line}");
    assert!(line.contains(" multi=-1 "), "{line}");
    c.cmd_line("unwatch").assert_ok();
    let list = other.cmd_line("client list").as_str().to_string();
    let line = list.lines().find(|l| l.contains("name=tx")).unwrap();
    assert!(line.contains(" flags=N "), "{line}");
}

#[test]
fn command_stats_blame_each_command_for_its_own_errors() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd_line("config resetstat").assert_ok();
    c.cmd_line("set s foo").assert_ok();
    let r = transaction(&mut c, &["incr s"]);
    assert!(r.as_array()[0].is_error());
    let stats = c.info("commandstats");
    assert!(
        stats["cmdstat_incr"].ends_with("rejected_calls=0,failed_calls=1"),
        "{}",
        stats["cmdstat_incr"]
    );
    assert!(
        stats["cmdstat_exec"].ends_with("rejected_calls=0,failed_calls=0"),
        "{}",
        stats["cmdstat_exec"]
    );

    // A refused queueing counts as rejected, the EXEC that aborts as failed.
    c.cmd_line("config resetstat").assert_ok();
    c.cmd_line("multi").assert_ok();
    c.cmd_line("get").assert_err_prefix("ERR wrong number");
    c.cmd_line("exec").assert_err_prefix("EXECABORT");
    let stats = c.info("commandstats");
    assert!(
        stats["cmdstat_get"].contains("calls=0,"),
        "{}",
        stats["cmdstat_get"]
    );
    assert!(
        stats["cmdstat_get"].ends_with("rejected_calls=1,failed_calls=0"),
        "{}",
        stats["cmdstat_get"]
    );
    assert!(
        stats["cmdstat_exec"].ends_with("rejected_calls=0,failed_calls=1"),
        "{}",
        stats["cmdstat_exec"]
    );
    let errors = c.info("errorstats");
    assert_eq!(errors["errorstat_EXECABORT"], "count=1");
    assert_eq!(errors["errorstat_ERR"], "count=1");
}

#[test]
fn monitor_sees_multi_the_queued_commands_then_exec() {
    let srv = TestServer::start();
    let mut mon = srv.client();
    let mut c = srv.client();
    mon.cmd_line("monitor").assert_ok();
    transaction(&mut c, &["set foo bar"]);
    let line = |m: &mut Client| m.read_reply().as_str().to_string();
    assert!(line(&mut mon).ends_with("\"multi\""));
    assert!(line(&mut mon).ends_with("\"set\" \"foo\" \"bar\""));
    assert!(line(&mut mon).ends_with("\"exec\""));

    // An aborted transaction still closes with EXEC.
    c.cmd_line("multi").assert_ok();
    c.cmd_line("syntax error");
    c.cmd_line("exec");
    assert!(line(&mut mon).ends_with("\"multi\""));
    assert!(line(&mut mon).ends_with("\"exec\""));
}

#[test]
fn monitor_cannot_be_queued() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(
        transaction(&mut c, &["monitor"]),
        arr(vec![err(
            "ERR MONITOR isn't allowed for DENY BLOCKING client"
        )])
    );
    assert_eq!(c.cmd_line("ping"), Reply::Status("PONG".into()));
}

#[test]
fn subscribe_can_be_queued_but_ssubscribe_cannot() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let r = transaction(&mut c, &["subscribe ch", "ssubscribe sh"]);
    assert_eq!(
        r,
        arr(vec![
            arr(vec![bulk("subscribe"), bulk("ch"), Reply::Int(1)]),
            err("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client"),
        ])
    );
    let mut other = srv.client();
    assert_eq!(other.cmd_line("publish ch hi").as_int(), 1);
}

#[test]
fn reset_and_disconnect_end_transactions_and_watches() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let mut other = srv.client();
    c.cmd_line("watch k").assert_ok();
    c.cmd_line("multi").assert_ok();
    c.cmd_line("set a 1");
    assert_eq!(c.cmd_line("reset"), Reply::Status("RESET".into()));
    assert_eq!(c.cmd_line("exec"), err("ERR EXEC without MULTI"));
    other.cmd_line("set k 1").assert_ok();
    assert_eq!(
        transaction(&mut c, &["get a"]),
        arr(vec![Reply::Bulk(None)])
    );

    // A client that goes away while watching leaves nothing behind.
    let mut gone = srv.client();
    gone.cmd_line("watch k").assert_ok();
    gone.cmd_line("multi").assert_ok();
    drop(gone);
    wait_for(Duration::from_secs(5), "the client to go", || {
        other.cmd_line("client list").as_str().lines().count() == 2
    });
    other.cmd_line("set k 2").assert_ok();
}

#[test]
fn pipelined_transactions_answer_in_order() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let replies = c.pipeline(&[
        &["multi"],
        &["incr", "n"],
        &["incr", "n"],
        &["exec"],
        &["multi"],
        &["nope"],
        &["exec"],
        &["get", "n"],
    ]);
    assert_eq!(replies[3], arr(vec![Reply::Int(1), Reply::Int(2)]));
    replies[5].assert_err_prefix("ERR unknown command");
    replies[6].assert_err_prefix("EXECABORT");
    assert_eq!(replies[7], bulk("2"));
}
