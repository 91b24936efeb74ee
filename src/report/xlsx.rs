//! `--format xlsx`: the statement as a workbook with four sheets — `lines`,
//! `totals`, `not_paid` and `inputs`.
//!
//! Amounts are stored as numbers with the built-in format `#,##0.00`, and
//! dates as dates with the built-in short-date format, both of which a
//! spreadsheet shows in its own locale (`1 234,50` and `30.6.2027` in
//! Finnish). A spreadsheet number is a binary double: an amount that a
//! double cannot hold exactly at its scale (beyond about 10¹³ euros) is
//! written as text instead, so no cell ever shows a different amount from
//! the statement. Every sheet has a frozen header row and a filter. Texts
//! from input are redacted and written as strings, never as formulas.
//!
//! The bytes depend only on the statement and the language: the workbook's
//! creation date is the statement's as-of date, not the clock. In Finnish
//! ([`write_xlsx_in`], [`item_names_in`]) the sheet names, headers,
//! groupings of the totals, reasons and input names are Finnish words and
//! the items are named by the contract's `name.fi`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_xlsxwriter::{DocProperties, Format, Workbook, Worksheet, XlsxError};

use super::sections::{
    amount_columns, input_rows, not_paid_rows, total_rows, INPUT_HEADER, NOT_PAID_HEADER, TOTAL_HEADER,
};
use super::{kind_name, CSV_HEADER};
use crate::contract::{Contract, Names};
use crate::locale::{self, Lang};
use crate::records::hetu::redact;
use crate::statement::{describe_held, Line, Statement};

/// Display names of the items and fixed fees, by id (the contract's
/// `name.en` or `name.fi`); an id missing here is shown as itself.
pub type ItemNames = BTreeMap<String, String>;

/// The English names of everything `c` pays (the Finnish name where no
/// English one is given).
pub fn item_names(c: &Contract) -> ItemNames {
    item_names_in(c, Lang::En)
}

/// The names of everything `c` pays in `lang` (the other language's name
/// where the contract gives none in `lang`).
pub fn item_names_in(c: &Contract, lang: Lang) -> ItemNames {
    let name = |n: &Names| {
        let (wanted, other) = match lang {
            Lang::Fi => (&n.fi, &n.en),
            Lang::En => (&n.en, &n.fi),
        };
        if wanted.trim().is_empty() {
            other.clone()
        } else {
            wanted.clone()
        }
    };
    c.payables().map(|(id, n, _)| (id.to_string(), name(n))).collect()
}

/// The `lines` sheet's columns: the CSV statement's, with the item's name
/// from the contract after its id.
fn line_header() -> Vec<&'static str> {
    let mut header = CSV_HEADER.to_vec();
    header.insert(3, "item_name");
    header
}

/// Built-in number format 4 (`#,##0.00`) and 14 (short date): spreadsheets
/// localise built-in formats, so Finnish shows `1 234,50` and `30.6.2027`.
const MONEY_FORMAT: u8 = 4;
const DATE_FORMAT: u8 = 14;

/// The cell styles of one workbook, and its language.
struct Styles {
    header: Format,
    money: Format,
    date: Format,
    lang: Lang,
}

/// The statement as the bytes of an `.xlsx` file, with English codes.
pub fn write_xlsx(s: &Statement, names: &ItemNames) -> Result<Vec<u8>, XlsxError> {
    write_xlsx_in(s, names, Lang::En)
}

/// [`write_xlsx`] with sheet names, headers, groupings, reasons and input
/// names in `lang` (give it [`item_names_in`] the same language).
pub fn write_xlsx_in(s: &Statement, names: &ItemNames, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let styles = Styles {
        header: Format::new().set_bold(),
        money: Format::new().set_num_format_index(MONEY_FORMAT),
        date: Format::new().set_num_format_index(DATE_FORMAT),
        lang,
    };
    let mut book = Workbook::new();
    book.set_properties(&DocProperties::new().set_creation_datetime(&s.as_of));
    lines_sheet(book.add_worksheet(), s, names, &styles)?;
    totals_sheet(book.add_worksheet(), s, &styles)?;
    not_paid_sheet(book.add_worksheet(), s, &styles)?;
    inputs_sheet(book.add_worksheet(), s, &styles)?;
    book.save_to_buffer()
}

/// Name the sheet, write its header, freeze it and filter `rows` rows below it.
fn start(sheet: &mut Worksheet, name: &str, header: &[&str], rows: usize, st: &Styles) -> Result<(), XlsxError> {
    sheet.set_name(locale::code(st.lang, name))?;
    for (col, h) in (0u16..).zip(header) {
        sheet.write_string_with_format(0, col, locale::code(st.lang, h), &st.header)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let last_row = u32::try_from(rows).map_err(|_| XlsxError::RowColumnLimitError)?;
    let last_col = u16::try_from(header.len().saturating_sub(1)).map_err(|_| XlsxError::RowColumnLimitError)?;
    sheet.autofilter(0, 0, last_row, last_col)?;
    Ok(())
}

/// A cell writer for one row.
struct Row<'a> {
    sheet: &'a mut Worksheet,
    row: u32,
    col: u16,
}

impl Row<'_> {
    /// Text from input: redacted, always a string cell.
    fn given(&mut self, text: &str) -> Result<(), XlsxError> {
        self.ours(&redact(text))
    }

    /// Text we wrote (codes, digests): a string cell as is.
    fn ours(&mut self, text: &str) -> Result<(), XlsxError> {
        self.sheet.write_string(self.row, self.col, text)?;
        self.col += 1;
        Ok(())
    }

    fn count(&mut self, n: u64) -> Result<(), XlsxError> {
        // Counts of lines and occurrences are far below 2⁵³: exact as doubles.
        #[allow(clippy::cast_precision_loss)]
        self.sheet.write_number(self.row, self.col, n as f64)?;
        self.col += 1;
        Ok(())
    }

    /// A decimal as a number in `format`, or as text when no double holds it
    /// exactly at its scale.
    fn decimal(&mut self, d: Decimal, format: Option<&Format>) -> Result<(), XlsxError> {
        match (exact_double(d), format) {
            (Some(n), Some(f)) => self.sheet.write_number_with_format(self.row, self.col, n, f)?,
            (Some(n), None) => self.sheet.write_number(self.row, self.col, n)?,
            (None, _) => self.sheet.write_string(self.row, self.col, d.to_string())?,
        };
        self.col += 1;
        Ok(())
    }

    fn date(&mut self, d: NaiveDate, format: &Format) -> Result<(), XlsxError> {
        self.sheet.write_datetime_with_format(self.row, self.col, d, format)?;
        self.col += 1;
        Ok(())
    }
}

/// The double nearest `d`, if it prints back as `d` at `d`'s scale.
fn exact_double(d: Decimal) -> Option<f64> {
    let text = d.to_string();
    let n: f64 = text.parse().ok()?;
    let scale = usize::try_from(d.scale()).ok()?;
    (format!("{n:.scale$}") == text).then_some(n)
}

fn sheet_row(sheet: &mut Worksheet, index: usize) -> Result<Row<'_>, XlsxError> {
    let row = u32::try_from(index + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
    Ok(Row { sheet, row, col: 0 })
}

fn lines_sheet(sheet: &mut Worksheet, s: &Statement, names: &ItemNames, st: &Styles) -> Result<(), XlsxError> {
    start(sheet, "lines", &line_header(), s.lines.len(), st)?;
    for (n, l) in s.lines.iter().enumerate() {
        line_row(&mut sheet_row(sheet, n)?, l, names, &s.currency, st)?;
    }
    sheet.autofit();
    Ok(())
}

fn line_row(r: &mut Row<'_>, l: &Line, names: &ItemNames, currency: &str, st: &Styles) -> Result<(), XlsxError> {
    r.given(&l.id.contract)?;
    r.given(&l.id.participant)?;
    r.given(&l.id.item)?;
    r.given(names.get(&*l.id.item).map_or(&*l.id.item, String::as_str))?;
    r.count(u64::from(l.id.occurrence))?;
    r.ours(kind_name(l.kind))?;
    r.date(l.achieved_on, &st.date)?;
    r.decimal(l.tariff, Some(&st.money))?;
    r.given(l.clause.as_deref().unwrap_or_default())?;
    r.given(&l.tables.join("; "))?;
    r.decimal(l.multiplier, None)?;
    r.given(&l.multipliers.join("|"))?;
    r.decimal(l.amount, Some(&st.money))?;
    r.decimal(l.withheld, Some(&st.money))?;
    r.ours(&describe_held(&l.withheld_by, |d| d.to_string()))?;
    for amount in [l.net, l.vat, l.gross] {
        r.decimal(amount, Some(&st.money))?;
    }
    r.given(l.municipality.as_deref().unwrap_or_default())?;
    r.given(&l.groups.join("|"))?;
    r.given(&l.rule)?;
    r.given(currency)
}

fn totals_sheet(sheet: &mut Worksheet, s: &Statement, st: &Styles) -> Result<(), XlsxError> {
    let rows = total_rows(s);
    start(sheet, "totals", &TOTAL_HEADER, rows.len(), st)?;
    for (n, t) in rows.iter().enumerate() {
        let r = &mut sheet_row(sheet, n)?;
        r.ours(locale::code(st.lang, t.by))?;
        r.given(t.key)?;
        r.count(t.amounts.lines)?;
        for amount in amount_columns(t.amounts) {
            r.decimal(amount, Some(&st.money))?;
        }
    }
    sheet.autofit();
    Ok(())
}

fn not_paid_sheet(sheet: &mut Worksheet, s: &Statement, st: &Styles) -> Result<(), XlsxError> {
    let rows = not_paid_rows(s);
    start(sheet, "not_paid", &NOT_PAID_HEADER, rows.len(), st)?;
    for (n, u) in rows.iter().enumerate() {
        let r = &mut sheet_row(sheet, n)?;
        r.given(u.participant)?;
        r.given(u.item)?;
        r.ours(&locale::reason(st.lang, u.reason))?;
        r.given(u.detail)?;
    }
    sheet.autofit();
    Ok(())
}

fn inputs_sheet(sheet: &mut Worksheet, s: &Statement, st: &Styles) -> Result<(), XlsxError> {
    let rows = input_rows(s);
    start(sheet, "inputs", &INPUT_HEADER, rows.len(), st)?;
    for (n, (what, value, sha)) in rows.iter().enumerate() {
        let r = &mut sheet_row(sheet, n)?;
        r.ours(locale::code(st.lang, what))?;
        r.given(value)?;
        // Digests are ours: hex can look like an identity code.
        r.ours(sha)?;
    }
    sheet.autofit();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_amount_a_double_cannot_hold_is_not_rounded_into_a_number() {
        assert_eq!(exact_double(Decimal::new(123_450, 2)), Some(1234.5));
        assert_eq!(exact_double(Decimal::new(-1250, 2)), Some(-12.5));
        assert_eq!(exact_double(Decimal::new(99_999_999_999_999_999, 2)), None);
    }
}
