//! Phase 2: fixed fees, ordering, caps, VAT, period selection, totals.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::evaluate::{Candidate, RecordOutcome};
use super::Request;
use crate::calendar::{add_months, month_end, month_start};
use crate::contract::{Contract, Every, ItemKind};
use crate::money::{Rounding, RoundingMode};
use crate::statement::{Counts, Inputs, Line, LineId, Statement, Totals};

/// Turn evaluated records into the statement (see the module doc of
/// `payment` for the order of operations).
pub fn settle(
    contract: &Contract,
    evaluated: Vec<RecordOutcome>,
    mut counts: Counts,
    inputs: Inputs,
    request: Request,
) -> Statement {
    let mut candidates = Vec::new();
    let mut unpaid = Vec::new();
    let mut ineligible = Vec::new();
    for outcome in evaluated {
        match outcome {
            RecordOutcome::OtherContract => counts.other_contract += 1,
            RecordOutcome::Control => counts.control += 1,
            RecordOutcome::Ineligible(i) => {
                counts.participants += 1;
                counts.ineligible += 1;
                ineligible.push(i);
            }
            RecordOutcome::Eligible(e) => {
                counts.participants += 1;
                counts.eligible += 1;
                candidates.extend(e.candidates);
                unpaid.extend(e.unpaid);
            }
        }
    }
    candidates.extend(fixed_fees(contract, request.as_of));
    candidates.sort_by(|a, b| {
        (a.achieved_on, &a.id.participant, a.item_index, a.id.occurrence).cmp(&(
            b.achieved_on,
            &b.id.participant,
            b.item_index,
            b.id.occurrence,
        ))
    });
    let mut lines = apply_caps(contract, candidates);
    if let Some(p) = request.period {
        lines.retain(|l| l.achieved_on >= p.from && l.achieved_on <= p.to);
    }
    let mut paid: Vec<&str> = lines
        .iter()
        .filter(|l| l.net > Decimal::ZERO && !l.id.participant.is_empty())
        .map(|l| l.id.participant.as_str())
        .collect();
    paid.sort_unstable();
    paid.dedup();
    counts.paid = paid.len() as u64;
    unpaid.sort();
    ineligible.sort();
    Statement {
        contract: contract.id.clone(),
        title_fi: contract.title.fi.clone(),
        title_en: contract.title.en.clone(),
        buyer: contract.buyer.clone(),
        provider: contract.provider.clone(),
        currency: contract.currency.clone(),
        vat_percent: contract.vat_percent,
        rounding: contract.rounding,
        as_of: request.as_of,
        period: request.period,
        inputs,
        counts,
        totals: Totals::of(&lines),
        lines,
        unpaid,
        ineligible,
    }
}

/// Fixed-fee lines due by `as_of`: monthly fees on each month's last day
/// within their period, one-off fees on their first day.
fn fixed_fees(contract: &Contract, as_of: NaiveDate) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (n, fee) in contract.fixed_fees.iter().enumerate() {
        let last = fee.period.to.map_or(as_of, |t| t.min(as_of));
        let dates: Vec<NaiveDate> = match fee.every {
            Every::Once => vec![fee.period.from].into_iter().filter(|d| *d <= as_of).collect(),
            Every::Month => {
                let mut ds = Vec::new();
                let mut month = month_start(fee.period.from);
                while month_end(month) <= last {
                    ds.push(month_end(month));
                    month = add_months(month, 1).expect("date range");
                }
                ds
            }
        };
        for (k, date) in dates.into_iter().enumerate() {
            out.push(Candidate {
                id: LineId {
                    contract: contract.id.clone(),
                    participant: String::new(),
                    item: fee.id.clone(),
                    occurrence: k as u32 + 1,
                },
                item_index: contract.items.len() + n,
                kind: ItemKind::FixedFee,
                achieved_on: date,
                tariff: contract.rounding.apply(fee.amount),
                clause: fee.clause.clone(),
                tables: Vec::new(),
                multiplier: Decimal::ONE,
                multipliers: Vec::new(),
                amount: contract.rounding.apply(fee.amount),
                rule: format!("{}:{} fixed_fee {}", contract.file.display(), fee.line, fee.id),
                municipality: None,
                groups: Vec::new(),
            });
        }
    }
    out
}

/// Apply the item, participant and contract caps in line order.
fn apply_caps(contract: &Contract, candidates: Vec<Candidate>) -> Vec<Line> {
    let item_cap: BTreeMap<&str, Decimal> =
        contract.items.iter().filter_map(|i| i.cap_total.map(|c| (i.id.as_str(), c))).collect();
    let mut item_paid: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut participant_paid: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut total_paid = Decimal::ZERO;
    let mut lines = Vec::with_capacity(candidates.len());
    for c in candidates {
        let mut net = c.amount;
        let mut withheld_by = None;
        let mut limit = |cap: Option<Decimal>, used: Decimal, name: &str| {
            if let Some(cap) = cap {
                let room = (cap - used).max(Decimal::ZERO);
                if net > room {
                    net = room;
                    withheld_by = Some(name.to_string());
                }
            }
        };
        let used_item = item_paid.get(&c.id.item).copied().unwrap_or_default();
        limit(item_cap.get(c.id.item.as_str()).copied(), used_item, "outcome_total");
        if c.kind != ItemKind::FixedFee {
            let used = participant_paid.get(&c.id.participant).copied().unwrap_or_default();
            limit(contract.caps.per_participant, used, "per_participant");
        }
        limit(contract.caps.contract_total, total_paid, "contract_total");
        // A cap written with more decimals than the contract's scale must
        // not push the line off the scale; truncating never exceeds a cap.
        let net = Rounding { mode: RoundingMode::Down, ..contract.rounding }.apply(net);
        *item_paid.entry(c.id.item.clone()).or_default() += net;
        if c.kind != ItemKind::FixedFee {
            *participant_paid.entry(c.id.participant.clone()).or_default() += net;
        }
        total_paid += net;
        let vat = contract.rounding.apply(net * contract.vat_percent / Decimal::ONE_HUNDRED);
        lines.push(Line {
            id: c.id,
            kind: c.kind,
            achieved_on: c.achieved_on,
            tariff: c.tariff,
            clause: c.clause,
            tables: c.tables,
            multiplier: c.multiplier,
            multipliers: c.multipliers,
            withheld: c.amount - net,
            withheld_by,
            amount: c.amount,
            net,
            vat,
            gross: net + vat,
            rule: c.rule,
            municipality: c.municipality,
            groups: c.groups,
        });
    }
    lines
}
