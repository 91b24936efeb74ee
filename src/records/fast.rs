//! The fast path of the JSON Lines reader: a line parsed straight into
//! borrowed, typed structs, with no `serde_json::Value` and no field names
//! built, for the common case of a line that is entirely right.
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
use std::fmt;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::de::{self, value::MapAccessDeserializer, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::check;
use super::model::{AttributeValue, Dialect, Earning, Event, Feedback, Measure, Origin, Record, Service, Spell};
use super::{hetu, value};
use crate::money;
use crate::text::{hides_or_forges, is_layout};

/// The record of `text`, not yet checked for duplicates, or `None` when
/// the full reader must look at it.
pub(super) fn read_line(text: &str, line: u64, file: &Arc<PathBuf>) -> Option<Record> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let Obj(raw) = Obj::<RawRecord<'_>>::deserialize(&mut deserializer).ok()?;
    deserializer.end().ok()?;
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

fn date(text: &str) -> Option<NaiveDate> {
    value::parse_date(clean(text)?, Dialect::Standard)
}

fn decimal(text: &str) -> Option<Decimal> {
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
fn normal_id(text: &str, normalise: fn(&str, &str) -> Result<String, check::Problem>) -> Option<String> {
    match clean(text)? {
        "" => None,
        id if id.is_ascii() => Some(id.to_owned()),
        id => normalise("", id).ok(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord<'a> {
    id: &'a str,
    contract: Option<&'a str>,
    arm: Option<&'a str>,
    weight: Option<&'a str>,
    municipality: Option<&'a str>,
    birth_date: Option<&'a str>,
    groups: Option<Groups>,
    #[serde(borrow)]
    service: Obj<RawService<'a>>,
    #[serde(borrow)]
    spells: Option<Items<RawSpell<'a>>>,
    #[serde(borrow)]
    earnings: Option<Items<RawEarning<'a>>>,
    #[serde(borrow)]
    events: Option<Items<RawEvent<'a>>>,
    #[serde(borrow)]
    measures: Option<Items<RawMeasure<'a>>>,
    #[serde(borrow)]
    feedback: Option<Items<RawFeedback<'a>>>,
    attributes: Option<Attributes>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService<'a> {
    start: &'a str,
    end: Option<&'a str>,
    completed: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpell<'a> {
    kind: &'a str,
    sector: Option<&'a str>,
    start: &'a str,
    end: Option<&'a str>,
    hours_per_week: Option<&'a str>,
    source: Option<&'a str>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEarning<'a> {
    month: &'a str,
    amount: &'a str,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent<'a> {
    kind: &'a str,
    date: &'a str,
    value: Option<&'a str>,
    source: Option<&'a str>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeasure<'a> {
    instrument: &'a str,
    date: &'a str,
    scores: Scores,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
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
            municipality: optional(self.municipality, |m| nonempty(m).map(str::to_owned))?,
            birth_date: optional(self.birth_date, date)?,
            groups: self.groups.map(|g| g.0).unwrap_or_default(),
            service: self.service.0.convert()?,
            spells: Items::take(self.spells),
            earnings: Items::take(self.earnings),
            events: Items::take(self.events),
            measures: Items::take(self.measures),
            feedback: Items::take(self.feedback),
            attributes: self.attributes.map(|a| a.0).unwrap_or_default(),
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
/// [`Items`]).
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
            source: optional(self.source, |s| nonempty(s).map(str::to_owned))?,
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
            kind: nonempty(self.kind)?.to_owned(),
            date: date(self.date)?,
            value: optional(self.value, |v| safe_free(v).then(|| trim(v).to_owned()))?,
            source: optional(self.source, |s| nonempty(s).map(str::to_owned))?,
        })
    }
}

impl Convert for RawMeasure<'_> {
    type Out = Measure;
    fn convert(self) -> Option<Measure> {
        let instrument = nonempty(self.instrument)?.to_owned();
        let date = date(self.date)?;
        let scores = self.scores.0;
        if scores.is_empty() {
            return None;
        }
        Some(Measure { instrument, date, scores })
    }
}

impl Convert for RawFeedback<'_> {
    type Out = Feedback;
    fn convert(self) -> Option<Feedback> {
        let satisfaction = check::satisfaction("", self.satisfaction).ok()?;
        Some(Feedback { date: date(self.date)?, satisfaction })
    }
}

/// A JSON object, never an array: serde's derived structs also take an
/// array of the fields in order, which the format does not allow.
struct Obj<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjVisitor<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Obj)
            }
        }
        deserializer.deserialize_map(ObjVisitor(PhantomData))
    }
}

/// The objects of an array, each converted as it is read: no array of raw
/// objects is built, and the first object refused stops the fast path.
struct Items<T: Convert>(Vec<T::Out>);

impl<T: Convert> Items<T> {
    /// The converted objects of an optional array; missing = empty.
    fn take(items: Option<Self>) -> Vec<T::Out> {
        items.map(|i| i.0).unwrap_or_default()
    }
}

impl<'de, T: Convert + Deserialize<'de>> Deserialize<'de> for Items<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ItemsVisitor<T>(PhantomData<T>);
        impl<'de, T: Convert + Deserialize<'de>> Visitor<'de> for ItemsVisitor<T> {
            type Value = Items<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of objects")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Items<T>, A::Error> {
                let mut items = Vec::new();
                while let Some(Obj(raw)) = seq.next_element::<Obj<T>>()? {
                    items.push(raw.convert().ok_or_else(give_up)?);
                }
                Ok(Items(items))
            }
        }
        deserializer.deserialize_seq(ItemsVisitor(PhantomData))
    }
}

/// Gives up on a value inside a visitor: the full reader words why.
fn give_up<E: de::Error>() -> E {
    E::custom("left to the full reader")
}

/// Target-group tags, checked, trimmed and without repeats, in input order.
struct Groups(Vec<String>);

impl<'de> Deserialize<'de> for Groups {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct GroupsVisitor;
        impl<'de> Visitor<'de> for GroupsVisitor {
            type Value = Groups;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Groups, A::Error> {
                let mut groups = Vec::new();
                while let Some(tag) = seq.next_element::<&'de str>()? {
                    let tag = clean(tag).ok_or_else(give_up)?;
                    check::push_group(&mut groups, "", tag).map_err(|_| give_up())?;
                }
                Ok(Groups(groups))
            }
        }
        deserializer.deserialize_seq(GroupsVisitor)
    }
}

/// A measurement's scores, dimension → score; a repeated or refused
/// dimension gives up.
struct Scores(BTreeMap<String, Decimal>);

impl<'de> Deserialize<'de> for Scores {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScoresVisitor;
        impl<'de> Visitor<'de> for ScoresVisitor {
            type Value = Scores;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scores, A::Error> {
                // Sorted and built at once: inserting one by one searched
                // and shifted the map's node for each dimension.
                let mut scores = Vec::with_capacity(8);
                while let Some((dimension, score)) = map.next_entry::<&'de str, Score<'de>>()? {
                    let score = match score {
                        Score::Integer(n) => Decimal::from(n),
                        Score::Text(t) => decimal(t).ok_or_else(give_up)?,
                    };
                    if !safe_name(dimension) {
                        return Err(give_up());
                    }
                    scores.push((dimension, score));
                }
                scores.sort_unstable_by_key(|&(dimension, _)| dimension);
                if scores.windows(2).any(|pair| pair[0].0 == pair[1].0) {
                    return Err(give_up());
                }
                Ok(Scores(scores.into_iter().map(|(dimension, score)| (dimension.to_owned(), score)).collect()))
            }
        }
        deserializer.deserialize_map(ScoresVisitor)
    }
}

/// Free attributes, name → value; null values are left out, a repeated or
/// refused name gives up.
struct Attributes(BTreeMap<String, AttributeValue>);

impl<'de> Deserialize<'de> for Attributes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AttributesVisitor;
        impl<'de> Visitor<'de> for AttributesVisitor {
            type Value = Attributes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Attributes, A::Error> {
                let mut attributes = BTreeMap::new();
                // Names given as null: not kept, but a repeat of one is refused.
                let mut nulls = Vec::new();
                while let Some((name, value)) = map.next_entry::<&'de str, Attribute<'de>>()? {
                    if !safe_name(name) || attributes.contains_key(name) || nulls.contains(&name) {
                        return Err(give_up());
                    }
                    let value = match value {
                        Attribute::Null => {
                            nulls.push(name);
                            continue;
                        }
                        Attribute::Text(s) if safe_free(s) => {
                            AttributeValue::Text(trim(s).to_owned(), Dialect::Standard)
                        }
                        Attribute::Text(_) => return Err(give_up()),
                        Attribute::Bool(b) => AttributeValue::Bool(b),
                        Attribute::Integer(text) => {
                            AttributeValue::Number(money::parse_exact(&text).map_err(|_| give_up())?)
                        }
                    };
                    attributes.insert(name.to_owned(), value);
                }
                Ok(Attributes(attributes))
            }
        }
        deserializer.deserialize_map(AttributesVisitor)
    }
}

/// A score: a JSON integer or a string.
enum Score<'a> {
    Integer(i64),
    Text(&'a str),
}

impl<'de: 'a, 'a> Deserialize<'de> for Score<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScoreVisitor;
        impl<'de> Visitor<'de> for ScoreVisitor {
            type Value = Score<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a string")
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Score<'de>, E> {
                Ok(Score::Integer(n))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Score<'de>, E> {
                i64::try_from(n).map(Score::Integer).map_err(|_| E::custom("too large"))
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Score<'de>, E> {
                Ok(Score::Text(s))
            }
        }
        deserializer.deserialize_any(ScoreVisitor)
    }
}

/// An attribute value the fast path takes: a string, a boolean, an
/// integer (as its text, to be read exactly) or null.
enum Attribute<'a> {
    Null,
    Text(&'a str),
    Bool(bool),
    Integer(String),
}

impl<'de: 'a, 'a> Deserialize<'de> for Attribute<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AttributeVisitor;
        impl<'de> Visitor<'de> for AttributeVisitor {
            type Value = Attribute<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, boolean, integer or null")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Attribute<'de>, E> {
                Ok(Attribute::Null)
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Attribute<'de>, E> {
                Ok(Attribute::Bool(b))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Attribute<'de>, E> {
                Ok(Attribute::Integer(n.to_string()))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Attribute<'de>, E> {
                Ok(Attribute::Integer(n.to_string()))
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Attribute<'de>, E> {
                Ok(Attribute::Text(s))
            }
        }
        deserializer.deserialize_any(AttributeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(text: &str) -> (Option<Record>, Result<Record, Vec<crate::diagnostic::Diagnostic>>) {
        let file = Arc::new(PathBuf::from("t.jsonl"));
        let fast = read_line(text, 1, &file);
        let full = super::super::jsonl::read_line_for_test(text, 1, &file, &mut check::Duplicates::new(None));
        (fast, full)
    }

    #[test]
    fn takes_clean_lines_and_reads_them_as_the_full_reader_does() {
        let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/contracts/career-coaching/records.jsonl");
        let text = std::fs::read_to_string(fixture).unwrap();
        let line = r#"{"id":" P-1 ","arm":"control","weight":"0.5","groups":["youth","youth"],"service":{"start":"2026-01-12","end":null},"spells":[{"kind":"employment","sector":"subsidised","start":"2026-02-01","hours_per_week":" 37.5"}],"measures":[{"instrument":"m","date":"2026-01-12","scores":{"b":"3.5","a":2}}],"events":[{"kind":"k","date":"2026-03-01","value":" L2 "}],"attributes":{"n":12,"s":" x ","b":false,"z":null}}"#;
        // Non-ASCII ids and values, surrounded by non-ASCII white space.
        let unicode = "{\"id\":\"Ja\u{308}msa\u{308}-1\u{2003}\",\"municipality\":\"\u{a0}J\u{e4}ms\u{e4}\",\
                       \"groups\":[\" nuoret\u{3000}\"],\"service\":{\"start\":\"2026-01-12\"}}";
        for line in text.lines().chain([line, unicode]) {
            let (fast, full) = both(line);
            assert_eq!(fast.as_ref(), full.as_ref().ok(), "{line}");
            assert!(fast.is_some(), "{line}");
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
