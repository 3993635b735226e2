//! One normalised GenAI view of one span, whatever convention wrote it.

use std::borrow::Cow;

use super::count::count_of;
use super::keys::{Fact, KeyIndex, KeyTable, OutKey};
use super::kind::{Kind, VercelRole};
use super::usage::{parse_usage_json, RawUsage};
use crate::batch::Batch;
use crate::contract::CostStatus;
use crate::wire::AnyValue;

/// An identifier found under one of its configured aliases; `rank` is the alias's position in its list.
#[derive(Debug, Clone)]
pub struct Ranked<'a> {
    pub rank: u8,
    pub value: Cow<'a, str>,
}

#[derive(Debug, Default)]
pub struct SpanFacts<'a> {
    pub conversation: Option<Ranked<'a>>,
    /// Some conversation alias on this span is GenAI-specific (anything but the generic `session.id`).
    pub conversation_key_is_genai: bool,
    pub user: Option<Ranked<'a>>,
    pub workflow_id: Option<Ranked<'a>>,
    pub workflow_type: Option<Ranked<'a>>,
    /// Configured custom keys: (index in the list, encoded AnyValue) — copied with their type.
    pub propagate: Vec<(u16, &'a [u8])>,
    pub turn: Option<u64>,
    /// The resolved kind and the rank of the convention it came from (0 = the SDK's own value).
    pub kind: Option<(u8, Kind)>,
    /// A call that wraps provider calls and repeats their summed usage (Vercel's outer ai.generateText).
    pub aggregate: bool,
    pub provider: Option<(u8, &'a str)>,
    pub request_model: Option<(u8, &'a str)>,
    pub response_model: Option<(u8, &'a str)>,
    pub usage: RawUsage,
    pub response_id: Option<&'a str>,
    pub service_tier: Option<(u8, &'a str)>,
    pub provided_cost: Option<f64>,
    /// The cost status an upstream last9_genai already wrote (a collector tier before this one).
    pub upstream_status: Option<CostStatus>,
    /// Output keys the span already has (bit = OutKey as u8).
    pub present: u32,
    /// Values of known keys this span carries that could not be read (not text, not a count, bad JSON).
    pub unreadable: u32,
    /// Some token count on this span could not be read.
    pub usage_unreadable: bool,
    /// Roll-up keys the span already has, with where each entry sits (OTLP input), to be replaced rather than
    /// duplicated.
    pub rollup_entries: Vec<(KeyIndex, (usize, usize))>,
}

impl<'a> SpanFacts<'a> {
    pub fn has(&self, k: OutKey) -> bool {
        self.present & (1 << k as u8) != 0
    }

    /// Response model before request model: the response names the snapshot that actually ran.
    pub fn model(&self) -> Option<&'a str> {
        self.response_model.or(self.request_model).map(|(_, m)| m)
    }

    /// Anything that makes a span (and so its trace) GenAI content worth remembering. A user id, or a generic
    /// `session.id`, alone is not: web and mobile traffic carries them on every request, and copying them
    /// through non-LLM traces would cost memory and add noise. On a trace that has GenAI content they still count.
    pub fn is_relevant(&self) -> bool {
        self.kind.is_some()
            || !self.usage.is_empty()
            || (self.conversation.is_some() && self.conversation_key_is_genai)
            || self.workflow_id.is_some()
            || self.workflow_type.is_some()
            || !self.propagate.is_empty()
            || self.provided_cost.is_some()
            || self.turn.is_some()
    }
}

/// Where a span's kind came from, best first (`SpanFacts::kind` keeps the best): the SDK's own value wins.
pub mod kind_rank {
    pub const L9_SDK: u8 = 0;
    pub const OPERATION: u8 = 1;
    pub const OPENINFERENCE: u8 = 2;
    pub const TRACELOOP: u8 = 3;
    pub const LLM_REQUEST_TYPE: u8 = 4;
    pub const LANGFUSE: u8 = 5;
    pub const VERCEL: u8 = 6;
    pub const INFERRED: u8 = 7;
}

fn keep_best<'a>(slot: &mut Option<Ranked<'a>>, rank: u8, v: AnyValue<'a>) {
    if slot.as_ref().is_some_and(|s| s.rank <= rank) {
        return;
    }
    let value = match v {
        AnyValue::Str(s) if !s.is_empty() => Cow::Borrowed(s),
        AnyValue::Int(i) => Cow::Owned(i.to_string()),
        _ => return,
    };
    *slot = Some(Ranked { rank, value });
}

fn keep_str<'a>(slot: &mut Option<(u8, &'a str)>, rank: u8, v: AnyValue<'a>) {
    if let Some(s) = v.as_str().filter(|s| !s.is_empty()) {
        if slot.map_or(true, |(r, _)| rank < r) {
            *slot = Some((rank, s));
        }
    }
}

fn keep_kind(slot: &mut Option<(u8, Kind)>, rank: u8, kind: Option<Kind>) {
    if let Some(k) = kind {
        if slot.map_or(true, |(r, _)| rank < r) {
            *slot = Some((rank, k));
        }
    }
}

/// Reads a span's attributes once, keeping only what some decision needs. A value that cannot be read is counted
/// (`unreadable`) and left as it is.
pub fn read_span<'a, B: Batch<'a>>(keys: &KeyTable, batch: &B, i: usize) -> SpanFacts<'a> {
    let mut f = SpanFacts::default();
    read_span_into(keys, batch, i, &mut f);
    f
}

/// `read_span` into a default `SpanFacts` the caller already holds.
pub fn read_span_into<'a, B: Batch<'a>>(keys: &KeyTable, batch: &B, i: usize, f: &mut SpanFacts<'a>) {
    let mut vercel: Option<(Kind, VercelRole)> = Kind::from_vercel(batch.head(i).name);
    let (mut names_agent, mut names_tool, mut openlit) = (false, false, false);
    batch.known_attrs(i, keys, |kv| {
        let info = kv.info;
        let Some(v) = kv.value() else {
            f.unreadable += 1;
            return;
        };
        let text_like = matches!(v, AnyValue::Str(_) | AnyValue::Int(_) | AnyValue::Empty);
        if (info.conversation.is_some() || info.user.is_some() || info.workflow_id.is_some()) && !text_like {
            f.unreadable += 1;
        }
        if let Some(r) = info.conversation {
            keep_best(&mut f.conversation, r, v);
            f.conversation_key_is_genai |= !keys.is_generic_session(kv.index) && f.conversation.is_some();
        }
        if let Some(r) = info.user {
            keep_best(&mut f.user, r, v);
        }
        if let Some(r) = info.workflow_id {
            keep_best(&mut f.workflow_id, r, v);
        }
        if let Some(r) = info.workflow_type {
            keep_best(&mut f.workflow_type, r, v);
        }
        if let Some(i) = info.propagate {
            if !matches!(v, AnyValue::Empty) {
                f.propagate.push((i, kv.value_bytes));
            }
        }
        if let Some(o) = info.output {
            f.present |= 1 << o as u8;
            if o.is_rollup() {
                f.rollup_entries.push((kv.index, kv.range));
            }
        }
        let Some(fact) = info.fact else { return };
        let s = v.as_str().unwrap_or("");
        match fact {
            Fact::Turn => f.turn = f.turn.or(count_of(&v).filter(|&t| t > 0)),
            Fact::L9Kind => keep_kind(&mut f.kind, kind_rank::L9_SDK, Kind::from_l9(s)),
            Fact::Operation => keep_kind(&mut f.kind, kind_rank::OPERATION, Kind::from_operation(s)),
            Fact::OpenInferenceKind => keep_kind(&mut f.kind, kind_rank::OPENINFERENCE, Kind::from_openinference(s)),
            Fact::TraceloopKind => keep_kind(&mut f.kind, kind_rank::TRACELOOP, Kind::from_traceloop(s)),
            Fact::LlmRequestType => keep_kind(&mut f.kind, kind_rank::LLM_REQUEST_TYPE, Kind::from_llm_request_type(s)),
            Fact::LangfuseType => keep_kind(&mut f.kind, kind_rank::LANGFUSE, Kind::from_langfuse(s)),
            Fact::VercelOperation => vercel = Kind::from_vercel(s).or(vercel),
            Fact::AgentName => names_agent = true,
            Fact::ToolName => names_tool = true,
            Fact::SdkName => openlit = s == "openlit",
            Fact::Provider(r) | Fact::RequestModel(r) | Fact::ResponseModel(r) | Fact::ServiceTier(r) => {
                if !matches!(v, AnyValue::Str(_) | AnyValue::Empty) {
                    f.unreadable += 1;
                }
                let slot = match fact {
                    Fact::Provider(_) => &mut f.provider,
                    Fact::RequestModel(_) => &mut f.request_model,
                    Fact::ServiceTier(_) => &mut f.service_tier,
                    _ => &mut f.response_model,
                };
                keep_str(slot, r, v);
            }
            Fact::Tokens(field, r) => match count_of(&v) {
                Some(n) => f.usage.set(field, r, n),
                None => {
                    f.unreadable += u32::from(v != AnyValue::Empty);
                    f.usage_unreadable |= v != AnyValue::Empty;
                }
            },
            Fact::AggregatedTokens(field) => match count_of(&v) {
                Some(n) => {
                    // Ranked below every per-call key; the span is marked as an aggregate, never billed.
                    f.usage.set(field, 7, n);
                    f.aggregate = true;
                }
                None => f.unreadable += u32::from(v != AnyValue::Empty),
            },
            Fact::LangfuseUsage => {
                if !s.is_empty() && !parse_usage_json(s, &mut f.usage) {
                    f.unreadable += 1;
                    f.usage_unreadable = true;
                }
            }
            Fact::ResponseId => {
                if !s.is_empty() && f.response_id.is_none() {
                    f.response_id = Some(s);
                }
            }
            Fact::CostUsd => f.provided_cost = v.as_f64(),
            Fact::CostStatus => f.upstream_status = CostStatus::parse(s),
        }
    });
    if openlit && f.provider.is_some_and(|(_, p)| p.to_ascii_lowercase().contains("anthropic")) {
        // OpenLIT copies Anthropic's raw usage: input_tokens without the cache reads and writes beside it.
        f.usage.input_excludes_cache = true;
    }
    if let Some((kind, role)) = vercel {
        keep_kind(&mut f.kind, kind_rank::VERCEL, Some(kind));
        f.aggregate |= role == VercelRole::Aggregate;
    }
    if f.kind.is_none() {
        // No convention named the kind. Summed usage (pydantic-ai's agent run) means an agent; usage of its own
        // means a model call (a custom wrapper, an older SDK); otherwise an agent or tool name tells.
        f.kind = if f.aggregate {
            Some((kind_rank::INFERRED, Kind::Agent))
        } else if !f.usage.is_empty() {
            Some((kind_rank::INFERRED, Kind::Llm))
        } else if names_tool {
            Some((kind_rank::INFERRED, Kind::Tool))
        } else if names_agent {
            Some((kind_rank::INFERRED, Kind::Agent))
        } else {
            None
        };
    }
}
