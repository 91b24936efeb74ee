//! Phase 2: fixed fees, ordering, caps, VAT, period selection, totals.
//!
//! Caps bind on each line, in line order, in this order: the outcome's
//! `cap_per_participant`, its `cap_total`, `[caps] per_participant` (not
//! for outcomes with `in_participant_cap = false`, fees or impact
//! payments), then `contract_total`; each withholds only what exceeds its
//! room after the caps before it, and is listed in `withheld_by` with that
//! part. VAT uses the rate in force on the line's date.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use rust_decimal::Decimal;

use super::evaluate::{Pending, RecordOutcome};
use super::order::{day_numbers, grouped_by_day, order_by, permute, permute_by, ranks};
use super::{Request, Threads};
use crate::calendar::{add_months, month_end, month_start};
use crate::contract::{Contract, Every, FixedFee, ItemKind, Prorate};
use crate::money::{Rounding, RoundingMode};
use crate::records::hetu::redact;
use crate::records::Text;
use crate::statement::{
    describe_held, Basis, Cap, Counts, Held, ImpactComputation, Ineligible, Inputs, ItemReason, Line, LineId,
    ReasonCode, Statement, Totals, Unpaid,
};

/// Why the evaluated lines cannot be settled into a statement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettleError {
    /// Two lines with one identity would pay the same thing twice.
    #[error(
        "participant {}: two statement lines are `{item}` occurrence {occurrence} ({rule}); the participant would be \
         paid twice — each participant must appear once in the records",
        who(.participant)
    )]
    DuplicateLine { participant: Text, item: Arc<str>, occurrence: u32, rule: Arc<str> },
    /// A sum or product of money is beyond what an exact decimal holds.
    #[error(
        "participant {}: `{item}` ({rule}): {what} is too large to compute exactly; check the tariffs, factors and \
         caps of the contract",
        who(.participant)
    )]
    Overflow { participant: Text, item: Arc<str>, rule: Arc<str>, what: &'static str },
    /// Dated VAT rates leave a line's date uncovered.
    #[error(
        "participant {}: `{item}` ({rule}) is dated {date}, but no `vat_percent` version is in force that day \
         (versions: {versions}); add a version from {date} or earlier under [contract] vat_percent",
        who(.participant)
    )]
    NoVatRate { participant: Text, item: Arc<str>, rule: Arc<str>, date: NaiveDate, versions: String },
}

impl SettleError {
    fn overflow(line: &Line, what: &'static str) -> Self {
        SettleError::Overflow {
            participant: line.id.participant.clone(),
            item: line.id.item.clone(),
            rule: line.rule.clone(),
            what,
        }
    }
}

/// A participant id as messages show it: redacted, `(contract)` for fees.
fn who(participant: &str) -> String {
    if participant.is_empty() {
        "(contract)".into()
    } else {
        redact(participant)
    }
}

/// What phase 1 has produced so far, accumulated as records stream by.
#[derive(Debug, Default)]
pub struct Settlement {
    pub counts: Counts,
    lines: Chunks<Pending>,
    unpaid: Chunks<Unpaid>,
    /// The participant number of each reason in `unpaid` (see `who`).
    unpaid_who: Chunks<u32>,
    /// The ids of participants with lines or reasons, numbered from 1 in
    /// input order: participant `n` is `who[n - 1]` (0 is the contract).
    who: Chunks<Text>,
    /// Whether some record gave two lines of one item and occurrence.
    repeated_line: bool,
    ineligible: Vec<Ineligible>,
    /// The impact payments' computations, one per impact line in `lines`.
    impact: Vec<ImpactComputation>,
    shared: Shared,
}

/// A list that grows by whole chunks and is moved into one list of exactly
/// its length when it is complete. A `Vec` growing to millions of lines
/// holds its old and its new buffer at once each time it doubles (the
/// allocator copies into fresh pages), and keeps up to half of its last
/// buffer unused: chunks bound the peak by the final list plus one chunk,
/// when the allocator returns freed memory at once (the binary sets
/// mimalloc so).
#[derive(Debug)]
struct Chunks<T> {
    full: Vec<Vec<T>>,
    last: Vec<T>,
}

/// Bytes per chunk: few chunks, and little beside the final list.
const CHUNK_BYTES: usize = 4 << 20;

impl<T> Default for Chunks<T> {
    fn default() -> Self {
        Chunks { full: Vec::new(), last: Vec::new() }
    }
}

impl<T> Chunks<T> {
    /// Items per chunk.
    const ITEMS: usize = CHUNK_BYTES / std::mem::size_of::<T>();

    fn push(&mut self, item: T) {
        if self.last.len() == Self::ITEMS {
            let full = std::mem::replace(&mut self.last, Vec::with_capacity(Self::ITEMS));
            self.full.push(full);
        } else if self.last.capacity() == 0 {
            self.last.reserve_exact(Self::ITEMS);
        }
        self.last.push(item);
    }

    fn len(&self) -> usize {
        self.full.len() * Self::ITEMS + self.last.len()
    }

    fn last(&self) -> Option<&T> {
        self.last.last().or_else(|| self.full.last().and_then(|f| f.last()))
    }

    /// The item at `index` (less than `len`).
    fn get(&self, index: usize) -> &T {
        let (chunk, at) = (index / Self::ITEMS, index % Self::ITEMS);
        &self.full.get(chunk).unwrap_or(&self.last)[at]
    }

    fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.full.iter_mut().chain([&mut self.last]).flatten()
    }

    /// The chunks in order, each to be freed once its items are moved.
    fn into_chunks(self) -> impl Iterator<Item = Vec<T>> {
        self.full.into_iter().chain([self.last])
    }

    /// All items in order, in a list with room for exactly `more` besides,
    /// each chunk freed as soon as it is moved.
    fn into_vec(self, more: usize) -> Vec<T> {
        let mut all = Vec::with_capacity(self.len() + more);
        for chunk in self.full.into_iter().chain([self.last]) {
            all.extend(chunk);
        }
        all
    }
}

/// Texts that many lines repeat — a line's whole [`Basis`], and the
/// municipalities, groups, multiplier and table lists in it, reasons —
/// kept once each: a national run has millions of lines but only a few
/// thousand distinct values, and each evaluating thread brings its own
/// copies (an evaluation without a thread's [`super::Parts`], one per
/// record). Only looked up, never iterated, so the hasher's seed cannot
/// reach the output.
///
/// A thread that evaluates records hands out the same few bases and
/// reasons over and over ([`super::Parts`]), so each address seen is
/// remembered with what was decided for it, and most lines are settled by
/// their address alone, without hashing what the basis holds.
#[derive(Debug, Default)]
struct Shared {
    bases: HashSet<Arc<Basis>>,
    bases_at: ByAddress<Basis>,
    reasons: HashSet<Arc<ItemReason>>,
    reasons_at: ByAddress<ItemReason>,
    texts: HashSet<Arc<str>>,
    lists: HashSet<Arc<[Arc<str>]>>,
    groups: HashSet<Arc<[String]>>,
}

impl Shared {
    fn line(&mut self, mut p: Pending) -> Pending {
        if self.bases_at.settle(&mut p.basis) {
            return p;
        }
        let seen = p.basis.clone();
        if let Some(same) = self.bases.get(&p.basis) {
            p.basis = same.clone();
        } else {
            // A basis not seen before: share what it has in common with
            // others.
            let basis = Arc::make_mut(&mut p.basis);
            if let Some(m) = &mut basis.municipality {
                keep_once(&mut self.texts, m);
            }
            keep_once(&mut self.groups, &mut basis.groups);
            keep_once(&mut self.lists, &mut basis.multipliers);
            keep_once(&mut self.lists, &mut basis.tables);
            self.bases.insert(p.basis.clone());
        }
        let identical = renders_alike(&seen, &p.basis);
        self.bases_at.remember(seen, &p.basis, identical);
        p
    }

    fn unpaid(&mut self, mut u: Unpaid) -> Unpaid {
        if self.reasons_at.settle(&mut u.why) {
            return u;
        }
        let seen = u.why.clone();
        keep_once(&mut self.reasons, &mut u.why);
        // Equal reasons are identical: nothing in them is a decimal.
        self.reasons_at.remember(seen, &u.why, true);
        u
    }
}

/// Whether two equal bases are exactly alike: decimals of the same scale
/// too (`1.0` and `1.00` are equal but render differently).
fn renders_alike(a: &Basis, b: &Basis) -> bool {
    a == b && a.tariff.serialize() == b.tariff.serialize() && a.multiplier.serialize() == b.multiplier.serialize()
}

/// Addresses remembered at most (per kind): a thread's parts number a few
/// hundred in the generated national data and some tens of thousands at
/// most (municipalities × groups × items); a producer that makes a new
/// value for every record holds no more than this many (some 16 MiB).
/// Past it, values are settled by hashing them, as before.
const ADDRESSES: usize = 1 << 16;

/// What was decided for each address of a shared value seen: the value,
/// held so that no other value takes its address while it is remembered,
/// and the kept equal value to put in its place, unless the two are
/// exactly alike — then the value stays as it is, and no reference count
/// changes (another thread counts references to it as it hands it out).
#[derive(Debug)]
struct ByAddress<T: ?Sized>(HashMap<usize, (Arc<T>, Option<Arc<T>>)>);

impl<T: ?Sized> Default for ByAddress<T> {
    fn default() -> Self {
        ByAddress(HashMap::new())
    }
}

impl<T: ?Sized> ByAddress<T> {
    /// Settles `value` as its address was settled before; false when the
    /// address is new.
    fn settle(&self, value: &mut Arc<T>) -> bool {
        match self.0.get(&address(value)) {
            None => false,
            Some((_, None)) => true,
            Some((_, Some(kept))) => {
                *value = kept.clone();
                true
            }
        }
    }

    /// Remembers that `seen` was settled as `kept`, exactly `alike` or not.
    fn remember(&mut self, seen: Arc<T>, kept: &Arc<T>, alike: bool) {
        if self.0.len() < ADDRESSES {
            let instead = (!alike).then(|| kept.clone());
            self.0.insert(address(&seen), (seen, instead));
        }
    }
}

fn address<T: ?Sized>(value: &Arc<T>) -> usize {
    Arc::as_ptr(value).cast::<()>() as usize
}

/// Replace `value` by the equal one already kept (dropping this copy), or
/// keep it.
fn keep_once<T: ?Sized + Eq + std::hash::Hash>(kept: &mut HashSet<Arc<T>>, value: &mut Arc<T>) {
    match kept.get(value) {
        Some(same) => *value = same.clone(),
        None => {
            kept.insert(value.clone());
        }
    }
}

impl Settlement {
    /// Take in the impact payment lines, each with its computation.
    pub(super) fn add_impact(&mut self, impact: Vec<(Pending, ImpactComputation)>) {
        for (line, computation) in impact {
            self.lines.push(line);
            self.impact.push(computation);
        }
    }

    /// The number of the participant `id`, new for each record (its
    /// `first` line or reason) and whenever the id differs from the last
    /// one numbered: a record's lines and reasons all have its id. Equal
    /// ids of different records get numbers of their own; settling ranks
    /// them equal and then checks every line's identity.
    fn number(&mut self, id: &Text, first: bool) -> u32 {
        if first || self.who.last() != Some(id) {
            self.who.push(id.clone());
        }
        // A settlement of 2^32 participants would not fit in memory.
        u32::try_from(self.who.len()).expect("fewer than 2^32 participants")
    }

    /// Take in one evaluated record.
    pub fn add(&mut self, outcome: RecordOutcome) {
        let counts = &mut self.counts;
        match outcome {
            RecordOutcome::OtherContract(id) => {
                counts.other_contract += 1;
                *counts.other_contracts.entry(id).or_default() += 1;
            }
            RecordOutcome::Control => counts.control += 1,
            RecordOutcome::Ineligible(i) => {
                counts.participants += 1;
                counts.ineligible += 1;
                self.ineligible.push(i);
            }
            RecordOutcome::Eligible(e) => {
                counts.participants += 1;
                counts.eligible += 1;
                self.repeated_line |= repeats_an_identity(&e.lines);
                let mut first = true;
                for mut p in e.lines {
                    p.who = self.number(&p.participant, std::mem::take(&mut first));
                    self.lines.push(self.shared.line(p));
                }
                for u in e.unpaid {
                    let who = self.number(&u.participant, std::mem::take(&mut first));
                    self.unpaid_who.push(who);
                    self.unpaid.push(self.shared.unpaid(u));
                }
            }
        }
    }
}

/// Turn the evaluated records into the statement (see the module doc of
/// `payment` for the order of operations). With two threads or more, the
/// reasons are put in order beside the lines: the same statement.
pub fn settle(
    threads: Threads,
    contract: &Contract,
    settlement: Settlement,
    inputs: Inputs,
    request: Request,
) -> Result<Statement, SettleError> {
    let Settlement { mut counts, lines, unpaid, unpaid_who, who, repeated_line, mut ineligible, mut impact, shared } =
        settlement;
    drop(shared);
    let ids = LineIds::of(contract);
    let fees = fixed_fees(contract, &ids, request.as_of)?;
    // Participant 0 is the contract itself (fees, impact payments: no id).
    let (rank, participants) = ranks(who.len() + 1, |n| if n == 0 { "" } else { who.get(n - 1) });
    let all_ranks_distinct = participants == rank.len();
    let rank = &rank;
    // The reasons for lines the caps withheld in full come once the caps
    // have run; none come if settling stopped before.
    let (capped_reasons, capped) = std::sync::mpsc::channel::<Vec<Unpaid>>();
    let order_reasons = move || {
        drop(who);
        let mut unpaid_who = unpaid_who.into_vec(0);
        unpaid_who.iter_mut().for_each(|who| *who = rank[*who as usize]);
        let mut unpaid = unpaid.into_vec(0);
        put_in_reason_order(&mut unpaid, unpaid_who);
        // Equal entries are identical, so an unstable sort is exact, and it
        // needs no buffer beside a list that can hold millions.
        ineligible.sort_unstable();
        if let Ok(capped) = capped.recv() {
            merge_reasons(&mut unpaid, capped);
        }
        (unpaid, ineligible)
    };
    let (lines, totals, unpaid, ineligible, impact_paid) = std::thread::scope(|scope| {
        // The reasons are put in order beside the lines, and the few the
        // caps add are merged in there too, once the caps have run.
        let reasons = Beside::start(threads, scope, order_reasons);
        // Owned here, so that a settling that stops early closes the
        // channel, and the reasons' thread ends with it.
        let capped_reasons = capped_reasons;
        let (mut lines, whose) = in_line_order(lines, fees, rank, &ids);
        // Each participant's lines are unique when no record repeated one,
        // no two records share an id, and item ids are unique: then only
        // the contract's own lines are checked. Otherwise every line, in
        // order.
        let ids_unique = all_ranks_distinct && unique_item_ids(contract);
        if repeated_line || !ids_unique {
            unique_identities(&lines)?;
        } else {
            unique_identities(lines.iter().filter(|l| l.id.participant.is_empty()))?;
        }
        apply_caps(threads, contract, &mut lines, &whose, participants)?;
        let in_period = |l: &Line| request.period.is_none_or(|p| l.achieved_on >= p.from && l.achieved_on <= p.to);
        // Paid: with a line in the statement (the billing period's) that
        // pays. One pass over the lines finds these and the lines capped to
        // nothing.
        let mut paid = vec![false; participants];
        let mut capped: Vec<Unpaid> = Vec::new();
        // The impact payments with a line in the statement, by item id.
        let mut impact_paid: HashSet<Arc<str>> = HashSet::new();
        for (line, whose) in lines.iter().zip(&whose) {
            if line.net > Decimal::ZERO && !line.id.participant.is_empty() && in_period(line) {
                paid[whose.who as usize] = true;
            }
            if line.kind == ItemKind::Impact && in_period(line) {
                impact_paid.insert(line.id.item.clone());
            }
            capped.extend(fully_capped(line));
        }
        drop(whose);
        counts.paid = paid.iter().filter(|p| **p).count() as u64;
        // The reasons' thread has ended only if it panicked, which joining
        // it reports.
        let _ = capped_reasons.send(capped);
        // In place: lines move only once one before them is dropped.
        if request.period.is_some() {
            lines.retain(in_period);
        }
        let totals = Totals::of(&lines).map_err(|line| SettleError::overflow(line, "a total of the statement"))?;
        let (unpaid, ineligible) = reasons.result();
        Ok((lines, totals, unpaid, ineligible, impact_paid))
    })?;
    impact.retain(|i| impact_paid.contains(&i.item));
    Ok(Statement {
        contract: contract.id.clone(),
        title_fi: contract.title.fi.clone(),
        title_en: contract.title.en.clone(),
        buyer: contract.buyer.clone(),
        provider: contract.provider.clone(),
        currency: contract.currency.clone(),
        // With dated rates, the header shows the rate in force on the
        // as-of date; each line's VAT uses the rate of its own date.
        vat_percent: contract.vat_on(request.as_of).unwrap_or(contract.vat_percent),
        rounding: contract.rounding,
        as_of: request.as_of,
        period: request.period,
        inputs,
        counts,
        totals,
        lines,
        unpaid,
        ineligible,
        impact_payments: impact,
    })
}

/// Whether two of one record's lines have one item and occurrence (the
/// evaluation never gives them; the guard does not rely on it).
fn repeats_an_identity(lines: &[Pending]) -> bool {
    let identity = |p: &Pending| (p.item_index, p.occurrence);
    if lines.len() <= 8 {
        return lines.iter().enumerate().any(|(n, p)| lines[..n].iter().any(|q| identity(q) == identity(p)));
    }
    let mut identities: Vec<(u32, u32)> = lines.iter().map(identity).collect();
    identities.sort_unstable();
    identities.windows(2).any(|w| w[0] == w[1])
}

/// Whether no two of the contract's items, fees and impact payments share
/// an id (a line's item position then names its id).
fn unique_item_ids(contract: &Contract) -> bool {
    let mut ids: Vec<&str> = contract.payables().map(|(id, _, _)| id).collect();
    let all = ids.len();
    ids.sort_unstable();
    ids.dedup();
    ids.len() == all
}

/// The lines and fees in line order: by achievement date, then
/// participant id (by its rank), then the item's position in the
/// contract, then occurrence, then input order; beside them, whose each
/// line is and of which item. A line's `who` is its participant's rank,
/// looked up once in input order, where the numbers rise.
///
/// The lines are grouped by day as they are moved out of the chunks,
/// becoming statement lines on the way, and then only each day's lines
/// are sorted: a day's lines fit in a cache, where moving a million lines
/// along one permutation of the whole list read and wrote memory at
/// random (a page-table walk a line).
fn in_line_order(
    mut lines: Chunks<Pending>,
    mut fees: Vec<Pending>,
    rank: &[u32],
    ids: &LineIds,
) -> (Vec<Line>, Vec<Whose>) {
    let mut days = Vec::with_capacity(lines.len() + fees.len());
    let mut largest = [0; 3];
    for p in lines.iter_mut().chain(fees.iter_mut()) {
        p.who = rank[p.who as usize];
        days.push(p.achieved_on.num_days_from_ce());
        let part = [u64::from(p.who), u64::from(p.item_index), u64::from(p.occurrence)];
        largest = std::array::from_fn(|k| largest[k].max(part[k]));
    }
    let (day, count) = day_numbers(&days);
    drop(days);
    let split = |p: Pending| {
        let whose = Whose { who: p.who, item_index: p.item_index };
        (ids.line(p), whose)
    };
    let (mut lines, mut whose, starts) = grouped_by_day(lines.into_chunks().chain([fees]), &day, count, split);
    drop(day);
    for run in starts.windows(2).filter(|run| run[1] - run[0] > 1) {
        let (lines, whose) = (&mut lines[run[0]..run[1]], &mut whose[run[0]..run[1]]);
        let parts =
            |i: usize| [u64::from(whose[i].who), u64::from(whose[i].item_index), u64::from(lines[i].id.occurrence)];
        let order = order_by(lines.len(), largest, parts);
        permute_by(order, |a, b| {
            lines.swap(a, b);
            whose.swap(a, b);
        });
    }
    (lines, whose)
}

/// The contract's id and its payables' ids by position (items, fixed
/// fees, impact payments): what completes a pending line's identity.
struct LineIds {
    contract: Arc<str>,
    items: Vec<Arc<str>>,
}

impl LineIds {
    fn of(contract: &Contract) -> Self {
        LineIds {
            contract: Arc::from(contract.id.as_str()),
            items: contract.payables().map(|(id, _, _)| Arc::from(id)).collect(),
        }
    }

    fn line(&self, p: Pending) -> Line {
        p.into_line(&self.contract, &self.items)
    }
}

/// Whose a line is, and of which item: what orders and caps it beside the
/// statement line itself.
#[derive(Debug, Clone, Copy)]
struct Whose {
    /// The participant's rank (0 for the contract's own lines).
    who: u32,
    /// The item's position among the contract's payables.
    item_index: u32,
}

/// Order reasons by participant id (by its rank: `who` gives each
/// reason's), then by the reason itself.
fn put_in_reason_order(unpaid: &mut [Unpaid], who: Vec<u32>) {
    let (why, distinct) = reason_ranks(unpaid);
    let largest = [who.iter().copied().max().map_or(0, u64::from), distinct.saturating_sub(1) as u64];
    let order = order_by(unpaid.len(), largest, |i| [u64::from(who[i]), u64::from(why[i])]);
    drop(who);
    permute(unpaid, order);
}

/// Puts the reasons for lines the caps withheld in full (in line order)
/// among `unpaid` (in reason order) where ordering them all together would
/// have: by participant id and reason, and after the equal ones already
/// there. Ranks order as ids do, so the ids themselves are compared.
fn merge_reasons(unpaid: &mut Vec<Unpaid>, mut capped: Vec<Unpaid>) {
    fn key(u: &Unpaid) -> (&str, &ItemReason) {
        (&u.participant, &u.why)
    }
    if capped.is_empty() {
        return;
    }
    // Stable: equal ones stay in line order.
    capped.sort_by(|a, b| key(a).cmp(&key(b)));
    // Each added one goes after every one already there that is not
    // larger: found by halving, as the added ones are few and the reasons
    // many (comparing at every step compared ids two million times).
    let places: Vec<usize> = capped.iter().map(|c| unpaid.partition_point(|u| key(u) <= key(c))).collect();
    let mut merged = Vec::with_capacity(unpaid.len() + capped.len());
    let mut kept = std::mem::take(unpaid).into_iter();
    let mut taken = 0;
    for (added, place) in capped.into_iter().zip(places) {
        merged.extend(kept.by_ref().take(place - taken));
        taken = place;
        merged.push(added);
    }
    merged.extend(kept);
    *unpaid = merged;
}

/// Work that runs beside settling on a thread of its own when there are
/// threads to spare, else here, when its result is wanted.
enum Beside<'s, T, F> {
    Thread(std::thread::ScopedJoinHandle<'s, T>),
    Here(F),
}

impl<'s, T: Send + 's, F: FnOnce() -> T + Send + 's> Beside<'s, T, F> {
    fn start<'e>(threads: Threads, scope: &'s std::thread::Scope<'s, 'e>, work: F) -> Self {
        if threads.0 > 1 {
            Beside::Thread(scope.spawn(work))
        } else {
            Beside::Here(work)
        }
    }

    fn result(self) -> T {
        match self {
            Beside::Thread(thread) => thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Beside::Here(work) => work(),
        }
    }
}

/// The rank of each reason's [`ItemReason`] among the distinct ones, as
/// [`ranks`] gives participants': most are shared (the same `Arc`), so
/// each distinct one is compared once, not at every step of a sort.
fn reason_ranks(unpaid: &[Unpaid]) -> (Vec<u32>, usize) {
    let mut number: HashMap<*const ItemReason, u32> = HashMap::new();
    let mut distinct: Vec<&ItemReason> = Vec::new();
    let numbers: Vec<u32> = unpaid
        .iter()
        .map(|u| {
            *number.entry(Arc::as_ptr(&u.why)).or_insert_with(|| {
                distinct.push(&u.why);
                (distinct.len() - 1) as u32
            })
        })
        .collect();
    let mut sorted: Vec<u32> = (0..distinct.len() as u32).collect();
    sorted.sort_unstable_by(|a, b| distinct[*a as usize].cmp(distinct[*b as usize]));
    let mut rank_of = vec![0u32; distinct.len()];
    let mut rank = 0;
    for (k, pair) in sorted.iter().enumerate() {
        if k > 0 && distinct[sorted[k - 1] as usize] != distinct[*pair as usize] {
            rank += 1;
        }
        rank_of[*pair as usize] = rank;
    }
    (numbers.into_iter().map(|n| rank_of[n as usize]).collect(), rank as usize + usize::from(!distinct.is_empty()))
}

/// The last guard against paying twice: a ledger pays against a line's
/// identity, so no two lines may share one, whatever the records held.
/// Checked in line order, so the first duplicate reported is always the same.
fn unique_identities<'l>(lines: impl IntoIterator<Item = &'l Line>) -> Result<(), SettleError> {
    let mut seen: HashSet<&LineId> = HashSet::new();
    match lines.into_iter().find(|l| !seen.insert(&l.id)) {
        Some(l) => Err(SettleError::DuplicateLine {
            participant: l.id.participant.clone(),
            item: l.id.item.clone(),
            occurrence: l.id.occurrence,
            rule: l.rule.clone(),
        }),
        None => Ok(()),
    }
}

/// Fixed-fee lines due by `as_of`: monthly fees on the last day of each
/// month of their period (whole months, or part months pro-rated by
/// calendar days), one-off fees on their first day.
fn fixed_fees(contract: &Contract, ids: &LineIds, as_of: NaiveDate) -> Result<Vec<Pending>, SettleError> {
    let mut out = Vec::new();
    let no_participant = Text::default();
    for (n, fee) in contract.fixed_fees.iter().enumerate() {
        let basis = Arc::new(Basis {
            kind: ItemKind::FixedFee,
            tariff: contract.rounding.apply(fee.amount),
            clause: fee.clause.as_deref().map(Arc::from),
            tables: Arc::from([]),
            multiplier: Decimal::ONE,
            multipliers: Arc::from([]),
            rule: Arc::from(format!("{}:{} fixed_fee {}", contract.file_name(), fee.line, fee.id)),
            municipality: None,
            groups: Arc::from(Vec::new()),
        });
        for (k, (date, share)) in fee_dates(fee, as_of).into_iter().enumerate() {
            let fee_line = Pending {
                item_index: (contract.items.len() + n) as u32,
                who: 0,
                participant: no_participant.clone(),
                occurrence: k as u32 + 1,
                achieved_on: date,
                amount: Decimal::ZERO,
                basis: basis.clone(),
            };
            let amount = fee_amount(contract, fee.amount, share)
                .ok_or_else(|| SettleError::overflow(&ids.line(fee_line.clone()), "the pro-rated fee"))?;
            out.push(Pending { amount, ..fee_line });
        }
    }
    Ok(out)
}

/// The part of a month a fee is paid for: (days in force, days in the month).
type Share = Option<(u32, u32)>;

/// When `fee` falls due by `as_of`, each with the part of the month it
/// pays (`None`: all of it). A whole-month fee is due for each month whose
/// last day is within its period; a pro-rated one for each month it is in
/// force at all, on its last day in force that month.
fn fee_dates(fee: &FixedFee, as_of: NaiveDate) -> Vec<(NaiveDate, Share)> {
    let last = fee.period.to.map_or(as_of, |t| t.min(as_of));
    if fee.every == Every::Once {
        return vec![(fee.period.from, None)].into_iter().filter(|(d, _)| *d <= as_of).collect();
    }
    let mut dates = Vec::new();
    let mut month = month_start(fee.period.from);
    loop {
        let end = month_end(month);
        let due = match fee.prorate {
            Prorate::Whole => (end <= last).then_some((end, None)),
            Prorate::CalendarDays => {
                let from = fee.period.from.max(month);
                let to = fee.period.to.map_or(end, |t| t.min(end));
                let days = |a: NaiveDate, b: NaiveDate| (b - a).num_days() as u32 + 1;
                let share = (days(from, to) < end.day()).then(|| (days(from, to), end.day()));
                (to <= as_of && from <= to).then_some((to, share))
            }
        };
        match due {
            Some(d) => dates.push(d),
            None => break,
        }
        // The calendar's end is no month a fee can fall due in.
        let Some(next) = add_months(month, 1) else { break };
        month = next;
    }
    dates
}

/// A fee's amount for one month: `amount × days / days in month` for a
/// part month, rounded once; `None` when it overflows.
fn fee_amount(contract: &Contract, amount: Decimal, share: Share) -> Option<Decimal> {
    let Some((days, in_month)) = share else { return Some(contract.rounding.apply(amount)) };
    let part = amount.checked_mul(Decimal::from(days))?.checked_div(Decimal::from(in_month))?;
    Some(contract.rounding.apply(part))
}

/// The reason for a participant's line that caps reduced to nothing.
fn fully_capped(line: &Line) -> Option<Unpaid> {
    let capped = line.net.is_zero() && !line.withheld.is_zero() && !line.id.participant.is_empty();
    capped.then(|| {
        let detail = format!(
            "achieved on {}; withheld in full by {}",
            line.achieved_on,
            describe_held(&line.withheld_by, |d| d.to_string())
        );
        Unpaid::new(line.id.participant.clone(), line.id.item.clone(), ReasonCode::Capped, detail.into())
    })
}

/// The error for a line no dated VAT rate covers, listing the versions.
fn no_vat_rate(contract: &Contract, line: &Line) -> SettleError {
    let versions = contract.vat_versions.iter().flat_map(|t| &t.versions);
    let versions: Vec<String> = versions
        .map(|v| match v.period.to {
            Some(to) => format!("{}% from {} to {to}", v.value, v.period.from),
            None => format!("{}% from {}", v.value, v.period.from),
        })
        .collect();
    SettleError::NoVatRate {
        participant: line.id.participant.clone(),
        item: line.id.item.clone(),
        rule: line.rule.clone(),
        date: line.achieved_on,
        versions: versions.join(", "),
    }
}

/// Apply the caps in line order, then VAT. On each line the caps bind in
/// this order, each on what the ones before it left: the outcome's
/// `cap_per_participant`, its `cap_total`, `[caps] per_participant`
/// (unless the outcome says `in_participant_cap = false`; never fees or
/// impact payments), then `contract_total`. Each cap that binds is listed
/// in `withheld_by` with the part it withheld, and every running total
/// counts what was finally paid (net).
/// Every sum is checked: an overflow stops the run naming the line.
/// `participants` (how many may have lines) sizes the running totals once,
/// instead of growing them by doubling over a million participants.
///
/// The caps run over the lines in order on one thread (each depends on the
/// totals before it); VAT, which depends only on the line's own net, is
/// computed after them on `threads`. The first error in line order is
/// the one reported, as if each line were capped and taxed in turn.
fn apply_caps(
    threads: Threads,
    contract: &Contract,
    lines: &mut [Line],
    whose: &[Whose],
    participants: usize,
) -> Result<(), SettleError> {
    let capped = cap(contract, lines, whose, participants);
    let taxed = capped.as_ref().err().map_or(lines.len(), |(at, _)| *at);
    add_vat(threads, contract, &mut lines[..taxed])?;
    capped.map_err(|(_, e)| e)
}

/// The caps of [`apply_caps`], or the position of the line that failed
/// and why.
fn cap(
    contract: &Contract,
    lines: &mut [Line],
    whose: &[Whose],
    participants: usize,
) -> Result<(), (usize, SettleError)> {
    // Indexed by `item_index`: the items, then the fixed fees (no cap),
    // then the impact payments (their own `cap`).
    let fees = contract.fixed_fees.iter().map(|_| None);
    let impact = contract.impact_payments.iter().map(|p| p.cap);
    let item_cap: Vec<Option<Decimal>> = contract.items.iter().map(|i| i.cap_total).chain(fees).chain(impact).collect();
    let mut item_paid = vec![Decimal::ZERO; item_cap.len()];
    // What each participant was paid of each item with `cap_per_participant`.
    let own_caps = contract.items.iter().filter(|i| i.cap_per_participant.is_some()).count();
    // Only looked up, never iterated, so its order cannot reach the output.
    let mut item_participant_paid: HashMap<(u32, usize), Decimal> =
        HashMap::with_capacity(participants.saturating_mul(own_caps));
    // Each participant's total (equal ids, one total), and which one each
    // line adds to (`total_of`).
    let tallied = contract.items.iter().any(|i| i.in_participant_cap);
    let total_of = if tallied { totals_by_first_line(whose, participants) } else { Vec::new() };
    let mut participant_paid = vec![Decimal::ZERO; total_of.iter().max().map_or(0, |n| *n as usize + 1)];
    let mut total_paid = Decimal::ZERO;
    let truncate = Rounding { mode: RoundingMode::Down, ..contract.rounding };
    let mut cap_one = |at: usize, line: &mut Line, participant_paid: &mut [Decimal]| -> Result<(), SettleError> {
        let (index, rank) = (whose[at].item_index as usize, whose[at].who);
        let mut net = line.amount;
        let mut held = Vec::new();
        let mut limit = |ceiling: Option<Decimal>, used: Decimal, cap: Cap| {
            if let Some(ceiling) = ceiling {
                // A ceiling written with more decimals than the contract's
                // scale must not push the line off the scale; truncating
                // the room never exceeds the ceiling. `used` never exceeds
                // the ceiling, so the room is a difference of two bounded
                // amounts; a ceiling already passed leaves no room.
                let room = truncate.apply(ceiling.checked_sub(used).unwrap_or(Decimal::ZERO).max(Decimal::ZERO));
                if net > room {
                    held.push(Held { cap, amount: net - room });
                    net = room;
                }
            }
        };
        let item = contract.items.get(index);
        let own = item.and_then(|i| i.cap_per_participant);
        let own_used = own.map(|_| item_participant_paid.entry((rank, index)).or_default());
        if let Some(used) = &own_used {
            limit(own, **used, Cap::OutcomePerParticipant);
        }
        let slot = item_paid.get_mut(index).ok_or_else(|| SettleError::overflow(line, "the item's position"))?;
        limit(item_cap.get(index).copied().flatten(), *slot, Cap::OutcomeTotal);
        let in_participant_cap = item.is_some_and(|i| i.in_participant_cap);
        let participant = (in_participant_cap && !matches!(line.kind, ItemKind::FixedFee | ItemKind::Impact))
            .then(|| &mut participant_paid[total_of[at] as usize]);
        if let Some(used) = &participant {
            limit(contract.caps.per_participant, **used, Cap::PerParticipant);
        }
        limit(contract.caps.contract_total, total_paid, Cap::ContractTotal);
        let add = |sum: Decimal, what| sum.checked_add(net).ok_or_else(|| SettleError::overflow(line, what));
        *slot = add(*slot, "the item's total paid")?;
        if let Some(used) = own_used {
            *used = add(*used, "the participant's total paid of the item")?;
        }
        if let Some(used) = participant {
            *used = add(*used, "the participant's total paid")?;
        }
        total_paid = add(total_paid, "the contract's total paid")?;
        line.withheld = line.amount - net;
        line.withheld_by = held;
        line.net = net;
        Ok(())
    };
    // The participants' totals are read a block of lines ahead, in a loop
    // whose reads do not wait for one another: a participant's later
    // lines come months after its first, when its total has left every
    // cache, and the caps would otherwise wait for each in turn.
    for (block, lines) in lines.chunks_mut(TOTALS_AHEAD).enumerate() {
        let first = block * TOTALS_AHEAD;
        let ahead = total_of.get(first..first + lines.len()).unwrap_or_default();
        std::hint::black_box(ahead.iter().fold(0, |seen, &t| seen ^ participant_paid[t as usize].scale()));
        for (at, line) in (first..).zip(lines) {
            cap_one(at, line, &mut participant_paid).map_err(|e| (at, e))?;
        }
    }
    Ok(())
}

/// Lines whose participants' totals are read ahead of capping them.
const TOTALS_AHEAD: usize = 64;

/// For each line, in order, which participant total it adds to: totals are
/// numbered in the order their participants' first lines come. A day's
/// lines are mostly of participants who started about the same days, so
/// the caps then find their totals near each other, where a list by rank
/// would be read all over (at a million participants, each read a miss of
/// every cache and a page-table walk). The lookups by rank happen here, in
/// a loop of their own whose reads do not wait for one another.
fn totals_by_first_line(whose: &[Whose], participants: usize) -> Vec<u32> {
    let mut first = vec![u32::MAX; participants];
    let mut next = 0;
    let mut number = |w: &Whose| {
        let at = &mut first[w.who as usize];
        if *at == u32::MAX {
            *at = next;
            next += 1;
        }
        *at
    };
    whose.iter().map(&mut number).collect()
}

/// VAT and gross of each line from its net, at the rate in force on its
/// date; on two threads or more, each half of the lines on its own.
fn add_vat(threads: Threads, contract: &Contract, lines: &mut [Line]) -> Result<(), SettleError> {
    let taxed = |lines: &mut [Line]| lines.iter_mut().try_for_each(|line| vat(contract, line));
    if threads.0 <= 1 {
        return taxed(lines);
    }
    let (earlier, later) = lines.split_at_mut(lines.len() / 2);
    std::thread::scope(|scope| {
        let later = scope.spawn(|| taxed(later));
        let earlier = taxed(earlier);
        let later = later.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        // The first error in line order.
        earlier.and(later)
    })
}

fn vat(contract: &Contract, line: &mut Line) -> Result<(), SettleError> {
    let rate = contract.vat_on(line.achieved_on).ok_or_else(|| no_vat_rate(contract, line))?;
    let vat = line.net.checked_mul(rate).map(hundredth).ok_or_else(|| SettleError::overflow(line, "the VAT"))?;
    line.vat = contract.rounding.apply(vat);
    line.gross = line.net.checked_add(line.vat).ok_or_else(|| SettleError::overflow(line, "net + VAT"))?;
    Ok(())
}

/// `v / 100`, exactly: the decimal point moved two places left while the
/// scale allows (a division costs several times more, for a million lines).
fn hundredth(v: Decimal) -> Decimal {
    let mut moved = v;
    match moved.set_scale(v.scale() + 2) {
        Ok(()) => moved,
        Err(_) => v / Decimal::ONE_HUNDRED,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::evaluate::Eligible;
    use super::*;
    use crate::statement::Period;

    const CONTRACT: &str = r#"
[contract]
id = "T-1"
title = { fi = "Testi", en = "Test" }
buyer = "Testialue"
provider = "Testi Oy"
service = "career_coaching"
valid = { from = 2026-01-01, to = 2026-12-31 }

[[outcome]]
id = "job"
name = { fi = "Työ", en = "Job" }
achieved_on = 'p.service_start'
tariff = "1000.00"
"#;

    fn pending(participant: &str, amount: &str) -> Pending {
        let amount: Decimal = amount.parse().unwrap();
        Pending {
            item_index: 0,
            who: 0,
            participant: participant.into(),
            occurrence: 1,
            achieved_on: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
            amount,
            basis: Arc::new(Basis {
                kind: ItemKind::Outcome,
                tariff: amount,
                clause: None,
                tables: Arc::from([]),
                multiplier: Decimal::ONE,
                multipliers: Arc::from([]),
                rule: "test.toml:12 outcome job".into(),
                municipality: None,
                groups: Arc::from(Vec::new()),
            }),
        }
    }

    fn outcome(p: Pending) -> RecordOutcome {
        RecordOutcome::Eligible(Eligible { lines: vec![p], unpaid: Vec::new(), first: Vec::new() })
    }

    fn settle_all(outcomes: Vec<RecordOutcome>) -> Result<Statement, SettleError> {
        settle_in(outcomes, None)
    }

    fn settle_in(outcomes: Vec<RecordOutcome>, period: Option<Period>) -> Result<Statement, SettleError> {
        let contract = crate::contract::parse(Path::new("test.toml"), CONTRACT).unwrap();
        let settled = |threads| {
            let mut settlement = Settlement::default();
            outcomes.iter().cloned().for_each(|o| settlement.add(o));
            settle(threads, &contract, settlement, inputs(), Request { as_of: date(2026, 12, 31), period })
        };
        // Two threads settle some steps side by side: the same statement,
        // or the same first error.
        let one = settled(Threads(1));
        assert_eq!(one, settled(Threads(2)));
        one
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn inputs() -> Inputs {
        Inputs {
            contract_file: "test.toml".into(),
            contract_sha256: String::new(),
            libraries: Default::default(),
            records: Default::default(),
            contract_version: None,
            tulos_version: String::new(),
        }
    }

    #[test]
    fn two_lines_with_one_identity_are_refused_naming_participant_and_item() {
        let err = settle_all(vec![outcome(pending("P-1", "1000.00")), outcome(pending("P-1", "1000.00"))]).unwrap_err();
        assert!(matches!(&err, SettleError::DuplicateLine { participant, item, occurrence: 1, .. }
            if &**participant == "P-1" && &**item == "job"));
        let text = err.to_string();
        assert!(text.contains("P-1") && text.contains("`job`") && text.contains("test.toml:12"), "{text}");
        // The lines of two participants are settled as usual.
        let two = settle_all(vec![outcome(pending("P-1", "1.00")), outcome(pending("P-2", "1.00"))]);
        assert_eq!(two.unwrap().lines.len(), 2);
    }

    #[test]
    fn a_hundredth_is_exact_whatever_the_scale() {
        for text in ["0", "1", "-7.5", "12345.678", "0.0000000000000000000000000001", "79228162514264337593543950335"] {
            let v: Decimal = text.parse().unwrap();
            assert_eq!(hundredth(v), v / Decimal::ONE_HUNDRED, "{text}");
        }
    }

    #[test]
    fn paid_counts_the_participants_paid_in_the_billing_period() {
        let mut later = pending("P-2", "1.00");
        later.achieved_on = date(2026, 5, 4);
        let outcomes = vec![outcome(pending("P-1", "1.00")), outcome(later), outcome(pending("P-3", "0.00"))];
        let all = settle_all(outcomes.clone()).unwrap();
        assert_eq!((all.counts.paid, all.lines.len()), (2, 3));
        let spring = settle_in(outcomes, Some(Period { from: date(2026, 4, 1), to: date(2026, 6, 30) })).unwrap();
        assert_eq!((spring.counts.paid, spring.lines.len()), (1, 1));
        assert_eq!(&*spring.lines[0].id.participant, "P-2");
    }

    #[test]
    fn one_record_giving_one_line_twice_is_refused_too() {
        let twice = RecordOutcome::Eligible(Eligible {
            lines: vec![pending("P-1", "1.00"), pending("P-1", "2.00")],
            unpaid: Vec::new(),
            first: Vec::new(),
        });
        let err = settle_all(vec![outcome(pending("P-0", "1.00")), twice]).unwrap_err();
        assert!(matches!(&err, SettleError::DuplicateLine { participant, .. } if &**participant == "P-1"), "{err}");
    }

    #[test]
    fn a_duplicate_identity_code_is_named_redacted() {
        let code = "131052-308T";
        let err = settle_all(vec![outcome(pending(code, "1.00")), outcome(pending(code, "1.00"))]).unwrap_err();
        assert!(!err.to_string().contains(code), "{err}");
    }

    #[test]
    fn sums_beyond_a_decimal_are_an_error_naming_the_line_not_a_panic() {
        // Each line fits; their total does not.
        let huge = "60000000000000000000000000000";
        let err = settle_all(vec![outcome(pending("P-1", huge)), outcome(pending("P-2", huge))]).unwrap_err();
        assert!(matches!(&err, SettleError::Overflow { participant, .. } if &**participant == "P-2"), "{err}");
        assert!(err.to_string().contains("`job`"), "{err}");
    }
    #[test]
    fn chunks_keep_their_order_across_chunks_in_a_list_of_exactly_the_room_asked() {
        let n = Chunks::<u64>::ITEMS * 2 + 5;
        let mut chunks = Chunks::default();
        (0..n as u64).for_each(|i| chunks.push(i));
        assert_eq!(chunks.len(), n);
        assert!((0..n).all(|i| *chunks.get(i) == i as u64));
        let all = chunks.into_vec(3);
        assert_eq!(all.capacity(), n + 3);
        assert!(all.iter().enumerate().all(|(i, v)| *v == i as u64));
        assert!(Chunks::<u64>::default().into_vec(0).is_empty());
    }

    #[test]
    fn equal_bases_and_reasons_of_different_records_are_kept_once() {
        let reason = |who: &str| Unpaid::new(who.into(), "job".into(), ReasonCode::NotAchieved, "not achieved".into());
        let eligible = |who: &str| {
            let mut p = pending(who, "1.00");
            // Each record's evaluation brings its own copies.
            p.basis = Arc::new(Basis { municipality: Some("Laukaa".into()), ..(*p.basis).clone() });
            RecordOutcome::Eligible(Eligible { lines: vec![p], unpaid: vec![reason(who)], first: Vec::new() })
        };
        let s = settle_all(vec![eligible("P-1"), eligible("P-2")]).unwrap();
        assert!(Arc::ptr_eq(&s.lines[0].basis, &s.lines[1].basis));
        assert!(Arc::ptr_eq(&s.unpaid[0].why, &s.unpaid[1].why));
        assert_eq!(s.lines[1].municipality.as_deref(), Some("Laukaa"));
        assert_eq!((&*s.unpaid[1].participant, &*s.unpaid[1].detail), ("P-2", "not achieved"));
    }

    proptest::proptest! {
        #[test]
        fn reasons_merged_in_are_where_ordering_them_all_together_puts_them(
            kept in proptest::collection::vec((0u8..4, 0u8..3), 0..30),
            added in proptest::collection::vec((0u8..4, 0u8..3), 0..30),
        ) {
            // Equal reasons are told apart by where each is kept.
            let reasons = |list: &[(u8, u8)]| -> Vec<Unpaid> {
                let reason = |(who, item): (u8, u8)| {
                    Unpaid::new(format!("P-{who}").into(), format!("item-{item}").into(), ReasonCode::Capped, "x".into())
                };
                list.iter().map(|r| reason(*r)).collect()
            };
            let key = |u: &Unpaid| (u.participant.clone(), u.why.clone());
            let mut unpaid = reasons(&kept);
            unpaid.sort_by_key(key);
            let capped = reasons(&added);
            // Ordering all together, the ones kept first: a stable sort.
            let mut all: Vec<Unpaid> = unpaid.iter().chain(&capped).cloned().collect();
            all.sort_by_key(key);
            merge_reasons(&mut unpaid, capped);
            let places = |list: &[Unpaid]| list.iter().map(|u| Arc::as_ptr(&u.why)).collect::<Vec<_>>();
            proptest::prop_assert_eq!(places(&unpaid), places(&all));
        }
    }

    #[test]
    fn a_basis_handed_out_again_is_kept_as_it_is_unless_it_renders_otherwise() {
        // One thread's parts hand out the same basis to many records.
        let basis = pending("P-0", "1.00").basis;
        let reason = Arc::new(ItemReason { item: "job".into(), reason: ReasonCode::NotAchieved, detail: "no".into() });
        let eligible = |who: &str, amount: &str, basis: &Arc<Basis>| {
            let mut p = pending(who, amount);
            p.basis = basis.clone();
            let unpaid = vec![Unpaid { participant: who.into(), why: reason.clone() }];
            RecordOutcome::Eligible(Eligible { lines: vec![p], unpaid, first: Vec::new() })
        };
        // Equal to `basis` as numbers, but rendered `1.0`.
        let scaled = Arc::new(Basis { tariff: "1.0".parse().unwrap(), ..(*basis).clone() });
        let mut settlement = Settlement::default();
        for n in 0..3 {
            settlement.add(eligible(&format!("P-{n}"), "1.00", &basis));
            settlement.add(eligible(&format!("Q-{n}"), "1.0", &scaled));
        }
        let lines: Vec<Pending> = settlement.lines.into_vec(0);
        // Seen again, the basis handed out is kept as it is.
        assert!(lines[2..].iter().step_by(2).all(|p| Arc::ptr_eq(&p.basis, &basis)));
        // The equal one that renders otherwise is replaced by the one kept,
        // each time, as equal bases always were.
        assert!(lines.iter().all(|p| *p.basis == *basis && p.basis.tariff.to_string() == "1.00"));
        let unpaid: Vec<Unpaid> = settlement.unpaid.into_vec(0);
        assert!(unpaid.iter().all(|u| Arc::ptr_eq(&u.why, &reason)), "a reason handed out again is kept as it is");
    }
}
