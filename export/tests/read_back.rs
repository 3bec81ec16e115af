//! The files read back with the Parquet reader: every column with its declared type, from the
//! Parquet schema alone (no Arrow schema is embedded in the files), no page index, and the
//! rows counted.
use std::fs::File;
use std::sync::Arc;

use arrow_schema::DataType;
use bluebutton::synth;
use bluebutton_export::{extract, Exporter, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

#[test]
fn every_file_reads_back_with_the_types_of_its_table() {
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
        let metadata = builder.metadata().file_metadata();
        let kept = metadata.key_value_metadata().into_iter().flatten().map(|kv| kv.key.as_str());
        assert!(!kept.clone().any(|k| k == "ARROW:schema"), "{relative}: {:?}", kept.collect::<Vec<_>>());
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
        for (r, d) in read.fields().iter().zip(declared.fields()) {
            assert_eq!(r.name(), d.name(), "{relative}");
            // A display column is dictionary-encoded in the file; without an embedded Arrow
            // schema it reads back as the strings it holds.
            let expected = match d.data_type() {
                DataType::Dictionary(_, values) => values.as_ref().clone(),
                other => other.clone(),
            };
            assert_eq!(r.data_type(), &expected, "{relative}: {}", r.name());
        }
        let table_rows: usize = builder.build().unwrap().map(|b| b.unwrap().num_rows()).sum();
        *rows.entry(relative).or_default() += table_rows as u64;
    }
    assert_eq!(rows, report.rows);
    assert_eq!(rows["patients"], 20);
    std::fs::remove_dir_all(&dir).unwrap();
}
