//! The price table: inline config over a LiteLLM file over the embedded defaults, and the per-span lookup.
//!
//! Lookup runs once per LLM span, so everything that can be decided per KEY is decided at build time: every key is
//! registered under its routing-free names (`azure/gpt-4o` also under `gpt-4o`), each name's candidates are sorted
//! by preference, and a lookup only walks the span model's few normalised forms. An exact key costs one hash probe and
//! no allocation; other lookups lowercase on the stack for names up to 128 bytes. No locks, no cache: the table is
//! immutable after `build` and `Send + Sync`.

use super::default_prices::default_prices;
use super::litellm;
use super::model_match::{ascii_lowercase, dotted_variant, lookup_forms, registration_forms, variant_forms, Forms};
use super::model_price::ModelPrice;
use super::provider::Family;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// Where a price came from, in order of authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    Inline,
    File,
    Default,
}

struct Entry {
    key: Box<str>,
    lower: Box<str>,
    price: ModelPrice,
    source: Source,
    family: Option<Family>,
}

pub struct PriceTable {
    entries: Vec<Entry>,
    /// The exact key as configured: the allocation-free fast path.
    exact: HashMap<Box<str>, u32>,
    /// Lowercase name -> entries known by it, best first: the entry whose own key it is, then by source, then the
    /// shortest key (`anthropic.claude-…` before `bedrock/us-gov-west-1/anthropic.claude-…`).
    by_name: HashMap<Box<str>, Box<[u32]>>,
    has_inline: bool,
    file_loaded: usize,
    file_skipped: usize,
}

const STACK_LOWERCASE: usize = 128;

impl PriceTable {
    /// `inline` (USD per token, from config) wins over everything, `pricing_file` (LiteLLM JSON) over the defaults.
    pub fn build(
        inline: Vec<(String, ModelPrice)>,
        pricing_file: Option<&Path>,
        use_defaults: bool,
    ) -> Result<PriceTable, String> {
        let mut merged: HashMap<String, Entry> = HashMap::new();
        let mut add = |key: String, price: ModelPrice, source: Source, family: Option<Family>| {
            let lower = key.trim().to_ascii_lowercase();
            let family = family.or_else(|| Family::from_key_prefix(&lower));
            let entry = Entry { key: key.trim().into(), lower: lower.as_str().into(), price, source, family };
            // Later sources are added last and are more authoritative: replace.
            merged.insert(lower, entry);
        };
        if use_defaults {
            for (model, family, price) in default_prices() {
                add(model.to_owned(), price, Source::Default, Some(family));
            }
        }
        let (mut file_loaded, mut file_skipped) = (0, 0);
        if let Some(path) = pricing_file {
            let file = litellm::load_file(path)?;
            file_loaded = file.entries.len();
            file_skipped = file.skipped;
            for e in file.entries {
                let family = e.litellm_provider.as_deref().and_then(Family::from_litellm_provider);
                add(e.key, e.price, Source::File, family);
            }
        }
        let has_inline = !inline.is_empty();
        for (model, price) in inline {
            if model.trim().is_empty() {
                return Err("pricing: a model name is empty".to_owned());
            }
            add(model, price, Source::Inline, None);
        }
        Ok(Self::index(merged.into_values().collect(), has_inline, file_loaded, file_skipped))
    }

    fn index(mut entries: Vec<Entry>, has_inline: bool, file_loaded: usize, file_skipped: usize) -> PriceTable {
        entries.sort_by(|a, b| a.lower.cmp(&b.lower));
        let mut exact = HashMap::with_capacity(entries.len());
        let mut by_name: HashMap<&str, Vec<u32>> = HashMap::with_capacity(entries.len() * 2);
        for (i, e) in entries.iter().enumerate() {
            exact.insert(e.key.clone(), i as u32);
            for name in registration_forms(&e.lower).as_slice() {
                by_name.entry(name).or_default().push(i as u32);
            }
        }
        let by_name = by_name
            .into_iter()
            .map(|(name, mut ids)| {
                ids.sort_by_key(|&i| {
                    let e = &entries[i as usize];
                    (&*e.lower != name, e.source, e.lower.len(), &e.lower)
                });
                (Box::from(name), ids.into_boxed_slice())
            })
            .collect();
        PriceTable { entries, exact, by_name, has_inline, file_loaded, file_skipped }
    }

    /// The price for a span's model name, and the table key that matched (the "model" label of metrics).
    ///
    /// Inline prices are searched first across all forms of the name (a configured `gpt-4o` also prices
    /// `gpt-4o-2024-08-06`; a provider-scoped one like `azure/gpt-4o` only that provider's spans); then the whole table. Within one form: the key that IS that name wins, then an entry of
    /// the span's provider family, then the most authoritative source and the shortest key.
    pub fn lookup(&self, model: &str, provider: Option<&str>) -> Option<(&str, &ModelPrice)> {
        if let Some(&i) = self.exact.get(model) {
            let e = &self.entries[i as usize];
            if !self.has_inline || e.source == Source::Inline {
                return Some((&e.key, &e.price));
            }
        }
        let mut buf = [0u8; STACK_LOWERCASE];
        let lower = ascii_lowercase(model.trim(), &mut buf);
        let lower: &str = &lower;
        let family = provider.and_then(Family::from_span_provider);
        let found = if self.has_inline {
            self.search(lower, family, true).or_else(|| self.search(lower, family, false))
        } else {
            self.search(lower, family, false)
        };
        found.map(|i| {
            let e = &self.entries[i as usize];
            (&*e.key, &e.price)
        })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries taken from the pricing file.
    pub fn file_entries_loaded(&self) -> usize {
        self.file_loaded
    }

    /// Pricing-file entries without per-token prices (image, audio, per-second models, `sample_spec`, bad values).
    pub fn file_entries_skipped(&self) -> usize {
        self.file_skipped
    }

    /// All table keys, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| &*e.key)
    }

    fn search(&self, lower: &str, family: Option<Family>, inline_only: bool) -> Option<u32> {
        let (forms, base) = lookup_forms(lower);
        if let Some(i) = self.first_hit(&forms, family, inline_only) {
            return Some(i);
        }
        let dashed = dotted_variant(base)?;
        self.first_hit(&variant_forms(&dashed), family, inline_only)
    }

    fn first_hit(&self, forms: &Forms<'_>, family: Option<Family>, inline_only: bool) -> Option<u32> {
        forms.as_slice().iter().find_map(|name| self.pick(name, family, inline_only))
    }

    fn pick(&self, name: &str, family: Option<Family>, inline_only: bool) -> Option<u32> {
        let ids = self.by_name.get(name)?;
        let mut usable = ids.iter().copied().filter(|&i| !inline_only || self.inline_applies(i, name, family));
        let first = usable.next()?;
        let e = &self.entries[first as usize];
        if &*e.lower == name || family.is_none() || e.family == family {
            return Some(first);
        }
        Some(usable.find(|&i| self.entries[i as usize].family == family).unwrap_or(first))
    }

    /// In the inline-first pass, a provider-scoped inline key (`azure/gpt-4o`) reached through another name prices
    /// only spans of that provider: it must not override the plain price of `gpt-4o` called on OpenAI.
    fn inline_applies(&self, i: u32, name: &str, family: Option<Family>) -> bool {
        let e = &self.entries[i as usize];
        e.source == Source::Inline && (&*e.lower == name || e.family.is_none() || e.family == family)
    }
}

impl fmt::Debug for PriceTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PriceTable")
            .field("entries", &self.entries.len())
            .field("inline", &self.has_inline)
            .field("file_loaded", &self.file_loaded)
            .field("file_skipped", &self.file_skipped)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[(&str, Source, Option<Family>, f64)]) -> PriceTable {
        let entries = rows
            .iter()
            .map(|&(key, source, family, input)| Entry {
                key: key.into(),
                lower: key.to_ascii_lowercase().into(),
                price: ModelPrice::per_million(input, 1.0),
                source,
                family,
            })
            .collect();
        let has_inline = rows.iter().any(|r| r.1 == Source::Inline);
        PriceTable::index(entries, has_inline, 0, 0)
    }

    fn key<'a>(t: &'a PriceTable, model: &str, provider: Option<&str>) -> Option<&'a str> {
        t.lookup(model, provider).map(|(k, _)| k)
    }

    #[test]
    fn table_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<PriceTable>();
    }

    #[test]
    fn exact_key_beats_a_provider_specific_one() {
        use Family::*;
        let t = table(&[
            ("gpt-4o", Source::File, Some(OpenAi), 2.5),
            ("azure/gpt-4o", Source::File, Some(Azure), 2.5),
            ("azure/gpt-4o-2024-08-06", Source::File, Some(Azure), 2.75),
        ]);
        assert_eq!(key(&t, "gpt-4o", Some("az.ai.openai")), Some("gpt-4o"));
        assert_eq!(key(&t, "GPT-4o", Some("az.ai.openai")), Some("gpt-4o"));
        assert_eq!(key(&t, "azure/gpt-4o", None), Some("azure/gpt-4o"));
        // No plain dated key: the provider-specific dated key is more specific than the undated plain one.
        assert_eq!(key(&t, "gpt-4o-2024-08-06", None), Some("azure/gpt-4o-2024-08-06"));
    }

    #[test]
    fn provider_prefers_among_equally_specific_keys() {
        use Family::*;
        let t = table(&[
            ("gemini/gemini-2.5-pro", Source::File, Some(Gemini), 1.25),
            ("vertex_ai/gemini-2.5-pro", Source::File, Some(VertexAi), 1.25),
        ]);
        assert_eq!(key(&t, "gemini-2.5-pro", Some("gcp.vertex_ai")), Some("vertex_ai/gemini-2.5-pro"));
        assert_eq!(key(&t, "gemini-2.5-pro", Some("gcp.gemini")), Some("gemini/gemini-2.5-pro"));
        assert_eq!(key(&t, "gemini-2.5-pro", None), Some("gemini/gemini-2.5-pro"), "shortest key");
        assert_eq!(key(&t, "gemini-2.5-pro", Some("openai")), Some("gemini/gemini-2.5-pro"), "never required");
    }

    #[test]
    fn inline_prices_win_across_all_forms_of_the_name() {
        let t = table(&[
            ("gpt-4o", Source::Inline, None, 1.0),
            ("gpt-4o-2024-08-06", Source::File, None, 2.5),
            ("gpt-4o-mini", Source::Default, None, 0.15),
        ]);
        assert_eq!(key(&t, "gpt-4o-2024-08-06", None), Some("gpt-4o"));
        assert_eq!(key(&t, "gpt-4o-mini", None), Some("gpt-4o-mini"));
        assert_eq!(key(&t, "gpt-4o-mini-2024-07-18", None), Some("gpt-4o-mini"));
    }

    #[test]
    fn provider_scoped_inline_prices_stay_with_their_provider() {
        let inline = vec![("azure/gpt-4o".to_owned(), ModelPrice::per_million(2.0, 8.0))];
        let t = PriceTable::build(inline, None, true).unwrap();
        assert_eq!(key(&t, "gpt-4o", Some("az.ai.openai")), Some("azure/gpt-4o"));
        assert_eq!(key(&t, "gpt-4o-2024-08-06", Some("azure.ai.openai")), Some("azure/gpt-4o"));
        assert_eq!(key(&t, "gpt-4o", Some("openai")), Some("gpt-4o"));
        assert_eq!(key(&t, "gpt-4o", None), Some("gpt-4o"));
        assert_eq!(key(&t, "azure/gpt-4o", None), Some("azure/gpt-4o"));
    }

    #[test]
    fn build_merges_sources_case_insensitively() {
        let inline = vec![("GPT-4o".to_owned(), ModelPrice::per_million(1.0, 2.0))];
        let t = PriceTable::build(inline, None, true).unwrap();
        let (k, p) = t.lookup("gpt-4o", None).unwrap();
        assert_eq!((k, p), ("GPT-4o", &ModelPrice::per_million(1.0, 2.0)));
        assert_eq!(t.len(), PriceTable::build(vec![], None, true).unwrap().len());

        let empty = PriceTable::build(vec![], None, false).unwrap();
        assert!(empty.is_empty());
        assert_eq!(empty.lookup("gpt-4o", None), None);

        let e = PriceTable::build(vec![(" ".to_owned(), ModelPrice::per_million(1.0, 1.0))], None, false);
        assert!(e.unwrap_err().contains("empty"));
    }

    #[test]
    fn odd_model_strings_are_safe() {
        let t = PriceTable::build(vec![], None, true).unwrap();
        assert_eq!(key(&t, &"x".repeat(300), None), None);
        assert_eq!(key(&t, &format!("{}/gpt-4o", "r".repeat(200)), None), Some("gpt-4o"), "long names allocate");
        assert_eq!(key(&t, "gpt-4o-ünïcødé", None), None);
        assert_eq!(key(&t, &format!("{}é", "a".repeat(127)), None), None, "multi-byte char at the stack limit");
        assert_eq!(key(&t, "", None), None);
        assert_eq!(key(&t, "/", None), None);
    }
}
