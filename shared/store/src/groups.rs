//! Operator groups and memberships.

use crate::Audit;
use crate::db::{AccountStore, Condition, Filter, Tx, n, string_attr};
use crate::error::{Guard, StoreError};
use crate::ids::{GroupId, OperatorId};
use crate::items::{
    ApiUserRoster, Reserved, group_item, member_count_guard, put_membership_items, put_new_group_items, put_pending,
    set_owner_flag,
};
use crate::keys::{ADMINISTRATORS_GROUP_ID, AccountScope, Index};
use crate::records::GroupRecord;
use crate::writes::{AccountChange, Counter, IdempotencyWrite, RulesLock};
use crate::{Page, PageRequest, QuerySpec};

/// Members added by one [`AccountStore::add_members`] transaction: three actions each (two membership
/// items and the operator's existence) plus the group and the account, within DynamoDB's 100.
pub const MAX_MEMBERS_PER_ADD: usize = 30;

/// The operator's part of a join: it must exist, and its `version` moves (see
/// [`AccountStore::add_member`]).
fn join_operator(tx: &mut Tx, scope: &AccountScope, operator_id: &OperatorId) {
    tx.update(
        &scope.operator(operator_id),
        "ADD #version :one",
        vec![(":one", n(1))],
        Condition::exists(Guard::ParentMissing),
    );
}

/// An operator joining (`is_administrator`) or leaving Administrators: its flag, moving its
/// `version`, and the copy its API users carry (`api_users`, the roster read before).
fn set_administrator(
    tx: &mut Tx,
    scope: &AccountScope,
    operator_id: &OperatorId,
    api_users: &ApiUserRoster,
    is_administrator: bool,
) {
    tx.update(
        &scope.operator(operator_id),
        "SET #isAdministrator = :isAdministrator ADD #version :one",
        vec![(":isAdministrator", aws_sdk_dynamodb::types::AttributeValue::Bool(is_administrator)), (":one", n(1))],
        Condition::exists(Guard::ParentMissing),
    );
    set_owner_flag(tx, scope, operator_id, api_users, is_administrator);
}

impl AccountStore<'_> {
    pub async fn group(self, group_id: &GroupId) -> Result<Option<GroupRecord>, StoreError> {
        self.record(&self.scope.group(group_id), None).await
    }

    /// The groups with these ids that exist, in the order of `ids`.
    pub async fn groups_by_ids(self, ids: &[GroupId]) -> Result<Vec<GroupRecord>, StoreError> {
        self.records_in_order(ids.iter().map(|id| self.scope.group(id)).collect(), ids, |g: &GroupRecord| &g.group_id)
            .await
    }

    /// Groups ordered by description; `is_empty` filters on having members.
    pub async fn list_groups(
        self,
        is_empty: Option<bool>,
        page: PageRequest<'_>,
    ) -> Result<Page<GroupRecord>, StoreError> {
        let filter = is_empty.map(|empty| Filter {
            expression: if empty { "#memberCount = :zero".into() } else { "#memberCount > :zero".into() },
            values: vec![(":zero", n(0))],
        });
        let spec = QuerySpec::on_index(Index::ByName, "groups".into(), self.scope.groups_by_name(), filter, page);
        self.query_records(spec, None).await
    }

    pub async fn create_group(
        self,
        g: &GroupRecord,
        idempotency: Option<&IdempotencyWrite>,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let mut tx = self.idempotent_tx(idempotency)?;
        AccountChange::default().add(Counter::GroupsTotal, 1).add(Counter::GroupsEmpty, 1).apply(&mut tx, self.scope);
        put_new_group_items(&mut tx, self.scope, g)?;
        audit.apply(&mut tx, self.scope)?;
        self.commit(tx).await
    }

    /// Replaces `old` by `new` (a rename) if nobody changed it in between, moving the name
    /// reservation with it.
    pub async fn update_group(self, old: &GroupRecord, new: &GroupRecord, audit: &Audit) -> Result<(), StoreError> {
        let mut tx = self.audited_tx(audit)?;
        tx.put_versioned(group_item(self.scope, new)?, old.version);
        let external_ids = (old.external_id.as_deref(), new.external_id.as_deref());
        Reserved::group(&old.group_id).move_to(&mut tx, self.scope, (&old.description, &new.description), external_ids);
        self.commit(tx).await
    }

    /// Deletes a group: the group, its name and its counts in one transaction with a pending
    /// marker; memberships and grants are then removed in idempotent steps.
    pub async fn delete_group(self, g: &GroupRecord, rules: &RulesLock, audit: &Audit) -> Result<(), StoreError> {
        self.begin_group_delete(g, rules, audit).await?;
        self.finish_delete(&crate::keys::Principal::Group(g.group_id.clone())).await
    }

    /// The first, atomic step of [`AccountStore::delete_group`], with the delete's one audit event.
    pub async fn begin_group_delete(self, g: &GroupRecord, rules: &RulesLock, audit: &Audit) -> Result<(), StoreError> {
        let mut tx = self.audited_tx(audit)?;
        tx.delete_versioned(&self.scope.group(&g.group_id), g.version);
        Reserved::group(&g.group_id).delete(&mut tx, self.scope, &g.description, g.external_id.as_deref());
        AccountChange::default()
            .add(Counter::GroupsTotal, -1)
            .add(Counter::GroupsEmpty, -i64::from(g.member_count == 0))
            .rules_lock(rules)
            .apply(&mut tx, self.scope);
        let principal = crate::keys::Principal::Group(g.group_id.clone());
        put_pending(&mut tx, self.scope, &principal);
        self.commit(tx).await
    }

    pub async fn is_member(self, group_id: &GroupId, operator_id: &OperatorId) -> Result<bool, StoreError> {
        Ok(self.get(&self.scope.member(group_id, operator_id)).await?.is_some())
    }

    /// Adds a member to `group` as read (`member_count_guard` keeps the empty-groups counter
    /// exact). Joining Administrators also flags the operator as administrator. Every
    /// join moves the operator's `version`: a removal of the operator that found it holding no
    /// protected permission (through its groups) then starts again.
    pub async fn add_member(
        self,
        group: &GroupRecord,
        operator_id: &OperatorId,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let api_users = self.administrator_api_users(group, operator_id).await?;
        let mut tx = self.audited_tx(audit)?;
        put_membership_items(&mut tx, self.scope, &group.group_id, operator_id);
        count_members_added(&mut tx, self.scope, group, 1);
        if group.group_id == ADMINISTRATORS_GROUP_ID {
            set_administrator(&mut tx, self.scope, operator_id, &api_users, true);
        } else {
            join_operator(&mut tx, self.scope, operator_id);
        }
        self.commit(tx).await
    }

    /// Which of `group_ids` the operator is a member of (batched reads).
    pub async fn groups_among(
        self,
        operator_id: &OperatorId,
        group_ids: &[GroupId],
    ) -> Result<std::collections::HashSet<GroupId>, StoreError> {
        if group_ids.is_empty() {
            return Ok(Default::default());
        }
        self.ids_at(group_ids.iter().map(|g| self.scope.member(g, operator_id)).collect(), "groupId").await
    }

    /// Which of `operator_ids` are members of the group (batched reads).
    pub async fn members_among(
        self,
        group_id: &GroupId,
        operator_ids: &[OperatorId],
    ) -> Result<std::collections::HashSet<OperatorId>, StoreError> {
        self.ids_at(operator_ids.iter().map(|id| self.scope.member(group_id, id)).collect(), "operatorId").await
    }

    /// Adds several operators (none a member yet, at most [`MAX_MEMBERS_PER_ADD`]) to `group` as
    /// read, in one transaction: their memberships, each operator's existence (and `version`, as
    /// for [`AccountStore::add_member`]), the member count, the empty-groups counter and the audit event
    /// of the batch (one event listing every member added): 3 × 30 + 3 = 93 actions at most, under
    /// DynamoDB's 100. Not for Administrators, whose members' flags change too
    /// ([`AccountStore::add_member`]). Returns the group as the write left it (as read when there was
    /// nothing to add), so that a next batch need not read it again.
    pub async fn add_members(
        self,
        group: &GroupRecord,
        operator_ids: &[OperatorId],
        audit: &Audit,
    ) -> Result<GroupRecord, StoreError> {
        if group.group_id == ADMINISTRATORS_GROUP_ID || operator_ids.len() > MAX_MEMBERS_PER_ADD {
            return Err(StoreError::Internal("add_members: Administrators or too many members".into()));
        }
        if operator_ids.is_empty() {
            return Ok(group.clone());
        }
        let added = operator_ids.len() as i64;
        let mut tx = self.audited_tx(audit)?;
        for id in operator_ids {
            put_membership_items(&mut tx, self.scope, &group.group_id, id);
            join_operator(&mut tx, self.scope, id);
        }
        count_members_added(&mut tx, self.scope, group, added);
        self.commit(tx).await?;
        Ok(GroupRecord { member_count: group.member_count + added, version: group.version + 1, ..group.clone() })
    }

    /// Removes a member from `group` as read. The caller has checked the rules (last
    /// administrator, last permission holders) and the write commits under `rules`.
    pub async fn remove_member(
        self,
        group: &GroupRecord,
        operator_id: &OperatorId,
        rules: &RulesLock,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let api_users = self.administrator_api_users(group, operator_id).await?;
        let mut tx = self.audited_tx(audit)?;
        tx.delete(&self.scope.member(&group.group_id, operator_id), Condition::exists(Guard::Version));
        tx.delete(&self.scope.member_of(operator_id, &group.group_id), Condition::none());
        let (count_condition, mut values) = member_count_guard(group.member_count, false);
        let mut condition = count_condition.to_owned();
        if group.group_id == ADMINISTRATORS_GROUP_ID {
            condition.push_str(" AND #memberCount > :one");
        }
        values.extend([(":one", n(1)), (":minusOne", n(-1))]);
        tx.update(
            &self.scope.group(&group.group_id),
            "ADD #memberCount :minusOne, #version :one",
            values,
            Condition::new(&condition, Guard::Version),
        );
        AccountChange::default()
            .add(Counter::GroupsEmpty, i64::from(group.member_count == 1))
            .rules_lock(rules)
            .apply(&mut tx, self.scope);
        if group.group_id == ADMINISTRATORS_GROUP_ID {
            set_administrator(&mut tx, self.scope, operator_id, &api_users, false);
        }
        self.commit(tx).await
    }

    /// The operator's API users when `group` is Administrators: their `ownerIsAdministrator`
    /// changes in the same transaction as the membership (guarded by the roster read here).
    async fn administrator_api_users(
        self,
        group: &GroupRecord,
        operator_id: &OperatorId,
    ) -> Result<ApiUserRoster, StoreError> {
        if group.group_id == ADMINISTRATORS_GROUP_ID {
            self.api_user_roster(operator_id).await
        } else {
            Ok(Default::default())
        }
    }

    /// One page of the ids of a group's members, in id order.
    pub async fn member_ids(self, group_id: &GroupId, page: PageRequest<'_>) -> Result<Page<OperatorId>, StoreError> {
        let spec =
            QuerySpec::under(self.scope, format!("members:{group_id}"), self.scope.members_prefix(group_id), page);
        self.id_page(spec, "operatorId").await
    }

    /// One page of the ids of the groups an operator belongs to, in id order.
    pub async fn group_ids_of(
        self,
        operator_id: &OperatorId,
        page: PageRequest<'_>,
    ) -> Result<Page<GroupId>, StoreError> {
        let spec = QuerySpec::under(
            self.scope,
            format!("groupsOf:{operator_id}"),
            self.scope.member_of_prefix(operator_id),
            page,
        );
        self.id_page(spec, "groupId").await
    }

    /// Every group id an operator belongs to.
    pub async fn all_group_ids_of(self, operator_id: &OperatorId) -> Result<Vec<GroupId>, StoreError> {
        self.ids_under(&self.scope.member_of_prefix(operator_id), "groupId").await
    }

    /// Every member id of a group.
    pub async fn all_member_ids(self, group_id: &GroupId) -> Result<Vec<OperatorId>, StoreError> {
        self.ids_under(&self.scope.members_prefix(group_id), "operatorId").await
    }

    /// One page of the membership items of `spec`, as the ids they hold in `attribute`.
    async fn id_page<I: From<String>>(self, spec: QuerySpec<'_>, attribute: &str) -> Result<Page<I>, StoreError> {
        Ok(self.query_page(spec).await?.map(|item| I::from(string_attr(&item, attribute).unwrap_or_default())))
    }
}

/// `added` members joined `group` as read: its member count and version move, guarded by the
/// count read (`member_count_guard`), and the account's empty-groups counter when it was empty.
fn count_members_added(tx: &mut Tx, scope: &AccountScope, group: &GroupRecord, added: i64) {
    let (condition, mut values) = member_count_guard(group.member_count, true);
    values.extend([(":added", n(added)), (":one", n(1))]);
    tx.update(
        &scope.group(&group.group_id),
        "ADD #memberCount :added, #version :one",
        values,
        Condition::new(condition, Guard::Version),
    );
    AccountChange::default().add(Counter::GroupsEmpty, -i64::from(group.member_count == 0)).apply(tx, scope);
}
