//! Status codes returned by every fallible export.

use libc::c_char;

/// Result of a fallible `last9_genai_*` call.
///
/// Numbers are grouped in blocks of 100 by cause and never reused: a retired code stays here as a comment so that a
/// host compiled against an older header never misreads a newer library.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum last9_genai_status {
    /// Success; every output pointer was written.
    Ok = 0,
    /// A required pointer argument was NULL (or a non-zero length came with a NULL data pointer).
    NullPointer = 1,
    /// The configuration JSON was not valid UTF-8/JSON, had an unknown key or a bad value; the error buffer names the key.
    InvalidConfig = 100,
    /// The input bytes are not a well-formed OTLP `ExportTraceServiceRequest` (or span-record request); nothing was
    /// written, nothing to free.
    MalformedInput = 200,
    /// The checkpoint bytes are not a checkpoint this library wrote, are truncated, or fail their checksum;
    /// nothing was restored.
    CheckpointCorrupt = 300,
    /// The checkpoint was written by a newer release (a format version this library does not read); nothing was
    /// restored.
    CheckpointNewerVersion = 301,
    /// A Rust panic was caught at the boundary. No output was written and the handle stays usable, but a panic in
    /// the middle of a batch may leave part of it remembered (turns counted, per-trace memory updated) for spans
    /// the host never received enriched: treat the batch as passed through unchanged.
    Panic = 900,
}

fn status_text(code: u32) -> &'static [u8] {
    use last9_genai_status as S;
    match code {
        c if c == S::Ok as u32 => b"ok\0",
        c if c == S::NullPointer as u32 => b"a required pointer argument was NULL\0",
        c if c == S::InvalidConfig as u32 => b"invalid configuration\0",
        c if c == S::MalformedInput as u32 => {
            b"input is not a well-formed OTLP ExportTraceServiceRequest or span-record request\0"
        }
        c if c == S::CheckpointCorrupt as u32 => b"checkpoint is corrupt or not a last9_genai checkpoint\0",
        c if c == S::CheckpointNewerVersion as u32 => b"checkpoint was written by a newer release\0",
        c if c == S::Panic as u32 => b"internal error: a panic was caught at the C boundary\0",
        _ => b"unknown status code\0",
    }
}

/// A static, NUL-terminated English description of a status code. Never NULL; never free it.
///
/// Takes the code as an integer so that a value this library does not know is answered, not undefined behaviour.
#[no_mangle]
pub extern "C" fn last9_genai_status_text(status: u32) -> *const c_char {
    status_text(status).as_ptr().cast()
}
