//! The key schema: every partition key, sort key and index key of the single table is built here
//! and nowhere else.
//!
//! All of an account's data lives in the partition `ACCOUNT#<accountId>`; index partitions carry the
//! same prefix. Every key builder takes an [`AccountScope`], so code holding one account's scope
//! cannot name another account's items: cross-account access is impossible by construction.

use crate::ids::{AccountId, ApiUserId, AuthorizationId, GroupId, MonitorId, OperatorId, ScimTokenId};
use crate::values::Permission;

pub const PK: &str = "PK";
pub const SK: &str = "SK";

/// Attribute holding the expiry (epoch seconds) of records that DynamoDB's TTL deletes.
pub const TTL_ATTRIBUTE: &str = "expiresAt";

/// The audit indexes: name, partition attribute, sort attribute.
pub const AUDIT_INDEXES: [(&str, &str, &str); 9] = [
    ("GSI4", "GSI4PK", "GSI4SK"),
    ("GSI5", "GSI5PK", "GSI5SK"),
    ("GSI6", "GSI6PK", "GSI6SK"),
    ("GSI7", "GSI7PK", "GSI7SK"),
    ("GSI8", "GSI8PK", "GSI8SK"),
    ("GSI9", "GSI9PK", "GSI9SK"),
    ("GSI10", "GSI10PK", "GSI10SK"),
    ("GSI11", "GSI11PK", "GSI11SK"),
    ("GSI12", "GSI12PK", "GSI12SK"),
];

/// What the audit indexes project besides their keys (`INCLUDE`): the event's own fields, which
/// is all a page decodes (audit.rs checks that this lists every one). The other indexes' keys
/// (1.7 KB of a 2.5 KB event) stay on the event item only, so an index entry is about 1 KB
/// (1 write unit) instead of a whole copy (3).
pub const AUDIT_PROJECTED: [&str; 8] = ["eventId", "at", "requestId", "source", "actor", "action", "target", "changes"];

/// The table's global secondary indexes, each with a string hash and range key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    /// Entities ordered by name within an account (operators, groups); also the list of accounts.
    ByName,
    /// Sparse: only operators whose Active switch is on, ordered by name.
    ActiveOperators,
    /// Sparse: only operators that have at least one off-duty schedule.
    ScheduledOperators,
}

impl Index {
    pub const ALL: [Index; 3] = [Index::ByName, Index::ActiveOperators, Index::ScheduledOperators];

    pub fn name(self) -> &'static str {
        match self {
            Index::ByName => "GSI1",
            Index::ActiveOperators => "GSI2",
            Index::ScheduledOperators => "GSI3",
        }
    }
    pub fn hash_key(self) -> &'static str {
        match self {
            Index::ByName => "GSI1PK",
            Index::ActiveOperators => "GSI2PK",
            Index::ScheduledOperators => "GSI3PK",
        }
    }
    pub fn range_key(self) -> &'static str {
        match self {
            Index::ByName => "GSI1SK",
            Index::ActiveOperators => "GSI2SK",
            Index::ScheduledOperators => "GSI3SK",
        }
    }

    /// The non-key attributes each index entry carries; `None` means all of them. The scheduled
    /// index is read whole by every hub summary, so its entries hold only what "on duty now"
    /// needs: a third of an operator item's size, so a third of the read units and of the 1 MB
    /// pages (BENCHMARKS.md).
    pub fn projected_attributes(self) -> Option<&'static [&'static str]> {
        match self {
            Index::ByName | Index::ActiveOperators => None,
            Index::ScheduledOperators => Some(SCHEDULED_OPERATOR_ATTRIBUTES),
        }
    }
}

/// What an entry of the scheduled-operators index carries besides its keys.
pub const SCHEDULED_OPERATOR_ATTRIBUTES: &[&str] = &["operatorId", "isOnDuty", "schedules"];

/// Partition of the list of all accounts (on [`Index::ByName`]), read by the maintenance job so that
/// it never scans the table.
pub const ACCOUNTS_LIST: &str = "ACCOUNTS";

/// The key of one item.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

/// An account's key space. Cheap to clone; the only way to build keys of account data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountScope {
    account_id: AccountId,
    partition: String,
}

/// Lowercased name followed by the id, so that equal names still sort deterministically.
pub fn name_sort_key(name: &str, id: &str) -> String {
    format!("{}#{}", name.to_lowercase(), id)
}

impl AccountScope {
    pub fn new(account_id: &AccountId) -> Self {
        AccountScope { account_id: account_id.clone(), partition: format!("ACCOUNT#{account_id}") }
    }
    pub fn account_id(&self) -> &AccountId {
        &self.account_id
    }
    pub fn partition(&self) -> &str {
        &self.partition
    }
    fn key(&self, sk: String) -> Key {
        Key { pk: self.partition.clone(), sk }
    }

    pub fn account(&self) -> Key {
        self.key("ACCOUNT".into())
    }

    pub fn operator(&self, operator_id: &OperatorId) -> Key {
        self.key(format!("OPERATOR#{operator_id}"))
    }
    /// Reserves an email, lowercased, for one operator: makes uniqueness a conditional put.
    pub fn email(&self, normalized_email: &str) -> Key {
        self.key(format!("EMAIL#{normalized_email}"))
    }
    /// Marks a disabled operator, written and removed in the same transaction as its
    /// `isDisabled` flag: the set of disabled operators is one strongly consistent Query, which
    /// the last-holder and last-administrator checks read to leave them out.
    pub fn disabled(&self, operator_id: &OperatorId) -> Key {
        self.key(format!("DISABLED#{operator_id}"))
    }
    pub fn disabled_prefix(&self) -> &'static str {
        "DISABLED#"
    }
    pub fn operators_by_name(&self) -> String {
        format!("{}#OPERATORS", self.partition)
    }
    pub fn active_operators(&self) -> String {
        format!("{}#ACTIVE", self.partition)
    }
    pub fn scheduled_operators(&self) -> String {
        format!("{}#SCHEDULED", self.partition)
    }

    pub fn group(&self, group_id: &GroupId) -> Key {
        self.key(format!("GROUP#{group_id}"))
    }
    /// Reserves a group description, lowercased.
    pub fn group_name(&self, normalized_description: &str) -> Key {
        self.key(format!("GROUPNAME#{normalized_description}"))
    }
    pub fn groups_by_name(&self) -> String {
        format!("{}#GROUPS", self.partition)
    }

    /// The item of an operator or a group.
    pub fn principal(&self, principal: &Principal) -> Key {
        match principal {
            Principal::Operator(id) => self.operator(id),
            Principal::Group(id) => self.group(id),
        }
    }

    /// A membership is two items written together: one listed under the group, one under the
    /// operator, so that both directions are a single Query.
    pub fn member(&self, group_id: &GroupId, operator_id: &OperatorId) -> Key {
        self.key(format!("MEMBER#{group_id}#{operator_id}"))
    }
    pub fn members_prefix(&self, group_id: &GroupId) -> String {
        format!("MEMBER#{group_id}#")
    }
    pub fn member_of(&self, operator_id: &OperatorId, group_id: &GroupId) -> Key {
        self.key(format!("MEMBEROF#{operator_id}#{group_id}"))
    }
    pub fn member_of_prefix(&self, operator_id: &OperatorId) -> String {
        format!("MEMBEROF#{operator_id}#")
    }

    /// A system-wide permission granted to an operator or a group. Keyed by permission first so
    /// that "who holds FinancialOperator" is one Query.
    pub fn grant(&self, permission: Permission, principal: &Principal) -> Key {
        self.key(format!("GRANT#{permission}#{}", principal.key_part()))
    }
    pub fn grants_of_permission_prefix(&self, permission: Permission) -> String {
        format!("GRANT#{permission}#")
    }

    /// Marks an operator or group whose delete was committed but whose dependent items may still
    /// exist; found with one Query by a retried delete or by the maintenance job.
    pub fn pending_delete(&self, principal: &Principal) -> Key {
        self.key(format!("PENDING#{}", principal.key_part()))
    }
    pub fn pending_delete_prefix(&self) -> &'static str {
        "PENDING#"
    }

    /// An API user of the account.
    pub fn api_user(&self, api_user_id: &ApiUserId) -> Key {
        self.key(format!("APIUSER#{api_user_id}"))
    }
    pub fn api_users_prefix(&self) -> &'static str {
        "APIUSER#"
    }
    /// The ids of one operator's API users (a string set) and a `version` that moves with every
    /// change: the index the operator delete and the Administrators membership changes read, and
    /// guard, to reach every API user of the operator in their transaction.
    pub fn api_user_roster(&self, operator_id: &OperatorId) -> Key {
        self.key(format!("APIUSERSOF#{operator_id}"))
    }

    /// A SCIM token of the account (`tokenHash`, never read back).
    pub fn scim_token(&self, scim_token_id: &ScimTokenId) -> Key {
        self.key(format!("SCIMTOKEN#{scim_token_id}"))
    }
    pub fn scim_tokens_prefix(&self) -> &'static str {
        "SCIMTOKEN#"
    }
    /// The set of the account's SCIM token ids and a `version` that moves with it: a create
    /// reads it to bound their number and commits only if it did not move.
    pub fn scim_token_roster(&self) -> Key {
        self.key("SCIMTOKENS".into())
    }
    /// Finds an operator by the `externalId` a SCIM client gave it (one GetItem), and makes that
    /// id unique in the account.
    pub fn operator_external_id(&self, external_id: &str) -> Key {
        self.key(format!("EXTERNALID#OPERATOR#{external_id}"))
    }
    /// The same for groups.
    pub fn group_external_id(&self, external_id: &str) -> Key {
        self.key(format!("EXTERNALID#GROUP#{external_id}"))
    }

    /// A registered monitor.
    pub fn monitor(&self, monitor_id: &MonitorId) -> Key {
        self.key(format!("MONITOR#{monitor_id}"))
    }
    pub fn monitors_by_name(&self) -> String {
        format!("{}#MONITORS", self.partition)
    }

    /// One authorization level held on a monitor, listed under the monitor and keyed by its
    /// `authorizationId`, so that the monitor's list is one Query and the item behind
    /// `/monitors/{id}/authorizations/{authorizationId}` is one GetItem.
    pub fn monitor_authorization(&self, monitor_id: &MonitorId, authorization_id: &AuthorizationId) -> Key {
        self.key(format!("MONAUTH#{monitor_id}#{authorization_id}"))
    }
    pub fn monitor_authorizations_prefix(&self, monitor_id: &MonitorId) -> String {
        format!("MONAUTH#{monitor_id}#")
    }
    /// The same authorization listed under its holder, keyed by monitor and level: it makes "this
    /// principal holds this level on this monitor" unique (a conditional put) and lists a
    /// principal's authorizations with one Query (for the delete cascade).
    pub fn authorization_of(&self, principal: &Principal, monitor_id: &MonitorId, level: &str) -> Key {
        self.key(format!("AUTHOF#{}#{monitor_id}#{level}", principal.key_part()))
    }
    pub fn authorizations_of_prefix(&self, principal: &Principal) -> String {
        format!("AUTHOF#{}#", principal.key_part())
    }
    pub fn authorizations_of_on_prefix(&self, principal: &Principal, monitor_id: &MonitorId) -> String {
        format!("AUTHOF#{}#{monitor_id}#", principal.key_part())
    }
    /// Marks a monitor whose delete was committed but whose authorizations may still exist.
    pub fn monitor_pending_delete(&self, monitor_id: &MonitorId) -> Key {
        self.key(format!("MONITORPENDING#{monitor_id}"))
    }
    pub fn monitor_pending_delete_prefix(&self) -> &'static str {
        "MONITORPENDING#"
    }

    /// Sort-key prefixes of every item of one kind, for the maintenance job's recount (one Query
    /// each, never a Scan).
    pub fn operators_prefix(&self) -> &'static str {
        "OPERATOR#"
    }
    pub fn groups_prefix(&self) -> &'static str {
        "GROUP#"
    }
    pub fn all_members_prefix(&self) -> &'static str {
        "MEMBER#"
    }
    pub fn monitors_prefix(&self) -> &'static str {
        "MONITOR#"
    }

    /// Idempotency record of one `Idempotency-Key` in one scope (caller + route).
    pub fn idempotency(&self, scope: &str, key: &str) -> Key {
        self.key(format!("IDEMPOTENCY#{scope}#{key}"))
    }
}

/// Who holds a permission or a membership.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Principal {
    Operator(OperatorId),
    Group(GroupId),
}

impl Principal {
    fn key_part(&self) -> String {
        match self {
            Principal::Operator(id) => format!("OPERATOR#{id}"),
            Principal::Group(id) => format!("GROUP#{id}"),
        }
    }
    pub(crate) fn parse_key_part(part: &str) -> Option<Principal> {
        if let Some(id) = part.strip_prefix("OPERATOR#") {
            Some(Principal::Operator(OperatorId::new(id)))
        } else {
            part.strip_prefix("GROUP#").map(|id| Principal::Group(GroupId::new(id)))
        }
    }
}

/// The fixed ids of the two system groups that every account has.
pub const EVERYONE_GROUP_ID: &str = "everyone";
pub const ADMINISTRATORS_GROUP_ID: &str = "administrators";

impl GroupId {
    /// Everyone's id ([`EVERYONE_GROUP_ID`]).
    pub fn everyone() -> Self {
        GroupId::new(EVERYONE_GROUP_ID)
    }

    /// Administrators' id ([`ADMINISTRATORS_GROUP_ID`]).
    pub fn administrators() -> Self {
        GroupId::new(ADMINISTRATORS_GROUP_ID)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_two_accounts_never_collide() {
        let a = AccountScope::new(&"a1".into());
        let b = AccountScope::new(&"a2".into());
        assert_ne!(a.operator(&"x".into()), b.operator(&"x".into()));
        assert_ne!(a.operators_by_name(), b.operators_by_name());
        assert!(a.grant(Permission::Administrator, &Principal::Group("g".into())).pk.starts_with("ACCOUNT#a1"));
    }

    #[test]
    fn recount_prefixes_match_only_their_own_kind() {
        let a = AccountScope::new(&"a1".into());
        let kinds = [
            (a.operators_prefix(), a.operator(&"o".into()).sk),
            (a.groups_prefix(), a.group(&"g".into()).sk),
            (a.all_members_prefix(), a.member(&"g".into(), &"o".into()).sk),
            (a.monitors_prefix(), a.monitor(&"m".into()).sk),
            (a.api_users_prefix(), a.api_user(&"u".into()).sk),
        ];
        let others = [
            a.email("x@y").sk,
            a.group_name("n").sk,
            a.member_of(&"o".into(), &"g".into()).sk,
            a.monitor_pending_delete(&"m".into()).sk,
            a.api_user_roster(&"o".into()).sk,
            a.disabled(&"o".into()).sk,
            a.account().sk,
        ];
        for (prefix, own) in &kinds {
            assert!(own.starts_with(prefix));
            for other in others.iter().chain(kinds.iter().map(|(_, sk)| sk).filter(|sk| *sk != own)) {
                assert!(!other.starts_with(prefix), "{other} starts with {prefix}");
            }
        }
    }

    #[test]
    fn principal_round_trips_through_its_key_part() {
        for p in [Principal::Operator("o-1".into()), Principal::Group("g_2".into())] {
            assert_eq!(Principal::parse_key_part(&p.key_part()), Some(p));
        }
    }
}
