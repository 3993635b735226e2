//! Spans real instrumentation libraries emitted (tests/e2e/captured), as prost spans, and batches built from them
//! the way a collector receives them: many small traces of many libraries, fresh ids, many conversations.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value::Value, AnyValue, ArrayValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{span::Event, ResourceSpans, ScopeSpans, Span};
use serde_json::Value as J;

/// Every conversation key of the default alias list: a replay gives each capture a fresh conversation.
pub const CONVERSATION_KEYS: &[&str] = &[
    "gen_ai.conversation.id",
    "session.id",
    "langfuse.session.id",
    "traceloop.association.properties.session_id",
    "gen_ai.session.id",
    "ai.telemetry.metadata.sessionId",
];

pub fn any(v: &J) -> Option<Value> {
    let t = v["type"].as_str()?;
    let x = &v["value"];
    Some(match t {
        "string" => Value::StringValue(x.as_str()?.into()),
        "int" => Value::IntValue(x.as_i64()?),
        "double" => Value::DoubleValue(x.as_f64()?),
        "bool" => Value::BoolValue(x.as_bool()?),
        t if t.starts_with("array<") => {
            let inner = &t[6..t.len() - 1];
            let values = x
                .as_array()?
                .iter()
                .filter_map(|e| any(&serde_json::json!({"type": inner, "value": e})))
                .map(|v| AnyValue { value: Some(v) })
                .collect();
            Value::ArrayValue(ArrayValue { values })
        }
        _ => return None,
    })
}

fn hex(s: &J) -> Vec<u8> {
    let s = s.as_str().unwrap_or("");
    (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap()).collect()
}

fn attributes(j: &J) -> Vec<KeyValue> {
    j.as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| {
                    Some(KeyValue {
                        key: k.clone(),
                        value: Some(AnyValue { value: Some(any(v)?) }),
                        ..Default::default()
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

pub fn span_of(s: &J) -> Span {
    Span {
        trace_id: hex(&s["trace_id"]),
        span_id: hex(&s["span_id"]),
        parent_span_id: hex(&s["parent_span_id"]),
        name: s["name"].as_str().unwrap().into(),
        start_time_unix_nano: s["start_time_unix_nano"].as_u64().unwrap(),
        end_time_unix_nano: s["end_time_unix_nano"].as_u64().unwrap(),
        attributes: attributes(&s["attributes"]),
        events: s["events"]
            .as_array()
            .map(|e| e.iter().filter_map(|n| Some(Event { name: n.as_str()?.into(), ..Default::default() })).collect())
            .unwrap_or_default(),
        ..Default::default()
    }
}

pub fn captures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/captured");
    let mut files: Vec<PathBuf> = [dir.clone(), dir.join("extra")]
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// One capture: its spans, each with the resource and scope it was emitted under.
pub struct Capture {
    pub spans: Vec<(Vec<KeyValue>, String, Span)>,
}

pub fn load(file: &Path) -> Capture {
    let doc: J = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let spans = doc["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (attributes(&s["resource"]), s["scope"]["name"].as_str().unwrap_or("").to_string(), span_of(s)))
        .collect();
    Capture { spans }
}

fn remap(id: &[u8], salt: u64) -> Vec<u8> {
    if id.iter().all(|&b| b == 0) {
        return id.to_vec();
    }
    let mut out = id.to_vec();
    let n = out.len().min(8);
    let mut head = [0u8; 8];
    head[..n].copy_from_slice(&out[..n]);
    let x = u64::from_be_bytes(head) ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(1);
    out[..n].copy_from_slice(&x.to_be_bytes()[..n]);
    out
}

/// A fixed-width conversation id, so that a batch can be given fresh ones in place.
pub fn conversation_id(n: u64) -> String {
    format!("conv-{n:016x}")
}

/// Replays captures round-robin (capture `first`, `first + 1`, ...) until the batch holds at least `spans`
/// spans: fresh trace and span ids per replay, a new conversation every `turns` replays. Spans are grouped by
/// resource and scope, as SDK exporters send them.
pub fn replay_batch(captures: &[Capture], first: u64, spans: usize, turns: u64) -> ExportTraceServiceRequest {
    let mut resource_spans: Vec<ResourceSpans> = Vec::new();
    let mut n = first;
    let mut count = 0;
    while count < spans {
        let c = &captures[(n % captures.len() as u64) as usize];
        let conv = conversation_id(n / turns);
        let mut rs_of_replay: Vec<ResourceSpans> = Vec::new();
        for (resource, scope, s) in &c.spans {
            let mut s = s.clone();
            s.trace_id = remap(&s.trace_id, n);
            s.span_id = remap(&s.span_id, n);
            s.parent_span_id = remap(&s.parent_span_id, n);
            for kv in &mut s.attributes {
                if CONVERSATION_KEYS.contains(&kv.key.as_str()) {
                    kv.value = Some(AnyValue { value: Some(Value::StringValue(conv.clone())) });
                }
            }
            let rs =
                match rs_of_replay.iter_mut().find(|r| r.resource.as_ref().map(|r| &r.attributes) == Some(resource)) {
                    Some(rs) => rs,
                    None => {
                        rs_of_replay.push(ResourceSpans {
                            resource: Some(Resource { attributes: resource.clone(), ..Default::default() }),
                            ..Default::default()
                        });
                        rs_of_replay.last_mut().unwrap()
                    }
                };
            let ss = match rs.scope_spans.iter_mut().position(|ss| ss.scope.as_ref().map(|x| &x.name) == Some(scope)) {
                Some(i) => &mut rs.scope_spans[i],
                None => {
                    rs.scope_spans.push(ScopeSpans {
                        scope: Some(InstrumentationScope { name: scope.clone(), ..Default::default() }),
                        ..Default::default()
                    });
                    rs.scope_spans.last_mut().unwrap()
                }
            };
            ss.spans.push(s);
            count += 1;
        }
        resource_spans.extend(rs_of_replay);
        n += 1;
    }
    ExportTraceServiceRequest { resource_spans }
}
