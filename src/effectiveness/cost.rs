//! Cost (kustannus): what the payment statement over the same records and
//! as-of date paid, per eligible participant, per outcome achieved and per
//! additional outcome over the comparison group.
//!
//! Money stays [`Decimal`]. The basis is the statement's **gross** total
//! (net after caps plus VAT: what the buyer pays), fixed fees included;
//! the net total is shown beside it. Each figure is the exact quotient
//! rounded once with the contract's `rounding` (scale and mode), like a
//! statement line. Additional outcomes are computed exactly from the
//! records' decimal weights: Σw·y of the participants minus Σw of the
//! participants × the control rate Σw·y / Σw (unweighted: count_T − n_T ×
//! count_C / n_C), the exact form of (rate_T − rate_C) × N_T.

use rust_decimal::Decimal;
use serde::Serialize;

use super::comparison::{Ratio, Undefined};
use crate::money::Rounding;
use crate::statement::Statement;

/// Exact weighted counts of one indicator in one arm.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct ExactTally {
    pub weight: Decimal,
    pub weight_yes: Decimal,
    pub count: u64,
    /// A sum did not fit in a decimal.
    pub too_large: bool,
}

impl ExactTally {
    pub fn add(&mut self, w: Decimal, yes: bool) {
        let weight = self.weight.checked_add(w);
        let weight_yes = if yes { self.weight_yes.checked_add(w) } else { Some(self.weight_yes) };
        match (weight, weight_yes) {
            (Some(a), Some(b)) => (self.weight, self.weight_yes) = (a, b),
            _ => self.too_large = true,
        }
        self.count += u64::from(yes);
    }

    /// (rate_T − rate_C) × N_T, exactly; `control` `None`: no control arm.
    fn additional(&self, control: Option<&ExactTally>) -> Result<Decimal, Undefined> {
        let k = control.ok_or(Undefined::NoControlGroup)?;
        if self.too_large || k.too_large {
            return Err(Undefined::TooLarge);
        }
        if self.weight.is_zero() || k.weight.is_zero() {
            return Err(Undefined::NoRecords);
        }
        let expected = self.weight.checked_mul(k.weight_yes).and_then(|x| x.checked_div(k.weight));
        expected.and_then(|e| self.weight_yes.checked_sub(e)).ok_or(Undefined::TooLarge)
    }
}

/// The cost section of the scorecard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cost {
    pub basis: &'static str,
    pub currency: String,
    pub rounding: Rounding,
    /// Statement lines counted.
    pub lines: u64,
    pub net: Decimal,
    pub gross: Decimal,
    /// Eligible participants.
    pub participants: u64,
    pub per_participant: Ratio<Money>,
    pub indicators: Vec<IndicatorCost>,
}

/// An amount of money, rounded with the contract's rounding.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Money {
    pub amount: Decimal,
}

/// The cost of one indicator's outcomes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorCost {
    pub indicator: String,
    /// Participants who achieved it.
    pub outcomes: u64,
    pub per_outcome: Ratio<Money>,
    pub per_additional_outcome: Ratio<Money>,
}

pub const BASIS: &str =
    "gross (net after caps + VAT) of every statement line up to the as-of date, fixed fees included; rounded once with the contract's rounding";

/// The cost of `paid` against each indicator's exact tallies
/// (participants, control: `None` without a control arm).
pub(super) fn cost(
    paid: &Statement,
    participants: u64,
    indicators: &[(String, ExactTally, Option<ExactTally>)],
) -> Cost {
    let gross = paid.totals.overall.gross;
    let per = |divisor: Result<Decimal, Undefined>, none: Undefined| {
        Ratio::from(divisor.and_then(|d| {
            if d <= Decimal::ZERO {
                return Err(none);
            }
            let amount = gross.checked_div(d).ok_or(Undefined::TooLarge)?;
            Ok(Money { amount: paid.rounding.apply(amount) })
        }))
    };
    Cost {
        basis: BASIS,
        currency: paid.currency.clone(),
        rounding: paid.rounding,
        lines: paid.totals.overall.lines,
        net: paid.totals.overall.net,
        gross,
        participants,
        per_participant: per(Ok(Decimal::from(participants)), Undefined::NoParticipants),
        indicators: indicators
            .iter()
            .map(|(id, t, k)| IndicatorCost {
                indicator: id.clone(),
                outcomes: t.count,
                per_outcome: per(Ok(Decimal::from(t.count)), Undefined::NoOutcomes),
                per_additional_outcome: per(t.additional(k.as_ref()), Undefined::NoAdditionalOutcomes),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(n: u64, yes: u64) -> ExactTally {
        let mut t = ExactTally::default();
        (0..n).for_each(|i| t.add(Decimal::ONE, i < yes));
        t
    }

    /// 3/7 against 1/5: 3 − 7 × 1/5 = 1.6 additional outcomes.
    #[test]
    fn additional_outcomes_are_exact() {
        assert_eq!(tally(7, 3).additional(Some(&tally(5, 1))), Ok("1.6".parse().unwrap()));
        assert_eq!(tally(7, 1).additional(None), Err(Undefined::NoControlGroup));
        assert_eq!(tally(7, 1).additional(Some(&ExactTally::default())), Err(Undefined::NoRecords));
    }
}
