//! Participant outcome records: the data model and its readers.
//!
//! Owns the interchange format of `../shared/spec/records.md`: reading
//! JSON Lines (streaming) and CSV tables (both dialects), normalising, and
//! reporting every bad line with file, line, column, participant id and
//! expected-vs-found — never echoing a personal identity code.
//!
//! Map: [`open`] picks the reader; `jsonl` and `csv` read their format
//! (`json` parses one JSON Lines line, noting repeated keys); `check` holds
//! the rules both share; [`value`] parses dialect scalars; [`hetu`] detects
//! and masks identity codes; [`summary`] describes a file for a data
//! steward.

mod check;
mod csv;
pub mod hetu;
mod json;
mod jsonl;
mod model;
pub mod summary;
pub mod value;

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;

pub use csv::table_files;
pub use model::*;

use crate::diagnostic::{Diagnostic, Location};

/// The two input formats of the interchange specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum InputFormat {
    /// One JSON object per line (`.jsonl`, `.ndjson`, `.json`).
    JsonLines,
    /// A folder of CSV tables with `participants.csv`.
    CsvFolder,
}

/// Extensions read as JSON Lines (compared case-insensitively).
const JSON_LINES_EXTENSIONS: [&str; 3] = ["jsonl", "ndjson", "json"];

/// Opens a path: a directory → CSV tables; a file ending .jsonl/.ndjson/.json
/// → JSON Lines; else a clear error.
pub fn open(path: &Path) -> Result<RecordReader, Diagnostic> {
    let cannot = |what: String| Diagnostic::error(path, Location::File, what);
    let meta = std::fs::metadata(path).map_err(|e| cannot(format!("cannot open the records: {e}")))?;
    if meta.is_dir() {
        let reader = csv::CsvFolderReader::open(path)?;
        return Ok(RecordReader { format: InputFormat::CsvFolder, inner: Inner::Csv(reader) });
    }
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_lowercase();
    if !JSON_LINES_EXTENSIONS.contains(&extension.as_str()) {
        let help = if extension == "csv" {
            "give the folder that holds participants.csv (and the other tables), not one CSV file".to_owned()
        } else {
            format!("name a JSON Lines file ending .{} or a folder of CSV tables", JSON_LINES_EXTENSIONS.join("/."))
        };
        return Err(cannot("unknown records format".to_owned()).with_help(help));
    }
    let file = File::open(path).map_err(|e| cannot(format!("cannot open the records: {e}")))?;
    let reader = jsonl::JsonLinesReader::new(BufReader::new(file), Arc::new(path.to_path_buf()));
    Ok(RecordReader { format: InputFormat::JsonLines, inner: Inner::JsonLines(reader) })
}

/// The records of one input, in input order, each either read or refused
/// with a diagnostic.
pub struct RecordReader {
    format: InputFormat,
    inner: Inner,
}

enum Inner {
    JsonLines(jsonl::JsonLinesReader<BufReader<File>>),
    Csv(csv::CsvFolderReader),
}

impl RecordReader {
    pub fn format(&self) -> InputFormat {
        self.format
    }
}

impl Iterator for RecordReader {
    type Item = Result<Record, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = match &mut self.inner {
            Inner::JsonLines(r) => r.next(),
            Inner::Csv(r) => r.next(),
        };
        // Every diagnostic leaves through here: mask identity codes once more
        // in case one slipped into text that quoted the input.
        item.map(|r| r.map_err(hetu::redact_diagnostic))
    }
}

/// Reads everything, collecting up to `max_errors` diagnostics (then stops
/// with a final note that more were not shown).
pub fn read_all(path: &Path, max_errors: usize) -> Result<Vec<Record>, Vec<Diagnostic>> {
    let reader = open(path).map_err(|d| vec![d])?;
    // At least one error is always shown, so the caller learns why.
    let limit = max_errors.max(1);
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for item in reader {
        match item {
            Ok(record) => records.push(record),
            Err(d) if errors.len() < limit => errors.push(d),
            Err(_) => {
                let note = format!("stopped after {limit} errors; more errors were not shown");
                errors.push(Diagnostic::warning(path, Location::File, note));
                break;
            }
        }
    }
    if errors.is_empty() {
        Ok(records)
    } else {
        Err(errors)
    }
}
