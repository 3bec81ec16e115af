//! One value of an element, of one type: a primitive, a nested resource or an object walked
//! against its children; its fixed and pattern values, its binding, the extension rules
//! (`ext-1`, extensions outside the IG) and the invariants evaluated here.
use super::bindings::{check_binding, check_code};
use super::members::children_of;
use super::primitives::short;
use super::{memo, Engine};
use crate::json::Value;
use crate::validate::finding::{Severity, Target};
use crate::validate::invariants;
use crate::validate::object::{get, get_str, has_choice, Members};
use crate::validate::options::ProfileChoice;
use crate::validate::tables::{self, TypeRef, E};

/// The served URL prefix of CCW variables.
const VARIABLES: &str = "https://bluebutton.cms.gov/resources/variables/";

/// JSON equality as FHIR means it: objects regardless of member order, numbers by text.
fn same_json(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.iter().any(|(k2, v2)| k == k2 && same_json(v, v2)))
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_json(p, q)),
        _ => a == b,
    }
}

/// Whether `instance` has everything `pattern` has (arrays: each pattern item in some item).
fn contains_pattern(pattern: &Value<'_>, instance: &Value<'_>) -> bool {
    match (pattern, instance) {
        (Value::Object(p), Value::Object(i)) => {
            p.iter().all(|(k, v)| i.iter().any(|(k2, v2)| k == k2 && contains_pattern(v, v2)))
        }
        (Value::Array(p), Value::Array(i)) => p.iter().all(|pv| i.iter().any(|iv| contains_pattern(pv, iv))),
        _ => pattern == instance,
    }
}

/// How many extension URLs an [`Engine`] keeps the `extension-outside-ig` message of.
const OUTSIDE_IG_KEPT: usize = 4096;

/// The message of `extension-outside-ig` for an extension of this url, or "" when a definition
/// here describes it.
fn outside_ig_message(url: &str, target: Target) -> String {
    if tables::structure(url).is_some() {
        return String::new();
    }
    let what = match url.strip_prefix(VARIABLES) {
        Some(variable) => match (tables::known_field(variable), crate::codes::variable(variable)) {
            (Some(source), _) => format!("CCW variable `{variable}` ({source})"),
            (None, Some(v)) => format!("CCW variable `{variable}` (codebook: {})", v.label),
            (None, None) => format!("`{variable}`, which no codebook or data-dictionary entry names"),
        },
        None => "an extension that no definition here describes".to_string(),
    };
    let target = match target {
        Target::Served => "the IG and its served errata",
        Target::Published => "the IG",
    };
    format!("extension {url}: {what}; not defined by {target}, checked as a plain Extension")
}

impl Engine {
    /// One value of an element, of type `ty` (`slice` when it matched one). Inside an element
    /// whose erratum is a content deviation, errors are served-deviation warnings.
    pub(super) fn item(
        &mut self,
        e: &'static E,
        ty: Option<&'static TypeRef>,
        value: &Value<'_>,
        slice: Option<&'static E>,
    ) {
        match e.deviation(self.target).filter(|d| !d.content.is_empty()) {
            Some(erratum) if self.content_deviation.is_none() => {
                self.content_deviation = Some(erratum);
                self.item_value(e, ty, value, slice);
                self.content_deviation = None;
            }
            _ => self.item_value(e, ty, value, slice),
        }
    }

    fn item_value(
        &mut self,
        e: &'static E,
        ty: Option<&'static TypeRef>,
        value: &Value<'_>,
        slice: Option<&'static E>,
    ) {
        let code = ty.map_or("", |t| t.code);
        let kind = ty.map_or(tables::TypeKind::Complex, TypeRef::kind);
        // Most elements have none of the facts kept in `Extra` (fixed and pattern values,
        // bindings): one test tells.
        let extra = e.extra != 0;
        if kind == tables::TypeKind::Primitive {
            self.primitive(code, value);
            if !extra {
                return;
            }
            if let Some(fixed) = e.fixed_value(self.target) {
                self.fixed(fixed, value, "fixed");
            }
            if let Some(pattern) = e.pattern_value() {
                self.fixed(pattern, value, "pattern");
            }
            if let Some(b) = e.binding(self.target) {
                if let Value::String(code) = value {
                    check_code(self, e, b, None, code, None);
                }
            }
            return;
        }
        let Value::Object(members) = value else {
            let expected = if code.is_empty() { "an object".to_string() } else { format!("an object ({code})") };
            self.error(
                "type",
                format!("expected {expected}, found {}", value.kind()),
                Some(expected),
                Some(value.kind().to_string()),
            );
            return;
        };
        if kind == tables::TypeKind::Resource {
            self.nested_resource(e, members);
            return;
        }
        // Codings and CodeableConcepts repeat (the same codes, claim after claim); most other
        // values do not, and encoding them costs more than the repeats save. Inside a value
        // looked up and not found, the values it holds are not looked up again.
        if self.memo_inside || !matches!(code, "Coding" | "CodeableConcept") {
            return self.object_value(e, ty, value, members, slice);
        }
        let place = [
            e as *const E as usize,
            ty.map_or(0, |t| t as *const TypeRef as usize),
            slice.map_or(0, |s| s as *const E as usize),
            self.content_deviation.map_or(0, |d| d as *const tables::Erratum as usize),
            usize::from(self.in_contained > 0),
        ];
        let lookup = self.memo.look(place, members);
        match lookup {
            memo::Lookup::Clean => return,
            memo::Lookup::Skipped => return self.object_value(e, ty, value, members, slice),
            memo::Lookup::Unseen { .. } => {}
        }
        let effects = self.effects;
        self.memo_inside = true;
        self.object_value(e, ty, value, members, slice);
        self.memo_inside = false;
        if self.effects == effects {
            self.memo.remember(lookup);
        }
    }

    /// [`item_value`](Self::item_value) of an object (`value`, whose `members` these are) of
    /// a complex type.
    fn object_value(
        &mut self,
        e: &'static E,
        ty: Option<&'static TypeRef>,
        value: &Value<'_>,
        members: &Members<'_>,
        slice: Option<&'static E>,
    ) {
        let code = ty.map_or("", |t| t.code);
        if !members.is_empty() && members.iter().all(|(k, _)| k == "id") {
            self.error(
                "ele-1",
                "an element needs a value, children or extensions besides `id` (ele-1)".into(),
                None,
                Some("only `id`".into()),
            );
        }
        let children = children_of(e, ty);
        self.object(members, e, children, false, None);
        if e.extra != 0 {
            if let Some(fixed) = e.fixed_value(self.target) {
                self.fixed(fixed, value, "fixed");
            }
            if let Some(pattern) = e.pattern_value() {
                self.fixed(pattern, value, "pattern");
            }
        }
        match code {
            "Reference" => self.reference(ty, members),
            "Extension" => {
                let has_value = has_choice(members, "value");
                let has_extension = get(members, "extension").is_some();
                if has_value == has_extension {
                    let found =
                        if has_value { "both a value and extensions" } else { "neither a value nor extensions" };
                    self.error(
                        "ext-1",
                        format!("an extension has either a value or nested extensions (ext-1); found {found}"),
                        None,
                        Some(found.into()),
                    );
                }
                if slice.is_none() {
                    self.outside_ig(members);
                }
            }
            _ => {}
        }
        if let Some(b) = e.binding(self.target) {
            check_binding(self, e, b, code, members);
        }
        self.invariants(members, e, ty);
    }

    /// A fixed value must equal the instance; a pattern must be contained in it.
    /// `json` is the value's text, `expected` what it parses to (`None` for a text that is not
    /// JSON: nothing is checked).
    fn fixed(&mut self, (json, expected): tables::JsonText, value: &Value<'_>, kind: &'static str) {
        let Some(expected) = expected else { return };
        let ok = if kind == "fixed" { same_json(expected, value) } else { contains_pattern(expected, value) };
        if !ok {
            let found = short(value);
            self.error(
                kind,
                format!("expected the {kind} value {json}, found {found}"),
                Some(json.to_string()),
                Some(found),
            );
        }
    }

    /// An information finding for an extension that no definition here describes (not under
    /// [`ProfileChoice::Core`], which asks about STU3 only: any extension is STU3).
    fn outside_ig(&mut self, members: &Members<'_>) {
        if self.profile == ProfileChoice::Core {
            return;
        }
        let Some(url) = get_str(members, "url") else { return };
        // The same few URLs come again and again: the message of each is made once.
        let message = match self.outside_ig_messages.get(url) {
            Some(message) => message.clone(),
            None => {
                let message = outside_ig_message(url, self.target);
                if self.outside_ig_messages.len() < OUTSIDE_IG_KEPT {
                    self.outside_ig_messages.insert(url.to_string(), message.clone());
                }
                message
            }
        };
        if message.is_empty() {
            return;
        }
        self.push(Severity::Information, "extension-outside-ig", message, None, Some(url.to_string()));
    }

    pub(super) fn invariants(&mut self, members: &Members<'_>, e: &'static E, ty: Option<&'static TypeRef>) {
        let root = ty.and_then(|t| t.root()).filter(|r| !std::ptr::eq(*r, e));
        // Most elements have only invariants the walk checks itself (ele-1).
        if !invariants::has_evaluated_constraints(e) && !root.is_some_and(invariants::has_evaluated_constraints) {
            return;
        }
        let own = e.constraints();
        let inherited = root.into_iter().flat_map(E::constraints);
        let chain = || own.clone().chain(inherited.clone());
        let is_resource = ty.is_none() && get(members, "resourceType").is_some();
        let type_name = ty.map_or("", |t| t.code);
        let empty = Value::Object(Vec::new());
        for (i, c) in chain().enumerate() {
            // Those the walk checks itself give nothing here.
            if invariants::by_the_walk(c) || chain().take(i).any(|earlier| std::ptr::eq(earlier, c)) {
                continue;
            }
            let summary = match self.scopes.last() {
                Some(scope) if !is_resource && invariants::reads_the_resource(c) => {
                    self.effects += 1;
                    Some(invariants::resource_summary(&scope.contained))
                }
                _ => None,
            };
            let resource = (!is_resource).then_some(summary.as_ref().unwrap_or(&empty));
            match invariants::evaluate(c, members, type_name, e, resource) {
                invariants::Outcome::Holds | invariants::Outcome::Elsewhere => {}
                invariants::Outcome::Fails(message) => {
                    let message = format!("{message} ({}: {})", c.key, c.expression);
                    let expected = Some(c.expression.to_string());
                    if c.severity == "warning" {
                        self.push(Severity::Warning, c.key, message, expected, None);
                    } else {
                        self.error_or_deviation(e, c.key, message, expected, None);
                    }
                }
                invariants::Outcome::NotEvaluated(why) => {
                    self.note("not-evaluated", c.key, || {
                        format!("invariant {} is not evaluated here: {why} ({})", c.key, c.expression)
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Value<'_> {
        crate::json::from_str(text).unwrap()
    }

    #[test]
    fn the_fixed_and_pattern_values_of_the_tables_are_json() {
        let mut texts = 0;
        for e in tables::elements() {
            let values = [e.fixed_value(Target::Published), e.fixed_value(Target::Served), e.pattern_value()];
            for (text, parsed) in values.into_iter().flatten() {
                assert_eq!(parsed, Some(&v(text)), "{}: {text}", e.path);
                texts += 1;
            }
        }
        assert!(texts >= 20, "{texts}");
    }

    #[test]
    fn fixed_and_pattern_comparison() {
        assert!(same_json(&v(r#"{"a":1,"b":[1,2]}"#), &v(r#"{"b":[1,2],"a":1}"#)));
        assert!(!same_json(&v(r#"{"a":1}"#), &v(r#"{"a":1,"b":2}"#)));
        assert!(!same_json(&v("1.0"), &v("1")));
        let pattern = v(r#"{"coding":[{"system":"s","code":"c"}]}"#);
        assert!(contains_pattern(
            &pattern,
            &v(r#"{"coding":[{"system":"x"},{"system":"s","code":"c","display":"d"}],"text":"t"}"#)
        ));
        assert!(!contains_pattern(&pattern, &v(r#"{"coding":[{"system":"s","code":"d"}]}"#)));
    }
}
