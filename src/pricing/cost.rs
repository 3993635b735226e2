//! The cost formula. No rounding anywhere: sums over many spans must add up to the bill.

use super::model_price::ModelPrice;
use super::service_tier::ServiceTier;
pub use crate::tokens::TokenUsage;

/// USD. `total_usd` is always `input_usd + output_usd`; the cache parts are included in `input_usd`, and are
/// `None` when the call had no tokens of that kind.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cost {
    /// Input tokens, cache reads and writes included.
    pub input_usd: f64,
    /// Output tokens, reasoning included.
    pub output_usd: f64,
    /// `input_usd + output_usd`.
    pub total_usd: f64,
    /// The part of `input_usd` for cache reads, when the call read the cache.
    pub cache_read_usd: Option<f64>,
    /// The part of `input_usd` for cache writes, when the call wrote the cache.
    pub cache_write_usd: Option<f64>,
    /// The tier whose rates were used; `None` for the standard rates (also when the requested tier has none).
    pub service_tier: Option<ServiceTier>,
}

/// Prices one call that ended at `end_unix_nanos` (0 when unknown), served at `tier` (`None`: standard).
///
/// - uncached input = input - cache_read - cache_write, saturating at 0 (cache counts are billed as reported even if
///   a source's numbers do not add up, so inconsistent data is visible rather than silently clipped);
/// - long context is a SWITCH: when `usage.input` (cache included) exceeds a threshold, every token class of the
///   request uses the rates of the highest threshold exceeded; a rate that step does not name is the normal one
///   (for cache rates: the model's normal cache rate if it has one);
/// - a service tier the entry prices replaces those rates class by class (at a long-context step, with the
///   tier's own rates for that step when it has them, else the step's standard rates);
/// - inside an off-peak window, the off-peak rates replace whatever applies so far, class by class;
/// - a missing cache-read / cache-write rate then falls back to the input rate in force (OpenAI and Gemini bill
///   cache writes as plain input), and reasoning tokens (part of output) without a reasoning rate use the output
///   rate in force.
pub fn cost(price: &ModelPrice, usage: &TokenUsage, end_unix_nanos: u64, tier: Option<ServiceTier>) -> Cost {
    let long = price.long_context_for(usage.input);
    let (mut input, mut output, mut cache_read, mut cache_write) = match long {
        Some(lc) => (lc.input, lc.output, lc.cache_read.or(price.cache_read), lc.cache_write.or(price.cache_write)),
        None => (price.input, price.output, price.cache_read, price.cache_write),
    };
    let mut reasoning = price.reasoning;
    let tier_price = tier.and_then(|t| price.tiers.get(t).map(|p| (t, p)));
    if let Some((_, tp)) = tier_price {
        let rates = match long {
            Some(lc) => tp.long.iter().find(|(t, _)| *t == lc.threshold_tokens).map(|(_, r)| *r),
            None => Some(tp.base),
        };
        if let Some(r) = rates {
            input = r.input.unwrap_or(input);
            output = r.output.unwrap_or(output);
            cache_read = r.cache_read.or(cache_read);
            cache_write = r.cache_write.or(cache_write);
            reasoning = r.reasoning.or(reasoning);
        }
    }
    if let Some(op) = price.off_peak.as_deref().filter(|op| op.applies(end_unix_nanos)) {
        input = op.input.unwrap_or(input);
        output = op.output.unwrap_or(output);
        cache_read = op.cache_read.or(cache_read);
        cache_write = op.cache_write.or(cache_write);
        reasoning = op.reasoning.or(reasoning);
    }
    let (cache_read, cache_write) = (cache_read.unwrap_or(input), cache_write.unwrap_or(input));
    let reasoning = reasoning.unwrap_or(output);

    let uncached = usage.input.saturating_sub(usage.cache_read).saturating_sub(usage.cache_write);
    let cache_read_usd = usage.cache_read as f64 * cache_read;
    let cache_write_usd = usage.cache_write as f64 * cache_write;
    let input_usd = uncached as f64 * input + cache_read_usd + cache_write_usd;
    let visible_output = usage.output.saturating_sub(usage.reasoning);
    let output_usd = visible_output as f64 * output + usage.reasoning as f64 * reasoning;
    Cost {
        input_usd,
        output_usd,
        total_usd: input_usd + output_usd,
        cache_read_usd: (usage.cache_read > 0).then_some(cache_read_usd),
        cache_write_usd: (usage.cache_write > 0).then_some(cache_write_usd),
        service_tier: tier_price.map(|(t, _)| t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64) {
        let tol = 1e-12 * want.abs().max(f64::MIN_POSITIVE);
        assert!((got - want).abs() <= tol, "got {got:e}, want {want:e}");
    }

    fn usage(input: u64, output: u64, cache_read: u64, cache_write: u64, reasoning: u64) -> TokenUsage {
        TokenUsage { input, output, cache_read, cache_write, reasoning }
    }

    #[test]
    fn gpt_4o_with_cached_read() {
        let p = ModelPrice::per_million(2.5, 10.0).with_cache_per_million(Some(1.25), None);
        let c = cost(&p, &usage(1000, 500, 200, 0, 0), 0, None);
        close(c.input_usd, 0.00225);
        close(c.output_usd, 0.005);
        close(c.total_usd, 0.00725);
        assert_eq!(c.total_usd, c.input_usd + c.output_usd);
    }

    #[test]
    fn exact_when_rates_are_binary_fractions() {
        // 2^-20 and 2^-18 USD per token keep every product and sum exact.
        let p = ModelPrice {
            input: 2f64.powi(-20),
            output: 2f64.powi(-18),
            cache_read: Some(2f64.powi(-22)),
            cache_write: None,
            reasoning: None,
            long_context: Vec::new(),
            off_peak: None,
            tiers: Default::default(),
            history: None,
        };
        let c = cost(&p, &usage(3000, 100, 1000, 0, 0), 0, None);
        assert_eq!(c.input_usd, 2000.0 / 1048576.0 + 1000.0 / 4194304.0);
        assert_eq!(c.output_usd, 100.0 / 262144.0);
    }

    #[test]
    fn cache_write_falls_back_to_input_rate() {
        let p = ModelPrice::per_million(2.0, 8.0).with_cache_per_million(Some(0.5), None);
        let c = cost(&p, &usage(1000, 0, 100, 300, 0), 0, None);
        close(c.input_usd, 600.0 * 2.0e-6 + 100.0 * 0.5e-6 + 300.0 * 2.0e-6);
        assert_eq!(c.output_usd, 0.0);
    }

    #[test]
    fn reasoning_rate_when_given_else_output_rate() {
        let plain = ModelPrice::per_million(0.15, 0.60);
        let c = cost(&plain, &usage(10, 1000, 0, 0, 800), 0, None);
        close(c.output_usd, 1000.0 * 0.60e-6);

        let thinking = ModelPrice::per_million(0.15, 0.60).with_reasoning_per_million(3.50);
        let c = cost(&thinking, &usage(10, 1000, 0, 0, 800), 0, None);
        close(c.output_usd, 200.0 * 0.60e-6 + 800.0 * 3.50e-6);
    }

    #[test]
    fn long_context_is_a_switch_for_the_whole_request() {
        let p = ModelPrice::per_million(1.25, 10.0)
            .with_cache_per_million(Some(0.125), None)
            .with_long_context_per_million(200_000, 2.5, 15.0, Some(0.25), None);
        let at = cost(&p, &usage(200_000, 1000, 0, 0, 0), 0, None);
        close(at.input_usd, 200_000.0 * 1.25e-6);
        close(at.output_usd, 1000.0 * 10.0e-6);

        let above = cost(&p, &usage(250_000, 1000, 50_000, 0, 0), 0, None);
        close(above.input_usd, 200_000.0 * 2.5e-6 + 50_000.0 * 0.25e-6);
        close(above.output_usd, 1000.0 * 15.0e-6);
    }

    #[test]
    fn long_context_cache_fallbacks() {
        // No long-context cache rates: cache read keeps the normal cache rate, cache write (no rate at all) uses the
        // long-context input rate.
        let p = ModelPrice::per_million(1.0, 2.0)
            .with_cache_per_million(Some(0.1), None)
            .with_long_context_per_million(1000, 4.0, 8.0, None, None);
        let c = cost(&p, &usage(2000, 0, 500, 500, 0), 0, None);
        close(c.input_usd, 1000.0 * 4.0e-6 + 500.0 * 0.1e-6 + 500.0 * 4.0e-6);
    }

    #[test]
    fn inconsistent_counts_saturate_but_bill_what_was_reported() {
        let p = ModelPrice::per_million(1.0, 2.0).with_cache_per_million(Some(0.5), Some(1.5));
        let c = cost(&p, &usage(100, 10, 80, 80, 20), 0, None);
        close(c.input_usd, 80.0 * 0.5e-6 + 80.0 * 1.5e-6);
        close(c.output_usd, 20.0 * 2.0e-6);
        assert_eq!(cost(&p, &TokenUsage::default(), 0, None), Cost::default());
    }

    #[test]
    fn service_tiers_replace_rates_and_fall_back_to_standard() {
        use super::super::service_tier::{TierPrice, TierRates};
        let mut p = ModelPrice::per_million(2.0, 8.0)
            .with_cache_per_million(Some(0.5), None)
            .with_long_context_per_million(200_000, 4.0, 16.0, None, None);
        let rates = |i: f64, o: f64| TierRates { input: Some(i / 1e6), output: Some(o / 1e6), ..Default::default() };
        p.tiers
            .set(ServiceTier::Priority, TierPrice { base: rates(3.5, 14.0), long: vec![(200_000, rates(7.0, 28.0))] });
        p.tiers.set(ServiceTier::Flex, TierPrice { base: rates(1.0, 4.0), long: vec![] });
        let u = usage(1000, 100, 200, 0, 0);
        let prio = cost(&p, &u, 0, Some(ServiceTier::Priority));
        close(prio.total_usd, 800.0 * 3.5e-6 + 200.0 * 0.5e-6 + 100.0 * 14e-6);
        assert_eq!(prio.service_tier, Some(ServiceTier::Priority));
        let long = usage(300_000, 100, 0, 0, 0);
        close(cost(&p, &long, 0, Some(ServiceTier::Priority)).total_usd, 300_000.0 * 7e-6 + 100.0 * 28e-6);
        // Flex has no long-context rates of its own: the standard step's.
        close(cost(&p, &long, 0, Some(ServiceTier::Flex)).total_usd, 300_000.0 * 4e-6 + 100.0 * 16e-6);
        let batch = cost(&p, &u, 0, Some(ServiceTier::Batch));
        assert_eq!(batch.service_tier, None, "no batch rates: standard, and the caller says so");
        assert_eq!(batch.total_usd, cost(&p, &u, 0, None).total_usd);
    }

    #[test]
    fn the_highest_threshold_crossed_applies() {
        let p = ModelPrice::per_million(1.0, 4.0)
            .with_long_context_per_million(128_000, 2.0, 8.0, None, None)
            .with_long_context_per_million(256_000, 3.0, 12.0, None, None);
        close(cost(&p, &usage(128_000, 10, 0, 0, 0), 0, None).total_usd, 128_000.0 * 1e-6 + 10.0 * 4e-6);
        close(cost(&p, &usage(200_000, 10, 0, 0, 0), 0, None).total_usd, 200_000.0 * 2e-6 + 10.0 * 8e-6);
        close(cost(&p, &usage(300_000, 10, 0, 0, 0), 0, None).total_usd, 300_000.0 * 3e-6 + 10.0 * 12e-6);
    }

    #[test]
    fn off_peak_rates_replace_what_applies_class_by_class() {
        let block = serde_json::json!({"hours_utc": "16:30-00:30", "input_cost_per_token": 0.5e-6,
            "output_cost_per_reasoning_token": 1e-6});
        let mut p = ModelPrice::per_million(2.0, 8.0).with_cache_per_million(Some(0.2), None);
        p.off_peak = super::super::off_peak::OffPeak::from_litellm(&block).map(Box::new);
        let minute = 60_000_000_000u64;
        let (noon, evening) = (12 * 60 * minute, (17 * 60) * minute);
        let u = usage(1000, 100, 200, 300, 40);
        let peak = cost(&p, &u, noon, None);
        close(peak.input_usd, 500.0 * 2e-6 + 200.0 * 0.2e-6 + 300.0 * 2e-6);
        close(peak.output_usd, 100.0 * 8e-6);
        let off = cost(&p, &u, evening, None);
        // Cache read keeps its own rate; cache write (no rate) follows the off-peak input rate.
        close(off.input_usd, 500.0 * 0.5e-6 + 200.0 * 0.2e-6 + 300.0 * 0.5e-6);
        close(off.output_usd, 60.0 * 8e-6 + 40.0 * 1e-6);
        close(off.cache_read_usd.unwrap(), 200.0 * 0.2e-6);
        close(off.cache_write_usd.unwrap(), 300.0 * 0.5e-6);
        assert_eq!(cost(&p, &usage(1000, 100, 0, 0, 0), evening, None).cache_read_usd, None, "no cache reads: no part");
    }
}
