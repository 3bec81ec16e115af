//! A quick path for the shape most invariants of claims have: element presence, string
//! equality, a string's `contains()` and the order of two dates, joined by `and`, `or`, `xor`
//! and `implies`, on the focus's own members (`code.empty() or system.exists()` of every Money
//! and Quantity, `comparator.empty()`, `(code or value.empty()) and (system.empty() or system =
//! 'urn:iso:std:iso:4217')`, a Period's `start.empty() or end.empty() or (start <= end)`, an
//! entry's `fullUrl.contains('/_history/').not()`).
//!
//! It answers exactly what the evaluator answers, or nothing: whatever it is not sure of (a
//! `_name` part, an array compared, a date compared as text or one that does not parse, a name
//! that is not a plain element of the focus's definition) it leaves to the evaluator. `tests` hold it to the evaluator on every invariant
//! of the tables that has this shape.
use super::parser::{Expr, Literal, Op};
use super::value::{Node, Temporal, TemporalKind};
use super::{eval, nav};
use crate::json::Value;
use crate::validate::object::Members;
use crate::validate::tables::{CHOICE, E};

/// An expression of the shape the quick path knows, its names and operators taken out of the
/// syntax tree once (when the expression is parsed) rather than at each evaluation.
#[derive(Debug, Clone)]
pub(super) enum Plan {
    /// `name.exists()` (`true`) or `name.empty()` (`false`).
    Presence(String, bool),
    /// `name = 'text'`.
    Equals(String, String),
    /// A bare element as an operand of a boolean operator: whether it is there.
    Element(String),
    /// `name.contains('text')`, or with `.not()` after it (`true`).
    Contains(String, String, bool),
    /// `a < b` (`<=`, `>`, `>=`) of two elements of a date or time type.
    Order(Op, String, String),
    Logic(Op, Box<Plan>, Box<Plan>),
}

/// The plan of `e`, when it has the shape the quick path knows (it may still leave a given
/// element to the evaluator).
pub(super) fn plan(e: &Expr) -> Option<Plan> {
    match e {
        Expr::Binary(op @ (Op::And | Op::Or | Op::Xor | Op::Implies), a, b, _) => {
            Some(Plan::Logic(*op, Box::new(operand(a)?), Box::new(operand(b)?)))
        }
        Expr::Call { .. } => match presence_call(e) {
            Some((name, exists)) => Some(Plan::Presence(name.to_string(), exists)),
            None => contains_call(e).map(|(name, text, not)| Plan::Contains(name.into(), text.into(), not)),
        },
        Expr::Binary(Op::Eq, ..) => string_equality(e).map(|(name, text)| Plan::Equals(name.into(), text.into())),
        Expr::Binary(op @ (Op::Lt | Op::Le | Op::Gt | Op::Ge), a, b, _) => {
            Some(Plan::Order(*op, element_name(a)?.into(), element_name(b)?.into()))
        }
        _ => None,
    }
}

/// `name.contains('text')` (`false`) or `name.contains('text').not()` (`true`).
fn contains_call(e: &Expr) -> Option<(&str, &str, bool)> {
    let (call, not) = match e {
        Expr::Call { target: Some(target), name, args, .. } if name == "not" && args.is_empty() => (&**target, true),
        _ => (e, false),
    };
    let Expr::Call { target: Some(target), name, args, .. } = call else { return None };
    let [Expr::Literal(Literal::String(text))] = args.as_slice() else { return None };
    (name == "contains").then_some(())?;
    Some((element_name(target)?, text, not))
}

fn operand(e: &Expr) -> Option<Plan> {
    match e {
        Expr::Ident(..) => element_name(e).map(|name| Plan::Element(name.to_string())),
        _ => plan(e),
    }
}

/// `name.empty()` or `name.exists()`: (name, whether it asks for `exists`).
fn presence_call(e: &Expr) -> Option<(&str, bool)> {
    let Expr::Call { target: Some(target), name, args, .. } = e else { return None };
    let exists = match name.as_str() {
        "empty" => false,
        "exists" => true,
        _ => return None,
    };
    (args.is_empty()).then_some(())?;
    Some((element_name(target)?, exists))
}

/// `name = 'text'`.
fn string_equality(e: &Expr) -> Option<(&str, &str)> {
    let Expr::Binary(Op::Eq, a, b, _) = e else { return None };
    let Expr::Literal(Literal::String(text)) = &**b else { return None };
    Some((element_name(a)?, text))
}

/// The element a bare name reads (not a type name: those start with a capital).
fn element_name(e: &Expr) -> Option<&str> {
    match e {
        Expr::Ident(name, _) if !name.starts_with(|c: char| c.is_ascii_uppercase()) => Some(name),
        _ => None,
    }
}

/// The focus the quick path reads: its members and the definitions of its members.
pub(super) struct Focus<'m, 'v> {
    members: &'m Members<'v>,
    defs: &'static [E],
}

impl<'m, 'v> Focus<'m, 'v> {
    /// The focus of an invariant: an element's members (`None` for any other focus).
    pub(super) fn of(node: &Node<'v>) -> Option<Focus<'v, 'v>> {
        let members = node.obj?;
        Some(Focus { members, defs: nav::member_defs(node) })
    }

    /// The values of member `name`, as the evaluator finds them: `None` when not sure.
    fn values(&self, name: &str) -> Option<Values<'m, 'v>> {
        let mut found = None;
        for (k, v) in self.members {
            if k == name {
                found.get_or_insert(v);
            } else if k.strip_prefix('_') == Some(name) {
                return None; // its id and extensions are nodes too
            }
        }
        let Some(value) = found else {
            // Absent: nothing, when the definition has it as a plain element (else it may be
            // a choice, `value` for `valueString`).
            let plain =
                self.defs.iter().any(|d| d.name == name) && !self.defs.iter().any(|d| d.name == name && d.is(CHOICE));
            return plain.then_some(Values::None);
        };
        Some(match value {
            Value::Null => Values::None,
            Value::Array(items) => match items.iter().filter(|v| !matches!(v, Value::Null)).count() {
                0 => Values::None,
                _ => Values::Several,
            },
            Value::String(s) => Values::One(Some(s)),
            _ => Values::One(None),
        })
    }

    /// `Some(result)` (`None` inside for empty) when the quick path is sure of it.
    pub(super) fn boolean(&self, plan: &Plan) -> Option<Option<bool>> {
        match plan {
            Plan::Presence(name, exists) => {
                let present = !matches!(self.values(name)?, Values::None);
                Some(Some(present == *exists))
            }
            Plan::Equals(name, text) => match self.values(name)? {
                Values::None => Some(None),
                Values::One(Some(s)) if self.plain_string(name) => Some(Some(s == text)),
                _ => None,
            },
            Plan::Element(name) => match self.values(name)? {
                Values::None => Some(Some(false)),
                // One string: not a boolean, so true.
                Values::One(Some(_)) if self.plain_string(name) => Some(Some(true)),
                _ => None,
            },
            Plan::Contains(name, text, not) => match self.values(name)? {
                // Nothing contains nothing, and `not()` of nothing is nothing.
                Values::None => Some(None),
                Values::One(Some(s)) if self.plain_string(name) => Some(Some(s.contains(text.as_str()) != *not)),
                _ => None,
            },
            Plan::Order(op, a, b) => {
                let (x, y) = match (self.values(a)?, self.values(b)?) {
                    // More than one value on either side is the evaluator's error.
                    (Values::Several, _) | (_, Values::Several) => return None,
                    (Values::None, _) | (_, Values::None) => return Some(None),
                    (Values::One(Some(x)), Values::One(Some(y))) => (x, y),
                    _ => return None,
                };
                let x = Temporal::parse(x, self.temporal_kind(a)?)?;
                let y = Temporal::parse(y, self.temporal_kind(b)?)?;
                Some(x.compare(&y).map(|o| match op {
                    Op::Lt => o.is_lt(),
                    Op::Le => o.is_le(),
                    Op::Gt => o.is_gt(),
                    _ => o.is_ge(),
                }))
            }
            Plan::Logic(op, a, b) => {
                let left = self.boolean(a)?;
                // The evaluator's short circuits: the right side is not read.
                match (op, left) {
                    (Op::Or, Some(true)) | (Op::Implies, Some(false)) => Some(Some(true)),
                    (Op::And, Some(false)) => Some(Some(false)),
                    _ => Some(eval::logic(*op, left, self.boolean(b)?)),
                }
            }
        }
    }

    /// Whether member `name`'s string value reads as a FHIRPath string (not a date or time):
    /// it is a plain element of the definition, of a type that is not a date or time.
    fn plain_string(&self, name: &str) -> bool {
        self.plain_def(name).is_some_and(|d| !matches!(type_code(d), "date" | "dateTime" | "instant" | "time"))
    }

    /// What member `name`'s string value reads as when it is a date or a time: it is a plain
    /// element of the definition, without members of its own, of that type.
    fn temporal_kind(&self, name: &str) -> Option<TemporalKind> {
        match type_code(self.plain_def(name).filter(|d| d.children_len == 0)?) {
            "date" => Some(TemporalKind::Date),
            "dateTime" | "instant" => Some(TemporalKind::DateTime),
            "time" => Some(TemporalKind::Time),
            _ => None,
        }
    }

    /// The definition of member `name` when it is a plain element (not a choice, no slice).
    fn plain_def(&self, name: &str) -> Option<&'static E> {
        self.defs.iter().find(|d| d.name == name && d.slice.is_empty() && !d.is(CHOICE))
    }
}

/// The first type of a definition (the evaluator's type of its value).
fn type_code(def: &E) -> &'static str {
    def.types(crate::validate::Target::Published).first().map_or("", |t| t.code)
}

/// What the evaluator finds for a member, as far as the quick path needs it.
enum Values<'m, 'v> {
    None,
    /// One value: its text when it is a JSON string.
    One(Option<&'m std::borrow::Cow<'v, str>>),
    Several,
}
