//! `calculate --ledger`, `replay` and `ledger …`: payment runs.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use tulos::ledger::{self, Ledger, LedgerError, ReplayError};
use tulos::payment::{Evaluator, Request};

use super::{as_of, emit, fail, load, report, run_statement, Failed, Format, RunArgs, SummaryFormat};

#[derive(Subcommand)]
pub enum Action {
    /// One row per run: id, contract, version, as-of date, lines, net total.
    List {
        #[arg(long, value_name = "FILE")]
        ledger: PathBuf,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// One run with every payment and adjustment and why.
    Show {
        run: i64,
        #[arg(long, value_name = "FILE")]
        ledger: PathBuf,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// One run as canonical JSON with its digest: the same bytes anywhere.
    Export {
        run: i64,
        #[arg(long, value_name = "FILE")]
        ledger: PathBuf,
    },
    /// Walk each contract's chain of runs: every digest and link must hold.
    Verify {
        #[arg(long, value_name = "FILE")]
        ledger: PathBuf,
    },
}

fn failed(e: LedgerError) -> Failed {
    fail(Failed::Input, format_args!("{e}"))
}

/// Preview (or with `commit`, record) the run of `contract` as of the date.
pub fn pay(contract: &Path, run: &RunArgs, file: &Path, commit: bool, format: Format) -> Result<(), Failed> {
    let format = match format {
        Format::Text => SummaryFormat::Text,
        Format::Json => SummaryFormat::Json,
        Format::Csv | Format::CsvFi | Format::Xlsx => {
            return Err(fail(Failed::Usage, format_args!("a payment run is shown as --format text or json")))
        }
    };
    let request = Request { as_of: as_of(run, None)?, period: None };
    let c = load(contract)?;
    let ev = Evaluator::new(&c).map_err(|d| report(&d.0))?;
    let statement = run_statement(&c, &ev, run, request)?;
    let mut ledger = Ledger::open(file).map_err(failed)?;
    if !commit {
        let planned = ledger.preview(&c, &statement).map_err(failed)?;
        return match format {
            SummaryFormat::Text => emit(&format!(
                "{}\nPreview only: nothing was recorded. Add --commit to record this run.\n",
                ledger::run_text(&planned, None)
            )),
            SummaryFormat::Json => emit(&pretty(&planned)),
        };
    }
    let committed = ledger.commit(&c, &statement).map_err(failed)?;
    let digest = ledger::digest(&committed);
    match format {
        SummaryFormat::Text => emit(&format!(
            "{}\nCommitted run {} of contract {}.\n",
            ledger::run_text(&committed, Some(&digest)),
            committed.id,
            tulos::report::shown(&committed.contract)
        )),
        SummaryFormat::Json => emit(&pretty(&serde_json::json!({ "run": committed.id, "digest": digest }))),
    }
}

/// Pretty JSON of our own ledger types (entries redact their own ids; the
/// digests are ours and must not be redacted).
fn pretty(value: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("ledger types serialise");
    text.push('\n');
    text
}

pub fn replay(run: i64, file: &Path, records: &Path) -> Result<(), Failed> {
    let ledger = Ledger::open_existing(file).map_err(failed)?;
    let replayed = ledger::replay(&ledger, run, records).map_err(|e| match e {
        ReplayError::Contract { run, diagnostics } => {
            eprintln!("error: run {run}: the contract stored with it does not load");
            report(&diagnostics.0)
        }
        ReplayError::Open(d) => report(&[d]),
        ReplayError::Calc(tulos::payment::CalcError::Records(diags)) => report(&diags),
        other => fail(Failed::Input, format_args!("{other}")),
    })?;
    emit(&replayed.render_text())?;
    if replayed.identical() {
        Ok(())
    } else {
        Err(Failed::Input)
    }
}

pub fn act(action: Action) -> Result<(), Failed> {
    match action {
        Action::List { ledger, format } => {
            let runs = Ledger::open_existing(&ledger).and_then(|l| l.list()).map_err(failed)?;
            match format {
                SummaryFormat::Text => emit(&ledger::list_text(&runs)),
                SummaryFormat::Json => emit(&pretty(&runs)),
            }
        }
        Action::Show { run, ledger, format } => {
            let ledger = Ledger::open_existing(&ledger).map_err(failed)?;
            let (stored, digest) = ledger.sealed(run).map_err(failed)?;
            match format {
                SummaryFormat::Text => emit(&ledger::run_text(&stored, Some(&digest))),
                SummaryFormat::Json => emit(&pretty(&stored)),
            }
        }
        Action::Export { run, ledger } => {
            let stored = Ledger::open_existing(&ledger).and_then(|l| l.run(run)).map_err(failed)?;
            emit(&ledger::export(&stored))
        }
        Action::Verify { ledger } => verify(&ledger),
    }
}

fn verify(file: &Path) -> Result<(), Failed> {
    let ledger = Ledger::open_existing(file).map_err(failed)?;
    let problems = ledger.verify().map_err(failed)?;
    if problems.is_empty() {
        let runs = ledger.list().map_err(failed)?;
        return emit(&format!("ok: {} run(s); every digest and every link of the chain holds\n", runs.len()));
    }
    for p in &problems {
        eprintln!("error: {}", tulos::report::shown(&p.to_string()));
    }
    Err(Failed::Input)
}
