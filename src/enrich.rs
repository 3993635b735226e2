//! The pipeline for one batch: spans -> span views -> per-trace decisions -> changes, whatever the formats.

use std::collections::HashMap;
use std::time::Instant;

use crate::batch::Batch;
use crate::contract::CostStatus;
use crate::conventions::{kind_rank, read_span, KeyIndex, KeyTable, Kind, OutKey, SpanFacts};
use crate::patch::{PatchSink, Val};
use crate::pricing::PriceTable;
use crate::processor::Processor;
use crate::state::{SpanId, TraceId};
use crate::stats::BatchStats;
use crate::trace::{process_trace, BatchSpan, Bill, TraceOutcome, TraceScratch};

fn trace_id(bytes: &[u8]) -> Option<TraceId> {
    // An empty or all-zero trace id groups nothing; other lengths are invalid OTLP but still group consistently.
    if bytes.iter().all(|&b| b == 0) {
        return None;
    }
    let mut id = [0u8; 16];
    let n = bytes.len().min(16);
    id[..n].copy_from_slice(&bytes[..n]);
    Some(id)
}

fn span_id(bytes: &[u8]) -> SpanId {
    let mut id = [0u8; 8];
    let n = bytes.len().min(8);
    id[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(id)
}

/// The batch's spans by trace: `members[begin..end]` of each group, in batch order, groups ordered by their
/// earliest start time so that two turns of one conversation arriving together are numbered in the order they
/// happened. Built without a vector per trace.
#[derive(Default)]
struct Groups {
    members: Vec<u32>,
    groups: Vec<(TraceId, u64, u32, u32)>,
    // Working space, kept with the result so that all of it is reused from batch to batch.
    group_of: Vec<u32>,
    found: Vec<(TraceId, u64, u32)>,
    next: Vec<u32>,
    by_trace: HashMap<TraceId, u32, foldhash::fast::RandomState>,
}

/// What a thread keeps between batches: a small batch (one trace, behind groupbytrace) then allocates almost
/// nothing of its own.
#[derive(Default)]
struct Scratch {
    groups: Groups,
    trace: TraceScratch<'static>,
}

thread_local! {
    static SCRATCH: std::cell::Cell<Option<Box<Scratch>>> = const { std::cell::Cell::new(None) };
}

fn group_by_trace<'a, B: Batch<'a>>(batch: &B, g: &mut Groups) {
    let n = batch.len();
    let Groups { members, groups, group_of, found, next, by_trace } = g;
    group_of.clear();
    group_of.resize(n, u32::MAX);
    found.clear();
    by_trace.clear();
    let mut last: Option<(&[u8], u32)> = None;
    for (i, slot) in group_of.iter_mut().enumerate() {
        let head = batch.head(i);
        // Spans of one trace usually come together: the previous span's group is tried before the map.
        let g = match last {
            Some((t, g)) if t == head.trace_id => g,
            _ => {
                let Some(t) = trace_id(head.trace_id) else {
                    last = None;
                    continue;
                };
                let g = *by_trace.entry(t).or_insert_with(|| {
                    found.push((t, u64::MAX, 0));
                    (found.len() - 1) as u32
                });
                last = Some((head.trace_id, g));
                g
            }
        };
        let e = &mut found[g as usize];
        e.1 = e.1.min(head.start);
        e.2 += 1;
        *slot = g;
    }
    // Counting sort of the spans by group, then the groups by start time.
    next.clear();
    let mut at = 0u32;
    for e in found.iter() {
        next.push(at);
        at += e.2;
    }
    groups.clear();
    groups.extend(found.iter().zip(next.iter()).map(|(e, &begin)| (e.0, e.1, begin, begin + e.2)));
    members.clear();
    members.resize(at as usize, 0);
    for (i, &g) in group_of.iter().enumerate() {
        if g != u32::MAX {
            members[next[g as usize] as usize] = i as u32;
            next[g as usize] += 1;
        }
    }
    groups.sort_by_key(|g| g.1);
}

/// Enriches one batch, giving every change to `sink`. The batch was checked when it was read, so nothing here can
/// fail: a malformed batch was refused before any memory was touched. With `hold`, the spans of a GenAI trace
/// whose root has not been seen yet are handed back to be held instead of enriched.
pub fn enrich_batch<'p, 'a, B: Batch<'a>, S: PatchSink>(
    p: &Processor,
    prices: &'p PriceTable,
    batch: &B,
    now: Instant,
    hold: bool,
    sink: &mut S,
) -> BatchStats<'p> {
    let mut stats = BatchStats { spans_seen: batch.len() as u64, ..Default::default() };
    // Taken out of the thread's slot for the call (a panic loses it, and the next call starts afresh).
    let mut kept = SCRATCH.with(|s| s.take()).unwrap_or_default();
    group_by_trace(batch, &mut kept.groups);
    let Groups { members, groups, .. } = &kept.groups;
    let mut scratch: TraceScratch<'_> = std::mem::take(&mut kept.trace);
    let mut facts: Vec<SpanFacts<'a>> = Vec::new();
    for (tid, _, begin, end) in groups {
        // A trace with more spans than this in one batch (hostile, or a runaway loop) is taken a part at a time,
        // so that no per-trace step is ever quadratic in the batch.
        for part in members[*begin as usize..*end as usize].chunks(MAX_TRACE_SPANS_AT_ONCE) {
            // The facts of one trace at a time: they stay in cache while the trace is decided.
            facts.clear();
            facts.extend(part.iter().map(|&i| read_span(&p.keys, batch, i as usize)));
            if hold && should_hold(p, batch, &facts, part, tid, now) {
                for &i in part {
                    sink.hold(i as usize);
                }
                stats.spans_held += part.len() as u64;
                continue;
            }
            // Counted once: held spans are read again when they come back.
            stats.values_unreadable += facts.iter().map(|f| u64::from(f.unreadable)).sum::<u64>();
            let spans: Vec<BatchSpan<'_, '_>> = part
                .iter()
                .zip(&facts)
                .map(|(&i, f)| {
                    let h = batch.head(i as usize);
                    BatchSpan {
                        index: i as usize,
                        id: span_id(h.span_id),
                        parent: span_id(h.parent_span_id),
                        start: h.start,
                        end: h.end,
                        local_root: h.is_local_root(),
                        facts: f,
                    }
                })
                .collect();
            let Some(outcome) = process_trace(tid, &spans, &p.state, prices, now, &mut scratch) else {
                continue;
            };
            stats.values_not_remembered += outcome.not_remembered;
            for (k, span) in spans.iter().enumerate() {
                if patch_span(p, span, k, &outcome, sink, &mut stats) {
                    stats.spans_enriched += 1;
                }
            }
        }
    }
    kept.trace = scratch.into_static();
    // A huge batch's buffers are not worth keeping for the thread's life.
    if kept.groups.group_of.capacity() <= KEEP_SCRATCH_SPANS {
        SCRATCH.with(|s| s.set(Some(kept)));
    }
    stats
}

/// Batches up to this many spans leave their scratch space to the thread's next batch.
const KEEP_SCRATCH_SPANS: usize = 1 << 16;

/// The most spans of one trace handled in one step (see `enrich_batch`); the trace memory keeps as many.
const MAX_TRACE_SPANS_AT_ONCE: usize = crate::state::MAX_SPANS_PER_TRACE;

/// A GenAI trace (or one the host already holds spans of) whose root is neither in this batch nor seen before:
/// its root, which usually carries the conversation and workflow ids, is still to come.
fn should_hold<'a, B: Batch<'a>>(
    p: &Processor,
    batch: &B,
    facts: &[SpanFacts<'_>],
    members: &[u32],
    tid: &TraceId,
    now: Instant,
) -> bool {
    if members.iter().any(|&i| batch.head(i as usize).is_local_root()) {
        return false;
    }
    let wanted = facts.iter().any(SpanFacts::is_relevant) || members.iter().any(|&i| batch.trace_is_held(i as usize));
    wanted && !p.state.traces.shard(tid).peek(tid, now).is_some_and(|m| m.root_seen)
}

/// One span's changes on their way to the sink, noting whether there were any.
struct SpanWriter<'w, S> {
    sink: &'w mut S,
    keys: &'w KeyTable,
    span: usize,
    wrote: bool,
}

impl<S: PatchSink> SpanWriter<'_, S> {
    fn put(&mut self, key: KeyIndex, v: Val<'_>) {
        self.sink.put(self.span, key, v);
        self.wrote = true;
    }

    fn out(&mut self, key: OutKey, v: Val<'_>) {
        self.put(self.keys.output(key), v);
    }
}

/// Writes one span's changes; true when it got any.
fn patch_span<'p, S: PatchSink>(
    p: &Processor,
    span: &BatchSpan<'_, '_>,
    k: usize,
    o: &TraceOutcome<'_, 'p, '_>,
    sink: &mut S,
    stats: &mut BatchStats<'p>,
) -> bool {
    let f = span.facts;
    let keys = &p.keys;
    let mut w = SpanWriter { sink, keys, span: span.index, wrote: false };
    if let (Some(c), false) = (&o.conversation, f.has(OutKey::ConversationId)) {
        w.out(OutKey::ConversationId, Val::Str(c));
    }
    if p.conversation_ids_only {
        return w.wrote;
    }
    if let (Some(t), false) = (o.turn, f.has(OutKey::Turn)) {
        w.out(OutKey::Turn, Val::Int(t as i64));
    }
    if let (Some(u), false) = (&o.user, f.has(OutKey::UserId)) {
        w.out(OutKey::UserId, Val::Str(u));
    }
    if let Some(inh) = &o.inherited[k] {
        if let (Some(v), false) = (&inh.workflow_id, f.has(OutKey::WorkflowId)) {
            w.out(OutKey::WorkflowId, Val::Str(v));
        }
        if let (Some(v), false) = (&inh.workflow_type, f.has(OutKey::WorkflowType)) {
            w.out(OutKey::WorkflowType, Val::Str(v));
        }
        for (key_index, value) in &inh.custom {
            if !f.propagate.iter().any(|(own, _)| own == key_index) {
                w.put(keys.propagate(*key_index), Val::Raw(value));
            }
        }
    }
    if let Some((rank, kind)) = f.kind {
        // The SDK's own gen_ai.l9.span.kind is already on the span and wins.
        if rank != kind_rank::L9_SDK && !f.has(OutKey::SpanKind) && kind != Kind::Prompt {
            w.out(OutKey::SpanKind, Val::Fixed(kind.fixed_index()));
        }
    }
    if let Some(bill) = &o.bills[k] {
        write_bill(f, bill, stats, &mut w);
    }
    let mut rollups: [Option<(OutKey, Value)>; 5] = [None; 5];
    if let Some(r) = &o.rollups[k] {
        rollups[0] = Some((OutKey::WorkflowTotal, Value::F(r.cost_usd)));
        rollups[1] = Some((OutKey::WorkflowLlmCalls, Value::I(r.llm_calls as i64)));
        rollups[2] = Some((OutKey::WorkflowToolCalls, Value::I(r.tool_calls as i64)));
    }
    if span.parent == 0 {
        rollups[3] = o.trace_cost.map(|c| (OutKey::TraceCost, Value::F(c)));
        rollups[4] = o.conversation_cost.map(|c| (OutKey::ConversationCost, Value::F(c)));
    }
    // Roll-ups are ours: an older value of the same key (an SDK's point-in-time total, an upstream collector's
    // partial sum) is replaced, never kept beside the new one.
    for &(key, range) in &f.rollup_entries {
        if rollups.iter().flatten().any(|(k, _)| keys.output(*k) == key) {
            w.sink.drop_entry(w.span, key, range);
        }
    }
    for (key, v) in rollups.into_iter().flatten() {
        match v {
            Value::F(x) => w.out(key, Val::Double(x)),
            Value::I(x) => w.out(key, Val::Int(x)),
        }
    }
    w.wrote
}

#[derive(Clone, Copy)]
enum Value {
    F(f64),
    I(i64),
}

fn write_bill<'p, S: PatchSink>(
    f: &SpanFacts<'_>,
    bill: &Bill<'p>,
    stats: &mut BatchStats<'p>,
    w: &mut SpanWriter<'_, S>,
) {
    let (status, cost, model, other_provider, tier_missing) = match bill {
        Bill::Decided { status, cost, model, other_provider, tier_missing } => {
            (status, cost, model, other_provider, tier_missing)
        }
        Bill::Unbilled(reason) => return stats.count_unbilled(*reason),
        Bill::Upstream { .. } => return,
    };
    stats.count(*status);
    if *status == CostStatus::UnpricedModel {
        if let Some(m) = f.model() {
            stats.unknown_model(m);
        }
    }
    stats.priced_other_provider += u64::from(*other_provider);
    stats.service_tier_unpriced += u64::from(*tier_missing);
    if f.has(OutKey::CostStatus) {
        return;
    }
    w.out(OutKey::CostStatus, Val::Fixed(status.fixed_index()));
    if *status == CostStatus::Priced {
        let c = cost.expect("priced has a cost");
        if !f.has(OutKey::CostUsd) {
            w.out(OutKey::CostUsd, Val::Double(c.total_usd));
        }
        if !f.has(OutKey::CostInput) {
            w.out(OutKey::CostInput, Val::Double(c.input_usd));
        }
        if !f.has(OutKey::CostOutput) {
            w.out(OutKey::CostOutput, Val::Double(c.output_usd));
        }
        for (key, part) in [(OutKey::CostCacheRead, c.cache_read_usd), (OutKey::CostCacheWrite, c.cache_write_usd)] {
            if let Some(usd) = part.filter(|_| !f.has(key)) {
                w.out(key, Val::Double(usd));
            }
        }
        if let Some(t) = c.service_tier.filter(|_| !f.has(OutKey::CostServiceTier)) {
            w.out(OutKey::CostServiceTier, Val::Str(t.as_str()));
        }
        if let Some(m) = model {
            if !f.has(OutKey::CostModel) {
                w.out(OutKey::CostModel, Val::Str(m));
            }
            stats.add_cost(m, c.total_usd);
        }
    }
}
