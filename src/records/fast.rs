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

/// A string every check accepts: trimmed, as the full reader checks it
/// (`jsonl::safe_texts`).
fn safe(text: &str) -> bool {
    let text = text.trim();
    // The only ASCII characters that hide or forge text are the controls.
    if text.is_ascii() {
        return !text.bytes().any(|b| b.is_ascii_control()) && !hetu::contains_identity_code(text);
    }
    check::is_safe(text, hides_or_forges)
}

/// A free-text value (an attribute, an event's `value`): checked untrimmed,
/// line breaks and tabs allowed.
fn safe_free(text: &str) -> bool {
    check::is_safe(text, |c| hides_or_forges(c) && !is_layout(c))
}

/// A field name (a dimension, an attribute name).
fn safe_name(name: &str) -> bool {
    if name.is_ascii() {
        return !name.bytes().any(|b| b.is_ascii_control()) && !hetu::contains_identity_code(name);
    }
    check::is_safe(name, hides_or_forges)
}

fn nonempty(text: &str) -> Option<&str> {
    let text = text.trim();
    (safe(text) && !text.is_empty()).then_some(text)
}

fn date(text: &str) -> Option<NaiveDate> {
    safe(text).then(|| value::parse_date(text.trim(), Dialect::Standard)).flatten()
}

fn decimal(text: &str) -> Option<Decimal> {
    safe(text).then(|| money::parse_exact(text.trim()).ok()).flatten()
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
    #[serde(borrow)]
    groups: Option<Vec<&'a str>>,
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
    #[serde(borrow)]
    attributes: Option<Entries<'a, Attribute<'a>>>,
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
    #[serde(borrow)]
    scores: Entries<'a, Score<'a>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeedback<'a> {
    date: &'a str,
    satisfaction: i64,
}

impl RawRecord<'_> {
    fn convert(self, origin: Origin) -> Option<Record> {
        let id = safe(self.id).then(|| check::participant_id("", self.id.trim()).ok()).flatten()?;
        let contract = match self.contract {
            Some(c) if safe(c) => Some(check::contract_id("", c.trim()).ok()?),
            Some(_) => return None,
            None => None,
        };
        let arm = match self.arm {
            Some(a) if safe(a) => check::arm("", a.trim()).ok()?,
            Some(_) => return None,
            None => Default::default(),
        };
        let mut groups = Vec::new();
        for tag in self.groups.unwrap_or_default() {
            if !safe(tag) {
                return None;
            }
            check::push_group(&mut groups, "", tag.trim()).ok()?;
        }
        let weight = match self.weight {
            Some(w) => check::weight("", decimal(w)?).ok()?,
            None => Decimal::ONE,
        };
        let municipality = match self.municipality {
            Some(m) => Some(nonempty(m)?.to_owned()),
            None => None,
        };
        let birth_date = match self.birth_date {
            Some(d) => Some(date(d)?),
            None => None,
        };
        Some(Record {
            id,
            contract,
            arm,
            weight,
            municipality,
            birth_date,
            groups,
            service: self.service.0.convert()?,
            spells: Items::take(self.spells),
            earnings: Items::take(self.earnings),
            events: Items::take(self.events),
            measures: Items::take(self.measures),
            feedback: Items::take(self.feedback),
            attributes: attributes(self.attributes)?,
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
            Some(s) if safe(s) => Some(s.trim()),
            Some(_) => return None,
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
        let month = safe(self.month).then(|| value::parse_month(self.month.trim(), Dialect::Standard)).flatten()?;
        Some(Earning { month, amount: decimal(self.amount)? })
    }
}

impl Convert for RawEvent<'_> {
    type Out = Event;
    fn convert(self) -> Option<Event> {
        Some(Event {
            kind: nonempty(self.kind)?.to_owned(),
            date: date(self.date)?,
            value: optional(self.value, |v| safe_free(v).then(|| v.trim().to_owned()))?,
            source: optional(self.source, |s| nonempty(s).map(str::to_owned))?,
        })
    }
}

impl Convert for RawMeasure<'_> {
    type Out = Measure;
    fn convert(self) -> Option<Measure> {
        let instrument = nonempty(self.instrument)?.to_owned();
        let date = date(self.date)?;
        let raw = self.scores.0;
        if raw.is_empty() {
            return None;
        }
        let mut scores = BTreeMap::new();
        for (dimension, score) in raw {
            let score = match score {
                Score::Integer(n) => Decimal::from(n),
                Score::Text(t) => decimal(t)?,
            };
            if !safe_name(dimension) || scores.insert(dimension.to_owned(), score).is_some() {
                return None;
            }
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

fn attributes(raw: Option<Entries<'_, Attribute<'_>>>) -> Option<BTreeMap<String, AttributeValue>> {
    let mut attributes = BTreeMap::new();
    let mut names = Vec::new();
    for (name, value) in raw.map(|e| e.0).unwrap_or_default() {
        if !safe_name(name) || names.contains(&name) {
            return None;
        }
        names.push(name);
        let value = match value {
            Attribute::Null => continue,
            Attribute::Text(s) if safe_free(s) => AttributeValue::Text(s.trim().to_owned(), Dialect::Standard),
            Attribute::Text(_) => return None,
            Attribute::Bool(b) => AttributeValue::Bool(b),
            Attribute::Integer(text) => AttributeValue::Number(money::parse_exact(&text).ok()?),
        };
        attributes.insert(name.to_owned(), value);
    }
    Some(attributes)
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
                    items.push(raw.convert().ok_or_else(|| de::Error::custom("left to the full reader"))?);
                }
                Ok(Items(items))
            }
        }
        deserializer.deserialize_seq(ItemsVisitor(PhantomData))
    }
}

/// The entries of an object with free keys, in order, repeats kept (the
/// caller gives up on one).
struct Entries<'a, V>(Vec<(&'a str, V)>);

impl<'de: 'a, 'a, V: Deserialize<'de>> Deserialize<'de> for Entries<'a, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<'a, V>(PhantomData<(&'a (), V)>);
        impl<'de: 'a, 'a, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<'a, V> {
            type Value = Entries<'a, V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<&'de str, V>()? {
                    entries.push((key, value));
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor(PhantomData))
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
        for line in text.lines().chain([line]) {
            let (fast, full) = both(line);
            assert_eq!(fast.as_ref(), full.as_ref().ok(), "{line}");
            assert!(fast.is_some(), "{line}");
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
            r#"{"id":"P-1","service":{"start":"2026-02-12","end":"2026-01-12"}}"#,
        ] {
            let (fast, _) = both(line);
            assert!(fast.is_none(), "{line}");
        }
    }
}
