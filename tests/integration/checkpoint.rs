//! Conversation state exported and restored across processes: turns and running totals continue; a bad
//! checkpoint changes nothing.
use crate::common::*;
use last9_genai::{CheckpointError, Restored, CHECKPOINT_VERSION};
use std::time::{Duration, Instant, SystemTime};

/// One turn: the root carries the conversation id, the call below it the usage.
fn turn(trace: u8, conv: &str, input: i64, output: i64) -> Vec<Sp> {
    let root = 10 * u64::from(trace);
    vec![
        sp(trace, root + 1, root, "chat gpt-4o").chat("gpt-4o", input, output),
        sp(trace, root, 0, "chat_turn").s("gen_ai.conversation.id", conv),
    ]
}

fn bill(input: u64, output: u64) -> f64 {
    per_m(input, 2.5) + per_m(output, 10.0)
}

#[test]
fn turns_and_running_totals_continue_after_a_restore() {
    let before = processor("{}");
    enrich(&before, turn(1, "conv-a", 1000, 100));
    enrich(&before, turn(2, "conv-a", 2000, 200));
    enrich(&before, turn(3, "conv-b", 500, 50));
    let checkpoint = before.export_state();
    drop(before);

    let after = processor("{}");
    assert_eq!(after.restore_state(&checkpoint), Ok(Restored { conversations: 2, skipped: 0 }));
    let out = enrich(&after, turn(4, "conv-a", 3000, 300));
    assert_eq!(out.int(40, "gen_ai.conversation.turn"), Some(3));
    close(out.f64(40, "gen_ai.conversation.cost_usd").unwrap(), bill(1000, 100) + bill(2000, 200) + bill(3000, 300));
    let out = enrich(&after, turn(5, "conv-b", 500, 50));
    assert_eq!(out.int(50, "gen_ai.conversation.turn"), Some(2));
    close(out.f64(50, "gen_ai.conversation.cost_usd").unwrap(), 2.0 * bill(500, 50));
    let out = enrich(&after, turn(6, "conv-new", 10, 1));
    assert_eq!(out.int(60, "gen_ai.conversation.turn"), Some(1));
}

#[test]
fn an_empty_state_round_trips() {
    let p = processor("{}");
    let checkpoint = p.export_state();
    assert_eq!(checkpoint.len(), 32 + 8, "header and checksum only");
    assert_eq!(processor("{}").restore_state(&checkpoint), Ok(Restored::default()));
}

#[test]
fn a_checkpoint_is_the_same_bytes_for_the_same_state() {
    let core = last9_genai::Processor::from_json(b"{}").unwrap();
    let now = Instant::now();
    let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    for (t, conv) in [(1u8, "x"), (2, "y"), (3, "x")] {
        core.enrich_at(&batch(turn(t, conv, 100, 10)), now).unwrap();
    }
    let a = core.export_state_at(now, wall);
    assert_eq!(a, core.export_state_at(now, wall));
    assert_eq!(a.len(), 32 + 2 * 40 + 8);
    assert_eq!(&a[..8], b"L9GENAI\xC5");
    assert_eq!(u32::from_le_bytes(a[8..12].try_into().unwrap()), CHECKPOINT_VERSION);
    assert_eq!(u64::from_le_bytes(a[24..32].try_into().unwrap()), 2, "two conversations");
}

#[test]
fn conversations_idle_past_their_ttl_are_not_restored() {
    let core = last9_genai::Processor::from_json(br#"{"conversation_ttl_seconds": 60}"#).unwrap();
    let t0 = Instant::now();
    let wall0 = SystemTime::now();
    core.enrich_at(&batch(turn(1, "old", 100, 10)), t0).unwrap();
    core.enrich_at(&batch(turn(2, "fresh", 100, 10)), t0 + Duration::from_secs(50)).unwrap();
    let checkpoint = core.export_state_at(t0 + Duration::from_secs(50), wall0 + Duration::from_secs(50));

    // Restored 30 s after the export: "old" was last used 80 s ago, "fresh" 30 s ago.
    let later = last9_genai::Processor::from_json(br#"{"conversation_ttl_seconds": 60}"#).unwrap();
    let r = later.restore_state_at(&checkpoint, Instant::now(), wall0 + Duration::from_secs(80)).unwrap();
    assert_eq!(r, Restored { conversations: 1, skipped: 1 });
}

#[test]
fn what_this_process_already_knows_wins_over_the_checkpoint() {
    let old = processor("{}");
    enrich(&old, turn(1, "c", 100, 10));
    let checkpoint = old.export_state();
    let p = processor("{}");
    enrich(&p, turn(2, "c", 100, 10));
    enrich(&p, turn(3, "c", 100, 10));
    assert_eq!(p.restore_state(&checkpoint), Ok(Restored { conversations: 0, skipped: 1 }));
    assert_eq!(enrich(&p, turn(4, "c", 100, 10)).int(40, "gen_ai.conversation.turn"), Some(3));
}

fn restored_nothing(p: &Processor) {
    let out = enrich(p, turn(9, "conv-a", 100, 10));
    assert_eq!(out.int(90, "gen_ai.conversation.turn"), Some(1), "starts clean");
    close(out.f64(90, "gen_ai.conversation.cost_usd").unwrap(), bill(100, 10));
}

fn good_checkpoint() -> Vec<u8> {
    let p = processor("{}");
    enrich(&p, turn(1, "conv-a", 1000, 100));
    enrich(&p, turn(2, "conv-a", 1000, 100));
    p.export_state()
}

#[test]
fn every_corruption_is_refused_whole() {
    let good = good_checkpoint();
    let mut cases: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), vec![]),
        ("garbage".into(), b"not a checkpoint at all, just text of some length".to_vec()),
        ("truncated".into(), good[..good.len() - 1].to_vec()),
        ("header only".into(), good[..32].to_vec()),
    ];
    for at in [3, 14, 20, 30, 40, 60, good.len() - 3] {
        let mut b = good.clone();
        b[at] ^= 0x40;
        cases.push((format!("bit flip at {at}"), b));
    }
    let mut longer = good.clone();
    longer.splice(good.len() - 8..good.len() - 8, [0u8; 40]);
    cases.push(("an entry too many".into(), longer));
    for (what, bytes) in cases {
        let p = processor("{}");
        match p.restore_state(&bytes) {
            Err(CheckpointError::Corrupt(_)) => {}
            other => panic!("{what}: {other:?}"),
        }
        restored_nothing(&p);
    }
}

#[test]
fn a_newer_format_is_refused_with_its_version() {
    let mut b = good_checkpoint();
    b[8..12].copy_from_slice(&(CHECKPOINT_VERSION + 1).to_le_bytes());
    let p = processor("{}");
    let e = p.restore_state(&b).unwrap_err();
    assert_eq!(e, CheckpointError::NewerVersion(CHECKPOINT_VERSION + 1));
    assert!(e.to_string().contains("newer release"), "{e}");
    restored_nothing(&p);
}

#[test]
fn a_restore_never_exceeds_max_conversations() {
    let big = processor("{}");
    for t in 1..=200u8 {
        enrich(&big, turn(t, &format!("c{t}"), 10, 1));
    }
    let checkpoint = big.export_state();
    let small = last9_genai::Processor::from_json(br#"{"max_conversations": 64}"#).unwrap();
    let r = small.restore_state(&checkpoint).unwrap();
    assert_eq!(r.conversations, 200, "each was put back; the oldest were then evicted to stay within bounds");
    let stats: serde_json::Value = serde_json::from_str(&small.stats_json()).unwrap();
    assert!(stats["conversations_tracked"].as_u64().unwrap() <= 64, "{stats}");
    // The most recent ones survive.
    let out = enrich_core(&small, turn(250, "c199", 10, 1));
    assert_eq!(out.int(2500, "gen_ai.conversation.turn"), Some(2));
}

fn enrich_core(p: &last9_genai::Processor, spans: Vec<Sp>) -> Out {
    decode(&p.enrich(&batch(spans)).unwrap())
}
