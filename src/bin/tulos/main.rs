//! `tulos` command line: parses arguments, calls the library, prints.
//!
//! Results go to stdout, diagnostics to stderr. Exit codes: 0 success,
//! 1 invalid input (contract, rules or records), 2 usage error.

// Errors travel by value, as in the library.
#![allow(clippy::result_large_err)]

mod render;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use tulos::contract::{self, Contract};
use tulos::diagnostic::{Diagnostic, Severity};
use tulos::explain::explain;
use tulos::payment::{self, CalcError, Evaluator, Request};
use tulos::records;
use tulos::report::{self, CsvDialect};
use tulos::statement::{Period, Statement};

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
struct Failed;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { contracts } => check(&contracts),
        Command::Calculate { contract, run, from, to, format } => calculate(&contract, &run, from.zip(to), format),
        Command::Records { path, format } => summarise(&path, format),
        Command::Explain { contract, run, participant, format } => explain_one(&contract, &run, &participant, format),
        Command::Table { contract, table, set, inputs, format } => {
            try_table(&contract, &table, &set, inputs.as_deref(), format)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failed) => ExitCode::from(1),
    }
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    tulos::calendar::parse_iso_date(s).ok_or_else(|| format!("expected a date like 2026-06-30, found \"{s}\""))
}

fn report(diags: &[Diagnostic]) -> Failed {
    eprint!("{}", render::diagnostics(diags));
    Failed
}

fn load(path: &Path) -> Result<Contract, Failed> {
    contract::load(path).map_err(|d| report(&d.0))
}

fn check(paths: &[PathBuf]) -> Result<(), Failed> {
    let mut failed = false;
    for path in paths {
        match load(path).and_then(|c| check_one(&c)) {
            Ok(()) => {}
            Err(Failed) => failed = true,
        }
    }
    if failed {
        Err(Failed)
    } else {
        Ok(())
    }
}

/// Compile the rules and analyse the tables of a loaded contract.
fn check_one(c: &Contract) -> Result<(), Failed> {
    Evaluator::new(c).map_err(|d| report(&d.0))?;
    let findings: Vec<Diagnostic> = c.tables.iter().flat_map(|t| t.check(&c.file)).collect();
    if !findings.is_empty() {
        eprint!("{}", render::diagnostics(&findings));
    }
    if findings.iter().any(|d| d.severity == Severity::Error) {
        return Err(Failed);
    }
    let warnings = findings.len();
    println!(
        "ok: {} — {} ({} items, {} fixed fees, {} tables{})",
        c.file.display(),
        c.id,
        c.items.len(),
        c.fixed_fees.len(),
        c.tables.len(),
        if warnings > 0 { format!(", {warnings} warnings") } else { String::new() }
    );
    Ok(())
}

fn as_of(run: &RunArgs, period: Option<(NaiveDate, NaiveDate)>) -> Result<NaiveDate, Failed> {
    run.as_of.or(period.map(|p| p.1)).ok_or_else(|| {
        eprintln!("error: give --as-of DATE (the date the records were extracted), or a billing period --from/--to");
        std::process::exit(2)
    })
}

/// Everything a run computes: the contract, its evaluator and statement.
fn run_statement(c: &Contract, ev: &Evaluator, run: &RunArgs, request: Request) -> Result<Statement, Failed> {
    let reader = records::open(&run.records).map_err(|d| report(&[d]))?;
    let inputs = payment::fingerprint(c, &run.records).map_err(|e| {
        eprintln!("error: cannot read {}: {e}", run.records.display());
        Failed
    })?;
    payment::calculate(c, ev, reader, inputs, request).map_err(calc_failed)
}

fn calc_failed(e: CalcError) -> Failed {
    match e {
        CalcError::Records(diags) => report(&diags),
        CalcError::Rule(e) => {
            eprintln!("error: {e}");
            Failed
        }
    }
}

fn calculate(path: &Path, run: &RunArgs, period: Option<(NaiveDate, NaiveDate)>, format: Format) -> Result<(), Failed> {
    if let Some((from, to)) = period.filter(|(f, t)| f > t) {
        eprintln!("error: the billing period ends ({to}) before it starts ({from})");
        std::process::exit(2);
    }
    let request = Request { as_of: as_of(run, period)?, period: period.map(|(from, to)| Period { from, to }) };
    let c = load(path)?;
    let ev = Evaluator::new(&c).map_err(|d| report(&d.0))?;
    let statement = run_statement(&c, &ev, run, request)?;
    let out = match format {
        Format::Text => report::statement_text(&statement),
        Format::Json => report::statement_json(&statement),
        Format::Csv => report::statement_csv(&statement, CsvDialect::Standard),
        Format::CsvFi => report::statement_csv(&statement, CsvDialect::Finnish),
    };
    print!("{out}");
    Ok(())
}

fn summarise(path: &Path, format: SummaryFormat) -> Result<(), Failed> {
    let reader = records::open(path).map_err(|d| report(&[d]))?;
    let mut summary = records::summary::Summary::default();
    let mut errors = Vec::new();
    for record in reader {
        match record {
            Ok(r) => summary.add(&r),
            Err(d) if errors.len() < payment::MAX_RECORD_ERRORS => errors.push(d),
            Err(_) => break,
        }
    }
    if !errors.is_empty() {
        return Err(report(&errors));
    }
    match format {
        SummaryFormat::Text => print!("{}", summary.render_text()),
        SummaryFormat::Json => println!("{}", serde_json::to_string_pretty(&summary).expect("summary serialises")),
    }
    Ok(())
}

fn explain_one(path: &Path, run: &RunArgs, participant: &str, format: SummaryFormat) -> Result<(), Failed> {
    let request = Request { as_of: as_of(run, None)?, period: None };
    let c = load(path)?;
    let ev = Evaluator::new(&c).map_err(|d| report(&d.0))?;
    let statement = run_statement(&c, &ev, run, request)?;
    let reader = records::open(&run.records).map_err(|d| report(&[d]))?;
    let record = reader.filter_map(Result::ok).find(|r| r.id == participant);
    let Some(record) = record.map(|r| ev.bind(r)).transpose().map_err(|d| report(&[d]))? else {
        eprintln!(
            "error: no participant with id \"{}\" in {}",
            records::hetu::redact(participant),
            run.records.display()
        );
        return Err(Failed);
    };
    let explanation = explain(&c, &ev, &record, &statement, request).map_err(calc_failed)?;
    match format {
        SummaryFormat::Text => print!("{}", explanation.render_text()),
        SummaryFormat::Json => println!("{}", serde_json::to_string_pretty(&explanation).expect("serialises")),
    }
    Ok(())
}

fn try_table(path: &Path, name: &str, set: &[String], json: Option<&str>, format: SummaryFormat) -> Result<(), Failed> {
    let c = load(path)?;
    let Some(table) = c.table(name) else {
        let names: Vec<&str> = c.tables.iter().map(|t| t.name.as_str()).collect();
        eprintln!("error: {} has no table `{name}`; its tables are: {}", path.display(), names.join(", "));
        return Err(Failed);
    };
    let mut given: Vec<(String, String)> = Vec::new();
    if let Some(json) = json {
        given.extend(json_inputs(json)?);
    }
    for pair in set {
        let Some((k, v)) = pair.split_once('=') else {
            eprintln!("error: --set takes NAME=VALUE, found \"{pair}\"");
            std::process::exit(2);
        };
        given.push((k.trim().to_string(), v.trim().to_string()));
    }
    let mut inputs = std::collections::BTreeMap::new();
    for (k, v) in given {
        match table.parse_input(&k, &v) {
            Ok(value) => inputs.insert(k, value),
            Err(e) => {
                eprintln!("error: input `{k}`: {e}");
                return Err(Failed);
            }
        };
    }
    match (table.evaluate(&inputs), format) {
        (Ok(result), SummaryFormat::Text) => print!("{}", result.render_text()),
        (Ok(result), SummaryFormat::Json) => println!("{}", serde_json::to_string_pretty(&result).expect("serialises")),
        (Err(e), SummaryFormat::Text) => {
            eprintln!("error: {e}");
            return Err(Failed);
        }
        (Err(e), SummaryFormat::Json) => {
            println!("{}", serde_json::json!({ "error": e.to_string(), "kind": error_kind(&e) }));
            eprintln!("error: {e}");
            return Err(Failed);
        }
    }
    Ok(())
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
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
        eprintln!("error: --inputs is not a JSON object: {e}");
        Failed
    })?;
    let Some(object) = value.as_object() else {
        eprintln!("error: --inputs must be a JSON object of input name to value");
        return Err(Failed);
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
