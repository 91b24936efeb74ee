//! `tulos` command line: parses arguments, calls the library, prints.
//!
//! Results go to stdout, diagnostics to stderr. Exit codes: 0 success,
//! 1 invalid input (contract, rules or records), 2 usage error.

// Errors travel by value, as in the library.
#![allow(clippy::result_large_err)]

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod ledger;
mod portfolio;
mod progress;
mod render;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use tulos::casebook;
use tulos::contract::{self, Contract, ContractFile};
use tulos::diagnostic::{Diagnostic, Severity};
use tulos::effectiveness::{self, ScoreError};
use tulos::explain::explain;
use tulos::payment::{self, CalcError, Evaluator, Request};
use tulos::records;
use tulos::report::{self, CsvDialect};
use tulos::statement::{Inputs, Period, Statement};
use tulos::tables::DecisionTable;

/// The `--help` epilogue of a command: an example, then the exit codes.
macro_rules! after_help {
    ($example:expr) => {
        concat!(
            "Example:\n  ",
            $example,
            "\n\nExit codes: 0 success, 1 invalid input (contract, rules or records) or failed contract tests, 2 usage error."
        )
    };
}

#[derive(Parser)]
#[command(
    name = "tulos",
    version = env!("TULOS_VERSION"),
    about = "Outcome-based payments for employment services: contracts in TOML + rhai, exact statements",
    after_help = after_help!("tulos calculate contracts/labour-market-training/contract.toml \\\n      --records contracts/labour-market-training/records.jsonl --as-of 30.6.2027")
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Language of text statements, explanations, scorecards and spreadsheet headers
    /// (fi or en; default: the TULOS_LANG environment setting, else en). JSON and plain CSV
    /// never change with the language.
    #[arg(long, global = true, value_enum)]
    lang: Option<Lang>,
}

#[derive(Subcommand)]
enum Command {
    /// Validate contracts and their rule scripts, without data.
    #[command(after_help = after_help!("tulos check contracts/*/contract.toml"))]
    Check {
        /// Contract files (`contract.toml`) or files of decision tables only.
        #[arg(required = true)]
        contracts: Vec<PathBuf>,
        /// Fail (exit code 1) on warnings too — table gaps, dates far
        /// outside the contract's validity — for use in CI.
        #[arg(long)]
        strict: bool,
    },
    /// Compute the payment statement of a contract over participant records.
    #[command(after_help = after_help!("tulos calculate contract.toml --records records.jsonl --from 1.1.2027 --to 31.3.2027 \\\n      --format xlsx --out statement.xlsx"))]
    Calculate {
        /// The contract file (`contract.toml`); several contracts over one records source
        /// (each record's `contract` says whose) print each statement, then a summary per
        /// provider and per buyer (text or json only).
        #[arg(required = true)]
        contract: Vec<PathBuf>,
        #[command(flatten)]
        run: RunArgs,
        /// First day of the billing period (lines achieved in it are listed).
        #[arg(long, requires = "to", value_parser = parse_date)]
        from: Option<NaiveDate>,
        /// Last day of the billing period; also the default as-of date.
        #[arg(long, requires = "from", value_parser = parse_date)]
        to: Option<NaiveDate>,
        /// What to write: text for reading, json or csv for tools, csv-fi or xlsx for a spreadsheet.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Ledger of payment runs: show what earlier committed runs of the
        /// contract have not paid as of --as-of (created on first use).
        #[arg(long, value_name = "FILE", conflicts_with_all = ["from", "to"])]
        ledger: Option<PathBuf>,
        /// Record the run in the ledger and print its run id.
        #[arg(long, requires = "ledger")]
        commit: bool,
        /// The date the records were extracted, when --as-of is after every
        /// date they hold: a commit is refused without it.
        #[arg(long, value_name = "DATE", requires = "ledger", value_parser = parse_date)]
        records_extracted_on: Option<NaiveDate>,
        /// Write the statement to FILE instead of standard output (needed by `--format xlsx`).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Recompute a committed payment run from the contract and rules stored
    /// in it, against the records it was computed from.
    #[command(after_help = after_help!("tulos replay 3 --ledger payments.db --records march.jsonl"))]
    Replay {
        /// The run id (`tulos ledger list`).
        run: i64,
        /// The ledger file holding the run.
        #[arg(long, value_name = "FILE")]
        ledger: PathBuf,
        /// The records the run was computed from (checked against its digests).
        #[arg(long)]
        records: PathBuf,
    },
    /// The payment runs of a ledger: list, show, export, verify.
    Ledger {
        #[command(subcommand)]
        action: ledger::Action,
    },
    /// What changed between two committed runs, or a run and a fresh
    /// calculation: each line whose net changed, and whether the contract,
    /// the records or both made the change.
    #[command(after_help = after_help!("tulos diff 2 3 --ledger ledger.db --records feb.jsonl --records mar.jsonl"))]
    Diff(ledger::DiffArgs),
    /// The auditor's workpaper of a committed run.
    Audit {
        #[command(subcommand)]
        action: ledger::Audit,
    },
    /// Effectiveness indicators of a contract: participants against the
    /// comparison group (verrokkiryhmä) of the records.
    #[command(after_help = after_help!("tulos score contract.toml --records records.jsonl --as-of 31.12.2026"))]
    Score {
        /// The contract file (`contract.toml`) declaring the indicators.
        contract: PathBuf,
        /// Records of both arms: a JSON Lines file or a folder of CSV tables.
        #[arg(long)]
        records: PathBuf,
        /// The data extraction date: outcomes count when achieved on or before it.
        #[arg(long, value_parser = parse_date)]
        as_of: NaiveDate,
        #[arg(long, value_enum, default_value_t = ScoreFormat::Text)]
        format: ScoreFormat,
    },
    /// One self-contained HTML page for decision makers: payments, effectiveness
    /// indicators, charts and municipality cards, in Finnish or English.
    #[command(after_help = after_help!("tulos report contract.toml --records records.jsonl --as-of 31.12.2026 \\\n      --out report.html --lang fi"))]
    Report {
        /// The contract file (`contract.toml`).
        contract: PathBuf,
        /// Records of both arms: a JSON Lines file or a folder of CSV tables.
        #[arg(long)]
        records: PathBuf,
        /// The data extraction date: everything achieved on or before it counts.
        #[arg(long, value_parser = parse_date)]
        as_of: NaiveDate,
        /// The HTML file to write (its language: `--lang`).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Validate a records file or folder on its own and summarise it.
    #[command(after_help = after_help!("tulos records contracts/career-coaching/records.jsonl"))]
    Records {
        /// Records: a JSON Lines file or a folder of CSV tables.
        path: PathBuf,
        /// Text for reading or JSON for tools.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
        /// Threads that parse JSON Lines (default: one per core). The result is the same for any
        /// number; 1 reads on one thread.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
        threads: Option<u16>,
    },
    /// Evaluate one decision table of a contract with inputs given by hand.
    #[command(after_help = after_help!("tulos table contract.toml job_entry_tariff --set age=23 --set group=youth"))]
    Table {
        /// The contract file, or a file of decision tables only.
        contract: PathBuf,
        /// The table's name (`[tables.NAME]`).
        table: String,
        /// An input value: `--set age=23 --set group=youth,immigrant`.
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
        /// All inputs as one JSON object: `--inputs '{"age": 23, "group": ["youth"]}'`.
        #[arg(long)]
        inputs: Option<String>,
        /// Text for reading, or JSON for tools (errors too are then a JSON object on standard output).
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Show every rule evaluated for participants, the multipliers that matched, and why each was paid or not.
    #[command(after_help = after_help!("tulos explain contract.toml --records records.jsonl --as-of 31.12.2026 --participant P-001 --participant P-002"))]
    Explain {
        /// The contract file (`contract.toml`).
        contract: PathBuf,
        #[command(flatten)]
        run: RunArgs,
        /// A participant's id, as in the records; give it again for more participants
        /// (JSON is then an array of explanations).
        #[arg(long, required = true)]
        participant: Vec<String>,
        /// Text for reading or JSON for tools.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Run the contract tests officers write: `tests.toml` beside each contract.
    #[command(after_help = after_help!("tulos test contracts/career-coaching/contract.toml"))]
    Test {
        /// Contract files whose `tests.toml` to run (default: every contracts/*/contract.toml that has one).
        contracts: Vec<PathBuf>,
    },
    /// Print a JSON Schema (draft-07) of the contract format, for editor completion and checking.
    ///
    /// Save it beside the contracts and point a contract at it with a first line
    /// `#:schema ./contract.schema.json` (Taplo, Even Better TOML).
    #[command(after_help = after_help!("tulos schema > contract.schema.json"))]
    Schema,
    /// Print a shell completion script for tulos.
    #[command(after_help = after_help!("tulos completions bash > ~/.local/share/bash-completion/completions/tulos"))]
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Write synthetic records in a contract's vocabulary (deterministic per seed).
    #[command(after_help = after_help!("tulos generate --n 10000 --seed 7 --contract career-coaching --out records.jsonl"))]
    Generate {
        /// Number of records.
        #[arg(long)]
        n: u64,
        /// The seed: the same seed gives the same bytes.
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
    /// it counts. Defaults to --to. Dates: 2027-06-30 or 30.6.2027.
    #[arg(long, value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// Threads that evaluate records (default: one per core). The statement is the same, byte
    /// for byte, for any number; 1 evaluates on the reading thread.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    threads: Option<u16>,
}

impl RunArgs {
    fn threads(&self) -> payment::Threads {
        payment::Threads(threads_or_cores(self.threads))
    }
}

/// The most `--threads` a run may ask for: each is an operating-system
/// thread (and a parse worker), and a mistyped `--threads 60000` should be
/// a usage error, not thousands of threads.
const MAX_THREADS: i64 = 256;

/// `--threads`, or one per core.
fn threads_or_cores(threads: Option<u16>) -> usize {
    threads.map_or_else(|| payment::Threads::available().0, usize::from)
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Aligned text for reading.
    Text,
    /// The whole statement as JSON.
    Json,
    /// Statement lines as CSV: `,` separator, `.` decimals.
    Csv,
    /// The whole statement for a Finnish-locale spreadsheet: byte-order mark, `;` and decimal
    /// comma; the lines, then the totals, the items not paid and the inputs, each after an empty row.
    CsvFi,
    /// The whole statement as a spreadsheet workbook (sheets lines, totals, not_paid, inputs); needs `--out`.
    Xlsx,
}

#[derive(Clone, Copy, ValueEnum)]
enum Lang {
    /// Finnish: `1 234,50`, `12,3 %`, `30.6.2027`.
    Fi,
    /// English: `1234.50`, `12.3 %`, `2027-06-30`.
    En,
}

/// The language asked for: `--lang`, else `TULOS_LANG`, else English. A
/// `TULOS_LANG` that names no language is a usage error, not ignored.
fn language(flag: Option<Lang>) -> Result<tulos::locale::Lang, Failed> {
    match flag {
        Some(Lang::Fi) => Ok(tulos::locale::Lang::Fi),
        Some(Lang::En) => Ok(tulos::locale::Lang::En),
        None => match std::env::var("TULOS_LANG") {
            Ok(code) if !code.trim().is_empty() => tulos::locale::Lang::parse(&code).ok_or_else(|| {
                fail(Failed::Usage, format_args!("TULOS_LANG is \"{code}\"; write fi or en, or leave it unset"))
            }),
            _ => Ok(tulos::locale::Lang::En),
        },
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum ScoreFormat {
    /// Aligned text tables.
    Text,
    /// The whole scorecard as JSON (the shape the README documents).
    Json,
    /// One row per indicator and breakdown cell, suppression marked.
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
enum SummaryFormat {
    /// Aligned text for reading.
    Text,
    /// JSON for tools.
    Json,
}

/// A failure already explained to the user on stderr.
enum Failed {
    /// Invalid input: contract, rules or records (exit 1).
    Input,
    /// The command was asked wrongly (exit 2).
    Usage,
}

/// mimalloc's `mi_option_purge_delay` (the option's place in its ABI, the
/// same in mimalloc 2 and 3; the binding names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Return freed memory to the system at once. mimalloc keeps it a while by
/// default, so when a statement's millions of lines move into their final
/// list the old copy stays resident beside the new one: `calculate` on a
/// million career-coaching records peaked at 750 MiB instead of 480 MiB.
/// Only for settling: while records are read and evaluated on several
/// threads, purging every freed page at once made each page fault again
/// and cost the second thread all it gained (2 threads: 17.6 s CPU for
/// 11.4 s wall, against 11.1 s on one thread).
fn purge_freed_memory_at_once() {
    // SAFETY: sets one aligned integer option, which mimalloc itself reads
    // without synchronisation; called when the worker threads have ended.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) }
}

/// A calculation's watch for the binary: `watch` sees each record, freed
/// memory is returned at once from settling on, and whoever waits for
/// settling (`then`) is told.
struct Settling<W> {
    watch: W,
    then: Option<std::sync::mpsc::Sender<()>>,
}

impl<W> Settling<W> {
    fn new(watch: W) -> Self {
        Settling { watch, then: None }
    }
}

impl<W: payment::Watch> payment::Watch for Settling<W> {
    type Seen = W::Seen;

    fn see(record: &records::Record) -> Self::Seen {
        W::see(record)
    }

    fn record(&mut self, seen: Self::Seen) {
        self.watch.record(seen);
    }

    fn settling(&mut self) {
        self.watch.settling();
        purge_freed_memory_at_once();
        if let Some(then) = self.then.take() {
            // Nobody waiting any more is no error.
            let _ = then.send(());
        }
    }
}

/// Keep this process on ordinary 4 KiB pages. With freed memory returned
/// at once (above), transparent huge pages are faulted in and zeroed 2 MiB
/// at a time over and over as lists grow and move: `calculate` on a million
/// career-coaching records peaked 26 MiB higher with them, for no gain in
/// time.
#[cfg(target_os = "linux")]
fn without_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE only sets a flag of this process; it
    // reads no memory of ours. A kernel that refuses it leaves the default.
    unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
}

#[cfg(not(target_os = "linux"))]
fn without_huge_pages() {}

fn main() -> ExitCode {
    without_huge_pages();
    let cli = Cli::parse();
    JSON_ERRORS.store(cli.command.wants_json(), Ordering::Relaxed);
    let lang = match language(cli.lang) {
        Ok(lang) => lang,
        Err(_) => return ExitCode::from(2),
    };
    let result = match cli.command {
        Command::Check { contracts, strict } => check(&contracts, strict),
        Command::Calculate { contract, format, ref ledger, .. } if contract.len() > 1 && ledger.is_some() => {
            portfolio::refuse_unsupported(format, true)
        }
        Command::Calculate { contract, run, ledger: Some(file), commit, records_extracted_on, format, .. } => {
            ledger::pay(&contract[0], &run, &file, commit, records_extracted_on, format)
        }
        Command::Calculate { contract, run, from, to, format, out, .. } if contract.len() > 1 => {
            portfolio::refuse_unsupported(format, false)
                .and_then(|()| portfolio::calculate(&contract, &run, from.zip(to), format, out.as_deref(), lang))
        }
        Command::Calculate { contract, run, from, to, format, out, .. } => {
            calculate(&contract[0], &run, from.zip(to), format, out.as_deref(), lang)
        }
        Command::Replay { run, ledger, records } => ledger::replay(run, &ledger, &records),
        Command::Ledger { action } => ledger::act(action),
        Command::Diff(args) => ledger::diff(&args),
        Command::Audit { action } => ledger::audit(&action),
        Command::Score { contract, records, as_of, format } => score(&contract, &records, as_of, format, lang),
        Command::Report { contract, records, as_of, out } => write_report(&contract, &records, as_of, &out, lang),
        Command::Records { path, format, threads } => summarise(&path, format, threads_or_cores(threads)),
        Command::Explain { contract, run, participant, format } => {
            explain_participants(&contract, &run, &participant, format, lang)
        }
        Command::Generate { n, seed, contract, format, out } => {
            generate(&contract, tulos::generate::Options { n, seed, format, out })
        }
        Command::Table { contract, table, set, inputs, format } => {
            try_table(&contract, &table, &set, inputs.as_deref(), format)
        }
        Command::Completions { shell } => completions(shell),
        Command::Schema => contract_schema(),
        Command::Test { contracts } => contract_tests(&contracts),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failed::Input) => ExitCode::from(1),
        Err(Failed::Usage) => ExitCode::from(2),
    }
}

/// A date on the command line: ISO `2027-06-30` or Finnish `30.6.2027`.
fn parse_date(s: &str) -> Result<NaiveDate, String> {
    tulos::calendar::parse_iso_date(s)
        .or_else(|| finnish_date(s))
        .ok_or_else(|| format!("expected a date like 2027-06-30 or 30.6.2027, found \"{s}\""))
}

/// `30.6.2027` or `30.06.2027`: day and month of one or two digits, a
/// four-digit year, and a day that exists.
fn finnish_date(s: &str) -> Option<NaiveDate> {
    let mut parts = s.split('.');
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    let digits =
        |p: &str, len: std::ops::RangeInclusive<usize>| len.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    if parts.next().is_some() || !digits(day, 1..=2) || !digits(month, 1..=2) || !digits(year, 4..=4) {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// Run each contract's `tests.toml`, print each failing expectation, and
/// fail when any expectation failed or any case could not run.
fn contract_tests(contracts: &[PathBuf]) -> Result<(), Failed> {
    let contracts = if contracts.is_empty() { casebook::discover(Path::new("contracts")) } else { contracts.to_vec() };
    if contracts.is_empty() {
        return Err(fail(Failed::Usage, format_args!("no contracts/*/contract.toml with a tests.toml beside it here")));
    }
    let mut failed = false;
    for contract in &contracts {
        let Some(tests) = casebook::tests_file(contract) else {
            failed = true;
            fail(Failed::Input, format_args!("no {} beside {}", casebook::FILE_NAME, contract.display()));
            continue;
        };
        match casebook::run(contract, &tests) {
            Ok(outcome) => {
                failed |= !outcome.failures.is_empty();
                emit(&report::shown_lines(&casebook::render_text(&outcome)))?;
            }
            Err(diags) => failed |= matches!(report(&diags), Failed::Input),
        }
    }
    if failed {
        Err(Failed::Input)
    } else {
        Ok(())
    }
}

fn contract_schema() -> Result<(), Failed> {
    let schema = tulos::schema::contract_schema();
    let text = serde_json::to_string_pretty(&schema)
        .map_err(|e| fail(Failed::Input, format_args!("cannot write the schema: {e}")))?;
    emit(&format!("{text}\n"))
}

fn completions(shell: clap_complete::Shell) -> Result<(), Failed> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "tulos", &mut script);
    emit(&String::from_utf8_lossy(&script))
}

fn report(diags: &[Diagnostic]) -> Failed {
    eprint!("{}", render::diagnostics(diags));
    let first = diags.iter().find(|d| d.severity == Severity::Error).or(diags.first());
    json_error("invalid_input", &first.map(ToString::to_string).unwrap_or_default(), diags);
    Failed::Input
}

/// Print a one-line error and fail as `kind`. The text is shown as any
/// value from input is: no identity code, no control character.
fn fail(kind: Failed, message: std::fmt::Arguments) -> Failed {
    let json_kind = match kind {
        Failed::Input => "invalid_input",
        Failed::Usage => "usage_error",
    };
    fail_as(kind, json_kind, message)
}

/// [`fail`], naming the kind of error a JSON error object carries.
fn fail_as(kind: Failed, json_kind: &str, message: std::fmt::Arguments) -> Failed {
    let message = message.to_string();
    eprintln!("error: {}", report::shown(&message));
    json_error(json_kind, &message, &[]);
    kind
}

impl Command {
    /// Whether the command was asked for JSON: its errors are then JSON too.
    fn wants_json(&self) -> bool {
        match self {
            Command::Calculate { format, .. } => matches!(format, Format::Json),
            Command::Score { format, .. } => matches!(format, ScoreFormat::Json),
            Command::Diff(args) => args.wants_json(),
            Command::Audit { action } => action.wants_json(),
            Command::Records { format, .. } | Command::Explain { format, .. } | Command::Table { format, .. } => {
                matches!(format, SummaryFormat::Json)
            }
            _ => false,
        }
    }
}

/// Set when the command was asked for `--format json`.
static JSON_ERRORS: AtomicBool = AtomicBool::new(false);

/// Under `--format json` a failure is also one JSON object on stdout —
/// `{"error": …, "kind": …}`, with `"diagnostics"` when there are any —
/// so a tool reads one format whatever happens. Only the first failure is
/// written: stdout holds exactly one JSON document.
fn json_error(kind: &str, message: &str, diagnostics: &[Diagnostic]) {
    if !JSON_ERRORS.swap(false, Ordering::Relaxed) {
        return;
    }
    let mut object = serde_json::json!({ "error": message, "kind": kind });
    if !diagnostics.is_empty() {
        object["diagnostics"] = serde_json::json!(diagnostics);
    }
    let _ = emit(&json(&object));
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

/// What `calculate` was asked for: the as-of date (default: the period's
/// end) and the billing period, which must not end before it starts.
fn request(run: &RunArgs, period: Option<(NaiveDate, NaiveDate)>) -> Result<Request, Failed> {
    if let Some((from, to)) = period.filter(|(f, t)| f > t) {
        return Err(fail(Failed::Usage, format_args!("the billing period ends ({to}) before it starts ({from})")));
    }
    Ok(Request { as_of: as_of(run, period)?, period: period.map(|(from, to)| Period { from, to }) })
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
    // As many threads parse as evaluate: on two cores this keeps both busy
    // (see BENCHMARKS.md).
    let threads = run.threads();
    let mut reader = records::open_for(&run.records, Some(&c.id)).map_err(|d| report(&[d]))?.with_threads(threads.0);
    let fingerprint = || {
        payment::fingerprint(c, &run.records)
            .map_err(|e| fail(Failed::Input, format_args!("cannot read {}: {e}", run.records.display())))
    };
    let mut progress = progress::Progress::records(&c.id);
    let mut calculate = |inputs, then| {
        let watch = Settling { then, ..Settling::new(&mut progress) };
        payment::calculate_on(threads, c, ev, &mut reader, inputs, request, watch).map_err(|e| calc_failed(c, e))
    };
    let statement = if threads.0 > 1 {
        // The records are fingerprinted beside settling, which runs on one
        // thread (while records are evaluated every core is busy), and the
        // statement gets its inputs when both are done.
        std::thread::scope(|scope| {
            let (then, settling) = std::sync::mpsc::channel();
            let inputs = scope.spawn(move || match settling.recv() {
                Ok(()) => fingerprint(),
                // The calculation stopped before settling: its error is
                // what the run reports, no fingerprint is needed.
                Err(_) => Ok(Inputs::default()),
            });
            let statement = calculate(Inputs::default(), Some(then));
            let inputs = inputs.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            statement.map(|statement| Statement { inputs, ..statement })
        })
    } else {
        calculate(fingerprint()?, None)
    }?;
    drop(progress);
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

fn calculate(
    path: &Path,
    run: &RunArgs,
    period: Option<(NaiveDate, NaiveDate)>,
    format: Format,
    out_file: Option<&Path>,
    lang: tulos::locale::Lang,
) -> Result<(), Failed> {
    let request = request(run, period)?;
    if matches!(format, Format::Xlsx) && out_file.is_none() {
        let message = "--format xlsx writes a workbook, not text: give --out FILE, e.g. --out statement.xlsx";
        return Err(fail(Failed::Usage, format_args!("{message}")));
    }
    let c = load(path)?;
    let ev = Evaluator::new(&c).map_err(|d| report(&d.0))?;
    let statement = run_statement(&c, &ev, run, request)?;
    let mut out: std::io::BufWriter<Box<dyn Write>> = std::io::BufWriter::new(match out_file {
        Some(file) => Box::new(
            std::fs::File::create(file)
                .map_err(|e| fail(Failed::Input, format_args!("cannot create {}: {e}", file.display())))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    });
    let written = match format {
        Format::Text => report::write_statement_text_in(&statement, lang, &mut out),
        Format::Json => report::write_json_on(run.threads(), &statement, &mut out),
        Format::Csv => report::write_csv_on(run.threads(), &statement, CsvDialect::Standard, &mut out),
        Format::CsvFi => report::write_csv_fi_on(run.threads(), &statement, lang, &mut out),
        Format::Xlsx => report::write_xlsx_in(&statement, &report::item_names_in(&c, lang), lang)
            .map_err(std::io::Error::other)
            .and_then(|bytes| out.write_all(&bytes)),
    };
    let written = written.and_then(|()| out.flush());
    // The process ends next and the system takes its memory back at once:
    // freeing a national statement line by line would only delay the exit
    // (a fifth of a second for a million lines).
    std::mem::forget(statement);
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(fail(Failed::Input, format_args!("cannot write the statement: {e}")))
        }
        _ => Ok(()),
    }
}

/// The contract, its payment statement and its scorecard over the same
/// records and as-of date (the records are read twice): what `score` and
/// `report` both show.
fn paid_and_scored(
    path: &Path,
    records: &Path,
    as_of: NaiveDate,
) -> Result<(Contract, Statement, effectiveness::Scorecard), Failed> {
    let c = load(path)?;
    let ev = Evaluator::new(&c).map_err(|d| report(&d.0))?;
    let run = RunArgs { records: records.to_path_buf(), as_of: Some(as_of), threads: None };
    let paid = run_statement(&c, &ev, &run, Request { as_of, period: None })?;
    let threads = run.threads();
    let mut reader = records::open_for(records, Some(&c.id)).map_err(|d| report(&[d]))?.with_threads(threads.0);
    let scored = effectiveness::score_on(threads, &c, &ev, &mut reader, paid.inputs.clone(), as_of, Some(&paid));
    let scorecard = scored.map_err(|e| match e {
        ScoreError::Records(diags) => report(&diags),
        ScoreError::Rule(e) => fail(Failed::Input, format_args!("contract {}: {e}", c.id)),
    })?;
    Ok((c, paid, scorecard))
}

/// The scorecard, with the cost from the payment statement over the same
/// records and as-of date (the records are read twice).
fn score(
    path: &Path,
    records: &Path,
    as_of: NaiveDate,
    format: ScoreFormat,
    lang: tulos::locale::Lang,
) -> Result<(), Failed> {
    let (_, _, scorecard) = paid_and_scored(path, records, as_of)?;
    match format {
        ScoreFormat::Text => emit(&effectiveness::scorecard_text_in(&scorecard, lang)),
        ScoreFormat::Json => emit(&json(&scorecard)),
        ScoreFormat::Csv => emit(&effectiveness::scorecard_csv(&scorecard)),
    }
}

/// The HTML report: the payment statement and the scorecard over the same
/// records and as-of date (read twice, as `score` does), on one page.
fn write_report(
    path: &Path,
    records: &Path,
    as_of: NaiveDate,
    out: &Path,
    lang: tulos::locale::Lang,
) -> Result<(), Failed> {
    let (c, paid, scorecard) = paid_and_scored(path, records, as_of)?;
    let items = report::html::item_names(&c);
    let page = report::html::Report { statement: &paid, scorecard: &scorecard, items: &items, lang };
    let html = report::html::render(&page).map_err(|e| fail(Failed::Input, format_args!("contract {}: {e}", c.id)))?;
    std::fs::write(out, html).map_err(|e| fail(Failed::Input, format_args!("cannot write {}: {e}", out.display())))
}

fn summarise(path: &Path, format: SummaryFormat, threads: usize) -> Result<(), Failed> {
    let mut reader = records::open(path).map_err(|d| report(&[d]))?.with_threads(threads);
    let mut summary = records::summary::Summary::default();
    // Errors past the limit are counted, so the last note says how many.
    let mut errors = records::ErrorLimit::new(payment::MAX_RECORD_ERRORS);
    let mut progress = progress::Progress::records(&path.display().to_string());
    reader.summarise(&mut summary, &mut errors, || progress.tick());
    drop(progress);
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

/// Explain each participant asked for, in the order given: text one after
/// another, JSON one object (one participant) or an array of them.
fn explain_participants(
    path: &Path,
    run: &RunArgs,
    participants: &[String],
    format: SummaryFormat,
    lang: tulos::locale::Lang,
) -> Result<(), Failed> {
    let Some(as_of) = run.as_of else {
        let message = "give --as-of DATE, the date the records were extracted (explain takes no billing period)";
        return Err(fail(Failed::Usage, format_args!("{message}")));
    };
    let request = Request { as_of, period: None };
    let c = load(path)?;
    let ev = Evaluator::new(&c).map_err(|d| report(&d.0))?;
    let statement = run_statement(&c, &ev, run, request)?;
    let mut explanations = Vec::new();
    for participant in participants {
        let record = participant_record(&c, &ev, run, participant)?;
        explanations.push(explain(&c, &ev, &record, &statement, request).map_err(|e| calc_failed(&c, e))?);
    }
    match (format, explanations.as_slice()) {
        (SummaryFormat::Text, all) => emit(&all.iter().map(|e| e.render_text_in(lang)).collect::<Vec<_>>().join("\n")),
        (SummaryFormat::Json, [one]) => emit(&json(one)),
        (SummaryFormat::Json, all) => emit(&json(&all)),
    }
}

/// The record of `participant` (normalised as the records' ids are),
/// bound to the contract.
fn participant_record(
    c: &Contract,
    ev: &Evaluator,
    run: &RunArgs,
    participant: &str,
) -> Result<records::Record, Failed> {
    let wanted = records::normalise_id(participant);
    let reader = records::open_for(&run.records, Some(&c.id)).map_err(|d| report(&[d]))?;
    // A record of another contract may share the id: this contract's first.
    let other_contract = |r: &records::Record| r.contract.as_deref().is_some_and(|k| k != c.id);
    let record = reader.filter_map(Result::ok).filter(|r| r.id == wanted).min_by_key(other_contract);
    match record.map(|r| ev.bind(r)).transpose().map_err(|d| report(&[d]))? {
        Some(record) => Ok(record),
        None => {
            let id = records::hetu::redact(participant);
            Err(fail(Failed::Input, format_args!("no participant with id \"{id}\" in {}", run.records.display())))
        }
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
    // Under --format json every error is also a JSON object on stdout (see
    // `json_error`), with the table's own kind of error.
    let refuse = |kind: &str, message: String| fail_as(Failed::Input, kind, format_args!("{message}"));
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
