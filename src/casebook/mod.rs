//! Contract tests officers write (`tests.toml` beside a contract).
//!
//! Each `[[case]]` gives records (a records file, or participants written
//! inline as `[[case.record]]` tables in the JSON Lines field layout of the
//! records format), an `as_of` date and what the statement must say:
//! `[[case.paid]]` lines with their amounts and dates, `[[case.not_paid]]`
//! items with their reason, and `[case.totals]`. A case runs the real
//! calculation; every expectation that does not hold is a [`Failure`]
//! naming the case, the `tests.toml` line, the clause, and what was expected
//! against what the statement says.
//!
//! Inline records are read by the ordinary records reader, so they are
//! checked exactly as an export would be; its diagnostics are pointed back
//! at the record's line in `tests.toml`.

mod spec;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::contract::{self, Contract};
use crate::diagnostic::{Diagnostic, Location};
use crate::payment::{self, CalcError, Evaluator, Request};
use crate::records;
use crate::statement::Statement;
use spec::{Case, Paid};

/// The file of contract tests beside a contract.
pub const FILE_NAME: &str = "tests.toml";

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Failure {
    pub case: String,
    /// Line of the expectation in `tests.toml`.
    pub line: u64,
    /// What the expectation is about: `C-001 job_entry #1`, `totals`.
    pub subject: String,
    /// The contract clause of the item, where it has one.
    pub clause: Option<String>,
    pub expected: String,
    pub got: String,
}

/// What running one `tests.toml` gave.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    pub file: PathBuf,
    pub cases: usize,
    pub expectations: usize,
    pub failures: Vec<Failure>,
}

/// The `tests.toml` beside `contract`, if there is one.
pub fn tests_file(contract: &Path) -> Option<PathBuf> {
    let file = contract.parent().unwrap_or(Path::new(".")).join(FILE_NAME);
    file.is_file().then_some(file)
}

/// Run every case of `tests` against the contract at `contract_path`.
/// Diagnostics when the contract, the tests file, its records or a rule
/// cannot be used: a case that cannot run is not a failed expectation.
pub fn run(contract_path: &Path, tests: &Path) -> Result<Outcome, Vec<Diagnostic>> {
    let c = contract::load(contract_path).map_err(|d| d.0)?;
    let ev = Evaluator::new(&c).map_err(|d| d.0)?;
    let text = std::fs::read_to_string(tests)
        .map_err(|e| vec![Diagnostic::error(tests, Location::File, format!("cannot read the contract tests: {e}"))])?;
    let suite = spec::parse(tests, &text)?;
    let mut outcome =
        Outcome { file: tests.to_path_buf(), cases: suite.cases.len(), expectations: 0, failures: vec![] };
    for case in &suite.cases {
        let statement = statement_of(&c, &ev, tests, &text, case)?;
        outcome.expectations += case.expectations();
        outcome.failures.extend(check(&c, case, &statement, &text));
    }
    Ok(outcome)
}

/// The statement of one case, from its records file or its inline records.
fn statement_of(
    c: &Contract,
    ev: &Evaluator,
    tests: &Path,
    text: &str,
    case: &Case,
) -> Result<Statement, Vec<Diagnostic>> {
    let request = Request { as_of: case.as_of, period: None };
    let folder = tests.parent().unwrap_or(Path::new("."));
    let (path, inline) = match &case.records {
        Some(file) => (folder.join(file), None),
        None => (spec::write_inline(case)?, Some(case)),
    };
    let result = (|| {
        let reader = records::open_for(&path, Some(&c.id)).map_err(|d| vec![d])?;
        let inputs = payment::fingerprint(c, &path)
            .map_err(|e| vec![Diagnostic::error(&path, Location::File, format!("cannot read the records: {e}"))])?;
        payment::calculate(c, ev, reader, inputs, request).map_err(|e| match e {
            CalcError::Records(d) => d,
            other => vec![Diagnostic::error(tests, Location::File, format!("case \"{}\": {other}", case.name))],
        })
    })();
    if let Some(case) = inline {
        // The temporary file is ours; failing to remove it changes nothing.
        let _ = std::fs::remove_file(&path);
        return result.map_err(|d| d.into_iter().map(|d| spec::point_at_record(d, tests, text, case)).collect());
    }
    result
}

/// Every expectation of `case` that `s` does not meet.
fn check(c: &Contract, case: &Case, s: &Statement, text: &str) -> Vec<Failure> {
    let mut failures = Vec::new();
    let clause =
        |item: &str| c.payables().find(|(id, ..)| *id == item).and_then(|(.., clause)| clause.map(str::to_string));
    let fail = |at: usize, subject: String, clause: Option<String>, expected: String, got: String| Failure {
        case: case.name.clone(),
        line: spec::line_of(text, at),
        subject,
        clause,
        expected,
        got,
    };
    for paid in &case.paid {
        let (at, p) = (paid.span().start, paid.get_ref());
        let subject = format!("{} {} #{}", p.participant, p.item, p.occurrence);
        let got = paid_line(s, p);
        let expected = describe_paid(p.net, p.gross, p.achieved_on);
        let holds = got.as_ref().is_some_and(|(net, gross, on)| {
            p.net.is_none_or(|n| n == *net)
                && p.gross.is_none_or(|g| g == *gross)
                && p.achieved_on.is_none_or(|d| d == *on)
        });
        if !holds {
            let got = match got {
                Some((net, gross, on)) => {
                    describe_paid(p.net.map(|_| net), p.gross.map(|_| gross), p.achieved_on.map(|_| on))
                }
                None => not_paid_reason(s, &p.participant, &p.item),
            };
            failures.push(fail(at, subject, clause(&p.item), expected, got));
        }
    }
    for np in &case.not_paid {
        let (at, n) = (np.span().start, np.get_ref());
        let item = n.item.as_deref().unwrap_or_default();
        let subject = format!("{} {}", n.participant, if item.is_empty() { "(all items)" } else { item });
        let got = match s
            .lines
            .iter()
            .find(|l| *l.id.participant == *n.participant && *l.id.item == *item && l.net > Decimal::ZERO)
        {
            Some(l) => format!("paid net {} on {}", l.net, l.achieved_on),
            None => not_paid_reason(s, &n.participant, item),
        };
        let expected = format!("not paid: {}", n.reason);
        if !got.starts_with(&expected) {
            failures.push(fail(at, subject, n.item.as_deref().and_then(clause), expected, got));
        }
    }
    if let Some(t) = &case.totals {
        let (at, t) = (t.span().start, t.get_ref());
        let o = &s.totals.overall;
        let checks = [
            ("lines", t.lines.map(Decimal::from), Decimal::from(o.lines)),
            ("net", t.net, o.net),
            ("vat", t.vat, o.vat),
            ("gross", t.gross, o.gross),
        ];
        for (what, want, have) in checks {
            if let Some(want) = want.filter(|w| *w != have) {
                failures.push(fail(at, format!("total {what}"), None, want.to_string(), have.to_string()));
            }
        }
    }
    failures
}

/// The line paying `p`: net, gross and achievement date.
fn paid_line(s: &Statement, p: &Paid) -> Option<(Decimal, Decimal, NaiveDate)> {
    s.lines
        .iter()
        .find(|l| *l.id.participant == *p.participant && *l.id.item == *p.item && l.id.occurrence == p.occurrence)
        .map(|l| (l.net, l.gross, l.achieved_on))
}

fn describe_paid(net: Option<Decimal>, gross: Option<Decimal>, on: Option<NaiveDate>) -> String {
    let mut parts = vec!["paid".to_string()];
    parts.extend(net.map(|n| format!("net {n}")));
    parts.extend(gross.map(|g| format!("gross {g}")));
    parts.extend(on.map(|d| format!("on {d}")));
    parts.join(" ")
}

/// Why the statement does not pay `item` to `participant` (`item` empty:
/// why the participant gets nothing at all).
fn not_paid_reason(s: &Statement, participant: &str, item: &str) -> String {
    if let Some(i) = s.ineligible.iter().find(|i| *i.participant == *participant) {
        return format!("not paid: not_eligible ({})", i.reason);
    }
    if let Some(u) = s.unpaid.iter().find(|u| *u.participant == *participant && *u.item == *item) {
        return format!("not paid: {} ({})", u.reason.name(), u.detail);
    }
    if s.lines.iter().any(|l| *l.id.participant == *participant && *l.id.item == *item) {
        return "not paid: capped".to_string();
    }
    if item.is_empty() {
        return "paid for some items".to_string();
    }
    format!("no line and no reason: is `{participant}` in the records and `{item}` an item of the contract?")
}

/// The failures side by side, one block each, then a summary line.
pub fn render_text(o: &Outcome) -> String {
    let mut out = String::new();
    for f in &o.failures {
        let clause = f.clause.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
        out.push_str(&format!("FAIL {}:{}  case \"{}\"  {}{clause}\n", o.file.display(), f.line, f.case, f.subject));
        out.push_str(&format!("  expected: {}\n  got:      {}\n", f.expected, f.got));
    }
    let verdict = if o.failures.is_empty() { "ok" } else { "FAILED" };
    out.push_str(&format!(
        "{verdict}: {} — {} case(s), {} expectation(s), {} failed\n",
        o.file.display(),
        o.cases,
        o.expectations,
        o.failures.len()
    ));
    out
}

/// Every `*/contract.toml` in the folder `contracts` with a `tests.toml`
/// beside it, in name order.
pub fn discover(contracts: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(contracts) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path().join("contract.toml"))
        .filter(|c| c.is_file() && tests_file(c).is_some())
        .collect();
    found.sort();
    found
}
