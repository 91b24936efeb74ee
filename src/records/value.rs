//! Scalar values in the two textual dialects of the interchange format.
//!
//! [`Dialect::Standard`] (JSON Lines, comma CSV): `.` decimals, ISO dates.
//! [`Dialect::Finnish`] (`;` CSV from Finnish spreadsheets): decimal comma
//! with optional space / no-break-space thousands grouping (`1 820,40`),
//! `D.M.YYYY` dates. Parsing is strict — a value that could be read two ways
//! is refused rather than guessed — and each parser has a matching
//! `*_expected` description for "expected … found …" messages.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::model::Dialect;
use crate::calendar::parse_iso_date;
use crate::money::{self, DecimalError};

/// An exact decimal: `-12.50` (standard) or `-1 012,50` (Finnish).
pub fn parse_decimal(text: &str, dialect: Dialect) -> Option<Decimal> {
    parse_decimal_exact(text, dialect).ok()
}

/// [`parse_decimal`] with the reason a text is refused: not a decimal of
/// the dialect, more digits than an exact decimal holds, or too large.
pub fn parse_decimal_exact(text: &str, dialect: Dialect) -> Result<Decimal, DecimalError> {
    match dialect {
        Dialect::Standard => money::parse_exact(text),
        Dialect::Finnish => money::parse_exact(&finnish_to_standard(text).ok_or(DecimalError::Syntax)?),
    }
}

/// What [`parse_decimal`] accepts, for messages.
pub fn decimal_expected(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Standard => "a decimal like \"1820.40\"",
        Dialect::Finnish => "a decimal like \"1820,40\" or \"1 820,40\"",
    }
}

/// Rewrites a Finnish decimal in the standard form, or `None` when its
/// grouping is not the thousands grouping (so `1 82,4` is refused).
fn finnish_to_standard(text: &str) -> Option<String> {
    // A point is not a decimal separator here, and reading it as a
    // thousands separator would be a guess.
    if text.contains('.') {
        return None;
    }
    let (sign, body) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (int, frac) = match body.split_once(',') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let groups: Vec<&str> = int.split([' ', '\u{a0}', '\u{202f}']).collect();
    let (first, rest) = groups.split_first()?;
    if !rest.is_empty() && (first.is_empty() || first.len() > 3 || rest.iter().any(|g| g.len() != 3)) {
        return None;
    }
    let mut out = format!("{sign}{}", groups.concat());
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    Some(out)
}

/// A calendar date: ISO `YYYY-MM-DD`; the Finnish dialect also (and
/// normally) `D.M.YYYY` with or without leading zeros.
pub fn parse_date(text: &str, dialect: Dialect) -> Option<NaiveDate> {
    all_digit_iso_date(text).or_else(|| parse_iso_date(text)).or_else(|| match dialect {
        Dialect::Standard => None,
        Dialect::Finnish => parse_finnish_date(text),
    })
}

/// `YYYY-MM-DD` with every other character an ASCII digit, read without
/// chrono's format parser (the common case, and the hot one); `None`
/// leaves anything else to [`parse_iso_date`].
pub(super) fn all_digit_iso_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return None;
    }
    let number = |range: std::ops::Range<usize>| b[range].iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    NaiveDate::from_ymd_opt(i32::try_from(number(0..4)).ok()?, number(5..7), number(8..10))
}

/// What [`parse_date`] accepts, for messages.
pub fn date_expected(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Standard => "a date like \"2026-05-18\" (YYYY-MM-DD)",
        Dialect::Finnish => "a date like \"18.5.2026\" (D.M.YYYY)",
    }
}

fn parse_finnish_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.split('.');
    let day = short_number(parts.next()?)?;
    let month = short_number(parts.next()?)?;
    let year = year(parts.next()?)?;
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

/// A month as its first day: `YYYY-MM`; the Finnish dialect also `M.YYYY`.
pub fn parse_month(text: &str, dialect: Dialect) -> Option<NaiveDate> {
    let (year_text, month_text) = match (text.split_once('-'), dialect) {
        (Some((y, m)), _) if m.len() == 2 => (y, m),
        (None, Dialect::Finnish) => {
            let (m, y) = text.split_once('.')?;
            (y, m)
        }
        _ => return None,
    };
    NaiveDate::from_ymd_opt(year(year_text)?, short_number(month_text)?, 1)
}

/// What [`parse_month`] accepts, for messages.
pub fn month_expected(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Standard => "a month like \"2026-05\" (YYYY-MM)",
        Dialect::Finnish => "a month like \"2026-05\" or \"5.2026\"",
    }
}

/// A CSV boolean: `true`/`false`, `1`/`0`, `yes`/`no`, `kyllä`/`ei`,
/// `tosi`/`epätosi`, in any case.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.to_lowercase().as_str() {
        "true" | "1" | "yes" | "kyllä" | "tosi" => Some(true),
        "false" | "0" | "no" | "ei" | "epätosi" => Some(false),
        _ => None,
    }
}

/// What [`parse_bool`] accepts, for messages.
pub const BOOL_EXPECTED: &str = "true/false, 1/0, yes/no, kyllä/ei or tosi/epätosi";

/// One or two digits (day or month).
fn short_number(text: &str) -> Option<u32> {
    let ok = (1..=2).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| text.parse().ok()).flatten()
}

/// Exactly four digits.
fn year(text: &str) -> Option<i32> {
    let ok = text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| text.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Dialect::{Finnish, Standard};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dec(text: &str, dialect: Dialect) -> Option<String> {
        parse_decimal(text, dialect).map(|d| d.to_string())
    }

    #[test]
    fn standard_decimals_are_strict() {
        assert_eq!(dec("1820.40", Standard).as_deref(), Some("1820.40"));
        assert_eq!(dec("1820,40", Standard), None);
        assert_eq!(dec("1 820.40", Standard), None);
    }

    #[test]
    fn finnish_decimals_take_a_comma_and_thousands_groups() {
        assert_eq!(dec("1820,40", Finnish).as_deref(), Some("1820.40"));
        assert_eq!(dec("1 820,40", Finnish).as_deref(), Some("1820.40"));
        assert_eq!(dec("1\u{a0}820,40", Finnish).as_deref(), Some("1820.40"));
        assert_eq!(dec("-12 345 678,5", Finnish).as_deref(), Some("-12345678.5"));
        assert_eq!(dec("37", Finnish).as_deref(), Some("37"));
        for bad in ["1820.40", "1 82,40", "1820 ,4", " 820,4", "1,2,3", "1e3", ",5", "1,", ""] {
            assert_eq!(dec(bad, Finnish), None, "{bad:?}");
        }
    }

    #[test]
    fn dates_per_dialect() {
        assert_eq!(parse_date("2026-05-18", Standard), Some(d(2026, 5, 18)));
        assert_eq!(parse_date("18.5.2026", Standard), None);
        assert_eq!(parse_date("18.5.2026", Finnish), Some(d(2026, 5, 18)));
        assert_eq!(parse_date("08.05.2026", Finnish), Some(d(2026, 5, 8)));
        assert_eq!(parse_date("2026-05-18", Finnish), Some(d(2026, 5, 18)));
        for bad in ["31.2.2026", "18.5.26", "18.5.2026.", "018.5.2026", "18-5-2026", "18.5"] {
            assert_eq!(parse_date(bad, Finnish), None, "{bad:?}");
        }
    }

    #[test]
    fn months_are_first_days() {
        assert_eq!(parse_month("2026-05", Standard), Some(d(2026, 5, 1)));
        assert_eq!(parse_month("2026-05", Finnish), Some(d(2026, 5, 1)));
        assert_eq!(parse_month("5.2026", Finnish), Some(d(2026, 5, 1)));
        assert_eq!(parse_month("05.2026", Finnish), Some(d(2026, 5, 1)));
        for bad in ["5.2026", "2026-5", "2026-13", "2026-05-01"] {
            assert_eq!(parse_month(bad, Standard), None, "{bad:?}");
        }
        assert_eq!(parse_month("13.2026", Finnish), None);
    }

    #[test]
    fn booleans_in_any_case() {
        for yes in ["true", "TRUE", "1", "Yes", "kyllä", "KYLLÄ", "Tosi"] {
            assert_eq!(parse_bool(yes), Some(true), "{yes}");
        }
        for no in ["false", "0", "NO", "ei", "Ei", "epätosi", "EPÄTOSI"] {
            assert_eq!(parse_bool(no), Some(false), "{no}");
        }
        assert_eq!(parse_bool("x"), None);
        assert_eq!(parse_bool("2"), None);
    }
}
