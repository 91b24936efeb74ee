//! Contract terms added to the language for issue 9: required attributes,
//! eligibility tests with the contract's own reason codes, the leap-day
//! birthday rule, the vocabulary of instruments and dimensions, dates far
//! outside the contract's validity, and the standard rule library built
//! into the binary.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use toml::de::DeValue;

use super::read::{Reader, Table, Value};
use super::{AttributeType, DateRange, EligibilityTest, TableRef};
use crate::calendar::LeapDayBirthday;
use crate::diagnostic::{Diagnostic, Location};

/// The standard rule libraries, built into the binary so that a contract
/// using them runs wherever `tulos` is installed. A project's own `rules/`
/// folder beside or above the contract takes precedence (see
/// `parse::library`).
pub const STANDARD_LIBRARIES: [(&str, &str); 1] =
    [("rules/employment.rhai", include_str!("../../rules/employment.rhai"))];

/// The built-in text of a standard library named as in `uses`.
pub fn standard_library(name: &str) -> Option<&'static str> {
    STANDARD_LIBRARIES.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// The eligibility reason codes the engine gives for its own tests.
pub mod codes {
    /// The service starts after the as-of date: nothing can be known yet.
    pub const NOT_STARTED: &str = "not_started";
    /// The service started outside `[eligibility] service_start`.
    pub const START_OUTSIDE_PERIOD: &str = "start_outside_period";
    /// `completed = true` and the service was not completed as planned by the as-of date.
    pub const NOT_COMPLETED: &str = "not_completed";
    /// `groups_any`, `groups_all` or `groups_none` does not hold.
    pub const TARGET_GROUP: &str = "not_in_target_group";
    /// `municipalities` does not hold.
    pub const MUNICIPALITY: &str = "municipality";
    /// `[eligibility] condition` is false.
    pub const CONDITION: &str = "condition_false";
    /// `[eligibility] table` did not give `true`.
    pub const TABLE: &str = "table_false";

    pub const ALL: [&str; 7] =
        [NOT_STARTED, START_OUTSIDE_PERIOD, NOT_COMPLETED, TARGET_GROUP, MUNICIPALITY, CONDITION, TABLE];
}

/// Keys of an attribute written as a table.
pub(crate) const ATTRIBUTE_KEYS: &[&str] = &["type", "required"];
/// Keys of one `[[eligibility.test]]`.
pub(crate) const ELIGIBILITY_TEST_KEYS: &[&str] = &["code", "condition", "table", "clause"];

/// `[attributes]`: each attribute's type, written `name = "number"` or
/// `name = { type = "number", required = true }`, and the names of the
/// required ones (a record without one is an input error).
pub(super) fn attributes(r: &mut Reader, v: &Value) -> (BTreeMap<String, AttributeType>, BTreeSet<String>) {
    let mut types = BTreeMap::new();
    let mut required = BTreeSet::new();
    let Some(t) = r.table(v, "[attributes]") else { return (types, required) };
    for (key, value) in t.entries.iter() {
        let name = key.get_ref().to_string();
        let what = format!("attribute `{name}`");
        let (ty, must) = match value.get_ref() {
            DeValue::Table(entries) => {
                let inner = Table::new(entries, value.span(), &what);
                r.unknown_keys(inner, ATTRIBUTE_KEYS);
                let ty = r.required(inner, "type", "type = \"number\"");
                let must = inner.get("required").and_then(|b| r.boolean(b, &format!("{what} `required`")));
                (ty, must.unwrap_or(false))
            }
            _ => (Some(value), false),
        };
        let Some(ty) = ty.and_then(|ty| attribute_type(r, ty, &what)) else { continue };
        if must {
            required.insert(name.clone());
        }
        types.insert(name, ty);
    }
    (types, required)
}

fn attribute_type(r: &mut Reader, v: &Value, what: &str) -> Option<AttributeType> {
    let kind = r.string(v, what)?;
    let ty = match kind.as_str() {
        "text" => AttributeType::Text,
        "number" => AttributeType::Number,
        "date" => AttributeType::Date,
        "boolean" => AttributeType::Boolean,
        _ => {
            r.error(v.span(), format!("unknown attribute type \"{kind}\"")).help =
                Some("write one of: \"text\", \"number\", \"date\", \"boolean\"".into());
            return None;
        }
    };
    Some(ty)
}

/// `[[eligibility.test]]`: tests the contract names, each with the reason
/// code a participant who fails it is shown with.
pub(super) fn eligibility_tests(
    r: &mut Reader,
    t: Table,
    rule: impl Fn(&mut Reader, &Value, &str) -> Option<super::RuleText>,
    table_ref: impl Fn(&mut Reader, &Value) -> Option<TableRef>,
) -> Vec<EligibilityTest> {
    let Some(v) = t.get("test") else { return Vec::new() };
    let DeValue::Array(items) = v.get_ref() else {
        r.error(v.span(), "`test` must be written as [[eligibility.test]] sections, one per test").help =
            Some("write [[eligibility.test]] with code = \"under_18\" and condition = '…'".into());
        return Vec::new();
    };
    let mut seen = BTreeSet::new();
    let mut tests = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let path = format!("[[eligibility.test]] number {}", n + 1);
        let Some(t) = r.table(item, &path) else { continue };
        r.unknown_keys(t, ELIGIBILITY_TEST_KEYS);
        let code = r.required(t, "code", "code = \"under_18\"").and_then(|c| reason_code(r, c));
        let condition = t.get("condition").and_then(|c| rule(r, c, "eligibility test `condition`"));
        let table = t.get("table").and_then(|c| table_ref(r, c));
        if t.get("condition").is_none() && t.get("table").is_none() {
            r.error(t.header_span(r.text), format!("{path} has neither `condition` nor `table`")).help =
                Some("add condition = 'p.age_on(p.service_start) >= 18' (true = eligible) or table = \"NAME\"".into());
        }
        let Some(code) = code else { continue };
        let at = t.get("code").map_or(t.range(), |c| c.span());
        if codes::ALL.contains(&code.as_str()) {
            r.error(at, format!("eligibility reason code `{code}` is one of the engine's own codes")).help =
                Some(format!("choose another code; the engine's own are {}", codes::ALL.join(", ")));
            continue;
        }
        if !seen.insert(code.clone()) {
            r.error(at, format!("eligibility reason code `{code}` is used twice")).help =
                Some("give every test its own code".into());
            continue;
        }
        if condition.is_none() && table.is_none() {
            continue;
        }
        tests.push(EligibilityTest { code, condition, table, clause: r.opt_string(t, "clause") });
    }
    tests
}

/// A reason code: lowercase letters, digits and `_`, starting with a letter.
fn reason_code(r: &mut Reader, v: &Value) -> Option<String> {
    let code = r.string(v, "eligibility test `code`")?;
    let ok = code.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        r.error(v.span(), format!("eligibility reason code \"{code}\" is not a valid code")).help =
            Some("use lowercase letters a–z, digits and _, starting with a letter, e.g. under_18".into());
        return None;
    }
    Some(code)
}

/// `[contract] leap_day_birthday`: `"feb_28"` (default, Finnish law) or `"march_1"`.
pub(super) fn leap_day(r: &mut Reader, head: Table) -> Option<LeapDayBirthday> {
    let Some(v) = head.get("leap_day_birthday") else { return Some(LeapDayBirthday::default()) };
    let name = r.string(v, "`leap_day_birthday`")?;
    let rule = LeapDayBirthday::from_name(&name);
    if rule.is_none() {
        r.error(v.span(), format!("unknown `leap_day_birthday` \"{name}\"")).help = Some(format!(
            "write one of: {} (feb_28: a person born on 29 February is a year older on 28 February in a common year, as Finnish law counts periods)",
            LeapDayBirthday::NAMES.join(", ")
        ));
    }
    rule
}

/// A date more than this many years before the contract's `valid.from` or
/// after its `valid.to` is probably a typo (2062 for 2026): a warning.
/// Follow-up periods run past a contract, but not by years on end.
pub const FAR_YEARS: i32 = 5;

/// Warnings for every date written in the contract — TOML dates and
/// `YYYY-MM-DD` inside texts (rules and table cells) — more than
/// [`FAR_YEARS`] years outside the contract's validity.
pub(super) fn far_dates(r: &Reader, root: Table, valid: DateRange) -> Vec<Diagnostic> {
    let earliest = shift_years(valid.from, -FAR_YEARS);
    let latest = shift_years(valid.to.unwrap_or(valid.from), FAR_YEARS);
    let mut found = Vec::new();
    root.entries.iter().for_each(|(_, v)| collect_dates(r.text, v, &mut found));
    found
        .into_iter()
        .filter(|(d, _)| *d < earliest || *d > latest)
        .map(|(d, span)| {
            let to = valid.to.map_or("open-ended".to_string(), |t| t.to_string());
            Diagnostic::warning(
                &r.file,
                Location::Span(span),
                format!(
                    "the date {d} is more than {FAR_YEARS} years outside the contract's validity ({} to {to})",
                    valid.from
                ),
            )
            .with_help("check the year for a typo; `tulos check --strict` fails on this warning")
        })
        .collect()
}

fn shift_years(d: NaiveDate, years: i32) -> NaiveDate {
    crate::calendar::add_months(d, i64::from(years) * 12).unwrap_or(d)
}

/// Every date in `v`, with its span: TOML dates, and ISO dates inside
/// texts (found in the file text at the text's span, so positions are
/// exact for literal strings).
fn collect_dates(text: &str, v: &Value, out: &mut Vec<(NaiveDate, std::ops::Range<usize>)>) {
    match v.get_ref() {
        DeValue::Datetime(dt) => {
            if let Some(d) =
                dt.date.and_then(|d| NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day)))
            {
                out.push((d, v.span()));
            }
        }
        DeValue::String(_) => {
            let span = v.span();
            let Some(raw) = text.get(span.clone()) else { return };
            out.extend(iso_dates_in(raw).map(|(d, at)| (d, span.start + at..span.start + at + 10)));
        }
        DeValue::Array(items) => items.iter().for_each(|i| collect_dates(text, i, out)),
        DeValue::Table(t) => t.iter().for_each(|(_, i)| collect_dates(text, i, out)),
        _ => {}
    }
}

/// `YYYY-MM-DD` dates in `s` that are real dates, with their byte offsets.
fn iso_dates_in(s: &str) -> impl Iterator<Item = (NaiveDate, usize)> + '_ {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(9)).filter_map(move |i| {
        let window = s.get(i..i + 10)?;
        let bounded = (i == 0 || !b[i - 1].is_ascii_digit()) && b.get(i + 10).is_none_or(|c| !c.is_ascii_digit());
        let d = crate::calendar::parse_iso_date(window).filter(|_| bounded)?;
        // A year of four digits: `parse_iso_date` accepts no other shape.
        (d.year() >= 1000).then_some((d, i))
    })
}

/// `[contract] instruments` / `dimensions`: declared vocabularies, checked
/// like `target_groups` (empty = not checked).
pub(super) fn vocabulary(r: &mut Reader, head: Table, key: &str) -> Vec<String> {
    head.get(key).map(|v| r.strings(v, &format!("`{key}`"))).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_texts_are_found_only_whole() {
        let found: Vec<_> = iso_dates_in("date(\"2062-01-01\") 12026-01-01 2026-02-30 x2027-12-31").collect();
        let d = |s| crate::calendar::parse_iso_date(s).unwrap();
        assert_eq!(found, [(d("2062-01-01"), 6), (d("2027-12-31"), 43)]);
    }
}
