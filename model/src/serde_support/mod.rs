//! `serde::Serialize` and `serde::Deserialize` for the generated types, the primitives and the
//! code-system enums (feature `serde`, off by default).
//!
//! The generated code invokes the macros below once per type; without the feature they expand
//! to nothing, so the default build compiles no serde code. With it, every impl goes through
//! the model's own JSON writer and strict parser (see [`imp`]), so serde sees exactly the FHIR
//! JSON that `json::to_string` writes and `json::from_slice` accepts.
#[cfg(feature = "serde")]
pub(crate) mod imp;

/// `Serialize` and `Deserialize` for a generated struct or enum with `ToJson`, `FromJson` and
/// `IntoOwned` (`Patient<'a>`, `Resource<'a>`, `Address<'a>`, ...). Deserializing yields owned
/// data for any lifetime, so `Patient<'static>` is `DeserializeOwned`.
#[cfg(feature = "serde")]
macro_rules! fhir_serde {
    ($name:ident) => {
        impl ::serde::Serialize for $name<'_> {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                $crate::serde_support::imp::serialize_fhir(self, serializer)
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $name<'_> {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                $crate::serde_support::imp::deserialize_fhir(deserializer, |text| {
                    $crate::json::from_slice::<$name<'_>>(text).map($crate::json::IntoOwned::into_owned)
                })
            }
        }
    };
}

/// `Serialize` and `Deserialize` for a generated code-system enum: its code, as a string.
#[cfg(feature = "serde")]
macro_rules! code_serde {
    ($name:ident) => {
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str($crate::coded::CodeEnum::code(self))
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                $crate::serde_support::imp::deserialize_code(deserializer)
            }
        }
    };
}

#[cfg(not(feature = "serde"))]
macro_rules! fhir_serde {
    ($name:ident) => {};
}

#[cfg(not(feature = "serde"))]
macro_rules! code_serde {
    ($name:ident) => {};
}

pub(crate) use code_serde;
pub(crate) use fhir_serde;
