//! One handle, many threads: exact turn numbering and totals with no global lock, half the threads through the
//! OTLP bytes interface and half through the span-record interface.
use crate::common::*;

use std::sync::Arc;

#[test]
fn eight_threads_on_one_handle_number_turns_exactly() {
    const THREADS: u64 = 8;
    const CONVERSATIONS: u64 = 4;
    const TURNS_PER_THREAD: u64 = 48; // a multiple of CONVERSATIONS
    let p = Arc::new(Core::from_json(b"{}").unwrap());
    let keys = Arc::new(records_host::KeyList::parse(&p.key_list()));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (p, keys) = (Arc::clone(&p), Arc::clone(&keys));
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                for k in 0..TURNS_PER_THREAD {
                    let conv = format!("conv-{}", k % CONVERSATIONS);
                    // A distinct trace per (thread, k): trace ids built from both.
                    let mut root = sp(0, 1, 0, "turn").s("gen_ai.conversation.id", &conv);
                    let mut chat = sp(0, 2, 1, "chat").chat("gpt-4o", 1000, 100);
                    let tid: Vec<u8> = [(t + 1).to_be_bytes(), k.to_be_bytes()].concat();
                    root.0.trace_id = tid.clone();
                    chat.0.trace_id = tid;
                    let out = if t % 2 == 0 {
                        decode(&p.enrich(&batch(vec![chat, root])).unwrap())
                    } else {
                        enrich_records(&p, &keys, vec![chat, root])
                    };
                    let turn = out.int(1, "gen_ai.conversation.turn").unwrap();
                    assert_eq!(out.int(2, "gen_ai.conversation.turn"), Some(turn));
                    seen.push((conv, turn));
                }
                seen
            })
        })
        .collect();
    let mut by_conv: std::collections::HashMap<String, Vec<i64>> = Default::default();
    for h in handles {
        for (c, t) in h.join().unwrap() {
            by_conv.entry(c).or_default().push(t);
        }
    }
    let per_conv = THREADS * TURNS_PER_THREAD / CONVERSATIONS;
    for (c, mut turns) in by_conv {
        turns.sort();
        let expected: Vec<i64> = (1..=per_conv as i64).collect();
        assert_eq!(turns, expected, "{c}: every turn exactly once");
    }
    let stats: serde_json::Value = serde_json::from_str(&p.stats_json()).unwrap();
    assert_eq!(stats["priced"], THREADS * TURNS_PER_THREAD);
    let total = stats["cost_usd_by_model"]["gpt-4o"].as_f64().unwrap();
    close(total, (THREADS * TURNS_PER_THREAD) as f64 * (per_m(1000, 2.5) + per_m(100, 10.0)));
    // The last turn of each conversation saw the full running total.
    let out = decode(&p.enrich(&batch(vec![sp(200, 1, 0, "turn").s("gen_ai.conversation.id", "conv-0")])).unwrap());
    assert_eq!(out.int(1, "gen_ai.conversation.turn"), Some(per_conv as i64 + 1));
    close(out.f64(1, "gen_ai.conversation.cost_usd").unwrap(), per_conv as f64 * (per_m(1000, 2.5) + per_m(100, 10.0)));
}
