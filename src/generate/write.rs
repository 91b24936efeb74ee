//! Writing generated records: JSON Lines, or a folder of CSV tables in the
//! standard or the Finnish dialect. Each record is written as soon as it
//! is drawn, through buffered files.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

use super::person::{Attribute, Person, Sector};
use super::{GenerateError, Vocabulary};

/// The output formats of `tulos generate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    JsonLines,
    /// A folder of CSV tables: `,`, `.` decimals, ISO dates.
    Csv,
    /// A folder of CSV tables as a Finnish spreadsheet exports them: `;`,
    /// decimal comma, `D.M.YYYY` dates.
    CsvFi,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "jsonl" => Ok(Format::JsonLines),
            "csv" => Ok(Format::Csv),
            "csv-fi" => Ok(Format::CsvFi),
            _ => Err(format!("expected jsonl, csv or csv-fi, found \"{s}\"")),
        }
    }
}

pub(super) enum Sink {
    JsonLines { out: BufWriter<File>, path: PathBuf, line: String },
    Csv(Box<CsvTables>),
}

impl Sink {
    pub(super) fn create(format: Format, out: &Path, v: &Vocabulary) -> Result<Sink, GenerateError> {
        match format {
            Format::JsonLines => {
                let file = File::create(out).map_err(|e| failed(out, e))?;
                let out_file = BufWriter::with_capacity(1 << 16, file);
                Ok(Sink::JsonLines { out: out_file, path: out.to_path_buf(), line: String::new() })
            }
            Format::Csv | Format::CsvFi => Ok(Sink::Csv(Box::new(CsvTables::create(out, format == Format::CsvFi, v)?))),
        }
    }

    pub(super) fn write(&mut self, p: &Person, v: &Vocabulary) -> Result<(), GenerateError> {
        match self {
            Sink::JsonLines { out, path, line } => {
                line.clear();
                json_line(line, p, v);
                out.write_all(line.as_bytes()).map_err(|e| failed(path, e))
            }
            Sink::Csv(tables) => tables.write(p, v),
        }
    }

    pub(super) fn finish(self) -> Result<(), GenerateError> {
        match self {
            Sink::JsonLines { mut out, path, .. } => out.flush().map_err(|e| failed(&path, e)),
            Sink::Csv(tables) => tables.finish(),
        }
    }
}

fn failed(path: &Path, source: std::io::Error) -> GenerateError {
    GenerateError::Write { path: path.to_path_buf(), source }
}

/// A JSON string; vocabulary names come from a contract and may need
/// escapes.
fn json_str(out: &mut String, s: &str) {
    // serde_json's escaping cannot fail on a `String`.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

fn iso(out: &mut String, d: NaiveDate) {
    let _ = write!(out, "\"{:04}-{:02}-{:02}\"", d.year(), d.month(), d.day());
}

fn cents(out: &mut String, c: i64, separator: char) {
    let _ = write!(out, "{}{separator}{:02}", c / 100, c % 100);
}

fn json_line(o: &mut String, p: &Person, v: &Vocabulary) {
    let _ = write!(o, "{{\"id\":\"{}\",\"contract\":", p.id());
    json_str(o, &v.contract);
    let _ = write!(o, ",\"arm\":\"{}\",\"municipality\":\"{}\",\"birth_date\":", p.arm.as_str(), p.municipality);
    iso(o, p.birth);
    o.push_str(",\"groups\":[");
    for (i, g) in p.groups.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        json_str(o, &v.groups[*g]);
    }
    o.push_str("],\"service\":{\"start\":");
    iso(o, p.start);
    if let Some(end) = p.end {
        o.push_str(",\"end\":");
        iso(o, end);
    }
    if let Some(c) = p.completed {
        let _ = write!(o, ",\"completed\":{c}");
    }
    o.push_str("},\"spells\":[");
    for (i, s) in p.spells.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        let _ = write!(o, "{{\"kind\":\"{}\"", s.kind);
        if let Some(sector) = s.sector {
            let _ = write!(o, ",\"sector\":\"{}\"", sector_name(sector));
        }
        o.push_str(",\"start\":");
        iso(o, s.start);
        o.push_str(",\"end\":");
        match s.end {
            Some(end) => iso(o, end),
            None => o.push_str("null"),
        }
        if let Some(h) = s.hours {
            let _ = write!(o, ",\"hours_per_week\":\"{h}\"");
        }
        let _ = write!(o, ",\"source\":\"{}\"}}", s.source);
    }
    o.push_str("],\"earnings\":[");
    for (i, (month, amount)) in p.earnings.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        let _ = write!(o, "{{\"month\":\"{:04}-{:02}\",\"amount\":\"", month.year(), month.month());
        cents(o, *amount, '.');
        o.push_str("\"}");
    }
    o.push(']');
    if !p.events.is_empty() {
        o.push_str(",\"events\":[");
        for (i, (kind, date, value)) in p.events.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str("{\"kind\":");
            json_str(o, &v.event_kinds[*kind]);
            o.push_str(",\"date\":");
            iso(o, *date);
            if let Some(value) = value {
                let _ = write!(o, ",\"value\":\"{value}\"");
            }
            o.push_str(",\"source\":\"provider\"}");
        }
        o.push(']');
    }
    if !p.measures.is_empty() {
        o.push_str(",\"measures\":[");
        for (i, (instrument, date, scores)) in p.measures.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            o.push_str("{\"instrument\":");
            json_str(o, &v.instruments[*instrument]);
            o.push_str(",\"date\":");
            iso(o, *date);
            o.push_str(",\"scores\":{");
            for (j, (dimension, score)) in v.dimensions.iter().zip(scores).enumerate() {
                if j > 0 {
                    o.push(',');
                }
                json_str(o, dimension);
                let _ = write!(o, ":{score}");
            }
            o.push_str("}}");
        }
        o.push(']');
    }
    if let Some((date, satisfaction)) = p.feedback {
        o.push_str(",\"feedback\":[{\"date\":");
        iso(o, date);
        let _ = write!(o, ",\"satisfaction\":{satisfaction}}}]");
    }
    o.push_str(",\"attributes\":{");
    let mut first = true;
    if !declares_language(v) {
        let _ = write!(o, "\"language\":\"{}\"", p.language);
        first = false;
    }
    for ((name, _), value) in v.attributes.iter().zip(&p.attributes) {
        if !std::mem::take(&mut first) {
            o.push(',');
        }
        json_str(o, name);
        o.push(':');
        match value {
            Attribute::Text(t) => json_str(o, t),
            Attribute::Number(n) => {
                let _ = write!(o, "{n}");
            }
            Attribute::Date(d) => iso(o, *d),
            Attribute::Bool(b) => {
                let _ = write!(o, "{b}");
            }
        }
    }
    o.push_str("}}\n");
}

fn sector_name(sector: Sector) -> &'static str {
    match sector {
        Sector::Open => "open",
        Sector::Subsidised => "subsidised",
    }
}

/// The generic `language` attribute is left out when the contract
/// declares an attribute of that name itself.
fn declares_language(v: &Vocabulary) -> bool {
    v.attributes.iter().any(|(name, _)| name == "language")
}

fn header(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// The header of `participants.csv`, which names the attributes.
fn participants_header(v: &Vocabulary) -> Vec<String> {
    let mut names = header(&[
        "id",
        "contract",
        "arm",
        "municipality",
        "birth_date",
        "groups",
        "service_start",
        "service_end",
        "completed",
    ]);
    if !declares_language(v) {
        names.push("language".to_owned());
    }
    names.extend(v.attributes.iter().map(|(name, _)| name.clone()));
    names
}

/// The six tables of the CSV form, written side by side.
pub(super) struct CsvTables {
    folder: PathBuf,
    finnish: bool,
    participants: csv::Writer<File>,
    spells: csv::Writer<File>,
    earnings: csv::Writer<File>,
    events: csv::Writer<File>,
    measures: csv::Writer<File>,
    feedback: csv::Writer<File>,
}

impl CsvTables {
    fn create(folder: &Path, finnish: bool, v: &Vocabulary) -> Result<Self, GenerateError> {
        std::fs::create_dir_all(folder).map_err(|e| failed(folder, e))?;
        let open = |name: &str, header: &[String]| -> Result<csv::Writer<File>, GenerateError> {
            let path = folder.join(name);
            let file = File::create(&path).map_err(|e| failed(&path, e))?;
            let mut w = csv::WriterBuilder::new()
                .delimiter(if finnish { b';' } else { b',' })
                .buffer_capacity(1 << 16)
                .from_writer(file);
            w.write_record(header).map_err(|e| failed(&path, e.into()))?;
            Ok(w)
        };
        Ok(CsvTables {
            folder: folder.to_path_buf(),
            finnish,
            participants: open("participants.csv", &participants_header(v))?,
            spells: open(
                "spells.csv",
                &header(&["id", "arm", "kind", "sector", "start", "end", "hours_per_week", "source"]),
            )?,
            earnings: open("earnings.csv", &header(&["id", "arm", "month", "amount"]))?,
            events: open("events.csv", &header(&["id", "arm", "kind", "date", "value", "source"]))?,
            measures: open("measures.csv", &header(&["id", "arm", "instrument", "date", "dimension", "score"]))?,
            feedback: open("feedback.csv", &header(&["id", "arm", "date", "satisfaction"]))?,
        })
    }

    fn date(&self, d: NaiveDate) -> String {
        if self.finnish {
            format!("{}.{}.{}", d.day(), d.month(), d.year())
        } else {
            d.format("%Y-%m-%d").to_string()
        }
    }

    fn decimal(&self, text: &str) -> String {
        if self.finnish {
            text.replace('.', ",")
        } else {
            text.to_owned()
        }
    }

    fn write(&mut self, p: &Person, v: &Vocabulary) -> Result<(), GenerateError> {
        let (id, arm) = (p.id(), p.arm.as_str());
        let groups: Vec<&str> = p.groups.iter().map(|g| v.groups[*g].as_str()).collect();
        let mut row = vec![
            id.clone(),
            v.contract.clone(),
            arm.to_owned(),
            p.municipality.to_owned(),
            self.date(p.birth),
            groups.join("|"),
            self.date(p.start),
            p.end.map(|d| self.date(d)).unwrap_or_default(),
            p.completed.map(|c| self.boolean(c).to_owned()).unwrap_or_default(),
        ];
        if !declares_language(v) {
            row.push(p.language.to_owned());
        }
        for value in &p.attributes {
            row.push(match value {
                Attribute::Text(t) => (*t).to_owned(),
                Attribute::Number(n) => n.to_string(),
                Attribute::Date(d) => self.date(*d),
                Attribute::Bool(b) => self.boolean(*b).to_owned(),
            });
        }
        self.put(Table::Participants, row)?;
        for s in &p.spells {
            let row = vec![
                id.clone(),
                arm.to_owned(),
                s.kind.to_owned(),
                s.sector.map(sector_name).unwrap_or_default().to_owned(),
                self.date(s.start),
                s.end.map(|d| self.date(d)).unwrap_or_default(),
                s.hours.map(|h| self.decimal(h)).unwrap_or_default(),
                s.source.to_owned(),
            ];
            self.put(Table::Spells, row)?;
        }
        for (month, amount) in &p.earnings {
            let mut text = String::new();
            cents(&mut text, *amount, if self.finnish { ',' } else { '.' });
            let month = format!("{:04}-{:02}", month.year(), month.month());
            self.put(Table::Earnings, vec![id.clone(), arm.to_owned(), month, text])?;
        }
        for (kind, date, value) in &p.events {
            let row = vec![
                id.clone(),
                arm.to_owned(),
                v.event_kinds[*kind].clone(),
                self.date(*date),
                value.unwrap_or_default().to_owned(),
                "provider".to_owned(),
            ];
            self.put(Table::Events, row)?;
        }
        for (instrument, date, scores) in &p.measures {
            for (dimension, score) in v.dimensions.iter().zip(scores) {
                let row = vec![
                    id.clone(),
                    arm.to_owned(),
                    v.instruments[*instrument].clone(),
                    self.date(*date),
                    dimension.clone(),
                    score.to_string(),
                ];
                self.put(Table::Measures, row)?;
            }
        }
        if let Some((date, satisfaction)) = p.feedback {
            let row = vec![id, arm.to_owned(), self.date(date), satisfaction.to_string()];
            self.put(Table::Feedback, row)?;
        }
        Ok(())
    }

    fn boolean(&self, b: bool) -> &'static str {
        match (self.finnish, b) {
            (false, b) if b => "true",
            (false, _) => "false",
            (true, b) if b => "kyllä",
            (true, _) => "ei",
        }
    }

    fn put(&mut self, table: Table, row: Vec<String>) -> Result<(), GenerateError> {
        let (writer, name) = match table {
            Table::Participants => (&mut self.participants, "participants.csv"),
            Table::Spells => (&mut self.spells, "spells.csv"),
            Table::Earnings => (&mut self.earnings, "earnings.csv"),
            Table::Events => (&mut self.events, "events.csv"),
            Table::Measures => (&mut self.measures, "measures.csv"),
            Table::Feedback => (&mut self.feedback, "feedback.csv"),
        };
        writer.write_record(&row).map_err(|e| failed(&self.folder.join(name), e.into()))
    }

    fn finish(self) -> Result<(), GenerateError> {
        let folder = self.folder;
        for (mut writer, name) in [
            (self.participants, "participants.csv"),
            (self.spells, "spells.csv"),
            (self.earnings, "earnings.csv"),
            (self.events, "events.csv"),
            (self.measures, "measures.csv"),
            (self.feedback, "feedback.csv"),
        ] {
            writer.flush().map_err(|e| failed(&folder.join(name), e))?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Table {
    Participants,
    Spells,
    Earnings,
    Events,
    Measures,
    Feedback,
}
