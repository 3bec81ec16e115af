//! Primitives: a value's JSON kind and format (checked with the parser's own validators), and
//! the `_name` part of a primitive element (its id and extensions, aligned with the values).
use std::borrow::Cow;

use super::{Engine, ValuesFrom};
use crate::json::Value;
use crate::primitives::{
    Base64Binary, Code, Date, DateTime, Decimal, FhirString, Id, Instant, Integer, Markdown, Oid, PositiveInt,
    PrimitiveError, Time, UnsignedInt, Uri, Uuid, Xhtml,
};
use crate::validate::object::Members;
pub(crate) use crate::validate::tables::is_primitive;
use crate::validate::tables::{self, TypeRef, E};

fn json_kind_of(code: &str) -> &'static str {
    match code {
        "boolean" => "boolean",
        "integer" | "unsignedInt" | "positiveInt" | "decimal" => "number",
        _ => "string",
    }
}

/// Checks a primitive's text with the parser's own validators. `json_text`: the text is a
/// JSON string's without escapes (so it holds no control character), which `string`, `code`
/// and `markdown` check as the typed parser checks such text, with the same answers.
fn check_primitive(code: &str, text: &str, json_text: bool) -> Result<(), PrimitiveError> {
    match code {
        "string" if json_text => FhirString::from_json_text(Cow::Borrowed(text)).map(drop),
        "string" => FhirString::new(text).map(drop),
        "code" if json_text => Code::from_json_text(Cow::Borrowed(text)).map(drop),
        "code" => Code::new(text).map(drop),
        "markdown" if json_text => Markdown::from_json_text(Cow::Borrowed(text)).map(drop),
        "markdown" => Markdown::new(text).map(drop),
        "id" => Id::new(text).map(drop),
        "uri" => Uri::new(text).map(drop),
        "oid" => Oid::new(text).map(drop),
        "uuid" => Uuid::new(text).map(drop),
        "base64Binary" => Base64Binary::new(text).map(drop),
        "xhtml" => Xhtml::new(text).map(drop),
        "date" => Date::new(text).map(drop),
        "dateTime" => DateTime::new(text).map(drop),
        "instant" => Instant::new(text).map(drop),
        "time" => Time::new(text).map(drop),
        "decimal" => Decimal::new(text).map(drop),
        "integer" => Integer::parse(text).map(drop),
        "unsignedInt" => UnsignedInt::parse(text).map(drop),
        "positiveInt" => PositiveInt::parse(text).map(drop),
        _ => Ok(()),
    }
}

/// A short rendering of a value for messages.
pub(super) fn short(v: &Value<'_>) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            let mut t: String = s.chars().take(80).collect();
            if t.len() < s.len() {
                t.push('…');
            }
            format!("{t:?}")
        }
        Value::Array(a) => format!("an array of {}", a.len()),
        Value::Object(_) => {
            let mut t = crate::json::to_string(v);
            if t.len() > 120 {
                let cut = (0..=120).rev().find(|&i| t.is_char_boundary(i)).unwrap_or(0);
                t.truncate(cut);
                t.push('…');
            }
            t
        }
    }
}

impl Engine {
    /// The `_name` part of a primitive element (an object, or an array aligned with the
    /// values); returns how many elements it stands for.
    pub(super) fn primitive_elements(
        &mut self,
        e: &'static E,
        ty: &'static TypeRef,
        key: &str,
        value: &Value<'_>,
        values: Option<&Value<'_>>,
    ) -> u32 {
        let children: &'static [E] = ty.root().map_or(&[], E::children);
        if self.null_or_empty(value) {
            return 0;
        }
        match value {
            Value::Array(items) if e.is(tables::ARRAY) => {
                if let Some(Value::Array(v)) = values {
                    if v.len() != items.len() {
                        self.error(
                            "json",
                            format!(
                                "`{key}` has {} entries but `{}` has {}: they must align",
                                items.len(),
                                &key[1..],
                                v.len()
                            ),
                            Some(format!("{} entries", v.len())),
                            Some(items.len().to_string()),
                        );
                    }
                }
                for (i, item) in items.iter().enumerate() {
                    self.at_index(i, |s| match item {
                        Value::Null => {
                            let has_value = matches!(values, Some(Value::Array(v)) if v.get(i).is_some_and(|x| !matches!(x, Value::Null)));
                            if !has_value {
                                s.error("json-null", "null in both the value and the `_` array".into(), None, Some("null".into()));
                            }
                        }
                        Value::Object(m) => {
                            s.null_or_empty(item);
                            s.element_part(e, children, m)
                        }
                        other => {
                            if !s.null_or_empty(other) {
                                s.error("type", format!("expected an object (id, extension), found {}", other.kind()), None, None);
                            }
                        }
                    });
                }
                items.len() as u32
            }
            Value::Object(m) if !e.is(tables::ARRAY) => {
                self.element_part(e, children, m);
                1
            }
            other => {
                let expected = if e.is(tables::ARRAY) { "an array" } else { "an object" };
                self.error(
                    "type",
                    format!("expected {expected} for `{key}`, found {}", other.kind()),
                    Some(expected.into()),
                    None,
                );
                0
            }
        }
    }

    /// The id and extensions of one primitive element.
    fn element_part(&mut self, e: &'static E, children: &'static [E], members: &Members<'_>) {
        if !members.is_empty() && members.iter().all(|(k, _)| k == "id") {
            self.error(
                "ele-1",
                "a primitive's `_` element needs extensions (ele-1)".into(),
                None,
                Some("only `id`".into()),
            );
        }
        for (key, value) in members {
            match children.iter().find(|c| c.name == key && c.name != "value") {
                Some(c) => {
                    let ty = c.types(self.target).first();
                    self.at(key, |s| s.property(c, c, ty, key, value, members));
                }
                None => self.unknown(key, e, children, false, None),
            }
        }
    }

    pub(super) fn primitive(&mut self, code: &str, value: &Value<'_>) {
        let (kind, text) = match value {
            Value::Bool(_) => ("boolean", None),
            Value::Number(n) => ("number", Some(n.as_ref())),
            Value::String(s) => ("string", Some(s.as_ref())),
            other => {
                self.error(
                    "type",
                    format!("expected a {} (FHIR {code}), found {}", json_kind_of(code), other.kind()),
                    Some(json_kind_of(code).into()),
                    Some(other.kind().to_string()),
                );
                return;
            }
        };
        if kind != json_kind_of(code) {
            self.error(
                "type",
                format!("expected a {} (FHIR {code}), found a {kind}", json_kind_of(code)),
                Some(format!("a {}", json_kind_of(code))),
                Some(format!("a {kind}: {}", short(value))),
            );
            return;
        }
        let Some(text) = text else { return };
        // A borrowed string read by the lexer is the text between its quotes.
        let json_text = self.values_from == ValuesFrom::Text && matches!(value, Value::String(Cow::Borrowed(_)));
        if let Err(e) = check_primitive(code, text, json_text) {
            self.error(
                "primitive",
                format!("invalid {code} {}: {e}", short(value)),
                Some(e.expected.to_string()),
                Some(short(value)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_bounded() {
        let long = Value::String(std::borrow::Cow::Owned("é".repeat(200)));
        assert!(short(&long).chars().count() < 90);
    }
}
