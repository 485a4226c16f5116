// SPDX-License-Identifier: Apache-2.0
//! Calendar dates for lifecycle comparisons (no time zone: support ends on a
//! day, and a capture's last packet gives the day it was taken).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A proleptic Gregorian date, ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month 1..=12.
    pub month: u8,
    /// Day 1..=31.
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD`, or `YYYY-MM` (the last day of that month when
    /// `end_of_month`, else the first), ignoring any trailing note
    /// (`2024-04-25 (ESM)`, `2026-04 (Legacy add-on)`). `None` when the text
    /// does not start with a date.
    pub fn parse_lenient(s: &str, end_of_month: bool) -> Option<Date> {
        let s = s.trim();
        let year: i32 = s.get(..4)?.parse().ok()?;
        if s.as_bytes().get(4) != Some(&b'-') {
            return None;
        }
        let month: u8 = s.get(5..7)?.parse().ok()?;
        if !(1..=12).contains(&month) {
            return None;
        }
        let day = match (s.as_bytes().get(7), s.get(8..10)) {
            (Some(b'-'), Some(d)) => d.parse().ok()?,
            _ if end_of_month => days_in_month(year, month),
            _ => 1,
        };
        Some(Date { year, month, day })
    }

    /// The date part of an RFC 3339 timestamp (`2014-05-01T10:00:00+0000`).
    pub fn from_rfc3339(s: &str) -> Option<Date> {
        Date::parse_lenient(s.get(..10)?, false)
    }

    /// Days since 1970-01-01 (for "how long ago").
    pub fn days_since_epoch(self) -> i64 {
        // H. Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(self.month);
        let mp = if m > 2 { m - 3 } else { m + 9 };
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse_lenient(&s, false)
            .ok_or_else(|| serde::de::Error::custom(format!("not a date: {s}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates_with_notes() {
        let d = |y, m, day| {
            Some(Date {
                year: y,
                month: m,
                day,
            })
        };
        assert_eq!(Date::parse_lenient("2014-04-08", true), d(2014, 4, 8));
        assert_eq!(
            Date::parse_lenient("2024-04-25 (ESM)", true),
            d(2024, 4, 25)
        );
        assert_eq!(
            Date::parse_lenient("2026-04 (Legacy add-on)", true),
            d(2026, 4, 30)
        );
        assert_eq!(Date::parse_lenient("2028-02", true), d(2028, 2, 29));
        assert_eq!(Date::parse_lenient("", true), None);
        assert_eq!(Date::parse_lenient("n/a", true), None);
        assert_eq!(
            Date::from_rfc3339("2009-02-13T23:31:30.123456+0000"),
            d(2009, 2, 13)
        );
    }

    #[test]
    fn counts_days() {
        let a = Date::parse_lenient("1970-01-01", false).map(Date::days_since_epoch);
        let b = Date::parse_lenient("2014-04-08", false).map(Date::days_since_epoch);
        assert_eq!((a, b), (Some(0), Some(16_168)));
    }
}
