//! Cumulative counters, read by the host through `last9_genai_processor_stats`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::contract::CostStatus;
use crate::state::Tally;
use crate::trace::UnpricedReason;

/// One key of the stats object: what it holds, and the collector metric the Go shim exports it as (the name after
/// `otelcol_processor_last9_genai_`), if any. The one list of what `last9_genai_processor_stats` writes: the
/// header's documentation, the Go shim's struct and the README's metrics table are tested against it.
pub struct StatKey {
    pub key: &'static str,
    /// Documentation the tests hold the README to; the shim's own metric definitions live in its metadata.yaml.
    #[cfg_attr(not(test), allow(dead_code))]
    pub metric: Option<&'static str>,
}

const fn stat(key: &'static str, metric: Option<&'static str>) -> StatKey {
    StatKey { key, metric }
}

pub const STATS_KEYS: &[StatKey] = &[
    stat("batches", Some("batches")),
    stat("spans_seen", Some("spans_seen")),
    stat("spans_enriched", Some("spans_enriched")),
    stat("priced", Some("spans_priced")),
    stat("priced_other_provider", Some("spans_priced_other_provider")),
    stat("service_tier_unpriced", Some("spans_service_tier_unpriced")),
    stat("unpriced_model", Some("spans_unpriced_model")),
    stat("unpriced_no_counts", Some("unpriced_calls")),
    stat("unpriced_unreadable_counts", Some("unpriced_calls")),
    // Model name -> calls, the most frequent names without a price (at most `TopModels::MAX`).
    stat("unpriced_models", Some("unpriced_model_calls")),
    stat("duplicate", Some("spans_duplicate")),
    stat("provided", Some("spans_cost_provided")),
    // Batches the core refused (malformed); the shim counts its own pass-throughs as passthrough_batches.
    stat("errors", None),
    stat("conversations_tracked", Some("conversations_tracked")),
    stat("traces_tracked", Some("traces_tracked")),
    stat("spans_remembered", None),
    stat("state_bytes", Some("state_bytes")),
    stat("state_bytes_limit", None),
    stat("values_not_remembered", Some("values_not_remembered")),
    // Spans the shim held for their root; it exports what waits now (spans_waiting) instead.
    stat("spans_held", None),
    stat("values_unreadable", Some("values_unreadable")),
    stat("conversation_evictions", Some("conversation_evictions")),
    stat("conversation_expirations", Some("conversation_expirations")),
    stat("trace_evictions", Some("trace_evictions")),
    stat("trace_expirations", Some("trace_expirations")),
    // The price table's size and what the price file gave: logged by the shim when the processor starts.
    stat("price_table_models", None),
    stat("pricing_file_entries_loaded", None),
    stat("pricing_file_entries_skipped", None),
    stat("pricing_file_format", None),
    // Model (price-table key) -> USD written to billable spans.
    stat("cost_usd_by_model", Some("cost")),
];

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
    unknown_models: Tally<TopModels>,
    cost_by_model: Tally<HashMap<String, f64>>,
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
            self.unknown_models.update(|top| {
                for (model, n) in b.unknown_models {
                    top.add(model, n);
                }
            });
        }
        if !b.cost_by_model.is_empty() {
            self.cost_by_model.update(|m| {
                for (model, usd) in b.cost_by_model {
                    match m.get_mut(model) {
                        Some(c) => *c += usd,
                        None => {
                            m.insert(model.to_string(), usd);
                        }
                    }
                }
            });
        }
    }

    pub fn cost_by_model(&self) -> HashMap<String, f64> {
        self.cost_by_model.read(HashMap::clone)
    }

    /// The most frequent model names no price matched, with (approximately, see `TopModels`) their calls.
    pub fn unknown_models(&self) -> HashMap<String, u64> {
        self.unknown_models.read(|top| top.entries.iter().cloned().collect())
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
    fn the_stats_object_has_exactly_the_listed_keys() {
        let p = crate::Processor::from_json(b"{}").unwrap();
        let v: serde_json::Value = serde_json::from_str(&p.stats_json()).unwrap();
        let mut written: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut listed: Vec<&str> = STATS_KEYS.iter().map(|k| k.key).collect();
        written.sort_unstable();
        listed.sort_unstable();
        assert_eq!(written, listed);
        assert!(v.as_object().unwrap().values().all(|x| !x.is_null()), "every listed key has its value: {v}");
    }

    #[test]
    fn the_header_documents_every_key() {
        let header = include_str!("../include/last9_genai.h");
        let doc = header.split("last9_genai_status last9_genai_processor_stats(").next().unwrap();
        let doc = &doc[doc.rfind("/**").unwrap()..];
        let words: Vec<&str> = doc.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).collect();
        for k in STATS_KEYS {
            assert!(words.contains(&k.key), "the header's stats doc names {}", k.key);
        }
    }

    /// The README's metrics table: every metric name in its first column, shorthand (`_x`) expanded.
    fn readme_metrics() -> Vec<String> {
        const PREFIX: &str = "otelcol_processor_last9_genai";
        let readme = include_str!("../README.md");
        let table = readme.split("## Internal telemetry").nth(1).unwrap().split("\n## ").next().unwrap();
        let mut out = Vec::new();
        for line in table.lines().filter(|l| l.starts_with("| `")) {
            let first = line.split(" | ").next().unwrap().trim_start_matches("| ");
            for name in first.split(", ") {
                let name = name.trim_matches('`');
                let name = name.split('{').next().unwrap();
                out.push(match name.strip_prefix('_') {
                    Some(short) => format!("{PREFIX}_{short}"),
                    None => name.to_owned(),
                });
            }
        }
        out
    }

    #[test]
    fn the_readme_lists_every_exported_key() {
        let listed = readme_metrics();
        for k in STATS_KEYS {
            if let Some(m) = k.metric {
                let full = format!("otelcol_processor_last9_genai_{m}");
                assert!(listed.contains(&full), "README metrics table lists {full} (stats key {})", k.key);
            }
        }
    }

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
