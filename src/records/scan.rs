//! A cursor over one line of JSON for the reader's fast path: it reads a
//! strict subset of JSON straight from the bytes, and says `None` at the
//! first thing outside that subset, so that the full reader (serde_json)
//! reads the line again and words what is wrong.
//!
//! The subset: objects, arrays, `null`, `true`, `false`, strings without
//! escapes, and integers of at most 18 digits (no fraction, no exponent,
//! no `-0`). Everything it takes is valid JSON and means what serde_json
//! makes of it; whether a line is valid JSON at all is still decided by
//! serde_json alone, since a line given up on goes to the full reader.
//!
//! It exists because serde_json's general machinery (a visitor per value,
//! field names matched through generated code) cost more than reading the
//! bytes of this one known shape does.

/// The position in a line of JSON.
pub(super) struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Cursor { text, at: 0 }
    }

    /// Whether only white space is left.
    pub(super) fn at_end(&mut self) -> bool {
        self.skip_space();
        self.at == self.text.len()
    }

    fn skip_space(&mut self) {
        let bytes = self.text.as_bytes();
        while matches!(bytes.get(self.at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// The next byte after white space, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.text.as_bytes().get(self.at).copied()
    }

    /// Consumes `byte`, after white space, or gives up.
    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// Consumes `word` (a literal), after white space, when it comes next.
    fn literal(&mut self, word: &str) -> bool {
        self.skip_space();
        let found = self.text.as_bytes()[self.at..].starts_with(word.as_bytes());
        if found {
            self.at += word.len();
        }
        found
    }

    /// Whether `byte` comes next, after white space.
    pub(super) fn next_is(&mut self, byte: u8) -> bool {
        self.peek() == Some(byte)
    }

    /// Consumes `null` when it comes next.
    pub(super) fn null(&mut self) -> bool {
        self.literal("null")
    }

    /// `value` read by `read`, or `None` for `null`.
    pub(super) fn nullable<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.null() {
            return Some(None);
        }
        read(self).map(Some)
    }

    pub(super) fn boolean(&mut self) -> Option<bool> {
        if self.literal("true") {
            Some(true)
        } else if self.literal("false") {
            Some(false)
        } else {
            None
        }
    }

    /// A string's contents; gives up on an escape or a raw control
    /// character (which JSON does not allow).
    pub(super) fn string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.at;
        let rest = &self.text.as_bytes()[start..];
        let len = string_end(rest)?;
        if rest[len] != b'"' {
            return None;
        }
        self.at = start + len + 1;
        self.text.get(start..start + len)
    }

    /// An integer of at most 18 digits, as JSON writes it (no leading
    /// zero, no `+`); gives up on a fraction, an exponent, and on `-0`,
    /// which serde_json reads as a float.
    pub(super) fn integer(&mut self) -> Option<i64> {
        self.skip_space();
        let rest = &self.text.as_bytes()[self.at..];
        let negative = rest.first() == Some(&b'-');
        let from = usize::from(negative);
        let digits = rest[from..].iter().take_while(|b| b.is_ascii_digit()).count();
        let to = from + digits;
        let leading_zero = digits > 1 && rest[from] == b'0';
        if digits == 0 || digits > 18 || leading_zero || matches!(rest.get(to), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        let n = rest[from..to].iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
        if negative && n == 0 {
            return None;
        }
        self.at += to;
        Some(if negative { -n } else { n })
    }

    /// Reads an object: `field` is called with each name, the cursor at
    /// its value, and must consume the value (or give up).
    pub(super) fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.sequence(b'{', b'}', |json| {
            let name = json.string()?;
            json.expect(b':')?;
            field(json, name)
        })
    }

    /// Reads an array: `item` is called with the cursor at each item, and
    /// must consume it (or give up).
    pub(super) fn array(&mut self, item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.sequence(b'[', b']', item)
    }

    /// Reads `open`, comma-separated entries read by `entry`, and `close`.
    fn sequence(&mut self, open: u8, close: u8, mut entry: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.expect(open)?;
        if self.next_is(close) {
            self.at += 1;
            return Some(());
        }
        loop {
            entry(self)?;
            match self.peek()? {
                b',' => self.at += 1,
                b if b == close => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }
}

/// Where a string's contents end: the first `"`, `\\` or control
/// character in `bytes`. Eight bytes are looked at a time (most strings
/// are ids, dates and names of about ten bytes).
fn string_end(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    // Bytes below `n` get their high bit set; a borrow can flag bytes above
    // the first one flagged, never below it, so the lowest flag is exact.
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGH;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let found =
            below(word ^ (ONES * u64::from(b'"')), 1) | below(word ^ (ONES * u64::from(b'\\')), 1) | below(word, 0x20);
        if found != 0 {
            return Some(at + found.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    bytes[at..].iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).map(|i| at + i)
}

/// The fields of one object seen so far, by the bit their name was given:
/// a name given twice makes the fast path give up, as serde's derived
/// structs refuse it.
#[derive(Default)]
pub(super) struct Seen(u32);

impl Seen {
    /// `value`, the one of field `bit`, marking the field seen; `None` if
    /// it was seen already.
    pub(super) fn once<T>(&mut self, bit: u32, value: Option<T>) -> Option<T> {
        let mask = 1 << bit;
        let first = self.0 & mask == 0;
        self.0 |= mask;
        value.filter(|_| first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the cursor makes of `text` as one value of the subset, written
    /// back compactly; `None` where it gives up.
    fn value(cursor: &mut Cursor<'_>) -> Option<String> {
        match cursor.peek()? {
            b'{' => {
                let mut out = Vec::new();
                cursor.object(|c, name| {
                    out.push(format!("\"{name}\":{}", value(c)?));
                    Some(())
                })?;
                Some(format!("{{{}}}", out.join(",")))
            }
            b'[' => {
                let mut out = Vec::new();
                cursor.array(|c| {
                    out.push(value(c)?);
                    Some(())
                })?;
                Some(format!("[{}]", out.join(",")))
            }
            b'"' => cursor.string().map(|s| format!("\"{s}\"")),
            b'n' => cursor.null().then(|| "null".to_owned()),
            b't' | b'f' => cursor.boolean().map(|b| b.to_string()),
            _ => cursor.integer().map(|n| n.to_string()),
        }
    }

    fn read(text: &str) -> Option<String> {
        let mut cursor = Cursor::new(text);
        let v = value(&mut cursor)?;
        cursor.at_end().then_some(v)
    }

    #[test]
    fn reads_the_subset_as_serde_json_does() {
        for text in [
            r#"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
            " \t{ \"a\" : [ ] , \"b\" : { } }\r ",
            r#"["ä€😀", 0, -12, 999999999999999999]"#,
            "[\"\u{7f}\"]",
            "{}",
            "[]",
        ] {
            let ours = read(text).unwrap_or_else(|| panic!("gave up on {text}"));
            let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
            let ours: serde_json::Value = serde_json::from_str(&ours).unwrap();
            assert_eq!(ours, theirs, "{text}");
        }
    }

    #[test]
    fn gives_up_outside_the_subset_and_on_invalid_json() {
        for text in [
            // Outside the subset, valid JSON.
            r#""a\"b""#,
            r#""\u0041""#,
            "1.5",
            "1e3",
            "1E3",
            "-0",
            "1000000000000000000",
            // Invalid JSON.
            "01",
            "+1",
            "-",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{a:1}",
            "[1 2]",
            "nul",
            "tru",
            "\"a\tb\"",
            "\"open",
            "[",
            "{",
            "{\"a\":1}x",
            "{\"a\":1}{}",
            "",
            "\u{a0}{}",
        ] {
            assert_eq!(read(text), None, "{text}");
        }
    }

    #[test]
    fn a_string_ends_at_its_first_quote_backslash_or_control_character() {
        let stops = [b'"', b'\\', 0, 0x1f];
        let fillers = [b'a', b' ', 0x7f, 0x80, 0xff, b'!', b'#', b'[', b']', 0x21, 0x5b, 0x5d, 0x20, 0xa2, 0xdc];
        for len in 0..20 {
            for at in 0..=len {
                for &stop in &stops {
                    for &filler in &fillers {
                        let mut bytes = vec![filler; len];
                        if at < len {
                            bytes[at] = stop;
                            // Stops after the first do not move it.
                            bytes.iter_mut().skip(at + 1).step_by(3).for_each(|b| *b = b'"');
                        }
                        let expected = bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
                        assert_eq!(string_end(&bytes), expected, "{bytes:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_field_seen_twice_is_refused() {
        let mut seen = Seen::default();
        assert_eq!(seen.once(0, Some("a")), Some("a"));
        assert_eq!(seen.once(3, Some(1)), Some(1));
        assert_eq!(seen.once(0, Some("b")), None);
        assert_eq!(seen.once(31, Some(())), Some(()));
        assert_eq!(seen.once(5, None::<u8>), None);
    }
}
