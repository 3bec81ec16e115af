//! Evaluation of an [`Expr`] over [`Item`]s.
use std::cmp::Ordering;

use super::context::Context;
use super::error::Error;
use super::nav;
use super::output::display;
use super::parser::{Expr, Literal, Op};
use super::value::{compare_quantities, system, Item, Node, Temporal, TemporalKind};
use crate::json::Value;
use crate::primitives::ExactDecimal;

type R<'v> = Result<Vec<Item<'v>>, Error>;

/// How deeply expressions may nest while evaluated (the parser's own bound is the text's length).
const MAX_DEPTH: usize = 200;

/// Digits kept after the point by a division that does not come out even.
const DIVISION_SCALE: u32 = 8;

/// What `$this`, `$index` and `$total` are while an expression is evaluated.
#[derive(Clone, Copy)]
struct Frame<'a, 'v> {
    this: &'a [Item<'v>],
    index: Option<usize>,
    total: Option<&'a [Item<'v>]>,
}

pub(crate) struct Evaluator<'c, 'v> {
    pub ctx: &'c Context<'v>,
    /// `trace()` output: (name, values).
    pub traces: std::cell::RefCell<Vec<(String, Vec<Item<'v>>)>>,
    pub depth: std::cell::Cell<usize>,
}

fn boolean<'v>(b: Option<bool>) -> Vec<Item<'v>> {
    b.map(|b| vec![Item::Boolean(b)]).unwrap_or_default()
}

fn text_of(item: &Item<'_>) -> Option<String> {
    match system(item)? {
        Item::String(s) => Some(s),
        _ => None,
    }
}

/// Deep equality of JSON as FHIR content (member order ignored, numbers by value).
fn same_json(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.iter().any(|(k2, v2)| k == k2 && same_json(v, v2)))
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b)),
        (Value::Number(x), Value::Number(y)) => match (ExactDecimal::parse(x), ExactDecimal::parse(y)) {
            (Some(x), Some(y)) => x.numeric_cmp(y) == Ordering::Equal,
            _ => x == y,
        },
        _ => a == b,
    }
}

fn is_complex(item: &Item<'_>) -> bool {
    matches!(item, Item::Node(n) if matches!(n.value, Some(Value::Object(_)))) && system(item).is_none()
}

/// `=` on two items: `None` when unknown (temporal values of different precision).
pub(crate) fn equal(a: &Item<'_>, b: &Item<'_>) -> Option<bool> {
    if is_complex(a) || is_complex(b) {
        return Some(match (a, b) {
            (Item::Node(x), Item::Node(y)) => match (x.value, y.value) {
                (Some(x), Some(y)) => same_json(x, y),
                _ => false,
            },
            _ => false,
        });
    }
    let (a, b) = (system(a)?, system(b)?);
    Some(match (&a, &b) {
        (Item::Boolean(x), Item::Boolean(y)) => x == y,
        (Item::String(x), Item::String(y)) => x == y,
        (Item::Quantity(x, u), Item::Quantity(y, v)) => match compare_quantities((x, u), (y, v)) {
            Some(o) => o == Ordering::Equal,
            // A calendar duration against a UCUM unit of no fixed length (`1 month`, `1 'mo'`).
            None if [u, v].iter().any(|u| super::value::calendar_unit(u).is_some()) => return None,
            None => false,
        },
        (Item::Time(_), Item::Date(_) | Item::DateTime(_)) | (Item::Date(_) | Item::DateTime(_), Item::Time(_)) => {
            false
        }
        (Item::Date(x) | Item::DateTime(x) | Item::Time(x), Item::Date(y) | Item::DateTime(y) | Item::Time(y)) => {
            x.compare(y)? == Ordering::Equal
        }
        _ => match (number(&a), number(&b)) {
            (Some(x), Some(y)) => x.numeric_cmp(y) == Ordering::Equal,
            _ => false,
        },
    })
}

/// `~` on two items.
fn equivalent(a: &Item<'_>, b: &Item<'_>) -> bool {
    if is_complex(a) || is_complex(b) {
        return equal(a, b).unwrap_or(false);
    }
    let (Some(a), Some(b)) = (system(a), system(b)) else { return false };
    match (&a, &b) {
        (Item::String(x), Item::String(y)) => normalize_space(x) == normalize_space(y),
        (Item::Decimal(_) | Item::Integer(_), Item::Decimal(_) | Item::Integer(_)) => {
            let (x, y) = (number(&a).unwrap_or_default(), number(&b).unwrap_or_default());
            let scale = x.scale().min(y.scale());
            x.round(scale).numeric_cmp(y.round(scale)) == Ordering::Equal
        }
        _ => equal(&a, &b).unwrap_or(false),
    }
}

fn normalize_space(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

fn number(item: &Item<'_>) -> Option<ExactDecimal> {
    match item {
        Item::Integer(i) => Some(ExactDecimal::new(i128::from(*i), 0)),
        Item::Decimal(d) => Some(*d),
        _ => None,
    }
}

/// `<` and friends: `None` when the values do not compare (different types, or precision).
fn compare(a: &Item<'_>, b: &Item<'_>, pos: usize) -> Result<Option<Ordering>, Error> {
    let (Some(a), Some(b)) = (system(a), system(b)) else {
        return Err(Error::at(pos, "values that can be compared (numbers, strings, dates, times, quantities)"));
    };
    Ok(match (&a, &b) {
        (Item::String(x), Item::String(y)) => Some(x.cmp(y)),
        (Item::Quantity(x, u), Item::Quantity(y, v)) => compare_quantities((x, u), (y, v)),
        (Item::Date(x) | Item::DateTime(x) | Item::Time(x), Item::Date(y) | Item::DateTime(y) | Item::Time(y)) => {
            x.compare(y)
        }
        // A date written as a string beside a date value (a literal against an untyped element).
        (Item::String(s), Item::Date(t) | Item::DateTime(t)) | (Item::Date(t) | Item::DateTime(t), Item::String(s)) => {
            let parsed = Temporal::parse(s, TemporalKind::DateTime);
            let o =
                parsed.as_ref().and_then(|p| if matches!(a, Item::String(_)) { p.compare(t) } else { t.compare(p) });
            if parsed.is_none() {
                return Err(Error::at(pos, "values of the same type to compare"));
            }
            o
        }
        _ => match (number(&a), number(&b)) {
            (Some(x), Some(y)) => Some(x.numeric_cmp(y)),
            _ => return Err(Error::at(pos, "values of the same type to compare")),
        },
    })
}

/// The single boolean of a collection (`None` for empty), by FHIRPath's singleton rules.
fn truth(items: &[Item<'_>], pos: usize) -> Result<Option<bool>, Error> {
    match items {
        [] => Ok(None),
        [one] => match system(one) {
            Some(Item::Boolean(b)) => Ok(Some(b)),
            _ => Ok(Some(true)),
        },
        _ => Err(Error::at(pos, format!("a single boolean, found {} items", items.len()))),
    }
}

/// `and`, `or`, `xor` (and, for any other operator, `implies`) on two truth values, `None` for
/// empty: FHIRPath's three-valued truth tables.
pub(super) fn logic(op: Op, x: Option<bool>, y: Option<bool>) -> Option<bool> {
    match op {
        Op::And => match (x, y) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        Op::Or => match (x, y) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        Op::Xor => x.zip(y).map(|(x, y)| x != y),
        _ => match (x, y) {
            (Some(false), _) | (_, Some(true)) => Some(true),
            (Some(true), Some(false)) => Some(false),
            _ => None,
        },
    }
}

fn single<'a, 'v>(items: &'a [Item<'v>], pos: usize, what: &str) -> Result<Option<&'a Item<'v>>, Error> {
    match items {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        _ => Err(Error::at(pos, format!("a single {what}, found {} items", items.len()))),
    }
}

fn push_distinct<'v>(out: &mut Vec<Item<'v>>, item: Item<'v>) {
    if !out.iter().any(|o| equal(o, &item) == Some(true)) {
        out.push(item);
    }
}

/// Whether the item is of the type named (`Quantity`, `FHIR.string`, `System.Integer`).
pub(crate) fn is_type(item: &Item<'_>, name: &str) -> bool {
    let (namespace, name) = match name.split_once('.') {
        Some((ns, n)) => (Some(ns), n),
        None => (None, name),
    };
    match item {
        Item::Node(n) => {
            if namespace == Some("System") {
                return false;
            }
            let mut ty = n.ty;
            if ty.is_empty() {
                return false;
            }
            loop {
                if ty == name {
                    return true;
                }
                ty = match parent_type(ty) {
                    Some(p) => p,
                    None => return false,
                };
            }
        }
        other => {
            if namespace == Some("FHIR") {
                return false;
            }
            let system = match other {
                Item::Boolean(_) => "Boolean",
                Item::Integer(_) => "Integer",
                Item::Decimal(_) => "Decimal",
                Item::String(_) => "String",
                Item::Date(_) => "Date",
                Item::DateTime(_) => "DateTime",
                Item::Time(_) => "Time",
                Item::Quantity(..) => "Quantity",
                Item::Node(_) => "",
            };
            system == name
        }
    }
}

/// Whether `as` and `ofType` keep the item: as [`is_type`], except that a FHIR primitive
/// must be of the type itself (a `code` is a `string` for `is`, not for `as`).
fn as_type(item: &Item<'_>, name: &str) -> bool {
    match item {
        Item::Node(n) if n.ty.starts_with(|c: char| c.is_ascii_lowercase()) => {
            let name = name.strip_prefix("FHIR.").unwrap_or(name);
            n.ty == name
        }
        _ => is_type(item, name),
    }
}

/// The type a FHIR type is derived from.
fn parent_type(ty: &str) -> Option<&'static str> {
    match ty {
        "code" | "id" | "markdown" => return Some("string"),
        "url" | "canonical" | "oid" | "uuid" => return Some("uri"),
        "unsignedInt" | "positiveInt" => return Some("integer"),
        "Age" | "Duration" | "Distance" | "Count" | "Money" | "SimpleQuantity" => return Some("Quantity"),
        "Resource" | "Element" => return None,
        "DomainResource" | "Bundle" | "Binary" | "Parameters" => return Some("Resource"),
        _ => {}
    }
    let s = crate::validate::tables::core(ty)?;
    let base = s.base.rsplit('/').next()?;
    if base.is_empty() || base == ty {
        return None;
    }
    crate::validate::tables::core(base).map(|b| b.type_).or(match base {
        "Element" => Some("Element"),
        "Resource" => Some("Resource"),
        "DomainResource" => Some("DomainResource"),
        _ => None,
    })
}

/// The type name an argument such as `Quantity` or `FHIR.Quantity` gives.
fn type_arg(e: &Expr, pos: usize) -> Result<String, Error> {
    match e {
        Expr::Ident(s, _) => Ok(s.clone()),
        Expr::Member(inner, name) => Ok(format!("{}.{name}", type_arg(inner, pos)?)),
        _ => Err(Error::at(pos, "a type name")),
    }
}

impl<'c, 'v> Evaluator<'c, 'v> {
    pub(crate) fn run(&self, e: &Expr) -> R<'v> {
        let this = [self.ctx.focus.clone()];
        self.eval(e, Frame { this: &this, index: None, total: None })
    }

    fn eval(&self, e: &Expr, f: Frame<'_, 'v>) -> R<'v> {
        self.depth.set(self.depth.get() + 1);
        if self.depth.get() > MAX_DEPTH {
            self.depth.set(self.depth.get() - 1);
            return Err(Error::at(0, format!("an expression nested at most {MAX_DEPTH} deep")));
        }
        let r = self.eval_inner(e, f);
        self.depth.set(self.depth.get() - 1);
        r
    }

    fn eval_inner(&self, e: &Expr, f: Frame<'_, 'v>) -> R<'v> {
        match e {
            Expr::Empty => Ok(Vec::new()),
            Expr::Literal(l) => Ok(vec![match l {
                Literal::Boolean(b) => Item::Boolean(*b),
                Literal::String(s) => Item::String(s.clone()),
                Literal::Integer(i) => Item::Integer(*i),
                Literal::Decimal(d) => Item::Decimal(*d),
                Literal::Temporal(t) => match t.kind {
                    TemporalKind::Date => Item::Date(t.clone()),
                    TemporalKind::DateTime => Item::DateTime(t.clone()),
                    TemporalKind::Time => Item::Time(t.clone()),
                },
                Literal::Quantity(v, u) => Item::Quantity(*v, u.clone()),
            }]),
            Expr::This => Ok(f.this.to_vec()),
            Expr::Index => Ok(f.index.map(|i| vec![Item::Integer(i as i64)]).unwrap_or_default()),
            Expr::Total => Ok(f.total.map(<[_]>::to_vec).unwrap_or_default()),
            Expr::External(name, pos) => self.external(name, *pos),
            Expr::Ident(name, _) => {
                if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                    let typed: Vec<Item<'v>> = f.this.iter().filter(|i| is_type(i, name)).cloned().collect();
                    if !typed.is_empty() {
                        return Ok(typed);
                    }
                }
                Ok(self.members(f.this, name))
            }
            Expr::Member(target, name) => {
                let input = self.eval(target, f)?;
                Ok(self.members(&input, name))
            }
            Expr::Indexer(target, index, pos) => {
                let input = self.eval(target, f)?;
                let i = self.eval(index, f)?;
                match single(&i, *pos, "index")?.and_then(system) {
                    Some(Item::Integer(i)) => {
                        Ok(usize::try_from(i).ok().and_then(|i| input.get(i).cloned()).into_iter().collect())
                    }
                    None => Ok(Vec::new()),
                    Some(_) => Err(Error::at(*pos, "an integer index")),
                }
            }
            Expr::Negate(inner, pos) => {
                let v = self.eval(inner, f)?;
                Ok(match single(&v, *pos, "number")?.and_then(system) {
                    None => Vec::new(),
                    Some(Item::Integer(i)) => vec![Item::Integer(
                        i.checked_neg().ok_or_else(|| Error::at(*pos, "an integer within 64 bits"))?,
                    )],
                    Some(Item::Decimal(d)) => vec![Item::Decimal(d.negate())],
                    Some(Item::Quantity(d, u)) => vec![Item::Quantity(d.negate(), u)],
                    Some(_) => return Err(Error::at(*pos, "a number or quantity to negate")),
                })
            }
            Expr::Is(inner, ty) => {
                let v = self.eval(inner, f)?;
                Ok(single(&v, 0, "item")?.map(|i| vec![Item::Boolean(is_type(i, ty))]).unwrap_or_default())
            }
            Expr::As(inner, ty) => {
                let v = self.eval(inner, f)?;
                Ok(v.into_iter().filter(|i| as_type(i, ty)).collect())
            }
            Expr::Binary(op, a, b, pos) => self.binary(*op, a, b, *pos, f),
            Expr::Call { target, name, args, pos } => {
                let input = match target {
                    Some(t) => self.eval(t, f)?,
                    None => f.this.to_vec(),
                };
                self.call(name, input, args, *pos, f)
            }
        }
    }

    fn members(&self, input: &[Item<'v>], name: &str) -> Vec<Item<'v>> {
        let mut out = Vec::new();
        for item in input {
            if let Item::Node(n) = item {
                nav::child(n, name, &mut out);
            }
        }
        out
    }

    fn external(&self, name: &str, pos: usize) -> R<'v> {
        let s = |t: &str| Ok(vec![Item::String(t.to_string())]);
        match name {
            "ucum" => s("http://unitsofmeasure.org"),
            "sct" => s("http://snomed.info/sct"),
            "loinc" => s("http://loinc.org"),
            "context" => Ok(vec![self.ctx.focus.clone()]),
            "resource" | "rootResource" => {
                let r =
                    if name == "resource" { self.ctx.resource } else { self.ctx.root_resource.or(self.ctx.resource) };
                match r {
                    Some(r) => Ok(vec![Item::Node(r)]),
                    None => Err(Error::outside(pos, format!("%{name} is not known where this is evaluated"))),
                }
            }
            _ => {
                if let Some(vs) = name.strip_prefix("vs-") {
                    return s(&format!("http://hl7.org/fhir/ValueSet/{vs}"));
                }
                if let Some(ext) = name.strip_prefix("ext-") {
                    return s(&format!("http://hl7.org/fhir/StructureDefinition/{ext}"));
                }
                match self.ctx.variables.iter().find(|(n, _)| n == name) {
                    Some((_, v)) => Ok(v.clone()),
                    None => Err(Error::at(pos, format!("a known environment variable, found %{name}"))),
                }
            }
        }
    }

    fn binary(&self, op: Op, a: &Expr, b: &Expr, pos: usize, f: Frame<'_, 'v>) -> R<'v> {
        let left = match self.eval(a, f) {
            Ok(left) => left,
            // An operand that needs outside information does not matter when the other decides.
            Err(e) if e.needs_outside && matches!(op, Op::And | Op::Or | Op::Implies) => {
                let decided = match (op, truth(&self.eval(b, f)?, pos)?) {
                    (Op::And, Some(false)) => Some(false),
                    (Op::Or | Op::Implies, Some(true)) => Some(true),
                    _ => None,
                };
                return decided.map(|d| boolean(Some(d))).ok_or(e);
            }
            Err(e) => return Err(e),
        };
        // Short circuits that also skip errors on the right (as the spec's truth tables allow).
        let absent = left.is_empty() && self.ctx.presence_as_boolean && matches!(a, Expr::Ident(..) | Expr::Member(..));
        match op {
            Op::And if absent || truth(&left, pos)? == Some(false) => return Ok(boolean(Some(false))),
            Op::Or if truth(&left, pos)? == Some(true) => return Ok(boolean(Some(true))),
            Op::Implies if absent || truth(&left, pos)? == Some(false) => return Ok(boolean(Some(true))),
            _ => {}
        }
        let right = self.eval(b, f)?;
        match op {
            Op::And | Op::Or | Op::Xor | Op::Implies => {
                let presence = |e: &Expr, v: &[Item<'v>]| -> Result<Option<bool>, Error> {
                    let path = matches!(e, Expr::Ident(..) | Expr::Member(..));
                    if v.is_empty() && path && self.ctx.presence_as_boolean {
                        return Ok(Some(false));
                    }
                    truth(v, pos)
                };
                let (x, y) = (presence(a, &left)?, presence(b, &right)?);
                Ok(boolean(logic(op, x, y)))
            }
            Op::Union => {
                let mut out = Vec::new();
                for i in left.into_iter().chain(right) {
                    push_distinct(&mut out, i);
                }
                Ok(out)
            }
            Op::Eq | Op::Ne => {
                if left.is_empty() || right.is_empty() {
                    return Ok(Vec::new());
                }
                let eq = if left.len() != right.len() {
                    Some(false)
                } else {
                    let mut all = Some(true);
                    for (x, y) in left.iter().zip(&right) {
                        match equal(x, y) {
                            Some(true) => {}
                            Some(false) => {
                                all = Some(false);
                                break;
                            }
                            None => all = None,
                        }
                    }
                    all
                };
                Ok(boolean(eq.map(|e| e == (op == Op::Eq))))
            }
            Op::Equiv | Op::NotEquiv => {
                let eq = left.len() == right.len() && left.iter().all(|x| right.iter().any(|y| equivalent(x, y)));
                Ok(boolean(Some(eq == (op == Op::Equiv))))
            }
            Op::Lt | Op::Gt | Op::Le | Op::Ge => {
                let (Some(x), Some(y)) = (single(&left, pos, "value")?, single(&right, pos, "value")?) else {
                    return Ok(Vec::new());
                };
                Ok(boolean(compare(x, y, pos)?.map(|o| match op {
                    Op::Lt => o == Ordering::Less,
                    Op::Gt => o == Ordering::Greater,
                    Op::Le => o != Ordering::Greater,
                    _ => o != Ordering::Less,
                })))
            }
            Op::In | Op::Contains => {
                let (item, list) = if op == Op::In { (&left, &right) } else { (&right, &left) };
                let Some(item) = single(item, pos, "item")? else { return Ok(Vec::new()) };
                Ok(boolean(Some(list.iter().any(|l| equal(l, item) == Some(true)))))
            }
            Op::Concat => {
                let text = |v: &[Item<'v>]| -> Result<String, Error> {
                    Ok(single(v, pos, "string")?.and_then(text_of).unwrap_or_default())
                };
                Ok(vec![Item::String(text(&left)? + &text(&right)?)])
            }
            _ => {
                let (Some(x), Some(y)) = (single(&left, pos, "value")?, single(&right, pos, "value")?) else {
                    return Ok(Vec::new());
                };
                let (Some(x), Some(y)) = (system(x), system(y)) else {
                    return Err(Error::at(pos, "values for arithmetic"));
                };
                self.arithmetic(op, x, y, pos)
            }
        }
    }

    fn arithmetic(&self, op: Op, x: Item<'v>, y: Item<'v>, pos: usize) -> R<'v> {
        let overflow = || Error::at(pos, "a result within 38 digits");
        match (op, &x, &y) {
            (Op::Add, Item::String(a), Item::String(b)) => return Ok(vec![Item::String(format!("{a}{b}"))]),
            (Op::Add | Op::Sub, Item::Date(t) | Item::DateTime(t) | Item::Time(t), Item::Quantity(v, u)) => {
                let v = if op == Op::Sub { v.negate() } else { *v };
                let r = t.add(v, u).ok_or_else(|| Error::at(pos, format!("a calendar duration, found '{u}'")))?;
                return Ok(vec![match &x {
                    Item::Date(_) => Item::Date(r),
                    Item::Time(_) => Item::Time(r),
                    _ => Item::DateTime(r),
                }]);
            }
            (Op::Add | Op::Sub, Item::Quantity(a, u), Item::Quantity(b, v)) => {
                if u != v {
                    return Ok(Vec::new());
                }
                let r = if op == Op::Add { a.checked_add(*b) } else { a.checked_sub(*b) };
                return Ok(vec![Item::Quantity(r.ok_or_else(overflow)?, u.clone())]);
            }
            (Op::Mul | Op::Div, Item::Quantity(a, u), Item::Integer(_) | Item::Decimal(_)) => {
                let b = number(&y).unwrap_or_default();
                let r = if op == Op::Mul { a.checked_mul(b) } else { a.checked_div(b, DIVISION_SCALE) };
                return Ok(r.map(|r| vec![Item::Quantity(r, u.clone())]).unwrap_or_default());
            }
            _ => {}
        }
        let (Some(a), Some(b)) = (number(&x), number(&y)) else {
            return Err(Error::at(pos, "numbers (or a date and a duration, or strings for +)"));
        };
        let integers = matches!((&x, &y), (Item::Integer(_), Item::Integer(_)));
        let r = match op {
            Op::Add => a.checked_add(b).ok_or_else(overflow)?,
            Op::Sub => a.checked_sub(b).ok_or_else(overflow)?,
            Op::Mul => a.checked_mul(b).ok_or_else(overflow)?,
            Op::Div => {
                return Ok(a
                    .checked_div(b, DIVISION_SCALE.max(a.scale()).max(b.scale()))
                    .map(|d| vec![Item::Decimal(d.normalized())])
                    .unwrap_or_default())
            }
            Op::IntDiv => match a.checked_div_rem(b) {
                Some((q, _)) => return Ok(vec![Item::Integer(i64::try_from(q).map_err(|_| overflow())?)]),
                None => return Ok(Vec::new()),
            },
            _ => match a.checked_div_rem(b) {
                Some((_, r)) => r,
                None => return Ok(Vec::new()),
            },
        };
        if integers {
            return Ok(vec![Item::Integer(i64::try_from(r.units()).map_err(|_| overflow())?)]);
        }
        Ok(vec![Item::Decimal(r)])
    }

    /// Evaluates `arg` once per input item, with `$this` the item and `$index` its position.
    fn per_item(&self, input: &[Item<'v>], arg: &Expr, f: Frame<'_, 'v>) -> Result<Vec<Vec<Item<'v>>>, Error> {
        input
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let this = std::slice::from_ref(item);
                self.eval(arg, Frame { this, index: Some(i), total: f.total })
            })
            .collect()
    }

    fn call(&self, name: &str, input: Vec<Item<'v>>, args: &[Expr], pos: usize, f: Frame<'_, 'v>) -> R<'v> {
        let arity = |n: std::ops::RangeInclusive<usize>| -> Result<(), Error> {
            if n.contains(&args.len()) {
                Ok(())
            } else {
                Err(Error::at(
                    pos,
                    format!("{name}() with {} to {} arguments, found {}", n.start(), n.end(), args.len()),
                ))
            }
        };
        let arg = |i: usize| self.eval(&args[i], f);
        let string_arg = |i: usize| -> Result<Option<String>, Error> {
            let v = arg(i)?;
            Ok(single(&v, pos, "string")?.and_then(text_of))
        };
        let int_arg = |i: usize| -> Result<Option<i64>, Error> {
            let v = arg(i)?;
            match single(&v, pos, "integer")?.and_then(system) {
                Some(Item::Integer(n)) => Ok(Some(n)),
                None => Ok(None),
                Some(_) => Err(Error::at(pos, format!("an integer argument to {name}()"))),
            }
        };
        let input_string = || -> Result<Option<String>, Error> {
            match single(&input, pos, "string")? {
                None => Ok(None),
                Some(i) => match system(i) {
                    Some(Item::String(s)) => Ok(Some(s)),
                    _ => Err(Error::at(pos, format!("a string input to {name}()"))),
                },
            }
        };
        match name {
            "empty" => {
                arity(0..=0)?;
                Ok(boolean(Some(input.is_empty())))
            }
            "exists" => {
                arity(0..=1)?;
                if args.is_empty() {
                    return Ok(boolean(Some(!input.is_empty())));
                }
                let found =
                    self.per_item(&input, &args[0], f)?.iter().any(|r| truth(r, pos).ok().flatten() == Some(true));
                Ok(boolean(Some(found)))
            }
            "all" => {
                arity(1..=1)?;
                let all =
                    self.per_item(&input, &args[0], f)?.iter().all(|r| truth(r, pos).ok().flatten() == Some(true));
                Ok(boolean(Some(all)))
            }
            "allTrue" | "anyTrue" | "allFalse" | "anyFalse" => {
                arity(0..=0)?;
                let values: Vec<Option<bool>> = input
                    .iter()
                    .map(|i| match system(i) {
                        Some(Item::Boolean(b)) => Ok(Some(b)),
                        _ => Err(Error::at(pos, format!("booleans for {name}()"))),
                    })
                    .collect::<Result<_, _>>()?;
                let want = name.ends_with("True");
                Ok(boolean(Some(if name.starts_with("all") {
                    values.iter().all(|v| *v == Some(want))
                } else {
                    values.contains(&Some(want))
                })))
            }
            "subsetOf" | "supersetOf" => {
                arity(1..=1)?;
                let other = arg(0)?;
                let (small, big) = if name == "subsetOf" { (&input, &other) } else { (&other, &input) };
                Ok(boolean(Some(small.iter().all(|s| big.iter().any(|b| equal(s, b) == Some(true))))))
            }
            "count" => {
                arity(0..=0)?;
                Ok(vec![Item::Integer(input.len() as i64)])
            }
            "distinct" => {
                arity(0..=0)?;
                let mut out = Vec::new();
                for i in input {
                    push_distinct(&mut out, i);
                }
                Ok(out)
            }
            "isDistinct" => {
                arity(0..=0)?;
                let n = input.len();
                let mut out = Vec::new();
                for i in input {
                    push_distinct(&mut out, i);
                }
                Ok(boolean(Some(out.len() == n)))
            }
            "where" => {
                arity(1..=1)?;
                let keep = self.per_item(&input, &args[0], f)?;
                let mut out = Vec::new();
                for (item, k) in input.into_iter().zip(keep) {
                    if truth(&k, pos)? == Some(true) {
                        out.push(item);
                    }
                }
                Ok(out)
            }
            "select" => {
                arity(1..=1)?;
                Ok(self.per_item(&input, &args[0], f)?.into_iter().flatten().collect())
            }
            "repeat" => {
                arity(1..=1)?;
                let mut out: Vec<Item<'v>> = Vec::new();
                let mut queue = input;
                while !queue.is_empty() {
                    let mut next = Vec::new();
                    for found in self.per_item(&queue, &args[0], f)?.into_iter().flatten() {
                        if !out.iter().any(|o| same_item(o, &found)) {
                            out.push(found.clone());
                            next.push(found);
                        }
                    }
                    queue = next;
                }
                Ok(out)
            }
            "aggregate" => {
                arity(1..=2)?;
                let mut total = if args.len() == 2 { arg(1)? } else { Vec::new() };
                for (i, item) in input.iter().enumerate() {
                    let this = std::slice::from_ref(item);
                    total = self.eval(&args[0], Frame { this, index: Some(i), total: Some(&total) })?;
                }
                Ok(total)
            }
            "ofType" => {
                arity(1..=1)?;
                let ty = type_arg(&args[0], pos)?;
                Ok(input.into_iter().filter(|i| as_type(i, &ty)).collect())
            }
            "is" | "as" => {
                arity(1..=1)?;
                let ty = type_arg(&args[0], pos)?;
                if name == "as" {
                    return Ok(input.into_iter().filter(|i| as_type(i, &ty)).collect());
                }
                Ok(single(&input, pos, "item")?.map(|i| vec![Item::Boolean(is_type(i, &ty))]).unwrap_or_default())
            }
            "single" => {
                arity(0..=0)?;
                Ok(single(&input, pos, "item")?.cloned().into_iter().collect())
            }
            "first" => Ok(input.into_iter().take(1).collect()),
            "last" => Ok(input.into_iter().last().into_iter().collect()),
            "tail" => Ok(input.into_iter().skip(1).collect()),
            "skip" | "take" => {
                arity(1..=1)?;
                let n = int_arg(0)?.unwrap_or(0).max(0) as usize;
                Ok(if name == "skip" {
                    input.into_iter().skip(n).collect()
                } else {
                    input.into_iter().take(n).collect()
                })
            }
            "intersect" | "exclude" | "union" | "combine" => {
                arity(1..=1)?;
                let other = arg(0)?;
                let mut out = Vec::new();
                match name {
                    "union" => {
                        for i in input.into_iter().chain(other) {
                            push_distinct(&mut out, i);
                        }
                    }
                    "combine" => out = input.into_iter().chain(other).collect(),
                    "intersect" => {
                        for i in input {
                            if other.iter().any(|o| equal(o, &i) == Some(true)) {
                                push_distinct(&mut out, i);
                            }
                        }
                    }
                    _ => out = input.into_iter().filter(|i| !other.iter().any(|o| equal(o, i) == Some(true))).collect(),
                }
                Ok(out)
            }
            "iif" => {
                arity(2..=3)?;
                if input.len() > 1 {
                    return Err(Error::at(pos, "iif() on at most one item"));
                }
                // The criterion and the results see the input as `$this`.
                let f = if input.is_empty() { f } else { Frame { this: &input, ..f } };
                let arg = |i: usize| self.eval(&args[i], f);
                let cond = truth(&arg(0)?, pos)?;
                if cond == Some(true) {
                    arg(1)
                } else if args.len() == 3 {
                    arg(2)
                } else {
                    Ok(Vec::new())
                }
            }
            "not" => {
                arity(0..=0)?;
                Ok(boolean(truth(&input, pos)?.map(|b| !b)))
            }
            "hasValue" => {
                arity(0..=0)?;
                let has = matches!(input.as_slice(), [Item::Node(n)] if matches!(n.value, Some(Value::String(_) | Value::Number(_) | Value::Bool(_))));
                Ok(boolean(Some(has)))
            }
            "children" | "descendants" => {
                arity(0..=0)?;
                let mut out = Vec::new();
                let mut queue = input;
                loop {
                    let mut next = Vec::new();
                    for i in &queue {
                        if let Item::Node(n) = i {
                            nav::children(n, &mut next);
                        }
                    }
                    if name == "children" || next.is_empty() {
                        out.extend(next);
                        return Ok(out);
                    }
                    out.extend(next.iter().cloned());
                    queue = next;
                }
            }
            "trace" => {
                arity(1..=2)?;
                let label = string_arg(0)?.unwrap_or_default();
                let shown = if args.len() == 2 {
                    self.per_item(&input, &args[1], f)?.into_iter().flatten().collect()
                } else {
                    input.clone()
                };
                self.traces.borrow_mut().push((label, shown));
                Ok(input)
            }
            "resolve" => {
                arity(0..=0)?;
                let mut out = Vec::new();
                for i in &input {
                    let reference = match i {
                        Item::Node(n) => match n.object() {
                            Some(m) => crate::validate::object::get_str(m, "reference").map(str::to_string),
                            None => text_of(i),
                        },
                        other => text_of(other),
                    };
                    let Some(reference) = reference else { continue };
                    match self.ctx.resolve(&reference) {
                        Some(found) => out.push(Item::Node(found)),
                        None if reference.starts_with('#') => {}
                        None => {
                            let why = format!("resolving `{reference}` needs a resource outside the input");
                            return Err(Error::outside(pos, why));
                        }
                    }
                }
                Ok(out)
            }
            "extension" => {
                arity(1..=1)?;
                let url = string_arg(0)?;
                let exts = self.members(&input, "extension");
                Ok(exts
                    .into_iter()
                    .filter(|e| {
                        let u = self.members(std::slice::from_ref(e), "url");
                        u.first().and_then(text_of) == url
                    })
                    .collect())
            }
            "memberOf" => {
                arity(1..=1)?;
                let url = string_arg(0)?.unwrap_or_default();
                let Some(item) = single(&input, pos, "code")? else { return Ok(Vec::new()) };
                let mut codings = Vec::new();
                match item {
                    Item::Node(n) if n.ty == "CodeableConcept" => {
                        codings = self
                            .members(&self.members(&input, "coding"), "code")
                            .into_iter()
                            .zip(
                                self.members(&self.members(&input, "coding"), "system")
                                    .into_iter()
                                    .map(Some)
                                    .chain(std::iter::repeat(None)),
                            )
                            .map(|(c, s)| (s.and_then(|s| text_of(&s)), text_of(&c)))
                            .collect()
                    }
                    Item::Node(n) if n.ty == "Coding" => codings.push((
                        self.members(&input, "system").first().and_then(text_of),
                        self.members(&input, "code").first().and_then(text_of),
                    )),
                    other => codings.push((None, text_of(other))),
                }
                let mut unknown = None;
                for (system, code) in codings {
                    let Some(code) = code else { continue };
                    match crate::validate::terminology::membership(
                        crate::validate::Target::Published,
                        &url,
                        system.as_deref(),
                        &code,
                    ) {
                        crate::validate::terminology::Membership::In => return Ok(boolean(Some(true))),
                        crate::validate::terminology::Membership::Unknown(why) => unknown = Some(why),
                        _ => {}
                    }
                }
                match unknown {
                    Some(why) => Err(Error::outside(pos, why)),
                    None => Ok(boolean(Some(false))),
                }
            }
            // Strings
            "startsWith" | "endsWith" | "contains" | "matches" | "matchesFull" | "indexOf" => {
                arity(1..=1)?;
                let (Some(s), Some(a)) = (input_string()?, string_arg(0)?) else { return Ok(Vec::new()) };
                Ok(vec![match name {
                    "startsWith" => Item::Boolean(s.starts_with(&a)),
                    "endsWith" => Item::Boolean(s.ends_with(&a)),
                    "contains" => Item::Boolean(s.contains(&a)),
                    "indexOf" => Item::Integer(s.find(&a).map_or(-1, |b| s[..b].chars().count() as i64)),
                    "matches" => Item::Boolean(regex(&a, pos)?.is_match(&s)),
                    _ => Item::Boolean(regex(&format!("^(?:{a})$"), pos)?.is_match(&s)),
                }])
            }
            "replaceMatches" | "replace" => {
                arity(2..=2)?;
                let (Some(s), Some(a), Some(b)) = (input_string()?, string_arg(0)?, string_arg(1)?) else {
                    return Ok(Vec::new());
                };
                Ok(vec![Item::String(if name == "replace" {
                    if a.is_empty() {
                        let mut out = b.clone();
                        for c in s.chars() {
                            out.push(c);
                            out.push_str(&b);
                        }
                        out
                    } else {
                        s.replace(&a, &b)
                    }
                } else if a.is_empty() {
                    s
                } else {
                    regex(&a, pos)?.replace_all(&s, b.as_str()).into_owned()
                })])
            }
            "substring" => {
                arity(1..=2)?;
                let Some(s) = input_string()? else { return Ok(Vec::new()) };
                let Some(start) = int_arg(0)? else { return Ok(Vec::new()) };
                let chars: Vec<char> = s.chars().collect();
                if start < 0 || start as usize >= chars.len() {
                    return Ok(Vec::new());
                }
                let len = if args.len() == 2 { int_arg(1)?.unwrap_or(i64::MAX) } else { i64::MAX };
                let end = (start as usize).saturating_add(len.max(0) as usize).min(chars.len());
                Ok(vec![Item::String(chars[start as usize..end].iter().collect())])
            }
            "length" | "upper" | "lower" | "toChars" | "trim" => {
                arity(0..=0)?;
                let Some(s) = input_string()? else { return Ok(Vec::new()) };
                Ok(match name {
                    "length" => vec![Item::Integer(s.chars().count() as i64)],
                    "upper" => vec![Item::String(s.to_uppercase())],
                    "lower" => vec![Item::String(s.to_lowercase())],
                    "trim" => vec![Item::String(s.trim().to_string())],
                    _ => s.chars().map(|c| Item::String(c.to_string())).collect(),
                })
            }
            "join" => {
                arity(0..=1)?;
                let sep = if args.is_empty() { String::new() } else { string_arg(0)?.unwrap_or_default() };
                let parts: Vec<String> = input.iter().filter_map(text_of).collect();
                Ok(vec![Item::String(parts.join(&sep))])
            }
            "split" => {
                arity(1..=1)?;
                let (Some(s), Some(sep)) = (input_string()?, string_arg(0)?) else { return Ok(Vec::new()) };
                Ok(s.split(sep.as_str()).map(|p| Item::String(p.to_string())).collect())
            }
            // Conversions
            "toString" | "toInteger" | "toDecimal" | "toBoolean" | "toQuantity" | "toDate" | "toDateTime"
            | "toTime" | "convertsToString" | "convertsToInteger" | "convertsToDecimal" | "convertsToBoolean"
            | "convertsToQuantity" | "convertsToDate" | "convertsToDateTime" | "convertsToTime" => {
                arity(0..=1)?;
                let Some(item) = single(&input, pos, "item")? else { return Ok(Vec::new()) };
                let target = name.trim_start_matches("to").trim_start_matches("convertsTo");
                let converted = system(item).and_then(|v| convert(&v, target));
                if name.starts_with("converts") {
                    return Ok(boolean(Some(converted.is_some())));
                }
                Ok(converted.into_iter().collect())
            }
            // Math
            "abs" | "ceiling" | "floor" | "truncate" | "round" => {
                arity(0..=1)?;
                let Some(item) = single(&input, pos, "number")?.and_then(system) else { return Ok(Vec::new()) };
                if let (Item::Quantity(v, u), "abs") = (&item, name) {
                    return Ok(vec![Item::Quantity(if v.units() < 0 { v.negate() } else { *v }, u.clone())]);
                }
                let Some(n) = number(&item) else { return Err(Error::at(pos, format!("a number input to {name}()"))) };
                let r = match name {
                    "abs" => {
                        if n.units() < 0 {
                            n.negate()
                        } else {
                            n
                        }
                    }
                    "ceiling" => n.ceiling(),
                    "floor" => n.floor(),
                    "truncate" => n.trunc(),
                    _ => {
                        let digits = if args.is_empty() { 0 } else { int_arg(0)?.unwrap_or(0) };
                        n.round(u32::try_from(digits).map_err(|_| Error::at(pos, "a precision of zero or more"))?)
                    }
                };
                Ok(vec![match (&item, name) {
                    (Item::Integer(_), _) | (_, "ceiling" | "floor" | "truncate") => {
                        Item::Integer(i64::try_from(r.units()).map_err(|_| Error::at(pos, "an integer result"))?)
                    }
                    _ => Item::Decimal(r),
                }])
            }
            "today" | "now" | "timeOfDay" => {
                arity(0..=0)?;
                Ok(vec![now(name)])
            }
            _ => Err(Error::at(pos, format!("a known function, found {name}()"))),
        }
    }
}

/// Whether two items are the same element of the input (or equal values).
fn same_item(a: &Item<'_>, b: &Item<'_>) -> bool {
    match (a, b) {
        (Item::Node(x), Item::Node(y)) => {
            x.value.map(|v| v as *const Value<'_>) == y.value.map(|v| v as *const Value<'_>)
                && x.ext.map(|v| v as *const Value<'_>) == y.ext.map(|v| v as *const Value<'_>)
        }
        _ => equal(a, b) == Some(true),
    }
}

fn regex(pattern: &str, pos: usize) -> Result<regex::Regex, Error> {
    // FHIRPath's `.` matches a line end too (single-line mode).
    regex::Regex::new(&format!("(?s){pattern}")).map_err(|e| Error::at(pos, format!("a valid regular expression: {e}")))
}

/// The conversion functions (`toInteger()` and their `convertsTo` twins).
fn convert<'v>(v: &Item<'v>, target: &str) -> Option<Item<'v>> {
    let text = |s: &str| s.to_string();
    match (target, v) {
        ("String", Item::String(s)) => Some(Item::String(s.clone())),
        ("String", other) => Some(Item::String(display(other))),
        ("Integer", Item::Integer(i)) => Some(Item::Integer(*i)),
        ("Integer", Item::Boolean(b)) => Some(Item::Integer(i64::from(*b))),
        ("Integer", Item::String(s)) => {
            let t = s.strip_prefix('+').unwrap_or(s);
            (!t.is_empty() && t.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse().ok())
                .flatten()
                .map(Item::Integer)
        }
        ("Decimal", Item::Integer(i)) => Some(Item::Decimal(ExactDecimal::new(i128::from(*i), 0))),
        ("Decimal", Item::Decimal(d)) => Some(Item::Decimal(*d)),
        ("Decimal", Item::Boolean(b)) => Some(Item::Decimal(ExactDecimal::new(i128::from(*b) * 10, 1))),
        ("Decimal", Item::String(s)) => ExactDecimal::parse(s.strip_prefix('+').unwrap_or(s)).map(Item::Decimal),
        ("Boolean", Item::Boolean(b)) => Some(Item::Boolean(*b)),
        ("Boolean", Item::Integer(i)) => match i {
            0 => Some(Item::Boolean(false)),
            1 => Some(Item::Boolean(true)),
            _ => None,
        },
        ("Boolean", Item::Decimal(d)) => match d.normalized().to_string().as_str() {
            "0" => Some(Item::Boolean(false)),
            "1" => Some(Item::Boolean(true)),
            _ => None,
        },
        ("Boolean", Item::String(s)) => match s.to_lowercase().as_str() {
            "true" | "t" | "yes" | "y" | "1" | "1.0" => Some(Item::Boolean(true)),
            "false" | "f" | "no" | "n" | "0" | "0.0" => Some(Item::Boolean(false)),
            _ => None,
        },
        ("Quantity", Item::Quantity(v, u)) => Some(Item::Quantity(*v, u.clone())),
        ("Quantity", Item::Integer(_) | Item::Decimal(_)) => Some(Item::Quantity(number(v)?, text("1"))),
        ("Quantity", Item::Boolean(b)) => Some(Item::Quantity(ExactDecimal::new(i128::from(*b) * 10, 1), text("1"))),
        ("Quantity", Item::String(s)) => {
            let (num, unit) = s.split_once(' ').map_or((s.as_str(), "'1'"), |(n, u)| (n, u.trim()));
            let value = ExactDecimal::parse(num)?;
            let unit = match unit.strip_prefix('\'').and_then(|u| u.strip_suffix('\'')) {
                Some(u) => u.to_string(),
                None => super::value::calendar_unit(unit)?.to_string(),
            };
            Some(Item::Quantity(value, unit))
        }
        ("Date", Item::Date(t)) => Some(Item::Date(t.clone())),
        ("Date", Item::DateTime(t)) => {
            let mut t = t.clone();
            t.len = t.len.min(3);
            t.kind = TemporalKind::Date;
            t.offset = None;
            Some(Item::Date(t))
        }
        ("Date", Item::String(s)) => Temporal::parse(s, TemporalKind::Date).map(Item::Date),
        ("DateTime", Item::DateTime(t) | Item::Date(t)) => {
            let mut t = t.clone();
            t.kind = TemporalKind::DateTime;
            Some(Item::DateTime(t))
        }
        ("DateTime", Item::String(s)) => Temporal::parse(s, TemporalKind::DateTime).map(Item::DateTime),
        ("Time", Item::Time(t)) => Some(Item::Time(t.clone())),
        ("Time", Item::String(s)) => Temporal::parse(s, TemporalKind::Time).map(Item::Time),
        _ => None,
    }
}

/// `today()`, `now()`, `timeOfDay()` from the system clock, in UTC.
fn now<'v>(which: &str) -> Item<'v> {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let days = secs.div_euclid(86_400);
    let date = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.checked_add_signed(chrono::Duration::days(days)))
        .unwrap_or_default();
    let s = secs.rem_euclid(86_400);
    use chrono::Datelike;
    let parts = [
        i64::from(date.year()),
        i64::from(date.month()),
        i64::from(date.day()),
        s / 3600,
        s % 3600 / 60,
        s % 60 * 1_000_000_000,
    ];
    match which {
        "today" => Item::Date(Temporal { kind: TemporalKind::Date, parts, len: 3, frac_digits: 0, offset: None }),
        "timeOfDay" => Item::Time(Temporal {
            kind: TemporalKind::Time,
            parts: [0, 0, 0, parts[3], parts[4], parts[5]],
            len: 6,
            frac_digits: 0,
            offset: None,
        }),
        _ => Item::DateTime(Temporal { kind: TemporalKind::DateTime, parts, len: 6, frac_digits: 0, offset: Some(0) }),
    }
}

impl<'v> Context<'v> {
    /// The resource a reference names: `#id` among the contained resources of `%resource`
    /// (`#` is `%resource` itself), else an entry of the enclosing Bundle by `fullUrl` or by
    /// `Type/id`.
    pub(crate) fn resolve(&self, reference: &str) -> Option<Node<'v>> {
        use crate::validate::object::{get, get_str};
        let object = |v: &'v Value<'v>| match v {
            Value::Object(m) => Some(m.as_slice()),
            _ => None,
        };
        if let Some(id) = reference.strip_prefix('#') {
            let resource = self.resource?;
            if id.is_empty() {
                return Some(resource);
            }
            let Some(Value::Array(items)) = get(resource.object()?, "contained") else { return None };
            let found = items.iter().find(|c| object(c).and_then(|m| get_str(m, "id")) == Some(id))?;
            return Some(nav::resource_node(found));
        }
        let bundle = self.bundle?;
        let Some(Value::Array(entries)) = get(object(bundle)?, "entry") else { return None };
        entries.iter().find_map(|e| {
            let m = object(e)?;
            let resource = get(m, "resource")?;
            let full = get_str(m, "fullUrl").unwrap_or_default();
            let by_id = || {
                let r = object(resource)?;
                let id = format!("{}/{}", get_str(r, "resourceType")?, get_str(r, "id")?);
                Some(reference == id || reference.ends_with(&format!("/{id}")))
            };
            (full == reference
                || (!full.is_empty() && full.ends_with(&format!("/{reference}")))
                || by_id() == Some(true))
            .then(|| nav::resource_node(resource))
        })
    }
}
