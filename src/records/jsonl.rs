//! The JSON Lines reader: one record per physical line, streamed.
//!
//! Only the current line is in memory. Each line is parsed into a
//! `serde_json::Value` (exact numbers: `arbitrary_precision` is on) and then
//! converted field by field, so every refusal can say which field, what was
//! expected and what was found. Unknown fields are errors, never dropped;
//! so is a key an object repeats (see [`super::json`]). A line yields its
//! record, or one diagnostic per repeated key followed by the first other
//! problem of the line.
//!
//! Every string and key of a line is checked before its fields are read
//! (see [`check::safe_text`]): a personal identity code or a control or
//! invisible formatting character is refused wherever it is, even under an
//! unknown key. A line longer than [`MAX_LINE_BYTES`] is refused without
//! being held in memory: the reader skips to the next line end.
//!
//! A line is read in two steps, so the first can run on other threads
//! (see [`super::parallel`]): [`prepare`] is pure — it tries the fast path
//! ([`super::fast`]) on the line alone — and [`Settle::settle`] then runs,
//! in input order, the one check with state (duplicates) on what the fast
//! path took, and the full reader on every line it did not take.

use std::collections::{BTreeMap, VecDeque};
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::check::{self, quote, Duplicates, Place, Problem};
use super::fast;
use super::json::{self, RepeatedKey};
use super::model::{
    Arm, AttributeValue, Dialect, Earning, Event, Feedback, Measure, Origin, Record, Service, Spell, Text,
};
use super::value;
use super::MAX_LINE_BYTES;
use crate::diagnostic::{Column, Diagnostic, Location};
use crate::money;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Streams [`Record`]s out of a JSON Lines input, on the calling thread.
pub struct JsonLinesReader<R> {
    source: LineSource<R>,
    /// The line read last (its bytes, line end included).
    buf: Vec<u8>,
    settle: Settle,
}

impl<R: BufRead> JsonLinesReader<R> {
    /// A reader of records for the contract `contract` (`None`: for any
    /// contract; see [`Duplicates`]).
    pub fn new(input: R, file: Arc<PathBuf>, contract: Option<&str>) -> Self {
        JsonLinesReader {
            source: LineSource { input, line: 0, offset: 0, done: false },
            buf: Vec::new(),
            settle: Settle { file, duplicates: Duplicates::new(contract), pending: VecDeque::new() },
        }
    }

    /// The input still to read and the state of what was read, to go on
    /// reading on other threads.
    pub(super) fn into_parts(self) -> (LineSource<R>, Settle) {
        (self.source, self.settle)
    }
}

impl<R: BufRead> Iterator for JsonLinesReader<R> {
    type Item = Result<Record, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(d) = self.settle.pending.pop_front() {
            return Some(Err(d));
        }
        loop {
            self.buf.clear();
            let raw = match self.source.read_into(&mut self.buf, &self.settle.file) {
                NextLine::Line(raw) => raw,
                NextLine::End => return None,
                NextLine::Failed(d) => return Some(Err(d)),
            };
            let parsed = prepare(&self.buf, &raw, &self.settle.file);
            if let Some(item) = self.settle.settle(&self.buf, &raw, parsed) {
                return Some(item);
            }
        }
    }
}

/// The physical lines of an input, with where each starts.
pub(super) struct LineSource<R> {
    pub(super) input: R,
    /// Physical number of the line read last.
    pub(super) line: u64,
    /// Byte offset in the file of the next line.
    pub(super) offset: u64,
    /// Set at the end of the input or after an I/O error.
    pub(super) done: bool,
}

/// Where one physical line is; its bytes are kept by whoever read it.
#[derive(Debug, Clone, Copy)]
pub(super) struct RawLine {
    /// Physical line number, 1-based.
    pub number: u64,
    /// Byte offset of the line in the file.
    pub start: u64,
    /// Longer than [`MAX_LINE_BYTES`]: its bytes were not kept.
    pub too_long: bool,
}

pub(super) enum NextLine {
    Line(RawLine),
    End,
    /// The input could not be read further: nothing more comes.
    Failed(Diagnostic),
}

impl<R: BufRead> LineSource<R> {
    /// Appends the next line (line end included; nothing when it is too
    /// long) to `buf`.
    pub(super) fn read_into(&mut self, buf: &mut Vec<u8>, file: &Arc<PathBuf>) -> NextLine {
        if self.done {
            return NextLine::End;
        }
        match read_bounded_line(&mut self.input, buf) {
            Ok((0, _)) => {
                self.done = true;
                NextLine::End
            }
            Ok((read, too_long)) => {
                self.line += 1;
                let start = self.offset;
                self.offset += read as u64;
                NextLine::Line(RawLine { number: self.line, start, too_long })
            }
            Err(e) => {
                self.done = true;
                let location = Location::Line { line: self.line + 1, column: None };
                NextLine::Failed(Diagnostic::error(&**file, location, format!("cannot read the file: {e}")))
            }
        }
    }
}

/// What the pure step made of one line; the record is boxed (`R`) where
/// lines are kept in a list, so that each entry stays small.
pub(super) enum Parsed<R = Box<Record>> {
    /// Nothing but white space: skipped (the line still counts).
    Blank,
    /// The fast path's record, before the duplicate check, with the
    /// [`Duplicates::hash`] of its participant.
    Record(R, u64),
    /// For the full reader: anything the fast path did not take.
    Other,
}

impl Parsed<Record> {
    pub(super) fn boxed(self) -> Parsed {
        match self {
            Parsed::Blank => Parsed::Blank,
            Parsed::Record(record, hash) => Parsed::Record(Box::new(record), hash),
            Parsed::Other => Parsed::Other,
        }
    }
}

/// The pure step of reading one line (`bytes`, line end included): no
/// state, so any thread can run it.
pub(super) fn prepare(bytes: &[u8], raw: &RawLine, file: &Arc<PathBuf>) -> Parsed {
    prepare_unboxed(bytes, raw, file).boxed()
}

/// [`prepare`] with the record not boxed, for a worker that uses it up at
/// once.
pub(super) fn prepare_unboxed(bytes: &[u8], raw: &RawLine, file: &Arc<PathBuf>) -> Parsed<Record> {
    if raw.too_long {
        return Parsed::Other;
    }
    match std::str::from_utf8(content(bytes, raw.number)) {
        Err(_) => Parsed::Other,
        Ok(text) if text.trim().is_empty() => Parsed::Blank,
        Ok(text) => fast::read_line(text, raw.number, file).map_or(Parsed::Other, |r| {
            let hash = Duplicates::hash(&r.id, r.arm);
            Parsed::Record(r, hash)
        }),
    }
}

/// A line without its line end and, on line 1, without a byte-order mark.
fn content(bytes: &[u8], line: u64) -> &[u8] {
    let bytes = trim_line_end(bytes);
    bytes_after_bom(bytes, line).1
}

fn bytes_after_bom(bytes: &[u8], line: u64) -> (usize, &[u8]) {
    let bom = if line == 1 && bytes.starts_with(UTF8_BOM) { UTF8_BOM.len() } else { 0 };
    (bom, &bytes[bom..])
}

/// The stateful step of reading lines, in input order: the duplicate
/// table and the diagnostics still to hand out.
pub(super) struct Settle {
    file: Arc<PathBuf>,
    duplicates: Duplicates,
    /// Diagnostics of the line read last that are still to be handed out.
    pending: VecDeque<Diagnostic>,
}

impl Settle {
    pub(super) fn file(&self) -> &Arc<PathBuf> {
        &self.file
    }

    /// The duplicate check of a record the fast path took: whether it is
    /// new (it is then recorded). A repeat is recorded nowhere: the full
    /// reader reads the line again and words it.
    pub(super) fn is_new(&mut self, id: &str, arm: Arm, contract: Option<&str>, line: u64, hash: u64) -> bool {
        self.duplicates.check_hashed(id, arm, contract, line, hash).is_ok()
    }

    /// Reads the duplicate check's entries for `hashes` (a block's records,
    /// about to be checked) in a loop whose reads do not wait for one
    /// another: in a table of a million participants each is a wait for
    /// memory, which the checks one by one would wait for in turn.
    pub(super) fn look_ahead(&self, hashes: impl Iterator<Item = u64>) {
        self.duplicates.look_ahead(hashes);
    }

    /// The next diagnostic still to hand out.
    pub(super) fn pending(&mut self) -> Option<Diagnostic> {
        self.pending.pop_front()
    }

    /// Finishes one line after [`prepare`]: its record or its first
    /// diagnostic (the others wait in [`Settle::pending`]); `None` for a
    /// blank line.
    pub(super) fn settle(&mut self, bytes: &[u8], raw: &RawLine, parsed: Parsed) -> Option<Result<Record, Diagnostic>> {
        let line = raw.number;
        match parsed {
            Parsed::Blank => return None,
            Parsed::Record(record, hash) => {
                // A duplicate goes to the full reader, which words it.
                if self.is_new(&record.id, record.arm, record.contract.as_deref(), line, hash) {
                    return Some(Ok(*record));
                }
            }
            Parsed::Other => {}
        }
        if raw.too_long {
            return Some(Err(too_long_line(&self.file, line)));
        }
        let (bom, bytes) = bytes_after_bom(trim_line_end(bytes), line);
        match std::str::from_utf8(bytes) {
            Err(e) => {
                let bad = BadUtf8 { line_start: raw.start, before: bom, bytes, error: e };
                Some(Err(bad.diagnostic(&self.file, line)))
            }
            Ok(text) if text.trim().is_empty() => None,
            Ok(text) => match read_line(text, line, &self.file, &mut self.duplicates) {
                Ok(record) => Some(Ok(record)),
                Err(diagnostics) => {
                    self.pending.extend(diagnostics);
                    self.pending.pop_front().map(Err)
                }
            },
        }
    }
}

/// Appends one line (through its `\n`) to `buf`, keeping it only while it
/// has at most [`MAX_LINE_BYTES`] bytes before its line end: a longer line
/// is consumed but not kept, so memory stays bounded whatever the input.
/// Gives the bytes consumed (0 at the end of the input) and whether the
/// line was too long.
fn read_bounded_line(input: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<(usize, bool)> {
    let at = buf.len();
    let mut consumed = 0;
    let mut too_long = false;
    loop {
        let available = match input.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((consumed, line_end_reached(buf, at, too_long)));
        }
        let end = memchr::memchr(b'\n', available);
        let chunk = &available[..end.map_or(available.len(), |i| i + 1)];
        let content = chunk.strip_suffix(b"\n").unwrap_or(chunk);
        // One byte more may be the `\r` of a CRLF line end, checked at the end.
        if !too_long && buf.len() - at + content.len() > MAX_LINE_BYTES + 1 {
            too_long = true;
            buf.truncate(at);
        }
        if !too_long {
            buf.extend_from_slice(chunk);
        }
        let n = chunk.len();
        input.consume(n);
        consumed += n;
        if end.is_some() {
            return Ok((consumed, line_end_reached(buf, at, too_long)));
        }
    }
}

/// Whether the line appended to `buf` from `at` was too long, dropping
/// what was kept of it if so (a block of lines must not hold it).
fn line_end_reached(buf: &mut Vec<u8>, at: usize, too_long: bool) -> bool {
    let too_long = too_long || trim_line_end(&buf[at..]).len() > MAX_LINE_BYTES;
    if too_long {
        buf.truncate(at);
    }
    too_long
}

fn too_long_line(file: &Arc<PathBuf>, line: u64) -> Diagnostic {
    let message = format!("line {line} is longer than {MAX_LINE_BYTES} bytes (1 MiB); it was skipped unread");
    Diagnostic::error(&**file, Location::Line { line, column: None }, message).with_help(
        "each line holds one participant's record, far shorter than this; \
         check that the file is JSON Lines (one object per line, no pretty-printing of a huge array)",
    )
}

pub(super) fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A line that is not UTF-8, located exactly.
struct BadUtf8<'a> {
    /// File offset of the line.
    line_start: u64,
    /// Bytes of the line before `bytes` (a byte-order mark).
    before: usize,
    bytes: &'a [u8],
    error: std::str::Utf8Error,
}

impl BadUtf8<'_> {
    fn diagnostic(&self, file: &Arc<PathBuf>, line: u64) -> Diagnostic {
        let valid = self.error.valid_up_to();
        let in_line = self.before + valid;
        let valid_text = std::str::from_utf8(&self.bytes[..valid]).unwrap_or_default();
        let column = valid_text.chars().count() as u64 + 1;
        let message = format!(
            "line {line} is not valid UTF-8: byte 0x{:02X} at byte offset {} of the file (byte {} of the line)",
            self.bytes[valid],
            self.line_start + in_line as u64,
            in_line + 1,
        );
        Diagnostic::error(&**file, Location::Line { line, column: Some(Column::Char(column)) }, message).with_help(
            "re-save the file as UTF-8 (bytes like 0xE4 for ä usually mean Latin-1 or Windows-1252); \
             the other lines are still checked",
        )
    }
}

/// One non-blank line → a record, or its problems: each repeated key, then
/// the first other problem found (never empty).
fn read_line(
    text: &str,
    line: u64,
    file: &Arc<PathBuf>,
    duplicates: &mut Duplicates,
) -> Result<Record, Vec<Diagnostic>> {
    let mut place = Place { file, line, id: None };
    let parsed = json::parse(text).map_err(|e| vec![syntax_error(&place, text, &e)])?;
    let top = match &parsed.value {
        Value::Object(map) => {
            let top = Fields { map, prefix: String::new() };
            participant(&top).map(|id| (top, id))
        }
        other => Err(Problem::new(format!("expected a JSON object, found {}", describe(other)))),
    };
    let id = top.as_ref().ok().map(|(_, id)| id.clone());
    place.id = id.as_deref();
    // A repeated key does not stop the checks: the line's other problems
    // are reported with it, as they would be without it.
    let mut errors: Vec<Diagnostic> = parsed.repeated.iter().map(|r| repeated_key(&place, text, r)).collect();
    let origin = Origin { file: Arc::clone(file), line };
    let record = top.and_then(|(top, id)| {
        safe_texts(&parsed.value, &mut Vec::new())?;
        read_record(&top, id, origin, duplicates)
    });
    match record {
        Ok(record) if errors.is_empty() => return Ok(record),
        Ok(_) => {}
        Err(p) => errors.push(place.diagnostic(None, p)),
    }
    Err(errors)
}

/// [`read_line`] for the fast path's tests, which compare the two.
#[cfg(test)]
pub(super) fn read_line_for_test(
    text: &str,
    line: u64,
    file: &Arc<PathBuf>,
    duplicates: &mut Duplicates,
) -> Result<Record, Vec<Diagnostic>> {
    read_line(text, line, file, duplicates)
}

/// The participant id of a record, normalised: required, never an
/// identity code.
fn participant(top: &Fields<'_>) -> Result<Text, Problem> {
    top.req("id", string).and_then(|id| check::participant_id("id", id))
}

/// One step of the path to a value (`spells`, `[2]`).
enum Step<'v> {
    Key(&'v str),
    Index(usize),
}

/// Checks every key and string under `value` with [`check::safe_text`];
/// `path` leads to `value` and is spelt out only for a refusal.
fn safe_texts<'v>(value: &'v Value, path: &mut Vec<Step<'v>>) -> Result<(), Problem> {
    match value {
        Value::String(text) if is_free_text(path) => check::safe_free_text(&path_text(path), text),
        // Texts are trimmed as they are read (see `string`), so a trailing
        // tab is not refused in one format and trimmed in the other.
        Value::String(text) => check::safe_text(&path_text(path), text.trim()),
        Value::Array(items) => items.iter().enumerate().try_for_each(|(i, item)| {
            path.push(Step::Index(i));
            let checked = safe_texts(item, path);
            path.pop();
            checked
        }),
        Value::Object(map) => map.iter().try_for_each(|(key, item)| {
            check::safe_name(&path_text(path), key)?;
            path.push(Step::Key(key));
            let checked = safe_texts(item, path);
            path.pop();
            checked
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

/// Whether the value at `path` is free text: an attribute or an event's
/// `value`.
fn is_free_text(path: &[Step<'_>]) -> bool {
    matches!(path, [Step::Key("attributes"), Step::Key(_)] | [Step::Key("events"), Step::Index(_), Step::Key("value")])
}

/// `spells[2].source`; the keys on a path have passed [`check::safe_name`].
fn path_text(path: &[Step<'_>]) -> String {
    let mut text = String::new();
    for step in path {
        match step {
            Step::Key(key) if text.is_empty() => text.push_str(key),
            Step::Key(key) => {
                text.push('.');
                text.push_str(key);
            }
            Step::Index(i) => text.push_str(&format!("[{i}]")),
        }
    }
    text
}

/// A key given twice in one object. The first occurrence was used for the
/// line's other checks, but the line is refused: readers disagree on which
/// of the two counts, so taking either would be a guess.
fn repeated_key(place: &Place<'_>, text: &str, repeat: &RepeatedKey) -> Diagnostic {
    let column = repeat.offset.map(|offset| Column::Char(Diagnostic::line_col(text, offset).1));
    let found = format!("it again with {}", describe(&repeat.value));
    // A name the checks refuse is not shown; its own error follows.
    let path = match check::safe_name("", &repeat.path) {
        Ok(()) => repeat.path.as_str(),
        Err(_) => "(a field name refused below)",
    };
    let problem = Problem::expected(path, "each field once", found)
        .help("remove or merge the repeated field; the line's other checks used its first occurrence");
    place.diagnostic(column, problem)
}

fn syntax_error(place: &Place<'_>, text: &str, error: &serde_json::Error) -> Diagnostic {
    let full = error.to_string();
    // serde_json appends " at line 1 column N"; the location says that.
    let message = full.rsplit_once(" at line ").map_or(full.as_str(), |(m, _)| m);
    let column = (error.column() > 0).then(|| Column::Char(Diagnostic::line_col(text, error.column() - 1).1));
    let problem = Problem::new(format!("invalid JSON: {message}")).help("each line must hold one complete JSON object");
    place.diagnostic(column, problem)
}

const RECORD_FIELDS: [&str; 14] = [
    "id",
    "contract",
    "arm",
    "weight",
    "municipality",
    "birth_date",
    "groups",
    "service",
    "spells",
    "earnings",
    "events",
    "measures",
    "feedback",
    "attributes",
];

fn read_record(top: &Fields<'_>, id: Text, origin: Origin, duplicates: &mut Duplicates) -> Result<Record, Problem> {
    top.only(&RECORD_FIELDS)?;
    let contract = top.opt("contract", |v, name| check::contract_id(name, string(v, name)?))?;
    let arm = top.opt("arm", |v, name| check::arm(name, string(v, name)?))?.unwrap_or_default();
    duplicates.check(&id, arm, contract.as_deref(), origin.line)?;
    let mut groups = Vec::new();
    for (i, tag) in top.list("groups")?.iter().enumerate() {
        let name = format!("groups[{i}]");
        check::push_group(&mut groups, &name, string(tag, &name)?)?;
    }
    Ok(Record {
        id,
        contract,
        arm,
        weight: top.opt("weight", |v, name| check::weight(name, decimal_string(v, name)?))?.unwrap_or(Decimal::ONE),
        municipality: top.opt("municipality", nonempty)?.map(Text::from),
        birth_date: top.opt("birth_date", date)?,
        groups,
        service: read_service(&top.object("service")?)?,
        spells: top.items("spells", read_spell)?,
        earnings: top.items("earnings", read_earning)?,
        events: top.items("events", read_event)?,
        measures: top.items("measures", read_measure)?,
        feedback: top.items("feedback", read_feedback)?,
        attributes: read_attributes(top)?,
        origin,
    })
}

fn read_service(f: &Fields<'_>) -> Result<Service, Problem> {
    f.only(&["start", "end", "completed"])?;
    let start = f.req("start", date)?;
    let end = f.opt("end", date)?;
    check::end_not_before_start(f.path(), start, end)?;
    Ok(Service { start, end, completed: f.opt("completed", boolean)? })
}

fn read_spell(f: &Fields<'_>) -> Result<Spell, Problem> {
    f.only(&["kind", "sector", "start", "end", "hours_per_week", "source"])?;
    let (kind, sector) =
        check::spell_kind(&f.name("kind"), f.req("kind", nonempty)?, &f.name("sector"), f.opt("sector", string)?)?;
    let start = f.req("start", date)?;
    let end = f.opt("end", date)?;
    check::end_not_before_start(f.path(), start, end)?;
    Ok(Spell {
        kind,
        sector,
        start,
        end,
        hours_per_week: f.opt("hours_per_week", decimal_string)?,
        source: f.opt("source", nonempty)?.map(Text::from),
    })
}

fn read_earning(f: &Fields<'_>) -> Result<Earning, Problem> {
    f.only(&["month", "amount"])?;
    Ok(Earning { month: f.req("month", month)?, amount: f.req("amount", decimal_string)? })
}

fn read_event(f: &Fields<'_>) -> Result<Event, Problem> {
    f.only(&["kind", "date", "value", "source"])?;
    Ok(Event {
        kind: f.req("kind", nonempty)?.into(),
        date: f.req("date", date)?,
        value: f.opt("value", string)?.map(Text::from),
        source: f.opt("source", nonempty)?.map(Text::from),
    })
}

fn read_measure(f: &Fields<'_>) -> Result<Measure, Problem> {
    f.only(&["instrument", "date", "scores"])?;
    let instrument = f.req("instrument", nonempty)?.into();
    let date = f.req("date", date)?;
    let scores_field = f.name("scores");
    let Value::Object(raw) = f.required("scores")? else {
        return Err(Problem::expected(&scores_field, "an object of dimension → score", describe(&f.map["scores"])));
    };
    if raw.is_empty() {
        return Err(Problem::new(format!("`{scores_field}` has no dimensions")));
    }
    let mut scores = BTreeMap::new();
    for (dimension, v) in raw {
        scores.insert(dimension.as_str().into(), score(v, &format!("{scores_field}.{dimension}"))?);
    }
    Ok(Measure { instrument, date, scores })
}

fn read_feedback(f: &Fields<'_>) -> Result<Feedback, Problem> {
    f.only(&["date", "satisfaction"])?;
    let satisfaction = f.req("satisfaction", |v, name| match v {
        Value::Number(n) if n.as_i64().is_some() => check::satisfaction(name, n.as_i64().unwrap_or_default()),
        _ => Err(Problem::expected(name, check::SATISFACTION_EXPECTED, describe(v))),
    })?;
    Ok(Feedback { date: f.req("date", date)?, satisfaction })
}

fn read_attributes(top: &Fields<'_>) -> Result<BTreeMap<Text, AttributeValue>, Problem> {
    let Some(v) = top.get("attributes") else {
        return Ok(BTreeMap::new());
    };
    let Value::Object(raw) = v else {
        return Err(Problem::expected("attributes", "an object of name → value", describe(v)));
    };
    let mut attributes = BTreeMap::new();
    for (name, v) in raw {
        let field = format!("attributes.{name}");
        let value = match v {
            // Null is a missing value, as an empty CSV cell is.
            Value::Null => continue,
            Value::String(s) => AttributeValue::Text(s.trim().into(), Dialect::Standard),
            Value::Bool(b) => AttributeValue::Bool(*b),
            Value::Number(n) => AttributeValue::Number(
                money::parse_exact(&n.to_string())
                    .map_err(|e| check::decimal_problem(&field, "a number without exponent", describe(v), e))?,
            ),
            _ => return Err(Problem::expected(&field, "a string, number or boolean", describe(v))),
        };
        attributes.insert(name.as_str().into(), value);
    }
    Ok(attributes)
}

/// The fields of one JSON object, named by their path (`spells[2].end`).
struct Fields<'a> {
    map: &'a Map<String, Value>,
    /// `""` at the top level, else the object's path with a trailing `.`.
    prefix: String,
}

impl<'a> Fields<'a> {
    /// The object's own path (`spells[2]`).
    fn path(&self) -> &str {
        self.prefix.trim_end_matches('.')
    }

    fn name(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// Refuses any field not in `known`, listing the known ones.
    fn only(&self, known: &[&str]) -> Result<(), Problem> {
        match self.map.keys().find(|k| !known.contains(&k.as_str())) {
            None => Ok(()),
            Some(unknown) => Err(Problem::new(format!("unknown field `{}`", self.name(unknown))).help(format!(
                "known fields{}: {}; further data goes into `attributes`",
                if self.prefix.is_empty() {
                    String::new()
                } else {
                    format!(" of `{}`", self.prefix.trim_end_matches('.'))
                },
                known.join(", ")
            ))),
        }
    }

    /// The value of `key`; absent and `null` are both missing.
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn required(&self, key: &str) -> Result<&'a Value, Problem> {
        self.get(key).ok_or_else(|| Problem::missing(&self.name(key)))
    }

    fn req<T>(&self, key: &str, convert: impl FnOnce(&'a Value, &str) -> Result<T, Problem>) -> Result<T, Problem> {
        convert(self.required(key)?, &self.name(key))
    }

    fn opt<T>(
        &self,
        key: &str,
        convert: impl FnOnce(&'a Value, &str) -> Result<T, Problem>,
    ) -> Result<Option<T>, Problem> {
        self.get(key).map(|v| convert(v, &self.name(key))).transpose()
    }

    /// The required object `key`.
    fn object(&self, key: &str) -> Result<Fields<'a>, Problem> {
        let name = self.name(key);
        nested(self.required(key)?, name)
    }

    /// An optional array; missing = empty.
    fn list(&self, key: &str) -> Result<&'a [Value], Problem> {
        match self.get(key) {
            None => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(v) => Err(Problem::expected(&self.name(key), "an array", describe(v))),
        }
    }

    /// Each object of the optional array `key`, converted by `read`.
    fn items<T>(&self, key: &str, read: impl Fn(&Fields<'a>) -> Result<T, Problem>) -> Result<Vec<T>, Problem> {
        let items = self.list(key)?;
        items.iter().enumerate().map(|(i, v)| read(&nested(v, format!("{}[{i}]", self.name(key)))?)).collect()
    }
}

fn nested(v: &Value, name: String) -> Result<Fields<'_>, Problem> {
    match v {
        Value::Object(map) => Ok(Fields { map, prefix: format!("{name}.") }),
        _ => Err(Problem::expected(&name, "an object", describe(v))),
    }
}

/// How a found JSON value is shown in a message.
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the JSON boolean {b}"),
        Value::Number(n) => format!("the JSON number {n}"),
        Value::String(s) => format!("the string {}", quote(s)),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// A text value, trimmed of surrounding white space as a CSV cell is, so
/// the same export reads the same in both formats.
fn string<'a>(v: &'a Value, name: &str) -> Result<&'a str, Problem> {
    v.as_str().map(str::trim).ok_or_else(|| Problem::expected(name, "a string", describe(v)))
}

fn nonempty<'a>(v: &'a Value, name: &str) -> Result<&'a str, Problem> {
    match string(v, name)? {
        "" => Err(Problem::new(format!("`{name}` is empty"))),
        s => Ok(s),
    }
}

fn boolean(v: &Value, name: &str) -> Result<bool, Problem> {
    v.as_bool().ok_or_else(|| Problem::expected(name, "true or false", describe(v)))
}

fn date(v: &Value, name: &str) -> Result<NaiveDate, Problem> {
    let expected = value::date_expected(Dialect::Standard);
    let text = v.as_str().map(str::trim).ok_or_else(|| Problem::expected(name, expected, describe(v)))?;
    value::parse_date(text, Dialect::Standard).ok_or_else(|| Problem::expected(name, expected, describe(v)))
}

fn month(v: &Value, name: &str) -> Result<NaiveDate, Problem> {
    let expected = value::month_expected(Dialect::Standard);
    let text = v.as_str().map(str::trim).ok_or_else(|| Problem::expected(name, expected, describe(v)))?;
    value::parse_month(text, Dialect::Standard).ok_or_else(|| Problem::expected(name, expected, describe(v)))
}

/// Dates, months and decimals are trimmed as every text is ([`string`]):
/// a CSV cell `" 12.50"` is read, so the same JSON string is too.
///
/// Exact quantities are decimal strings; a JSON number is refused because
/// a producer that wrote one may already have lost digits through a float.
fn decimal_string(v: &Value, name: &str) -> Result<Decimal, Problem> {
    const EXPECTED: &str = "a decimal string like \"1820.40\"";
    match v {
        Value::String(s) => {
            money::parse_exact(s.trim()).map_err(|e| check::decimal_problem(name, EXPECTED, describe(v), e))
        }
        Value::Number(n) => Err(Problem::expected(name, EXPECTED, describe(v))
            .help(format!("write exact quantities as strings, e.g. \"{n}\", so that no digit is lost"))),
        _ => Err(Problem::expected(name, EXPECTED, describe(v))),
    }
}

/// A score: a JSON integer or a decimal string.
fn score(v: &Value, name: &str) -> Result<Decimal, Problem> {
    const EXPECTED: &str = "an integer or a decimal string like \"3.5\"";
    match v {
        Value::Number(n) => n.as_i64().map(Decimal::from).ok_or_else(|| Problem::expected(name, EXPECTED, describe(v))),
        Value::String(s) => {
            money::parse_exact(s.trim()).map_err(|e| check::decimal_problem(name, EXPECTED, describe(v), e))
        }
        _ => Err(Problem::expected(name, EXPECTED, describe(v))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<Result<Record, Diagnostic>> {
        JsonLinesReader::new(text.as_bytes(), Arc::new(PathBuf::from("t.jsonl")), None).collect()
    }

    fn error(text: &str) -> Diagnostic {
        read(text).into_iter().find_map(Result::err).expect("an error")
    }

    const MINIMAL: &str = r#"{"id":"P-1","service":{"start":"2026-01-12"}}"#;

    #[test]
    fn dates_months_and_decimals_are_trimmed_as_csv_cells_are() {
        let line = r#"{"id":"P-1","service":{"start":" 2026-01-12\t"},"earnings":[{"month":"2026-03 ","amount":" 12.50"}],"measures":[{"instrument":"m","date":"2026-01-12","scores":{"a":" 3.5 "}}]}"#;
        let record = read(line).remove(0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(record.service.start, NaiveDate::from_ymd_opt(2026, 1, 12).unwrap());
        assert_eq!(record.earnings[0].amount, Decimal::new(1250, 2));
        assert_eq!(record.measures[0].scores["a"], Decimal::new(35, 1));
        // Inside the value nothing is trimmed: a space is not a digit.
        assert!(error(
            r#"{"id":"P-1","service":{"start":"2026-01-12"},"earnings":[{"month":"2026-03","amount":"12 .50"}]}"#
        )
        .message
        .contains("found the string \"12 .50\""));
    }

    #[test]
    fn minimal_record_gets_defaults() {
        let r = read(MINIMAL).remove(0).unwrap();
        assert_eq!(r.arm, super::super::Arm::Participant);
        assert_eq!(r.weight, Decimal::ONE);
        assert_eq!(r.service.end, None);
        assert_eq!(r.origin.line, 1);
    }

    #[test]
    fn blank_lines_are_skipped_but_counted_and_crlf_is_fine() {
        let text = format!("\r\n   \n{MINIMAL}\r\n\n{}\n", MINIMAL.replace("P-1", "P-2"));
        let lines: Vec<u64> = read(&text).into_iter().map(|r| r.unwrap().origin.line).collect();
        assert_eq!(lines, [3, 5]);
    }

    #[test]
    fn syntax_errors_carry_a_character_column() {
        let d = error(r#"{"id":"Jämsä", oops}"#);
        assert_eq!(d.location, Location::Line { line: 1, column: Some(Column::Char(16)) });
        assert!(d.message.starts_with("record: invalid JSON: key must be a string"), "{}", d.message);
    }

    #[test]
    fn nested_unknown_fields_name_their_path() {
        let d = error(r#"{"id":"P-1","service":{"start":"2026-01-12","ende":"2026-02-01"}}"#);
        assert!(d.message.contains("unknown field `service.ende`"), "{}", d.message);
        assert!(d.help.unwrap().contains("start, end, completed"));
    }

    #[test]
    fn scores_take_integers_and_decimal_strings_but_not_floats() {
        let line = |scores: &str| {
            format!(
                r#"{{"id":"P-1","service":{{"start":"2026-01-12"}},"measures":[{{"instrument":"m","date":"2026-01-12","scores":{scores}}}]}}"#
            )
        };
        let r = read(&line(r#"{"a":3,"b":"3.5"}"#)).remove(0).unwrap();
        assert_eq!(r.measures[0].scores["b"].to_string(), "3.5");
        let d = error(&line(r#"{"a":3.5}"#));
        assert!(d.message.contains("`measures[0].scores.a`: expected an integer or a decimal string"), "{}", d.message);
    }

    #[test]
    fn satisfaction_must_be_an_integer_from_one_to_five() {
        let line = |s: &str| {
            format!(
                r#"{{"id":"P-1","service":{{"start":"2026-01-12"}},"feedback":[{{"date":"2026-04-30","satisfaction":{s}}}]}}"#
            )
        };
        assert!(read(&line("5")).remove(0).is_ok());
        assert!(error(&line("6")).message.contains("expected an integer from 1 to 5, found 6"));
        assert!(error(&line("4.0")).message.contains("found the JSON number 4.0"));
        assert!(error(&line("\"4\"")).message.contains("found the string \"4\""));
    }

    #[test]
    fn attributes_keep_exact_numbers_and_skip_nulls() {
        let text = r#"{"id":"P-1","service":{"start":"2026-01-12"},"attributes":{"n":0.10,"b":true,"s":"x","z":null}}"#;
        let r = read(text).remove(0).unwrap();
        assert_eq!(r.attributes["n"], AttributeValue::Number("0.10".parse().unwrap()));
        assert_eq!(r.attributes["b"], AttributeValue::Bool(true));
        assert!(!r.attributes.contains_key("z"));
    }

    #[test]
    fn a_repeated_key_with_a_control_character_is_not_echoed() {
        let text = r#"{"id":"P-1","service":{"start":"2026-01-12"},"\u001b[2J":1,"\u001b[2J":2}"#;
        let errors: Vec<Diagnostic> = read(text).into_iter().filter_map(Result::err).collect();
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(errors.iter().all(|d| !d.message.contains('\u{1b}')), "{errors:#?}");
        assert!(errors[1].message.contains("a field name contains the control"), "{}", errors[1].message);
    }

    #[test]
    fn top_level_must_be_an_object() {
        assert!(error("[1,2]").message.contains("expected a JSON object, found an array"));
    }
}
