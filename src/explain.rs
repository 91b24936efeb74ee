//! Explanations: every rule evaluated for one participant, what it read,
//! and why the participant was or was not paid — citing the clause.
//!
//! The participant's lines come from the full calculation (caps depend on
//! everyone achieved before), the trace from re-evaluating their record.

use serde::Serialize;

use crate::contract::Contract;
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
    pub lines: Vec<Line>,
    pub unpaid: Vec<Unpaid>,
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
    let status = match outcome {
        RecordOutcome::OtherContract(id) => format!("belongs to another contract ({id})"),
        RecordOutcome::Control => "control group: never paid".into(),
        RecordOutcome::Ineligible(i) => format!("not eligible: {}", i.reason),
        RecordOutcome::Eligible(_) => "eligible".into(),
    };
    let mine = |p: &str| p == record.id;
    // What the rules read is record data: no identity code leaves here,
    // in text or JSON.
    for step in &mut steps {
        step.reads.iter_mut().for_each(|r| *r = redact(r));
        step.result = redact(&step.result);
    }
    Ok(Explanation {
        contract: contract.id.clone(),
        participant: redact(&record.id),
        as_of: request.as_of,
        status: redact(&status),
        steps,
        lines: statement.lines.iter().filter(|l| mine(&l.id.participant)).cloned().collect(),
        unpaid: statement.unpaid.iter().filter(|u| mine(&u.participant)).cloned().collect(),
    })
}

impl Explanation {
    /// Readable text: status, each rule with its reads and result, then
    /// what is paid and what is not. Each line is [`shown`]: a value read
    /// from the records can neither leak an identity code nor break a line.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let mut put = |line: String| {
            out.push_str(&shown(&line));
            out.push('\n');
        };
        put(format!("Participant {} under contract {}, as of {}", self.participant, self.contract, self.as_of));
        put(format!("Status: {}", self.status));
        put(String::new());
        for s in &self.steps {
            let clause = s.clause.as_ref().map(|c| format!(" ({c})")).unwrap_or_default();
            put(format!("{}{clause} at {}", s.rule, s.at));
            for r in &s.reads {
                put(format!("    read {r}"));
            }
            put(format!("    => {}", s.result));
        }
        put(String::new());
        if self.lines.is_empty() {
            put("Paid: nothing".into());
        }
        for l in &self.lines {
            let tables = if l.tables.is_empty() { String::new() } else { format!(" [{}]", l.tables.join("; ")) };
            let capped = l
                .withheld_by
                .iter()
                .map(|h| format!(", {} withheld by the {} cap", h.amount, h.cap.name()))
                .collect::<String>();
            put(format!(
                "Paid: {} #{} achieved {}: tariff {} ({}){tables} × {} = {}{capped}; net {} + VAT {} = {}",
                l.id.item,
                l.id.occurrence,
                l.achieved_on,
                l.tariff,
                l.clause.as_deref().unwrap_or("no clause"),
                l.multiplier,
                l.amount,
                l.net,
                l.vat,
                l.gross
            ));
        }
        for u in &self.unpaid {
            put(format!("Not paid: {} — {}: {}", u.item, u.reason.name(), u.detail));
        }
        out
    }
}
