//! The store side of the scheduled maintenance job: refreshing the API users' inactive flags,
//! recounting every hub counter from the items it counts, and writing repairs back only where
//! nothing changed meanwhile.
//!
//! Everything here reads one account's partition with Queries (never a Scan) and writes with
//! conditions on what it read, so two runs at once, or a run beside live traffic, never make a
//! counter wrong: a write that lost a race is skipped and reported, and the next run repairs what
//! is still off.

use crate::Audit;
use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use crate::db::{AccountStore, Condition, Values, n, s};
use crate::error::{Guard, StoreError};
use crate::ids::GroupId;
use crate::items::counts_as_active;
use crate::monitors::CountsAsProduction;
use crate::records::{AccountRecord, GroupRecord, MonitorRecord, OperatorRecord, decode};
use crate::writes::{AccountChange, Counter};

/// The hub's counters on the account item, as stored or as recounted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HubCounters {
    pub operators_total: i64,
    pub operators_in_use: i64,
    pub operators_active: i64,
    pub groups_total: i64,
    pub groups_empty: i64,
    pub api_users_total: i64,
    pub api_users_inactive: i64,
    pub monitors_total: i64,
    pub production_monitors: i64,
}

/// One counter that was found off, with the stored and the recounted value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CounterRepair {
    /// The counter's attribute name on the account item (`operatorsTotal`, ...), or
    /// `memberCount` of a group.
    pub counter: String,
    #[serde(skip_serializing_if = "Option::is_none", rename = "groupId")]
    pub group_id: Option<GroupId>,
    pub old: i64,
    pub new: i64,
}

impl HubCounters {
    pub fn stored(account: &AccountRecord) -> Self {
        HubCounters {
            operators_total: account.operators_total,
            operators_in_use: account.operators_in_use,
            operators_active: account.operators_active,
            groups_total: account.groups_total,
            groups_empty: account.groups_empty,
            api_users_total: account.api_users_total,
            api_users_inactive: account.api_users_inactive,
            monitors_total: account.monitors_total,
            production_monitors: account.production_monitors,
        }
    }

    /// Each counter with its attribute on the account item and the placeholder its value is
    /// written with.
    fn named(&self) -> [(&'static str, &'static str, i64); 9] {
        [
            ("operatorsTotal", ":operatorsTotal", self.operators_total),
            ("operatorsInUse", ":operatorsInUse", self.operators_in_use),
            ("operatorsActive", ":operatorsActive", self.operators_active),
            ("groupsTotal", ":groupsTotal", self.groups_total),
            ("groupsEmpty", ":groupsEmpty", self.groups_empty),
            ("apiUsersTotal", ":apiUsersTotal", self.api_users_total),
            ("apiUsersInactive", ":apiUsersInactive", self.api_users_inactive),
            ("monitorsTotal", ":monitorsTotal", self.monitors_total),
            ("productionMonitors", ":productionMonitors", self.production_monitors),
        ]
    }

    /// The counters whose stored value (`self`) differs from `recounted`.
    pub fn drift(&self, recounted: &HubCounters) -> Vec<CounterRepair> {
        self.named()
            .iter()
            .zip(recounted.named())
            .filter(|((_, _, old), (_, _, new))| old != new)
            .map(|((counter, _, old), (_, _, new))| CounterRepair {
                counter: (*counter).to_owned(),
                group_id: None,
                old: *old,
                new,
            })
            .collect()
    }
}

/// A group's stored `memberCount` beside the number of its membership items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupCount {
    pub group_id: GroupId,
    pub stored: i64,
    pub actual: i64,
    /// The group's version when it was read, before its members were counted.
    version: i64,
}

/// Every counter recounted from the items, as read in one pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recount {
    pub counters: HubCounters,
    pub groups: Vec<GroupCount>,
}

/// What refreshing the API users' activity changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityRefresh {
    pub became_inactive: usize,
    pub became_active: usize,
    /// Usage days older than the window, removed.
    pub pruned_days: usize,
    /// API users changed (used, deleted) while being refreshed; left for the next run.
    pub lost_races: usize,
}

impl AccountStore<'_> {
    /// Sets each API user's stored `inactive` flag to whether its last activity is before
    /// `cutoff` (RFC 3339 UTC), moving `apiUsersInactive` in the same transaction, and removes
    /// the usage counters of days before `first_day_kept` (a `usage` key, `dYYYYMMDD`).
    ///
    /// Flagging an API user inactive is conditional on its last activity still being before the
    /// cutoff, so a request it makes meanwhile wins; every change is conditional on the flag read.
    ///
    /// A change of the flag is user-visible (the API user's `inactive`, the summary's count): its
    /// transaction carries the event `audit(user, inactive)` builds. Pruning old usage days alone
    /// changes nothing anyone reads (`requestsLast30Days` never counts them) and writes none.
    pub async fn refresh_api_user_activity(
        self,
        cutoff: &str,
        first_day_kept: &str,
        audit: &(dyn Fn(&crate::records::ApiUserRecord, bool) -> Audit + Send + Sync),
    ) -> Result<ActivityRefresh, StoreError> {
        let mut outcome = ActivityRefresh::default();
        for user in self.all_api_users().await? {
            let inactive = user.last_active_at.as_str() < cutoff;
            let stale: Vec<&String> =
                user.usage.keys().filter(|day| day.as_str() < first_day_kept && is_usage_key(day)).collect();
            if inactive == user.inactive && stale.is_empty() {
                continue;
            }
            let mut tx = self.tx();
            let mut update = String::new();
            let mut condition = "attribute_exists(#PK)".to_owned();
            let mut values: Values = Vec::new();
            if inactive != user.inactive {
                update.push_str("SET #inactive = :inactive ");
                values.push((":inactive", AttributeValue::Bool(inactive)));
                values.push((":wasInactive", AttributeValue::Bool(user.inactive)));
                condition.push_str(" AND #inactive = :wasInactive");
                if inactive {
                    condition.push_str(" AND #lastActiveAt < :cutoff");
                    values.push((":cutoff", s(cutoff)));
                }
                AccountChange::default()
                    .add(Counter::ApiUsersInactive, if inactive { 1 } else { -1 })
                    .apply(&mut tx, self.scope);
                audit(&user, inactive).apply(&mut tx, self.scope)?;
            }
            if !stale.is_empty() {
                let removes: Vec<String> = stale.iter().map(|day| format!("#usage.#{day}")).collect();
                update.push_str("REMOVE ");
                update.push_str(&removes.join(", "));
            }
            tx.update(
                &self.scope.api_user(&user.api_user_id),
                update.trim(),
                values,
                Condition::new(&condition, Guard::Version),
            );
            match self.commit(tx).await {
                Ok(()) => {
                    if inactive != user.inactive {
                        if inactive { outcome.became_inactive += 1 } else { outcome.became_active += 1 }
                    }
                    outcome.pruned_days += stale.len();
                }
                Err(StoreError::Guard(Guard::Version) | StoreError::Contention) => outcome.lost_races += 1,
                Err(e) => return Err(e),
            }
        }
        Ok(outcome)
    }

    /// Recounts every hub counter and every group's member count from the items (strongly
    /// consistent Queries of the account's partition), `productionMonitors` as the monitors
    /// `production` counts. Groups are read before their members, so that a member count repaired
    /// with [`AccountStore::repair_member_count`] is refused if the group changed after it was read.
    pub async fn recount(self, production: CountsAsProduction) -> Result<Recount, StoreError> {
        let groups = self.query_all(self.scope.groups_prefix()).await?;
        let (operators, members, api_users, monitors) = tokio::try_join!(
            self.query_all(self.scope.operators_prefix()),
            self.query_all(self.scope.all_members_prefix()),
            self.all_api_users(),
            self.query_all(self.scope.monitors_prefix()),
        )?;
        let mut counters = HubCounters::default();
        for item in operators {
            let op: OperatorRecord = decode(item)?;
            counters.operators_total += 1;
            counters.operators_in_use += i64::from(!op.is_disabled);
            counters.operators_active += i64::from(counts_as_active(&op));
        }
        let mut member_counts: HashMap<String, i64> = HashMap::new();
        for item in &members {
            if let Some(group_id) = item.get("groupId").and_then(|v| v.as_s().ok()) {
                *member_counts.entry(group_id.clone()).or_default() += 1;
            }
        }
        let mut group_counts = Vec::new();
        for item in groups {
            let g: GroupRecord = decode(item)?;
            let actual = member_counts.get(g.group_id.as_str()).copied().unwrap_or(0);
            counters.groups_total += 1;
            counters.groups_empty += i64::from(actual == 0);
            group_counts.push(GroupCount { group_id: g.group_id, stored: g.member_count, actual, version: g.version });
        }
        for user in api_users {
            counters.api_users_total += 1;
            counters.api_users_inactive += i64::from(user.inactive);
        }
        for item in monitors {
            let m: MonitorRecord = decode(item)?;
            counters.monitors_total += 1;
            counters.production_monitors += i64::from(production(&m));
        }
        Ok(Recount { counters, groups: group_counts })
    }

    /// Sets a group's `memberCount` to the recounted value if the group has not changed since it
    /// was read; `Ok(false)` when it has (the next run looks again).
    pub async fn repair_member_count(self, group: &GroupCount, audit: &Audit) -> Result<bool, StoreError> {
        let mut tx = self.audited_tx(audit)?;
        tx.update(
            &self.scope.group(&group.group_id),
            "SET #memberCount = :actual ADD #version :one",
            vec![(":actual", n(group.actual)), (":one", n(1))],
            Condition::version_is(group.version),
        );
        guarded(self.commit(tx).await)
    }

    /// Writes the recounted counters and `inactiveComputedAt` onto the account item if
    /// `countersVersion` is still `seen_counters_version` (nothing was counted since the recount
    /// started), moving it on; `Ok(false)` when it moved. `audit` is the repair's event, when a
    /// counter drifted (`None` when the write only records that the recount ran).
    pub async fn write_counters(
        self,
        seen_counters_version: i64,
        counters: &HubCounters,
        inactive_computed_at: &str,
        audit: Option<&Audit>,
    ) -> Result<bool, StoreError> {
        let named = counters.named();
        let sets: Vec<String> = named.iter().map(|(c, placeholder, _)| format!("#{c} = {placeholder}")).collect();
        let update = format!("SET {}, #inactiveComputedAt = :computedAt ADD #countersVersion :one", sets.join(", "));
        let mut values: Values = named.iter().map(|(_, placeholder, v)| (*placeholder, n(*v))).collect();
        values.push((":computedAt", s(inactive_computed_at)));
        values.push((":one", n(1)));
        values.push((":seen", n(seen_counters_version)));
        // Accounts provisioned before the version existed have no attribute yet (read as 0).
        let condition = if seen_counters_version == 0 {
            "attribute_exists(#PK) AND (attribute_not_exists(#countersVersion) OR #countersVersion = :seen)"
        } else {
            "attribute_exists(#PK) AND #countersVersion = :seen"
        };
        let mut tx = self.tx();
        tx.update(&self.scope.account(), &update, values, Condition::new(condition, Guard::Version));
        if let Some(audit) = audit {
            audit.apply(&mut tx, self.scope)?;
        }
        guarded(self.commit(tx).await)
    }
}

/// `Ok(false)` for a write whose condition no longer held or that collided with another.
fn guarded(result: Result<(), StoreError>) -> Result<bool, StoreError> {
    match result {
        Ok(()) => Ok(true),
        Err(StoreError::Guard(Guard::Version) | StoreError::Contention) => Ok(false),
        Err(e) => Err(e),
    }
}

/// A usage key (`d` and eight digits) can be named in an update expression as `#dYYYYMMDD`.
fn is_usage_key(day: &str) -> bool {
    day.len() == 9 && day.starts_with('d') && day[1..].bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_lists_only_counters_that_differ() {
        let stored = HubCounters { operators_total: 3, groups_empty: 1, ..HubCounters::default() };
        let recounted =
            HubCounters { operators_total: 3, groups_empty: 2, api_users_inactive: 1, ..HubCounters::default() };
        let drift = stored.drift(&recounted);
        let names: Vec<(&str, i64, i64)> = drift.iter().map(|r| (r.counter.as_str(), r.old, r.new)).collect();
        assert_eq!(names, [("groupsEmpty", 1, 2), ("apiUsersInactive", 0, 1)]);
        assert!(stored.drift(&stored).is_empty());
    }

    #[test]
    fn usage_keys_are_recognised() {
        assert!(is_usage_key("d20261127"));
        assert!(!is_usage_key("2026-11-27"));
        assert!(!is_usage_key("d2026112"));
        assert!(!is_usage_key("d2026112x"));
    }
}
