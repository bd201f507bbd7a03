//! Typed items. Each record serialises with serde_dynamo into the item's attributes; the key
//! attributes (PK, SK, index keys) are added by the repositories from [`crate::keys`].

use serde::{Deserialize, Serialize};

use crate::ids::{AccountId, ApiUserId, GroupId, MonitorId, OperatorId, ScimTokenId};
use crate::schedule_record::ScheduleRecord;
use crate::values::{Email, MobilePhone};

/// The account item, with the hub's counters kept exact by writing every change to them in the
/// same transaction as the change they count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountRecord {
    pub account_id: AccountId,
    pub name: String,
    pub account_type: String,
    pub time_zone: String,
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
    /// A new account's item as `create_account` writes it with its first items: the administrator
    /// `admin_operator_id` its one operator (in use, active), Everyone and Administrators its two
    /// groups (neither empty), every other counter and every rule version at zero, created `at`.
    /// The caller sets the account's own settings (name, type, time zone, operator limit, extra
    /// operators), left empty here.
    pub fn opened(account_id: AccountId, admin_operator_id: OperatorId, at: &str) -> AccountRecord {
        AccountRecord {
            account_id,
            name: String::new(),
            account_type: String::new(),
            time_zone: String::new(),
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
    pub email: String,
    pub full_name: String,
    pub mobile_phone: Option<MobilePhone>,
    pub backup_email: Option<Email>,
    pub culture_name: Option<String>,
    pub time_zone: Option<String>,
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
    pub description: String,
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

/// A registered monitor. `mode` is `Development`, `Staging` or `Production` (validated by the
/// domain crate); the account's `monitorsTotal` and `productionMonitors` count these items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonitorRecord {
    pub monitor_id: MonitorId,
    pub name: String,
    pub mode: String,
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
/// increments (see `Store::authenticate_api_user`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiUserRecord {
    pub api_user_id: ApiUserId,
    pub operator_id: OperatorId,
    /// Encodes the account id and the API user id, so that a Basic credential names its item.
    pub username: String,
    /// `Generic`, `MobileApp`, `TransactionRecorder` or `Grafana` (validated by the domain crate).
    pub access_type: String,
    pub description: String,
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
    /// (the name is then unknown until the owner's next rename).
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
        access_type: impl Into<String>,
        description: impl Into<String>,
        now: &str,
    ) -> Self {
        ApiUserRecord {
            api_user_id,
            operator_id: owner.operator_id.clone(),
            username: username.into(),
            access_type: access_type.into(),
            description: description.into(),
            owner_is_administrator: owner.is_administrator,
            owner_is_disabled: owner.is_disabled,
            owner_name: Some(owner.full_name.clone()),
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
    pub description: String,
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
