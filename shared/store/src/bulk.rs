//! **Benchmark and test seeding** for `bench/` (`hub-bench`) and the tests, behind the `bulk`
//! feature (no function compiles it) and hidden from the documentation; nothing in the API, the
//! functions or the maintenance job uses them:
//!
//! - [`Store::connect_probed`]: a store with one more SDK interceptor, the benchmark's probe;
//! - bulk loading ([`AccountStore::bulk_create_operators`], [`AccountStore::bulk_create_api_users`]), which
//!   seeds very large accounts (10,000 operators, 100,000 API users) in seconds instead of
//!   minutes.
//!
//! Bulk loading writes the very items the real writes put (built by the same functions, through a
//! transaction that is never sent: [`crate::db::Tx::into_put_items`]) with `BatchWriteItem`, 25 at a
//! time, and keeps the invariants honest the way a batch can:
//!
//! - BatchWriteItem has no conditions, so every key about to be written is read first (batched,
//!   strongly consistent) and the whole load is refused if any exists (ids, email reservations,
//!   memberships, grants, API users, rosters); ids and emails must also be distinct within the
//!   load;
//! - the operator limit is checked against the account as read before writing;
//! - the counters move once, at the end, in one transaction with the other aggregate (the
//!   Everyone group's `memberCount`), on the condition that `countersVersion` did not move since
//!   the account was read: if anything was counted meanwhile, the load reports
//!   [`Guard::Version`] and leaves the counters to the maintenance job's recount.
//!
//! It must not run beside other writes to the same account (it is a seeding tool).

use crate::Audit;
use std::collections::{BTreeMap, HashSet};

use futures::stream::{self, TryStreamExt};

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};

use crate::Store;
use crate::db::{AccountStore, Condition, Item, Values, key_item, n, s};
use crate::error::{Guard, StoreError, classify};
use crate::ids::{ApiUserId, GroupId, OperatorId};
use crate::items::RosterId;
use crate::keys::{AccountScope, Key, PK, Principal, SK};
use crate::records::{AccountRecord, ApiUserRecord, OperatorRecord};
use crate::values::Permission;

/// Items per BatchWriteItem (DynamoDB's limit).
const BATCH_ITEMS: usize = 25;
/// BatchWriteItem requests in flight at once.
const BATCHES_IN_FLIGHT: usize = 4;
/// Rounds of re-sending unprocessed items before giving up.
const UNPROCESSED_ROUNDS: usize = 8;

/// A new API user for [`AccountStore::bulk_create_api_users`]: the record and its password's hash.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct BulkApiUser {
    pub record: ApiUserRecord,
    pub password_hash: String,
}

fn key_of(item: &Item) -> Option<Key> {
    let pk = item.get(PK)?.as_s().ok()?.clone();
    let sk = item.get(SK)?.as_s().ok()?.clone();
    Some(Key { pk, sk })
}

fn internal(message: impl Into<String>) -> StoreError {
    StoreError::Internal(message.into())
}

impl Store {
    /// **Benchmark only**: a store whose every DynamoDB request is counted by `counter` and also
    /// seen by `probe`, an SDK interceptor of the benchmark's own (which records the calls a route
    /// makes, to replay them directly with the SDK, and asks for their consumed capacity).
    #[doc(hidden)]
    pub async fn connect_probed(
        config: &crate::StoreConfig,
        counter: crate::RequestCounter,
        probe: aws_sdk_dynamodb::config::SharedInterceptor,
    ) -> Result<Store, String> {
        Ok(Store {
            client: Self::sdk_client_as_built(
                config,
                vec![aws_sdk_dynamodb::config::SharedInterceptor::new(counter), probe],
            )
            .await?,
            table: std::sync::Arc::from(config.table_name.as_str()),
            cursors: crate::cursor::CursorCodec::new(&config.cursor_secret),
        })
    }

    /// **Benchmark only**: a bare SDK client configured exactly as a store's (the same HTTP
    /// client, timeouts and retries) with `interceptors`, so that the benchmark's direct DynamoDB
    /// calls differ from a route's calls only by what the hub does around them.
    #[doc(hidden)]
    pub async fn sdk_client_as_built(
        config: &crate::StoreConfig,
        interceptors: Vec<aws_sdk_dynamodb::config::SharedInterceptor>,
    ) -> Result<aws_sdk_dynamodb::Client, String> {
        crate::client::build_client(config, interceptors).await
    }

    /// Refuses the load if any of the items' keys exists ([`Guard::EmailTaken`] when only email
    /// reservations do, [`Guard::AlreadyExists`] otherwise).
    async fn refuse_existing(&self, items: &[Item]) -> Result<(), StoreError> {
        let keys: Vec<Key> = items
            .iter()
            .map(|i| key_of(i).ok_or_else(|| internal("bulk load: item without key")))
            .collect::<Result<_, _>>()?;
        let unique: HashSet<&Key> = keys.iter().collect();
        if unique.len() != keys.len() {
            return Err(StoreError::Guard(Guard::AlreadyExists));
        }
        let found: Vec<Key> = self.batch_get(keys).await?.iter().filter_map(key_of).collect();
        if found.is_empty() {
            Ok(())
        } else if found.iter().all(|key| key.sk.starts_with("EMAIL#")) {
            Err(StoreError::Guard(Guard::EmailTaken))
        } else {
            // As a transaction would: the operator's own put comes before its email's.
            Err(StoreError::Guard(Guard::AlreadyExists))
        }
    }

    /// Puts `items` with BatchWriteItem, [`BATCH_ITEMS`] per request and [`BATCHES_IN_FLIGHT`]
    /// requests at once, re-sending unprocessed items.
    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        let mut batches: Vec<Vec<Item>> = Vec::with_capacity(items.len() / BATCH_ITEMS + 1);
        let mut items = items.into_iter().peekable();
        while items.peek().is_some() {
            batches.push(items.by_ref().take(BATCH_ITEMS).collect());
        }
        stream::iter(batches.into_iter().map(Ok))
            .try_for_each_concurrent(BATCHES_IN_FLIGHT, |batch| self.write_batch(batch))
            .await
    }

    async fn write_batch(&self, batch: Vec<Item>) -> Result<(), StoreError> {
        let mut pending: Vec<WriteRequest> = batch
            .into_iter()
            .map(|item| {
                let put = PutRequest::builder()
                    .set_item(Some(item))
                    .build()
                    .map_err(|e| internal(format!("request build: {e}")))?;
                Ok(WriteRequest::builder().put_request(put).build())
            })
            .collect::<Result<_, StoreError>>()?;
        for round in 0..UNPROCESSED_ROUNDS {
            if round > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(10 << round.min(5))).await;
            }
            let out = self
                .client
                .batch_write_item()
                .request_items(&*self.table, std::mem::take(&mut pending))
                .send()
                .await
                .map_err(classify)?;
            pending = out.unprocessed_items.and_then(|mut u| u.remove(&*self.table)).unwrap_or_default();
            if pending.is_empty() {
                return Ok(());
            }
        }
        Err(StoreError::Unavailable)
    }
}

impl AccountStore<'_> {
    /// **Benchmark only** (see the module documentation): creates `operators` as
    /// `POST /operators` would (the operator, its email reservation, its membership of Everyone,
    /// the `grants` it is given; counted), in batches. Refuses administrators (their membership
    /// of Administrators is a transaction's business), duplicates and existing keys, and a load
    /// past the operator limit.
    #[doc(hidden)]
    pub async fn bulk_create_operators(
        self,
        operators: &[OperatorRecord],
        grants: &[Permission],
    ) -> Result<(), StoreError> {
        if operators.is_empty() {
            return Ok(());
        }
        let mut ids = HashSet::new();
        let mut emails = HashSet::new();
        for op in operators {
            if op.is_administrator || op.is_account_administrator {
                return Err(internal("bulk load: administrators cannot be bulk-created"));
            }
            if !ids.insert(op.operator_id.as_str()) {
                return Err(StoreError::Guard(Guard::AlreadyExists));
            }
            if !emails.insert(op.email.to_lowercase()) {
                return Err(StoreError::Guard(Guard::EmailTaken));
            }
        }
        let account = self.bulk_account().await?;
        let added = operators.len() as i64;
        let in_use = operators.iter().filter(|op| !op.is_disabled).count() as i64;
        if account.operators_in_use + in_use > account.operator_limit {
            return Err(StoreError::Guard(Guard::OperatorLimit));
        }
        let mut items = Vec::with_capacity(operators.len() * 5);
        for op in operators {
            let mut tx = self.tx();
            crate::items::put_new_operator_items(&mut tx, self.scope, op)?;
            crate::items::put_membership_items(&mut tx, self.scope, &GroupId::everyone(), &op.operator_id);
            for permission in grants {
                crate::items::put_grant_item(
                    &mut tx,
                    self.scope,
                    &Principal::Operator(op.operator_id.clone()),
                    *permission,
                );
            }
            items.extend(
                tx.into_put_items().ok_or_else(|| internal("bulk load: an operator's items are not all puts"))?,
            );
        }
        self.refuse_existing(&items).await?;
        self.batch_put(items).await?;

        let active = operators.iter().filter(|op| crate::items::counts_as_active(op)).count() as i64;
        let mut tx = self.tx();
        let (condition, mut values) = counters_unchanged(&account);
        values.extend([(":one", n(1)), (":total", n(added)), (":inUse", n(in_use)), (":active", n(active))]);
        tx.update(
            &self.scope.account(),
            "ADD #countersVersion :one, #operatorsTotal :total, #operatorsInUse :inUse, #operatorsActive :active",
            values,
            Condition::new(condition, Guard::Version),
        );
        // Everyone always has the account administrator: never empty before or after.
        tx.update(
            &self.scope.group(&GroupId::everyone()),
            "ADD #memberCount :total, #version :one",
            vec![(":total", n(added)), (":one", n(1))],
            Condition::exists(Guard::ParentMissing),
        );
        self.commit(tx).await
    }

    /// **Benchmark only** (see the module documentation): creates API users as `POST /api-users`
    /// would (the item with its password hash, the owner's roster; counted), in batches. Every
    /// owner must exist with the administrator flag copied on its API users, must have no API
    /// user yet, and gets at most `per_owner` (the domain crate's limit, as the route checks it).
    #[doc(hidden)]
    pub async fn bulk_create_api_users(self, users: &[BulkApiUser], per_owner: usize) -> Result<(), StoreError> {
        if users.is_empty() {
            return Ok(());
        }
        let mut ids = HashSet::new();
        let mut by_owner: BTreeMap<&OperatorId, Vec<&ApiUserRecord>> = BTreeMap::new();
        for user in users {
            if !ids.insert(user.record.api_user_id.as_str()) {
                return Err(StoreError::Guard(Guard::AlreadyExists));
            }
            by_owner.entry(&user.record.operator_id).or_default().push(&user.record);
        }
        if by_owner.values().any(|owned| owned.len() > per_owner) {
            return Err(internal(format!("bulk load: an operator owns at most {per_owner} API users")));
        }
        let account = self.bulk_account().await?;

        // Owners exist, and their flag is the one copied on their API users.
        let owner_ids: Vec<OperatorId> = by_owner.keys().map(|id| (*id).clone()).collect();
        let owners = self.operators_by_ids(&owner_ids).await?;
        if owners.len() != owner_ids.len() {
            return Err(StoreError::Guard(Guard::ParentMissing));
        }
        for owner in &owners {
            if by_owner[&owner.operator_id]
                .iter()
                .any(|u| u.owner_is_administrator != owner.is_administrator || u.owner_is_disabled != owner.is_disabled)
            {
                return Err(StoreError::Guard(Guard::Version));
            }
        }

        let mut items = Vec::with_capacity(users.len() + by_owner.len());
        for user in users {
            items.push(crate::api_users::api_user_item(self.scope, &user.record, &user.password_hash)?);
        }
        for (owner, owned) in &by_owner {
            let mut roster = key_item(&self.scope.api_user_roster(owner));
            roster.insert("operatorId".into(), s(owner.as_str()));
            let ids = owned.iter().map(|u| u.api_user_id.to_string()).collect();
            roster.insert(ApiUserId::IDS_ATTRIBUTE.into(), AttributeValue::Ss(ids));
            roster.insert("version".into(), n(1));
            items.push(roster);
        }
        // Also refuses owners that already have a roster (API users of their own).
        self.refuse_existing(&items).await?;
        self.batch_put(items).await?;

        let inactive = users.iter().filter(|u| u.record.inactive).count() as i64;
        let mut tx = self.tx();
        let (condition, mut values) = counters_unchanged(&account);
        values.extend([(":one", n(1)), (":total", n(users.len() as i64)), (":inactive", n(inactive))]);
        tx.update(
            &self.scope.account(),
            "ADD #countersVersion :one, #apiUsersTotal :total, #apiUsersInactive :inactive",
            values,
            Condition::new(condition, Guard::Version),
        );
        self.commit(tx).await
    }

    async fn bulk_account(self) -> Result<AccountRecord, StoreError> {
        self.account_record().await?.ok_or(StoreError::Guard(Guard::ParentMissing))
    }
}

/// The condition that nothing was counted since `account` was read (as the maintenance job's
/// write-back: accounts provisioned before the version existed have none yet, read as 0).
fn counters_unchanged(account: &AccountRecord) -> (&'static str, Values) {
    let condition = if account.counters_version == 0 {
        "attribute_exists(#PK) AND (attribute_not_exists(#countersVersion) OR #countersVersion = :seen)"
    } else {
        "attribute_exists(#PK) AND #countersVersion = :seen"
    };
    (condition, vec![(":seen", n(account.counters_version))])
}

#[cfg(all(test, feature = "embedded"))]
mod tests {
    use super::*;
    use crate::records::GroupRecord;
    use crate::records::testing::operator;
    use crate::values::{AccessType, AccountName, AccountType, CredentialDescription, GroupDescription, TimeZoneName};
    use crate::{ADMINISTRATORS_GROUP_ID, EVERYONE_GROUP_ID, EmbeddedDynamo, HubCounters, NewAccount, StoreConfig};

    const T: &str = "2026-01-01T00:00:00Z";
    /// What hub-api grants a new operator.
    const GRANTS: &[Permission] = &[Permission::AccountAccess];
    /// How many API users hub-api lets an operator own.
    const PER_OWNER: usize = 10;

    /// The monitors hub-api counts as production.
    fn production(m: &crate::records::MonitorRecord) -> bool {
        m.mode == crate::values::MonitorMode::Production
    }

    fn description(id: &str) -> CredentialDescription {
        CredentialDescription::parse(&format!("key {id}")).unwrap()
    }

    /// An API user of the operator `owner` (enabled, no administrator).
    fn api_user(id: &str, owner: &str, inactive: bool) -> BulkApiUser {
        let owner = operator(owner, &format!("{owner}@example.com"), true, false);
        BulkApiUser {
            record: ApiUserRecord {
                inactive,
                ..ApiUserRecord::new(id.into(), format!("hub_{id}"), &owner, AccessType::Generic, description(id), T)
            },
            password_hash: format!("hash-{id}"),
        }
    }

    /// A store on a fresh in-memory embedded DynamoDB, with one account (limit `limit`).
    async fn account(limit: i64) -> (EmbeddedDynamo, Store, AccountScope) {
        let dynamo = EmbeddedDynamo::in_memory().await.unwrap();
        let store = Store::connect(&StoreConfig::local(dynamo.endpoint())).await.unwrap();
        store.create_table_if_missing().await.unwrap();
        let group = |id: &str, description: &str| GroupRecord {
            group_id: id.into(),
            description: GroupDescription::parse(description).unwrap(),
            is_everyone: id == EVERYONE_GROUP_ID,
            is_administrators: id == ADMINISTRATORS_GROUP_ID,
            member_count: 1,
            external_id: None,
            created_at: T.into(),
            updated_at: T.into(),
            version: 1,
        };
        let new = NewAccount {
            account: AccountRecord {
                operator_limit: limit,
                ..AccountRecord::opened(
                    "acc".into(),
                    "admin".into(),
                    (AccountName::parse("Bulk").unwrap(), AccountType::Enterprise, TimeZoneName::parse("UTC").unwrap()),
                    T,
                )
            },
            admin: operator("admin", "admin@example.com", true, true),
            everyone: group(EVERYONE_GROUP_ID, "Everyone"),
            administrators: group(ADMINISTRATORS_GROUP_ID, "Administrators"),
            grants: vec![(Principal::Operator("admin".into()), Permission::AccountAccess)],
        };
        let audit = Audit::provisioning(
            "2026-11-30T10:00:00.000Z",
            "account.created",
            crate::AuditTarget { kind: "Account".into(), id: new.account.account_id.to_string(), name: None },
        );
        store.create_account(&new, &audit).await.unwrap();
        (dynamo, store, AccountScope::new(&"acc".into()))
    }

    /// The stored counters and member counts agree with a recount from the items.
    async fn assert_exact(store: &Store, scope: &AccountScope) -> HubCounters {
        let stored = HubCounters::stored(&store.in_account(scope).account_record().await.unwrap().unwrap());
        let recount = store.in_account(scope).recount(production).await.unwrap();
        assert_eq!(stored, recount.counters);
        for group in &recount.groups {
            assert_eq!(group.stored, group.actual, "memberCount of {}", group.group_id);
        }
        stored
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bulk_operators_are_the_items_of_real_creates_and_counted_once() {
        let (_db, store, scope) = account(100).await;
        let ops: Vec<_> =
            (0..60).map(|i| operator(&format!("op{i:03}"), &format!("Op{i}@Example.com"), i % 3 != 0, false)).collect();
        store.in_account(&scope).bulk_create_operators(&ops, GRANTS).await.unwrap();
        let counters = assert_exact(&store, &scope).await;
        assert_eq!((counters.operators_total, counters.operators_active), (61, 41));
        // Exactly what a real create writes: a real create next to them is counted the same way,
        // and the bulk operators are found by the routes' reads.
        let real = operator("real", "real@example.com", true, false);
        let audit = Audit::provisioning(
            "2026-11-30T10:00:00.000Z",
            "operator.created",
            crate::AuditTarget {
                kind: "Operator".into(),
                id: real.operator_id.to_string(),
                name: Some(real.full_name.to_string()),
            },
        );
        store.in_account(&scope).create_operator(&real, GRANTS, None, &audit).await.unwrap();
        let counters = assert_exact(&store, &scope).await;
        assert_eq!(counters.operators_total, 62);
        assert_eq!(store.in_account(&scope).operator(&"op007".into()).await.unwrap().unwrap(), ops[7]);
        assert_eq!(store.in_account(&scope).all_group_ids_of(&"op007".into()).await.unwrap(), [EVERYONE_GROUP_ID]);
        assert_eq!(
            store.in_account(&scope).grants_of(&Principal::Operator("op007".into())).await.unwrap(),
            [Permission::AccountAccess]
        );
        assert_eq!(store.in_account(&scope).first_active_operators(5).await.unwrap().len(), 5);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bulk_operators_refuse_what_a_transaction_would() {
        let (_db, store, scope) = account(10).await;
        let ok = vec![operator("a", "a@example.com", true, false)];
        store.in_account(&scope).bulk_create_operators(&ok, GRANTS).await.unwrap();
        // The same id again, an email taken (case-insensitively), duplicates within the load.
        let again = store.in_account(&scope).bulk_create_operators(&ok, GRANTS).await.unwrap_err();
        assert!(matches!(again, StoreError::Guard(Guard::AlreadyExists)), "{again:?}");
        let taken = store
            .in_account(&scope)
            .bulk_create_operators(&[operator("b", "A@EXAMPLE.com", true, false)], GRANTS)
            .await
            .unwrap_err();
        assert!(matches!(taken, StoreError::Guard(Guard::EmailTaken)), "{taken:?}");
        let twice = [operator("c", "c@example.com", true, false), operator("d", "C@example.com", true, false)];
        assert!(matches!(
            store.in_account(&scope).bulk_create_operators(&twice, GRANTS).await,
            Err(StoreError::Guard(Guard::EmailTaken))
        ));
        // The limit: 2 used of 10, 9 more is one too many.
        let many: Vec<_> =
            (0..9).map(|i| operator(&format!("m{i}"), &format!("m{i}@example.com"), true, false)).collect();
        assert!(matches!(
            store.in_account(&scope).bulk_create_operators(&many, GRANTS).await,
            Err(StoreError::Guard(Guard::OperatorLimit))
        ));
        assert!(
            store
                .in_account(&scope)
                .bulk_create_operators(&[operator("x", "x@example.com", true, true)], GRANTS)
                .await
                .is_err()
        );
        // Nothing of the refused loads was written.
        assert_eq!(assert_exact(&store, &scope).await.operators_total, 2);
        assert!(store.in_account(&scope).operator(&"m0".into()).await.unwrap().is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bulk_api_users_fill_rosters_and_counters() {
        let (_db, store, scope) = account(100).await;
        let ops: Vec<_> =
            (0..5).map(|i| operator(&format!("o{i}"), &format!("o{i}@example.com"), true, false)).collect();
        store.in_account(&scope).bulk_create_operators(&ops, GRANTS).await.unwrap();
        let users: Vec<_> =
            (0..30).map(|i| api_user(&format!("u{i:02}"), &format!("o{}", i % 3), i % 4 == 0)).collect();
        store.in_account(&scope).bulk_create_api_users(&users, PER_OWNER).await.unwrap();
        let counters = assert_exact(&store, &scope).await;
        assert_eq!((counters.api_users_total, counters.api_users_inactive), (30, 8));
        let roster = store.in_account(&scope).api_user_roster(&"o1".into()).await.unwrap();
        assert_eq!(roster.len(), 10);
        // The password hash is where authentication compares it; a wrong one is refused.
        let auth = store
            .in_account(&scope)
            .authenticate_api_user(&"u01".into(), "hash-u01", T, "d20260101")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(auth.operator_id, "o1");
        assert!(
            store
                .in_account(&scope)
                .authenticate_api_user(&"u01".into(), "nope", T, "d20260101")
                .await
                .unwrap()
                .is_none()
        );
        // A real delete of a bulk API user keeps the counters exact.
        let record = store.in_account(&scope).api_user(&"u04".into()).await.unwrap().unwrap();
        let audit = Audit::provisioning(
            "2026-11-30T10:00:00.000Z",
            "apiUser.deleted",
            crate::AuditTarget { kind: "ApiUser".into(), id: record.api_user_id.to_string(), name: None },
        );
        store.in_account(&scope).delete_api_user(&record, &audit).await.unwrap();
        assert_eq!(assert_exact(&store, &scope).await.api_users_inactive, 7);

        // Refused: an owner that already has API users, an unknown owner, an eleventh, a wrong flag.
        assert!(matches!(
            store.in_account(&scope).bulk_create_api_users(&[api_user("v", "o0", false)], PER_OWNER).await,
            Err(StoreError::Guard(Guard::AlreadyExists))
        ));
        assert!(matches!(
            store.in_account(&scope).bulk_create_api_users(&[api_user("v", "ghost", false)], PER_OWNER).await,
            Err(StoreError::Guard(Guard::ParentMissing))
        ));
        let eleven: Vec<_> = (0..11).map(|i| api_user(&format!("w{i}"), "o3", false)).collect();
        assert!(store.in_account(&scope).bulk_create_api_users(&eleven, PER_OWNER).await.is_err());
        let mut flagged = api_user("z", "o4", false);
        flagged.record.owner_is_administrator = true;
        assert!(matches!(
            store.in_account(&scope).bulk_create_api_users(&[flagged], PER_OWNER).await,
            Err(StoreError::Guard(Guard::Version))
        ));
        assert_eq!(assert_exact(&store, &scope).await.api_users_total, 29);
    }
}

/// **Benchmark only**, behind the `bulk` and `embedded` features (which only `hub-bench` and the
/// tests enable, so that no function compiles it): audit events written straight into the embedded DynamoDB's table, to
/// measure the log's read cost in an account of a million events without a million requests
/// through the API.
#[cfg(feature = "embedded")]
impl Store {
    /// Writes `events` into `scope`'s log through `dynamo`'s own bulk import (one SQLite
    /// transaction per call, the index entries maintained as a write maintains them), not through
    /// the wire: at a million events the requests, not the storage, were the seeding's cost. Each
    /// item is the one the real write puts (built by [`Audit`]'s own `apply` into a
    /// transaction that is never sent), so its keys and its index entries are exactly those of a
    /// change's event. The real put's only condition guards against a reused event id: ids must be
    /// distinct within the load and are assumed fresh (random 128-bit ids) rather than read first,
    /// since the log has no counter or other aggregate to keep honest. `dynamo` must be the
    /// database this store's client talks to.
    #[doc(hidden)]
    pub async fn bulk_import_audit_events(
        &self,
        dynamo: &crate::EmbeddedDynamo,
        scope: &AccountScope,
        events: &[Audit],
    ) -> Result<(), StoreError> {
        let mut ids = HashSet::new();
        let mut items = Vec::with_capacity(events.len());
        for audit in events {
            if !ids.insert(audit.event.event_id.as_str()) {
                return Err(StoreError::Guard(Guard::AlreadyExists));
            }
            let mut tx = self.tx();
            audit.apply(&mut tx, scope)?;
            for item in tx.into_put_items().ok_or_else(|| internal("bulk load: an audit event's item is not a put"))? {
                items.push(
                    item.iter().map(|(name, value)| Ok((name.clone(), embedded_value(value)?))).collect::<Result<
                        dynoxide::Item,
                        StoreError,
                    >>(
                    )?,
                );
            }
        }
        let db = dynamo.db.clone();
        let table = self.table.to_string();
        tokio::task::spawn_blocking(move || {
            db.enable_bulk_loading()?;
            db.import_items(&table, items, dynoxide::ImportOptions::default())
        })
        .await
        .map_err(|e| internal(format!("bulk import: {e}")))?
        .map_err(|e| internal(format!("bulk import: {e}")))?;
        Ok(())
    }
}

/// The embedded database's form of an SDK attribute value.
#[cfg(feature = "embedded")]
fn embedded_value(value: &AttributeValue) -> Result<dynoxide::AttributeValue, StoreError> {
    use dynoxide::AttributeValue as E;
    Ok(match value {
        AttributeValue::S(v) => E::S(v.clone()),
        AttributeValue::N(v) => E::N(v.clone()),
        AttributeValue::Bool(v) => E::BOOL(*v),
        AttributeValue::Null(v) => E::NULL(*v),
        AttributeValue::Ss(v) => E::SS(v.clone()),
        AttributeValue::Ns(v) => E::NS(v.clone()),
        AttributeValue::B(v) => E::B(v.as_ref().to_vec()),
        AttributeValue::Bs(v) => E::BS(v.iter().map(|b| b.as_ref().to_vec()).collect()),
        AttributeValue::L(v) => E::L(v.iter().map(embedded_value).collect::<Result<_, _>>()?),
        AttributeValue::M(v) => {
            E::M(v.iter().map(|(k, v)| Ok((k.clone(), embedded_value(v)?))).collect::<Result<_, StoreError>>()?)
        }
        _ => return Err(internal("bulk import: an attribute type the embedded database does not know")),
    })
}
