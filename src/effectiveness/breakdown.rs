//! Breakdowns of every indicator by municipality, target group and cohort,
//! with small cells suppressed ([`super::suppress`]).
//!
//! Cells: the record's `municipality` (`(unknown)` without one); each of
//! its target `groups` (a record in two groups counts in both, one without
//! groups in `(no group)`); the quarter of its service end, e.g. `2026Q3`
//! (`(no service end)` while ongoing). A cell is listed when either arm
//! has a record in it, in the order of its name.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::scorecard::{arm_score, difference, ArmScore, Difference, Estimate};
use super::stats::Tally;
use super::suppress::{suppression, Size, Suppression};
use crate::records::{Record, Text};

/// What a breakdown splits the records by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum By {
    Municipality,
    TargetGroup,
    Cohort,
}

impl By {
    pub const ALL: [By; 3] = [By::Municipality, By::TargetGroup, By::Cohort];

    pub fn id(self) -> &'static str {
        match self {
            By::Municipality => "municipality",
            By::TargetGroup => "target_group",
            By::Cohort => "cohort",
        }
    }

    /// The cells `r` counts in.
    fn cells(self, r: &Record) -> Vec<String> {
        match self {
            By::Municipality => vec![r.municipality.as_deref().unwrap_or("(unknown)").to_owned()],
            By::TargetGroup if r.groups.is_empty() => vec!["(no group)".into()],
            By::TargetGroup => r.groups.iter().map(Text::to_string).collect(),
            By::Cohort => vec![r.service.end.map_or_else(|| "(no service end)".into(), quarter)],
        }
    }
}

/// `2026Q3` for a date in July–September 2026.
pub fn quarter(d: NaiveDate) -> String {
    format!("{}Q{}", d.year(), d.month0() / 3 + 1)
}

/// One indicator split by one attribute.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breakdown {
    pub by: By,
    pub cells: Vec<Cell>,
}

/// One cell: its name, each arm's figures or their suppression, and the
/// difference when both arms are shown (a difference beside one shown arm
/// would give the other away).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub cell: String,
    pub participants: Shown<ArmScore>,
    /// `None` when the records have no control arm.
    pub control: Option<Shown<ArmScore>>,
    /// `None` without a control arm or when either arm is suppressed.
    pub difference: Option<Estimate<Difference>>,
}

/// A cell's figures, or only that they are suppressed: the values are not
/// kept, so no renderer can show them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Shown<T> {
    Shown(T),
    Suppressed { suppression: Suppression },
}

impl<T> Shown<T> {
    pub fn shown(&self) -> Option<&T> {
        match self {
            Shown::Shown(value) => Some(value),
            Shown::Suppressed { .. } => None,
        }
    }
}

/// Per breakdown: cell name → per indicator, the tallies of both arms
/// (participants, control).
#[derive(Default)]
pub(super) struct BreakdownTallies {
    cells: BTreeMap<By, BTreeMap<String, Vec<[Tally; 2]>>>,
}

impl BreakdownTallies {
    /// Count `r` (arm 0 participants, 1 control) with each indicator's
    /// answer; `None`: the indicator cannot be observed for it.
    pub fn add(&mut self, r: &Record, arm: usize, w: f64, reached: &[Option<bool>]) {
        for by in By::ALL {
            let cells = self.cells.entry(by).or_default();
            for cell in by.cells(r) {
                let tallies = cells.entry(cell).or_insert_with(|| vec![[Tally::default(); 2]; reached.len()]);
                for (t, yes) in tallies.iter_mut().zip(reached) {
                    if let Some(yes) = yes {
                        t[arm].add(w, *yes);
                    }
                }
            }
        }
    }

    /// Every indicator's breakdowns, suppressed below `min_cell`. `totals`
    /// are the published tallies per indicator and arm.
    pub fn breakdowns(
        &self,
        totals: &[[Tally; 2]],
        has_control: bool,
        weighted: bool,
        min_cell: u64,
    ) -> Vec<Vec<Breakdown>> {
        let mut out: Vec<Vec<Breakdown>> = vec![Vec::new(); totals.len()];
        for by in By::ALL {
            let Some(cells) = self.cells.get(&by) else { continue };
            let names: Vec<&String> = cells.keys().collect();
            let tallies: Vec<&Vec<[Tally; 2]>> = cells.values().collect();
            let hidden = [0, 1].map(|arm| {
                let sizes: Vec<Vec<Size>> = tallies.iter().map(|t| t.iter().map(|a| size(&a[arm])).collect()).collect();
                let published: Vec<Size> = totals.iter().map(|t| size(&t[arm])).collect();
                suppression(&sizes, &published, min_cell)
            });
            for (i, breakdowns) in out.iter_mut().enumerate() {
                let cells = names
                    .iter()
                    .zip(&tallies)
                    .enumerate()
                    .map(|(c, (name, t))| cell(name, &t[i], [hidden[0][c], hidden[1][c]], has_control, weighted))
                    .collect();
                breakdowns.push(Breakdown { by, cells });
            }
        }
        out
    }
}

fn size(t: &Tally) -> Size {
    Size { n: t.n, count: t.count }
}

fn cell(name: &str, t: &[Tally; 2], hidden: [Option<Suppression>; 2], has_control: bool, weighted: bool) -> Cell {
    let shown = |arm: usize| match hidden[arm] {
        Some(suppression) => Shown::Suppressed { suppression },
        None => Shown::Shown(arm_score(&t[arm], weighted)),
    };
    let both_shown = hidden == [None, None];
    Cell {
        cell: name.to_string(),
        participants: shown(0),
        control: has_control.then(|| shown(1)),
        difference: (has_control && both_shown).then(|| Estimate::from(difference(&t[0], &t[1]))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cohort_is_the_quarter_of_the_service_end() {
        let d = |s| crate::calendar::parse_iso_date(s).unwrap();
        assert_eq!(quarter(d("2026-06-30")), "2026Q2");
        assert_eq!(quarter(d("2026-07-01")), "2026Q3");
        assert_eq!(quarter(d("2027-12-31")), "2027Q4");
    }

    /// Three municipalities of 10, 3 and 12 participants: the 3 is
    /// suppressed, and so is the 10, which would otherwise give it away.
    /// Neither arm score keeps a number.
    #[test]
    fn suppressed_cells_keep_no_value() {
        let mut b = BreakdownTallies::default();
        let mut totals = [Tally::default(); 2];
        let mut add = |cells: &mut BreakdownTallies, municipality: &str, yes: bool| {
            let mut r = crate::effectiveness::test_record(None, vec![]);
            r.municipality = Some(municipality.into());
            cells.add(&r, 0, 1.0, &[Some(yes)]);
            totals[0].add(1.0, yes);
        };
        (0..10).for_each(|i| add(&mut b, "Jämsä", i < 4));
        (0..3).for_each(|i| add(&mut b, "Kuhmoinen", i < 1));
        (0..12).for_each(|i| add(&mut b, "Jyväskylä", i < 6));
        let out = b.breakdowns(&[totals], false, false, 5);
        let municipality = &out[0][0];
        assert_eq!(municipality.by, By::Municipality);
        let states: Vec<(&str, Option<u64>)> =
            municipality.cells.iter().map(|c| (c.cell.as_str(), c.participants.shown().map(|a| a.n))).collect();
        assert_eq!(states, [("Jyväskylä", Some(12)), ("Jämsä", None), ("Kuhmoinen", None)]);
        let json = serde_json::to_string(&municipality.cells[2]).unwrap();
        assert_eq!(
            json,
            r#"{"cell":"Kuhmoinen","participants":{"status":"suppressed","suppression":"primary"},"control":null,"difference":null}"#
        );
    }
}
