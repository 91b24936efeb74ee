//! Rendering statements for people and machines.
//!
//! Reports only *render* a [`Statement`]; they never compute amounts. The
//! text form is for reading at a terminal, CSV for spreadsheets (with a
//! Finnish-locale dialect: `;` separator and decimal comma), JSON for tools.
//! For spreadsheets, `csv_fi` writes the whole statement (lines, totals,
//! not paid, inputs) in one Finnish CSV file and `xlsx` as a workbook.
//!
//! Values that come from records or the contract are rendered defensively,
//! even though the records reader refuses the worst of them:
//! - identity-code-shaped runs are redacted in text, CSV and JSON — in JSON
//!   every text and key of the output, whatever struct field it came from
//!   ([`redacted_json`]), except the input fingerprints (hex digests, whose
//!   file names `Inputs` redacts itself);
//! - in text, control and bidirectional/format characters are shown as
//!   `\u{…}` escapes, so no value can forge a row or drive the terminal;
//! - in CSV, a text field starting with `=`, `+`, `-`, `@`, tab or carriage
//!   return gets a leading `'` and quotes (OWASP's CSV-injection guidance),
//!   so a spreadsheet never reads it as a formula. Our own numbers (amounts,
//!   factors, occurrences) are never touched: `-12.50` stays a number.

mod csv_fi;
mod sections;
mod text;
mod xlsx;

use std::fmt::Write as _;
use std::io::{self, Write};

use rust_decimal::Decimal;

use crate::records::hetu::redact;
use crate::statement::{describe_held, Line, Statement};
use crate::text::hides_or_forges;

pub use csv_fi::{write_csv_fi, BYTE_ORDER_MARK};
pub use sections::PROGRAM;
pub use text::statement_text;
pub(crate) use text::table;
pub use xlsx::{item_names, write_xlsx, ItemNames};

/// Spreadsheet conventions for CSV output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvDialect {
    /// `,` separator, `.` decimals.
    Standard,
    /// `;` separator, decimal comma — opens correctly in a Finnish-locale
    /// spreadsheet.
    Finnish,
}

impl CsvDialect {
    fn separator(self) -> u8 {
        match self {
            CsvDialect::Standard => b',',
            CsvDialect::Finnish => b';',
        }
    }

    fn number(self, d: Decimal) -> String {
        match self {
            CsvDialect::Standard => d.to_string(),
            CsvDialect::Finnish => d.to_string().replace('.', ","),
        }
    }
}

const CSV_HEADER: [&str; 21] = [
    "contract",
    "participant",
    "item",
    "occurrence",
    "kind",
    "achieved_on",
    "tariff",
    "clause",
    "tables",
    "multiplier",
    "multipliers",
    "amount",
    "withheld",
    "withheld_by",
    "net",
    "vat",
    "gross",
    "municipality",
    "groups",
    "rule",
    "currency",
];

/// Write the statement's lines as CSV, one row per line, header first.
pub fn write_csv(s: &Statement, dialect: CsvDialect, mut out: impl Write) -> io::Result<()> {
    let header: Vec<CsvField> = CSV_HEADER.iter().map(|h| CsvField::Ours(h.to_string())).collect();
    out.write_all(csv_record(&header, dialect).as_bytes())?;
    for l in &s.lines {
        out.write_all(csv_record(&csv_row(l, dialect, &s.currency), dialect).as_bytes())?;
    }
    out.flush()
}

/// One CSV field, by where its text comes from.
enum CsvField {
    /// Written by us: numbers, dates, codes. Never neutralised, so a
    /// negative amount stays a number for the spreadsheet.
    Ours(String),
    /// From the records or the contract: redacted and neutralised.
    Given(String),
}

/// One CSV record with its line end: fields quoted only when they must
/// be, and every neutralised field quoted.
fn csv_record(fields: &[CsvField], d: CsvDialect) -> String {
    let separator = char::from(d.separator());
    let mut record = String::new();
    for (n, field) in fields.iter().enumerate() {
        if n > 0 {
            record.push(separator);
        }
        let (text, neutralised) = match field {
            CsvField::Ours(text) => (text.clone(), false),
            CsvField::Given(text) => neutralise(&redact(text)),
        };
        if neutralised || text.contains([separator, '"', '\n', '\r']) {
            let _ = write!(record, "\"{}\"", text.replace('"', "\"\""));
        } else {
            record.push_str(&text);
        }
    }
    record.push('\n');
    record
}

/// `text` with a leading `'` if a spreadsheet would read it as a formula,
/// and whether it was so prefixed.
fn neutralise(text: &str) -> (String, bool) {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        (format!("'{text}"), true)
    } else {
        (text.to_string(), false)
    }
}

fn csv_row(l: &Line, d: CsvDialect, currency: &str) -> Vec<CsvField> {
    use CsvField::{Given, Ours};
    vec![
        Given(l.id.contract.to_string()),
        Given(l.id.participant.to_string()),
        Given(l.id.item.to_string()),
        Ours(l.id.occurrence.to_string()),
        Ours(kind_name(l.kind).to_string()),
        Ours(l.achieved_on.to_string()),
        Ours(d.number(l.tariff)),
        Given(l.clause.as_deref().unwrap_or_default().to_string()),
        Given(l.tables.join("; ")),
        Ours(d.number(l.multiplier)),
        Given(l.multipliers.join("|")),
        Ours(d.number(l.amount)),
        Ours(d.number(l.withheld)),
        Ours(describe_held(&l.withheld_by, |n| d.number(n))),
        Ours(d.number(l.net)),
        Ours(d.number(l.vat)),
        Ours(d.number(l.gross)),
        Given(l.municipality.as_deref().unwrap_or_default().to_string()),
        Given(l.groups.join("|")),
        Given(l.rule.to_string()),
        Given(currency.to_string()),
    ]
}

/// A value from input as text output shows it: identity codes redacted,
/// and control, bidirectional and other invisible format characters
/// escaped as `\u{1b}`, so a value can neither forge a row nor recolour or
/// reorder the terminal.
pub fn shown(value: &str) -> String {
    let value = redact(value);
    if !value.chars().any(hides_or_forges) {
        return value;
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        if hides_or_forges(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// [`shown`] line by line: a rendered text keeps its line structure, and
/// nothing else can break or disguise a line.
pub fn shown_lines(text: &str) -> String {
    text.lines().map(|l| shown(l) + "\n").collect()
}

/// Write the whole statement as pretty-printed JSON (amounts as exact
/// strings), followed by a newline.
pub fn write_json(s: &Statement, mut out: impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, &redacted_json(s)?)?;
    out.write_all(b"\n")
}

/// `value` as JSON with every text and key redacted: the contract's own
/// texts (id, title, buyer, clauses, names) reach JSON through many
/// fields, and no field list kept by hand stays complete. The one
/// exception is a top-level `inputs` ([`crate::statement::Inputs`]): a
/// digest is 64 hex characters and may well look like a code with a
/// lower-case century sign (`123456a789b`); it is ours, never redacted,
/// and `Inputs` redacts its file names itself.
pub fn redacted_json(value: &impl serde::Serialize) -> serde_json::Result<serde_json::Value> {
    let mut value = serde_json::to_value(value)?;
    let inputs = value.get_mut("inputs").map(serde_json::Value::take);
    redact_value(&mut value);
    if let Some(inputs) = inputs {
        value["inputs"] = inputs;
    }
    Ok(value)
}

fn redact_value(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(text) => *text = redact(text),
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        Value::Object(map) => {
            *map = std::mem::take(map)
                .into_iter()
                .map(|(key, mut v)| {
                    redact_value(&mut v);
                    (redact(&key), v)
                })
                .collect();
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

pub(crate) fn kind_name(kind: crate::contract::ItemKind) -> &'static str {
    match kind {
        crate::contract::ItemKind::StartFee => "start_fee",
        crate::contract::ItemKind::Outcome => "outcome",
        crate::contract::ItemKind::FixedFee => "fixed_fee",
    }
}
