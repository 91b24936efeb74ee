//! Finnish personal identity codes (henkilötunnus): shape detection and
//! redaction.
//!
//! Records must carry pseudonymous ids. A value shaped like a personal
//! identity code — anywhere in the text: six digits, a century sign (`+`,
//! `-`, `A`–`F`, `U`–`Y`), three digits and a check character (a digit or a
//! letter) — is treated as one whether or not its check character is right,
//! because a mistyped code is still personal data. Everything the records
//! readers echo back passes through [`redact`].

use crate::diagnostic::Diagnostic;

/// Length in bytes (and characters: the shape is ASCII) of one code.
const CODE_LEN: usize = 11;

/// What an identity code is replaced with in any text shown to a user.
pub const MASK: &str = "******-****";

/// Whether `text` contains something shaped like a personal identity code.
pub fn contains_identity_code(text: &str) -> bool {
    next_code(text.as_bytes(), 0).is_some()
}

/// `text` with every identity-code-shaped run replaced by [`MASK`].
pub fn redact(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    while let Some(start) = next_code(bytes, copied) {
        // Slicing is safe: a match is ASCII, so it starts and ends on
        // character boundaries.
        out.push_str(&text[copied..start]);
        out.push_str(MASK);
        copied = start + CODE_LEN;
    }
    out.push_str(&text[copied..]);
    out
}

/// `diagnostic` with message, label and help redacted: the last line of
/// defence for text built from input (e.g. a parser's own message).
pub fn redact_diagnostic(mut diagnostic: Diagnostic) -> Diagnostic {
    diagnostic.message = redact(&diagnostic.message);
    diagnostic.label = diagnostic.label.as_deref().map(redact);
    diagnostic.help = diagnostic.help.as_deref().map(redact);
    diagnostic
}

/// Byte offset of the first code-shaped run at or after `from`.
fn next_code(bytes: &[u8], from: usize) -> Option<usize> {
    let last_start = bytes.len().checked_sub(CODE_LEN)?;
    (from..=last_start).find(|&i| is_code(&bytes[i..i + CODE_LEN]))
}

fn is_code(b: &[u8]) -> bool {
    b[..6].iter().all(u8::is_ascii_digit)
        && is_century_sign(b[6])
        && b[7..10].iter().all(u8::is_ascii_digit)
        && b[10].is_ascii_alphanumeric()
}

/// `+` (1800s), `-` and `U`–`Y` (1900s), `A`–`F` (2000s). Lower-case letters
/// are accepted too: refusing a little too much is safer than leaking a code.
fn is_century_sign(b: u8) -> bool {
    matches!(b.to_ascii_uppercase(), b'+' | b'-' | b'A'..=b'F' | b'U'..=b'Y')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_every_century_sign_and_check_character() {
        for code in [
            "131052-308T",
            "131052+308T",
            "010594Y9032",
            "010594Y9021",
            "020516C903K",
            "020516A9030",
            "131052-3080",
            "131052-308t",
        ] {
            assert!(contains_identity_code(code), "{code}");
        }
    }

    #[test]
    fn detects_codes_inside_longer_ids_with_wrong_check_characters() {
        assert!(contains_identity_code("P-131052-308X-2"));
        assert!(contains_identity_code("id:131052A999Z"));
    }

    #[test]
    fn leaves_pseudonymous_ids_alone() {
        for id in ["P-000123", "131052-30", "131052Z308T", "13105-3081T", "131052-308", "ÄÖ-123456"] {
            assert!(!contains_identity_code(id), "{id}");
        }
    }

    #[test]
    fn redacts_every_occurrence_and_keeps_the_rest() {
        assert_eq!(redact("ids 131052-308T and 010594Y9032, Jämsä"), "ids ******-**** and ******-****, Jämsä");
        assert_eq!(redact("P-000123"), "P-000123");
        assert_eq!(redact("131052-308T131052-308T"), "******-**********-****");
    }
}
