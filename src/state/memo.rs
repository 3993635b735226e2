//! A small memo of answers that are expensive to compute and cheap to keep, keyed by short strings: the price
//! table's clause matches (a genai-prices provider's clauses are hundreds of substring searches; real traffic
//! names a handful of models).
//!
//! Bounded in entries and key length; when full it is emptied at once rather than kept in LRU order, which keeps a
//! hit to one hash probe under a lock held for nothing else. Names from clients are not trusted: a key longer than
//! [`Memo::MAX_KEY`] is never kept, and a flood of distinct names costs only the work the memo would have saved.

use foldhash::fast::RandomState;
use parking_lot::Mutex;
use std::collections::HashMap;

pub struct Memo<V: Copy> {
    map: Mutex<HashMap<Box<str>, V, RandomState>>,
    capacity: usize,
}

impl<V: Copy> Memo<V> {
    pub const MAX_KEY: usize = 192;

    pub fn new(capacity: usize) -> Memo<V> {
        Memo { map: Mutex::new(HashMap::default()), capacity }
    }

    pub fn get(&self, key: &str) -> Option<V> {
        self.map.lock().get(key).copied()
    }

    pub fn insert(&self, key: &str, value: V) {
        if key.len() > Self::MAX_KEY || self.capacity == 0 {
            return;
        }
        let mut map = self.map.lock();
        if map.len() >= self.capacity {
            map.clear();
        }
        map.insert(key.into(), value);
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.map.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_in_entries_and_key_length() {
        let m: Memo<u32> = Memo::new(2);
        m.insert("a", 1);
        m.insert("b", 2);
        assert_eq!((m.get("a"), m.get("b"), m.len()), (Some(1), Some(2), 2));
        m.insert("c", 3);
        assert_eq!((m.get("a"), m.get("c"), m.len()), (None, Some(3), 1), "full: emptied, then kept");
        m.insert(&"x".repeat(Memo::<u32>::MAX_KEY + 1), 4);
        assert_eq!(m.len(), 1, "long keys are never kept");
    }

    #[test]
    fn memo_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Memo<Option<(u8, u32)>>>();
    }
}
