//! Reading a span-record request (format in `mod.rs`) into a `Batch`.

use std::ops::Range;

use crate::batch::{Attr, Batch, SpanHead};
use crate::conventions::KeyTable;
use crate::wire::WireError;

pub const VERSION: u32 = 1;
/// Request flag: the host can hold spans back, so the core may ask it to.
pub const FLAG_MAY_HOLD: u32 = 1;
/// Span host flag: the host holds other spans of this span's trace.
pub const HOST_TRACE_HELD: u8 = 1;

struct RecordSpan<'a> {
    head: SpanHead<'a>,
    host_flags: u8,
    /// Where the span's attributes sit in the request (checked at parse, read again when the span is read).
    attrs: Range<usize>,
}

pub struct RecordBatch<'a> {
    pub flags: u32,
    buf: &'a [u8],
    spans: Vec<RecordSpan<'a>>,
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], WireError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let Some(end) = end else {
            return Err(WireError { offset: self.pos, what });
        };
        let b = &self.buf[self.pos..end];
        self.pos = end;
        Ok(b)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, WireError> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, WireError> {
        Ok(u16::from_le_bytes(self.take(2, what)?.try_into().expect("2 bytes")))
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, WireError> {
        Ok(u32::from_le_bytes(self.take(4, what)?.try_into().expect("4 bytes")))
    }

    fn u64(&mut self, what: &'static str) -> Result<u64, WireError> {
        Ok(u64::from_le_bytes(self.take(8, what)?.try_into().expect("8 bytes")))
    }
}

impl<'a> RecordBatch<'a> {
    /// Reads every record, checking lengths and key indexes; nothing is interpreted yet.
    pub fn parse(buf: &'a [u8], keys: &KeyTable) -> Result<RecordBatch<'a>, WireError> {
        let mut r = Reader { buf, pos: 0 };
        let version = r.u32("span records: truncated header")?;
        if version != VERSION {
            return Err(WireError { offset: 0, what: "span records: unknown version" });
        }
        let flags = r.u32("span records: truncated header")?;
        let count = r.u32("span records: truncated header")? as usize;
        // Every record takes at least 67 bytes: a count beyond what the input could hold is a lie.
        if count > buf.len() / 67 {
            return Err(WireError { offset: 8, what: "span records: more spans than the input can hold" });
        }
        let mut b = RecordBatch { flags, buf, spans: Vec::with_capacity(count) };
        for _ in 0..count {
            let short = "span records: truncated span";
            let trace_id = r.take(16, short)?;
            let span_id = r.take(8, short)?;
            let parent_span_id = r.take(8, short)?;
            let start = r.u64(short)?;
            let end = r.u64(short)?;
            let span_flags = r.u32(short)?;
            let host_flags = r.u8(short)?;
            let name_len = usize::from(r.u16(short)?);
            // A name we cannot read is only a name we do not match, as on the OTLP path.
            let name = crate::wire::utf8(r.take(name_len, short)?).unwrap_or("");
            let n = usize::from(r.u16(short)?);
            let first = r.pos;
            for _ in 0..n {
                let at = r.pos;
                let key = r.u16("span records: truncated attribute")?;
                if keys.info(key).is_none() {
                    return Err(WireError { offset: at, what: "span records: key index outside the key list" });
                }
                let len = r.u32("span records: truncated attribute")? as usize;
                r.take(len, "span records: attribute value runs past the end")?;
            }
            let head = SpanHead { trace_id, span_id, parent_span_id, name, start, end, flags: span_flags };
            b.spans.push(RecordSpan { head, host_flags, attrs: first..r.pos });
        }
        if r.pos != buf.len() {
            return Err(WireError { offset: r.pos, what: "span records: bytes after the last span" });
        }
        Ok(b)
    }

    pub fn may_hold(&self) -> bool {
        self.flags & FLAG_MAY_HOLD != 0
    }
}

impl<'a> Batch<'a> for RecordBatch<'a> {
    fn len(&self) -> usize {
        self.spans.len()
    }

    fn head(&self, i: usize) -> &SpanHead<'a> {
        &self.spans[i].head
    }

    fn known_attrs<'k>(&self, i: usize, keys: &'k KeyTable, mut f: impl FnMut(Attr<'a, 'k>)) {
        let range = self.spans[i].attrs.clone();
        let mut r = Reader { buf: &self.buf[..range.end], pos: range.start };
        // Every attribute was checked at parse: reading again cannot fail, and a failure would end the span's.
        while r.pos < range.end {
            let (Ok(key), Ok(len)) = (r.u16(""), r.u32("")) else { return };
            let offset = r.pos;
            let (Ok(value_bytes), Some(info)) = (r.take(len as usize, ""), keys.info(key)) else { return };
            f(Attr { index: key, info, value_bytes, value_offset: offset, range: (0, 0) });
        }
    }

    fn trace_is_held(&self, i: usize) -> bool {
        self.spans[i].host_flags & HOST_TRACE_HELD != 0
    }
}
