//! The text kinds: `string`, `code`, `id`, `uri`, `oid`, `uuid`, `markdown`, `base64Binary`
//! and `xhtml`.
//!
//! All checks work on bytes: every character they look for is ASCII, and in UTF-8 an ASCII
//! byte never occurs inside a multi-byte character.

use super::PrimitiveError;

/// Whitespace in the sense of the STU3 expressions (Java's `\s`): space, tab, line feed,
/// vertical tab, form feed, carriage return.
#[inline]
const fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

const STRING: &str =
    "a string: one or more characters (tab, line feed and carriage return are the only whitespace besides space)";
const MARKDOWN: &str =
    "markdown: one or more characters (tab, line feed and carriage return are the only whitespace besides space)";
const CODE: &str = "a code: non-empty text without leading, trailing or repeated whitespace";
const ID: &str = "an id: 1 to 64 characters from A-Z, a-z, 0-9, '-' and '.'";
const URI: &str = "a uri: non-empty text";
const OID: &str = "an oid: urn:oid: and dotted numbers such as urn:oid:2.16.840.1.113883";
const UUID: &str = "a uuid: urn:uuid: and a lowercase UUID such as urn:uuid:c757873d-ec9a-4326-a141-556f43239520";
const BASE64: &str = "a base64Binary: groups of 4 characters from A-Z, a-z, 0-9, '+', '/' and '=' \
     (whitespace allowed between groups)";
const XHTML: &str = "xhtml: a non-empty XHTML <div>";

/// Non-empty, and nothing more.
fn check_non_empty(text: &str, expected: &'static str) -> Result<(), PrimitiveError> {
    if text.is_empty() {
        return Err(PrimitiveError::empty(expected));
    }
    Ok(())
}

/// `[ \r\n\t\S]+`: non-empty; the only whitespace allowed besides space is tab, line feed and
/// carriage return (so no vertical tab or form feed).
fn check_string_like(text: &str, expected: &'static str) -> Result<(), PrimitiveError> {
    check_non_empty(text, expected)?;
    match text.bytes().position(|b| b == 0x0B || b == 0x0C) {
        Some(at) => Err(PrimitiveError::unexpected(expected, text, at)),
        None => Ok(()),
    }
}

fn check_string(text: &str) -> Result<(), PrimitiveError> {
    check_string_like(text, STRING)
}

fn check_markdown(text: &str) -> Result<(), PrimitiveError> {
    check_string_like(text, MARKDOWN)
}

/// [`check_string`] for the text of a JSON string without escapes: JSON allows no raw control
/// character, so no vertical tab or form feed either; only emptiness is left.
fn check_string_json(text: &str) -> Result<(), PrimitiveError> {
    check_non_empty(text, STRING)
}

/// [`check_markdown`] for the text of a JSON string without escapes (see [`check_string_json`]).
fn check_markdown_json(text: &str) -> Result<(), PrimitiveError> {
    check_non_empty(text, MARKDOWN)
}

/// `[^\s]+([\s]?[^\s]+)*`: no leading or trailing whitespace, never two whitespace in a row.
fn check_code(text: &str) -> Result<(), PrimitiveError> {
    let b = text.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return Err(PrimitiveError::empty(CODE));
    };
    if is_ws(first) {
        return Err(PrimitiveError::new(CODE, "leading whitespace"));
    }
    if is_ws(last) {
        return Err(PrimitiveError::new(CODE, "trailing whitespace"));
    }
    match b.windows(2).position(|w| is_ws(w[0]) && is_ws(w[1])) {
        Some(at) => Err(PrimitiveError::new(CODE, format!("repeated whitespace at byte {at}"))),
        None => Ok(()),
    }
}

/// [`check_code`] for the text of a JSON string without escapes, where space is the only
/// whitespace there can be: text without a space only has to be non-empty.
fn check_code_json(text: &str) -> Result<(), PrimitiveError> {
    if has_space(text.as_bytes()) {
        return check_code(text);
    }
    check_non_empty(text, CODE)
}

/// Whether `b` holds a space: eight bytes at a time (codes here are often URLs of 60 bytes;
/// `memchr` costs more to set up than this for the short ones).
#[inline]
fn has_space(b: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    const SPACES: u64 = u64::from_ne_bytes([b' '; 8]);
    // A byte of `w` is zero where `word` has a space; the test for a zero byte is exact.
    let spaced = |word: &[u8]| {
        let w = u64::from_ne_bytes(word.try_into().expect("eight bytes")) ^ SPACES;
        w.wrapping_sub(ONES) & !w & HIGH != 0
    };
    if b.len() < 8 {
        return b.contains(&b' ');
    }
    // The last eight bytes stand for the rest (they may overlap the words before).
    b.chunks_exact(8).any(spaced) || spaced(&b[b.len() - 8..])
}

/// `[A-Za-z0-9\-\.]{1,64}`.
fn check_id(text: &str) -> Result<(), PrimitiveError> {
    check_non_empty(text, ID)?;
    if let Some(at) = text.bytes().position(|b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'.')) {
        return Err(PrimitiveError::unexpected(ID, text, at));
    }
    if text.len() > 64 {
        return Err(PrimitiveError::new(ID, format!("{} characters, more than 64", text.len())));
    }
    Ok(())
}

/// Non-empty. The STU3 3.0.1 definition of `uri` carries no regex (the IG's own example has
/// `"system": "CMS Adjudications"`), so the parser accepts any text; whether a uri is a
/// well-formed URI is a question for validation, not for reading.
fn check_uri(text: &str) -> Result<(), PrimitiveError> {
    check_non_empty(text, URI)
}

/// `urn:oid:(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*`, the regex of the STU3 3.0.1 definition.
fn check_oid(text: &str) -> Result<(), PrimitiveError> {
    const PREFIX: &[u8] = b"urn:oid:";
    let b = text.as_bytes();
    check_non_empty(text, OID)?;
    if let Some(at) = mismatch(b, PREFIX) {
        return Err(PrimitiveError::unexpected(OID, text, at));
    }
    let mut i = PREFIX.len();
    loop {
        // One arc: `0` or a number without a leading zero.
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while matches!(b.get(i), Some(b'0'..=b'9')) {
                    i += 1;
                }
            }
            _ => return Err(PrimitiveError::unexpected(OID, text, i)),
        }
        match b.get(i) {
            None => return Ok(()),
            Some(b'.') => i += 1,
            Some(_) => return Err(PrimitiveError::unexpected(OID, text, i)),
        }
    }
}

/// `urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`.
fn check_uuid(text: &str) -> Result<(), PrimitiveError> {
    const PREFIX: &[u8] = b"urn:uuid:";
    const SHAPE: &[u8] = b"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    let b = text.as_bytes();
    check_non_empty(text, UUID)?;
    if let Some(at) = mismatch(b, PREFIX) {
        return Err(PrimitiveError::unexpected(UUID, text, at));
    }
    for (k, &want) in SHAPE.iter().enumerate() {
        let at = PREFIX.len() + k;
        let ok = match (b.get(at), want) {
            (Some(&c), b'x') => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
            (Some(&c), _) => c == want,
            (None, _) => false,
        };
        if !ok {
            return Err(PrimitiveError::unexpected(UUID, text, at));
        }
    }
    if b.len() > PREFIX.len() + SHAPE.len() {
        return Err(PrimitiveError::unexpected(UUID, text, PREFIX.len() + SHAPE.len()));
    }
    Ok(())
}

/// `(\s*([0-9a-zA-Z\+/=]){4}\s*)+`: at least one group of four characters; whitespace may
/// only stand between groups, so each run of non-whitespace has a length divisible by four.
/// Where `=` stands is not checked (the expression does not either).
fn check_base64(text: &str) -> Result<(), PrimitiveError> {
    let b = text.as_bytes();
    check_non_empty(text, BASE64)?;
    let mut run = 0usize; // length of the current run of non-whitespace
    let mut groups = 0usize;
    for (at, &c) in b.iter().enumerate() {
        if is_ws(c) {
            if run % 4 != 0 {
                return Err(PrimitiveError::new(
                    BASE64,
                    format!("incomplete group of {} characters before byte {at}", run % 4),
                ));
            }
            run = 0;
        } else if c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'=' {
            run += 1;
            if run % 4 == 0 {
                groups += 1;
            }
        } else {
            return Err(PrimitiveError::unexpected(BASE64, text, at));
        }
    }
    if run % 4 != 0 {
        return Err(PrimitiveError::new(BASE64, format!("incomplete group of {} characters at the end", run % 4)));
    }
    if groups == 0 {
        return Err(PrimitiveError::new(BASE64, "only whitespace"));
    }
    Ok(())
}

fn check_xhtml(text: &str) -> Result<(), PrimitiveError> {
    check_non_empty(text, XHTML)
}

/// The first byte position where `b` does not start with `prefix` (or `None` if it does).
fn mismatch(b: &[u8], prefix: &[u8]) -> Option<usize> {
    prefix.iter().enumerate().position(|(k, &p)| b.get(k) != Some(&p))
}

string_primitive! {
    /// A FHIR `string`: one or more Unicode characters, kept exactly as written.
    ///
    /// STU3 forbids empty strings and, through its expression `[ \r\n\t\S]+`, vertical tab and
    /// form feed; every other character is accepted.
    FhirString, "string", check_string, json: check_string_json
}

string_primitive! {
    /// A FHIR `code`: a token from a code system, without leading, trailing or repeated
    /// whitespace (`[^\s]+([\s]?[^\s]+)*`).
    Code, "code", check_code, json: check_code_json
}

string_primitive! {
    /// A FHIR `id`: 1 to 64 characters from `A-Z`, `a-z`, `0-9`, `-` and `.`.
    Id, "id", check_id
}

string_primitive! {
    /// A FHIR `uri`: non-empty text without whitespace. The URI syntax itself is not checked.
    Uri, "uri", check_uri
}

string_primitive! {
    /// A FHIR `oid`: `urn:oid:` followed by a dotted object identifier (`urn:oid:[0-2](\.[1-9]\d*)+`).
    Oid, "oid", check_oid
}

string_primitive! {
    /// A FHIR `uuid`: `urn:uuid:` followed by a UUID in lowercase hexadecimal.
    Uuid, "uuid", check_uuid
}

string_primitive! {
    /// A FHIR `markdown` text: checked like a [`FhirString`]; the markdown is not parsed.
    Markdown, "markdown", check_markdown, json: check_markdown_json
}

string_primitive! {
    /// A FHIR `base64Binary`, kept as the encoded text (it is not decoded). Groups of four
    /// base64 characters, with whitespace allowed between groups.
    Base64Binary, "base64Binary", check_base64
}

string_primitive! {
    /// The XHTML of a narrative (`Narrative.div`), kept as text. Only non-emptiness is checked
    /// here; whether it is well-formed XHTML within the FHIR narrative rules is not.
    Xhtml, "xhtml", check_xhtml
}

#[cfg(test)]
mod tests {
    use super::super::reference;
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn has_space_finds_a_space_at_every_offset() {
        for len in 0..40 {
            assert!(!has_space(&vec![b'a'; len]));
            for at in 0..len {
                let mut b = vec![b'a'; len];
                b[at] = b' ';
                assert!(has_space(&b), "{len} {at}");
                // Bytes next to a space in value (0x1f, 0x21, 0xa0) are no space.
                for other in [0x1f, 0x21, 0xa0] {
                    b[at] = other;
                    assert!(!has_space(&b), "{len} {at} {other:#x}");
                }
            }
        }
    }

    #[test]
    fn string_kinds_reject_empty() {
        assert!(FhirString::new("").is_err());
        assert!(Code::new("").is_err());
        assert!(Id::new("").is_err());
        assert!(Uri::new("").is_err());
        assert!(Oid::new("").is_err());
        assert!(Uuid::new("").is_err());
        assert!(Markdown::new("").is_err());
        assert!(Base64Binary::new("").is_err());
        assert!(Xhtml::new("").is_err());
        let e = FhirString::new("").unwrap_err();
        assert_eq!(e.reason.as_deref(), Some("the text is empty"));
    }

    #[test]
    fn string() {
        for ok in ["a", " ", "  padded  ", "line\nbreak\r\n\ttab", "no\u{a0}break", "\u{2028}", "ünïcödé 😀"] {
            assert_eq!(FhirString::new(ok).unwrap().as_str(), ok);
            assert_eq!(Markdown::new(ok).unwrap().as_str(), ok);
        }
        for bad in ["\x0B", "a\x0Cb"] {
            assert!(FhirString::new(bad).is_err(), "{bad:?}");
            assert!(Markdown::new(bad).is_err(), "{bad:?}");
        }
        let e = FhirString::new("a\x0Cb").unwrap_err();
        assert!(e.expected.starts_with("a string"));
        assert_eq!(e.reason.as_deref(), Some("unexpected character '\\u{c}' at byte 1"));
    }

    #[test]
    fn code() {
        for ok in ["active", "a b", "a\tb c", "ÄÖ", "a\u{a0}\u{a0}b", "x"] {
            assert!(Code::new(ok).is_ok(), "{ok:?}");
        }
        for bad in [" a", "a ", "a  b", "a \tb", "\n", "a\r\n"] {
            assert!(Code::new(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Code::new("a  b").unwrap_err().reason.as_deref(), Some("repeated whitespace at byte 1"));
    }

    #[test]
    fn id() {
        let max = "a".repeat(64);
        for ok in ["a", "A-1.b", "-", ".", "1234", max.as_str()] {
            assert!(Id::new(ok).is_ok(), "{ok:?}");
        }
        let long = "a".repeat(65);
        for bad in ["IGNORED_FIELD", "a b", "é", "a/b", long.as_str()] {
            assert!(Id::new(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Id::new("IGNORED_FIELD").unwrap_err().reason.as_deref(), Some("unexpected character '_' at byte 7"));
    }

    #[test]
    fn uri() {
        for ok in [
            "https://bluebutton.cms.gov/resources/variables/line_1st_expns_dt",
            "urn:oid:1.2",
            "#contained",
            "x",
            "a\u{a0}b",
        ] {
            assert!(Uri::new(ok).is_ok(), "{ok:?}");
        }
        // STU3 gives `uri` no regex: only emptiness is an error.
        assert!(Uri::new("CMS Adjudications").is_ok());
        assert!(Uri::new("").is_err());
    }

    #[test]
    fn oid() {
        for ok in
            ["urn:oid:2.16.840.1.113883", "urn:oid:0.1", "urn:oid:1.10", "urn:oid:1", "urn:oid:3.1", "urn:oid:1.0"]
        {
            assert!(Oid::new(ok).is_ok(), "{ok:?}");
        }
        for bad in [
            "urn:oid:",
            "urn:oid:1.01",
            "urn:oid:01",
            "urn:oid:1.",
            "urn:oid:1..2",
            "URN:OID:1.2",
            "urn:oid:1.2 ",
            "2.16.840",
        ] {
            assert!(Oid::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn uuid() {
        assert!(Uuid::new("urn:uuid:c757873d-ec9a-4326-a141-556f43239520").is_ok());
        for bad in [
            "urn:uuid:C757873D-EC9A-4326-A141-556F43239520",
            "urn:uuid:c757873d-ec9a-4326-a141-556f4323952",
            "urn:uuid:c757873d-ec9a-4326-a141-556f432395200",
            "urn:uuid:c757873dec9a-4326-a141-556f43239520",
            "c757873d-ec9a-4326-a141-556f43239520",
            "urn:uuid:g757873d-ec9a-4326-a141-556f43239520",
        ] {
            assert!(Uuid::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn base64() {
        for ok in ["AAAA", "aGVsbG8=", " QUJD\nREVG ", "ab+/\r\n====", "AAAAAAAA"] {
            assert!(Base64Binary::new(ok).is_ok(), "{ok:?}");
        }
        for bad in ["AAA", "AA AA", "AAAAA", "   ", "AA-A", "aGVsbG8"] {
            assert!(Base64Binary::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn xhtml() {
        let div = "<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>";
        assert_eq!(Xhtml::new(div).unwrap().as_str(), div);
        // Only emptiness is checked.
        assert!(Xhtml::new("not xml").is_ok());
    }

    #[test]
    fn zero_copy_and_ownership() {
        let input = String::from("carrier");
        let code = Code::new(&input[..]).unwrap();
        assert!(code.is_borrowed());
        assert_eq!(code.as_ptr(), input.as_ptr());
        let owned: Code<'static> = code.clone().into_owned();
        assert!(!owned.is_borrowed());
        assert_eq!(owned, code);

        let escaped = Code::new(String::from("a\"b")).unwrap();
        assert!(!escaped.is_borrowed());
        let cow: Cow<'_, str> = Cow::Borrowed("x");
        assert!(Id::new(cow).unwrap().is_borrowed());

        let id = Id::try_from("abc").unwrap();
        assert!(id.is_borrowed());
        assert_eq!(&*id, "abc");
        assert_eq!(id.as_ref() as &str, "abc");
        assert_eq!(id.to_string(), "abc");
        assert_eq!(format!("{id:?}"), "\"abc\"");
        assert!(Id::try_from("a b").is_err());
    }

    const TEXT_ALPHABET: &[char] = &[
        'a', 'Z', 'f', '0', '1', '2', '9', '-', '.', '_', ':', '/', '+', '=', ' ', '\t', '\n', '\r', '\x0B', '\x0C',
        '\u{a0}', 'é', '\u{2028}', 'u', 'r', 'n',
    ];

    fn agrees(
        official: &str,
        check: fn(&str) -> Result<(), PrimitiveError>,
        templates: &[&'static str],
        extra: fn(&str) -> bool,
    ) {
        let re = reference::regex(official);
        reference::run(3000, reference::shaped(templates, TEXT_ALPHABET), |s: String| {
            let ours = check(&s).is_ok();
            let theirs = re.is_match(&s) && extra(&s);
            proptest::prop_assert_eq!(ours, theirs, "{:?}", s);
            Ok(())
        });
    }

    #[test]
    fn string_agrees_with_official_regex() {
        agrees(r"[ \r\n\t\S]+", check_string, &["[a \t\r\n\u{b}\u{c}\u{a0}]{0,6}"], |_| true);
        agrees(r"[ \r\n\t\S]+", check_markdown, &["[a \t\r\n\u{b}\u{c}\u{a0}]{0,6}"], |_| true);
    }

    #[test]
    fn code_agrees_with_official_regex() {
        agrees(
            r"[^\s]+([\s]?[^\s]+)*",
            check_code,
            &["[a \t\r\n\u{b}\u{c}\u{a0}]{0,8}", "[a-c]{1,3}( [a-c]{1,3}){0,3}"],
            |_| true,
        );
    }

    #[test]
    fn id_agrees_with_official_regex() {
        agrees(r"[A-Za-z0-9\-\.]{1,64}", check_id, &["[A-Za-z0-9.\\-_]{0,8}", "[a-z]{62,66}"], |_| true);
    }

    #[test]
    fn uri_agrees_with_official_regex() {
        agrees(r"(?s).+", check_uri, &["[a:/ \t\u{b}\u{a0}]{0,8}", "https?://[a-z.]{1,8}/[a-z_]{0,8}"], |s| {
            !s.is_empty()
        });
    }

    #[test]
    fn oid_agrees_with_official_regex() {
        agrees(
            r"urn:oid:(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*",
            check_oid,
            &["urn:oid:[0-3](\\.[0-9]{1,3}){0,4}", "urn:oid:[0-2](\\.[1-9][0-9]{0,3}){1,4}"],
            |_| true,
        );
    }

    #[test]
    fn uuid_agrees_with_official_regex() {
        agrees(
            r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            check_uuid,
            &[
                "urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                "urn:uuid:[0-9a-gA]{7,9}-[0-9a-f]{3,5}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{11,13}",
            ],
            |_| true,
        );
    }

    #[test]
    fn base64_agrees_with_official_regex() {
        agrees(
            r"(\s*([0-9a-zA-Z\+/=]){4}\s*)+",
            check_base64,
            &["([ \t\r\n\u{b}]{0,2}[A-Za-z0-9+/=]{3,5}[ \n]{0,2}){1,3}", "[A-Za-z0-9+/=]{4}([A-Za-z0-9+/=]{4}){0,3}"],
            |_| true,
        );
    }

    /// On text a JSON string can hold raw (no control character), the cheap checks say what
    /// the full ones say, word for word.
    #[test]
    fn json_checks_agree_on_raw_json_text() {
        use proptest::prelude::*;
        let raw = proptest::string::string_regex("[ a-zA-Z0-9\u{a0}\u{2028}é-]{0,12}").expect("regex");
        reference::run(3000, raw, |s| {
            prop_assert_eq!(check_string_json(&s), check_string(&s));
            prop_assert_eq!(check_markdown_json(&s), check_markdown(&s));
            prop_assert_eq!(check_code_json(&s), check_code(&s));
            Ok(())
        });
    }
}
