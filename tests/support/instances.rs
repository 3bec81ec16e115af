//! Random, valid FHIR JSON instances of the generated model's types, driven by the IR.
//!
//! [`Instances`] turns the IR (`bluebutton_codegen::types::ir::Model`) into proptest strategies that
//! produce `json::Value` trees: every field present or absent at random, arrays of 1 to
//! [`Limits::max_items`], one property per choice, `_name` siblings on primitives now and then,
//! object members in random order, and recursion bounded by depth budgets. Primitive values are
//! always valid text for their FHIR type, with the edge cases that matter for a lossless round
//! trip (decimal precision, `-0`, escapes, non-BMP characters, leap days, extreme offsets...).
//!
//! [`render`] writes a generated tree as JSON text in one of several styles (compact or with
//! assorted whitespace; characters escaped minimally or as `\uXXXX`, keys included), so the
//! lexer sees more than the model's own writer produces.
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use bluebutton::json::Value;
use bluebutton_codegen::definitions::Definitions;
use bluebutton_codegen::types::ir::{Field, FieldType, Max, Model, Struct, StructKind, TypeRef};
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Just, Union};

/// A generated JSON tree.
pub type Json = Value<'static>;
/// The members one field contributes to its object (`name`, `_name`, or none).
type Members = Vec<(Cow<'static, str>, Json)>;

/// The directory holding the `profiles/` the model was generated from (as the model's build
/// script reads them): the workspace root. The one place that decides it.
pub fn definitions_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The IR of the definitions the model was generated from.
pub fn load_model() -> Model {
    let root = definitions_root();
    let defs = Definitions::load(&root).unwrap_or_else(|e| panic!("loading definitions under {}: {e}", root.display()));
    Model::build(&defs).unwrap_or_else(|e| panic!("building the IR from {}: {e}", root.display()))
}

/// Size knobs.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The most struct levels below a datatype met inside a resource or backbone.
    pub datatype_depth: u32,
    /// The most struct levels of a resource met where any resource may stand.
    pub resource_depth: u32,
    /// Chance (percent) that an optional field is present.
    pub presence: u32,
    /// Chance (percent) that a required (`min >= 1`) field is present.
    pub required_presence: u32,
    /// Chance (percent) that `extension`/`modifierExtension` is present.
    pub extension_presence: u32,
    /// Chance (percent) that a resource's `contained` is present.
    pub contained_presence: u32,
    /// Array lengths are 1..=max_items.
    pub max_items: usize,
    /// Sometimes write a repeating primitive's side that has nothing to say as an array of
    /// `null`s (`"given": ["a"], "_given": [null]`) instead of leaving it out.
    pub all_null_sides: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            datatype_depth: 3,
            resource_depth: 2,
            presence: 30,
            required_presence: 75,
            extension_presence: 8,
            contained_presence: 5,
            max_items: 3,
            all_null_sides: false,
        }
    }
}

/// Strategies for instances of the IR's types, built on demand and memoized by (type, depth).
pub struct Instances<'m> {
    structs: HashMap<&'m str, &'m Struct>,
    aliases: HashMap<&'m str, &'m str>,
    limits: Limits,
    /// Resources generated where the IR says "any resource".
    any_resource: Vec<String>,
    /// Fixed strategies for particular element paths (`Bundle.entry.resource`).
    overrides: HashMap<String, BoxedStrategy<Json>>,
    /// Element paths that are always generated.
    always: Vec<String>,
    cache: RefCell<HashMap<(String, u32), BoxedStrategy<Json>>>,
}

impl<'m> Instances<'m> {
    pub fn new(model: &'m Model, limits: Limits) -> Self {
        let any_resource = ["Patient", "Observation"]
            .iter()
            .filter(|r| model.resources.iter().any(|m| m == *r))
            .map(|r| r.to_string())
            .collect();
        Instances {
            structs: model.structs.iter().map(|s| (s.name.as_str(), s)).collect(),
            aliases: model.aliases.iter().map(|a| (a.name.as_str(), a.target.as_str())).collect(),
            limits,
            any_resource,
            overrides: HashMap::new(),
            always: Vec::new(),
            cache: RefCell::new(HashMap::new()),
        }
    }

    /// Generates `strategy` wherever the element at `path` holds a value (each array item).
    pub fn with_override(mut self, path: &str, strategy: BoxedStrategy<Json>) -> Self {
        self.overrides.insert(path.to_string(), strategy);
        self
    }

    /// Always generates the element at `path` (where the depth allows it).
    pub fn always(mut self, path: &str) -> Self {
        self.always.push(path.to_string());
        self
    }

    fn resolve<'n>(&self, name: &'n str) -> &'n str
    where
        'm: 'n,
    {
        self.aliases.get(name).copied().unwrap_or(name)
    }

    fn lookup(&self, name: &str) -> &'m Struct {
        let name = self.resolve(name);
        self.structs.get(name).copied().unwrap_or_else(|| panic!("no struct {name} in the IR"))
    }

    /// Instances of the struct (datatype, backbone or resource) `name`, with `depth` struct
    /// levels below it (at depth 0 only primitive fields are generated).
    pub fn strategy(&self, name: &str, depth: u32) -> BoxedStrategy<Json> {
        let s = self.lookup(name);
        let key = (s.name.clone(), depth);
        if let Some(st) = self.cache.borrow().get(&key) {
            return st.clone();
        }
        let st = self.build_struct(s, depth);
        self.cache.borrow_mut().insert(key, st.clone());
        st
    }

    fn build_struct(&self, s: &'m Struct, depth: u32) -> BoxedStrategy<Json> {
        let mut parts: Vec<BoxedStrategy<Members>> = Vec::new();
        if s.kind == StructKind::Resource {
            parts.push(Just(vec![(Cow::Borrowed("resourceType"), Value::String(Cow::Owned(s.path.clone())))]).boxed());
        }
        for f in &s.fields {
            let Some(st) = self.field(f, depth) else { continue };
            let always = (s.name == "Extension" && f.json_name == "url") || self.always.contains(&f.path);
            let percent = if always {
                100
            } else if f.json_name == "extension" || f.json_name == "modifierExtension" {
                self.limits.extension_presence
            } else if f.json_name == "contained" {
                self.limits.contained_presence
            } else if f.min >= 1 {
                self.limits.required_presence
            } else {
                self.limits.presence
            };
            parts.push(maybe(percent, st));
        }
        // FHIR objects are never empty (and a resource needs more than its resourceType): when
        // no field came up, one primitive field stands in.
        let floor = usize::from(s.kind == StructKind::Resource);
        let fallback = self.fallback(s);
        (parts, fallback)
            .prop_map(move |(parts, fallback)| {
                let mut members: Members = parts.into_iter().flatten().collect();
                if members.len() <= floor {
                    members.extend(fallback);
                }
                members
            })
            .prop_shuffle()
            .prop_map(Value::Object)
            .boxed()
    }

    /// One primitive field of `s` with a plain value: what an object that would otherwise be
    /// empty gets.
    fn fallback(&self, s: &Struct) -> BoxedStrategy<Members> {
        let options: Vec<BoxedStrategy<Members>> = s
            .fields
            .iter()
            .filter_map(|f| match &f.ty {
                FieldType::Single(TypeRef::Primitive { fhir, .. }) => {
                    let (key, many) = (f.json_name.clone(), f.max == Max::Many);
                    Some(
                        primitive(fhir)
                            .prop_map(move |v| {
                                let v = if many { Value::Array(vec![v]) } else { v };
                                vec![(Cow::Owned(key.clone()), v)]
                            })
                            .boxed(),
                    )
                }
                _ => None,
            })
            .collect();
        assert!(!options.is_empty(), "{} has no primitive field", s.name);
        Union::new(options).boxed()
    }

    /// The depth a struct field of type `target` gets inside a struct at `depth`, if any.
    fn child_depth(&self, target: &str, depth: u32) -> Option<u32> {
        let d = depth.checked_sub(1)?;
        Some(match self.lookup(target).kind {
            StructKind::Backbone => d,
            StructKind::Datatype => d.min(self.limits.datatype_depth),
            StructKind::Resource => d.min(self.limits.resource_depth),
        })
    }

    fn any_resource(&self, depth: u32) -> Option<BoxedStrategy<Json>> {
        let d = depth.checked_sub(1)?.min(self.limits.resource_depth);
        let options: Vec<_> = self.any_resource.iter().map(|r| self.strategy(r, d)).collect();
        (!options.is_empty()).then(|| Union::new(options).boxed())
    }

    /// The value of one element of `ty` (a struct or resource), if the depth allows one.
    fn complex_value(&self, ty: &TypeRef, depth: u32) -> Option<BoxedStrategy<Json>> {
        match ty {
            TypeRef::Struct { rust, .. } => Some(self.strategy(rust, self.child_depth(rust, depth)?)),
            TypeRef::Resource => self.any_resource(depth),
            TypeRef::Primitive { .. } => unreachable!("primitives are handled apart"),
        }
    }

    /// The members for field `f` of a struct at `depth`, when present; `None` when it cannot
    /// be generated at this depth.
    fn field(&self, f: &'m Field, depth: u32) -> Option<BoxedStrategy<Members>> {
        let name = f.json_name.clone();
        let max_items = self.limits.max_items;
        let wrap = move |st: BoxedStrategy<Json>| -> BoxedStrategy<Members> {
            let name = name.clone();
            match f.max {
                Max::One => st.prop_map(move |v| vec![(Cow::Owned(name.clone()), v)]).boxed(),
                Max::Many => proptest::collection::vec(st, 1..=max_items)
                    .prop_map(move |v| vec![(Cow::Owned(name.clone()), Value::Array(v))])
                    .boxed(),
            }
        };
        if let Some(st) = self.overrides.get(&f.path) {
            return Some(wrap(st.clone()));
        }
        match &f.ty {
            FieldType::Single(TypeRef::Primitive { fhir, plain: true, .. }) => Some(wrap(primitive(fhir))),
            FieldType::Single(TypeRef::Primitive { fhir, plain: false, .. }) => Some(match f.max {
                Max::One => self.primitive_element(&f.json_name, fhir, depth),
                Max::Many => self.primitive_array(&f.json_name, fhir, depth),
            }),
            FieldType::Single(ty) => self.complex_value(ty, depth).map(wrap),
            FieldType::Choice { variants, .. } => {
                let options: Vec<BoxedStrategy<Members>> = variants
                    .iter()
                    .filter_map(|v| match &v.ty {
                        TypeRef::Primitive { fhir, plain: false, .. } => {
                            Some(self.primitive_element(&v.json_name, fhir, depth))
                        }
                        TypeRef::Primitive { fhir, plain: true, .. } => {
                            let key = v.json_name.clone();
                            Some(primitive(fhir).prop_map(move |x| vec![(Cow::Owned(key.clone()), x)]).boxed())
                        }
                        ty => {
                            let key = v.json_name.clone();
                            let st = self.complex_value(ty, depth)?;
                            Some(st.prop_map(move |x| vec![(Cow::Owned(key.clone()), x)]).boxed())
                        }
                    })
                    .collect();
                assert_eq!(f.max, Max::One, "{}: a repeating choice", f.path);
                (!options.is_empty()).then(|| Union::new(options).boxed())
            }
        }
    }

    /// The object of a `_name` property: an id, extensions, or both.
    fn element(&self, depth: u32) -> BoxedStrategy<Json> {
        let id = string().prop_map(|s| (Cow::Borrowed("id"), s));
        let Some(ext) = depth.checked_sub(1).map(|d| self.strategy("Extension", d.min(self.limits.datatype_depth)))
        else {
            return id.prop_map(|m| Value::Object(vec![m])).boxed();
        };
        let exts = proptest::collection::vec(ext, 1..=2).prop_map(|v| (Cow::Borrowed("extension"), Value::Array(v)));
        prop_oneof![
            id.clone().prop_map(|m| vec![m]),
            exts.clone().prop_map(|m| vec![m]),
            (id, exts).prop_map(|(a, b)| vec![a, b]).prop_shuffle(),
        ]
        .prop_map(Value::Object)
        .boxed()
    }

    /// A single primitive element: `name`, `name` and `_name`, or only `_name`.
    fn primitive_element(&self, name: &str, fhir: &str, depth: u32) -> BoxedStrategy<Members> {
        let key: Cow<'static, str> = Cow::Owned(name.to_string());
        let ext_key: Cow<'static, str> = Cow::Owned(format!("_{name}"));
        let (k1, k2, k3) = (key.clone(), key, ext_key.clone());
        prop_oneof![
            8 => primitive(fhir).prop_map(move |v| vec![(k1.clone(), v)]),
            1 => (primitive(fhir), self.element(depth))
                .prop_map(move |(v, e)| vec![(k2.clone(), v), (ext_key.clone(), e)]),
            1 => self.element(depth).prop_map(move |e| vec![(k3.clone(), e)]),
        ]
        .boxed()
    }

    /// A repeating primitive: aligned `name` and `_name` arrays, `null` where an item has no
    /// value or no element part (never both); a side with nothing but `null` is left out unless
    /// [`Limits::all_null_sides`].
    fn primitive_array(&self, name: &str, fhir: &str, depth: u32) -> BoxedStrategy<Members> {
        let item = prop_oneof![
            6 => primitive(fhir).prop_map(|v| (Some(v), None)),
            1 => (primitive(fhir), self.element(depth)).prop_map(|(v, e)| (Some(v), Some(e))),
            1 => self.element(depth).prop_map(|e| (None, Some(e))),
        ];
        let key: Cow<'static, str> = Cow::Owned(name.to_string());
        let ext_key: Cow<'static, str> = Cow::Owned(format!("_{name}"));
        let pad = if self.limits.all_null_sides { prop::bool::weighted(0.3).boxed() } else { Just(false).boxed() };
        (proptest::collection::vec(item, 1..=self.limits.max_items), pad)
            .prop_map(move |(items, pad)| {
                let mut out = Vec::new();
                if pad || items.iter().any(|(v, _)| v.is_some()) {
                    let values = items.iter().map(|(v, _)| v.clone().unwrap_or(Value::Null)).collect();
                    out.push((key.clone(), Value::Array(values)));
                }
                if pad || items.iter().any(|(_, e)| e.is_some()) {
                    let elements = items.iter().map(|(_, e)| e.clone().unwrap_or(Value::Null)).collect();
                    out.push((ext_key.clone(), Value::Array(elements)));
                }
                out
            })
            .boxed()
    }
}

/// `st` with the given chance (percent), else nothing. Shrinks towards nothing.
fn maybe(percent: u32, st: BoxedStrategy<Members>) -> BoxedStrategy<Members> {
    match percent {
        0 => Just(Vec::new()).boxed(),
        100.. => st,
        p => Union::new_weighted(vec![(100 - p, Just(Vec::new()).boxed()), (p, st)]).boxed(),
    }
}

// ----- primitive values -----

fn text(s: String) -> Json {
    Value::String(Cow::Owned(s))
}

fn number(s: String) -> Json {
    Value::Number(Cow::Owned(s))
}

/// Valid JSON values for the FHIR primitive type `fhir`.
pub fn primitive(fhir: &str) -> BoxedStrategy<Json> {
    match fhir {
        "boolean" => any::<bool>().prop_map(Value::Bool).boxed(),
        "integer" => integer().prop_map(number).boxed(),
        "unsignedInt" => {
            prop_oneof![Just(0i64), Just(2147483647), 0i64..=2147483647].prop_map(|n| number(n.to_string())).boxed()
        }
        "positiveInt" => {
            prop_oneof![Just(1i64), Just(2147483647), 1i64..=2147483647].prop_map(|n| number(n.to_string())).boxed()
        }
        "decimal" => decimal().prop_map(number).boxed(),
        "string" | "markdown" => string(),
        "xhtml" => xhtml().prop_map(text).boxed(),
        "code" => code().prop_map(text).boxed(),
        "id" => id().prop_map(text).boxed(),
        "uri" => uri().prop_map(text).boxed(),
        "oid" => oid().prop_map(text).boxed(),
        "uuid" => uuid().prop_map(text).boxed(),
        "base64Binary" => base64().prop_map(text).boxed(),
        "date" => date().prop_map(text).boxed(),
        "dateTime" => date_time().prop_map(text).boxed(),
        "instant" => instant().prop_map(text).boxed(),
        "time" => time().prop_map(text).boxed(),
        other => panic!("no generator for the FHIR primitive type {other}"),
    }
}

fn integer() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<i32>().prop_map(|n| n.to_string()),
        3 => (-1000i32..1000).prop_map(|n| n.to_string()),
        1 => prop::sample::select(vec!["0", "-0", "1", "-1", "2147483647", "-2147483648"]).prop_map(String::from),
    ]
}

fn decimal() -> impl Strategy<Value = String> {
    let edge = prop::sample::select(vec![
        "0",
        "-0",
        "0.0",
        "-0.0",
        "1.50",
        "100",
        "0.000001",
        "12345678901234567890.5",
        "-98765432109876543210.0000000001",
        "3.141592653589793238462643383279",
        "2147483648",
        "9007199254740993",
    ])
    .prop_map(String::from);
    let general =
        (any::<bool>(), "(0|[1-9][0-9]{0,21})", prop::option::of("[0-9]{1,12}")).prop_map(|(neg, int, frac)| {
            let mut s = String::new();
            if neg {
                s.push('-');
            }
            s.push_str(&int);
            if let Some(f) = frac {
                s.push('.');
                s.push_str(&f);
            }
            s
        });
    prop_oneof![1 => edge, 2 => general]
}

/// Characters for strings: mostly plain ASCII, plus everything a writer or lexer may trip on.
fn string_char() -> impl Strategy<Value = char> {
    prop_oneof![
        1 => Just(' '),
        1 => prop::sample::select(vec!['\n', '\t', '\r']),
        10 => solid_char(),
    ]
}

/// Non-whitespace characters (for codes and URIs).
fn solid_char() -> impl Strategy<Value = char> {
    prop_oneof![
        8 => prop::char::range('!', '~'),
        2 => prop::sample::select(vec!['"', '\\', '/', '\'', '<', '&']),
        1 => prop::sample::select(vec!['\u{0}', '\u{1}', '\u{8}', '\u{1b}', '\u{1f}', '\u{7f}', '\u{80}', '\u{9f}']),
        2 => prop::sample::select(vec![
            'é', 'ß', 'ñ', 'Ω', 'ж', '中', '文', 'ا', 'ע', '\u{a0}', '\u{2028}', '\u{2029}', '\u{feff}', '\u{fffd}',
            '\u{ffff}', '😀', '🦀', '𝄞', '\u{10ffff}', '\u{301}',
        ]),
    ]
}

/// A FHIR `string` (or `markdown`): non-empty, no vertical tab or form feed.
pub fn string() -> BoxedStrategy<Json> {
    prop_oneof![
        3 => "[A-Za-z][A-Za-z0-9 ]{0,10}",
        2 => proptest::collection::vec(string_char(), 1..=10).prop_map(|v| v.into_iter().collect()),
        1 => prop::sample::select(vec![" ", "\"", "\\", "\n", "😀", "\u{0}", "a\r\nb", "\\u0041", "null", "{\"a\":1}"])
            .prop_map(String::from),
    ]
    .prop_map(text)
    .boxed()
}

fn xhtml() -> impl Strategy<Value = String> {
    proptest::collection::vec(string_char(), 0..=8).prop_map(|v| {
        let inner: String = v.into_iter().collect();
        format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{inner}</div>")
    })
}

/// A FHIR `code`: tokens separated by single whitespace characters.
fn code() -> impl Strategy<Value = String> {
    let token = proptest::collection::vec(solid_char(), 1..=6).prop_map(|v| v.into_iter().collect::<String>()).boxed();
    let sep = prop::sample::select(vec![" ", " ", " ", "\t", "\n", "\r", "\u{b}", "\u{c}"]);
    prop_oneof![
        3 => "[a-z0-9-]{1,8}",
        1 => (token.clone(), proptest::collection::vec((sep, token), 0..=2)).prop_map(|(first, rest)| {
            let mut s = first;
            for (sep, t) in rest {
                s.push_str(sep);
                s.push_str(&t);
            }
            s
        }),
    ]
}

/// A FHIR `id`.
fn id() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-z0-9.-]{1,12}",
        1 => "[A-Za-z0-9.-]{64}",
        1 => prop::sample::select(vec!["-", ".", "..", "0", "-1.5"]).prop_map(String::from),
    ]
}

/// A FHIR `uri`: any non-whitespace text.
fn uri() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "http://hl7.org/fhir/sid/us-npi",
            "https://bluebutton.cms.gov/resources/variables/line_srvc_cnt",
            "urn:oid:2.16.840.1.113883.6.96",
            "urn:uuid:c757873d-ec9a-4326-a141-556f43239520",
            "http://example.org/a?b=c&d=%20#frag",
            "mailto:someone@example.org",
            "#p1",
            "Patient/-19990000000001",
        ])
        .prop_map(String::from),
        2 => "[a-z]{1,6}:[A-Za-z0-9/._~%?#=&-]{0,20}",
        1 => proptest::collection::vec(solid_char(), 1..=10).prop_map(|v| v.into_iter().collect()),
    ]
}

fn oid() -> impl Strategy<Value = String> {
    ("[0-2]", proptest::collection::vec("[1-9][0-9]{0,6}", 1..=6))
        .prop_map(|(first, arcs)| format!("urn:oid:{first}.{}", arcs.join(".")))
}

fn uuid() -> impl Strategy<Value = String> {
    "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}".prop_map(|u| format!("urn:uuid:{u}"))
}

/// Groups of four base64 characters, sometimes with whitespace between (and around) groups.
fn base64() -> impl Strategy<Value = String> {
    let group = "[A-Za-z0-9+/=]{4}";
    let ws = prop::sample::select(vec!["", "", "", " ", "\n", "\r\n", "\t"]);
    (ws.clone(), proptest::collection::vec((group, ws), 1..=4)).prop_map(|(lead, groups)| {
        let mut s = lead.to_string();
        for (g, w) in groups {
            s.push_str(&g);
            s.push_str(w);
        }
        s
    })
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn year() -> impl Strategy<Value = i32> {
    prop_oneof![
        6 => 1900i32..=2100,
        2 => 0i32..=9999,
        2 => prop::sample::select(vec![0, 1, 1600, 1900, 2000, 2016, 2020, 2024, 2100, 9999]),
        1 => -9999i32..=-1,
    ]
}

fn format_year(y: i32) -> String {
    if y < 0 {
        format!("-{:04}", -y)
    } else {
        format!("{y:04}")
    }
}

/// A full calendar date `YYYY-MM-DD`; days past the month's end are clamped to it, so month
/// ends (and leap days) come up often.
fn full_date() -> impl Strategy<Value = String> {
    let general = (year(), 1u32..=12, 1u32..=31).prop_map(|(y, m, d)| (y, m, d.min(days_in_month(y, m))));
    let leap =
        prop::sample::select(vec![(2000, 2, 29), (2020, 2, 29), (2024, 2, 29), (1600, 2, 29), (0, 2, 29), (-4, 2, 29)]);
    prop_oneof![4 => general, 1 => leap].prop_map(|(y, m, d)| format!("{}-{m:02}-{d:02}", format_year(y)))
}

/// A FHIR `date` at year, month or day precision.
fn date() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => year().prop_map(format_year),
        1 => (year(), 1u32..=12).prop_map(|(y, m)| format!("{}-{m:02}", format_year(y))),
        3 => full_date(),
    ]
}

/// `hh:mm:ss(.f+)?`, including the leap second.
fn time() -> impl Strategy<Value = String> {
    let second = prop_oneof![10 => 0u32..=59, 1 => Just(60u32)];
    (0u32..=23, 0u32..=59, second, prop::option::weighted(0.4, "[0-9]{1,12}")).prop_map(|(h, m, s, f)| match f {
        Some(f) => format!("{h:02}:{m:02}:{s:02}.{f}"),
        None => format!("{h:02}:{m:02}:{s:02}"),
    })
}

/// `Z` or `±hh:mm` up to `±14:00`.
fn zone() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => Just("Z".to_string()),
        3 => (prop::sample::select(vec!['+', '-']), 0u32..=13, 0u32..=59).prop_map(|(s, h, m)| format!("{s}{h:02}:{m:02}")),
        1 => prop::sample::select(vec!["+14:00", "-14:00", "-12:00", "+00:00", "-00:00", "+05:30", "+13:59"]).prop_map(String::from),
    ]
}

fn instant() -> impl Strategy<Value = String> {
    (full_date(), time(), zone()).prop_map(|(d, t, z)| format!("{d}T{t}{z}"))
}

fn date_time() -> impl Strategy<Value = String> {
    prop_oneof![1 => date(), 1 => instant()]
}

// ----- rendering -----

/// How [`render`] writes JSON text. Derived from one number so a failing case names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style(pub u64);

impl Style {
    pub fn strategy() -> impl Strategy<Value = Style> {
        prop_oneof![2 => Just(Style(0)), 3 => any::<u64>().prop_map(Style)]
    }

    /// The whitespace written between tokens (none when compact).
    fn whitespace(self) -> &'static str {
        ["", "", " ", "\n  ", "\t", "\r\n", " \n\t "][(self.0 & 7) as usize % 7]
    }

    /// 0: escape only what JSON requires; 1: also every non-ASCII character as `\u`; 2: also
    /// some other characters at random (`\/`, `\u0041`), keys included.
    fn escaping(self) -> u64 {
        (self.0 >> 3) % 3
    }
}

/// Writes `v` as JSON text in the given style. Member order is kept as generated.
pub fn render(v: &Json, style: Style) -> String {
    let mut r = Renderer { out: String::new(), style, counter: style.0 };
    r.value(v);
    r.out
}

struct Renderer {
    out: String,
    style: Style,
    counter: u64,
}

impl Renderer {
    /// A pseudo-random number, deterministic in the style.
    fn next(&mut self) -> u64 {
        // splitmix64
        self.counter = self.counter.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.counter;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn ws(&mut self) {
        let ws = self.style.whitespace();
        self.out.push_str(ws);
    }

    fn value(&mut self, v: &Json) {
        match v {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => self.out.push_str(n),
            Value::String(s) => self.string(s),
            Value::Array(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.ws();
                    self.value(item);
                }
                self.ws();
                self.out.push(']');
            }
            Value::Object(members) => {
                self.out.push('{');
                for (i, (k, item)) in members.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.ws();
                    self.string(k);
                    self.ws();
                    self.out.push(':');
                    self.ws();
                    self.value(item);
                }
                self.ws();
                self.out.push('}');
            }
        }
    }

    fn unicode_escape(&mut self, c: char) {
        let upper = self.next() % 2 == 0;
        let mut units = [0u16; 2];
        for u in c.encode_utf16(&mut units) {
            if upper {
                let _ = write!(self.out, "\\u{:04X}", u);
            } else {
                let _ = write!(self.out, "\\u{:04x}", u);
            }
        }
    }

    fn string(&mut self, s: &str) {
        let level = self.style.escaping();
        self.out.push('"');
        for c in s.chars() {
            let random = level == 2 && self.next() % 4 == 0;
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' if !random => self.out.push_str("\\n"),
                '\r' if !random => self.out.push_str("\\r"),
                '\t' if !random => self.out.push_str("\\t"),
                '\u{8}' if !random => self.out.push_str("\\b"),
                '\u{c}' if !random => self.out.push_str("\\f"),
                '/' if random => self.out.push_str("\\/"),
                c if (c as u32) < 0x20 => self.unicode_escape(c),
                c if random || (level >= 1 && !c.is_ascii()) => self.unicode_escape(c),
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }
}
