//! Server objects: a value plus its access metadata (Redis's `robj`).
//!
//! Owns: the value representations and their encodings as `OBJECT
//! ENCODING` names them. Strings pick Redis's encoding on write: `int` for
//! canonical 64-bit integers, `embstr` up to 44 bytes, `raw` beyond or once
//! modified in place (APPEND, SETRANGE, SETBIT). It must never know about
//! clients, replies or the keyspace.

/// 44 bytes, Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT.
pub const EMBSTR_SIZE_LIMIT: usize = 44;
pub use super::hash::HashValue;
pub use super::inline_bytes::InlineBytes;
pub use super::list::ListValue;
pub use super::set::SetValue;
pub use super::zset::ZSetValue;

/// 24 bits of seconds, Redis's LRU_BITS with LRU_CLOCK_RESOLUTION 1000 ms.
pub const LRU_CLOCK_MAX: u32 = (1 << 24) - 1;

/// A stored value with its LRU clock (seconds, 24 bits), as Redis's robj: 24 bytes.
///
/// The clock sits in each variant rather than beside a `Value`, so that it fills the padding
/// after the type tag: `{ lru: u32, value: Value }` would be 32 bytes (tag word + 16-byte
/// payload + clock), this is 24 (tag byte, clock, 16-byte payload). With a 16-byte key and the
/// 8-byte chain link a keyspace entry is 48 bytes, a jemalloc size class (see `dict.rs`).
/// Read the value through [`RObj::value`] / [`RObj::value_mut`].
#[derive(Clone, Debug)]
pub struct RObj {
    slot: Slot,
}

#[derive(Clone, Debug)]
enum Slot {
    Str(u32, StrValue),
    List(u32, ListValue),
    Hash(u32, HashValue),
    Set(u32, SetValue),
    ZSet(u32, ZSetValue),
}

/// The value of a key, one variant per Redis type (OBJ_STRING, OBJ_LIST ...), owned: what an
/// [`RObj`] is built from and taken apart into. Each type's encodings live in its own module.
#[derive(Clone, Debug)]
pub enum Value {
    Str(StrValue),
    List(ListValue),
    Hash(HashValue),
    Set(SetValue),
    ZSet(ZSetValue),
}

/// A borrowed view of an object's value, to match on.
#[derive(Clone, Copy, Debug)]
pub enum ValueRef<'a> {
    Str(&'a StrValue),
    List(&'a ListValue),
    Hash(&'a HashValue),
    Set(&'a SetValue),
    ZSet(&'a ZSetValue),
}

/// A mutable view of an object's value, to match on.
#[derive(Debug)]
pub enum ValueMut<'a> {
    Str(&'a mut StrValue),
    List(&'a mut ListValue),
    Hash(&'a mut HashValue),
    Set(&'a mut SetValue),
    ZSet(&'a mut ZSetValue),
}

/// A string value in one of Redis's three encodings. 16 bytes: `Int` and `Raw` sit beside the
/// inline length byte of `Emb`, whose spare values serve as the tag.
#[derive(Clone, Debug, PartialEq)]
pub enum StrValue {
    /// A canonical decimal integer, stored as the number (encoding `int`).
    Int(i64),
    /// Up to 44 bytes (encoding `embstr`): up to 15 inline in the object itself, longer ones
    /// in an exactly sized allocation.
    Emb(InlineBytes),
    /// Any size, growable in place (encoding `raw`). Boxed so that `StrValue` stays at 16 bytes.
    Raw(Box<Vec<u8>>),
}

/// Redis's estimateObjectIdleTime in seconds: the 24-bit LRU clock wraps about every 194 days,
/// and a value last touched "in the future" has wrapped.
pub fn idle_seconds(now: u32, lru: u32) -> u64 {
    if now >= lru {
        u64::from(now - lru)
    } else {
        u64::from(now) + u64::from(LRU_CLOCK_MAX - lru)
    }
}

/// The LRU clock of an object idle for `idle` seconds now (the inverse of [`idle_seconds`],
/// for RDB's IDLE opcode and RESTORE IDLETIME), wrapping as the clock does.
pub fn lru_from_idle(now: u32, idle: u64) -> u32 {
    let idle = idle.min(u64::from(LRU_CLOCK_MAX)) as u32;
    if now >= idle {
        now - idle
    } else {
        LRU_CLOCK_MAX - (idle - now)
    }
}

/// Error text of every type mismatch, as Redis words it.
pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

impl RObj {
    pub fn new(value: Value, lru: u32) -> RObj {
        let slot = match value {
            Value::Str(v) => Slot::Str(lru, v),
            Value::List(v) => Slot::List(lru, v),
            Value::Hash(v) => Slot::Hash(lru, v),
            Value::Set(v) => Slot::Set(lru, v),
            Value::ZSet(v) => Slot::ZSet(lru, v),
        };
        RObj { slot }
    }

    /// The LRU clock of the last access (seconds, 24 bits).
    pub fn lru(&self) -> u32 {
        match self.slot {
            Slot::Str(lru, _)
            | Slot::List(lru, _)
            | Slot::Hash(lru, _)
            | Slot::Set(lru, _)
            | Slot::ZSet(lru, _) => lru,
        }
    }

    pub fn set_lru(&mut self, clock: u32) {
        match &mut self.slot {
            Slot::Str(lru, _)
            | Slot::List(lru, _)
            | Slot::Hash(lru, _)
            | Slot::Set(lru, _)
            | Slot::ZSet(lru, _) => *lru = clock,
        }
    }

    /// The value, to match on.
    pub fn value(&self) -> ValueRef<'_> {
        match &self.slot {
            Slot::Str(_, v) => ValueRef::Str(v),
            Slot::List(_, v) => ValueRef::List(v),
            Slot::Hash(_, v) => ValueRef::Hash(v),
            Slot::Set(_, v) => ValueRef::Set(v),
            Slot::ZSet(_, v) => ValueRef::ZSet(v),
        }
    }

    /// The value, to modify in place.
    pub fn value_mut(&mut self) -> ValueMut<'_> {
        match &mut self.slot {
            Slot::Str(_, v) => ValueMut::Str(v),
            Slot::List(_, v) => ValueMut::List(v),
            Slot::Hash(_, v) => ValueMut::Hash(v),
            Slot::Set(_, v) => ValueMut::Set(v),
            Slot::ZSet(_, v) => ValueMut::ZSet(v),
        }
    }

    /// Replaces the value (of any type), keeping the LRU clock.
    pub fn set_value(&mut self, value: Value) {
        *self = RObj::new(value, self.lru());
    }

    /// The owned value, dropping the clock.
    pub fn into_value(self) -> Value {
        match self.slot {
            Slot::Str(_, v) => Value::Str(v),
            Slot::List(_, v) => Value::List(v),
            Slot::Hash(_, v) => Value::Hash(v),
            Slot::Set(_, v) => Value::Set(v),
            Slot::ZSet(_, v) => Value::ZSet(v),
        }
    }

    /// The name TYPE reports.
    pub fn type_name(&self) -> &'static str {
        match self.slot {
            Slot::Str(..) => "string",
            Slot::List(..) => "list",
            Slot::Hash(..) => "hash",
            Slot::Set(..) => "set",
            Slot::ZSet(..) => "zset",
        }
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding_name(&self) -> &'static str {
        match &self.slot {
            Slot::Str(_, StrValue::Int(_)) => "int",
            Slot::Str(_, StrValue::Emb(_)) => "embstr",
            Slot::Str(_, StrValue::Raw(_)) => "raw",
            Slot::List(_, l) => l.encoding_name(),
            Slot::Hash(_, h) => h.encoding_name(),
            Slot::Set(_, s) => s.encoding_name(),
            Slot::ZSet(_, z) => z.encoding_name(),
        }
    }

    /// The string value, or None when the key holds another type.
    pub fn as_str(&self) -> Option<&StrValue> {
        match &self.slot {
            Slot::Str(_, v) => Some(v),
            _ => None,
        }
    }

    pub fn as_str_mut(&mut self) -> Option<&mut StrValue> {
        match &mut self.slot {
            Slot::Str(_, v) => Some(v),
            _ => None,
        }
    }

    /// The list value, or None when the key holds another type.
    pub fn as_list(&self) -> Option<&ListValue> {
        match &self.slot {
            Slot::List(_, v) => Some(v),
            _ => None,
        }
    }

    pub fn as_list_mut(&mut self) -> Option<&mut ListValue> {
        match &mut self.slot {
            Slot::List(_, v) => Some(v),
            _ => None,
        }
    }

    /// The hash value, or None when the key holds another type.
    pub fn as_hash(&self) -> Option<&HashValue> {
        match &self.slot {
            Slot::Hash(_, v) => Some(v),
            _ => None,
        }
    }

    pub fn as_hash_mut(&mut self) -> Option<&mut HashValue> {
        match &mut self.slot {
            Slot::Hash(_, v) => Some(v),
            _ => None,
        }
    }

    /// The set value, or None when the key holds another type.
    pub fn as_set(&self) -> Option<&SetValue> {
        match &self.slot {
            Slot::Set(_, v) => Some(v),
            _ => None,
        }
    }

    pub fn as_set_mut(&mut self) -> Option<&mut SetValue> {
        match &mut self.slot {
            Slot::Set(_, v) => Some(v),
            _ => None,
        }
    }

    /// The sorted-set value, or None when the key holds another type.
    pub fn as_zset(&self) -> Option<&ZSetValue> {
        match &self.slot {
            Slot::ZSet(_, v) => Some(v),
            _ => None,
        }
    }

    pub fn as_zset_mut(&mut self) -> Option<&mut ZSetValue> {
        match &mut self.slot {
            Slot::ZSet(_, v) => Some(v),
            _ => None,
        }
    }
}

impl StrValue {
    /// Encodes `bytes` as Redis's tryObjectEncoding would after SET.
    pub fn from_bytes(bytes: &[u8]) -> StrValue {
        if bytes.len() <= 20 {
            if let Some(v) = parse_canonical_i64(bytes) {
                return StrValue::Int(v);
            }
        }
        if bytes.len() <= EMBSTR_SIZE_LIMIT {
            StrValue::Emb(InlineBytes::new(bytes))
        } else {
            StrValue::Raw(Box::new(bytes.to_vec()))
        }
    }

    /// Takes ownership of an already built buffer (results of BITOP,
    /// large APPEND targets) without copying it.
    pub fn from_vec(v: Vec<u8>) -> StrValue {
        if v.len() <= 20 {
            if let Some(n) = parse_canonical_i64(&v) {
                return StrValue::Int(n);
            }
        }
        if v.len() <= EMBSTR_SIZE_LIMIT {
            StrValue::Emb(InlineBytes::from(v))
        } else {
            StrValue::Raw(Box::new(v))
        }
    }

    /// Length in bytes of the string form.
    pub fn len(&self) -> usize {
        match self {
            StrValue::Int(v) => crate::util::numeric::sdigits10(*v),
            StrValue::Emb(b) => b.len(),
            StrValue::Raw(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The string form; an int is rendered into `scratch`.
    pub fn as_bytes<'a>(&'a self, scratch: &'a mut [u8; 20]) -> &'a [u8] {
        match self {
            StrValue::Int(v) => fmt_i64(*v, scratch),
            StrValue::Emb(b) => b,
            StrValue::Raw(v) => v,
        }
    }

    /// A copy of the string form.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut scratch = [0u8; 20];
        self.as_bytes(&mut scratch).to_vec()
    }

    /// The value as an integer, if its string form is one (INCR, GETEX...).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            StrValue::Int(v) => Some(*v),
            StrValue::Emb(b) => parse_canonical_i64(b),
            StrValue::Raw(v) => parse_canonical_i64(v),
        }
    }

    /// Converts to the `raw` encoding and returns the buffer to modify in
    /// place (Redis's dbUnshareStringValue).
    pub fn make_raw(&mut self) -> &mut Vec<u8> {
        if !matches!(self, StrValue::Raw(_)) {
            let v = self.to_vec();
            *self = StrValue::Raw(Box::new(v));
        }
        match self {
            StrValue::Raw(v) => v,
            _ => unreachable!("converted to raw just above"),
        }
    }
}

// The integer rules are Redis's string2ll / ll2string, kept in util.
pub use crate::util::numeric::{fmt_i64, parse_i64 as parse_canonical_i64};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_encodings() {
        assert_eq!(StrValue::from_bytes(b"12345"), StrValue::Int(12345));
        assert_eq!(StrValue::from_bytes(b"-7"), StrValue::Int(-7));
        assert!(matches!(StrValue::from_bytes(b"007"), StrValue::Emb(_)));
        assert!(matches!(StrValue::from_bytes(b"+7"), StrValue::Emb(_)));
        assert!(matches!(
            StrValue::from_bytes(&[b'x'; 44]),
            StrValue::Emb(_)
        ));
        assert!(matches!(
            StrValue::from_bytes(&[b'x'; 45]),
            StrValue::Raw(_)
        ));
        let mut s = [0u8; 20];
        assert_eq!(
            StrValue::Int(i64::MIN).as_bytes(&mut s),
            b"-9223372036854775808"
        );
        assert_eq!(StrValue::Int(i64::MIN).len(), 20);
        assert_eq!(StrValue::Int(0).len(), 1);
        let mut v = StrValue::Int(42);
        v.make_raw().push(b'!');
        assert_eq!(v, StrValue::Raw(Box::new(b"42!".to_vec())));
    }

    #[test]
    fn object_is_24_bytes() {
        // A key's entry is next (8) + key (16) + RObj (24) = 48 bytes, one jemalloc class.
        assert_eq!(std::mem::size_of::<StrValue>(), 16);
        assert_eq!(std::mem::size_of::<ListValue>(), 8);
        assert_eq!(std::mem::size_of::<HashValue>(), 16);
        assert_eq!(std::mem::size_of::<SetValue>(), 16);
        assert_eq!(std::mem::size_of::<ZSetValue>(), 16);
        assert_eq!(std::mem::size_of::<RObj>(), 24);
        assert_eq!(std::mem::size_of::<Option<RObj>>(), 24);
    }

    #[test]
    fn canonical_ints() {
        assert_eq!(parse_canonical_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_canonical_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_canonical_i64(b"9223372036854775808"), None);
        assert_eq!(parse_canonical_i64(b"-0"), None);
        assert_eq!(parse_canonical_i64(b" 1"), None);
        assert_eq!(parse_canonical_i64(b""), None);
    }
}
