//! Embedded list prices, so cost works with no configuration. USD per MILLION tokens, standard (non-batch,
//! non-priority) tier, text tokens. Checked against the vendors' pricing pages and LiteLLM's price file (2026-07).
//! A `pricing_file` or inline `pricing` entries override these; newer models belong there first.

use super::model_price::ModelPrice;
use super::price_history::{parse_date, PriceHistory};
use super::provider::Family::{self, *};
use once_cell::sync::Lazy;

/// Long-context switch: (threshold in input tokens, input, output, cache read, cache write).
type Long = (u64, f64, f64, Option<f64>, Option<f64>);
/// (model, vendor, input, output, cache read, cache write, long context). A `None` cache rate means the input rate.
type Row = (&'static str, Family, f64, f64, Option<f64>, Option<f64>, Option<Long>);

const CLAUDE_SONNET_1M: Option<Long> = Some((200_000, 6.00, 22.50, Some(0.60), Some(7.50)));

#[rustfmt::skip]
pub(crate) static DEFAULT_PRICES: &[Row] = &[
    // openai.com/api/pricing, 2026-07. Cache writes are not charged extra: they cost the input rate.
    ("gpt-5.2",                 OpenAi,  1.75,  14.00, Some(0.175), None, None),
    ("gpt-5.1",                 OpenAi,  1.25,  10.00, Some(0.125), None, None),
    ("gpt-5",                   OpenAi,  1.25,  10.00, Some(0.125), None, None),
    ("gpt-5-mini",              OpenAi,  0.25,   2.00, Some(0.025), None, None),
    ("gpt-5-nano",              OpenAi,  0.05,   0.40, Some(0.005), None, None),
    ("gpt-5-chat-latest",       OpenAi,  1.25,  10.00, Some(0.125), None, None),
    ("gpt-5-pro",               OpenAi, 15.00, 120.00, None,        None, None),
    ("gpt-4.1",                 OpenAi,  2.00,   8.00, Some(0.50),  None, None),
    ("gpt-4.1-mini",            OpenAi,  0.40,   1.60, Some(0.10),  None, None),
    ("gpt-4.1-nano",            OpenAi,  0.10,   0.40, Some(0.025), None, None),
    ("gpt-4o",                  OpenAi,  2.50,  10.00, Some(1.25),  None, None),
    // The first gpt-4o snapshot kept its launch price; an exact dated key wins over the undated one.
    ("gpt-4o-2024-05-13",       OpenAi,  5.00,  15.00, None,        None, None),
    ("chatgpt-4o-latest",       OpenAi,  5.00,  15.00, None,        None, None),
    ("gpt-4o-mini",             OpenAi,  0.15,   0.60, Some(0.075), None, None),
    ("o1",                      OpenAi, 15.00,  60.00, Some(7.50),  None, None),
    ("o1-mini",                 OpenAi,  1.10,   4.40, Some(0.55),  None, None),
    ("o1-pro",                  OpenAi,150.00, 600.00, None,        None, None),
    ("o3",                      OpenAi,  2.00,   8.00, Some(0.50),  None, None),
    ("o3-mini",                 OpenAi,  1.10,   4.40, Some(0.55),  None, None),
    ("o3-pro",                  OpenAi, 20.00,  80.00, None,        None, None),
    ("o4-mini",                 OpenAi,  1.10,   4.40, Some(0.275), None, None),
    ("gpt-4-turbo",             OpenAi, 10.00,  30.00, None,        None, None),
    ("gpt-4",                   OpenAi, 30.00,  60.00, None,        None, None),
    ("gpt-3.5-turbo",           OpenAi,  0.50,   1.50, None,        None, None),
    ("text-embedding-3-small",  OpenAi,  0.02,   0.00, None,        None, None),
    ("text-embedding-3-large",  OpenAi,  0.13,   0.00, None,        None, None),
    ("text-embedding-ada-002",  OpenAi,  0.10,   0.00, None,        None, None),

    // claude.com/pricing, 2026-07. Cache write = 5-minute TTL rate (1.25x input); 1-hour writes (2x) are not
    // distinguishable on spans. Sonnet 4 / 4.5 switch to the 1M-context rates above 200k input tokens.
    ("claude-opus-4-5",         Anthropic,  5.00, 25.00, Some(0.50), Some(6.25),  None),
    ("claude-opus-4-1",         Anthropic, 15.00, 75.00, Some(1.50), Some(18.75), None),
    ("claude-opus-4",           Anthropic, 15.00, 75.00, Some(1.50), Some(18.75), None),
    ("claude-sonnet-4-5",       Anthropic,  3.00, 15.00, Some(0.30), Some(3.75),  CLAUDE_SONNET_1M),
    ("claude-sonnet-4",         Anthropic,  3.00, 15.00, Some(0.30), Some(3.75),  CLAUDE_SONNET_1M),
    ("claude-haiku-4-5",        Anthropic,  1.00,  5.00, Some(0.10), Some(1.25),  None),
    ("claude-3-7-sonnet",       Anthropic,  3.00, 15.00, Some(0.30), Some(3.75),  None),
    ("claude-3-5-sonnet",       Anthropic,  3.00, 15.00, Some(0.30), Some(3.75),  None),
    ("claude-3-5-haiku",        Anthropic,  0.80,  4.00, Some(0.08), Some(1.00),  None),
    ("claude-3-opus",           Anthropic, 15.00, 75.00, Some(1.50), Some(18.75), None),
    ("claude-3-haiku",          Anthropic,  0.25,  1.25, Some(0.03), Some(0.30),  None),

    // ai.google.dev/gemini-api/docs/pricing, 2026-07 (Vertex AI list prices match for these). Cache read = context
    // caching rate (storage per hour is not per call and not priced here); Gemini has no separate cache-write rate.
    // Gemini 2.5/3 Pro switch above 200k input tokens, Gemini 1.5 above 128k.
    ("gemini-3-pro-preview",    Gemini, 2.00,  12.00, Some(0.20),    None, Some((200_000, 4.00, 18.00, Some(0.40), None))),
    ("gemini-3-flash-preview",  Gemini, 0.50,   3.00, Some(0.05),    None, None),
    ("gemini-2.5-pro",          Gemini, 1.25,  10.00, Some(0.125),   None, Some((200_000, 2.50, 15.00, Some(0.25), None))),
    ("gemini-2.5-flash",        Gemini, 0.30,   2.50, Some(0.03),    None, None),
    ("gemini-2.5-flash-lite",   Gemini, 0.10,   0.40, Some(0.01),    None, None),
    ("gemini-2.0-flash",        Gemini, 0.10,   0.40, Some(0.025),   None, None),
    ("gemini-2.0-flash-lite",   Gemini, 0.075,  0.30, None,          None, None),
    ("gemini-1.5-pro",          Gemini, 1.25,   5.00, Some(0.3125),  None, Some((128_000, 2.50, 10.00, Some(0.625), None))),
    ("gemini-1.5-flash",        Gemini, 0.075,  0.30, Some(0.01875), None, Some((128_000, 0.15, 0.60, Some(0.0375), None))),
    ("gemini-1.5-flash-8b",     Gemini, 0.0375, 0.15, Some(0.01),    None, Some((128_000, 0.075, 0.30, Some(0.02), None))),
    ("gemini-embedding-001",    Gemini, 0.15,   0.00, None,          None, None),

    // mistral.ai/pricing, 2026-07 (the `-latest` aliases resolve to these names).
    ("mistral-large",           Mistral, 2.00, 6.00, None, None, None),
    ("pixtral-large",           Mistral, 2.00, 6.00, None, None, None),
    ("mistral-medium",          Mistral, 0.40, 2.00, None, None, None),
    ("mistral-small",           Mistral, 0.10, 0.30, None, None, None),
    ("magistral-medium",        Mistral, 2.00, 5.00, None, None, None),
    ("magistral-small",         Mistral, 0.50, 1.50, None, None, None),
    ("codestral",               Mistral, 0.30, 0.90, None, None, None),
    ("ministral-8b",            Mistral, 0.10, 0.10, None, None, None),
    ("ministral-3b",            Mistral, 0.04, 0.04, None, None, None),
    ("open-mistral-nemo",       Mistral, 0.15, 0.15, None, None, None),
    ("mistral-embed",           Mistral, 0.10, 0.00, None, None, None),

    // cohere.com/pricing, 2026-07.
    ("command-a",               Cohere, 2.50,   10.00, None, None, None),
    ("command-r-plus",          Cohere, 2.50,   10.00, None, None, None),
    ("command-r",               Cohere, 0.15,    0.60, None, None, None),
    ("command-r7b",             Cohere, 0.0375,  0.15, None, None, None),
    ("embed-v4.0",              Cohere, 0.12,    0.00, None, None, None),
    ("embed-english-v3.0",      Cohere, 0.10,    0.00, None, None, None),
    ("embed-multilingual-v3.0", Cohere, 0.10,    0.00, None, None, None),

    // api-docs.deepseek.com/quick_start/pricing, 2026-07 (V3.2: chat and reasoner share one price).
    ("deepseek-chat",           DeepSeek, 0.28, 0.42, Some(0.028), None, None),
    ("deepseek-reasoner",       DeepSeek, 0.28, 0.42, Some(0.028), None, None),

    // docs.x.ai/docs/models, 2026-07; Grok 4 doubles above 128k input tokens.
    ("grok-4",                  XAi, 3.00, 15.00, Some(0.75),  None, Some((128_000, 6.00, 30.00, Some(1.50), None))),
    ("grok-3",                  XAi, 3.00, 15.00, Some(0.75),  None, None),
    ("grok-3-mini",             XAi, 0.30,  0.50, Some(0.075), None, None),
];

/// (valid from, input, output, cache read), per million tokens.
type Earlier = (&'static str, f64, f64, Option<f64>);

/// Earlier list prices of models whose price changed: (model, the day the current row's price began, and before it
/// (from, input, output, cache read) per million tokens), so that replayed and late calls bill at the day's price.
#[rustfmt::skip]
const HISTORY: &[(&str, &str, &[Earlier])] = &[
    // openai.com/index/hello-gpt-4o (2024-05-13: $5 / $15); the gpt-4o alias moved to gpt-4o-2024-08-06
    // ($2.50 / $10, cached $1.25) on 2024-10-02 (platform.openai.com/docs/models/gpt-4o, changelog).
    ("gpt-4o", "2024-10-02", &[("2024-05-13", 5.00, 15.00, None)]),
    // o3 launched 2025-04-16 at $10 / $40 (cached $2.50); OpenAI cut it by 80% on 2025-06-10
    // (help.openai.com "o3 price reduction", platform.openai.com/docs/pricing).
    ("o3", "2025-06-10", &[("2025-04-16", 10.00, 40.00, Some(2.50))]),
];

/// The rows as (model, vendor, per-token price).
pub(crate) fn default_prices() -> impl Iterator<Item = Converted> {
    CONVERTED.iter().cloned()
}

/// (model, vendor, per-token price).
type Converted = (&'static str, Family, ModelPrice);

/// Converted once per process: every processor and every price reload starts from the same table.
static CONVERTED: Lazy<Box<[Converted]>> = Lazy::new(|| {
    DEFAULT_PRICES
        .iter()
        .map(|&(model, family, input, output, cache_read, cache_write, long)| {
            let mut price = ModelPrice::per_million(input, output).with_cache_per_million(cache_read, cache_write);
            if let Some((threshold, l_in, l_out, l_read, l_write)) = long {
                price = price.with_long_context_per_million(threshold, l_in, l_out, l_read, l_write);
            }
            if let Some((_, since, earlier)) = HISTORY.iter().find(|(m, _, _)| *m == model) {
                let day = |d: &str| parse_date(d).expect("embedded dates are valid");
                price.history = Some(Box::new(PriceHistory {
                    current_from: day(since),
                    earlier: earlier
                        .iter()
                        .map(|&(from, i, o, read)| {
                            (day(from), ModelPrice::per_million(i, o).with_cache_per_million(read, None))
                        })
                        .collect(),
                }));
            }
            (model, family, price)
        })
        .collect()
});

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn rows_are_sane() {
        let mut seen = HashSet::new();
        for &(model, _, input, output, read, write, long) in DEFAULT_PRICES {
            assert!(seen.insert(model), "duplicate default {model}");
            assert_eq!(model, model.trim().to_ascii_lowercase(), "default keys are lowercase: {model}");
            assert!(input > 0.0 && output >= 0.0, "{model}");
            // A cache read is a discount and a cache write a surcharge, never the other way round.
            assert!(read.map_or(true, |r| r < input), "{model}");
            assert!(write.map_or(true, |w| w >= input), "{model}");
            if let Some((t, l_in, l_out, _, _)) = long {
                assert!(t >= 100_000 && l_in > input && l_out > output, "{model}");
            }
        }
        assert!(DEFAULT_PRICES.len() >= 45);
    }

    #[test]
    fn brief_list_prices() {
        let get = |m: &str| default_prices().find(|(k, _, _)| *k == m).unwrap().2;
        let gpt4o = get("gpt-4o");
        assert_eq!((gpt4o.input, gpt4o.output, gpt4o.cache_read), (2.5e-6, 10e-6, Some(1.25e-6)));
        let may_2024 = parse_date("2024-06-01").unwrap();
        assert_eq!((gpt4o.at(may_2024).input, gpt4o.at(may_2024).output), (5e-6, 15e-6));
        for (model, _, earlier) in HISTORY {
            let p = get(model);
            let h = p.history.as_ref().unwrap();
            assert!(earlier.len() == h.earlier.len() && h.earlier.iter().all(|(from, _)| *from < h.current_from));
        }
        let sonnet = get("claude-sonnet-4");
        assert_eq!((sonnet.input, sonnet.output), (3.0 / 1e6, 15.0 / 1e6));
        assert_eq!((sonnet.cache_read, sonnet.cache_write), (Some(0.3 / 1e6), Some(3.75 / 1e6)));
        assert_eq!(sonnet.long_context[0].threshold_tokens, 200_000);
        assert_eq!(get("text-embedding-3-small").input, 0.02 / 1e6);
        let g = get("gemini-2.5-pro").long_context[0];
        assert_eq!((g.input, g.output), (2.5 / 1e6, 15.0 / 1e6));
        assert_eq!(get("gemini-1.5-pro").long_context[0].threshold_tokens, 128_000);
    }
}
