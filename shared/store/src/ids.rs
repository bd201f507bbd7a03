//! Typed ids. Each entity's id is its own type, so that an operator id cannot be passed where a
//! group id is expected: the records hold them, the repositories take them, and the handlers get
//! them from the path extractor. They serialise as the bare string (`#[serde(transparent)]`), so
//! items and responses are unchanged, and they read as `&str` (`Deref`) wherever a string is
//! wanted (keys, messages, views). Whether a string is a well-formed id is checked where it comes
//! in (the path extractor, the request's validated values); these types only say what it names.
//!
//! ```compile_fail
//! // An operator's id where a group's is expected does not compile.
//! fn group(_: &hub_store::GroupId) {}
//! group(&hub_store::OperatorId::new("0190a0b0-0000-7000-8000-000000000001"));
//! ```
//!
//!
//! ```compile_fail
//! // Nor does an operator's id where an account's is expected.
//! fn account(_: &hub_store::AccountId) {}
//! account(&hub_store::OperatorId::new("0190a0b0-0000-7000-8000-000000000001"));
//! ```
//!
//! ```
//! // The same call with a group's id does.
//! fn group(_: &hub_store::GroupId) {}
//! group(&hub_store::GroupId::new("0190a0b0-0000-7000-8000-000000000001"));
//! ```

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl From<&$name> for String {
            fn from(id: &$name) -> String {
                id.0.clone()
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

id_type!(
    /// An account's id (`ACCOUNT#<id>`, the partition of all its items): what an
    /// [`AccountScope`](crate::AccountScope) is built from.
    AccountId
);
id_type!(
    /// An operator's id (`OPERATOR#<id>`).
    OperatorId
);
id_type!(
    /// A group's id (`GROUP#<id>`), including the two built-in groups' fixed ids.
    GroupId
);
id_type!(
    /// A monitor's id (`MONITOR#<id>`).
    MonitorId
);
id_type!(
    /// An API user's id (`APIUSER#<id>`).
    ApiUserId
);
id_type!(
    /// A SCIM token's id (`SCIMTOKEN#<id>`).
    ScimTokenId
);
id_type!(
    /// An off-duty schedule's id, unique within its operator (the schedules live inside the
    /// operator's item).
    ScheduleId
);
id_type!(
    /// A monitor authorization's id (`MONAUTH#<monitorId>#<id>`).
    AuthorizationId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_serialises_as_the_bare_string() {
        let id = OperatorId::new("0190a0b0-0000-7000-8000-000000000001");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"0190a0b0-0000-7000-8000-000000000001\"");
        let back: GroupId = serde_json::from_str("\"g-1\"").unwrap();
        assert_eq!(back, "g-1");
        assert_eq!(back.as_str(), "g-1");
    }

    /// Ids, and the validated values the records hold, are the bare string in an item: what the
    /// item held when they were `String`s.
    #[test]
    fn an_id_is_a_bare_string_attribute_in_an_item() {
        use crate::values::*;
        use aws_sdk_dynamodb::types::AttributeValue;
        fn attribute(value: impl serde::Serialize) -> AttributeValue {
            serde_dynamo::to_attribute_value(value).unwrap()
        }
        let cases: [(AttributeValue, &str); 15] = [
            (attribute(AccountId::new("acc-1")), "acc-1"),
            (attribute(ScheduleId::new("s-1")), "s-1"),
            (attribute(AuthorizationId::new("a-1")), "a-1"),
            (attribute(FullName::parse(" Ada Lovelace ").unwrap()), "Ada Lovelace"),
            (attribute(GroupDescription::parse("Night Shift").unwrap()), "Night Shift"),
            (attribute(CredentialDescription::parse("Deploy script").unwrap()), "Deploy script"),
            (attribute(AccountName::parse("Acme").unwrap()), "Acme"),
            (attribute(MonitorName::parse("Homepage").unwrap()), "Homepage"),
            (attribute(TimeZoneName::parse("Europe/Amsterdam").unwrap()), "Europe/Amsterdam"),
            (attribute(CultureName::NlNl), "nl-NL"),
            (attribute(AccountType::Enterprise), "Enterprise"),
            (attribute(AccessType::MobileApp), "MobileApp"),
            (attribute(MonitorMode::Staging), "Staging"),
            (attribute(AuthorizationType::ViewMonitorData), "ViewMonitorData"),
            (attribute(Email::parse("ada@example.com").unwrap()), "ada@example.com"),
        ];
        for (value, text) in cases {
            assert_eq!(value, AttributeValue::S(text.into()));
        }
        let back: AccountId = serde_dynamo::from_attribute_value(AttributeValue::S("acc-1".into())).unwrap();
        assert_eq!(back, "acc-1");
        let back: MonitorMode = serde_dynamo::from_attribute_value(AttributeValue::S("Staging".into())).unwrap();
        assert_eq!(back, MonitorMode::Staging);
    }
}
