//! Introspection against the real binary: CLIENT *, MONITOR, COMMAND *,
//! and redis-cli's use of COMMAND DOCS.

#[path = "servercmds_support/mod.rs"]
mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use support::{wait_until, Reply, Server};

fn ok() -> Reply {
    Reply::Status("OK".into())
}

fn field<'a>(line: &'a str, name: &str) -> &'a str {
    line.split(' ')
        .find_map(|kv| kv.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
        .unwrap_or_else(|| panic!("no {name}= in {line}"))
}

#[test]
fn client_list_line_has_redis_fields_in_order() {
    let srv = Server::start();
    let mut c = srv.conn();
    let list = c.cmd(&["CLIENT", "LIST"]).text();
    assert!(list.ends_with('\n'));
    // The connection probe of the launcher may still be listed, closing.
    let line = list
        .lines()
        .find(|l| l.contains(" cmd=client|list "))
        .expect("our own line");
    let names: Vec<&str> = line
        .split(' ')
        .map(|kv| kv.split('=').next().unwrap_or(""))
        .collect();
    assert_eq!(
        names,
        [
            "id",
            "addr",
            "laddr",
            "fd",
            "name",
            "age",
            "idle",
            "flags",
            "db",
            "sub",
            "psub",
            "ssub",
            "multi",
            "qbuf",
            "qbuf-free",
            "argv-mem",
            "multi-mem",
            "rbs",
            "rbp",
            "obl",
            "oll",
            "omem",
            "tot-mem",
            "events",
            "cmd",
            "user",
            "redir",
            "resp"
        ]
    );
    // The suite's own expectations for a client listing itself.
    assert_eq!(field(line, "flags"), "N");
    assert_eq!(field(line, "qbuf"), "26");
    assert_eq!(field(line, "multi"), "-1");
    assert_eq!(field(line, "events"), "r");
    assert_eq!(field(line, "cmd"), "client|list");
    assert_eq!(field(line, "redir"), "-1");
    assert_eq!(field(line, "resp"), "2");
    assert_eq!(field(line, "laddr"), format!("127.0.0.1:{}", srv.port));
    let id = c.cmd(&["CLIENT", "ID"]).int();
    assert_eq!(field(line, "id"), id.to_string());
    let info = c.cmd(&["CLIENT", "INFO"]).text();
    assert_eq!(field(&info, "cmd"), "client|info");
    assert!(info.ends_with('\n'));
}

#[test]
fn client_list_filters() {
    let srv = Server::start();
    let mut c = srv.conn();
    let mut other = srv.conn();
    let other_id = other.cmd(&["CLIENT", "ID"]).int();
    let list = c
        .cmd(&["CLIENT", "LIST", "ID", &other_id.to_string(), "999999"])
        .text();
    assert_eq!(list.lines().count(), 1);
    assert_eq!(field(&list, "id"), other_id.to_string());
    assert_eq!(field(&list, "cmd"), "client|id");
    assert_eq!(
        c.cmd(&["CLIENT", "LIST", "TYPE", "normal"])
            .text()
            .lines()
            .count(),
        2
    );
    assert_eq!(c.cmd(&["CLIENT", "LIST", "TYPE", "pubsub"]).text(), "");
    assert_eq!(
        c.cmd(&["CLIENT", "LIST", "TYPE", "bogus"]),
        Reply::Error("ERR Unknown client type 'bogus'".into())
    );
    assert_eq!(
        c.cmd(&["CLIENT", "LIST", "ID", "abc"]),
        Reply::Error("ERR Invalid client ID".into())
    );
    assert_eq!(
        c.cmd(&["CLIENT", "LIST", "bogus"]),
        Reply::Error("ERR syntax error".into())
    );
}

#[test]
fn client_setname_getname() {
    let srv = Server::start();
    let mut c = srv.conn();
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), Reply::Nil);
    assert!(c.cmd(&["CLIENT", "LIST"]).text().contains(" name= "));
    assert!(c.cmd(&["CLIENT", "SETNAME", "foo bar"]).is_error());
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "myname"]), ok());
    assert_eq!(
        c.cmd(&["CLIENT", "GETNAME"]),
        Reply::Bulk(b"myname".to_vec())
    );
    assert!(c.cmd(&["CLIENT", "LIST"]).text().contains(" name=myname "));
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", ""]), ok());
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), Reply::Nil);
}

#[test]
fn client_kill_forms_and_errors() {
    let srv = Server::start();
    let mut c = srv.conn();
    assert_eq!(
        c.cmd(&["CLIENT", "KILL"]),
        Reply::Error("ERR wrong number of arguments for 'client|kill' command".into())
    );
    assert_eq!(
        c.cmd(&["CLIENT", "KILL", "id", "10", "wrong_arg"]),
        Reply::Error("ERR syntax error".into())
    );
    for bad in ["str", "-1", "0"] {
        assert_eq!(
            c.cmd(&["CLIENT", "KILL", "id", bad]),
            Reply::Error("ERR client-id should be greater than 0".into())
        );
    }
    assert_eq!(
        c.cmd(&["CLIENT", "KILL", "type", "wrong_type"]),
        Reply::Error("ERR Unknown client type 'wrong_type'".into())
    );
    assert_eq!(
        c.cmd(&["CLIENT", "KILL", "user", "wrong_user"]),
        Reply::Error("ERR No such user 'wrong_user'".into())
    );
    assert!(c.cmd(&["CLIENT", "KILL", "skipme", "maybe"]).is_error());
    assert_eq!(
        c.cmd(&["CLIENT", "KILL", "1.2.3.4:5"]),
        Reply::Error("ERR No such client".into())
    );

    // Old form by address.
    let mut v = srv.conn();
    let addr = field(&v.cmd(&["CLIENT", "INFO"]).text(), "addr").to_string();
    assert_eq!(c.cmd(&["CLIENT", "KILL", &addr]), ok());
    assert_eq!(v.try_read(), None, "killed client is disconnected");

    // New form: every other client, then everyone including the caller.
    let _a = srv.conn();
    let _b = srv.conn();
    assert!(wait_until(Duration::from_secs(2), || {
        c.cmd(&["CLIENT", "LIST"]).text().lines().count() == 3
    }));
    assert_eq!(c.cmd(&["CLIENT", "KILL", "SKIPME", "yes"]), Reply::Int(2));
    assert!(wait_until(Duration::from_secs(2), || {
        c.cmd(&["CLIENT", "LIST"]).text().lines().count() == 1
    }));
    let _d = srv.conn();
    assert!(wait_until(Duration::from_secs(2), || {
        c.cmd(&["CLIENT", "LIST"]).text().lines().count() == 2
    }));
    assert_eq!(c.cmd(&["CLIENT", "KILL", "SKIPME", "no"]), Reply::Int(2));
    assert_eq!(c.try_read(), None, "the caller is closed after its reply");
    let mut e = srv.conn();
    let id = e.cmd(&["CLIENT", "ID"]).int();
    let mut f = srv.conn();
    assert_eq!(
        f.cmd(&["CLIENT", "KILL", "ID", &id.to_string()]),
        Reply::Int(1)
    );
    assert_eq!(e.try_read(), None);
}

#[test]
fn client_reply_off_skip_on() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.send(&["CLIENT", "REPLY", "OFF"]);
    c.send(&["PING", "pong1"]);
    c.send(&["CLIENT", "REPLY", "ON"]);
    assert_eq!(c.read(), ok());
    assert_eq!(c.cmd(&["PING", "pong3"]), Reply::Bulk(b"pong3".to_vec()));
    c.send(&["CLIENT", "REPLY", "SKIP"]);
    c.send(&["PING", "skipped"]);
    assert_eq!(c.cmd(&["PING", "shown"]), Reply::Bulk(b"shown".to_vec()));
    c.send(&["CLIENT", "REPLY", "SKIP"]);
    assert_eq!(c.cmd(&["CLIENT", "REPLY", "ON"]), ok());
    assert!(c.cmd(&["CLIENT", "REPLY", "MAYBE"]).is_error());
}

#[test]
fn client_misc_subcommands() {
    let srv = Server::start();
    let mut c = srv.conn();
    assert_eq!(c.cmd(&["CLIENT", "NO-EVICT", "on"]), ok());
    assert_eq!(field(&c.cmd(&["CLIENT", "INFO"]).text(), "flags"), "e");
    assert_eq!(c.cmd(&["CLIENT", "NO-EVICT", "off"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "GETREDIR"]), Reply::Int(-1));
    assert_eq!(c.cmd(&["CLIENT", "UNBLOCK", "12345"]), Reply::Int(0));
    assert_eq!(
        c.cmd(&["CLIENT", "UNBLOCK", "1", "maybe"]),
        Reply::Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR".into())
    );
    assert_eq!(c.cmd(&["CLIENT", "PAUSE", "10"]), ok());
    assert_eq!(c.cmd(&["CLIENT", "UNPAUSE"]), ok());
    assert_eq!(
        c.cmd(&["CLIENT", "PAUSE", "10", "SOME"]),
        Reply::Error("ERR CLIENT PAUSE mode must be WRITE or ALL".into())
    );
    assert_eq!(c.cmd(&["CLIENT", "TRACKING", "off"]), ok());
    assert_eq!(
        c.cmd(&["CLIENT", "NOSUCH"]),
        Reply::Error("ERR unknown subcommand 'NOSUCH'. Try CLIENT HELP.".into())
    );
    let help = c.cmd(&["CLIENT", "HELP"]);
    assert_eq!(
        help.items()[0].text(),
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    );
    assert_eq!(
        help.items().last().map(|r| r.text()).as_deref(),
        Some("    Prints this help.")
    );
}

#[test]
fn monitor_shows_commands_in_redis_format() {
    let srv = Server::start();
    let mut m = srv.conn();
    assert_eq!(m.cmd(&["MONITOR"]), ok());
    assert!(srv
        .conn()
        .cmd(&["CLIENT", "LIST"])
        .text()
        .contains("flags=O"));
    let mut c = srv.conn();
    c.cmd(&["SET", "foo", "bar\"\n\x01"]);
    c.cmd(&["GET", "foo"]);
    c.cmd(&["CLIENT", "LIST"]); // admin: not shown
    c.cmd(&["SELECT", "3"]);
    c.cmd(&["AUTH", "secret"]);
    let set = m.read().text();
    let (ts, rest) = set.split_once(' ').expect("timestamp");
    let (secs, micros) = ts.split_once('.').expect("seconds.micros");
    assert!(secs.parse::<u64>().is_ok() && micros.len() == 6);
    let port = field(&c.cmd(&["CLIENT", "INFO"]).text(), "addr").to_string();
    assert_eq!(
        rest,
        format!("[0 {port}] \"SET\" \"foo\" \"bar\\\"\\n\\x01\"")
    );
    assert!(m.read().text().ends_with("\"GET\" \"foo\""));
    let select = m.read().text();
    assert!(
        select.ends_with(&format!("[3 {port}] \"SELECT\" \"3\"")),
        "{select}"
    );
    let auth = m.read().text();
    assert!(auth.ends_with("\"AUTH\" \"(redacted)\""), "{auth}");
}

#[test]
fn command_count_info_docs_list() {
    let srv = Server::start();
    let mut c = srv.conn();
    let count = c.cmd(&["COMMAND", "COUNT"]).int();
    let all = c.cmd(&["COMMAND"]);
    assert_eq!(all.items().len() as i64, count);
    let info = c.cmd(&["COMMAND", "INFO", "get", "client|kill", "get|key", "nosuch"]);
    let items = info.items();
    assert_eq!(items.len(), 4);
    let get = items[0].items();
    assert_eq!(get.len(), 10);
    assert_eq!(get[0].text(), "get");
    assert_eq!(get[1].int(), 2);
    assert_eq!(
        get[2],
        Reply::Array(vec![
            Reply::Status("readonly".into()),
            Reply::Status("fast".into())
        ])
    );
    assert_eq!((get[3].int(), get[4].int(), get[5].int()), (1, 1, 1));
    assert_eq!(
        get[6],
        Reply::Array(vec![
            Reply::Status("@read".into()),
            Reply::Status("@string".into()),
            Reply::Status("@fast".into())
        ])
    );
    assert_eq!(items[1].items()[0].text(), "client|kill");
    assert_eq!(items[2], Reply::Nil);
    assert_eq!(items[3], Reply::Nil);
    let client = c.cmd(&["COMMAND", "INFO", "client"]);
    let subs = client.items()[0].items()[9].items();
    assert!(subs.iter().any(|s| s.items()[0].text() == "client|list"));

    let docs = c.cmd(&["COMMAND", "DOCS", "info", "nosuch"]);
    let d = docs.items();
    assert_eq!(d.len(), 2);
    assert_eq!(d[0].text(), "info");
    let body: Vec<String> = d[1].items().iter().step_by(2).map(|k| k.text()).collect();
    assert_eq!(
        body,
        [
            "summary",
            "since",
            "group",
            "complexity",
            "history",
            "arguments"
        ]
    );

    let list = c.cmd(&["COMMAND", "LIST"]);
    let names: Vec<String> = list.items().iter().map(|r| r.text()).collect();
    assert!(names.contains(&"client|list".to_string()) && names.contains(&"get".to_string()));
    let pat = c.cmd(&["COMMAND", "LIST", "FILTERBY", "PATTERN", "cl*help"]);
    assert_eq!(
        pat,
        Reply::Array(vec![Reply::Bulk(b"client|help".to_vec())])
    );
    let admin = c.cmd(&["COMMAND", "LIST", "FILTERBY", "ACLCAT", "admin"]);
    let admin: Vec<String> = admin.items().iter().map(|r| r.text()).collect();
    assert!(admin.contains(&"debug".to_string()) && !admin.contains(&"get".to_string()));
    assert_eq!(
        c.cmd(&["COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"]),
        Reply::Array(vec![])
    );
    assert_eq!(
        c.cmd(&["COMMAND", "LIST", "bad"]),
        Reply::Error("ERR syntax error".into())
    );
}

#[test]
fn command_getkeys() {
    let srv = Server::start();
    let mut c = srv.conn();
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "get", "key"]),
        Reply::Array(vec![Reply::Bulk(b"key".to_vec())])
    );
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "memory", "usage", "k"]),
        Reply::Array(vec![Reply::Bulk(b"k".to_vec())])
    );
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYSANDFLAGS", "set", "k1", "v1"]),
        Reply::Array(vec![Reply::Array(vec![
            Reply::Bulk(b"k1".to_vec()),
            Reply::Array(vec![
                Reply::Status("OW".into()),
                Reply::Status("update".into())
            ])
        ])])
    );
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "nosuch", "x"]),
        Reply::Error("ERR Invalid command specified".into())
    );
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "ping", "x"]),
        Reply::Error("ERR The command has no key arguments".into())
    );
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "get", "a", "b"]),
        Reply::Error("ERR Invalid number of arguments specified for command".into())
    );
}

#[test]
fn redis_cli_reads_command_docs_for_help() {
    let srv = Server::start();
    let mut child = Command::new("redis-cli")
        .args(["-p", &srv.port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(child) = child.as_mut() else {
        eprintln!("redis-cli not installed; skipping");
        return;
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"help client kill\nping\n")
        .expect("write");
    let out = child.wait_with_output_ref();
    assert!(out.contains("CLIENT KILL"), "{out}");
    assert!(out.contains("Kill the connection of a client"), "{out}");
    assert!(out.contains("PONG"), "{out}");
    assert!(!out.contains("ERR"), "{out}");
}

trait WaitRef {
    fn wait_with_output_ref(&mut self) -> String;
}

impl WaitRef for std::process::Child {
    fn wait_with_output_ref(&mut self) -> String {
        let mut out = String::new();
        if let Some(mut s) = self.stdout.take() {
            let _ = std::io::Read::read_to_string(&mut s, &mut out);
        }
        if let Some(mut s) = self.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut s, &mut out);
        }
        let _ = self.wait();
        out
    }
}
