//! `pricing_file`: read it, tell its format from its shape, hand it to that format's loader.
//!
//! Two formats: LiteLLM's `model_prices_and_context_window.json` (an object of model names) and pydantic's
//! genai-prices `data.json` (a list of providers). Only an unreadable file, or one that is neither, fails; entries
//! inside either that cannot be priced are skipped and counted by the loaders.

use super::genai_prices::{self, GenaiPrices};
use super::litellm::{self, LiteLlmPrices};
use serde_json::Value;
use std::path::Path;

pub(crate) enum PriceFile {
    LiteLlm(LiteLlmPrices),
    GenaiPrices(GenaiPrices),
}

pub(crate) fn load(path: &Path) -> Result<PriceFile, String> {
    let text = std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let doc: Value = serde_json::from_slice(&text).map_err(|e| format!("{}: not valid JSON: {e}", path.display()))?;
    if genai_prices::is_genai_prices(&doc) {
        return genai_prices::parse(&doc).map(PriceFile::GenaiPrices).map_err(|e| format!("{}: {e}", path.display()));
    }
    match doc {
        Value::Object(map) => Ok(PriceFile::LiteLlm(litellm::parse_map(map))),
        other => Err(format!(
            "{}: expected a LiteLLM price file (a JSON object mapping model names to prices) or a genai-prices \
             data file (a JSON list of providers with models), got {}",
            path.display(),
            json_kind(&other)
        )),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_apart_and_errors_name_the_path() {
        let dir = std::env::temp_dir().join(format!("l9-price-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, text: &str| {
            let p = dir.join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let missing = dir.join("missing.json");
        let e = load(&missing).err().unwrap();
        assert!(e.starts_with(&format!("{}: cannot read", missing.display())), "{e}");

        let bad = write("bad.json", "{ not json");
        let e = load(&bad).err().unwrap();
        assert!(e.starts_with(&format!("{}: not valid JSON", bad.display())), "{e}");

        let arr = write("array.json", "[1, 2]");
        let e = load(&arr).err().unwrap();
        assert!(e.contains("expected a LiteLLM price file") && e.ends_with("got an array"), "{e}");

        let litellm = write("litellm.json", r#"{"m": {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}}"#);
        assert!(matches!(load(&litellm), Ok(PriceFile::LiteLlm(p)) if p.entries.len() == 1));

        let genai = write(
            "genai.json",
            r#"[{"id": "p", "name": "P", "api_pattern": "x", "models": [
                {"id": "m", "match": {"equals": "m"}, "prices": {"input_mtok": 1, "output_mtok": 2}}]}]"#,
        );
        assert!(matches!(load(&genai), Ok(PriceFile::GenaiPrices(g)) if g.models.len() == 1));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
