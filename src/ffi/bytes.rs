//! `last9_genai_bytes`: a byte buffer allocated by Rust, read by the host, freed by Rust.

use super::panic::guard_or;
use libc::size_t;

/// An immutable byte buffer owned by this library. Read it with `last9_genai_bytes_data` /
/// `last9_genai_bytes_len`, then release it exactly once with `last9_genai_bytes_free`.
pub struct last9_genai_bytes {
    data: Box<[u8]>,
}

impl last9_genai_bytes {
    pub(crate) fn boxed(data: Vec<u8>) -> *mut last9_genai_bytes {
        Box::into_raw(Box::new(last9_genai_bytes { data: data.into_boxed_slice() }))
    }
}

/// Pointer to the first byte. Valid until `last9_genai_bytes_free`. NULL if `bytes` is NULL; for an empty buffer
/// a non-NULL pointer that must not be read.
#[no_mangle]
pub extern "C" fn last9_genai_bytes_data(bytes: *const last9_genai_bytes) -> *const u8 {
    // SAFETY: a non-NULL buffer came from this library and is not yet freed (the header's contract); `as_ref`
    // only reads it.
    guard_or(std::ptr::null(), || match unsafe { bytes.as_ref() } {
        Some(b) => b.data.as_ptr(),
        None => std::ptr::null(),
    })
}

/// Number of bytes in the buffer; 0 if `bytes` is NULL.
#[no_mangle]
pub extern "C" fn last9_genai_bytes_len(bytes: *const last9_genai_bytes) -> size_t {
    // SAFETY: a non-NULL buffer came from this library and is not yet freed (the header's contract); `as_ref`
    // only reads it.
    guard_or(0, || unsafe { bytes.as_ref() }.map_or(0, |b| b.data.len()))
}

/// Releases a buffer returned by this library. NULL is a no-op. Calling it twice on the same pointer is undefined.
#[no_mangle]
pub extern "C" fn last9_genai_bytes_free(bytes: *mut last9_genai_bytes) {
    guard_or((), || {
        if !bytes.is_null() {
            // SAFETY: a non-NULL buffer came from Box::into_raw in `boxed` and the host frees it once (the header's
            // contract).
            drop(unsafe { Box::from_raw(bytes) });
        }
    })
}
