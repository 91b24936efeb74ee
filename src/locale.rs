//! Languages of the text outputs: Finnish and English labels in one
//! message table, and the number and date formats of each.
//!
//! Finnish: a space between thousands, a decimal comma, `12,3 %`, dates
//! `30.6.2027`. English: digits as computed (`1234.50`), `12.3 %`, ISO
//! dates. Only text outputs are localised; JSON and CSV never change with
//! the language, so tools read one format.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// The language of a text output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lang {
    Fi,
    #[default]
    En,
}

/// A label the text outputs show, in either language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    Scorecard,
    AsOf,
    Weighted,
    Unweighted,
    Indicator,
    Participants,
    Control,
    Rate,
    Interval,
    Difference,
    Additional,
    Target,
    Met,
    Yes,
    No,
    RelativeRisk,
    CompositeScore,
    Weight,
    Achievement,
    Contribution,
    Cost,
    Outcomes,
    PerOutcome,
    PerAdditionalOutcome,
    By,
    Municipality,
    TargetGroup,
    Cohort,
    NoControl,
}

/// The message table: every label in both languages, in one place.
pub fn text(lang: Lang, m: Msg) -> &'static str {
    let (fi, en) = match m {
        Msg::Scorecard => ("Vaikuttavuusraportti", "Effectiveness scorecard"),
        Msg::AsOf => ("Tilanne", "As of"),
        Msg::Weighted => ("Painotettu", "Weighted"),
        Msg::Unweighted => ("Painottamaton", "Unweighted"),
        Msg::Indicator => ("mittari", "indicator"),
        Msg::Participants => ("osallistujat", "participants"),
        Msg::Control => ("verrokit", "control"),
        Msg::Rate => ("osuus", "rate"),
        Msg::Interval => ("95 %:n väli", "95 % interval"),
        Msg::Difference => ("ero", "difference"),
        Msg::Additional => ("lisätulokset", "additional"),
        Msg::Target => ("tavoite", "target"),
        Msg::Met => ("saavutettu", "met"),
        Msg::Yes => ("kyllä", "yes"),
        Msg::No => ("ei", "no"),
        Msg::RelativeRisk => ("suhteellinen riski", "relative risk"),
        Msg::CompositeScore => ("Kokonaispisteet", "Composite score"),
        Msg::Weight => ("paino", "weight"),
        Msg::Achievement => ("toteuma", "achievement"),
        Msg::Contribution => ("osuus pisteistä", "contribution"),
        Msg::Cost => ("Kustannus", "Cost"),
        Msg::Outcomes => ("tulokset", "outcomes"),
        Msg::PerOutcome => ("per tulos", "per outcome"),
        Msg::PerAdditionalOutcome => ("per lisätulos", "per additional outcome"),
        Msg::By => ("jaoteltuna", "by"),
        Msg::Municipality => ("kunta", "municipality"),
        Msg::TargetGroup => ("kohderyhmä", "target_group"),
        Msg::Cohort => ("kohortti", "cohort"),
        Msg::NoControl => (
            "Ei verrokkitietoja: ei verrokkiryhmää eikä eroa",
            "No control records: no comparison group, no difference",
        ),
    };
    match lang {
        Lang::Fi => fi,
        Lang::En => en,
    }
}

/// A decimal as the language writes it: Finnish `1 234,50`, English
/// `1234.50` (the digits as computed: the decimals are kept).
pub fn number(lang: Lang, d: Decimal) -> String {
    let plain = d.to_string();
    match lang {
        Lang::En => plain,
        Lang::Fi => {
            let (sign, digits) = plain.strip_prefix('-').map_or(("", plain.as_str()), |rest| ("-", rest));
            let (whole, fraction) = digits.split_once('.').map_or((digits, None), |(w, f)| (w, Some(f)));
            let mut grouped = String::new();
            for (i, c) in whole.chars().enumerate() {
                if i > 0 && (whole.len() - i) % 3 == 0 {
                    grouped.push(' ');
                }
                grouped.push(c);
            }
            match fraction {
                Some(f) => format!("{sign}{grouped},{f}"),
                None => format!("{sign}{grouped}"),
            }
        }
    }
}

/// A share (0–1) as a percentage with `decimals` decimals: `12,3 %`.
pub fn percent(lang: Lang, share: Decimal, decimals: u32) -> String {
    let mut p = share * Decimal::ONE_HUNDRED;
    p = p.round_dp_with_strategy(decimals, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    p.rescale(decimals);
    format!("{} %", number(lang, p))
}

/// A date: Finnish `30.6.2027`, English `2027-06-30`.
pub fn date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::Fi => format!("{}.{}.{}", d.day(), d.month(), d.year()),
        Lang::En => d.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn finnish_numbers_group_thousands_with_a_space_and_use_a_decimal_comma() {
        assert_eq!(number(Lang::Fi, d("1234.50")), "1 234,50");
        assert_eq!(number(Lang::Fi, d("-1234567.5")), "-1 234 567,5");
        assert_eq!(number(Lang::Fi, d("999")), "999");
        assert_eq!(number(Lang::En, d("1234.50")), "1234.50");
    }

    #[test]
    fn percentages_and_dates_follow_the_language() {
        assert_eq!(percent(Lang::Fi, d("0.123"), 1), "12,3 %");
        assert_eq!(percent(Lang::En, d("0.4286"), 2), "42.86 %");
        let day = NaiveDate::from_ymd_opt(2027, 6, 30).unwrap();
        assert_eq!((date(Lang::Fi, day), date(Lang::En, day)), ("30.6.2027".into(), "2027-06-30".into()));
    }
}
