//! Writing a batch back: untouched regions are copied as they came; a patched span gets its payload minus the
//! attribute entries being replaced, plus the new entries; the length prefixes of it, its ScopeSpans and its
//! ResourceSpans are recomputed. Nothing else changes, so fields we do not know survive byte for byte. Nothing is
//! ever held here: holding a span for its trace's root needs the host's memory, so the OTLP path enriches with
//! holding off and every span of the input is in the output.

use super::batch_index::{BatchIndex, Region};
use super::kv_encode::{encode_kv_double, encode_kv_int, encode_kv_raw, encode_kv_string};
use super::otlp::{resource_spans, scope_spans, tag_byte, traces_data, WireType};
use super::varint::{encode_varint, varint_len};
use crate::contract;
use crate::conventions::{KeyIndex, KeyTable};
use crate::patch::{PatchSink, Val};

/// The changes of one batch in OTLP form: every appended entry is encoded into one arena, each span's appended
/// entries contiguous in it; dropped entries are absolute `start..end` ranges of the input.
pub struct WireEdits<'k> {
    keys: &'k KeyTable,
    arena: Vec<u8>,
    spans: Vec<SpanEdit>,
    drops: Vec<(usize, usize)>,
}

#[derive(Debug, Default, Clone, Copy)]
struct SpanEdit {
    append: (usize, usize),
    /// Where this span's dropped ranges sit in `drops`.
    drops: (usize, usize),
}

impl SpanEdit {
    fn is_empty(&self) -> bool {
        self.append.0 == self.append.1 && self.drops.0 == self.drops.1
    }
}

impl<'k> WireEdits<'k> {
    pub fn new(keys: &'k KeyTable, spans: usize) -> Self {
        WireEdits { keys, arena: Vec::new(), spans: vec![SpanEdit::default(); spans], drops: Vec::new() }
    }

    pub fn is_empty(&self) -> bool {
        self.arena.is_empty() && self.drops.is_empty()
    }

    fn delta(&self, e: &SpanEdit) -> isize {
        let dropped: usize = self.drops[e.drops.0..e.drops.1].iter().map(|(s, e)| e - s).sum();
        (e.append.1 - e.append.0) as isize - dropped as isize
    }
}

impl PatchSink for WireEdits<'_> {
    fn put(&mut self, span: usize, key: KeyIndex, v: Val<'_>) {
        let at = self.arena.len();
        let e = &mut self.spans[span];
        if e.append.0 == e.append.1 {
            e.append = (at, at);
        }
        debug_assert_eq!(e.append.1, at, "a span's entries are appended together");
        let key = self.keys.key(key);
        match v {
            Val::Str(s) => encode_kv_string(key, s, &mut self.arena),
            Val::Fixed(i) => encode_kv_string(key, contract::FIXED_VALUES[usize::from(i)], &mut self.arena),
            Val::Int(i) => encode_kv_int(key, i, &mut self.arena),
            Val::Double(d) => encode_kv_double(key, d, &mut self.arena),
            Val::Raw(r) => encode_kv_raw(key, r, &mut self.arena),
        }
        self.spans[span].append.1 = self.arena.len();
    }

    fn drop_entry(&mut self, span: usize, _key: KeyIndex, range: (usize, usize)) {
        let at = self.drops.len();
        let e = &mut self.spans[span];
        if e.drops.0 == e.drops.1 {
            e.drops = (at, at);
        }
        debug_assert_eq!(e.drops.1, at, "a span's drops are given together");
        self.drops.push(range);
        self.spans[span].drops.1 = self.drops.len();
    }

    fn hold(&mut self, _span: usize) {
        // The OTLP path is enriched with holding off; were it asked, passing the span on is the safe answer.
        if cfg!(debug_assertions) {
            panic!("the OTLP path never holds spans");
        }
    }
}

/// New payload length and whether anything inside changed, for one region.
fn resized(region: &Region, delta: isize) -> usize {
    ((region.end - region.payload_start) as isize + delta) as usize
}

/// The field's size once its payload is `payload_len` bytes: the one-byte tag (fields 1 and 2 of the OTLP
/// containers) plus the new length prefix plus the payload.
fn field_size(payload_len: usize) -> usize {
    1 + varint_len(payload_len as u64) + payload_len
}

fn write_header(tag: u8, payload_len: usize, out: &mut Vec<u8>) {
    out.push(tag);
    encode_varint(payload_len as u64, out);
}

const RESOURCE_SPANS_TAG: u8 = tag_byte(traces_data::RESOURCE_SPANS, WireType::Len);
const SCOPE_SPANS_TAG: u8 = tag_byte(resource_spans::SCOPE_SPANS, WireType::Len);
const SPAN_TAG: u8 = tag_byte(scope_spans::SPANS, WireType::Len);

/// How much a changed child grows its parent: new field size minus old field size.
fn growth(region: &Region, payload_delta: isize) -> isize {
    field_size(resized(region, payload_delta)) as isize - (region.end - region.start) as isize
}

/// Writes the batch with `edits` applied (`edits` was made for this `index`). With no edits the output equals
/// the input.
pub fn write_batch(index: &BatchIndex<'_>, edits: &mut WireEdits<'_>) -> Vec<u8> {
    let input = index.input;
    let span_growth: Vec<Option<isize>> = index
        .spans
        .iter()
        .zip(edits.spans.iter())
        .map(|(s, e)| (!e.is_empty()).then(|| growth(&s.region, edits.delta(e))))
        .collect();
    // A scope (and a resource) is rewritten when any span inside it is, even if the sizes happen to cancel out.
    let scope_delta: Vec<Option<isize>> = index
        .scope_spans
        .iter()
        .map(|ss| ss.spans.clone().filter_map(|i| span_growth[i]).reduce(|a, b| a + b))
        .collect();
    let extra: isize = span_growth.iter().flatten().sum();
    let mut out = Vec::with_capacity(input.len() + extra.max(0) as usize + 16 * index.resource_spans.len());

    let mut cursor = 0;
    for rs in &index.resource_spans {
        let Some(rs_delta) = rs
            .scopes
            .clone()
            .filter_map(|i| scope_delta[i].map(|d| growth(&index.scope_spans[i].region, d)))
            .reduce(|a, b| a + b)
        else {
            continue;
        };
        out.extend_from_slice(&input[cursor..rs.region.start]);
        write_header(RESOURCE_SPANS_TAG, resized(&rs.region, rs_delta), &mut out);
        let mut rs_cursor = rs.region.payload_start;
        for si in rs.scopes.clone() {
            let Some(ss_delta) = scope_delta[si] else {
                continue;
            };
            let ss = &index.scope_spans[si];
            out.extend_from_slice(&input[rs_cursor..ss.region.start]);
            write_header(SCOPE_SPANS_TAG, resized(&ss.region, ss_delta), &mut out);
            let mut ss_cursor = ss.region.payload_start;
            for span_i in ss.spans.clone() {
                let e = edits.spans[span_i];
                if e.is_empty() {
                    continue;
                }
                let span = &index.spans[span_i].region;
                out.extend_from_slice(&input[ss_cursor..span.start]);
                write_header(SPAN_TAG, resized(span, edits.delta(&e)), &mut out);
                let drops = &mut edits.drops[e.drops.0..e.drops.1];
                drops.sort_unstable();
                let mut span_cursor = span.payload_start;
                for &(s, e) in drops.iter() {
                    out.extend_from_slice(&input[span_cursor..s]);
                    span_cursor = e;
                }
                out.extend_from_slice(&input[span_cursor..span.end]);
                out.extend_from_slice(&edits.arena[e.append.0..e.append.1]);
                ss_cursor = span.end;
            }
            out.extend_from_slice(&input[ss_cursor..ss.region.end]);
            rs_cursor = ss.region.end;
        }
        out.extend_from_slice(&input[rs_cursor..rs.region.end]);
        cursor = rs.region.end;
    }
    out.extend_from_slice(&input[cursor..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conventions::{AliasLists, OutKey};

    fn keys() -> KeyTable {
        let none = Vec::new;
        KeyTable::new(&AliasLists {
            conversation: none(),
            user: none(),
            workflow_id: none(),
            workflow_type: none(),
            propagate: none(),
        })
    }

    fn len_field(tag: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        encode_varint(payload.len() as u64, &mut out);
        out.extend_from_slice(payload);
        out
    }

    /// TracesData { ResourceSpans { ScopeSpans { Span { attributes } x2 } } }
    fn batch(spans: &[Vec<u8>]) -> Vec<u8> {
        let scope: Vec<u8> = spans.iter().flat_map(|s| len_field(0x12, s)).collect();
        let rs = len_field(0x12, &scope);
        len_field(0x0a, &rs)
    }

    fn attrs(buf: &[u8]) -> Vec<Vec<(String, String)>> {
        let idx = BatchIndex::parse(buf).unwrap();
        idx.spans
            .iter()
            .map(|s| {
                idx.attributes(s)
                    .map(|kv| {
                        let kv = kv.unwrap();
                        (String::from_utf8(kv.key.to_vec()).unwrap(), format!("{:?}", kv.value().unwrap()))
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn removes_and_appends_fixing_every_length_prefix() {
        let mut a = Vec::new();
        encode_kv_string("keep", "x", &mut a);
        let drop_from = a.len();
        encode_kv_int("workflow.total_cost_usd", 1, &mut a);
        let drop_to = a.len();
        let b = {
            let mut b = Vec::new();
            encode_kv_string("other", "y", &mut b);
            b
        };
        let input = batch(&[a, b.clone()]);
        let idx = BatchIndex::parse(&input).unwrap();
        let base = idx.spans[0].region.payload_start;
        let keys = keys();
        let mut edits = WireEdits::new(&keys, 2);
        let total = keys.output(OutKey::WorkflowTotal);
        edits.drop_entry(0, total, (base + drop_from, base + drop_to));
        // Large enough that the span's, the scope's and the resource's length prefixes all grow a byte.
        let conversation = keys.output(OutKey::ConversationId);
        edits.put(0, conversation, Val::Str(&"c".repeat(200)));
        edits.put(0, total, Val::Double(2.5));
        let out = write_batch(&idx, &mut edits);
        let got = attrs(&out);
        assert_eq!(got[0].len(), 3);
        assert_eq!(got[0][0], ("keep".into(), "Str(\"x\")".into()));
        assert_eq!(got[0][1].0, contract::CONVERSATION_ID);
        assert_eq!(got[0][2], (contract::WORKFLOW_TOTAL_COST_USD.into(), "Double(2.5)".into()));
        assert_eq!(got[1], vec![("other".into(), "Str(\"y\")".into())]);
        // The untouched span is byte-identical.
        let out_idx = BatchIndex::parse(&out).unwrap();
        let s = &out_idx.spans[1].region;
        assert_eq!(&out[s.payload_start..s.end], b.as_slice());
    }

    #[test]
    fn no_patches_is_the_identity() {
        let mut a = Vec::new();
        encode_kv_string("k", "v", &mut a);
        let input = batch(&[a]);
        let idx = BatchIndex::parse(&input).unwrap();
        let keys = keys();
        assert_eq!(write_batch(&idx, &mut WireEdits::new(&keys, 1)), input);
    }
}
