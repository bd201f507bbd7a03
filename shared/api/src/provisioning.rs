//! Opening an account (hubctl, the local demo seed, tests): the account, its administrator, the
//! two system groups and the initial grants, in one transaction.

use hub_store::records::{AccountRecord, GroupRecord, OperatorRecord};
use hub_store::{ADMINISTRATORS_GROUP_ID, AccountId, EVERYONE_GROUP_ID, GroupId, NewAccount, OperatorId, Principal};

use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;
use crate::values::{AccountName, AccountType, Email, FullName, GroupDescription, Permission, TimeZoneName, new_id};

#[derive(Debug, Clone)]
pub struct AccountRequest {
    pub name: String,
    pub account_type: String,
    pub admin_email: String,
    pub admin_name: String,
    pub extra_operators: i64,
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisionedAccount {
    pub account_id: AccountId,
    pub admin_operator_id: String,
}

/// What the Administrators group holds in a new account.
pub const ADMINISTRATORS_GRANTS: [Permission; 6] = [
    Permission::Administrator,
    Permission::FinancialOperator,
    Permission::AllowInfra,
    Permission::CreateAlertDefinition,
    Permission::CreateIntegration,
    Permission::CreatePrivateLocations,
];

/// What the account administrator holds directly in a new account.
pub const ACCOUNT_ADMINISTRATOR_GRANTS: [Permission; 2] = [Permission::AccountAccess, Permission::TechnicalContact];

pub async fn create_account(state: &AppState, request: &AccountRequest) -> ApiResult<ProvisionedAccount> {
    let mut errors = Vec::new();
    let name = AccountName::parse(&request.name).map_err(|m| errors.push(FieldError::new("name", m))).ok();
    let account_type =
        AccountType::parse(&request.account_type).map_err(|m| errors.push(FieldError::new("type", m))).ok();
    let email = Email::parse(&request.admin_email).map_err(|m| errors.push(FieldError::new("adminEmail", m))).ok();
    let admin_name =
        FullName::parse(&request.admin_name).map_err(|m| errors.push(FieldError::new("adminName", m))).ok();
    let time_zone = TimeZoneName::parse(request.time_zone.as_deref().unwrap_or("UTC"))
        .map_err(|m| errors.push(FieldError::new("timeZone", m)))
        .ok();
    if request.extra_operators < 0 {
        errors.push(FieldError::new("extraOperators", "must not be negative"));
    }
    let (Some(name), Some(account_type), Some(email), Some(admin_name), Some(time_zone)) =
        (name, account_type, email, admin_name, time_zone)
    else {
        return Err(ApiError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }

    let now = state.clock.now_rfc3339();
    let account_id = AccountId::new(new_id());
    let admin_id = OperatorId::new(new_id());
    let group = |id: &str, description: &str| GroupRecord {
        group_id: GroupId::new(id),
        description: GroupDescription::parse(description).expect("the system groups' names are valid"),
        is_everyone: id == EVERYONE_GROUP_ID,
        is_administrators: id == ADMINISTRATORS_GROUP_ID,
        member_count: 1,
        external_id: None,
        created_at: now.clone(),
        updated_at: now.clone(),
        version: 1,
    };
    let mut grants: Vec<(Principal, Permission)> =
        ADMINISTRATORS_GRANTS.iter().map(|p| (Principal::Group(GroupId::administrators()), *p)).collect();
    grants.extend(ACCOUNT_ADMINISTRATOR_GRANTS.iter().map(|p| (Principal::Operator(admin_id.clone()), *p)));
    let new = NewAccount {
        account: AccountRecord {
            operator_limit: state.config.operator_limit(account_type) + request.extra_operators,
            extra_operators: request.extra_operators,
            ..AccountRecord::opened(account_id.clone(), admin_id.clone(), (name, account_type, time_zone), &now)
        },
        admin: OperatorRecord {
            is_administrator: true,
            is_account_administrator: true,
            ..crate::rules::new_operator(admin_id.clone(), email.into_string(), admin_name, &now)
        },
        everyone: group(EVERYONE_GROUP_ID, "Everyone"),
        administrators: group(ADMINISTRATORS_GROUP_ID, "Administrators"),
        grants,
    };
    // `hubctl account create` (and the local server's first run) is the one entry point here.
    let mut changes = crate::audit::created(&new.account);
    changes.push(crate::audit::change("administrator", serde_json::Value::Null, serde_json::json!({"operatorId": new.admin.operator_id, "email": new.admin.email, "fullName": new.admin.full_name})));
    let context = crate::audit::system_context(state, hub_store::AuditSource::Provisioning, "hubctl");
    let event = crate::audit::event(
        &context,
        "account.created",
        ("Account", &new.account.account_id, Some(&new.account.name)),
        changes,
    );
    state.store.create_account(&new, &event).await?;
    Ok(ProvisionedAccount { account_id, admin_operator_id: admin_id.into_string() })
}
