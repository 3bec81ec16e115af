//! A generic JSON tree that keeps number text exactly, for properties the model does not know
//! (lenient mode) and for comparing documents (round-trip checks).
use std::borrow::Cow;

use super::error::{Error, JsonKind, JsonPath, PathSegment};
use super::lexer::Lexer;
use super::writer::Writer;

/// Any JSON value. Numbers keep their text; strings borrow from the input when they can;
/// objects keep their member order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Number(Cow<'a, str>),
    String(Cow<'a, str>),
    Array(Vec<Value<'a>>),
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

impl<'a> Value<'a> {
    /// Reads one value of any kind (recursion is bounded by the lexer's depth limit).
    pub fn read(lx: &mut Lexer<'a>) -> Result<Self, Error> {
        Value::read_with(lx, &mut Scratch::default())
    }

    /// [`Value::read`] with the working space of an earlier read ([`ReadSpace`]), for a reader
    /// of many values one after the other (a stream's units): the space grows to the largest
    /// value once rather than for each.
    #[cfg(feature = "validate")]
    pub(crate) fn read_in(lx: &mut Lexer<'a>, space: &mut ReadSpace) -> Result<Self, Error> {
        let mut scratch = Scratch {
            members: crate::recycle(std::mem::take(&mut space.members)),
            items: crate::recycle(std::mem::take(&mut space.items)),
            spare: std::mem::take(&mut space.spare),
        };
        let value = Value::read_with(lx, &mut scratch);
        space.members = crate::recycle(scratch.members);
        space.items = crate::recycle(scratch.items);
        space.spare = scratch.spare;
        value
    }

    /// [`Value::read`] with the members and items of the objects and arrays being read kept in
    /// `scratch` until each is complete, so that each gets one vector of its exact size (rather
    /// than a vector grown a push at a time), into which they are moved with one copy of their
    /// bytes: a spare one of that size when `scratch` has one, else a new one.
    fn read_with(lx: &mut Lexer<'a>, scratch: &mut Scratch<'a>) -> Result<Self, Error> {
        Ok(match lx.peek_kind()? {
            JsonKind::Null => {
                lx.null()?;
                Value::Null
            }
            JsonKind::Boolean => Value::Bool(lx.boolean()?),
            JsonKind::Number => Value::Number(Cow::Borrowed(lx.number("a number")?.0)),
            JsonKind::String => Value::String(lx.string("a string")?.0),
            JsonKind::Array => {
                let mut cursor = lx.begin_array()?;
                let base = scratch.items.len();
                while lx.next_element(&mut cursor)? {
                    let item = Value::read_with(lx, scratch);
                    scratch.items.push(item?);
                }
                Value::Array(scratch.take_items(base))
            }
            JsonKind::Object => {
                let mut cursor = lx.begin_object()?;
                let base = scratch.members.len();
                while let Some(key) = lx.next_key(&mut cursor)? {
                    let value = Value::read_with(lx, scratch);
                    scratch.members.push((key.text, value?));
                }
                Value::Object(scratch.take_members(base))
            }
        })
    }

    /// Writes the value.
    pub fn write(&self, w: &mut Writer) {
        match self {
            Value::Null => w.null(),
            Value::Bool(b) => w.boolean(*b),
            Value::Number(n) => w.raw(n),
            Value::String(s) => w.string(s),
            Value::Array(items) => {
                w.begin_array();
                for item in items {
                    item.write(w);
                }
                w.end_array();
            }
            Value::Object(members) => {
                w.begin_object();
                for (k, v) in members {
                    w.key(k);
                    v.write(w);
                }
                w.end_object();
            }
        }
    }

    /// A copy that owns all its text.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Number(n) => Value::Number(Cow::Owned(n.into_owned())),
            Value::String(s) => Value::String(Cow::Owned(s.into_owned())),
            Value::Array(items) => Value::Array(items.into_iter().map(Value::into_owned).collect()),
            Value::Object(members) => {
                Value::Object(members.into_iter().map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned())).collect())
            }
        }
    }

    /// The kind of the value.
    pub fn kind(&self) -> JsonKind {
        match self {
            Value::Null => JsonKind::Null,
            Value::Bool(_) => JsonKind::Boolean,
            Value::Number(_) => JsonKind::Number,
            Value::String(_) => JsonKind::String,
            Value::Array(_) => JsonKind::Array,
            Value::Object(_) => JsonKind::Object,
        }
    }

    /// The first difference between two documents, compared as FHIR JSON: objects regardless of
    /// member order, arrays in order, numbers by their exact text. `None` when they are equal.
    pub fn first_difference(&self, other: &Value<'_>) -> Option<Difference> {
        let mut path = Vec::new();
        diff(self, other, &mut path)
    }
}

/// The members and items of the objects and arrays [`Value::read_with`] is reading, innermost
/// last, and the spare vectors to move them into.
#[derive(Default)]
struct Scratch<'a> {
    members: Vec<(Cow<'a, str>, Value<'a>)>,
    items: Vec<Value<'a>>,
    spare: Spare,
}

impl<'a> Scratch<'a> {
    /// The members from `base` on, in a vector of their number.
    fn take_members(&mut self, base: usize) -> Vec<(Cow<'a, str>, Value<'a>)> {
        match self.spare.members.get_mut(self.members.len() - base).and_then(Vec::pop) {
            Some(spare) => move_tail(&mut self.members, base, spare, &mut self.spare.bytes),
            None => self.members.split_off(base),
        }
    }

    /// The items from `base` on, in a vector of their number.
    fn take_items(&mut self, base: usize) -> Vec<Value<'a>> {
        match self.spare.items.get_mut(self.items.len() - base).and_then(Vec::pop) {
            Some(spare) => move_tail(&mut self.items, base, spare, &mut self.spare.bytes),
            None => self.items.split_off(base),
        }
    }
}

/// `from[base..]`, moved into `into` (empty, with room for exactly them) as `split_off` moves
/// them into a new vector; `bytes`, the bytes of spare vectors, counts `into`'s no more.
fn move_tail<T>(from: &mut Vec<T>, base: usize, mut into: Vec<T>, bytes: &mut usize) -> Vec<T> {
    let n = from.len() - base;
    assert!(into.is_empty() && into.capacity() >= n);
    *bytes -= into.capacity() * std::mem::size_of::<T>();
    // SAFETY: the `n` values from `base` on are copied into `into`'s room, then `from` is
    // shortened to `base` without dropping them: each is owned by `into` alone.
    unsafe {
        std::ptr::copy_nonoverlapping(from.as_ptr().add(base), into.as_mut_ptr(), n);
        from.set_len(base);
        into.set_len(n);
    }
    into
}

/// Emptied vectors of the objects and arrays of values read before ([`ReadSpace::recycle`]),
/// by capacity, for the objects and arrays of that many members or items read next: a reader of
/// many values of the same shapes (a Bundle's entries) allocates and frees none of them after
/// the first few.
#[derive(Default)]
struct Spare {
    /// `members[n]`: vectors of capacity `n`.
    members: Vec<Vec<Properties<'static>>>,
    items: Vec<Vec<Vec<Value<'static>>>>,
    /// The bytes of the vectors kept.
    bytes: usize,
}

/// Vectors of this capacity or more are not kept (they are freed).
#[cfg(feature = "validate")]
const SPARE_CAPACITY: usize = 128;

/// How many bytes of vectors [`Spare`] keeps at most (beyond, they are freed).
#[cfg(feature = "validate")]
const SPARE_BYTES: usize = 4 << 20;

#[cfg(feature = "validate")]
impl Spare {
    /// Keeps `v` (empty) when it is small enough and there is room.
    fn keep<T>(spares: &mut Vec<Vec<Vec<T>>>, bytes: &mut usize, v: Vec<T>) {
        let capacity = v.capacity();
        let size = capacity * std::mem::size_of::<T>();
        if capacity == 0 || capacity >= SPARE_CAPACITY || *bytes + size > SPARE_BYTES {
            return;
        }
        if spares.len() <= capacity {
            spares.resize_with(capacity + 1, Vec::new);
        }
        spares[capacity].push(v);
        *bytes += size;
    }
}

/// The working space of [`Value::read_in`], kept between reads of values that borrow from
/// different inputs (so it holds no value: only the allocations).
#[cfg(feature = "validate")]
#[derive(Default)]
pub(crate) struct ReadSpace {
    members: Vec<(Cow<'static, str>, Value<'static>)>,
    items: Vec<Value<'static>>,
    spare: Spare,
}

#[cfg(feature = "validate")]
impl ReadSpace {
    /// Drops `value`, keeping the vectors of its objects and arrays for the next reads (up to
    /// [`SPARE_BYTES`]).
    pub(crate) fn recycle(&mut self, value: Value<'_>) {
        match value {
            Value::Array(items) => self.recycle_items(items),
            Value::Object(members) => self.recycle_members(members),
            _ => {}
        }
    }

    fn recycle_members(&mut self, members: Vec<(Cow<'_, str>, Value<'_>)>) {
        let mut members = std::mem::ManuallyDrop::new(members);
        for (key, value) in members.iter_mut() {
            if let Cow::Owned(key) = key {
                drop(std::mem::take(key));
            }
            self.recycle_in_place(value);
        }
        // SAFETY: the same type but for its lifetimes (so of the same layout), without its
        // members, which hold nothing to free any more (their texts and vectors were taken).
        let spare = unsafe { Vec::from_raw_parts(members.as_mut_ptr().cast(), 0, members.capacity()) };
        Spare::keep(&mut self.spare.members, &mut self.spare.bytes, spare);
    }

    fn recycle_items(&mut self, items: Vec<Value<'_>>) {
        let mut items = std::mem::ManuallyDrop::new(items);
        for value in items.iter_mut() {
            self.recycle_in_place(value);
        }
        // SAFETY: as in `recycle_members`.
        let spare = unsafe { Vec::from_raw_parts(items.as_mut_ptr().cast(), 0, items.capacity()) };
        Spare::keep(&mut self.spare.items, &mut self.spare.bytes, spare);
    }

    /// Takes from `value` what it holds: its vectors recycled, its text freed. The value is left
    /// holding nothing to free.
    fn recycle_in_place(&mut self, value: &mut Value<'_>) {
        match value {
            Value::Array(items) => self.recycle_items(std::mem::take(items)),
            Value::Object(members) => self.recycle_members(std::mem::take(members)),
            Value::String(Cow::Owned(text)) | Value::Number(Cow::Owned(text)) => drop(std::mem::take(text)),
            _ => {}
        }
    }
}

/// Where and how two JSON documents differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub path: JsonPath,
    pub message: String,
}

fn short(v: &Value<'_>) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Array(a) => format!("an array of {}", a.len()),
        Value::Object(m) => format!("an object of {} properties", m.len()),
    }
}

fn diff(a: &Value<'_>, b: &Value<'_>, path: &mut Vec<PathSegment>) -> Option<Difference> {
    let here = |path: &Vec<PathSegment>, message: String| Some(Difference { path: JsonPath(path.clone()), message });
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                path.push(PathSegment::Key(k.to_string()));
                let found = match y.iter().find(|(kb, _)| kb == k) {
                    Some((_, vb)) => diff(va, vb, path),
                    None => here(path, format!("{} missing", short(va))),
                };
                path.pop();
                if found.is_some() {
                    return found;
                }
            }
            for (k, vb) in y {
                if !x.iter().any(|(ka, _)| ka == k) {
                    path.push(PathSegment::Key(k.to_string()));
                    return here(path, format!("{} added", short(vb)));
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                path.push(PathSegment::Index(i));
                let found = diff(va, vb, path);
                path.pop();
                if found.is_some() {
                    return found;
                }
            }
            if x.len() != y.len() {
                return here(path, format!("{} elements became {}", x.len(), y.len()));
            }
            None
        }
        _ if a == b => None,
        _ => here(path, format!("{} became {}", short(a), short(b))),
    }
}

/// Properties kept by lenient parsing that the model does not define. Empty (and one pointer
/// wide) in the normal case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnknownProperties<'a>(Option<Box<Properties<'a>>>);

/// Names and values, in input order.
type Properties<'a> = Vec<(Cow<'a, str>, Value<'a>)>;

impl<'a> UnknownProperties<'a> {
    /// None kept.
    pub const fn new() -> Self {
        UnknownProperties(None)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The kept properties, in input order.
    pub fn iter(&self) -> impl Iterator<Item = &(Cow<'a, str>, Value<'a>)> {
        self.0.iter().flat_map(|v| v.iter())
    }

    pub fn push(&mut self, name: Cow<'a, str>, value: Value<'a>) {
        self.0.get_or_insert_with(Default::default).push((name, value));
    }

    /// Writes the kept properties as members of the object being written.
    pub fn write(&self, w: &mut Writer) {
        for (k, v) in self.iter() {
            w.key(k);
            v.write(w);
        }
    }

    pub fn into_owned(self) -> UnknownProperties<'static> {
        UnknownProperties(
            self.0
                .map(|v| Box::new(v.into_iter().map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned())).collect())),
        )
    }
}

#[cfg(all(test, feature = "validate"))]
mod tests {
    use super::*;
    use crate::json::ParseOptions;

    fn read_in(text: &str, space: &mut ReadSpace) -> Result<Value<'static>, Error> {
        let mut lx = Lexer::new(text.as_bytes(), ParseOptions::strict());
        Value::read_in(&mut lx, space).map(Value::into_owned)
    }

    #[test]
    fn reads_in_a_kept_space_as_read_does() {
        let texts = [
            r#"{"a":[1,{"b":[true,null,"x"]},[]],"c":{"d":{}}}"#,
            r#"[{"e":1.50},{"f":[[["deep"]]]}]"#,
            r#"{"broken":[1,2"#,
            r#"{"after":"an error"}"#,
        ];
        let mut space = ReadSpace::default();
        for text in texts {
            let expected = Value::read(&mut Lexer::new(text.as_bytes(), ParseOptions::strict())).map(Value::into_owned);
            assert_eq!(read_in(text, &mut space), expected, "{text}");
        }
        // The space keeps its allocations, emptied, for the next read.
        assert!(space.members.is_empty() && space.members.capacity() > 0);
        assert!(space.items.is_empty() && space.items.capacity() > 0);
    }

    #[test]
    fn values_recycled_into_a_space_give_their_vectors_to_the_next_reads() {
        let texts = [
            r#"{"a":[1,{"b":[true,null,"x"]},[]],"c":{"d":{"e":"f\u0041"}}}"#,
            r#"[{"e":1.50},{"f":[[["deep"]]]},{"g":{"h":[1,2,3]}}]"#,
            r#"{"a":[2,{"b":[false,"y","z"]},[]],"c":{"d":{"e":"g"}}}"#,
        ];
        let mut space = ReadSpace::default();
        for round in 0..3 {
            for text in texts {
                let mut lx = Lexer::new(text.as_bytes(), ParseOptions::strict());
                let value = Value::read_in(&mut lx, &mut space).unwrap();
                let expected = Value::read(&mut Lexer::new(text.as_bytes(), ParseOptions::strict())).unwrap();
                assert_eq!(value, expected, "round {round}: {text}");
                // Kept, and the same again once read into them.
                space.recycle(value);
                assert!(space.spare.bytes > 0 && space.spare.members.iter().any(|v| !v.is_empty()));
            }
        }
        // The vectors of one value are all taken by the next of the same shape.
        let kept = space.spare.bytes;
        let text = texts[0];
        let value = Value::read_in(&mut Lexer::new(text.as_bytes(), ParseOptions::strict()), &mut space).unwrap();
        assert!(space.spare.bytes < kept);
        space.recycle(value);
        assert_eq!(space.spare.bytes, kept);
        // No more than the bound is kept, and not the outer array (100,000 items, beyond the
        // capacities kept).
        let many = format!("[{}]", vec![r#"{"a":{"b":[1,2]}}"#; 100_000].join(","));
        let value = Value::read_in(&mut Lexer::new(many.as_bytes(), ParseOptions::strict()), &mut space).unwrap();
        space.recycle(value);
        assert!(space.spare.bytes <= SPARE_BYTES && space.spare.bytes > SPARE_BYTES / 2, "{}", space.spare.bytes);
        assert!(space.spare.items.len() <= SPARE_CAPACITY && space.spare.members.len() <= SPARE_CAPACITY);
    }
}
