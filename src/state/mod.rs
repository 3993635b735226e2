//! Memory across batches, and the only place with locks: per-trace memory and conversations, each bounded by
//! a maximum entry count (least recently used evicted), an idle TTL and, together, a byte budget; and a small
//! bounded memo for the price table's clause matches, and the shared cells of the price table and stats tallies.

mod bounded_map;
mod checkpoint;
mod conversation_state;
mod digest;
mod memo;
mod sharded;
mod shared;
mod small_str;
mod span_store;
mod trace_state;

use std::time::{Duration, Instant};

pub use bounded_map::Weight;
pub use checkpoint::{CheckpointError, Restored, CHECKPOINT_VERSION};
pub use conversation_state::ConversationMemo;
pub use digest::{conversation_key, response_key, ConversationKey};
pub use memo::Memo;
pub use sharded::Sharded;
pub use shared::{Swap, Tally};
pub use small_str::SmallStr;
pub use trace_state::{Billing, CallPrint, Inherited, Kept, SpanId, SpanMemo, TraceId, TraceMemo, MAX_SPANS_PER_TRACE};
pub(crate) use trace_state::{SpanMap, SpanSet};

/// Limits of the state, as configured.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_traces: usize,
    pub trace_ttl: Duration,
    pub max_spans: usize,
    pub max_conversations: usize,
    pub conversation_ttl: Duration,
    /// Everything together: both tables' structure and all they own.
    pub max_bytes: usize,
}

impl Limits {
    /// The bytes both tables' structure can take when full. What is left of `max_bytes` is what remembered
    /// traces may own (ids, span memos); conversations own nothing beyond their slot.
    pub fn table_bytes(&self) -> usize {
        Sharded::<TraceId, Box<TraceMemo>>::max_table_bytes(self.max_traces, self.max_spans)
            + Sharded::<ConversationKey, ConversationMemo>::max_table_bytes(self.max_conversations, usize::MAX)
    }
}

pub struct State {
    /// Boxed: the table's slots stay small (a probe touches one cache line), the memo lives beside.
    pub traces: Sharded<TraceId, Box<TraceMemo>>,
    pub conversations: Sharded<ConversationKey, ConversationMemo>,
    pub limits: Limits,
}

impl State {
    /// `Err` names the limit that leaves less than half of `max_bytes` for what traces own.
    pub fn new(limits: Limits) -> Result<State, String> {
        let tables = limits.table_bytes();
        if tables > limits.max_bytes / 2 {
            return Err(format!(
                "{} traces and {} conversations need {} MiB for their tables alone, more than half of the state \
                 budget of {} MiB: raise the budget or lower max_traces / max_conversations",
                limits.max_traces,
                limits.max_conversations,
                tables.div_ceil(1 << 20),
                limits.max_bytes >> 20
            ));
        }
        let owned = Weight { spans: limits.max_spans, bytes: limits.max_bytes - tables };
        Ok(State {
            traces: Sharded::new(limits.max_traces, limits.trace_ttl, owned),
            conversations: Sharded::new(limits.max_conversations, limits.conversation_ttl, Weight::UNLIMITED),
            limits,
        })
    }

    /// Conversation state as versioned bytes (`checkpoint.rs`).
    pub fn export_conversations(&self, now: Instant, wall_now: std::time::SystemTime) -> Vec<u8> {
        checkpoint::export(self, now, wall_now)
    }

    /// Puts back what `export_conversations` wrote; a corrupt or newer checkpoint changes nothing.
    pub fn restore_conversations(
        &self,
        bytes: &[u8],
        now: Instant,
        wall_now: std::time::SystemTime,
    ) -> Result<Restored, CheckpointError> {
        checkpoint::restore(self, bytes, now, wall_now)
    }

    pub fn expire(&self, now: Instant) {
        self.traces.expire_all(now);
        self.conversations.expire_all(now);
    }

    /// Bytes held now by both tables and everything they own (never more than `limits.max_bytes`).
    pub fn bytes(&self) -> usize {
        self.traces.bytes() + self.conversations.bytes()
    }
}
