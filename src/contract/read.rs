//! A small reader over the spanned TOML document that collects *every*
//! problem of a contract file, not just the first one.
//!
//! serde's derive stops at the first error; procurement officers should see
//! all of them at once, each with the exact span and what to write instead.
//! So the contract is read by hand from `toml::de::DeTable`, whose keys and
//! values carry byte spans.

use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::diagnostic::{closest, Diagnostic, Location};
use crate::money::parse_decimal;

pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

/// Collects diagnostics while a contract file is read.
pub(crate) struct Reader<'s> {
    pub file: PathBuf,
    pub text: &'s str,
    pub diags: Vec<Diagnostic>,
}

/// A TOML table being read, with the name used for it in messages.
#[derive(Clone, Copy)]
pub(crate) struct Table<'a, 'i> {
    pub entries: &'a DeTable<'i>,
    pub span: (usize, usize),
    pub path: &'a str,
}

impl<'a, 'i> Table<'a, 'i> {
    pub fn new(entries: &'a DeTable<'i>, span: Range<usize>, path: &'a str) -> Self {
        Table { entries, span: (span.start, span.end), path }
    }

    pub fn get(&self, key: &str) -> Option<&'a Value<'i>> {
        self.entries.iter().find(|(k, _)| k.get_ref() == key).map(|(_, v)| v)
    }

    pub fn range(&self) -> Range<usize> {
        self.span.0..self.span.1
    }

    /// The span of the table's header, for "missing key" messages: a
    /// table's span starts at its header, so the first line is enough.
    pub fn header_span(&self, text: &str) -> Range<usize> {
        let start = self.span.0.min(text.len());
        let end = text[start..].find('\n').map_or(text.len(), |n| start + n);
        start..end.max(start + 1).min(text.len().max(start))
    }
}

impl<'s> Reader<'s> {
    pub fn new(file: &Path, text: &'s str) -> Self {
        Reader { file: file.to_path_buf(), text, diags: Vec::new() }
    }

    pub fn error(&mut self, span: Range<usize>, message: impl Into<String>) -> &mut Diagnostic {
        self.diags.push(Diagnostic::error(&self.file, Location::Span(span), message));
        self.diags.last_mut().expect("just pushed")
    }

    /// Report keys of `table` that are not in `known`, suggesting the
    /// closest known key.
    pub fn unknown_keys(&mut self, table: Table, known: &[&str]) {
        for (key, _) in table.entries.iter() {
            let name = key.get_ref().as_ref();
            if known.contains(&name) {
                continue;
            }
            let help = match closest(name, known) {
                Some(k) => format!("did you mean `{k}`?"),
                None => format!("the keys allowed here are: {}", known.join(", ")),
            };
            let message = format!("unknown key `{name}` in {}", table.path);
            self.error(key.span(), message).help = Some(help);
        }
    }

    pub fn required<'a, 'i>(&mut self, table: Table<'a, 'i>, key: &str, example: &str) -> Option<&'a Value<'i>> {
        let found = table.get(key);
        if found.is_none() {
            let span = table.header_span(self.text);
            self.error(span, format!("{} is missing the key `{key}`", table.path)).help =
                Some(format!("add a line such as: {example}"));
        }
        found
    }

    pub fn string(&mut self, value: &Value, what: &str) -> Option<String> {
        match value.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                self.type_error(value, what, "a text in quotes", other);
                None
            }
        }
    }

    pub fn opt_string(&mut self, table: Table, key: &str) -> Option<String> {
        let v = table.get(key)?;
        self.string(v, &format!("`{key}` in {}", table.path))
    }

    pub fn strings(&mut self, value: &Value, what: &str) -> Vec<String> {
        let Some(items) = self.array(value, what) else { return Vec::new() };
        items.iter().filter_map(|v| self.string(v, what)).collect()
    }

    pub fn array<'a, 'i>(&mut self, value: &'a Value<'i>, what: &str) -> Option<&'a [Value<'i>]> {
        match value.get_ref() {
            DeValue::Array(a) => Some(a.as_ref()),
            other => {
                self.type_error(value, what, "a list in brackets, e.g. [\"a\", \"b\"]", other);
                None
            }
        }
    }

    pub fn table<'a, 'i>(&mut self, value: &'a Value<'i>, path: &'a str) -> Option<Table<'a, 'i>> {
        match value.get_ref() {
            DeValue::Table(t) => Some(Table::new(t, value.span(), path)),
            other => {
                self.type_error(value, path, "a table", other);
                None
            }
        }
    }

    pub fn boolean(&mut self, value: &Value, what: &str) -> Option<bool> {
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.type_error(value, what, "true or false", other);
                None
            }
        }
    }

    pub fn integer(&mut self, value: &Value, what: &str, min: i64) -> Option<i64> {
        let n = match value.get_ref() {
            DeValue::Integer(i) => i.as_str().replace('_', "").parse::<i64>().ok(),
            other => {
                self.type_error(value, what, "a whole number", other);
                return None;
            }
        };
        match n {
            Some(n) if n >= min => Some(n),
            _ => {
                self.error(value.span(), format!("{what} must be a whole number of at least {min}"));
                None
            }
        }
    }

    /// An exact decimal, written as a string (`"1200.00"`) or an integer
    /// (`1200`). Floats are refused: TOML floats go through f64 and lose
    /// the scale (`12.50` → `12.5`) or digits.
    pub fn decimal(&mut self, value: &Value, what: &str) -> Option<Decimal> {
        match value.get_ref() {
            DeValue::String(s) => {
                let d = parse_decimal(s);
                if d.is_none() {
                    self.error(
                        value.span(),
                        format!("{what}: expected a decimal number such as \"1200.00\", found \"{s}\""),
                    )
                    .help = Some("use digits with a point for decimals, no spaces, units or commas".into());
                }
                d
            }
            DeValue::Integer(i) => i.as_str().replace('_', "").parse::<i64>().ok().map(Decimal::from),
            DeValue::Float(f) => {
                let text = f.as_str();
                let d = self.error(value.span(), format!("{what} is written as a floating-point number ({text})"));
                d.label = Some("a float loses cents".into());
                d.help = Some(format!("write it in quotes as an exact decimal: \"{text}\""));
                None
            }
            other => {
                self.type_error(value, what, "a decimal number in quotes, e.g. \"1200.00\"", other);
                None
            }
        }
    }

    /// A date: a native TOML date (`2026-01-31`) or an ISO string.
    pub fn date(&mut self, value: &Value, what: &str) -> Option<NaiveDate> {
        let parsed = match value.get_ref() {
            DeValue::Datetime(dt) => match (dt.date, dt.time) {
                (Some(d), None) => NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day)),
                _ => None,
            },
            DeValue::String(s) => crate::calendar::parse_iso_date(s),
            _ => None,
        };
        if parsed.is_none() {
            let found = self.snippet(value.span());
            self.error(value.span(), format!("{what}: expected a date such as 2026-01-31, found {found}")).help =
                Some("write dates as YYYY-MM-DD without time or quotes".into());
        }
        parsed
    }

    pub fn type_error(&mut self, value: &Value, what: &str, expected: &str, found: &DeValue) {
        let found = describe(found);
        self.error(value.span(), format!("{what}: expected {expected}, found {found}"));
    }

    fn snippet(&self, span: Range<usize>) -> String {
        let s = self.text.get(span).unwrap_or("?");
        let first = s.lines().next().unwrap_or("");
        if first.chars().count() > 40 {
            format!("{}…", first.chars().take(40).collect::<String>())
        } else {
            first.to_string()
        }
    }
}

fn describe(v: &DeValue) -> &'static str {
    match v {
        DeValue::String(_) => "a text",
        DeValue::Integer(_) => "a whole number",
        DeValue::Float(_) => "a floating-point number",
        DeValue::Boolean(_) => "true/false",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}
