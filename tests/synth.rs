//! The synthetic data generator: valid under the served profiles for a thousand seeds,
//! lossless round-trips, every field of every view filled and read back, and the promised
//! relations (amounts add up, dates in the billing period, links resolve).
use std::collections::{BTreeMap, BTreeSet};

use bluebutton::claim_type::ClaimType;
use bluebutton::json::{self, ParseOptions, ToJson};
use bluebutton::resources::ExplanationOfBenefit;
use bluebutton::stream::BundleReader;
use bluebutton::synth::{self, strategy, Layout, Options};
use bluebutton::validate::{validate, Severity};
use bluebutton::views::{fields_of, ClaimView, FieldInfo, *};
use bluebutton::Resource;
use proptest::prelude::*;

/// Error findings of `resource`, one line each.
fn errors(resource: &Resource<'_>) -> Vec<String> {
    validate(resource)
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{} {}: {}", f.rule, f.location, f.message))
        .collect()
}

/// Validates every resource of beneficiary 0 for each seed in `seeds`; returns the distinct
/// errors with how often they occurred.
fn errors_over(seeds: std::ops::Range<u64>) -> BTreeMap<String, usize> {
    let mut problems = BTreeMap::new();
    for seed in seeds {
        let options = Options { seed, patients: 1, ..Options::default() };
        let bene = synth::beneficiary(&options, 0);
        for resource in bene.resources() {
            for e in errors(resource) {
                *problems.entry(format!("{} {e}", resource.resource_type())).or_insert(0) += 1;
            }
        }
    }
    problems
}

#[test]
fn a_thousand_seeds_are_valid_under_served() {
    // Two threads: the machine that runs the tests has two cores.
    let problems = std::thread::scope(|s| {
        let halves = [s.spawn(|| errors_over(0..500)), s.spawn(|| errors_over(500..1000))];
        let mut all = BTreeMap::new();
        for h in halves {
            for (k, n) in h.join().expect("no panic") {
                *all.entry(k).or_insert(0) += n;
            }
        }
        all
    });
    let listing: Vec<String> = problems.iter().map(|(p, n)| format!("{n:5} {p}")).collect();
    assert!(problems.is_empty(), "{} kinds of error:\n{}", problems.len(), listing.join("\n"));
}

#[test]
fn resources_round_trip_exactly() {
    for seed in 0..20 {
        let bene = synth::beneficiary(&Options { seed, ..Options::default() }, 3);
        for resource in bene.resources() {
            let text = resource.to_json_string();
            let diff = json::round_trip_difference::<Resource<'_>>(text.as_bytes(), ParseOptions::default())
                .expect("generated JSON parses");
            assert_eq!(diff, None, "seed {seed}: {} does not round-trip", resource.resource_type());
        }
    }
}

#[test]
fn the_same_options_give_the_same_bytes() {
    let write = |options: &Options| {
        let mut out = Vec::new();
        synth::write_searchset(&mut out, options, Layout::Compact).unwrap();
        out
    };
    let options = Options { seed: 42, patients: 3, ..Options::default() };
    assert_eq!(write(&options), write(&options));
    assert_ne!(write(&options), write(&Options { seed: 43, ..options.clone() }));
    // A beneficiary does not depend on the ones before it.
    let alone = synth::beneficiary(&options, 2).claims[0].to_json_string();
    let in_set: Vec<_> = synth::beneficiaries(&options).collect();
    assert_eq!(in_set[2].claims[0].to_json_string(), alone);
}

/// The `FieldInfo`s of every level of `ty`'s views.
fn fields_of_type(ty: ClaimType) -> Vec<&'static FieldInfo> {
    let levels: Vec<&[&FieldInfo]> = match ty {
        ClaimType::Carrier => {
            vec![CarrierClaim::FIELDS, CarrierLine::FIELDS, CarrierCareTeam::FIELDS, CarrierDiagnosis::FIELDS]
        }
        ClaimType::Dme => vec![DmeClaim::FIELDS, DmeLine::FIELDS, DmeCareTeam::FIELDS, DmeDiagnosis::FIELDS],
        ClaimType::Hha => vec![HhaClaim::FIELDS, HhaLine::FIELDS, HhaDiagnosis::FIELDS],
        ClaimType::Hospice => vec![HospiceClaim::FIELDS, HospiceLine::FIELDS, HospiceDiagnosis::FIELDS],
        ClaimType::Inpatient => {
            vec![InpatientClaim::FIELDS, InpatientLine::FIELDS, InpatientDiagnosis::FIELDS, InpatientProcedure::FIELDS]
        }
        ClaimType::Outpatient => {
            vec![
                OutpatientClaim::FIELDS,
                OutpatientLine::FIELDS,
                OutpatientDiagnosis::FIELDS,
                OutpatientProcedure::FIELDS,
            ]
        }
        ClaimType::Pde => vec![PdeClaim::FIELDS, PdeLine::FIELDS],
        ClaimType::Snf => vec![SnfClaim::FIELDS, SnfLine::FIELDS, SnfDiagnosis::FIELDS, SnfProcedure::FIELDS],
    };
    levels.into_iter().flatten().copied().collect()
}

#[test]
fn every_field_of_every_view_is_generated_and_read_back() {
    for ty in ClaimType::ALL {
        let mut seen: BTreeSet<*const FieldInfo> = BTreeSet::new();
        let missing = |seen: &BTreeSet<*const FieldInfo>| -> Vec<&str> {
            fields_of_type(ty)
                .into_iter()
                .filter(|f| f.current != seen.contains(&(*f as *const FieldInfo)))
                .map(|f| f.location)
                .collect()
        };
        // Most fields come in every claim; a present-on-admission indicator only on an
        // inpatient claim with as many diagnoses as its number.
        for seed in 0..300 {
            let eob = synth::claim(seed, ty);
            let view = ClaimView::of(&eob).expect("a claim type");
            assert_eq!(view.claim_type(), ty);
            seen.extend(view.all_fields().iter().map(|f| f.field.info as *const FieldInfo));
            if seed >= 10 && missing(&seen).is_empty() {
                break;
            }
        }
        let missing = missing(&seen);
        assert!(
            missing.is_empty(),
            "{ty:?}: {} field(s) never generated (or generated though the current server does not send them):\n{}",
            missing.len(),
            missing.join("\n")
        );
    }
    let mut seen: BTreeSet<*const FieldInfo> = BTreeSet::new();
    for i in 0..30 {
        let bene = synth::beneficiary(&Options { claims_per_patient: 0, ..Options::default() }, i);
        for resource in std::iter::once(&bene.patient).chain(&bene.coverage) {
            seen.extend(fields_of(resource).unwrap().iter().map(|f| f.field.info as *const FieldInfo));
        }
    }
    // Fields only older server versions sent (the 2020-10 county code) are never generated.
    assert!(BeneficiaryPatient::FIELDS.iter().any(|f| !f.current));
    let missing: Vec<&str> = BeneficiaryPatient::FIELDS
        .iter()
        .chain(BeneficiaryCoverage::FIELDS)
        .filter(|f| f.current != seen.contains(&(**f as *const FieldInfo)))
        .map(|f| f.location)
        .collect();
    assert!(
        missing.is_empty(),
        "Patient/Coverage: {} field(s) never generated (or generated though not sent now):\n{}",
        missing.len(),
        missing.join("\n")
    );
}

/// Cents of a decimal amount text.
fn cents(d: &bluebutton::primitives::Decimal<'_>) -> i64 {
    let text = d.as_str();
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    int.parse::<i64>().unwrap() * 100 + format!("{frac:0<2}").parse::<i64>().unwrap()
}

fn check_claim(eob: &ExplanationOfBenefit<'_>, ty: ClaimType) {
    let view = ClaimView::of(eob).unwrap();
    let period = eob.billable_period.as_ref().expect("a billing period");
    let (from, thru) = (period.start().unwrap().as_str(), period.end().unwrap().as_str());
    assert!(from <= thru, "{from} > {thru}");
    let costs = view.line_costs();
    assert!(!costs.is_empty());
    let mut paid = 0;
    for line in &costs {
        let submitted = cents(line.submitted.expect("submitted"));
        if let Some(allowed) = line.allowed {
            assert!(cents(allowed) <= submitted, "{ty:?}: allowed > submitted");
            let parts: i64 =
                [line.medicare_paid, line.deductible, line.coinsurance].into_iter().flatten().map(cents).sum();
            assert_eq!(parts, cents(allowed), "{ty:?}: paid + deductible + coinsurance != allowed");
        }
        paid += line.medicare_paid.map_or(0, cents);
    }
    // A revenue center's rate is its charge per unit of service (REV_CNTR_RATE_AMT), not an
    // allowed amount: rate × units is the total charge, to the cent below.
    for line in view.lines() {
        let Some(rate) = line.cost(CostRole::Rate).and_then(|m| m.value()) else { continue };
        let submitted = cents(line.cost(CostRole::Submitted).and_then(|m| m.value()).expect("submitted"));
        let units: i64 =
            line.inner().quantity.as_ref().and_then(|q| q.value()).map_or(1, |v| v.as_str().parse().unwrap());
        let rate = cents(rate);
        assert!(
            rate * units <= submitted && submitted < (rate + 1) * units,
            "{ty:?}: rate {rate} × {units} units is not the charge {submitted}"
        );
    }
    if matches!(ty, ClaimType::Carrier | ClaimType::Dme | ClaimType::Outpatient | ClaimType::Hha | ClaimType::Hospice) {
        let payment = eob.payment.as_ref().and_then(|p| p.amount.as_ref()).and_then(|a| a.value()).expect("a payment");
        assert_eq!(cents(payment), paid, "{ty:?}: payment != sum of line payments");
    }
    for item in &eob.item {
        let dates = item.serviced.as_ref().map(|s| match s {
            bluebutton::resources::ExplanationOfBenefitItemServiced::Date(d) => {
                let d = d.value.as_ref().unwrap().as_str().to_string();
                (d.clone(), d)
            }
            bluebutton::resources::ExplanationOfBenefitItemServiced::Period(p) => {
                (p.start().unwrap().as_str().to_string(), p.end().unwrap().as_str().to_string())
            }
        });
        if let Some((start, end)) = dates {
            assert!(
                from <= start.as_str() && start <= end && end.as_str() <= thru,
                "{ty:?}: line {start}..{end} outside {from}..{thru}"
            );
        }
        for link in &item.care_team_link_id {
            let n = link.value.as_ref().unwrap().get();
            assert!(
                eob.care_team.iter().any(|c| c.sequence().map(|s| s.get()) == Some(n)),
                "careTeamLinkId {n} dangles"
            );
        }
        for link in &item.diagnosis_link_id {
            let n = link.value.as_ref().unwrap().get();
            assert!(
                eob.diagnosis.iter().any(|d| d.sequence().map(|s| s.get()) == Some(n)),
                "diagnosisLinkId {n} dangles"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The promised relations hold for claims of any seed and type.
    #[test]
    fn amounts_add_up_dates_fit_and_links_resolve(eob in strategy::claim()) {
        let ty = ClaimType::of(&eob).expect("a claim type");
        check_claim(&eob, ty);
    }

    /// Any generated set, written pretty or compact, streams back entry by entry as the same
    /// resources.
    #[test]
    fn written_sets_stream_back_as_the_same_resources(options in strategy::options(), compact in any::<bool>()) {
        let layout = if compact { Layout::Compact } else { Layout::Pretty };
        let mut out = Vec::new();
        let stats = synth::write_searchset(&mut out, &options, layout).unwrap();
        let expected: Vec<String> =
            synth::beneficiaries(&options).flat_map(|b| b.resources().map(|r| r.to_json_string()).collect::<Vec<_>>()).collect();
        let read: Vec<String> = BundleReader::new(&out)
            .unwrap()
            .map(|e| e.unwrap().entry.resource.expect("a resource").to_json_string())
            .collect();
        prop_assert_eq!(read.len() as u64, stats.entries);
        prop_assert_eq!(read, expected);
    }
}

#[test]
fn the_searchset_streams_back_with_every_claim_type() {
    // Eight claims per beneficiary cycle through all eight types.
    let options = Options { seed: 5, patients: 2, claims_per_patient: 8, ..Options::default() };
    let mut out = Vec::new();
    let stats = synth::write_searchset(&mut out, &options, Layout::Pretty).unwrap();
    assert_eq!(stats.bytes, out.len() as u64);
    assert_eq!(stats.entries, 2 * (5 + 8));
    let mut reader = BundleReader::new(&out).unwrap();
    assert_eq!(reader.read_header_ahead().total().map(|t| t.get() as u64), Some(stats.entries));
    let mut types = BTreeSet::new();
    let mut n = 0;
    for entry in reader {
        let entry = entry.unwrap();
        n += 1;
        if let Some(Resource::ExplanationOfBenefit(eob)) = entry.entry.resource.as_ref() {
            types.insert(ClaimType::of(eob).unwrap());
        }
    }
    assert_eq!(n, stats.entries);
    assert_eq!(types, ClaimType::ALL.into_iter().collect::<BTreeSet<_>>());
}

/// The example data in `examples/data/` (and so the `summary` command's built-in data) is the
/// generator's output for the options below, byte for byte.
#[test]
fn the_example_data_is_generated() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data");
    let cases = [
        (
            "demo-bundle.json",
            Options {
                seed: 1,
                patients: 1,
                claims_per_patient: 2,
                claim_types: vec![ClaimType::Carrier, ClaimType::Pde],
            },
            "--seed 1 --patients 1 --claims-per-patient 2 --types carrier,pde",
        ),
        (
            "claims-bundle.json",
            Options { seed: 2, patients: 1, claims_per_patient: 8, claim_types: ClaimType::ALL.to_vec() },
            "--seed 2 --patients 1 --claims-per-patient 8",
        ),
    ];
    for (file, options, args) in cases {
        let mut expected = Vec::new();
        synth::write_searchset(&mut expected, &options, Layout::Pretty).unwrap();
        let committed = std::fs::read(root.join(file)).unwrap();
        assert!(
            committed == expected,
            "examples/data/{file} is not what the generator makes; rewrite it with\n  \
             cargo run -p bluebutton-cli -- generate {args} --out examples/data/{file}"
        );
    }
}

/// Every bluebutton URL the generator writes (extension urls, systems, category codes) is one an
/// accessor reads at that place: `bluebutton fields` finds nothing UNMAPPED in generated data.
#[test]
fn every_url_in_generated_data_is_read_by_an_accessor() {
    for seed in 0..20 {
        let bene = synth::beneficiary(&Options { seed, ..Options::default() }, 0);
        for resource in bene.resources() {
            let text = resource.to_json_string();
            let value: json::Value<'_> = json::from_str(&text).unwrap();
            let fields = fields_of(resource).expect("a Blue Button resource");
            let unmapped = bluebutton::views::unmapped(&value, &fields);
            assert!(unmapped.is_empty(), "seed {seed}, {}: {unmapped:?}", resource.resource_type());
        }
    }
}
