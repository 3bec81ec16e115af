//! Building JSON trees: objects with ordered members, and placing a value at the end of a
//! field's [`PathStep`]s, creating the entries its filters select.
use std::borrow::Cow;

use crate::json::Value;
use crate::views::{PathFilter, PathStep};

/// An object's members, in order.
pub type Obj = Vec<(Cow<'static, str>, Value<'static>)>;

/// A string value.
pub fn s(text: impl Into<Cow<'static, str>>) -> Value<'static> {
    Value::String(text.into())
}

/// A number value from its text (kept exactly, like every number of the model).
pub fn n(text: impl Into<Cow<'static, str>>) -> Value<'static> {
    Value::Number(text.into())
}

/// An object value.
pub fn o(members: Obj) -> Value<'static> {
    Value::Object(members)
}

/// A one-coding `CodeableConcept`.
pub fn concept(
    system: &'static str,
    code: impl Into<Cow<'static, str>>,
    display: Option<&'static str>,
) -> Value<'static> {
    o(vec![("coding".into(), Value::Array(vec![coding(system, code, display)]))])
}

/// A `Coding`.
pub fn coding(
    system: &'static str,
    code: impl Into<Cow<'static, str>>,
    display: Option<&'static str>,
) -> Value<'static> {
    let mut c: Obj = vec![("system".into(), s(system)), ("code".into(), s(code))];
    if let Some(d) = display {
        c.push(("display".into(), s(d)));
    }
    o(c)
}

/// The member `key`, if present.
pub fn get<'o>(obj: &'o Obj, key: &str) -> Option<&'o Value<'static>> {
    obj.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Sets `key` to `value`, replacing a present member in place.
pub fn set(obj: &mut Obj, key: &'static str, value: Value<'static>) {
    match obj.iter_mut().find(|(k, _)| k == key) {
        Some((_, v)) => *v = value,
        None => obj.push((Cow::Borrowed(key), value)),
    }
}

/// Sets `key` unless it is present.
pub fn set_default(obj: &mut Obj, key: &'static str, value: impl FnOnce() -> Value<'static>) {
    if get(obj, key).is_none() {
        obj.push((Cow::Borrowed(key), value()));
    }
}

/// Removes `key`.
pub fn remove(obj: &mut Obj, key: &str) -> Option<Value<'static>> {
    let i = obj.iter().position(|(k, _)| k == key)?;
    Some(obj.remove(i).1)
}

/// The member `key`, made with `make` when absent or when `fits` rejects what is there.
fn member<'o>(
    obj: &'o mut Obj,
    key: &'static str,
    fits: fn(&Value<'static>) -> bool,
    make: fn() -> Value<'static>,
) -> &'o mut Value<'static> {
    let i = match obj.iter().position(|(k, _)| k == key) {
        Some(i) => i,
        None => {
            obj.push((Cow::Borrowed(key), make()));
            obj.len() - 1
        }
    };
    if !fits(&obj[i].1) {
        obj[i].1 = make();
    }
    &mut obj[i].1
}

/// The object at `key`, created empty when absent (or when something else is there).
pub fn child<'o>(obj: &'o mut Obj, key: &'static str) -> &'o mut Obj {
    match member(obj, key, |v| matches!(v, Value::Object(_)), || Value::Object(Vec::new())) {
        Value::Object(m) => m,
        _ => unreachable!("member made an object"),
    }
}

/// The array at `key`, created empty when absent.
pub fn array<'o>(obj: &'o mut Obj, key: &'static str) -> &'o mut Vec<Value<'static>> {
    match member(obj, key, |v| matches!(v, Value::Array(_)), || Value::Array(Vec::new())) {
        Value::Array(items) => items,
        _ => unreachable!("member made an array"),
    }
}

/// The objects of the array at `key` (none when absent).
pub fn entries<'o>(obj: &'o mut Obj, key: &'static str) -> impl Iterator<Item = &'o mut Obj> {
    obj.iter_mut()
        .filter(move |(k, _)| k == key)
        .flat_map(|(_, v)| match v {
            Value::Array(items) => items.iter_mut(),
            _ => [].iter_mut(),
        })
        .filter_map(as_obj)
}

/// The object inside `value`, if it is one.
pub fn as_obj<'v>(value: &'v mut Value<'static>) -> Option<&'v mut Obj> {
    match value {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// The text of a string member.
pub fn text<'o>(obj: &'o Obj, key: &str) -> Option<&'o str> {
    match get(obj, key)? {
        Value::String(t) => Some(t),
        _ => None,
    }
}

/// Whether `concept` (a CodeableConcept object) has a coding with `code` (and `system`).
pub fn has_coding(concept: &Value<'static>, code: &str, system: Option<&str>) -> bool {
    let Value::Object(c) = concept else { return false };
    let Some(Value::Array(codings)) = get(c, "coding") else { return false };
    codings.iter().any(|coding| match coding {
        Value::Object(m) => text(m, "code") == Some(code) && system.map_or(true, |s| text(m, "system") == Some(s)),
        _ => false,
    })
}

/// The concrete URL of a filter URL: a `<year>` placeholder becomes `year`.
pub fn concrete_url(url: &'static str, year: i32) -> Cow<'static, str> {
    match url.split_once("<year>") {
        Some((prefix, suffix)) => Cow::Owned(format!("{prefix}{year}{suffix}")),
        None => Cow::Borrowed(url),
    }
}

/// Whether `entry` is the one `filters` select.
fn matches(entry: &Obj, filters: &[PathFilter], year: i32) -> bool {
    filters.iter().all(|f| match f {
        PathFilter::Url(u) => text(entry, "url") == Some(&*concrete_url(u, year)),
        PathFilter::System(sys) => text(entry, "system") == Some(*sys),
        PathFilter::Coded { element, code, system, .. } => match get(entry, element) {
            Some(Value::Array(items)) => items.iter().any(|c| has_coding(c, code, *system)),
            Some(concept) => has_coding(concept, code, *system),
            None => false,
        },
        PathFilter::ResourceType(t) => text(entry, "resourceType") == Some(*t),
        PathFilter::HasExtension { url, code } => {
            let Some(Value::Array(exts)) = get(entry, "extension") else { return false };
            exts.iter().any(|e| match e {
                Value::Object(m) => {
                    text(m, "url") == Some(*url)
                        && code.map_or(true, |c| match get(m, "valueCoding") {
                            Some(Value::Object(v)) => text(v, "code") == Some(c),
                            _ => false,
                        })
                }
                _ => false,
            })
        }
    })
}

/// What the filters of a new entry write into it. `display_of` names the display of a
/// selecting code (an information or adjudication category, a care team role).
pub fn new_entry(filters: &[PathFilter], year: i32, display_of: &dyn Fn(&str, &str) -> Option<&'static str>) -> Obj {
    let mut entry = Obj::new();
    for f in filters {
        match f {
            PathFilter::Url(u) => set(&mut entry, "url", s(concrete_url(u, year))),
            PathFilter::System(sys) => set(&mut entry, "system", s(*sys)),
            PathFilter::Coded { element, many, code, system } => {
                let system = system.unwrap_or_else(|| default_system(element));
                let concept = concept(system, *code, display_of(system, code));
                let value = if *many { Value::Array(vec![concept]) } else { concept };
                entry.push((Cow::Borrowed(*element), value));
            }
            PathFilter::ResourceType(t) => set(&mut entry, "resourceType", s(*t)),
            PathFilter::HasExtension { url, code } => {
                let mut ext: Obj = vec![("url".into(), s(*url))];
                if let Some(c) = code {
                    ext.push(("valueCoding".into(), coding(url, *c, None)));
                }
                array(&mut entry, "extension").push(o(ext));
            }
        }
    }
    entry
}

/// The code system of a selecting code the catalog gives without one: care team roles.
fn default_system(element: &str) -> &'static str {
    match element {
        "role" => "http://hl7.org/fhir/claimcareteamrole",
        _ => "",
    }
}

/// Walks `steps` from `obj`, choosing (or creating) the entries the filters select, and returns
/// the object that holds the last step. `year` fills `<year>` URLs.
pub fn locate<'o>(
    obj: &'o mut Obj,
    steps: &[PathStep],
    year: i32,
    display_of: &dyn Fn(&str, &str) -> Option<&'static str>,
) -> &'o mut Obj {
    let Some((step, rest)) = steps.split_first() else { return obj };
    if rest.is_empty() {
        return obj;
    }
    let next: &mut Obj = if step.many {
        let items = array(obj, step.name);
        let found = items.iter().position(|e| matches!(e, Value::Object(m) if matches(m, step.filters, year)));
        let i = match found {
            Some(i) => i,
            None => {
                items.push(Value::Object(new_entry(step.filters, year, display_of)));
                items.len() - 1
            }
        };
        as_obj(&mut items[i]).expect("entries are objects")
    } else {
        let single = child(obj, step.name);
        if !step.filters.is_empty() && !matches(single, step.filters, year) {
            // A single element selected by a filter (an identifier by its system) gets what the
            // filter asks for.
            for (key, value) in new_entry(step.filters, year, display_of) {
                if get(single, &key).is_none() {
                    single.push((key, value));
                }
            }
        }
        single
    };
    locate(next, rest, year, display_of)
}

/// Makes every period in `obj` (any object with a `start` and an `end` text) run forwards:
/// dates drawn independently may come out swapped.
pub fn order_periods(obj: &mut Obj) {
    if let (Some(start), Some(end)) = (text(obj, "start"), text(obj, "end")) {
        if start > end {
            let (start, end) = (start.to_string(), end.to_string());
            set(obj, "start", s(end));
            set(obj, "end", s(start));
        }
    }
    for (_, value) in obj.iter_mut() {
        order_periods_in(value);
    }
}

fn order_periods_in(value: &mut Value<'static>) {
    match value {
        Value::Object(m) => order_periods(m),
        Value::Array(items) => items.iter_mut().for_each(order_periods_in),
        _ => {}
    }
}
