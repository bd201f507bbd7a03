//! Deletes that span more items than one transaction can hold: the first transaction removes
//! the operator or group and leaves a pending marker; these idempotent steps remove what hung off
//! it, and run again from a retried delete or the maintenance job after a crash.

use std::collections::HashMap;

use crate::db::{AccountStore, Condition, n};
use crate::error::{Guard, StoreError};
use crate::ids::{GroupId, OperatorId};
use crate::items::{delete_membership_items, member_count_guard};
use crate::keys::{Key, Principal};
use crate::records::GroupRecord;
use crate::writes::{AccountChange, Counter};

/// Memberships removed per transaction: two deletes and one group update each, plus the account.
const MEMBERSHIPS_PER_TX: usize = 30;
/// Plain deletes per transaction.
const DELETES_PER_TX: usize = 90;
const MAX_ATTEMPTS: usize = 20;

impl AccountStore<'_> {
    /// Operators and groups whose delete has not finished.
    pub async fn pending_deletes(self) -> Result<Vec<Principal>, StoreError> {
        let items = self.query_all(self.scope.pending_delete_prefix()).await?;
        Ok(items
            .iter()
            .filter_map(|i| {
                let id = i.get("id")?.as_s().ok()?.clone();
                match i.get("kind")?.as_s().ok()?.as_str() {
                    "operator" => Some(Principal::Operator(OperatorId::new(id))),
                    "group" => Some(Principal::Group(GroupId::new(id))),
                    _ => None,
                }
            })
            .collect())
    }

    /// Finishes every pending delete of the account; returns how many it finished.
    pub async fn finish_pending_deletes(self) -> Result<usize, StoreError> {
        let pending = self.pending_deletes().await?;
        self.finish_each(&pending, |principal| self.finish_delete(principal)).await
    }

    /// Finishes the delete of `principal` if one is pending; `Ok(false)` when there is none.
    pub async fn finish_delete_if_pending(self, principal: &Principal) -> Result<bool, StoreError> {
        self.finish_if_marked(&self.scope.pending_delete(principal), self.finish_delete(principal)).await
    }

    /// Runs `finish` (a delete's remaining steps, which end by removing `marker`) only if the
    /// pending marker `marker` exists: `Ok(false)` when it does not. `finish` is a future, so
    /// nothing of it runs before the marker is found.
    pub(crate) async fn finish_if_marked(
        self,
        marker: &Key,
        finish: impl Future<Output = Result<(), StoreError>>,
    ) -> Result<bool, StoreError> {
        if self.get(marker).await?.is_none() {
            return Ok(false);
        }
        finish.await?;
        Ok(true)
    }

    /// Finishes the deletes `pending` one after the other (`finish` finishes one), stopping at the
    /// first error; returns how many it finished.
    pub(crate) async fn finish_each<'a, T, F>(
        self,
        pending: &'a [T],
        finish: impl Fn(&'a T) -> F,
    ) -> Result<usize, StoreError>
    where
        F: Future<Output = Result<(), StoreError>>,
    {
        for one in pending {
            finish(one).await?;
        }
        Ok(pending.len())
    }

    /// Removes everything that hung off a deleted operator or group (idempotent), then its
    /// pending marker.
    pub async fn finish_delete(self, principal: &Principal) -> Result<(), StoreError> {
        match principal {
            Principal::Operator(id) => self.remove_operator_memberships(id).await?,
            Principal::Group(id) => {
                let members = self.all_member_ids(id).await?;
                let keys: Vec<_> =
                    members.iter().flat_map(|op| [self.scope.member(id, op), self.scope.member_of(op, id)]).collect();
                self.delete_keys(keys).await?;
            }
        }
        let grants = self.grants_of(principal).await?;
        self.delete_keys(grants.into_iter().map(|p| self.scope.grant(p, principal)).collect()).await?;
        if let Principal::Operator(id) = principal {
            self.delete_api_users_of(id).await?;
        }
        self.delete_monitor_authorizations_of(principal).await?;
        let mut tx = self.tx();
        tx.delete(&self.scope.pending_delete(principal), Condition::none());
        self.commit(tx).await
    }

    pub(crate) async fn delete_keys(self, keys: Vec<Key>) -> Result<(), StoreError> {
        for chunk in keys.chunks(DELETES_PER_TX) {
            let mut tx = self.tx();
            for key in chunk {
                tx.delete(key, Condition::none());
            }
            self.commit(tx).await?;
        }
        Ok(())
    }

    /// Removes a deleted operator from its groups, keeping member counts and the empty-groups
    /// counter exact (each membership item must still exist, and each group be as empty or not as
    /// read: `groups::member_count_guard`).
    async fn remove_operator_memberships(self, operator_id: &OperatorId) -> Result<(), StoreError> {
        let mut failures = 0;
        while failures < MAX_ATTEMPTS {
            let group_ids = self.all_group_ids_of(operator_id).await?;
            if group_ids.is_empty() {
                return Ok(());
            }
            let chunk: Vec<GroupId> = group_ids.into_iter().take(MEMBERSHIPS_PER_TX).collect();
            let groups: HashMap<GroupId, GroupRecord> =
                self.groups_by_ids(&chunk).await?.into_iter().map(|g| (g.group_id.clone(), g)).collect();
            let mut tx = self.tx();
            let mut became_empty = 0;
            for group_id in &chunk {
                // A group being deleted itself has no counts left to keep.
                let Some(g) = groups.get(group_id) else {
                    delete_membership_items(&mut tx, self.scope, group_id, operator_id);
                    continue;
                };
                // The membership must still be there: it was read before the group, and a
                // concurrent finisher of the same delete (a retried DELETE, the maintenance
                // job) or a member removal may have taken it, and its count, in between. The
                // group's version alone does not tell: it moved before the group was read.
                tx.delete(&self.scope.member(group_id, operator_id), Condition::exists(Guard::Version));
                tx.delete(&self.scope.member_of(operator_id, group_id), Condition::none());
                let (condition, mut values) = member_count_guard(g.member_count, false);
                values.extend([(":minusOne", n(-1)), (":one", n(1))]);
                tx.update(
                    &self.scope.group(group_id),
                    "ADD #memberCount :minusOne, #version :one",
                    values,
                    Condition::new(condition, Guard::Version),
                );
                became_empty += i64::from(g.member_count == 1);
            }
            AccountChange::default().add(Counter::GroupsEmpty, became_empty).apply(&mut tx, self.scope);
            match self.commit(tx).await {
                Ok(()) => {}
                Err(e) if e.is_retryable() || matches!(e, StoreError::Guard(Guard::Version)) => failures += 1,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Contention)
    }
}
