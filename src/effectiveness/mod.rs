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

mod breakdown;
mod comparison;
mod composite;
mod cost;
mod csv;
mod measures;
mod scorecard;
mod standard;
pub use crate::stats;
mod suppress;
mod text;
mod values;

use chrono::NaiveDate;

use crate::contract::Contract;
use crate::diagnostic::Diagnostic;
use crate::payment::{each_evaluated, Achievements, Evaluator, Parts, Threads};
use crate::records::Record;
use crate::scripting::RuleError;
use crate::statement::{Inputs, Statement};

pub use breakdown::{quarter, Breakdown, By, Cell, Shown};
pub use comparison::{Ratio, RatioBounds, RelativeRisk, Undefined};
pub use composite::{Composite, Contribution, Points};
pub use cost::{Cost, IndicatorCost, Money};
pub use csv::scorecard_csv;
pub use measures::{
    ArmCounts, Bounds, ChangeArm, ChangeMeter, DimensionScore, Earnings, EarningsArm, EarningsWindow, Experience,
    ExperienceArm, Improved, Mean, MeanDifference,
};
pub use scorecard::{
    ArmScore, Difference, Estimate, IndicatorScore, Method, NotObservable, Rate, ScoreCounts, Scorecard,
};
pub use standard::follow_up_months;
pub use suppress::{suppression, Size, Suppression};
pub use text::{scorecard_text, scorecard_text_in};
pub use values::{ValueArm, ValueScore};

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
/// contract as of `as_of`. `paid`, the payment statement over the same
/// records and as-of date, gives the cost section.
pub fn score(
    contract: &Contract,
    evaluator: &Evaluator,
    records: impl Iterator<Item = Result<Record, Diagnostic>>,
    inputs: Inputs,
    as_of: NaiveDate,
    paid: Option<&Statement>,
) -> Result<Scorecard, ScoreError> {
    score_on(Threads::default(), contract, evaluator, records, inputs, as_of, paid)
}

/// [`score`] with the records evaluated on `threads` threads (see
/// [`crate::payment::parallel`]): the scorecard is the same for any number.
pub fn score_on(
    threads: Threads,
    contract: &Contract,
    evaluator: &Evaluator,
    records: impl Iterator<Item = Result<Record, Diagnostic>>,
    inputs: Inputs,
    as_of: NaiveDate,
    paid: Option<&Statement>,
) -> Result<Scorecard, ScoreError> {
    let mut tallies = scorecard::Tallies::new(contract, as_of);
    let wants_values = tallies.wants_values();
    // Per record, on any thread: the rules (which price no line, so they
    // need no parts).
    let evaluate = |_: &mut Parts, record: Record| {
        let achievements = evaluator.achievements(&record, as_of)?;
        let values = match achievements {
            Achievements::Eligible(_) if wants_values => evaluator.values(&record, as_of)?,
            _ => Vec::new(),
        };
        Ok::<_, ScoreError>((record, achievements, values))
    };
    // In input order: the tallies.
    let take = |(record, achievements, values): (Record, Achievements, Vec<_>)| {
        tallies.add(&record, &achievements, &values);
        Ok(())
    };
    let read = each_evaluated(threads, evaluator, records, |_| {}, evaluate, take)?;
    tallies.counts.records_read = read;
    Ok(tallies.into_scorecard(contract, inputs, as_of, paid))
}

/// A participant record ending its service on `end`, for unit tests.
#[cfg(test)]
pub(crate) fn test_record(end: Option<&str>, spells: Vec<crate::records::Spell>) -> Record {
    use crate::records::{Arm, Origin, Service};
    let date = |s: &str| crate::calendar::parse_iso_date(s).expect("a test date");
    Record {
        id: "S-1".into(),
        contract: None,
        arm: Arm::Participant,
        weight: rust_decimal::Decimal::ONE,
        municipality: None,
        birth_date: None,
        groups: vec![],
        service: Service { start: date("2026-01-05"), end: end.map(date), completed: Some(true) },
        spells,
        earnings: vec![],
        events: vec![],
        measures: vec![],
        feedback: vec![],
        attributes: Default::default(),
        origin: Origin { file: std::sync::Arc::new("test.jsonl".into()), line: 1 },
    }
}
