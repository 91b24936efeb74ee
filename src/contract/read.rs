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
use crate::money::{parse_exact, DecimalError};
use crate::text::{hides_or_forges, is_layout};

pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

/// Collects diagnostics while a contract file is read.
pub(crate) struct Reader<'s> {
    pub file: PathBuf,
    pub text: &'s str,
    pub diags: Vec<Diagnostic>,
    /// Byte offset where each line of `text` starts: every outcome and rule
    /// records its line, and counting from the top each time made a
    /// contract of 10,000 outcomes take a minute to read.
    line_starts: Vec<usize>,
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
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Reader { file: file.to_path_buf(), text, diags: Vec::new(), line_starts }
    }

    /// 1-based line and character column of byte `offset`, as
    /// [`Diagnostic::line_col`] gives them, found by binary search.
    pub fn line_col(&self, offset: usize) -> (u64, u64) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let index = self.line_starts.partition_point(|&start| start <= offset).saturating_sub(1);
        let start = self.line_starts.get(index).copied().unwrap_or(0).min(offset);
        (index as u64 + 1, self.text[start..offset].chars().count() as u64 + 1)
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

    /// A text in quotes. A character that can hide or reorder text is
    /// refused (line breaks and tabs aside): in a rule it could make the
    /// code read differently from what runs, and in a name or clause forge
    /// what a statement shows.
    pub fn string(&mut self, value: &Value, what: &str) -> Option<String> {
        match value.get_ref() {
            DeValue::String(s) => match s.chars().enumerate().find(|&(_, c)| hides_or_forges(c) && !is_layout(c)) {
                Some((at, c)) => {
                    let message = format!(
                        "{what} contains the control or invisible formatting character U+{:04X} (character {})",
                        u32::from(c),
                        at + 1
                    );
                    self.error(value.span(), message).help = Some(
                        "remove it: such characters can hide or reorder text, so the contract would not read as it runs"
                            .to_string(),
                    );
                    None
                }
                None => Some(s.to_string()),
            },
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
        if !matches!(value.get_ref(), DeValue::Integer(_)) {
            self.type_error(value, what, "a whole number", value.get_ref());
            return None;
        }
        let written = self.plain_integer(value, what)?;
        match written.parse::<i64>() {
            Ok(n) if n >= min => Some(n),
            _ => {
                self.error(value.span(), format!("{what} must be a whole number of at least {min}, found {written}"));
                None
            }
        }
    }

    /// The digits of a TOML integer as written, when it is a plain decimal
    /// integer. TOML also allows `0x7D0`, `0o17`, `0b101`, `+5` and
    /// `1_000`; the parsed value hides how it was written, so the source
    /// text is inspected: money and counts are written one way only, and a
    /// hex `0x10` never quietly becomes 10 or 16.
    fn plain_integer(&mut self, value: &Value, what: &str) -> Option<String> {
        let written = self.text.get(value.span()).unwrap_or("").trim();
        let digits = written.strip_prefix('-').unwrap_or(written);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return Some(written.to_string());
        }
        let form = if digits.starts_with("0x") {
            "a hexadecimal number"
        } else if digits.starts_with("0o") {
            "an octal number"
        } else if digits.starts_with("0b") {
            "a binary number"
        } else if written.starts_with('+') {
            "a number with a `+` sign"
        } else if written.contains('_') {
            "a number with `_` separators"
        } else {
            "a number in an unusual form"
        };
        let plain = match value.get_ref() {
            DeValue::Integer(i) => i128::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok(),
            _ => None,
        };
        let example = plain.map_or_else(|| "\"2000.00\"".to_string(), |n| format!("{n}"));
        let d = self.error(value.span(), format!("{what} is written as {form} ({written})"));
        d.label = Some("only plain decimal digits are read".into());
        d.help = Some(format!("write plain decimal digits, e.g. {example}, or an exact decimal in quotes"));
        None
    }

    /// An exact decimal, written as a string (`"1200.00"`) or a plain
    /// integer (`1200`). Floats are refused: TOML floats go through f64 and
    /// lose the scale (`12.50` → `12.5`) or digits. Hex, octal, binary,
    /// `+5` and `1_000` are refused (see [`Reader::plain_integer`]), and so
    /// is anything beyond [`crate::money::MAX_MAGNITUDE`] or with more
    /// digits than a decimal holds: a value is read exactly or not at all.
    pub fn decimal(&mut self, value: &Value, what: &str) -> Option<Decimal> {
        let written = match value.get_ref() {
            DeValue::String(s) => s.to_string(),
            DeValue::Integer(_) => self.plain_integer(value, what)?,
            DeValue::Float(f) => {
                let text = f.as_str();
                let d = self.error(value.span(), format!("{what} is written as a floating-point number ({text})"));
                d.label = Some("a float loses cents".into());
                d.help = Some(format!("write it in quotes as an exact decimal: \"{text}\""));
                return None;
            }
            other => {
                self.type_error(value, what, "a decimal number in quotes, e.g. \"1200.00\"", other);
                return None;
            }
        };
        match parse_exact(&written) {
            Ok(d) => Some(d),
            Err(reason) => {
                self.decimal_error(value.span(), what, &written, reason);
                None
            }
        }
    }

    /// The message for a decimal text that [`parse_exact`] refuses.
    pub fn decimal_error(&mut self, span: Range<usize>, what: &str, written: &str, reason: DecimalError) {
        let help = match reason {
            DecimalError::Syntax => "use digits with a point for decimals, no spaces, units, commas or `+`",
            DecimalError::TooPrecise => "write at most 28 significant digits; round the value in the contract text",
            DecimalError::TooLarge => "amounts, factors and percentages are at most 1000000000000000",
        };
        let message = match reason {
            DecimalError::Syntax => {
                format!("{what}: expected a decimal number such as \"1200.00\", found \"{written}\"")
            }
            _ => format!("{what}: \"{written}\" {reason}"),
        };
        self.error(span, message).help = Some(help.into());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_by_index_agrees_with_counting() {
        let text = "a = 1\r\nnimi = \"Jämsä\" x\n\nlast";
        let r = Reader::new(Path::new("c.toml"), text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(r.line_col(offset), Diagnostic::line_col(text, offset), "offset {offset}");
        }
    }
}
