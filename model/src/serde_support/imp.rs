//! How FHIR values meet serde.
//!
//! **Serializing** writes the value with the model's own [`Writer`] (the same compact text as
//! `json::to_string`), then hands that document to the serializer as a tree of maps, sequences,
//! strings and booleans, member order kept. Numbers keep their text: an integer is written as
//! an integer; a decimal as a double where the double prints back as the same text (`130.32`),
//! and otherwise (`1.50`, long or `-0` texts) as a `serde_json::value::RawValue` holding the
//! text. serde_json writes raw values verbatim, so `serde_json::to_string` gives byte for byte
//! what `json::to_string` gives. Formats that are not human-readable (bincode, CBOR, ...) get
//! the compact FHIR JSON text as one string instead.
//!
//! **Deserializing** asks for a serde_json raw value: serde_json's deserializers then hand over
//! the exact text of the value, which the model's strict parser reads (unknown properties,
//! invalid primitives, duplicates and all its other rules apply, and its error names the JSON
//! path inside the value). Other self-describing formats give the value as a tree, which is
//! written back as JSON text and parsed the same way; non-human-readable formats give the
//! string written above.
//!
//! serde_json's `arbitrary_precision` feature is not used: it would change how every
//! `serde_json::Value` in a program holds numbers. `raw_value`, which this needs, only adds the
//! `RawValue` type.
use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::coded::{CodeEnum, Coded};
use crate::json::{self, Error, Lexer, ParseOptions, PrimitiveValue, ToJson, Value};
use crate::primitives::{
    Base64Binary, Code, Date, DateTime, Decimal, FhirString, Id, Instant, Integer, Markdown, Oid, PositiveInt, Time,
    UnsignedInt, Uri, Uuid, Xhtml,
};

/// The name under which serde_json passes a raw JSON value (`serde_json::value::RawValue`)
/// through the serde data model. Serializing uses `RawValue` itself; deserializing needs the
/// name, to accept both a raw value and anything else in one visitor (checked against
/// serde_json in the tests below).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

// ----- serializing -----

/// Serializes a generated value as its FHIR JSON (see the module documentation).
pub(crate) fn serialize_fhir<S: Serializer>(value: &dyn ToJson, serializer: S) -> Result<S::Ok, S::Error> {
    let text = value.to_json_string();
    if !serializer.is_human_readable() {
        return serializer.serialize_str(&text);
    }
    let tree: Value<'_> = json::from_str(&text)
        .map_err(|e| ser::Error::custom(format_args!("the JSON written for a FHIR value does not read back: {e}")))?;
    Tree(&tree).serialize(serializer)
}

/// A JSON number given as its text: an integer as an integer, a decimal as a double where that
/// prints back the same, otherwise as a raw JSON value (written verbatim by serde_json).
fn serialize_number<S: Serializer>(text: &str, serializer: S) -> Result<S::Ok, S::Error> {
    if text != "-0" {
        if let Ok(n) = text.parse::<u64>() {
            return serializer.serialize_u64(n);
        }
        if let Ok(n) = text.parse::<i64>() {
            return serializer.serialize_i64(n);
        }
        if let Ok(f) = text.parse::<f64>() {
            // serde_json prints doubles the shortest way, with `zmij` (earlier versions: `ryu`;
            // both print this range in plain notation).
            let plain = f == 0.0 || (1e-4..1e15).contains(&f.abs());
            if plain && zmij::Buffer::new().format_finite(f) == text {
                return serializer.serialize_f64(f);
            }
        }
    }
    let raw = serde_json::value::RawValue::from_string(text.to_owned())
        .map_err(|e| ser::Error::custom(format_args!("{text:?} is not a JSON number: {e}")))?;
    raw.serialize(serializer)
}

/// A generic JSON value: objects as maps (member order kept), arrays as sequences, numbers with
/// their exact text; in non-human-readable formats, its compact JSON text (as for the generated
/// types).
impl Serialize for Value<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            Tree(self).serialize(serializer)
        } else {
            serializer.serialize_str(&json::to_string(self))
        }
    }
}

/// A JSON value as a tree of maps, sequences and scalars.
struct Tree<'v, 'a>(&'v Value<'a>);

impl Serialize for Tree<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(text) => serialize_number(text, serializer),
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Tree(item))?;
                }
                seq.end()
            }
            Value::Object(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k.as_ref(), &Tree(v))?;
                }
                map.end()
            }
        }
    }
}

// ----- deserializing -----

/// Reads a generated value: captures the value's JSON text and runs `parse` (the model's strict
/// parser) on it.
pub(crate) fn deserialize_fhir<'de, D, T>(
    deserializer: D,
    parse: impl FnOnce(&[u8]) -> Result<T, Error>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let text = json_text(deserializer)?;
    parse(text.as_bytes()).map_err(de::Error::custom)
}

/// The JSON text of the value at `deserializer`: exact from serde_json, rebuilt from the tree
/// other self-describing formats give, the string itself in non-human-readable formats.
fn json_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Cow<'de, str>, D::Error> {
    if !deserializer.is_human_readable() {
        return deserializer.deserialize_str(TextVisitor);
    }
    deserializer.deserialize_newtype_struct(RAW_VALUE_TOKEN, CaptureVisitor)
}

/// A generic JSON value; owned, whatever the input.
impl<'de> de::Deserialize<'de> for Value<'_> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = json_text(deserializer)?;
        json::from_str::<Value<'_>>(&text).map(Value::into_owned).map_err(de::Error::custom)
    }
}

/// A string, borrowed from the input where the deserializer allows.
struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

impl<'de> DeserializeSeed<'de> for TextVisitor {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

/// The text of a value: serde_json's raw value (a one-entry map under [`RAW_VALUE_TOKEN`]), or
/// any other value, built as a tree and written as JSON.
struct CaptureVisitor;

impl CaptureVisitor {
    fn written<'de, E>(value: Value<'_>) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(json::to_string(&value)))
    }
}

impl<'de> Visitor<'de> for CaptureVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        match object_or_raw(map)? {
            Ok(raw) => Ok(raw),
            Err(tree) => Self::written(tree),
        }
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        Self::written(deserializer.deserialize_any(TreeVisitor)?)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        Self::written(deserializer.deserialize_any(TreeVisitor)?)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Self::written(TreeVisitor.visit_seq(seq)?)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Self::written(TreeVisitor.visit_bool(v)?)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Self::written(TreeVisitor.visit_i64(v)?)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Self::written(TreeVisitor.visit_u64(v)?)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Self::written(TreeVisitor.visit_f64(v)?)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Self::written(TreeVisitor.visit_str(v)?)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Self::written(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Self::written(Value::Null)
    }
}

/// A map: serde_json's raw value (`Ok`, its text) or an object (`Err`, the tree).
fn object_or_raw<'de, A: MapAccess<'de>>(mut map: A) -> Result<Result<Cow<'de, str>, Value<'static>>, A::Error> {
    let mut members = Vec::new();
    while let Some(key) = map.next_key_seed(TextVisitor)? {
        if members.is_empty() && key == RAW_VALUE_TOKEN {
            let raw = map.next_value_seed(TextVisitor)?;
            if map.next_key_seed(TextVisitor)?.is_some() {
                return Err(de::Error::custom("expected a raw JSON value alone in its map"));
            }
            return Ok(Ok(raw));
        }
        let value = map.next_value_seed(TreeVisitor)?;
        members.push((Cow::Owned(key.into_owned()), value));
    }
    Ok(Err(Value::Object(members)))
}

/// Any value as a generic JSON tree (for formats other than serde_json).
struct TreeVisitor;

impl<'de> DeserializeSeed<'de> for TreeVisitor {
    type Value = Value<'static>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Value<'static>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Value::Number(Cow::Owned(v.to_string())))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Value::Number(Cow::Owned(v.to_string())))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Self::Value, E> {
        Ok(Value::Number(Cow::Owned(v.to_string())))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Self::Value, E> {
        Ok(Value::Number(Cow::Owned(v.to_string())))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if !v.is_finite() {
            return Err(E::custom(format_args!("expected a finite number, found {v}")));
        }
        Ok(Value::Number(Cow::Owned(zmij::Buffer::new().format_finite(v).to_owned())))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Value::String(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Value::String(Cow::Owned(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(TreeVisitor)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        match object_or_raw(map)? {
            // A raw value met inside a tree (a decimal written by `serialize_number`).
            Ok(raw) => json::from_str::<Value<'_>>(&raw).map(Value::into_owned).map_err(de::Error::custom),
            Err(tree) => Ok(tree),
        }
    }
}

// ----- primitives -----

/// Reads one primitive value from its JSON text with the model's reader.
fn read_primitive<'x, T: PrimitiveValue<'x>>(text: &'x str) -> Result<T, Error> {
    let mut lx = Lexer::new(text.as_bytes(), ParseOptions::strict());
    T::read(&mut lx).and_then(|v| lx.finish().map(|()| v)).map_err(|e| e.locate(text.as_bytes()))
}

/// Reads the text of a number (JSON text; in non-human-readable formats, the string).
fn number_primitive<'de, D, T>(deserializer: D, read: impl FnOnce(&str) -> Result<T, Error>) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let text = json_text(deserializer)?;
    read(&text).map_err(de::Error::custom)
}

/// Writes the text of a number: as a JSON number, or a string in non-human-readable formats.
fn serialize_number_text<S: Serializer>(text: &str, serializer: S) -> Result<S::Ok, S::Error> {
    if serializer.is_human_readable() {
        serialize_number(text, serializer)
    } else {
        serializer.serialize_str(text)
    }
}

macro_rules! string_primitive_serde {
    ($($ty:ident),* $(,)?) => {$(
        /// The text, as a string; reading checks it as the model's reader does.
        impl Serialize for $ty<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> de::Deserialize<'de> for $ty<'_> {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = deserializer.deserialize_str(TextVisitor)?;
                match $ty::new(text.as_ref()) {
                    Ok(v) => Ok(v.into_owned()),
                    Err(e) => Err(de::Error::custom(format_args!(
                        "invalid {} {:?}: {e}",
                        <$ty<'_> as PrimitiveValue<'_>>::FHIR_TYPE,
                        text
                    ))),
                }
            }
        }
    )*};
}

string_primitive_serde!(
    FhirString,
    Code,
    Id,
    Uri,
    Oid,
    Uuid,
    Markdown,
    Base64Binary,
    Xhtml,
    Date,
    DateTime,
    Instant,
    Time
);

/// The exact text, as a JSON number (`1.50` stays `1.50` through serde_json).
impl Serialize for Decimal<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_number_text(self.as_str(), serializer)
    }
}

impl<'de> de::Deserialize<'de> for Decimal<'_> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        number_primitive(deserializer, |text| read_primitive::<Decimal<'_>>(text).map(Decimal::into_owned))
    }
}

macro_rules! integer_primitive_serde {
    ($($ty:ident),* $(,)?) => {$(
        /// A JSON number (`-0` kept).
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serialize_number_text(&self.to_string(), serializer)
            }
        }

        impl<'de> de::Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                number_primitive(deserializer, |text| read_primitive::<$ty>(text))
            }
        }
    )*};
}

integer_primitive_serde!(Integer, UnsignedInt, PositiveInt);

// ----- codes -----

/// A code: the code system's variant, or the code as received.
impl<E: CodeEnum> Serialize for Coded<'_, E> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de, E: CodeEnum> de::Deserialize<'de> for Coded<'_, E> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Coded::from_string(deserializer.deserialize_str(TextVisitor)?.into_owned()))
    }
}

/// A generated code-system enum from its code; a code the system does not list is an error.
pub(crate) fn deserialize_code<'de, D: Deserializer<'de>, E: CodeEnum>(deserializer: D) -> Result<E, D::Error> {
    let code = deserializer.deserialize_str(TextVisitor)?;
    E::from_code(&code).ok_or_else(|| {
        de::Error::custom(format_args!(
            "unknown code {code:?} of {} (`{}`), expected one of the codes it lists",
            E::LABEL,
            E::SYSTEM
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The name this module looks for is the one serde_json's `RawValue` asks for.
    #[test]
    fn the_raw_value_token_is_serde_json_s() {
        struct Probe;
        #[derive(Debug)]
        struct Named(String);
        impl fmt::Display for Named {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl std::error::Error for Named {}
        impl de::Error for Named {
            fn custom<T: fmt::Display>(msg: T) -> Self {
                Named(msg.to_string())
            }
        }
        impl<'de> Deserializer<'de> for Probe {
            type Error = Named;
            fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Named> {
                Err(Named("not a newtype struct".into()))
            }
            fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, _: V) -> Result<V::Value, Named> {
                Err(Named(name.into()))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
                unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
            }
        }
        let asked = <Box<serde_json::value::RawValue> as de::Deserialize>::deserialize(Probe).unwrap_err();
        assert_eq!(asked.0, RAW_VALUE_TOKEN);
    }

    use crate::resources::Patient;
    use crate::types::Money;
    use serde::de::value::{Error as ValueError, F64Deserializer, MapDeserializer, StrDeserializer};
    use serde::de::IntoDeserializer;
    use serde::Deserialize;

    /// A self-describing format other than serde_json: the value arrives as a tree, is written
    /// as JSON and read strictly.
    #[test]
    fn other_formats_give_a_tree() {
        let members = [("resourceType", "Patient"), ("id", "p1"), ("gender", "female")];
        let map = MapDeserializer::<_, ValueError>::new(members.into_iter());
        let patient = Patient::deserialize(map).unwrap();
        assert_eq!((patient.id().unwrap().as_str(), patient.gender().unwrap().as_str()), ("p1", "female"));

        let members = [("resourceType", "Patient"), ("gender", "female"), ("sex", "f")];
        let map = MapDeserializer::<_, ValueError>::new(members.into_iter());
        let error = Patient::deserialize(map).unwrap_err().to_string();
        assert!(error.starts_with("sex: unknown property `sex`"), "{error}");

        let decimal = Decimal::deserialize(F64Deserializer::<ValueError>::new(130.32)).unwrap();
        assert_eq!(decimal.as_str(), "130.32");
        let error = Decimal::deserialize(StrDeserializer::<ValueError>::new("1.50")).unwrap_err().to_string();
        assert!(error.starts_with("$: expected a number (FHIR decimal), found a string"), "{error}");
        // serde_json's raw-value map, as `serialize_number` writes a decimal a double would change.
        let raw = MapDeserializer::<_, ValueError>::new([(RAW_VALUE_TOKEN, "1.50")].into_iter());
        assert_eq!(Decimal::deserialize(raw).unwrap().as_str(), "1.50");
        let date = Date::deserialize("2020-02-29".into_deserializer() as StrDeserializer<ValueError>).unwrap();
        assert_eq!(date.as_str(), "2020-02-29");
    }

    /// A format that is not human-readable: the value is its compact FHIR JSON, as a string.
    #[test]
    fn binary_formats_get_the_json_text() {
        let text = r#"{"value":1.50,"code":"USD"}"#;
        let money: Money = json::from_str(text).unwrap();
        assert_eq!(money.serialize(Compact).unwrap(), text);
        assert_eq!(Money::deserialize(Compact::reader(text)).unwrap(), money);
        assert_eq!(Decimal::new("1.50").unwrap().serialize(Compact).unwrap(), "1.50");
        assert_eq!(Decimal::deserialize(Compact::reader("1.50")).unwrap().as_str(), "1.50");
        assert_eq!(Integer::deserialize(Compact::reader("-0")).unwrap().to_string(), "-0");
        let value: Value = json::from_str(text).unwrap();
        assert_eq!(value.serialize(Compact).unwrap(), text);
        assert_eq!(Value::deserialize(Compact::reader(text)).unwrap(), value);
        let error = Money::deserialize(Compact::reader(r#"{"value":"1"}"#)).unwrap_err().to_string();
        assert!(error.starts_with("value: expected a number (FHIR decimal), found a string"), "{error}");
    }

    /// A non-human-readable format of strings only: enough to see what the impls ask for.
    struct Compact;

    struct CompactReader<'a>(&'a str);

    impl Compact {
        fn reader(text: &str) -> CompactReader<'_> {
            CompactReader(text)
        }
    }

    impl<'de> Deserializer<'de> for CompactReader<'de> {
        type Error = ValueError;
        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
            visitor.visit_borrowed_str(self.0)
        }
        fn is_human_readable(&self) -> bool {
            false
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
        }
    }

    /// Serializer methods that refuse: `name(argument types) -> result`.
    macro_rules! only_strings {
        ($($method:ident($($arg:ty),*) -> $ret:ty),* $(,)?) => {$(
            fn $method(self, $(_: $arg),*) -> Result<$ret, ValueError> {
                Err(ser::Error::custom(stringify!($method)))
            }
        )*};
    }

    type No = ser::Impossible<String, ValueError>;

    impl Serializer for Compact {
        type Ok = String;
        type Error = ValueError;
        type SerializeSeq = No;
        type SerializeTuple = No;
        type SerializeTupleStruct = No;
        type SerializeTupleVariant = No;
        type SerializeMap = No;
        type SerializeStruct = No;
        type SerializeStructVariant = No;

        fn serialize_str(self, v: &str) -> Result<String, ValueError> {
            Ok(v.to_owned())
        }
        fn is_human_readable(&self) -> bool {
            false
        }
        only_strings! {
            serialize_bool(bool) -> String, serialize_i8(i8) -> String, serialize_i16(i16) -> String,
            serialize_i32(i32) -> String, serialize_i64(i64) -> String, serialize_u8(u8) -> String,
            serialize_u16(u16) -> String, serialize_u32(u32) -> String, serialize_u64(u64) -> String,
            serialize_f32(f32) -> String, serialize_f64(f64) -> String, serialize_char(char) -> String,
            serialize_bytes(&[u8]) -> String, serialize_none() -> String, serialize_unit() -> String,
            serialize_unit_struct(&'static str) -> String,
            serialize_unit_variant(&'static str, u32, &'static str) -> String,
            serialize_seq(Option<usize>) -> No, serialize_tuple(usize) -> No,
            serialize_tuple_struct(&'static str, usize) -> No,
            serialize_tuple_variant(&'static str, u32, &'static str, usize) -> No,
            serialize_map(Option<usize>) -> No, serialize_struct(&'static str, usize) -> No,
            serialize_struct_variant(&'static str, u32, &'static str, usize) -> No,
        }
        fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String, ValueError> {
            Err(ser::Error::custom("some"))
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, _: &T) -> Result<String, ValueError> {
            Err(ser::Error::custom("newtype struct"))
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<String, ValueError> {
            Err(ser::Error::custom("newtype variant"))
        }
    }

    #[test]
    fn numbers_keep_their_text() {
        for text in ["0", "-7", "18446744073709551616", "130.32", "1.50", "-0", "0.000", "1e2", "-0.0"] {
            let value = Value::Number(Cow::Borrowed(text));
            assert_eq!(serde_json::to_string(&value).unwrap(), text);
            let back: Value<'static> = serde_json::from_str(text).unwrap();
            assert_eq!(back, value);
        }
    }

    proptest::proptest! {
        /// Whichever way a decimal goes (a double or a raw value), serde_json writes its text
        /// and reads it back.
        #[test]
        fn decimal_texts_survive_serde_json(
            negative in proptest::bool::ANY,
            int in proptest::prop_oneof![0u64..10, 0u64..1_000_000, 0u64..u64::MAX],
            frac in "[0-9]{0,12}",
        ) {
            let sign = if negative { "-" } else { "" };
            let text = if frac.is_empty() { format!("{sign}{int}") } else { format!("{sign}{int}.{frac}") };
            let decimal = Decimal::new(text.as_str()).unwrap();
            proptest::prop_assert_eq!(serde_json::to_string(&decimal).unwrap(), text.as_str());
            let back: Decimal<'static> = serde_json::from_str(&text).unwrap();
            proptest::prop_assert_eq!(back.as_str(), text.as_str());
        }
    }
}
