//! tulos — a rules-as-code engine for outcome-based procurement payments.
//!
//! Contracts (TOML + rhai) are evaluated against participant outcome
//! records into an exact payment statement. See `ARCHITECTURE.md` for the
//! map of the code and its invariants.

// Errors travel by value (`Diagnostic`, `RuleError`): they are the rare path
// and carry what a user needs to fix the input; boxing buys nothing here.
#![allow(clippy::result_large_err)]

pub mod calendar;
pub mod casebook;
pub mod contract;
pub mod diagnostic;
pub mod effectiveness;
pub mod explain;
pub mod generate;
pub mod ledger;
pub mod locale;
pub mod money;
pub mod payment;
pub mod records;
pub mod report;
pub mod schema;
pub mod scripting;
pub mod statement;
pub mod stats;
pub mod tables;
pub mod text;
