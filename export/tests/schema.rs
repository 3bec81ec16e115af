//! The tables' columns: derived from the views' catalog, unique, every field placed, and the
//! Markdown document (snapshot).
use std::collections::HashSet;

use bluebutton::claim_type::ClaimType;
use bluebutton::summary::ClaimKind;
use bluebutton::views::{is_present_on_admission_variable, BeneficiaryCoverage, BeneficiaryPatient, FieldInfo};
use bluebutton_export::{ColumnType, Schema, TableKind};

#[test]
fn column_names_are_unique_in_every_table() {
    let schema = Schema::new();
    for t in &schema.tables {
        let mut seen = HashSet::new();
        for f in t.arrow_schema().fields() {
            assert!(seen.insert(f.name().clone()), "{}: column `{}` twice", t.dir(), f.name());
        }
    }
}

/// Every field of the catalog has its column in the table of its level: its own, or for a
/// diagnosis's present-on-admission indicator (37 variables, one per diagnosis number on the
/// current server, `clm_poa_ind_sw1` for every diagnosis on older ones) the one
/// `present_on_admission` column.
#[test]
fn every_field_of_the_catalog_has_a_column() {
    let schema = Schema::new();
    let check = |kind: TableKind, claim_kind: ClaimKind, fields: &[&'static FieldInfo]| {
        let table = schema.table(kind, claim_kind);
        for f in fields {
            let column = table.column_of(f).unwrap_or_else(|| panic!("{}: no column for {}", table.dir(), f.location));
            if kind == TableKind::Diagnoses && is_present_on_admission_variable(f.variable) {
                assert_eq!(table.columns[column].name, "present_on_admission", "{}", f.variable);
                continue;
            }
            assert!(table.columns[column].name.starts_with(&f.variable.replace('-', "_")));
            assert_eq!(table.columns[column].label, f.label);
        }
        if kind == TableKind::Diagnoses {
            let poa: Vec<_> = fields.iter().filter(|f| is_present_on_admission_variable(f.variable)).collect();
            assert!(claim_kind != ClaimKind::Known(ClaimType::Inpatient) || poa.len() == 37, "{}", poa.len());
            let own = table.columns.iter().filter(|c| c.name.contains("poa_ind")).map(|c| &c.name);
            assert_eq!(own.collect::<Vec<_>>(), Vec::<&String>::new(), "{}", table.dir());
        }
    };
    for t in ClaimType::ALL {
        let k = ClaimKind::Known(t);
        let f = t.fields();
        check(TableKind::Claims, k, f.root);
        check(TableKind::ClaimLines, k, f.line);
        check(TableKind::Diagnoses, k, f.diagnosis);
        check(TableKind::Procedures, k, f.procedure);
        check(TableKind::CareTeam, k, f.care_team);
        // The claim totals: one column per cost role of the claim level, amounts in cents.
        let claims = schema.table(TableKind::Claims, k);
        for c in f.costs.iter().filter(|c| c.field.level.is_empty()) {
            let name = format!("{}_amount", bluebutton_export::schema::role_name(c.role));
            let col = claims.columns.iter().find(|col| col.name == name).unwrap_or_else(|| panic!("{t}: {name}"));
            assert_eq!(col.ty, bluebutton_export::schema::MONEY);
        }
    }
    check(TableKind::Patients, ClaimKind::Unknown, BeneficiaryPatient::FIELDS);
    check(TableKind::Coverage, ClaimKind::Unknown, BeneficiaryCoverage::FIELDS);
}

#[test]
fn column_types_follow_the_values() {
    let schema = Schema::new();
    let carrier = schema.table(TableKind::Claims, ClaimKind::Known(ClaimType::Carrier));
    let ty = |name: &str| carrier.columns.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("{name}")).ty;
    assert_eq!(ty("clm_pmt_amt"), bluebutton_export::schema::MONEY);
    assert_eq!(ty("payment_amount"), bluebutton_export::schema::MONEY);
    assert_eq!(ty("clm_from_dt"), ColumnType::Date);
    assert_eq!(ty("carr_clm_pmt_dnl_cd"), ColumnType::Code);
    assert_eq!(ty("carr_clm_cntl_num"), ColumnType::Text);
    let lines = schema.table(TableKind::ClaimLines, ClaimKind::Known(ClaimType::Carrier));
    assert_eq!(lines.columns.iter().find(|c| c.name == "clm_line_num").map(|c| c.ty), Some(ColumnType::Int));
    let patients = schema.table(TableKind::Patients, ClaimKind::Unknown);
    assert_eq!(patients.columns.iter().find(|c| c.name == "rfrnc_yr").map(|c| c.ty), Some(ColumnType::Year));
    // A code column has its display beside it, dictionary-encoded.
    let arrow = carrier.arrow_schema();
    let display = arrow.field_with_name("carr_clm_pmt_dnl_cd_display").unwrap();
    assert!(matches!(display.data_type(), arrow_schema::DataType::Dictionary(..)));
    // Partitioned tables leave the claim type to the folder names.
    assert!(arrow.field_with_name("claim_type").is_err());
    assert_eq!(carrier.dir(), "claims/claim_type=carrier");
}

#[test]
fn the_schema_document() {
    insta::assert_snapshot!(Schema::new().markdown());
}

/// The program's schema is made once, whoever asks, and is the schema [`Schema::new`] makes.
#[test]
fn the_shared_schema_is_made_once() {
    let first = Schema::shared();
    let threads: Vec<_> = (0..3).map(|_| std::thread::spawn(Schema::shared)).collect();
    for other in threads.into_iter().map(|t| t.join().unwrap()).chain([Schema::shared()]) {
        assert!(std::sync::Arc::ptr_eq(&first, &other));
    }
    assert_eq!(first.markdown(), Schema::new().markdown());
}
