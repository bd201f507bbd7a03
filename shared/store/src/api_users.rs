//! API users: credential pairs owned by operators, used by scripts with HTTP Basic.
//!
//! Two kinds of items in the account's partition:
//!
//! - `APIUSER#<id>`: the [`ApiUserRecord`], with the owner's denormalised administrator flag and
//!   per-day usage counters, plus `passwordHash`. Authenticating a request is one conditional
//!   UpdateItem of this item ([`AccountStore::authenticate_api_user`]). The hash is written once and
//!   never read back: every read projects it out ([`API_USER_ATTRIBUTES`]) and the
//!   authentication returns only the attributes it updates, so no DynamoDB response (which the
//!   SDK logs at TRACE) ever carries it.
//! - `APIUSERSOF#<operatorId>`: the owner's roster, the set of its API user ids and a `version`
//!   that moves with every change of the set. Creating an API user reads it (to bound the number
//!   per operator) and commits only if it did not move; the operator delete and the
//!   Administrators membership changes read it and guard it the same way, so that their single
//!   transaction reaches every API user of the operator, including one created a moment before.
//!
//! How many API users an operator may own is the domain crate's rule; those transactions assume
//! it is a few (one action per API user and one for the roster on top of at most 8 of their own,
//! far below DynamoDB's 100 actions).
//!
//! Counters: `apiUsersTotal` counts the items, `apiUsersInactive` the items whose stored
//! `inactive` flag is set (the maintenance job's last verdict). Every create and delete moves them
//! in its own transaction; a delete is guarded by the flag it read, so the two never drift apart
//! under a concurrent recompute.

use crate::Audit;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use futures::future::try_join_all;

use crate::db::{AccountStore, Condition, Filter, Item, Tx, key_item, n, s};
use crate::error::{Guard, StoreError};
use crate::ids::{ApiUserId, OperatorId};
use crate::items::{ApiUserRoster, Roster, flag_condition, remove_from_roster};
use crate::keys::AccountScope;
use crate::records::{ApiUserRecord, decode};
use crate::writes::{AccountChange, Counter, IdempotencyWrite};
use crate::{Page, PageRequest, QuerySpec};

/// Attempts of a usage update that collides with a transaction on the same item.
const AUTH_ATTEMPTS: u64 = 3;
/// Attempts of a delete cascade step that lost a race.
const CASCADE_ATTEMPTS: usize = 20;

/// Filters of the API user list.
#[derive(Debug, Clone, Default)]
pub struct ApiUserFilter {
    pub operator_id: Option<OperatorId>,
    /// `Some((true, cutoff))`: only API users whose last activity is before `cutoff` (RFC 3339
    /// UTC, which sorts as text); `Some((false, cutoff))`: only the others.
    pub inactive_before: Option<(bool, String)>,
}

/// Every attribute of an API user item but `passwordHash` (and the keys, for cursors): what
/// reads ask for.
pub(crate) const API_USER_ATTRIBUTES: &str = "#PK, #SK, #apiUserId, #operatorId, #username, #accessType, #description, \
     #ownerIsAdministrator, #ownerIsDisabled, #ownerName, #createdAt, #lastUsedAt, #lastActiveAt, #usage, #inactive, #version";

/// What a successful Basic authentication tells about the API user: all the caller needs, and
/// the names the audit log gives it and its owner.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiUserAuth {
    pub operator_id: OperatorId,
    pub owner_is_administrator: bool,
    /// `None` for an item written before owner names were kept (stored as `""` by the
    /// authentication that found it missing).
    #[serde(default, deserialize_with = "non_empty")]
    pub owner_name: Option<String>,
    /// The API user's description.
    #[serde(default)]
    pub description: Option<String>,
}

fn non_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value: Option<String> = serde::Deserialize::deserialize(d)?;
    Ok(value.filter(|v| !v.is_empty()))
}

/// The item of a new API user: the record (its `usage` an empty map, which the usage update
/// addresses one day inside), the password's hash and the keys.
pub(crate) fn api_user_item(
    scope: &AccountScope,
    record: &ApiUserRecord,
    password_hash: &str,
) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(record)?;
    item.insert("passwordHash".into(), s(password_hash));
    item.extend(key_item(&scope.api_user(&record.api_user_id)));
    Ok(item)
}

/// The counters an API user is in.
fn api_user_counts(record: &ApiUserRecord) -> [(Counter, bool); 2] {
    [(Counter::ApiUsersTotal, true), (Counter::ApiUsersInactive, record.inactive)]
}

/// Everything to remove with an operator's API users, as read at one moment.
#[derive(Debug, Clone, Default)]
pub(crate) struct OwnerApiUsers {
    roster: ApiUserRoster,
    items: Vec<ApiUserRecord>,
}

impl OwnerApiUsers {
    fn is_empty(&self) -> bool {
        self.roster.version.is_none() && self.items.is_empty()
    }

    /// Deletes the roster and every API user in `tx`, each guarded by what was read, and returns
    /// the counter change to add to the transaction's account update.
    pub(crate) fn delete(
        &self,
        tx: &mut Tx,
        scope: &AccountScope,
        operator_id: &OperatorId,
        mut change: AccountChange,
    ) -> AccountChange {
        let roster_key = scope.api_user_roster(operator_id);
        if self.roster.version.is_some() {
            tx.delete(&roster_key, self.roster.condition());
        } else {
            tx.check(&roster_key, self.roster.condition());
        }
        for item in &self.items {
            // The flag read is what the inactive counter is moved by.
            tx.delete(
                &scope.api_user(&item.api_user_id),
                Condition::new("#inactive = :wasInactive", Guard::Version)
                    .with(vec![(":wasInactive", AttributeValue::Bool(item.inactive))]),
            );
            change = change.count(-1, &api_user_counts(item));
        }
        change
    }
}

impl AccountStore<'_> {
    pub async fn api_user(self, api_user_id: &ApiUserId) -> Result<Option<ApiUserRecord>, StoreError> {
        self.record(&self.scope.api_user(api_user_id), Some(API_USER_ATTRIBUTES)).await
    }

    /// The ids of an operator's API users (one strongly consistent GetItem).
    pub async fn api_user_roster(self, operator_id: &OperatorId) -> Result<ApiUserRoster, StoreError> {
        Ok(Roster::from_item(self.get(&self.scope.api_user_roster(operator_id)).await?))
    }

    /// The roster of an operator and its API user items.
    pub(crate) async fn owner_api_users(self, operator_id: &OperatorId) -> Result<OwnerApiUsers, StoreError> {
        let roster = self.api_user_roster(operator_id).await?;
        // A few reads (the domain crate bounds the roster), at once.
        let items = try_join_all(roster.ids.iter().map(|id| self.api_user(id))).await?;
        Ok(OwnerApiUsers { roster, items: items.into_iter().flatten().collect() })
    }

    /// API users in creation order (their ids are time-ordered).
    pub async fn list_api_users(
        self,
        filter: &ApiUserFilter,
        page: PageRequest<'_>,
    ) -> Result<Page<ApiUserRecord>, StoreError> {
        let mut clauses = Vec::new();
        let mut values = Vec::new();
        if let Some(operator_id) = &filter.operator_id {
            clauses.push("#operatorId = :operatorId");
            values.push((":operatorId", s(operator_id)));
        }
        if let Some((inactive, cutoff)) = &filter.inactive_before {
            clauses.push(if *inactive { "#lastActiveAt < :cutoff" } else { "#lastActiveAt >= :cutoff" });
            values.push((":cutoff", s(cutoff)));
        }
        let filter = (!clauses.is_empty()).then(|| Filter { expression: clauses.join(" AND "), values });
        let spec = QuerySpec {
            filter,
            ..QuerySpec::under(self.scope, "apiUsers".into(), self.scope.api_users_prefix().to_owned(), page)
        };
        self.query_records(spec, Some(API_USER_ATTRIBUTES)).await
    }

    /// Every API user of the account (the maintenance job's walk).
    pub(crate) async fn all_api_users(self) -> Result<Vec<ApiUserRecord>, StoreError> {
        let items = self.query_all_projected(self.scope.api_users_prefix(), Some(API_USER_ATTRIBUTES)).await?;
        items.into_iter().map(decode).collect()
    }

    /// Creates an API user: the item, its place in the owner's roster (which must not have moved
    /// since `roster` was read), the owner's existence and administrator flag as denormalised on
    /// the item, and the total counter; all in one transaction.
    pub async fn create_api_user(
        self,
        record: &ApiUserRecord,
        password_hash: &str,
        roster: &ApiUserRoster,
        idempotency: Option<&IdempotencyWrite>,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let mut tx = self.idempotent_tx(idempotency)?;
        audit.apply(&mut tx, self.scope)?;
        tx.put(api_user_item(self.scope, record, password_hash)?, Condition::absent(Guard::AlreadyExists));
        let roster_key = self.scope.api_user_roster(&record.operator_id);
        let owner = vec![(":operatorId", s(&record.operator_id))];
        roster.add(&mut tx, &roster_key, &record.api_user_id, Some("#operatorId = :operatorId"), owner);
        // The owner exists and its flags and name are the ones copied onto the item; a
        // concurrent change of its Administrators membership, its disabling or its rename moves
        // the roster or fails this check.
        let (disabled, mut check_values) = flag_condition("isDisabled", ":isDisabled", record.owner_is_disabled);
        check_values.push((":isAdministrator", AttributeValue::Bool(record.owner_is_administrator)));
        let mut condition = format!("attribute_exists(#PK) AND #isAdministrator = :isAdministrator AND {disabled}");
        if let Some(name) = &record.owner_name {
            condition.push_str(" AND #fullName = :ownerName");
            check_values.push((":ownerName", s(name)));
        }
        tx.check(
            &self.scope.operator(&record.operator_id),
            Condition::new(&condition, Guard::Version).with(check_values),
        );
        AccountChange::default().count(1, &api_user_counts(record)).apply(&mut tx, self.scope);
        self.commit(tx).await
    }

    /// Changes the description of `current` if nobody changed it since it was read. An update,
    /// not a put, so that usage counted meanwhile is kept.
    pub async fn update_api_user_description(
        self,
        current: &ApiUserRecord,
        description: &str,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let mut tx = self.audited_tx(audit)?;
        tx.update(
            &self.scope.api_user(&current.api_user_id),
            "SET #description = :description ADD #version :one",
            vec![(":description", s(description)), (":one", n(1))],
            Condition::version_is(current.version),
        );
        self.commit(tx).await
    }

    /// Deletes an API user as read: its item (credentials stop working with this commit), its
    /// place in the owner's roster and its counts.
    pub async fn delete_api_user(self, record: &ApiUserRecord, audit: &Audit) -> Result<(), StoreError> {
        let mut tx = self.audited_tx(audit)?;
        tx.delete(
            &self.scope.api_user(&record.api_user_id),
            Condition::new("#version = :seen AND #inactive = :wasInactive", Guard::Version)
                .with(vec![(":seen", n(record.version)), (":wasInactive", AttributeValue::Bool(record.inactive))]),
        );
        // A concurrent operator delete guarded by the roster then retries, and finds this API
        // user gone.
        remove_from_roster(&mut tx, &self.scope.api_user_roster(&record.operator_id), &record.api_user_id);
        AccountChange::default().count(-1, &api_user_counts(record)).apply(&mut tx, self.scope);
        self.commit(tx).await
    }

    /// Authenticates a Basic request in one round trip: a single UpdateItem of the API user item
    /// that succeeds only if the item exists and holds `password_hash`, and that records the use
    /// (`lastUsedAt`, `lastActiveAt` and the count of `day`, a `dYYYYMMDD` usage key). Returns
    /// the owner, its administrator flag and name, and the API user's description, or `None`
    /// for unknown users and wrong passwords alike.
    ///
    /// The comparison happens inside DynamoDB's condition; the hash is of a 256-bit random
    /// password, so a fast hash is safe and nothing about the password can be learned from it.
    /// The response carries only the updated attributes (`UPDATED_NEW`); the owner's id and flag
    /// and names are among them because the update sets each to itself (an owner name missing on
    /// an old item to `""`). The hash never comes back.
    pub async fn authenticate_api_user(
        self,
        api_user_id: &ApiUserId,
        password_hash: &str,
        now: &str,
        day: &str,
    ) -> Result<Option<ApiUserAuth>, StoreError> {
        let update = "SET #lastUsedAt = :now, #lastActiveAt = :now, #usage.#day = if_not_exists(#usage.#day, :zero) + :one, \
             #operatorId = #operatorId, #ownerIsAdministrator = #ownerIsAdministrator, \
             #ownerName = if_not_exists(#ownerName, :noName), #description = #description";
        let condition = "attribute_exists(#PK) AND #passwordHash = :hash \
             AND (attribute_not_exists(#ownerIsDisabled) OR #ownerIsDisabled = :false)";
        let values = vec![
            (":now", s(now)),
            (":zero", n(0)),
            (":one", n(1)),
            (":noName", s("")),
            (":hash", s(password_hash)),
            (":false", AttributeValue::Bool(false)),
        ];
        let request = self
            .update_item(&self.scope.api_user(api_user_id), update, condition, values)
            // The usage count of the day is the attribute named by the day.
            .expression_attribute_names("#day", day)
            .return_values(ReturnValue::UpdatedNew);
        // A collision with a concurrent transaction on the item (a description change, an
        // Administrators membership change) is tried again shortly.
        let updated = self.conditional_update(AUTH_ATTEMPTS, request).await?;
        updated.map(|out| decode(out.attributes.unwrap_or_default())).transpose()
    }

    /// Removes every API user of a deleted operator (part of finishing its delete). The first
    /// step of the operator delete already removed them with the operator; this finds nothing
    /// then, and stays correct if anything was left.
    pub(crate) async fn delete_api_users_of(self, operator_id: &OperatorId) -> Result<(), StoreError> {
        for _ in 0..CASCADE_ATTEMPTS {
            let owned = self.owner_api_users(operator_id).await?;
            if owned.is_empty() {
                return Ok(());
            }
            let mut tx = self.tx();
            let change = owned.delete(&mut tx, self.scope, operator_id, AccountChange::default());
            change.apply(&mut tx, self.scope);
            match self.commit(tx).await {
                Ok(()) => return Ok(()),
                Err(e) if e.is_retryable() || matches!(e, StoreError::Guard(Guard::Version)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Contention)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ask_for_every_attribute_but_the_hash() {
        // Every optional attribute set: used once.
        let owner = crate::records::testing::operator("o", "o@example.com", true, false);
        let record = ApiUserRecord {
            last_used_at: Some("t".into()),
            usage: [("d20261127".to_owned(), 1)].into_iter().collect(),
            ..ApiUserRecord::new(
                "u".into(),
                "hub_x",
                &owner,
                crate::values::AccessType::Generic,
                crate::values::CredentialDescription::parse("d").unwrap(),
                "t",
            )
        };
        let item = api_user_item(&AccountScope::new(&"a".into()), &record, "hash").unwrap();
        let projected: Vec<&str> = API_USER_ATTRIBUTES.split(',').map(|a| a.trim().trim_start_matches('#')).collect();
        let mut stored: Vec<&str> = item.keys().map(String::as_str).filter(|a| *a != "passwordHash").collect();
        stored.sort();
        let mut wanted = projected.clone();
        wanted.sort();
        assert_eq!(stored, wanted);
        assert!(item.contains_key("passwordHash") && !projected.contains(&"passwordHash"));
    }
}
