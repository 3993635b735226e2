//! Prices that changed: an entry may carry the prices it had before, each valid from a date, so that replays and
//! late data are billed at the price of the day the call was made (its span's start time).

use super::model_price::ModelPrice;

const NANOS_PER_DAY: u64 = 86_400 * 1_000_000_000;

/// Earlier prices of one entry, ascending by the day each took effect.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PriceHistory {
    /// When the entry's own (current) rates took effect, Unix nanos.
    pub current_from: u64,
    pub earlier: Vec<(u64, ModelPrice)>,
}

impl ModelPrice {
    /// The rates in force at `unix_nanos`. An unknown time (0), or one before the earliest known price (the
    /// model did not exist yet: a clock not to be trusted, or synthetic data), gets the current rates.
    pub fn at(&self, unix_nanos: u64) -> &ModelPrice {
        let Some(h) = self.history.as_deref() else { return self };
        if unix_nanos == 0 || unix_nanos >= h.current_from {
            return self;
        }
        h.earlier.iter().rev().find(|(from, _)| *from <= unix_nanos).map_or(self, |(_, p)| p)
    }
}

/// `2024-10-02` (or an RFC 3339 time on that day, as YAML loaders render a date) -> midnight UTC in Unix nanos.
pub fn parse_date(s: &str) -> Option<u64> {
    let s = s.trim();
    let (date, rest) = s.split_at_checked(10)?;
    if !(rest.is_empty() || rest.starts_with('T') || rest.starts_with(' ')) {
        return None;
    }
    let mut parts = date.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 || !date.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || d == 0 || d > month_days[m as usize - 1] {
        return None;
    }
    Some(days_from_civil(y, m, d) as u64 * NANOS_PER_DAY)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2026-08-28"), Some(20_693 * NANOS_PER_DAY));
        assert_eq!(parse_date("2024-02-29"), parse_date("2024-02-29T00:00:00Z"));
        for bad in ["2023-02-29", "2024-13-01", "24-01-01", "2024/01/01", "2024-01-01x", "", "1969-12-31"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_price_of_the_day() {
        let day = |s| parse_date(s).unwrap();
        let mut p = ModelPrice::per_million(2.5, 10.0);
        p.history = Some(Box::new(PriceHistory {
            current_from: day("2024-10-02"),
            earlier: vec![(day("2024-05-13"), ModelPrice::per_million(5.0, 15.0))],
        }));
        assert_eq!(p.at(day("2024-06-01")).input, 5e-6);
        assert_eq!(p.at(day("2024-10-01") + NANOS_PER_DAY - 1).input, 5e-6);
        assert_eq!(p.at(day("2024-10-02")).input, 2.5e-6);
        assert_eq!(p.at(day("2020-01-01")).input, 2.5e-6, "before the model existed: today's");
        assert_eq!(p.at(0).input, 2.5e-6, "unknown time: today's");
    }
}
