//! Navigation: the members of an element, typed by the STU3 definitions the validator's tables
//! hold (a choice element `value[x]` found as `valueQuantity`, of type `Quantity`), and typed by
//! the JSON itself where no definition applies (a `resourceType`, a choice by its type suffix).
use super::value::{Item, Node};
use crate::json::Value;
use crate::validate::object::{get, Members};
use crate::validate::tables::{self, CHOICE, E, NONE};

pub(crate) use super::value::{resource_node, resource_type};

/// The element definitions of a node's members.
pub(super) fn member_defs(node: &Node<'_>) -> &'static [E] {
    if let Some(d) = node.def {
        if d.children_len > 0 {
            return d.children();
        }
        if d.content_ref != NONE {
            return tables::elements()[d.content_ref as usize].children();
        }
    }
    match tables::core(node.ty) {
        Some(s) => tables::root_of(s).children(),
        None => &[],
    }
}

/// The members of the node's object (of the `_name` object for a primitive).
fn members<'v>(node: &Node<'v>) -> Option<&'v Members<'v>> {
    match (node.object(), node.ext) {
        (Some(m), _) => Some(m),
        (_, Some(Value::Object(m))) => Some(m),
        _ => None,
    }
}

/// The FHIR type of a choice's member from its suffix (`Quantity`, `DateTime` → `dateTime`).
fn suffix_type(def: Option<&'static E>, suffix: &str) -> Option<&'static str> {
    if let Some(d) = def {
        if let Some(t) =
            d.types(crate::validate::Target::Published).iter().find(|t| t.code.eq_ignore_ascii_case(suffix))
        {
            return Some(t.code);
        }
    }
    let mut lower = suffix.to_string();
    lower[..1].make_ascii_lowercase();
    tables::core(suffix).or_else(|| tables::core(&lower)).map(|s| s.type_)
}

/// The type and definition of a JSON member `key` of `node`.
fn typed<'v>(node: &Node<'v>, key: &str, value: Option<&'v Value<'v>>) -> (&'v str, Option<&'static E>) {
    let defs = member_defs(node);
    let from_json = |value: Option<&'v Value<'v>>| value.and_then(resource_type).unwrap_or("");
    if let Some(d) = defs.iter().find(|d| d.name == key && d.slice.is_empty() && !d.is(CHOICE)) {
        let types = d.types(crate::validate::Target::Published);
        let ty = match types.first().map(|t| t.code) {
            _ if d.children_len > 0 => "BackboneElement",
            Some("Resource" | "DomainResource") | None => from_json(value),
            Some("") => "string",
            Some(code) => code,
        };
        let ty = match value.and_then(resource_type) {
            Some(rt) if d.children_len == 0 => rt,
            _ => ty,
        };
        return (ty, Some(d));
    }
    for d in defs.iter().filter(|d| d.is(CHOICE) && d.slice.is_empty()) {
        if let Some(suffix) = key.strip_prefix(d.name).filter(|s| s.starts_with(|c: char| c.is_ascii_uppercase())) {
            if let Some(ty) = suffix_type(Some(d), suffix) {
                return (ty, None);
            }
        }
    }
    (from_json(value), None)
}

/// Pushes the nodes of JSON member `key` (and its `_key` twin) of `node`, typed as `ty`.
fn push_member<'v>(node: &Node<'v>, key: &str, ty: Option<&'v str>, out: &mut Vec<Item<'v>>) {
    let Some(m) = members(node) else { return };
    let value = get(m, key);
    let ext = m.iter().find(|(k, _)| k.strip_prefix('_') == Some(key)).map(|(_, v)| v);
    if value.is_none() && ext.is_none() {
        return;
    }
    let first = match value {
        Some(Value::Array(items)) => items.first(),
        v => v,
    };
    let (found_ty, def) = typed(node, key, first);
    let ty = ty.unwrap_or(found_ty);
    let at = |v: Option<&'v Value<'v>>, i: usize| match v {
        Some(Value::Array(items)) => items.get(i).filter(|v| !matches!(v, Value::Null)),
        Some(Value::Null) => None,
        Some(v) if i == 0 => Some(v),
        _ => None,
    };
    let len = |v: Option<&'v Value<'v>>| match v {
        Some(Value::Array(items)) => items.len(),
        Some(_) => 1,
        None => 0,
    };
    for i in 0..len(value).max(len(ext)) {
        let (value, ext) = (at(value, i), at(ext, i));
        if value.is_none() && ext.is_none() {
            continue;
        }
        let ty = match value.and_then(resource_type) {
            Some(rt) if ty.is_empty() || ty == "Resource" => rt,
            _ => ty,
        };
        out.push(Item::Node(Node { value, ext, obj: None, ty, def }));
    }
}

/// Pushes the members named `name` of `node`: for a choice, whichever `name<Type>` is present.
pub(crate) fn child<'v>(node: &Node<'v>, name: &str, out: &mut Vec<Item<'v>>) {
    let Some(m) = members(node) else { return };
    if m.iter().any(|(k, _)| k == name || k.strip_prefix('_') == Some(name)) {
        push_member(node, name, None, out);
        return;
    }
    let defs = member_defs(node);
    let choice = defs.iter().find(|d| d.name == name && d.is(CHOICE));
    if !defs.is_empty() && choice.is_none() && defs.iter().any(|d| d.name == name) {
        return;
    }
    // A choice: `value` finds `valueQuantity` (by the definition, else by the suffix rule).
    let mut seen = Vec::new();
    for (k, _) in m.iter() {
        let key = k.strip_prefix('_').unwrap_or(k);
        let Some(suffix) = key.strip_prefix(name).filter(|s| s.starts_with(|c: char| c.is_ascii_uppercase())) else {
            continue;
        };
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        if let Some(ty) = suffix_type(choice, suffix) {
            push_member(node, key, Some(ty), out);
        }
    }
}

/// Pushes every member of `node` (`children()`).
pub(crate) fn children<'v>(node: &Node<'v>, out: &mut Vec<Item<'v>>) {
    let Some(m) = members(node) else { return };
    let mut seen: Vec<&str> = Vec::new();
    for (k, _) in m.iter() {
        let key = k.strip_prefix('_').unwrap_or(k);
        if key == "resourceType" || seen.contains(&key) {
            continue;
        }
        seen.push(key);
        push_member(node, key, None, out);
    }
}
