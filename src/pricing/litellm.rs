//! Loader for LiteLLM's `model_prices_and_context_window.json` (MIT), prices in USD per TOKEN.
//!
//! The real file has thousands of entries of every kind (image, audio, per-second, per-character, rerank), plus a
//! `sample_spec` documentation entry. One odd entry must never cost the user all the others: entries that cannot be
//! priced per token are skipped and counted.

use super::model_price::{LongContext, ModelPrice};
use super::off_peak;
use super::service_tier::Tiers;
use serde_json::{Map, Value};

pub(crate) struct LiteLlmEntry {
    pub key: String,
    pub litellm_provider: Option<String>,
    pub price: ModelPrice,
}

pub(crate) struct LiteLlmPrices {
    pub entries: Vec<LiteLlmEntry>,
    /// Entries without usable per-token input/output prices (and `sample_spec`).
    pub skipped: usize,
}

/// Modes whose calls produce no output tokens: a missing output price means 0, not "unpriceable".
const INPUT_ONLY_MODES: [&str; 3] = ["embedding", "moderation", "rerank"];

/// Reads the file's object; entries that cannot be priced per token are skipped and counted.
pub(crate) fn parse_map(map: Map<String, Value>) -> LiteLlmPrices {
    let mut prices = LiteLlmPrices { entries: Vec::with_capacity(map.len()), skipped: 0 };
    for (key, spec) in map {
        match parse_entry(&key, &spec) {
            Some(price) => {
                let litellm_provider = spec.get("litellm_provider").and_then(Value::as_str).map(str::to_owned);
                prices.entries.push(LiteLlmEntry { key, litellm_provider, price });
            }
            None => prices.skipped += 1,
        }
    }
    prices
}

fn parse_entry(key: &str, spec: &Value) -> Option<ModelPrice> {
    // Documents the format; in some versions its prices are real zeros, which would price a model named sample_spec.
    if key == "sample_spec" || key.trim().is_empty() {
        return None;
    }
    let spec = spec.as_object()?;
    let tiers = tiered_pricing(spec);
    // Entries priced only by whole-request tiers (DashScope's Qwen) take their normal rates from the lowest tier.
    let first = tiers.first().filter(|t| t.from == 0);
    let input = rate(spec, "input_cost_per_token").or(first.and_then(|t| t.input))?;
    let output = match rate(spec, "output_cost_per_token").or(first.and_then(|t| t.output)) {
        Some(o) => o,
        None if spec.get("mode").and_then(Value::as_str).is_some_and(|m| INPUT_ONLY_MODES.contains(&m)) => 0.0,
        None => return None,
    };
    let mut price = ModelPrice {
        input,
        output,
        cache_read: rate(spec, "cache_read_input_token_cost").or(first.and_then(|t| t.cache_read)),
        cache_write: rate(spec, "cache_creation_input_token_cost").or(first.and_then(|t| t.cache_write)),
        reasoning: rate(spec, "output_cost_per_reasoning_token"),
        long_context: Vec::new(),
        off_peak: off_peak::of_entry(spec),
        tiers: Tiers::from_litellm(spec),
        history: None,
    };
    // Tiers first, so that a `*_above_` key at the same threshold (the file's flat form) has the last word.
    for t in tiers.iter().filter(|t| t.from > 0) {
        price.add_long_context(LongContext {
            threshold_tokens: t.from,
            input: t.input.unwrap_or(input),
            output: t.output.unwrap_or(output),
            cache_read: t.cache_read,
            cache_write: t.cache_write,
        });
    }
    for lc in long_context(spec, input, output) {
        price.add_long_context(lc);
    }
    Some(price)
}

/// A finite, non-negative number; anything else is treated as absent.
fn rate(spec: &Map<String, Value>, name: &str) -> Option<f64> {
    spec.get(name).and_then(Value::as_f64).filter(|x| x.is_finite() && *x >= 0.0)
}

const LONG_PREFIXES: [&str; 4] = [
    "input_cost_per_token_above_",
    "output_cost_per_token_above_",
    "cache_read_input_token_cost_above_",
    "cache_creation_input_token_cost_above_",
];

/// `*_above_<N>k_tokens` keys (200k for Claude and Gemini 2.5, 128k for Gemini 1.5, 272k for newer GPT-5s), one
/// step per threshold that has an input rate (as LiteLLM reads them: the step switches on input size). Keys with
/// anything after `k_tokens` (`_priority`) or other units (`_above_1hr`) are other products and ignored.
fn long_context(spec: &Map<String, Value>, input: f64, output: f64) -> Vec<LongContext> {
    let mut thresholds: Vec<u64> = spec
        .keys()
        .filter_map(|name| parse_long_key(name).filter(|&(class, _)| class <= 1 && rate(spec, name).is_some()))
        .map(|(_, n)| n)
        .collect();
    thresholds.sort_unstable();
    thresholds.dedup();
    thresholds
        .into_iter()
        .map(|t| {
            let at = |class: usize| rate(spec, &format!("{}{}k_tokens", LONG_PREFIXES[class], t / 1000));
            LongContext {
                threshold_tokens: t,
                input: at(0).unwrap_or(input),
                output: at(1).unwrap_or(output),
                cache_read: at(2),
                cache_write: at(3),
            }
        })
        .collect()
}

/// One element of `tiered_pricing`: rates for requests whose input is above `from` tokens.
struct Tier {
    from: u64,
    input: Option<f64>,
    output: Option<f64>,
    cache_read: Option<f64>,
    cache_write: Option<f64>,
}

/// `tiered_pricing: [{"range": [0, 256000], "input_cost_per_token": ..}, {"range": [256000, null], ..}]`, by
/// lower bound; elements without a readable range or any rate are ignored.
fn tiered_pricing(spec: &Map<String, Value>) -> Vec<Tier> {
    let Some(Value::Array(list)) = spec.get("tiered_pricing") else { return Vec::new() };
    let mut tiers: Vec<Tier> = list
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|t| {
            let from = t.get("range")?.as_array()?.first()?.as_f64().filter(|x| x.is_finite() && *x >= 0.0)?;
            let tier = Tier {
                from: from as u64,
                input: rate(t, "input_cost_per_token"),
                output: rate(t, "output_cost_per_token"),
                cache_read: rate(t, "cache_read_input_token_cost"),
                cache_write: rate(t, "cache_creation_input_token_cost"),
            };
            [tier.input, tier.output, tier.cache_read, tier.cache_write].iter().any(Option::is_some).then_some(tier)
        })
        .collect();
    tiers.sort_by_key(|t| t.from);
    tiers.dedup_by_key(|t| t.from);
    tiers
}

fn parse_long_key(name: &str) -> Option<(usize, u64)> {
    LONG_PREFIXES.iter().enumerate().find_map(|(class, prefix)| {
        let digits = name.strip_prefix(prefix)?.strip_suffix("k_tokens")?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some((class, digits.parse::<u64>().ok()?.checked_mul(1000)?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> LiteLlmPrices {
        match v {
            Value::Object(m) => parse_map(m),
            _ => unreachable!(),
        }
    }

    #[test]
    fn claude_with_200k_switch_ignores_1hr_and_priority_variants() {
        let p = parse(json!({"claude-sonnet-4-20250514": {
            "litellm_provider": "anthropic", "mode": "chat",
            "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05,
            "cache_read_input_token_cost": 3e-07, "cache_creation_input_token_cost": 3.75e-06,
            "cache_creation_input_token_cost_above_1hr": 6e-06,
            "cache_creation_input_token_cost_above_1hr_above_200k_tokens": 1.2e-05,
            "input_cost_per_token_above_200k_tokens": 6e-06, "output_cost_per_token_above_200k_tokens": 2.25e-05,
            "input_cost_per_token_above_200k_tokens_priority": 9e-06,
            "cache_read_input_token_cost_above_200k_tokens": 6e-07,
            "cache_creation_input_token_cost_above_200k_tokens": 7.5e-06
        }}));
        assert_eq!(p.skipped, 0);
        let e = &p.entries[0];
        assert_eq!(e.litellm_provider.as_deref(), Some("anthropic"));
        assert_eq!((e.price.input, e.price.output), (3e-06, 1.5e-05));
        assert_eq!((e.price.cache_read, e.price.cache_write), (Some(3e-07), Some(3.75e-06)));
        assert_eq!(
            e.price.long_context,
            [LongContext {
                threshold_tokens: 200_000,
                input: 6e-06,
                output: 2.25e-05,
                cache_read: Some(6e-07),
                cache_write: Some(7.5e-06)
            }]
        );
    }

    #[test]
    fn other_thresholds() {
        let p = parse(json!({
            "gemini-1.5-pro": {"input_cost_per_token": 1.25e-06, "output_cost_per_token": 5e-06,
                "input_cost_per_token_above_128k_tokens": 2.5e-06, "output_cost_per_token_above_128k_tokens": 1e-05},
            "gpt-5.4": {"input_cost_per_token": 2.5e-06, "output_cost_per_token": 1.5e-05,
                "input_cost_per_token_above_272k_tokens": 5e-06}
        }));
        let by = |k: &str| p.entries.iter().find(|e| e.key == k).unwrap().price.long_context[0];
        assert_eq!(by("gemini-1.5-pro").threshold_tokens, 128_000);
        assert_eq!(by("gemini-1.5-pro").output, 1e-05);
        assert_eq!(by("gpt-5.4").threshold_tokens, 272_000);
        assert_eq!(by("gpt-5.4").output, 1.5e-05, "no long output rate: the normal one");
    }

    #[test]
    fn odd_entries_are_skipped_and_counted() {
        let p = parse(json!({
            "sample_spec": {"input_cost_per_token": 0.0, "output_cost_per_token": 0.0,
                "litellm_provider": "one of https://docs.litellm.ai/docs/providers", "max_tokens": "LEGACY parameter"},
            "dall-e-3": {"mode": "image_generation", "input_cost_per_pixel": 4.0054321e-08, "output_cost_per_pixel": 0.0},
            "tts-1": {"mode": "audio_speech", "input_cost_per_character": 1.5e-05},
            "broken": {"input_cost_per_token": "abc", "output_cost_per_token": 1e-06},
            "negative": {"input_cost_per_token": -1e-06, "output_cost_per_token": 1e-06},
            "chat-without-output": {"mode": "chat", "input_cost_per_token": 1e-06},
            "not-an-object": 42,
            "amazon.titan-embed-text-v1": {"mode": "embedding", "input_cost_per_token": 1e-07},
            "ollama/llama3": {"mode": "chat", "input_cost_per_token": 0.0, "output_cost_per_token": 0.0}
        }));
        assert_eq!(p.skipped, 7);
        let mut keys: Vec<_> = p.entries.iter().map(|e| e.key.as_str()).collect();
        keys.sort();
        assert_eq!(keys, ["amazon.titan-embed-text-v1", "ollama/llama3"]);
    }
}
