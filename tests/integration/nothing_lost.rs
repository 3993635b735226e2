//! Every byte we do not deliberately change survives: unknown fields at every level, events, links, resource,
//! scope; bad input is an error, never a panic, and leaves memory untouched.
use crate::common::*;

use last9_genai::test_support::{FieldReader, WireValue};
use opentelemetry_proto::tonic::trace::v1::{span::Event, span::Link, ResourceSpans, ScopeSpans, Status};
use prost::Message;

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn len_field(n: u64, payload: &[u8], out: &mut Vec<u8>) {
    varint(n << 3 | 2, out);
    varint(payload.len() as u64, out);
    out.extend_from_slice(payload);
}

/// Field `n` as a varint and field `n + 1000` as bytes: numbers no OTLP version defines.
fn unknown(n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    varint(n << 3, &mut out);
    varint(424242, &mut out);
    len_field(n + 1000, format!("future-field-{n}").as_bytes(), &mut out);
    out
}

fn fields(buf: &[u8]) -> Vec<(u32, Vec<u8>)> {
    let mut r = FieldReader::new(buf, 0);
    let mut v = Vec::new();
    while let Some(f) = r.next_field().unwrap() {
        let bytes = match f.value {
            WireValue::Len(b) => b.to_vec(),
            _ => Vec::new(),
        };
        v.push((f.number, bytes));
    }
    v
}

fn has_unknown(buf: &[u8], n: u64) -> bool {
    buf.windows(unknown(n).len()).any(|w| w == unknown(n).as_slice())
}

/// A batch with unknown fields in TracesData, ResourceSpans, ScopeSpans and both spans, plus events and links.
fn batch_with_unknown_fields() -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut chat = sp(1, 2, 1, "chat").chat("gpt-4o", 1000, 100).0;
    chat.events.push(Event { name: "gen_ai.choice".into(), time_unix_nano: 5, ..Default::default() });
    chat.links.push(Link { trace_id: trace_id(9), span_id: span_id(9), ..Default::default() });
    chat.status = Some(Status { message: "ok".into(), code: 1 });
    let root = sp(1, 1, 0, "root").s("gen_ai.conversation.id", "c").0;
    let spans: Vec<Vec<u8>> = [(chat, 91), (root, 92)]
        .into_iter()
        .map(|(s, n)| {
            let mut b = s.encode_to_vec();
            b.extend(unknown(n));
            b
        })
        .collect();
    let req = request(vec![]);
    let rs = &req.resource_spans[0];
    let mut scope = ScopeSpans { scope: rs.scope_spans[0].scope.clone(), ..Default::default() }.encode_to_vec();
    for s in &spans {
        len_field(2, s, &mut scope);
    }
    scope.extend(unknown(93));
    let mut resource = ResourceSpans { resource: rs.resource.clone(), ..Default::default() }.encode_to_vec();
    len_field(2, &scope, &mut resource);
    resource.extend(unknown(94));
    let mut top = Vec::new();
    len_field(1, &resource, &mut top);
    top.extend(unknown(95));
    (top, spans)
}

#[test]
fn unknown_fields_survive_at_every_level() {
    let p = processor("{}");
    let (input, original_spans) = batch_with_unknown_fields();
    let output = p.enrich(&input).unwrap();
    assert_ne!(output, input, "the batch was enriched");
    let top = fields(&output);
    assert!(has_unknown(&output, 95) && top.iter().any(|(n, _)| *n == 95));
    let rs = &top.iter().find(|(n, _)| *n == 1).unwrap().1;
    assert!(fields(rs).iter().any(|(n, _)| *n == 94));
    let ss = &fields(rs).into_iter().find(|(n, _)| *n == 2).unwrap().1;
    let ss_fields = fields(ss);
    assert!(ss_fields.iter().any(|(n, _)| *n == 93));
    let out_spans: Vec<&Vec<u8>> = ss_fields.iter().filter(|(n, _)| *n == 2).map(|(_, b)| b).collect();
    assert_eq!(out_spans.len(), 2);
    for (orig, out) in original_spans.iter().zip(out_spans) {
        // Original span bytes come first, unchanged; our attributes follow.
        assert!(out.len() > orig.len());
        assert_eq!(&out[..orig.len()], orig.as_slice());
        for (n, _) in fields(&out[orig.len()..]) {
            assert_eq!(n, 9, "only attributes are added");
        }
    }
    // And a standard decoder still reads it, with our values in place.
    let o = decode(&output);
    assert_eq!(o.str(2, "gen_ai.conversation.id").as_deref(), Some("c"));
    assert_eq!(o.span(2).events.len(), 1);
    assert_eq!(o.span(2).links.len(), 1);
    assert_eq!(o.span(2).status.as_ref().unwrap().message, "ok");
}

#[test]
fn untouched_batches_are_returned_byte_for_byte() {
    let p = processor("{}");
    let input = batch(vec![sp(7, 1, 0, "GET /health").s("http.route", "/health")]);
    assert_eq!(p.enrich(&input).unwrap(), input);
    assert_eq!(p.enrich(&[]).unwrap(), Vec::<u8>::new(), "empty input gives valid empty output");
}

#[test]
fn original_attributes_stay_in_place_and_nothing_is_duplicated() {
    let p = processor("{}");
    let spans = vec![
        sp(1, 1, 0, "root").s("session.id", "s").s("user.id", "u").s("app.key", "v"),
        sp(1, 2, 1, "chat").chat("gpt-4o", 10, 1).s("gen_ai.conversation.id", "s"),
    ];
    let input_req = request(spans.clone());
    let out = enrich(&p, spans);
    for (orig, got) in input_req.resource_spans[0].scope_spans[0].spans.iter().zip(out.spans()) {
        assert_eq!(&got.attributes[..orig.attributes.len()], orig.attributes.as_slice());
    }
    // user.id existed on the root: not added again (attrs() panics on duplicates).
    assert_eq!(out.str(1, "user.id").as_deref(), Some("u"));
    assert_eq!(out.str(2, "user.id").as_deref(), Some("u"));
}

#[test]
fn malformed_input_is_an_error_and_changes_nothing() {
    let p = processor("{}");
    let good =
        batch(vec![sp(1, 1, 0, "root").s("gen_ai.conversation.id", "c"), sp(1, 2, 1, "chat").chat("gpt-4o", 10, 1)]);
    for bad in [
        &good[..good.len() - 3],       // truncated
        &[0x0a, 0xff, 0xff, 0xff][..], // length past the end
        &[0x0b, 0x00][..],             // a group
        &[0xff; 12][..],               // an overlong varint
    ] {
        let err = p.enrich(bad).unwrap_err();
        assert!(err.to_string().starts_with("malformed OTLP protobuf at byte"), "{err}");
    }
    let stats: serde_json::Value = serde_json::from_str(&p.stats_json()).unwrap();
    assert_eq!(stats["errors"], 4);
    assert_eq!(stats["conversations_tracked"], 0, "a bad batch must not touch memory");
    assert_eq!(stats["traces_tracked"], 0);
    // The processor still works.
    let out = decode(&p.enrich(&good).unwrap());
    assert_eq!(out.int(1, "gen_ai.conversation.turn"), Some(1));
}

#[test]
fn mutated_batches_never_panic_and_valid_results_still_decode() {
    let p = processor("{}");
    let (good, _) = batch_with_unknown_fields();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut ok = 0;
    for _ in 0..3000 {
        let mut b = good.clone();
        for _ in 0..(next() % 4 + 1) {
            let i = (next() as usize) % b.len();
            b[i] = next() as u8;
        }
        if next() % 5 == 0 {
            b.truncate((next() as usize) % b.len());
        }
        if let Ok(out) = p.enrich(&b) {
            ok += 1;
            // When we accepted it, what we wrote frames exactly like what we read.
            let _ = last9_genai::test_support::BatchIndex::parse(&out).expect("our output parses");
        }
    }
    assert!(ok > 0);
}

#[test]
fn invalid_utf8_in_names_and_foreign_values_does_not_stop_enrichment() {
    let p = processor("{}");
    let mut bytes =
        batch(vec![sp(1, 1, 0, "root").s("session.id", "s"), sp(1, 2, 1, "chat").chat("gpt-4o", 1000, 100)]);
    let mut corrupt = |needle: &[u8], at: usize| {
        let i = bytes.windows(needle.len()).position(|w| w == needle).expect("needle");
        bytes[i + at] = 0xff;
    };
    corrupt(&[0x2a, 4, b'c', b'h', b'a', b't'], 2); // Span.name (field 5) "chat" -> "\xffhat"
    corrupt(b"test-app", 0); // the resource's service.name: not ours
    let out = p.enrich(&bytes).unwrap();
    assert!(out.windows(4).any(|w| w == b"\xffhat"), "the name is kept as it came");
    assert!(out.windows(8).any(|w| w == b"\xffest-app"), "foreign bytes are kept as they came");
    let costs = out.windows(21).filter(|w| *w == b"gen_ai.usage.cost_usd").count();
    assert_eq!(costs, 1, "the call is still priced");
}
