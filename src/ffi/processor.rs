//! `last9_genai_processor`: the opaque handle around `crate::Processor` and the calls made on it.

use libc::{c_char, size_t};

use super::bytes::last9_genai_bytes;
use super::error_buf::write_error;
use super::panic::{guard_or, guard_status};
use super::status::last9_genai_status;
use crate::Processor;

/// An enrichment processor: configuration, price table and the bounded conversation / trace memory.
///
/// Thread safety: one handle may be used by any number of threads at once for `last9_genai_enrich_traces` and
/// `last9_genai_processor_stats`; `last9_genai_processor_free` must not race with any other call on the handle.
pub struct last9_genai_processor {
    inner: Processor,
}

/// Borrows `len` bytes at `ptr`; a zero length may come with any pointer (Go passes NULL for an empty slice).
unsafe fn input<'a>(ptr: *const u8, len: size_t) -> Option<&'a [u8]> {
    if len == 0 {
        Some(&[])
    } else if ptr.is_null() {
        None
    } else {
        Some(std::slice::from_raw_parts(ptr, len))
    }
}

/// The library version, e.g. "0.1.0": static, NUL-terminated, never NULL, never freed.
#[no_mangle]
pub extern "C" fn last9_genai_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Writes the defaults of the configuration's scalar keys (`max_conversations`, `conversation_ttl_seconds`, ...)
/// as a JSON object into a new `*config_out` (free it with `last9_genai_bytes_free`): the same document
/// `last9_genai_processor_new` accepts, so a host can show or fill in the core's defaults instead of repeating them.
#[no_mangle]
pub extern "C" fn last9_genai_default_config(config_out: *mut *mut last9_genai_bytes) -> last9_genai_status {
    guard_status(|| {
        if config_out.is_null() {
            return last9_genai_status::NullPointer;
        }
        let json = crate::Config::defaults_json();
        // SAFETY: `config_out` was checked non-NULL above and points to storage for one pointer (the header's
        // contract); the buffer it receives is the host's to free with last9_genai_bytes_free.
        unsafe { *config_out = last9_genai_bytes::boxed(json.into_bytes()) };
        last9_genai_status::Ok
    })
}

/// ABI version marker. Hosts reference this symbol so that linking against a library with an incompatible ABI fails
/// at build time instead of misbehaving at run time. Returns 1.
#[no_mangle]
pub extern "C" fn last9_genai_abi_v1() -> u32 {
    1
}

/// Creates a processor from a JSON configuration (`config_json`, `config_len` bytes of UTF-8; `{}` means defaults).
///
/// On `Ok`, `*processor_out` receives a handle to release with `last9_genai_processor_free`. On any other status
/// nothing is allocated and `*processor_out` is left untouched; if `error_buf` is not NULL a NUL-terminated message
/// naming the offending key is written into it (at most `error_cap` bytes including the NUL) and its length without
/// the NUL into `*error_len_out` (if not NULL).
#[no_mangle]
pub extern "C" fn last9_genai_processor_new(
    config_json: *const u8,
    config_len: size_t,
    error_buf: *mut c_char,
    error_cap: size_t,
    error_len_out: *mut size_t,
    processor_out: *mut *mut last9_genai_processor,
) -> last9_genai_status {
    guard_status(|| {
        // SAFETY: `input` refuses NULL with a non-zero length and otherwise borrows the `config_len` bytes the host
        // says it passes (the header's contract).
        let Some(config) = (unsafe { input(config_json, config_len) }) else {
            write_error("config_json is NULL", error_buf, error_cap, error_len_out);
            return last9_genai_status::NullPointer;
        };
        if processor_out.is_null() {
            write_error("processor_out is NULL", error_buf, error_cap, error_len_out);
            return last9_genai_status::NullPointer;
        }
        match Processor::from_json(config) {
            Ok(inner) => {
                // SAFETY: `processor_out` was checked non-NULL above and points to storage for one pointer (the
                // header's contract); the handle is the host's to free with last9_genai_processor_free.
                unsafe { *processor_out = Box::into_raw(Box::new(last9_genai_processor { inner })) };
                last9_genai_status::Ok
            }
            Err(e) => {
                write_error(&e.to_string(), error_buf, error_cap, error_len_out);
                last9_genai_status::InvalidConfig
            }
        }
    })
}

/// Releases a processor and all its memory. NULL is a no-op. No other call may use the handle during or after this.
#[no_mangle]
pub extern "C" fn last9_genai_processor_free(processor: *mut last9_genai_processor) {
    guard_or((), || {
        if !processor.is_null() {
            // SAFETY: a non-NULL handle came from Box::into_raw in last9_genai_processor_new, and the host frees it
            // once, with no call running on it (the header's contract).
            drop(unsafe { Box::from_raw(processor) });
        }
    })
}

/// Enriches one OTLP `ExportTraceServiceRequest` (byte-identical to `TracesData`).
///
/// On `Ok`, `*output_out` receives the enriched request as a new `last9_genai_bytes` that the caller owns and
/// releases with `last9_genai_bytes_free`; every input byte not deliberately changed is kept, including fields this
/// library does not know. On any other status nothing is allocated, `*output_out` is untouched, the processor's
/// memory is unchanged, and a message is written to `error_buf` as in `last9_genai_processor_new`.
/// Safe to call from many threads at once on one handle.
#[no_mangle]
pub extern "C" fn last9_genai_enrich_traces(
    processor: *const last9_genai_processor,
    input_data: *const u8,
    input_len: size_t,
    error_buf: *mut c_char,
    error_cap: size_t,
    error_len_out: *mut size_t,
    output_out: *mut *mut last9_genai_bytes,
) -> last9_genai_status {
    guard_status(|| {
        // SAFETY: a non-NULL handle came from last9_genai_processor_new and is not freed while calls run; `input`
        // refuses NULL with a non-zero length and otherwise borrows the bytes the host says it passes (the header's
        // contract).
        let (Some(p), Some(data)) = (unsafe { processor.as_ref() }, unsafe { input(input_data, input_len) }) else {
            write_error("processor or input_data is NULL", error_buf, error_cap, error_len_out);
            return last9_genai_status::NullPointer;
        };
        if output_out.is_null() {
            write_error("output_out is NULL", error_buf, error_cap, error_len_out);
            return last9_genai_status::NullPointer;
        }
        match p.inner.enrich(data) {
            Ok(out) => {
                // SAFETY: the output pointer was checked non-NULL above and points to storage for one pointer (the
                // header's contract); the buffer it receives is the host's to free with last9_genai_bytes_free.
                unsafe { *output_out = last9_genai_bytes::boxed(out) };
                last9_genai_status::Ok
            }
            Err(e) => {
                write_error(&e.to_string(), error_buf, error_cap, error_len_out);
                last9_genai_status::MalformedInput
            }
        }
    })
}

/// Writes the processor's key list into a new `*keys_out` (free it with `last9_genai_bytes_free`): what a host
/// of `last9_genai_enrich_spans` forwards attributes by, and the fixed values its responses name. Layout, integers
/// little-endian: u32 key count, then per key a u16 length and the key's bytes; then the same for the fixed values.
/// The list never changes for the life of the processor.
#[no_mangle]
pub extern "C" fn last9_genai_processor_keys(
    processor: *const last9_genai_processor,
    keys_out: *mut *mut last9_genai_bytes,
) -> last9_genai_status {
    guard_status(|| {
        // SAFETY: a non-NULL handle came from last9_genai_processor_new and is not freed while calls run (the
        // header's contract); `as_ref` only reads it.
        let Some(p) = (unsafe { processor.as_ref() }) else {
            return last9_genai_status::NullPointer;
        };
        if keys_out.is_null() {
            return last9_genai_status::NullPointer;
        }
        // SAFETY: the output pointer was checked non-NULL above and points to storage for one pointer (the header's
        // contract); the buffer it receives is the host's to free with last9_genai_bytes_free.
        unsafe { *keys_out = last9_genai_bytes::boxed(p.inner.key_list()) };
        last9_genai_status::Ok
    })
}

/// Enriches a batch given as span records (the span fields and known attributes only; format in README "Span
/// records") and returns only what changes: attributes to put on spans by position, and spans to hold back.
///
/// On `Ok`, `*patches_out` is NULL when nothing changes and nothing is to be held (no allocation), else a new
/// `last9_genai_bytes` to release with `last9_genai_bytes_free`. On any other status `*patches_out` is untouched,
/// the processor's memory is unchanged, and a message is written to `error_buf` as in `last9_genai_processor_new`.
/// Safe to call from many threads at once on one handle.
#[no_mangle]
pub extern "C" fn last9_genai_enrich_spans(
    processor: *const last9_genai_processor,
    records: *const u8,
    records_len: size_t,
    error_buf: *mut c_char,
    error_cap: size_t,
    error_len_out: *mut size_t,
    patches_out: *mut *mut last9_genai_bytes,
) -> last9_genai_status {
    guard_status(|| {
        // SAFETY: a non-NULL handle came from last9_genai_processor_new and is not freed while calls run; `input`
        // refuses NULL with a non-zero length and otherwise borrows the bytes the host says it passes (the header's
        // contract).
        let (Some(p), Some(data)) = (unsafe { processor.as_ref() }, unsafe { input(records, records_len) }) else {
            write_error("processor or records is NULL", error_buf, error_cap, error_len_out);
            return last9_genai_status::NullPointer;
        };
        if patches_out.is_null() {
            write_error("patches_out is NULL", error_buf, error_cap, error_len_out);
            return last9_genai_status::NullPointer;
        }
        match p.inner.enrich_records_at(data, std::time::Instant::now()) {
            Ok(out) => {
                // SAFETY: the output pointer was checked non-NULL above and points to storage for one pointer (the
                // header's contract); the buffer it receives is the host's to free with last9_genai_bytes_free.
                unsafe { *patches_out = out.map_or(std::ptr::null_mut(), last9_genai_bytes::boxed) };
                last9_genai_status::Ok
            }
            Err(e) => {
                write_error(&e.to_string(), error_buf, error_cap, error_len_out);
                last9_genai_status::MalformedInput
            }
        }
    })
}

/// Builds the price table again from the processor's configuration (re-reading its `pricing_file`) and puts it
/// in force for the batches that start after this returns; batches under way finish with the previous table.
///
/// `InvalidConfig` (a file that is gone or no longer parses): the previous table stays in force, the handle is
/// usable, and a message naming the key is written to `error_buf` as in `last9_genai_processor_new`.
#[no_mangle]
pub extern "C" fn last9_genai_processor_reload_prices(
    processor: *const last9_genai_processor,
    error_buf: *mut c_char,
    error_cap: size_t,
    error_len_out: *mut size_t,
) -> last9_genai_status {
    guard_status(|| {
        // SAFETY: a non-NULL handle came from last9_genai_processor_new and is not freed while calls run (the
        // header's contract); `as_ref` only reads it.
        let Some(p) = (unsafe { processor.as_ref() }) else {
            write_error("processor is NULL", error_buf, error_cap, error_len_out);
            return last9_genai_status::NullPointer;
        };
        match p.inner.reload_prices() {
            Ok(()) => last9_genai_status::Ok,
            Err(e) => {
                write_error(&e.to_string(), error_buf, error_cap, error_len_out);
                last9_genai_status::InvalidConfig
            }
        }
    })
}

/// Writes the processor's cumulative counters and current sizes as a JSON object into a new `*stats_out` (free it
/// with `last9_genai_bytes_free`). Reading changes nothing. Keys: batches, spans_seen, spans_enriched, priced,
/// priced_other_provider, service_tier_unpriced, unpriced_model, unpriced_no_counts, unpriced_unreadable_counts,
/// unpriced_models (the most frequent model names without a price -> calls, at most 50), duplicate, provided,
/// errors, conversations_tracked, traces_tracked, spans_remembered, state_bytes, state_bytes_limit,
/// values_not_remembered, spans_held, values_unreadable, conversation_evictions, conversation_expirations,
/// trace_evictions, trace_expirations, price_table_models, pricing_file_entries_loaded,
/// pricing_file_entries_skipped, pricing_file_format (`litellm`, `genai-prices` or `none`), cost_usd_by_model (an
/// object of model -> USD).
#[no_mangle]
pub extern "C" fn last9_genai_processor_stats(
    processor: *const last9_genai_processor,
    stats_out: *mut *mut last9_genai_bytes,
) -> last9_genai_status {
    guard_status(|| {
        // SAFETY: a non-NULL handle came from last9_genai_processor_new and is not freed while calls run (the
        // header's contract); `as_ref` only reads it.
        let Some(p) = (unsafe { processor.as_ref() }) else {
            return last9_genai_status::NullPointer;
        };
        if stats_out.is_null() {
            return last9_genai_status::NullPointer;
        }
        let json = p.inner.stats_json();
        // SAFETY: the output pointer was checked non-NULL above and points to storage for one pointer (the header's
        // contract); the buffer it receives is the host's to free with last9_genai_bytes_free.
        unsafe { *stats_out = last9_genai_bytes::boxed(json.into_bytes()) };
        last9_genai_status::Ok
    })
}

/// Forgets every trace and conversation idle past its TTL. Batches forget lazily, as they meet entries; call this
/// periodically (the Go shim does every 10 s) so that memory shrinks even when traffic stops. Safe to call while
/// other threads enrich.
#[no_mangle]
pub extern "C" fn last9_genai_processor_expire(processor: *const last9_genai_processor) -> last9_genai_status {
    guard_status(|| {
        // SAFETY: a non-NULL handle came from last9_genai_processor_new and is not freed while calls run (the
        // header's contract); `as_ref` only reads it.
        let Some(p) = (unsafe { processor.as_ref() }) else {
            return last9_genai_status::NullPointer;
        };
        p.inner.expire();
        last9_genai_status::Ok
    })
}

/// Writes the processor's conversation state (turn counters, running totals, last use; format in README
/// "Checkpoints") into a new `*state_out` (free it with `last9_genai_bytes_free`), for
/// `last9_genai_processor_restore_state` in a later process. Safe to call while other threads enrich.
#[no_mangle]
pub extern "C" fn last9_genai_processor_export_state(
    processor: *const last9_genai_processor,
    state_out: *mut *mut last9_genai_bytes,
) -> last9_genai_status {
    guard_status(|| {
        // SAFETY: a non-NULL handle came from last9_genai_processor_new and is not freed while calls run (the
        // header's contract); `as_ref` only reads it.
        let Some(p) = (unsafe { processor.as_ref() }) else {
            return last9_genai_status::NullPointer;
        };
        if state_out.is_null() {
            return last9_genai_status::NullPointer;
        }
        // SAFETY: the output pointer was checked non-NULL above and points to storage for one pointer (the header's
        // contract); the buffer it receives is the host's to free with last9_genai_bytes_free.
        unsafe { *state_out = last9_genai_bytes::boxed(p.inner.export_state()) };
        last9_genai_status::Ok
    })
}

/// Restores conversation state written by `last9_genai_processor_export_state` (`len` bytes at `data`).
/// Conversations idle longer than `conversation_ttl`, or already seen by this handle, are skipped.
///
/// On `Ok`, `*restored_out` and `*skipped_out` (each may be NULL) receive the conversations restored and
/// skipped. `CheckpointCorrupt` / `CheckpointNewerVersion`: nothing is restored, the handle is as before and
/// usable, and a message is written to `error_buf` as in `last9_genai_processor_new`.
#[no_mangle]
pub extern "C" fn last9_genai_processor_restore_state(
    processor: *const last9_genai_processor,
    data: *const u8,
    len: size_t,
    error_buf: *mut c_char,
    error_cap: size_t,
    error_len_out: *mut size_t,
    restored_out: *mut u64,
    skipped_out: *mut u64,
) -> last9_genai_status {
    guard_status(|| {
        // SAFETY: a non-NULL handle came from last9_genai_processor_new and is not freed while calls run; `input`
        // refuses NULL with a non-zero length and otherwise borrows the bytes the host says it passes (the header's
        // contract).
        let (Some(p), Some(bytes)) = (unsafe { processor.as_ref() }, unsafe { input(data, len) }) else {
            write_error("processor or data is NULL", error_buf, error_cap, error_len_out);
            return last9_genai_status::NullPointer;
        };
        match p.inner.restore_state(bytes) {
            Ok(done) => {
                // SAFETY: `as_mut` skips a NULL output; a non-NULL one points to a writable size_t (the header's
                // contract).
                unsafe {
                    if let Some(r) = restored_out.as_mut() {
                        *r = done.conversations;
                    }
                    if let Some(s) = skipped_out.as_mut() {
                        *s = done.skipped;
                    }
                }
                last9_genai_status::Ok
            }
            Err(e) => {
                write_error(&e.to_string(), error_buf, error_cap, error_len_out);
                match e {
                    crate::state::CheckpointError::Corrupt(_) => last9_genai_status::CheckpointCorrupt,
                    crate::state::CheckpointError::NewerVersion(_) => last9_genai_status::CheckpointNewerVersion,
                }
            }
        }
    })
}
