//! The OTLP protobuf field numbers this crate reads and writes (opentelemetry-proto `trace/v1/trace.proto` and
//! `common/v1/common.proto`), and the protobuf wire types. Every reader and writer under `wire/` names them from
//! here; a field number that appears as a bare literal elsewhere is a bug.

/// Protobuf wire types (the low 3 bits of a field's tag). Groups (3, 4) are proto2-only and never appear in OTLP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum WireType {
    Varint = 0,
    Fixed64 = 1,
    Len = 2,
    Fixed32 = 5,
}

impl WireType {
    pub fn from_tag(tag: u64) -> Option<WireType> {
        Some(match tag & 7 {
            0 => WireType::Varint,
            1 => WireType::Fixed64,
            2 => WireType::Len,
            5 => WireType::Fixed32,
            _ => return None,
        })
    }
}

/// The tag of a field, as a varint value: `number << 3 | wire type`.
pub const fn tag(number: u32, wire_type: WireType) -> u64 {
    ((number as u64) << 3) | wire_type as u64
}

/// The one-byte tag of a field numbered below 16.
pub const fn tag_byte(number: u32, wire_type: WireType) -> u8 {
    assert!(number < 16, "a one-byte tag needs a field number below 16");
    tag(number, wire_type) as u8
}

/// `TracesData` / `ExportTraceServiceRequest`.
pub mod traces_data {
    pub const RESOURCE_SPANS: u32 = 1;
}

pub mod resource_spans {
    pub const RESOURCE: u32 = 1;
    pub const SCOPE_SPANS: u32 = 2;
}

pub mod scope_spans {
    pub const SPANS: u32 = 2;
}

pub mod span {
    pub const TRACE_ID: u32 = 1;
    pub const SPAN_ID: u32 = 2;
    pub const PARENT_SPAN_ID: u32 = 4;
    pub const NAME: u32 = 5;
    pub const START_TIME_UNIX_NANO: u32 = 7;
    pub const END_TIME_UNIX_NANO: u32 = 8;
    pub const ATTRIBUTES: u32 = 9;
    pub const FLAGS: u32 = 16;
}

pub mod key_value {
    pub const KEY: u32 = 1;
    pub const VALUE: u32 = 2;
}

/// `AnyValue`'s oneof.
pub mod any_value {
    pub const STRING_VALUE: u32 = 1;
    pub const BOOL_VALUE: u32 = 2;
    pub const INT_VALUE: u32 = 3;
    pub const DOUBLE_VALUE: u32 = 4;
    pub const ARRAY_VALUE: u32 = 5;
    pub const KVLIST_VALUE: u32 = 6;
    pub const BYTES_VALUE: u32 = 7;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_match_what_prost_writes() {
        use opentelemetry_proto::tonic::common::v1::{any_value::Value, AnyValue, KeyValue};
        use prost::Message;
        let kv = KeyValue {
            key: "k".into(),
            value: Some(AnyValue { value: Some(Value::IntValue(5)) }),
            ..Default::default()
        };
        let b = kv.encode_to_vec();
        assert_eq!(b[0], tag_byte(key_value::KEY, WireType::Len));
        assert_eq!(b[3], tag_byte(key_value::VALUE, WireType::Len));
        assert_eq!(b[5], tag_byte(any_value::INT_VALUE, WireType::Varint));
        assert_eq!(tag(span::FLAGS, WireType::Fixed32), 0x85);
        assert_eq!(WireType::from_tag(0x85), Some(WireType::Fixed32));
        assert_eq!(WireType::from_tag(3), None);
    }
}
