//! Workflow roll-ups: what everything under a workflow's top span cost, and how many calls it made.

use super::tree::Tree;
use crate::conventions::Kind;
use crate::state::{Billing, SpanId, SpanMap};

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rollup {
    pub cost_usd: f64,
    pub llm_calls: u64,
    pub tool_calls: u64,
}

/// The roll-up of every workflow top of this batch (`tops[k]`: batch span k is a top), into `out` (None for the
/// others): each sums the top and every remembered descendant (the batch must already be remembered). One pass over
/// the remembered spans, each walking up its ancestors once, so the work is bounded by spans x depth however many
/// tops there are.
pub fn workflow_rollups(tree: &Tree<'_, '_, '_>, batch_ids: &[SpanId], tops: &[bool], out: &mut Vec<Option<Rollup>>) {
    out.clear();
    out.resize(tops.len(), None);
    let top_ids: Vec<(SpanId, usize)> =
        batch_ids.iter().zip(tops).enumerate().filter(|(_, (_, &t))| t).map(|(k, (&id, _))| (id, k)).collect();
    if top_ids.is_empty() {
        return;
    }
    let index: Option<SpanMap<usize>> = (top_ids.len() > 8).then(|| {
        let mut m = SpanMap::default();
        for &(id, k) in &top_ids {
            m.entry(id).or_insert(k);
        }
        m
    });
    let top_of = |id: SpanId| match &index {
        Some(m) => m.get(&id).copied(),
        None => top_ids.iter().find(|(t, _)| *t == id).map(|&(_, k)| k),
    };
    let mut sums: Vec<(ExactSum, Rollup)> = (0..tops.len()).map(|_| Default::default()).collect();
    for (&id, m) in tree.memo.spans.iter() {
        let call = matches!(m.billing, Some(Billing::Billed(_) | Billing::Unpriced))
            && m.kind.map_or(true, Kind::is_model_call);
        let cost = match m.billing {
            Some(Billing::Billed(c)) => c,
            _ => 0.0,
        };
        let tool = m.kind == Some(Kind::Tool);
        if !call && !tool && cost == 0.0 {
            continue;
        }
        for a in std::iter::once(id).chain(tree.ancestors(id)) {
            if let Some(k) = top_of(a) {
                let (sum, r) = &mut sums[k];
                sum.add(cost);
                r.llm_calls += u64::from(call);
                r.tool_calls += u64::from(tool);
            }
        }
    }
    for &(_, k) in &top_ids {
        let (sum, mut r) = std::mem::take(&mut sums[k]);
        r.cost_usd = sum.total();
        out[k] = Some(r);
    }
    // A span id listed twice in the batch: every copy that is a top gets the same roll-up.
    for (k, (&id, &t)) in batch_ids.iter().zip(tops).enumerate() {
        if t && out[k].is_none() {
            out[k] = top_of(id).and_then(|j| out[j]);
        }
    }
}

/// A sum of USD amounts that does not depend on the order they are added in (the spans of a trace come in any
/// order and are kept in no fixed one): each amount is taken to 1e-18 USD, far below any price, and summed as an
/// integer.
#[derive(Default, Clone, Copy)]
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
