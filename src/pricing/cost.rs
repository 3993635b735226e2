//! The cost formula. No rounding anywhere: sums over many spans must add up to the bill.

use super::model_price::ModelPrice;

/// Token counts of one call, normalised: `input` INCLUDES cache_read and cache_write; `output` INCLUDES reasoning.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TokenUsage {
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_write: u64,
    pub reasoning: u64,
}

/// USD. `total_usd` is always `input_usd + output_usd`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cost {
    pub input_usd: f64,
    pub output_usd: f64,
    pub total_usd: f64,
}

/// Prices one call.
///
/// - uncached input = input - cache_read - cache_write, saturating at 0 (cache counts are billed as reported even if
///   a source's numbers do not add up, so inconsistent data is visible rather than silently clipped);
/// - a missing cache-read / cache-write rate falls back to the input rate (OpenAI and Gemini bill cache writes as
///   plain input);
/// - long context is a SWITCH: when `usage.input` (cache included) exceeds the threshold, every token class of the
///   request uses the long-context rates; a missing long-context cache rate falls back to the model's normal cache
///   rate if it has one, else to the long-context input rate;
/// - reasoning tokens (part of output) use the reasoning rate if the model has one, else the output rate in force.
pub fn cost(price: &ModelPrice, usage: &TokenUsage) -> Cost {
    let long = price.long_context.as_ref().filter(|lc| usage.input > lc.threshold_tokens);
    let (input, output, cache_read, cache_write) = match long {
        Some(lc) => (
            lc.input,
            lc.output,
            lc.cache_read.or(price.cache_read).unwrap_or(lc.input),
            lc.cache_write.or(price.cache_write).unwrap_or(lc.input),
        ),
        None => (
            price.input,
            price.output,
            price.cache_read.unwrap_or(price.input),
            price.cache_write.unwrap_or(price.input),
        ),
    };
    let reasoning = price.reasoning.unwrap_or(output);

    let uncached = usage.input.saturating_sub(usage.cache_read).saturating_sub(usage.cache_write);
    let input_usd =
        uncached as f64 * input + usage.cache_read as f64 * cache_read + usage.cache_write as f64 * cache_write;
    let visible_output = usage.output.saturating_sub(usage.reasoning);
    let output_usd = visible_output as f64 * output + usage.reasoning as f64 * reasoning;
    Cost { input_usd, output_usd, total_usd: input_usd + output_usd }
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
        let c = cost(&p, &usage(1000, 500, 200, 0, 0));
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
            long_context: None,
        };
        let c = cost(&p, &usage(3000, 100, 1000, 0, 0));
        assert_eq!(c.input_usd, 2000.0 / 1048576.0 + 1000.0 / 4194304.0);
        assert_eq!(c.output_usd, 100.0 / 262144.0);
    }

    #[test]
    fn cache_write_falls_back_to_input_rate() {
        let p = ModelPrice::per_million(2.0, 8.0).with_cache_per_million(Some(0.5), None);
        let c = cost(&p, &usage(1000, 0, 100, 300, 0));
        close(c.input_usd, 600.0 * 2.0e-6 + 100.0 * 0.5e-6 + 300.0 * 2.0e-6);
        assert_eq!(c.output_usd, 0.0);
    }

    #[test]
    fn reasoning_rate_when_given_else_output_rate() {
        let plain = ModelPrice::per_million(0.15, 0.60);
        let c = cost(&plain, &usage(10, 1000, 0, 0, 800));
        close(c.output_usd, 1000.0 * 0.60e-6);

        let thinking = ModelPrice::per_million(0.15, 0.60).with_reasoning_per_million(3.50);
        let c = cost(&thinking, &usage(10, 1000, 0, 0, 800));
        close(c.output_usd, 200.0 * 0.60e-6 + 800.0 * 3.50e-6);
    }

    #[test]
    fn long_context_is_a_switch_for_the_whole_request() {
        let p = ModelPrice::per_million(1.25, 10.0)
            .with_cache_per_million(Some(0.125), None)
            .with_long_context_per_million(200_000, 2.5, 15.0, Some(0.25), None);
        let at = cost(&p, &usage(200_000, 1000, 0, 0, 0));
        close(at.input_usd, 200_000.0 * 1.25e-6);
        close(at.output_usd, 1000.0 * 10.0e-6);

        let above = cost(&p, &usage(250_000, 1000, 50_000, 0, 0));
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
        let c = cost(&p, &usage(2000, 0, 500, 500, 0));
        close(c.input_usd, 1000.0 * 4.0e-6 + 500.0 * 0.1e-6 + 500.0 * 4.0e-6);
    }

    #[test]
    fn inconsistent_counts_saturate_but_bill_what_was_reported() {
        let p = ModelPrice::per_million(1.0, 2.0).with_cache_per_million(Some(0.5), Some(1.5));
        let c = cost(&p, &usage(100, 10, 80, 80, 20));
        close(c.input_usd, 80.0 * 0.5e-6 + 80.0 * 1.5e-6);
        close(c.output_usd, 20.0 * 2.0e-6);
        assert_eq!(cost(&p, &TokenUsage::default()), Cost::default());
    }
}
