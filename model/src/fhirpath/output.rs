//! Items as text and as JSON.
use super::value::{self, system, Item};
use crate::primitives::ExactDecimal;

/// The FHIRPath type name of an item (`System.Integer`, `FHIR.Quantity`).
pub fn type_of(item: &Item<'_>) -> String {
    match item {
        Item::Node(n) => format!("FHIR.{}", n.ty),
        Item::Boolean(_) => "System.Boolean".into(),
        Item::Integer(_) => "System.Integer".into(),
        Item::Decimal(_) => "System.Decimal".into(),
        Item::String(_) => "System.String".into(),
        Item::Date(_) => "System.Date".into(),
        Item::DateTime(_) => "System.DateTime".into(),
        Item::Time(_) => "System.Time".into(),
        Item::Quantity(..) => "System.Quantity".into(),
    }
}

/// An item as text: a primitive's value (`12.50`, `2020-01-01`, `true`), a quantity as
/// `4.5 'mg'`, an element of the input as its compact JSON.
pub fn display(item: &Item<'_>) -> String {
    match system(item) {
        Some(Item::Boolean(b)) => b.to_string(),
        Some(Item::Integer(i)) => i.to_string(),
        Some(Item::Decimal(d)) => d.to_string(),
        Some(Item::String(s)) => s,
        Some(Item::Date(t) | Item::DateTime(t) | Item::Time(t)) => t.to_string(),
        Some(Item::Quantity(v, u)) => match value::calendar_unit(&u) {
            Some(_) => format!("{v} {u}"),
            None => format!("{v} {}", value::quote(&u)),
        },
        Some(Item::Node(_)) | None => to_json(item),
    }
}

/// An item as compact JSON: an element of the input as it was (numbers with their text), a
/// boolean or number as itself, a string, date or time as a string, a quantity as
/// `{"value":4.5,"unit":"mg"}`.
pub fn to_json(item: &Item<'_>) -> String {
    let mut w = crate::json::Writer::compact();
    match item {
        Item::Node(n) => match (n.value, n.obj) {
            (Some(v), _) => v.write(&mut w),
            (None, Some(members)) => {
                w.begin_object();
                for (k, v) in members {
                    w.key(k);
                    v.write(&mut w);
                }
                w.end_object();
            }
            (None, None) => w.null(),
        },
        Item::Boolean(b) => w.boolean(*b),
        Item::Integer(i) => w.raw(&i.to_string()),
        Item::Decimal(d) => w.raw(&d.to_string()),
        Item::String(s) => w.string(s),
        Item::Date(t) | Item::DateTime(t) | Item::Time(t) => w.string(&t.to_string()),
        Item::Quantity(v, u) => {
            w.begin_object();
            w.key("value");
            w.raw(&v.to_string());
            w.key("unit");
            w.string(u);
            w.end_object();
        }
    }
    w.into_string()
}

/// The sum of numeric items, exactly (`None` for a non-number or past 38 digits).
pub fn exact_sum(items: &[Item<'_>]) -> Option<ExactDecimal> {
    items.iter().try_fold(ExactDecimal::ZERO, |sum, i| match system(i)? {
        Item::Integer(n) => sum.checked_add(ExactDecimal::new(i128::from(n), 0)),
        Item::Decimal(d) => sum.checked_add(d),
        _ => None,
    })
}
