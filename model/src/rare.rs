//! [`Rare`]: the members of a type that the server rarely sends, held in one allocation made
//! only when one of them is present.
//!
//! A parsed Bundle is mostly datatypes, and every optional member of a type has its slot in
//! each instance, sent or not. The members the recorded server versions send in fewer than one
//! instance in twenty (every element's `id`, the datatypes' `extension`, `Coding.version`,
//! `Coding.userSelected`, ...; the rule is the generator's `hold_rare_members`) are moved into
//! a `<Type>Rare` part, and the type holds a `Rare<<Type>Rare>`: one pointer, null when none
//! of them is present. The part also keeps the properties a lenient parse kept (`unknown`),
//! which valid data has none of. A `Coding` takes 80 bytes instead of 160.
//!
//! Reading goes through [`Deref`]: an absent part reads as the empty one, so
//! `coding.rare.version` is `None` without an allocation. Writing goes through [`DerefMut`],
//! which makes the part when it is first written to.
use std::fmt;
use std::ops::{Deref, DerefMut};

use crate::json::IntoOwned;

/// A rare part: every member empty (`None`, no values) for `none()`. Implemented by the
/// generated `<Type>Rare` structs.
pub trait RareMembers: Default {
    /// The part with every member empty, shared by every instance that has none.
    fn none<'s>() -> &'s Self
    where
        Self: 's;
}

/// A type's rare part (`T`, its generated `<Type>Rare`): a pointer, null while none of the
/// members is present.
///
/// ```
/// use bluebutton_model::types::Coding;
/// use bluebutton_model::json;
///
/// let coding: Coding = json::from_slice(br#"{"system": "s", "code": "c"}"#).unwrap();
/// assert!(coding.rare.get().is_none(), "nothing rare was sent: no allocation");
/// assert_eq!(coding.rare.version, None);
///
/// let versioned: Coding = json::from_slice(br#"{"system": "s", "version": "2024", "code": "c"}"#).unwrap();
/// assert_eq!(versioned.version().map(|v| v.as_str()), Some("2024"));
/// assert_eq!(json::to_string(&versioned), r#"{"system":"s","version":"2024","code":"c"}"#);
///
/// let mut coding = coding;
/// coding.rare.version = versioned.rare.version.clone();
/// assert_eq!(coding, versioned);
///
/// // Built by hand: the part from its struct.
/// use bluebutton_model::types::CodingRare;
/// let built = Coding {
///     system: coding.system.clone(),
///     code: coding.code.clone(),
///     rare: CodingRare { version: versioned.rare.version.clone(), ..Default::default() }.into(),
///     ..Default::default()
/// };
/// assert_eq!(built, versioned);
/// ```
pub struct Rare<T>(Option<Box<T>>);

impl<T> Rare<T> {
    /// No part: every member empty.
    pub const fn new() -> Self {
        Rare(None)
    }

    /// The part, if it was made (a member was read or written).
    pub fn get(&self) -> Option<&T> {
        self.0.as_deref()
    }
}

impl<T> Default for Rare<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> From<T> for Rare<T> {
    fn from(part: T) -> Self {
        Rare(Some(Box::new(part)))
    }
}

impl<T: RareMembers> Deref for Rare<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        match &self.0 {
            Some(part) => part,
            None => T::none(),
        }
    }
}

impl<T: RareMembers> DerefMut for Rare<T> {
    /// The part, made (empty) if there was none.
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        self.0.get_or_insert_with(Box::default)
    }
}

impl<T: Clone> Clone for Rare<T> {
    fn clone(&self) -> Self {
        Rare(self.0.clone())
    }
}

/// Equal when the members are: a part made but left empty equals no part.
impl<T: RareMembers + PartialEq> PartialEq for Rare<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: RareMembers + fmt::Debug> fmt::Debug for Rare<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: IntoOwned> IntoOwned for Rare<T> {
    type Owned = Rare<T::Owned>;
    fn into_owned(self) -> Self::Owned {
        Rare(self.0.map(|part| Box::new((*part).into_owned())))
    }
}

#[cfg(test)]
mod tests {
    use crate::json;
    use crate::types::{Coding, CodingRare};

    #[test]
    fn an_absent_part_reads_empty_and_is_made_on_write() {
        let mut coding: Coding = json::from_slice(br#"{"code": "c"}"#).unwrap();
        assert!(coding.rare.get().is_none());
        assert_eq!(*coding.rare, CodingRare::default());
        assert!(coding.rare.extension.is_empty());
        coding.rare.user_selected = Some(Default::default());
        assert!(coding.rare.get().is_some());
    }

    #[test]
    fn a_made_but_empty_part_equals_none() {
        let plain: Coding = json::from_slice(br#"{"code": "c"}"#).unwrap();
        let mut touched = plain.clone();
        let _ = &mut touched.rare.version;
        assert!(touched.rare.get().is_some());
        assert_eq!(plain, touched);
        assert_eq!(format!("{plain:?}"), format!("{touched:?}"));
    }

    #[test]
    fn a_rare_member_is_read_into_the_part_and_written_in_its_place() {
        let text = r#"{"id":"x","extension":[{"url":"u","valueString":"v"}],"system":"s","code":"c"}"#;
        let coding: Coding = json::from_slice(text.as_bytes()).unwrap();
        let part = coding.rare.get().expect("made for the id and the extension");
        assert_eq!(part.id.as_ref().map(|i| i.as_str()), Some("x"));
        assert_eq!(part.extension.len(), 1);
        assert_eq!(json::to_string(&coding), text);
        let owned: Coding<'static> = json::IntoOwned::into_owned(coding.clone());
        assert_eq!(owned, coding);
    }

    #[test]
    fn properties_a_lenient_parse_kept_are_in_the_part() {
        let text = r#"{"system":"s","code":"c","colour":"blue"}"#;
        let lenient = json::from_slice_lenient::<Coding>(text.as_bytes()).unwrap();
        let coding = lenient.value;
        assert_eq!(lenient.unknown.len(), 1);
        let part = coding.rare.get().expect("made for the unknown property");
        assert_eq!(part.unknown.iter().map(|(k, _)| k.as_ref()).collect::<Vec<_>>(), ["colour"]);
        assert_eq!(json::to_string(&coding), text);
        assert!(json::from_slice::<Coding>(text.as_bytes()).is_err(), "strict parsing refuses it");
    }
}
