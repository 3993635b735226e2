//! Encoding the KeyValue attributes we add to a span (`Span.attributes` is field 9).

use super::varint::{encode_varint, varint_len};

const SPAN_ATTRIBUTES: u64 = 9;

fn tag(field: u64, wire_type: u64, out: &mut Vec<u8>) {
    encode_varint((field << 3) | wire_type, out);
}

/// Appends a whole `Span.attributes` entry whose AnyValue payload is `value` (already-encoded AnyValue bytes).
pub fn encode_kv_raw(key: &str, value: &[u8], out: &mut Vec<u8>) {
    let kv_len = 1
        + varint_len(key.len() as u64)
        + key.len()
        + 1
        + varint_len(value.len() as u64)
        + value.len();
    tag(SPAN_ATTRIBUTES, 2, out);
    encode_varint(kv_len as u64, out);
    tag(1, 2, out);
    encode_varint(key.len() as u64, out);
    out.extend_from_slice(key.as_bytes());
    tag(2, 2, out);
    encode_varint(value.len() as u64, out);
    out.extend_from_slice(value);
}

pub fn encode_kv_string(key: &str, value: &str, out: &mut Vec<u8>) {
    let mut v = Vec::with_capacity(value.len() + 3);
    tag(1, 2, &mut v);
    encode_varint(value.len() as u64, &mut v);
    v.extend_from_slice(value.as_bytes());
    encode_kv_raw(key, &v, out);
}

pub fn encode_kv_int(key: &str, value: i64, out: &mut Vec<u8>) {
    let mut v = Vec::with_capacity(11);
    tag(3, 0, &mut v);
    encode_varint(value as u64, &mut v);
    encode_kv_raw(key, &v, out);
}

pub fn encode_kv_double(key: &str, value: f64, out: &mut Vec<u8>) {
    let mut v = Vec::with_capacity(9);
    tag(4, 1, &mut v);
    v.extend_from_slice(&value.to_le_bytes());
    encode_kv_raw(key, &v, out);
}
