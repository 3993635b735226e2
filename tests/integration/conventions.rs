//! Each convention in the reference is read: ids, kinds, models and tokens, including cache and reasoning.
use crate::common::*;

const GPT4O_IN: f64 = 2.50;
const GPT4O_OUT: f64 = 10.00;
const GPT4O_CACHED: f64 = 1.25;

fn one(p: &Processor, span: Sp) -> Out {
    enrich(p, vec![span])
}

#[test]
fn otel_semconv_chat_with_cache_and_reasoning() {
    let p = processor("{}");
    let out = one(
        &p,
        sp(1, 1, 0, "chat gpt-4o")
            .chat("gpt-4o", 1000, 300)
            .s("gen_ai.response.model", "gpt-4o-2024-08-06")
            .i("gen_ai.usage.cache_read.input_tokens", 400)
            .i("gen_ai.usage.reasoning.output_tokens", 100),
    );
    let input = per_m(600, GPT4O_IN) + per_m(400, GPT4O_CACHED);
    let output = per_m(300, GPT4O_OUT);
    assert_eq!(out.status(1).as_deref(), Some("priced"));
    close(out.f64(1, "gen_ai.usage.cost_input_usd").unwrap(), input);
    close(out.f64(1, "gen_ai.usage.cost_output_usd").unwrap(), output);
    close(out.cost(1).unwrap(), input + output);
    assert_eq!(out.str(1, "gen_ai.l9.span.kind").as_deref(), Some("llm"));
}

#[test]
fn deprecated_semconv_keys() {
    let p = processor("{}");
    let out = one(
        &p,
        sp(1, 1, 0, "chat")
            .s("gen_ai.system", "openai")
            .s("gen_ai.request.model", "gpt-4o-mini")
            .i("gen_ai.usage.prompt_tokens", 2000)
            .i("gen_ai.usage.completion_tokens", 100),
    );
    close(out.cost(1).unwrap(), per_m(2000, 0.15) + per_m(100, 0.60));
}

#[test]
fn openinference_llm_and_embedding() {
    let p = processor("{}");
    let out = enrich(
        &p,
        vec![
            sp(1, 1, 0, "handle_question"),
            sp(1, 2, 1, "ChatCompletion")
                .s("openinference.span.kind", "LLM")
                .s("llm.system", "openai")
                .s("session.id", "sess-1")
                .s("user.id", "u-1")
                .s("llm.model_name", "gpt-4o-2024-08-06")
                .i("llm.token_count.prompt", 1500)
                .i("llm.token_count.completion", 200)
                .i("llm.token_count.total", 1700)
                .i("llm.token_count.prompt_details.cache_read", 1024)
                .i("llm.token_count.completion_details.reasoning", 64),
            sp(1, 3, 1, "CreateEmbeddings")
                .s("openinference.span.kind", "EMBEDDING")
                .s("embedding.model_name", "text-embedding-3-small")
                .i("llm.token_count.prompt", 42)
                .i("llm.token_count.total", 42),
        ],
    );
    close(out.cost(2).unwrap(), per_m(476, GPT4O_IN) + per_m(1024, GPT4O_CACHED) + per_m(200, GPT4O_OUT));
    close(out.cost(3).unwrap(), per_m(42, 0.02));
    assert_eq!(out.str(3, "gen_ai.l9.span.kind").as_deref(), Some("embedding"));
    // session.id on the LLM span travels up to the application's root span as gen_ai.conversation.id.
    for id in 1..=3 {
        assert_eq!(out.str(id, "gen_ai.conversation.id").as_deref(), Some("sess-1"), "span {id}");
        assert_eq!(out.str(id, "user.id").as_deref(), Some("u-1"), "span {id}");
        assert_eq!(out.int(id, "gen_ai.conversation.turn"), Some(1), "span {id}");
    }
}

#[test]
fn openllmetry_traceloop_keys() {
    let p = processor("{}");
    let out = enrich(
        &p,
        vec![
            sp(1, 1, 0, "rag.workflow")
                .s("traceloop.span.kind", "workflow")
                .s("traceloop.workflow.name", "rag")
                .s("traceloop.association.properties.session_id", "s-9")
                .s("traceloop.association.properties.user_id", "u-9"),
            sp(1, 2, 1, "openai.chat")
                .s("llm.request.type", "chat")
                .s("gen_ai.system", "openai")
                .s("gen_ai.request.model", "gpt-4o")
                .i("gen_ai.usage.prompt_tokens", 100)
                .i("gen_ai.usage.completion_tokens", 10)
                .i("gen_ai.usage.cache_read_input_tokens", 50),
        ],
    );
    assert_eq!(out.str(1, "gen_ai.l9.span.kind").as_deref(), Some("workflow"));
    assert_eq!(out.str(2, "gen_ai.l9.span.kind").as_deref(), Some("llm"));
    assert_eq!(out.str(2, "gen_ai.conversation.id").as_deref(), Some("s-9"));
    assert_eq!(out.str(2, "user.id").as_deref(), Some("u-9"));
    assert_eq!(out.str(2, "workflow.type").as_deref(), Some("rag"));
    close(out.cost(2).unwrap(), per_m(50, GPT4O_IN) + per_m(50, GPT4O_CACHED) + per_m(10, GPT4O_OUT));
}

#[test]
fn langfuse_usage_details_json_anthropic_shape() {
    let p = processor("{}");
    let out = one(
        &p,
        sp(1, 1, 0, "generation")
            .s("langfuse.observation.type", "generation")
            .s("langfuse.session.id", "lf-1")
            .s("langfuse.user.id", "lf-user")
            .s("langfuse.observation.model.name", "claude-sonnet-4-20250514")
            .s(
                "langfuse.observation.usage_details",
                r#"{"input_tokens":100,"output_tokens":50,"cache_read_input_tokens":2000,"cache_creation_input_tokens":1000}"#,
            ),
    );
    // Anthropic's raw input excludes cache: 100 uncached + 2000 read + 1000 written.
    let expected = per_m(100, 3.0) + per_m(2000, 0.30) + per_m(1000, 3.75) + per_m(50, 15.0);
    close(out.cost(1).unwrap(), expected);
    assert_eq!(out.str(1, "gen_ai.conversation.id").as_deref(), Some("lf-1"));
    assert_eq!(out.str(1, "user.id").as_deref(), Some("lf-user"));
    assert_eq!(out.str(1, "gen_ai.l9.span.kind").as_deref(), Some("llm"));
}

#[test]
fn openlit_keys() {
    let p = processor("{}");
    let out = one(
        &p,
        sp(1, 1, 0, "chat gpt-4o")
            .s("gen_ai.operation.name", "chat")
            .s("gen_ai.session.id", "ol-1")
            .s("gen_ai.user.id", "ol-user")
            .s("gen_ai.request.model", "gpt-4o")
            .i("gen_ai.usage.input_tokens", 1000)
            .i("gen_ai.usage.output_tokens", 100)
            .i("gen_ai.usage.prompt_tokens_details.cached_tokens", 600)
            .d("gen_ai.usage.cost", 0.0035),
    );
    // openlit's own gen_ai.usage.cost (cached at full price) is left as it is; ours is computed beside it.
    assert_eq!(out.f64(1, "gen_ai.usage.cost"), Some(0.0035));
    close(out.cost(1).unwrap(), per_m(400, GPT4O_IN) + per_m(600, GPT4O_CACHED) + per_m(100, GPT4O_OUT));
    assert_eq!(out.str(1, "gen_ai.conversation.id").as_deref(), Some("ol-1"));
    assert_eq!(out.str(1, "user.id").as_deref(), Some("ol-user"));
}

#[test]
fn vercel_ai_sdk_bills_the_provider_call_not_the_outer_call() {
    let p = processor("{}");
    let out = enrich(
        &p,
        vec![
            sp(1, 1, 0, "ai.generateText")
                .s("ai.operationId", "ai.generateText")
                .s("ai.model.id", "gpt-4o")
                .s("ai.model.provider", "openai.chat")
                .s("ai.telemetry.functionId", "support-bot")
                .s("ai.telemetry.metadata.sessionId", "v-1")
                .s("ai.telemetry.metadata.userId", "v-user")
                .i("ai.usage.inputTokens", 900)
                .i("ai.usage.outputTokens", 90),
            sp(1, 2, 1, "ai.generateText.doGenerate")
                .s("ai.operationId", "ai.generateText.doGenerate")
                .s("ai.model.id", "gpt-4o")
                .s("gen_ai.request.model", "gpt-4o")
                .s("gen_ai.response.model", "gpt-4o-2024-08-06")
                .s("ai.response.id", "resp-1")
                .i("gen_ai.usage.input_tokens", 900)
                .i("gen_ai.usage.output_tokens", 90)
                .i("ai.usage.cachedInputTokens", 500),
        ],
    );
    assert_eq!(out.status(1).as_deref(), Some("duplicate"));
    assert_eq!(out.cost(1), None);
    assert_eq!(out.str(1, "gen_ai.l9.span.kind").as_deref(), Some("llm"));
    close(out.cost(2).unwrap(), per_m(400, GPT4O_IN) + per_m(500, GPT4O_CACHED) + per_m(90, GPT4O_OUT));
    assert_eq!(out.str(2, "gen_ai.conversation.id").as_deref(), Some("v-1"));
    assert_eq!(out.str(2, "workflow.id").as_deref(), Some("support-bot"));
    close(out.f64(1, "workflow.total_cost_usd").unwrap(), out.cost(2).unwrap());
    assert_eq!(out.int(1, "workflow.llm_calls"), Some(1));
}

#[test]
fn pydantic_ai_aggregated_usage_is_not_billed() {
    let p = processor("{}");
    let out = enrich(
        &p,
        vec![
            sp(1, 1, 0, "agent run")
                .s("gen_ai.operation.name", "invoke_agent")
                .s("gen_ai.agent.name", "support")
                .i("gen_ai.aggregated_usage.input_tokens", 300)
                .i("gen_ai.aggregated_usage.output_tokens", 30),
            sp(1, 2, 1, "chat gpt-4o").chat("gpt-4o", 100, 10),
            sp(1, 3, 1, "chat gpt-4o").chat("gpt-4o", 200, 20),
        ],
    );
    assert_eq!(out.status(1).as_deref(), Some("duplicate"));
    assert_eq!(out.str(1, "gen_ai.l9.span.kind").as_deref(), Some("agent"));
    let total = per_m(300, GPT4O_IN) + per_m(30, GPT4O_OUT);
    close(out.cost(2).unwrap() + out.cost(3).unwrap(), total);
    close(out.f64(1, "gen_ai.l9.trace.cost_usd").unwrap(), total);
}

#[test]
fn semantic_kernel_dotted_operation_names() {
    let p = processor("{}");
    let out = one(
        &p,
        sp(1, 1, 0, "chat.completions gpt-4o")
            .s("gen_ai.operation.name", "chat.completions")
            .s("gen_ai.system", "az.ai.openai")
            .s("gen_ai.request.model", "azure/gpt-4o")
            .i("gen_ai.usage.input_tokens", 10)
            .i("gen_ai.usage.output_tokens", 10),
    );
    close(out.cost(1).unwrap(), per_m(10, GPT4O_IN) + per_m(10, GPT4O_OUT));
    assert_eq!(out.str(1, "gen_ai.l9.span.kind").as_deref(), Some("llm"));
}

#[test]
fn kinds_from_each_convention() {
    let p = processor("{}");
    let cases: &[(&str, &str, &str)] = &[
        ("gen_ai.operation.name", "execute_tool", "tool"),
        ("gen_ai.operation.name", "invoke_agent", "agent"),
        ("gen_ai.operation.name", "retrieval", "retriever"),
        ("gen_ai.operation.name", "invoke_workflow", "workflow"),
        ("gen_ai.operation.name", "handle_conversation_turn", "workflow"),
        ("gen_ai.operation.name", "plan", "agent"),
        ("gen_ai.operation.name", "agent_step", "chain"),
        ("gen_ai.operation.name", "search_memory", "retriever"),
        ("gen_ai.operation.name", "create_memory", "tool"),
        ("gen_ai.operation.name", "upsert_memory", "tool"),
        ("gen_ai.operation.name", "delete_memory", "tool"),
        ("gen_ai.operation.name", "embeddings", "embedding"),
        ("openinference.span.kind", "RERANKER", "reranker"),
        ("openinference.span.kind", "GUARDRAIL", "guardrail"),
        ("openinference.span.kind", "EVALUATOR", "evaluator"),
        ("openinference.span.kind", "CHAIN", "chain"),
        ("traceloop.span.kind", "task", "chain"),
        ("traceloop.span.kind", "tool", "tool"),
        ("langfuse.observation.type", "retriever", "retriever"),
        ("ai.operationId", "ai.toolCall", "tool"),
    ];
    for (i, (key, value, kind)) in cases.iter().enumerate() {
        let id = i as u64 + 1;
        let out = one(&p, sp(50 + i as u8, id, 0, "x").s(key, value));
        assert_eq!(out.str(id, "gen_ai.l9.span.kind").as_deref(), Some(*kind), "{key}={value}");
    }
}

#[test]
fn the_sdks_own_kind_wins_and_is_not_rewritten() {
    let p = processor("{}");
    let out = one(&p, sp(1, 1, 0, "x").s("gen_ai.l9.span.kind", "prompt").s("gen_ai.operation.name", "chat"));
    assert_eq!(out.str(1, "gen_ai.l9.span.kind").as_deref(), Some("prompt"));
}

#[test]
fn spans_that_are_not_genai_pass_through_byte_identical() {
    let p = processor("{}");
    let input = batch(vec![
        sp(1, 1, 0, "GET /").s("http.request.method", "GET").i("http.response.status_code", 200),
        sp(1, 2, 1, "SELECT").s("db.system", "postgresql"),
    ]);
    assert_eq!(p.enrich(&input).unwrap(), input);
}

#[test]
fn pydantic_ai_and_strands_detail_keys() {
    let p = processor("{}");
    let out = enrich(
        &p,
        vec![
            sp(1, 1, 0, "chat claude")
                .s("gen_ai.operation.name", "chat")
                .s("gen_ai.system", "anthropic")
                .s("gen_ai.request.model", "claude-sonnet-4-20250514")
                .i("gen_ai.usage.input_tokens", 5000)
                .i("gen_ai.usage.output_tokens", 100)
                .i("gen_ai.usage.details.cache_read_tokens", 4000)
                .i("gen_ai.usage.details.cache_write_tokens", 500)
                .d("operation.cost", 0.01),
            sp(2, 1, 0, "chat")
                .s("gen_ai.operation.name", "chat")
                .s("gen_ai.system", "anthropic")
                .s("gen_ai.request.model", "claude-sonnet-4-20250514")
                .i("gen_ai.usage.input_tokens", 5000)
                .i("gen_ai.usage.output_tokens", 100)
                .i("gen_ai.usage.cache_read_input_tokens", 4000)
                .i("gen_ai.usage.cache_write_input_tokens", 500),
        ],
    );
    let expected = per_m(500, 3.0) + per_m(4000, 0.30) + per_m(500, 3.75) + per_m(100, 15.0);
    let costs = out.costs();
    assert_eq!(costs.len(), 2);
    for c in costs {
        close(c, expected);
    }
}

#[test]
fn langfuse_trace_name_is_a_workflow() {
    let p = processor("{}");
    let out = enrich(
        &p,
        vec![
            sp(1, 1, 0, "support-request").s("langfuse.trace.name", "support").s("session.id", "lf-s"),
            sp(1, 2, 1, "OpenAI-generation")
                .s("langfuse.observation.type", "generation")
                .s("langfuse.observation.model.name", "gpt-4o")
                .s("langfuse.observation.usage_details", r#"{"prompt_tokens":100,"completion_tokens":10}"#),
        ],
    );
    assert_eq!(out.str(2, "workflow.type").as_deref(), Some("support"));
    close(out.f64(1, "workflow.total_cost_usd").unwrap(), per_m(100, GPT4O_IN) + per_m(10, GPT4O_OUT));
    assert_eq!(out.int(1, "workflow.llm_calls"), Some(1));
}

#[test]
fn agent_and_tool_names_give_a_kind_when_nothing_else_does() {
    let p = processor("{}");
    let out = enrich(
        &p,
        vec![
            sp(1, 1, 0, "agent run")
                .s("gen_ai.agent.name", "support")
                .i("gen_ai.aggregated_usage.input_tokens", 10)
                .i("gen_ai.aggregated_usage.output_tokens", 1),
            sp(1, 2, 1, "running tool").s("gen_ai.tool.name", "lookup"),
            sp(1, 3, 1, "sub agent").s("gen_ai.agent.name", "helper"),
            sp(1, 4, 1, "chat").chat("gpt-4o", 10, 1).s("gen_ai.agent.name", "support"),
        ],
    );
    assert_eq!(out.str(1, "gen_ai.l9.span.kind").as_deref(), Some("agent"));
    assert_eq!(out.str(2, "gen_ai.l9.span.kind").as_deref(), Some("tool"));
    assert_eq!(out.str(3, "gen_ai.l9.span.kind").as_deref(), Some("agent"));
    assert_eq!(out.str(4, "gen_ai.l9.span.kind").as_deref(), Some("llm"), "an explicit operation wins");
}

/// Sentry's SDKs name the cached, cache-write and reasoning subsets after the totals they belong to.
#[test]
fn sentry_usage_subsets_are_read() {
    let p = processor("{}");
    let out = enrich(
        &p,
        vec![sp(1, 1, 0, "chat claude")
            .s("gen_ai.operation.name", "chat")
            .s("gen_ai.system", "anthropic")
            .s("gen_ai.request.model", "claude-sonnet-4-20250514")
            .i("gen_ai.usage.input_tokens", 5000)
            .i("gen_ai.usage.input_tokens.cached", 4000)
            .i("gen_ai.usage.input_tokens.cache_write", 500)
            .i("gen_ai.usage.output_tokens", 100)
            .i("gen_ai.usage.output_tokens.reasoning", 40)],
    );
    // 500 plain input, 4000 cache reads, 500 cache writes; reasoning is billed as output (within the 100).
    close(out.cost(1).unwrap(), per_m(500, 3.0) + per_m(4000, 0.30) + per_m(500, 3.75) + per_m(100, 15.0));
    assert_eq!(out.status(1).as_deref(), Some("priced"));
}

#[test]
fn openai_cache_writes_are_priced_at_the_cache_write_rate() {
    // Responses API usage flattened by an instrumentation: input_tokens_details.{cached_tokens,cache_write_tokens}.
    let p = processor(
        r#"{"pricing": {"gpt-5.1": {"input": 1.25, "output": 10, "cache_read": 0.125, "cache_write": 1.5625}}}"#,
    );
    let out = one(
        &p,
        sp(1, 1, 0, "responses")
            .s("gen_ai.operation.name", "chat")
            .s("gen_ai.provider.name", "openai")
            .s("gen_ai.request.model", "gpt-5.1-2025-11-13")
            .i("gen_ai.usage.input_tokens", 10_000)
            .i("gen_ai.usage.output_tokens", 500)
            .i("gen_ai.usage.input_tokens_details.cached_tokens", 2_000)
            .i("gen_ai.usage.input_tokens_details.cache_write_tokens", 6_000),
    );
    let write = per_m(6_000, 1.5625);
    close(out.cost(1).unwrap(), per_m(2_000, 1.25) + per_m(2_000, 0.125) + write + per_m(500, 10.0));
    close(out.f64(1, "gen_ai.usage.cost_cache_write_usd").unwrap(), write);
    close(out.f64(1, "gen_ai.usage.cost_cache_read_usd").unwrap(), per_m(2_000, 0.125));
}

#[test]
fn vercel_ai_sdk_7_agent_sum_is_a_duplicate_of_its_steps_calls() {
    // invoke_agent -> agent_step -> chat; the agent span carries the SUM of its steps' usage, cache keys included.
    let p = processor("{}");
    let chat = |id, parent, input, cached, output| {
        sp(1, id, parent, "chat gpt-4o")
            .s("gen_ai.operation.name", "chat")
            .s("gen_ai.provider.name", "openai")
            .s("gen_ai.request.model", "gpt-4o")
            .i("gen_ai.usage.input_tokens", input)
            .i("gen_ai.usage.cache_read.input_tokens", cached)
            .i("gen_ai.usage.output_tokens", output)
    };
    let out = enrich(
        &p,
        vec![
            sp(1, 1, 0, "invoke_agent weather")
                .s("gen_ai.operation.name", "invoke_agent")
                .s("gen_ai.provider.name", "openai")
                .s("gen_ai.request.model", "gpt-4o")
                .i("gen_ai.usage.input_tokens", 3_000)
                .i("gen_ai.usage.cache_read.input_tokens", 1_000)
                .i("gen_ai.usage.output_tokens", 300),
            sp(1, 2, 1, "agent_step").s("gen_ai.operation.name", "agent_step"),
            chat(3, 2, 1_000, 0, 100),
            sp(1, 4, 1, "agent_step").s("gen_ai.operation.name", "agent_step"),
            chat(5, 4, 2_000, 1_000, 200),
        ],
    );
    assert_eq!(out.status(1).as_deref(), Some("duplicate"));
    assert_eq!(out.cost(1), None);
    assert_eq!(out.str(2, "gen_ai.l9.span.kind").as_deref(), Some("chain"));
    assert_eq!(out.status(2), None);
    let first = per_m(1_000, GPT4O_IN) + per_m(100, GPT4O_OUT);
    let second = per_m(1_000, GPT4O_IN) + per_m(1_000, GPT4O_CACHED) + per_m(200, GPT4O_OUT);
    close(out.cost(3).unwrap(), first);
    close(out.cost(5).unwrap(), second);
    close(out.f64(1, "gen_ai.l9.trace.cost_usd").unwrap(), first + second);
}
