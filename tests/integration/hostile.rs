//! Hostile input: whatever a client sends, the core does not crash, does not hang, stays within its memory
//! bounds, passes on what it cannot read unchanged, and counts what it could not read.
use crate::common::*;

use last9_genai::test_support::{encode_kv_raw, encode_kv_string, encode_varint};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use prost::Message;

fn stats(p: &Core) -> serde_json::Value {
    serde_json::from_str(&p.stats_json()).unwrap()
}

fn core(json: &str) -> Core {
    Core::from_json(json.as_bytes()).unwrap()
}

/// Every input span is in the output with every one of its attributes, byte for byte.
fn assert_originals_kept(input: &[u8], output: &[u8]) {
    let (a, b) =
        (ExportTraceServiceRequest::decode(input).unwrap(), ExportTraceServiceRequest::decode(output).unwrap());
    let spans = |r: &ExportTraceServiceRequest| {
        r.resource_spans.iter().flat_map(|r| &r.scope_spans).flat_map(|s| s.spans.clone()).collect::<Vec<_>>()
    };
    let (sa, sb) = (spans(&a), spans(&b));
    assert_eq!(sa.len(), sb.len());
    // Compared encoded: a NaN attribute is not equal to itself.
    let bytes = |kvs: &[KeyValue]| kvs.iter().map(|kv| kv.encode_to_vec()).collect::<Vec<_>>();
    for (x, y) in sa.iter().zip(&sb) {
        assert_eq!(bytes(&y.attributes[..x.attributes.len()]), bytes(&x.attributes), "originals first, unchanged");
    }
}

#[test]
fn a_ten_megabyte_value_passes_through() {
    let p = core("{}");
    let big = "x".repeat(10 << 20);
    let input = batch(vec![
        sp(1, 1, 0, "turn").s("gen_ai.conversation.id", &big).s("gen_ai.input.messages", &big),
        sp(1, 2, 1, "chat").chat("gpt-4o", 10, 1),
    ]);
    let out = p.enrich(&input).unwrap();
    assert_originals_kept(&input, &out);
    let o = decode(&out);
    assert_eq!(o.str(2, "gen_ai.conversation.id").map(|s| s.len()), Some(10 << 20), "copied to the child");
    assert_eq!(stats(&p)["values_not_remembered"], 1);
}

#[test]
fn a_hundred_thousand_attributes_on_one_span() {
    let p = core("{}");
    let mut s = sp(1, 1, 0, "chat").chat("gpt-4o", 1000, 100);
    for i in 0..100_000 {
        s = if i % 2 == 0 { s.i("gen_ai.usage.input_tokens", i) } else { s.s(&format!("custom.k{i}"), "v") };
    }
    let input = batch(vec![s]);
    let out = p.enrich(&input).unwrap();
    assert_originals_kept(&input, &out);
    // The first count wins, as with any repeated key (the span's own keys repeat, so read the costs raw).
    close(decode(&out).costs()[0], per_m(1000, 2.5) + per_m(100, 10.0));
}

/// The encoded AnyValue `depth` levels of key-value lists deep, built from the inside out (prost would recurse once
/// per level to encode it, and so overflow the stack).
fn nested(depth: usize) -> Vec<u8> {
    let mut v = len_field(0x0a, b"leaf");
    for _ in 0..depth {
        let mut kv = len_field(0x0a, b"k");
        kv.extend(len_field(0x12, &v));
        v = len_field(0x32, &len_field(0x0a, &kv));
    }
    v
}

fn len_field(tag: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    encode_varint(payload.len() as u64, &mut out);
    out.extend_from_slice(payload);
    out
}

/// A span by hand (prost cannot encode or decode values this deep): trace 1, the given ids, encoded attributes.
fn raw_span(id: u8, parent: u8, attrs: &[u8]) -> Vec<u8> {
    let mut s = len_field(0x0a, &[1; 16]);
    s.extend(len_field(0x12, &[0, 0, 0, 0, 0, 0, 0, id]));
    if parent != 0 {
        s.extend(len_field(0x22, &[0, 0, 0, 0, 0, 0, 0, parent]));
    }
    s.extend_from_slice(attrs);
    len_field(0x12, &s)
}

#[test]
fn a_value_nested_ten_thousand_deep_is_copied_not_walked() {
    let deep = nested(10_000);
    let p = core(r#"{"propagate_keys": ["custom.deep"]}"#);
    let mut root_attrs = Vec::new();
    encode_kv_string("gen_ai.conversation.id", "c", &mut root_attrs);
    encode_kv_raw("custom.deep", &deep, &mut root_attrs);
    let mut child_attrs = Vec::new();
    encode_kv_string("gen_ai.operation.name", "chat", &mut child_attrs);
    let spans = [raw_span(1, 0, &root_attrs), raw_span(2, 1, &child_attrs)].concat();
    let input = len_field(0x0a, &len_field(0x12, &spans));
    let out = p.enrich(&input).unwrap();
    // The child got the deep value copied byte for byte; nothing walked into it.
    assert_eq!(out.windows(deep.len()).filter(|w| *w == deep.as_slice()).count(), 2, "on the root and the child");
}

#[test]
fn invalid_utf8_in_keys_and_values_is_passed_on_unread() {
    let p = core("{}");
    let good = batch(vec![sp(1, 1, 0, "chat").chat("gpt-4o", 10, 1).s("gen_ai.conversation.id", "cccc")]);
    // Corrupt the conversation id value and the model name into invalid UTF-8, and one key.
    let mut input = good.clone();
    for needle in [&b"cccc"[..], b"gpt-4o", b"gen_ai.provider.name"] {
        let at = input.windows(needle.len()).position(|w| w == needle).unwrap();
        input[at] = 0xff;
    }
    let out = p.enrich(&input).unwrap();
    // The span is still a call (usage), but its model cannot be read: unpriced, never a guess; nothing else changed.
    assert!(out.starts_with(&input[..input.len() - 1]) || out.len() > input.len());
    let s = stats(&p);
    assert_eq!(s["unpriced_model"], 1);
    assert!(s["values_unreadable"].as_u64().unwrap() >= 2, "{s}");
}

#[test]
fn token_counts_that_are_not_counts_are_counted_and_ignored() {
    let p = core("{}");
    let spans = vec![
        sp(1, 1, 0, "a")
            .s("gen_ai.request.model", "gpt-4o")
            .s("gen_ai.usage.input_tokens", "1000")
            .i("gen_ai.usage.output_tokens", 10),
        sp(2, 1, 0, "b")
            .s("gen_ai.request.model", "gpt-4o")
            .i("gen_ai.usage.input_tokens", -5)
            .i("gen_ai.usage.output_tokens", 10),
        sp(3, 1, 0, "c")
            .s("gen_ai.request.model", "gpt-4o")
            .d("gen_ai.usage.input_tokens", f64::NAN)
            .i("gen_ai.usage.output_tokens", 10),
        sp(4, 1, 0, "d")
            .s("gen_ai.request.model", "gpt-4o")
            .s("gen_ai.usage.input_tokens", "99999999999999999999999")
            .i("gen_ai.usage.output_tokens", 10),
        sp(5, 1, 0, "e")
            .s("gen_ai.request.model", "gpt-4o")
            .d("gen_ai.usage.input_tokens", 1e30)
            .i("gen_ai.usage.output_tokens", 10),
    ];
    let input = batch(spans);
    let out = p.enrich(&input).unwrap();
    assert_originals_kept(&input, &out);
    let o = decode(&out);
    // A numeric string is a count; the others are not read, and the call is billed for what it does report.
    let costs: Vec<f64> = o.costs();
    close(costs[0], per_m(1000, 2.5) + per_m(10, 10.0));
    for c in &costs[1..] {
        close(*c, per_m(10, 10.0));
    }
    assert_eq!(stats(&p)["values_unreadable"], 4);
}

#[test]
fn langfuse_usage_that_is_huge_or_deeply_nested_is_not_read() {
    let p = core("{}");
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let huge = format!(r#"{{"input": 10, "output": 1, "pad": "{}"}}"#, "p".repeat(5 << 20));
    let input = batch(vec![
        sp(1, 1, 0, "gen")
            .s("langfuse.observation.type", "generation")
            .s("gen_ai.request.model", "gpt-4o")
            .s("langfuse.observation.usage_details", &deep),
        sp(2, 1, 0, "gen")
            .s("langfuse.observation.type", "generation")
            .s("gen_ai.request.model", "gpt-4o")
            .s("langfuse.observation.usage_details", &huge),
    ]);
    let out = p.enrich(&input).unwrap();
    assert_originals_kept(&input, &out);
    let o = decode(&out);
    assert_eq!(o.cost(1), None, "nothing readable: no usage, no bill");
    close(o.costs()[0], per_m(10, 2.5) + per_m(1, 10.0));
    assert_eq!(stats(&p)["values_unreadable"], 1);
}

#[test]
fn one_trace_of_a_million_spans() {
    let p = core("{}");
    // A chain (each span the parent of the next), every span a call and a workflow top: the worst shape for
    // ancestry walks and roll-ups.
    let spans: Vec<Sp> = (1..=1_000_000u64)
        .map(|i| sp(1, i, i - 1, "chat").chat("gpt-4o", 10, 1).s("workflow.id", &format!("w{i}")))
        .collect();
    let input = batch(spans);
    let out = p.enrich(&input).unwrap();
    assert!(out.len() > input.len());
    let s = stats(&p);
    assert_eq!(s["spans_seen"], 1_000_000);
    assert!(s["spans_remembered"].as_u64().unwrap() <= 10_000);
    assert!(s["state_bytes"].as_u64().unwrap() <= s["state_bytes_limit"].as_u64().unwrap());
}

#[test]
fn a_batch_of_a_hundred_thousand_conversations() {
    let p = core("{}");
    let spans: Vec<Sp> = (0..100_000u32)
        .map(|i| {
            let mut s = sp(0, 1, 0, "turn").s("gen_ai.conversation.id", &format!("c{i}")).chat("gpt-4o", 10, 1);
            s.0.trace_id = [i.to_be_bytes(), [7; 4], [8; 4], [9; 4]].concat();
            s
        })
        .collect();
    let input = batch(spans);
    let out = decode(&p.enrich(&input).unwrap());
    assert_eq!(out.spans().count(), 100_000);
    let s = stats(&p);
    // The limit is split across shards: the fullest shards evict a few, and count them.
    let (tracked, evicted) =
        (s["conversations_tracked"].as_u64().unwrap(), s["conversation_evictions"].as_u64().unwrap());
    assert_eq!(tracked + evicted, 100_000);
    assert!(tracked > 99_000, "{tracked}");
    assert!(s["state_bytes"].as_u64().unwrap() <= s["state_bytes_limit"].as_u64().unwrap());
}
