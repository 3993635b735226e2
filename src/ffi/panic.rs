//! The panic boundary: a panic unwinding through `extern "C"` aborts the host process (the whole collector).

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::status::last9_genai_status;

/// Runs `f`, turning a panic into `Panic`. Handles stay usable after a caught panic: shared state is guarded by
/// parking_lot locks, which do not poison, and every mutation keeps its invariants between statements. What a
/// batch had already put in that state before the panic stays there (see `Panic`).
pub(crate) fn guard_status(f: impl FnOnce() -> last9_genai_status) -> last9_genai_status {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(last9_genai_status::Panic)
}

/// Runs `f` for an export that cannot report a status; a panic yields `default`.
pub(crate) fn guard_or<T>(default: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_status_or_the_default() {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {})); // keep the test output clean
        assert_eq!(guard_status(|| panic!("boom")), last9_genai_status::Panic);
        assert_eq!(guard_or(7usize, || panic!("boom")), 7);
        std::panic::set_hook(hook);
        assert_eq!(guard_status(|| last9_genai_status::Ok), last9_genai_status::Ok);
    }
}
