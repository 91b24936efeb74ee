//! Turning rhai's errors into tulos's: compile errors become
//! [`Diagnostic`]s and runtime errors [`RuleError`]s, both located in the
//! file the officer edits (the contract, or a `rules/*.rhai` library).
//!
//! A rule's text starts somewhere inside a contract file: rhai's position
//! (line, character column within the script) is shifted by the position
//! of the script's first character. Library files are compiled whole, so
//! their positions need no shift.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rhai::{EvalAltResult, ParseError, ParseErrorType, Position};

use super::api::USAGE;
use super::context::OPERATIONS_SPENT;
use super::RuleError;
use crate::diagnostic::{Column, Diagnostic, Location};
use crate::records::hetu::{redact, redact_diagnostic};

/// Where a script's first character is in its file (1-based).
#[derive(Debug, Clone)]
pub struct Origin {
    pub file: PathBuf,
    pub line: u64,
    pub column: u64,
}

impl Origin {
    /// The start of a whole file (a library).
    pub fn file_start(file: &Path) -> Self {
        Origin { file: file.to_path_buf(), line: 1, column: 1 }
    }

    /// File line and column of a script position; a column is shifted
    /// only on the script's first line.
    pub fn locate(&self, pos: Position) -> (Option<u64>, Option<u64>) {
        let Some(line) = pos.line() else {
            return (None, None);
        };
        let line = line as u64;
        let column = pos.position().map(|c| c as u64);
        if line == 1 {
            (Some(self.line), column.map(|c| self.column + c - 1))
        } else {
            (Some(self.line + line - 1), column)
        }
    }

    pub fn location(&self, pos: Position) -> Location {
        match self.locate(pos) {
            (Some(line), column) => Location::Line { line, column: column.map(Column::Char) },
            _ => Location::File,
        }
    }

    fn describe(&self, pos: Position) -> String {
        match self.locate(pos) {
            (Some(line), Some(column)) => format!("{}:{line}:{column}", self.file.display()),
            (Some(line), None) => format!("{}:{line}", self.file.display()),
            _ => self.file.display().to_string(),
        }
    }
}

const SCOPE_HELP: &str = "a rule can use `p`, `as_of`, `achieved`, `params` and variables it declares with `let`; \
     a library function gets what it needs as parameters, e.g. `fn employed_after(p, day) { … }`";

/// A compile error of a rule or library as a diagnostic at its file
/// position; rhai's messages quote the script, so it is redacted.
pub fn parse_diagnostic(err: &ParseError, origin: &Origin) -> Diagnostic {
    redact_diagnostic(describe_parse_error(err, origin))
}

fn describe_parse_error(err: &ParseError, origin: &Origin) -> Diagnostic {
    let (message, help) = match err.err_type() {
        ParseErrorType::VariableUndefined(name) => (format!("unknown variable `{name}`"), Some(SCOPE_HELP)),
        ParseErrorType::Reserved(word) | ParseErrorType::ForbiddenVariable(word) if word == "eval" => (
            "`eval` is not available in rules".to_string(),
            Some("write the expression itself instead of building it as a string"),
        ),
        ParseErrorType::Reserved(word) | ParseErrorType::ForbiddenVariable(word) if word == "try" => (
            "`try … catch` is not available in rules".to_string(),
            Some("an error always stops the rule, so it cannot be hidden; test for a missing value first, e.g. `x != () && x >= 1`"),
        ),
        ParseErrorType::MissingToken(token, what) => {
            let message = format!("a `{token}` is missing {what}");
            return Diagnostic::error(&origin.file, origin.location(err.position()), message)
                .with_help(format!("add the `{token}`; the error is marked where the rule ended without it"));
        }
        other => (other.to_string(), None),
    };
    let diagnostic = Diagnostic::error(&origin.file, origin.location(err.position()), message);
    match help {
        Some(help) => diagnostic.with_help(help),
        None => diagnostic,
    }
}

/// A library with something other than function definitions.
pub fn stray_statement(origin: &Origin, pos: Position) -> Diagnostic {
    Diagnostic::error(&origin.file, origin.location(pos), "a rule library may only define functions")
        .with_label("statement outside a function")
        .with_help("move this into a rule in the contract, or into a `fn … { }` that rules call")
}

/// Which file each script-defined function came from.
pub type FunctionFiles = HashMap<String, Origin>;

/// A runtime error, located at the innermost failing call and naming the
/// chain of script functions that led there.
pub fn rule_error(
    rule: &str,
    participant: &str,
    rule_origin: &Origin,
    functions: &FunctionFiles,
    err: &EvalAltResult,
) -> RuleError {
    let mut err = err;
    let mut origin = rule_origin;
    let mut calls = Vec::new();
    while let EvalAltResult::ErrorInFunctionCall(name, _, inner, pos) = err {
        let called = if is_closure(name) { "in a closure".to_string() } else { format!("in `{name}`") };
        calls.push(format!("{called} called at {}", origin.describe(*pos)));
        origin = functions.get(name).unwrap_or(origin);
        err = inner;
    }
    let (line, column) = origin.locate(err.position());
    let mut message = describe(err);
    if !calls.is_empty() {
        message = format!("{message} ({})", calls.join(", "));
    }
    // Messages quote values (rhai's own included): no identity code may
    // leave the sandbox in one.
    RuleError {
        rule: rule.to_string(),
        participant: redact(participant),
        file: origin.file.clone(),
        line,
        column,
        message: redact(&message),
    }
}

/// rhai names a closure `anon$` and a hash.
fn is_closure(name: &str) -> bool {
    name.starts_with("anon$")
}

/// The message of an evaluation that ran out of operations.
pub const OUT_OF_OPERATIONS: &str = "operation limit exceeded (the script ran too long — is there an endless loop?)";

/// Whether `err` (at any call depth) is the operation limit: rhai's own, or
/// the evaluation's budget (see `context.rs`).
pub fn is_out_of_operations(err: &EvalAltResult) -> bool {
    match err {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _) => is_out_of_operations(inner),
        EvalAltResult::ErrorTooManyOperations(_) => true,
        EvalAltResult::ErrorTerminated(token, _) => token.to_string() == OPERATIONS_SPENT,
        _ => false,
    }
}

/// The message of one rhai error, without rhai's own position suffix.
fn describe(err: &EvalAltResult) -> String {
    match err {
        err if is_out_of_operations(err) => OUT_OF_OPERATIONS.into(),
        EvalAltResult::ErrorStackOverflow(_) => {
            "call depth limit exceeded (functions call each other too deeply — is there an endless recursion?)".into()
        }
        EvalAltResult::ErrorDataTooLarge(what, _) => format!("size limit exceeded: {what} is too large"),
        EvalAltResult::ErrorRuntime(value, _) => value.to_string(),
        EvalAltResult::ErrorFunctionNotFound(signature, _) => function_not_found(signature),
        other => {
            let text = other.to_string();
            let suffix = format!(" ({})", other.position());
            text.strip_suffix(&suffix).unwrap_or(&text).to_string()
        }
    }
}

/// Explain a call no registered function accepts: usually a known helper
/// with a wrong or missing (`()`) argument.
fn function_not_found(signature: &str) -> String {
    // rhai reports some refusals of its own through this error, as a
    // sentence rather than a signature: `sort` of maps says "elements of
    // map cannot be sorted".
    if signature.contains(" cannot ") {
        return format!(
            "{signature}; give a comparer that orders them by a field, e.g. `a.sort(|x, y| x.days - y.days)`"
        );
    }
    let name = signature.split([' ', '(']).next().unwrap_or(signature);
    let missing = if signature.contains("()") {
        " — an argument is `()` (a missing value); test for `()` before using it"
    } else {
        ""
    };
    match USAGE.iter().find(|(n, _)| *n == name) {
        Some((_, usage)) => {
            format!("wrong arguments in call `{signature}`{missing}; usage: {usage}")
        }
        None if !name.starts_with(|c: char| c.is_alphabetic() || c == '_') => {
            format!("operator `{name}` cannot be applied to these values: {signature}{missing}")
        }
        None => format!("unknown function `{signature}`"),
    }
}
