//! Calendar arithmetic with the month-end rule stated once.
//!
//! **Month-end rule:** adding months keeps the day of month where that day
//! exists and otherwise clamps to the last day of the target month:
//! 31 January + 1 month = 28 February (29 in a leap year), and
//! 29 February 2028 + 12 months = 28 February 2029. Subtracting months
//! clamps the same way.
//! This is how Finnish contracts usually read "three months after" and is
//! the same rule as `chrono`'s `checked_add_months`.

use chrono::{Datelike, Months, NaiveDate};

/// `date` moved by `months` (negative = back), clamped to the month end.
///
/// ```
/// use tulos::calendar::{add_months, parse_iso_date};
/// let d = |s| parse_iso_date(s).unwrap();
/// assert_eq!(add_months(d("2026-01-31"), 1), Some(d("2026-02-28")));
/// assert_eq!(add_months(d("2026-02-28"), 3), Some(d("2026-05-28")));
/// ```
pub fn add_months(date: NaiveDate, months: i64) -> Option<NaiveDate> {
    let m = Months::new(u32::try_from(months.unsigned_abs()).ok()?);
    if months >= 0 {
        date.checked_add_months(m)
    } else {
        date.checked_sub_months(m)
    }
}

/// `date` moved by `days` (negative = back).
pub fn add_days(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    date.checked_add_signed(chrono::TimeDelta::try_days(days)?)
}

/// First day of the month `date` is in.
pub fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).expect("day 1 exists in every month")
}

/// Last day of the month `date` is in.
pub fn month_end(date: NaiveDate) -> NaiveDate {
    let next = add_months(month_start(date), 1).expect("date range");
    next.pred_opt().expect("date range")
}

/// Number of days from `a` to `b` (`b - a`); negative when `b` is earlier.
pub fn days_between(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days()
}

/// Parse an ISO 8601 calendar date `YYYY-MM-DD` (exactly that shape).
pub fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_iso_date(s).unwrap()
    }

    #[test]
    fn month_end_clamps() {
        assert_eq!(add_months(d("2026-01-31"), 1), Some(d("2026-02-28")));
        assert_eq!(add_months(d("2028-01-31"), 1), Some(d("2028-02-29")));
        assert_eq!(add_months(d("2028-02-29"), 12), Some(d("2029-02-28")));
        assert_eq!(add_months(d("2026-03-31"), -1), Some(d("2026-02-28")));
        assert_eq!(add_months(d("2026-08-31"), 3), Some(d("2026-11-30")));
        assert_eq!(add_months(d("2026-01-15"), 3), Some(d("2026-04-15")));
    }

    #[test]
    fn month_bounds_and_days() {
        assert_eq!(month_end(d("2026-02-10")), d("2026-02-28"));
        assert_eq!(month_start(d("2026-02-10")), d("2026-02-01"));
        assert_eq!(days_between(d("2026-01-01"), d("2026-03-01")), 59);
        assert_eq!(add_days(d("2026-12-31"), 1), Some(d("2027-01-01")));
    }

    #[test]
    fn iso_dates_are_strict() {
        assert!(parse_iso_date("2026-1-05").is_none());
        assert!(parse_iso_date("2026-02-30").is_none());
        assert!(parse_iso_date("5.1.2026").is_none());
    }
}
