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

/// Sums over the top span and every remembered descendant (the current batch must already be remembered). Costs
/// are added in span-id order, so the total does not depend on hash-table order or on how the trace was batched.
pub fn workflow_rollup(tree: &Tree<'_, '_, '_>, top: SpanId, costs: &mut Vec<(SpanId, f64)>) -> Rollup {
    let mut r = Rollup::default();
    costs.clear();
    for (&id, m) in &tree.memo.spans {
        if id != top && !tree.is_ancestor(top, id) {
            continue;
        }
        match m.billing {
            Some(Billing::Billed(c)) => {
                costs.push((id, c));
                r.llm_calls += u64::from(m.kind.map_or(true, Kind::is_model_call));
            }
            Some(Billing::Unpriced) => r.llm_calls += u64::from(m.kind.map_or(true, Kind::is_model_call)),
            Some(Billing::Duplicate) | None => {}
        }
        r.tool_calls += u64::from(m.kind == Some(Kind::Tool));
    }
    costs.sort_unstable_by_key(|&(id, _)| id);
    r.cost_usd = costs.iter().map(|&(_, c)| c).sum();
    r
}
