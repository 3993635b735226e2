//! Cumulative counters, read by the host through `last9_genai_processor_stats`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

use crate::contract::CostStatus;
use crate::trace::UnpricedReason;

#[derive(Default)]
pub struct Stats {
    pub batches: AtomicU64,
    pub spans_seen: AtomicU64,
    pub spans_enriched: AtomicU64,
    pub priced: AtomicU64,
    pub unpriced_model: AtomicU64,
    pub duplicate: AtomicU64,
    pub provided: AtomicU64,
    pub errors: AtomicU64,
    /// Ids and propagated values too long to remember for later batches (still written in their own batch).
    pub values_not_remembered: AtomicU64,
    /// Spans handed back to the host to hold until their trace's root arrives.
    pub spans_held: AtomicU64,
    /// Values of known keys that could not be read (passed on unchanged, not used).
    pub values_unreadable: AtomicU64,
    /// Calls priced from another provider's entry because their own provider has none.
    pub priced_other_provider: AtomicU64,
    /// Calls served at a service tier their price entry has no rates for, billed at the standard rates.
    pub service_tier_unpriced: AtomicU64,
    /// LLM calls without token counts, and with unreadable ones (unknown models are `unpriced_model`).
    pub unpriced_no_counts: AtomicU64,
    pub unpriced_unreadable_counts: AtomicU64,
    unknown_models: Mutex<TopModels>,
    cost_by_model: Mutex<HashMap<String, f64>>,
}

/// What one batch adds, gathered without touching shared counters span by span.
#[derive(Default)]
pub struct BatchStats<'p> {
    pub spans_seen: u64,
    pub spans_enriched: u64,
    pub by_status: [u64; 4],
    pub values_not_remembered: u64,
    pub spans_held: u64,
    pub values_unreadable: u64,
    pub priced_other_provider: u64,
    pub service_tier_unpriced: u64,
    pub unpriced_no_counts: u64,
    pub unpriced_unreadable_counts: u64,
    /// Model names no price matched, with their calls in this batch.
    pub unknown_models: Vec<(String, u64)>,
    /// By price-table key (borrowed from the table: nothing is allocated per batch).
    pub cost_by_model: Vec<(&'p str, f64)>,
}

impl<'p> BatchStats<'p> {
    pub fn count(&mut self, status: CostStatus) {
        self.by_status[status as usize] += 1;
    }

    pub fn count_unbilled(&mut self, reason: UnpricedReason) {
        match reason {
            UnpricedReason::NoTokenCounts => self.unpriced_no_counts += 1,
            UnpricedReason::UnreadableCounts => self.unpriced_unreadable_counts += 1,
        }
    }

    pub fn unknown_model(&mut self, model: &str) {
        let model = TopModels::clip(model);
        match self.unknown_models.iter_mut().find(|(m, _)| m == model) {
            Some((_, n)) => *n += 1,
            None => self.unknown_models.push((model.to_owned(), 1)),
        }
    }

    pub fn add_cost(&mut self, model: &'p str, usd: f64) {
        match self.cost_by_model.iter_mut().find(|(m, _)| *m == model) {
            Some((_, c)) => *c += usd,
            None => self.cost_by_model.push((model, usd)),
        }
    }
}

impl Stats {
    pub fn add(&self, b: BatchStats<'_>) {
        let add = |c: &AtomicU64, n: u64| {
            if n > 0 {
                c.fetch_add(n, Ordering::Relaxed);
            }
        };
        add(&self.batches, 1);
        add(&self.spans_seen, b.spans_seen);
        add(&self.spans_enriched, b.spans_enriched);
        add(&self.priced, b.by_status[CostStatus::Priced as usize]);
        add(&self.unpriced_model, b.by_status[CostStatus::UnpricedModel as usize]);
        add(&self.provided, b.by_status[CostStatus::Provided as usize]);
        add(&self.duplicate, b.by_status[CostStatus::Duplicate as usize]);
        add(&self.values_not_remembered, b.values_not_remembered);
        add(&self.spans_held, b.spans_held);
        add(&self.values_unreadable, b.values_unreadable);
        add(&self.priced_other_provider, b.priced_other_provider);
        add(&self.service_tier_unpriced, b.service_tier_unpriced);
        add(&self.unpriced_no_counts, b.unpriced_no_counts);
        add(&self.unpriced_unreadable_counts, b.unpriced_unreadable_counts);
        if !b.unknown_models.is_empty() {
            let mut top = self.unknown_models.lock();
            for (model, n) in b.unknown_models {
                top.add(model, n);
            }
        }
        if !b.cost_by_model.is_empty() {
            let mut m = self.cost_by_model.lock();
            for (model, usd) in b.cost_by_model {
                match m.get_mut(model) {
                    Some(c) => *c += usd,
                    None => {
                        m.insert(model.to_string(), usd);
                    }
                }
            }
        }
    }

    pub fn cost_by_model(&self) -> HashMap<String, f64> {
        self.cost_by_model.lock().clone()
    }

    /// The most frequent model names no price matched, with (approximately, see `TopModels`) their calls.
    pub fn unknown_models(&self) -> HashMap<String, u64> {
        self.unknown_models.lock().entries.iter().cloned().collect()
    }
}

/// The most frequent unknown model names in bounded memory (Space-Saving: a new name past the bound replaces the
/// least counted one and inherits its count, so a count is an upper bound and every name with more calls than the
/// smallest count is present). Names come from clients: they are clipped, and at most `MAX` are kept.
#[derive(Default)]
pub struct TopModels {
    entries: Vec<(String, u64)>,
}

impl TopModels {
    pub const MAX: usize = 50;
    pub const MAX_NAME_BYTES: usize = 128;

    fn clip(name: &str) -> &str {
        let mut end = name.len().min(Self::MAX_NAME_BYTES);
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        &name[..end]
    }

    fn add(&mut self, model: String, n: u64) {
        if let Some((_, c)) = self.entries.iter_mut().find(|(m, _)| *m == model) {
            *c += n;
        } else if self.entries.len() < Self::MAX {
            self.entries.push((model, n));
        } else if let Some(min) = self.entries.iter_mut().min_by_key(|(_, c)| *c) {
            *min = (model, min.1 + n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_models_is_bounded_and_keeps_the_frequent_ones() {
        let mut top = TopModels::default();
        top.add("frequent".into(), 1000);
        for i in 0..500 {
            top.add(format!("rare-{i}"), 1);
        }
        assert_eq!(top.entries.len(), TopModels::MAX);
        assert!(top.entries.contains(&("frequent".to_owned(), 1000)));
        assert_eq!(TopModels::clip(&"é".repeat(100)).len(), 128);
    }
}
