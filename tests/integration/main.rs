//! The integration tests, in one binary: one link instead of one per file (each links the core with LTO), which
//! was most of `make test`'s Rust time on two cores. Tests that measure the process (the state budget reads RSS),
//! run for long (the soak) or drive the fuzzer stay in their own binaries.
#[path = "../common/mod.rs"]
mod common;

mod billing;
mod c_program;
mod captured_replay;
mod checkpoint;
mod concurrency;
mod conventions;
mod conversations;
mod genai_prices_file;
mod header_drift;
mod hostile;
mod nothing_lost;
mod price_choice;
mod pricing_models;
mod workflows;
