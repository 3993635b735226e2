//! The shape of one trace as far as we know it: spans of this batch plus spans remembered from earlier ones.

use crate::conventions::SpanFacts;
use crate::state::{SpanId, SpanMap, SpanSet, TraceMemo};

/// Parent chains longer than this are treated as broken (a cycle in bad data must not hang a collector).
pub const MAX_DEPTH: usize = 512;

/// Up to this many spans a trace's batch is searched by id linearly; beyond it through an index.
const LINEAR_SEARCH_SPANS: usize = 16;

/// One span of the current batch, as the trace logic sees it.
pub struct BatchSpan<'f, 'a> {
    /// Position in the batch (and in the patch list).
    pub index: usize,
    pub id: SpanId,
    pub parent: SpanId,
    pub start: u64,
    pub end: u64,
    /// No parent, or a remote one: the top of the trace in this service.
    pub local_root: bool,
    pub facts: &'f SpanFacts<'a>,
}

pub struct Tree<'t, 'f, 'a> {
    pub batch: &'t [BatchSpan<'f, 'a>],
    /// span id -> position in `batch`, for batches too large to search linearly.
    index: Option<&'t SpanMap<usize>>,
    pub memo: &'t TraceMemo,
}

impl<'t, 'f, 'a> Tree<'t, 'f, 'a> {
    /// `index` is scratch space, refilled here when the batch is large.
    pub fn new(batch: &'t [BatchSpan<'f, 'a>], memo: &'t TraceMemo, index: &'t mut SpanMap<usize>) -> Self {
        if batch.len() <= LINEAR_SEARCH_SPANS {
            return Tree { batch, index: None, memo };
        }
        index.clear();
        index.extend(batch.iter().enumerate().filter(|(_, s)| s.id != 0).map(|(i, s)| (s.id, i)));
        Tree { batch, index: Some(index), memo }
    }

    /// Only what earlier batches left.
    pub fn remembered(memo: &'t TraceMemo) -> Self {
        Tree { batch: &[], index: None, memo }
    }

    /// Where span `id` sits in this batch.
    #[inline]
    pub fn position(&self, id: SpanId) -> Option<usize> {
        if id == 0 {
            return None;
        }
        match self.index {
            Some(ix) => ix.get(&id).copied(),
            None => self.batch.iter().position(|s| s.id == id),
        }
    }

    pub fn parent_of(&self, id: SpanId) -> SpanId {
        match self.position(id) {
            Some(i) => self.batch[i].parent,
            None => self.memo.spans.get(&id).map_or(0, |m| m.parent),
        }
    }

    /// `None` when the span is unknown; otherwise its kind, if it has one.
    pub fn kind_of(&self, id: SpanId) -> Option<Option<crate::conventions::Kind>> {
        match self.position(id) {
            Some(i) => Some(self.batch[i].facts.kind.map(|(_, k)| k)),
            None => self.memo.spans.get(&id).map(|m| m.kind),
        }
    }

    /// Ancestors of `id`, nearest first, ending at the first unknown span.
    pub fn ancestors(&self, id: SpanId) -> impl Iterator<Item = SpanId> + '_ {
        let mut cur = id;
        let mut steps = 0;
        std::iter::from_fn(move || {
            cur = self.parent_of(cur);
            steps += 1;
            (cur != 0 && cur != id && steps <= MAX_DEPTH).then_some(cur)
        })
    }

    /// Fills `below` with every span that has at least one usage-carrying descendant, known in this batch or
    /// remembered.
    pub fn with_usage_below(&self, carries_usage: impl Fn(usize) -> bool, below: &mut SpanSet) {
        below.clear();
        let from_batch = self.batch.iter().enumerate().filter(|(i, _)| carries_usage(*i)).map(|(_, s)| s.id);
        let from_memo = self.memo.spans.iter().filter(|(_, m)| m.billing.is_some()).map(|(&id, _)| id);
        for id in from_batch.chain(from_memo) {
            for a in self.ancestors(id) {
                if !below.insert(a) {
                    break;
                }
            }
        }
    }
}
