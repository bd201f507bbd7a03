//! Validated value types ("parse, don't validate").
//!
//! Every type here can only be built through `parse`, so holding one proves the value was
//! checked. `parse` returns a short human message (no field name, no input echo) that the
//! HTTP layer puts into a problem+json `errors[].message`.

use hub_store::string_value_impls;

// ---------------------------------------------------------------------------------------------
// Email

/// Lives in hub-store, whose operator record holds it (`backupEmail`); its schema is
/// [`EmailSchema`].
pub use hub_store::values::Email;

// ---------------------------------------------------------------------------------------------
// Short texts

/// Short texts live in hub-store, whose records hold them (an operator's `fullName`, a group's
/// `description`, a credential's `description`, an account's and a monitor's `name`); their
/// schemas are below ([`ShortText`] for the account's and a monitor's name).
pub use hub_store::values::{
    AccountName, CredentialDescription, FullName, GroupDescription, MonitorName, SHORT_TEXT_MAX_CHARS, parse_short_text,
};

// ---------------------------------------------------------------------------------------------
// Mobile phone

/// Lives in hub-store, whose operator record holds it (`mobilePhone`); its schema is
/// [`MobilePhoneSchema`].
pub use hub_store::values::MobilePhone;

// ---------------------------------------------------------------------------------------------
// Time zone, and the closed vocabularies the records hold

/// These live in hub-store, whose records hold them: an operator's `cultureName` and `timeZone`,
/// an account's `timeZone` and `accountType`, an API user's `accessType`, a monitor's `mode` and
/// the level of a monitor authorization.
pub use hub_store::values::{AccessType, AccountType, AuthorizationType, CultureName, MonitorMode, TimeZoneName};

/// In hub-store too: its grant items are keyed by the permission.
pub use hub_store::values::Permission;

// ---------------------------------------------------------------------------------------------
// Permissions

// ---------------------------------------------------------------------------------------------
// Ids

/// An id taken from a URL path: 1-64 characters of `[A-Za-z0-9_-]`. Anything else cannot be
/// an id this server issued; callers answer 404.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResourceId(String);

impl ResourceId {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(input: &str) -> Result<Self, String> {
        let ok = (1..=Self::MAX_CHARS).contains(&input.len())
            && input.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok { Ok(ResourceId(input.to_owned())) } else { Err("is not a valid id".into()) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as what it names (`OperatorId`, `GroupId`, ...): well formed, and typed from here
    /// to the item.
    pub fn into_id<T: From<String>>(self) -> T {
        T::from(self.0)
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

string_value_impls!(ResourceId);

/// A fresh time-ordered id: a UUIDv7, lowercase, hyphenated.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string()
}

// ---------------------------------------------------------------------------------------------
// OpenAPI schemas
//
// Each validated type describes itself in the OpenAPI document from the same constants its
// `parse` uses, so that a value the document allows is a value `parse` accepts. The schemas
// describe canonical values: `parse` also accepts them with surrounding whitespace (it trims), which
// the descriptions say. Patterns are ECMA-262 regexes that Python's `re` reads the same way
// (explicit classes, no `\s`, `\d` or `\w`, whose meanings differ between the two).

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// What `char::is_whitespace` (and so `str::trim`) takes: Unicode White_Space.
pub const WHITESPACE: [(char, char); 10] = [
    ('\u{9}', '\u{d}'),
    (' ', ' '),
    ('\u{85}', '\u{85}'),
    ('\u{a0}', '\u{a0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200a}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{202f}', '\u{202f}'),
    ('\u{205f}', '\u{205f}'),
    ('\u{3000}', '\u{3000}'),
];
/// What `char::is_control` takes: Unicode Cc.
pub const CONTROL: [(char, char); 2] = [('\u{0}', '\u{1f}'), ('\u{7f}', '\u{9f}')];

/// The body of a regex character class holding `ranges` (`\uXXXX` escapes: the same in ECMA-262
/// and in Python).
fn class(ranges: &[(char, char)]) -> String {
    ranges
        .iter()
        .map(
            |&(a, b)| {
                if a == b { format!("\\u{:04X}", a as u32) } else { format!("\\u{:04X}-\\u{:04X}", a as u32, b as u32) }
            },
        )
        .collect()
}

/// Neither whitespace nor a control character.
fn visible() -> String {
    format!("[^{}{}]", class(&WHITESPACE), class(&CONTROL))
}

fn string_schema(description: &str) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).description(Some(description))
}

/// Implements `ToSchema` with the given name for a type that has `PartialSchema`.
macro_rules! named_schema {
    ($ty:ty, $name:literal) => {
        impl utoipa::ToSchema for $ty {
            fn name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }
        }
    };
}

/// A whole value that is `canonical` (a regex without anchors) with any whitespace around it,
/// which the parser trims: the pattern accepts exactly what the parser does.
fn trimmed(canonical: &str) -> String {
    let w = class(&WHITESPACE);
    format!("^[{w}]*{canonical}[{w}]*$")
}

/// 1 to [`SHORT_TEXT_MAX_CHARS`] characters without control characters once the whitespace
/// around them is trimmed. The bound is the pattern's, not a `maxLength`: the parser counts after
/// trimming, so `"  "` + 100 characters is a valid value longer than 100.
fn short_text_pattern() -> String {
    let v = visible();
    trimmed(&format!("{v}(?:[^{}]{{0,{}}}{v})?", class(&CONTROL), SHORT_TEXT_MAX_CHARS - 2))
}

fn short_text_schema(description: &str) -> RefOr<Schema> {
    string_schema(description).min_length(Some(1)).pattern(Some(short_text_pattern())).into()
}

/// A short text: a name or a description.
pub struct ShortText;

impl utoipa::PartialSchema for ShortText {
    fn schema() -> RefOr<Schema> {
        short_text_schema("1-100 characters, no control characters (surrounding whitespace is trimmed).")
    }
}
named_schema!(ShortText, "ShortText");

/// The OpenAPI schema of [`FullName`] (named `FullName`): the type lives in hub-store, which does
/// not describe itself (hence this and the other `...Schema` types).
pub struct FullNameSchema;

impl utoipa::PartialSchema for FullNameSchema {
    fn schema() -> RefOr<Schema> {
        short_text_schema(
            "An operator's full name: 1-100 characters, no control characters (surrounding whitespace is trimmed).",
        )
    }
}
named_schema!(FullNameSchema, "FullName");

/// The OpenAPI schema of [`GroupDescription`] (named `GroupDescription`).
pub struct GroupDescriptionSchema;

impl utoipa::PartialSchema for GroupDescriptionSchema {
    fn schema() -> RefOr<Schema> {
        short_text_schema(
            "A group's name: 1-100 characters, no control characters (surrounding whitespace is trimmed); unique in the \
             account, case-insensitively.",
        )
    }
}
named_schema!(GroupDescriptionSchema, "GroupDescription");

/// The OpenAPI schema of [`Email`] (named `Email`): the type lives in hub-store, which does not
/// describe itself.
pub struct EmailSchema;

impl utoipa::PartialSchema for EmailSchema {
    fn schema() -> RefOr<Schema> {
        let part = format!("[^@.{}{}]+", class(&WHITESPACE), class(&CONTROL));
        let local = format!("[^@{}{}]{{1,{}}}", class(&WHITESPACE), class(&CONTROL), Email::MAX_LOCAL_CHARS);
        string_schema("An email address: `local@domain`, the domain with at least one dot and no empty label, at most 254 characters as sent (surrounding whitespace is trimmed).")
            .max_length(Some(Email::MAX_CHARS))
            .pattern(Some(trimmed(&format!("{local}@{part}(?:\\.{part})+"))))
            .into()
    }
}
named_schema!(EmailSchema, "Email");

/// The OpenAPI schema of [`MobilePhone`] (named `MobilePhone`).
pub struct MobilePhoneSchema;

impl utoipa::PartialSchema for MobilePhoneSchema {
    fn schema() -> RefOr<Schema> {
        string_schema("E.164: `+`, then 7-15 digits, the first not 0.")
            .pattern(Some(format!(
                "^\\+[1-9][0-9]{{{},{}}}$",
                MobilePhone::MIN_DIGITS - 1,
                MobilePhone::MAX_DIGITS - 1
            )))
            .into()
    }
}
named_schema!(MobilePhoneSchema, "MobilePhone");

/// The OpenAPI schema of [`TimeZoneName`] (named `TimeZoneName`).
pub struct TimeZoneNameSchema;

impl utoipa::PartialSchema for TimeZoneNameSchema {
    fn schema() -> RefOr<Schema> {
        let names: Vec<String> =
            jiff::tz::TimeZoneDatabase::bundled().available().map(|n| n.as_str().to_owned()).collect();
        string_schema("An IANA time zone name (the names of the bundled time zone database).")
            .enum_values(Some(names))
            .into()
    }
}
named_schema!(TimeZoneNameSchema, "TimeZoneName");

impl utoipa::PartialSchema for ResourceId {
    fn schema() -> RefOr<Schema> {
        string_schema(
            "An id issued by the server (1-64 characters of `A-Z a-z 0-9 _ -`); any other id names no resource.",
        )
        .pattern(Some(format!("^[A-Za-z0-9_-]{{1,{}}}$", ResourceId::MAX_CHARS)))
        .into()
    }
}
named_schema!(ResourceId, "ResourceId");

/// The schema of a [`string_enum!`] type `$ty` (implemented on `$schema`): its wire names.
macro_rules! enum_schema {
    ($schema:ty, $ty:ty, $name:literal, $description:literal) => {
        impl utoipa::PartialSchema for $schema {
            fn schema() -> RefOr<Schema> {
                string_schema($description).enum_values(Some(<$ty>::ALL.map(|v| v.as_str()))).into()
            }
        }
        named_schema!($schema, $name);
    };
}

/// The OpenAPI schema of [`CultureName`] (named `CultureName`).
pub struct CultureNameSchema;

enum_schema!(CultureNameSchema, CultureName, "CultureName", "A supported UI culture.");
/// The OpenAPI schema of [`Permission`] (named `Permission`).
pub struct PermissionSchema;
enum_schema!(PermissionSchema, Permission, "Permission", "A system-wide permission.");

/// The most items one page of a list holds (`limit`), for the lists' parser and the document.
pub const MAX_LIMIT: i64 = 100;

/// The most characters an `Idempotency-Key` may have (visible ASCII only), for the extractor and
/// the document.
pub const IDEMPOTENCY_KEY_MAX_CHARS: usize = 255;

#[cfg(test)]
mod tests {
    use super::*;

    // --- Email -----------------------------------------------------------------------------

    #[test]
    fn email_accepts_plain_addresses_and_trims() {
        let e = Email::parse("  Jane.Doe+tag@Example.co.uk \n").unwrap();
        assert_eq!(e.as_str(), "Jane.Doe+tag@Example.co.uk");
        assert_eq!(e.to_string(), "Jane.Doe+tag@Example.co.uk");
        assert_eq!(e.normalized(), "jane.doe+tag@example.co.uk");
        assert!(Email::parse("a@b.c").is_ok());
    }

    #[test]
    fn email_rejects_bad_shapes() {
        for bad in [
            "",
            "   ",
            "plainaddress",
            "@example.com",
            "jane@",
            "jane@example",
            "jane@@example.com",
            "jane@exa@mple.com",
            "jane@.example.com",
            "jane@example.com.",
            "jane@example..com",
            "ja ne@example.com",
            "jane@exam ple.com",
            "jane\u{0}@example.com",
            "jane@example.com\u{7}x",
            "jane\t@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn email_length_limits() {
        let local64 = "a".repeat(64);
        assert!(Email::parse(&format!("{local64}@example.com")).is_ok());
        let local65 = "a".repeat(65);
        assert!(Email::parse(&format!("{local65}@example.com")).is_err());

        // 254 characters total is fine, 255 is not.
        let domain_ok = format!("{}.com", "d".repeat(254 - 2 - 4));
        let ok = format!("a@{domain_ok}");
        assert_eq!(ok.chars().count(), 254);
        assert!(Email::parse(&ok).is_ok());
        let too_long = format!("ab@{domain_ok}");
        assert_eq!(too_long.chars().count(), 255);
        assert_eq!(Email::parse(&too_long).unwrap_err(), "must be at most 254 characters");
        // Counted as sent, the whitespace around it included (the document's maxLength).
        assert_eq!(Email::parse(&format!(" {ok}")).unwrap_err(), "must be at most 254 characters");
        // Counted in characters, not bytes.
        let unicode = format!("é@{}.com", "é".repeat(200));
        assert!(unicode.len() > 254 && unicode.chars().count() <= 254);
        assert!(Email::parse(&unicode).is_ok());
    }

    #[test]
    fn email_serializes_as_plain_string() {
        let e = Email::parse("Jane@Example.com").unwrap();
        assert_eq!(serde_json::to_string(&e).unwrap(), "\"Jane@Example.com\"");
        let back: Email = serde_json::from_str("\" Jane@Example.com \"").unwrap();
        assert_eq!(back, e);
        assert!(serde_json::from_str::<Email>("\"nope\"").is_err());
    }

    // --- Short texts -----------------------------------------------------------------------

    #[test]
    fn full_name_bounds_count_characters() {
        assert_eq!(FullName::parse("  Jane Doe  ").unwrap().as_str(), "Jane Doe");
        assert!(FullName::parse("x").is_ok());
        assert!(FullName::parse(&"x".repeat(100)).is_ok());
        assert_eq!(FullName::parse(&"x".repeat(101)).unwrap_err(), "must be 1-100 characters");
        assert_eq!(FullName::parse("").unwrap_err(), "must be 1-100 characters");
        assert_eq!(FullName::parse("   ").unwrap_err(), "must be 1-100 characters");
        // 100 multi-byte characters (300 bytes) is still 100 characters.
        let wide = "é".repeat(50) + &"日".repeat(50);
        assert!(wide.len() > 100);
        assert!(FullName::parse(&wide).is_ok());
        // Trimming happens before counting.
        assert!(FullName::parse(&format!("  {}  ", "x".repeat(100))).is_ok());
    }

    #[test]
    fn short_texts_reject_control_characters() {
        assert!(FullName::parse("Jane\u{0}Doe").is_err());
        assert!(FullName::parse("Jane\nDoe").is_err());
        assert!(GroupDescription::parse("Ops\u{1b}[31m").is_err());
        assert!(GroupDescription::parse("Ops\u{7f}").is_err());
    }

    #[test]
    fn group_description_parses_and_normalizes() {
        let g = GroupDescription::parse(" Night Shift ").unwrap();
        assert_eq!(g.as_str(), "Night Shift");
        assert_eq!(g.normalized(), "night shift");
        assert_eq!(serde_json::to_value(&g).unwrap(), serde_json::json!("Night Shift"));
        assert!(GroupDescription::parse(&"g".repeat(101)).is_err());
        assert!(GroupDescription::parse("").is_err());
    }

    #[test]
    fn credential_description_is_trimmed_short_text() {
        assert_eq!(CredentialDescription::parse("  Deploy script ").unwrap().as_str(), "Deploy script");
        assert_eq!(CredentialDescription::parse(&"d".repeat(100)).unwrap().as_str().len(), 100);
        assert!(CredentialDescription::parse(&"d".repeat(101)).is_err());
        assert!(CredentialDescription::parse("   ").is_err());
        assert!(CredentialDescription::parse("CI\u{7}").is_err());
    }

    // --- Phone -----------------------------------------------------------------------------

    #[test]
    fn mobile_phone_is_e164() {
        assert_eq!(MobilePhone::parse("+31612345678").unwrap().as_str(), "+31612345678");
        assert!(MobilePhone::parse("+1234567").is_ok()); // 7 digits
        assert!(MobilePhone::parse("+123456789012345").is_ok()); // 15 digits
        for bad in [
            "",
            "+",
            "+123456",           // 6 digits
            "+1234567890123456", // 16 digits
            "31612345678",       // no plus
            "+0612345678",       // leading zero
            "+31 612345678",     // space
            "+31-612345678",
            " +31612345678",
            "+٣١٦١٢٣٤٥٦٧٨", // non-ASCII digits
            "++31612345678",
        ] {
            assert!(MobilePhone::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    // --- Culture ---------------------------------------------------------------------------

    #[test]
    fn culture_name_round_trips_exactly() {
        let pairs = [
            (CultureName::EnUs, "en-US"),
            (CultureName::EnGb, "en-GB"),
            (CultureName::FrFr, "fr-FR"),
            (CultureName::DeDe, "de-DE"),
            (CultureName::NlNl, "nl-NL"),
        ];
        for (value, text) in pairs {
            assert_eq!(value.as_str(), text);
            assert_eq!(CultureName::parse(text).unwrap(), value);
            assert_eq!(serde_json::to_value(value).unwrap(), serde_json::json!(text));
        }
        for bad in ["en-us", "EN-US", "en_US", "en", "es-ES", ""] {
            assert!(CultureName::parse(bad).is_err(), "{bad:?}");
        }
    }

    // --- Time zone -------------------------------------------------------------------------

    #[test]
    fn time_zone_name_must_be_known() {
        let tz = TimeZoneName::parse("Europe/Amsterdam").unwrap();
        assert_eq!(tz.as_str(), "Europe/Amsterdam");
        assert_eq!(tz.time_zone().iana_name(), Some("Europe/Amsterdam"));
        assert!(TimeZoneName::parse("UTC").is_ok());
        assert!(TimeZoneName::parse("America/New_York").is_ok());
        for bad in ["", "Mars/Olympus_Mons", "Europe/Amsterdamm", "+01:00", "../etc/passwd"] {
            assert!(TimeZoneName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(TimeZoneName::parse(&"A".repeat(65)).is_err());
    }

    #[test]
    fn time_zone_drives_offsets() {
        let ts: jiff::Timestamp = "2026-07-01T12:00:00Z".parse().unwrap();
        let ams = TimeZoneName::parse("Europe/Amsterdam").unwrap().time_zone();
        let ny = TimeZoneName::parse("America/New_York").unwrap().time_zone();
        assert_eq!(ams.to_datetime(ts).hour(), 14);
        assert_eq!(ny.to_datetime(ts).hour(), 8);
    }

    // --- Enums -----------------------------------------------------------------------------

    #[test]
    fn permission_vocabulary() {
        assert_eq!(Permission::ALL.len(), 10);
        let names: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(
            names,
            [
                "AccountAccess",
                "Administrator",
                "FinancialOperator",
                "TechnicalContact",
                "AllowInfra",
                "ShareDashboards",
                "CreateAlertDefinition",
                "CreateIntegration",
                "CreatePrivateLocations",
                "ManageMonitorTemplates",
            ]
        );
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()).unwrap(), p);
            assert_eq!(p.to_string(), p.as_str());
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.as_str()));
            assert_eq!(serde_json::from_str::<Permission>(&json).unwrap(), p);
        }
        assert!(Permission::parse("administrator").is_err());
        assert!(Permission::parse("Root").is_err());
        assert!(serde_json::from_str::<Permission>("\"Root\"").is_err());
        let mut sorted = [Permission::ManageMonitorTemplates, Permission::AccountAccess];
        sorted.sort();
        assert_eq!(sorted[0], Permission::AccountAccess);
    }

    #[test]
    fn account_type_vocabulary() {
        let names: Vec<&str> = AccountType::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(names, ["Starter", "Premium", "Professional", "Business", "Enterprise"]);
        for t in AccountType::ALL {
            assert_eq!(AccountType::parse(t.as_str()), Ok(t));
            let back: AccountType = serde_json::from_value(serde_json::json!(t.as_str())).unwrap();
            assert_eq!(back, t);
        }
        assert!(AccountType::parse("business").is_err());
    }

    #[test]
    fn access_type_vocabulary_and_default() {
        assert_eq!(AccessType::default(), AccessType::Generic);
        let names: Vec<&str> = AccessType::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(names, ["Generic", "MobileApp", "TransactionRecorder", "Grafana"]);
        for t in AccessType::ALL {
            assert_eq!(AccessType::parse(t.as_str()), Ok(t));
            assert_eq!(serde_json::to_value(t).unwrap(), serde_json::json!(t.as_str()));
        }
        assert!(AccessType::parse("Mobile").is_err());
    }

    #[test]
    fn monitor_mode_vocabulary_and_default() {
        assert_eq!(MonitorMode::default(), MonitorMode::Production);
        for (m, s) in [
            (MonitorMode::Development, "Development"),
            (MonitorMode::Staging, "Staging"),
            (MonitorMode::Production, "Production"),
        ] {
            assert_eq!(m.as_str(), s);
            assert_eq!(MonitorMode::parse(s), Ok(m));
        }
        assert!(MonitorMode::parse("production").is_err());
        assert!(serde_json::from_str::<MonitorMode>("\"Prod\"").is_err());
    }

    #[test]
    fn authorization_levels_are_ordered_and_cumulative() {
        use AuthorizationType::*;
        assert!(ViewMonitorData < ViewMonitor && ViewMonitor < EditMonitor);
        assert_eq!(ViewMonitorData.and_lower(), vec![ViewMonitorData]);
        assert_eq!(ViewMonitor.and_lower(), vec![ViewMonitorData, ViewMonitor]);
        assert_eq!(EditMonitor.and_lower(), vec![ViewMonitorData, ViewMonitor, EditMonitor]);
        assert_eq!(AuthorizationType::parse("EditMonitor"), Ok(EditMonitor));
        assert!(AuthorizationType::parse("Edit").is_err());
        assert_eq!(serde_json::to_value(ViewMonitor).unwrap(), serde_json::json!("ViewMonitor"));
    }

    // --- Ids -------------------------------------------------------------------------------

    #[test]
    fn resource_id_charset_and_length() {
        assert_eq!(ResourceId::parse("abc-DEF_123").unwrap().as_str(), "abc-DEF_123");
        assert!(ResourceId::parse(&"a".repeat(64)).is_ok());
        for bad in [
            String::new(),
            "a".repeat(65),
            "a b".into(),
            "a/b".into(),
            "a.b".into(),
            "..".into(),
            "a%2F".into(),
            "é".into(),
            "id\n".into(),
        ] {
            assert!(ResourceId::parse(&bad).is_err(), "{bad:?}");
        }
        let fresh = new_id();
        assert!(ResourceId::parse(&fresh).is_ok());
    }

    #[test]
    fn new_id_is_lowercase_hyphenated_uuid_v7_and_time_ordered() {
        let a = new_id();
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
        assert_eq!(&a[14..15], "7", "version nibble");
        assert!(a.chars().all(|c| c == '-' || c.is_ascii_digit() || c.is_ascii_lowercase()));
        let parsed = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(parsed.get_version_num(), 7);
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = new_id();
        assert!(b > a, "later ids sort after earlier ones");
        assert_ne!(new_id(), new_id());
    }

    // --- OpenAPI schemas -------------------------------------------------------------------

    /// The timestamp pattern (schedules' `start`/`end`, the audit log's `from`/`to`) matches
    /// exactly the calendar's days, 29 February of leap years included, in years 0000-9998.
    #[test]
    fn the_timestamp_pattern_is_the_calendar() {
        let pattern = regex_lite::Regex::new(crate::schedule::RFC3339_PATTERN).expect("the pattern compiles");
        for year in [0, 1, 1900, 1970, 2000, 2023, 2024, 2025, 2026, 2028, 2100, 2400, 9900, 9996, 9998, 9999] {
            for month in 1..=12 {
                for day in 1..=32 {
                    let text = format!("{year:04}-{month:02}-{day:02}T10:00:00Z");
                    let real = year <= 9998 && jiff::civil::Date::new(year, month, day).is_ok();
                    assert_eq!(pattern.is_match(&text), real, "{text}");
                }
            }
        }
        for text in ["2024-02-29t23:59:59.123456789+14:00", "2026-11-27T10:00:00-05:30", "0000-01-01T00:00:00z"] {
            assert!(pattern.is_match(text), "{text}");
        }
        for text in [
            "2026-11-27 10:00:00Z",
            "2026-11-27T24:00:00Z",
            "2026-11-27T10:00:00",
            "2026-11-27T10:00:00+24:00",
            "12026-01-01T00:00:00Z",
        ] {
            assert!(!pattern.is_match(text), "{text}");
        }
    }

    #[test]
    fn the_schema_character_classes_are_rusts() {
        let within = |ranges: &[(char, char)], c: char| ranges.iter().any(|&(a, b)| (a..=b).contains(&c));
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            assert_eq!(within(&WHITESPACE, c), c.is_whitespace(), "{c:?}");
            assert_eq!(within(&CONTROL, c), c.is_control(), "{c:?}");
        }
    }

    /// The short-text and email patterns accept exactly what the parsers accept, whitespace
    /// around the value included (`"W\u{85}"`: U+0085 is whitespace, trimmed, and a control
    /// character, refused inside a value).
    #[test]
    fn the_trimmed_values_patterns_accept_what_the_parsers_do() {
        let pattern = |schema: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>| {
            let schema = serde_json::to_value(schema).unwrap();
            regex_lite::Regex::new(schema["pattern"].as_str().unwrap()).expect("the pattern compiles")
        };
        let short = pattern(<FullNameSchema as utoipa::PartialSchema>::schema());
        let hundred = "x".repeat(100);
        for text in [
            "W".to_owned(),
            "W\u{85}".to_owned(),
            "\u{85}W".to_owned(),
            "\u{a0}Ada Lovelace\u{3000}".to_owned(),
            " \t\n W \r".to_owned(),
            "Jane\u{85}Doe".to_owned(),
            "Jane\nDoe".to_owned(),
            "Jane Doe".to_owned(),
            "Jane\u{7f}".to_owned(),
            " ".to_owned(),
            String::new(),
            hundred.clone(),
            format!("  {hundred}  "),
            format!("{hundred}y"),
            format!(" {hundred}y "),
            "é".repeat(50) + &"日".repeat(50),
        ] {
            assert_eq!(short.is_match(&text), FullName::parse(&text).is_ok(), "{text:?}");
        }
        let email = pattern(<EmailSchema as utoipa::PartialSchema>::schema());
        for text in [
            "ada@example.com",
            " ada@example.com\u{85}",
            "\u{2028}ada@example.com",
            "ada @example.com",
            "ada@example",
            "ada@example..com",
            "ada\u{85}@example.com",
            "@example.com",
        ] {
            assert_eq!(email.is_match(text), Email::parse(text).is_ok(), "{text:?}");
        }
    }

    #[test]
    fn schemas_are_built_from_the_parsers_constants() {
        let json =
            |schema: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>| serde_json::to_value(schema).unwrap();
        let short = json(<FullNameSchema as utoipa::PartialSchema>::schema());
        // The parser counts after trimming: the bound is in the pattern, not a maxLength.
        assert_eq!(short.get("maxLength"), None);
        assert!(short["pattern"].as_str().unwrap().contains(&format!("{{0,{}}}", SHORT_TEXT_MAX_CHARS - 2)));
        assert_eq!(json(<EmailSchema as utoipa::PartialSchema>::schema())["maxLength"], Email::MAX_CHARS);
        assert_eq!(json(<MobilePhoneSchema as utoipa::PartialSchema>::schema())["pattern"], "^\\+[1-9][0-9]{6,14}$");
        assert_eq!(json(<ResourceId as utoipa::PartialSchema>::schema())["pattern"], "^[A-Za-z0-9_-]{1,64}$");
        let permissions = json(<PermissionSchema as utoipa::PartialSchema>::schema());
        assert_eq!(permissions["enum"].as_array().unwrap().len(), Permission::ALL.len());
        // Every bundled time zone name is one `parse` accepts.
        let zones = json(<TimeZoneNameSchema as utoipa::PartialSchema>::schema());
        let zones = zones["enum"].as_array().unwrap();
        assert!(zones.len() > 300);
        for zone in zones {
            assert!(TimeZoneName::parse(zone.as_str().unwrap()).is_ok(), "{zone}");
        }
    }
}
