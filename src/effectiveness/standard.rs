//! Standard indicators: read from the spells, without rules.
//!
//! Each looks at one **follow-up day**: the service end date moved by a
//! number of calendar months with the month-end rule of `calendar`
//! (31 May + 3 months = 31 August; 30 November + 3 months = 28 February).
//! On that day:
//! - `employed_3m`, `employed_6m`, `employed_12m` (3, 6, 12 months after):
//!   a spell of kind `employment` — the open labour market; subsidised work
//!   is `subsidised_employment` and does not count — covers the day;
//! - `in_education` (3 months after): a spell of kind `education` covers it;
//! - `positive_destination` (3 months after): a spell of kind
//!   `employment`, `subsidised_employment`, `apprenticeship`, `education`
//!   or `entrepreneurship` covers it.
//!
//! A spell covers a day from its start to its end inclusive; an ongoing
//! spell runs to the as-of date. A record without a service end, or whose
//! follow-up day is after the as-of date, cannot be observed yet: it is
//! left out of that indicator's n (and counted as not yet observable),
//! never counted as a failure.

use chrono::NaiveDate;

use crate::calendar::add_months;
use crate::contract::StandardIndicator;
use crate::records::Record;

/// Months from the service end to the follow-up day.
pub fn follow_up_months(s: StandardIndicator) -> u32 {
    match s {
        StandardIndicator::Employed3m | StandardIndicator::InEducation | StandardIndicator::PositiveDestination => 3,
        StandardIndicator::Employed6m => 6,
        StandardIndicator::Employed12m => 12,
    }
}

/// The spell kinds that count on the follow-up day.
fn kinds(s: StandardIndicator) -> &'static [&'static str] {
    match s {
        StandardIndicator::Employed3m | StandardIndicator::Employed6m | StandardIndicator::Employed12m => {
            &["employment"]
        }
        StandardIndicator::InEducation => &["education"],
        StandardIndicator::PositiveDestination => {
            &["employment", "subsidised_employment", "apprenticeship", "education", "entrepreneurship"]
        }
    }
}

/// Whether `r` reached `s`; `None` when it cannot be observed as of `as_of`.
pub fn achieved(s: StandardIndicator, r: &Record, as_of: NaiveDate) -> Option<bool> {
    let day = add_months(r.service.end?, i64::from(follow_up_months(s))).filter(|d| *d <= as_of)?;
    let kinds = kinds(s);
    Some(
        r.spells.iter().any(|spell| {
            kinds.contains(&spell.kind.as_str()) && spell.start <= day && day <= spell.end.unwrap_or(as_of)
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{Sector, Spell};

    fn date(s: &str) -> NaiveDate {
        crate::calendar::parse_iso_date(s).unwrap()
    }

    fn spell(kind: &str, start: &str, end: Option<&str>) -> Spell {
        let sector = match kind {
            "employment" => Some(Sector::Open),
            "subsidised_employment" => Some(Sector::Subsidised),
            _ => None,
        };
        Spell { kind: kind.into(), sector, start: date(start), end: end.map(date), hours_per_week: None, source: None }
    }

    fn record(end: Option<&str>, spells: Vec<Spell>) -> Record {
        crate::effectiveness::test_record(end, spells)
    }

    #[test]
    fn the_follow_up_day_follows_the_month_end_rule_and_an_inclusive_spell() {
        let as_of = date("2027-06-30");
        // Service ends 30 Nov 2026: 3 months after is 28 Feb 2027.
        let ends_on_it = record(Some("2026-11-30"), vec![spell("employment", "2027-01-01", Some("2027-02-28"))]);
        assert_eq!(achieved(StandardIndicator::Employed3m, &ends_on_it, as_of), Some(true));
        let starts_after = record(Some("2026-11-30"), vec![spell("employment", "2027-03-01", None)]);
        assert_eq!(achieved(StandardIndicator::Employed3m, &starts_after, as_of), Some(false));
        // Ongoing from 1 Mar 2027: covers 31 May 2027 (6 months after).
        assert_eq!(achieved(StandardIndicator::Employed6m, &starts_after, as_of), Some(true));
    }

    #[test]
    fn subsidised_work_is_not_the_open_labour_market_but_a_positive_destination() {
        let as_of = date("2027-06-30");
        let r = record(Some("2026-11-30"), vec![spell("subsidised_employment", "2027-01-01", None)]);
        assert_eq!(achieved(StandardIndicator::Employed3m, &r, as_of), Some(false));
        assert_eq!(achieved(StandardIndicator::PositiveDestination, &r, as_of), Some(true));
        assert_eq!(achieved(StandardIndicator::InEducation, &r, as_of), Some(false));
        let studying = record(Some("2026-11-30"), vec![spell("education", "2027-02-01", Some("2027-05-31"))]);
        assert_eq!(achieved(StandardIndicator::InEducation, &studying, as_of), Some(true));
    }

    #[test]
    fn a_follow_up_day_not_yet_reached_or_no_service_end_is_not_observable() {
        // 30 Nov 2026 + 6 months = 30 May 2027, the day after the as-of date.
        let as_of = date("2027-05-29");
        let r = record(Some("2026-11-30"), vec![spell("employment", "2027-01-01", None)]);
        assert_eq!(achieved(StandardIndicator::Employed6m, &r, as_of), None);
        assert_eq!(achieved(StandardIndicator::Employed12m, &record(None, vec![]), as_of), None);
    }
}
