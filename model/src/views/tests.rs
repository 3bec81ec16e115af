//! The single pass of `for_each_field` over a level's extensions lists exactly what calling
//! each accessor in turn lists (`all_fields_by_accessor`, generated for the tests): on every
//! recorded response, and on mutations of them that take the paths a single pass could get
//! wrong: an extension repeated with its URL (the first of them with a value of the wrong
//! type, or both alike), URLs no field selects (one byte off a known one, unknown under the
//! shared folder, none at all), and elements without extensions.
use std::path::{Path, PathBuf};

use super::{BeneficiaryCoverage, BeneficiaryPatient, ClaimView, LocatedField};
use crate::json::Primitive;
use crate::primitives::{FhirString, Uri};
use crate::types::{Extension, ExtensionValue};
use crate::Resource;

/// The recorded responses: `samples/v1-normalized/` and every version of
/// `samples/history-normalized/`, or none where `../shared/data` is absent.
fn recorded() -> Vec<PathBuf> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/samples");
    if !data.is_dir() {
        assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "CI=true needs ../shared/data beside the checkout");
        eprintln!("skipping: no ../shared/data");
        return Vec::new();
    }
    let mut folders = vec![data.join("v1-normalized")];
    let history = std::fs::read_dir(data.join("history-normalized")).expect("the history samples");
    folders.extend(history.map(|e| e.expect("a directory entry").path()));
    let mut files: Vec<PathBuf> = folders
        .iter()
        .flat_map(|f| std::fs::read_dir(f).expect("a samples folder"))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// The resources of a response: a Bundle's entries, or the resource itself.
fn resources_of(resource: Resource<'_>) -> Vec<Resource<'_>> {
    match resource {
        Resource::Bundle(b) => b.entry.into_iter().filter_map(|e| e.resource).collect(),
        other => vec![other],
    }
}

/// What the view of `resource` lists through the single pass, and by calling each accessor.
fn listings(resource: &Resource<'_>) -> Option<(Vec<LocatedField>, Vec<LocatedField>)> {
    match resource {
        Resource::ExplanationOfBenefit(eob) => ClaimView::of(eob).map(|v| (v.all_fields(), v.all_fields_by_accessor())),
        Resource::Patient(p) => {
            Some((BeneficiaryPatient(p).all_fields(), BeneficiaryPatient(p).all_fields_by_accessor()))
        }
        Resource::Coverage(c) => {
            Some((BeneficiaryCoverage(c).all_fields(), BeneficiaryCoverage(c).all_fields_by_accessor()))
        }
        _ => None,
    }
}

/// A change to every extension list of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mutation {
    /// Before each extension, a copy of it (without nested extensions) whose value is of
    /// another type: the accessor must skip it and read the original.
    WrongTypeFirst,
    /// After each extension, the same again: the first wins, a repeating field lists both.
    Repeated,
    /// After each extension, a copy of it with the value of another extension of the list of
    /// the same type: the first, the original, wins.
    RepeatedOtherValue,
    /// Before each extension, copies with a URL no field selects: one byte off its own (same
    /// length), an unknown variable under the shared folder, and none.
    UnknownUrls,
    /// No extensions at all.
    NoExtensions,
}

const MUTATIONS: [Mutation; 5] = [
    Mutation::WrongTypeFirst,
    Mutation::Repeated,
    Mutation::RepeatedOtherValue,
    Mutation::UnknownUrls,
    Mutation::NoExtensions,
];

/// `list` changed by `mutation`.
fn mutate<'a>(list: &mut Vec<Extension<'a>>, mutation: Mutation) {
    let originals = std::mem::take(list);
    // A value of the same type as `value`, from another extension of the list.
    let other_value = |value: &Option<ExtensionValue<'a>>| {
        let kind = value.as_ref().map(std::mem::discriminant);
        originals
            .iter()
            .map(|o| &o.value)
            .find(|v| v.as_ref().map(std::mem::discriminant) == kind && *v != value)
            .cloned()
    };
    for e in originals.iter().cloned() {
        match mutation {
            Mutation::WrongTypeFirst => {
                let value = match e.value {
                    Some(ExtensionValue::Boolean(_)) => {
                        ExtensionValue::String(Primitive::new(FhirString::new("wrong").expect("a string")))
                    }
                    _ => ExtensionValue::Boolean(Primitive::new(true)),
                };
                list.push(Extension { value: Some(value), rare: Default::default(), ..e.clone() });
                list.push(e);
            }
            Mutation::Repeated => {
                list.push(e.clone());
                list.push(e);
            }
            Mutation::RepeatedOtherValue => {
                let other = other_value(&e.value);
                list.push(e.clone());
                if let Some(value) = other {
                    list.push(Extension { value, ..e });
                }
            }
            Mutation::UnknownUrls => {
                if let Some(url) = e.url.as_ref().map(|u| u.as_str().to_string()) {
                    // The last byte changed, the length kept.
                    let mut off = url.into_bytes();
                    if let Some(last) = off.last_mut() {
                        *last = if *last == b'x' { b'y' } else { b'x' };
                    }
                    let off = String::from_utf8(off).expect("ASCII");
                    list.push(Extension { url: Some(Uri::new(off).expect("a URI")), ..e.clone() });
                }
                let unknown = "https://bluebutton.cms.gov/resources/variables/no_such_variable";
                list.push(Extension { url: Some(Uri::new(unknown).expect("a URI")), ..e.clone() });
                list.push(Extension { url: None, ..e.clone() });
                list.push(e);
            }
            Mutation::NoExtensions => {}
        }
    }
}

/// Applies `mutation` to the extensions of every level the views read: the resource and, for
/// a claim, each line, care team member, diagnosis and procedure.
fn mutate_levels(resource: &mut Resource<'_>, mutation: Mutation) {
    match resource {
        Resource::ExplanationOfBenefit(eob) => {
            mutate(&mut eob.extension, mutation);
            eob.item.iter_mut().for_each(|x| mutate(&mut x.extension, mutation));
            eob.care_team.iter_mut().for_each(|x| mutate(&mut x.extension, mutation));
            eob.diagnosis.iter_mut().for_each(|x| mutate(&mut x.extension, mutation));
            eob.procedure.iter_mut().for_each(|x| mutate(&mut x.rare.extension, mutation));
        }
        Resource::Patient(p) => mutate(&mut p.extension, mutation),
        Resource::Coverage(c) => mutate(&mut c.extension, mutation),
        _ => {}
    }
}

/// The single pass lists what the accessors list, on every recorded resource and each
/// mutation of it; where a mutation only adds extensions no field reads, it lists what the
/// resource itself lists.
#[test]
fn the_single_pass_lists_what_the_accessors_list() {
    let files = recorded();
    let (mut resources, mut fields) = (0, 0);
    let mut changed = [0usize; MUTATIONS.len()];
    for path in &files {
        let bytes = std::fs::read(path).expect("a sample");
        let parsed: Resource = crate::json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for resource in resources_of(parsed) {
            let Some((single, reference)) = listings(&resource) else { continue };
            assert_eq!(single, reference, "{}: {}", path.display(), resource.resource_type());
            resources += 1;
            fields += single.len();
            for (m, mutation) in MUTATIONS.into_iter().enumerate() {
                let mut mutant = resource.clone();
                mutate_levels(&mut mutant, mutation);
                let (single_m, reference_m) = listings(&mutant).expect("still a view");
                assert_eq!(single_m, reference_m, "{}: {} {mutation:?}", path.display(), resource.resource_type());
                if matches!(mutation, Mutation::WrongTypeFirst | Mutation::UnknownUrls) {
                    assert_eq!(single_m, single, "{}: {} {mutation:?}", path.display(), resource.resource_type());
                }
                if single_m != single {
                    changed[m] += 1;
                }
            }
        }
    }
    if files.is_empty() {
        return;
    }
    eprintln!("{resources} resources, {fields} fields; changed by each mutation: {changed:?}");
    assert!(resources > 100 && fields > 10_000, "{resources} resources, {fields} fields");
    // Removing the extensions removes the fields read from them.
    assert!(changed[4] > 0, "{changed:?}");
}
