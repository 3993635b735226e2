//! `model_aliases`: names that carry no model (Azure deployment names, Bedrock application inference profile ARNs)
//! mapped to the model they run, before the price lookup.

use super::model_match::ascii_lowercase;
use std::collections::HashMap;

/// Case-insensitive. A key ending in `*` is a prefix; the longest matching prefix wins, and an exact key wins
/// over every prefix.
#[derive(Debug, Clone, Default)]
pub struct ModelAliases {
    exact: HashMap<Box<str>, Box<str>>,
    /// Longest first.
    prefixes: Vec<(Box<str>, Box<str>)>,
}

const STACK_LOWERCASE: usize = 256;

impl ModelAliases {
    /// From `(alias, model)` pairs as configured; `key` prefixes errors (`model_aliases`).
    pub fn new(pairs: &[(String, String)], key: &str) -> Result<ModelAliases, String> {
        let mut a = ModelAliases::default();
        for (alias, model) in pairs {
            let (alias, model) = (alias.trim().to_ascii_lowercase(), model.trim());
            if model.is_empty() {
                return Err(format!("{key}.{alias}: the model it stands for is empty"));
            }
            match alias.strip_suffix('*') {
                Some("") => return Err(format!("{key}: a prefix alias must have at least one character before *")),
                Some(prefix) => a.prefixes.push((prefix.into(), model.into())),
                None if alias.is_empty() => return Err(format!("{key}: an alias is empty")),
                None => {
                    a.exact.insert(alias.into(), model.into());
                }
            }
        }
        a.prefixes.sort_by(|x, y| y.0.len().cmp(&x.0.len()).then_with(|| x.0.cmp(&y.0)));
        Ok(a)
    }

    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.prefixes.is_empty()
    }

    /// The model `name` stands for, if it is an alias.
    pub fn resolve(&self, name: &str) -> Option<&str> {
        if self.is_empty() {
            return None;
        }
        let mut buf = [0u8; STACK_LOWERCASE];
        let lower = ascii_lowercase(name.trim(), &mut buf);
        if let Some(m) = self.exact.get(&*lower) {
            return Some(m);
        }
        self.prefixes.iter().find(|(p, _)| lower.starts_with(&**p)).map(|(_, m)| &**m)
    }

    /// Every model the aliases name, to check that each has a price.
    pub fn targets(&self) -> impl Iterator<Item = (&str, &str)> {
        self.exact.iter().map(|(a, m)| (&**a, &**m)).chain(self.prefixes.iter().map(|(a, m)| (&**a, &**m)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aliases(pairs: &[(&str, &str)]) -> ModelAliases {
        let pairs: Vec<_> = pairs.iter().map(|(a, m)| (a.to_string(), m.to_string())).collect();
        ModelAliases::new(&pairs, "model_aliases").unwrap()
    }

    #[test]
    fn exact_then_longest_prefix() {
        let a = aliases(&[
            ("prod-chat", "gpt-4o"),
            ("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/*", "claude-sonnet-4"),
            ("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc*", "claude-haiku-4-5"),
        ]);
        assert_eq!(a.resolve("Prod-Chat"), Some("gpt-4o"));
        assert_eq!(a.resolve("prod-chat-2"), None);
        let arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/";
        assert_eq!(a.resolve(&format!("{arn}xyz9")), Some("claude-sonnet-4"));
        assert_eq!(a.resolve(&format!("{arn}abc1")), Some("claude-haiku-4-5"));
        assert_eq!(a.resolve("gpt-4o"), None);
    }

    #[test]
    fn bad_aliases_are_named() {
        let e = ModelAliases::new(&[("x".into(), " ".into())], "model_aliases").unwrap_err();
        assert_eq!(e, "model_aliases.x: the model it stands for is empty");
        let e = ModelAliases::new(&[("*".into(), "gpt-4o".into())], "model_aliases").unwrap_err();
        assert!(e.contains("prefix alias"), "{e}");
    }
}
