//! Validated values the records hold ("parse, don't validate"): each can only be built through
//! `parse`, so a record holding one holds a checked value. They live here, below the records,
//! because the records name them; hub-api re-exports them beside its other validated values and
//! describes them in the OpenAPI document. Like the ids they serialise as the bare string; reading
//! one back (from an item or a body) parses it again.

/// Implements `as_str`-based `Display`, `Serialize` (as the plain string) and `Deserialize`
/// (through `parse`) for a type: the values here and hub-api's.
#[macro_export]
#[doc(hidden)]
macro_rules! string_value_impls {
    ($ty:ty) => {
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = <String as ::serde::Deserialize>::deserialize(deserializer)?;
                <$ty>::parse(&raw).map_err(::serde::de::Error::custom)
            }
        }
    };
}

/// An email address as given (trimmed), checked for a plausible shape. Uniqueness comparisons
/// use [`Email::normalized`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_CHARS: usize = 254;
    pub const MAX_LOCAL_CHARS: usize = 64;

    pub fn parse(input: &str) -> Result<Self, String> {
        let value = input.trim();
        if value.is_empty() {
            return Err("must not be empty".into());
        }
        if value.chars().count() > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        let invalid = || String::from("must be a valid email address");
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = value.split_once('@').ok_or_else(invalid)?;
        if domain.contains('@') {
            return Err(invalid());
        }
        if local.is_empty() || local.chars().count() > Self::MAX_LOCAL_CHARS {
            return Err(invalid());
        }
        if !domain.contains('.') || domain.split('.').any(str::is_empty) {
            return Err(invalid());
        }
        Ok(Email(value.to_owned()))
    }

    /// The address with its original casing.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Lowercased form, the key for case-insensitive uniqueness.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

string_value_impls!(Email);

/// A phone number in E.164: `+` then 7-15 ASCII digits, the first not `0`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MobilePhone(String);

impl MobilePhone {
    pub const MIN_DIGITS: usize = 7;
    pub const MAX_DIGITS: usize = 15;

    pub fn parse(input: &str) -> Result<Self, String> {
        let ok = input.strip_prefix('+').is_some_and(|digits| {
            (Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&digits.len())
                && digits.bytes().all(|b| b.is_ascii_digit())
                && !digits.starts_with('0')
        });
        if ok {
            Ok(MobilePhone(input.to_owned()))
        } else {
            Err("must be in E.164 format: + followed by 7-15 digits".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

string_value_impls!(MobilePhone);
