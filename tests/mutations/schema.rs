//! What each JSON value of a sample is, read from the project's definitions (the IR the model is
//! generated from), so that mutations know their sites' types and cardinalities and can name
//! their exact location.
//!
//! [`Schema::walk`] visits a resource's JSON tree and lists:
//! - every typed value ([`ValueSite`]: a member's value or an array item), with its FHIR type;
//! - every member ([`MemberSite`]) with the cardinality of its element;
//! - every object ([`ObjectSite`]) with its struct, so that absent or required elements are known.
//!
//! Locations are FHIRPath-style: the root resource type, then the JSON path with `[i]` indexes
//! (`Bundle.entry[3].resource.item[0].quantity.value`).
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use bluebutton::json::Value;
use bluebutton_codegen::definitions::Definitions;
use bluebutton_codegen::types::ir::{Field, FieldType, Max, Model, Struct, TypeRef};

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// The FHIR type of a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A primitive (`code`, `decimal`...); `required_vs` is the value set of a required binding
    /// that the project's terminology defines.
    Primitive { fhir: String, plain: bool, required_vs: Option<String> },
    /// A datatype or backbone element: the IR struct's name.
    Struct(String),
    /// A resource (its `resourceType`).
    Resource(String),
}

/// A typed value: the value of a member or an item of an array member (not the root).
#[derive(Debug, Clone)]
pub struct ValueSite {
    pub path: Vec<Seg>,
    pub loc: String,
    pub kind: Kind,
}

/// A member of an object that the definitions know.
#[derive(Debug, Clone)]
pub struct MemberSite {
    /// The object's path.
    pub object: Vec<Seg>,
    pub key: String,
    pub loc: String,
    pub max_one: bool,
    pub choice: bool,
    pub is_array: bool,
    /// A `_key` sibling (primitive extensions) is present.
    pub has_side: bool,
}

/// An object: a datatype, backbone element or resource.
#[derive(Debug, Clone)]
pub struct ObjectSite {
    pub path: Vec<Seg>,
    pub loc: String,
    pub struct_name: String,
    /// `Some(type)` for resources.
    pub resource: Option<String>,
    /// The path of the resource the object belongs to (its own for a resource).
    pub resource_path: Vec<Seg>,
    /// The member keys present.
    pub keys: Vec<String>,
}

/// Everything one walk found.
#[derive(Debug, Default)]
pub struct Walk {
    pub values: Vec<ValueSite>,
    pub members: Vec<MemberSite>,
    pub objects: Vec<ObjectSite>,
}

/// The IR, indexed.
pub struct Schema {
    pub model: Model,
    structs: BTreeMap<String, usize>,
    resources: BTreeMap<String, usize>,
    /// ValueSet URLs the project's terminology (`coding-systems/`) defines.
    value_sets: BTreeSet<String>,
}

impl Schema {
    /// Loads the definitions from the workspace root (where the model's build script reads them).
    pub fn load(root: &Path) -> Schema {
        let defs = Definitions::load(root).unwrap_or_else(|e| panic!("loading definitions: {e}"));
        let model = Model::build(&defs).unwrap_or_else(|e| panic!("building the IR: {e}"));
        let structs = model.structs.iter().enumerate().map(|(i, s)| (s.name.clone(), i)).collect();
        let resources = model
            .structs
            .iter()
            .enumerate()
            .filter(|(_, s)| model.resources.contains(&s.path))
            .map(|(i, s)| (s.path.clone(), i))
            .collect();
        Schema { model, structs, resources, value_sets: value_sets(&root.join("coding-systems")) }
    }

    pub fn struct_named(&self, name: &str) -> &Struct {
        &self.model.structs[*self.structs.get(name).unwrap_or_else(|| panic!("no struct {name}"))]
    }

    pub fn resource(&self, resource_type: &str) -> Option<&Struct> {
        self.resources.get(resource_type).map(|&i| &self.model.structs[i])
    }

    /// The field of `st` that JSON member `key` belongs to, and the type of that member.
    pub fn field<'s>(&'s self, st: &'s Struct, key: &str) -> Option<(&'s Field, &'s TypeRef)> {
        st.fields.iter().find_map(|f| match &f.ty {
            FieldType::Single(t) => (f.json_name == key).then_some((f, t)),
            FieldType::Choice { variants, .. } => variants.iter().find(|v| v.json_name == key).map(|v| (f, &v.ty)),
        })
    }

    /// The kind of a value of type `ty` held by `field`.
    pub fn kind_of(&self, field: &Field, ty: &TypeRef, value: &Value<'_>) -> Kind {
        match ty {
            TypeRef::Primitive { fhir, plain, .. } => {
                let required_vs = field
                    .binding
                    .as_ref()
                    .filter(|b| b.strength == "required")
                    .and_then(|b| b.value_set.clone())
                    .filter(|vs| self.value_sets.contains(vs));
                Kind::Primitive { fhir: fhir.clone(), plain: *plain, required_vs }
            }
            TypeRef::Struct { rust, .. } => Kind::Struct(rust.clone()),
            TypeRef::Resource => Kind::Resource(resource_type(value).unwrap_or_default().to_string()),
        }
    }

    /// Walks a whole resource.
    pub fn walk(&self, root: &Value<'_>) -> Walk {
        let rt = resource_type(root).expect("a sample is a resource").to_string();
        let mut walk = Walk::default();
        self.walk_value(root, &Kind::Resource(rt.clone()), &mut Vec::new(), &rt, &[], &mut walk);
        walk
    }

    fn walk_value(
        &self,
        value: &Value<'_>,
        kind: &Kind,
        path: &mut Vec<Seg>,
        loc: &str,
        resource_path: &[Seg],
        out: &mut Walk,
    ) {
        if !path.is_empty() {
            out.values.push(ValueSite { path: path.clone(), loc: loc.to_string(), kind: kind.clone() });
        }
        let Value::Object(members) = value else { return };
        let (st, resource) = match kind {
            Kind::Primitive { .. } => return,
            Kind::Struct(name) => (self.struct_named(name), None),
            Kind::Resource(rt) => {
                (self.resource(rt).unwrap_or_else(|| panic!("{loc}: unknown resource type {rt}")), Some(rt.clone()))
            }
        };
        let resource_path = if resource.is_some() { path.clone() } else { resource_path.to_vec() };
        out.objects.push(ObjectSite {
            path: path.clone(),
            loc: loc.to_string(),
            struct_name: st.name.clone(),
            resource,
            resource_path: resource_path.clone(),
            keys: members.iter().map(|(k, _)| k.to_string()).collect(),
        });
        for (key, member) in members {
            if key == "resourceType" || key.starts_with('_') {
                continue;
            }
            let Some((field, ty)) = self.field(st, key) else {
                panic!("{loc}.{key}: not an element of {} (the samples are strict-valid)", st.path)
            };
            let member_loc = format!("{loc}.{key}");
            out.members.push(MemberSite {
                object: path.clone(),
                key: key.to_string(),
                loc: member_loc.clone(),
                max_one: field.max == Max::One,
                choice: matches!(field.ty, FieldType::Choice { .. }),
                is_array: matches!(member, Value::Array(_)),
                has_side: members.iter().any(|(k, _)| k.strip_prefix('_') == Some(key)),
            });
            path.push(Seg::Key(key.to_string()));
            match member {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if matches!(item, Value::Null) {
                            continue;
                        }
                        path.push(Seg::Index(i));
                        let kind = self.kind_of(field, ty, item);
                        self.walk_value(item, &kind, path, &format!("{member_loc}[{i}]"), &resource_path, out);
                        path.pop();
                    }
                }
                _ => {
                    let kind = self.kind_of(field, ty, member);
                    self.walk_value(member, &kind, path, &member_loc, &resource_path, out);
                }
            }
            path.pop();
        }
    }
}

impl Schema {
    /// A member for element `name` of `st` with a value its type accepts (an array of one for a
    /// repeating element): for a prohibited element, where only its presence matters.
    pub fn example_member(&self, st: &Struct, name: &str) -> Option<(String, Value<'static>)> {
        let field = st.fields.iter().find(|f| f.json_name == name)?;
        self.example_member_of(field, 0)
    }

    /// A small value of a type: its required elements, or else its first plain element.
    fn example(&self, ty: &TypeRef, depth: u32) -> Option<Value<'static>> {
        let text = |s: &str| Value::String(s.to_string().into());
        Some(match ty {
            TypeRef::Primitive { fhir, .. } => match fhir.as_str() {
                "boolean" => Value::Bool(true),
                "integer" | "positiveInt" | "unsignedInt" => Value::Number("1".into()),
                "decimal" => Value::Number("1.5".into()),
                "date" | "dateTime" => text("2020-01-01"),
                "instant" => text("2020-01-01T00:00:00Z"),
                "time" => text("10:00:00"),
                "uri" => text("https://example.org/x"),
                "oid" => text("urn:oid:1.2.3"),
                "uuid" => text("urn:uuid:c757873d-ec9a-4326-a141-556f43239520"),
                "base64Binary" => text("AAAA"),
                "xhtml" => text("<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"),
                _ => text("x"),
            },
            TypeRef::Resource => Value::Object(vec![
                ("resourceType".into(), text("Observation")),
                ("id".into(), text("example")),
                ("status".into(), text("final")),
                ("code".into(), Value::Object(vec![("text".into(), text("x"))])),
            ]),
            TypeRef::Struct { rust, .. } => {
                if depth > 4 {
                    return None;
                }
                let st = self.struct_named(rust);
                let plain = |f: &&Field| !matches!(f.json_name.as_str(), "id" | "extension" | "modifierExtension");
                let mut fields: Vec<&Field> = st.fields.iter().filter(|f| f.min >= 1).collect();
                if fields.is_empty() {
                    let first_primitive = st.fields.iter().filter(plain).find(
                        |f| matches!(&f.ty, FieldType::Single(TypeRef::Primitive { fhir, .. }) if fhir != "code"),
                    );
                    fields.extend(first_primitive.or_else(|| st.fields.iter().find(plain)));
                }
                let mut members = Vec::new();
                for f in fields {
                    let (key, value) = self.example_member_of(f, depth + 1)?;
                    members.push((key.into(), value));
                }
                Value::Object(members)
            }
        })
    }

    fn example_member_of(&self, field: &Field, depth: u32) -> Option<(String, Value<'static>)> {
        let (key, ty) = match &field.ty {
            FieldType::Single(t) => (field.json_name.clone(), t),
            FieldType::Choice { variants, .. } => {
                let v = variants.first()?;
                (v.json_name.clone(), &v.ty)
            }
        };
        let value = self.example(ty, depth)?;
        Some((key, if field.max == Max::One { value } else { Value::Array(vec![value]) }))
    }
}

/// The `resourceType` of a JSON object.
pub fn resource_type<'v>(value: &'v Value<'_>) -> Option<&'v str> {
    match value {
        Value::Object(members) => members.iter().find(|(k, _)| k == "resourceType").and_then(|(_, v)| match v {
            Value::String(s) => Some(s.as_ref()),
            _ => None,
        }),
        _ => None,
    }
}

/// The URLs of every ValueSet under `coding-systems/` (any depth).
fn value_sets(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("ValueSet-")) {
                let text = std::fs::read(&path).unwrap();
                let vs: serde_json::Value = serde_json::from_slice(&text).unwrap();
                if let Some(url) = vs.get("url").and_then(|u| u.as_str()) {
                    out.insert(url.to_string());
                }
            }
        }
    }
    out
}
