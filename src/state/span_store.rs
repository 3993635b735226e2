//! The spans one remembered trace keeps: a vector searched linearly while the trace is small (almost every trace
//! has a handful of spans), with a hash index once it grows, so a huge trace stays linear-time per lookup.

use std::mem::size_of;

use super::trace_state::{SpanId, SpanMap, SpanMemo};

/// Beyond this many spans the store keeps an index.
const INDEX_FROM: usize = 16;

#[derive(Debug, Default)]
pub struct SpanStore {
    spans: Vec<(SpanId, SpanMemo)>,
    index: Option<SpanMap<u32>>,
}

impl SpanStore {
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    pub fn reserve(&mut self, n: usize) {
        self.spans.reserve(n);
    }

    fn position(&self, id: SpanId) -> Option<usize> {
        match &self.index {
            Some(ix) => ix.get(&id).map(|&i| i as usize),
            None => self.spans.iter().position(|(s, _)| *s == id),
        }
    }

    #[inline]
    pub fn get(&self, id: &SpanId) -> Option<&SpanMemo> {
        self.position(*id).map(|i| &self.spans[i].1)
    }

    pub fn contains_key(&self, id: &SpanId) -> bool {
        self.position(*id).is_some()
    }

    /// Adds the span, or replaces what was kept of it.
    pub fn insert(&mut self, id: SpanId, memo: SpanMemo) {
        if let Some(i) = self.position(id) {
            self.spans[i].1 = memo;
            return;
        }
        self.spans.push((id, memo));
        if let Some(ix) = &mut self.index {
            ix.insert(id, (self.spans.len() - 1) as u32);
        } else if self.spans.len() > INDEX_FROM {
            self.index = Some(self.spans.iter().enumerate().map(|(i, (s, _))| (*s, i as u32)).collect());
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&SpanId, &SpanMemo)> {
        self.spans.iter().map(|(id, m)| (id, m))
    }

    /// Heap bytes held: the vector's capacity and, for a large trace, its index.
    pub fn heap_bytes(&self) -> usize {
        let index = self.index.as_ref().map_or(0, |ix| {
            let buckets = match ix.capacity() {
                0 => 0,
                c @ 1..=7 => c + 1,
                c => c / 7 * 8,
            };
            buckets * (size_of::<(SpanId, u32)>() + 1)
        });
        self.spans.capacity() * size_of::<(SpanId, SpanMemo)>() + index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memo(parent: SpanId) -> SpanMemo {
        SpanMemo { parent, kind: None, billing: None, response_id: None, call: None, inherited: None }
    }

    #[test]
    fn finds_and_replaces_small_and_large() {
        let mut s = SpanStore::default();
        for id in 1..=100u64 {
            s.insert(id, memo(id + 1000));
            assert_eq!(s.get(&id).unwrap().parent, id + 1000);
            assert_eq!(s.get(&1).unwrap().parent, 1001);
        }
        s.insert(7, memo(7));
        s.insert(70, memo(70));
        assert_eq!((s.len(), s.get(&7).unwrap().parent, s.get(&70).unwrap().parent), (100, 7, 70));
        assert!(s.get(&101).is_none() && !s.contains_key(&0));
    }
}
