//! A long run through one handle: a million traces (far more than the trace memory holds), a tenth of them split
//! across two batches (calls first, root in the next batch), conversations of five turns. Every split root's trace
//! cost, every turn number and every running total is checked exactly against a model of what was sent, and the
//! memory's own accounting against a census of what it really holds. `make soak` runs it (release build).
mod common;
use common::*;

use std::collections::HashMap;

const TRACES: u64 = 1_000_000;
const PER_BATCH: u64 = 250;
const TURNS: u64 = 5;

fn tid(t: u64) -> Vec<u8> {
    [t.to_be_bytes(), (t ^ 0x9e37_79b9_7f4a_7c15).to_be_bytes()].concat()
}

fn with_trace(mut s: Sp, t: u64) -> Sp {
    s.0.trace_id = tid(t);
    s
}

/// Two calls of distinct sizes (distinct so they are never taken for one call seen twice).
fn calls(t: u64) -> Vec<Sp> {
    let (a, b) = (100 + t % 900, 2000 + t % 300);
    vec![
        with_trace(sp(0, 2, 1, "chat").chat("gpt-4o", a as i64, 10).s("gen_ai.response.id", &format!("r{t}a")), t),
        with_trace(sp(0, 3, 1, "chat").chat("gpt-4o-mini", b as i64, 20).s("gen_ai.response.id", &format!("r{t}b")), t),
    ]
}

fn cost(t: u64) -> f64 {
    let (a, b) = (100 + t % 900, 2000 + t % 300);
    per_m(a, 2.5) + per_m(10, 10.0) + per_m(b, 0.15) + per_m(20, 0.6)
}

fn root(t: u64) -> Sp {
    with_trace(sp(0, 1, 0, "turn").s("gen_ai.conversation.id", &format!("conv-{}", t / TURNS)), t)
}

#[test]
#[cfg_attr(debug_assertions, ignore = "a release-build soak: make soak")]
fn a_million_traces_keep_exact_totals_and_exact_accounting() {
    let p = Core::from_json(br#"{"max_traces": 20000, "max_remembered_spans": 50000, "max_state_mib": 128}"#).unwrap();
    let mut next_turn: HashMap<u64, i64> = HashMap::new();
    let mut running: HashMap<u64, f64> = HashMap::new();
    let mut pending_roots: Vec<u64> = Vec::new();
    let mut checked = 0u64;
    let mut t = 0;
    while t < TRACES || !pending_roots.is_empty() {
        let mut spans = Vec::new();
        // Roots held back from the previous batch come first, in the order they were held.
        let late = std::mem::take(&mut pending_roots);
        let mut roots_in_order: Vec<u64> = late.clone();
        spans.extend(late.iter().map(|&t| root(t)));
        for _ in 0..PER_BATCH {
            if t >= TRACES {
                break;
            }
            spans.extend(calls(t));
            if t % 10 == 7 {
                pending_roots.push(t);
            } else {
                spans.push(root(t));
                roots_in_order.push(t);
            }
            t += 1;
        }
        let out = decode(&p.enrich(&batch(spans)).unwrap());
        // Within a batch, traces are numbered in start-time order: every span of trace t starts at the same
        // moment, and t grows with time, so the model numbers them by t.
        roots_in_order.sort_unstable();
        let mut by_trace: HashMap<Vec<u8>, &opentelemetry_proto::tonic::trace::v1::Span> = HashMap::new();
        for s in out.spans().filter(|s| s.parent_span_id.is_empty()) {
            by_trace.insert(s.trace_id.clone(), s);
        }
        for r in roots_in_order {
            let conv = r / TURNS;
            let turn = next_turn.entry(conv).or_insert(0);
            *turn += 1;
            let total = running.entry(conv).or_insert(0.0);
            *total += cost(r);
            let s = by_trace[&tid(r)];
            let attr = |k: &str| s.attributes.iter().find(|a| a.key == k).and_then(|a| a.value.clone()?.value);
            use opentelemetry_proto::tonic::common::v1::any_value::Value;
            assert_eq!(attr("gen_ai.conversation.turn"), Some(Value::IntValue(*turn)), "trace {r}");
            let Some(Value::DoubleValue(tc)) = attr("gen_ai.l9.trace.cost_usd") else {
                panic!("trace {r}: no trace cost")
            };
            close(tc, cost(r));
            let Some(Value::DoubleValue(cc)) = attr("gen_ai.conversation.cost_usd") else { panic!("trace {r}") };
            assert!((cc - *total).abs() <= 1e-9 * total.max(1.0), "trace {r}: running total {cc} != {total}");
            checked += 1;
        }
        if t % 100_000 < PER_BATCH {
            let s: serde_json::Value = serde_json::from_str(&p.stats_json()).unwrap();
            assert_eq!(s["spans_remembered"].as_u64().unwrap() as usize, p.remembered_spans_census(), "after {t}");
            assert!(s["spans_remembered"].as_u64().unwrap() <= 50_000 + 3 * 32);
            assert!(s["state_bytes"].as_u64().unwrap() <= s["state_bytes_limit"].as_u64().unwrap());
        }
    }
    assert_eq!(checked, TRACES);
    let s: serde_json::Value = serde_json::from_str(&p.stats_json()).unwrap();
    assert_eq!(s["spans_remembered"].as_u64().unwrap() as usize, p.remembered_spans_census());
    assert_eq!(s["priced"].as_u64().unwrap(), 2 * TRACES);
    assert!(s["trace_evictions"].as_u64().unwrap() > TRACES / 2);
    println!("soak: {TRACES} traces, stats {s}");
}
