//! Encoding the KeyValue attributes we add to a span.

use super::otlp::{any_value, key_value, span, tag, WireType};
use super::varint::{encode_varint, varint_len};

fn put_tag(field: u32, wire_type: WireType, out: &mut Vec<u8>) {
    encode_varint(tag(field, wire_type), out);
}

/// Writes the `Span.attributes` tag, the KeyValue length and the key; the caller then writes field 2 (the
/// AnyValue), whose encoded size, tag and length prefix included, is `value_field_len`.
fn kv_head(key: &str, value_field_len: usize, out: &mut Vec<u8>) {
    let kv_len = 1 + varint_len(key.len() as u64) + key.len() + value_field_len;
    put_tag(span::ATTRIBUTES, WireType::Len, out);
    encode_varint(kv_len as u64, out);
    put_tag(key_value::KEY, WireType::Len, out);
    encode_varint(key.len() as u64, out);
    out.extend_from_slice(key.as_bytes());
}

/// Appends a whole `Span.attributes` entry whose AnyValue payload is `value` (already-encoded AnyValue bytes).
pub fn encode_kv_raw(key: &str, value: &[u8], out: &mut Vec<u8>) {
    kv_head(key, 1 + varint_len(value.len() as u64) + value.len(), out);
    put_tag(key_value::VALUE, WireType::Len, out);
    encode_varint(value.len() as u64, out);
    out.extend_from_slice(value);
}

/// Appends a whole `Span.attributes` entry with a string value.
pub fn encode_kv_string(key: &str, value: &str, out: &mut Vec<u8>) {
    let any_len = 1 + varint_len(value.len() as u64) + value.len();
    kv_head(key, 1 + varint_len(any_len as u64) + any_len, out);
    put_tag(key_value::VALUE, WireType::Len, out);
    encode_varint(any_len as u64, out);
    put_tag(any_value::STRING_VALUE, WireType::Len, out);
    encode_varint(value.len() as u64, out);
    out.extend_from_slice(value.as_bytes());
}

pub fn encode_kv_int(key: &str, value: i64, out: &mut Vec<u8>) {
    let any_len = 1 + varint_len(value as u64);
    kv_head(key, 2 + any_len, out);
    put_tag(key_value::VALUE, WireType::Len, out);
    encode_varint(any_len as u64, out);
    put_tag(any_value::INT_VALUE, WireType::Varint, out);
    encode_varint(value as u64, out);
}

pub fn encode_kv_double(key: &str, value: f64, out: &mut Vec<u8>) {
    kv_head(key, 2 + 9, out);
    put_tag(key_value::VALUE, WireType::Len, out);
    encode_varint(9, out);
    put_tag(any_value::DOUBLE_VALUE, WireType::Fixed64, out);
    out.extend_from_slice(&value.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::super::{read_any_value, AnyValue, FieldReader, WireValue};
    use super::*;

    fn decode(buf: &[u8]) -> (String, AnyValue<'_>) {
        let f = FieldReader::new(buf, 0).next_field().unwrap().unwrap();
        assert_eq!(f.number, 9);
        assert_eq!(f.end, buf.len(), "one whole entry");
        let WireValue::Len(kv) = f.value else { panic!() };
        let mut r = FieldReader::new(kv, 0);
        let (mut k, mut v) = (String::new(), AnyValue::Empty);
        while let Some(x) = r.next_field().unwrap() {
            match (x.number, x.value) {
                (1, WireValue::Len(b)) => k = String::from_utf8(b.to_vec()).unwrap(),
                (2, WireValue::Len(b)) => v = read_any_value(b, 0).unwrap(),
                _ => panic!(),
            }
        }
        (k, v)
    }

    #[test]
    fn each_encoding_reads_back() {
        let mut b = Vec::new();
        encode_kv_string("k", &"x".repeat(200), &mut b);
        assert_eq!(decode(&b), ("k".into(), AnyValue::Str(&"x".repeat(200))));
        for i in [0i64, 1, 300, -1, i64::MAX] {
            let mut b = Vec::new();
            encode_kv_int("turn", i, &mut b);
            assert_eq!(decode(&b), ("turn".into(), AnyValue::Int(i)));
        }
        let mut b = Vec::new();
        encode_kv_double("gen_ai.usage.cost_usd", 0.0075, &mut b);
        assert_eq!(decode(&b), ("gen_ai.usage.cost_usd".into(), AnyValue::Double(0.0075)));
        let mut raw = Vec::new();
        encode_kv_raw("copy", &[0x18, 0x05], &mut raw);
        assert_eq!(decode(&raw), ("copy".into(), AnyValue::Int(5)));
    }
}
