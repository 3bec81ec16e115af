//! The STU3 invariants evaluated here, by key.
//!
//! The definitions state invariants as FHIRPath; this is not a FHIRPath engine. The invariants
//! the Blue Button resources and their datatypes reach are written out below, each after its
//! expression; the rest are reported as `not-evaluated` (once per report), never passed
//! silently. `ele-1`, `ext-1`, `ref-1` and `dom-1`..`dom-4` are checked by the walk itself.
use super::object::{get, get_str, has_choice, objects, Members};
use crate::json::Value;

/// The result of one invariant on one element.
pub(crate) enum Outcome {
    Holds,
    Fails(String),
    /// Checked by the walk (ele-1, ext-1, ref-1, dom-*), or structurally by a `max = 0`.
    Elsewhere,
    NotEvaluated,
}

const UCUM: &str = "http://unitsofmeasure.org";

fn has(m: &Members<'_>, key: &str) -> bool {
    get(m, key).is_some()
}

fn check(ok: bool, message: impl FnOnce() -> String) -> Outcome {
    if ok {
        Outcome::Holds
    } else {
        Outcome::Fails(message())
    }
}

/// `(code or value.empty()) and (system.empty() or system = <system>)`: the quantity rules
/// shared by Money, Age, Distance, Count.
fn coded_quantity(m: &Members<'_>, system: &str) -> Option<String> {
    if has(m, "value") && !has(m, "code") {
        return Some("a value needs a code".into());
    }
    match get_str(m, "system") {
        Some(s) if s != system => Some(format!("the system must be {system}, found {s}")),
        _ => None,
    }
}

fn number(m: &Members<'_>, key: &str) -> Option<String> {
    match get(m, key) {
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn is_negative(n: &str) -> bool {
    n.starts_with('-') && n.bytes().any(|b| (b'1'..=b'9').contains(&b))
}

fn is_positive(n: &str) -> bool {
    !n.starts_with('-') && n.bytes().any(|b| (b'1'..=b'9').contains(&b))
}

/// Whether a list has no repeats.
fn distinct(values: Vec<String>) -> Option<String> {
    let mut seen: Vec<&String> = Vec::new();
    for v in &values {
        if seen.contains(&v) {
            return Some(v.clone());
        }
        seen.push(v);
    }
    None
}

/// Evaluates invariant `key` on an element (or resource) with these members.
pub(crate) fn evaluate(key: &str, m: &Members<'_>) -> Outcome {
    match key {
        "ele-1" | "ext-1" | "ref-1" | "dom-1" | "dom-2" | "dom-3" | "dom-4" => Outcome::Elsewhere,
        // comparator.empty(): SimpleQuantity's definition makes `comparator` 0..0.
        "sqty-1" => check(!has(m, "comparator"), || "a SimpleQuantity has no comparator".into()),
        // start.empty() or end.empty() or (start <= end)
        "per-1" => match (get_str(m, "start"), get_str(m, "end")) {
            (Some(start), Some(end)) => {
                check(!after(start, end), || format!("the period starts ({start}) after it ends ({end})"))
            }
            _ => Outcome::Holds,
        },
        // Money: (code or value.empty()) and (system.empty() or system = 'urn:iso:std:iso:4217')
        "mny-1" => match coded_quantity(m, "urn:iso:std:iso:4217") {
            Some(why) => Outcome::Fails(format!("money: {why}")),
            None => Outcome::Holds,
        },
        // code.empty() or system.exists()
        "qty-3" => check(!has(m, "code") || has(m, "system"), || "a quantity with a code needs a system".into()),
        // Age: (code or value.empty()) and (system.empty() or system = %ucum) and (value.empty() or value > 0)
        "age-1" => match coded_quantity(m, UCUM) {
            Some(why) => Outcome::Fails(format!("age: {why}")),
            None => check(number(m, "value").map_or(true, |v| is_positive(&v)), || "an age must be positive".into()),
        },
        // Distance: (code or value.empty()) and (system.empty() or system = %ucum)
        "dis-1" => match coded_quantity(m, UCUM) {
            Some(why) => Outcome::Fails(format!("distance: {why}")),
            None => Outcome::Holds,
        },
        // Count: ... and (code.empty() or code = '1') and (value.empty() or no '.')
        "cnt-3" => match coded_quantity(m, UCUM) {
            Some(why) => Outcome::Fails(format!("count: {why}")),
            None => {
                let code_ok = get_str(m, "code").map_or(true, |c| c == "1");
                let whole = number(m, "value").map_or(true, |v| !v.contains('.'));
                check(code_ok && whole, || "a count has code 1 and a whole number".into())
            }
        },
        // Duration: code.exists() implies ((system = %ucum) and value.exists())
        "drt-1" => check(!has(m, "code") || (get_str(m, "system") == Some(UCUM) && has(m, "value")), || {
            "a duration with a code needs the UCUM system and a value".into()
        }),
        // ContactPoint: value.empty() or system.exists()
        "cpt-2" => check(!has(m, "value") || has(m, "system"), || "a contact point with a value needs a system".into()),
        // Attachment: data.empty() or contentType.exists()
        "att-1" => check(!has(m, "data") || has(m, "contentType"), || "attachment data needs a contentType".into()),
        // Ratio: (numerator.empty() xor denominator.exists()) and (numerator.exists() or extension.exists())
        "rat-1" => {
            let (n, d) = (has(m, "numerator"), has(m, "denominator"));
            check(n == d && (n || has(m, "extension")), || {
                "a ratio has both numerator and denominator, or neither (and extensions)".into()
            })
        }
        // Observation: dataAbsentReason.empty() or value.empty()
        "obs-6" => check(!has(m, "dataAbsentReason") || !has_choice(m, "value"), || {
            "an observation has a value or a dataAbsentReason, not both".into()
        }),
        // Observation: value.empty() or code!=component.code
        "obs-7" => {
            let code = get(m, "code");
            let same = code.is_some_and(|code| objects(m, "component").iter().any(|c| get(c, "code") == Some(code)));
            check(!has_choice(m, "value") || !same, || {
                "a component repeats the observation's own code while it has a value".into()
            })
        }
        // Observation.referenceRange: low.exists() or high.exists() or text.exists()
        "obs-3" => check(has(m, "low") || has(m, "high") || has(m, "text"), || {
            "a reference range needs low, high or text".into()
        }),
        // Patient.contact: name.exists() or telecom.exists() or address.exists() or organization.exists()
        "pat-1" => check(["name", "telecom", "address", "organization"].iter().any(|k| has(m, k)), || {
            "a contact needs a name, telecom, address or organization".into()
        }),
        // Timing.repeat
        "tim-1" => check(!has(m, "duration") || has(m, "durationUnit"), || "a duration needs a durationUnit".into()),
        "tim-2" => check(!has(m, "period") || has(m, "periodUnit"), || "a period needs a periodUnit".into()),
        "tim-4" => {
            check(number(m, "duration").map_or(true, |v| !is_negative(&v)), || "duration must not be negative".into())
        }
        "tim-5" => {
            check(number(m, "period").map_or(true, |v| !is_negative(&v)), || "period must not be negative".into())
        }
        "tim-6" => check(!has(m, "periodMax") || has(m, "period"), || "periodMax needs period".into()),
        "tim-7" => check(!has(m, "durationMax") || has(m, "duration"), || "durationMax needs duration".into()),
        "tim-8" => check(!has(m, "countMax") || has(m, "count"), || "countMax needs count".into()),
        "tim-9" => {
            let when: Vec<String> = match get(m, "when") {
                Some(Value::Array(a)) => {
                    a.iter().filter_map(|v| if let Value::String(s) = v { Some(s.to_string()) } else { None }).collect()
                }
                _ => Vec::new(),
            };
            let ok = !has(m, "offset")
                || (!when.is_empty() && !when.iter().any(|w| ["C", "CM", "CD", "CV"].contains(&w.as_str())));
            check(ok, || "an offset needs `when`, and not a meal code (C, CM, CD, CV)".into())
        }
        "tim-10" => check(!has(m, "timeOfDay") || !has(m, "when"), || "timeOfDay and when exclude each other".into()),
        // Bundle
        "bdl-1" => {
            let t = get_str(m, "type").unwrap_or_default();
            check(!has(m, "total") || t == "searchset" || t == "history", || {
                format!("`total` only in a searchset or history, not a {t}")
            })
        }
        "bdl-2" => {
            let t = get_str(m, "type").unwrap_or_default();
            let search = objects(m, "entry").iter().any(|e| has(e, "search"));
            check(!search || t == "searchset", || format!("entry.search only in a searchset, not a {t}"))
        }
        "bdl-3" => {
            let t = get_str(m, "type").unwrap_or_default();
            let request = objects(m, "entry").iter().any(|e| has(e, "request"));
            check(!request || ["batch", "transaction", "history"].contains(&t), || {
                format!("entry.request only in a batch, transaction or history, not a {t}")
            })
        }
        "bdl-4" => {
            let t = get_str(m, "type").unwrap_or_default();
            let response = objects(m, "entry").iter().any(|e| has(e, "response"));
            check(!response || ["batch-response", "transaction-response"].contains(&t), || {
                format!("entry.response only in a batch-response or transaction-response, not a {t}")
            })
        }
        "bdl-5" => check(has(m, "resource") || has(m, "request") || has(m, "response"), || {
            "an entry needs a resource, request or response".into()
        }),
        "bdl-7" => {
            let keys: Vec<String> = objects(m, "entry")
                .iter()
                .filter_map(|e| {
                    let url = get_str(e, "fullUrl")?;
                    let version = get(e, "resource")
                        .and_then(super::object::as_object)
                        .and_then(|r| get(r, "meta"))
                        .and_then(super::object::as_object)
                        .and_then(|meta| get_str(meta, "versionId"))
                        .unwrap_or_default();
                    Some(format!("{url}|{version}"))
                })
                .collect();
            match distinct(keys) {
                Some(dup) => Outcome::Fails(format!("two entries have the same fullUrl and version ({dup})")),
                None => Outcome::Holds,
            }
        }
        "bdl-8" => {
            let bad = get_str(m, "fullUrl").is_some_and(|u| u.contains("/_history/"));
            check(!bad, || "fullUrl must not be a version-specific (/_history/) URL".into())
        }
        "bdl-9" => {
            let document = get_str(m, "type") == Some("document");
            let identified = get(m, "identifier")
                .and_then(super::object::as_object)
                .is_some_and(|i| has(i, "system") && has(i, "value"));
            check(!document || identified, || "a document bundle needs identifier.system and identifier.value".into())
        }
        // CapabilityStatement
        "cpb-1" => check(["rest", "messaging", "document"].iter().any(|k| has(m, k)), || {
            "a capability statement needs rest, messaging or document".into()
        }),
        "cpb-2" => check(["description", "software", "implementation"].iter().any(|k| has(m, k)), || {
            "a capability statement needs a description, software or implementation".into()
        }),
        "cpb-3" => {
            let endpoint = objects(m, "messaging").iter().any(|x| has(x, "endpoint"));
            check(!endpoint || get_str(m, "kind") == Some("instance"), || {
                "messaging endpoints only in an instance statement".into()
            })
        }
        "cpb-14" => {
            let ok = (!has(m, "software") && !has(m, "implementation")) || get_str(m, "kind") != Some("requirements");
            check(ok, || "a requirements statement has no software or implementation".into())
        }
        "cpb-15" => check(!has(m, "implementation") || get_str(m, "kind") != Some("capability"), || {
            "a capability (kind) statement has no implementation".into()
        }),
        "cpb-16" => check(has(m, "supportedMessage") != has(m, "event"), || {
            "messaging has supportedMessage or event, exactly one".into()
        }),
        "cpb-7" => repeated(objects(m, "document").iter().map(|d| {
            let profile = get(d, "profile")
                .and_then(super::object::as_object)
                .and_then(|p| get_str(p, "reference"))
                .unwrap_or_default();
            format!("{profile}|{}", get_str(d, "mode").unwrap_or_default())
        })),
        "cpb-8" => repeated(objects(m, "rest").iter().map(|r| get_str(r, "mode").unwrap_or_default().to_string())),
        "cpb-9" => repeated(objects(m, "resource").iter().map(|r| get_str(r, "type").unwrap_or_default().to_string())),
        "cpb-12" => {
            repeated(objects(m, "searchParam").iter().map(|r| get_str(r, "name").unwrap_or_default().to_string()))
        }
        _ => Outcome::NotEvaluated,
    }
}

/// What the Bundle's invariants above read of an entry (bdl-2, bdl-3 and bdl-4: whether it has
/// `search`, `request`, `response`; bdl-7: its `fullUrl` and its resource's `meta.versionId`),
/// and nothing else: a Bundle validated as it is read keeps this much of each entry for them.
pub(crate) fn bundle_entry_view(entry: &Value<'_>) -> Value<'static> {
    let Value::Object(m) = entry else { return Value::Null };
    let string = |v: Option<&str>| v.map_or(Value::Null, |s| Value::String(s.to_string().into()));
    let mut view = Vec::new();
    if has(m, "fullUrl") {
        view.push(("fullUrl".into(), string(get_str(m, "fullUrl"))));
    }
    for key in ["search", "request", "response"] {
        if has(m, key) {
            view.push((key.into(), Value::Null));
        }
    }
    let meta = get(m, "resource").and_then(super::object::as_object).and_then(|r| get(r, "meta"));
    if let Some(meta) = meta.and_then(super::object::as_object) {
        let version = if has(meta, "versionId") {
            vec![("versionId".into(), string(get_str(meta, "versionId")))]
        } else {
            Vec::new()
        };
        view.push(("resource".into(), Value::Object(vec![("meta".into(), Value::Object(version))])));
    }
    Value::Object(view)
}

fn repeated(values: impl Iterator<Item = String>) -> Outcome {
    match distinct(values.collect()) {
        Some(dup) => Outcome::Fails(format!("`{dup}` is listed twice")),
        None => Outcome::Holds,
    }
}

/// Whether the date/dateTime `start` is surely after `end`. Values of different precision are
/// compared on what they share; date-times with a time are compared as instants.
fn after(start: &str, end: &str) -> bool {
    if start.contains('T') && end.contains('T') {
        if let (Ok(s), Ok(e)) = (chrono::DateTime::parse_from_rfc3339(start), chrono::DateTime::parse_from_rfc3339(end))
        {
            return s > e;
        }
    }
    let n = start.len().min(end.len()).min(10);
    start.get(..n) > end.get(..n)
}

#[cfg(test)]
mod tests {
    use super::after;

    #[test]
    fn periods() {
        assert!(after("2020-02-01", "2020-01-31"));
        assert!(!after("2020-01", "2020-01-31"));
        assert!(!after("2020-01-31", "2020-01-31"));
        assert!(after("2020-01-01T10:00:00Z", "2020-01-01T09:00:00Z"));
        assert!(!after("2020-01-01T10:00:00+02:00", "2020-01-01T09:00:00Z"));
        assert!(!after("2020-01-01", "2020-01-01T00:00:00Z"));
    }
}
