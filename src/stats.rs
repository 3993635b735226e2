//! Cumulative counters, read by the host through `last9_genai_processor_stats`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

use crate::contract::CostStatus;

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
    /// By price-table key (borrowed from the table: nothing is allocated per batch).
    pub cost_by_model: Vec<(&'p str, f64)>,
}

impl<'p> BatchStats<'p> {
    pub fn count(&mut self, status: CostStatus) {
        self.by_status[status as usize] += 1;
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
}
