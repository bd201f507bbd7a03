//! System-wide permissions granted to a group.

use axum::extract::State;
use axum::http::StatusCode;
use hub_api::error::ApiResult;
use hub_api::extract::PathIds;
use hub_api::provisioning::load_account;
use hub_api::retry::retrying;
use hub_api::rules::{Removal, assignable_permission, permission_names};
use hub_api::{AppState, Caller};
use hub_store::Principal;
use serde::Serialize;

use crate::groups::load;
use hub_api::rules::check_protected_holders;

#[derive(Serialize, utoipa::ToSchema)]
pub struct GroupPermissions {
    /// The permissions granted to the group.
    direct: Vec<String>,
}

#[utoipa::path(get, path = "/groups/{id}/permissions", operation_id = "listGroupPermissions", tag = "Group permissions", params(("id" = String, Path, description = "Group id")),
    responses((status = 200, body = GroupPermissions)))]
pub async fn list(State(state): State<AppState>, caller: Caller, PathIds(id): PathIds<String>) -> ApiResult<axum::Json<GroupPermissions>> {
    load(&state, &caller, &id).await?;
    let direct = state.store.grants_of(&caller.scope(), &Principal::Group(id), &permission_names()).await?;
    Ok(axum::Json(GroupPermissions { direct }))
}

#[utoipa::path(put, path = "/groups/{id}/permissions/{permission}", operation_id = "grantGroupPermission", tag = "Group permissions",
    params(("id" = String, Path, description = "Group id"), ("permission" = String, Path, description = "A system-wide permission name")),
    responses((status = 204, description = "Granted (idempotent)")))]
pub async fn grant(State(state): State<AppState>, caller: Caller, PathIds((id, permission)): PathIds<(String, String)>) -> ApiResult<StatusCode> {
    caller.require_admin()?;
    let permission = assignable_permission(&permission)?;
    load(&state, &caller, &id).await?;
    // Idempotent: granting a permission already held changes nothing. The store checks that the
    // group still exists in the same transaction.
    state.store.grant(&caller.scope(), &Principal::Group(id), permission.as_str()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/groups/{id}/permissions/{permission}", operation_id = "revokeGroupPermission", tag = "Group permissions",
    params(("id" = String, Path, description = "Group id"), ("permission" = String, Path, description = "A system-wide permission name")),
    responses((status = 204, description = "Revoked (idempotent)")))]
pub async fn revoke(State(state): State<AppState>, caller: Caller, PathIds((id, permission)): PathIds<(String, String)>) -> ApiResult<StatusCode> {
    caller.require_admin()?;
    let permission = assignable_permission(&permission)?;
    let scope = caller.scope();
    let principal = Principal::Group(id.clone());
    retrying(|| async {
        // The rules version is read before the state the checks look at.
        let account = load_account(&state, &scope).await?;
        load(&state, &caller, &id).await?;
        check_protected_holders(&state, &scope, &Removal::Grant { principal: &principal, permission }, account.rules_version).await?;
        state.store.revoke(&scope, &principal, permission.as_str(), account.rules_version).await?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
