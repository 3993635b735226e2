//! What the engine writes, whatever the output format: attributes to put on spans of the batch, entries to drop
//! (a roll-up replacing an older value), spans for the host to hold back.

use crate::conventions::KeyIndex;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val<'v> {
    Str(&'v str),
    /// One of `contract::FIXED_VALUES`, by position.
    Fixed(u16),
    Int(i64),
    Double(f64),
    /// An encoded OTLP AnyValue, copied from another span with its type intact.
    Raw(&'v [u8]),
}

/// Receives a batch's changes. The engine gives all the changes of one span together, spans in trace order.
pub trait PatchSink {
    /// Adds attribute `key` to span `span`; for a key the span already has (roll-ups only), after `drop_entry`.
    fn put(&mut self, span: usize, key: KeyIndex, v: Val<'_>);

    /// Drops an entry the span already has, given by where it sits in the input, before `put` replaces it.
    fn drop_entry(&mut self, span: usize, key: KeyIndex, range: (usize, usize));

    /// Asks the host to hold `span` back until its trace's root arrives (it gets no changes now).
    fn hold(&mut self, span: usize);
}
