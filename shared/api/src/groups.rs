//! Changes to groups and memberships that more than one entry point makes (the hub API and
//! SCIM). The rules live here once: system groups are immutable in name (and Everyone in
//! membership), and every removal is checked against the account's rule versions (an enabled
//! administrator and the protected permissions' holders remain) and committed holding what the
//! checks found (`hub_store::RulesLock`).

use hub_store::records::GroupRecord;
use hub_store::{
    ADMINISTRATORS_GROUP_ID, AccountScope, AuditContext, EVERYONE_GROUP_ID, GroupId, Guard, OperatorId, Principal,
    StoreError,
};

use crate::audit::{Acting, Targeted};
use crate::error::{ApiError, ApiResult, Conflict};
use crate::extract::IfMatch;
use crate::retry::retrying;
use crate::rules::{Removal, check_removal, finish_pending_delete, load_account};
use crate::state::AppState;

/// Everyone and Administrators: their names and (for Everyone) memberships are fixed.
pub fn is_system_group(group_id: &str) -> bool {
    group_id == EVERYONE_GROUP_ID || group_id == ADMINISTRATORS_GROUP_ID
}

/// The group, or 404.
pub async fn load(state: &AppState, scope: &AccountScope, id: &GroupId) -> ApiResult<GroupRecord> {
    state.store.in_account(scope).group(id).await?.ok_or(ApiError::NotFound)
}

/// Reads the group, applies `apply` and writes the result guarded by the version read (its name
/// and `externalId` are what may change), retrying on fresh data; system groups keep their names.
pub async fn change<F>(acting: &Acting<'_>, id: &GroupId, if_match: IfMatch, apply: F) -> ApiResult<GroupRecord>
where
    F: Fn(&GroupRecord) -> ApiResult<GroupRecord>,
{
    let Acting { state, scope, audit, .. } = acting;
    retrying(|| async {
        let current = load(state, scope, id).await?;
        if_match.check(current.version)?;
        let mut next = apply(&current)?;
        // Nothing the group shows changes: no write, no event.
        let changes = crate::audit::updated(&current, &next);
        if changes.is_empty() {
            return Ok(current);
        }
        if next.description != current.description && is_system_group(id) {
            return Err(ApiError::Conflict(Conflict::SystemGroupImmutable));
        }
        next.version = current.version + 1;
        next.updated_at = state.clock.now_rfc3339();
        let event = crate::audit::event(audit, "group.updated", next.audit_target(), changes);
        state.store.in_account(scope).update_group(&current, &next, &event).await?;
        Ok(next)
    })
    .await
}

/// Deletes a group with its memberships, grants and monitor authorizations, unless it is a
/// system group or the last holder of a protected permission goes with it.
pub async fn delete(acting: &Acting<'_>, id: &GroupId, if_match: IfMatch) -> ApiResult<()> {
    if is_system_group(id) {
        return Err(ApiError::Conflict(Conflict::SystemGroupImmutable));
    }
    let Acting { state, scope, audit, .. } = acting;
    retrying(|| async {
        // The rule versions are read before the state the checks look at.
        let account = load_account(state, scope).await?;
        let Some(group) = state.store.in_account(scope).group(id).await? else {
            return finish_pending_delete(state, scope, Principal::Group(id.clone())).await;
        };
        if_match.check(group.version)?;
        let rules = check_removal(state, scope, &Removal::Group(&group.group_id), &account).await?;
        let event = crate::audit::event(audit, "group.deleted", group.audit_target(), crate::audit::deleted(&group));
        state.store.in_account(scope).delete_group(&group, &rules, &event).await?;
        Ok(())
    })
    .await
}

async fn require_operator(state: &AppState, scope: &AccountScope, operator_id: &OperatorId) -> ApiResult<()> {
    state.store.in_account(scope).operator(operator_id).await?.map(|_| ()).ok_or(ApiError::NotFound)
}

/// Everyone's members are every operator: no request adds or removes one.
fn refuse_everyone(group_id: &GroupId) -> ApiResult<()> {
    if group_id == EVERYONE_GROUP_ID { Err(ApiError::Conflict(Conflict::SystemGroupImmutable)) } else { Ok(()) }
}

/// The event of a membership change, on the group.
fn member_event(audit: &AuditContext, group: &GroupRecord, operator_id: &OperatorId, added: bool) -> hub_store::Audit {
    let (action, change) = if added {
        ("group.memberAdded", crate::audit::change("member", serde_json::Value::Null, operator_id))
    } else {
        ("group.memberRemoved", crate::audit::change("member", operator_id, serde_json::Value::Null))
    };
    crate::audit::event(audit, action, group.audit_target(), vec![change])
}

/// Adds an operator to a group (idempotent). Everyone's membership is fixed. `Ok(true)` when it
/// was added, `Ok(false)` when it already was a member.
pub async fn add_member(acting: &Acting<'_>, group_id: &GroupId, operator_id: &OperatorId) -> ApiResult<bool> {
    refuse_everyone(group_id)?;
    let Acting { state, scope, audit, .. } = acting;
    require_operator(state, scope, operator_id).await?;
    retrying(|| async {
        let group = load(state, scope, group_id).await?;
        if state.store.in_account(scope).is_member(group_id, operator_id).await? {
            return Ok(false);
        }
        match state
            .store
            .in_account(scope)
            .add_member(&group, operator_id, &member_event(audit, &group, operator_id, true))
            .await
        {
            Ok(()) => Ok(true),
            // A concurrent request added it first: read again, and find it there.
            Err(StoreError::Guard(Guard::AlreadyExists)) => Err(ApiError::Retry),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// Adds several operators to a group (idempotent for those already members), a batch of
/// `hub_store::MAX_MEMBERS_PER_ADD` per transaction, as an identity provider pushes a group.
/// `NotFound` when the group or one of the operators does not exist (nothing of that batch is
/// added).
pub async fn add_members(acting: &Acting<'_>, group_id: &GroupId, operator_ids: &[OperatorId]) -> ApiResult<()> {
    let Acting { state, scope, audit, .. } = acting;
    if group_id == EVERYONE_GROUP_ID {
        // Everyone has every operator: only a request naming a non-member changes something.
        let present = state.store.in_account(scope).members_among(group_id, operator_ids).await?;
        return if operator_ids.iter().all(|id| present.contains(id)) {
            Ok(())
        } else {
            Err(ApiError::Conflict(Conflict::SystemGroupImmutable))
        };
    }
    if group_id == ADMINISTRATORS_GROUP_ID {
        for id in operator_ids {
            add_member(acting, group_id, id).await?;
        }
        return Ok(());
    }
    // The group as the last batch left it: the next batch starts from it rather than reading it
    // again. An attempt that fails takes it away, so a retry reads the group afresh.
    let known: std::sync::Mutex<Option<GroupRecord>> = std::sync::Mutex::new(None);
    let take_known = || known.lock().map(|mut g| g.take()).unwrap_or(None);
    for chunk in operator_ids.chunks(hub_store::MAX_MEMBERS_PER_ADD) {
        retrying(|| async {
            let group = match take_known() {
                Some(group) => group,
                None => load(state, scope, group_id).await?,
            };
            let present = state.store.in_account(scope).members_among(group_id, chunk).await?;
            let mut missing: Vec<OperatorId> = chunk.iter().filter(|id| !present.contains(*id)).cloned().collect();
            missing.sort();
            missing.dedup();
            // One event for the batch, a change per member added.
            let changes =
                missing.iter().map(|id| crate::audit::change("member", serde_json::Value::Null, id)).collect();
            let event = crate::audit::event(audit, "group.memberAdded", group.audit_target(), changes);
            match state.store.in_account(scope).add_members(&group, &missing, &event).await {
                Ok(after) => {
                    if let Ok(mut slot) = known.lock() {
                        *slot = Some(after);
                    }
                    Ok(())
                }
                // A concurrent request added one of them first: read again.
                Err(StoreError::Guard(Guard::AlreadyExists)) => Err(ApiError::Retry),
                Err(e) => Err(e.into()),
            }
        })
        .await?;
    }
    Ok(())
}

/// Removes an operator from a group (idempotent), refusing Everyone, the last enabled
/// administrator and the last holders of the protected permissions. `Ok(false)` when it was not
/// a member.
pub async fn remove_member(acting: &Acting<'_>, group_id: &GroupId, operator_id: &OperatorId) -> ApiResult<bool> {
    refuse_everyone(group_id)?;
    let Acting { state, scope, audit, .. } = acting;
    retrying(|| async {
        // The rule versions are read before the state the checks look at.
        let account = load_account(state, scope).await?;
        let (group, ()) = tokio::try_join!(load(state, scope, group_id), require_operator(state, scope, operator_id))?;
        if !state.store.in_account(scope).is_member(group_id, operator_id).await? {
            return Ok(false);
        }
        // The last enabled administrator is kept by `check_removal` (and the store's guard on
        // Administrators' member count): the rule lives there, once.
        let rules = check_removal(state, scope, &Removal::Membership { group_id, operator_id }, &account).await?;
        state
            .store
            .in_account(scope)
            .remove_member(&group, operator_id, &rules, &member_event(audit, &group, operator_id, false))
            .await?;
        Ok(true)
    })
    .await
}
