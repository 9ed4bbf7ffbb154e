//! The set type's value and its two encodings (the data side of Redis's
//! `t_set.c`: `setTypeCreate`, `setTypeAdd`, `setTypeRemove`,
//! `setTypeIsMember`, `setTypeRandomElement`, `setTypeConvert`, iterators).
//!
//! Owns: choosing and converting the encoding, and every read and write of
//! members. It must never know about clients, replies, keys or propagation:
//! `commands::sets` does that.
//!
//! # Encodings (OBJECT ENCODING names)
//!
//! * `intset`: [`IntSet`], a sorted array of integers in Redis's byte
//!   layout. A set starts as one when its first member is an integer (a
//!   string that `string2ll` accepts: canonical decimal, no sign `+`, no
//!   leading zeros, fits 64 bits), and stays one while every member is and
//!   there are at most `set-max-intset-entries` (512; values over 2^30 count
//!   as 2^30, Redis's cap) of them.
//! * `hashtable`: a [`Dict`] of member bytes to `()`. Reached when a
//!   non-integer member arrives or the intset grows past the limit; never
//!   converted back (removing members does not shrink the encoding, only
//!   the table: after a remove the table shrinks when under 10% full, as
//!   Redis's `htNeedsResize`/`dictResize`).
//!
//! Redis 7.0 has no listpack sets; neither do we.
//!
//! # Size
//!
//! A `SetValue` is 24 bytes inline in the key's object: the intset blob is
//! a boxed slice (pointer and length) and the dict is boxed. A 3-member
//! intset set costs that plus its 14-byte blob, as Redis's robj plus its
//! 14-byte intset allocation.

use crate::db::dict::Dict;
use crate::db::intset::IntSet;
use crate::util::numeric::{fmt_i64, parse_i64};

/// 1 << 30, Redis's cap on `set-max-intset-entries` in `setTypeAdd`
/// ("limit to 1G entries due to intset internals").
pub const MAX_INTSET_ENTRIES_CAP: usize = 1 << 30;

/// 15, Redis's GETFAIR_NUM_ENTRIES: the entries a fair random pick samples,
/// and so the most rehash steps it does.
const FAIR_RANDOM_SAMPLE: usize = 15;

/// A set value in one of Redis's two set encodings.
#[derive(Clone, Debug)]
pub enum SetValue {
    /// `intset`: all members are integers and there are few of them.
    Intset(IntSet),
    /// `hashtable`: members as byte strings.
    Hashtable(Box<Dict<()>>),
}

impl Default for SetValue {
    /// An empty intset, Redis's `createIntsetObject`.
    fn default() -> Self {
        SetValue::Intset(IntSet::new())
    }
}

/// One member as an encoding holds it: an intset's integer or a hash
/// table's bytes. Redis's `setTypeNext` returns the same pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Member<'a> {
    Int(i64),
    Bytes(&'a [u8]),
}

impl<'a> Member<'a> {
    /// The member's bytes; an integer is rendered into `scratch` (decimal,
    /// as `sdsfromlonglong`).
    pub fn as_bytes<'b>(&self, scratch: &'b mut [u8; 20]) -> &'b [u8]
    where
        'a: 'b,
    {
        match *self {
            Member::Int(v) => fmt_i64(v, scratch),
            Member::Bytes(b) => b,
        }
    }

    /// The member as an integer if an intset could hold it.
    pub fn as_int(&self) -> Option<i64> {
        match *self {
            Member::Int(v) => Some(v),
            Member::Bytes(b) => parse_i64(b),
        }
    }

    /// Length in bytes of the string form.
    pub fn len(&self) -> usize {
        match *self {
            Member::Int(v) => crate::util::numeric::sdigits10(v),
            Member::Bytes(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl SetValue {
    /// An empty set in the encoding that can hold `first`, Redis's
    /// `setTypeCreate`: an intset for an integer, else a hash table.
    pub fn new_for(first: &[u8]) -> SetValue {
        if parse_i64(first).is_some() {
            SetValue::Intset(IntSet::new())
        } else {
            SetValue::Hashtable(Box::default())
        }
    }

    /// An empty hash-table set with buckets for `n` members.
    pub fn new_hashtable(n: usize) -> SetValue {
        SetValue::Hashtable(Box::new(Dict::with_capacity(n)))
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding_name(&self) -> &'static str {
        match self {
            SetValue::Intset(_) => "intset",
            SetValue::Hashtable(_) => "hashtable",
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match self {
            SetValue::Intset(s) => s.len(),
            SetValue::Hashtable(d) => d.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The hash table, when that is the encoding (SSCAN, DEBUG HTSTATS-KEY).
    pub fn dict(&self) -> Option<&Dict<()>> {
        match self {
            SetValue::Hashtable(d) => Some(d),
            SetValue::Intset(_) => None,
        }
    }

    /// The intset, when that is the encoding (RDB, MEMORY USAGE).
    pub fn intset(&self) -> Option<&IntSet> {
        match self {
            SetValue::Intset(s) => Some(s),
            SetValue::Hashtable(_) => None,
        }
    }

    /// Adds `member`, Redis's `setTypeAdd`; false when it was already there.
    /// Converts an intset to a hash table when `member` is not an integer or
    /// when the intset would hold more than `max_intset_entries`.
    pub fn add(&mut self, member: &[u8], max_intset_entries: usize) -> bool {
        self.add_member(Member::Bytes(member), max_intset_entries)
    }

    /// [`SetValue::add`] for a member read from another set: an intset's
    /// integer goes into an intset without being rendered and parsed.
    pub fn add_member(&mut self, member: Member<'_>, max_intset_entries: usize) -> bool {
        match self {
            SetValue::Hashtable(d) => {
                let mut scratch = [0u8; 20];
                insert_bytes(d, member.as_bytes(&mut scratch))
            }
            SetValue::Intset(s) => match member.as_int() {
                Some(v) => {
                    if !s.insert(v) {
                        return false;
                    }
                    if s.len() > max_intset_entries.min(MAX_INTSET_ENTRIES_CAP) {
                        self.convert_to_hashtable();
                    }
                    true
                }
                None => {
                    self.convert_to_hashtable();
                    let mut scratch = [0u8; 20];
                    match self {
                        SetValue::Hashtable(d) => insert_bytes(d, member.as_bytes(&mut scratch)),
                        SetValue::Intset(_) => false,
                    }
                }
            },
        }
    }

    /// Removes `member`, Redis's `setTypeRemove`; false when it was not
    /// there. A hash table shrinks when it falls under 10% full.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        self.remove_member(Member::Bytes(member))
    }

    /// [`SetValue::remove`] for a member read from another set.
    pub fn remove_member(&mut self, member: Member<'_>) -> bool {
        match self {
            SetValue::Hashtable(d) => {
                let mut scratch = [0u8; 20];
                if d.remove(member.as_bytes(&mut scratch)).is_none() {
                    return false;
                }
                d.shrink_to_fit_if_needed();
                true
            }
            SetValue::Intset(s) => member.as_int().is_some_and(|v| s.remove(v)),
        }
    }

    /// Whether `member` is in the set, Redis's `setTypeIsMember`.
    pub fn contains(&self, member: &[u8]) -> bool {
        self.contains_member(Member::Bytes(member))
    }

    /// [`SetValue::contains`] for a member read from another set.
    pub fn contains_member(&self, member: Member<'_>) -> bool {
        match self {
            SetValue::Hashtable(d) => {
                let mut scratch = [0u8; 20];
                d.contains_key(member.as_bytes(&mut scratch))
            }
            SetValue::Intset(s) => member.as_int().is_some_and(|v| s.contains(v)),
        }
    }

    /// A random member, Redis's `setTypeRandomElement`: uniform over an
    /// intset, `dictGetFairRandomKey` over a hash table. None when empty.
    pub fn random(&self) -> Option<Member<'_>> {
        match self {
            SetValue::Intset(s) => s.random().map(Member::Int),
            SetValue::Hashtable(d) => d.random_entry().map(|(k, _)| Member::Bytes(k)),
        }
    }

    /// [`SetValue::random`] as Redis's commands pick one: a hash table in
    /// the middle of a rehash first moves up to 15 buckets along
    /// (`dictGetSomeKeys` does a rehash step per entry it is asked for), so
    /// a set only read from still finishes its rehash.
    pub fn random_mut(&mut self) -> Option<Member<'_>> {
        self.rehash_steps(FAIR_RANDOM_SAMPLE);
        self.random()
    }

    /// [`SetValue::contains`] with the rehash step Redis's `dictFind` does.
    pub fn contains_mut(&mut self, member: &[u8]) -> bool {
        self.rehash_steps(1);
        self.contains(member)
    }

    /// Moves up to `n` buckets (no more than there are members) of a hash
    /// table that is rehashing; nothing otherwise.
    fn rehash_steps(&mut self, n: usize) {
        if let SetValue::Hashtable(d) = self {
            if d.is_rehashing() {
                d.rehash(n.min(d.len()));
            }
        }
    }

    /// Removes and returns a random member (SPOP), as an owned string.
    pub fn pop_random(&mut self) -> Option<Vec<u8>> {
        self.rehash_steps(FAIR_RANDOM_SAMPLE);
        match self {
            SetValue::Intset(s) => {
                let v = s.random()?;
                s.remove(v);
                let mut scratch = [0u8; 20];
                Some(fmt_i64(v, &mut scratch).to_vec())
            }
            SetValue::Hashtable(d) => {
                let key: Vec<u8> = d.random_entry()?.0.to_vec();
                d.remove(&key);
                d.shrink_to_fit_if_needed();
                Some(key)
            }
        }
    }

    /// Every member: an intset in ascending order, a hash table in table
    /// order.
    pub fn iter(&self) -> Iter<'_> {
        match self {
            SetValue::Intset(s) => Iter::Intset(s.iter()),
            SetValue::Hashtable(d) => Iter::Hashtable(d.iter()),
        }
    }

    /// Turns an intset into a hash table presized for its members, Redis's
    /// `setTypeConvert(o, OBJ_ENCODING_HT)`. A hash table stays as it is.
    pub fn convert_to_hashtable(&mut self) {
        let SetValue::Intset(s) = self else {
            return;
        };
        let mut d = Dict::with_capacity(s.len());
        let mut scratch = [0u8; 20];
        for v in s.iter() {
            d.insert_new(fmt_i64(v, &mut scratch), ());
        }
        *self = SetValue::Hashtable(Box::new(d));
    }

    /// One SCAN step over the members, Redis's `scanGenericCommand` for a
    /// set: a hash table is walked from `cursor` with [`Dict::scan`]; an
    /// intset hands over every member at once and returns cursor 0.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(Member<'_>)) -> u64 {
        match self {
            SetValue::Hashtable(d) => d.scan(cursor, |k, _| f(Member::Bytes(k))),
            SetValue::Intset(s) => {
                for v in s.iter() {
                    f(Member::Int(v));
                }
                0
            }
        }
    }
}

/// Inserts a copy of `member` if absent; true when it was added. The key is
/// copied only when it is new.
fn insert_bytes(d: &mut Dict<()>, member: &[u8]) -> bool {
    let before = d.len();
    d.entry_or_insert_with(member, || ());
    d.len() > before
}

/// The members of a [`SetValue`], as [`Member`]s.
pub enum Iter<'a> {
    Intset(crate::db::intset::Iter<'a>),
    Hashtable(crate::db::dict::Iter<'a, ()>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = Member<'a>;

    fn next(&mut self) -> Option<Member<'a>> {
        match self {
            Iter::Intset(it) => it.next().map(Member::Int),
            Iter::Hashtable(it) => it.next().map(|(k, _)| Member::Bytes(k)),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Iter::Intset(it) => it.size_hint(),
            Iter::Hashtable(it) => it.size_hint(),
        }
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(s: &SetValue) -> Vec<Vec<u8>> {
        let mut scratch = [0u8; 20];
        let mut v: Vec<Vec<u8>> = s
            .iter()
            .map(|m| m.as_bytes(&mut scratch).to_vec())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn stays_small() {
        assert!(std::mem::size_of::<SetValue>() <= 24);
    }

    #[test]
    fn encoding_follows_members() {
        let mut s = SetValue::new_for(b"17");
        assert_eq!(s.encoding_name(), "intset");
        assert!(s.add(b"17", 512));
        assert!(!s.add(b"17", 512));
        assert!(s.add(b"-5", 512));
        assert_eq!(s.encoding_name(), "intset");
        // Not string2ll-canonical: a string member.
        assert!(s.add(b"007", 512));
        assert_eq!(s.encoding_name(), "hashtable");
        assert!(s.contains(b"17") && s.contains(b"007") && !s.contains(b"7"));
        assert_eq!(
            members(&s),
            vec![b"-5".to_vec(), b"007".to_vec(), b"17".to_vec()]
        );
        assert!(s.remove(b"007"));
        // Never converted back.
        assert_eq!(s.encoding_name(), "hashtable");
        assert_eq!(SetValue::new_for(b"a").encoding_name(), "hashtable");
        assert_eq!(SetValue::new_for(b"+1").encoding_name(), "hashtable");
    }

    #[test]
    fn intset_converts_past_the_limit() {
        let mut s = SetValue::default();
        for i in 0..4 {
            assert!(s.add(i.to_string().as_bytes(), 4));
        }
        assert_eq!(s.encoding_name(), "intset");
        assert!(!s.add(b"3", 4));
        assert!(s.add(b"4", 4));
        assert_eq!(s.encoding_name(), "hashtable");
        assert_eq!(s.len(), 5);
        assert!(s.contains(b"4") && s.contains(b"0"));
        // Zero means every integer set is a hash table.
        let mut z = SetValue::default();
        z.add(b"1", 0);
        assert_eq!(z.encoding_name(), "hashtable");
    }

    #[test]
    fn members_across_encodings() {
        let mut ints = SetValue::default();
        ints.add(b"1", 512);
        ints.add(b"2", 512);
        let mut strs = SetValue::new_for(b"x");
        strs.add(b"x", 512);
        strs.add(b"2", 512);
        assert!(strs.contains_member(Member::Int(2)));
        assert!(!strs.contains_member(Member::Int(1)));
        assert!(ints.contains_member(Member::Bytes(b"2")));
        assert!(!ints.contains_member(Member::Bytes(b"x")));
        assert!(ints.remove_member(Member::Bytes(b"2")));
        assert!(strs.remove_member(Member::Int(2)));
        assert!(!ints.remove(b"x"));
        assert_eq!(members(&ints), vec![b"1".to_vec()]);
        assert_eq!(members(&strs), vec![b"x".to_vec()]);
    }

    #[test]
    fn random_and_pop_drain_the_set() {
        for first in [&b"1"[..], b"a"] {
            let mut s = SetValue::new_for(first);
            for i in 0..50 {
                let m = if first == b"a" {
                    format!("m{i}")
                } else {
                    i.to_string()
                };
                s.add(m.as_bytes(), 512);
            }
            let r = s.random().map(|m| m.as_bytes(&mut [0u8; 20]).to_vec());
            assert!(r.is_some_and(|r| s.contains(&r)));
            let mut popped = std::collections::HashSet::new();
            while let Some(m) = s.pop_random() {
                assert!(popped.insert(m));
            }
            assert_eq!(popped.len(), 50);
            assert!(s.is_empty() && s.random().is_none());
        }
    }

    #[test]
    fn hashtable_shrinks_after_removals() {
        let mut s = SetValue::new_for(b"a");
        for i in 0..1000 {
            s.add(format!("m{i}").as_bytes(), 512);
        }
        for i in 0..990 {
            assert!(s.remove(format!("m{i}").as_bytes()));
        }
        let d = s.dict().map(|d| {
            let mut d = d.clone();
            while d.rehash(100) {}
            d.buckets().0
        });
        assert!(d.is_some_and(|size| size <= 128), "{d:?}");
    }

    #[test]
    fn scan_covers_both_encodings() {
        let mut s = SetValue::default();
        for i in 0..10 {
            s.add(i.to_string().as_bytes(), 512);
        }
        let mut n = 0;
        assert_eq!(s.scan(0, |_| n += 1), 0);
        assert_eq!(n, 10);
        s.add(b"x", 512);
        let (mut cursor, mut seen) = (0, 0);
        loop {
            cursor = s.scan(cursor, |_| seen += 1);
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(seen, 11);
    }
}
