//! Writing a span-record response (format in `mod.rs`): the changes only.

use super::op;
use crate::conventions::KeyIndex;
use crate::patch::{PatchSink, Val};

/// Dynamic strings recently written, compared by content: a trace's conversation id, user and workflow go on each
/// of its spans, and the host then makes one string of each instead of one per span.
const RECENT_STRINGS: usize = 8;

#[derive(Default)]
pub struct RecordPatches {
    strings: Vec<u8>,
    string_count: u32,
    /// (offset of the bytes in `strings`, length, string index)
    recent: [(usize, usize, u32); RECENT_STRINGS],
    next_recent: usize,
    recent_used: usize,
    ops: Vec<u8>,
    op_count: u32,
    holds: Vec<u8>,
    hold_count: u32,
}

impl RecordPatches {
    pub fn new() -> Self {
        RecordPatches::default()
    }

    pub fn is_empty(&self) -> bool {
        self.op_count == 0 && self.hold_count == 0
    }

    fn string(&mut self, s: &str) -> u32 {
        let strings = &self.strings;
        let same = |&&(at, len, _): &&(usize, usize, u32)| len == s.len() && &strings[at..at + len] == s.as_bytes();
        if let Some(&(_, _, i)) = self.recent[..self.recent_used].iter().find(same) {
            return i;
        }
        let i = self.string_count;
        self.string_count += 1;
        self.strings.extend_from_slice(&(s.len() as u32).to_le_bytes());
        let at = self.strings.len();
        self.strings.extend_from_slice(s.as_bytes());
        self.recent[self.next_recent] = (at, s.len(), i);
        self.next_recent = (self.next_recent + 1) % RECENT_STRINGS;
        self.recent_used = (self.recent_used + 1).min(RECENT_STRINGS);
        i
    }

    /// The whole response.
    pub fn finish(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(12 + self.strings.len() + self.ops.len() + self.holds.len());
        for n in [self.string_count, self.op_count, self.hold_count] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        out.extend_from_slice(&self.strings);
        out.extend_from_slice(&self.ops);
        out.extend_from_slice(&self.holds);
        out
    }
}

impl PatchSink for RecordPatches {
    fn put(&mut self, span: usize, key: KeyIndex, v: Val<'_>) {
        let string = match v {
            Val::Str(s) => Some(self.string(s)),
            _ => None,
        };
        let o = &mut self.ops;
        o.extend_from_slice(&(span as u32).to_le_bytes());
        o.extend_from_slice(&key.to_le_bytes());
        match v {
            Val::Str(_) => {
                o.push(op::STRING);
                o.extend_from_slice(&string.expect("interned").to_le_bytes());
            }
            Val::Int(i) => {
                o.push(op::INT);
                o.extend_from_slice(&i.to_le_bytes());
            }
            Val::Double(d) => {
                o.push(op::DOUBLE);
                o.extend_from_slice(&d.to_le_bytes());
            }
            Val::Fixed(i) => {
                o.push(op::FIXED);
                o.extend_from_slice(&i.to_le_bytes());
            }
            Val::Raw(r) => {
                o.push(op::ANY_VALUE);
                o.extend_from_slice(&(r.len() as u32).to_le_bytes());
                o.extend_from_slice(r);
            }
        }
        self.op_count += 1;
    }

    /// The host's put replaces a key's value, so nothing is dropped separately.
    fn drop_entry(&mut self, _span: usize, _key: KeyIndex, _range: (usize, usize)) {}

    fn hold(&mut self, span: usize) {
        self.holds.extend_from_slice(&(span as u32).to_le_bytes());
        self.hold_count += 1;
    }
}
