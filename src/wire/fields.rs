//! Iterating the fields of one message: tag, wire type and value, each with the byte range it occupies.

use super::otlp::WireType;
use super::varint::decode_varint;
use super::WireError;

#[derive(Debug, Clone, Copy, PartialEq)]
/// A field's value by wire type; length-delimited payloads borrow the input.
pub enum WireValue<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1, little-endian.
    Fixed64(u64),
    /// Wire type 2: the payload.
    Len(&'a [u8]),
    /// Wire type 5, little-endian.
    Fixed32(u32),
}

/// One field of a message. `start..end` covers tag, length prefix and payload, relative to the buffer given to
/// the reader; `payload_start` is where a length-delimited payload begins.
#[derive(Debug, Clone, Copy)]
pub struct Field<'a> {
    pub number: u32,
    pub value: WireValue<'a>,
    pub start: usize,
    pub payload_start: usize,
    pub end: usize,
}

/// Reads fields one by one from a message's bytes. `base` is added to every reported offset so that positions
/// (in fields and errors) are absolute within the whole batch.
pub struct FieldReader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> FieldReader<'a> {
    /// A reader over `buf`, whose first byte is at absolute offset `base` of the batch.
    pub fn new(buf: &'a [u8], base: usize) -> Self {
        FieldReader { buf, pos: 0, base }
    }

    fn err(&self, at: usize, what: &'static str) -> WireError {
        WireError { offset: self.base + at, what }
    }

    /// The next field, `None` at the end, or an error for anything a protobuf parser would reject.
    #[inline(always)]
    pub fn next_field(&mut self) -> Result<Option<Field<'a>>, WireError> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let start = self.pos;
        let mut pos = self.pos;
        let key = decode_varint(self.buf, &mut pos).map_err(|e| self.err(start, e.what))?;
        let number = key >> 3;
        if number == 0 || number > u64::from(u32::MAX >> 3) {
            return Err(self.err(start, "invalid field number"));
        }
        let Some(wire_type) = WireType::from_tag(key) else {
            // Groups (3, 4) are proto2-only and never appear in OTLP; 6 and 7 are not wire types.
            return Err(self.err(start, "unsupported wire type"));
        };
        let value = match wire_type {
            WireType::Varint => {
                WireValue::Varint(decode_varint(self.buf, &mut pos).map_err(|e| self.err(pos, e.what))?)
            }
            WireType::Fixed64 => {
                let bytes = self.take(pos, 8)?;
                pos += 8;
                WireValue::Fixed64(u64::from_le_bytes(bytes.try_into().expect("8 bytes")))
            }
            WireType::Len => {
                let at = pos;
                let len = decode_varint(self.buf, &mut pos).map_err(|e| self.err(at, e.what))?;
                let len = usize::try_from(len).map_err(|_| self.err(at, "length does not fit in memory"))?;
                let payload = self.take(pos, len)?;
                let payload_start = pos;
                pos += len;
                self.pos = pos;
                return Ok(Some(Field {
                    number: number as u32,
                    value: WireValue::Len(payload),
                    start: self.base + start,
                    payload_start: self.base + payload_start,
                    end: self.base + pos,
                }));
            }
            WireType::Fixed32 => {
                let bytes = self.take(pos, 4)?;
                pos += 4;
                WireValue::Fixed32(u32::from_le_bytes(bytes.try_into().expect("4 bytes")))
            }
        };
        self.pos = pos;
        Ok(Some(Field {
            number: number as u32,
            value,
            start: self.base + start,
            payload_start: self.base + pos,
            end: self.base + pos,
        }))
    }

    #[inline(always)]
    fn take(&self, at: usize, len: usize) -> Result<&'a [u8], WireError> {
        at.checked_add(len)
            .and_then(|end| self.buf.get(at..end))
            .ok_or_else(|| self.err(at, "field runs past the end of its message"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_wire_type_with_ranges() {
        // field 1 varint 150, field 2 len "hi", field 3 fixed64 1, field 4 fixed32 2
        let buf = [0x08, 0x96, 0x01, 0x12, 0x02, b'h', b'i', 0x19, 1, 0, 0, 0, 0, 0, 0, 0, 0x25, 2, 0, 0, 0];
        let mut r = FieldReader::new(&buf, 100);
        let f = r.next_field().unwrap().unwrap();
        assert_eq!((f.number, f.value, f.start, f.end), (1, WireValue::Varint(150), 100, 103));
        let f = r.next_field().unwrap().unwrap();
        assert_eq!((f.number, f.value, f.payload_start, f.end), (2, WireValue::Len(b"hi"), 105, 107));
        assert_eq!(r.next_field().unwrap().unwrap().value, WireValue::Fixed64(1));
        assert_eq!(r.next_field().unwrap().unwrap().value, WireValue::Fixed32(2));
        assert!(r.next_field().unwrap().is_none());
    }

    #[test]
    fn rejects_overrun_groups_and_field_zero() {
        assert!(FieldReader::new(&[0x12, 0x05, b'a'], 0).next_field().is_err());
        assert!(FieldReader::new(&[0x0b], 0).next_field().is_err());
        assert!(FieldReader::new(&[0x00, 0x01], 0).next_field().is_err());
    }
}
