//! Exact arithmetic on FHIR decimals: sums of money without floating point.

use std::cmp::Ordering;
use std::fmt;

use super::Decimal;

/// A decimal number held exactly: an integer count of units of 10<sup>-scale</sup>, so
/// `96.50` is 9650 units at scale 2. Up to 38 significant digits; every operation that would go
/// past that says so (`None`) rather than round.
///
/// Sums keep the larger scale of their terms (`0.1 + 96.50` is `96.60`), as a sum of amounts
/// written to the cent stays written to the cent. Like [`Decimal`], equality compares the
/// representation: `1.50` and `1.5` are different values.
///
/// ```
/// use bluebutton_model::primitives::{Decimal, ExactDecimal};
///
/// let amounts = ["0.1", "0.2", "96.50", "-1", "100"];
/// let sum = amounts
///     .iter()
///     .map(|text| Decimal::new(*text).unwrap().to_exact().unwrap())
///     .try_fold(ExactDecimal::ZERO, ExactDecimal::checked_add)
///     .unwrap();
/// assert_eq!(sum.to_string(), "195.80");
/// assert_eq!(ExactDecimal::ZERO.with_scale_at_least(2).to_string(), "0.00");
///
/// // The same on `Decimal` texts:
/// let a = Decimal::new("0.1").unwrap();
/// assert_eq!(a.checked_add(&Decimal::new("0.2").unwrap()).unwrap().as_str(), "0.3");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ExactDecimal {
    units: i128,
    scale: u32,
}

impl ExactDecimal {
    /// Zero, at scale 0.
    pub const ZERO: ExactDecimal = ExactDecimal { units: 0, scale: 0 };

    /// `units` × 10<sup>-`scale`</sup>.
    pub fn new(units: i128, scale: u32) -> Self {
        ExactDecimal { units, scale }
    }

    /// The value of `decimal`, exactly, at the scale it was written with (`42.50`: scale 2);
    /// `None` when its digits do not fit (past 38 of them).
    pub fn from_decimal(decimal: &Decimal<'_>) -> Option<Self> {
        let parts = decimal.parts();
        let frac = parts.frac.unwrap_or("");
        let mut units: i128 = 0;
        for digit in parts.int.bytes().chain(frac.bytes()) {
            units = units.checked_mul(10)?.checked_add(i128::from(digit - b'0'))?;
        }
        let scale = u32::try_from(frac.len()).ok()?;
        Some(ExactDecimal { units: if parts.negative { -units } else { units }, scale })
    }

    /// The integer count of units of 10<sup>-[`scale`](Self::scale)</sup>.
    pub fn units(self) -> i128 {
        self.units
    }

    /// The number of digits after the decimal point.
    pub fn scale(self) -> u32 {
        self.scale
    }

    /// The units at the larger `scale`, if they fit.
    fn units_at(self, scale: u32) -> Option<i128> {
        self.units.checked_mul(10i128.checked_pow(scale.checked_sub(self.scale)?)?)
    }

    /// The exact sum, at the larger of the two scales; `None` when it does not fit.
    pub fn checked_add(self, other: ExactDecimal) -> Option<ExactDecimal> {
        let scale = self.scale.max(other.scale);
        let units = self.units_at(scale)?.checked_add(other.units_at(scale)?)?;
        Some(ExactDecimal { units, scale })
    }

    /// The exact difference `self - other`, at the larger of the two scales; `None` when it
    /// does not fit.
    pub fn checked_sub(self, other: ExactDecimal) -> Option<ExactDecimal> {
        let scale = self.scale.max(other.scale);
        let units = self.units_at(scale)?.checked_sub(other.units_at(scale)?)?;
        Some(ExactDecimal { units, scale })
    }

    /// The number with its sign changed (`-0.05` → `0.05`); `None` only for the one value
    /// whose negation does not fit.
    pub fn checked_neg(self) -> Option<ExactDecimal> {
        Some(ExactDecimal { units: self.units.checked_neg()?, scale: self.scale })
    }

    /// The exact sum of `terms`, at the largest of their scales ([`ZERO`](Self::ZERO) when
    /// there are none); `None` as soon as a partial sum does not fit.
    ///
    /// ```
    /// use bluebutton_model::primitives::ExactDecimal;
    /// let terms = [ExactDecimal::new(1050, 2), ExactDecimal::new(-5, 1), ExactDecimal::new(3, 0)];
    /// assert_eq!(ExactDecimal::checked_sum(terms).unwrap().to_string(), "13.00");
    /// assert_eq!(ExactDecimal::checked_sum([]), Some(ExactDecimal::ZERO));
    /// assert_eq!(ExactDecimal::checked_sum([ExactDecimal::new(i128::MAX, 0), ExactDecimal::new(1, 0)]), None);
    /// ```
    pub fn checked_sum(terms: impl IntoIterator<Item = ExactDecimal>) -> Option<ExactDecimal> {
        terms.into_iter().try_fold(ExactDecimal::ZERO, ExactDecimal::checked_add)
    }

    /// Compares the numbers (not their representations): `1.50` and `1.5` are equal here,
    /// `-0.01` is less than `0`. Exact at every scale, without floating point.
    pub fn numeric_cmp(self, other: ExactDecimal) -> Ordering {
        let scale = self.scale.max(other.scale);
        match (self.units_at(scale), other.units_at(scale)) {
            (Some(a), Some(b)) => a.cmp(&b),
            // A term that does not fit at the larger scale is larger in magnitude than any
            // that does: its sign decides.
            (None, Some(_)) => self.units.cmp(&0),
            (Some(_), None) => 0.cmp(&other.units),
            (None, None) => unreachable!("one of the two is already at the larger scale"),
        }
    }

    /// Whether the numbers are equal (`1.50` and `1.5` are).
    pub fn numeric_eq(self, other: ExactDecimal) -> bool {
        self.numeric_cmp(other) == Ordering::Equal
    }

    /// Whether the number is zero (at any scale).
    pub fn is_zero(self) -> bool {
        self.units == 0
    }

    /// The same number with at least `scale` digits after the point (`564` → `564.00` for
    /// 2), or unchanged when those digits would not fit.
    pub fn with_scale_at_least(self, scale: u32) -> ExactDecimal {
        if self.scale >= scale {
            return self;
        }
        match self.units_at(scale) {
            Some(units) => ExactDecimal { units, scale },
            None => self,
        }
    }

    /// The number as a FHIR decimal (the text [`Display`](fmt::Display) writes).
    pub fn to_decimal(self) -> Decimal<'static> {
        Decimal::new(self.to_string()).expect("an exact decimal is written as a valid decimal text")
    }
}

/// Writes the number with exactly [`scale`](ExactDecimal::scale) digits after the point, and
/// no point at scale 0: `-0.05`, `564.00`, `7`. Zero has no sign.
impl fmt::Display for ExactDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.units < 0 { "-" } else { "" };
        let digits = self.units.unsigned_abs().to_string();
        let scale = self.scale as usize;
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let digits = format!("{digits:0>width$}", width = scale + 1);
        let (int, frac) = digits.split_at(digits.len() - scale);
        write!(f, "{sign}{int}.{frac}")
    }
}

impl Decimal<'_> {
    /// The number, exactly, for arithmetic ([`ExactDecimal`]); `None` past 38 digits.
    pub fn to_exact(&self) -> Option<ExactDecimal> {
        ExactDecimal::from_decimal(self)
    }

    /// The exact sum of two decimals, with the larger of their scales (`1.5 + 2.25` is
    /// `3.75`, `0.10 + 0.2` is `0.30`); `None` past 38 digits.
    pub fn checked_add(&self, other: &Decimal<'_>) -> Option<Decimal<'static>> {
        Some(self.to_exact()?.checked_add(other.to_exact()?)?.to_decimal())
    }

    /// The exact difference `self - other`, with the larger of their scales (`10 - 0.25` is
    /// `9.75`); `None` past 38 digits.
    pub fn checked_sub(&self, other: &Decimal<'_>) -> Option<Decimal<'static>> {
        Some(self.to_exact()?.checked_sub(other.to_exact()?)?.to_decimal())
    }

    /// The exact sum of `terms`, with the largest of their scales (`0` for none); `None` past
    /// 38 digits.
    ///
    /// ```
    /// use bluebutton_model::primitives::Decimal;
    /// let amounts = ["37.5", "9.57", "0.0"].map(|t| Decimal::new(t).unwrap());
    /// assert_eq!(Decimal::checked_sum(&amounts).unwrap().as_str(), "47.07");
    /// ```
    pub fn checked_sum<'d, 'x: 'd>(terms: impl IntoIterator<Item = &'d Decimal<'x>>) -> Option<Decimal<'static>> {
        let exact = terms.into_iter().map(Decimal::to_exact);
        let mut sum = ExactDecimal::ZERO;
        for term in exact {
            sum = sum.checked_add(term?)?;
        }
        Some(sum.to_decimal())
    }

    /// Compares the numbers exactly, without floating point (`1.50` equals `1.5`, `-0.01` is
    /// less than `0`), at any length. [`Ord`] on `Decimal` compares the texts instead.
    ///
    /// ```
    /// use bluebutton_model::primitives::Decimal;
    /// use std::cmp::Ordering;
    /// let d = |t| Decimal::new(t).unwrap();
    /// assert_eq!(d("9.57").numeric_cmp(&d("10")), Ordering::Less);
    /// assert_eq!(d("1.50").numeric_cmp(&d("1.5")), Ordering::Equal);
    /// assert_eq!(d(&"9".repeat(50)).numeric_cmp(&d("-1")), Ordering::Greater);
    /// ```
    pub fn numeric_cmp(&self, other: &Decimal<'_>) -> Ordering {
        let (a, b) = (self.parts(), other.parts());
        let (a_frac, b_frac) = (a.frac.unwrap_or("").trim_end_matches('0'), b.frac.unwrap_or("").trim_end_matches('0'));
        let sign = |negative: bool, int: &str, frac: &str| {
            if int == "0" && frac.is_empty() {
                Ordering::Equal
            } else if negative {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        };
        let (sa, sb) = (sign(a.negative, a.int, a_frac), sign(b.negative, b.int, b_frac));
        if sa != sb {
            return sa.cmp(&sb);
        }
        // Same sign: compare magnitudes (integer digits have no leading zeros), then flip for
        // negatives.
        let magnitude = a.int.len().cmp(&b.int.len()).then_with(|| a.int.cmp(b.int)).then_with(|| a_frac.cmp(b_frac));
        if sa == Ordering::Less {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigInt;
    use proptest::prelude::*;

    fn exact(text: &str) -> ExactDecimal {
        Decimal::new(text).unwrap().to_exact().unwrap()
    }

    #[test]
    fn sums_are_exact_and_keep_the_larger_scale() {
        let sum = ["0.1", "0.2", "96.50", "-1", "100"]
            .iter()
            .fold(ExactDecimal::ZERO, |s, t| s.checked_add(exact(t)).unwrap());
        assert_eq!(sum.to_string(), "195.80");
        assert_eq!((sum.units(), sum.scale()), (19580, 2));
        assert_eq!(exact("-0.05").to_string(), "-0.05");
        assert_eq!(exact("-0").to_string(), "0");
        assert_eq!(exact("7").to_string(), "7");
        assert_eq!(exact("0.001").checked_add(exact("-0.001")).unwrap().to_string(), "0.000");
        assert_eq!(exact("564").with_scale_at_least(2).to_string(), "564.00");
        assert_eq!(exact("1.125").with_scale_at_least(2).to_string(), "1.125");
        assert_eq!(ExactDecimal::new(-5, 3).to_decimal().as_str(), "-0.005");
    }

    #[test]
    fn past_38_digits_is_none_not_a_rounded_value() {
        assert!(Decimal::new("1".repeat(40)).unwrap().to_exact().is_none());
        let big = exact(&"9".repeat(38));
        assert!(big.checked_add(big).is_none());
        assert!(big.checked_add(exact("0.1")).is_none(), "the rescaled term does not fit");
        assert_eq!(big.with_scale_at_least(2), big, "saturates: unchanged");
        let a = Decimal::new("9".repeat(38)).unwrap();
        assert!(a.checked_add(&a).is_none());
        // Many digits after the point are fine while the units fit.
        assert_eq!(exact(&format!("0.{}1", "0".repeat(30))).scale(), 31);
    }

    /// A decimal text: up to 15 integer digits and 6 after the point, either sign.
    fn decimal_text() -> impl Strategy<Value = String> {
        "-?(0|[1-9][0-9]{0,14})(\\.[0-9]{1,6})?"
    }

    /// The reference: the text's value in millionths, read digit by digit.
    fn millionths(text: &str) -> i128 {
        let (negative, digits) = text.strip_prefix('-').map_or((false, text), |rest| (true, rest));
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let frac = format!("{frac:0<6}");
        let value: i128 = format!("{int}{frac}").parse().unwrap();
        if negative {
            -value
        } else {
            value
        }
    }

    /// The reference's text of a number of millionths.
    fn millionths_text(value: i128) -> String {
        let sign = if value < 0 { "-" } else { "" };
        let magnitude = value.unsigned_abs();
        format!("{sign}{}.{:06}", magnitude / 1_000_000, magnitude % 1_000_000)
    }

    fn scale_of(text: &str) -> u32 {
        text.split_once('.').map_or(0, |(_, frac)| frac.len() as u32)
    }

    /// The independent reference: a decimal text as a big integer of units and its scale (the
    /// number is `units / 10^scale`), read with `num-bigint`, not with this module's code.
    fn big(text: &str) -> (BigInt, u32) {
        let digits: String = text.chars().filter(|c| *c != '.').collect();
        (digits.parse().unwrap(), scale_of(text))
    }

    /// `units` at `scale` (≥ its own), as a big integer.
    fn big_at((units, own): &(BigInt, u32), scale: u32) -> BigInt {
        units * BigInt::from(10u32).pow(scale - own)
    }

    fn big_of(x: ExactDecimal) -> (BigInt, u32) {
        (BigInt::from(x.units()), x.scale())
    }

    fn fits(units: &BigInt) -> bool {
        i128::try_from(units).is_ok()
    }

    /// A decimal text of up to 40 digits: past what [`ExactDecimal`] holds, so that the
    /// overflow paths are taken too.
    fn long_decimal_text() -> impl Strategy<Value = String> {
        "-?(0|[1-9][0-9]{0,25})(\\.[0-9]{1,14})?"
    }

    proptest! {
        #[test]
        fn add_and_sub_agree_with_big_integers_or_say_none(a in long_decimal_text(), b in long_decimal_text()) {
            let (ra, rb) = (big(&a), big(&b));
            let (ea, eb) = (Decimal::new(a.as_str()).unwrap().to_exact(), Decimal::new(b.as_str()).unwrap().to_exact());
            prop_assert_eq!(ea.is_some(), fits(&ra.0), "reading {}", a);
            let (Some(ea), Some(eb)) = (ea, eb) else { return Ok(()) };
            let scale = ra.1.max(rb.1);
            let (xa, xb) = (big_at(&ra, scale), big_at(&rb, scale));
            let terms_fit = fits(&xa) && fits(&xb);
            for (got, expected) in [(ea.checked_add(eb), &xa + &xb), (ea.checked_sub(eb), &xa - &xb)] {
                match got {
                    Some(v) => {
                        prop_assert_eq!(v.scale(), scale);
                        prop_assert_eq!(BigInt::from(v.units()), expected);
                    }
                    None => prop_assert!(!terms_fit || !fits(&expected), "{} and {}: None though it fits", a, b),
                }
            }
            // a - b + b = a, and a - a = 0, whenever the steps fit.
            if let Some(d) = ea.checked_sub(eb) {
                if let Some(back) = d.checked_add(eb) {
                    prop_assert!(back.numeric_eq(ea));
                }
            }
            prop_assert!(ea.checked_sub(ea).unwrap().is_zero());
            prop_assert_eq!(ea.checked_neg().unwrap().checked_neg().unwrap(), ea);
        }

        #[test]
        fn comparisons_agree_with_big_integers(a in long_decimal_text(), b in long_decimal_text()) {
            let (ra, rb) = (big(&a), big(&b));
            let scale = ra.1.max(rb.1);
            let expected = big_at(&ra, scale).cmp(&big_at(&rb, scale));
            let (da, db) = (Decimal::new(a.as_str()).unwrap(), Decimal::new(b.as_str()).unwrap());
            prop_assert_eq!(da.numeric_cmp(&db), expected, "{} vs {}", a, b);
            prop_assert_eq!(db.numeric_cmp(&da), expected.reverse());
            prop_assert_eq!(da.numeric_eq(&db), expected == Ordering::Equal);
            if let (Some(ea), Some(eb)) = (da.to_exact(), db.to_exact()) {
                prop_assert_eq!(ea.numeric_cmp(eb), expected, "{} vs {}", a, b);
                prop_assert_eq!(ea.numeric_eq(eb), expected == Ordering::Equal);
            }
        }

        #[test]
        fn sums_agree_with_big_integers(terms in proptest::collection::vec(decimal_text(), 0..40)) {
            let scale = terms.iter().map(|t| scale_of(t)).max().unwrap_or(0);
            let expected: BigInt = terms.iter().map(|t| big_at(&big(t), scale)).sum();
            let exact = ExactDecimal::checked_sum(terms.iter().map(|t| exact(t))).unwrap();
            prop_assert_eq!(big_of(exact), (expected.clone(), scale));
            let decimals: Vec<Decimal> = terms.iter().map(|t| Decimal::new(t.as_str()).unwrap()).collect();
            let text = Decimal::checked_sum(&decimals).unwrap();
            prop_assert_eq!(big(text.as_str()), (expected, scale));
        }

        #[test]
        fn addition_agrees_with_scaled_integers(a in decimal_text(), b in decimal_text()) {
            let sum = exact(&a).checked_add(exact(&b)).unwrap();
            let expected = millionths(&a) + millionths(&b);
            prop_assert_eq!(sum.scale(), scale_of(&a).max(scale_of(&b)));
            prop_assert_eq!(millionths(&sum.to_string()), expected);
            let text = Decimal::new(a.as_str()).unwrap().checked_add(&Decimal::new(b.as_str()).unwrap()).unwrap();
            prop_assert!(text.numeric_eq(&Decimal::new(millionths_text(expected)).unwrap()), "{} + {} = {}", a, b, text);
            prop_assert_eq!(text.as_str(), sum.to_string());
            // Commutative, and the text reads back as the same value.
            prop_assert_eq!(exact(&b).checked_add(exact(&a)).unwrap(), sum);
            prop_assert_eq!(exact(text.as_str()), sum);
        }

        #[test]
        fn long_sums_agree_with_scaled_integers(terms in proptest::collection::vec(decimal_text(), 0..40)) {
            let sum = terms.iter().try_fold(ExactDecimal::ZERO, |s, t| s.checked_add(exact(t))).unwrap();
            let expected: i128 = terms.iter().map(|t| millionths(t)).sum();
            prop_assert_eq!(millionths(&sum.to_string()), expected);
            prop_assert_eq!(sum.scale(), terms.iter().map(|t| scale_of(t)).max().unwrap_or(0));
        }

        #[test]
        fn rescaling_keeps_the_value(a in decimal_text(), scale in 0u32..10) {
            let rescaled = exact(&a).with_scale_at_least(scale);
            prop_assert_eq!(rescaled.scale(), scale_of(&a).max(scale));
            prop_assert!(rescaled.to_decimal().numeric_eq(&Decimal::new(a.as_str()).unwrap()));
        }
    }
}
