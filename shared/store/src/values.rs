//! Validated values the records hold ("parse, don't validate"): each can only be built through
//! `parse`, so a record holding one holds a checked value. They live here, below the records,
//! because the records name them; hub-api re-exports them beside its other validated values and
//! describes them in the OpenAPI document. Like the ids they serialise as the bare string, so an
//! item holds what it held when these were `String`s; reading one back (from an item or a body)
//! parses it again, except a time zone name read from an item (see [`TimeZoneName`]).

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

/// Defines a closed set of names as a `Copy` enum with `ALL`, `as_str`, `parse` (exact,
/// case-sensitive) and [`string_value_impls!`]: the vocabularies here and hub-api's.
#[macro_export]
#[doc(hidden)]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $message:expr, [$($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)?]
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            /// The wire name.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parses the exact (case-sensitive) wire name.
            pub fn parse(input: &str) -> Result<Self, String> {
                match input {
                    $($text => Ok($name::$variant),)+
                    _ => Err(String::from($message)),
                }
            }
        }

        $crate::string_value_impls!($name);
    };
}

/// Defines a checked text's own type: the `String` its `parse` (written beside it, the one way
/// to build it) accepted, read back with `as_str` and taken with `into_string`, and
/// [`string_value_impls!`]. Email, phone numbers, short texts and time zone names differ only in
/// what `parse` checks.
macro_rules! checked_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// The text itself, as stored.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        string_value_impls!($name);
    };
}

checked_string!(
    /// An email address as given (trimmed), checked for a plausible shape. Uniqueness comparisons
    /// use [`Email::normalized`].
    Email
);

impl Email {
    pub const MAX_CHARS: usize = 254;
    pub const MAX_LOCAL_CHARS: usize = 64;

    /// At most [`Email::MAX_CHARS`] characters as sent, whitespace around the address included
    /// (what the OpenAPI document's `maxLength` says); that whitespace is then trimmed.
    pub fn parse(input: &str) -> Result<Self, String> {
        if input.chars().count() > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        let value = input.trim();
        if value.is_empty() {
            return Err("must not be empty".into());
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

    /// Lowercased form, the key for case-insensitive uniqueness.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

checked_string!(
    /// A phone number in E.164: `+` then 7-15 ASCII digits, the first not `0`.
    MobilePhone
);

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
}

// ---------------------------------------------------------------------------------------------
// Short texts

/// The most characters a short text (a name, a description) may have, after trimming.
pub const SHORT_TEXT_MAX_CHARS: usize = 100;

/// A short text (a name, a description): 1-100 characters after trimming, no control characters.
/// What it returns it accepts again unchanged, so a short text read back from an item parses.
pub fn parse_short_text(input: &str) -> Result<String, String> {
    let value = input.trim();
    let len = value.chars().count();
    if !(1..=SHORT_TEXT_MAX_CHARS).contains(&len) {
        return Err("must be 1-100 characters".into());
    }
    if value.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(value.to_owned())
}

/// Defines a short text's own type: [`parse_short_text`]'s rules, its own name. Like the ids, it
/// reads as `&str` (`Deref`) wherever a string is wanted (sort keys, audit names, messages).
macro_rules! short_text {
    ($(#[$doc:meta])* $name:ident) => {
        checked_string!($(#[$doc])* $name);

        impl $name {
            pub fn parse(input: &str) -> Result<Self, String> {
                parse_short_text(input).map($name)
            }
        }

        impl ::std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }
    };
}

short_text!(
    /// An operator's full name (`fullName`): 1-100 characters after trimming, no control
    /// characters.
    FullName
);

short_text!(
    /// A group's description (its name): 1-100 characters after trimming, no control characters;
    /// unique in the account case-insensitively ([`GroupDescription::normalized`]).
    GroupDescription
);

impl GroupDescription {
    /// Lowercased form, the key for case-insensitive uniqueness.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

short_text!(
    /// What an API user or a SCIM token is for (its `description`): 1-100 characters after
    /// trimming, no control characters. The text rules of a group's name, but its own type: it
    /// names nothing, is unique nowhere, and cannot be passed where a group's name is expected.
    CredentialDescription
);

short_text!(
    /// An account's name: 1-100 characters after trimming, no control characters.
    AccountName
);

short_text!(
    /// A monitor's name: 1-100 characters after trimming, no control characters.
    MonitorName
);

// ---------------------------------------------------------------------------------------------
// Time zone

checked_string!(
    /// An IANA time zone name, kept exactly as given. `parse` accepts only the names of the
    /// bundled time zone database. A name read back from an item is kept as written even when
    /// this build's database does not know it (see [`TimeZoneName::read`]): the set of names moves
    /// with the database, not with the hub's rules, and an item must stay readable across builds;
    /// such a name drives its offsets as UTC ([`TimeZoneName::time_zone`]).
    TimeZoneName
);

impl TimeZoneName {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(input: &str) -> Result<Self, String> {
        let message = || String::from("must be a known IANA time zone name");
        if input.is_empty() || input.chars().count() > Self::MAX_CHARS {
            return Err(message());
        }
        jiff::tz::db().get(input).map_err(|_| message())?;
        Ok(TimeZoneName(input.to_owned()))
    }

    /// The time zone itself; UTC for a stored name the bundled database does not know.
    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        jiff::tz::db().get(&self.0).unwrap_or(jiff::tz::TimeZone::UTC)
    }

    /// Reads a name an item holds (`#[serde(deserialize_with)]` of the records): as written,
    /// known to this build's database or not.
    pub fn read<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <String as serde::Deserialize>::deserialize(deserializer).map(TimeZoneName)
    }

    /// [`TimeZoneName::read`] of an optional name.
    pub fn read_optional<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Self>, D::Error> {
        <Option<String> as serde::Deserialize>::deserialize(deserializer).map(|name| name.map(TimeZoneName))
    }
}

// ---------------------------------------------------------------------------------------------
// Closed vocabularies

string_enum! {
    /// The supported UI cultures.
    CultureName, "must be one of en-US, en-GB, fr-FR, de-DE, nl-NL",
    [EnUs => "en-US", EnGb => "en-GB", FrFr => "fr-FR", DeDe => "de-DE", NlNl => "nl-NL"]
}

string_enum! {
    /// Account types (each has a configured default operator limit).
    AccountType, "must be one of Starter, Premium, Professional, Business, Enterprise",
    [
        Starter => "Starter",
        Premium => "Premium",
        Professional => "Professional",
        Business => "Business",
        Enterprise => "Enterprise",
    ]
}

string_enum! {
    /// What an API user is used for.
    #[derive(Default)]
    AccessType, "must be one of Generic, MobileApp, TransactionRecorder, Grafana",
    [
        #[default]
        Generic => "Generic",
        MobileApp => "MobileApp",
        TransactionRecorder => "TransactionRecorder",
        Grafana => "Grafana",
    ]
}

string_enum! {
    /// A monitor's mode.
    #[derive(Default)]
    MonitorMode, "must be one of Development, Staging, Production",
    [
        Development => "Development",
        Staging => "Staging",
        #[default]
        Production => "Production",
    ]
}

string_enum! {
    /// System-wide permissions (declaration order is the canonical order, which the derived `Ord`
    /// follows).
    Permission,
    "must be one of AccountAccess, Administrator, FinancialOperator, TechnicalContact, \
     AllowInfra, ShareDashboards, CreateAlertDefinition, CreateIntegration, \
     CreatePrivateLocations, ManageMonitorTemplates",
    [
        AccountAccess => "AccountAccess",
        Administrator => "Administrator",
        FinancialOperator => "FinancialOperator",
        TechnicalContact => "TechnicalContact",
        AllowInfra => "AllowInfra",
        ShareDashboards => "ShareDashboards",
        CreateAlertDefinition => "CreateAlertDefinition",
        CreateIntegration => "CreateIntegration",
        CreatePrivateLocations => "CreatePrivateLocations",
        ManageMonitorTemplates => "ManageMonitorTemplates",
    ]
}

string_enum! {
    /// Monitor authorization levels, lowest first (the derived `Ord` follows this order).
    AuthorizationType, "must be one of ViewMonitorData, ViewMonitor, EditMonitor",
    [
        ViewMonitorData => "ViewMonitorData",
        ViewMonitor => "ViewMonitor",
        EditMonitor => "EditMonitor",
    ]
}

impl AuthorizationType {
    /// This level and every lower one, lowest first: what granting `self` grants.
    pub fn and_lower(self) -> Vec<AuthorizationType> {
        Self::ALL.into_iter().filter(|level| *level <= self).collect()
    }
}
