//! `tulos` command line: parses arguments, calls the library, prints.
//!
//! Results go to stdout, diagnostics to stderr. Exit codes: 0 success,
//! 1 invalid input (contract, rules or records), 2 usage error.

// Errors travel by value, as in the library.
#![allow(clippy::result_large_err)]

mod render;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use tulos::contract::{self, Contract, ContractFile};
use tulos::diagnostic::{Diagnostic, Severity};
use tulos::effectiveness::{self, ScoreError};
use tulos::explain::explain;
use tulos::payment::{self, CalcError, Evaluator, Request};
use tulos::records;
use tulos::report::{self, CsvDialect};
use tulos::statement::{Period, Statement};
use tulos::tables::DecisionTable;

#[derive(Parser)]
#[command(
    name = "tulos",
    version,
    about = "Outcome-based payments for employment services: contracts in TOML + rhai, exact statements"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate contracts and their rule scripts, without data.
    Check {
        #[arg(required = true)]
        contracts: Vec<PathBuf>,
        /// Fail (exit code 1) on warnings too — table gaps, dates far
        /// outside the contract's validity — for use in CI.
        #[arg(long)]
        strict: bool,
    },
    /// Compute the payment statement of a contract over participant records.
    Calculate {
        contract: PathBuf,
        #[command(flatten)]
        run: RunArgs,
        /// First day of the billing period (lines achieved in it are listed).
        #[arg(long, requires = "to", value_parser = parse_date)]
        from: Option<NaiveDate>,
        /// Last day of the billing period; also the default as-of date.
        #[arg(long, requires = "from", value_parser = parse_date)]
        to: Option<NaiveDate>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Effectiveness indicators of a contract: participants against the
    /// comparison group (verrokkiryhmä) of the records.
    Score {
        contract: PathBuf,
        /// Records of both arms: a JSON Lines file or a folder of CSV tables.
        #[arg(long)]
        records: PathBuf,
        /// The data extraction date: outcomes count when achieved on or before it.
        #[arg(long, value_parser = parse_date)]
        as_of: NaiveDate,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Validate a records file or folder on its own and summarise it.
    Records {
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Evaluate one decision table of a contract with inputs given by hand.
    Table {
        contract: PathBuf,
        /// The table's name (`[tables.NAME]`).
        table: String,
        /// An input value: `--set age=23 --set group=youth,immigrant`.
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
        /// All inputs as one JSON object: `--inputs '{"age": 23, "group": ["youth"]}'`.
        #[arg(long)]
        inputs: Option<String>,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Show every rule evaluated for one participant and why it paid or not.
    Explain {
        contract: PathBuf,
        #[command(flatten)]
        run: RunArgs,
        #[arg(long)]
        participant: String,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Write synthetic records in a contract's vocabulary (deterministic per seed).
    Generate {
        /// Number of records.
        #[arg(long)]
        n: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// A folder name under `contracts/` or a contract id; an unknown id
        /// gets a generic vocabulary.
        #[arg(long)]
        contract: String,
        /// jsonl, csv (a folder, `,`) or csv-fi (a folder, `;` and decimal comma).
        #[arg(long, default_value = "jsonl")]
        format: tulos::generate::Format,
        /// The file (jsonl) or folder (csv, csv-fi) to write.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// Records: a JSON Lines file or a folder of CSV tables.
    #[arg(long)]
    records: PathBuf,
    /// The data extraction date: ongoing spells run up to it, nothing after
    /// it counts. Defaults to --to.
    #[arg(long, value_parser = parse_date)]
    as_of: Option<NaiveDate>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Aligned text for reading.
    Text,
    /// The whole statement as JSON.
    Json,
    /// Statement lines as CSV: `,` separator, `.` decimals.
    Csv,
    /// Statement lines as CSV for a Finnish-locale spreadsheet: `;` and decimal comma.
    CsvFi,
}

#[derive(Clone, Copy, ValueEnum)]
enum SummaryFormat {
    Text,
    Json,
}

/// A failure already explained to the user on stderr.
enum Failed {
    /// Invalid input: contract, rules or records (exit 1).
    Input,
    /// The command was asked wrongly (exit 2).
    Usage,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { contracts, strict } => check(&contracts, strict),
        Command::Calculate { contract, run, from, to, format } => calculate(&contract, &run, from.zip(to), format),
        Command::Score { contract, records, as_of, format } => score(&contract, &records, as_of, format),
        Command::Records { path, format } => summarise(&path, format),
        Command::Explain { contract, run, participant, format } => explain_one(&contract, &run, &participant, format),
        Command::Generate { n, seed, contract, format, out } => {
            generate(&contract, tulos::generate::Options { n, seed, format, out })
        }
        Command::Table { contract, table, set, inputs, format } => {
            try_table(&contract, &table, &set, inputs.as_deref(), format)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failed::Input) => ExitCode::from(1),
        Err(Failed::Usage) => ExitCode::from(2),
    }
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    tulos::calendar::parse_iso_date(s).ok_or_else(|| format!("expected a date like 2026-06-30, found \"{s}\""))
}

fn report(diags: &[Diagnostic]) -> Failed {
    eprint!("{}", render::diagnostics(diags));
    Failed::Input
}

/// Print a one-line error and fail as `kind`. The text is shown as any
/// value from input is: no identity code, no control character.
fn fail(kind: Failed, message: std::fmt::Arguments) -> Failed {
    eprintln!("error: {}", report::shown(&message.to_string()));
    kind
}

fn load(path: &Path) -> Result<Contract, Failed> {
    contract::load(path).map_err(|d| report(&d.0))
}

fn check(paths: &[PathBuf], strict: bool) -> Result<(), Failed> {
    let mut failed = false;
    for path in paths {
        let checked = match contract::load_any(path).map_err(|d| report(&d.0)) {
            Ok(ContractFile::Contract(c)) => check_one(&c, strict),
            Ok(ContractFile::Tables(tables)) => check_tables(path, &tables, strict),
            Err(failed) => Err(failed),
        };
        failed |= checked.is_err();
    }
    if failed {
        Err(Failed::Input)
    } else {
        Ok(())
    }
}

/// Compile the rules and analyse the tables of a loaded contract. With
/// `strict`, any warning fails the check.
fn check_one(c: &Contract, strict: bool) -> Result<(), Failed> {
    Evaluator::new(c).map_err(|d| report(&d.0))?;
    let warnings = analyse(&c.file, &c.tables, &c.warnings, strict)?;
    let (items, fees, tables) = (c.items.len(), c.fixed_fees.len(), c.tables.len());
    emit(&report::shown_lines(&format!(
        "ok: {} — {} (items: {items}, fixed fees: {fees}, tables: {tables}{warnings})",
        c.file.display(),
        c.id
    )))
}

/// Analyse a file holding only decision tables.
fn check_tables(path: &Path, tables: &[DecisionTable], strict: bool) -> Result<(), Failed> {
    let warnings = analyse(path, tables, &[], strict)?;
    emit(&report::shown_lines(&format!(
        "ok: {} — decision tables only (tables: {}{warnings})",
        path.display(),
        tables.len()
    )))
}

/// Report the contract's own warnings and the tables' gaps, overlaps and
/// masked rows; fails on errors (and on warnings when `strict`), and
/// describes the warnings for the summary line.
fn analyse(file: &Path, tables: &[DecisionTable], read: &[Diagnostic], strict: bool) -> Result<String, Failed> {
    let findings: Vec<Diagnostic> = read.iter().cloned().chain(tables.iter().flat_map(|t| t.check(file))).collect();
    if !findings.is_empty() {
        eprint!("{}", render::diagnostics(&findings));
    }
    if findings.iter().any(|d| d.severity == Severity::Error) {
        return Err(Failed::Input);
    }
    if strict && !findings.is_empty() {
        eprintln!("error: {} warning(s) and --strict: the check fails", findings.len());
        return Err(Failed::Input);
    }
    Ok(match findings.len() {
        0 => String::new(),
        n => format!(", warnings: {n}"),
    })
}

/// Write to stdout. A reader that stopped early (`| head`) is not an error.
fn emit(text: &str) -> Result<(), Failed> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(fail(Failed::Input, format_args!("cannot write the output: {e}")))
        }
        _ => Ok(()),
    }
}

fn as_of(run: &RunArgs, period: Option<(NaiveDate, NaiveDate)>) -> Result<NaiveDate, Failed> {
    run.as_of.or(period.map(|p| p.1)).ok_or_else(|| {
        let message = "give --as-of DATE (the date the records were extracted), or a billing period --from/--to";
        fail(Failed::Usage, format_args!("{message}"))
    })
}

/// Evaluate every record and settle the statement; warn on stderr when
/// the records held no participant.
fn run_statement(c: &Contract, ev: &Evaluator, run: &RunArgs, request: Request) -> Result<Statement, Failed> {
    let mut reader = records::open_for(&run.records, Some(&c.id)).map_err(|d| report(&[d]))?;
    let inputs = payment::fingerprint(c, &run.records)
        .map_err(|e| fail(Failed::Input, format_args!("cannot read {}: {e}", run.records.display())))?;
    let statement = payment::calculate(c, ev, &mut reader, inputs, request).map_err(|e| calc_failed(c, e))?;
    warn_if_nothing_read(&reader);
    Ok(statement)
}

fn warn_if_nothing_read(reader: &records::RecordReader) {
    if let Some(warning) = reader.nothing_read_warning() {
        eprint!("{}", render::diagnostics(&[warning]));
    }
}

fn calc_failed(c: &Contract, e: CalcError) -> Failed {
    match e {
        CalcError::Records(diags) => report(&diags),
        CalcError::Rule(e) => fail(Failed::Input, format_args!("contract {}: {e}", c.id)),
        CalcError::Settle(e) => fail(Failed::Input, format_args!("contract {}: {e}", c.id)),
    }
}

fn calculate(path: &Path, run: &RunArgs, period: Option<(NaiveDate, NaiveDate)>, format: Format) -> Result<(), Failed> {
    if let Some((from, to)) = period.filter(|(f, t)| f > t) {
        return Err(fail(Failed::Usage, format_args!("the billing period ends ({to}) before it starts ({from})")));
    }
    let request = Request { as_of: as_of(run, period)?, period: period.map(|(from, to)| Period { from, to }) };
    let c = load(path)?;
    let ev = Evaluator::new(&c).map_err(|d| report(&d.0))?;
    let statement = run_statement(&c, &ev, run, request)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match format {
        Format::Text => out.write_all(report::statement_text(&statement).as_bytes()),
        Format::Json => report::write_json(&statement, &mut out),
        Format::Csv => report::write_csv(&statement, CsvDialect::Standard, &mut out),
        Format::CsvFi => report::write_csv(&statement, CsvDialect::Finnish, &mut out),
    };
    match written.and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(fail(Failed::Input, format_args!("cannot write the statement: {e}")))
        }
        _ => Ok(()),
    }
}

fn score(path: &Path, records: &Path, as_of: NaiveDate, format: SummaryFormat) -> Result<(), Failed> {
    let c = load(path)?;
    let ev = Evaluator::new(&c).map_err(|d| report(&d.0))?;
    let mut reader = records::open_for(records, Some(&c.id)).map_err(|d| report(&[d]))?;
    let inputs = payment::fingerprint(&c, records)
        .map_err(|e| fail(Failed::Input, format_args!("cannot read {}: {e}", records.display())))?;
    let scorecard = effectiveness::score(&c, &ev, &mut reader, inputs, as_of).map_err(|e| match e {
        ScoreError::Records(diags) => report(&diags),
        ScoreError::Rule(e) => fail(Failed::Input, format_args!("contract {}: {e}", c.id)),
    })?;
    warn_if_nothing_read(&reader);
    match format {
        SummaryFormat::Text => emit(&effectiveness::scorecard_text(&scorecard)),
        SummaryFormat::Json => emit(&json(&scorecard)),
    }
}

fn summarise(path: &Path, format: SummaryFormat) -> Result<(), Failed> {
    let mut reader = records::open(path).map_err(|d| report(&[d]))?;
    let mut summary = records::summary::Summary::default();
    // Errors past the limit are counted, so the last note says how many.
    let mut errors = records::ErrorLimit::new(payment::MAX_RECORD_ERRORS);
    for record in &mut reader {
        match record.and_then(|r| summary.add(&r)) {
            Ok(()) => {}
            Err(d) => errors.push(d),
        }
    }
    if !errors.is_empty() {
        return Err(report(&errors.into_diagnostics()));
    }
    warn_if_nothing_read(&reader);
    match format {
        SummaryFormat::Text => emit(&summary.render_text()),
        SummaryFormat::Json => emit(&json(&summary)),
    }
}

fn generate(contract: &str, options: tulos::generate::Options) -> Result<(), Failed> {
    let vocabulary =
        tulos::generate::Vocabulary::find(contract, Path::new("contracts")).map_err(|diags| report(&diags.0))?;
    let written =
        tulos::generate::generate(&options, &vocabulary).map_err(|e| fail(Failed::Input, format_args!("{e}")))?;
    eprintln!("wrote {written} records for contract {} to {}", vocabulary.contract, options.out.display());
    Ok(())
}

fn explain_one(path: &Path, run: &RunArgs, participant: &str, format: SummaryFormat) -> Result<(), Failed> {
    let request = Request { as_of: as_of(run, None)?, period: None };
    let c = load(path)?;
    let ev = Evaluator::new(&c).map_err(|d| report(&d.0))?;
    let statement = run_statement(&c, &ev, run, request)?;
    // The id given is normalised as the records' ids are.
    let wanted = records::normalise_id(participant);
    let reader = records::open_for(&run.records, Some(&c.id)).map_err(|d| report(&[d]))?;
    // A record of another contract may share the id: this contract's first.
    let other_contract = |r: &records::Record| r.contract.as_deref().is_some_and(|k| k != c.id);
    let record = reader.filter_map(Result::ok).filter(|r| r.id == wanted).min_by_key(other_contract);
    let Some(record) = record.map(|r| ev.bind(r)).transpose().map_err(|d| report(&[d]))? else {
        let id = records::hetu::redact(participant);
        return Err(fail(Failed::Input, format_args!("no participant with id \"{id}\" in {}", run.records.display())));
    };
    let explanation = explain(&c, &ev, &record, &statement, request).map_err(|e| calc_failed(&c, e))?;
    match format {
        SummaryFormat::Text => emit(&explanation.render_text()),
        SummaryFormat::Json => emit(&json(&explanation)),
    }
}

fn try_table(
    path: &Path,
    name: &str,
    set: &[String],
    inputs_json: Option<&str>,
    format: SummaryFormat,
) -> Result<(), Failed> {
    let file = contract::load_any(path).map_err(|d| report(&d.0))?;
    let tables = file.tables();
    let Some(table) = tables.iter().find(|t| t.name == name) else {
        let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
        let names = names.join(", ");
        return Err(fail(
            Failed::Usage,
            format_args!("{} has no table `{name}`; its tables are: {names}", path.display()),
        ));
    };
    let mut given: Vec<(String, String)> = match inputs_json {
        Some(text) => json_inputs(text)?,
        None => Vec::new(),
    };
    for pair in set {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(fail(Failed::Usage, format_args!("--set takes NAME=VALUE, found \"{pair}\"")));
        };
        given.push((k.trim().to_string(), v.trim().to_string()));
    }
    // Under --format json every error is also a JSON object on stdout, so a
    // tool driving many cases reads one format.
    let refuse = |kind: &str, message: String| {
        let message = records::hetu::redact(&message);
        if matches!(format, SummaryFormat::Json) {
            let _ = emit(&format!("{}\n", serde_json::json!({ "error": message, "kind": kind })));
        }
        fail(Failed::Input, format_args!("{message}"))
    };
    let mut inputs = std::collections::BTreeMap::new();
    for (k, v) in given {
        // Refused without echoing it: a table has no use for personal data.
        if records::hetu::contains_identity_code(&v) || records::hetu::contains_identity_code(&k) {
            let k = records::hetu::redact(&k);
            let message = format!(
                "input `{k}`: the value looks like a personal identity code (henkilötunnus); \
                 give the value the table tests, not a person's code"
            );
            return Err(refuse("invalid_input", message));
        }
        let value = table.parse_input(&k, &v).map_err(|e| refuse("invalid_input", format!("input `{k}`: {e}")))?;
        inputs.insert(k, value);
    }
    // Inputs are checked above; redacting and escaping what is printed is the
    // last line of defence (a contract's own text is shown the same way).
    match (table.evaluate(&inputs), format) {
        (Ok(result), SummaryFormat::Text) => emit(&report::shown_lines(&result.render_text())),
        (Ok(result), SummaryFormat::Json) => emit(&json(&result)),
        (Err(e), _) => Err(refuse(error_kind(&e), e.to_string())),
    }
}

/// Pretty JSON with a final newline, every text in it redacted.
fn json(value: &impl serde::Serialize) -> String {
    let value = report::redacted_json(value).expect("output types serialise");
    let mut text = serde_json::to_string_pretty(&value).expect("output types serialise");
    text.push('\n');
    text
}

fn error_kind(e: &tulos::tables::TableError) -> &'static str {
    use tulos::tables::TableError as E;
    match e {
        E::MissingInput { .. } => "missing_input",
        E::UnknownInput { .. } => "unknown_input",
        E::InvalidInput { .. } => "invalid_input",
        E::UniqueViolation { .. } => "unique_violation",
        E::AnyConflict { .. } => "any_conflict",
    }
}

/// `{"age": 23, "group": ["youth", "immigrant"]}` as (name, text) pairs;
/// lists become comma-separated text, as `--set` takes them.
fn json_inputs(json: &str) -> Result<Vec<(String, String)>, Failed> {
    let value: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| fail(Failed::Usage, format_args!("--inputs is not a JSON object: {e}")))?;
    let Some(object) = value.as_object() else {
        return Err(fail(Failed::Usage, format_args!("--inputs must be a JSON object of input name to value")));
    };
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => {
            items.iter().map(|i| i.as_str().map_or_else(|| i.to_string(), String::from)).collect::<Vec<_>>().join(",")
        }
        other => other.to_string(),
    };
    Ok(object.iter().map(|(k, v)| (k.clone(), text(v))).collect())
}
