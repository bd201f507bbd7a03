use axum::extract::State;
use axum::http::StatusCode;
use hub_api::error::ApiResult;
use hub_api::extract::PathIds;
use hub_api::retry::retrying;
use hub_api::rules::{Removal, assignable_permission, check_protected_holders, permission_names, sort_permissions};
use hub_api::provisioning::load_account;
use hub_api::{AppState, Caller};
use hub_store::Principal;
use serde::Serialize;

use crate::operators::load;

#[derive(Serialize, utoipa::ToSchema)]
pub struct OperatorPermissions {
    direct: Vec<String>,
    /// Direct grants and the grants of every group the operator is in.
    effective: Vec<String>,
}

#[utoipa::path(get, path = "/operators/{id}/permissions", operation_id = "getOperatorPermissions", tag = "Permissions", params(("id" = String, Path, description = "Operator id")),
    responses((status = 200, body = OperatorPermissions)))]
pub async fn list(State(state): State<AppState>, caller: Caller, PathIds(id): PathIds<String>) -> ApiResult<axum::Json<OperatorPermissions>> {
    let scope = caller.scope();
    load(&state, &caller, &id).await?;
    let names = permission_names();
    let direct = state.store.grants_of(&scope, &Principal::Operator(id.clone()), &names).await?;
    let mut effective = direct.clone();
    for group_id in state.store.all_group_ids_of(&scope, &id).await? {
        effective.extend(state.store.grants_of(&scope, &Principal::Group(group_id), &names).await?);
    }
    sort_permissions(&mut effective);
    Ok(axum::Json(OperatorPermissions { direct, effective }))
}

#[utoipa::path(put, path = "/operators/{id}/permissions/{permission}", operation_id = "grantOperatorPermission", tag = "Permissions",
    params(("id" = String, Path, description = "Operator id"), ("permission" = String, Path, description = "A system-wide permission name")),
    responses((status = 204, description = "Granted (idempotent)")))]
pub async fn grant(State(state): State<AppState>, caller: Caller, PathIds((id, permission)): PathIds<(String, String)>) -> ApiResult<StatusCode> {
    caller.require_admin()?;
    let permission = assignable_permission(&permission)?;
    load(&state, &caller, &id).await?;
    state.store.grant(&caller.scope(), &Principal::Operator(id), permission.as_str()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/operators/{id}/permissions/{permission}", operation_id = "revokeOperatorPermission", tag = "Permissions",
    params(("id" = String, Path, description = "Operator id"), ("permission" = String, Path, description = "A system-wide permission name")),
    responses((status = 204, description = "Revoked (idempotent)")))]
pub async fn revoke(State(state): State<AppState>, caller: Caller, PathIds((id, permission)): PathIds<(String, String)>) -> ApiResult<StatusCode> {
    caller.require_admin()?;
    let permission = assignable_permission(&permission)?;
    let scope = caller.scope();
    let principal = Principal::Operator(id.clone());
    retrying(|| async {
        let account = load_account(&state, &scope).await?;
        load(&state, &caller, &id).await?;
        check_protected_holders(&state, &scope, &Removal::Grant { principal: &principal, permission }, account.rules_version).await?;
        state.store.revoke(&scope, &principal, permission.as_str(), account.rules_version).await?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
