//! Rendering diagnostics for the terminal, with source snippets where the
//! file is a contract or rule file (small, at hand), and as one plain line
//! for record files (possibly huge; the line number is enough to find it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, Config};
use tulos::diagnostic::{Column, Diagnostic, Location, Severity};

/// Render every diagnostic, in the order given. Whatever a diagnostic
/// quotes — message, label, help, the source lines of its snippet — is
/// shown as any value from input is (`report::shown`): no identity code,
/// no control character, whichever part of the program built the message.
pub fn diagnostics(diags: &[Diagnostic]) -> String {
    let mut texts: BTreeMap<PathBuf, Option<String>> = BTreeMap::new();
    let mut out = String::new();
    for d in diags {
        let d = &tulos::records::hetu::redact_diagnostic(d.clone());
        let text = texts.entry(d.file.clone()).or_insert_with(|| snippet_source(&d.file)).as_deref();
        match text.and_then(|t| span_of(d, t).map(|span| (t, span))) {
            Some((text, span)) => out.push_str(&with_snippet(d, text, span)),
            None => {
                out.push_str(&d.to_string());
                out.push('\n');
            }
        }
    }
    tulos::report::shown_lines(&out)
}

/// Source text for snippets: only for contract and rule files.
fn snippet_source(file: &Path) -> Option<String> {
    let ext = file.extension()?.to_str()?;
    matches!(ext, "toml" | "rhai").then(|| std::fs::read_to_string(file).ok()).flatten()
}

fn span_of(d: &Diagnostic, text: &str) -> Option<std::ops::Range<usize>> {
    match &d.location {
        Location::Span(r) => Some(r.clone()),
        Location::Line { line, column } => {
            // A line beyond the file (or line 0) gets no snippet rather than a panic.
            let skip = usize::try_from(*line).ok()?.checked_sub(1)?;
            let start = text.split_inclusive('\n').take(skip).map(str::len).sum::<usize>();
            let line_text = text.get(start..)?.lines().next().unwrap_or("");
            let col = match column {
                Some(Column::Char(c)) => {
                    line_text.char_indices().nth(*c as usize - 1).map_or(line_text.len(), |(i, _)| i)
                }
                _ => 0,
            };
            let end = line_text[col..].find(|c: char| c.is_whitespace()).map_or(line_text.len(), |e| col + e.max(1));
            Some(start + col..start + end.max(col))
        }
        Location::File => None,
    }
}

fn with_snippet(d: &Diagnostic, text: &str, span: std::ops::Range<usize>) -> String {
    let file = SimpleFile::new(d.file.display().to_string(), text);
    let report = match d.severity {
        Severity::Error => Report::error(),
        Severity::Warning => Report::warning(),
    };
    let label = Label::primary((), span).with_message(d.label.clone().unwrap_or_default());
    let notes = d.help.iter().map(|h| format!("help: {h}")).collect();
    let report = report.with_message(&d.message).with_labels(vec![label]).with_notes(notes);
    term::emit_into_string(&Config::default(), &file, &report).unwrap_or_else(|_| format!("{d}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_of_a_rendered_diagnostic_is_redacted_and_escaped() {
        let file = std::env::temp_dir().join(format!("tulos-render-{}.toml", std::process::id()));
        std::fs::write(&file, "[contract]\nbuyer = \"131052-308T\"\n").unwrap();
        let d = Diagnostic::error(&file, Location::Line { line: 2, column: None }, "found 010594Y9032\u{1b}[2J")
            .with_label("here: 131052-308T")
            .with_help("not \u{202e}020516C903K");
        let beyond = Diagnostic::error(&file, Location::Line { line: 0, column: None }, "line 0");
        let text = diagnostics(&[d, beyond]);
        std::fs::remove_file(&file).unwrap();
        for leak in ["131052", "010594", "020516", "\u{1b}", "\u{202e}"] {
            assert!(!text.contains(leak), "{leak:?} in {text}");
        }
        assert!(text.contains("\\u{1b}[2J") && text.contains("line 0"), "{text}");
    }
}
