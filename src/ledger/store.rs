//! The ledger file: SQLite schema, commit in one transaction, reading runs
//! back, and walking each contract's chain of digests.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use chrono::NaiveDate;
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, TransactionBehavior};
use rust_decimal::Decimal;

use super::plan::{self, on_scale};
use super::{
    digest, ControlTotals, Entry, EntryKind, LedgerError, Run, RunPeriod, RunSummary, StoredRule, Values,
    ABORT_MID_COMMIT_FOR_TESTS,
};
use crate::contract::Contract;
use crate::payment::sha256;
use crate::statement::{Statement, TULOS_VERSION};

/// The schema this build writes and reads (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 1;

/// Marks the file as a tulos ledger (`PRAGMA application_id`, "tulo").
const APPLICATION_ID: i64 = 0x7475_6c6f;

const SCHEMA: &str = "
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    contract TEXT NOT NULL,
    seq INTEGER NOT NULL,
    contract_version TEXT,
    as_of TEXT NOT NULL,
    period_after TEXT,
    tulos_version TEXT NOT NULL,
    contract_file TEXT NOT NULL,
    contract_sha256 TEXT NOT NULL,
    contract_text TEXT NOT NULL,
    line_count INTEGER NOT NULL,
    net_total TEXT NOT NULL,
    vat_total TEXT NOT NULL,
    gross_total TEXT NOT NULL,
    previous_digest TEXT,
    digest TEXT NOT NULL,
    UNIQUE (contract, seq)
);
CREATE TABLE run_rules (
    run INTEGER NOT NULL REFERENCES runs (id),
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (run, name)
);
CREATE TABLE run_records (
    run INTEGER NOT NULL REFERENCES runs (id),
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (run, name)
);
CREATE TABLE entries (
    run INTEGER NOT NULL REFERENCES runs (id),
    position INTEGER NOT NULL,
    participant TEXT NOT NULL,
    item TEXT NOT NULL,
    occurrence INTEGER NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    old TEXT,
    new TEXT,
    net TEXT NOT NULL,
    vat TEXT NOT NULL,
    gross TEXT NOT NULL,
    PRIMARY KEY (run, position)
);
";

/// How long a commit waits for another one to finish before giving up.
const BUSY_WAIT: Duration = Duration::from_secs(10);

/// Why a contract's chain of runs does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("contract {contract}: the content of run {run} does not match its digest (edited)")]
    Edited { contract: String, run: i64 },
    #[error(
        "contract {contract}: run {run} is the contract's run number {found}, expected {expected} (a run was deleted \
         or reordered)"
    )]
    OutOfSequence { contract: String, run: i64, expected: i64, found: i64 },
    #[error(
        "contract {contract}: run {run} does not link to the digest of the run before it (a run was deleted, edited or \
         reordered)"
    )]
    BrokenLink { contract: String, run: i64 },
    #[error("run {run} holds {what} \"{found}\" that cannot be read (edited)")]
    Unreadable { run: i64, what: &'static str, found: String },
}

/// An open ledger file.
pub struct Ledger {
    conn: Connection,
    path: String,
}

impl Ledger {
    /// Open the ledger at `path`, creating it (with the current schema) on
    /// first use.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        let name = path.display().to_string();
        let sql = |source| LedgerError::Sqlite { path: name.clone(), source };
        let mut conn = Connection::open(path).map_err(sql)?;
        conn.busy_timeout(BUSY_WAIT).map_err(sql)?;
        let ledger_error = |e| error(&name, e);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(ledger_error)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(ledger_error)?;
        match version {
            0 => {
                let tables: i64 =
                    tx.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).map_err(ledger_error)?;
                if tables > 0 {
                    return Err(LedgerError::NotALedger { path: name });
                }
                tx.execute_batch(SCHEMA).map_err(ledger_error)?;
                tx.execute_batch(&format!(
                    "PRAGMA user_version = {SCHEMA_VERSION}; PRAGMA application_id = {APPLICATION_ID};"
                ))
                .map_err(ledger_error)?;
            }
            SCHEMA_VERSION => {}
            found => return Err(LedgerError::NewerSchema { path: name, found, expected: SCHEMA_VERSION }),
        }
        tx.commit().map_err(ledger_error)?;
        Ok(Ledger { conn, path: name })
    }

    /// Open a ledger that exists: reading a misspelt path must not create
    /// an empty ledger and report that it holds nothing.
    pub fn open_existing(path: &Path) -> Result<Ledger, LedgerError> {
        if !path.is_file() {
            return Err(LedgerError::NoLedger { path: path.display().to_string() });
        }
        Ledger::open(path)
    }

    /// The run the statement would make if committed now.
    pub fn preview(&self, contract: &Contract, statement: &Statement) -> Result<Run, LedgerError> {
        plan_run(&self.conn, &self.path, contract, statement)
    }

    /// Record the run the statement makes, in one transaction.
    pub fn commit(&mut self, contract: &Contract, statement: &Statement) -> Result<Run, LedgerError> {
        let path = &self.path;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| error(path, e))?;
        // Planned inside the transaction: a run committed meanwhile is seen.
        let run = plan_run(&tx, path, contract, statement)?;
        insert(&tx, &run).map_err(|e| error(path, e))?;
        tx.commit().map_err(|e| error(path, e))?;
        Ok(run)
    }

    /// Every run, in id order.
    pub fn list(&self) -> Result<Vec<RunSummary>, LedgerError> {
        let e = |source| error(&self.path, source);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, contract, contract_version, as_of, line_count, net_total, gross_total, digest \
                 FROM runs ORDER BY id",
            )
            .map_err(e)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                ))
            })
            .map_err(e)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, contract, version, as_of, lines, net, gross, digest) = row.map_err(e)?;
            let read = Reading { path: &self.path, run: id };
            out.push(RunSummary {
                id,
                contract,
                version,
                as_of: read.date("as_of", &as_of)?,
                lines: lines.max(0) as u64,
                net: read.decimal("net_total", &net)?,
                gross: read.decimal("gross_total", &gross)?,
                digest,
            });
        }
        Ok(out)
    }

    /// One run as stored.
    pub fn run(&self, id: i64) -> Result<Run, LedgerError> {
        read_run(&self.conn, &self.path, id).map(|(run, _)| run)
    }

    /// One run as stored, with the digest stored beside it (which `verify`
    /// checks against the content).
    pub fn sealed(&self, id: i64) -> Result<(Run, String), LedgerError> {
        read_run(&self.conn, &self.path, id)
    }

    /// The runs of `run`'s contract committed before it, in order.
    pub fn runs_before(&self, run: &Run) -> Result<Vec<Run>, LedgerError> {
        let chain = read_chain(&self.conn, &self.path, &run.contract)?;
        Ok(chain.into_iter().map(|(r, _)| r).filter(|r| r.seq < run.seq).collect())
    }

    /// Walk every contract's chain: the first problem of each, if any.
    pub fn verify(&self) -> Result<Vec<Problem>, LedgerError> {
        let mut problems = Vec::new();
        for contract in contracts(&self.conn).map_err(|e| error(&self.path, e))? {
            match read_chain(&self.conn, &self.path, &contract) {
                Ok(chain) => problems.extend(first_problem(&contract, &chain)),
                Err(LedgerError::Corrupt { run, what, found, .. }) => {
                    problems.push(Problem::Unreadable { run, what, found })
                }
                Err(e) => return Err(e),
            }
        }
        Ok(problems)
    }

    /// The ledger file as given.
    pub fn path(&self) -> &str {
        &self.path
    }
}

fn error(path: &str, source: rusqlite::Error) -> LedgerError {
    match &source {
        rusqlite::Error::SqliteFailure(e, _) if e.code == ErrorCode::DatabaseBusy => {
            LedgerError::Busy { path: path.to_string() }
        }
        rusqlite::Error::SqliteFailure(e, _) if e.code == ErrorCode::NotADatabase => {
            LedgerError::NotALedger { path: path.to_string() }
        }
        _ => LedgerError::Sqlite { path: path.to_string(), source },
    }
}

fn contracts(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT DISTINCT contract FROM runs ORDER BY contract")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

/// The first run of a chain whose content, number or link does not hold.
fn first_problem(contract: &str, chain: &[(Run, String)]) -> Option<Problem> {
    let mut previous: Option<&str> = None;
    for (n, (run, stored)) in chain.iter().enumerate() {
        let expected = n as i64 + 1;
        let problem = if digest(run) != *stored {
            Some(Problem::Edited { contract: contract.into(), run: run.id })
        } else if run.seq != expected {
            Some(Problem::OutOfSequence { contract: contract.into(), run: run.id, expected, found: run.seq })
        } else if run.previous_digest.as_deref() != previous {
            Some(Problem::BrokenLink { contract: contract.into(), run: run.id })
        } else {
            None
        };
        if problem.is_some() {
            return problem;
        }
        previous = Some(stored);
    }
    None
}

/// The run `statement` makes against what the ledger holds for its contract.
fn plan_run(conn: &Connection, path: &str, contract: &Contract, statement: &Statement) -> Result<Run, LedgerError> {
    let chain = read_chain(conn, path, &statement.contract)?;
    if let Some(problem) = first_problem(&statement.contract, &chain) {
        return Err(LedgerError::Tampered { path: path.to_string(), problem });
    }
    let last = chain.last();
    if let Some((previous, _)) = last.filter(|(r, _)| statement.as_of < r.as_of) {
        return Err(LedgerError::AsOfBeforePrevious {
            contract: statement.contract.clone(),
            as_of: statement.as_of,
            run: previous.id,
            previous: previous.as_of,
        });
    }
    let paid = plan::paid_state(chain.iter().flat_map(|(r, _)| &r.lines))?;
    let scale = contract.rounding.scale;
    let lines = plan::entries(statement, &paid, contract.clawback, scale)?;
    let totals = control_totals(&lines, scale)?;
    let id: i64 =
        conn.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM runs", [], |r| r.get(0)).map_err(|e| error(path, e))?;
    let inputs = &statement.inputs;
    Ok(Run {
        id,
        contract: statement.contract.clone(),
        seq: chain.len() as i64 + 1,
        contract_version: contract.version.clone(),
        as_of: statement.as_of,
        period: RunPeriod { after: last.map(|(r, _)| r.as_of), to: statement.as_of },
        tulos_version: TULOS_VERSION.to_string(),
        contract_file: inputs.contract_file.clone(),
        contract_sha256: inputs.contract_sha256.clone(),
        contract_text: contract.text.clone(),
        rules: contract
            .libraries
            .iter()
            .map(|l| (l.name.clone(), StoredRule { sha256: sha256(l.text.as_bytes()), text: l.text.clone() }))
            .collect(),
        records: inputs.records.clone(),
        lines,
        totals,
        previous_digest: last.map(|(_, d)| d.clone()),
    })
}

fn control_totals(lines: &[Entry], scale: u32) -> Result<ControlTotals, LedgerError> {
    let mut t = ControlTotals {
        lines: lines.len() as u64,
        net: on_scale(Decimal::ZERO, scale),
        vat: on_scale(Decimal::ZERO, scale),
        gross: on_scale(Decimal::ZERO, scale),
    };
    for e in lines {
        let sum = |a: Decimal, b: Decimal| {
            a.checked_add(b).ok_or_else(|| LedgerError::Overflow {
                contract: e.contract.clone(),
                participant: e.participant.clone(),
                item: e.item.clone(),
                what: "the run's total",
            })
        };
        t.net = sum(t.net, e.net)?;
        t.vat = sum(t.vat, e.vat)?;
        t.gross = sum(t.gross, e.gross)?;
    }
    Ok(t)
}

fn insert(conn: &Connection, run: &Run) -> rusqlite::Result<()> {
    let t = &run.totals;
    conn.execute(
        "INSERT INTO runs (id, contract, seq, contract_version, as_of, period_after, tulos_version, contract_file, \
         contract_sha256, contract_text, line_count, net_total, vat_total, gross_total, previous_digest, digest) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        params![
            run.id,
            run.contract,
            run.seq,
            run.contract_version,
            run.as_of.to_string(),
            run.period.after.map(|d| d.to_string()),
            run.tulos_version,
            run.contract_file,
            run.contract_sha256,
            run.contract_text,
            t.lines as i64,
            t.net.to_string(),
            t.vat.to_string(),
            t.gross.to_string(),
            run.previous_digest,
            digest(run),
        ],
    )?;
    for (name, rule) in &run.rules {
        conn.execute(
            "INSERT INTO run_rules (run, name, sha256, text) VALUES (?1, ?2, ?3, ?4)",
            params![run.id, name, rule.sha256, rule.text],
        )?;
    }
    for (name, sha) in &run.records {
        conn.execute("INSERT INTO run_records (run, name, sha256) VALUES (?1, ?2, ?3)", params![run.id, name, sha])?;
    }
    let mut stmt = conn.prepare(
        "INSERT INTO entries (run, position, participant, item, occurrence, kind, reason, old, new, net, vat, gross) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for (position, e) in run.lines.iter().enumerate() {
        let json = |v: &Option<Values>| v.as_ref().map(|v| serde_json::to_string(v).expect("values serialise"));
        stmt.execute(params![
            run.id,
            position as i64,
            e.participant,
            e.item,
            e.occurrence,
            e.kind.name(),
            e.reason,
            json(&e.old),
            json(&e.new),
            e.net.to_string(),
            e.vat.to_string(),
            e.gross.to_string(),
        ])?;
        abort_mid_commit_for_tests();
    }
    Ok(())
}

/// See [`ABORT_MID_COMMIT_FOR_TESTS`]: dies with part of the run written.
fn abort_mid_commit_for_tests() {
    if std::env::var_os(ABORT_MID_COMMIT_FOR_TESTS).is_some() {
        std::process::abort();
    }
}

/// The runs of `contract` in sequence, each with its stored digest.
fn read_chain(conn: &Connection, path: &str, contract: &str) -> Result<Vec<(Run, String)>, LedgerError> {
    let ids: Vec<i64> = (|| {
        let mut stmt = conn.prepare("SELECT id FROM runs WHERE contract = ?1 ORDER BY seq, id")?;
        let rows = stmt.query_map([contract], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<Vec<i64>>>()
    })()
    .map_err(|e| error(path, e))?;
    ids.into_iter().map(|id| read_run(conn, path, id)).collect()
}

/// Reads stored text back into values, naming the run and field of
/// anything that does not parse.
struct Reading<'a> {
    path: &'a str,
    run: i64,
}

impl Reading<'_> {
    fn corrupt(&self, what: &'static str, found: &str) -> LedgerError {
        LedgerError::Corrupt { path: self.path.to_string(), run: self.run, what, found: found.to_string() }
    }

    fn date(&self, what: &'static str, text: &str) -> Result<NaiveDate, LedgerError> {
        crate::calendar::parse_iso_date(text).ok_or_else(|| self.corrupt(what, text))
    }

    fn decimal(&self, what: &'static str, text: &str) -> Result<Decimal, LedgerError> {
        crate::money::parse_decimal(text).ok_or_else(|| self.corrupt(what, text))
    }

    fn values(&self, what: &'static str, text: Option<String>) -> Result<Option<Values>, LedgerError> {
        text.map(|t| serde_json::from_str(&t).map_err(|_| self.corrupt(what, &t))).transpose()
    }
}

type RunRow = (String, i64, Option<String>, String, Option<String>, String, String, String, String, i64, String);
type RunTotals = (String, String, Option<String>, String);

fn read_run(conn: &Connection, path: &str, id: i64) -> Result<(Run, String), LedgerError> {
    let e = |source| error(path, source);
    let row: Option<(RunRow, RunTotals)> = conn
        .query_row(
            "SELECT contract, seq, contract_version, as_of, period_after, tulos_version, contract_file, \
             contract_sha256, contract_text, line_count, net_total, vat_total, previous_digest, digest, gross_total \
             FROM runs WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    (
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                        r.get(9)?,
                        r.get(10)?,
                    ),
                    (r.get(11)?, r.get(14)?, r.get(12)?, r.get(13)?),
                ))
            },
        )
        .optional()
        .map_err(e)?;
    let Some((row, totals)) = row else { return Err(LedgerError::NoRun { path: path.to_string(), id }) };
    let (
        contract,
        seq,
        contract_version,
        as_of,
        after,
        tulos_version,
        contract_file,
        contract_sha256,
        text,
        count,
        net,
    ) = row;
    let (vat, gross, previous_digest, stored_digest) = totals;
    let read = Reading { path, run: id };
    let rules = read_map(conn, "SELECT name, sha256, text FROM run_rules WHERE run = ?1 ORDER BY name", id, |r| {
        Ok((r.get::<_, String>(0)?, StoredRule { sha256: r.get(1)?, text: r.get(2)? }))
    })
    .map_err(e)?;
    let records = read_map(conn, "SELECT name, sha256 FROM run_records WHERE run = ?1 ORDER BY name", id, |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })
    .map_err(e)?;
    let lines = read_entries(conn, &read, &contract)?;
    let run = Run {
        id,
        seq,
        contract_version,
        as_of: read.date("as_of", &as_of)?,
        period: RunPeriod {
            after: after.map(|a| read.date("period_after", &a)).transpose()?,
            to: read.date("as_of", &as_of)?,
        },
        tulos_version,
        contract_file,
        contract_sha256,
        contract_text: text,
        rules,
        records,
        lines,
        totals: ControlTotals {
            lines: u64::try_from(count).map_err(|_| read.corrupt("line_count", &count.to_string()))?,
            net: read.decimal("net_total", &net)?,
            vat: read.decimal("vat_total", &vat)?,
            gross: read.decimal("gross_total", &gross)?,
        },
        previous_digest,
        contract,
    };
    Ok((run, stored_digest))
}

fn read_map<V>(
    conn: &Connection,
    sql: &str,
    id: i64,
    row: impl FnMut(&rusqlite::Row) -> rusqlite::Result<(String, V)>,
) -> rusqlite::Result<BTreeMap<String, V>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([id], row)?;
    rows.collect()
}

type EntryRow = (String, String, i64, String, String, Option<String>, Option<String>, String, String, String);

fn read_entries(conn: &Connection, read: &Reading, contract: &str) -> Result<Vec<Entry>, LedgerError> {
    let rows: Vec<EntryRow> = (|| {
        let mut stmt = conn.prepare(
            "SELECT participant, item, occurrence, kind, reason, old, new, net, vat, gross FROM entries \
             WHERE run = ?1 ORDER BY position",
        )?;
        let rows = stmt.query_map([read.run], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
            ))
        })?;
        rows.collect::<rusqlite::Result<Vec<EntryRow>>>()
    })()
    .map_err(|e| error(read.path, e))?;
    let mut out = Vec::with_capacity(rows.len());
    for (participant, item, occurrence, kind, reason, old, new, net, vat, gross) in rows {
        out.push(Entry {
            contract: contract.to_string(),
            participant,
            item,
            occurrence: u32::try_from(occurrence).map_err(|_| read.corrupt("occurrence", &occurrence.to_string()))?,
            kind: EntryKind::from_name(&kind).ok_or_else(|| read.corrupt("kind", &kind))?,
            reason,
            old: read.values("old", old)?,
            new: read.values("new", new)?,
            net: read.decimal("net", &net)?,
            vat: read.decimal("vat", &vat)?,
            gross: read.decimal("gross", &gross)?,
        });
    }
    Ok(out)
}
