//! Finding the bluebutton URLs of a resource that no accessor accounts for.
use crate::json::Value;

use super::support::LocatedField;

/// Where Blue Button data names its fields.
const BLUEBUTTON: &str = "https://bluebutton.cms.gov/resources/";

/// A bluebutton URL in a resource's JSON: an extension `url`, a coding or identifier `system`,
/// or a `code` that is a variable URL (adjudication and information categories).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlOccurrence {
    pub url: String,
    /// The level entry it is in (`("item", 2)`), `None` for the resource itself.
    pub level: Option<(String, usize)>,
    /// Its JSON path within the resource (`item[2].extension[0].url`).
    pub path: String,
}

/// Every bluebutton URL in `resource` (contained resources count as part of it).
pub fn bluebutton_urls(resource: &Value<'_>) -> Vec<UrlOccurrence> {
    let mut out = Vec::new();
    walk(resource, None, &mut String::new(), 0, &mut out);
    out
}

/// The bluebutton URLs of `resource` that none of its `fields` (from [`super::fields_of`])
/// accounts for at the same place.
pub fn unmapped(resource: &Value<'_>, fields: &[LocatedField]) -> Vec<UrlOccurrence> {
    bluebutton_urls(resource)
        .into_iter()
        .filter(|o| !fields.iter().any(|f| same_level(f, o) && f.field.info.covers(&o.url)))
        .collect()
}

/// Whether `f` was found at the level of `o` (compared without making the level's name a
/// `String` for every pair of field and URL).
fn same_level(f: &LocatedField, o: &UrlOccurrence) -> bool {
    match (f.level, &o.level) {
        (None, None) => true,
        (Some((element, i)), Some((o_element, o_i))) => i == *o_i && element == o_element,
        _ => false,
    }
}

fn walk(
    value: &Value<'_>,
    level: Option<(String, usize)>,
    path: &mut String,
    depth: usize,
    out: &mut Vec<UrlOccurrence>,
) {
    match value {
        Value::Object(members) => {
            for (key, v) in members {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                if let Value::String(s) = v {
                    if matches!(key.as_ref(), "url" | "system" | "code") && s.starts_with(BLUEBUTTON) {
                        out.push(UrlOccurrence { url: s.to_string(), level: level.clone(), path: path.clone() });
                    }
                }
                let is_level = depth == 0 && matches!(key.as_ref(), "item" | "careTeam" | "diagnosis" | "procedure");
                match v {
                    Value::Array(entries) => {
                        for (i, e) in entries.iter().enumerate() {
                            let len = path.len();
                            path.push_str(&format!("[{i}]"));
                            let level = if is_level { Some((key.to_string(), i)) } else { level.clone() };
                            walk(e, level, path, depth + 1, out);
                            path.truncate(len);
                        }
                    }
                    _ => walk(v, level.clone(), path, depth + 1, out),
                }
                path.truncate(len);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| walk(v, level.clone(), path, depth, out)),
        _ => {}
    }
}
