//! The account item: provisioning (one transaction with the first administrator, the system
//! groups, their memberships and grants) and reads.

use crate::Audit;
use crate::db::{AccountStore, Condition, Item, key_item, s, strings_in};
use crate::error::{Guard, StoreError};
use crate::ids::AccountId;
use crate::items::{put_grant_item, put_membership_items, put_new_group_items, put_new_operator_items};
use crate::keys::{ACCOUNTS_LIST, AccountScope, Index, Principal};
use crate::records::{AccountRecord, GroupRecord, OperatorRecord};
use crate::values::Permission;
use crate::{Page, PageRequest, QuerySpec, Store};

/// Everything a new account starts with, built by the domain layer.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub account: AccountRecord,
    pub admin: OperatorRecord,
    pub everyone: GroupRecord,
    pub administrators: GroupRecord,
    pub grants: Vec<(Principal, Permission)>,
}

impl Store {
    /// Provisions an account in one transaction: the account item, its administrator, the two
    /// system groups, memberships and initial grants.
    pub async fn create_account(&self, new: &NewAccount, audit: &Audit) -> Result<(), StoreError> {
        let scope = AccountScope::new(&new.account.account_id);
        let mut tx = self.tx();
        audit.apply(&mut tx, &scope)?;
        let mut item: Item = serde_dynamo::to_item(&new.account)?;
        item.extend(key_item(&scope.account()));
        item.insert(Index::ByName.hash_key().into(), s(ACCOUNTS_LIST));
        item.insert(Index::ByName.range_key().into(), s(&new.account.account_id));
        tx.put(item, Condition::absent(Guard::AlreadyExists));
        put_new_operator_items(&mut tx, &scope, &new.admin)?;
        for group in [&new.everyone, &new.administrators] {
            put_new_group_items(&mut tx, &scope, group)?;
            put_membership_items(&mut tx, &scope, &group.group_id, &new.admin.operator_id);
        }
        for (principal, permission) in &new.grants {
            put_grant_item(&mut tx, &scope, principal, *permission);
        }
        self.commit(tx).await
    }

    /// One page of the ids of all accounts (for the maintenance job; never a table scan).
    pub async fn list_account_ids(&self, page: PageRequest<'_>) -> Result<Page<AccountId>, StoreError> {
        // The list's cursors belong to no one account.
        let scope = AccountScope::new(&AccountId::new("*"));
        let spec = QuerySpec::on_index(Index::ByName, "accounts".into(), ACCOUNTS_LIST.into(), None, page);
        let page = self.in_account(&scope).query_page(spec).await?;
        let ids = strings_in(&page.items, "accountId").map(AccountId::new).collect();
        Ok(Page { items: ids, next_cursor: page.next_cursor })
    }
}

impl AccountStore<'_> {
    /// The account item: its settings and counters (one strongly consistent GetItem).
    pub async fn account_record(self) -> Result<Option<AccountRecord>, StoreError> {
        self.record(&self.scope.account(), None).await
    }
}
