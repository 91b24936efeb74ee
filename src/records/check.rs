//! Rules every input format shares: how a problem is worded and located,
//! the participant id (never an identity code), arms, spell kinds and
//! sectors, groups, satisfaction, and duplicate (`id`, `arm`, `contract`)
//! detection.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::hetu;
use super::model::{Arm, Sector};
use crate::diagnostic::{Column, Diagnostic, Location};

/// What is wrong with one value, before it is placed in a file.
#[derive(Debug)]
pub(super) struct Problem {
    message: String,
    help: Option<String>,
}

impl Problem {
    pub(super) fn new(message: impl Into<String>) -> Self {
        Problem { message: message.into(), help: None }
    }

    pub(super) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// `expected …, found …` about the field `field`.
    pub(super) fn expected(field: &str, expected: &str, found: impl fmt::Display) -> Self {
        Problem::new(format!("`{field}`: expected {expected}, found {found}"))
    }

    pub(super) fn missing(field: &str) -> Self {
        Problem::new(format!("missing required field `{field}`"))
    }
}

/// Where a problem is: file, physical line, and the participant once known.
pub(super) struct Place<'a> {
    pub file: &'a Path,
    pub line: u64,
    pub id: Option<&'a str>,
}

impl Place<'_> {
    /// The diagnostic for `problem` here, prefixed with the participant.
    pub(super) fn diagnostic(&self, column: Option<Column>, problem: Problem) -> Diagnostic {
        let who = match self.id {
            Some(id) => format!("participant {}", quote(id)),
            None => "record".to_owned(),
        };
        let location = Location::Line { line: self.line, column };
        let d = Diagnostic::error(self.file, location, format!("{who}: {}", problem.message));
        let d = match problem.help {
            Some(h) => d.with_help(h),
            None => d,
        };
        hetu::redact_diagnostic(d)
    }
}

/// A found value for a message: quoted, shortened, identity codes masked.
pub(super) fn quote(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    let redacted = hetu::redact(text);
    match redacted.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{:?}…", &redacted[..cut]),
        None => format!("{redacted:?}"),
    }
}

/// The participant id: non-empty and not a personal identity code.
pub(super) fn participant_id(field: &str, id: &str) -> Result<(), Problem> {
    if id.trim().is_empty() {
        return Err(Problem::new(format!("`{field}` is empty")).help("give every record its pseudonymous id"));
    }
    if hetu::contains_identity_code(id) {
        // The id itself is never repeated: it is personal data.
        return Err(Problem::new(format!(
            "`{field}` looks like a Finnish personal identity code (henkilötunnus); refusing it"
        ))
        .help("export pseudonymous participant ids, never personal identity codes"));
    }
    Ok(())
}

pub(super) fn arm(field: &str, text: &str) -> Result<Arm, Problem> {
    match text {
        "participant" => Ok(Arm::Participant),
        "control" => Ok(Arm::Control),
        _ => Err(Problem::expected(field, "\"participant\" or \"control\"", quote(text))),
    }
}

/// Kind and sector of a spell, normalised as the model documents:
/// subsidised employment is always `subsidised_employment`/`Subsidised`,
/// employment without a sector is open labour market.
pub(super) fn spell_kind(
    kind_field: &str,
    kind: &str,
    sector_field: &str,
    sector: Option<&str>,
) -> Result<(String, Option<Sector>), Problem> {
    if kind.is_empty() {
        return Err(Problem::new(format!("`{kind_field}` is empty")));
    }
    let sector = match sector {
        None => None,
        Some("open") => Some(Sector::Open),
        Some("subsidised") => Some(Sector::Subsidised),
        Some(other) => return Err(Problem::expected(sector_field, "\"open\" or \"subsidised\"", quote(other))),
    };
    match (kind, sector) {
        ("employment", None | Some(Sector::Open)) => Ok(("employment".into(), Some(Sector::Open))),
        ("employment" | "subsidised_employment", Some(Sector::Subsidised)) | ("subsidised_employment", None) => {
            Ok(("subsidised_employment".into(), Some(Sector::Subsidised)))
        }
        ("subsidised_employment", Some(Sector::Open)) => {
            Err(Problem::new(format!("`{sector_field}` is \"open\" but `{kind_field}` is \"subsidised_employment\""))
                .help("use kind \"employment\" for open labour market work"))
        }
        (_, Some(_)) => Err(Problem::new(format!(
            "`{sector_field}` is given for a {} spell; a sector belongs only to employment spells",
            quote(kind)
        ))
        .help("leave the sector empty, or use kind \"employment\"")),
        (_, None) => Ok((kind.to_owned(), None)),
    }
}

/// A period's end may not come before its start (both ends are inclusive).
pub(super) fn end_not_before_start(field: &str, start: NaiveDate, end: Option<NaiveDate>) -> Result<(), Problem> {
    match end {
        Some(end) if end < start => Err(Problem::new(format!("`{field}`: end {end} is before start {start}"))),
        _ => Ok(()),
    }
}

/// An analysis weight: a non-negative decimal.
pub(super) fn weight(field: &str, weight: Decimal) -> Result<Decimal, Problem> {
    if weight.is_sign_negative() && !weight.is_zero() {
        return Err(Problem::expected(field, "a weight of 0 or more", weight));
    }
    Ok(weight)
}

/// Adds a group tag unless already present, keeping input order.
pub(super) fn push_group(groups: &mut Vec<String>, field: &str, tag: &str) -> Result<(), Problem> {
    if tag.is_empty() {
        return Err(Problem::new(format!("`{field}` holds an empty group tag")));
    }
    if !groups.iter().any(|g| g == tag) {
        groups.push(tag.to_owned());
    }
    Ok(())
}

pub(super) const SATISFACTION_EXPECTED: &str = "an integer from 1 to 5";

pub(super) fn satisfaction(field: &str, value: i64) -> Result<u8, Problem> {
    match u8::try_from(value) {
        Ok(v @ 1..=5) => Ok(v),
        _ => Err(Problem::expected(field, SATISFACTION_EXPECTED, value)),
    }
}

/// Remembers the line of each (`id`, `arm`, `contract`) seen so far.
#[derive(Default)]
pub(super) struct Duplicates {
    first_line: HashMap<(String, Arm, Option<String>), u64>,
}

impl Duplicates {
    /// Records the key at `line`; a repeat is the error, naming both lines.
    pub(super) fn check(&mut self, id: &str, arm: Arm, contract: Option<&str>, line: u64) -> Result<(), Problem> {
        let key = (id.to_owned(), arm, contract.map(str::to_owned));
        match self.first_line.get(&key) {
            Some(&first) => {
                let contract = contract.map_or_else(|| "no contract".to_owned(), |c| format!("contract {}", quote(c)));
                Err(Problem::new(format!(
                    "duplicate record: line {line} repeats the id, arm ({}) and {contract} of line {first}",
                    arm.as_str()
                ))
                .help("each participant may appear once per arm and contract; remove or merge one of the lines"))
            }
            None => {
                self.first_line.insert(key, line);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(kind: &str, sector: Option<&str>) -> Result<(String, Option<Sector>), String> {
        spell_kind("kind", kind, "sector", sector).map_err(|p| p.message)
    }

    #[test]
    fn spell_kinds_normalise_subsidised_employment() {
        let subsidised = Ok(("subsidised_employment".to_owned(), Some(Sector::Subsidised)));
        assert_eq!(kind("subsidised_employment", None), subsidised);
        assert_eq!(kind("employment", Some("subsidised")), subsidised);
        assert_eq!(kind("subsidised_employment", Some("subsidised")), subsidised);
        let open = Ok(("employment".to_owned(), Some(Sector::Open)));
        assert_eq!(kind("employment", None), open);
        assert_eq!(kind("employment", Some("open")), open);
        assert_eq!(kind("education", None), Ok(("education".to_owned(), None)));
    }

    #[test]
    fn spell_sectors_are_checked() {
        assert!(kind("employment", Some("public")).unwrap_err().contains("expected \"open\" or \"subsidised\""));
        assert!(kind("subsidised_employment", Some("open")).is_err());
        assert!(kind("education", Some("open")).unwrap_err().contains("only to employment"));
    }

    #[test]
    fn ids_shaped_like_identity_codes_are_refused_without_echo() {
        let p = participant_id("id", "131052-308T").unwrap_err();
        assert!(p.message.contains("personal identity code"));
        assert!(!p.message.contains("131052"));
        assert!(participant_id("id", " ").is_err());
        assert!(participant_id("id", "P-000123").is_ok());
    }

    #[test]
    fn duplicates_name_both_lines() {
        let mut d = Duplicates::default();
        assert!(d.check("P-1", Arm::Participant, None, 2).is_ok());
        assert!(d.check("P-1", Arm::Control, None, 3).is_ok());
        assert!(d.check("P-1", Arm::Participant, Some("X"), 4).is_ok());
        let p = d.check("P-1", Arm::Participant, None, 9).unwrap_err();
        assert!(p.message.contains("line 9") && p.message.contains("line 2"), "{}", p.message);
    }

    #[test]
    fn groups_deduplicate_in_order_and_satisfaction_is_bounded() {
        let mut g = Vec::new();
        for tag in ["youth", "immigrant", "youth"] {
            push_group(&mut g, "groups", tag).unwrap();
        }
        assert_eq!(g, ["youth", "immigrant"]);
        assert!(push_group(&mut g, "groups", "").is_err());
        assert_eq!(satisfaction("s", 5).unwrap(), 5);
        assert!(satisfaction("s", 0).is_err());
        assert!(satisfaction("s", 6).is_err());
    }

    #[test]
    fn quotes_are_short_and_redacted() {
        assert_eq!(quote("x 131052-308T"), "\"x ******-****\"");
        assert_eq!(quote(&"a".repeat(50)), format!("{:?}…", "a".repeat(40)));
    }
}
