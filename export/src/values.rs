//! Field texts turned into column values: exact decimals, dates, integers. Each conversion
//! says what was expected when the text does not fit its column.
use compact_str::CompactString;

/// A value of one cell, typed for its column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(Text),
    /// A code and its display.
    Code(Text, Option<Text>),
    /// Units of 10<sup>-scale</sup> of the column.
    Decimal(i128),
    /// Days since 1970-01-01.
    Date(i32),
    Int(i64),
}

/// The text of a cell, made without an allocation where it can be: a short text (an id, a
/// code, a date) is held in place, a code system's display by reference, a long text of a
/// vocabulary by reference to where it is kept ([`Text::term`]); only another long text read
/// from the data is copied to the heap. Most of a row's texts are short.
#[derive(Clone)]
pub struct Text(CompactString);

impl Text {
    /// `text` copied: in place when it is short.
    pub fn new(text: &str) -> Text {
        Text(CompactString::new(text))
    }

    /// A text of a vocabulary (a code system's URL, a code's display as the data writes it):
    /// one that comes row after row. A long one is kept once for the life of the program (up
    /// to 4 MiB of such texts in all) and referred to, rather than copied for each cell.
    pub fn term(text: &str) -> Text {
        // A text as long as the cell itself is held in place.
        if text.len() <= std::mem::size_of::<CompactString>() {
            return Text::new(text);
        }
        match crate::terms::term(text) {
            Some(kept) => Text::from_static(kept),
            None => Text::new(text),
        }
    }

    /// A text that lives as long as the program (a code system's display), not copied.
    pub fn from_static(text: &'static str) -> Text {
        Text(CompactString::const_new(text))
    }

    /// The text, when it was made [`from_static`](Self::from_static).
    pub fn as_static(&self) -> Option<&'static str> {
        self.0.as_static_str()
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text::new(text)
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// `text` (a FHIR decimal) as units of 10<sup>-`scale`</sup>, exactly: trailing zeros past
/// `scale` are fine, other digits past it or more than `precision` digits are an error.
pub fn decimal(text: &str, precision: u8, scale: i8) -> Result<i128, String> {
    let scale = scale.max(0) as usize;
    if let Some(units) = decimal_in_one_pass(text.as_bytes(), precision, scale) {
        return Ok(units);
    }
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !all_digits(int) || !all_digits(frac) || (digits.contains('.') && frac.is_empty()) {
        return Err(format!("expected a decimal number, found `{text}`"));
    }
    let (kept, dropped) = frac.split_at(frac.len().min(scale));
    if dropped.bytes().any(|b| b != b'0') {
        return Err(format!("`{text}` has {} digits after the point; the column holds {scale}", frac.len()));
    }
    let int = int.trim_start_matches('0');
    if int.len() + scale > precision as usize {
        return Err(format!(
            "`{text}` has {} digits before the point; the column holds {} (decimal({precision}, {scale}))",
            int.len(),
            precision as usize - scale
        ));
    }
    let mut units: i128 = 0;
    for b in int.bytes().chain(kept.bytes()).chain(std::iter::repeat_n(b'0', scale - kept.len())) {
        units = units * 10 + i128::from(b - b'0');
    }
    Ok(if negative { -units } else { units })
}

/// [`decimal`] of a text that fits, read in one pass over its bytes; `None` for any other text
/// (then read again by [`decimal`], which says what does not fit). Amounts are most of the
/// typed cells.
fn decimal_in_one_pass(b: &[u8], precision: u8, scale: usize) -> Option<i128> {
    let (negative, start) = match b.first()? {
        b'-' => (true, 1),
        b'+' => (false, 1),
        _ => (false, 0),
    };
    let mut units: i128 = 0;
    let mut significant = 0;
    let mut i = start;
    while let Some(d) = b.get(i).filter(|d| d.is_ascii_digit()) {
        if units != 0 || *d != b'0' {
            significant += 1;
            if significant + scale > usize::from(precision) {
                return None;
            }
        }
        units = units * 10 + i128::from(d - b'0');
        i += 1;
    }
    if i == start {
        return None;
    }
    let mut kept = 0;
    if i < b.len() {
        if b[i] != b'.' || i + 1 == b.len() {
            return None;
        }
        for &d in &b[i + 1..] {
            if !d.is_ascii_digit() || (kept == scale && d != b'0') {
                return None;
            }
            if kept < scale {
                units = units * 10 + i128::from(d - b'0');
                kept += 1;
            }
        }
    }
    for _ in kept..scale {
        units *= 10;
    }
    Some(if negative { -units } else { units })
}

/// The day of a FHIR `date` or `dateTime` text (`2020-01-03`, `2020-01-03T10:00:00Z`), as days
/// since 1970-01-01. A partial date (`2020`, `2020-01`) does not name a day: an error.
pub fn date(text: &str) -> Result<i32, String> {
    let day = text.get(..10).filter(|_| text.len() == 10 || text[10..].starts_with('T'));
    let parts = day.and_then(|d| {
        let b = d.as_bytes();
        if b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let y: i32 = d[..4].parse().ok()?;
        let m: u32 = d[5..7].parse().ok()?;
        let dd: u32 = d[8..10].parse().ok()?;
        ((1..=12).contains(&m) && (1..=days_in_month(y, m)).contains(&dd)).then_some((y, m, dd))
    });
    match parts {
        Some((y, m, d)) => Ok(days_from_civil(y, m, d)),
        None => Err(format!("expected a full date (YYYY-MM-DD), found `{text}`")),
    }
}

/// The year of a FHIR date (`2018`, `2018-07`, `2018-07-24`).
pub fn year(text: &str) -> Result<i64, String> {
    let year = text.get(..4).filter(|y| y.bytes().all(|b| b.is_ascii_digit()));
    let rest_ok = text.len() == 4 || (text.len() >= 7 && text.as_bytes()[4] == b'-');
    match year {
        Some(y) if rest_ok => int(y),
        _ => Err(format!("expected a year (YYYY, or a date), found `{text}`")),
    }
}

/// The number of an amount's text as the views render it (`44.0 USD`: value and unit);
/// `None` for a unit without a value (`USD`).
pub fn amount_number(text: &str) -> Option<&str> {
    let number = text.split_once(' ').map_or(text, |(n, _)| n);
    number.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+' || c == '.').then_some(number)
}

/// An integer text.
pub fn int(text: &str) -> Result<i64, String> {
    text.parse().map_err(|_| format!("expected an integer, found `{text}`"))
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the proleptic Gregorian date `y-m-d` (H. Hinnant's algorithm).
fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact_at_the_column_scale() {
        assert_eq!(decimal("42.0", 18, 2), Ok(4200));
        assert_eq!(decimal("123.45", 18, 2), Ok(12345));
        assert_eq!(decimal("-0.5", 18, 2), Ok(-50));
        assert_eq!(decimal("7", 18, 2), Ok(700));
        assert_eq!(decimal("1.2300", 18, 2), Ok(123));
        assert_eq!(decimal("0.125", 18, 2).unwrap_err(), "`0.125` has 3 digits after the point; the column holds 2");
        assert!(decimal("1234567890123456789", 18, 2).unwrap_err().contains("the column holds 16"));
        assert_eq!(decimal("9999999999999999.99", 18, 2), Ok(999_999_999_999_999_999));
        for bad in ["", "-", "1.", ".5", "1e3", "12a", "USD", "+", "1.2.3", "1.5x", "-.5"] {
            assert!(decimal(bad, 18, 2).is_err(), "{bad}");
        }
        assert_eq!(decimal("+0012.50", 18, 2), Ok(1250));
        assert_eq!(decimal("-0", 18, 2), Ok(0));
        assert_eq!(decimal("0000000000000000000001.1", 18, 2), Ok(110));
        assert_eq!(decimal("12", 4, 2), Ok(1200));
        assert!(decimal("123", 4, 2).unwrap_err().contains("the column holds 2"));
    }

    #[test]
    fn texts_read_back_as_they_were_made() {
        let long = "a display longer than what is held in place";
        for text in ["", "x", "0123456789012345678901", "01234567890123456789012", long, "é ü ç"] {
            assert_eq!(Text::new(text).as_str(), text);
        }
        assert!(!Text::new("0123456789012345678901").0.is_heap_allocated());
        assert!(Text::new(long).0.is_heap_allocated());
        assert_eq!(Text::from_static(long), Text::new(long));
        assert_eq!(Text::from_static(long).as_static(), Some(long));
        assert_eq!(Text::new(long).as_static(), None);
    }

    #[test]
    fn dates_are_days_since_the_epoch() {
        assert_eq!(date("1970-01-01"), Ok(0));
        assert_eq!(date("2000-03-01"), Ok(11017));
        assert_eq!(date("1969-12-31"), Ok(-1));
        assert_eq!(date("2020-01-03T10:00:00Z"), Ok(18264));
        assert_eq!(date("2016-02-29"), Ok(16860));
        for bad in ["2020", "2020-01", "2019-02-29", "2020-13-01", "2020-01-0x", "2020-01-01Z"] {
            assert!(date(bad).unwrap_err().contains("expected a full date"), "{bad}");
        }
        assert_eq!(int("12"), Ok(12));
        assert_eq!(year("2018"), Ok(2018));
        assert_eq!(year("2018-07-24"), Ok(2018));
        assert!(year("18").unwrap_err().contains("expected a year"));
        assert!(year("2018x").unwrap_err().contains("expected a year"));
        assert_eq!(amount_number("44.0 USD"), Some("44.0"));
        assert_eq!(amount_number("12.5"), Some("12.5"));
        assert_eq!(amount_number("USD"), None);
        assert_eq!(amount_number("-3 d"), Some("-3"));
        assert!(int("1.5").is_err());
    }
}
