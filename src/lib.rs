//! tulos — a rules-as-code engine for outcome-based procurement payments.
//!
//! Contracts (TOML + rhai) are evaluated against participant outcome
//! records into an exact payment statement. See `ARCHITECTURE.md` for the
//! map of the code and its invariants.

pub mod calendar;
pub mod diagnostic;
pub mod money;
pub mod records;
pub mod scripting;
