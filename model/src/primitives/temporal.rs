//! The date and time kinds: `date`, `dateTime`, `instant` and `time`.
//!
//! Besides the STU3 expressions, dates are checked against the (proleptic Gregorian) calendar:
//! the day must exist in its month and year. The expressions cannot say that, and their day
//! alternative `0[0-9]` even lets the day `00` through (a slip fixed in later FHIR versions);
//! such texts name no date, so they are rejected. A leap second (`60`) is accepted at any
//! time of day, as the expressions allow.
//!
//! Values are kept as text; equality and ordering compare the text, not the instant in time.

use super::PrimitiveError;
use chrono::{FixedOffset, NaiveDate, NaiveTime, TimeZone};

const DATE: &str = "a date: YYYY, YYYY-MM or YYYY-MM-DD";
const DATE_TIME: &str = "a dateTime: YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss(.sss)(Z|+hh:mm|-hh:mm)";
const INSTANT: &str = "an instant: YYYY-MM-DDThh:mm:ss(.sss)(Z|+hh:mm|-hh:mm)";
const TIME: &str = "a time: hh:mm:ss(.sss)";

/// Which texts a scan accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `YYYY(-MM(-DD)?)?`
    Date,
    /// `YYYY(-MM(-DD(Thh:mm:ss(.s+)?TZ)?)?)?`
    DateTime,
    /// `YYYY-MM-DDThh:mm:ss(.s+)?TZ`
    Instant,
}

/// The time of day of a scanned text.
#[derive(Clone, Copy)]
struct Clock {
    hour: u32,
    minute: u32,
    second: u32,
    /// The fraction of the second in nanoseconds (digits past the ninth are dropped).
    nanos: u32,
    fraction_digits: usize,
}

/// The fields of a valid text.
#[derive(Clone, Copy)]
struct Fields {
    year: i32,
    month: Option<u32>,
    day: Option<u32>,
    clock: Option<Clock>,
    /// The offset from UTC in seconds (`Z` is 0); present exactly when `clock` is.
    offset: Option<i32>,
}

struct Scanner<'s> {
    text: &'s str,
    at: usize,
    expected: &'static str,
}

impl<'s> Scanner<'s> {
    fn new(text: &'s str, expected: &'static str) -> Self {
        Scanner { text, at: 0, expected }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        let found = self.peek() == Some(c);
        self.at += usize::from(found);
        found
    }

    fn unexpected(&self) -> PrimitiveError {
        if self.text.is_empty() {
            PrimitiveError::empty(self.expected)
        } else {
            PrimitiveError::unexpected(self.expected, self.text, self.at)
        }
    }

    fn fail(&self, reason: impl Into<String>) -> PrimitiveError {
        PrimitiveError::new(self.expected, reason)
    }

    fn expect(&mut self, c: u8) -> Result<(), PrimitiveError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// Exactly `n` ASCII digits.
    fn digits(&mut self, n: usize) -> Result<u32, PrimitiveError> {
        let mut value = 0;
        for _ in 0..n {
            match self.peek() {
                Some(d @ b'0'..=b'9') => {
                    value = value * 10 + u32::from(d - b'0');
                    self.at += 1;
                }
                _ => return Err(self.unexpected()),
            }
        }
        Ok(value)
    }

    fn finish(&self) -> Result<(), PrimitiveError> {
        if self.at == self.text.len() {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// `-?[0-9]{4}(-(0[1-9]|1[0-2])(-(0[0-9]|[1-2][0-9]|3[0-1]))?)?` plus the calendar check;
    /// month and day are required for an instant.
    fn date(&mut self, shape: Shape) -> Result<(i32, Option<u32>, Option<u32>), PrimitiveError> {
        let negative = self.eat(b'-');
        let year = self.digits(4)? as i32;
        let year = if negative { -year } else { year };
        let full = shape == Shape::Instant;
        if !self.eat(b'-') {
            return if full { Err(self.unexpected()) } else { Ok((year, None, None)) };
        }
        let month = self.digits(2)?;
        if !(1..=12).contains(&month) {
            return Err(self.fail(format!("month {month:02} out of range (01-12)")));
        }
        let year_month = &self.text[..self.at];
        if !self.eat(b'-') {
            return if full { Err(self.unexpected()) } else { Ok((year, Some(month), None)) };
        }
        let day = self.digits(2)?;
        if day > 31 {
            return Err(self.fail(format!("day {day:02} out of range (01-31)")));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(self.fail(format!("day {day:02} does not exist in {year_month}")));
        }
        Ok((year, Some(month), Some(day)))
    }

    /// `([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?`
    fn clock(&mut self) -> Result<Clock, PrimitiveError> {
        let hour = self.digits(2)?;
        if hour > 23 {
            return Err(self.fail(format!("hour {hour:02} out of range (00-23)")));
        }
        self.expect(b':')?;
        let minute = self.digits(2)?;
        if minute > 59 {
            return Err(self.fail(format!("minute {minute:02} out of range (00-59)")));
        }
        self.expect(b':')?;
        let second = self.digits(2)?;
        if second > 60 {
            return Err(self.fail(format!("second {second:02} out of range (00-60)")));
        }
        let (mut nanos, mut fraction_digits) = (0, 0);
        if self.eat(b'.') {
            while let Some(d @ b'0'..=b'9') = self.peek() {
                if fraction_digits < 9 {
                    nanos = nanos * 10 + u32::from(d - b'0');
                }
                fraction_digits += 1;
                self.at += 1;
            }
            if fraction_digits == 0 {
                return Err(self.fail("a digit is required after the decimal point"));
            }
            nanos *= 10u32.pow(9usize.saturating_sub(fraction_digits) as u32);
        }
        Ok(Clock { hour, minute, second, nanos, fraction_digits })
    }

    /// `Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)`, as seconds east of UTC.
    fn zone(&mut self) -> Result<i32, PrimitiveError> {
        if self.eat(b'Z') {
            return Ok(0);
        }
        let sign = match self.peek() {
            Some(b'+') => 1,
            Some(b'-') => -1,
            None => return Err(self.fail("a time zone (Z, +hh:mm or -hh:mm) is required")),
            Some(_) => return Err(self.unexpected()),
        };
        self.at += 1;
        let hours = self.digits(2)?;
        self.expect(b':')?;
        let minutes = self.digits(2)?;
        if minutes > 59 || hours > 14 || hours == 14 && minutes != 0 {
            return Err(self.fail(format!("time zone offset {hours:02}:{minutes:02} out of range (up to 14:00)")));
        }
        Ok(sign * (hours * 3600 + minutes * 60) as i32)
    }
}

fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn scan(text: &str, shape: Shape) -> Result<Fields, PrimitiveError> {
    let expected = match shape {
        Shape::Date => DATE,
        Shape::DateTime => DATE_TIME,
        Shape::Instant => INSTANT,
    };
    let mut s = Scanner::new(text, expected);
    let (year, month, day) = s.date(shape)?;
    let mut fields = Fields { year, month, day, clock: None, offset: None };
    let timed = match shape {
        Shape::Date => false,
        Shape::DateTime => day.is_some() && s.eat(b'T'),
        Shape::Instant => {
            s.expect(b'T')?;
            true
        }
    };
    if timed {
        fields.clock = Some(s.clock()?);
        fields.offset = Some(s.zone()?);
    }
    s.finish()?;
    Ok(fields)
}

fn check_date(text: &str) -> Result<(), PrimitiveError> {
    scan(text, Shape::Date).map(|_| ())
}

fn check_date_time(text: &str) -> Result<(), PrimitiveError> {
    scan(text, Shape::DateTime).map(|_| ())
}

fn check_instant(text: &str) -> Result<(), PrimitiveError> {
    scan(text, Shape::Instant).map(|_| ())
}

fn check_time(text: &str) -> Result<(), PrimitiveError> {
    let mut s = Scanner::new(text, TIME);
    s.clock()?;
    s.finish()
}

fn to_naive_time(clock: Clock) -> Option<NaiveTime> {
    NaiveTime::from_hms_nano_opt(clock.hour, clock.minute, clock.second, clock.nanos).filter(|_| clock.second < 60)
}

fn to_chrono(fields: Fields) -> Option<chrono::DateTime<FixedOffset>> {
    let date = NaiveDate::from_ymd_opt(fields.year, fields.month?, fields.day?)?;
    let time = to_naive_time(fields.clock?)?;
    let offset = FixedOffset::east_opt(fields.offset?)?;
    offset.from_local_datetime(&date.and_time(time)).single()
}

/// How much of a [`Date`] is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DatePrecision {
    /// `YYYY`
    Year,
    /// `YYYY-MM`
    Month,
    /// `YYYY-MM-DD`
    Day,
}

/// How much of a [`DateTime`] is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DateTimePrecision {
    /// `YYYY`
    Year,
    /// `YYYY-MM`
    Month,
    /// `YYYY-MM-DD`
    Day,
    /// `YYYY-MM-DDThh:mm:ss`, maybe with a fraction of a second, always with a time zone.
    Second,
}

string_primitive! {
    /// A FHIR `date`: `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (a year may have a leading `-`), with no
    /// time zone. The day must exist in the calendar: `2019-02-29` and `2020-01-00` are rejected.
    Date, "date", check_date
}

impl Date<'_> {
    fn fields(&self) -> Fields {
        scan(self.as_str(), Shape::Date).expect("checked when the Date was made")
    }

    /// How much of the date is given.
    pub fn precision(&self) -> DatePrecision {
        let f = self.fields();
        match (f.month, f.day) {
            (None, _) => DatePrecision::Year,
            (Some(_), None) => DatePrecision::Month,
            (Some(_), Some(_)) => DatePrecision::Day,
        }
    }

    /// The year (negative for a text starting with `-`).
    pub fn year(&self) -> i32 {
        self.fields().year
    }

    /// The month (1-12), when given.
    pub fn month(&self) -> Option<u32> {
        self.fields().month
    }

    /// The day of the month (1-31), when given.
    pub fn day(&self) -> Option<u32> {
        self.fields().day
    }

    /// The calendar date, at [`DatePrecision::Day`] only.
    pub fn to_naive_date(&self) -> Option<NaiveDate> {
        let f = self.fields();
        NaiveDate::from_ymd_opt(f.year, f.month?, f.day?)
    }
}

string_primitive! {
    /// A FHIR `dateTime`: a date (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) or a date and time to the
    /// second, `YYYY-MM-DDThh:mm:ss(.sss…)` followed by a time zone (`Z`, `+hh:mm`, `-hh:mm`),
    /// which STU3 requires whenever a time is given. Hours and minutes alone are not allowed.
    ///
    /// ```
    /// use bluebutton_model::primitives::{DateTime, DateTimePrecision};
    ///
    /// let when = DateTime::new("2017-10-13T08:07:31.123-04:00").unwrap();
    /// assert_eq!(when.precision(), DateTimePrecision::Second);
    /// assert_eq!(when.fraction_digits(), 3);
    /// assert_eq!(when.to_chrono().unwrap().to_rfc3339(), "2017-10-13T08:07:31.123-04:00");
    ///
    /// let day = DateTime::new("2017-10-13").unwrap();
    /// assert_eq!(day.precision(), DateTimePrecision::Day);
    /// assert!(day.to_chrono().is_none());
    ///
    /// assert!(DateTime::new("2017-10-13T08:07").is_err()); // no seconds
    /// assert!(DateTime::new("2017-10-13T08:07:31").is_err()); // no time zone
    /// ```
    DateTime, "dateTime", check_date_time
}

impl DateTime<'_> {
    fn fields(&self) -> Fields {
        scan(self.as_str(), Shape::DateTime).expect("checked when the DateTime was made")
    }

    /// How much of the date and time is given.
    pub fn precision(&self) -> DateTimePrecision {
        let f = self.fields();
        match (f.month, f.day, f.clock) {
            (None, _, _) => DateTimePrecision::Year,
            (Some(_), None, _) => DateTimePrecision::Month,
            (Some(_), Some(_), None) => DateTimePrecision::Day,
            (Some(_), Some(_), Some(_)) => DateTimePrecision::Second,
        }
    }

    /// The year (negative for a text starting with `-`).
    pub fn year(&self) -> i32 {
        self.fields().year
    }

    /// The month (1-12), when given.
    pub fn month(&self) -> Option<u32> {
        self.fields().month
    }

    /// The day of the month (1-31), when given.
    pub fn day(&self) -> Option<u32> {
        self.fields().day
    }

    /// The number of digits in the fraction of the second (`0` without a fraction or time).
    pub fn fraction_digits(&self) -> usize {
        self.fields().clock.map_or(0, |c| c.fraction_digits)
    }

    /// The time zone offset, when a time is given (`Z` and `-00:00` read as UTC).
    pub fn offset(&self) -> Option<FixedOffset> {
        FixedOffset::east_opt(self.fields().offset?)
    }

    /// The point in time, at [`DateTimePrecision::Second`] only. `None` for a leap second
    /// (`:60`). Fraction digits past the ninth (nanoseconds) are dropped.
    pub fn to_chrono(&self) -> Option<chrono::DateTime<FixedOffset>> {
        to_chrono(self.fields())
    }
}

string_primitive! {
    /// A FHIR `instant`: a full date and time to the second with a time zone,
    /// `YYYY-MM-DDThh:mm:ss(.sss…)(Z|+hh:mm|-hh:mm)`.
    Instant, "instant", check_instant
}

impl Instant<'_> {
    /// The point in time; `None` only for a leap second (`:60`). Fraction digits past the
    /// ninth (nanoseconds) are dropped.
    pub fn to_chrono(&self) -> Option<chrono::DateTime<FixedOffset>> {
        to_chrono(scan(self.as_str(), Shape::Instant).expect("checked when the Instant was made"))
    }
}

string_primitive! {
    /// A FHIR `time` of day: `hh:mm:ss(.sss…)`, without a time zone.
    Time, "time", check_time
}

impl Time<'_> {
    /// The time of day; `None` for a leap second (`:60`). Fraction digits past the ninth
    /// (nanoseconds) are dropped.
    pub fn to_naive_time(&self) -> Option<NaiveTime> {
        let mut s = Scanner::new(self.as_str(), TIME);
        to_naive_time(s.clock().expect("checked when the Time was made"))
    }
}

#[cfg(test)]
mod tests {
    use super::super::reference;
    use super::*;

    const DATE_RE: &str = r"-?[0-9]{4}(-(0[1-9]|1[0-2])(-(0[0-9]|[1-2][0-9]|3[0-1]))?)?";
    const DATE_TIME_RE: &str = r"-?[0-9]{4}(-(0[1-9]|1[0-2])(-(0[0-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?";
    const INSTANT_RE: &str = r"-?[0-9]{4}-(0[1-9]|1[0-2])-(0[0-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))";
    const TIME_RE: &str = r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?";

    fn reason(e: PrimitiveError) -> String {
        e.reason.unwrap_or_default()
    }

    #[test]
    fn date() {
        for ok in ["2020", "2020-02", "2020-02-29", "2000-02-29", "-0044-03-15", "0000"] {
            let d = Date::new(ok).unwrap();
            assert_eq!(d.as_str(), ok);
        }
        for (bad, why) in [
            ("2019-02-29", "day 29 does not exist in 2019-02"),
            ("1900-02-29", "day 29 does not exist in 1900-02"),
            ("2020-04-31", "day 31 does not exist in 2020-04"),
            ("2020-01-00", "day 00 does not exist in 2020-01"),
            ("2020-13", "month 13 out of range (01-12)"),
            ("2020-00", "month 00 out of range (01-12)"),
            ("2020-01-32", "day 32 out of range (01-31)"),
            ("20", "the text ends too early (after 2 bytes)"),
            ("2020-1", "the text ends too early (after 6 bytes)"),
            ("2020-", "the text ends too early (after 5 bytes)"),
            ("2020-01-01T00:00:00Z", "unexpected character 'T' at byte 10"),
            ("2020/01", "unexpected character '/' at byte 4"),
            ("", "the text is empty"),
            ("+2020", "unexpected character '+' at byte 0"),
        ] {
            assert_eq!(reason(Date::new(bad).unwrap_err()), why, "{bad:?}");
        }
        let d = Date::new("2020-02-29").unwrap();
        assert_eq!(d.precision(), DatePrecision::Day);
        assert_eq!((d.year(), d.month(), d.day()), (2020, Some(2), Some(29)));
        assert_eq!(d.to_naive_date(), NaiveDate::from_ymd_opt(2020, 2, 29));
        let d = Date::new("2020-02").unwrap();
        assert_eq!(d.precision(), DatePrecision::Month);
        assert_eq!(d.to_naive_date(), None);
        let d = Date::new("-0044").unwrap();
        assert_eq!((d.precision(), d.year(), d.month()), (DatePrecision::Year, -44, None));
        assert!(Date::new("-0004-02-29").is_ok());
        assert!(Date::new("-0001-02-29").is_err());
    }

    #[test]
    fn date_time() {
        for ok in [
            "2017",
            "2017-10",
            "2017-10-13",
            "2017-10-13T08:07:31Z",
            "2017-10-13T23:59:60.5+14:00",
            "2017-10-13T00:00:00.000000000001-13:59",
            "2020-02-29T12:00:00-00:00",
        ] {
            assert_eq!(DateTime::new(ok).unwrap().as_str(), ok);
        }
        for (bad, why) in [
            ("2017-10-13T08:07:31", "a time zone (Z, +hh:mm or -hh:mm) is required"),
            ("2017-10-13T08:07Z", "unexpected character 'Z' at byte 16"),
            ("2017-10-13T24:00:00Z", "hour 24 out of range (00-23)"),
            ("2017-10-13T08:60:00Z", "minute 60 out of range (00-59)"),
            ("2017-10-13T08:07:61Z", "second 61 out of range (00-60)"),
            ("2017-10-13T08:07:31.Z", "a digit is required after the decimal point"),
            ("2017-10-13T08:07:31+14:30", "time zone offset 14:30 out of range (up to 14:00)"),
            ("2017-10-13T08:07:31+15:00", "time zone offset 15:00 out of range (up to 14:00)"),
            ("2017-10-13T08:07:31+0500", "unexpected character '0' at byte 22"),
            ("2017-10T08:07:31Z", "unexpected character 'T' at byte 7"),
            ("2017-10-13 08:07:31Z", "unexpected character ' ' at byte 10"),
            ("2017-10-13T", "the text ends too early (after 11 bytes)"),
            ("2019-02-29T00:00:00Z", "day 29 does not exist in 2019-02"),
            ("2017-10-13t08:07:31Z", "unexpected character 't' at byte 10"),
            ("2017-10-13T08:07:31z", "unexpected character 'z' at byte 19"),
        ] {
            assert_eq!(reason(DateTime::new(bad).unwrap_err()), why, "{bad:?}");
        }
        let e = DateTime::new("2017-10-13T08:07:31").unwrap_err();
        assert!(e.expected.starts_with("a dateTime"));
    }

    #[test]
    fn date_time_parts() {
        let dt = DateTime::new("2017-10-13T08:07:31.1234567891-04:30").unwrap();
        assert_eq!(dt.precision(), DateTimePrecision::Second);
        assert_eq!((dt.year(), dt.month(), dt.day()), (2017, Some(10), Some(13)));
        assert_eq!(dt.fraction_digits(), 10);
        assert_eq!(dt.offset(), FixedOffset::west_opt(4 * 3600 + 1800));
        let c = dt.to_chrono().unwrap();
        assert_eq!(c.to_rfc3339(), "2017-10-13T08:07:31.123456789-04:30");

        let dt = DateTime::new("2017-10-13T08:07:31Z").unwrap();
        assert_eq!(dt.fraction_digits(), 0);
        assert_eq!(dt.offset(), FixedOffset::east_opt(0));
        assert_eq!(dt.to_chrono().unwrap().timestamp(), 1507882051);

        let leap = DateTime::new("2016-12-31T23:59:60Z").unwrap();
        assert_eq!(leap.precision(), DateTimePrecision::Second);
        assert_eq!(leap.to_chrono(), None);

        for (text, precision) in [
            ("2017", DateTimePrecision::Year),
            ("2017-10", DateTimePrecision::Month),
            ("2017-10-13", DateTimePrecision::Day),
        ] {
            let dt = DateTime::new(text).unwrap();
            assert_eq!(dt.precision(), precision);
            assert_eq!(dt.offset(), None);
            assert_eq!(dt.to_chrono(), None);
            assert_eq!(dt.fraction_digits(), 0);
        }
    }

    #[test]
    fn instant() {
        for ok in ["2020-01-01T00:00:00.000+00:00", "2018-03-02T14:44:24.853-05:00", "2018-03-02T14:44:24Z"] {
            let i = Instant::new(ok).unwrap();
            assert_eq!(i.as_str(), ok);
            assert!(i.to_chrono().is_some());
        }
        let i = Instant::new("2020-01-01T00:00:00.000+00:00").unwrap();
        assert_eq!(i.to_chrono().unwrap().timestamp(), 1577836800);
        for bad in [
            "IGNORED_FIELD",
            "2020",
            "2020-01",
            "2020-01-01",
            "2020-01-01T00:00:00",
            "2020-01-01T00:00Z",
            "2019-02-29T00:00:00Z",
            "",
        ] {
            let e = Instant::new(bad).unwrap_err();
            assert!(e.expected.starts_with("an instant"), "{bad:?}");
        }
        assert_eq!(reason(Instant::new("2020").unwrap_err()), "the text ends too early (after 4 bytes)");
        assert_eq!(reason(Instant::new("IGNORED_FIELD").unwrap_err()), "unexpected character 'I' at byte 0");
        assert_eq!(Instant::new("2016-12-31T23:59:60Z").unwrap().to_chrono(), None);
    }

    #[test]
    fn time() {
        for ok in ["00:00:00", "23:59:59", "23:59:60", "12:30:00.5"] {
            assert_eq!(Time::new(ok).unwrap().as_str(), ok);
        }
        for bad in ["24:00:00", "12:30", "12:30:00Z", "12:60:00", "1:30:00", "12:30:00.", ""] {
            assert!(Time::new(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Time::new("12:30:00.25").unwrap().to_naive_time(), NaiveTime::from_hms_milli_opt(12, 30, 0, 250));
        assert_eq!(Time::new("23:59:60").unwrap().to_naive_time(), None);
    }

    #[test]
    fn zero_copy() {
        let input = String::from("2017-10-13T08:07:31Z");
        let dt = DateTime::new(&input[..]).unwrap();
        assert!(dt.is_borrowed());
        assert!(!dt.into_owned().is_borrowed());
        assert!(Instant::try_from(&input[..]).unwrap().is_borrowed());
    }

    const ALPHABET: &[char] = &['0', '1', '2', '3', '5', '6', '9', '-', ':', 'T', 'Z', '.', '+', ' ', 't'];
    const DATE_TEMPLATE: &str = "-?[0-9]{4}(-[01][0-9](-[0-3][0-9])?)?";
    const DATE_TIME_TEMPLATE: &str =
        "-?[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-6][0-9]:[0-6][0-9](\\.[0-9]{1,11})?(Z|[+-](0[0-9]|1[0-5]):(00|[0-6][0-9]))";
    const LEAP_TEMPLATE: &str = "[0-9]{2}(00|04|96|97)-02-(2[89]|30)(T00:00:00Z)?";

    /// The validator never accepts what the regex rejects, and rejects what the regex accepts
    /// only for a day that does not exist.
    fn agrees(official: &str, check: fn(&str) -> Result<(), PrimitiveError>) {
        let re = reference::regex(official);
        reference::run(
            4000,
            reference::shaped(&[DATE_TEMPLATE, DATE_TIME_TEMPLATE, LEAP_TEMPLATE], ALPHABET),
            |s: String| {
                match check(&s) {
                    Ok(()) => proptest::prop_assert!(re.is_match(&s), "accepted {:?}", s),
                    Err(e) if re.is_match(&s) => {
                        let why = e.reason.unwrap_or_default();
                        proptest::prop_assert!(why.contains("does not exist"), "rejected {:?}: {}", s, why);
                    }
                    Err(_) => {}
                }
                Ok(())
            },
        );
    }

    #[test]
    fn date_agrees_with_official_regex() {
        agrees(DATE_RE, check_date);
    }

    #[test]
    fn date_time_agrees_with_official_regex() {
        agrees(DATE_TIME_RE, check_date_time);
    }

    #[test]
    fn instant_agrees_with_official_regex() {
        agrees(INSTANT_RE, check_instant);
    }

    #[test]
    fn time_agrees_with_official_regex() {
        let re = reference::regex(TIME_RE);
        reference::run(
            3000,
            reference::shaped(&["[0-2][0-9]:[0-6][0-9]:[0-6][0-9](\\.[0-9]{0,3})?"], ALPHABET),
            |s: String| {
                proptest::prop_assert_eq!(check_time(&s).is_ok(), re.is_match(&s), "{:?}", s);
                Ok(())
            },
        );
    }

    /// The calendar check agrees with chrono on every day-precision date it accepts or rejects.
    #[test]
    fn calendar_agrees_with_chrono() {
        reference::run(3000, (-9999i32..=9999, 1u32..=12, 1u32..=31), |(y, m, d)| {
            let text = if y < 0 { format!("-{:04}-{m:02}-{d:02}", -y) } else { format!("{y:04}-{m:02}-{d:02}") };
            let ours = Date::new(text.as_str()).ok();
            let chrono = NaiveDate::from_ymd_opt(y, m, d);
            proptest::prop_assert_eq!(ours.is_some(), chrono.is_some(), "{}", text);
            if let Some(ours) = ours {
                proptest::prop_assert_eq!(ours.to_naive_date(), chrono);
            }
            Ok(())
        });
    }
}
