//! One member's values: array or single value as the element says, the maximum cardinality,
//! prohibited (`max = 0`) elements, `null` and empty values (`json-null`, `json-empty`), and
//! each value of a repeating element at its index.
use super::primitives::is_primitive;
use super::Engine;
use crate::json::Value;
use crate::validate::object::Members;
use crate::validate::tables::{self, TypeRef, E};

impl Engine {
    /// One member: checks its shape (array or not), each value, slices and the maximum
    /// cardinality; returns how many values it holds.
    pub(super) fn property(
        &mut self,
        e: &'static E,
        used: &'static E,
        ty: Option<&'static TypeRef>,
        key: &str,
        value: &Value<'_>,
        siblings: &Members<'_>,
    ) -> u32 {
        let max = e.max(self.target);
        if self.null_or_empty(value) {
            return 0;
        }
        let count = match value {
            Value::Array(items) if e.is(tables::ARRAY) => {
                if max == 0 {
                    return self.prohibited(e, items.len() as u32);
                }
                let extensions = match siblings.iter().find(|(k, _)| k.strip_prefix('_') == Some(key)).map(|(_, v)| v) {
                    Some(Value::Array(x)) => Some(x.as_slice()),
                    _ => None,
                };
                self.items(e, used, ty, items, extensions);
                items.len() as u32
            }
            Value::Array(items) => {
                self.error(
                    "type",
                    format!(
                        "`{key}` repeats at most once ({}): expected a single value, found an array of {}",
                        e.path,
                        items.len()
                    ),
                    Some("a single value".into()),
                    Some(format!("an array of {}", items.len())),
                );
                return items.len() as u32;
            }
            _ if e.is(tables::ARRAY) => {
                self.error(
                    "type",
                    format!("`{key}` is a repeating element ({}): expected an array", e.path),
                    Some("an array".into()),
                    Some(value.kind().to_string()),
                );
                if max == 0 {
                    return self.prohibited(e, 1);
                }
                self.item(used, ty, value, None);
                1
            }
            _ => {
                if max == 0 {
                    return self.prohibited(e, 1);
                }
                self.item(used, ty, value, None);
                1
            }
        };
        self.max_cardinality(e, count, max);
        count
    }

    /// `cardinality-max`, when an element has more than `max` values.
    #[inline]
    pub(super) fn max_cardinality(&mut self, e: &'static E, count: u32, max: u32) {
        if count > max {
            self.too_many(e, count, max);
        }
    }

    #[cold]
    fn too_many(&mut self, e: &'static E, count: u32, max: u32) {
        self.error_or_deviation(
            e,
            "cardinality-max",
            format!("{count} values, but {} allows at most {max}", e.path),
            Some(format!("at most {max}")),
            Some(count.to_string()),
        );
    }

    /// `json-null` and `json-empty`: FHIR JSON has no null values (but in an array of
    /// primitives, where the caller allows it) and no empty objects or arrays. Returns whether
    /// there is nothing more to check (null, an empty array); an empty object is still checked,
    /// so that what it lacks is reported where it belongs (a required child).
    #[inline]
    pub(super) fn null_or_empty(&mut self, value: &Value<'_>) -> bool {
        let nothing = match value {
            Value::Null => true,
            Value::Object(m) => m.is_empty(),
            Value::Array(items) => items.is_empty(),
            _ => false,
        };
        nothing && self.report_null_or_empty(value)
    }

    /// The finding of [`Engine::null_or_empty`] for `null`, `{}` or `[]`.
    #[cold]
    fn report_null_or_empty(&mut self, value: &Value<'_>) -> bool {
        let (rule, message, expected, found) = match value {
            Value::Null => (
                "json-null",
                "null is not allowed in FHIR JSON: an element without a value is left out (null stands only in an array of primitives, for a value whose `_` element has its id or extensions)",
                "a value, or no property",
                "null",
            ),
            Value::Object(m) if m.is_empty() => (
                "json-empty",
                "an empty object is not allowed in FHIR JSON: an element without content is left out",
                "an object with content, or no property",
                "{}",
            ),
            Value::Array(items) if items.is_empty() => (
                "json-empty",
                "an empty array is not allowed in FHIR JSON: an element without values is left out",
                "at least one value, or no property",
                "[]",
            ),
            _ => return false,
        };
        self.error(rule, message.into(), Some(expected.into()), Some(found.into()));
        !matches!(value, Value::Object(_))
    }

    pub(super) fn prohibited(&mut self, e: &'static E, count: u32) -> u32 {
        self.error_or_deviation(
            e,
            "prohibited",
            format!("{} is not allowed here (max 0)", e.path),
            Some("absent".into()),
            Some(format!("{count} value(s)")),
        );
        count
    }

    /// The values of a repeating element, matched to slices where it is sliced.
    fn items(
        &mut self,
        e: &'static E,
        used: &'static E,
        ty: Option<&'static TypeRef>,
        items: &[Value<'_>],
        extensions: Option<&[Value<'_>]>,
    ) {
        let sliced = used.slices_len > 0 && !used.is(tables::CHOICE);
        let mut slice_counts = vec![0u32; used.slices_len as usize];
        for (i, item) in items.iter().enumerate() {
            let extension = extensions.and_then(|x| x.get(i));
            self.at_index(i, |s| s.array_item(used, ty, item, extension, &mut slice_counts));
        }
        if sliced {
            self.slice_cardinality(e, used, &slice_counts);
        }
    }

    /// One value of a repeating element, at its index; `extension` is the value at the same
    /// index of the `_name` array (primitives), and `slice_counts` counts the values per slice.
    pub(super) fn array_item(
        &mut self,
        used: &'static E,
        ty: Option<&'static TypeRef>,
        item: &Value<'_>,
        extension: Option<&Value<'_>>,
        slice_counts: &mut [u32],
    ) {
        if let Value::Null = item {
            let primitive = ty.is_some_and(|t| is_primitive(t.code));
            let has_extension = extension.is_some_and(|x| !matches!(x, Value::Null));
            if !primitive {
                self.null_or_empty(item);
            } else if !has_extension {
                self.error(
                    "json-null",
                    "null without an element (id or extension) at the same index of the `_` array".into(),
                    Some("a value, or an element at the same index of the `_` array".into()),
                    Some("null".into()),
                );
            }
            return;
        }
        if self.null_or_empty(item) {
            return;
        }
        if used.slices_len > 0 && !used.is(tables::CHOICE) {
            if let Some(k) = self.slice_of(used, item) {
                slice_counts[k] += 1;
                let slice = &used.slices()[k];
                self.item(slice, slice.types(self.target).first(), item, Some(slice));
                return;
            }
        }
        self.item(used, ty, item, None);
    }
}
