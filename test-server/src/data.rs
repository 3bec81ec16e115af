//! The beneficiaries the server holds: the real samples and generated ones, each resource kept
//! as its compact JSON.
use std::io;
use std::path::Path;

use bluebutton::claim_type::ClaimType;
use bluebutton::json::{self, ToJson};
use bluebutton::resources::Bundle;
use bluebutton::synth;
use bluebutton::Resource;

/// One resource: its compact JSON and what searches filter on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// `resourceType/id`.
    pub key: String,
    /// The claim type of an ExplanationOfBenefit.
    pub claim_type: Option<ClaimType>,
    /// `meta.lastUpdated`, as written.
    pub last_updated: Option<String>,
    /// Compact JSON.
    pub json: String,
}

impl Stored {
    fn new(resource: &Resource<'_>) -> Self {
        let key = format!("{}/{}", resource.resource_type(), resource.id().map(|i| i.as_str()).unwrap_or_default());
        let claim_type = match resource {
            Resource::ExplanationOfBenefit(eob) => ClaimType::of(eob),
            _ => None,
        };
        let json = resource.to_json_string();
        let last_updated = serde_json::from_str::<serde_json::Value>(&json)
            .ok()
            .and_then(|v| v.get("meta")?.get("lastUpdated")?.as_str().map(str::to_owned));
        Stored { key, claim_type, last_updated, json }
    }
}

impl Stored {
    /// A resource served exactly as `json` says, even where the model would refuse it (a
    /// mutation of real data): its key from `resourceType` and `id`, an EOB's claim type from
    /// its id's prefix.
    ///
    /// # Errors
    ///
    /// When `json` is not a JSON object.
    pub fn from_json(json: String) -> Result<Self, String> {
        let value: serde_json::Value = serde_json::from_str(&json).map_err(|e| e.to_string())?;
        let text = |name: &str| value.get(name).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        let (resource_type, id) = (text("resourceType"), text("id"));
        let claim_type = (resource_type == "ExplanationOfBenefit").then(|| ClaimType::from_id(&id)).flatten();
        let last_updated =
            value.get("meta").and_then(|m| m.get("lastUpdated")).and_then(|v| v.as_str()).map(str::to_owned);
        Ok(Stored { key: format!("{resource_type}/{id}"), claim_type, last_updated, json })
    }
}

/// A beneficiary: the Patient, the Coverages and the claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beneficiary {
    /// The Patient id.
    pub id: String,
    /// The Patient.
    pub patient: Stored,
    /// The Coverages.
    pub coverage: Vec<Stored>,
    /// The ExplanationOfBenefits.
    pub claims: Vec<Stored>,
}

impl Beneficiary {
    /// Every resource, compact JSON, in the order Patient, Coverage, claims.
    pub fn resources(&self) -> impl Iterator<Item = &Stored> {
        std::iter::once(&self.patient).chain(&self.coverage).chain(&self.claims)
    }
}

fn read(dir: &Path, name: &str) -> io::Result<Vec<u8>> {
    let path = dir.join(name);
    std::fs::read(&path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

fn parse<'a, T: json::FromJson<'a>>(bytes: &'a [u8], name: &str) -> io::Result<T> {
    json::from_slice(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{name}: {e}")))
}

/// The real beneficiary of the samples (`v1-normalized`): `patientRead.json`, the entries of
/// `coverageSearchByPatientId.json` and of `eobByPatientIdAll.json`.
///
/// # Errors
///
/// When a file cannot be read or parsed (the message names the file and the JSON path).
pub fn samples(dir: &Path) -> io::Result<Beneficiary> {
    let bytes = read(dir, "patientRead.json")?;
    let patient: Resource<'_> = parse(&bytes, "patientRead.json")?;
    let entries = |name: &str| -> io::Result<Vec<Stored>> {
        let bytes = read(dir, name)?;
        let bundle: Bundle<'_> = parse(&bytes, name)?;
        Ok(bundle.entry.iter().filter_map(|e| e.resource.as_ref()).map(Stored::new).collect())
    };
    let id = patient.id().map(|i| i.as_str().to_owned()).unwrap_or_default();
    Ok(Beneficiary {
        id,
        patient: Stored::new(&patient),
        coverage: entries("coverageSearchByPatientId.json")?,
        claims: entries("eobByPatientIdAll.json")?,
    })
}

/// The generated beneficiaries of `options` ([`bluebutton::synth`]).
pub fn synthetic(options: &synth::Options) -> Vec<Beneficiary> {
    synth::beneficiaries(options)
        .map(|b| Beneficiary {
            id: b.patient.id().map(|i| i.as_str().to_owned()).unwrap_or_default(),
            patient: Stored::new(&b.patient),
            coverage: b.coverage.iter().map(Stored::new).collect(),
            claims: b.claims.iter().map(Stored::new).collect(),
        })
        .collect()
}
