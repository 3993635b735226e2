//! `Processor`: configuration, price table, memory and counters — the Rust API that the C ABI, tests and
//! benches use.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use crate::config::{Config, ConfigError};
use crate::contract::FIXED_VALUES;
use crate::conventions::KeyTable;
use crate::enrich::enrich_batch;
use crate::pricing::{ModelAliases, ModelPrice, PriceTable};
use crate::records::{RecordBatch, RecordPatches};
use crate::state::{CheckpointError, Limits, Restored, State, Swap};
use crate::stats::{Stats, STATS_KEYS};
use crate::wire::{write_batch, BatchIndex, WireEdits, WireError};
use std::path::PathBuf;

/// One configured processor: its price table, key table and state. Shared by any number of threads.
pub struct Processor {
    pub(crate) keys: KeyTable,
    /// Swapped whole by `reload_prices`; a batch prices every span from the table it started with.
    prices: Swap<PriceTable>,
    /// What the table is built from, to build it again.
    price_sources: PriceSources,
    pub(crate) state: State,
    pub(crate) stats: Stats,
    /// `Config::conversation_ids_only`.
    pub(crate) conversation_ids_only: bool,
}

struct PriceSources {
    inline: Vec<(String, ModelPrice)>,
    file: Option<PathBuf>,
    use_defaults: bool,
    aliases: Vec<(String, String)>,
}

impl PriceSources {
    fn build(&self) -> Result<PriceTable, ConfigError> {
        PriceTable::build(self.inline.clone(), self.file.as_deref(), self.use_defaults)
            .map_err(|e| ConfigError(format!("pricing_file: {e}")))?
            .with_aliases(ModelAliases::new(&self.aliases, "model_aliases").map_err(ConfigError)?)
            .map_err(ConfigError)
    }
}

impl Processor {
    /// Builds a processor; fails on a configuration the core refuses (a price file it cannot read, say).
    pub fn new(config: Config) -> Result<Processor, ConfigError> {
        let price_sources = PriceSources {
            inline: config.pricing.clone(),
            file: config.pricing_file.clone(),
            use_defaults: config.use_default_pricing,
            aliases: config.model_aliases.clone(),
        };
        let prices = price_sources.build()?;
        let state = State::new(Limits {
            max_traces: config.max_traces,
            trace_ttl: config.trace_ttl,
            max_spans: config.max_remembered_spans,
            max_conversations: config.max_conversations,
            conversation_ttl: config.conversation_ttl,
            max_bytes: config.max_state_bytes,
        })
        .map_err(|e| ConfigError(format!("max_state_mib: {e}")))?;
        Ok(Processor {
            keys: KeyTable::new(&config.aliases),
            state,
            prices: Swap::new(prices),
            price_sources,
            stats: Stats::default(),
            conversation_ids_only: config.conversation_ids_only,
        })
    }

    /// The price table in force now.
    pub fn prices(&self) -> Arc<PriceTable> {
        self.prices.load()
    }

    /// Builds the price table again from the same sources (the `pricing_file` re-read) and puts it in force for
    /// the next batches; batches under way finish with the table they started with. On an error the table in
    /// force stays.
    pub fn reload_prices(&self) -> Result<(), ConfigError> {
        let table = self.price_sources.build()?;
        self.prices.store(table);
        Ok(())
    }

    /// Builds a processor from the JSON configuration the host passes (see README "Core configuration").
    pub fn from_json(json: &[u8]) -> Result<Processor, ConfigError> {
        Processor::new(Config::from_json(json)?)
    }

    /// Enriches one OTLP `ExportTraceServiceRequest` / `TracesData`.
    pub fn enrich(&self, input: &[u8]) -> Result<Vec<u8>, WireError> {
        self.enrich_at(input, Instant::now())
    }

    /// As `enrich`, with the clock given: TTLs are measured against `now`.
    pub fn enrich_at(&self, input: &[u8], now: Instant) -> Result<Vec<u8>, WireError> {
        Ok(self.enrich_changed_at(input, now)?.unwrap_or_else(|| input.to_vec()))
    }

    /// The enriched batch, or `None` when nothing in it changes (no copy made).
    pub fn enrich_changed_at(&self, input: &[u8], now: Instant) -> Result<Option<Vec<u8>>, WireError> {
        let index = self.counted(BatchIndex::parse(input))?;
        let mut edits = WireEdits::new(&self.keys, index.spans.len());
        let prices = self.prices();
        let stats = enrich_batch(self, &prices, &index, now, false, &mut edits);
        self.stats.add(stats);
        Ok((!edits.is_empty()).then(|| write_batch(&index, &mut edits)))
    }

    /// Enriches a span-record request (see `records`): the response bytes, or `None` when nothing changes and
    /// nothing is to be held.
    pub fn enrich_records_at(&self, request: &[u8], now: Instant) -> Result<Option<Vec<u8>>, WireError> {
        let batch = self.counted(RecordBatch::parse(request, &self.keys))?;
        let mut patches = RecordPatches::new();
        let prices = self.prices();
        let stats = enrich_batch(self, &prices, &batch, now, batch.may_hold(), &mut patches);
        self.stats.add(stats);
        Ok((!patches.is_empty()).then(|| patches.finish()))
    }

    /// The key list hosts of the span-record interface forward attributes by, then the fixed values patches name:
    /// u32 count, then per key a u16 length and its bytes; the same again for the fixed values.
    pub fn key_list(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for list in [self.keys.keys().iter().map(|k| k.as_ref()).collect::<Vec<&str>>(), FIXED_VALUES.to_vec()] {
            out.extend_from_slice(&(list.len() as u32).to_le_bytes());
            for k in list {
                out.extend_from_slice(&(k.len() as u16).to_le_bytes());
                out.extend_from_slice(k.as_bytes());
            }
        }
        out
    }

    /// Conversation state (turn counters, running totals, last use) as versioned bytes, for `restore_state` in a
    /// later process. Per-trace memory is not included.
    pub fn export_state(&self) -> Vec<u8> {
        self.state.export_conversations(Instant::now(), SystemTime::now())
    }

    /// Restores what `export_state` wrote. Conversations idle past `conversation_ttl`, or already seen by this
    /// process, are skipped. A corrupt checkpoint, or one from a newer release, is refused whole: nothing changes.
    pub fn restore_state(&self, checkpoint: &[u8]) -> Result<Restored, CheckpointError> {
        self.restore_state_at(checkpoint, Instant::now(), SystemTime::now())
    }

    /// As `restore_state`, with the clocks given: entries keep their age relative to `now`.
    pub fn restore_state_at(
        &self,
        checkpoint: &[u8],
        now: Instant,
        wall_now: SystemTime,
    ) -> Result<Restored, CheckpointError> {
        self.state.restore_conversations(checkpoint, now, wall_now)
    }

    /// As `export_state`, with the clocks given.
    pub fn export_state_at(&self, now: Instant, wall_now: SystemTime) -> Vec<u8> {
        self.state.export_conversations(now, wall_now)
    }

    fn counted<T>(&self, r: Result<T, WireError>) -> Result<T, WireError> {
        if r.is_err() {
            self.stats.errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        r
    }

    /// The spans the trace memory really holds, counted entry by entry: what `spans_remembered` must equal.
    pub fn remembered_spans_census(&self) -> usize {
        self.state.traces.sum_over(|t| t.spans.len())
    }

    /// Forgets every trace and conversation idle past its TTL. Batches forget lazily, as they meet entries; this
    /// is for a host whose traffic may stop, so that memory still shrinks (the Go shim calls it every 10 s).
    pub fn expire(&self) {
        self.expire_at(Instant::now());
    }

    /// As `expire`, with the clock given.
    pub fn expire_at(&self, now: Instant) {
        self.state.expire(now);
    }

    /// Cumulative counters and current sizes as a JSON object, one key per [`crate::stats::STATS_KEYS`]. Reading
    /// changes nothing (entries past their TTL are forgotten by batches and by [`Processor::expire`]).
    pub fn stats_json(&self) -> String {
        use serde_json::Value;
        use std::sync::atomic::Ordering::Relaxed;
        let s = &self.stats;
        let t = &self.state.traces;
        let c = &self.state.conversations;
        let prices = self.prices();
        let value = |key: &str| -> Value {
            match key {
                "batches" => s.batches.load(Relaxed).into(),
                "spans_seen" => s.spans_seen.load(Relaxed).into(),
                "spans_enriched" => s.spans_enriched.load(Relaxed).into(),
                "priced" => s.priced.load(Relaxed).into(),
                "priced_other_provider" => s.priced_other_provider.load(Relaxed).into(),
                "service_tier_unpriced" => s.service_tier_unpriced.load(Relaxed).into(),
                "unpriced_model" => s.unpriced_model.load(Relaxed).into(),
                "unpriced_no_counts" => s.unpriced_no_counts.load(Relaxed).into(),
                "unpriced_unreadable_counts" => s.unpriced_unreadable_counts.load(Relaxed).into(),
                "unpriced_models" => serde_json::json!(s.unknown_models()),
                "duplicate" => s.duplicate.load(Relaxed).into(),
                "provided" => s.provided.load(Relaxed).into(),
                "errors" => s.errors.load(Relaxed).into(),
                "conversations_tracked" => c.len().into(),
                "traces_tracked" => t.len().into(),
                "spans_remembered" => t.weight().spans.into(),
                "state_bytes" => self.state.bytes().into(),
                "state_bytes_limit" => self.state.limits.max_bytes.into(),
                "values_not_remembered" => s.values_not_remembered.load(Relaxed).into(),
                "spans_held" => s.spans_held.load(Relaxed).into(),
                "values_unreadable" => s.values_unreadable.load(Relaxed).into(),
                "conversation_evictions" => c.evicted.load(Relaxed).into(),
                "conversation_expirations" => c.expired.load(Relaxed).into(),
                "trace_evictions" => t.evicted.load(Relaxed).into(),
                "trace_expirations" => t.expired.load(Relaxed).into(),
                "price_table_models" => prices.len().into(),
                "pricing_file_entries_loaded" => prices.file_entries_loaded().into(),
                "pricing_file_entries_skipped" => prices.file_entries_skipped().into(),
                "pricing_file_format" => prices.file_format().into(),
                "cost_usd_by_model" => serde_json::json!(s.cost_by_model()),
                // A key added to STATS_KEYS without a value here: visible, never a crash of the host.
                _ => Value::Null,
            }
        };
        let object: serde_json::Map<String, Value> =
            STATS_KEYS.iter().map(|k| (k.key.to_owned(), value(k.key))).collect();
        Value::Object(object).to_string()
    }
}
