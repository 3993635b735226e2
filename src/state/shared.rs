//! The two small shared cells outside the tables, kept here with the other locks: a value swapped whole while
//! readers keep the one they took (the price table), and a value updated under a short lock (stats tallies).
//! parking_lot locks do not poison: a panic caught at the C boundary leaves them usable.

use parking_lot::{Mutex, RwLock};
use std::sync::Arc;

/// A value replaced whole: readers take an `Arc` and keep using it however long their work takes; a swap never
/// waits for them.
pub struct Swap<T>(RwLock<Arc<T>>);

impl<T> Swap<T> {
    pub fn new(value: T) -> Swap<T> {
        Swap(RwLock::new(Arc::new(value)))
    }

    pub fn load(&self) -> Arc<T> {
        self.0.read().clone()
    }

    pub fn store(&self, value: T) {
        *self.0.write() = Arc::new(value);
    }
}

/// A value updated in place under a lock held only for the update.
#[derive(Default)]
pub struct Tally<T>(Mutex<T>);

impl<T> Tally<T> {
    pub fn update<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.0.lock())
    }

    pub fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.0.lock())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_keeps_the_value_it_took() {
        let s = Swap::new(1);
        let before = s.load();
        s.store(2);
        assert_eq!((*before, *s.load()), (1, 2));
        let t: Tally<Vec<u8>> = Tally::default();
        t.update(|v| v.push(7));
        assert_eq!(t.read(|v| v.clone()), vec![7]);
    }
}
