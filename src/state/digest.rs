//! Fixed-size digests of identifiers clients choose. The same id gives the same digest in every process, so keys
//! stay valid across restarts (checkpoints) and replicas.

use xxhash_rust::xxh3::{xxh3_128, xxh3_64};

/// A conversation as the conversation table knows it: 16 bytes, however long its id.
pub type ConversationKey = u128;

pub fn conversation_key(id: &str) -> ConversationKey {
    xxh3_128(id.as_bytes())
}

/// Response ids are only compared within one trace; 64 bits make a false match negligible there.
pub fn response_key(id: &str) -> u64 {
    xxh3_64(id.as_bytes())
}
