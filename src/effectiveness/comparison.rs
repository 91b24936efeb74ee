//! Participants against the comparison group beyond the difference of
//! rates: the relative risk with its 95 % interval by the log method
//! (Katz et al. 1978), and why a ratio or a cost may be undefined.

use serde::Serialize;

use super::scorecard::{fixed, RATE_DECIMALS};
use super::stats::{NoEstimate, Tally, Z95};

/// Why a ratio (relative risk, a cost per outcome) is not defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Undefined {
    /// No eligible record in an arm (or all weights 0).
    NoRecords,
    /// The control rate is 0: a ratio over it is infinite.
    ControlRateZero,
    /// No participant achieved the outcome: the relative risk is 0 and
    /// its logarithm, on which the interval is built, is not defined.
    ParticipantRateZero,
    /// The records have no control arm.
    NoControlGroup,
    /// Participants achieved no more than the control rate predicts: a
    /// cost per additional outcome would be infinite or negative.
    NoAdditionalOutcomes,
    /// No participant achieved the outcome: no cost per outcome.
    NoOutcomes,
    /// No eligible participant: no cost per participant.
    NoParticipants,
    /// A sum or quotient does not fit in a decimal.
    TooLarge,
}

impl Undefined {
    pub fn reason(self) -> &'static str {
        match self {
            Undefined::NoRecords => "no eligible records (or all weights 0)",
            Undefined::ControlRateZero => "the control rate is 0: the relative risk is not defined",
            Undefined::ParticipantRateZero => {
                "no participant achieved it: the relative risk is 0 and its log interval is not defined"
            }
            Undefined::NoControlGroup => "no control records: no comparison group",
            Undefined::NoAdditionalOutcomes => {
                "no additional outcomes over the comparison group (0 or fewer): no cost per additional outcome"
            }
            Undefined::NoOutcomes => "no participant achieved it: no cost per outcome",
            Undefined::NoParticipants => "no eligible participant: no cost per participant",
            Undefined::TooLarge => "a sum or quotient is too large to compute",
        }
    }
}

impl From<NoEstimate> for Undefined {
    fn from(_: NoEstimate) -> Self {
        // A rate or an effective n is only ever missing for want of records.
        Undefined::NoRecords
    }
}

/// The relative risk rate_T / rate_C to [`RATE_DECIMALS`] decimals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RelativeRisk {
    pub value: rust_decimal::Decimal,
    /// The 95 % interval by the log method; not defined at a rate of 0
    /// among the participants.
    pub interval: Ratio<RatioBounds>,
}

/// The bounds of a ratio's interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RatioBounds {
    pub low: rust_decimal::Decimal,
    pub high: rust_decimal::Decimal,
}

/// A ratio, or why it is not defined.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Ratio<T> {
    Estimated(T),
    Undefined { reason: Undefined, why: &'static str },
}

impl<T> Ratio<T> {
    pub fn from(result: Result<T, Undefined>) -> Self {
        match result {
            Ok(value) => Ratio::Estimated(value),
            Err(reason) => Ratio::Undefined { reason, why: reason.reason() },
        }
    }

    pub fn value(&self) -> Option<&T> {
        match self {
            Ratio::Estimated(value) => Some(value),
            Ratio::Undefined { .. } => None,
        }
    }

    pub fn reason(&self) -> Option<Undefined> {
        match self {
            Ratio::Estimated(_) => None,
            Ratio::Undefined { reason, .. } => Some(*reason),
        }
    }
}

/// Relative risk of participants `p` over controls `k`: the ratio of the
/// (weighted) rates, with the log-method interval
/// exp(ln RR ± z · √((1 − p₁)/(p₁n₁) + (1 − p₂)/(p₂n₂))), n the effective
/// sample sizes (the counts a/n₁, c/n₂ of Katz's formula
/// 1/a − 1/n₁ + 1/c − 1/n₂ when unweighted).
pub(super) fn relative_risk(p: &Tally, k: &Tally) -> Result<RelativeRisk, Undefined> {
    let (p1, p2) = (p.rate()?, k.rate()?);
    let (n1, n2) = (p.effective_n()?, k.effective_n()?);
    if p2 <= 0.0 {
        return Err(Undefined::ControlRateZero);
    }
    let rr = p1 / p2;
    let interval = if p1 <= 0.0 {
        Err(Undefined::ParticipantRateZero)
    } else {
        let se = ((1.0 - p1) / (p1 * n1) + (1.0 - p2) / (p2 * n2)).sqrt();
        let (low, high) = ((rr.ln() - Z95 * se).exp(), (rr.ln() + Z95 * se).exp());
        Ok(RatioBounds { low: fixed(low, RATE_DECIMALS), high: fixed(high, RATE_DECIMALS) })
    };
    Ok(RelativeRisk { value: fixed(rr, RATE_DECIMALS), interval: Ratio::from(interval) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(n: u64, yes: u64) -> Tally {
        let mut t = Tally::default();
        (0..n).for_each(|i| t.add(1.0, i < yes));
        t
    }

    fn d(s: &str) -> rust_decimal::Decimal {
        s.parse().unwrap()
    }

    /// 3/7 against 1/5, by hand: RR = 0.428571 / 0.2 = 2.142857;
    /// SE(ln RR) = √(1/3 − 1/7 + 1/1 − 1/5) = √0.990476 = 0.995227;
    /// ln RR = 0.762140 ± 1.959964 × 0.995227 = 1.950609 →
    /// exp(−1.188469) = 0.3047, exp(2.712749) = 15.0706.
    #[test]
    fn the_relative_risk_and_its_log_interval_are_the_hand_computed_ones() {
        let rr = relative_risk(&tally(7, 3), &tally(5, 1)).unwrap();
        assert_eq!(rr.value, d("2.1429"));
        let bounds = rr.interval.value().expect("an interval");
        assert_eq!((bounds.low, bounds.high), (d("0.3047"), d("15.0706")));
    }

    /// 56/70 against 48/80 (Newcombe's example 1's counts): RR = 0.8 / 0.6
    /// = 1.3333; SE = √(1/56 − 1/70 + 1/48 − 1/80) = √0.011905 = 0.109109;
    /// ln RR = 0.287682 ± 0.213850 → exp(0.073832) = 1.0766,
    /// exp(0.501532) = 1.6512.
    #[test]
    fn a_second_hand_computed_relative_risk() {
        let rr = relative_risk(&tally(70, 56), &tally(80, 48)).unwrap();
        let bounds = rr.interval.value().expect("an interval");
        assert_eq!((rr.value, bounds.low, bounds.high), (d("1.3333"), d("1.0766"), d("1.6512")));
    }

    #[test]
    fn a_control_rate_of_zero_or_no_participant_outcome_is_undefined_with_a_reason() {
        assert_eq!(relative_risk(&tally(7, 3), &tally(5, 0)), Err(Undefined::ControlRateZero));
        let zero = relative_risk(&tally(7, 0), &tally(5, 1)).unwrap();
        assert_eq!(zero.value, d("0.0000"));
        assert_eq!(zero.interval.reason(), Some(Undefined::ParticipantRateZero));
        assert_eq!(relative_risk(&tally(7, 3), &Tally::default()), Err(Undefined::NoRecords));
    }
}
