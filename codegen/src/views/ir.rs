//! The view stage's intermediate representation: plain data describing the views to generate,
//! printed by its `Display` impl for snapshot tests and `bluebutton-codegen check --views`.
//! Built by [`super::resolve`] (where every Blue Button decision is taken), turned into Rust by
//! [`emit`](mod@super::emit). Nothing here knows about tokens.
//!
//! A [`View`] is one profile (a claim type, Patient, Coverage) with a [`LevelView`] per level
//! it has fields on (the resource, its lines, ...). Each level has an [`Accessor`] per field
//! (or family of variables at one place); an accessor reads one or more [`Place`]s, each a
//! path of [`PathStep`]s resolved against the type IR (which Rust field each step reads, how,
//! and which entries its filters select), and returns a [`Returns`] chosen by a
//! [`ReturnRule`]. The [`FieldInfo`]s are the statics describing every field, and the
//! [`Dispatch`] is the per-claim-type data behind the claim view and line enums.
use std::fmt;

use crate::catalog::Level;

/// Everything the view emitter writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Views {
    /// One per profile: the claim types in the table's order, then Patient and Coverage.
    pub views: Vec<View>,
    /// The `FieldInfo` statics, sorted by name.
    pub infos: Vec<FieldInfo>,
    /// The claim types' dispatch, when the table has claim types.
    pub dispatch: Option<Dispatch>,
    /// The rustdoc of the items every view (and the dispatch) has.
    pub docs: Docs,
}

/// The rustdoc of the items every view and the dispatch have, in the project's words (each
/// line with its leading space).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Docs {
    /// A level's `FIELDS`: every field it can have.
    pub field_list: String,
    /// A level's `fields()`: the fields present.
    pub fields: String,
    /// The root view's `all_fields()`: the fields present at every level, one line each.
    pub all_fields: Vec<String>,
    /// The claim view enum's `all_fields()`.
    pub claim_all_fields: String,
    /// The cost role enum, one line each.
    pub cost_roles: Vec<String>,
    /// The module of the `FieldInfo` statics, one line each.
    pub field_statics: Vec<String>,
}

/// One profile's views.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// The prefix of its level views' names (`Carrier`, `BeneficiaryPatient`).
    pub prefix: String,
    /// The resource it reads (`ExplanationOfBenefit`).
    pub resource: String,
    /// The claim type, for a claim view.
    pub claim_type: Option<ClaimOf>,
    /// The resource, then each repeating element the profile has fields on.
    pub levels: Vec<LevelView>,
}

/// The claim type of a claim view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimOf {
    /// The Rust variant of the claim type (`Carrier`).
    pub variant: String,
    /// Its name in the data dictionary (`Carrier`, `DME`), which selects its fields.
    pub dictionary: String,
    /// Its IG profile.
    pub profile: String,
}

/// The view type of one level: a newtype over the model struct of that level.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelView {
    pub level: Level,
    /// The view type (`CarrierClaim`, `CarrierLine`).
    pub name: String,
    /// The model struct it wraps (`ExplanationOfBenefit`, `ExplanationOfBenefitItem`).
    pub target: String,
    /// Its rustdoc (one line, with its leading space).
    pub doc: String,
    /// Whether it lists the fields of every level (`all_fields`): the root view does.
    pub lists_all: bool,
    /// The views of the other levels, as the root view lists their entries.
    pub children: Vec<Child>,
    /// Sorted by name.
    pub accessors: Vec<Accessor>,
    /// For a claim view: the accessors of its cost variables at this level, in the table's
    /// order.
    pub costs: Vec<Cost>,
}

/// How the root view lists the entries of another level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Child {
    /// The method (`lines`).
    pub method: String,
    /// The level's view type (`CarrierLine`).
    pub view: String,
    /// The Rust field of the root struct holding the entries (`item`).
    pub field: String,
    /// The FHIR element (`item`), as the located fields report it.
    pub element: String,
    pub doc: String,
}

/// One accessor: a field, or several variables at one place (a family such as the diagnosis
/// codes), read from one or more places.
#[derive(Debug, Clone, PartialEq)]
pub struct Accessor {
    /// The method (`carr_line_prvdr_type_cd`); a `…_placed` twin exists when it reads several
    /// places.
    pub name: String,
    /// The variables it reads (one, or a family).
    pub variables: Vec<String>,
    /// Its rustdoc, one line per `\n`, each with its leading space.
    pub doc: String,
    /// The rustdoc of the `…_placed` twin, when it reads several places.
    pub placed_doc: Option<String>,
    /// The name of its `FieldInfo` static.
    pub info: String,
    /// What it returns: one value (an `Option`), or each item of an iterator when
    /// [`repeats`](Self::repeats).
    pub returns: Returns,
    pub repeats: bool,
    /// The current place, then the older ones that differ from it, read in this order.
    pub places: Vec<Place>,
}

/// One place an accessor reads: a path from the level's struct, and how far the value is
/// read along it.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// The FHIRPath-like location (`ExplanationOfBenefit.item.extension(url='…').valueCoding.code`).
    pub location: String,
    pub path: Vec<PathStep>,
    /// How many steps of `path` the value is read through: all, or all but the leaf when the
    /// accessor returns the struct holding it ([`ReturnRule`]).
    pub read: usize,
    pub returns: Returns,
    pub rule: ReturnRule,
    /// Whether the place gives several values.
    pub repeats: bool,
}

/// One step of a path, resolved against the type IR.
#[derive(Debug, Clone, PartialEq)]
pub struct PathStep {
    /// The JSON element name (`extension`, `valueCoding`).
    pub name: String,
    /// How the Rust field is read.
    pub access: Access,
    /// Whether the element repeats.
    pub many: bool,
    /// The Rust type of what the step gives (`Extension`, `Coding`, `Code`).
    pub ty: String,
    /// The runtime's description of the step's filters (`PathFilter`s).
    pub filters: Vec<PathFilter>,
    /// The predicates that select entries, in order.
    pub selects: Vec<Select>,
    /// Whether the path gives several values after this step.
    pub repeats: bool,
}

/// How one step reads a field of the struct before it. `field` is the field as reached from
/// the struct (`Field::member`): `version`, or `rare.version` for one in its rare part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// An optional field (a struct, or a primitive without an element form): borrowed, through
    /// its box when `boxed`.
    One { field: String, boxed: bool },
    /// A repeating struct field: each entry.
    Each { field: String },
    /// An optional primitive element: its value.
    Value { field: String },
    /// A repeating primitive element: each value.
    EachValue { field: String },
    /// Contained resources: those that are of one type, by the resource enum's method `as_fn`.
    Resource { field: String, as_fn: String },
    /// One type of a choice: the struct of `enum_name::variant`, through its box when `boxed`.
    Choice { field: String, enum_name: String, variant: String, boxed: bool },
    /// One primitive type of a choice: the value of `enum_name::variant`.
    ChoiceValue { field: String, enum_name: String, variant: String },
}

/// A predicate selecting the entries of a repeating element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Select {
    /// An extension whose `url` is `prefix`, a year, then `suffix`.
    UrlWithYear { prefix: String, suffix: String },
    /// An extension with this `url`.
    Url(String),
    /// A Coding or Identifier with this `system`.
    System(String),
    /// An entry whose field `field` (one boxed struct when `boxed_one`, else an iterable) has a
    /// coding with this code (and system, when given).
    Coded { field: String, boxed_one: bool, code: String, system: Option<String> },
    /// An entry carrying an extension with this `url` (and `valueCoding` code).
    HasExtension { url: String, code: Option<String> },
}

/// The runtime's description of a filter (`PathFilter`), as `FieldInfo` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathFilter {
    Url(String),
    System(String),
    /// `many`: whether `element` repeats.
    Coded {
        element: String,
        many: bool,
        code: String,
        system: Option<String>,
    },
    ResourceType(String),
    HasExtension {
        url: String,
        code: Option<String>,
    },
}

/// The Rust type an accessor gives (one value, or each item of its iterator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Returns {
    /// The code decoded into the variable's code enum (`Coded<'a, E>`).
    Coded { enum_name: String },
    /// A borrowed struct (`&'a Money<'a>`).
    Struct { name: String },
    /// A borrowed primitive, with a lifetime when it borrows text (`&'a Date<'a>`,
    /// `&'a PositiveInt`).
    Primitive { rust: String, lifetime: bool },
}

/// Why an accessor returns what it does (the rules are in [`super::resolve`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnRule {
    /// A `code` of a variable with a code enum: the decoded code.
    CodeEnum,
    /// A `code` of a Coding: the Coding (code, display and system together).
    CodingOfCode,
    /// A `value` of a quantity-like struct or an Identifier: the struct (amount and currency,
    /// value and system together).
    OwnerOfValue,
    /// Anything else: what the path ends at.
    Leaf,
}

/// A cost variable of a claim type at one level, read by its accessor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cost {
    /// The cost role (`MedicarePaid`).
    pub role: String,
    /// The accessor giving the amount.
    pub accessor: String,
    /// The field's `FieldInfo` static.
    pub info: String,
}

/// The static describing one field (`FieldInfo`).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldInfo {
    /// The static's name (`FIELD_EXPLANATION_OF_BENEFIT_LINE_LINE_NCH_PMT_AMT`).
    pub name: String,
    /// The variable, or for a family the accessor's name.
    pub variable: String,
    pub variables: Vec<String>,
    pub label: String,
    pub resource: String,
    /// The level's element (`item`; empty for the resource).
    pub level: String,
    pub location: String,
    /// The bluebutton URL identifying the field (empty when none does).
    pub url: String,
    pub urls: Vec<String>,
    /// The claim types (or Coverage parts) the field applies to.
    pub applies_to: Vec<String>,
    /// The current path.
    pub path: Vec<PathStep>,
    /// Whether the current server sends the field.
    pub current: bool,
    pub older: Vec<OlderPlacement>,
}

/// Where older server versions sent a field.
#[derive(Debug, Clone, PartialEq)]
pub struct OlderPlacement {
    pub location: String,
    pub versions: Vec<String>,
    pub evidence: String,
    pub path: Vec<PathStep>,
}

/// The claim types' dispatch: the cost roles, and for each claim type its views, level field
/// lists and cost accessors.
#[derive(Debug, Clone, PartialEq)]
pub struct Dispatch {
    /// The claim resource (`ExplanationOfBenefit`) and its line struct.
    pub resource: String,
    pub line_struct: String,
    /// The rustdoc of the claim view enum.
    pub view_doc: String,
    /// The struct the `cost(role)` methods return (`Money`).
    pub amount: String,
    /// The cost roles (`MedicarePaid`) and their rustdoc, in the table's order.
    pub roles: Vec<(String, String)>,
    /// In the table's order.
    pub claims: Vec<ClaimDispatch>,
}

/// One claim type in the dispatch.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimDispatch {
    pub variant: String,
    /// The rustdoc of its variant of the claim view enum.
    pub doc: String,
    pub root_view: String,
    pub root_costs: Vec<Cost>,
    /// Its line view, when it has lines.
    pub line: Option<LineDispatch>,
    /// The field list of each level slot (`root`, `line`, ...), with the view that has it
    /// (`None`: the claim type has no such level).
    pub fields: Vec<(String, Option<String>)>,
}

/// The line view of a claim type in the dispatch.
#[derive(Debug, Clone, PartialEq)]
pub struct LineDispatch {
    pub view: String,
    /// The rustdoc of its variant of the line enum.
    pub doc: String,
    pub costs: Vec<Cost>,
}

impl Returns {
    /// The Rust type, as the listing and the problems write it.
    pub fn label(&self) -> String {
        match self {
            Returns::Coded { enum_name } => format!("Coded<'a, {enum_name}>"),
            Returns::Struct { name } => format!("&'a {name}<'a>"),
            Returns::Primitive { rust, lifetime: true } => format!("&'a {rust}<'a>"),
            Returns::Primitive { rust, lifetime: false } => format!("&'a {rust}"),
        }
    }
}

impl fmt::Display for Views {
    /// A compact listing: each view and level with its accessors (name, variables, return
    /// type and rule, each place's resolved steps), the field statics, then the dispatch.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for view in &self.views {
            write!(f, "view {} on {}", view.prefix, view.resource)?;
            if let Some(ct) = &view.claim_type {
                write!(f, " (claim type {} `{}`, {})", ct.variant, ct.dictionary, ct.profile)?;
            }
            writeln!(f)?;
            for level in &view.levels {
                write_level(f, level)?;
            }
        }
        for info in &self.infos {
            write_info(f, info)?;
        }
        if let Some(d) = &self.dispatch {
            write_dispatch(f, d)?;
        }
        Ok(())
    }
}

fn write_level(f: &mut fmt::Formatter<'_>, level: &LevelView) -> fmt::Result {
    let at = if level.level == Level::Root { "root" } else { level.level.element() };
    writeln!(f, "  level {at}: {} over {}", level.name, level.target)?;
    for c in &level.children {
        writeln!(f, "    child {}() -> {} over .{} ({})", c.method, c.view, c.field, c.element)?;
    }
    for a in &level.accessors {
        let each = if a.repeats { "each " } else { "" };
        write!(f, "    fn {}() -> {each}{}", a.name, a.returns.label())?;
        if a.variables.len() > 1 || a.variables.first() != Some(&a.name) {
            write!(f, " [{}]", a.variables.join(", "))?;
        }
        writeln!(f, " {}", a.info)?;
        for (i, place) in a.places.iter().enumerate() {
            let which = if i == 0 { "at" } else { "or" };
            writeln!(
                f,
                "      {which} {} ({:?}, read {}/{})",
                place.location,
                place.rule,
                place.read,
                place.path.len()
            )?;
            for step in &place.path {
                writeln!(f, "        {}", step_line(step))?;
            }
        }
    }
    for c in &level.costs {
        writeln!(f, "    cost {} = {}() {}", c.role, c.accessor, c.info)?;
    }
    Ok(())
}

/// One resolved step: `element: rust access -> type`, whether the element repeats, what
/// selects its entries, and whether the path gives several values from here on. Accesses
/// read: `.f` a field, `.f(box)` through its box, `.f[..]` each entry, `.f.value` a
/// primitive's value, `.f as E::V` one type of a choice.
fn step_line(step: &PathStep) -> String {
    let access = match &step.access {
        Access::One { field, boxed: true } => format!(".{field}(box)"),
        Access::One { field, boxed: false } => format!(".{field}"),
        Access::Each { field } => format!(".{field}[..]"),
        Access::Value { field } => format!(".{field}.value"),
        Access::EachValue { field } => format!(".{field}[..].value"),
        Access::Resource { field, as_fn } => format!(".{field}[..].{as_fn}()"),
        Access::Choice { field, enum_name, variant, boxed } => {
            format!(".{field} as {enum_name}::{variant}{}", if *boxed { "(box)" } else { "" })
        }
        Access::ChoiceValue { field, enum_name, variant } => format!(".{field} as {enum_name}::{variant}.value"),
    };
    let mut line = format!("{}: {access} -> {}", step.name, step.ty);
    if step.many {
        line.push_str(", many");
    }
    let mut selects: Vec<String> = step
        .selects
        .iter()
        .map(|s| match s {
            Select::UrlWithYear { prefix, suffix } => format!("url={prefix}<year>{suffix}"),
            Select::Url(u) => format!("url={u}"),
            Select::System(s) => format!("system={s}"),
            Select::Coded { field, boxed_one, code, system } => format!(
                ".{field}{} has {}{code}",
                if *boxed_one { "(box)" } else { "" },
                system.as_deref().map(|s| format!("{s}|")).unwrap_or_default()
            ),
            Select::HasExtension { url, code } => {
                format!("extension {url}{}", code.as_deref().map(|c| format!("={c}")).unwrap_or_default())
            }
        })
        .collect();
    selects.extend(step.filters.iter().filter_map(|p| match p {
        PathFilter::ResourceType(t) => Some(format!("resourceType={t}")),
        _ => None,
    }));
    if !selects.is_empty() {
        line.push_str(&format!(", where {}", selects.join(" and ")));
    }
    if step.repeats {
        line.push_str(" (repeats)");
    }
    line
}

fn write_info(f: &mut fmt::Formatter<'_>, info: &FieldInfo) -> fmt::Result {
    writeln!(
        f,
        "info {} {} `{}` [{}] {}{}",
        info.name,
        info.variable,
        info.label,
        info.applies_to.join(","),
        info.location,
        if info.current { "" } else { " (older servers only)" }
    )?;
    if info.variables.len() > 1 {
        writeln!(f, "  variables {}", info.variables.join(", "))?;
    }
    if !info.url.is_empty() {
        writeln!(f, "  url {}", info.url)?;
    }
    for older in &info.older {
        writeln!(f, "  older [{}] {} ({} steps)", older.versions.join(","), older.location, older.path.len())?;
    }
    Ok(())
}

fn write_dispatch(f: &mut fmt::Formatter<'_>, d: &Dispatch) -> fmt::Result {
    let roles: Vec<&str> = d.roles.iter().map(|(r, _)| r.as_str()).collect();
    writeln!(f, "dispatch over {} (lines {}), roles {}", d.resource, d.line_struct, roles.join(" "))?;
    for c in &d.claims {
        write!(f, "  {} -> {}", c.variant, c.root_view)?;
        if let Some(line) = &c.line {
            write!(f, ", line {}", line.view)?;
        }
        writeln!(f)?;
        let costs =
            c.root_costs.iter().map(|x| ("root", x)).chain(c.line.iter().flat_map(|l| &l.costs).map(|x| ("line", x)));
        for (at, cost) in costs {
            writeln!(f, "    cost {at} {} = {}()", cost.role, cost.accessor)?;
        }
        let slots: Vec<String> =
            c.fields.iter().map(|(slot, view)| format!("{slot}={}", view.as_deref().unwrap_or("-"))).collect();
        writeln!(f, "    fields {}", slots.join(" "))?;
    }
    Ok(())
}
