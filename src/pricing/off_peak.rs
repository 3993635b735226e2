//! Time-of-day prices (LiteLLM's `off_peak_pricing`: DeepSeek, DashScope and others bill less in UTC windows).
//!
//! A call is placed by its span's end time, the moment the provider finished it (DeepSeek bills by completion
//! time). The block's rates replace the ones otherwise in force; a rate it does not name stays as it was.

use serde_json::{Map, Value};

const NANOS_PER_MINUTE: u64 = 60_000_000_000;
const MINUTES_PER_DAY: u64 = 24 * 60;

/// USD per token inside the windows; `None` leaves that class at its usual rate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OffPeak {
    windows: Box<[Window]>,
    pub input: Option<f64>,
    pub output: Option<f64>,
    pub cache_read: Option<f64>,
    pub cache_write: Option<f64>,
    pub reasoning: Option<f64>,
}

/// `[start, end)` minutes of the UTC day (end before start wraps past midnight; equal means the whole day), on
/// the ISO weekdays in `weekdays` (bit 1 = Monday .. bit 7 = Sunday; all days when the block names none).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Window {
    start: u16,
    end: u16,
    weekdays: u8,
}

const EVERY_DAY: u8 = 0b1111_1110;

impl Window {
    fn contains(&self, minute: u16, weekday: u8) -> bool {
        let in_hours = match self.start.cmp(&self.end) {
            std::cmp::Ordering::Less => (self.start..self.end).contains(&minute),
            std::cmp::Ordering::Greater => minute >= self.start || minute < self.end,
            std::cmp::Ordering::Equal => true,
        };
        in_hours && self.weekdays & (1 << weekday) != 0
    }
}

impl OffPeak {
    /// Whether a call that ended at `unix_nanos` falls in a window (never for an unknown time, 0).
    pub fn applies(&self, unix_nanos: u64) -> bool {
        if unix_nanos == 0 {
            return false;
        }
        let minutes = unix_nanos / NANOS_PER_MINUTE;
        let minute = (minutes % MINUTES_PER_DAY) as u16;
        // 1970-01-01 was a Thursday (ISO 4).
        let weekday = ((minutes / MINUTES_PER_DAY + 3) % 7 + 1) as u8;
        self.windows.iter().any(|w| w.contains(minute, weekday))
    }

    /// One daily UTC window `[start, end)` in minutes (wrapping past midnight when end < start), with rates for
    /// input, output, cache read, cache write and reasoning.
    pub(crate) fn daily(start: u16, end: u16, rates: [Option<f64>; 5]) -> OffPeak {
        let [input, output, cache_read, cache_write, reasoning] = rates;
        let windows = Box::new([Window { start, end, weekdays: EVERY_DAY }]);
        OffPeak { windows, input, output, cache_read, cache_write, reasoning }
    }

    /// Reads a LiteLLM `off_peak_pricing` block: `hours_utc` (`"16:30-00:30"`, or a list of them) and/or
    /// `windows: [{hours_utc, weekdays}]`, plus per-token rates under the file's usual names. A block without a
    /// readable window or without a rate is ignored (`None`): the call is billed at the usual price.
    pub fn from_litellm(block: &Value) -> Option<OffPeak> {
        let block = block.as_object()?;
        let mut windows = Vec::new();
        hours(block.get("hours_utc"), EVERY_DAY, &mut windows);
        if let Some(Value::Array(list)) = block.get("windows") {
            for w in list.iter().filter_map(Value::as_object) {
                let days = match w.get("weekdays") {
                    None => EVERY_DAY,
                    Some(d) => weekdays(d),
                };
                hours(w.get("hours_utc"), days, &mut windows);
            }
        }
        let rate = |name: &str| block.get(name).and_then(Value::as_f64).filter(|x| x.is_finite() && *x >= 0.0);
        let off_peak = OffPeak {
            windows: windows.into_boxed_slice(),
            input: rate("input_cost_per_token"),
            output: rate("output_cost_per_token"),
            cache_read: rate("cache_read_input_token_cost"),
            cache_write: rate("cache_creation_input_token_cost"),
            reasoning: rate("output_cost_per_reasoning_token"),
        };
        let any_rate = [off_peak.input, off_peak.output, off_peak.cache_read, off_peak.cache_write, off_peak.reasoning]
            .iter()
            .any(Option::is_some);
        (!off_peak.windows.is_empty() && any_rate).then_some(off_peak)
    }
}

fn hours(v: Option<&Value>, weekdays: u8, out: &mut Vec<Window>) {
    let mut one = |s: &str| {
        if let Some((start, end)) = parse_range(s) {
            out.push(Window { start, end, weekdays });
        }
    };
    match v {
        Some(Value::String(s)) => one(s),
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).for_each(one),
        _ => {}
    }
}

/// `"16:30-00:30"` -> (990, 30); `24:00` ends a day.
fn parse_range(s: &str) -> Option<(u16, u16)> {
    let (a, b) = s.trim().split_once('-')?;
    let start = parse_clock(a)?;
    let end = parse_clock(b)?;
    (start < MINUTES_PER_DAY as u16).then_some((start, end % MINUTES_PER_DAY as u16))
}

fn parse_clock(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 || h == 24 && m == 0).then_some(h * 60 + m)
}

/// ISO numbers (1 = Monday .. 7 = Sunday) or English names and their three-letter forms; others are ignored, so a
/// list of nothing valid matches no day.
fn weekdays(v: &Value) -> u8 {
    const NAMES: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    let Value::Array(list) = v else { return 0 };
    list.iter().fold(0, |mask, d| {
        let day = match d {
            Value::Number(n) => n.as_u64().filter(|n| (1..=7).contains(n)).map(|n| n as u8),
            Value::String(s) => {
                let s = s.trim().to_ascii_lowercase();
                NAMES.iter().position(|n| *n == s || (s.len() == 3 && n.starts_with(&s))).map(|i| i as u8 + 1)
            }
            _ => None,
        };
        day.map_or(mask, |d| mask | 1 << d)
    })
}

/// For entries read from a price file: the block under `off_peak_pricing`, if readable.
pub(crate) fn of_entry(spec: &Map<String, Value>) -> Option<Box<OffPeak>> {
    spec.get("off_peak_pricing").and_then(OffPeak::from_litellm).map(Box::new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Unix nanos of a UTC date and time.
    fn at(days_since_epoch: u64, h: u64, m: u64) -> u64 {
        ((days_since_epoch * 24 + h) * 60 + m) * NANOS_PER_MINUTE
    }
    // 2026-08-28 is a Friday: 20,693 days after 1970-01-01.
    const FRIDAY: u64 = 20_693;

    #[test]
    fn deepseek_window_wraps_midnight() {
        let op = OffPeak::from_litellm(&json!({"hours_utc": "16:30-00:30", "input_cost_per_token": 1.35e-7})).unwrap();
        assert_eq!(op.input, Some(1.35e-7));
        assert_eq!(op.output, None);
        assert!(!op.applies(at(FRIDAY, 16, 29)));
        assert!(op.applies(at(FRIDAY, 16, 30)));
        assert!(op.applies(at(FRIDAY, 23, 59)));
        assert!(op.applies(at(FRIDAY + 1, 0, 29)));
        assert!(!op.applies(at(FRIDAY + 1, 0, 30)));
        assert!(!op.applies(0), "no time, no discount");
    }

    #[test]
    fn weekday_windows_by_number_and_name() {
        let op = OffPeak::from_litellm(&json!({
            "windows": [{"hours_utc": "00:00-00:00", "weekdays": ["Sat", "sunday"]},
                        {"hours_utc": "16:00-17:00", "weekdays": [5]}],
            "output_cost_per_token": 1e-7
        }))
        .unwrap();
        assert!(op.applies(at(FRIDAY, 16, 30)));
        assert!(!op.applies(at(FRIDAY, 12, 0)));
        assert!(op.applies(at(FRIDAY + 1, 12, 0)), "Saturday");
        assert!(op.applies(at(FRIDAY + 2, 3, 0)), "Sunday");
        assert!(!op.applies(at(FRIDAY + 3, 16, 30)), "Monday");
    }

    #[test]
    fn unreadable_blocks_are_ignored() {
        for bad in [
            json!("16:00-19:00"),
            json!({"hours_utc": "16:00-19:00"}),
            json!({"hours_utc": "25:00-19:00", "input_cost_per_token": 1e-7}),
            json!({"hours_utc": "4pm", "input_cost_per_token": 1e-7}),
            json!({"input_cost_per_token": 1e-7}),
        ] {
            assert_eq!(OffPeak::from_litellm(&bad), None, "{bad}");
        }
        let none = OffPeak::from_litellm(
            &json!({"windows": [{"hours_utc": "00:00-00:00", "weekdays": [0, 8, "noday", true]}],
            "input_cost_per_token": 1e-7}),
        )
        .unwrap();
        assert!(!none.applies(at(FRIDAY, 12, 0)), "no valid weekday: never");
    }
}
