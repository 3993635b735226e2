//! Conversation state as versioned bytes, so turns and running totals survive a restart.
//!
//! Layout (integers little-endian): the 8-byte magic, u32 format version, u32 reserved (0), u64 wall-clock time
//! of the export in Unix milliseconds, u64 entry count, then per conversation its 16-byte key digest, u64 last
//! turn, f64 running cost in USD and u64 last use in Unix milliseconds (least recently used first); last, an xxh3-64
//! of every byte before it. Times are wall-clock because `Instant`s do not survive the process.
//!
//! Per-trace memory is not included: a trace lives for seconds, a conversation for hours.

use std::fmt;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use xxhash_rust::xxh3::xxh3_64;

use super::{ConversationKey, ConversationMemo, State};

const MAGIC: &[u8; 8] = b"L9GENAI\xC5";
/// Bumped when the layout changes; a reader refuses versions newer than its own.
pub const CHECKPOINT_VERSION: u32 = 1;
const HEADER_BYTES: usize = 8 + 4 + 4 + 8 + 8;
const ENTRY_BYTES: usize = 16 + 8 + 8 + 8;
const TRAILER_BYTES: usize = 8;

#[derive(Debug, Clone, PartialEq)]
/// Why a checkpoint was not restored; nothing was.
pub enum CheckpointError {
    /// Not a checkpoint, truncated, or its checksum does not match.
    Corrupt(String),
    /// Written by a newer release of this library.
    NewerVersion(u32),
}

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpointError::Corrupt(why) => write!(f, "checkpoint is corrupt: {why}"),
            CheckpointError::NewerVersion(v) => write!(
                f,
                "checkpoint has format version {v}, this library reads up to {CHECKPOINT_VERSION}: written by a newer release"
            ),
        }
    }
}

impl std::error::Error for CheckpointError {}

/// What a restore did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Restored {
    /// Conversations put back.
    pub conversations: u64,
    /// Conversations idle longer than `conversation_ttl` by now, or already known to this process: not put back.
    pub skipped: u64,
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Wall-clock milliseconds of `t`, given that `now` is `wall_now`.
fn wall_ms_of(t: Instant, now: Instant, wall_now: SystemTime) -> u64 {
    unix_ms(wall_now).saturating_sub(now.saturating_duration_since(t).as_millis() as u64)
}

pub fn export(state: &State, now: Instant, wall_now: SystemTime) -> Vec<u8> {
    let entries = state.conversations.snapshot();
    let mut out = Vec::with_capacity(HEADER_BYTES + entries.len() * ENTRY_BYTES + TRAILER_BYTES);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&CHECKPOINT_VERSION.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&unix_ms(wall_now).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    for (key, memo, touched) in &entries {
        out.extend_from_slice(&key.to_le_bytes());
        out.extend_from_slice(&memo.last_turn.to_le_bytes());
        out.extend_from_slice(&memo.total_cost.to_le_bytes());
        out.extend_from_slice(&wall_ms_of(*touched, now, wall_now).to_le_bytes());
    }
    let sum = xxh3_64(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

struct Entry {
    key: ConversationKey,
    memo: ConversationMemo,
    last_used_ms: u64,
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// Checks the whole checkpoint before anything is restored: a bad one changes nothing.
fn parse(bytes: &[u8]) -> Result<Vec<Entry>, CheckpointError> {
    let corrupt = |why: &str| Err(CheckpointError::Corrupt(why.to_string()));
    if bytes.len() < HEADER_BYTES + TRAILER_BYTES || &bytes[..8] != MAGIC {
        return corrupt("not a last9_genai checkpoint");
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version > CHECKPOINT_VERSION {
        return Err(CheckpointError::NewerVersion(version));
    }
    if version == 0 {
        return corrupt("format version 0");
    }
    let (body, trailer) = bytes.split_at(bytes.len() - TRAILER_BYTES);
    if xxh3_64(body) != u64_at(trailer, 0) {
        return corrupt("checksum mismatch");
    }
    let count = u64_at(body, 24);
    let entries = &body[HEADER_BYTES..];
    if entries.len() % ENTRY_BYTES != 0 || (entries.len() / ENTRY_BYTES) as u64 != count {
        return corrupt("entry count does not match its length");
    }
    let mut out = Vec::with_capacity(entries.len() / ENTRY_BYTES);
    for e in entries.chunks_exact(ENTRY_BYTES) {
        let key = u128::from_le_bytes(e[..16].try_into().expect("16 bytes"));
        let last_turn = u64_at(e, 16);
        let total_cost = f64::from_bits(u64_at(e, 24));
        if !total_cost.is_finite() || total_cost < 0.0 {
            return corrupt("a running total is negative or not a number");
        }
        out.push(Entry { key, memo: ConversationMemo { last_turn, total_cost }, last_used_ms: u64_at(e, 32) });
    }
    Ok(out)
}

pub fn restore(state: &State, bytes: &[u8], now: Instant, wall_now: SystemTime) -> Result<Restored, CheckpointError> {
    let entries = parse(bytes)?;
    let wall_now_ms = unix_ms(wall_now);
    let ttl = state.limits.conversation_ttl;
    let mut done = Restored::default();
    for e in entries {
        // A wall clock that went backwards makes an entry look younger than it is, as does a machine booted more
        // recently than the entry's idle time (an `Instant` cannot be earlier than boot): it then lives at most
        // that much longer than its TTL, which is better than losing a live conversation.
        let idle = Duration::from_millis(wall_now_ms.saturating_sub(e.last_used_ms));
        if idle > ttl {
            done.skipped += 1;
            continue;
        }
        let touched = now.checked_sub(idle).unwrap_or(now);
        if state.conversations.restore(e.key, e.memo, touched, now) {
            done.conversations += 1;
        } else {
            done.skipped += 1;
        }
    }
    Ok(done)
}
