//! Datasets shared by the replication tests: what a master writes before the tests compare
//! its replicas with DEBUG DIGEST.

use super::Client;

/// Every type in each of its encodings (listpack and big hashes, sets, zsets and lists, an
/// intset and a string set, int, embstr and long strings), TTLs, two databases (0 and 5).
/// Key names end with `tag`, so several fills do not overlap.
pub fn fill_every_type(c: &mut Client, tag: &str) {
    c.cmd(&["SET", &format!("s{tag}"), "hello"]);
    c.cmd(&["SET", &format!("n{tag}"), "12345"]);
    c.cmd(&["SET", &format!("long{tag}"), &"ab".repeat(300)]);
    c.cmd(&["PEXPIRE", &format!("s{tag}"), "100000000"]);
    c.cmd(&["RPUSH", &format!("l{tag}"), "a", "b", "c", "1", "2", "3"]);
    c.cmd(&["HSET", &format!("h{tag}"), "f1", "v1", "f2", "2"]);
    c.cmd(&["EXPIRE", &format!("h{tag}"), "5000"]);
    c.cmd(&["SADD", &format!("si{tag}"), "1", "2", "3"]);
    c.cmd(&["SADD", &format!("ss{tag}"), "a", "b", "c"]);
    c.cmd(&[
        "ZADD",
        &format!("z{tag}"),
        "1",
        "a",
        "2.5",
        "b",
        "-inf",
        "c",
    ]);
    for i in 0..300 {
        let (m, f, v) = (format!("m{i}"), format!("f{i}"), format!("v{i}"));
        c.cmd(&["ZADD", &format!("bigz{tag}"), &format!("{i}.5"), &m]);
        c.cmd(&["HSET", &format!("bigh{tag}"), &f, &v]);
        c.cmd(&["SADD", &format!("bigs{tag}"), &m]);
        c.cmd(&["SADD", &format!("bigi{tag}"), &i.to_string()]);
        c.cmd(&[
            "RPUSH",
            &format!("bigl{tag}"),
            &format!("element-number-{i}"),
        ]);
    }
    c.cmd(&["SELECT", "5"]);
    c.cmd(&["SET", &format!("other{tag}"), "1"]);
    c.cmd(&["SELECT", "0"]);
}
