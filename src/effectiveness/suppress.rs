//! Small-cell suppression of breakdowns (pienten solujen suojaus).
//!
//! A breakdown cell with fewer eligible records than the contract's
//! `min_cell` is suppressed (primary). Because the total of every
//! indicator is published, one suppressed cell would be recoverable as
//! the total minus the other cells; so further cells are suppressed
//! (secondary), smallest first, until
//! - no suppressed cell holds a record, or at least two do (only their
//!   sum can then be derived, never one cell's n or count), and
//! - the suppressed cells together neither all achieved nor all missed an
//!   indicator (a sum of counts of 0, or equal to the sum of n, would tell
//!   each hidden cell's rate), unless the published total itself says so.
//!
//! The decision is made once per breakdown and arm over all indicators, so
//! one indicator cannot show a cell's n that another hides. A cell with no
//! record does not protect another: it is suppressed but not counted. A
//! breakdown of a single cell repeats the published total.

use serde::Serialize;

/// Why a cell's values are absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Suppression {
    /// Fewer records than `min_cell`.
    Primary,
    /// Hidden so that a primary cell cannot be derived from the total.
    Secondary,
}

/// A cell's size for one indicator: eligible records and how many of
/// them achieved it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Size {
    pub n: u64,
    pub count: u64,
}

/// Which cells of one breakdown and arm to suppress. `cells[c][i]` is
/// cell `c`'s size for indicator `i`; `totals[i]` the published total of
/// indicator `i`.
pub fn suppression(cells: &[Vec<Size>], totals: &[Size], min_cell: u64) -> Vec<Option<Suppression>> {
    let mut hidden: Vec<Option<Suppression>> =
        cells.iter().map(|c| c.iter().any(|s| s.n < min_cell).then_some(Suppression::Primary)).collect();
    while derivable(cells, totals, &hidden) {
        match smallest_shown(cells, &hidden) {
            Some(c) => hidden[c] = Some(Suppression::Secondary),
            None => break,
        }
    }
    hidden
}

/// The largest n of a cell over the indicators (they share the eligible
/// records; standard indicators may leave some out).
fn size(cell: &[Size]) -> u64 {
    cell.iter().map(|s| s.n).max().unwrap_or(0)
}

/// Whether the suppressed cells with records could be told apart from the
/// published totals and the shown cells.
fn derivable(cells: &[Vec<Size>], totals: &[Size], hidden: &[Option<Suppression>]) -> bool {
    let with_records: Vec<&Vec<Size>> =
        cells.iter().zip(hidden).filter(|(c, h)| h.is_some() && size(c) > 0).map(|(c, _)| c).collect();
    match with_records.len() {
        0 => false,
        1 => true,
        _ => totals.iter().enumerate().any(|(i, total)| {
            let sum = with_records.iter().fold(Size::default(), |s, c| {
                let x = c.get(i).copied().unwrap_or_default();
                Size { n: s.n + x.n, count: s.count + x.count }
            });
            // A total of none or all achieved already says every cell's rate.
            let total_tells = total.count == 0 || total.count == total.n;
            !total_tells && sum.n > 0 && (sum.count == 0 || sum.count == sum.n)
        }),
    }
}

/// The shown cell with records and the fewest of them (the first on ties).
fn smallest_shown(cells: &[Vec<Size>], hidden: &[Option<Suppression>]) -> Option<usize> {
    (0..cells.len()).filter(|&c| hidden[c].is_none() && size(&cells[c]) > 0).min_by_key(|&c| (size(&cells[c]), c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Suppression::{Primary, Secondary};

    /// One indicator: (n, count) per cell, the total their sum.
    fn run(cells: &[(u64, u64)], min_cell: u64) -> Vec<Option<Suppression>> {
        let cells: Vec<Vec<Size>> = cells.iter().map(|&(n, count)| vec![Size { n, count }]).collect();
        let total = cells.iter().fold(Size::default(), |t, c| Size { n: t.n + c[0].n, count: t.count + c[0].count });
        suppression(&cells, &[total], min_cell)
    }

    /// Cells 10, 3, 12 of a published 25: hiding only the 3 would leave it
    /// as 25 − 10 − 12. The next smallest (10) is hidden too, so only the
    /// sum 13 can be derived.
    #[test]
    fn a_single_small_cell_would_leak_from_the_total_so_the_next_smallest_is_hidden() {
        assert_eq!(run(&[(10, 4), (3, 1), (12, 6)], 5), [Some(Secondary), Some(Primary), None]);
    }

    #[test]
    fn two_small_cells_protect_each_other() {
        assert_eq!(run(&[(2, 1), (3, 1), (20, 8)], 5), [Some(Primary), Some(Primary), None]);
        assert_eq!(run(&[(5, 1), (6, 2)], 5), [None, None]);
    }

    /// The hidden 3 and 4 achieved nothing: their sum of counts 0 (from the
    /// total 15 minus the shown cells) would tell both rates are 0 %.
    #[test]
    fn hidden_cells_that_together_achieved_none_or_all_are_joined_by_another() {
        assert_eq!(run(&[(10, 5), (3, 0), (4, 0), (20, 10)], 5), [Some(Secondary), Some(Primary), Some(Primary), None]);
        assert_eq!(run(&[(10, 5), (3, 3), (4, 4), (20, 10)], 5), [Some(Secondary), Some(Primary), Some(Primary), None]);
        // When the total says none achieved it, every cell's 0 % is public.
        assert_eq!(run(&[(10, 0), (3, 0), (4, 0)], 5), [None, Some(Primary), Some(Primary)]);
    }

    #[test]
    fn an_empty_cell_does_not_protect_a_small_one() {
        assert_eq!(run(&[(0, 0), (3, 1), (10, 2), (12, 5)], 5), [Some(Primary), Some(Primary), Some(Secondary), None]);
    }

    #[test]
    fn one_indicator_hiding_a_cell_hides_it_for_all() {
        // Indicator 0 needs the first cell hidden (sum of counts 0);
        // indicator 1 alone would not.
        let cells = vec![
            vec![Size { n: 10, count: 5 }, Size { n: 10, count: 5 }],
            vec![Size { n: 3, count: 0 }, Size { n: 3, count: 1 }],
            vec![Size { n: 4, count: 0 }, Size { n: 4, count: 2 }],
            vec![Size { n: 20, count: 10 }, Size { n: 20, count: 10 }],
        ];
        let totals = [Size { n: 37, count: 15 }, Size { n: 37, count: 18 }];
        assert_eq!(suppression(&cells, &totals, 5), [Some(Secondary), Some(Primary), Some(Primary), None]);
    }

    #[test]
    fn nothing_small_nothing_hidden_and_everything_small_everything_hidden() {
        assert_eq!(run(&[(5, 1), (9, 2)], 5), [None, None]);
        assert_eq!(run(&[(1, 1), (2, 0)], 5), [Some(Primary), Some(Primary)]);
        assert_eq!(run(&[(4, 1)], 5), [Some(Primary)]);
    }
}
