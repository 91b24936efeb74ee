//! Data dates: records cannot know about days that had not happened when
//! they were extracted. A run whose as-of date is after the newest date
//! the records hold warns; a commit refuses it unless the user says on
//! which date the records were extracted.

use chrono::NaiveDate;

use super::LedgerError;
use crate::records::{AttributeValue, Record};

/// The newest date found in the records read, tallied record by record
/// (it is a [`Watch`](crate::payment::Watch) for `payment::calculate_on`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DataDates {
    pub newest: Option<NaiveDate>,
}

impl DataDates {
    /// Count the dates of one record: service start and end, spell starts
    /// and ends, earnings months (their first day, as written), events,
    /// measurements, feedback and date attributes. A birth date says
    /// nothing about when the data were extracted and is left out.
    pub fn add(&mut self, record: &Record) {
        self.newest = self.newest.max(Self::newest_of(record));
    }

    /// The newest date of one record that [`DataDates::add`] counts.
    fn newest_of(record: &Record) -> Option<NaiveDate> {
        let service = [Some(record.service.start), record.service.end];
        let spells = record.spells.iter().flat_map(|s| [Some(s.start), s.end]);
        let earnings = record.earnings.iter().map(|e| Some(e.month));
        let events = record.events.iter().map(|e| Some(e.date));
        let measures = record.measures.iter().map(|m| Some(m.date));
        let feedback = record.feedback.iter().map(|f| Some(f.date));
        let attributes = record.attributes.values().map(|a| match a {
            AttributeValue::Date(d) => Some(*d),
            _ => None,
        });
        service
            .into_iter()
            .chain(spells)
            .chain(earnings)
            .chain(events)
            .chain(measures)
            .chain(feedback)
            .chain(attributes)
            .flatten()
            .max()
    }

    /// The warning for a run as of `as_of`, when it is after every date in
    /// the records and `extracted_on` does not say they were extracted on
    /// or after it. No records, no dates: nothing to compare (the reader
    /// already warns that nothing was read).
    pub fn warning(&self, as_of: NaiveDate, extracted_on: Option<NaiveDate>) -> Option<String> {
        if extracted_on.is_some_and(|e| e >= as_of) {
            return None;
        }
        let newest = self.newest.filter(|n| *n < as_of)?;
        Some(format!(
            "the run is as of {as_of}, but the newest date in the records is {newest}: records extracted before \
             {as_of} cannot know about the days after it (a job started, a spell ended). Give --as-of {newest} if the \
             records were extracted then; a commit needs --records-extracted-on {as_of} to say they were extracted on \
             {as_of}"
        ))
    }

    /// Whether a run as of `as_of` may be committed: when the records hold
    /// a date on or after it, or `extracted_on` (the user's word on when
    /// the records were extracted) is on or after it.
    pub fn check_commit(&self, as_of: NaiveDate, extracted_on: Option<NaiveDate>) -> Result<(), LedgerError> {
        match (self.newest, extracted_on) {
            (_, Some(extracted)) if extracted >= as_of => Ok(()),
            (_, Some(extracted)) => Err(LedgerError::ExtractedBeforeAsOf { as_of, extracted }),
            (Some(newest), None) if newest < as_of => Err(LedgerError::DataBeforeAsOf { as_of, newest }),
            _ => Ok(()),
        }
    }
}

impl crate::payment::Watch for DataDates {
    /// The record's newest date.
    type Seen = Option<NaiveDate>;

    fn see(record: &Record) -> Self::Seen {
        Self::newest_of(record)
    }

    fn record(&mut self, newest: Self::Seen) {
        self.newest = self.newest.max(newest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        crate::calendar::parse_iso_date(s).expect("a date")
    }

    #[test]
    fn a_run_after_the_newest_date_warns_and_needs_the_extraction_date_to_commit() {
        let dates = DataDates { newest: Some(date("2026-05-20")) };
        assert!(dates.warning(date("2026-05-20"), None).is_none());
        let warning = dates.warning(date("2026-05-31"), None).expect("a warning");
        assert!(dates.warning(date("2026-05-31"), Some(date("2026-05-31"))).is_none());
        assert!(warning.contains("newest date in the records is 2026-05-20"), "{warning}");
        assert!(dates.check_commit(date("2026-05-20"), None).is_ok());
        assert!(matches!(dates.check_commit(date("2026-05-31"), None), Err(LedgerError::DataBeforeAsOf { .. })));
        assert!(dates.check_commit(date("2026-05-31"), Some(date("2026-05-31"))).is_ok());
        assert!(matches!(
            dates.check_commit(date("2026-05-31"), Some(date("2026-05-30"))),
            Err(LedgerError::ExtractedBeforeAsOf { .. })
        ));
    }

    #[test]
    fn no_dates_no_warning() {
        let dates = DataDates::default();
        assert!(dates.warning(date("2026-05-31"), None).is_none());
        assert!(dates.check_commit(date("2026-05-31"), None).is_ok());
    }
}
