//! What we remember about one trace between batches: its identity, and enough of each span (parent, usage
//! decision, inherited workflow) for roll-ups and propagation to count spans that came in earlier batches.
//!
//! Everything here is bounded in bytes whatever the client sends: ids are kept as fixed-size digests, a string
//! value is kept only up to `MAX_REMEMBERED_VALUE_BYTES`, and `TraceMemo::weight` accounts every heap byte held.

use std::collections::{HashMap, HashSet};
use std::mem::size_of;
use std::sync::Arc;

use foldhash::fast::RandomState;

use super::bounded_map::Weight;
use super::digest::ConversationKey;
use super::small_str::SmallStr;
use super::span_store::SpanStore;
use crate::conventions::Kind;

pub type TraceId = [u8; 16];
/// Span ids as integers; 0 means "no span" (an absent or all-zero parent id).
pub type SpanId = u64;

pub(crate) type SpanMap<V> = HashMap<SpanId, V, RandomState>;
pub(crate) type SpanSet = HashSet<SpanId, RandomState>;

/// Beyond this many remembered spans a trace stops growing its memory; later spans are still enriched.
pub const MAX_SPANS_PER_TRACE: usize = 10_000;
/// A conversation id, user id, workflow id or propagated value longer than this is written on the spans of its
/// own batch but not remembered for later ones: ids come from clients and can be megabytes long.
pub const MAX_REMEMBERED_VALUE_BYTES: usize = 4096;
/// Distinct inherited sets (workflow and custom keys) one trace remembers; spans beyond it keep none.
pub const MAX_INHERITED_PER_TRACE: usize = 256;

/// A client-given string, remembered when short enough.
#[derive(Debug, Clone, PartialEq)]
pub enum Kept {
    Value(SmallStr),
    /// Seen, but longer than `MAX_REMEMBERED_VALUE_BYTES`: later batches do not get it copied.
    TooLong,
}

impl Kept {
    pub fn of(s: &str) -> Kept {
        if s.len() <= MAX_REMEMBERED_VALUE_BYTES {
            Kept::Value(SmallStr::new(s))
        } else {
            Kept::TooLong
        }
    }

    pub fn value(&self) -> Option<&SmallStr> {
        match self {
            Kept::Value(v) => Some(v),
            Kept::TooLong => None,
        }
    }

    fn heap_bytes(&self) -> usize {
        self.value().map_or(0, SmallStr::heap_bytes)
    }
}

/// Workflow and custom keys a span carries or inherits, shared by all its descendants.
#[derive(Debug, Default, PartialEq)]
pub struct Inherited {
    pub workflow_id: Option<Box<str>>,
    pub workflow_type: Option<Box<str>>,
    /// (index in propagate_keys, encoded AnyValue)
    pub custom: Vec<(u16, Box<[u8]>)>,
}

impl Inherited {
    fn heap_bytes(&self) -> usize {
        let s = |v: &Option<Box<str>>| v.as_ref().map_or(0, |v| v.len());
        // The Arc allocation (counters + struct), the strings, the custom list and its values.
        2 * size_of::<usize>()
            + size_of::<Inherited>()
            + s(&self.workflow_id)
            + s(&self.workflow_type)
            + self.custom.capacity() * size_of::<(u16, Box<[u8]>)>()
            + self.custom.iter().map(|(_, v)| v.len()).sum::<usize>()
    }

    fn fits(&self) -> bool {
        let ok = |v: &Option<Box<str>>| v.as_ref().map_or(true, |v| v.len() <= MAX_REMEMBERED_VALUE_BYTES);
        ok(&self.workflow_id)
            && ok(&self.workflow_type)
            && self.custom.iter().all(|(_, v)| v.len() <= MAX_REMEMBERED_VALUE_BYTES)
    }

    /// The same set without the values too long to remember, and how many were left out.
    fn capped(&self) -> (Inherited, u64) {
        let mut dropped = 0;
        let mut keep = |v: &Option<Box<str>>| match v {
            Some(v) if v.len() > MAX_REMEMBERED_VALUE_BYTES => {
                dropped += 1;
                None
            }
            other => other.clone(),
        };
        let (workflow_id, workflow_type) = (keep(&self.workflow_id), keep(&self.workflow_type));
        let custom: Vec<_> =
            self.custom.iter().filter(|(_, v)| v.len() <= MAX_REMEMBERED_VALUE_BYTES).cloned().collect();
        dropped += (self.custom.len() - custom.len()) as u64;
        (Inherited { workflow_id, workflow_type, custom }, dropped)
    }
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
    /// A digest of the response id: only ever compared for equality.
    pub response_id: Option<u64>,
    pub call: Option<CallPrint>,
    pub inherited: Option<Arc<Inherited>>,
}

#[derive(Debug, Default)]
pub struct TraceMemo {
    /// The conversation's key in the conversation table, and its id for spans of later batches.
    pub conversation: Option<(ConversationKey, Kept)>,
    pub user: Option<Kept>,
    pub turn: Option<u64>,
    /// A turn the application wrote on some span, kept until the conversation is known.
    pub given_turn: Option<u64>,
    /// Sum of billed cost over every span of the trace seen so far.
    pub cost: f64,
    /// The part of `cost` already added to the conversation's running total.
    pub cost_in_conversation: f64,
    pub has_usage: bool,
    /// A span with no parent (or a remote one) has been seen: nothing waits for this trace's root any more.
    pub root_seen: bool,
    pub spans: SpanStore,
    /// Every distinct inherited set the spans point to, so that each is accounted once.
    inherited: Vec<Arc<Inherited>>,
}

impl TraceMemo {
    /// Remembers a span, with its inherited set made fit for memory. Returns how many values were too long to
    /// remember.
    pub fn remember(&mut self, id: SpanId, mut memo: SpanMemo) -> u64 {
        if id == 0 || (self.spans.len() >= MAX_SPANS_PER_TRACE && !self.spans.contains_key(&id)) {
            return 0;
        }
        let mut dropped = 0;
        if let Some(inh) = memo.inherited.take() {
            memo.inherited = match self.inherited.iter().find(|k| Arc::ptr_eq(k, &inh)) {
                Some(known) => Some(known.clone()),
                None if self.inherited.len() >= MAX_INHERITED_PER_TRACE => {
                    dropped += 1;
                    None
                }
                None => {
                    let fit = if inh.fits() {
                        inh
                    } else {
                        let (capped, n) = inh.capped();
                        dropped += n;
                        Arc::new(capped)
                    };
                    self.inherited.push(fit.clone());
                    Some(fit)
                }
            };
        }
        self.spans.insert(id, memo);
        dropped
    }

    /// What this trace costs against the budget: the memo itself (it is boxed) and everything it owns; the table
    /// slot pointing to it is accounted by the map.
    pub fn weight(&self) -> Weight {
        let bytes = size_of::<TraceMemo>()
            + self.spans.heap_bytes()
            + self.conversation.as_ref().map_or(0, |(_, k)| k.heap_bytes())
            + self.user.as_ref().map_or(0, Kept::heap_bytes)
            + self.inherited.capacity() * size_of::<Arc<Inherited>>()
            + self.inherited.iter().map(|i| i.heap_bytes()).sum::<usize>();
        Weight { spans: self.spans.len(), bytes }
    }
}
