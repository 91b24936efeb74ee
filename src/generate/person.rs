//! One synthetic record, drawn from its own random stream. The vectors are
//! reused from record to record, so generating allocates nothing per record
//! once the first few are made.

use chrono::{Datelike, Days, Months, NaiveDate};

use super::rng::Rng;
use super::Vocabulary;
use crate::contract::AttributeType;
use crate::records::Arm;

/// Municipalities of Central Finland and a few large towns (home
/// municipality breakdowns want a realistic spread, with ä and ö).
pub(super) const MUNICIPALITIES: [&str; 12] = [
    "Jyväskylä",
    "Jämsä",
    "Keuruu",
    "Äänekoski",
    "Laukaa",
    "Muurame",
    "Saarijärvi",
    "Kuhmoinen",
    "Tampere",
    "Helsinki",
    "Vaasa",
    "Oulu",
];

const LANGUAGES: [&str; 6] = ["fi", "fi", "sv", "ar", "so", "ru"];
const HOURS: [&str; 5] = ["37.5", "37.5", "30", "25", "20"];
const EVENT_VALUES: [&str; 3] = ["L2", "L3", "L4"];
const ATTRIBUTE_TEXTS: [&str; 3] = ["a", "b", "c"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sector {
    Open,
    Subsidised,
}

#[derive(Debug, Clone)]
pub(super) struct Spell {
    pub kind: &'static str,
    pub sector: Option<Sector>,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub hours: Option<&'static str>,
    pub source: &'static str,
}

/// A generated attribute value.
#[derive(Debug, Clone, Copy)]
pub(super) enum Attribute {
    Text(&'static str),
    Number(i64),
    Date(NaiveDate),
    Bool(bool),
}

#[derive(Debug, Default)]
pub(super) struct Person {
    pub n: u64,
    pub arm: Arm,
    pub municipality: &'static str,
    pub birth: NaiveDate,
    /// Indices into the vocabulary's groups.
    pub groups: Vec<usize>,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub completed: Option<bool>,
    pub spells: Vec<Spell>,
    /// (payment month, amount in cents).
    pub earnings: Vec<(NaiveDate, i64)>,
    /// (index into event kinds, date, value).
    pub events: Vec<(usize, NaiveDate, Option<&'static str>)>,
    /// (index into instruments, date, one score per dimension).
    pub measures: Vec<(usize, NaiveDate, Vec<u8>)>,
    pub feedback: Option<(NaiveDate, u8)>,
    pub language: &'static str,
    /// One per declared attribute, in the vocabulary's order.
    pub attributes: Vec<Attribute>,
}

impl Person {
    /// The participant id: never shaped like an identity code (no century
    /// sign follows the digits).
    pub fn id(&self) -> String {
        format!("G{:08}", self.n)
    }

    /// Draws record `n` of the run seeded `seed`.
    pub fn fill(&mut self, seed: u64, n: u64, v: &Vocabulary) {
        let mut rng = Rng::for_record(seed, n);
        let r = &mut rng;
        self.n = n;
        self.arm = if r.chance(20) { Arm::Control } else { Arm::Participant };
        self.municipality = *r.pick(&MUNICIPALITIES);
        self.language = *r.pick(&LANGUAGES);
        self.start = add_days(v.starts.0, r.between(0, days_between(v.starts.0, v.starts.1)));
        self.birth = birth_date(r, self.start);
        self.fill_groups(r, v);
        self.fill_service(r, v);
        self.fill_spells(r, v);
        self.fill_earnings(r, v);
        self.fill_events(r, v);
        self.fill_measures(r, v);
        self.feedback = match (self.arm, self.end) {
            (Arm::Participant, Some(end)) if r.chance(60) => Some((end, satisfaction(r))),
            _ => None,
        };
        self.attributes.clear();
        for (_, ty) in &v.attributes {
            let value = match ty {
                AttributeType::Text => {
                    Attribute::Text(ATTRIBUTE_TEXTS[r.between(0, ATTRIBUTE_TEXTS.len() as i64 - 1) as usize])
                }
                AttributeType::Number => Attribute::Number(r.between(0, 36)),
                AttributeType::Date => Attribute::Date(add_days(self.start, -r.between(0, 720))),
                AttributeType::Boolean => Attribute::Bool(r.chance(50)),
            };
            self.attributes.push(value);
        }
    }

    /// One to three groups; the contract's first two (its main target
    /// groups) are the common ones.
    fn fill_groups(&mut self, r: &mut Rng, v: &Vocabulary) {
        self.groups.clear();
        let main = r.between(0, v.groups.len().min(2) as i64 - 1) as usize;
        self.groups.push(main);
        for other in 0..v.groups.len() {
            if other != main && r.chance(15) {
                self.groups.push(other);
            }
        }
    }

    fn fill_service(&mut self, r: &mut Rng, v: &Vocabulary) {
        let end = add_days(self.start, r.between(30, 200));
        if end <= v.extraction && r.chance(90) {
            self.end = Some(end);
            self.completed = Some(r.chance(80));
        } else {
            self.end = None;
            self.completed = None;
        }
    }

    /// Unemployment before the service; after it work, education or more
    /// unemployment.
    fn fill_spells(&mut self, r: &mut Rng, v: &Vocabulary) {
        self.spells.clear();
        let before = add_days(self.start, -r.between(200, 1500));
        self.spells.push(Spell {
            kind: "unemployment",
            sector: None,
            start: before,
            end: Some(add_days(self.start, -1)).filter(|_| r.chance(50)),
            hours: None,
            source: "customer_system",
        });
        let after = self.end.unwrap_or(self.start);
        let roll = r.between(0, 99);
        let (kind, sector, hours, source) = match roll {
            0..=34 => ("employment", Some(Sector::Open), Some(*r.pick(&HOURS)), "income_register"),
            35..=44 => ("employment", Some(Sector::Subsidised), Some(*r.pick(&HOURS)), "income_register"),
            45..=47 => ("apprenticeship", None, Some("37.5"), "income_register"),
            48..=62 => ("education", None, None, "customer_system"),
            63..=65 => ("entrepreneurship", None, None, "self_report"),
            _ => return,
        };
        let start = add_days(after, r.between(-60, 240));
        if start > v.extraction {
            return;
        }
        let end = add_days(start, r.between(14, 500));
        let end = (end <= v.extraction && r.chance(55)).then_some(end);
        self.spells.push(Spell { kind, sector, start, end, hours, source });
    }

    /// The income register's months: a little before the service for some,
    /// and every month of paid work after it (up to a year).
    fn fill_earnings(&mut self, r: &mut Rng, v: &Vocabulary) {
        self.earnings.clear();
        if r.chance(30) {
            let month = first_of_month(add_days(self.start, -r.between(40, 330)));
            self.earnings.push((month, r.between(10_000, 90_000)));
        }
        let Some(work) = self.spells.iter().find(|s| matches!(s.kind, "employment" | "apprenticeship")) else {
            return;
        };
        let last = work.end.unwrap_or(v.extraction).min(v.extraction);
        let mut month = first_of_month(work.start);
        let monthly = r.between(90_000, 380_000);
        while month <= last && self.earnings.len() < 13 {
            self.earnings.push((month, monthly + r.between(-5_000, 5_000)));
            month = month.checked_add_months(Months::new(1)).unwrap_or(NaiveDate::MAX);
        }
    }

    fn fill_events(&mut self, r: &mut Rng, v: &Vocabulary) {
        self.events.clear();
        if r.chance(20) {
            let kind = r.between(0, v.event_kinds.len() as i64 - 1) as usize;
            let date = add_days(self.start, r.between(0, 180)).min(v.extraction);
            let value = r.chance(50).then(|| *r.pick(&EVENT_VALUES));
            self.events.push((kind, date, value));
        }
    }

    /// The change meter at the start and at the end of the service, the
    /// second a little better on average.
    fn fill_measures(&mut self, r: &mut Rng, v: &Vocabulary) {
        let (measured, times) = match self.arm {
            Arm::Participant => (r.chance(75), if self.end.is_some() { 2 } else { 1 }),
            Arm::Control => (r.chance(20), 1),
        };
        let count = if measured { times } else { 0 };
        self.measures.truncate(count);
        self.measures.resize_with(count, || (0, NaiveDate::MIN, Vec::new()));
        if let Some((instrument, date, scores)) = self.measures.first_mut() {
            *instrument = 0;
            *date = self.start;
            scores.clear();
            scores.extend(v.dimensions.iter().map(|_| r.between(1, 4) as u8));
        }
        if let ([(_, _, first)], [(instrument, date, scores)]) = self.measures.split_at_mut(1.min(count)) {
            *instrument = 0;
            *date = self.end.unwrap_or(self.start);
            scores.clear();
            scores.extend(first.iter().map(|s| (s + r.between(0, 2) as u8).min(5)));
        }
    }
}

/// Born 18–62 years before the service start.
fn birth_date(r: &mut Rng, start: NaiveDate) -> NaiveDate {
    add_days(start, -r.between(18 * 366, 62 * 365))
}

/// Mostly satisfied, as surveys are.
fn satisfaction(r: &mut Rng) -> u8 {
    match r.between(0, 9) {
        0 => 2,
        1..=2 => 3,
        3..=6 => 4,
        _ => 5,
    }
}

fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    let moved = if days >= 0 {
        date.checked_add_days(Days::new(days as u64))
    } else {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
    };
    moved.unwrap_or(date)
}

fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days().max(0)
}

fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}
