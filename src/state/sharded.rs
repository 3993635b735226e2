//! Bounded maps split into independently locked shards, so that threads working on different traces or
//! conversations do not wait for each other.

use std::hash::{BuildHasher, Hash};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Mutex, MutexGuard};

use super::bounded_map::{BoundedMap, Removed};

pub struct Sharded<K, V> {
    shards: Box<[Mutex<BoundedMap<K, V>>]>,
    hasher: std::collections::hash_map::RandomState,
    pub evicted: AtomicU64,
    pub expired: AtomicU64,
}

impl<K: Hash + Eq + Clone, V> Sharded<K, V> {
    /// `max_entries` and `max_weight` are split evenly across shards (rounded up); small limits get fewer shards
    /// so the total stays close to what was configured.
    pub fn new(max_entries: usize, ttl: Duration, max_weight: usize) -> Self {
        let n = (max_entries / 64).min(max_weight / 1024).clamp(1, 32);
        let per_shard = max_entries.div_ceil(n);
        let weight_per_shard = max_weight.div_ceil(n);
        Sharded {
            shards: (0..n).map(|_| Mutex::new(BoundedMap::new(per_shard, ttl, weight_per_shard))).collect(),
            hasher: Default::default(),
            evicted: AtomicU64::new(0),
            expired: AtomicU64::new(0),
        }
    }

    pub fn shard(&self, key: &K) -> ShardGuard<'_, K, V> {
        let i = (self.hasher.hash_one(key) as usize) % self.shards.len();
        ShardGuard { map: self.shards[i].lock(), owner: self }
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len()).sum()
    }

    /// Total weight held (for traces: remembered spans).
    pub fn weight(&self) -> usize {
        self.shards.iter().map(|s| s.lock().weight()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs the TTL sweep on every shard (the host calls stats periodically, which keeps idle memory bounded
    /// even when no new spans arrive).
    pub fn expire_all(&self, now: Instant) {
        for s in self.shards.iter() {
            let r = s.lock().expire(now);
            self.note(r);
        }
    }

    fn note(&self, r: Removed) {
        if r.evicted > 0 {
            self.evicted.fetch_add(r.evicted, Ordering::Relaxed);
        }
        if r.expired > 0 {
            self.expired.fetch_add(r.expired, Ordering::Relaxed);
        }
    }
}

/// One locked shard; removals it causes are counted on the owner.
pub struct ShardGuard<'a, K, V> {
    map: MutexGuard<'a, BoundedMap<K, V>>,
    owner: &'a Sharded<K, V>,
}

impl<K: Hash + Eq + Clone, V> ShardGuard<'_, K, V> {
    pub fn get_mut(&mut self, key: &K, now: Instant) -> Option<&mut V> {
        let (v, r) = self.map.get_mut(key, now);
        self.owner.note(r);
        v
    }

    pub fn get_or_insert_with(&mut self, key: &K, now: Instant, make: impl FnOnce() -> V) -> &mut V {
        let (v, r) = self.map.get_or_insert_with(key, now, make);
        self.owner.note(r);
        v
    }

    pub fn set_weight(&mut self, key: &K, weight: usize) {
        let r = self.map.set_weight(key, weight);
        self.owner.note(r);
    }
}
