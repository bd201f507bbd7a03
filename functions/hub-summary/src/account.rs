//! The caller's account: read by anyone in it, name and time zone changed by administrators.

use axum::response::{IntoResponse, Response};
use hub_api::audit::caller_context;
use hub_api::error::ApiResult;
use hub_api::extract::{Admin, Call, IfMatch, JsonBody, double_option, no_errors, patch_field};
use hub_api::retry::retrying;
use hub_api::rules::load_account;
use hub_api::values::{AccountName, AccountType, TimeZoneName};
use hub_api::views::Versioned;
use hub_store::AccountSettings;
use hub_store::records::AccountRecord;
use serde::{Deserialize, Serialize};

hub_api::string_enum_schema!(
    AccountTypeSchema,
    "AccountType",
    AccountType::ALL.map(|t| t.as_str()),
    "The account's type; each has a configured default operator limit."
);

/// `{accountId, name, accountType, timeZone, operatorLimit, operatorsInUse, createdAt}`, plus
/// `updatedAt` and the `version` that `If-Match` refers to.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Account)]
pub struct AccountView {
    pub account_id: String,
    pub name: String,
    #[schema(value_type = AccountTypeSchema)]
    pub account_type: String,
    /// An IANA time zone name; it drives off-duty schedules and so the summary's `onDuty`.
    pub time_zone: String,
    /// The account type's default plus purchased extra operators.
    pub operator_limit: i64,
    /// Operators that are not disabled (the same figure as the summary's `operatorQuota.used`).
    pub operators_in_use: i64,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<AccountRecord> for AccountView {
    fn from(a: AccountRecord) -> Self {
        AccountView {
            account_id: a.account_id.into_string(),
            name: a.name.into_string(),
            account_type: a.account_type.to_string(),
            time_zone: a.time_zone.into_string(),
            operator_limit: a.operator_limit,
            operators_in_use: a.operators_in_use,
            created_at: a.created_at,
            updated_at: a.updated_at,
            version: a.version,
        }
    }
}

#[utoipa::path(get, path = "/account", operation_id = "getAccount", tag = "Account",
    responses((status = 200, description = "The caller's account", body = AccountView, headers(("ETag" = String)))))]
pub async fn fetch(call: Call) -> ApiResult<Response> {
    let view = AccountView::from(load_account(&call.state, call.scope()).await?);
    Ok(Versioned::ok(view.version, view).into_response())
}

/// The changeable settings; the type, the limit and the counters come from provisioning and from
/// the writes they count, and are refused here as unknown fields.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateAccount {
    /// 1-100 characters (trimmed, no control characters). Cannot be null.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = hub_api::values::ShortText, required = false)]
    name: Option<Option<String>>,
    /// An IANA time zone name. Cannot be null.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = hub_api::values::TimeZoneNameSchema, required = false)]
    time_zone: Option<Option<String>>,
}

/// `PATCH /account` (administrators): `name` and `timeZone` (an IANA name; it drives off-duty
/// schedules and so the summary's `onDuty`). Honours `If-Match`.
#[utoipa::path(patch, path = "/account", operation_id = "updateAccount", tag = "Account", request_body = UpdateAccount,
    params(("If-Match" = Option<String>, Header, nullable = false, description = "The ETag read; a stale one is 412")),
    responses((status = 200, body = AccountView, headers(("ETag" = String)))))]
pub async fn update(
    Admin(call): Admin,
    if_match: IfMatch,
    JsonBody(patch): JsonBody<UpdateAccount>,
) -> ApiResult<Response> {
    let mut errors = Vec::new();
    let name = patch_field(&mut errors, "name", &patch.name, "is required and cannot be null", AccountName::parse);
    let time_zone =
        patch_field(&mut errors, "timeZone", &patch.time_zone, "is required and cannot be null", TimeZoneName::parse);
    no_errors(errors)?;
    let updated = retrying(|| async {
        let current = load_account(&call.state, call.scope()).await?;
        if_match.check(current.version)?;
        let mut next = current.clone();
        if let Some(name) = &name {
            next.name = name.clone();
        }
        if let Some(tz) = &time_zone {
            next.time_zone = tz.clone();
        }
        if next == current {
            return Ok(current);
        }
        next.updated_at = call.state.clock.now_rfc3339();
        next.version = current.version + 1;
        let settings = AccountSettings {
            name: next.name.clone(),
            time_zone: next.time_zone.clone(),
            updated_at: next.updated_at.clone(),
        };
        let event = hub_api::resource_events::updated(&caller_context(&call), "account.updated", &current, &next);
        call.store().update_account_settings(current.version, &settings, &event).await?;
        Ok(next)
    })
    .await?;
    let view = AccountView::from(updated);
    Ok(Versioned::ok(view.version, view).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_names_are_bounded() {
        assert_eq!(AccountName::parse(" Acme ").unwrap().as_str(), "Acme");
        assert!(AccountName::parse("").is_err());
        assert!(AccountName::parse(&"a".repeat(101)).is_err());
        assert!(AccountName::parse("a\nb").is_err());
    }
}
