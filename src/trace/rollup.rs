//! Workflow roll-ups: what everything under a workflow's top span cost, and how many calls it made.

use super::tree::Tree;
use crate::conventions::Kind;
use crate::state::{Billing, SpanId};

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rollup {
    pub cost_usd: f64,
    pub llm_calls: u64,
    pub tool_calls: u64,
}

/// Sums over the top span and every remembered descendant (the current batch must already be remembered).
pub fn workflow_rollup(tree: &Tree<'_, '_, '_>, top: SpanId) -> Rollup {
    let mut r = Rollup::default();
    let mut cost = ExactSum::default();
    for (&id, m) in tree.memo.spans.iter() {
        if id != top && !tree.is_ancestor(top, id) {
            continue;
        }
        match m.billing {
            Some(Billing::Billed(c)) => {
                cost.add(c);
                r.llm_calls += u64::from(m.kind.map_or(true, Kind::is_model_call));
            }
            Some(Billing::Unpriced) => r.llm_calls += u64::from(m.kind.map_or(true, Kind::is_model_call)),
            Some(Billing::Duplicate) | None => {}
        }
        r.tool_calls += u64::from(m.kind == Some(Kind::Tool));
    }
    r.cost_usd = cost.total();
    r
}

/// A sum of USD amounts that does not depend on the order they are added in (the spans of a trace come in any
/// order and are kept in no fixed one): each amount is taken to 1e-18 USD, far below any price, and summed as an
/// integer.
#[derive(Default)]
struct ExactSum(i128);

const UNITS_PER_USD: f64 = 1e18;

impl ExactSum {
    fn add(&mut self, usd: f64) {
        // Casts saturate (and NaN is 0), so absurd amounts from hostile token counts cannot overflow.
        self.0 = self.0.saturating_add((usd * UNITS_PER_USD).round() as i128);
    }

    fn total(&self) -> f64 {
        self.0 as f64 / UNITS_PER_USD
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sum_is_the_same_in_any_order() {
        let v = [0.1, 0.2, 0.3, 1e-7, 12.5, 0.0075];
        let mut a = ExactSum::default();
        let mut b = ExactSum::default();
        v.iter().for_each(|&x| a.add(x));
        v.iter().rev().for_each(|&x| b.add(x));
        assert_eq!(a.total(), b.total());
        assert!((a.total() - 13.1075001).abs() < 1e-12);
    }
}
