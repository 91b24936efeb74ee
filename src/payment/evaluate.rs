//! Phase 1: one record at a time, from eligibility to candidate lines.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::contract::{Achievement, AttributeType, Combine, Contract, Item, ItemKind, Parameter, RuleText, Selector, Tariff};
use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::records::{Arm, AttributeValue, Record};
use crate::scripting::{CompiledRule, EvalContext, Library, Limits, ParamValue, RuleEngine, RuleError, RuleSource, RuleValue};
use crate::statement::{Ineligible, LineId, ReasonCode, Unpaid};

/// A contract compiled for one run: one rule engine, every rule compiled
/// once, never per record.
pub struct Evaluator<'c> {
    contract: &'c Contract,
    engine: RuleEngine,
    eligibility: Option<CompiledRule>,
    items: Vec<CompiledItem>,
    multipliers: Vec<Option<CompiledRule>>,
}

struct CompiledItem {
    condition: Option<CompiledRule>,
    achieved_on: Option<CompiledRule>,
}

/// What evaluating one record gave.
#[derive(Debug)]
pub enum RecordOutcome {
    OtherContract,
    Control,
    Ineligible(Ineligible),
    Eligible(Eligible),
}

/// An eligible participant's candidate lines (before caps) and reasons.
#[derive(Debug)]
pub struct Eligible {
    pub candidates: Vec<Candidate>,
    pub unpaid: Vec<Unpaid>,
}

/// A line before caps and VAT.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: LineId,
    /// Position of the item in the contract (orders lines of one day).
    pub item_index: usize,
    pub kind: ItemKind,
    pub achieved_on: NaiveDate,
    pub tariff: Decimal,
    pub clause: Option<String>,
    pub multiplier: Decimal,
    pub multipliers: Vec<String>,
    /// `round(tariff × multiplier)`.
    pub amount: Decimal,
    pub rule: String,
    pub municipality: Option<String>,
    pub groups: Vec<String>,
}

/// One evaluated rule, for `tulos explain`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Step {
    /// What was evaluated, e.g. "outcome employed_3m: condition".
    pub rule: String,
    /// Where: `contracts/x.toml:41`.
    pub at: String,
    pub clause: Option<String>,
    /// What the rule read, in order.
    pub reads: Vec<String>,
    pub result: String,
}

impl<'c> Evaluator<'c> {
    /// Compile every rule of the contract; all compile errors are reported.
    pub fn new(contract: &'c Contract) -> Result<Self, Diagnostics> {
        let engine = RuleEngine::new(Limits::default());
        let mut diags = Vec::new();
        let libraries: Vec<Library> = contract
            .libraries
            .iter()
            .filter_map(|l| engine.compile_library(&l.path, &l.text).map_err(|d| diags.push(d)).ok())
            .collect();
        let mut compile = |name: String, rule: &Option<RuleText>| -> Option<CompiledRule> {
            let rule = rule.as_ref()?;
            let source = RuleSource {
                name,
                file: contract.file.clone(),
                text: rule.text.clone(),
                line: rule.line,
                column: rule.column,
            };
            engine.compile_rule(&source, &libraries).map_err(|d| diags.push(d)).ok()
        };
        let eligibility = compile("eligibility condition".into(), &contract.eligibility.who.condition);
        let items = contract
            .items
            .iter()
            .map(|item| CompiledItem {
                condition: compile(format!("{} `{}`, condition", kind_word(item.kind), item.id), &item.condition),
                achieved_on: match &item.achieved_on {
                    Achievement::ServiceStart => None,
                    Achievement::Rule(r) => {
                        compile(format!("{} `{}`, achieved_on", kind_word(item.kind), item.id), &Some(r.clone()))
                    }
                },
            })
            .collect();
        let multipliers = contract
            .multipliers
            .iter()
            .map(|m| compile(format!("multiplier `{}`, condition", m.id), &m.when.condition))
            .collect();
        if !diags.is_empty() {
            return Err(Diagnostics(diags));
        }
        Ok(Evaluator { contract, engine, eligibility, items, multipliers })
    }

    /// Convert the record's attributes to the types the contract declares,
    /// so rules read numbers and dates, not spreadsheet text.
    pub fn bind(&self, mut record: Record) -> Result<Record, Diagnostic> {
        for (name, value) in record.attributes.iter_mut() {
            let Some(ty) = self.contract.attributes.get(name) else { continue };
            match convert(value, *ty) {
                Some(converted) => *value = converted,
                None => return Err(attribute_error(&record.id, &record.origin, name, *ty, value)),
            }
        }
        Ok(record)
    }

    /// Evaluate one record as of `as_of`. With `trace`, every rule evaluated
    /// is recorded with what it read.
    pub fn evaluate(&self, record: &Record, as_of: NaiveDate, mut trace: Option<&mut Vec<Step>>) -> Result<RecordOutcome, RuleError> {
        let c = self.contract;
        if record.contract.as_deref().is_some_and(|id| id != c.id) {
            return Ok(RecordOutcome::OtherContract);
        }
        if record.arm == Arm::Control {
            return Ok(RecordOutcome::Control);
        }
        let params = self.params(record.service.start);
        let mut achieved = BTreeMap::new();
        let mut run = |rule: &CompiledRule, achieved: &BTreeMap<String, NaiveDate>, clause: Option<&String>, line: u64| {
            let cx = EvalContext { record, as_of, achieved, params: &params };
            match trace.as_deref_mut() {
                None => rule.eval(&self.engine, &cx),
                Some(steps) => {
                    let (result, reads) = rule.eval_traced(&self.engine, &cx);
                    steps.push(Step {
                        rule: rule.name().to_string(),
                        at: format!("{}:{line}", c.file.display()),
                        clause: clause.cloned(),
                        reads,
                        result: result.as_ref().map_or_else(|e| format!("error: {}", e.message), describe),
                    });
                    result
                }
            }
        };
        if let Some(reason) = self.ineligibility(record, &mut |rule| {
            let line = c.eligibility.who.condition.as_ref().map_or(0, |r| r.line);
            run(rule, &BTreeMap::new(), c.eligibility.clause.as_ref(), line)
        })? {
            return Ok(RecordOutcome::Ineligible(Ineligible { participant: record.id.clone(), reason }));
        }
        let factors = self.factors(record, &mut |rule, line| run(rule, &BTreeMap::new(), None, line))?;
        let mut out = Eligible { candidates: Vec::new(), unpaid: Vec::new() };
        for (index, (item, compiled)) in c.items.iter().zip(&self.items).enumerate() {
            let dates = self.dates(record, compiled, &mut |rule| run(rule, &achieved, item.clause.as_ref(), item.line))?;
            self.item_lines(record, index, item, dates, as_of, &factors, &mut achieved, &mut out);
        }
        self.apply_exclusivity(&mut out);
        Ok(RecordOutcome::Eligible(out))
    }

    /// Parameters in force on the participant's service start.
    fn params(&self, on: NaiveDate) -> BTreeMap<String, ParamValue> {
        let value = |p: &Parameter| match p {
            Parameter::Decimal(d) => ParamValue::Decimal(*d),
            Parameter::Integer(i) => ParamValue::Integer(*i),
            Parameter::Text(t) => ParamValue::Text(t.clone()),
            Parameter::Bool(b) => ParamValue::Bool(*b),
            Parameter::Date(d) => ParamValue::Date(*d),
        };
        let params = &self.contract.parameters;
        params.iter().filter_map(|(k, tl)| tl.on(on).map(|v| (k.clone(), value(&v.value)))).collect()
    }

    /// `Some(reason)` when the record is not eligible.
    fn ineligibility(
        &self,
        record: &Record,
        run: &mut dyn FnMut(&CompiledRule) -> Result<RuleValue, RuleError>,
    ) -> Result<Option<String>, RuleError> {
        let e = &self.contract.eligibility;
        if let Some(range) = e.service_start {
            if !range.contains(record.service.start) {
                return Ok(Some(format!("service started {} outside the eligible period", record.service.start)));
            }
        }
        if e.completed_only && record.service.completed != Some(true) {
            return Ok(Some("service not completed as planned".into()));
        }
        if let Some(why) = selector_mismatch(&e.who, record) {
            return Ok(Some(why));
        }
        if let Some(rule) = &self.eligibility {
            if !expect_bool(rule, record, run(rule)?)? {
                return Ok(Some("eligibility condition is false".into()));
            }
        }
        Ok(None)
    }

    /// The multipliers that apply to this participant: (id, factor, items).
    fn factors(
        &self,
        record: &Record,
        run: &mut dyn FnMut(&CompiledRule, u64) -> Result<RuleValue, RuleError>,
    ) -> Result<Vec<(usize, Decimal)>, RuleError> {
        let mut out = Vec::new();
        for (i, (m, rule)) in self.contract.multipliers.iter().zip(&self.multipliers).enumerate() {
            if selector_mismatch(&m.when, record).is_some() {
                continue;
            }
            if let Some(rule) = rule {
                let line = m.when.condition.as_ref().map_or(0, |r| r.line);
                if !expect_bool(rule, record, run(rule, line)?)? {
                    continue;
                }
            }
            out.push((i, m.factor));
        }
        Ok(out)
    }

    /// Dates on which `item` was achieved (empty = not achieved), sorted.
    fn dates(
        &self,
        record: &Record,
        compiled: &CompiledItem,
        run: &mut dyn FnMut(&CompiledRule) -> Result<RuleValue, RuleError>,
    ) -> Result<Vec<NaiveDate>, RuleError> {
        if let Some(rule) = &compiled.condition {
            if !expect_bool(rule, record, run(rule)?)? {
                return Ok(Vec::new());
            }
        }
        let mut dates = match &compiled.achieved_on {
            None => vec![record.service.start],
            Some(rule) => match run(rule)? {
                RuleValue::Date(d) => vec![d],
                RuleValue::Dates(ds) => ds,
                RuleValue::Nothing | RuleValue::Bool(false) => Vec::new(),
                other => return Err(wrong_type(rule, record, "a date, a list of dates or nothing ()", &other)),
            },
        };
        dates.sort_unstable();
        dates.dedup();
        Ok(dates)
    }

    #[allow(clippy::too_many_arguments)]
    fn item_lines(
        &self,
        record: &Record,
        index: usize,
        item: &Item,
        dates: Vec<NaiveDate>,
        as_of: NaiveDate,
        factors: &[(usize, Decimal)],
        achieved: &mut BTreeMap<String, NaiveDate>,
        out: &mut Eligible,
    ) {
        let unpaid = |reason, detail: String| Unpaid { participant: record.id.clone(), item: item.id.clone(), reason, detail };
        let Some(first) = dates.first().copied() else {
            out.unpaid.push(unpaid(ReasonCode::NotAchieved, "not achieved".into()));
            return;
        };
        if first > as_of {
            out.unpaid.push(unpaid(ReasonCode::AchievedAfterAsOf, format!("achieved on {first}, after the as-of date {as_of}")));
            return;
        }
        for req in &item.requires {
            if !achieved.get(req).is_some_and(|d| *d <= first) {
                out.unpaid.push(unpaid(ReasonCode::Requires, format!("requires {req} achieved by {first}")));
                return;
            }
        }
        achieved.insert(item.id.clone(), first);
        let due: Vec<NaiveDate> = dates.into_iter().filter(|d| *d <= as_of).collect();
        let max = item.max_per_participant as usize;
        if due.len() > max {
            let detail = format!("{} occurrences, at most {max} paid", due.len());
            out.unpaid.push(unpaid(ReasonCode::MaxReached, detail));
        }
        let (multiplier, applied) = self.combined(factors, item);
        for (n, date) in due.into_iter().take(max).enumerate() {
            let Tariff::Fixed(timeline) = &item.tariff;
            let Some(version) = timeline.on(date) else {
                out.unpaid.push(unpaid(ReasonCode::NoTariff, format!("no tariff in force on {date}")));
                continue;
            };
            out.candidates.push(Candidate {
                id: LineId {
                    contract: self.contract.id.clone(),
                    participant: record.id.clone(),
                    item: item.id.clone(),
                    occurrence: n as u32 + 1,
                },
                item_index: index,
                kind: item.kind,
                achieved_on: date,
                tariff: version.value,
                clause: version.clause.clone(),
                multiplier,
                multipliers: applied.clone(),
                amount: self.contract.rounding.apply(version.value * multiplier),
                rule: format!("{}:{} {} {}", self.contract.file.display(), item.line, kind_word(item.kind), item.id),
                municipality: record.municipality.clone(),
                groups: record.groups.clone(),
            });
        }
    }

    /// The factor for `item` from the participant's matching multipliers.
    fn combined(&self, factors: &[(usize, Decimal)], item: &Item) -> (Decimal, Vec<String>) {
        if item.kind != ItemKind::Outcome {
            return (Decimal::ONE, Vec::new());
        }
        let ms = &self.contract.multipliers;
        let applying: Vec<&(usize, Decimal)> =
            factors.iter().filter(|(i, _)| ms[*i].items.is_empty() || ms[*i].items.contains(&item.id)).collect();
        match self.contract.combine {
            Combine::Product => {
                let f = applying.iter().map(|(_, f)| *f).product();
                (f, applying.iter().map(|(i, _)| ms[*i].id.clone()).collect())
            }
            Combine::Highest => match applying.iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))) {
                Some((i, f)) => (*f, vec![ms[*i].id.clone()]),
                None => (Decimal::ONE, Vec::new()),
            },
        }
    }

    /// Within each exclusive group keep only the item with the highest
    /// total amount (ties: the one listed first in the group).
    fn apply_exclusivity(&self, out: &mut Eligible) {
        for group in &self.contract.exclusive {
            let total = |id: &str| -> Option<Decimal> {
                let lines: Vec<_> = out.candidates.iter().filter(|c| c.id.item == id).collect();
                (!lines.is_empty()).then(|| lines.iter().map(|c| c.amount).sum())
            };
            let mut best: Option<(&String, Decimal)> = None;
            for id in &group.items {
                if let Some(t) = total(id) {
                    if best.is_none_or(|(_, b)| t > b) {
                        best = Some((id, t));
                    }
                }
            }
            let Some((winner, _)) = best else { continue };
            let winner = winner.clone();
            let losers: Vec<&String> = group.items.iter().filter(|id| **id != winner).collect();
            let mut excluded = Vec::new();
            out.candidates.retain(|c| {
                let lose = losers.contains(&&c.id.item);
                if lose {
                    excluded.push((c.id.participant.clone(), c.id.item.clone()));
                }
                !lose
            });
            excluded.dedup();
            for (participant, item) in excluded {
                let detail = format!("excluded by {winner} (only the highest of {} is paid)", group.items.join(", "));
                out.unpaid.push(Unpaid { participant, item, reason: ReasonCode::ExcludedBy, detail });
            }
        }
    }
}

/// Why `record` does not match `s`'s fixed parts (groups, municipalities).
fn selector_mismatch(s: &Selector, record: &Record) -> Option<String> {
    let has = |g: &String| record.groups.contains(g);
    if !s.groups_any.is_empty() && !s.groups_any.iter().any(has) {
        return Some(format!("in none of the groups {}", s.groups_any.join(", ")));
    }
    if let Some(g) = s.groups_all.iter().find(|g| !has(g)) {
        return Some(format!("not in group {g}"));
    }
    if let Some(g) = s.groups_none.iter().find(|g| has(g)) {
        return Some(format!("in excluded group {g}"));
    }
    if !s.municipalities.is_empty() && !record.municipality.as_ref().is_some_and(|m| s.municipalities.contains(m)) {
        return Some(format!("municipality not one of {}", s.municipalities.join(", ")));
    }
    None
}

fn expect_bool(rule: &CompiledRule, record: &Record, v: RuleValue) -> Result<bool, RuleError> {
    match v {
        RuleValue::Bool(b) => Ok(b),
        other => Err(wrong_type(rule, record, "true or false", &other)),
    }
}

fn wrong_type(rule: &CompiledRule, record: &Record, expected: &str, found: &RuleValue) -> RuleError {
    RuleError {
        rule: rule.name().to_string(),
        participant: record.id.clone(),
        file: record.origin.file.as_ref().clone(),
        line: None,
        column: None,
        message: format!("the rule must return {expected}, but returned {}", describe(found)),
    }
}

fn describe(v: &RuleValue) -> String {
    match v {
        RuleValue::Bool(b) => b.to_string(),
        RuleValue::Date(d) => d.to_string(),
        RuleValue::Dates(ds) => format!("[{}]", ds.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
        RuleValue::Decimal(d) => d.to_string(),
        RuleValue::Integer(i) => i.to_string(),
        RuleValue::Text(t) => format!("\"{t}\""),
        RuleValue::Nothing => "nothing ()".into(),
    }
}

fn kind_word(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::StartFee => "start_fee",
        ItemKind::Outcome => "outcome",
        ItemKind::FixedFee => "fixed_fee",
    }
}

fn type_word(ty: AttributeType) -> &'static str {
    match ty {
        AttributeType::Text => "text",
        AttributeType::Number => "a number",
        AttributeType::Date => "a date",
        AttributeType::Boolean => "true/false",
    }
}

fn attribute_error(id: &str, origin: &crate::records::Origin, name: &str, ty: AttributeType, value: &AttributeValue) -> Diagnostic {
    let found = match value {
        AttributeValue::Text(t, _) => format!("\"{}\"", crate::records::hetu::redact(t)),
        AttributeValue::Number(n) => n.to_string(),
        AttributeValue::Bool(b) => b.to_string(),
        AttributeValue::Date(d) => d.to_string(),
    };
    let location = Location::Line { line: origin.line, column: Some(crate::diagnostic::Column::Named(name.to_string())) };
    let message = format!(
        "participant {}: attribute `{name}` is declared {} by the contract, found {found}",
        crate::records::hetu::redact(id),
        type_word(ty)
    );
    Diagnostic::error(origin.file.as_path(), location, message)
}

/// Convert an attribute to its declared type; `None` if it does not fit.
fn convert(value: &AttributeValue, ty: AttributeType) -> Option<AttributeValue> {
    use AttributeValue as V;
    match (value, ty) {
        (V::Text(t, d), AttributeType::Number) => crate::records::value::parse_decimal(t, *d).map(V::Number),
        (V::Text(t, d), AttributeType::Date) => crate::records::value::parse_date(t, *d).map(V::Date),
        (V::Text(t, _), AttributeType::Boolean) => crate::records::value::parse_bool(t).map(V::Bool),
        (V::Text(..), AttributeType::Text) | (V::Number(_), AttributeType::Number) | (V::Bool(_), AttributeType::Boolean) => {
            Some(value.clone())
        }
        (V::Date(_), AttributeType::Date) => Some(value.clone()),
        (V::Number(n), AttributeType::Text) => Some(V::Text(n.to_string(), Default::default())),
        _ => None,
    }
}
