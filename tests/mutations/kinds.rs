//! The kinds of mutation, the sites each applies to, and applying one to a JSON tree.
use std::borrow::Cow;

use bluebutton::json::Value;

use bluebutton_codegen::types::ir::FieldType;

use super::profile::Rule;
use super::schema::{Kind, ObjectSite, Schema, Seg, Walk};

pub type Json = Value<'static>;

/// One change to a document.
#[derive(Debug, Clone)]
pub enum Op {
    /// Replace the value at the path.
    Replace(Vec<Seg>, Json),
    /// Remove members of the object at the path (each key, and its `_key` sibling).
    Remove(Vec<Seg>, Vec<String>),
    /// Insert a member into the object at the path, right after member `after` (or at the end).
    Insert { object: Vec<Seg>, key: String, value: Json, after: Option<String> },
    /// Replace the string at the path with text that is not valid UTF-8 (bytes, after writing).
    InvalidUtf8(Vec<Seg>),
}

/// One mutant: the change and where the validator must report an error.
#[derive(Debug, Clone)]
pub struct Mutant {
    pub op: Op,
    pub expected: String,
    /// The mutant is not JSON any more (invalid UTF-8): `validate_json` must fail with a parse
    /// error at the site instead of reporting a finding.
    pub not_json: bool,
}

/// What the kinds read: the definitions, the document, its walk, and the served profile's
/// rules for each walked object (`None` where the validator's tables have no node for it).
pub struct Ctx<'a> {
    pub schema: &'a Schema,
    pub doc: &'a Json,
    pub walk: &'a Walk,
    pub rules: Vec<Option<Vec<Rule>>>,
}

/// Whether member `key` is element `name` (a choice element's key is the stem and a type).
pub fn is_member_of(key: &str, name: &str, choice: bool) -> bool {
    key == name
        || choice && key.strip_prefix(name).is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// The elements an object requires under *served*: min >= 1 in its served rules (where the
/// tables know the object), else in the base definition; never a served deviation.
fn required(schema: &Schema, o: &ObjectSite, rules: Option<&[Rule]>) -> Vec<(String, bool)> {
    let st = schema.struct_named(&o.struct_name);
    let mut out: Vec<(String, bool)> = Vec::new();
    for f in &st.fields {
        let choice = matches!(f.ty, FieldType::Choice { .. });
        let served = rules.and_then(|r| r.iter().find(|r| r.name == f.json_name));
        let needed = match served {
            Some(r) => r.min >= 1 && !r.deviation,
            None => f.min >= 1,
        };
        if needed {
            out.push((f.json_name.clone(), choice));
        }
    }
    out
}

/// A kind of mutation.
pub struct MutationKind {
    pub name: &'static str,
    pub what: &'static str,
    /// Every applicable site of one document.
    pub sites: fn(&Ctx) -> Vec<Mutant>,
}

/// A marker replaced by invalid UTF-8 in the written text.
pub const UTF8_MARKER: &str = "MUTATION-INVALID-UTF8-MARKER";

fn s(text: &str) -> Json {
    Value::String(Cow::Owned(text.to_string()))
}

fn n(text: &str) -> Json {
    Value::Number(Cow::Owned(text.to_string()))
}

fn obj(members: Vec<(&str, Json)>) -> Json {
    Value::Object(members.into_iter().map(|(k, v)| (Cow::Owned(k.to_string()), v)).collect())
}

/// The value at `path`.
pub fn at<'v>(root: &'v Json, path: &[Seg]) -> &'v Json {
    let mut v = root;
    for seg in path {
        v = match (seg, v) {
            (Seg::Key(k), Value::Object(m)) => &m.iter().find(|(mk, _)| mk == k).expect("path exists").1,
            (Seg::Index(i), Value::Array(a)) => &a[*i],
            _ => panic!("path {path:?} does not fit the document"),
        };
    }
    v
}

fn at_mut<'v>(root: &'v mut Json, path: &[Seg]) -> &'v mut Json {
    let mut v = root;
    for seg in path {
        v = match (seg, v) {
            (Seg::Key(k), Value::Object(m)) => &mut m.iter_mut().find(|(mk, _)| mk == k).expect("path exists").1,
            (Seg::Index(i), Value::Array(a)) => &mut a[*i],
            _ => panic!("path {path:?} does not fit the document"),
        };
    }
    v
}

fn members_mut<'v>(root: &'v mut Json, path: &[Seg]) -> &'v mut Vec<(Cow<'static, str>, Json)> {
    match at_mut(root, path) {
        Value::Object(m) => m,
        _ => panic!("{path:?} is not an object"),
    }
}

/// Applies `op` to a copy of `doc` and writes it out.
pub fn apply(doc: &Json, op: &Op) -> Vec<u8> {
    use bluebutton::json::ToJson;
    let mut doc = doc.clone();
    match op {
        Op::Replace(path, value) => *at_mut(&mut doc, path) = value.clone(),
        Op::Remove(path, keys) => {
            let members = members_mut(&mut doc, path);
            members.retain(|(k, _)| !keys.iter().any(|key| k == key || k.strip_prefix('_') == Some(key)));
        }
        Op::Insert { object, key, value, after } => {
            let members = members_mut(&mut doc, object);
            let at = match after {
                Some(a) => members.iter().position(|(k, _)| k == a).expect("member exists") + 1,
                None => members.len(),
            };
            members.insert(at, (Cow::Owned(key.clone()), value.clone()));
        }
        Op::InvalidUtf8(path) => *at_mut(&mut doc, path) = s(UTF8_MARKER),
    }
    let text = doc.to_json_string().into_bytes();
    if matches!(op, Op::InvalidUtf8(_)) {
        let at = text.windows(UTF8_MARKER.len()).position(|w| w == UTF8_MARKER.as_bytes()).unwrap();
        let mut out = text[..at].to_vec();
        out.extend_from_slice(b"bad \xff\xfe byte");
        out.extend_from_slice(&text[at + UTF8_MARKER.len()..]);
        return out;
    }
    text
}

fn primitive_fhir(kind: &Kind) -> Option<&str> {
    match kind {
        Kind::Primitive { fhir, .. } => Some(fhir),
        _ => None,
    }
}

fn has_key(doc: &Json, path: &[Seg], key: &str) -> bool {
    matches!(at(doc, path), Value::Object(m) if m.iter().any(|(k, _)| k == key))
}

fn child(path: &[Seg], key: &str) -> Vec<Seg> {
    let mut p = path.to_vec();
    p.push(Seg::Key(key.to_string()));
    p
}

/// Every kind, in the order they are reported.
pub fn all() -> Vec<MutationKind> {
    vec![
        MutationKind {
            name: "drop-required",
            what: "remove an element of min >= 1 (base STU3 or the served profile; not a served deviation)",
            sites: |cx| {
                let mut out = Vec::new();
                for (o, rules) in cx.walk.objects.iter().zip(&cx.rules) {
                    for (name, choice) in required(cx.schema, o, rules.as_deref()) {
                        if name == "url" && o.struct_name == "Extension" {
                            continue; // its own kind
                        }
                        let present: Vec<String> =
                            o.keys.iter().filter(|k| is_member_of(k, &name, choice)).cloned().collect();
                        if present.is_empty() {
                            continue;
                        }
                        let element = if choice { format!("{name}[x]") } else { name.clone() };
                        out.push(Mutant {
                            not_json: false,
                            op: Op::Remove(o.path.clone(), present),
                            expected: format!("{}.{element}", o.loc),
                        });
                    }
                }
                out
            },
        },
        MutationKind {
            name: "prohibited-element",
            what: "add an element of max 0 in the served profile",
            sites: |cx| {
                let mut out = Vec::new();
                for (o, rules) in cx.walk.objects.iter().zip(&cx.rules) {
                    let Some(rules) = rules else { continue };
                    let st = cx.schema.struct_named(&o.struct_name);
                    for rule in rules.iter().filter(|r| r.max == 0 && !r.deviation) {
                        if o.keys.iter().any(|k| is_member_of(k, &rule.name, rule.choice)) {
                            continue;
                        }
                        let Some((key, value)) = cx.schema.example_member(st, &rule.name) else { continue };
                        out.push(Mutant {
                            not_json: false,
                            expected: format!("{}.{key}", o.loc),
                            op: Op::Insert { object: o.path.clone(), key, value, after: None },
                        });
                    }
                }
                out
            },
        },
        MutationKind {
            name: "repeat-max-one",
            what: "turn an element of maximum cardinality 1 into an array of two",
            sites: |cx| {
                let doc = cx.doc;
                let walk = cx.walk;
                walk.members
                    .iter()
                    .filter(|m| m.max_one && !m.is_array)
                    .map(|m| {
                        let path = child(&m.object, &m.key);
                        let v = at(doc, &path).clone();
                        Mutant {
                            not_json: false,
                            op: Op::Replace(path, Value::Array(vec![v.clone(), v])),
                            expected: m.loc.clone(),
                        }
                    })
                    .collect()
            },
        },
        MutationKind {
            name: "wrong-json-type",
            what: "string -> number, number -> object, boolean -> string, object -> string",
            sites: |cx| {
                let doc = cx.doc;
                let walk = cx.walk;
                walk.values
                    .iter()
                    .filter_map(|v| {
                        let new = match at(doc, &v.path) {
                            Value::String(_) => n("1"),
                            Value::Number(x) => obj(vec![("value", n(x))]),
                            Value::Bool(b) => s(&b.to_string()),
                            Value::Object(_) => s("an object was here"),
                            _ => return None,
                        };
                        Some(Mutant { not_json: false, op: Op::Replace(v.path.clone(), new), expected: v.loc.clone() })
                    })
                    .collect()
            },
        },
        MutationKind {
            name: "unknown-element",
            what: "add a property that the element's definition lacks",
            sites: |cx| {
                let walk = cx.walk;
                walk.objects
                    .iter()
                    .map(|o| Mutant {
                        not_json: false,
                        op: Op::Insert {
                            object: o.path.clone(),
                            key: "notAnElement".into(),
                            value: s("x"),
                            after: None,
                        },
                        expected: format!("{}.notAnElement", o.loc),
                    })
                    .collect()
            },
        },
        MutationKind {
            name: "code-not-in-value-set",
            what: "a code outside the value set of a required binding",
            sites: |cx| {
                let doc = cx.doc;
                let walk = cx.walk;
                walk.values
                    .iter()
                    .filter(|v| matches!(&v.kind, Kind::Primitive { required_vs: Some(_), .. }))
                    .filter(|v| matches!(at(doc, &v.path), Value::String(_)))
                    .map(|v| Mutant {
                        not_json: false,
                        op: Op::Replace(v.path.clone(), s("not-a-code")),
                        expected: v.loc.clone(),
                    })
                    .collect()
            },
        },
        MutationKind {
            name: "malformed-date-time",
            what: "date 2020-13-01, dateTime 2020-02-30, instant without a time zone",
            sites: |cx| {
                let doc = cx.doc;
                let walk = cx.walk;
                walk.values
                    .iter()
                    .filter_map(|v| {
                        let bad = match primitive_fhir(&v.kind)? {
                            "date" => "2020-13-01",
                            "dateTime" => "2020-02-30",
                            "instant" => "2020-01-01T10:00:00",
                            _ => return None,
                        };
                        matches!(at(doc, &v.path), Value::String(_)).then(|| Mutant {
                            not_json: false,
                            op: Op::Replace(v.path.clone(), s(bad)),
                            expected: v.loc.clone(),
                        })
                    })
                    .collect()
            },
        },
        MutationKind {
            name: "decimal-as-string",
            what: "a decimal given as a JSON string of the same text",
            sites: |cx| {
                let doc = cx.doc;
                let walk = cx.walk;
                walk.values
                    .iter()
                    .filter(|v| primitive_fhir(&v.kind) == Some("decimal"))
                    .filter_map(|v| match at(doc, &v.path) {
                        Value::Number(x) => Some(Mutant {
                            not_json: false,
                            op: Op::Replace(v.path.clone(), s(x)),
                            expected: v.loc.clone(),
                        }),
                        _ => None,
                    })
                    .collect()
            },
        },
        MutationKind {
            name: "positive-int-zero",
            what: "a positiveInt set to 0",
            sites: |cx| {
                let doc = cx.doc;
                let walk = cx.walk;
                walk.values
                    .iter()
                    .filter(|v| primitive_fhir(&v.kind) == Some("positiveInt"))
                    .filter(|v| matches!(at(doc, &v.path), Value::Number(_)))
                    .map(|v| Mutant {
                        not_json: false,
                        op: Op::Replace(v.path.clone(), n("0")),
                        expected: v.loc.clone(),
                    })
                    .collect()
            },
        },
        MutationKind {
            name: "empty-string",
            what: "a string-valued primitive set to \"\"",
            sites: |cx| {
                let doc = cx.doc;
                let walk = cx.walk;
                walk.values
                    .iter()
                    .filter(|v| primitive_fhir(&v.kind).is_some() && matches!(at(doc, &v.path), Value::String(_)))
                    .map(|v| Mutant {
                        not_json: false,
                        op: Op::Replace(v.path.clone(), s("")),
                        expected: v.loc.clone(),
                    })
                    .collect()
            },
        },
        MutationKind {
            name: "null",
            what: "a member's value set to null",
            sites: |cx| {
                let walk = cx.walk;
                walk.members
                    .iter()
                    .filter(|m| !m.has_side)
                    .map(|m| Mutant {
                        not_json: false,
                        op: Op::Replace(child(&m.object, &m.key), Value::Null),
                        expected: m.loc.clone(),
                    })
                    .collect()
            },
        },
        MutationKind {
            name: "empty-object",
            what: "a datatype, backbone element or resource replaced by {}",
            sites: |cx| {
                let walk = cx.walk;
                walk.values
                    .iter()
                    .filter(|v| !matches!(v.kind, Kind::Primitive { .. }))
                    .map(|v| Mutant {
                        not_json: false,
                        op: Op::Replace(v.path.clone(), Value::Object(Vec::new())),
                        expected: v.loc.clone(),
                    })
                    .collect()
            },
        },
        MutationKind {
            name: "extension-without-url",
            what: "remove an extension's url",
            sites: |cx| {
                let walk = cx.walk;
                walk.objects
                    .iter()
                    .filter(|o| o.struct_name == "Extension" && o.keys.iter().any(|k| k == "url"))
                    .map(|o| Mutant {
                        not_json: false,
                        op: Op::Remove(o.path.clone(), vec!["url".into()]),
                        expected: format!("{}.url", o.loc),
                    })
                    .collect()
            },
        },
        MutationKind {
            name: "extension-value-and-children",
            what: "an extension with both a value[x] and nested extensions",
            sites: |cx| {
                let walk = cx.walk;
                walk.objects
                    .iter()
                    .filter(|o| o.struct_name == "Extension")
                    .filter_map(|o| {
                        let has_value = o.keys.iter().any(|k| k.starts_with("value"));
                        let has_children = o.keys.iter().any(|k| k == "extension");
                        let (key, value) = match (has_value, has_children) {
                            (true, false) => (
                                "extension",
                                Value::Array(vec![obj(vec![
                                    ("url", s("https://example.org/nested")),
                                    ("valueString", s("x")),
                                ])]),
                            ),
                            (false, true) => ("valueString", s("x")),
                            _ => return None,
                        };
                        Some(Mutant {
                            not_json: false,
                            op: Op::Insert { object: o.path.clone(), key: key.into(), value, after: None },
                            expected: o.loc.clone(),
                        })
                    })
                    .collect()
            },
        },
        MutationKind {
            name: "dangling-reference",
            what: "a Reference.reference set to a #id no contained resource has",
            sites: |cx| {
                let doc = cx.doc;
                let walk = cx.walk;
                walk.objects
                    .iter()
                    .filter(|o| o.struct_name == "Reference" && has_key(doc, &o.path, "reference"))
                    .map(|o| Mutant {
                        not_json: false,
                        op: Op::Replace(child(&o.path, "reference"), s("#no-such-contained-resource")),
                        expected: format!("{}.reference", o.loc),
                    })
                    .collect()
            },
        },
        MutationKind {
            name: "invalid-id",
            what: "an id-typed value with characters an id cannot have",
            sites: |cx| {
                let doc = cx.doc;
                let walk = cx.walk;
                walk.values
                    .iter()
                    .filter(|v| primitive_fhir(&v.kind) == Some("id") && matches!(at(doc, &v.path), Value::String(_)))
                    .map(|v| Mutant {
                        not_json: false,
                        op: Op::Replace(v.path.clone(), s("not a valid id!")),
                        expected: v.loc.clone(),
                    })
                    .collect()
            },
        },
        MutationKind {
            name: "duplicate-property",
            what: "a member written twice in its object",
            sites: |cx| {
                let doc = cx.doc;
                let walk = cx.walk;
                walk.members
                    .iter()
                    .map(|m| Mutant {
                        not_json: false,
                        op: Op::Insert {
                            object: m.object.clone(),
                            key: m.key.clone(),
                            value: at(doc, &child(&m.object, &m.key)).clone(),
                            after: Some(m.key.clone()),
                        },
                        expected: m.loc.clone(),
                    })
                    .collect()
            },
        },
        MutationKind {
            name: "empty-array",
            what: "an array member set to []",
            sites: |cx| {
                let walk = cx.walk;
                walk.members
                    .iter()
                    .filter(|m| m.is_array && !m.has_side)
                    .map(|m| Mutant {
                        not_json: false,
                        op: Op::Replace(child(&m.object, &m.key), Value::Array(Vec::new())),
                        expected: m.loc.clone(),
                    })
                    .collect()
            },
        },
        MutationKind {
            name: "unknown-resource-type",
            what: "a contained or entry resource with a resourceType the model does not know",
            sites: |cx| {
                let walk = cx.walk;
                walk.objects
                    .iter()
                    .filter(|o| o.resource.is_some() && !o.path.is_empty())
                    .map(|o| Mutant {
                        not_json: false,
                        op: Op::Replace(child(&o.path, "resourceType"), s("NotAResource")),
                        expected: format!("{}.resourceType", o.loc),
                    })
                    .collect()
            },
        },
        MutationKind {
            name: "missing-resource-type",
            what: "a contained or entry resource without resourceType (the missing element's path)",
            sites: |cx| {
                let walk = cx.walk;
                walk.objects
                    .iter()
                    .filter(|o| o.resource.is_some() && !o.path.is_empty())
                    .map(|o| Mutant {
                        not_json: false,
                        op: Op::Remove(o.path.clone(), vec!["resourceType".into()]),
                        expected: format!("{}.resourceType", o.loc),
                    })
                    .collect()
            },
        },
        MutationKind {
            name: "two-choice-types",
            what: "a second type given for a [x] element",
            sites: |cx| {
                let schema = cx.schema;
                let walk = cx.walk;
                let mut out = Vec::new();
                for m in walk.members.iter().filter(|m| m.choice) {
                    let st = schema.struct_named(&at_struct(walk, &m.object));
                    let Some((field, _)) = schema.field(st, &m.key) else { continue };
                    let FieldType::Choice { variants, .. } = &field.ty else { continue };
                    let other = variants.iter().filter(|v| v.json_name != m.key).find_map(|v| match &v.ty {
                        bluebutton_codegen::types::ir::TypeRef::Primitive { fhir, .. } if fhir == "string" => {
                            Some((v.json_name.clone(), s("x")))
                        }
                        bluebutton_codegen::types::ir::TypeRef::Primitive { fhir, .. } if fhir == "boolean" => {
                            Some((v.json_name.clone(), Value::Bool(true)))
                        }
                        _ => None,
                    });
                    let Some((key, value)) = other else { continue };
                    out.push(Mutant {
                        not_json: false,
                        expected: format!("{}.{key}", m.loc.rsplit_once('.').unwrap().0),
                        op: Op::Insert { object: m.object.clone(), key, value, after: Some(m.key.clone()) },
                    });
                }
                out
            },
        },
        MutationKind {
            name: "period-end-before-start",
            what: "a Period whose end precedes its start (per-1)",
            sites: |cx| {
                cx.walk
                    .objects
                    .iter()
                    .filter(|o| o.struct_name == "Period")
                    .map(|o| Mutant {
                        not_json: false,
                        op: Op::Replace(
                            o.path.clone(),
                            obj(vec![("start", s("2020-02-01")), ("end", s("2020-01-31T23:59:59Z"))]),
                        ),
                        expected: o.loc.clone(),
                    })
                    .collect()
            },
        },
        MutationKind {
            name: "coded-quantity-without-code",
            what: "a Money, Age, Distance or Count with a value in its coding system and no code (mny-1, age-1, dis-1, cnt-3)",
            sites: |cx| {
                cx.walk
                    .objects
                    .iter()
                    .filter_map(|o| {
                        let system = match o.struct_name.as_str() {
                            "Money" => "urn:iso:std:iso:4217",
                            "Age" | "Distance" | "Count" => "http://unitsofmeasure.org",
                            _ => return None,
                        };
                        Some(Mutant {
                            not_json: false,
                            op: Op::Replace(o.path.clone(), obj(vec![("value", n("1")), ("system", s(system))])),
                            expected: o.loc.clone(),
                        })
                    })
                    .collect()
            },
        },
        MutationKind {
            name: "invalid-utf8",
            what: "bytes that are not UTF-8 inside a string (not JSON: a parse error at the site)",
            sites: |cx| {
                let doc = cx.doc;
                let walk = cx.walk;
                walk.values
                    .iter()
                    .filter(|v| primitive_fhir(&v.kind).is_some() && matches!(at(doc, &v.path), Value::String(_)))
                    .map(|v| Mutant { not_json: true, op: Op::InvalidUtf8(v.path.clone()), expected: v.loc.clone() })
                    .collect()
            },
        },
    ]
}

/// The struct of the object at `path`.
fn at_struct(walk: &Walk, path: &[Seg]) -> String {
    walk.objects.iter().find(|o| o.path == path).expect("object walked").struct_name.clone()
}
