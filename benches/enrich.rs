//! Throughput of the core on realistic batches, beside a prost decode+encode round trip of the same bytes (what a
//! "decode everything" design would pay before doing any work).
//!
//! `captured`: batches of about 1,000 spans replayed from the spans real instrumentation libraries emitted
//! (tests/e2e/captured), with fresh trace ids and conversations every iteration, through both interfaces: OTLP
//! bytes (`enrich`) and span records (`enrich_records`, what the collector's shim uses). `synthetic`: 100 traces
//! of 10 spans, with and without GenAI content; and the GenAI mix priced from a genai-prices file, by exact names
//! (`gpt-4o`) and by its clauses (Bedrock's `us.anthropic.claude-sonnet-4-5-20250929-v1:0`, matched by `contains`).
//!
//! Run: `cargo bench --bench enrich` (criterion prints time per batch and spans/s).

use std::hint::black_box;

#[path = "../tests/common/captured.rs"]
mod captured;
#[allow(dead_code)]
#[path = "../tests/common/records_host.rs"]
mod records_host;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use last9_genai::test_support::BatchIndex;
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
fn llm_span(t: usize, n: usize, (provider, model, response_model): (&str, &str, &str)) -> Vec<KeyValue> {
    vec![
        s("gen_ai.operation.name", "chat"),
        s("gen_ai.provider.name", provider),
        s("gen_ai.request.model", model),
        s("gen_ai.response.model", response_model),
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
fn batch(genai: bool, model: (&str, &str, &str)) -> Vec<u8> {
    let mut spans = Vec::new();
    for t in 0..TRACES {
        for n in 0..SPANS_PER_TRACE {
            let attrs = match (genai, n) {
                (true, 0) => vec![s("gen_ai.conversation.id", &format!("conv-{}", t % 20)), s("user.id", "u-1")],
                (true, 1..=3) => llm_span(t, n, model),
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

/// Where every trace id and conversation id sits in `b`, to stamp fresh ones in place each iteration.
fn offsets_of(b: &[u8], trace_ids: &std::collections::HashSet<Vec<u8>>) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let conv = captured::conversation_id(0);
    let prefix = &conv.as_bytes()[..5];
    let mut i = 0;
    while i + 16 <= b.len() {
        if trace_ids.contains(&b[i..i + 16]) {
            out.push((i, 16));
            i += 16;
        } else if b[i..].starts_with(prefix) && i + conv.len() <= b.len() {
            // The id's last 8 hex digits (the first 8 stay zero for the ids replay_batch makes).
            out.push((i + conv.len() - 8, 8));
            i += conv.len();
        } else {
            i += 1;
        }
    }
    out
}

fn stamp(b: &mut [u8], at: &[(usize, usize)], round: u64) {
    for &(o, n) in at {
        // The first 8 bytes of a trace id, or 8 hex digits of a conversation id: fresh each round.
        if n == 16 {
            b[o..o + 8].copy_from_slice(&round.to_be_bytes());
        } else {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            for (k, d) in b[o..o + 8].iter_mut().enumerate() {
                *d = HEX[(round >> (28 - 4 * k) & 0xf) as usize];
            }
        }
    }
}

/// A request's span count and its trace ids (the needles a round's fresh ids are stamped over).
fn spans_and_trace_ids(req: &ExportTraceServiceRequest) -> (usize, std::collections::HashSet<Vec<u8>>) {
    let spans = || req.resource_spans.iter().flat_map(|r| &r.scope_spans).flat_map(|s| &s.spans);
    (spans().count(), spans().map(|s| s.trace_id.clone()).collect())
}

fn bench_captured(c: &mut Criterion) {
    let captures: Vec<captured::Capture> = captured::captures().iter().map(|f| captured::load(f)).collect();
    let req = captured::replay_batch(&captures, 0, 1000, 3);
    let (spans, needles) = spans_and_trace_ids(&req);
    let traces = needles.len();

    let mut g = c.benchmark_group("captured");
    g.throughput(Throughput::Elements(spans as u64));
    let mut otlp = req.encode_to_vec();
    println!("captured batch: {spans} spans, {traces} traces, {} bytes ({} per span)", otlp.len(), otlp.len() / spans);
    let at = offsets_of(&otlp, &needles);
    let p = Processor::from_json(b"{}").unwrap();
    let mut round = 0u64;
    g.bench_function("last9_genai/otlp_bytes", |b| {
        b.iter(|| {
            round += 1;
            stamp(&mut otlp, &at, round);
            black_box(p.enrich(black_box(&otlp)).unwrap())
        })
    });
    let keys = records_host::KeyList::parse(&p.key_list());
    let mut records = records_host::to_records(&req, &keys, false, &[]);
    let at_records = offsets_of(&records, &needles);
    g.bench_function("last9_genai/span_records", |b| {
        b.iter(|| {
            round += 1;
            stamp(&mut records, &at_records, round);
            black_box(p.enrich_records_at(black_box(&records), std::time::Instant::now()).unwrap())
        })
    });
    g.bench_function("prost_round_trip", |b| {
        b.iter(|| {
            let req = ExportTraceServiceRequest::decode(black_box(otlp.as_slice())).unwrap();
            black_box(req.encode_to_vec())
        })
    });
    g.finish();

    // One trace per call (behind groupbytrace, or a trace-by-trace exporter): the per-call cost.
    let small = captured::replay_batch(&captures, 7, 1, 3);
    let (small_spans, small_ids) = spans_and_trace_ids(&small);
    let mut small_records = records_host::to_records(&small, &keys, false, &[]);
    let at_small = offsets_of(&small_records, &small_ids);
    let mut g = c.benchmark_group("captured_one_trace");
    g.throughput(Throughput::Elements(small_spans as u64));
    g.bench_function("last9_genai/span_records", |b| {
        b.iter(|| {
            round += 1;
            stamp(&mut small_records, &at_small, round);
            black_box(p.enrich_records_at(black_box(&small_records), std::time::Instant::now()).unwrap())
        })
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("synthetic");
    g.throughput(Throughput::Elements((TRACES * SPANS_PER_TRACE) as u64));
    let genai_file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/genai_prices_subset.json");
    let with_file = format!(r#"{{"max_traces": 20000, "pricing_file": {genai_file:?}}}"#);
    let plain = r#"{"max_traces": 20000}"#.to_owned();
    let gpt = ("openai", "gpt-4o", "gpt-4o-2024-08-06");
    // Bedrock's regional profile names are matched by the aws provider's `contains` clauses only.
    let bedrock = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    let claude = ("aws.bedrock", bedrock, bedrock);
    let cases = [
        ("genai_mix", true, gpt, &plain),
        ("no_genai", false, gpt, &plain),
        ("genai_mix_genai_prices_names", true, gpt, &with_file),
        ("genai_mix_genai_prices_clauses", true, claude, &with_file),
    ];
    for (name, genai, model, config) in cases {
        let mut input = batch(genai, model);
        let offsets = trace_id_offsets(&input);
        let p = Processor::from_json(config.as_bytes()).unwrap();
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

criterion_group!(benches, bench_captured, bench);
criterion_main!(benches);
