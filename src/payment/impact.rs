//! Impact payments (`[[impact_payment]]`): one contract-level line per
//! payment, on the difference between the participants and the control arm
//! (or a baseline fixed in the contract).
//!
//! During the one pass over the records, every eligible record of either
//! arm is tallied: whether it achieved the payment's outcome by the as-of
//! date ([`Evaluator::achievements`], the same rules as payment), and its
//! values ([`Evaluator::values`]). Control records are evaluated here and
//! never paid. Only counts and sums are kept, never the records.
//!
//! **Exact.** Counts and sums are exact; the amount is a ratio of exact
//! decimals (e.g. `price × (c_T·N_C − N_T·c_C − threshold·N_T·N_C) / N_C`)
//! rounded once with the contract's rounding by exact integer division, so
//! 3/7 is never cut short before it is rounded. A product or sum that an
//! exact decimal cannot hold stops the run (never rounds silently).
//!
//! **Lower bound.** `pay_on = "lower_bound"` pays on the lower end of the
//! 95 % interval (Newcombe's hybrid score interval against the control arm,
//! Wilson's against a baseline rate; Welch's against the control arm on
//! values, Student's t against baseline means). Bounds need square roots and
//! t quantiles: they are computed in `f64` ([`crate::stats`]) and truncated
//! down to [`IMPACT_DECIMALS`] decimals, which never pays more than the
//! bound; the rest of the computation is exact.
//!
//! **Unweighted.** Records' `weight` is not used: every eligible record
//! counts once. A computation over weighted records says so.

use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::evaluate::{Achievements, Pending, RecordOutcome};
use super::settle::SettleError;
use super::{CalcError, Evaluator};
use crate::contract::{Additional, Contract, Counterfactual, ImpactMeasure, ImpactPayment, ItemKind, PayOn};
use crate::money::{Rounding, RoundingMode};
use crate::records::{Arm, Record, Text};
use crate::scripting::RuleError;
use crate::statement::{Basis, ImpactArm, ImpactComputation, ImpactInterval, ImpactValue, IMPACT_DECIMALS};
use crate::stats;

/// What the record loop keeps for the impact payments: per payment and arm.
pub(super) struct ImpactTallies<'c> {
    contract: &'c Contract,
    /// Per payment: [participants, control].
    arms: Vec<[ArmTally; 2]>,
    /// Per payment, on an outcome: the outcome's position among the items.
    outcome_index: Vec<Option<usize>>,
    /// Per payment, on values: each term's position among `[[value]]`.
    value_index: Vec<Vec<usize>>,
    needs_values: bool,
    weighted: bool,
}

/// What the impact payments need to know of records: see
/// [`ImpactTallies::needs`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Needs {
    any: bool,
    values: bool,
}

/// What the impact payments take from one eligible record of either arm:
/// found while the record is evaluated (on any thread), tallied in record
/// order.
#[derive(Debug)]
pub(super) struct Observation {
    control: bool,
    /// Per item, the day it was first achieved ([`Evaluator::achievements`]).
    first: Vec<Option<NaiveDate>>,
    /// Per `[[value]]`, when the payments need values.
    values: Vec<Option<Decimal>>,
    weighted: bool,
}

impl Needs {
    /// Observe `record` for the impact payments: `None` when they do not
    /// need it (no impact payment, or the record is not an eligible one of
    /// this contract). `outcome` is the record's payment evaluation, whose
    /// achievements are reused for a participant of the service; a control
    /// record's outcome rules run here, and it is still never paid. A
    /// participant's achievements are taken out of its outcome, not copied.
    pub(super) fn observe(
        self,
        evaluator: &Evaluator,
        record: &Record,
        outcome: &mut RecordOutcome,
        as_of: NaiveDate,
    ) -> Result<Option<Observation>, RuleError> {
        if !self.any {
            return Ok(None);
        }
        let first = match outcome {
            RecordOutcome::Eligible(e) => std::mem::take(&mut e.first),
            RecordOutcome::Control => match evaluator.achievements(record, as_of)? {
                Achievements::Eligible(first) => first,
                _ => return Ok(None),
            },
            RecordOutcome::Ineligible(_) | RecordOutcome::OtherContract(_) => return Ok(None),
        };
        let values = if self.values { evaluator.values(record, as_of)? } else { Vec::new() };
        let weighted = record.weight != Decimal::ONE;
        Ok(Some(Observation { control: record.arm == Arm::Control, first, values, weighted }))
    }
}

/// One arm of one payment.
#[derive(Debug, Clone, Default)]
struct ArmTally {
    eligible: u64,
    achieved: u64,
    /// Records with every value of the payment.
    complete: u64,
    /// Records missing at least one value.
    missing_any: u64,
    /// Per term: records whose rule gave `()`.
    missing: Vec<u64>,
    /// Per term: Σ value over complete records (exact).
    sums: Vec<Decimal>,
    /// Σ sign·value over complete records (exact).
    net: Decimal,
    /// The spread of the net values, for the interval only.
    spread: Spread,
}

/// Welford's running mean and sum of squared deviations (`f64`, for the
/// interval only; never an amount).
#[derive(Debug, Clone, Copy, Default)]
struct Spread {
    n: f64,
    mean: f64,
    m2: f64,
}

impl Spread {
    fn add(&mut self, x: f64) {
        self.n += 1.0;
        let delta = x - self.mean;
        self.mean += delta / self.n;
        self.m2 += delta * (x - self.mean);
    }

    /// The sample variance (n − 1), when there are two values.
    fn variance(&self) -> Option<f64> {
        (self.n >= 2.0).then(|| self.m2 / (self.n - 1.0))
    }
}

impl<'c> ImpactTallies<'c> {
    pub(super) fn new(contract: &'c Contract) -> Self {
        let value_position = |id: &str| contract.values.iter().position(|v| v.id == id);
        let mut outcome_index = Vec::new();
        let mut value_index = Vec::new();
        let mut arms = Vec::new();
        for p in &contract.impact_payments {
            let (outcome, values) = match &p.measure {
                ImpactMeasure::Outcome { outcome, .. } => {
                    (contract.items.iter().position(|i| &i.id == outcome), Vec::new())
                }
                ImpactMeasure::Values { terms, .. } => {
                    (None, terms.iter().filter_map(|t| value_position(&t.value)).collect::<Vec<_>>())
                }
            };
            let arm = ArmTally {
                missing: vec![0; values.len()],
                sums: vec![Decimal::ZERO; values.len()],
                ..Default::default()
            };
            arms.push([arm.clone(), arm]);
            outcome_index.push(outcome);
            value_index.push(values);
        }
        let needs_values = value_index.iter().any(|v| !v.is_empty());
        ImpactTallies { contract, arms, outcome_index, value_index, needs_values, weighted: false }
    }

    /// What the record loop must find out about each record for these
    /// payments (nothing, without impact payments: no rule runs twice for
    /// contracts that do not need it).
    pub(super) fn needs(&self) -> Needs {
        Needs { any: !self.arms.is_empty(), values: self.needs_values }
    }

    /// Tally one observed record of either arm, in record order.
    pub(super) fn add(&mut self, record: Observation) -> Result<(), CalcError> {
        let Observation { control, first, values, weighted } = record;
        self.weighted |= weighted;
        let arm = usize::from(control);
        for (n, payment) in self.contract.impact_payments.iter().enumerate() {
            let tally = &mut self.arms[n][arm];
            tally.eligible += 1;
            if let Some(index) = self.outcome_index[n] {
                tally.achieved += u64::from(first.get(index).copied().flatten().is_some());
            }
            let ImpactMeasure::Values { terms, .. } = &payment.measure else { continue };
            let found: Vec<Option<Decimal>> =
                self.value_index[n].iter().map(|&i| values.get(i).copied().flatten()).collect();
            for (k, v) in found.iter().enumerate() {
                tally.missing[k] += u64::from(v.is_none());
            }
            let Some(found) = found.into_iter().collect::<Option<Vec<Decimal>>>() else {
                tally.missing_any += 1;
                continue;
            };
            let overflow = || CalcError::Settle(overflow(self.contract, payment, "a sum of values"));
            let mut net = Decimal::ZERO;
            for ((sum, x), term) in tally.sums.iter_mut().zip(&found).zip(terms) {
                *sum = add(*sum, *x).ok_or_else(overflow)?;
                net = if term.sign < 0 { sub(net, *x) } else { add(net, *x) }.ok_or_else(overflow)?;
            }
            tally.net = add(tally.net, net).ok_or_else(overflow)?;
            tally.complete += 1;
            tally.spread.add(net.to_f64().unwrap_or(f64::NAN));
        }
        Ok(())
    }

    /// The impact lines due by `as_of`, each with its computation; a
    /// payment dated after `as_of` has no line yet.
    pub(super) fn lines(self, as_of: NaiveDate) -> Result<Vec<(Pending, ImpactComputation)>, SettleError> {
        let c = self.contract;
        let mut out = Vec::new();
        for (n, (payment, [treated, control])) in c.impact_payments.iter().zip(&self.arms).enumerate() {
            let date = payment.date.unwrap_or(as_of);
            if date > as_of {
                continue;
            }
            let mut computation = match &payment.measure {
                ImpactMeasure::Outcome { .. } => per_outcome(c, payment, treated, control)?,
                ImpactMeasure::Values { .. } => on_values(c, payment, treated, control)?,
            };
            if self.weighted {
                computation.weights = Some("ignored: impact payments count every eligible record once");
            }
            let index = c.items.len() + c.fixed_fees.len() + n;
            out.push((pending(c, payment, date, computation.amount, index), computation));
        }
        Ok(out)
    }
}

/// The statement line of an impact payment: contract-level (no
/// participant), occurrence 1, `tariff` = `amount` before caps.
fn pending(c: &Contract, p: &ImpactPayment, date: NaiveDate, amount: Decimal, index: usize) -> Pending {
    Pending {
        item_index: index as u32,
        who: 0,
        participant: Text::default(),
        occurrence: 1,
        achieved_on: date,
        amount,
        basis: Arc::new(Basis {
            kind: ItemKind::Impact,
            tariff: amount,
            clause: p.clause.as_deref().map(Arc::from),
            tables: Arc::from([]),
            multiplier: Decimal::ONE,
            multipliers: Arc::from([]),
            rule: rule_location(c, p),
            municipality: None,
            groups: Arc::from(Vec::new()),
        }),
    }
}

fn rule_location(c: &Contract, p: &ImpactPayment) -> Arc<str> {
    Arc::from(format!("{}:{} impact_payment {}", c.file_name(), p.line, p.id))
}

fn overflow(c: &Contract, p: &ImpactPayment, what: &'static str) -> SettleError {
    SettleError::Overflow {
        participant: Text::default(),
        item: Arc::from(p.id.as_str()),
        rule: rule_location(c, p),
        what,
    }
}

/// A computation with the parts every form shares; the forms fill the rest.
fn blank(p: &ImpactPayment, formula: &str, against: Counterfactual, participants: ImpactArm) -> ImpactComputation {
    ImpactComputation {
        item: Arc::from(p.id.as_str()),
        name_fi: p.name.fi.clone(),
        name_en: p.name.en.clone(),
        formula: formula.to_string(),
        against: match against {
            Counterfactual::Control => "control",
            Counterfactual::Baseline(_) => "baseline",
        },
        pay_on: match p.pay_on {
            PayOn::Estimate => "estimate",
            PayOn::LowerBound => "lower_bound",
        },
        outcome: None,
        participants,
        control: None,
        values: Vec::new(),
        baseline: None,
        difference: None,
        interval: None,
        interval_method: None,
        threshold: None,
        price: None,
        share: None,
        additional_counted: None,
        paid_on: None,
        additional: None,
        amount: Decimal::ZERO,
        reason: None,
        weights: None,
    }
}

/// `price × max(0, rate_T − counterfactual − threshold) × N_T`.
fn per_outcome(
    c: &Contract,
    p: &ImpactPayment,
    treated: &ArmTally,
    control: &ArmTally,
) -> Result<ImpactComputation, SettleError> {
    let ImpactMeasure::Outcome { outcome, price, threshold, counterfactual, additional } = &p.measure else {
        unreachable!("called for payments on an outcome only")
    };
    let (price, threshold) = (*price, *threshold);
    let fail = |what| overflow(c, p, what);
    let rate_arm = |t: &ArmTally| ImpactArm {
        eligible: t.eligible,
        n: t.eligible,
        count: Some(t.achieved),
        rate: ratio(Decimal::from(t.achieved), Decimal::from(t.eligible)),
        missing: None,
        mean: None,
    };
    let formula = match counterfactual {
        Counterfactual::Control => "price × max(0, rate_T − rate_C − threshold) × N_T",
        Counterfactual::Baseline(_) => "price × max(0, rate_T − baseline − threshold) × N_T",
    };
    let mut out = blank(p, formula, *counterfactual, rate_arm(treated));
    out.outcome = Some(outcome.clone());
    out.threshold = Some(threshold);
    out.price = Some(price);
    out.additional_counted = Some(match additional {
        Additional::Fractional => "fractional",
        Additional::Whole => "whole",
    });
    let (n_t, c_t) = (Decimal::from(treated.eligible), Decimal::from(treated.achieved));
    let (n_c, c_c) = (Decimal::from(control.eligible), Decimal::from(control.achieved));
    if let Counterfactual::Control = counterfactual {
        out.control = Some(rate_arm(control));
    }
    if treated.eligible == 0 {
        out.reason = Some("no eligible participant (N_T = 0): nothing to pay on".into());
        return Ok(out);
    }
    // The additional outcomes as an exact ratio `num / den`.
    let (num, den, bound) = match counterfactual {
        Counterfactual::Control => {
            if control.eligible == 0 {
                out.reason = Some("no eligible control record (N_C = 0): no comparison, nothing to pay on".into());
                return Ok(out);
            }
            // (c_T·N_C − N_T·c_C) / (N_T·N_C) = rate_T − rate_C.
            let gap =
                mul(c_t, n_c).zip(mul(n_t, c_c)).and_then(|(a, b)| sub(a, b)).ok_or_else(|| fail("the difference"))?;
            out.difference = ratio(gap, mul(n_t, n_c).ok_or_else(|| fail("the difference"))?);
            let (p_t, p_c) =
                (share_f64(treated.achieved, treated.eligible), share_f64(control.achieved, control.eligible));
            let bound = stats::newcombe(p_t, treated.eligible as f64, p_c, control.eligible as f64).ok();
            out.interval_method = Some("Newcombe hybrid score (method 10)");
            out.interval = bound.map(shown_interval);
            // additional = (gap − threshold·N_T·N_C) / N_C
            let num = mul(mul(threshold, n_t).ok_or_else(|| fail("the threshold"))?, n_c)
                .and_then(|t| sub(gap, t))
                .ok_or_else(|| fail("the additional outcomes"))?;
            (num, n_c, bound.map(|b| b.low))
        }
        Counterfactual::Baseline(baseline) => {
            out.baseline = Some(*baseline);
            let rate = ratio(c_t, n_t);
            out.difference = rate.and_then(|r| sub(r, *baseline));
            let bound = stats::wilson(share_f64(treated.achieved, treated.eligible), treated.eligible as f64).ok();
            out.interval_method = Some("Wilson score, minus the baseline");
            let baseline_f = baseline.to_f64().unwrap_or(f64::NAN);
            let bound = bound.map(|b| stats::Interval { low: b.low - baseline_f, high: b.high - baseline_f });
            out.interval = bound.map(shown_interval);
            // additional = c_T − (baseline + threshold)·N_T
            let num = add(*baseline, threshold)
                .and_then(|b| mul(b, n_t))
                .and_then(|b| sub(c_t, b))
                .ok_or_else(|| fail("the additional outcomes"))?;
            (num, Decimal::ONE, bound.map(|b| b.low))
        }
    };
    let (num, den) = match p.pay_on {
        PayOn::Estimate => {
            out.paid_on = out.difference;
            (num, den)
        }
        PayOn::LowerBound => {
            let Some(low) = bound.and_then(truncated) else {
                out.reason = Some("the lower bound cannot be computed: nothing is paid on it".into());
                return Ok(out);
            };
            out.paid_on = Some(low);
            // additional = (low − threshold) × N_T, exact.
            (
                sub(low, threshold).and_then(|d| mul(d, n_t)).ok_or_else(|| fail("the additional outcomes"))?,
                Decimal::ONE,
            )
        }
    };
    if num <= Decimal::ZERO {
        let paid_on = out.paid_on.map_or("—".to_string(), |d| d.to_string());
        out.reason = Some(format!(
            "the difference paid on ({paid_on}) is not above the threshold ({threshold}): no additional outcomes"
        ));
        out.additional = Some(Decimal::ZERO);
        return Ok(out);
    }
    let (num, den) = match additional {
        Additional::Fractional => (num, den),
        Additional::Whole => {
            (exact_round(num, den, 0, RoundingMode::Down).ok_or_else(|| fail("the additional outcomes"))?, Decimal::ONE)
        }
    };
    out.additional = ratio(num, den);
    let total = mul(price, num).ok_or_else(|| fail("price × additional outcomes"))?;
    out.amount = round(c.rounding, total, den).ok_or_else(|| fail("the amount"))?;
    if out.amount.is_zero() {
        out.reason = Some("the amount rounds to zero".into());
    }
    Ok(out)
}

/// `share × N_T × max(0, Σ sign·(mean_T − counterfactual))`, over the
/// records with every value.
fn on_values(
    c: &Contract,
    p: &ImpactPayment,
    treated: &ArmTally,
    control: &ArmTally,
) -> Result<ImpactComputation, SettleError> {
    let ImpactMeasure::Values { terms, share, against_control } = &p.measure else {
        unreachable!("called for payments on values only")
    };
    let fail = |what| overflow(c, p, what);
    let value_arm = |t: &ArmTally| ImpactArm {
        eligible: t.eligible,
        n: t.complete,
        count: None,
        rate: None,
        missing: Some(t.missing_any),
        mean: ratio(t.net, Decimal::from(t.complete)),
    };
    let baseline_total = terms.iter().try_fold(Decimal::ZERO, |sum, t| {
        let b = t.baseline.unwrap_or_default();
        if t.sign < 0 {
            sub(sum, b)
        } else {
            add(sum, b)
        }
    });
    let counterfactual = if *against_control {
        Counterfactual::Control
    } else {
        Counterfactual::Baseline(baseline_total.unwrap_or_default())
    };
    let formula = if *against_control {
        "share × N_T × max(0, Σ sign·(mean_T − mean_C))"
    } else {
        "share × N_T × max(0, Σ sign·(mean_T − baseline))"
    };
    let mut out = blank(p, formula, counterfactual, value_arm(treated));
    out.share = Some(*share);
    out.values = terms
        .iter()
        .enumerate()
        .map(|(k, t)| ImpactValue {
            value: t.value.clone(),
            sign: t.sign,
            participants_mean: ratio(treated.sums[k], Decimal::from(treated.complete)),
            control_mean: if *against_control { ratio(control.sums[k], Decimal::from(control.complete)) } else { None },
            baseline: t.baseline,
            participants_missing: treated.missing[k],
            control_missing: against_control.then(|| control.missing[k]),
        })
        .collect();
    if *against_control {
        out.control = Some(value_arm(control));
    } else {
        out.baseline = Some(baseline_total.ok_or_else(|| fail("the baseline"))?);
    }
    if treated.complete == 0 {
        out.reason = Some("no eligible participant with every value (N_T = 0): nothing to pay on".into());
        return Ok(out);
    }
    let (m_t, m_c) = (Decimal::from(treated.complete), Decimal::from(control.complete));
    // The gain × N_T as an exact ratio `num / den`.
    let (num, den, bound) = if *against_control {
        if control.complete == 0 {
            out.reason = Some("no eligible control record with every value (N_C = 0): nothing to pay on".into());
            return Ok(out);
        }
        // (Z_T·m_C − Z_C·m_T) / m_C = m_T × (mean_T − mean_C)
        let num = mul(treated.net, m_c)
            .zip(mul(control.net, m_t))
            .and_then(|(a, b)| sub(a, b))
            .ok_or_else(|| fail("the difference of means"))?;
        out.difference = mul(m_t, m_c).and_then(|d| ratio(num, d));
        out.interval_method = Some("Welch (unequal variances, Welch–Satterthwaite df)");
        let bound = welch(&treated.spread, &control.spread);
        out.interval = bound.map(shown_interval);
        (num, m_c, bound.map(|b| b.low))
    } else {
        let b = baseline_total.ok_or_else(|| fail("the baseline"))?;
        // Z_T − m_T·B = m_T × (mean_T − baseline)
        let num = mul(m_t, b).and_then(|x| sub(treated.net, x)).ok_or_else(|| fail("the difference of means"))?;
        out.difference = ratio(num, m_t);
        out.interval_method = Some("Student's t, minus the baseline");
        let b = b.to_f64().unwrap_or(f64::NAN);
        let bound = mean_interval(&treated.spread).map(|i| stats::Interval { low: i.low - b, high: i.high - b });
        out.interval = bound.map(shown_interval);
        (num, Decimal::ONE, bound.map(|i| i.low))
    };
    let (num, den) = match p.pay_on {
        PayOn::Estimate => {
            out.paid_on = out.difference;
            (num, den)
        }
        PayOn::LowerBound => {
            let Some(low) = bound.and_then(truncated) else {
                out.reason = Some(
                    "the lower bound cannot be computed (it needs two records with every value in each arm, and some \
                     spread): nothing is paid on it"
                        .into(),
                );
                return Ok(out);
            };
            out.paid_on = Some(low);
            (mul(low, m_t).ok_or_else(|| fail("the gain"))?, Decimal::ONE)
        }
    };
    if num <= Decimal::ZERO {
        let paid_on = out.paid_on.map_or("—".to_string(), |d| d.to_string());
        out.reason = Some(format!("the gain paid on ({paid_on} per participant) is not above 0: nothing to share"));
        return Ok(out);
    }
    let total = mul(*share, num).ok_or_else(|| fail("share × gain"))?;
    out.amount = round(c.rounding, total, den).ok_or_else(|| fail("the amount"))?;
    if out.amount.is_zero() {
        out.reason = Some("the amount rounds to zero".into());
    }
    Ok(out)
}

/// Welch's 95 % interval of mean(a) − mean(b) from running moments.
fn welch(a: &Spread, b: &Spread) -> Option<stats::Interval> {
    let (va, vb) = (a.variance()? / a.n, b.variance()? / b.n);
    let se2 = va + vb;
    if se2.is_nan() || se2 <= 0.0 {
        return None;
    }
    let df = se2 * se2 / (va * va / (a.n - 1.0) + vb * vb / (b.n - 1.0));
    let half = stats::t_quantile(0.975, df).ok()? * se2.sqrt();
    let d = a.mean - b.mean;
    Some(stats::Interval { low: d - half, high: d + half })
}

/// The 95 % t interval of one mean from running moments.
fn mean_interval(a: &Spread) -> Option<stats::Interval> {
    let v = a.variance()?;
    if v.is_nan() || v <= 0.0 {
        return None;
    }
    let half = stats::t_quantile(0.975, a.n - 1.0).ok()? * (v / a.n).sqrt();
    Some(stats::Interval { low: a.mean - half, high: a.mean + half })
}

fn share_f64(count: u64, n: u64) -> f64 {
    count as f64 / n as f64
}

/// A bound truncated down (toward −∞) to [`IMPACT_DECIMALS`]: never more
/// than the bound itself.
fn truncated(x: f64) -> Option<Decimal> {
    let d = Decimal::from_f64_retain(x)?;
    Some(d.round_dp_with_strategy(IMPACT_DECIMALS, rust_decimal::RoundingStrategy::ToNegativeInfinity))
}

fn shown_interval(i: stats::Interval) -> ImpactInterval {
    let shown = |x: f64| {
        Decimal::from_f64_retain(x).map_or(Decimal::ZERO, |d| {
            d.round_dp_with_strategy(IMPACT_DECIMALS, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        })
    };
    ImpactInterval { low: truncated(i.low).unwrap_or_default(), high: shown(i.high) }
}

/// `num / den` shown with [`IMPACT_DECIMALS`] decimals (half away from zero).
fn ratio(num: Decimal, den: Decimal) -> Option<Decimal> {
    let shown = Rounding { scale: IMPACT_DECIMALS, mode: RoundingMode::HalfAwayFromZero };
    if den.is_zero() {
        return None;
    }
    if num.is_sign_negative() {
        return round(shown, -num, den).map(|d| -d);
    }
    round(shown, num, den)
}

/// `num / den` (num ≥ 0, den > 0) rounded once with `rounding`, exactly.
fn round(rounding: Rounding, num: Decimal, den: Decimal) -> Option<Decimal> {
    let q = exact_round(num, den, rounding.scale, rounding.mode)?;
    let mut r = q.checked_div(Decimal::from(10u64.checked_pow(rounding.scale)?))?;
    r.rescale(rounding.scale);
    Some(r)
}

/// `num / den × 10^scale` (num ≥ 0, den > 0) rounded to a whole number by
/// `mode`, by exact division with remainder: the decimal quotient only
/// gives a first guess, corrected until 0 ≤ remainder < den.
fn exact_round(num: Decimal, den: Decimal, scale: u32, mode: RoundingMode) -> Option<Decimal> {
    if num.is_sign_negative() || den <= Decimal::ZERO {
        return None;
    }
    let scaled = mul(num, Decimal::from(10u64.checked_pow(scale)?))?;
    let mut q = scaled.checked_div(den)?.floor();
    let mut rem = sub(scaled, mul(q, den)?)?;
    while rem.is_sign_negative() && !rem.is_zero() {
        q -= Decimal::ONE;
        rem = add(rem, den)?;
    }
    while rem >= den {
        q += Decimal::ONE;
        rem = sub(rem, den)?;
    }
    let twice = mul(rem, Decimal::TWO)?;
    let up = match mode {
        RoundingMode::Down => false,
        RoundingMode::HalfAwayFromZero => twice >= den,
        RoundingMode::HalfEven => twice > den || (twice == den && q % Decimal::TWO == Decimal::ONE),
    };
    Some(if up { q + Decimal::ONE } else { q })
}

/// `a × b`, or `None` when the exact product does not fit (a decimal
/// would otherwise round it silently).
fn mul(a: Decimal, b: Decimal) -> Option<Decimal> {
    let scale = a.scale() + b.scale();
    a.checked_mul(b).filter(|p| scale <= 28 && (p.scale() == scale || p.is_zero()))
}

/// `a + b`, or `None` when the exact sum does not fit.
fn add(a: Decimal, b: Decimal) -> Option<Decimal> {
    let scale = a.scale().max(b.scale());
    a.checked_add(b).filter(|s| s.scale() == scale || s.is_zero())
}

fn sub(a: Decimal, b: Decimal) -> Option<Decimal> {
    add(a, -b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn a_ratio_is_rounded_once_and_exactly() {
        let cents = |mode| Rounding { scale: 2, mode };
        // 1500 × 1.25 = 1875 exactly.
        assert_eq!(round(cents(RoundingMode::HalfEven), d("1875"), d("1")).unwrap().to_string(), "1875.00");
        // 1/8 = 0.125: half even → 0.12, half away → 0.13, down → 0.12.
        assert_eq!(round(cents(RoundingMode::HalfEven), d("1"), d("8")).unwrap(), d("0.12"));
        assert_eq!(round(cents(RoundingMode::HalfAwayFromZero), d("1"), d("8")).unwrap(), d("0.13"));
        assert_eq!(round(cents(RoundingMode::Down), d("1"), d("8")).unwrap(), d("0.12"));
        // 2/3 = 0.666…: never cut short before rounding.
        assert_eq!(round(cents(RoundingMode::Down), d("2"), d("3")).unwrap(), d("0.66"));
        assert_eq!(round(cents(RoundingMode::HalfEven), d("2"), d("3")).unwrap(), d("0.67"));
        // A quotient a hair under a half cent, 0.00499…9 (25 decimals), rounds down.
        let num = d("0.049999999999999999999999");
        assert_eq!(round(cents(RoundingMode::HalfAwayFromZero), num, d("10")).unwrap(), d("0.00"));
    }

    #[test]
    fn a_product_a_decimal_cannot_hold_exactly_is_refused() {
        assert_eq!(mul(d("0.5"), d("3")), Some(d("1.5")));
        assert_eq!(mul(d("0.00000000000001"), d("0.0000000000000001")), None);
        assert_eq!(mul(d("79228162514264337593543950335"), d("2")), None);
    }

    #[test]
    fn a_bound_is_truncated_down() {
        assert_eq!(truncated(0.123_456_99).unwrap(), d("0.123456"));
        assert_eq!(truncated(-0.123_456_01).unwrap(), d("-0.123457"));
    }
}
