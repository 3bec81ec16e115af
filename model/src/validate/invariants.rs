//! The definitions' invariants, evaluated from their FHIRPath expressions by
//! [`crate::fhirpath`].
//!
//! Every constraint of every definition the validator knows (STU3 core, the IG, the errata)
//! comes with its key, severity and expression in the generated tables; each expression is
//! parsed once, on first use. `ele-1`, `ext-1`, `ref-1` and `dom-1`..`dom-4` are checked by
//! the walk itself, which has the whole resource (its contained resources and every reference
//! in it) in view even when a Bundle is read one entry at a time. An invariant is
//! `not-evaluated` only when its answer needs something outside the input: a reference to
//! resolve outside the resource, a value set or code system not available here.
use std::sync::OnceLock;

use super::object::{get, get_str, Members};
use super::tables::{Constraint, CONSTRAINTS, CONSTRAINT_LISTS, E};
use crate::fhirpath::{Context, Expression};
use crate::json::Value;

/// The result of one invariant on one element.
pub(crate) enum Outcome {
    Holds,
    Fails(String),
    /// Checked by the walk (ele-1, ext-1, ref-1, dom-*).
    Elsewhere,
    /// Needs something outside the input (why).
    NotEvaluated(String),
}

/// The invariants the walk checks itself.
pub(crate) const BY_THE_WALK: [&str; 7] = ["ele-1", "ext-1", "ref-1", "dom-1", "dom-2", "dom-3", "dom-4"];

/// Whether the walk checks constraint `c` itself (its key is one of [`BY_THE_WALK`]).
pub(crate) fn by_the_walk(c: &'static Constraint) -> bool {
    static WALK: OnceLock<Vec<bool>> = OnceLock::new();
    WALK.get_or_init(|| CONSTRAINTS.iter().map(|c| BY_THE_WALK.contains(&c.key)).collect())[c.index()]
}

/// Whether any of `e`'s constraints is one the walk does not check itself (one evaluated from
/// its expression): worked out once per constraint list.
pub(crate) fn has_evaluated_constraints(e: &E) -> bool {
    static EVALUATED: OnceLock<Vec<bool>> = OnceLock::new();
    EVALUATED.get_or_init(|| {
        CONSTRAINT_LISTS
            .iter()
            .map(|list| list.iter().any(|&i| !BY_THE_WALK.contains(&CONSTRAINTS[i as usize].key)))
            .collect()
    })[e.constraints as usize]
}

/// The parsed expression of every constraint, by index in `CONSTRAINTS`.
fn parsed() -> &'static [Result<Expression, crate::fhirpath::Error>] {
    static PARSED: OnceLock<Vec<Result<Expression, crate::fhirpath::Error>>> = OnceLock::new();
    PARSED.get_or_init(|| CONSTRAINTS.iter().map(|c| Expression::parse(c.expression)).collect())
}

/// The parsed expression of constraint `c`.
pub(crate) fn expression(c: &'static Constraint) -> &'static Result<Expression, crate::fhirpath::Error> {
    &parsed()[c.index()]
}

/// How the validator checks one invariant of the definitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvariantCheck {
    /// Its expression is evaluated.
    Expression,
    /// The walk checks it itself, with the whole resource in view.
    Walk,
    /// Its expression does not parse (the error).
    Unsupported(crate::fhirpath::Error),
}

/// One invariant of the definitions the validator knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invariant {
    pub key: &'static str,
    /// `error` or `warning`.
    pub severity: &'static str,
    pub expression: &'static str,
    pub check: InvariantCheck,
}

/// Every invariant of the definitions the validator knows (STU3 core, the IG, the errata), sorted
/// by key, and how each is checked.
pub fn invariants() -> Vec<Invariant> {
    CONSTRAINTS
        .iter()
        .zip(parsed())
        .map(|(c, p)| Invariant {
            key: c.key,
            severity: c.severity,
            expression: c.expression,
            check: match p {
                _ if BY_THE_WALK.contains(&c.key) => InvariantCheck::Walk,
                Ok(_) => InvariantCheck::Expression,
                Err(e) => InvariantCheck::Unsupported(e.clone()),
            },
        })
        .collect()
}

/// Whether constraint `c`, on an element inside a resource, reads `%resource` (through
/// `resolve()` of a `#id` reference). The walk then gives it the resource as far as the
/// definitions' invariants read it there: its contained resources' types and ids (a test holds
/// every such expression to `resolve() is T` and `resolve().empty()`).
pub(crate) fn reads_the_resource(c: &'static Constraint) -> bool {
    static READS: OnceLock<Vec<bool>> = OnceLock::new();
    READS.get_or_init(|| {
        CONSTRAINTS
            .iter()
            .map(|c| {
                !BY_THE_WALK.contains(&c.key)
                    && (c.expression.contains("resolve()") || c.expression.contains("%resource"))
            })
            .collect()
    })[c.index()]
}

/// `%resource` as [`reads_the_resource`] describes it: the contained resources' (id, type).
pub(crate) fn resource_summary(contained: &[(String, String, String)]) -> Value<'static> {
    let items = contained
        .iter()
        .map(|(id, rt, _)| {
            Value::Object(vec![
                ("resourceType".into(), Value::String(rt.clone().into())),
                ("id".into(), Value::String(id.clone().into())),
            ])
        })
        .collect();
    Value::Object(vec![("contained".into(), Value::Array(items))])
}

/// Evaluates invariant `c` on an element with these members, of FHIR type `ty` under definition
/// `def`: a resource itself (`%resource`) when `resource` is `None`, else inside it.
pub(crate) fn evaluate<'v>(
    c: &'static Constraint,
    members: &'v Members<'v>,
    ty: &'v str,
    def: &'static E,
    resource: Option<&'v Value<'v>>,
) -> Outcome {
    if by_the_walk(c) {
        return Outcome::Elsewhere;
    }
    let expression = match expression(c) {
        Ok(e) => e,
        Err(e) => return Outcome::NotEvaluated(format!("its expression is not supported here ({e})")),
    };
    let ty = match get_str(members, "resourceType") {
        Some(rt) if resource.is_none() => rt,
        _ => ty,
    };
    let ctx = Context::members(members, ty, Some(def), resource.map(crate::fhirpath::Node::resource));
    let ctx = if resource.is_none() { ctx.focus_as_resource() } else { ctx }.presence_as_boolean();
    let result = match expression.quick_boolean(&ctx) {
        Some(answer) => Ok(answer),
        None => expression.evaluate_boolean(&ctx),
    };
    match result {
        Ok(Some(false)) => Outcome::Fails("the invariant is false".into()),
        // Empty is unknown (dates of different precision, a comparison with nothing): the
        // definitions' authors write invariants that are empty where nothing is wrong.
        Ok(_) => Outcome::Holds,
        Err(e) if e.needs_outside => Outcome::NotEvaluated(e.message),
        Err(e) => Outcome::Fails(format!("the invariant cannot be evaluated on this element ({e})")),
    }
}

fn object<'m, 'v>(v: Option<&'m Value<'v>>) -> Option<&'m Members<'v>> {
    match v {
        Some(Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// What the Bundle's invariants read of an entry (bdl-2, bdl-3 and bdl-4: whether it has
/// `search`, `request`, `response`; bdl-7: its `fullUrl` and its resource's `meta.versionId`),
/// and nothing else: a Bundle validated as it is read keeps this much of each entry for them.
pub(crate) fn bundle_entry_view(entry: &Value<'_>) -> Value<'static> {
    let Value::Object(m) = entry else { return Value::Null };
    let string = |v: Option<&str>| v.map_or(Value::Null, |s| Value::String(s.to_string().into()));
    let mut view = Vec::new();
    if get(m, "fullUrl").is_some() {
        view.push(("fullUrl".into(), string(get_str(m, "fullUrl"))));
    }
    for key in ["search", "request", "response"] {
        if get(m, key).is_some() {
            // Present, and empty: the invariants ask whether it exists.
            view.push((key.into(), Value::Object(Vec::new())));
        }
    }
    let meta = object(get(m, "resource")).and_then(|r| object(get(r, "meta")));
    if let Some(meta) = meta {
        let version = match get_str(meta, "versionId") {
            Some(v) => vec![("versionId".into(), string(Some(v)))],
            None => Vec::new(),
        };
        view.push(("resource".into(), Value::Object(vec![("meta".into(), Value::Object(version))])));
    }
    Value::Object(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invariants_inside_a_resource_read_it_only_by_resolving_a_type() {
        let mut readers = Vec::new();
        for c in CONSTRAINTS.iter().filter(|c| reads_the_resource(c)) {
            let rest = c.expression.replace("resolve() is ", "").replace("resolve().empty()", "");
            // sdf-8 and sdf-8a read `%resource` on the StructureDefinition itself (its root).
            if !c.key.starts_with("sdf-") {
                assert!(!rest.contains("resolve()") && !rest.contains("%resource"), "{}: {}", c.key, c.expression);
            }
            readers.push(c.key);
        }
        assert!(readers.contains(&"rfr-1"), "{readers:?}");
    }
}
