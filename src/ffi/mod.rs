//! The C ABI and nothing else: exports, status codes, the panic boundary, owned buffers.
//!
//! Rules every export follows (they are also written in README.md and in the header):
//! - every name starts with `last9_genai_`; handles are opaque and always passed by pointer;
//! - inputs come first, outputs last; a byte buffer is always followed by its length;
//! - every pointer is checked; outputs are written only when the call returns `Ok`;
//! - every body runs inside `catch_unwind`, so a panic becomes `Panic` instead of aborting the host;
//! - memory Rust allocates is freed only by Rust (`last9_genai_bytes_free`, `last9_genai_processor_free`).
#![allow(non_camel_case_types)]
// The exports are called from C, where Rust's `unsafe fn` marker means nothing; each one checks its pointers
// instead, as the rules above say.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

mod bytes;
mod error_buf;
mod panic;
mod processor;
mod status;

pub use bytes::{last9_genai_bytes, last9_genai_bytes_data, last9_genai_bytes_free, last9_genai_bytes_len};
pub use processor::{
    last9_genai_abi_v1, last9_genai_enrich_spans, last9_genai_enrich_traces, last9_genai_processor,
    last9_genai_processor_free, last9_genai_processor_keys, last9_genai_processor_new, last9_genai_processor_stats,
    last9_genai_version,
};
pub use status::{last9_genai_status, last9_genai_status_text};
