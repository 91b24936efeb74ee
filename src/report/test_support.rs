//! What the writers' tests share: a failing sink and small constructors.

use std::io::{self, Write};
use std::str::FromStr;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// A sink that takes `room` bytes and then fails.
pub(super) struct Full {
    pub room: usize,
}

impl Write for Full {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if bytes.len() > self.room {
            return Err(io::Error::other("disk full"));
        }
        self.room -= bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

pub(super) fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

pub(super) fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

pub(super) fn texts(parts: &[&str]) -> Arc<[Arc<str>]> {
    parts.iter().map(|p| Arc::from(*p)).collect()
}
