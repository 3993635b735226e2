//! What counts as a count: token counts and turn numbers as instrumentations write them (ints, doubles,
//! numeric strings, JSON numbers), and the values that are not (negative, fractional, non-finite, absurd).

use crate::wire::AnyValue;

/// The largest token count or turn we read (2^40, about 1.1 trillion): no call comes near it, and larger values
/// (1e30, u64::MAX) would only turn into absurd costs.
pub const MAX_COUNT: u64 = 1 << 40;

/// An attribute's value as a count, if it is one.
pub fn count_of(v: &AnyValue<'_>) -> Option<u64> {
    match *v {
        AnyValue::Int(i) if i >= 0 => Some(i as u64),
        AnyValue::Double(d) if d >= 0.0 && d.is_finite() && d.fract() == 0.0 && d <= MAX_COUNT as f64 => Some(d as u64),
        AnyValue::Str(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
    .filter(|&n| n <= MAX_COUNT)
}

/// A JSON number as a count (Langfuse's usage object).
pub fn json_count(v: &serde_json::Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_f64().filter(|f| *f >= 0.0 && f.fract() == 0.0).map(|f| f as u64))
        .filter(|&n| n <= MAX_COUNT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_what_is_not_one() {
        assert_eq!(count_of(&AnyValue::Str(" 42 ")), Some(42));
        assert_eq!(count_of(&AnyValue::Int(150)), Some(150));
        assert_eq!(count_of(&AnyValue::Double(12.0)), Some(12));
        assert_eq!(count_of(&AnyValue::Int(-1)), None);
        assert_eq!(count_of(&AnyValue::Double(1.5)), None);
        assert_eq!(count_of(&AnyValue::Double(f64::NAN)), None);
        assert_eq!(count_of(&AnyValue::Int(1 << 41)), None);
        assert_eq!(count_of(&AnyValue::Bool(true)), None);
        assert_eq!(json_count(&serde_json::json!(7.0)), Some(7));
        assert_eq!(json_count(&serde_json::json!(-7)), None);
    }
}
