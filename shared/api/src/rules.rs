//! Rules that span items: at least one operator always effectively holds FinancialOperator and
//! one TechnicalContact. A change that removes a holder reads the account's `rulesVersion` first,
//! checks here, and commits only if `rulesVersion` has not moved (the store's rules lock); so two
//! concurrent removals can never both pass.

use hub_store::{AccountScope, PageRequest, Principal};

use crate::error::{ApiResult, ApiError, Conflict};
use crate::state::AppState;
use crate::values::Permission;

/// The permissions that must always keep a holder, with the conflict naming each.
pub const PROTECTED: [(Permission, Conflict); 2] = [
    (Permission::FinancialOperator, Conflict::LastFinancialOperator),
    (Permission::TechnicalContact, Conflict::LastTechnicalContact),
];

/// A change that may take permissions away from operators.
#[derive(Debug, Clone)]
pub enum Removal<'a> {
    Operator(&'a str),
    Group(&'a str),
    Membership { group_id: &'a str, operator_id: &'a str },
    Grant { principal: &'a Principal, permission: Permission },
}

/// Refuses `removal` with `last_financial_operator` / `last_technical_contact` when it would
/// leave nobody effectively holding the permission. `seen_rules_version` is the account's
/// `rulesVersion` the caller read before its other checks: a refusal is confirmed against it, so
/// that it never comes from a mix of two states (another removal committed in between means
/// deciding again on fresh data).
pub async fn check_protected_holders(state: &AppState, scope: &AccountScope, removal: &Removal<'_>, seen_rules_version: i64) -> ApiResult<()> {
    let relevant: Vec<(Permission, Conflict)> = PROTECTED
        .into_iter()
        .filter(|(permission, _)| !matches!(removal, Removal::Grant { permission: p, .. } if p != permission))
        .collect();
    let names: Vec<&str> = relevant.iter().map(|(p, _)| p.as_str()).collect();
    let all = state.store.holders_of(scope, &names).await?;
    for ((_, conflict), holders) in relevant.into_iter().zip(all) {
        if !someone_holds_after(state, scope, &holders, removal).await? {
            let account = crate::provisioning::load_account(state, scope).await?;
            return Err(if account.rules_version == seen_rules_version { ApiError::Conflict(conflict) } else { ApiError::Retry });
        }
    }
    Ok(())
}

async fn someone_holds_after(state: &AppState, scope: &AccountScope, holders: &hub_store::Holders, removal: &Removal<'_>) -> ApiResult<bool> {
    let excluded_operator = match removal {
        Removal::Operator(id) => Some(*id),
        _ => None,
    };
    let excluded_group = match removal {
        Removal::Group(id) => Some(*id),
        Removal::Grant { principal: Principal::Group(id), .. } => Some(id.as_str()),
        _ => None,
    };
    let revoked_from = match removal {
        Removal::Grant { principal: Principal::Operator(id), .. } => Some(id.as_str()),
        _ => None,
    };
    let operator_counts =
        |id: &str| Some(id) != excluded_operator && !holders.pending_operators.contains(id) && !holders.disabled_operators.contains(id);
    if holders.operators.iter().any(|id| operator_counts(id) && Some(id.as_str()) != revoked_from) {
        return Ok(true);
    }
    for group_id in holders.groups.iter().filter(|g| Some(g.as_str()) != excluded_group) {
        let mut cursor: Option<String> = None;
        loop {
            let page = state.store.member_ids(scope, group_id, PageRequest { limit: 100, cursor: cursor.as_deref() }).await?;
            let found = page.items.iter().any(|member| {
                let membership_removed = matches!(removal, Removal::Membership { group_id: g, operator_id: o } if g == group_id && o == member);
                operator_counts(member) && !membership_removed
            });
            if found {
                return Ok(true);
            }
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
    }
    Ok(false)
}

/// Refuses `removal` with `last_administrator` when it would leave the Administrators group
/// without an enabled member: disabled operators and operators whose delete is pending do not
/// count. Like [`check_protected_holders`], every administrator-reducing change (membership
/// removal, operator delete, disabling) checks this after reading `rulesVersion` and commits
/// under the rules lock, so two of them never both pass; a refusal is confirmed against
/// `seen_rules_version`.
pub async fn check_administrator_remains(state: &AppState, scope: &AccountScope, removal: &Removal<'_>, seen_rules_version: i64) -> ApiResult<()> {
    let removed = match removal {
        Removal::Operator(id) => *id,
        Removal::Membership { group_id, operator_id } if *group_id == hub_store::ADMINISTRATORS_GROUP_ID => *operator_id,
        _ => return Ok(()),
    };
    let (members, disabled, pending) = tokio::try_join!(
        state.store.all_member_ids(scope, hub_store::ADMINISTRATORS_GROUP_ID),
        state.store.disabled_operator_ids(scope),
        state.store.pending_deletes(scope),
    )?;
    if !members.iter().any(|id| id == removed) {
        return Ok(());
    }
    let remains = members.iter().any(|id| {
        id != removed && !disabled.contains(id) && !pending.contains(&Principal::Operator(id.clone()))
    });
    if remains {
        return Ok(());
    }
    let account = crate::provisioning::load_account(state, scope).await?;
    Err(if account.rules_version == seen_rules_version { ApiError::Conflict(Conflict::LastAdministrator) } else { ApiError::Retry })
}

/// Every rule a removal must keep: an enabled administrator, and a holder of each protected
/// permission.
pub async fn check_removal(state: &AppState, scope: &AccountScope, removal: &Removal<'_>, seen_rules_version: i64) -> ApiResult<()> {
    check_administrator_remains(state, scope, removal, seen_rules_version).await?;
    check_protected_holders(state, scope, removal, seen_rules_version).await
}

/// The operator's or group's name (for the audit event), or 404 unless it exists in the account.
async fn principal_exists(state: &AppState, scope: &AccountScope, principal: &Principal) -> ApiResult<String> {
    let name = match principal {
        Principal::Operator(id) => state.store.operator(scope, id).await?.map(|o| o.full_name),
        Principal::Group(id) => state.store.group(scope, id).await?.map(|g| g.description),
    };
    name.ok_or(ApiError::NotFound)
}

/// The event of a grant or a revoke: on the operator or group, the permission as the change.
fn permission_event(audit: &hub_store::AuditContext, principal: &Principal, name: &str, permission: Permission, granted: bool) -> hub_store::Audit {
    let (kind, id, verb) = match (principal, granted) {
        (Principal::Operator(id), true) => ("Operator", id, "operator.permissionGranted"),
        (Principal::Operator(id), false) => ("Operator", id, "operator.permissionRevoked"),
        (Principal::Group(id), true) => ("Group", id, "group.permissionGranted"),
        (Principal::Group(id), false) => ("Group", id, "group.permissionRevoked"),
    };
    let change = if granted {
        crate::audit::change("permission", serde_json::Value::Null, permission.as_str())
    } else {
        crate::audit::change("permission", permission.as_str(), serde_json::Value::Null)
    };
    crate::audit::event(audit, verb, (kind, id, Some(name)), vec![change])
}

/// Grants a system-wide permission to an operator or a group (idempotent; the store checks in the
/// same transaction that the principal still exists).
pub async fn grant_permission(state: &AppState, scope: &AccountScope, audit: &hub_store::AuditContext, principal: &Principal, permission: Permission) -> ApiResult<()> {
    let name = principal_exists(state, scope, principal).await?;
    let event = permission_event(audit, principal, &name, permission, true);
    state.store.grant(scope, principal, permission.as_str(), &event).await?;
    Ok(())
}

/// Revokes a system-wide permission (idempotent), refusing to take the last FinancialOperator or
/// TechnicalContact away; retried when another holder-removing change wins the race. Other
/// permissions are revoked without the rules lock, so they never queue on the account item.
pub async fn revoke_permission(state: &AppState, scope: &AccountScope, audit: &hub_store::AuditContext, principal: &Principal, permission: Permission) -> ApiResult<()> {
    if !PROTECTED.iter().any(|(p, _)| *p == permission) {
        let name = principal_exists(state, scope, principal).await?;
        let event = permission_event(audit, principal, &name, permission, false);
        state.store.revoke(scope, principal, permission.as_str(), None, &event).await?;
        return Ok(());
    }
    crate::retry::retrying(|| async {
        // The rules version is read before the state the checks look at.
        let account = crate::provisioning::load_account(state, scope).await?;
        let name = principal_exists(state, scope, principal).await?;
        check_protected_holders(state, scope, &Removal::Grant { principal, permission }, account.rules_version).await?;
        let event = permission_event(audit, principal, &name, permission, false);
        state.store.revoke(scope, principal, permission.as_str(), Some(account.rules_version), &event).await?;
        Ok(())
    })
    .await
}

/// Every permission name, for the store's per-principal grant reads and delete cascades.
pub fn permission_names() -> Vec<&'static str> {
    Permission::ALL.iter().map(|p| p.as_str()).collect()
}

/// Parses a permission from a path: unknown names are `validation_failed`; `Administrator`
/// cannot be granted or revoked directly.
pub fn assignable_permission(name: &str) -> ApiResult<Permission> {
    let permission = Permission::parse(name).map_err(|m| ApiError::field("permission", m))?;
    if permission == Permission::Administrator {
        return Err(ApiError::Conflict(Conflict::PermissionNotAssignable));
    }
    Ok(permission)
}

/// Sorts permission names in the canonical order of [`Permission::ALL`].
pub fn sort_permissions(names: &mut Vec<String>) {
    names.sort_by_key(|n| Permission::ALL.iter().position(|p| p.as_str() == n));
    names.dedup();
}
