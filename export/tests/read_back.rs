//! The files read back with the Parquet reader: every column with its declared type and its
//! label (the table's Arrow schema is embedded), no page index, and the rows counted.
use std::fs::File;
use std::sync::Arc;

use bluebutton::synth;
use bluebutton_export::schema::Table;
use bluebutton_export::{extract, ColumnType, Exporter, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

#[test]
fn every_file_reads_back_with_the_types_and_labels_of_its_table() {
    let dir = std::env::temp_dir().join(format!("bluebutton-export-read-back-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let schema = Arc::new(Schema::new());
    let mut exporter = Exporter::with_schema(schema.clone(), &dir).unwrap();
    let options = synth::Options { patients: 20, ..synth::Options::default() };
    for b in synth::beneficiaries(&options) {
        for resource in std::iter::once(&b.patient).chain(&b.coverage).chain(&b.claims) {
            exporter.add(extract(&schema, resource).unwrap()).unwrap();
        }
    }
    let report = exporter.finish().unwrap();
    assert!(report.files.len() > 10, "{:?}", report.files);
    let mut rows = std::collections::BTreeMap::<String, u64>::new();
    for path in &report.files {
        let relative = path.strip_prefix(&dir).unwrap().parent().unwrap().to_str().unwrap().to_string();
        let table = schema.tables.iter().find(|t| t.dir() == relative).unwrap_or_else(|| panic!("{relative}"));
        let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
        // No page index: statistics are per column chunk, what engines prune row groups with.
        for group in builder.metadata().row_groups() {
            for column in group.columns() {
                assert_eq!(column.offset_index_offset(), None, "{relative}: {}", column.column_path());
                assert_eq!(column.column_index_offset(), None, "{relative}: {}", column.column_path());
            }
        }
        let read = builder.schema().clone();
        let declared = table.arrow_schema();
        assert_eq!(read.fields().len(), declared.fields().len(), "{relative}");
        for ((r, d), column) in read.fields().iter().zip(declared.fields()).zip(labels(table)) {
            assert_eq!(r.name(), d.name(), "{relative}");
            // The display columns as dictionaries, decimals at their scale, dates as days.
            assert_eq!(r.data_type(), d.data_type(), "{relative}: {}", r.name());
            assert_eq!(r.metadata().get("label"), Some(&column), "{relative}: {}", r.name());
        }
        let table_rows: usize = builder.build().unwrap().map(|b| b.unwrap().num_rows()).sum();
        *rows.entry(relative).or_default() += table_rows as u64;
    }
    assert_eq!(rows, report.rows);
    assert_eq!(rows["patients"], 20);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The label of each Arrow field of `table`: its column's, and a code column's again for its
/// display.
fn labels(table: &Table) -> Vec<String> {
    let mut labels = Vec::new();
    for c in &table.columns {
        labels.push(c.label.clone());
        if c.ty == ColumnType::Code {
            labels.push(format!("{} (display)", c.label));
        }
    }
    labels
}
