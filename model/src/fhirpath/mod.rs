//! FHIRPath: parse an expression once, evaluate it on FHIR JSON.
//!
//! The engine reads the same lossless JSON tree the validator walks ([`crate::json::Value`]),
//! so it serves both the definitions' invariants and queries. Elements are typed by the STU3
//! definitions where they apply (`Observation.value` finds `valueQuantity`, of type
//! `Quantity`), decimals are exact ([`ExactDecimal`](crate::primitives::ExactDecimal):
//! `0.1 + 0.2 = 0.3`), dates and times compare with FHIRPath's precision rules
//! (`@2020-01 < @2020-01-31` is empty: unknown), and quantities compare across units of the
//! same dimension (`1 'g' = 1000 'mg'`).
//!
//! ```
//! use bluebutton_model::fhirpath::{Expression, display};
//! use bluebutton_model::json;
//!
//! let input = br#"{"resourceType":"Observation","status":"final","code":{"text":"t"},
//!   "valueQuantity":{"value":12.50,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}"#;
//! let resource: json::Value = json::from_slice(input).unwrap();
//! let e = Expression::parse("Observation.value.value + 0.1").unwrap();
//! let result = e.evaluate(&resource).unwrap();
//! assert_eq!(result.iter().map(display).collect::<Vec<_>>(), ["12.60"]);
//!
//! let bad = Expression::parse("name.where(given = ").unwrap_err();
//! assert_eq!(bad.position, 19);
//! ```

mod context;
mod error;
mod eval;
mod nav;
mod output;
mod parser;
mod quick;
mod value;

pub use context::Context;
pub use error::Error;
pub use output::{display, exact_sum, to_json, type_of};
pub use value::{Item, Node, Temporal, TemporalKind};

use crate::json::Value;

/// A parsed expression.
#[derive(Debug, Clone)]
pub struct Expression {
    text: String,
    ast: parser::Expr,
    /// Its plan for the quick path, when it has the shape that path knows (`quick`).
    quick: Option<quick::Plan>,
}

impl Expression {
    /// Parses `text`; the error names the byte offset of the problem.
    pub fn parse(text: &str) -> Result<Expression, Error> {
        let ast = parser::parse(text)?;
        Ok(Expression { text: text.to_string(), quick: quick::plan(&ast), ast })
    }

    /// The expression's text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Evaluates on a resource (the focus and `%resource`).
    pub fn evaluate<'v>(&self, resource: &'v Value<'v>) -> Result<Vec<Item<'v>>, Error> {
        self.evaluate_in(&Context::resource(resource))
    }

    /// Evaluates in a context.
    pub fn evaluate_in<'v>(&self, ctx: &Context<'v>) -> Result<Vec<Item<'v>>, Error> {
        let e = eval::Evaluator { ctx, traces: Default::default(), depth: Default::default() };
        e.run(&self.ast)
    }

    /// What [`Expression::evaluate_boolean`] gives, when the quick path for the simplest
    /// invariants (presence and string equality of the focus's members) is sure of it; `None`
    /// when the evaluator is needed.
    pub(crate) fn quick_boolean(&self, ctx: &Context<'_>) -> Option<Option<bool>> {
        let plan = self.quick.as_ref().filter(|_| ctx.presence_as_boolean)?;
        let Item::Node(node) = &ctx.focus else { return None };
        quick::Focus::of(node)?.boolean(plan)
    }

    /// Evaluates to a single boolean as an invariant is read: `Some(true)` or `Some(false)`, or
    /// `None` for an empty result.
    pub fn evaluate_boolean<'v>(&self, ctx: &Context<'v>) -> Result<Option<bool>, Error> {
        let items = self.evaluate_in(ctx)?;
        match items.as_slice() {
            [] => Ok(None),
            [one] => match value::system(one) {
                Some(Item::Boolean(b)) => Ok(Some(b)),
                _ => Ok(Some(true)),
            },
            _ => Err(Error::at(0, format!("a single boolean, found {} items", items.len()))),
        }
    }
}

/// The quick path against the evaluator. Here rather than in `quick.rs`: it needs
/// [`Expression`], and `quick` is what `Expression` uses.
#[cfg(test)]
mod quick_tests {
    use super::{Context, Expression};
    use crate::json::Value;
    use crate::validate::tables::{self, CONSTRAINTS};

    /// Elements of the types whose invariants have the quick shape, each way they can be
    /// written: absent, present, null, arrays, `_name` parts, other JSON kinds.
    const ELEMENTS: &[&str] = &[
        r#"{}"#,
        r#"{"value":12.5,"code":"USD","system":"urn:iso:std:iso:4217"}"#,
        r#"{"value":12.5,"code":"USD","system":"http://unitsofmeasure.org"}"#,
        r#"{"value":12.5,"code":"USD"}"#,
        r#"{"value":12.5}"#,
        r#"{"code":"USD"}"#,
        r#"{"system":"urn:iso:std:iso:4217"}"#,
        r#"{"value":12.5,"system":"urn:iso:std:iso:4217"}"#,
        r#"{"value":1,"comparator":"<"}"#,
        r#"{"value":1,"comparator":null}"#,
        r#"{"value":1,"_comparator":{"extension":[{"url":"u","valueString":"x"}]}}"#,
        r#"{"code":["a","b"],"system":"s"}"#,
        r#"{"code":[null],"system":["s"]}"#,
        r#"{"code":true,"value":false}"#,
        r#"{"code":{"x":1},"system":3}"#,
        r#"{"_code":{"id":"c"},"system":"s"}"#,
        r#"{"start":"2020-01-01","end":"2019-01-01"}"#,
        r#"{"start":"2020-01-01"}"#,
        r#"{"start":"2020-01-01","end":"2020-01-01"}"#,
        r#"{"start":"2020-01","end":"2020-01-15"}"#,
        r#"{"start":"2020","end":"2019"}"#,
        r#"{"start":"2020-01-01T10:00:00+02:00","end":"2020-01-01T09:00:00Z"}"#,
        r#"{"start":"2020-01-01T10:00:00","end":"2020-01-01T09:00:00Z"}"#,
        r#"{"start":"2020-01-01T10:00:00.5Z","end":"2020-01-01T10:00:00Z"}"#,
        r#"{"start":"2020-13-01","end":"2020-01-01"}"#,
        r#"{"start":["2020-01-01","2021-01-01"],"end":"2020-01-01"}"#,
        r#"{"start":["2020-01-01"],"end":[]}"#,
        r#"{"end":"2019-01-01"}"#,
        r#"{"start":"2020-01-01","_end":{"id":"e"}}"#,
        r#"{"start":2020,"end":"2020"}"#,
        r#"{"start":null,"end":"2020"}"#,
        r#"{"fullUrl":"http://example.org/Patient/1/_history/2"}"#,
        r#"{"fullUrl":"http://example.org/Patient/1"}"#,
        r#"{"fullUrl":5}"#,
        r#"{"fullUrl":["a","b"]}"#,
        r#"{"_fullUrl":{"id":"f"}}"#,
        r#"{"dataAbsentReason":{"text":"x"},"valueQuantity":{"value":1}}"#,
        r#"{"valueQuantity":{"value":1},"code":{"text":"c"}}"#,
        r#"{"resource":{"resourceType":"Patient"},"fullUrl":"x"}"#,
        r#"{"request":{"method":"GET"}}"#,
        r#"{"valueString":"x","url":"u"}"#,
        r#"{"type":"document","identifier":{"system":"s"}}"#,
        r#"{"type":"searchset"}"#,
    ];

    /// The focus types the invariants of that shape are evaluated as, and none.
    const TYPES: &[&str] = &["", "Money", "Quantity", "SimpleQuantity", "Period", "BackboneElement", "Bundle"];

    #[test]
    fn the_quick_path_answers_as_the_evaluator() {
        let mut checked = 0;
        let mut keys = std::collections::BTreeSet::new();
        for c in CONSTRAINTS.iter() {
            let Ok(expression) = Expression::parse(c.expression) else { continue };
            if expression.quick.is_none() {
                continue;
            }
            let with_it = tables::elements().iter().filter(|e| e.constraints().any(|x| std::ptr::eq(x, c)));
            for def in with_it.map(Some).chain([None]) {
                for text in ELEMENTS {
                    let value: Value = crate::json::from_str(text).unwrap();
                    let Value::Object(members) = &value else { unreachable!() };
                    for ty in TYPES {
                        let ctx = Context::members(members, ty, def, None).presence_as_boolean();
                        let Some(quick) = expression.quick_boolean(&ctx) else { continue };
                        let full = expression.evaluate_boolean(&ctx).unwrap_or_else(|err| {
                            panic!("{} on {text}: the evaluator fails ({err}), the quick path gives {quick:?}", c.key)
                        });
                        assert_eq!(quick, full, "{} ({}) on {text} as {ty}", c.key, c.expression);
                        checked += 1;
                        keys.insert(c.key);
                    }
                }
            }
        }
        assert!(checked > 100, "{checked}");
        // Each shape: presence, string equality, `contains()`, the order of dates, short circuits.
        for key in ["mny-1", "qty-3", "per-1", "bdl-8", "obs-6"] {
            assert!(keys.contains(key), "{key} is not answered by the quick path: {keys:?}");
        }
    }
}
