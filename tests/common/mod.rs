//! Builders for OTLP batches (with the prost types of opentelemetry-proto) and readers for enriched output.
#![allow(dead_code)]

use std::collections::HashMap;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value::Value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;

pub mod captured;
pub mod records_host;

/// The core itself, for tests that drive one handle from many threads.
pub use last9_genai::Processor as Core;

pub fn trace_id(n: u8) -> Vec<u8> {
    let mut t = vec![0xab; 16];
    t[15] = n;
    t[0] = n;
    t
}

pub fn span_id(n: u64) -> Vec<u8> {
    if n == 0 {
        Vec::new()
    } else {
        n.to_be_bytes().to_vec()
    }
}

/// A span under construction: `sp(trace, id, parent, name)` then `.s(key, str)`, `.i(key, int)`, `.d(key, f64)`.
#[derive(Clone)]
pub struct Sp(pub Span);

pub fn sp(trace: u8, id: u64, parent: u64, name: &str) -> Sp {
    Sp(Span {
        trace_id: trace_id(trace),
        span_id: span_id(id),
        parent_span_id: span_id(parent),
        name: name.into(),
        start_time_unix_nano: 1_700_000_000_000_000_000 + id * 1000 + u64::from(trace) * 1_000_000_000,
        end_time_unix_nano: 1_700_000_000_000_000_000 + id * 1000 + u64::from(trace) * 1_000_000_000 + 500,
        kind: 1,
        ..Default::default()
    })
}

fn kv(key: &str, v: Value) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(v) }), ..Default::default() }
}

impl Sp {
    pub fn s(mut self, k: &str, v: &str) -> Sp {
        self.0.attributes.push(kv(k, Value::StringValue(v.into())));
        self
    }
    pub fn i(mut self, k: &str, v: i64) -> Sp {
        self.0.attributes.push(kv(k, Value::IntValue(v)));
        self
    }
    pub fn d(mut self, k: &str, v: f64) -> Sp {
        self.0.attributes.push(kv(k, Value::DoubleValue(v)));
        self
    }
    pub fn start(mut self, t: u64) -> Sp {
        self.0.start_time_unix_nano = t;
        self
    }
    /// Starts a second before `t` (Unix nanos) and ends at `t`.
    pub fn ended_at(mut self, t: u64) -> Sp {
        self.0.start_time_unix_nano = t - 1_000_000_000;
        self.0.end_time_unix_nano = t;
        self
    }
    /// An OpenAI-style chat call through the OTel GenAI conventions.
    pub fn chat(self, model: &str, input: i64, output: i64) -> Sp {
        self.s("gen_ai.operation.name", "chat")
            .s("gen_ai.provider.name", "openai")
            .s("gen_ai.request.model", model)
            .i("gen_ai.usage.input_tokens", input)
            .i("gen_ai.usage.output_tokens", output)
    }
}

pub fn request(spans: Vec<Sp>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv("service.name", Value::StringValue("test-app".into()))],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope { name: "test".into(), ..Default::default() }),
                spans: spans.into_iter().map(|s| s.0).collect(),
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

pub fn batch(spans: Vec<Sp>) -> Vec<u8> {
    request(spans).encode_to_vec()
}

/// Two cores with one configuration: every batch goes through the OTLP bytes interface of one and the
/// span-record interface of the other, and the two results must be the same spans with the same attributes.
/// Tests read the bytes interface's result.
pub struct Processor {
    main: Core,
    twin: Core,
    keys: records_host::KeyList,
    /// Set once a batch could not be given to the twin (input prost rejects): the two memories differ from then.
    diverged: std::sync::atomic::AtomicBool,
}

impl Processor {
    pub fn enrich(&self, input: &[u8]) -> Result<Vec<u8>, last9_genai::WireError> {
        self.enrich_at(input, std::time::Instant::now())
    }

    pub fn enrich_at(&self, input: &[u8], now: std::time::Instant) -> Result<Vec<u8>, last9_genai::WireError> {
        use std::sync::atomic::Ordering::Relaxed;
        let out = self.main.enrich_at(input, now);
        if self.diverged.load(Relaxed) {
            return out;
        }
        let Ok(mut req) = ExportTraceServiceRequest::decode(input) else {
            self.diverged.store(out.is_ok(), Relaxed);
            return out;
        };
        let records = records_host::to_records(&req, &self.keys, false, &[]);
        let response = self.twin.enrich_records_at(&records, now).expect("records of a valid request");
        if let Some(r) = response {
            assert!(records_host::apply(&mut req, &r, &self.keys).is_empty(), "nothing held unless asked");
        }
        let main =
            ExportTraceServiceRequest::decode(out.as_ref().expect("a request prost reads is one we read").as_slice())
                .expect("output decodes");
        assert_same_spans(&main, &req);
        out
    }

    /// Reloads the prices of both interfaces' processors; the main one's result.
    pub fn reload_prices(&self) -> Result<(), last9_genai::ConfigError> {
        let twin = self.twin.reload_prices();
        let main = self.main.reload_prices();
        assert_eq!(main.is_ok(), twin.is_ok());
        main
    }

    pub fn stats_json(&self) -> String {
        self.main.stats_json()
    }

    pub fn export_state(&self) -> Vec<u8> {
        self.main.export_state()
    }

    /// Restores into both cores; they must agree.
    pub fn restore_state(&self, checkpoint: &[u8]) -> Result<last9_genai::Restored, last9_genai::CheckpointError> {
        let main = self.main.restore_state(checkpoint);
        assert_eq!(main, self.twin.restore_state(checkpoint), "both interfaces restore alike");
        main
    }

    pub fn expire_at(&self, now: std::time::Instant) {
        self.main.expire_at(now)
    }
}

/// Same spans in the same order, each with the same attributes (in any order: a put replaces a roll-up in place
/// on the record side, the bytes side drops it and appends).
#[track_caller]
pub fn assert_same_spans(a: &ExportTraceServiceRequest, b: &ExportTraceServiceRequest) {
    let flat = |r: &ExportTraceServiceRequest| -> Vec<Span> {
        r.resource_spans.iter().flat_map(|r| r.scope_spans.iter()).flat_map(|s| s.spans.iter().cloned()).collect()
    };
    let (sa, sb) = (flat(a), flat(b));
    assert_eq!(sa.len(), sb.len());
    for (x, y) in sa.into_iter().zip(sb) {
        // Attributes compared encoded and as a multiset: a NaN value is not equal to itself, and the relative
        // order of repeated keys is not part of the contract.
        let encoded = |s: &Span| {
            let mut v: Vec<Vec<u8>> = s.attributes.iter().map(|kv| kv.encode_to_vec()).collect();
            v.sort();
            v
        };
        let rest = |s: &Span| Span { attributes: vec![], ..s.clone() }.encode_to_vec();
        if encoded(&x) != encoded(&y) || rest(&x) != rest(&y) {
            let show = |s: &Span| s.attributes.iter().map(|a| format!("{}={:?}", a.key, a.value)).collect::<Vec<_>>();
            let (a, b) = (show(&x), show(&y));
            let only_a: Vec<_> = a.iter().filter(|k| !b.contains(k)).collect();
            let only_b: Vec<_> = b.iter().filter(|k| !a.contains(k)).collect();
            panic!("the two interfaces disagree on span {:?}: bytes only {only_a:?}, records only {only_b:?}", x.name);
        }
    }
}

/// One batch through the span-record interface of `core`, applied as a host would.
pub fn enrich_records(core: &Core, keys: &records_host::KeyList, spans: Vec<Sp>) -> Out {
    let mut req = request(spans);
    let records = records_host::to_records(&req, keys, false, &[]);
    if let Some(r) = core.enrich_records_at(&records, std::time::Instant::now()).expect("enrich records") {
        records_host::apply(&mut req, &r, keys);
    }
    Out { req }
}

pub fn processor(json: &str) -> Processor {
    let main = Core::from_json(json.as_bytes()).expect("config");
    let twin = Core::from_json(json.as_bytes()).expect("config");
    let keys = records_host::KeyList::parse(&twin.key_list());
    Processor { main, twin, keys, diverged: Default::default() }
}

/// A typed attribute value read back from output.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    S(String),
    I(i64),
    D(f64),
    B(bool),
    Other,
}

pub struct Out {
    pub req: ExportTraceServiceRequest,
}

pub fn decode(bytes: &[u8]) -> Out {
    Out { req: ExportTraceServiceRequest::decode(bytes).expect("output decodes as OTLP") }
}

pub fn enrich(p: &Processor, spans: Vec<Sp>) -> Out {
    decode(&p.enrich(&batch(spans)).expect("enrich"))
}

impl Out {
    pub fn spans(&self) -> impl Iterator<Item = &Span> {
        self.req.resource_spans.iter().flat_map(|r| r.scope_spans.iter()).flat_map(|s| s.spans.iter())
    }

    pub fn span(&self, id: u64) -> &Span {
        let want = span_id(id);
        self.spans().find(|s| s.span_id == want).unwrap_or_else(|| panic!("span {id} not in output"))
    }

    /// Attributes of span `id`; panics if a key appears twice (we must never duplicate a key).
    pub fn attrs(&self, id: u64) -> HashMap<String, V> {
        let mut m = HashMap::new();
        for a in &self.span(id).attributes {
            let v = match a.value.as_ref().and_then(|v| v.value.as_ref()) {
                Some(Value::StringValue(s)) => V::S(s.clone()),
                Some(Value::IntValue(i)) => V::I(*i),
                Some(Value::DoubleValue(d)) => V::D(*d),
                Some(Value::BoolValue(b)) => V::B(*b),
                _ => V::Other,
            };
            assert!(m.insert(a.key.clone(), v).is_none(), "span {id}: key {} appears twice", a.key);
        }
        m
    }

    pub fn get(&self, id: u64, key: &str) -> Option<V> {
        self.attrs(id).get(key).cloned()
    }

    pub fn str(&self, id: u64, key: &str) -> Option<String> {
        match self.get(id, key) {
            Some(V::S(s)) => Some(s),
            None => None,
            other => panic!("span {id} {key}: expected a string, got {other:?}"),
        }
    }

    pub fn int(&self, id: u64, key: &str) -> Option<i64> {
        match self.get(id, key) {
            Some(V::I(i)) => Some(i),
            None => None,
            other => panic!("span {id} {key}: expected an int, got {other:?}"),
        }
    }

    pub fn f64(&self, id: u64, key: &str) -> Option<f64> {
        match self.get(id, key) {
            Some(V::D(d)) => Some(d),
            None => None,
            other => panic!("span {id} {key}: expected a double, got {other:?}"),
        }
    }

    pub fn status(&self, id: u64) -> Option<String> {
        self.str(id, "gen_ai.l9.cost.status")
    }

    pub fn cost(&self, id: u64) -> Option<f64> {
        self.f64(id, "gen_ai.usage.cost_usd")
    }

    /// Every `gen_ai.usage.cost_usd` in the batch, in span order.
    pub fn costs(&self) -> Vec<f64> {
        self.spans()
            .flat_map(|s| s.attributes.iter())
            .filter(|a| a.key == "gen_ai.usage.cost_usd")
            .map(|a| match a.value.as_ref().and_then(|v| v.value.as_ref()) {
                Some(Value::DoubleValue(d)) => *d,
                other => panic!("gen_ai.usage.cost_usd is not a double: {other:?}"),
            })
            .collect()
    }
}

/// Per-million price arithmetic written out independently of the crate's formula.
pub fn per_m(tokens: u64, usd_per_million: f64) -> f64 {
    tokens as f64 * usd_per_million / 1_000_000.0
}

/// Relative comparison for sums of products (exactness is asserted where the arithmetic is exact).
#[track_caller]
pub fn close(actual: f64, expected: f64) {
    let tol = 1e-12 * expected.abs().max(1e-9);
    assert!((actual - expected).abs() <= tol, "expected {expected}, got {actual}");
}
