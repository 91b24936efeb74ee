//! Diagnostics: what went wrong, where, and what to write instead.
//!
//! Every user-facing error of the library (contract files, rule scripts,
//! record files) can be turned into [`Diagnostic`]s. The library only
//! *describes* problems — file, byte span or line/column, message, hint;
//! rendering them with source snippets is the job of the binary.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input cannot be used.
    Error,
    /// The input can be used but is probably not what the author meant.
    Warning,
}

/// Where in a file a problem is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Location {
    /// A byte range into the file's text (contract and rule files, whose
    /// text is at hand for snippets).
    Span(Range<usize>),
    /// A physical line (1-based) and optionally a column: 1-based character
    /// column for text files, or a CSV column name.
    Line { line: u64, column: Option<Column> },
    /// The whole file (e.g. it cannot be opened).
    File,
}

/// A column within a line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Column {
    /// 1-based character position.
    Char(u64),
    /// A named CSV column.
    Named(String),
}

/// One problem found in an input file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: PathBuf,
    pub location: Location,
    /// What is wrong, one sentence.
    pub message: String,
    /// Short label shown at the snippet (e.g. "found a float here").
    pub label: Option<String>,
    /// What to write instead.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(file: impl Into<PathBuf>, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            location,
            message: message.into(),
            label: None,
            help: None,
        }
    }

    pub fn warning(file: impl Into<PathBuf>, location: Location, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(file, location, message) }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Line and column (both 1-based) of a byte offset in `text`.
    pub fn line_col(text: &str, offset: usize) -> (u64, u64) {
        let offset = offset.min(text.len());
        let before = &text[..floor_char_boundary(text, offset)];
        let line = before.matches('\n').count() as u64 + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
        (line, col)
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Plain one-line rendering `file:line:col: error: message (help: …)`, used
/// where no source text is at hand (logs, tests, JSON).
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        match &self.location {
            Location::Span(r) => write!(f, "@{}..{}", r.start, r.end)?,
            Location::Line { line, column } => {
                write!(f, ":{line}")?;
                match column {
                    Some(Column::Char(c)) => write!(f, ":{c}")?,
                    Some(Column::Named(n)) => write!(f, " (column `{n}`)")?,
                    None => {}
                }
            }
            Location::File => {}
        }
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {sev}: {}", self.message)?;
        if let Some(h) = &self.help {
            write!(f, " (help: {h})")?;
        }
        Ok(())
    }
}

/// A collection of diagnostics, at least one of them an error.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} error(s) in {}", .0.iter().filter(|d| d.severity == Severity::Error).count(), .0.first().map(|d| d.file.display().to_string()).unwrap_or_default())]
pub struct Diagnostics(pub Vec<Diagnostic>);

/// Suggestions for misspelt names ("did you mean …?").
/// The known word closest to `word`, if it is plausibly a typo of it.
pub fn closest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    // A truncated key (`achieved` for `achieved_on`) is as likely as a typo.
    let distance = |k: &str| if word.len() >= 4 && k.starts_with(word) { 1 } else { edit_distance(word, k) };
    known.iter().map(|k| (distance(k), *k)).filter(|(d, k)| *d <= 2.max(k.len() / 4)).min().map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        assert_eq!(closest("tarif", &["tariff", "clause"]), Some("tariff"));
        assert_eq!(closest("achieved", &["achieved_on", "condition"]), Some("achieved_on"));
        assert_eq!(closest("employd_on", &["employed_on", "days_in"]), Some("employed_on"));
        assert_eq!(closest("zzz", &["tariff", "clause"]), None);
    }

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "a = 1\nnimi = \"Jämsä\" x";
        let off = text.find('x').unwrap();
        assert_eq!(Diagnostic::line_col(text, off), (2, 16));
        assert_eq!(Diagnostic::line_col(text, 0), (1, 1));
    }
}
