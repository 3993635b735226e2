//! A map with a size limit, a weight budget and a time-to-live, evicting the least recently used entry when full
//! or over budget. Not thread-safe by itself: `sharded.rs` puts each one behind its own lock.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::mem::size_of;
use std::time::{Duration, Instant};

use foldhash::fast::RandomState;

/// What an entry costs against the budget: the spans a trace remembers, and the heap bytes it owns beyond the
/// map's own slots (which `BoundedMap::table_bytes` accounts).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Weight {
    pub spans: usize,
    pub bytes: usize,
}

impl Weight {
    pub const UNLIMITED: Weight = Weight { spans: usize::MAX, bytes: usize::MAX };

    fn exceeds(&self, max: &Weight) -> bool {
        self.spans > max.spans || self.bytes > max.bytes
    }

    fn add(&mut self, w: Weight) {
        self.spans += w.spans;
        self.bytes += w.bytes;
    }

    fn sub(&mut self, w: Weight) {
        self.spans -= w.spans;
        self.bytes -= w.bytes;
    }
}

struct Entry<V> {
    value: V,
    stamp: u64,
    touched: Instant,
    weight: EntryWeight,
}

/// An entry's weight as stored: one entry never holds 4 G spans or bytes, and a smaller slot is a table that
/// stays in cache longer.
#[derive(Debug, Default, Clone, Copy)]
struct EntryWeight {
    spans: u32,
    bytes: u32,
}

impl From<Weight> for EntryWeight {
    fn from(w: Weight) -> Self {
        let cap = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        EntryWeight { spans: cap(w.spans), bytes: cap(w.bytes) }
    }
}

impl From<EntryWeight> for Weight {
    fn from(w: EntryWeight) -> Self {
        Weight { spans: w.spans as usize, bytes: w.bytes as usize }
    }
}

/// Recency is kept as a queue of (key, stamp) with lazy deletion: touching an entry pushes a new stamp and the
/// old queue element becomes stale. The queue is compacted when stale elements outnumber live ones.
pub struct BoundedMap<K, V> {
    map: HashMap<K, Entry<V>, RandomState>,
    order: VecDeque<(K, u64)>,
    next_stamp: u64,
    capacity: usize,
    ttl: Duration,
    weight: Weight,
    max_weight: Weight,
    /// Sweeps for idle entries run when a call comes after this; a lookup never returns an entry past its TTL.
    next_sweep: Option<Instant>,
}

/// What a call removed to stay within bounds.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Removed {
    pub evicted: u64,
    pub expired: u64,
}

/// Stale queue elements allowed beyond twice the live entries before the queue is compacted.
const QUEUE_SLACK: usize = 64;

/// The buckets hashbrown allocates to hold `entries` (its `capacity_to_buckets`).
fn buckets_for(entries: usize) -> usize {
    match entries {
        0..=3 => 4,
        4..=7 => 8,
        _ => (entries * 8).div_ceil(7).next_power_of_two(),
    }
}

impl<K: Hash + Eq + Clone, V> BoundedMap<K, V> {
    pub fn new(capacity: usize, ttl: Duration, max_weight: Weight) -> Self {
        BoundedMap {
            map: HashMap::default(),
            order: VecDeque::new(),
            next_stamp: 0,
            capacity: capacity.max(1),
            ttl,
            weight: Weight::default(),
            max_weight,
            next_sweep: None,
        }
    }

    /// Sweeps at most every 1/64 of the TTL: an idle entry's memory is given back at most that late, and the
    /// lookups in between cost no walk of the recency queue.
    fn sweep(&mut self, now: Instant) -> Removed {
        if self.next_sweep.is_some_and(|at| now < at) {
            return Removed::default();
        }
        self.next_sweep = Some(now + (self.ttl / 64).max(Duration::from_millis(10)));
        self.expire(now)
    }

    /// Drops `key` if it is past its TTL (the sweep may not have reached it yet).
    fn drop_if_expired(&mut self, key: &K, now: Instant) -> u64 {
        match self.map.get(key) {
            Some(e) if now.saturating_duration_since(e.touched) > self.ttl => {
                self.remove(key);
                1
            }
            _ => 0,
        }
    }

    /// The most memory the map's own structure (table slots and recency queue, without what entries own) can
    /// take at `capacity` entries. hashbrown never shrinks, and the tombstones evictions leave make it grow until
    /// its usable capacity is at least twice the entries (then it rehashes in place); the queue grows by doubling
    /// up to twice the entries plus the slack before it is compacted.
    pub fn max_table_bytes(capacity: usize) -> usize {
        let capacity = capacity.max(1);
        let queue = (2 * capacity + QUEUE_SLACK + 1).next_power_of_two();
        buckets_for(2 * capacity + 2) * (size_of::<(K, Entry<V>)>() + 1) + queue * size_of::<(K, u64)>()
    }

    /// What the map's structure takes now.
    pub fn table_bytes(&self) -> usize {
        // hashbrown reports 7/8 of its buckets as capacity (buckets - 1 below 8 buckets).
        let cap = self.map.capacity();
        let buckets = match cap {
            0 => 0,
            1..=7 => cap + 1,
            _ => cap / 7 * 8,
        };
        buckets * (size_of::<(K, Entry<V>)>() + 1) + self.order.capacity() * size_of::<(K, u64)>()
    }

    fn remove(&mut self, k: &K) {
        if let Some(e) = self.map.remove(k) {
            self.weight.sub(e.weight.into());
        }
    }

    /// Records what `key` now weighs, then evicts least recently used entries (never `key` itself) until the map
    /// is within its budget again.
    pub fn set_weight(&mut self, key: &K, weight: Weight) -> Removed {
        let mut removed = Removed::default();
        let Some(e) = self.map.get_mut(key) else { return removed };
        let weight = EntryWeight::from(weight);
        self.weight.sub(e.weight.into());
        self.weight.add(weight.into());
        e.weight = weight;
        while self.weight.exceeds(&self.max_weight) {
            let Some((k, stamp)) = self.order.pop_front() else { break };
            if &k == key {
                // The entry being weighed is the most recent: everything older is gone already.
                self.order.push_front((k, stamp));
                break;
            }
            if self.map.get(&k).is_some_and(|e| e.stamp == stamp) {
                self.remove(&k);
                removed.evicted += 1;
            }
        }
        removed
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Every entry, in no order (for audits: the accounted weight against what the entries really hold).
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.map.values().map(|e| &e.value)
    }

    pub fn weight(&self) -> Weight {
        self.weight
    }

    fn stamp(&mut self) -> u64 {
        self.next_stamp += 1;
        self.next_stamp
    }

    /// Drops entries idle for longer than the TTL.
    pub fn expire(&mut self, now: Instant) -> Removed {
        let mut removed = Removed::default();
        while let Some((k, stamp)) = self.order.front() {
            match self.map.get(k) {
                Some(e) if e.stamp == *stamp => {
                    if now.saturating_duration_since(e.touched) <= self.ttl {
                        break;
                    }
                    let k = k.clone();
                    self.remove(&k);
                    removed.expired += 1;
                }
                _ => {}
            }
            self.order.pop_front();
        }
        removed
    }

    /// The entry for `key`, created with `make` if absent (evicting the least recently used one when full), and
    /// marked as used now.
    pub fn get_or_insert_with(&mut self, key: &K, now: Instant, make: impl FnOnce() -> V) -> (&mut V, Removed) {
        let mut removed = self.sweep(now);
        removed.expired += self.drop_if_expired(key, now);
        if !self.map.contains_key(key) {
            while self.map.len() >= self.capacity {
                let Some((k, stamp)) = self.order.pop_front() else {
                    break;
                };
                if self.map.get(&k).is_some_and(|e| e.stamp == stamp) {
                    // Through `remove`, so the evicted entry's weight is given back to the budget.
                    self.remove(&k);
                    removed.evicted += 1;
                }
            }
            let stamp = self.stamp();
            self.map.insert(key.clone(), Entry { value: make(), stamp, touched: now, weight: EntryWeight::default() });
            self.order.push_back((key.clone(), stamp));
        } else {
            let stamp = self.stamp();
            let e = self.map.get_mut(key).expect("present");
            e.stamp = stamp;
            e.touched = now;
            self.order.push_back((key.clone(), stamp));
            self.compact();
        }
        (&mut self.map.get_mut(key).expect("present").value, removed)
    }

    /// The entry for `key` if present, without marking it used.
    pub fn peek(&self, key: &K, now: Instant) -> Option<&V> {
        self.map.get(key).filter(|e| now.saturating_duration_since(e.touched) <= self.ttl).map(|e| &e.value)
    }

    /// The entry for `key` if present, marked as used now.
    pub fn get_mut(&mut self, key: &K, now: Instant) -> (Option<&mut V>, Removed) {
        let mut removed = self.sweep(now);
        removed.expired += self.drop_if_expired(key, now);
        if !self.map.contains_key(key) {
            return (None, removed);
        }
        let (v, more) = self.get_or_insert_with(key, now, || unreachable!("present"));
        removed.evicted += more.evicted;
        removed.expired += more.expired;
        (Some(v), removed)
    }

    /// Live entries with when each was last used, least recently used first.
    pub fn entries_by_recency(&self) -> impl Iterator<Item = (&K, &V, Instant)> {
        self.order
            .iter()
            .filter_map(|(k, stamp)| self.map.get(k).filter(|e| e.stamp == *stamp).map(|e| (k, &e.value, e.touched)))
    }

    /// Puts back an entry last used at `touched` (restoring a checkpoint), unless the key is already here: what
    /// this process has seen since it started is newer. Entries are expected least recently used first.
    pub fn restore(&mut self, key: &K, value: V, touched: Instant, now: Instant) -> (bool, Removed) {
        if self.map.contains_key(key) {
            return (false, Removed::default());
        }
        let (_, removed) = self.get_or_insert_with(key, now, || value);
        self.map.get_mut(key).expect("present").touched = touched;
        (true, removed)
    }

    fn compact(&mut self) {
        if self.order.len() <= 2 * self.map.len() + QUEUE_SLACK {
            return;
        }
        let map = &self.map;
        self.order.retain(|(k, stamp)| map.get(k).is_some_and(|e| e.stamp == *stamp));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(n: usize) -> Weight {
        Weight { spans: n, bytes: 0 }
    }

    fn span_budget(n: usize) -> Weight {
        Weight { spans: n, bytes: usize::MAX }
    }

    #[test]
    fn evicts_least_recently_used_when_full() {
        let t0 = Instant::now();
        let mut m = BoundedMap::new(2, Duration::from_secs(60), Weight::UNLIMITED);
        m.get_or_insert_with(&"a", t0, || 1);
        m.get_or_insert_with(&"b", t0, || 2);
        m.get_mut(&"a", t0); // a is now more recent than b
        let (_, removed) = m.get_or_insert_with(&"c", t0, || 3);
        assert_eq!(removed, Removed { evicted: 1, expired: 0 });
        assert!(m.get_mut(&"b", t0).0.is_none());
        assert_eq!(*m.get_mut(&"a", t0).0.unwrap(), 1);
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn eviction_by_count_gives_the_weight_back() {
        let t0 = Instant::now();
        let mut m = BoundedMap::new(4, Duration::from_secs(60), span_budget(20));
        for k in 0..100 {
            m.get_or_insert_with(&k, t0, || ());
            m.set_weight(&k, spans(1));
        }
        assert_eq!((m.len(), m.weight), (4, spans(4)));
    }

    #[test]
    fn expires_idle_entries() {
        let t0 = Instant::now();
        let mut m = BoundedMap::new(10, Duration::from_secs(5), Weight::UNLIMITED);
        m.get_or_insert_with(&1, t0, || "x");
        m.get_or_insert_with(&2, t0 + Duration::from_secs(4), || "y");
        let removed = m.expire(t0 + Duration::from_secs(6));
        assert_eq!(removed, Removed { evicted: 0, expired: 1 });
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn queue_stays_bounded_under_repeated_touches() {
        let t0 = Instant::now();
        let mut m = BoundedMap::new(4, Duration::from_secs(5), Weight::UNLIMITED);
        for _ in 0..10_000 {
            m.get_or_insert_with(&7, t0, || 0);
        }
        assert!(m.order.len() <= 2 * m.map.len() + QUEUE_SLACK + 1);
    }

    #[test]
    fn evicts_oldest_entries_until_within_the_weight_budget() {
        let t0 = Instant::now();
        let mut m = BoundedMap::new(100, Duration::from_secs(60), span_budget(10));
        for k in 1..=3 {
            m.get_or_insert_with(&k, t0, || ());
            assert_eq!(m.set_weight(&k, spans(4)).evicted, u64::from(k == 3));
        }
        // 1 was the least recently used: 2 and 3 remain, 8 of 10.
        assert!(m.get_mut(&1, t0).0.is_none());
        assert_eq!((m.len(), m.weight), (2, spans(8)));
        // An entry heavier than the whole budget stays, alone.
        m.get_or_insert_with(&9, t0, || ());
        assert_eq!(m.set_weight(&9, spans(50)).evicted, 2);
        assert_eq!((m.len(), m.weight), (1, spans(50)));
        // Expiry gives the weight back.
        m.expire(t0 + Duration::from_secs(61));
        assert_eq!((m.len(), m.weight), (0, Weight::default()));
    }

    #[test]
    fn a_byte_budget_evicts_like_a_span_budget() {
        let t0 = Instant::now();
        let mut m = BoundedMap::new(100, Duration::from_secs(60), Weight { spans: usize::MAX, bytes: 1000 });
        for k in 0..10 {
            m.get_or_insert_with(&k, t0, || ());
            m.set_weight(&k, Weight { spans: 1, bytes: 300 });
        }
        assert_eq!((m.len(), m.weight), (3, Weight { spans: 3, bytes: 900 }));
    }

    #[test]
    fn the_table_never_outgrows_its_bound() {
        let t0 = Instant::now();
        let mut m = BoundedMap::new(1000, Duration::from_secs(60), Weight::UNLIMITED);
        for k in 0..50_000u64 {
            m.get_or_insert_with(&k, t0, || [0u8; 40]);
            m.get_mut(&(k / 2), t0);
            let (now, max) = (m.table_bytes(), BoundedMap::<u64, [u8; 40]>::max_table_bytes(1000));
            assert!(
                now <= max,
                "at {k}: {now} > {max} (map cap {}, queue cap {})",
                m.map.capacity(),
                m.order.capacity()
            );
        }
    }
}
