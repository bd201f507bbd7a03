//! The product's rules, which the store only carries out: what a new operator starts with, how
//! many API users and SCIM tokens there may be, which monitors count as production (below); and
//! the rules that span items: Administrators always keeps an enabled member, and at least one
//! enabled operator always effectively holds FinancialOperator and one TechnicalContact.
//!
//! Each rule has its own version on the account item (`hub_store::RuleVersion`). A change that
//! really takes something a rule protects away (an enabled administrator, a holder of the
//! permission) checks that enough remains and commits only if that rule's version has not moved
//! since it was read, moving it on: two such removals of one rule never both pass, and removals
//! that concern different rules, or none, never wait for each other. A removal whose principal
//! holds none of a protected permission takes nothing for it, and instead commits only if nothing
//! could have made it a holder meanwhile: the grant items it could hold the permission through
//! (its own, and for an operator those of the groups it was read in) must still be absent, and a
//! join moves the operator's `version`, which operator removals are conditioned on. (An operator
//! in very many groups watches the permission's grants version instead, which every grant to a
//! group moves.) See ARCHITECTURE.md, "Invariants".

use hub_store::records::{AccountRecord, MonitorRecord, OperatorRecord};
use hub_store::{AccountScope, GroupId, OperatorId, PageRequest, Principal, RuleVersion, RulesLock};

use crate::audit::Acting;
use crate::error::{ApiError, ApiResult, Conflict};
use crate::state::AppState;
use crate::values::{FullName, MonitorMode, Permission};

/// The caller's account; it exists for every authenticated caller unless it was removed. Here,
/// below provisioning and the operator and group operations, because every rule check starts by
/// reading it (the rule versions) and they all build on this module.
pub async fn load_account(state: &AppState, scope: &AccountScope) -> ApiResult<AccountRecord> {
    state.store.in_account(scope).account_record().await?.ok_or(ApiError::NotFound)
}

/// The permissions that must always keep a holder, with the conflict naming each.
pub const PROTECTED: [(Permission, Conflict); 2] = [
    (Permission::FinancialOperator, Conflict::LastFinancialOperator),
    (Permission::TechnicalContact, Conflict::LastTechnicalContact),
];

/// What a new operator holds, whoever creates it (`POST /operators`, SCIM, the benchmark's
/// bulk load): access to the account, nothing more.
pub const NEW_OPERATOR_PERMISSIONS: [Permission; 1] = [Permission::AccountAccess];

/// A new operator as every entry point creates one (`POST /operators`, SCIM, opening an account,
/// the benchmark's bulk load): Active (on duty), enabled, not an administrator (it joins only
/// Everyone), no optional setting, schedule, SCIM attribute or sign-in binding; version 1,
/// created and updated at `now`. Callers override what the request says otherwise with struct
/// update syntax.
pub fn new_operator(
    operator_id: OperatorId,
    email: impl Into<String>,
    full_name: FullName,
    now: &str,
) -> OperatorRecord {
    OperatorRecord {
        operator_id,
        email: email.into(),
        full_name,
        mobile_phone: None,
        backup_email: None,
        culture_name: None,
        time_zone: None,
        default_dashboard: None,
        is_on_duty: true,
        is_administrator: false,
        is_account_administrator: false,
        is_disabled: false,
        schedules: Vec::new(),
        external_id: None,
        scim: None,
        created_at: now.to_owned(),
        updated_at: now.to_owned(),
        version: 1,
        sign_in: None,
    }
}

/// The most API users one operator may own (one more is 400 on `operatorId`). The store's
/// operator delete and Administrators membership changes reach every API user of the operator in
/// one transaction, so this stays a few.
pub const MAX_API_USERS_PER_OPERATOR: usize = 10;

/// The most SCIM tokens an account may have (one more is 400 on `description`).
pub const MAX_SCIM_TOKENS_PER_ACCOUNT: usize = 10;

/// Whether the hub counts a monitor as production (`productionMonitors`): its mode is
/// `Production`. Every write that moves the count and the maintenance job's recount take it.
pub fn is_production_monitor(monitor: &MonitorRecord) -> bool {
    monitor.mode == MonitorMode::Production
}

/// A protected permission's versions: the one its holders' removals take, and the one its grants
/// move. `None` for a permission no rule protects.
pub fn rule_versions(permission: Permission) -> Option<(RuleVersion, RuleVersion)> {
    match permission {
        Permission::FinancialOperator => {
            Some((RuleVersion::FinancialOperatorHolders, RuleVersion::FinancialOperatorGrants))
        }
        Permission::TechnicalContact => {
            Some((RuleVersion::TechnicalContactHolders, RuleVersion::TechnicalContactGrants))
        }
        _ => None,
    }
}

/// The most groups of an operator whose grants a removal checks one by one (two conditions each
/// at most, within DynamoDB's 100 actions per transaction); beyond, it watches the grants
/// version instead.
const MAX_ABSENT_GROUPS: usize = 19;

/// A change that may take permissions away from operators.
#[derive(Debug, Clone)]
pub enum Removal<'a> {
    /// A delete or a disabling of the operator, as read (its `version` guards the write).
    Operator(&'a OperatorRecord),
    Group(&'a GroupId),
    Membership {
        group_id: &'a GroupId,
        operator_id: &'a OperatorId,
    },
    Grant {
        principal: &'a Principal,
        permission: Permission,
    },
}

/// One removal being checked, with the account item read before every other read of its checks
/// (the rule versions the checks compare with and the write holds).
struct RemovalCheck<'a> {
    state: &'a AppState,
    scope: &'a AccountScope,
    removal: &'a Removal<'a>,
    account: &'a AccountRecord,
}

impl RemovalCheck<'_> {
    /// A refusal, confirmed against the rule's version as read before the checks: when it moved,
    /// another removal committed in between and the decision is made again on fresh data (a
    /// refusal never comes from a mix of two states).
    async fn refuse(&self, version: RuleVersion, conflict: Conflict) -> ApiError {
        match load_account(self.state, self.scope).await {
            Ok(account) if version.of(&account) == version.of(self.account) => ApiError::Conflict(conflict),
            Ok(_) => ApiError::Retry,
            Err(e) => e,
        }
    }

    /// Refuses the removal with `last_financial_operator` / `last_technical_contact` when it
    /// would leave nobody effectively holding the permission; otherwise returns what the write
    /// must hold: the permission's holders version (taken) when the principal removed holds it;
    /// when it does not, the grants it could hold it through, which must still be absent (see
    /// the module's notes).
    async fn protected_holders(&self) -> ApiResult<RulesLock> {
        let Self { state, scope, removal, account } = *self;
        let mut lock = RulesLock::default();
        if let Removal::Operator(op) = removal
            && op.is_disabled
        {
            // A disabled operator holds nothing; re-enabling it moves its version.
            return Ok(lock);
        }
        let relevant: Vec<(Permission, Conflict)> = PROTECTED
            .into_iter()
            .filter(|(permission, _)| !matches!(removal, Removal::Grant { permission: p, .. } if p != permission))
            .collect();
        let permissions: Vec<Permission> = relevant.iter().map(|(p, _)| *p).collect();
        // An operator holds through its groups: read them with the holders.
        let (all, groups_of_operator) =
            tokio::try_join!(state.store.in_account(scope).holders_of(&permissions), async {
                match removal {
                    Removal::Operator(op) => state.store.in_account(scope).all_group_ids_of(&op.operator_id).await,
                    _ => Ok(Vec::new()),
                }
            })?;
        for ((permission, conflict), holders) in relevant.into_iter().zip(all) {
            let (holders_version, grants_version) = rule_versions(permission).expect("a protected permission");
            let holds = match removal {
                Removal::Grant { .. } => true,
                Removal::Operator(op) => {
                    holders.operators.contains(&op.operator_id)
                        || groups_of_operator.iter().any(|g| holders.groups.contains(g))
                }
                Removal::Group(id) | Removal::Membership { group_id: id, .. } => holders.groups.contains(*id),
            };
            if !holds {
                // Nothing is taken away: the write only needs the principal to still hold none of
                // it when it commits. The grants it could get it through must still be absent; an
                // operator's groups are those read (a join moves its version), or, past
                // `MAX_ABSENT_GROUPS`, the grants version (which every grant to a group moves).
                lock = match removal {
                    Removal::Operator(op) => {
                        let own = lock.grant_absent(Principal::Operator(op.operator_id.clone()), permission);
                        // A group whose delete is finishing can be granted nothing any more.
                        let groups: Vec<&GroupId> =
                            groups_of_operator.iter().filter(|g| !holders.pending_groups.contains(*g)).collect();
                        if groups.len() <= MAX_ABSENT_GROUPS {
                            groups.into_iter().fold(own, |l, g| l.grant_absent(Principal::Group(g.clone()), permission))
                        } else {
                            own.watch(grants_version, grants_version.of(account))
                        }
                    }
                    Removal::Group(id) | Removal::Membership { group_id: id, .. } => {
                        lock.grant_absent(Principal::Group((*id).clone()), permission)
                    }
                    Removal::Grant { .. } => lock,
                };
                continue;
            }
            if !self.someone_holds_after(&holders).await? {
                return Err(self.refuse(holders_version, conflict).await);
            }
            lock = lock.take(holders_version, holders_version.of(account));
        }
        Ok(lock)
    }

    async fn someone_holds_after(&self, holders: &hub_store::Holders) -> ApiResult<bool> {
        let Self { state, scope, removal, .. } = *self;
        let excluded_operator = match removal {
            Removal::Operator(op) => Some(&op.operator_id),
            _ => None,
        };
        let excluded_group = match removal {
            Removal::Group(id) => Some(*id),
            Removal::Grant { principal: Principal::Group(id), .. } => Some(id),
            _ => None,
        };
        let revoked_from = match removal {
            Removal::Grant { principal: Principal::Operator(id), .. } => Some(id),
            _ => None,
        };
        let operator_counts = |id: &OperatorId| {
            Some(id) != excluded_operator
                && !holders.pending_operators.contains(id)
                && !holders.disabled_operators.contains(id)
        };
        if holders.operators.iter().any(|id| operator_counts(id) && Some(id) != revoked_from) {
            return Ok(true);
        }
        for group_id in holders.groups.iter().filter(|g| Some(*g) != excluded_group) {
            let mut cursor: Option<String> = None;
            loop {
                let page = state
                    .store
                    .in_account(scope)
                    .member_ids(group_id, PageRequest { limit: 100, cursor: cursor.as_deref() })
                    .await?;
                let found = page.items.iter().any(|member| {
                    let membership_removed = matches!(removal, Removal::Membership { group_id: g, operator_id: o } if *g == group_id && *o == member);
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

    /// Refuses the removal with `last_administrator` when it would leave the Administrators
    /// group without an enabled member: disabled operators and operators whose delete is pending
    /// do not count. Only a removal of an enabled administrator (its delete or disabling) or of a
    /// membership of Administrators is checked, and it then takes the Administrators version; any
    /// other removal of an operator is guarded by the operator's `version`, which joining
    /// Administrators or being enabled moves, so it cannot become an enabled administrator unseen.
    async fn administrator_remains(&self) -> ApiResult<RulesLock> {
        let Self { state, scope, removal, account } = *self;
        let lock = RulesLock::default();
        let removed = match removal {
            Removal::Operator(op) if op.is_administrator && !op.is_disabled => &op.operator_id,
            Removal::Membership { group_id, operator_id } if *group_id == hub_store::ADMINISTRATORS_GROUP_ID => {
                *operator_id
            }
            _ => return Ok(lock),
        };
        let administrators = GroupId::administrators();
        let (members, disabled, pending) = tokio::try_join!(
            state.store.in_account(scope).all_member_ids(&administrators),
            state.store.in_account(scope).disabled_operator_ids(),
            state.store.in_account(scope).pending_deletes(),
        )?;
        let version = RuleVersion::Administrators;
        if !members.iter().any(|id| id == removed) {
            return Ok(lock);
        }
        let remains = members
            .iter()
            .any(|id| id != removed && !disabled.contains(id) && !pending.contains(&Principal::Operator(id.clone())));
        if remains {
            return Ok(lock.take(version, version.of(account)));
        }
        Err(self.refuse(version, Conflict::LastAdministrator).await)
    }
}

/// Every rule a removal must keep: an enabled administrator, and a holder of each protected
/// permission (both checked at once). Returns the rule versions its write must hold; `account`
/// is the account item read before the other reads of the change.
pub async fn check_removal(
    state: &AppState,
    scope: &AccountScope,
    removal: &Removal<'_>,
    account: &AccountRecord,
) -> ApiResult<RulesLock> {
    let check = RemovalCheck { state, scope, removal, account };
    let (administrators, holders) = tokio::join!(check.administrator_remains(), check.protected_holders());
    // The administrator rule answers first when both refuse, whichever finished first.
    Ok(administrators?.and(holders?))
}

/// The operator's or group's name (for the audit event), or 404 unless it exists in the account.
async fn principal_exists(state: &AppState, scope: &AccountScope, principal: &Principal) -> ApiResult<String> {
    let name = match principal {
        Principal::Operator(id) => state.store.in_account(scope).operator(id).await?.map(|o| o.full_name.into_string()),
        Principal::Group(id) => state.store.in_account(scope).group(id).await?.map(|g| g.description.into_string()),
    };
    name.ok_or(ApiError::NotFound)
}

/// The event of a grant or a revoke: on the operator or group, the permission as the change.
fn permission_event(
    audit: &hub_store::AuditContext,
    principal: &Principal,
    name: &str,
    permission: Permission,
    granted: bool,
) -> hub_store::Audit {
    let (kind, id, verb) = match (principal, granted) {
        (Principal::Operator(id), true) => ("Operator", id.as_str(), "operator.permissionGranted"),
        (Principal::Operator(id), false) => ("Operator", id.as_str(), "operator.permissionRevoked"),
        (Principal::Group(id), true) => ("Group", id.as_str(), "group.permissionGranted"),
        (Principal::Group(id), false) => ("Group", id.as_str(), "group.permissionRevoked"),
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
pub async fn grant_permission(acting: &Acting<'_>, principal: &Principal, permission: Permission) -> ApiResult<()> {
    let Acting { state, scope, audit, .. } = acting;
    let name = principal_exists(state, scope, principal).await?;
    let event = permission_event(audit, principal, &name, permission, true);
    // A grant of a protected permission to a group moves its grants version (see the module's
    // notes); a grant to an operator is seen through its grant item.
    let moves = match principal {
        Principal::Group(_) => rule_versions(permission).map(|(_, grants)| grants),
        Principal::Operator(_) => None,
    };
    state.store.in_account(scope).grant(principal, permission, moves, &event).await?;
    Ok(())
}

/// Revokes a system-wide permission (idempotent), refusing to take the last FinancialOperator or
/// TechnicalContact away; retried when another removal of the same permission's holders wins
/// the race. Other permissions are revoked without a rule version, so they never queue on the
/// account item.
pub async fn revoke_permission(acting: &Acting<'_>, principal: &Principal, permission: Permission) -> ApiResult<()> {
    let Acting { state, scope, audit, .. } = acting;
    if !PROTECTED.iter().any(|(p, _)| *p == permission) {
        let name = principal_exists(state, scope, principal).await?;
        let event = permission_event(audit, principal, &name, permission, false);
        state.store.in_account(scope).revoke(principal, permission, &RulesLock::default(), &event).await?;
        return Ok(());
    }
    crate::retry::retrying(|| async {
        // The rule versions are read before the state the checks look at.
        let account = load_account(state, scope).await?;
        let name = principal_exists(state, scope, principal).await?;
        let removal = Removal::Grant { principal, permission };
        let lock = RemovalCheck { state, scope, removal: &removal, account: &account }.protected_holders().await?;
        let event = permission_event(audit, principal, &name, permission, false);
        state.store.in_account(scope).revoke(principal, permission, &lock, &event).await?;
        Ok(())
    })
    .await
}

/// The answer to a delete of an operator or a group that is not there: if its delete died half-way
/// (its pending marker is left), the retry finishes it; otherwise `NotFound`.
pub async fn finish_pending_delete(state: &AppState, scope: &AccountScope, principal: Principal) -> ApiResult<()> {
    if state.store.in_account(scope).finish_delete_if_pending(&principal).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_production_monitors_count_as_production() {
        let monitor = |mode: &MonitorMode| MonitorRecord {
            monitor_id: "m".into(),
            name: crate::values::MonitorName::parse("M").unwrap(),
            mode: *mode,
            is_active: true,
            created_at: "t".into(),
            updated_at: "t".into(),
            version: 1,
        };
        let counted: Vec<_> = MonitorMode::ALL.iter().filter(|mode| is_production_monitor(&monitor(mode))).collect();
        assert_eq!(counted, [&MonitorMode::Production]);
    }
}
