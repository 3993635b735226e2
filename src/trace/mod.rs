//! One trace inside a batch: propagation, span kinds, duplicate detection, pricing and roll-ups, using (and
//! updating) what earlier batches left in the trace and conversation memory.

mod billing;
mod inherit;
mod rollup;
mod tree;

use std::sync::Arc;
use std::time::Instant;

pub use billing::{Bill, UnpricedReason};
pub use rollup::Rollup;
pub use tree::BatchSpan;

use crate::conventions::{kind_rank, Kind, Ranked};
use crate::pricing::{PriceTable, TokenUsage};
use crate::state::{
    conversation_key, response_key, Billing, Inherited, Kept, SmallStr, SpanId, SpanMap, SpanMemo, State, TraceId,
    TraceMemo,
};
use tree::{Tree, MAX_DEPTH};

/// Space one trace's decisions are made in, reused from trace to trace and (per thread) from batch to batch, so
/// that neither a trace nor a small batch costs allocations of its own.
#[derive(Default)]
pub struct TraceScratch<'p> {
    usage: Vec<Option<TokenUsage>>,
    bills: Vec<Option<Bill<'p>>>,
    inherited: Vec<Option<Arc<Inherited>>>,
    resolved: Vec<bool>,
    tops: Vec<bool>,
    rollups: Vec<Option<Rollup>>,
    ids: Vec<SpanId>,
    index: SpanMap<usize>,
    billing: billing::BillScratch,
}

impl TraceScratch<'_> {
    /// The same space with nothing borrowed from the price table, to keep between batches.
    pub fn into_static(self) -> TraceScratch<'static> {
        let mut bills = self.bills;
        bills.clear();
        TraceScratch {
            usage: self.usage,
            // Empty, so nothing is mapped; collecting into the same layout reuses the allocation.
            bills: bills.into_iter().map(|_| None).collect(),
            inherited: self.inherited,
            resolved: self.resolved,
            tops: self.tops,
            rollups: self.rollups,
            ids: self.ids,
            index: self.index,
            billing: self.billing,
        }
    }
}

/// Everything the writer needs to patch the spans of one trace in this batch (slices parallel to the batch).
pub struct TraceOutcome<'s, 'p, 'f> {
    pub conversation: Option<Text<'f>>,
    pub user: Option<Text<'f>>,
    pub turn: Option<u64>,
    pub bills: &'s [Option<Bill<'p>>],
    pub inherited: &'s [Option<Arc<Inherited>>],
    pub rollups: &'s [Option<Rollup>],
    /// Written on root spans: this trace's cost so far (when it has usage) and the conversation's running total.
    pub trace_cost: Option<f64>,
    pub conversation_cost: Option<f64>,
    /// Values seen in this batch that were too long to remember for later ones.
    pub not_remembered: u64,
}

/// Lowest rank wins; among equals the first span in the batch.
fn best<'f>(values: impl Iterator<Item = &'f Ranked<'f>>) -> Option<&'f str> {
    values
        .fold(None::<&Ranked<'_>>, |b, r| if b.is_some_and(|b| b.rank <= r.rank) { b } else { Some(r) })
        .map(|r| r.value.as_ref())
}

/// A string to write on this batch's spans: remembered from an earlier batch, or read from this one.
#[derive(Debug, Clone)]
pub enum Text<'f> {
    Kept(SmallStr),
    Batch(&'f str),
}

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Text::Kept(s) => s.as_str(),
            Text::Batch(s) => s,
        }
    }
}

/// What to write for a remembered value: the kept copy, else (too long to keep) this batch's own copy, if any.
fn text<'f>(kept: &Kept, batch: Option<&'f str>, same: impl Fn(&str) -> bool) -> Option<Text<'f>> {
    match kept {
        Kept::Value(v) => Some(Text::Kept(v.clone())),
        Kept::TooLong => batch.filter(|b| same(b)).map(Text::Batch),
    }
}

/// Returns None when neither this batch nor memory says anything about the trace (most non-GenAI traffic).
pub fn process_trace<'s, 'p, 'f>(
    trace_id: &TraceId,
    batch: &[BatchSpan<'f, '_>],
    state: &State,
    prices: &'p PriceTable,
    now: Instant,
    sc: &'s mut TraceScratch<'p>,
) -> Option<TraceOutcome<'s, 'p, 'f>> {
    let relevant = batch.iter().any(|s| s.facts.is_relevant());
    let mut shard = state.traces.shard(trace_id);
    let memo: &mut TraceMemo =
        if relevant { shard.get_or_insert_with(trace_id, now, Box::default) } else { shard.get_mut(trace_id, now)? };

    if memo.spans.is_empty() {
        memo.spans.reserve(batch.len().min(crate::state::MAX_SPANS_PER_TRACE));
    }
    sc.usage.clear();
    sc.usage.extend(batch.iter().map(billing::usage_of));
    {
        let tree = Tree::new(batch, memo, &mut sc.index);
        billing::decide(&tree, &sc.usage, prices, &mut sc.billing, &mut sc.bills);
        inherit::resolve(&tree, &mut sc.inherited, &mut sc.resolved);
        sc.tops.clear();
        sc.tops.extend((0..batch.len()).map(|i| is_workflow_top(&tree, &sc.inherited, i)));
    }
    let (usage, bills, inherited) = (&sc.usage, &sc.bills, &sc.inherited);

    let mut not_remembered = 0;
    let batch_conversation = best(batch.iter().filter_map(|s| s.facts.conversation.as_ref()));
    let batch_user = best(batch.iter().filter_map(|s| s.facts.user.as_ref()));
    if memo.conversation.is_none() {
        memo.conversation = batch_conversation.map(|c| (conversation_key(c), Kept::of(c)));
    }
    if memo.user.is_none() {
        memo.user = batch_user.map(Kept::of);
    }
    for kept in [memo.conversation.as_ref().map(|(_, k)| k), memo.user.as_ref()].into_iter().flatten() {
        not_remembered += u64::from(*kept == Kept::TooLong);
    }
    memo.root_seen |= batch.iter().any(|s| s.local_root);
    if memo.given_turn.is_none() {
        memo.given_turn = batch.iter().find_map(|s| s.facts.turn);
    }
    for (i, s) in batch.iter().enumerate() {
        let billing = bills[i].as_ref().and_then(Bill::billing);
        // A span sent again (an exporter retry) replaces its earlier copy instead of adding to the totals twice.
        if let Some(Billing::Billed(c)) = memo.spans.get(&s.id).and_then(|m| m.billing) {
            memo.cost -= c;
        }
        if let Some(Billing::Billed(c)) = billing {
            memo.cost += c;
        }
        memo.has_usage |= billing.is_some();
        let response_id = billing.and(s.facts.response_id).map(response_key);
        let call = billing.and(usage[i].as_ref()).map(|u| billing::call_print(s, u));
        let kind = s.facts.kind.map(|(_, k)| k);
        not_remembered += memo.remember(
            s.id,
            SpanMemo { parent: s.parent, kind, billing, response_id, call, inherited: inherited[i].clone() },
        );
    }

    sc.ids.clear();
    sc.ids.extend(batch.iter().map(|s| s.id));
    rollup::workflow_rollups(&Tree::remembered(memo), &sc.ids, &sc.tops, &mut sc.rollups);

    let mut conversation_cost = None;
    if let Some((key, _)) = &memo.conversation {
        let mut cshard = state.conversations.shard(key);
        let c = cshard.get_or_insert_with(key, now, Default::default);
        if memo.turn.is_none() {
            memo.turn = Some(c.take_turn(memo.given_turn));
        }
        c.total_cost += memo.cost - memo.cost_in_conversation;
        memo.cost_in_conversation = memo.cost;
        conversation_cost = Some(c.total_cost);
    }

    let outcome = TraceOutcome {
        conversation: memo
            .conversation
            .as_ref()
            .and_then(|(key, kept)| text(kept, batch_conversation, |c| conversation_key(c) == *key)),
        user: memo.user.as_ref().and_then(|kept| text(kept, batch_user, |_| true)),
        turn: memo.turn.filter(|_| memo.conversation.is_some()),
        bills: &sc.bills,
        inherited: &sc.inherited,
        rollups: &sc.rollups,
        trace_cost: (memo.has_usage || memo.conversation.is_some()).then_some(memo.cost),
        conversation_cost,
        not_remembered,
    };
    let weight = memo.weight();
    shard.set_weight(trace_id, weight);
    Some(outcome)
}

/// The top of a workflow: a span that itself names a workflow its parent is not already in, or a span of kind
/// workflow.
fn is_workflow_top(tree: &Tree<'_, '_, '_>, inherited: &[Option<Arc<Inherited>>], i: usize) -> bool {
    let s = &tree.batch[i];
    match s.facts.kind {
        Some((_, Kind::Workflow)) => return true,
        // Only OpenInference's CHAIN stands for a workflow; other conventions' chains are steps.
        Some((kind_rank::OPENINFERENCE, Kind::Chain)) if is_outermost_chain(tree, s.parent) => return true,
        _ => {}
    }
    if s.facts.workflow_id.is_none() && s.facts.workflow_type.is_none() {
        return false;
    }
    let parent = match tree.position(s.parent) {
        Some(p) => inherited[p].clone(),
        None => tree.memo.spans.get(&s.parent).and_then(|m| m.inherited.clone()),
    };
    let mine = inherited[i].as_deref();
    match (parent.as_deref(), mine) {
        (Some(p), Some(m)) => p.workflow_id != m.workflow_id || p.workflow_type != m.workflow_type,
        (None, _) => true,
        (Some(_), None) => false,
    }
}

/// OpenInference has no workflow attribute: its workflow is the outermost CHAIN span. A chain is outermost when
/// its ancestors are known all the way to the root and none is a chain or workflow. With an ancestor not yet
/// seen (children are exported first) we cannot tell, and write no roll-up rather than one on an inner chain.
fn is_outermost_chain(tree: &Tree<'_, '_, '_>, mut parent: SpanId) -> bool {
    for _ in 0..MAX_DEPTH {
        if parent == 0 {
            return true;
        }
        match tree.kind_of(parent) {
            None => return false,
            Some(Some(Kind::Chain | Kind::Workflow)) => return false,
            Some(_) => parent = tree.parent_of(parent),
        }
    }
    false
}
