//! The span-record interface: for a host that reads its own span objects (the Go shim reads pdata). It sends only
//! the span fields and attributes we use, and gets back only what changes, so neither side copies a batch.
//!
//! Request (host -> core), integers little-endian:
//! ```text
//! u32 version (1)   u32 flags (bit 0: the host can hold spans back)   u32 span count
//! per span:
//!   [u8; 16] trace id   [u8; 8] span id   [u8; 8] parent span id (zeros: none)   u64 start   u64 end
//!   u32 Span.flags   u8 host flags (bit 0: the host holds other spans of this trace)
//!   u16 name length, name bytes
//!   u16 attribute count; per attribute: u16 key index, u32 length, the encoded OTLP AnyValue
//! ```
//! Key indexes are positions in the processor's key list (`last9_genai_processor_keys`); the host forwards an
//! attribute only when its key is in that list.
//!
//! Response (core -> host):
//! ```text
//! u32 string count   u32 op count   u32 hold count
//! per string: u32 length, UTF-8 bytes
//! per op: u32 span index, u16 key index, u8 kind, then by kind:
//!   1 string: u32 string index   2 int: i64   3 double: f64   4 fixed value: u16 index into the fixed values
//!   5 AnyValue: u32 length, the encoded OTLP AnyValue
//! per hold: u32 span index
//! ```
//! An op puts the key on the span: it adds it, or replaces the span's value for a roll-up key (the core writes
//! any other key only when the span does not have it). Held spans get no ops.

mod patches;
mod reader;

pub use patches::RecordPatches;
pub use reader::RecordBatch;

/// Op kinds in a response.
pub mod op {
    pub const STRING: u8 = 1;
    pub const INT: u8 = 2;
    pub const DOUBLE: u8 = 3;
    pub const FIXED: u8 = 4;
    pub const ANY_VALUE: u8 = 5;
}
