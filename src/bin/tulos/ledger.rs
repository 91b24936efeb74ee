//! `calculate --ledger`, `replay` and `ledger …`: payment runs.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::Subcommand;
use tulos::contract::Contract;
use tulos::ledger::{self, Against, DataDates, DiffError, Ledger, LedgerError, ReplayError, Stratum};
use tulos::payment::{self, Evaluator, Request};
use tulos::records;
use tulos::report::shown;
use tulos::statement::Statement;

use super::progress::Progress;
use super::Settling;
use super::{
    as_of, calc_failed, emit, fail, load, parse_date, report, warn_if_nothing_read, Failed, Format, RunArgs,
    SummaryFormat,
};

#[derive(Subcommand)]
pub enum Action {
    /// One row per run: id, contract, version, as-of date, lines, net total.
    List {
        /// The ledger file of payment runs.
        #[arg(long, value_name = "FILE")]
        ledger: PathBuf,
        /// Text for reading or JSON for tools.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// One run with every payment and adjustment and why.
    Show {
        /// The run id (`tulos ledger list` shows them).
        run: i64,
        /// The ledger file of payment runs.
        #[arg(long, value_name = "FILE")]
        ledger: PathBuf,
        /// Text for reading or JSON for tools.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// One run as canonical JSON with its digest: the same bytes anywhere.
    Export {
        /// The run id (`tulos ledger list` shows them).
        run: i64,
        /// The ledger file of payment runs.
        #[arg(long, value_name = "FILE")]
        ledger: PathBuf,
    },
    /// Walk each contract's chain of runs: every digest and link must hold.
    Verify {
        /// The ledger file of payment runs.
        #[arg(long, value_name = "FILE")]
        ledger: PathBuf,
    },
}

fn failed(e: LedgerError) -> Failed {
    fail(Failed::Input, format_args!("{e}"))
}

/// Preview (or with `commit`, record) the run of `contract` as of the date.
/// A run as of a date after every date in the records warns; a commit of
/// it needs `extracted_on`, the user's word on when they were extracted.
pub fn pay(
    contract: &Path,
    run: &RunArgs,
    file: &Path,
    commit: bool,
    extracted_on: Option<NaiveDate>,
    format: Format,
) -> Result<(), Failed> {
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
    let (statement, dates) = dated_statement(&c, &ev, run, request)?;
    let warning = dates.warning(request.as_of, extracted_on);
    if let Some(w) = &warning {
        eprintln!("warning: {}", shown(w));
    }
    let mut ledger = Ledger::open(file).map_err(failed)?;
    if !commit {
        let planned = ledger.preview(&c, &statement).map_err(failed)?;
        return match format {
            SummaryFormat::Text => emit(&format!(
                "{}\nPreview only: nothing was recorded. Add --commit to record this run.\n",
                ledger::run_text(&planned, None)
            )),
            SummaryFormat::Json => emit(&pretty(&with_warning(&planned, warning))),
        };
    }
    dates.check_commit(request.as_of, extracted_on).map_err(failed)?;
    let committed = ledger.commit(&c, &statement).map_err(failed)?;
    let digest = ledger::digest(&committed);
    match format {
        SummaryFormat::Text => emit(&format!(
            "{}\nCommitted run {} of contract {}.\n",
            ledger::run_text(&committed, Some(&digest)),
            committed.id,
            tulos::report::shown(&committed.contract)
        )),
        SummaryFormat::Json => {
            emit(&pretty(&with_warning(&serde_json::json!({ "run": committed.id, "digest": digest }), warning)))
        }
    }
}

/// The statement, and the newest date the records hold, in one pass.
fn dated_statement(
    c: &Contract,
    ev: &Evaluator,
    run: &RunArgs,
    request: Request,
) -> Result<(Statement, DataDates), Failed> {
    let mut reader =
        records::open_for(&run.records, Some(&c.id)).map_err(|d| report(&[d]))?.with_threads(run.threads().0);
    let inputs = payment::fingerprint(c, &run.records)
        .map_err(|e| fail(Failed::Input, format_args!("cannot read {}: {e}", run.records.display())))?;
    let mut dates = DataDates::default();
    let mut progress = Progress::records(&c.id);
    let watch = Settling::new((&mut progress, &mut dates));
    let statement = payment::calculate_on(run.threads(), c, ev, &mut reader, inputs, request, watch)
        .map_err(|e| calc_failed(c, e))?;
    drop(progress);
    warn_if_nothing_read(&reader);
    Ok((statement, dates))
}

/// `value` as a JSON object with `"warnings": [warning]` added when there
/// is one (the shape does not change otherwise).
fn with_warning(value: &impl serde::Serialize, warning: Option<String>) -> serde_json::Value {
    let mut value = serde_json::to_value(value).expect("ledger types serialise");
    if let (Some(w), Some(object)) = (warning, value.as_object_mut()) {
        object.insert("warnings".into(), serde_json::json!([tulos::records::hetu::redact(&w)]));
    }
    value
}

/// Pretty JSON of our own ledger types (entries, lines, records and traces
/// redact their own texts; the digests are ours and must not be
/// redacted).
fn pretty(value: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("ledger types serialise");
    text.push('\n');
    text
}

pub fn replay(run: i64, file: &Path, records: &Path) -> Result<(), Failed> {
    let ledger = Ledger::open_existing(file).map_err(failed)?;
    let replayed = ledger::replay(&ledger, run, records).map_err(replay_failed)?;
    emit(&replayed.render_text())?;
    if replayed.identical() {
        Ok(())
    } else {
        Err(Failed::Input)
    }
}

/// A run's stored contract, its records or their calculation failed.
fn replay_failed(e: ReplayError) -> Failed {
    match e {
        ReplayError::Contract { run, diagnostics } => {
            eprintln!("error: run {run}: the contract stored with it does not load");
            report(&diagnostics.0)
        }
        ReplayError::Open(d) => report(&[d]),
        ReplayError::Calc(tulos::payment::CalcError::Records(diags)) => report(&diags),
        other => fail(Failed::Input, format_args!("{other}")),
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

/// `tulos diff`: what changed between two runs, or a run and a fresh
/// calculation, line by line, and whether the contract or the records
/// made the change.
#[derive(clap::Args)]
pub struct DiffArgs {
    /// The run compared (the old side; `tulos ledger list` shows the ids).
    run: i64,
    /// The run it is compared with (the new side); omit it and give
    /// --contract to compare with a fresh calculation.
    #[arg(conflicts_with = "contract")]
    other: Option<i64>,
    /// The ledger file of payment runs.
    #[arg(long, value_name = "FILE")]
    ledger: PathBuf,
    /// Records. Two runs: the records each was computed from (matched by
    /// their digests; one --records when both read the same file). With
    /// --contract: the records of the fresh calculation.
    #[arg(long, required = true)]
    records: Vec<PathBuf>,
    /// Compare with a fresh calculation of this contract file.
    #[arg(long, required_unless_present = "other")]
    contract: Option<PathBuf>,
    /// The fresh calculation's as-of date (default: the run's).
    #[arg(long, requires = "contract", value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// The records the run was computed from, when they are not --records.
    #[arg(long, requires = "contract")]
    run_records: Option<PathBuf>,
    /// Text for reading or JSON for tools.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

impl DiffArgs {
    pub fn wants_json(&self) -> bool {
        matches!(self.format, SummaryFormat::Json)
    }
}

pub fn diff(args: &DiffArgs) -> Result<(), Failed> {
    let ledger = Ledger::open_existing(&args.ledger).map_err(failed)?;
    let fresh = args.contract.as_deref().map(load).transpose()?;
    let diffed = match (&fresh, args.other) {
        (Some(contract), _) => {
            let [records] = args.records.as_slice() else {
                let message = "with --contract, give one --records (the fresh calculation's); the run's own go \
                               with --run-records";
                return Err(fail(Failed::Usage, format_args!("{message}")));
            };
            let run_records = vec![args.run_records.clone().unwrap_or_else(|| records.clone())];
            let against = Against::Fresh { contract, records, as_of: args.as_of };
            ledger::diff(&ledger, args.run, &run_records, against)
        }
        (None, Some(other)) => ledger::diff(&ledger, args.run, &args.records, Against::Run(other)),
        (None, None) => {
            let message = "give the other run's id, or --contract to compare with a fresh calculation";
            return Err(fail(Failed::Usage, format_args!("{message}")));
        }
    };
    let diffed = diffed.map_err(|e| match e {
        DiffError::Inputs(e) => replay_failed(e),
        DiffError::Contract { diagnostics } => report(&diagnostics.0),
        other => fail(Failed::Input, format_args!("{other}")),
    })?;
    match args.format {
        SummaryFormat::Text => emit(&diffed.render_text()),
        SummaryFormat::Json => emit(&pretty(&diffed)),
    }
}

/// `tulos audit …`: the auditor's workpaper.
#[derive(Subcommand)]
pub enum Audit {
    /// A reproducible stratified sample of a run's lines, each with its
    /// record, parameters, tariff, rule trace and result.
    #[command(
        after_help = "Example:\n  tulos audit sample 3 --ledger ledger.db --records march.jsonl --n 60 --seed 2026Q1 \\\n      --strata item,municipality\n\nExit codes: 0 success, 1 invalid input, 2 usage error."
    )]
    Sample {
        /// The run id (`tulos ledger list` shows them).
        run: i64,
        /// The ledger file of payment runs.
        #[arg(long, value_name = "FILE")]
        ledger: PathBuf,
        /// The records the run was computed from (checked against its digests).
        #[arg(long)]
        records: PathBuf,
        /// How many lines to draw (every line when the run has fewer).
        #[arg(long, default_value_t = 60)]
        n: usize,
        /// Any text; the same seed draws the same lines.
        #[arg(long)]
        seed: String,
        /// Strata, comma-separated: item, municipality, kind.
        #[arg(long, value_delimiter = ',')]
        strata: Vec<String>,
        /// Text for reading or JSON for tools.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
}

impl Audit {
    pub fn wants_json(&self) -> bool {
        match self {
            Audit::Sample { format, .. } => matches!(format, SummaryFormat::Json),
        }
    }
}

pub fn audit(action: &Audit) -> Result<(), Failed> {
    let Audit::Sample { run, ledger, records, n, seed, strata, format } = action;
    if *n == 0 {
        return Err(fail(Failed::Usage, format_args!("--n must be at least 1")));
    }
    let mut by = Vec::new();
    for name in strata {
        let Some(stratum) = Stratum::parse(name) else {
            let message = format!("--strata: unknown stratum \"{name}\"; use {}", Stratum::NAMES.join(", "));
            return Err(fail(Failed::Usage, format_args!("{message}")));
        };
        if !by.contains(&stratum) {
            by.push(stratum);
        }
    }
    let ledger = Ledger::open_existing(ledger).map_err(failed)?;
    let workpaper = ledger::sample(&ledger, *run, records, *n, seed, &by).map_err(replay_failed)?;
    match format {
        SummaryFormat::Text => emit(&workpaper.render_text()),
        SummaryFormat::Json => emit(&pretty(&workpaper)),
    }
}
