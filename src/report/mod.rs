//! Rendering statements for people and machines.
//!
//! Reports only *render* a [`Statement`]; they never compute amounts. The
//! text form is for reading at a terminal, CSV for spreadsheets (with a
//! Finnish-locale dialect: `;` separator and decimal comma), JSON for tools.
//! `csv` writes CSV fields and records, and a statement's lines as rows
//! rendered on several threads (the same bytes as on one); `json` writes
//! the JSON statement with its lists rendered so ([`write_json_on`]),
//! byte for byte [`write_json`], the one-thread reference. For
//! spreadsheets, `csv_fi` writes the whole statement (lines, totals, not
//! paid, inputs) in one Finnish CSV file and `xlsx` as a workbook.
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

mod blocks;
mod csv;
mod csv_fi;
pub mod html;
mod json;
pub mod portfolio;
mod sections;
#[cfg(test)]
mod test_support;
mod text;
mod xlsx;

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::records::hetu::{redact, redacted};
use crate::statement::{ImpactArm, ImpactComputation, Statement};
use crate::text::hides_or_forges;

pub(crate) use csv::{csv_record, CsvField, CSV_HEADER};
pub use csv::{write_csv, write_csv_on, CsvDialect};
pub use csv_fi::{write_csv_fi, write_csv_fi_in, write_csv_fi_on, BYTE_ORDER_MARK};
pub use json::write_json_on;
pub use sections::PROGRAM;
pub(crate) use text::table;
pub use text::{statement_text, statement_text_in, write_statement_text_in};
pub use xlsx::{item_names, item_names_in, write_xlsx, write_xlsx_in, ItemNames};

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
/// lines never exists a second time as a JSON tree in memory. The
/// reference for [`write_json_on`] (what `tulos calculate` uses), which
/// renders the statement's lists on several threads.
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
