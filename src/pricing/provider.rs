//! Provider families: one name for a vendor, whichever spelling a span or a price list uses.
//!
//! Spans say `aws.bedrock`, `az.ai.openai`, `openai.chat` (Vercel) or `gcp.vertex_ai`; LiteLLM says `bedrock_converse`,
//! `azure`, `vertex_ai-language-models`. A family is only ever used to PREFER a provider-specific price entry, never to
//! reject one, so an unrecognised spelling simply means "no preference".

use super::model_match::ascii_lowercase;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Family {
    OpenAi,
    Azure,
    /// Azure AI Foundry / model inference (non-OpenAI models hosted by Azure): priced apart from Azure OpenAI.
    AzureAi,
    Anthropic,
    Bedrock,
    VertexAi,
    /// The Gemini API (ai.google.dev), as opposed to Vertex AI.
    Gemini,
    Mistral,
    Cohere,
    DeepSeek,
    XAi,
    Groq,
    Together,
    Fireworks,
    OpenRouter,
}

impl Family {
    /// From a span's `gen_ai.provider.name` / `gen_ai.system` / `ai.model.provider` value.
    pub(crate) fn from_span_provider(provider: &str) -> Option<Family> {
        // Called per priced span: lowercase on the stack. Provider names are short; a longer one is no known provider.
        let provider = provider.trim();
        if provider.len() > 48 {
            return None;
        }
        let mut buf = [0u8; 48];
        let p = ascii_lowercase(provider, &mut buf);
        let p: &str = &p;
        // Dotted names whose first segment is not the vendor (`aws.bedrock`, `az.ai.openai`) are matched whole first.
        let whole = match p {
            "aws.bedrock" | "amazon-bedrock" | "amazon.bedrock" => Some(Family::Bedrock),
            "az.ai.openai" | "azure.ai.openai" | "azure_openai" | "azure-openai" => Some(Family::Azure),
            "az.ai.inference" | "azure.ai.inference" | "azure_ai" => Some(Family::AzureAi),
            "gcp.vertex_ai" | "gcp.vertex.ai" | "vertexai" | "google.vertex" => Some(Family::VertexAi),
            "gcp.gemini" | "gcp.gen_ai" | "google.generative-ai" | "google" => Some(Family::Gemini),
            "x_ai" | "x.ai" => Some(Family::XAi),
            _ => None,
        };
        if whole.is_some() {
            return whole;
        }
        if p.starts_with("google.vertex") {
            return Some(Family::VertexAi);
        }
        if p.starts_with("google.generative-ai") {
            return Some(Family::Gemini);
        }
        // Vercel appends the API surface (`openai.chat`, `anthropic.messages`, `mistral.chat`): the head is the vendor.
        let head = p.split('.').next().unwrap_or("");
        Self::from_name(head)
    }

    /// From a LiteLLM `litellm_provider` value.
    pub(crate) fn from_litellm_provider(provider: &str) -> Option<Family> {
        let p = provider.trim().to_ascii_lowercase();
        if p.starts_with("vertex_ai") {
            // vertex_ai-language-models, vertex_ai-anthropic_models, vertex_ai-embedding-models, ...
            return Some(Family::VertexAi);
        }
        Self::from_name(&p)
    }

    /// From a genai-prices provider id (`aws`, `google`, `x-ai` besides the LiteLLM-like names).
    pub(crate) fn from_genai_prices(id: &str) -> Option<Family> {
        match id {
            "aws" => Some(Family::Bedrock),
            "google" => Some(Family::Gemini),
            "x-ai" => Some(Family::XAi),
            other => Self::from_litellm_provider(other),
        }
    }

    /// The genai-prices provider id of a family; Vertex AI and the Gemini API are both `google` there.
    pub(crate) fn genai_prices_id(self) -> Option<&'static str> {
        Some(match self {
            Family::OpenAi => "openai",
            Family::Azure | Family::AzureAi => "azure",
            Family::Anthropic => "anthropic",
            Family::Bedrock => "aws",
            Family::VertexAi | Family::Gemini => "google",
            Family::Mistral => "mistral",
            Family::Cohere => "cohere",
            Family::DeepSeek => "deepseek",
            Family::XAi => "x-ai",
            Family::Groq => "groq",
            Family::Together => "together",
            Family::Fireworks => "fireworks",
            Family::OpenRouter => "openrouter",
        })
    }

    /// From a price-table key's routing prefix (`azure/gpt-4o` -> Azure); `None` for an unprefixed key.
    pub(crate) fn from_key_prefix(lower_key: &str) -> Option<Family> {
        let (head, _) = lower_key.split_once('/')?;
        Self::from_litellm_provider(head)
    }

    fn from_name(name: &str) -> Option<Family> {
        Some(match name {
            "openai" | "text-completion-openai" | "openai_responses" => Family::OpenAi,
            "azure" | "azure_text" => Family::Azure,
            "azure_ai" => Family::AzureAi,
            "anthropic" => Family::Anthropic,
            "bedrock" | "bedrock_converse" | "aws_bedrock" => Family::Bedrock,
            "vertex_ai" | "vertex_ai_beta" | "vertex" => Family::VertexAi,
            "gemini" => Family::Gemini,
            "mistral" | "mistral_ai" | "mistralai" | "codestral" | "text-completion-codestral" => Family::Mistral,
            "cohere" | "cohere_chat" => Family::Cohere,
            "deepseek" => Family::DeepSeek,
            "xai" => Family::XAi,
            "groq" => Family::Groq,
            "together_ai" | "together" => Family::Together,
            "fireworks_ai" | "fireworks" => Family::Fireworks,
            "openrouter" => Family::OpenRouter,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Family::{self, *};

    #[test]
    fn span_provider_spellings() {
        let cases: &[(&str, Option<Family>)] = &[
            ("openai", Some(OpenAi)),
            ("openai.chat", Some(OpenAi)),
            ("openai.responses", Some(OpenAi)),
            ("anthropic", Some(Anthropic)),
            ("anthropic.messages", Some(Anthropic)),
            ("aws.bedrock", Some(Bedrock)),
            ("amazon-bedrock", Some(Bedrock)),
            ("gcp.vertex_ai", Some(VertexAi)),
            ("vertex_ai", Some(VertexAi)),
            ("google.vertex.chat", Some(VertexAi)),
            ("gemini", Some(Gemini)),
            ("gcp.gemini", Some(Gemini)),
            ("google.generative-ai", Some(Gemini)),
            ("azure.ai.openai", Some(Azure)),
            ("az.ai.openai", Some(Azure)),
            ("az.ai.inference", Some(AzureAi)),
            ("mistral_ai", Some(Mistral)),
            ("cohere", Some(Cohere)),
            ("cohere.chat", Some(Cohere)),
            ("xai", Some(XAi)),
            ("Deepseek", Some(DeepSeek)),
            ("ibm.watsonx.ai", None),
            ("", None),
            ("  OpenAI  ", Some(OpenAi)),
            ("a-provider-name-far-longer-than-any-real-provider-name", None),
        ];
        for (p, want) in cases {
            assert_eq!(Family::from_span_provider(p), *want, "{p}");
        }
    }

    #[test]
    fn litellm_providers_and_key_prefixes() {
        assert_eq!(Family::from_litellm_provider("vertex_ai-language-models"), Some(VertexAi));
        assert_eq!(Family::from_litellm_provider("bedrock_converse"), Some(Bedrock));
        assert_eq!(Family::from_litellm_provider("text-completion-openai"), Some(OpenAi));
        assert_eq!(Family::from_key_prefix("azure/gpt-4o"), Some(Azure));
        assert_eq!(Family::from_key_prefix("gemini/gemini-2.5-pro"), Some(Gemini));
        assert_eq!(Family::from_key_prefix("gpt-4o"), None);
    }
}
