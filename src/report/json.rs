//! The statement as JSON (`--format json`) on several threads: the bytes
//! of [`super::write_json`], the reference, whatever the number of threads.
//!
//! Everything but the statement's three lists (its lines, the items not
//! paid, the ineligible) is small: it is serialised by serde and redacted
//! by [`RedactLines`], as the reference does. The lists hold a national
//! statement's millions of elements: they are rendered in blocks of
//! [`BLOCK`] elements on worker threads into reused buffers, in
//! serde_json's pretty layout written by hand, and the calling thread
//! writes the blocks in order, so a few blocks per worker are in flight
//! and memory stays bounded.
//!
//! Redaction is the reference's: every output line that holds a text from
//! the records or the contract goes through [`redacted`] whole, as
//! `RedactLines` passes it, after the texts that the statement's
//! serialisers redact themselves (participants, municipalities, groups)
//! were redacted first, as they are: an escape can make a code of the
//! text's digits (`\u0001` before `23456-789A`), so masking first can
//! change what the line's pass finds. What elements share is rendered
//! and redacted once per worker: a line's [`Basis`] by the basis's
//! address, a reason's [`ItemReason`] by its address, contract and item
//! ids by their text. A block's participant fields are rendered first, in
//! a loop of their own (see [`Participants`]); an id with nothing to mask
//! or escape skips the line's pass ([`participant`]). Lines holding only
//! our own numbers, dates and codes are written as they are: none can look
//! like an identity code (six digits and a sign in a row), since a
//! number's only sign comes first and a date's digit runs are at most four
//! long. `odd_texts_…` and `generated_texts_…` below compare every case
//! with the reference.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Write};
use std::ops::Range;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::blocks::write_blocks;
use super::csv::{push_date, push_decimal, push_u32};
use super::{kind_name, RedactLines};
use crate::money::Rounding;
use crate::payment::Threads;
use crate::records::hetu::redacted;
use crate::statement::{
    Basis, Counts, Held, ImpactComputation, Ineligible, Inputs, ItemReason, Line, Period, Statement, Totals, Unpaid,
};

/// Elements rendered per block: a thousand statement lines are about
/// 0.85 MB of JSON, so the few blocks in flight per worker cost a few MiB,
/// and handing a block over costs nothing next to rendering it.
const BLOCK: usize = 1024;

/// Indentation of a list's element, of its fields, and of what a field's
/// list holds (the statement object's own fields are at two spaces).
const ELEMENT: &str = "    ";
const FIELD: &str = "      ";
const NESTED: &str = "        ";

/// [`super::write_json`] with the statement's lists rendered on up to
/// `threads` workers (at most one per core): the same bytes.
pub fn write_json_on(threads: Threads, s: &Statement, out: impl Write) -> io::Result<()> {
    let workers = threads.0.min(Threads::available().0);
    write_statement(workers, BLOCK, s, out)
}

/// The fields of a statement before its lists, in the statement's order.
#[derive(Serialize)]
struct Head<'s> {
    contract: &'s str,
    title_fi: &'s str,
    title_en: &'s str,
    buyer: &'s str,
    provider: &'s str,
    currency: &'s str,
    vat_percent: &'s Decimal,
    rounding: &'s Rounding,
    as_of: &'s NaiveDate,
    period: &'s Option<Period>,
    inputs: &'s Inputs,
    counts: &'s Counts,
}

/// The fields of a statement after its lists.
#[derive(Serialize)]
struct Tail<'s> {
    totals: &'s Totals,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    impact_payments: &'s [ImpactComputation],
}

/// The whole statement with its lists in blocks of `block` elements on
/// `workers` threads.
fn write_statement(workers: usize, block: usize, s: &Statement, mut out: impl Write) -> io::Result<()> {
    // Every field by name, so a field added to `Statement` does not
    // compile here until it is written.
    let Statement {
        contract,
        title_fi,
        title_en,
        buyer,
        provider,
        currency,
        vat_percent,
        rounding,
        as_of,
        period,
        inputs,
        counts,
        lines,
        unpaid,
        ineligible,
        totals,
        impact_payments,
    } = s;
    let head = Head {
        contract,
        title_fi,
        title_en,
        buyer,
        provider,
        currency,
        vat_percent,
        rounding,
        as_of,
        period,
        inputs,
        counts,
    };
    let head = serde_json::to_vec_pretty(&head)?;
    // The object without its closing brace: the lists follow.
    let head = head.strip_suffix(b"\n}").expect("a struct's pretty JSON ends with its brace");
    write_redacted(&mut out, &[head, b",\n"])?;
    list(workers, block, "lines", lines, Lines::default, &mut out)?;
    out.write_all(b",\n")?;
    list(workers, block, "unpaid", unpaid, Reasons::default, &mut out)?;
    out.write_all(b",\n")?;
    list(workers, block, "ineligible", ineligible, Ineligibles::default, &mut out)?;
    out.write_all(b",\n")?;
    let tail = serde_json::to_vec_pretty(&Tail { totals, impact_payments })?;
    // The object without its opening brace: it continues the statement.
    let tail = tail.strip_prefix(b"{\n").expect("a struct's pretty JSON starts with its brace");
    write_redacted(&mut out, &[tail, b"\n"])?;
    out.flush()
}

/// Whole lines written and redacted as the reference writes them (the
/// top-level `inputs` as it is).
fn write_redacted(out: &mut impl Write, parts: &[&[u8]]) -> io::Result<()> {
    let mut lines = RedactLines { out, line: Vec::new(), in_inputs: false };
    for part in parts {
        lines.write_all(part)?;
    }
    debug_assert!(lines.line.is_empty(), "only whole lines");
    Ok(())
}

/// The statement's field `key` holding `items`, each rendered by a
/// renderer from `new` (one per thread); no line end after its `]`.
fn list<'s, T, R>(
    workers: usize,
    block: usize,
    key: &str,
    items: &'s [T],
    new: impl Fn() -> R + Sync,
    out: &mut impl Write,
) -> io::Result<()>
where
    T: Sync,
    R: Render<'s, T>,
{
    if items.is_empty() {
        return write!(out, "  \"{key}\": []");
    }
    writeln!(out, "  \"{key}\": [")?;
    let new = || (new(), Participants::default());
    let render = |(r, ids): &mut (R, Participants), items: &'s [T], out: &mut Vec<u8>| render_block(r, ids, items, out);
    write_blocks(workers, block, items, &new, &render, b",\n", out)?;
    out.write_all(b"\n  ]")
}

/// Renders the elements of one list as they stand in the statement, from
/// the opening brace to the closing one; keeps what elements share.
trait Render<'s, T> {
    /// The participant an element names (every list's elements name one).
    fn participant(item: &T) -> &str;

    /// Append `item`, given its participant's field as rendered.
    fn element(&mut self, item: &'s T, participant: &[u8], out: &mut Vec<u8>);
}

/// A block's elements, separated as in a JSON list.
fn render_block<'s, T, R: Render<'s, T>>(r: &mut R, ids: &mut Participants, items: &'s [T], out: &mut Vec<u8>) {
    ids.render(items.iter().map(R::participant));
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            out.extend_from_slice(b",\n");
        }
        r.element(item, ids.field(n), out);
    }
}

/// Lines of JSON rendered once and kept, each redacted as [`RedactLines`]
/// redacts it.
#[derive(Default)]
struct Kept {
    rendered: Vec<u8>,
    scratch: String,
}

impl Kept {
    /// Keep the lines `render` writes; where they are.
    fn keep(&mut self, render: impl FnOnce(&mut String)) -> Range<usize> {
        let start = self.rendered.len();
        render_redacted(&mut self.scratch, &mut self.rendered, render);
        start..self.rendered.len()
    }

    fn get(&self, at: &Range<usize>) -> &[u8] {
        &self.rendered[at.clone()]
    }
}

/// Append the lines `render` writes (into `scratch`) to `out`, each
/// redacted on its own.
fn render_redacted(scratch: &mut String, out: &mut Vec<u8>, render: impl FnOnce(&mut String)) {
    scratch.clear();
    render(scratch);
    for line in scratch.split_inclusive('\n') {
        out.extend_from_slice(redacted(line).as_bytes());
    }
}

/// The participant fields of one block, rendered first and in a loop of
/// their own: a million participant ids lie all over memory, each new one
/// is a wait for memory, and a short loop lets the processor wait for
/// several at once.
#[derive(Default)]
struct Participants {
    fields: Vec<u8>,
    at: Vec<Range<usize>>,
    scratch: String,
}

impl Participants {
    fn render<'t>(&mut self, ids: impl Iterator<Item = &'t str>) {
        self.fields.clear();
        self.at.clear();
        for id in ids {
            let start = self.fields.len();
            participant(&mut self.scratch, &mut self.fields, id);
            self.at.push(start..self.fields.len());
        }
    }

    /// The field of the block's `n`th element.
    fn field(&self, n: usize) -> &[u8] {
        &self.fields[self.at[n].clone()]
    }
}

/// Renders statement lines. Addresses as keys are sound because every
/// basis is held by the borrowed statement for as long as the renderer
/// lives: no address is reused by another basis meanwhile.
#[derive(Default)]
struct Lines<'s> {
    kept: Kept,
    /// A basis's fields from `tariff` to `multipliers`, and from `rule` to
    /// `groups`.
    bases: HashMap<*const Basis, (Range<usize>, Range<usize>), foldhash::fast::RandomState>,
    contracts: HashMap<&'s str, Range<usize>, foldhash::fast::RandomState>,
    items: HashMap<&'s str, Range<usize>, foldhash::fast::RandomState>,
}

impl<'s> Render<'s, Line> for Lines<'s> {
    fn participant(l: &Line) -> &str {
        &l.id.participant
    }

    /// The fields in the order of `Line`'s `Serialize`.
    fn element(&mut self, l: &'s Line, participant: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(ELEMENT.as_bytes());
        out.extend_from_slice(b"{\n");
        self.identity(l, participant, out);
        key(out, "kind");
        quoted(out, kind_name(l.kind).as_bytes());
        key(out, "achieved_on");
        out.push(b'"');
        push_date(out, l.achieved_on);
        out.extend_from_slice(b"\",\n");
        let kept = &mut self.kept;
        let (middle, tail) = self.bases.entry(Arc::as_ptr(&l.basis)).or_insert_with(|| basis(kept, &l.basis));
        out.extend_from_slice(kept.get(middle));
        decimal(out, "amount", l.amount);
        decimal(out, "withheld", l.withheld);
        held(out, &l.withheld_by);
        decimal(out, "net", l.net);
        decimal(out, "vat", l.vat);
        decimal(out, "gross", l.gross);
        out.extend_from_slice(kept.get(tail));
        out.extend_from_slice(ELEMENT.as_bytes());
        out.push(b'}');
    }
}

impl<'s> Lines<'s> {
    /// Contract, participant, item and occurrence.
    fn identity(&mut self, l: &'s Line, participant: &[u8], out: &mut Vec<u8>) {
        let Lines { kept, contracts, items, .. } = self;
        let id = &l.id;
        let contract =
            contracts.entry(&id.contract).or_insert_with(|| kept.keep(|s| text(s, "contract", &id.contract)));
        out.extend_from_slice(kept.get(contract));
        out.extend_from_slice(participant);
        let item = items.entry(&id.item).or_insert_with(|| kept.keep(|s| text(s, "item", &id.item)));
        out.extend_from_slice(kept.get(item));
        key(out, "occurrence");
        push_u32(out, id.occurrence);
        out.extend_from_slice(b",\n");
    }
}

/// A basis's fields as a line writes them: from `tariff` to `multipliers`,
/// and from `rule` to `groups` (municipality and groups redacted first).
fn basis(kept: &mut Kept, b: &Basis) -> (Range<usize>, Range<usize>) {
    let middle = kept.keep(|s| {
        raw(s, "tariff", &b.tariff.to_string());
        optional(s, "clause", b.clause.as_deref());
        texts(s, "tables", b.tables.iter());
        s.push_str(",\n");
        raw(s, "multiplier", &b.multiplier.to_string());
        texts(s, "multipliers", b.multipliers.iter());
        s.push_str(",\n");
    });
    let tail = kept.keep(|s| {
        text(s, "rule", &b.rule);
        optional(s, "municipality", b.municipality.as_deref().map(redacted).as_deref());
        texts(s, "groups", b.groups.iter().map(|g| redacted(g)));
        s.push('\n');
    });
    (middle, tail)
}

/// `withheld_by`: what each cap withheld, ours only.
fn held(out: &mut Vec<u8>, held: &[Held]) {
    key(out, "withheld_by");
    if held.is_empty() {
        out.extend_from_slice(b"[],\n");
        return;
    }
    out.extend_from_slice(b"[\n");
    for (n, h) in held.iter().enumerate() {
        if n > 0 {
            out.extend_from_slice(b",\n");
        }
        out.extend_from_slice(NESTED.as_bytes());
        out.extend_from_slice(b"{\n");
        out.extend_from_slice(NESTED.as_bytes());
        out.extend_from_slice(b"  \"cap\": ");
        out.push(b'"');
        out.extend_from_slice(h.cap.name().as_bytes());
        out.extend_from_slice(b"\",\n");
        out.extend_from_slice(NESTED.as_bytes());
        out.extend_from_slice(b"  \"amount\": \"");
        push_decimal(out, h.amount, b'.');
        out.extend_from_slice(b"\"\n");
        out.extend_from_slice(NESTED.as_bytes());
        out.push(b'}');
    }
    out.push(b'\n');
    out.extend_from_slice(FIELD.as_bytes());
    out.extend_from_slice(b"],\n");
}

/// Renders the items not paid; a reason's item, code and detail once per
/// [`ItemReason`] (by its address, sound as for [`Lines`]).
#[derive(Default)]
struct Reasons {
    kept: Kept,
    why: HashMap<*const ItemReason, Range<usize>, foldhash::fast::RandomState>,
}

impl Render<'_, Unpaid> for Reasons {
    fn participant(u: &Unpaid) -> &str {
        &u.participant
    }

    /// The fields in the order of `Unpaid`'s `Serialize`.
    fn element(&mut self, u: &Unpaid, participant: &[u8], out: &mut Vec<u8>) {
        let Reasons { kept, why } = self;
        out.extend_from_slice(ELEMENT.as_bytes());
        out.extend_from_slice(b"{\n");
        out.extend_from_slice(participant);
        let why = why.entry(Arc::as_ptr(&u.why)).or_insert_with(|| {
            kept.keep(|s| {
                text(s, "item", &u.item);
                text(s, "reason", u.reason.name());
                text(s, "detail", &u.detail);
                last(s);
            })
        });
        out.extend_from_slice(kept.get(why));
        out.extend_from_slice(ELEMENT.as_bytes());
        out.push(b'}');
    }
}

/// Renders the ineligible participants.
#[derive(Default)]
struct Ineligibles {
    scratch: String,
}

impl Render<'_, Ineligible> for Ineligibles {
    fn participant(i: &Ineligible) -> &str {
        &i.participant
    }

    fn element(&mut self, i: &Ineligible, participant: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(ELEMENT.as_bytes());
        out.extend_from_slice(b"{\n");
        out.extend_from_slice(participant);
        render_redacted(&mut self.scratch, out, |s| {
            text(s, "reason", &i.reason);
            last(s);
        });
        out.extend_from_slice(ELEMENT.as_bytes());
        out.push(b'}');
    }
}

/// A participant's field, never the element's last. The id is redacted
/// first, as the statement's serialisers redact it, and then its line, as
/// [`RedactLines`] does; but an id with nothing to mask or escape stands
/// as it is between quotes, and a code cannot run across a quote, so its
/// line has nothing to mask either: the common case, written straight.
fn participant(scratch: &mut String, out: &mut Vec<u8>, id: &str) {
    let shown = redacted(id);
    if matches!(shown, Cow::Borrowed(_)) && plain(id) {
        key(out, "participant");
        quoted(out, id.as_bytes());
    } else {
        render_redacted(scratch, out, |s| text(s, "participant", &shown));
    }
}

/// `      "name": ` — a field of a list's element.
fn key(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(FIELD.as_bytes());
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\": ");
}

/// A text of ours that needs no escaping, quoted, and the line's end.
fn quoted(out: &mut Vec<u8>, text: &[u8]) {
    out.push(b'"');
    out.extend_from_slice(text);
    out.extend_from_slice(b"\",\n");
}

/// A decimal field: a string, as rust_decimal serialises it (its `Display`).
fn decimal(out: &mut Vec<u8>, name: &str, d: Decimal) {
    key(out, name);
    out.push(b'"');
    push_decimal(out, d, b'.');
    out.extend_from_slice(b"\",\n");
}

/// A field's name in a rendered text (as [`key`]).
fn name(s: &mut String, name: &str) {
    s.push_str(FIELD);
    s.push('"');
    s.push_str(name);
    s.push_str("\": ");
}

/// A text field with its comma and line end.
fn text(s: &mut String, field: &str, value: &str) {
    name(s, field);
    push_string(s, value);
    s.push_str(",\n");
}

/// A field whose value is written as it is, quoted (a decimal).
fn raw(s: &mut String, field: &str, value: &str) {
    name(s, field);
    s.push('"');
    s.push_str(value);
    s.push_str("\",\n");
}

/// An optional text field: `null` when absent.
fn optional(s: &mut String, field: &str, value: Option<&str>) {
    name(s, field);
    match value {
        Some(value) => push_string(s, value),
        None => s.push_str("null"),
    }
    s.push_str(",\n");
}

/// A list of texts, `[]` when empty; no comma or line end after it.
fn texts(s: &mut String, field: &str, values: impl Iterator<Item = impl AsRef<str>>) {
    name(s, field);
    s.push('[');
    let mut any = false;
    for value in values {
        s.push_str(if any { ",\n" } else { "\n" });
        s.push_str(NESTED);
        push_string(s, value.as_ref());
        any = true;
    }
    if any {
        s.push('\n');
        s.push_str(FIELD);
    }
    s.push(']');
}

/// The last field of an element has no comma: take back the one written.
fn last(s: &mut String) {
    debug_assert!(s.ends_with(",\n"));
    s.truncate(s.len() - 2);
    s.push('\n');
}

/// Whether [`push_string`] writes `text` as it is: no quote, backslash or
/// control character.
fn plain(text: &str) -> bool {
    !text.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\')
}

/// `text` as a JSON string, escaped as serde_json escapes it: quotes,
/// backslashes and control characters (`\n`-style where JSON has a short
/// form, `\u00XX` with lower-case digits otherwise); everything else,
/// DEL and non-ASCII included, as it is.
fn push_string(s: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    s.push('"');
    let mut start = 0;
    for (at, b) in text.bytes().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0C => "\\f",
            0x00..=0x1F => "",
            _ => continue,
        };
        s.push_str(&text[start..at]);
        if short.is_empty() {
            s.push_str("\\u00");
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 0xF)]));
        } else {
            s.push_str(short);
        }
        start = at + 1;
    }
    s.push_str(&text[start..]);
    s.push('"');
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use proptest::prelude::*;

    use super::*;
    use crate::contract::ItemKind;
    use crate::money::RoundingMode;
    use crate::records::hetu::MASK;
    use crate::records::Text;
    use crate::report::test_support::{date, dec, texts, Full};
    use crate::statement::{Cap, LineId, ReasonCode};

    /// Texts of every awkward kind: identity codes (plain, full-width,
    /// with an invisible character inside, split by a control character
    /// whose escape `\u0001` makes a code of the JSON text only, or that
    /// one overlapping a code of the text), quotes, backslashes, control
    /// characters, DEL, non-ASCII, empty.
    const ODD: [&str; 16] = [
        "P-1",
        "131052-308T",
        "id 131052-308T and 010594Y9032",
        "１３１０５２-３０８T",
        "131052\u{200b}-308T",
        "\u{1}23456-789A",
        "\u{1}23456-789012-345X",
        "say \"hi\" \\ back\\slash",
        "line\nbreak\r\ttab\u{8}\u{c}",
        "\u{0}\u{1f}\u{7f}",
        "Jämsä",
        "\u{202e}bidi\u{200f}",
        "😀 §",
        "",
        "=SUM(A1)",
        "12345678901234567890",
    ];

    fn odd(n: usize) -> &'static str {
        ODD[n % ODD.len()]
    }

    fn basis(k: usize) -> Arc<Basis> {
        let kinds = [ItemKind::StartFee, ItemKind::Outcome, ItemKind::FixedFee, ItemKind::Impact];
        let some = |n: usize| {
            if k.is_multiple_of(3) {
                &[][..]
            } else {
                &ODD[n % ODD.len()..(n % ODD.len() + 2).min(ODD.len())]
            }
        };
        Arc::new(Basis {
            kind: kinds[k % kinds.len()],
            tariff: dec(["150.00", "1200.5", "0", "-0.00", "0.000001"][k % 5]),
            clause: (k % 4 != 1).then(|| Arc::from(odd(k))),
            tables: texts(some(k + 1)),
            multiplier: dec(["1", "1.25", "0.5"][k % 3]),
            multipliers: texts(some(k + 2)),
            rule: Arc::from(format!("contract.toml:{k} outcome {}", odd(k + 3))),
            municipality: k.is_multiple_of(2).then(|| Arc::from(odd(k + 4))),
            groups: some(k + 5).iter().map(|g| g.to_string()).collect(),
        })
    }

    /// `n` lines over odd participants, items and bases, with caps of
    /// every count and amounts of every shape.
    fn lines(n: usize) -> Vec<Line> {
        let bases: Vec<Arc<Basis>> = (0..12).map(basis).collect();
        let items: Vec<Arc<str>> = (0..ODD.len()).map(|k| Arc::from(odd(k + 7))).collect();
        let people: Vec<Text> = (0..n / 3 + 1).map(|p| Text::from(format!("{}{p}", odd(p)))).collect();
        let amounts = ["0", "-0", "12.50", "-12.50", "0.05", "123456789012.34", "7", "-0.000", "0.00001"];
        (0..n)
            .map(|i| {
                let amount = |k: usize| dec(amounts[(i + k) % amounts.len()]);
                let withheld_by = match i % 4 {
                    0 | 3 => vec![],
                    1 => vec![Held { cap: Cap::PerParticipant, amount: amount(1) }],
                    _ => vec![
                        Held { cap: Cap::OutcomeTotal, amount: amount(2) },
                        Held { cap: Cap::ContractTotal, amount: amount(3) },
                        Held { cap: Cap::OutcomePerParticipant, amount: amount(4) },
                    ],
                };
                Line {
                    id: LineId {
                        contract: Arc::from(if i.is_multiple_of(7) { odd(i) } else { "ESK-URA-2026-02" }),
                        participant: if i.is_multiple_of(11) { Text::default() } else { people[i / 3].clone() },
                        item: items[i % items.len()].clone(),
                        occurrence: [1, 10, 4_000_000_000][i % 3],
                    },
                    achieved_on: date("2026-01-31") + chrono::Days::new(i as u64 * 37 % 4000),
                    amount: amount(0),
                    withheld: amount(5),
                    withheld_by,
                    net: amount(6),
                    vat: amount(7),
                    gross: amount(8),
                    basis: bases[i % bases.len()].clone(),
                }
            })
            .collect()
    }

    /// `n` items not paid, every reason code, most sharing their reason
    /// with others (as settling shares them).
    fn unpaid(n: usize) -> Vec<Unpaid> {
        let codes = [
            ReasonCode::NotAchieved,
            ReasonCode::NotYetDue { on: date("2027-01-15") },
            ReasonCode::AchievedAfterAsOf,
            ReasonCode::Requires,
            ReasonCode::ExcludedBy,
            ReasonCode::NoTariff,
            ReasonCode::MaxReached,
            ReasonCode::Capped,
        ];
        let shared: Vec<Unpaid> = (0..10)
            .map(|k| {
                Unpaid::new(Text::default(), Arc::from(odd(k)), codes[k % codes.len()].clone(), Arc::from(odd(k + 2)))
            })
            .collect();
        (0..n)
            .map(|i| {
                let participant = Text::from(format!("{}-{i}", odd(i + 1)));
                match i % 5 {
                    0 => Unpaid::new(
                        participant,
                        Arc::from(odd(i)),
                        codes[i % codes.len()].clone(),
                        Arc::from(odd(i + 4)),
                    ),
                    _ => Unpaid { participant, why: shared[i % shared.len()].why.clone() },
                }
            })
            .collect()
    }

    fn ineligible(n: usize) -> Vec<Ineligible> {
        (0..n).map(|i| Ineligible { participant: Text::from(odd(i + 3)), reason: format!("{} {i}", odd(i)) }).collect()
    }

    /// A statement with odd texts in every field of its own too, a billing
    /// period, other contracts, and input digests that look like codes
    /// (never redacted).
    fn statement(n: usize) -> Statement {
        let lines = lines(n);
        let totals = Totals::of(&lines).unwrap();
        let keys = |k: usize| (0..k).map(|i| (odd(i).to_string(), format!("131052a308b{i:053}"))).collect();
        Statement {
            contract: odd(1).into(),
            title_fi: odd(6).into(),
            title_en: odd(7).into(),
            buyer: odd(3).into(),
            provider: odd(5).into(),
            currency: odd(10).into(),
            vat_percent: dec("25.5"),
            rounding: Rounding { scale: 2, mode: RoundingMode::default() },
            as_of: date("2026-12-31"),
            period: Some(Period { from: date("2026-07-01"), to: date("2026-12-31") }),
            inputs: Inputs {
                contract_file: odd(2).into(),
                contract_sha256: "131052a308b".repeat(6),
                libraries: keys(3),
                records: keys(4),
                contract_version: Some(odd(4).into()),
                tulos_version: "0.1.0".into(),
            },
            counts: crate::statement::Counts {
                other_contracts: (0..6).map(|i| (odd(i).to_string(), i as u64)).collect::<BTreeMap<_, _>>(),
                ..Default::default()
            },
            lines,
            unpaid: unpaid(n + n / 2),
            ineligible: ineligible(n / 3),
            totals,
            impact_payments: Vec::new(),
        }
    }

    fn reference(s: &Statement) -> String {
        let mut out = Vec::new();
        super::super::write_json(s, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn on(workers: usize, block: usize, s: &Statement) -> String {
        let mut out = Vec::new();
        write_statement(workers, block, s, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// `written` is `expected`, or the first line that differs.
    fn assert_same(written: &str, expected: &str, what: &str) {
        if written == expected {
            return;
        }
        let at = written.lines().zip(expected.lines()).position(|(w, e)| w != e);
        fn line(text: &str, n: Option<usize>) -> &str {
            n.and_then(|n| text.lines().nth(n)).unwrap_or("(one text ends)")
        }
        panic!(
            "{what}: line {at:?} is\n{:?}\nnot\n{:?}\n({} bytes, {} expected)",
            line(written, at),
            line(expected, at),
            written.len(),
            expected.len()
        );
    }

    #[test]
    fn odd_texts_give_the_references_bytes_on_any_threads_and_blocks() {
        let s = statement(300);
        let expected = reference(&s);
        assert!(expected.contains(MASK) && expected.contains("131052a308b"), "codes redacted, digests kept");
        assert!(!expected.contains("\\u000123456-789A"), "a code made by an escape is redacted too");
        for (workers, block) in [(1, 1), (1, BLOCK), (2, 1), (2, 7), (3, 2), (3, 64), (5, 33), (2, 1000)] {
            assert_same(&on(workers, block, &s), &expected, &format!("{workers} threads, blocks of {block}"));
        }
    }

    #[test]
    fn an_empty_statement_and_one_without_a_period_give_the_references_bytes() {
        let mut s = statement(0);
        assert!(s.lines.is_empty() && s.unpaid.is_empty() && s.ineligible.is_empty());
        for threads in [1, 2, 3] {
            assert_same(&on(threads, 2, &s), &reference(&s), &format!("empty, {threads} threads"));
        }
        s = statement(2);
        (s.period, s.inputs, s.counts) = (None, Inputs::default(), Counts::default());
        for threads in [1, 2, 3] {
            assert_same(&on(threads, 1, &s), &reference(&s), &format!("no period, {threads} threads"));
        }
    }

    #[test]
    fn the_shipped_contracts_give_the_references_bytes() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts");
        for (dir, records) in [
            ("career-coaching", "records.jsonl"),
            ("labour-market-training", "records.jsonl"),
            ("rehabilitative-work-activity", "records"),
        ] {
            let c = crate::contract::load(&root.join(dir).join("contract.toml")).unwrap();
            let ev = crate::payment::Evaluator::new(&c).unwrap();
            let period = Some(Period { from: date("2026-07-01"), to: date("2026-12-31") });
            for (as_of, period) in [("2026-12-31", None), ("2027-06-30", None), ("2027-06-30", period)] {
                let records = crate::records::open_for(&root.join(dir).join(records), Some(&c.id)).unwrap();
                let request = crate::payment::Request { as_of: date(as_of), period };
                let s = crate::payment::calculate(&c, &ev, records, Inputs::default(), request).unwrap();
                let expected = reference(&s);
                for (threads, block) in [(1, BLOCK), (2, 1), (3, 2)] {
                    let what = format!("{dir} as of {as_of}, {period:?}, {threads} threads, blocks of {block}");
                    assert_same(&on(threads, block, &s), &expected, &what);
                }
            }
            if dir == "career-coaching" {
                let records = crate::records::open_for(&root.join(dir).join(records), Some(&c.id)).unwrap();
                let request = crate::payment::Request { as_of: date("2026-12-31"), period: None };
                let s = crate::payment::calculate(&c, &ev, records, Inputs::default(), request).unwrap();
                assert!(!s.impact_payments.is_empty(), "its impact payment is in the tail");
            }
        }
    }

    /// A character of a generated text: digits, signs and letters enough to
    /// make codes, and every kind of character JSON escapes or keeps.
    const ALPHABET: [char; 22] = [
        '1', '3', '0', '5', '2', '8', '-', '+', 'A', 'T', 'a', '"', '\\', '\n', '\u{1}', '\u{1f}', '\u{7f}', 'é', '１',
        '\u{200b}', '\u{2212}', ' ',
    ];

    fn generated_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(&ALPHABET[..]), 0..16).prop_map(String::from_iter)
    }

    proptest! {
        #[test]
        fn generated_texts_give_the_references_bytes(
            t in proptest::collection::vec(generated_text(), 12),
            n in 0usize..12,
            workers in 1usize..4,
            block in 1usize..5,
        ) {
            let mut s = statement(n);
            let basis = Arc::new(Basis {
                clause: Some(Arc::from(t[0].as_str())),
                tables: texts(&[&t[1], &t[2]]),
                multipliers: texts(&[&t[3]]),
                rule: Arc::from(t[4].as_str()),
                municipality: Some(Arc::from(t[5].as_str())),
                groups: vec![t[6].clone(), t[7].clone()].into(),
                ..(*basis(1)).clone()
            });
            for (k, l) in s.lines.iter_mut().enumerate() {
                l.id.participant = format!("{}{k}", t[8]).into();
                l.id.item = Arc::from(t[9].as_str());
                l.basis = if k.is_multiple_of(2) { basis.clone() } else { l.basis.clone() };
            }
            for u in &mut s.unpaid {
                *u = Unpaid::new(Text::from(t[10].as_str()), Arc::from(t[11].as_str()), ReasonCode::Requires, Arc::from(t[0].as_str()));
            }
            for i in &mut s.ineligible {
                i.reason = t[2].clone();
            }
            s.totals = Totals::of(&s.lines).unwrap();
            prop_assert_eq!(on(workers, block, &s), reference(&s));
        }
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let every_ascii: String = (0u8..=0x7f).map(char::from).collect();
        for text in ODD.iter().copied().chain([every_ascii.as_str(), "\u{80}\u{9f}\u{a0}\u{2028}\u{2029}\u{feff}"]) {
            let mut s = String::new();
            push_string(&mut s, text);
            assert_eq!(s, serde_json::to_string(text).unwrap(), "{text:?}");
        }
        for c in (0u8..=0x7f).map(char::from).chain(['é', '\u{2028}']) {
            let (text, mut s) = (c.to_string(), String::new());
            push_string(&mut s, &text);
            assert_eq!(plain(&text), s == format!("\"{c}\""), "{c:?}");
        }
    }

    /// Why a participant's id is masked before its line is, as the
    /// reference does: the escape `\u0001` lends the line a code that
    /// overlaps the text's own, and which one is masked differs.
    #[test]
    fn masking_a_text_before_its_line_can_change_the_line() {
        let line = |id: &str| {
            let (mut scratch, mut out) = (String::new(), Vec::new());
            render_redacted(&mut scratch, &mut out, |s| text(s, "participant", id));
            String::from_utf8(out).unwrap()
        };
        let id = "\u{1}23456-789012-345X";
        assert_eq!(line(id), format!("{FIELD}\"participant\": \"\\u000{MASK}12-345X\",\n"));
        assert_eq!(line(&redacted(id)), format!("{FIELD}\"participant\": \"\\u000123456-{MASK}\",\n"));
    }

    #[test]
    fn a_failing_write_is_the_error_and_stops_the_workers() {
        let s = statement(2000);
        // In the head, in the lines, in the reasons, in the tail.
        let whole = reference(&s).len();
        for (workers, room) in [(1, 0), (2, 0), (2, 10_000), (3, 500_000), (2, whole - 1000), (3, whole - 2)] {
            let error = write_statement(workers, 3, &s, Full { room }).unwrap_err();
            assert_eq!(error.to_string(), "disk full", "{workers} threads, {room} bytes");
        }
        let error = write_json_on(Threads(2), &s, Full { room: 1000 }).unwrap_err();
        assert_eq!(error.to_string(), "disk full");
    }
}
