//! What we remember about one trace between batches: its identity, and enough of each span (parent, usage
//! decision, inherited workflow) for roll-ups and propagation to count spans that came in earlier batches.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use crate::conventions::Kind;
use crate::fast_hash::IdHash;

pub type TraceId = [u8; 16];
/// Span ids as integers; 0 means "no span" (an absent or all-zero parent id).
pub type SpanId = u64;

pub(crate) type SpanMap<V> = HashMap<SpanId, V, BuildHasherDefault<IdHash>>;
pub(crate) type SpanSet = HashSet<SpanId, BuildHasherDefault<IdHash>>;

/// Beyond this many remembered spans a trace stops growing its memory; later spans are still enriched.
pub const MAX_SPANS_PER_TRACE: usize = 10_000;

/// Workflow and custom keys a span carries or inherits, shared by all its descendants.
#[derive(Debug, Default, PartialEq)]
pub struct Inherited {
    pub workflow_id: Option<Box<str>>,
    pub workflow_type: Option<Box<str>>,
    /// (index in propagate_keys, encoded AnyValue)
    pub custom: Vec<(u16, Box<[u8]>)>,
}

/// The billing decision made for a span that carried usage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Billing {
    /// Counted in the bill: priced, or provided by the application (cost in USD).
    Billed(f64),
    /// Counted as a call but with no price: unpriced_model.
    Unpriced,
    Duplicate,
}

/// What identifies one provider call when spans of it carry no common response id: the same token counts over
/// overlapping time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallPrint {
    pub input: u64,
    pub output: u64,
    pub start: u64,
    pub end: u64,
}

impl CallPrint {
    pub fn same_call(&self, o: &CallPrint) -> bool {
        self.input == o.input && self.output == o.output && self.start <= o.end && o.start <= self.end
    }
}

#[derive(Debug, Clone)]
pub struct SpanMemo {
    pub parent: SpanId,
    pub kind: Option<Kind>,
    pub billing: Option<Billing>,
    pub response_id: Option<Box<str>>,
    pub call: Option<CallPrint>,
    pub inherited: Option<Arc<Inherited>>,
}

#[derive(Debug, Default)]
pub struct TraceMemo {
    pub conversation: Option<Box<str>>,
    pub user: Option<Box<str>>,
    pub turn: Option<u64>,
    /// A turn the application wrote on some span, kept until the conversation is known.
    pub given_turn: Option<u64>,
    /// Sum of billed cost over every span of the trace seen so far.
    pub cost: f64,
    /// The part of `cost` already added to the conversation's running total.
    pub cost_in_conversation: f64,
    pub has_usage: bool,
    pub spans: SpanMap<SpanMemo>,
}

impl TraceMemo {
    pub fn remember(&mut self, id: SpanId, memo: SpanMemo) {
        if id != 0 && (self.spans.len() < MAX_SPANS_PER_TRACE || self.spans.contains_key(&id)) {
            self.spans.insert(id, memo);
        }
    }
}
