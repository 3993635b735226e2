//! Who pays: cache tokens per provider, wrapper spans, duplicate response ids, unpriced models, given costs.
use crate::common::*;

const SONNET_IN: f64 = 3.00;
const SONNET_OUT: f64 = 15.00;
const SONNET_READ: f64 = 0.30;
const SONNET_WRITE: f64 = 3.75;

fn sum_cost(out: &Out) -> f64 {
    out.costs().iter().sum()
}

#[test]
fn anthropic_cache_reads_and_writes_inclusive_source() {
    // OpenInference / OpenLLMetry / the anthropic client report input INCLUDING cache tokens.
    let p = processor("{}");
    let out = enrich(
        &p,
        vec![sp(1, 1, 0, "messages.create")
            .s("gen_ai.operation.name", "chat")
            .s("gen_ai.provider.name", "anthropic")
            .s("gen_ai.request.model", "claude-sonnet-4-0")
            .s("gen_ai.response.model", "claude-sonnet-4-20250514")
            .i("gen_ai.usage.input_tokens", 3040)
            .i("gen_ai.usage.output_tokens", 180)
            .i("gen_ai.usage.cache_creation.input_tokens", 3000)],
    );
    let input = per_m(40, SONNET_IN) + per_m(3000, SONNET_WRITE);
    close(out.f64(1, "gen_ai.usage.cost_input_usd").unwrap(), input);
    close(out.cost(1).unwrap(), input + per_m(180, SONNET_OUT));
}

#[test]
fn anthropic_exclusive_counts_are_recognised() {
    // Raw Anthropic numbers (input excludes cache) copied into gen_ai.* keys by an SDK: 15 < 3000 cached.
    let p = processor("{}");
    let out = enrich(
        &p,
        vec![sp(1, 1, 0, "anthropic.chat")
            .s("gen_ai.system", "anthropic")
            .s("gen_ai.request.model", "claude-sonnet-4-20250514")
            .i("gen_ai.usage.input_tokens", 15)
            .i("gen_ai.usage.output_tokens", 240)
            .i("gen_ai.usage.cache_read_input_tokens", 3000)],
    );
    close(out.cost(1).unwrap(), per_m(15, SONNET_IN) + per_m(3000, SONNET_READ) + per_m(240, SONNET_OUT));
}

#[test]
fn wrapper_repeating_its_childs_usage_is_a_duplicate() {
    // last9-genai's @observe span around an instrumented openai call: same usage, same response id.
    let p = processor("{}");
    let out = enrich(
        &p,
        vec![
            sp(1, 1, 0, "ask")
                .s("gen_ai.l9.span.kind", "llm")
                .s("gen_ai.response.model", "gpt-4o-2024-08-06")
                .s("gen_ai.response.id", "chatcmpl-1")
                .i("gen_ai.usage.input_tokens", 1000)
                .i("gen_ai.usage.output_tokens", 150),
            sp(1, 2, 1, "chat gpt-4o").chat("gpt-4o", 1000, 150).s("gen_ai.response.id", "chatcmpl-1"),
        ],
    );
    assert_eq!(out.status(1).as_deref(), Some("duplicate"));
    assert_eq!(out.cost(1), None);
    assert_eq!(out.status(2).as_deref(), Some("priced"));
    let bill = per_m(1000, 2.5) + per_m(150, 10.0);
    close(sum_cost(&out), bill);
    close(out.f64(1, "gen_ai.l9.trace.cost_usd").unwrap(), bill);
}

#[test]
fn chain_span_around_two_calls_is_a_duplicate_without_response_id() {
    let p = processor("{}");
    let out = enrich(
        &p,
        vec![
            sp(1, 1, 0, "support_chain")
                .s("gen_ai.l9.span.kind", "chain")
                .s("workflow.id", "wf-1")
                .s("workflow.type", "support_flow")
                .i("gen_ai.usage.input_tokens", 950)
                .i("gen_ai.usage.output_tokens", 200),
            sp(1, 2, 1, "chat").chat("gpt-4o", 700, 120).s("gen_ai.response.id", "a"),
            sp(1, 3, 1, "chat").chat("gpt-4o", 950, 200).s("gen_ai.response.id", "b"),
        ],
    );
    assert_eq!(out.status(1).as_deref(), Some("duplicate"));
    let bill = per_m(1650, 2.5) + per_m(320, 10.0);
    close(sum_cost(&out), bill);
    close(out.f64(1, "workflow.total_cost_usd").unwrap(), bill);
    assert_eq!(out.int(1, "workflow.llm_calls"), Some(2));
    assert_eq!(out.int(1, "workflow.tool_calls"), Some(0));
    assert_eq!(out.str(2, "workflow.id").as_deref(), Some("wf-1"));
    assert_eq!(out.str(3, "workflow.type").as_deref(), Some("support_flow"));
}

#[test]
fn sibling_spans_with_one_response_id_bill_once_preferring_detail() {
    // Traceloop's Anthropic instrumentation beside the anthropic client's own span: siblings, same response id;
    // only the client's span reports the cache write.
    let p = processor("{}");
    let out = enrich(
        &p,
        vec![
            sp(1, 1, 0, "turn"),
            sp(1, 2, 1, "anthropic.chat")
                .s("gen_ai.system", "anthropic")
                .s("gen_ai.request.model", "claude-sonnet-4-20250514")
                .s("gen_ai.response.id", "msg_1")
                .i("gen_ai.usage.input_tokens", 3040)
                .i("gen_ai.usage.output_tokens", 180),
            sp(1, 3, 1, "anthropic.messages.create")
                .s("gen_ai.provider.name", "anthropic")
                .s("gen_ai.request.model", "claude-sonnet-4-20250514")
                .s("gen_ai.response.id", "msg_1")
                .i("gen_ai.usage.input_tokens", 3040)
                .i("gen_ai.usage.output_tokens", 180)
                .i("gen_ai.usage.cache_write.input_tokens", 3000),
        ],
    );
    assert_eq!(out.status(2).as_deref(), Some("duplicate"));
    assert_eq!(out.status(3).as_deref(), Some("priced"));
    close(sum_cost(&out), per_m(40, SONNET_IN) + per_m(3000, SONNET_WRITE) + per_m(180, SONNET_OUT));
}

#[test]
fn unknown_model_is_marked_never_a_silent_zero() {
    let p = processor("{}");
    let out = enrich(&p, vec![sp(1, 1, 0, "chat").chat("acme-llm-7", 300, 50)]);
    assert_eq!(out.status(1).as_deref(), Some("unpriced_model"));
    assert_eq!(out.cost(1), None);
    assert!(p.stats_json().contains("\"unpriced_model\":1"));
}

#[test]
fn usage_without_any_model_is_unpriced() {
    let p = processor("{}");
    let out =
        enrich(&p, vec![sp(1, 1, 0, "llm").i("gen_ai.usage.input_tokens", 10).i("gen_ai.usage.output_tokens", 1)]);
    assert_eq!(out.status(1).as_deref(), Some("unpriced_model"));
}

#[test]
fn application_given_cost_is_kept() {
    let p = processor(r#"{"pricing": {"acme-priced": {"input": 1.0, "output": 2.0}}}"#);
    let out = enrich(
        &p,
        vec![sp(1, 1, 0, "self_hosted_llm")
            .chat("acme-priced", 5000, 1000)
            .d("gen_ai.usage.cost_usd", 0.007)
            .d("gen_ai.usage.cost_input_usd", 0.005)
            .d("gen_ai.usage.cost_output_usd", 0.002)],
    );
    assert_eq!(out.status(1).as_deref(), Some("provided"));
    assert_eq!(out.cost(1), Some(0.007));
    assert_eq!(out.f64(1, "gen_ai.l9.trace.cost_usd"), Some(0.007));
}

#[test]
fn inline_price_wins_over_the_default_and_cache_falls_back_to_input() {
    let p = processor(r#"{"pricing": {"gpt-4o": {"input": 5.0, "output": 20.0}}}"#);
    let out = enrich(
        &p,
        vec![sp(1, 1, 0, "chat").chat("gpt-4o-2024-08-06", 1000, 100).i("gen_ai.usage.cache_read.input_tokens", 500)],
    );
    // No cache_read price given inline: cached tokens are billed at the input price.
    close(out.cost(1).unwrap(), per_m(1000, 5.0) + per_m(100, 20.0));
}

#[test]
fn long_context_switches_the_whole_request() {
    let p = processor("{}");
    let out = enrich(
        &p,
        vec![sp(1, 1, 0, "generate_content")
            .s("gen_ai.operation.name", "generate_content")
            .s("gen_ai.provider.name", "gcp.gemini")
            .s("gen_ai.request.model", "gemini-2.5-pro")
            .i("gen_ai.usage.input_tokens", 250_000)
            .i("gen_ai.usage.output_tokens", 1000)],
    );
    close(out.cost(1).unwrap(), per_m(250_000, 2.50) + per_m(1000, 15.0));
}

#[test]
fn zero_usage_is_not_a_call() {
    let p = processor("{}");
    let out = enrich(&p, vec![sp(1, 1, 0, "chat").chat("gpt-4o", 0, 0)]);
    assert_eq!(out.status(1), None);
}

#[test]
fn sibling_without_response_id_reporting_the_same_call_bills_once() {
    // OpenInference's messages.stream span beside the anthropic client's own span: same usage, overlapping in
    // time, only the client span names the response id.
    let p = processor("{}");
    let stream = sp(1, 2, 1, "messages.stream")
        .s("openinference.span.kind", "LLM")
        .s("llm.provider", "anthropic")
        .s("llm.model_name", "claude-sonnet-4-20250514")
        .i("llm.token_count.prompt", 3070)
        .i("llm.token_count.completion", 90)
        .i("llm.token_count.prompt_details.cache_read", 3000);
    let mut client = sp(1, 3, 1, "anthropic.messages.create")
        .s("gen_ai.provider.name", "anthropic")
        .s("gen_ai.request.model", "claude-sonnet-4-0")
        .s("gen_ai.response.model", "claude-sonnet-4-20250514")
        .s("gen_ai.response.id", "msg_3")
        .i("gen_ai.usage.input_tokens", 3070)
        .i("gen_ai.usage.output_tokens", 90)
        .i("gen_ai.usage.cache_read.input_tokens", 3000);
    client.0.start_time_unix_nano = stream.0.start_time_unix_nano + 10;
    client.0.end_time_unix_nano = stream.0.end_time_unix_nano - 10;
    let out = enrich(&p, vec![sp(1, 1, 0, "turn"), stream, client]);
    let statuses = [out.status(2).unwrap(), out.status(3).unwrap()];
    assert!(statuses.contains(&"priced".to_string()) && statuses.contains(&"duplicate".to_string()), "{statuses:?}");
    close(sum_cost(&out), per_m(70, SONNET_IN) + per_m(3000, SONNET_READ) + per_m(90, SONNET_OUT));
}

#[test]
fn two_identical_calls_one_after_the_other_are_both_billed() {
    let p = processor("{}");
    let a = sp(1, 2, 1, "ChatCompletion").s("openinference.span.kind", "LLM").s("llm.model_name", "gpt-4o");
    let a = a.i("llm.token_count.prompt", 100).i("llm.token_count.completion", 10);
    let mut b = a.clone();
    b.0.span_id = span_id(3);
    b.0.start_time_unix_nano = a.0.end_time_unix_nano + 1;
    b.0.end_time_unix_nano = a.0.end_time_unix_nano + 100;
    let out = enrich(&p, vec![sp(1, 1, 0, "turn"), a, b]);
    assert_eq!(out.status(2).as_deref(), Some("priced"));
    assert_eq!(out.status(3).as_deref(), Some("priced"));
    close(sum_cost(&out), 2.0 * (per_m(100, 2.5) + per_m(10, 10.0)));
}

#[test]
fn spans_enriched_by_an_upstream_collector_are_left_alone_but_counted() {
    let p = processor("{}");
    let out = enrich(
        &p,
        vec![
            sp(1, 2, 1, "chat")
                .chat("gpt-4o", 1000, 100)
                .d("gen_ai.usage.cost_usd", 0.0035)
                .s("gen_ai.l9.cost.status", "priced"),
            sp(1, 1, 0, "root"),
        ],
    );
    assert_eq!(out.status(2).as_deref(), Some("priced"));
    assert_eq!(out.cost(2), Some(0.0035));
    assert_eq!(out.f64(2, "gen_ai.usage.cost_input_usd"), None, "nothing recomputed");
    assert_eq!(out.f64(1, "gen_ai.l9.trace.cost_usd"), Some(0.0035));
}

#[test]
fn overlapping_siblings_of_different_models_are_different_calls() {
    let p = processor("{}");
    let call = |id: u64, model: &str| {
        let mut s = sp(1, id, 1, "ChatCompletion")
            .s("openinference.span.kind", "LLM")
            .s("llm.model_name", model)
            .i("llm.token_count.prompt", 100)
            .i("llm.token_count.completion", 10);
        s.0.start_time_unix_nano = 1_000;
        s.0.end_time_unix_nano = 2_000;
        s
    };
    let out = enrich(&p, vec![sp(1, 1, 0, "turn"), call(2, "gpt-4o"), call(3, "gpt-4o-mini"), call(4, "acme-llm-7")]);
    assert_eq!(out.status(2).as_deref(), Some("priced"));
    assert_eq!(out.status(3).as_deref(), Some("priced"));
    assert_eq!(out.status(4).as_deref(), Some("unpriced_model"));
}

#[test]
fn parallel_calls_of_equal_size_without_response_ids_are_both_billed() {
    // OpenInference's openai spans carry no response id; two concurrent calls of the same size are two calls.
    let p = processor("{}");
    let call = |id: u64| {
        let mut s = sp(1, id, 1, "ChatCompletion")
            .s("openinference.span.kind", "LLM")
            .s("llm.model_name", "gpt-4o-2024-08-06")
            .i("llm.token_count.prompt", 100)
            .i("llm.token_count.completion", 10);
        s.0.start_time_unix_nano = 1_000;
        s.0.end_time_unix_nano = 2_000;
        s
    };
    let out = enrich(&p, vec![sp(1, 1, 0, "gather"), call(2), call(3)]);
    assert_eq!(out.status(2).as_deref(), Some("priced"));
    assert_eq!(out.status(3).as_deref(), Some("priced"));
    close(sum_cost(&out), 2.0 * (per_m(100, 2.5) + per_m(10, 10.0)));
}

#[test]
fn openlit_anthropic_input_excludes_cache_even_when_larger() {
    let p = processor("{}");
    let out = enrich(
        &p,
        vec![sp(1, 1, 0, "chat claude-sonnet-4-0")
            .s("telemetry.sdk.name", "openlit")
            .s("gen_ai.operation.name", "chat")
            .s("gen_ai.provider.name", "anthropic")
            .s("gen_ai.request.model", "claude-sonnet-4-0")
            .s("gen_ai.response.model", "claude-sonnet-4-20250514")
            .i("gen_ai.usage.input_tokens", 5000)
            .i("gen_ai.usage.output_tokens", 100)
            .i("gen_ai.usage.cache_read.input_tokens", 3000)
            .i("gen_ai.usage.cache_creation.input_tokens", 0)],
    );
    // 5000 uncached (OpenLIT's count is Anthropic's raw one) + 3000 read.
    close(out.cost(1).unwrap(), per_m(5000, SONNET_IN) + per_m(3000, SONNET_READ) + per_m(100, SONNET_OUT));
}
