//! The price table: inline config over a LiteLLM file over the embedded defaults, and the per-span lookup.
//!
//! Lookup runs once per LLM span, so everything that can be decided per KEY is decided at build time: every key is
//! registered under its routing-free names (`azure/gpt-4o` also under `gpt-4o`), each name's candidates are sorted
//! by preference, and a lookup only walks the span model's few normalised forms. An exact key costs one hash probe and
//! no allocation; other lookups lowercase on the stack for names up to 128 bytes. No locks, no cache: the table is
//! immutable after `build` and `Send + Sync`.

use super::default_prices::default_prices;
use super::litellm;
use super::model_alias::ModelAliases;
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
    /// The key's routing prefix, lowercase (`deepinfra` for `deepinfra/anthropic/claude-haiku-4-5`).
    route: Option<Box<str>>,
    /// The price file's `litellm_provider`, lowercase.
    provider: Option<Box<str>>,
}

impl Entry {
    fn new(key: &str, price: ModelPrice, source: Source, family: Option<Family>, provider: Option<&str>) -> Entry {
        let lower = key.trim().to_ascii_lowercase();
        let family = family.or_else(|| Family::from_key_prefix(&lower));
        let route = lower.split_once('/').map(|(head, _)| head.into());
        let provider = provider.map(|p| p.trim().to_ascii_lowercase().into());
        Entry { key: key.trim().into(), lower: lower.into(), price, source, family, route, provider }
    }

    /// How well this entry fits the provider a span was served by: 0 it is that provider's own entry (by routing
    /// prefix or `litellm_provider`, any provider name), 1 an entry of its provider family, 2 an entry without a
    /// routing prefix (the vendor's own key), 3 another provider's entry.
    fn fit(&self, want: &Want<'_>) -> u8 {
        if want.provider.is_some_and(|p| self.route.as_deref() == Some(p) || self.provider.as_deref() == Some(p)) {
            0
        } else if want.family.is_some() && self.family == want.family {
            1
        } else if self.route.is_none() {
            2
        } else {
            3
        }
    }
}

/// The provider a span was served by, as lookups compare it.
struct Want<'a> {
    provider: Option<&'a str>,
    family: Option<Family>,
}

/// A lookup's answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriceMatch<'a> {
    /// The table key that priced the call.
    pub key: &'a str,
    pub price: &'a ModelPrice,
    /// The span named its provider and no entry of that provider, its family or the model's vendor exists: another
    /// provider's price was used.
    pub other_provider: bool,
}

const FIT_OTHER_PROVIDER: u8 = 3;

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
    aliases: ModelAliases,
}

const STACK_LOWERCASE: usize = 128;
/// Provider names are short; a longer one is compared as no provider at all.
const PROVIDER_LOWERCASE: usize = 48;

impl PriceTable {
    /// `inline` (USD per token, from config) wins over everything, `pricing_file` (LiteLLM JSON) over the defaults.
    pub fn build(
        inline: Vec<(String, ModelPrice)>,
        pricing_file: Option<&Path>,
        use_defaults: bool,
    ) -> Result<PriceTable, String> {
        let mut merged: HashMap<Box<str>, Entry> = HashMap::new();
        let mut add =
            |key: String, price: ModelPrice, source: Source, family: Option<Family>, provider: Option<&str>| {
                let entry = Entry::new(&key, price, source, family, provider);
                // Later sources are added last and are more authoritative: replace.
                merged.insert(entry.lower.clone(), entry);
            };
        if use_defaults {
            for (model, family, price) in default_prices() {
                add(model.to_owned(), price, Source::Default, Some(family), None);
            }
        }
        let (mut file_loaded, mut file_skipped) = (0, 0);
        if let Some(path) = pricing_file {
            let file = litellm::load_file(path)?;
            file_loaded = file.entries.len();
            file_skipped = file.skipped;
            for e in file.entries {
                let family = e.litellm_provider.as_deref().and_then(Family::from_litellm_provider);
                add(e.key, e.price, Source::File, family, e.litellm_provider.as_deref());
            }
        }
        let has_inline = !inline.is_empty();
        for (model, price) in inline {
            if model.trim().is_empty() {
                return Err("pricing: a model name is empty".to_owned());
            }
            add(model, price, Source::Inline, None, None);
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
        PriceTable { entries, exact, by_name, has_inline, file_loaded, file_skipped, aliases: ModelAliases::default() }
    }

    /// The price for a span's model name, and the table key that matched (the "model" label of metrics).
    pub fn lookup(&self, model: &str, provider: Option<&str>) -> Option<(&str, &ModelPrice)> {
        self.lookup_match(model, provider).map(|m| (m.key, m.price))
    }

    /// The price for a span's model name served by `provider` (its `gen_ai.provider.name` or alike; without one,
    /// the model name's routing prefix stands for it).
    ///
    /// Inline prices are searched first across all forms of the name (a configured `gpt-4o` also prices
    /// `gpt-4o-2024-08-06`; a provider-scoped one like `azure/gpt-4o` only that provider's spans); then the whole
    /// table. Among all entries any form of the name reaches, the best fit to the provider wins (its own entry,
    /// then its family's, then the vendor's unprefixed key, then another provider's); then the more specific form;
    /// then the key that IS that form, the most authoritative source and the shortest key.
    pub fn lookup_match(&self, model: &str, provider: Option<&str>) -> Option<PriceMatch<'_>> {
        let model = self.aliases.resolve(model).unwrap_or(model);
        let mut pbuf = [0u8; PROVIDER_LOWERCASE];
        let lower_provider = provider.map(str::trim).filter(|p| !p.is_empty() && p.len() <= PROVIDER_LOWERCASE);
        let lower_provider = lower_provider.map(|p| ascii_lowercase(p, &mut pbuf));
        let mut want =
            Want { provider: lower_provider.as_deref(), family: provider.and_then(Family::from_span_provider) };

        let mut buf = [0u8; STACK_LOWERCASE];
        let lower = ascii_lowercase(model.trim(), &mut buf);
        let lower: &str = &lower;
        if want.provider.is_none() {
            want.provider = lower.split_once('/').map(|(head, _)| head);
            want.family = want.provider.and_then(Family::from_litellm_provider);
        }
        if let Some(&i) = self.exact.get(model) {
            let e = &self.entries[i as usize];
            let no_better = e.fit(&want) == 0 || (want.provider.is_none() && want.family.is_none());
            if no_better && (!self.has_inline || e.source == Source::Inline) {
                return Some(self.answer(i, &want, provider.is_some()));
            }
        }
        let found = if self.has_inline {
            self.search(lower, &want, true).or_else(|| self.search(lower, &want, false))
        } else {
            self.search(lower, &want, false)
        };
        found.map(|i| self.answer(i, &want, provider.is_some()))
    }

    fn answer(&self, i: u32, want: &Want<'_>, provider_named: bool) -> PriceMatch<'_> {
        let e = &self.entries[i as usize];
        PriceMatch { key: &e.key, price: &e.price, other_provider: provider_named && e.fit(want) == FIT_OTHER_PROVIDER }
    }

    /// Prices names that carry no model as the model they stand for; fails naming an alias whose model has no
    /// price, which would otherwise leave every call through it unpriced without a word.
    pub fn with_aliases(mut self, aliases: ModelAliases) -> Result<PriceTable, String> {
        for (alias, model) in aliases.targets() {
            if self.lookup(model, None).is_none() {
                return Err(format!("model_aliases.{alias}: no price for {model:?} (add it under pricing)"));
            }
        }
        self.aliases = aliases;
        Ok(self)
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

    fn search(&self, lower: &str, want: &Want<'_>, inline_only: bool) -> Option<u32> {
        let (forms, base) = lookup_forms(lower);
        if let Some(i) = self.best_hit(&forms, want, inline_only) {
            return Some(i);
        }
        let dashed = dotted_variant(base)?;
        self.best_hit(&variant_forms(&dashed), want, inline_only)
    }

    /// The best-fitting entry any form reaches; forms are most specific first, so on equal rank the earlier wins.
    fn best_hit(&self, forms: &Forms<'_>, want: &Want<'_>, inline_only: bool) -> Option<u32> {
        let mut best: Option<(u8, u32)> = None;
        for name in forms.as_slice() {
            let Some(ids) = self.by_name.get(*name) else { continue };
            for &i in ids.iter() {
                if inline_only && !self.inline_applies(i, name, want.family) {
                    continue;
                }
                let e = &self.entries[i as usize];
                // A key reached by dropping more than its provider prefix (`azure/eu/gpt-4o` as `gpt-4o`) is a
                // regional or otherwise narrower product: it ranks after the provider's plain entry.
                let narrower = &*e.lower != *name
                    && e.route.as_deref().and_then(|r| e.lower.strip_prefix(r)?.strip_prefix('/')) != Some(*name);
                let rank = 2 * e.fit(want) + u8::from(narrower);
                if best.map_or(true, |(b, _)| rank < b) {
                    best = Some((rank, i));
                }
                if rank == 0 {
                    return Some(i);
                }
            }
        }
        best.map(|(_, i)| i)
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
            .map(|&(key, source, family, input)| {
                Entry::new(key, ModelPrice::per_million(input, 1.0), source, family, None)
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
    fn the_span_providers_entry_beats_the_vendors_key() {
        use Family::*;
        let t = table(&[
            ("gpt-4-turbo", Source::File, Some(OpenAi), 10.0),
            ("azure/gpt-4-turbo", Source::File, Some(Azure), 11.0),
            ("azure/gpt-4o-2024-08-06", Source::File, Some(Azure), 2.75),
            ("gpt-4o", Source::File, Some(OpenAi), 2.5),
        ]);
        // Azure bills its own price for the same model (9% above OpenAI's for gpt-4-turbo).
        assert_eq!(key(&t, "gpt-4-turbo", Some("az.ai.openai")), Some("azure/gpt-4-turbo"));
        assert_eq!(key(&t, "GPT-4-Turbo", Some("azure.ai.openai")), Some("azure/gpt-4-turbo"));
        assert_eq!(key(&t, "gpt-4-turbo", Some("openai")), Some("gpt-4-turbo"));
        assert_eq!(key(&t, "gpt-4-turbo", None), Some("gpt-4-turbo"), "no provider: the vendor's key");
        assert_eq!(key(&t, "azure/gpt-4-turbo", None), Some("azure/gpt-4-turbo"), "the name's prefix is a provider");
        // Without a provider, another provider's dated key does not beat the vendor's undated one.
        assert_eq!(key(&t, "gpt-4o-2024-08-06", None), Some("gpt-4o"));
        assert_eq!(key(&t, "gpt-4o-2024-08-06", Some("azure")), Some("azure/gpt-4o-2024-08-06"));
    }

    #[test]
    fn another_providers_entry_only_when_none_other_exists_and_then_it_says_so() {
        let t = table(&[
            ("deepinfra/anthropic/claude-haiku-4-5", Source::File, None, 1.0),
            ("claude-haiku-4-5", Source::Default, Some(Family::Anthropic), 1.0),
            ("oci/meta.llama-3.1-70b-instruct", Source::File, None, 0.72),
            ("perplexity/llama-3.1-70b-instruct", Source::File, None, 1.0),
            ("together_ai/meta-llama/llama-3.3-70b-instruct-turbo", Source::File, Some(Family::Together), 0.88),
        ]);
        let m = |model: &str, provider: Option<&str>| {
            t.lookup_match(model, provider).map(|m| (m.key, m.other_provider)).unwrap()
        };
        assert_eq!(m("anthropic/claude-haiku-4-5", Some("anthropic")), ("claude-haiku-4-5", false));
        assert_eq!(m("deepinfra/anthropic/claude-haiku-4-5", None), ("deepinfra/anthropic/claude-haiku-4-5", false));
        assert_eq!(m("claude-haiku-4-5", Some("deepinfra")), ("deepinfra/anthropic/claude-haiku-4-5", false));
        // Providers outside the known families match by name.
        assert_eq!(m("llama-3.1-70b-instruct", Some("perplexity")), ("perplexity/llama-3.1-70b-instruct", false));
        assert_eq!(m("meta.llama-3.1-70b-instruct", Some("oci")), ("oci/meta.llama-3.1-70b-instruct", false));
        assert_eq!(
            m("meta-llama/Llama-3.3-70B-Instruct-Turbo", Some("groq")),
            ("together_ai/meta-llama/llama-3.3-70b-instruct-turbo", true),
            "only another provider's price exists"
        );
        assert_eq!(
            m("meta-llama/Llama-3.3-70B-Instruct-Turbo", None),
            ("together_ai/meta-llama/llama-3.3-70b-instruct-turbo", false),
            "no provider named: nothing to contradict"
        );
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
