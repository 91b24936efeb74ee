//! Characters that can hide, reorder or forge text.
//!
//! One definition for the whole crate: the records reader and the contract
//! loader refuse these characters in what they read, and the text reports
//! escape them in what they print, so a value can neither forge a row,
//! drive a terminal, nor make a rule read differently from what runs
//! (bidirectional overrides in source are the "Trojan Source" attack).

/// Control characters (C0, DEL, C1: NUL, ESC, CR, LF, tab, …), Unicode
/// format characters (bidirectional marks, embeddings, overrides and
/// isolates, zero-width characters, the byte-order mark, tags, the soft
/// hyphen) and the line and paragraph separators.
pub fn hides_or_forges(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{600}'..='\u{605}'
                | '\u{61c}'
                | '\u{6dd}'
                | '\u{70f}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{110bd}'
                | '\u{1d173}'..='\u{1d17a}'
                | '\u{e0000}'..='\u{e007f}'
        )
}

/// Line breaks and tabs: allowed where text may span lines (rules, notes),
/// though [`hides_or_forges`] counts them.
pub fn is_layout(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_controls_and_invisible_characters_are_caught_letters_are_not() {
        for c in ['\u{1b}', '\0', '\n', '\u{202e}', '\u{2066}', '\u{200b}', '\u{feff}', '\u{85}', '\u{ad}'] {
            assert!(hides_or_forges(c), "{c:?}");
        }
        for c in ['a', 'ä', 'Ö', '€', '§', '-', '\u{2013}', ' '] {
            assert!(!hides_or_forges(c), "{c:?}");
        }
        assert!(is_layout('\n') && !is_layout('\u{1b}'));
    }
}
