//! JSON objects as the validator reads them: the members of an object, a member by name, a
//! string member, the objects of an array member, and whether a choice (`value[x]`) is present.
use std::borrow::Cow;

use crate::json::Value;

/// The members of a JSON object.
pub(crate) type Members<'v> = [(Cow<'v, str>, Value<'v>)];

/// The member named `key`.
pub(crate) fn get<'m, 'v>(members: &'m Members<'v>, key: &str) -> Option<&'m Value<'v>> {
    members.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// The string member named `key`.
pub(crate) fn get_str<'m>(members: &'m Members<'_>, key: &str) -> Option<&'m str> {
    match get(members, key) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// The objects of an array member (or of a single object member).
pub(crate) fn objects<'m, 'v>(members: &'m Members<'v>, key: &str) -> Vec<&'m Members<'v>> {
    match get(members, key) {
        Some(Value::Array(items)) => items.iter().filter_map(as_object).collect(),
        Some(Value::Object(m)) => vec![m.as_slice()],
        _ => Vec::new(),
    }
}

pub(crate) fn as_object<'m, 'v>(v: &'m Value<'v>) -> Option<&'m Members<'v>> {
    match v {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// Whether a member starting with `prefix` followed by an upper-case letter exists (a choice).
pub(crate) fn has_choice(members: &Members<'_>, prefix: &str) -> bool {
    members
        .iter()
        .any(|(k, _)| k.strip_prefix(prefix).is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase())))
}
