//! Catalog + type IR + claim-type table → views IR. Every Blue Button decision of the view
//! stage is taken here, as a rule that produces data:
//!
//! - **Which views** ([`beneficiary_views`], `specs`): one per claim type of the table, named
//!   after its variant, over the fields the data dictionary applies to it; then
//!   `BeneficiaryPatient` and `BeneficiaryCoverage` over every Patient and Coverage field.
//! - **Levels** ([`level_struct`], `level_view_name`, [`child_method`], [`fields_slot`]): the
//!   resource and each repeating element its fields are on, each with a view type, the root
//!   view's method listing its entries and its slot in the claim type's field lists.
//! - **One accessor per place** (`accessor_name`, `distinct_name`): variables at one place
//!   share an accessor, named after their family; a variable at two places of one level gets
//!   the second accessor named after what tells the places apart.
//! - **How many values** ([`SINGLE_UNLESS_SELECTED`]): a step into a repeating element gives
//!   several values unless a filter selects one entry, except `coding`, which is "the coding".
//! - **What is returned** ([`ReturnRule`], [`VALUE_OWNERS`]): by the leaf and the struct
//!   holding it.
//! - **Cost variables** (`costs`): each must have an accessor of its own returning one
//!   [`MONEY`].
//!
//! Fields that cannot be placed (a path that does not resolve in the model, older places that
//! return another type, names that clash) are returned as problems, one line each.
use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};

use super::ir::{
    Access, Accessor, Child, ClaimDispatch, ClaimOf, Cost, Dispatch, Docs, FieldInfo, LevelView, LineDispatch,
    OlderPlacement, PathFilter, PathStep, Place, ReturnRule, Returns, Select, View, Views,
};
use super::EnumOf;
use crate::catalog::{Catalog, Field, Filter, Level, Step};
use crate::claim_types::{ClaimType, ClaimTypes};
use crate::types::ir::{primitive_has_lifetime, rust_field_name, FieldType, Max, Model, Struct, TypeRef};

/// The views that are not claim views: (name, resource). Each reads every field of its
/// resource.
pub fn beneficiary_views() -> [(&'static str, &'static str); 2] {
    [("BeneficiaryPatient", "Patient"), ("BeneficiaryCoverage", "Coverage")]
}

/// Repeating elements that give one value when no filter selects an entry: `coding` of a
/// CodeableConcept is "the coding" of the concept.
pub const SINGLE_UNLESS_SELECTED: &[&str] = &["coding"];

/// Structs whose `value` leaf is returned as the struct itself: an amount with its currency
/// or unit, an identifier with its system.
pub const VALUE_OWNERS: &[&str] =
    &["Quantity", "Money", "SimpleQuantity", "Age", "Count", "Distance", "Duration", "Identifier"];

/// The struct a cost variable's accessor must return (one of it).
pub const MONEY: &str = "Money";

/// The placeholder of a year in extension URLs (`…/mdcr_entlmt_buyin_ind_<year>`); an URL with
/// it selects extensions of any year.
pub const YEAR: &str = "<year>";

/// The rustdoc of the items every view and the dispatch have.
fn docs() -> Docs {
    Docs {
        field_list: " Every Medicare field this level can have, whether present or not.".into(),
        fields: " Every Medicare field present at this level, as displayable rows.".into(),
        all_fields: vec![
            " Every Medicare field present in the resource, at every level, with the entry".into(),
            " (`item`, 2) it was found in.".into(),
        ],
        claim_all_fields: " Every Medicare field present in the claim, at every level.".into(),
        cost_roles: vec![
            format!(" What amount a cost variable carries (`{}`): its", crate::claim_types::PATH),
            " role in a claim's or a line's costs.".into(),
        ],
        field_statics: vec![
            " The `FieldInfo` of every Medicare field of every view, one static each".into(),
            " (`FIELD_<RESOURCE>_<LEVEL>_<VARIABLE>`): what each view's `FIELDS` lists and its".into(),
            " `fields()` rows point at.".into(),
        ],
    }
}

/// A view to generate: a profile (claim type, Patient, Coverage).
struct Spec<'c> {
    prefix: String,
    resource: String,
    claim: Option<&'c ClaimType>,
    root_name: String,
}

/// One view per claim type of the table (named after its variant), then the
/// [`beneficiary_views`].
fn specs(claim_types: &ClaimTypes) -> Vec<Spec<'_>> {
    let mut out: Vec<Spec> = claim_types
        .claim_types
        .iter()
        .map(|ct| Spec {
            prefix: ct.def.variant.clone(),
            resource: claim_types.resource.clone(),
            claim: Some(ct),
            root_name: format!("{}Claim", ct.def.variant),
        })
        .collect();
    out.extend(beneficiary_views().into_iter().map(|(name, resource)| Spec {
        prefix: name.into(),
        resource: resource.into(),
        claim: None,
        root_name: name.into(),
    }));
    out
}

/// The model struct of a level (`ExplanationOfBenefitItem`).
pub fn level_struct(resource: &str, level: Level) -> String {
    match level {
        Level::Root => resource.to_string(),
        other => format!("{resource}{}", other.element().to_upper_camel_case()),
    }
}

/// The view type of a level: the root's name, else the prefix and the level (`CarrierLine`).
fn level_view_name(spec: &Spec, level: Level) -> String {
    match level {
        Level::Root => spec.root_name.clone(),
        Level::Line => format!("{}Line", spec.prefix),
        Level::CareTeam => format!("{}CareTeam", spec.prefix),
        Level::Diagnosis => format!("{}Diagnosis", spec.prefix),
        Level::Procedure => format!("{}Procedure", spec.prefix),
    }
}

/// The root view's method listing a level's entries.
pub fn child_method(level: Level) -> &'static str {
    match level {
        Level::Line => "lines",
        Level::CareTeam => "care_team",
        Level::Diagnosis => "diagnoses",
        Level::Procedure => "procedures",
        Level::Root => "",
    }
}

/// A level's field list in the runtime's `ClaimFields`.
pub fn fields_slot(level: Level) -> &'static str {
    match level {
        Level::Root => "root",
        Level::Line => "line",
        Level::CareTeam => "care_team",
        Level::Diagnosis => "diagnosis",
        Level::Procedure => "procedure",
    }
}

/// Every level, in the order of the `ClaimFields` slots.
const SLOTS: [Level; 5] = [Level::Root, Level::Line, Level::CareTeam, Level::Diagnosis, Level::Procedure];

/// What a path gives at some step.
#[derive(Clone, Debug, PartialEq)]
enum Item {
    Struct(String),
    Primitive(String),
}

fn find_struct<'m>(model: &'m Model, name: &str) -> Option<&'m Struct> {
    let name = model.aliases.iter().find(|a| a.name == name).map_or(name, |a| a.target.as_str());
    model.structs.iter().find(|s| s.name == name)
}

/// The struct's own name, through an alias (`SimpleQuantity` → `Quantity`).
fn struct_name(model: &Model, name: &str) -> String {
    find_struct(model, name).map_or_else(|| name.to_string(), |s| s.name.clone())
}

/// Resolves `steps` from the struct `start`: for each step, the field it reads, how, what it
/// gives and what its filters select. Also gives what each step yields (the start first).
fn resolve_path(model: &Model, start: &str, steps: &[Step]) -> Result<(Vec<PathStep>, Vec<Item>), String> {
    let mut items = vec![Item::Struct(start.to_string())];
    let mut path: Vec<PathStep> = Vec::new();
    for step in steps {
        let Item::Struct(current) = items.last().expect("at least the start") else {
            return Err(format!("`{}` steps into a primitive", step.name));
        };
        let s = find_struct(model, current).ok_or_else(|| format!("no struct {current}"))?;
        let mut repeats = path.last().is_some_and(|p| p.repeats);
        let mut many = false;
        let (access, item) = if let Some(f) = s.fields.iter().find(|f| f.json_name == step.name) {
            let field = f.member();
            let FieldType::Single(ty) = &f.ty else { return Err(format!("`{}` is a choice", step.name)) };
            match (ty, f.max) {
                (TypeRef::Struct { rust, boxed }, Max::One) => {
                    (Access::One { field, boxed: *boxed }, Item::Struct(rust.clone()))
                }
                (TypeRef::Struct { rust, .. }, Max::Many) => {
                    many = true;
                    if step.filters.is_empty() && !SINGLE_UNLESS_SELECTED.contains(&step.name.as_str()) {
                        repeats = true;
                    }
                    (Access::Each { field }, Item::Struct(rust.clone()))
                }
                (TypeRef::Primitive { rust, plain: true, .. }, Max::One) => {
                    (Access::One { field, boxed: false }, Item::Primitive(rust.clone()))
                }
                (TypeRef::Primitive { rust, .. }, Max::One) => (Access::Value { field }, Item::Primitive(rust.clone())),
                (TypeRef::Primitive { rust, .. }, Max::Many) => {
                    repeats = true;
                    many = true;
                    (Access::EachValue { field }, Item::Primitive(rust.clone()))
                }
                (TypeRef::Resource, _) => {
                    let Some(t) = step.filters.iter().find_map(|f| match f {
                        Filter::ResourceType(t) => Some(t),
                        _ => None,
                    }) else {
                        return Err(format!("`{}` holds any resource and no resourceType selects one", step.name));
                    };
                    many = f.max == Max::Many;
                    let as_fn = format!("as_{}", t.to_snake_case());
                    (Access::Resource { field, as_fn }, Item::Struct(t.clone()))
                }
            }
        } else if let Some((f, enum_name, variant)) = s.fields.iter().find_map(|f| match &f.ty {
            FieldType::Choice { variants, enum_name } => {
                variants.iter().find(|v| v.json_name == step.name).map(|v| (f, enum_name, v))
            }
            _ => None,
        }) {
            let (field, enum_name, name) = (f.member(), enum_name.clone(), variant.variant.clone());
            match &variant.ty {
                TypeRef::Struct { rust, boxed } => {
                    (Access::Choice { field, enum_name, variant: name, boxed: *boxed }, Item::Struct(rust.clone()))
                }
                TypeRef::Primitive { rust, .. } => {
                    (Access::ChoiceValue { field, enum_name, variant: name }, Item::Primitive(rust.clone()))
                }
                TypeRef::Resource => return Err(format!("`{}` is a resource choice", step.name)),
            }
        } else {
            return Err(format!("{current} has no element `{}`", step.name));
        };
        let (filters, selects) = selection(model, &item, &step.filters)?;
        let ty = match &item {
            Item::Struct(name) => struct_name(model, name),
            Item::Primitive(name) => name.clone(),
        };
        path.push(PathStep { name: step.name.clone(), access, many, ty, filters, selects, repeats });
        items.push(item);
    }
    Ok((path, items))
}

/// A step's filters, as the runtime describes them and as predicates on the entries of
/// `item` (a resource type selects by the access itself, with no predicate).
fn selection(model: &Model, item: &Item, filters: &[Filter]) -> Result<(Vec<PathFilter>, Vec<Select>), String> {
    let (mut described, mut selects) = (Vec::new(), Vec::new());
    for filter in filters {
        let Item::Struct(target) = item else { return Err("a filter on a primitive".into()) };
        let target_struct = find_struct(model, target).ok_or_else(|| format!("no struct {target}"))?;
        match filter {
            Filter::Url(url) => {
                described.push(PathFilter::Url(url.clone()));
                selects.push(match url.split_once(YEAR) {
                    Some((prefix, suffix)) => Select::UrlWithYear { prefix: prefix.into(), suffix: suffix.into() },
                    None => Select::Url(url.clone()),
                });
            }
            Filter::System(system) => {
                described.push(PathFilter::System(system.clone()));
                selects.push(Select::System(system.clone()));
            }
            Filter::Coded { element, code, system } => {
                let f = target_struct
                    .fields
                    .iter()
                    .find(|f| &f.json_name == element)
                    .ok_or_else(|| format!("{target} has no `{element}` to select on"))?;
                described.push(PathFilter::Coded {
                    element: element.clone(),
                    many: f.max == Max::Many,
                    code: code.clone(),
                    system: system.clone(),
                });
                selects.push(Select::Coded {
                    field: f.member(),
                    boxed_one: matches!(f.ty, FieldType::Single(TypeRef::Struct { boxed: true, .. })),
                    code: code.clone(),
                    system: system.clone(),
                });
            }
            Filter::ResourceType(t) => described.push(PathFilter::ResourceType(t.clone())),
            Filter::HasExtension { url, code } => {
                described.push(PathFilter::HasExtension { url: url.clone(), code: code.clone() });
                selects.push(Select::HasExtension { url: url.clone(), code: code.clone() });
            }
        }
    }
    Ok((described, selects))
}

/// One place of a field (`steps` from `start`), with what it returns. The rules, in order:
/// 1. [`ReturnRule::CodeEnum`]: a `code` leaf of a variable with a code enum gives the
///    decoded code;
/// 2. [`ReturnRule::CodingOfCode`]: a `code` leaf of a Coding gives the Coding;
/// 3. [`ReturnRule::OwnerOfValue`]: a `value` leaf of one of the [`VALUE_OWNERS`] gives the
///    struct;
/// 4. [`ReturnRule::Leaf`]: anything else gives what the path ends at.
fn place(model: &Model, field: &Field, steps: &[Step], code_enum: Option<&str>) -> Result<Place, String> {
    let (path, items) = resolve_path(model, &level_struct(&field.resource, field.level), steps)?;
    let leaf = steps.last().map(|s| s.name.as_str()).unwrap_or("");
    let last = items.last().expect("at least the start");
    let parent = items.len().checked_sub(2).map(|i| &items[i]);
    let whole = path.len();
    let (read, returns, rule) = match (last, parent) {
        (Item::Primitive(_), Some(Item::Struct(_))) if leaf == "code" && code_enum.is_some() => {
            let enum_name = code_enum.expect("checked").to_string();
            (whole, Returns::Coded { enum_name }, ReturnRule::CodeEnum)
        }
        (Item::Primitive(_), Some(Item::Struct(p))) if leaf == "code" && p == "Coding" => {
            (whole - 1, Returns::Struct { name: "Coding".into() }, ReturnRule::CodingOfCode)
        }
        (Item::Primitive(_), Some(Item::Struct(p))) if leaf == "value" && VALUE_OWNERS.contains(&p.as_str()) => {
            (whole - 1, Returns::Struct { name: struct_name(model, p) }, ReturnRule::OwnerOfValue)
        }
        (Item::Struct(s), _) => (whole, Returns::Struct { name: struct_name(model, s) }, ReturnRule::Leaf),
        (Item::Primitive(rust), _) => {
            (whole, Returns::Primitive { rust: rust.clone(), lifetime: primitive_has_lifetime(rust) }, ReturnRule::Leaf)
        }
    };
    let repeats = read.checked_sub(1).is_some_and(|i| path[i].repeats);
    Ok(Place { location: field.location_of(steps), path, read, returns, rule, repeats })
}

/// An accessor resolved, with the fields it reads (for its `FieldInfo` and cost checks).
struct Resolved {
    accessor: Accessor,
    fields: Vec<Field>,
    older: Vec<OlderPlacement>,
}

/// The accessor of one field (or of several variables at the same place). A field with
/// older placements reads them in order after its current place and returns the value of the
/// first place that has one; every place must return the same type.
fn accessor(model: &Model, fields: Vec<Field>, enum_of: EnumOf<'_>) -> Result<Resolved, String> {
    let field = &fields[0];
    let code_enum = if fields.len() == 1 { enum_of(&field.variable) } else { None };
    let places = field
        .placements()
        .into_iter()
        .map(|steps| place(model, field, steps, code_enum.as_deref()))
        .collect::<Result<Vec<_>, _>>()?;
    let first = &places[0];
    for other in &places[1..] {
        if other.returns != first.returns || other.repeats != first.repeats {
            let text = |p: &Place| {
                let compact = p.returns.label().replace(' ', "").replace("&'a", "&'a ");
                format!("{compact}{}", if p.repeats { " (repeating)" } else { "" })
            };
            return Err(format!(
                "the older placement {} gives {}, the current one {}",
                other.location,
                text(other),
                text(first)
            ));
        }
    }
    let older = field
        .older
        .iter()
        .map(|p| {
            let at = place(model, field, &p.steps, code_enum.as_deref())?;
            Ok(OlderPlacement {
                location: at.location,
                versions: p.versions.clone(),
                evidence: p.evidence.clone(),
                path: at.path,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let name = accessor_name(&fields);
    let placed_doc = (places.len() > 1).then(|| {
        format!(
            " [`{name}`](Self::{name}) and the location of the place it was read from (the current one, or an older server's)."
        )
    });
    let accessor = Accessor {
        doc: accessor_doc(&fields, first.repeats),
        placed_doc,
        info: info_name(&fields),
        variables: fields.iter().map(|f| f.variable.clone()).collect(),
        returns: first.returns.clone(),
        repeats: first.repeats,
        places,
        name,
    };
    Ok(Resolved { accessor, fields, older })
}

/// The `FieldInfo` static's name: resource, level and accessor name in upper snake case.
fn info_name(fields: &[Field]) -> String {
    let f = &fields[0];
    format!(
        "FIELD_{}_{}_{}",
        f.resource.to_snake_case().to_uppercase(),
        format!("{:?}", f.level).to_uppercase(),
        accessor_name(fields).to_uppercase()
    )
}

/// The accessor's name: the variable, an erratum's override, or for several variables at one
/// place (ICD_DGNS_CD1..25 at each diagnosis) the family stem without numbers and ordinals.
fn accessor_name(fields: &[Field]) -> String {
    let f = &fields[0];
    if let Some(name) = &f.accessor {
        return name.clone();
    }
    if fields.len() == 1 {
        return safe_name(&f.variable);
    }
    let stem: Vec<&str> = f
        .variable
        .split('_')
        .map(|part| part.trim_end_matches(|c: char| c.is_ascii_digit()))
        .filter(|part| !part.is_empty() && !matches!(*part, "1st" | "2nd" | "3rd" | "4th"))
        .collect();
    let stem: Vec<&str> = stem.into_iter().filter(|p| !p.chars().all(|c| c.is_ascii_digit())).collect();
    safe_name(&stem.join("_"))
}

/// A name for a second field of `base` at one level: the variable and what selects this place
/// (an extension code such as `historic`, the last segment of a system, or the element).
fn distinct_name(field: &Field, base: &str, taken: &BTreeSet<String>) -> Option<String> {
    let mut candidates = Vec::new();
    for step in field.steps.iter().rev() {
        for filter in &step.filters {
            match filter {
                Filter::HasExtension { code: Some(code), .. } => candidates.push(code.clone()),
                Filter::System(url) | Filter::Url(url) => {
                    let last = url.rsplit('/').next().unwrap_or(url);
                    if last != field.variable {
                        candidates.push(last.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    candidates.extend(field.steps.iter().rev().map(|s| s.name.clone()).filter(|n| n != "value" && n != "code"));
    candidates
        .into_iter()
        .map(|c| safe_name(&format!("{base}_{}", c.to_snake_case())))
        .find(|name| !taken.contains(name))
}

/// A Rust method name for a variable: `-` → `_`, `v` before a leading digit.
fn safe_name(name: &str) -> String {
    let name = name.replace('-', "_");
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("v{name}")
    } else {
        name
    }
}

/// The accessor's rustdoc: label and variables, location, source and older placements.
fn accessor_doc(fields: &[Field], repeats: bool) -> String {
    let f = &fields[0];
    let mut doc = String::new();
    if fields.len() == 1 {
        doc.push_str(&format!(" {} (`{}`)", f.label, f.variable));
    } else {
        let vars: Vec<&str> = fields.iter().map(|f| f.variable.as_str()).collect();
        doc.push_str(&format!(" {} (`{}`)", f.label, vars.join("`, `")));
    }
    doc.push_str(&format!(".\n\n `{}`", f.location()));
    if repeats {
        doc.push_str(", every entry");
    }
    doc.push_str(&format!("\n\n Source: {}.", f.source));
    for older in &f.older {
        doc.push_str(&format!(
            "\n\n Older servers ({}): `{}`.",
            older.versions.join(", "),
            f.location_of(&older.steps)
        ));
    }
    doc
}

/// The rustdoc of a level's view type.
fn view_doc(spec: &Spec, level: Level) -> String {
    match (level, spec.claim.map(|ct| &ct.def.dictionary)) {
        (Level::Root, Some(name)) => {
            let mut doc = format!(
                " A {name} claim: an `{}` of claim type {name}, with its Medicare fields by CCW variable name.",
                spec.resource
            );
            if let Some(ct) = spec.claim {
                doc.push_str(&totals_doc(ct));
            }
            doc
        }
        (Level::Root, None) => {
            format!(" A Blue Button `{}`, with its Medicare fields by CCW variable name.", spec.resource)
        }
        (other, _) => format!(
            " One `{}.{}` entry of a {} claim, with its Medicare fields.",
            spec.resource,
            other.element(),
            spec.prefix
        ),
    }
}

/// Which variables a claim type's totals read, role by role (the claim-type table's costs):
/// the claim's variable where the claim type has one, else the sum of the lines'.
fn totals_doc(ct: &ClaimType) -> String {
    let mut roles: Vec<&str> = Vec::new();
    for (_, role, _) in &ct.costs {
        if !roles.contains(&role.as_str()) {
            roles.push(role);
        }
    }
    if roles.is_empty() {
        return String::new();
    }
    let mut doc = String::from(
        "\n\n # Totals\n\n What `total(role)` reads (`totals()` gathers the everyday roles): the claim's variable where this claim type has \
         one (the claim's own total), else the exact sum of its lines' (`line_costs()` lists the same line \
         amounts). `lines_sum` gives the lines' sum beside a claim-level amount.\n",
    );
    for role in roles {
        let at =
            |level: Level| ct.costs.iter().find(|(l, r, _)| *l == level && r == role).map(|(_, _, v)| format!("`{v}`"));
        let (claim, line) = (at(Level::Root), at(Level::Line));
        let text = match (claim, line) {
            (Some(c), Some(l)) => format!("claim {c} (lines: {l})"),
            (Some(c), None) => format!("claim {c}"),
            (None, Some(l)) => format!("sum of the lines' {l}"),
            (None, None) => continue,
        };
        doc.push_str(&format!("\n - [`CostRole::{role}`]: {text}"));
    }
    doc
}

/// The accessors of `ct`'s cost variables at `level`; a cost variable must have an accessor
/// of its own that returns one [`MONEY`].
fn costs(ct: &ClaimType, level: Level, resolved: &[Resolved]) -> (Vec<Cost>, Vec<String>) {
    let (mut costs, mut problems) = (Vec::new(), Vec::new());
    for (_, role, variable) in ct.costs.iter().filter(|(l, _, _)| *l == level) {
        let Some(r) = resolved.iter().find(|r| r.fields.len() == 1 && r.fields[0].variable == *variable) else {
            problems.push(format!("the cost variable {variable} ({role}) has no accessor of its own"));
            continue;
        };
        let a = &r.accessor;
        if a.repeats || a.returns != (Returns::Struct { name: MONEY.into() }) {
            let ret = a.returns.label().replace(' ', "");
            problems.push(format!("the cost variable {variable} ({role}) gives {ret}, not one {MONEY}"));
            continue;
        }
        costs.push(Cost { role: role.clone(), accessor: a.name.clone(), info: a.info.clone() });
    }
    (costs, problems)
}

/// The `FieldInfo` static of an accessor.
fn field_info(r: &Resolved) -> FieldInfo {
    let (a, f) = (&r.accessor, &r.fields[0]);
    // Several variables at one place (ICD_DGNS_CD2…25 at each diagnosis) are reported under
    // their family name; `variables` lists them.
    let variable = if r.fields.len() > 1 { a.name.clone() } else { f.variable.clone() };
    let urls: BTreeSet<String> = r.fields.iter().flat_map(|f| f.urls()).collect();
    let applies_to: BTreeSet<&str> = r.fields.iter().flat_map(|f| f.claim_types.iter().map(String::as_str)).collect();
    FieldInfo {
        name: a.info.clone(),
        variable,
        variables: a.variables.clone(),
        label: f.label.clone(),
        resource: f.resource.clone(),
        level: f.level.element().into(),
        location: f.location(),
        url: f.url().unwrap_or("").into(),
        urls: urls.into_iter().collect(),
        applies_to: applies_to.into_iter().map(String::from).collect(),
        path: a.places[0].path.clone(),
        current: f.current,
        older: r.older.clone(),
    }
}

/// The views of `catalog`'s fields in `model`, and the fields that cannot be placed.
pub fn resolve(
    model: &Model,
    catalog: &Catalog,
    enum_of: EnumOf<'_>,
    claim_types: &ClaimTypes,
) -> (Views, Vec<String>) {
    let mut problems = Vec::new();
    let mut views = Vec::new();
    let mut infos: BTreeMap<String, FieldInfo> = BTreeMap::new();
    // The keys of the fields each static name was given to, numbering the second and later.
    let mut info_names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for spec in specs(claim_types) {
        let applicable: Vec<&Field> = catalog
            .fields
            .iter()
            .filter(|f| f.resource == spec.resource)
            .filter(|f| match spec.claim {
                Some(ct) => f.claim_types.contains(&ct.def.dictionary),
                None => true,
            })
            .collect();
        let levels: BTreeSet<Level> = std::iter::once(Level::Root).chain(applicable.iter().map(|f| f.level)).collect();
        let mut view = View {
            prefix: spec.prefix.clone(),
            resource: spec.resource.clone(),
            claim_type: spec.claim.map(|ct| ClaimOf {
                variant: ct.def.variant.clone(),
                dictionary: ct.def.dictionary.clone(),
                profile: ct.def.profile.clone(),
            }),
            levels: Vec::new(),
        };
        for level in &levels {
            // Variables at the same place share one accessor.
            let mut places: BTreeMap<(String, Option<String>), Vec<Field>> = BTreeMap::new();
            for f in applicable.iter().filter(|f| f.level == *level) {
                let key = (format!("{:?} {:?}", f.steps, f.older), f.accessor.clone());
                places.entry(key).or_default().push((*f).clone());
            }
            let mut resolved: Vec<Resolved> = Vec::new();
            let mut names = BTreeSet::new();
            for (_, mut fields) in places {
                // A variable served at two places of one level (Patient's current and historic
                // MBI) gets the second accessor named after what tells the places apart.
                let base = accessor_name(&fields);
                if names.contains(&base) {
                    match distinct_name(&fields[0], &base, &names) {
                        Some(name) => fields.iter_mut().for_each(|f| f.accessor = Some(name.clone())),
                        None => {
                            problems.push(format!(
                                "{}: no distinct name for a second `{base}` at {}",
                                spec.root_name,
                                fields[0].location()
                            ));
                            continue;
                        }
                    }
                }
                let (variable, location) = (fields[0].variable.clone(), fields[0].location());
                match accessor(model, fields, enum_of) {
                    Ok(r) => {
                        names.insert(r.accessor.name.clone());
                        resolved.push(r);
                    }
                    Err(e) => problems.push(format!("{}: {variable} ({location}): {e}", spec.root_name)),
                }
            }
            resolved.sort_by(|a, b| a.accessor.name.cmp(&b.accessor.name));
            for r in &mut resolved {
                // One static per distinct field: the same variable at another place (the
                // institutional `prvdr_state_cd` is an address, the carrier one an extension) or
                // with other family members gets its own, numbered.
                let key = format!("{} {:?}", r.fields[0].location(), r.accessor.variables);
                let base = r.accessor.info.clone();
                let named = info_names.entry(base.clone()).or_default();
                let n = match named.iter().position(|k| *k == key) {
                    Some(n) => n,
                    None => {
                        named.push(key);
                        named.len() - 1
                    }
                };
                if n > 0 {
                    r.accessor.info = format!("{base}_{}", n + 1);
                }
            }
            for r in &resolved {
                infos.entry(r.accessor.info.clone()).or_insert_with(|| field_info(r));
            }
            let level_costs = match spec.claim {
                Some(ct) => {
                    let (found, wrong) = costs(ct, *level, &resolved);
                    problems.extend(wrong.into_iter().map(|w| format!("{}: {w}", spec.root_name)));
                    found
                }
                None => Vec::new(),
            };
            let is_root = *level == Level::Root;
            let children = levels
                .iter()
                .filter(|l| is_root && **l != Level::Root)
                .map(|l| {
                    let view = level_view_name(&spec, *l);
                    Child {
                        method: child_method(*l).into(),
                        field: rust_field_name(l.element()),
                        element: l.element().into(),
                        doc: format!(" Each `{}` entry, as a [`{view}`].", l.element()),
                        view,
                    }
                })
                .collect();
            view.levels.push(LevelView {
                level: *level,
                name: level_view_name(&spec, *level),
                target: level_struct(&spec.resource, *level),
                doc: view_doc(&spec, *level),
                lists_all: is_root,
                children,
                accessors: resolved.into_iter().map(|r| r.accessor).collect(),
                costs: level_costs,
            });
        }
        views.push(view);
    }
    let dispatch = (!claim_types.claim_types.is_empty()).then(|| dispatch(claim_types, &views));
    (Views { views, infos: infos.into_values().collect(), dispatch, docs: docs() }, problems)
}

/// The claim types' dispatch, from their views.
fn dispatch(claim_types: &ClaimTypes, views: &[View]) -> Dispatch {
    let at = |ct: &ClaimType, level: Level| {
        views
            .iter()
            .filter(|v| v.claim_type.as_ref().is_some_and(|c| c.variant == ct.def.variant))
            .flat_map(|v| &v.levels)
            .find(|l| l.level == level)
    };
    let claims = claim_types
        .claim_types
        .iter()
        .map(|ct| {
            let root = at(ct, Level::Root).expect("every claim type has a root view");
            ClaimDispatch {
                variant: ct.def.variant.clone(),
                doc: format!(" A {} claim.", ct.def.dictionary),
                root_view: root.name.clone(),
                root_costs: root.costs.clone(),
                line: at(ct, Level::Line).map(|line| LineDispatch {
                    view: line.name.clone(),
                    doc: format!(" A line of a {} claim.", ct.def.dictionary),
                    costs: line.costs.clone(),
                }),
                fields: SLOTS
                    .iter()
                    .map(|l| (fields_slot(*l).to_string(), at(ct, *l).map(|v| v.name.clone())))
                    .collect(),
            }
        })
        .collect();
    Dispatch {
        resource: claim_types.resource.clone(),
        line_struct: level_struct(&claim_types.resource, Level::Line),
        view_doc: format!(" A `{}` seen through the profile of its claim type.", claim_types.resource),
        amount: MONEY.into(),
        roles: claim_types.roles.iter().map(|(r, m)| (r.clone(), format!(" {m}"))).collect(),
        claims,
    }
}
