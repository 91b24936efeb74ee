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

/// Which day a person born on 29 February has their birthday in a common
/// year. The default follows Finnish law: the Act on the Reckoning of
/// Statutory Periods (laki säädettyjen määräaikain laskemisesta 150/1930)
/// § 3 ends a period of years on the day with the same number, and when
/// the month has no such day, on the month's last day — so a leap-day
/// person turns 18 on 28 February. A contract may choose 1 March instead
/// (`[contract] leap_day_birthday = "march_1"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeapDayBirthday {
    /// 28 February (the month-end rule, Act 150/1930 § 3).
    #[default]
    Feb28,
    /// 1 March, the day after 28 February.
    March1,
}

impl LeapDayBirthday {
    pub const NAMES: [&'static str; 2] = ["feb_28", "march_1"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "feb_28" => Some(LeapDayBirthday::Feb28),
            "march_1" => Some(LeapDayBirthday::March1),
            _ => None,
        }
    }
}

/// Age in whole years on `on` of a person born on `birth`: the birthday
/// counts on the day itself. Every age in the engine — `p.age_on` in rules
/// and the `age` input of decision tables — is this one function. A date
/// before the birth gives a negative age, never a panic.
///
/// ```
/// use tulos::calendar::{age_on, parse_iso_date, LeapDayBirthday};
/// let d = |s| parse_iso_date(s).unwrap();
/// assert_eq!(age_on(d("2008-02-29"), d("2026-02-28"), LeapDayBirthday::Feb28), 18);
/// assert_eq!(age_on(d("2008-02-29"), d("2026-02-28"), LeapDayBirthday::March1), 17);
/// ```
pub fn age_on(birth: NaiveDate, on: NaiveDate, leap_day: LeapDayBirthday) -> i64 {
    let years = i64::from(on.year()) - i64::from(birth.year());
    let (bm, bd) = match (birth.month(), birth.day(), leap_day) {
        // This year's birthday of a leap-day person in a common year.
        (2, 29, rule) if !is_leap_year(on.year()) => match rule {
            LeapDayBirthday::Feb28 => (2, 28),
            LeapDayBirthday::March1 => (3, 1),
        },
        (m, d, _) => (m, d),
    };
    if (on.month(), on.day()) < (bm, bd) {
        years - 1
    } else {
        years
    }
}

fn is_leap_year(year: i32) -> bool {
    NaiveDate::from_ymd_opt(year, 2, 29).is_some()
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
    fn a_leap_day_birthday_follows_the_month_end_rule_or_the_contracts_choice() {
        let leap = d("2008-02-29");
        let feb = LeapDayBirthday::Feb28;
        let march = LeapDayBirthday::March1;
        // Common year 2026: 18 on 28 February by Act 150/1930 § 3, or on 1 March.
        assert_eq!(age_on(leap, d("2026-02-27"), feb), 17);
        assert_eq!(age_on(leap, d("2026-02-28"), feb), 18);
        assert_eq!(age_on(leap, d("2026-02-28"), march), 17);
        assert_eq!(age_on(leap, d("2026-03-01"), march), 18);
        // Leap year 2028: the birthday is 29 February under both rules.
        assert_eq!(age_on(leap, d("2028-02-28"), feb), 19);
        assert_eq!(age_on(leap, d("2028-02-29"), feb), 20);
        assert_eq!(age_on(leap, d("2028-02-29"), march), 20);
        // Everyone else: the birthday is the day itself.
        assert_eq!(age_on(d("2000-03-15"), d("2026-03-14"), feb), 25);
        assert_eq!(age_on(d("2000-03-15"), d("2026-03-15"), march), 26);
        assert_eq!(age_on(d("2000-03-15"), d("1999-03-15"), feb), -1);
    }

    #[test]
    fn iso_dates_are_strict() {
        assert!(parse_iso_date("2026-1-05").is_none());
        assert!(parse_iso_date("2026-02-30").is_none());
        assert!(parse_iso_date("5.1.2026").is_none());
    }
}
