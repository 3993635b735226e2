//! Loader for pydantic's genai-prices data file (MIT; `prices/data.json`, or the live
//! `prices/new_data/v2/data.json`): a list of providers, each with models matched by clauses, prices in USD per
//! MILLION tokens, whole-request tiers (`{"base": 3, "tiers": [{"start": 200000, "price": 6}]}`), and conditional
//! prices (`start_date` for price changes, `start_time`/`end_time` for time-of-day prices).
//!
//! Like the LiteLLM loader, one model that cannot be priced per token is skipped and counted, never fatal: models
//! with a per-request fee (`requests_kcount`, which a token price cannot carry), with rates only for audio or images, with
//! an unreadable clause or price, or with conditions this table cannot express (two time windows, or time windows
//! mixed with dates).

use super::match_clause::Clause;
use super::model_price::{LongContext, ModelPrice};
use super::off_peak::OffPeak;
use super::price_history::{parse_date, PriceHistory};
use serde_json::{Map, Value};

const PER_MILLION: f64 = 1_000_000.0;

pub(crate) struct Provider {
    /// Lowercase, as the file's lookups compare it.
    pub id: Box<str>,
    /// Which span provider names mean this provider (besides its id).
    pub provider_match: Option<Clause>,
    /// Which model names are this provider's own models (`claude` for Anthropic): its entries are the vendor's.
    pub model_match: Option<Clause>,
    /// Providers whose prices stand in for models this one resells (Azure: OpenAI's), by index.
    pub fallback: Vec<u16>,
}

pub(crate) struct Model {
    pub provider: u16,
    /// The file's model id, as written.
    pub id: String,
    /// Exact names from `equals` clauses, lowercase.
    pub names: Vec<Box<str>>,
    /// The rest of the match clause (`starts_with`, `contains`, `regex`, ...), evaluated on names no key prices.
    pub pattern: Option<Clause>,
    pub price: ModelPrice,
    /// The provider's `model_match` accepts this model: the vendor's own price, not a reseller's.
    pub vendor: bool,
}

pub(crate) struct GenaiPrices {
    pub providers: Vec<Provider>,
    pub models: Vec<Model>,
    pub skipped: usize,
}

/// Whether a parsed price file looks like genai-prices: a list of provider objects with `models`.
pub(crate) fn is_genai_prices(doc: &Value) -> bool {
    doc.as_array().is_some_and(|list| list.iter().any(|p| p.get("models").is_some_and(Value::is_array)))
}

/// Reads the document; only a document that is not a list fails, anything inside is skipped and counted.
pub(crate) fn parse(doc: &Value) -> Result<GenaiPrices, String> {
    let list = doc.as_array().ok_or("expected a list of providers (genai-prices format)")?;
    let mut out = GenaiPrices { providers: Vec::new(), models: Vec::new(), skipped: 0 };
    let mut fallback_ids: Vec<Vec<String>> = Vec::new();
    for p in list {
        let models = p.get("models").and_then(Value::as_array);
        let id = p.get("id").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
        let (Some(id), Some(models)) = (id, models) else {
            out.skipped += models.map_or(0, Vec::len);
            continue;
        };
        if out.providers.len() > usize::from(u16::MAX) {
            out.skipped += models.len();
            continue;
        }
        let clause = |name: &str| p.get(name).map(Clause::parse).and_then(Result::ok);
        let provider = Provider {
            id: id.to_ascii_lowercase().into(),
            provider_match: clause("provider_match"),
            model_match: clause("model_match"),
            fallback: Vec::new(),
        };
        let index = out.providers.len() as u16;
        for m in models {
            match parse_model(m, index, &provider) {
                Some(model) => out.models.push(model),
                None => out.skipped += 1,
            }
        }
        let fallbacks = p.get("fallback_model_providers").and_then(Value::as_array);
        let fallbacks = fallbacks.map(|l| l.iter().filter_map(Value::as_str).map(str::to_ascii_lowercase).collect());
        fallback_ids.push(fallbacks.unwrap_or_default());
        out.providers.push(provider);
    }
    for (i, ids) in fallback_ids.into_iter().enumerate() {
        let fallback = ids.iter().filter_map(|id| out.providers.iter().position(|p| *p.id == **id)).map(|j| j as u16);
        out.providers[i].fallback = fallback.collect();
    }
    Ok(out)
}

fn parse_model(m: &Value, provider_index: u16, provider: &Provider) -> Option<Model> {
    let id = m.get("id")?.as_str()?.trim();
    if id.is_empty() {
        return None;
    }
    let (names, pattern) = Clause::parse(m.get("match")?).ok()?.split_exact();
    let price = prices(m.get("prices")?)?;
    let lower_id = id.to_ascii_lowercase();
    let vendor =
        provider.model_match.as_ref().is_some_and(|mm| mm.matches(&lower_id) || names.iter().any(|n| mm.matches(n)));
    Some(Model { provider: provider_index, id: id.to_owned(), names, pattern, price, vendor })
}

/// A conditional-price condition.
enum When {
    Always,
    /// From this day on (midnight UTC, Unix nanos).
    From(u64),
    /// Daily `[start, end)` minutes of the UTC day.
    Daily(u16, u16),
}

/// `prices`: one price object, or a list of `{constraint?, prices}` of which the LAST whose condition holds applies
/// (the first when none does): dates become price history, one time window becomes time-of-day rates.
fn prices(v: &Value) -> Option<ModelPrice> {
    let Value::Array(list) = v else { return rates(v.as_object()?) };
    if list.is_empty() {
        return None;
    }
    let mut items: Vec<(When, &Map<String, Value>)> = Vec::with_capacity(list.len());
    for cp in list {
        let when = match cp.get("constraint") {
            None | Some(Value::Null) => When::Always,
            Some(c) => constraint(c)?,
        };
        items.push((when, cp.get("prices")?.as_object()?));
    }
    let dates: Vec<u64> =
        items.iter().filter_map(|(w, _)| if let When::From(d) = w { Some(*d) } else { None }).collect();
    let windows = items.iter().filter(|(w, _)| matches!(w, When::Daily(..))).count();
    match (dates.is_empty(), windows) {
        (_, 0) => dated(&items, dates),
        (true, 1) => daily(&items),
        _ => None,
    }
}

/// The file's rule at time `t`: the last item in force, else the first (`items` is never empty).
fn in_force<'a>(items: &[(When, &'a Map<String, Value>)], t: u64) -> &'a Map<String, Value> {
    let holds = |w: &When| match w {
        When::Always => true,
        When::From(d) => *d <= t,
        When::Daily(..) => false,
    };
    items.iter().rev().find(|(w, _)| holds(w)).map_or(items[0].1, |(_, p)| p)
}

fn dated(items: &[(When, &Map<String, Value>)], mut dates: Vec<u64>) -> Option<ModelPrice> {
    dates.sort_unstable();
    dates.dedup();
    let Some((&last, earlier_dates)) = dates.split_last() else { return rates(in_force(items, 0)) };
    let mut current = rates(in_force(items, last))?;
    // Before the first date the file's rule still picks a price (the undated one, else the first listed): it is
    // the price from the beginning of time, so a replay of an old call gets it and not today's.
    let mut earlier = vec![(0, rates(in_force(items, dates[0].saturating_sub(1)))?)];
    for &d in earlier_dates {
        earlier.push((d, rates(in_force(items, d))?));
    }
    current.history = Some(Box::new(PriceHistory { current_from: last, earlier }));
    Some(current)
}

/// One window: outside it the last undated price (or the window's own when there is none), inside it the window's
/// rates if the window comes after that price in the list (the file's last-in-force rule), else never.
fn daily(items: &[(When, &Map<String, Value>)]) -> Option<ModelPrice> {
    let w = items.iter().position(|(w, _)| matches!(w, When::Daily(..)))?;
    let When::Daily(start, end) = items[w].0 else { return None };
    let base = items.iter().rposition(|(w, _)| matches!(w, When::Always));
    let Some(b) = base else { return rates(items[w].1) };
    let mut price = rates(items[b].1)?;
    if w > b {
        let inside = rates(items[w].1)?;
        if !inside.long_context.is_empty() {
            return None;
        }
        price.off_peak = Some(Box::new(OffPeak::daily(
            start,
            end,
            [Some(inside.input), Some(inside.output), inside.cache_read, inside.cache_write, inside.reasoning],
        )));
    }
    Some(price)
}

fn constraint(c: &Value) -> Option<When> {
    if let Some(d) = c.get("start_date") {
        return d.as_str().and_then(parse_date).map(When::From);
    }
    let start = utc_minute(c.get("start_time")?.as_str()?)?;
    let end = utc_minute(c.get("end_time")?.as_str()?)?;
    Some(When::Daily(start, end))
}

/// `"16:30:00Z"`, `"16:30"`, `"18:30:00+02:00"` -> minute of the UTC day (no offset means UTC).
fn utc_minute(s: &str) -> Option<u16> {
    let s = s.trim();
    let (clock, offset) = match s.find(['Z', 'z', '+', '-']) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    let mut parts = clock.split(':');
    let h: i32 = parts.next()?.parse().ok()?;
    let m: i32 = parts.next()?.parse().ok()?;
    if let Some(sec) = parts.next() {
        sec.split('.').next()?.parse::<u8>().ok().filter(|s| *s < 60)?;
    }
    if parts.next().is_some() || !(0..24).contains(&h) || !(0..60).contains(&m) {
        return None;
    }
    let shift = match offset {
        "" | "Z" | "z" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let (oh, om) = o[1..].split_once(':')?;
            let (oh, om): (i32, i32) = (oh.parse().ok()?, om.parse().ok()?);
            if !(0..24).contains(&oh) || !(0..60).contains(&om) {
                return None;
            }
            sign * (oh * 60 + om)
        }
    };
    Some((h * 60 + m - shift).rem_euclid(24 * 60) as u16)
}

/// The price keys this table bills, each with the spellings the file may use for it, most common first.
const INPUT: [&str; 2] = ["input_mtok", "input_text_mtok"];
const OUTPUT: [&str; 2] = ["output_mtok", "output_text_mtok"];
const CACHE_READ: [&str; 2] = ["cache_read_mtok", "cache_text_read_mtok"];
/// The 5-minute write is the default cache write; the 1-hour one is a product a span does not tell apart.
const CACHE_WRITE: [&str; 4] =
    ["cache_write_mtok", "cache_write_5m_mtok", "cache_text_write_mtok", "cache_text_write_5m_mtok"];
const REASONING: [&str; 1] = ["output_reasoning_mtok"];

/// A flat or tiered rate, USD per token: the base and the `(start, rate)` tiers, ascending.
struct Rate {
    base: f64,
    tiers: Vec<(u64, f64)>,
}

impl Rate {
    /// The rate of a request whose input exceeds `threshold` tokens (a tier applies above its start).
    fn at(&self, threshold: u64) -> f64 {
        self.tiers.iter().rev().find(|(start, _)| *start <= threshold).map_or(self.base, |(_, r)| *r)
    }
}

/// `Err` = present but unreadable (the model is skipped); `Ok(None)` = absent.
fn rate(obj: &Map<String, Value>, names: &[&str]) -> Result<Option<Rate>, ()> {
    let Some(v) = names.iter().find_map(|n| obj.get(*n)) else { return Ok(None) };
    let usd = |v: &Value| v.as_f64().filter(|x| x.is_finite() && *x >= 0.0).map(|x| x / PER_MILLION).ok_or(());
    if let Some(t) = v.as_object() {
        let base = usd(t.get("base").ok_or(())?)?;
        let mut tiers = Vec::new();
        for tier in t.get("tiers").and_then(Value::as_array).ok_or(())? {
            let start = tier.get("start").and_then(Value::as_u64).ok_or(())?;
            tiers.push((start, usd(tier.get("price").ok_or(())?)?));
        }
        tiers.sort_by_key(|(s, _)| *s);
        return Ok(Some(Rate { base, tiers }));
    }
    Ok(Some(Rate { base: usd(v)?, tiers: Vec::new() }))
}

/// One price object -> USD-per-token rates with a long-context step per distinct tier start.
fn rates(obj: &Map<String, Value>) -> Option<ModelPrice> {
    if obj.get("requests_kcount").and_then(Value::as_f64).is_some_and(|r| r > 0.0) {
        return None;
    }
    let input = rate(obj, &INPUT).ok()?;
    let output = rate(obj, &OUTPUT).ok()?;
    // `{}` is how the file lists a free model (`:free` variants); a model with only audio or image rates is not.
    if input.is_none() && output.is_none() && !obj.is_empty() {
        return None;
    }
    // The file prices only what it names: an embedding model has no output price, so its output costs nothing.
    let zero = || Rate { base: 0.0, tiers: Vec::new() };
    let (input, output) = (input.unwrap_or_else(zero), output.unwrap_or_else(zero));
    let cache_read = rate(obj, &CACHE_READ).ok()?;
    let cache_write = rate(obj, &CACHE_WRITE).ok()?;
    let reasoning = rate(obj, &REASONING).ok()?;
    let mut price = ModelPrice {
        input: input.base,
        output: output.base,
        cache_read: cache_read.as_ref().map(|r| r.base),
        cache_write: cache_write.as_ref().map(|r| r.base),
        reasoning: reasoning.as_ref().map(|r| r.base),
        ..ModelPrice::per_million(0.0, 0.0)
    };
    let mut starts: Vec<u64> = [Some(&input), Some(&output), cache_read.as_ref(), cache_write.as_ref()]
        .into_iter()
        .flatten()
        .flat_map(|r| r.tiers.iter().map(|(s, _)| *s))
        .collect();
    starts.sort_unstable();
    starts.dedup();
    for t in starts {
        price.add_long_context(LongContext {
            threshold_tokens: t,
            input: input.at(t),
            output: output.at(t),
            cache_read: cache_read.as_ref().map(|r| r.at(t)),
            cache_write: cache_write.as_ref().map(|r| r.at(t)),
        });
    }
    Some(price)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-15, "{a} != {b}");
    }

    #[test]
    fn tiers_become_long_context_steps() {
        let p = prices(&json!({
            "input_mtok": {"base": 3, "tiers": [{"start": 200000, "price": 6}]},
            "cache_read_mtok": 0.3,
            "output_mtok": {"base": 15, "tiers": [{"start": 200000, "price": 22.5}, {"start": 1000000, "price": 30}]}
        }))
        .unwrap();
        close(p.input, 3e-6);
        assert_eq!(p.long_context.len(), 2);
        let (a, b) = (&p.long_context[0], &p.long_context[1]);
        assert_eq!((a.threshold_tokens, b.threshold_tokens), (200_000, 1_000_000));
        close(a.input, 6e-6);
        close(a.output, 22.5e-6);
        close(b.input, 6e-6);
        close(b.output, 30e-6);
        assert_eq!(a.cache_read, Some(0.3e-6), "an untiered rate holds in every step");
        assert_eq!(a.cache_write, None);
    }

    #[test]
    fn start_dates_become_history_billed_by_the_files_rule() {
        // claude-sonnet-5: 2 -> 3 on 2026-09-01.
        let p = prices(&json!([
            {"prices": {"input_mtok": 2, "output_mtok": 10}},
            {"constraint": {"start_date": "2026-09-01"}, "prices": {"input_mtok": 3, "output_mtok": 15}}
        ]))
        .unwrap();
        let sept = parse_date("2026-09-01").unwrap();
        close(p.at(sept).input, 3e-6);
        close(p.at(sept - 1).input, 2e-6);
        close(p.at(1).input, 2e-6);
        close(p.at(0).input, 3e-6);
    }

    #[test]
    fn one_time_window_becomes_time_of_day_rates() {
        // deepseek-chat: the undated price is the off-peak one; 00:30-16:30 UTC is peak.
        let p = prices(&json!([
            {"prices": {"input_mtok": 0.135, "cache_read_mtok": 0.035, "output_mtok": 0.55}},
            {"constraint": {"start_time": "00:30:00Z", "end_time": "16:30:00Z"},
             "prices": {"input_mtok": 0.27, "cache_read_mtok": 0.07, "output_mtok": 1.1}}
        ]))
        .unwrap();
        close(p.input, 0.135e-6);
        let op = p.off_peak.as_deref().unwrap();
        let minute = 60_000_000_000u64;
        assert!(op.applies(31 * minute) && !op.applies(16 * 60 * minute + 30 * minute));
        assert_eq!(op.input, Some(0.27e-6));
    }

    #[test]
    fn unbillable_or_unreadable_prices_are_skipped() {
        assert!(rates(json!({"input_mtok": 1, "requests_kcount": 5}).as_object().unwrap()).is_none());
        assert!(rates(json!({"input_audio_mtok": 1}).as_object().unwrap()).is_none());
        let free = rates(json!({}).as_object().unwrap()).unwrap();
        assert_eq!((free.input, free.output), (0.0, 0.0));
        assert!(rates(json!({"input_mtok": -1, "output_mtok": 1}).as_object().unwrap()).is_none());
        assert!(rates(json!({"input_mtok": {"base": 1}}).as_object().unwrap()).is_none());
        let embed = rates(json!({"input_mtok": 0.12}).as_object().unwrap()).unwrap();
        assert_eq!((embed.input, embed.output), (0.12e-6, 0.0));
        let two_windows = json!([
            {"prices": {"input_mtok": 1}},
            {"constraint": {"start_time": "00:00:00Z", "end_time": "01:00:00Z"}, "prices": {"input_mtok": 2}},
            {"constraint": {"start_time": "02:00:00Z", "end_time": "03:00:00Z"}, "prices": {"input_mtok": 3}}
        ]);
        assert!(prices(&two_windows).is_none());
    }

    #[test]
    fn times_of_day() {
        assert_eq!(utc_minute("00:30:00Z"), Some(30));
        assert_eq!(utc_minute("16:30"), Some(990));
        assert_eq!(utc_minute("18:30:00+02:00"), Some(990));
        assert_eq!(utc_minute("00:30:00-01:00"), Some(90));
        assert_eq!(utc_minute("24:00:00Z"), None);
        assert_eq!(utc_minute("noon"), None);
    }

    #[test]
    fn providers_models_vendors_and_fallbacks() {
        let doc = json!([
            {"id": "openai", "model_match": {"starts_with": "gpt-"}, "provider_match": {"contains": "openai"},
             "models": [
                {"id": "gpt-4o", "match": {"or": [{"equals": "gpt-4o"}, {"starts_with": "gpt-4o-2024"}]},
                 "prices": {"input_mtok": 2.5, "output_mtok": 10}},
                {"id": "broken", "match": {"like": "x"}, "prices": {"input_mtok": 1}}
             ]},
            {"id": "azure", "fallback_model_providers": ["openai", "nobody"],
             "models": [{"id": "gpt-4o", "match": {"equals": "gpt-4o"}, "prices": {"input_mtok": 2.75, "output_mtok": 11}}]},
            {"name": "no id", "models": [{}, {}]}
        ]);
        assert!(is_genai_prices(&doc));
        assert!(!is_genai_prices(&json!({"gpt-4o": {}})));
        let g = parse(&doc).unwrap();
        assert_eq!((g.providers.len(), g.models.len(), g.skipped), (2, 2, 3));
        assert_eq!(g.providers[1].fallback, vec![0]);
        let (openai, azure) = (&g.models[0], &g.models[1]);
        assert!(openai.vendor && !azure.vendor);
        assert_eq!(openai.names, vec![Box::from("gpt-4o")]);
        assert!(openai.pattern.as_ref().unwrap().matches("gpt-4o-2024-08-06"));
        assert_eq!(azure.provider, 1);
    }
}
