//! Explanations: every rule evaluated for one participant, what it read,
//! and why the participant was or was not paid — citing the clause.
//!
//! The participant's lines come from the full calculation (caps depend on
//! everyone achieved before), the trace from re-evaluating their record.

use std::fmt::Write;

use serde::Serialize;

use crate::contract::Contract;
use crate::payment::{CalcError, Evaluator, RecordOutcome, Request, Step};
use crate::records::Record;
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
    Ok(Explanation {
        contract: contract.id.clone(),
        participant: record.id.clone(),
        as_of: request.as_of,
        status,
        steps,
        lines: statement.lines.iter().filter(|l| mine(&l.id.participant)).cloned().collect(),
        unpaid: statement.unpaid.iter().filter(|u| mine(&u.participant)).cloned().collect(),
    })
}

impl Explanation {
    /// Readable text: status, each rule with its reads and result, then
    /// what is paid and what is not.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let _ =
            writeln!(out, "Participant {} under contract {}, as of {}", self.participant, self.contract, self.as_of);
        let _ = writeln!(out, "Status: {}\n", self.status);
        for s in &self.steps {
            let clause = s.clause.as_ref().map(|c| format!(" ({c})")).unwrap_or_default();
            let _ = writeln!(out, "{}{clause} at {}", s.rule, s.at);
            for r in &s.reads {
                let _ = writeln!(out, "    read {r}");
            }
            let _ = writeln!(out, "    => {}", s.result);
        }
        out.push('\n');
        if self.lines.is_empty() {
            out.push_str("Paid: nothing\n");
        }
        for l in &self.lines {
            let tables = if l.tables.is_empty() { String::new() } else { format!(" [{}]", l.tables.join("; ")) };
            let capped = l
                .withheld_by
                .iter()
                .map(|h| format!(", {} withheld by the {} cap", h.amount, h.cap.name()))
                .collect::<String>();
            let _ = writeln!(
                out,
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
            );
        }
        for u in &self.unpaid {
            let reason =
                serde_json::to_value(&u.reason).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
            let _ = writeln!(out, "Not paid: {} — {reason}: {}", u.item, u.detail);
        }
        out
    }
}
