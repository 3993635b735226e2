use std::fmt;

/// Why a batch could not be read. `offset` is the byte position in the input where reading failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    /// Byte offset in the input where reading failed.
    pub offset: usize,
    /// What was wrong there.
    pub what: &'static str,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed OTLP protobuf at byte {}: {}", self.offset, self.what)
    }
}

impl std::error::Error for WireError {}
