//! The payment statement (maksuerittely): the data every report renders.
//!
//! A statement is the complete, deterministic result of evaluating one
//! contract over one set of records as of one date. Every line has a stable
//! identity `(contract, participant, item, occurrence)`; every eligible
//! participant who is not paid for an item has a coded reason; totals are
//! sums of the lines, exact to the cent.
//!
//! Texts repeated on many lines (ids, clauses, rule locations, groups) are
//! shared `Arc<str>`s, so a million-line statement does not hold a million
//! copies of the contract id; what lines share beyond their identity and
//! amounts is one shared [`Basis`] (and reasons one [`ItemReason`]), so a
//! line takes 176 bytes instead of 296.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::contract::ItemKind;
use crate::money::Rounding;
use crate::records::hetu::redact;
use crate::records::Text;

// Serialised values from the records are redacted: the records reader
// refuses identity-code-shaped ids, municipalities and groups, and this is
// the last line of defence for every JSON output built from a statement.

fn redacted<S: serde::Serializer>(value: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&redact(value))
}

fn redacted_list<S: serde::Serializer>(values: &[String], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(values.iter().map(|v| redact(v)))
}

fn redacted_keys<K: AsRef<str>, V: Serialize, S: serde::Serializer>(
    map: &BTreeMap<K, V>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(map.iter().map(|(k, v)| (redact(k.as_ref()), v)))
}

/// Stable identity of a statement line, the key a ledger pays against.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct LineId {
    pub contract: Arc<str>,
    /// Participant id; empty for fees not tied to a participant.
    #[serde(serialize_with = "redacted")]
    pub participant: Text,
    pub item: Arc<str>,
    /// 1-based occurrence of a recurring item (1 for one-off items).
    pub occurrence: u32,
}

/// One payable (or fully capped) item: its identity and amounts, and its
/// [`Basis`], which it reads as its own fields (`line.rule`).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub id: LineId,
    /// The day the outcome was achieved or the fee fell due; decides the
    /// billing period and the tariff version.
    pub achieved_on: NaiveDate,
    /// `tariff × multiplier`, rounded: what the line would pay uncapped.
    pub amount: Decimal,
    /// Part of `amount` withheld by caps.
    pub withheld: Decimal,
    /// What each cap withheld, in the order caps apply; the amounts add up
    /// to `withheld`.
    pub withheld_by: Vec<Held>,
    /// `amount − withheld`.
    pub net: Decimal,
    pub vat: Decimal,
    pub gross: Decimal,
    pub basis: Arc<Basis>,
}

/// What a line says about where its amount came from and whom it concerns,
/// beyond its identity: the same on every line of one item for one
/// participant, and on most lines of a run, so a statement keeps each
/// distinct one once (a million-line statement holds a few thousand).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Basis {
    pub kind: ItemKind,
    /// Tariff in force on the line's `achieved_on`.
    pub tariff: Decimal,
    /// Contract clause the tariff comes from.
    pub clause: Option<Arc<str>>,
    /// Decision-table rows that gave the tariff or a factor, e.g.
    /// `job_entry_tariff row 2`.
    pub tables: Arc<[Arc<str>]>,
    /// Combined multiplier (1 when none applies).
    pub multiplier: Decimal,
    /// Ids of the multipliers that applied.
    pub multipliers: Arc<[Arc<str>]>,
    /// Where the rule is: `contracts/x.toml:41 outcome employed_3m`.
    pub rule: Arc<str>,
    pub municipality: Option<Arc<str>>,
    pub groups: Arc<[String]>,
}

impl std::hash::Hash for Basis {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(&self.kind).hash(state);
        self.tariff.hash(state);
        self.clause.hash(state);
        self.tables.hash(state);
        self.multiplier.hash(state);
        self.multipliers.hash(state);
        self.rule.hash(state);
        self.municipality.hash(state);
        self.groups.hash(state);
    }
}

/// Every reader of a line reads the shared fields as the line's own, so
/// none needs to know which fields lines share.
impl std::ops::Deref for Line {
    type Target = Basis;

    fn deref(&self) -> &Basis {
        &self.basis
    }
}

/// The fields in the order statements have always written them, the
/// identity first, values from the records redacted.
impl Serialize for Line {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("contract", &self.id.contract)?;
        m.serialize_entry("participant", &redact(&self.id.participant))?;
        m.serialize_entry("item", &self.id.item)?;
        m.serialize_entry("occurrence", &self.id.occurrence)?;
        m.serialize_entry("kind", &self.kind)?;
        m.serialize_entry("achieved_on", &self.achieved_on)?;
        m.serialize_entry("tariff", &self.tariff)?;
        m.serialize_entry("clause", &self.clause)?;
        m.serialize_entry("tables", &self.tables)?;
        m.serialize_entry("multiplier", &self.multiplier)?;
        m.serialize_entry("multipliers", &self.multipliers)?;
        m.serialize_entry("amount", &self.amount)?;
        m.serialize_entry("withheld", &self.withheld)?;
        m.serialize_entry("withheld_by", &self.withheld_by)?;
        m.serialize_entry("net", &self.net)?;
        m.serialize_entry("vat", &self.vat)?;
        m.serialize_entry("gross", &self.gross)?;
        m.serialize_entry("rule", &self.rule)?;
        m.serialize_entry("municipality", &self.municipality.as_deref().map(redact))?;
        m.serialize_entry("groups", &Redacted(&self.groups))?;
        m.end()
    }
}

/// A list of texts from the records, serialised redacted.
struct Redacted<'a>(&'a [String]);

impl Serialize for Redacted<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        redacted_list(self.0, s)
    }
}

/// A budget ceiling that can withhold part of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cap {
    /// The outcome's `cap_total` over all participants.
    OutcomeTotal,
    /// The contract's per-participant ceiling.
    PerParticipant,
    /// The contract's total ceiling.
    ContractTotal,
    /// The outcome's `cap_per_participant`: its ceiling per participant.
    OutcomePerParticipant,
}

/// `per_participant` for one cap; `outcome_total 200.00; per_participant
/// 300.00` when several withheld, with amounts written by `number`.
pub fn describe_held(held: &[Held], number: impl Fn(Decimal) -> String) -> String {
    match held {
        [one] => one.cap.name().to_string(),
        many => many.iter().map(|h| format!("{} {}", h.cap.name(), number(h.amount))).collect::<Vec<_>>().join("; "),
    }
}

impl Cap {
    pub fn name(self) -> &'static str {
        match self {
            Cap::OutcomeTotal => "outcome_total",
            Cap::PerParticipant => "per_participant",
            Cap::ContractTotal => "contract_total",
            Cap::OutcomePerParticipant => "outcome_per_participant",
        }
    }
}

/// What one cap withheld from a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Held {
    pub cap: Cap,
    pub amount: Decimal,
}

/// Why an eligible participant is not paid for an item.
/// Written as its code (`not_achieved`, …); what a code carries (the day
/// of `not_yet_due`) is in the line's detail.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReasonCode {
    /// The condition did not hold or the rule returned no date.
    NotAchieved,
    /// Not decidable on the as-of date: the rule said `not_yet(on)` (its
    /// measuring day is after the as-of date), so finance can accrue it.
    NotYetDue { on: NaiveDate },
    /// Achieved, but after the as-of date.
    AchievedAfterAsOf,
    /// A required earlier outcome was not achieved.
    Requires,
    /// A mutually exclusive outcome with a higher amount was paid instead.
    ExcludedBy,
    /// No tariff version is in force on the achievement date.
    NoTariff,
    /// More occurrences than `max_per_participant`.
    MaxReached,
    /// Achieved, but caps withheld the whole amount (the line stays on the
    /// statement with what each cap withheld).
    Capped,
}

impl ReasonCode {
    /// The code as written in statements (`not_achieved`, …).
    pub fn name(&self) -> &'static str {
        match self {
            ReasonCode::NotAchieved => "not_achieved",
            ReasonCode::NotYetDue { .. } => "not_yet_due",
            ReasonCode::AchievedAfterAsOf => "achieved_after_as_of",
            ReasonCode::Requires => "requires",
            ReasonCode::ExcludedBy => "excluded_by",
            ReasonCode::NoTariff => "no_tariff",
            ReasonCode::MaxReached => "max_reached",
            ReasonCode::Capped => "capped",
        }
    }
}

impl Serialize for ReasonCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// An item an eligible participant gets nothing for, and why; it reads
/// the [`ItemReason`]'s fields as its own (`u.detail`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unpaid {
    pub participant: Text,
    pub why: Arc<ItemReason>,
}

/// The item and the reason of an [`Unpaid`]: most participants who are not
/// paid share one with many others, so a statement keeps each distinct one
/// once.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemReason {
    pub item: Arc<str>,
    pub reason: ReasonCode,
    /// Human-readable detail, e.g. "requires job_entry".
    pub detail: Arc<str>,
}

impl Unpaid {
    pub fn new(participant: Text, item: Arc<str>, reason: ReasonCode, detail: Arc<str>) -> Self {
        Unpaid { participant, why: Arc::new(ItemReason { item, reason, detail }) }
    }
}

impl std::ops::Deref for Unpaid {
    type Target = ItemReason;

    fn deref(&self) -> &ItemReason {
        &self.why
    }
}

/// As statements have always written it: participant (redacted), item,
/// reason, detail.
impl Serialize for Unpaid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut u = s.serialize_struct("Unpaid", 4)?;
        u.serialize_field("participant", &redact(&self.participant))?;
        u.serialize_field("item", &self.item)?;
        u.serialize_field("reason", &self.reason)?;
        u.serialize_field("detail", &self.detail)?;
        u.end()
    }
}

/// A participant record that did not meet the eligibility rules.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Ineligible {
    #[serde(serialize_with = "redacted")]
    pub participant: Text,
    pub reason: String,
}

/// Net, VAT and gross summed over lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Amounts {
    pub lines: u64,
    pub amount: Decimal,
    pub withheld: Decimal,
    pub net: Decimal,
    pub vat: Decimal,
    pub gross: Decimal,
}

impl Amounts {
    /// Add `l`'s amounts; `None` (and `self` unchanged) when a sum would
    /// not fit in a decimal.
    pub fn add(&mut self, l: &Line) -> Option<()> {
        let sum = Amounts {
            lines: self.lines + 1,
            amount: self.amount.checked_add(l.amount)?,
            withheld: self.withheld.checked_add(l.withheld)?,
            net: self.net.checked_add(l.net)?,
            vat: self.vat.checked_add(l.vat)?,
            gross: self.gross.checked_add(l.gross)?,
        };
        *self = sum;
        Some(())
    }
}

/// Totals of the statement's lines. A participant in several target groups
/// counts in each of them, so group totals can add up to more than overall.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    pub overall: Amounts,
    pub by_item: BTreeMap<Arc<str>, Amounts>,
    #[serde(serialize_with = "redacted_keys")]
    pub by_municipality: BTreeMap<Arc<str>, Amounts>,
    #[serde(serialize_with = "redacted_keys")]
    pub by_group: BTreeMap<Arc<str>, Amounts>,
}

impl Totals {
    /// The totals of `lines`, or the line whose amounts no total can hold.
    /// Each total is the exact sum of its lines' amounts, as adding them in
    /// line order gives it.
    pub fn of(lines: &[Line]) -> Result<Self, &Line> {
        match Self::by_pairs(lines) {
            Some(totals) => Ok(totals),
            None => Self::line_by_line(lines),
        }
    }

    /// Each total added up line by line, in line order: the definition,
    /// which also finds the line no total can hold.
    fn line_by_line(lines: &[Line]) -> Result<Self, &Line> {
        let mut sums = Sums::default();
        let mut overall = Amounts::default();
        for l in lines {
            let mut added = overall.add(l);
            let pair = sums.pair_of(l);
            for at in sums.pairs[pair].clone() {
                let slot = sums.slots[at];
                added = added.and_then(|()| sums.amounts[slot].add(l));
            }
            added.ok_or(l)?;
        }
        Ok(sums.into_totals(overall))
    }

    /// The totals summed once per (basis, item) pair, then per total, in
    /// integers: a quarter of the additions of [`Totals::line_by_line`]
    /// for the same sums, when no amount is negative and every total fits
    /// in a decimal (`None` otherwise). Then every sum in any order is
    /// exact, and so equal to the sum in line order, of the same scale
    /// (the largest of its amounts').
    fn by_pairs(lines: &[Line]) -> Option<Self> {
        let mut sums = Sums::default();
        let mut pairs: Vec<Exact> = Vec::new();
        for l in lines {
            let pair = sums.pair_of(l);
            if pair == pairs.len() {
                pairs.push(Exact::default());
            }
            pairs[pair].add(l)?;
        }
        let mut slots = vec![Exact::default(); sums.amounts.len()];
        let mut overall = Exact::default();
        for (pair, sum) in pairs.iter().enumerate() {
            overall.merge(sum)?;
            for at in sums.pairs[pair].clone() {
                slots[sums.slots[at]].merge(sum)?;
            }
        }
        for (slot, sum) in slots.iter().enumerate() {
            sums.amounts[slot] = sum.amounts()?;
        }
        Some(sums.into_totals(overall.amounts()?))
    }
}

/// Non-negative amounts summed exactly, as integers at the largest scale
/// among them (`Amounts`' five, in order).
#[derive(Debug, Clone, Copy, Default)]
struct Exact {
    lines: u64,
    sums: [(u128, u32); 5],
}

impl Exact {
    fn add(&mut self, l: &Line) -> Option<()> {
        self.lines += 1;
        let amounts = [l.amount, l.withheld, l.net, l.vat, l.gross];
        for (sum, d) in self.sums.iter_mut().zip(amounts) {
            if d.is_sign_negative() {
                return None;
            }
            *sum = add_scaled(*sum, (d.mantissa() as u128, d.scale()))?;
        }
        Some(())
    }

    fn merge(&mut self, other: &Exact) -> Option<()> {
        self.lines += other.lines;
        for (sum, more) in self.sums.iter_mut().zip(other.sums) {
            *sum = add_scaled(*sum, more)?;
        }
        Some(())
    }

    /// As decimals, when every sum fits in one.
    fn amounts(&self) -> Option<Amounts> {
        let [amount, withheld, net, vat, gross] =
            self.sums.map(|(sum, scale)| (sum < 1 << 96).then(|| Decimal::from_i128_with_scale(sum as i128, scale)));
        Some(Amounts { lines: self.lines, amount: amount?, withheld: withheld?, net: net?, vat: vat?, gross: gross? })
    }
}

/// `a + b`, each an integer at a scale (value × 10^scale), at the larger
/// of the two scales; `None` past what a `u128` holds.
fn add_scaled((a, a_scale): (u128, u32), (b, b_scale): (u128, u32)) -> Option<(u128, u32)> {
    // Most amounts of a run share one scale: no power of ten to multiply by.
    if a_scale == b_scale {
        return Some((a.checked_add(b)?, a_scale));
    }
    let scale = a_scale.max(b_scale);
    let up = |n: u128, from: u32| n.checked_mul(10u128.checked_pow(scale - from)?);
    Some((up(a, a_scale)?.checked_add(up(b, b_scale)?)?, scale))
}

/// The running totals of [`Totals::of`] by item, municipality and group,
/// each in a slot of `amounts`. Which slots a line adds to is found once
/// per (basis, item) pair — a million lines share a few thousand — instead
/// of looking each key up in a map at every line.
#[derive(Default)]
struct Sums {
    amounts: Vec<Amounts>,
    items: BTreeMap<Arc<str>, usize>,
    municipalities: BTreeMap<Arc<str>, usize>,
    groups: BTreeMap<Arc<str>, usize>,
    /// The number of each (basis, item) pair, by the addresses of a line's
    /// basis and item id, which stay put while the lines are borrowed:
    /// equal texts at other addresses only find the same slots again.
    /// Only looked up, never iterated.
    known: foldhash::HashMap<(*const Basis, *const u8), usize>,
    /// Where the slots of each pair are in `slots`.
    pairs: Vec<std::ops::Range<usize>>,
    slots: Vec<usize>,
}

impl Sums {
    /// The number of `l`'s (basis, item) pair, whose slots are, in the
    /// order the totals were always added: item, municipality (not for
    /// fees and impact payments), groups.
    fn pair_of(&mut self, l: &Line) -> usize {
        let key = (Arc::as_ptr(&l.basis), l.id.item.as_ptr());
        if let Some(known) = self.known.get(&key) {
            return *known;
        }
        let start = self.slots.len();
        let item = slot(&mut self.items, &mut self.amounts, &l.id.item);
        self.slots.push(item);
        if !matches!(l.kind, ItemKind::FixedFee | ItemKind::Impact) {
            let municipality = l.municipality.as_deref().unwrap_or("(unknown)");
            let municipality = slot(&mut self.municipalities, &mut self.amounts, municipality);
            self.slots.push(municipality);
        }
        for g in l.groups.iter() {
            let group = slot(&mut self.groups, &mut self.amounts, g);
            self.slots.push(group);
        }
        self.pairs.push(start..self.slots.len());
        self.known.insert(key, self.pairs.len() - 1);
        self.pairs.len() - 1
    }

    fn into_totals(self, overall: Amounts) -> Totals {
        let amounts = self.amounts;
        let total = |keys: BTreeMap<Arc<str>, usize>| keys.into_iter().map(|(k, slot)| (k, amounts[slot])).collect();
        Totals {
            overall,
            by_item: total(self.items),
            by_municipality: total(self.municipalities),
            by_group: total(self.groups),
        }
    }
}

/// The slot of `key`'s total, a new one the first time.
fn slot(keys: &mut BTreeMap<Arc<str>, usize>, amounts: &mut Vec<Amounts>, key: &str) -> usize {
    if let Some(slot) = keys.get(key) {
        return *slot;
    }
    amounts.push(Amounts::default());
    keys.insert(Arc::from(key), amounts.len() - 1);
    amounts.len() - 1
}

/// How many records the run read and what became of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub records_read: u64,
    pub participants: u64,
    pub control: u64,
    pub other_contract: u64,
    /// The contract ids of those records, with their counts.
    #[serde(serialize_with = "redacted_keys")]
    pub other_contracts: BTreeMap<String, u64>,
    pub eligible: u64,
    pub ineligible: u64,
    /// Eligible participants with at least one line in the statement.
    pub paid: u64,
}

/// Fingerprints of everything the statement was computed from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Inputs {
    /// File names are whatever the user named the files: redacted too.
    #[serde(serialize_with = "redacted")]
    pub contract_file: String,
    pub contract_sha256: String,
    /// Rule libraries by name → sha256.
    #[serde(serialize_with = "redacted_keys")]
    pub libraries: BTreeMap<String, String>,
    /// Record files by name → sha256.
    #[serde(serialize_with = "redacted_keys")]
    pub records: BTreeMap<String, String>,
    /// The contract's own version label (`[contract] version`), if any.
    pub contract_version: Option<String>,
    /// The version of tulos that computed the result ([`TULOS_VERSION`]).
    pub tulos_version: String,
}

/// This build's version, recorded with every statement and payment run.
pub const TULOS_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The billing period a statement lists, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The complete result of one payment calculation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    pub contract: String,
    pub title_fi: String,
    pub title_en: String,
    pub buyer: String,
    pub provider: String,
    pub currency: String,
    pub vat_percent: Decimal,
    pub rounding: Rounding,
    pub as_of: NaiveDate,
    /// When set, `lines` holds only lines achieved within it; caps were
    /// still applied in order over everything achieved up to `as_of`.
    pub period: Option<Period>,
    pub inputs: Inputs,
    pub counts: Counts,
    pub lines: Vec<Line>,
    pub unpaid: Vec<Unpaid>,
    pub ineligible: Vec<Ineligible>,
    pub totals: Totals,
    /// How each impact payment line was computed, in line order; left out
    /// of JSON when the contract has none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub impact_payments: Vec<ImpactComputation>,
}

/// The whole computation behind an impact payment line (item = its id).
/// Rates, means, differences and bounds are shown with
/// [`IMPACT_DECIMALS`] decimals; the amount was computed exactly and
/// rounded once with the contract's rounding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImpactComputation {
    pub item: Arc<str>,
    pub name_fi: String,
    pub name_en: String,
    /// The formula in words, e.g. `price × max(0, rate_T − rate_C − threshold) × N_T`.
    pub formula: String,
    /// `control` or `baseline`.
    pub against: &'static str,
    /// `estimate` or `lower_bound`.
    pub pay_on: &'static str,
    /// The outcome (per additional outcome) or `None` (on values).
    pub outcome: Option<String>,
    pub participants: ImpactArm,
    /// The control arm; `None` against a baseline.
    pub control: Option<ImpactArm>,
    /// Per value, on values; empty per additional outcome.
    pub values: Vec<ImpactValue>,
    /// The baseline rate, or Σ sign·baseline on values.
    pub baseline: Option<Decimal>,
    /// Estimated difference: rate points, or the mean net gain per participant.
    pub difference: Option<Decimal>,
    /// Its 95 % interval (Newcombe, Wilson, Welch or t, named in `interval_method`).
    pub interval: Option<ImpactInterval>,
    pub interval_method: Option<&'static str>,
    pub threshold: Option<Decimal>,
    pub price: Option<Decimal>,
    pub share: Option<Decimal>,
    /// `fractional` or `whole` (per additional outcome).
    pub additional_counted: Option<&'static str>,
    /// The difference paid on: the estimate, or the lower bound truncated to
    /// [`IMPACT_DECIMALS`] decimals.
    pub paid_on: Option<Decimal>,
    /// Additional outcomes paid for (per additional outcome).
    pub additional: Option<Decimal>,
    /// Before caps; the line shows what caps withheld.
    pub amount: Decimal,
    /// Why the amount is 0.00, when it is.
    pub reason: Option<String>,
    /// Set when records carried weights: impact payments count every record once.
    pub weights: Option<&'static str>,
}

/// Decimals of the rates, means, differences and bounds an impact
/// computation shows (and of a lower bound it pays on).
pub const IMPACT_DECIMALS: u32 = 6;

/// One arm of an impact payment: eligible records, and how many achieved
/// the outcome or had every value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImpactArm {
    /// Eligible records.
    pub eligible: u64,
    /// N of the formula: eligible records (per outcome) or those with every value.
    pub n: u64,
    /// Achieved the outcome (per additional outcome).
    pub count: Option<u64>,
    pub rate: Option<Decimal>,
    /// Records missing at least one value (on values).
    pub missing: Option<u64>,
    /// Mean of Σ sign·value over the `n` records (on values).
    pub mean: Option<Decimal>,
}

/// One value of an impact payment on values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImpactValue {
    pub value: String,
    pub sign: i8,
    /// Means over the records with every value.
    pub participants_mean: Option<Decimal>,
    pub control_mean: Option<Decimal>,
    pub baseline: Option<Decimal>,
    /// Records for which this value's rule gave `()`.
    pub participants_missing: u64,
    pub control_missing: Option<u64>,
}

/// A 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImpactInterval {
    pub low: Decimal,
    pub high: Decimal,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A national run holds millions of lines and reasons at once: what
    /// lines and reasons share must stay behind their one `Arc`. The
    /// participant id is each one's own, kept inline (up to 24 bytes).
    #[test]
    fn a_line_and_a_reason_stay_small() {
        assert!(std::mem::size_of::<Line>() <= 184, "{}", std::mem::size_of::<Line>());
        assert!(std::mem::size_of::<Unpaid>() <= 32, "{}", std::mem::size_of::<Unpaid>());
    }

    use proptest::prelude::*;

    /// Lines' five amounts: decimals of scale 0 to 4 below `2^bits`, one
    /// in twenty negative when `negative`. At 90 bits and over, sums
    /// near or past what a decimal holds.
    fn amounts(bits: u32, negative: bool) -> impl Strategy<Value = Vec<[Decimal; 5]>> {
        let amount = (0i128..(1i128 << bits), 0u32..5, prop::bool::weighted(if negative { 0.05 } else { 0.0 }))
            .prop_map(|(m, scale, negative)| Decimal::from_i128_with_scale(if negative { -m } else { m }, scale));
        proptest::collection::vec([amount.clone(), amount.clone(), amount.clone(), amount.clone(), amount], 0..40)
    }

    /// Lines of three items over two bases (municipalities and groups),
    /// with the given amounts.
    fn lines(amounts: Vec<[Decimal; 5]>) -> Vec<Line> {
        let basis = |municipality: &str, groups: &[&str]| {
            Arc::new(Basis {
                kind: ItemKind::Outcome,
                tariff: Decimal::ONE,
                clause: None,
                tables: Arc::from([]),
                multiplier: Decimal::ONE,
                multipliers: Arc::from([]),
                rule: Arc::from("r"),
                municipality: Some(Arc::from(municipality)),
                groups: groups.iter().map(|g| g.to_string()).collect(),
            })
        };
        let bases = [basis("091", &["youth"]), basis("179", &["youth", "immigrant"])];
        let items: [Arc<str>; 3] = [Arc::from("a"), Arc::from("b"), Arc::from("c")];
        amounts
            .into_iter()
            .enumerate()
            .map(|(n, [amount, withheld, net, vat, gross])| Line {
                id: LineId {
                    contract: Arc::from("C"),
                    participant: format!("p{n}").into(),
                    item: items[n % 3].clone(),
                    occurrence: 1,
                },
                achieved_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                amount,
                withheld,
                withheld_by: Vec::new(),
                net,
                vat,
                gross,
                basis: bases[n % 2].clone(),
            })
            .collect()
    }

    /// Every figure of the totals as it renders: equal decimals of
    /// different scales render differently.
    fn rendered(totals: &Totals) -> String {
        serde_json::to_string(totals).unwrap()
    }

    proptest! {
        #[test]
        fn totals_by_pairs_are_the_totals_line_by_line(
            amounts in (prop_oneof![Just(16u32), Just(64), Just(90), Just(96)], any::<bool>())
                .prop_flat_map(|(bits, negative)| amounts(bits, negative)),
        ) {
            let lines = lines(amounts);
            let by_pairs = Totals::by_pairs(&lines);
            let line_by_line = Totals::line_by_line(&lines);
            if let Some(by_pairs) = &by_pairs {
                let line_by_line = line_by_line.as_ref().expect("no total overflows when the exact sums fit");
                prop_assert_eq!(rendered(by_pairs), rendered(line_by_line));
            }
            let usual = lines.iter().all(|l| {
                [l.amount, l.withheld, l.net, l.vat, l.gross].iter().all(|d| !d.is_sign_negative() && d.mantissa() < 100_000)
            });
            prop_assert!(!usual || by_pairs.is_some(), "small non-negative amounts are summed by pairs");
            prop_assert_eq!(Totals::of(&lines).map(|t| rendered(&t)), line_by_line.map(|t| rendered(&t)));
        }
    }
}
