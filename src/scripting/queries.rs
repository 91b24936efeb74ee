//! The record queries behind the rule helpers, in plain Rust.
//!
//! A [`View`] is a record seen from one `as_of` date: everything dated after
//! `as_of` is invisible, and an ongoing spell (`end: None`) runs up to
//! `as_of`, never beyond. Every helper that rules call on `p` is answered
//! here, so the semantics can be tested without a script engine and the
//! evaluation stays a pure function of (record, as_of).
//!
//! Errors are plain `String`s; the rhai layer turns them into runtime errors.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::calendar::{add_days, days_between, month_end, month_start};
use crate::records::{Measure, Record, Spell, Text};

/// Pseudo-kind: any paid work (employment ∪ subsidised employment ∪
/// apprenticeship ∪ entrepreneurship).
pub const ANY_EMPLOYMENT: &str = "any_employment";
const ANY_EMPLOYMENT_KINDS: [&str; 4] = ["employment", "subsidised_employment", "apprenticeship", "entrepreneurship"];

/// An inclusive run of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Interval {
    start: NaiveDate,
    end: NaiveDate,
}

impl Interval {
    fn days(self) -> i64 {
        days_between(self.start, self.end) + 1
    }

    /// The part of `self` inside `[from, to]`, if any.
    fn clip(self, from: NaiveDate, to: NaiveDate) -> Option<Interval> {
        let start = self.start.max(from);
        let end = self.end.min(to);
        (start <= end).then_some(Interval { start, end })
    }
}

/// A record as visible on `as_of`.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    pub record: &'a Record,
    pub as_of: NaiveDate,
}

type QueryResult<T> = Result<T, String>;

/// The exact sum of `amounts`, or an error naming `what` when it leaves
/// the decimal range (records are bounded, but a sum is checked anyway:
/// no input may panic).
fn checked_sum(amounts: impl IntoIterator<Item = Decimal>, what: &str) -> QueryResult<Decimal> {
    amounts
        .into_iter()
        .try_fold(Decimal::ZERO, |total, amount| total.checked_add(amount))
        .ok_or_else(|| format!("the {what} is too large for a decimal"))
}

fn check_window(from: NaiveDate, to: NaiveDate) -> QueryResult<()> {
    if from > to {
        return Err(format!("the window is empty: from {from} is after to {to}"));
    }
    Ok(())
}

fn kind_matches(wanted: &str, spell_kind: &str) -> bool {
    if wanted == ANY_EMPLOYMENT {
        ANY_EMPLOYMENT_KINDS.contains(&spell_kind)
    } else {
        wanted == spell_kind
    }
}

impl<'a> View<'a> {
    pub fn new(record: &'a Record, as_of: NaiveDate) -> Self {
        View { record, as_of }
    }

    // ---- spells -------------------------------------------------------

    /// A spell's visible days: ongoing spells end at `as_of`, later days
    /// are cut off, and spells starting after `as_of` vanish.
    fn visible(&self, spell: &Spell) -> Option<Interval> {
        let end = spell.end.unwrap_or(self.as_of).min(self.as_of);
        (spell.start <= end).then_some(Interval { start: spell.start, end })
    }

    fn spells_of<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = (&'a Spell, Interval)> + 's {
        self.record
            .spells
            .iter()
            .filter(move |s| kind_matches(kind, &s.kind))
            .filter_map(|s| self.visible(s).map(|i| (s, i)))
    }

    /// Days covered by spells of `kind`, overlapping and adjacent spells
    /// merged, in date order — so a day is never counted twice.
    fn coverage(&self, kind: &str) -> Vec<Interval> {
        let mut runs: Vec<Interval> = self.spells_of(kind).map(|(_, i)| i).collect();
        runs.sort_by_key(|i| i.start);
        let mut merged: Vec<Interval> = Vec::with_capacity(runs.len());
        for run in runs {
            match merged.last_mut() {
                Some(last) if add_days(last.end, 1).is_some_and(|next| run.start <= next) => {
                    last.end = last.end.max(run.end);
                }
                _ => merged.push(run),
            }
        }
        merged
    }

    fn coverage_in(&self, kind: &str, from: NaiveDate, to: NaiveDate) -> QueryResult<Vec<Interval>> {
        check_window(from, to)?;
        Ok(self.coverage(kind).into_iter().filter_map(|i| i.clip(from, to)).collect())
    }

    pub fn in_spell_on(&self, kind: &str, date: NaiveDate) -> bool {
        self.spells_of(kind).any(|(_, i)| i.start <= date && date <= i.end)
    }

    pub fn days_in(&self, kind: &str, from: NaiveDate, to: NaiveDate) -> QueryResult<i64> {
        Ok(self.coverage_in(kind, from, to)?.iter().map(|i| i.days()).sum())
    }

    pub fn first_day_in(&self, kind: &str, from: NaiveDate, to: NaiveDate) -> QueryResult<Option<NaiveDate>> {
        Ok(self.coverage_in(kind, from, to)?.first().map(|i| i.start))
    }

    pub fn continuous_days(&self, kind: &str, from: NaiveDate) -> i64 {
        self.coverage(kind)
            .iter()
            .find(|i| i.start <= from && from <= i.end)
            .map_or(0, |i| days_between(from, i.end) + 1)
    }

    pub fn nth_day_in(&self, kind: &str, from: NaiveDate, to: NaiveDate, n: i64) -> QueryResult<Option<NaiveDate>> {
        if n < 1 {
            return Err(format!("n must be at least 1, got {n}"));
        }
        let mut left = n;
        for run in self.coverage_in(kind, from, to)? {
            if left <= run.days() {
                return Ok(add_days(run.start, left - 1));
            }
            left -= run.days();
        }
        Ok(None)
    }

    pub fn continuous_milestones(
        &self,
        kind: &str,
        from: NaiveDate,
        step_days: i64,
        max: i64,
    ) -> QueryResult<Vec<NaiveDate>> {
        if step_days < 1 {
            return Err(format!("step_days must be at least 1, got {step_days}"));
        }
        if max < 0 {
            return Err(format!("max must not be negative, got {max}"));
        }
        let blocks = (self.continuous_days(kind, from) / step_days).min(max);
        Ok((1..=blocks).filter_map(|k| add_days(from, k * step_days - 1)).collect())
    }

    pub fn hours_on(&self, kind: &str, date: NaiveDate) -> QueryResult<Decimal> {
        let hours = self
            .spells_of(kind)
            .filter(|(_, i)| i.start <= date && date <= i.end)
            .filter_map(|(s, _)| s.hours_per_week);
        checked_sum(hours, "sum of weekly hours")
    }

    /// Every visible spell of `kind` with at least one visible day in
    /// `[from, to]`, unmerged, ordered by start (same-day starts keep input
    /// order). The spells are not clipped to the window.
    pub fn spells_in(&self, kind: &str, from: NaiveDate, to: NaiveDate) -> QueryResult<Vec<&'a Spell>> {
        check_window(from, to)?;
        let mut found: Vec<(&Spell, Interval)> =
            self.spells_of(kind).filter(|(_, i)| i.clip(from, to).is_some()).collect();
        found.sort_by_key(|(_, i)| i.start);
        Ok(found.into_iter().map(|(s, _)| s).collect())
    }

    /// A spell's last visible day: its end, or `as_of` while it is ongoing
    /// (or ends after `as_of`); `None` when it starts after `as_of`.
    pub fn last_visible_day(&self, spell: &Spell) -> Option<NaiveDate> {
        self.visible(spell).map(|i| i.end)
    }

    /// A spell's end as known on `as_of`: `None` while ongoing, and also
    /// when the recorded end lies after `as_of` (not known yet).
    pub fn known_end(&self, spell: &Spell) -> Option<NaiveDate> {
        spell.end.filter(|e| *e <= self.as_of)
    }

    /// The distinct start days in `[from, to]` of visible spells of
    /// `kind`, in date order.
    pub fn spell_starts(&self, kind: &str, from: NaiveDate, to: NaiveDate) -> QueryResult<Vec<NaiveDate>> {
        check_window(from, to)?;
        let mut starts: Vec<NaiveDate> =
            self.spells_of(kind).map(|(_, i)| i.start).filter(|d| from <= *d && *d <= to).collect();
        starts.sort_unstable();
        starts.dedup();
        Ok(starts)
    }

    // ---- earnings (tulorekisteri) -------------------------------------

    /// Monthly totals visible on `as_of` for payment months whose first
    /// day lies in `[month_start(from), to]`, in month order.
    fn monthly_earnings(&self, from: NaiveDate, to: NaiveDate) -> QueryResult<Vec<(NaiveDate, Decimal)>> {
        check_window(from, to)?;
        let (first, last) = (month_start(from), to.min(self.as_of));
        let mut months: Vec<(NaiveDate, Decimal)> = Vec::new();
        for e in &self.record.earnings {
            let m = month_start(e.month);
            if first <= m && m <= last {
                match months.iter_mut().find(|(month, _)| *month == m) {
                    Some((_, total)) => *total = checked_sum([*total, e.amount], "month's earnings total")?,
                    None => months.push((m, e.amount)),
                }
            }
        }
        months.sort_by_key(|(m, _)| *m);
        Ok(months)
    }

    pub fn earnings_sum(&self, from: NaiveDate, to: NaiveDate) -> QueryResult<Decimal> {
        checked_sum(self.monthly_earnings(from, to)?.into_iter().map(|(_, a)| a), "earnings sum")
    }

    /// Monthly totals of the calendar months lying wholly inside
    /// `[from, to]` that have ended by `as_of`: a part month at either end
    /// of the window, and the as-of date's own month unless `as_of` is its
    /// last day, are left out.
    fn whole_months(&self, from: NaiveDate, to: NaiveDate) -> QueryResult<Vec<(NaiveDate, Decimal)>> {
        let months = self.monthly_earnings(from, to)?;
        Ok(months.into_iter().filter(|(m, _)| *m >= from && month_end(*m) <= to.min(self.as_of)).collect())
    }

    pub fn earnings_sum_whole_months(&self, from: NaiveDate, to: NaiveDate) -> QueryResult<Decimal> {
        checked_sum(self.whole_months(from, to)?.into_iter().map(|(_, a)| a), "earnings sum")
    }

    pub fn earnings_threshold_date(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        amount: Decimal,
    ) -> QueryResult<Option<NaiveDate>> {
        if amount <= Decimal::ZERO {
            return Err(format!("the earnings threshold must be positive, got {amount}"));
        }
        let mut total = Decimal::ZERO;
        for (month, earned) in self.monthly_earnings(from, to)? {
            total = checked_sum([total, earned], "cumulative earnings")?;
            if total >= amount {
                return Ok(Some(month_end(month)));
            }
        }
        Ok(None)
    }

    // ---- events -------------------------------------------------------

    fn events<'s>(
        &'s self,
        kind: &'s str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> QueryResult<impl Iterator<Item = &'a crate::records::Event> + 's> {
        check_window(from, to)?;
        let last = to.min(self.as_of);
        Ok(self.record.events.iter().filter(move |e| e.kind == kind && from <= e.date && e.date <= last))
    }

    /// The earliest matching event; among events on one day, the first in
    /// input order.
    fn first_event_of(
        &self,
        kind: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> QueryResult<Option<&'a crate::records::Event>> {
        Ok(self.events(kind, from, to)?.fold(None, |best, e| match best {
            Some(b) if b.date <= e.date => Some(b),
            _ => Some(e),
        }))
    }

    /// Events of `kind` in `[from, to]` (up to `as_of`) in date order;
    /// same-day events keep input order. With `value`, only events whose
    /// value is exactly that text.
    pub fn events_in(
        &self,
        kind: &str,
        from: NaiveDate,
        to: NaiveDate,
        value: Option<&str>,
    ) -> QueryResult<Vec<&'a crate::records::Event>> {
        let mut found: Vec<&crate::records::Event> =
            self.events(kind, from, to)?.filter(|e| value.is_none() || e.value.as_deref() == value).collect();
        found.sort_by_key(|e| e.date);
        Ok(found)
    }

    pub fn has_event(&self, kind: &str, from: NaiveDate, to: NaiveDate) -> QueryResult<bool> {
        Ok(self.events(kind, from, to)?.next().is_some())
    }

    pub fn first_event(&self, kind: &str, from: NaiveDate, to: NaiveDate) -> QueryResult<Option<NaiveDate>> {
        Ok(self.first_event_of(kind, from, to)?.map(|e| e.date))
    }

    pub fn event_value(&self, kind: &str, from: NaiveDate, to: NaiveDate) -> QueryResult<Option<String>> {
        Ok(self.first_event_of(kind, from, to)?.and_then(|e| e.value.as_ref().map(Text::to_string)))
    }

    pub fn events_count(&self, kind: &str, from: NaiveDate, to: NaiveDate) -> QueryResult<i64> {
        Ok(self.events(kind, from, to)?.count() as i64)
    }

    // ---- measures (asiakasmuutosmittari and other instruments) --------

    /// Measurements with `instrument` visible on `as_of`, in date order
    /// (stable: same-day measurements keep input order).
    fn measurements(&self, instrument: &str) -> Vec<&'a Measure> {
        let mut found: Vec<&Measure> =
            self.record.measures.iter().filter(|m| m.instrument == instrument && m.date <= self.as_of).collect();
        found.sort_by_key(|m| m.date);
        found
    }

    fn with_dimension(&self, instrument: &str, dimension: &str) -> Vec<(NaiveDate, Decimal)> {
        self.measurements(instrument)
            .into_iter()
            .filter_map(|m| m.scores.get(dimension).map(|s| (m.date, *s)))
            .collect()
    }

    /// Measurements with `instrument` dated in `[from, to]` (up to
    /// `as_of`), in date order (same-day ones keep input order). With
    /// `dimensions`, only those that score every one of them.
    pub fn measurements_in(
        &self,
        instrument: &str,
        from: NaiveDate,
        to: NaiveDate,
        dimensions: Option<&[String]>,
    ) -> QueryResult<Vec<&'a Measure>> {
        check_window(from, to)?;
        Ok(self
            .measurements(instrument)
            .into_iter()
            .filter(|m| from <= m.date && m.date <= to)
            .filter(|m| dimensions.is_none_or(|dims| dims.iter().all(|d| m.scores.contains_key(d.as_str()))))
            .collect())
    }

    pub fn measure_first(&self, instrument: &str, dimension: &str) -> Option<Decimal> {
        self.with_dimension(instrument, dimension).first().map(|(_, s)| *s)
    }

    pub fn measure_last(&self, instrument: &str, dimension: &str) -> Option<Decimal> {
        self.with_dimension(instrument, dimension).last().map(|(_, s)| *s)
    }

    pub fn measure_change(&self, instrument: &str, dimension: &str) -> QueryResult<Option<Decimal>> {
        let scores = self.with_dimension(instrument, dimension);
        let (Some(first), Some(last)) = (scores.first(), scores.last()) else {
            return Ok(None);
        };
        if first.0 == last.0 {
            return Ok(None);
        }
        change(first.1, last.1).map(Some)
    }

    /// Sum of last − first over the dimensions both the first and the last
    /// measurement have; `None` without two dated measurements or without
    /// a shared dimension (a zero would claim "no change").
    pub fn measure_change_sum(&self, instrument: &str) -> QueryResult<Option<Decimal>> {
        let Some((first, last)) = self.first_and_last(instrument) else {
            return Ok(None);
        };
        if first.date == last.date {
            return Ok(None);
        }
        let changes = || last.scores.iter().filter_map(|(dim, score)| Some(change(*first.scores.get(dim)?, *score)));
        if changes().next().is_none() {
            return Ok(None);
        }
        // Every change is checked before the sum is: a change too large is
        // the error, whatever the sum of the others.
        for c in changes() {
            c?;
        }
        checked_sum(changes().flatten(), "sum of score changes").map(Some)
    }

    pub fn measure_last_date(&self, instrument: &str) -> Option<NaiveDate> {
        self.first_and_last(instrument).map(|(_, last)| last.date)
    }

    /// The first and the last of [`View::measurements`], found without
    /// gathering them: the earliest (the first given of a day) and the
    /// latest (the last given of a day). A rule of every participant asks.
    fn first_and_last(&self, instrument: &str) -> Option<(&'a Measure, &'a Measure)> {
        let mut found = self.record.measures.iter().filter(|m| m.instrument == instrument && m.date <= self.as_of);
        let one = found.next()?;
        Some(found.fold((one, one), |(first, last), m| {
            (if m.date < first.date { m } else { first }, if m.date >= last.date { m } else { last })
        }))
    }

    // ---- feedback -----------------------------------------------------

    pub fn satisfaction_last(&self) -> Option<i64> {
        self.record
            .feedback
            .iter()
            .filter(|f| f.date <= self.as_of)
            .fold(None, |best: Option<&crate::records::Feedback>, f| match best {
                Some(b) if b.date > f.date => Some(b),
                _ => Some(f),
            })
            .map(|f| i64::from(f.satisfaction))
    }

    pub fn feedback_count(&self) -> i64 {
        self.record.feedback.iter().filter(|f| f.date <= self.as_of).count() as i64
    }
}

/// `last − first`, checked.
fn change(first: Decimal, last: Decimal) -> QueryResult<Decimal> {
    last.checked_sub(first).ok_or_else(|| "the score change is too large for a decimal".to_string())
}
