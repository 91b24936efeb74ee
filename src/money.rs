//! Exact money: decimal parsing and declared rounding.
//!
//! Every amount is a [`Decimal`]; nothing on a money path passes through a
//! float. Rounding happens in exactly one place per statement line (see
//! `payment`), with the contract's declared scale and mode.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

/// How amounts are rounded to the contract's scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// 0.005 → 0.01, −0.005 → −0.01 (the usual commercial rule; default).
    #[default]
    HalfAwayFromZero,
    /// Banker's rounding: 0.005 → 0.00, 0.015 → 0.02.
    HalfEven,
    /// Toward zero: never pays a fraction of a cent more than earned.
    Down,
}

impl RoundingMode {
    pub const NAMES: [&'static str; 3] = ["half_away_from_zero", "half_even", "down"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "half_away_from_zero" => Some(Self::HalfAwayFromZero),
            "half_even" => Some(Self::HalfEven),
            "down" => Some(Self::Down),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::HalfAwayFromZero => "half_away_from_zero",
            Self::HalfEven => "half_even",
            Self::Down => "down",
        }
    }
}

/// Scale and mode, declared by the contract (`[contract] rounding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rounding {
    /// Decimal places kept (2 = cents).
    pub scale: u32,
    pub mode: RoundingMode,
}

impl Default for Rounding {
    fn default() -> Self {
        Rounding { scale: 2, mode: RoundingMode::HalfAwayFromZero }
    }
}

impl Rounding {
    /// Round `value` and pad it to exactly `scale` places, so that `12.5`
    /// prints as `12.50`.
    ///
    /// ```
    /// use tulos::money::{parse_decimal, Rounding, RoundingMode};
    /// let x = parse_decimal("150.625").unwrap();
    /// let cents = |mode| Rounding { scale: 2, mode }.apply(x).to_string();
    /// assert_eq!(cents(RoundingMode::HalfAwayFromZero), "150.63");
    /// assert_eq!(cents(RoundingMode::HalfEven), "150.62");
    /// ```
    pub fn apply(self, value: Decimal) -> Decimal {
        let strategy = match self.mode {
            RoundingMode::HalfAwayFromZero => RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
            RoundingMode::Down => RoundingStrategy::ToZero,
        };
        let mut r = value.round_dp_with_strategy(self.scale, strategy);
        r.rescale(self.scale);
        r
    }
}

/// The largest magnitude any decimal input may have: amounts, factors,
/// percentages, table numbers and record values alike. A thousand million
/// million (10¹⁵) is far beyond any public procurement, and bounding inputs
/// keeps every sum and product of a run far inside what [`Decimal`] holds.
pub const MAX_MAGNITUDE: Decimal = Decimal::from_parts(0xA4C6_8000, 0x38D7E, 0, false, 0);

/// Why a text is not an exact decimal of the interchange form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("expected a decimal such as \"1200.50\": optional `-`, digits, optional `.` and digits")]
    Syntax,
    #[error(
        "has more digits than an exact decimal holds (at most 28 significant digits); nothing is rounded silently"
    )]
    TooPrecise,
    #[error("is larger than the largest decimal accepted (1000000000000000)")]
    TooLarge,
}

/// Parse a decimal string in the interchange form: optional `-`, digits,
/// optional `.` and fraction digits; no exponent, no `+`, no spaces. The
/// value is exact or refused: it is never rounded to fit.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    parse_exact(text).ok()
}

/// [`parse_decimal`] with the reason a text is refused, for messages.
pub fn parse_exact(text: &str) -> Result<Decimal, DecimalError> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
        return Err(DecimalError::Syntax);
    }
    // Leading zeros carry no digits of the value; a long integer part is
    // too large whatever the type could hold.
    if int.trim_start_matches('0').len() > 16 {
        return Err(DecimalError::TooLarge);
    }
    let value = Decimal::from_str_exact(text).map_err(|_| DecimalError::TooPrecise)?;
    if value.abs() > MAX_MAGNITUDE {
        return Err(DecimalError::TooLarge);
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        parse_decimal(s).unwrap()
    }

    #[test]
    fn rounding_modes_differ_on_midpoints() {
        let away = Rounding { scale: 2, mode: RoundingMode::HalfAwayFromZero };
        let even = Rounding { scale: 2, mode: RoundingMode::HalfEven };
        let down = Rounding { scale: 2, mode: RoundingMode::Down };
        assert_eq!(away.apply(dec("0.125")).to_string(), "0.13");
        assert_eq!(even.apply(dec("0.125")).to_string(), "0.12");
        assert_eq!(even.apply(dec("0.135")).to_string(), "0.14");
        assert_eq!(away.apply(dec("-0.125")).to_string(), "-0.13");
        assert_eq!(down.apply(dec("0.129")).to_string(), "0.12");
        assert_eq!(away.apply(dec("12.5")).to_string(), "12.50");
        let whole = Rounding { scale: 0, mode: RoundingMode::HalfAwayFromZero };
        assert_eq!(whole.apply(dec("2.5")).to_string(), "3");
    }

    #[test]
    fn decimal_strings_are_strict() {
        assert_eq!(dec("1820.40").to_string(), "1820.40");
        assert_eq!(dec("-3").to_string(), "-3");
        assert_eq!(dec("999999999999999.99").to_string(), "999999999999999.99");
        for bad in ["", "1e3", "+1", "1.", ".5", "1 000", "1,5", "abc", "-"] {
            assert!(parse_decimal(bad).is_none(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn decimals_are_exact_or_refused_never_rounded() {
        assert_eq!(parse_exact("1200.004999999999999999999999999"), Err(DecimalError::TooPrecise));
        assert_eq!(parse_exact("0.00000000000000000000000000001"), Err(DecimalError::TooPrecise));
        assert_eq!(dec("1200.0049999999999999999999").to_string(), "1200.0049999999999999999999");
        assert_eq!(dec("0000001.50").to_string(), "1.50");
    }

    #[test]
    fn decimals_beyond_the_bound_are_refused() {
        assert_eq!(MAX_MAGNITUDE.to_string(), "1000000000000000");
        assert_eq!(dec("1000000000000000").to_string(), "1000000000000000");
        assert_eq!(dec("-1000000000000000").to_string(), "-1000000000000000");
        assert_eq!(parse_exact("1000000000000000.01"), Err(DecimalError::TooLarge));
        assert_eq!(parse_exact("79228162514264337593543950335"), Err(DecimalError::TooLarge));
        assert_eq!(parse_exact("99999999999999999999999999999999999"), Err(DecimalError::TooLarge));
    }
}
