//! Base-128 varints as protobuf writes them.

use super::WireError;

/// Reads a varint at `*pos`, advancing it. At most 10 bytes; a longer run or the end of input is an error.
#[inline(always)]
pub fn decode_varint(buf: &[u8], pos: &mut usize) -> Result<u64, WireError> {
    // Tags and most lengths are one byte.
    if let Some(&b) = buf.get(*pos) {
        if b < 0x80 {
            *pos += 1;
            return Ok(u64::from(b));
        }
    }
    decode_varint_slow(buf, pos)
}

#[cold]
fn decode_varint_slow(buf: &[u8], pos: &mut usize) -> Result<u64, WireError> {
    let start = *pos;
    let mut value = 0u64;
    for i in 0..10 {
        let Some(&b) = buf.get(start + i) else {
            return Err(WireError { offset: start, what: "truncated varint" });
        };
        value |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            *pos = start + i + 1;
            return Ok(value);
        }
    }
    Err(WireError { offset: start, what: "varint longer than 10 bytes" })
}

#[inline]
/// Appends `v` as a protobuf varint.
pub fn encode_varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[inline]
pub fn varint_len(v: u64) -> usize {
    // 1 byte per started group of 7 significant bits; 0 still takes one byte.
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_lengths() {
        for v in [0u64, 1, 127, 128, 300, 16_383, 16_384, u32::MAX as u64, u64::MAX] {
            let mut out = Vec::new();
            encode_varint(v, &mut out);
            assert_eq!(out.len(), varint_len(v), "len of {v}");
            let mut pos = 0;
            assert_eq!(decode_varint(&out, &mut pos).unwrap(), v);
            assert_eq!(pos, out.len());
        }
    }

    #[test]
    fn truncated_and_overlong_are_errors() {
        let mut pos = 0;
        assert_eq!(decode_varint(&[0x80, 0x80], &mut pos).unwrap_err().what, "truncated varint");
        let mut pos = 0;
        assert!(decode_varint(&[0xff; 11], &mut pos).is_err());
    }
}
