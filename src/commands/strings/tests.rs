//! In-process tests of the string commands: what clients cannot see over
//! the wire yet (encodings, TTLs, the dirty counter, propagation rewrites)
//! checked on a real `Server` with one client on a socket pair.

use std::io::Read;

use crate::client::{Client, Conn};
use crate::commands::{process_command, Argv};
use crate::config::Config;
use crate::db::object::StrValue;
use crate::server::Server;

struct Harness {
    srv: Server,
    cid: usize,
    peer: std::os::unix::net::UnixStream,
}

impl Harness {
    fn new() -> Harness {
        let mut srv = Server::new(Config::default(), "rudis-test".into()).expect("server");
        let (ours, theirs) = std::os::unix::net::UnixStream::pair().expect("socket pair");
        ours.set_nonblocking(true).expect("nonblocking");
        theirs.set_nonblocking(true).expect("nonblocking");
        let conn = Conn::Unix(mio::net::UnixStream::from_std(ours));
        let now = srv.ks.now_ms;
        let id = srv.next_client_id;
        srv.next_client_id += 1;
        let cid = srv
            .clients
            .insert(Client::new(id, conn, "test:0".into(), "test:0".into(), now));
        Harness {
            srv,
            cid,
            peer: theirs,
        }
    }

    /// Runs one command and returns its raw reply bytes.
    fn raw(&mut self, args: &[&[u8]]) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut spans = Vec::new();
        for a in args {
            spans.push((buf.len(), a.len()));
            buf.extend_from_slice(a);
        }
        process_command(&mut self.srv, self.cid, &Argv::new(&buf, &spans));
        let mut out = Vec::new();
        loop {
            let done = self.srv.clients[self.cid].write_pending().expect("write");
            let mut chunk = [0u8; 65536];
            loop {
                match self.peer.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => out.extend_from_slice(&chunk[..n]),
                    Err(_) => break,
                }
            }
            if done {
                break;
            }
        }
        out
    }

    fn cmd(&mut self, line: &str) -> String {
        let args: Vec<&[u8]> = line.split(' ').map(|s| s.as_bytes()).collect();
        String::from_utf8_lossy(&self.raw(&args)).into_owned()
    }

    fn encoding(&self, key: &str) -> &'static str {
        self.srv.ks.dbs[0]
            .dict
            .get(key.as_bytes())
            .map_or("none", |o| o.encoding_name())
    }

    fn ttl_ms(&self, key: &str) -> Option<i64> {
        self.srv
            .ks
            .get_expire(0, key.as_bytes())
            .map(|t| t - crate::db::mstime())
    }

    /// The propagation rewrite of the last command, as a space-joined line.
    fn rewritten(&self) -> Option<String> {
        self.srv.propagation.rewritten.as_ref().map(|v| {
            v.iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        })
    }

    fn dirty(&self) -> u64 {
        self.srv.ks.dirty
    }
}

#[test]
fn encodings_follow_redis() {
    let mut h = Harness::new();
    h.cmd("SET n 12345");
    assert_eq!(h.encoding("n"), "int");
    h.cmd("SET s hello");
    assert_eq!(h.encoding("s"), "embstr");
    let long = "x".repeat(45);
    h.cmd(&format!("SET l {long}"));
    assert_eq!(h.encoding("l"), "raw");
    h.cmd("SET z 0123");
    assert_eq!(h.encoding("z"), "embstr");
    h.cmd("INCR n");
    assert_eq!(h.encoding("n"), "int");
    h.cmd("APPEND s !");
    assert_eq!(h.encoding("s"), "raw");
    h.cmd("APPEND new 42");
    assert_eq!(h.encoding("new"), "int");
    h.cmd("SETRANGE n 0 9");
    assert_eq!(h.encoding("n"), "raw");
    h.cmd("SET n2 7");
    h.cmd("SETRANGE n2 0 ");
    assert_eq!(
        h.encoding("n2"),
        "int",
        "an empty SETRANGE leaves the value alone"
    );
    h.cmd("SETRANGE fresh 1 a");
    assert_eq!(h.encoding("fresh"), "raw");
    h.cmd("SETBIT b 1 1");
    assert_eq!(h.encoding("b"), "raw");
    h.cmd("SET short 1");
    h.cmd("BITOP OR dest short");
    assert_eq!(h.encoding("dest"), "raw");
    h.cmd("INCRBYFLOAT f 3");
    assert_eq!(h.encoding("f"), "embstr", "INCRBYFLOAT never stores int");
    h.cmd("MSET m1 1 m2 abc");
    assert_eq!((h.encoding("m1"), h.encoding("m2")), ("int", "embstr"));
    h.cmd("GETSET m2 99");
    assert_eq!(h.encoding("m2"), "int");
}

#[test]
fn ttls_kept_or_cleared_as_redis() {
    let mut h = Harness::new();
    h.cmd("SET k 10 EX 100");
    assert!(h.ttl_ms("k").is_some_and(|t| t > 99_000 && t <= 100_000));
    h.cmd("INCR k");
    assert!(h.ttl_ms("k").is_some(), "INCR keeps the TTL");
    h.cmd("INCRBYFLOAT k 1.5");
    assert!(h.ttl_ms("k").is_some(), "INCRBYFLOAT keeps the TTL");
    h.cmd("APPEND k x");
    assert!(h.ttl_ms("k").is_some(), "APPEND keeps the TTL");
    h.cmd("SETRANGE k 0 y");
    assert!(h.ttl_ms("k").is_some(), "SETRANGE keeps the TTL");
    h.cmd("SETBIT k 100 1");
    assert!(h.ttl_ms("k").is_some(), "SETBIT keeps the TTL");
    h.cmd("SET k v KEEPTTL");
    assert!(h.ttl_ms("k").is_some(), "KEEPTTL keeps the TTL");
    h.cmd("SET k v");
    assert!(h.ttl_ms("k").is_none(), "a plain SET clears the TTL");
    h.cmd("SET k v PX 5000");
    h.cmd("GETSET k w");
    assert!(h.ttl_ms("k").is_none(), "GETSET clears the TTL");
    h.cmd("PSETEX k 5000 v");
    h.cmd("MSET k v");
    assert!(h.ttl_ms("k").is_none(), "MSET clears the TTL");
    h.cmd("SETEX d 100 v");
    h.cmd("BITOP NOT d d");
    assert!(h.ttl_ms("d").is_none(), "BITOP's destination loses its TTL");
    h.cmd("GETEX d PX 7000");
    assert!(h.ttl_ms("d").is_some_and(|t| t > 6000 && t <= 7000));
    h.cmd("GETEX d PERSIST");
    assert!(h.ttl_ms("d").is_none());
    h.cmd("GETEX d EXAT 1");
    assert_eq!(h.cmd("GET d"), "$-1\r\n", "a past EXAT deletes the key");
}

#[test]
fn propagation_rewrites() {
    let mut h = Harness::new();
    h.cmd("SET k v EX 100");
    let r = h.rewritten().expect("rewritten");
    let parts: Vec<&str> = r.split(' ').collect();
    assert_eq!(&parts[..4], ["SET", "k", "v", "PXAT"]);
    let at: i64 = parts[4].parse().expect("ms");
    assert!((at - crate::db::mstime() - 100_000).abs() < 1000);

    h.cmd("SETEX k 10 v");
    assert!(h
        .rewritten()
        .is_some_and(|r| r.starts_with("SET k v PXAT ")));
    h.cmd("PSETEX k 10000 v");
    assert!(h
        .rewritten()
        .is_some_and(|r| r.starts_with("SET k v PXAT ")));
    h.cmd("SET k v PXAT 99999999999999");
    assert_eq!(
        h.rewritten().as_deref(),
        Some("SET k v PXAT 99999999999999")
    );
    h.cmd("SET k v EXAT 99999999999");
    assert_eq!(
        h.rewritten().as_deref(),
        Some("SET k v PXAT 99999999999000")
    );

    h.cmd("SET k v2 get KEEPTTL GET");
    assert_eq!(h.rewritten().as_deref(), Some("SET k v2 KEEPTTL"));
    h.cmd("SET k v3");
    assert_eq!(h.rewritten(), None);

    h.cmd("GETSET k v4");
    assert_eq!(h.rewritten().as_deref(), Some("SET k v4"));

    h.cmd("SET f 10.5");
    h.cmd("INCRBYFLOAT f 0.1");
    assert_eq!(h.rewritten().as_deref(), Some("SET f 10.6 KEEPTTL"));

    h.cmd("GETEX f");
    assert_eq!(h.rewritten(), None);
    h.cmd("GETEX f EX 100");
    assert!(h.rewritten().is_some_and(|r| r.starts_with("PEXPIREAT f ")));
    h.cmd("GETEX f PERSIST");
    assert_eq!(h.rewritten().as_deref(), Some("PERSIST f"));
    h.cmd("GETEX f PERSIST");
    assert_eq!(h.rewritten(), None, "nothing to persist");
    h.cmd("GETEX f PXAT 1");
    assert_eq!(h.rewritten().as_deref(), Some("DEL f"));

    h.cmd("SET g x");
    h.cmd("GETDEL g");
    assert_eq!(h.rewritten().as_deref(), Some("DEL g"));
}

#[test]
fn dirty_counts_changes_only() {
    let mut h = Harness::new();
    let d = h.dirty();
    h.cmd("SET a 1");
    h.cmd("SET a 2 NX");
    h.cmd("SET b 2 XX");
    assert_eq!(h.dirty(), d + 1);
    h.cmd("MSET a 1 b 2 c 3");
    assert_eq!(h.dirty(), d + 4);
    h.cmd("MSETNX a 1 z 2");
    assert_eq!(h.dirty(), d + 4);
    h.cmd("SETRANGE a 0 ");
    h.cmd("GETEX a");
    h.cmd("GETDEL nokey");
    h.cmd("INCR b");
    h.cmd("INCR c");
    assert_eq!(h.dirty(), d + 6);
    h.cmd("SETBIT s 0 0");
    h.cmd("SETBIT s 0 0");
    h.cmd("SETBIT s 0 1");
    assert_eq!(h.dirty(), d + 8);
    h.cmd("BITFIELD bf SET u8 0 1 SET u8 8 1");
    assert_eq!(h.dirty(), d + 10);
    h.cmd("BITFIELD bf SET u8 0 1 INCRBY u8 8 0");
    assert_eq!(h.dirty(), d + 10);
    h.cmd("BITOP AND empty nokey1 nokey2");
    assert_eq!(h.dirty(), d + 10, "deleting nothing changes nothing");
}

#[test]
fn replies_and_errors() {
    let mut h = Harness::new();
    assert_eq!(
        h.cmd("SET k v EX 0"),
        "-ERR invalid expire time in 'set' command\r\n"
    );
    assert_eq!(
        h.cmd("SETEX k -1 v"),
        "-ERR invalid expire time in 'setex' command\r\n"
    );
    assert_eq!(
        h.cmd("PSETEX k 0 v"),
        "-ERR invalid expire time in 'psetex' command\r\n"
    );
    assert_eq!(
        h.cmd("SET k v EX 9223372036854775"),
        "-ERR invalid expire time in 'set' command\r\n"
    );
    assert_eq!(h.cmd("SET k v"), "+OK\r\n");
    assert_eq!(
        h.cmd("GETEX k EX 0"),
        "-ERR invalid expire time in 'getex' command\r\n"
    );
    assert_eq!(
        h.cmd("GETEX k PX x"),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(h.cmd("SET k v NX XX"), "-ERR syntax error\r\n");
    assert_eq!(h.cmd("SET k v EX 10 PX 10"), "-ERR syntax error\r\n");
    assert_eq!(h.cmd("SET k v KEEPTTL EX 10"), "-ERR syntax error\r\n");
    assert_eq!(h.cmd("SET k v EX"), "-ERR syntax error\r\n");
    assert_eq!(h.cmd("GETEX k PERSIST EX 10"), "-ERR syntax error\r\n");
    assert_eq!(h.cmd("GETEX k KEEPTTL"), "-ERR syntax error\r\n");
    assert_eq!(
        h.cmd("MSET a 1 b"),
        "-ERR wrong number of arguments for 'mset' command\r\n"
    );
    assert_eq!(
        h.cmd("INCRBY k 1"),
        "-ERR value is not an integer or out of range\r\n"
    );
    h.cmd("SET n 9223372036854775807");
    assert_eq!(
        h.cmd("INCR n"),
        "-ERR increment or decrement would overflow\r\n"
    );
    assert_eq!(
        h.cmd("DECRBY n -9223372036854775808"),
        "-ERR decrement would overflow\r\n"
    );
    assert_eq!(
        h.cmd("INCRBYFLOAT k 1"),
        "-ERR value is not a valid float\r\n"
    );
    h.cmd("SET f 0");
    assert_eq!(
        h.cmd("INCRBYFLOAT f +inf"),
        "-ERR increment would produce NaN or Infinity\r\n"
    );
    assert_eq!(
        h.cmd("SETBIT b 4294967296 1"),
        "-ERR bit offset is not an integer or out of range\r\n"
    );
    assert_eq!(
        h.cmd("SETBIT b 0 2"),
        "-ERR bit is not an integer or out of range\r\n"
    );
    assert_eq!(h.cmd("SETRANGE k -1 x"), "-ERR offset is out of range\r\n");
    assert_eq!(
        h.cmd("SETRANGE k 536870911 xx"),
        "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    );
    assert_eq!(
        h.cmd("BITPOS k 2"),
        "-ERR The bit argument must be 1 or 0.\r\n"
    );
    assert_eq!(
        h.cmd("BITOP NOT d a b"),
        "-ERR BITOP NOT must be called with a single source key.\r\n"
    );
    assert_eq!(
        h.cmd("BITFIELD k GET u64 0"),
        "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"
    );
    assert_eq!(
        h.cmd("BITFIELD k OVERFLOW x"),
        "-ERR Invalid OVERFLOW type specified\r\n"
    );
    assert_eq!(
        h.cmd("BITFIELD_RO k SET u8 0 1"),
        "-ERR BITFIELD_RO only supports the GET subcommand\r\n"
    );
    assert_eq!(
        h.cmd("LCS k k LEN IDX"),
        "-ERR If you want both the length and indexes, please just use IDX.\r\n"
    );
    assert_eq!(h.cmd("SET f 10.50"), "+OK\r\n");
    assert_eq!(h.cmd("INCRBYFLOAT f 0.1"), "$4\r\n10.6\r\n");
    // Redis 7.0.15 answers exactly this: 17 decimals of the long double.
    assert_eq!(
        h.cmd("INCRBYFLOAT f -5.0e3"),
        "$23\r\n-4989.39999999999999991\r\n"
    );
}

#[test]
fn keyspace_stats_count_reads_only() {
    let mut h = Harness::new();
    h.cmd("SET a 1");
    h.cmd("GET a");
    h.cmd("GET nokey");
    h.cmd("MGET a nokey");
    h.cmd("INCR a");
    let st = &h.srv.ks.stats;
    assert_eq!((st.keyspace_hits, st.keyspace_misses), (2, 2));
}

#[test]
fn hundred_megabyte_value_in_place() {
    let mut h = Harness::new();
    h.cmd("SETRANGE big 104857599 x");
    let v = h.srv.ks.dbs[0]
        .dict
        .get(&b"big"[..])
        .and_then(|o| o.as_str());
    assert!(matches!(v, Some(StrValue::Raw(r)) if r.len() == 104_857_600));
    assert_eq!(h.cmd("STRLEN big"), ":104857600\r\n");
    assert_eq!(h.cmd("BITCOUNT big"), format!(":{}\r\n", b'x'.count_ones()));
}
