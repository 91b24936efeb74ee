//! Synthetic participant records for a contract: `tulos generate`.
//!
//! Writes records valid for the interchange format of
//! `../shared/spec/records.md` in the vocabulary of a contract (target
//! groups, instruments and dimensions, event kinds, declared attributes),
//! so an officer can try a contract before real data exist and the
//! benchmark has data of any size. Deterministic per seed (see
//! [`rng`]), streaming (one record in memory at a time, whatever `n`), and
//! never anything shaped like a personal identity code: ids are `G` and
//! eight digits, every other text comes from fixed lists.
//!
//! What a record holds, roughly as in the registers: about one in five is
//! a comparison-group (control) record; a participant has an unemployment
//! spell before the service, often a change-meter measurement at its start
//! and end and feedback when it ended; after it, some find work (open or
//! subsidised, with monthly earnings), some start education, some stay
//! unemployed.

mod person;
mod rng;
mod write;

use std::path::{Path, PathBuf};

use chrono::{Months, NaiveDate};

use crate::contract::{self, AttributeType, Contract};
use crate::diagnostic::Diagnostics;

pub use write::Format;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Number of records.
    pub n: u64,
    pub seed: u64,
    pub format: Format,
    /// A JSON Lines file, or the folder of CSV tables to create.
    pub out: PathBuf,
}

/// The names records may use, taken from a contract or generic.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    /// The id records carry in `contract`.
    pub contract: String,
    pub groups: Vec<String>,
    pub event_kinds: Vec<String>,
    pub instruments: Vec<String>,
    pub dimensions: Vec<String>,
    /// Declared attributes, generated with a value of their type.
    pub attributes: Vec<(String, AttributeType)>,
    /// First and last service start.
    pub starts: (NaiveDate, NaiveDate),
    /// The extraction date: nothing is dated after it.
    pub extraction: NaiveDate,
}

const GENERIC_GROUPS: [&str; 5] = ["long_term_unemployed", "partial_work_ability", "youth", "immigrant", "disabled"];
const GENERIC_EVENTS: [&str; 3] = ["qualification", "work_trial_start", "permanent_contract"];
const GENERIC_DIMENSIONS: [&str; 4] = ["work_ability", "job_search", "skills", "life_management"];

impl Vocabulary {
    /// A generic vocabulary (the spec's example tags) for a contract id no
    /// contract file declares; services start in 2026.
    pub fn generic(contract: &str) -> Self {
        let owned = |names: &[&str]| names.iter().map(|s| s.to_string()).collect();
        let from = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or(NaiveDate::MIN);
        let to = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or(NaiveDate::MIN);
        Vocabulary {
            contract: contract.to_owned(),
            groups: owned(&GENERIC_GROUPS),
            event_kinds: owned(&GENERIC_EVENTS),
            instruments: vec!["change_meter".to_owned()],
            dimensions: owned(&GENERIC_DIMENSIONS),
            attributes: Vec::new(),
            starts: (from, to),
            extraction: to.checked_add_months(Months::new(6)).unwrap_or(to),
        }
    }

    /// The vocabulary a contract declares; what it leaves open (no declared
    /// instruments, event kinds or groups) is filled in generically.
    pub fn of(c: &Contract) -> Self {
        let mut v = Vocabulary::generic(&c.id);
        let declared = |names: &[String], generic: Vec<String>| if names.is_empty() { generic } else { names.to_vec() };
        v.groups = declared(&c.groups, v.groups);
        v.event_kinds = declared(&c.event_kinds, v.event_kinds);
        v.instruments = declared(&c.instruments, v.instruments);
        v.dimensions = declared(&c.dimensions, v.dimensions);
        v.attributes = c.attributes.iter().map(|(name, ty)| (name.clone(), *ty)).collect();
        // Services start within the contract's validity (and its eligible
        // start window), in its first year.
        let window = c.eligibility.service_start.as_ref();
        let from = window.map_or(c.valid.from, |w| w.from.max(c.valid.from));
        let year_on = from.checked_add_months(Months::new(12)).and_then(|d| d.pred_opt()).unwrap_or(from);
        let until = [Some(year_on), c.valid.to, window.and_then(|w| w.to)].into_iter().flatten().min().unwrap_or(from);
        v.starts = (from, until.max(from));
        v.extraction = until.checked_add_months(Months::new(6)).unwrap_or(until);
        v
    }

    /// The vocabulary for `id`: the contract `root/<id>/contract.toml`, or
    /// the contract under `root` whose `[contract] id` is `id`, or a generic
    /// one when no contract there is `id`. A contract file that exists but
    /// does not load is an error, never silently replaced.
    pub fn find(id: &str, root: &Path) -> Result<Self, Diagnostics> {
        let direct = root.join(id).join("contract.toml");
        if direct.is_file() {
            return contract::load(&direct).map(|c| Vocabulary::of(&c));
        }
        let mut candidates: Vec<PathBuf> = std::fs::read_dir(root)
            .map(|dir| dir.flatten().map(|e| e.path().join("contract.toml")).filter(|p| p.is_file()).collect())
            .unwrap_or_default();
        candidates.sort();
        for path in candidates {
            // Other contracts may be broken; only the one asked for matters.
            if let Ok(c) = contract::load(&path) {
                if c.id == id {
                    return Ok(Vocabulary::of(&c));
                }
            }
        }
        Ok(Vocabulary::generic(id))
    }
}

/// Why records could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

/// Writes `options.n` records in `vocabulary` to `options.out`; gives the
/// number written. The output is the same bytes for the same options and
/// vocabulary.
pub fn generate(options: &Options, vocabulary: &Vocabulary) -> Result<u64, GenerateError> {
    generate_with_progress(options, vocabulary, |_| {})
}

/// [`generate`], calling `progress` with the number of records written
/// every so often (for a progress bar).
pub fn generate_with_progress(
    options: &Options,
    vocabulary: &Vocabulary,
    mut progress: impl FnMut(u64),
) -> Result<u64, GenerateError> {
    let mut sink = write::Sink::create(options.format, &options.out, vocabulary)?;
    let mut person = person::Person::default();
    for n in 0..options.n {
        person.fill(options.seed, n, vocabulary);
        sink.write(&person, vocabulary)?;
        if n % 4096 == 0 {
            progress(n);
        }
    }
    sink.finish()?;
    progress(options.n);
    Ok(options.n)
}
