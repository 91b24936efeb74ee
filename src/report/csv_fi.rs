//! `--format csv-fi`: the whole statement for a spreadsheet in the Finnish
//! locale, in one file.
//!
//! Layout (documented in the README): a UTF-8 byte-order mark, so a
//! spreadsheet reads `ä`, `ö` and `§` as UTF-8; the lines as in
//! [`write_csv`](super::write_csv) with the Finnish dialect; then, each
//! after one empty row and under its own header row, the totals (first
//! column `item`, `municipality`, `group` or `overall`), the items not paid
//! with their reasons (a participant not eligible at all has an empty item
//! and the reason `not_eligible`), and the inputs with their fingerprints.

use std::io::{self, Write};

use super::sections::{
    amount_columns, input_rows, not_paid_rows, total_rows, INPUT_HEADER, NOT_PAID_HEADER, TOTAL_HEADER,
};
use super::{csv_record, write_csv, CsvDialect, CsvField};
use crate::statement::Statement;

/// What makes a spreadsheet read the file as UTF-8.
pub const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// Write the statement as the Finnish spreadsheet CSV described above.
pub fn write_csv_fi(s: &Statement, mut out: impl Write) -> io::Result<()> {
    let d = CsvDialect::Finnish;
    out.write_all(BYTE_ORDER_MARK)?;
    write_csv(s, d, &mut out)?;
    let mut section = |header: &[&str], rows: Vec<Vec<CsvField>>| -> io::Result<()> {
        out.write_all(b"\n")?;
        let header: Vec<CsvField> = header.iter().map(|h| CsvField::Ours(h.to_string())).collect();
        out.write_all(csv_record(&header, d).as_bytes())?;
        rows.iter().try_for_each(|row| out.write_all(csv_record(row, d).as_bytes()))
    };
    let totals = total_rows(s)
        .into_iter()
        .map(|t| {
            let mut row = vec![CsvField::Ours(t.by.to_string()), CsvField::Given(t.key.to_string())];
            row.push(CsvField::Ours(t.amounts.lines.to_string()));
            row.extend(amount_columns(t.amounts).map(|a| CsvField::Ours(d.number(a))));
            row
        })
        .collect();
    section(&TOTAL_HEADER, totals)?;
    let not_paid = not_paid_rows(s)
        .into_iter()
        .map(|n| {
            vec![
                CsvField::Given(n.participant.to_string()),
                CsvField::Given(n.item.to_string()),
                CsvField::Ours(n.reason.to_string()),
                CsvField::Given(n.detail.to_string()),
            ]
        })
        .collect();
    section(&NOT_PAID_HEADER, not_paid)?;
    // Digests are ours: hex can look like an identity code and is never redacted.
    let inputs = input_rows(s)
        .into_iter()
        .map(|(what, value, sha)| vec![CsvField::Ours(what.to_string()), CsvField::Given(value), CsvField::Ours(sha)])
        .collect();
    section(&INPUT_HEADER, inputs)?;
    out.flush()
}
