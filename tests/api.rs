//! The typed v1 API requests: search queries built and parsed back (with the server's rules and
//! error texts), paging over `Bundle.link`, the token response and error body, and PKCE.
use std::collections::{BTreeSet, HashMap};
use std::io;

use bluebutton::api::{
    self, BuildError, CodeVerifier, CoverageSearch, DateParam, DatePrefix, ErrorBody, ExplanationOfBenefitSearch,
    Format, Origin, PageError, Pages, PatientSearch, QueryError, ResponseError, TokenResponse, VerifierError,
};
use bluebutton::claim_type::ClaimType;
use bluebutton::json::PathSegment;
use bluebutton::stream::BundleLinks;
use bluebutton::Resource;
use proptest::prelude::*;

const SYSTEM: &str = "https://bluebutton.cms.gov/resources/codesystem/eob-type";

fn eob(query: &str) -> Result<ExplanationOfBenefitSearch, QueryError> {
    ExplanationOfBenefitSearch::parse(query)
}

fn eob_error(query: &str) -> QueryError {
    eob(query).expect_err(query)
}

fn set(types: &[ClaimType]) -> BTreeSet<ClaimType> {
    types.iter().copied().collect()
}

// ---------------------------------------------------------------------------------------------
// Building.

#[test]
fn eob_search_builds_the_expected_query() {
    let search = ExplanationOfBenefitSearch::for_patient("Patient/-20140000008325")
        .claim_types([ClaimType::Pde, ClaimType::Carrier])
        .last_updated(DateParam::ge("2020-01-01").unwrap())
        .last_updated(DateParam::lt("2021-01-01T00:00:00+05:00").unwrap())
        .service_date(DateParam::le("2019-12").unwrap())
        .count(10)
        .start_index(20)
        .format(Format::FhirJson);
    assert_eq!(search.patient.as_deref(), Some("-20140000008325"));
    assert_eq!(
        search.build().unwrap(),
        "patient=-20140000008325&type=carrier%2Cpde&_lastUpdated=ge2020-01-01\
         &_lastUpdated=lt2021-01-01T00%3A00%3A00%2B05%3A00&service-date=le2019-12&_count=10&startIndex=20\
         &_format=application%2Ffhir%2Bjson"
    );
    assert_eq!(
        search.url("https://sandbox.bluebutton.cms.gov/v1/fhir/").unwrap(),
        format!("https://sandbox.bluebutton.cms.gov/v1/fhir/ExplanationOfBenefit?{}", search.build().unwrap())
    );
    assert_eq!(
        ExplanationOfBenefitSearch::new().url(api::PRODUCTION_V1).unwrap(),
        format!("{}/ExplanationOfBenefit", api::PRODUCTION_V1)
    );
}

#[test]
fn patient_and_coverage_searches_build_the_expected_queries() {
    let patient = PatientSearch::by_id("-20140000008325").last_updated(DateParam::gt("2020").unwrap()).count(0);
    assert_eq!(patient.build().unwrap(), "_id=-20140000008325&_lastUpdated=gt2020&_count=0");
    let coverage = CoverageSearch::for_beneficiary("567834").start_index(3).format(Format::Json);
    assert_eq!(coverage.build().unwrap(), "beneficiary=Patient%2F567834&startIndex=3&_format=json");
    assert_eq!(
        coverage.url(api::SANDBOX_V1).unwrap(),
        format!("{}/Coverage?{}", api::SANDBOX_V1, coverage.build().unwrap())
    );
}

#[test]
fn building_rejects_values_the_server_does_not_accept() {
    let too_many = ExplanationOfBenefitSearch::new().count(51);
    assert_eq!(too_many.build(), Err(BuildError::CountOutOfRange { count: 51 }));
    assert_eq!(too_many.build().unwrap_err().to_string(), "_count must be between 0 and 50, found 51");
    assert!(ExplanationOfBenefitSearch::new().count(50).build().is_ok());
    assert_eq!(
        PatientSearch::new().start_index(1 << 31).url(api::SANDBOX_V1),
        Err(BuildError::StartIndexOutOfRange { start_index: 1 << 31 })
    );
    assert!(matches!(
        ExplanationOfBenefitSearch::for_patient("not an id").build(),
        Err(BuildError::InvalidId { param: "patient", .. })
    ));
    assert!(matches!(
        CoverageSearch::for_beneficiary("").validate(),
        Err(BuildError::InvalidId { param: "beneficiary", .. })
    ));
    let two_lower = ExplanationOfBenefitSearch::new()
        .service_date(DateParam::ge("2020").unwrap())
        .service_date(DateParam::gt("2021").unwrap());
    assert_eq!(two_lower.build(), Err(BuildError::MultipleLowerBounds { param: "service-date" }));
    let two_upper =
        CoverageSearch::new().last_updated(DateParam::lt("2020").unwrap()).last_updated(DateParam::le("2021").unwrap());
    assert_eq!(two_upper.build(), Err(BuildError::MultipleUpperBounds { param: "_lastUpdated" }));
    assert!(DateParam::new(DatePrefix::Ge, "2020-02-30").is_err());
    assert!(DateParam::new(DatePrefix::Ge, "yesterday").is_err());
}

// ---------------------------------------------------------------------------------------------
// Parsing: what the server accepts.

#[test]
fn claim_types_are_case_insensitive_and_may_carry_the_system() {
    assert_eq!(eob("type=carrier,PDE,Dme").unwrap().types, set(&[ClaimType::Carrier, ClaimType::Pde, ClaimType::Dme]));
    let with_system = format!("type={SYSTEM}|outpatient,{SYSTEM}%7CSnf,hha");
    assert_eq!(eob(&with_system).unwrap().types, set(&[ClaimType::Outpatient, ClaimType::Snf, ClaimType::Hha]));
    // The system alone stands for every type.
    assert_eq!(eob(&format!("type={SYSTEM}|")).unwrap().types, set(&ClaimType::ALL));
    assert_eq!(eob("type=hospice%2Cinpatient").unwrap().types, set(&[ClaimType::Hospice, ClaimType::Inpatient]));
    assert!(eob("patient=1").unwrap().types.is_empty());
}

#[test]
fn patient_accepts_an_id_or_a_reference() {
    assert_eq!(eob("patient=-20140000008325").unwrap().patient.as_deref(), Some("-20140000008325"));
    assert_eq!(eob("patient=Patient/-20140000008325").unwrap().patient.as_deref(), Some("-20140000008325"));
    assert_eq!(CoverageSearch::parse("beneficiary=Patient%2F567834").unwrap().beneficiary.as_deref(), Some("567834"));
    assert_eq!(CoverageSearch::parse("beneficiary=567834").unwrap().beneficiary.as_deref(), Some("567834"));
    assert_eq!(PatientSearch::parse("?_id=567834").unwrap().id.as_deref(), Some("567834"));
}

#[test]
fn paging_parameters_follow_the_front_server() {
    let s = eob("_count=+7&startIndex= 20 ").unwrap();
    assert_eq!((s.count, s.start_index), (Some(7), Some(20)));
    // `count` is read as `_count`, and wins over it; a repeated parameter counts with its last value.
    assert_eq!(eob("count=5").unwrap().count, Some(5));
    assert_eq!(eob("_count=9&count=5").unwrap().count, Some(5));
    assert_eq!(eob("_count=9&_count=3").unwrap().count, Some(3));
    assert_eq!(eob("type=carrier&type=pde").unwrap().types, set(&[ClaimType::Pde]));
    // Unknown parameters (and the backend-only ones the front removes) are ignored.
    assert_eq!(eob("excludeSAMHSA=true&includeTaxNumbers=true&foo=bar").unwrap(), ExplanationOfBenefitSearch::new());
    assert_eq!(PatientSearch::parse("type=bogus&service-date=bogus").unwrap(), PatientSearch::new());
    assert_eq!(eob("_format=application/json%2Bfhir").unwrap().format, Some(Format::JsonFhir));
}

#[test]
fn the_backends_own_links_parse() {
    // The paging links of the v1 backend's recorded `eobByPatientIdPaged` response.
    let first = "https://localhost:IGNORED_FIELD/v1/fhir/ExplanationOfBenefit?patient=567834&startIndex=0&_count=8";
    let s = ExplanationOfBenefitSearch::parse_url(first).unwrap();
    assert_eq!(s, ExplanationOfBenefitSearch::for_patient("567834").start_index(0).count(8));
    let own = "https://localhost:IGNORED_FIELD/v1/fhir/ExplanationOfBenefit/?_count=8&patient=567834#top";
    assert_eq!(
        ExplanationOfBenefitSearch::parse_url(own).unwrap(),
        ExplanationOfBenefitSearch::for_patient("567834").count(8)
    );
}

#[test]
fn date_ranges_parse_into_their_bounds() {
    let s =
        eob("_lastUpdated=ge2020-01-01&_lastUpdated=lt2021-01-01&service-date=gt2019-05-04T10:00:00%2B00:00").unwrap();
    assert_eq!(s.last_updated, [DateParam::ge("2020-01-01").unwrap(), DateParam::lt("2021-01-01").unwrap()]);
    assert_eq!(s.service_date, [DateParam::gt("2019-05-04T10:00:00+00:00").unwrap()]);
    assert_eq!(s.service_date[0].value().as_str(), "2019-05-04T10:00:00+00:00");
}

// ---------------------------------------------------------------------------------------------
// Parsing: the server's error texts, each one.

#[test]
fn invalid_type_has_the_front_servers_text() {
    // The front server's own test sends `INVALID-TYPE,dme` and expects this detail.
    for query in [
        "type=INVALID-TYPE,dme",
        "type=",
        "type=carrier,hospital",
        "type=carrierpde",
        "type=carrier,,pde",
        "type=carrier,%20pde",
        "type=http://bluebutton.cms.gov/resources/codesystem/eob-type|pde",
        "type=https://bluebutton.cms.gov/resources/codesystem/eob-type",
    ] {
        let e = eob_error(query);
        assert_eq!(e.to_string(), "the type parameter value is not valid", "{query}");
        assert!(matches!(e, QueryError::InvalidType { .. }), "{query}");
        assert_eq!(e.origin(), Origin::Front);
        assert_eq!(e.detail().as_deref(), Some("the type parameter value is not valid"));
    }
    assert_eq!(eob_error("type=INVALID-TYPE,dme"), QueryError::InvalidType { value: "INVALID-TYPE,dme".into() });
}

#[test]
fn date_operators_have_the_front_servers_texts() {
    for query in ["_lastUpdated=2020-01-01", "_lastUpdated=eq2020-01-01", "_lastUpdated=GE2020", "_lastUpdated=ge"] {
        assert_eq!(eob_error(query).to_string(), "the _lastUpdated operator is not valid", "{query}");
        assert_eq!(PatientSearch::parse(query).unwrap_err().to_string(), "the _lastUpdated operator is not valid");
        assert_eq!(CoverageSearch::parse(query).unwrap_err().to_string(), "the _lastUpdated operator is not valid");
    }
    // One bad value among good ones is enough.
    let e = eob_error("_lastUpdated=ge2020&_lastUpdated=2021");
    assert_eq!(e, QueryError::InvalidLastUpdatedOperator { value: "2021".into() });
    for query in ["service-date=2020-01-01", "service-date=ne2020", "service-date=lt2020&service-date=sa2019"] {
        assert_eq!(eob_error(query).to_string(), "the service-date operator is not valid", "{query}");
    }
}

#[test]
fn count_and_start_index_have_the_front_servers_texts() {
    for query in ["_count=ten", "_count=", "count=1.5", "startIndex=x", "startIndex=1e3"] {
        let e = eob_error(query);
        assert_eq!(e.to_string(), "expected int", "{query}");
        assert_eq!(e.origin(), Origin::Front);
    }
    assert_eq!(eob_error("startIndex=x"), QueryError::NotAnInteger { param: "startIndex", value: "x".into() });
    assert_eq!(eob_error("count=1.5"), QueryError::NotAnInteger { param: "_count", value: "1.5".into() });
    for query in ["_count=-1", "count=-99999999999999999999"] {
        assert_eq!(eob_error(query).to_string(), "value must be at least 0", "{query}");
    }
    for query in ["_count=51", "count=100", "_count=99999999999999999999"] {
        assert_eq!(eob_error(query).to_string(), "value must be at most 50", "{query}");
        assert_eq!(PatientSearch::parse(query).unwrap_err().to_string(), "value must be at most 50");
    }
    assert_eq!(eob("_count=0").unwrap().count, Some(0));
    assert_eq!(eob("_count=50").unwrap().count, Some(50));
}

#[test]
fn backend_errors_have_the_backends_texts() {
    let e = eob_error("startIndex=-1");
    assert_eq!(e.to_string(), "Value for startIndex cannot be negative: -1");
    assert_eq!(e, QueryError::NegativeStartIndex { start_index: -1 });
    assert_eq!(e.origin(), Origin::Backend);
    assert_eq!(
        e.detail().as_deref(),
        Some("An error occurred contacting the upstream server:Value for startIndex cannot be negative: -1")
    );
    // The front passes the integer on as Python writes it.
    assert_eq!(
        CoverageSearch::parse("startIndex=-0_7").unwrap_err().to_string(),
        "Value for startIndex cannot be negative: -7"
    );
    for query in ["startIndex=2147483648", "startIndex=-2147483649"] {
        assert_eq!(eob_error(query).to_string(), "Invalid argument in request URL: startIndex must be a number.");
    }
    assert_eq!(eob("startIndex=2147483647").unwrap().start_index, Some(2_147_483_647));

    let lower = eob_error("_lastUpdated=ge2020&_lastUpdated=gt2021");
    assert_eq!(
        lower.to_string(),
        "Can not have multiple date range parameters for the same param that specify a lower bound"
    );
    assert_eq!(lower, QueryError::MultipleLowerBounds { param: "_lastUpdated" });
    let upper = eob_error("service-date=lt2020&service-date=le2021");
    assert_eq!(
        upper.to_string(),
        "Can not have multiple date range parameters for the same param that specify an upper bound"
    );
    assert_eq!(upper, QueryError::MultipleUpperBounds { param: "service-date" });
    assert_eq!(upper.origin(), Origin::Backend);
}

#[test]
fn library_errors_say_what_is_wrong() {
    let e = eob_error("_lastUpdated=ge2020-13-01");
    assert!(matches!(e, QueryError::InvalidDate { param: "_lastUpdated", .. }), "{e:?}");
    assert!(e.to_string().starts_with("_lastUpdated value `ge2020-13-01` is not a FHIR date or dateTime"), "{e}");
    assert_eq!((e.origin(), e.detail()), (Origin::Library, None));
    assert!(matches!(eob_error("patient=a%20b"), QueryError::InvalidId { param: "patient", .. }));
    assert!(matches!(PatientSearch::parse("_id=").unwrap_err(), QueryError::InvalidId { param: "_id", .. }));
    assert_eq!(eob_error("_format=xml"), QueryError::UnsupportedFormat { value: "xml".into() });
}

#[test]
fn errors_come_in_the_servers_order() {
    // The front checks the parameters in the order they first appear ...
    assert_eq!(eob_error("_count=x&type=bad").to_string(), "expected int");
    assert_eq!(eob_error("type=bad&_count=x").to_string(), "the type parameter value is not valid");
    // ... with `count` moved behind the others, as its mapping onto `_count` does;
    assert_eq!(eob_error("count=x&type=bad").to_string(), "the type parameter value is not valid");
    // and before anything reaches the backend.
    assert_eq!(eob_error("startIndex=-1&_count=99").to_string(), "value must be at most 50");
    assert_eq!(
        eob_error("startIndex=-1&_lastUpdated=ge2020&_lastUpdated=ge2021").to_string(),
        "Can not have multiple date range parameters for the same param that specify a lower bound"
    );
}

// ---------------------------------------------------------------------------------------------
// Built, then parsed: the same request.

fn date_value() -> impl Strategy<Value = String> {
    let day = (1900u32..2100, 1u32..=12, 1u32..=28);
    prop_oneof![
        (1900u32..2100).prop_map(|y| format!("{y}")),
        (1900u32..2100, 1u32..=12).prop_map(|(y, m)| format!("{y}-{m:02}")),
        day.clone().prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        (
            day,
            0u32..24,
            0u32..60,
            0u32..60,
            prop::option::of(0u32..1000),
            prop_oneof![
                Just("Z".to_owned()),
                (0u32..14, prop::bool::ANY).prop_map(|(h, plus)| format!("{}{h:02}:00", if plus { '+' } else { '-' })),
            ]
        )
            .prop_map(|((y, mo, d), h, mi, s, frac, zone)| {
                let frac = frac.map(|f| format!(".{f:03}")).unwrap_or_default();
                format!("{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{zone}")
            }),
    ]
}

/// Zero to two date values: at most one lower and one upper bound, in either order.
fn date_range() -> impl Strategy<Value = Vec<DateParam>> {
    let lower = prop::option::of((prop::sample::select(vec![DatePrefix::Gt, DatePrefix::Ge]), date_value()));
    let upper = prop::option::of((prop::sample::select(vec![DatePrefix::Lt, DatePrefix::Le]), date_value()));
    (lower, upper, prop::bool::ANY).prop_map(|(lower, upper, swap)| {
        let mut dates: Vec<DateParam> =
            [lower, upper].into_iter().flatten().map(|(p, v)| DateParam::new(p, &v).unwrap()).collect();
        if swap {
            dates.reverse();
        }
        dates
    })
}

fn patient_id() -> impl Strategy<Value = String> {
    prop_oneof!["-?[1-9][0-9]{0,14}", "[A-Za-z0-9.-]{1,64}"]
}

fn paging() -> impl Strategy<Value = (Option<u32>, Option<u32>, Option<Format>)> {
    (
        prop::option::of(0u32..=api::MAX_PAGE_SIZE),
        prop::option::of(prop_oneof![0u32..100, 0u32..=api::MAX_START_INDEX]),
        prop::option::of(prop::sample::select(Format::ALL.to_vec())),
    )
}

fn eob_search() -> impl Strategy<Value = ExplanationOfBenefitSearch> {
    (
        prop::option::of(patient_id()),
        prop::sample::subsequence(ClaimType::ALL.to_vec(), 0..=ClaimType::ALL.len()),
        date_range(),
        date_range(),
        paging(),
    )
        .prop_map(|(patient, types, last_updated, service_date, (count, start_index, format))| {
            ExplanationOfBenefitSearch {
                patient,
                types: types.into_iter().collect(),
                last_updated,
                service_date,
                count,
                start_index,
                format,
            }
        })
}

proptest! {
    #[test]
    fn eob_searches_survive_build_then_parse(search in eob_search()) {
        let query = search.build().unwrap();
        prop_assert_eq!(&ExplanationOfBenefitSearch::parse(&query).unwrap(), &search);
        prop_assert_eq!(&ExplanationOfBenefitSearch::parse_url(&search.url(api::SANDBOX_V1).unwrap()).unwrap(), &search);
        let pairs: Vec<(String, String)> = form_pairs(&query);
        prop_assert_eq!(&ExplanationOfBenefitSearch::from_pairs(pairs).unwrap(), &search);
    }

    #[test]
    fn patient_searches_survive_build_then_parse(id in prop::option::of(patient_id()), last_updated in date_range(),
                                                 (count, start_index, format) in paging()) {
        let search = PatientSearch { id, last_updated, count, start_index, format };
        prop_assert_eq!(&PatientSearch::parse(&search.build().unwrap()).unwrap(), &search);
        prop_assert_eq!(&search.build().unwrap().parse::<PatientSearch>().unwrap(), &search);
    }

    #[test]
    fn coverage_searches_survive_build_then_parse(beneficiary in prop::option::of(patient_id()),
                                                  last_updated in date_range(),
                                                  (count, start_index, format) in paging()) {
        let search = CoverageSearch { beneficiary, last_updated, count, start_index, format };
        prop_assert_eq!(&CoverageSearch::parse(&search.build().unwrap()).unwrap(), &search);
    }

    /// Whatever the query, parsing answers (no panic), and what it accepts builds.
    #[test]
    fn any_query_parses_or_fails_cleanly(query in "[a-zA-Z_=&%+,|:./0-9 -]{0,60}") {
        if let Ok(search) = ExplanationOfBenefitSearch::parse(&query) {
            prop_assert!(search.build().is_ok());
        }
        let _ = PatientSearch::parse(&query);
        let _ = CoverageSearch::parse(&query);
    }
}

/// A query split into decoded pairs, by hand (no shared code with the library's reader): `+` is a
/// space and `%XX` a byte.
fn form_pairs(query: &str) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).unwrap()
    }
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Paging.

const BASE: &str = "https://sandbox.bluebutton.cms.gov/v1/fhir/ExplanationOfBenefit?patient=-1&_count=2";

fn page_url(start: usize) -> String {
    format!("{BASE}&startIndex={start}")
}

/// A searchset page with `first`, `next` (when given), `last` and `self` links and one
/// ExplanationOfBenefit entry per id.
fn page(start: usize, next: Option<&str>, ids: &[&str]) -> String {
    let mut links = vec![format!(r#"{{"relation": "first", "url": "{}"}}"#, page_url(0))];
    if let Some(next) = next {
        links.push(format!(r#"{{"relation": "next", "url": "{next}"}}"#));
    }
    links.push(format!(r#"{{"relation": "last", "url": "{}"}}"#, page_url(4)));
    links.push(format!(r#"{{"relation": "self", "url": "{}"}}"#, page_url(start)));
    let entries: Vec<String> = ids
        .iter()
        .map(|id| format!(r#"{{"resource": {{"resourceType": "ExplanationOfBenefit", "id": "{id}"}}}}"#))
        .collect();
    format!(
        r#"{{"resourceType": "Bundle", "type": "searchset", "total": 5, "link": [{}], "entry": [{}]}}"#,
        links.join(", "),
        entries.join(", ")
    )
}

fn three_pages() -> HashMap<String, String> {
    HashMap::from([
        (page_url(0), page(0, Some(&page_url(2)), &["carrier-1", "pde-2"])),
        (page_url(2), page(2, Some(&page_url(4)), &["dme-3", "hha-4"])),
        (page_url(4), page(4, None, &["snf-5"])),
    ])
}

fn server(pages: HashMap<String, String>) -> impl FnMut(&str) -> io::Result<Vec<u8>> {
    move |url| {
        pages
            .get(url)
            .map(|body| body.clone().into_bytes())
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "404"))
    }
}

fn entry_id(entry: &bluebutton::resources::BundleEntry<'static>) -> String {
    match &entry.resource {
        Some(Resource::ExplanationOfBenefit(eob)) => eob.id().unwrap().to_string(),
        other => panic!("not an ExplanationOfBenefit: {other:?}"),
    }
}

#[test]
fn pages_follow_next_until_the_last_page() {
    let mut fetched = Vec::new();
    let pages_served = three_pages();
    let fetch = |url: &str| {
        fetched.push(url.to_owned());
        pages_served.get(url).map(|b| b.clone().into_bytes()).ok_or_else(|| io::Error::other("404"))
    };
    let pages: Vec<_> = Pages::new(page_url(0), fetch).collect::<Result<_, _>>().unwrap();
    assert_eq!(pages.len(), 3);
    assert_eq!(fetched, [page_url(0), page_url(2), page_url(4)]);
    let urls: Vec<&str> = pages.iter().map(|p| p.url()).collect();
    assert_eq!(urls, [page_url(0), page_url(2), page_url(4)]);
    assert_eq!(pages.iter().map(|p| p.index()).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(pages[0].next_url(), Some(page_url(2).as_str()));
    assert_eq!(pages[2].next_url(), None);
    let last = pages[2].bundle();
    assert_eq!(last.self_link().unwrap().as_str(), page_url(4));
    assert_eq!(last.first_link().unwrap().as_str(), page_url(0));
    assert_eq!(last.last_link().unwrap().as_str(), page_url(4));
}

#[test]
fn entries_walk_every_page_in_order() {
    let ids: Vec<String> = api::entries(page_url(0), server(three_pages())).map(|e| entry_id(&e.unwrap())).collect();
    assert_eq!(ids, ["carrier-1", "pde-2", "dme-3", "hha-4", "snf-5"]);
    // The same through the builder's URL.
    let search = ExplanationOfBenefitSearch::for_patient("-1").count(2).start_index(0);
    let first = search.url("https://sandbox.bluebutton.cms.gov/v1/fhir").unwrap();
    let mut pages = three_pages();
    let body = pages.remove(&page_url(0)).unwrap();
    pages.insert(first.clone(), body);
    assert_eq!(api::pages(first, server(pages)).filter_map(Result::ok).count(), 3);
}

#[test]
fn a_next_link_back_to_an_earlier_page_is_a_loop() {
    let mut pages = three_pages();
    pages.insert(page_url(4), page(4, Some(&page_url(0)), &["snf-5"]));
    let results: Vec<_> = api::pages(page_url(0), server(pages)).collect();
    assert_eq!(results.len(), 4, "three pages, then the loop, then the end");
    assert!(results[..3].iter().all(Result::is_ok));
    match &results[3] {
        Err(PageError::Loop { url, index }) => assert_eq!((url.as_str(), *index), (page_url(0).as_str(), 3)),
        other => panic!("expected a loop, got {other:?}"),
    }
    let e = results.into_iter().nth(3).unwrap().unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("page 3: the next link leads back to {}, which was already fetched", page_url(0))
    );

    // A page that links to itself.
    let mut pages = three_pages();
    pages.insert(page_url(0), page(0, Some(&page_url(0)), &["carrier-1"]));
    let entries: Vec<_> = api::entries(page_url(0), server(pages)).collect();
    assert_eq!(entries.len(), 2);
    assert!(matches!(&entries[1], Err(PageError::Loop { index: 1, .. })));
}

#[test]
fn fetch_and_json_errors_stop_the_walk() {
    // The second page cannot be fetched.
    let mut pages = three_pages();
    pages.remove(&page_url(2));
    let results: Vec<_> = api::entries(page_url(0), server(pages)).collect();
    assert_eq!(results.len(), 3);
    match &results[2] {
        Err(PageError::Fetch { url, index: 1, error }) => {
            assert_eq!(url, &page_url(2));
            assert_eq!(error.kind(), io::ErrorKind::NotFound);
        }
        other => panic!("expected a fetch error, got {other:?}"),
    }

    // The second page has an entry that is not valid FHIR: the error names its JSON path.
    let mut pages = three_pages();
    pages.insert(page_url(2), page(2, Some(&page_url(4)), &["dme-3", "not an id!"]));
    let results: Vec<_> = api::pages(page_url(0), server(pages)).collect();
    assert_eq!(results.len(), 2);
    let Err(PageError::Json { url, index, error }) = &results[1] else {
        panic!("expected a JSON error: {:?}", results[1])
    };
    assert_eq!((url.as_str(), *index), (page_url(2).as_str(), 1));
    assert_eq!(error.path().to_string(), "entry[1].resource.id");
    assert!(results[1]
        .as_ref()
        .unwrap_err()
        .to_string()
        .starts_with(&format!("page 1 ({}): entry[1].resource.id: ", page_url(2))));

    // Not a Bundle at all.
    let pages = HashMap::from([(page_url(0), r#"{"resourceType": "Patient", "id": "p"}"#.to_owned())]);
    let first = api::pages(page_url(0), server(pages)).next().unwrap();
    assert!(matches!(first, Err(PageError::Json { .. })), "{first:?}");
}

// ---------------------------------------------------------------------------------------------
// Token response and error body.

#[test]
fn token_response_reads_every_member_and_keeps_unknown_ones() {
    let body = br#"{
        "access_token": "sbHv0dNaFlrKQGU3K3UOVfnFgRxtNr",
        "expires_in": 36000,
        "token_type": "Bearer",
        "scope": "profile patient/Patient.read patient/Coverage.read patient/ExplanationOfBenefit.read",
        "refresh_token": "K4BPeB3fhpIH6xf5DBWtm0iBibWvRm",
        "patient": "-20140000008325",
        "id_token": {"nested": [1, 2.50]}
    }"#;
    let t = TokenResponse::from_slice(body).unwrap();
    assert_eq!(t.access_token, "sbHv0dNaFlrKQGU3K3UOVfnFgRxtNr");
    assert_eq!(t.token_type, "Bearer");
    assert!(t.is_bearer());
    assert_eq!(t.expires_in, Some(36000));
    assert_eq!(t.refresh_token.as_deref(), Some("K4BPeB3fhpIH6xf5DBWtm0iBibWvRm"));
    assert_eq!(
        t.scopes().collect::<Vec<_>>(),
        ["profile", "patient/Patient.read", "patient/Coverage.read", "patient/ExplanationOfBenefit.read"]
    );
    assert!(t.has_scope("patient/Coverage.read"));
    assert!(!t.has_scope("patient/Coverage"));
    assert_eq!(t.patient.as_deref(), Some("-20140000008325"));
    assert_eq!(t.other.len(), 1);
    assert_eq!(t.other[0].0, "id_token");
    assert_eq!(bluebutton::json::to_string(&t.other[0].1), r#"{"nested":[1,2.50]}"#);
    // The tokens stay out of Debug.
    let debug = format!("{t:?}");
    assert!(!debug.contains("sbHv0dNa") && !debug.contains("K4BPeB3f"), "{debug}");

    let minimal =
        TokenResponse::from_json_str(r#"{"access_token": "a", "token_type": "bearer", "refresh_token": null}"#)
            .unwrap();
    assert_eq!(minimal.scopes().count(), 0);
    assert_eq!((minimal.expires_in, minimal.refresh_token, minimal.scope, minimal.patient), (None, None, None, None));
}

#[test]
fn token_response_errors_name_the_json_path() {
    let e = TokenResponse::from_slice(br#"{"token_type": "Bearer", "expires_in": 10}"#).unwrap_err();
    assert_eq!(e.to_string(), "access_token: missing required member");
    assert_eq!(e.path().0, [PathSegment::Key("access_token".into())]);
    assert!(matches!(e, ResponseError::Missing { .. }));
    let e = TokenResponse::from_slice(br#"{"access_token": "a"}"#).unwrap_err();
    assert_eq!(e.to_string(), "token_type: missing required member");

    let e = TokenResponse::from_slice(br#"{"access_token": "a", "token_type": "Bearer", "expires_in": "3600"}"#)
        .unwrap_err();
    assert_eq!(e.to_string(), "expires_in: expected a non-negative integer, found a string");
    let e =
        TokenResponse::from_slice(br#"{"access_token": "a", "token_type": "Bearer", "expires_in": -1}"#).unwrap_err();
    assert_eq!(e.to_string(), "expires_in: expected a non-negative integer, found a number");
    let e = TokenResponse::from_slice(br#"{"access_token": 7, "token_type": "Bearer"}"#).unwrap_err();
    assert_eq!(e.to_string(), "access_token: expected a string, found a number");
    let e = TokenResponse::from_slice(br#"{"access_token": "a", "access_token": "b", "token_type": "x"}"#).unwrap_err();
    assert_eq!(e.to_string(), "access_token: duplicate property `access_token`");
    let e = TokenResponse::from_slice(b"[]").unwrap_err();
    assert_eq!(e.to_string(), "$: expected an object, found an array");
    let e = TokenResponse::from_slice(br#"{"access_token": "a", "token_type": "b"} x"#).unwrap_err();
    assert!(matches!(e, ResponseError::Json(_)), "{e}");
    assert!(TokenResponse::from_slice(b"").is_err());
}

#[test]
fn error_body_reads_detail_and_keeps_the_rest() {
    let body = ErrorBody::from_slice(br#"{"detail": "value must be at most 50", "code": 400}"#).unwrap();
    assert_eq!(body.detail, "value must be at most 50");
    assert_eq!(body.to_string(), "value must be at most 50");
    assert_eq!(body.other.len(), 1);
    assert_eq!(body.other[0].0, "code");
    // A query error's detail is what the server's body holds.
    let e = eob_error("_count=51");
    let served = format!(r#"{{"detail": "{}"}}"#, e.detail().unwrap());
    assert_eq!(ErrorBody::from_json_str(&served).unwrap().detail, e.to_string());

    let e = ErrorBody::from_slice(br#"{"message": "x"}"#).unwrap_err();
    assert_eq!(e.to_string(), "detail: missing required member");
    let e = ErrorBody::from_slice(br#"{"detail": ["x"]}"#).unwrap_err();
    assert_eq!(e.to_string(), "detail: expected a string, found an array");
    assert_eq!(e.path().to_string(), "detail");
}

// ---------------------------------------------------------------------------------------------
// PKCE.

/// RFC 7636, Appendix B: the 32 octets, the verifier that encodes them and its S256 challenge.
const RFC_OCTETS: [u8; 32] = [
    116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240,
    91, 88, 5, 88, 83, 132, 141, 121,
];
const RFC_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const RFC_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

#[test]
fn pkce_matches_rfc_7636_appendix_b() {
    let verifier = CodeVerifier::from_bytes(&RFC_OCTETS).unwrap();
    assert_eq!(verifier.as_str(), RFC_VERIFIER);
    let challenge = verifier.challenge();
    assert_eq!(challenge.as_str(), RFC_CHALLENGE);
    assert_eq!(challenge.method(), "S256");
    assert_eq!(CodeVerifier::new(RFC_VERIFIER).unwrap().challenge().to_string(), RFC_CHALLENGE);
    assert_eq!(format!("{verifier:?}"), "CodeVerifier(<redacted>)");
}

#[test]
fn code_verifiers_are_checked() {
    assert_eq!(CodeVerifier::new("a".repeat(42)), Err(VerifierError::Length { len: 42 }));
    assert_eq!(CodeVerifier::new("a".repeat(129)), Err(VerifierError::Length { len: 129 }));
    assert!(CodeVerifier::new("a".repeat(43)).is_ok());
    assert!(CodeVerifier::new("-._~09AZaz".repeat(12) + "abcdefgh").is_ok());
    let bad = format!("{}+", "a".repeat(50));
    assert_eq!(CodeVerifier::new(bad), Err(VerifierError::Character { character: '+', offset: 50 }));
    assert!(matches!(
        CodeVerifier::new(format!("{}é", "a".repeat(50))),
        Err(VerifierError::Character { character: 'é', .. })
    ));
    assert_eq!(CodeVerifier::from_bytes(&[0; 31]), Err(VerifierError::Length { len: 42 }));
    assert_eq!(CodeVerifier::from_bytes(&[0xff; 96]).unwrap().as_str().len(), 128);
    assert_eq!(CodeVerifier::from_bytes(&[0; 97]), Err(VerifierError::Length { len: 130 }));
    assert_eq!(
        VerifierError::Length { len: 42 }.to_string(),
        "a code verifier has 43 to 128 characters, found 42 (RFC 7636 §4.1)"
    );
}

#[test]
fn generated_verifiers_are_valid_and_differ() {
    let a = CodeVerifier::generate().unwrap();
    let b = CodeVerifier::generate().unwrap();
    assert_eq!(a.as_str().len(), 43);
    assert!(CodeVerifier::new(a.as_str()).is_ok());
    assert_ne!(a, b);
    assert_ne!(a.challenge(), b.challenge());
}
