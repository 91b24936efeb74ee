//! `[[value]]` (per-participant values a rule computes on both arms) and
//! `[[impact_payment]]` (a contract-level payment on the difference the
//! service made): their model and how they are read.
//!
//! Included by `parse` (as its child module), so it shares the readers'
//! helpers without widening their visibility.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::super::{FixedFee, Item, ItemKind, Names, RuleText};
use super::read::{Reader, Table, Value};
use super::{array_of_tables, cap, hint, identifier, line_of, names, non_negative, rate, rule, written_id};

pub(crate) const VALUE_KEYS: &[&str] = &["id", "name", "rule", "clause"];
pub(crate) const IMPACT_KEYS: &[&str] = &[
    "id",
    "name",
    "clause",
    "outcome",
    "price",
    "threshold",
    "additional",
    "values",
    "share",
    "against",
    "baseline",
    "pay_on",
    "cap",
    "date",
];
pub(crate) const TERM_KEYS: &[&str] = &["value", "sign", "baseline"];

/// A per-participant value (`[[value]]`): a rule run on every eligible
/// record of both arms, returning a number, or `()` when the value is
/// missing for that record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueRule {
    pub id: String,
    pub name: Names,
    pub rule: RuleText,
    pub clause: Option<String>,
    pub line: u64,
}

/// A payment on impact (`[[impact_payment]]`): the difference between the
/// participants and a counterfactual, paid as one contract-level line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImpactPayment {
    pub id: String,
    pub name: Names,
    pub clause: Option<String>,
    pub measure: ImpactMeasure,
    pub pay_on: PayOn,
    /// Its own ceiling, applied before `contract_total`.
    pub cap: Option<Decimal>,
    /// The day the line is dated; `None`: the as-of date.
    pub date: Option<NaiveDate>,
    pub line: u64,
}

/// What an impact payment pays for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImpactMeasure {
    /// `price × max(0, rate_T − counterfactual − threshold) × N_T`.
    Outcome {
        /// The id of an `[[outcome]]` of the contract.
        outcome: String,
        price: Decimal,
        /// In rate points (0.05 = 5 percentage points).
        threshold: Decimal,
        counterfactual: Counterfactual,
        additional: Additional,
    },
    /// `share × N_T × max(0, Σ sign·(mean_T − mean_C))`.
    Values {
        terms: Vec<ValueTerm>,
        share: Decimal,
        /// `true`: against the control arm; `false`: every term has a baseline.
        against_control: bool,
    },
}

/// What the participants' rate is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Counterfactual {
    /// The control arm of the records, with the same eligibility.
    Control,
    /// A rate fixed in the contract.
    Baseline(Decimal),
}

/// One value of a value-form impact payment and its sign in the gain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueTerm {
    /// The id of a `[[value]]` of the contract.
    pub value: String,
    /// +1 (a gain when it rises) or −1 (a gain when it falls).
    pub sign: i8,
    /// The mean fixed in the contract, when not against the control arm.
    pub baseline: Option<Decimal>,
}

/// Whether the estimate or the lower bound of its 95 % interval is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PayOn {
    Estimate,
    LowerBound,
}

/// Whether fractions of an additional outcome are paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Additional {
    Fractional,
    Whole,
}

/// The `[[value]]` sections.
pub(super) fn values(r: &mut Reader, root: Table) -> Vec<ValueRule> {
    let mut seen = BTreeSet::new();
    let mut found = Vec::new();
    for (n, v) in array_of_tables(r, root, "value").into_iter().enumerate() {
        if let Some(id) = written_id(v).filter(|id| !seen.insert(id.clone())) {
            r.error(v.span(), format!("value id `{id}` is used twice")).help =
                Some("give every value its own id".into());
            continue;
        }
        let path = written_id(v).map_or(format!("[[value]] number {}", n + 1), |id| format!("value `{id}`"));
        let Some(t) = r.table(v, &path) else { continue };
        r.unknown_keys(t, VALUE_KEYS);
        let id = r.required(t, "id", "id = \"tax_paid\"").and_then(|v| identifier(r, v, "value `id`"));
        let name = r.required(t, "name", "name = { fi = \"…\", en = \"…\" }").and_then(|v| names(r, v, "name"));
        let text = r.required(t, "rule", "rule = 'tax_paid_after(p, 12)'").and_then(|v| rule(r, v, "value `rule`"));
        let clause = r.opt_string(t, "clause");
        if let (Some(id), Some(name), Some(rule)) = (id, name, text) {
            found.push(ValueRule { id, name, rule, clause, line: line_of(r, v.span()) });
        }
    }
    found
}

/// The `[[impact_payment]]` sections; `items` and `values` are read first,
/// so each reference is checked at the value that names it.
pub(super) fn payments(
    r: &mut Reader,
    root: Table,
    items: &[Item],
    fees: &[FixedFee],
    values: &[ValueRule],
) -> Vec<ImpactPayment> {
    let outcomes: Vec<&str> = items.iter().filter(|i| i.kind == ItemKind::Outcome).map(|i| i.id.as_str()).collect();
    let value_ids: Vec<&str> = values.iter().map(|v| v.id.as_str()).collect();
    // An impact line is contract-level like a fee: one id, one line identity.
    let taken: Vec<&str> = items.iter().map(|i| i.id.as_str()).chain(fees.iter().map(|f| f.id.as_str())).collect();
    let mut seen = BTreeSet::new();
    let mut found = Vec::new();
    for (n, v) in array_of_tables(r, root, "impact_payment").into_iter().enumerate() {
        if let Some(id) = written_id(v) {
            if !seen.insert(id.clone()) || taken.contains(&id.as_str()) {
                r.error(v.span(), format!("impact payment id `{id}` is already used by another item")).help =
                    Some("give every outcome, fee and impact payment its own id: it names the statement line".into());
                continue;
            }
        }
        found.extend(payment(r, v, n + 1, &outcomes, &value_ids));
    }
    found
}

fn payment(r: &mut Reader, v: &Value, n: usize, outcomes: &[&str], value_ids: &[&str]) -> Option<ImpactPayment> {
    let path = written_id(v).map_or(format!("[[impact_payment]] number {n}"), |id| format!("impact payment `{id}`"));
    let t = r.table(v, &path)?;
    r.unknown_keys(t, IMPACT_KEYS);
    let id =
        r.required(t, "id", "id = \"additional_job_entries\"").and_then(|v| identifier(r, v, "impact payment `id`"));
    let name = r.required(t, "name", "name = { fi = \"…\", en = \"…\" }").and_then(|v| names(r, v, "name"));
    let measure = match (t.get("outcome"), t.get("values")) {
        (Some(o), None) => outcome_measure(r, t, o, outcomes),
        (None, Some(vs)) => value_measure(r, t, vs, value_ids),
        (Some(_), Some(_)) | (None, None) => {
            r.error(t.header_span(r.text), "an impact payment pays on exactly one of `outcome` or `values`").help = Some(
                "write outcome = \"job_entry\" with price = \"…\" (per additional outcome), or values = [{ value = \"tax_paid\", sign = 1 }] with share = \"…\" (a share of the mean gain)".into(),
            );
            None
        }
    };
    let pay_on = match t.get("pay_on") {
        None => Some(PayOn::Estimate),
        Some(p) => choice(r, p, "`pay_on`", &[("estimate", PayOn::Estimate), ("lower_bound", PayOn::LowerBound)]),
    };
    let cap = t.get("cap").and_then(|v| cap(r, v, "impact payment `cap`"));
    let date = t.get("date").and_then(|d| r.date(d, "impact payment `date`"));
    Some(ImpactPayment {
        id: id?,
        name: name?,
        clause: r.opt_string(t, "clause"),
        measure: measure?,
        pay_on: pay_on?,
        cap,
        date,
        line: line_of(r, v.span()),
    })
}

/// `outcome`, `price`, `threshold`, `additional` and the counterfactual.
fn outcome_measure(r: &mut Reader, t: Table, o: &Value, outcomes: &[&str]) -> Option<ImpactMeasure> {
    let outcome = r.string(o, "impact payment `outcome`").and_then(|id| {
        if outcomes.contains(&id.as_str()) {
            return Some(id);
        }
        let help = hint(&id, outcomes, &format!("the outcomes are: {}", outcomes.join(", ")));
        r.error(o.span(), format!("impact payment `outcome` names `{id}`, which is not an outcome of this contract"))
            .help = Some(help);
        None
    });
    if let Some(s) = t.get("share") {
        r.error(s.span(), "`share` belongs to an impact payment on `values`").help =
            Some("an impact payment on an outcome is priced per additional outcome: write price = \"1500.00\"".into());
    }
    let price = r
        .required(t, "price", "price = \"1500.00\"")
        .and_then(|v| non_negative(r, v, "impact payment `price`", "price = \"1500.00\""));
    let threshold = t.get("threshold").map_or(Some(Decimal::ZERO), |v| rate(r, v, "impact payment `threshold`"));
    let additional = match t.get("additional") {
        None => Some(Additional::Fractional),
        Some(a) => {
            choice(r, a, "`additional`", &[("fractional", Additional::Fractional), ("whole", Additional::Whole)])
        }
    };
    let counterfactual = match (t.get("against"), t.get("baseline")) {
        (Some(a), None) => against_control(r, a).map(|()| Counterfactual::Control),
        (None, Some(b)) => rate(r, b, "impact payment `baseline`").map(Counterfactual::Baseline),
        (Some(_), Some(_)) | (None, None) => {
            r.error(t.header_span(r.text), "an impact payment needs exactly one of `against` or `baseline`").help = Some(
                "write against = \"control\" (the records' comparison group) or baseline = \"0.30\" (a rate fixed in the contract)".into(),
            );
            None
        }
    };
    Some(ImpactMeasure::Outcome {
        outcome: outcome?,
        price: price?,
        threshold: threshold?,
        counterfactual: counterfactual?,
        additional: additional?,
    })
}

/// `values`, `share` and the counterfactual (the control arm, or a
/// baseline mean on every value).
fn value_measure(r: &mut Reader, t: Table, vs: &Value, value_ids: &[&str]) -> Option<ImpactMeasure> {
    for key in ["price", "threshold", "additional"] {
        if let Some(k) = t.get(key) {
            r.error(k.span(), format!("`{key}` belongs to an impact payment on an `outcome`")).help = Some(
                "an impact payment on values pays a share of the mean gain: write share = \"0.30\" and leave this key out"
                    .into(),
            );
        }
    }
    if let Some(b) = t.get("baseline") {
        r.error(b.span(), "on `values` a baseline is a mean of each value, written in its entry").help =
            Some("write values = [{ value = \"tax_paid\", sign = 1, baseline = \"2400.00\" }]".into());
    }
    let share = r.required(t, "share", "share = \"0.30\"").and_then(|v| share(r, v));
    let against = t.get("against").and_then(|a| against_control(r, a));
    let items = r.array(vs, "impact payment `values`")?;
    if items.is_empty() {
        r.error(vs.span(), "impact payment `values` is empty").help =
            Some("name at least one value: values = [{ value = \"tax_paid\", sign = 1 }]".into());
        return None;
    }
    let terms: Vec<Option<ValueTerm>> = items.iter().map(|item| term(r, item, value_ids)).collect();
    let terms: Vec<ValueTerm> = terms.into_iter().collect::<Option<_>>()?;
    let with_baseline = terms.iter().filter(|t| t.baseline.is_some()).count();
    let against_control = match (t.get("against").is_some(), with_baseline) {
        (true, 0) => against.map(|()| true)?,
        (false, n) if n == terms.len() => false,
        (true, _) => {
            r.error(
                vs.span(),
                "`against = \"control\"` and a `baseline` on a value cannot both be the counterfactual",
            )
            .help = Some("keep against = \"control\", or leave it out and give every value a baseline".into());
            return None;
        }
        (false, _) => {
            r.error(t.header_span(r.text), "an impact payment on values needs `against = \"control\"` or a `baseline` on every value").help =
                Some("write against = \"control\", or baseline = \"…\" (the mean without the service) in each entry of `values`".into());
            return None;
        }
    };
    Some(ImpactMeasure::Values { terms, share: share?, against_control })
}

/// `{ value = "tax_paid", sign = 1, baseline = "2400.00" }`.
fn term(r: &mut Reader, v: &Value, value_ids: &[&str]) -> Option<ValueTerm> {
    let t = r.table(v, "an entry of `values`")?;
    r.unknown_keys(t, TERM_KEYS);
    let value = r.required(t, "value", "value = \"tax_paid\"").and_then(|x| {
        let id = r.string(x, "`value`")?;
        if value_ids.contains(&id.as_str()) {
            return Some(id);
        }
        let otherwise = if value_ids.is_empty() {
            "declare it first: [[value]] with id, name and rule = '…' returning a number or ()".to_string()
        } else {
            format!("the values are: {}", value_ids.join(", "))
        };
        r.error(x.span(), format!("`value` names `{id}`, which is not a [[value]] of this contract")).help =
            Some(hint(&id, value_ids, &otherwise));
        None
    });
    let sign = r.required(t, "sign", "sign = 1").and_then(|s| {
        let n = r.integer(s, "`sign`", -1)?;
        match n {
            1 => Some(1),
            -1 => Some(-1),
            _ => {
                r.error(s.span(), format!("`sign` is 1 or -1, found {n}")).help = Some(
                    "write sign = 1 when a rise is a gain (tax paid), sign = -1 when a fall is (benefits paid)".into(),
                );
                None
            }
        }
    });
    let baseline = match t.get("baseline") {
        Some(b) => Some(r.decimal(b, "value `baseline`")?),
        None => None,
    };
    Some(ValueTerm { value: value?, sign: sign?, baseline })
}

/// `against = "control"`: the only comparison group the records carry.
fn against_control(r: &mut Reader, v: &Value) -> Option<()> {
    let a = r.string(v, "`against`")?;
    if a == "control" {
        return Some(());
    }
    r.error(v.span(), format!("`against` must be \"control\", found \"{a}\"")).help = Some(
        "write against = \"control\" (records with \"arm\": \"control\"), or baseline = \"…\" for a fixed counterfactual"
            .into(),
    );
    None
}

/// A share of the gain, between 0 and 1.
fn share(r: &mut Reader, v: &Value) -> Option<Decimal> {
    let d = non_negative(r, v, "impact payment `share`", "share = \"0.30\"")?;
    if d > Decimal::ONE {
        r.error(v.span(), format!("impact payment `share` is a share of the gain between 0 and 1, found {d}")).help =
            Some("write a share as a decimal: \"0.30\" for 30 %".into());
        return None;
    }
    Some(d)
}

/// One of the named choices, with the others listed when it is not.
fn choice<T: Copy>(r: &mut Reader, v: &Value, what: &str, options: &[(&str, T)]) -> Option<T> {
    let written = r.string(v, what)?;
    if let Some((_, t)) = options.iter().find(|(name, _)| *name == written) {
        return Some(*t);
    }
    let names: Vec<String> = options.iter().map(|(name, _)| format!("\"{name}\"")).collect();
    r.error(v.span(), format!("{what} must be one of {}, found \"{written}\"", names.join(", "))).help =
        Some(format!("write {} = {}", what.trim_matches('`'), names.join(" or ")));
    None
}
