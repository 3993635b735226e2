//! Which price entry prices a call, shaped like the calls a LiteLLM price file priced wrongly before: the span's
//! provider's own entry first, the highest long-context step crossed, off-peak hours, whole-request tiers; and the
//! cost detail written beside the cost.
use crate::common::*;

fn with_file() -> Processor {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/litellm_price_choice.json");
    processor(&format!(r#"{{"pricing_file": {:?}}}"#, file.to_str().unwrap()))
}

fn call(provider: &str, model: &str, input: i64, output: i64) -> Sp {
    sp(1, 1, 0, "chat")
        .s("gen_ai.operation.name", "chat")
        .s("gen_ai.provider.name", provider)
        .s("gen_ai.request.model", model)
        .i("gen_ai.usage.input_tokens", input)
        .i("gen_ai.usage.output_tokens", output)
}

fn priced(p: &Processor, span: Sp) -> (f64, String) {
    let out = enrich(p, vec![span]);
    assert_eq!(out.status(1).as_deref(), Some("priced"));
    (out.cost(1).unwrap(), out.str(1, "gen_ai.l9.cost.model").unwrap())
}

fn other_provider_count(p: &Processor) -> u64 {
    let stats: serde_json::Value = serde_json::from_str(&p.stats_json()).unwrap();
    stats["priced_other_provider"].as_u64().unwrap()
}

#[test]
fn anthropic_call_is_not_priced_from_a_resellers_entry() {
    // `anthropic/claude-haiku-4-5` is also a routing form of `deepinfra/anthropic/claude-haiku-4-5`, which has no
    // cache rates: a cached call cost 2.7x its price there.
    let p = with_file();
    let out = enrich(
        &p,
        vec![call("anthropic", "anthropic/claude-haiku-4-5", 10_000, 200)
            .i("gen_ai.usage.cache_read.input_tokens", 8_000)
            .i("gen_ai.usage.cache_write.input_tokens", 1_000)],
    );
    let read = 8_000.0 * 1e-7;
    let write = 1_000.0 * 1.25e-6;
    close(out.cost(1).unwrap(), 1_000.0 * 1e-6 + read + write + 200.0 * 5e-6);
    close(out.f64(1, "gen_ai.usage.cost_cache_read_usd").unwrap(), read);
    close(out.f64(1, "gen_ai.usage.cost_cache_write_usd").unwrap(), write);
    assert_eq!(out.str(1, "gen_ai.l9.cost.model").as_deref(), Some("claude-haiku-4-5"));
    assert_eq!(other_provider_count(&p), 0);
}

#[test]
fn azure_call_gets_azures_price() {
    let p = with_file();
    let (usd, key) = priced(&p, call("azure.ai.openai", "gpt-4-turbo", 1_000, 100));
    close(usd, 1_000.0 * 1.1e-5 + 100.0 * 3.3e-5);
    assert_eq!(key, "azure/gpt-4-turbo");
    let (usd, key) = priced(&p, call("openai", "gpt-4-turbo", 1_000, 100));
    close(usd, 1_000.0 * 1e-5 + 100.0 * 3e-5);
    assert_eq!(key, "gpt-4-turbo");
}

#[test]
fn vertex_claude_gets_vertexs_long_context_rates() {
    let p = with_file();
    let (usd, key) = priced(&p, call("gcp.vertex_ai", "claude-sonnet-4-5@20250929", 250_000, 1_000));
    close(usd, 250_000.0 * 6e-6 + 1_000.0 * 2.25e-5);
    assert_eq!(key, "vertex_ai/claude-sonnet-4-5");
}

#[test]
fn providers_outside_the_known_families_get_their_own_entry() {
    let p = with_file();
    let (usd, key) = priced(&p, call("perplexity", "llama-3.1-70b-instruct", 1_000, 1_000));
    close(usd, 2_000.0 * 1e-6);
    assert_eq!(key, "perplexity/llama-3.1-70b-instruct");
    assert_eq!(other_provider_count(&p), 0);
}

#[test]
fn another_providers_entry_is_used_only_when_none_other_exists_and_is_counted() {
    let p = with_file();
    let (usd, key) = priced(&p, call("groq", "meta-llama/Llama-3.3-70B-Instruct-Turbo", 1_000, 500));
    close(usd, 1_500.0 * 8.8e-7);
    assert_eq!(key, "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo", "gen_ai.l9.cost.model says whose");
    assert_eq!(other_provider_count(&p), 1);
}

#[test]
fn the_highest_long_context_step_crossed_applies() {
    let p = with_file();
    for (input, rate_in, rate_out) in [(100_000, 2e-7, 5e-7), (200_000, 4e-7, 1e-6), (300_000, 8e-7, 2e-6)] {
        let (usd, _) = priced(&p, call("xai", "grok-4-fast-reasoning", input, 1_000));
        close(usd, input as f64 * rate_in + 1_000.0 * rate_out);
    }
}

#[test]
fn off_peak_calls_are_billed_at_the_off_peak_price() {
    // 2026-08-28 (20,693 days after the epoch); DeepSeek's off-peak window is 16:30-00:30 UTC, by completion time.
    let day = 20_693u64 * 86_400;
    let utc = |h: u64, m: u64| (day + h * 3_600 + m * 60) * 1_000_000_000;
    let p = with_file();
    let span = |t| {
        call("deepseek", "deepseek-chat", 10_000, 1_000).i("gen_ai.usage.cache_read.input_tokens", 4_000).ended_at(t)
    };
    let (peak, key) = priced(&p, span(utc(10, 0)));
    assert_eq!(key, "deepseek/deepseek-chat");
    close(peak, 6_000.0 * 2.7e-7 + 4_000.0 * 7e-8 + 1_000.0 * 1.1e-6);
    let (off, _) = priced(&p, span(utc(17, 0)));
    close(off, 6_000.0 * 1.35e-7 + 4_000.0 * 3.5e-8 + 1_000.0 * 5.5e-7);
    let (after_midnight, _) = priced(&p, span(utc(24, 15)));
    close(after_midnight, off);
}

#[test]
fn entries_priced_only_by_whole_request_tiers_are_priced() {
    let p = with_file();
    let (small, key) = priced(&p, call("dashscope", "qwen3-max", 10_000, 1_000));
    assert_eq!(key, "dashscope/qwen3-max");
    close(small, 10_000.0 * 1.2e-6 + 1_000.0 * 6e-6);
    let (mid, _) = priced(&p, call("dashscope", "qwen3-max", 50_000, 1_000));
    close(mid, 50_000.0 * 2.4e-6 + 1_000.0 * 1.2e-5);
    let (large, _) = priced(&p, call("dashscope", "qwen3-max", 200_000, 1_000));
    close(large, 200_000.0 * 3e-6 + 1_000.0 * 1.5e-5);
}

#[test]
fn no_cache_parts_without_cache_tokens() {
    let p = with_file();
    let out = enrich(&p, vec![call("openai", "gpt-4-turbo", 1_000, 100)]);
    assert_eq!(out.f64(1, "gen_ai.usage.cost_cache_read_usd"), None);
    assert_eq!(out.f64(1, "gen_ai.usage.cost_cache_write_usd"), None);
    assert_eq!(out.str(1, "gen_ai.l9.cost.model").as_deref(), Some("gpt-4-turbo"));
}

#[test]
fn the_tier_the_response_reports_is_billed() {
    let p = with_file();
    let gpt = |tiers: &[(&str, &str)]| {
        let mut s = call("openai", "gpt-5.1", 10_000, 1_000).i("gen_ai.usage.cache_read.input_tokens", 2_000);
        for (k, v) in tiers {
            s = s.s(k, v);
        }
        enrich(&p, vec![s])
    };
    let standard = 8_000.0 * 1.25e-6 + 2_000.0 * 1.25e-7 + 1_000.0 * 1e-5;
    let priority = 8_000.0 * 2.5e-6 + 2_000.0 * 2.5e-7 + 1_000.0 * 2e-5;
    // Asked for auto, served at priority: the response wins.
    let out = gpt(&[("openai.request.service_tier", "auto"), ("openai.response.service_tier", "priority")]);
    close(out.cost(1).unwrap(), priority);
    assert_eq!(out.str(1, "gen_ai.l9.cost.service_tier").as_deref(), Some("priority"));
    // Only the request says: flex (no cache-read rate of its own: the standard one).
    let out = gpt(&[("gen_ai.request.service_tier", "flex")]);
    close(out.cost(1).unwrap(), 8_000.0 * 6.25e-7 + 2_000.0 * 1.25e-7 + 1_000.0 * 5e-6);
    assert_eq!(out.str(1, "gen_ai.l9.cost.service_tier").as_deref(), Some("flex"));
    // Served at the standard tier: nothing written.
    let out = gpt(&[("openai.request.service_tier", "priority"), ("openai.response.service_tier", "default")]);
    close(out.cost(1).unwrap(), standard);
    assert_eq!(out.str(1, "gen_ai.l9.cost.service_tier"), None);
    let stats: serde_json::Value = serde_json::from_str(&p.stats_json()).unwrap();
    assert_eq!(stats["service_tier_unpriced"], 0);
    // A tier without rates in the entry: standard rates, and counted.
    let out = gpt(&[("openai.response.service_tier", "batch")]);
    close(out.cost(1).unwrap(), standard);
    assert_eq!(out.str(1, "gen_ai.l9.cost.service_tier"), None);
    let stats: serde_json::Value = serde_json::from_str(&p.stats_json()).unwrap();
    assert_eq!(stats["service_tier_unpriced"], 1);
}

#[test]
fn inline_tier_prices() {
    let p =
        processor(r#"{"pricing": {"gpt-4o": {"input": 2.5, "output": 10, "batch": {"input": 1.25, "output": 5}}}}"#);
    let out = enrich(&p, vec![call("openai", "gpt-4o", 1_000, 100).s("openai.response.service_tier", "batch")]);
    close(out.cost(1).unwrap(), per_m(1_000, 1.25) + per_m(100, 5.0));
    assert_eq!(out.str(1, "gen_ai.l9.cost.service_tier").as_deref(), Some("batch"));
}

#[test]
fn model_aliases_price_deployments_and_inference_profiles() {
    let p = processor(
        r#"{"model_aliases": {"prod-chat": "gpt-4o",
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/*": "claude-sonnet-4"}}"#,
    );
    let out = enrich(&p, vec![call("azure.ai.openai", "prod-chat", 1_000, 100)]);
    close(out.cost(1).unwrap(), per_m(1_000, 2.5) + per_m(100, 10.0));
    assert_eq!(out.str(1, "gen_ai.l9.cost.model").as_deref(), Some("gpt-4o"));
    let arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3";
    let out = enrich(&p, vec![call("aws.bedrock", arn, 1_000, 100)]);
    close(out.cost(1).unwrap(), per_m(1_000, 3.0) + per_m(100, 15.0));
    assert_eq!(out.str(1, "gen_ai.l9.cost.model").as_deref(), Some("claude-sonnet-4"));
}

#[test]
fn an_alias_to_an_unpriced_model_is_a_config_error() {
    let error = |json: &[u8]| last9_genai::Processor::from_json(json).err().expect("config error").to_string();
    let e = error(br#"{"model_aliases": {"prod-chat": "gpt-99"}}"#);
    assert_eq!(e, r#"last9_genai config: model_aliases.prod-chat: no price for "gpt-99" (add it under pricing)"#);
    let e = error(br#"{"model_aliases": {"prod-chat": 4}}"#);
    assert_eq!(e, "last9_genai config: model_aliases.prod-chat: expected a model name string, got 4");
}

#[test]
fn unpriced_calls_are_counted_by_reason_with_the_unknown_model_names() {
    let p = processor("{}");
    let stats = || -> serde_json::Value { serde_json::from_str(&p.stats_json()).unwrap() };
    enrich(&p, vec![call("openai", "gpt-99", 10, 10)]);
    enrich(&p, vec![sp(2, 1, 0, "chat").s("gen_ai.operation.name", "chat").s("gen_ai.request.model", "gpt-99")]);
    // A streaming call whose provider sent no usage: an LLM span naming its model, no counts.
    enrich(&p, vec![sp(3, 1, 0, "chat").s("gen_ai.operation.name", "chat").s("gen_ai.request.model", "gpt-4o")]);
    enrich(&p, vec![sp(4, 1, 0, "chat").chat("gpt-4o", 0, 0)]);
    enrich(
        &p,
        vec![sp(5, 1, 0, "chat")
            .s("gen_ai.operation.name", "chat")
            .s("gen_ai.request.model", "gpt-4o")
            .s("gen_ai.usage.input_tokens", "ten")],
    );
    // An agent span without counts above a priced call is not an unpriced call.
    enrich(
        &p,
        vec![
            sp(6, 1, 0, "agent").s("gen_ai.operation.name", "chat").s("gen_ai.request.model", "gpt-4o"),
            sp(6, 2, 1, "chat").chat("gpt-4o", 10, 10),
        ],
    );
    let s = stats();
    assert_eq!(s["unpriced_model"], 1);
    assert_eq!(s["unpriced_models"], serde_json::json!({"gpt-99": 1}));
    assert_eq!(s["unpriced_no_counts"], 3, "gpt-99 without counts, gpt-4o without usage, all-zero usage");
    assert_eq!(s["unpriced_unreadable_counts"], 1);
    assert_eq!(s["priced"], 1);
}

#[test]
fn replayed_calls_are_billed_at_the_price_of_their_day() {
    let p = processor("{}");
    let day = |days_since_epoch: u64| days_since_epoch * 86_400 * 1_000_000_000 + 12 * 3_600 * 1_000_000_000;
    // 2024-06-01 (19,875 days after the epoch): gpt-4o was $5 / $15; since 2024-10-02 (20,000) $2.50 / $10.
    let out = enrich(&p, vec![call("openai", "gpt-4o", 1_000, 100).start(day(19_875))]);
    close(out.cost(1).unwrap(), per_m(1_000, 5.0) + per_m(100, 15.0));
    let out = enrich(&p, vec![sp(2, 1, 0, "chat").chat("gpt-4o", 1_000, 100).start(day(20_000))]);
    close(out.cost(1).unwrap(), per_m(1_000, 2.5) + per_m(100, 10.0));
    // Inline history.
    let p = processor(
        r#"{"pricing": {"acme": {"input": 1, "output": 2, "valid_from": "2026-01-01",
            "history": [{"valid_from": "2025-01-01", "input": 3, "output": 4}]}}}"#,
    );
    let acme = |trace, d| sp(trace, 1, 0, "chat").chat("acme", 1_000, 1_000).start(day(d));
    close(enrich(&p, vec![acme(1, 20_200)]).cost(1).unwrap(), per_m(1_000, 3.0) + per_m(1_000, 4.0));
    close(enrich(&p, vec![acme(2, 20_500)]).cost(1).unwrap(), per_m(1_000, 1.0) + per_m(1_000, 2.0));
}

#[test]
fn reloaded_prices_apply_to_the_next_batch_and_a_bad_file_keeps_the_old_ones() {
    let file = std::env::temp_dir().join(format!("l9-reload-{}.json", std::process::id()));
    let prices =
        |input: f64| format!(r#"{{"acme": {{"input_cost_per_token": {input:e}, "output_cost_per_token": 0}}}}"#);
    std::fs::write(&file, prices(1e-6)).unwrap();
    let p = processor(&format!(r#"{{"pricing_file": {:?}, "use_default_pricing": false}}"#, file.to_str().unwrap()));
    let acme = |trace| enrich(&p, vec![sp(trace, 1, 0, "chat").chat("acme", 1_000, 0)]).cost(1).unwrap();
    close(acme(1), 1_000.0 * 1e-6);
    std::fs::write(&file, prices(2e-6)).unwrap();
    close(acme(2), 1_000.0 * 1e-6);
    p.reload_prices().unwrap();
    close(acme(3), 1_000.0 * 2e-6);
    std::fs::write(&file, "{ truncated").unwrap();
    let e = p.reload_prices().unwrap_err().to_string();
    assert!(e.starts_with(&format!("last9_genai config: pricing_file: {}: not valid JSON", file.display())), "{e}");
    close(acme(4), 1_000.0 * 2e-6);
    std::fs::remove_file(&file).unwrap();
    assert!(p.reload_prices().unwrap_err().to_string().contains("cannot read"));
    close(acme(5), 1_000.0 * 2e-6);
}
