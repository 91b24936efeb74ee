//! Rules every input format shares: how a problem is worded and located,
//! the participant id (never an identity code), arms, spell kinds and
//! sectors, groups, satisfaction, and duplicate (`id`, `arm`, `contract`)
//! detection.

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use unicode_normalization::UnicodeNormalization;

use super::heads::Heads;
use super::hetu;
use super::model::{Arm, Sector, Text};
use crate::diagnostic::{Column, Diagnostic, Location};
use crate::money::DecimalError;
use crate::text::{hides_or_forges, is_layout};

/// What is wrong with one value, before it is placed in a file.
#[derive(Debug)]
pub(super) struct Problem {
    pub message: String,
    pub help: Option<String>,
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

/// The participant id as compared and stored: Unicode NFC, surrounding
/// whitespace trimmed. The same rule in every format, so `"P-1 "` and an
/// NFD-written id are the same participant as `"P-1"` and its NFC form.
pub fn normalise_id(raw: &str) -> String {
    // ASCII text is already in every normal form.
    if raw.is_ascii() {
        return raw.trim().to_owned();
    }
    let composed: String = raw.nfc().collect();
    composed.trim().to_owned()
}

/// The participant id, normalised ([`normalise_id`]): not empty, no control
/// or invisible formatting character, not a personal identity code.
pub(super) fn participant_id(field: &str, raw: &str) -> Result<Text, Problem> {
    let id = normalise_id(raw);
    safe_text(field, &id)?;
    if id.is_empty() {
        return Err(Problem::new(format!("`{field}` is empty")).help("give every record its pseudonymous id"));
    }
    Ok(id.into())
}

/// A contract id of a record, normalised as participant ids are, so that
/// it compares with the contract being evaluated the same way in every
/// format.
pub(super) fn contract_id(field: &str, raw: &str) -> Result<Text, Problem> {
    let id = normalise_id(raw);
    safe_text(field, &id)?;
    if id.is_empty() {
        return Err(
            Problem::new(format!("`{field}` is empty")).help("leave the contract out for the contract being evaluated")
        );
    }
    Ok(id.into())
}

/// Any text of a record, whatever its field: it may not hold a personal
/// identity code, nor a character that could hide or forge text in a
/// statement or report. Neither the value nor the character is echoed.
pub(super) fn safe_text(field: &str, text: &str) -> Result<(), Problem> {
    safe(|| format!("`{field}`"), text, hides_or_forges)
}

/// A free-text value (an attribute's or an event's `value`): as
/// [`safe_text`], except that line breaks and tabs are allowed, since a
/// note may span lines (a quoted CSV cell can).
pub(super) fn safe_free_text(field: &str, text: &str) -> Result<(), Problem> {
    safe(|| format!("`{field}`"), text, |c| hides_or_forges(c) && !is_layout(c))
}

/// A field name (JSON key or CSV column) under `parent`, checked as
/// [`safe_text`] checks values; the name itself is not shown.
pub(super) fn safe_name(parent: &str, name: &str) -> Result<(), Problem> {
    let subject = || if parent.is_empty() { "a field name".to_owned() } else { format!("a field name in `{parent}`") };
    safe(subject, name, hides_or_forges)
}

/// Whether [`safe`] accepts `text`, without wording why not.
pub(super) fn is_safe(text: &str, is_forbidden: impl Fn(char) -> bool) -> bool {
    !text.chars().any(is_forbidden) && !hetu::contains_identity_code(text)
}

/// `subject` names the text in a refusal; it is worded only for one.
fn safe(subject: impl FnOnce() -> String, text: &str, is_forbidden: impl Fn(char) -> bool) -> Result<(), Problem> {
    if hetu::contains_identity_code(text) {
        let subject = subject();
        return Err(Problem::new(format!(
            "{subject} looks like a Finnish personal identity code (henkilötunnus); refusing it"
        ))
        .help("records carry pseudonymous values only: a personal identity code may appear in no field"));
    }
    if let Some((at, c)) = text.chars().enumerate().find(|&(_, c)| is_forbidden(c)) {
        let subject = subject();
        return Err(Problem::new(format!(
            "{subject} contains the control or invisible formatting character U+{:04X} (character {}); refusing it",
            c as u32,
            at + 1
        ))
        .help("remove it: such characters can hide or forge text in statements and reports"));
    }
    Ok(())
}

/// `field` could not be read as a decimal: expected vs found when it is
/// not one, else exactly why (too many digits, too large).
pub(super) fn decimal_problem(field: &str, expected: &str, found: impl fmt::Display, error: DecimalError) -> Problem {
    match error {
        DecimalError::Syntax => Problem::expected(field, expected, found),
        DecimalError::TooPrecise => Problem::new(format!("`{field}`: {found} {error}"))
            .help("give at most 28 significant digits, rounded as the source system rounds them"),
        DecimalError::TooLarge => Problem::new(format!("`{field}`: {found} {error}"))
            .help("check the value: no amount, hour count or score of one participant comes near it"),
    }
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
) -> Result<(Text, Option<Sector>), Problem> {
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
        (_, None) => Ok((kind.into(), None)),
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
pub(super) fn push_group(groups: &mut Vec<Text>, field: &str, tag: &str) -> Result<(), Problem> {
    if tag.is_empty() {
        return Err(Problem::new(format!("`{field}` holds an empty group tag")));
    }
    if !groups.iter().any(|g| g == tag) {
        groups.push(tag.into());
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

/// Remembers each participant seen so far, to refuse a second record of
/// one: same normalised id, same arm, same effective contract. A record
/// without `contract` belongs to the contract being evaluated, so it is
/// compared as that contract. When that contract is not known (`tulos
/// records` reads a file on its own), a record without `contract` clashes
/// with every record of its id and arm: it would clash under at least one
/// contract, and a file must be valid for every contract it is given to.
///
/// A national file holds millions of participants, so each is kept
/// compactly (about 50 bytes): ids in one text arena, contracts interned,
/// and the table keyed by a 64-bit hash of the likeness key and arm with
/// a chain of the records that share it. Records in a chain are compared
/// by their likeness keys again, so a hash collision never makes two
/// participants one.
#[derive(Default)]
pub(super) struct Duplicates {
    /// The contract being evaluated, when known.
    evaluated: Option<String>,
    /// Hash of (id's likeness key, arm) → the last record with that hash.
    last: Heads,
    /// Every record read, in input order.
    seen: Vec<Seen>,
    /// The ids of `seen`, one after another.
    ids: String,
    /// The distinct contracts of `seen`.
    contracts: Contracts,
}

/// What two ids must share to be the same participant: the normalised id
/// folded to compatibility forms (NFKC: full-width `Ｐ-1` is `P-1`) and to
/// lower case (`p-1` is `P-1`). A spreadsheet, an input method or a
/// retyped export changes exactly these, so two such records are one
/// person written twice — paid twice if they were told apart. Ids that
/// really differ only so cannot be told apart safely, and are refused.
fn likeness_key(id: &str) -> String {
    // ASCII text is already in every normal form.
    if id.is_ascii() {
        return id.to_ascii_lowercase();
    }
    id.nfkc().flat_map(char::to_lowercase).collect()
}

/// The distinct contracts of the records read, each with its index.
#[derive(Default)]
struct Contracts {
    names: Vec<String>,
    index: HashMap<String, u32>,
    /// The index interned last: a file names one contract record after
    /// record, which this finds without hashing.
    recent: Option<u32>,
}

impl Contracts {
    /// The index of `contract`, added if new (a file names a handful).
    fn intern(&mut self, contract: &str) -> u32 {
        if let Some(i) = self.recent.filter(|&i| self.names[i as usize] == contract) {
            return i;
        }
        let i = match self.index.get(contract) {
            Some(&i) => i,
            None => {
                let i = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
                self.names.push(contract.to_owned());
                self.index.insert(contract.to_owned(), i);
                i
            }
        };
        self.recent = Some(i);
        i
    }

    fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }
}

/// The earlier record a duplicate repeats, for the message.
struct SeenRecord {
    id: String,
    named: bool,
    line: u64,
}

/// A record already read.
#[derive(Clone, Copy)]
struct Seen {
    /// Its id as written (normalised): `ids[id_at..id_at + id_len]`.
    id_at: usize,
    id_len: u32,
    /// Index in `contracts` of the contract it belongs to, when known.
    contract: Option<u32>,
    /// Whether the record named that contract itself.
    named: bool,
    arm: Arm,
    line: u64,
    /// The record read before it with the same hash.
    previous: Option<u32>,
}

impl Duplicates {
    /// Duplicates of records read for the contract `evaluated` (`None`:
    /// for any contract).
    pub(super) fn new(evaluated: Option<&str>) -> Self {
        Duplicates { evaluated: evaluated.map(normalise_id), ..Duplicates::default() }
    }

    /// Records the participant at `line`; a repeat is the error, naming
    /// both lines.
    pub(super) fn check(&mut self, id: &str, arm: Arm, contract: Option<&str>, line: u64) -> Result<(), Problem> {
        self.check_hashed(id, arm, contract, line, Self::hash(id, arm))
    }

    /// The hash the table keys a participant by: of the likeness key and
    /// the arm. Pure, so it can be computed on any thread ahead of
    /// [`Duplicates::check_hashed`].
    pub(super) fn hash(id: &str, arm: Arm) -> u64 {
        let mut h = std::hash::DefaultHasher::new();
        if id.is_ascii() {
            // The likeness key of ASCII text, lower-cased a piece at a
            // time without building it (hashing is streamed: the pieces
            // hash as the whole would).
            let mut piece = [0u8; 64];
            for chunk in id.as_bytes().chunks(piece.len()) {
                let lower = &mut piece[..chunk.len()];
                lower.copy_from_slice(chunk);
                lower.make_ascii_lowercase();
                h.write(lower);
            }
        } else {
            h.write(likeness_key(id).as_bytes());
        }
        arm.hash(&mut h);
        h.finish()
    }

    /// Reads the table's entries for `hashes` ahead of checking them (see
    /// `Settle::look_ahead`); changes nothing.
    pub(super) fn look_ahead(&self, hashes: impl Iterator<Item = u64>) {
        let found = hashes.fold(0, |found, hash| found ^ self.last.touch(hash));
        std::hint::black_box(found);
    }

    /// [`Duplicates::check`] with the participant's [`Duplicates::hash`]
    /// computed already.
    pub(super) fn check_hashed(
        &mut self,
        id: &str,
        arm: Arm,
        contract: Option<&str>,
        line: u64,
        hash: u64,
    ) -> Result<(), Problem> {
        let effective = contract.or(self.evaluated.as_deref());
        let head = self.last.get(hash);
        // Only a participant whose hash was seen needs its key compared.
        if head.is_some() {
            if let Some(first) = self.first_clash(head, &likeness_key(id), arm, effective) {
                return Err(self.duplicate(id, arm, contract, &first, line));
            }
        }
        let named = contract.is_some();
        let contract = effective.map(|c| self.contracts.intern(c));
        let index = u32::try_from(self.seen.len()).unwrap_or(u32::MAX);
        let id_len = u32::try_from(id.len()).unwrap_or(u32::MAX);
        self.seen.push(Seen { id_at: self.ids.len(), id_len, contract, named, arm, line, previous: head });
        self.ids.push_str(id);
        self.last.set(hash, index);
        Ok(())
    }

    /// The earliest record in the chain from `head` that is the same
    /// participant (likeness key and arm) for the same contract.
    fn first_clash(&self, head: Option<u32>, key: &str, arm: Arm, effective: Option<&str>) -> Option<SeenRecord> {
        let mut clash = None;
        let mut next = head;
        while let Some(index) = next {
            let s = self.seen[index as usize];
            next = s.previous;
            let contract = s.contract.map(|c| self.contracts.name(c));
            let same_contract = contract.is_none() || effective.is_none() || contract == effective;
            if s.arm == arm && same_contract && likeness_key(self.id_of(&s)) == key {
                clash = Some(s);
            }
        }
        clash.map(|s| SeenRecord { id: self.id_of(&s).to_owned(), named: s.named, line: s.line })
    }

    fn id_of(&self, s: &Seen) -> &str {
        self.ids.get(s.id_at..s.id_at + s.id_len as usize).unwrap_or_default()
    }

    fn duplicate(&self, id: &str, arm: Arm, contract: Option<&str>, first: &SeenRecord, line: u64) -> Problem {
        let spelling = if first.id == id {
            String::new()
        } else {
            format!(
                " ({} on line {line} and {} on line {} differ only in letter case or character width)",
                quote(id),
                quote(&first.id),
                first.line
            )
        };
        let (arm, named, first) = (arm.as_str(), first.named, first.line);
        let message = match (contract, named, self.evaluated.as_deref()) {
            (Some(c), true, _) => {
                format!("line {line} repeats the id, arm ({arm}) and contract {} of line {first}", quote(c))
            }
            (None, false, None) => format!("line {line} repeats the id, arm ({arm}) and no contract of line {first}"),
            (_, _, Some(evaluated)) => format!(
                "line {line} repeats the id and arm ({arm}) of line {first}, both for contract {} \
                 (a record without `contract` belongs to the contract being evaluated)",
                quote(evaluated)
            ),
            (_, _, None) => format!(
                "line {line} repeats the id and arm ({arm}) of line {first}, and one of them has no `contract`, \
                 so both would belong to the same contract"
            ),
        };
        Problem::new(format!("duplicate record: {message}{spelling}")).help(
            "each participant may appear once per arm and contract (ids are compared with surrounding \
             whitespace trimmed, after Unicode compatibility normalisation (NFKC) and ignoring letter case); \
             remove or merge one of the lines",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(kind: &str, sector: Option<&str>) -> Result<(String, Option<Sector>), String> {
        spell_kind("kind", kind, "sector", sector).map(|(k, s)| (k.into(), s)).map_err(|p| p.message)
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
        assert_eq!(participant_id("id", "P-000123").unwrap(), "P-000123");
    }

    #[test]
    fn ids_are_nfc_and_trimmed() {
        assert_eq!(participant_id("id", " P-1 ").unwrap(), "P-1");
        // Surrounding white space, tabs and line breaks included, is trimmed
        // before the id is checked, as a CSV cell is.
        assert_eq!(participant_id("id", "P-1\t\n").unwrap(), "P-1");
        assert_eq!(participant_id("id", "Ja\u{308}msa\u{308}-1").unwrap(), "Jämsä-1");
    }

    #[test]
    fn control_and_bidi_characters_are_refused_without_echo() {
        for bad in [
            "P\u{1b}[31m-1",
            "P-\n1",
            "P\u{0}1",
            "P-\u{202E}1",
            "\u{200B}P-1",
            "P-1\u{2066}",
            "\u{FEFF}P-1",
            "P\u{85}1",
        ] {
            let p = participant_id("id", bad).unwrap_err();
            assert!(p.message.contains("control or invisible formatting character U+"), "{bad:?}: {}", p.message);
            assert!(!p.message.contains(bad), "{}", p.message);
        }
        assert!(safe_text("municipality", "Jämsä").is_ok());
        assert!(safe_text("note", "two\nlines").is_err());
        assert!(safe_free_text("note", "two\r\nlines\tand a tab").is_ok());
        assert!(safe_free_text("note", "a \u{1b}[2J escape").is_err());
        assert!(safe_free_text("note", "x 131052-308T").is_err());
        assert!(safe_text("municipality", "1\u{202F}820").is_ok(), "narrow no-break space is grouping, not formatting");
        assert!(safe_name("attributes", "131052-308T")
            .unwrap_err()
            .message
            .starts_with("a field name in `attributes` looks like"));
    }

    #[test]
    fn duplicates_name_both_lines() {
        let mut d = Duplicates::new(Some("K"));
        assert!(d.check("P-1", Arm::Participant, None, 2).is_ok());
        assert!(d.check("P-1", Arm::Control, None, 3).is_ok());
        assert!(d.check("P-1", Arm::Participant, Some("X"), 4).is_ok());
        let p = d.check("P-1", Arm::Participant, None, 9).unwrap_err();
        assert!(p.message.contains("line 9 repeats the id and arm (participant) of line 2, both for contract \"K\""));
        let p = d.check("P-1", Arm::Participant, Some("K"), 10).unwrap_err();
        assert!(
            p.message.contains("line 10 repeats the id and arm (participant) of line 2, both for"),
            "{}",
            p.message
        );
    }

    #[test]
    fn ids_differing_in_case_or_width_are_one_participant() {
        let mut d = Duplicates::new(Some("K"));
        assert!(d.check("P-1", Arm::Participant, None, 1).is_ok());
        for (line, same) in [(2, "p-1"), (3, "\u{ff30}-1"), (4, "\u{ff50}\u{ff0d}\u{ff11}")] {
            let p = d.check(same, Arm::Participant, Some("K"), line).unwrap_err();
            assert!(p.message.contains("of line 1, both for contract"), "{}", p.message);
            assert!(p.message.contains("differ only in letter case or character width"), "{}", p.message);
        }
        assert!(d.check("P-1", Arm::Control, None, 5).is_ok());
        assert!(d.check("P-2", Arm::Participant, None, 6).is_ok());
        // Longer than the pieces an ASCII id is hashed in, and in full width.
        let long = format!("P-{}", "Ab".repeat(100));
        assert!(d.check(&long, Arm::Participant, None, 7).is_ok());
        assert!(d.check(&long.to_lowercase(), Arm::Participant, None, 8).is_err());
        assert!(d.check(&long.replacen('A', "\u{ff21}", 1), Arm::Participant, None, 9).is_err());
    }

    #[test]
    fn without_the_evaluated_contract_a_record_without_contract_clashes_with_any() {
        let mut d = Duplicates::new(None);
        assert!(d.check("P-1", Arm::Participant, Some("X"), 1).is_ok());
        assert!(d.check("P-1", Arm::Participant, Some("Y"), 2).is_ok());
        assert!(d
            .check("P-1", Arm::Participant, None, 3)
            .unwrap_err()
            .message
            .contains("line 3 repeats the id and arm (participant) of line 1"));
        let mut d = Duplicates::new(None);
        assert!(d.check("P-1", Arm::Participant, None, 1).is_ok());
        assert!(d.check("P-1", Arm::Participant, Some("X"), 2).is_err());
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
