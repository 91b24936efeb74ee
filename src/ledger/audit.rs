//! The auditor's workpaper: a reproducible stratified sample of a run's
//! lines, each with what it takes to recompute it by hand — the input
//! record, the parameters and tariff in force with their clauses, the rule
//! trace as `explain` gives it, and the result.
//!
//! The sample (documented in the README, "Auditor's workpaper"):
//! 1. Each entry of the run gets a rank: the SHA-256 (hex) of
//!    `seed \n participant \n item \n occurrence`.
//! 2. Entries are grouped into strata by the values asked for (`item`,
//!    `municipality`, `kind`); without strata there is one.
//! 3. Each stratum gets one entry; the other `m = n − strata` are shared
//!    in proportion to what each stratum has left (`size − 1`, of `pool`
//!    in all): `floor(m × (size − 1) / pool)` each, then one more to the
//!    strata with the largest remainders `m × (size − 1) mod pool` (ties:
//!    in stratum order) until `n` are drawn. With `n` at least the run's
//!    lines, every line is drawn; with more strata than `n`, every stratum
//!    still gets one, so the sample is larger than `n`.
//! 4. Within a stratum the entries with the smallest ranks are drawn.
//!
//! The same run, seed and strata always draw the same entries.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::plan::{self, Key};
use super::replay::{recompute, run_records, stored_contract};
use super::{Entry, EntryKind, Ledger, ReplayError};
use crate::contract::{Contract, Parameter, Tariff, Version};
use crate::explain::{explain, Explanation};
use crate::payment::{self, sha256, Evaluator, Request};
use crate::records::{self, Record, Text};
use crate::report::{redacted_json, shown};
use crate::statement::Line;

/// What a run's entries can be stratified by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stratum {
    /// The entry's item (outcome or fee).
    Item,
    /// The participant's home municipality.
    Municipality,
    /// The entry's kind: payment, adjustment, clawback, replaced, review.
    Kind,
}

impl Stratum {
    pub const NAMES: [&'static str; 3] = ["item", "municipality", "kind"];

    pub fn parse(name: &str) -> Option<Stratum> {
        match name.trim() {
            "item" => Some(Stratum::Item),
            "municipality" => Some(Stratum::Municipality),
            "kind" => Some(Stratum::Kind),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Stratum::Item => "item",
            Stratum::Municipality => "municipality",
            Stratum::Kind => "kind",
        }
    }
}

/// How the sample was drawn, stated in the workpaper itself.
const METHOD: &str = "rank = SHA-256(seed \\n participant \\n item \\n occurrence); one per stratum, the rest of n \
                      in proportion to size − 1 (floor, then largest remainders); within a stratum the smallest ranks";

/// One stratum's size and how many of it were drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StratumCount {
    pub stratum: String,
    pub lines: usize,
    pub sampled: usize,
}

/// A parameter value as the participant's rules read it: the version in
/// force on the service start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParameterInForce {
    pub name: String,
    pub on: NaiveDate,
    pub version: Version<Parameter>,
}

/// The tariff of a line's item on its achievement date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TariffInForce {
    pub item: String,
    pub on: NaiveDate,
    /// The fixed tariff's version in force (none for a table tariff).
    pub version: Option<Version<Decimal>>,
    /// `table.output` for a tariff looked up in a decision table.
    pub table: Option<String>,
    /// The contract line of the rule computing the tariff, if one does
    /// (its value is in the rule trace).
    pub rule_line: Option<u64>,
}

/// One sampled entry and everything needed to recompute it.
#[derive(Debug, Clone, Serialize)]
pub struct Sheet {
    pub stratum: String,
    pub rank: String,
    pub entry: Entry,
    /// The input record, every text redacted; none for contract-level lines.
    pub record: Option<serde_json::Value>,
    pub parameters: Vec<ParameterInForce>,
    pub tariff: Option<TariffInForce>,
    /// The statement line as recomputed now; none when the records no
    /// longer support it.
    pub line: Option<Line>,
    /// The rule trace (`tulos explain`); none for contract-level lines.
    pub explanation: Option<Explanation>,
    /// What earlier runs paid for this identity.
    pub paid_before: Decimal,
    /// What the entry should pay: the line's net minus what was paid
    /// before (0 for a review line, which recovers nothing).
    pub recomputed_net: Decimal,
    /// Whether `recomputed_net` is the entry's net.
    pub agrees: bool,
}

/// The workpaper of a sample.
#[derive(Debug, Clone, Serialize)]
pub struct Workpaper {
    pub run: i64,
    pub contract: String,
    pub as_of: NaiveDate,
    pub seed: String,
    pub requested: usize,
    pub strata_by: Vec<Stratum>,
    pub method: &'static str,
    /// Entries in the run.
    pub population: usize,
    pub strata: Vec<StratumCount>,
    pub sheets: Vec<Sheet>,
}

/// Draw `n` entries of run `id` (stratified by `strata`, ranked with
/// `seed`) and recompute each against `records`, which must be the records
/// the run was computed from.
pub fn sample(
    ledger: &Ledger,
    id: i64,
    records: &Path,
    n: usize,
    seed: &str,
    strata: &[Stratum],
) -> Result<Workpaper, ReplayError> {
    let run = ledger.run(id)?;
    let contract = stored_contract(&run)?;
    let evaluator = Evaluator::new(&contract).map_err(|diagnostics| ReplayError::Contract { run: id, diagnostics })?;
    let inputs = run_records(&run, &contract, records)?;
    let in_run: BTreeSet<&str> = run.lines.iter().map(|e| e.participant.as_str()).collect();
    let mut municipalities = Municipalities { in_run: &in_run, contract: &contract.id, found: BTreeMap::new() };
    let statement = recompute(&contract, &evaluator, records, inputs, run.as_of, &mut municipalities)?;
    let municipality = municipalities.found;
    let before = ledger.runs_before(&run)?;
    let paid = plan::paid_state(before.iter().flat_map(|r| &r.lines))?;

    let mut groups: BTreeMap<String, Vec<(String, &Entry)>> = BTreeMap::new();
    for e in &run.lines {
        let key = stratum_key(e, strata, &municipality);
        groups.entry(key).or_default().push((rank(seed, e), e));
    }
    let sizes: Vec<usize> = groups.values().map(Vec::len).collect();
    let drawn = allocate(&sizes, n);
    let mut counts = Vec::new();
    let mut chosen: Vec<(String, String, &Entry)> = Vec::new();
    for ((key, mut members), take) in groups.into_iter().zip(drawn) {
        // Ranks are distinct: one entry per identity in a run.
        members.sort_by(|a, b| a.0.cmp(&b.0));
        counts.push(StratumCount { stratum: key.clone(), lines: members.len(), sampled: take });
        chosen.extend(members.into_iter().take(take).map(|(r, e)| (key.clone(), r, e)));
    }

    let wanted: BTreeSet<&str> = chosen.iter().map(|(_, _, e)| e.participant.as_str()).collect();
    let found = find_records(&contract, &evaluator, records, &wanted)?;
    let request = Request { as_of: run.as_of, period: None };
    let mut sheets = Vec::with_capacity(chosen.len());
    for (stratum, rank, e) in chosen {
        let key: Key = (e.participant.clone(), e.item.clone(), e.occurrence);
        let line = statement
            .lines
            .iter()
            .find(|l| *l.id.participant == *e.participant && *l.id.item == *e.item && l.id.occurrence == e.occurrence);
        let record = found.get(e.participant.as_str());
        let explanation = record.map(|r| explain(&contract, &evaluator, r, &statement, request)).transpose()?;
        let paid_before = paid.get(&key).map_or(Decimal::ZERO, |p| p.net);
        let recomputed_net = recomputed(e, line, paid_before, &run.contract)?;
        sheets.push(Sheet {
            stratum,
            rank,
            record: record.map(record_json),
            parameters: record.map(|r| parameters(&contract, r.service.start)).unwrap_or_default(),
            tariff: tariff(&contract, e, line),
            line: line.cloned(),
            explanation,
            paid_before,
            agrees: recomputed_net == e.net,
            recomputed_net,
            entry: e.clone(),
        });
    }
    Ok(Workpaper {
        run: id,
        contract: run.contract.clone(),
        as_of: run.as_of,
        seed: seed.to_string(),
        requested: n,
        strata_by: strata.to_vec(),
        method: METHOD,
        population: run.lines.len(),
        strata: counts,
        sheets,
    })
}

/// A record of the contract evaluated (not of another one sharing the id).
/// The home municipality of each participant of a run, from the first
/// of their records that belongs to the run's contract.
struct Municipalities<'a> {
    in_run: &'a BTreeSet<&'a str>,
    contract: &'a str,
    found: BTreeMap<String, Option<String>>,
}

impl payment::Watch for Municipalities<'_> {
    /// The participant, the contract the record names, the municipality.
    type Seen = (String, Option<String>, Option<String>);

    fn see(r: &Record) -> Self::Seen {
        (r.id.to_string(), r.contract.as_ref().map(Text::to_string), r.municipality.as_ref().map(Text::to_string))
    }

    fn record(&mut self, (id, contract, municipality): Self::Seen) {
        if self.in_run.contains(id.as_str()) && contract.as_deref().is_none_or(|c| c == self.contract) {
            self.found.entry(id).or_insert(municipality);
        }
    }
}

fn belongs(r: &Record, contract: &Contract) -> bool {
    r.contract.as_deref().is_none_or(|c| c == contract.id)
}

fn rank(seed: &str, e: &Entry) -> String {
    sha256(format!("{seed}\n{}\n{}\n{}", e.participant, e.item, e.occurrence).as_bytes())
}

/// `item=job, municipality=Jämsä`; `all` without strata.
fn stratum_key(e: &Entry, strata: &[Stratum], municipality: &BTreeMap<String, Option<String>>) -> String {
    if strata.is_empty() {
        return "all".into();
    }
    let value = |s: &Stratum| match s {
        Stratum::Item => e.item.clone(),
        Stratum::Kind => e.kind.name().to_string(),
        Stratum::Municipality => {
            municipality.get(&e.participant).cloned().flatten().unwrap_or_else(|| "(none)".to_string())
        }
    };
    strata.iter().map(|s| format!("{}={}", s.name(), value(s))).collect::<Vec<_>>().join(", ")
}

/// How many to draw from strata of `sizes` for a sample of `n` (see the
/// module's documentation).
fn allocate(sizes: &[usize], n: usize) -> Vec<usize> {
    let total: usize = sizes.iter().sum();
    if n >= total {
        return sizes.to_vec();
    }
    // One from each stratum; the rest shared by what each has left.
    let rest: Vec<usize> = sizes.iter().map(|s| s.saturating_sub(1)).collect();
    let mut alloc: Vec<usize> = sizes.iter().map(|&s| s.min(1)).collect();
    let (share_out, pool) = (n.saturating_sub(alloc.iter().sum()), rest.iter().sum::<usize>());
    if share_out == 0 || pool == 0 {
        return alloc;
    }
    // Widened: share_out × size cannot overflow.
    let quota = |s: usize| (share_out as u128 * s as u128 / pool as u128) as usize;
    let remainder = |s: usize| share_out as u128 * s as u128 % pool as u128;
    for (a, &r) in alloc.iter_mut().zip(&rest) {
        *a += quota(r);
    }
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(remainder(rest[i])), i));
    let mut left = n.saturating_sub(alloc.iter().sum());
    for &i in order.iter().cycle().take(order.len() * 2) {
        if left > 0 && alloc[i] < sizes[i] {
            alloc[i] += 1;
            left -= 1;
        }
    }
    alloc
}

/// The first record of each wanted participant under this contract, bound
/// as a calculation binds it.
fn find_records(
    contract: &Contract,
    evaluator: &Evaluator,
    path: &Path,
    wanted: &BTreeSet<&str>,
) -> Result<BTreeMap<String, Record>, ReplayError> {
    let mut found = BTreeMap::new();
    if wanted.iter().all(|p| p.is_empty()) {
        return Ok(found);
    }
    let reader = records::open_for(path, Some(&contract.id)).map_err(ReplayError::Open)?;
    // The calculation read these records without error.
    for record in reader.filter_map(Result::ok) {
        if wanted.contains(record.id.as_str()) && belongs(&record, contract) && !found.contains_key(record.id.as_str())
        {
            let record = evaluator.bind(record).map_err(ReplayError::Open)?;
            found.insert(record.id.to_string(), record);
        }
    }
    Ok(found)
}

/// The record as JSON with every text redacted, its file named without
/// its folder (bytes do not depend on where the records lie).
fn record_json(record: &Record) -> serde_json::Value {
    // A record always serialises.
    let mut value = redacted_json(record).expect("a record serialises");
    if let Some(file) = value.pointer_mut("/origin/file") {
        let name = record.origin.file.file_name().map(|n| n.to_string_lossy().into_owned());
        *file = serde_json::Value::String(crate::records::hetu::redact(&name.unwrap_or_default()));
    }
    value
}

/// Every contract parameter's version in force on `on` (what rules read as
/// `params.NAME` for a participant whose service started then).
fn parameters(contract: &Contract, on: NaiveDate) -> Vec<ParameterInForce> {
    contract
        .parameters
        .iter()
        .filter_map(|(name, timeline)| {
            timeline.on(on).map(|v| ParameterInForce { name: name.clone(), on, version: v.clone() })
        })
        .collect()
}

fn tariff(contract: &Contract, e: &Entry, line: Option<&Line>) -> Option<TariffInForce> {
    let on = line.map(|l| l.achieved_on).or_else(|| e.new.as_ref().or(e.old.as_ref()).map(|v| v.achieved_on))?;
    let item = contract.item(&e.item)?;
    let (version, table, rule_line) = match &item.tariff {
        Tariff::Fixed(timeline) => (timeline.on(on).cloned(), None, None),
        Tariff::Table(t) => (None, Some(format!("{}.{}", t.table, t.output)), None),
        Tariff::Rule(rule) => (None, None, Some(rule.line)),
    };
    Some(TariffInForce { item: item.id.clone(), on, version, table, rule_line })
}

/// What entry `e` pays when recomputed by hand.
fn recomputed(e: &Entry, line: Option<&Line>, paid_before: Decimal, contract: &str) -> Result<Decimal, ReplayError> {
    if e.kind == EntryKind::Review {
        return Ok(Decimal::ZERO);
    }
    let net = line.map_or(Decimal::ZERO, |l| l.net);
    net.checked_sub(paid_before).ok_or_else(|| {
        ReplayError::Ledger(super::LedgerError::Overflow {
            contract: contract.to_string(),
            participant: e.participant.clone(),
            item: e.item.clone(),
            what: "the recomputed net",
        })
    })
}

impl Workpaper {
    /// The workpaper for reading: the sample, then one sheet per entry.
    /// Every line is [`shown`] except the ranks: digests are ours, and
    /// redacting one would make it unreadable.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let by = if self.strata_by.is_empty() {
            "none".to_string()
        } else {
            self.strata_by.iter().map(|s| s.name()).collect::<Vec<_>>().join(", ")
        };
        put(&mut out, format!("Audit sample of run {} — contract {}, as of {}", self.run, self.contract, self.as_of));
        put(
            &mut out,
            format!(
                "Seed \"{}\", {} requested of {} line(s), {} drawn; strata: {by}",
                self.seed,
                self.requested,
                self.population,
                self.sheets.len()
            ),
        );
        put(&mut out, format!("Method: {}", self.method));
        for s in &self.strata {
            put(&mut out, format!("  {}: {} line(s), {} drawn", s.stratum, s.lines, s.sampled));
        }
        for (n, sheet) in self.sheets.iter().enumerate() {
            out.push('\n');
            sheet_text(n + 1, sheet, &mut out);
        }
        out
    }
}

fn put(out: &mut String, line: String) {
    out.push_str(&shown(&line));
    out.push('\n');
}

fn sheet_text(n: usize, s: &Sheet, out: &mut String) {
    let e = &s.entry;
    let who = if e.participant.is_empty() { "(contract)" } else { e.participant.as_str() };
    put(out, format!("== {n}. {who} {} #{} — {} ({})", e.item, e.occurrence, e.kind.name(), s.stratum));
    out.push_str(&format!("Rank: {}\n", s.rank));
    put(out, format!("Entry: net {} VAT {} gross {}: {}", e.net, e.vat, e.gross, e.reason));
    if let Some(record) = &s.record {
        put(out, format!("Record: {record}"));
    }
    for p in &s.parameters {
        let (value, clause) = (parameter(&p.version.value), clause(&p.version.clause));
        put(out, format!("Parameter {} = {value} ({clause}), in force on {}", p.name, p.on));
    }
    if let Some(t) = &s.tariff {
        let tariff = match (&t.version, &t.table) {
            (Some(v), _) => format!("{} ({})", v.value, clause(&v.clause)),
            (None, Some(table)) => format!("looked up in table {table}"),
            (None, None) => match t.rule_line {
                Some(line) => format!("computed by the rule at line {line} (see the rule trace)"),
                None => "none in force".to_string(),
            },
        };
        put(out, format!("Tariff of {} on {}: {tariff}", t.item, t.on));
    }
    if let Some(x) = &s.explanation {
        put(out, "Rule trace (tulos explain):".into());
        for line in x.render_text().lines() {
            put(out, format!("  {line}").trim_end().to_string());
        }
    }
    match &s.line {
        Some(l) => put(
            out,
            format!(
                "Result: tariff {} × {} = {}; withheld {}; net {} + VAT {} = {}",
                l.tariff, l.multiplier, l.amount, l.withheld, l.net, l.vat, l.gross
            ),
        ),
        None => put(out, "Result: the records no longer support this line (net 0)".into()),
    }
    let verdict = if s.agrees { "agrees" } else { "DOES NOT AGREE" };
    put(
        out,
        format!(
            "This run pays: {} − paid before {} = {} — {verdict} with the entry's net {}",
            s.line.as_ref().map_or(Decimal::ZERO, |l| l.net),
            s.paid_before,
            s.recomputed_net,
            e.net
        ),
    );
}

fn clause(c: &Option<String>) -> String {
    c.clone().unwrap_or_else(|| "no clause".into())
}

fn parameter(p: &Parameter) -> String {
    match p {
        Parameter::Decimal(d) => d.to_string(),
        Parameter::Integer(i) => i.to_string(),
        Parameter::Text(t) => format!("\"{t}\""),
        Parameter::Bool(b) => b.to_string(),
        Parameter::Date(d) => d.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_is_proportional_with_at_least_one_per_stratum() {
        // One each, then 7 of the 97 left: 6.42 and 0.58, the larger
        // remainder takes the last.
        assert_eq!(allocate(&[90, 9, 1], 10), vec![7, 2, 1]);
        assert_eq!(allocate(&[50, 50], 10), vec![5, 5]);
        // 5 of the 8 left: 2.5 each, the tie broken by stratum order.
        assert_eq!(allocate(&[5, 5], 7), vec![4, 3]);
        // More strata than n: one each.
        assert_eq!(allocate(&[3, 3, 3], 2), vec![1, 1, 1]);
        // n beyond the population: everything.
        assert_eq!(allocate(&[2, 1], 60), vec![2, 1]);
    }
}
