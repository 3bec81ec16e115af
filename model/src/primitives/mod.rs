//! FHIR STU3 primitive types.
//!
//! Every value keeps the exact text it was read from: nothing is trimmed, re-cased or
//! re-formatted, so writing a value back yields the same characters. The string-backed
//! types hold text that borrows from the input buffer when the JSON string had no escapes (see
//! `is_borrowed`), and owns it otherwise, in 16 bytes (texts up to 4 GiB).
//!
//! # Validation
//!
//! Each constructor checks the text against the regular expression that FHIR STU3 (3.0.1)
//! gives for the type, using hand-written byte-level checks (no regex engine, no allocation
//! unless the value is rejected). Two points about how the official expressions are read:
//!
//! * `\s`, `\S` and `\d` have their Java (and XML Schema-like) ASCII meaning, as in the
//!   validators the FHIR tooling runs: whitespace is space, tab, line feed, vertical tab,
//!   form feed and carriage return; a digit is `0`-`9`. A no-break space or a Unicode line
//!   separator is therefore an ordinary character, not whitespace.
//! * Dates, date-times and instants are also checked against the calendar (the day must exist
//!   in its month and year). The STU3 expressions cannot express that, and their day
//!   alternative `0[0-9]` even admits the non-day `00`; both are rejected here.
//!
//! JSON `true`/`false` map to plain [`bool`]; there is no wrapper type for `boolean`.

use std::fmt;

/// Defines a string-backed primitive: a newtype over [`CowStr`](cow_str::CowStr) with the shared
/// API (`new`, `as_str`, `into_owned`, `is_borrowed`, `Deref`, `AsRef<str>`, `Display`, `Debug`,
/// `TryFrom<&str>`). `$validate` is a `fn(&str) -> Result<(), PrimitiveError>`; `json:` names
/// a cheaper check for text the JSON lexer already checked: a string without escapes, which
/// cannot hold control characters (JSON forbids them raw), or, for `decimal`, a number token.
/// It must accept and refuse exactly what `$validate` does on such text.
macro_rules! string_primitive {
    ($(#[$attr:meta])* $name:ident, $fhir:literal, $validate:path) => {
        string_primitive!($(#[$attr])* $name, $fhir, $validate, json: $validate);
    };
    ($(#[$attr:meta])* $name:ident, $fhir:literal, $validate:path, json: $validate_json:path) => {
        $(#[$attr])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name<'a>($crate::primitives::cow_str::CowStr<'a>);

        impl<'a> $name<'a> {
            #[doc = concat!(
                "Checks `text` against the STU3 `", $fhir, "` rules and keeps it unchanged; ",
                "borrowed text stays borrowed (no copy).\n\n",
                "# Errors\n\nA [`PrimitiveError`](crate::primitives::PrimitiveError) saying what ",
                "was expected and why the text does not fit."
            )]
            pub fn new(
                text: impl Into<::std::borrow::Cow<'a, str>>,
            ) -> Result<Self, $crate::primitives::PrimitiveError> {
                let text = text.into();
                $validate(&text)?;
                Self::keep(text)
            }

            /// [`new`](Self::new) for the text of a JSON string: borrowed text had no escapes,
            /// so it holds no control character (for `decimal`: the text of a number token).
            #[inline]
            pub(crate) fn from_json_text(
                text: ::std::borrow::Cow<'a, str>,
            ) -> Result<Self, $crate::primitives::PrimitiveError> {
                match &text {
                    ::std::borrow::Cow::Borrowed(raw) => $validate_json(raw)?,
                    ::std::borrow::Cow::Owned(unescaped) => $validate(unescaped)?,
                }
                Self::keep(text)
            }

            #[inline]
            fn keep(text: ::std::borrow::Cow<'a, str>) -> Result<Self, $crate::primitives::PrimitiveError> {
                let len = text.len();
                match $crate::primitives::cow_str::CowStr::from_cow(text) {
                    Some(text) => Ok(Self(text)),
                    None => Err($crate::primitives::PrimitiveError::too_long(concat!("a ", $fhir), len)),
                }
            }

            /// The exact text of the value.
            #[inline]
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }

            /// Detaches the value from the input buffer, copying the text only if it is borrowed.
            pub fn into_owned(self) -> $name<'static> {
                $name(self.0.into_owned())
            }

            /// `true` while the text still borrows from the input (no copy was made).
            #[inline]
            pub fn is_borrowed(&self) -> bool {
                self.0.is_borrowed()
            }
        }

        impl ::std::ops::Deref for $name<'_> {
            type Target = str;
            #[inline]
            fn deref(&self) -> &str {
                self.0.as_str()
            }
        }

        impl AsRef<str> for $name<'_> {
            #[inline]
            fn as_ref(&self) -> &str {
                self.0.as_str()
            }
        }

        impl ::std::fmt::Display for $name<'_> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.0.as_str())
            }
        }

        impl ::std::fmt::Debug for $name<'_> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(self.0.as_str(), f)
            }
        }

        impl<'a> TryFrom<&'a str> for $name<'a> {
            type Error = $crate::primitives::PrimitiveError;
            fn try_from(text: &'a str) -> Result<Self, Self::Error> {
                Self::new(text)
            }
        }
    };
}

pub(crate) mod cow_str;
mod exact;
mod number;
mod temporal;
mod text;

pub use exact::ExactDecimal;
pub use number::{Decimal, Integer, PositiveInt, UnsignedInt};
pub use temporal::{Date, DatePrecision, DateTime, DateTimePrecision, Instant, Time};
pub use text::{Base64Binary, Code, FhirString, Id, Markdown, Oid, Uri, Uuid, Xhtml};

/// Why a primitive value was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimitiveError {
    /// What was expected: the STU3 type name and the shape of its values,
    /// e.g. `an instant: YYYY-MM-DDThh:mm:ss(.sss)(Z|+hh:mm|-hh:mm)`.
    pub expected: &'static str,
    /// What exactly was wrong, when known, e.g. `month 13 out of range (01-12)`.
    pub reason: Option<String>,
}

impl PrimitiveError {
    /// An error with a reason.
    pub(crate) fn new(expected: &'static str, reason: impl Into<String>) -> Self {
        PrimitiveError { expected, reason: Some(reason.into()) }
    }

    /// The error for a text longer than a primitive can hold (4 GiB).
    pub(crate) fn too_long(expected: &'static str, len: usize) -> Self {
        Self::new(expected, format!("{len} bytes, more than the {} a value can hold", u32::MAX))
    }

    /// The error for an empty text.
    pub(crate) fn empty(expected: &'static str) -> Self {
        Self::new(expected, "the text is empty")
    }

    /// The error for the character starting at byte `at` of `text` (which must be a char
    /// boundary), or for the end of the text when `at == text.len()`.
    pub(crate) fn unexpected(expected: &'static str, text: &str, at: usize) -> Self {
        match text[at..].chars().next() {
            Some(c) => Self::new(expected, format!("unexpected character {c:?} at byte {at}")),
            None => Self::new(expected, format!("the text ends too early (after {at} bytes)")),
        }
    }
}

impl fmt::Display for PrimitiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}", self.expected)?;
        if let Some(reason) = &self.reason {
            write!(f, ": {reason}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PrimitiveError {}

/// Shared helpers for the property tests: the official STU3 expressions, read with the
/// ASCII meaning of `\s`, `\S` and `\d` (see the module documentation).
#[cfg(test)]
pub(crate) mod reference {
    use regex::Regex;

    const WS: &str = r"[\t\n\x0B\x0C\r ]";
    const NON_WS: &str = r"[^\t\n\x0B\x0C\r ]";

    /// Compiles an official STU3 expression, anchored at both ends.
    pub(crate) fn regex(official: &str) -> Regex {
        let translated = official
            .replace(r"[^\s]", NON_WS)
            .replace(r"[\s]", WS)
            .replace(r"\S", NON_WS)
            .replace(r"\s", WS)
            .replace(r"\d", "[0-9]");
        Regex::new(&format!(r"\A(?:{translated})\z")).expect("reference regex compiles")
    }

    /// Runs `check` on `cases` inputs from `strategy`.
    pub(crate) fn run<S: proptest::strategy::Strategy>(
        cases: u32,
        strategy: S,
        check: impl Fn(S::Value) -> Result<(), proptest::test_runner::TestCaseError>,
    ) where
        S::Value: std::fmt::Debug,
    {
        let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config::with_cases(cases));
        if let Err(e) = runner.run(&strategy, check) {
            panic!("{e}");
        }
    }

    /// Inputs shaped like `template` (a proptest regex), some with one character inserted,
    /// replaced or removed, and some random strings over `alphabet`.
    pub(crate) fn shaped(
        templates: &[&'static str],
        alphabet: &'static [char],
    ) -> proptest::strategy::BoxedStrategy<String> {
        use proptest::prelude::*;
        let templates: Vec<BoxedStrategy<String>> =
            templates.iter().map(|t| proptest::string::string_regex(t).expect("template").boxed()).collect();
        let template = proptest::strategy::Union::new(templates).boxed();
        let alpha = proptest::sample::select(alphabet);
        let mutated = (template.clone(), any::<proptest::sample::Index>(), alpha.clone(), 0..3u8).prop_map(
            |(s, index, c, op)| {
                let mut chars: Vec<char> = s.chars().collect();
                let at = index.index(chars.len() + 1);
                match op {
                    0 => chars.insert(at, c),
                    1 if at < chars.len() => chars[at] = c,
                    _ if at < chars.len() => {
                        chars.remove(at);
                    }
                    _ => chars.push(c),
                }
                chars.into_iter().collect::<String>()
            },
        );
        let random = proptest::collection::vec(alpha, 0..24).prop_map(|v| v.into_iter().collect::<String>());
        prop_oneof![4 => template, 4 => mutated, 2 => random].boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_display() {
        let e = PrimitiveError { expected: "an id: x", reason: None };
        assert_eq!(e.to_string(), "expected an id: x");
        let e = PrimitiveError::new("an id: x", "the text is empty");
        assert_eq!(e.to_string(), "expected an id: x: the text is empty");
        let e = PrimitiveError::unexpected("x", "ab_", 2);
        assert_eq!(e.reason.as_deref(), Some("unexpected character '_' at byte 2"));
        let e = PrimitiveError::unexpected("x", "ab", 2);
        assert_eq!(e.reason.as_deref(), Some("the text ends too early (after 2 bytes)"));
    }

    #[test]
    fn reference_translation() {
        let re = reference::regex(r"[^\s]+([\s]?[^\s]+)*");
        assert!(re.is_match("a b"));
        assert!(re.is_match("a\u{a0}b"));
        assert!(!re.is_match("a  b"));
        assert!(!re.is_match("a\x0Bb\n"));
        let re = reference::regex(r"[0]|([1-9][0-9]*)");
        assert!(!re.is_match("012"));
    }
}
