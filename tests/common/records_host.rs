//! A host of the span-record interface, written from its documented format: it turns an OTLP request into span
//! records, and applies the core's response to the request. Tests compare it with the OTLP bytes interface.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value::Value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use std::collections::HashMap;

pub struct KeyList {
    pub keys: Vec<String>,
    pub fixed: Vec<String>,
    index: HashMap<String, u16>,
}

fn read_list(b: &[u8], pos: &mut usize) -> Vec<String> {
    let n = u32::from_le_bytes(b[*pos..*pos + 4].try_into().unwrap()) as usize;
    *pos += 4;
    (0..n)
        .map(|_| {
            let len = u16::from_le_bytes(b[*pos..*pos + 2].try_into().unwrap()) as usize;
            *pos += 2;
            let s = String::from_utf8(b[*pos..*pos + len].to_vec()).unwrap();
            *pos += len;
            s
        })
        .collect()
}

impl KeyList {
    pub fn parse(b: &[u8]) -> KeyList {
        let mut pos = 0;
        let keys = read_list(b, &mut pos);
        let fixed = read_list(b, &mut pos);
        assert_eq!(pos, b.len());
        let index = keys.iter().enumerate().map(|(i, k)| (k.clone(), i as u16)).collect();
        KeyList { keys, fixed, index }
    }
}

fn fixed_id(b: &[u8], n: usize) -> Vec<u8> {
    let mut id = vec![0u8; n];
    let k = b.len().min(n);
    id[..k].copy_from_slice(&b[..k]);
    id
}

pub fn spans_mut(req: &mut ExportTraceServiceRequest) -> Vec<&mut Span> {
    req.resource_spans.iter_mut().flat_map(|r| r.scope_spans.iter_mut()).flat_map(|s| s.spans.iter_mut()).collect()
}

/// The request as span records; `held` says which trace ids the host holds spans of.
pub fn to_records(req: &ExportTraceServiceRequest, keys: &KeyList, may_hold: bool, held: &[Vec<u8>]) -> Vec<u8> {
    let spans: Vec<&Span> =
        req.resource_spans.iter().flat_map(|r| r.scope_spans.iter()).flat_map(|s| s.spans.iter()).collect();
    let mut out = Vec::new();
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&u32::from(may_hold).to_le_bytes());
    out.extend_from_slice(&(spans.len() as u32).to_le_bytes());
    for s in spans {
        out.extend_from_slice(&fixed_id(&s.trace_id, 16));
        out.extend_from_slice(&fixed_id(&s.span_id, 8));
        out.extend_from_slice(&fixed_id(&s.parent_span_id, 8));
        out.extend_from_slice(&s.start_time_unix_nano.to_le_bytes());
        out.extend_from_slice(&s.end_time_unix_nano.to_le_bytes());
        out.extend_from_slice(&s.flags.to_le_bytes());
        out.push(u8::from(held.contains(&s.trace_id)));
        out.extend_from_slice(&(s.name.len() as u16).to_le_bytes());
        out.extend_from_slice(s.name.as_bytes());
        let known: Vec<(u16, Vec<u8>)> = s
            .attributes
            .iter()
            .filter_map(|kv| Some((*keys.index.get(&kv.key)?, kv.value.clone().unwrap_or_default().encode_to_vec())))
            .collect();
        out.extend_from_slice(&(known.len() as u16).to_le_bytes());
        for (k, v) in known {
            out.extend_from_slice(&k.to_le_bytes());
            out.extend_from_slice(&(v.len() as u32).to_le_bytes());
            out.extend_from_slice(&v);
        }
    }
    out
}

struct Cursor<'a>(&'a [u8], usize);

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> &[u8] {
        let b = &self.0[self.1..self.1 + n];
        self.1 += n;
        b
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take(2).try_into().unwrap())
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take(4).try_into().unwrap())
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take(8).try_into().unwrap())
    }
}

/// Applies a response to the request it answers, as pdata's Map.Put would: a key the span has gets its value
/// replaced in place, a new key is appended. Returns the indexes of the spans to hold.
pub fn apply(req: &mut ExportTraceServiceRequest, response: &[u8], keys: &KeyList) -> Vec<usize> {
    let mut c = Cursor(response, 0);
    let (strings, ops, holds) = (c.u32(), c.u32(), c.u32());
    let strings: Vec<String> = (0..strings)
        .map(|_| {
            let n = c.u32() as usize;
            String::from_utf8(c.take(n).to_vec()).unwrap()
        })
        .collect();
    let mut spans = spans_mut(req);
    for _ in 0..ops {
        let span = c.u32() as usize;
        let key = keys.keys[c.u16() as usize].clone();
        let kind = c.take(1)[0];
        let value = match kind {
            1 => Value::StringValue(strings[c.u32() as usize].clone()),
            2 => Value::IntValue(c.u64() as i64),
            3 => Value::DoubleValue(f64::from_bits(c.u64())),
            4 => Value::StringValue(keys.fixed[c.u16() as usize].clone()),
            5 => {
                let n = c.u32() as usize;
                AnyValue::decode(c.take(n)).unwrap().value.unwrap()
            }
            k => panic!("unknown op kind {k}"),
        };
        let value = Some(AnyValue { value: Some(value) });
        let attrs = &mut spans[span].attributes;
        match attrs.iter_mut().find(|kv| kv.key == key) {
            Some(kv) => kv.value = value,
            None => attrs.push(KeyValue { key, value, ..Default::default() }),
        }
    }
    let held = (0..holds).map(|_| c.u32() as usize).collect();
    assert_eq!(c.1, response.len(), "response fully read");
    held
}
