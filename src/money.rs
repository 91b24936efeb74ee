//! Exact money: decimal parsing and declared rounding.
//!
//! Every amount is a [`Decimal`]; nothing on a money path passes through a
//! float. Rounding happens in exactly one place per statement line (see
//! `payment`), with the contract's declared scale and mode.

use std::str::FromStr;

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

/// Parse a decimal string in the interchange form: optional `-`, digits,
/// optional `.` and fraction digits; no exponent, no `+`, no spaces.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
        return None;
    }
    Decimal::from_str_exact(text).or_else(|_| Decimal::from_str(text)).ok()
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
        assert_eq!(dec("99999999999999999.99").to_string(), "99999999999999999.99");
        for bad in ["", "1e3", "+1", "1.", ".5", "1 000", "1,5", "abc", "-"] {
            assert!(parse_decimal(bad).is_none(), "{bad:?} must be refused");
        }
    }
}
