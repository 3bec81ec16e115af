//! The number kinds: `decimal`, `integer`, `unsignedInt` and `positiveInt`, read from the raw
//! text of a JSON number token.

use super::PrimitiveError;
use std::fmt;

const DECIMAL: &str = "a decimal: -?(0|[1-9][0-9]*)(.[0-9]+)?, without exponent";
const INTEGER: &str = "an integer: -?(0|[1-9][0-9]*) from -2147483648 to 2147483647";
const UNSIGNED_INT: &str = "an unsignedInt: 0|[1-9][0-9]* from 0 to 2147483647";
const POSITIVE_INT: &str = "a positiveInt: [1-9][0-9]* from 1 to 2147483647";

/// The parts of a number text matching `-?(0|[1-9][0-9]*)(\.[0-9]+)?`.
pub(super) struct Scanned<'s> {
    pub(super) negative: bool,
    /// The digits before the point: `0` or digits without a leading zero.
    pub(super) int: &'s str,
    /// The digits after the point, when there is a point.
    pub(super) frac: Option<&'s str>,
}

/// Splits a number text into its parts, rejecting anything outside
/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`.
fn scan<'s>(text: &'s str, expected: &'static str) -> Result<Scanned<'s>, PrimitiveError> {
    let b = text.as_bytes();
    let digits_from =
        |start: usize| start + b[start..].iter().position(|c| !c.is_ascii_digit()).unwrap_or(b.len() - start);
    let Some(&first) = b.first() else {
        return Err(PrimitiveError::empty(expected));
    };
    if first == b'+' {
        return Err(PrimitiveError::new(expected, "a leading '+' is not allowed"));
    }
    let negative = first == b'-';
    let int_start = usize::from(negative);
    let int_end = match b.get(int_start) {
        Some(b'0') => {
            if b.get(int_start + 1).is_some_and(u8::is_ascii_digit) {
                return Err(PrimitiveError::new(expected, "leading zeros are not allowed"));
            }
            int_start + 1
        }
        Some(b'1'..=b'9') => digits_from(int_start),
        Some(b'.') => return Err(PrimitiveError::new(expected, "a digit is required before the decimal point")),
        _ => return Err(PrimitiveError::unexpected(expected, text, int_start)),
    };
    let mut end = int_end;
    let frac = if b.get(end) == Some(&b'.') {
        let frac_end = digits_from(end + 1);
        if frac_end == end + 1 {
            return Err(PrimitiveError::new(expected, "a digit is required after the decimal point"));
        }
        let frac = &text[end + 1..frac_end];
        end = frac_end;
        Some(frac)
    } else {
        None
    };
    match b.get(end) {
        None => Ok(Scanned { negative, int: &text[int_start..int_end], frac }),
        Some(b'e' | b'E') => Err(PrimitiveError::new(expected, "exponents are not allowed in FHIR decimals")),
        Some(_) => Err(PrimitiveError::unexpected(expected, text, end)),
    }
}

fn check_decimal(text: &str) -> Result<(), PrimitiveError> {
    scan(text, DECIMAL).map(|_| ())
}

/// [`check_decimal`] for the text of a JSON number token, whose grammar is the decimal's with
/// an optional exponent: only the exponent is left to refuse (the full check words the error).
fn check_decimal_json(text: &str) -> Result<(), PrimitiveError> {
    if text.bytes().any(|b| b == b'e' || b == b'E') {
        return check_decimal(text);
    }
    Ok(())
}

string_primitive! {
    /// A FHIR `decimal`, kept as the exact text of the JSON number (`42.0` stays `42.0`), so
    /// the precision that was written is never lost.
    ///
    /// The text must match `-?(0|[1-9][0-9]*)(\.[0-9]+)?`: no exponent, no leading `+`, no
    /// leading zeros, digits on both sides of a point.
    ///
    /// Equality, ordering and hashing compare the *text*: `1.50` and `1.5` are different
    /// values. Use [`Decimal::numeric_eq`] to compare numbers.
    ///
    /// ```
    /// use bluebutton_model::primitives::Decimal;
    ///
    /// let amount = Decimal::new("42.50").unwrap();
    /// assert_eq!(amount.as_str(), "42.50");
    /// assert_eq!(amount.scale(), 2);
    /// assert_eq!(amount.to_f64(), 42.5);
    /// assert!(amount != Decimal::new("42.5").unwrap());
    /// assert!(amount.numeric_eq(&Decimal::new("42.5").unwrap()));
    /// assert!(Decimal::new("1e2").is_err());
    /// ```
    Decimal, "decimal", check_decimal, json: check_decimal_json
}

impl Decimal<'_> {
    pub(super) fn parts(&self) -> Scanned<'_> {
        scan(self.as_str(), DECIMAL).expect("checked when the Decimal was made")
    }

    /// The nearest `f64` (very long texts may lose precision or overflow to infinity).
    pub fn to_f64(&self) -> f64 {
        self.as_str().parse().expect("a decimal text is a valid f64 text")
    }

    /// The number of digits after the decimal point (`0` when there is no point).
    pub fn scale(&self) -> usize {
        self.parts().frac.map_or(0, str::len)
    }

    /// `true` when the text has no decimal point (`42`, but not `42.0`).
    pub fn is_integer_text(&self) -> bool {
        self.parts().frac.is_none()
    }

    /// Compares the numbers exactly, without floating point: `1.50` equals `1.5`, and `0`,
    /// `-0` and `0.00` are all equal.
    pub fn numeric_eq(&self, other: &Decimal<'_>) -> bool {
        let (a, b) = (self.parts(), other.parts());
        let (a_frac, b_frac) = (a.frac.unwrap_or("").trim_end_matches('0'), b.frac.unwrap_or("").trim_end_matches('0'));
        let a_zero = a.int == "0" && a_frac.is_empty();
        let b_zero = b.int == "0" && b_frac.is_empty();
        if a_zero || b_zero {
            return a_zero == b_zero;
        }
        a.negative == b.negative && a.int == b.int && a_frac == b_frac
    }
}

/// Reads the digits of an integer text (no point allowed) as an `i64`, or `None` when the
/// magnitude does not fit (callers then report it out of range).
fn integer_text(text: &str, expected: &'static str) -> Result<Option<i64>, PrimitiveError> {
    let parts = scan(text, expected)?;
    if parts.frac.is_some() {
        return Err(PrimitiveError::new(expected, "a decimal point is not allowed in an integer"));
    }
    if parts.int.len() > 18 {
        return Ok(None);
    }
    let magnitude = parts.int.bytes().fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
    Ok(Some(if parts.negative { -magnitude } else { magnitude }))
}

fn out_of_range(expected: &'static str, text: &str) -> PrimitiveError {
    PrimitiveError::new(expected, format!("{text} is out of range"))
}

/// A FHIR `integer`: a whole number from -2147483648 to 2147483647.
///
/// The text `-0` matches the STU3 expression `-?(0|[1-9][0-9]*)`; it reads as `0` but is
/// remembered, so that it is written back as `-0` (lossless). Because of that, `-0` and `0`
/// are different values for `==`, `Hash` and `Ord` (which puts `-0` right after `0`), just as
/// [`Decimal`] compares texts.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Integer {
    value: i32,
    negative_zero: bool,
}

impl Integer {
    /// Reads the raw text of a JSON number, e.g. `42` or `-7`.
    ///
    /// # Errors
    ///
    /// When the text does not match `-?(0|[1-9][0-9]*)` or the number is out of range.
    pub fn parse(text: &str) -> Result<Self, PrimitiveError> {
        let value = integer_text(text, INTEGER)?
            .and_then(|v| i32::try_from(v).ok())
            .ok_or_else(|| out_of_range(INTEGER, text))?;
        Ok(Integer { value, negative_zero: text == "-0" })
    }

    /// Makes an integer from a number.
    ///
    /// # Errors
    ///
    /// When the number is outside the `i32` range.
    pub fn new(value: impl Into<i64>) -> Result<Self, PrimitiveError> {
        let value = value.into();
        let value = i32::try_from(value).map_err(|_| out_of_range(INTEGER, &value.to_string()))?;
        Ok(Integer { value, negative_zero: false })
    }

    /// The number.
    #[inline]
    pub fn get(self) -> i32 {
        self.value
    }
}

impl fmt::Display for Integer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative_zero {
            f.write_str("-0")
        } else {
            fmt::Display::fmt(&self.value, f)
        }
    }
}

impl fmt::Debug for Integer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Integer({self})")
    }
}

/// Defines one of the two non-negative integer kinds over `u32`.
macro_rules! bounded_uint {
    ($(#[$attr:meta])* $name:ident, $expected:ident, $min:literal) => {
        $(#[$attr])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(u32);

        impl $name {
            /// Reads the raw text of a JSON number.
            ///
            /// # Errors
            ///
            /// When the text is not a plain JSON integer (no sign, fraction or exponent) or
            /// the number is out of range.
            pub fn parse(text: &str) -> Result<Self, PrimitiveError> {
                if text.starts_with('-') {
                    return Err(PrimitiveError::new($expected, "a minus sign is not allowed"));
                }
                match integer_text(text, $expected)? {
                    Some(value) => Self::new(value),
                    None => Err(out_of_range($expected, text)),
                }
            }

            /// Makes a value from a number.
            ///
            /// # Errors
            ///
            /// When the number is out of range.
            pub fn new(value: impl Into<i64>) -> Result<Self, PrimitiveError> {
                let value = value.into();
                if ($min..=i64::from(i32::MAX)).contains(&value) {
                    Ok($name(value as u32))
                } else {
                    Err(out_of_range($expected, &value.to_string()))
                }
            }

            /// The number.
            #[inline]
            pub fn get(self) -> u32 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

bounded_uint! {
    /// A FHIR `unsignedInt`: a whole number from 0 to 2147483647.
    UnsignedInt, UNSIGNED_INT, 0
}

bounded_uint! {
    /// A FHIR `positiveInt`: a whole number from 1 to 2147483647.
    ///
    /// STU3 allows a leading `+` in the text (`+?[1-9][0-9]*`), but JSON numbers cannot have
    /// one, so [`PositiveInt::parse`] rejects it.
    PositiveInt, POSITIVE_INT, 1
}

#[cfg(test)]
mod tests {
    use super::super::reference;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decimal_valid() {
        for ok in ["0", "-0", "42", "42.0", "-1.50", "0.001", "123456789012345678901234567890.5"] {
            let d = Decimal::new(ok).unwrap();
            assert_eq!(d.as_str(), ok);
            assert!(d.is_borrowed());
        }
        let d = Decimal::new("42.0").unwrap();
        assert_eq!(d.to_string(), "42.0");
        assert_eq!(d.scale(), 1);
        assert!(!d.is_integer_text());
        assert_eq!(d.to_f64(), 42.0);
        assert!(Decimal::new("7").unwrap().is_integer_text());
        assert_eq!(Decimal::new("7").unwrap().scale(), 0);
    }

    #[test]
    fn decimal_invalid() {
        for (bad, reason) in [
            ("1e2", "exponents are not allowed in FHIR decimals"),
            ("1.5E-3", "exponents are not allowed in FHIR decimals"),
            ("01", "leading zeros are not allowed"),
            ("-007.5", "leading zeros are not allowed"),
            ("1.", "a digit is required after the decimal point"),
            (".5", "a digit is required before the decimal point"),
            ("+1", "a leading '+' is not allowed"),
            ("", "the text is empty"),
            ("-", "the text ends too early (after 1 bytes)"),
            ("1.2.3", "unexpected character '.' at byte 3"),
            (" 1", "unexpected character ' ' at byte 0"),
            ("NaN", "unexpected character 'N' at byte 0"),
        ] {
            let e = Decimal::new(bad).unwrap_err();
            assert_eq!(e.reason.as_deref(), Some(reason), "{bad:?}");
            assert!(e.expected.starts_with("a decimal"));
        }
    }

    #[test]
    fn decimal_equality_is_textual() {
        let d = |s| Decimal::new(s).unwrap();
        assert_ne!(d("1.50"), d("1.5"));
        assert!(d("1.50").numeric_eq(&d("1.5")));
        assert!(d("2").numeric_eq(&d("2.000")));
        assert!(d("0").numeric_eq(&d("-0.00")));
        assert!(!d("-1.5").numeric_eq(&d("1.5")));
        assert!(!d("10").numeric_eq(&d("1")));
        assert!(!d("0.1").numeric_eq(&d("0.01")));
        assert!(!d("0").numeric_eq(&d("0.001")));
    }

    #[test]
    fn integer() {
        for ok in ["0", "7", "-7", "2147483647", "-2147483648"] {
            let i = Integer::parse(ok).unwrap();
            assert_eq!(i.to_string(), ok);
        }
        let neg_zero = Integer::parse("-0").unwrap();
        assert_eq!(neg_zero.get(), 0);
        assert_eq!(neg_zero.to_string(), "-0");
        assert_eq!(format!("{neg_zero:?}"), "Integer(-0)");
        assert_ne!(neg_zero, Integer::parse("0").unwrap());
        assert_eq!(Integer::new(0).unwrap().to_string(), "0");
        for bad in ["2147483648", "-2147483649", "99999999999999999999", "1.0", "1e3", "01", "+1", "", "x"] {
            assert!(Integer::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Integer::parse("2147483648").unwrap_err().reason.as_deref(), Some("2147483648 is out of range"));
        assert_eq!(Integer::new(-5i64).unwrap().get(), -5);
        assert!(Integer::new(1i64 << 40).is_err());
    }

    #[test]
    fn unsigned_and_positive() {
        assert_eq!(UnsignedInt::parse("0").unwrap().get(), 0);
        assert_eq!(UnsignedInt::parse("2147483647").unwrap().get(), 2147483647);
        assert_eq!(PositiveInt::parse("1").unwrap().get(), 1);
        assert_eq!(PositiveInt::parse("30").unwrap().to_string(), "30");
        assert_eq!(format!("{:?}", PositiveInt::parse("30").unwrap()), "PositiveInt(30)");
        for bad in ["-0", "-1", "2147483648", "1.5", "00", "01", "+1", ""] {
            assert!(UnsignedInt::parse(bad).is_err(), "{bad:?}");
        }
        for bad in ["0", "-0", "-1", "2147483648", "1.0", "01", "+1", ""] {
            assert!(PositiveInt::parse(bad).is_err(), "{bad:?}");
        }
        assert!(PositiveInt::new(0).is_err());
        assert!(UnsignedInt::new(-1).is_err());
        assert!(UnsignedInt::new(u32::MAX).is_err());
        assert_eq!(UnsignedInt::new(0u8).unwrap().get(), 0);
    }

    const NUMBER_ALPHABET: &[char] = &['0', '1', '5', '9', '-', '+', '.', 'e', 'E', ' '];
    const NUMBER_TEMPLATES: &[&str] =
        &["[-+]?[0-9]{1,12}(\\.[0-9]{0,3})?", "-?(0|[1-9][0-9]{0,10})(\\.[0-9]{1,3})?([eE][-+]?[0-9])?"];

    #[test]
    fn decimal_agrees_with_official_regex() {
        let re = reference::regex(r"-?([0]|([1-9][0-9]*))(\.[0-9]+)?");
        reference::run(3000, reference::shaped(NUMBER_TEMPLATES, NUMBER_ALPHABET), |s| {
            prop_assert_eq!(Decimal::new(s.as_str()).is_ok(), re.is_match(&s), "{:?}", s);
            Ok(())
        });
    }

    #[test]
    fn integers_agree_with_official_regex() {
        let integer = reference::regex(r"-?([0]|([1-9][0-9]*))");
        let unsigned = reference::regex(r"[0]|([1-9][0-9]*)");
        // STU3 prints `+?[1-9][0-9]*`, which no engine compiles; the `+` is meant literally.
        let positive = reference::regex(r"\+?[1-9][0-9]*");
        let in_range = |s: &str, min: i64| {
            s.trim_start_matches('+').parse::<i64>().is_ok_and(|v| (min..=i64::from(i32::MAX)).contains(&v))
        };
        reference::run(3000, reference::shaped(NUMBER_TEMPLATES, NUMBER_ALPHABET), |s| {
            prop_assert_eq!(
                Integer::parse(&s).is_ok(),
                integer.is_match(&s) && in_range(&s, i64::from(i32::MIN)),
                "integer {:?}",
                s
            );
            prop_assert_eq!(
                UnsignedInt::parse(&s).is_ok(),
                unsigned.is_match(&s) && in_range(&s, 0),
                "unsignedInt {:?}",
                s
            );
            // Documented difference: no leading '+' in JSON.
            prop_assert_eq!(
                PositiveInt::parse(&s).is_ok(),
                positive.is_match(&s) && !s.starts_with('+') && in_range(&s, 1),
                "positiveInt {:?}",
                s
            );
            Ok(())
        });
    }

    proptest! {
        /// On JSON number tokens the cheap check says what the full one says, word for word.
        #[test]
        fn decimal_json_check_agrees_on_number_tokens(s in "-?(0|[1-9][0-9]{0,8})(\\.[0-9]{1,6})?([eE][+-]?[0-9]{1,3})?") {
            prop_assert_eq!(check_decimal_json(&s), check_decimal(&s));
        }

        #[test]
        fn decimal_text_round_trips(s in "-?(0|[1-9][0-9]{0,25})(\\.[0-9]{1,12})?") {
            let d = Decimal::new(s.clone()).unwrap();
            prop_assert_eq!(d.as_str(), s.as_str());
            prop_assert_eq!(d.to_string(), s);
        }

        #[test]
        fn decimal_from_f64_display_round_trips(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
            let text = x.to_string();
            let d = Decimal::new(text.clone()).unwrap();
            prop_assert_eq!(d.as_str(), text.as_str());
            prop_assert_eq!(d.to_f64(), x);
        }

        #[test]
        fn decimal_numeric_eq_is_exact(
            a in "-?(0|[1-9][0-9]{0,5})(\\.[0-9]{1,5})?",
            b in "-?(0|[1-9][0-9]{0,5})(\\.[0-9]{1,5})?",
            zeros in 0usize..3,
        ) {
            // Scaled to 10^-5 as integers: exact.
            let scaled = |s: &str| {
                let (int, frac) = s.split_once('.').unwrap_or((s, ""));
                let frac = format!("{frac:0<5}");
                let v: i64 = format!("{}{}", int.trim_start_matches('-'), frac).parse().unwrap();
                if s.starts_with('-') { -v } else { v }
            };
            let (da, db) = (Decimal::new(a.as_str()).unwrap(), Decimal::new(b.as_str()).unwrap());
            prop_assert_eq!(da.numeric_eq(&db), scaled(&a) == scaled(&b));
            let padded = if a.contains('.') { format!("{a}{}", "0".repeat(zeros)) } else { format!("{a}.0{}", "0".repeat(zeros)) };
            prop_assert!(da.numeric_eq(&Decimal::new(padded).unwrap()));
        }

        #[test]
        fn integer_text_round_trips(v in any::<i32>()) {
            let i = Integer::parse(&v.to_string()).unwrap();
            prop_assert_eq!(i.get(), v);
            prop_assert_eq!(i.to_string(), v.to_string());
            prop_assert_eq!(Integer::new(v).unwrap(), i);
        }

        #[test]
        fn unsigned_text_round_trips(v in 0u32..=i32::MAX as u32) {
            prop_assert_eq!(UnsignedInt::parse(&v.to_string()).unwrap().get(), v);
            prop_assert_eq!(UnsignedInt::parse(&v.to_string()).unwrap().to_string(), v.to_string());
        }
    }
}
