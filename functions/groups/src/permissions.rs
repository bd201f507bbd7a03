//! System-wide permissions granted to a group.

use axum::http::StatusCode;
use hub_api::error::ApiResult;
use hub_api::extract::{Admin, Call, PathIds};
use hub_api::permission_routes::{PermissionChange, change_permission};
use hub_store::values::Permission;
use hub_store::{GroupId, Principal};
use serde::Serialize;

use crate::groups::load;

#[derive(Serialize, utoipa::ToSchema)]
pub struct GroupPermissions {
    /// The permissions granted to the group.
    #[schema(value_type = Vec<String>)]
    direct: Vec<Permission>,
}

#[utoipa::path(get, path = "/groups/{id}/permissions", operation_id = "listGroupPermissions", tag = "Group permissions", params(("id" = String, Path, description = "Group id")),
    responses((status = 200, body = GroupPermissions)))]
pub async fn list(call: Call, PathIds(id): PathIds<GroupId>) -> ApiResult<axum::Json<GroupPermissions>> {
    load(&call, &id).await?;
    let direct = call.store().grants_of(&Principal::Group(id)).await?;
    Ok(axum::Json(GroupPermissions { direct }))
}

#[utoipa::path(put, path = "/groups/{id}/permissions/{permission}", operation_id = "grantGroupPermission", tag = "Group permissions",
    params(("id" = String, Path, description = "Group id"), ("permission" = String, Path, description = "A system-wide permission name")),
    responses((status = 204, description = "Granted (idempotent)")))]
pub async fn grant(PathIds((id, permission)): PathIds<(GroupId, String)>, Admin(call): Admin) -> ApiResult<StatusCode> {
    change_permission(&call, Principal::Group(id), &permission, PermissionChange::Grant).await
}

#[utoipa::path(delete, path = "/groups/{id}/permissions/{permission}", operation_id = "revokeGroupPermission", tag = "Group permissions",
    params(("id" = String, Path, description = "Group id"), ("permission" = String, Path, description = "A system-wide permission name")),
    responses((status = 204, description = "Revoked (idempotent)")))]
pub async fn revoke(
    PathIds((id, permission)): PathIds<(GroupId, String)>,
    Admin(call): Admin,
) -> ApiResult<StatusCode> {
    change_permission(&call, Principal::Group(id), &permission, PermissionChange::Revoke).await
}
