//! Which arguments of a command are keys (Redis's getKeysFromCommandWithSpecs
//! and the per-command getkeys functions of db.c), for COMMAND GETKEYS and
//! GETKEYSANDFLAGS; ACL and cluster checks can use the same.
//!
//! Owns: walking a command's key specs over its arguments, and the
//! special extraction Redis does for commands whose keys the specs cannot
//! fully describe (EVAL's numkeys, SORT's STORE, MIGRATE's KEYS ...). It
//! must never look at the dataset: keys come from arguments only.
//!
//! A key spec is "where to start" plus "how to find the keys from there":
//! ```text
//! ZUNIONSTORE dest 2 a b WEIGHTS 1 2
//!   spec 0: index 1, range(last 0)         -> dest
//!   spec 1: index 2, keynum(idx 0, first 1) -> numkeys = 2 -> a b
//! ```

use super::meta::{cf, kf, Bs, CommandMeta, Fk, GetKeys};

/// One key: its argument position (0 = command name) and key-spec flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyRef {
    pub pos: usize,
    pub flags: u32,
}

/// Redis's doesCommandHaveKeys.
pub fn has_keys(m: &CommandMeta) -> bool {
    m.getkeys != GetKeys::None || m.key_specs.iter().any(|k| k.flags & kf::NOT_KEY == 0)
}

/// Keys of `args` (args[0] is the command name; for a subcommand, args[1]
/// is its word). Empty when there are none or the arguments are malformed.
pub fn get_keys(m: &CommandMeta, args: &[&[u8]]) -> Vec<KeyRef> {
    let has_keyspec = m.key_specs.iter().any(|k| k.flags & kf::NOT_KEY == 0);
    let has_varflags = m
        .key_specs
        .iter()
        .any(|k| k.flags & kf::VARIABLE_FLAGS != 0);
    if has_keyspec && !has_varflags {
        if let Some(keys) = keys_from_specs(m, args) {
            return keys;
        }
    }
    keys_from_proc(m, args)
}

/// Redis's atoi: optional spaces and sign, then digits; 0 if none.
fn atoi(s: &[u8]) -> i64 {
    let mut i = 0;
    while i < s.len() && (s[i] == b' ' || (b'\t'..=b'\r').contains(&s[i])) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'-' || s[i] == b'+') {
        neg = s[i] == b'-';
        i += 1;
    }
    let mut v: i64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        v = v.saturating_mul(10).saturating_add((s[i] - b'0') as i64);
        i += 1;
    }
    if neg {
        -v
    } else {
        v
    }
}

/// Redis's getKeysUsingKeySpecs; None for an invalid or incomplete spec.
fn keys_from_specs(m: &CommandMeta, args: &[&[u8]]) -> Option<Vec<KeyRef>> {
    let argc = args.len() as i64;
    let mut out = Vec::new();
    for spec in m.key_specs {
        if spec.flags & kf::NOT_KEY != 0 {
            continue;
        }
        let mut first: i64 = match spec.bs {
            Bs::Index(pos) => pos as i64,
            Bs::Keyword(kw, from) => {
                let from = from as i64;
                let (start, end) = if from > 0 {
                    (from, argc - 1)
                } else {
                    (argc + from, 1)
                };
                let mut found = 0;
                let mut i = start;
                loop {
                    if i == end {
                        break;
                    }
                    if i >= argc || i < 1 {
                        break;
                    }
                    if args[i as usize].eq_ignore_ascii_case(kw.as_bytes()) {
                        found = i + 1;
                        break;
                    }
                    i += if start <= end { 1 } else { -1 };
                }
                if found == 0 {
                    continue;
                }
                found
            }
            Bs::Unknown => return None,
        };
        let (last, step) = match spec.fk {
            Fk::Range(lastkey, keystep, limit) => {
                let (lastkey, limit) = (lastkey as i64, limit as i64);
                let last = if lastkey >= 0 {
                    first + lastkey
                } else if limit == 0 {
                    argc + lastkey
                } else {
                    first + ((argc - first) / limit + lastkey)
                };
                (last, keystep as i64)
            }
            Fk::Keynum(idx, firstkey, keystep) => {
                let idx = idx as i64;
                if idx >= argc || first + idx >= argc {
                    return None;
                }
                let numkeys = crate::db::object::parse_canonical_i64(args[(first + idx) as usize])
                    .filter(|n| *n >= 0)?;
                first += firstkey as i64;
                (first.saturating_add(numkeys) - 1, keystep as i64)
            }
            Fk::Unknown => return None,
        };
        if last >= argc || last < first || first >= argc {
            return None;
        }
        let mut i = first;
        while i <= last {
            if i >= argc || i < first {
                // Variable-arity commands leave argument errors to the
                // command itself.
                break;
            }
            out.push(KeyRef {
                pos: i as usize,
                flags: spec.flags,
            });
            i += step.max(1);
        }
        if spec.flags & kf::INCOMPLETE != 0 {
            return None;
        }
    }
    Some(out)
}

/// Redis's genericGetKeys: `num` keys from `first`, every `step`, plus a
/// destination key at `store` (0 = none). Flags are not reported.
fn generic(
    store: usize,
    count_at: usize,
    first: usize,
    step: usize,
    args: &[&[u8]],
) -> Vec<KeyRef> {
    let Some(count_arg) = args.get(count_at) else {
        return Vec::new();
    };
    let num = atoi(count_arg);
    let argc = args.len() as i64;
    if num < 1 || num > (argc - first as i64) / step as i64 {
        return Vec::new();
    }
    let mut out: Vec<KeyRef> = (0..num as usize)
        .map(|i| KeyRef {
            pos: first + i * step,
            flags: 0,
        })
        .collect();
    if store != 0 {
        out.push(KeyRef {
            pos: store,
            flags: 0,
        });
    }
    out
}

fn keys_from_proc(m: &CommandMeta, args: &[&[u8]]) -> Vec<KeyRef> {
    let argc = args.len();
    let eq = |i: usize, w: &str| {
        args.get(i)
            .is_some_and(|a| a.eq_ignore_ascii_case(w.as_bytes()))
    };
    match m.getkeys {
        GetKeys::None => Vec::new(),
        GetKeys::Sintercard | GetKeys::ZunionInterDiff | GetKeys::Lmpop | GetKeys::Zmpop => {
            generic(0, 1, 2, 1, args)
        }
        GetKeys::ZunionInterDiffStore => generic(1, 2, 3, 1, args),
        GetKeys::Eval | GetKeys::Function | GetKeys::Blmpop => generic(0, 2, 3, 1, args),
        GetKeys::SortRo => vec![KeyRef {
            pos: 1,
            flags: kf::RO | kf::ACCESS,
        }],
        GetKeys::Sort => {
            let mut out = vec![KeyRef {
                pos: 1,
                flags: kf::RO | kf::ACCESS,
            }];
            let mut store = None;
            let mut i = 2;
            while i < argc {
                if eq(i, "limit") {
                    i += 2;
                } else if eq(i, "get") || eq(i, "by") {
                    i += 1;
                } else if eq(i, "store") && i + 1 < argc {
                    // The last STORE wins, as SORT itself does.
                    store = Some(i + 1);
                }
                i += 1;
            }
            if let Some(p) = store {
                out.push(KeyRef {
                    pos: p,
                    flags: kf::OW | kf::UPDATE,
                });
            }
            out
        }
        GetKeys::Migrate => {
            let (mut first, mut num) = (3, 1);
            if argc > 6 {
                let mut i = 6;
                while i < argc {
                    if eq(i, "keys") {
                        if !args[3].is_empty() {
                            num = 0;
                        } else {
                            first = i + 1;
                            num = argc - first;
                        }
                        break;
                    }
                    if eq(i, "auth") {
                        i += 1;
                    } else if eq(i, "auth2") {
                        i += 2;
                    }
                    i += 1;
                }
            }
            (0..num)
                .map(|i| KeyRef {
                    pos: first + i,
                    flags: kf::RW | kf::ACCESS | kf::DELETE,
                })
                .collect()
        }
        GetKeys::Georadius => {
            let mut out = vec![KeyRef { pos: 1, flags: 0 }];
            let mut stored = None;
            let mut i = 5;
            while i < argc {
                if (eq(i, "store") || eq(i, "storedist")) && i + 1 < argc {
                    stored = Some(i + 1);
                    i += 1;
                }
                i += 1;
            }
            if let Some(p) = stored {
                out.push(KeyRef { pos: p, flags: 0 });
            }
            out
        }
        GetKeys::Xread => {
            let mut streams = None;
            let mut i = 1;
            while i < argc {
                if eq(i, "block") || eq(i, "count") {
                    i += 1;
                } else if eq(i, "group") {
                    i += 2;
                } else if eq(i, "noack") {
                } else if eq(i, "streams") {
                    streams = Some(i);
                    break;
                } else {
                    break;
                }
                i += 1;
            }
            let Some(sp) = streams else {
                return Vec::new();
            };
            let num = argc - sp - 1;
            if num == 0 || num % 2 != 0 {
                return Vec::new();
            }
            (sp + 1..argc - num / 2)
                .map(|pos| KeyRef { pos, flags: 0 })
                .collect()
        }
        GetKeys::Set => {
            let get = (3..argc).any(|i| eq(i, "get"));
            let flags = if get {
                kf::RW | kf::ACCESS | kf::UPDATE
            } else {
                kf::OW | kf::UPDATE
            };
            vec![KeyRef { pos: 1, flags }]
        }
        GetKeys::Bitfield => {
            let mut readonly = true;
            let mut i = 2;
            while i < argc {
                let rem = argc - i - 1;
                if eq(i, "get") && rem >= 2 {
                    i += 2;
                } else if (eq(i, "set") || eq(i, "incrby")) && rem >= 3 {
                    readonly = false;
                    break;
                } else if eq(i, "overflow") && rem >= 1 {
                    i += 1;
                } else {
                    readonly = false;
                    break;
                }
                i += 1;
            }
            let flags = if readonly {
                kf::RO | kf::ACCESS
            } else {
                kf::RW | kf::ACCESS | kf::UPDATE
            };
            vec![KeyRef { pos: 1, flags }]
        }
    }
}

/// True when the command's key positions depend on its arguments.
pub fn movable_keys(m: &CommandMeta) -> bool {
    m.flags & cf::MOVABLE_KEYS != 0
}

#[cfg(test)]
mod tests {
    use super::super::meta::lookup;
    use super::*;

    fn keys(cmd: &[&str]) -> Vec<String> {
        let args: Vec<&[u8]> = cmd.iter().map(|s| s.as_bytes()).collect();
        let mut name = cmd[0].to_ascii_lowercase();
        let m = match lookup(name.as_bytes()) {
            Some(m) if m.has_subcommands => {
                name = format!("{}|{}", name, cmd[1].to_ascii_lowercase());
                lookup(name.as_bytes()).expect("subcommand")
            }
            Some(m) => m,
            None => panic!("unknown {name}"),
        };
        get_keys(m, &args)
            .into_iter()
            .map(|k| cmd[k.pos].to_string())
            .collect()
    }

    #[test]
    fn spec_based() {
        assert_eq!(keys(&["get", "key"]), ["key"]);
        assert_eq!(keys(&["mset", "a", "1", "b", "2"]), ["a", "b"]);
        assert_eq!(keys(&["lcs", "k1", "k2"]), ["k1", "k2"]);
        assert_eq!(keys(&["memory", "usage", "key"]), ["key"]);
        assert_eq!(keys(&["xgroup", "create", "key", "g", "$"]), ["key"]);
        assert_eq!(keys(&["lmove", "a", "b", "left", "right"]), ["a", "b"]);
    }

    #[test]
    fn proc_based() {
        assert_eq!(keys(&["eval", "return 1", "1", "key"]), ["key"]);
        assert!(keys(&["eval", "return 1", "0"]).is_empty());
        let mut z = vec!["zunionstore", "target", "3", "a", "b", "c"];
        assert_eq!(keys(&z), ["target", "a", "b", "c"]);
        z[2] = "4";
        assert!(keys(&z).is_empty());
        assert_eq!(keys(&["sort", "k", "store", "d"]), ["k", "d"]);
        assert_eq!(keys(&["sort", "k", "by", "store", "get", "x"]), ["k"]);
        assert_eq!(
            keys(&["xread", "count", "1", "streams", "s1", "s2", "0", "0"]),
            ["s1", "s2"]
        );
        assert_eq!(
            keys(&["migrate", "h", "1", "", "0", "5", "keys", "a", "b"]),
            ["a", "b"]
        );
        assert_eq!(
            keys(&["georadius", "k", "0", "0", "1", "km", "store", "d"]),
            ["k", "d"]
        );
    }

    #[test]
    fn malformed_counts_give_no_keys() {
        assert!(keys(&["zunionstore", "t", "9223372036854775807", "a"]).is_empty());
        assert!(keys(&["eval", "s", "-1", "a"]).is_empty());
        assert!(keys(&["eval", "s", "x", "a"]).is_empty());
        assert!(keys(&["xread", "streams", "a"]).is_empty());
        assert!(keys(&["zunionstore"]).is_empty());
    }

    #[test]
    fn flags_follow_redis() {
        let m = lookup(b"set").expect("set");
        let a: Vec<&[u8]> = vec![b"set", b"k", b"v"];
        assert_eq!(get_keys(m, &a)[0].flags, kf::OW | kf::UPDATE);
        let m = lookup(b"sort").expect("sort");
        let a: Vec<&[u8]> = vec![b"sort", b"k1", b"store", b"k2"];
        let k = get_keys(m, &a);
        assert_eq!(k[0].flags, kf::RO | kf::ACCESS);
        assert_eq!(k[1].flags, kf::OW | kf::UPDATE);
        let m = lookup(b"lmove").expect("lmove");
        let a: Vec<&[u8]> = vec![b"lmove", b"k1", b"k2", b"left", b"right"];
        let k = get_keys(m, &a);
        assert_eq!(k[0].flags, kf::RW | kf::ACCESS | kf::DELETE);
        assert_eq!(k[1].flags, kf::RW | kf::INSERT);
    }
}
