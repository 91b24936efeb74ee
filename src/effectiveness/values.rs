//! Value indicators: the mean of a per-participant `[[value]]` (tax paid,
//! earnings, a score) in each arm and the difference of the means, with
//! Welch's interval — the per-person counterpart of the rate indicators.
//!
//! A record whose value rule gives `()` is missing: counted and shown,
//! never averaged in as zero. Weights (`weight` in the records) weight
//! the means as they weight the rates.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Serialize;

use super::measures::{mean, welch, Mean, MeanDifference};
use super::scorecard::{fixed, Estimate, N_EFF_DECIMALS};
use super::stats::Sample;
use crate::contract::{Contract, Names};

/// One value indicator over both arms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueScore {
    pub id: String,
    pub name: Names,
    /// The `[[value]]` it averages.
    pub value: String,
    pub participants: ValueArm,
    /// `None` when the records have no control arm.
    pub control: Option<ValueArm>,
    /// Participants' mean minus the control mean, with Welch's 95 %
    /// interval; `None` without a control arm.
    pub difference: Option<Estimate<MeanDifference>>,
    pub target: Option<Decimal>,
    /// Whether the participants' mean (as shown) is at least the target.
    pub meets_target: Option<bool>,
}

/// One arm of a value indicator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueArm {
    /// Eligible records with the value.
    pub n: u64,
    /// Eligible records whose value rule gave `()`: left out of the mean.
    pub missing: u64,
    /// Kish's effective sample size, when the records are weighted.
    pub n_eff: Option<Decimal>,
    /// The (weighted) mean and its t interval.
    pub mean: Estimate<Mean>,
}

/// The values of every value indicator in both arms while records are read.
pub(super) struct ValueTallies {
    /// Per value indicator: the position of its value among the contract's
    /// `[[value]]`s (the order `Evaluator::values` returns them in).
    positions: Vec<usize>,
    /// Per value indicator: participants, control.
    samples: Vec<[Sample; 2]>,
    missing: Vec<[u64; 2]>,
}

impl ValueTallies {
    pub fn new(c: &Contract) -> Self {
        // The loader refuses an indicator naming no `[[value]]`.
        let positions: Vec<usize> =
            c.value_indicators.iter().filter_map(|i| c.values.iter().position(|v| v.id == i.value)).collect();
        let n = positions.len();
        ValueTallies { positions, samples: vec![Default::default(); n], missing: vec![[0; 2]; n] }
    }

    /// Whether any value must be computed for an eligible record.
    pub fn wanted(&self) -> bool {
        !self.positions.is_empty()
    }

    /// Count one eligible record's values (`Evaluator::values`) in `arm`
    /// (0 participants, 1 control).
    pub fn add(&mut self, arm: usize, weight: Decimal, values: &[Option<Decimal>]) {
        let w = weight.to_f64().unwrap_or(0.0);
        for (i, position) in self.positions.iter().enumerate() {
            match values.get(*position).copied().flatten() {
                Some(x) => self.samples[i][arm].add(w, x.to_f64().unwrap_or(0.0)),
                None => self.missing[i][arm] += 1,
            }
        }
    }

    pub fn scores(&self, c: &Contract, has_control: bool, weighted: bool) -> Vec<ValueScore> {
        c.value_indicators
            .iter()
            .zip(self.samples.iter().zip(&self.missing))
            .map(|(indicator, ([p, k], missing))| {
                let participants = arm(p, missing[0], weighted);
                let meets_target = match (indicator.target, participants.mean.value()) {
                    (Some(target), Some(m)) => Some(m.value >= target),
                    _ => None,
                };
                ValueScore {
                    id: indicator.id.clone(),
                    name: indicator.name.clone(),
                    value: indicator.value.clone(),
                    participants,
                    control: has_control.then(|| arm(k, missing[1], weighted)),
                    difference: has_control.then(|| Estimate::from(welch(p, k))),
                    target: indicator.target,
                    meets_target,
                }
            })
            .collect()
    }
}

fn arm(s: &Sample, missing: u64, weighted: bool) -> ValueArm {
    ValueArm {
        n: s.n(),
        missing,
        n_eff: weighted.then(|| s.effective_n().map_or(Decimal::ZERO, |n| fixed(n, N_EFF_DECIMALS))),
        mean: Estimate::from(mean(s)),
    }
}
