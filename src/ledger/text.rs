//! Runs as text for the terminal: a run (preview or sealed) and the list.

use std::fmt::Write;

use super::{Entry, Run, RunSummary};
use crate::report::shown;

/// A run: header, one row per entry, control totals, inputs. `digest` is
/// the sealed run's digest; `None` for a preview.
pub fn run_text(run: &Run, digest: Option<&str>) -> String {
    let mut out = String::new();
    let version = run.contract_version.as_deref().map_or_else(|| "(none)".to_string(), shown);
    let what = match digest {
        Some(_) => format!("Payment run {}", run.id),
        None => format!("Payment run preview (would be run {}; not committed)", run.id),
    };
    let _ =
        writeln!(out, "{what} — contract {} version {version}, run {} of the contract", shown(&run.contract), run.seq);
    let after = run.period.after.map_or_else(|| "the start".to_string(), |d| d.to_string());
    let _ = writeln!(out, "As of {}   Pays what became payable after {after} up to {}", run.as_of, run.period.to);
    let _ = writeln!(out);
    if run.lines.is_empty() {
        let _ = writeln!(out, "Nothing to pay: earlier runs paid everything this statement holds.");
    } else {
        aligned(&mut out, &run.lines);
    }
    let t = &run.totals;
    let _ = writeln!(out);
    let _ = writeln!(out, "Control totals: {} line(s), net {}, VAT {}, gross {}", t.lines, t.net, t.vat, t.gross);
    let _ = writeln!(out, "tulos {}", shown(&run.tulos_version));
    let _ = writeln!(out, "Contract {} sha256 {}", shown(&run.contract_file), run.contract_sha256);
    for (name, rule) in &run.rules {
        let _ = writeln!(out, "Rules {} sha256 {}", shown(name), rule.sha256);
    }
    for (name, sha) in &run.records {
        let _ = writeln!(out, "Records {} sha256 {sha}", shown(name));
    }
    let _ = writeln!(out, "Previous run digest {}", run.previous_digest.as_deref().unwrap_or("(none: first run)"));
    if let Some(d) = digest {
        let _ = writeln!(out, "Digest {d}");
    }
    out
}

/// The columns of a run's entries.
const HEADER: [&str; 9] = ["kind", "participant", "item", "occurrence", "achieved_on", "net", "vat", "gross", "reason"];

/// One entry's cells, in the columns of [`HEADER`].
fn cells(e: &Entry) -> [String; 9] {
    let date = e.new.as_ref().or(e.old.as_ref()).map_or_else(String::new, |v| v.achieved_on.to_string());
    let who = if e.participant.is_empty() { "(contract)".to_string() } else { shown(&e.participant) };
    [
        e.kind.name().to_string(),
        who,
        shown(&e.item),
        e.occurrence.to_string(),
        date,
        e.net.to_string(),
        e.vat.to_string(),
        e.gross.to_string(),
        shown(&e.reason),
    ]
}

/// The header and one row per entry, columns padded to their widest cell.
/// The cells are made twice, once to measure and once to write, so a run
/// of a million entries is never held as cells (9 texts each).
fn aligned(out: &mut String, entries: &[Entry]) {
    let rows = || std::iter::once(HEADER.map(String::from)).chain(entries.iter().map(cells));
    let mut widths = [0; HEADER.len()];
    for row in rows() {
        for (width, cell) in widths.iter_mut().zip(&row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in rows() {
        write_row(out, &row, &widths);
    }
}

/// One row: amounts (columns 5–7) to the right, the last column unpadded.
fn write_row(out: &mut String, row: &[String], widths: &[usize]) {
    let columns = row.len();
    let mut line = String::new();
    for (c, cell) in row.iter().enumerate() {
        let pad = widths[c].saturating_sub(cell.chars().count());
        if c + 1 == columns {
            line.push_str(cell);
        } else if (5..=7).contains(&c) {
            line.push_str(&" ".repeat(pad));
            line.push_str(cell);
            line.push_str("  ");
        } else {
            line.push_str(cell);
            line.push_str(&" ".repeat(pad + 2));
        }
    }
    let _ = writeln!(out, "{}", line.trim_end());
}

/// `tulos ledger list`: one row per run.
pub fn list_text(runs: &[RunSummary]) -> String {
    let mut out = String::new();
    if runs.is_empty() {
        out.push_str("The ledger holds no runs.\n");
        return out;
    }
    let mut rows =
        vec![["run", "contract", "version", "as_of", "lines", "net", "gross", "digest"].map(String::from).to_vec()];
    rows.extend(runs.iter().map(|r| {
        vec![
            r.id.to_string(),
            shown(&r.contract),
            r.version.as_deref().map_or_else(|| "-".to_string(), shown),
            r.as_of.to_string(),
            r.lines.to_string(),
            r.net.to_string(),
            r.gross.to_string(),
            r.digest.clone(),
        ]
    }));
    let widths: Vec<usize> = (0..8).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    for row in &rows {
        let cells: Vec<String> = row.iter().zip(&widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    out
}
