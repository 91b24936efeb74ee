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
//!
//! In Finnish ([`write_csv_fi_in`]) the header rows, the groupings of the
//! totals, the reasons and the names of the inputs are Finnish words
//! (`saavutettu`, `tulosta ei saavutettu (not_achieved)`); the numbers and
//! the values are the same in either language.

use std::io::{self, Write};

use super::csv::{line_columns, write_lines};
use super::sections::{
    amount_columns, input_rows, not_paid_rows, total_rows, INPUT_HEADER, NOT_PAID_HEADER, TOTAL_HEADER,
};
use super::{csv_record, CsvDialect, CsvField};
use crate::locale::{self, Lang};
use crate::payment::Threads;
use crate::statement::Statement;

/// What makes a spreadsheet read the file as UTF-8.
pub const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// Write the statement as the Finnish spreadsheet CSV described above,
/// with English column codes.
pub fn write_csv_fi(s: &Statement, out: impl Write) -> io::Result<()> {
    write_csv_fi_in(s, Lang::En, out)
}

/// [`write_csv_fi`] with headers, groupings, reasons and input names in `lang`.
pub fn write_csv_fi_in(s: &Statement, lang: Lang, out: impl Write) -> io::Result<()> {
    write_csv_fi_on(Threads::default(), s, lang, out)
}

/// [`write_csv_fi_in`] with the lines' rows rendered on up to `threads`
/// workers ([`write_csv_on`](super::write_csv_on)): the same bytes.
pub fn write_csv_fi_on(threads: Threads, s: &Statement, lang: Lang, mut out: impl Write) -> io::Result<()> {
    let d = CsvDialect::Finnish;
    out.write_all(BYTE_ORDER_MARK)?;
    // The lines as plain CSV writes them in this dialect, under column
    // codes (ours, no value from input) in `lang`.
    let header: Vec<CsvField> = line_columns(s).map(|c| CsvField::Ours(locale::code(lang, c).to_string())).collect();
    out.write_all(csv_record(&header, d).as_bytes())?;
    write_lines(threads, s, d, &mut out)?;
    let totals = total_rows(s).into_iter().map(|t| {
        let mut row = vec![CsvField::Ours(locale::code(lang, t.by).to_string()), CsvField::Given(t.key.to_string())];
        row.push(CsvField::Ours(t.amounts.lines.to_string()));
        row.extend(amount_columns(t.amounts).map(|a| CsvField::Ours(d.number(a))));
        row
    });
    section(&mut out, lang, &TOTAL_HEADER, totals)?;
    let not_paid = not_paid_rows(s).into_iter().map(|n| {
        vec![
            CsvField::Given(n.participant.to_string()),
            CsvField::Given(n.item.to_string()),
            CsvField::Ours(locale::reason(lang, n.reason)),
            CsvField::Given(n.detail.to_string()),
        ]
    });
    section(&mut out, lang, &NOT_PAID_HEADER, not_paid)?;
    // Digests are ours: hex can look like an identity code and is never redacted.
    let inputs = input_rows(s).into_iter().map(|(what, value, sha)| {
        vec![CsvField::Ours(locale::code(lang, what).to_string()), CsvField::Given(value), CsvField::Ours(sha)]
    });
    section(&mut out, lang, &INPUT_HEADER, inputs)?;
    out.flush()
}

/// One section after the lines: an empty row, its header in `lang`, and
/// its rows, each written as it is made (a national run has millions of
/// items not paid).
fn section(
    out: &mut impl Write,
    lang: Lang,
    header: &[&str],
    rows: impl Iterator<Item = Vec<CsvField>>,
) -> io::Result<()> {
    let d = CsvDialect::Finnish;
    out.write_all(b"\n")?;
    let header: Vec<CsvField> = header.iter().map(|h| CsvField::Ours(locale::code(lang, h).to_string())).collect();
    out.write_all(csv_record(&header, d).as_bytes())?;
    for row in rows {
        out.write_all(csv_record(&row, d).as_bytes())?;
    }
    Ok(())
}
