//! A small JSON writer: compact or pretty, with FHIR's string escaping.

/// Writes JSON text into a byte buffer. Commas and indentation are handled here, so the
/// generated `ToJson` impls only say "key", "value", "begin", "end".
pub struct Writer {
    out: Vec<u8>,
    indent: Option<usize>,
    depth: usize,
    need_comma: bool,
    after_key: bool,
}

impl Writer {
    /// Compact output.
    pub fn compact() -> Self {
        Self::compact_into(Vec::with_capacity(4096))
    }

    /// Compact output into `buffer`, emptied first: a buffer kept from one document to the
    /// next saves growing a new one for each ([`into_bytes`](Self::into_bytes) gives it back).
    pub fn compact_into(mut buffer: Vec<u8>) -> Self {
        buffer.clear();
        Writer { out: buffer, indent: None, depth: 0, need_comma: false, after_key: false }
    }

    /// Pretty output, `indent` spaces per level.
    pub fn pretty(indent: usize) -> Self {
        Writer { indent: Some(indent), ..Self::compact() }
    }

    /// The JSON written so far.
    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    /// Takes the bytes written so far, leaving the writer where it is (depth, separators), so a
    /// long document can be streamed out in pieces.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// How many bytes are buffered (since the last [`take`](Self::take)).
    pub fn buffered(&self) -> usize {
        self.out.len()
    }

    /// The JSON written so far, as a string.
    pub fn into_string(self) -> String {
        String::from_utf8(self.out).expect("the writer only writes UTF-8")
    }

    fn newline(&mut self) {
        if let Some(n) = self.indent {
            self.out.push(b'\n');
            self.out.resize(self.out.len() + n * self.depth, b' ');
        }
    }

    /// Separator and indentation before a value in an array (or at the top).
    #[inline]
    fn before_value(&mut self) {
        if self.need_comma {
            self.out.push(b',');
        }
        if self.depth > 0 {
            self.newline();
        }
    }

    /// Writes a property name; the next call writes its value.
    #[inline]
    pub fn key(&mut self, key: &str) {
        if self.need_comma {
            self.out.push(b',');
        }
        self.newline();
        self.write_escaped(key);
        self.out.push(b':');
        if self.indent.is_some() {
            self.out.push(b' ');
        }
        self.need_comma = false;
        self.after_key = true;
    }

    /// Starts an object (as a value).
    #[inline]
    pub fn begin_object(&mut self) {
        self.open(b'{');
    }

    /// Ends an object.
    #[inline]
    pub fn end_object(&mut self) {
        self.close(b'}');
    }

    /// Starts an array (as a value).
    #[inline]
    pub fn begin_array(&mut self) {
        self.open(b'[');
    }

    /// Ends an array.
    #[inline]
    pub fn end_array(&mut self) {
        self.close(b']');
    }

    fn open(&mut self, bracket: u8) {
        self.value_start();
        self.out.push(bracket);
        self.depth += 1;
        self.need_comma = false;
    }

    fn close(&mut self, bracket: u8) {
        self.depth -= 1;
        if self.need_comma {
            self.newline();
        }
        self.out.push(bracket);
        self.need_comma = true;
    }

    /// Called before any value: after a key nothing is needed, in an array a separator is.
    #[inline]
    fn value_start(&mut self) {
        if self.after_key {
            self.after_key = false;
        } else {
            self.before_value();
        }
    }

    /// Writes a string value.
    #[inline]
    pub fn string(&mut self, s: &str) {
        self.value_start();
        self.write_escaped(s);
        self.need_comma = true;
    }

    /// Writes a number (or any other raw token) exactly as given.
    #[inline]
    pub fn raw(&mut self, token: &str) {
        self.value_start();
        self.out.extend_from_slice(token.as_bytes());
        self.need_comma = true;
    }

    /// Writes `true` or `false`.
    #[inline]
    pub fn boolean(&mut self, b: bool) {
        self.raw(if b { "true" } else { "false" });
    }

    /// Writes `null`.
    #[inline]
    pub fn null(&mut self) {
        self.raw("null");
    }

    /// Writes a displayable number (integers).
    pub fn display(&mut self, v: impl std::fmt::Display) {
        use std::io::Write;
        self.value_start();
        write!(self.out, "{v}").expect("writing to a Vec cannot fail");
        self.need_comma = true;
    }

    fn write_escaped(&mut self, s: &str) {
        self.out.push(b'"');
        let bytes = s.as_bytes();
        // Most texts need no escape: copied at once.
        if !needs_escape(bytes) {
            self.out.extend_from_slice(bytes);
            self.out.push(b'"');
            return;
        }
        let mut run = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let escape: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0x08 => b"\\b",
                0x0c => b"\\f",
                0..=0x1f => {
                    self.out.extend_from_slice(&bytes[run..i]);
                    let hex = b"0123456789abcdef";
                    self.out.extend_from_slice(b"\\u00");
                    self.out.push(hex[(b >> 4) as usize]);
                    self.out.push(hex[(b & 0xf) as usize]);
                    run = i + 1;
                    continue;
                }
                _ => continue,
            };
            self.out.extend_from_slice(&bytes[run..i]);
            self.out.extend_from_slice(escape);
            run = i + 1;
        }
        self.out.extend_from_slice(&bytes[run..]);
        self.out.push(b'"');
    }
}

/// Whether `bytes` has a quote, a backslash or a control character. The check has no early
/// exit, so that it runs on whole vectors of bytes (faster than stopping at the first one on
/// the short texts that most are).
fn needs_escape(bytes: &[u8]) -> bool {
    bytes.iter().fold(false, |any, &b| any | (b < 0x20) | (b == b'"') | (b == b'\\'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_needing_an_escape_are_found_in_any_position() {
        for len in 0..20 {
            let plain = "a\u{e9}z0123456789abcdefghij".chars().take(len).collect::<String>();
            assert!(!needs_escape(plain.as_bytes()), "{plain:?}");
            for special in ['"', '\\', '\n', '\u{1f}', '\u{0}'] {
                for at in 0..=plain.chars().count() {
                    let mut text: Vec<char> = plain.chars().collect();
                    text.insert(at, special);
                    let text: String = text.into_iter().collect();
                    assert!(needs_escape(text.as_bytes()), "{text:?}");
                }
            }
        }
        assert!(!needs_escape("\u{7f}\u{80}~ \u{10ffff}".as_bytes()));
    }

    #[test]
    fn compact_and_pretty() {
        for (mut w, expected) in [
            (Writer::compact(), "{\"a\":[1,\"x\\n\"],\"b\":{}}"),
            (Writer::pretty(2), "{\n  \"a\": [\n    1,\n    \"x\\n\"\n  ],\n  \"b\": {}\n}"),
        ] {
            w.begin_object();
            w.key("a");
            w.begin_array();
            w.raw("1");
            w.string("x\n");
            w.end_array();
            w.key("b");
            w.begin_object();
            w.end_object();
            w.end_object();
            assert_eq!(w.into_string(), expected);
        }
    }

    #[test]
    fn control_characters_are_escaped() {
        let mut w = Writer::compact();
        w.string("a\u{1}\"\\");
        assert_eq!(w.into_string(), r#""a\u0001\"\\""#);
    }
}
