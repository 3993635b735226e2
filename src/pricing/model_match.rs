//! Model-name normalisation: the names one model string may be known by in a price table, most specific first.
//!
//! Span model strings arrive routed, regional, versioned and dated (`bedrock/us.anthropic.claude-3-7-sonnet-20250219-
//! v1:0`, `claude-3-5-sonnet-v2@20241022`, `models/gemini-2.0-flash`). Each rule below removes one recognisable
//! decoration; every intermediate name is tried, so a more specific table key (a dated or provider-specific one) wins
//! over a more general one. Rules only ever REMOVE a whole decoration: `gpt-4o-mini` can never become `gpt-4o`.
//! Everything here borrows from one lowercased string: no allocation, no regex.

use std::borrow::Cow;

const MAX_FORMS: usize = 16;

/// Bedrock cross-region inference profiles.
const REGION_PREFIXES: [&str; 8] = ["us-gov.", "us.", "eu.", "apac.", "global.", "jp.", "au.", "ca."];
/// Bedrock model ids name the vendor first.
const VENDOR_PREFIXES: [&str; 10] =
    ["anthropic.", "amazon.", "meta.", "mistral.", "cohere.", "ai21.", "deepseek.", "openai.", "qwen.", "writer."];
/// Date and snapshot suffixes, longest first (`d` = any digit, other bytes literal); `-latest` is handled apart.
/// `-dd-dddd` is Cohere's `command-r-08-2024`; `-dddd` covers `-0613` and Mistral's `-2409`; `-0dd` is Vertex `-002`.
const DATE_SUFFIXES: [&[u8]; 5] = [b"-dddd-dd-dd", b"-dd-dddd", b"-dddddddd", b"-dddd", b"-0dd"];

/// A small, ordered, de-duplicated list of names borrowed from one string.
pub(crate) struct Forms<'a> {
    items: [&'a str; MAX_FORMS],
    len: usize,
}

impl<'a> Forms<'a> {
    fn new() -> Self {
        Forms { items: [""; MAX_FORMS], len: 0 }
    }

    fn push(&mut self, s: &'a str) {
        if s.is_empty() || self.len == MAX_FORMS || self.as_slice().contains(&s) {
            return;
        }
        self.items[self.len] = s;
        self.len += 1;
    }

    pub(crate) fn as_slice(&self) -> &[&'a str] {
        &self.items[..self.len]
    }
}

/// Names to try for a span's (lowercased, trimmed) model string, most specific first; also returns the routing-free
/// base name (after path, region and vendor prefixes), which [`dotted_variant`] may rewrite.
pub(crate) fn lookup_forms(lower: &str) -> (Forms<'_>, &str) {
    let mut forms = Forms::new();
    if let Some(rest) = lower.strip_prefix("ft:") {
        // OpenAI fine-tunes (`ft:gpt-4o-mini-2024-07-18:org::id`) cost more than their base model: only the
        // `ft:<base>` key may price them, never the base model itself.
        forms.push(lower);
        let base_len = rest.find(':').map_or(lower.len(), |i| 3 + i);
        forms.push(&lower[..base_len]);
        return (forms, lower);
    }
    let base = routing_forms(lower, &mut forms);
    suffix_forms(base, &mut forms);
    (forms, base)
}

/// The names a price-table key is registered under besides itself: its routing-free forms, and the Bedrock form
/// without the `-vN:M` version. Dates are never removed from keys, so an undated span model does not silently pick
/// one of several dated snapshots with different prices.
pub(crate) fn registration_forms(lower_key: &str) -> Forms<'_> {
    let mut forms = Forms::new();
    let base = routing_forms(lower_key, &mut forms);
    if let Some(unversioned) = strip_bedrock_version(base) {
        forms.push(unversioned);
    }
    forms
}

/// OpenRouter and some SDKs write Claude versions with dots (`claude-3.5-sonnet`, `claude-sonnet-4.5`); Anthropic's
/// own ids use dashes. Only for Claude: elsewhere the dot is part of the name (`gpt-4.1`, `gemini-2.5-pro`).
pub(crate) fn dotted_variant(base: &str) -> Option<String> {
    (base.starts_with("claude") && base.contains('.')).then(|| base.replace('.', "-"))
}

/// ASCII-lowercases `s` into `buf` when it fits (the hot path allocates nothing), else into a new String.
pub(crate) fn ascii_lowercase<'b, const N: usize>(s: &str, buf: &'b mut [u8; N]) -> Cow<'b, str> {
    let Some(b) = buf.get_mut(..s.len()) else {
        return Cow::Owned(s.to_ascii_lowercase());
    };
    b.copy_from_slice(s.as_bytes());
    b.make_ascii_lowercase();
    // Lowercasing ASCII bytes of valid UTF-8 keeps it valid; the fallback is unreachable but costs nothing.
    match std::str::from_utf8(b) {
        Ok(lower) => Cow::Borrowed(lower),
        Err(_) => Cow::Owned(s.to_ascii_lowercase()),
    }
}

/// `name` and its dated and versioned forms, for a rewritten name such as a [`dotted_variant`].
pub(crate) fn variant_forms(name: &str) -> Forms<'_> {
    let mut forms = Forms::new();
    forms.push(name);
    suffix_forms(name, &mut forms);
    forms
}

/// Pushes the dated and versioned forms of `s` (`s` itself excluded), most specific first.
fn suffix_forms<'a>(mut s: &'a str, forms: &mut Forms<'a>) {
    while let Some(shorter) = strip_one_suffix(s) {
        forms.push(shorter);
        s = shorter;
    }
}

fn routing_forms<'a>(lower: &'a str, forms: &mut Forms<'a>) -> &'a str {
    let mut s = lower;
    forms.push(s);
    // Any routing path (`openrouter/anthropic/`, `bedrock/converse/`, `azure/eu/`, `models/`): every suffix after a
    // `/` is a candidate, the one after the last `/` being the bare model id.
    while let Some(i) = s.find('/') {
        s = &s[i + 1..];
        forms.push(s);
    }
    if let Some(rest) = strip_any_prefix(s, &REGION_PREFIXES) {
        s = rest;
        forms.push(s);
    }
    if let Some(rest) = strip_any_prefix(s, &VENDOR_PREFIXES) {
        s = rest;
        forms.push(s);
    }
    s
}

fn strip_any_prefix<'a>(s: &'a str, prefixes: &[&str]) -> Option<&'a str> {
    prefixes.iter().find_map(|p| s.strip_prefix(p)).filter(|rest| !rest.is_empty())
}

fn strip_one_suffix(s: &str) -> Option<&str> {
    strip_bedrock_version(s)
        .or_else(|| strip_vertex_version(s))
        .or_else(|| strip_date(s))
        .or_else(|| strip_version_tag(s))
}

/// `claude-3-haiku-20240307-v1:0` -> `claude-3-haiku-20240307`; a bare `:0` goes too.
fn strip_bedrock_version(s: &str) -> Option<&str> {
    let (head, tail) = s.rsplit_once(':')?;
    if head.is_empty() || tail.is_empty() || !tail.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(strip_version_tag(head).unwrap_or(head))
}

/// Vertex AI: `claude-3-5-sonnet-v2@20241022` -> `claude-3-5-sonnet`, `gemini-1.5-pro@002` -> `gemini-1.5-pro`.
fn strip_vertex_version(s: &str) -> Option<&str> {
    let (head, _) = s.rsplit_once('@')?;
    if head.is_empty() {
        return None;
    }
    Some(strip_version_tag(head).unwrap_or(head))
}

/// `-v2` (Vertex/Bedrock revision tags).
fn strip_version_tag(s: &str) -> Option<&str> {
    let i = s.rfind("-v")?;
    let digits = &s[i + 2..];
    let ok = i > 0 && (1..=2).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| &s[..i])
}

fn strip_date(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    for pat in DATE_SUFFIXES {
        if pat.len() < b.len() && tail_matches(&b[b.len() - pat.len()..], pat) {
            return Some(&s[..s.len() - pat.len()]);
        }
    }
    s.strip_suffix("-latest").filter(|head| !head.is_empty())
}

fn tail_matches(tail: &[u8], pat: &[u8]) -> bool {
    tail.iter().zip(pat).all(|(&c, &p)| if p == b'd' { c.is_ascii_digit() } else { c == p })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(model: &str) -> Vec<String> {
        lookup_forms(model).0.as_slice().iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn bedrock_profile_is_peeled_one_decoration_at_a_time() {
        assert_eq!(
            forms("bedrock/us.anthropic.claude-3-7-sonnet-20250219-v1:0"),
            [
                "bedrock/us.anthropic.claude-3-7-sonnet-20250219-v1:0",
                "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
                "anthropic.claude-3-7-sonnet-20250219-v1:0",
                "claude-3-7-sonnet-20250219-v1:0",
                "claude-3-7-sonnet-20250219",
                "claude-3-7-sonnet",
            ]
        );
    }

    #[test]
    fn dates_and_versions() {
        assert_eq!(forms("gpt-4o-2024-08-06"), ["gpt-4o-2024-08-06", "gpt-4o"]);
        assert_eq!(forms("gpt-4o-mini"), ["gpt-4o-mini"]);
        assert_eq!(forms("gpt-4-0613"), ["gpt-4-0613", "gpt-4"]);
        assert_eq!(forms("mistral-small-2409"), ["mistral-small-2409", "mistral-small"]);
        assert_eq!(forms("command-r-08-2024"), ["command-r-08-2024", "command-r"]);
        assert_eq!(forms("gemini-1.5-pro-002"), ["gemini-1.5-pro-002", "gemini-1.5-pro"]);
        assert_eq!(forms("claude-3-5-haiku-latest"), ["claude-3-5-haiku-latest", "claude-3-5-haiku"]);
        assert_eq!(forms("claude-3-5-sonnet-v2@20241022"), ["claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet"]);
        assert_eq!(forms("models/gemini-2.0-flash"), ["models/gemini-2.0-flash", "gemini-2.0-flash"]);
        assert_eq!(forms("embed-english-v3.0"), ["embed-english-v3.0"]);
        assert_eq!(forms("text-embedding-3-small"), ["text-embedding-3-small"]);
        assert_eq!(forms("gemini-2.5-flash-preview-05-20"), ["gemini-2.5-flash-preview-05-20"]);
    }

    #[test]
    fn fine_tunes_never_fall_back_to_the_base_model() {
        assert_eq!(
            forms("ft:gpt-4o-mini-2024-07-18:acme::abc123"),
            ["ft:gpt-4o-mini-2024-07-18:acme::abc123", "ft:gpt-4o-mini-2024-07-18"]
        );
    }

    #[test]
    fn degenerate_strings_stay_whole() {
        assert_eq!(forms("-latest"), ["-latest"]);
        assert_eq!(forms("us."), ["us."]);
        assert_eq!(forms("a/"), ["a/"]);
        assert_eq!(forms(":0"), [":0"]);
        assert!(forms("").is_empty());
    }

    #[test]
    fn keys_register_without_routing_or_bedrock_version_but_keep_dates() {
        let f = registration_forms("bedrock/us-gov-west-1/anthropic.claude-3-haiku-20240307-v1:0");
        assert_eq!(
            f.as_slice(),
            [
                "bedrock/us-gov-west-1/anthropic.claude-3-haiku-20240307-v1:0",
                "us-gov-west-1/anthropic.claude-3-haiku-20240307-v1:0",
                "anthropic.claude-3-haiku-20240307-v1:0",
                "claude-3-haiku-20240307-v1:0",
                "claude-3-haiku-20240307",
            ]
        );
        assert_eq!(registration_forms("gpt-4o-2024-08-06").as_slice(), ["gpt-4o-2024-08-06"]);
    }

    #[test]
    fn lowercase_on_the_stack_or_the_heap() {
        let mut buf = [0u8; 8];
        assert!(matches!(ascii_lowercase("GPT-4o", &mut buf), Cow::Borrowed("gpt-4o")));
        assert!(matches!(ascii_lowercase("Gemini-2.5-Pro", &mut buf), Cow::Owned(s) if s == "gemini-2.5-pro"));
        assert_eq!(ascii_lowercase("ÄBÇ", &mut buf), "ÄbÇ", "only ASCII letters change");
    }

    #[test]
    fn dotted_claude_only() {
        assert_eq!(dotted_variant("claude-3.5-sonnet").as_deref(), Some("claude-3-5-sonnet"));
        assert_eq!(dotted_variant("gpt-4.1"), None);
    }
}
