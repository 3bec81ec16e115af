//! Definitions → the type IR: every core datatype and resource becomes [`Struct`]s with their
//! fields, cardinalities, choices and bindings; the IG's profiles become [`Profile`]s. The
//! layout passes ([`super::layout`]) run last.
use std::collections::BTreeSet;

use super::ir::*;
use super::layout::{BOX_ABOVE_BYTES, INLINE_CHOICE_MAX_BYTES, INLINE_FIRST_ARRAYS};
use heck::ToUpperCamelCase;

use crate::definitions::{Definitions, ElementDefinition, StructureDefinition};

impl Model {
    /// Builds the IR for every core datatype and resource in `defs` (profiles are not types of
    /// their own: they constrain these).
    pub fn build(defs: &Definitions) -> Result<Model, IrError> {
        let mut model = Model::default();
        let sds: Vec<&StructureDefinition> = defs.core.values().collect();
        // Datatypes first, then resources, each by name, so the output order is stable.
        let mut ordered: Vec<&StructureDefinition> =
            sds.iter().copied().filter(|sd| sd.kind == "complex-type" || sd.kind == "resource").collect();
        ordered.sort_by(|a, b| (a.kind != "complex-type", &a.name).cmp(&(b.kind != "complex-type", &b.name)));
        let known: BTreeSet<&str> = ordered.iter().map(|sd| sd.type_.as_str()).collect();
        for sd in ordered {
            if sd.is_abstract || matches!(sd.type_.as_str(), "Element" | "BackboneElement") {
                continue;
            }
            if sd.derivation.as_deref() == Some("constraint") {
                // A profile of another datatype (Money, Age, SimpleQuantity...).
                let base = sd
                    .base_definition
                    .as_deref()
                    .and_then(|b| b.rsplit('/').next())
                    .ok_or_else(|| IrError(format!("{}: constraint without baseDefinition", sd.url)))?;
                if sd.kind == "complex-type" {
                    model.aliases.push(Alias { name: sd.name.clone(), target: base.to_string() });
                }
                continue;
            }
            let kind = if sd.kind == "resource" { StructKind::Resource } else { StructKind::Datatype };
            if kind == StructKind::Resource {
                model.resources.push(sd.type_.clone());
            }
            build_structs(sd, kind, &known, &mut model.structs)?;
        }
        model.resources.sort();
        model.aliases.sort_by(|a, b| a.name.cmp(&b.name));
        model.box_cycles();
        model.hold_rare_members(&defs.recorded);
        model.box_large_optionals(BOX_ABOVE_BYTES);
        model.inline_small_choices(INLINE_CHOICE_MAX_BYTES);
        // The holders of the choices just grew: box those that are now too large.
        model.box_large_optionals(BOX_ABOVE_BYTES);
        model.profiles = defs.ig.values().map(build_profile).collect::<Result<_, _>>()?;
        Ok(model)
    }
}

fn build_profile(sd: &StructureDefinition) -> Result<Profile, IrError> {
    let differential =
        sd.differential.as_ref().ok_or_else(|| IrError(format!("{}: profile without differential", sd.url)))?;
    let constraints = differential
        .element
        .iter()
        .map(|e| Constraint {
            id: e.id.clone().unwrap_or_else(|| e.path.clone()),
            path: e.path.clone(),
            slice_name: e.slice_name.clone(),
            min: e.min,
            max: e.max.clone(),
            types: e
                .types
                .iter()
                .filter_map(|t| {
                    let code = t.code.as_deref()?;
                    Some(match (&t.profile, &t.target_profile) {
                        (Some(p), _) => format!("{code}({p})"),
                        (None, Some(t)) => format!("{code}(->{t})"),
                        (None, None) => code.to_string(),
                    })
                })
                .collect(),
            fixed: e.fixed().or_else(|| e.pattern()).map(|(suffix, v)| {
                let kind = if e.fixed().is_some() { "fixed" } else { "pattern" };
                (format!("{kind}{suffix}"), v.to_string())
            }),
            binding: e
                .binding
                .as_ref()
                .map(|b| BindingIr { strength: b.strength.clone(), value_set: b.value_set().map(str::to_string) }),
            slicing: e.slicing.as_ref().map(|s| {
                let d: Vec<String> = s.discriminator.iter().map(|d| format!("{}:{}", d.type_, d.path)).collect();
                format!("{} {}", d.join(","), s.rules.as_deref().unwrap_or("open"))
            }),
        })
        .collect();
    Ok(Profile { name: sd.name.clone(), url: sd.url.clone(), base_type: sd.type_.clone(), constraints })
}

/// Builds the struct for `sd` and one per backbone element in its snapshot.
fn build_structs(
    sd: &StructureDefinition,
    kind: StructKind,
    known: &BTreeSet<&str>,
    out: &mut Vec<Struct>,
) -> Result<(), IrError> {
    let elements = &sd.snapshot.as_ref().ok_or_else(|| IrError(format!("{}: no snapshot", sd.url)))?.element;
    // Slices (sliceName) and their children are profile constraints, not new elements.
    let elements: Vec<&ElementDefinition> =
        elements.iter().filter(|e| e.slice_name.is_none() && !e.id.as_deref().unwrap_or("").contains(':')).collect();
    let root = elements.first().ok_or_else(|| IrError(format!("{}: empty snapshot", sd.url)))?;
    // Paths that are backbone elements (have children).
    let parents: BTreeSet<&str> = elements.iter().filter_map(|e| e.path.rsplit_once('.').map(|(p, _)| p)).collect();
    let mut queue = vec![(root.path.clone(), kind)];
    while let Some((path, kind)) = queue.pop() {
        let mut fields = Vec::new();
        for e in elements.iter().filter(|e| e.path.rsplit_once('.').map(|(p, _)| p) == Some(path.as_str())) {
            let field = build_field(sd, e, &parents, known)?;
            if let Some(f) = field {
                if parents.contains(e.path.as_str()) && e.content_reference.is_none() {
                    queue.push((e.path.clone(), StructKind::Backbone));
                }
                fields.push(f);
            }
        }
        out.push(Struct { name: struct_name(&path), path: path.clone(), owner: sd.type_.clone(), kind, fields });
    }
    // Stable order: the owner first, then its backbones in path order.
    let start = out.iter().position(|s| s.owner == sd.type_).unwrap_or(0);
    out[start..]
        .sort_by(|a, b| (a.kind == StructKind::Backbone, &a.path).cmp(&(b.kind == StructKind::Backbone, &b.path)));
    Ok(())
}

fn build_field(
    sd: &StructureDefinition,
    e: &ElementDefinition,
    parents: &BTreeSet<&str>,
    known: &BTreeSet<&str>,
) -> Result<Option<Field>, IrError> {
    let name = e.path.rsplit('.').next().unwrap_or(&e.path);
    let max = match e.max.as_deref() {
        Some("0") => return Ok(None),
        Some("1") => Max::One,
        Some(_) => Max::Many,
        None => return Err(IrError(format!("{}: element {} has no max", sd.url, e.path))),
    };
    let min = e.min.unwrap_or(0);
    let plain = e.representation.iter().any(|r| r == "xmlAttr" || r == "xhtml");
    let binding = e
        .binding
        .as_ref()
        .map(|b| BindingIr { strength: b.strength.clone(), value_set: b.value_set().map(str::to_string) });
    let type_ref = |code: &str| -> Result<TypeRef, IrError> {
        if let Some(rust) = primitive_rust_type(code) {
            return Ok(TypeRef::Primitive { fhir: code.to_string(), rust: rust.to_string(), plain });
        }
        match code {
            "Resource" | "DomainResource" => Ok(TypeRef::Resource),
            "BackboneElement" | "Element" if parents.contains(e.path.as_str()) => {
                Ok(TypeRef::Struct { rust: struct_name(&e.path), boxed: false })
            }
            _ if known.contains(code) => Ok(TypeRef::Struct { rust: code.to_string(), boxed: false }),
            _ => Err(IrError(format!(
                "{}: element {} has type {code}, which is not among the definitions",
                sd.url, e.path
            ))),
        }
    };
    let (json_name, ty) = if let Some(stem) = name.strip_suffix("[x]") {
        let mut variants = Vec::new();
        for t in &e.types {
            let code =
                t.code.as_deref().ok_or_else(|| IrError(format!("{}: {} has a type without code", sd.url, e.path)))?;
            if variants.iter().any(|v: &ChoiceVariant| v.json_name == format!("{stem}{}", upper_first(code))) {
                continue; // the same type listed twice with different profiles
            }
            // Struct variants start boxed; `Model::inline_small_choices` unboxes the small ones.
            let ty = match type_ref(code)? {
                TypeRef::Struct { rust, .. } => TypeRef::Struct { rust, boxed: true },
                other => other,
            };
            variants.push(ChoiceVariant {
                variant: upper_first(code),
                json_name: format!("{stem}{}", upper_first(code)),
                ty,
            });
        }
        let owner_path = e.path.rsplit_once('.').map(|(p, _)| p).unwrap_or("");
        let enum_name = format!("{}{}", struct_name(owner_path), stem.to_upper_camel_case());
        (stem.to_string(), FieldType::Choice { enum_name, variants })
    } else if let Some(reference) = &e.content_reference {
        let target = reference.trim_start_matches('#');
        (name.to_string(), FieldType::Single(TypeRef::Struct { rust: struct_name(target), boxed: false }))
    } else {
        let codes: Vec<&str> = e.types.iter().filter_map(|t| t.code.as_deref()).collect();
        let first = codes.first().ok_or_else(|| IrError(format!("{}: {} has no type", sd.url, e.path)))?;
        if codes.iter().any(|c| c != first) {
            return Err(IrError(format!("{}: {} has several types but is not a choice", sd.url, e.path)));
        }
        (name.to_string(), FieldType::Single(type_ref(first)?))
    };
    Ok(Some(Field {
        rust_name: rust_field_name(&json_name),
        json_name,
        path: e.path.clone(),
        min,
        max,
        ty,
        binding,
        is_modifier: e.is_modifier,
        is_summary: e.is_summary,
        inline_first: max == Max::Many && INLINE_FIRST_ARRAYS.contains(&e.path.as_str()),
        rare: false,
    }))
}
