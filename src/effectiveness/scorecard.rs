//! The [`Scorecard`] and how it is tallied from evaluated records.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::breakdown::{Breakdown, BreakdownTallies};
use super::comparison::{relative_risk, Ratio, RelativeRisk};
use super::composite::{composite, Composite};
use super::cost::{cost, Cost, ExactTally};
use super::measures::{ChangeMeter, Earnings, Experience, MeasureTallies};
use super::standard;
use super::stats::{self, NoEstimate, Tally};
use super::values::{ValueScore, ValueTallies};
use crate::contract::{Contract, Counted, Names};
use crate::payment::Achievements;
use crate::records::{Arm, Record};
use crate::statement::{Inputs, Statement};

/// Decimals of rates and their interval bounds (proportions, 0–1).
pub const RATE_DECIMALS: u32 = 4;
/// Decimals of differences in percentage points: the same precision as
/// the rates (0.2000 = 20.00 points).
pub const POINTS_DECIMALS: u32 = 2;
/// Decimals of additional outcomes.
pub const COUNT_DECIMALS: u32 = 1;
/// Decimals of effective sample sizes.
pub const N_EFF_DECIMALS: u32 = 2;

/// Effectiveness indicators of a contract over both arms of the records,
/// as of a date: the effectiveness counterpart of the payment statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scorecard {
    pub contract: String,
    pub title: Names,
    pub as_of: NaiveDate,
    pub method: Method,
    pub counts: ScoreCounts,
    /// Breakdown cells with fewer eligible records than this are suppressed.
    pub min_cell: u64,
    pub indicators: Vec<IndicatorScore>,
    /// Value indicators: means of a per-participant value in each arm.
    pub values: Vec<ValueScore>,
    /// The composite score; `None` when no indicator carries a weight.
    pub composite: Option<Composite>,
    /// What the payment statement over the same records paid; `None` when
    /// the score was computed without one.
    pub cost: Option<Cost>,
    /// Customer change meter (asiakasmuutosmittari) per dimension.
    pub change_meter: ChangeMeter,
    /// Customer experience: satisfaction and response rate.
    pub experience: Experience,
    /// Mean monthly earnings before and after the service.
    pub earnings: Earnings,
    pub inputs: Inputs,
}

/// How the numbers were computed, stated in every output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Method {
    /// Whether any record carries a weight other than 1.
    pub weighted: bool,
    pub rate: &'static str,
    pub interval: &'static str,
    pub difference: &'static str,
    /// The n the intervals use.
    pub sample_size: &'static str,
    pub relative_risk: &'static str,
    pub additional_outcomes: &'static str,
}

impl Method {
    fn new(weighted: bool) -> Self {
        Method {
            weighted,
            rate: if weighted {
                "weighted share of eligible records: Σw·y / Σw"
            } else {
                "share of eligible records that achieved the outcome by the as-of date"
            },
            interval: "95 % Wilson score interval",
            difference: "participants − control in percentage points, 95 % Newcombe hybrid score interval (method 10)",
            sample_size: if weighted { "Kish effective sample size n_eff = (Σw)² / Σw²" } else { "n" },
            relative_risk: "participants' rate / control rate, 95 % interval by the log method (Katz)",
            additional_outcomes: "(participants' rate − control rate) × participants (Σw when weighted), interval from the Newcombe bounds",
        }
    }
}

/// What was read, per arm.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScoreCounts {
    pub records_read: u64,
    pub participants: u64,
    pub controls: u64,
    /// Records of another contract: read, not evaluated.
    pub other_contract: u64,
    pub ineligible_participants: u64,
    pub ineligible_controls: u64,
}

/// One indicator: participants, the comparison group and the difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorScore {
    pub id: String,
    pub name: Names,
    /// What it counts: an outcome of the contract or a standard indicator.
    pub counts: Counted,
    pub participants: ArmScore,
    /// `None` when the records have no control arm at all.
    pub control: Option<ArmScore>,
    /// `None` when the records have no control arm at all.
    pub difference: Option<Estimate<Difference>>,
    /// Participants' rate over the control rate; `None` when the records
    /// have no control arm at all.
    pub relative_risk: Option<Ratio<RelativeRisk>>,
    /// Standard indicators only: eligible records whose follow-up day is
    /// after the as-of date (or without a service end), left out of n.
    pub not_observable: Option<NotObservable>,
    pub target: Option<Decimal>,
    /// The weight in the composite score.
    pub weight: Option<Decimal>,
    /// Whether the participants' rate (as shown) is at least the target;
    /// `None` without a target or a rate.
    pub meets_target: Option<bool>,
    /// By municipality, target group and cohort, small cells suppressed.
    pub breakdowns: Vec<Breakdown>,
}

/// Eligible records a standard indicator cannot observe yet, per arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NotObservable {
    pub participants: u64,
    pub control: Option<u64>,
}

/// An indicator in one arm: eligible records, how many achieved the
/// outcome, and the (weighted) rate with its interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmScore {
    pub n: u64,
    pub count: u64,
    /// Kish's effective sample size to [`N_EFF_DECIMALS`] decimals, when the
    /// scorecard is weighted (0 without records of weight above 0).
    pub n_eff: Option<Decimal>,
    pub rate: Estimate<Rate>,
}

/// A value, or why there is none (never NaN).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Estimate<T> {
    Estimated(T),
    NotEstimated { reason: NoEstimate, why: &'static str },
}

impl<T> Estimate<T> {
    pub(super) fn from(result: Result<T, NoEstimate>) -> Self {
        match result {
            Ok(value) => Estimate::Estimated(value),
            Err(reason) => Estimate::NotEstimated { reason, why: reason.reason() },
        }
    }

    /// Why there is no value, if there is none.
    pub fn reason(&self) -> Option<NoEstimate> {
        match self {
            Estimate::Estimated(_) => None,
            Estimate::NotEstimated { reason, .. } => Some(*reason),
        }
    }

    pub fn value(&self) -> Option<&T> {
        match self {
            Estimate::Estimated(value) => Some(value),
            Estimate::NotEstimated { .. } => None,
        }
    }
}

/// A rate (0–1) and its 95 % interval, to [`RATE_DECIMALS`] decimals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    pub value: Decimal,
    pub low: Decimal,
    pub high: Decimal,
}

/// Participants' rate minus the control rate, in percentage points to
/// [`POINTS_DECIMALS`] decimals, with its 95 % interval, and the outcomes
/// that difference means among the participants.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Difference {
    pub points: Decimal,
    pub low: Decimal,
    pub high: Decimal,
    /// difference × the participants' (weighted) number, to
    /// [`COUNT_DECIMALS`] decimal: outcomes beyond what the control rate
    /// would have given.
    pub additional_outcomes: Decimal,
    /// The Newcombe bounds × the participants' (weighted) number.
    pub additional_low: Decimal,
    pub additional_high: Decimal,
}

/// What an indicator reads from an evaluated record.
#[derive(Clone, Copy)]
enum Source {
    /// The position of its outcome among the contract's items (the loader
    /// refuses an indicator naming no outcome; `None` keeps the tallies
    /// aligned with the indicators even so).
    Outcome(Option<usize>),
    Standard(crate::contract::StandardIndicator),
}

/// Tallies of every indicator in both arms while records are read.
pub(super) struct Tallies {
    sources: Vec<Source>,
    as_of: NaiveDate,
    /// Per indicator: participants, control.
    arms: Vec<[Tally; 2]>,
    exact: Vec<[ExactTally; 2]>,
    not_observable: Vec<[u64; 2]>,
    breakdowns: BreakdownTallies,
    weighted: bool,
    measures: MeasureTallies,
    values: ValueTallies,
    pub counts: ScoreCounts,
}

impl Tallies {
    pub fn new(c: &Contract, as_of: NaiveDate) -> Self {
        let sources: Vec<Source> = c
            .indicators
            .iter()
            .map(|i| match &i.counts {
                Counted::Outcome(id) => Source::Outcome(c.items.iter().position(|item| &item.id == id)),
                Counted::Standard(s) => Source::Standard(*s),
            })
            .collect();
        let n = sources.len();
        Tallies {
            sources,
            as_of,
            arms: vec![[Tally::default(); 2]; n],
            exact: vec![[ExactTally::default(); 2]; n],
            not_observable: vec![[0; 2]; n],
            breakdowns: BreakdownTallies::default(),
            weighted: false,
            measures: MeasureTallies::new(c.effectiveness.clone(), as_of),
            values: ValueTallies::new(c),
            counts: ScoreCounts::default(),
        }
    }

    /// Whether the caller must compute the `[[value]]`s of eligible
    /// records for [`Tallies::add`].
    pub fn wants_values(&self) -> bool {
        self.values.wanted()
    }

    /// Count one evaluated record in its arm, with its `[[value]]`s when
    /// eligible and [`Tallies::wants_values`] (the caller counts the
    /// records read).
    pub fn add(&mut self, record: &Record, achievements: &Achievements, values: &[Option<Decimal>]) {
        let c = &mut self.counts;
        if let Achievements::OtherContract(_) = achievements {
            c.other_contract += 1;
            return;
        }
        let control = record.arm == Arm::Control;
        if control {
            c.controls += 1;
        } else {
            c.participants += 1;
        }
        let Achievements::Eligible(first) = achievements else {
            if control {
                c.ineligible_controls += 1;
            } else {
                c.ineligible_participants += 1;
            }
            return;
        };
        self.weighted |= record.weight != Decimal::ONE;
        self.measures.add(record);
        let arm = usize::from(control);
        self.values.add(arm, record.weight, values);
        let reached: Vec<Option<bool>> = self
            .sources
            .iter()
            .map(|source| match source {
                Source::Outcome(item) => Some(item.and_then(|i| first.get(i)).is_some_and(Option::is_some)),
                Source::Standard(s) => standard::achieved(*s, record, self.as_of),
            })
            .collect();
        let w = record.weight.as_f64();
        for (i, yes) in reached.iter().enumerate() {
            match yes {
                Some(yes) => {
                    self.arms[i][arm].add(w, *yes);
                    self.exact[i][arm].add(record.weight, *yes);
                }
                None => self.not_observable[i][arm] += 1,
            }
        }
        self.breakdowns.add(record, arm, w, &reached);
    }

    pub fn into_scorecard(self, c: &Contract, inputs: Inputs, as_of: NaiveDate, paid: Option<&Statement>) -> Scorecard {
        let has_control = self.counts.controls > 0;
        let min_cell = c.effectiveness.min_cell;
        let mut breakdowns = self.breakdowns.breakdowns(&self.arms, has_control, self.weighted, min_cell).into_iter();
        let indicators: Vec<IndicatorScore> = c
            .indicators
            .iter()
            .zip(&self.arms)
            .zip(&self.not_observable)
            .map(|((indicator, [p, k]), unseen)| {
                let participants = arm_score(p, self.weighted);
                let meets_target = match (indicator.target, participants.rate.value()) {
                    (Some(target), Some(rate)) => Some(rate.value >= target),
                    _ => None,
                };
                let standard = matches!(indicator.counts, Counted::Standard(_));
                IndicatorScore {
                    id: indicator.id.clone(),
                    name: indicator.name.clone(),
                    counts: indicator.counts.clone(),
                    participants,
                    control: has_control.then(|| arm_score(k, self.weighted)),
                    difference: has_control.then(|| Estimate::from(difference(p, k))),
                    relative_risk: has_control.then(|| Ratio::from(relative_risk(p, k))),
                    not_observable: standard
                        .then(|| NotObservable { participants: unseen[0], control: has_control.then_some(unseen[1]) }),
                    target: indicator.target,
                    weight: indicator.weight,
                    meets_target,
                    breakdowns: breakdowns.next().unwrap_or_default(),
                }
            })
            .collect();
        let eligible = self.counts.participants - self.counts.ineligible_participants;
        let exact: Vec<(String, ExactTally, Option<ExactTally>)> = c
            .indicators
            .iter()
            .zip(&self.exact)
            .map(|(i, [p, k])| (i.id.clone(), *p, has_control.then_some(*k)))
            .collect();
        Scorecard {
            contract: c.id.clone(),
            title: c.title.clone(),
            as_of,
            method: Method::new(self.weighted),
            change_meter: self.measures.change_meter(),
            experience: self.measures.experience(),
            earnings: self.measures.earnings(has_control),
            counts: self.counts,
            min_cell,
            composite: composite(&indicators),
            values: self.values.scores(c, has_control, self.weighted),
            cost: paid.map(|s| cost(s, eligible, &exact)),
            indicators,
            inputs,
        }
    }
}

pub(super) fn arm_score(t: &Tally, weighted: bool) -> ArmScore {
    ArmScore {
        n: t.n,
        count: t.count,
        n_eff: weighted.then(|| t.effective_n().map_or(Decimal::ZERO, |n| fixed(n, N_EFF_DECIMALS))),
        rate: Estimate::from(rate(t)),
    }
}

fn rate(t: &Tally) -> Result<Rate, NoEstimate> {
    let interval = t.wilson()?;
    Ok(Rate {
        value: fixed(t.rate()?, RATE_DECIMALS),
        low: fixed(interval.low, RATE_DECIMALS),
        high: fixed(interval.high, RATE_DECIMALS),
    })
}

pub(super) fn difference(p: &Tally, k: &Tally) -> Result<Difference, NoEstimate> {
    let (p1, p2) = (p.rate()?, k.rate()?);
    let interval = stats::newcombe(p1, p.effective_n()?, p2, k.effective_n()?)?;
    let d = p1 - p2;
    Ok(Difference {
        points: points(d),
        low: points(interval.low),
        high: points(interval.high),
        additional_outcomes: fixed(d * p.weight, COUNT_DECIMALS),
        additional_low: fixed(interval.low * p.weight, COUNT_DECIMALS),
        additional_high: fixed(interval.high * p.weight, COUNT_DECIMALS),
    })
}

/// A proportion in percentage points, exactly 100 × its shown rate form.
fn points(proportion: f64) -> Decimal {
    let mut p = fixed(proportion, RATE_DECIMALS) * Decimal::ONE_HUNDRED;
    p.rescale(POINTS_DECIMALS);
    p
}

/// `x` rounded half away from zero to `decimals`, as an exact decimal with
/// exactly that many decimals, so output bytes never depend on how a
/// float prints. Statistics here are far inside i64's range.
pub(super) fn fixed(x: f64, decimals: u32) -> Decimal {
    let scaled = (x * 10f64.powi(decimals as i32)).round();
    Decimal::new(scaled as i64, decimals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_a_fixed_number_of_decimals() {
        assert_eq!(fixed(0.3, RATE_DECIMALS).to_string(), "0.3000");
        assert_eq!(fixed(81.0 / 263.0, RATE_DECIMALS).to_string(), "0.3080");
        assert_eq!(fixed(-0.00004, RATE_DECIMALS).to_string(), "0.0000");
        assert_eq!(points(0.2).to_string(), "20.00");
        assert_eq!(points(-0.05237).to_string(), "-5.24");
        assert_eq!(fixed(14.0000000001, COUNT_DECIMALS).to_string(), "14.0");
    }

    #[test]
    fn the_published_difference_gives_points_and_additional_outcomes() {
        let mut p = Tally::default();
        let mut k = Tally::default();
        (0..70).for_each(|i| p.add(1.0, i < 56));
        (0..80).for_each(|i| k.add(1.0, i < 48));
        let d = difference(&p, &k).unwrap();
        assert_eq!(
            (d.points.to_string(), d.low.to_string(), d.high.to_string()),
            ("20.00".into(), "5.24".into(), "33.39".into())
        );
        // 0.2 × 70 participants = 14 outcomes beyond the control rate.
        assert_eq!(d.additional_outcomes.to_string(), "14.0");
    }

    #[test]
    fn an_empty_arm_gives_no_difference() {
        let mut p = Tally::default();
        p.add(1.0, true);
        assert_eq!(difference(&p, &Tally::default()), Err(NoEstimate::NoRecords));
        let empty = arm_score(&Tally::default(), false);
        assert_eq!((empty.n, empty.count, empty.n_eff), (0, 0, None));
        assert!(matches!(empty.rate, Estimate::NotEstimated { reason: NoEstimate::NoRecords, .. }));
    }
}
