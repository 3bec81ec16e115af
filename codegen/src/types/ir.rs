//! The type stage's intermediate representation: plain data describing the Rust types to
//! generate, printed by its `Display` impl for snapshot tests. Built by [`super::resolve`],
//! laid out by [`super::layout`], turned into Rust by [`super::emit`]. Nothing here knows
//! about tokens.
use std::fmt;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// The FHIR primitive types and the Rust types that hold their values.
pub const PRIMITIVES: &[(&str, &str)] = &[
    ("base64Binary", "Base64Binary"),
    ("boolean", "bool"),
    ("code", "Code"),
    ("date", "Date"),
    ("dateTime", "DateTime"),
    ("decimal", "Decimal"),
    ("id", "Id"),
    ("instant", "Instant"),
    ("integer", "Integer"),
    ("markdown", "Markdown"),
    ("oid", "Oid"),
    ("positiveInt", "PositiveInt"),
    ("string", "FhirString"),
    ("time", "Time"),
    ("unsignedInt", "UnsignedInt"),
    ("uri", "Uri"),
    ("uuid", "Uuid"),
    ("xhtml", "Xhtml"),
];

/// The Rust type of a FHIR primitive, if `code` is one.
pub fn primitive_rust_type(code: &str) -> Option<&'static str> {
    PRIMITIVES.iter().find(|(f, _)| *f == code).map(|(_, r)| *r)
}

/// Whether a primitive's Rust type borrows text (and so takes a lifetime).
pub fn primitive_has_lifetime(rust: &str) -> bool {
    !matches!(rust, "bool" | "Integer" | "UnsignedInt" | "PositiveInt")
}

/// Everything to generate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Model {
    /// Structs, grouped by the datatype or resource that owns them, in a stable order.
    pub structs: Vec<Struct>,
    /// Datatypes that only constrain another (`Money` is a `Quantity`): type aliases.
    pub aliases: Vec<Alias>,
    /// Concrete resource types (the variants of the `Resource` enum), sorted.
    pub resources: Vec<String>,
    /// Profiles and extension definitions of the IG: what each one constrains.
    pub profiles: Vec<Profile>,
}

/// A profile (or extension definition): the constraints its differential puts on a base type.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    pub url: String,
    /// The constrained type (`ExplanationOfBenefit`, `Extension`).
    pub base_type: String,
    pub constraints: Vec<Constraint>,
}

/// One differential element of a profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// The element id (`ExplanationOfBenefit.extension:carrier-prpayamt-extension`).
    pub id: String,
    pub path: String,
    pub slice_name: Option<String>,
    pub min: Option<u32>,
    pub max: Option<String>,
    /// Type codes, with the profile they must follow when one is given (`Extension(<url>)`).
    pub types: Vec<String>,
    /// `fixed[x]`/`pattern[x]`: the property name and the value as compact JSON.
    pub fixed: Option<(String, String)>,
    pub binding: Option<BindingIr>,
    /// Slicing discriminators (`value:url`) and rules.
    pub slicing: Option<String>,
}

/// `pub type Money<'a> = Quantity<'a>;`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub name: String,
    pub target: String,
}

/// What a struct stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructKind {
    Datatype,
    Resource,
    /// A backbone element (a nested, unnamed type) of a datatype or resource.
    Backbone,
}

/// One generated struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    /// The Rust name (`ExplanationOfBenefitItem`).
    pub name: String,
    /// The FHIR path it models (`ExplanationOfBenefit.item`).
    pub path: String,
    /// The datatype or resource it belongs to (`ExplanationOfBenefit`).
    pub owner: String,
    pub kind: StructKind,
    pub fields: Vec<Field>,
}

/// Upper cardinality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Max {
    One,
    Many,
}

/// One field (element) of a struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The JSON property name (`birthDate`; for choices the stem, `value`).
    pub json_name: String,
    /// The Rust field name (`birth_date`, `type_`).
    pub rust_name: String,
    /// The element path (`Patient.birthDate`, `Extension.value[x]`).
    pub path: String,
    pub min: u32,
    pub max: Max,
    pub ty: FieldType,
    pub binding: Option<BindingIr>,
    pub is_modifier: bool,
    pub is_summary: bool,
    /// An array of structs that holds a single element inline (`InlineVec<T>`), for the arrays
    /// that nearly always hold exactly one ([`INLINE_FIRST_ARRAYS`](super::layout::INLINE_FIRST_ARRAYS)).
    pub inline_first: bool,
    /// Held in the struct's rare part (its [`RARE_FIELD`], which also holds the lenient
    /// parse's `unknown`), allocated only when one of its members is present: the server sends it in fewer than one instance in
    /// [`RARE_ONE_IN`](super::layout::RARE_ONE_IN) (`Model::hold_rare_members`).
    pub rare: bool,
}

impl Field {
    /// The field as reached from its struct: `version`, or `rare.version` when it is held in
    /// the rare part.
    pub fn member(&self) -> String {
        if self.rare {
            format!("{RARE_FIELD}.{}", self.rust_name)
        } else {
            self.rust_name.clone()
        }
    }
}

impl Struct {
    /// Whether some of its fields are held in a rare part.
    pub fn has_rare(&self) -> bool {
        self.fields.iter().any(|f| f.rare)
    }

    /// The name of its rare part's struct (`CodingRare`).
    pub fn rare_name(&self) -> String {
        format!("{}Rare", self.name)
    }

    /// Where it keeps the properties a lenient parse kept: `unknown`, or `rare.unknown` when
    /// it has a rare part (valid data has none).
    pub fn unknown_member(&self) -> String {
        if self.has_rare() {
            format!("{RARE_FIELD}.unknown")
        } else {
            "unknown".into()
        }
    }
}

/// The terminology binding of a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindingIr {
    pub strength: String,
    pub value_set: Option<String>,
}

/// The type of a field.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldType {
    Single(TypeRef),
    /// A `[x]` element: one of several types, one JSON property per type.
    Choice {
        enum_name: String,
        variants: Vec<ChoiceVariant>,
    },
}

/// One type of a choice element.
#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceVariant {
    /// The enum variant (`CodeableConcept`).
    pub variant: String,
    /// The JSON property (`valueCodeableConcept`).
    pub json_name: String,
    pub ty: TypeRef,
}

/// A reference to a type, as a field or choice variant holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    /// A primitive: its FHIR code and Rust type; `plain` when it has no `_name` sibling
    /// (XML attributes such as element ids and `Extension.url`, and the narrative div).
    Primitive { fhir: String, rust: String, plain: bool },
    /// A datatype or backbone struct, boxed where it would otherwise contain itself.
    Struct { rust: String, boxed: bool },
    /// Any resource (the `Resource` enum).
    Resource,
}

/// A failure to build the IR: a definition the generator does not understand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IrError(pub String);

impl fmt::Display for IrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for IrError {}

/// Rust keywords that FHIR uses as element names; they get a trailing `_`.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "box", "break", "const", "continue", "crate", "do", "dyn", "else", "enum",
    "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move",
    "mut", "override", "priv", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "try",
    "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// The field of a struct that holds its rare part.
pub const RARE_FIELD: &str = "rare";

/// Field names the generator itself uses in every struct.
pub const RESERVED_FIELDS: &[&str] = &["unknown", RARE_FIELD];

/// The Rust field name for a FHIR element name.
pub fn rust_field_name(json: &str) -> String {
    let snake = json.to_snake_case();
    if KEYWORDS.contains(&snake.as_str()) || RESERVED_FIELDS.contains(&snake.as_str()) {
        format!("{snake}_")
    } else {
        snake
    }
}

/// The Rust struct name for an element path (`ExplanationOfBenefit.item.detail` →
/// `ExplanationOfBenefitItemDetail`).
pub fn struct_name(path: &str) -> String {
    path.split('.').map(|s| s.to_upper_camel_case()).collect()
}

pub(crate) fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl fmt::Display for Model {
    /// A compact, line-per-field listing for snapshot tests and review.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for a in &self.aliases {
            writeln!(f, "alias {} = {}", a.name, a.target)?;
        }
        writeln!(f, "resources: {}", self.resources.join(", "))?;
        for s in &self.structs {
            writeln!(f, "{:?} {} ({})", s.kind, s.name, s.path)?;
            for field in &s.fields {
                let card = format!("{}..{}", field.min, if field.max == Max::One { "1" } else { "*" });
                let ty = match &field.ty {
                    FieldType::Single(t) => type_label(t),
                    FieldType::Choice { enum_name, variants } => format!(
                        "{enum_name}{{{}}}",
                        variants
                            .iter()
                            .map(|v| format!("{}:{}", v.json_name, type_label(&v.ty)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                let binding = field
                    .binding
                    .as_ref()
                    .map(|b| format!(" [{} {}]", b.strength, b.value_set.as_deref().unwrap_or("-")))
                    .unwrap_or_default();
                let rare = if field.rare { " (rare)" } else { "" };
                writeln!(f, "  {} {} {card} {ty}{binding}{rare}", field.json_name, field.rust_name)?;
            }
        }
        for p in &self.profiles {
            writeln!(f, "Profile {} on {} ({})", p.name, p.base_type, p.url)?;
            for c in &p.constraints {
                let card = match (c.min, &c.max) {
                    (None, None) => String::new(),
                    (min, max) => format!(
                        " {}..{}",
                        min.map_or("_".to_string(), |m| m.to_string()),
                        max.as_deref().unwrap_or("_")
                    ),
                };
                write!(f, "  {}{card}", c.id)?;
                if !c.types.is_empty() {
                    write!(f, " {}", c.types.join("|"))?;
                }
                if let Some((k, v)) = &c.fixed {
                    write!(f, " {k}={v}")?;
                }
                if let Some(b) = &c.binding {
                    write!(f, " [{} {}]", b.strength, b.value_set.as_deref().unwrap_or("-"))?;
                }
                if let Some(s) = &c.slicing {
                    write!(f, " sliced by {s}")?;
                }
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

fn type_label(t: &TypeRef) -> String {
    match t {
        TypeRef::Primitive { fhir, plain: true, .. } => format!("{fhir}(plain)"),
        TypeRef::Primitive { fhir, .. } => fhir.clone(),
        TypeRef::Struct { rust, boxed: true } => format!("Box<{rust}>"),
        TypeRef::Struct { rust, .. } => rust.clone(),
        TypeRef::Resource => "Resource".into(),
    }
}
