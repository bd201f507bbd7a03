use axum::http::StatusCode;
use hub_api::error::ApiResult;
use hub_api::extract::{Admin, Call, PathIds};
use hub_api::permission_routes::{PermissionChange, change_permission};
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
pub async fn list(call: Call, PathIds(id): PathIds<OperatorId>) -> ApiResult<axum::Json<OperatorPermissions>> {
    load(&call, &id).await?;
    let direct = call.store().grants_of(&Principal::Operator(id.clone())).await?;
    let mut effective = direct.clone();
    for group_id in call.store().all_group_ids_of(&id).await? {
        effective.extend(call.store().grants_of(&Principal::Group(group_id)).await?);
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
    PathIds((id, permission)): PathIds<(OperatorId, String)>,
    Admin(call): Admin,
) -> ApiResult<StatusCode> {
    change_permission(&call, Principal::Operator(id), &permission, PermissionChange::Grant).await
}

#[utoipa::path(delete, path = "/operators/{id}/permissions/{permission}", operation_id = "revokeOperatorPermission", tag = "Permissions",
    params(("id" = String, Path, description = "Operator id"), ("permission" = String, Path, description = "A system-wide permission name")),
    responses((status = 204, description = "Revoked (idempotent)")))]
pub async fn revoke(
    PathIds((id, permission)): PathIds<(OperatorId, String)>,
    Admin(call): Admin,
) -> ApiResult<StatusCode> {
    change_permission(&call, Principal::Operator(id), &permission, PermissionChange::Revoke).await
}
