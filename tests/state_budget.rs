//! The state stays within its byte budget whatever the ids clients send. Its own test binary: the process's
//! resident memory is part of what is checked, so nothing else may run beside it.
mod common;
use common::*;

use std::sync::Mutex;

use prost::Message;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("statm");
    let pages: usize = statm.split_whitespace().nth(1).expect("rss field").parse().expect("number");
    pages * 4096
}

fn stats(p: &Core) -> serde_json::Value {
    serde_json::from_str(&p.stats_json()).expect("stats json")
}

fn twin_stats(p: &Processor) -> serde_json::Value {
    serde_json::from_str(&p.stats_json()).expect("stats json")
}

fn u(v: &serde_json::Value) -> usize {
    v.as_u64().expect("a count") as usize
}

/// Where `needle` sits in `hay` (the encoded batch), to rewrite ids in place between calls.
fn offset_of(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).position(|w| w == needle).expect("present")
}

fn stamp(buf: &mut [u8], at: usize, n: u64) {
    buf[at..at + 16].copy_from_slice(format!("{n:016x}").as_bytes());
}

#[test]
fn a_hundred_thousand_megabyte_conversation_ids_stay_within_the_budget() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let budget = 64usize << 20;
    let p = Core::from_json(br#"{"max_state_mib": 64, "max_traces": 10000, "max_conversations": 50000}"#).unwrap();
    // One GenAI span per trace carrying a 1 MB conversation id; the trace id and the id's head change each call.
    let id_head = b"CONVERSATION-ID:";
    let long_id = format!("{}{}", String::from_utf8_lossy(id_head), "x".repeat((1 << 20) - 16));
    let span = sp(1, 1, 0, "chat gpt-4o").chat("gpt-4o", 1000, 450).s("gen_ai.conversation.id", &long_id);
    let mut buf = batch(vec![span]);
    let id_at = offset_of(&buf, id_head);
    let trace_at = offset_of(&buf, &trace_id(1));

    let mut baseline = 0;
    for n in 0..100_000u64 {
        stamp(&mut buf, id_at, n);
        stamp(&mut buf[trace_at..], 0, n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let out = p.enrich(&buf).expect("enrich");
        // Enriched, the id passed on whole (the output is the input plus our attributes).
        assert!(out.len() > buf.len() && out.len() < buf.len() + 512, "call {n}");
        if n % 20_000 == 0 {
            let o = decode(&out);
            assert_eq!(o.str(1, "gen_ai.conversation.id").unwrap().as_bytes()[..32], buf[id_at..id_at + 32]);
            assert_eq!(o.int(1, "gen_ai.conversation.turn"), Some(1));
            close(o.cost(1).unwrap(), 0.007);
        }
        if n == 1_000 {
            baseline = rss_bytes();
        }
    }
    let s = stats(&p);
    assert!(u(&s["state_bytes"]) <= budget, "state_bytes {} over {budget}", s["state_bytes"]);
    assert_eq!(u(&s["state_bytes_limit"]), budget);
    // The count limit is split across shards and rounded up: a few over 50,000 at most.
    assert!((49_900..=50_032).contains(&u(&s["conversations_tracked"])), "{}", s["conversations_tracked"]);
    assert_eq!(u(&s["values_not_remembered"]), 100_000);
    let grown = rss_bytes().saturating_sub(baseline);
    assert!(grown < budget, "resident memory grew {} MiB after the first 1,000 calls", grown >> 20);
}

#[test]
fn ids_short_enough_to_remember_are_evicted_by_bytes_and_late_spans_still_get_them() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let p = processor(r#"{"max_state_mib": 16, "max_traces": 4000, "max_conversations": 4000}"#);
    let limit = u(&twin_stats(&p)["state_bytes_limit"]);
    let conv = |n: u64| format!("{n:016x}{}", "c".repeat(4000));
    let user = |n: u64| format!("{n:016x}{}", "u".repeat(3000));
    let mut req = request(vec![
        sp(1, 2, 1, "chat gpt-4o").chat("gpt-4o", 1000, 450),
        sp(1, 1, 0, "turn").s("gen_ai.conversation.id", &conv(0)).s("user.id", &user(0)),
    ]);
    for n in 0..20_000u64 {
        let tid = ((n as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835) | 1).to_be_bytes().to_vec();
        let spans = &mut req.resource_spans[0].scope_spans[0].spans;
        for s in spans.iter_mut() {
            s.trace_id = tid.clone();
        }
        let set = |s: &mut opentelemetry_proto::tonic::trace::v1::Span, v: String| {
            s.attributes[0].value.as_mut().unwrap().value =
                Some(opentelemetry_proto::tonic::common::v1::any_value::Value::StringValue(v));
        };
        set(&mut spans[1], conv(n));
        spans[1].attributes[1].value.as_mut().unwrap().value =
            Some(opentelemetry_proto::tonic::common::v1::any_value::Value::StringValue(user(n)));
        // Child first, root in a later batch: the root's trace cost must count the child.
        let mut child = req.clone();
        child.resource_spans[0].scope_spans[0].spans.truncate(1);
        let mut root = req.clone();
        root.resource_spans[0].scope_spans[0].spans.remove(0);
        p.enrich(&child.encode_to_vec()).unwrap();
        let out = decode(&p.enrich(&root.encode_to_vec()).unwrap());
        close(out.f64(1, "gen_ai.l9.trace.cost_usd").unwrap(), 0.007);
        if n % 1000 == 0 {
            let s = twin_stats(&p);
            assert!(u(&s["state_bytes"]) <= limit, "after {n}: {} > {limit}", s["state_bytes"]);
        }
    }
    let s = twin_stats(&p);
    assert!(u(&s["trace_evictions"]) > 0, "the byte budget, not the count, must have bounded the traces");
    assert!(u(&s["traces_tracked"]) < 4000, "{}", s["traces_tracked"]);
    assert_eq!(u(&s["values_not_remembered"]), 0);

    // A late span of the last trace gets the remembered ids.
    let mut late = request(vec![sp(1, 3, 1, "tool").s("gen_ai.operation.name", "execute_tool")]);
    late.resource_spans[0].scope_spans[0].spans[0].trace_id =
        req.resource_spans[0].scope_spans[0].spans[0].trace_id.clone();
    let out = decode(&p.enrich(&late.encode_to_vec()).unwrap());
    assert_eq!(out.str(3, "gen_ai.conversation.id"), Some(conv(19_999)));
    assert_eq!(out.str(3, "user.id"), Some(user(19_999)));
    assert_eq!(out.int(3, "gen_ai.conversation.turn"), Some(1));
}

#[test]
fn a_late_span_of_a_trace_whose_id_was_too_long_gets_the_turn_but_not_the_id() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let p = processor("{}");
    let long = "L".repeat(5000);
    enrich(&p, vec![sp(1, 1, 0, "turn").s("gen_ai.conversation.id", &long), sp(1, 2, 1, "c").chat("gpt-4o", 10, 1)]);
    let out = enrich(&p, vec![sp(1, 3, 1, "late").s("gen_ai.operation.name", "execute_tool")]);
    assert_eq!(out.str(3, "gen_ai.conversation.id"), None);
    assert_eq!(out.int(3, "gen_ai.conversation.turn"), Some(1));
    // The conversation itself is keyed by a digest of the whole id: its next trace is turn 2.
    let out = enrich(&p, vec![sp(2, 1, 0, "turn").s("gen_ai.conversation.id", &long)]);
    assert_eq!(out.int(1, "gen_ai.conversation.turn"), Some(2));
    assert_eq!(out.str(1, "gen_ai.conversation.id").as_deref(), Some(long.as_str()), "kept once, not written twice");
}
