//! The skiplist of the sorted set's big encoding: Redis's `zskiplist` (t_zset.c), in safe Rust.
//!
//! Owns: the ordered view of a big sorted set, by (score, member), with the span of every link so
//! ranks are found in O(log n); score ranges and lexicographic ranges; range deletions. It must
//! never know about the member -> score dict that sits beside it (`db::zset` keeps both in step),
//! nor about clients, replies or configuration.
//!
//! # Layout
//!
//! Nodes live in one arena (`Vec<Node>`) and link to each other by index, so there is no
//! `unsafe` and no reference counting. Slot 0 is the header, which has all 32 levels and no
//! member. A deleted node's slot goes on a free list and is reused by the next insert; when
//! more than half of the arena is free it is compacted.
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

#[derive(Clone, Copy, Debug, Default)]
struct Level {
    forward: u32,
    span: u32,
}

#[derive(Clone, Debug)]
struct Node {
    /// The member: inline up to 22 bytes, so most nodes are one allocation.
    ele: InlineBytes,
    score: f64,
    /// The previous node at level 0, NIL for the first.
    backward: u32,
    levels: Box<[Level]>,
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

/// A skiplist of (score, member) with spans: see the module doc.
#[derive(Clone, Debug)]
pub struct SkipList {
    nodes: Vec<Node>,
    free: Vec<u32>,
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

/// True when (score, ele) of `n` sorts before (score, ele).
#[inline]
fn node_before(n: &Node, score: f64, ele: &[u8]) -> bool {
    n.score < score || (n.score == score && *n.ele < *ele)
}

impl SkipList {
    /// An empty skiplist (Redis's zslCreate): just the header.
    pub fn new() -> SkipList {
        SkipList {
            nodes: vec![Node {
                ele: InlineBytes::new(b""),
                score: 0.0,
                backward: NIL,
                levels: vec![
                    Level {
                        forward: NIL,
                        span: 0
                    };
                    MAX_LEVEL
                ]
                .into_boxed_slice(),
            }],
            free: Vec::new(),
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

    /// Slots of the node arena, live or free (for tests and MEMORY USAGE).
    pub fn arena_slots(&self) -> usize {
        self.nodes.len()
    }

    #[inline]
    fn fwd(&self, x: u32, i: usize) -> u32 {
        self.nodes[x as usize].levels[i].forward
    }

    #[inline]
    fn span(&self, x: u32, i: usize) -> u32 {
        self.nodes[x as usize].levels[i].span
    }

    #[inline]
    fn lvl_mut(&mut self, x: u32, i: usize) -> &mut Level {
        &mut self.nodes[x as usize].levels[i]
    }

    #[inline]
    fn node(&self, x: u32) -> &Node {
        &self.nodes[x as usize]
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
        Self::some(self.node(n.0).backward)
    }

    pub fn ele(&self, n: NodeId) -> &[u8] {
        &self.node(n.0).ele
    }

    pub fn score(&self, n: NodeId) -> f64 {
        self.node(n.0).score
    }

    /// Number of levels of node `n` (MEMORY USAGE sizes nodes by it).
    pub fn node_level(&self, n: NodeId) -> usize {
        self.node(n.0).levels.len()
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

    fn alloc(&mut self, node: Node) -> u32 {
        match self.free.pop() {
            Some(slot) => {
                self.nodes[slot as usize] = node;
                slot
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        }
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
                if f != NIL && node_before(self.node(f), score, &ele) {
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
                self.lvl_mut(HEAD, i).span = self.len as u32;
            }
            self.level = level;
        }
        let id = self.alloc(Node {
            ele,
            score,
            backward: NIL,
            levels: vec![Level::default(); level].into_boxed_slice(),
        });
        for i in 0..level {
            let u = update[i];
            let ul = self.nodes[u as usize].levels[i];
            let crossed = rank[0] - rank[i];
            *self.lvl_mut(id, i) = Level {
                forward: ul.forward,
                span: ul.span - crossed,
            };
            *self.lvl_mut(u, i) = Level {
                forward: id,
                span: crossed + 1,
            };
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(level) {
            self.lvl_mut(u, i).span += 1;
        }
        self.nodes[id as usize].backward = if update[0] == HEAD { NIL } else { update[0] };
        let f = self.fwd(id, 0);
        if f != NIL {
            self.nodes[f as usize].backward = id;
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
                let xl = self.nodes[x as usize].levels[i];
                let ul = self.lvl_mut(u, i);
                ul.span = ul.span + xl.span - 1;
                ul.forward = xl.forward;
            } else {
                self.lvl_mut(u, i).span -= 1;
            }
        }
        let back = self.node(x).backward;
        let f = self.fwd(x, 0);
        if f != NIL {
            self.nodes[f as usize].backward = back;
        } else {
            self.tail = back;
        }
        while self.level > 1 && self.fwd(HEAD, self.level - 1) == NIL {
            self.level -= 1;
        }
        self.len -= 1;
        let node = &mut self.nodes[x as usize];
        let ele = std::mem::replace(&mut node.ele, InlineBytes::new(b""));
        node.levels = Box::default();
        self.free.push(x);
        ele
    }

    /// The rightmost node before (score, ele) at every level.
    fn find_update(&self, score: f64, ele: &[u8]) -> [u32; MAX_LEVEL] {
        let mut update = [HEAD; MAX_LEVEL];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f != NIL && node_before(self.node(f), score, ele) {
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
        if x != NIL && self.node(x).score == score && *self.node(x).ele == *ele {
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
        if x == NIL || self.node(x).score != cur || *self.node(x).ele != *ele {
            // Not there (the caller broke the contract): insert rather than corrupt.
            return self.insert(new, InlineBytes::new(ele));
        }
        let back = self.node(x).backward;
        let f = self.fwd(x, 0);
        if (back == NIL || self.node(back).score < new) && (f == NIL || self.node(f).score > new) {
            self.nodes[x as usize].score = new;
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
                    let n = self.node(f);
                    n.score < score || (n.score == score && *n.ele <= *ele)
                } {
                    rank += self.span(x, i) as usize;
                    x = f;
                } else {
                    break;
                }
            }
            if x != HEAD && self.node(x).score == score && *self.node(x).ele == *ele {
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
                if f != NIL && !r.gte_min(self.node(f).score) {
                    x = f;
                } else {
                    break;
                }
            }
        }
        let x = self.fwd(x, 0);
        (x != NIL && r.lte_max(self.node(x).score)).then_some(NodeId(x))
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
                if f != NIL && r.lte_max(self.node(f).score) {
                    x = f;
                } else {
                    break;
                }
            }
        }
        (x != HEAD && r.gte_min(self.node(x).score)).then_some(NodeId(x))
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
                if f != NIL && !r.gte_min(&self.node(f).ele) {
                    x = f;
                } else {
                    break;
                }
            }
        }
        let x = self.fwd(x, 0);
        (x != NIL && r.lte_max(&self.node(x).ele)).then_some(NodeId(x))
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
                if f != NIL && r.lte_max(&self.node(f).ele) {
                    x = f;
                } else {
                    break;
                }
            }
        }
        (x != HEAD && r.gte_min(&self.node(x).ele)).then_some(NodeId(x))
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
            let node = self.node(x);
            if !keep_going(&node.ele, node.score, rank) {
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
                if f != NIL && !r.gte_min(self.node(f).score) {
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
                if f != NIL && !r.gte_min(&self.node(f).ele) {
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

    /// Rebuilds the arena without free slots once more than half of it is free, so a zset
    /// that shrank gives its memory back. Node handles change: only called at the end of an
    /// operation.
    fn maybe_compact(&mut self) {
        if self.free.len() < 64 || self.free.len() <= self.len {
            return;
        }
        let mut map = vec![NIL; self.nodes.len()];
        let mut order = Vec::with_capacity(self.len + 1);
        order.push(HEAD);
        let mut x = self.fwd(HEAD, 0);
        while x != NIL {
            order.push(x);
            x = self.fwd(x, 0);
        }
        for (new, &old) in order.iter().enumerate() {
            map[old as usize] = new as u32;
        }
        let remap = |v: u32| if v == NIL { NIL } else { map[v as usize] };
        let mut old_nodes = std::mem::take(&mut self.nodes);
        let mut nodes = Vec::with_capacity(order.len());
        for &old in &order {
            let mut n = std::mem::replace(
                &mut old_nodes[old as usize],
                Node {
                    ele: InlineBytes::new(b""),
                    score: 0.0,
                    backward: NIL,
                    levels: Box::default(),
                },
            );
            n.backward = remap(n.backward);
            for l in n.levels.iter_mut() {
                l.forward = remap(l.forward);
            }
            nodes.push(n);
        }
        self.nodes = nodes;
        self.tail = remap(self.tail);
        self.free = Vec::new();
    }

    /// Checks every invariant (spans, backward links, order, tail, length); for tests.
    #[cfg(test)]
    fn check(&self) {
        let mut n = 0;
        let mut prev = NIL;
        let mut x = self.fwd(HEAD, 0);
        while x != NIL {
            let node = self.node(x);
            assert_eq!(node.backward, prev);
            if prev != NIL {
                let p = self.node(prev);
                assert!(p.score < node.score || (p.score == node.score && *p.ele < *node.ele));
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
                let frank = self.rank(self.node(f).score, &self.node(f).ele);
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
        assert!(s.arena_slots() <= 2 * s.len() + 65);
    }
}
