//! The scorecard as an aligned text table for the terminal.

use std::fmt::Write;

use rust_decimal::Decimal;

use super::scorecard::{ArmScore, Difference, Estimate, IndicatorScore, Scorecard};
use crate::report::{shown, table};

/// Shown for a value that cannot be estimated; the footer says why.
const NONE: &str = "—";

/// Render the scorecard as aligned text: the method, one row per
/// indicator, the indicators' names, counts and input fingerprints. Every
/// value from the records or the contract goes through [`shown`].
pub fn scorecard_text(s: &Scorecard) -> String {
    let mut out = String::new();
    header(&mut out, s);
    indicators(&mut out, s);
    names(&mut out, s);
    footer(&mut out, s);
    out
}

fn header(out: &mut String, s: &Scorecard) {
    let _ = writeln!(
        out,
        "Effectiveness scorecard {} — {} / {}",
        shown(&s.contract),
        shown(&s.title.fi),
        shown(&s.title.en)
    );
    let m = &s.method;
    let _ = writeln!(out, "As of {}   {}", s.as_of, if m.weighted { "Weighted" } else { "Unweighted" });
    let _ = writeln!(out, "Rate: {}; {} with {}", m.rate, m.interval, m.sample_size);
    if s.counts.controls > 0 {
        let _ = writeln!(out, "Difference: {}", m.difference);
    } else {
        let _ = writeln!(out, "No control records: no comparison group, no difference");
    }
    out.push('\n');
}

fn indicators(out: &mut String, s: &Scorecard) {
    if s.indicators.is_empty() {
        let _ = writeln!(
            out,
            "The contract declares no indicators: add [[indicator]] sections (README, Effectiveness scores)\n"
        );
        return;
    }
    let has_control = s.counts.controls > 0;
    let weighted = s.method.weighted;
    let mut head = vec!["indicator".to_string()];
    head.extend(arm_head("participants", weighted));
    if has_control {
        head.extend(arm_head("control", weighted));
        head.extend(["difference".into(), "95 % interval".into(), "additional".into()]);
    }
    head.extend(["target".into(), "met".into()]);
    let mut rows = vec![head];
    for i in &s.indicators {
        rows.push(row(i, weighted));
    }
    // Every column but the indicator id and the intervals holds a number.
    let right: Vec<usize> = (1..rows[0].len()).filter(|c| !rows[0][*c].contains("interval")).collect();
    table(out, &rows, &right);
    out.push('\n');
}

fn arm_head(arm: &str, weighted: bool) -> Vec<String> {
    let mut head = vec![arm.to_string()];
    if weighted {
        head.push("n_eff".into());
    }
    head.extend(["rate".into(), "95 % interval".into()]);
    head
}

fn row(i: &IndicatorScore, weighted: bool) -> Vec<String> {
    let mut row = vec![i.id.clone()];
    row.extend(arm_cells(&i.participants, weighted));
    if let Some(control) = &i.control {
        row.extend(arm_cells(control, weighted));
    }
    match &i.difference {
        Some(Estimate::Estimated(d)) => row.extend(difference_cells(d)),
        Some(Estimate::NotEstimated { .. }) => row.extend([NONE.into(), NONE.into(), NONE.into()]),
        None => {}
    }
    row.push(i.target.map_or(String::new(), percent));
    row.push(match i.meets_target {
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
        None => String::new(),
    });
    row
}

fn arm_cells(a: &ArmScore, weighted: bool) -> Vec<String> {
    let mut cells = vec![format!("{}/{}", a.count, a.n)];
    if weighted {
        cells.push(a.n_eff.map_or(String::new(), |n| n.to_string()));
    }
    match &a.rate {
        Estimate::Estimated(r) => cells.extend([percent(r.value), format!("{} … {}", percent(r.low), percent(r.high))]),
        Estimate::NotEstimated { .. } => cells.extend([NONE.into(), NONE.into()]),
    }
    cells
}

fn difference_cells(d: &Difference) -> [String; 3] {
    [
        format!("{} pp", signed(d.points)),
        format!("{} … {} pp", signed(d.low), signed(d.high)),
        d.additional_outcomes.to_string(),
    ]
}

/// A rate (0–1, four decimals) as a percentage with two decimals.
fn percent(rate: Decimal) -> String {
    let mut p = rate * Decimal::ONE_HUNDRED;
    p.rescale(2);
    format!("{p} %")
}

fn signed(points: Decimal) -> String {
    if points > Decimal::ZERO {
        format!("+{points}")
    } else {
        points.to_string()
    }
}

fn names(out: &mut String, s: &Scorecard) {
    let rows: Vec<Vec<String>> = s
        .indicators
        .iter()
        .map(|i| vec![i.id.clone(), format!("{} / {} (outcome {})", i.name.fi, i.name.en, i.outcome)])
        .collect();
    if !rows.is_empty() {
        table(out, &rows, &[]);
        out.push('\n');
    }
}

fn footer(out: &mut String, s: &Scorecard) {
    let c = &s.counts;
    let _ = writeln!(
        out,
        "Records read {}: participants {} (not eligible {}), control {} (not eligible {}), other contract {}",
        c.records_read, c.participants, c.ineligible_participants, c.controls, c.ineligible_controls, c.other_contract
    );
    let rate_missing = |a: &ArmScore| a.rate.value().is_none();
    let missing =
        s.indicators.iter().any(|i| rate_missing(&i.participants) || i.control.as_ref().is_some_and(rate_missing));
    if missing {
        let _ = writeln!(out, "{NONE} no estimate: {}", super::stats::NoEstimate::NoRecords.reason());
    }
    // Hashes are ours and never redacted: hex can look like an identity code.
    let _ = writeln!(out, "Contract {} sha256 {}", shown(&s.inputs.contract_file), s.inputs.contract_sha256);
    for (name, sha) in &s.inputs.libraries {
        let _ = writeln!(out, "Rules {} sha256 {sha}", shown(name));
    }
    for (name, sha) in &s.inputs.records {
        let _ = writeln!(out, "Records {} sha256 {sha}", shown(name));
    }
}
