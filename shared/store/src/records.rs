//! Typed items. Each record serialises with serde_dynamo into the item's attributes; the key
//! attributes (PK, SK, index keys) are added by the repositories from [`crate::keys`].

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, ApiUserId, GroupId, MonitorId, OperatorId, ScimTokenId};
use crate::schedule_record::ScheduleRecord;
use crate::values::{
    AccessType, AccountName, AccountType, CredentialDescription, CultureName, Email, FullName, GroupDescription,
    MobilePhone, MonitorMode, MonitorName, TimeZoneName,
};

/// The account item, with the hub's counters kept exact by writing every change to them in the
/// same transaction as the change they count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountRecord {
    pub account_id: AccountId,
    pub name: AccountName,
    pub account_type: AccountType,
    #[serde(deserialize_with = "TimeZoneName::read")]
    pub time_zone: TimeZoneName,
    /// The account type's default plus purchased extra operators.
    pub operator_limit: i64,
    pub extra_operators: i64,
    pub admin_operator_id: OperatorId,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
    #[serde(default)]
    pub operators_total: i64,
    /// Operators that are not disabled: what the operator limit bounds (`operatorsInUse`).
    #[serde(default)]
    pub operators_in_use: i64,
    /// Operators whose Active switch is on and that are not disabled.
    #[serde(default)]
    pub operators_active: i64,
    #[serde(default)]
    pub groups_total: i64,
    #[serde(default)]
    pub groups_empty: i64,
    #[serde(default)]
    pub api_users_total: i64,
    #[serde(default)]
    pub api_users_inactive: i64,
    #[serde(default)]
    pub monitors_total: i64,
    #[serde(default)]
    pub production_monitors: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactive_computed_at: Option<String>,
    /// Moves with every counter change (see `AccountChange`).
    #[serde(default)]
    pub counters_version: i64,
    /// The rule versions (`accounts::RuleVersion`): each moves on every change that can take an
    /// enabled administrator, or a holder of one protected permission, away, so that two such
    /// changes never both pass their "somebody still holds it" checks; the grants versions move on
    /// every grant of a protected permission.
    #[serde(default)]
    pub administrators_version: i64,
    #[serde(default)]
    pub financial_operator_holders_version: i64,
    #[serde(default)]
    pub technical_contact_holders_version: i64,
    #[serde(default)]
    pub financial_operator_grants_version: i64,
    #[serde(default)]
    pub technical_contact_grants_version: i64,
}

impl AccountRecord {
    /// A new account's item as `create_account` writes it with its first items: named `name`, of
    /// type `account_type`, in `time_zone`, the administrator `admin_operator_id` its one operator
    /// (in use, active), Everyone and Administrators its two groups (neither empty), every other
    /// counter and every rule version at zero, created `at`. The caller sets the operator limit
    /// and the extra operators, left at zero here.
    pub fn opened(
        account_id: AccountId,
        admin_operator_id: OperatorId,
        (name, account_type, time_zone): (AccountName, AccountType, TimeZoneName),
        at: &str,
    ) -> AccountRecord {
        AccountRecord {
            account_id,
            name,
            account_type,
            time_zone,
            operator_limit: 0,
            extra_operators: 0,
            admin_operator_id,
            created_at: at.to_owned(),
            updated_at: at.to_owned(),
            version: 1,
            operators_total: 1,
            operators_in_use: 1,
            operators_active: 1,
            groups_total: 2,
            groups_empty: 0,
            api_users_total: 0,
            api_users_inactive: 0,
            monitors_total: 0,
            production_monitors: 0,
            inactive_computed_at: None,
            counters_version: 0,
            administrators_version: 0,
            financial_operator_holders_version: 0,
            technical_contact_holders_version: 0,
            financial_operator_grants_version: 0,
            technical_contact_grants_version: 0,
        }
    }
}

/// An operator. What a new one starts with is the domain crate's rule, not the store's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperatorRecord {
    pub operator_id: OperatorId,
    /// The login name: an email address in practice, but SCIM's `userName` may be any login name,
    /// so it stays a string (`backupEmail` is the checked [`Email`]).
    pub email: String,
    pub full_name: FullName,
    pub mobile_phone: Option<MobilePhone>,
    pub backup_email: Option<Email>,
    pub culture_name: Option<CultureName>,
    #[serde(default, deserialize_with = "TimeZoneName::read_optional")]
    pub time_zone: Option<TimeZoneName>,
    pub default_dashboard: Option<String>,
    pub is_on_duty: bool,
    /// Denormalised from membership of Administrators, changed in the same transaction as that
    /// membership, so that one read of this item authorises a request.
    pub is_administrator: bool,
    pub is_account_administrator: bool,
    /// Suspended: cannot sign in (its tokens and API users are refused), never on duty, holds
    /// nothing for the last-holder rules, not counted in `operatorsInUse`. Disabling writes the
    /// `DISABLED#` marker and its API users' `ownerIsDisabled` in the same transaction.
    #[serde(default)]
    pub is_disabled: bool,
    #[serde(default)]
    pub schedules: Vec<ScheduleRecord>,
    /// The id a SCIM client (an identity provider) gave it; unique in the account (an
    /// `EXTERNALID#OPERATOR#` reservation, which is also its constant-cost lookup).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The SCIM attributes a provider sent that have no hub field (`name`, `emails`,
    /// `phoneNumbers`), as a JSON object, echoed back on SCIM reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scim: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
    /// The identity-provider subject bound at the operator's first sign-in; writers that replace
    /// the item keep it as read (the binding moves `version`). Never part of the API resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in: Option<SignInBinding>,
}

/// Who signs in as an operator: the `iss` and `sub` of the identity provider's token that first
/// signed in as it. Later tokens naming the operator must carry the same pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInBinding {
    pub issuer: String,
    pub subject: String,
    pub bound_at: String,
}

/// What the scheduled index holds of an operator (`Index::projected_attributes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledOperatorRecord {
    pub operator_id: OperatorId,
    pub is_on_duty: bool,
    #[serde(default)]
    pub schedules: Vec<ScheduleRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupRecord {
    pub group_id: GroupId,
    pub description: GroupDescription,
    pub is_everyone: bool,
    pub is_administrators: bool,
    pub member_count: i64,
    /// The id a SCIM client gave it; unique in the account (`EXTERNALID#GROUP#`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

/// A registered monitor; the account's `monitorsTotal` and `productionMonitors` count these items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonitorRecord {
    pub monitor_id: MonitorId,
    pub name: MonitorName,
    pub mode: MonitorMode,
    pub is_active: bool,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

/// An API user: a credential pair owned by an operator, used by scripts with HTTP Basic.
///
/// The item also holds `passwordHash` (the SHA-256 of the password), which is deliberately not a
/// field here: it is written once at creation and only ever compared inside DynamoDB, never read
/// back (reads project it out), so it can reach neither a response nor a log line. The item is
/// created with an empty `usage` map, which the authentication of every request by this API user
/// increments (see `AccountStore::authenticate_api_user`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiUserRecord {
    pub api_user_id: ApiUserId,
    pub operator_id: OperatorId,
    /// Encodes the account id and the API user id, so that a Basic credential names its item.
    pub username: String,
    pub access_type: AccessType,
    pub description: CredentialDescription,
    /// Denormalised from the owner's membership of Administrators and changed in the same
    /// transactions as that membership, so that one item authorises a Basic request.
    pub owner_is_administrator: bool,
    /// Denormalised from the owner's `isDisabled` the same way: a disabled owner's API users
    /// fail authentication inside the same conditional update.
    #[serde(default)]
    pub owner_is_disabled: bool,
    /// Denormalised from the owner's `fullName` the same way (every rename writes it in its
    /// transaction), so that the one conditional update of a Basic authentication also names
    /// the owner for the audit log's `actor.name`. Absent on items written before it existed
    /// (the name is then unknown until the owner's next rename), or `""` on those an
    /// authentication found without it (see `AccountStore::authenticate_api_user`): so a string, not a
    /// [`FullName`], which could not read that `""` back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_name: Option<String>,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<String>,
    /// The later of `created_at` and `last_used_at`: what "inactive" is measured from.
    pub last_active_at: String,
    /// Requests per UTC day (`dYYYYMMDD` → count: a key that can be named in an update
    /// expression); days older than the 30-day window are pruned by the maintenance job.
    #[serde(default)]
    pub usage: std::collections::BTreeMap<String, i64>,
    /// Inactive as last computed by the maintenance job; `apiUsersInactive` counts these.
    #[serde(default)]
    pub inactive: bool,
    /// Moves when the description changes (not on use).
    pub version: i64,
}

impl ApiUserRecord {
    /// A new API user of `owner` (as read) as its create writes it: the owner's id, flags and
    /// name copied (the create's transaction checks that they still hold), never used (no
    /// `lastUsedAt`, an empty `usage`, which the authentication's update counts in), last active
    /// at its creation and so not inactive; version 1.
    pub fn new(
        api_user_id: ApiUserId,
        username: impl Into<String>,
        owner: &OperatorRecord,
        access_type: AccessType,
        description: CredentialDescription,
        now: &str,
    ) -> Self {
        ApiUserRecord {
            api_user_id,
            operator_id: owner.operator_id.clone(),
            username: username.into(),
            access_type,
            description,
            owner_is_administrator: owner.is_administrator,
            owner_is_disabled: owner.is_disabled,
            owner_name: Some(owner.full_name.to_string()),
            created_at: now.to_owned(),
            last_used_at: None,
            last_active_at: now.to_owned(),
            usage: Default::default(),
            inactive: false,
            version: 1,
        }
    }
}

/// A SCIM token (its `tokenHash` is on the item but, like an API user's password hash, never read
/// back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimTokenRecord {
    pub scim_token_id: ScimTokenId,
    pub description: CredentialDescription,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<String>,
}

/// A replayable response stored under an `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdempotencyRecord {
    /// SHA-256 of the request body, hex; a different body under the same key is refused.
    pub request_hash: String,
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
    /// Epoch seconds; DynamoDB's TTL removes the item some time after this, so readers also
    /// compare it with the clock.
    pub expires_at: i64,
}

/// A stored item that could not be decoded is a bug or corruption, never the client's fault.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    item: std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
) -> Result<T, crate::StoreError> {
    Ok(serde_dynamo::from_item(item)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The item of `record` and the item of `strings` (its attributes spelt as plain JSON strings,
    /// numbers and booleans: what the record was when its values were `String`s) are the same,
    /// and the item reads back as `record`.
    fn same_item<T>(record: &T, strings: serde_json::Value)
    where
        T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let item: crate::db::Item = serde_dynamo::to_item(record).unwrap();
        let spelt: crate::db::Item = serde_dynamo::to_item(strings).unwrap();
        assert_eq!(item, spelt);
        assert_eq!(&serde_dynamo::from_item::<_, T>(item).unwrap(), record);
    }

    #[test]
    fn typed_fields_are_the_items_plain_strings() {
        let t = "2026-01-01T00:00:00Z";
        let account = AccountRecord::opened(
            AccountId::new("acc"),
            OperatorId::new("admin"),
            (
                AccountName::parse("Acme").unwrap(),
                AccountType::Premium,
                TimeZoneName::parse("Europe/Amsterdam").unwrap(),
            ),
            t,
        );
        let expected = serde_json::to_value(&account).unwrap();
        for (field, text) in [("name", "Acme"), ("accountType", "Premium"), ("timeZone", "Europe/Amsterdam")] {
            assert_eq!(expected[field], text);
        }
        same_item(&account, expected);

        let operator = OperatorRecord {
            culture_name: Some(CultureName::FrFr),
            time_zone: Some(TimeZoneName::parse("America/New_York").unwrap()),
            mobile_phone: Some(MobilePhone::parse("+31612345678").unwrap()),
            backup_email: Some(Email::parse("b@example.com").unwrap()),
            ..testing::operator("o-1", "o@example.com", true, false)
        };
        same_item(
            &operator,
            json!({"operatorId": "o-1", "email": "o@example.com", "fullName": "Name o-1", "mobilePhone": "+31612345678",
                "backupEmail": "b@example.com", "cultureName": "fr-FR", "timeZone": "America/New_York",
                "defaultDashboard": null, "isOnDuty": true, "isAdministrator": false, "isAccountAdministrator": false,
                "isDisabled": false, "schedules": [], "createdAt": t, "updatedAt": t, "version": 1}),
        );

        let group = GroupRecord {
            group_id: GroupId::new("g-1"),
            description: GroupDescription::parse("Night Shift").unwrap(),
            is_everyone: false,
            is_administrators: false,
            member_count: 2,
            external_id: None,
            created_at: t.into(),
            updated_at: t.into(),
            version: 3,
        };
        same_item(
            &group,
            json!({"groupId": "g-1", "description": "Night Shift", "isEveryone": false, "isAdministrators": false,
                "memberCount": 2, "createdAt": t, "updatedAt": t, "version": 3}),
        );

        let monitor = MonitorRecord {
            monitor_id: MonitorId::new("m-1"),
            name: MonitorName::parse("Homepage").unwrap(),
            mode: MonitorMode::Staging,
            is_active: true,
            created_at: t.into(),
            updated_at: t.into(),
            version: 1,
        };
        same_item(
            &monitor,
            json!({"monitorId": "m-1", "name": "Homepage", "mode": "Staging", "isActive": true, "createdAt": t,
                "updatedAt": t, "version": 1}),
        );

        let description = CredentialDescription::parse("Deploy script").unwrap();
        let api_user =
            ApiUserRecord::new(ApiUserId::new("u-1"), "hub_u", &operator, AccessType::Grafana, description.clone(), t);
        same_item(
            &api_user,
            json!({"apiUserId": "u-1", "operatorId": "o-1", "username": "hub_u", "accessType": "Grafana",
                "description": "Deploy script", "ownerIsAdministrator": false, "ownerIsDisabled": false,
                "ownerName": "Name o-1", "createdAt": t, "lastActiveAt": t, "usage": {}, "inactive": false,
                "version": 1}),
        );

        let token = ScimTokenRecord {
            scim_token_id: ScimTokenId::new("t-1"),
            description,
            created_at: t.into(),
            last_used_at: None,
        };
        same_item(&token, json!({"scimTokenId": "t-1", "description": "Deploy script", "createdAt": t}));
    }

    /// A time zone name this build's database does not know (one a newer database added, say)
    /// still reads, is written back unchanged, and drives offsets as UTC; `parse` refuses it.
    #[test]
    fn an_unknown_stored_time_zone_still_reads() {
        let mut account = serde_json::to_value(AccountRecord::opened(
            AccountId::new("acc"),
            OperatorId::new("admin"),
            (AccountName::parse("Acme").unwrap(), AccountType::Starter, TimeZoneName::parse("UTC").unwrap()),
            "t",
        ))
        .unwrap();
        account["timeZone"] = json!("Mars/Olympus_Mons");
        let item: crate::db::Item = serde_dynamo::to_item(&account).unwrap();
        let read: AccountRecord = serde_dynamo::from_item(item.clone()).unwrap();
        assert_eq!(read.time_zone.as_str(), "Mars/Olympus_Mons");
        assert_eq!(read.time_zone.time_zone(), jiff::tz::TimeZone::UTC);
        assert_eq!(serde_dynamo::to_item::<_, crate::db::Item>(&read).unwrap(), item);
        assert!(TimeZoneName::parse("Mars/Olympus_Mons").is_err());

        let mut operator = serde_json::to_value(testing::operator("o-1", "o@example.com", true, false)).unwrap();
        operator["timeZone"] = json!("Mars/Olympus_Mons");
        let read: OperatorRecord = serde_json::from_value(operator.clone()).unwrap();
        assert_eq!(read.time_zone.as_ref().map(TimeZoneName::as_str), Some("Mars/Olympus_Mons"));
        // An operator without a time zone (the attribute absent or null) reads as none.
        operator.as_object_mut().unwrap().remove("timeZone");
        assert_eq!(serde_json::from_value::<OperatorRecord>(operator).unwrap().time_zone, None);
    }

    /// What the other values' `parse` returns it accepts again unchanged, so every value written
    /// reads back as written; a value no writer could have written is refused (a corrupt item).
    #[test]
    fn checked_values_read_back_as_written() {
        for text in ["  Ada  ", "x", &"é".repeat(100), "Everyone", "Administrators"] {
            let once = FullName::parse(text).unwrap();
            assert_eq!(FullName::parse(once.as_str()).unwrap(), once);
            let once = GroupDescription::parse(text).unwrap();
            assert_eq!(GroupDescription::parse(once.as_str()).unwrap(), once);
        }
        for mode in MonitorMode::ALL {
            assert_eq!(serde_json::from_value::<MonitorMode>(json!(mode.as_str())).unwrap(), mode);
        }
        let mut monitor = json!({"monitorId": "m", "name": "M", "mode": "Production", "isActive": true,
            "createdAt": "t", "updatedAt": "t", "version": 1});
        assert!(serde_json::from_value::<MonitorRecord>(monitor.clone()).is_ok());
        monitor["mode"] = json!("production");
        assert!(serde_json::from_value::<MonitorRecord>(monitor).is_err());
    }
}

/// Records for the store's tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::OperatorRecord;

    /// An operator as its item stores it, named `Name <id>` (what is left out is unset).
    pub(crate) fn operator(id: &str, email: &str, on_duty: bool, admin: bool) -> OperatorRecord {
        serde_json::from_value(serde_json::json!({
            "operatorId": id, "email": email, "fullName": format!("Name {id}"), "isOnDuty": on_duty,
            "isAdministrator": admin, "isAccountAdministrator": admin, "createdAt": "2026-01-01T00:00:00Z",
            "updatedAt": "2026-01-01T00:00:00Z", "version": 1,
        }))
        .unwrap()
    }
}
