//! CSV text: the two dialects, one field and one record as spreadsheets
//! need them, and a statement's lines as rows (`--format csv`, and the
//! lines section of `--format csv-fi`).
//!
//! A national statement has millions of lines, so the rows are rendered
//! in blocks of [`BLOCK_LINES`] on worker threads into reused byte
//! buffers, and the calling thread writes the blocks in order: a few
//! blocks are in flight at a time, so memory stays bounded, and the bytes
//! are those of one thread (the reference) whatever the number of threads.
//!
//! Rows are cheap because what lines share is rendered once per worker:
//! the fields of a line's [`Basis`] (kind, tariff, clause, tables,
//! multipliers, municipality, groups, rule) and the currency, by the
//! basis's address; contract and item ids, by their text; and a
//! participant's id once for its lines in a block. Numbers and
//! dates are written digit by digit into the buffer, as their `Display`
//! writes them. Every text from the records or the contract still goes
//! through [`redacted`] once per distinct text, so a cached field is exactly
//! as redacted as one rendered every time.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Write};
use std::ops::Range;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::blocks::write_blocks;
use super::{impact_steps, kind_name};
use crate::payment::Threads;
use crate::records::hetu::redacted;
use crate::statement::{Basis, Held, Line, Statement};

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

    fn separator_str(self) -> &'static str {
        match self {
            CsvDialect::Standard => ",",
            CsvDialect::Finnish => ";",
        }
    }

    fn point(self) -> u8 {
        match self {
            CsvDialect::Standard => b'.',
            CsvDialect::Finnish => b',',
        }
    }

    pub(crate) fn number(self, d: Decimal) -> String {
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

/// Lines rendered per block: about 0.8 MB of text, so the few blocks in
/// flight per worker cost a few MiB, and handing a block over costs
/// nothing next to rendering it.
const BLOCK_LINES: usize = 4096;

/// Write the statement's lines as CSV, one row per line, header first, on
/// one thread. A statement with impact payments has one more column,
/// `computation`: how an impact line's amount was computed (empty on other
/// lines).
pub fn write_csv(s: &Statement, dialect: CsvDialect, out: impl Write) -> io::Result<()> {
    write_csv_on(Threads::default(), s, dialect, out)
}

/// [`write_csv`] with the rows rendered on up to `threads` workers (at
/// most one per core): the same bytes.
pub fn write_csv_on(threads: Threads, s: &Statement, dialect: CsvDialect, mut out: impl Write) -> io::Result<()> {
    let header: Vec<CsvField> = line_columns(s).map(|h| CsvField::Ours(h.to_string())).collect();
    out.write_all(csv_record(&header, dialect).as_bytes())?;
    write_lines(threads, s, dialect, &mut out)?;
    out.flush()
}

/// The rows of the statement's lines on at most `threads` workers, and
/// at most one per core: more would only hold more blocks in memory
/// (a few MiB each worker), since they have nothing to wait for.
pub(crate) fn write_lines(threads: Threads, s: &Statement, d: CsvDialect, out: &mut impl Write) -> io::Result<()> {
    let workers = Threads(threads.0.min(Threads::available().0));
    write_rows(workers, BLOCK_LINES, s, d, out)
}

/// The column codes of the lines: [`CSV_HEADER`], and `computation` when
/// the statement has impact payments.
pub(crate) fn line_columns(s: &Statement) -> impl Iterator<Item = &'static str> {
    let impact = (!s.impact_payments.is_empty()).then_some("computation");
    CSV_HEADER.into_iter().chain(impact)
}

/// The rows of the statement's lines (no header), rendered in blocks of
/// `block` lines on `threads` workers and written in order.
fn write_rows(threads: Threads, block: usize, s: &Statement, d: CsvDialect, out: &mut impl Write) -> io::Result<()> {
    let new = || Rows::new(s, d);
    write_blocks(threads.0, block, &s.lines, &new, &Rows::render, b"", out)
}

/// Renders lines as rows, keeping what lines share rendered (see the
/// module docs). One per thread.
struct Rows<'s> {
    s: &'s Statement,
    d: CsvDialect,
    /// The rendered texts the caches point into.
    rendered: Vec<u8>,
    /// By the address of a line's basis. Sound because every basis is held
    /// by the borrowed statement for as long as these `Rows` live: no basis
    /// is freed meanwhile, so no address can be reused by another, and one
    /// address is one unchanging basis.
    bases: HashMap<*const Basis, SharedFields, foldhash::fast::RandomState>,
    /// Contract and item ids by their text: a contract has a few items.
    ids: HashMap<&'s str, Range<usize>, foldhash::fast::RandomState>,
    /// The participant fields of the block being rendered, and where each
    /// line's is.
    participants: Vec<u8>,
    participant_of: Vec<Range<usize>>,
    /// For a field that is rendered first and quoted after.
    scratch: Vec<u8>,
}

/// A basis's fields as rendered: `kind`, then from `tariff` to
/// `multipliers`, and from `municipality` to `currency`.
struct SharedFields {
    kind: &'static str,
    middle: Range<usize>,
    tail: Range<usize>,
}

impl<'s> Rows<'s> {
    fn new(s: &'s Statement, d: CsvDialect) -> Self {
        Rows {
            s,
            d,
            rendered: Vec::new(),
            bases: HashMap::default(),
            ids: HashMap::default(),
            participants: Vec::new(),
            participant_of: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Append the rows of `lines`, each with its line end.
    fn render(&mut self, lines: &'s [Line], out: &mut Vec<u8>) {
        self.participants(lines);
        for (n, l) in lines.iter().enumerate() {
            self.row(l, n, out);
        }
    }

    /// The participant fields of `lines`, first and in a loop of their
    /// own. A participant's lines follow one another, so its field is
    /// rendered once for them.
    fn participants(&mut self, lines: &[Line]) {
        self.participants.clear();
        self.participant_of.clear();
        let mut last: Option<(&str, Range<usize>)> = None;
        for l in lines {
            let id: &str = &l.id.participant;
            let field = match &last {
                Some((same, field)) if *same == id => field.clone(),
                _ => given_into(&mut self.participants, id, self.d),
            };
            self.participant_of.push(field.clone());
            last = Some((id, field));
        }
    }

    /// One line's fields in [`CSV_HEADER`] order (and its computation),
    /// then the line end; `n` is its place in the block.
    fn row(&mut self, l: &'s Line, n: usize, out: &mut Vec<u8>) {
        let sep = self.d.separator();
        let point = self.d.point();
        let shared = self.shared(&l.basis);
        let (kind, middle, tail) = (shared.kind, shared.middle.clone(), shared.tail.clone());
        let contract = self.id(&l.id.contract);
        out.extend_from_slice(&self.rendered[contract]);
        out.push(sep);
        out.extend_from_slice(&self.participants[self.participant_of[n].clone()]);
        out.push(sep);
        let item = self.id(&l.id.item);
        out.extend_from_slice(&self.rendered[item]);
        out.push(sep);
        push_u32(out, l.id.occurrence);
        out.push(sep);
        out.extend_from_slice(kind.as_bytes());
        out.push(sep);
        push_date(out, l.achieved_on);
        out.push(sep);
        out.extend_from_slice(&self.rendered[middle]);
        for n in [l.amount, l.withheld] {
            out.push(sep);
            push_decimal(out, n, point);
        }
        out.push(sep);
        self.held(&l.withheld_by, out);
        for n in [l.net, l.vat, l.gross] {
            out.push(sep);
            push_decimal(out, n, point);
        }
        out.push(sep);
        out.extend_from_slice(&self.rendered[tail]);
        if !self.s.impact_payments.is_empty() {
            out.push(sep);
            self.computation(l, out);
        }
        out.push(b'\n');
    }

    /// The rendered fields of `basis`, rendering them the first time.
    fn shared(&mut self, basis: &'s Arc<Basis>) -> &SharedFields {
        let (d, currency, rendered) = (self.d, &self.s.currency, &mut self.rendered);
        let mut joined = String::new();
        self.bases.entry(Arc::as_ptr(basis)).or_insert_with(|| {
            let mut fields = Fields { out: rendered, d, first: true };
            let start = fields.out.len();
            fields.number(basis.tariff);
            fields.given(basis.clause.as_deref().unwrap_or_default());
            fields.joined(&mut joined, basis.tables.iter().map(|t| &**t), "; ");
            fields.number(basis.multiplier);
            fields.joined(&mut joined, basis.multipliers.iter().map(|m| &**m), "|");
            let middle = start..fields.out.len();
            fields.first = true;
            let start = fields.out.len();
            fields.given(basis.municipality.as_deref().unwrap_or_default());
            fields.joined(&mut joined, basis.groups.iter().map(String::as_str), "|");
            fields.given(&basis.rule);
            fields.given(currency);
            SharedFields { kind: kind_name(basis.kind), middle, tail: start..fields.out.len() }
        })
    }

    /// The field of a contract or item id, rendering it the first time.
    fn id(&mut self, id: &'s str) -> Range<usize> {
        let (d, rendered) = (self.d, &mut self.rendered);
        self.ids.entry(id).or_insert_with(|| given_into(rendered, id, d)).clone()
    }

    /// `withheld_by` as [`crate::statement::describe_held`] writes it with
    /// this dialect's numbers: a field of ours, quoted only if it must be
    /// (several caps in the Finnish dialect).
    fn held(&mut self, held: &[Held], out: &mut Vec<u8>) {
        match held {
            [] => {}
            [one] => out.extend_from_slice(one.cap.name().as_bytes()),
            many => {
                self.scratch.clear();
                for (n, h) in many.iter().enumerate() {
                    if n > 0 {
                        self.scratch.extend_from_slice(b"; ");
                    }
                    self.scratch.extend_from_slice(h.cap.name().as_bytes());
                    self.scratch.push(b' ');
                    push_decimal(&mut self.scratch, h.amount, self.d.point());
                }
                push_ours(out, &self.scratch, self.d);
            }
        }
    }

    /// How an impact line's amount was computed; empty on other lines.
    fn computation(&self, l: &Line, out: &mut Vec<u8>) {
        let computation = || {
            let c = self.s.impact_payments.iter().find(|i| i.item == l.id.item)?;
            let steps: Vec<String> = impact_steps(c).iter().map(|(k, v)| format!("{k}: {v}")).collect();
            Some(steps.join("; "))
        };
        let text = if l.id.participant.is_empty() { computation() } else { None };
        push_field(out, &text.unwrap_or_default(), true, self.d);
    }
}

/// Append a given text's field to `rendered`; where it is.
fn given_into(rendered: &mut Vec<u8>, text: &str, d: CsvDialect) -> Range<usize> {
    let start = rendered.len();
    push_field(rendered, text, true, d);
    start..rendered.len()
}

/// The fields of one CSV record, written in order with separators.
struct Fields<'r> {
    out: &'r mut Vec<u8>,
    d: CsvDialect,
    first: bool,
}

impl Fields<'_> {
    fn separate(&mut self) {
        if !self.first {
            self.out.push(self.d.separator());
        }
        self.first = false;
    }

    /// A text from the records or the contract (see [`push_field`]).
    fn given(&mut self, text: &str) {
        self.separate();
        push_field(self.out, text, true, self.d);
    }

    /// Given texts joined by `by` into one field, redacted as a whole.
    fn joined<'t>(&mut self, scratch: &mut String, parts: impl Iterator<Item = &'t str>, by: &str) {
        scratch.clear();
        for (n, part) in parts.enumerate() {
            if n > 0 {
                scratch.push_str(by);
            }
            scratch.push_str(part);
        }
        self.given(scratch);
    }

    /// An amount as [`CsvDialect::number`] writes it.
    fn number(&mut self, n: Decimal) {
        self.separate();
        push_decimal(self.out, n, self.d.point());
    }
}

/// Where CSV text is appended: a `String` for a record on its own, bytes
/// for blocks of rows.
pub(crate) trait CsvText {
    fn text(&mut self, text: &str);
}

impl CsvText for String {
    fn text(&mut self, text: &str) {
        self.push_str(text);
    }
}

impl CsvText for Vec<u8> {
    fn text(&mut self, text: &str) {
        self.extend_from_slice(text.as_bytes());
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
            record.push_str(d.separator_str());
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
pub(crate) fn push_field(record: &mut impl CsvText, text: &str, given: bool, d: CsvDialect) {
    let text = if given { redacted(text) } else { Cow::Borrowed(text) };
    let neutralised = given && text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if !neutralised && !text.contains([char::from(d.separator()), '"', '\n', '\r']) {
        record.text(&text);
        return;
    }
    record.text("\"");
    if neutralised {
        record.text("'");
    }
    for (n, part) in text.split('"').enumerate() {
        if n > 0 {
            record.text("\"\"");
        }
        record.text(part);
    }
    record.text("\"");
}

/// A text of ours as [`push_field`] writes it: quoted (quotes doubled)
/// only when it holds a separator, a quote or a line break.
fn push_ours(out: &mut Vec<u8>, text: &[u8], d: CsvDialect) {
    if !text.iter().any(|&b| b == d.separator() || matches!(b, b'"' | b'\n' | b'\r')) {
        out.extend_from_slice(text);
        return;
    }
    out.push(b'"');
    for &b in text {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// `d` as its `Display` writes it — every digit of its scale, a `-` when
/// its sign is negative (even on zero) — with `point` as decimal point.
pub(super) fn push_decimal(out: &mut Vec<u8>, d: Decimal, point: u8) {
    // 96-bit mantissa: at most 29 digits; scale at most 28.
    let mut digits = [b'0'; 40];
    let mut at = digits.len();
    let mantissa = d.mantissa().unsigned_abs();
    // Amounts fit in 64 bits, whose division is several times cheaper
    // than a 128-bit one; the loops are the same.
    match u64::try_from(mantissa) {
        Ok(mut m) => {
            while m > 0 {
                at -= 1;
                digits[at] += (m % 10) as u8;
                m /= 10;
            }
        }
        Err(_) => {
            let mut m = mantissa;
            while m > 0 {
                at -= 1;
                digits[at] += (m % 10) as u8;
                m /= 10;
            }
        }
    }
    let scale = d.scale() as usize;
    // The digits are at least the scale's, led by zeros (`0.05`), and at
    // least one (`0`).
    let digits = &digits[at.min(digits.len() - scale.max(1))..];
    if d.is_sign_negative() {
        out.push(b'-');
    }
    let whole = digits.len() - scale;
    if whole == 0 {
        out.push(b'0');
    }
    out.extend_from_slice(&digits[..whole]);
    if scale > 0 {
        out.push(point);
        out.extend_from_slice(&digits[whole..]);
    }
}

/// `n` in decimal digits.
pub(super) fn push_u32(out: &mut Vec<u8>, mut n: u32) {
    let mut digits = [b'0'; 10];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] += (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// `date` as its `Display` writes it: `2026-01-31`.
pub(super) fn push_date(out: &mut Vec<u8>, date: NaiveDate) {
    let year = date.year();
    if !(0..=9999).contains(&year) {
        // A signed year of five digits or more: never in a statement, but
        // written as chrono writes it.
        let _ = write!(out, "{date}");
        return;
    }
    let two = |out: &mut Vec<u8>, n: u32| out.extend_from_slice(&[b'0' + (n / 10) as u8, b'0' + (n % 10) as u8]);
    two(out, year as u32 / 100);
    two(out, year as u32 % 100);
    out.push(b'-');
    two(out, date.month());
    out.push(b'-');
    two(out, date.day());
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::contract::ItemKind;
    use crate::money::{Rounding, RoundingMode};
    use crate::records::hetu::MASK;
    use crate::records::Text;
    use crate::report::test_support::{date, dec, texts, Full};
    use crate::statement::{Cap, Counts, Inputs, LineId, Totals};

    /// An identity code (a valid one: checked characters matter not).
    const CODE: &str = "131052-308T";

    /// Bases with every kind of text a field can hold: empty, a separator
    /// of either dialect, quotes, a line break, a formula, non-ASCII.
    fn bases() -> Vec<Arc<Basis>> {
        let basis = |kind, tariff: &str, clause: Option<&str>, municipality: Option<&str>, groups: &[&str]| {
            Arc::new(Basis {
                kind,
                tariff: dec(tariff),
                clause: clause.map(Arc::from),
                tables: texts(&["job_entry_tariff row 2", "regional; \"north\""]),
                multiplier: dec("1.25"),
                multipliers: texts(&["long_term", "=young"]),
                rule: Arc::from("contract.toml:41 outcome employed_3m"),
                municipality: municipality.map(Arc::from),
                groups: groups.iter().map(|g| g.to_string()).collect(),
            })
        };
        vec![
            basis(ItemKind::StartFee, "150.00", Some("§ 5.1"), Some("Jämsä"), &["long_term_unemployed"]),
            basis(ItemKind::Outcome, "1200.5", None, None, &[]),
            basis(ItemKind::FixedFee, "0", Some("a, b; c"), Some("-2+3"), &["a", "b\nc"]),
            basis(ItemKind::Impact, "-0.00", Some("\"quoted\""), Some("@SUM(A1)"), &["x|y"]),
        ]
    }

    /// `n` lines over a few participants, items and bases, with amounts,
    /// holds and dates of every shape.
    fn lines(n: usize) -> Vec<Line> {
        let bases = bases();
        let items: Vec<Arc<str>> = ["start_fee", "employed_3m", "em;ployed\"6m"].map(Arc::from).to_vec();
        let contract: Arc<str> = Arc::from("ESK-URA-2026-02");
        let amounts = ["0", "-0", "12.50", "-12.50", "0.05", "123456789012.34", "7", "-0.000", "0.00001"];
        // Four lines a participant; fees have no participant.
        let people: Vec<Text> = (0..n / 4 + 1).map(|p| Text::from(format!("P-{p}"))).collect();
        (0..n)
            .map(|i| {
                let amount = |k: usize| dec(amounts[(i + k) % amounts.len()]);
                let withheld_by = match i % 3 {
                    0 => vec![],
                    1 => vec![Held { cap: Cap::PerParticipant, amount: amount(1) }],
                    _ => vec![
                        Held { cap: Cap::OutcomeTotal, amount: amount(2) },
                        Held { cap: Cap::ContractTotal, amount: amount(3) },
                    ],
                };
                Line {
                    id: LineId {
                        contract: contract.clone(),
                        participant: match i % 11 {
                            0 => Text::default(),
                            _ => people[i / 4].clone(),
                        },
                        item: items[i % items.len()].clone(),
                        occurrence: [1, 10, 4_000_000_000][i % 3],
                    },
                    achieved_on: date("2026-01-31") + chrono::Days::new(i as u64 * 37 % 4000),
                    amount: amount(0),
                    withheld: amount(4),
                    withheld_by,
                    net: amount(5),
                    vat: amount(6),
                    gross: amount(7),
                    basis: bases[i % bases.len()].clone(),
                }
            })
            .collect()
    }

    fn statement(lines: Vec<Line>) -> Statement {
        Statement {
            contract: "ESK-URA-2026-02".into(),
            title_fi: String::new(),
            title_en: String::new(),
            buyer: String::new(),
            provider: String::new(),
            currency: "EUR".into(),
            vat_percent: dec("25.5"),
            rounding: Rounding { scale: 2, mode: RoundingMode::default() },
            as_of: date("2026-12-31"),
            period: None,
            inputs: Inputs::default(),
            counts: Counts::default(),
            lines,
            unpaid: Vec::new(),
            ineligible: Vec::new(),
            totals: Totals::default(),
            impact_payments: Vec::new(),
        }
    }

    fn rows(threads: usize, block: usize, s: &Statement, d: CsvDialect) -> Vec<u8> {
        let mut out = Vec::new();
        write_rows(Threads(threads), block, s, d, &mut out).unwrap();
        out
    }

    /// A line's row as one record of fields, each rendered by `Display`
    /// on its own: what the cached, digit-by-digit rows must equal.
    fn plain_row(l: &Line, d: CsvDialect, currency: &str) -> String {
        use CsvField::{Given, Ours};
        let joined = |parts: Vec<&str>, by: &str| Given(parts.join(by));
        let held = crate::statement::describe_held(&l.withheld_by, |n| d.number(n));
        csv_record(
            &[
                Given(l.id.contract.to_string()),
                Given(l.id.participant.to_string()),
                Given(l.id.item.to_string()),
                Ours(l.id.occurrence.to_string()),
                Ours(kind_name(l.kind).into()),
                Ours(l.achieved_on.to_string()),
                Ours(d.number(l.tariff)),
                Given(l.clause.as_deref().unwrap_or_default().into()),
                joined(l.tables.iter().map(|t| &**t).collect(), "; "),
                Ours(d.number(l.multiplier)),
                joined(l.multipliers.iter().map(|m| &**m).collect(), "|"),
                Ours(d.number(l.amount)),
                Ours(d.number(l.withheld)),
                Ours(held),
                Ours(d.number(l.net)),
                Ours(d.number(l.vat)),
                Ours(d.number(l.gross)),
                Given(l.municipality.as_deref().unwrap_or_default().into()),
                joined(l.groups.iter().map(String::as_str).collect(), "|"),
                Given(l.rule.to_string()),
                Given(currency.into()),
            ],
            d,
        )
    }

    #[test]
    fn rows_are_each_line_rendered_field_by_field() {
        let s = statement(lines(100));
        for d in [CsvDialect::Standard, CsvDialect::Finnish] {
            let expected: String = s.lines.iter().map(|l| plain_row(l, d, &s.currency)).collect();
            assert_eq!(String::from_utf8(rows(1, BLOCK_LINES, &s, d)).unwrap(), expected, "{d:?}");
        }
    }

    #[test]
    fn any_number_of_threads_and_any_block_size_give_one_threads_bytes() {
        let s = statement(lines(1000));
        for d in [CsvDialect::Standard, CsvDialect::Finnish] {
            let reference = rows(1, BLOCK_LINES, &s, d);
            for (threads, block) in [(1, 7), (2, 1), (2, 64), (3, 7), (5, 333), (8, 999), (2, 1000), (4, 5000)] {
                assert!(rows(threads, block, &s, d) == reference, "{threads} threads, blocks of {block}, {d:?}");
            }
        }
    }

    #[test]
    fn the_whole_csv_and_csv_fi_of_several_blocks_are_the_same_on_two_threads() {
        let s = statement(lines(3 * BLOCK_LINES + 5));
        let csv = |threads| {
            let mut out = Vec::new();
            write_csv_on(Threads(threads), &s, CsvDialect::Finnish, &mut out).unwrap();
            out
        };
        assert!(csv(2) == csv(1));
        let csv_fi = |threads| {
            let mut out = Vec::new();
            super::super::write_csv_fi_on(Threads(threads), &s, crate::locale::Lang::Fi, &mut out).unwrap();
            out
        };
        assert!(csv_fi(2) == csv_fi(1));
    }

    #[test]
    fn a_statement_with_impact_payments_gives_the_same_bytes_on_several_threads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts/career-coaching");
        let c = crate::contract::load(&dir.join("contract.toml")).unwrap();
        let ev = crate::payment::Evaluator::new(&c).unwrap();
        let records = crate::records::open_for(&dir.join("records.jsonl"), Some(&c.id)).unwrap();
        let request = crate::payment::Request { as_of: date("2026-12-31"), period: None };
        let s = crate::payment::calculate(&c, &ev, records, Inputs::default(), request).unwrap();
        assert!(!s.impact_payments.is_empty(), "the example has an impact payment");
        let reference = rows(1, BLOCK_LINES, &s, CsvDialect::Standard);
        assert!(String::from_utf8_lossy(&reference).contains("formula: "), "the computation is in its column");
        for (threads, block) in [(2, 1), (3, 2)] {
            assert!(
                rows(threads, block, &s, CsvDialect::Standard) == reference,
                "{threads} threads, blocks of {block}"
            );
        }
    }

    #[test]
    fn an_identity_code_in_any_text_field_is_masked_on_every_thread() {
        let code_in = |text: &str| format!("{text} {CODE}");
        let basis = Arc::new(Basis {
            kind: ItemKind::Outcome,
            tariff: dec("100.00"),
            clause: Some(Arc::from(code_in("§ 5.1"))),
            tables: texts(&[&code_in("table row 1"), "other"]),
            multiplier: dec("1"),
            multipliers: texts(&[&code_in("young")]),
            rule: Arc::from(code_in("contract.toml:41")),
            municipality: Some(Arc::from(code_in("Jämsä"))),
            groups: vec![code_in("long_term")].into(),
        });
        let mut s = statement(lines(50));
        for (n, l) in s.lines.iter_mut().enumerate() {
            l.basis = if n % 2 == 0 { basis.clone() } else { l.basis.clone() };
            l.id.participant = format!("P{n}-{CODE}").into();
            l.id.item = Arc::from(code_in("employed"));
            l.id.contract = Arc::from(code_in("ESK"));
        }
        // Unicode forms of a code too: full-width digits.
        s.lines[1].id.participant = "１３１０５２-３０８T".into();
        s.currency = code_in("EUR");
        for d in [CsvDialect::Standard, CsvDialect::Finnish] {
            for threads in [1, 2, 3] {
                let csv = String::from_utf8(rows(threads, 4, &s, d)).unwrap();
                assert!(!csv.contains("052-308") && !csv.contains("３０８"), "{threads} threads:\n{csv}");
                let row: Vec<&str> = csv.lines().next().unwrap().split(char::from(d.separator())).collect();
                let masked = row.iter().filter(|f| f.contains(MASK)).count();
                assert_eq!(masked, 10, "contract, participant, item, clause, tables, multipliers, municipality, groups, rule, currency: {row:?}");
            }
        }
    }

    #[test]
    fn a_failing_write_is_the_error_and_stops_the_workers() {
        let s = statement(lines(2000));
        for (threads, room) in [(1, 0), (2, 0), (2, 10_000), (3, 50_000)] {
            let error = write_rows(Threads(threads), 3, &s, CsvDialect::Standard, &mut Full { room }).unwrap_err();
            assert_eq!(error.to_string(), "disk full", "{threads} threads");
        }
        let error = write_csv_on(Threads(2), &s, CsvDialect::Standard, Full { room: 1000 }).unwrap_err();
        assert_eq!(error.to_string(), "disk full");
    }

    #[test]
    fn decimals_are_written_as_display_writes_them() {
        let mut values: Vec<Decimal> = ["0", "-0", "0.00", "-0.00", "1", "-1", "12.50", "0.05", "-0.000001", "100"]
            .iter()
            .map(|t| dec(t))
            .chain([Decimal::MAX, Decimal::MIN, Decimal::ONE_HUNDRED, Decimal::new(1, 28), Decimal::new(-1, 28)])
            .collect();
        // Mantissas of every length, at every scale.
        let mut m: i128 = 7;
        while m < 79_228_162_514_264_337_593_543_950_335 / 10 {
            for scale in [0, 1, 2, 5, 27, 28] {
                values.push(Decimal::from_i128_with_scale(m, scale));
                values.push(Decimal::from_i128_with_scale(-m, scale));
            }
            m = m * 10 + 3;
        }
        for v in values {
            for (point, shown) in [(b'.', v.to_string()), (b',', v.to_string().replace('.', ","))] {
                let mut out = Vec::new();
                push_decimal(&mut out, v, point);
                assert_eq!(String::from_utf8(out).unwrap(), shown, "{v:?}");
            }
        }
    }

    #[test]
    fn dates_and_counts_are_written_as_display_writes_them() {
        let far = [NaiveDate::MIN, NaiveDate::MAX, date("0000-01-01"), date("9999-12-31")];
        for d in far.into_iter().chain((0..3000).map(|n| date("1999-12-30") + chrono::Days::new(n * 17))) {
            let mut out = Vec::new();
            push_date(&mut out, d);
            assert_eq!(String::from_utf8(out).unwrap(), d.to_string());
        }
        for n in [0, 1, 9, 10, 99, 100, 65_535, 1_000_000, u32::MAX] {
            let mut out = Vec::new();
            push_u32(&mut out, n);
            assert_eq!(String::from_utf8(out).unwrap(), n.to_string());
        }
    }

    /// Our numbers and dates are never redacted: a code needs six digits,
    /// then a sign (`+`, `-` or a letter), and a number's only sign comes
    /// first, a date's digit runs are at most four long.
    #[test]
    fn no_number_or_date_we_write_looks_like_an_identity_code() {
        let mut texts = Vec::new();
        for v in ["-131052308", "-131052.3081", "1310523081", "-0.1310523081", "-79228162514264337593543950335"] {
            for point in [b'.', b','] {
                let mut out = Vec::new();
                push_decimal(&mut out, dec(v), point);
                texts.push(String::from_utf8(out).unwrap());
            }
        }
        for d in [NaiveDate::MIN, NaiveDate::MAX, date("1952-10-13")] {
            let mut out = Vec::new();
            push_date(&mut out, d);
            texts.push(String::from_utf8(out).unwrap());
        }
        for text in texts {
            assert!(matches!(redacted(&text), Cow::Borrowed(_)), "{text}");
        }
    }
}
