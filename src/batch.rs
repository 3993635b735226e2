//! A batch of spans as the engine reads it, whatever the host sent: OTLP bytes (`wire`) or span records that the
//! host already filtered down to the keys we know (`records`). The engine reads through this and nothing else.

use crate::conventions::{KeyIndex, KeyInfo, KeyTable};
use crate::wire::{read_any_value, AnyValue};

/// `Span.flags` bits (OTLP `SpanFlags`): the sender knows whether the parent is remote, and it is.
pub const FLAG_HAS_IS_REMOTE: u32 = 0x100;
pub const FLAG_IS_REMOTE: u32 = 0x200;

/// The span fields every decision needs.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpanHead<'a> {
    pub trace_id: &'a [u8],
    pub span_id: &'a [u8],
    pub parent_span_id: &'a [u8],
    pub name: &'a str,
    pub start: u64,
    pub end: u64,
    pub flags: u32,
}

impl SpanHead<'_> {
    /// The top of its trace as this service sees it: no parent, or a parent in another service.
    pub fn is_local_root(&self) -> bool {
        self.parent_span_id.iter().all(|&b| b == 0)
            || self.flags & (FLAG_HAS_IS_REMOTE | FLAG_IS_REMOTE) == FLAG_HAS_IS_REMOTE | FLAG_IS_REMOTE
    }
}

/// One attribute of a span whose key the key table knows.
#[derive(Debug, Clone, Copy)]
pub struct Attr<'a, 'k> {
    pub index: KeyIndex,
    pub info: &'k KeyInfo,
    /// The encoded AnyValue, to copy an attribute to another span with its type intact.
    pub value_bytes: &'a [u8],
    /// Where `value_bytes` starts in the input, for error offsets.
    pub value_offset: usize,
    /// Where the whole entry sits in the input (OTLP bytes only; 0..0 otherwise), to drop it when a roll-up
    /// replaces it.
    pub range: (usize, usize),
}

impl<'a> Attr<'a, '_> {
    /// The value; `None` when its bytes are not a well-formed AnyValue (the value is then not read, only kept).
    pub fn value(&self) -> Option<AnyValue<'a>> {
        read_any_value(self.value_bytes, self.value_offset).ok()
    }
}

pub trait Batch<'a> {
    fn len(&self) -> usize;

    fn head(&self, i: usize) -> &SpanHead<'a>;

    /// Calls `f` with each attribute of span `i` whose key the table knows, in the order they came. The batch was
    /// checked when it was read, so this cannot fail.
    fn known_attrs<'k>(&self, i: usize, keys: &'k KeyTable, f: impl FnMut(Attr<'a, 'k>));

    /// The host holds other spans of this span's trace, waiting for its root.
    fn trace_is_held(&self, _i: usize) -> bool {
        false
    }
}
