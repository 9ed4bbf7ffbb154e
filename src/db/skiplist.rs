//! The skiplist of the sorted set's big encoding: Redis's `zskiplist` (t_zset.c), in safe Rust.
//!
//! Owns: the ordered view of a big sorted set, by (score, member), with the span of every link so
//! ranks are found in O(log n); score ranges and lexicographic ranges; range deletions. It must
//! never know about the member -> score dict that sits beside it (`db::zset` keeps both in step),
//! nor about clients, replies or configuration.
//!
//! # Layout
//!
//! Nodes live in one arena of 8-byte cells and link to each other by offset, so there is no
//! `unsafe` and no reference counting. A node is a record of 3 + L cells for its L levels:
//!
//! ```text
//!   [score bits] [backward | L << 32] [member slot] [forward | span << 32] x L
//! ```
//!
//! so following a link reads the record the search is already at, as `x->level[i]` does in
//! Redis's node (one cache miss per step, not two). Members live in a side table, read only
//! when scores tie. Offset 0 is the header, with all 32 levels and no member. A deleted
//! node's record goes on a free list for its level count and is reused by the next insert of
//! that height; when more than half of the arena is free it is compacted.
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

use super::inline_bytes::InlineBytes;

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

/// Cells before a node's levels: score, backward and level count, member slot.
const HDR: usize = 3;

/// A skiplist of (score, member) with spans: see the module doc.
#[derive(Clone, Debug)]
pub struct SkipList {
    /// Node records (see the module doc).
    cells: Vec<u64>,
    /// Members, by the slot in their record's third cell; slot 0 is the header's (empty).
    eles: Vec<InlineBytes>,
    /// Offsets of free records, by level count (index 1..=32); empty until a node is freed.
    free: Vec<Vec<u32>>,
    /// Free member slots.
    free_eles: Vec<u32>,
    /// Cells held by free records.
    free_cells: usize,
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
        let mut cells = vec![0u64; HDR + MAX_LEVEL];
        cells[1] = u64::from(NIL) | (MAX_LEVEL as u64) << 32;
        for c in &mut cells[HDR..] {
            *c = u64::from(NIL);
        }
        SkipList {
            cells,
            eles: vec![InlineBytes::new(b"")],
            free: Vec::new(),
            free_eles: Vec::new(),
            free_cells: 0,
            tail: NIL,
            len: 0,
            level: 1,
        }
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

    /// Cells of the arena, live or free (for tests).
    pub fn arena_cells(&self) -> usize {
        self.cells.len()
    }

    #[inline]
    fn score_of(&self, x: u32) -> f64 {
        f64::from_bits(self.cells[x as usize])
    }

    #[inline]
    fn backward(&self, x: u32) -> u32 {
        self.cells[x as usize + 1] as u32
    }

    #[inline]
    fn set_backward(&mut self, x: u32, b: u32) {
        let c = &mut self.cells[x as usize + 1];
        *c = (*c & !u64::from(u32::MAX)) | u64::from(b);
    }

    #[inline]
    fn levels_of(&self, x: u32) -> usize {
        (self.cells[x as usize + 1] >> 32) as usize
    }

    #[inline]
    fn ele_of(&self, x: u32) -> &[u8] {
        &self.eles[self.cells[x as usize + 2] as usize]
    }

    #[inline]
    fn fwd(&self, x: u32, i: usize) -> u32 {
        self.cells[x as usize + HDR + i] as u32
    }

    #[inline]
    fn span(&self, x: u32, i: usize) -> u32 {
        (self.cells[x as usize + HDR + i] >> 32) as u32
    }

    #[inline]
    fn set_link(&mut self, x: u32, i: usize, forward: u32, span: u32) {
        self.cells[x as usize + HDR + i] = u64::from(forward) | u64::from(span) << 32;
    }

    #[inline]
    fn set_span(&mut self, x: u32, i: usize, span: u32) {
        let f = self.fwd(x, i);
        self.set_link(x, i, f, span);
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
    /// that height if any, else new cells at the end.
    fn alloc(&mut self, levels: usize, score: f64, ele: InlineBytes) -> u32 {
        let slot = match self.free_eles.pop() {
            Some(s) => {
                self.eles[s as usize] = ele;
                s
            }
            None => {
                self.eles.push(ele);
                (self.eles.len() - 1) as u32
            }
        };
        let x = match self.free.get_mut(levels).and_then(|f| f.pop()) {
            Some(x) => {
                self.free_cells -= HDR + levels;
                x as usize
            }
            None => {
                let x = self.cells.len();
                self.cells.resize(x + HDR + levels, 0);
                x
            }
        };
        self.cells[x] = score.to_bits();
        self.cells[x + 1] = u64::from(NIL) | (levels as u64) << 32;
        self.cells[x + 2] = u64::from(slot);
        x as u32
    }

    /// Frees node `x`'s record and member slot; returns its member.
    fn release(&mut self, x: u32) -> InlineBytes {
        let levels = self.levels_of(x);
        let slot = self.cells[x as usize + 2] as u32;
        let ele = std::mem::replace(&mut self.eles[slot as usize], InlineBytes::new(b""));
        self.free_eles.push(slot);
        if self.free.is_empty() {
            self.free = vec![Vec::new(); MAX_LEVEL + 1];
        }
        self.free[levels].push(x);
        self.free_cells += HDR + levels;
        ele
    }

    /// Inserts `ele` with `score` (Redis's zslInsert). The caller guarantees the member is not
    /// present and the score is not NaN.
    pub fn insert(&mut self, score: f64, ele: InlineBytes) -> NodeId {
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0u32; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            rank[i] = if i == self.level - 1 { 0 } else { rank[i + 1] };
            loop {
                let f = self.fwd(x, i);
                if f != NIL && self.before(f, score, &ele) {
                    rank[i] += self.span(x, i);
                    x = f;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        let level = Self::random_level();
        if level > self.level {
            for i in self.level..level {
                rank[i] = 0;
                update[i] = HEAD;
                self.set_span(HEAD, i, self.len as u32);
            }
            self.level = level;
        }
        let id = self.alloc(level, score, ele);
        for i in 0..level {
            let u = update[i];
            let crossed = rank[0] - rank[i];
            let (uf, us) = (self.fwd(u, i), self.span(u, i));
            self.set_link(id, i, uf, us - crossed);
            self.set_link(u, i, id, crossed + 1);
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(level) {
            let sp = self.span(u, i);
            self.set_span(u, i, sp + 1);
        }
        self.set_backward(id, if update[0] == HEAD { NIL } else { update[0] });
        let f = self.fwd(id, 0);
        if f != NIL {
            self.set_backward(f, id);
        } else {
            self.tail = id;
        }
        self.len += 1;
        NodeId(id)
    }

    /// Unlinks node `x` given the rightmost node before it at each level (zslDeleteNode) and
    /// frees its slot; returns its member.
    fn delete_node(&mut self, x: u32, update: &[u32; MAX_LEVEL]) -> InlineBytes {
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
        self.release(x)
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

    /// Removes (score, ele) (Redis's zslDelete); returns the member's bytes if it was there.
    pub fn delete(&mut self, score: f64, ele: &[u8]) -> Option<InlineBytes> {
        let update = self.find_update(score, ele);
        let x = self.fwd(update[0], 0);
        if x != NIL && self.score_of(x) == score && self.ele_of(x) == ele {
            let e = self.delete_node(x, &update);
            self.maybe_compact();
            Some(e)
        } else {
            None
        }
    }

    /// Moves member `ele` from `cur` to `new` (Redis's zslUpdateScore): in place when the order
    /// does not change, else unlinked and reinserted. The member must be present with `cur`.
    pub fn update_score(&mut self, cur: f64, ele: &[u8], new: f64) -> NodeId {
        let update = self.find_update(cur, ele);
        let x = self.fwd(update[0], 0);
        if x == NIL || self.score_of(x) != cur || self.ele_of(x) != ele {
            // Not there (the caller broke the contract): insert rather than corrupt.
            return self.insert(new, InlineBytes::new(ele));
        }
        let back = self.backward(x);
        let f = self.fwd(x, 0);
        if (back == NIL || self.score_of(back) < new) && (f == NIL || self.score_of(f) > new) {
            self.cells[x as usize] = new.to_bits();
            return NodeId(x);
        }
        let e = self.delete_node(x, &update);
        self.insert(new, e)
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
        mut removed: impl FnMut(InlineBytes),
    ) -> usize {
        let mut n = 0;
        let mut x = self.fwd(update[0], 0);
        while x != NIL {
            rank += 1;
            if !keep_going(self.ele_of(x), self.score_of(x), rank) {
                break;
            }
            let next = self.fwd(x, 0);
            removed(self.delete_node(x, &update));
            n += 1;
            x = next;
        }
        self.maybe_compact();
        n
    }

    /// Deletes every node in `r` (Redis's zslDeleteRangeByScore); `removed` gets each member.
    pub fn delete_range_by_score(
        &mut self,
        r: &ScoreRange,
        removed: impl FnMut(InlineBytes),
    ) -> usize {
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
    pub fn delete_range_by_lex(
        &mut self,
        r: &LexRange<'_>,
        removed: impl FnMut(InlineBytes),
    ) -> usize {
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
        removed: impl FnMut(InlineBytes),
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
        let live = self.cells.len() - self.free_cells;
        if self.free_cells < 4096 || self.free_cells <= live {
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
        let mut map = vec![NIL; self.cells.len()];
        let mut off = 0usize;
        for &x in &order {
            map[x as usize] = off as u32;
            off += HDR + self.levels_of(x);
        }
        let remap = |v: u32| if v == NIL { NIL } else { map[v as usize] };
        let mut cells = Vec::with_capacity(off);
        let mut eles = Vec::with_capacity(order.len());
        for (k, &x) in order.iter().enumerate() {
            let levels = self.levels_of(x);
            let slot = self.cells[x as usize + 2] as usize;
            eles.push(std::mem::replace(
                &mut self.eles[slot],
                InlineBytes::new(b""),
            ));
            cells.push(self.cells[x as usize]);
            cells.push(u64::from(remap(self.backward(x))) | (levels as u64) << 32);
            cells.push(k as u64);
            for i in 0..levels {
                cells.push(u64::from(remap(self.fwd(x, i))) | u64::from(self.span(x, i)) << 32);
            }
        }
        self.tail = remap(self.tail);
        self.cells = cells;
        self.eles = eles;
        self.free = Vec::new();
        self.free_eles = Vec::new();
        self.free_cells = 0;
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
            s.insert(sc, e.as_bytes().into());
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
        assert!(s.delete(2.0, b"b").is_some());
        assert!(s.delete(2.0, b"b").is_none());
        assert!(s.delete(3.0, b"a").is_none());
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
        let n = s.delete_range_by_rank(2, 3, |e| gone.push(e));
        assert_eq!(n, 2);
        let gone: Vec<Vec<u8>> = gone.into_iter().map(|e| e.into_vec()).collect();
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
                    assert!(s.delete(old, &key).is_some());
                    model.remove(pos);
                } else {
                    s.update_score(old, &key, score);
                    model[pos].0 = score;
                }
            } else {
                s.insert(score, key.clone().into());
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
            s.insert(f64::from(i), format!("m{i}").as_bytes().into());
        }
        let full = s.arena_cells();
        // Delete and insert a few: records are reused, the arena does not grow much.
        for i in 0..100u32 {
            assert!(s.delete(f64::from(i), format!("m{i}").as_bytes()).is_some());
        }
        for i in 0..100u32 {
            s.insert(f64::from(i) + 0.5, format!("n{i}").as_bytes().into());
        }
        assert!(s.arena_cells() < full + 100 * (HDR + MAX_LEVEL));
        s.check();
        // Most of it goes: the arena shrinks to what is left.
        assert_eq!(s.delete_range_by_rank(1, 4990, |_| {}), 4990);
        s.check();
        assert_eq!(s.len(), 10);
        assert!(s.arena_cells() <= HDR + MAX_LEVEL + 10 * (HDR + MAX_LEVEL));
        let left: Vec<Vec<u8>> = s.iter().map(|(e, _)| e.to_vec()).collect();
        assert_eq!(left.len(), 10);
        assert_eq!(left[9], b"m4999");
        assert_eq!(s.rank(4999.0, b"m4999"), 10);
        s.insert(-1.0, b"first".as_slice().into());
        s.check();
        assert_eq!(s.ele(s.first().unwrap()), b"first");
    }
}
