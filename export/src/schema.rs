//! The tables and their columns, derived from the views' field catalog: the claim types'
//! [`ClaimFields`](bluebutton::views::ClaimFields) level by level, their cost fields, and the
//! Patient and Coverage views. Each table starts with a few key columns (ids, claim type,
//! dates, amounts read the same way for every claim type), then has one column per Medicare
//! field, named by its CCW variable.
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use arrow_schema::{DataType, Field, Schema as ArrowSchema, SchemaRef};
use bluebutton::claim_type::ClaimType;
use bluebutton::summary::ClaimKind;
use bluebutton::views::{
    is_present_on_admission_variable, BeneficiaryCoverage, BeneficiaryPatient, CostRole, FieldInfo,
};

use crate::hashing::{KeyMap, TextMap};

/// Precision and scale of money columns: cents, up to 10<sup>16</sup> dollars.
pub const MONEY: ColumnType = ColumnType::Decimal { precision: 18, scale: 2 };
/// Precision and scale of the other decimal columns (units, quantities, rates).
pub const NUMBER: ColumnType = ColumnType::Decimal { precision: 18, scale: 4 };

/// The type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// A string (ids, identifiers, references, free text).
    Text,
    /// A code (string) and beside it a `<name>_display` column: the display of the code from
    /// the CMS codebooks (or the data), dictionary-encoded.
    Code,
    /// An exact decimal (`Decimal128`).
    Decimal { precision: u8, scale: i8 },
    /// A day (`Date32`).
    Date,
    /// An integer (`Int64`).
    Int,
    /// A year (`Int64`), from a FHIR date written to the year (`2018`): the codebooks' year
    /// variables (`rfrnc_yr`, NUM(4)) are sent as `valueDate`.
    Year,
}

impl ColumnType {
    /// The SQL-like name used in the schema document.
    pub fn sql(self) -> String {
        match self {
            ColumnType::Text | ColumnType::Code => "string".to_string(),
            ColumnType::Decimal { precision, scale } => format!("decimal({precision}, {scale})"),
            ColumnType::Date => "date".to_string(),
            ColumnType::Int => "int64".to_string(),
            ColumnType::Year => "int64 (year)".to_string(),
        }
    }

    /// The column type of a field: from the type of its value (the last step of its path).
    pub fn of(field: &FieldInfo) -> ColumnType {
        let ty = field.steps.last().map_or("", |s| s.ty);
        match ty {
            "Code" | "Coding" | "CodeableConcept" => ColumnType::Code,
            "Date" if field.variable.ends_with("_yr") => ColumnType::Year,
            "Date" | "DateTime" | "Instant" => ColumnType::Date,
            "Integer" | "UnsignedInt" | "PositiveInt" => ColumnType::Int,
            "Decimal" if field.steps.iter().any(|s| s.ty == "Money") => MONEY,
            "Decimal" => NUMBER,
            _ => ColumnType::Text,
        }
    }
}

/// A column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// What it holds: the CCW variable's label, or the key column's description.
    pub label: String,
    pub ty: ColumnType,
}

/// The tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableKind {
    Patients,
    Coverage,
    Diagnoses,
    Procedures,
    CareTeam,
    Claims,
    ClaimLines,
}

impl TableKind {
    /// The tables, in the order of the schema document.
    pub const ALL: [TableKind; 7] = [
        TableKind::Patients,
        TableKind::Coverage,
        TableKind::Claims,
        TableKind::ClaimLines,
        TableKind::Diagnoses,
        TableKind::Procedures,
        TableKind::CareTeam,
    ];

    /// The folder name (`claim_lines`).
    pub fn name(self) -> &'static str {
        match self {
            TableKind::Patients => "patients",
            TableKind::Coverage => "coverage",
            TableKind::Diagnoses => "diagnoses",
            TableKind::Procedures => "procedures",
            TableKind::CareTeam => "care_team",
            TableKind::Claims => "claims",
            TableKind::ClaimLines => "claim_lines",
        }
    }

    /// Whether the table is partitioned by claim type (`claims/claim_type=carrier/`). Its
    /// files have no `claim_type` column: engines read it from the folder names (Spark
    /// rejects a column that is both in the files and a partition).
    pub fn partitioned(self) -> bool {
        matches!(self, TableKind::Claims | TableKind::ClaimLines)
    }

    /// One row per…
    fn row(self) -> &'static str {
        match self {
            TableKind::Patients => "Patient",
            TableKind::Coverage => "Coverage",
            TableKind::Diagnoses => "claim diagnosis (`ExplanationOfBenefit.diagnosis`)",
            TableKind::Procedures => "claim procedure (`ExplanationOfBenefit.procedure`)",
            TableKind::CareTeam => "claim care team member (`ExplanationOfBenefit.careTeam`)",
            TableKind::Claims => "claim (`ExplanationOfBenefit`)",
            TableKind::ClaimLines => "claim line (`ExplanationOfBenefit.item`)",
        }
    }

    /// The key columns, before the cost and field columns.
    fn keys(self) -> &'static [(&'static str, ColumnType, &'static str)] {
        use ColumnType::*;
        match self {
            TableKind::Patients => &[("patient_id", Text, "Patient id")],
            TableKind::Coverage => &[
                ("coverage_id", Text, "Coverage id"),
                ("patient_id", Text, "Patient id of the beneficiary"),
                ("part", Text, "Medicare part: A, B, C or D"),
                ("status", Text, "Coverage status"),
                ("period_start", Date, "Start of the coverage period"),
                ("period_end", Date, "End of the coverage period"),
            ],
            TableKind::Claims => &[
                ("claim_id", Text, "Claim id (`ExplanationOfBenefit.id`)"),
                ("patient_id", Text, "Patient id of the beneficiary"),
                ("billable_period_start", Date, "Start of the billable period"),
                ("billable_period_end", Date, "End of the billable period"),
                ("payment_amount", MONEY, "Payment amount (`payment.amount`)"),
            ],
            TableKind::ClaimLines => &[
                ("claim_id", Text, "Claim id"),
                ("line_number", Int, "Line number (`item.sequence`)"),
                ("service_start", Date, "First day of service (`servicedDate` or `servicedPeriod.start`)"),
                ("service_end", Date, "Last day of service (`servicedDate` or `servicedPeriod.end`)"),
            ],
            TableKind::Diagnoses => &[
                ("claim_id", Text, "Claim id"),
                ("claim_type", Text, "Claim type"),
                ("sequence", Int, "Diagnosis number (`diagnosis.sequence`)"),
                ("code", Code, "Diagnosis code"),
                ("system", Text, "Code system of the diagnosis code"),
                ("icd_version", Text, "ICD revision: icd-9, icd-10, or empty for another system"),
                (
                    "role",
                    Text,
                    "Roles, comma-separated: principal, admitting, other, external, external-first, reason-for-visit",
                ),
                (
                    "present_on_admission",
                    Code,
                    "Present-on-admission indicator: whichever of `clm_poa_ind_sw1`…`25` and `clm_e_poa_ind_sw1`…`12` gives the diagnosis's",
                ),
            ],
            TableKind::Procedures => &[
                ("claim_id", Text, "Claim id"),
                ("claim_type", Text, "Claim type"),
                ("sequence", Int, "Procedure number (`procedure.sequence`)"),
                ("code", Code, "Procedure code"),
                ("system", Text, "Code system of the procedure code"),
                ("icd_version", Text, "ICD revision: icd-9, icd-10, or empty for another system"),
                ("date", Date, "Date of the procedure"),
            ],
            TableKind::CareTeam => &[
                ("claim_id", Text, "Claim id"),
                ("claim_type", Text, "Claim type"),
                ("sequence", Int, "Care team member number (`careTeam.sequence`)"),
                ("provider_npi", Text, "NPI of the provider"),
                ("role", Text, "Care team role code"),
            ],
        }
    }

    /// The number of key columns.
    pub fn key_count(self) -> usize {
        self.keys().len()
    }

    /// The key column that holds `field` in this table, read through the views rather than as
    /// a column of its own: a diagnosis's present-on-admission indicator is the
    /// `present_on_admission` column whichever variable names it (servers before 2023 name
    /// every diagnosis's `clm_poa_ind_sw1`, the current one numbers them by diagnosis), not one
    /// column per variable with one diagnosis's value in each.
    fn folded(self, field: &FieldInfo) -> Option<usize> {
        match self {
            TableKind::Diagnoses if is_present_on_admission_variable(field.variable) => {
                self.keys().iter().position(|(name, _, _)| *name == "present_on_admission")
            }
            _ => None,
        }
    }

    /// The fields of `claim_type` on this table's level (none for Patient and Coverage).
    fn fields(self, claim_type: ClaimType) -> &'static [&'static FieldInfo] {
        let f = claim_type.fields();
        match self {
            TableKind::Claims => f.root,
            TableKind::ClaimLines => f.line,
            TableKind::Diagnoses => f.diagnosis,
            TableKind::Procedures => f.procedure,
            TableKind::CareTeam => f.care_team,
            TableKind::Patients | TableKind::Coverage => &[],
        }
    }
}

/// The name of a cost role in snake case (`medicare_paid`).
pub fn role_name(role: CostRole) -> String {
    let mut out = String::new();
    for (i, c) in format!("{role:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// One table, or one partition of a table partitioned by claim type.
#[derive(Debug)]
pub struct Table {
    pub kind: TableKind,
    /// The claim type of the partition (partitioned tables only).
    pub claim_kind: Option<ClaimKind>,
    pub columns: Vec<Column>,
    /// The cost roles of the `<role>_amount` columns, which follow the key columns: a claim's
    /// totals ([`ClaimView::total`](bluebutton::views::ClaimView::total): its own variable of
    /// the role, else the exact sum of its lines'), a line's amounts.
    pub costs: Vec<CostRole>,
    /// Column of each field, by the field's address (the catalog's fields are statics).
    fields: KeyMap<usize, usize>,
    arrow: SchemaRef,
    /// The most cells a row of the table has had so far: the room a new row is made with
    /// (rather than grown cell by cell).
    cells: AtomicUsize,
}

impl Table {
    /// The room for the cells of a new row: the most a row has had, up to the column count.
    pub(crate) fn row_room(&self) -> usize {
        self.cells.load(Ordering::Relaxed)
    }

    /// Notes that a row had `n` cells.
    pub(crate) fn note_row(&self, n: usize) {
        if n > self.cells.load(Ordering::Relaxed) {
            self.cells.fetch_max(n.min(self.columns.len()), Ordering::Relaxed);
        }
    }

    fn new(kind: TableKind, claim_kind: Option<ClaimKind>) -> Table {
        let mut columns: Vec<Column> = kind
            .keys()
            .iter()
            .map(|(n, ty, l)| Column { name: n.to_string(), label: l.to_string(), ty: *ty })
            .collect();
        let claim_types: Vec<ClaimType> = match claim_kind {
            Some(ClaimKind::Known(t)) => vec![t],
            Some(ClaimKind::Unknown) => vec![],
            None => ClaimType::ALL.to_vec(),
        };
        let field_lists: Vec<&'static [&'static FieldInfo]> = match kind {
            TableKind::Patients => vec![BeneficiaryPatient::FIELDS],
            TableKind::Coverage => vec![BeneficiaryCoverage::FIELDS],
            _ => claim_types.iter().map(|t| kind.fields(*t)).collect(),
        };
        let mut costs = Vec::new();
        for t in claim_types.iter().filter(|_| kind.partitioned()) {
            let f = t.fields();
            for role in CostRole::ALL {
                let name = role_name(role);
                let line = f.cost("item", role);
                let label = match (kind, f.cost("", role), line) {
                    // A unit rate is no amount to total.
                    (TableKind::Claims, _, _) if role == CostRole::Rate => continue,
                    (TableKind::Claims, Some(c), Some(l)) => {
                        format!("Claim total, {name}: `{}`, else the sum of the lines' `{}`", c.variable, l.variable)
                    }
                    (TableKind::Claims, Some(c), None) => format!("Claim total, {name}: `{}`", c.variable),
                    (TableKind::Claims, None, Some(l)) => {
                        format!("Claim total, {name}: the sum of the lines' `{}`", l.variable)
                    }
                    (_, _, Some(l)) => format!("Line amount, {name}: `{}`", l.variable),
                    _ => continue,
                };
                if !costs.contains(&role) {
                    costs.push(role);
                    columns.push(Column { name: format!("{name}_amount"), label, ty: MONEY });
                }
            }
        }
        let mut fields = KeyMap::default();
        let mut by_name: TextMap<usize> = TextMap::default();
        for list in field_lists {
            // The n-th field of one list with the same variable is `<variable>_<n>`.
            let mut seen: KeyMap<&str, usize> = KeyMap::default();
            for field in list {
                if let Some(at) = kind.folded(field) {
                    fields.insert(*field as *const FieldInfo as usize, at);
                    continue;
                }
                let n = seen.entry(field.variable).or_default();
                *n += 1;
                let name = match *n {
                    1 => field.variable.replace('-', "_"),
                    n => format!("{}_{n}", field.variable.replace('-', "_")),
                };
                let at = match by_name.get(name.as_str()) {
                    Some(&at) => at,
                    None => {
                        by_name.insert(name.as_str().into(), columns.len());
                        columns.push(Column { name, label: field.label.to_string(), ty: ColumnType::of(field) });
                        columns.len() - 1
                    }
                };
                fields.insert(*field as *const FieldInfo as usize, at);
            }
        }
        let arrow = Arc::new(arrow_schema(&columns));
        Table { kind, claim_kind, columns, costs, fields, arrow, cells: AtomicUsize::new(0) }
    }

    /// The folder of the table (`claims/claim_type=carrier`), relative to the dataset.
    pub fn dir(&self) -> String {
        match self.claim_kind {
            Some(k) => format!("{}/claim_type={}", self.kind.name(), k.name()),
            None => self.kind.name().to_string(),
        }
    }

    /// The column of `field`, if the table has one.
    pub fn column_of(&self, field: &'static FieldInfo) -> Option<usize> {
        self.fields.get(&(field as *const FieldInfo as usize)).copied()
    }

    /// The Arrow schema of the table's files (a code column is two fields).
    pub fn arrow_schema(&self) -> SchemaRef {
        self.arrow.clone()
    }
}

fn arrow_schema(columns: &[Column]) -> ArrowSchema {
    let mut fields = Vec::new();
    for c in columns {
        let meta = |label: &str| [("label", label.to_string())];
        let ty = match c.ty {
            ColumnType::Text | ColumnType::Code => DataType::Utf8,
            ColumnType::Decimal { precision, scale } => DataType::Decimal128(precision, scale),
            ColumnType::Date => DataType::Date32,
            ColumnType::Int | ColumnType::Year => DataType::Int64,
        };
        fields.push(Field::new(&c.name, ty, true).with_metadata(meta(&c.label)));
        if c.ty == ColumnType::Code {
            let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
            let label = format!("{} (display)", c.label);
            fields.push(Field::new(format!("{}_display", c.name), dict, true).with_metadata(meta(&label)));
        }
    }
    ArrowSchema::new(fields)
}

/// Every table and partition the export writes.
#[derive(Debug)]
pub struct Schema {
    pub tables: Vec<Table>,
}

/// The claim kinds of the partitions: every claim type, then `unknown`.
fn claim_kinds() -> impl Iterator<Item = ClaimKind> {
    ClaimType::ALL.into_iter().map(ClaimKind::Known).chain([ClaimKind::Unknown])
}

impl Schema {
    /// The tables, from the views' catalog.
    pub fn new() -> Schema {
        let mut tables = Vec::new();
        for kind in TableKind::ALL {
            if kind.partitioned() {
                tables.extend(claim_kinds().map(|k| Table::new(kind, Some(k))));
            } else {
                tables.push(Table::new(kind, None));
            }
        }
        Schema { tables }
    }

    /// The tables, made once for the program and shared by every export that asks: they are
    /// the same for all (the catalog is compiled in), so a program that exports again and again
    /// (a page of claims at a time) makes them once, and a command does not take them apart
    /// as it ends. [`Schema::new`] makes a schema of its own.
    pub fn shared() -> Arc<Schema> {
        static SHARED: OnceLock<Arc<Schema>> = OnceLock::new();
        SHARED.get_or_init(|| Arc::new(Schema::new())).clone()
    }

    /// The index of the table (or partition) `kind` of `claim_kind` in [`tables`](Self::tables).
    pub fn index(&self, kind: TableKind, claim_kind: ClaimKind) -> usize {
        let partition = claim_kinds().position(|k| k == claim_kind).unwrap_or(0);
        let mut at = 0;
        for k in TableKind::ALL {
            if k == kind {
                return at + if k.partitioned() { partition } else { 0 };
            }
            at += if k.partitioned() { claim_kinds().count() } else { 1 };
        }
        unreachable!("every table kind is in TableKind::ALL")
    }

    /// The table `kind` (of `claim_kind` when it is partitioned).
    pub fn table(&self, kind: TableKind, claim_kind: ClaimKind) -> &Table {
        &self.tables[self.index(kind, claim_kind)]
    }

    /// The schema as a Markdown document: every table and partition, every column with its
    /// type and label.
    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "# Tables\n\nWhat `bluebutton export --to DIR` writes: one folder per table under DIR, \
             Parquet files in each. `claims` and `claim_lines` are partitioned by claim type \
             (`claims/claim_type=carrier/`). A code column `c` has a `c_display` column beside it \
             (the display of the code, dictionary-encoded).\n",
        );
        for t in &self.tables {
            let _ = write!(out, "\n## `{}/`\n\nOne row per {}.\n\n", t.dir(), t.kind.row());
            out.push_str("| column | type | label |\n| --- | --- | --- |\n");
            for c in &t.columns {
                let _ = writeln!(out, "| `{}` | {} | {} |", c.name, c.ty.sql(), c.label.replace('|', "\\|"));
                if c.ty == ColumnType::Code {
                    let _ = writeln!(out, "| `{}_display` | string | display of `{}` |", c.name, c.name);
                }
            }
        }
        out
    }
}

impl Default for Schema {
    fn default() -> Self {
        Schema::new()
    }
}
