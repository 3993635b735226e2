//! Every GenAI convention we read, reduced to one view per span. Knows nothing about money or traces.

mod count;
mod keys;
mod kind;
mod span_view;
mod usage;

pub use keys::{AliasLists, KeyIndex, KeyInfo, KeyTable, OutKey};
pub use kind::Kind;
pub use span_view::{kind_rank, read_span, Ranked, SpanFacts};
