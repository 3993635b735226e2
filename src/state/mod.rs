//! Memory across batches, and the only place with locks: per-trace memory and conversations, each bounded by
//! a maximum entry count (least recently used evicted) and an idle TTL, with evictions counted.

mod bounded_map;
mod conversation_state;
mod sharded;
mod trace_state;

use std::time::{Duration, Instant};

pub use conversation_state::ConversationMemo;
pub use sharded::{ShardGuard, Sharded};
pub use trace_state::{Billing, CallPrint, Inherited, SpanId, SpanMemo, TraceId, TraceMemo, MAX_SPANS_PER_TRACE};
pub(crate) use trace_state::{SpanMap, SpanSet};

pub struct State {
    pub traces: Sharded<TraceId, TraceMemo>,
    pub conversations: Sharded<Box<str>, ConversationMemo>,
}

impl State {
    /// `max_spans` bounds the spans all remembered traces hold together: with `max_traces` alone one huge trace
    /// per slot could hold gigabytes.
    pub fn new(
        max_traces: usize,
        trace_ttl: Duration,
        max_spans: usize,
        max_conversations: usize,
        conversation_ttl: Duration,
    ) -> State {
        State {
            traces: Sharded::new(max_traces, trace_ttl, max_spans),
            conversations: Sharded::new(max_conversations, conversation_ttl, usize::MAX),
        }
    }

    pub fn expire(&self, now: Instant) {
        self.traces.expire_all(now);
        self.conversations.expire_all(now);
    }
}
