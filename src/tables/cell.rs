//! The language of input cells: DMN 1.3 simple unary tests, parsed and matched.
//!
//! Grammar (whitespace is free between tokens):
//! ```text
//! cell       = "-" | "not" "(" tests ")" | tests
//! tests      = test ("," test)*
//! test       = op literal | range | literal          (a bare literal means "=")
//! op         = "<" | "<=" | ">" | ">=" | "=" | "!="
//! range      = ("[" | "(" | "]") literal ".." literal ("]" | ")" | "[")
//! literal    = number | "date(" iso-date-string ")" | string | true | false | bare word
//! ```
//! A list is a disjunction; `not(…)` negates the whole list. Which forms a
//! column accepts depends on its type: ordering and ranges only for numbers
//! and dates; text, boolean and text-set columns take values (text also
//! `!=`). Deviations and conveniences, all for procurement officers writing
//! cells by hand:
//! - in text and text-set columns a bare word of letters, digits, `_` and `-`
//!   (ä, ö, å included) is a string: `job_entry` = `"job_entry"`;
//! - in date columns a bare ISO date `2026-01-01` = `date("2026-01-01")`;
//! - in a text-set column a value test matches when the set contains it,
//!   so `"a", "b"` = "contains a or b" and `not("a")` = "does not contain a";
//! - a missing (null) input is matched with FEEL's three-valued logic (see
//!   [`Test::feel`]);
//! - an empty range such as `[30..20]` is refused rather than never matching.

use std::cmp::Ordering;
use std::fmt;

use serde::Serialize;

use super::{ColumnType, Value};
use crate::calendar::parse_iso_date;
use crate::money::{parse_exact, DecimalError};

/// The parsed content of one input cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnaryTests {
    /// `-`: any value, including null.
    Any,
    /// A disjunction of tests, negated as a whole by `not(…)`.
    List { negated: bool, tests: Vec<Test> },
}

/// One test of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Test {
    /// `< 25`, `!= 5`, or a bare literal (`Eq`).
    Compare(CmpOp, Value),
    /// `[18..24]`, `(0..365]`, …
    Range(Interval),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

/// A range with open or closed ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interval {
    pub low: Value,
    pub low_closed: bool,
    pub high: Value,
    pub high_closed: bool,
}

impl CmpOp {
    fn holds(self, ord: Ordering) -> bool {
        match self {
            CmpOp::Lt => ord == Ordering::Less,
            CmpOp::Le => ord != Ordering::Greater,
            CmpOp::Gt => ord == Ordering::Greater,
            CmpOp::Ge => ord != Ordering::Less,
            CmpOp::Eq => ord == Ordering::Equal,
            CmpOp::Ne => ord != Ordering::Equal,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
        }
    }
}

/// Order of two values of the same type; `None` across types or with null,
/// which makes every test on them fail.
pub(crate) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => Some(x.cmp(y)),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::Text(x), Value::Text(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

impl Test {
    /// Whether a single (non-set) value passes this test.
    pub fn matches(&self, value: &Value) -> bool {
        match self {
            Test::Compare(op, lit) => compare(value, lit).is_some_and(|o| op.holds(o)),
            Test::Range(r) => {
                let above = compare(value, &r.low)
                    .is_some_and(|o| o == Ordering::Greater || (r.low_closed && o == Ordering::Equal));
                let below = compare(value, &r.high)
                    .is_some_and(|o| o == Ordering::Less || (r.high_closed && o == Ordering::Equal));
                above && below
            }
        }
    }

    /// The literals the test mentions (its boundaries, for analysis). The
    /// `null` test mentions none: null is not in any column's domain.
    pub fn literals(&self) -> Vec<&Value> {
        match self {
            Test::Compare(_, Value::Null) => Vec::new(),
            Test::Compare(_, v) => vec![v],
            Test::Range(r) => vec![&r.low, &r.high],
        }
    }

    /// The test's FEEL truth value, where `None` is FEEL's null: equality
    /// with null is defined (`null = null` is true, `x = null` false, `!=`
    /// the opposite), while ordering or a range with null is null.
    fn feel(&self, value: &Value) -> Option<bool> {
        let null = |v: &Value| *v == Value::Null;
        match self {
            Test::Compare(CmpOp::Eq, lit) if null(lit) || null(value) => Some(lit == value),
            Test::Compare(CmpOp::Ne, lit) if null(lit) || null(value) => Some(lit != value),
            Test::Compare(_, lit) if null(lit) || null(value) => None,
            Test::Range(_) if null(value) => None,
            _ => Some(self.matches(value)),
        }
    }
}

impl UnaryTests {
    /// Whether `value` passes the cell. Text sets pass a value test when
    /// any member does; null passes only `-`.
    pub fn matches(&self, value: &Value) -> bool {
        let UnaryTests::List { negated, tests } = self else {
            return true;
        };
        let hit = match value {
            // FEEL: a list is true if any test is, else null if any is null;
            // `not(null)` stays null, and only true matches.
            Value::Null => {
                let results: Vec<Option<bool>> = tests.iter().map(|t| t.feel(value)).collect();
                let any = if results.contains(&Some(true)) {
                    Some(true)
                } else if results.contains(&None) {
                    None
                } else {
                    Some(false)
                };
                return any.map(|hit| hit != *negated) == Some(true);
            }
            Value::TextSet(items) => {
                items.iter().any(|item| tests.iter().any(|t| t.matches(&Value::Text(item.clone()))))
            }
            single => tests.iter().any(|t| t.feel(single) == Some(true)),
        };
        hit != *negated
    }

    /// Whether a missing value passes the cell (`-` or a `null` test).
    pub fn admits_null(&self) -> bool {
        self.matches(&Value::Null)
    }

    /// Every literal the cell mentions.
    pub fn literals(&self) -> Vec<&Value> {
        match self {
            UnaryTests::Any => Vec::new(),
            UnaryTests::List { tests, .. } => tests.iter().flat_map(Test::literals).collect(),
        }
    }
}

/// Writes the cell back in canonical syntax (`not("a", "b")`, `[18..24]`).
impl fmt::Display for UnaryTests {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let UnaryTests::List { negated, tests } = self else {
            return f.write_str("-");
        };
        let parts: Vec<String> = tests.iter().map(Test::to_string).collect();
        if *negated {
            write!(f, "not({})", parts.join(", "))
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

impl fmt::Display for Test {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Test::Compare(CmpOp::Eq, v) => f.write_str(&literal_text(v)),
            Test::Compare(op, v) => write!(f, "{} {}", op.symbol(), literal_text(v)),
            Test::Range(r) => write!(
                f,
                "{}{}..{}{}",
                if r.low_closed { '[' } else { '(' },
                literal_text(&r.low),
                literal_text(&r.high),
                if r.high_closed { ']' } else { ')' }
            ),
        }
    }
}

/// A table serializes its cells as canonical cell text.
impl Serialize for UnaryTests {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A value as it would be written inside a cell.
pub(crate) fn literal_text(v: &Value) -> String {
    match v {
        Value::Date(d) => format!("date(\"{}\")", d.format("%Y-%m-%d")),
        other => other.to_string(),
    }
}

/// What a cell of this type looks like, for "expected …" messages.
pub fn expected_test(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Number => r#"a unary test such as "< 25", "[18..24]" or "-""#,
        ColumnType::Date => {
            r#"a unary test such as >= date("2026-01-01"), [date("2026-01-01")..date("2026-06-30")] or -"#
        }
        ColumnType::Text => {
            r#"a value such as youth, a list such as "youth", "immigrant", a negation such as not(youth) or -"#
        }
        ColumnType::TextSet => r#"tags such as "youth", "immigrant" (contains any), not(youth) (contains none) or -"#,
        ColumnType::Boolean => "true, false or -",
    }
}

/// Parse an input cell for a column of type `ty`. The error says what is
/// wrong in a few words; the caller adds row, column and [`expected_test`].
pub fn parse_cell(text: &str, ty: ColumnType) -> Result<UnaryTests, String> {
    let trimmed = text.trim();
    if trimmed == "-" {
        return Ok(UnaryTests::Any);
    }
    if trimmed.is_empty() {
        return Err("the cell is empty; write - for any value".into());
    }
    let mut p = Parser { text: trimmed, pos: 0, ty };
    let negated = p.eat_call("not");
    let tests = p.tests()?;
    if negated {
        p.expect(")", "missing `)` closing not(")?;
    }
    p.skip_ws();
    if !p.rest().is_empty() {
        return Err(format!("unexpected {:?} after the test", p.rest()));
    }
    for t in &tests {
        check_allowed(t, ty)?;
    }
    Ok(UnaryTests::List { negated, tests })
}

/// Parse a single literal of type `ty` (an output cell, an output value or
/// a text input's allowed value). Text is taken verbatim — output text is
/// not a test, so it needs no quotes.
pub fn parse_literal(text: &str, ty: ColumnType) -> Result<Value, String> {
    // FEEL literals, so tables translated from DMN read the same: `null`,
    // and a text in double quotes (`"Approved"` is the text Approved).
    let trimmed = text.trim();
    if trimmed == "null" {
        return Ok(Value::Null);
    }
    if matches!(ty, ColumnType::Text | ColumnType::TextSet) {
        let quoted = trimmed.len() >= 2 && trimmed.starts_with('"') && trimmed.ends_with('"');
        let text = if quoted { trimmed[1..trimmed.len() - 1].replace("\\\"", "\"") } else { text.to_string() };
        return Ok(Value::Text(text));
    }
    let mut p = Parser { text: text.trim(), pos: 0, ty };
    let value = p.literal()?;
    p.skip_ws();
    if !p.rest().is_empty() {
        return Err(format!("unexpected {:?} after the value", p.rest()));
    }
    Ok(value)
}

/// Refuse tests that make no sense for the column's type.
fn check_allowed(test: &Test, ty: ColumnType) -> Result<(), String> {
    let ordered = matches!(ty, ColumnType::Number | ColumnType::Date);
    match test {
        Test::Range(_) | Test::Compare(CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge, _) if !ordered => {
            Err(format!("{} columns cannot use <, > or ranges; list the values instead", ty.name()))
        }
        Test::Compare(CmpOp::Ne, v) if ty == ColumnType::TextSet => {
            Err(format!("!= is ambiguous for a set; write not({}) for \"does not contain\"", literal_text(v)))
        }
        Test::Range(r) if compare(&r.low, &r.high) == Some(Ordering::Greater) => Err(format!(
            "the range is empty: its start {} is above its end {}",
            literal_text(&r.low),
            literal_text(&r.high)
        )),
        _ => Ok(()),
    }
}

/// Characters that end a bare literal.
fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || ",()[]<>=!\"".contains(c)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// A recursive-descent parser over one trimmed cell.
struct Parser<'a> {
    text: &'a str,
    pos: usize,
    ty: ColumnType,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_ws();
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str, reason: &str) -> Result<(), String> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(reason.to_string())
        }
    }

    /// Consume `name(` if the text continues with it; a bare word that
    /// merely starts with `name` (e.g. `not_eligible`) is left alone.
    fn eat_call(&mut self, name: &str) -> bool {
        self.skip_ws();
        let Some(after) = self.rest().strip_prefix(name) else {
            return false;
        };
        if !after.trim_start().starts_with('(') {
            return false;
        }
        self.pos += name.len();
        self.eat("(")
    }

    /// Consume `word` when it stands alone (followed by a delimiter or end).
    fn eat_word(&mut self, word: &str) -> bool {
        self.skip_ws();
        let rest = self.rest();
        let alone = rest.strip_prefix(word).is_some_and(|after| after.chars().next().is_none_or(is_delimiter));
        if alone {
            self.pos += word.len();
        }
        alone
    }

    fn tests(&mut self) -> Result<Vec<Test>, String> {
        let mut tests = vec![self.test()?];
        while self.eat(",") {
            tests.push(self.test()?);
        }
        Ok(tests)
    }

    fn test(&mut self) -> Result<Test, String> {
        // Longest operators first so that `<=` is not read as `<` then `=`.
        for (token, op) in [
            ("<=", CmpOp::Le),
            (">=", CmpOp::Ge),
            ("!=", CmpOp::Ne),
            ("<", CmpOp::Lt),
            (">", CmpOp::Gt),
            ("=", CmpOp::Eq),
        ] {
            if self.eat(token) {
                return Ok(Test::Compare(op, self.literal()?));
            }
        }
        for (token, low_closed) in [("[", true), ("(", false), ("]", false)] {
            if self.eat(token) {
                return self.range(low_closed).map(Test::Range);
            }
        }
        if self.eat_word("null") {
            return Ok(Test::Compare(CmpOp::Eq, Value::Null));
        }
        Ok(Test::Compare(CmpOp::Eq, self.literal()?))
    }

    fn range(&mut self, low_closed: bool) -> Result<Interval, String> {
        let low = self.literal()?;
        self.expect("..", "a range needs `..` between its ends, as in [18..24]")?;
        let high = self.literal()?;
        let high_closed = if self.eat("]") {
            true
        } else if self.eat(")") || self.eat("[") {
            false
        } else {
            return Err("missing `]` or `)` closing the range".into());
        };
        Ok(Interval { low, low_closed, high, high_closed })
    }

    fn literal(&mut self) -> Result<Value, String> {
        self.skip_ws();
        if self.eat_call("date") {
            return self.date_call();
        }
        if self.rest().starts_with('"') {
            let s = self.string()?;
            return match self.ty {
                ColumnType::Text | ColumnType::TextSet => Ok(Value::Text(s)),
                ty => Err(format!("found text {s:?} where a {} belongs; write it without quotes", ty.name())),
            };
        }
        let atom = self.atom();
        if atom.is_empty() {
            return Err(match self.rest().chars().next() {
                Some(c) => format!("expected a value, found {c:?}"),
                None => "expected a value at the end".into(),
            });
        }
        self.bare(atom)
    }

    /// `date("2026-01-01")`, after `date(`.
    fn date_call(&mut self) -> Result<Value, String> {
        self.skip_ws();
        let text = self.string()?;
        self.expect(")", "missing `)` closing date(")?;
        let date = parse_iso_date(&text).ok_or_else(|| format!("{text:?} is not a date; write YYYY-MM-DD"))?;
        if self.ty == ColumnType::Date {
            Ok(Value::Date(date))
        } else {
            Err(format!("found a date where a {} belongs", self.ty.name()))
        }
    }

    /// A double-quoted string with `\"` and `\\` escapes.
    fn string(&mut self) -> Result<String, String> {
        if !self.rest().starts_with('"') {
            return Err("expected a string in double quotes".into());
        }
        let mut out = String::new();
        let mut chars = self.rest()[1..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 2;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, e @ ('"' | '\\'))) => out.push(e),
                    _ => return Err(r#"only \" and \\ may follow a backslash"#.into()),
                },
                c => out.push(c),
            }
        }
        Err("missing `\"` closing the string".into())
    }

    /// A bare literal: everything up to a delimiter or `..`.
    fn atom(&mut self) -> &'a str {
        let rest = self.rest();
        let mut end = rest.find(is_delimiter).unwrap_or(rest.len());
        if let Some(dots) = rest[..end].find("..") {
            end = dots;
        }
        self.pos += end;
        &rest[..end]
    }

    /// Interpret a bare literal by the column's type.
    fn bare(&self, atom: &str) -> Result<Value, String> {
        match self.ty {
            ColumnType::Number => parse_exact(atom).map(Value::Number).map_err(|reason| match reason {
                DecimalError::Syntax => {
                    format!("{atom:?} is not a number; write digits with a decimal point, e.g. 1200.50")
                }
                // Exact or refused: a cell is never rounded to fit.
                _ => format!("{atom:?} {reason}"),
            }),
            ColumnType::Date => parse_iso_date(atom)
                .map(Value::Date)
                .ok_or_else(|| format!(r#"{atom:?} is not a date; write date("2026-01-01")"#)),
            ColumnType::Boolean => match atom {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(format!("{atom:?} is not true or false")),
            },
            ColumnType::Text | ColumnType::TextSet => {
                if atom.chars().all(is_word_char) {
                    Ok(Value::Text(atom.to_string()))
                } else {
                    Err(format!("{atom:?} has characters a bare word cannot have; put it in double quotes"))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::parse_decimal;

    fn num(s: &str) -> Value {
        Value::Number(parse_decimal(s).unwrap())
    }

    fn date(s: &str) -> Value {
        Value::Date(parse_iso_date(s).unwrap())
    }

    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }

    fn cell(s: &str, ty: ColumnType) -> UnaryTests {
        parse_cell(s, ty).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    /// Which of `values` pass the cell.
    fn passing<'v>(s: &str, ty: ColumnType, values: &'v [Value]) -> Vec<&'v Value> {
        let c = cell(s, ty);
        values.iter().filter(|v| c.matches(v)).collect()
    }

    #[test]
    fn dash_matches_everything_including_null() {
        let c = cell(" - ", ColumnType::Number);
        assert!(c.matches(&Value::Null));
        assert!(c.matches(&num("-3")));
    }

    #[test]
    fn comparisons_at_their_bounds() {
        let v = [num("24"), num("24.99"), num("25"), num("25.01")];
        let n = ColumnType::Number;
        assert_eq!(passing("< 25", n, &v), [&v[0], &v[1]]);
        assert_eq!(passing("<=25", n, &v), [&v[0], &v[1], &v[2]]);
        assert_eq!(passing("> 25", n, &v), [&v[3]]);
        assert_eq!(passing(">= 25", n, &v), [&v[2], &v[3]]);
        assert_eq!(passing("= 25", n, &v), [&v[2]]);
        assert_eq!(passing("25.00", n, &v), [&v[2]], "25.00 equals 25 as a number");
        assert_eq!(passing("!= 25", n, &v), [&v[0], &v[1], &v[3]]);
        assert_eq!(passing("> -1.5", n, &[num("-1")]), [&num("-1")]);
    }

    #[test]
    fn ranges_with_open_and_closed_ends() {
        let v = [num("0"), num("1"), num("365"), num("366")];
        let n = ColumnType::Number;
        assert_eq!(passing("[0..365]", n, &v), [&v[0], &v[1], &v[2]]);
        assert_eq!(passing("(0..365]", n, &v), [&v[1], &v[2]]);
        assert_eq!(passing("]0..365]", n, &v), [&v[1], &v[2]]);
        assert_eq!(passing("[0..365[", n, &v), [&v[0], &v[1]]);
        assert_eq!(passing("[0..365)", n, &v), [&v[0], &v[1]]);
        assert_eq!(passing("( 0 .. 365 )", n, &v), [&v[1]]);
    }

    #[test]
    fn lists_and_negation() {
        let v = [num("1"), num("2"), num("3"), num("5")];
        let n = ColumnType::Number;
        assert_eq!(passing("1, 2, 5", n, &v), [&v[0], &v[1], &v[3]]);
        assert_eq!(passing("not(1, 2, 5)", n, &v), [&v[2]]);
        assert_eq!(passing("not([2..3])", n, &v), [&v[0], &v[3]]);
        assert_eq!(passing("< 2, > 3", n, &v), [&v[0], &v[3]]);
    }

    #[test]
    fn the_null_test_matches_only_a_missing_value() {
        let null = cell("null", ColumnType::Number);
        assert!(null.matches(&Value::Null));
        assert!(!null.matches(&Value::Number(5.into())));
        let not_null = cell("not(null)", ColumnType::Number);
        assert!(not_null.matches(&Value::Number(5.into())));
        assert!(!not_null.matches(&Value::Null));
        assert!(cell("null, > 3", ColumnType::Number).matches(&Value::Number(4.into())));
    }

    #[test]
    fn a_missing_value_follows_feel_three_valued_logic() {
        let null = Value::Null;
        assert!(!cell("5", ColumnType::Number).matches(&null), "null = 5 is false");
        assert!(cell("not(5)", ColumnType::Number).matches(&null), "not(false) is true");
        assert!(cell("!= 5", ColumnType::Number).matches(&null), "null != 5 is true");
        assert!(cell("not(youth)", ColumnType::Text).matches(&null));
        assert!(!cell("< 5", ColumnType::Number).matches(&null), "null < 5 is null");
        assert!(!cell("not(< 5)", ColumnType::Number).matches(&null), "not(null) is null");
        assert!(!cell("[1..9]", ColumnType::Number).matches(&null));
        assert!(cell("< 5, null", ColumnType::Number).matches(&null), "null or true is true");
    }

    #[test]
    fn dates_in_comparisons_and_ranges() {
        let v = [date("2025-12-31"), date("2026-01-01"), date("2026-06-30")];
        let d = ColumnType::Date;
        assert_eq!(passing(r#">= date("2026-01-01")"#, d, &v), [&v[1], &v[2]]);
        assert_eq!(passing(r#"[date("2026-01-01")..date("2026-06-30"))"#, d, &v), [&v[1]]);
        assert_eq!(passing("< 2026-01-01", d, &v), [&v[0]], "bare ISO date");
        assert_eq!(
            parse_cell(r#"date("2026-02-30")"#, d).unwrap_err(),
            r#""2026-02-30" is not a date; write YYYY-MM-DD"#
        );
    }

    #[test]
    fn text_strings_bare_words_and_lists() {
        let v = [text("youth"), text("immigrant"), text("long_term-unemployed"), text("äijä")];
        let t = ColumnType::Text;
        assert_eq!(passing("youth", t, &v), [&v[0]]);
        assert_eq!(passing(r#""youth", immigrant"#, t, &v), [&v[0], &v[1]]);
        assert_eq!(passing("long_term-unemployed", t, &v), [&v[2]]);
        assert_eq!(passing("äijä", t, &v), [&v[3]]);
        assert_eq!(passing("not(youth, äijä)", t, &v), [&v[1], &v[2]]);
        assert_eq!(passing(r#"!= "youth""#, t, &v), [&v[1], &v[2], &v[3]]);
        assert_eq!(passing("not_eligible", t, &[text("not_eligible")]).len(), 1);
        assert_eq!(passing(r#""a \"b\"""#, t, &[text(r#"a "b""#)]).len(), 1);
    }

    #[test]
    fn text_sets_match_on_membership() {
        let none = Value::text_set(Vec::<String>::new());
        let youth = Value::text_set(["youth"]);
        let both = Value::text_set(["youth", "immigrant"]);
        let other = Value::text_set(["disabled"]);
        let v = [none, youth, both, other];
        let s = ColumnType::TextSet;
        assert_eq!(passing("youth, immigrant", s, &v), [&v[1], &v[2]]);
        assert_eq!(passing("not(youth)", s, &v), [&v[0], &v[3]]);
        assert_eq!(passing("-", s, &v).len(), 4);
    }

    #[test]
    fn booleans() {
        let v = [Value::Bool(true), Value::Bool(false)];
        assert_eq!(passing("true", ColumnType::Boolean, &v), [&v[0]]);
        assert_eq!(passing("not(true)", ColumnType::Boolean, &v), [&v[1]]);
        assert!(parse_cell("yes", ColumnType::Boolean).is_err());
    }

    #[test]
    fn malformed_cells_say_what_is_wrong() {
        let n = ColumnType::Number;
        let cases = [
            ("<< 25", n, "expected a value, found '<'"),
            ("[18..24", n, "missing `]` or `)` closing the range"),
            ("[18 24]", n, "a range needs `..` between its ends, as in [18..24]"),
            ("[30..20]", n, "the range is empty: its start 30 is above its end 20"),
            ("1e3", n, r#""1e3" is not a number; write digits with a decimal point, e.g. 1200.50"#),
            (r#""25""#, n, "found text \"25\" where a number belongs; write it without quotes"),
            ("", n, "the cell is empty; write - for any value"),
            ("not(5", n, "missing `)` closing not("),
            ("25 26", n, "unexpected \"26\" after the test"),
            ("< youth", ColumnType::Text, "text columns cannot use <, > or ranges; list the values instead"),
            (
                "job.entry",
                ColumnType::Text,
                r#""job.entry" has characters a bare word cannot have; put it in double quotes"#,
            ),
            ("\"open", ColumnType::Text, "missing `\"` closing the string"),
            (
                "!= youth",
                ColumnType::TextSet,
                r#"!= is ambiguous for a set; write not("youth") for "does not contain""#,
            ),
            (r#"date("2026-01-01")"#, n, "found a date where a number belongs"),
        ];
        for (input, ty, want) in cases {
            assert_eq!(parse_cell(input, ty).unwrap_err(), want, "cell {input:?}");
        }
    }

    #[test]
    fn cells_print_back_canonically() {
        let shown = |s: &str, ty| cell(s, ty).to_string();
        assert_eq!(shown("]0..365]", ColumnType::Number), "(0..365]");
        assert_eq!(shown("not( youth ,x)", ColumnType::Text), r#"not("youth", "x")"#);
        assert_eq!(shown("<2026-01-01", ColumnType::Date), r#"< date("2026-01-01")"#);
    }

    #[test]
    fn literals_for_outputs() {
        assert_eq!(parse_literal("1500.00", ColumnType::Number), Ok(num("1500.00")));
        assert_eq!(parse_literal("Job entry bonus", ColumnType::Text), Ok(text("Job entry bonus")));
        assert_eq!(parse_literal(r#"date("2026-01-01")"#, ColumnType::Date), Ok(date("2026-01-01")));
        assert!(parse_literal("1 500", ColumnType::Number).is_err());
    }
}
