//! The panic boundary: a panic unwinding through `extern "C"` aborts the host process (the whole collector).

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::status::last9_genai_status;

/// Runs `f`, turning a panic into `Panic`. Handles stay usable after a caught panic: shared state is guarded by
/// parking_lot locks, which do not poison, and every mutation keeps its invariants between statements.
pub(crate) fn guard_status(f: impl FnOnce() -> last9_genai_status) -> last9_genai_status {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(last9_genai_status::Panic)
}

/// Runs `f` for an export that cannot report a status; a panic yields `default`.
pub(crate) fn guard_or<T>(default: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(default)
}
