//! System-wide permissions granted to operators and groups.

use crate::Audit;
use std::collections::BTreeSet;

use crate::db::{AccountStore, Condition};
use crate::error::{Guard, StoreError};
use crate::ids::{GroupId, OperatorId};
use crate::items::put_grant_item;
use crate::keys::Principal;
use crate::values::Permission;
use crate::writes::{AccountChange, RuleVersion, RulesLock};

/// Who holds a permission, directly or through a group, as read at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holders {
    pub operators: BTreeSet<OperatorId>,
    pub groups: BTreeSet<GroupId>,
    /// Operators whose delete is still finishing: their memberships do not count.
    pub pending_operators: BTreeSet<OperatorId>,
    /// Groups whose delete is still finishing: they hold nothing, and can be granted nothing.
    pub pending_groups: BTreeSet<GroupId>,
    /// Disabled operators: they hold nothing for the rules, directly or through groups.
    pub disabled_operators: BTreeSet<OperatorId>,
}

impl AccountStore<'_> {
    /// The permissions the principal holds directly, in canonical order (one batched read of
    /// every permission's grant item).
    pub async fn grants_of(self, principal: &Principal) -> Result<Vec<Permission>, StoreError> {
        let keys = Permission::ALL.iter().map(|p| self.scope.grant(*p, principal)).collect();
        let names: Vec<String> = self.ids_at(keys, "permission").await?;
        // Every item read is one of the keys asked for, so its name is one of theirs.
        Ok(Permission::ALL.into_iter().filter(|p| names.iter().any(|n| n == p.as_str())).collect())
    }

    /// Grants a permission; `Ok(false)` when it was already held (the whole transaction, its
    /// audit event with it, is then cancelled). The principal must exist. `moves` is the grants
    /// version of a protected permission, moved in the same transaction (an operator removal that
    /// watches it then starts again).
    pub async fn grant(
        self,
        principal: &Principal,
        permission: Permission,
        moves: Option<RuleVersion>,
        audit: &Audit,
    ) -> Result<bool, StoreError> {
        let mut tx = self.tx();
        put_grant_item(&mut tx, self.scope, principal, permission);
        audit.apply(&mut tx, self.scope)?;
        tx.check(&self.scope.principal(principal), Condition::exists(Guard::ParentMissing));
        if let Some(version) = moves {
            AccountChange::default().move_rule_version(version).apply(&mut tx, self.scope);
        }
        self.commit_unless(tx, Guard::AlreadyExists).await
    }

    /// Revokes a permission; `Ok(false)` when it was not held. For a permission the rules protect,
    /// the caller has checked them and the revoke commits under `rules` (the permission's holders
    /// version); other permissions (an empty lock) are revoked without touching the account item.
    pub async fn revoke(
        self,
        principal: &Principal,
        permission: Permission,
        rules: &RulesLock,
        audit: &Audit,
    ) -> Result<bool, StoreError> {
        let mut tx = self.audited_tx(audit)?;
        tx.delete(&self.scope.grant(permission, principal), Condition::exists(Guard::AlreadyExists));
        AccountChange::default().rules_lock(rules).apply(&mut tx, self.scope);
        self.commit_unless(tx, Guard::AlreadyExists).await
    }

    /// Everyone holding `permission`: direct holders and the groups granted it (strongly
    /// consistent reads). Operators and groups whose delete is pending are left out; disabled operators
    /// are listed in `disabled_operators` for the caller to leave out (they may also hold through
    /// groups).
    pub async fn holders(self, permission: Permission) -> Result<Holders, StoreError> {
        Ok(self.holders_of(&[permission]).await?.remove(0))
    }

    /// [`AccountStore::holders`] of several permissions, in their order, read at once: the pending
    /// deletes and the disabled operators are read once for all of them.
    pub async fn holders_of(self, permissions: &[Permission]) -> Result<Vec<Holders>, StoreError> {
        let prefixes: Vec<String> = permissions.iter().map(|p| self.scope.grants_of_permission_prefix(*p)).collect();
        let (grants, pending, disabled) = tokio::try_join!(
            futures::future::try_join_all(prefixes.iter().map(|prefix| self.query_all(prefix))),
            self.pending_deletes(),
            self.disabled_operator_ids()
        )?;
        let (mut pending_operators, mut pending_groups) = (BTreeSet::new(), BTreeSet::new());
        for principal in &pending {
            match principal {
                Principal::Operator(id) => pending_operators.insert(id.clone()),
                Principal::Group(id) => pending_groups.insert(id.clone()),
            };
        }
        let mut all = Vec::with_capacity(permissions.len());
        for (prefix, items) in prefixes.iter().zip(grants) {
            let mut holders = Holders {
                disabled_operators: disabled.clone(),
                pending_operators: pending_operators.clone(),
                pending_groups: pending_groups.clone(),
                ..Holders::default()
            };
            for item in items {
                let Some(sk) = item.get(crate::keys::SK).and_then(|v| v.as_s().ok()) else { continue };
                match sk.strip_prefix(prefix.as_str()).and_then(Principal::parse_key_part) {
                    Some(p) if pending.contains(&p) => {}
                    Some(Principal::Operator(id)) => {
                        holders.operators.insert(id);
                    }
                    Some(Principal::Group(id)) => {
                        holders.groups.insert(id);
                    }
                    None => {}
                }
            }
            all.push(holders);
        }
        Ok(all)
    }
}
