//! The items of each entity as transaction actions, for the transactions that span entities:
//! account creation puts a new operator, groups, memberships and grants; an operator create joins
//! Everyone and gets its grants; a delete leaves a pending marker; the delete cascade and the
//! membership changes remove membership items and set the owner flags of API users. Built from
//! keys, records and the transaction builder only; the repositories put them together.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::db::{Condition, Item, Tx, Values, key_item, n, s};
use crate::error::{Guard, StoreError};
use crate::ids::{ApiUserId, GroupId, OperatorId, ScimTokenId};
use crate::keys::{AccountScope, Index, Key, Principal, name_sort_key};
use crate::records::{GroupRecord, OperatorRecord};
use crate::values::Permission;

// Operators.

/// Counted in `operatorsActive` and listed in the active index: the Active switch is on and the
/// operator is not disabled.
pub(crate) fn counts_as_active(op: &OperatorRecord) -> bool {
    op.is_on_duty && !op.is_disabled
}

/// The operator item with its index keys: every operator is listed by name; only active ones
/// (switch on, not disabled) in the active index; only enabled ones with schedules in the
/// scheduled index. A disabled operator is in neither sparse index, so the summary's active
/// list and "on duty now" never see it.
pub(crate) fn operator_item(scope: &AccountScope, op: &OperatorRecord) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(op)?;
    item.extend(key_item(&scope.operator(&op.operator_id)));
    let by_name = name_sort_key(&op.full_name, &op.operator_id);
    item.insert(Index::ByName.hash_key().into(), s(scope.operators_by_name()));
    item.insert(Index::ByName.range_key().into(), s(&by_name));
    if counts_as_active(op) {
        item.insert(Index::ActiveOperators.hash_key().into(), s(scope.active_operators()));
        item.insert(Index::ActiveOperators.range_key().into(), s(&by_name));
    }
    if !op.schedules.is_empty() && !op.is_disabled {
        item.insert(Index::ScheduledOperators.hash_key().into(), s(scope.scheduled_operators()));
        item.insert(Index::ScheduledOperators.range_key().into(), s(&op.operator_id));
    }
    item.insert("nameLower".into(), s(op.full_name.to_lowercase()));
    item.insert("emailLower".into(), s(op.email.to_lowercase()));
    Ok(item)
}

/// The items of a new operator (without counters): the operator, its reservations (email and
/// `externalId`) and, when it is disabled, its marker.
pub(crate) fn put_new_operator_items(tx: &mut Tx, scope: &AccountScope, op: &OperatorRecord) -> Result<(), StoreError> {
    tx.put(operator_item(scope, op)?, Condition::absent(Guard::AlreadyExists));
    Reserved::operator(&op.operator_id).put(tx, scope, &op.email, op.external_id.as_deref());
    if op.is_disabled {
        put_disabled_marker(tx, scope, &op.operator_id);
    }
    Ok(())
}

pub(crate) fn put_disabled_marker(tx: &mut Tx, scope: &AccountScope, operator_id: &OperatorId) {
    tx.put(reservation_item(&scope.disabled(operator_id), "operatorId", operator_id), Condition::none());
}

/// An item that only names what it belongs to (`id_attribute` = `id`): the unique reservations
/// (emails, group names, `externalId`s) and the markers.
pub(crate) fn reservation_item(key: &Key, id_attribute: &str, id: &str) -> Item {
    let mut item = key_item(key);
    item.insert(id_attribute.into(), s(id));
    item
}

/// What an operator or a group reserves besides its item, each reservation an item naming it
/// (`id_attribute` = `id`): a unique name (the operator's email, the group's description,
/// lowercased) and its SCIM `externalId`.
pub(crate) struct Reserved<'a> {
    id_attribute: &'static str,
    id: &'a str,
    name_key: fn(&AccountScope, &str) -> Key,
    name_taken: Guard,
    external_id_key: fn(&AccountScope, &str) -> Key,
}

impl<'a> Reserved<'a> {
    pub(crate) fn operator(id: &'a OperatorId) -> Self {
        Reserved {
            id_attribute: "operatorId",
            id: id.as_str(),
            name_key: AccountScope::email,
            name_taken: Guard::EmailTaken,
            external_id_key: AccountScope::operator_external_id,
        }
    }

    pub(crate) fn group(id: &'a GroupId) -> Self {
        Reserved {
            id_attribute: "groupId",
            id: id.as_str(),
            name_key: AccountScope::group_name,
            name_taken: Guard::GroupNameTaken,
            external_id_key: AccountScope::group_external_id,
        }
    }

    /// Reserves `name` (lowercased) and `external_id` for a new item, provided they are free
    /// (`name_taken`, `Guard::ExternalIdTaken` otherwise).
    pub(crate) fn put(&self, tx: &mut Tx, scope: &AccountScope, name: &str, external_id: Option<&str>) {
        self.put_name(tx, scope, &name.to_lowercase());
        if let Some(external_id) = external_id {
            self.put_external_id(tx, scope, external_id);
        }
    }

    /// Removes the reservations of a deleted item.
    pub(crate) fn delete(&self, tx: &mut Tx, scope: &AccountScope, name: &str, external_id: Option<&str>) {
        tx.delete(&(self.name_key)(scope, &name.to_lowercase()), Condition::none());
        if let Some(external_id) = external_id {
            tx.delete(&(self.external_id_key)(scope, external_id), Condition::none());
        }
    }

    fn put_name(&self, tx: &mut Tx, scope: &AccountScope, normalized_name: &str) {
        let item = reservation_item(&(self.name_key)(scope, normalized_name), self.id_attribute, self.id);
        tx.put(item, Condition::absent(self.name_taken));
    }

    /// Reserves a SCIM `externalId` (the lookup `externalId eq` reads).
    fn put_external_id(&self, tx: &mut Tx, scope: &AccountScope, external_id: &str) {
        let item = reservation_item(&(self.external_id_key)(scope, external_id), self.id_attribute, self.id);
        tx.put(item, Condition::absent(Guard::ExternalIdTaken));
    }

    /// Moves the reservations from the name and `externalId` held (`old`) to the new ones (`new`),
    /// where they change: the old name is deleted if it is still this item's (`Guard::Version`
    /// otherwise), the old `externalId` deleted; the new ones are put if free (`name_taken`,
    /// `Guard::ExternalIdTaken` otherwise).
    pub(crate) fn move_to(
        &self,
        tx: &mut Tx,
        scope: &AccountScope,
        (old_name, new_name): (&str, &str),
        (old_external_id, new_external_id): (Option<&str>, Option<&str>),
    ) {
        let (old_name, new_name) = (old_name.to_lowercase(), new_name.to_lowercase());
        if old_name != new_name {
            let owned = format!("#{} = :id", self.id_attribute);
            tx.delete(
                &(self.name_key)(scope, &old_name),
                Condition::new(&owned, Guard::Version).with(vec![(":id", s(self.id))]),
            );
            self.put_name(tx, scope, &new_name);
        }
        if old_external_id != new_external_id {
            if let Some(old) = old_external_id {
                tx.delete(&(self.external_id_key)(scope, old), Condition::none());
            }
            if let Some(new) = new_external_id {
                self.put_external_id(tx, scope, new);
            }
        }
    }
}

/// The condition that an item's boolean `attribute` is `value` (a missing attribute reads as
/// false, as serde reads it).
pub(crate) fn flag_condition(attribute: &str, placeholder: &'static str, value: bool) -> (String, Values) {
    let v = AttributeValue::Bool(value);
    if value {
        (format!("#{attribute} = {placeholder}"), vec![(placeholder, v)])
    } else {
        (format!("(attribute_not_exists(#{attribute}) OR #{attribute} = {placeholder})"), vec![(placeholder, v)])
    }
}

// Groups and memberships.

pub(crate) fn group_item(scope: &AccountScope, g: &GroupRecord) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(g)?;
    item.extend(key_item(&scope.group(&g.group_id)));
    item.insert(Index::ByName.hash_key().into(), s(scope.groups_by_name()));
    item.insert(Index::ByName.range_key().into(), s(name_sort_key(&g.description, &g.group_id)));
    Ok(item)
}

/// The items of a new group (without counters): the group and its reservations (name and
/// `externalId`).
pub(crate) fn put_new_group_items(tx: &mut Tx, scope: &AccountScope, g: &GroupRecord) -> Result<(), StoreError> {
    tx.put(group_item(scope, g)?, Condition::absent(Guard::AlreadyExists));
    Reserved::group(&g.group_id).put(tx, scope, &g.description, g.external_id.as_deref());
    Ok(())
}

pub(crate) fn put_membership_items(tx: &mut Tx, scope: &AccountScope, group_id: &GroupId, operator_id: &OperatorId) {
    let mut member = key_item(&scope.member(group_id, operator_id));
    member.insert("operatorId".into(), s(operator_id));
    member.insert("groupId".into(), s(group_id));
    let mut member_of = key_item(&scope.member_of(operator_id, group_id));
    member_of.insert("operatorId".into(), s(operator_id));
    member_of.insert("groupId".into(), s(group_id));
    tx.put(member, Condition::absent(Guard::AlreadyExists));
    tx.put(member_of, Condition::none());
}

/// The condition on a group's item under which a membership change decides the empty-groups
/// counter exactly: the group is still as empty or non-empty as read (`member_count`), for a
/// change that adds members (`adding`) or removes one. Each membership item's own condition makes
/// the member count exact, so the group's `version` (which every membership change still moves)
/// need not be unchanged: membership changes of one group no longer wait for each other, which
/// matters most for Everyone (every create and every delete changes it).
pub(crate) fn member_count_guard(member_count: i64, adding: bool) -> (&'static str, Values) {
    let threshold = if adding { 0 } else { 1 };
    if member_count > threshold {
        ("#memberCount > :threshold", vec![(":threshold", n(threshold))])
    } else {
        ("#memberCount = :seenCount", vec![(":seenCount", n(member_count))])
    }
}

pub(crate) fn delete_membership_items(tx: &mut Tx, scope: &AccountScope, group_id: &GroupId, operator_id: &OperatorId) {
    tx.delete(&scope.member(group_id, operator_id), Condition::none());
    tx.delete(&scope.member_of(operator_id, group_id), Condition::none());
}

// Grants.

pub(crate) fn put_grant_item(tx: &mut Tx, scope: &AccountScope, principal: &Principal, permission: Permission) {
    let mut item = key_item(&scope.grant(permission, principal));
    item.insert("permission".into(), s(permission.as_str()));
    tx.put(item, Condition::absent(Guard::AlreadyExists));
}

// Pending deletes.

pub(crate) fn put_pending(tx: &mut Tx, scope: &AccountScope, principal: &Principal) {
    let mut item = key_item(&scope.pending_delete(principal));
    let (kind, id) = match principal {
        Principal::Operator(id) => ("operator", id.as_str()),
        Principal::Group(id) => ("group", id.as_str()),
    };
    item.insert("kind".into(), s(kind));
    item.insert("id".into(), s(id));
    tx.put(item, Condition::none());
}

// API users of an operator.

/// The ids a roster item lists (one operator's API users, the account's SCIM tokens), as read at
/// one moment; writes that must not exceed a bound guard it with [`Roster::condition`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster<I> {
    pub ids: Vec<I>,
    /// `None` when the roster item does not exist (nothing was ever listed).
    pub(crate) version: Option<i64>,
}

/// The ids of one operator's API users.
pub type ApiUserRoster = Roster<ApiUserId>;

/// The account's SCIM token ids.
pub type ScimTokenRoster = Roster<ScimTokenId>;

impl<I> Default for Roster<I> {
    fn default() -> Self {
        Roster { ids: Vec::new(), version: None }
    }
}

/// An id that a roster lists, and the string set attribute of the roster item listing them.
pub trait RosterId: From<String> + Ord + std::fmt::Display {
    const IDS_ATTRIBUTE: &'static str;
}

impl RosterId for ApiUserId {
    const IDS_ATTRIBUTE: &'static str = "apiUserIds";
}

impl RosterId for ScimTokenId {
    const IDS_ATTRIBUTE: &'static str = "scimTokenIds";
}

impl<I: RosterId> Roster<I> {
    /// The roster held by `item` (its string set of ids and its `version`), empty when there is
    /// no item.
    pub(crate) fn from_item(item: Option<Item>) -> Self {
        let Some(item) = item else { return Roster::default() };
        let mut ids: Vec<I> = match item.get(I::IDS_ATTRIBUTE) {
            Some(AttributeValue::Ss(ids)) => ids.iter().cloned().map(I::from).collect(),
            _ => Vec::new(),
        };
        ids.sort();
        let version = item.get("version").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()).unwrap_or(0);
        Roster { ids, version: Some(version) }
    }

    /// Adds `id` to the roster item at `key` (created if there is none), provided that the
    /// roster is still as read, moving its `version`. `set` is a `SET` clause written with it
    /// (`#name = :name`, ...) and `values` the values it names.
    pub(crate) fn add(&self, tx: &mut Tx, key: &Key, id: &I, set: Option<&str>, mut values: Values) {
        let set = set.map(|clause| format!("SET {clause} ")).unwrap_or_default();
        values.extend([(":ids", AttributeValue::Ss(vec![id.to_string()])), (":one", n(1))]);
        tx.update(key, &format!("{set}ADD #{} :ids, #version :one", I::IDS_ATTRIBUTE), values, self.condition());
    }
}

/// Removes `id` from the roster item at `key`, moving its `version`. Unconditional: a roster only
/// moves on (a write guarded by it then fails, reads it again and finds the id gone).
pub(crate) fn remove_from_roster<I: RosterId>(tx: &mut Tx, key: &Key, id: &I) {
    let values = vec![(":ids", AttributeValue::Ss(vec![id.to_string()])), (":one", n(1))];
    tx.update(key, &format!("DELETE #{} :ids ADD #version :one", I::IDS_ATTRIBUTE), values, Condition::none());
}

impl<I> Roster<I> {
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The condition that the roster is still as read (`Guard::Version` otherwise).
    pub(crate) fn condition(&self) -> Condition<'static> {
        match self.version {
            None => Condition::absent(Guard::Version),
            Some(v) => Condition::new("#version = :rosterSeen", Guard::Version).with(vec![(":rosterSeen", n(v))]),
        }
    }
}

/// Guards `roster` in `tx` and sets the owner's administrator flag on each of its API users: part
/// of every change of the operator's membership of Administrators.
pub(crate) fn set_owner_flag(
    tx: &mut Tx,
    scope: &AccountScope,
    operator_id: &OperatorId,
    roster: &ApiUserRoster,
    is_administrator: bool,
) {
    tx.check(&scope.api_user_roster(operator_id), roster.condition());
    for id in &roster.ids {
        tx.update(
            &scope.api_user(id),
            "SET #ownerIsAdministrator = :flag",
            vec![(":flag", AttributeValue::Bool(is_administrator))],
            Condition::exists(Guard::Version),
        );
    }
}

/// What an operator change copies onto each of its API users.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OwnerCopy<'a> {
    /// Disabling or enabling: its API users stop (or resume) working with that commit.
    pub is_disabled: Option<bool>,
    /// A rename: the name the audit log gives the owner of a Basic request.
    pub name: Option<&'a str>,
}

impl OwnerCopy<'_> {
    pub(crate) fn is_empty(&self) -> bool {
        self.is_disabled.is_none() && self.name.is_none()
    }
}

/// Guards `roster` in `tx` and writes `copy` on each of its API users (one update per item, as a
/// transaction takes one action per item).
pub(crate) fn set_owner_copy(
    tx: &mut Tx,
    scope: &AccountScope,
    operator_id: &OperatorId,
    roster: &ApiUserRoster,
    copy: &OwnerCopy<'_>,
) {
    tx.check(&scope.api_user_roster(operator_id), roster.condition());
    let mut sets = Vec::new();
    let mut values = Vec::new();
    if let Some(flag) = copy.is_disabled {
        sets.push("#ownerIsDisabled = :flag");
        values.push((":flag", AttributeValue::Bool(flag)));
    }
    if let Some(name) = copy.name {
        sets.push("#ownerName = :ownerName");
        values.push((":ownerName", s(name)));
    }
    for id in &roster.ids {
        tx.update(
            &scope.api_user(id),
            &format!("SET {}", sets.join(", ")),
            values.clone(),
            Condition::exists(Guard::Version),
        );
    }
}
