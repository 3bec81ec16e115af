//! The values an expression works on: elements of the JSON input ([`Node`]) and the FHIRPath
//! system values (booleans, integers, exact decimals, strings, dates and times with their
//! precision, quantities).
use std::cmp::Ordering;
use std::fmt;

use crate::json::Value;
use crate::primitives::ExactDecimal;
use crate::validate::object::Members;

/// An element of the input: its JSON value, the `_name` object beside a primitive (its `id`
/// and extensions), and its FHIR type when the definitions say it.
#[derive(Debug, Clone, Copy)]
pub struct Node<'v> {
    pub(crate) value: Option<&'v Value<'v>>,
    pub(crate) ext: Option<&'v Value<'v>>,
    /// The members of an object given without its [`Value`] (an element as the validator walks it).
    pub(crate) obj: Option<&'v Members<'v>>,
    /// The FHIR type (`Quantity`, `dateTime`, `Patient`); "" when not known.
    pub(crate) ty: &'v str,
    /// The element's definition (its children, for typing what is below it).
    pub(crate) def: Option<&'static crate::validate::tables::E>,
}

impl<'v> Node<'v> {
    /// The JSON value (`None` for a primitive that has only an `_name` object).
    pub fn json(&self) -> Option<&'v Value<'v>> {
        self.value
    }

    /// A resource (or any JSON object), typed by its `resourceType`.
    pub fn resource(value: &'v Value<'v>) -> Node<'v> {
        resource_node(value)
    }

    /// The members of the element's JSON object.
    pub(crate) fn object(&self) -> Option<&'v Members<'v>> {
        match (self.obj, self.value) {
            (Some(m), _) => Some(m),
            (None, Some(Value::Object(m))) => Some(m),
            _ => None,
        }
    }

    /// The FHIR type name, when known.
    pub fn type_name(&self) -> Option<&'v str> {
        (!self.ty.is_empty()).then_some(self.ty)
    }
}

/// One item of a collection.
#[derive(Debug, Clone)]
pub enum Item<'v> {
    Node(Node<'v>),
    Boolean(bool),
    Integer(i64),
    Decimal(ExactDecimal),
    String(String),
    Date(Temporal),
    DateTime(Temporal),
    Time(Temporal),
    /// A value and its unit (UCUM code or calendar word).
    Quantity(ExactDecimal, String),
}

/// Which kind of temporal value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemporalKind {
    Date,
    DateTime,
    Time,
}

/// A date, date-time or time with the precision it was written with: `parts` are year,
/// month, day, hour, minute and second in nanoseconds (seconds and their fraction are one
/// precision, as FHIRPath compares them); `len` of them are given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Temporal {
    pub(crate) kind: TemporalKind,
    pub(crate) parts: [i64; 6],
    pub(crate) len: usize,
    /// Digits written after the seconds' point.
    pub(crate) frac_digits: u8,
    /// Offset from UTC in minutes.
    pub(crate) offset: Option<i32>,
}

const NANOS: i64 = 1_000_000_000;

fn digits(s: &str, n: usize) -> Option<i64> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

impl Temporal {
    /// Reads `2020`, `2020-01-01T10:00:00.5+01:00` (date-time) or `10:00` (time), with the
    /// precision written; `None` when it is not one.
    pub fn parse(text: &str, kind: TemporalKind) -> Option<Temporal> {
        let mut t = Temporal { kind, parts: [0, 1, 1, 0, 0, 0], len: 0, frac_digits: 0, offset: None };
        let time = if kind == TemporalKind::Time {
            t.parts[..3].copy_from_slice(&[0, 0, 0]);
            t.len = 3;
            text
        } else {
            let (date, time) = match text.split_once('T') {
                Some((d, time)) if kind == TemporalKind::DateTime => (d, time),
                Some(_) => return None,
                None => (text, ""),
            };
            for (i, p) in date.split('-').enumerate() {
                let v = digits(p, if i == 0 { 4 } else { 2 })?;
                if i > 2 {
                    return None;
                }
                t.parts[i] = v;
                t.len = i + 1;
            }
            if t.len > 1 && !(1..=12).contains(&t.parts[1]) {
                return None;
            }
            if t.len > 2 && !(1..=31).contains(&t.parts[2]) {
                return None;
            }
            if time.is_empty() {
                return Some(t);
            }
            if t.len < 3 {
                return None;
            }
            time
        };
        let (clock, offset) = match time.find(['Z', '+', '-']) {
            Some(i) if kind != TemporalKind::Time => (&time[..i], Some(&time[i..])),
            _ => (time, None),
        };
        for (i, p) in clock.split(':').enumerate() {
            if i > 2 {
                return None;
            }
            let v = if i == 2 {
                let (s, frac) = p.split_once('.').map_or((p, None), |(s, f)| (s, Some(f)));
                let mut nanos = digits(s, 2)? * NANOS;
                if let Some(frac) = frac {
                    if frac.is_empty() || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                        return None;
                    }
                    nanos += format!("{frac:0<9}").parse::<i64>().ok()?;
                    t.frac_digits = frac.len() as u8;
                }
                nanos
            } else {
                digits(p, 2)?
            };
            t.parts[3 + i] = v;
            t.len = 4 + i;
        }
        if t.parts[3] > 23 || t.parts[4] > 59 || t.parts[5] >= 60 * NANOS {
            return None;
        }
        if let Some(o) = offset {
            t.offset = Some(if o == "Z" {
                0
            } else {
                let sign = if o.starts_with('-') { -1 } else { 1 };
                let (h, m) = o[1..].split_once(':')?;
                let (h, m) = (digits(h, 2)?, digits(m, 2)?);
                if h > 14 || m > 59 {
                    return None;
                }
                sign * (h * 60 + m) as i32
            });
        }
        Some(t)
    }

    /// The parts in UTC when there is an offset and a time of day.
    fn utc_parts(&self) -> [i64; 6] {
        match self.offset {
            Some(off) if off != 0 && self.len >= 5 => {
                let mut p = self.parts;
                let minutes = p[3] * 60 + p[4] - i64::from(off);
                let days = minutes.div_euclid(24 * 60);
                let minutes = minutes.rem_euclid(24 * 60);
                p[3] = minutes / 60;
                p[4] = minutes % 60;
                if days != 0 {
                    if let Some(d) = self.naive_date().and_then(|d| d.checked_add_signed(chrono::Duration::days(days)))
                    {
                        use chrono::Datelike;
                        p[0] = i64::from(d.year());
                        p[1] = i64::from(d.month());
                        p[2] = i64::from(d.day());
                    }
                }
                p
            }
            _ => self.parts,
        }
    }

    fn naive_date(&self) -> Option<chrono::NaiveDate> {
        chrono::NaiveDate::from_ymd_opt(self.parts[0] as i32, self.parts[1] as u32, self.parts[2] as u32)
    }

    /// The FHIRPath comparison: by the parts both have; `None` (unknown) when those are equal
    /// and one has more precision than the other (seconds and milliseconds are one precision).
    pub fn compare(&self, other: &Temporal) -> Option<Ordering> {
        if (self.kind == TemporalKind::Time) != (other.kind == TemporalKind::Time) {
            return None;
        }
        let both_zoned = self.offset.is_some() && other.offset.is_some();
        if self.len > 3 && other.len > 3 && self.offset.is_some() != other.offset.is_some() {
            // A local time against a zoned one: unknown.
            return None;
        }
        let (a, b) = if both_zoned { (self.utc_parts(), other.utc_parts()) } else { (self.parts, other.parts) };
        let start = if self.kind == TemporalKind::Time { 3 } else { 0 };
        let shared = self.len.min(other.len);
        for i in start..shared {
            match a[i].cmp(&b[i]) {
                Ordering::Equal => {}
                unequal => return Some(unequal),
            }
        }
        (self.len == other.len).then_some(Ordering::Equal)
    }

    /// Adds `amount` of a calendar `unit` (`year`..`millisecond`, or the UCUM `a`..`ms` for
    /// units of a week or less); `None` when the unit is not a duration or the date overflows.
    pub fn add(&self, amount: ExactDecimal, unit: &str) -> Option<Temporal> {
        // UCUM's `a` and `mo` are not calendar years and months: only the fixed units convert.
        let unit = calendar_unit(unit).or_else(|| ucum_time_unit(unit).filter(|u| *u != "year" && *u != "month"))?;
        let whole = i64::try_from(amount.trunc().units()).ok()?;
        let mut t = self.clone();
        match unit {
            "year" | "month" => {
                let months = if unit == "year" { whole * 12 } else { whole };
                let total = t.parts[0] * 12 + (t.parts[1] - 1) + months;
                t.parts[0] = total.div_euclid(12);
                t.parts[1] = total.rem_euclid(12) + 1;
                let last = last_day(t.parts[0], t.parts[1]);
                t.parts[2] = t.parts[2].min(last);
            }
            _ => {
                let nanos_per: i64 = match unit {
                    "week" => 7 * 86_400 * NANOS,
                    "day" => 86_400 * NANOS,
                    "hour" => 3_600 * NANOS,
                    "minute" => 60 * NANOS,
                    "second" => NANOS,
                    _ => NANOS / 1000,
                };
                let delta = if unit == "second" || unit == "millisecond" {
                    let per_unit = ExactDecimal::new(i128::from(nanos_per), 0);
                    i64::try_from(amount.checked_mul(per_unit)?.trunc().units()).ok()?
                } else {
                    whole.checked_mul(nanos_per)?
                };
                let date = t.naive_date()?;
                let time = chrono::NaiveTime::from_hms_opt(t.parts[3] as u32, t.parts[4] as u32, 0)?;
                let start = chrono::NaiveDateTime::new(date, time) + chrono::Duration::nanoseconds(t.parts[5]);
                let end = start.checked_add_signed(chrono::Duration::nanoseconds(delta))?;
                use chrono::{Datelike, Timelike};
                let secs = i64::from(end.second()) * NANOS + i64::from(end.nanosecond());
                t.parts = [
                    i64::from(end.year()),
                    i64::from(end.month()),
                    i64::from(end.day()),
                    i64::from(end.hour()),
                    i64::from(end.minute()),
                    secs,
                ];
                if t.kind == TemporalKind::Time {
                    t.parts[..3].copy_from_slice(&[0, 0, 0]);
                }
            }
        }
        Some(t)
    }
}

fn last_day(year: i64, month: i64) -> i64 {
    (28..=31)
        .rev()
        .find(|d| chrono::NaiveDate::from_ymd_opt(year as i32, month as u32, *d as u32).is_some())
        .unwrap_or(28)
}

/// The calendar duration a unit word names (`days` → `day`).
pub(crate) fn calendar_unit(unit: &str) -> Option<&'static str> {
    let singular = unit.strip_suffix('s').unwrap_or(unit);
    ["year", "month", "week", "day", "hour", "minute", "second", "millisecond"].into_iter().find(|u| *u == singular)
}

/// The calendar duration a UCUM time unit stands for.
fn ucum_time_unit(unit: &str) -> Option<&'static str> {
    Some(match unit {
        "a" => "year",
        "mo" => "month",
        "wk" => "week",
        "d" => "day",
        "h" => "hour",
        "min" => "minute",
        "s" => "second",
        "ms" => "millisecond",
        _ => return None,
    })
}

/// A quantity in a base unit: (value, base unit), for comparing `1 'g'` with `1000 'mg'` and
/// `1 day` with `24 'h'`. Years and months have no fixed length: they stay as they are.
pub(crate) fn canonical_quantity(value: ExactDecimal, unit: &str) -> Option<(ExactDecimal, String)> {
    let unit = match calendar_unit(unit) {
        Some("year") => "year",
        Some("month") => "month",
        Some("week") => "wk",
        Some("day") => "d",
        Some("hour") => "h",
        Some("minute") => "min",
        Some("second") => "s",
        Some("millisecond") => "ms",
        _ => unit,
    };
    let seconds = match unit {
        "wk" => Some(604_800),
        "d" => Some(86_400),
        "h" => Some(3_600),
        "min" => Some(60),
        _ => None,
    };
    if let Some(s) = seconds {
        return Some((value.checked_mul(ExactDecimal::new(s, 0))?, "s".into()));
    }
    if ["a", "mo", "year", "month", "1", ""].contains(&unit) {
        return Some((value, unit.into()));
    }
    for base in ["g", "m", "L", "l", "s", "mol", "eq"] {
        if let Some(prefix) = unit.strip_suffix(base) {
            let scale = match prefix {
                "" => 0,
                "k" => -3,
                "d" => 1,
                "c" => 2,
                "m" => 3,
                "u" => 6,
                "n" => 9,
                "p" => 12,
                _ => continue,
            };
            let base = if base == "l" { "L" } else { base };
            let factor = if scale >= 0 {
                ExactDecimal::new(1, scale as u32)
            } else {
                ExactDecimal::new(10i128.pow((-scale) as u32), 0)
            };
            return Some((value.checked_mul(factor)?, base.into()));
        }
    }
    Some((value, unit.into()))
}

/// Compares two quantities after converting to a shared base unit; `None` when the units
/// do not convert.
pub(crate) fn compare_quantities(a: (&ExactDecimal, &str), b: (&ExactDecimal, &str)) -> Option<Ordering> {
    if a.1 == b.1 {
        return Some(a.0.numeric_cmp(*b.0));
    }
    let (x, ux) = canonical_quantity(*a.0, a.1)?;
    let (y, uy) = canonical_quantity(*b.0, b.1)?;
    (ux == uy).then(|| x.numeric_cmp(y))
}

impl fmt::Display for Temporal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.parts;
        if self.kind != TemporalKind::Time {
            write!(f, "{:04}", p[0])?;
            if self.len > 1 {
                write!(f, "-{:02}", p[1])?;
            }
            if self.len > 2 {
                write!(f, "-{:02}", p[2])?;
            }
            if self.len > 3 {
                f.write_str("T")?;
            }
        }
        if self.len > 3 {
            write!(f, "{:02}", p[3])?;
        }
        if self.len > 4 {
            write!(f, ":{:02}", p[4])?;
        }
        if self.len > 5 {
            write!(f, ":{:02}", p[5] / NANOS)?;
            if self.frac_digits > 0 {
                let frac = format!("{:09}", p[5] % NANOS);
                write!(f, ".{}", &frac[..usize::from(self.frac_digits)])?;
            }
        }
        if let Some(off) = self.offset {
            if self.len > 3 {
                if off == 0 {
                    f.write_str("Z")?;
                } else {
                    let sign = if off < 0 { '-' } else { '+' };
                    write!(f, "{sign}{:02}:{:02}", off.abs() / 60, off.abs() % 60)?;
                }
            }
        }
        Ok(())
    }
}

/// The system value of an item: a node's primitive value or quantity, a literal as it is.
pub(crate) fn system<'v>(item: &Item<'v>) -> Option<Item<'v>> {
    let Item::Node(n) = item else { return Some(item.clone()) };
    let value = n.value?;
    match (value, n.ty) {
        (Value::Bool(b), _) => Some(Item::Boolean(*b)),
        (Value::Number(text), ty) => {
            let integral = !text.contains(['.', 'e', 'E']);
            if integral && ty != "decimal" {
                if let Ok(i) = text.parse::<i64>() {
                    return Some(Item::Integer(i));
                }
            }
            ExactDecimal::parse(text).map(Item::Decimal)
        }
        (Value::String(s), "date") => Temporal::parse(s, TemporalKind::Date).map(Item::Date),
        (Value::String(s), "dateTime" | "instant") => {
            Temporal::parse(s, TemporalKind::DateTime).map(
                |t| {
                    if t.len <= 3 {
                        Item::Date(t)
                    } else {
                        Item::DateTime(t)
                    }
                },
            )
        }
        (Value::String(s), "time") => Temporal::parse(s, TemporalKind::Time).map(Item::Time),
        (Value::String(s), _) => Some(Item::String(s.to_string())),
        (Value::Object(m), "Quantity" | "Age" | "Duration" | "Distance" | "Count" | "Money" | "SimpleQuantity") => {
            let value = match crate::validate::object::get(m, "value") {
                Some(Value::Number(t)) => ExactDecimal::parse(t)?,
                _ => return None,
            };
            let unit =
                crate::validate::object::get_str(m, "code").or_else(|| crate::validate::object::get_str(m, "unit"));
            Some(Item::Quantity(value, unit.unwrap_or("1").to_string()))
        }
        _ => None,
    }
}

/// The node of a resource (or any JSON object), typed by its `resourceType`.
pub(crate) fn resource_node<'v>(value: &'v Value<'v>) -> Node<'v> {
    Node { value: Some(value), ext: None, obj: None, ty: resource_type(value).unwrap_or(""), def: None }
}

pub(crate) fn resource_type<'v>(value: &'v Value<'v>) -> Option<&'v str> {
    match value {
        Value::Object(m) => match crate::validate::object::get(m, "resourceType") {
            Some(Value::String(s)) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// `text` quoted as a FHIRPath string literal.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::from("'");
    for c in text.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> Temporal {
        Temporal::parse(s, TemporalKind::DateTime).unwrap()
    }

    #[test]
    fn precision_rules() {
        assert_eq!(dt("2020-01").compare(&dt("2020-01-31")), None);
        assert_eq!(dt("2020-02").compare(&dt("2020-01-31")), Some(Ordering::Greater));
        assert_eq!(dt("2012-04-15T15:30:31").compare(&dt("2012-04-15T15:30:31.0")), Some(Ordering::Equal));
        assert_eq!(dt("2017-11-05T01:30:00.0-04:00").compare(&dt("2017-11-05T01:15:00.0-05:00")), Some(Ordering::Less));
        assert_eq!(dt("2020-01-01T10:00:00+02:00").compare(&dt("2020-01-01T09:00:00Z")), Some(Ordering::Less));
        assert_eq!(dt("2014-01-31").add(ExactDecimal::new(1, 0), "month").unwrap().to_string(), "2014-02-28");
        assert_eq!(
            dt("2014-01-01T23:00:00Z").add(ExactDecimal::new(2, 0), "hours").unwrap().to_string(),
            "2014-01-02T01:00:00Z"
        );
        assert!(Temporal::parse("2020-13", TemporalKind::Date).is_none());
        assert!(Temporal::parse("IGNORED_FIELD", TemporalKind::DateTime).is_none());
        assert_eq!(dt("2015-02-04T14:34:28.123+09:00").to_string(), "2015-02-04T14:34:28.123+09:00");
    }

    #[test]
    fn quantities_convert() {
        let d = |s: &str| ExactDecimal::parse(s).unwrap();
        assert_eq!(compare_quantities((&d("4"), "g"), (&d("4000"), "mg")), Some(Ordering::Equal));
        assert_eq!(compare_quantities((&d("1"), "day"), (&d("24"), "h")), Some(Ordering::Equal));
        assert_eq!(compare_quantities((&d("1"), "kg"), (&d("1"), "m")), None);
    }
}
