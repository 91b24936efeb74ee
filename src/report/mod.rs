//! Rendering statements for people and machines.
//!
//! Reports only *render* a [`Statement`]; they never compute amounts. The
//! text form is for reading at a terminal, CSV for spreadsheets (with a
//! Finnish-locale dialect: `;` separator and decimal comma), JSON for tools.

mod text;

use std::io::{self, Write};

use rust_decimal::Decimal;

use crate::statement::{describe_held, Line, Statement};

pub use text::statement_text;

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
pub fn write_csv(s: &Statement, dialect: CsvDialect, out: impl Write) -> io::Result<()> {
    let mut w = csv::WriterBuilder::new().delimiter(dialect.separator()).from_writer(out);
    w.write_record(CSV_HEADER).map_err(io_error)?;
    for l in &s.lines {
        w.write_record(csv_row(l, dialect, &s.currency)).map_err(io_error)?;
    }
    w.flush()
}

/// The I/O error inside a CSV error, keeping its kind (a closed pipe is
/// not a failure for the caller).
fn io_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

fn csv_row(l: &Line, d: CsvDialect, currency: &str) -> Vec<String> {
    vec![
        l.id.contract.to_string(),
        l.id.participant.to_string(),
        l.id.item.to_string(),
        l.id.occurrence.to_string(),
        kind_name(l.kind).to_string(),
        l.achieved_on.to_string(),
        d.number(l.tariff),
        l.clause.as_deref().unwrap_or_default().to_string(),
        l.tables.join("; "),
        d.number(l.multiplier),
        l.multipliers.join("|"),
        d.number(l.amount),
        d.number(l.withheld),
        describe_held(&l.withheld_by, |n| d.number(n)),
        d.number(l.net),
        d.number(l.vat),
        d.number(l.gross),
        l.municipality.as_deref().unwrap_or_default().to_string(),
        l.groups.join("|"),
        l.rule.to_string(),
        currency.to_string(),
    ]
}

/// Write the whole statement as pretty-printed JSON (amounts as exact
/// strings), followed by a newline.
pub fn write_json(s: &Statement, mut out: impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, s)?;
    out.write_all(b"\n")
}

pub(crate) fn kind_name(kind: crate::contract::ItemKind) -> &'static str {
    match kind {
        crate::contract::ItemKind::StartFee => "start_fee",
        crate::contract::ItemKind::Outcome => "outcome",
        crate::contract::ItemKind::FixedFee => "fixed_fee",
    }
}
