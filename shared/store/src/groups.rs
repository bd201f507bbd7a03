//! Operator groups and memberships.

use std::collections::HashMap;

use crate::db::{Filter, Item, Tx, n, s};
use crate::error::{Guard, StoreError};
use crate::ids::{GroupId, OperatorId};
use crate::items::{
    ApiUserRoster, group_item, group_name_item, member_count_guard, put_external_id, put_membership_items,
    put_new_group_items, put_pending, set_owner_flag,
};
use crate::keys::{ADMINISTRATORS_GROUP_ID, AccountScope, Index};
use crate::records::{GroupRecord, decode};
use crate::writes::{AccountChange, Counter, IdempotencyWrite, RulesLock};
use crate::{Page, PageRequest, QuerySpec, Store};

/// Members added by one [`Store::add_members`] transaction: three actions each (two membership
/// items and the operator's existence) plus the group and the account, within DynamoDB's 100.
pub const MAX_MEMBERS_PER_ADD: usize = 30;

/// The operator's part of a join: it must exist, and its `version` moves (see
/// [`Store::add_member`]).
fn join_operator(tx: &mut Tx, scope: &AccountScope, operator_id: &OperatorId) {
    tx.update(
        &scope.operator(operator_id),
        "ADD #version :one",
        Some("attribute_exists(#PK)"),
        vec![(":one", n(1))],
        Some(Guard::ParentMissing),
    );
}

fn string_attr(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

impl Store {
    pub async fn group(&self, scope: &AccountScope, group_id: &GroupId) -> Result<Option<GroupRecord>, StoreError> {
        self.get(&scope.group(group_id)).await?.map(decode).transpose()
    }

    /// The groups with these ids that exist, in the order of `ids`.
    pub async fn groups_by_ids(&self, scope: &AccountScope, ids: &[GroupId]) -> Result<Vec<GroupRecord>, StoreError> {
        let items = self.batch_get(ids.iter().map(|id| scope.group(id)).collect()).await?;
        let mut by_id: HashMap<GroupId, GroupRecord> = HashMap::new();
        for item in items {
            let g: GroupRecord = decode(item)?;
            by_id.insert(g.group_id.clone(), g);
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// Groups ordered by description; `is_empty` filters on having members.
    pub async fn list_groups(
        &self,
        scope: &AccountScope,
        is_empty: Option<bool>,
        page: PageRequest<'_>,
    ) -> Result<Page<GroupRecord>, StoreError> {
        let filter = is_empty.map(|empty| Filter {
            expression: if empty { "#memberCount = :zero".into() } else { "#memberCount > :zero".into() },
            values: vec![(":zero", n(0))],
        });
        let spec = QuerySpec {
            list: "groups".into(),
            index: Some(Index::ByName),
            hash_value: scope.groups_by_name(),
            sk_prefix: None,
            filter,
            page,
        };
        let page = self.query_page(scope, spec).await?;
        Ok(Page { items: page.items.into_iter().map(decode).collect::<Result<_, _>>()?, next_cursor: page.next_cursor })
    }

    pub async fn create_group(
        &self,
        scope: &AccountScope,
        g: &GroupRecord,
        idempotency: Option<&IdempotencyWrite>,
        audit: &crate::Audit,
    ) -> Result<(), StoreError> {
        let mut tx = self.tx();
        // First, so that a concurrent retry with the same key is reported as such.
        if let Some(idem) = idempotency {
            idem.apply(&mut tx, scope)?;
        }
        AccountChange::default().add(Counter::GroupsTotal, 1).add(Counter::GroupsEmpty, 1).apply(&mut tx, scope);
        put_new_group_items(&mut tx, scope, g)?;
        audit.apply(&mut tx, scope)?;
        self.commit(tx).await
    }

    /// Replaces `old` by `new` (a rename) if nobody changed it in between, moving the name
    /// reservation with it.
    pub async fn update_group(
        &self,
        scope: &AccountScope,
        old: &GroupRecord,
        new: &GroupRecord,
        audit: &crate::Audit,
    ) -> Result<(), StoreError> {
        let mut tx = self.tx();
        audit.apply(&mut tx, scope)?;
        tx.put(
            group_item(scope, new)?,
            Some("#version = :seen"),
            vec![(":seen", n(old.version))],
            Some(Guard::Version),
        );
        if old.description.to_lowercase() != new.description.to_lowercase() {
            tx.delete(
                &scope.group_name(&old.description.to_lowercase()),
                Some("#groupId = :id"),
                vec![(":id", s(&old.group_id))],
                Some(Guard::Version),
            );
            tx.put(group_name_item(scope, new), Some("attribute_not_exists(#PK)"), vec![], Some(Guard::GroupNameTaken));
        }
        if old.external_id != new.external_id {
            if let Some(old_id) = &old.external_id {
                tx.delete(&scope.group_external_id(old_id), None, vec![], None);
            }
            if let Some(new_id) = &new.external_id {
                put_external_id(&mut tx, scope.group_external_id(new_id), "groupId", &new.group_id);
            }
        }
        self.commit(tx).await
    }

    /// Deletes a group: the group, its name and its counts in one transaction with a pending
    /// marker; memberships and grants are then removed in idempotent steps.
    pub async fn delete_group(
        &self,
        scope: &AccountScope,
        g: &GroupRecord,
        rules: &RulesLock,
        permission_names: &[&str],
        audit: &crate::Audit,
    ) -> Result<(), StoreError> {
        self.begin_group_delete(scope, g, rules, audit).await?;
        self.finish_delete(scope, &crate::keys::Principal::Group(g.group_id.clone()), permission_names).await
    }

    /// The first, atomic step of [`Store::delete_group`], with the delete's one audit event.
    pub async fn begin_group_delete(
        &self,
        scope: &AccountScope,
        g: &GroupRecord,
        rules: &RulesLock,
        audit: &crate::Audit,
    ) -> Result<(), StoreError> {
        let mut tx = self.tx();
        audit.apply(&mut tx, scope)?;
        tx.delete(
            &scope.group(&g.group_id),
            Some("#version = :seen"),
            vec![(":seen", n(g.version))],
            Some(Guard::Version),
        );
        tx.delete(&scope.group_name(&g.description.to_lowercase()), None, vec![], None);
        if let Some(external_id) = &g.external_id {
            tx.delete(&scope.group_external_id(external_id), None, vec![], None);
        }
        AccountChange::default()
            .add(Counter::GroupsTotal, -1)
            .add(Counter::GroupsEmpty, -i64::from(g.member_count == 0))
            .rules_lock(rules)
            .apply(&mut tx, scope);
        let principal = crate::keys::Principal::Group(g.group_id.clone());
        put_pending(&mut tx, scope, &principal);
        self.commit(tx).await
    }

    pub async fn is_member(
        &self,
        scope: &AccountScope,
        group_id: &GroupId,
        operator_id: &OperatorId,
    ) -> Result<bool, StoreError> {
        Ok(self.get(&scope.member(group_id, operator_id)).await?.is_some())
    }

    /// Adds a member to `group` as read (`member_count_guard` keeps the empty-groups counter
    /// exact). Joining Administrators also flags the operator as administrator. Every
    /// join moves the operator's `version`: a removal of the operator that found it holding no
    /// protected permission (through its groups) then starts again.
    pub async fn add_member(
        &self,
        scope: &AccountScope,
        group: &GroupRecord,
        operator_id: &OperatorId,
        audit: &crate::Audit,
    ) -> Result<(), StoreError> {
        let api_users = self.administrator_api_users(scope, group, operator_id).await?;
        let mut tx = self.tx();
        audit.apply(&mut tx, scope)?;
        put_membership_items(&mut tx, scope, &group.group_id, operator_id);
        let (condition, mut values) = member_count_guard(group.member_count, true);
        values.push((":one", n(1)));
        tx.update(
            &scope.group(&group.group_id),
            "ADD #memberCount :one, #version :one",
            Some(condition),
            values,
            Some(Guard::Version),
        );
        AccountChange::default().add(Counter::GroupsEmpty, -i64::from(group.member_count == 0)).apply(&mut tx, scope);
        if group.group_id == ADMINISTRATORS_GROUP_ID {
            tx.update(
                &scope.operator(operator_id),
                "SET #isAdministrator = :yes ADD #version :one",
                Some("attribute_exists(#PK)"),
                vec![(":yes", aws_sdk_dynamodb::types::AttributeValue::Bool(true)), (":one", n(1))],
                Some(Guard::ParentMissing),
            );
            set_owner_flag(&mut tx, scope, operator_id, &api_users, true);
        } else {
            join_operator(&mut tx, scope, operator_id);
        }
        self.commit(tx).await
    }

    /// Which of `group_ids` the operator is a member of (batched reads).
    pub async fn groups_among(
        &self,
        scope: &AccountScope,
        operator_id: &OperatorId,
        group_ids: &[GroupId],
    ) -> Result<std::collections::HashSet<GroupId>, StoreError> {
        if group_ids.is_empty() {
            return Ok(Default::default());
        }
        let items = self.batch_get(group_ids.iter().map(|g| scope.member(g, operator_id)).collect()).await?;
        Ok(items.iter().filter_map(|i| string_attr(i, "groupId")).map(GroupId::new).collect())
    }

    /// Which of `operator_ids` are members of the group (batched reads).
    pub async fn members_among(
        &self,
        scope: &AccountScope,
        group_id: &GroupId,
        operator_ids: &[OperatorId],
    ) -> Result<std::collections::HashSet<OperatorId>, StoreError> {
        let items = self.batch_get(operator_ids.iter().map(|id| scope.member(group_id, id)).collect()).await?;
        Ok(items.iter().filter_map(|i| string_attr(i, "operatorId")).map(OperatorId::new).collect())
    }

    /// Adds several operators (none a member yet, at most [`MAX_MEMBERS_PER_ADD`]) to `group` as
    /// read, in one transaction: their memberships, each operator's existence (and `version`, as
    /// for [`Store::add_member`]), the member count, the empty-groups counter and the audit event
    /// of the batch (one event listing every member added): 3 × 30 + 3 = 93 actions at most, under
    /// DynamoDB's 100. Not for Administrators, whose members' flags change too
    /// ([`Store::add_member`]).
    pub async fn add_members(
        &self,
        scope: &AccountScope,
        group: &GroupRecord,
        operator_ids: &[OperatorId],
        audit: &crate::Audit,
    ) -> Result<(), StoreError> {
        if group.group_id == ADMINISTRATORS_GROUP_ID || operator_ids.len() > MAX_MEMBERS_PER_ADD {
            return Err(StoreError::Internal("add_members: Administrators or too many members".into()));
        }
        if operator_ids.is_empty() {
            return Ok(());
        }
        let mut tx = self.tx();
        audit.apply(&mut tx, scope)?;
        for id in operator_ids {
            put_membership_items(&mut tx, scope, &group.group_id, id);
            join_operator(&mut tx, scope, id);
        }
        let (condition, mut values) = member_count_guard(group.member_count, true);
        values.extend([(":added", n(operator_ids.len() as i64)), (":one", n(1))]);
        tx.update(
            &scope.group(&group.group_id),
            "ADD #memberCount :added, #version :one",
            Some(condition),
            values,
            Some(Guard::Version),
        );
        AccountChange::default().add(Counter::GroupsEmpty, -i64::from(group.member_count == 0)).apply(&mut tx, scope);
        self.commit(tx).await
    }

    /// Removes a member from `group` as read. The caller has checked the rules (last
    /// administrator, last permission holders) and the write commits under `rules`.
    pub async fn remove_member(
        &self,
        scope: &AccountScope,
        group: &GroupRecord,
        operator_id: &OperatorId,
        rules: &RulesLock,
        audit: &crate::Audit,
    ) -> Result<(), StoreError> {
        let api_users = self.administrator_api_users(scope, group, operator_id).await?;
        let mut tx = self.tx();
        audit.apply(&mut tx, scope)?;
        tx.delete(
            &scope.member(&group.group_id, operator_id),
            Some("attribute_exists(#PK)"),
            vec![],
            Some(Guard::Version),
        );
        tx.delete(&scope.member_of(operator_id, &group.group_id), None, vec![], None);
        let (count_condition, mut values) = member_count_guard(group.member_count, false);
        let mut condition = count_condition.to_owned();
        if group.group_id == ADMINISTRATORS_GROUP_ID {
            condition.push_str(" AND #memberCount > :one");
        }
        values.extend([(":one", n(1)), (":minusOne", n(-1))]);
        tx.update(
            &scope.group(&group.group_id),
            "ADD #memberCount :minusOne, #version :one",
            Some(&condition),
            values,
            Some(Guard::Version),
        );
        AccountChange::default()
            .add(Counter::GroupsEmpty, i64::from(group.member_count == 1))
            .rules_lock(rules)
            .apply(&mut tx, scope);
        if group.group_id == ADMINISTRATORS_GROUP_ID {
            tx.update(
                &scope.operator(operator_id),
                "SET #isAdministrator = :no ADD #version :one",
                Some("attribute_exists(#PK)"),
                vec![(":no", aws_sdk_dynamodb::types::AttributeValue::Bool(false)), (":one", n(1))],
                Some(Guard::ParentMissing),
            );
            set_owner_flag(&mut tx, scope, operator_id, &api_users, false);
        }
        self.commit(tx).await
    }

    /// The operator's API users when `group` is Administrators: their `ownerIsAdministrator`
    /// changes in the same transaction as the membership (guarded by the roster read here).
    async fn administrator_api_users(
        &self,
        scope: &AccountScope,
        group: &GroupRecord,
        operator_id: &OperatorId,
    ) -> Result<ApiUserRoster, StoreError> {
        if group.group_id == ADMINISTRATORS_GROUP_ID {
            self.api_user_roster(scope, operator_id).await
        } else {
            Ok(Default::default())
        }
    }

    /// One page of the ids of a group's members, in id order.
    pub async fn member_ids(
        &self,
        scope: &AccountScope,
        group_id: &GroupId,
        page: PageRequest<'_>,
    ) -> Result<Page<OperatorId>, StoreError> {
        let spec = QuerySpec {
            list: format!("members:{group_id}"),
            index: None,
            hash_value: scope.partition().to_owned(),
            sk_prefix: Some(scope.members_prefix(group_id)),
            filter: None,
            page,
        };
        Ok(self
            .query_page(scope, spec)
            .await?
            .map(|item| OperatorId::new(string_attr(&item, "operatorId").unwrap_or_default())))
    }

    /// One page of the ids of the groups an operator belongs to, in id order.
    pub async fn group_ids_of(
        &self,
        scope: &AccountScope,
        operator_id: &OperatorId,
        page: PageRequest<'_>,
    ) -> Result<Page<GroupId>, StoreError> {
        let spec = QuerySpec {
            list: format!("groupsOf:{operator_id}"),
            index: None,
            hash_value: scope.partition().to_owned(),
            sk_prefix: Some(scope.member_of_prefix(operator_id)),
            filter: None,
            page,
        };
        Ok(self
            .query_page(scope, spec)
            .await?
            .map(|item| GroupId::new(string_attr(&item, "groupId").unwrap_or_default())))
    }

    /// Every group id an operator belongs to.
    pub async fn all_group_ids_of(
        &self,
        scope: &AccountScope,
        operator_id: &OperatorId,
    ) -> Result<Vec<GroupId>, StoreError> {
        let items = self.query_all(scope, &scope.member_of_prefix(operator_id)).await?;
        Ok(items.iter().filter_map(|i| string_attr(i, "groupId")).map(GroupId::new).collect())
    }

    /// Every member id of a group.
    pub async fn all_member_ids(
        &self,
        scope: &AccountScope,
        group_id: &GroupId,
    ) -> Result<Vec<OperatorId>, StoreError> {
        let items = self.query_all(scope, &scope.members_prefix(group_id)).await?;
        Ok(items.iter().filter_map(|i| string_attr(i, "operatorId")).map(OperatorId::new).collect())
    }
}
