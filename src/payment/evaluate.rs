//! Phase 1: one record at a time, from eligibility to candidate lines.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::lookup::{describe_inputs, field_value, rule_value, Found};
use super::parts::{BasisOf, Parts};
use super::standard;
use crate::contract::{
    Achievement, AttributeType, Combine, Contract, ExclusivePolicy, Factor, Input, Item, ItemKind, Occurrences,
    Parameter, RuleText, Selector, TableRef, Tariff, Timeline,
};
use crate::diagnostic::{Diagnostic, Diagnostics, Location};
use crate::records::{Arm, AttributeValue, Record, Text};
use crate::scripting::{
    CompiledRule, EvalContext, Library, Limits, ParamValue, ParamVersion, RuleEngine, RuleError, RuleSource, RuleValue,
};
use crate::statement::{Basis, Ineligible, Line, LineId, ReasonCode, Unpaid};
use crate::tables::{TableOutput, Value};

/// A contract compiled for one run: one rule engine, every rule compiled
/// once, never per record.
pub struct Evaluator<'c> {
    contract: &'c Contract,
    engine: RuleEngine,
    eligibility: Option<CompiledRule>,
    /// The condition of each `[[eligibility.test]]`, in order.
    eligibility_tests: Vec<Option<CompiledRule>>,
    items: Vec<CompiledItem>,
    multipliers: Vec<Option<CompiledRule>>,
    /// The rule of each multiplier whose factor a rule computes.
    factor_rules: Vec<Option<CompiledRule>>,
    /// One per `[[value]]` of the contract (for impact payments).
    values: Vec<Option<CompiledRule>>,
    /// Table name → compiled rule of each `expr` input column.
    table_rules: BTreeMap<String, Vec<Option<CompiledRule>>>,
    /// Texts every line repeats, made once per run and shared.
    contract_id: Arc<str>,
    vocabulary: Vocabulary<'c>,
    /// The parameters when every one is in force on every date: the same
    /// for every record, so built once instead of per record.
    fixed_params: Option<BTreeMap<String, ParamValue>>,
}

/// The names a record's groups, spell kinds and event kinds must come from.
struct Vocabulary<'c> {
    /// Empty: groups are not checked.
    groups: Vec<&'c str>,
    spell_kinds: Vec<&'c str>,
    /// Empty: event kinds are not checked.
    event_kinds: Vec<&'c str>,
    /// Empty: instruments / dimensions are not checked.
    instruments: Vec<&'c str>,
    dimensions: Vec<&'c str>,
}

impl<'c> Vocabulary<'c> {
    fn of(c: &'c Contract) -> Self {
        let standard = crate::contract::STANDARD_SPELL_KINDS.iter().copied();
        Vocabulary {
            groups: c.groups.iter().map(String::as_str).collect(),
            spell_kinds: standard.chain(c.spell_kinds.iter().map(String::as_str)).collect(),
            event_kinds: c.event_kinds.iter().map(String::as_str).collect(),
            instruments: c.instruments.iter().map(String::as_str).collect(),
            dimensions: c.dimensions.iter().map(String::as_str).collect(),
        }
    }
}

struct CompiledItem {
    condition: Option<CompiledRule>,
    achieved_on: Option<CompiledRule>,
    id: Arc<str>,
    /// `contracts/x.toml:41 outcome employed_3m`.
    rule: Arc<str>,
    /// The clause of each tariff version, or of the tariff table.
    clauses: Vec<Option<Arc<str>>>,
    /// `tariff = { rule = '…' }`.
    tariff_rule: Option<CompiledRule>,
    /// `max_per_participant = { rule = '…' }`.
    max_rule: Option<CompiledRule>,
    /// The reason given for each of the item's `requires` when it was not
    /// achieved: the same text for every participant, made once.
    unmet: Vec<String>,
}

/// What evaluating one record gave.
#[derive(Debug, Clone)]
pub enum RecordOutcome {
    /// The record names another contract (its id).
    OtherContract(String),
    Control,
    Ineligible(Ineligible),
    Eligible(Eligible),
}

/// An eligible participant's lines before settlement, and reasons.
#[derive(Debug, Clone)]
pub struct Eligible {
    pub lines: Vec<Pending>,
    pub unpaid: Vec<Unpaid>,
    /// Per item of the contract, the day it was first achieved by the
    /// as-of date (before exclusivity): what [`Evaluator::achievements`]
    /// gives, kept so impact payments need not run the rules again.
    pub first: Vec<Option<NaiveDate>>,
}

/// A line as the evaluation decides it, before caps and VAT, with its
/// item's position in the contract, which orders lines of one day and
/// names its item. The contract and item ids, and the amounts caps and
/// VAT fill in, come when it becomes a statement line
/// ([`Pending::into_line`]): a run holds every line pending until it is
/// settled, and this is a third of a line's size.
#[derive(Debug, Clone)]
pub struct Pending {
    pub item_index: u32,
    /// The participant's number in the settlement, which orders lines by
    /// participant id without comparing ids: 0 (the contract itself) until
    /// `Settlement::add` numbers the record's participant, and once
    /// settling has ranked the ids, the participant's rank.
    pub who: u32,
    /// The participant (empty for the contract's own lines) and the
    /// occurrence: with the contract and the item at `item_index`, the
    /// line's identity.
    pub participant: Text,
    pub occurrence: u32,
    /// The day the outcome was achieved or the fee fell due.
    pub achieved_on: NaiveDate,
    /// `tariff × multiplier`, rounded: what the line pays uncapped.
    pub amount: Decimal,
    pub basis: Arc<Basis>,
}

impl Pending {
    /// The statement line before caps and VAT, its identity completed by
    /// the contract's id and the ids of its payables by position: nothing
    /// withheld, `net = amount`, `vat = gross = 0`.
    pub fn into_line(self, contract: &Arc<str>, items: &[Arc<str>]) -> Line {
        let Pending { item_index, participant, occurrence, achieved_on, amount, basis, .. } = self;
        let item = items[item_index as usize].clone();
        Line {
            id: LineId { contract: contract.clone(), participant, item, occurrence },
            achieved_on,
            amount,
            withheld: Decimal::ZERO,
            withheld_by: Vec::new(),
            net: amount,
            vat: Decimal::ZERO,
            gross: Decimal::ZERO,
            basis,
        }
    }
}

/// One evaluated rule or table, for `tulos explain`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Step {
    /// What was evaluated, e.g. "outcome `employed_3m`, condition".
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
        let engine = RuleEngine::with_leap_day(Limits::default(), contract.leap_day_birthday);
        let mut diags = Vec::new();
        let libraries: Vec<Library> = contract
            .libraries
            .iter()
            .filter_map(|l| engine.compile_library(&l.path, &l.text).map_err(|d| diags.push(d)).ok())
            .collect();
        diags.extend(engine.check_libraries(&libraries));
        // `params.NAME` is checked against the declared names before any data is read.
        let declared: BTreeSet<String> = contract.parameters.keys().cloned().collect();
        // Names quoted in record queries are checked against the contract's vocabulary.
        let vocabulary = rule_vocabulary(contract);
        let mut compile = |name: String, rule: Option<&RuleText>| -> Option<CompiledRule> {
            let rule = rule?;
            let source = RuleSource {
                name,
                file: contract.file.clone(),
                text: rule.text.clone(),
                line: rule.line,
                column: rule.column,
            };
            let compiled = engine
                .compile_contract_rule(&source, &libraries, &declared)
                .and_then(|rule| rule.check_vocabulary(&vocabulary).map(|()| rule));
            compiled.map_err(|d| diags.push(d)).ok()
        };
        let eligibility = compile("eligibility condition".into(), contract.eligibility.who.condition.as_ref());
        let eligibility_tests = contract
            .eligibility
            .tests
            .iter()
            .map(|t| compile(format!("eligibility test `{}`, condition", t.code), t.condition.as_ref()))
            .collect();
        let items = contract
            .items
            .iter()
            .map(|item| {
                let what = format!("{} `{}`", kind_word(item.kind), item.id);
                let share = |clause: Option<&String>| clause.map(|c| Arc::from(c.as_str()));
                CompiledItem {
                    condition: compile(format!("{what}, condition"), item.condition.as_ref()),
                    achieved_on: match &item.achieved_on {
                        Achievement::ServiceStart | Achievement::Standard(_) => None,
                        Achievement::Rule(r) => compile(format!("{what}, achieved_on"), Some(r)),
                    },
                    id: Arc::from(item.id.as_str()),
                    unmet: item.requires.iter().map(|req| format!("requires {req}, which was not achieved")).collect(),
                    rule: Arc::from(format!(
                        "{}:{} {} {}",
                        contract.file_name(),
                        item.line,
                        kind_word(item.kind),
                        item.id
                    )),
                    clauses: match &item.tariff {
                        Tariff::Fixed(timeline) => timeline.versions.iter().map(|v| share(v.clause.as_ref())).collect(),
                        Tariff::Table(reference) => {
                            let table = contract.table(&reference.table).and_then(|t| t.clause.as_ref());
                            vec![share(table.or(item.clause.as_ref()))]
                        }
                        Tariff::Rule(_) => vec![share(item.clause.as_ref())],
                    },
                    tariff_rule: match &item.tariff {
                        Tariff::Rule(r) => compile(format!("{what}, tariff"), Some(r)),
                        Tariff::Fixed(_) | Tariff::Table(_) => None,
                    },
                    max_rule: match &item.max_from {
                        Some(Occurrences::Rule(r)) => compile(format!("{what}, max_per_participant"), Some(r)),
                        Some(Occurrences::Table(_)) | None => None,
                    },
                }
            })
            .collect();
        let multipliers = contract
            .multipliers
            .iter()
            .map(|m| compile(format!("multiplier `{}`, condition", m.id), m.when.condition.as_ref()))
            .collect();
        let factor_rules = contract
            .multipliers
            .iter()
            .map(|m| match &m.factor {
                Factor::Rule(r) => compile(format!("multiplier `{}`, factor", m.id), Some(r)),
                Factor::Fixed(_) | Factor::Table(_) => None,
            })
            .collect();
        let values = contract.values.iter().map(|v| compile(format!("value `{}`", v.id), Some(&v.rule))).collect();
        let table_rules = contract
            .tables
            .iter()
            .map(|t| {
                let inputs = &contract.table_inputs[&t.name];
                let rules = t
                    .inputs
                    .iter()
                    .zip(inputs)
                    .map(|(column, input)| match input {
                        Input::Rule(r) => compile(format!("table `{}`, input `{}`", t.name, column.name), Some(r)),
                        Input::Field(_) | Input::Given => None,
                    })
                    .collect();
                (t.name.clone(), rules)
            })
            .collect();
        if !diags.is_empty() {
            return Err(Diagnostics(diags));
        }
        Ok(Evaluator {
            contract,
            engine,
            eligibility,
            eligibility_tests,
            items,
            multipliers,
            factor_rules,
            values,
            table_rules,
            contract_id: Arc::from(contract.id.as_str()),
            vocabulary: Vocabulary::of(contract),
            fixed_params: contract
                .parameters
                .values()
                .all(|tl| matches!(tl.versions.as_slice(), [v] if v.period.from == NaiveDate::MIN && v.period.to.is_none()))
                .then(|| params_on(contract, NaiveDate::MIN)),
        })
    }

    /// Check the record against the contract's vocabulary and convert its
    /// attributes to the declared types, so rules read numbers and dates,
    /// not spreadsheet text. Records of other contracts pass unchanged.
    pub fn bind(&self, mut record: Record) -> Result<Record, Diagnostic> {
        if record.contract.as_deref().is_some_and(|id| id != self.contract.id) {
            return Ok(record);
        }
        self.check_vocabulary(&record)?;
        if let Some(name) =
            self.contract.required_attributes.iter().find(|n| !record.attributes.contains_key(n.as_str()))
        {
            return Err(missing_attribute(&record, name, self.contract.attributes[name]));
        }
        for (name, value) in record.attributes.iter_mut() {
            let Some(ty) = self.contract.attributes.get(name.as_str()) else { continue };
            match convert(value, *ty) {
                Some(converted) => *value = converted,
                None => return Err(attribute_error(&record.id, &record.origin, name, *ty, value)),
            }
        }
        Ok(record)
    }

    /// A group, spell kind or event kind the contract does not know would
    /// silently match nothing (`Youth` for `youth`): refuse it instead.
    fn check_vocabulary(&self, record: &Record) -> Result<(), Diagnostic> {
        let Vocabulary { groups, spell_kinds, event_kinds: events, instruments, dimensions } = &self.vocabulary;
        let unknown = |value: &str, known: &[&str], what: &str, key: &str| -> Diagnostic {
            let hint =
                crate::diagnostic::closest(value, known).map(|k| format!("did you mean `{k}`? ")).unwrap_or_default();
            let location = Location::Line { line: record.origin.line, column: None };
            let id = crate::records::hetu::redact(&record.id);
            Diagnostic::error(
                record.origin.file.as_path(),
                location,
                format!(
                    "participant {id}: {what} `{}` is not one the contract knows",
                    crate::records::hetu::redact(value)
                ),
            )
            .with_help(format!(
                "{hint}the contract's {key} are: {}; declare it there if the contract covers it",
                known.join(", ")
            ))
        };
        if !groups.is_empty() {
            if let Some(g) = record.groups.iter().find(|g| !groups.contains(&g.as_str())) {
                return Err(unknown(g, groups, "group", "target_groups"));
            }
        }
        if let Some(s) = record.spells.iter().find(|s| !spell_kinds.contains(&s.kind.as_str())) {
            return Err(unknown(&s.kind, spell_kinds, "spell kind", "spell kinds (standard and spell_kinds)"));
        }
        if !events.is_empty() {
            if let Some(e) = record.events.iter().find(|e| !events.contains(&e.kind.as_str())) {
                return Err(unknown(&e.kind, events, "event kind", "event_kinds"));
            }
        }
        if !instruments.is_empty() {
            if let Some(m) = record.measures.iter().find(|m| !instruments.contains(&m.instrument.as_str())) {
                return Err(unknown(&m.instrument, instruments, "instrument", "instruments"));
            }
        }
        if !dimensions.is_empty() {
            let scored = record.measures.iter().flat_map(|m| m.scores.keys());
            if let Some(d) = scored.into_iter().find(|d| !dimensions.contains(&d.as_str())) {
                return Err(unknown(d, dimensions, "dimension", "dimensions"));
            }
        }
        Ok(())
    }

    /// Evaluate one record as of `as_of`. With `trace`, every rule and table
    /// evaluated is recorded with what it read.
    pub fn evaluate(
        &self,
        record: &Record,
        as_of: NaiveDate,
        trace: Option<&mut Vec<Step>>,
    ) -> Result<RecordOutcome, RuleError> {
        self.evaluate_in(record, as_of, trace, &mut self.parts())
    }

    /// [`Evaluator::evaluate`] reusing the `parts` this thread has made of
    /// the records before (see [`Parts`]): the same outcome. The parts must
    /// be this evaluator's ([`Evaluator::parts`]): their ids are the ones
    /// lines get. Only the payment module's own loops hand them out.
    pub(super) fn evaluate_with(
        &self,
        record: &Record,
        as_of: NaiveDate,
        parts: &mut Parts,
    ) -> Result<RecordOutcome, RuleError> {
        self.evaluate_in(record, as_of, None, parts)
    }

    /// A thread's [`Parts`] for evaluating records of this contract.
    pub(super) fn parts(&self) -> Parts {
        Parts::new(&self.contract_id, self.items.iter().map(|i| &i.id))
    }

    fn evaluate_in(
        &self,
        record: &Record,
        as_of: NaiveDate,
        trace: Option<&mut Vec<Step>>,
        parts: &mut Parts,
    ) -> Result<RecordOutcome, RuleError> {
        debug_assert!(parts.is_for(&self.contract_id, self.items.len()), "parts of another evaluator");
        let c = self.contract;
        if let Some(other) = record.contract.as_ref().filter(|id| **id != c.id) {
            return Ok(RecordOutcome::OtherContract(other.to_string()));
        }
        if record.arm == Arm::Control {
            return Ok(RecordOutcome::Control);
        }
        let mut run = self.run(record, as_of, trace);
        if let Some(reason) = run.ineligibility()? {
            return Ok(RecordOutcome::Ineligible(Ineligible { participant: run.participant, reason }));
        }
        let mut out = Eligible { lines: Vec::new(), unpaid: Vec::new(), first: Vec::with_capacity(c.items.len()) };
        let mut achieved = BTreeMap::new();
        for (index, (item, compiled)) in c.items.iter().zip(&self.items).enumerate() {
            match run.attain(item, compiled, &mut achieved)? {
                Attained::Achieved { first, dates } => {
                    out.first.push(Some(first));
                    run.item_lines(index, item, compiled, dates, &mut out, parts)?;
                }
                Attained::Not(reason, detail) => {
                    out.first.push(None);
                    out.unpaid.push(run.unpaid(parts, index, reason, &detail));
                }
            }
        }
        self.apply_exclusivity(record, &mut out)?;
        Ok(RecordOutcome::Eligible(out))
    }

    /// When each item of the contract was first achieved by `as_of`, for a
    /// record of either arm: eligibility and the outcome rules (with
    /// `requires`) are applied exactly as for payment, but no line is
    /// priced. Effectiveness indicators count control records this way
    /// too; control records are still never paid.
    pub fn achievements(&self, record: &Record, as_of: NaiveDate) -> Result<Achievements, RuleError> {
        if let Some(other) = record.contract.as_ref().filter(|id| **id != self.contract.id) {
            return Ok(Achievements::OtherContract(other.to_string()));
        }
        let mut run = self.run(record, as_of, None);
        if let Some(reason) = run.ineligibility()? {
            return Ok(Achievements::Ineligible(reason));
        }
        let mut achieved = BTreeMap::new();
        let mut first = Vec::with_capacity(self.items.len());
        for (item, compiled) in self.contract.items.iter().zip(&self.items) {
            first.push(match run.attain(item, compiled, &mut achieved)? {
                Attained::Achieved { first, .. } => Some(first),
                Attained::Not(..) => None,
            });
        }
        Ok(Achievements::Eligible(first))
    }

    /// Each `[[value]]` of the contract for a record of either arm that
    /// [`Evaluator::achievements`] found eligible: a number, or `None` when
    /// the rule gives `()` (the value is missing for this record).
    pub fn values(&self, record: &Record, as_of: NaiveDate) -> Result<Vec<Option<Decimal>>, RuleError> {
        let mut run = self.run(record, as_of, None);
        let mut out = Vec::with_capacity(self.values.len());
        for (value, compiled) in self.contract.values.iter().zip(&self.values) {
            let Some(rule) = compiled else { continue };
            out.push(match run.rule(rule, &BTreeMap::new(), value.clause.as_ref(), value.line)? {
                RuleValue::Decimal(d) => Some(d),
                RuleValue::Integer(i) => Some(Decimal::from(i)),
                RuleValue::Nothing => None,
                other => return Err(wrong_type(rule, record, "a number or ()", &other)),
            });
        }
        Ok(out)
    }

    /// Set up the evaluation of one record.
    fn run<'a>(&'a self, record: &'a Record, as_of: NaiveDate, trace: Option<&'a mut Vec<Step>>) -> Run<'a, 'c> {
        Run {
            ev: self,
            record,
            as_of,
            params: match &self.fixed_params {
                Some(params) => Cow::Borrowed(params),
                None => Cow::Owned(params_on(self.contract, record.service.start)),
            },
            trace,
            participant: record.id.clone(),
        }
    }

    /// Within each exclusive group keep only one item: by the group's
    /// policy the highest total amount, or the earliest first achievement
    /// (see [`beats`] for ties).
    fn apply_exclusivity(&self, record: &Record, out: &mut Eligible) -> Result<(), RuleError> {
        let item_of = |p: &Pending| self.contract.items[p.item_index as usize].id.as_str();
        for group in &self.contract.exclusive {
            // `Ok(None)`: the item has no line; `Err`: its total overflows.
            let total = |id: &str| -> Result<Option<Decimal>, RuleError> {
                let mut amounts = out.lines.iter().filter(|p| item_of(p) == id).map(|p| p.amount);
                let Some(first) = amounts.next() else { return Ok(None) };
                let sum = amounts.try_fold(first, Decimal::checked_add);
                sum.map(Some).ok_or_else(|| {
                    let message = format!("the total of `{id}` is too large to compute exactly; check its tariff");
                    payment_error(
                        self.contract,
                        &format!("exclusive group {}", group.items.join(", ")),
                        record,
                        0,
                        message,
                    )
                })
            };
            let mut best: Option<(&String, Decimal, NaiveDate)> = None;
            for id in &group.items {
                if let Some(t) = total(id)? {
                    let first = out.lines.iter().filter(|p| item_of(p) == id).map(|p| p.achieved_on).min();
                    let Some(first) = first else { continue };
                    if best.is_none_or(|(_, amount, date)| beats(group.policy, (t, first), (amount, date))) {
                        best = Some((id, t, first));
                    }
                }
            }
            let Some((winner, ..)) = best else { continue };
            let winner = winner.clone();
            let mut excluded: Vec<(Text, Arc<str>)> = Vec::new();
            out.lines.retain(|p| {
                let item = item_of(p);
                let lose = *item != *winner && group.items.iter().any(|g| **g == *item);
                if lose {
                    excluded.push((p.participant.clone(), Arc::from(item)));
                }
                !lose
            });
            excluded.dedup();
            for (participant, item) in excluded {
                let clause = group.clause.as_ref().map(|c| format!("{c}: ")).unwrap_or_default();
                let which = match group.policy {
                    ExclusivePolicy::Highest => "highest",
                    ExclusivePolicy::Earliest => "earliest achieved",
                };
                let detail =
                    format!("{clause}excluded by {winner} (only the {which} of {} is paid)", group.items.join(", "));
                out.unpaid.push(Unpaid::new(participant, item, ReasonCode::ExcludedBy, detail.into()));
            }
        }
        Ok(())
    }
}

/// Whether an exclusive outcome with (total amount, first date) `a` wins
/// over `b`, the best of those listed before it. Only a strict win
/// replaces `b`, so on a full tie the one listed first in the group wins.
/// `earliest`: the earlier date, then the higher amount.
fn beats(policy: ExclusivePolicy, a: (Decimal, NaiveDate), b: (Decimal, NaiveDate)) -> bool {
    match policy {
        ExclusivePolicy::Highest => a.0 > b.0,
        ExclusivePolicy::Earliest => a.1 < b.1 || (a.1 == b.1 && a.0 > b.0),
    }
}

/// When a record achieved the items of its contract, by the as-of date
/// ([`Evaluator::achievements`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Achievements {
    /// The record names another contract (its id): not evaluated.
    OtherContract(String),
    /// Not eligible under the contract, and why (with the clause).
    Ineligible(String),
    /// Per item of the contract, in the contract's order: the first day it
    /// was achieved on or before the as-of date, or `None`.
    Eligible(Vec<Option<NaiveDate>>),
}

/// An eligibility test a record failed: its reason code, the test's own
/// clause (if any) and what was found.
struct Failed<'c> {
    code: &'c str,
    clause: Option<&'c str>,
    detail: String,
}

impl<'c> Failed<'c> {
    fn new(code: &'c str, detail: String) -> Self {
        Failed { code, clause: None, detail }
    }

    fn test(test: &'c crate::contract::EligibilityTest, detail: String) -> Self {
        Failed { code: &test.code, clause: test.clause.as_deref(), detail }
    }
}

/// Whether an item was achieved by the as-of date.
enum Attained<'t> {
    /// Its dates, sorted (some may be after the as-of date), the first on
    /// or before it with every requirement met by then.
    Achieved { first: NaiveDate, dates: Vec<NaiveDate> },
    /// Why not.
    Not(ReasonCode, Cow<'t, str>),
}

/// What an item's rules found for a record.
enum Evidence {
    /// The days it was achieved on, sorted (empty: not achieved).
    Dates(Vec<NaiveDate>),
    /// `not_yet(day)`: the day it can be decided, after the as-of date.
    DecidableOn(NaiveDate),
}

/// Evaluating one record: the rules and tables it runs, and their trace.
struct Run<'a, 'c> {
    ev: &'a Evaluator<'c>,
    record: &'a Record,
    as_of: NaiveDate,
    params: Cow<'a, BTreeMap<String, ParamValue>>,
    trace: Option<&'a mut Vec<Step>>,
    participant: Text,
}

impl<'c> Run<'_, 'c> {
    /// A reason the item at `index` is not paid.
    fn unpaid(&self, parts: &mut Parts, index: usize, reason: ReasonCode, detail: &str) -> Unpaid {
        Unpaid { participant: self.participant.clone(), why: parts.reason(index, reason, detail) }
    }

    fn rule(
        &mut self,
        rule: &CompiledRule,
        achieved: &BTreeMap<&str, NaiveDate>,
        clause: Option<&String>,
        line: u64,
    ) -> Result<RuleValue, RuleError> {
        let cx = EvalContext { record: self.record, as_of: self.as_of, achieved, params: &self.params };
        let Some(steps) = self.trace.as_deref_mut() else { return rule.eval(&self.ev.engine, &cx) };
        let (result, reads) = rule.eval_traced(&self.ev.engine, &cx);
        steps.push(Step {
            rule: rule.name().to_string(),
            at: format!("{}:{line}", self.ev.contract.file.display()),
            clause: clause.cloned(),
            reads,
            result: result.as_ref().map_or_else(|e| format!("error: {}", e.message), describe),
        });
        result
    }

    fn condition(&mut self, rule: &CompiledRule, clause: Option<&String>, line: u64) -> Result<bool, RuleError> {
        let v = self.rule(rule, &BTreeMap::new(), clause, line)?;
        expect_bool(rule, self.record, v)
    }

    /// Look `reference` up for this participant (pricing `item`, if any).
    /// `None` when no row matches.
    fn lookup(&mut self, reference: &TableRef, item: Option<&str>) -> Result<Option<Found>, RuleError> {
        let c = self.ev.contract;
        let table = c.table(&reference.table).expect("table references are checked when the contract is read");
        let mut inputs = BTreeMap::new();
        let rules = &self.ev.table_rules[&table.name];
        for ((column, input), rule) in table.inputs.iter().zip(&c.table_inputs[&table.name]).zip(rules) {
            let value = match (input, rule) {
                (Input::Rule(text), Some(rule)) => {
                    let v = self.rule(rule, &BTreeMap::new(), table.clause.as_ref(), text.line)?;
                    rule_value(v).ok_or_else(|| {
                        table_error(&table.name, self.record, "an input rule returned a list of dates")
                    })?
                }
                (Input::Field(field), _) => field_value(field, self.record, item, c.leap_day_birthday),
                // Refused when the contract is read; kept total rather than panic.
                (Input::Given, _) | (Input::Rule(_), None) => {
                    return Err(table_error(
                        &table.name,
                        self.record,
                        &format!("input `{}` has no source", column.name),
                    ));
                }
            };
            inputs.insert(column.name.clone(), value);
        }
        let result = table.evaluate(&inputs).map_err(|e| table_error(&table.name, self.record, &e.to_string()))?;
        let rows = result.result_rows.clone();
        let value = match result.output {
            TableOutput::Single(mut outputs) => outputs.remove(&reference.output),
            TableOutput::None => None,
            TableOutput::List(_) | TableOutput::Aggregate(_) => {
                return Err(table_error(
                    &table.name,
                    self.record,
                    "a multi-hit table cannot give a single value here; use a single-hit policy",
                ));
            }
        };
        let found =
            value.filter(|v| *v != Value::Null).map(|value| Found { value, trace: Found::describe(reference, &rows) });
        if let Some(steps) = self.trace.as_deref_mut() {
            steps.push(Step {
                rule: format!("table `{}`{}", table.name, item.map(|i| format!(" for `{i}`")).unwrap_or_default()),
                at: format!("{}", c.file.display()),
                clause: table.clause.clone(),
                reads: describe_inputs(&inputs),
                result: found
                    .as_ref()
                    .map_or("no row matches".into(), |f| format!("{} = {} ({})", reference.output, f.value, f.trace)),
            });
        }
        Ok(found)
    }

    /// `Some(reason)` when the record is not eligible: the reason code,
    /// the clause of the test (or of `[eligibility]`) and what was found,
    /// e.g. `under_18 (§ 3.2): condition is false`.
    fn ineligibility(&mut self) -> Result<Option<String>, RuleError> {
        let Some(failed) = self.failed_test()? else { return Ok(None) };
        let clause = failed.clause.or(self.ev.contract.eligibility.clause.as_deref());
        Ok(Some(match clause {
            Some(clause) => format!("{} ({clause}): {}", failed.code, failed.detail),
            None => format!("{}: {}", failed.code, failed.detail),
        }))
    }

    /// Record one built-in eligibility test for `tulos explain`: what it
    /// read and whether it held.
    /// `reads` is only called when tracing: most runs are not explained,
    /// and formatting what every record's tests read was 7 % of a run.
    fn test_step(&mut self, code: &str, reads: impl FnOnce() -> Vec<String>, failed: Option<&str>) {
        let Some(steps) = self.trace.as_deref_mut() else { return };
        let c = self.ev.contract;
        steps.push(Step {
            rule: format!("eligibility test `{code}`"),
            at: c.file.display().to_string(),
            clause: c.eligibility.clause.clone(),
            reads: reads(),
            result: failed.map_or_else(|| "passed".to_string(), |why| format!("failed: {why}")),
        });
    }

    /// The first eligibility test the record fails, in the order the
    /// README gives: not started, service start, completion, groups and
    /// municipality, the condition, the table, then the contract's own
    /// `[[eligibility.test]]`s.
    fn failed_test(&mut self) -> Result<Option<Failed<'c>>, RuleError> {
        use crate::contract::eligibility_codes as code;
        let c: &'c Contract = self.ev.contract;
        let e = &c.eligibility;
        let record = self.record;
        let (start, as_of) = (record.service.start, self.as_of);
        // Nothing about a service that has not started is known yet.
        let not_started = (start > self.as_of).then(|| format!("service starts {start}, after the as-of date"));
        self.test_step(
            code::NOT_STARTED,
            || vec![format!("service_start = {start}"), format!("as_of = {as_of}")],
            not_started.as_deref(),
        );
        if let Some(detail) = not_started {
            return Ok(Some(Failed::new(code::NOT_STARTED, detail)));
        }
        if let Some(range) = e.service_start {
            let outside =
                (!range.contains(start)).then(|| format!("service started {start} outside the eligible period"));
            let reads = || {
                let to = range.to.map_or("open-ended".into(), |t| t.to_string());
                vec![format!("service_start = {start}"), format!("eligible starts {} to {to}", range.from)]
            };
            self.test_step(code::START_OUTSIDE_PERIOD, reads, outside.as_deref());
            if let Some(detail) = outside {
                return Ok(Some(Failed::new(code::START_OUTSIDE_PERIOD, detail)));
            }
        }
        if e.completed_only {
            // Completion is known only once the service has ended by the
            // as-of date; a replay at an earlier date must not use later knowledge.
            let end = record.service.end;
            let completed = record.service.completed == Some(true) && end.is_some_and(|end| end <= self.as_of);
            let not = (!completed).then(|| format!("service not completed as planned by {}", self.as_of));
            let reads = || {
                vec![
                    format!("service_end = {}", end.map_or("()".into(), |d| d.to_string())),
                    format!("completed = {}", record.service.completed.map_or("()".into(), |b| b.to_string())),
                ]
            };
            self.test_step(code::NOT_COMPLETED, reads, not.as_deref());
            if let Some(detail) = not {
                return Ok(Some(Failed::new(code::NOT_COMPLETED, detail)));
            }
        }
        let groups_tested =
            !(e.who.groups_any.is_empty() && e.who.groups_all.is_empty() && e.who.groups_none.is_empty());
        if groups_tested {
            let why = group_mismatch(&e.who, record);
            self.test_step(
                code::TARGET_GROUP,
                || vec![format!("groups = [{}]", record.groups.join(", "))],
                why.as_deref(),
            );
            if let Some(detail) = why {
                return Ok(Some(Failed::new(code::TARGET_GROUP, detail)));
            }
        }
        if !e.who.municipalities.is_empty() {
            let why = municipality_mismatch(&e.who, record);
            let reads = || vec![format!("municipality = {}", record.municipality.as_deref().unwrap_or("()"))];
            self.test_step(code::MUNICIPALITY, reads, why.as_deref());
            if let Some(detail) = why {
                return Ok(Some(Failed::new(code::MUNICIPALITY, detail)));
            }
        }
        if let Some(rule) = &self.ev.eligibility {
            let line = e.who.condition.as_ref().map_or(0, |r| r.line);
            if !self.condition(rule, e.clause.as_ref(), line)? {
                return Ok(Some(Failed::new(code::CONDITION, "eligibility condition is false".into())));
            }
        }
        if let Some(reference) = &e.table {
            if let Some(detail) = self.table_says_no(reference, "eligibility table")? {
                return Ok(Some(Failed::new(code::TABLE, detail)));
            }
        }
        for (test, rule) in e.tests.iter().zip(&self.ev.eligibility_tests) {
            let clause = test.clause.as_ref().or(e.clause.as_ref());
            if let (Some(rule), Some(text)) = (rule, &test.condition) {
                if !self.condition(rule, clause, text.line)? {
                    return Ok(Some(Failed::test(test, "condition is false".into())));
                }
            }
            if let Some(reference) = &test.table {
                if let Some(detail) = self.table_says_no(reference, "table")? {
                    return Ok(Some(Failed::test(test, detail)));
                }
            }
        }
        Ok(None)
    }

    /// Why an eligibility table did not give `true`, or `None` when it did.
    fn table_says_no(&mut self, reference: &TableRef, what: &str) -> Result<Option<String>, RuleError> {
        Ok(match self.lookup(reference, None)? {
            Some(Found { value: Value::Bool(true), .. }) => None,
            Some(found) => Some(format!("{what} {}: {}", found.trace, found.value)),
            None => Some(format!("no row of {what} {} matches", reference.table)),
        })
    }

    /// Dates on which `item` was achieved (empty = not achieved), sorted;
    /// or the day it becomes decidable when its rule says `not_yet(day)`.
    fn dates(
        &mut self,
        item: &Item,
        compiled: &CompiledItem,
        achieved: &BTreeMap<&str, NaiveDate>,
    ) -> Result<Evidence, RuleError> {
        if let Some(rule) = &compiled.condition {
            let v = self.rule(rule, achieved, item.clause.as_ref(), item.line)?;
            if !expect_bool(rule, self.record, v)? {
                return Ok(Evidence::Dates(Vec::new()));
            }
        }
        if let Some(reference) = &item.condition_table {
            if !matches!(self.lookup(reference, Some(&item.id))?, Some(Found { value: Value::Bool(true), .. })) {
                return Ok(Evidence::Dates(Vec::new()));
            }
        }
        if let Some(form) = &item.condition_standard {
            let holds =
                self.standard(item, "condition", achieved, |s| standard::holds(form, s).map(RuleValue::Bool))?;
            if holds != RuleValue::Bool(true) {
                return Ok(Evidence::Dates(Vec::new()));
            }
        }
        let value = match (&item.achieved_on, &compiled.achieved_on) {
            (Achievement::Standard(form), _) => {
                self.standard(item, "achieved_on", achieved, |s| standard::date(form, s))?
            }
            (_, Some(rule)) => self.rule(rule, achieved, item.clause.as_ref(), item.line)?,
            (_, None) => RuleValue::Date(self.record.service.start),
        };
        let mut dates = match value {
            RuleValue::Date(d) => vec![d],
            RuleValue::Dates(ds) => ds,
            RuleValue::Nothing | RuleValue::Bool(false) => Vec::new(),
            RuleValue::NotYet(on) if on > self.as_of => return Ok(Evidence::DecidableOn(on)),
            other => {
                let expected = "a date, a list of dates, not_yet(a day after the as-of date) or nothing ()";
                let rule = compiled.achieved_on.as_ref().expect("only a rule returns other values");
                return Err(wrong_type(rule, self.record, expected, &other));
            }
        };
        dates.sort_unstable();
        dates.dedup();
        Ok(Evidence::Dates(dates))
    }

    /// Evaluate a standard form of `item` (its `part`: "condition" or
    /// "achieved_on"), traced like a rule; an error names the item,
    /// where it is written and the participant.
    fn standard(
        &mut self,
        item: &Item,
        part: &str,
        achieved: &BTreeMap<&str, NaiveDate>,
        form: impl FnOnce(&mut standard::Scope) -> Result<RuleValue, String>,
    ) -> Result<RuleValue, RuleError> {
        let tracing = self.trace.is_some();
        let view = crate::scripting::View::new(self.record, self.as_of);
        let mut scope = standard::Scope { view, params: &self.params, achieved, reads: tracing.then(Vec::new) };
        let found = form(&mut scope);
        // Named only for a trace or an error: formatting it for every
        // record and item was a measurable part of a run.
        let what = || format!("{} `{}`, {part}", kind_word(item.kind), item.id);
        if let Some(steps) = self.trace.as_deref_mut() {
            steps.push(Step {
                rule: what(),
                at: format!("{}:{}", self.ev.contract.file.display(), item.line),
                clause: item.clause.clone(),
                reads: scope.reads.unwrap_or_default(),
                result: found.as_ref().map_or_else(|e| format!("error: {e}"), describe),
            });
        }
        found.map_err(|message| payment_error(self.ev.contract, &what(), self.record, item.line, message))
    }

    /// Whether `item` was achieved by the as-of date: not when a required
    /// outcome was not achieved (its rules may rely on `achieved.<it>`
    /// being a date), when no date or only later dates are found, or when
    /// a requirement was met only after the item's first date. An achieved
    /// item is added to `achieved` for the items after it.
    fn attain<'t>(
        &mut self,
        item: &'c Item,
        compiled: &'t CompiledItem,
        achieved: &mut BTreeMap<&'c str, NaiveDate>,
    ) -> Result<Attained<'t>, RuleError> {
        if let Some(unmet) = item.requires.iter().position(|r| !achieved.contains_key(r.as_str())) {
            return Ok(Attained::Not(ReasonCode::Requires, Cow::Borrowed(&compiled.unmet[unmet])));
        }
        let dates = match self.dates(item, compiled, achieved)? {
            Evidence::Dates(dates) => dates,
            Evidence::DecidableOn(on) => {
                let detail = format!("decidable on {on}, after the as-of date {}", self.as_of);
                return Ok(Attained::Not(ReasonCode::NotYetDue { on }, detail.into()));
            }
        };
        let Some(first) = dates.first().copied() else {
            return Ok(Attained::Not(ReasonCode::NotAchieved, "not achieved".into()));
        };
        if first > self.as_of {
            let detail = format!("achieved on {first}, after the as-of date {}", self.as_of);
            return Ok(Attained::Not(ReasonCode::AchievedAfterAsOf, detail.into()));
        }
        if let Some(req) = item.requires.iter().find(|req| achieved.get(req.as_str()).is_none_or(|d| *d > first)) {
            return Ok(Attained::Not(ReasonCode::Requires, format!("requires {req} achieved by {first}").into()));
        }
        achieved.insert(item.id.as_str(), first);
        Ok(Attained::Achieved { first, dates })
    }

    /// The lines of an achieved `item` (see [`Run::attain`]).
    fn item_lines(
        &mut self,
        index: usize,
        item: &Item,
        compiled: &CompiledItem,
        dates: Vec<NaiveDate>,
        out: &mut Eligible,
        parts: &mut Parts,
    ) -> Result<(), RuleError> {
        let due: Vec<NaiveDate> = dates.into_iter().filter(|d| *d <= self.as_of).collect();
        let (max, source) = self.max_occurrences(item, compiled)?;
        if let Some(first_unpaid) = due.get(max) {
            let detail = format!(
                "{} occurrences, at most {max} paid{source}; occurrence {} on {first_unpaid} is the first not paid",
                due.len(),
                max + 1
            );
            out.unpaid.push(self.unpaid(parts, index, ReasonCode::MaxReached, &detail));
        }
        if due.is_empty() || max == 0 {
            return Ok(());
        }
        let factors = self.multiplier(item)?;
        let computed = match &compiled.tariff_rule {
            Some(rule) => Some(self.computed_amount(rule, item, "tariff")?),
            None => None,
        };
        let c = self.ev.contract;
        let mut same_tariff: Option<(TariffKey, Decimal, Arc<Basis>)> = None;
        for (n, date) in due.into_iter().take(max).enumerate() {
            let (tariff, clause, table) = match &item.tariff {
                Tariff::Fixed(timeline) => match timeline.versions.iter().position(|v| v.period.contains(date)) {
                    Some(i) => (timeline.versions[i].value, &compiled.clauses[i], None),
                    None => {
                        let detail = format!("no tariff in force on {date}");
                        out.unpaid.push(self.unpaid(parts, index, ReasonCode::NoTariff, &detail));
                        continue;
                    }
                },
                Tariff::Table(reference) => match self.lookup(reference, Some(&item.id))? {
                    Some(Found { value: Value::Number(t), trace }) if t.is_sign_negative() && !t.is_zero() => {
                        let message = format!("{trace} gives the tariff {t}; a payment cannot be negative");
                        return Err(self.item_error(item, message));
                    }
                    Some(Found { value: Value::Number(t), trace }) => (t, &compiled.clauses[0], Some(trace)),
                    _ => {
                        let detail = format!("no row of tariff table {} matches", reference.table);
                        out.unpaid.push(self.unpaid(parts, index, ReasonCode::NoTariff, &detail));
                        continue;
                    }
                },
                Tariff::Rule(_) => match computed {
                    Some(t) => (t, &compiled.clauses[0], None),
                    None => return Err(self.item_error(item, "its tariff rule was not compiled".into())),
                },
            };
            // Occurrences at one tariff (of one clause, from no table) have
            // one amount and one basis: made once, as the same inputs give
            // the same values.
            let key = (tariff.serialize(), std::ptr::from_ref(clause));
            let from_table = table.is_some();
            let (amount, basis) = match &same_tariff {
                Some((made, amount, basis)) if !from_table && *made == key => (*amount, basis.clone()),
                _ => {
                    let mut line_tables = factors.tables.clone();
                    line_tables.extend(table);
                    let amount = c.rounding.apply(self.amount(item, tariff, &factors)?);
                    let basis = parts.basis(BasisOf {
                        kind: item.kind,
                        tariff,
                        clause,
                        tables: &line_tables,
                        multiplier: factors.value,
                        multipliers: &factors.ids,
                        rule: &compiled.rule,
                        municipality: self.record.municipality.as_deref(),
                        groups: &self.record.groups,
                    });
                    if !from_table {
                        same_tariff = Some((key, amount, basis.clone()));
                    }
                    (amount, basis)
                }
            };
            out.lines.push(Pending {
                item_index: index as u32,
                who: 0,
                participant: self.participant.clone(),
                occurrence: n as u32 + 1,
                achieved_on: date,
                amount,
                basis,
            });
        }
        Ok(())
    }

    /// How many occurrences of `item` this participant may be paid, and
    /// where a limit read from data came from (`""` for a fixed number).
    fn max_occurrences(&mut self, item: &Item, compiled: &CompiledItem) -> Result<(usize, String), RuleError> {
        const EXPECTED: &str = "a whole number of occurrences from 0 to 1000";
        match (&item.max_from, &compiled.max_rule) {
            (None, _) => Ok((item.max_per_participant as usize, String::new())),
            (Some(Occurrences::Table(reference)), _) => match self.lookup(reference, Some(&item.id))? {
                Some(Found { value: Value::Number(n), trace }) => match occurrence_count(n) {
                    Some(max) => Ok((max, format!(" ({trace})"))),
                    None => {
                        Err(self.item_error(item, format!("{trace} gives the occurrence limit {n}; write {EXPECTED}")))
                    }
                },
                _ => {
                    let message = format!(
                        "no row of table `{}` gives `max_per_participant` for this participant; add a row that covers them",
                        reference.table
                    );
                    Err(self.item_error(item, message))
                }
            },
            (Some(Occurrences::Rule(text)), Some(rule)) => {
                let v = self.rule(rule, &BTreeMap::new(), item.clause.as_ref(), text.line)?;
                let count = match &v {
                    RuleValue::Integer(i) => occurrence_count(Decimal::from(*i)),
                    RuleValue::Decimal(d) => occurrence_count(*d),
                    _ => None,
                };
                match count {
                    Some(max) => Ok((max, format!(" (rule at line {})", text.line))),
                    None => Err(wrong_type(rule, self.record, EXPECTED, &v)),
                }
            }
            // Every rule is compiled before a record is read; kept total rather than panic.
            (Some(Occurrences::Rule(_)), None) => {
                Err(self.item_error(item, "its max_per_participant rule was not compiled".into()))
            }
        }
    }

    /// The decimal a tariff or factor rule computes for this participant:
    /// a number, zero or more; anything else stops the run naming the rule.
    fn computed_amount(&mut self, rule: &CompiledRule, item: &Item, what: &str) -> Result<Decimal, RuleError> {
        let v = self.rule(rule, &BTreeMap::new(), item.clause.as_ref(), item.line)?;
        let n = match v {
            RuleValue::Decimal(d) => d,
            RuleValue::Integer(i) => Decimal::from(i),
            other => return Err(wrong_type(rule, self.record, &format!("a decimal {what}, e.g. 150.00"), &other)),
        };
        if n < Decimal::ZERO {
            let mut error = wrong_type(rule, self.record, &format!("a {what} of zero or more"), &RuleValue::Decimal(n));
            error.message.push_str("; a payment cannot be negative");
            return Err(error);
        }
        Ok(n)
    }

    /// `tariff × factor`, unrounded: checked, and never negative.
    fn amount(&self, item: &Item, tariff: Decimal, factors: &Factors<'_>) -> Result<Decimal, RuleError> {
        let product = |ids: &[&str]| match ids {
            [] => format!("tariff {tariff}"),
            ids => format!("tariff {tariff} × factor {} ({})", factors.value, ids.join(", ")),
        };
        let Some(amount) = tariff.checked_mul(factors.value) else {
            let message = format!("{} is too large to compute exactly", product(&factors.ids));
            return Err(self.item_error(item, message));
        };
        if amount < Decimal::ZERO {
            let message = format!("{} = {amount}; a payment cannot be negative", product(&factors.ids));
            return Err(self.item_error(item, message));
        }
        Ok(amount)
    }

    /// A payment of `item` that cannot be computed for this participant.
    fn item_error(&self, item: &Item, message: String) -> RuleError {
        let what = format!("{} `{}`", kind_word(item.kind), item.id);
        payment_error(self.ev.contract, &what, self.record, item.line, message)
    }

    /// The combined factor for `item` from the participant's matching
    /// multipliers (see [`Factors`]).
    fn multiplier(&mut self, item: &Item) -> Result<Factors<'c>, RuleError> {
        let c = self.ev.contract;
        let mut found: Vec<Factor1> = Vec::new();
        if item.kind != ItemKind::Outcome {
            return Factors::combine(c.combine, found).map_err(|m| self.item_error(item, m));
        }
        for (index, (m, rule)) in c.multipliers.iter().zip(&self.ev.multipliers).enumerate() {
            let id = m.id.as_str();
            if !(m.items.is_empty() || m.items.contains(&item.id)) || selector_mismatch(&m.when, self.record).is_some()
            {
                continue;
            }
            if let Some(rule) = rule {
                let line = m.when.condition.as_ref().map_or(0, |r| r.line);
                if !self.condition(rule, m.clause.as_ref(), line)? {
                    continue;
                }
            }
            match &m.factor {
                Factor::Fixed(f) => found.push(Factor1 { id, value: *f, table: None }),
                Factor::Rule(_) => {
                    let Some(rule) = &self.ev.factor_rules[index] else {
                        return Err(
                            self.item_error(item, format!("multiplier `{id}`: its factor rule was not compiled"))
                        );
                    };
                    let value = self.computed_amount(rule, item, "factor")?;
                    found.push(Factor1 { id, value, table: None });
                }
                Factor::Table(reference) => {
                    if let Some(Found { value: Value::Number(f), trace }) = self.lookup(reference, Some(&item.id))? {
                        if f.is_sign_negative() && !f.is_zero() {
                            let message =
                                format!("multiplier `{id}`: {trace} gives the factor {f}; a factor cannot be negative");
                            return Err(self.item_error(item, message));
                        }
                        found.push(Factor1 { id, value: f, table: Some(trace) });
                    }
                }
            }
        }
        Factors::combine(c.combine, found).map_err(|m| self.item_error(item, m))
    }
}

/// A limit on occurrences read from data: a whole number 0–1000.
fn occurrence_count(n: Decimal) -> Option<usize> {
    use rust_decimal::prelude::ToPrimitive;
    (n.fract().is_zero() && n >= Decimal::ZERO && n <= Decimal::from(1000)).then(|| n.to_usize()).flatten()
}

/// A tariff exactly (its decimal with scale) and where its clause is kept.
type TariffKey = ([u8; 16], *const Option<Arc<str>>);

/// One matching multiplier's factor, and the table row that gave it.
struct Factor1<'c> {
    id: &'c str,
    value: Decimal,
    table: Option<Arc<str>>,
}

/// The factor applied to a line: the product of the applied multipliers
/// (1 when none), their ids, and the table rows behind them.
struct Factors<'c> {
    value: Decimal,
    ids: Vec<&'c str>,
    tables: Vec<Arc<str>>,
}

impl<'c> Factors<'c> {
    /// The factors combined `how` the contract says; `Err` names the
    /// multipliers whose product no decimal can hold.
    fn combine(how: Combine, mut found: Vec<Factor1<'c>>) -> Result<Factors<'c>, String> {
        if how == Combine::Highest {
            // The first of equal factors wins, so the choice is stable.
            let best = found.iter().enumerate().rev().max_by(|a, b| a.1.value.cmp(&b.1.value)).map(|(i, _)| i);
            found = best.map(|i| found.swap_remove(i)).into_iter().collect();
        }
        let ids: Vec<&str> = found.iter().map(|f| f.id).collect();
        let value =
            found.iter().try_fold(Decimal::ONE, |product, f| product.checked_mul(f.value)).ok_or_else(|| {
                format!("the product of the factors of {} is too large to compute exactly", ids.join(", "))
            })?;
        Ok(Factors { value, ids, tables: found.into_iter().filter_map(|f| f.table).collect() })
    }
}

/// Parameters in force on `on` (rules see those of the participant's
/// service start). A declared parameter with no version on `on` is still
/// listed, with its versions, so a rule reading it is told why rather than
/// that it is unknown.
fn params_on(c: &Contract, on: NaiveDate) -> BTreeMap<String, ParamValue> {
    let value = |p: &Parameter| match p {
        Parameter::Decimal(d) => ParamValue::Decimal(*d),
        Parameter::Integer(i) => ParamValue::Integer(*i),
        Parameter::Text(t) => ParamValue::Text(t.clone()),
        Parameter::Bool(b) => ParamValue::Bool(*b),
        Parameter::Date(d) => ParamValue::Date(*d),
    };
    let not_in_force = |tl: &Timeline<Parameter>| ParamValue::NotInForce {
        on,
        versions: tl
            .versions
            .iter()
            .map(|v| ParamVersion {
                from: v.period.from,
                to: v.period.to,
                clause: v.clause.clone(),
                value: value(&v.value),
            })
            .collect(),
    };
    c.parameters
        .iter()
        .map(|(k, tl)| (k.clone(), tl.on(on).map_or_else(|| not_in_force(tl), |v| value(&v.value))))
        .collect()
}

/// A payment that cannot be computed: `what` (e.g. "outcome `job`") names
/// the contract's item at `line` (0: no single line).
fn payment_error(c: &Contract, what: &str, record: &Record, line: u64, message: String) -> RuleError {
    RuleError {
        rule: what.to_string(),
        participant: record.id.to_string(),
        file: c.file.clone(),
        line: (line > 0).then_some(line),
        column: None,
        message,
    }
}

fn table_error(table: &str, record: &Record, message: &str) -> RuleError {
    RuleError {
        rule: format!("table `{table}`"),
        participant: record.id.to_string(),
        file: record.origin.file.as_ref().clone(),
        line: None,
        column: None,
        message: message.to_string(),
    }
}

/// Why `record` does not match `s`'s fixed parts (groups, municipalities).
fn selector_mismatch(s: &Selector, record: &Record) -> Option<String> {
    group_mismatch(s, record).or_else(|| municipality_mismatch(s, record))
}

/// Why `record` fails the selector's group tests, if it does.
fn group_mismatch(s: &Selector, record: &Record) -> Option<String> {
    let has = |g: &String| record.groups.iter().any(|own| own == g);
    if !s.groups_any.is_empty() && !s.groups_any.iter().any(has) {
        return Some(format!("in none of the groups {}", s.groups_any.join(", ")));
    }
    if let Some(g) = s.groups_all.iter().find(|g| !has(g)) {
        return Some(format!("not in group {g}"));
    }
    if let Some(g) = s.groups_none.iter().find(|g| has(g)) {
        return Some(format!("in excluded group {g}"));
    }
    None
}

/// Why `record` fails the selector's municipality test, if it does.
fn municipality_mismatch(s: &Selector, record: &Record) -> Option<String> {
    if !s.municipalities.is_empty()
        && !record.municipality.as_deref().is_some_and(|m| s.municipalities.iter().any(|s| s == m))
    {
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
        participant: record.id.to_string(),
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
        RuleValue::NotYet(d) => format!("not_yet({d})"),
    }
}

fn kind_word(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::StartFee => "start_fee",
        ItemKind::Outcome => "outcome",
        ItemKind::FixedFee => "fixed_fee",
        ItemKind::Impact => "impact_payment",
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

fn attribute_error(
    id: &str,
    origin: &crate::records::Origin,
    name: &str,
    ty: AttributeType,
    value: &AttributeValue,
) -> Diagnostic {
    let found = match value {
        AttributeValue::Text(t, _) => format!("\"{}\"", crate::records::hetu::redact(t)),
        AttributeValue::Number(n) => n.to_string(),
        AttributeValue::Bool(b) => b.to_string(),
        AttributeValue::Date(d) => d.to_string(),
    };
    let location =
        Location::Line { line: origin.line, column: Some(crate::diagnostic::Column::Named(name.to_string())) };
    let message = format!(
        "participant {}: attribute `{name}` is declared {} by the contract, found {found}",
        crate::records::hetu::redact(id),
        type_word(ty)
    );
    Diagnostic::error(origin.file.as_path(), location, message)
}

/// The names rules may quote in record queries: every spell kind records
/// may carry, and the event kinds, instruments and dimensions the contract
/// declares (an undeclared vocabulary is not checked).
fn rule_vocabulary(c: &Contract) -> crate::scripting::Vocabulary {
    let standard = crate::contract::STANDARD_SPELL_KINDS.iter().map(|k| k.to_string());
    let any = std::iter::once(crate::scripting::ANY_EMPLOYMENT.to_string());
    crate::scripting::Vocabulary {
        spell_kinds: standard.chain(any).chain(c.spell_kinds.iter().cloned()).collect(),
        event_kinds: c.event_kinds.clone(),
        instruments: c.instruments.clone(),
        dimensions: c.dimensions.clone(),
    }
}

/// A record without an attribute the contract requires.
fn missing_attribute(record: &Record, name: &str, ty: AttributeType) -> Diagnostic {
    let location = Location::Line { line: record.origin.line, column: None };
    let message = format!(
        "participant {}: attribute `{name}` is required by the contract and missing",
        crate::records::hetu::redact(&record.id)
    );
    Diagnostic::error(record.origin.file.as_path(), location, message).with_help(format!(
        "give every record `{name}` ({}): in JSON Lines under \"attributes\", in CSV as a filled column of participants.csv",
        type_word(ty)
    ))
}

/// Convert an attribute to its declared type; `None` if it does not fit.
fn convert(value: &AttributeValue, ty: AttributeType) -> Option<AttributeValue> {
    use AttributeValue as V;
    match (value, ty) {
        (V::Text(t, d), AttributeType::Number) => crate::records::value::parse_decimal(t, *d).map(V::Number),
        (V::Text(t, d), AttributeType::Date) => crate::records::value::parse_date(t, *d).map(V::Date),
        (V::Text(t, _), AttributeType::Boolean) => crate::records::value::parse_bool(t).map(V::Bool),
        (V::Text(..), AttributeType::Text)
        | (V::Number(_), AttributeType::Number)
        | (V::Bool(_), AttributeType::Boolean) => Some(value.clone()),
        (V::Date(_), AttributeType::Date) => Some(value.clone()),
        (V::Number(n), AttributeType::Text) => Some(V::Text(n.to_string().into(), Default::default())),
        _ => None,
    }
}
