use axum::extract::State;
use axum::http::StatusCode;
use hub_api::error::ApiResult;
use hub_api::extract::{Admin, PathIds};
use hub_api::permission_routes::{PermissionChange, change_permission};
use hub_api::{AppState, Caller};
use hub_store::values::Permission;
use hub_store::{OperatorId, Principal};
use serde::Serialize;

use crate::operators::load;

#[derive(Serialize, utoipa::ToSchema)]
pub struct OperatorPermissions {
    #[schema(value_type = Vec<String>)]
    direct: Vec<Permission>,
    /// Direct grants and the grants of every group the operator is in.
    #[schema(value_type = Vec<String>)]
    effective: Vec<Permission>,
}

#[utoipa::path(get, path = "/operators/{id}/permissions", operation_id = "getOperatorPermissions", tag = "Permissions", params(("id" = String, Path, description = "Operator id")),
    responses((status = 200, body = OperatorPermissions)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    PathIds(id): PathIds<OperatorId>,
) -> ApiResult<axum::Json<OperatorPermissions>> {
    let scope = caller.scope();
    load(&state, &caller, &id).await?;
    let direct = state.store.in_account(&scope).grants_of(&Principal::Operator(id.clone())).await?;
    let mut effective = direct.clone();
    for group_id in state.store.in_account(&scope).all_group_ids_of(&id).await? {
        effective.extend(state.store.in_account(&scope).grants_of(&Principal::Group(group_id)).await?);
    }
    // Canonical order (the derived `Ord`), each once.
    effective.sort();
    effective.dedup();
    Ok(axum::Json(OperatorPermissions { direct, effective }))
}

#[utoipa::path(put, path = "/operators/{id}/permissions/{permission}", operation_id = "grantOperatorPermission", tag = "Permissions",
    params(("id" = String, Path, description = "Operator id"), ("permission" = String, Path, description = "A system-wide permission name")),
    responses((status = 204, description = "Granted (idempotent)")))]
pub async fn grant(
    State(state): State<AppState>,
    PathIds((id, permission)): PathIds<(OperatorId, String)>,
    Admin(caller): Admin,
) -> ApiResult<StatusCode> {
    change_permission(&state, &caller, Principal::Operator(id), &permission, PermissionChange::Grant).await
}

#[utoipa::path(delete, path = "/operators/{id}/permissions/{permission}", operation_id = "revokeOperatorPermission", tag = "Permissions",
    params(("id" = String, Path, description = "Operator id"), ("permission" = String, Path, description = "A system-wide permission name")),
    responses((status = 204, description = "Revoked (idempotent)")))]
pub async fn revoke(
    State(state): State<AppState>,
    PathIds((id, permission)): PathIds<(OperatorId, String)>,
    Admin(caller): Admin,
) -> ApiResult<StatusCode> {
    change_permission(&state, &caller, Principal::Operator(id), &permission, PermissionChange::Revoke).await
}
