//! What the system-wide permission routes of an operator and of a group share
//! (`PUT`/`DELETE /operators/{id}/permissions/{permission}`, the same under `/groups/{id}`): the
//! permission named in the path, granted or revoked through [`crate::rules`] in the caller's
//! name, 204 whether or not anything changed.

use axum::http::StatusCode;
use hub_store::Principal;

use crate::audit::Acting;
use crate::error::ApiResult;
use crate::extract::Call;
use crate::rules::{assignable_permission, grant_permission, revoke_permission};

/// Which way a permission route changes the grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermissionChange {
    Grant,
    Revoke,
}

/// Grants or revokes the permission named `permission` (400 for a name that cannot be assigned)
/// of `principal`: idempotent, 204.
pub async fn change_permission(
    call: &Call,
    principal: Principal,
    permission: &str,
    change: PermissionChange,
) -> ApiResult<StatusCode> {
    let permission = assignable_permission(permission)?;
    let acting = Acting::caller(call);
    match change {
        PermissionChange::Grant => grant_permission(&acting, &principal, permission).await?,
        PermissionChange::Revoke => revoke_permission(&acting, &principal, permission).await?,
    }
    Ok(StatusCode::NO_CONTENT)
}
