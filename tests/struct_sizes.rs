//! The inline sizes of the generated types (issue 5): optional singular structs are boxed
//! (`Model::box_large_optionals` in the generator), so an absent one costs a pointer. Every
//! parsed value, and every move of one, costs its inline size.
//!
//! `cargo test --test struct_sizes -- --nocapture` prints the table.
use std::mem::size_of;

use bluebutton::json::Primitive;
use bluebutton::primitives::{Date, Decimal, FhirString, PositiveInt};
use bluebutton::resources::*;
use bluebutton::types::*;

macro_rules! sizes {
    ($($t:ty),* $(,)?) => {
        vec![$((stringify!($t), size_of::<$t>())),*]
    };
}

#[test]
fn generated_structs_stay_small() {
    let rows = sizes!(
        ExplanationOfBenefit<'static>,
        ExplanationOfBenefitItem<'static>,
        ExplanationOfBenefitItemAdjudication<'static>,
        ExplanationOfBenefitCareTeam<'static>,
        ExplanationOfBenefitDiagnosis<'static>,
        ExplanationOfBenefitInformation<'static>,
        Patient<'static>,
        Coverage<'static>,
        Bundle<'static>,
        BundleEntry<'static>,
        Reference<'static>,
        Identifier<'static>,
        CodeableConcept<'static>,
        Coding<'static>,
        Extension<'static>,
        Money<'static>,
        Period<'static>,
        Address<'static>,
        HumanName<'static>,
        Meta<'static>,
        Option<Primitive<'static, FhirString<'static>>>,
        Option<Primitive<'static, Decimal<'static>>>,
        Option<Primitive<'static, Date<'static>>>,
        Option<Primitive<'static, PositiveInt>>,
    );
    for (name, size) in &rows {
        println!("{name:<55} {size:>5} bytes");
    }
    // Generous bounds (the layout is the compiler's): inline, these were 10672, 1560, 552 and
    // 512 bytes.
    assert!(size_of::<ExplanationOfBenefit<'static>>() <= 1024);
    assert!(size_of::<ExplanationOfBenefitItem<'static>>() <= 768);
    assert!(size_of::<ExplanationOfBenefitItemAdjudication<'static>>() <= 384);
    assert!(size_of::<Reference<'static>>() <= 192);
    assert!(size_of::<Patient<'static>>() <= 768);
    assert!(size_of::<Coverage<'static>>() <= 768);
}
