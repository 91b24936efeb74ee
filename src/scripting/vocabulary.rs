//! Check-time comparison of the names rules write in quotes with the
//! contract's vocabulary.
//!
//! `p.measure_change("change-meter", "skills")` runs without error when the
//! records say `change_meter`: no measurement matches, and no bonus is ever
//! paid. A text written directly as the kind, instrument or dimension
//! argument of a record query is therefore compared with the names the
//! contract declares, before any data is read. Names computed at run time
//! (a variable, a parameter) are not known here; the records themselves are
//! checked against the same vocabulary when they are read.

use rhai::{ASTNode, Dynamic, Expr, Position};

use super::engine::CompiledRule;
use super::errors::Origin;
use crate::diagnostic::{closest, Diagnostic};

/// The names rules may quote. An empty list is not checked (the contract
/// declares no such vocabulary).
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// Spell kinds: the standard ones, the contract's `spell_kinds` and
    /// `any_employment` (always checked).
    pub spell_kinds: Vec<String>,
    pub event_kinds: Vec<String>,
    pub instruments: Vec<String>,
    pub dimensions: Vec<String>,
}

/// Which vocabulary an argument of a record query names.
#[derive(Clone, Copy)]
enum Word {
    SpellKind,
    EventKind,
    Instrument,
    Dimension,
    /// A list of dimensions.
    Dimensions,
}

impl Word {
    fn noun(self) -> (&'static str, &'static str) {
        match self {
            Word::SpellKind => ("spell kind", "spell kinds (the standard ones, any_employment and `spell_kinds`)"),
            Word::EventKind => ("event kind", "`event_kinds`"),
            Word::Instrument => ("instrument", "`instruments`"),
            Word::Dimension | Word::Dimensions => ("dimension", "`dimensions`"),
        }
    }
}

/// What each argument of a `p.` query names, after the object.
fn arguments(function: &str) -> &'static [(usize, Word)] {
    use Word::*;
    match function {
        "in_spell_on"
        | "days_in"
        | "first_day_in"
        | "continuous_days"
        | "nth_day_in"
        | "continuous_milestones"
        | "hours_on"
        | "spells"
        | "spell_starts" => &[(0, SpellKind)],
        "has_event" | "first_event" | "event_value" | "events_count" | "events" => &[(0, EventKind)],
        "measure_first" | "measure_last" | "measure_change" => &[(0, Instrument), (1, Dimension)],
        "measure_change_sum" | "measure_last_date" => &[(0, Instrument)],
        "measurements" | "measurement_first" | "measurement_last" => &[(0, Instrument), (3, Dimensions)],
        _ => &[],
    }
}

impl CompiledRule {
    /// The first quoted name in a record query that the contract's
    /// vocabulary does not have, as a diagnostic with the closest name.
    pub fn check_vocabulary(&self, vocabulary: &Vocabulary) -> Result<(), Diagnostic> {
        let mut found = None;
        self.ast().walk(&mut |path: &[ASTNode]| {
            if let Some(ASTNode::Expr(expr)) = path.last() {
                found = unknown_word(expr, vocabulary, self.origin());
            }
            found.is_none()
        });
        found.map_or(Ok(()), Err)
    }
}

fn unknown_word(expr: &Expr, vocabulary: &Vocabulary, origin: &Origin) -> Option<Diagnostic> {
    let (name, args): (&str, Vec<&Expr>) = match expr {
        // `p.days_in("employment", …)`, `m.complete([…])`.
        Expr::Dot(dot, _, _) => match &dot.rhs {
            Expr::MethodCall(call, _) if is_participant(&dot.lhs) => (call.name.as_str(), call.args.iter().collect()),
            Expr::MethodCall(call, _) if call.name == "complete" => {
                return call.args.first().and_then(|a| check(a, Word::Dimensions, vocabulary, origin));
            }
            _ => return None,
        },
        // `days_in(p, "employment", …)`.
        Expr::FnCall(call, _) if call.args.first().is_some_and(is_participant) => {
            (call.name.as_str(), call.args.iter().skip(1).collect())
        }
        _ => return None,
    };
    arguments(name).iter().find_map(|(i, word)| check(args.get(*i)?, *word, vocabulary, origin))
}

fn check(arg: &Expr, word: Word, vocabulary: &Vocabulary, origin: &Origin) -> Option<Diagnostic> {
    let known = match word {
        Word::SpellKind => &vocabulary.spell_kinds,
        Word::EventKind => &vocabulary.event_kinds,
        Word::Instrument => &vocabulary.instruments,
        Word::Dimension | Word::Dimensions => &vocabulary.dimensions,
    };
    if known.is_empty() {
        return None;
    }
    let texts: Vec<(String, Position)> = match (word, arg) {
        (Word::Dimensions, Expr::Array(items, _)) => items.iter().filter_map(text).collect(),
        (Word::Dimensions, Expr::DynamicConstant(d, pos)) => constant_texts(d, *pos),
        (_, arg) => text(arg).into_iter().collect(),
    };
    let (name, pos) = texts.into_iter().find(|(t, _)| !known.contains(t))?;
    let (noun, declared) = word.noun();
    let names: Vec<&str> = known.iter().map(String::as_str).collect();
    let near = closest(&name, &names).map(|n| format!("did you mean `{n}`? ")).unwrap_or_default();
    Some(
        Diagnostic::error(
            &origin.file,
            origin.location(pos),
            format!("{noun} \"{name}\" is not in the contract's vocabulary"),
        )
        .with_help(format!("{near}the contract's {declared}: {}", names.join(", "))),
    )
}

fn text(expr: &Expr) -> Option<(String, Position)> {
    match expr {
        Expr::StringConstant(s, pos) => Some((s.to_string(), *pos)),
        _ => None,
    }
}

/// The texts of a constant array the optimiser folded (`["a", "b"]`).
fn constant_texts(d: &Dynamic, pos: Position) -> Vec<(String, Position)> {
    d.read_lock::<rhai::Array>()
        .map(|items| items.iter().filter_map(|i| i.clone().into_string().ok()).map(|s| (s, pos)).collect())
        .unwrap_or_default()
}

fn is_participant(expr: &Expr) -> bool {
    matches!(expr, Expr::Variable(v, ..) if v.1 == "p")
}
