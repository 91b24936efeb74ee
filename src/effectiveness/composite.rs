//! The composite effectiveness score (0–100): each weighted indicator's
//! achievement against its target, weighted, with every contribution shown
//! so that no one has to trust a single number.
//!
//! For indicator i with weight wᵢ, target tᵢ (> 0) and the participants'
//! rate rᵢ as the scorecard shows it (four decimals):
//! achievementᵢ = min(1, rᵢ / tᵢ);
//! contributionᵢ = wᵢ × achievementᵢ × 100 / Σw, rounded half away from
//! zero to two decimals; the score is the sum of the shown contributions,
//! so the parts add up to it exactly. It is computed from the published
//! totals, never from a breakdown cell, so suppression cannot be undone
//! through it. Without a rate for a weighted indicator there is no score.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::comparison::{Ratio, Undefined};
use super::scorecard::IndicatorScore;

/// Decimals of contributions and the score (points of 100).
pub const SCORE_DECIMALS: u32 = 2;
/// Decimals of an achievement (a share of the target, 0–1).
pub const ACHIEVEMENT_DECIMALS: u32 = 4;

pub const FORMULA: &str =
    "contribution = weight × min(1, rate / target) × 100 / Σ weights, rounded to 0.01; score = Σ contributions";

/// The composite score and its parts, in the contract's indicator order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Composite {
    pub formula: &'static str,
    pub score: Ratio<Points>,
    pub parts: Vec<Contribution>,
}

/// Points of 100.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Points {
    pub value: Decimal,
}

/// One indicator's part of the composite score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    pub indicator: String,
    pub weight: Decimal,
    pub target: Decimal,
    /// The participants' rate; `None` when not estimated.
    pub rate: Option<Decimal>,
    /// min(1, rate / target) to [`ACHIEVEMENT_DECIMALS`] decimals.
    pub achievement: Option<Decimal>,
    pub contribution: Option<Decimal>,
}

/// The composite of the indicators that carry a weight; `None` when none do.
pub fn composite(indicators: &[IndicatorScore]) -> Option<Composite> {
    let weighted: Vec<(&IndicatorScore, Decimal, Decimal)> =
        indicators.iter().filter_map(|i| Some((i, i.weight?, i.target?))).collect();
    if weighted.is_empty() {
        return None;
    }
    // Weights and targets are contract decimals of at most 10¹⁵: their sums
    // over a contract's indicators and the products below fit.
    let total: Decimal = weighted.iter().map(|(_, w, _)| *w).sum();
    let parts: Vec<Contribution> = weighted
        .iter()
        .map(|&(i, weight, target)| {
            let rate = i.participants.rate.value().map(|r| r.value);
            let achievement = rate.and_then(|r| achievement(r, target));
            let contribution = achievement
                .and_then(|a| weight.checked_mul(a)?.checked_mul(Decimal::ONE_HUNDRED)?.checked_div(total))
                .map(|c| round(c, SCORE_DECIMALS));
            Contribution {
                indicator: i.id.clone(),
                weight,
                target,
                rate,
                achievement: achievement.map(|a| round(a, ACHIEVEMENT_DECIMALS)),
                contribution,
            }
        })
        .collect();
    let score = parts
        .iter()
        .map(|p| p.contribution)
        .sum::<Option<Decimal>>()
        .map(|value| Points { value })
        .ok_or(Undefined::NoRecords);
    Some(Composite { formula: FORMULA, score: Ratio::from(score), parts })
}

/// min(1, rate / target), exact; target > 0 (the loader refuses 0).
fn achievement(rate: Decimal, target: Decimal) -> Option<Decimal> {
    Some(rate.checked_div(target)?.min(Decimal::ONE))
}

fn round(x: Decimal, decimals: u32) -> Decimal {
    let mut r = x.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(decimals);
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{Counted, Names};
    use crate::effectiveness::{ArmScore, Estimate, Rate};

    fn indicator(id: &str, rate: Option<&str>, target: &str, weight: Option<&str>) -> IndicatorScore {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let rate = match rate {
            Some(r) => Estimate::Estimated(Rate { value: d(r), low: d(r), high: d(r) }),
            None => Estimate::from(Err(crate::effectiveness::stats::NoEstimate::NoRecords)),
        };
        IndicatorScore {
            id: id.into(),
            name: Names { fi: "x".into(), en: "x".into() },
            counts: Counted::Outcome("x".into()),
            participants: ArmScore { n: 10, count: 4, n_eff: None, rate },
            control: None,
            difference: None,
            relative_risk: None,
            not_observable: None,
            target: Some(d(target)),
            weight: weight.map(d),
            meets_target: None,
            breakdowns: vec![],
        }
    }

    /// Weights 0.6, 0.3, 0.1 (Σ 1.0): job 0.3000 of 0.40 → 0.75 × 60 =
    /// 45.00; change meter 0.5000 of 0.40 → capped at 1 × 30 = 30.00;
    /// education 0.0700 of 0.30 → 0.2333… × 10 = 2.33. Score 77.33.
    #[test]
    fn contributions_are_weighted_achievements_and_add_up_to_the_score() {
        let c = composite(&[
            indicator("job", Some("0.3000"), "0.40", Some("0.6")),
            indicator("change", Some("0.5000"), "0.40", Some("0.3")),
            indicator("unweighted", Some("0.9000"), "0.40", None),
            indicator("education", Some("0.0700"), "0.30", Some("0.1")),
        ])
        .unwrap();
        let parts: Vec<(&str, String, String)> = c
            .parts
            .iter()
            .map(|p| (p.indicator.as_str(), p.achievement.unwrap().to_string(), p.contribution.unwrap().to_string()))
            .collect();
        assert_eq!(
            parts,
            [
                ("job", "0.7500".into(), "45.00".into()),
                ("change", "1.0000".into(), "30.00".into()),
                ("education", "0.2333".into(), "2.33".into())
            ]
        );
        assert_eq!(c.score.value().unwrap().value.to_string(), "77.33");
    }

    #[test]
    fn no_weights_no_composite_and_a_missing_rate_no_score() {
        assert_eq!(composite(&[indicator("job", Some("0.3"), "0.4", None)]), None);
        let c = composite(&[indicator("job", None, "0.4", Some("1"))]).unwrap();
        assert_eq!(c.score.reason(), Some(Undefined::NoRecords));
    }
}
