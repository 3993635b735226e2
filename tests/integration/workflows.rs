//! Workflow propagation and roll-ups, in one batch and split across batches (children first).
use crate::common::*;

const EMB: f64 = 0.02;
const MINI_IN: f64 = 0.15;
const MINI_OUT: f64 = 0.60;
const MINI_CACHED: f64 = 0.075;

/// A RAG flow as Traceloop emits it: workflow -> tasks -> embedding, rerank chat, answer chat, plus a tool.
fn rag(trace: u8) -> Vec<Sp> {
    let wf = |s: Sp| {
        s.s("traceloop.workflow.name", "rag_pipeline").s("traceloop.association.properties.session_id", "rag-sess")
    };
    vec![
        wf(sp(trace, 3, 2, "openai.embeddings"))
            .s("gen_ai.operation.name", "embeddings")
            .s("gen_ai.request.model", "text-embedding-3-small")
            .i("gen_ai.usage.input_tokens", 16),
        wf(sp(trace, 2, 1, "embed_query.task")).s("traceloop.span.kind", "task"),
        wf(sp(trace, 5, 4, "openai.chat"))
            .chat("gpt-4o-mini", 900, 40)
            .s("gen_ai.response.id", "rerank-1")
            .i("gen_ai.usage.cache_read.input_tokens", 512),
        wf(sp(trace, 4, 1, "rerank.task")).s("traceloop.span.kind", "task"),
        wf(sp(trace, 7, 6, "openai.chat")).chat("gpt-4o", 1200, 300).s("gen_ai.response.id", "answer-1"),
        wf(sp(trace, 8, 6, "lookup_order")).s("gen_ai.operation.name", "execute_tool").s("gen_ai.tool.name", "lookup"),
        wf(sp(trace, 6, 1, "answer.task")).s("traceloop.span.kind", "task"),
        wf(sp(trace, 1, 0, "rag_pipeline.workflow")).s("traceloop.span.kind", "workflow"),
    ]
}

fn rag_bill() -> (f64, f64, f64) {
    let emb = per_m(16, EMB);
    let rerank = per_m(388, MINI_IN) + per_m(512, MINI_CACHED) + per_m(40, MINI_OUT);
    let answer = per_m(1200, 2.5) + per_m(300, 10.0);
    (emb, rerank, answer)
}

fn check_rag(out: &Out) {
    let (emb, rerank, answer) = rag_bill();
    close(out.cost(3).unwrap(), emb);
    close(out.cost(5).unwrap(), rerank);
    close(out.cost(7).unwrap(), answer);
    let total = emb + rerank + answer;
    close(out.f64(1, "workflow.total_cost_usd").unwrap(), total);
    assert_eq!(out.int(1, "workflow.llm_calls"), Some(3));
    assert_eq!(out.int(1, "workflow.tool_calls"), Some(1));
    close(out.f64(1, "gen_ai.l9.trace.cost_usd").unwrap(), total);
    close(out.f64(1, "gen_ai.conversation.cost_usd").unwrap(), total);
    // Tasks are not workflow tops: they sit inside the workflow they name.
    for id in [2, 4, 6] {
        assert_eq!(out.f64(id, "workflow.total_cost_usd"), None, "span {id}");
    }
    for id in 1..=8 {
        assert_eq!(out.str(id, "workflow.id").as_deref(), Some("rag_pipeline"), "span {id}");
        assert_eq!(out.str(id, "workflow.type").as_deref(), Some("rag_pipeline"), "span {id}");
        assert_eq!(out.str(id, "gen_ai.conversation.id").as_deref(), Some("rag-sess"), "span {id}");
        assert_eq!(out.int(id, "gen_ai.conversation.turn"), Some(1), "span {id}");
    }
}

#[test]
fn rag_workflow_in_one_batch() {
    let p = processor("{}");
    check_rag(&enrich(&p, rag(1)));
}

#[test]
fn rag_workflow_split_children_first() {
    let p = processor("{}");
    let spans = rag(1);
    // Export order of a real SDK: each span as it ends, in three batches.
    let mut outs = Vec::new();
    for chunk in [&spans[0..2], &spans[2..5], &spans[5..8]] {
        outs.push(enrich(&p, chunk.to_vec()));
    }
    let (emb, rerank, answer) = rag_bill();
    close(outs[0].cost(3).unwrap(), emb);
    close(outs[1].cost(5).unwrap(), rerank);
    close(outs[1].cost(7).unwrap(), answer);
    let total = emb + rerank + answer;
    close(outs[2].f64(1, "workflow.total_cost_usd").unwrap(), total);
    assert_eq!(outs[2].int(1, "workflow.llm_calls"), Some(3));
    assert_eq!(outs[2].int(1, "workflow.tool_calls"), Some(1));
    close(outs[2].f64(1, "gen_ai.l9.trace.cost_usd").unwrap(), total);
    close(outs[2].f64(1, "gen_ai.conversation.cost_usd").unwrap(), total);
    // Every span carries the session alias itself here, so every batch gets the conversation and turn 1.
    for (out, ids) in outs.iter().zip([vec![3u64, 2], vec![5, 4, 7], vec![8, 6, 1]]) {
        for id in ids {
            assert_eq!(out.int(id, "gen_ai.conversation.turn"), Some(1), "span {id}");
        }
    }
}

#[test]
fn conversation_id_on_the_root_reaches_later_spans_and_the_root_totals_earlier_ones() {
    let p = processor("{}");
    // A child ends first and carries no id; the root carrying the id comes in the next batch.
    let first = enrich(&p, vec![sp(1, 2, 1, "chat").chat("gpt-4o", 1000, 100)]);
    assert_eq!(first.str(2, "gen_ai.conversation.id"), None, "unknowable without buffering");
    let second = enrich(
        &p,
        vec![
            sp(1, 3, 1, "tool").s("gen_ai.operation.name", "execute_tool"),
            sp(1, 1, 0, "root").s("gen_ai.conversation.id", "c"),
        ],
    );
    assert_eq!(second.str(3, "gen_ai.conversation.id").as_deref(), Some("c"));
    assert_eq!(second.int(1, "gen_ai.conversation.turn"), Some(1));
    let bill = per_m(1000, 2.5) + per_m(100, 10.0);
    close(second.f64(1, "gen_ai.l9.trace.cost_usd").unwrap(), bill);
    close(second.f64(1, "gen_ai.conversation.cost_usd").unwrap(), bill);
    // A later straggler of the same trace still gets the conversation and its turn.
    let third = enrich(&p, vec![sp(1, 4, 1, "late")]);
    assert_eq!(third.str(4, "gen_ai.conversation.id").as_deref(), Some("c"));
    assert_eq!(third.int(4, "gen_ai.conversation.turn"), Some(1));
}

#[test]
fn wrapper_arriving_after_its_child_is_still_a_duplicate() {
    let p = processor("{}");
    let child = enrich(&p, vec![sp(1, 2, 1, "chat").chat("gpt-4o", 100, 10).s("gen_ai.response.id", "x")]);
    assert_eq!(child.status(2).as_deref(), Some("priced"));
    let wrapper = enrich(
        &p,
        vec![sp(1, 1, 0, "agent")
            .s("gen_ai.operation.name", "invoke_agent")
            .i("gen_ai.usage.input_tokens", 100)
            .i("gen_ai.usage.output_tokens", 10)],
    );
    assert_eq!(wrapper.status(1).as_deref(), Some("duplicate"));
    close(wrapper.f64(1, "gen_ai.l9.trace.cost_usd").unwrap(), per_m(100, 2.5) + per_m(10, 10.0));
}

#[test]
fn same_response_id_in_a_later_batch_is_a_duplicate() {
    let p = processor("{}");
    enrich(&p, vec![sp(1, 2, 1, "a").chat("gpt-4o", 100, 10).s("gen_ai.response.id", "x")]);
    let out = enrich(&p, vec![sp(1, 3, 1, "b").chat("gpt-4o", 100, 10).s("gen_ai.response.id", "x")]);
    assert_eq!(out.status(3).as_deref(), Some("duplicate"));
}

#[test]
fn custom_keys_and_workflow_flow_down_to_descendants_only() {
    let p = processor(r#"{"propagate_keys": ["custom.tenant", "custom.plan"]}"#);
    let out = enrich(
        &p,
        vec![
            sp(1, 1, 0, "root").s("custom.tenant", "acme"),
            sp(1, 2, 1, "wf").s("workflow.id", "w-1").s("workflow.type", "triage").i("custom.plan", 3),
            sp(1, 3, 2, "chat").chat("gpt-4o", 10, 1),
            sp(1, 4, 1, "sibling"),
        ],
    );
    assert_eq!(out.str(3, "custom.tenant").as_deref(), Some("acme"));
    assert_eq!(out.int(3, "custom.plan"), Some(3), "copied with its type");
    assert_eq!(out.str(3, "workflow.id").as_deref(), Some("w-1"));
    assert_eq!(out.str(4, "custom.tenant").as_deref(), Some("acme"));
    assert_eq!(out.get(4, "custom.plan"), None);
    assert_eq!(out.get(4, "workflow.id"), None);
    assert_eq!(out.get(1, "workflow.id"), None);
    close(out.f64(2, "workflow.total_cost_usd").unwrap(), per_m(10, 2.5) + per_m(1, 10.0));
    assert_eq!(out.int(2, "workflow.llm_calls"), Some(1));
}

#[test]
fn an_sdk_point_in_time_total_is_replaced_not_duplicated() {
    let p = processor("{}");
    let out = enrich(
        &p,
        vec![
            sp(1, 1, 0, "wf").s("workflow.id", "w").d("workflow.total_cost_usd", 0.5).i("workflow.llm_calls", 9),
            sp(1, 2, 1, "chat").chat("gpt-4o", 1000, 0),
        ],
    );
    // `attrs` panics on a duplicated key, so reading it proves there is one value.
    close(out.f64(1, "workflow.total_cost_usd").unwrap(), per_m(1000, 2.5));
    assert_eq!(out.int(1, "workflow.llm_calls"), Some(1));
}

#[test]
fn trace_memory_is_bounded_and_evictions_are_counted() {
    let p = processor(r#"{"max_traces": 3}"#);
    for t in 1..=5u8 {
        enrich(&p, vec![sp(t, 2, 1, "chat").chat("gpt-4o", 10, 1)]);
    }
    let stats: serde_json::Value = serde_json::from_str(&p.stats_json()).unwrap();
    assert_eq!(stats["traces_tracked"], 3);
    assert_eq!(stats["trace_evictions"], 2);
    // Trace 1 was forgotten: its root gets no roll-up from the child it never saw again.
    let out = enrich(&p, vec![sp(1, 1, 0, "root")]);
    assert_eq!(out.f64(1, "gen_ai.l9.trace.cost_usd"), None);
    // Trace 5 is remembered.
    let out = enrich(&p, vec![sp(5, 1, 0, "root")]);
    close(out.f64(1, "gen_ai.l9.trace.cost_usd").unwrap(), per_m(10, 2.5) + per_m(1, 10.0));
}

#[test]
fn outermost_openinference_chain_carries_the_workflow_rollup() {
    let p = processor("{}");
    let chain = |s: Sp| s.s("openinference.span.kind", "CHAIN");
    let llm = |s: Sp, n| {
        s.s("openinference.span.kind", "LLM")
            .s("llm.model_name", "gpt-4o-2024-08-06")
            .i("llm.token_count.prompt", n)
            .i("llm.token_count.completion", 10)
    };
    let out = enrich(
        &p,
        vec![
            sp(1, 1, 0, "POST /ask"),
            chain(sp(1, 2, 1, "RunnableSequence")),
            chain(sp(1, 3, 2, "prompt")),
            llm(sp(1, 4, 3, "ChatOpenAI"), 100),
            llm(sp(1, 5, 2, "ChatOpenAI"), 200),
        ],
    );
    close(out.f64(2, "workflow.total_cost_usd").unwrap(), per_m(300, 2.5) + per_m(20, 10.0));
    assert_eq!(out.int(2, "workflow.llm_calls"), Some(2));
    assert_eq!(out.f64(3, "workflow.total_cost_usd"), None, "an inner chain is not a workflow top");
}

#[test]
fn a_batch_sent_twice_does_not_double_the_totals() {
    let p = processor("{}");
    let spans = vec![
        sp(1, 2, 1, "chat").chat("gpt-4o", 1000, 100).s("gen_ai.response.id", "r"),
        sp(1, 1, 0, "root").s("session.id", "s"),
    ];
    let first = enrich(&p, spans.clone());
    let again = enrich(&p, spans);
    let bill = per_m(1000, 2.5) + per_m(100, 10.0);
    for out in [&first, &again] {
        assert_eq!(out.status(2).as_deref(), Some("priced"));
        close(out.f64(1, "gen_ai.l9.trace.cost_usd").unwrap(), bill);
        close(out.f64(1, "gen_ai.conversation.cost_usd").unwrap(), bill);
        assert_eq!(out.int(1, "gen_ai.conversation.turn"), Some(1));
    }
}

#[test]
fn remembered_spans_are_bounded_across_traces() {
    let p = processor(r#"{"max_remembered_spans": 25}"#);
    // Ten traces of 10 spans each: only the most recent fit in 25 remembered spans.
    for t in 1..=10u8 {
        let spans = (2..=11).map(|i| sp(t, i, 1, "chat").chat("gpt-4o", 10, 1)).collect();
        enrich(&p, spans);
    }
    let stats: serde_json::Value = serde_json::from_str(&p.stats_json()).unwrap();
    assert_eq!(stats["spans_remembered"], 20);
    assert_eq!(stats["traces_tracked"], 2);
    assert_eq!(stats["trace_evictions"], 8);
    // The newest trace still rolls up all its children on its root.
    let out = enrich(&p, vec![sp(10, 1, 0, "root")]);
    close(out.f64(1, "gen_ai.l9.trace.cost_usd").unwrap(), 10.0 * (per_m(10, 2.5) + per_m(1, 10.0)));
}
