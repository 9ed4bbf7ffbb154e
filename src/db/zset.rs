//! The sorted-set value and its two encodings (the data side of Redis's t_zset.c).
//!
//! Owns: how a sorted set is stored, the switch between its encodings, and every operation on
//! the stored data (add with NX/XX/GT/LT/INCR, remove, score, rank, ranges by rank, score and
//! lex, range deletes, random picks). It must never know about clients, replies, keyspace
//! events or the server's configuration: `commands::zsets` passes the
//! `zset-max-listpack-*` limits in and does the talking.
//!
//! # Encodings
//!
//! * **listpack** (small sets): one [`Listpack`] holding `member, score, member, score ...`
//!   sorted by score, then member bytes. A score is stored as Redis's `zzlInsertAt` stores it:
//!   an integral score within ±2^62 (`double2ll`) as a listpack integer, anything else as its
//!   `d2string` text (`%.17g`, `inf`, `-inf`), read back with `strtod`. So `{a: 1, b: 2.5}` is
//!   `[a, 1, b, "2.5"]`: 4 entries in one allocation of 20 bytes.
//! * **skiplist** (big sets): a [`SkipList`] ordered by (score, member) for ranges and ranks,
//!   plus a [`Dict`] member -> score for O(1) ZSCORE and membership, both boxed so the value is
//!   24 bytes whatever the encoding. Members are stored in both (Redis shares one sds; safe Rust
//!   pays one copy).
//!
//! A listpack becomes a skiplist when an add would make it longer than
//! `zset-max-listpack-entries` (128) or bring a member longer than `zset-max-listpack-value`
//! (64 bytes), or the listpack near 1 GiB. It goes back to a listpack only when a command that
//! builds a whole new set says so ([`ZSetValue::convert_to_listpack_if_needed`], Redis's
//! zsetConvertToListpackIfNeeded after ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE), never on delete.
//!
//! # Positions
//!
//! Range commands walk the set through [`Pos`], a position that is a byte offset into the
//! listpack (of a member entry) or a skiplist node handle. A position is valid until the value
//! is next modified.

use super::dict::Dict;
use super::listpack::{Entry, Listpack};
use super::skiplist::{random_u64, LexRange, NodeId, ScoreRange, SkipList};
use crate::util::numeric::{d2string, double2ll, parse_f64_range_bound, NumBuf};

/// 1 GiB, Redis's LISTPACK_MAX_SAFETY_SIZE: no listpack grows past it.
const LISTPACK_MAX_SAFETY_SIZE: usize = 1 << 30;

/// The `zset-max-listpack-entries` / `zset-max-listpack-value` limits in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most members a listpack holds (default 128).
    pub max_entries: usize,
    /// Longest member a listpack holds, in bytes (default 64).
    pub max_value: usize,
}

/// A sorted-set value. `size_of::<ZSetValue>()` is 24 bytes.
#[derive(Clone, Debug)]
pub struct ZSetValue {
    enc: Enc,
}

#[derive(Clone, Debug)]
enum Enc {
    Listpack(Listpack),
    Skiplist(Box<Big>),
}

/// The skiplist encoding: the ordered view and the member -> score dict.
#[derive(Clone, Debug, Default)]
pub struct Big {
    pub dict: Dict<f64>,
    pub zsl: SkipList,
}

impl Default for ZSetValue {
    fn default() -> Self {
        ZSetValue::new_listpack()
    }
}

/// A position in a sorted set (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos(usize);

/// ZADD's input flags (Redis's ZADD_IN_*).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddFlags {
    pub incr: bool,
    pub nx: bool,
    pub xx: bool,
    pub gt: bool,
    pub lt: bool,
}

/// What one add did (Redis's ZADD_OUT_*).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Added {
    /// The member is new.
    pub added: bool,
    /// An existing member's score changed.
    pub updated: bool,
    /// Nothing was done because of NX, XX, GT or LT.
    pub nop: bool,
    /// The member's score after the add (with INCR, the sum); meaningful unless `nop`.
    pub score: f64,
}

/// The add would make a score NaN (`+inf` plus `-inf`): nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NanScore;

/// Reads a listpack score entry (Redis's zzlGetScore): integers as they are, strings with
/// `strtod`.
fn lp_score(e: Entry<'_>) -> f64 {
    match e {
        Entry::Int(v) => v as f64,
        Entry::Str(s) => parse_f64_range_bound(s).unwrap_or(0.0),
    }
}

/// The listpack text of a score (Redis's zzlInsertAt): an integer string for `double2ll`
/// values (so `-0` is `0`), which the listpack stores as an integer, else `d2string`.
fn score_text(score: f64) -> NumBuf {
    match double2ll(score) {
        Some(v) => d2string(v as f64),
        None => d2string(score),
    }
}

/// Compares a listpack member with `s` as `zzlCompareElements` does (memcmp, then length).
fn cmp_entry(e: Entry<'_>, s: &[u8]) -> std::cmp::Ordering {
    let mut scratch = [0u8; 20];
    e.as_bytes(&mut scratch).cmp(s)
}

fn lex_gte_min(r: &LexRange<'_>, e: Entry<'_>) -> bool {
    let mut scratch = [0u8; 20];
    r.gte_min(e.as_bytes(&mut scratch))
}

fn lex_lte_max(r: &LexRange<'_>, e: Entry<'_>) -> bool {
    let mut scratch = [0u8; 20];
    r.lte_max(e.as_bytes(&mut scratch))
}

/// Whether a listpack of `bytes` bytes may grow by `add` (Redis's lpSafeToAdd).
fn lp_safe_to_add(bytes: usize, add: usize) -> bool {
    bytes.saturating_add(add) <= LISTPACK_MAX_SAFETY_SIZE
}

impl ZSetValue {
    /// An empty listpack-encoded set (createZsetListpackObject).
    pub fn new_listpack() -> ZSetValue {
        ZSetValue {
            enc: Enc::Listpack(Listpack::new()),
        }
    }

    /// An empty skiplist-encoded set (createZsetObject).
    pub fn new_skiplist() -> ZSetValue {
        ZSetValue {
            enc: Enc::Skiplist(Box::default()),
        }
    }

    /// The empty set ZADD / ZINCRBY create for a missing key whose first member is
    /// `first_member_len` bytes: a skiplist when listpacks are off (`entries 0`) or the member
    /// is too long for one.
    pub fn for_new_key(first_member_len: usize, limits: Limits) -> ZSetValue {
        if limits.max_entries == 0 || limits.max_value < first_member_len {
            ZSetValue::new_skiplist()
        } else {
            ZSetValue::new_listpack()
        }
    }

    /// The name OBJECT ENCODING reports.
    pub fn encoding_name(&self) -> &'static str {
        match self.enc {
            Enc::Listpack(_) => "listpack",
            Enc::Skiplist(_) => "skiplist",
        }
    }

    pub fn is_listpack(&self) -> bool {
        matches!(self.enc, Enc::Listpack(_))
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match &self.enc {
            Enc::Listpack(lp) => lp.len() / 2,
            Enc::Skiplist(b) => b.zsl.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The listpack, when that is the encoding (RDB, MEMORY USAGE).
    pub fn listpack(&self) -> Option<&Listpack> {
        match &self.enc {
            Enc::Listpack(lp) => Some(lp),
            Enc::Skiplist(_) => None,
        }
    }

    /// The skiplist and dict, when that is the encoding (RDB, MEMORY USAGE, DEBUG).
    pub fn big(&self) -> Option<&Big> {
        match &self.enc {
            Enc::Listpack(_) => None,
            Enc::Skiplist(b) => Some(b),
        }
    }

    /// Wraps a skiplist encoding built by the caller (ZUNIONSTORE and friends); the dict and
    /// the skiplist must hold the same members.
    pub fn from_big(b: Big) -> ZSetValue {
        ZSetValue {
            enc: Enc::Skiplist(Box::new(b)),
        }
    }

    /// Wraps a listpack already checked to hold sorted (member, score) pairs (RDB load).
    pub fn from_listpack(lp: Listpack) -> ZSetValue {
        ZSetValue {
            enc: Enc::Listpack(lp),
        }
    }

    // -- lookups -------------------------------------------------------------------------------

    /// Position of `member`'s entry in a listpack (Redis's zzlFind).
    fn lp_find(lp: &Listpack, member: &[u8]) -> Option<usize> {
        lp.find(member, 1)
    }

    /// The score of `member` (Redis's zsetScore).
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.enc {
            Enc::Listpack(lp) => {
                let p = Self::lp_find(lp, member)?;
                Some(lp_score(lp.get(lp.next(p)?)))
            }
            Enc::Skiplist(b) => b.dict.get(member).copied(),
        }
    }

    /// 0-based rank of `member`, from the highest score when `reverse` (Redis's zsetRank).
    pub fn rank(&self, member: &[u8], reverse: bool) -> Option<usize> {
        let len = self.len();
        let rank1 = match &self.enc {
            Enc::Listpack(lp) => {
                let mut rank = 1;
                let mut p = lp.first();
                loop {
                    let e = p?;
                    if lp.get(e).eq_bytes(member) {
                        break rank;
                    }
                    rank += 1;
                    p = lp.next(e).and_then(|s| lp.next(s));
                }
            }
            Enc::Skiplist(b) => {
                let score = *b.dict.get(member)?;
                let r = b.zsl.rank(score, member);
                if r == 0 {
                    return None;
                }
                r
            }
        };
        Some(if reverse { len - rank1 } else { rank1 - 1 })
    }

    // -- adding and removing ---------------------------------------------------------------------

    /// Inserts a pair at its sorted place in a listpack (Redis's zzlInsert); the member must
    /// be absent.
    fn lp_insert(lp: &mut Listpack, member: &[u8], score: f64) {
        let text = score_text(score);
        let mut p = lp.first();
        while let Some(e) = p {
            let Some(sp) = lp.next(e) else { break };
            let s = lp_score(lp.get(sp));
            if s > score || (s == score && cmp_entry(lp.get(e), member).is_gt()) {
                lp.insert_before(e, &[member, &text]);
                return;
            }
            p = lp.next(sp);
        }
        lp.push_back_many(&[member, &text]);
    }

    /// Adds `member` or updates its score (Redis's zsetAdd), converting a listpack to a
    /// skiplist when the member does not fit it.
    pub fn add(
        &mut self,
        score: f64,
        member: &[u8],
        flags: AddFlags,
        limits: Limits,
    ) -> Result<Added, NanScore> {
        if score.is_nan() {
            return Err(NanScore);
        }
        let nop = Added {
            nop: true,
            ..Added::default()
        };
        if let Enc::Listpack(lp) = &mut self.enc {
            if let Some(e) = Self::lp_find(lp, member) {
                if flags.nx {
                    return Ok(nop);
                }
                let Some(sp) = lp.next(e) else {
                    return Ok(nop);
                };
                let cur = lp_score(lp.get(sp));
                let mut score = score;
                if flags.incr {
                    score += cur;
                    if score.is_nan() {
                        return Err(NanScore);
                    }
                }
                if (flags.lt && score >= cur) || (flags.gt && score <= cur) {
                    return Ok(nop);
                }
                let mut out = Added {
                    score,
                    ..Added::default()
                };
                if score != cur {
                    lp.delete_run(e, 2);
                    Self::lp_insert(lp, member, score);
                    out.updated = true;
                }
                return Ok(out);
            }
            if flags.xx {
                return Ok(nop);
            }
            if lp.len() / 2 + 1 > limits.max_entries
                || member.len() > limits.max_value
                || !lp_safe_to_add(lp.bytes_len(), member.len())
            {
                self.convert_to_skiplist();
            } else {
                Self::lp_insert(lp, member, score);
                return Ok(Added {
                    added: true,
                    score,
                    ..Added::default()
                });
            }
        }
        let Enc::Skiplist(b) = &mut self.enc else {
            return Ok(nop);
        };
        if let Some(&cur) = b.dict.get(member) {
            if flags.nx {
                return Ok(nop);
            }
            let mut score = score;
            if flags.incr {
                score += cur;
                if score.is_nan() {
                    return Err(NanScore);
                }
            }
            if (flags.lt && score >= cur) || (flags.gt && score <= cur) {
                return Ok(nop);
            }
            let mut out = Added {
                score,
                ..Added::default()
            };
            if score != cur {
                b.zsl.update_score(cur, member, score);
                if let Some(s) = b.dict.get_mut(member) {
                    *s = score;
                }
                out.updated = true;
            }
            Ok(out)
        } else if !flags.xx {
            b.zsl.insert(score, member);
            b.dict.insert(member, score);
            Ok(Added {
                added: true,
                score,
                ..Added::default()
            })
        } else {
            Ok(nop)
        }
    }

    /// Removes `member` (Redis's zsetDel); true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match &mut self.enc {
            Enc::Listpack(lp) => match Self::lp_find(lp, member) {
                Some(e) => {
                    lp.delete_run(e, 2);
                    true
                }
                None => false,
            },
            Enc::Skiplist(b) => match b.dict.remove(member) {
                Some((_, score)) => {
                    b.zsl.delete(score, member);
                    b.dict.shrink_to_fit_if_needed();
                    true
                }
                None => false,
            },
        }
    }

    // -- encodings -------------------------------------------------------------------------------

    /// Converts a listpack to a skiplist (Redis's zsetConvert to OBJ_ENCODING_SKIPLIST).
    pub fn convert_to_skiplist(&mut self) {
        let Enc::Listpack(lp) = &self.enc else {
            return;
        };
        let mut b = Big {
            dict: Dict::with_capacity(lp.len() / 2),
            zsl: SkipList::new(),
        };
        let mut it = lp.iter();
        while let (Some(m), Some(s)) = (it.next(), it.next()) {
            let mut scratch = [0u8; 20];
            let member = m.as_bytes(&mut scratch);
            let score = lp_score(s);
            b.zsl.insert(score, member);
            b.dict.insert(member, score);
        }
        self.enc = Enc::Skiplist(Box::new(b));
    }

    /// Converts a skiplist to a listpack (Redis's zsetConvert to OBJ_ENCODING_LISTPACK).
    pub fn convert_to_listpack(&mut self) {
        let Enc::Skiplist(b) = &self.enc else {
            return;
        };
        let scores: Vec<NumBuf> = b.zsl.iter().map(|(_, s)| score_text(s)).collect();
        let mut items: Vec<&[u8]> = Vec::with_capacity(2 * scores.len());
        for ((m, _), s) in b.zsl.iter().zip(&scores) {
            items.push(m);
            items.push(s);
        }
        let mut lp = Listpack::new();
        lp.push_back_many(&items);
        self.enc = Enc::Listpack(lp);
    }

    /// Redis's zsetConvertToListpackIfNeeded: a skiplist whose `len`, longest member
    /// (`max_member_len`) and total member bytes fit a listpack becomes one.
    pub fn convert_to_listpack_if_needed(
        &mut self,
        max_member_len: usize,
        total_member_len: usize,
        limits: Limits,
    ) {
        if self.is_listpack() {
            return;
        }
        if self.len() <= limits.max_entries
            && max_member_len <= limits.max_value
            && lp_safe_to_add(0, total_member_len)
        {
            self.convert_to_listpack();
        }
    }

    // -- positions ------------------------------------------------------------------------------

    /// The lowest-scored member.
    pub fn first(&self) -> Option<Pos> {
        match &self.enc {
            Enc::Listpack(lp) => lp.first().map(Pos),
            Enc::Skiplist(b) => b.zsl.first().map(|n| Pos(n.index())),
        }
    }

    /// The highest-scored member.
    pub fn last(&self) -> Option<Pos> {
        match &self.enc {
            Enc::Listpack(lp) => lp.last().and_then(|s| lp.prev(s)).map(Pos),
            Enc::Skiplist(b) => b.zsl.last().map(|n| Pos(n.index())),
        }
    }

    /// The member after `p`.
    pub fn next(&self, p: Pos) -> Option<Pos> {
        match &self.enc {
            Enc::Listpack(lp) => lp.next(p.0).and_then(|s| lp.next(s)).map(Pos),
            Enc::Skiplist(b) => b.zsl.next(NodeId::from_index(p.0)).map(|n| Pos(n.index())),
        }
    }

    /// The member before `p`.
    pub fn prev(&self, p: Pos) -> Option<Pos> {
        match &self.enc {
            Enc::Listpack(lp) => lp.prev(p.0).and_then(|s| lp.prev(s)).map(Pos),
            Enc::Skiplist(b) => b.zsl.prev(NodeId::from_index(p.0)).map(|n| Pos(n.index())),
        }
    }

    /// Steps `n` members forward (or back when `reverse`) from `p`.
    pub fn skip(&self, mut p: Option<Pos>, n: usize, reverse: bool) -> Option<Pos> {
        for _ in 0..n {
            let q = p?;
            p = if reverse { self.prev(q) } else { self.next(q) };
        }
        p
    }

    /// The member at `p`.
    pub fn member(&self, p: Pos) -> Entry<'_> {
        match &self.enc {
            Enc::Listpack(lp) => lp.get(p.0),
            Enc::Skiplist(b) => Entry::Str(b.zsl.ele(NodeId::from_index(p.0))),
        }
    }

    /// The score at `p`.
    pub fn score_at(&self, p: Pos) -> f64 {
        match &self.enc {
            Enc::Listpack(lp) => lp.next(p.0).map_or(0.0, |s| lp_score(lp.get(s))),
            Enc::Skiplist(b) => b.zsl.score(NodeId::from_index(p.0)),
        }
    }

    /// The member of 0-based `rank` from the lowest score (from the highest when `reverse`).
    pub fn by_rank(&self, rank: usize, reverse: bool) -> Option<Pos> {
        let len = self.len();
        if rank >= len {
            return None;
        }
        match &self.enc {
            Enc::Listpack(lp) => {
                let idx = if reverse {
                    -2 - 2 * rank as i64
                } else {
                    2 * rank as i64
                };
                lp.seek(idx).map(Pos)
            }
            Enc::Skiplist(b) => {
                let r = if reverse { len - rank } else { rank + 1 };
                b.zsl.by_rank(r).map(|n| Pos(n.index()))
            }
        }
    }

    /// Whether a listpack may hold members in `r` (Redis's zzlIsInRange).
    fn lp_in_range(lp: &Listpack, r: &ScoreRange) -> bool {
        if r.is_empty() {
            return false;
        }
        let (Some(last), Some(first)) = (lp.seek(-1), lp.seek(1)) else {
            return false;
        };
        r.gte_min(lp_score(lp.get(last))) && r.lte_max(lp_score(lp.get(first)))
    }

    /// The first member in the score range (Redis's zzlFirstInRange / zslFirstInRange).
    pub fn first_in_range(&self, r: &ScoreRange) -> Option<Pos> {
        match &self.enc {
            Enc::Listpack(lp) => {
                if !Self::lp_in_range(lp, r) {
                    return None;
                }
                let mut p = lp.first();
                while let Some(e) = p {
                    let sp = lp.next(e)?;
                    let s = lp_score(lp.get(sp));
                    if r.gte_min(s) {
                        return r.lte_max(s).then_some(Pos(e));
                    }
                    p = lp.next(sp);
                }
                None
            }
            Enc::Skiplist(b) => b.zsl.first_in_range(r).map(|n| Pos(n.index())),
        }
    }

    /// The last member in the score range (Redis's zzlLastInRange / zslLastInRange).
    pub fn last_in_range(&self, r: &ScoreRange) -> Option<Pos> {
        match &self.enc {
            Enc::Listpack(lp) => {
                if !Self::lp_in_range(lp, r) {
                    return None;
                }
                let mut p = lp.seek(-2);
                while let Some(e) = p {
                    let sp = lp.next(e)?;
                    let s = lp_score(lp.get(sp));
                    if r.lte_max(s) {
                        return r.gte_min(s).then_some(Pos(e));
                    }
                    p = lp.prev(e).and_then(|q| lp.prev(q));
                }
                None
            }
            Enc::Skiplist(b) => b.zsl.last_in_range(r).map(|n| Pos(n.index())),
        }
    }

    /// Whether a listpack may hold members in `r` (Redis's zzlIsInLexRange).
    fn lp_in_lex_range(lp: &Listpack, r: &LexRange<'_>) -> bool {
        if r.is_empty() {
            return false;
        }
        let (Some(last), Some(first)) = (lp.seek(-2), lp.seek(0)) else {
            return false;
        };
        lex_gte_min(r, lp.get(last)) && lex_lte_max(r, lp.get(first))
    }

    /// The first member in the lex range (Redis's zzlFirstInLexRange / zslFirstInLexRange).
    pub fn first_in_lex_range(&self, r: &LexRange<'_>) -> Option<Pos> {
        match &self.enc {
            Enc::Listpack(lp) => {
                if !Self::lp_in_lex_range(lp, r) {
                    return None;
                }
                let mut p = lp.first();
                while let Some(e) = p {
                    if lex_gte_min(r, lp.get(e)) {
                        return lex_lte_max(r, lp.get(e)).then_some(Pos(e));
                    }
                    p = lp.next(e).and_then(|s| lp.next(s));
                }
                None
            }
            Enc::Skiplist(b) => b.zsl.first_in_lex_range(r).map(|n| Pos(n.index())),
        }
    }

    /// The last member in the lex range (Redis's zzlLastInLexRange / zslLastInLexRange).
    pub fn last_in_lex_range(&self, r: &LexRange<'_>) -> Option<Pos> {
        match &self.enc {
            Enc::Listpack(lp) => {
                if !Self::lp_in_lex_range(lp, r) {
                    return None;
                }
                let mut p = lp.seek(-2);
                while let Some(e) = p {
                    if lex_lte_max(r, lp.get(e)) {
                        return lex_gte_min(r, lp.get(e)).then_some(Pos(e));
                    }
                    p = lp.prev(e).and_then(|q| lp.prev(q));
                }
                None
            }
            Enc::Skiplist(b) => b.zsl.last_in_lex_range(r).map(|n| Pos(n.index())),
        }
    }

    /// 1-based skiplist rank of the node at `p`.
    fn zsl_rank_at(b: &Big, p: Pos) -> usize {
        let n = NodeId::from_index(p.0);
        b.zsl.rank(b.zsl.score(n), b.zsl.ele(n))
    }

    /// Members in the score range (ZCOUNT): a walk in a listpack, rank arithmetic in a
    /// skiplist.
    pub fn count_in_range(&self, r: &ScoreRange) -> usize {
        let Some(first) = self.first_in_range(r) else {
            return 0;
        };
        match &self.enc {
            Enc::Listpack(_) => {
                let mut n = 0;
                let mut p = Some(first);
                while let Some(q) = p {
                    if !r.lte_max(self.score_at(q)) {
                        break;
                    }
                    n += 1;
                    p = self.next(q);
                }
                n
            }
            Enc::Skiplist(b) => {
                let len = b.zsl.len();
                let mut count = len - (Self::zsl_rank_at(b, first) - 1);
                if let Some(last) = self.last_in_range(r) {
                    count -= len - Self::zsl_rank_at(b, last);
                }
                count
            }
        }
    }

    /// Members in the lex range (ZLEXCOUNT).
    pub fn count_in_lex_range(&self, r: &LexRange<'_>) -> usize {
        let Some(first) = self.first_in_lex_range(r) else {
            return 0;
        };
        match &self.enc {
            Enc::Listpack(_) => {
                let mut n = 0;
                let mut p = Some(first);
                while let Some(q) = p {
                    if !lex_lte_max(r, self.member(q)) {
                        break;
                    }
                    n += 1;
                    p = self.next(q);
                }
                n
            }
            Enc::Skiplist(b) => {
                let len = b.zsl.len();
                let mut count = len - (Self::zsl_rank_at(b, first) - 1);
                if let Some(last) = self.last_in_lex_range(r) {
                    count -= len - Self::zsl_rank_at(b, last);
                }
                count
            }
        }
    }

    // -- range deletes ---------------------------------------------------------------------------

    /// Deletes the members in the score range (ZREMRANGEBYSCORE); returns how many.
    pub fn delete_range_by_score(&mut self, r: &ScoreRange) -> usize {
        match self.first_in_range(r) {
            None => 0,
            Some(first) => match &mut self.enc {
                Enc::Listpack(lp) => {
                    let mut n = 0;
                    let mut end = Some(first.0);
                    while let Some(e) = end {
                        let Some(sp) = lp.next(e) else { break };
                        if !r.lte_max(lp_score(lp.get(sp))) {
                            break;
                        }
                        n += 1;
                        end = lp.next(sp);
                    }
                    lp.delete_run(first.0, 2 * n);
                    n
                }
                Enc::Skiplist(b) => {
                    let dict = &mut b.dict;
                    let n = b.zsl.delete_range_by_score(r, |e| {
                        dict.remove(e);
                    });
                    dict.shrink_to_fit_if_needed();
                    n
                }
            },
        }
    }

    /// Deletes the members in the lex range (ZREMRANGEBYLEX); returns how many.
    pub fn delete_range_by_lex(&mut self, r: &LexRange<'_>) -> usize {
        match self.first_in_lex_range(r) {
            None => 0,
            Some(first) => match &mut self.enc {
                Enc::Listpack(lp) => {
                    let mut n = 0;
                    let mut end = Some(first.0);
                    while let Some(e) = end {
                        if !lex_lte_max(r, lp.get(e)) {
                            break;
                        }
                        n += 1;
                        end = lp.next(e).and_then(|s| lp.next(s));
                    }
                    lp.delete_run(first.0, 2 * n);
                    n
                }
                Enc::Skiplist(b) => {
                    let dict = &mut b.dict;
                    let n = b.zsl.delete_range_by_lex(r, |e| {
                        dict.remove(e);
                    });
                    dict.shrink_to_fit_if_needed();
                    n
                }
            },
        }
    }

    /// Deletes the members of 0-based ranks `start..=end` (ZREMRANGEBYRANK); the caller
    /// clamps the range to the set. Returns how many.
    pub fn delete_range_by_rank(&mut self, start: usize, end: usize) -> usize {
        if start > end || start >= self.len() {
            return 0;
        }
        let end = end.min(self.len() - 1);
        let n = end - start + 1;
        match &mut self.enc {
            Enc::Listpack(lp) => {
                lp.delete_range(2 * start as i64, 2 * n);
                n
            }
            Enc::Skiplist(b) => {
                let dict = &mut b.dict;
                let n = b.zsl.delete_range_by_rank(start + 1, end + 1, |e| {
                    dict.remove(e);
                });
                dict.shrink_to_fit_if_needed();
                n
            }
        }
    }

    // -- iteration -------------------------------------------------------------------------------

    /// (member, score) from the lowest score up.
    pub fn iter(&self) -> impl Iterator<Item = (Entry<'_>, f64)> + '_ {
        let mut p = self.first();
        std::iter::from_fn(move || {
            let q = p?;
            p = self.next(q);
            Some((self.member(q), self.score_at(q)))
        })
    }

    /// (member, score) from the highest score down: the order Redis's zuiNext reads a sorted
    /// set in (ZUNION, ZINTER, ZDIFF, ZRANDMEMBER).
    pub fn iter_rev(&self) -> impl Iterator<Item = (Entry<'_>, f64)> + '_ {
        let mut p = self.last();
        std::iter::from_fn(move || {
            let q = p?;
            p = self.prev(q);
            Some((self.member(q), self.score_at(q)))
        })
    }

    /// Every (member, score) in storage order, the order the listpack or the skiplist's dict
    /// holds them (DEBUG DIGEST-VALUE: the digest does not depend on it).
    pub fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        match &self.enc {
            Enc::Listpack(_) => {
                for (m, s) in self.iter() {
                    let mut scratch = [0u8; 20];
                    f(m.as_bytes(&mut scratch), s);
                }
            }
            Enc::Skiplist(b) => {
                for (m, &s) in b.dict.iter() {
                    f(m, s);
                }
            }
        }
    }

    // -- random picks ----------------------------------------------------------------------------

    /// A uniformly random member (ZRANDMEMBER without count): Redis's lpRandomPair or
    /// dictGetFairRandomKey.
    pub fn random_member(&self) -> Option<Pos> {
        let len = self.len();
        if len == 0 {
            return None;
        }
        match &self.enc {
            Enc::Listpack(lp) => lp.seek(2 * (random_u64() % len as u64) as i64).map(Pos),
            Enc::Skiplist(b) => {
                let (m, &s) = b.dict.random_entry()?;
                // The node of that member: its rank finds it in O(log n).
                let r = b.zsl.rank(s, m);
                b.zsl.by_rank(r).map(|n| Pos(n.index()))
            }
        }
    }

    /// `count` members picked independently (repeats allowed), in pick order (Redis's
    /// lpRandomPairs, one pass over the listpack for the whole batch).
    pub fn random_members(&self, count: usize) -> Vec<Pos> {
        let len = self.len();
        if len == 0 {
            return Vec::new();
        }
        match &self.enc {
            Enc::Listpack(lp) => {
                let mut picks: Vec<(usize, usize)> = (0..count)
                    .map(|order| ((random_u64() % len as u64) as usize, order))
                    .collect();
                picks.sort_unstable();
                let mut out = vec![Pos(0); count];
                let mut idx = 0;
                let mut p = lp.first();
                for &(want, order) in &picks {
                    while idx < want {
                        p = p.and_then(|e| lp.next(e)).and_then(|s| lp.next(s));
                        idx += 1;
                    }
                    if let Some(e) = p {
                        out[order] = Pos(e);
                    }
                }
                out
            }
            Enc::Skiplist(_) => (0..count).filter_map(|_| self.random_member()).collect(),
        }
    }

    /// `count` distinct members of a listpack in listpack order, each subset equally likely
    /// (Redis's lpRandomPairsUnique, selection sampling).
    pub fn random_members_unique_listpack(&self, count: usize) -> Vec<Pos> {
        let Enc::Listpack(lp) = &self.enc else {
            return Vec::new();
        };
        let total = self.len();
        let count = count.min(total);
        let mut out = Vec::with_capacity(count);
        let mut remaining = count;
        let mut index = 0;
        let mut p = lp.first();
        while out.len() < count {
            let Some(e) = p else { break };
            // Take this member with probability remaining / members left.
            let left = (total - index) as u64;
            if random_u64() % left < remaining as u64 {
                out.push(Pos(e));
                remaining -= 1;
            }
            p = lp.next(e).and_then(|s| lp.next(s));
            index += 1;
        }
        out
    }

    // -- introspection ---------------------------------------------------------------------------

    /// Calls `f` for each dict entry a SCAN step at `cursor` visits (skiplist only); returns
    /// the next cursor, or None for a listpack (which SCAN returns whole).
    pub fn scan_dict(&self, cursor: u64, mut f: impl FnMut(&[u8], f64)) -> Option<u64> {
        match &self.enc {
            Enc::Listpack(_) => None,
            Enc::Skiplist(b) => Some(b.dict.scan(cursor, |k, &s| f(k, s))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIM: Limits = Limits {
        max_entries: 128,
        max_value: 64,
    };

    fn add(z: &mut ZSetValue, score: f64, m: &str) -> Added {
        z.add(score, m.as_bytes(), AddFlags::default(), LIM)
            .unwrap()
    }

    fn members(z: &ZSetValue) -> Vec<(String, f64)> {
        z.iter()
            .map(|(m, s)| (String::from_utf8_lossy(&m.to_vec()).into_owned(), s))
            .collect()
    }

    #[test]
    fn value_is_24_bytes() {
        assert!(std::mem::size_of::<ZSetValue>() <= 24);
    }

    #[test]
    fn listpack_layout_matches_redis() {
        let mut z = ZSetValue::new_listpack();
        add(&mut z, 2.5, "b");
        add(&mut z, 1.0, "a");
        add(&mut z, 1e18, "big");
        add(&mut z, f64::INFINITY, "top");
        let lp = z.listpack().unwrap();
        let items: Vec<Entry<'_>> = lp.iter().collect();
        assert_eq!(
            items,
            [
                Entry::Str(b"a"),
                Entry::Int(1),
                Entry::Str(b"b"),
                Entry::Str(b"2.5"),
                Entry::Str(b"big"),
                Entry::Int(1_000_000_000_000_000_000),
                Entry::Str(b"top"),
                Entry::Str(b"inf"),
            ]
        );
        assert_eq!(z.score(b"b"), Some(2.5));
        assert_eq!(z.score(b"top"), Some(f64::INFINITY));
        assert_eq!(z.rank(b"big", false), Some(2));
        assert_eq!(z.rank(b"big", true), Some(1));
        assert_eq!(z.rank(b"nope", true), None);
    }

    #[test]
    fn add_flags_and_nan() {
        for skip in [false, true] {
            let mut z = ZSetValue::new_listpack();
            if skip {
                z.convert_to_skiplist();
            }
            add(&mut z, 1.0, "x");
            let f = |incr, nx, xx, gt, lt| AddFlags {
                incr,
                nx,
                xx,
                gt,
                lt,
            };
            let r = z.add(5.0, b"x", f(false, true, false, false, false), LIM);
            assert!(r.unwrap().nop);
            let r = z.add(0.5, b"x", f(false, false, false, true, false), LIM);
            assert!(r.unwrap().nop);
            let r = z
                .add(2.0, b"x", f(true, false, false, false, false), LIM)
                .unwrap();
            assert!(r.updated && r.score == 3.0);
            let r = z
                .add(1.0, b"y", f(false, false, true, false, false), LIM)
                .unwrap();
            assert!(r.nop && z.score(b"y").is_none());
            add(&mut z, f64::INFINITY, "i");
            let r = z.add(
                f64::NEG_INFINITY,
                b"i",
                f(true, false, false, false, false),
                LIM,
            );
            assert_eq!(r, Err(NanScore));
            assert_eq!(
                z.add(f64::NAN, b"q", AddFlags::default(), LIM),
                Err(NanScore)
            );
            let r = add(&mut z, 3.0, "x");
            assert!(!r.added && !r.updated && !r.nop);
        }
    }

    #[test]
    fn conversions_both_ways() {
        let lim = Limits {
            max_entries: 4,
            max_value: 8,
        };
        let mut z = ZSetValue::new_listpack();
        for (i, m) in ["d", "c", "b", "a"].iter().enumerate() {
            z.add(i as f64, m.as_bytes(), AddFlags::default(), lim)
                .unwrap();
        }
        assert!(z.is_listpack());
        z.add(9.0, b"e", AddFlags::default(), lim).unwrap();
        assert_eq!(z.encoding_name(), "skiplist");
        let mut z2 = ZSetValue::new_listpack();
        z2.add(1.0, b"123456789", AddFlags::default(), lim).unwrap();
        assert_eq!(z2.encoding_name(), "skiplist");
        z.remove(b"e");
        assert_eq!(z.encoding_name(), "skiplist");
        let before = members(&z);
        z.convert_to_listpack_if_needed(1, 4, lim);
        assert!(z.is_listpack());
        assert_eq!(members(&z), before);
        assert_eq!(
            members(&z),
            [
                ("d".into(), 0.0),
                ("c".into(), 1.0),
                ("b".into(), 2.0),
                ("a".into(), 3.0)
            ]
        );
    }

    #[test]
    fn ranges_agree_between_encodings() {
        let mut a = ZSetValue::new_listpack();
        for i in 0..100u64 {
            let s = (random_u64() % 20) as f64 / 2.0;
            let m = format!("m{}", i % 60);
            add(&mut a, s, &m);
        }
        let mut b = a.clone();
        b.convert_to_skiplist();
        assert_eq!(members(&a), members(&b));
        for lo in 0..10 {
            for hi in lo..12 {
                for (minex, maxex) in [(false, false), (true, false), (false, true), (true, true)] {
                    let r = ScoreRange {
                        min: lo as f64,
                        max: hi as f64 / 1.5,
                        minex,
                        maxex,
                    };
                    assert_eq!(a.count_in_range(&r), b.count_in_range(&r));
                    let fa = a.first_in_range(&r).map(|p| a.member(p).to_vec());
                    let fb = b.first_in_range(&r).map(|p| b.member(p).to_vec());
                    assert_eq!(fa, fb);
                    let la = a.last_in_range(&r).map(|p| a.member(p).to_vec());
                    let lb = b.last_in_range(&r).map(|p| b.member(p).to_vec());
                    assert_eq!(la, lb);
                }
            }
        }
        for r in 0..a.len() {
            for rev in [false, true] {
                let pa = a.by_rank(r, rev).unwrap();
                let pb = b.by_rank(r, rev).unwrap();
                assert_eq!(a.member(pa).to_vec(), b.member(pb).to_vec());
                let m = a.member(pa).to_vec();
                assert_eq!(a.rank(&m, rev), Some(r));
                assert_eq!(b.rank(&m, rev), Some(r));
            }
        }
        let r = ScoreRange {
            min: 2.0,
            max: 5.0,
            minex: true,
            maxex: false,
        };
        assert_eq!(a.delete_range_by_score(&r), b.delete_range_by_score(&r));
        assert_eq!(a.delete_range_by_rank(3, 7), b.delete_range_by_rank(3, 7));
        assert_eq!(members(&a), members(&b));
        assert_eq!(a.len(), b.len());
    }

    #[test]
    fn lex_ranges() {
        let mut a = ZSetValue::new_listpack();
        for m in ["alpha", "bar", "cool", "down", "elephant", "foo", "great"] {
            add(&mut a, 0.0, m);
        }
        let mut b = a.clone();
        b.convert_to_skiplist();
        for z in [&mut a, &mut b] {
            let r = LexRange {
                min: super::super::skiplist::LexBound::Value(b"bar"),
                max: super::super::skiplist::LexBound::Value(b"foo"),
                minex: true,
                maxex: false,
            };
            assert_eq!(z.count_in_lex_range(&r), 4);
            assert_eq!(
                z.member(z.first_in_lex_range(&r).unwrap()).to_vec(),
                b"cool"
            );
            assert_eq!(z.member(z.last_in_lex_range(&r).unwrap()).to_vec(), b"foo");
            assert_eq!(z.delete_range_by_lex(&r), 4);
            assert_eq!(z.len(), 3);
        }
    }

    #[test]
    fn random_picks_stay_in_the_set() {
        let mut z = ZSetValue::new_listpack();
        for i in 0..10 {
            add(&mut z, i as f64, &format!("m{i}"));
        }
        let picks = z.random_members(1000);
        assert_eq!(picks.len(), 1000);
        let mut seen = std::collections::HashSet::new();
        for p in picks {
            seen.insert(z.member(p).to_vec());
        }
        assert_eq!(seen.len(), 10);
        let u = z.random_members_unique_listpack(4);
        assert_eq!(u.len(), 4);
        let set: std::collections::HashSet<_> = u.iter().map(|&p| z.member(p).to_vec()).collect();
        assert_eq!(set.len(), 4);
        z.convert_to_skiplist();
        assert!(z.random_member().is_some());
        assert_eq!(z.random_members(5).len(), 5);
    }
}
