//! The statement as a readable text table for the terminal.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

use super::shown;
use crate::locale::{self, Lang, Msg};
use crate::statement::{describe_held, Amounts, Statement};

/// Render the statement as aligned text: header, lines, totals, reasons
/// for unpaid items, counts and input fingerprints. Every value from the
/// records or the contract goes through [`shown`].
pub fn statement_text(s: &Statement) -> String {
    statement_text_in(s, Lang::En)
}

/// [`statement_text`] in `lang`: labels, sentences, reason explanations,
/// numbers and dates (the texts are in [`crate::locale`]).
pub fn statement_text_in(s: &Statement, lang: Lang) -> String {
    let mut out = String::new();
    header(&mut out, s, lang);
    lines(&mut out, s, lang);
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
    out
}

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

fn lines(out: &mut String, s: &Statement, lang: Lang) {
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
    let mut rows = vec![head.iter().map(|h| locale::text(lang, *h).to_string()).collect::<Vec<_>>()];
    let n = |d| locale::number(lang, d);
    for l in &s.lines {
        let withheld = match l.withheld_by.as_slice() {
            [] => n(l.withheld),
            held => format!("{} ({})", n(l.withheld), describe_held(held, n)),
        };
        let participant = if l.id.participant.is_empty() {
            locale::text(lang, Msg::ContractLevel).into()
        } else {
            l.id.participant.to_string()
        };
        rows.push(vec![
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
        ]);
    }
    if s.lines.is_empty() {
        let _ = writeln!(out, "{}\n", locale::text(lang, Msg::NoPayableLines));
        return;
    }
    table(out, &rows, &[4, 5, 6, 7, 8, 9, 10, 2]);
    out.push('\n');
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
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> =
        (0..cols).map(|c| rows.iter().map(|r| r.get(c).map_or(0, |s| s.chars().count())).max().unwrap_or(0)).collect();
    for row in &rows {
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
}
