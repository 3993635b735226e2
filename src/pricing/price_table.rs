//! The price table: inline config over a price file (LiteLLM or genai-prices) over the embedded defaults, and the
//! per-span lookup.
//!
//! Lookup runs once per LLM span, so everything that can be decided per KEY is decided at build time: every key is
//! registered under its routing-free names (`azure/gpt-4o` also under `gpt-4o`), each name's candidates are sorted
//! by preference, and a lookup only walks the span model's few normalised forms. An exact key costs one hash probe and
//! no allocation; other lookups lowercase on the stack for names up to 128 bytes. No locks, no cache: the table is
//! immutable after `build` and `Send + Sync`.
//!
//! A genai-prices file names its models by clauses: its `equals` names are indexed like keys, and the rest
//! (`starts_with`, `contains`, `regex`) is evaluated only when no indexed name gives the span's provider its own
//! price, and only on that provider's models, those it falls back to, and the model vendor's. Those answers are
//! memoised per (provider, model name) in a bounded memo (`state::Memo`), the table's one piece of mutable state: a
//! provider's clauses are hundreds of substring searches (~9 µs a call for Bedrock's), real traffic names few
//! models, and a reload builds a new table with an empty memo.

use super::default_prices::default_prices;
use super::genai_prices::GenaiPrices;
use super::match_clause::Clause;
use super::model_alias::ModelAliases;
use super::model_match::{ascii_lowercase, dotted_variant, lookup_forms, registration_forms, variant_forms, Forms};
use super::model_price::ModelPrice;
use super::price_file::{self, PriceFile};
use super::provider::Family;
use crate::state::Memo;
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
    /// The price file's `litellm_provider` or genai-prices provider id, lowercase.
    provider: Option<Box<str>>,
    /// Exact names besides the key's own forms (a genai-prices model's `equals` clauses), lowercase.
    names: Box<[Box<str>]>,
    /// The genai-prices provider (index into [`GenaiIndex::providers`]) and the rest of the model's clause.
    genai: Option<u16>,
    pattern: Option<Clause>,
    /// Position in the price file, for clauses (tried in file order).
    order: u32,
}

impl Entry {
    fn new(key: &str, price: ModelPrice, source: Source, family: Option<Family>, provider: Option<&str>) -> Entry {
        let lower = key.trim().to_ascii_lowercase();
        let family = family.or_else(|| Family::from_key_prefix(&lower));
        let route = lower.split_once('/').map(|(head, _)| head.into());
        let provider = provider.map(|p| p.trim().to_ascii_lowercase().into());
        Entry {
            key: key.trim().into(),
            lower: lower.into(),
            price,
            source,
            family,
            route,
            provider,
            names: Box::default(),
            genai: None,
            pattern: None,
            order: 0,
        }
    }

    /// Whether `name` is this entry's own name (its key or one of its exact names), not a form reached by removing
    /// a decoration.
    fn owns(&self, name: &str) -> bool {
        &*self.lower == name || self.names.iter().any(|n| &**n == name)
    }

    /// How well this entry fits the provider a span was served by: 0 it is that provider's own entry (by routing
    /// prefix or `litellm_provider`, any provider name), 1 an entry of its provider family, 2 an entry without a
    /// routing prefix (the vendor's own key), 3 another provider's entry.
    fn fit(&self, want: &Want<'_>) -> u8 {
        if want.provider.is_some_and(|p| self.route.as_deref() == Some(p) || self.provider.as_deref() == Some(p))
            || (want.genai.is_some() && self.genai == want.genai)
        {
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
    /// The genai-prices provider the span's provider resolves to.
    genai: Option<u16>,
}

/// One entry a name reaches.
#[derive(Debug, Clone, Copy)]
struct Hit {
    entry: u32,
    /// The name was reached by dropping more than the key's routing prefix (`azure/eu/gpt-4o` as `gpt-4o`): a
    /// regional or otherwise narrower product, ranked after the provider's plain entry.
    narrower: bool,
}

/// A genai-prices provider, for resolving a span's provider and evaluating model clauses.
struct GenaiProvider {
    id: Box<str>,
    provider_match: Option<Clause>,
    model_match: Option<Clause>,
    fallback: Vec<u16>,
    /// Entries with clauses beyond exact names, in file order (the first that matches is the file's answer).
    patterns: Vec<u32>,
}

/// Names longer than this are matched by exact key only: no model id is this long, and a clause scan over a
/// client's megabyte-long string would cost more than the batch.
const MAX_PATTERN_NAME: usize = STACK_LOWERCASE;
/// Distinct (provider, model) pairs remembered; a fleet's traffic names far fewer.
const CLAUSE_MEMO_ENTRIES: usize = 4096;

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

/// Every price the processor knows, indexed for the per-span lookup (see the module documentation).
pub struct PriceTable {
    entries: Vec<Entry>,
    /// The exact key as configured: the allocation-free fast path.
    exact: HashMap<Box<str>, u32>,
    /// Lowercase name -> entries known by it, best first: the entry whose own name it is, then by source, then the
    /// shortest key (`anthropic.claude-…` before `bedrock/us-gov-west-1/anthropic.claude-…`).
    by_name: HashMap<Box<str>, Box<[Hit]>>,
    /// The providers of a genai-prices file (empty without one).
    genai: Box<[GenaiProvider]>,
    /// `provider \0 model` -> the clause match found for it.
    clause_memo: Memo<Option<(u8, u32)>>,
    has_inline: bool,
    file_loaded: usize,
    file_skipped: usize,
    /// `litellm`, `genai-prices`, or `none` without a file.
    file_format: &'static str,
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
        let mut genai = Vec::new();
        let mut file_format = "none";
        match pricing_file.map(price_file::load).transpose()? {
            Some(PriceFile::LiteLlm(file)) => {
                file_format = "litellm";
                file_loaded = file.entries.len();
                file_skipped = file.skipped;
                for e in file.entries {
                    let family = e.litellm_provider.as_deref().and_then(Family::from_litellm_provider);
                    add(e.key, e.price, Source::File, family, e.litellm_provider.as_deref());
                }
            }
            Some(PriceFile::GenaiPrices(file)) => {
                file_format = "genai-prices";
                (file_loaded, file_skipped) = add_genai(&mut merged, file, &mut genai);
            }
            None => {}
        }
        let mut add =
            |key: String, price: ModelPrice, source: Source, family: Option<Family>, provider: Option<&str>| {
                let entry = Entry::new(&key, price, source, family, provider);
                merged.insert(entry.lower.clone(), entry);
            };
        let has_inline = !inline.is_empty();
        for (model, price) in inline {
            if model.trim().is_empty() {
                return Err("pricing: a model name is empty".to_owned());
            }
            add(model, price, Source::Inline, None, None);
        }
        let mut table = Self::index(merged.into_values().collect(), has_inline, file_loaded, file_skipped);
        table.file_format = file_format;
        table.attach_genai(genai);
        Ok(table)
    }

    fn index(mut entries: Vec<Entry>, has_inline: bool, file_loaded: usize, file_skipped: usize) -> PriceTable {
        entries.sort_by(|a, b| a.lower.cmp(&b.lower));
        let mut exact = HashMap::with_capacity(entries.len());
        let mut by_name: HashMap<&str, Vec<Hit>> = HashMap::with_capacity(entries.len() * 2);
        for (i, e) in entries.iter().enumerate() {
            let entry = i as u32;
            exact.insert(e.key.clone(), entry);
            for &name in registration_forms(&e.lower).as_slice() {
                let narrower = &*e.lower != name
                    && e.route.as_deref().and_then(|r| e.lower.strip_prefix(r)?.strip_prefix('/')) != Some(name);
                by_name.entry(name).or_default().push(Hit { entry, narrower });
            }
            for name in e.names.iter() {
                let hits = by_name.entry(name).or_default();
                if !hits.iter().any(|h| h.entry == entry) {
                    hits.push(Hit { entry, narrower: false });
                }
            }
        }
        let by_name = by_name
            .into_iter()
            .map(|(name, mut hits)| {
                hits.sort_by_key(|h| {
                    let e = &entries[h.entry as usize];
                    (!e.owns(name), e.source, e.lower.len(), &e.lower)
                });
                (Box::from(name), hits.into_boxed_slice())
            })
            .collect();
        PriceTable {
            entries,
            exact,
            by_name,
            genai: Box::default(),
            clause_memo: Memo::new(CLAUSE_MEMO_ENTRIES),
            has_inline,
            file_loaded,
            file_skipped,
            file_format: "none",
            aliases: ModelAliases::default(),
        }
    }

    /// Lists each genai-prices provider's clause-matched entries in file order (`index` sorted the entries).
    fn attach_genai(&mut self, mut providers: Vec<GenaiProvider>) {
        let mut with_pattern: Vec<(u32, u32)> = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            if e.pattern.is_some() {
                with_pattern.push((e.order, i as u32));
            }
        }
        with_pattern.sort_unstable();
        for (_, i) in with_pattern {
            let p = self.entries[i as usize].genai.expect("patterns come from genai-prices");
            providers[usize::from(p)].patterns.push(i);
        }
        self.genai = providers.into_boxed_slice();
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
    /// then the key that IS that form, the most authoritative source and the shortest key. A genai-prices file's
    /// clause-matched models compete on the same fit, then source (`search_all`).
    pub fn lookup_match(&self, model: &str, provider: Option<&str>) -> Option<PriceMatch<'_>> {
        let model = self.aliases.resolve(model).unwrap_or(model);
        let mut pbuf = [0u8; PROVIDER_LOWERCASE];
        let lower_provider = provider.map(str::trim).filter(|p| !p.is_empty() && p.len() <= PROVIDER_LOWERCASE);
        let lower_provider = lower_provider.map(|p| ascii_lowercase(p, &mut pbuf));
        let mut want = Want {
            provider: lower_provider.as_deref(),
            family: provider.and_then(Family::from_span_provider),
            genai: None,
        };

        let mut buf = [0u8; STACK_LOWERCASE];
        let lower = ascii_lowercase(model.trim(), &mut buf);
        let lower: &str = &lower;
        if want.provider.is_none() {
            want.provider = lower.split_once('/').map(|(head, _)| head);
            want.family = want.provider.and_then(Family::from_litellm_provider);
        }
        want.genai = self.genai_provider(want.provider, want.family);
        if let Some(&i) = self.exact.get(model) {
            let e = &self.entries[i as usize];
            let no_better = e.fit(&want) == 0 || (want.provider.is_none() && want.family.is_none());
            // A genai-prices model's clause may claim a name an embedded key also has: that key must search.
            let authoritative = if self.has_inline {
                e.source == Source::Inline
            } else {
                e.source != Source::Default || self.genai.is_empty()
            };
            if no_better && authoritative {
                return Some(self.answer(i, &want, provider.is_some()));
            }
        }
        let found = if self.has_inline {
            self.search(lower, &want, true).map(|(_, i)| i).or_else(|| self.search_all(lower, &want))
        } else {
            self.search_all(lower, &want)
        };
        found.map(|i| self.answer(i, &want, provider.is_some()))
    }

    /// The genai-prices provider a span's provider means: by id, then by family (so `az.ai.openai` is Azure, not
    /// the OpenAI its name contains), then by the file's `provider_match`.
    fn genai_provider(&self, provider: Option<&str>, family: Option<Family>) -> Option<u16> {
        if self.genai.is_empty() {
            return None;
        }
        let provider = provider?;
        let by_id = |id: &str| self.genai.iter().position(|g| &*g.id == id);
        let found = by_id(provider)
            .or_else(|| family.and_then(Family::genai_prices_id).and_then(by_id))
            .or_else(|| self.genai.iter().position(|g| g.provider_match.as_ref().is_some_and(|m| m.matches(provider))));
        found.map(|i| i as u16)
    }

    /// The best entry by name and, with a genai-prices file, by its clauses: the better fit wins, then the more
    /// authoritative source, then the name.
    fn search_all(&self, lower: &str, want: &Want<'_>) -> Option<u32> {
        let by_name = self.search(lower, want, false);
        if self.genai.is_empty() || lower.len() > MAX_PATTERN_NAME {
            return by_name.map(|(_, i)| i);
        }
        let source = |i: u32| self.entries[i as usize].source;
        if let Some((0, i)) = by_name {
            if source(i) <= Source::File {
                return Some(i);
            }
        }
        match (by_name, self.memoised_pattern_hit(lower, want)) {
            (Some((rn, n)), Some((rp, p))) => Some(if (rp, source(p)) < (rn, source(n)) { p } else { n }),
            (n, p) => n.or(p).map(|(_, i)| i),
        }
    }

    fn memoised_pattern_hit(&self, lower: &str, want: &Want<'_>) -> Option<(u8, u32)> {
        let provider = want.provider.unwrap_or("");
        let mut buf = [0u8; PROVIDER_LOWERCASE + 1 + MAX_PATTERN_NAME];
        let len = provider.len() + 1 + lower.len();
        let Some(key) = buf.get_mut(..len) else { return self.pattern_hit(lower, want) };
        key[..provider.len()].copy_from_slice(provider.as_bytes());
        key[provider.len()] = 0;
        key[provider.len() + 1..].copy_from_slice(lower.as_bytes());
        let Ok(key) = std::str::from_utf8(key) else { return self.pattern_hit(lower, want) };
        if let Some(hit) = self.clause_memo.get(key) {
            return hit;
        }
        let hit = self.pattern_hit(lower, want);
        self.clause_memo.insert(key, hit);
        hit
    }

    /// The first clause-matched model, in file order, of the span's provider, then of the providers it falls back
    /// to, then of the providers whose models the name is (`model_match`); the best fit among them.
    fn pattern_hit(&self, lower: &str, want: &Want<'_>) -> Option<(u8, u32)> {
        let (_, base) = lookup_forms(lower);
        let matches = |c: &Clause| c.matches(lower) || (base != lower && c.matches(base));
        let own = want.genai.map(|p| &self.genai[usize::from(p)]);
        let fallbacks = own.map_or(&[][..], |p| &p.fallback[..]).iter().map(|&f| &self.genai[usize::from(f)]);
        let vendors = self.genai.iter().filter(|g| g.model_match.as_ref().is_some_and(matches));
        let mut best: Option<(u8, u32)> = None;
        for g in own.into_iter().chain(fallbacks).chain(vendors) {
            let Some(&i) = g.patterns.iter().find(|&&i| self.entries[i as usize].pattern.as_ref().is_some_and(matches))
            else {
                continue;
            };
            let rank = 2 * self.entries[i as usize].fit(want);
            if best.map_or(true, |(b, _)| rank < b) {
                best = Some((rank, i));
            }
            if rank == 0 {
                break;
            }
        }
        best
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

    /// Entries in the table (inline, file and embedded, merged).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table has no entry at all (every call is then unpriced).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries taken from the pricing file.
    pub fn file_entries_loaded(&self) -> usize {
        self.file_loaded
    }

    /// The pricing file's format as detected: `litellm`, `genai-prices`, or `none` without a file.
    pub fn file_format(&self) -> &'static str {
        self.file_format
    }

    /// Pricing-file entries without per-token prices (image, audio, per-second models, `sample_spec`, bad values).
    pub fn file_entries_skipped(&self) -> usize {
        self.file_skipped
    }

    /// All table keys, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| &*e.key)
    }

    fn search(&self, lower: &str, want: &Want<'_>, inline_only: bool) -> Option<(u8, u32)> {
        let (forms, base) = lookup_forms(lower);
        if let Some(i) = self.best_hit(&forms, want, inline_only) {
            return Some(i);
        }
        let dashed = dotted_variant(base)?;
        self.best_hit(&variant_forms(&dashed), want, inline_only)
    }

    /// The best-fitting entry any form reaches; forms are most specific first, so on equal rank the earlier wins.
    fn best_hit(&self, forms: &Forms<'_>, want: &Want<'_>, inline_only: bool) -> Option<(u8, u32)> {
        let mut best: Option<(u8, u32)> = None;
        for name in forms.as_slice() {
            let Some(hits) = self.by_name.get(*name) else { continue };
            for h in hits.iter() {
                if inline_only && !self.inline_applies(h.entry, name, want.family) {
                    continue;
                }
                let rank = 2 * self.entries[h.entry as usize].fit(want) + u8::from(h.narrower);
                if best.map_or(true, |(b, _)| rank < b) {
                    best = Some((rank, h.entry));
                }
                if rank == 0 {
                    return best;
                }
            }
        }
        best
    }

    /// In the inline-first pass, a provider-scoped inline key (`azure/gpt-4o`) reached through another name prices
    /// only spans of that provider: it must not override the plain price of `gpt-4o` called on OpenAI.
    fn inline_applies(&self, i: u32, name: &str, family: Option<Family>) -> bool {
        let e = &self.entries[i as usize];
        e.source == Source::Inline && (&*e.lower == name || e.family.is_none() || e.family == family)
    }
}

/// Adds a genai-prices file's models: a vendor's model under its id (so it replaces the embedded entry of that
/// name), a reseller's as `provider/id`. An embedded entry whose key the file lists as an exact name is dropped:
/// the file is the more authoritative source for that name. Returns (loaded, skipped).
fn add_genai(merged: &mut HashMap<Box<str>, Entry>, file: GenaiPrices, out: &mut Vec<GenaiProvider>) -> (usize, usize) {
    let GenaiPrices { providers, models, mut skipped } = file;
    let mut loaded = 0;
    for (order, m) in models.into_iter().enumerate() {
        let p = &providers[usize::from(m.provider)];
        let mut key = if m.vendor { m.id.clone() } else { format!("{}/{}", p.id, m.id) };
        if merged.get(&*key.to_ascii_lowercase()).is_some_and(|e| e.source == Source::File) {
            // Two providers' models with one id: the second is known as its provider's.
            key = format!("{}/{}", p.id, m.id);
            if merged.get(&*key.to_ascii_lowercase()).is_some_and(|e| e.source == Source::File) {
                skipped += 1;
                continue;
            }
        }
        let mut e = Entry::new(&key, m.price, Source::File, Family::from_genai_prices(&p.id), Some(&p.id));
        e.route = (!m.vendor).then(|| p.id.clone());
        for name in &m.names {
            if merged.get(name).is_some_and(|d| d.source == Source::Default) {
                merged.remove(name);
            }
        }
        e.names = m.names.into_boxed_slice();
        e.genai = Some(m.provider);
        e.pattern = m.pattern;
        e.order = order as u32;
        merged.insert(e.lower.clone(), e);
        loaded += 1;
    }
    out.extend(providers.into_iter().map(|p| GenaiProvider {
        id: p.id,
        provider_match: p.provider_match,
        model_match: p.model_match,
        fallback: p.fallback,
        patterns: Vec::new(),
    }));
    (loaded, skipped)
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
