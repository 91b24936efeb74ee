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
pub use crate::stats;
mod text;

use chrono::NaiveDate;

use crate::contract::Contract;
use crate::diagnostic::Diagnostic;
use crate::payment::{each_bound_record, Evaluator};
use crate::records::Record;
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

impl From<Vec<Diagnostic>> for ScoreError {
    fn from(records: Vec<Diagnostic>) -> Self {
        ScoreError::Records(records)
    }
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
    let read = each_bound_record(evaluator, records, |record| {
        let achievements = evaluator.achievements(&record, as_of)?;
        tallies.add(&record, &achievements);
        Ok::<_, ScoreError>(())
    })?;
    tallies.counts.records_read = read;
    Ok(tallies.into_scorecard(contract, inputs, as_of))
}
