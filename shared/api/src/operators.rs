//! Changes to operators that more than one entry point makes (the hub API and SCIM): an update
//! that may disable or re-enable the operator, and the delete. The rules live here once: whatever
//! the route, disabling and deleting are checked against the account's rule versions and
//! committed holding what the checks found (`hub_store::RulesLock`).

use hub_store::records::{AccountRecord, OperatorRecord};
use hub_store::{AccountScope, OperatorId, Principal};

use crate::audit::{Acting, Targeted};
use crate::error::{ApiError, ApiResult, Conflict};
use crate::extract::IfMatch;
use crate::retry::retrying;
use crate::rules::{Removal, check_removal, finish_pending_delete, load_account};
use crate::state::AppState;

/// The operator, or 404.
pub async fn load(state: &AppState, scope: &AccountScope, id: &OperatorId) -> ApiResult<OperatorRecord> {
    state.store.in_account(scope).operator(id).await?.ok_or(ApiError::NotFound)
}

/// The rules an operator's delete or disabling must keep, and the rule versions its write must
/// hold. The write is guarded by the operator's version, which moves when it joins a group
/// (Administrators included) or is enabled: an operator read as no administrator, or as holding
/// no protected permission, cannot become one unseen.
async fn check_operator_removal(
    state: &AppState,
    scope: &AccountScope,
    op: &OperatorRecord,
    account: &AccountRecord,
) -> ApiResult<hub_store::RulesLock> {
    check_removal(state, scope, &Removal::Operator(op), account).await
}

/// Reads the operator, applies `apply` to it and writes the result guarded by the version read,
/// retrying on fresh data when another change wins. `actor` is the operator making the change
/// (`acting.actor`; none for SCIM), which may not disable itself. Disabling is refused for the account
/// administrator and when it would leave no enabled administrator or no holder of a protected
/// permission; enabling is refused when the operators in use have reached the limit
/// (`operator_limit_reached`). Returns the operator as written (or as read when nothing changed)
/// and the account as read for the change, whose time zone renders the operator: the caller need
/// not read it again.
pub async fn update<F>(
    acting: &Acting<'_>,
    id: &OperatorId,
    if_match: IfMatch,
    apply: F,
) -> ApiResult<(OperatorRecord, AccountRecord)>
where
    F: Fn(&OperatorRecord) -> ApiResult<OperatorRecord>,
{
    let Acting { state, scope, audit, actor } = acting;
    retrying(|| async {
        // The rule versions are read before the state the checks look at.
        let account = load_account(state, scope).await?;
        let current = load(state, scope, id).await?;
        if_match.check(current.version)?;
        let mut next = apply(&current)?;
        // A change that changes no field the resource shows (the same values again, a SCIM
        // representation read back unchanged) is a no-op: no write, no event.
        let changes = crate::audit::updated(&current, &next);
        if changes.is_empty() {
            return Ok((current, account));
        }
        let disabling = next.is_disabled && !current.is_disabled;
        if disabling {
            if actor.as_ref() == Some(&current.operator_id) {
                return Err(ApiError::Conflict(Conflict::CannotDisableSelf));
            }
            if current.is_account_administrator {
                return Err(ApiError::Conflict(Conflict::CannotDisableAccountAdministrator));
            }
        }
        let rules =
            if disabling { Some(check_operator_removal(state, scope, &current, &account).await?) } else { None };
        next.version = current.version + 1;
        next.updated_at = state.clock.now_rfc3339();
        let action = match (disabling, current.is_disabled && !next.is_disabled) {
            (true, _) => "operator.disabled",
            (_, true) => "operator.enabled",
            _ => "operator.updated",
        };
        let event = crate::audit::event(audit, action, next.audit_target(), changes);
        state.store.in_account(scope).update_operator_with_rules(&current, &next, None, rules.as_ref(), &event).await?;
        Ok((next, account))
    })
    .await
}

/// Deletes an operator with everything hanging off it. The actor (none for SCIM) may not delete
/// itself; the account administrator, the last enabled administrator and the last holders of
/// the protected permissions cannot be deleted. A delete that died half-way is finished by its
/// retry.
pub async fn delete(acting: &Acting<'_>, id: &OperatorId, if_match: IfMatch) -> ApiResult<()> {
    let Acting { state, scope, audit, actor } = acting;
    retrying(|| async {
        let Some(op) = state.store.in_account(scope).operator(id).await? else {
            return finish_pending_delete(state, scope, Principal::Operator(id.clone())).await;
        };
        if_match.check(op.version)?;
        if actor.as_ref() == Some(&op.operator_id) {
            return Err(ApiError::Conflict(Conflict::CannotDeleteSelf));
        }
        if op.is_account_administrator {
            return Err(ApiError::Conflict(Conflict::CannotDeleteAccountAdministrator));
        }
        // The rule versions are read before the state the checks look at.
        let account = load_account(state, scope).await?;
        let rules = check_operator_removal(state, scope, &op, &account).await?;
        let event = crate::audit::event(audit, "operator.deleted", op.audit_target(), crate::audit::deleted(&op));
        state.store.in_account(scope).delete_operator(&op, &rules, &event).await?;
        Ok(())
    })
    .await
}
