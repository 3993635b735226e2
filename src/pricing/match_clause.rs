//! The model- and provider-matching clauses of pydantic's genai-prices files: `equals`, `starts_with`, `ends_with`,
//! `contains`, `regex`, and `or` / `and` of them, compared case-insensitively (the file's own rule: a model
//! reference is lowercased before matching).

use serde_json::Value;

/// Nesting deeper than this is no price file anyone wrote; refusing it keeps a hostile file from exhausting the stack.
const MAX_CLAUSE_DEPTH: usize = 16;

#[derive(Debug, Clone)]
pub(crate) enum Clause {
    Equals(Box<str>),
    StartsWith(Box<str>),
    EndsWith(Box<str>),
    Contains(Box<str>),
    Regex(regex_lite::Regex),
    Or(Box<[Clause]>),
    And(Box<[Clause]>),
}

impl Clause {
    /// Reads a clause object; the error says what was wrong, the caller says where.
    pub(crate) fn parse(v: &Value) -> Result<Clause, String> {
        Self::parse_at(v, 0)
    }

    fn parse_at(v: &Value, depth: usize) -> Result<Clause, String> {
        if depth > MAX_CLAUSE_DEPTH {
            return Err(format!("match clauses nested deeper than {MAX_CLAUSE_DEPTH}"));
        }
        let obj = v.as_object().filter(|o| o.len() == 1).ok_or_else(|| format!("expected one clause, got {v}"))?;
        let (kind, arg) = obj.iter().next().expect("one entry");
        let text = || {
            arg.as_str()
                .map(|s| s.to_ascii_lowercase().into_boxed_str())
                .ok_or_else(|| format!("{kind}: expected a string"))
        };
        let list = || -> Result<Box<[Clause]>, String> {
            let items = arg.as_array().ok_or_else(|| format!("{kind}: expected a list of clauses"))?;
            items.iter().map(|c| Self::parse_at(c, depth + 1)).collect()
        };
        Ok(match kind.as_str() {
            "equals" => Clause::Equals(text()?),
            "starts_with" => Clause::StartsWith(text()?),
            "ends_with" => Clause::EndsWith(text()?),
            "contains" => Clause::Contains(text()?),
            "regex" => {
                let pattern = arg.as_str().ok_or("regex: expected a string")?;
                // The file's regexes are Python's, searched in the lowercased reference: case-insensitive is the
                // same answer for the names it is meant for.
                let re = regex_lite::RegexBuilder::new(pattern)
                    .case_insensitive(true)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| format!("regex {pattern:?}: {e}"))?;
                Clause::Regex(re)
            }
            "or" => Clause::Or(list()?),
            "and" => Clause::And(list()?),
            other => return Err(format!("unknown clause {other:?}")),
        })
    }

    /// Whether the clause matches `lower`, an ASCII-lowercased name.
    pub(crate) fn matches(&self, lower: &str) -> bool {
        match self {
            Clause::Equals(s) => lower == &**s,
            Clause::StartsWith(s) => lower.starts_with(&**s),
            Clause::EndsWith(s) => lower.ends_with(&**s),
            Clause::Contains(s) => lower.contains(&**s),
            Clause::Regex(re) => re.is_match(lower),
            Clause::Or(list) => list.iter().any(|c| c.matches(lower)),
            Clause::And(list) => list.iter().all(|c| c.matches(lower)),
        }
    }

    /// Splits a model's clause into the exact names it lists (top-level `equals` or `equals` directly under the
    /// top-level `or`: the table indexes them like keys) and what must still be evaluated, if anything.
    pub(crate) fn split_exact(self) -> (Vec<Box<str>>, Option<Clause>) {
        match self {
            Clause::Equals(s) => (vec![s], None),
            Clause::Or(list) => {
                let mut names = Vec::new();
                let mut rest = Vec::new();
                for c in list.into_vec() {
                    match c {
                        Clause::Equals(s) => names.push(s),
                        other => rest.push(other),
                    }
                }
                let rest = match rest.len() {
                    0 => None,
                    1 => rest.pop(),
                    _ => Some(Clause::Or(rest.into_boxed_slice())),
                };
                (names, rest)
            }
            other => (Vec::new(), Some(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn clause(v: Value) -> Clause {
        Clause::parse(&v).unwrap()
    }

    #[test]
    fn clauses_match_case_insensitively() {
        let c = clause(json!({"or": [{"starts_with": "MiniMax-M"}, {"equals": "minimax-01"}]}));
        assert!(c.matches("minimax-m2"));
        assert!(c.matches("minimax-01"));
        assert!(!c.matches("minimax-02"));
        let c = clause(json!({"and": [{"contains": "huggingface"}, {"contains": "groq"}]}));
        assert!(c.matches("huggingface-groq"));
        assert!(!c.matches("groq"));
        assert!(clause(json!({"ends_with": "-INSTRUCT"})).matches("llama-3-instruct"));
        let re = clause(json!({"regex": "^gpt-5\\.6-luna-\\d{4}-\\d{2}-\\d{2}$"}));
        assert!(re.matches("gpt-5.6-luna-2026-07-30"));
        assert!(!re.matches("gpt-5x6-luna-2026-07-30"));
        assert!(clause(json!({"regex": "(?:mi|code|dev|magi|mini)stral"})).matches("codestral-latest"));
    }

    #[test]
    fn exact_names_are_split_from_the_rest() {
        let (names, rest) = clause(json!({"or": [{"equals": "GPT-4o"}, {"starts_with": "gpt-4o-2024"}]})).split_exact();
        assert_eq!(names, vec![Box::from("gpt-4o")]);
        assert!(rest.unwrap().matches("gpt-4o-2024-11-20"));
        let (names, rest) = clause(json!({"equals": "o3"})).split_exact();
        assert_eq!((names.len(), rest.is_none()), (1, true));
        let (names, rest) = clause(json!({"contains": "claude"})).split_exact();
        assert_eq!((names.len(), rest.is_some()), (0, true));
    }

    #[test]
    fn bad_clauses_say_what_is_wrong() {
        let err = |v: Value| Clause::parse(&v).unwrap_err();
        assert!(err(json!({"like": "x"})).contains("unknown clause \"like\""));
        assert!(err(json!({"regex": "("})).starts_with("regex \"(\":"));
        assert!(err(json!({"equals": 3})).contains("equals: expected a string"));
        assert!(err(json!({"or": {}})).contains("expected a list"));
        assert!(err(json!({"equals": "a", "contains": "b"})).contains("expected one clause"));
        let mut deep = json!({"equals": "x"});
        for _ in 0..20 {
            deep = json!({"or": [deep]});
        }
        assert!(err(deep).contains("nested deeper"));
    }
}
