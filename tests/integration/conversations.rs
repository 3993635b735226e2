//! Turns and running conversation totals across traces.
use crate::common::*;

/// One turn: the application's root span carries the conversation id; the instrumented call below it does not.
fn turn(trace: u8, conv: &str, input: i64, output: i64) -> Vec<Sp> {
    let root = 10 * u64::from(trace);
    vec![
        sp(trace, root + 1, root, "chat gpt-4o")
            .chat("gpt-4o", input, output)
            .s("gen_ai.response.id", &format!("r{trace}")),
        sp(trace, root, 0, "chat_turn").s("gen_ai.conversation.id", conv),
    ]
}

fn bill(input: u64, output: u64) -> f64 {
    per_m(input, 2.5) + per_m(output, 10.0)
}

#[test]
fn three_turns_with_the_id_only_on_each_root() {
    let p = processor("{}");
    let usage = [(1200, 300), (2600, 420), (3100, 512)];
    let mut running = 0.0;
    for (i, &(inp, outp)) in usage.iter().enumerate() {
        let t = i as u8 + 1;
        let out = enrich(&p, turn(t, "conv-1", inp as i64, outp as i64));
        let root = 10 * u64::from(t);
        running += bill(inp, outp);
        for id in [root, root + 1] {
            assert_eq!(out.str(id, "gen_ai.conversation.id").as_deref(), Some("conv-1"), "turn {t} span {id}");
            assert_eq!(out.int(id, "gen_ai.conversation.turn"), Some(i64::from(t)), "turn {t} span {id}");
        }
        close(out.f64(root, "gen_ai.l9.trace.cost_usd").unwrap(), bill(inp, outp));
        close(out.f64(root, "gen_ai.conversation.cost_usd").unwrap(), running);
        // Roll-ups go on the root only.
        assert_eq!(out.f64(root + 1, "gen_ai.conversation.cost_usd"), None);
    }
}

#[test]
fn conversations_are_counted_separately() {
    let p = processor("{}");
    enrich(&p, turn(1, "a", 100, 10));
    enrich(&p, turn(2, "b", 100, 10));
    let out = enrich(&p, turn(3, "a", 100, 10));
    assert_eq!(out.int(30, "gen_ai.conversation.turn"), Some(2));
    close(out.f64(30, "gen_ai.conversation.cost_usd").unwrap(), 2.0 * bill(100, 10));
}

#[test]
fn two_turns_in_one_batch_are_numbered_by_start_time() {
    let p = processor("{}");
    let mut spans = turn(2, "c", 10, 1);
    spans.extend(turn(1, "c", 10, 1));
    // trace 2 is listed first but started later (start times grow with the trace number).
    let out = enrich(&p, spans);
    assert_eq!(out.int(10, "gen_ai.conversation.turn"), Some(1));
    assert_eq!(out.int(20, "gen_ai.conversation.turn"), Some(2));
}

#[test]
fn a_turn_given_by_the_application_wins_and_numbering_continues() {
    let p = processor("{}");
    let mut t1 = turn(1, "g", 10, 1);
    t1[1] = t1[1].clone().i("gen_ai.conversation.turn_number", 5);
    let out = enrich(&p, t1);
    assert_eq!(out.int(10, "gen_ai.conversation.turn"), Some(5));
    assert_eq!(out.int(11, "gen_ai.conversation.turn"), Some(5));
    assert_eq!(out.int(10, "gen_ai.conversation.turn_number"), Some(5));
    let out = enrich(&p, turn(2, "g", 10, 1));
    assert_eq!(out.int(20, "gen_ai.conversation.turn"), Some(6));
}

#[test]
fn an_existing_turn_attribute_is_not_overwritten() {
    let p = processor("{}");
    let mut t1 = turn(1, "h", 10, 1);
    t1[1] = t1[1].clone().i("gen_ai.conversation.turn", 3);
    let out = enrich(&p, t1);
    assert_eq!(out.int(10, "gen_ai.conversation.turn"), Some(3));
    assert_eq!(out.int(11, "gen_ai.conversation.turn"), Some(3));
}

#[test]
fn least_recently_used_conversation_is_evicted_and_counted() {
    let p = processor(r#"{"max_conversations": 2}"#);
    enrich(&p, turn(1, "a", 10, 1));
    enrich(&p, turn(2, "b", 10, 1));
    enrich(&p, turn(3, "c", 10, 1)); // evicts "a"
    let out = enrich(&p, turn(4, "a", 10, 1));
    // "a" was forgotten: it starts over.
    assert_eq!(out.int(40, "gen_ai.conversation.turn"), Some(1));
    let stats: serde_json::Value = serde_json::from_str(&p.stats_json()).unwrap();
    assert_eq!(stats["conversation_evictions"], 2);
    assert_eq!(stats["conversations_tracked"], 2);
}

#[test]
fn idle_conversations_expire_after_their_ttl() {
    let p = processor(r#"{"conversation_ttl_seconds": 60}"#);
    let t0 = std::time::Instant::now();
    p.enrich_at(&batch(turn(1, "a", 10, 1)), t0).unwrap();
    let out = decode(&p.enrich_at(&batch(turn(2, "a", 10, 1)), t0 + std::time::Duration::from_secs(30)).unwrap());
    assert_eq!(out.int(20, "gen_ai.conversation.turn"), Some(2));
    let later = t0 + std::time::Duration::from_secs(200);
    let out = decode(&p.enrich_at(&batch(turn(3, "a", 10, 1)), later).unwrap());
    assert_eq!(out.int(30, "gen_ai.conversation.turn"), Some(1));
    p.expire_at(later);
    let stats: serde_json::Value = serde_json::from_str(&p.stats_json()).unwrap();
    assert_eq!(stats["conversation_expirations"], 1);
}

#[test]
fn configured_alias_lists_replace_the_defaults() {
    let p = processor(r#"{"conversation_id_keys": ["thread.id"], "user_id_keys": ["account.id"]}"#);
    let out =
        enrich(&p, vec![sp(1, 1, 0, "x").s("thread.id", "t-1").s("account.id", "acc").s("session.id", "ignored")]);
    assert_eq!(out.str(1, "gen_ai.conversation.id").as_deref(), Some("t-1"));
    assert_eq!(out.str(1, "user.id").as_deref(), Some("acc"));
}

#[test]
fn a_turn_given_on_an_early_child_is_kept_until_the_conversation_is_known() {
    let p = processor("{}");
    enrich(&p, vec![sp(1, 11, 10, "chat").chat("gpt-4o", 10, 1).i("gen_ai.conversation.turn_number", 4)]);
    let out = enrich(&p, vec![sp(1, 10, 0, "root").s("gen_ai.conversation.id", "late")]);
    assert_eq!(out.int(10, "gen_ai.conversation.turn"), Some(4));
}

#[test]
fn web_traffic_with_session_and_user_ids_is_left_alone() {
    let p = processor("{}");
    let input = batch(vec![
        sp(1, 1, 0, "GET /cart").s("session.id", "browser-session").s("user.id", "u-1"),
        sp(1, 2, 1, "SELECT").s("db.system", "postgresql"),
    ]);
    assert_eq!(p.enrich(&input).unwrap(), input, "no GenAI content: nothing written");
    let stats: serde_json::Value = serde_json::from_str(&p.stats_json()).unwrap();
    assert_eq!(stats["traces_tracked"], 0, "and nothing remembered");
    // The same ids on a trace that does call a model make it a conversation.
    let out = enrich(
        &p,
        vec![
            sp(2, 1, 0, "POST /chat").s("session.id", "browser-session").s("user.id", "u-1"),
            sp(2, 2, 1, "chat").chat("gpt-4o", 10, 1),
        ],
    );
    assert_eq!(out.str(2, "gen_ai.conversation.id").as_deref(), Some("browser-session"));
    assert_eq!(out.str(2, "user.id").as_deref(), Some("u-1"));
    assert_eq!(out.int(1, "gen_ai.conversation.turn"), Some(1));
}

/// Regression: eviction by `max_traces` once forgot to give the evicted trace's spans back to the
/// `max_remembered_spans` budget, so the budget filled with nothing and split traces lost their earlier halves.
#[test]
fn evicting_by_trace_count_keeps_the_span_budget_exact() {
    let p = processor(r#"{"max_traces": 4, "max_remembered_spans": 20}"#);
    for t in 1..=100u8 {
        enrich(&p, vec![sp(t, 1, 0, "chat").chat("gpt-4o", 100, 10)]);
    }
    let stats: serde_json::Value = serde_json::from_str(&p.stats_json()).unwrap();
    assert_eq!(stats["traces_tracked"], 4);
    assert_eq!(stats["spans_remembered"], 4);

    // A trace split across two batches: the call first, the root later. The root's trace cost counts the call.
    let call = || sp(200, 2, 1, "chat").chat("gpt-4o", 1000, 450);
    enrich(&p, vec![call()]);
    let out = enrich(&p, vec![sp(200, 1, 0, "root").s("gen_ai.conversation.id", "c-split")]);
    // 1000 x $2.50/M + 450 x $10/M
    close(out.f64(1, "gen_ai.l9.trace.cost_usd").unwrap(), 0.007);
}

/// The front tier of a fleet writes the conversation id and nothing else, so its router can keep a conversation
/// on one back replica; the back replica then gives exactly what one collector gives.
#[test]
fn conversation_ids_only_writes_the_id_alone_and_the_back_tier_completes_it() {
    let front = processor(r#"{"conversation_ids_only": true}"#);
    let spans = || {
        vec![
            sp(1, 11, 10, "chat gpt-4o").chat("gpt-4o", 1000, 100),
            sp(1, 10, 0, "chat_turn").s("session.id", "conv-front"),
            sp(1, 12, 10, "GET /weather").s("http.request.method", "GET"),
        ]
    };
    let routed = front.enrich(&batch(spans())).unwrap();
    let out = decode(&routed);
    for id in [10, 11, 12] {
        assert_eq!(out.str(id, "gen_ai.conversation.id").as_deref(), Some("conv-front"), "span {id}");
    }
    let input = decode(&batch(spans()));
    for id in [10, 11, 12] {
        let mut got = out.attrs(id);
        got.remove("gen_ai.conversation.id");
        assert_eq!(got, input.attrs(id), "span {id}: nothing else written");
    }

    let back = processor("{}");
    let single = processor("{}");
    let via_fleet = decode(&back.enrich(&routed).unwrap());
    let direct = enrich(&single, spans());
    for id in [10, 11, 12] {
        assert_eq!(via_fleet.attrs(id), direct.attrs(id), "span {id}");
    }
    assert_eq!(via_fleet.int(10, "gen_ai.conversation.turn"), Some(1));
}
