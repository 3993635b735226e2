//! Replays the spans real instrumentation libraries emitted (tests/e2e/captured, recorded against the fake LLM
//! server) through the core and checks them against that server's log of the calls it answered: one billed span
//! per call, the exact cost of every call whose span reports its cache tokens, one conversation and turn per trace,
//! and every original attribute kept.
use crate::common::captured::{captures, span_of};
use crate::common::*;

use std::collections::{HashMap, HashSet};

use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::Value as J;

/// Per million: (input, output, cache read, cache write). The embedded defaults, plus the e2e suite's own model.
fn price(model: &str) -> Option<(f64, f64, f64, f64)> {
    match model {
        m if m.starts_with("gpt-4o-mini") => Some((0.15, 0.60, 0.075, 0.15)),
        m if m.starts_with("gpt-4o") => Some((2.50, 10.0, 1.25, 2.50)),
        m if m.starts_with("claude-sonnet-4") => Some((3.0, 15.0, 0.30, 3.75)),
        "text-embedding-3-small" => Some((0.02, 0.0, 0.02, 0.02)),
        "acme-priced" => Some((1.0, 2.0, 1.0, 1.0)),
        _ => None,
    }
}

/// What the server billed for one call, with the span's own cache reporting taken into account: a span that does
/// not report cached tokens is billed for what it reports (all input at the input price).
fn expected_cost(call: &J, span_reports_cache: bool) -> Option<f64> {
    let (pin, pout, pread, pwrite) = price(call["response_model"].as_str()?)?;
    let u = &call["usage"];
    let n = |k: &str| u[k].as_u64().unwrap_or(0);
    let (uncached, read, write, output) = if call["provider"] == "anthropic" {
        (n("input_tokens"), n("cache_read_input_tokens"), n("cache_creation_input_tokens"), n("output_tokens"))
    } else if u.get("completion_tokens").is_some() {
        (n("prompt_tokens") - n("cached_tokens"), n("cached_tokens"), 0, n("completion_tokens"))
    } else {
        (n("prompt_tokens"), 0, 0, 0)
    };
    let (uncached, read, write) =
        if span_reports_cache { (uncached, read, write) } else { (uncached + read + write, 0, 0) };
    Some(per_m(uncached, pin) + per_m(read, pread) + per_m(write, pwrite) + per_m(output, pout))
}

/// What a capture is known to contain beyond one billed span per call: (calls billed twice, calls with no span).
/// langchain_openinference: OpenInference's LangChain and OpenAI instrumentations together (0.1.80 / 0.1.66) start
/// the OpenAI span as a new root instead of a child of ChatOpenAI, so the call is in two traces and no per-trace
/// rule sees both (README "Limits"); and the LangChain instrumentation records no span for OpenAIEmbeddings.
fn known_gaps(capture: &str) -> (usize, usize) {
    match capture {
        "langchain_openinference.json" => (1, 1),
        _ => (0, 0),
    }
}

/// (gen_ai.conversation.id, gen_ai.conversation.turn) as a span carries them.
type ConversationTurn = (Option<String>, Option<i64>);

/// The name the capture scenarios give a span they write by hand, with usage but no call to the server.
const MANUAL_SPAN: &str = "self_hosted_llm";

const MODEL_KEYS: &[&str] = &[
    "gen_ai.response.model",
    "llm.model_name",
    "langfuse.observation.model.name",
    "embedding.model_name",
    "gen_ai.request.model",
];

const CACHE_KEYS: &[&str] = &[
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.cache_write.input_tokens",
    "llm.token_count.prompt_details.cache_read",
    "llm.token_count.prompt_details.cache_write",
    "ai.usage.cachedInputTokens",
    "ai.usage.inputTokenDetails.cacheReadTokens",
    "ai.usage.inputTokenDetails.cacheWriteTokens",
];

#[test]
fn every_captured_library_bills_each_call_once_and_exactly() {
    let files = captures();
    assert!(files.len() >= 8, "captures present: {files:?}");
    let mut problems = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let doc: J = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let spans: Vec<Span> = doc["spans"].as_array().unwrap().iter().map(span_of).collect();
        let calls = doc["fake_log"].as_array().cloned().unwrap_or_default();
        let p = processor(r#"{"pricing": {"acme-priced": {"input": 1.0, "output": 2.0}}}"#);
        let out = decode(&p.enrich(&batch(spans.iter().cloned().map(Sp).collect())).unwrap());

        let mut billed = 0;
        let mut by_trace: HashMap<Vec<u8>, HashSet<ConversationTurn>> = HashMap::new();
        // Priced spans to check against the server's log: (span name, model, response id, reports cache, cost).
        let mut priced = Vec::new();
        for (orig, got) in spans.iter().zip(out.spans()) {
            assert_eq!(&got.attributes[..orig.attributes.len()], orig.attributes.as_slice(), "{name}: originals kept");
            let attr = |k: &str| got.attributes.iter().find(|a| a.key == k).and_then(|a| a.value.clone()?.value);
            let s = |k: &str| match attr(k) {
                Some(Value::StringValue(v)) => Some(v),
                _ => None,
            };
            let status = s("gen_ai.l9.cost.status");
            // Spans the scenarios wrote by hand (with usage, but no server call behind them) are not calls.
            if matches!(status.as_deref(), Some("priced" | "unpriced_model" | "provided")) && got.name != MANUAL_SPAN {
                billed += 1;
            }
            let turn = match attr("gen_ai.conversation.turn") {
                Some(Value::IntValue(t)) => Some(t),
                _ => None,
            };
            by_trace.entry(got.trace_id.clone()).or_default().insert((s("gen_ai.conversation.id"), turn));
            if status.as_deref() != Some("priced") || got.name == MANUAL_SPAN {
                continue;
            }
            let Some(Value::DoubleValue(cost)) = attr("gen_ai.usage.cost_usd") else {
                problems.push(format!("{name}/{}: priced without a cost", got.name));
                continue;
            };
            let model = MODEL_KEYS.iter().find_map(|k| s(k)).unwrap_or_default();
            let reports_cache = orig.attributes.iter().any(|a| {
                CACHE_KEYS.contains(&a.key.as_str())
                    || (a.key == "langfuse.observation.usage_details"
                        && matches!(&a.value.as_ref().and_then(|v| v.value.clone()), Some(Value::StringValue(j)) if j.contains("cached_tokens") || j.contains("cache_")))
            });
            priced.push((
                got.name.clone(),
                model,
                s("gen_ai.response.id"),
                reports_cache,
                cost,
                got.start_time_unix_nano,
            ));
        }
        // Each priced span is matched to its call by response id, else to the next unmatched call of its model
        // in the order the calls were made.
        priced.sort_by_key(|p| p.5);
        let mut used = vec![false; calls.len()];
        for (span, model, rid, reports_cache, cost, _) in priced {
            let by_id = rid.as_deref().and_then(|r| calls.iter().position(|c| c["response_id"].as_str() == Some(r)));
            let by_model = || {
                (0..calls.len()).find(|&i| {
                    !used[i]
                        && [&calls[i]["response_model"], &calls[i]["request_model"]]
                            .iter()
                            .any(|m| m.as_str().is_some_and(|m| model.starts_with(m) || m.starts_with(model.as_str())))
                })
            };
            let Some(i) = by_id.or_else(by_model) else {
                if known_gaps(&name).0 == 0 {
                    problems.push(format!("{name}/{span}: priced, but matches no call to the server"));
                }
                continue;
            };
            used[i] = true;
            if let Some(expected) = expected_cost(&calls[i], reports_cache) {
                if (cost - expected).abs() > 1e-12 * expected.max(1e-9) {
                    problems.push(format!("{name}/{span}: cost {cost}, expected {expected}"));
                }
            }
        }
        let (twice, without_span) = known_gaps(&name);
        if billed != calls.len() + twice - without_span {
            problems.push(format!("{name}: {billed} billed spans for {} calls to the server", calls.len()));
        }
        for (trace, ids) in by_trace {
            if ids.len() != 1 {
                problems.push(format!("{name}: trace {trace:02x?} has differing conversation/turn: {ids:?}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
