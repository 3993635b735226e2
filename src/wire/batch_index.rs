//! An index over one `TracesData` / `ExportTraceServiceRequest`: where each ResourceSpans, ScopeSpans and Span
//! sits, plus the few span fields every decision needs. Nothing is copied; everything borrows the input.

use super::any_value::{read_any_value, AnyValue};
use super::fields::{Field, FieldReader, WireValue};
use super::otlp::{key_value, resource_spans, scope_spans, span as span_field, traces_data};
use super::WireError;
use crate::batch::{Attr, Batch, SpanHead};
use crate::conventions::KeyTable;

/// A length-delimited message inside the batch: `start..end` is the whole field (tag + length + payload).
#[derive(Debug, Clone, Copy)]
pub struct Region {
    pub start: usize,
    pub payload_start: usize,
    pub end: usize,
}

impl Region {
    fn of(f: &Field<'_>) -> Region {
        Region { start: f.start, payload_start: f.payload_start, end: f.end }
    }
}

#[derive(Debug)]
pub struct ResourceSpansRef {
    pub region: Region,
    pub scopes: std::ops::Range<usize>,
}

#[derive(Debug)]
pub struct ScopeSpansRef {
    pub region: Region,
    pub spans: std::ops::Range<usize>,
}

#[derive(Debug)]
pub struct SpanRef<'a> {
    pub region: Region,
    pub head: SpanHead<'a>,
}

/// One `Span.attributes` entry. `start..end` is the whole entry in the batch, so it can be dropped on rewrite.
/// The key is raw bytes and the value is parsed only on request: most attributes of most spans are not ours,
/// and checking their UTF-8 would cost more than everything else we do with them.
#[derive(Debug, Clone, Copy)]
pub struct KeyValueRef<'a> {
    pub key: &'a [u8],
    /// The encoded AnyValue, to copy an attribute to another span with its type intact.
    pub value_bytes: &'a [u8],
    pub value_offset: usize,
    pub start: usize,
    pub end: usize,
}

impl<'a> KeyValueRef<'a> {
    pub fn value(&self) -> Result<AnyValue<'a>, WireError> {
        read_any_value(self.value_bytes, self.value_offset)
    }
}

/// Where every ResourceSpans, ScopeSpans and Span of a batch sits (see the module documentation).
pub struct BatchIndex<'a> {
    /// The batch as given.
    pub input: &'a [u8],
    /// In input order, each with the range of its scopes.
    pub resource_spans: Vec<ResourceSpansRef>,
    /// In input order, each with the range of its spans.
    pub scope_spans: Vec<ScopeSpansRef>,
    /// In input order.
    pub spans: Vec<SpanRef<'a>>,
}

fn len_payload<'a>(f: &Field<'a>, what: &'static str) -> Result<&'a [u8], WireError> {
    match f.value {
        WireValue::Len(b) => Ok(b),
        _ => Err(WireError { offset: f.start, what }),
    }
}

impl<'a> BatchIndex<'a> {
    /// Indexes the batch, checking the structure of every level it reads. Fields it does not read (resource,
    /// scope, events, links, status, unknown numbers) are checked only for framing and later copied byte for byte.
    pub fn parse(input: &'a [u8]) -> Result<BatchIndex<'a>, WireError> {
        let mut idx = BatchIndex { input, resource_spans: Vec::new(), scope_spans: Vec::new(), spans: Vec::new() };
        let mut top = FieldReader::new(input, 0);
        while let Some(f) = top.next_field()? {
            if f.number == traces_data::RESOURCE_SPANS {
                let payload = len_payload(&f, "ResourceSpans is not length-delimited")?;
                idx.parse_resource_spans(Region::of(&f), payload)?;
            }
        }
        Ok(idx)
    }

    fn parse_resource_spans(&mut self, region: Region, payload: &'a [u8]) -> Result<(), WireError> {
        let first = self.scope_spans.len();
        let mut r = FieldReader::new(payload, region.payload_start);
        while let Some(f) = r.next_field()? {
            match f.number {
                resource_spans::RESOURCE => {
                    len_payload(&f, "Resource is not length-delimited")?;
                }
                resource_spans::SCOPE_SPANS => {
                    let p = len_payload(&f, "ScopeSpans is not length-delimited")?;
                    self.parse_scope_spans(Region::of(&f), p)?;
                }
                _ => {}
            }
        }
        self.resource_spans.push(ResourceSpansRef { region, scopes: first..self.scope_spans.len() });
        Ok(())
    }

    fn parse_scope_spans(&mut self, region: Region, payload: &'a [u8]) -> Result<(), WireError> {
        let first = self.spans.len();
        let mut r = FieldReader::new(payload, region.payload_start);
        while let Some(f) = r.next_field()? {
            if f.number == scope_spans::SPANS {
                let p = len_payload(&f, "Span is not length-delimited")?;
                self.spans.push(parse_span(Region::of(&f), p)?);
            }
        }
        self.scope_spans.push(ScopeSpansRef { region, spans: first..self.spans.len() });
        Ok(())
    }

    /// The attributes of a span, in wire order. Errors only on malformed KeyValue framing (which `parse` rejects).
    pub fn attributes(&self, span: &SpanRef<'a>) -> AttributeIter<'a> {
        let payload = &self.input[span.region.payload_start..span.region.end];
        AttributeIter { reader: FieldReader::new(payload, span.region.payload_start) }
    }
}

fn parse_span<'a>(region: Region, payload: &'a [u8]) -> Result<SpanRef<'a>, WireError> {
    let mut span = SpanHead::default();
    let mut r = FieldReader::new(payload, region.payload_start);
    while let Some(f) = r.next_field()? {
        match f.number {
            span_field::TRACE_ID => span.trace_id = len_payload(&f, "Span.trace_id is not bytes")?,
            span_field::SPAN_ID => span.span_id = len_payload(&f, "Span.span_id is not bytes")?,
            span_field::PARENT_SPAN_ID => span.parent_span_id = len_payload(&f, "Span.parent_span_id is not bytes")?,
            span_field::NAME => {
                let b = len_payload(&f, "Span.name is not a string")?;
                // Go's pdata carries whatever bytes it was given; a name we cannot read is only a name we do not
                // match (it is copied through untouched), not a reason to drop the batch's enrichment.
                span.name = super::any_value::utf8(b).unwrap_or("");
            }
            span_field::START_TIME_UNIX_NANO => {
                if let WireValue::Fixed64(t) = f.value {
                    span.start = t;
                }
            }
            span_field::END_TIME_UNIX_NANO => {
                if let WireValue::Fixed64(t) = f.value {
                    span.end = t;
                }
            }
            span_field::FLAGS => {
                if let WireValue::Fixed32(x) = f.value {
                    span.flags = x;
                }
            }
            // Attributes are read later, span by span; their framing is checked now, so that every error is
            // found before the batch changes anything.
            span_field::ATTRIBUTES => {
                read_key_value(&f)?;
            }
            _ => {}
        }
    }
    Ok(SpanRef { region, head: span })
}

impl<'a> Batch<'a> for BatchIndex<'a> {
    fn len(&self) -> usize {
        self.spans.len()
    }

    fn head(&self, i: usize) -> &SpanHead<'a> {
        &self.spans[i].head
    }

    #[inline]
    fn known_attrs<'k>(&self, i: usize, keys: &'k KeyTable, mut f: impl FnMut(Attr<'a, 'k>)) {
        // `parse` checked every entry's framing: an error cannot happen here, and would end the span's attributes.
        for kv in self.attributes(&self.spans[i]).map_while(Result::ok) {
            if let Some((index, info)) = keys.get(kv.key) {
                f(Attr {
                    index,
                    info,
                    value_bytes: kv.value_bytes,
                    value_offset: kv.value_offset,
                    range: (kv.start, kv.end),
                });
            }
        }
    }
}

pub struct AttributeIter<'a> {
    reader: FieldReader<'a>,
}

impl<'a> Iterator for AttributeIter<'a> {
    type Item = Result<KeyValueRef<'a>, WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let f = match self.reader.next_field() {
                Ok(Some(f)) => f,
                Ok(None) => return None,
                Err(e) => return Some(Err(e)),
            };
            if f.number == span_field::ATTRIBUTES {
                return Some(read_key_value(&f));
            }
        }
    }
}

fn read_key_value<'a>(f: &Field<'a>) -> Result<KeyValueRef<'a>, WireError> {
    let payload = len_payload(f, "Span.attributes entry is not length-delimited")?;
    let mut kv = KeyValueRef { key: &[], value_bytes: &[], value_offset: 0, start: f.start, end: f.end };
    let mut r = FieldReader::new(payload, f.payload_start);
    while let Some(inner) = r.next_field()? {
        match (inner.number, inner.value) {
            (key_value::KEY, WireValue::Len(b)) => kv.key = b,
            (key_value::VALUE, WireValue::Len(b)) => {
                kv.value_bytes = b;
                kv.value_offset = inner.payload_start;
            }
            (key_value::KEY | key_value::VALUE, _) => {
                return Err(WireError { offset: inner.start, what: "KeyValue field has the wrong wire type" })
            }
            _ => {}
        }
    }
    Ok(kv)
}
