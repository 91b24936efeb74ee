//! `tulos calculate` over several contracts: one records source holding
//! records of each (the `contract` field says whose), each contract's
//! statement, then the summary per provider and per buyer.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use tulos::payment::{Evaluator, Request};
use tulos::report::{portfolio, statement_text_in};
use tulos::statement::Statement;

use super::{fail, load, report, request, run_statement, Failed, Format, RunArgs};

/// Refuse what a run over several contracts cannot write: a CSV or a
/// workbook holds one statement, and a ledger pays one contract a run.
pub(super) fn refuse_unsupported(format: Format, ledger: bool) -> Result<(), Failed> {
    let what = match format {
        _ if ledger => "--ledger",
        Format::Csv => "--format csv",
        Format::CsvFi => "--format csv-fi",
        Format::Xlsx => "--format xlsx",
        Format::Text | Format::Json => return Ok(()),
    };
    let message = format!(
        "{what} takes one contract: run `tulos calculate` once per contract \
         (several contracts in one run are written as --format text or json)"
    );
    Err(fail(Failed::Usage, format_args!("{message}")))
}

/// Each contract's statement over the same records, then the summary.
pub(super) fn calculate(
    paths: &[PathBuf],
    run: &RunArgs,
    period: Option<(NaiveDate, NaiveDate)>,
    format: Format,
    out_file: Option<&Path>,
    lang: tulos::locale::Lang,
) -> Result<(), Failed> {
    let request = request(run, period)?;
    let statements = paths.iter().map(|path| statement(path, run, request)).collect::<Result<Vec<_>, _>>()?;
    let summary = portfolio::Portfolio::of(&statements).map_err(|e| fail(Failed::Input, format_args!("{e}")))?;
    let mut bytes = Vec::new();
    let written = match format {
        Format::Json => portfolio::write_portfolio_json(&statements, &summary, &mut bytes),
        _ => {
            for s in &statements {
                bytes.extend_from_slice(statement_text_in(s, lang).as_bytes());
                bytes.push(b'\n');
            }
            bytes.extend_from_slice(portfolio::portfolio_text_in(&summary, lang).as_bytes());
            Ok(())
        }
    };
    written
        .and_then(|()| match out_file {
            Some(file) => std::fs::write(file, &bytes),
            None => std::io::stdout().lock().write_all(&bytes),
        })
        .or_else(|e| if e.kind() == std::io::ErrorKind::BrokenPipe { Ok(()) } else { Err(e) })
        .map_err(|e| fail(Failed::Input, format_args!("cannot write the statements: {e}")))
}

fn statement(path: &Path, run: &RunArgs, request: Request) -> Result<Statement, Failed> {
    let c = load(path)?;
    let ev = Evaluator::new(&c).map_err(|d| report(&d.0))?;
    run_statement(&c, &ev, run, request)
}
