//! last9_genai: reads OTLP trace batches as bytes, finds the GenAI spans in them, and writes conversation, turn,
//! workflow and cost attributes back, keeping every byte it does not deliberately change.
//!
//! Data flows one way: `wire` (bytes -> views) -> `conventions` (one GenAI view per span) -> `trace` (per-trace
//! decisions, with `pricing` and `state`) -> `enrich` (attribute patches) -> `wire` (bytes). `ffi` is the C ABI.

mod batch;
pub mod config;
pub mod contract;
pub mod conventions;
mod enrich;
mod fast_hash;
pub mod ffi;
mod patch;
pub mod pricing;
mod processor;
pub mod records;
pub mod state;
mod stats;
pub mod trace;
pub mod wire;

pub use config::{Config, ConfigError};
pub use processor::Processor;
