//! The keys we write: the public interface users query in their backends (see README "Output attributes").

pub const CONVERSATION_ID: &str = "gen_ai.conversation.id";
pub const CONVERSATION_TURN: &str = "gen_ai.conversation.turn";
pub const USER_ID: &str = "user.id";
pub const WORKFLOW_ID: &str = "workflow.id";
pub const WORKFLOW_TYPE: &str = "workflow.type";
pub const SPAN_KIND: &str = "gen_ai.l9.span.kind";
pub const COST_USD: &str = "gen_ai.usage.cost_usd";
pub const COST_INPUT_USD: &str = "gen_ai.usage.cost_input_usd";
pub const COST_OUTPUT_USD: &str = "gen_ai.usage.cost_output_usd";
pub const COST_STATUS: &str = "gen_ai.l9.cost.status";
pub const COST_CACHE_READ_USD: &str = "gen_ai.usage.cost_cache_read_usd";
pub const COST_CACHE_WRITE_USD: &str = "gen_ai.usage.cost_cache_write_usd";
pub const COST_MODEL: &str = "gen_ai.l9.cost.model";
pub const COST_SERVICE_TIER: &str = "gen_ai.l9.cost.service_tier";
pub const WORKFLOW_TOTAL_COST_USD: &str = "workflow.total_cost_usd";
pub const WORKFLOW_LLM_CALLS: &str = "workflow.llm_calls";
pub const WORKFLOW_TOOL_CALLS: &str = "workflow.tool_calls";
pub const TRACE_COST_USD: &str = "gen_ai.l9.trace.cost_usd";
pub const CONVERSATION_COST_USD: &str = "gen_ai.conversation.cost_usd";

/// Every fixed string value we write: the cost statuses, then the span kinds, each at its `fixed_index`. Patches
/// name them by position, so a host never copies them.
pub const FIXED_VALUES: [&str; 15] = [
    "priced",
    "unpriced_model",
    "provided",
    "duplicate",
    "llm",
    "embedding",
    "tool",
    "retriever",
    "reranker",
    "agent",
    "chain",
    "workflow",
    "guardrail",
    "evaluator",
    "prompt",
];

/// Where the span kinds start in `FIXED_VALUES`.
pub const FIRST_KIND_VALUE: u16 = 4;

/// Values of `gen_ai.l9.cost.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostStatus {
    Priced,
    UnpricedModel,
    Provided,
    Duplicate,
}

impl CostStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CostStatus::Priced => "priced",
            CostStatus::UnpricedModel => "unpriced_model",
            CostStatus::Provided => "provided",
            CostStatus::Duplicate => "duplicate",
        }
    }

    pub fn fixed_index(self) -> u16 {
        self as u16
    }

    pub fn parse(s: &str) -> Option<CostStatus> {
        [CostStatus::Priced, CostStatus::UnpricedModel, CostStatus::Provided, CostStatus::Duplicate]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_is_at_its_fixed_index() {
        for c in [CostStatus::Priced, CostStatus::UnpricedModel, CostStatus::Provided, CostStatus::Duplicate] {
            assert_eq!(FIXED_VALUES[usize::from(c.fixed_index())], c.as_str());
        }
    }
}
