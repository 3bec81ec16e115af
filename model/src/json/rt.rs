//! Small, non-generic-where-possible helpers that the generated `FromJson`/`ToJson` impls call,
//! so the generated code stays short and each rule (duplicates, nulls, `_` arrays) lives once.
use std::borrow::Cow;
use std::sync::atomic::{AtomicU32, Ordering};

use super::error::{Error, ErrorKind};
use super::lexer::{Key, Lexer};
use super::primitive::{Primitive, PrimitiveElement, PrimitiveValue};
use super::value::{UnknownProperties, Value};
use super::writer::Writer;
use super::{FromJson, ToJson};

/// A duplicate-property error at `key`.
#[cold]
pub fn duplicate(key: &Key<'_>) -> Error {
    Error::new(key.offset, ErrorKind::DuplicateProperty { name: key.text.to_string() })
}

/// A generated struct that can be read in place, into its default value, so that reading it
/// into a `Box`, a `Vec` or an `Option` does not move it (moving large values was a tenth of
/// the time of a parse).
pub trait ReadInto<'a>: Default {
    /// Reads the JSON object at the cursor into `self`, which must be `Self::default()`. On
    /// error `self` holds what was read so far.
    fn read_into(&mut self, lx: &mut Lexer<'a>) -> Result<(), Error>;
}

/// Reads a single complex value (or resource) into an empty slot.
#[inline]
pub fn read_one<'a, T: FromJson<'a>>(lx: &mut Lexer<'a>, key: &Key<'a>, slot: &mut Option<T>) -> Result<(), Error> {
    if slot.is_some() {
        return Err(duplicate(key));
    }
    *slot = Some(T::from_json(lx)?);
    Ok(())
}

/// Reads a single struct into an empty slot, in place.
#[inline]
pub fn read_struct<'a, T: ReadInto<'a>>(lx: &mut Lexer<'a>, key: &Key<'a>, slot: &mut Option<T>) -> Result<(), Error> {
    if slot.is_some() {
        return Err(duplicate(key));
    }
    slot.insert(T::default()).read_into(lx)
}

/// Reads a single boxed struct into an empty slot, in place.
#[inline]
pub fn read_boxed<'a, T: ReadInto<'a>>(
    lx: &mut Lexer<'a>,
    key: &Key<'a>,
    slot: &mut Option<Box<T>>,
) -> Result<(), Error> {
    if slot.is_some() {
        return Err(duplicate(key));
    }
    slot.insert(Box::default()).read_into(lx)
}

/// Reads a primitive that has no `_` sibling (element ids, `Extension.url`, the narrative div).
#[inline]
pub fn read_plain<'a, T: PrimitiveValue<'a>>(
    lx: &mut Lexer<'a>,
    key: &Key<'a>,
    slot: &mut Option<T>,
) -> Result<(), Error> {
    if slot.is_some() {
        return Err(duplicate(key));
    }
    *slot = Some(T::read(lx)?);
    Ok(())
}

/// Reads a non-empty array of complex values (resources) into an empty `Vec`.
///
/// The `Vec` gets no more room than it needs: most arrays in FHIR data have one element, and
/// `Vec`'s growth would give it room for four (four `Coding`s for one was 40 % of the memory
/// of a parsed Bundle).
#[inline]
pub fn read_vec<'a, T: FromJson<'a>>(lx: &mut Lexer<'a>, key: &Key<'a>, slot: &mut Vec<T>) -> Result<(), Error> {
    if !slot.is_empty() {
        return Err(duplicate(key));
    }
    let mut cursor = lx.begin_array()?;
    if !lx.next_element(&mut cursor)? {
        return Err(Error::new(cursor.start, ErrorKind::EmptyArray));
    }
    slot.reserve_exact(1);
    loop {
        slot.push(T::from_json(lx)?);
        if !lx.next_element(&mut cursor)? {
            break;
        }
    }
    fit(slot);
    Ok(())
}

/// The arrays of structs the generated types hold: `Vec`, and [`InlineVec`](crate::InlineVec)
/// for the arrays that nearly always hold one element (`CodeableConcept.coding`).
pub trait StructArray<T: Default>: std::ops::Deref<Target = [T]> {
    /// Appends `T::default()` and returns it, to be read in place.
    fn push_default(&mut self) -> &mut T;
    /// Makes room for `total` elements in all (a hint; nothing when there is room already).
    fn reserve_total(&mut self, total: usize);
    /// Gives back unused room once the array is complete.
    fn fit(&mut self);
}

/// The length of the last array of two or more elements read for one field of the generated
/// types (each such field has its own, a `static` in its reader): the room the next array of
/// that field gets once it has a second element, so that it grows once instead of doubling its
/// way up (a copy each time) before [`StructArray::fit`] trims it. Only a hint, shared by the
/// threads, and at most 64 elements (a huge array does not make the next ones reserve as much).
#[derive(Debug)]
pub struct LengthHint(AtomicU32);

impl LengthHint {
    const MAX: u32 = 64;

    /// No hint yet.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        LengthHint(AtomicU32::new(0))
    }

    #[inline]
    fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed) as usize
    }

    #[inline]
    fn set(&self, len: usize) {
        let len = len.min(Self::MAX as usize) as u32;
        if self.0.load(Ordering::Relaxed) != len {
            self.0.store(len, Ordering::Relaxed);
        }
    }
}

impl<T: Default> StructArray<T> for Vec<T> {
    #[inline]
    fn push_default(&mut self) -> &mut T {
        // Room for one first: most arrays in FHIR data have one element (see `read_vec`).
        if self.capacity() == 0 {
            self.reserve_exact(1);
        }
        // Not `push(T::default())`, which builds the value on the stack and copies it.
        let last = self.len();
        self.resize_with(last + 1, T::default);
        &mut self[last]
    }

    #[inline]
    fn reserve_total(&mut self, total: usize) {
        if let Some(more) = total.checked_sub(self.len()) {
            self.reserve_exact(more);
        }
    }

    #[inline]
    fn fit(&mut self) {
        fit(self);
    }
}

impl<T: Default> StructArray<T> for crate::InlineVec<T> {
    #[inline]
    fn push_default(&mut self) -> &mut T {
        crate::InlineVec::push_default(self)
    }

    #[inline]
    fn reserve_total(&mut self, _total: usize) {
        // Nearly always one element, held inline: no room to make.
    }

    #[inline]
    fn fit(&mut self) {
        self.shrink_to_fit();
    }
}

/// Reads a non-empty array of structs into an empty array, each in place, with no more room
/// than it needs (see [`read_vec`]). `hint` is the field's [`LengthHint`].
#[inline]
pub fn read_struct_vec<'a, T: ReadInto<'a>, A: StructArray<T>>(
    lx: &mut Lexer<'a>,
    key: &Key<'a>,
    slot: &mut A,
    hint: &LengthHint,
) -> Result<(), Error> {
    if !slot.is_empty() {
        return Err(duplicate(key));
    }
    let mut cursor = lx.begin_array()?;
    if !lx.next_element(&mut cursor)? {
        return Err(Error::new(cursor.start, ErrorKind::EmptyArray));
    }
    slot.push_default().read_into(lx)?;
    if lx.next_element(&mut cursor)? {
        slot.reserve_total(hint.get());
        loop {
            slot.push_default().read_into(lx)?;
            if !lx.next_element(&mut cursor)? {
                break;
            }
        }
        hint.set(slot.len());
        slot.fit();
    }
    Ok(())
}

/// Gives back the unused room of a `Vec` that is complete. A `realloc` (in place) for arrays
/// of two or more elements; leaving the room measured a few percent faster when streaming,
/// for a typed Bundle 7 % larger.
#[inline]
fn fit<T>(items: &mut Vec<T>) {
    if items.capacity() != items.len() {
        items.shrink_to_fit();
    }
}

/// Reads the value part (`name`) of a single primitive element.
#[inline]
pub fn read_primitive_value<'a, T: PrimitiveValue<'a>>(
    lx: &mut Lexer<'a>,
    key: &Key<'a>,
    slot: &mut Primitive<'a, T>,
) -> Result<(), Error> {
    if slot.value.is_some() {
        return Err(duplicate(key));
    }
    slot.value = Some(T::read(lx)?);
    Ok(())
}

/// Reads the element part (`_name`) of a single primitive element.
#[inline]
pub fn read_primitive_element<'a, T>(
    lx: &mut Lexer<'a>,
    key: &Key<'a>,
    slot: &mut Primitive<'a, T>,
) -> Result<(), Error> {
    if slot.element.is_some() {
        return Err(duplicate(key));
    }
    slot.element = Some(Box::new(PrimitiveElement::from_json(lx)?));
    Ok(())
}

/// Reads the value array (`name`) of a repeating primitive; `null` entries stand for values that
/// only have an element part in the `_name` array.
pub fn read_primitive_values<'a, T: PrimitiveValue<'a>>(
    lx: &mut Lexer<'a>,
    key: &Key<'a>,
    slot: &mut Vec<Primitive<'a, T>>,
) -> Result<(), Error> {
    if slot.iter().any(|p| p.value.is_some()) {
        return Err(duplicate(key));
    }
    let values = read_nullable_array(lx, T::read)?;
    merge_aligned(slot, values, key, true, |p, v| p.value = v)
}

/// Reads the element array (`_name`) of a repeating primitive.
pub fn read_primitive_elements<'a, T>(
    lx: &mut Lexer<'a>,
    key: &Key<'a>,
    slot: &mut Vec<Primitive<'a, T>>,
) -> Result<(), Error> {
    if slot.iter().any(|p| p.element.is_some()) {
        return Err(duplicate(key));
    }
    let elements = read_nullable_array(lx, |lx| PrimitiveElement::from_json(lx).map(Box::new))?;
    merge_aligned(slot, elements, key, false, |p, e| p.element = e)
}

/// A non-empty array whose entries may be `null`.
fn read_nullable_array<'a, V>(
    lx: &mut Lexer<'a>,
    mut read: impl FnMut(&mut Lexer<'a>) -> Result<V, Error>,
) -> Result<Vec<Option<V>>, Error> {
    let mut cursor = lx.begin_array()?;
    let mut out = Vec::new();
    while lx.next_element(&mut cursor)? {
        out.push(if lx.null()? { None } else { Some(read(lx)?) });
    }
    if out.is_empty() {
        return Err(Error::new(cursor.start, ErrorKind::EmptyArray));
    }
    // A side of nothing but nulls says nothing and could not be written back as it was.
    if out.iter().all(Option::is_none) {
        return Err(Error::new(cursor.start, ErrorKind::AllNull));
    }
    Ok(out)
}

/// Puts one side (`name` or `_name`, read at `key`) of a repeating primitive into `slot`, which
/// is empty or holds the other side; the two sides must have the same length.
fn merge_aligned<'a, T, V>(
    slot: &mut Vec<Primitive<'a, T>>,
    side: Vec<Option<V>>,
    key: &Key<'_>,
    is_values: bool,
    set: impl Fn(&mut Primitive<'a, T>, Option<V>),
) -> Result<(), Error> {
    if slot.is_empty() {
        // `collect` sizes the `Vec` exactly (`extend` would leave room for at least four).
        *slot = side
            .into_iter()
            .map(|v| {
                let mut p = Primitive::default();
                set(&mut p, v);
                p
            })
            .collect();
        return Ok(());
    }
    if slot.len() != side.len() {
        let (values, extensions) = if is_values { (side.len(), slot.len()) } else { (slot.len(), side.len()) };
        return Err(Error::new(key.offset, ErrorKind::ArrayLengthMismatch { values, extensions }));
    }
    for (p, v) in slot.iter_mut().zip(side) {
        set(p, v);
    }
    Ok(())
}

/// After an object: every entry of a repeating primitive needs a value or an element part.
#[inline]
pub fn check_primitive_array<T>(slot: &[Primitive<'_, T>], object_start: usize) -> Result<(), Error> {
    if slot.iter().any(|p| p.value.is_none() && p.element.is_none()) {
        return Err(Error::new(object_start, ErrorKind::NullInBoth));
    }
    Ok(())
}

/// An unknown property: an error in strict mode; kept (and listed) in lenient mode.
#[cold]
pub fn unknown_property<'a>(
    lx: &mut Lexer<'a>,
    key: Key<'a>,
    unknown: &mut UnknownProperties<'a>,
    of: &'static str,
) -> Result<(), Error> {
    if !lx.is_lenient() {
        return Err(Error::new(key.offset, ErrorKind::UnknownProperty { name: key.text.into_owned(), of }));
    }
    lx.unknown_offsets.push(key.offset);
    let value = Value::read(lx)?;
    unknown.push(key.text, value);
    Ok(())
}

/// Reads `resourceType` and checks it names `expected`.
#[inline]
pub fn read_resource_type(
    lx: &mut Lexer<'_>,
    key: &Key<'_>,
    seen: &mut bool,
    expected: &'static str,
) -> Result<(), Error> {
    if *seen {
        return Err(duplicate(key));
    }
    *seen = true;
    let (name, offset) = lx.string("a string (resourceType)")?;
    if name != expected {
        return Err(Error::new(offset, ErrorKind::ResourceTypeMismatch { expected, found: name.into_owned() }));
    }
    Ok(())
}

/// The error for a resource without `resourceType`.
#[cold]
pub fn missing_resource_type(object_start: usize) -> Error {
    Error::new(object_start, ErrorKind::MissingResourceType)
}

/// Looks ahead in the object at the cursor for its `resourceType` (usually the first property),
/// then rewinds. Returns the name and its offset.
pub fn peek_resource_type<'a>(lx: &mut Lexer<'a>) -> Result<(Cow<'a, str>, usize), Error> {
    let start = lx.offset();
    let depth = lx.depth();
    let mut cursor = lx.begin_object()?;
    let object_start = cursor.start;
    let mut found = None;
    while let Some(key) = lx.next_key(&mut cursor)? {
        if key.as_bytes() == b"resourceType" {
            found = Some(lx.string("a string (resourceType)")?);
            break;
        }
        lx.skip_value()?;
    }
    lx.restore(start, depth);
    found.ok_or_else(|| missing_resource_type(object_start))
}

/// The error for a resource type this model does not have.
#[cold]
pub fn unknown_resource_type(name: Cow<'_, str>, offset: usize) -> Error {
    Error::new(offset, ErrorKind::UnknownResourceType { found: name.into_owned() })
}

// ----- writing -----

/// Writes a primitive without a `_` sibling.
#[inline]
pub fn write_plain<'a, T: PrimitiveValue<'a>>(w: &mut Writer, key: &str, slot: &Option<T>) {
    if let Some(v) = slot {
        w.key(key);
        v.write(w);
    }
}

/// Writes a single complex value.
#[inline]
pub fn write_one<T: ToJson>(w: &mut Writer, key: &str, slot: &Option<T>) {
    if let Some(v) = slot {
        w.key(key);
        v.write_json(w);
    }
}

/// Writes an array of complex values (nothing when empty).
#[inline]
pub fn write_vec<T: ToJson>(w: &mut Writer, key: &str, slot: &[T]) {
    if slot.is_empty() {
        return;
    }
    w.key(key);
    w.begin_array();
    for v in slot {
        v.write_json(w);
    }
    w.end_array();
}

/// Writes a single primitive element: `name` and, if it has one, `_name`.
#[inline]
pub fn write_primitive<'a, T: PrimitiveValue<'a>>(w: &mut Writer, key: &str, ext_key: &str, p: &Primitive<'a, T>) {
    if let Some(v) = &p.value {
        w.key(key);
        v.write(w);
    }
    if let Some(e) = &p.element {
        w.key(ext_key);
        e.write_json(w);
    }
}

/// Writes an optional single primitive element.
#[inline]
pub fn write_primitive_opt<'a, T: PrimitiveValue<'a>>(
    w: &mut Writer,
    key: &str,
    ext_key: &str,
    slot: &Option<Primitive<'a, T>>,
) {
    if let Some(p) = slot {
        write_primitive(w, key, ext_key, p);
    }
}

/// Writes a repeating primitive: the value array (with `null` where an entry has only an
/// element part) and, when any entry has one, the aligned `_name` array.
pub fn write_primitives<'a, T: PrimitiveValue<'a>>(
    w: &mut Writer,
    key: &str,
    ext_key: &str,
    slot: &[Primitive<'a, T>],
) {
    if slot.iter().any(|p| p.value.is_some()) {
        w.key(key);
        w.begin_array();
        for p in slot {
            match &p.value {
                Some(v) => v.write(w),
                None => w.null(),
            }
        }
        w.end_array();
    }
    if slot.iter().any(|p| p.element.is_some()) {
        w.key(ext_key);
        w.begin_array();
        for p in slot {
            match &p.element {
                Some(e) => e.write_json(w),
                None => w.null(),
            }
        }
        w.end_array();
    }
}

impl<T: ToJson> ToJson for Box<T> {
    fn write_json(&self, w: &mut Writer) {
        (**self).write_json(w)
    }
}

impl<'a, T: FromJson<'a>> FromJson<'a> for Box<T> {
    fn from_json(lx: &mut Lexer<'a>) -> Result<Self, Error> {
        T::from_json(lx).map(Box::new)
    }
}

impl<T: super::IntoOwned> super::IntoOwned for Box<T> {
    type Owned = Box<T::Owned>;
    fn into_owned(self) -> Self::Owned {
        Box::new((*self).into_owned())
    }
}

impl<T: super::IntoOwned> super::IntoOwned for Option<T> {
    type Owned = Option<T::Owned>;
    fn into_owned(self) -> Self::Owned {
        self.map(T::into_owned)
    }
}

impl<T: super::IntoOwned> super::IntoOwned for Vec<T> {
    type Owned = Vec<T::Owned>;
    fn into_owned(self) -> Self::Owned {
        self.into_iter().map(T::into_owned).collect()
    }
}

impl super::IntoOwned for UnknownProperties<'_> {
    type Owned = UnknownProperties<'static>;
    fn into_owned(self) -> Self::Owned {
        UnknownProperties::into_owned(self)
    }
}

// The `_name` object of a primitive element, read and written like a generated element.
impl<'a> FromJson<'a> for PrimitiveElement<'a> {
    fn from_json(lx: &mut Lexer<'a>) -> Result<Self, Error> {
        let mut out = PrimitiveElement::default();
        let mut cursor = lx.begin_object()?;
        while let Some(key) = lx.next_key(&mut cursor)? {
            match key.as_bytes() {
                b"id" => read_plain(lx, &key, &mut out.id)?,
                b"extension" => read_vec(lx, &key, &mut out.extension)?,
                _ => unknown_property(lx, key, &mut out.unknown, "a primitive element")?,
            }
        }
        Ok(out)
    }
}

impl ToJson for PrimitiveElement<'_> {
    fn write_json(&self, w: &mut Writer) {
        w.begin_object();
        write_plain(w, "id", &self.id);
        write_vec(w, "extension", &self.extension);
        self.unknown.write(w);
        w.end_object();
    }
}

/// Checks that no property of a `[x]` element was read before this one.
#[inline]
pub fn choice_free<E>(key: &Key<'_>, slot: &Option<E>, element: &'static str) -> Result<(), Error> {
    match slot {
        Some(_) => Err(choice_conflict(key, element)),
        None => Ok(()),
    }
}

/// Reads a boxed struct-typed choice (`valueAddress`) into an empty choice slot, in place.
#[inline]
pub fn read_choice_boxed<'a, T: ReadInto<'a>, E>(
    lx: &mut Lexer<'a>,
    key: &Key<'a>,
    slot: &mut Option<E>,
    element: &'static str,
    wrap: impl FnOnce(Box<T>) -> E,
) -> Result<(), Error> {
    choice_free(key, slot, element)?;
    let mut value = Box::<T>::default();
    value.read_into(lx)?;
    *slot = Some(wrap(value));
    Ok(())
}

/// The error for a second property of one `[x]` element (or the same one twice).
#[cold]
pub fn choice_conflict(key: &Key<'_>, element: &'static str) -> Error {
    Error::new(key.offset, ErrorKind::MultipleChoices { name: key.text.to_string(), element })
}
