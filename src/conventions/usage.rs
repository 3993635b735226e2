//! Token counts from every convention, normalised to "input includes cache reads and writes" and "output
//! includes reasoning" — the shape the cost formula expects.

use super::count::json_count;
use super::keys::TokenField;
use crate::tokens::TokenUsage;

/// Token counts as one span reports them, each from the best-ranked key that carried it.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawUsage {
    fields: [Option<(u8, u64)>; 6],
    /// The source says its input count excludes cache tokens (Anthropic's raw API shape).
    pub input_excludes_cache: bool,
}

fn slot(f: TokenField) -> usize {
    match f {
        TokenField::Input => 0,
        TokenField::Output => 1,
        TokenField::Total => 2,
        TokenField::CacheRead => 3,
        TokenField::CacheWrite => 4,
        TokenField::Reasoning => 5,
    }
}

impl RawUsage {
    pub fn set(&mut self, field: TokenField, rank: u8, value: u64) {
        let s = &mut self.fields[slot(field)];
        if s.map_or(true, |(r, _)| rank < r) {
            *s = Some((rank, value));
        }
    }

    pub fn get(&self, field: TokenField) -> Option<u64> {
        self.fields[slot(field)].map(|(_, v)| v)
    }

    pub fn is_empty(&self) -> bool {
        self.fields.iter().all(Option::is_none)
    }

    /// How much detail the source gave (cache and reasoning counts): between two spans of the same call, the
    /// more detailed one is billed.
    pub fn detail(&self) -> u8 {
        self.fields[3..].iter().filter(|f| f.is_some()).count() as u8
    }

    pub fn normalise(&self) -> Option<TokenUsage> {
        if self.is_empty() {
            return None;
        }
        let g = |f| self.get(f);
        let cache_read = g(TokenField::CacheRead).unwrap_or(0);
        let cache_write = g(TokenField::CacheWrite).unwrap_or(0);
        let reasoning = g(TokenField::Reasoning).unwrap_or(0);
        let mut output = g(TokenField::Output).unwrap_or(0);
        let mut input = match (g(TokenField::Input), g(TokenField::Total)) {
            (Some(i), _) => i,
            // Embedding spans often carry only a total; for a chat span total - output is the prompt.
            (None, Some(t)) => t.saturating_sub(output),
            (None, None) => 0,
        };
        // An inclusive count can never be below its cached part, so a smaller one must be exclusive whatever the
        // source: this catches Anthropic-shaped counts from instrumentations we have not catalogued.
        if self.input_excludes_cache || input < cache_read + cache_write {
            input += cache_read + cache_write;
        }
        // Likewise reasoning is part of output; Gemini-shaped counts report them apart.
        if output < reasoning {
            output += reasoning;
        }
        Some(TokenUsage { input, output, cache_read, cache_write, reasoning })
    }
}

/// Reads Langfuse's `usage_details` JSON: the provider's raw usage object (OpenAI chat / responses, Anthropic,
/// Gemini shapes) or Langfuse's own flattened keys. Unknown shapes give nothing rather than a guess.
/// False when the text is not a JSON object (or nests deeper than serde_json reads): nothing was taken from it.
pub fn parse_usage_json(text: &str, into: &mut RawUsage) -> bool {
    let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(text) else {
        return false;
    };
    let n = |k: &str| m.get(k).and_then(json_count);
    let nested = |obj: &str, k: &str| m.get(obj).and_then(|o| o.get(k)).and_then(json_count);
    // Rank 6: below every attribute key, so an explicit gen_ai.usage.* on the same span wins.
    const R: u8 = 6;
    let mut put = |f, v: Option<u64>| {
        if let Some(v) = v {
            into.set(f, R, v);
        }
    };
    use TokenField::*;
    if m.contains_key("prompt_tokens") || m.contains_key("completion_tokens") {
        // OpenAI chat completions: prompt_tokens includes cached tokens.
        put(Input, n("prompt_tokens"));
        put(Output, n("completion_tokens"));
        put(Total, n("total_tokens"));
        put(CacheRead, nested("prompt_tokens_details", "cached_tokens"));
        put(Reasoning, nested("completion_tokens_details", "reasoning_tokens"));
    } else if m.contains_key("prompt_token_count") || m.contains_key("candidates_token_count") {
        // Gemini: prompt includes cached content; candidates exclude thoughts.
        put(Input, n("prompt_token_count"));
        let thoughts = n("thoughts_token_count");
        put(Output, n("candidates_token_count").map(|c| c + thoughts.unwrap_or(0)));
        put(CacheRead, n("cached_content_token_count"));
        put(Reasoning, thoughts);
    } else if m.contains_key("input_tokens") {
        put(Input, n("input_tokens"));
        put(Output, n("output_tokens"));
        if m.contains_key("cache_read_input_tokens") || m.contains_key("cache_creation_input_tokens") {
            // Anthropic messages: input_tokens excludes cache reads and writes.
            put(CacheRead, n("cache_read_input_tokens"));
            put(CacheWrite, n("cache_creation_input_tokens"));
            into.input_excludes_cache = true;
        } else {
            // OpenAI responses API: input_tokens includes cached tokens.
            put(CacheRead, nested("input_tokens_details", "cached_tokens"));
            put(Reasoning, nested("output_tokens_details", "reasoning_tokens"));
        }
    } else if m.contains_key("input") || m.contains_key("output") {
        // Langfuse's normalised keys: "input" is the uncached remainder, details are split out beside it.
        put(Input, n("input"));
        put(Output, n("output"));
        put(Total, n("total"));
        put(CacheRead, n("input_cached_tokens").or(n("input_cache_read")).or(n("cache_read_input_tokens")));
        put(CacheWrite, n("input_cache_creation").or(n("cache_creation_input_tokens")));
        put(Reasoning, n("output_reasoning_tokens").or(n("output_reasoning")));
        into.input_excludes_cache = true;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(json: &str) -> TokenUsage {
        let mut raw = RawUsage::default();
        parse_usage_json(json, &mut raw);
        raw.normalise().expect("usage")
    }

    #[test]
    fn openai_chat_shape_is_inclusive() {
        let u = usage(
            r#"{"prompt_tokens":1000,"completion_tokens":50,"total_tokens":1050,
            "prompt_tokens_details":{"cached_tokens":400},"completion_tokens_details":{"reasoning_tokens":20}}"#,
        );
        assert_eq!(u, TokenUsage { input: 1000, output: 50, cache_read: 400, cache_write: 0, reasoning: 20 });
    }

    #[test]
    fn anthropic_shape_adds_cache_to_input() {
        let u = usage(
            r#"{"input_tokens":100,"output_tokens":30,"cache_read_input_tokens":2000,"cache_creation_input_tokens":500}"#,
        );
        assert_eq!(u, TokenUsage { input: 2600, output: 30, cache_read: 2000, cache_write: 500, reasoning: 0 });
    }

    #[test]
    fn gemini_shape_adds_thoughts_to_output() {
        let u = usage(
            r#"{"prompt_token_count":300,"candidates_token_count":40,"thoughts_token_count":60,"cached_content_token_count":100}"#,
        );
        assert_eq!(u, TokenUsage { input: 300, output: 100, cache_read: 100, cache_write: 0, reasoning: 60 });
    }

    #[test]
    fn langfuse_normalised_keys() {
        let u = usage(r#"{"input":600,"output":10,"input_cached_tokens":400}"#);
        assert_eq!(u, TokenUsage { input: 1000, output: 10, cache_read: 400, cache_write: 0, reasoning: 0 });
    }

    #[test]
    fn exclusive_counts_are_detected_from_the_numbers() {
        let mut raw = RawUsage::default();
        raw.set(TokenField::Input, 0, 10);
        raw.set(TokenField::CacheRead, 0, 90);
        assert_eq!(raw.normalise().unwrap().input, 100);
    }

    #[test]
    fn lower_rank_wins_and_total_fills_input() {
        let mut raw = RawUsage::default();
        raw.set(TokenField::Input, 3, 7);
        raw.set(TokenField::Input, 0, 5);
        raw.set(TokenField::Input, 4, 9);
        assert_eq!(raw.get(TokenField::Input), Some(5));
        let mut emb = RawUsage::default();
        emb.set(TokenField::Total, 4, 12);
        assert_eq!(emb.normalise().unwrap().input, 12);
    }

    #[test]
    fn garbage_json_gives_nothing() {
        let mut raw = RawUsage::default();
        parse_usage_json("not json", &mut raw);
        parse_usage_json("[1,2]", &mut raw);
        assert!(raw.is_empty());
    }
}
