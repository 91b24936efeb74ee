//! The statement as a readable text table for the terminal.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;

use super::shown;
use crate::statement::{describe_held, Amounts, Statement};

/// Render the statement as aligned text: header, lines, totals, reasons
/// for unpaid items, counts and input fingerprints. Every value from the
/// records or the contract goes through [`shown`].
pub fn statement_text(s: &Statement) -> String {
    let mut out = String::new();
    header(&mut out, s);
    lines(&mut out, s);
    impact(&mut out, s);
    totals(&mut out, "Totals by item", &s.totals.by_item);
    totals(&mut out, "Totals by municipality", &s.totals.by_municipality);
    totals(&mut out, "Totals by target group (a participant counts in each of their groups)", &s.totals.by_group);
    let mut overall = BTreeMap::new();
    overall.insert(Arc::from("TOTAL"), s.totals.overall);
    totals(&mut out, "Overall", &overall);
    unpaid(&mut out, s);
    footer(&mut out, s);
    out
}

fn header(out: &mut String, s: &Statement) {
    let _ = writeln!(out, "Payment statement {} — {} / {}", shown(&s.contract), shown(&s.title_fi), shown(&s.title_en));
    let _ = writeln!(out, "Buyer: {}   Provider: {}", shown(&s.buyer), shown(&s.provider));
    let period = s.period.map_or("everything achieved".to_string(), |p| format!("{} – {}", p.from, p.to));
    let _ = writeln!(
        out,
        "As of {}   Period: {}   Amounts in {}, VAT {} %, rounding to {} decimals ({})",
        s.as_of,
        period,
        shown(&s.currency),
        s.vat_percent,
        s.rounding.scale,
        s.rounding.mode.name()
    );
    out.push('\n');
}

fn lines(out: &mut String, s: &Statement) {
    let head = [
        "participant",
        "item",
        "occ",
        "achieved",
        "tariff",
        "mult",
        "amount",
        "withheld",
        "net",
        "vat",
        "gross",
        "clause",
    ];
    let mut rows = vec![head.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    for l in &s.lines {
        let withheld = match l.withheld_by.as_slice() {
            [] => l.withheld.to_string(),
            held => format!("{} ({})", l.withheld, describe_held(held, |d| d.to_string())),
        };
        rows.push(vec![
            if l.id.participant.is_empty() { "(contract)".into() } else { l.id.participant.to_string() },
            l.id.item.to_string(),
            l.id.occurrence.to_string(),
            l.achieved_on.to_string(),
            l.tariff.to_string(),
            l.multiplier.to_string(),
            l.amount.to_string(),
            withheld,
            l.net.to_string(),
            l.vat.to_string(),
            l.gross.to_string(),
            clause_with_tables(l),
        ]);
    }
    if s.lines.is_empty() {
        out.push_str("No payable lines.\n\n");
        return;
    }
    table(out, &rows, &[4, 5, 6, 7, 8, 9, 10, 2]);
    out.push('\n');
}

/// How each impact payment line was computed (nothing without one).
fn impact(out: &mut String, s: &Statement) {
    if s.impact_payments.is_empty() {
        return;
    }
    let _ = writeln!(out, "Impact payments (contract-level lines: how each amount was computed, before caps)");
    for c in &s.impact_payments {
        let _ = writeln!(out, "{} — {} / {}", shown(&c.item), shown(&c.name_fi), shown(&c.name_en));
        let rows: Vec<Vec<String>> =
            super::impact_steps(c).into_iter().map(|(k, v)| vec![format!("  {k}"), v]).collect();
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

fn totals(out: &mut String, title: &str, by: &BTreeMap<Arc<str>, Amounts>) {
    if by.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}");
    let mut rows = vec![["", "lines", "amount", "withheld", "net", "vat", "gross"].map(String::from).to_vec()];
    for (k, a) in by {
        rows.push(vec![
            k.to_string(),
            a.lines.to_string(),
            a.amount.to_string(),
            a.withheld.to_string(),
            a.net.to_string(),
            a.vat.to_string(),
            a.gross.to_string(),
        ]);
    }
    table(out, &rows, &[1, 2, 3, 4, 5, 6]);
    out.push('\n');
}

fn unpaid(out: &mut String, s: &Statement) {
    if s.unpaid.is_empty() && s.ineligible.is_empty() {
        return;
    }
    let _ = writeln!(out, "Not paid (use --format json or csv, or `tulos explain`, for each participant)");
    let mut counts: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for u in &s.unpaid {
        *counts.entry((&u.item, u.reason.name())).or_default() += 1;
    }
    let mut rows = vec![["item", "reason", "participants"].map(String::from).to_vec()];
    for ((item, reason), n) in counts {
        rows.push(vec![item.to_string(), reason.to_string(), n.to_string()]);
    }
    if !s.ineligible.is_empty() {
        rows.push(vec!["(all)".into(), "not_eligible".into(), s.ineligible.len().to_string()]);
    }
    table(out, &rows, &[2]);
    out.push('\n');
}

fn footer(out: &mut String, s: &Statement) {
    let c = &s.counts;
    let _ = writeln!(
        out,
        "Records read {}: participants {} (eligible {}, not eligible {}, paid {}), control {}, other contract {}",
        c.records_read, c.participants, c.eligible, c.ineligible, c.paid, c.control, c.other_contract
    );
    for (id, n) in &c.other_contracts {
        let _ = writeln!(out, "  other contract {}: {n} record(s), not evaluated", shown(id));
    }
    // Hashes are ours and never redacted: hex can look like an identity code.
    let _ = writeln!(out, "Contract {} sha256 {}", shown(&s.inputs.contract_file), s.inputs.contract_sha256);
    let version = s.inputs.contract_version.as_deref().map_or_else(|| "(none)".into(), shown);
    let _ = writeln!(out, "Contract version {version}   computed by tulos {}", shown(&s.inputs.tulos_version));
    for (name, sha) in &s.inputs.libraries {
        let _ = writeln!(out, "Rules {} sha256 {sha}", shown(name));
    }
    for (name, sha) in &s.inputs.records {
        let _ = writeln!(out, "Records {} sha256 {sha}", shown(name));
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
