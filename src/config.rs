//! The JSON configuration: parsing, validation with errors that name the key, defaults.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::conventions::AliasLists;
use crate::pricing::ModelPrice;

#[derive(Debug, Clone, PartialEq, Eq)]
/// A configuration the core refuses; the message names the offending key.
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "last9_genai config: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

#[derive(Debug, Clone)]
/// The processor's configuration, parsed from the JSON the host passes (README "Core configuration").
pub struct Config {
    /// Inline prices by model name (`pricing`), the most authoritative source.
    pub pricing: Vec<(String, ModelPrice)>,
    /// A LiteLLM or genai-prices price file (`pricing_file`), over the embedded prices.
    pub pricing_file: Option<PathBuf>,
    /// Whether the embedded price table is used (`use_default_pricing`).
    pub use_default_pricing: bool,
    /// (alias, model) as configured under `model_aliases`.
    pub model_aliases: Vec<(String, String)>,
    /// Where conversation, user and workflow ids are found, and the keys to propagate.
    pub aliases: AliasLists,
    /// Conversations remembered (turn counters, running totals).
    pub max_conversations: usize,
    /// How long an idle conversation is remembered.
    pub conversation_ttl: Duration,
    /// Traces remembered between batches.
    pub max_traces: usize,
    /// How long an idle trace is remembered.
    pub trace_ttl: Duration,
    /// Spans all remembered traces hold together.
    pub max_remembered_spans: usize,
    /// Everything the state holds together (both tables and all they own), in bytes.
    pub max_state_bytes: usize,
    /// The front tier of a fleet: write only `gen_ai.conversation.id` (on every span of a trace that has one), so a
    /// router can send every trace of a conversation to one back replica, which does the rest.
    pub conversation_ids_only: bool,
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Every convention in the reference, most specific first: the first alias found on a trace wins.
pub const DEFAULT_CONVERSATION_KEYS: &[&str] = &[
    "gen_ai.conversation.id",
    "session.id",
    "langfuse.session.id",
    "traceloop.association.properties.session_id",
    "gen_ai.session.id",
    "ai.telemetry.metadata.sessionId",
];
pub const DEFAULT_USER_KEYS: &[&str] = &[
    "user.id",
    "langfuse.user.id",
    "traceloop.association.properties.user_id",
    "gen_ai.user.id",
    "ai.telemetry.metadata.userId",
    "enduser.id",
];
/// Workflow names double as ids when a convention has no separate instance id: the instance is then the
/// workflow's top span within its trace.
pub const DEFAULT_WORKFLOW_ID_KEYS: &[&str] = &[
    "workflow.id",
    "traceloop.workflow.name",
    "gen_ai.workflow.name",
    "ai.telemetry.functionId",
    "langfuse.trace.name",
];
pub const DEFAULT_WORKFLOW_TYPE_KEYS: &[&str] = &[
    "workflow.type",
    "traceloop.workflow.name",
    "gen_ai.workflow.name",
    "ai.telemetry.functionId",
    "langfuse.trace.name",
];

impl Default for Config {
    fn default() -> Self {
        Config {
            pricing: Vec::new(),
            pricing_file: None,
            use_default_pricing: true,
            model_aliases: Vec::new(),
            aliases: AliasLists {
                conversation: strings(DEFAULT_CONVERSATION_KEYS),
                user: strings(DEFAULT_USER_KEYS),
                workflow_id: strings(DEFAULT_WORKFLOW_ID_KEYS),
                workflow_type: strings(DEFAULT_WORKFLOW_TYPE_KEYS),
                propagate: Vec::new(),
            },
            max_conversations: 100_000,
            conversation_ttl: Duration::from_secs(24 * 3600),
            max_traces: 50_000,
            trace_ttl: Duration::from_secs(300),
            // About 120 bytes each (a 96-byte SpanMemo plus its table slot): ~120 MB however large traces get.
            max_remembered_spans: 1_000_000,
            max_state_bytes: 256 << 20,
            conversation_ids_only: false,
        }
    }
}

impl Config {
    /// The defaults of the scalar keys as configuration JSON, for hosts that show or fill in defaults (the Go shim's
    /// default configuration comes from here, so every default is defined once, in `Default`).
    pub fn defaults_json() -> String {
        let d = Config::default();
        serde_json::json!({
            "use_default_pricing": d.use_default_pricing,
            "max_conversations": d.max_conversations,
            "conversation_ttl_seconds": d.conversation_ttl.as_secs_f64(),
            "max_traces": d.max_traces,
            "trace_ttl_seconds": d.trace_ttl.as_secs_f64(),
            "max_remembered_spans": d.max_remembered_spans,
            "max_state_mib": d.max_state_bytes >> 20,
            "conversation_ids_only": d.conversation_ids_only,
        })
        .to_string()
    }
}

const KEYS: &[&str] = &[
    "pricing",
    "pricing_file",
    "use_default_pricing",
    "model_aliases",
    "conversation_id_keys",
    "user_id_keys",
    "workflow_id_keys",
    "workflow_type_keys",
    "propagate_keys",
    "max_conversations",
    "conversation_ttl_seconds",
    "max_traces",
    "trace_ttl_seconds",
    "max_remembered_spans",
    "max_state_mib",
    "conversation_ids_only",
];

fn err<T>(msg: String) -> Result<T, ConfigError> {
    Err(ConfigError(msg))
}

fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 60 {
        format!("{}…", &s[..s.char_indices().nth(57).map_or(s.len(), |(i, _)| i)])
    } else {
        s
    }
}

fn string_list(key: &str, v: &Value) -> Result<Vec<String>, ConfigError> {
    let Value::Array(items) = v else {
        return err(format!("{key}: expected a list of attribute keys, got {}", show(v)));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item.as_str() {
            Some(s) if !s.trim().is_empty() => out.push(s.to_string()),
            _ => return err(format!("{key}[{i}]: expected a non-empty attribute key, got {}", show(item))),
        }
    }
    Ok(out)
}

fn positive_count(key: &str, v: &Value) -> Result<usize, ConfigError> {
    match v.as_u64() {
        Some(n) if n > 0 => Ok(n as usize),
        _ => err(format!("{key}: expected a whole number greater than 0, got {}", show(v))),
    }
}

fn seconds(key: &str, v: &Value) -> Result<Duration, ConfigError> {
    match v.as_f64() {
        Some(s) if (1.0..=365.0 * 86_400.0).contains(&s) => Ok(Duration::from_secs_f64(s)),
        _ => err(format!("{key}: expected a number of seconds from 1 to 31536000, got {}", show(v))),
    }
}

impl Config {
    /// Parses the JSON the host passes. Empty input and `{}` mean all defaults; `null` values mean "default".
    pub fn from_json(bytes: &[u8]) -> Result<Config, ConfigError> {
        let text = std::str::from_utf8(bytes).map_err(|e| ConfigError(format!("not UTF-8: {e}")))?;
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        let root: Value = serde_json::from_str(text).map_err(|e| ConfigError(format!("not valid JSON: {e}")))?;
        let Value::Object(map) = root else {
            return err(format!("expected a JSON object at the top level, got {}", show(&root)));
        };
        Config::from_map(&map)
    }

    fn from_map(map: &Map<String, Value>) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        for (key, v) in map {
            if v.is_null() {
                continue;
            }
            match key.as_str() {
                "pricing" => {
                    let Value::Object(models) = v else {
                        return err(format!("pricing: expected an object of model name -> prices, got {}", show(v)));
                    };
                    for (model, price) in models {
                        if model.trim().is_empty() {
                            return err("pricing: a model name is empty".into());
                        }
                        let p =
                            ModelPrice::from_config_json(&format!("pricing.{model}"), price).map_err(ConfigError)?;
                        c.pricing.push((model.clone(), p));
                    }
                }
                "model_aliases" => {
                    let Value::Object(pairs) = v else {
                        return err(format!("model_aliases: expected an object of name -> model, got {}", show(v)));
                    };
                    for (alias, model) in pairs {
                        let Some(model) = model.as_str() else {
                            return err(format!(
                                "model_aliases.{alias}: expected a model name string, got {}",
                                show(model)
                            ));
                        };
                        c.model_aliases.push((alias.clone(), model.to_owned()));
                    }
                    crate::pricing::ModelAliases::new(&c.model_aliases, "model_aliases").map_err(ConfigError)?;
                }
                "pricing_file" => match v.as_str() {
                    Some("") => c.pricing_file = None,
                    Some(p) => c.pricing_file = Some(PathBuf::from(p)),
                    None => return err(format!("pricing_file: expected a file path string, got {}", show(v))),
                },
                "conversation_ids_only" => {
                    c.conversation_ids_only = v.as_bool().ok_or_else(|| {
                        ConfigError(format!("conversation_ids_only: expected true or false, got {}", show(v)))
                    })?
                }
                "use_default_pricing" => {
                    c.use_default_pricing = v.as_bool().ok_or_else(|| {
                        ConfigError(format!("use_default_pricing: expected true or false, got {}", show(v)))
                    })?
                }
                "conversation_id_keys" => c.aliases.conversation = string_list(key, v)?,
                "user_id_keys" => c.aliases.user = string_list(key, v)?,
                "workflow_id_keys" => c.aliases.workflow_id = string_list(key, v)?,
                "workflow_type_keys" => c.aliases.workflow_type = string_list(key, v)?,
                "propagate_keys" => c.aliases.propagate = string_list(key, v)?,
                "max_conversations" => c.max_conversations = positive_count(key, v)?,
                "max_traces" => c.max_traces = positive_count(key, v)?,
                "max_remembered_spans" => c.max_remembered_spans = positive_count(key, v)?,
                "max_state_mib" => {
                    let mib = positive_count(key, v)?;
                    if mib > 1 << 20 {
                        return err(format!("{key}: expected at most 1048576 (1 TiB), got {mib}"));
                    }
                    c.max_state_bytes = mib << 20;
                }
                "conversation_ttl_seconds" => c.conversation_ttl = seconds(key, v)?,
                "trace_ttl_seconds" => c.trace_ttl = seconds(key, v)?,
                other => {
                    return err(format!("{other}: unknown key; expected one of {}", KEYS.join(", ")));
                }
            }
        }
        if c.aliases.propagate.len() > u16::MAX as usize {
            return err("propagate_keys: at most 65535 keys".into());
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's core configuration table: key -> default cell, exactly as written.
    fn readme_defaults() -> Vec<(String, String)> {
        let readme = include_str!("../README.md");
        let section = readme.split("## Core configuration (JSON)").nth(1).unwrap();
        let section = section.split("\n## ").next().unwrap();
        section
            .lines()
            .filter_map(|l| {
                let cells: Vec<&str> = l.split(" | ").collect();
                let key = cells.first()?.strip_prefix("| `")?.strip_suffix('`')?;
                Some((key.to_owned(), cells.get(2)?.to_string()))
            })
            .collect()
    }

    #[test]
    fn the_readme_lists_every_key_with_the_codes_default() {
        let rows = readme_defaults();
        let mut keys: Vec<&str> = rows.iter().map(|(k, _)| k.as_str()).collect();
        let mut known = KEYS.to_vec();
        keys.sort_unstable();
        known.sort_unstable();
        assert_eq!(keys, known, "the README core table has a row per key");
        let d = Config::default();
        let listed = |keys: &[&str]| keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
        let want = |key: &str| -> String {
            match key {
                "pricing" | "model_aliases" => "`{}`".into(),
                "pricing_file" => "none".into(),
                "use_default_pricing" => format!("`{}`", d.use_default_pricing),
                "conversation_ids_only" => format!("`{}`", d.conversation_ids_only),
                "conversation_id_keys" => listed(DEFAULT_CONVERSATION_KEYS),
                "user_id_keys" => listed(DEFAULT_USER_KEYS),
                "workflow_id_keys" => listed(DEFAULT_WORKFLOW_ID_KEYS),
                "workflow_type_keys" => listed(DEFAULT_WORKFLOW_TYPE_KEYS),
                "propagate_keys" => "`[]`".into(),
                "max_conversations" => d.max_conversations.to_string(),
                "conversation_ttl_seconds" => d.conversation_ttl.as_secs().to_string(),
                "max_traces" => d.max_traces.to_string(),
                "trace_ttl_seconds" => d.trace_ttl.as_secs().to_string(),
                "max_remembered_spans" => d.max_remembered_spans.to_string(),
                "max_state_mib" => (d.max_state_bytes >> 20).to_string(),
                other => panic!("no default known for {other}"),
            }
        };
        for (key, cell) in &rows {
            assert_eq!(cell, &want(key), "README default of {key}");
        }
        let embedded = crate::pricing::PriceTable::build(Vec::new(), None, true).unwrap().len();
        let readme = include_str!("../README.md");
        for claim in [format!("embedded table of {embedded} current models"), format!("core: {embedded} current")] {
            assert!(readme.contains(&claim), "README says {claim:?}");
        }
    }

    fn error_of(json: &str) -> String {
        Config::from_json(json.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn the_defaults_document_is_a_configuration_of_the_defaults() {
        let c = Config::from_json(Config::defaults_json().as_bytes()).unwrap();
        let d = Config::default();
        assert_eq!(
            (c.max_conversations, c.conversation_ttl, c.max_traces, c.trace_ttl, c.max_remembered_spans),
            (d.max_conversations, d.conversation_ttl, d.max_traces, d.trace_ttl, d.max_remembered_spans)
        );
        assert_eq!((c.max_state_bytes, c.use_default_pricing, c.conversation_ids_only), (256 << 20, true, false));
    }

    #[test]
    fn empty_and_braces_mean_defaults() {
        for j in ["", "{}", "  ", r#"{"pricing": null}"#] {
            let c = Config::from_json(j.as_bytes()).unwrap();
            assert!(c.use_default_pricing);
            assert_eq!(c.max_traces, 50_000);
            assert_eq!(c.aliases.conversation[1], "session.id");
        }
    }

    #[test]
    fn errors_name_the_key() {
        assert!(error_of(r#"{"max_trace": 5}"#).contains("max_trace: unknown key"));
        assert!(error_of(r#"{"max_traces": 0}"#).contains("max_traces: expected a whole number greater than 0, got 0"));
        assert!(error_of(r#"{"trace_ttl_seconds": "5m"}"#).contains("trace_ttl_seconds: expected a number of seconds"));
        assert!(error_of(r#"{"user_id_keys": ["a", 3]}"#)
            .contains("user_id_keys[1]: expected a non-empty attribute key, got 3"));
        assert!(error_of(r#"{"use_default_pricing": "yes"}"#).contains("use_default_pricing: expected true or false"));
        assert!(error_of(r#"{"pricing": {"m": {"input": -1, "output": 1}}}"#).contains("pricing.m.input"));
        assert!(error_of("[1]").contains("expected a JSON object"));
        assert!(error_of("{").contains("not valid JSON"));
    }

    #[test]
    fn reads_every_key() {
        let c = Config::from_json(
            br#"{"pricing": {"acme": {"input": 1, "output": 2}}, "pricing_file": "/tmp/p.json",
                "use_default_pricing": false, "conversation_id_keys": ["thread.id"], "user_id_keys": ["u"],
                "workflow_id_keys": ["w"], "workflow_type_keys": ["t"], "propagate_keys": ["custom.tenant"],
                "max_conversations": 7, "conversation_ttl_seconds": 60, "max_traces": 9, "trace_ttl_seconds": 2.5,
                "max_remembered_spans": 11, "max_state_mib": 64}"#,
        )
        .unwrap();
        assert_eq!(c.pricing.len(), 1);
        assert_eq!(c.pricing_file.as_deref(), Some(std::path::Path::new("/tmp/p.json")));
        assert!(!c.use_default_pricing);
        assert_eq!(c.aliases.conversation, vec!["thread.id"]);
        assert_eq!(c.aliases.propagate, vec!["custom.tenant"]);
        assert_eq!((c.max_conversations, c.max_traces, c.max_remembered_spans), (7, 9, 11));
        assert_eq!(c.max_state_bytes, 64 << 20);
        assert_eq!(c.trace_ttl, Duration::from_millis(2500));
    }
}
