//! Interval estimates for yes/no indicators (osuudet ja luottamusvälit).
//!
//! Statistics are not money: they are computed in `f64` and rounded only
//! when a [`Scorecard`](super::Scorecard) is built, so every output byte is
//! deterministic. The methods are the ones Newcombe (1998) recommends:
//!
//! - one proportion: the Wilson score interval;
//! - a difference of two independent proportions: the hybrid score interval
//!   (Newcombe's method 10, without continuity correction), built from the
//!   two Wilson intervals.
//!
//! Weighted samples use the weighted rate Σw·y / Σw and Kish's effective
//! sample size n_eff = (Σw)² / Σw² in place of n. With no one to estimate
//! from there is no interval: [`NoEstimate`], never NaN.

use serde::Serialize;

/// The 97.5 % quantile of the standard normal distribution (95 % intervals).
pub const Z95: f64 = 1.959_963_984_540_054;

/// A two-sided 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// Why an estimate cannot be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoEstimate {
    /// No eligible record in the group, or only records of weight 0.
    NoRecords,
}

impl NoEstimate {
    /// The reason in words, as outputs show it.
    pub fn reason(self) -> &'static str {
        match self {
            NoEstimate::NoRecords => "no eligible records (or all weights 0)",
        }
    }
}

/// A group's yes/no observations, with their analysis weights.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    /// Records observed.
    pub n: u64,
    /// Records for which the answer is yes.
    pub count: u64,
    /// Σw over all records.
    pub weight: f64,
    /// Σw² over all records (for the effective sample size).
    pub weight_squared: f64,
    /// Σw over the records answering yes.
    pub weight_yes: f64,
}

impl Tally {
    /// Count one record of analysis weight `w` (0 or more).
    pub fn add(&mut self, w: f64, yes: bool) {
        self.n += 1;
        self.weight += w;
        self.weight_squared += w * w;
        if yes {
            self.count += 1;
            self.weight_yes += w;
        }
    }

    /// The weighted rate Σw·y / Σw (the plain share when every weight is 1).
    pub fn rate(&self) -> Result<f64, NoEstimate> {
        if self.weight > 0.0 {
            Ok(self.weight_yes / self.weight)
        } else {
            Err(NoEstimate::NoRecords)
        }
    }

    /// Kish's effective sample size (Σw)² / Σw²; n when every weight is 1.
    pub fn effective_n(&self) -> Result<f64, NoEstimate> {
        if self.weight_squared > 0.0 {
            Ok(self.weight * self.weight / self.weight_squared)
        } else {
            Err(NoEstimate::NoRecords)
        }
    }

    /// The Wilson interval of [`Tally::rate`] with n = [`Tally::effective_n`].
    pub fn wilson(&self) -> Result<Interval, NoEstimate> {
        wilson(self.rate()?, self.effective_n()?)
    }
}

/// Wilson score interval for a proportion `p` observed on `n` (> 0)
/// records: the set of true proportions a score test at 5 % would not
/// reject. It stays within [0, 1] and is informative also at 0/n and n/n.
pub fn wilson(p: f64, n: f64) -> Result<Interval, NoEstimate> {
    if n <= 0.0 || !n.is_finite() {
        return Err(NoEstimate::NoRecords);
    }
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z95 / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // Clamped only against rounding at 0/n and n/n, where a bound is 0 or 1.
    Ok(Interval { low: (centre - half).max(0.0), high: (centre + half).min(1.0) })
}

/// Newcombe's hybrid score interval (method 10) for `p1 − p2`, two
/// independent proportions observed on `n1` and `n2` records: the
/// difference minus/plus the root of the squared distances from each rate
/// to the near sides of the two Wilson intervals.
pub fn newcombe(p1: f64, n1: f64, p2: f64, n2: f64) -> Result<Interval, NoEstimate> {
    let (a, b) = (wilson(p1, n1)?, wilson(p2, n2)?);
    let d = p1 - p2;
    let low = d - ((p1 - a.low).powi(2) + (b.high - p2).powi(2)).sqrt();
    let high = d + ((a.high - p1).powi(2) + (p2 - b.low).powi(2)).sqrt();
    Ok(Interval { low, high })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rounded to 4 decimals, as outputs show it.
    fn r4(x: f64) -> f64 {
        (x * 10_000.0).round() / 10_000.0
    }

    fn tally(weights_yes: &[(f64, bool)]) -> Tally {
        let mut t = Tally::default();
        for &(w, yes) in weights_yes {
            t.add(w, yes);
        }
        t
    }

    #[test]
    fn wilson_matches_newcombes_published_example() {
        // Newcombe 1998a, Statistics in Medicine 17:857–872: 81/263.
        let i = wilson(81.0 / 263.0, 263.0).unwrap();
        assert_eq!((r4(i.low), r4(i.high)), (0.2553, 0.3662));
    }

    #[test]
    fn newcombe_matches_his_published_example() {
        // Newcombe 1998b, Statistics in Medicine 17:873–890: 56/70 − 48/80.
        let (p1, p2) = (56.0 / 70.0, 48.0 / 80.0);
        assert_eq!(r4(p1 - p2), 0.2);
        let i = newcombe(p1, 70.0, p2, 80.0).unwrap();
        assert_eq!((r4(i.low), r4(i.high)), (0.0524, 0.3339));
    }

    #[test]
    fn none_and_all_achieved_stay_within_zero_and_one() {
        // 0/10: [0, z²/(n+z²)] = [0, 0.2775]; 10/10 mirrors it.
        let none = wilson(0.0, 10.0).unwrap();
        assert_eq!((none.low, r4(none.high)), (0.0, 0.2775));
        let all = wilson(1.0, 10.0).unwrap();
        assert_eq!((r4(all.low), r4(all.high)), (0.7225, 1.0));
        assert!(all.high <= 1.0);
        // The difference of the two extremes reaches, but never passes, ±1.
        let d = newcombe(1.0, 10.0, 0.0, 10.0).unwrap();
        assert!(d.high <= 1.0 && d.low > 0.0, "{d:?}");
        assert_eq!(r4(d.low), 0.6075);
    }

    #[test]
    fn no_records_give_no_interval() {
        assert_eq!(wilson(0.0, 0.0), Err(NoEstimate::NoRecords));
        assert_eq!(newcombe(0.5, 10.0, 0.0, 0.0), Err(NoEstimate::NoRecords));
        let empty = Tally::default();
        assert_eq!(empty.rate(), Err(NoEstimate::NoRecords));
        assert_eq!(empty.wilson(), Err(NoEstimate::NoRecords));
        // Records of weight 0 only: counted, but nothing to estimate from.
        let zero = tally(&[(0.0, true), (0.0, false)]);
        assert_eq!((zero.n, zero.count), (2, 1));
        assert_eq!(zero.wilson(), Err(NoEstimate::NoRecords));
    }

    #[test]
    fn unit_weights_give_the_unweighted_interval() {
        let t = tally(&[(1.0, true), (1.0, false), (1.0, false), (1.0, true)]);
        assert_eq!((t.rate(), t.effective_n()), (Ok(0.5), Ok(4.0)));
        assert_eq!(t.wilson(), wilson(0.5, 4.0));
    }

    #[test]
    fn a_weighted_case_worked_by_hand() {
        // Weights 2 (yes), 1 (no), 1 (yes): Σw = 4, Σw·y = 3, rate 0.75;
        // Σw² = 6, n_eff = 16/6 = 2.6667.
        let t = tally(&[(2.0, true), (1.0, false), (1.0, true)]);
        assert_eq!(t.rate(), Ok(0.75));
        assert_eq!(r4(t.effective_n().unwrap()), 2.6667);
        // Wilson with p = 0.75, n = 8/3, z² = 3.841459:
        //   z²/n = 1.440547, denominator 2.440547,
        //   centre = (0.75 + 0.720274) / 2.440547 = 0.602437,
        //   half = 1.959964 / 2.440547 × √(0.1875/2.6667 + 3.841459/28.4444)
        //        = 0.803083 × √(0.0703125 + 0.1350513) = 0.803083 × 0.453171 = 0.363934,
        //   interval 0.2385 … 0.9664.
        let i = t.wilson().unwrap();
        assert_eq!((r4(i.low), r4(i.high)), (0.2385, 0.9664));
    }
}
