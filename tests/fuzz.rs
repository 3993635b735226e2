//! Fuzzing without a fuzzing toolchain: a mutation engine (byte-level and OTLP structure-aware) driving both
//! interfaces of the core, the JSON configuration and the price files (LiteLLM and genai-prices). No input may
//! panic; an input that prost reads must come out with the same spans and every original attribute (roll-ups
//! aside) byte for byte, and the two interfaces must agree (tests/common's twin processor checks that on every
//! batch).
//!
//! `cargo test --test fuzz` (in `make test`) runs the seed corpus in `tests/fuzz/corpus/` and a short fixed-seed
//! burst. `make fuzz` runs `fuzz_for_a_while` (ignored here) for FUZZ_SECONDS per target and prints the counts; a
//! crashing input is written to `target/fuzz-crashes/` before the panic is re-raised.
mod common;
use common::*;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, ArrayValue, KeyValue, KeyValueList};
use prost::Message;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// xorshift64*: reproducible from a seed, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.next() % one_in == 0
    }
}

const INTERESTING: &[u8] = &[0, 1, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x1a, 0x22, 0x2a, 0x39, 0x41];

/// Byte-level mutations, libFuzzer style: flips, interesting bytes, inserts, deletes, duplications, varint
/// boundaries and splices from another corpus entry.
fn mutate_bytes(rng: &mut Rng, data: &mut Vec<u8>, corpus: &[Vec<u8>]) {
    for _ in 0..1 + rng.below(4) {
        let len = data.len();
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                data[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 => {
                let at = rng.below(len + 1);
                let n = 1 + rng.below(16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                data.splice(at..at, bytes);
            }
            3 if len > 0 => {
                let at = rng.below(len);
                let n = 1 + rng.below((len - at).min(64));
                data.drain(at..at + n);
            }
            4 if len > 0 => {
                let at = rng.below(len);
                let n = 1 + rng.below((len - at).min(256));
                let piece = data[at..at + n].to_vec();
                let to = rng.below(len + 1);
                data.splice(to..to, piece);
            }
            5 => {
                // A varint at its limits: ten bytes, or a length far beyond the input.
                let at = rng.below(len + 1);
                let v: &[u8] = if rng.chance(2) { &[0xff; 10] } else { &[0xff, 0xff, 0xff, 0xff, 0x0f] };
                data.splice(at..at, v.iter().copied());
            }
            6 if !corpus.is_empty() => {
                let other = &corpus[rng.below(corpus.len())];
                if !other.is_empty() {
                    let from = rng.below(other.len());
                    let n = 1 + rng.below((other.len() - from).min(512));
                    let at = rng.below(len + 1);
                    data.splice(at..at, other[from..from + n].iter().copied());
                }
            }
            7 if len > 1 => data.truncate(rng.below(len)),
            _ => {}
        }
    }
}

const KEYS: &[&str] = &[
    "gen_ai.conversation.id",
    "session.id",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cost_usd",
    "gen_ai.request.model",
    "gen_ai.response.model",
    "gen_ai.provider.name",
    "gen_ai.operation.name",
    "gen_ai.response.id",
    "gen_ai.conversation.turn",
    "workflow.id",
    "user.id",
    "llm.token_count.prompt",
    "langfuse.observation.usage_details",
    "gen_ai.l9.trace.cost_usd",
    "workflow.total_cost_usd",
    "openinference.span.kind",
    "traceloop.span.kind",
];

fn any_value(rng: &mut Rng, depth: usize) -> AnyValue {
    use any_value::Value as V;
    let v = match rng.below(if depth > 3 { 6 } else { 8 }) {
        0 => V::StringValue(
            ["", "gpt-4o", "claude-sonnet-4-5", "chat", "{\"input\": 10}", "1e400", "-1"][rng.below(7)].into(),
        ),
        1 => V::IntValue([0, 1, -1, i64::MAX, i64::MIN, 1 << 40, 1000][rng.below(7)]),
        2 => V::DoubleValue([0.0, -0.0, f64::NAN, f64::INFINITY, 1e308, -5.5, 0.25][rng.below(7)]),
        3 => V::BoolValue(rng.chance(2)),
        4 => V::BytesValue(vec![0xff; rng.below(8)]),
        5 => V::StringValue("x".repeat(rng.below(5000))),
        6 => V::ArrayValue(ArrayValue { values: (0..rng.below(4)).map(|_| any_value(rng, depth + 1)).collect() }),
        _ => V::KvlistValue(KeyValueList {
            values: (0..rng.below(4))
                .map(|_| KeyValue {
                    key: KEYS[rng.below(KEYS.len())].into(),
                    value: Some(any_value(rng, depth + 1)),
                    ..Default::default()
                })
                .collect(),
        }),
    };
    AnyValue { value: if rng.chance(20) { None } else { Some(v) } }
}

/// Structure-aware mutations of a valid request: values of the keys the core reads replaced by odd ones, ids
/// shared, dropped or swapped, parents broken, spans duplicated or removed.
fn mutate_request(rng: &mut Rng, req: &mut ExportTraceServiceRequest) {
    let mut spans: Vec<_> =
        req.resource_spans.iter_mut().flat_map(|r| &mut r.scope_spans).flat_map(|s| &mut s.spans).collect();
    if spans.is_empty() {
        return;
    }
    for _ in 0..1 + rng.below(6) {
        let n = spans.len();
        let i = rng.below(n);
        match rng.below(9) {
            0..=2 => {
                let kv = KeyValue {
                    key: KEYS[rng.below(KEYS.len())].into(),
                    value: Some(any_value(rng, 0)),
                    ..Default::default()
                };
                spans[i].attributes.push(kv);
            }
            3 if !spans[i].attributes.is_empty() => {
                let a = rng.below(spans[i].attributes.len());
                spans[i].attributes[a].value = Some(any_value(rng, 0));
            }
            4 => spans[i].parent_span_id = if rng.chance(2) { vec![] } else { spans[rng.below(n)].span_id.clone() },
            5 => spans[i].trace_id = spans[rng.below(n)].trace_id.clone(),
            6 => spans[i].span_id = spans[rng.below(n)].span_id.clone(),
            7 => spans[i].flags = [0, 0x100, 0x300, u32::MAX][rng.below(4)],
            _ => {
                spans[i].start_time_unix_nano = rng.next();
                spans[i].end_time_unix_nano = rng.next() >> rng.below(64);
            }
        }
    }
    if rng.chance(8) {
        if let Some(ss) = req.resource_spans.first_mut().and_then(|r| r.scope_spans.first_mut()) {
            if let Some(s) = ss.spans.first().cloned() {
                ss.spans.push(s);
            }
        }
    }
}

const ROLLUP_KEYS: &[&str] = &[
    "gen_ai.l9.trace.cost_usd",
    "gen_ai.conversation.cost_usd",
    "workflow.total_cost_usd",
    "workflow.llm_calls",
    "workflow.tool_calls",
];

/// Same spans in the same order, and every original attribute (but our roll-ups, which are replaced) unchanged.
fn check_originals_kept(input: &ExportTraceServiceRequest, output: &[u8]) {
    let out = ExportTraceServiceRequest::decode(output).expect("the output of a readable input is readable");
    let spans = |r: &ExportTraceServiceRequest| {
        r.resource_spans.iter().flat_map(|r| &r.scope_spans).flat_map(|s| s.spans.clone()).collect::<Vec<_>>()
    };
    let (a, b) = (spans(input), spans(&out));
    assert_eq!(a.len(), b.len(), "span count");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!((&x.trace_id, &x.span_id, &x.name), (&y.trace_id, &y.span_id, &y.name));
        let kept: Vec<Vec<u8>> = y.attributes.iter().map(|kv| kv.encode_to_vec()).collect();
        for kv in x.attributes.iter().filter(|kv| !ROLLUP_KEYS.contains(&kv.key.as_str())) {
            assert!(kept.contains(&kv.encode_to_vec()), "attribute {} lost or changed", kv.key);
        }
    }
}

fn crash_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-crashes")
}

/// Runs `f` on `input`; a panic writes the input to target/fuzz-crashes and is raised again.
fn guarded(target: &str, input: &[u8], f: impl FnOnce()) {
    if let Err(e) = catch_unwind(AssertUnwindSafe(f)) {
        std::fs::create_dir_all(crash_dir()).unwrap();
        let path = crash_dir().join(format!("{target}-{:016x}", xxh(input)));
        std::fs::write(&path, input).unwrap();
        eprintln!("fuzz target {target}: crashing input written to {}", path.display());
        std::panic::resume_unwind(e);
    }
}

fn xxh(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &x| (h ^ u64::from(x)).wrapping_mul(0x100_0000_01b3))
}

/// Small state so that evictions, expirations and the byte budget are reached within a run.
const FUZZ_CONFIG: &str = r#"{"max_traces": 256, "max_conversations": 256, "max_remembered_spans": 4096, "max_state_mib": 16, "trace_ttl_seconds": 5}"#;

fn otlp_once(p: &Processor, input: &[u8]) {
    guarded("otlp", input, || {
        // The twin checks that both interfaces give the same spans whenever prost reads the input.
        if let Ok(out) = p.enrich(input) {
            if let Ok(req) = ExportTraceServiceRequest::decode(input) {
                check_originals_kept(&req, &out);
            }
            // Our output is input too (a second collector in a chain).
            let _ = p.enrich(&out);
        }
    });
}

fn config_once(input: &[u8]) {
    guarded("config", input, || {
        let _ = last9_genai::Processor::from_json(input);
    });
}

fn prices_once(input: &[u8], scratch: &Path) {
    guarded("prices", input, || {
        std::fs::write(scratch, input).unwrap();
        let config = serde_json::json!({"pricing_file": scratch, "max_traces": 64, "max_conversations": 64});
        if let Ok(p) = last9_genai::Processor::from_json(config.to_string().as_bytes()) {
            let _ = p.enrich(&batch(vec![sp(1, 1, 0, "chat").chat("gpt-4o", 100, 10)]));
        }
    });
}

fn corpus(kind: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/corpus").join(kind);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

/// Executions per target and how long the slowest one took.
struct Tally {
    runs: u64,
    slowest: Duration,
}

fn fuzz(kind: &str, seed: u64, budget: impl Fn(u64) -> bool, mut run: impl FnMut(&[u8])) -> Tally {
    let seeds = corpus(kind);
    let mut rng = Rng(seed | 1);
    let mut t = Tally { runs: 0, slowest: Duration::ZERO };
    let structured: Vec<ExportTraceServiceRequest> = if kind == "otlp" {
        seeds.iter().filter_map(|s| ExportTraceServiceRequest::decode(s.as_slice()).ok()).collect()
    } else {
        vec![]
    };
    while budget(t.runs) {
        let input = if !structured.is_empty() && rng.chance(2) {
            let mut req = structured[rng.below(structured.len())].clone();
            mutate_request(&mut rng, &mut req);
            let mut b = req.encode_to_vec();
            if rng.chance(4) {
                mutate_bytes(&mut rng, &mut b, &seeds);
            }
            b
        } else {
            let mut b = seeds[rng.below(seeds.len())].clone();
            mutate_bytes(&mut rng, &mut b, &seeds);
            b
        };
        let started = Instant::now();
        run(&input);
        t.slowest = t.slowest.max(started.elapsed());
        t.runs += 1;
    }
    t
}

#[test]
fn the_seed_corpus_passes() {
    let p = processor(FUZZ_CONFIG);
    let otlp = corpus("otlp");
    assert!(otlp.len() >= 10, "the OTLP corpus holds the captured libraries");
    for input in &otlp {
        otlp_once(&p, input);
    }
    for input in corpus("config") {
        config_once(&input);
    }
    let scratch = std::env::temp_dir().join(format!("l9-fuzz-prices-{}.json", std::process::id()));
    for input in corpus("prices") {
        prices_once(&input, &scratch);
    }
}

/// A short burst with fixed seeds in every `make test`: the same inputs every run.
#[test]
fn a_fixed_burst_of_mutations_passes() {
    let p = processor(FUZZ_CONFIG);
    fuzz("otlp", 1, |n| n < 3000, |b| otlp_once(&p, b));
    fuzz("config", 2, |n| n < 2000, config_once);
    let scratch = std::env::temp_dir().join(format!("l9-fuzz-burst-{}.json", std::process::id()));
    fuzz("prices", 3, |n| n < 300, |b| prices_once(b, &scratch));
}

/// `make fuzz`: FUZZ_SECONDS (default 60) per target, seed from FUZZ_SEED or the clock; prints the counts.
#[test]
#[ignore]
fn fuzz_for_a_while() {
    let secs: u64 = std::env::var("FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
    });
    let until = |share: u64| {
        let end = Instant::now() + Duration::from_secs(secs * share / 10);
        move |n: u64| n % 256 != 0 || Instant::now() < end
    };
    let p = processor(FUZZ_CONFIG);
    let otlp = fuzz("otlp", seed, until(6), |b| otlp_once(&p, b));
    let config = fuzz("config", seed ^ 1, until(3), config_once);
    let scratch = std::env::temp_dir().join(format!("l9-fuzz-{}.json", std::process::id()));
    let prices = fuzz("prices", seed ^ 2, until(1), |b| prices_once(b, &scratch));
    let total = otlp.runs + config.runs + prices.runs;
    println!(
        "fuzz seed {seed}: otlp {} runs (slowest {:?}), config {} (slowest {:?}), prices {} (slowest {:?}); {total} in all",
        otlp.runs, otlp.slowest, config.runs, config.slowest, prices.runs, prices.slowest
    );
}

/// Writes the OTLP seeds from the captured libraries (one request per capture, and one with all of them):
/// `cargo test --test fuzz -- --ignored regenerate_seed_corpus`, then commit tests/fuzz/corpus/otlp.
#[test]
#[ignore]
fn regenerate_seed_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/corpus/otlp");
    std::fs::create_dir_all(&dir).unwrap();
    let captures: Vec<_> = common::captured::captures().iter().map(|f| common::captured::load(f)).collect();
    for (i, file) in common::captured::captures().iter().enumerate() {
        let one = common::captured::replay_batch(&captures[i..=i], 0, 1, 2);
        let name = file.file_stem().unwrap().to_string_lossy().to_string();
        std::fs::write(dir.join(format!("{name}.pb")), one.encode_to_vec()).unwrap();
    }
    let all = common::captured::replay_batch(&captures, 0, 200, 3);
    std::fs::write(dir.join("all_captures.pb"), all.encode_to_vec()).unwrap();
    std::fs::write(dir.join("empty.pb"), []).unwrap();
}
