//! Real model strings, as instrumentations and gateways write them, against the embedded defaults and a LiteLLM-shaped
//! fixture; and end-to-end costs computed independently of `cost`.

use last9_genai::test_support::*;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/litellm_prices.json")
}

fn close(got: f64, want: f64) {
    let tol = 1e-12 * want.abs().max(f64::MIN_POSITIVE);
    assert!((got - want).abs() <= tol, "got {got:e}, want {want:e}");
}

fn check(table: &PriceTable, cases: &[(&str, Option<&str>, Option<&str>)]) {
    let mut wrong = Vec::new();
    for &(model, provider, want) in cases {
        let got = table.lookup(model, provider).map(|(k, _)| k);
        if got != want {
            wrong.push(format!("{model:?} (provider {provider:?}): got {got:?}, want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{} mismatches:\n{}", wrong.len(), wrong.join("\n"));
}

#[rustfmt::skip]
const DEFAULTS_CASES: &[(&str, Option<&str>, Option<&str>)] = &[
    // OpenAI, Azure OpenAI, gateways
    ("gpt-4o",                                        Some("openai"),         Some("gpt-4o")),
    ("gpt-4o-2024-08-06",                             None,                   Some("gpt-4o")),
    ("gpt-4o-2024-05-13",                             None,                   Some("gpt-4o-2024-05-13")),
    ("openai/gpt-4o",                                 None,                   Some("gpt-4o")),
    ("azure/gpt-4o",                                  Some("az.ai.openai"),   Some("gpt-4o")),
    ("GPT-4O",                                        None,                   Some("gpt-4o")),
    (" gpt-4o ",                                      None,                   Some("gpt-4o")),
    ("gpt-4o-mini",                                   None,                   Some("gpt-4o-mini")),
    ("gpt-4o-mini-2024-07-18",                        Some("openai.chat"),    Some("gpt-4o-mini")),
    ("o1",                                            None,                   Some("o1")),
    ("o1-2024-12-17",                                 None,                   Some("o1")),
    ("o3-mini",                                       None,                   Some("o3-mini")),
    ("o3-mini-2025-01-31",                            None,                   Some("o3-mini")),
    ("o4-mini-2025-04-16",                            None,                   Some("o4-mini")),
    ("gpt-4.1",                                       None,                   Some("gpt-4.1")),
    ("gpt-4.1-2025-04-14",                            None,                   Some("gpt-4.1")),
    ("gpt-4.1-mini",                                  None,                   Some("gpt-4.1-mini")),
    ("gpt-4.1-nano",                                  None,                   Some("gpt-4.1-nano")),
    ("gpt-5",                                         None,                   Some("gpt-5")),
    ("gpt-5-mini",                                    None,                   Some("gpt-5-mini")),
    ("gpt-5-2025-08-07",                              None,                   Some("gpt-5")),
    ("gpt-5-nano-2025-08-07",                         None,                   Some("gpt-5-nano")),
    ("gpt-5-chat-latest",                             None,                   Some("gpt-5-chat-latest")),
    ("gpt-5.1-2025-11-13",                            None,                   Some("gpt-5.1")),
    ("gpt-4-0613",                                    None,                   Some("gpt-4")),
    ("gpt-4-turbo-2024-04-09",                        None,                   Some("gpt-4-turbo")),
    ("gpt-3.5-turbo-0125",                            None,                   Some("gpt-3.5-turbo")),
    ("text-embedding-3-small",                        None,                   Some("text-embedding-3-small")),
    ("text-embedding-3-large",                        None,                   Some("text-embedding-3-large")),
    ("text-embedding-ada-002",                        None,                   Some("text-embedding-ada-002")),
    // Anthropic direct, Bedrock, Vertex, OpenRouter
    ("claude-sonnet-4-20250514",                      Some("anthropic"),      Some("claude-sonnet-4")),
    ("claude-sonnet-4-5-20250929",                    None,                   Some("claude-sonnet-4-5")),
    ("anthropic/claude-3-5-sonnet-20241022",          None,                   Some("claude-3-5-sonnet")),
    ("claude-3-5-sonnet@20241022",                    Some("gcp.vertex_ai"),  Some("claude-3-5-sonnet")),
    ("claude-3-5-sonnet-v2@20241022",                 Some("gcp.vertex_ai"),  Some("claude-3-5-sonnet")),
    ("us.anthropic.claude-sonnet-4-20250514-v1:0",    Some("aws.bedrock"),    Some("claude-sonnet-4")),
    ("anthropic.claude-3-haiku-20240307-v1:0",        Some("aws.bedrock"),    Some("claude-3-haiku")),
    ("bedrock/us.anthropic.claude-3-7-sonnet-20250219-v1:0", None,            Some("claude-3-7-sonnet")),
    ("bedrock/converse/eu.anthropic.claude-3-5-sonnet-20240620-v1:0", None,   Some("claude-3-5-sonnet")),
    ("global.anthropic.claude-haiku-4-5-20251001-v1:0", None,                 Some("claude-haiku-4-5")),
    ("claude-opus-4-1-20250805",                      None,                   Some("claude-opus-4-1")),
    ("claude-opus-4-20250514",                        None,                   Some("claude-opus-4")),
    ("claude-opus-4-5-20251101",                      None,                   Some("claude-opus-4-5")),
    ("claude-3-5-haiku-latest",                       Some("anthropic.messages"), Some("claude-3-5-haiku")),
    ("claude-3-opus-20240229",                        None,                   Some("claude-3-opus")),
    ("openrouter/anthropic/claude-3.5-sonnet",        None,                   Some("claude-3-5-sonnet")),
    ("anthropic/claude-sonnet-4.5",                   None,                   Some("claude-sonnet-4-5")),
    // Google
    ("gemini-2.5-pro",                                Some("gcp.gemini"),     Some("gemini-2.5-pro")),
    ("models/gemini-2.0-flash",                       Some("gemini"),         Some("gemini-2.0-flash")),
    ("vertex_ai/gemini-2.5-flash",                    None,                   Some("gemini-2.5-flash")),
    ("gemini-2.5-flash-lite",                         None,                   Some("gemini-2.5-flash-lite")),
    ("gemini/gemini-2.0-flash-lite-001",              None,                   Some("gemini-2.0-flash-lite")),
    ("gemini-1.5-pro-002",                            Some("vertex_ai"),      Some("gemini-1.5-pro")),
    ("gemini-1.5-flash-8b",                           None,                   Some("gemini-1.5-flash-8b")),
    ("google/gemini-2.5-pro",                         None,                   Some("gemini-2.5-pro")),
    ("gemini-3-pro-preview",                          None,                   Some("gemini-3-pro-preview")),
    // Mistral, Cohere, others
    ("mistral-large-latest",                          Some("mistral_ai"),     Some("mistral-large")),
    ("mistral/mistral-small-2409",                    None,                   Some("mistral-small")),
    ("codestral-2501",                                None,                   Some("codestral")),
    ("mistral.mistral-large-2407-v1:0",               Some("aws.bedrock"),    Some("mistral-large")),
    ("open-mistral-nemo-2407",                        None,                   Some("open-mistral-nemo")),
    ("command-r-plus",                                Some("cohere"),         Some("command-r-plus")),
    ("command-r-plus-08-2024",                        None,                   Some("command-r-plus")),
    ("command-r-08-2024",                             None,                   Some("command-r")),
    ("command-a-03-2025",                             None,                   Some("command-a")),
    ("cohere/embed-english-v3.0",                     None,                   Some("embed-english-v3.0")),
    ("deepseek/deepseek-chat",                        None,                   Some("deepseek-chat")),
    ("grok-4-0709",                                   Some("xai"),            Some("grok-4")),
    // Unknown, or not the same product: never guessed
    ("my-finetune-xyz",                               None,                   None),
    ("gpt-99",                                        Some("openai"),         None),
    ("gpt-4o-mini-tts",                               None,                   None),
    ("ft:gpt-4o-mini-2024-07-18:acme::abc123",        None,                   None),
    ("gemini-2.5-flash-preview-05-20",                None,                   None),
    ("llama-3.3-70b-versatile",                       Some("groq"),           None),
    ("claude-2.1",                                    None,                   None),
    ("",                                              None,                   None),
];

#[test]
fn real_model_strings_match_the_embedded_defaults() {
    let table = PriceTable::build(vec![], None, true).unwrap();
    assert!(table.len() >= 45, "{} defaults", table.len());
    check(&table, DEFAULTS_CASES);
}

#[rustfmt::skip]
const FILE_CASES: &[(&str, Option<&str>, Option<&str>)] = &[
    ("gpt-4o-2024-08-06",                    None,                    Some("gpt-4o-2024-08-06")),
    // Azure's own entry, not OpenAI's; not the EU data-zone entry either, which only a span naming it gets.
    ("gpt-4o-2024-08-06",                    Some("azure.ai.openai"), Some("azure/gpt-4o")),
    ("azure/eu/gpt-4o-2024-08-06",           Some("azure.ai.openai"), Some("azure/eu/gpt-4o-2024-08-06")),
    ("AZURE/GPT-4O",                         None,                    Some("azure/gpt-4o")),
    ("gpt-4o",                               Some("az.ai.openai"),    Some("azure/gpt-4o")),
    ("ft:gpt-4o-mini-2024-07-18:acme::abc1", None,                    Some("ft:gpt-4o-mini-2024-07-18")),
    ("us.anthropic.claude-3-5-sonnet-20241022-v2:0", Some("aws.bedrock"), Some("anthropic.claude-3-5-sonnet-20241022-v2:0")),
    ("claude-3-haiku-20240307",              Some("aws.bedrock"),     Some("anthropic.claude-3-haiku-20240307-v1:0")),
    ("claude-3-5-sonnet-v2@20241022",        Some("gcp.vertex_ai"),   Some("vertex_ai/claude-3-5-sonnet-v2@20241022")),
    ("gemini-2.5-flash-preview-04-17",       Some("gcp.gemini"),      Some("gemini/gemini-2.5-flash-preview-04-17")),
    ("meta-llama/Llama-3.3-70B-Instruct",    Some("openrouter"),      Some("openrouter/meta-llama/llama-3.3-70b-instruct")),
    ("meta-llama/Llama-3.3-70B-Instruct",    None,                    Some("deepinfra/meta-llama/Llama-3.3-70B-Instruct")),
    ("amazon.titan-embed-text-v2:0",         Some("aws.bedrock"),     Some("amazon.titan-embed-text-v2:0")),
    ("claude-sonnet-4-20250514",             None,                    Some("claude-sonnet-4-20250514")),
    ("claude-sonnet-4-20250514-extended",    None,                    None),
    ("sample_spec",                          None,                    None),
    ("dall-e-3",                             None,                    None),
    ("bad-price-entry",                      None,                    None),
    // Defaults still answer what the file does not know.
    ("claude-3-5-haiku-20241022",            None,                    Some("claude-3-5-haiku")),
];

#[test]
fn litellm_file_entries_are_more_specific_than_defaults() {
    let table = PriceTable::build(vec![], Some(&fixture()), true).unwrap();
    assert_eq!(table.file_entries_loaded(), 21);
    assert_eq!(table.file_entries_skipped(), 6);
    check(&table, FILE_CASES);

    // The file's entry replaced the default one of the same name: it carries LiteLLM's reasoning rate.
    let (_, flash) = table.lookup("gemini-2.5-flash", None).unwrap();
    assert_eq!(flash.reasoning, Some(2.5e-06));
    // The file alone.
    let file_only = PriceTable::build(vec![], Some(&fixture()), false).unwrap();
    assert_eq!(file_only.len(), 21);
    assert_eq!(file_only.lookup("claude-3-5-haiku-20241022", None), None);
}

#[test]
fn inline_prices_win_over_file_and_defaults() {
    let inline = vec![("gpt-4o".to_owned(), ModelPrice::per_million(2.0, 8.0))];
    let table = PriceTable::build(inline, Some(&fixture()), true).unwrap();
    for model in ["gpt-4o", "gpt-4o-2024-08-06", "openai/gpt-4o"] {
        let (k, p) = table.lookup(model, Some("openai")).unwrap();
        assert_eq!((k, p.input, p.output), ("gpt-4o", 2.0 / 1e6, 8.0 / 1e6), "{model}");
    }
    assert_eq!(table.lookup("gpt-4o-mini", None).unwrap().0, "gpt-4o-mini");
}

#[test]
fn pricing_file_errors_name_the_path() {
    let missing = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/no-such-prices.json");
    let e = PriceTable::build(vec![], Some(&missing), true).unwrap_err();
    assert!(e.contains(&missing.display().to_string()) && e.contains("cannot read"), "{e}");
    let not_json = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let e = PriceTable::build(vec![], Some(&not_json), true).unwrap_err();
    assert!(e.contains("Cargo.toml") && e.contains("not valid JSON"), "{e}");
}

#[test]
fn gpt_4o_with_a_cached_prefix() {
    let table = PriceTable::build(vec![], None, true).unwrap();
    let (_, p) = table.lookup("gpt-4o-2024-08-06", Some("openai")).unwrap();
    let c = cost(p, &TokenUsage { input: 1000, output: 500, cache_read: 200, ..Default::default() }, 0, None);
    close(c.input_usd, 0.00225);
    close(c.output_usd, 0.005);
    close(c.total_usd, 0.00725);
}

#[test]
fn claude_sonnet_4_with_cache_read_and_write() {
    let table = PriceTable::build(vec![], None, true).unwrap();
    let (_, p) = table.lookup("us.anthropic.claude-sonnet-4-20250514-v1:0", Some("aws.bedrock")).unwrap();
    // 10,000 input of which 6,000 read from cache and 3,000 written to it; 800 output.
    let c = cost(
        p,
        &TokenUsage { input: 10_000, output: 800, cache_read: 6_000, cache_write: 3_000, reasoning: 0 },
        0,
        None,
    );
    let want_input = 1_000.0 * 3.00 / 1e6 + 6_000.0 * 0.30 / 1e6 + 3_000.0 * 3.75 / 1e6;
    close(c.input_usd, want_input);
    close(c.input_usd, 0.01605);
    close(c.output_usd, 0.012);
    close(c.total_usd, 0.02805);
}

#[test]
fn gemini_2_5_pro_above_200k_switches_every_token_class() {
    let table = PriceTable::build(vec![], None, true).unwrap();
    let (_, p) = table.lookup("models/gemini-2.5-pro", Some("gcp.gemini")).unwrap();
    let usage = TokenUsage { input: 250_000, output: 2_000, cache_read: 100_000, ..Default::default() };
    let c = cost(p, &usage, 0, None);
    close(c.input_usd, 150_000.0 * 2.50 / 1e6 + 100_000.0 * 0.25 / 1e6);
    close(c.output_usd, 2_000.0 * 15.00 / 1e6);
    close(c.total_usd, 0.43);

    let below = TokenUsage { input: 200_000, output: 2_000, cache_read: 100_000, ..Default::default() };
    let c = cost(p, &below, 0, None);
    close(c.input_usd, 100_000.0 * 1.25 / 1e6 + 100_000.0 * 0.125 / 1e6);
    close(c.output_usd, 0.02);
}

#[test]
fn gemini_1_5_pro_switches_above_128k() {
    let table = PriceTable::build(vec![], None, true).unwrap();
    let (_, p) = table.lookup("gemini-1.5-pro-002", None).unwrap();
    let c = cost(p, &TokenUsage { input: 128_001, output: 1_000, ..Default::default() }, 0, None);
    close(c.input_usd, 128_001.0 * 2.50 / 1e6);
    close(c.output_usd, 0.01);
}

#[test]
fn reasoning_priced_separately_when_the_file_says_so() {
    let table = PriceTable::build(vec![], Some(&fixture()), true).unwrap();
    let (_, p) = table.lookup("gemini-2.5-flash-preview-04-17", Some("gemini")).unwrap();
    let c = cost(p, &TokenUsage { input: 1_000, output: 2_000, reasoning: 1_500, ..Default::default() }, 0, None);
    close(c.input_usd, 1_000.0 * 1.5e-07);
    close(c.output_usd, 500.0 * 6e-07 + 1_500.0 * 3.5e-06);

    // gpt-5.4 in the file switches above 272k; its long-context cache write falls back to the long input rate.
    let (_, p) = table.lookup("gpt-5.4", None).unwrap();
    let c = cost(
        p,
        &TokenUsage { input: 300_000, output: 10, cache_read: 200_000, cache_write: 1_000, reasoning: 0 },
        0,
        None,
    );
    close(c.input_usd, 99_000.0 * 5e-06 + 200_000.0 * 5e-07 + 1_000.0 * 5e-06);
    close(c.output_usd, 10.0 * 2.25e-05);
}

#[test]
fn embeddings_cost_input_only() {
    let table = PriceTable::build(vec![], None, true).unwrap();
    let (_, p) = table.lookup("text-embedding-3-small", Some("openai")).unwrap();
    let c = cost(p, &TokenUsage { input: 1_000_000, ..Default::default() }, 0, None);
    close(c.input_usd, 0.02);
    assert_eq!(c.output_usd, 0.0);
}

/// Point LAST9_LITELLM_FILE at a real model_prices_and_context_window.json to check the loader against it.
#[test]
fn real_litellm_file_if_given() {
    let Some(path) = std::env::var_os("LAST9_LITELLM_FILE") else {
        return;
    };
    let table = PriceTable::build(vec![], Some(Path::new(&path)), true).unwrap();
    eprintln!("{} entries loaded, {} skipped", table.file_entries_loaded(), table.file_entries_skipped());
    assert!(table.file_entries_loaded() > 0);
    for model in ["gpt-4o", "claude-sonnet-4-20250514", "gemini-2.5-pro"] {
        assert!(table.lookup(model, None).is_some(), "{model}");
    }
}

#[test]
fn a_missing_pricing_file_is_named_once_in_the_error() {
    let missing = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/no-such-prices.json");
    let config = serde_json::json!({ "pricing_file": missing }).to_string();
    let e = last9_genai::Processor::from_json(config.as_bytes()).err().expect("refused").to_string();
    assert!(e.starts_with(&format!("last9_genai config: pricing_file: {}: cannot read:", missing.display())), "{e}");
    assert_eq!(e.matches("pricing_file").count(), 1, "{e}");
}
