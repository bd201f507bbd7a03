//! The account item: provisioning, reads, and the counter changes that ride along with every
//! write they count.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::db::{Item, Tx, key_item, n, s};
use crate::error::{Guard, StoreError};
use crate::keys::{ACCOUNTS_LIST, AccountScope, Index, Principal};
use crate::records::{AccountRecord, GroupRecord, IdempotencyRecord, OperatorRecord, decode};
use crate::{Page, PageRequest, QuerySpec, Store};

/// A counter on the account item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Counter {
    OperatorsTotal,
    OperatorsInUse,
    OperatorsActive,
    GroupsTotal,
    GroupsEmpty,
    ApiUsersTotal,
    ApiUsersInactive,
    MonitorsTotal,
    ProductionMonitors,
}

impl Counter {
    fn attribute(self) -> &'static str {
        match self {
            Counter::OperatorsTotal => "operatorsTotal",
            Counter::OperatorsInUse => "operatorsInUse",
            Counter::OperatorsActive => "operatorsActive",
            Counter::GroupsTotal => "groupsTotal",
            Counter::GroupsEmpty => "groupsEmpty",
            Counter::ApiUsersTotal => "apiUsersTotal",
            Counter::ApiUsersInactive => "apiUsersInactive",
            Counter::MonitorsTotal => "monitorsTotal",
            Counter::ProductionMonitors => "productionMonitors",
        }
    }
}

/// The one update of the account item that a transaction may carry (DynamoDB allows one action
/// per item): counter deltas plus the conditions the write depends on.
#[derive(Debug, Default)]
pub(crate) struct AccountChange {
    deltas: Vec<(Counter, i64)>,
    rules_seen: Option<i64>,
    enforce_operator_limit: bool,
}

const DELTA_VALUES: [&str; 9] = [":d0", ":d1", ":d2", ":d3", ":d4", ":d5", ":d6", ":d7", ":d8"];

impl AccountChange {
    pub(crate) fn add(mut self, counter: Counter, delta: i64) -> Self {
        if delta != 0 {
            match self.deltas.iter_mut().find(|(c, _)| *c == counter) {
                Some((_, d)) => *d += delta,
                None => self.deltas.push((counter, delta)),
            }
        }
        self
    }

    /// The write may only commit if no other permission- or administrator-reducing change
    /// committed since `rules_version` was read; it moves the version on.
    pub(crate) fn rules_lock(mut self, rules_version: i64) -> Self {
        self.rules_seen = Some(rules_version);
        self
    }

    /// The write may only commit while the operators in use (not disabled) are below the limit:
    /// a create or a re-enable.
    pub(crate) fn enforce_operator_limit(mut self) -> Self {
        self.enforce_operator_limit = true;
        self
    }

    pub(crate) fn apply(self, tx: &mut Tx, scope: &AccountScope) {
        if self.deltas.is_empty() && self.rules_seen.is_none() && !self.enforce_operator_limit {
            return;
        }
        let mut values: Vec<(&'static str, AttributeValue)> = Vec::new();
        let adds: Vec<String> = self
            .deltas
            .iter()
            .zip(DELTA_VALUES)
            .map(|((counter, delta), placeholder)| {
                values.push((placeholder, n(*delta)));
                format!("#{} {placeholder}", counter.attribute())
            })
            .collect();
        let mut update = String::new();
        if !adds.is_empty() {
            // Every counter change also moves `countersVersion`, so that a recount (the
            // maintenance job) can write its result only if nothing was counted meanwhile.
            values.push((":counted", n(1)));
            update.push_str("ADD #countersVersion :counted, ");
            update.push_str(&adds.join(", "));
        }
        let mut condition = "attribute_exists(#PK)".to_owned();
        let mut guard = Guard::ParentMissing;
        if let Some(seen) = self.rules_seen {
            update.push_str(" SET #rulesVersion = :rulesNext");
            values.push((":rulesSeen", n(seen)));
            values.push((":rulesNext", n(seen + 1)));
            condition.push_str(" AND #rulesVersion = :rulesSeen");
            guard = Guard::RulesChanged;
        }
        if self.enforce_operator_limit {
            condition.push_str(" AND #operatorsInUse < #operatorLimit");
            guard = Guard::OperatorLimit;
        }
        tx.update(&scope.account(), update.trim(), Some(&condition), values, Some(guard));
    }
}

/// An `Idempotency-Key` record written in the same transaction as the creation it remembers, so
/// that two concurrent retries can never both create.
#[derive(Debug, Clone)]
pub struct IdempotencyWrite {
    /// Who and which route the key belongs to (keys of different callers never collide).
    pub scope: String,
    pub key: String,
    pub record: IdempotencyRecord,
    /// Epoch seconds now: an expired record under the same key may be replaced.
    pub now: i64,
}

impl IdempotencyWrite {
    pub(crate) fn apply(&self, tx: &mut Tx, scope: &AccountScope) -> Result<(), StoreError> {
        let mut item: Item = serde_dynamo::to_item(&self.record)?;
        item.extend(key_item(&scope.idempotency(&self.scope, &self.key)));
        tx.put(
            item,
            Some("attribute_not_exists(#PK) OR #expiresAt < :now"),
            vec![(":now", n(self.now))],
            Some(Guard::IdempotencyKey),
        );
        Ok(())
    }
}

/// Everything a new account starts with, built by the domain layer.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub account: AccountRecord,
    pub admin: OperatorRecord,
    pub everyone: GroupRecord,
    pub administrators: GroupRecord,
    pub grants: Vec<(Principal, String)>,
}

impl Store {
    pub async fn account(&self, scope: &AccountScope) -> Result<Option<AccountRecord>, StoreError> {
        self.get(&scope.account()).await?.map(decode).transpose()
    }

    /// Provisions an account in one transaction: the account item, its administrator, the two
    /// system groups, memberships and initial grants.
    pub async fn create_account(&self, new: &NewAccount, audit: &crate::Audit) -> Result<(), StoreError> {
        let scope = AccountScope::new(&new.account.account_id);
        let mut tx = self.tx();
        audit.apply(&mut tx, &scope)?;
        let mut item: Item = serde_dynamo::to_item(&new.account)?;
        item.extend(key_item(&scope.account()));
        item.insert(Index::ByName.hash_key().into(), s(ACCOUNTS_LIST));
        item.insert(Index::ByName.range_key().into(), s(&new.account.account_id));
        tx.put(item, Some("attribute_not_exists(#PK)"), vec![], Some(Guard::AlreadyExists));
        crate::operators::put_new_operator_items(&mut tx, &scope, &new.admin)?;
        for group in [&new.everyone, &new.administrators] {
            crate::groups::put_new_group_items(&mut tx, &scope, group)?;
            crate::groups::put_membership_items(&mut tx, &scope, &group.group_id, &new.admin.operator_id);
        }
        for (principal, permission) in &new.grants {
            crate::grants::put_grant_item(&mut tx, &scope, principal, permission);
        }
        self.commit(tx).await
    }

    /// One page of the ids of all accounts (for the maintenance job; never a table scan).
    pub async fn list_account_ids(&self, page: PageRequest<'_>) -> Result<Page<String>, StoreError> {
        let scope = AccountScope::new("*");
        let spec = QuerySpec {
            list: "accounts".into(),
            index: Some(Index::ByName),
            hash_value: ACCOUNTS_LIST.into(),
            sk_prefix: None,
            filter: None,
            page,
        };
        let page = self.query_page(&scope, spec).await?;
        let ids = page
            .items
            .iter()
            .filter_map(|i| i.get("accountId").and_then(|v| v.as_s().ok()).cloned())
            .collect();
        Ok(Page { items: ids, next_cursor: page.next_cursor })
    }
}
