//! What a validation checks against: the [`Target`] and the [`ProfileChoice`], together the
//! [`Options`] of a validation.
use std::fmt;
use std::str::FromStr;

use super::finding::Target;
use super::tables;

/// Which definition each resource is checked against.
///
/// The choice applies to the document's resource and, in a Bundle, to each entry's resource;
/// a contained resource is always checked against its STU3 core definition (or, under
/// [`ProfileChoice::Auto`], the known profile its own `meta.profile` names).
///
/// ```
/// use bluebutton_model::validate::{Options, ProfileChoice, Target};
/// // A Patient that is not a Medicare beneficiary: plain STU3.
/// let input = br#"{"resourceType":"Patient","id":"p1","gender":"female","maritalStatus":{"text":"married"}}"#;
/// let auto = Options::new(Target::Served).validate_json(input).unwrap();
/// assert!(!auto.is_valid()); // the Blue Button profile prohibits maritalStatus
/// let core = Options::new(Target::Served).profile(ProfileChoice::Core).validate_json(input).unwrap();
/// assert!(core.is_valid());
/// assert_eq!(core.profile, Some("http://hl7.org/fhir/StructureDefinition/Patient"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ProfileChoice {
    /// The default. A resource whose `meta.profile` names a [`KnownProfile`] of its type is
    /// checked against that profile (the first one named); other profiles it names are not
    /// known here and are left aside. Otherwise Patient, Coverage and each claim type's
    /// ExplanationOfBenefit are checked against their Blue Button profile, and every other
    /// resource against its STU3 core definition.
    #[default]
    Auto,
    /// Only the STU3 core definitions, whatever the resource's `meta.profile` says: a Patient
    /// that is not a Blue Button beneficiary is not judged by the Blue Button profile.
    Core,
    /// One profile, for the resources of its type (a Bundle's entries of that type included);
    /// resources of other types are checked against their STU3 core definition, and a document
    /// of another type (not a Bundle) is an error (`profile`).
    Profile(KnownProfile),
}

impl fmt::Display for ProfileChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileChoice::Auto => f.write_str("auto"),
            ProfileChoice::Core => f.write_str("core"),
            ProfileChoice::Profile(p) => f.write_str(p.url()),
        }
    }
}

/// `auto`, `core`, or the URL of a [`KnownProfile`].
impl FromStr for ProfileChoice {
    type Err = UnknownProfile;

    fn from_str(s: &str) -> Result<Self, UnknownProfile> {
        match s {
            "auto" => Ok(ProfileChoice::Auto),
            "core" => Ok(ProfileChoice::Core),
            url => KnownProfile::new(url).map(ProfileChoice::Profile),
        }
    }
}

/// A resource profile the validator has the definition of: one of the Blue Button IG's
/// profiles, or the STU3 core definition of a resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KnownProfile {
    url: &'static str,
    resource_type: &'static str,
    ig: bool,
}

impl KnownProfile {
    /// The known profile with this canonical URL.
    ///
    /// ```
    /// use bluebutton_model::validate::KnownProfile;
    /// let p = KnownProfile::new("http://hl7.org/fhir/StructureDefinition/bluebutton-coverage").unwrap();
    /// assert_eq!(p.resource_type(), "Coverage");
    /// let err = KnownProfile::new("http://example.org/x").unwrap_err();
    /// assert!(err.to_string().contains("bluebutton-patient-claim"));
    /// ```
    pub fn new(url: &str) -> Result<KnownProfile, UnknownProfile> {
        tables::structure(url).and_then(KnownProfile::of).ok_or_else(|| UnknownProfile { url: url.to_string() })
    }

    fn of(s: &'static tables::Structure) -> Option<KnownProfile> {
        let abstract_base = matches!(s.type_, "Resource" | "DomainResource");
        (s.kind == "resource" && !abstract_base).then_some(KnownProfile {
            url: s.url,
            resource_type: s.type_,
            ig: s.ig,
        })
    }

    /// Every known profile: the IG's, then the STU3 core definitions, each sorted by URL.
    pub fn all() -> Vec<KnownProfile> {
        let mut all: Vec<KnownProfile> = tables::STRUCTURES.iter().filter_map(KnownProfile::of).collect();
        all.sort_by_key(|p| (!p.ig, p.url));
        all
    }

    /// The canonical URL.
    pub fn url(&self) -> &'static str {
        self.url
    }

    /// The resource type it constrains or defines (`Patient`).
    pub fn resource_type(&self) -> &'static str {
        self.resource_type
    }

    /// Whether it is one of the Blue Button IG's profiles (not an STU3 core definition).
    pub fn is_ig(&self) -> bool {
        self.ig
    }

    pub(crate) fn structure(&self) -> &'static tables::Structure {
        tables::structure(self.url).expect("a known profile has a definition")
    }
}

/// A profile URL that no definition here has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownProfile {
    /// The URL asked for.
    pub url: String,
}

/// Names the URL and lists the known profiles: the IG's one by one, the STU3 core definitions
/// by their pattern.
impl fmt::Display for UnknownProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown profile `{}`; the known profiles are `auto`, `core`, the Blue Button IG's", self.url)?;
        for p in KnownProfile::all().iter().filter(|p| p.ig) {
            write!(f, "\n  {} ({})", p.url, p.resource_type)?;
        }
        let core = KnownProfile::all().iter().filter(|p| !p.ig).count();
        write!(
            f,
            "\nand the STU3 core definitions of the {core} resource types, \
             http://hl7.org/fhir/StructureDefinition/<resource type> (such as \
             http://hl7.org/fhir/StructureDefinition/Patient)"
        )
    }
}

impl std::error::Error for UnknownProfile {}

/// What a validation checks against: the [`Target`] and the [`ProfileChoice`]. The functions
/// of [`mod@crate::validate`] that take a [`Target`] check under `Options::new(target)`, that is
/// with [`ProfileChoice::Auto`]; the methods that validate under other options
/// ([`Options::validate_json`], ...) are written beside those functions.
///
/// ```
/// use bluebutton_model::validate::{Options, ProfileChoice, Target};
/// let options = Options::new(Target::Served).profile("core".parse()?);
/// let input = br#"{"resourceType":"Practitioner","id":"pr1","gender":"other","active":"yes"}"#;
/// let report = options.validate_json(input)?;
/// assert!(report.errors().any(|f| f.location == "Practitioner.active" && f.rule == "type"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Options {
    pub target: Target,
    pub profile: ProfileChoice,
    /// Threads that walk the entries of a Bundle read as a stream (`validate_reader*`; `0`:
    /// one per core). The findings are the same on any number.
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options::new(Target::default())
    }
}

impl From<Target> for Options {
    fn from(target: Target) -> Options {
        Options::new(target)
    }
}

impl Options {
    /// `target`, with [`ProfileChoice::Auto`].
    pub fn new(target: Target) -> Options {
        Options { target, profile: ProfileChoice::Auto, threads: 1 }
    }

    /// The same options with this profile choice.
    pub fn profile(self, profile: ProfileChoice) -> Options {
        Options { profile, ..self }
    }

    /// The same options with the entries of a Bundle read as a stream walked on `threads`
    /// threads (`0`: one per core), each window of input's entries shared by the threads; the
    /// findings come in the same order with the same text.
    ///
    /// ```
    /// use bluebutton_model::validate::{Options, Target};
    /// let input = br#"{"resourceType": "Bundle", "type": "searchset", "entry": [
    ///     {"resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1970-13"}},
    ///     {"resource": {"resourceType": "Patient", "id": "p2", "gender": "other"}}]}"#;
    /// let options = Options::new(Target::Served);
    /// let one = options.validate_reader(&input[..])?;
    /// assert_eq!(options.threads(4).validate_reader(&input[..])?, one);
    /// # Ok::<(), bluebutton_model::json::Error>(())
    /// ```
    pub fn threads(self, threads: usize) -> Options {
        Options { threads, ..self }
    }
}
