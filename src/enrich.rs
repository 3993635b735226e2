//! The pipeline for one batch: bytes -> span views -> per-trace decisions -> attribute patches -> bytes.

use std::collections::HashMap;
use std::time::Instant;

use crate::contract::{self as out, CostStatus};
use crate::conventions::{kind_rank, read_span, Kind, OutKey, SpanFacts};
use crate::processor::Processor;
use crate::state::{SpanId, TraceId};
use crate::stats::BatchStats;
use crate::trace::{process_trace, BatchSpan, Bill, TraceOutcome};
use crate::wire::{encode_kv_double, encode_kv_int, encode_kv_raw, encode_kv_string, BatchIndex, SpanPatch, WireError};

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

/// Enriches one batch. All reading (and so every error) happens before any memory is touched, so a malformed
/// batch leaves the processor exactly as it was.
pub fn enrich_batch(p: &Processor, input: &[u8], now: Instant) -> Result<(Vec<u8>, BatchStats), WireError> {
    let index = BatchIndex::parse(input)?;
    let facts: Vec<SpanFacts<'_>> =
        index.spans.iter().map(|s| read_span(&p.keys, &index, s)).collect::<Result<_, _>>()?;
    let mut stats = BatchStats { spans_seen: index.spans.len() as u64, ..Default::default() };

    // Traces in order of their earliest start time in the batch, so that two turns of one conversation
    // arriving together are numbered in the order they happened.
    let mut groups: Vec<(TraceId, u64, Vec<usize>)> = Vec::new();
    let mut by_trace: HashMap<TraceId, usize> = HashMap::new();
    for (i, s) in index.spans.iter().enumerate() {
        let Some(t) = trace_id(s.trace_id) else {
            continue;
        };
        let g = *by_trace.entry(t).or_insert_with(|| {
            groups.push((t, u64::MAX, Vec::new()));
            groups.len() - 1
        });
        groups[g].1 = groups[g].1.min(s.start_time_unix_nano);
        groups[g].2.push(i);
    }
    groups.sort_by_key(|g| g.1);

    let mut patches = vec![SpanPatch::default(); index.spans.len()];
    for (tid, _, members) in &groups {
        let batch: Vec<BatchSpan<'_, '_>> = members
            .iter()
            .map(|&i| BatchSpan {
                index: i,
                id: span_id(index.spans[i].span_id),
                parent: span_id(index.spans[i].parent_span_id),
                start: index.spans[i].start_time_unix_nano,
                end: index.spans[i].end_time_unix_nano,
                facts: &facts[i],
            })
            .collect();
        let Some(outcome) = process_trace(tid, &batch, &p.state, &p.prices, now) else {
            continue;
        };
        stats.values_not_remembered += outcome.not_remembered;
        for (k, span) in batch.iter().enumerate() {
            patch_span(p, span, k, &outcome, &mut patches[span.index], &mut stats);
        }
    }

    stats.spans_enriched = patches.iter().filter(|p| !p.is_empty()).count() as u64;
    if stats.spans_enriched == 0 {
        return Ok((input.to_vec(), stats));
    }
    Ok((crate::wire::write_batch(&index, &mut patches), stats))
}

fn patch_span(
    p: &Processor,
    span: &BatchSpan<'_, '_>,
    k: usize,
    o: &TraceOutcome<'_, '_>,
    patch: &mut SpanPatch,
    stats: &mut BatchStats,
) {
    let f = span.facts;
    let a = &mut patch.append;
    if let (Some(c), false) = (&o.conversation, f.has(OutKey::ConversationId)) {
        encode_kv_string(out::CONVERSATION_ID, c, a);
    }
    if let (Some(t), false) = (o.turn, f.has(OutKey::Turn)) {
        encode_kv_int(out::CONVERSATION_TURN, t as i64, a);
    }
    if let (Some(u), false) = (&o.user, f.has(OutKey::UserId)) {
        encode_kv_string(out::USER_ID, u, a);
    }
    if let Some(inh) = &o.inherited[k] {
        if let (Some(w), false) = (&inh.workflow_id, f.has(OutKey::WorkflowId)) {
            encode_kv_string(out::WORKFLOW_ID, w, a);
        }
        if let (Some(w), false) = (&inh.workflow_type, f.has(OutKey::WorkflowType)) {
            encode_kv_string(out::WORKFLOW_TYPE, w, a);
        }
        for (key_index, value) in &inh.custom {
            if !f.propagate.iter().any(|(own, _)| own == key_index) {
                encode_kv_raw(&p.config.aliases.propagate[*key_index as usize], value, a);
            }
        }
    }
    if let Some((rank, kind)) = f.kind {
        // The SDK's own gen_ai.l9.span.kind is already on the span and wins.
        if rank != kind_rank::L9_SDK && !f.has(OutKey::SpanKind) && kind != Kind::Prompt {
            encode_kv_string(out::SPAN_KIND, kind.as_str(), a);
        }
    }
    if let Some(bill) = &o.bills[k] {
        write_bill(f, bill, a, stats);
    }
    let mut rollups: Vec<(&str, Value)> = Vec::new();
    if let Some(r) = &o.rollups[k] {
        rollups.push((out::WORKFLOW_TOTAL_COST_USD, Value::F(r.cost_usd)));
        rollups.push((out::WORKFLOW_LLM_CALLS, Value::I(r.llm_calls as i64)));
        rollups.push((out::WORKFLOW_TOOL_CALLS, Value::I(r.tool_calls as i64)));
    }
    if span.parent == 0 {
        if let Some(c) = o.trace_cost {
            rollups.push((out::TRACE_COST_USD, Value::F(c)));
        }
        if let Some(c) = o.conversation_cost {
            rollups.push((out::CONVERSATION_COST_USD, Value::F(c)));
        }
    }
    if !rollups.is_empty() {
        // Roll-ups are ours: an older value of the same key (an SDK's point-in-time total, an upstream
        // collector's partial sum) is replaced, never kept beside the new one.
        for &(start, end, key) in &f.rollup_entries {
            if rollups.iter().any(|(k, _)| k.as_bytes() == key) {
                patch.remove.push((start, end));
            }
        }
        for (key, v) in rollups {
            match v {
                Value::F(x) => encode_kv_double(key, x, &mut patch.append),
                Value::I(x) => encode_kv_int(key, x, &mut patch.append),
            }
        }
    }
}

enum Value {
    F(f64),
    I(i64),
}

fn write_bill(f: &SpanFacts<'_>, bill: &Bill<'_>, a: &mut Vec<u8>, stats: &mut BatchStats) {
    let Bill::Decided { status, cost, model } = bill else {
        return;
    };
    stats.count(*status);
    if f.has(OutKey::CostStatus) {
        return;
    }
    encode_kv_string(out::COST_STATUS, status.as_str(), a);
    if *status == CostStatus::Priced {
        let c = cost.expect("priced has a cost");
        if !f.has(OutKey::CostUsd) {
            encode_kv_double(out::COST_USD, c.total_usd, a);
        }
        if !f.has(OutKey::CostInput) {
            encode_kv_double(out::COST_INPUT_USD, c.input_usd, a);
        }
        if !f.has(OutKey::CostOutput) {
            encode_kv_double(out::COST_OUTPUT_USD, c.output_usd, a);
        }
        if let Some(m) = model {
            stats.add_cost(m, c.total_usd);
        }
    }
}
