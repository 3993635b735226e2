//! The price of one model, and parsing one inline `pricing.<model>` configuration entry.
//!
//! Prices are kept in USD per TOKEN as f64 (the LiteLLM unit, and what the formula multiplies by); configuration and
//! the embedded defaults speak USD per MILLION tokens, like the last9-genai SDK's ModelPricing, and are divided once.

use super::off_peak::OffPeak;
use super::price_history::{parse_date, PriceHistory};
use super::service_tier::{ServiceTier, TierPrice, TierRates, Tiers};
use serde_json::Value;
use std::collections::BTreeMap;

const PER_MILLION: f64 = 1_000_000.0;

/// Rates that replace the normal ones for a whole request whose input exceeds `threshold_tokens`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LongContext {
    pub threshold_tokens: u64,
    pub input: f64,
    pub output: f64,
    /// `None`: the normal cache-read rate if the model has one, else the long-context input rate.
    pub cache_read: Option<f64>,
    /// `None`: the normal cache-write rate if the model has one, else the long-context input rate.
    pub cache_write: Option<f64>,
}

/// USD per token. `None` rates fall back as documented on [`crate::pricing::cost`].
#[derive(Debug, Clone, PartialEq)]
pub struct ModelPrice {
    /// Input tokens not read from or written to the cache.
    pub input: f64,
    /// Output tokens not spent on reasoning (all of them when `reasoning` is `None`).
    pub output: f64,
    /// Cache reads; `None`: the input rate.
    pub cache_read: Option<f64>,
    /// Cache writes; `None`: the input rate.
    pub cache_write: Option<f64>,
    /// Reasoning tokens; `None`: the output rate.
    pub reasoning: Option<f64>,
    /// Ascending by threshold, no two alike: the highest threshold the request's input exceeds applies.
    pub long_context: Vec<LongContext>,
    /// Rates that replace the others (whichever long-context step applies) inside time-of-day windows.
    pub off_peak: Option<Box<OffPeak>>,
    /// Rates of the service tiers the entry prices apart from the standard one.
    pub tiers: Tiers,
    /// The prices the entry had before its current ones (`ModelPrice::at`).
    pub history: Option<Box<PriceHistory>>,
}

const CLASSES: [&str; 5] = ["input", "output", "cache_read", "cache_write", "reasoning"];
const LONG_CLASSES: [&str; 4] = ["input", "output", "cache_read", "cache_write"];

impl ModelPrice {
    /// Input and output rates given in USD per million tokens; nothing else set.
    pub fn per_million(input: f64, output: f64) -> ModelPrice {
        ModelPrice {
            input: input / PER_MILLION,
            output: output / PER_MILLION,
            cache_read: None,
            cache_write: None,
            reasoning: None,
            long_context: Vec::new(),
            off_peak: None,
            tiers: Tiers::default(),
            history: None,
        }
    }

    /// Sets the cache-read and cache-write rates (USD per million tokens; `None`: the input rate applies).
    pub fn with_cache_per_million(mut self, read: Option<f64>, write: Option<f64>) -> ModelPrice {
        self.cache_read = read.map(|r| r / PER_MILLION);
        self.cache_write = write.map(|w| w / PER_MILLION);
        self
    }

    /// Sets the reasoning-token rate (USD per million tokens).
    pub fn with_reasoning_per_million(mut self, reasoning: f64) -> ModelPrice {
        self.reasoning = Some(reasoning / PER_MILLION);
        self
    }

    /// Adds a long-context step: above `threshold_tokens` of input the whole request pays these rates.
    pub fn with_long_context_per_million(
        mut self,
        threshold_tokens: u64,
        input: f64,
        output: f64,
        cache_read: Option<f64>,
        cache_write: Option<f64>,
    ) -> ModelPrice {
        self.add_long_context(LongContext {
            threshold_tokens,
            input: input / PER_MILLION,
            output: output / PER_MILLION,
            cache_read: cache_read.map(|r| r / PER_MILLION),
            cache_write: cache_write.map(|w| w / PER_MILLION),
        });
        self
    }

    /// Adds a long-context step (per-token rates), replacing one at the same threshold.
    pub fn add_long_context(&mut self, lc: LongContext) {
        match self.long_context.binary_search_by_key(&lc.threshold_tokens, |l| l.threshold_tokens) {
            Ok(i) => self.long_context[i] = lc,
            Err(i) => self.long_context.insert(i, lc),
        }
    }

    /// The long-context step a request of `input_tokens` (cache included) is billed at, if any.
    pub fn long_context_for(&self, input_tokens: u64) -> Option<&LongContext> {
        self.long_context.iter().rev().find(|lc| input_tokens > lc.threshold_tokens)
    }

    /// Parses one inline config entry, prices in USD per MILLION tokens; `key` (e.g. "pricing.gpt-4o") prefixes errors.
    ///
    /// Long-context keys are `<class>_above_<N>k`; the brief and the docs say `_above_200k`, but any whole number of
    /// thousands is accepted (Gemini 1.5 switches above 128k), and one model may have several steps
    /// (`input_above_128k` and `input_above_1000k`): a request is billed at the highest one its input exceeds.
    pub fn from_config_json(key: &str, v: &Value) -> Result<ModelPrice, String> {
        let obj = v.as_object().ok_or_else(|| {
            format!("{key}: expected an object such as {{\"input\": 2.5, \"output\": 10}} (USD per million tokens), got {v}")
        })?;
        let mut normal: [Option<f64>; 5] = [None; 5];
        let mut steps: BTreeMap<u64, [Option<f64>; 4]> = BTreeMap::new();
        let mut tiers = Vec::new();
        let mut valid_from = None;
        let mut earlier: Vec<(u64, ModelPrice)> = Vec::new();
        for (name, value) in obj {
            let rate = usd_per_million(key, name, value);
            if let Some(i) = CLASSES.iter().position(|c| c == name) {
                normal[i] = Some(rate?);
            } else if let Some((i, n)) = parse_long_key(name) {
                steps.entry(n).or_default()[i] = Some(rate?);
            } else if name == "valid_from" {
                valid_from = Some(date_of(&format!("{key}.valid_from"), value)?);
            } else if name == "history" {
                let Value::Array(list) = value else {
                    return Err(format!("{key}.history: expected a list of earlier prices, each with valid_from"));
                };
                for (i, old) in list.iter().enumerate() {
                    let at = format!("{key}.history[{i}]");
                    let from = old.get("valid_from").ok_or_else(|| format!("{at}.valid_from: required (a date)"))?;
                    let from = date_of(&format!("{at}.valid_from"), from)?;
                    let mut rates = old.clone();
                    if let Some(o) = rates.as_object_mut() {
                        o.remove("valid_from");
                        if o.contains_key("history") {
                            return Err(format!("{at}.history: an earlier price has no history of its own"));
                        }
                    }
                    earlier.push((from, ModelPrice::from_config_json(&at, &rates)?));
                }
            } else if let Some(tier) = ServiceTier::ALL.into_iter().find(|t| t.as_str() == name) {
                tiers.push((tier, tier_from_config(&format!("{key}.{name}"), value)?));
            } else {
                return Err(format!(
                    "{key}.{name}: unknown key; expected one of input, output, cache_read, cache_write, reasoning, \
                     input_above_200k, output_above_200k, cache_read_above_200k, cache_write_above_200k \
                     (200k may be any threshold in thousands of input tokens, e.g. input_above_128k), \
                     priority, flex, batch (service tiers), valid_from, history"
                ));
            }
        }
        let input = normal[0].ok_or_else(|| format!("{key}.input: required (USD per million tokens)"))?;
        let output = normal[1].ok_or_else(|| format!("{key}.output: required (USD per million tokens)"))?;
        let mut price = ModelPrice::per_million(input, output).with_cache_per_million(normal[2], normal[3]);
        if let Some(r) = normal[4] {
            price = price.with_reasoning_per_million(r);
        }
        for (tier, price_of_tier) in tiers {
            price.tiers.set(tier, price_of_tier);
        }
        if !earlier.is_empty() {
            let current_from = valid_from
                .ok_or_else(|| format!("{key}.valid_from: required with history (when these rates began)"))?;
            earlier.sort_by_key(|(from, _)| *from);
            if earlier.windows(2).any(|w| w[0].0 == w[1].0) || earlier.last().is_some_and(|(f, _)| *f >= current_from) {
                return Err(format!(
                    "{key}.history: each earlier price needs its own valid_from, before the entry's valid_from"
                ));
            }
            price.history = Some(Box::new(PriceHistory { current_from, earlier }));
        }
        for (t, long) in steps {
            // A step that names only some classes keeps the normal rate for the others.
            price = price.with_long_context_per_million(
                t,
                long[0].unwrap_or(input),
                long[1].unwrap_or(output),
                long[2],
                long[3],
            );
        }
        Ok(price)
    }
}

fn date_of(key: &str, v: &Value) -> Result<u64, String> {
    v.as_str()
        .and_then(parse_date)
        .ok_or_else(|| format!("{key}: expected a date such as \"2024-10-02\" (midnight UTC), got {v}"))
}

/// A tier's object in an inline entry: `{"input": 4.25, "output": 17, "input_above_200k": 8.5}`, USD per million
/// tokens; a class it does not name keeps the standard rate.
fn tier_from_config(key: &str, v: &Value) -> Result<TierPrice, String> {
    let obj = v.as_object().ok_or_else(|| {
        format!("{key}: expected an object of this tier's rates such as {{\"input\": 4.25, \"output\": 17}}, got {v}")
    })?;
    let mut base = TierRates::default();
    let mut long: BTreeMap<u64, TierRates> = BTreeMap::new();
    for (name, value) in obj {
        let per_token = usd_per_million(key, name, value)? / PER_MILLION;
        let slot = |r: &mut TierRates, class: usize| match class {
            0 => r.input = Some(per_token),
            1 => r.output = Some(per_token),
            2 => r.cache_read = Some(per_token),
            3 => r.cache_write = Some(per_token),
            _ => r.reasoning = Some(per_token),
        };
        if let Some(i) = CLASSES.iter().position(|c| c == name) {
            slot(&mut base, i);
        } else if let Some((i, n)) = parse_long_key(name) {
            slot(long.entry(n).or_default(), i);
        } else {
            return Err(format!(
                "{key}.{name}: unknown key; expected one of input, output, cache_read, cache_write, reasoning, \
                 or one of the first four with _above_<N>k"
            ));
        }
    }
    Ok(TierPrice { base, long: long.into_iter().collect() })
}

/// `cache_read_above_128k` -> (index into LONG_CLASSES, 128_000).
fn parse_long_key(name: &str) -> Option<(usize, u64)> {
    let (class, rest) = name.split_once("_above_")?;
    let i = LONG_CLASSES.iter().position(|c| *c == class)?;
    let digits = rest.strip_suffix('k')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Above 0k would be every request: a typo, not a price.
    let thousands: u64 = digits.parse().ok().filter(|&k| k > 0)?;
    Some((i, thousands.checked_mul(1000)?))
}

fn usd_per_million(key: &str, name: &str, value: &Value) -> Result<f64, String> {
    match value.as_f64() {
        Some(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(format!("{key}.{name}: expected a non-negative number of USD per million tokens, got {value}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn minimal_entry_converts_to_per_token() {
        let p = ModelPrice::from_config_json("pricing.gpt-4o", &json!({"input": 2.5, "output": 10})).unwrap();
        assert_eq!(p, ModelPrice::per_million(2.5, 10.0));
        assert_eq!(p.input, 2.5e-6);
        assert_eq!(p.output, 10.0e-6);
        assert_eq!(p.cache_read, None);
        assert!(p.long_context.is_empty());
    }

    #[test]
    fn full_entry_with_long_context() {
        let v = json!({
            "input": 3, "output": 15, "cache_read": 0.3, "cache_write": 3.75, "reasoning": 20,
            "input_above_200k": 6, "output_above_200k": 22.5, "cache_read_above_200k": 0.6, "cache_write_above_200k": 7.5
        });
        let p = ModelPrice::from_config_json("pricing.claude-sonnet-4", &v).unwrap();
        assert_eq!(p.cache_read, Some(0.3 / 1e6));
        assert_eq!(p.cache_write, Some(3.75 / 1e6));
        assert_eq!(p.reasoning, Some(20.0 / 1e6));
        let lc = p.long_context[0];
        assert_eq!(p.long_context.len(), 1);
        assert_eq!(lc.threshold_tokens, 200_000);
        assert_eq!((lc.input, lc.output), (6.0 / 1e6, 22.5 / 1e6));
        assert_eq!((lc.cache_read, lc.cache_write), (Some(0.6 / 1e6), Some(7.5 / 1e6)));
    }

    #[test]
    fn other_thresholds_and_partial_long_context() {
        let v = json!({"input": 1.25, "output": 5, "input_above_128k": 2.5});
        let lc = ModelPrice::from_config_json("pricing.gemini-1.5-pro", &v).unwrap().long_context[0];
        assert_eq!(lc.threshold_tokens, 128_000);
        assert_eq!(lc.input, 2.5 / 1e6);
        assert_eq!(lc.output, 5.0 / 1e6, "an unnamed long-context class keeps the normal rate");
        assert_eq!(lc.cache_read, None);
    }

    #[test]
    fn several_long_context_steps_each_with_their_own_classes() {
        let v = json!({"input": 1, "output": 2, "output_above_128k": 4, "input_above_1000k": 3, "input_above_128k": 2});
        let p = ModelPrice::from_config_json("pricing.m", &v).unwrap();
        let steps: Vec<_> = p.long_context.iter().map(|l| (l.threshold_tokens, l.input, l.output)).collect();
        assert_eq!(steps, [(128_000, 2.0 / 1e6, 4.0 / 1e6), (1_000_000, 3.0 / 1e6, 2.0 / 1e6)]);
        assert_eq!(p.long_context_for(128_000), None);
        assert_eq!(p.long_context_for(128_001).map(|l| l.threshold_tokens), Some(128_000));
        assert_eq!(p.long_context_for(2_000_000).map(|l| l.threshold_tokens), Some(1_000_000));
    }

    #[test]
    fn service_tiers_inline() {
        let v = json!({"input": 2.5, "output": 10, "priority": {"input": 4.25, "output": 17, "input_above_200k": 8.5},
            "flex": {"input": 1.25}});
        let p = ModelPrice::from_config_json("pricing.gpt-4o", &v).unwrap();
        let prio = p.tiers.get(ServiceTier::Priority).unwrap();
        assert_eq!((prio.base.input, prio.base.output, prio.base.cache_read), (Some(4.25e-6), Some(17e-6), None));
        assert_eq!(prio.long, [(200_000, TierRates { input: Some(8.5e-6), ..Default::default() })]);
        assert_eq!(p.tiers.get(ServiceTier::Flex).unwrap().base.output, None);
        assert!(p.tiers.get(ServiceTier::Batch).is_none());
        let e = ModelPrice::from_config_json("pricing.m", &json!({"input": 1, "output": 2, "priority": {"inptu": 1}}));
        assert!(e.unwrap_err().starts_with("pricing.m.priority.inptu: unknown key"));
        let e = ModelPrice::from_config_json("pricing.m", &json!({"input": 1, "output": 2, "batch": 0.5}));
        assert!(e.unwrap_err().starts_with("pricing.m.batch: expected an object"));
    }

    #[test]
    fn history_inline() {
        let v = json!({"input": 2.5, "output": 10, "valid_from": "2024-10-02",
            "history": [{"valid_from": "2024-05-13", "input": 5, "output": 15}]});
        let p = ModelPrice::from_config_json("pricing.gpt-4o", &v).unwrap();
        let june = parse_date("2024-06-01").unwrap();
        assert_eq!((p.at(june).input, p.at(june).output), (5e-6, 15e-6));
        let e = |v: Value| ModelPrice::from_config_json("pricing.m", &v).unwrap_err();
        assert_eq!(
            e(json!({"input": 1, "output": 2, "history": [{"valid_from": "2024-05-13", "input": 5, "output": 15}]})),
            "pricing.m.valid_from: required with history (when these rates began)"
        );
        assert!(e(json!({"input": 1, "output": 2, "valid_from": "2024-01-01",
            "history": [{"valid_from": "2024-05-13", "input": 5, "output": 15}]}))
        .contains("before the entry's valid_from"));
        assert_eq!(
            e(json!({"input": 1, "output": 2, "valid_from": "May 2024"})),
            "pricing.m.valid_from: expected a date such as \"2024-10-02\" (midnight UTC), got \"May 2024\""
        );
        assert_eq!(
            e(json!({"input": 1, "output": 2, "valid_from": "2024-10-02", "history": [{"input": 5, "output": 15}]})),
            "pricing.m.history[0].valid_from: required (a date)"
        );
    }

    #[test]
    fn errors_name_the_key() {
        let e = ModelPrice::from_config_json("pricing.gpt-4o", &json!({"input": 1, "output": 2, "foo": 1}));
        let e = e.unwrap_err();
        assert!(e.starts_with("pricing.gpt-4o.foo: unknown key; expected one of input, output, "), "{e}");

        let e = ModelPrice::from_config_json("pricing.gpt-4o", &json!({"input": "abc", "output": 2})).unwrap_err();
        assert_eq!(e, "pricing.gpt-4o.input: expected a non-negative number of USD per million tokens, got \"abc\"");

        let e = ModelPrice::from_config_json("pricing.gpt-4o", &json!({"input": 1, "output": -2})).unwrap_err();
        assert_eq!(e, "pricing.gpt-4o.output: expected a non-negative number of USD per million tokens, got -2");

        let e = ModelPrice::from_config_json("pricing.gpt-4o", &json!({"output": 2})).unwrap_err();
        assert_eq!(e, "pricing.gpt-4o.input: required (USD per million tokens)");

        let e = ModelPrice::from_config_json("pricing.gpt-4o", &json!(2.5)).unwrap_err();
        assert!(e.starts_with("pricing.gpt-4o: expected an object"), "{e}");

        for bad in ["input_above_k", "input_above_200", "reasoning_above_200k", "input_above_2x0k", "input_above_0k"] {
            let v = json!({"input": 1, "output": 2, bad: 1});
            let e = ModelPrice::from_config_json("pricing.m", &v).unwrap_err();
            assert!(e.starts_with(&format!("pricing.m.{bad}: unknown key")), "{e}");
        }
    }
}
