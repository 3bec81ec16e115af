//! One resource turned into table rows: its key columns, its claim totals and every Medicare
//! field its view finds, typed for the columns. This runs on any thread; the rows are then
//! written in order ([`crate::Exporter::add`]).
use bluebutton::resources::{ExplanationOfBenefit, ExplanationOfBenefitItemServiced};
use bluebutton::summary::ClaimKind;
use bluebutton::types::{Coding, Money, Period, Reference};
use bluebutton::views::{
    BeneficiaryCoverage, BeneficiaryPatient, ClaimView, FieldInfo, FieldRef, IcdVersion, Level, LocatedField,
    MedicarePart, TotalSource,
};
use bluebutton::Resource;
use std::iter::Take;
use std::vec::Drain;

use crate::schema::{ColumnType, Schema, Table, TableKind};
use crate::values::{self, Cell, Text};

/// A row: the present cells by column index, in column order.
pub type Row = [(u16, Cell)];

/// Rows, each with the index of its table in [`Schema::tables`]: the cells of all of them in
/// one buffer. A resource's rows are made on one thread and written on another; one buffer
/// is one allocation to hand over and free, where a buffer per row was a dozen.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rows {
    cells: Vec<(u16, Cell)>,
    /// Per row: its table, and the end of its cells in `cells`.
    ends: Vec<(usize, usize)>,
}

impl Rows {
    /// Room for `rows` rows of `cells` cells in all.
    pub fn with_capacity(rows: usize, cells: usize) -> Rows {
        Rows { cells: Vec::with_capacity(cells), ends: Vec::with_capacity(rows) }
    }

    /// Adds a row to table `table`; `cells` must be in column order, one per column at most.
    pub fn push(&mut self, table: usize, cells: impl IntoIterator<Item = (u16, Cell)>) {
        self.cells.extend(cells);
        self.ends.push((table, self.cells.len()));
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The number of cells of all rows.
    pub fn cell_count(&self) -> usize {
        self.cells.len()
    }

    /// Each row with its table, in order.
    pub fn iter(&self) -> RowsIter<'_> {
        RowsIter { cells: &self.cells, ends: self.ends.iter(), start: 0 }
    }

    /// Empties the rows, keeping their room, and hands each (its table and its cells, moved)
    /// to `each`, in order.
    pub fn drain(&mut self, mut each: impl FnMut(usize, Take<&mut Drain<'_, (u16, Cell)>>)) {
        let mut cells = self.cells.drain(..);
        let mut start = 0;
        for (table, end) in self.ends.drain(..) {
            each(table, cells.by_ref().take(end - start));
            start = end;
        }
    }

    /// Empties the rows, keeping their room.
    pub fn clear(&mut self) {
        self.cells.clear();
        self.ends.clear();
    }
}

impl<'r> IntoIterator for &'r Rows {
    type Item = (usize, &'r Row);
    type IntoIter = RowsIter<'r>;
    fn into_iter(self) -> RowsIter<'r> {
        self.iter()
    }
}

/// The rows of [`Rows`], each with its table ([`Rows::iter`]).
pub struct RowsIter<'r> {
    cells: &'r [(u16, Cell)],
    ends: std::slice::Iter<'r, (usize, usize)>,
    /// Where the next row's cells start.
    start: usize,
}

impl<'r> Iterator for RowsIter<'r> {
    type Item = (usize, &'r Row);

    fn next(&mut self) -> Option<(usize, &'r Row)> {
        let &(table, end) = self.ends.next()?;
        let row = &self.cells[self.start..end];
        self.start = end;
        Some((table, row))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.ends.size_hint()
    }
}

impl ExactSizeIterator for RowsIter<'_> {}

/// What one resource contributes to the tables.
#[derive(Debug, Default, Clone)]
pub struct Extracted {
    /// Rows, each with the index of its table in [`Schema::tables`].
    pub rows: Rows,
    /// The bluebutton URLs of elements no column holds ([`crate::unmapped`]), and the fields
    /// that no column holds (with the schema from the same catalog, only a diagnosis's second
    /// present-on-admission indicator whose value differs from the first's).
    pub unmapped: Vec<String>,
    /// The resource type, when it is not one the tables hold (an `OperationOutcome`).
    pub skipped: Option<&'static str>,
    /// The resource type, when it was exported.
    pub exported: Option<&'static str>,
}

/// A value that does not fit its column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// `ExplanationOfBenefit/carrier-1`.
    pub resource: String,
    /// Where the value is: `ExplanationOfBenefit.item[0].adjudication(…).amount.value`.
    pub path: String,
    /// The column.
    pub column: String,
    /// What was expected.
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: column `{}`: {}", self.resource, self.path, self.column, self.message)
    }
}

/// A row being filled, for one table.
struct RowBuilder<'s> {
    table: &'s Table,
    index: usize,
    /// The cells set so far, by column, in the order they were set (a row holds a few of its
    /// table's hundreds of columns: no slot per column is made).
    cells: Vec<(u16, Cell)>,
}

impl<'s> RowBuilder<'s> {
    fn new(schema: &'s Schema, kind: TableKind, claim_kind: ClaimKind) -> Self {
        let index = schema.index(kind, claim_kind);
        let table = &schema.tables[index];
        RowBuilder { table, index, cells: Vec::with_capacity(table.row_room()) }
    }

    fn set(&mut self, column: usize, cell: Option<Cell>) {
        if let Some(cell) = cell {
            self.cells.push((column as u16, cell));
        }
    }

    /// Sets `column` to `text` typed for it; an error at `path` of `resource` when it does not fit.
    fn typed(
        &mut self,
        column: usize,
        text: &str,
        display: Option<&str>,
        resource: &str,
        path: impl FnOnce() -> String,
    ) -> Result<(), FieldError> {
        let c = &self.table.columns[column];
        let cell = typed(c.ty, text, display).map_err(|message| FieldError {
            resource: resource.to_string(),
            path: path(),
            column: c.name.clone(),
            message,
        })?;
        self.set(column, cell);
        Ok(())
    }

    /// Sets the column of `field` (found at `level`) from its text; `Ok(false)` when no column
    /// holds it (the table has none for it, or its key column holds another value).
    fn field(&mut self, level: Level, f: FieldRef<'_>, resource: &str) -> Result<bool, FieldError> {
        let Some(column) = self.table.column_of(f.info) else { return Ok(false) };
        if column < self.table.kind.key_count() {
            // Folded into a key column, which has its value from the views already: held when
            // that is this field's value (a second, different value is not held anywhere).
            let value = f.value.value_str();
            let held = self.cells.iter().any(|(c, cell)| match cell {
                Cell::Code(code, _) | Cell::Text(code) => usize::from(*c) == column && **code == *value,
                _ => false,
            });
            return Ok(held);
        }
        let ty = self.table.columns[column].ty;
        // An amount's number as it is, without rendering the amount with its unit.
        if let (ColumnType::Decimal { .. }, Some(number)) = (ty, f.value.value_number()) {
            let location = || LocatedField { level, field: f.to_value() }.location();
            self.typed(column, number, None, resource, location)?;
            return Ok(true);
        }
        let value = f.value.value_str();
        match ty {
            _ if value.is_empty() => {}
            // A code system's URL (a `_vrsn_cd`, an identifier's system) is a vocabulary's text.
            ColumnType::Text if f.info.location.ends_with(".system") => {
                self.set(column, Some(Cell::Text(Text::term(&value))))
            }
            ColumnType::Text => self.set(column, Some(Cell::Text(Text::new(&value)))),
            ColumnType::Code => {
                let display = match f.value.display_static() {
                    Some(d) => Some(Text::from_static(d)),
                    None => f.value.display_str().map(|d| Text::term(&d)),
                };
                self.set(column, Some(Cell::Code(Text::new(&value), display)));
            }
            _ => {
                let display = f.value.display_str();
                let location = || LocatedField { level, field: f.to_value() }.location();
                self.typed(column, &value, display.as_deref(), resource, location)?
            }
        }
        Ok(true)
    }

    /// Sets a money column from a typed amount.
    fn money(
        &mut self,
        column: usize,
        value: Option<&Money<'_>>,
        resource: &str,
        path: impl FnOnce() -> String,
    ) -> Result<(), FieldError> {
        match value.and_then(|m| m.value()) {
            Some(text) => self.typed(column, text.as_str(), None, resource, path),
            None => Ok(()),
        }
    }

    /// Sets a date column; a date that names no day is an error at `path`.
    fn date(
        &mut self,
        column: usize,
        text: Option<&str>,
        resource: &str,
        path: impl FnOnce() -> String,
    ) -> Result<(), FieldError> {
        match text {
            Some(text) => self.typed(column, text, None, resource, path),
            None => Ok(()),
        }
    }

    fn text(&mut self, column: usize, text: Option<&str>) {
        self.set(column, text.map(|t| Cell::Text(Text::new(t))));
    }

    /// Adds the row to `rows`.
    fn finish(self, rows: &mut Rows) {
        // In column order; of two cells set in one column, the later.
        let mut row = self.cells;
        self.table.note_row(row.len());
        row.sort_by_key(|(c, _)| *c);
        if row.windows(2).any(|w| w[0].0 == w[1].0) {
            // Backwards, the later of a column's cells comes first and is the one kept.
            row.reverse();
            row.dedup_by_key(|(c, _)| *c);
            row.reverse();
        }
        rows.push(self.index, row);
    }
}

/// The cell of a field's text (and display) in a column of type `ty`; `None` for an empty
/// text (a Money with a currency but no value).
fn typed(ty: ColumnType, text: &str, display: Option<&str>) -> Result<Option<Cell>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    Ok(Some(match ty {
        ColumnType::Text => Cell::Text(Text::new(text)),
        ColumnType::Code => Cell::Code(Text::new(text), display.map(Text::term)),
        ColumnType::Decimal { precision, scale } => match values::amount_number(text) {
            Some(number) => Cell::Decimal(values::decimal(number, precision, scale)?),
            None => return Ok(None),
        },
        ColumnType::Date => Cell::Date(values::date(text)?),
        ColumnType::Int => Cell::Int(values::int(text)?),
        ColumnType::Year => Cell::Int(values::year(text)?),
    }))
}

/// The id part of a reference to `Patient/<id>` (the reference as it is otherwise).
fn patient_id<'r>(reference: Option<&'r Reference<'_>>) -> Option<&'r str> {
    let text = reference?.reference()?.as_str();
    Some(text.strip_prefix("Patient/").unwrap_or(text))
}

fn period_dates<'p>(period: Option<&'p Period<'_>>) -> (Option<&'p str>, Option<&'p str>) {
    match period {
        Some(p) => (p.start().map(|d| d.as_str()), p.end().map(|d| d.as_str())),
        None => (None, None),
    }
}

/// The rows of `resource`: a claim, a Patient or a Coverage. Other resources are only
/// counted ([`Extracted::skipped`]).
pub fn extract(schema: &Schema, resource: &Resource<'_>) -> Result<Extracted, FieldError> {
    let mut out = Extracted::default();
    let fields = match resource {
        Resource::ExplanationOfBenefit(eob) => claim(schema, eob, &mut out)?,
        Resource::Patient(p) => {
            let name = format!("Patient/{}", p.id().map_or("", |i| i.as_str()));
            let mut row = RowBuilder::new(schema, TableKind::Patients, ClaimKind::Unknown);
            row.text(0, p.id().map(|i| i.as_str()));
            let mut fields = spare_fields();
            let mut placed = Ok(());
            BeneficiaryPatient(p).for_each_located_field(&mut |level, f| {
                if placed.is_ok() {
                    placed = place(&mut row, level, f, &name, &mut fields, &mut out.unmapped);
                }
            });
            placed?;
            row.finish(&mut out.rows);
            fields
        }
        Resource::Coverage(c) => {
            let name = format!("Coverage/{}", c.id().map_or("", |i| i.as_str()));
            let view = BeneficiaryCoverage(c);
            let mut row = RowBuilder::new(schema, TableKind::Coverage, ClaimKind::Unknown);
            row.text(0, c.id().map(|i| i.as_str()));
            row.text(1, patient_id(c.beneficiary.as_deref()));
            let part = view.part().map(|p| match p {
                MedicarePart::A => "A",
                MedicarePart::B => "B",
                MedicarePart::C => "C",
                MedicarePart::D => "D",
            });
            row.text(2, part);
            row.text(3, c.status().map(|s| s.as_str()));
            let (start, end) = period_dates(c.period.as_deref());
            row.date(4, start, &name, || "Coverage.period.start".to_string())?;
            row.date(5, end, &name, || "Coverage.period.end".to_string())?;
            let mut fields = spare_fields();
            let mut placed = Ok(());
            view.for_each_located_field(&mut |level, f| {
                if placed.is_ok() {
                    placed = place(&mut row, level, f, &name, &mut fields, &mut out.unmapped);
                }
            });
            placed?;
            row.finish(&mut out.rows);
            fields
        }
        other => {
            out.skipped = Some(other.resource_type());
            return Ok(out);
        }
    };
    out.exported = Some(resource.resource_type());
    out.unmapped.extend(crate::unmapped::unmapped(resource, &fields));
    SPARE_FIELDS.set(fields);
    Ok(out)
}

/// The fields present (their level and catalog entry), for the unmapped check.
pub type Present = Vec<(Level, &'static FieldInfo)>;

thread_local! {
    /// The vector of the last resource's fields, for the next resource's: a claim has hundreds,
    /// which a new vector would reach by doubling (a copy each time).
    static SPARE_FIELDS: std::cell::Cell<Present> = const { std::cell::Cell::new(Vec::new()) };
}

/// An empty vector for a resource's fields, with the room of the last one's.
fn spare_fields() -> Present {
    let mut fields = SPARE_FIELDS.take();
    fields.clear();
    fields
}

/// Sets the column of `f` on `row`; a field without a column is listed in `unmapped`. The
/// field is noted in `fields`.
fn place(
    row: &mut RowBuilder<'_>,
    level: Level,
    f: FieldRef<'_>,
    name: &str,
    fields: &mut Present,
    unmapped: &mut Vec<String>,
) -> Result<(), FieldError> {
    fields.push((level, f.info));
    if !row.field(level, f, name)? {
        unmapped.push(no_column(f));
    }
    Ok(())
}

/// How a field that no column holds is listed: the table has no column for it, or it is
/// folded into a column that holds another value.
fn no_column(f: FieldRef<'_>) -> String {
    format!("{} (no column holds {})", f.info.variable, f.location)
}

/// The rows of a claim; returns its fields (for the unmapped elements).
fn claim(schema: &Schema, eob: &ExplanationOfBenefit<'_>, out: &mut Extracted) -> Result<Present, FieldError> {
    let kind = ClaimKind::of(eob);
    let id = eob.id().map(|i| i.as_str());
    let name = format!("ExplanationOfBenefit/{}", id.unwrap_or(""));
    let view = match kind {
        ClaimKind::Known(t) => Some(ClaimView::of_type(t, eob)),
        ClaimKind::Unknown => None,
    };

    let mut row = RowBuilder::new(schema, TableKind::Claims, kind);
    let lines_table = schema.table(TableKind::ClaimLines, kind);
    row.text(0, id);
    row.text(
        1,
        match &view {
            Some(view) => view.patient_id(),
            None => patient_id(eob.patient.as_deref()),
        },
    );
    let (start, end) = period_dates(eob.billable_period.as_deref());
    row.date(2, start, &name, || "ExplanationOfBenefit.billablePeriod.start".to_string())?;
    row.date(3, end, &name, || "ExplanationOfBenefit.billablePeriod.end".to_string())?;
    let payment = eob.payment.as_ref().and_then(|p| p.amount.as_deref());
    row.money(4, payment, &name, || "ExplanationOfBenefit.payment.amount.value".to_string())?;
    // The lines' amounts in each cost role of the table, read once: for the line rows, and for
    // the claim's totals.
    let view_lines = view.as_ref().map(|v| v.lines()).unwrap_or_default();
    let line_costs: Vec<Vec<Option<&Money<'_>>>> =
        view_lines.iter().map(|l| lines_table.costs.iter().map(|role| l.cost(*role)).collect()).collect();
    // The claim's totals, role by role: its own variable, else the exact sum of its lines'.
    let first_cost = TableKind::Claims.key_count();
    if let Some(view) = &view {
        for (i, role) in row.table.costs.iter().enumerate() {
            let lines_sum = |role| {
                let c = lines_table.costs.iter().position(|r| *r == role)?;
                ClaimView::sum_of_lines(line_costs.iter().map(|l| l[c].and_then(|m| m.value())))
            };
            if let Some((amount, source)) = view.total_amount_with(*role, lines_sum) {
                let path = || match source {
                    TotalSource::Claim(f) => f.location.to_string(),
                    TotalSource::Lines(f) => format!("sum of {}", f.location),
                };
                row.typed(first_cost + i, amount.as_str(), None, &name, path)?;
            }
        }
    }

    let mut lines = Vec::with_capacity(eob.item.len());
    for (i, item) in eob.item.iter().enumerate() {
        let mut line = RowBuilder::new(schema, TableKind::ClaimLines, kind);
        let path = |p: &str| format!("ExplanationOfBenefit.item[{i}].{p}");
        line.text(0, id);
        line.set(1, item.sequence().map(|n| Cell::Int(i64::from(n.get()))));
        match &item.serviced {
            Some(ExplanationOfBenefitItemServiced::Date(d)) => {
                let d = d.value().map(|d| d.as_str());
                line.date(2, d, &name, || path("servicedDate"))?;
                line.date(3, d, &name, || path("servicedDate"))?;
            }
            Some(ExplanationOfBenefitItemServiced::Period(p)) => {
                let (start, end) = period_dates(Some(p));
                line.date(2, start, &name, || path("servicedPeriod.start"))?;
                line.date(3, end, &name, || path("servicedPeriod.end"))?;
            }
            None => {}
        }
        if let Some(costs) = line_costs.get(i) {
            let first = TableKind::ClaimLines.key_count();
            for (c, (role, cost)) in lines_table.costs.iter().zip(costs).enumerate() {
                line.money(first + c, *cost, &name, || path(&format!("adjudication ({role:?} amount)")))?;
            }
        }
        lines.push(line);
    }

    let Some(view) = view else {
        row.finish(&mut out.rows);
        lines.into_iter().for_each(|line| line.finish(&mut out.rows));
        return Ok(Vec::new());
    };

    let mut diagnoses = Vec::new();
    for d in view.diagnoses() {
        let mut r = coded_row(schema, TableKind::Diagnoses, kind, id, d.sequence, d.code, d.version);
        r.text(6, Some(&d.roles.join(",")).filter(|r| !r.is_empty()).map(|r| r.as_str()));
        r.set(7, d.present_on_admission.and_then(code_cell));
        diagnoses.push(r);
    }
    let mut procedures = Vec::new();
    for (i, p) in view.procedures().into_iter().enumerate() {
        let mut r = coded_row(schema, TableKind::Procedures, kind, id, p.sequence, p.code, p.version);
        r.date(6, p.date.map(|d| d.as_str()), &name, || format!("ExplanationOfBenefit.procedure[{i}].date"))?;
        procedures.push(r);
    }
    let mut care_team = Vec::new();
    for p in view.providers() {
        let mut r = RowBuilder::new(schema, TableKind::CareTeam, kind);
        r.text(0, id);
        r.text(1, Some(kind.name()));
        r.set(2, p.sequence.map(|n| Cell::Int(i64::from(n))));
        r.text(3, p.npi.and_then(|n| n.value()).map(|v| v.as_str()));
        r.text(4, p.role);
        care_team.push(r);
    }

    let mut fields = spare_fields();
    let mut placed = Ok(());
    view.for_each_located_field(&mut |level, f| {
        if placed.is_err() {
            return;
        }
        fields.push((level, f.info));
        let target = match level {
            None => Some(&mut row),
            Some(("item", i)) => lines.get_mut(i),
            Some(("diagnosis", i)) => diagnoses.get_mut(i),
            Some(("procedure", i)) => procedures.get_mut(i),
            Some(("careTeam", i)) => care_team.get_mut(i),
            Some(_) => None,
        };
        placed = match target {
            Some(target) => target.field(level, f, &name),
            None => Ok(false),
        }
        .map(|found| {
            if !found {
                out.unmapped.push(no_column(f));
            }
        });
    });
    placed?;
    let rows = 1 + lines.len() + diagnoses.len() + procedures.len() + care_team.len();
    let cells = [&row].into_iter().chain(&lines).chain(&diagnoses).chain(&procedures).chain(&care_team);
    out.rows = Rows::with_capacity(rows, cells.map(|r| r.cells.len()).sum());
    row.finish(&mut out.rows);
    for r in lines.into_iter().chain(diagnoses).chain(procedures).chain(care_team) {
        r.finish(&mut out.rows);
    }
    Ok(fields)
}

/// A code and its display.
fn code_cell(coding: &Coding<'_>) -> Option<Cell> {
    let code = Text::new(coding.code()?.as_str());
    Some(Cell::Code(code, coding.display().map(|d| Text::term(d))))
}

/// A row of the diagnoses or procedures: the columns they share (claim id, claim type,
/// sequence, code, system, ICD version).
fn coded_row<'s>(
    schema: &'s Schema,
    table: TableKind,
    kind: ClaimKind,
    id: Option<&str>,
    sequence: Option<u32>,
    code: Option<&Coding<'_>>,
    version: Option<IcdVersion<'_>>,
) -> RowBuilder<'s> {
    let mut r = RowBuilder::new(schema, table, kind);
    r.text(0, id);
    r.text(1, Some(kind.name()));
    r.set(2, sequence.map(|n| Cell::Int(i64::from(n))));
    r.set(3, code.and_then(code_cell));
    r.set(4, code.and_then(|c| c.system()).map(|s| Cell::Text(Text::term(s.as_str()))));
    r.text(5, version.and_then(icd_version));
    r
}

fn icd_version(v: IcdVersion<'_>) -> Option<&'static str> {
    match v {
        IcdVersion::Icd9 => Some("icd-9"),
        IcdVersion::Icd10 => Some("icd-10"),
        IcdVersion::Other(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(first: u16, n: u16) -> Vec<(u16, Cell)> {
        (first..first + n).map(|c| (c, Cell::Int(i64::from(c) * 10))).collect()
    }

    #[test]
    fn rows_keep_their_tables_and_cells_in_order() {
        let made = [(3, row(0, 4)), (5, row(2, 0)), (3, row(1, 7)), (0, row(9, 1))];
        let mut rows = Rows::default();
        for (table, cells) in &made {
            rows.push(*table, cells.clone());
        }
        assert_eq!((rows.len(), rows.cell_count(), rows.iter().len()), (4, 12, 4));
        let read: Vec<(usize, Vec<(u16, Cell)>)> = rows.iter().map(|(t, r)| (t, r.to_vec())).collect();
        assert_eq!(read, made);
        let again: Vec<(usize, Vec<(u16, Cell)>)> = (&rows).into_iter().map(|(t, r)| (t, r.to_vec())).collect();
        assert_eq!(again, made);
        let mut drained = Vec::new();
        rows.drain(|t, cells| drained.push((t, cells.collect::<Vec<_>>())));
        assert_eq!(drained, made);
        assert!(rows.is_empty() && rows.cell_count() == 0);
        // Refilled after draining, and after clearing.
        rows.push(1, row(0, 2));
        assert_eq!(rows.iter().map(|(t, r)| (t, r.len())).collect::<Vec<_>>(), [(1, 2)]);
        rows.clear();
        assert!(rows.is_empty() && rows.iter().next().is_none());
    }
}
