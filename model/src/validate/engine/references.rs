//! References: a local `#id` (to a contained resource, `ref-1`), a relative `Type/id` or an
//! absolute URL, and whether the referenced type is one the element allows.
use super::Engine;
use crate::primitives::Id;
use crate::validate::object::{get_str, Members};
use crate::validate::tables::{self, TypeRef};
use crate::validate::terminology;

fn is_absolute(reference: &str) -> bool {
    reference.starts_with("urn:")
        || reference.split_once("://").is_some_and(|(scheme, _)| {
            !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        })
}

/// The resource type of a relative reference `Type/id` or `Type/id/_history/vid`.
fn relative_type(reference: &str) -> Result<&str, String> {
    let parts: Vec<&str> = reference.split('/').collect();
    let (resource_type, id, version) = match parts.as_slice() {
        [t, id] => (*t, *id, None),
        [t, id, "_history", v] => (*t, *id, Some(*v)),
        _ => return Err("expected Type/id (or Type/id/_history/vid)".into()),
    };
    if !terminology::is_resource_type(resource_type) {
        return Err(format!("`{resource_type}` is not an STU3 resource type"));
    }
    for part in std::iter::once(id).chain(version) {
        if let Err(e) = Id::new(part) {
            return Err(format!("`{part}` is not an id ({e})"));
        }
    }
    Ok(resource_type)
}

/// The resource type a target profile stands for.
fn target_type(url: &str) -> &str {
    match tables::structure(url) {
        Some(s) => s.type_,
        None => url.rsplit('/').next().unwrap_or(url),
    }
}

impl Engine {
    pub(super) fn reference(&mut self, ty: Option<&'static TypeRef>, members: &Members<'_>) {
        // A reference reads the resource's scope (`#id`), and adds to it.
        self.effects += 1;
        let Some(reference) = get_str(members, "reference") else { return };
        let targets = ty.map_or(&[][..], TypeRef::targets);
        let referenced_type: Option<String> = if let Some(id) = reference.strip_prefix('#') {
            if id.is_empty() {
                if self.in_contained == 0 {
                    self.at("reference", |s| {
                        s.error(
                            "reference-local",
                            "`#` refers to the containing resource, which only a contained resource has".into(),
                            None,
                            Some("#".into()),
                        )
                    });
                }
                return;
            }
            let Some(scope) = self.scopes.last_mut() else { return };
            scope.referenced.push(id.to_string());
            match scope.contained.iter().find(|(c, _, _)| c == id) {
                Some((_, rt, _)) => Some(rt.clone()),
                None => {
                    let ids: Vec<String> = scope.contained.iter().map(|(c, _, _)| format!("#{c}")).collect();
                    self.at("reference", |s| {
                        s.error(
                            "ref-1",
                            format!("`{reference}` does not resolve to a contained resource (ref-1)"),
                            Some(if ids.is_empty() {
                                "a contained resource (there is none)".into()
                            } else {
                                ids.join(", ")
                            }),
                            Some(reference.to_string()),
                        )
                    });
                    return;
                }
            }
        } else if is_absolute(reference) {
            None
        } else {
            match relative_type(reference) {
                Ok(t) => Some(t.to_string()),
                Err(why) => {
                    self.at("reference", |s| {
                        s.error(
                            "reference-shape",
                            format!("`{reference}` is not a reference: {why}"),
                            Some("Type/id, Type/id/_history/vid, an absolute URL or #id".into()),
                            Some(reference.to_string()),
                        )
                    });
                    return;
                }
            }
        };
        let Some(found) = referenced_type else { return };
        let allowed: Vec<&str> = targets.iter().map(|t| target_type(t)).collect();
        if allowed.is_empty() || allowed.iter().any(|t| *t == "Resource" || *t == found) {
            return;
        }
        self.at("reference", |s| {
            s.error(
                "reference-target",
                format!("`{reference}` refers to a {found}; this reference allows {}", allowed.join(", ")),
                Some(allowed.join(" | ")),
                Some(found.clone()),
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_shapes() {
        assert_eq!(relative_type("Patient/1"), Ok("Patient"));
        assert_eq!(relative_type("Patient/1/_history/2"), Ok("Patient"));
        assert!(relative_type("Patient").is_err());
        assert!(relative_type("patient/1").is_err());
        assert!(relative_type("Patient/1/history/2").is_err());
        assert!(relative_type("Patient/").is_err());
        assert!(is_absolute("https://x.org/Patient/1"));
        assert!(is_absolute("urn:uuid:0f6c1c3e-5b1a-4b8a-9c57-1f6b2a0f9e11"));
        assert!(!is_absolute("Patient/1"));
    }
}
