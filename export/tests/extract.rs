//! A resource into rows, on the real responses: the key columns, typed values, the claim's
//! levels in their tables, and a value that does not fit.
use std::path::PathBuf;

use bluebutton::claim_type::ClaimType;
use bluebutton::summary::ClaimKind;
use bluebutton::views::ClaimView;
use bluebutton::{json, Resource};
use bluebutton_export::values::Cell;
use bluebutton_export::{extract, Rows, Schema, TableKind};

#[path = "../../tests/support/shared_data.rs"]
mod shared_data;

fn sample(test: &str, name: &str) -> Option<String> {
    let dir = shared_data::found(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"), test)?;
    Some(std::fs::read_to_string(dir.join("samples/v1-normalized").join(name)).unwrap())
}

/// The cell of column `name` in the first row of table `kind`.
fn cell<'r>(schema: &Schema, rows: &'r Rows, kind: TableKind, claim: ClaimKind, name: &str) -> Option<&'r Cell> {
    let index = schema.index(kind, claim);
    let column = schema.tables[index].columns.iter().position(|c| c.name == name).unwrap_or_else(|| panic!("{name}"));
    let (_, row) = rows.iter().find(|(t, _)| *t == index)?;
    row.iter().find(|(c, _)| usize::from(*c) == column).map(|(_, cell)| cell)
}

#[test]
fn an_inpatient_claim_fills_its_tables() {
    let Some(text) = sample("an_inpatient_claim_fills_its_tables", "eobReadInpatient.json") else { return };
    let resource: Resource = json::from_str(&text).unwrap();
    let schema = Schema::new();
    let out = extract(&schema, &resource).unwrap();
    let inpatient = ClaimKind::Known(ClaimType::Inpatient);
    let count = |kind| out.rows.iter().filter(|(t, _)| *t == schema.index(kind, inpatient)).count();
    let Resource::ExplanationOfBenefit(eob) = &resource else { panic!() };
    assert_eq!(count(TableKind::Claims), 1);
    assert_eq!(count(TableKind::ClaimLines), eob.item.len());
    assert_eq!(count(TableKind::Diagnoses), eob.diagnosis.len());
    assert_eq!(count(TableKind::Procedures), eob.procedure.len());
    let claim = |name| cell(&schema, &out.rows, TableKind::Claims, inpatient, name);
    assert_eq!(claim("claim_id"), Some(&Cell::Text("inpatient-333333222222".into())));
    // Amounts in cents, exactly as written.
    let paid = eob.payment.as_ref().and_then(|p| p.amount.as_ref()).and_then(|m| m.value()).unwrap();
    let cents = paid.to_exact().unwrap().with_scale_at_least(2);
    assert_eq!(cents.scale(), 2);
    assert_eq!(claim("payment_amount"), Some(&Cell::Decimal(cents.units())));
    assert_eq!(claim("clm_pmt_amt"), Some(&Cell::Decimal(cents.units())));
    assert_eq!(claim("medicare_paid_amount"), Some(&Cell::Decimal(cents.units())));
    // Every claim total is the view's (its own variable, else the sum of its lines').
    let view = ClaimView::of(eob).unwrap();
    let claims = schema.table(TableKind::Claims, inpatient);
    for role in &claims.costs {
        let column = format!("{}_amount", bluebutton_export::schema::role_name(*role));
        let expected = view.total(*role).map(|t| {
            let exact = t.amount.to_exact().unwrap().with_scale_at_least(2);
            assert_eq!(exact.scale(), 2, "{column}");
            Cell::Decimal(exact.units())
        });
        assert_eq!(cell(&schema, &out.rows, TableKind::Claims, inpatient, &column).cloned(), expected, "{column}");
    }
    assert!(claims.costs.len() >= 5, "{:?}", claims.costs);
    // Dates as days since 1970 (the billable period starts on 2016-01-15).
    assert_eq!(claim("billable_period_start"), Some(&Cell::Date(16815)));
    // A coded variable with its codebook display.
    let Some(Cell::Code(code, Some(display))) = claim("nch_clm_type_cd") else { panic!("a code with its display") };
    assert!(!code.is_empty() && !display.is_empty());
    assert!(out.unmapped.is_empty(), "{:?}", out.unmapped);
}

#[test]
fn a_billable_period_without_a_day_is_an_error_at_its_path() {
    let Some(text) = sample("a_billable_period_without_a_day_is_an_error_at_its_path", "eobReadSnf.json") else {
        return;
    };
    let original = "\"start\" : \"2013-12-01\"";
    assert!(text.contains(original), "the sample's billable period starts where the test expects");
    let changed = text.replacen(original, "\"start\" : \"2013-12\"", 1);
    let changed: Resource = json::from_str(&changed).unwrap();
    let e = extract(&Schema::new(), &changed).unwrap_err();
    assert_eq!(e.resource, "ExplanationOfBenefit/snf-777777777");
    assert_eq!(e.path, "ExplanationOfBenefit.billablePeriod.start");
    assert_eq!(e.column, "billable_period_start");
    assert_eq!(e.message, "expected a full date (YYYY-MM-DD), found `2013-12`");
}

/// An element no column holds, in a line and in a diagnosis of a real claim: each is counted
/// once, by its URL, while the same URLs at the claim's own level would be someone's field.
#[test]
fn unmapped_elements_in_a_line_and_a_diagnosis_are_reported() {
    let Some(text) = sample("unmapped_elements_in_a_line_and_a_diagnosis_are_reported", "eobReadCarrier.json") else {
        return;
    };
    let schema = Schema::new();
    let resource: Resource = json::from_str(&text).unwrap();
    assert!(extract(&schema, &resource).unwrap().unmapped.is_empty());
    let line = "https://bluebutton.cms.gov/resources/variables/no_such_line_variable";
    let system = "https://bluebutton.cms.gov/resources/codesystem/no-such-diagnosis-system";
    let mutated = text
        .replacen("\"item\" : [ {\n    \"extension\" : [ {", &format!("\"item\" : [ {{\n    \"extension\" : [ {{\"url\": \"{line}\", \"valueString\": \"x\"}}, {{"), 1)
        .replacen(
            "\"diagnosis\" : [ {\n    \"sequence\" : 1,\n    \"diagnosisCodeableConcept\" : {\n      \"coding\" : [ {",
            &format!("\"diagnosis\" : [ {{\n    \"sequence\" : 1,\n    \"diagnosisCodeableConcept\" : {{\n      \"coding\" : [ {{\"system\": \"{system}\", \"code\": \"1\"}}, {{"),
            1,
        );
    let resource: Resource = json::from_str(&mutated).unwrap();
    let Resource::ExplanationOfBenefit(eob) = &resource else { panic!() };
    assert!(eob.item[0].extension.iter().any(|e| e.url.as_deref() == Some(line)), "the line has the extension");
    let mut unmapped = extract(&schema, &resource).unwrap().unmapped;
    unmapped.sort();
    assert_eq!(unmapped, [system, line]);
}

/// A decimal as the cell of a money column (cents).
fn money_cell(amount: &bluebutton::primitives::Decimal<'_>) -> Cell {
    let exact = amount.to_exact().unwrap().with_scale_at_least(2);
    assert_eq!(exact.scale(), 2, "{amount}");
    Cell::Decimal(exact.units())
}

/// A cell's text (a code's display for a code) with the address where it is kept for the life
/// of the program (`None` when it is not).
fn kept(cell: Option<&Cell>) -> Option<(String, Option<usize>)> {
    let text = match cell? {
        Cell::Text(t) => t,
        Cell::Code(_, Some(display)) => display,
        _ => return None,
    };
    Some((text.to_string(), text.as_static().map(|s| s.as_ptr() as usize)))
}

/// A vocabulary's long texts (the ICD system's URL, a diagnosis code's display as the data
/// writes it, a present-on-admission display) are kept once and shared by the cells of every
/// claim that has them (a short one is held in its cell); a long identifier is copied.
#[test]
fn vocabulary_texts_are_kept_once_for_every_claim() {
    let test = "vocabulary_texts_are_kept_once_for_every_claim";
    let Some(text) = sample(test, "eobReadInpatient.json") else { return };
    let Some(patient) = sample(test, "patientRead.json") else { return };
    let schema = Schema::new();
    let inpatient = ClaimKind::Known(ClaimType::Inpatient);
    let table = schema.index(TableKind::Diagnoses, inpatient);
    let column = |table: usize, name: &str| schema.tables[table].columns.iter().position(|c| c.name == name).unwrap();
    let columns = [column(table, "system"), column(table, "code"), column(table, "present_on_admission")];
    // The texts of the diagnosis rows, of two claims read from two copies of the response.
    let texts = |text: &str| {
        let resource: Resource = json::from_str(text).unwrap();
        let out = extract(&schema, &resource).unwrap();
        let mut found = Vec::new();
        for (_, row) in out.rows.iter().filter(|(t, _)| *t == table) {
            for c in columns {
                found.extend(kept(row.iter().find(|(i, _)| usize::from(*i) == c).map(|(_, cell)| cell)));
            }
        }
        found
    };
    let first = texts(&text);
    assert_eq!(first, texts(&text.clone()), "the same texts at the same addresses for both claims");
    let long = first.iter().filter(|(t, _)| t.len() > 24).count();
    assert!(long >= 8 && long < first.len(), "long and short texts: {first:?}");
    for (text, at) in &first {
        assert_eq!(at.is_some(), text.len() > 24, "`{text}`: kept when long, held in its cell when short");
    }
    let systems: std::collections::BTreeSet<_> =
        first.iter().filter(|(t, _)| t.starts_with("http")).map(|(_, at)| at.expect("kept")).collect();
    assert_eq!(systems.len(), 1, "one ICD system URL for every diagnosis: {first:?}");
    // A long identifier (no vocabulary's) is copied.
    let resource: Resource = json::from_str(&patient).unwrap();
    let out = extract(&schema, &resource).unwrap();
    let patients = schema.index(TableKind::Patients, ClaimKind::Unknown);
    let (_, row) = out.rows.iter().find(|(t, _)| *t == patients).unwrap();
    let texts = row.iter().filter(|(_, c)| matches!(c, Cell::Text(_)));
    let ids: Vec<_> = texts.filter_map(|(_, c)| kept(Some(c))).filter(|(t, _)| t.len() > 24).collect();
    assert!(!ids.is_empty() && ids.iter().all(|(_, at)| at.is_none()), "{ids:?}");
}

/// The claims of the real responses (every sample and recorded server version) and of
/// generated claims of every type.
fn claims(test: &str) -> Vec<Resource<'static>> {
    let mut out = Vec::new();
    if let Some(data) = shared_data::found(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"), test) {
        let mut dirs = vec![data.join("samples/v1-normalized")];
        for version in std::fs::read_dir(data.join("samples/history-normalized")).unwrap() {
            dirs.push(version.unwrap().path());
        }
        for dir in dirs {
            for file in std::fs::read_dir(dir).unwrap() {
                let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
                let resource: Resource = json::from_str(&text).unwrap();
                let resource = bluebutton::json::IntoOwned::into_owned(resource);
                match resource {
                    Resource::Bundle(b) => out.extend(b.entry.into_iter().filter_map(|e| e.resource)),
                    r => out.push(r),
                }
            }
        }
    }
    for seed in 0..12 {
        for t in ClaimType::ALL {
            out.push(Resource::ExplanationOfBenefit(Box::new(bluebutton::synth::claim(seed, t))));
        }
    }
    out
}

/// Every claim total is the view's ([`ClaimView::total`]: its own variable, else the sum of
/// its lines'), and every line amount the line's, on real and generated claims.
#[test]
fn every_total_and_line_amount_is_the_views() {
    let schema = Schema::new();
    let mut checked = (0, 0);
    for resource in claims("every_total_and_line_amount_is_the_views") {
        let Resource::ExplanationOfBenefit(eob) = &resource else { continue };
        let Some(view) = ClaimView::of(eob) else { continue };
        let kind = ClaimKind::of(eob);
        let out = extract(&schema, &resource).unwrap();
        let claims = schema.table(TableKind::Claims, kind);
        for role in &claims.costs {
            let column = format!("{}_amount", bluebutton_export::schema::role_name(*role));
            let expected = view.total(*role).map(|t| money_cell(&t.amount));
            checked.0 += usize::from(expected.is_some());
            let found = cell(&schema, &out.rows, TableKind::Claims, kind, &column).cloned();
            assert_eq!(found, expected, "{:?} {column}", eob.id());
        }
        let lines_table = schema.index(TableKind::ClaimLines, kind);
        let line_rows: Vec<_> = out.rows.iter().filter(|(t, _)| *t == lines_table).collect();
        let lines = view.lines();
        assert_eq!(line_rows.len(), lines.len());
        let table = &schema.tables[lines_table];
        for ((_, row), line) in line_rows.iter().zip(&lines) {
            for role in &table.costs {
                let column = format!("{}_amount", bluebutton_export::schema::role_name(*role));
                let at = table.columns.iter().position(|c| c.name == column).unwrap();
                let expected = line.cost(*role).and_then(|m| m.value()).map(money_cell);
                checked.1 += usize::from(expected.is_some());
                let found = row.iter().find(|(c, _)| usize::from(*c) == at).map(|(_, cell)| cell.clone());
                assert_eq!(found, expected, "{:?} line {column}", eob.id());
            }
        }
    }
    assert!(checked.0 > 300 && checked.1 > 300, "totals and line amounts checked: {checked:?}");
}

/// A diagnosis's present-on-admission indicator goes to the one `present_on_admission` column
/// on every recorded server version, though servers before 2023 name every diagnosis's
/// `clm_poa_ind_sw1` and later ones number them: the view's indicator, nothing reported
/// unmapped, and no column of its own per variable.
#[test]
fn present_on_admission_is_one_column_on_every_server_version() {
    let test = "present_on_admission_is_one_column_on_every_server_version";
    let Some(data) = shared_data::found(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"), test)
    else {
        return;
    };
    let mut files = vec![data.join("samples/v1-normalized/eobReadInpatient.json")];
    for version in ["2020-10", "2021-08", "2023-04", "2024-09"] {
        files.push(data.join("samples/history-normalized").join(version).join("eobReadInpatient.json"));
    }
    let schema = Schema::new();
    let inpatient = ClaimKind::Known(ClaimType::Inpatient);
    let table = schema.index(TableKind::Diagnoses, inpatient);
    let column = schema.tables[table].columns.iter().position(|c| c.name == "present_on_admission").unwrap();
    assert!(!schema.tables[table].columns.iter().any(|c| c.name.contains("poa_ind")));
    let mut variables = std::collections::BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for at in text.match_indices("variables/clm_poa_ind_sw").map(|(i, _)| i) {
            let name = &text[at + "variables/".len()..];
            variables.insert(name[..name.find('"').unwrap()].to_string());
        }
        let resource: Resource = json::from_str(&text).unwrap();
        let Resource::ExplanationOfBenefit(eob) = &resource else { panic!("{}", file.display()) };
        let out = extract(&schema, &resource).unwrap();
        assert!(out.unmapped.is_empty(), "{}: {:?}", file.display(), out.unmapped);
        let rows: Vec<_> = out.rows.iter().filter(|(t, _)| *t == table).map(|(_, row)| row).collect();
        let diagnoses = ClaimView::of(eob).unwrap().diagnoses();
        assert_eq!(rows.len(), diagnoses.len(), "{}", file.display());
        let mut with = 0;
        for (row, d) in rows.iter().zip(&diagnoses) {
            let found = row.iter().find(|(c, _)| usize::from(*c) == column).map(|(_, cell)| cell);
            let expected = d.present_on_admission.map(|c| c.code().unwrap().as_str());
            match found {
                Some(Cell::Code(code, _)) => assert_eq!(Some(&**code), expected, "{}", file.display()),
                _ => assert_eq!(expected, None, "{}", file.display()),
            }
            with += usize::from(expected.is_some());
        }
        assert!(with > 0, "{}: no diagnosis with its indicator", file.display());
    }
    // Both namings are among the recorded responses.
    assert!(variables.contains("clm_poa_ind_sw1") && variables.len() > 1, "{variables:?}");
}

/// A diagnosis with a second present-on-admission indicator: the same value is held by
/// `present_on_admission`; a different one is held nowhere, so it is reported unmapped.
#[test]
fn a_second_different_present_on_admission_indicator_is_unmapped() {
    let test = "a_second_different_present_on_admission_indicator_is_unmapped";
    let Some(text) = sample(test, "eobReadInpatient.json") else { return };
    let first = r#""extension" : [ {
      "url" : "https://bluebutton.cms.gov/resources/variables/clm_poa_ind_sw1","#;
    assert!(text.contains(first));
    let second = |code: &str| {
        format!(
            r#""extension" : [ {{ "url" : "https://bluebutton.cms.gov/resources/variables/clm_poa_ind_sw7",
            "valueCoding" : {{ "system" : "https://bluebutton.cms.gov/resources/variables/clm_poa_ind_sw7", "code" : "{code}" }} }}, {{
      "url" : "https://bluebutton.cms.gov/resources/variables/clm_poa_ind_sw1","#
        )
    };
    let schema = Schema::new();
    let unmapped = |text: &str| {
        let resource: Resource = json::from_str(text).unwrap();
        extract(&schema, &resource).unwrap().unmapped
    };
    assert_eq!(unmapped(&text), Vec::<String>::new());
    // The first diagnosis with an indicator has `Y`: another `Y` before it is held, an `N` is
    // (the view reads the first), and then the `Y` is held nowhere.
    assert_eq!(unmapped(&text.replacen(first, &second("Y"), 1)), Vec::<String>::new());
    let found = unmapped(&text.replacen(first, &second("N"), 1));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("clm_poa_ind_sw1 "), "{found:?}");
}
