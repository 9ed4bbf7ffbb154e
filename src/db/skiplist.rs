//! The skiplist of the sorted set's big encoding: Redis's `zskiplist` (t_zset.c), in safe Rust.
//!
//! Owns: the ordered view of a big sorted set, by (score, member), with the span of every link so
//! ranks are found in O(log n); score ranges and lexicographic ranges; range deletions. It must
//! never know about the member -> score dict that sits beside it (`db::zset` keeps both in step),
//! nor about clients, replies or configuration.
//!
//! # Layout
//!
//! Nodes live in one byte arena and link to each other by offset, so there is no `unsafe` and
//! no reference counting. A node is one record, 8-byte aligned, holding everything Redis's
//! `zskiplistNode` and the member's sds hold:
//!
//! ```text
//!   score f64 | backward u32 | member length u32 | height L u8 | L x (forward u32, span u32) | member
//!   8           4              4                   1              8 x L                        len
//! ```
//!
//! so following a link reads the record the search is already at (Redis's inline
//! `x->level[i]`, one cache miss per step), and a tie on the score compares member bytes from
//! the same record. A node of height 1 with a 10-byte member is 40 bytes, where Redis spends a
//! 48-byte node and a 16-byte sds. Offsets count 8-byte units (u32: 32 GiB of records). The
//! header is the record at offset 0, with all 32 levels and no member. A deleted node's record
//! goes on a free list for its size and is reused by the next node of that size; a node whose
//! score changes keeps its record and is relinked; when more than half of the arena is free it
//! is compacted.
//!
//! ```text
//!  level 2  H ------------------------------> c --------------------> NIL
//!           span 3                             span 2
//!  level 1  H --------------> b -------------> c ------> d ---------> NIL
//!           span 2            span 1            span 1    span 1
//!  level 0  H ----> a ------> b ------> c ----> d ----> e ----------> NIL
//!           span 1  span 1    span 1    span 1  span 1  span 0
//!                <--a <------ b <------ c <---- d <---- e  (backward, level 0 only)
//! ```
//!
//! A link's span is the number of level-0 steps it jumps, so summing the spans crossed on the
//! way to a node gives its rank (1-based): c is reached from H by one level-2 link of span 3, so
//! its rank is 3. A link to NIL spans the nodes left after its source. Node levels are drawn
//! with p = 1/4 up to 32 (Redis's ZSKIPLIST_P and ZSKIPLIST_MAXLEVEL): about log4(n) levels
//! (1 million members use ~10) with a few links followed per level, so any search, insert,
//! delete or rank lookup is O(log n).
//!
//! Elements are ordered by score, then by member bytes (`memcmp`, shorter first on a tie, as
//! `sdscmp`). Scores are never NaN: the zset layer refuses them.

use std::cell::Cell;
use std::cmp::Ordering;

/// 32 levels, Redis's ZSKIPLIST_MAXLEVEL: enough for 2^64 elements at p = 1/4.
pub const MAX_LEVEL: usize = 32;
/// A node goes one level up with probability 1/4 (Redis's ZSKIPLIST_P), as a threshold on a
/// 32-bit random number.
const LEVEL_UP_THRESHOLD: u32 = u32::MAX / 4;
/// The "no node" link.
const NIL: u32 = u32::MAX;
/// Arena slot of the header node.
const HEAD: u32 = 0;

/// Handle of a node, valid until the skiplist is next modified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeId(u32);

impl NodeId {
    /// The arena slot, for callers that keep positions as plain integers.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The handle of arena slot `i` (from [`NodeId::index`]).
    pub fn from_index(i: usize) -> NodeId {
        NodeId(i as u32)
    }
}

/// An inclusive or exclusive score interval, Redis's `zrangespec`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    pub min: f64,
    pub max: f64,
    /// `(min`: the minimum itself is excluded.
    pub minex: bool,
    /// `(max`: the maximum itself is excluded.
    pub maxex: bool,
}

impl ScoreRange {
    /// Redis's zslValueGteMin.
    pub fn gte_min(&self, v: f64) -> bool {
        if self.minex {
            v > self.min
        } else {
            v >= self.min
        }
    }

    /// Redis's zslValueLteMax.
    pub fn lte_max(&self, v: f64) -> bool {
        if self.maxex {
            v < self.max
        } else {
            v <= self.max
        }
    }

    /// True for ranges that can hold nothing (`5 2`, `(3 3`).
    pub fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.minex || self.maxex))
    }
}

/// One end of a lexicographic range: `-`, `+`, or a member (`[m` / `(m`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LexBound<'a> {
    /// `-`: below every string (Redis's shared.minstring).
    Min,
    /// `+`: above every string (Redis's shared.maxstring).
    Max,
    Value(&'a [u8]),
}

/// Redis's sdscmplex: `-` and `+` as the two infinities.
pub fn cmp_lex(a: LexBound<'_>, b: LexBound<'_>) -> Ordering {
    match (a, b) {
        (LexBound::Min, LexBound::Min) | (LexBound::Max, LexBound::Max) => Ordering::Equal,
        (LexBound::Min, _) | (_, LexBound::Max) => Ordering::Less,
        (LexBound::Max, _) | (_, LexBound::Min) => Ordering::Greater,
        (LexBound::Value(x), LexBound::Value(y)) => x.cmp(y),
    }
}

/// A lexicographic interval, Redis's `zlexrangespec`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LexRange<'a> {
    pub min: LexBound<'a>,
    pub max: LexBound<'a>,
    pub minex: bool,
    pub maxex: bool,
}

impl<'a> LexRange<'a> {
    /// Redis's zslLexValueGteMin.
    pub fn gte_min(&self, v: &[u8]) -> bool {
        let c = cmp_lex(LexBound::Value(v), self.min);
        if self.minex {
            c == Ordering::Greater
        } else {
            c != Ordering::Less
        }
    }

    /// Redis's zslLexValueLteMax.
    pub fn lte_max(&self, v: &[u8]) -> bool {
        let c = cmp_lex(LexBound::Value(v), self.max);
        if self.maxex {
            c == Ordering::Less
        } else {
            c != Ordering::Greater
        }
    }

    /// True for ranges that can hold nothing (`[b [a`, `(a [a`, `+ -`).
    pub fn is_empty(&self) -> bool {
        let c = cmp_lex(self.min, self.max);
        c == Ordering::Greater || (c == Ordering::Equal && (self.minex || self.maxex))
    }
}

/// Bytes before a node's levels: score, backward, member length, height.
const HDR: usize = 17;
/// Bytes per level: forward, span.
const LEVEL: usize = 8;
/// Records are aligned to (and offsets count) this many bytes.
const UNIT: usize = 8;
/// Free lists are kept for records up to this many units; bigger ones wait for compaction.
const MAX_FREE_UNITS: usize = 64;

/// Units of a record of `levels` levels and a `len`-byte member.
fn record_units(levels: usize, len: usize) -> usize {
    (HDR + LEVEL * levels + len).div_ceil(UNIT)
}

/// A skiplist of (score, member) with spans: see the module doc.
#[derive(Clone, Debug)]
pub struct SkipList {
    /// Node records (see the module doc).
    buf: Vec<u8>,
    /// Offsets of free records by size in units (index < 64); empty until a node is freed.
    free: Vec<Vec<u32>>,
    /// Units held by free records.
    free_units: usize,
    tail: u32,
    len: usize,
    /// Levels in use (1..=32).
    level: usize,
}

impl Default for SkipList {
    fn default() -> Self {
        SkipList::new()
    }
}

impl SkipList {
    /// An empty skiplist (Redis's zslCreate): just the header.
    pub fn new() -> SkipList {
        let mut s = SkipList {
            buf: Vec::new(),
            free: Vec::new(),
            free_units: 0,
            tail: NIL,
            len: 0,
            level: 1,
        };
        let h = s.alloc(MAX_LEVEL, 0.0, b"");
        for i in 0..MAX_LEVEL {
            s.set_link(h, i, NIL, 0);
        }
        s
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Levels in use (DEBUG's "Skiplist level").
    pub fn level(&self) -> usize {
        self.level
    }

    /// Bytes of the arena, live or free (for tests and MEMORY USAGE).
    pub fn arena_bytes(&self) -> usize {
        self.buf.len()
    }

    #[inline]
    fn rd32(&self, at: usize) -> u32 {
        let b = &self.buf[at..at + 4];
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }

    #[inline]
    fn wr32(&mut self, at: usize, v: u32) {
        self.buf[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }

    #[inline]
    fn score_of(&self, x: u32) -> f64 {
        let at = x as usize * UNIT;
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.buf[at..at + 8]);
        f64::from_le_bytes(b)
    }

    #[inline]
    fn set_score(&mut self, x: u32, score: f64) {
        let at = x as usize * UNIT;
        self.buf[at..at + 8].copy_from_slice(&score.to_le_bytes());
    }

    #[inline]
    fn backward(&self, x: u32) -> u32 {
        self.rd32(x as usize * UNIT + 8)
    }

    #[inline]
    fn set_backward(&mut self, x: u32, b: u32) {
        self.wr32(x as usize * UNIT + 8, b);
    }

    #[inline]
    fn ele_len(&self, x: u32) -> usize {
        self.rd32(x as usize * UNIT + 12) as usize
    }

    #[inline]
    fn levels_of(&self, x: u32) -> usize {
        self.buf[x as usize * UNIT + 16] as usize
    }

    #[inline]
    fn ele_of(&self, x: u32) -> &[u8] {
        let at = x as usize * UNIT + HDR + LEVEL * self.levels_of(x);
        &self.buf[at..at + self.ele_len(x)]
    }

    #[inline]
    fn fwd(&self, x: u32, i: usize) -> u32 {
        self.rd32(x as usize * UNIT + HDR + LEVEL * i)
    }

    #[inline]
    fn span(&self, x: u32, i: usize) -> u32 {
        self.rd32(x as usize * UNIT + HDR + LEVEL * i + 4)
    }

    #[inline]
    fn set_link(&mut self, x: u32, i: usize, forward: u32, span: u32) {
        let at = x as usize * UNIT + HDR + LEVEL * i;
        self.wr32(at, forward);
        self.wr32(at + 4, span);
    }

    #[inline]
    fn set_span(&mut self, x: u32, i: usize, span: u32) {
        self.wr32(x as usize * UNIT + HDR + LEVEL * i + 4, span);
    }

    /// True when node `x` sorts before (score, ele): scores first, members only on a tie.
    #[inline]
    fn before(&self, x: u32, score: f64, ele: &[u8]) -> bool {
        let s = self.score_of(x);
        s < score || (s == score && self.ele_of(x) < ele)
    }

    fn some(x: u32) -> Option<NodeId> {
        (x != NIL).then_some(NodeId(x))
    }

    /// The first node (lowest score).
    pub fn first(&self) -> Option<NodeId> {
        Self::some(self.fwd(HEAD, 0))
    }

    /// The last node (highest score).
    pub fn last(&self) -> Option<NodeId> {
        Self::some(self.tail)
    }

    pub fn next(&self, n: NodeId) -> Option<NodeId> {
        Self::some(self.fwd(n.0, 0))
    }

    pub fn prev(&self, n: NodeId) -> Option<NodeId> {
        Self::some(self.backward(n.0))
    }

    pub fn ele(&self, n: NodeId) -> &[u8] {
        self.ele_of(n.0)
    }

    pub fn score(&self, n: NodeId) -> f64 {
        self.score_of(n.0)
    }

    /// Number of levels of node `n` (MEMORY USAGE sizes nodes by it).
    pub fn node_level(&self, n: NodeId) -> usize {
        self.levels_of(n.0)
    }

    /// (member, score) front to back.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], f64)> + '_ {
        let mut cur = self.first();
        std::iter::from_fn(move || {
            let n = cur?;
            cur = self.next(n);
            Some((self.ele(n), self.score(n)))
        })
    }

    /// (member, score) back to front.
    pub fn iter_rev(&self) -> impl Iterator<Item = (&[u8], f64)> + '_ {
        let mut cur = self.last();
        std::iter::from_fn(move || {
            let n = cur?;
            cur = self.prev(n);
            Some((self.ele(n), self.score(n)))
        })
    }

    /// A node level drawn with p = 1/4 (Redis's zslRandomLevel).
    fn random_level() -> usize {
        let mut level = 1;
        while level < MAX_LEVEL && (random_u64() as u32) < LEVEL_UP_THRESHOLD {
            level += 1;
        }
        level
    }

    /// A record for a node of `levels` levels holding (score, ele), unlinked: a free one of
    /// that size if any, else new bytes at the end (growing the arena by at most a quarter, so
    /// little of it sits unused).
    fn alloc(&mut self, levels: usize, score: f64, ele: &[u8]) -> u32 {
        let units = record_units(levels, ele.len());
        let x = match self.free.get_mut(units).and_then(|f| f.pop()) {
            Some(x) => {
                self.free_units -= units;
                x as usize
            }
            None => {
                let x = self.buf.len() / UNIT;
                let need = units * UNIT;
                if self.buf.capacity() - self.buf.len() < need {
                    self.buf.reserve_exact(need.max(self.buf.len() / 4));
                }
                self.buf.resize(self.buf.len() + need, 0);
                x
            }
        };
        let at = x * UNIT;
        self.buf[at..at + 8].copy_from_slice(&score.to_le_bytes());
        self.wr32(at + 8, NIL);
        self.wr32(at + 12, ele.len() as u32);
        self.buf[at + 16] = levels as u8;
        let m = at + HDR + LEVEL * levels;
        self.buf[m..m + ele.len()].copy_from_slice(ele);
        x as u32
    }

    /// Frees node `x`'s record for reuse.
    fn release(&mut self, x: u32) {
        let units = record_units(self.levels_of(x), self.ele_len(x));
        self.free_units += units;
        if units < MAX_FREE_UNITS {
            if self.free.is_empty() {
                self.free = vec![Vec::new(); MAX_FREE_UNITS];
            }
            self.free[units].push(x);
        }
    }

    /// Inserts `ele` with `score` (Redis's zslInsert). The caller guarantees the member is not
    /// present and the score is not NaN.
    pub fn insert(&mut self, score: f64, ele: &[u8]) -> NodeId {
        let level = Self::random_level();
        let x = self.alloc(level, score, ele);
        self.link(x);
        NodeId(x)
    }

    /// Links node `x` (unlinked, with its score, member and height set) at its place.
    fn link(&mut self, x: u32) {
        let score = self.score_of(x);
        let level = self.levels_of(x);
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0u32; MAX_LEVEL];
        let mut cur = HEAD;
        for i in (0..self.level).rev() {
            rank[i] = if i == self.level - 1 { 0 } else { rank[i + 1] };
            loop {
                let f = self.fwd(cur, i);
                if f != NIL && {
                    let s = self.score_of(f);
                    s < score || (s == score && self.ele_of(f) < self.ele_of(x))
                } {
                    rank[i] += self.span(cur, i);
                    cur = f;
                } else {
                    break;
                }
            }
            update[i] = cur;
        }
        if level > self.level {
            for i in self.level..level {
                rank[i] = 0;
                update[i] = HEAD;
                self.set_span(HEAD, i, self.len as u32);
            }
            self.level = level;
        }
        for i in 0..level {
            let u = update[i];
            let crossed = rank[0] - rank[i];
            let (uf, us) = (self.fwd(u, i), self.span(u, i));
            self.set_link(x, i, uf, us - crossed);
            self.set_link(u, i, x, crossed + 1);
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(level) {
            let sp = self.span(u, i);
            self.set_span(u, i, sp + 1);
        }
        self.set_backward(x, if update[0] == HEAD { NIL } else { update[0] });
        let f = self.fwd(x, 0);
        if f != NIL {
            self.set_backward(f, x);
        } else {
            self.tail = x;
        }
        self.len += 1;
    }

    /// Unlinks node `x` given the rightmost node before it at each level (zslDeleteNode); its
    /// record stays allocated.
    fn unlink(&mut self, x: u32, update: &[u32; MAX_LEVEL]) {
        for (i, &u) in update.iter().enumerate().take(self.level) {
            if self.fwd(u, i) == x {
                let span = self.span(u, i) + self.span(x, i) - 1;
                let f = self.fwd(x, i);
                self.set_link(u, i, f, span);
            } else {
                let sp = self.span(u, i);
                self.set_span(u, i, sp - 1);
            }
        }
        let back = self.backward(x);
        let f = self.fwd(x, 0);
        if f != NIL {
            self.set_backward(f, back);
        } else {
            self.tail = back;
        }
        while self.level > 1 && self.fwd(HEAD, self.level - 1) == NIL {
            self.level -= 1;
        }
        self.len -= 1;
    }

    /// The rightmost node before (score, ele) at every level.
    fn find_update(&self, score: f64, ele: &[u8]) -> [u32; MAX_LEVEL] {
        let mut update = [HEAD; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f != NIL && self.before(f, score, ele) {
                    x = f;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        update
    }

    /// Removes (score, ele) (Redis's zslDelete); true if it was there.
    pub fn delete(&mut self, score: f64, ele: &[u8]) -> bool {
        let update = self.find_update(score, ele);
        let x = self.fwd(update[0], 0);
        if x != NIL && self.score_of(x) == score && self.ele_of(x) == ele {
            self.unlink(x, &update);
            self.release(x);
            self.maybe_compact();
            true
        } else {
            false
        }
    }

    /// Moves member `ele` from `cur` to `new` (Redis's zslUpdateScore): in place when the order
    /// does not change, else unlinked and linked again where it now belongs (keeping its
    /// record, where Redis allocates a new node). The member must be present with `cur`.
    pub fn update_score(&mut self, cur: f64, ele: &[u8], new: f64) -> NodeId {
        let update = self.find_update(cur, ele);
        let x = self.fwd(update[0], 0);
        if x == NIL || self.score_of(x) != cur || self.ele_of(x) != ele {
            // Not there (the caller broke the contract): insert rather than corrupt.
            return self.insert(new, ele);
        }
        let back = self.backward(x);
        let f = self.fwd(x, 0);
        if (back == NIL || self.score_of(back) < new) && (f == NIL || self.score_of(f) > new) {
            self.set_score(x, new);
            return NodeId(x);
        }
        self.unlink(x, &update);
        self.set_score(x, new);
        self.link(x);
        NodeId(x)
    }

    /// 1-based rank of (score, ele), 0 when absent (Redis's zslGetRank).
    pub fn rank(&self, score: f64, ele: &[u8]) -> usize {
        let mut rank = 0usize;
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f != NIL && {
                    let s = self.score_of(f);
                    s < score || (s == score && self.ele_of(f) <= ele)
                } {
                    rank += self.span(x, i) as usize;
                    x = f;
                } else {
                    break;
                }
            }
            if x != HEAD && self.score_of(x) == score && self.ele_of(x) == ele {
                return rank;
            }
        }
        0
    }

    /// The node at 1-based `rank` (Redis's zslGetElementByRank).
    pub fn by_rank(&self, rank: usize) -> Option<NodeId> {
        let mut traversed = 0usize;
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f != NIL && traversed + self.span(x, i) as usize <= rank {
                    traversed += self.span(x, i) as usize;
                    x = f;
                } else {
                    break;
                }
            }
            if traversed == rank {
                return (x != HEAD).then_some(NodeId(x));
            }
        }
        None
    }

    /// Whether some element may be in `r` (Redis's zslIsInRange).
    fn in_range(&self, r: &ScoreRange) -> bool {
        if r.is_empty() {
            return false;
        }
        let (Some(first), Some(last)) = (self.first(), self.last()) else {
            return false;
        };
        r.gte_min(self.score(last)) && r.lte_max(self.score(first))
    }

    /// The first node in `r` (Redis's zslFirstInRange).
    pub fn first_in_range(&self, r: &ScoreRange) -> Option<NodeId> {
        if !self.in_range(r) {
            return None;
        }
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f != NIL && !r.gte_min(self.score_of(f)) {
                    x = f;
                } else {
                    break;
                }
            }
        }
        let x = self.fwd(x, 0);
        (x != NIL && r.lte_max(self.score_of(x))).then_some(NodeId(x))
    }

    /// The last node in `r` (Redis's zslLastInRange).
    pub fn last_in_range(&self, r: &ScoreRange) -> Option<NodeId> {
        if !self.in_range(r) {
            return None;
        }
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f != NIL && r.lte_max(self.score_of(f)) {
                    x = f;
                } else {
                    break;
                }
            }
        }
        (x != HEAD && r.gte_min(self.score_of(x))).then_some(NodeId(x))
    }

    /// Whether some element may be in `r` (Redis's zslIsInLexRange).
    fn in_lex_range(&self, r: &LexRange<'_>) -> bool {
        if r.is_empty() {
            return false;
        }
        let (Some(first), Some(last)) = (self.first(), self.last()) else {
            return false;
        };
        r.gte_min(self.ele(last)) && r.lte_max(self.ele(first))
    }

    /// The first node in `r` (Redis's zslFirstInLexRange).
    pub fn first_in_lex_range(&self, r: &LexRange<'_>) -> Option<NodeId> {
        if !self.in_lex_range(r) {
            return None;
        }
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f != NIL && !r.gte_min(self.ele_of(f)) {
                    x = f;
                } else {
                    break;
                }
            }
        }
        let x = self.fwd(x, 0);
        (x != NIL && r.lte_max(self.ele_of(x))).then_some(NodeId(x))
    }

    /// The last node in `r` (Redis's zslLastInLexRange).
    pub fn last_in_lex_range(&self, r: &LexRange<'_>) -> Option<NodeId> {
        if !self.in_lex_range(r) {
            return None;
        }
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f != NIL && r.lte_max(self.ele_of(f)) {
                    x = f;
                } else {
                    break;
                }
            }
        }
        (x != HEAD && r.gte_min(self.ele_of(x))).then_some(NodeId(x))
    }

    /// Deletes the run of nodes that starts after the `update` path, while `keep_going` holds
    /// for (member, score, 1-based rank); `removed` sees each member as it goes.
    fn delete_run(
        &mut self,
        update: [u32; MAX_LEVEL],
        mut rank: usize,
        mut keep_going: impl FnMut(&[u8], f64, usize) -> bool,
        mut removed: impl FnMut(&[u8]),
    ) -> usize {
        let mut n = 0;
        let mut x = self.fwd(update[0], 0);
        while x != NIL {
            rank += 1;
            if !keep_going(self.ele_of(x), self.score_of(x), rank) {
                break;
            }
            let next = self.fwd(x, 0);
            self.unlink(x, &update);
            removed(self.ele_of(x));
            self.release(x);
            n += 1;
            x = next;
        }
        self.maybe_compact();
        n
    }

    /// Deletes every node in `r` (Redis's zslDeleteRangeByScore); `removed` gets each member.
    pub fn delete_range_by_score(&mut self, r: &ScoreRange, removed: impl FnMut(&[u8])) -> usize {
        let mut update = [HEAD; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f != NIL && !r.gte_min(self.score_of(f)) {
                    x = f;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        self.delete_run(update, 0, |_, s, _| r.lte_max(s), removed)
    }

    /// Deletes every node in `r` (Redis's zslDeleteRangeByLex); `removed` gets each member.
    pub fn delete_range_by_lex(&mut self, r: &LexRange<'_>, removed: impl FnMut(&[u8])) -> usize {
        let mut update = [HEAD; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f != NIL && !r.gte_min(self.ele_of(f)) {
                    x = f;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        self.delete_run(update, 0, |e, _, _| r.lte_max(e), removed)
    }

    /// Deletes the nodes of 1-based ranks `start..=end` (Redis's zslDeleteRangeByRank).
    pub fn delete_range_by_rank(
        &mut self,
        start: usize,
        end: usize,
        removed: impl FnMut(&[u8]),
    ) -> usize {
        let mut update = [HEAD; MAX_LEVEL];
        let mut traversed = 0usize;
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f != NIL && traversed + (self.span(x, i) as usize) < start {
                    traversed += self.span(x, i) as usize;
                    x = f;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        self.delete_run(update, traversed, |_, _, rank| rank <= end, removed)
    }

    /// Rebuilds the arena without free records once more than half of it is free, so a zset
    /// that shrank gives its memory back. Node handles change: only called at the end of an
    /// operation.
    fn maybe_compact(&mut self) {
        let units = self.buf.len() / UNIT;
        let live = units - self.free_units;
        if self.free_units < 4096 || self.free_units <= live {
            return;
        }
        let mut order = Vec::with_capacity(self.len + 1);
        order.push(HEAD);
        let mut x = self.fwd(HEAD, 0);
        while x != NIL {
            order.push(x);
            x = self.fwd(x, 0);
        }
        // New offsets, in list order.
        let mut map = vec![NIL; units];
        let mut off = 0usize;
        for &x in &order {
            map[x as usize] = off as u32;
            off += record_units(self.levels_of(x), self.ele_len(x));
        }
        let remap = |v: u32| if v == NIL { NIL } else { map[v as usize] };
        let old = std::mem::replace(&mut self.buf, Vec::with_capacity(off * UNIT));
        let old = SkipList {
            buf: old,
            free: Vec::new(),
            free_units: 0,
            tail: NIL,
            len: 0,
            level: 1,
        };
        self.free = Vec::new();
        self.free_units = 0;
        for &x in &order {
            let y = self.alloc(old.levels_of(x), old.score_of(x), old.ele_of(x));
            self.set_backward(y, remap(old.backward(x)));
            for i in 0..old.levels_of(x) {
                self.set_link(y, i, remap(old.fwd(x, i)), old.span(x, i));
            }
        }
        self.tail = remap(self.tail);
    }

    /// Checks every invariant (spans, backward links, order, tail, length); for tests.
    #[cfg(test)]
    fn check(&self) {
        let mut n = 0;
        let mut prev = NIL;
        let mut x = self.fwd(HEAD, 0);
        while x != NIL {
            assert_eq!(self.backward(x), prev);
            if prev != NIL {
                let (ps, s) = (self.score_of(prev), self.score_of(x));
                assert!(ps < s || (ps == s && self.ele_of(prev) < self.ele_of(x)));
            }
            n += 1;
            prev = x;
            x = self.fwd(x, 0);
        }
        assert_eq!(n, self.len);
        assert_eq!(prev, self.tail);
        // Every link's span equals the rank difference.
        for i in 0..self.level {
            let mut x = HEAD;
            let mut rank = 0usize;
            loop {
                let f = self.fwd(x, i);
                let span = self.span(x, i) as usize;
                if f == NIL {
                    assert_eq!(rank + span, self.len, "level {i} tail span");
                    break;
                }
                let frank = self.rank(self.score_of(f), self.ele_of(f));
                assert_eq!(rank + span, frank, "level {i}");
                rank = frank;
                x = f;
            }
        }
    }
}

/// A fast per-thread pseudo-random number (splitmix64), for node levels and ZRANDMEMBER. Not
/// for secrets.
pub fn random_u64() -> u64 {
    thread_local! {
        static STATE: Cell<u64> = Cell::new(seed());
    }
    fn seed() -> u64 {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.finish()
    }
    STATE
        .try_with(|s| {
            let x = s.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
            s.set(x);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        })
        .unwrap_or(0x2545_F491_4F6C_DD1D)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(items: &[(f64, &str)]) -> SkipList {
        let mut s = SkipList::new();
        for &(sc, e) in items {
            s.insert(sc, e.as_bytes());
        }
        s
    }

    fn eles(s: &SkipList) -> Vec<String> {
        s.iter()
            .map(|(e, _)| String::from_utf8_lossy(e).into_owned())
            .collect()
    }

    #[test]
    fn order_rank_and_by_rank() {
        let s = build(&[(3.0, "c"), (1.0, "b"), (1.0, "a"), (2.0, "z"), (-1.0, "m")]);
        s.check();
        assert_eq!(eles(&s), ["m", "a", "b", "z", "c"]);
        let rev: Vec<_> = s.iter_rev().map(|(e, _)| e.to_vec()).collect();
        assert_eq!(rev, [&b"c"[..], b"z", b"b", b"a", b"m"]);
        assert_eq!(s.rank(1.0, b"b"), 3);
        assert_eq!(s.rank(1.0, b"q"), 0);
        assert_eq!(s.rank(2.0, b"b"), 0);
        for r in 1..=5 {
            let n = s.by_rank(r).unwrap();
            assert_eq!(s.rank(s.score(n), s.ele(n)), r);
        }
        assert_eq!(s.by_rank(0), None);
        assert_eq!(s.by_rank(6), None);
    }

    #[test]
    fn delete_and_update() {
        let mut s = build(&[(1.0, "a"), (2.0, "b"), (3.0, "c")]);
        assert!(s.delete(2.0, b"b"));
        assert!(!s.delete(2.0, b"b"));
        assert!(!s.delete(3.0, b"a"));
        s.check();
        s.update_score(1.0, b"a", 10.0);
        s.check();
        assert_eq!(eles(&s), ["c", "a"]);
        s.update_score(3.0, b"c", 4.0); // stays in place
        assert_eq!(s.score(s.first().unwrap()), 4.0);
        s.check();
    }

    #[test]
    fn ranges() {
        let s = build(&[(1.0, "a"), (2.0, "b"), (3.0, "c"), (4.0, "d")]);
        let r = |min, max, minex, maxex| ScoreRange {
            min,
            max,
            minex,
            maxex,
        };
        let f = s.first_in_range(&r(2.0, 3.0, false, false)).unwrap();
        assert_eq!(s.ele(f), b"b");
        let l = s.last_in_range(&r(2.0, 3.0, false, false)).unwrap();
        assert_eq!(s.ele(l), b"c");
        assert!(s.first_in_range(&r(2.0, 3.0, true, true)).is_none());
        assert!(s.first_in_range(&r(2.5, 2.6, false, false)).is_none());
        assert!(s.last_in_range(&r(5.0, 6.0, false, false)).is_none());
        let lr = LexRange {
            min: LexBound::Value(b"b"),
            max: LexBound::Max,
            minex: true,
            maxex: true,
        };
        assert_eq!(s.ele(s.first_in_lex_range(&lr).unwrap()), b"c");
        assert_eq!(s.ele(s.last_in_lex_range(&lr).unwrap()), b"d");
        let empty = LexRange {
            min: LexBound::Max,
            max: LexBound::Min,
            minex: true,
            maxex: true,
        };
        assert!(empty.is_empty());
        assert!(s.first_in_lex_range(&empty).is_none());
    }

    #[test]
    fn range_deletes() {
        let mut s = build(&[(1.0, "a"), (2.0, "b"), (3.0, "c"), (4.0, "d"), (5.0, "e")]);
        let mut gone = Vec::new();
        let n = s.delete_range_by_rank(2, 3, |e| gone.push(e.to_vec()));
        assert_eq!(n, 2);
        assert_eq!(gone, [b"b".to_vec(), b"c".to_vec()]);
        s.check();
        let r = ScoreRange {
            min: 4.0,
            max: 10.0,
            minex: true,
            maxex: false,
        };
        assert_eq!(s.delete_range_by_score(&r, |_| {}), 1);
        s.check();
        assert_eq!(eles(&s), ["a", "d"]);
        let lr = LexRange {
            min: LexBound::Min,
            max: LexBound::Value(b"a"),
            minex: true,
            maxex: false,
        };
        assert_eq!(s.delete_range_by_lex(&lr, |_| {}), 1);
        s.check();
        assert_eq!(eles(&s), ["d"]);
    }

    #[test]
    fn random_workload_keeps_invariants_and_compacts() {
        let mut s = SkipList::new();
        let mut model: Vec<(f64, Vec<u8>)> = Vec::new();
        for i in 0..3000u64 {
            let r = random_u64();
            let key = format!("k{}", r % 500).into_bytes();
            let score = (r >> 20) as f64 % 50.0;
            if let Some(pos) = model.iter().position(|(_, k)| *k == key) {
                let old = model[pos].0;
                if i % 3 == 0 {
                    assert!(s.delete(old, &key));
                    model.remove(pos);
                } else {
                    s.update_score(old, &key, score);
                    model[pos].0 = score;
                }
            } else {
                s.insert(score, &key);
                model.push((score, key));
            }
            if i % 500 == 0 {
                s.check();
            }
        }
        model.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        let got: Vec<(f64, Vec<u8>)> = s.iter().map(|(e, sc)| (sc, e.to_vec())).collect();
        assert_eq!(got, model);
        let n = s.len();
        assert_eq!(s.delete_range_by_rank(1, n - 3, |_| {}), n - 3);
        s.check();
    }

    #[test]
    fn freed_records_are_reused_and_the_arena_compacts() {
        let mut s = SkipList::new();
        for i in 0..5000u32 {
            s.insert(f64::from(i), format!("m{i}").as_bytes());
        }
        let full = s.arena_bytes();
        // Delete and insert a few: records are reused, the arena does not grow much.
        for i in 0..100u32 {
            assert!(s.delete(f64::from(i), format!("m{i}").as_bytes()));
        }
        for i in 0..100u32 {
            s.insert(f64::from(i) + 0.5, format!("n{i}").as_bytes());
        }
        assert!(s.arena_bytes() < full + 100 * 300);
        s.check();
        // Most of it goes: the arena shrinks to what is left.
        assert_eq!(s.delete_range_by_rank(1, 4990, |_| {}), 4990);
        s.check();
        assert_eq!(s.len(), 10);
        assert!(s.arena_bytes() <= 11 * 300);
        let left: Vec<Vec<u8>> = s.iter().map(|(e, _)| e.to_vec()).collect();
        assert_eq!(left.len(), 10);
        assert_eq!(left[9], b"m4999");
        assert_eq!(s.rank(4999.0, b"m4999"), 10);
        s.insert(-1.0, b"first");
        s.check();
        assert_eq!(s.ele(s.first().unwrap()), b"first");
    }
}
