//! Interval estimates for rates and means (osuudet ja luottamusvälit):
//! pure numerics, depending on nothing else in the crate, shared by
//! `effectiveness` (scorecards) and `payment::impact` (the lower bound an
//! impact payment may be paid on).
//!
//! Statistics are computed in `f64`. The scorecard rounds them to fixed
//! decimals; an impact payment truncates a bound to a stated number of
//! decimals before any exact money arithmetic, so every output byte is
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoEstimate {
    /// No eligible record in the group, or only records of weight 0.
    NoRecords,
    /// A spread (standard deviation) needs at least two records with a
    /// value (an effective sample size above 1).
    TooFewRecords,
    /// Every value is the same: there is no spread to divide by or to
    /// build an interval from.
    NoVariation,
}

impl NoEstimate {
    /// The reason in words, as outputs show it.
    pub fn reason(self) -> &'static str {
        match self {
            NoEstimate::NoRecords => "no eligible records (or all weights 0)",
            NoEstimate::TooFewRecords => "fewer than two records with a value: no spread to estimate",
            NoEstimate::NoVariation => "every value is the same: no spread to estimate from",
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

/// A group's values (a mean earnings, a change in score), with their
/// analysis weights.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    /// (weight, value) per record, in reading order.
    values: Vec<(f64, f64)>,
}

impl Sample {
    /// Add one record's value with analysis weight `w` (0 or more).
    pub fn add(&mut self, w: f64, x: f64) {
        self.values.push((w, x));
    }

    /// Records with a value.
    pub fn n(&self) -> u64 {
        self.values.len() as u64
    }

    fn weight(&self) -> f64 {
        self.values.iter().map(|(w, _)| w).sum()
    }

    /// The weighted mean Σw·x / Σw (the plain mean when every weight is 1).
    pub fn mean(&self) -> Result<f64, NoEstimate> {
        let total = self.weight();
        if total > 0.0 {
            Ok(self.values.iter().map(|(w, x)| w * x).sum::<f64>() / total)
        } else {
            Err(NoEstimate::NoRecords)
        }
    }

    /// Kish's effective sample size (Σw)² / Σw²; n when every weight is 1.
    pub fn effective_n(&self) -> Result<f64, NoEstimate> {
        let squares: f64 = self.values.iter().map(|(w, _)| w * w).sum();
        if squares > 0.0 {
            Ok(self.weight().powi(2) / squares)
        } else {
            Err(NoEstimate::NoRecords)
        }
    }

    /// The variance with reliability weights, Σw(x − m)² / (Σw − Σw²/Σw):
    /// the usual sample variance with n − 1 when every weight is 1.
    pub fn variance(&self) -> Result<f64, NoEstimate> {
        let m = self.mean()?;
        let total = self.weight();
        let squares: f64 = self.values.iter().map(|(w, _)| w * w).sum();
        let denominator = total - squares / total;
        // n_eff ≤ 1 (one record, or one carrying all the weight): the
        // denominator is 0 up to rounding.
        if self.effective_n()? < 1.0 + 1e-9 || denominator <= 0.0 {
            return Err(NoEstimate::TooFewRecords);
        }
        Ok(self.values.iter().map(|(w, x)| w * (x - m).powi(2)).sum::<f64>() / denominator)
    }

    /// The standard deviation, the root of [`Sample::variance`].
    pub fn sd(&self) -> Result<f64, NoEstimate> {
        self.variance().map(f64::sqrt)
    }

    /// The 95 % t interval of the mean: m ± t(0.975, n_eff − 1) · s / √n_eff.
    pub fn mean_interval(&self) -> Result<Interval, NoEstimate> {
        let (m, s, n) = (self.mean()?, self.sd()?, self.effective_n()?);
        if s == 0.0 {
            return Err(NoEstimate::NoVariation);
        }
        let half = t_quantile(0.975, n - 1.0)? * s / n.sqrt();
        Ok(Interval { low: m - half, high: m + half })
    }
}

/// A difference of two means with its Welch interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanDifference {
    pub difference: f64,
    pub interval: Interval,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
}

/// Welch's 95 % interval for mean(a) − mean(b), two independent groups
/// with unequal variances: se² = s₁²/n₁ + s₂²/n₂, and the
/// Welch–Satterthwaite df = se⁴ / ((s₁²/n₁)²/(n₁ − 1) + (s₂²/n₂)²/(n₂ − 1)).
/// Weighted groups use their weighted means and variances with n_eff.
pub fn welch(a: &Sample, b: &Sample) -> Result<MeanDifference, NoEstimate> {
    let (ma, mb) = (a.mean()?, b.mean()?);
    let (na, nb) = (a.effective_n()?, b.effective_n()?);
    let (va, vb) = (a.variance()? / na, b.variance()? / nb);
    let se2 = va + vb;
    if se2 <= 0.0 {
        return Err(NoEstimate::NoVariation);
    }
    let df = se2 * se2 / (va * va / (na - 1.0) + vb * vb / (nb - 1.0));
    let half = t_quantile(0.975, df)? * se2.sqrt();
    let difference = ma - mb;
    Ok(MeanDifference { difference, interval: Interval { low: difference - half, high: difference + half }, df })
}

/// The `p` quantile (0.5 ≤ p < 1) of Student's t distribution with `df`
/// (> 0, not necessarily whole) degrees of freedom, found by bisection on
/// [`t_cdf`] to the precision of an f64.
pub fn t_quantile(p: f64, df: f64) -> Result<f64, NoEstimate> {
    if !(df > 0.0 && df.is_finite()) {
        return Err(NoEstimate::TooFewRecords);
    }
    let (mut low, mut high) = (0.0_f64, 1.0_f64);
    // t(0.975, df) is below 13 for df ≥ 1 but grows fast as df → 0.
    while t_cdf(high, df) < p {
        high *= 2.0;
        if high > 1e12 {
            return Err(NoEstimate::TooFewRecords);
        }
    }
    for _ in 0..200 {
        let mid = (low + high) / 2.0;
        if t_cdf(mid, df) < p {
            low = mid;
        } else {
            high = mid;
        }
    }
    Ok((low + high) / 2.0)
}

/// P(T ≤ t) for Student's t with `df` degrees of freedom, through the
/// regularised incomplete beta function: P(|T| > t) = I_{df/(df+t²)}(df/2, ½).
pub fn t_cdf(t: f64, df: f64) -> f64 {
    let tail = incomplete_beta(df / 2.0, 0.5, df / (df + t * t)) / 2.0;
    if t >= 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

/// The regularised incomplete beta function I_x(a, b), by its continued
/// fraction (modified Lentz), using the symmetry I_x(a, b) = 1 − I_{1−x}(b, a)
/// where the fraction converges slowly.
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    d = 1.0 / if d.abs() < TINY { TINY } else { d };
    let mut h = d;
    for m in 1..=500 {
        let m = f64::from(m);
        for numerator in [
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ] {
            d = 1.0 + numerator * d;
            d = 1.0 / if d.abs() < TINY { TINY } else { d };
            c = 1.0 + numerator / c;
            if c.abs() < TINY {
                c = TINY;
            }
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, nine coefficients: about 15 digits).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1 − x) = π / sin(πx).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = G[0];
    for (i, g) in G.iter().enumerate().skip(1) {
        sum += g / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
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

    fn sample(values: &[f64]) -> Sample {
        let mut s = Sample::default();
        values.iter().for_each(|&x| s.add(1.0, x));
        s
    }

    /// Rounded to 6 decimals, as t tables print.
    fn r6(x: f64) -> f64 {
        (x * 1_000_000.0).round() / 1_000_000.0
    }

    #[test]
    fn t_quantiles_match_the_published_tables() {
        // Two-sided 95 % critical values of Student's t (any statistics
        // table): df 1, 2, 10, 30; a large df approaches z.
        let table = [(1.0, 12.706205), (2.0, 4.302653), (10.0, 2.228139), (30.0, 2.042272), (1000.0, 1.962339)];
        for (df, t) in table {
            assert_eq!(r6(t_quantile(0.975, df).unwrap()), t, "df {df}");
        }
        assert!((t_quantile(0.975, 1e9).unwrap() - Z95).abs() < 1e-6);
        // A fractional df, as Welch gives (mpmath, 30 digits: 164.557673).
        assert_eq!(r6(t_quantile(0.975, 0.5).unwrap()), 164.557673);
        assert_eq!(t_quantile(0.975, 0.0), Err(NoEstimate::TooFewRecords));
        assert_eq!(t_quantile(0.975, f64::NAN), Err(NoEstimate::TooFewRecords));
    }

    #[test]
    fn welch_matches_a_hand_worked_case() {
        // a = 1…5: mean 3, s² = 2.5; b = 2, 4, 6: mean 4, s² = 4.
        // se² = 2.5/5 + 4/3 = 1.833333; df = 1.833333² / (0.5²/4 + 1.333333²/2)
        // = 3.361111 / 0.951389 = 3.532847; t(0.975, 3.532847) = 2.927405
        // (mpmath); −1 ± 2.927405 × 1.354006 = −4.963726 … 2.963726.
        let d = welch(&sample(&[1.0, 2.0, 3.0, 4.0, 5.0]), &sample(&[2.0, 4.0, 6.0])).unwrap();
        assert_eq!(r6(d.difference), -1.0);
        assert_eq!(r6(d.df), 3.532847);
        assert_eq!((r6(d.interval.low), r6(d.interval.high)), (-4.963726, 2.963726));
    }

    #[test]
    fn a_mean_interval_uses_t_with_n_minus_one() {
        // 3 ± t(0.975, 4) × √(2.5/5) = 3 ± 2.776445 × 0.707107.
        let i = sample(&[1.0, 2.0, 3.0, 4.0, 5.0]).mean_interval().unwrap();
        assert_eq!((r6(i.low), r6(i.high)), (1.036757, 4.963243));
    }

    #[test]
    fn one_record_or_no_spread_gives_no_interval_and_never_nan() {
        let one = sample(&[1200.0]);
        assert_eq!(one.mean(), Ok(1200.0));
        assert_eq!(one.variance(), Err(NoEstimate::TooFewRecords));
        assert_eq!(welch(&one, &sample(&[1.0, 2.0])), Err(NoEstimate::TooFewRecords));
        assert_eq!(welch(&sample(&[1.0, 2.0]), &one), Err(NoEstimate::TooFewRecords));
        assert_eq!(welch(&sample(&[5.0, 5.0]), &sample(&[3.0, 3.0])), Err(NoEstimate::NoVariation));
        assert_eq!(sample(&[5.0, 5.0]).mean_interval(), Err(NoEstimate::NoVariation));
        assert_eq!(Sample::default().mean(), Err(NoEstimate::NoRecords));
        // One group without spread still gives an interval from the other.
        let d = welch(&sample(&[5.0, 5.0]), &sample(&[1.0, 3.0])).unwrap();
        assert!(d.interval.low.is_finite() && d.interval.high.is_finite(), "{d:?}");
    }

    #[test]
    fn weighted_variance_uses_reliability_weights() {
        // Weights 2, 1, 1 on 1, 4, 7: Σw = 4, mean (2 + 4 + 7)/4 = 3.25;
        // Σw(x − m)² = 2×5.0625 + 0.5625 + 14.0625 = 24.75; Σw² = 6,
        // denominator 4 − 6/4 = 2.5, variance 9.9. Unit weights give n − 1.
        let mut s = Sample::default();
        [(2.0, 1.0), (1.0, 4.0), (1.0, 7.0)].iter().for_each(|&(w, x)| s.add(w, x));
        assert_eq!((s.mean(), r6(s.variance().unwrap())), (Ok(3.25), 9.9));
        assert_eq!(sample(&[1.0, 4.0, 7.0]).variance(), Ok(9.0));
        // One record carrying all the weight has no spread to estimate.
        let mut lone = Sample::default();
        lone.add(1.0, 3.0);
        lone.add(0.0, 9.0);
        assert_eq!(lone.variance(), Err(NoEstimate::TooFewRecords));
    }
}
