//! Monitors and the authorizations operators and groups hold on them.
//!
//! Items (all in the account's partition):
//! - `MONITOR#<monitorId>`: the monitor, listed by name on [`Index::ByName`]
//!   (`<partition>#MONITORS`). The account's `monitorsTotal` and `productionMonitors` change in the
//!   same transaction as every create, mode change and delete. Which monitors count as production
//!   is the domain crate's rule: every write that moves the count, and the maintenance job's
//!   recount, takes it as a [`CountsAsProduction`].
//! - `MONAUTH#<monitorId>#<authorizationId>`: one level held by one principal on the monitor. A
//!   monitor's authorizations are one Query; the item behind an `authorizationId` is one GetItem.
//! - `AUTHOF#<OPERATOR|GROUP>#<principalId>#<monitorId>#<level>`: the same authorization listed
//!   under its holder. Its key makes "this principal holds this level on this monitor" unique
//!   (a conditional put), and a principal's authorizations are one Query (the delete cascade of
//!   operators and groups). Both items of an authorization are always written and deleted in the
//!   same transaction.
//! - `MONITORPENDING#<monitorId>`: a monitor whose delete committed while some of its
//!   authorizations may still exist; a retried delete or the maintenance job finishes it.
//!
//! Levels are [`AuthorizationType`]s (`ViewMonitorData`, `ViewMonitor`, `EditMonitor`); which levels a
//! grant or a revoke touches is decided by the domain crate and kept consistent by the guards of
//! [`AccountStore::grant_monitor_authorizations`] and [`AccountStore::revoke_monitor_authorizations`].

use crate::Audit;
use futures::stream::{self, StreamExt, TryStreamExt};

use crate::db::{AccountStore, Condition, Filter, Item, key_item, s, string_attr};
use crate::error::{Guard, StoreError};
use crate::ids::{AuthorizationId, GroupId, MonitorId, OperatorId};
use crate::items::reservation_item;
use crate::keys::{AccountScope, Index, Key, Principal, name_sort_key};
use crate::records::MonitorRecord;
use crate::values::{AuthorizationType, MonitorMode};
use crate::writes::{AccountChange, Counter, IdempotencyWrite};
use crate::{Page, PageRequest, QuerySpec};

/// Whether `productionMonitors` counts a monitor: the domain crate's rule, given to every write
/// that moves the count and to the recount, so that they all count alike.
pub type CountsAsProduction = fn(&MonitorRecord) -> bool;

/// Monitors whose authorizations are read at the same time by one overview page.
const AUTHORIZATION_READS_IN_FLIGHT: usize = 8;

/// One authorization level held by an operator or a group on a monitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorAuthorization {
    /// Server-generated, path-safe (`[A-Za-z0-9_-]`).
    pub authorization_id: AuthorizationId,
    pub monitor_id: MonitorId,
    pub authorization_type: AuthorizationType,
    pub principal: Principal,
}

fn monitor_item(scope: &AccountScope, m: &MonitorRecord) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(m)?;
    item.extend(key_item(&scope.monitor(&m.monitor_id)));
    item.insert(Index::ByName.hash_key().into(), s(scope.monitors_by_name()));
    item.insert(Index::ByName.range_key().into(), s(name_sort_key(&m.name, &m.monitor_id)));
    Ok(item)
}

/// The counters a monitor is in (`productionMonitors` as `production` says).
fn monitor_counts(m: &MonitorRecord, production: CountsAsProduction) -> [(Counter, bool); 2] {
    [(Counter::MonitorsTotal, true), (Counter::ProductionMonitors, production(m))]
}

/// The attributes both items of an authorization carry.
fn authorization_attributes(a: &MonitorAuthorization) -> Item {
    let mut item = Item::new();
    item.insert("authorizationId".into(), s(&a.authorization_id));
    item.insert("monitorId".into(), s(&a.monitor_id));
    item.insert("authorizationType".into(), s(a.authorization_type.as_str()));
    match &a.principal {
        Principal::Operator(id) => item.insert("operatorId".into(), s(id)),
        Principal::Group(id) => item.insert("groupId".into(), s(id)),
    };
    item
}

fn authorization_from(item: &Item) -> Result<MonitorAuthorization, StoreError> {
    let text = |name: &str| string_attr(item, name);
    let principal = match (text("operatorId"), text("groupId")) {
        (Some(id), None) => Principal::Operator(OperatorId::new(id)),
        (None, Some(id)) => Principal::Group(GroupId::new(id)),
        _ => return Err(StoreError::Internal("monitor authorization without exactly one principal".into())),
    };
    match (text("authorizationId"), text("monitorId"), text("authorizationType")) {
        (Some(authorization_id), Some(monitor_id), Some(authorization_type)) => Ok(MonitorAuthorization {
            authorization_id: AuthorizationId::new(authorization_id),
            monitor_id: MonitorId::new(monitor_id),
            authorization_type: AuthorizationType::parse(&authorization_type)
                .map_err(|_| StoreError::Internal(format!("monitor authorization level {authorization_type:?}")))?,
            principal,
        }),
        _ => Err(StoreError::Internal("monitor authorization item is incomplete".into())),
    }
}

/// Both keys of an authorization.
fn authorization_keys(scope: &AccountScope, a: &MonitorAuthorization) -> [Key; 2] {
    [
        scope.monitor_authorization(&a.monitor_id, &a.authorization_id),
        scope.authorization_of(&a.principal, &a.monitor_id, a.authorization_type.as_str()),
    ]
}

impl AccountStore<'_> {
    pub async fn monitor(self, monitor_id: &MonitorId) -> Result<Option<MonitorRecord>, StoreError> {
        self.record(&self.scope.monitor(monitor_id), None).await
    }

    /// Monitors ordered by name (case-insensitively), optionally only those in `mode`.
    pub async fn list_monitors(
        self,
        mode: Option<MonitorMode>,
        page: PageRequest<'_>,
    ) -> Result<Page<MonitorRecord>, StoreError> {
        self.monitors_page("monitors", mode, page).await
    }

    /// The same pages as [`AccountStore::list_monitors`], with cursors bound to the permissions overview.
    pub async fn list_monitors_for_permissions(
        self,
        mode: Option<MonitorMode>,
        page: PageRequest<'_>,
    ) -> Result<Page<MonitorRecord>, StoreError> {
        self.monitors_page("monitors:permissions", mode, page).await
    }

    async fn monitors_page(
        self,
        list: &str,
        mode: Option<MonitorMode>,
        page: PageRequest<'_>,
    ) -> Result<Page<MonitorRecord>, StoreError> {
        let filter =
            mode.map(|m| Filter { expression: "#mode = :mode".into(), values: vec![(":mode", s(m.as_str()))] });
        let spec = QuerySpec::on_index(Index::ByName, list.into(), self.scope.monitors_by_name(), filter, page);
        self.query_records(spec, None).await
    }

    /// Registers a monitor, counted in the same transaction (in `productionMonitors` if
    /// `production` says so).
    pub async fn create_monitor(
        self,
        m: &MonitorRecord,
        production: CountsAsProduction,
        idempotency: Option<&IdempotencyWrite>,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let mut tx = self.idempotent_tx(idempotency)?;
        audit.apply(&mut tx, self.scope)?;
        AccountChange::default().count(1, &monitor_counts(m, production)).apply(&mut tx, self.scope);
        tx.put(monitor_item(self.scope, m)?, Condition::absent(Guard::AlreadyExists));
        self.commit(tx).await
    }

    /// Replaces `old` by `new` if nobody changed it in between, moving `productionMonitors` when
    /// `production` counts one and not the other.
    pub async fn update_monitor(
        self,
        old: &MonitorRecord,
        new: &MonitorRecord,
        production: CountsAsProduction,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let mut tx = self.audited_tx(audit)?;
        tx.put_versioned(monitor_item(self.scope, new)?, old.version);
        AccountChange::default()
            .add(Counter::ProductionMonitors, i64::from(production(new)) - i64::from(production(old)))
            .apply(&mut tx, self.scope);
        self.commit(tx).await
    }

    /// Deletes a monitor as read (its version guards the delete and the counters), then its
    /// authorizations.
    pub async fn delete_monitor(
        self,
        m: &MonitorRecord,
        production: CountsAsProduction,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        self.begin_monitor_delete(m, production, audit).await?;
        self.finish_monitor_delete(&m.monitor_id).await
    }

    /// The first, atomic step of [`AccountStore::delete_monitor`]: the monitor, its counts and a pending
    /// marker. From then on no authorization can be granted on it (grants check that the monitor
    /// exists in their transaction), so the authorizations that are left are exactly those to
    /// remove.
    pub async fn begin_monitor_delete(
        self,
        m: &MonitorRecord,
        production: CountsAsProduction,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let mut tx = self.audited_tx(audit)?;
        tx.delete_versioned(&self.scope.monitor(&m.monitor_id), m.version);
        AccountChange::default().count(-1, &monitor_counts(m, production)).apply(&mut tx, self.scope);
        tx.put(
            reservation_item(&self.scope.monitor_pending_delete(&m.monitor_id), "monitorId", &m.monitor_id),
            Condition::none(),
        );
        self.commit(tx).await
    }

    /// Removes every authorization of a deleted monitor (idempotent), then its pending marker.
    pub async fn finish_monitor_delete(self, monitor_id: &MonitorId) -> Result<(), StoreError> {
        let authorizations = self.all_monitor_authorizations(monitor_id).await?;
        self.delete_authorizations(&authorizations).await?;
        self.delete_keys(vec![self.scope.monitor_pending_delete(monitor_id)]).await
    }

    /// Finishes the delete of a monitor if one is pending; `Ok(false)` when there is none.
    pub async fn finish_monitor_delete_if_pending(self, monitor_id: &MonitorId) -> Result<bool, StoreError> {
        self.finish_if_marked(&self.scope.monitor_pending_delete(monitor_id), self.finish_monitor_delete(monitor_id))
            .await
    }

    /// Finishes every pending monitor delete of the account (for the maintenance job); returns how
    /// many it finished.
    pub async fn finish_pending_monitor_deletes(self) -> Result<usize, StoreError> {
        let ids: Vec<MonitorId> = self.ids_under(self.scope.monitor_pending_delete_prefix(), "monitorId").await?;
        self.finish_each(&ids, |id| self.finish_monitor_delete(id)).await
    }

    /// One page of a monitor's authorizations, in the order they were granted.
    pub async fn monitor_authorizations(
        self,
        monitor_id: &MonitorId,
        page: PageRequest<'_>,
    ) -> Result<Page<MonitorAuthorization>, StoreError> {
        let list = format!("monitorAuthorizations:{monitor_id}");
        let spec = QuerySpec::under(self.scope, list, self.scope.monitor_authorizations_prefix(monitor_id), page);
        self.query_page(spec).await?.try_map(|item| authorization_from(&item))
    }

    /// Every authorization on a monitor.
    pub async fn all_monitor_authorizations(
        self,
        monitor_id: &MonitorId,
    ) -> Result<Vec<MonitorAuthorization>, StoreError> {
        self.authorizations_under(&self.scope.monitor_authorizations_prefix(monitor_id)).await
    }

    /// Every authorization on each of `monitor_ids` (one Query per monitor, a few at a time), in
    /// the order of `monitor_ids`.
    pub async fn authorizations_of_monitors(
        self,
        monitor_ids: &[MonitorId],
    ) -> Result<Vec<Vec<MonitorAuthorization>>, StoreError> {
        stream::iter(monitor_ids.to_vec())
            .map(|id| async move { self.all_monitor_authorizations(&id).await })
            .buffered(AUTHORIZATION_READS_IN_FLIGHT)
            .try_collect()
            .await
    }

    /// The authorization `authorization_id` on `monitor_id`, if it exists.
    pub async fn monitor_authorization(
        self,
        monitor_id: &MonitorId,
        authorization_id: &AuthorizationId,
    ) -> Result<Option<MonitorAuthorization>, StoreError> {
        self.get(&self.scope.monitor_authorization(monitor_id, authorization_id))
            .await?
            .as_ref()
            .map(authorization_from)
            .transpose()
    }

    /// The levels `principal` holds on `monitor_id` (one strongly consistent Query).
    pub async fn authorizations_on_monitor(
        self,
        monitor_id: &MonitorId,
        principal: &Principal,
    ) -> Result<Vec<MonitorAuthorization>, StoreError> {
        self.authorizations_under(&self.scope.authorizations_of_on_prefix(principal, monitor_id)).await
    }

    /// Grants `add` to `principal` on `monitor_id`, as decided from the levels it held when read:
    /// `keep` must all still exist and none of `add` may exist yet (otherwise `Guard::Version`:
    /// read again and decide again), so that levels stay cumulative under concurrent grants and
    /// revokes. The monitor and the principal must exist (`Guard::ParentMissing`). With nothing to
    /// add, the same checks run (and the idempotency record is written) without changing anything.
    #[allow(clippy::too_many_arguments)] // the grant's whole guarded write: what to keep, what to add, for whom, audited
    pub async fn grant_monitor_authorizations(
        self,
        monitor_id: &MonitorId,
        principal: &Principal,
        keep: &[MonitorAuthorization],
        add: &[MonitorAuthorization],
        idempotency: Option<&IdempotencyWrite>,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let mut tx = self.idempotent_tx(idempotency)?;
        // Nothing to add changes nothing: no event.
        if !add.is_empty() {
            audit.apply(&mut tx, self.scope)?;
        }
        tx.check(&self.scope.monitor(monitor_id), Condition::exists(Guard::ParentMissing));
        tx.check(&self.scope.principal(principal), Condition::exists(Guard::ParentMissing));
        for held in keep {
            tx.check(
                &self.scope.authorization_of(principal, monitor_id, held.authorization_type.as_str()),
                Condition::exists(Guard::Version),
            );
        }
        for new in add {
            debug_assert!(&new.monitor_id == monitor_id && &new.principal == principal);
            let [on_monitor, of_principal] = authorization_keys(self.scope, new);
            for key in [on_monitor, of_principal] {
                let mut item = authorization_attributes(new);
                item.extend(key_item(&key));
                tx.put(item, Condition::absent(Guard::Version));
            }
        }
        self.commit(tx).await
    }

    /// Revokes `remove` (authorizations of `principal` on `monitor_id`, as read), provided that
    /// they all still exist and that `principal` still holds none of `absent_levels` (the higher
    /// levels it did not hold when read); otherwise `Guard::Version`: read again and decide again.
    pub async fn revoke_monitor_authorizations(
        self,
        monitor_id: &MonitorId,
        principal: &Principal,
        remove: &[MonitorAuthorization],
        absent_levels: &[&str],
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let mut tx = self.tx();
        if !remove.is_empty() {
            audit.apply(&mut tx, self.scope)?;
        }
        for old in remove {
            let [on_monitor, of_principal] = authorization_keys(self.scope, old);
            tx.delete(&on_monitor, Condition::exists(Guard::Version));
            tx.delete(&of_principal, Condition::none());
        }
        for level in absent_levels {
            tx.check(&self.scope.authorization_of(principal, monitor_id, level), Condition::absent(Guard::Version));
        }
        self.commit(tx).await
    }

    /// Removes every monitor authorization of a deleted operator or group (part of finishing its
    /// delete). Grants check in their transaction that the principal exists, so once its item is
    /// gone nothing new can appear here.
    pub(crate) async fn delete_monitor_authorizations_of(self, principal: &Principal) -> Result<(), StoreError> {
        let authorizations = self.authorizations_under(&self.scope.authorizations_of_prefix(principal)).await?;
        self.delete_authorizations(&authorizations).await
    }

    /// Deletes both items of each of `authorizations` (idempotent).
    async fn delete_authorizations(self, authorizations: &[MonitorAuthorization]) -> Result<(), StoreError> {
        self.delete_keys(authorizations.iter().flat_map(|a| authorization_keys(self.scope, a)).collect()).await
    }

    /// The authorizations listed under `sk_prefix`: a monitor's (`MONAUTH#`) or a holder's
    /// (`AUTHOF#`) items, which carry the same attributes.
    async fn authorizations_under(self, sk_prefix: &str) -> Result<Vec<MonitorAuthorization>, StoreError> {
        self.query_all(sk_prefix).await?.iter().map(authorization_from).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_items_round_trip() {
        for principal in [Principal::Operator("o-1".into()), Principal::Group("g_1".into())] {
            let a = MonitorAuthorization {
                authorization_id: "a1".into(),
                monitor_id: "m1".into(),
                authorization_type: AuthorizationType::ViewMonitor,
                principal,
            };
            assert_eq!(authorization_from(&authorization_attributes(&a)).unwrap(), a);
        }
    }

    #[test]
    fn authorization_prefixes_do_not_overlap_between_principals_or_monitors() {
        let scope = AccountScope::new(&"acc".into());
        let op = Principal::Operator("abc".into());
        let longer = Principal::Operator("abc-d".into());
        let prefix = scope.authorizations_of_prefix(&op);
        assert!(scope.authorization_of(&op, &"m1".into(), "ViewMonitor").sk.starts_with(&prefix));
        assert!(!scope.authorization_of(&longer, &"m1".into(), "ViewMonitor").sk.starts_with(&prefix));
        assert!(
            !scope
                .authorization_of(&Principal::Group("abc".into()), &"m1".into(), "ViewMonitor")
                .sk
                .starts_with(&prefix)
        );
        let on_m1 = scope.monitor_authorizations_prefix(&"m1".into());
        assert!(scope.monitor_authorization(&"m1".into(), &"x".into()).sk.starts_with(&on_m1));
        assert!(!scope.monitor_authorization(&"m1-2".into(), &"x".into()).sk.starts_with(&on_m1));
        // Monitors, their authorizations and their pending markers never share a prefix.
        assert!(!scope.monitor_pending_delete(&"m1".into()).sk.starts_with("MONITOR#"));
        assert!(!scope.monitor_authorization(&"m1".into(), &"x".into()).sk.starts_with("MONITOR#"));
        assert!(!scope.monitor_pending_delete(&"m1".into()).sk.starts_with(scope.pending_delete_prefix()));
    }
}
