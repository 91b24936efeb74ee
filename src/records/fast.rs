//! The fast path of the JSON Lines reader: a line read straight from its
//! bytes ([`super::scan`]) into borrowed fields, with no
//! `serde_json::Value` and no field names built, for the common case of a
//! line that is entirely right.
//!
//! It accepts only a subset of what the full reader (`jsonl::read_line`)
//! accepts, and gives the same [`Record`] for it: anything unusual — a
//! syntax error, an unknown or repeated field, a wrong type, a string with
//! escapes, a fractional number, a value any check refuses — makes it give
//! up (`None`), and the full reader then reads the line again and words
//! the diagnostics exactly as before. It is pure — the line alone decides —
//! so it can run on any thread: the duplicate check, the one check with
//! state, is left to the caller (`jsonl::Settle`), which runs it in input
//! order on what the fast path took.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::check;
use super::model::{AttributeValue, Dialect, Earning, Event, Feedback, Measure, Origin, Record, Service, Spell, Text};
use super::scan::{Cursor, Seen};
use super::{hetu, value};
use crate::money;
use crate::text::{hides_or_forges, is_layout};

/// The record of `text`, not yet checked for duplicates, or `None` when
/// the full reader must look at it.
pub(super) fn read_line(text: &str, line: u64, file: &Arc<PathBuf>) -> Option<Record> {
    let mut json = Cursor::new(text);
    let raw = raw_record(&mut json)?;
    json.at_end().then_some(())?;
    raw.convert(Origin { file: Arc::clone(file), line })
}

/// `text` trimmed of surrounding white space, as every reader trims it;
/// most values have none, which the first and last byte tell.
fn trim(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// `text` trimmed, when every check accepts it (as the full reader checks
/// it: `jsonl::safe_texts`).
fn clean(text: &str) -> Option<&str> {
    let text = trim(text);
    let safe = match ascii_safety(text, false) {
        Some(safe) => safe,
        None => check::is_safe(text, hides_or_forges),
    };
    safe.then_some(text)
}

/// A free-text value (an attribute, an event's `value`): checked untrimmed,
/// line breaks and tabs allowed.
fn safe_free(text: &str) -> bool {
    match ascii_safety(text, true) {
        Some(safe) => safe,
        None => check::is_safe(text, |c| hides_or_forges(c) && !is_layout(c)),
    }
}

/// A field name (a dimension, an attribute name).
fn safe_name(name: &str) -> bool {
    match ascii_safety(name, false) {
        Some(safe) => safe,
        None => check::is_safe(name, hides_or_forges),
    }
}

/// Whether an ASCII `text` passes the checks, in one pass over its bytes
/// (`None` when it is not ASCII): the only ASCII characters that hide or
/// forge text are the controls (tabs and line breaks allowed in free
/// text), and an identity code needs nine digits.
fn ascii_safety(text: &str, free: bool) -> Option<bool> {
    let (mut digits, mut forbidden) = (0usize, false);
    for &b in text.as_bytes() {
        if !b.is_ascii() {
            return None;
        }
        forbidden |= b.is_ascii_control() && !(free && is_layout(char::from(b)));
        digits += usize::from(b.is_ascii_digit());
    }
    Some(!forbidden && (digits < 9 || !hetu::contains_identity_code(text)))
}

fn nonempty(text: &str) -> Option<&str> {
    clean(text).filter(|t| !t.is_empty())
}

/// A date. The common `YYYY-MM-DD` of ASCII digits needs no [`clean`]:
/// it has no white space, no control character and, at ten characters,
/// no room for an eleven-character identity code.
fn date(text: &str) -> Option<NaiveDate> {
    value::all_digit_iso_date(text).or_else(|| value::parse_date(clean(text)?, Dialect::Standard))
}

/// A decimal. A short one of ten characters at most needs no [`clean`],
/// for the reasons a date needs none.
fn decimal(text: &str) -> Option<Decimal> {
    if text.len() <= 10 {
        if let Some(d) = short_decimal(text) {
            return Some(d);
        }
    }
    let text = clean(text)?;
    short_decimal(text).or_else(|| money::parse_exact(text).ok())
}

/// An unsigned decimal of at most 15 integer digits and 18 digits in all
/// (`1428.35`, the common case), read without a text parser into what
/// [`money::parse_exact`] makes of it: every digit kept, the scale the
/// number of fraction digits, under [`money::MAX_MAGNITUDE`]. `None`
/// leaves anything else to `parse_exact`.
fn short_decimal(text: &str) -> Option<Decimal> {
    let (int, frac) = match text.split_once('.') {
        Some((int, frac)) => (int, frac),
        None => (text, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    // At most 18 digits fit an i64; 15 integer digits stay under the
    // largest magnitude.
    let shaped = (1..=15).contains(&int.len())
        && int.len() + frac.len() <= 18
        && (!frac.is_empty() || int.len() == text.len())
        && digits(int)
        && digits(frac);
    if !shaped {
        return None;
    }
    let mantissa = int.bytes().chain(frac.bytes()).fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
    Some(Decimal::new(mantissa, u32::try_from(frac.len()).ok()?))
}

/// A month `YYYY-MM` of ASCII digits, read without splitting text (the
/// common case); anything else goes to [`value::parse_month`].
fn month(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shaped = b.len() == 7 && b[4] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit());
    if !shaped {
        return value::parse_month(text, Dialect::Standard);
    }
    let number = |range: std::ops::Range<usize>| b[range].iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    NaiveDate::from_ymd_opt(i32::try_from(number(0..4)).ok()?, number(5..7), 1)
}

/// An id (a participant's or a contract's), normalised as
/// `check::participant_id` normalises it; an ASCII id that passed
/// [`clean`] is already normal.
fn normal_id(text: &str, normalise: fn(&str, &str) -> Result<Text, check::Problem>) -> Option<Text> {
    match clean(text)? {
        "" => None,
        id if id.is_ascii() => Some(id.into()),
        id => normalise("", id).ok(),
    }
}

/// A record's fields as written, before conversion; its arrays are
/// converted as they are read.
struct RawRecord<'a> {
    id: &'a str,
    contract: Option<&'a str>,
    arm: Option<&'a str>,
    weight: Option<&'a str>,
    municipality: Option<&'a str>,
    birth_date: Option<&'a str>,
    groups: Vec<Text>,
    service: RawService<'a>,
    spells: Vec<Spell>,
    earnings: Vec<Earning>,
    events: Vec<Event>,
    measures: Vec<Measure>,
    feedback: Vec<Feedback>,
    attributes: BTreeMap<Text, AttributeValue>,
}

struct RawService<'a> {
    start: &'a str,
    end: Option<&'a str>,
    completed: Option<bool>,
}

struct RawSpell<'a> {
    kind: &'a str,
    sector: Option<&'a str>,
    start: &'a str,
    end: Option<&'a str>,
    hours_per_week: Option<&'a str>,
    source: Option<&'a str>,
}

struct RawEarning<'a> {
    month: &'a str,
    amount: &'a str,
}

struct RawEvent<'a> {
    kind: &'a str,
    date: &'a str,
    value: Option<&'a str>,
    source: Option<&'a str>,
}

struct RawMeasure<'a> {
    instrument: &'a str,
    date: &'a str,
    scores: BTreeMap<Text, Decimal>,
}

struct RawFeedback<'a> {
    date: &'a str,
    satisfaction: i64,
}

impl RawRecord<'_> {
    fn convert(self, origin: Origin) -> Option<Record> {
        let id = normal_id(self.id, check::participant_id)?;
        let contract = optional(self.contract, |c| normal_id(c, check::contract_id))?;
        let arm = match self.arm {
            Some(a) => check::arm("", clean(a)?).ok()?,
            None => Default::default(),
        };
        let weight = match self.weight {
            Some(w) => check::weight("", decimal(w)?).ok()?,
            None => Decimal::ONE,
        };
        Some(Record {
            id,
            contract,
            arm,
            weight,
            municipality: optional(self.municipality, |m| nonempty(m).map(Text::from))?,
            birth_date: optional(self.birth_date, date)?,
            groups: self.groups,
            service: self.service.convert()?,
            spells: self.spells,
            earnings: self.earnings,
            events: self.events,
            measures: self.measures,
            feedback: self.feedback,
            attributes: self.attributes,
            origin,
        })
    }
}

fn optional<T>(text: Option<&str>, convert: impl FnOnce(&str) -> Option<T>) -> Option<Option<T>> {
    match text {
        Some(t) => convert(t).map(Some),
        None => Some(None),
    }
}

impl RawService<'_> {
    fn convert(self) -> Option<Service> {
        let start = date(self.start)?;
        let end = optional(self.end, date)?;
        check::end_not_before_start("", start, end).ok()?;
        Some(Service { start, end, completed: self.completed })
    }
}

/// A raw object of an array, converted as soon as it is read (see
/// [`items`]).
trait Convert {
    type Out;
    fn convert(self) -> Option<Self::Out>;
}

impl Convert for RawSpell<'_> {
    type Out = Spell;
    fn convert(self) -> Option<Spell> {
        let sector = match self.sector {
            Some(s) => Some(clean(s)?),
            None => None,
        };
        let (kind, sector) = check::spell_kind("", nonempty(self.kind)?, "", sector).ok()?;
        let start = date(self.start)?;
        let end = optional(self.end, date)?;
        check::end_not_before_start("", start, end).ok()?;
        Some(Spell {
            kind,
            sector,
            start,
            end,
            hours_per_week: optional(self.hours_per_week, decimal)?,
            source: optional(self.source, |s| nonempty(s).map(Text::from))?,
        })
    }
}

impl Convert for RawEarning<'_> {
    type Out = Earning;
    fn convert(self) -> Option<Earning> {
        let month = month(clean(self.month)?)?;
        Some(Earning { month, amount: decimal(self.amount)? })
    }
}

impl Convert for RawEvent<'_> {
    type Out = Event;
    fn convert(self) -> Option<Event> {
        Some(Event {
            kind: nonempty(self.kind)?.into(),
            date: date(self.date)?,
            value: optional(self.value, |v| safe_free(v).then(|| trim(v).into()))?,
            source: optional(self.source, |s| nonempty(s).map(Text::from))?,
        })
    }
}

impl Convert for RawMeasure<'_> {
    type Out = Measure;
    fn convert(self) -> Option<Measure> {
        let instrument = nonempty(self.instrument)?.into();
        let date = date(self.date)?;
        if self.scores.is_empty() {
            return None;
        }
        Some(Measure { instrument, date, scores: self.scores })
    }
}

impl Convert for RawFeedback<'_> {
    type Out = Feedback;
    fn convert(self) -> Option<Feedback> {
        let satisfaction = check::satisfaction("", self.satisfaction).ok()?;
        Some(Feedback { date: date(self.date)?, satisfaction })
    }
}

/// Reads a record's object; its arrays are converted item by item.
fn raw_record<'a>(json: &mut Cursor<'a>) -> Option<RawRecord<'a>> {
    let mut seen = Seen::default();
    let (mut id, mut contract, mut arm, mut weight, mut municipality, mut birth_date) =
        (None, None, None, None, None, None);
    let (mut groups, mut service, mut attributes) = (Vec::new(), None, BTreeMap::new());
    let (mut spells, mut earnings, mut events, mut measures, mut feedback) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    json.object(|json, name| {
        match name {
            "id" => id = Some(seen.once(0, json.string())?),
            "contract" => contract = seen.once(1, json.nullable(Cursor::string))?,
            "arm" => arm = seen.once(2, json.nullable(Cursor::string))?,
            "weight" => weight = seen.once(3, json.nullable(Cursor::string))?,
            "municipality" => municipality = seen.once(4, json.nullable(Cursor::string))?,
            "birth_date" => birth_date = seen.once(5, json.nullable(Cursor::string))?,
            "groups" => groups = seen.once(6, json.nullable(raw_groups))?.unwrap_or_default(),
            "service" => service = Some(seen.once(7, raw_service(json))?),
            "spells" => spells = seen.once(8, items(json, raw_spell))?,
            "earnings" => earnings = seen.once(9, items(json, raw_earning))?,
            "events" => events = seen.once(10, items(json, raw_event))?,
            "measures" => measures = seen.once(11, items(json, raw_measure))?,
            "feedback" => feedback = seen.once(12, items(json, raw_feedback))?,
            "attributes" => attributes = seen.once(13, json.nullable(raw_attributes))?.unwrap_or_default(),
            _ => return None,
        }
        Some(())
    })?;
    Some(RawRecord {
        id: id?,
        contract,
        arm,
        weight,
        municipality,
        birth_date,
        groups,
        service: service?,
        spells,
        earnings,
        events,
        measures,
        feedback,
        attributes,
    })
}

fn raw_service<'a>(json: &mut Cursor<'a>) -> Option<RawService<'a>> {
    let mut seen = Seen::default();
    let (mut start, mut end, mut completed) = (None, None, None);
    json.object(|json, name| {
        match name {
            "start" => start = Some(seen.once(0, json.string())?),
            "end" => end = seen.once(1, json.nullable(Cursor::string))?,
            "completed" => completed = seen.once(2, json.nullable(Cursor::boolean))?,
            _ => return None,
        }
        Some(())
    })?;
    Some(RawService { start: start?, end, completed })
}

fn raw_spell<'a>(json: &mut Cursor<'a>) -> Option<RawSpell<'a>> {
    let mut seen = Seen::default();
    let (mut kind, mut sector, mut start, mut end, mut hours_per_week, mut source) =
        (None, None, None, None, None, None);
    json.object(|json, name| {
        match name {
            "kind" => kind = Some(seen.once(0, json.string())?),
            "sector" => sector = seen.once(1, json.nullable(Cursor::string))?,
            "start" => start = Some(seen.once(2, json.string())?),
            "end" => end = seen.once(3, json.nullable(Cursor::string))?,
            "hours_per_week" => hours_per_week = seen.once(4, json.nullable(Cursor::string))?,
            "source" => source = seen.once(5, json.nullable(Cursor::string))?,
            _ => return None,
        }
        Some(())
    })?;
    Some(RawSpell { kind: kind?, sector, start: start?, end, hours_per_week, source })
}

fn raw_earning<'a>(json: &mut Cursor<'a>) -> Option<RawEarning<'a>> {
    let mut seen = Seen::default();
    let (mut month, mut amount) = (None, None);
    json.object(|json, name| {
        match name {
            "month" => month = Some(seen.once(0, json.string())?),
            "amount" => amount = Some(seen.once(1, json.string())?),
            _ => return None,
        }
        Some(())
    })?;
    Some(RawEarning { month: month?, amount: amount? })
}

fn raw_event<'a>(json: &mut Cursor<'a>) -> Option<RawEvent<'a>> {
    let mut seen = Seen::default();
    let (mut kind, mut date, mut value, mut source) = (None, None, None, None);
    json.object(|json, name| {
        match name {
            "kind" => kind = Some(seen.once(0, json.string())?),
            "date" => date = Some(seen.once(1, json.string())?),
            "value" => value = seen.once(2, json.nullable(Cursor::string))?,
            "source" => source = seen.once(3, json.nullable(Cursor::string))?,
            _ => return None,
        }
        Some(())
    })?;
    Some(RawEvent { kind: kind?, date: date?, value, source })
}

fn raw_measure<'a>(json: &mut Cursor<'a>) -> Option<RawMeasure<'a>> {
    let mut seen = Seen::default();
    let (mut instrument, mut date, mut scores) = (None, None, None);
    json.object(|json, name| {
        match name {
            "instrument" => instrument = Some(seen.once(0, json.string())?),
            "date" => date = Some(seen.once(1, json.string())?),
            "scores" => scores = Some(seen.once(2, raw_scores(json))?),
            _ => return None,
        }
        Some(())
    })?;
    Some(RawMeasure { instrument: instrument?, date: date?, scores: scores? })
}

fn raw_feedback<'a>(json: &mut Cursor<'a>) -> Option<RawFeedback<'a>> {
    let mut seen = Seen::default();
    let (mut date, mut satisfaction) = (None, None);
    json.object(|json, name| {
        match name {
            "date" => date = Some(seen.once(0, json.string())?),
            "satisfaction" => satisfaction = Some(seen.once(1, json.integer())?),
            _ => return None,
        }
        Some(())
    })?;
    Some(RawFeedback { date: date?, satisfaction: satisfaction? })
}

/// An optional array of objects, each converted as soon as it is read
/// (the first refused stops the fast path); `null` is no items.
fn items<'a, T: Convert>(json: &mut Cursor<'a>, read: fn(&mut Cursor<'a>) -> Option<T>) -> Option<Vec<T::Out>> {
    let mut items = Vec::new();
    if !json.null() {
        json.array(|json| {
            items.push(read(json)?.convert()?);
            Some(())
        })?;
    }
    Some(items)
}

/// Target-group tags, checked, trimmed and without repeats, in input order.
fn raw_groups(json: &mut Cursor<'_>) -> Option<Vec<Text>> {
    let mut groups = Vec::new();
    json.array(|json| check::push_group(&mut groups, "", clean(json.string()?)?).ok())?;
    Some(groups)
}

/// A measurement's scores, dimension → score (a JSON integer or a decimal
/// string); a repeated or refused dimension gives up.
fn raw_scores(json: &mut Cursor<'_>) -> Option<BTreeMap<Text, Decimal>> {
    // Sorted and built at once: inserting one by one searched and shifted
    // the map's node for each dimension. Gathered on the stack: a
    // measurement with more dimensions than that is left to the full
    // reader.
    let mut gathered = [("", Decimal::ZERO); 16];
    let mut n = 0;
    json.object(|json, dimension| {
        let score = match json.next_is(b'"') {
            true => decimal(json.string()?)?,
            false => Decimal::from(json.integer()?),
        };
        *gathered.get_mut(n).filter(|_| safe_name(dimension))? = (dimension, score);
        n += 1;
        Some(())
    })?;
    let scores = &mut gathered[..n];
    scores.sort_unstable_by_key(|&(dimension, _)| dimension);
    if scores.windows(2).any(|pair| pair[0].0 == pair[1].0) {
        return None;
    }
    Some(scores.iter().map(|&(dimension, score)| (Text::from(dimension), score)).collect())
}

/// Free attributes, name → value (a string, a boolean or an integer);
/// null values are left out, a repeated or refused name gives up.
fn raw_attributes(json: &mut Cursor<'_>) -> Option<BTreeMap<Text, AttributeValue>> {
    let mut attributes = BTreeMap::new();
    // Names given as null: not kept, but a repeat of one is refused.
    let mut nulls = Vec::new();
    json.object(|json, name| {
        if !safe_name(name) || attributes.contains_key(name) || nulls.contains(&name) {
            return None;
        }
        if json.null() {
            nulls.push(name);
            return Some(());
        }
        let value = if json.next_is(b'"') {
            let text = json.string().filter(|&t| safe_free(t))?;
            AttributeValue::Text(trim(text).into(), Dialect::Standard)
        } else if let Some(b) = json.boolean() {
            AttributeValue::Bool(b)
        } else {
            AttributeValue::Number(money::parse_exact(&json.integer()?.to_string()).ok()?)
        };
        attributes.insert(name.into(), value);
        Some(())
    })?;
    Some(attributes)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::generate;

    fn both(text: &str) -> (Option<Record>, Result<Record, Vec<crate::diagnostic::Diagnostic>>) {
        let file = Arc::new(PathBuf::from("t.jsonl"));
        let fast = read_line(text, 1, &file);
        let full = super::super::jsonl::read_line_for_test(text, 1, &file, &mut check::Duplicates::new(None));
        (fast, full)
    }

    /// Lines of every kind the fast path takes: the shipped records, 300
    /// generated ones and one line with every field, odd spacing and
    /// non-ASCII text.
    fn corpus() -> &'static [String] {
        static CORPUS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        CORPUS.get_or_init(|| {
            let mut lines = vec![EVERY_FIELD.to_owned(), UNICODE.to_owned()];
            for contract in ["career-coaching", "labour-market-training"] {
                let path = format!("{}/contracts/{contract}/records.jsonl", env!("CARGO_MANIFEST_DIR"));
                lines.extend(std::fs::read_to_string(path).unwrap().lines().map(str::to_owned));
            }
            let out = std::env::temp_dir().join(format!("tulos-fast-corpus-{}.jsonl", std::process::id()));
            let options = generate::Options { n: 300, seed: 5, format: generate::Format::JsonLines, out: out.clone() };
            generate::generate(&options, &generate::Vocabulary::generic("G-1")).unwrap();
            lines.extend(std::fs::read_to_string(&out).unwrap().lines().map(str::to_owned));
            std::fs::remove_file(out).unwrap();
            lines
        })
    }

    const EVERY_FIELD: &str = r#"{"id":" P-1 ","contract":"ESK-1","arm":"control","weight":"0.5","municipality":"Oulu","birth_date":"1990-02-03","groups":["youth","youth"],"service":{"start":"2026-01-12","end":null,"completed":false},"spells":[{"kind":"employment","sector":"subsidised","start":"2026-02-01","end":"2026-03-01","hours_per_week":" 37.5","source":"income_register"}],"earnings":[{"month":"2026-02","amount":"1428.35"}],"measures":[{"instrument":"m","date":"2026-01-12","scores":{"b":"3.5","a":2}}],"events":[{"kind":"k","date":"2026-03-01","value":" L2 ","source":"s"}],"feedback":[{"date":"2026-03-02","satisfaction":4}],"attributes":{"n":12,"s":" x ","b":false,"z":null}}"#;

    /// Non-ASCII ids and values, surrounded by non-ASCII white space.
    const UNICODE: &str = "{\"id\":\"Ja\u{308}msa\u{308}-1\u{2003}\",\"municipality\":\"\u{a0}J\u{e4}ms\u{e4}\",\
                           \"groups\":[\" nuoret\u{3000}\"],\"service\":{\"start\":\"2026-01-12\"}}";

    #[test]
    fn takes_clean_lines_and_reads_them_as_the_full_reader_does() {
        for line in corpus() {
            let (fast, full) = both(line);
            assert_eq!(fast.as_ref(), full.as_ref().ok(), "{line}");
            assert!(fast.is_some(), "{line}");
        }
    }

    #[test]
    fn a_measurement_of_many_dimensions_is_left_to_the_full_reader() {
        let scores = |n: usize| (0..n).map(|i| format!("\"d{i:02}\":{i}")).collect::<Vec<_>>().join(",");
        let line = |n: usize| {
            format!(
                r#"{{"id":"P-1","service":{{"start":"2026-01-12"}},"measures":[{{"instrument":"m","date":"2026-01-12","scores":{{{}}}}}]}}"#,
                scores(n)
            )
        };
        let (fast, full) = both(&line(16));
        assert_eq!(fast.as_ref().map(|r| r.measures[0].scores.len()), Some(16));
        assert_eq!(fast.as_ref(), full.as_ref().ok());
        let (fast, full) = both(&line(17));
        assert!(fast.is_none());
        assert_eq!(full.unwrap().measures[0].scores.len(), 17);
    }

    /// What an edit puts in: JSON's structure, literals, numbers the
    /// subset refuses, text the checks refuse, and whole fields (known,
    /// unknown, repeated, null).
    const PIECES: [&str; 34] = [
        "\"",
        "\\",
        ",",
        ":",
        "{",
        "}",
        "[",
        "]",
        "null",
        "true",
        "false",
        "0",
        "-",
        ".5",
        "e3",
        " ",
        "\t",
        "\r",
        "\u{1}",
        "\u{7f}",
        "é",
        "\u{200b}",
        "\u{a0}",
        "131052-308T",
        "01",
        "-0",
        "99999999999999999999",
        "\"id\":\"X\",",
        "\"end\":null,",
        "\"spells\":null,",
        "\"x\":1,",
        "\"groups\":[],",
        "\"satisfaction\":5,",
        "\\u0041",
    ];

    /// An edit of a line: at a position (taken modulo its length, moved
    /// back to a character boundary), delete some bytes and insert a piece.
    fn edit() -> impl Strategy<Value = (usize, usize, Option<usize>)> {
        (any::<usize>(), 0usize..4, proptest::option::of(0..PIECES.len()))
    }

    fn apply(line: &mut String, (at, delete, piece): (usize, usize, Option<usize>)) {
        let mut at = at % (line.len() + 1);
        while !line.is_char_boundary(at) {
            at -= 1;
        }
        let mut end = (at + delete).min(line.len());
        while !line.is_char_boundary(end) {
            end += 1;
        }
        line.replace_range(at..end, piece.map_or("", |p| PIECES[p]));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever the fast path takes, the full reader reads the same:
        /// edited lines are mostly refused by one or both, and where the
        /// fast path takes one its record is the full reader's.
        #[test]
        fn an_edited_line_taken_is_read_as_the_full_reader_reads_it(
            base in any::<proptest::sample::Index>(),
            edits in proptest::collection::vec(edit(), 1..4),
        ) {
            let lines = corpus();
            let mut line = lines[base.index(lines.len())].clone();
            for e in edits {
                apply(&mut line, e);
            }
            let (fast, full) = both(&line);
            if let Some(fast) = fast {
                prop_assert_eq!(Some(&fast), full.as_ref().ok(), "{}", line);
            }
        }
    }

    #[test]
    fn short_decimals_and_months_read_as_the_general_parsers_read_them() {
        for text in [
            "0",
            "7",
            "0.0",
            "00.50",
            "1428.35",
            "550.38",
            "37.5",
            "999999999999999",
            "999999999999999.999",
            "999999999999999.9999",
            "1.23456789012345678",
            "000000000000001.5",
            "1000000000000000",
            "0.0000000000001",
            "0.00000000000001",
            "12.",
            ".5",
            "-1.5",
            "+1",
            "1e3",
            "1.2.3",
            "",
            " 1",
            "1_0",
            "١٢",
        ] {
            let short = short_decimal(text);
            if short.is_some() {
                let exact = money::parse_exact(text).ok();
                assert_eq!(short, exact, "{text}");
                assert_eq!(short.map(|d| d.to_string()), exact.map(|d| d.to_string()), "{text}");
                assert_eq!(short.map(|d| d.scale()), exact.map(|d| d.scale()), "{text}");
            }
            assert_eq!(decimal(text), money::parse_exact(text.trim()).ok(), "{text}");
        }
        for text in ["2026-01", "2026-12", "2026-13", "2026-00", "0000-01", "2026-1", "26-01", "2026/01", "2026-011"] {
            assert_eq!(month(text), value::parse_month(text, Dialect::Standard), "{text}");
        }
        for text in [
            "2026-01-31",
            "2026-02-29",
            "2028-02-29",
            "0000-01-01",
            "2026-13-01",
            " 2026-01-31",
            "2026-01-31\u{a0}",
            "2026-01-31\u{1}",
            "2026-1-31",
            "２０２６-01-31",
            "",
        ] {
            let general = clean(text).and_then(|t| value::parse_date(t, Dialect::Standard));
            assert_eq!(date(text), general, "{text}");
        }
    }

    #[test]
    fn gives_up_on_anything_unusual_so_the_full_reader_words_it() {
        for line in [
            r#"{"id":"P-1","service":["2026-01-12"]}"#,
            r#"{"id":"P-1","service":{"start":"2026-01-12"},"id":"P-2"}"#,
            r#"{"id":"P-1","service":{"start":"2026-01-12","start":"2026-01-13"}}"#,
            r#"{"id":"P-1","service":{"start":"2026-01-12"},"x":1}"#,
            r#"{"id":"P-\u0031","service":{"start":"2026-01-12"}}"#,
            r#"{"id":"131052-308T","service":{"start":"2026-01-12"}}"#,
            r#"{"id":"P-1","municipality":"a\u001bb","service":{"start":"2026-01-12"}}"#,
            r#"{"id":"P-1","service":{"start":"2026-01-12"},"measures":[{"instrument":"m","date":"2026-01-12","scores":{"a":1,"a":2}}]}"#,
            r#"{"id":"P-1","service":{"start":"2026-01-12"},"feedback":[{"date":"2026-01-12","satisfaction":4.0}]}"#,
            r#"{"id":"P-1","service":{"start":"2026-01-12"},"attributes":{"n":0.10}}"#,
            r#"{"id":"P-1","service":{"start":"2026-01-12"},"attributes":{"n":-0}}"#,
            r#"{"id":"P-1","service":{"start":"2026-01-12"},"attributes":{"n":1e2}}"#,
            r#"{"id":"P-1","service":{"start":"2026-01-12"},"attributes":{"n":[1]}}"#,
            r#"{"id":"P-1","service":{"start":"2026-01-12"},"spells":[null]}"#,
            r#"{"id":"P-1","service":{"start":"2026-01-12"},"groups":[null]}"#,
            r#"{"id":"P-1","service":null}"#,
            r#"{"id":null,"service":{"start":"2026-01-12"}}"#,
            r#"{"id":"P-1","service":{"start":"2026-01-12"}} {}"#,
            r#"{"id":"P-1","service":{"start":"2026-01-12"},}"#,
            r#"{"id":"P-1","service":{"start":"2026-01-12"},"attributes":{"z":null,"z":"x"}}"#,
            r#"{"id":"P-1","service":{"start":"2026-01-12"},"attributes":{"z":"x","z":null}}"#,
            r#"{"id":"P-1","groups":["youth","131052-308T"],"service":{"start":"2026-01-12"}}"#,
            r#"{"id":"P-1","groups":["youth",""],"service":{"start":"2026-01-12"}}"#,
            r#"{"id":"P-1","contract":" ","service":{"start":"2026-01-12"}}"#,
            r#"{"id":"P-1","service":{"start":"2026-01-12"},"measures":[{"instrument":"m","date":"2026-01-12","scores":{}}]}"#,
            r#"{"id":"P-1","service":{"start":"2026-02-12","end":"2026-01-12"}}"#,
        ] {
            let (fast, _) = both(line);
            assert!(fast.is_none(), "{line}");
        }
    }
}
