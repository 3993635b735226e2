//! `gen_ai.l9.span.kind`: one vocabulary for the span kinds every convention names differently.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Llm,
    Embedding,
    Tool,
    Retriever,
    Reranker,
    Agent,
    Chain,
    Workflow,
    Guardrail,
    Evaluator,
    /// The last9-genai SDK's own "prompt" kind: read, never written by us.
    Prompt,
}

impl Kind {
    /// The `gen_ai.l9.span.kind` text; what is written comes from `contract::FIXED_VALUES` (a test keeps them equal).
    #[cfg(test)]
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Llm => "llm",
            Kind::Embedding => "embedding",
            Kind::Tool => "tool",
            Kind::Retriever => "retriever",
            Kind::Reranker => "reranker",
            Kind::Agent => "agent",
            Kind::Chain => "chain",
            Kind::Workflow => "workflow",
            Kind::Guardrail => "guardrail",
            Kind::Evaluator => "evaluator",
            Kind::Prompt => "prompt",
        }
    }

    /// Where this kind's name sits in `contract::FIXED_VALUES`.
    pub fn fixed_index(self) -> u16 {
        crate::contract::FIRST_KIND_VALUE + self as u16
    }

    /// Model calls: what workflow.llm_calls counts.
    pub fn is_model_call(self) -> bool {
        matches!(self, Kind::Llm | Kind::Embedding | Kind::Reranker)
    }

    /// The SDK's own value (`gen_ai.l9.span.kind`) and our output vocabulary.
    pub fn from_l9(v: &str) -> Option<Kind> {
        Some(match v.to_ascii_lowercase().as_str() {
            "llm" => Kind::Llm,
            "embedding" => Kind::Embedding,
            "tool" => Kind::Tool,
            "retriever" => Kind::Retriever,
            "reranker" => Kind::Reranker,
            "agent" => Kind::Agent,
            "chain" => Kind::Chain,
            "workflow" => Kind::Workflow,
            "guardrail" => Kind::Guardrail,
            "evaluator" => Kind::Evaluator,
            "prompt" => Kind::Prompt,
            _ => return None,
        })
    }

    /// `gen_ai.operation.name` (OTel semconv, OpenLIT, Semantic Kernel's dotted names).
    pub fn from_operation(v: &str) -> Option<Kind> {
        Some(match v {
            "chat" | "generate_content" | "text_completion" | "completion" | "chat.completions"
            | "text.completions" | "responses" => Kind::Llm,
            "embeddings" | "embedding" => Kind::Embedding,
            "execute_tool" => Kind::Tool,
            "retrieval" | "retrieve" | "search_memory" | "get_memory" | "list_memories" => Kind::Retriever,
            // Memory writes act on a store the way a tool call does.
            "create_memory" | "update_memory" | "upsert_memory" | "delete_memory" => Kind::Tool,
            "rerank" => Kind::Reranker,
            "create_agent" | "invoke_agent" | "plan" => Kind::Agent,
            // Proposed: the span around one turn of a conversation is that turn's workflow (its cost roll-up).
            "invoke_workflow" | "handle_conversation_turn" => Kind::Workflow,
            // Vercel AI SDK 7: one iteration of the agent loop, between invoke_agent and its chat / tool spans.
            "agent_step" => Kind::Chain,
            _ => return None,
        })
    }

    /// `openinference.span.kind`.
    pub fn from_openinference(v: &str) -> Option<Kind> {
        Some(match v {
            "LLM" => Kind::Llm,
            "EMBEDDING" => Kind::Embedding,
            "CHAIN" => Kind::Chain,
            "RETRIEVER" => Kind::Retriever,
            "RERANKER" => Kind::Reranker,
            "TOOL" => Kind::Tool,
            "AGENT" => Kind::Agent,
            "GUARDRAIL" => Kind::Guardrail,
            "EVALUATOR" => Kind::Evaluator,
            _ => return None,
        })
    }

    /// `traceloop.span.kind`.
    pub fn from_traceloop(v: &str) -> Option<Kind> {
        Some(match v {
            "workflow" => Kind::Workflow,
            "task" => Kind::Chain,
            "agent" => Kind::Agent,
            "tool" => Kind::Tool,
            _ => return None,
        })
    }

    /// `llm.request.type` (OpenLLMetry's model-call spans).
    pub fn from_llm_request_type(v: &str) -> Option<Kind> {
        Some(match v {
            "chat" | "completion" => Kind::Llm,
            "embedding" => Kind::Embedding,
            "rerank" => Kind::Reranker,
            _ => return None,
        })
    }

    /// `langfuse.observation.type`.
    pub fn from_langfuse(v: &str) -> Option<Kind> {
        Some(match v {
            "generation" => Kind::Llm,
            "embedding" => Kind::Embedding,
            "agent" => Kind::Agent,
            "tool" => Kind::Tool,
            "chain" => Kind::Chain,
            "retriever" => Kind::Retriever,
            "evaluator" => Kind::Evaluator,
            "guardrail" => Kind::Guardrail,
            _ => return None,
        })
    }

    /// Vercel AI SDK operation ids (`ai.operationId`, also its span names). The outer calls (`ai.generateText`)
    /// wrap one or more provider calls (`ai.generateText.doGenerate`) and repeat their summed usage.
    pub fn from_vercel(v: &str) -> Option<(Kind, VercelRole)> {
        Some(match v {
            "ai.generateText.doGenerate"
            | "ai.streamText.doStream"
            | "ai.generateObject.doGenerate"
            | "ai.streamObject.doStream" => (Kind::Llm, VercelRole::ProviderCall),
            "ai.embed.doEmbed" | "ai.embedMany.doEmbed" => (Kind::Embedding, VercelRole::ProviderCall),
            // The user's LLM call as the application made it; its provider calls below carry the billable usage.
            "ai.generateText" | "ai.streamText" | "ai.generateObject" | "ai.streamObject" => {
                (Kind::Llm, VercelRole::Aggregate)
            }
            "ai.embed" | "ai.embedMany" => (Kind::Embedding, VercelRole::Aggregate),
            "ai.toolCall" => (Kind::Tool, VercelRole::Tool),
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VercelRole {
    ProviderCall,
    Aggregate,
    Tool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_output_kind_reads_back() {
        for k in [
            Kind::Llm,
            Kind::Embedding,
            Kind::Tool,
            Kind::Retriever,
            Kind::Reranker,
            Kind::Agent,
            Kind::Chain,
            Kind::Workflow,
            Kind::Guardrail,
            Kind::Evaluator,
            Kind::Prompt,
        ] {
            assert_eq!(Kind::from_l9(k.as_str()), Some(k));
            assert_eq!(crate::contract::FIXED_VALUES[usize::from(k.fixed_index())], k.as_str());
        }
    }

    #[test]
    fn vercel_outer_calls_are_aggregates() {
        assert_eq!(Kind::from_vercel("ai.streamText"), Some((Kind::Llm, VercelRole::Aggregate)));
        assert_eq!(Kind::from_vercel("ai.streamText.doStream"), Some((Kind::Llm, VercelRole::ProviderCall)));
        assert_eq!(Kind::from_vercel("ai.embedMany.doEmbed"), Some((Kind::Embedding, VercelRole::ProviderCall)));
        assert_eq!(Kind::from_vercel("GET /"), None);
    }

    #[test]
    fn unknown_values_give_no_kind() {
        assert_eq!(Kind::from_operation("frobnicate"), None);
        assert_eq!(Kind::from_openinference("PROMPT"), None);
        assert_eq!(Kind::from_traceloop("unknown"), None);
    }
}
