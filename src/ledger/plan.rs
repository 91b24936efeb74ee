//! What a run pays: the cumulative statement minus what earlier runs paid,
//! line identity by line identity.
//!
//! For each identity the ledger knows what was paid in total and the line
//! as last recorded (or that the records no longer supported it). Against
//! the statement as of the run's date:
//! - a line never paid → a payment of its full amount;
//! - a paid line whose date, tariff, caps or amount changed → an
//!   adjustment of the difference, with old and new values;
//! - a paid line the statement no longer has → offset (`replaced`) when a
//!   higher exclusive outcome took its place, a clawback when the contract
//!   allows one, a review line (amount 0) otherwise;
//! - a line as last recorded → nothing.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::{Entry, EntryKind, LedgerError, Values};
use crate::statement::{describe_held, Ineligible, Line, ReasonCode, Statement, Unpaid};

/// A line identity within one contract: (participant, item, occurrence).
pub(crate) type Key = (String, String, u32);

/// What the ledger holds for one line identity.
#[derive(Debug, Clone, Default)]
pub(crate) struct Paid {
    /// The line as last recorded; `None` once the records stopped
    /// supporting it.
    pub last: Option<Values>,
    pub net: Decimal,
    pub vat: Decimal,
    pub gross: Decimal,
}

/// Sum the entries of earlier runs, in run order, by identity.
pub(crate) fn paid_state<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Result<BTreeMap<Key, Paid>, LedgerError> {
    let mut paid: BTreeMap<Key, Paid> = BTreeMap::new();
    for e in entries {
        let p = paid.entry(key(e)).or_default();
        let add = |a: Decimal, b: Decimal, what| a.checked_add(b).ok_or_else(|| overflow(e, what));
        p.net = add(p.net, e.net, "the net paid so far")?;
        p.vat = add(p.vat, e.vat, "the VAT paid so far")?;
        p.gross = add(p.gross, e.gross, "the gross paid so far")?;
        p.last = e.new.clone();
    }
    Ok(paid)
}

fn key(e: &Entry) -> Key {
    (e.participant.clone(), e.item.clone(), e.occurrence)
}

fn overflow(e: &Entry, what: &'static str) -> LedgerError {
    LedgerError::Overflow {
        contract: e.contract.clone(),
        participant: e.participant.clone(),
        item: e.item.clone(),
        what,
    }
}

/// The entries a run as of the statement's date makes: statement lines in
/// statement order, then paid lines the statement no longer has, by
/// identity. `scale` is the contract's number of decimals: every amount is
/// written with it.
pub(crate) fn entries(
    statement: &Statement,
    paid: &BTreeMap<Key, Paid>,
    clawback: bool,
    scale: u32,
) -> Result<Vec<Entry>, LedgerError> {
    let mut out = Vec::new();
    // The identities paid before that the statement still has; a first
    // run (nothing paid) looks nothing up.
    let mut seen: BTreeSet<&Key> = BTreeSet::new();
    for line in &statement.lines {
        let found = if paid.is_empty() {
            None
        } else {
            paid.get_key_value(&(line.id.participant.to_string(), line.id.item.to_string(), line.id.occurrence))
        };
        if let Some(e) = for_line(statement, line, found.map(|(_, p)| p), scale)? {
            out.push(e);
        }
        seen.extend(found.map(|(k, _)| k));
    }
    for (k, p) in paid {
        if seen.contains(k) {
            continue;
        }
        if let Some(old) = &p.last {
            out.push(gone(statement, k, old, p, clawback, scale));
        }
    }
    Ok(out)
}

fn values(line: &Line) -> Values {
    Values {
        achieved_on: line.achieved_on,
        tariff: line.tariff,
        withheld: line.withheld,
        net: line.net,
        vat: line.vat,
        gross: line.gross,
    }
}

/// The entry for a line the statement has, if it owes anything.
fn for_line(statement: &Statement, line: &Line, paid: Option<&Paid>, scale: u32) -> Result<Option<Entry>, LedgerError> {
    let new = values(line);
    let entry = |kind, reason, old, net, vat, gross| Entry {
        contract: statement.contract.clone(),
        participant: line.id.participant.to_string(),
        item: line.id.item.to_string(),
        occurrence: line.id.occurrence,
        kind,
        reason,
        old,
        new: Some(new.clone()),
        net: on_scale(net, scale),
        vat: on_scale(vat, scale),
        gross: on_scale(gross, scale),
    };
    let Some(paid) = paid else {
        // A fully capped line owes nothing yet; it is paid if caps free up.
        if line.net.is_zero() && line.gross.is_zero() {
            return Ok(None);
        }
        let held = if line.withheld.is_zero() {
            String::new()
        } else {
            let by = describe_held(&line.withheld_by, |d| d.to_string());
            format!(", {} withheld by caps ({by})", line.withheld)
        };
        let reason = format!("achieved on {}; tariff {}{held}; {}", line.achieved_on, line.tariff, cited(line));
        return Ok(Some(entry(EntryKind::Payment, reason, None, line.net, line.vat, line.gross)));
    };
    if paid.last.as_ref() == Some(&new) {
        return Ok(None);
    }
    let overflow = |what| LedgerError::Overflow {
        contract: statement.contract.clone(),
        participant: line.id.participant.to_string(),
        item: line.id.item.to_string(),
        what,
    };
    let net = line.net.checked_sub(paid.net).ok_or_else(|| overflow("the net difference"))?;
    let vat = line.vat.checked_sub(paid.vat).ok_or_else(|| overflow("the VAT difference"))?;
    let gross = line.gross.checked_sub(paid.gross).ok_or_else(|| overflow("the gross difference"))?;
    let reason = match &paid.last {
        Some(old) => format!("{}; {}", changes(old, &new, line), cited(line)),
        None => format!("supported by the records again; {}", cited(line)),
    };
    Ok(Some(entry(EntryKind::Adjustment, reason, paid.last.clone(), net, vat, gross)))
}

/// The rule and clause behind a line, as reasons cite them.
fn cited(line: &Line) -> String {
    match &line.clause {
        Some(clause) => format!("{} ({clause})", line.rule),
        None => line.rule.to_string(),
    }
}

/// What changed between a line as recorded and as it is now.
fn changes(old: &Values, new: &Values, line: &Line) -> String {
    let mut parts = Vec::new();
    if old.achieved_on != new.achieved_on {
        parts.push(format!("achieved_on {} → {}", old.achieved_on, new.achieved_on));
    }
    if old.tariff != new.tariff {
        parts.push(format!("tariff {} → {}", old.tariff, new.tariff));
    }
    if old.withheld != new.withheld {
        let by = if line.withheld_by.is_empty() {
            String::new()
        } else {
            format!(" ({})", describe_held(&line.withheld_by, |d| d.to_string()))
        };
        parts.push(format!("withheld by caps {} → {}{by}", old.withheld, new.withheld));
    }
    if old.net != new.net {
        parts.push(format!("net {} → {}", old.net, new.net));
    }
    if parts.is_empty() {
        parts.push(format!("VAT {} → {}", old.vat, new.vat));
    }
    parts.join("; ")
}

/// The entry for a paid line the statement no longer has.
fn gone(statement: &Statement, k: &Key, old: &Values, paid: &Paid, clawback: bool, scale: u32) -> Entry {
    let (participant, item, occurrence) = k;
    let unpaid = first_unpaid(&statement.unpaid, participant, item);
    let why = match unpaid {
        Some(u) => format!("now {}: {}", u.reason.name(), u.detail),
        None => match first_ineligible(&statement.ineligible, participant) {
            Some(i) => format!("the participant is no longer eligible: {}", i.reason),
            None => "the records no longer hold this line".to_string(),
        },
    };
    let replaced = unpaid.is_some_and(|u| u.reason == ReasonCode::ExcludedBy);
    let (kind, reason, recovered) = if replaced {
        (EntryKind::Replaced, format!("{why}; what was paid is offset against it"), true)
    } else if clawback {
        (EntryKind::Clawback, format!("no longer supported ({why}); recovered: the contract allows a clawback"), true)
    } else {
        (
            EntryKind::Review,
            format!("no longer supported ({why}); review it: the contract does not allow a clawback"),
            false,
        )
    };
    let minus = |d: Decimal| on_scale(if recovered { -d } else { Decimal::ZERO }, scale);
    Entry {
        contract: statement.contract.clone(),
        participant: participant.clone(),
        item: item.clone(),
        occurrence: *occurrence,
        kind,
        reason,
        old: Some(old.clone()),
        new: None,
        net: minus(paid.net),
        vat: minus(paid.vat),
        gross: minus(paid.gross),
    }
}

/// The first reason for `participant` and `item`. Settling sorts the
/// reasons by participant and item first, so this is a binary search: a
/// national run can have thousands of lines gone and millions of reasons.
fn first_unpaid<'a>(unpaid: &'a [Unpaid], participant: &str, item: &str) -> Option<&'a Unpaid> {
    debug_assert!(unpaid.is_sorted());
    let at = unpaid.partition_point(|u| (&*u.participant, &*u.item) < (participant, item));
    unpaid.get(at).filter(|u| &*u.participant == participant && &*u.item == item)
}

/// The first ineligibility of `participant` (settling sorts them by participant).
fn first_ineligible<'a>(ineligible: &'a [Ineligible], participant: &str) -> Option<&'a Ineligible> {
    debug_assert!(ineligible.is_sorted());
    let at = ineligible.partition_point(|i| &*i.participant < participant);
    ineligible.get(at).filter(|i| &*i.participant == participant)
}

/// `d` written with exactly `scale` decimals (amounts are on the contract's
/// scale already, so this only pads: `0` → `0.00`), and zero without a
/// sign: `-0.00` (a recovered zero VAT) would read back as `0.00` and no
/// longer match the run's digest.
pub(crate) fn on_scale(d: Decimal, scale: u32) -> Decimal {
    let mut d = d;
    if d.scale() < scale {
        d.rescale(scale);
    }
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_and_ineligibilities_are_found_in_their_sorted_lists() {
        let reason = |who: &str, item: &str, detail: &str| {
            Unpaid::new(who.into(), item.into(), ReasonCode::NotAchieved, detail.into())
        };
        let mut unpaid = vec![
            reason("P-2", "job", "b"),
            reason("P-1", "job", "x"),
            reason("P-2", "job", "a"),
            reason("P-2", "fee", "c"),
        ];
        unpaid.sort_unstable();
        assert_eq!(first_unpaid(&unpaid, "P-2", "job").map(|u| &*u.detail), Some("a"));
        assert_eq!(first_unpaid(&unpaid, "P-1", "job").map(|u| &*u.detail), Some("x"));
        assert!(first_unpaid(&unpaid, "P-1", "fee").is_none());
        assert!(first_unpaid(&unpaid, "P-3", "job").is_none());
        let gone = |who: &str, why: &str| Ineligible { participant: who.into(), reason: why.into() };
        let mut ineligible = vec![gone("P-1", "age"), gone("P-3", "area"), gone("P-3", "age")];
        ineligible.sort_unstable();
        assert_eq!(first_ineligible(&ineligible, "P-3").map(|i| &*i.reason), Some("age"));
        assert!(first_ineligible(&ineligible, "P-2").is_none());
    }
}
