//! The statement as a readable text table for the terminal.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

use super::shown;
use crate::locale::{self, Lang, Msg};
use crate::statement::{describe_held, Amounts, Line, Statement};

/// Render the statement as aligned text: header, lines, totals, reasons
/// for unpaid items, counts and input fingerprints. Every value from the
/// records or the contract goes through [`shown`].
pub fn statement_text(s: &Statement) -> String {
    statement_text_in(s, Lang::En)
}

/// [`statement_text`] in `lang`: labels, sentences, reason explanations,
/// numbers and dates (the texts are in [`crate::locale`]).
pub fn statement_text_in(s: &Statement, lang: Lang) -> String {
    let mut text = Vec::new();
    write_statement_text_in(s, lang, &mut text).expect("writing to memory cannot fail");
    String::from_utf8(text).expect("the statement text is UTF-8")
}

/// [`statement_text_in`] written to `w` as it is made: a statement of a
/// million lines is not held as text (nor as a table of cells) in memory.
pub fn write_statement_text_in(s: &Statement, lang: Lang, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut out = String::new();
    header(&mut out, s, lang);
    lines(&mut out, s, lang, &mut |text: &mut String| {
        w.write_all(text.as_bytes())?;
        text.clear();
        Ok(())
    })?;
    impact(&mut out, s, lang);
    let t = |m| locale::text(lang, m);
    totals(&mut out, t(Msg::TotalsByItem), &s.totals.by_item, lang);
    totals(&mut out, t(Msg::TotalsByMunicipality), &s.totals.by_municipality, lang);
    totals(&mut out, t(Msg::TotalsByGroup), &s.totals.by_group, lang);
    let mut overall = BTreeMap::new();
    overall.insert(Arc::from(t(Msg::Total)), s.totals.overall);
    totals(&mut out, t(Msg::Overall), &overall, lang);
    unpaid(&mut out, s, lang);
    footer(&mut out, s, lang);
    w.write_all(out.as_bytes())
}

/// Text gathered before it is handed to the writer.
const FLUSH_BYTES: usize = 1 << 20;

fn header(out: &mut String, s: &Statement, lang: Lang) {
    let title = [&shown(&s.contract) as &dyn std::fmt::Display, &shown(&s.title_fi), &shown(&s.title_en)];
    let _ = writeln!(out, "{}", locale::fill(lang, Msg::StatementTitle, &title));
    let _ = writeln!(out, "{}", locale::fill(lang, Msg::BuyerProvider, &[&shown(&s.buyer), &shown(&s.provider)]));
    let period = s.period.map_or(locale::text(lang, Msg::EverythingAchieved).to_string(), |p| {
        format!("{} – {}", locale::date(lang, p.from), locale::date(lang, p.to))
    });
    let as_of = [
        &locale::date(lang, s.as_of) as &dyn std::fmt::Display,
        &period,
        &shown(&s.currency),
        &locale::number(lang, s.vat_percent),
        &s.rounding.scale,
        &s.rounding.mode.name(),
    ];
    let _ = writeln!(out, "{}", locale::fill(lang, Msg::AsOfPeriod, &as_of));
    out.push('\n');
}

/// The lines' table, measured in a first pass and written row by row in a
/// second (`flush` takes the text made so far): the same text as
/// [`table`] over all rows, without holding them.
fn lines(
    out: &mut String,
    s: &Statement,
    lang: Lang,
    flush: &mut dyn FnMut(&mut String) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if s.lines.is_empty() {
        let _ = writeln!(out, "{}\n", locale::text(lang, Msg::NoPayableLines));
        return Ok(());
    }
    let head = [
        Msg::ColParticipant,
        Msg::ColItem,
        Msg::ColOccurrence,
        Msg::ColAchieved,
        Msg::ColTariff,
        Msg::ColMultiplier,
        Msg::ColAmount,
        Msg::ColWithheld,
        Msg::ColNet,
        Msg::ColVat,
        Msg::ColGross,
        Msg::ColClause,
    ];
    let head: Vec<String> = head.iter().map(|h| shown(locale::text(lang, *h))).collect();
    let n = |d| locale::number(lang, d);
    let row = |l: &Line| -> Vec<String> {
        let withheld = match l.withheld_by.as_slice() {
            [] => n(l.withheld),
            held => format!("{} ({})", n(l.withheld), describe_held(held, n)),
        };
        let participant = if l.id.participant.is_empty() {
            locale::text(lang, Msg::ContractLevel).into()
        } else {
            l.id.participant.to_string()
        };
        let cells = [
            participant,
            l.id.item.to_string(),
            l.id.occurrence.to_string(),
            locale::date(lang, l.achieved_on),
            n(l.tariff),
            n(l.multiplier),
            n(l.amount),
            withheld,
            n(l.net),
            n(l.vat),
            n(l.gross),
            clause_with_tables(l),
        ];
        cells.iter().map(|c| shown(c)).collect()
    };
    let right = [4, 5, 6, 7, 8, 9, 10, 2];
    let mut width = Vec::new();
    widen(&mut width, &head);
    for l in &s.lines {
        widen(&mut width, &row(l));
    }
    write_row(out, &head, &width, &right);
    for l in &s.lines {
        write_row(out, &row(l), &width, &right);
        if out.len() >= FLUSH_BYTES {
            flush(out)?;
        }
    }
    out.push('\n');
    Ok(())
}

/// How each impact payment line was computed (nothing without one).
fn impact(out: &mut String, s: &Statement, lang: Lang) {
    if s.impact_payments.is_empty() {
        return;
    }
    let _ = writeln!(out, "{}", locale::text(lang, Msg::ImpactPayments));
    for c in &s.impact_payments {
        let _ = writeln!(out, "{} — {} / {}", shown(&c.item), shown(&c.name_fi), shown(&c.name_en));
        let rows: Vec<Vec<String>> =
            super::impact_steps(c).into_iter().map(|(k, v)| vec![format!("  {}", locale::code(lang, k)), v]).collect();
        table(out, &rows, &[]);
    }
    out.push('\n');
}

/// The clause, followed by the decision-table rows behind the line.
fn clause_with_tables(l: &crate::statement::Line) -> String {
    let clause = l.clause.as_deref().unwrap_or_default().to_string();
    if l.tables.is_empty() {
        clause
    } else {
        format!("{clause} [{}]", l.tables.join("; "))
    }
}

fn totals(out: &mut String, title: &str, by: &BTreeMap<Arc<str>, Amounts>, lang: Lang) {
    if by.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}");
    let head = [Msg::ColLines, Msg::ColAmount, Msg::ColWithheld, Msg::ColNet, Msg::ColVat, Msg::ColGross];
    let mut rows = vec![std::iter::once(String::new()).chain(head.map(|m| locale::text(lang, m).into())).collect()];
    let n = |d| locale::number(lang, d);
    for (k, a) in by {
        rows.push(vec![k.to_string(), a.lines.to_string(), n(a.amount), n(a.withheld), n(a.net), n(a.vat), n(a.gross)]);
    }
    table(out, &rows, &[1, 2, 3, 4, 5, 6]);
    out.push('\n');
}

fn unpaid(out: &mut String, s: &Statement, lang: Lang) {
    if s.unpaid.is_empty() && s.ineligible.is_empty() {
        return;
    }
    let t = |m| locale::text(lang, m).to_string();
    let _ = writeln!(out, "{}", t(Msg::NotPaidTitle));
    let mut counts: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for u in &s.unpaid {
        *counts.entry((&u.item, u.reason.name())).or_default() += 1;
    }
    let mut rows = vec![[Msg::ColItem, Msg::ColReason, Msg::ColParticipants].map(t).to_vec()];
    for ((item, reason), n) in counts {
        rows.push(vec![item.to_string(), locale::reason(lang, reason), n.to_string()]);
    }
    if !s.ineligible.is_empty() {
        rows.push(vec![t(Msg::AllItems), locale::reason(lang, "not_eligible"), s.ineligible.len().to_string()]);
    }
    table(out, &rows, &[2]);
    out.push('\n');
}

fn footer(out: &mut String, s: &Statement, lang: Lang) {
    let c = &s.counts;
    let counts = [
        &c.records_read as &dyn std::fmt::Display,
        &c.participants,
        &c.eligible,
        &c.ineligible,
        &c.paid,
        &c.control,
        &c.other_contract,
    ];
    let _ = writeln!(out, "{}", locale::fill(lang, Msg::StatementCounts, &counts));
    for (id, n) in &c.other_contracts {
        let _ = writeln!(out, "{}", locale::fill(lang, Msg::OtherContractRecords, &[&shown(id), n]));
    }
    // Hashes are ours and never redacted: hex can look like an identity code.
    let digest = |m, name: &str, sha: &str| locale::fill(lang, m, &[&shown(name), &sha]);
    let _ = writeln!(out, "{}", digest(Msg::ContractDigest, &s.inputs.contract_file, &s.inputs.contract_sha256));
    let version = s.inputs.contract_version.as_deref().map_or_else(|| locale::text(lang, Msg::NoVersion).into(), shown);
    let _ = writeln!(out, "{}", locale::fill(lang, Msg::ContractVersion, &[&version, &shown(&s.inputs.tulos_version)]));
    for (name, sha) in &s.inputs.libraries {
        let _ = writeln!(out, "{}", digest(Msg::RulesDigest, name, sha));
    }
    for (name, sha) in &s.inputs.records {
        let _ = writeln!(out, "{}", digest(Msg::RecordsDigest, name, sha));
    }
}

/// Aligned columns; `right` lists columns aligned right (numbers). Cells
/// are [`shown`] before they are measured.
pub(crate) fn table(out: &mut String, rows: &[Vec<String>], right: &[usize]) {
    let rows: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(|c| shown(c)).collect()).collect();
    let mut width = Vec::new();
    for row in &rows {
        widen(&mut width, row);
    }
    for row in &rows {
        write_row(out, row, &width, right);
    }
}

/// Widen the columns' `width` (in characters) to hold `row`'s cells.
fn widen(width: &mut Vec<usize>, row: &[String]) {
    if width.len() < row.len() {
        width.resize(row.len(), 0);
    }
    for (w, cell) in width.iter_mut().zip(row) {
        *w = (*w).max(cell.chars().count());
    }
}

/// One row of shown cells, padded to `width`, without trailing spaces.
fn write_row(out: &mut String, row: &[String], width: &[usize], right: &[usize]) {
    let mut line = String::new();
    for (c, cell) in row.iter().enumerate() {
        let pad = width[c] - cell.chars().count();
        if c > 0 {
            line.push_str("  ");
        }
        if right.contains(&c) {
            line.push_str(&" ".repeat(pad));
            line.push_str(cell);
        } else {
            line.push_str(cell);
            line.push_str(&" ".repeat(pad));
        }
    }
    let _ = writeln!(out, "{}", line.trim_end());
}
