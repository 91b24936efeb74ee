//! Finnish personal identity codes (henkilötunnus): shape detection and
//! redaction.
//!
//! Records must carry pseudonymous ids. A value shaped like a personal
//! identity code — anywhere in the text: six digits, a century sign (`+`,
//! `-`, `A`–`F`, `U`–`Y`), three digits and a check character (a digit or a
//! letter) — is treated as one whether or not its check character is right,
//! because a mistyped code is still personal data. Everything the records
//! readers echo back passes through [`redact`].
//!
//! Matching is on characters, not bytes, and generous, since a code typed
//! in a word processor or pasted from a web page is still a code: any
//! Unicode digit counts as a digit (full-width `１`, Arabic-Indic `١`…), any
//! character drawn as a dash (hyphens, dashes, minus signs, and forms that
//! fold to one, such as superscript minus) as the `-` sign, full-width `＋` as `+`, and letters are compared
//! after compatibility (NFKC) folding, so `Ａ` is `A`. Invisible format
//! characters (zero-width space, soft hyphen, bidi marks…) and combining
//! marks (accents, keycaps, variation selectors) between the characters of
//! a code are skipped.

use std::borrow::Cow;

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

use crate::diagnostic::Diagnostic;

/// Characters in one code.
const CODE_CHARS: usize = 11;

/// What an identity code is replaced with in any text shown to a user.
pub const MASK: &str = "******-****";

/// Whether `text` contains something shaped like a personal identity code.
pub fn contains_identity_code(text: &str) -> bool {
    if !could_hold_code(text) {
        return false;
    }
    // Most texts are ASCII: one byte per character, none invisible, so the
    // eleven characters of a code are eleven bytes in a row.
    if text.is_ascii() {
        return text.as_bytes().windows(CODE_CHARS).any(is_ascii_code);
    }
    let chars = classify(text);
    next_code(&chars, 0).is_some()
}

/// Whether `text` has the nine digits a code needs, counting every
/// non-ASCII character as one (it may be a Unicode digit): a cheap test
/// that lets most short texts (`§ 6.2`, a name) skip decoding.
fn could_hold_code(text: &str) -> bool {
    text.bytes().filter(|b| b.is_ascii_digit() || *b >= 0xC0).count() >= 9
}

/// `text` with every identity-code-shaped run replaced by [`MASK`].
pub fn redact(text: &str) -> String {
    redacted(text).into_owned()
}

/// [`redact`], borrowing `text` when there is nothing to mask (the common
/// case, checked without decoding characters when `text` is ASCII).
pub fn redacted(text: &str) -> Cow<'_, str> {
    if !could_hold_code(text) || text.is_ascii() && !text.as_bytes().windows(CODE_CHARS).any(is_ascii_code) {
        return Cow::Borrowed(text);
    }
    let chars = classify(text);
    let mut out = String::with_capacity(text.len());
    let mut copied = 0; // bytes of `text` already handled
    let mut from = 0; // index into `chars`
    while let Some(start) = next_code(&chars, from) {
        let end = start + CODE_CHARS - 1;
        out.push_str(&text[copied..chars[start].at]);
        out.push_str(MASK);
        copied = chars[end].at + chars[end].len;
        from = end + 1;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// `diagnostic` with message, label and help redacted: the last line of
/// defence for text built from input (e.g. a parser's own message).
pub fn redact_diagnostic(mut diagnostic: Diagnostic) -> Diagnostic {
    diagnostic.message = redact(&diagnostic.message);
    diagnostic.label = diagnostic.label.as_deref().map(redact);
    diagnostic.help = diagnostic.help.as_deref().map(redact);
    diagnostic
}

/// What a character can be in a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Digit,
    /// `+`, `-` or a letter that can be a century sign (upper-cased).
    Sign(char),
    /// Another letter: only a check character.
    Letter,
    Other,
}

/// One visible character of the text, with its byte span.
#[derive(Debug, Clone, Copy)]
struct Classified {
    class: Class,
    at: usize,
    len: usize,
}

/// The text's characters, invisible format characters left out.
fn classify(text: &str) -> Vec<Classified> {
    // A code has at least eleven bytes; most values are shorter.
    if text.len() < CODE_CHARS {
        return Vec::new();
    }
    text.char_indices()
        .filter(|&(_, c)| !is_invisible(c))
        .map(|(at, c)| Classified { class: class(c), at, len: c.len_utf8() })
        .collect()
}

/// Characters that show nothing of their own and so could hide inside a
/// code: invisible format characters, and combining marks (an accent or a
/// keycap over a digit, a variation selector), which decorate the
/// character before them and leave the code readable.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{AD}' | '\u{61C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
        || is_combining_mark(c)
}

/// Characters drawn as a dash: any of them reads as the `-` century sign.
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '\u{2D7}' // modifier letter minus
            | '\u{58A}' // Armenian hyphen
            | '\u{2010}'
            ..='\u{2015}' // hyphens and dashes
            | '\u{2043}' // hyphen bullet
            | '\u{2212}' // minus sign
            | '\u{2796}' // heavy minus sign
            | '\u{2E3A}' | '\u{2E3B}' // two- and three-em dashes
            | '\u{30FC}' | '\u{FF70}' // prolonged sound marks, drawn as a dash in CJK text
            | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' // small and full-width forms
    )
}

fn class(c: char) -> Class {
    if c.is_ascii() {
        return ascii_class(c);
    }
    if c.is_numeric() {
        // Every Unicode digit; also other numerals (Ⅻ, ½): refusing a little
        // too much is safer than leaking a code.
        return Class::Digit;
    }
    if is_dash(c) {
        return Class::Sign('-');
    }
    // Full-width, superscript and other compatibility forms fold to the
    // character they are a form of (`Ａ` to `A`, superscript minus to `−`).
    let mut folded = None;
    let mut count = 0;
    decompose_compatible(c, |d| {
        folded = Some(d);
        count += 1;
    });
    match folded {
        Some(f) if count == 1 && f.is_ascii() && f != c => ascii_class(f),
        Some(f) if count == 1 && is_dash(f) => Class::Sign('-'),
        _ if c.is_alphabetic() => Class::Letter,
        _ => Class::Other,
    }
}

fn ascii_class(c: char) -> Class {
    match c.to_ascii_uppercase() {
        '0'..='9' => Class::Digit,
        // `+` (1800s), `-` and `U`–`Y` (1900s), `A`–`F` (2000s). Lower case
        // is accepted too, for the same reason as any other near miss.
        s @ ('+' | '-' | 'A'..='F' | 'U'..='Y') => Class::Sign(s),
        'A'..='Z' => Class::Letter,
        _ => Class::Other,
    }
}

/// Index into `chars` of the first code-shaped run at or after `from`.
fn next_code(chars: &[Classified], from: usize) -> Option<usize> {
    let last_start = chars.len().checked_sub(CODE_CHARS)?;
    (from..=last_start).find(|&i| is_code(&chars[i..i + CODE_CHARS]))
}

/// [`is_code`] for eleven ASCII bytes, by the same classes ([`ascii_class`]).
fn is_ascii_code(run: &[u8]) -> bool {
    // Most windows fail here, before any class is looked up.
    if !run[0].is_ascii_digit() || !run[5].is_ascii_digit() {
        return false;
    }
    let class = |b: u8| ascii_class(char::from(b));
    let digits = |bytes: &[u8]| bytes.iter().all(u8::is_ascii_digit);
    let check = match class(run[10]) {
        Class::Digit | Class::Letter => true,
        Class::Sign(s) => s.is_ascii_alphabetic(),
        Class::Other => false,
    };
    digits(&run[..6]) && matches!(class(run[6]), Class::Sign(_)) && digits(&run[7..10]) && check
}

fn is_code(run: &[Classified]) -> bool {
    let digit = |c: &Classified| c.class == Class::Digit;
    let check = match run[10].class {
        Class::Digit | Class::Letter => true,
        Class::Sign(s) => s.is_ascii_alphabetic(),
        Class::Other => false,
    };
    run[..6].iter().all(digit) && matches!(run[6].class, Class::Sign(_)) && run[7..10].iter().all(digit) && check
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

    #[test]
    fn every_dash_like_century_sign_is_detected() {
        for dash in [
            '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}', '\u{2212}', '\u{FE58}', '\u{FE63}',
            '\u{FF0D}',
        ] {
            let code = format!("131052{dash}308T");
            assert!(contains_identity_code(&code), "U+{:04X}", dash as u32);
            assert_eq!(redact(&format!("x {code} y")), format!("x {MASK} y"), "U+{:04X}", dash as u32);
        }
        assert!(contains_identity_code("131052\u{FF0B}308T"), "full-width plus");
        // Dashes found missing by the adversarial run: hyphen bullet,
        // modifier minus, super- and subscript minus, heavy minus.
        for dash in ['\u{2043}', '\u{2D7}', '\u{207B}', '\u{208B}', '\u{2796}', '\u{30FC}'] {
            let code = format!("P-131052{dash}308T");
            assert_eq!(redact(&code), format!("P-{MASK}"), "U+{:04X}", dash as u32);
        }
    }

    #[test]
    fn combining_marks_inside_a_code_do_not_hide_it() {
        for code in ["131052\u{301}-308T", "1\u{20E3}31052-308T", "131052-3\u{FE0F}08T", "1310\u{336}52-308T"] {
            assert!(contains_identity_code(code), "{code:?}");
            assert_eq!(redact(&format!("<{code}>")), format!("<{MASK}>"), "{code:?}");
        }
        // An accented letter is still a letter, and pseudonyms keep theirs.
        assert!(!contains_identity_code("Ja\u{308}msa\u{308}-000123"));
    }

    #[test]
    fn unicode_digits_and_full_width_letters_are_detected() {
        for code in [
            "１３１０５２-３０８Ｔ", // full-width digits and letter
            "131052Ａ308T",          // full-width century letter
            "١٣١٠٥٢-٣٠٨T",           // Arabic-Indic digits
            "१३१०५२-३०८T",           // Devanagari digits
            "𝟏𝟑𝟏𝟎𝟓𝟐-𝟑𝟎𝟖T",           // mathematical bold digits
        ] {
            assert!(contains_identity_code(code), "{code}");
            assert_eq!(redact(&format!("<{code}>")), format!("<{MASK}>"), "{code}");
        }
    }

    #[test]
    fn invisible_characters_inside_a_code_do_not_hide_it() {
        for code in ["131052\u{200B}-308T", "13\u{AD}1052-308T", "131052-\u{2066}308T\u{2069}"] {
            assert!(contains_identity_code(code), "{code:?}");
            assert!(!redact(code).contains("308"), "{code:?}");
        }
    }
}
