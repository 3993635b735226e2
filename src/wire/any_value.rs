//! Reading an `AnyValue` (the value of a KeyValue attribute).

use super::fields::{FieldReader, WireValue};
use super::otlp::{any_value, tag_byte, WireType};
use super::WireError;

/// The scalar forms we read. Arrays, key-value lists and bytes are kept as `Other`: we never interpret them, and
/// they are copied untouched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AnyValue<'a> {
    Str(&'a str),
    Bool(bool),
    Int(i64),
    Double(f64),
    Other,
    Empty,
}

impl<'a> AnyValue<'a> {
    /// The value as text, for identifiers that some SDKs write as numbers.
    pub fn as_str(&self) -> Option<&'a str> {
        match *self {
            AnyValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            AnyValue::Int(i) => Some(i as f64),
            AnyValue::Double(d) if d.is_finite() => Some(d),
            AnyValue::Str(s) => s.trim().parse::<f64>().ok().filter(|d| d.is_finite()),
            _ => None,
        }
    }
}

/// `b` as text. Attribute values we read are short and almost always ASCII: checking that in one pass is several
/// times cheaper than the general validation, which remains for the rest.
#[inline]
pub fn utf8(b: &[u8]) -> Option<&str> {
    if b.iter().fold(0u8, |acc, &c| acc | c) < 0x80 {
        // SAFETY: every byte is below 0x80, so `b` is ASCII and therefore valid UTF-8.
        return Some(unsafe { std::str::from_utf8_unchecked(b) });
    }
    std::str::from_utf8(b).ok()
}

/// Parses the bytes of an AnyValue message. Per protobuf, when a oneof appears more than once the last one wins.
#[inline]
pub fn read_any_value(buf: &[u8], base: usize) -> Result<AnyValue<'_>, WireError> {
    // What encoders write: one field, a short string or a one-byte varint. Anything else takes the general path.
    const STRING: u8 = tag_byte(any_value::STRING_VALUE, WireType::Len);
    const INT: u8 = tag_byte(any_value::INT_VALUE, WireType::Varint);
    const DOUBLE: u8 = tag_byte(any_value::DOUBLE_VALUE, WireType::Fixed64);
    match buf {
        [STRING, len, rest @ ..] if *len < 0x80 && rest.len() == usize::from(*len) => {
            return Ok(utf8(rest).map_or(AnyValue::Other, AnyValue::Str));
        }
        [INT, x] if *x < 0x80 => return Ok(AnyValue::Int(i64::from(*x))),
        [DOUBLE, d @ ..] if d.len() == 8 => {
            return Ok(AnyValue::Double(f64::from_le_bytes(d.try_into().expect("8 bytes"))));
        }
        _ => {}
    }
    read_any_value_fields(buf, base)
}

fn read_any_value_fields(buf: &[u8], base: usize) -> Result<AnyValue<'_>, WireError> {
    let mut r = FieldReader::new(buf, base);
    let mut v = AnyValue::Empty;
    while let Some(f) = r.next_field()? {
        v = match (f.number, f.value) {
            (any_value::STRING_VALUE, WireValue::Len(b)) => match utf8(b) {
                Some(s) => AnyValue::Str(s),
                // Invalid UTF-8 in a proto3 string: other parsers reject it; we only decline to interpret it.
                None => AnyValue::Other,
            },
            (any_value::BOOL_VALUE, WireValue::Varint(x)) => AnyValue::Bool(x != 0),
            (any_value::INT_VALUE, WireValue::Varint(x)) => AnyValue::Int(x as i64),
            (any_value::DOUBLE_VALUE, WireValue::Fixed64(x)) => AnyValue::Double(f64::from_bits(x)),
            (any_value::ARRAY_VALUE | any_value::KVLIST_VALUE | any_value::BYTES_VALUE, WireValue::Len(_)) => {
                AnyValue::Other
            }
            _ => continue,
        };
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_checked_whatever_its_bytes() {
        assert_eq!(utf8(b"gpt-4o"), Some("gpt-4o"));
        assert_eq!(utf8("café".as_bytes()), Some("café"));
        assert_eq!(utf8(&[b'a', 0xff]), None);
        assert_eq!(utf8(b""), Some(""));
    }

    #[test]
    fn reads_scalars() {
        assert_eq!(read_any_value(&[0x0a, 2, b'4', b'2'], 0).unwrap(), AnyValue::Str("42"));
        assert_eq!(read_any_value(&[0x18, 0x96, 0x01], 0).unwrap(), AnyValue::Int(150));
        let mut d = vec![0x21];
        d.extend_from_slice(&12.0f64.to_le_bytes());
        assert_eq!(read_any_value(&d, 0).unwrap(), AnyValue::Double(12.0));
        assert_eq!(read_any_value(&[0x10, 1], 0).unwrap(), AnyValue::Bool(true));
        assert_eq!(read_any_value(&[], 0).unwrap(), AnyValue::Empty);
        let neg = [0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(read_any_value(&neg, 0).unwrap(), AnyValue::Int(-1));
    }
}
