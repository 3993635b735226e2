//! The token counts of one call: what the conventions read from a span and the cost formula bills. A module of its
//! own so that neither of them depends on the other.

/// Token counts of one call, normalised: `input` INCLUDES cache_read and cache_write; `output` INCLUDES reasoning.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TokenUsage {
    /// Input tokens, cache reads and writes included.
    pub input: u64,
    /// Output tokens, reasoning included.
    pub output: u64,
    /// Input tokens read from the provider's cache.
    pub cache_read: u64,
    /// Input tokens written to the provider's cache.
    pub cache_write: u64,
    /// Output tokens spent on reasoning.
    pub reasoning: u64,
}
