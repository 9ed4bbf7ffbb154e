//! DUMP and RESTORE: a key's value in RDB form, with a version and checksum footer.
//!
//! Owns: the payload framing and RESTORE's options. The value bytes are the RDB encoder's and
//! decoder's (`persistence::rdb`); this file must never encode a value itself.
//!
//! ```text
//!   payload = <type u8> <value as RDB writes it> <RDB version u16 LE> <CRC-64 u64 LE>
//!   e.g. DUMP of "12345": 00 C1 39 30 | 0A 00 | <8 bytes of CRC-64 over the 6 before>
//! ```

use super::NOTIFY_GENERIC;
use crate::commands::{Argv, Ctx};
use crate::config::SanitizeDumpPayload;
use crate::db::object::{parse_canonical_i64, RObj};
use crate::log::Level;
use crate::persistence::rdb::{self, RdbWriter, RDB_VERSION};
use crate::persistence::snapshot;
use crate::serverlog;

/// 10 bytes: version (2) and CRC-64 (8) after the value.
const FOOTER_LEN: usize = 10;

/// The DUMP payload of `o` (Redis's createDumpPayload).
pub fn dump_payload(o: &RObj, compress: bool) -> Vec<u8> {
    let mut w = RdbWriter::new(Vec::new(), false);
    // Writing into a Vec cannot fail.
    let _ = w.raw(&[RdbWriter::<Vec<u8>>::type_code(o)]);
    let _ = w.object(o, compress);
    let mut v: Vec<u8> = w.finish().unwrap_or_default();
    // `finish` appended an EOF byte and an 8-byte zero checksum: replace them with the footer.
    v.truncate(v.len().saturating_sub(9));
    v.extend_from_slice(&(RDB_VERSION as u16).to_le_bytes());
    let crc = crc64::crc64(0, &v);
    v.extend_from_slice(&crc.to_le_bytes());
    v
}

/// Redis's verifyDumpPayload: a known version and, unless skipped, a matching checksum.
fn verify_payload(p: &[u8], skip_checksum: bool) -> bool {
    if p.len() < FOOTER_LEN {
        return false;
    }
    let f = &p[p.len() - FOOTER_LEN..];
    let version = u16::from_le_bytes([f[0], f[1]]) as u32;
    if version > RDB_VERSION {
        return false;
    }
    if skip_checksum {
        return true;
    }
    let mut c = [0u8; 8];
    c.copy_from_slice(&f[2..]);
    crc64::crc64(0, &p[..p.len() - 8]) == u64::from_le_bytes(c)
}

/// Whether `sanitize-dump-payload` asks for deep checks of this RESTORE (Redis's
/// rdbLoadObject): `yes` always, `clients` unless the command comes from our master (ACL users
/// with skip-sanitize-payload are not supported: every user is checked), `no` never.
fn deep_sanitize(ctx: &mut Ctx<'_>) -> bool {
    match ctx.srv.config.sanitize_dump_payload {
        SanitizeDumpPayload::Yes => true,
        SanitizeDumpPayload::No => false,
        SanitizeDumpPayload::Clients => !ctx.client().has_flag(crate::client::flags::MASTER),
    }
}

/// `DUMP key`: the serialized value, or nil.
pub fn dump(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let compress = ctx.srv.config.rdbcompression;
    let payload = ctx
        .ks()
        .lookup_read(db, argv.get(1))
        .map(|o| dump_payload(o, compress));
    match payload {
        Some(p) => ctx.bulk(&p),
        None => ctx.null(),
    }
}

/// `RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]`.
pub fn restore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let (mut replace, mut absttl) = (false, false);
    let (mut idle, mut freq): (Option<i64>, Option<i64>) = (None, None);
    let mut j = 4;
    while j < argv.len() {
        let more = j + 1 < argv.len();
        if argv.is(j, "replace") {
            replace = true;
        } else if argv.is(j, "absttl") {
            absttl = true;
        } else if argv.is(j, "idletime") && more && freq.is_none() {
            match parse_canonical_i64(argv.get(j + 1)) {
                None => return ctx.err("ERR value is not an integer or out of range"),
                Some(v) if v < 0 => return ctx.err("ERR Invalid IDLETIME value, must be >= 0"),
                Some(v) => idle = Some(v),
            }
            j += 1;
        } else if argv.is(j, "freq") && more && idle.is_none() {
            match parse_canonical_i64(argv.get(j + 1)) {
                None => return ctx.err("ERR value is not an integer or out of range"),
                Some(v) if !(0..=255).contains(&v) => {
                    return ctx.err("ERR Invalid FREQ value, must be >= 0 and <= 255")
                }
                Some(v) => freq = Some(v),
            }
            j += 1;
        } else {
            return ctx.syntax_error();
        }
        j += 1;
    }
    let db = ctx.db();
    let key = argv.get(1);
    if !replace && ctx.ks().lookup_write(db, key).is_some() {
        return ctx.err("BUSYKEY Target key name already exists.");
    }
    let ttl = match parse_canonical_i64(argv.get(2)) {
        None => return ctx.err("ERR value is not an integer or out of range"),
        Some(t) if t < 0 => return ctx.err("ERR Invalid TTL value, must be >= 0"),
        Some(t) => t,
    };
    let payload = argv.get(3);
    let skip = ctx.srv.introspection.debug.skip_checksum_validation;
    if !verify_payload(payload, skip) {
        return ctx.err("ERR DUMP payload version or checksum are wrong");
    }
    let mut opts = snapshot::load_options(ctx.srv);
    opts.deep_sanitize = deep_sanitize(ctx);
    opts.log_empty_keys = false;
    let value = match rdb::load_type_and_value(&payload[..payload.len() - FOOTER_LEN], &opts) {
        Ok((v, sanitized)) => {
            ctx.srv.stat_dump_payload_sanitizations += sanitized;
            v
        }
        Err(e) => {
            // Redis's rdbReportError in a RESTORE context: logged at verbose, not fatal.
            serverlog!(
                Level::Verbose,
                "Internal error in RDB reading offset {}, function at rdb::load -> {}",
                e.offset,
                e.what
            );
            return ctx.err("ERR Bad data format");
        }
    };
    let deleted = replace && ctx.ks().delete(db, key);
    let now = ctx.ks().now_ms;
    let when = match ttl {
        0 => None,
        t if absttl => Some(t),
        t => Some(t.saturating_add(now)),
    };
    if let Some(w) = when {
        if w <= now && !ctx.ks().replica_mode {
            // Already expired: nothing to add (Redis's checkAlreadyExpired).
            if deleted {
                ctx.rewrite_propagation(&[b"DEL", key]);
                ctx.signal_modified_key(db, key);
                ctx.notify_keyspace_event(NOTIFY_GENERIC, "del", key, db);
                ctx.dirty(1);
            }
            return ctx.ok();
        }
    }
    ctx.ks().set_key(db, key, RObj::new(value, 0), false);
    // Redis's objectSetLRUOrLFU: IDLETIME under an LRU policy, FREQ under an LFU one.
    let ks = ctx.ks();
    let (now_lru, lfu) = (ks.lru_now(), ks.lfu.is_some());
    if let Some(o) = ks.dbs[db].dict.get_mut(key) {
        match (lfu, idle, freq) {
            (true, _, Some(f)) => o.set_lru((((now / 60_000) as u32 & 65535) << 8) | f as u32),
            (false, Some(s), _) => o.set_lru(crate::db::object::lru_from_idle(now_lru, s as u64)),
            _ => {}
        }
    }
    if let Some(w) = when {
        ctx.ks().set_expire(db, key, w);
        if !absttl {
            // Propagate the deadline as an absolute time.
            let abs = w.to_string();
            let mut args: Vec<&[u8]> = vec![b"RESTORE", key, abs.as_bytes(), payload];
            for i in 4..argv.len() {
                args.push(argv.get(i));
            }
            args.push(b"ABSTTL");
            ctx.rewrite_propagation(&args);
        }
    }
    ctx.signal_modified_key(db, key);
    ctx.notify_keyspace_event(NOTIFY_GENERIC, "restore", key, db);
    ctx.ok();
    ctx.dirty(1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::object::{StrValue, Value};

    #[test]
    fn payload_of_an_int_string() {
        let o = RObj::new(Value::Str(StrValue::from_bytes(b"12345")), 0);
        let p = dump_payload(&o, true);
        assert_eq!(&p[..6], &[0x00, 0xC1, 0x39, 0x30, 0x0A, 0x00]);
        assert_eq!(p.len(), 14);
        assert!(verify_payload(&p, false));
        let mut bad = p.clone();
        bad[2] ^= 1;
        assert!(!verify_payload(&bad, false));
        assert!(verify_payload(&bad, true));
    }
}
