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
pub mod html;
pub mod portfolio;
mod sections;
mod text;
mod xlsx;

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

use rust_decimal::Decimal;

use crate::records::hetu::{redact, redacted};
use crate::statement::{describe_held, ImpactArm, ImpactComputation, Line, Statement};
use crate::text::hides_or_forges;

pub use csv_fi::{write_csv_fi, write_csv_fi_in, BYTE_ORDER_MARK};
pub use sections::PROGRAM;
pub(crate) use text::table;
pub use text::{statement_text, statement_text_in};
pub use xlsx::{item_names, item_names_in, write_xlsx, write_xlsx_in, ItemNames};

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

pub(crate) const CSV_HEADER: [&str; 21] = [
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
/// A statement with impact payments has one more column, `computation`:
/// how an impact line's amount was computed (empty on other lines).
pub fn write_csv(s: &Statement, dialect: CsvDialect, mut out: impl Write) -> io::Result<()> {
    let with_impact = !s.impact_payments.is_empty();
    let mut header: Vec<CsvField> = CSV_HEADER.iter().map(|h| CsvField::Ours(h.to_string())).collect();
    if with_impact {
        header.push(CsvField::Ours("computation".into()));
    }
    out.write_all(csv_record(&header, dialect).as_bytes())?;
    // One buffer for every row: a statement can have a million lines.
    let (mut row, mut scratch) = (String::new(), String::new());
    for l in &s.lines {
        row.clear();
        push_line(&mut row, &mut scratch, l, dialect, &s.currency);
        if with_impact {
            let computation = s.impact_payments.iter().find(|i| i.item == l.id.item && l.id.participant.is_empty());
            let text =
                computation.map(|c| impact_steps(c).iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>());
            row.push(char::from(dialect.separator()));
            push_field(&mut row, &text.map(|t| t.join("; ")).unwrap_or_default(), true, dialect);
        }
        row.push('\n');
        out.write_all(row.as_bytes())?;
    }
    out.flush()
}

/// An impact payment's computation as (label, value) steps, in the order
/// it was computed: what the text statement lists and CSV joins.
pub fn impact_steps(c: &ImpactComputation) -> Vec<(&'static str, String)> {
    let mut steps = vec![("formula", c.formula.clone())];
    if let Some(outcome) = &c.outcome {
        steps.push(("outcome", outcome.clone()));
    }
    steps.push(("participants", arm_text(&c.participants)));
    if let Some(control) = &c.control {
        steps.push(("control", arm_text(control)));
    }
    for v in &c.values {
        let sign = if v.sign < 0 { "−" } else { "+" };
        let mean = |m: Option<rust_decimal::Decimal>| m.map_or("—".into(), |m| m.to_string());
        let mut text =
            format!("{sign}{}: mean_T {} (missing {})", v.value, mean(v.participants_mean), v.participants_missing);
        if let Some(missing) = v.control_missing {
            let _ = write!(text, ", mean_C {} (missing {missing})", mean(v.control_mean));
        }
        if let Some(b) = v.baseline {
            let _ = write!(text, ", baseline {b}");
        }
        steps.push(("value", text));
    }
    if let Some(b) = c.baseline {
        steps.push(("baseline", b.to_string()));
    }
    let number = |d: Option<rust_decimal::Decimal>| d.map_or("—".to_string(), |d| d.to_string());
    steps.push(("difference", number(c.difference)));
    if let (Some(i), Some(method)) = (c.interval, c.interval_method) {
        steps.push(("95 % interval", format!("{} … {} ({method})", i.low, i.high)));
    } else if let Some(method) = c.interval_method {
        steps.push(("95 % interval", format!("— ({method})")));
    }
    if let Some(t) = c.threshold {
        steps.push(("threshold", t.to_string()));
    }
    steps.push(("paid on", format!("{} {}", c.pay_on, number(c.paid_on))));
    if let (Some(a), Some(counted)) = (c.additional, c.additional_counted) {
        steps.push(("additional", format!("{a} ({counted})")));
    }
    if let Some(p) = c.price {
        steps.push(("price", p.to_string()));
    }
    if let Some(s) = c.share {
        steps.push(("share", s.to_string()));
    }
    steps.push(("amount", c.amount.to_string()));
    if let Some(reason) = &c.reason {
        steps.push(("reason", reason.clone()));
    }
    if let Some(weights) = c.weights {
        steps.push(("weights", weights.to_string()));
    }
    steps
}

/// `3/7 = 0.428571` (per outcome) or `N 7 of 8 eligible (1 missing a value), mean 1200.5`.
fn arm_text(a: &ImpactArm) -> String {
    match (a.count, a.rate, a.mean) {
        (Some(count), rate, _) => format!("{count}/{} = {}", a.n, rate.map_or("—".into(), |r| r.to_string())),
        (None, _, mean) => format!(
            "N {} of {} eligible ({} missing a value), mean net value {}",
            a.n,
            a.eligible,
            a.missing.unwrap_or(0),
            mean.map_or("—".into(), |m| m.to_string())
        ),
    }
}

/// One CSV field, by where its text comes from.
pub(crate) enum CsvField {
    /// Written by us: numbers, dates, codes. Never neutralised, so a
    /// negative amount stays a number for the spreadsheet.
    Ours(String),
    /// From the records or the contract: redacted and neutralised.
    Given(String),
}

/// One CSV record with its line end: fields quoted only when they must
/// be, and every neutralised field quoted.
pub(crate) fn csv_record(fields: &[CsvField], d: CsvDialect) -> String {
    let mut record = String::new();
    for (n, field) in fields.iter().enumerate() {
        if n > 0 {
            record.push(char::from(d.separator()));
        }
        match field {
            CsvField::Ours(text) => push_field(&mut record, text, false, d),
            CsvField::Given(text) => push_field(&mut record, text, true, d),
        }
    }
    record.push('\n');
    record
}

/// Append one field: a `given` text (from the records or the contract) is
/// redacted, and prefixed with `'` if a spreadsheet would read it as a
/// formula; a field is quoted when it is so prefixed or holds a separator,
/// a quote or a line break. Our own texts (numbers, dates, codes) are
/// never prefixed, so a negative amount stays a number for the spreadsheet.
fn push_field(record: &mut String, text: &str, given: bool, d: CsvDialect) {
    let text = if given { redacted(text) } else { Cow::Borrowed(text) };
    let neutralised = given && text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if !neutralised && !text.contains([char::from(d.separator()), '"', '\n', '\r']) {
        record.push_str(&text);
        return;
    }
    record.push('"');
    if neutralised {
        record.push('\'');
    }
    for (n, part) in text.split('"').enumerate() {
        if n > 0 {
            record.push_str("\"\"");
        }
        record.push_str(part);
    }
    record.push('"');
}

/// Append one statement line's fields in [`CSV_HEADER`] order (no line
/// end); `scratch` is reused for the texts that are joined first.
fn push_line(row: &mut String, scratch: &mut String, l: &Line, d: CsvDialect, currency: &str) {
    let mut f = Fields { row, d, first: true };
    let mut joined = |f: &mut Fields, parts: &[&str], by: &str| {
        scratch.clear();
        for (n, part) in parts.iter().enumerate() {
            if n > 0 {
                scratch.push_str(by);
            }
            scratch.push_str(part);
        }
        f.given(scratch);
    };
    f.given(&l.id.contract);
    f.given(&l.id.participant);
    f.given(&l.id.item);
    f.display(l.id.occurrence);
    f.ours(kind_name(l.kind));
    f.display(l.achieved_on);
    f.number(l.tariff);
    f.given(l.clause.as_deref().unwrap_or_default());
    joined(&mut f, &l.tables.iter().map(|t| &**t).collect::<Vec<_>>(), "; ");
    f.number(l.multiplier);
    joined(&mut f, &l.multipliers.iter().map(|m| &**m).collect::<Vec<_>>(), "|");
    f.number(l.amount);
    f.number(l.withheld);
    f.ours(&describe_held(&l.withheld_by, |n| d.number(n)));
    f.number(l.net);
    f.number(l.vat);
    f.number(l.gross);
    f.given(l.municipality.as_deref().unwrap_or_default());
    joined(&mut f, &l.groups.iter().map(String::as_str).collect::<Vec<_>>(), "|");
    f.given(&l.rule);
    f.given(currency);
}

/// The fields of one CSV record, written in order with separators.
struct Fields<'r> {
    row: &'r mut String,
    d: CsvDialect,
    first: bool,
}

impl Fields<'_> {
    fn separate(&mut self) {
        if !self.first {
            self.row.push(char::from(self.d.separator()));
        }
        self.first = false;
    }

    /// A text from the records or the contract (see [`push_field`]).
    fn given(&mut self, text: &str) {
        self.separate();
        push_field(self.row, text, true, self.d);
    }

    /// A text of ours: a code or a description we wrote.
    fn ours(&mut self, text: &str) {
        self.separate();
        push_field(self.row, text, false, self.d);
    }

    /// A date or a count: nothing in it needs quoting.
    fn display(&mut self, value: impl std::fmt::Display) {
        self.separate();
        let _ = write!(self.row, "{value}");
    }

    /// An amount as [`CsvDialect::number`] writes it, without a copy.
    fn number(&mut self, n: Decimal) {
        self.separate();
        let start = self.row.len();
        let _ = write!(self.row, "{n}");
        if self.d == CsvDialect::Finnish {
            if let Some(dot) = self.row[start..].find('.') {
                self.row.replace_range(start + dot..start + dot + 1, ",");
            }
        }
    }
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
/// strings), followed by a newline: the bytes of [`redacted_json`]
/// printed pretty, but streamed — serialised straight into `out` and
/// redacted line by line ([`RedactLines`]), so a statement of a million
/// lines never exists a second time as a JSON tree in memory.
pub fn write_json(s: &Statement, out: impl Write) -> io::Result<()> {
    let mut lines = RedactLines { out, line: Vec::new(), in_inputs: false };
    serde_json::to_writer_pretty(&mut lines, s)?;
    lines.write_all(b"\n")?;
    lines.end_line()?;
    lines.out.flush()
}

/// Redacts pretty-printed JSON as it is written, one line at a time. A
/// JSON text never holds a raw line break (serde_json escapes it), so
/// every string and key is whole on its line, and an identity code cannot
/// run across the quotes around it: redacting the line is redacting each
/// text on it. As in [`redacted_json`], the top-level `inputs` object (its
/// digests may look like codes, and it redacts its own file names) is
/// written as it is.
struct RedactLines<W> {
    out: W,
    line: Vec<u8>,
    in_inputs: bool,
}

impl<W: Write> RedactLines<W> {
    fn end_line(&mut self) -> io::Result<()> {
        let line = std::str::from_utf8(&self.line).map_err(io::Error::other)?;
        if self.in_inputs {
            self.in_inputs = !matches!(line.trim_end(), "  }" | "  },");
            self.out.write_all(line.as_bytes())?;
        } else {
            self.in_inputs = line.starts_with("  \"inputs\": {") && line.trim_end().ends_with('{');
            self.out.write_all(redacted(line).as_bytes())?;
        }
        self.line.clear();
        Ok(())
    }
}

impl<W: Write> Write for RedactLines<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let mut rest = bytes;
        while let Some(end) = memchr::memchr(b'\n', rest) {
            self.line.extend_from_slice(&rest[..=end]);
            self.end_line()?;
            rest = &rest[end + 1..];
        }
        self.line.extend_from_slice(rest);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
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
        crate::contract::ItemKind::Impact => "impact",
    }
}
