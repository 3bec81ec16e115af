//! Arbitrary bytes, parsed as `bluebutton export` parses them (leniently: a Bundle's resources
//! one by one, or a single resource), through the export's extraction. Nothing may panic, and
//! what each resource contributes fits the schema:
//! - the same rows and unmapped elements each time it is extracted;
//! - in each row, cells in increasing column order, each of its column's type (a decimal
//!   within its column's precision);
//! - a claim gives one claims row and one line row per `item`, all in the partitions of one
//!   claim type and all holding the claim's id; a Patient or a Coverage gives one row;
//! - a value that does not fit is an error that names the resource, the path and the column.
#![no_main]

use std::sync::OnceLock;

use bluebutton::json::{self, ParseOptions};
use bluebutton::Resource;
use bluebutton_export::values::Cell;
use bluebutton_export::{extract, ColumnType, Schema, TableKind};
use libfuzzer_sys::fuzz_target;

fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(Schema::new)
}

fn fits(ty: ColumnType, cell: &Cell) -> bool {
    match (ty, cell) {
        (ColumnType::Text, Cell::Text(_)) | (ColumnType::Code, Cell::Code(..)) | (ColumnType::Date, Cell::Date(_)) => {
            true
        }
        (ColumnType::Int | ColumnType::Year, Cell::Int(_)) => true,
        (ColumnType::Decimal { precision, .. }, Cell::Decimal(units)) => {
            units.unsigned_abs() < 10u128.pow(u32::from(precision))
        }
        _ => false,
    }
}

fn check(resource: &Resource<'_>) {
    let schema = schema();
    let first = extract(schema, resource);
    let again = extract(schema, resource);
    let out = match (first, again) {
        (Ok(first), Ok(again)) => {
            assert_eq!(first.rows, again.rows, "the rows differ from one extraction to the next");
            assert_eq!(first.unmapped, again.unmapped, "the unmapped elements differ");
            first
        }
        (Err(first), Err(again)) => {
            assert_eq!(first, again, "the error differs from one extraction to the next");
            assert!(first.resource.starts_with(resource.resource_type()), "{first}");
            assert!(!first.path.is_empty() && !first.column.is_empty() && !first.message.is_empty(), "{first}");
            return;
        }
        (first, again) => panic!("one extraction fails and the other does not: {first:?} / {again:?}"),
    };
    for (t, row) in &out.rows {
        let table = &schema.tables[t];
        assert!(row.windows(2).all(|w| w[0].0 < w[1].0), "{}: cells out of column order: {row:?}", table.dir());
        for (c, cell) in row {
            let column = &table.columns[usize::from(*c)];
            assert!(fits(column.ty, cell), "{}: column `{}` ({:?}) holds {cell:?}", table.dir(), column.name, column.ty);
        }
    }
    let count = |kind| out.rows.iter().filter(|(t, _)| schema.tables[*t].kind == kind).count();
    match resource {
        Resource::ExplanationOfBenefit(eob) => {
            assert_eq!(count(TableKind::Claims), 1, "a claim gives one claims row");
            assert_eq!(count(TableKind::ClaimLines), eob.item.len(), "a claim gives one line row per item");
            // The partitioned tables (claims, claim_lines) have a claim type; the others none.
            let partitions: Vec<_> = out.rows.iter().filter_map(|(t, _)| schema.tables[t].claim_kind).collect();
            assert!(partitions.windows(2).all(|w| w[0] == w[1]), "a claim's rows in partitions of several claim types");
            let id = eob.id().map(|i| Cell::Text(i.as_str().into()));
            for (t, row) in &out.rows {
                let first = row.first().filter(|(c, _)| *c == 0).map(|(_, cell)| cell.clone());
                assert_eq!(first, id, "{}: a row of the claim without its id", schema.tables[t].dir());
            }
        }
        Resource::Patient(_) | Resource::Coverage(_) => assert_eq!(out.rows.len(), 1, "one row per resource"),
        _ => assert!(out.rows.is_empty() && out.skipped.is_some(), "rows for a resource no table holds"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(resource) = json::from_slice_with::<Resource>(data, ParseOptions::lenient()) else {
        return;
    };
    match &resource {
        Resource::Bundle(bundle) => bundle.entry.iter().filter_map(|e| e.resource.as_ref()).for_each(check),
        other => check(other),
    }
});
