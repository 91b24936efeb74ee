//! The `tests.toml` format and its inline records.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, Location};
use crate::records::normalise_id;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Suite {
    #[serde(rename = "case", default)]
    pub cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Case {
    pub name: String,
    #[serde(deserialize_with = "date")]
    pub as_of: NaiveDate,
    /// A records file, relative to `tests.toml`; without it, `record`.
    pub records: Option<String>,
    /// Participants written inline, in the records format's JSON layout.
    #[serde(rename = "record", default)]
    pub inline: Vec<Spanned<toml::Table>>,
    #[serde(default)]
    pub paid: Vec<Spanned<Paid>>,
    #[serde(default)]
    pub not_paid: Vec<Spanned<NotPaid>>,
    pub totals: Option<Spanned<Totals>>,
}

impl Case {
    pub fn expectations(&self) -> usize {
        let totals = self.totals.as_ref().map_or(0, |t| t.get_ref().count());
        self.paid.len() + self.not_paid.len() + totals
    }
}

/// A line the statement must hold.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Paid {
    pub participant: String,
    pub item: String,
    #[serde(default = "first")]
    pub occurrence: u32,
    #[serde(default, deserialize_with = "money")]
    pub net: Option<Decimal>,
    #[serde(default, deserialize_with = "money")]
    pub gross: Option<Decimal>,
    #[serde(default, deserialize_with = "some_date")]
    pub achieved_on: Option<NaiveDate>,
}

fn first() -> u32 {
    1
}

/// An item the participant must not be paid for, and the reason code
/// (`not_achieved`, …; `not_eligible` with no item).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NotPaid {
    pub participant: String,
    pub item: Option<String>,
    pub reason: String,
}

/// The statement's overall totals.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Totals {
    pub lines: Option<u64>,
    #[serde(default, deserialize_with = "money")]
    pub net: Option<Decimal>,
    #[serde(default, deserialize_with = "money")]
    pub vat: Option<Decimal>,
    #[serde(default, deserialize_with = "money")]
    pub gross: Option<Decimal>,
}

impl Totals {
    fn count(&self) -> usize {
        [self.lines.is_some(), self.net.is_some(), self.vat.is_some(), self.gross.is_some()]
            .into_iter()
            .filter(|b| *b)
            .count()
    }
}

/// Money as a string (`"800.00"`): a TOML float would lose its scale.
fn money<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let text = String::deserialize(d)?;
    crate::money::parse_exact(&text)
        .map(Some)
        .map_err(|e| serde::de::Error::custom(format!("write money as a decimal string like \"800.00\": {e}")))
}

/// A TOML date (`2026-12-31`) or the same as a string.
fn date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let value = toml::Value::deserialize(d)?;
    let text = match &value {
        toml::Value::Datetime(dt) => dt.to_string(),
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    crate::calendar::parse_iso_date(&text)
        .ok_or_else(|| serde::de::Error::custom(format!("expected a date like 2026-12-31, found {text}")))
}

fn some_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    date(d).map(Some)
}

pub(super) fn parse(file: &Path, text: &str) -> Result<Suite, Vec<Diagnostic>> {
    let mut suite: Suite = toml::from_str(text).map_err(|e| {
        let location = e.span().map_or(Location::File, Location::Span);
        vec![Diagnostic::error(file, location, e.message().to_string())
            .with_help("see \"Contract tests\" in the README for the layout of tests.toml")]
    })?;
    // Ids are compared as the records reader normalises them.
    for case in &mut suite.cases {
        case.paid.iter_mut().for_each(|p| p.get_mut().participant = normalise_id(&p.get_ref().participant));
        case.not_paid.iter_mut().for_each(|n| n.get_mut().participant = normalise_id(&n.get_ref().participant));
    }
    let mut problems = Vec::new();
    for case in &suite.cases {
        if case.records.is_some() != case.inline.is_empty() {
            let message =
                format!("case \"{}\": give either `records = \"FILE\"` or `[[case.record]]` tables", case.name);
            problems.push(Diagnostic::error(file, Location::File, message));
        }
    }
    if problems.is_empty() {
        Ok(suite)
    } else {
        Err(problems)
    }
}

/// 1-based line of byte offset `at` in `text`.
pub(super) fn line_of(text: &str, at: usize) -> u64 {
    let before = text.get(..at).unwrap_or(text);
    before.bytes().filter(|b| *b == b'\n').count() as u64 + 1
}

/// The inline records of `case` as a JSON Lines file in the temporary
/// folder, one record per line in the order written: the records reader
/// takes a path.
pub(super) fn write_inline(case: &Case) -> Result<PathBuf, Vec<Diagnostic>> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("tulos-case-{}-{n}.jsonl", std::process::id()));
    let lines: Vec<String> =
        case.inline.iter().map(|r| json(&toml::Value::Table(r.get_ref().clone())).to_string()).collect();
    std::fs::write(&path, lines.join("\n") + "\n").map_err(|e| {
        vec![Diagnostic::error(&path, Location::File, format!("cannot write the inline records of a case: {e}"))]
    })?;
    Ok(path)
}

/// A TOML value in the records format's JSON: dates become ISO strings.
fn json(value: &toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(i) => J::from(*i),
        // Floats are passed on as numbers so the records reader refuses
        // them where money is expected, naming the field.
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(items) => J::Array(items.iter().map(json).collect()),
        toml::Value::Table(t) => J::Object(t.iter().map(|(k, v)| (k.clone(), json(v))).collect()),
    }
}

/// A diagnostic of the records reader about inline record N (line N of
/// the temporary file) pointed at that record's line in `tests.toml`.
pub(super) fn point_at_record(mut d: Diagnostic, tests: &Path, text: &str, case: &Case) -> Diagnostic {
    let record = match d.location {
        Location::Line { line, .. } => usize::try_from(line).ok().and_then(|l| case.inline.get(l.checked_sub(1)?)),
        _ => None,
    };
    d.location = match record {
        Some(r) => Location::Line { line: line_of(text, r.span().start), column: None },
        None => Location::File,
    };
    d.message = format!("case \"{}\": {}", case.name, d.message);
    d.file = tests.to_path_buf();
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_participant_ids_are_normalised_as_the_records_are() {
        let text = "[[case]]\nname = \"x\"\nas_of = 2026-12-31\nrecords = \"r.jsonl\"\n\
                    [[case.paid]]\nparticipant = \" C-001 \"\nitem = \"start_fee\"\n\
                    [[case.not_paid]]\nparticipant = \"C-002\\t\"\nreason = \"not_eligible\"\n";
        let suite = parse(Path::new("tests.toml"), text).unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(suite.cases[0].paid[0].get_ref().participant, "C-001");
        assert_eq!(suite.cases[0].not_paid[0].get_ref().participant, "C-002");
    }
}
