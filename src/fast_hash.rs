//! The hasher of the attribute key table: its keys are fixed at configuration, so a client can make a lookup
//! miss but cannot grow a chain, and SipHash would cost more than the rest of the work per lookup. Tables keyed by
//! client-chosen ids use foldhash's seeded hasher instead.

/// FNV-1a over attribute key bytes: keys are short, and most lookups are rejected by the key table's sketch
/// before they get here.
#[derive(Default, Clone, Copy)]
pub struct KeyHash;

impl std::hash::BuildHasher for KeyHash {
    type Hasher = Fnv;
    fn build_hasher(&self) -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

pub struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}
