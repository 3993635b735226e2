//! Bounded maps split into independently locked shards, so that threads working on different traces or
//! conversations do not wait for each other.

use std::hash::{BuildHasher, Hash};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use foldhash::fast::RandomState;
use parking_lot::{Mutex, MutexGuard};

use super::bounded_map::{BoundedMap, Removed, Weight};

/// At most this many shards: enough that two collector threads rarely meet on one lock.
const MAX_SHARDS: usize = 32;
/// A shard holds at least this many entries (and spans), so small limits get fewer shards and the total stays
/// close to what was configured.
const MIN_ENTRIES_PER_SHARD: usize = 64;
const MIN_SPANS_PER_SHARD: usize = 1024;

pub struct Sharded<K, V> {
    shards: Box<[Mutex<BoundedMap<K, V>>]>,
    hasher: RandomState,
    pub evicted: AtomicU64,
    pub expired: AtomicU64,
}

impl<K: Hash + Eq + Clone, V> Sharded<K, V> {
    /// `max_entries` and `max_weight` are split evenly across shards (rounded up).
    pub fn new(max_entries: usize, ttl: Duration, max_weight: Weight) -> Self {
        let n = (max_entries / MIN_ENTRIES_PER_SHARD).min(max_weight.spans / MIN_SPANS_PER_SHARD).clamp(1, MAX_SHARDS);
        let per_shard = max_entries.div_ceil(n);
        let split = |w: usize| if w == usize::MAX { w } else { w.div_ceil(n) };
        let shard_weight = Weight { spans: split(max_weight.spans), bytes: split(max_weight.bytes) };
        Sharded {
            shards: (0..n).map(|_| Mutex::new(BoundedMap::new(per_shard, ttl, shard_weight))).collect(),
            hasher: RandomState::default(),
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

    /// Sums `f` over every entry, one shard locked at a time.
    pub fn sum_over(&self, f: impl Fn(&V) -> usize) -> usize {
        self.shards.iter().map(|s| s.lock().values().map(&f).sum::<usize>()).sum()
    }

    /// Total weight held: remembered spans, and heap bytes owned by the entries.
    pub fn weight(&self) -> Weight {
        self.shards.iter().fold(Weight::default(), |acc, s| {
            let w = s.lock().weight();
            Weight { spans: acc.spans + w.spans, bytes: acc.bytes + w.bytes }
        })
    }

    /// Bytes held now: the tables' own structure plus what the entries own.
    pub fn bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                let s = s.lock();
                s.table_bytes() + s.weight().bytes
            })
            .sum()
    }

    /// The most the tables' structure can take when every shard is full (entry-owned bytes not included).
    pub fn max_table_bytes(max_entries: usize, max_spans: usize) -> usize {
        let n = (max_entries / MIN_ENTRIES_PER_SHARD).min(max_spans / MIN_SPANS_PER_SHARD).clamp(1, MAX_SHARDS);
        n * BoundedMap::<K, V>::max_table_bytes(max_entries.div_ceil(n))
    }

    /// Runs the TTL sweep on every shard.
    pub fn expire_all(&self, now: Instant) {
        for s in self.shards.iter() {
            let r = s.lock().expire(now);
            self.note(r);
        }
    }

    /// Every live entry with when it was last used, least recently used first across all shards.
    pub fn snapshot(&self) -> Vec<(K, V, Instant)>
    where
        V: Clone,
    {
        let mut all = Vec::new();
        for s in self.shards.iter() {
            let s = s.lock();
            all.extend(s.entries_by_recency().map(|(k, v, t)| (k.clone(), v.clone(), t)));
        }
        all.sort_by_key(|e| e.2);
        all
    }

    /// Restores one entry (see `BoundedMap::restore`); false when the key was already held.
    pub fn restore(&self, key: K, value: V, touched: Instant, now: Instant) -> bool {
        let mut s = self.shard(&key);
        let (restored, r) = s.map.restore(&key, value, touched, now);
        self.note(r);
        restored
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

    pub fn peek(&self, key: &K, now: Instant) -> Option<&V> {
        self.map.peek(key, now)
    }

    pub fn set_weight(&mut self, key: &K, weight: Weight) {
        let r = self.map.set_weight(key, weight);
        self.owner.note(r);
    }
}
