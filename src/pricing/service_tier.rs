//! Service tiers: OpenAI's `priority` / `flex` / batch, Vertex AI's priority traffic, billed at their own rates.
//!
//! The tier a call was billed at is the one its response reports (a request for `auto` is served as `default`,
//! `flex` or `priority`); the requested tier only when the response says nothing. A tier whose rates the price
//! entry does not have is billed at the standard rates, and the caller counts it.

use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceTier {
    Priority,
    Flex,
    Batch,
}

impl ServiceTier {
    pub const ALL: [ServiceTier; 3] = [ServiceTier::Priority, ServiceTier::Flex, ServiceTier::Batch];

    /// A reported tier; `None` for the standard one (`default`, `auto`, `standard`, `on_demand`) and for values we
    /// do not know, which are billed at the standard rates.
    pub fn from_reported(v: &str) -> Option<ServiceTier> {
        let v = v.trim();
        let is = |name: &str| v.eq_ignore_ascii_case(name);
        if is("priority") || is("on_demand_priority") {
            Some(ServiceTier::Priority)
        } else if is("flex") {
            Some(ServiceTier::Flex)
        } else if is("batch") || is("batches") {
            Some(ServiceTier::Batch)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceTier::Priority => "priority",
            ServiceTier::Flex => "flex",
            ServiceTier::Batch => "batch",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The suffix LiteLLM's price file gives this tier's keys.
    fn litellm_suffix(self) -> &'static str {
        match self {
            ServiceTier::Priority => "_priority",
            ServiceTier::Flex => "_flex",
            ServiceTier::Batch => "_batches",
        }
    }
}

/// One tier's rates, USD per token; `None` keeps the standard rate of that class.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TierRates {
    pub input: Option<f64>,
    pub output: Option<f64>,
    pub cache_read: Option<f64>,
    pub cache_write: Option<f64>,
    pub reasoning: Option<f64>,
}

impl TierRates {
    fn is_empty(&self) -> bool {
        [self.input, self.output, self.cache_read, self.cache_write, self.reasoning].iter().all(Option::is_none)
    }
}

/// A tier's rates below any long-context threshold, and at each threshold it prices on its own.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TierPrice {
    pub base: TierRates,
    /// (threshold in input tokens, the tier's rates above it), ascending.
    pub long: Vec<(u64, TierRates)>,
}

/// The tiers of one price entry, by `ServiceTier` index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tiers([Option<Box<TierPrice>>; 3]);

impl Tiers {
    pub fn get(&self, tier: ServiceTier) -> Option<&TierPrice> {
        self.0[tier.index()].as_deref()
    }

    pub fn set(&mut self, tier: ServiceTier, price: TierPrice) {
        self.0[tier.index()] = Some(Box::new(price));
    }

    /// Reads LiteLLM's tier keys: `input_cost_per_token_priority`, `output_cost_per_token_flex`,
    /// `cache_read_input_token_cost_batches`, ..., and above a threshold either
    /// `input_cost_per_token_above_200k_tokens_priority` or `input_cost_per_token_priority_above_200k_tokens`.
    pub(crate) fn from_litellm(spec: &Map<String, Value>) -> Tiers {
        const CLASSES: [&str; 5] = [
            "input_cost_per_token",
            "output_cost_per_token",
            "cache_read_input_token_cost",
            "cache_creation_input_token_cost",
            "output_cost_per_reasoning_token",
        ];
        let rate = |name: &str| spec.get(name).and_then(Value::as_f64).filter(|x| x.is_finite() && *x >= 0.0);
        let mut tiers = Tiers::default();
        for tier in ServiceTier::ALL {
            let suffix = tier.litellm_suffix();
            let read = |name: &dyn Fn(&str) -> String| {
                let r = |i: usize| rate(&name(CLASSES[i]));
                TierRates { input: r(0), output: r(1), cache_read: r(2), cache_write: r(3), reasoning: r(4) }
            };
            let base = read(&|class| format!("{class}{suffix}"));
            let mut thresholds: Vec<u64> = spec.keys().filter_map(|k| tier_threshold(k, suffix)).collect();
            thresholds.sort_unstable();
            thresholds.dedup();
            let long: Vec<(u64, TierRates)> = thresholds
                .into_iter()
                .map(|t| {
                    let k = t / 1000;
                    let after = read(&|class| format!("{class}_above_{k}k_tokens{suffix}"));
                    let before = read(&|class| format!("{class}{suffix}_above_{k}k_tokens"));
                    (t, merge(after, before))
                })
                .filter(|(_, r)| !r.is_empty())
                .collect();
            if !base.is_empty() || !long.is_empty() {
                tiers.set(tier, TierPrice { base, long });
            }
        }
        tiers
    }
}

fn merge(a: TierRates, b: TierRates) -> TierRates {
    TierRates {
        input: a.input.or(b.input),
        output: a.output.or(b.output),
        cache_read: a.cache_read.or(b.cache_read),
        cache_write: a.cache_write.or(b.cache_write),
        reasoning: a.reasoning.or(b.reasoning),
    }
}

/// The threshold of a tier's long-context key of either spelling, in tokens.
fn tier_threshold(key: &str, suffix: &str) -> Option<u64> {
    let digits = if let Some(rest) = key.strip_suffix(suffix) {
        rest.split_once("_above_")?.1.strip_suffix("k_tokens")?
    } else {
        let (head, rest) = key.split_once("_above_")?;
        head.strip_suffix(suffix)?;
        rest.strip_suffix("k_tokens")?
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok()?.checked_mul(1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reported_values() {
        assert_eq!(ServiceTier::from_reported("priority"), Some(ServiceTier::Priority));
        assert_eq!(ServiceTier::from_reported("ON_DEMAND_PRIORITY"), Some(ServiceTier::Priority));
        assert_eq!(ServiceTier::from_reported("flex"), Some(ServiceTier::Flex));
        assert_eq!(ServiceTier::from_reported("batch"), Some(ServiceTier::Batch));
        for standard in ["default", "auto", "standard", "on_demand", "", "something-new"] {
            assert_eq!(ServiceTier::from_reported(standard), None, "{standard}");
        }
    }

    #[test]
    fn litellm_tier_keys_in_both_spellings() {
        let spec = json!({
            "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05,
            "input_cost_per_token_priority": 5.4e-06, "output_cost_per_token_priority": 2.7e-05,
            "input_cost_per_token_above_200k_tokens_priority": 1.08e-05,
            "output_cost_per_token_priority_above_200k_tokens": 4.05e-05,
            "input_cost_per_token_flex": 1.5e-06,
            "input_cost_per_token_batches": 1.5e-06, "output_cost_per_token_batches": 7.5e-06
        });
        let tiers = Tiers::from_litellm(spec.as_object().unwrap());
        let p = tiers.get(ServiceTier::Priority).unwrap();
        assert_eq!((p.base.input, p.base.output, p.base.cache_read), (Some(5.4e-06), Some(2.7e-05), None));
        assert_eq!(
            p.long,
            [(200_000, TierRates { input: Some(1.08e-05), output: Some(4.05e-05), ..Default::default() })]
        );
        assert_eq!(tiers.get(ServiceTier::Flex).unwrap().base.output, None);
        assert_eq!(tiers.get(ServiceTier::Batch).unwrap().base.output, Some(7.5e-06));
        assert_eq!(Tiers::from_litellm(json!({"input_cost_per_token": 1.0}).as_object().unwrap()), Tiers::default());
    }
}
