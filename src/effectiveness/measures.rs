//! Value measures of the scorecard: the customer change meter
//! (asiakasmuutosmittari), customer experience (feedback) and earnings
//! from the income register, for the eligible records of each arm.
//!
//! Windows, all inclusive and never past the as-of date:
//! - change meter and feedback: dated from the record's service start to
//!   the as-of date;
//! - earnings: the `earnings_before` calendar months before the service
//!   start month, against `k` calendar months after the service end month
//!   for each window `k`. A month in a window without an earnings row
//!   counts as 0 €: the income register lists every payment, so no row
//!   means nothing was paid. A window that has not ended by the as-of date
//!   (or a record without a service end) is unknown, not zero: the record
//!   is left out of that window and counted as such.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use super::scorecard::{fixed, Estimate, Rate, RATE_DECIMALS};
use super::stats::{self, NoEstimate, Sample, Tally};
use crate::contract::EffectivenessSettings;
use crate::records::{Arm, Record};

/// The instrument the change meter section reads.
pub const CHANGE_METER: &str = "change_meter";
/// Decimals of means (scores, satisfaction, euros) and their intervals.
pub const MEAN_DECIMALS: u32 = 2;

/// A mean with its 95 % t interval, to [`MEAN_DECIMALS`] decimals. A
/// mean without a spread (one record, or all values equal) is still
/// given; only its interval is not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mean {
    pub value: Decimal,
    pub interval: Estimate<Bounds>,
}

/// The bounds of a 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bounds {
    pub low: Decimal,
    pub high: Decimal,
}

/// A single number without an interval (a mean of first or last scores,
/// an effect size), to [`MEAN_DECIMALS`] decimals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Figure {
    pub value: Decimal,
}

/// The mean of `s` as a [`Figure`].
fn figure(s: &Sample) -> Estimate<Figure> {
    Estimate::from(s.mean().map(|m| Figure { value: fixed(m, MEAN_DECIMALS) }))
}

/// A difference of two means with its 95 % Welch interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanDifference {
    pub value: Decimal,
    pub low: Decimal,
    pub high: Decimal,
    /// Welch–Satterthwaite degrees of freedom, to two decimals.
    pub df: Decimal,
}

// ---------------------------------------------------------------------
// Change meter

/// The change meter per dimension, participants and (when any control
/// record has a measurement) the comparison group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeMeter {
    pub instrument: &'static str,
    pub window: &'static str,
    /// Last minus first score that counts as improved.
    pub threshold: Option<Decimal>,
    pub effect_size: &'static str,
    pub dimensions: Vec<DimensionScore>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DimensionScore {
    pub dimension: String,
    pub participants: ChangeArm,
    pub control: Option<ChangeArm>,
}

/// One dimension in one arm. Eligible = paired + one measurement + none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeArm {
    pub eligible: u64,
    /// Records with a first and a last measurement on different days.
    pub paired: u64,
    /// Missing: a single measurement day (never counted as no change).
    pub one_measurement: u64,
    /// Missing: no measurement of this dimension in the window.
    pub no_measurement: u64,
    pub first: Estimate<Figure>,
    pub last: Estimate<Figure>,
    pub change: Estimate<Mean>,
    /// Mean change / standard deviation of the changes (Cohen's d_z).
    pub effect_size: Estimate<Figure>,
    /// Share of paired records whose change is at least the threshold.
    pub improved: Option<Improved>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Improved {
    pub count: u64,
    pub rate: Estimate<Rate>,
}

#[derive(Clone, Default)]
struct DimensionTally {
    first: Sample,
    last: Sample,
    change: Sample,
    improved: Tally,
    one_measurement: u64,
}

#[derive(Clone, Default)]
struct ChangeTally {
    eligible: u64,
    measured: bool,
    dimensions: BTreeMap<String, DimensionTally>,
}

impl ChangeTally {
    fn add(&mut self, r: &Record, w: f64, as_of: NaiveDate, threshold: Option<Decimal>) {
        self.eligible += 1;
        // (date, score) per dimension, in date order; a stable sort keeps
        // file order within a day.
        let mut measures: Vec<_> = r
            .measures
            .iter()
            .filter(|m| m.instrument == CHANGE_METER && m.date >= r.service.start && m.date <= as_of)
            .collect();
        measures.sort_by_key(|m| m.date);
        let mut scores: BTreeMap<&str, Vec<(NaiveDate, Decimal)>> = BTreeMap::new();
        for m in measures {
            for (dimension, score) in &m.scores {
                scores.entry(dimension).or_default().push((m.date, *score));
            }
        }
        self.measured |= !scores.is_empty();
        for (dimension, series) in scores {
            let t = self.dimensions.entry(dimension.to_string()).or_default();
            let (Some(first), Some(last)) = (series.first(), series.last()) else { continue };
            if first.0 == last.0 {
                t.one_measurement += 1;
                continue;
            }
            let change = last.1 - first.1;
            t.first.add(w, first.1.as_f64());
            t.last.add(w, last.1.as_f64());
            t.change.add(w, change.as_f64());
            t.improved.add(w, threshold.is_some_and(|least| change >= least));
        }
    }

    fn arm(&self, dimension: &str, threshold: Option<Decimal>) -> ChangeArm {
        let empty = DimensionTally::default();
        let t = self.dimensions.get(dimension).unwrap_or(&empty);
        let paired = t.change.n();
        ChangeArm {
            eligible: self.eligible,
            paired,
            one_measurement: t.one_measurement,
            no_measurement: self.eligible.saturating_sub(paired + t.one_measurement),
            first: figure(&t.first),
            last: figure(&t.last),
            change: Estimate::from(mean(&t.change)),
            effect_size: Estimate::from(effect_size(&t.change)),
            improved: threshold.map(|_| Improved { count: t.improved.count, rate: Estimate::from(rate(&t.improved)) }),
        }
    }
}

fn effect_size(changes: &Sample) -> Result<Figure, NoEstimate> {
    let (m, sd) = (changes.mean()?, changes.sd()?);
    if sd == 0.0 {
        return Err(NoEstimate::NoVariation);
    }
    Ok(Figure { value: fixed(m / sd, MEAN_DECIMALS) })
}

/// The mean and its t interval; without a spread, the mean alone has no
/// interval and is not shown as one of zero width.
pub(super) fn mean(s: &Sample) -> Result<Mean, NoEstimate> {
    let interval =
        s.mean_interval().map(|i| Bounds { low: fixed(i.low, MEAN_DECIMALS), high: fixed(i.high, MEAN_DECIMALS) });
    Ok(Mean { value: fixed(s.mean()?, MEAN_DECIMALS), interval: Estimate::from(interval) })
}

fn rate(t: &Tally) -> Result<Rate, NoEstimate> {
    let i = t.wilson()?;
    Ok(Rate {
        value: fixed(t.rate()?, RATE_DECIMALS),
        low: fixed(i.low, RATE_DECIMALS),
        high: fixed(i.high, RATE_DECIMALS),
    })
}

// ---------------------------------------------------------------------
// Customer experience

/// Satisfaction (1–5) from feedback, participants and (when any control
/// record has feedback) the comparison group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Experience {
    pub window: &'static str,
    pub target: Option<Decimal>,
    pub participants: ExperienceArm,
    pub control: Option<ExperienceArm>,
    /// Whether the participants' mean (as shown) is at least the target.
    pub meets_target: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExperienceArm {
    pub eligible: u64,
    pub respondents: u64,
    /// Respondents / eligible records (weighted), with its Wilson interval.
    pub response_rate: Estimate<Rate>,
    pub satisfaction: Estimate<Mean>,
    /// Respondents answering 1, 2, 3, 4 and 5 (unweighted counts).
    pub distribution: [u64; 5],
}

#[derive(Clone, Default)]
struct ExperienceTally {
    response: Tally,
    satisfaction: Sample,
    distribution: [u64; 5],
}

impl ExperienceTally {
    fn add(&mut self, r: &Record, w: f64, as_of: NaiveDate) {
        // The latest answer in the window; a later one on the same day wins.
        let last = r.feedback.iter().filter(|f| f.date >= r.service.start && f.date <= as_of).fold(
            None,
            |last: Option<&crate::records::Feedback>, f| match last {
                Some(l) if l.date > f.date => Some(l),
                _ => Some(f),
            },
        );
        self.response.add(w, last.is_some());
        let Some(f) = last else { return };
        self.satisfaction.add(w, f64::from(f.satisfaction));
        // The reader accepts 1–5 only; an answer outside it has no column.
        if let Some(slot) = usize::from(f.satisfaction).checked_sub(1).and_then(|i| self.distribution.get_mut(i)) {
            *slot += 1;
        }
    }

    fn arm(&self) -> ExperienceArm {
        ExperienceArm {
            eligible: self.response.n,
            respondents: self.response.count,
            response_rate: Estimate::from(rate(&self.response)),
            satisfaction: Estimate::from(mean(&self.satisfaction)),
            distribution: self.distribution,
        }
    }
}

// ---------------------------------------------------------------------
// Earnings

/// Mean monthly earnings before the service against windows after it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Earnings {
    pub before_months: u32,
    pub missing_months: &'static str,
    pub difference: &'static str,
    /// Eligible records without a single earnings row, per arm: their
    /// months count as 0 €, shown so that a missing register link is seen.
    pub without_rows: ArmCounts,
    pub windows: Vec<EarningsWindow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ArmCounts {
    pub participants: u64,
    pub control: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EarningsWindow {
    /// Months after the service end month.
    pub months: u32,
    pub participants: EarningsArm,
    pub control: Option<EarningsArm>,
    /// Participants' mean change − the control mean change (€ a month).
    pub difference: Option<Estimate<MeanDifference>>,
}

/// One window in one arm, over the records observed in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EarningsArm {
    pub eligible: u64,
    pub observed: u64,
    /// Left out: the service has no end date (ongoing, or a control
    /// without one).
    pub no_service_end: u64,
    /// Left out: the window had not ended by the as-of date.
    pub window_not_over: u64,
    pub before: Estimate<Figure>,
    pub after: Estimate<Figure>,
    /// After − before per record, € a month.
    pub change: Estimate<Mean>,
}

#[derive(Clone, Default)]
struct WindowTally {
    before: Sample,
    after: Sample,
    change: Sample,
    no_service_end: u64,
    window_not_over: u64,
}

#[derive(Clone, Default)]
struct EarningsTally {
    eligible: u64,
    without_rows: u64,
    windows: Vec<WindowTally>,
}

/// A month as a count of months since year 0.
fn month_index(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 12 + i64::from(d.month0())
}

/// Mean monthly earnings over months `from..=to` (month indices).
fn monthly_mean(r: &Record, from: i64, to: i64) -> f64 {
    let total: f64 =
        r.earnings.iter().filter(|e| (from..=to).contains(&month_index(e.month))).map(|e| e.amount.as_f64()).sum();
    total / (to - from + 1) as f64
}

impl EarningsTally {
    fn add(&mut self, r: &Record, w: f64, as_of: NaiveDate, s: &EffectivenessSettings) {
        self.eligible += 1;
        if r.earnings.is_empty() {
            self.without_rows += 1;
        }
        self.windows.resize_with(s.earnings_windows.len(), WindowTally::default);
        let start = month_index(r.service.start);
        let before = monthly_mean(r, start - i64::from(s.earnings_before), start - 1);
        // A month is over when the as-of date is in a later month or is
        // the month's last day.
        let last_over = month_index(as_of) - i64::from(as_of.succ_opt().is_none_or(|d| d.month() == as_of.month()));
        for (t, &k) in self.windows.iter_mut().zip(&s.earnings_windows) {
            let Some(end) = r.service.end.map(month_index) else {
                t.no_service_end += 1;
                continue;
            };
            let last = end + i64::from(k);
            if last > last_over {
                t.window_not_over += 1;
                continue;
            }
            let after = monthly_mean(r, end + 1, last);
            t.before.add(w, before);
            t.after.add(w, after);
            t.change.add(w, after - before);
        }
    }

    fn arm(&self, i: usize) -> EarningsArm {
        let empty = WindowTally::default();
        let t = self.windows.get(i).unwrap_or(&empty);
        EarningsArm {
            eligible: self.eligible,
            observed: t.change.n(),
            no_service_end: t.no_service_end,
            window_not_over: t.window_not_over,
            before: figure(&t.before),
            after: figure(&t.after),
            change: Estimate::from(mean(&t.change)),
        }
    }
}

pub(super) fn welch(p: &Sample, k: &Sample) -> Result<MeanDifference, NoEstimate> {
    let d = stats::welch(p, k)?;
    Ok(MeanDifference {
        value: fixed(d.difference, MEAN_DECIMALS),
        low: fixed(d.interval.low, MEAN_DECIMALS),
        high: fixed(d.interval.high, MEAN_DECIMALS),
        df: fixed(d.df, 2),
    })
}

// ---------------------------------------------------------------------
// All three, while records are read

/// One arm's tallies of the three measures.
#[derive(Clone, Default)]
struct ArmTally {
    change: ChangeTally,
    experience: ExperienceTally,
    earnings: EarningsTally,
}

/// The measures of both arms while records are read.
pub(super) struct MeasureTallies {
    settings: EffectivenessSettings,
    as_of: NaiveDate,
    participants: ArmTally,
    control: ArmTally,
}

impl MeasureTallies {
    pub fn new(settings: EffectivenessSettings, as_of: NaiveDate) -> Self {
        MeasureTallies { settings, as_of, participants: ArmTally::default(), control: ArmTally::default() }
    }

    /// Count one eligible record in its arm.
    pub fn add(&mut self, r: &Record) {
        let w = r.weight.as_f64();
        let arm = if r.arm == Arm::Control { &mut self.control } else { &mut self.participants };
        arm.change.add(r, w, self.as_of, self.settings.change_meter_threshold);
        arm.experience.add(r, w, self.as_of);
        arm.earnings.add(r, w, self.as_of, &self.settings);
    }

    pub fn change_meter(&self) -> ChangeMeter {
        let threshold = self.settings.change_meter_threshold;
        let (p, k) = (&self.participants.change, &self.control.change);
        let mut names: Vec<&String> = p.dimensions.keys().chain(k.dimensions.keys()).collect();
        names.sort();
        names.dedup();
        let dimensions = names
            .into_iter()
            .map(|d| DimensionScore {
                dimension: d.clone(),
                participants: p.arm(d, threshold),
                control: k.measured.then(|| k.arm(d, threshold)),
            })
            .collect();
        ChangeMeter {
            instrument: CHANGE_METER,
            window: "measurements dated from the service start to the as-of date; first and last by date",
            threshold,
            effect_size: "paired: mean change / standard deviation of the changes (Cohen's d_z)",
            dimensions,
        }
    }

    pub fn experience(&self) -> Experience {
        let participants = self.participants.experience.arm();
        let control = (self.control.experience.response.count > 0).then(|| self.control.experience.arm());
        let meets_target = match (self.settings.satisfaction_target, participants.satisfaction.value()) {
            (Some(target), Some(m)) => Some(m.value >= target),
            _ => None,
        };
        Experience {
            window: "each record's latest feedback dated from the service start to the as-of date",
            target: self.settings.satisfaction_target,
            participants,
            control,
            meets_target,
        }
    }

    /// `has_control`: the records have a control arm (its months without
    /// rows are 0 €, so it always has values).
    pub fn earnings(&self, has_control: bool) -> Earnings {
        let (p, k) = (&self.participants.earnings, &self.control.earnings);
        let windows = self
            .settings
            .earnings_windows
            .iter()
            .enumerate()
            .map(|(i, &months)| {
                let empty = WindowTally::default();
                let (pt, kt) = (p.windows.get(i).unwrap_or(&empty), k.windows.get(i).unwrap_or(&empty));
                EarningsWindow {
                    months,
                    participants: p.arm(i),
                    control: has_control.then(|| k.arm(i)),
                    difference: has_control.then(|| Estimate::from(welch(&pt.change, &kt.change))),
                }
            })
            .collect();
        Earnings {
            before_months: self.settings.earnings_before,
            missing_months: "a month without an earnings row is 0 €; a window not over by the as-of date, or a record without a service end, is left out",
            difference: "participants − control in the mean change (after − before), 95 % Welch interval (Welch–Satterthwaite df)",
            without_rows: ArmCounts { participants: p.without_rows, control: has_control.then_some(k.without_rows) },
            windows,
        }
    }
}
