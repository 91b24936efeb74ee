//! Explanations: every rule evaluated for one participant, what it read,
//! which multipliers matched and why, and why the participant was or was
//! not paid — citing the clause.
//!
//! The participant's lines come from the full calculation (caps depend on
//! everyone achieved before), the trace from re-evaluating their record.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::contract::{Contract, Factor, Multiplier, Selector};
use crate::locale::{self, Lang, Msg};
use crate::payment::{CalcError, Evaluator, RecordOutcome, Request, Step};
use crate::records::hetu::redact;
use crate::records::Record;
use crate::report::shown;
use crate::statement::{Line, Statement, Unpaid};

/// Everything known about one participant's evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub contract: String,
    pub participant: String,
    pub as_of: chrono::NaiveDate,
    /// `eligible`, `not eligible: …`, `control group`, `other contract`.
    pub status: String,
    pub steps: Vec<Step>,
    /// Every multiplier of the contract: whether it matched the
    /// participant, on which condition, and where it was applied.
    pub multipliers: Vec<MultiplierCheck>,
    pub lines: Vec<Line>,
    pub unpaid: Vec<Unpaid>,
    /// The status as data, so text can say it in any language.
    #[serde(skip)]
    standing: Standing,
}

/// Where the participant stands under the contract.
#[derive(Debug, Clone)]
enum Standing {
    OtherContract(String),
    Control,
    Ineligible(String),
    Eligible,
}

/// One multiplier as it came out for one participant.
#[derive(Debug, Clone, Serialize)]
pub struct MultiplierCheck {
    pub id: String,
    pub clause: Option<String>,
    /// The fixed factor, or none when a decision table gives it.
    pub factor: Option<Decimal>,
    /// The decision table giving the factor, if one does.
    pub table: Option<String>,
    /// The contract line of the rule computing the factor, if one does.
    pub rule_line: Option<u64>,
    /// The condition as the contract states it: groups, municipalities,
    /// `condition` rule.
    pub condition: String,
    pub result: MultiplierResult,
}

/// Whether a multiplier matched, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum MultiplierResult {
    /// Applied to these lines (`item #occurrence`).
    Applied { lines: Vec<String> },
    /// Matched, but another multiplier's larger factor was applied instead.
    NotApplied,
    /// The participant failed this part of the condition.
    NoMatch { because: String },
    /// Not evaluated: no line paid to the participant is one it applies to.
    NotForItems,
}

/// Explain `record` given the statement computed over all records.
pub fn explain(
    contract: &Contract,
    evaluator: &Evaluator,
    record: &Record,
    statement: &Statement,
    request: Request,
) -> Result<Explanation, CalcError> {
    let mut steps = Vec::new();
    let outcome = evaluator.evaluate(record, request.as_of, Some(&mut steps))?;
    let standing = match outcome {
        RecordOutcome::OtherContract(id) => Standing::OtherContract(redact(&id)),
        RecordOutcome::Control => Standing::Control,
        RecordOutcome::Ineligible(i) => Standing::Ineligible(redact(&i.reason)),
        RecordOutcome::Eligible(_) => Standing::Eligible,
    };
    let mine = |p: &str| p == record.id;
    // What the rules read is record data: no identity code leaves here,
    // in text or JSON.
    for step in &mut steps {
        step.reads.iter_mut().for_each(|r| *r = redact(r));
        step.result = redact(&step.result);
    }
    let lines: Vec<Line> = statement.lines.iter().filter(|l| mine(&l.id.participant)).cloned().collect();
    let multipliers = if matches!(standing, Standing::Eligible) {
        contract.multipliers.iter().map(|m| check_multiplier(m, record, &steps, &lines)).collect()
    } else {
        Vec::new()
    };
    Ok(Explanation {
        contract: contract.id.clone(),
        participant: redact(&record.id),
        as_of: request.as_of,
        status: standing.say(Lang::En),
        steps,
        multipliers,
        lines,
        unpaid: statement.unpaid.iter().filter(|u| mine(&u.participant)).cloned().collect(),
        standing,
    })
}

impl Standing {
    fn say(&self, lang: Lang) -> String {
        match self {
            Standing::OtherContract(id) => locale::fill(lang, Msg::StatusOtherContract, &[id]),
            Standing::Control => locale::text(lang, Msg::StatusControl).into(),
            Standing::Ineligible(reason) => locale::fill(lang, Msg::StatusIneligible, &[reason]),
            Standing::Eligible => locale::text(lang, Msg::StatusEligible).into(),
        }
    }
}

/// How `m` came out for `record`. The evaluator applies a multiplier to
/// an outcome line when its groups and municipalities match and its
/// condition rule (traced in `steps`) returned true; the lines say which
/// it applied.
fn check_multiplier(m: &Multiplier, record: &Record, steps: &[Step], lines: &[Line]) -> MultiplierCheck {
    let applied: Vec<String> = lines
        .iter()
        .filter(|l| l.multipliers.iter().any(|id| **id == *m.id))
        .map(|l| format!("{} #{}", l.id.item, l.id.occurrence))
        .collect();
    let for_items = |l: &&Line| m.items.is_empty() || m.items.iter().any(|i| **i == *l.id.item);
    let outcome_lines = lines.iter().filter(|l| l.kind == crate::contract::ItemKind::Outcome).filter(for_items);
    let rule = format!("multiplier `{}`, condition", m.id);
    let condition_results: Vec<&str> = steps.iter().filter(|s| s.rule == rule).map(|s| s.result.as_str()).collect();
    let result = if !applied.is_empty() {
        MultiplierResult::Applied { lines: applied }
    } else if let Some(because) = selector_miss(&m.when, record) {
        MultiplierResult::NoMatch { because }
    } else if m.when.condition.is_some() && !condition_results.is_empty() && !condition_results.contains(&"true") {
        MultiplierResult::NoMatch { because: format!("condition => {}", condition_results.join(", ")) }
    } else if outcome_lines.count() == 0 {
        MultiplierResult::NotForItems
    } else {
        MultiplierResult::NotApplied
    };
    let (factor, table, rule_line) = match &m.factor {
        Factor::Fixed(f) => (Some(*f), None, None),
        Factor::Table(t) => (None, Some(t.table.clone()), None),
        Factor::Rule(rule) => (None, None, Some(rule.line)),
    };
    let condition = describe(&m.when);
    MultiplierCheck { id: m.id.clone(), clause: m.clause.clone(), factor, table, rule_line, condition, result }
}

/// The selector as the contract states it, e.g. `groups_any = [youth]`.
fn describe(s: &Selector) -> String {
    let mut parts = Vec::new();
    for (key, list) in [("groups_any", &s.groups_any), ("groups_all", &s.groups_all), ("groups_none", &s.groups_none)] {
        if !list.is_empty() {
            parts.push(format!("{key} = [{}]", list.join(", ")));
        }
    }
    if !s.municipalities.is_empty() {
        parts.push(format!("municipalities = [{}]", s.municipalities.join(", ")));
    }
    if let Some(rule) = &s.condition {
        parts.push(format!("condition at line {}", rule.line));
    }
    if parts.is_empty() {
        "always".into()
    } else {
        parts.join(", ")
    }
}

/// Which group or municipality test of `s` the record fails, with what it has.
fn selector_miss(s: &Selector, record: &Record) -> Option<String> {
    let has = |g: &String| record.groups.iter().any(|own| own == g);
    let groups = || format!("the participant's groups: [{}]", record.groups.join(", "));
    if !s.groups_any.is_empty() && !s.groups_any.iter().any(has) {
        return Some(format!("in none of the groups {}; {}", s.groups_any.join(", "), groups()));
    }
    if let Some(g) = s.groups_all.iter().find(|g| !has(g)) {
        return Some(format!("not in group {g}; {}", groups()));
    }
    if let Some(g) = s.groups_none.iter().find(|g| has(g)) {
        return Some(format!("in excluded group {g}"));
    }
    let home = record.municipality.as_deref();
    if !s.municipalities.is_empty() && !home.is_some_and(|m| s.municipalities.iter().any(|s| s == m)) {
        let home = home.map_or("none".to_string(), redact);
        return Some(format!("municipality {home} not one of {}", s.municipalities.join(", ")));
    }
    None
}

impl Explanation {
    /// Readable text: status, each rule with its reads and result, the
    /// multipliers, then what is paid and what is not. Each line is
    /// [`shown`]: a value read from the records can neither leak an
    /// identity code nor break a line.
    pub fn render_text(&self) -> String {
        self.render_text_in(Lang::En)
    }

    /// [`Explanation::render_text`] in `lang` (the texts are in
    /// [`crate::locale`]); what the rules read and returned is shown as
    /// the evaluator wrote it.
    pub fn render_text_in(&self, lang: Lang) -> String {
        let mut out = String::new();
        let mut put = |line: String| {
            out.push_str(&shown(&line));
            out.push('\n');
        };
        let date = locale::date(lang, self.as_of);
        put(locale::fill(lang, Msg::ExplainTitle, &[&self.participant, &self.contract, &date]));
        put(locale::fill(lang, Msg::Status, &[&self.standing.say(lang)]));
        put(String::new());
        let read = locale::text(lang, Msg::Read);
        for s in &self.steps {
            let clause = s.clause.as_ref().map(|c| format!(" ({c})")).unwrap_or_default();
            put(locale::fill(lang, Msg::StepAt, &[&s.rule, &clause, &s.at]));
            for r in &s.reads {
                put(format!("    {read} {r}"));
            }
            put(format!("    => {}", s.result));
        }
        put(String::new());
        self.multipliers_text(lang, &mut put);
        if self.lines.is_empty() {
            put(locale::text(lang, Msg::PaidNothing).into());
        }
        let n = |d: Decimal| locale::number(lang, d);
        for l in &self.lines {
            let tables = if l.tables.is_empty() { String::new() } else { format!(" [{}]", l.tables.join("; ")) };
            let capped = l
                .withheld_by
                .iter()
                .map(|h| locale::fill(lang, Msg::WithheldByCap, &[&n(h.amount), &h.cap.name()]))
                .collect::<String>();
            let clause = l.clause.as_deref().unwrap_or(locale::text(lang, Msg::NoClause));
            let parts: [&dyn std::fmt::Display; 12] = [
                &l.id.item,
                &l.id.occurrence,
                &locale::date(lang, l.achieved_on),
                &n(l.tariff),
                &clause,
                &tables,
                &n(l.multiplier),
                &n(l.amount),
                &capped,
                &n(l.net),
                &n(l.vat),
                &n(l.gross),
            ];
            put(locale::fill(lang, Msg::PaidLine, &parts));
        }
        for u in &self.unpaid {
            put(locale::fill(lang, Msg::NotPaidLine, &[&u.item, &locale::reason(lang, u.reason.name()), &u.detail]));
        }
        out
    }

    /// Each multiplier, one line, after its condition: applied where,
    /// matched but not applied, or which test failed.
    fn multipliers_text(&self, lang: Lang, put: &mut impl FnMut(String)) {
        if self.multipliers.is_empty() {
            return;
        }
        put(locale::fill(lang, Msg::Multipliers, &[&self.multipliers.len()]));
        for m in &self.multipliers {
            let clause = m.clause.as_ref().map(|c| format!(" ({c})")).unwrap_or_default();
            let factor = match (&m.factor, &m.table, m.rule_line) {
                (Some(f), ..) => locale::number(lang, *f),
                (None, None, Some(line)) => locale::fill(lang, Msg::FactorRule, &[&line]),
                (None, table, _) => locale::fill(lang, Msg::FactorTable, &[&table.as_deref().unwrap_or_default()]),
            };
            let result = match &m.result {
                MultiplierResult::Applied { lines } => {
                    locale::fill(lang, Msg::MultiplierApplied, &[&factor, &lines.join(", ")])
                }
                MultiplierResult::NotApplied => locale::text(lang, Msg::MultiplierNotApplied).into(),
                MultiplierResult::NoMatch { because } => locale::fill(lang, Msg::MultiplierNoMatch, &[because]),
                MultiplierResult::NotForItems => locale::text(lang, Msg::MultiplierNotForItems).into(),
            };
            put(locale::fill(lang, Msg::MultiplierLine, &[&m.id, &clause, &factor, &m.condition, &result]));
        }
        put(String::new());
    }
}
