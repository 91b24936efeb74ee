//! Numbers, money and dates as the report shows them, built on `locale`.
//!
//! Finnish: `1 234,50 €`, `12,3 %`, `30.6.2027`. English: `€1,234.50`,
//! `12.3 %`, `2027-06-30`. Spaces inside a number are no-break spaces, so
//! a printed figure never splits over two lines.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::messages::month_name;
use crate::locale::{self, Lang};

/// Decimals of rates shown as percentages (the scorecard keeps 4 of the
/// proportion: 42.86 %).
pub const PERCENT_DECIMALS: u32 = 2;

const NO_BREAK: char = '\u{a0}';

fn no_break(s: String) -> String {
    s.replace(' ', "\u{a0}")
}

/// A decimal as written in the language, digits as computed.
pub fn number(lang: Lang, d: Decimal) -> String {
    match lang {
        Lang::Fi => no_break(locale::number(lang, d)),
        Lang::En => english_grouped(&locale::number(lang, d)),
    }
}

/// `1234567.50` → `1,234,567.50`.
fn english_grouped(plain: &str) -> String {
    let (sign, digits) = plain.strip_prefix('-').map_or(("", plain), |rest| ("-", rest));
    let (whole, fraction) = digits.split_once('.').map_or((digits, None), |(w, f)| (w, Some(f)));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match fraction {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// An amount in the contract's currency: `1 234,50 €` / `€1,234.50`;
/// another currency by its code (`1 234,50 SEK`, `SEK 1,234.50`).
pub fn money(lang: Lang, amount: Decimal, currency: &str) -> String {
    let n = number(lang, amount);
    match (lang, currency) {
        (Lang::Fi, "EUR") => format!("{n}{NO_BREAK}€"),
        (Lang::Fi, code) => format!("{n}{NO_BREAK}{code}"),
        (Lang::En, "EUR") => match n.strip_prefix('-') {
            Some(positive) => format!("-€{positive}"),
            None => format!("€{n}"),
        },
        (Lang::En, code) => format!("{code}{NO_BREAK}{n}"),
    }
}

/// A share (0–1) as a percentage with two decimals: `42,86 %`.
pub fn percent(lang: Lang, share: Decimal) -> String {
    no_break(locale::percent(lang, share, PERCENT_DECIMALS))
}

/// A difference in percentage points with its sign: `+22,86`.
pub fn signed(lang: Lang, d: Decimal) -> String {
    let n = number(lang, d);
    if d > Decimal::ZERO {
        format!("+{n}")
    } else {
        n.replacen('-', "−", 1)
    }
}

/// An interval `15,82 … 74,95 %`-style: both bounds written by `f`.
pub fn interval(low: String, high: String) -> String {
    format!("{low} … {high}")
}

pub fn date(lang: Lang, d: NaiveDate) -> String {
    locale::date(lang, d)
}

/// `tammikuu 2026` / `January 2026`.
pub fn month(lang: Lang, first_day: NaiveDate) -> String {
    format!("{} {}", month_name(lang, first_day.month(), false), first_day.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn finnish_money_has_a_no_break_space_and_a_decimal_comma() {
        assert_eq!(money(Lang::Fi, d("1234.50"), "EUR"), "1\u{a0}234,50\u{a0}€");
        assert_eq!(money(Lang::En, d("-1234567.50"), "EUR"), "-€1,234,567.50");
        assert_eq!(money(Lang::En, d("12.00"), "SEK"), "SEK\u{a0}12.00");
        assert_eq!(percent(Lang::Fi, d("0.123")), "12,30\u{a0}%");
    }

    #[test]
    fn differences_carry_their_sign() {
        assert_eq!(signed(Lang::Fi, d("22.86")), "+22,86");
        assert_eq!(signed(Lang::En, d("-10.00")), "−10.00");
        assert_eq!(signed(Lang::En, d("0.00")), "0.00");
    }
}
