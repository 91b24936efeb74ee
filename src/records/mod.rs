//! Participant outcome records: the data model and its readers.
//!
//! Owns the interchange format of `../shared/spec/records.md`: reading
//! JSON Lines (streaming) and CSV tables (both dialects), normalising, and
//! reporting every bad line with file, line, column, participant id and
//! expected-vs-found — never echoing a personal identity code.
//!
//! Map: [`open`] picks the reader; `jsonl` and `csv` read their format
//! (`json` parses one JSON Lines line, noting repeated keys; `fast` reads
//! a clean line cheaply, with `scan`'s cursor over a strict subset of
//! JSON; `parallel` runs the JSON Lines reader on several threads, see
//! [`RecordReader::with_threads`]); `check` holds
//! the rules both share; [`value`] parses dialect scalars; [`hetu`] detects
//! and masks identity codes; [`summary`] describes a file for a data
//! steward.

mod check;
mod csv;
mod fast;
mod heads;
pub mod hetu;
mod json;
mod jsonl;
mod model;
mod parallel;
mod scan;
pub mod summary;
pub mod value;

use std::fs::File;
use std::io::BufReader;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use check::normalise_id;
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

/// The longest JSON Lines line read, in bytes before its line end (1 MiB);
/// also the longest CSV row. A participant's record is a few kilobytes: a
/// longer line is an error, and it is skipped without being held in memory.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Extensions read as JSON Lines (compared case-insensitively).
const JSON_LINES_EXTENSIONS: [&str; 3] = ["jsonl", "ndjson", "json"];

/// Opens a path to read it on its own, for no contract in particular (as
/// `tulos records` does): see [`open_for`].
pub fn open(path: &Path) -> Result<RecordReader, Diagnostic> {
    open_for(path, None)
}

/// Opens a path: a directory → CSV tables; a file ending .jsonl/.ndjson/.json
/// → JSON Lines; else a clear error.
///
/// `contract` is the id of the contract being evaluated, which a record
/// without `contract` belongs to: two records of one participant (same
/// normalised id and arm) are a duplicate when they belong to the same
/// contract. With `None`, a record without `contract` is a duplicate of any
/// record of its id and arm, since it would be one for some contract.
pub fn open_for(path: &Path, contract: Option<&str>) -> Result<RecordReader, Diagnostic> {
    let cannot = |what: String| Diagnostic::error(path, Location::File, what);
    let meta = std::fs::metadata(path).map_err(|e| cannot(format!("cannot open the records: {e}")))?;
    if meta.is_dir() {
        let reader = csv::CsvFolderReader::open(path, contract)?;
        let participants = path.join(PARTICIPANTS_FILE);
        return Ok(RecordReader::new(InputFormat::CsvFolder, Inner::Csv(reader), participants));
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
    let reader =
        jsonl::JsonLinesReader::new(BufReader::with_capacity(1 << 16, file), Arc::new(path.to_path_buf()), contract);
    Ok(RecordReader::new(InputFormat::JsonLines, Inner::JsonLines(Box::new(reader)), path.to_path_buf()))
}

/// The CSV table that lists the participants.
const PARTICIPANTS_FILE: &str = "participants.csv";

/// The records of one input, in input order, each either read or refused
/// with a diagnostic.
pub struct RecordReader {
    format: InputFormat,
    inner: Inner,
    /// The file that lists the participants, for the empty-input warning.
    listing: PathBuf,
    /// Records and errors handed out so far.
    items: u64,
    /// Whether the input has been read to its end.
    finished: bool,
}

enum Inner {
    JsonLines(Box<jsonl::JsonLinesReader<BufReader<File>>>),
    ParallelJsonLines(Box<parallel::ParallelJsonLines>),
    Csv(csv::CsvFolderReader),
    /// Read to its end: the reader and what it kept to find duplicates
    /// (some 50 bytes a participant) are dropped, so that a calculation
    /// settles its statement without them.
    Done,
}

impl RecordReader {
    fn new(format: InputFormat, inner: Inner, listing: PathBuf) -> Self {
        RecordReader { format, inner, listing, items: 0, finished: false }
    }

    pub fn format(&self) -> InputFormat {
        self.format
    }

    /// Reads a JSON Lines input with `threads` worker threads parsing
    /// lines, beside a thread reading the file; the records, diagnostics
    /// and their order are exactly those of the sequential reader, which
    /// `threads <= 1` keeps (on the calling thread). CSV folders are always
    /// read sequentially. Meant right after opening; a reader already on
    /// threads stays as it is.
    pub fn with_threads(self, threads: usize) -> Self {
        self.with_threads_and_block(threads, parallel::BlockLimit::default())
    }

    /// [`RecordReader::with_threads`] with blocks of at most `lines` lines,
    /// so that tests cross block boundaries often.
    #[doc(hidden)]
    pub fn with_threads_and_block_lines(self, threads: usize, lines: usize) -> Self {
        self.with_threads_and_block(threads, parallel::BlockLimit::lines(lines))
    }

    fn with_threads_and_block(mut self, threads: usize, limit: parallel::BlockLimit) -> Self {
        self.inner = match self.inner {
            Inner::JsonLines(reader) if threads > 1 => {
                let (source, settle) = reader.into_parts();
                Inner::ParallelJsonLines(Box::new(parallel::ParallelJsonLines::start(source, settle, threads, limit)))
            }
            inner => inner,
        };
        self
    }

    /// Once the input has been read to its end: a warning naming the file
    /// when it held no participant at all (no record, no error). Such a
    /// month pays fixed fees only, which is right for a month without
    /// data but is more often an export that went wrong.
    pub fn nothing_read_warning(&self) -> Option<Diagnostic> {
        if !self.finished || self.items > 0 {
            return None;
        }
        let message = match self.format {
            InputFormat::JsonLines => "the file holds no record: no participant was read",
            InputFormat::CsvFolder => "participants.csv has no rows below its header: no participant was read",
        };
        Some(Diagnostic::warning(&self.listing, Location::File, message).with_help(
            "a run without participants pays fixed fees only; check that the export is complete if data was expected",
        ))
    }
}

impl RecordReader {
    /// Reads every record into `summary`, as adding each record the
    /// iterator gives with [`Summary::add`](summary::Summary::add) would,
    /// keeping the diagnostics of the reader and of the summary, in input
    /// order, in `errors`; `tick` runs once per record or diagnostic read.
    /// On threads ([`RecordReader::with_threads`]) the worker threads
    /// count the records in and drop them, which spares the calling
    /// thread most of the work; the summary and the diagnostics are the
    /// same.
    pub fn summarise(&mut self, summary: &mut summary::Summary, errors: &mut ErrorLimit, mut tick: impl FnMut()) {
        let Inner::ParallelJsonLines(reader) = &mut self.inner else {
            for item in self.by_ref() {
                // Diagnostics are masked by the iterator already.
                let added = item.and_then(|r| summary.add(&r));
                tick();
                if let Err(d) = added {
                    errors.push(d);
                }
            }
            return;
        };
        let mut items = 0;
        reader.summarise(summary, &mut |summary, item| {
            items += 1;
            tick();
            let added = match item {
                // Counted in on a worker thread.
                None => Ok(()),
                Some(item) => item.map_err(hetu::redact_diagnostic).and_then(|r| summary.add(&r)),
            };
            if let Err(d) = added {
                errors.push(d);
            }
        });
        self.items += items;
        self.finish();
    }

    /// Whether [`RecordReader::each_mapped`] maps records on worker
    /// threads: JSON Lines read on threads
    /// ([`RecordReader::with_threads`]), not yet read from.
    pub fn maps_on_threads(&self) -> bool {
        matches!(&self.inner, Inner::ParallelJsonLines(_)) && self.items == 0
    }

    /// Hands every item to `each`, in input order, exactly as the iterator
    /// gives it, with every record mapped by `map` first. When reading on
    /// threads ([`RecordReader::maps_on_threads`]) `map` runs on the worker
    /// that parsed the record, so that a record is made, used and freed on
    /// one thread; it must then be a pure function of the record, as a
    /// record the duplicate check refuses has been mapped already (what
    /// the map made of it is dropped). Else `map` runs on this thread.
    /// Each thread that maps has a `scratch` of its own, made by `scratch`,
    /// which `map` may use to save work, never to change what it gives.
    /// A `Break` from `each` stops the reading there.
    pub fn each_mapped<S, T: Send + 'static>(
        &mut self,
        scratch: impl Fn() -> S + Sync,
        map: impl Fn(&mut S, Record) -> T + Sync,
        mut each: impl FnMut(Result<T, Diagnostic>) -> ControlFlow<()>,
    ) {
        let Inner::ParallelJsonLines(reader) = &mut self.inner else {
            let mut own = scratch();
            for item in self.by_ref() {
                if each(item.map(|record| map(&mut own, record))).is_break() {
                    self.inner = Inner::Done;
                    return;
                }
            }
            return;
        };
        let mut items = 0;
        let flow = reader.each_mapped(&scratch, &map, &mut |item| {
            items += 1;
            // Every diagnostic is masked, as the iterator masks them.
            each(item.map_err(hetu::redact_diagnostic))
        });
        self.items += items;
        match flow {
            ControlFlow::Continue(()) => self.finish(),
            ControlFlow::Break(()) => self.inner = Inner::Done,
        }
    }

    fn finish(&mut self) {
        self.finished = true;
        self.inner = Inner::Done;
    }
}

impl Iterator for RecordReader {
    type Item = Result<Record, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = match &mut self.inner {
            Inner::JsonLines(r) => r.next(),
            Inner::ParallelJsonLines(r) => r.next(),
            Inner::Csv(r) => r.next(),
            Inner::Done => None,
        };
        match item {
            Some(_) => self.items += 1,
            None => self.finish(),
        }
        // Every diagnostic leaves through here: mask identity codes once more
        // in case one slipped into text that quoted the input.
        item.map(|r| r.map_err(hetu::redact_diagnostic))
    }
}

/// Diagnostics kept up to a limit; the ones past it are only counted, and
/// a last note says how many were not shown, so no error vanishes without
/// a word and memory stays bounded.
#[derive(Debug)]
pub struct ErrorLimit {
    limit: usize,
    shown: Vec<Diagnostic>,
    /// How many were past the limit, and the file of the last of them.
    more: u64,
    more_file: Option<PathBuf>,
}

impl ErrorLimit {
    /// Keeps at most `limit` diagnostics (at least one, so the caller
    /// always learns why).
    pub fn new(limit: usize) -> Self {
        ErrorLimit { limit: limit.max(1), shown: Vec::new(), more: 0, more_file: None }
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        if self.shown.len() < self.limit {
            self.shown.push(diagnostic);
        } else {
            self.more += 1;
            self.more_file = Some(diagnostic.file);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.shown.is_empty()
    }

    /// The diagnostics kept, then the note on those that were not.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        let mut all = self.shown;
        if let Some(file) = self.more_file {
            let (limit, more) = (self.limit, self.more);
            let errors = if more == 1 { "error was" } else { "errors were" };
            let note = format!("{more} more {errors} not shown (only the first {limit} are listed)");
            all.push(Diagnostic::warning(file, Location::File, note).with_help("fix the errors listed and run again"));
        }
        all
    }
}

/// Reads everything for no contract in particular (see [`open`]), keeping
/// up to `max_errors` diagnostics and counting the rest (see
/// [`ErrorLimit`]).
pub fn read_all(path: &Path, max_errors: usize) -> Result<Vec<Record>, Vec<Diagnostic>> {
    let reader = open(path).map_err(|d| vec![d])?;
    let mut records = Vec::new();
    let mut errors = ErrorLimit::new(max_errors);
    for item in reader {
        match item {
            Ok(record) => records.push(record),
            Err(d) => errors.push(d),
        }
    }
    if errors.is_empty() {
        Ok(records)
    } else {
        Err(errors.into_diagnostics())
    }
}
