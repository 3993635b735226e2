//! Every GenAI convention we read, reduced to one view per span. Knows nothing about money or traces.

mod keys;
mod kind;
mod span_view;
mod usage;

pub use keys::{AliasLists, KeyIndex, KeyInfo, KeyTable, OutKey, MAX_KEYS};
pub use kind::Kind;
pub use span_view::{kind_rank, read_span, read_span_into, Ranked, SpanFacts};
pub use usage::RawUsage;
