//! last9_genai: reads OTLP trace batches as bytes, finds the GenAI spans in them, and writes conversation, turn,
//! workflow and cost attributes back, keeping every byte it does not deliberately change.
//!
//! Data flows one way: `wire` (bytes -> views) -> `conventions` (one GenAI view per span) -> `trace` (per-trace
//! decisions, with `pricing` and `state`) -> `enrich` (attribute patches) -> `wire` (bytes). `ffi` is the C ABI.

#![warn(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod batch;
pub(crate) mod config;
pub(crate) mod contract;
pub(crate) mod conventions;
mod enrich;
mod fast_hash;
pub mod ffi;
mod patch;
pub(crate) mod pricing;
mod processor;
pub(crate) mod records;
pub(crate) mod state;
mod stats;
mod tokens;
pub(crate) mod trace;
pub(crate) mod wire;

pub use config::{Config, ConfigError};
pub use processor::Processor;
pub use state::{CheckpointError, Restored, CHECKPOINT_VERSION};
pub use wire::WireError;

/// What the integration tests and benches reach inside the crate: the wire reader and writer, and the price
/// table and formula. Not an API: hosts use [`Processor`] or the C ABI in [`ffi`].
#[doc(hidden)]
pub mod test_support {
    pub use crate::pricing::{cost, Cost, ModelPrice, PriceTable, TokenUsage};
    pub use crate::wire::{encode_kv_raw, encode_kv_string, encode_varint, BatchIndex, FieldReader, WireValue};
}
