//! A string kept inline when short: almost every conversation and user id fits, so remembering one costs no
//! allocation, and forgetting it no free of memory that has long left the cache.

use std::mem::size_of;

/// Ids up to this many bytes are kept inline (a UUID is 36).
const INLINE: usize = 46;

#[derive(Clone, PartialEq, Eq)]
pub enum SmallStr {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl SmallStr {
    pub fn new(s: &str) -> SmallStr {
        if s.len() <= INLINE {
            let mut bytes = [0u8; INLINE];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            SmallStr::Inline { len: s.len() as u8, bytes }
        } else {
            SmallStr::Heap(s.into())
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            // SAFETY: the bytes were copied from a `&str` (in `new`), whole, so they are valid UTF-8.
            SmallStr::Inline { len, bytes } => unsafe { std::str::from_utf8_unchecked(&bytes[..usize::from(*len)]) },
            SmallStr::Heap(s) => s,
        }
    }

    /// Heap bytes held beyond the value itself.
    pub fn heap_bytes(&self) -> usize {
        match self {
            SmallStr::Inline { .. } => 0,
            SmallStr::Heap(s) => s.len(),
        }
    }
}

impl std::fmt::Debug for SmallStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

const _: () = assert!(size_of::<SmallStr>() <= 48);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_inline_long_on_the_heap_both_read_back() {
        for s in ["", "c-1", &"x".repeat(46), &"y".repeat(47), "café-ü"] {
            let k = SmallStr::new(s);
            assert_eq!(k.as_str(), s);
            assert_eq!(k.heap_bytes() > 0, s.len() > 46);
        }
    }
}
