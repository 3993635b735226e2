//! Which span pays for a call. Usage is billed once: wrappers that repeat their descendants' usage, aggregates,
//! and every other span of the same call are `duplicate`, so SUM(gen_ai.usage.cost_usd) is the bill.

use super::tree::{BatchSpan, Tree};
use crate::contract::CostStatus;
use crate::pricing::{cost, Cost, PriceTable, ServiceTier, TokenUsage};
use crate::state::{response_key, Billing, CallPrint, SpanMap, SpanSet};

#[derive(Debug, Clone, PartialEq)]
pub enum Bill<'p> {
    /// We decide and write the status (and, when priced, the cost keys). `other_provider`: priced from another
    /// provider's entry, the span's own provider having none.
    Decided { status: CostStatus, cost: Option<Cost>, model: Option<&'p str>, other_provider: bool, tier_missing: bool },
    /// An upstream last9_genai already decided; its attributes stay, its cost still counts in roll-ups.
    Upstream { status: CostStatus, cost_usd: Option<f64> },
    /// An LLM call we cannot price for want of token counts: nothing is written, the reason is counted.
    Unbilled(UnpricedReason),
}

/// Why an LLM call carries no cost, for the operator's counters (an unknown model is `CostStatus::UnpricedModel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnpricedReason {
    /// An LLM span naming its model, with no token counts on it or below it.
    NoTokenCounts,
    /// Token counts present but unreadable (not a count, bad JSON).
    UnreadableCounts,
}

impl Bill<'_> {
    /// What roll-ups and later batches need to know (nothing, for a call without counts).
    pub fn billing(&self) -> Option<Billing> {
        let (status, usd) = match self {
            Bill::Decided { status, cost, .. } => (*status, cost.map(|c| c.total_usd)),
            Bill::Upstream { status, cost_usd } => (*status, *cost_usd),
            Bill::Unbilled(_) => return None,
        };
        Some(match status {
            CostStatus::Duplicate => Billing::Duplicate,
            CostStatus::UnpricedModel => Billing::Unpriced,
            CostStatus::Priced | CostStatus::Provided => Billing::Billed(usd.unwrap_or(0.0)),
        })
    }
}

/// Whether a span without usable counts is an LLM call that goes unpriced for want of them (spans with counts
/// below them are wrappers, not calls).
fn unbilled(s: &BatchSpan<'_, '_>) -> Option<Bill<'static>> {
    let f = s.facts;
    if f.upstream_status.is_some() || f.provided_cost.is_some() {
        return None;
    }
    if f.usage_unreadable {
        return Some(Bill::Unbilled(UnpricedReason::UnreadableCounts));
    }
    let llm = matches!(f.kind, Some((_, crate::conventions::Kind::Llm)));
    (llm && f.model().is_some()).then_some(Bill::Unbilled(UnpricedReason::NoTokenCounts))
}

/// A span's usage if it carries any non-zero token count (all-zero usage is what streaming instrumentations
/// write when the provider sent none: it is not a call to bill, nor a reason to call its parent a wrapper).
pub fn usage_of(s: &BatchSpan<'_, '_>) -> Option<TokenUsage> {
    s.facts.usage.normalise().filter(|u| u.input + u.output > 0)
}

pub fn call_print(s: &BatchSpan<'_, '_>, u: &TokenUsage) -> CallPrint {
    CallPrint { input: u.input, output: u.output, start: s.start, end: s.end }
}

/// Spans beyond this many usage-carrying candidates in one trace batch are matched by response id only (the
/// pairwise time-overlap match is quadratic).
const MAX_PAIRWISE: usize = 256;

/// Scratch space for `decide`, reused from trace to trace.
#[derive(Default)]
pub struct BillScratch {
    below: SpanSet,
    candidates: Vec<usize>,
    /// For each candidate, the first candidate of its call (union-find parent).
    group: Vec<usize>,
    earlier: EarlierCalls,
}

/// Decides billing for every usage-carrying span of the batch, into `bills` (`None` for the rest).
pub fn decide<'p>(
    tree: &Tree<'_, '_, '_>,
    usage: &[Option<TokenUsage>],
    prices: &'p PriceTable,
    sc: &mut BillScratch,
    bills: &mut Vec<Option<Bill<'p>>>,
) {
    bills.clear();
    bills.resize(tree.batch.len(), None);
    sc.candidates.clear();
    if usage.iter().all(Option::is_none) && tree.batch.iter().all(|s| s.facts.upstream_status.is_none()) {
        for (i, s) in tree.batch.iter().enumerate() {
            bills[i] = unbilled(s);
        }
        return;
    }
    tree.with_usage_below(|i| usage[i].is_some() || tree.batch[i].facts.upstream_status.is_some(), &mut sc.below);

    for (i, s) in tree.batch.iter().enumerate() {
        if let Some(status) = s.facts.upstream_status {
            bills[i] = Some(Bill::Upstream { status, cost_usd: s.facts.provided_cost });
            continue;
        }
        if usage[i].is_none() {
            if !sc.below.contains(&s.id) {
                bills[i] = unbilled(s);
            }
            continue;
        }
        let wrapper = s.facts.aggregate
            || sc.below.contains(&s.id)
            // Parent exported before its child (unusual): the ancestor was billed already; billing this one too
            // would count the call twice.
            || tree.ancestors(s.id).any(|a| {
                tree.memo.spans.get(&a).is_some_and(|m| matches!(m.billing, Some(Billing::Billed(_) | Billing::Unpriced)))
            });
        if wrapper {
            bills[i] = Some(duplicate());
        } else {
            sc.candidates.push(i);
        }
    }

    group_calls(tree, usage, &sc.candidates, &mut sc.group);
    if !sc.candidates.is_empty() {
        sc.earlier.fill(tree);
    }
    for (k, &first) in sc.group.iter().enumerate() {
        if first != k {
            continue;
        }
        let cluster = || (k..sc.candidates.len()).filter(|&j| sc.group[j] == k).map(|j| sc.candidates[j]);
        let billed_before =
            !sc.earlier.is_empty() && cluster().any(|i| sc.earlier.seen(tree, i, usage[i].as_ref().expect("usage")));
        // Among spans of one call, bill the one with the most detail (cache and reasoning counts), then one that
        // names its response id; ties go to the first in the batch.
        let winner = (!billed_before).then(|| {
            cluster()
                .max_by_key(|&i| {
                    let f = tree.batch[i].facts;
                    (f.usage.detail(), f.response_id.is_some(), std::cmp::Reverse(i))
                })
                .expect("non-empty cluster")
        });
        for i in cluster() {
            bills[i] = Some(if Some(i) == winner {
                price(&tree.batch[i], usage[i].expect("usage"), prices)
            } else {
                duplicate()
            });
        }
    }
}

/// Two spans report the same call when they name the same response id, or when exactly one of them names one
/// and they are siblings (under a known parent) of the same model with equal token counts over overlapping time
/// (OpenInference's stream span beside the anthropic client's own span).
fn same_call(tree: &Tree<'_, '_, '_>, usage: &[Option<TokenUsage>], a: usize, b: usize) -> bool {
    let (sa, sb) = (&tree.batch[a], &tree.batch[b]);
    match (sa.facts.response_id, sb.facts.response_id) {
        (Some(x), Some(y)) => x == y,
        // Neither names its call: two parallel calls of equal size are as likely as one call seen twice.
        (None, None) => false,
        _ => {
            sa.parent == sb.parent
                && sa.parent != 0
                && same_model(sa.facts.model(), sb.facts.model())
                && call_print(sa, usage[a].as_ref().expect("usage"))
                    .same_call(&call_print(sb, usage[b].as_ref().expect("usage")))
        }
    }
}

/// Spans naming different models are different calls; a span naming none cannot tell.
fn same_model(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => true,
    }
}

/// Groups candidates into calls (union of the pairwise `same_call` relation): `group[k]` is the first candidate
/// of candidate k's call.
fn group_calls(tree: &Tree<'_, '_, '_>, usage: &[Option<TokenUsage>], candidates: &[usize], group: &mut Vec<usize>) {
    group.clear();
    group.extend(0..candidates.len());
    fn root(g: &mut [usize], mut x: usize) -> usize {
        while g[x] != x {
            g[x] = g[g[x]];
            x = g[x];
        }
        x
    }
    if candidates.len() <= MAX_PAIRWISE {
        for a in 0..candidates.len() {
            for b in a + 1..candidates.len() {
                if same_call(tree, usage, candidates[a], candidates[b]) {
                    let (ra, rb) = (root(group, a), root(group, b));
                    group[ra.max(rb)] = ra.min(rb);
                }
            }
        }
    } else {
        // Too many for pairs (a hostile or enormous trace): the same response id only, in linear time.
        let mut first: std::collections::HashMap<&str, usize, foldhash::fast::RandomState> = Default::default();
        for (k, &i) in candidates.iter().enumerate() {
            if let Some(r) = tree.batch[i].facts.response_id {
                let f = *first.entry(r).or_insert(k);
                group[k] = f;
            }
        }
    }
    // Roots are always the smallest member, so one pass resolves every member to its root.
    for k in 0..group.len() {
        group[k] = root(group, k);
    }
}

/// Calls decided in earlier batches, to find the other span of a call that came first: billed spans of the
/// memory that are not in this batch, indexed by response id and by parent (siblings of one call).
#[derive(Default)]
pub struct EarlierCalls {
    responses: SpanSet,
    /// Per parent: (names a response id, the call's print), at most `MAX_SIBLINGS` each.
    by_parent: SpanMap<Vec<(bool, CallPrint)>>,
}

/// Earlier siblings of one parent compared against a new span: beyond this (a hostile fan-out) the rest are not.
const MAX_SIBLINGS: usize = 64;

impl EarlierCalls {
    fn fill(&mut self, tree: &Tree<'_, '_, '_>) {
        self.responses.clear();
        self.by_parent.clear();
        for (id, m) in tree.memo.spans.iter() {
            if m.billing.is_none() || tree.position(*id).is_some() {
                continue;
            }
            if let Some(r) = m.response_id {
                self.responses.insert(r);
            }
            // A span with a response id still matches a sibling that has none (OpenInference's stream span).
            if let (Some(c), true) = (m.call, m.parent != 0) {
                let siblings = self.by_parent.entry(m.parent).or_default();
                if siblings.len() < MAX_SIBLINGS {
                    siblings.push((m.response_id.is_some(), c));
                }
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.responses.is_empty() && self.by_parent.is_empty()
    }

    /// The same call was already decided in an earlier batch (its other span came first): the same response
    /// id, or (exactly one side naming one) a sibling of equal counts over overlapping time.
    fn seen(&self, tree: &Tree<'_, '_, '_>, i: usize, u: &TokenUsage) -> bool {
        let s = &tree.batch[i];
        let response = s.facts.response_id.map(response_key);
        if response.is_some_and(|r| self.responses.contains(&r)) {
            return true;
        }
        let print = call_print(s, u);
        let Some(siblings) = self.by_parent.get(&s.parent).filter(|_| s.parent != 0) else {
            return false;
        };
        // With a response id, only a sibling that names none can be the same call; without one, only a sibling
        // that names one (two calls naming neither are as likely two calls).
        siblings.iter().any(|&(named, c)| named != response.is_some() && c.same_call(&print))
    }
}

fn duplicate() -> Bill<'static> {
    Bill::Decided { status: CostStatus::Duplicate, cost: None, model: None, other_provider: false, tier_missing: false }
}

fn price<'p>(s: &BatchSpan<'_, '_>, u: TokenUsage, prices: &'p PriceTable) -> Bill<'p> {
    if let Some(c) = s.facts.provided_cost {
        return Bill::Decided {
            status: CostStatus::Provided,
            cost: Some(Cost { total_usd: c, ..Cost::default() }),
            model: None,
            other_provider: false,
            tier_missing: false,
        };
    }
    let provider = s.facts.provider.map(|(_, p)| p);
    let tier = s.facts.service_tier.and_then(|(_, t)| ServiceTier::from_reported(t));
    let found = [s.facts.response_model, s.facts.request_model]
        .into_iter()
        .flatten()
        .find_map(|(_, m)| prices.lookup_match(m, provider));
    match found {
        Some(m) => {
            // The price of the day the call was made: replays and late data are billed as they were then.
            let c = cost(m.price.at(s.start), &u, s.end.max(s.start), tier);
            Bill::Decided {
                status: CostStatus::Priced,
                cost: Some(c),
                model: Some(m.key),
                other_provider: m.other_provider,
                tier_missing: tier.is_some() && c.service_tier.is_none(),
            }
        }
        None => Bill::Decided {
            status: CostStatus::UnpricedModel,
            cost: None,
            model: None,
            other_provider: false,
            tier_missing: false,
        },
    }
}
