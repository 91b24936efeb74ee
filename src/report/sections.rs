//! The parts of a statement besides its lines, as rows: the totals, the
//! not-paid list and the inputs. The spreadsheet formats (`csv-fi`, xlsx)
//! lay them out; the amounts are the statement's own totals, never summed
//! again here.

use rust_decimal::Decimal;

use crate::statement::{Amounts, Statement};

/// The version of tulos that rendered a statement, shown beside the inputs.
pub const PROGRAM: &str = concat!("tulos ", env!("CARGO_PKG_VERSION"));

/// One row of totals: what it groups by (`item`, `municipality`, `group`,
/// `overall`), the key within that grouping and the amounts.
pub(crate) struct TotalRow<'a> {
    pub by: &'static str,
    pub key: &'a str,
    pub amounts: &'a Amounts,
}

/// Every total of the statement: by item, municipality and target group,
/// then overall.
pub(crate) fn total_rows(s: &Statement) -> Vec<TotalRow<'_>> {
    let t = &s.totals;
    let groupings = [("item", &t.by_item), ("municipality", &t.by_municipality), ("group", &t.by_group)];
    let mut rows: Vec<TotalRow<'_>> = groupings
        .into_iter()
        .flat_map(|(by, map)| map.iter().map(move |(key, amounts)| TotalRow { by, key, amounts }))
        .collect();
    rows.push(TotalRow { by: "overall", key: "", amounts: &t.overall });
    rows
}

/// The amount columns of a [`TotalRow`], in the order the headers name them.
pub(crate) fn amount_columns(a: &Amounts) -> [Decimal; 5] {
    [a.amount, a.withheld, a.net, a.vat, a.gross]
}

pub(crate) const TOTAL_HEADER: [&str; 8] = ["total_by", "key", "lines", "amount", "withheld", "net", "vat", "gross"];

/// One item an eligible participant was not paid for, or a participant
/// not eligible at all (item empty, reason `not_eligible`).
pub(crate) struct NotPaidRow<'a> {
    pub participant: &'a str,
    pub item: &'a str,
    pub reason: &'static str,
    pub detail: &'a str,
}

pub(crate) const NOT_PAID_HEADER: [&str; 4] = ["participant", "item", "reason", "detail"];

pub(crate) fn not_paid_rows(s: &Statement) -> Vec<NotPaidRow<'_>> {
    let unpaid = s.unpaid.iter().map(|u| NotPaidRow {
        participant: &u.participant,
        item: &u.item,
        reason: u.reason.name(),
        detail: &u.detail,
    });
    let ineligible = s.ineligible.iter().map(|i| NotPaidRow {
        participant: &i.participant,
        item: "",
        reason: "not_eligible",
        detail: &i.reason,
    });
    unpaid.chain(ineligible).collect()
}

/// What a statement was computed from: `(what, value, sha256)`. The
/// digests are ours (hex), the names come from input.
pub(crate) const INPUT_HEADER: [&str; 3] = ["input", "value", "sha256"];

pub(crate) fn input_rows(s: &Statement) -> Vec<(&'static str, String, String)> {
    let i = &s.inputs;
    let mut rows = vec![("contract_id", s.contract.clone(), String::new())];
    rows.push(("as_of", s.as_of.to_string(), String::new()));
    if let Some(p) = s.period {
        rows.push(("period_from", p.from.to_string(), String::new()));
        rows.push(("period_to", p.to.to_string(), String::new()));
    }
    rows.push(("contract_file", i.contract_file.clone(), i.contract_sha256.clone()));
    rows.extend(i.libraries.iter().map(|(name, sha)| ("rules_file", name.clone(), sha.clone())));
    rows.extend(i.records.iter().map(|(name, sha)| ("records_file", name.clone(), sha.clone())));
    rows.push(("program", PROGRAM.to_string(), String::new()));
    rows
}
