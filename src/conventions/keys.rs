//! Which attribute keys we read, and what each one means. One hash lookup per attribute tells everything.

use std::collections::HashMap;

use crate::contract as out;
use crate::fast_hash::KeyHash;

/// A token quantity, before normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenField {
    Input,
    Output,
    Total,
    CacheRead,
    CacheWrite,
    Reasoning,
}

/// What a known (non-configurable) key tells about a span. `u8` ranks: lower wins when a span has several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    Turn,
    L9Kind,
    Operation,
    OpenInferenceKind,
    TraceloopKind,
    LlmRequestType,
    LangfuseType,
    VercelOperation,
    /// `gen_ai.agent.name` / `gen_ai.agent.id`, `gen_ai.tool.name`: a kind only when no convention names one.
    AgentName,
    ToolName,
    /// `telemetry.sdk.name` on the span: OpenLIT stamps it, and its Anthropic input counts exclude cache tokens.
    SdkName,
    Provider(u8),
    RequestModel(u8),
    ResponseModel(u8),
    Tokens(TokenField, u8),
    /// Usage summed over the calls below (pydantic-ai's `gen_ai.aggregated_usage.*`): never billed.
    AggregatedTokens(TokenField),
    /// Langfuse's JSON usage object.
    LangfuseUsage,
    ResponseId,
    /// The service tier a call was served at (response keys rank before request keys).
    ServiceTier(u8),
    CostUsd,
    CostStatus,
}

/// Output keys whose presence matters: we never write a key a span already has, and roll-ups replace theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum OutKey {
    ConversationId,
    Turn,
    UserId,
    WorkflowId,
    WorkflowType,
    SpanKind,
    CostUsd,
    CostInput,
    CostOutput,
    CostStatus,
    CostCacheRead,
    CostCacheWrite,
    CostModel,
    CostServiceTier,
    WorkflowTotal,
    WorkflowLlmCalls,
    WorkflowToolCalls,
    TraceCost,
    ConversationCost,
}

impl OutKey {
    /// Roll-ups are ours to compute: an older value (the SDK's point-in-time helper, an upstream collector)
    /// is replaced rather than duplicated.
    pub fn is_rollup(self) -> bool {
        matches!(
            self,
            OutKey::WorkflowTotal
                | OutKey::WorkflowLlmCalls
                | OutKey::WorkflowToolCalls
                | OutKey::TraceCost
                | OutKey::ConversationCost
        )
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct KeyInfo {
    pub conversation: Option<u8>,
    pub user: Option<u8>,
    pub workflow_id: Option<u8>,
    pub workflow_type: Option<u8>,
    pub propagate: Option<u16>,
    pub fact: Option<Fact>,
    pub output: Option<OutKey>,
}

const FACTS: &[(&str, Fact)] = {
    use Fact::*;
    use TokenField::*;
    &[
        ("gen_ai.conversation.turn", Turn),
        ("gen_ai.conversation.turn_number", Turn),
        ("gen_ai.l9.span.kind", L9Kind),
        ("gen_ai.operation.name", Operation),
        ("openinference.span.kind", OpenInferenceKind),
        ("traceloop.span.kind", TraceloopKind),
        ("llm.request.type", LlmRequestType),
        ("langfuse.observation.type", LangfuseType),
        ("ai.operationId", VercelOperation),
        ("gen_ai.agent.name", AgentName),
        ("gen_ai.agent.id", AgentName),
        ("gen_ai.tool.name", ToolName),
        ("telemetry.sdk.name", SdkName),
        ("gen_ai.aggregated_usage.input_tokens", AggregatedTokens(Input)),
        ("gen_ai.aggregated_usage.output_tokens", AggregatedTokens(Output)),
        ("gen_ai.aggregated_usage.cache_read.input_tokens", AggregatedTokens(CacheRead)),
        ("gen_ai.aggregated_usage.cache_creation.input_tokens", AggregatedTokens(CacheWrite)),
        ("gen_ai.aggregated_usage.reasoning.output_tokens", AggregatedTokens(Reasoning)),
        ("langfuse.observation.usage_details", LangfuseUsage),
        ("gen_ai.response.id", ResponseId),
        ("ai.response.id", ResponseId),
        ("gen_ai.usage.cost_usd", CostUsd),
        ("gen_ai.l9.cost.status", CostStatus),
    ]
};

// Keys that carry the same fact, most trusted first: a span with several is read from the first present (a key's
// position is its rank). Kept apart from `FACTS` so that no rank is a hand-written number.

/// The provider that served a call.
const PROVIDER_KEYS: &[&str] =
    &["gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system", "ai.model.provider"];
/// The model a call asked for.
const REQUEST_MODEL_KEYS: &[&str] = &[
    "gen_ai.request.model",
    "llm.request.model_name",
    "langfuse.observation.model.name",
    "ai.model.id",
    "embedding.model_name",
];
/// The model that answered.
const RESPONSE_MODEL_KEYS: &[&str] =
    &["gen_ai.response.model", "llm.response.model_name", "llm.model_name", "ai.response.model"];
/// The service tier: what the response reports before what the request asked for.
const SERVICE_TIER_KEYS: &[&str] = &[
    "openai.response.service_tier",
    "gen_ai.response.service_tier",
    "openai.request.service_tier",
    "gen_ai.request.service_tier",
];
/// Token counts by field, each field's keys most trusted first.
const TOKEN_KEYS: &[(TokenField, &[&str])] = &[
    (
        TokenField::Input,
        &[
            "gen_ai.usage.input_tokens",
            "gen_ai.usage.prompt_tokens",
            "llm.token_count.prompt",
            "ai.usage.inputTokens",
            "ai.usage.promptTokens",
        ],
    ),
    (
        TokenField::Output,
        &[
            "gen_ai.usage.output_tokens",
            "gen_ai.usage.completion_tokens",
            "llm.token_count.completion",
            "ai.usage.outputTokens",
            "ai.usage.completionTokens",
        ],
    ),
    (
        TokenField::Total,
        &[
            "gen_ai.usage.total_tokens",
            "llm.usage.total_tokens",
            "llm.token_count.total",
            "ai.usage.totalTokens",
            "ai.usage.tokens",
        ],
    ),
    (
        TokenField::CacheRead,
        &[
            "gen_ai.usage.cache_read.input_tokens",
            "gen_ai.usage.cache_read_input_tokens",
            "llm.token_count.prompt_details.cache_read",
            "gen_ai.usage.prompt_tokens_details.cached_tokens",
            "ai.usage.inputTokenDetails.cacheReadTokens",
            "ai.usage.cachedInputTokens",
            // pydantic-ai: provider details under gen_ai.usage.details.*
            "gen_ai.usage.details.cache_read_tokens",
            "gen_ai.usage.details.cached_tokens",
            "gen_ai.usage.details.cache_read_input_tokens",
            // Sentry's SDKs: subsets of input / output, as in the semantic conventions
            "gen_ai.usage.input_tokens.cached",
            "gen_ai.usage.input_tokens_details.cached_tokens",
        ],
    ),
    (
        TokenField::CacheWrite,
        &[
            "gen_ai.usage.cache_creation.input_tokens",
            "gen_ai.usage.cache_write.input_tokens",
            "gen_ai.usage.cache_creation_input_tokens",
            "llm.token_count.prompt_details.cache_write",
            "gen_ai.usage.prompt_tokens_details.cache_creation_tokens",
            "ai.usage.inputTokenDetails.cacheWriteTokens",
            // Strands Agents
            "gen_ai.usage.cache_write_input_tokens",
            "gen_ai.usage.details.cache_write_tokens",
            "gen_ai.usage.details.cache_creation_input_tokens",
            "gen_ai.usage.input_tokens.cache_write",
            // OpenAI's usage objects flattened (Chat Completions, Responses): cache writes on newer models
            "gen_ai.usage.prompt_tokens_details.cache_write_tokens",
            "gen_ai.usage.input_tokens_details.cache_write_tokens",
        ],
    ),
    (
        TokenField::Reasoning,
        &[
            "gen_ai.usage.reasoning.output_tokens",
            "gen_ai.usage.reasoning_tokens",
            "llm.token_count.completion_details.reasoning",
            "llm.usage.reasoning_tokens",
            "ai.usage.reasoningTokens",
            "ai.usage.outputTokenDetails.reasoningTokens",
            "gen_ai.usage.completion_tokens_details.reasoning_tokens",
            "gen_ai.usage.details.reasoning_tokens",
            "gen_ai.usage.details.thinking_tokens",
            "gen_ai.usage.output_tokens.reasoning",
        ],
    ),
];

const OUTPUTS: &[(&str, OutKey)] = &[
    (out::CONVERSATION_ID, OutKey::ConversationId),
    (out::CONVERSATION_TURN, OutKey::Turn),
    (out::USER_ID, OutKey::UserId),
    (out::WORKFLOW_ID, OutKey::WorkflowId),
    (out::WORKFLOW_TYPE, OutKey::WorkflowType),
    (out::SPAN_KIND, OutKey::SpanKind),
    (out::COST_USD, OutKey::CostUsd),
    (out::COST_INPUT_USD, OutKey::CostInput),
    (out::COST_OUTPUT_USD, OutKey::CostOutput),
    (out::COST_STATUS, OutKey::CostStatus),
    (out::COST_CACHE_READ_USD, OutKey::CostCacheRead),
    (out::COST_CACHE_WRITE_USD, OutKey::CostCacheWrite),
    (out::COST_MODEL, OutKey::CostModel),
    (out::COST_SERVICE_TIER, OutKey::CostServiceTier),
    (out::WORKFLOW_TOTAL_COST_USD, OutKey::WorkflowTotal),
    (out::WORKFLOW_LLM_CALLS, OutKey::WorkflowLlmCalls),
    (out::WORKFLOW_TOOL_CALLS, OutKey::WorkflowToolCalls),
    (out::TRACE_COST_USD, OutKey::TraceCost),
    (out::CONVERSATION_COST_USD, OutKey::ConversationCost),
];

/// The configurable alias lists, in rank order (first = preferred).
#[derive(Debug, Clone)]
pub struct AliasLists {
    pub conversation: Vec<String>,
    pub user: Vec<String>,
    pub workflow_id: Vec<String>,
    pub workflow_type: Vec<String>,
    pub propagate: Vec<String>,
}

/// Position of a key in the key table: how a host that pre-filters attributes names them, and how patches name
/// the keys to write.
pub type KeyIndex = u16;

/// At most this many keys, fixed and configured together, so that every one has a `KeyIndex`.
pub const MAX_KEYS: usize = u16::MAX as usize;

/// Every key we care about, fixed and configured, in one table. Built once per processor; read-only afterwards.
pub struct KeyTable {
    map: HashMap<Box<[u8]>, KeyIndex, KeyHash>,
    keys: Vec<Box<str>>,
    infos: Vec<KeyInfo>,
    outputs: [KeyIndex; OUTPUTS.len()],
    propagate: Vec<KeyIndex>,
    generic_session: Option<KeyIndex>,
    /// A 1024-bit sketch of (length, a few bytes) of every key in `map`: most attributes of most spans
    /// (http.*, db.*, url.*) miss here for the price of a few loads, without hashing the whole key.
    sketch: [u64; 16],
}

#[inline]
fn sketch_bit(key: &[u8]) -> usize {
    let n = key.len();
    if n == 0 {
        return 0;
    }
    let mix = n.wrapping_mul(131)
        ^ usize::from(key[0]).wrapping_mul(31)
        ^ usize::from(key[n / 2]).wrapping_mul(7)
        ^ usize::from(key[n - 1]).wrapping_mul(1009);
    mix & 1023
}

impl KeyTable {
    /// The caller keeps the configured lists short enough that every key fits a `KeyIndex` (`Config` checks).
    pub fn new(aliases: &AliasLists) -> KeyTable {
        let mut t = KeyTable {
            map: HashMap::default(),
            keys: Vec::new(),
            infos: Vec::new(),
            outputs: [0; OUTPUTS.len()],
            propagate: Vec::new(),
            generic_session: None,
            sketch: [0; 16],
        };
        for &(k, f) in FACTS {
            t.slot(k).fact = Some(f);
        }
        let rank = |i: usize| u8::try_from(i).expect("fewer than 256 keys per fact");
        for (keys, fact) in [
            (PROVIDER_KEYS, Fact::Provider as fn(u8) -> Fact),
            (REQUEST_MODEL_KEYS, Fact::RequestModel),
            (RESPONSE_MODEL_KEYS, Fact::ResponseModel),
            (SERVICE_TIER_KEYS, Fact::ServiceTier),
        ] {
            for (i, k) in keys.iter().enumerate() {
                t.slot(k).fact = Some(fact(rank(i)));
            }
        }
        for &(field, keys) in TOKEN_KEYS {
            for (i, k) in keys.iter().enumerate() {
                t.slot(k).fact = Some(Fact::Tokens(field, rank(i)));
            }
        }
        for &(k, o) in OUTPUTS {
            t.slot(k).output = Some(o);
            t.outputs[o as usize] = t.map[k.as_bytes()];
        }
        let ranked =
            |list: &[String]| list.iter().enumerate().map(|(i, k)| (k.clone(), i.min(255) as u8)).collect::<Vec<_>>();
        for (k, r) in ranked(&aliases.conversation) {
            t.slot(&k).conversation = Some(r);
        }
        for (k, r) in ranked(&aliases.user) {
            t.slot(&k).user = Some(r);
        }
        for (k, r) in ranked(&aliases.workflow_id) {
            t.slot(&k).workflow_id = Some(r);
        }
        for (k, r) in ranked(&aliases.workflow_type) {
            t.slot(&k).workflow_type = Some(r);
        }
        for (i, k) in aliases.propagate.iter().enumerate() {
            t.slot(k).propagate = Some(i as u16);
            let index = t.map[k.as_bytes()];
            t.propagate.push(index);
        }
        t.generic_session = t.map.get(GENERIC_SESSION_KEY.as_bytes()).copied();
        for k in t.map.keys() {
            let b = sketch_bit(k);
            t.sketch[b / 64] |= 1 << (b % 64);
        }
        t
    }

    fn slot(&mut self, key: &str) -> &mut KeyInfo {
        let next = self.keys.len();
        let i = *self.map.entry(key.as_bytes().into()).or_insert_with(|| next.min(MAX_KEYS - 1) as KeyIndex);
        if usize::from(i) == next {
            self.keys.push(key.into());
            self.infos.push(KeyInfo::default());
        }
        &mut self.infos[usize::from(i)]
    }

    /// The key's index and meaning, if it is one we read or write.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<(KeyIndex, &KeyInfo)> {
        let b = sketch_bit(key);
        if self.sketch[b / 64] & (1 << (b % 64)) == 0 {
            return None;
        }
        self.map.get(key).map(|&i| (i, &self.infos[usize::from(i)]))
    }

    /// The meaning of the key at `index`; None past the end.
    #[inline]
    pub fn info(&self, index: KeyIndex) -> Option<&KeyInfo> {
        self.infos.get(usize::from(index))
    }

    pub fn key(&self, index: KeyIndex) -> &str {
        &self.keys[usize::from(index)]
    }

    /// Every key, by index: what a host forwards (and how patches name keys).
    pub fn keys(&self) -> &[Box<str>] {
        &self.keys
    }

    /// Where the output key `o` sits.
    pub fn output(&self, o: OutKey) -> KeyIndex {
        self.outputs[o as usize]
    }

    /// Where the `i`-th configured propagate key sits.
    pub fn propagate(&self, i: u16) -> KeyIndex {
        self.propagate[usize::from(i)]
    }

    /// `session.id` is generic: web and mobile traffic carries it on every request.
    pub fn is_generic_session(&self, index: KeyIndex) -> bool {
        self.generic_session == Some(index)
    }
}

/// The OTel session key browsers and mobile apps set on every request; a conversation id only on GenAI traces.
const GENERIC_SESSION_KEY: &str = "session.id";
