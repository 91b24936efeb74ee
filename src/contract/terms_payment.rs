//! Payment terms added to the language for issue 9: caps per item per
//! participant and items outside the participant cap, the exclusivity
//! policy, dated VAT, pro-rated monthly fees, occurrence limits from data,
//! and tariffs and factors computed by a rule (`{ rule = '…' }`).
//!
//! A child module of `parse`, so it shares its readers of amounts, rules,
//! tables and dated versions.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use toml::de::DeValue;

use super::read::{Reader, Table, Value};
use super::{bounded, cap, rule, table_ref, timeline};
use crate::contract::{ExclusivePolicy, Occurrences, Prorate, RuleText, Timeline};

/// Outcome keys this module reads (beside `parse::OUTCOME_KEYS`).
pub(crate) const OUTCOME_KEYS: [&str; 2] = ["cap_per_participant", "in_participant_cap"];

/// Keys of a `{ rule = '…' }` amount.
pub(crate) const RULE_REF_KEYS: &[&str] = &["rule"];

/// `Some(…)` when `v` is a `{ rule = '…' }` (its inner `None` when
/// malformed); `None` when `v` is something else.
pub(super) fn rule_ref(r: &mut Reader, v: &Value, what: &str) -> Option<Option<RuleText>> {
    let DeValue::Table(entries) = v.get_ref() else { return None };
    let t = Table::new(entries, v.span(), what);
    let text = t.get("rule")?;
    r.unknown_keys(t, RULE_REF_KEYS);
    if matches!(text.get_ref(), DeValue::String(s) if s.trim().is_empty()) {
        r.error(text.span(), format!("{what} `rule` is empty")).help =
            Some("write a rule returning a number, e.g. { rule = 'p.attr(\"points_gained\") * 50' }".into());
        return Some(None);
    }
    Some(rule(r, text, &format!("{what} `rule`")))
}

/// An outcome's `cap_per_participant` and `in_participant_cap`.
pub(super) fn item_caps(r: &mut Reader, t: Table) -> (Option<Decimal>, bool) {
    let per_participant = t.get("cap_per_participant").and_then(|v| cap(r, v, "`cap_per_participant`"));
    let inside = t.get("in_participant_cap").and_then(|v| r.boolean(v, "`in_participant_cap`")).unwrap_or(true);
    (per_participant, inside)
}

/// `max_per_participant`: a whole number 1–1000, `{ table = "NAME" }` or
/// `{ rule = '…' }` (read per participant; the number is then unused).
pub(super) fn occurrences(r: &mut Reader, t: Table) -> Option<(u32, Option<Occurrences>)> {
    let Some(v) = t.get("max_per_participant") else { return Some((1, None)) };
    if let Some(reference) = table_ref(r, v, "`max_per_participant`") {
        return reference.map(|t| (1, Some(Occurrences::Table(t))));
    }
    if let Some(text) = rule_ref(r, v, "`max_per_participant`") {
        return text.map(|t| (1, Some(Occurrences::Rule(t))));
    }
    if matches!(v.get_ref(), DeValue::Table(_)) {
        r.error(v.span(), "`max_per_participant` must be a whole number, a table or a rule").help =
            Some("write max_per_participant = 13, = { table = \"NAME\", output = \"…\" } or = { rule = '…' }".into());
        return None;
    }
    bounded(r, v, "`max_per_participant`", 1, 1000).map(|n| (n, None))
}

/// `[[exclusive]] policy`: `"highest"` (default) or `"earliest"`.
pub(super) fn exclusive_policy(r: &mut Reader, t: Table) -> Option<ExclusivePolicy> {
    let Some(v) = t.get("policy") else { return Some(ExclusivePolicy::Highest) };
    match r.string(v, "exclusive `policy`")?.as_str() {
        "highest" => Some(ExclusivePolicy::Highest),
        "earliest" => Some(ExclusivePolicy::Earliest),
        other => {
            let hint = crate::diagnostic::closest(other, &["highest", "earliest"])
                .map(|k| format!("did you mean \"{k}\"? "))
                .unwrap_or_default();
            r.error(v.span(), format!("exclusive `policy` must be \"highest\" or \"earliest\", found \"{other}\"")).help =
                Some(format!(
                    "{hint}write policy = \"highest\" (the largest amount is paid) or \"earliest\" (the first outcome achieved)"
                ));
            None
        }
    }
}

/// `[[fixed_fee]] prorate`: `"calendar_days"` pays part months by days;
/// only a monthly fee has part months.
pub(super) fn prorate(r: &mut Reader, t: Table, monthly: bool) -> Option<Prorate> {
    let Some(v) = t.get("prorate") else { return Some(Prorate::Whole) };
    let written = r.string(v, "fixed fee `prorate`")?;
    match written.as_str() {
        "calendar_days" if monthly => Some(Prorate::CalendarDays),
        "calendar_days" => {
            r.error(v.span(), "`prorate` applies only to a monthly fee, but this fee is paid once").help =
                Some("leave `prorate` out, or write every = \"month\"".into());
            None
        }
        other => {
            r.error(v.span(), format!("fixed fee `prorate` must be \"calendar_days\", found \"{other}\"")).help =
                Some("write prorate = \"calendar_days\" to pay a part month by its days, or leave it out for whole months only".into());
            None
        }
    }
}

/// `vat_percent`: a rate, or dated versions `[{ from, value }, …]`. Gives
/// the header rate (the one in force on `valid_from`, else the first
/// version's) and the versions when dated.
pub(super) fn vat(
    r: &mut Reader,
    head: Table,
    valid_from: Option<NaiveDate>,
) -> Option<(Decimal, Option<Timeline<Decimal>>)> {
    let Some(v) = head.get("vat_percent") else { return Some((Decimal::ZERO, None)) };
    let dated = matches!(v.get_ref(), DeValue::Array(_));
    let versions = timeline(r, v, "`vat_percent`", "value", None, vat_rate)?;
    if !dated {
        return Some((versions.versions.first()?.value, None));
    }
    let first = versions.versions.first();
    let Some(first) = first else {
        r.error(v.span(), "`vat_percent` lists no versions").help =
            Some("write vat_percent = \"25.5\" or [{ from = 2024-01-01, value = \"24\" }, …]".into());
        return None;
    };
    let header = valid_from.and_then(|d| versions.on(d)).unwrap_or(first).value;
    Some((header, Some(versions)))
}

/// One VAT rate, 0–100 percent.
fn vat_rate(r: &mut Reader, v: &Value) -> Option<Decimal> {
    let p = r.decimal(v, "`vat_percent`")?;
    if p < Decimal::ZERO || p > Decimal::ONE_HUNDRED {
        r.error(v.span(), format!("`vat_percent` must be between 0 and 100, found {p}")).help =
            Some("write the rate in percent, e.g. vat_percent = \"25.5\"".into());
        return None;
    }
    Some(p)
}
