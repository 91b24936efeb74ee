//! Participant outcome records: the data model and its readers.
//!
//! Owns the interchange format of `../shared/spec/records.md`: reading
//! JSON Lines (streaming) and CSV tables (both dialects), normalising, and
//! reporting every bad line with file, line, column, participant id and
//! expected-vs-found — never echoing a personal identity code.

mod model;

pub use model::*;
