//! Throughput of `Processor::enrich` on realistic batches, beside a prost decode+encode round trip of the same
//! bytes (what a "decode everything" design would pay before doing any work).
//!
//! Run: `cargo bench --bench enrich` (criterion prints time per batch and spans/s; each batch is 1,000 spans).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use last9_genai::wire::BatchIndex;
use last9_genai::Processor;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value::Value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;

const SPANS_PER_TRACE: usize = 10;
const TRACES: usize = 100;

fn kv(k: &str, v: Value) -> KeyValue {
    KeyValue { key: k.into(), value: Some(AnyValue { value: Some(v) }), ..Default::default() }
}

fn s(k: &str, v: &str) -> KeyValue {
    kv(k, Value::StringValue(v.into()))
}

fn i(k: &str, v: i64) -> KeyValue {
    kv(k, Value::IntValue(v))
}

/// A service's HTTP/DB spans: typical attribute load, nothing for us.
fn plain_span(t: usize, n: usize) -> Vec<KeyValue> {
    vec![
        s("http.request.method", "POST"),
        s("url.full", "https://api.example.com/v1/orders/12345?expand=items"),
        s("server.address", "api.example.com"),
        i("server.port", 443),
        i("http.response.status_code", 200),
        s("network.protocol.version", "1.1"),
        s("user_agent.original", "python-httpx/0.27.0"),
        s("db.system", "postgresql"),
        s("db.statement", "SELECT id, status FROM orders WHERE id = $1"),
        i("thread.id", (t * 31 + n) as i64),
    ]
}

/// An instrumented chat call with the usual OTel GenAI attributes.
fn llm_span(t: usize, n: usize) -> Vec<KeyValue> {
    vec![
        s("gen_ai.operation.name", "chat"),
        s("gen_ai.provider.name", "openai"),
        s("gen_ai.request.model", "gpt-4o"),
        s("gen_ai.response.model", "gpt-4o-2024-08-06"),
        s("gen_ai.response.id", &format!("chatcmpl-{t}-{n}")),
        i("gen_ai.usage.input_tokens", 1200),
        i("gen_ai.usage.output_tokens", 300),
        i("gen_ai.usage.cache_read.input_tokens", 512),
        s("server.address", "api.openai.com"),
        i("server.port", 443),
    ]
}

fn span(t: usize, n: usize, attributes: Vec<KeyValue>) -> Span {
    let mut trace_id = vec![7u8; 16];
    trace_id[8..16].copy_from_slice(&(t as u64 + 1).to_be_bytes());
    Span {
        trace_id,
        span_id: ((n + 1) as u64).to_be_bytes().to_vec(),
        parent_span_id: if n == 0 { vec![] } else { 1u64.to_be_bytes().to_vec() },
        name: format!("span-{n}"),
        start_time_unix_nano: 1_700_000_000_000_000_000 + (t * 100 + n) as u64,
        end_time_unix_nano: 1_700_000_000_000_000_500 + (t * 100 + n) as u64,
        attributes,
        ..Default::default()
    }
}

/// 100 traces x 10 spans. `genai`: each trace is a conversation turn (id on the root) with 3 LLM calls and a tool.
fn batch(genai: bool) -> Vec<u8> {
    let mut spans = Vec::new();
    for t in 0..TRACES {
        for n in 0..SPANS_PER_TRACE {
            let attrs = match (genai, n) {
                (true, 0) => vec![s("gen_ai.conversation.id", &format!("conv-{}", t % 20)), s("user.id", "u-1")],
                (true, 1..=3) => llm_span(t, n),
                (true, 4) => vec![s("gen_ai.operation.name", "execute_tool"), s("gen_ai.tool.name", "lookup")],
                _ => plain_span(t, n),
            };
            spans.push(span(t, n, attrs));
        }
    }
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource { attributes: vec![s("service.name", "bench")], ..Default::default() }),
            scope_spans: vec![ScopeSpans { spans, ..Default::default() }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

/// Offsets of every trace id in the batch, so each iteration can stamp fresh ids (a real stream never repeats
/// a trace; repeating one would turn every call into a duplicate and skip the work we want to measure).
fn trace_id_offsets(b: &[u8]) -> Vec<usize> {
    let idx = BatchIndex::parse(b).unwrap();
    idx.spans.iter().map(|s| s.head.trace_id.as_ptr() as usize - b.as_ptr() as usize).collect()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("enrich_1000_spans");
    g.throughput(Throughput::Elements((TRACES * SPANS_PER_TRACE) as u64));
    for (name, genai) in [("genai_mix", true), ("no_genai", false)] {
        let mut input = batch(genai);
        let offsets = trace_id_offsets(&input);
        let p = Processor::from_json(br#"{"max_traces": 20000}"#).unwrap();
        let mut counter = 0u64;
        g.bench_function(format!("last9_genai/{name}"), |b| {
            b.iter(|| {
                counter += 1;
                for &o in &offsets {
                    input[o..o + 8].copy_from_slice(&counter.to_be_bytes());
                }
                black_box(p.enrich(black_box(&input)).unwrap())
            })
        });
        g.bench_function(format!("prost_round_trip/{name}"), |b| {
            b.iter(|| {
                let req = ExportTraceServiceRequest::decode(black_box(input.as_slice())).unwrap();
                black_box(req.encode_to_vec())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
