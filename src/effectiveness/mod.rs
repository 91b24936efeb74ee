//! Effectiveness scores (vaikuttavuus): how often participants reached an
//! outcome, against a comparison group (verrokkiryhmä).
//!
//! Owns the indicator statistics and the [`Scorecard`], the effectiveness
//! counterpart of the payment [`Statement`](crate::statement::Statement):
//! a data type that renderers (text, JSON) render without computing.
//!
//! An indicator (`[[indicator]]` in the contract) names one of the
//! contract's outcomes. For every eligible record of either arm, the
//! payment evaluator says whether that outcome was achieved on or before
//! the as-of date ([`Evaluator::achievements`]): the same eligibility and
//! the same rules for participants and controls. The rates, their Wilson
//! intervals and the Newcombe interval of the difference come from
//! [`stats`]; weights (`weight` in the records) give weighted rates with
//! Kish's effective sample size.
//!
//! This module depends on `contract`, `records` and `payment`; nothing
//! there depends on it. Control records are read here and never paid.

mod measures;
mod scorecard;
pub mod stats;
mod text;

use chrono::NaiveDate;

use crate::contract::Contract;
use crate::diagnostic::Diagnostic;
use crate::payment::{Evaluator, MAX_RECORD_ERRORS};
use crate::records::{ErrorLimit, Record};
use crate::scripting::RuleError;
use crate::statement::Inputs;

pub use measures::{
    ArmCounts, Bounds, ChangeArm, ChangeMeter, DimensionScore, Earnings, EarningsArm, EarningsWindow, Experience,
    ExperienceArm, Improved, Mean, MeanDifference,
};
pub use scorecard::{ArmScore, Difference, Estimate, IndicatorScore, Method, Rate, ScoreCounts, Scorecard};
pub use text::scorecard_text;

/// Why a score could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    /// Bad records: every problem found (up to the reader's limit).
    #[error("the records have {} error(s)", .0.len())]
    Records(Vec<Diagnostic>),
    /// A rule failed or returned something unusable for a record.
    #[error(transparent)]
    Rule(#[from] RuleError),
}

/// Evaluate every record of both arms and compute each indicator of the
/// contract as of `as_of`.
pub fn score(
    contract: &Contract,
    evaluator: &Evaluator,
    records: impl Iterator<Item = Result<Record, Diagnostic>>,
    inputs: Inputs,
    as_of: NaiveDate,
) -> Result<Scorecard, ScoreError> {
    let mut tallies = scorecard::Tallies::new(contract, as_of);
    // Errors past the limit are counted, so the last note says how many.
    let mut errors = ErrorLimit::new(MAX_RECORD_ERRORS);
    for record in records {
        let record = match record.and_then(|r| evaluator.bind(r)) {
            Ok(r) => r,
            Err(d) => {
                errors.push(d);
                continue;
            }
        };
        // After the first bad record, keep reading only to report every
        // error at once.
        if errors.is_empty() {
            let achievements = evaluator.achievements(&record, as_of)?;
            tallies.add(&record, &achievements);
        } else {
            tallies.counts.records_read += 1;
        }
    }
    if !errors.is_empty() {
        return Err(ScoreError::Records(errors.into_diagnostics()));
    }
    Ok(tallies.into_scorecard(contract, inputs, as_of))
}
