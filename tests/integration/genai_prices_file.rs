//! A genai-prices data file as `pricing_file`: the same calls priced by the collector and by the genai-prices
//! Python package, from the same file (nine providers of its v2 data; `tools/genai_prices/make_fixture.py` made
//! both fixtures), agree to 1e-9 USD: names and clauses, provider resolution from span spellings, whole-request
//! tiers, start dates and time-of-day prices.
use crate::common::*;
use serde_json::Value;

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn genai_processor(defaults: bool) -> Processor {
    let file = fixture("genai_prices_subset.json");
    processor(&format!(r#"{{"pricing_file": {:?}, "use_default_pricing": {defaults}}}"#, file.to_str().unwrap()))
}

struct Case {
    provider: String,
    model: String,
    at: u64,
    tokens: [i64; 4],
    usd: f64,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read(fixture("genai_prices_cases.json")).unwrap();
    let rows: Vec<Vec<Value>> = serde_json::from_slice(&text).unwrap();
    rows.into_iter()
        .skip(1)
        .map(|r| Case {
            provider: r[0].as_str().unwrap().to_owned(),
            model: r[1].as_str().unwrap().to_owned(),
            at: r[2].as_u64().unwrap(),
            tokens: [3, 4, 5, 6].map(|i| r[i].as_i64().unwrap()),
            usd: r[7].as_f64().unwrap(),
        })
        .collect()
}

fn span(id: u64, c: &Case) -> Sp {
    let [input, output, cache_read, cache_write] = c.tokens;
    let mut s = sp((id % 250) as u8 + 1, id, 0, "chat")
        .s("gen_ai.operation.name", "chat")
        .s("gen_ai.provider.name", &c.provider)
        .s("gen_ai.request.model", &c.model)
        .i("gen_ai.usage.input_tokens", input)
        .i("gen_ai.usage.output_tokens", output)
        .i("gen_ai.usage.cache_read.input_tokens", cache_read)
        .i("gen_ai.usage.cache_write.input_tokens", cache_write)
        .start(c.at);
    // The price of the day is read at the start, the time of day at the end: one instant for both.
    s.0.end_time_unix_nano = c.at;
    s
}

fn disagreements(p: &Processor, cases: &[Case]) -> Vec<String> {
    let mut bad = Vec::new();
    for (n, chunk) in cases.chunks(200).enumerate() {
        let base = n as u64 * 1_000;
        let spans = chunk.iter().enumerate().map(|(i, c)| span(base + i as u64 + 1, c)).collect();
        let out = enrich(p, spans);
        for (i, c) in chunk.iter().enumerate() {
            let id = base + i as u64 + 1;
            match out.cost(id) {
                Some(usd) if (usd - c.usd).abs() <= 1e-9 => {}
                got => bad.push(format!(
                    "{} {} at {} {:?}: genai-prices {} we {:?} via {:?}",
                    c.provider,
                    c.model,
                    c.at,
                    c.tokens,
                    c.usd,
                    got,
                    out.str(id, "gen_ai.l9.cost.model")
                )),
            }
        }
    }
    bad
}

#[test]
fn every_call_costs_what_genai_prices_says() {
    let cases = cases();
    assert_eq!(cases.len(), 2725);
    let bad = disagreements(&genai_processor(false), &cases);
    assert!(bad.is_empty(), "{} of {} disagree:\n{}", bad.len(), cases.len(), bad[..bad.len().min(30)].join("\n"));
}

#[test]
fn the_file_wins_over_the_embedded_prices() {
    let cases = cases();
    let bad = disagreements(&genai_processor(true), &cases);
    assert!(bad.is_empty(), "{} of {} disagree:\n{}", bad.len(), cases.len(), bad[..bad.len().min(30)].join("\n"));
}

fn call(provider: &str, model: &str, at: u64, tokens: [i64; 4]) -> Case {
    Case { provider: provider.into(), model: model.into(), at, tokens, usd: 0.0 }
}

/// 2026-08-15 12:00 UTC.
const AUG_15_NOON: u64 = 1_786_795_200_000_000_000;

fn priced(p: &Processor, c: &Case) -> (f64, String) {
    let out = enrich(p, vec![span(1, c)]);
    assert_eq!(out.status(1).as_deref(), Some("priced"), "{} {}", c.provider, c.model);
    (out.cost(1).unwrap(), out.str(1, "gen_ai.l9.cost.model").unwrap())
}

#[test]
fn a_regex_clause_prices_a_dated_name_at_the_tier_and_price_of_its_day() {
    let p = genai_processor(false);
    // gpt-5.6-luna from 2026-07-30: input 0.2 (0.4 above 272k), cache read 0.02 (0.04), output 1.2 (1.8) per M.
    let c = call("openai", "gpt-5.6-luna-2026-08-15", AUG_15_NOON, [300_000, 1_000, 100_000, 0]);
    let (usd, key) = priced(&p, &c);
    close(usd, per_m(200_000, 0.4) + per_m(100_000, 0.04) + per_m(1_000, 1.8));
    close(usd, 0.0858); // the genai-prices package's answer
    assert_eq!(key, "gpt-5.6-luna");
    // Before 2026-07-30: input 1 (2 above 272k), cache read 0.1 (0.2), output 6 (9).
    let july = call("openai", "gpt-5.6-luna-2026-08-15", AUG_15_NOON - 45 * 86_400_000_000_000, c.tokens);
    close(priced(&p, &july).0, 0.429);
}

#[test]
fn span_provider_spellings_resolve_to_the_files_providers() {
    let p = genai_processor(false);
    // Azure lists no gpt-4o of its own: the file's fallback to OpenAI prices it, as the vendor's price.
    let (usd, key) = priced(&p, &call("az.ai.openai", "gpt-4o", AUG_15_NOON, [1_000, 100, 0, 0]));
    close(usd, 0.0035);
    assert_eq!(key, "gpt-4o");
    // Azure's own o1 (the name contains "openai" but the family is Azure's).
    let (usd, key) = priced(&p, &call("azure.ai.openai", "o1", AUG_15_NOON, [1_000, 100, 0, 0]));
    close(usd, per_m(1_000, 15.0) + per_m(100, 60.0));
    assert_eq!(key, "azure/o1");
    // Bedrock's regional profile: 10% over Anthropic's list price.
    let bedrock = call("aws.bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", AUG_15_NOON, [1_000, 100, 0, 0]);
    let (usd, key) = priced(&p, &bedrock);
    close(usd, 0.00495);
    assert_eq!(key, "aws/regional.anthropic.claude-sonnet-4-5-20250929-v1:0");
    let stats: Value = serde_json::from_str(&p.stats_json()).unwrap();
    assert_eq!(stats["priced_other_provider"], 0);
}

#[test]
fn models_the_table_cannot_bill_are_counted_not_guessed() {
    let loaded_skipped = |p: &Processor| {
        let stats: Value = serde_json::from_str(&p.stats_json()).unwrap();
        (
            stats["pricing_file_entries_loaded"].as_u64().unwrap(),
            stats["pricing_file_entries_skipped"].as_u64().unwrap(),
        )
    };
    assert_eq!(loaded_skipped(&genai_processor(false)), (346, 0));
    let stats: Value = serde_json::from_str(&genai_processor(false).stats_json()).unwrap();
    assert_eq!(stats["pricing_file_format"], "genai-prices");
    // A per-request fee (Perplexity's) cannot ride on a token price, nor can audio-only rates: skipped, unpriced.
    let dir = std::env::temp_dir().join(format!("l9-genai-skip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("prices.json");
    std::fs::write(
        &file,
        r#"[{"id": "perplexity", "name": "Perplexity", "api_pattern": "x", "models": [
            {"id": "sonar", "match": {"equals": "sonar"}, "prices": {"input_mtok": 1, "output_mtok": 1, "requests_kcount": 5}},
            {"id": "tts", "match": {"equals": "tts"}, "prices": {"output_audio_mtok": 12}},
            {"id": "sonar-free", "match": {"equals": "sonar-free"}, "prices": {}}]}]"#,
    )
    .unwrap();
    let small =
        processor(&format!(r#"{{"pricing_file": {:?}, "use_default_pricing": false}}"#, file.to_str().unwrap()));
    assert_eq!(loaded_skipped(&small), (1, 2));
    let out = enrich(&small, vec![span(1, &call("perplexity", "sonar", AUG_15_NOON, [1_000, 100, 0, 0]))]);
    assert_eq!(out.status(1).as_deref(), Some("unpriced_model"));
    assert_eq!(priced(&small, &call("perplexity", "sonar-free", AUG_15_NOON, [1_000, 100, 0, 0])).0, 0.0);
    std::fs::remove_dir_all(&dir).unwrap();

    let p = genai_processor(false);
    // Clauses are evaluated on names of model length only: a megabyte name that contains "claude" is unpriced.
    let huge = format!("claude-sonnet-4-5-{}", "x".repeat(1 << 20));
    let out = enrich(&p, vec![span(1, &call("anthropic", &huge, AUG_15_NOON, [1_000, 100, 0, 0]))]);
    assert_eq!(out.status(1).as_deref(), Some("unpriced_model"));
    let (usd, _) = priced(&p, &call("anthropic", "claude-sonnet-4-5-20250929", AUG_15_NOON, [1_000, 100, 0, 0]));
    close(usd, per_m(1_000, 3.0) + per_m(100, 15.0));
}
