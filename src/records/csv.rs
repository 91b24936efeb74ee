//! The CSV tables reader: a folder with `participants.csv` and optional
//! `spells.csv`, `earnings.csv`, `events.csv`, `measures.csv` and
//! `feedback.csv`, in either dialect (detected per file from its header).
//!
//! Child rows must be joined to their participant, and a child row whose
//! participant is missing is an error, so the tables are read whole into
//! memory and joined there; the records are then handed out in
//! `participants.csv` order, each with its child rows in file order. Line
//! numbers are physical (the header is line 1) as the `csv` crate counts
//! them; rows are read as bytes so that a line that is not UTF-8 is located
//! exactly and the other lines are still checked.
//!
//! Ids in every table are normalised as in JSON Lines
//! ([`check::normalise_id`]), and every cell and column name is checked
//! with [`check::safe_text`] before it is read.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ::csv::{ByteRecord, ReaderBuilder};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::check::{self, quote, Duplicates, Place, Problem};
use super::model::{
    Arm, AttributeValue, Dialect, Earning, Event, Feedback, Measure, Origin, Record, Service, Spell, Text,
};
use super::value;
use super::MAX_LINE_BYTES;
use crate::diagnostic::{Column, Diagnostic, Location};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The columns a table must and may have.
struct TableSpec {
    file: &'static str,
    required: &'static [&'static str],
    optional: &'static [&'static str],
}

impl TableSpec {
    fn known(&self) -> impl Iterator<Item = &'static str> {
        self.required.iter().chain(self.optional).copied()
    }
}

const PARTICIPANTS: TableSpec = TableSpec {
    file: "participants.csv",
    required: &["id", "service_start"],
    optional: &["contract", "arm", "weight", "municipality", "birth_date", "groups", "service_end", "completed"],
};

/// A child table and how one of its rows is read.
struct ChildTable {
    spec: TableSpec,
    read: fn(&Cells<'_>) -> Result<Child, CellProblem>,
}

const CHILD_TABLES: [ChildTable; 5] = [
    ChildTable {
        spec: TableSpec {
            file: "spells.csv",
            required: &["id", "kind", "start"],
            optional: &["arm", "sector", "end", "hours_per_week", "source"],
        },
        read: read_spell,
    },
    ChildTable {
        spec: TableSpec { file: "earnings.csv", required: &["id", "month", "amount"], optional: &["arm"] },
        read: read_earning,
    },
    ChildTable {
        spec: TableSpec {
            file: "events.csv",
            required: &["id", "kind", "date"],
            optional: &["arm", "value", "source"],
        },
        read: read_event,
    },
    ChildTable {
        spec: TableSpec {
            file: "measures.csv",
            required: &["id", "instrument", "date", "dimension", "score"],
            optional: &["arm"],
        },
        read: read_measure_row,
    },
    ChildTable {
        spec: TableSpec { file: "feedback.csv", required: &["id", "date", "satisfaction"], optional: &["arm"] },
        read: read_feedback,
    },
];

/// Hands out the records of a CSV folder, read and joined on opening.
pub struct CsvFolderReader {
    items: std::vec::IntoIter<Result<Record, Diagnostic>>,
}

impl CsvFolderReader {
    /// Reads the folder `dir` for the contract `contract` (`None`: for any
    /// contract); fails only when it has no `participants.csv` (every other
    /// problem is one of the items).
    pub fn open(dir: &Path, contract: Option<&str>) -> Result<Self, Diagnostic> {
        if !dir.join(PARTICIPANTS.file).is_file() {
            let files: Vec<&str> = CHILD_TABLES.iter().map(|t| t.spec.file).collect();
            return Err(Diagnostic::error(dir, Location::File, "the folder has no participants.csv")
                .with_help(format!("a CSV records folder needs participants.csv; {} are optional", files.join(", "))));
        }
        Ok(CsvFolderReader { items: read_folder(dir, contract).into_iter() })
    }
}

impl Iterator for CsvFolderReader {
    type Item = Result<Record, Diagnostic>;

    fn next(&mut self) -> Option<Self::Item> {
        self.items.next()
    }
}

/// The file names a CSV records folder may hold, `participants.csv` first.
pub fn table_files() -> impl Iterator<Item = &'static str> {
    std::iter::once(PARTICIPANTS.file).chain(CHILD_TABLES.iter().map(|t| t.spec.file))
}

/// Files in `dir` that are not tables of the format. A misnamed table
/// (`spell.csv`, `Spells.csv`) would otherwise be skipped and its rows lost
/// without a word. Hidden files (`.DS_Store`) are left alone.
fn unknown_files(dir: &Path) -> Vec<Diagnostic> {
    let known: Vec<&str> = table_files().collect();
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.') && !known.contains(&name.as_str()))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let hint = match crate::diagnostic::closest(&name.to_lowercase(), &known) {
                Some(table) => format!("rename it to {table} if that is what it holds; "),
                None => String::new(),
            };
            Diagnostic::error(
                dir.join(&name),
                Location::File,
                format!("`{}` is not one of the record tables", name.escape_debug()),
            )
            .with_help(format!("{hint}a records folder holds only {}; move other files elsewhere", known.join(", ")))
        })
        .collect()
}

/// Everything the folder holds, in output order.
fn read_folder(dir: &Path, contract: Option<&str>) -> Vec<Result<Record, Diagnostic>> {
    let unknown = unknown_files(dir);
    if !unknown.is_empty() {
        return unknown.into_iter().map(Err).collect();
    }
    // Header problems make a table unreadable; report them all, then stop.
    let mut header_errors = Vec::new();
    let mut load = |spec: &TableSpec| match Table::load(dir.join(spec.file), spec) {
        Ok(table) => Some(table),
        Err(errors) => {
            header_errors.extend(errors);
            None
        }
    };
    let participants = load(&PARTICIPANTS);
    let children: Vec<(Table, &ChildTable)> = CHILD_TABLES
        .iter()
        .filter(|child| dir.join(child.spec.file).exists())
        .filter_map(|child| load(&child.spec).map(|table| (table, child)))
        .collect();
    let Some(participants) = participants.filter(|_| header_errors.is_empty()) else {
        return header_errors.into_iter().map(Err).collect();
    };

    let mut join = Join::new(&participants, contract);
    for (table, child) in &children {
        join.add_table(table, child.read);
    }
    join.finish()
}

/// The first physical line longer than [`MAX_LINE_BYTES`], as an error.
/// A row holds at least its line, so the row is refused anyway; refusing
/// the file before parsing keeps the csv crate from copying a line of
/// hundreds of megabytes into a record and then into cells (a 300 MB line
/// took 1.1 GB).
fn overlong_line(path: &Path, body: &[u8]) -> Option<Diagnostic> {
    let (index, _) = body
        .split(|&b| b == b'\n')
        .enumerate()
        .find(|(_, l)| l.strip_suffix(b"\r").unwrap_or(l).len() > MAX_LINE_BYTES)?;
    let line = index as u64 + 1;
    let message = format!("line {line} is longer than {MAX_LINE_BYTES} bytes (1 MiB); the file was not read further");
    Some(Diagnostic::error(path, Location::Line { line, column: None }, message).with_help(
        "a row holds one participant's values, far shorter than this; check for a missing closing quote or a file \
         that is not CSV",
    ))
}

/// One CSV file split into rows of text cells.
struct Table {
    path: Arc<PathBuf>,
    dialect: Dialect,
    /// Column name → index.
    columns: HashMap<String, usize>,
    /// Header names in file order.
    header: Vec<String>,
    /// Non-blank data rows in file order.
    rows: Vec<Row>,
}

struct Row {
    /// Physical line the row starts on.
    line: u64,
    /// Cells; lossily decoded when the row is broken (only its id is used).
    cells: RowCells,
    /// Why the row cannot be read (not UTF-8, wrong number of fields).
    broken: Option<Box<Diagnostic>>,
}

/// A row's cells in one string: a folder of a million participants has
/// tens of millions of cells, held until they are joined, and a string
/// each would cost several times the file's size.
#[derive(Default)]
struct RowCells {
    text: String,
    /// Where each cell ends in `text`.
    ends: Vec<usize>,
}

impl RowCells {
    fn push(&mut self, cell: &str) {
        self.text.push_str(cell);
        self.ends.push(self.text.len());
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..end)
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

impl Table {
    /// Reads and splits the file and checks its header against `spec`.
    fn load(path: PathBuf, spec: &TableSpec) -> Result<Table, Vec<Diagnostic>> {
        let bytes = std::fs::read(&path)
            .map_err(|e| vec![Diagnostic::error(&path, Location::File, format!("cannot read {}: {e}", spec.file))])?;
        let bom = if bytes.starts_with(UTF8_BOM) { UTF8_BOM.len() } else { 0 };
        let body = &bytes[bom..];
        if let Some(d) = overlong_line(&path, body) {
            return Err(vec![d]);
        }
        let header_line = body.split(|&b| b == b'\n').next().unwrap_or_default();
        let (dialect, separator) =
            if header_line.contains(&b';') { (Dialect::Finnish, b';') } else { (Dialect::Standard, b',') };
        let mut reader = ReaderBuilder::new().has_headers(false).flexible(true).delimiter(separator).from_reader(body);

        let mut table =
            Table { path: Arc::new(path), dialect, columns: HashMap::new(), header: Vec::new(), rows: Vec::new() };
        let mut record = ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    let location = Location::Line { line, column: None };
                    return Err(vec![Diagnostic::error(&*table.path, location, format!("cannot read the CSV: {e}"))]);
                }
            }
            let (mut line, mut start) = record.position().map_or((0, 0), |p| (p.line(), p.byte() as usize));
            // The csv crate skips blank lines as part of the next record, so
            // its position can be a blank line before the record.
            while let Some(&b) = body.get(start).filter(|b| matches!(b, b'\r' | b'\n')) {
                line += u64::from(b == b'\n');
                start += 1;
            }
            let row = table.split_row(&record, body, bom, line, start);
            if table.header.is_empty() && table.rows.is_empty() {
                table.set_header(row, spec)?;
            } else if row.cells.iter().any(|c| !c.trim().is_empty()) {
                table.rows.push(row);
            }
        }
        if table.header.is_empty() {
            let d = Diagnostic::error(&*table.path, Location::File, format!("{} is empty", spec.file)).with_help(
                format!("the first line must name the columns: {}", spec.known().collect::<Vec<_>>().join(",")),
            );
            return Err(vec![d]);
        }
        Ok(table)
    }

    /// Decodes one record; a cell that is not UTF-8 breaks the row.
    fn split_row(&self, record: &ByteRecord, body: &[u8], bom: usize, line: u64, start: usize) -> Row {
        let mut broken = None;
        let mut cells =
            RowCells { text: String::with_capacity(record.as_slice().len()), ends: Vec::with_capacity(record.len()) };
        for (i, cell) in record.iter().enumerate() {
            match std::str::from_utf8(cell) {
                Ok(text) => cells.push(text),
                Err(_) => {
                    let column = self.header.get(i).cloned();
                    broken = broken.or_else(|| Some(self.bad_utf8(body, bom, line, start, column)));
                    cells.push(&String::from_utf8_lossy(cell));
                }
            }
        }
        let length = record.as_slice().len();
        if broken.is_none() && length > MAX_LINE_BYTES {
            let message = format!("the row on line {line} is longer than {MAX_LINE_BYTES} bytes (1 MiB)");
            let d = Diagnostic::error(&*self.path, Location::Line { line, column: None }, message).with_help(
                "a row holds one participant's values, far shorter than this; check for a missing closing quote",
            );
            broken = Some(d);
        }
        if broken.is_none() && !self.header.is_empty() && cells.len() != self.header.len() {
            let separator = if self.dialect == Dialect::Finnish { ';' } else { ',' };
            let message = format!("line {line} has {} fields but the header has {}", cells.len(), self.header.len());
            let d = Diagnostic::error(&*self.path, Location::Line { line, column: None }, message).with_help(format!(
                "put values that contain the separator `{separator}` or a line break in double quotes"
            ));
            broken = Some(d);
        }
        Row { line, cells, broken: broken.map(Box::new) }
    }

    /// The first byte that is not UTF-8 at or after the record's start,
    /// located by physical line and byte offset.
    fn bad_utf8(&self, body: &[u8], bom: usize, record_line: u64, start: usize, column: Option<String>) -> Diagnostic {
        let valid = std::str::from_utf8(&body[start..]).err().map_or(0, |e| e.valid_up_to());
        let at = start + valid;
        let before = &body[start..at];
        let line = record_line + before.iter().filter(|&&b| b == b'\n').count() as u64;
        let line_start = body[..at].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let message = format!(
            "line {line} is not valid UTF-8: byte 0x{:02X} at byte offset {} of the file (byte {} of the line)",
            body.get(at).copied().unwrap_or_default(),
            bom + at,
            at - line_start + 1 + if line_start == 0 { bom } else { 0 },
        );
        Diagnostic::error(&*self.path, Location::Line { line, column: column.map(Column::Named) }, message).with_help(
            "re-save the file as UTF-8 (bytes like 0xE4 for ä usually mean Latin-1 or Windows-1252); \
             the other lines are still checked",
        )
    }

    /// Takes the first row as the header and checks it against `spec`.
    fn set_header(&mut self, row: Row, spec: &TableSpec) -> Result<(), Vec<Diagnostic>> {
        if let Some(d) = row.broken {
            return Err(vec![*d]);
        }
        let known: Vec<&str> = spec.known().collect();
        let at = |column: &str| Location::Line { line: row.line, column: Some(Column::Named(column.to_owned())) };
        let mut errors = Vec::new();
        for (i, name) in row.cells.iter().map(|c| c.trim()).enumerate() {
            if let Err(problem) = check::safe_name(spec.file, name) {
                // The name is not shown: the column is given by its number.
                let location = Location::Line { line: row.line, column: None };
                let d = Diagnostic::error(
                    &*self.path,
                    location,
                    format!("column {} of the header: {}", i + 1, problem.message),
                );
                errors.push(match problem.help {
                    Some(help) => d.with_help(help),
                    None => d,
                });
            } else if name.is_empty() {
                let d = Diagnostic::error(
                    &*self.path,
                    Location::Line { line: row.line, column: None },
                    format!("column {} of the header of {} has no name", i + 1, spec.file),
                );
                errors.push(d.with_help("name every column, or remove the empty column (often a trailing separator)"));
            } else if self.columns.insert(name.to_owned(), i).is_some() {
                errors.push(Diagnostic::error(
                    &*self.path,
                    at(name),
                    format!("column `{name}` appears twice in {}", spec.file),
                ));
            } else if !known.contains(&name) && spec.file != PARTICIPANTS.file {
                let d = Diagnostic::error(&*self.path, at(name), format!("unknown column `{name}` in {}", spec.file));
                errors.push(d.with_help(format!(
                    "known columns: {}; further data belongs in participants.csv, whose extra columns become attributes",
                    known.join(", ")
                )));
            }
        }
        for missing in spec.required.iter().filter(|c| !self.columns.contains_key(**c)) {
            let d = Diagnostic::error(&*self.path, at(missing), format!("{} has no column `{missing}`", spec.file));
            errors.push(d.with_help(format!("required columns: {}", spec.required.join(", "))));
        }
        self.header = row.cells.iter().map(|c| c.trim().to_owned()).collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn has_column(&self, column: &str) -> bool {
        self.columns.contains_key(column)
    }
}

/// A problem with one named cell.
struct CellProblem {
    column: String,
    problem: Problem,
}

/// The cells of one row, by column name.
struct Cells<'a> {
    table: &'a Table,
    row: &'a Row,
}

impl<'a> Cells<'a> {
    /// The trimmed cell; an empty cell is a missing value.
    fn get(&self, column: &str) -> Option<&'a str> {
        let i = *self.table.columns.get(column)?;
        self.row.cells.get(i).map(|c| c.trim()).filter(|c| !c.is_empty())
    }

    fn opt<T>(
        &self,
        column: &str,
        parse: impl FnOnce(&'a str, &str, Dialect) -> Result<T, Problem>,
    ) -> Result<Option<T>, CellProblem> {
        self.get(column)
            .map(|text| parse(text, column, self.table.dialect))
            .transpose()
            .map_err(|problem| CellProblem { column: column.to_owned(), problem })
    }

    fn req<T>(
        &self,
        column: &str,
        parse: impl FnOnce(&'a str, &str, Dialect) -> Result<T, Problem>,
    ) -> Result<T, CellProblem> {
        self.opt(column, parse)?.ok_or_else(|| CellProblem {
            column: column.to_owned(),
            problem: Problem::new(format!("`{column}` is empty; a value is required")),
        })
    }

    fn place<'b>(&'b self, id: Option<&'b str>) -> Place<'b> {
        Place { file: &self.table.path, line: self.row.line, id }
    }

    fn diagnostic(&self, id: Option<&str>, e: CellProblem) -> Diagnostic {
        self.place(id).diagnostic(Some(Column::Named(e.column)), e.problem)
    }

    /// The row's normalised `id` and, when the table has the column, its
    /// `arm`.
    fn key(&self) -> Result<(String, Option<Arm>), CellProblem> {
        let id = self.id()?;
        let arm = self.table.has_column("arm").then(|| self.opt("arm", arm)).transpose()?;
        Ok((id, arm.map(Option::unwrap_or_default)))
    }

    /// The row's participant id, normalised.
    fn id(&self) -> Result<String, CellProblem> {
        let raw = self.req("id", text)?;
        check::participant_id("id", raw)
            .map(String::from)
            .map_err(|problem| CellProblem { column: "id".into(), problem })
    }

    /// Every cell of the row checked with [`check::safe_text`], so that no
    /// column (attributes included) can carry an identity code or a
    /// character that forges output.
    fn safe(&self) -> Result<(), CellProblem> {
        for (name, cell) in self.table.header.iter().zip(self.row.cells.iter()) {
            let checked = if self.is_free_text(name) {
                check::safe_free_text(name, cell.trim())
            } else {
                check::safe_text(name, cell.trim())
            };
            checked.map_err(|problem| CellProblem { column: name.clone(), problem })?;
        }
        Ok(())
    }

    /// Whether `column` holds free text: an attribute (an extra column of
    /// participants.csv) or an event's `value`.
    fn is_free_text(&self, column: &str) -> bool {
        let file = self.table.path.file_name().and_then(|f| f.to_str()).unwrap_or_default();
        match file {
            "participants.csv" => !PARTICIPANTS.known().any(|known| known == column),
            "events.csv" => column == "value",
            _ => false,
        }
    }
}

fn text<'a>(cell: &'a str, _: &str, _: Dialect) -> Result<&'a str, Problem> {
    Ok(cell)
}

fn arm(cell: &str, column: &str, _: Dialect) -> Result<Arm, Problem> {
    check::arm(column, cell)
}

fn date(cell: &str, column: &str, dialect: Dialect) -> Result<NaiveDate, Problem> {
    value::parse_date(cell, dialect)
        .ok_or_else(|| Problem::expected(column, value::date_expected(dialect), quote(cell)))
}

fn month(cell: &str, column: &str, dialect: Dialect) -> Result<NaiveDate, Problem> {
    value::parse_month(cell, dialect)
        .ok_or_else(|| Problem::expected(column, value::month_expected(dialect), quote(cell)))
}

fn decimal(cell: &str, column: &str, dialect: Dialect) -> Result<Decimal, Problem> {
    value::parse_decimal_exact(cell, dialect)
        .map_err(|e| check::decimal_problem(column, value::decimal_expected(dialect), quote(cell), e))
}

fn boolean(cell: &str, column: &str, _: Dialect) -> Result<bool, Problem> {
    value::parse_bool(cell).ok_or_else(|| Problem::expected(column, value::BOOL_EXPECTED, quote(cell)))
}

fn satisfaction(cell: &str, column: &str, _: Dialect) -> Result<u8, Problem> {
    let number = cell.bytes().all(|b| b.is_ascii_digit()).then(|| cell.parse::<i64>().ok()).flatten();
    match number {
        Some(n) => check::satisfaction(column, n),
        None => Err(Problem::expected(column, check::SATISFACTION_EXPECTED, quote(cell))),
    }
}

/// One participants.csv row: its join key (when id and arm are readable
/// and the row is not a duplicate) and the record without child rows.
fn read_participant(
    cells: &Cells<'_>,
    duplicates: &mut Duplicates,
) -> (Option<(String, Arm)>, Result<Record, Diagnostic>) {
    let id = match cells.id() {
        Ok(id) => id,
        Err(e) => return (None, Err(cells.diagnostic(None, e))),
    };
    if let Some(d) = &cells.row.broken {
        // Keep the key so the participant's child rows are not called orphans.
        let arm = cells.opt("arm", arm).ok().flatten().unwrap_or_default();
        return (Some((id, arm)), Err((**d).clone()));
    }
    if let Err(e) = cells.safe() {
        // Keep the key so the participant's child rows are not called orphans.
        let arm = cells.opt("arm", arm).ok().flatten().unwrap_or_default();
        let d = cells.diagnostic(Some(&id), e);
        return (Some((id, arm)), Err(d));
    }
    let read_contract = |c: &str, column: &str, _: Dialect| check::contract_id(column, c).map(String::from);
    let key = cells.opt("arm", arm).and_then(|a| Ok((a.unwrap_or_default(), cells.opt("contract", read_contract)?)));
    let (arm, contract) = match key {
        Ok(v) => v,
        Err(e) => return (None, Err(cells.diagnostic(Some(&id), e))),
    };
    if let Err(p) = duplicates.check(&id, arm, contract.as_deref(), cells.row.line) {
        return (None, Err(cells.place(Some(&id)).diagnostic(Some(Column::Named("id".into())), p)));
    }
    let record = participant_record(cells, &id, arm, contract).map_err(|e| cells.diagnostic(Some(&id), e));
    (Some((id, arm)), record)
}

fn participant_record(cells: &Cells<'_>, id: &str, arm: Arm, contract: Option<String>) -> Result<Record, CellProblem> {
    let mut groups = Vec::new();
    for tag in cells.get("groups").into_iter().flat_map(|g| g.split('|')) {
        check::push_group(&mut groups, "groups", tag.trim())
            .map_err(|problem| CellProblem { column: "groups".into(), problem })?;
    }
    let start = cells.req("service_start", date)?;
    let end = cells.opt("service_end", date)?;
    check::end_not_before_start("service", start, end)
        .map_err(|problem| CellProblem { column: "service_end".into(), problem })?;
    let weight = cells.opt("weight", |c, col, d| check::weight(col, decimal(c, col, d)?))?;
    let known: Vec<&str> = PARTICIPANTS.known().collect();
    let attributes: BTreeMap<Text, AttributeValue> = cells
        .table
        .header
        .iter()
        .filter(|name| !known.contains(&name.as_str()))
        .filter_map(|name| {
            Some((name.as_str().into(), AttributeValue::Text(cells.get(name)?.into(), cells.table.dialect)))
        })
        .collect();
    Ok(Record {
        id: id.into(),
        contract: contract.map(Text::from),
        arm,
        weight: weight.unwrap_or(Decimal::ONE),
        municipality: cells.opt("municipality", text)?.map(Text::from),
        birth_date: cells.opt("birth_date", date)?,
        groups,
        service: Service { start, end, completed: cells.opt("completed", boolean)? },
        spells: Vec::new(),
        earnings: Vec::new(),
        events: Vec::new(),
        measures: Vec::new(),
        feedback: Vec::new(),
        attributes,
        origin: Origin { file: Arc::clone(&cells.table.path), line: cells.row.line },
    })
}

/// A read child row, before it is joined to its participant.
enum Child {
    Spell(Spell),
    Earning(Earning),
    Event(Event),
    /// One dimension of a long-format measurement.
    Score {
        instrument: Text,
        date: NaiveDate,
        dimension: Text,
        score: Decimal,
    },
    Feedback(Feedback),
}

fn read_spell(cells: &Cells<'_>) -> Result<Child, CellProblem> {
    // Only a given sector can make kind and sector disagree.
    let (kind, sector) = check::spell_kind("kind", cells.req("kind", text)?, "sector", cells.get("sector"))
        .map_err(|problem| CellProblem { column: "sector".into(), problem })?;
    let start = cells.req("start", date)?;
    let end = cells.opt("end", date)?;
    check::end_not_before_start("spell", start, end)
        .map_err(|problem| CellProblem { column: "end".into(), problem })?;
    Ok(Child::Spell(Spell {
        kind,
        sector,
        start,
        end,
        hours_per_week: cells.opt("hours_per_week", decimal)?,
        source: cells.opt("source", text)?.map(Text::from),
    }))
}

fn read_earning(cells: &Cells<'_>) -> Result<Child, CellProblem> {
    Ok(Child::Earning(Earning { month: cells.req("month", month)?, amount: cells.req("amount", decimal)? }))
}

fn read_event(cells: &Cells<'_>) -> Result<Child, CellProblem> {
    Ok(Child::Event(Event {
        kind: cells.req("kind", text)?.into(),
        date: cells.req("date", date)?,
        value: cells.opt("value", text)?.map(Text::from),
        source: cells.opt("source", text)?.map(Text::from),
    }))
}

fn read_measure_row(cells: &Cells<'_>) -> Result<Child, CellProblem> {
    Ok(Child::Score {
        instrument: cells.req("instrument", text)?.into(),
        date: cells.req("date", date)?,
        dimension: cells.req("dimension", text)?.into(),
        score: cells.req("score", decimal)?,
    })
}

fn read_feedback(cells: &Cells<'_>) -> Result<Child, CellProblem> {
    Ok(Child::Feedback(Feedback {
        date: cells.req("date", date)?,
        satisfaction: cells.req("satisfaction", satisfaction)?,
    }))
}

/// A participant being assembled from its rows in all tables.
struct Slot {
    record: Result<Record, Diagnostic>,
    /// Problems in the participant's child rows: they make it unusable.
    errors: Vec<Diagnostic>,
    /// (instrument, date) → index into `measures`, and the line of each
    /// dimension given so far.
    measures: HashMap<(Text, NaiveDate), (usize, HashMap<Text, u64>)>,
}

/// Joins child rows to participants by (`id`, `arm`), or by `id` alone
/// when a child table has no `arm` column.
struct Join {
    slots: Vec<Slot>,
    by_key: HashMap<(String, Arm), Vec<usize>>,
    by_id: HashMap<String, Vec<usize>>,
    /// Problems that belong to no participant, in file order.
    unattached: Vec<Diagnostic>,
}

impl Join {
    fn new(participants: &Table, contract: Option<&str>) -> Join {
        let mut duplicates = Duplicates::new(contract);
        let mut join =
            Join { slots: Vec::new(), by_key: HashMap::new(), by_id: HashMap::new(), unattached: Vec::new() };
        for row in &participants.rows {
            let (key, record) = read_participant(&Cells { table: participants, row }, &mut duplicates);
            let index = join.slots.len();
            if let Some((id, arm)) = key {
                join.by_id.entry(id.clone()).or_default().push(index);
                join.by_key.entry((id, arm)).or_default().push(index);
            }
            join.slots.push(Slot { record, errors: Vec::new(), measures: HashMap::new() });
        }
        join
    }

    fn add_table(&mut self, table: &Table, read: fn(&Cells<'_>) -> Result<Child, CellProblem>) {
        // Each ambiguous id is reported once per table, not once per row.
        let mut reported = HashSet::new();
        for row in &table.rows {
            let cells = Cells { table, row };
            let (id, arm) = match cells.key() {
                Ok(key) => key,
                Err(e) => {
                    let d = row.broken.as_deref().cloned().unwrap_or_else(|| cells.diagnostic(None, e));
                    self.unattached.push(d);
                    continue;
                }
            };
            let id = id.as_str();
            let index = match self.find(table, &cells, id, arm) {
                Ok(index) => index,
                Err((ambiguous, d)) => {
                    if let Some(broken) = &row.broken {
                        self.unattached.push((**broken).clone());
                    } else if !ambiguous || reported.insert((id.to_owned(), arm)) {
                        self.unattached.push(d);
                    }
                    continue;
                }
            };
            let child = match &row.broken {
                Some(d) => Err((**d).clone()),
                None => cells.safe().and_then(|()| read(&cells)).map_err(|e| cells.diagnostic(Some(id), e)),
            };
            match child {
                Ok(child) => self.attach(index, child, &cells, id),
                Err(d) => self.slots[index].errors.push(d),
            }
        }
    }

    /// The one participant a child row belongs to; else whether the row
    /// is ambiguous (rather than an orphan) and the problem.
    fn find(&self, table: &Table, cells: &Cells<'_>, id: &str, arm: Option<Arm>) -> Result<usize, (bool, Diagnostic)> {
        let matches = match arm {
            Some(arm) => self.by_key.get(&(id.to_owned(), arm)),
            None => self.by_id.get(id),
        };
        let at_id = Some(Column::Named("id".into()));
        let arm_text = arm.map_or_else(String::new, |a| format!(" with arm {}", a.as_str()));
        match matches.map(Vec::as_slice) {
            Some([index]) => Ok(*index),
            None | Some([]) => Err((false, cells.place(Some(id)).diagnostic(
                at_id,
                Problem::new(format!("no participant with this id{arm_text} in participants.csv"))
                    .help("every row of a child table must belong to a participant; add the participant or remove the row"),
            ))),
            Some(several) => {
                let lines: Vec<String> = several.iter().map(|&i| self.line_of(i).to_string()).collect();
                let help = if table.has_column("arm") {
                    "the same id and arm appear with different contracts; child tables cannot tell them apart"
                } else {
                    "without an `arm` column, ids must be unique across arms; add an `arm` column to this table"
                };
                let problem = Problem::new(format!(
                    "the id{arm_text} matches several participants (participants.csv lines {})",
                    lines.join(", ")
                ))
                .help(help);
                Err((true, cells.place(Some(id)).diagnostic(at_id, problem)))
            }
        }
    }

    fn line_of(&self, index: usize) -> u64 {
        match &self.slots[index].record {
            Ok(r) => r.origin.line,
            Err(d) => match d.location {
                Location::Line { line, .. } => line,
                _ => 0,
            },
        }
    }

    fn attach(&mut self, index: usize, child: Child, cells: &Cells<'_>, id: &str) {
        let slot = &mut self.slots[index];
        let Ok(record) = &mut slot.record else {
            return; // The participant itself is refused; its rows add nothing.
        };
        match child {
            Child::Spell(s) => record.spells.push(s),
            Child::Earning(e) => record.earnings.push(e),
            Child::Event(e) => record.events.push(e),
            Child::Feedback(f) => record.feedback.push(f),
            Child::Score { instrument, date, dimension, score } => {
                let (at, lines) = slot.measures.entry((instrument.clone(), date)).or_insert_with(|| {
                    record.measures.push(Measure { instrument: instrument.clone(), date, scores: BTreeMap::new() });
                    (record.measures.len() - 1, HashMap::new())
                });
                if let Some(first) = lines.get(&dimension) {
                    let problem = Problem::new(format!(
                        "dimension {} of the {} measurement on {date} is given again on line {} (first on line {first})",
                        quote(&dimension),
                        quote(&instrument),
                        cells.row.line
                    ))
                    .help("one row per dimension and measurement");
                    slot.errors
                        .push(cells.place(Some(id)).diagnostic(Some(Column::Named("dimension".into())), problem));
                } else {
                    lines.insert(dimension.clone(), cells.row.line);
                    record.measures[*at].scores.insert(dimension, score);
                }
            }
        }
    }

    /// Records in participants.csv order, each replaced by its problems
    /// when it has any; then the problems of rows that belong to no one.
    fn finish(self) -> Vec<Result<Record, Diagnostic>> {
        let mut out = Vec::with_capacity(self.slots.len());
        for slot in self.slots {
            match slot.record {
                Ok(record) if slot.errors.is_empty() => out.push(Ok(record)),
                Ok(_) => {}
                Err(d) => out.push(Err(d)),
            }
            out.extend(slot.errors.into_iter().map(Err));
        }
        out.extend(self.unattached.into_iter().map(Err));
        out
    }
}
