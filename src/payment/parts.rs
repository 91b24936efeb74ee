//! The parts of statement lines and reasons that one thread makes over and
//! over: a line's [`Basis`], and a reason's [`ItemReason`] with its item id.
//! (A pending line names its contract and item by position; settling
//! completes its identity.)
//!
//! A million records give millions of lines and reasons but a few
//! thousand distinct bases and reasons. Made anew for each record, every
//! one cost allocations that the settling thread then hashed, compared and
//! freed — a free on another thread than the one that allocated is several
//! times dearer — and each line's copy of an id shared by all workers
//! counted a reference on one cache line that bounced between the cores.
//! A thread that evaluates records keeps one [`Parts`] for all of them:
//! each part is made once per thread, with ids of its own, and reused
//! wherever it is exactly what would have been made (the same texts, and
//! decimals of the same scale, so that every report renders it alike).

use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};
use rust_decimal::Decimal;

use crate::contract::ItemKind;
use crate::records::Text;
use crate::statement::{Basis, ItemReason, ReasonCode};

/// What one thread has made of lines and reasons so far (see the module
/// doc). Only a cache: the lines and reasons are the same with a new one
/// for every record.
pub struct Parts {
    /// Whose parts these are ([`Parts::is_for`]).
    contract_id: Arc<str>,
    /// One per item of the contract, by position, for reasons.
    item_ids: Vec<Arc<str>>,
    /// By the hash of what they are made of; equal hashes are told apart
    /// by comparing.
    bases: HashMap<u64, Vec<Arc<Basis>>>,
    reasons: HashMap<u64, Vec<Arc<ItemReason>>>,
    hasher: foldhash::fast::FixedState,
}

/// What a line's basis is made of, as the evaluation has it.
pub(super) struct BasisOf<'a> {
    pub kind: ItemKind,
    pub tariff: Decimal,
    pub clause: &'a Option<Arc<str>>,
    pub tables: &'a [Arc<str>],
    pub multiplier: Decimal,
    pub multipliers: &'a [&'a str],
    pub rule: &'a Arc<str>,
    pub municipality: Option<&'a str>,
    pub groups: &'a [Text],
}

impl Parts {
    /// Parts for the contract `contract_id` with items `item_ids`, the ids
    /// copied so that no other thread counts references to them.
    pub(super) fn new(contract_id: &str, item_ids: impl IntoIterator<Item = impl AsRef<str>>) -> Self {
        Parts {
            contract_id: Arc::from(contract_id),
            item_ids: item_ids.into_iter().map(|id| Arc::from(id.as_ref())).collect(),
            bases: HashMap::new(),
            reasons: HashMap::new(),
            hasher: foldhash::fast::FixedState::default(),
        }
    }

    /// Whether these are parts for the contract `contract_id` with `items`
    /// items (a guard against mixing evaluators' parts).
    pub(super) fn is_for(&self, contract_id: &str, items: usize) -> bool {
        &*self.contract_id == contract_id && self.item_ids.len() == items
    }

    /// The basis made of `of`: the one made before, or a new one.
    pub(super) fn basis(&mut self, of: BasisOf<'_>) -> Arc<Basis> {
        // The rule and clause are the evaluator's own, shared by every
        // line of their item: their addresses are hashed, not their texts
        // (another copy of a text is only another entry, still exact).
        let hash = {
            let mut h = self.hasher.build_hasher();
            h.write_usize(address(Some(of.rule)));
            h.write_usize(address(of.clause.as_ref()));
            h.write(&of.tariff.serialize());
            h.write(&of.multiplier.serialize());
            of.tables.hash(&mut h);
            of.multipliers.hash(&mut h);
            of.municipality.hash(&mut h);
            of.groups.hash(&mut h);
            h.finish()
        };
        let made = self.bases.entry(hash).or_default();
        if let Some(same) = made.iter().find(|b| is_made_of(b, &of)) {
            return same.clone();
        }
        let basis = Arc::new(Basis {
            kind: of.kind,
            tariff: of.tariff,
            clause: of.clause.clone(),
            tables: of.tables.into(),
            multiplier: of.multiplier,
            multipliers: of.multipliers.iter().map(|m| Arc::from(*m)).collect(),
            rule: of.rule.clone(),
            municipality: of.municipality.map(Arc::from),
            groups: of.groups.iter().map(Text::to_string).collect(),
        });
        made.push(basis.clone());
        basis
    }

    /// The reason `reason` with `detail` for the item at `index`: the one
    /// made before, or a new one.
    pub(super) fn reason(&mut self, index: usize, reason: ReasonCode, detail: &str) -> Arc<ItemReason> {
        let hash = self.hasher.hash_one((index, &reason, detail));
        let made = self.reasons.entry(hash).or_default();
        let item = &self.item_ids[index];
        if let Some(same) = made.iter().find(|r| r.item == *item && r.reason == reason && &*r.detail == detail) {
            return same.clone();
        }
        let why = Arc::new(ItemReason { item: item.clone(), reason, detail: Arc::from(detail) });
        made.push(why.clone());
        why
    }
}

/// Where a shared text is, 0 for none.
fn address(text: Option<&Arc<str>>) -> usize {
    text.map_or(0, |t| Arc::as_ptr(t).cast::<u8>() as usize)
}

/// Whether `basis` is exactly what `of` makes: decimals are compared with
/// their scale, as `1.0` and `1.00` render differently.
fn is_made_of(basis: &Basis, of: &BasisOf<'_>) -> bool {
    basis.rule == *of.rule
        && basis.kind == of.kind
        && basis.tariff.serialize() == of.tariff.serialize()
        && basis.multiplier.serialize() == of.multiplier.serialize()
        && basis.clause == *of.clause
        && *basis.tables == *of.tables
        && basis.multipliers.iter().map(|m| &**m).eq(of.multipliers.iter().copied())
        && basis.municipality.as_deref() == of.municipality
        && basis.groups.iter().map(String::as_str).eq(of.groups.iter().map(Text::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of<'a>(tariff: &str, rule: &'a Arc<str>, clause: &'a Option<Arc<str>>, groups: &'a [Text]) -> BasisOf<'a> {
        BasisOf {
            kind: ItemKind::Outcome,
            tariff: tariff.parse().unwrap(),
            clause,
            tables: &[],
            multiplier: Decimal::ONE,
            multipliers: &[],
            rule,
            municipality: Some("Laukaa"),
            groups,
        }
    }

    #[test]
    fn a_basis_is_made_once_and_reused_only_when_identical() {
        let mut parts = Parts::new("C-1", ["job"]);
        let (rule, clause) = (Arc::from("contract.toml:9 outcome job"), Some(Arc::from("§ 5")));
        let groups = [Text::from("youth")];
        let first = parts.basis(of("100.00", &rule, &clause, &groups));
        let again = parts.basis(of("100.00", &rule, &clause, &groups));
        assert!(Arc::ptr_eq(&first, &again));
        // Equal as numbers, but rendered differently: a basis of its own.
        let scaled = parts.basis(of("100.0", &rule, &clause, &groups));
        assert!(!Arc::ptr_eq(&first, &scaled));
        assert_eq!(scaled.tariff.to_string(), "100.0");
        let other_groups = [Text::from("youth"), Text::from("immigrant")];
        let grouped = parts.basis(of("100.00", &rule, &clause, &other_groups));
        assert!(grouped.groups.iter().map(String::as_str).eq(other_groups.iter().map(Text::as_str)));
        let unclaused = parts.basis(of("100.00", &rule, &None, &groups));
        assert_eq!(unclaused.clause, None);
        assert_eq!(*first, Basis { clause: Some("§ 5".into()), ..(*unclaused).clone() });
    }

    #[test]
    fn a_reason_is_made_once_per_item_code_and_detail() {
        let mut parts = Parts::new("C-1", ["job", "study"]);
        let a = parts.reason(0, ReasonCode::NotAchieved, "not achieved");
        assert!(Arc::ptr_eq(&a, &parts.reason(0, ReasonCode::NotAchieved, "not achieved")));
        let b = parts.reason(1, ReasonCode::NotAchieved, "not achieved");
        assert_eq!(&*b.item, "study");
        let c = parts.reason(0, ReasonCode::Requires, "not achieved");
        let d = parts.reason(0, ReasonCode::NotAchieved, "requires job");
        assert!([&b, &c, &d].iter().all(|r| !Arc::ptr_eq(r, &a)));
        assert_eq!(&*d.detail, "requires job");
        assert!(parts.is_for("C-1", 2) && !parts.is_for("C-2", 2));
    }
}
