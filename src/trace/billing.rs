//! Which span pays for a call. Usage is billed once: wrappers that repeat their descendants' usage, aggregates,
//! and second spans of the same response id are `duplicate`, so SUM(gen_ai.usage.cost_usd) is the bill.

use std::collections::HashMap;

use super::tree::{BatchSpan, Tree};
use crate::contract::CostStatus;
use crate::pricing::{cost, Cost, PriceTable, TokenUsage};
use crate::state::Billing;

#[derive(Debug, Clone, PartialEq)]
pub enum Bill<'p> {
    /// We decide and write the status (and, when priced, the three cost keys).
    Decided {
        status: CostStatus,
        cost: Option<Cost>,
        model: Option<&'p str>,
    },
    /// An upstream last9_genai already decided; its attributes stay, its cost still counts in roll-ups.
    Upstream {
        status: Option<CostStatus>,
        cost_usd: Option<f64>,
    },
}

impl Bill<'_> {
    /// What roll-ups and later batches need to know.
    pub fn billing(&self) -> Billing {
        match self {
            Bill::Decided {
                status: CostStatus::Duplicate,
                ..
            } => Billing::Duplicate,
            Bill::Decided {
                status: CostStatus::UnpricedModel,
                ..
            } => Billing::Unpriced,
            Bill::Decided { cost, .. } => Billing::Billed(cost.map_or(0.0, |c| c.total_usd)),
            Bill::Upstream {
                status: Some(CostStatus::Duplicate),
                ..
            } => Billing::Duplicate,
            Bill::Upstream {
                cost_usd: Some(c), ..
            } => Billing::Billed(*c),
            Bill::Upstream { .. } => Billing::Unpriced,
        }
    }

    pub fn status(&self) -> Option<CostStatus> {
        match self {
            Bill::Decided { status, .. } => Some(*status),
            Bill::Upstream { status, .. } => *status,
        }
    }
}

fn upstream_status(s: &BatchSpan<'_, '_>) -> Bill<'static> {
    // The status text itself is not kept in the facts; infer it from what the upstream wrote.
    let status = if s.facts.provided_cost.is_some() {
        Some(CostStatus::Priced)
    } else {
        None
    };
    Bill::Upstream {
        status,
        cost_usd: s.facts.provided_cost,
    }
}

/// A span's usage if it carries any non-zero token count (all-zero usage is what streaming instrumentations
/// write when the provider sent none: it is not a call to bill, nor a reason to call its parent a wrapper).
pub fn usage_of(s: &BatchSpan<'_, '_>) -> Option<TokenUsage> {
    s.facts.usage.normalise().filter(|u| u.input + u.output > 0)
}

/// Decides billing for every usage-carrying span of the batch; `None` for the rest.
pub fn decide<'p>(
    tree: &Tree<'_, '_, '_>,
    usage: &[Option<TokenUsage>],
    prices: &'p PriceTable,
) -> Vec<Option<Bill<'p>>> {
    let below = tree.with_usage_below(|i| {
        let f = tree.batch[i].facts;
        usage[i].is_some() || (f.already_enriched && f.provided_cost.is_some())
    });
    let mut bills: Vec<Option<Bill<'p>>> = vec![None; tree.batch.len()];
    let mut by_response: HashMap<&str, Vec<usize>> = HashMap::new();

    for (i, s) in tree.batch.iter().enumerate() {
        let Some(u) = usage[i] else {
            if s.facts.already_enriched && s.facts.provided_cost.is_some() {
                bills[i] = Some(upstream_status(s));
            }
            continue;
        };
        if s.facts.already_enriched {
            bills[i] = Some(upstream_status(s));
            continue;
        }
        let duplicate = s.facts.aggregate
            || below.contains(&s.id)
            // Parent exported before its child (unusual): the ancestor was billed already; billing this one too
            // would count the call twice.
            || tree.ancestors(s.id).any(|a| {
                tree.memo.spans.get(&a).is_some_and(|m| matches!(m.billing, Some(Billing::Billed(_) | Billing::Unpriced)))
            });
        if duplicate {
            bills[i] = Some(duplicate_bill());
            continue;
        }
        if let Some(rid) = s.facts.response_id {
            by_response.entry(rid).or_default().push(i);
            continue;
        }
        bills[i] = Some(price(s, u, prices));
    }

    for (rid, spans) in by_response {
        let seen_before = tree.memo.spans.iter().any(|(id, m)| {
            m.billing.is_some()
                && m.response_id.as_deref() == Some(rid)
                && !tree.by_id.contains_key(id)
        });
        // Among spans of one call, bill the one with the most detail (cache and reasoning counts); ties go to
        // the first in the batch.
        let winner = if seen_before {
            None
        } else {
            spans
                .iter()
                .copied()
                .max_by_key(|&i| (tree.batch[i].facts.usage.detail(), std::cmp::Reverse(i)))
        };
        for i in spans {
            bills[i] = Some(if Some(i) == winner {
                price(&tree.batch[i], usage[i].expect("usage"), prices)
            } else {
                duplicate_bill()
            });
        }
    }
    bills
}

fn duplicate_bill() -> Bill<'static> {
    Bill::Decided {
        status: CostStatus::Duplicate,
        cost: None,
        model: None,
    }
}

fn price<'p>(s: &BatchSpan<'_, '_>, u: TokenUsage, prices: &'p PriceTable) -> Bill<'p> {
    if let Some(c) = s.facts.provided_cost {
        return Bill::Decided {
            status: CostStatus::Provided,
            cost: Some(Cost {
                input_usd: 0.0,
                output_usd: 0.0,
                total_usd: c,
            }),
            model: None,
        };
    }
    let provider = s.facts.provider.map(|(_, p)| p);
    let found = [s.facts.response_model, s.facts.request_model]
        .into_iter()
        .flatten()
        .find_map(|(_, m)| prices.lookup(m, provider));
    match found {
        Some((key, p)) => Bill::Decided {
            status: CostStatus::Priced,
            cost: Some(cost(p, &u)),
            model: Some(key),
        },
        None => Bill::Decided {
            status: CostStatus::UnpricedModel,
            cost: None,
            model: None,
        },
    }
}
