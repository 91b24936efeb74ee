//! What a records file holds, for the data steward's `tulos records PATH`:
//! counts and date ranges, built one record at a time so that a file of any
//! size can be summarised while it streams. All maps are ordered, so the
//! output (JSON or text) is deterministic. Sums are checked: one that
//! would overflow is an error naming the record, never a panic.
//!
//! A summary can also be counted in parts and merged
//! ([`Summary::count_in`], [`Summary::merge_counts`]): every figure but the
//! earnings' total adds up or widens in any order, so the reader's worker
//! threads count blocks of records; the total is summed in input order
//! ([`Summary::add_earnings`]), since a decimal sum may round differently
//! in another order and an overflow must name its record.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::model::{Record, Spell};
use crate::diagnostic::{Diagnostic, Location};

/// Earliest and latest date seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DateRange {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

/// Widens `range` to take in `other`.
fn merge_range(range: &mut Option<DateRange>, other: Option<DateRange>) {
    if let Some(other) = other {
        widen(range, other.first);
        widen(range, other.last);
    }
}

fn widen(range: &mut Option<DateRange>, date: NaiveDate) {
    match range {
        Some(r) => {
            r.first = r.first.min(date);
            r.last = r.last.max(date);
        }
        None => *range = Some(DateRange { first: date, last: date }),
    }
}

/// Updates the entry of `key`, made when new: a key already there (nearly
/// every time) is found with one search and without copying it.
fn count<V: Default>(map: &mut BTreeMap<String, V>, key: &str, update: impl FnOnce(&mut V)) {
    match map.get_mut(key) {
        Some(value) => update(value),
        None => update(map.entry(key.to_owned()).or_default()),
    }
}

/// `total / count` rounded half away from zero to two places, always
/// written with two (4.50, not 4.5). Exact: in integers, since the sum
/// of at most 5 per feedback cannot overflow them.
fn mean_of(total: u64, count: u64) -> Decimal {
    let (total, count) = (u128::from(total), u128::from(count.max(1)));
    // floor(100 · total / count + 1/2): the hundredths, rounded half up.
    let hundredths = (200 * total + count) / (2 * count);
    Decimal::from_i128_with_scale(i128::try_from(hundredths).unwrap_or(i128::MAX), 2)
}

/// Spells of one kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SpellStats {
    pub count: u64,
    /// Spells without an end (ongoing at the extraction date).
    pub ongoing: u64,
    pub starts: Option<DateRange>,
    pub ends: Option<DateRange>,
}

impl SpellStats {
    fn add(&mut self, s: &Spell) {
        self.count += 1;
        widen(&mut self.starts, s.start);
        match s.end {
            Some(end) => widen(&mut self.ends, end),
            None => self.ongoing += 1,
        }
    }

    fn merge(&mut self, more: &SpellStats) {
        self.count += more.count;
        self.ongoing += more.ongoing;
        merge_range(&mut self.starts, more.starts);
        merge_range(&mut self.ends, more.ends);
    }
}

/// Events or measures of one kind or instrument.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DatedCount {
    pub count: u64,
    pub dates: Option<DateRange>,
}

impl DatedCount {
    fn add(&mut self, date: NaiveDate) {
        self.count += 1;
        widen(&mut self.dates, date);
    }

    fn merge(&mut self, more: &DatedCount) {
        self.count += more.count;
        merge_range(&mut self.dates, more.dates);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EarningStats {
    pub count: u64,
    pub total: Decimal,
    /// First days of the earliest and latest payment month.
    pub months: Option<DateRange>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FeedbackStats {
    pub count: u64,
    pub satisfaction_total: u64,
    /// Exact mean, rounded half away from zero to 2 places.
    pub mean_satisfaction: Option<Decimal>,
}

/// How many services are completed, dropped out, or unknown.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Completion {
    pub completed: u64,
    pub dropped_out: u64,
    pub unknown: u64,
}

/// The summary of a records input.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub records: u64,
    /// `participant` / `control` → count.
    pub by_arm: BTreeMap<String, u64>,
    /// Records that name a contract, by contract id. Whether a contract is
    /// "other" depends on the contract being evaluated; records without a
    /// contract belong to it.
    pub by_contract: BTreeMap<String, u64>,
    pub without_contract: u64,
    pub by_municipality: BTreeMap<String, u64>,
    pub without_municipality: u64,
    pub by_group: BTreeMap<String, u64>,
    pub service_starts: Option<DateRange>,
    pub service_ends: Option<DateRange>,
    /// Services without an end date.
    pub service_ongoing: u64,
    pub completion: Completion,
    /// Spell kind (normalised) → statistics.
    pub spells: BTreeMap<String, SpellStats>,
    pub earnings: EarningStats,
    /// Event kind → count and dates.
    pub events: BTreeMap<String, DatedCount>,
    /// Instrument → measurement count and dates.
    pub measures: BTreeMap<String, DatedCount>,
    pub feedback: FeedbackStats,
}

impl Summary {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one record in; fails, naming the record, only when a sum
    /// would exceed what an exact decimal holds (the summary is then
    /// unchanged).
    pub fn add(&mut self, r: &Record) -> Result<(), Diagnostic> {
        if !self.add_earnings(r.earnings.iter().map(|e| e.amount)) {
            let location = Location::Line { line: r.origin.line, column: None };
            let message = format!(
                "participant {:?}: the total of all earnings read so far exceeds the largest exact decimal",
                super::hetu::redact(&r.id)
            );
            return Err(Diagnostic::error(&*r.origin.file, location, message)
                .with_help("check the earnings amounts: the sum of every earning in a file cannot be this large"));
        }
        self.count_in(r);
        Ok(())
    }

    /// Adds one record's earnings `amounts` to the total, in order, or
    /// leaves it unchanged and says so when the sum would exceed what an
    /// exact decimal holds. Always in input order: a decimal sum can round
    /// differently in another order.
    pub(super) fn add_earnings(&mut self, amounts: impl IntoIterator<Item = Decimal>) -> bool {
        match amounts.into_iter().try_fold(self.earnings.total, Decimal::checked_add) {
            Some(total) => {
                self.earnings.total = total;
                true
            }
            None => false,
        }
    }

    /// Counts one record in, all but its earnings' total
    /// ([`Summary::add_earnings`]): what a worker thread counts for a block
    /// of records, merged in later with [`Summary::merge_counts`].
    pub(super) fn count_in(&mut self, r: &Record) {
        self.records += 1;
        count(&mut self.by_arm, r.arm.as_str(), |n| *n += 1);
        match &r.contract {
            Some(c) => count(&mut self.by_contract, c, |n| *n += 1),
            None => self.without_contract += 1,
        }
        match &r.municipality {
            Some(m) => count(&mut self.by_municipality, m, |n| *n += 1),
            None => self.without_municipality += 1,
        }
        for g in &r.groups {
            count(&mut self.by_group, g, |n| *n += 1);
        }
        self.add_service(r);
        for s in &r.spells {
            count(&mut self.spells, &s.kind, |stats| stats.add(s));
        }
        for e in &r.earnings {
            self.earnings.count += 1;
            widen(&mut self.earnings.months, e.month);
        }
        for e in &r.events {
            count(&mut self.events, &e.kind, |c| c.add(e.date));
        }
        for m in &r.measures {
            count(&mut self.measures, &m.instrument, |c| c.add(m.date));
        }
        self.add_feedback(r);
    }

    /// Adds what `part` counted with [`Summary::count_in`] (its earnings'
    /// total is not part of it): the same summary as counting its records
    /// in here, since counts add up and date ranges widen in any order.
    pub(super) fn merge_counts(&mut self, part: &Summary) {
        self.records += part.records;
        for (map, more) in [
            (&mut self.by_arm, &part.by_arm),
            (&mut self.by_contract, &part.by_contract),
            (&mut self.by_municipality, &part.by_municipality),
            (&mut self.by_group, &part.by_group),
        ] {
            for (key, n) in more {
                count(map, key, |m| *m += n);
            }
        }
        self.without_contract += part.without_contract;
        self.without_municipality += part.without_municipality;
        merge_range(&mut self.service_starts, part.service_starts);
        merge_range(&mut self.service_ends, part.service_ends);
        self.service_ongoing += part.service_ongoing;
        let (c, more) = (&mut self.completion, &part.completion);
        (c.completed, c.dropped_out, c.unknown) =
            (c.completed + more.completed, c.dropped_out + more.dropped_out, c.unknown + more.unknown);
        for (kind, more) in &part.spells {
            count(&mut self.spells, kind, |s| s.merge(more));
        }
        self.earnings.count += part.earnings.count;
        merge_range(&mut self.earnings.months, part.earnings.months);
        for (map, more) in [(&mut self.events, &part.events), (&mut self.measures, &part.measures)] {
            for (name, d) in more {
                count(map, name, |c| c.merge(d));
            }
        }
        if part.feedback.count > 0 {
            let f = &mut self.feedback;
            f.count += part.feedback.count;
            f.satisfaction_total += part.feedback.satisfaction_total;
            f.mean_satisfaction = Some(mean_of(f.satisfaction_total, f.count));
        }
    }

    fn add_service(&mut self, r: &Record) {
        widen(&mut self.service_starts, r.service.start);
        match r.service.end {
            Some(end) => widen(&mut self.service_ends, end),
            None => self.service_ongoing += 1,
        }
        match r.service.completed {
            Some(true) => self.completion.completed += 1,
            Some(false) => self.completion.dropped_out += 1,
            None => self.completion.unknown += 1,
        }
    }

    fn add_feedback(&mut self, r: &Record) {
        if r.feedback.is_empty() {
            return;
        }
        let f = &mut self.feedback;
        f.count += r.feedback.len() as u64;
        f.satisfaction_total += r.feedback.iter().map(|x| u64::from(x.satisfaction)).sum::<u64>();
        f.mean_satisfaction = Some(mean_of(f.satisfaction_total, f.count));
    }

    /// A compact, readable report with English labels.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let _ = self.write_text(&mut out);
        out
    }

    fn write_text(&self, out: &mut String) -> std::fmt::Result {
        writeln!(out, "records: {} ({})", self.records, counts(&self.by_arm))?;
        let mut contracts = counts(&self.by_contract);
        if self.without_contract > 0 {
            contracts = join([format!("(none) {}", self.without_contract), contracts]);
        }
        writeln!(out, "contracts: {}", or_none(contracts))?;
        let mut municipalities = counts(&self.by_municipality);
        if self.without_municipality > 0 {
            municipalities = join([municipalities, format!("(none) {}", self.without_municipality)]);
        }
        writeln!(out, "municipalities: {}", or_none(municipalities))?;
        writeln!(out, "groups: {}", or_none(counts(&self.by_group)))?;
        let c = &self.completion;
        writeln!(
            out,
            "service: start {}; end {}; ongoing {}; completed {}, dropped out {}, unknown {}",
            range(self.service_starts),
            range(self.service_ends),
            self.service_ongoing,
            c.completed,
            c.dropped_out,
            c.unknown
        )?;
        writeln!(out, "spells:{}", if self.spells.is_empty() { " none" } else { "" })?;
        for (kind, s) in &self.spells {
            writeln!(
                out,
                "  {kind}: {} (ongoing {}), start {}, end {}",
                s.count,
                s.ongoing,
                range(s.starts),
                range(s.ends)
            )?;
        }
        let months = self
            .earnings
            .months
            .map_or_else(|| "-".to_owned(), |r| format!("{} … {}", r.first.format("%Y-%m"), r.last.format("%Y-%m")));
        writeln!(out, "earnings: {} months, total {}, {months}", self.earnings.count, self.earnings.total)?;
        for (label, map) in [("events", &self.events), ("measures", &self.measures)] {
            writeln!(out, "{label}:{}", if map.is_empty() { " none" } else { "" })?;
            for (name, d) in map {
                writeln!(out, "  {name}: {}, {}", d.count, range(d.dates))?;
            }
        }
        let mean = self.feedback.mean_satisfaction.map_or_else(|| "-".to_owned(), |m| m.to_string());
        writeln!(out, "feedback: {}, mean satisfaction {mean}", self.feedback.count)
    }
}

fn counts(map: &BTreeMap<String, u64>) -> String {
    join(map.iter().map(|(k, n)| format!("{k} {n}")))
}

fn join(parts: impl IntoIterator<Item = String>) -> String {
    parts.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(", ")
}

fn or_none(text: String) -> String {
    if text.is_empty() {
        "none".to_owned()
    } else {
        text
    }
}

fn range(r: Option<DateRange>) -> String {
    r.map_or_else(|| "-".to_owned(), |r| format!("{} … {}", r.first, r.last))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use super::*;
    use crate::records::{Earning, Origin, Service};

    fn with_earning(amount: Decimal) -> Record {
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        Record {
            id: "P-1".into(),
            contract: None,
            arm: Default::default(),
            weight: Decimal::ONE,
            municipality: None,
            birth_date: None,
            groups: Vec::new(),
            service: Service { start: day, end: None, completed: None },
            spells: Vec::new(),
            earnings: vec![Earning { month: day, amount }],
            events: Vec::new(),
            measures: Vec::new(),
            feedback: Vec::new(),
            attributes: BTreeMap::new(),
            origin: Origin { file: Arc::new(PathBuf::from("r.jsonl")), line: 7 },
        }
    }

    #[test]
    fn an_earnings_total_that_would_overflow_is_an_error_not_a_panic() {
        let mut summary = Summary::new();
        summary.add(&with_earning(Decimal::MAX)).unwrap();
        let d = summary.add(&with_earning(Decimal::MAX)).unwrap_err();
        assert_eq!(d.location, Location::Line { line: 7, column: None });
        assert!(d.message.contains("exceeds the largest exact decimal"), "{}", d.message);
        assert_eq!((summary.records, summary.earnings.total), (1, Decimal::MAX), "unchanged by the refused record");
    }

    #[test]
    fn the_mean_is_the_exact_quotient_rounded_half_away_from_zero() {
        use rust_decimal::RoundingStrategy;
        for count in 1..=400u64 {
            for total in count..=5 * count {
                let mut exact = (Decimal::from(total) / Decimal::from(count))
                    .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
                exact.rescale(2);
                let mean = mean_of(total, count);
                assert_eq!((mean, mean.to_string()), (exact, exact.to_string()), "{total} / {count}");
            }
        }
        assert_eq!(mean_of(9, 2).to_string(), "4.50");
        assert_eq!(mean_of(u64::MAX / 5 * 5, u64::MAX / 5).to_string(), "5.00");
    }
}
