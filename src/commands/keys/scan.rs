//! SCAN (Redis's scanGenericCommand for the keyspace), and the cursor and
//! option parsing HSCAN, SSCAN and ZSCAN share.
//!
//! Owns: walking the db's dict from a client's cursor, COUNT, MATCH and
//! TYPE filtering, and leaving out (and lazily deleting) expired keys. The
//! guarantee comes from the dict's reverse-binary cursor: every key present
//! for the whole iteration is returned at least once, even while the table
//! grows or shrinks; a key may come back twice. It must never keep state
//! between calls: the cursor is all there is.
//!
//! COUNT is a hint: the walk stops once COUNT keys were collected, or after
//! 10 × COUNT buckets (a nearly empty table must not stall the server), or
//! at the end of the table. Filters run after the walk, so a reply can hold
//! fewer than COUNT keys, even none, with a non-zero cursor.

use crate::commands::{Argv, Ctx};
use crate::db::object::parse_canonical_i64;
use crate::db::Access;
use crate::util::glob::string_match;

/// Options of a SCAN-family command.
pub struct ScanOptions<'a> {
    /// COUNT, at least 1 (default 10).
    pub count: i64,
    /// MATCH pattern; None when absent or `*` (which matches everything).
    pub pattern: Option<&'a [u8]>,
    /// TYPE name (SCAN only).
    pub type_name: Option<&'a [u8]>,
}

/// Parses a cursor as Redis does with `strtoul`: optional sign (a negative
/// number wraps, `-1` is 2^64-1), decimal digits, nothing after them. An
/// empty string is cursor 0; leading space, junk or overflow is invalid.
/// Like the C string it reads, the argument ends at its first NUL byte.
pub fn parse_scan_cursor(arg: &[u8]) -> Option<u64> {
    let s = match memchr::memchr(0, arg) {
        Some(nul) => &arg[..nul],
        None => arg,
    };
    let Some(&first) = s.first() else {
        return Some(0);
    };
    if matches!(first, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        return None;
    }
    let (negative, digits) = match first {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if negative { v.wrapping_neg() } else { v })
}

/// Parses `[MATCH pattern] [COUNT count] [TYPE type]` from argument
/// `first` on (TYPE only when `allow_type`); replies with the error and
/// returns None on a bad option.
pub fn parse_scan_options<'a>(
    ctx: &mut Ctx<'_>,
    argv: &Argv<'a>,
    first: usize,
    allow_type: bool,
) -> Option<ScanOptions<'a>> {
    let mut opts = ScanOptions {
        count: 10,
        pattern: None,
        type_name: None,
    };
    let mut i = first;
    while i < argv.len() {
        let has_value = argv.len() - i >= 2;
        if argv.is(i, "count") && has_value {
            let Some(count) = parse_canonical_i64(argv.get(i + 1)) else {
                ctx.err("ERR value is not an integer or out of range");
                return None;
            };
            if count < 1 {
                ctx.syntax_error();
                return None;
            }
            opts.count = count;
        } else if argv.is(i, "match") && has_value {
            let pat = argv.get(i + 1);
            opts.pattern = if pat == b"*" { None } else { Some(pat) };
        } else if argv.is(i, "type") && allow_type && has_value {
            opts.type_name = Some(argv.get(i + 1));
        } else {
            ctx.syntax_error();
            return None;
        }
        i += 2;
    }
    Some(opts)
}

/// `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]` →
/// `[next-cursor, [key ...]]`; the iteration is over when the cursor is 0.
pub fn scan(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(mut cursor) = parse_scan_cursor(argv.get(1)) else {
        ctx.err("ERR invalid cursor");
        return;
    };
    let Some(opts) = parse_scan_options(ctx, argv, 2, true) else {
        return;
    };
    let db = ctx.db();
    let ks = ctx.ks();

    // Step 1: walk. Keys are copied out (one buffer, not one allocation
    // per key) because the filters below may delete expired ones.
    let count = usize::try_from(opts.count).unwrap_or(usize::MAX);
    let mut max_iterations = opts.count.saturating_mul(10);
    let mut buf: Vec<u8> = Vec::new();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let dict = &ks.dbs[db].dict;
    loop {
        cursor = dict.scan(cursor, |k, _| {
            spans.push((buf.len(), k.len()));
            buf.extend_from_slice(k);
        });
        if cursor == 0 || max_iterations == 0 || spans.len() >= count {
            break;
        }
        max_iterations -= 1;
    }

    // Step 2: filter, in Redis's order: pattern, type, then expiry.
    spans.retain(|&(off, len)| {
        let key = &buf[off..off + len];
        if let Some(pat) = opts.pattern {
            if !string_match(pat, key, false) {
                return false;
            }
        }
        if let Some(want) = opts.type_name {
            let have = ks
                .lookup(db, key, Access::ReadNoTouch)
                .map_or("none", |o| o.type_name());
            if !want.eq_ignore_ascii_case(have.as_bytes()) {
                return false;
            }
        }
        !ks.expire_if_needed(db, key)
    });

    // Step 3: reply. The cursor is printed as C's signed long long.
    let c = ctx.client();
    c.add_array_len(2);
    c.add_bulk_int(cursor as i64);
    c.add_array_len(spans.len());
    for (off, len) in spans {
        c.add_bulk(&buf[off..off + len]);
    }
}

#[cfg(test)]
mod tests {
    use super::parse_scan_cursor;

    #[test]
    fn cursor_follows_strtoul() {
        assert_eq!(parse_scan_cursor(b"0"), Some(0));
        assert_eq!(parse_scan_cursor(b"123"), Some(123));
        assert_eq!(parse_scan_cursor(b"+7"), Some(7));
        assert_eq!(parse_scan_cursor(b"007"), Some(7));
        assert_eq!(parse_scan_cursor(b""), Some(0));
        assert_eq!(parse_scan_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_scan_cursor(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_scan_cursor(b"18446744073709551616"), None);
        assert_eq!(parse_scan_cursor(b"5\0junk"), Some(5));
        assert_eq!(parse_scan_cursor(b" 1"), None);
        assert_eq!(parse_scan_cursor(b"1 "), None);
        assert_eq!(parse_scan_cursor(b"abc"), None);
        assert_eq!(parse_scan_cursor(b"+"), None);
        assert_eq!(parse_scan_cursor(b"-"), None);
        assert_eq!(parse_scan_cursor(b"1.5"), None);
    }
}
