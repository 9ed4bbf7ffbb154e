//! The wire protocol as a client sees it: multibulk and inline requests, pipelining, the
//! protocol errors that close a connection (and only that connection), the limits for clients
//! that have not authenticated, `proto-max-bulk-len` and `client-query-buffer-limit`, huge
//! values, malformed input thrown at the server, RESP3 negotiation with HELLO, and the error
//! texts for unknown commands and wrong arity.
//!
//! Every expectation is Redis 7.0.15's: `RUDIS_TEST_SERVER_BIN=/usr/bin/redis-server cargo test
//! --test protocol` runs the same assertions against real Redis.

mod common;

use common::{Client, ClientError, Reply, TestServer};
use std::time::{Duration, Instant};

const SECS_10: Duration = Duration::from_secs(10);

fn bulk(s: &str) -> Reply {
    Reply::Bulk(Some(s.as_bytes().to_vec()))
}

fn err(s: &str) -> Reply {
    Reply::Error(s.into())
}

/// Sends `bytes` on a fresh connection and checks that the server answers
/// `-ERR Protocol error: <what>` and closes that connection, while `other` (a connection
/// opened before) and a new connection are still served.
#[track_caller]
fn assert_protocol_error(srv: &TestServer, other: &mut Client, bytes: &[u8], what: &str) {
    let mut c = srv.client();
    c.send_raw(bytes);
    assert_eq!(
        c.read_reply(),
        err(&format!("ERR Protocol error: {what}")),
        "for {:?}",
        bytes.escape_ascii().to_string()
    );
    assert!(
        c.wait_closed(SECS_10),
        "connection left open after protocol error {what:?}"
    );
    assert_eq!(other.cmd(&["PING"]), "PONG");
    let mut fresh = srv.client();
    if let Some(password) = srv
        .args()
        .iter()
        .skip_while(|a| *a != "--requirepass")
        .nth(1)
    {
        fresh.cmd(&["AUTH", password]).assert_ok();
    }
    assert_eq!(fresh.cmd(&["PING"]), "PONG");
}

// ---------------------------------------------------------------------------------------------
// Well-formed requests
// ---------------------------------------------------------------------------------------------

#[test]
fn multibulk_arguments_are_binary_safe() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.send_raw(b"*3\r\n$3\r\nSET\r\n$4\r\nk\r\n1\r\n$5\r\n\x00\"\r\n \r\n");
    c.read_reply().assert_ok();
    assert_eq!(c.cmd_bytes(&[b"GET", b"k\r\n1"]).as_bytes(), b"\x00\"\r\n ");
    // Empty arguments, lower-case command names, a request split across writes.
    c.send_raw(b"*3\r\n$3\r\nset\r\n$0\r\n\r\n$0\r\n\r\n");
    c.read_reply().assert_ok();
    c.send_raw(b"*2\r\n$3\r\nG");
    std::thread::sleep(Duration::from_millis(20));
    c.send_raw(b"ET\r\n$0\r");
    std::thread::sleep(Duration::from_millis(20));
    c.send_raw(b"\n\r\n");
    assert_eq!(c.read_reply(), bulk(""));
}

#[test]
fn inline_commands_with_quotes_and_escapes() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.send_raw(b"PING\r\n");
    assert_eq!(c.read_reply(), Reply::Status("PONG".into()));
    // A bare \n ends an inline request too; blanks around words are skipped.
    c.send_raw(b"  ECHO   hello  \n");
    assert_eq!(c.read_reply(), bulk("hello"));
    c.send_raw(b"SET k \"a b\\x41\\n\\t\\\"\\\\\"\r\n");
    c.read_reply().assert_ok();
    assert_eq!(c.cmd(&["GET", "k"]), bulk("a bA\n\t\"\\"));
    c.send_raw(b"ECHO 'it\\'s \"raw\" \\n'\r\n");
    assert_eq!(c.read_reply(), bulk("it's \"raw\" \\n"));
    c.send_raw(b"ECHO \"\"\r\n");
    assert_eq!(c.read_reply(), bulk(""));
    c.send_raw(b"ECHO \"\\xZZ\\q\"\r\n");
    assert_eq!(c.read_reply(), bulk("xZZq"));
    // Inline and multibulk requests mix freely in one write.
    c.send_raw(b"SET a 1\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\nGET a\r\n");
    c.read_reply().assert_ok();
    assert_eq!(c.read_reply(), bulk("1"));
    assert_eq!(c.read_reply(), bulk("1"));
}

#[test]
fn nul_and_c_whitespace_in_inline_requests() {
    let srv = TestServer::start();
    let mut c = srv.client();
    // C's isspace: \v and \f are skipped between words, and may follow a closing quote.
    c.send_raw(b"\x0b\x0cECHO \x0b\"a\"\x0c\r\n");
    assert_eq!(c.read_reply(), bulk("a"));
    // Redis finds the end of an inline line with strchr, which stops at a NUL: the request
    // never completes, and the connection is cut once 64 KiB are pending.
    c.send_raw(b"ECHO a\x00b\r\nPING\r\n");
    assert!(matches!(
        c.read_reply_timeout(Duration::from_millis(200)),
        Err(ClientError::Timeout)
    ));
    assert_eq!(srv.client().cmd(&["PING"]), "PONG");
    c.send_raw(&[b'x'; 64 * 1024]);
    assert_eq!(
        c.read_reply(),
        err("ERR Protocol error: too big inline request")
    );
    assert!(c.wait_closed(SECS_10));
}

#[test]
fn pipelined_requests_in_one_write_are_answered_in_order() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let mut wire = Vec::new();
    for i in 0..1000 {
        let req: Vec<String> = match i % 4 {
            0 => vec!["SET".into(), format!("k{i}"), format!("v{i}")],
            1 => vec!["GET".into(), format!("k{}", i - 1)],
            2 => vec!["ECHO".into(), format!("e{i}")],
            _ => vec!["PING".into()],
        };
        wire.extend_from_slice(&common::client::encode_command(&req));
    }
    c.send_raw(&wire);
    for i in 0..1000 {
        let r = c.read_reply();
        match i % 4 {
            0 => r.assert_ok(),
            1 => assert_eq!(r, bulk(&format!("v{}", i - 1)), "reply {i}"),
            2 => assert_eq!(r, bulk(&format!("e{i}")), "reply {i}"),
            _ => assert_eq!(r, Reply::Status("PONG".into()), "reply {i}"),
        }
    }
    assert_eq!(c.cmd(&["DBSIZE"]), 250);
    // Inline requests pipeline the same way.
    let inline: String = (0..200).map(|i| format!("ECHO i{i}\r\n")).collect();
    c.send_raw(inline.as_bytes());
    for i in 0..200 {
        assert_eq!(c.read_reply(), bulk(&format!("i{i}")));
    }
}

#[test]
fn empty_queries_and_empty_multibulks_are_ignored() {
    let srv = TestServer::start();
    let mut c = srv.client();
    for nothing in [
        &b"\r\n"[..],
        b"\n",
        b"   \r\n",
        b"*-10\r\n",
        b"*0\r\n",
        b"*-1\r\n",
    ] {
        c.send_raw(nothing);
        assert_eq!(
            c.cmd(&["PING"]),
            "PONG",
            "after {:?}",
            nothing.escape_ascii()
        );
    }
    // Nothing at all was answered for them.
    assert!(matches!(
        c.read_reply_timeout(Duration::from_millis(100)),
        Err(ClientError::Timeout)
    ));
}

#[test]
fn a_hundred_megabyte_value() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.set_timeout(Duration::from_secs(60));
    let len = 100 * 1024 * 1024;
    let mut wire = format!("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n${len}\r\n").into_bytes();
    wire.reserve(len + 2);
    wire.extend((0..len).map(|i| b'a' + (i % 26) as u8));
    wire.extend_from_slice(b"\r\n");
    c.send_raw(&wire);
    c.read_reply().assert_ok();
    drop(wire);
    assert_eq!(c.cmd(&["STRLEN", "big"]), len as i64);
    let got = c.cmd(&["GET", "big"]);
    let got = got.as_bytes();
    assert_eq!(got.len(), len);
    let first_bad = got
        .iter()
        .enumerate()
        .position(|(i, &b)| b != b'a' + (i % 26) as u8);
    assert_eq!(first_bad, None, "the value came back altered");
}

// ---------------------------------------------------------------------------------------------
// Protocol errors
// ---------------------------------------------------------------------------------------------

#[test]
fn multibulk_protocol_errors_close_only_that_connection() {
    let srv = TestServer::start();
    let mut other = srv.client();
    other.cmd(&["SET", "before", "1"]).assert_ok();
    let cases: &[(&[u8], &str)] = &[
        (b"*3000000000\r\n", "invalid multibulk length"),
        (b"*abc\r\n", "invalid multibulk length"),
        (
            b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
            "expected '$', got 'f'",
        ),
        (b"*1\r\nfoo\r\n", "expected '$', got 'f'"),
        (
            b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n",
            "invalid bulk length",
        ),
        (
            b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n",
            "invalid bulk length",
        ),
        (
            b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n",
            "invalid bulk length",
        ),
        (b"*1\r\n$\r\n", "invalid bulk length"),
    ];
    for (bytes, what) in cases {
        assert_protocol_error(&srv, &mut other, bytes, what);
    }
    // Replies to requests before the bad one still arrive, in order.
    let mut c = srv.client();
    c.send_raw(b"PING\r\n*1\r\n$4\r\nPING\r\n*1\r\nx\r\n");
    assert_eq!(c.read_reply(), "PONG");
    assert_eq!(c.read_reply(), "PONG");
    assert_eq!(
        c.read_reply(),
        err("ERR Protocol error: expected '$', got 'x'")
    );
    assert!(c.wait_closed(SECS_10));
    assert_eq!(other.cmd(&["GET", "before"]), "1");
}

#[test]
fn inline_protocol_errors_close_only_that_connection() {
    let srv = TestServer::start();
    let mut other = srv.client();
    assert_protocol_error(
        &srv,
        &mut other,
        b"set \"\"\"test-key\"\"\" test-value\r\nping\r\n",
        "unbalanced quotes in request",
    );
    assert_protocol_error(
        &srv,
        &mut other,
        b"ECHO \"no end\r\n",
        "unbalanced quotes in request",
    );
    assert_protocol_error(
        &srv,
        &mut other,
        b"ECHO 'closed'too\r\n",
        "unbalanced quotes in request",
    );
    // More than 64 KiB without a newline.
    let long = vec![b'a'; 70 * 1024];
    assert_protocol_error(&srv, &mut other, &long, "too big inline request");
    let mut long = b"*".to_vec();
    long.extend(std::iter::repeat_n(b'1', 70 * 1024));
    assert_protocol_error(&srv, &mut other, &long, "too big mbulk count string");
    let mut long = b"*1\r\n$".to_vec();
    long.extend(std::iter::repeat_n(b'1', 70 * 1024));
    assert_protocol_error(&srv, &mut other, &long, "too big bulk count string");
}

#[test]
fn protocol_desync_is_detected_while_the_client_keeps_writing() {
    // Redis's "Protocol desync regression test": a stray byte followed by an endless stream of
    // 1 KiB lines without a newline where one is needed; the server must cut the client off.
    let srv = TestServer::start();
    for (seq, what) in [
        (&b"\x00"[..], "too big inline request"),
        (b"*\x00", "too big mbulk count string"),
        (b"$\x00", "too big inline request"),
    ] {
        let mut c = srv.client();
        c.send_raw(seq);
        let payload = [b'A'; 1024];
        let deadline = Instant::now() + SECS_10;
        let mut reply = None;
        while reply.is_none() && c.try_send_raw(&payload).is_ok() {
            assert!(Instant::now() < deadline, "never cut off after {seq:?}");
            reply = c.read_reply_timeout(Duration::ZERO).ok();
        }
        // The reply may be lost when the server resets a connection with unread input; if it
        // arrives it names the rule.
        let reply = reply.or_else(|| c.try_read_reply().ok());
        if let Some(r) = reply {
            assert_eq!(
                r,
                err(&format!("ERR Protocol error: {what}")),
                "after {seq:?}"
            );
        }
        assert!(c.wait_closed(SECS_10));
        assert_eq!(srv.client().cmd(&["PING"]), "PONG");
    }
}

#[test]
fn unauthenticated_clients_get_small_limits() {
    let srv = TestServer::builder()
        .arg("--requirepass")
        .arg("secret")
        .start();
    let mut other = Client::connect_auth(srv.port(), "secret");
    assert_protocol_error(
        &srv,
        &mut other,
        b"*100\r\n",
        "unauthenticated multibulk length",
    );
    assert_protocol_error(
        &srv,
        &mut other,
        b"*1\r\n$100000000\r\n",
        "unauthenticated bulk length",
    );
    // Within the limits the request is parsed and refused with NOAUTH.
    let mut c = srv.client();
    c.cmd(&["GET", "k"]).assert_err_prefix("NOAUTH");
    let ten: Vec<&str> = std::iter::once("DEL").chain(["k"; 9]).collect();
    c.cmd(&ten).assert_err_prefix("NOAUTH");
    c.cmd(&["ECHO", &"x".repeat(16384)])
        .assert_err_prefix("NOAUTH");
    // After AUTH the limits are gone.
    c.cmd(&["AUTH", "secret"]).assert_ok();
    let many: Vec<String> = std::iter::once("DEL".to_string())
        .chain((0..100).map(|i| format!("k{i}")))
        .collect();
    assert_eq!(c.cmd(&many), 0);
    assert_eq!(
        c.cmd(&["ECHO", &"x".repeat(100_000)]).as_bytes().len(),
        100_000
    );
}

#[test]
fn proto_max_bulk_len_limits_arguments() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["CONFIG", "SET", "proto-max-bulk-len", "1mb"])
        .assert_ok();
    let mb = 1024 * 1024;
    c.cmd(&["SET", "k", &"x".repeat(mb)]).assert_ok();
    assert_eq!(c.cmd(&["GET", "k"]).as_bytes().len(), mb);
    let mut other = srv.client();
    assert_protocol_error(
        &srv,
        &mut other,
        format!("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n${}\r\n", mb + 1).as_bytes(),
        "invalid bulk length",
    );
    // Below the 1mb minimum the setting is refused.
    c.cmd(&["CONFIG", "SET", "proto-max-bulk-len", "1000"])
        .assert_err_prefix(
            "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len')",
        );
}

#[test]
fn client_query_buffer_limit_closes_the_client() {
    let srv = TestServer::start();
    let mut c = srv.client();
    c.cmd(&["CONFIG", "SET", "client-query-buffer-limit", "1mb"])
        .assert_ok();
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "client-query-buffer-limit"])
            .into_pairs()[0]
            .1,
        "1048576"
    );
    // Half the limit is fine.
    c.cmd(&["SET", "k", &"x".repeat(512 * 1024)]).assert_ok();
    // A 2 MB argument fills the query buffer past the limit: the client is closed without a
    // reply, and logged.
    let mut big = srv.client();
    let _ = big.try_send(&["SET", "big", &"x".repeat(2 * 1024 * 1024)]);
    match big.try_read_reply() {
        Err(ClientError::Closed) => {}
        other => panic!("expected the connection to be closed, got {other:?}"),
    }
    srv.wait_for_log(
        "Closing client that reached max query buffer length",
        SECS_10,
    );
    assert_eq!(c.cmd(&["EXISTS", "big"]), 0);
    assert_eq!(c.cmd(&["GET", "k"]).as_bytes().len(), 512 * 1024);
    c.cmd(&["CONFIG", "SET", "client-query-buffer-limit", "1000"])
        .assert_err_prefix(
            "ERR CONFIG SET failed (possibly related to argument 'client-query-buffer-limit')",
        );
}

/// A tiny deterministic PRNG (xorshift64*), so a failing fuzz case can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// One malformed (or occasionally valid) request: random bytes, protocol fragments, huge
/// lengths, truncations.
fn fuzz_blob(rng: &mut Rng) -> Vec<u8> {
    const PIECES: &[&[u8]] = &[
        b"*",
        b"$",
        b"\r\n",
        b"\r",
        b"\n",
        b"*1\r\n",
        b"*2\r\n",
        b"*3\r\n",
        b"$3\r\n",
        b"$4\r\n",
        b"$0\r\n",
        b"$-1\r\n",
        b"*-1\r\n",
        b"*0\r\n",
        b"SET",
        b"GET",
        b"ECHO",
        b"PING",
        b"fz1",
        b"fz2",
        b"\"",
        b"'",
        b"\\",
        b"\\x",
        b"\\x4",
        b" ",
        b"\t",
        b"\x00",
        b"\xff",
        b"-",
        b"+",
        b":",
        b"9",
        b"*99999999999\r\n",
        b"$99999999999\r\n",
        b"*2147483648\r\n",
        b"$536870913\r\n",
        b"*-9223372036854775808\r\n",
        b"$18446744073709551616\r\n",
        b"*1048576\r\n",
        b"$1048576\r\n",
    ];
    let mut blob = Vec::new();
    match rng.below(4) {
        0 => {
            let n = rng.below(200) as usize;
            blob.extend((0..n).map(|_| rng.next() as u8));
        }
        1 | 2 => {
            for _ in 0..rng.below(24) + 1 {
                blob.extend_from_slice(rng.pick(PIECES));
            }
        }
        _ => {
            let valid = common::client::encode_command(&["SET", "fz1", "value"]);
            let cut = rng.below(valid.len() as u64) as usize;
            blob.extend_from_slice(&valid[..cut]);
            blob.extend_from_slice(rng.pick(PIECES));
            blob.extend_from_slice(&valid[cut..]);
        }
    }
    blob
}

#[test]
fn malformed_input_fuzz_leaves_the_server_serving() {
    let srv = TestServer::start();
    let mut keeper = srv.client();
    keeper.cmd(&["SET", "intact", "still here"]).assert_ok();
    let seed = 0x5eed_1234_abcd_0001;
    let mut rng = Rng(seed);
    for case in 0..400 {
        let blob = fuzz_blob(&mut rng);
        let mut c = srv.client();
        c.set_timeout(SECS_10);
        // Whatever the blob holds, the server answers (or closes) and then sees our EOF.
        if c.try_send_raw(&blob).is_ok() {
            c.shutdown_write();
            assert!(
                c.wait_closed(SECS_10),
                "case {case} (seed {seed:#x}): connection not closed after {:?}",
                blob.escape_ascii().to_string()
            );
        }
        if case % 50 == 0 {
            assert_eq!(keeper.cmd(&["PING"]), "PONG", "case {case}");
        }
    }
    assert_eq!(keeper.cmd(&["PING"]), "PONG");
    assert_eq!(keeper.cmd(&["GET", "intact"]), "still here");
    assert_eq!(srv.client().cmd(&["GET", "intact"]), "still here");
}

// ---------------------------------------------------------------------------------------------
// RESP3 and error texts
// ---------------------------------------------------------------------------------------------

#[test]
fn hello_negotiates_the_protocol() {
    let srv = TestServer::start();
    let mut c = srv.client();
    let id = c.cmd(&["CLIENT", "ID"]).as_int();
    // HELLO with no version reports the current one (RESP2: a flat array).
    let hello = c.cmd(&["HELLO"]);
    assert!(matches!(hello, Reply::Array(Some(_))), "{hello:?}");
    let keys: Vec<String> = hello
        .clone()
        .into_pairs()
        .into_iter()
        .map(|(k, _)| k.as_str().to_string())
        .collect();
    assert_eq!(
        keys,
        ["server", "version", "proto", "id", "mode", "role", "modules"]
    );
    assert_eq!(hello.get("server"), Some(&bulk("redis")));
    assert_eq!(hello.get("version"), Some(&bulk("7.0.15")));
    assert_eq!(hello.get("proto"), Some(&Reply::Int(2)));
    assert_eq!(hello.get("id"), Some(&Reply::Int(id)));
    assert_eq!(hello.get("mode"), Some(&bulk("standalone")));
    assert_eq!(hello.get("role"), Some(&bulk("master")));
    assert_eq!(hello.get("modules"), Some(&Reply::Array(Some(vec![]))));

    let hello = c.cmd(&["HELLO", "3"]);
    assert!(matches!(hello, Reply::Map(_)), "{hello:?}");
    assert_eq!(hello.get("proto"), Some(&Reply::Int(3)));
    // RESP3 types from now on.
    assert_eq!(c.cmd(&["GET", "nokey"]), Reply::Null);
    assert_eq!(
        c.cmd(&["CONFIG", "GET", "maxclients"]),
        Reply::Map(vec![(bulk("maxclients"), bulk("10000"))])
    );
    let hello = c.cmd(&["HELLO"]);
    assert_eq!(hello.get("proto"), Some(&Reply::Int(3)));

    assert_eq!(
        c.cmd(&["HELLO", "4"]),
        err("NOPROTO unsupported protocol version")
    );
    assert_eq!(
        c.cmd(&["HELLO", "1"]),
        err("NOPROTO unsupported protocol version")
    );
    assert_eq!(
        c.cmd(&["HELLO", "three"]),
        err("ERR Protocol version is not an integer or out of range")
    );
    assert_eq!(
        c.cmd(&["HELLO", "3", "BOGUS"]),
        err("ERR Syntax error in HELLO option 'BOGUS'")
    );
    // Failed HELLOs left RESP3 in place.
    assert_eq!(c.cmd(&["GET", "nokey"]), Reply::Null);
    c.cmd(&["HELLO", "2"]);
    assert_eq!(c.cmd(&["GET", "nokey"]), Reply::Bulk(None));
}

#[test]
fn unknown_command_and_arity_errors() {
    let srv = TestServer::start();
    let mut c = srv.client();
    assert_eq!(
        c.cmd(&["FOOBAR"]),
        err("ERR unknown command 'FOOBAR', with args beginning with: ")
    );
    assert_eq!(
        c.cmd(&["foobar", "a", "b c"]),
        err("ERR unknown command 'foobar', with args beginning with: 'a' 'b c' ")
    );
    // An argument is cut to the 128 bytes shown.
    let long = "y".repeat(200);
    assert_eq!(
        c.cmd(&["nosuch", long.as_str()]),
        err(&format!(
            "ERR unknown command 'nosuch', with args beginning with: '{}' ",
            &long[..128]
        ))
    );
    assert_eq!(
        c.cmd(&["GET"]),
        err("ERR wrong number of arguments for 'get' command")
    );
    assert_eq!(
        c.cmd(&["get", "a", "b"]),
        err("ERR wrong number of arguments for 'get' command")
    );
    assert_eq!(
        c.cmd(&["PING", "x", "y", "z"]),
        err("ERR wrong number of arguments for 'ping' command")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "GET"]),
        err("ERR wrong number of arguments for 'config|get' command")
    );
    assert_eq!(
        c.cmd(&["CONFIG", "NOPE"]),
        err("ERR unknown subcommand 'NOPE'. Try CONFIG HELP.")
    );
    // Inline requests get the same errors; the connection stays usable.
    c.send_raw(b"nosuch  one\r\n");
    assert_eq!(
        c.read_reply(),
        err("ERR unknown command 'nosuch', with args beginning with: 'one' ")
    );
    assert_eq!(c.cmd(&["PING"]), "PONG");
}
