//! Writing a batch back: untouched regions are copied as they came; a patched span gets its payload minus the
//! attribute entries being replaced, plus the new entries; the length prefixes of it, its ScopeSpans and its
//! ResourceSpans are recomputed. Nothing else changes, so fields we do not know survive byte for byte.

use super::batch_index::{BatchIndex, Region};
use super::varint::{encode_varint, varint_len};

/// Changes to one span: attribute entries to drop (absolute `start..end` ranges from `KeyValueRef`, any order)
/// and encoded `Span.attributes` entries to append.
#[derive(Debug, Default, Clone)]
pub struct SpanPatch {
    pub remove: Vec<(usize, usize)>,
    pub append: Vec<u8>,
}

impl SpanPatch {
    pub fn is_empty(&self) -> bool {
        self.remove.is_empty() && self.append.is_empty()
    }

    fn delta(&self) -> isize {
        let removed: usize = self.remove.iter().map(|(s, e)| e - s).sum();
        self.append.len() as isize - removed as isize
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

const RESOURCE_SPANS_TAG: u8 = 0x0a; // TracesData.resource_spans = 1, length-delimited
const SCOPE_SPANS_TAG: u8 = 0x12; // ResourceSpans.scope_spans = 2
const SPAN_TAG: u8 = 0x12; // ScopeSpans.spans = 2

/// How much a changed child grows its parent: new field size minus old field size.
fn growth(region: &Region, payload_delta: isize) -> isize {
    field_size(resized(region, payload_delta)) as isize - (region.end - region.start) as isize
}

/// `patches[i]` applies to `index.spans[i]`. With no patches the output equals the input.
pub fn write_batch(index: &BatchIndex<'_>, patches: &mut [SpanPatch]) -> Vec<u8> {
    let input = index.input;
    let span_growth: Vec<Option<isize>> = index
        .spans
        .iter()
        .zip(patches.iter())
        .map(|(s, p)| (!p.is_empty()).then(|| growth(&s.region, p.delta())))
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
                let patch = &mut patches[span_i];
                if patch.is_empty() {
                    continue;
                }
                let span = &index.spans[span_i].region;
                out.extend_from_slice(&input[ss_cursor..span.start]);
                write_header(SPAN_TAG, resized(span, patch.delta()), &mut out);
                patch.remove.sort_unstable();
                let mut span_cursor = span.payload_start;
                for &(s, e) in &patch.remove {
                    out.extend_from_slice(&input[span_cursor..s]);
                    span_cursor = e;
                }
                out.extend_from_slice(&input[span_cursor..span.end]);
                out.extend_from_slice(&patch.append);
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
    use crate::wire::{encode_kv_int, encode_kv_string};

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
        let mut patches = vec![SpanPatch::default(), SpanPatch::default()];
        patches[0].remove.push((base + drop_from, base + drop_to));
        // Large enough that the span's, the scope's and the resource's length prefixes all grow a byte.
        encode_kv_string("gen_ai.conversation.id", &"c".repeat(200), &mut patches[0].append);
        let out = write_batch(&idx, &mut patches);
        let got = attrs(&out);
        assert_eq!(got[0].len(), 2);
        assert_eq!(got[0][0], ("keep".into(), "Str(\"x\")".into()));
        assert_eq!(got[0][1].0, "gen_ai.conversation.id");
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
        assert_eq!(write_batch(&idx, &mut [SpanPatch::default()]), input);
    }
}
