//! The low-level pieces a write puts in its transaction besides its own items: the counter and
//! rule-version update of the account item ([`AccountChange`], [`RulesLock`]) and the
//! `Idempotency-Key` record ([`IdempotencyWrite`]). Every repository uses them; they use no
//! repository.

use crate::db::{AccountStore, Condition, Item, Tx, Values, key_item, n};
use crate::error::{Guard, StoreError};
use crate::keys::{AccountScope, Principal};
use crate::records::{AccountRecord, IdempotencyRecord};
use crate::values::Permission;

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

/// A version on the account item that the rules that span items are checked against. Each rule
/// has its own, so that changes to different rules never wait for each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleVersion {
    /// Moved by every change that may take an enabled administrator away.
    Administrators,
    /// Moved by every change that may take a holder of FinancialOperator away.
    FinancialOperatorHolders,
    /// Moved by every change that may take a holder of TechnicalContact away.
    TechnicalContactHolders,
    /// Moved by every grant of FinancialOperator: a change that found its principal holding none
    /// watches it, so that a grant in between cannot make it a holder unseen.
    FinancialOperatorGrants,
    /// The same for TechnicalContact.
    TechnicalContactGrants,
}

impl RuleVersion {
    pub const ALL: [RuleVersion; 5] = [
        RuleVersion::Administrators,
        RuleVersion::FinancialOperatorHolders,
        RuleVersion::TechnicalContactHolders,
        RuleVersion::FinancialOperatorGrants,
        RuleVersion::TechnicalContactGrants,
    ];

    fn attribute(self) -> &'static str {
        match self {
            RuleVersion::Administrators => "administratorsVersion",
            RuleVersion::FinancialOperatorHolders => "financialOperatorHoldersVersion",
            RuleVersion::TechnicalContactHolders => "technicalContactHoldersVersion",
            RuleVersion::FinancialOperatorGrants => "financialOperatorGrantsVersion",
            RuleVersion::TechnicalContactGrants => "technicalContactGrantsVersion",
        }
    }

    fn placeholders(self) -> (&'static str, &'static str) {
        match self {
            RuleVersion::Administrators => (":rulesSeen0", ":rulesNext0"),
            RuleVersion::FinancialOperatorHolders => (":rulesSeen1", ":rulesNext1"),
            RuleVersion::TechnicalContactHolders => (":rulesSeen2", ":rulesNext2"),
            RuleVersion::FinancialOperatorGrants => (":rulesSeen3", ":rulesNext3"),
            RuleVersion::TechnicalContactGrants => (":rulesSeen4", ":rulesNext4"),
        }
    }

    /// Its value in an account item as read (0 when the item predates it).
    pub fn of(self, account: &AccountRecord) -> i64 {
        match self {
            RuleVersion::Administrators => account.administrators_version,
            RuleVersion::FinancialOperatorHolders => account.financial_operator_holders_version,
            RuleVersion::TechnicalContactHolders => account.technical_contact_holders_version,
            RuleVersion::FinancialOperatorGrants => account.financial_operator_grants_version,
            RuleVersion::TechnicalContactGrants => account.technical_contact_grants_version,
        }
    }
}

/// What a removal's transaction holds of the account's [`RuleVersion`]s, as the rule checks
/// found it: the versions it **takes** must be unchanged since they were read and are moved on
/// (two removals of one rule's holders never both commit); the versions it **watches** must be
/// unchanged (nothing granted meanwhile); the grants it needs **absent** must still not exist (a
/// principal found holding none of a protected permission still holds none). Empty for a change
/// no rule cares about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RulesLock {
    entries: Vec<(RuleVersion, i64, bool)>,
    absent: Vec<(Principal, Permission)>,
}

impl RulesLock {
    /// Commit only if `principal` still has no grant of `permission` (a condition on that one
    /// grant item).
    pub fn grant_absent(mut self, principal: Principal, permission: Permission) -> Self {
        if !self.absent.iter().any(|(p, held)| *p == principal && *held == permission) {
            self.absent.push((principal, permission));
        }
        self
    }

    /// Commit only if `version` is still `seen`, and move it on.
    pub fn take(mut self, version: RuleVersion, seen: i64) -> Self {
        self.entries.retain(|(v, _, _)| *v != version);
        self.entries.push((version, seen, true));
        self
    }

    /// Commit only if `version` is still `seen` (unless it is also taken).
    pub fn watch(mut self, version: RuleVersion, seen: i64) -> Self {
        if !self.entries.iter().any(|(v, _, _)| *v == version) {
            self.entries.push((version, seen, false));
        }
        self
    }

    /// Both locks: a version taken by either is taken.
    pub fn and(self, other: RulesLock) -> Self {
        let mut lock = self;
        for (version, seen, take) in other.entries {
            lock = if take { lock.take(version, seen) } else { lock.watch(version, seen) };
        }
        for (principal, permission) in other.absent {
            lock = lock.grant_absent(principal, permission);
        }
        lock
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.absent.is_empty()
    }

    /// The grants that must still not exist.
    pub fn absent_grants(&self) -> &[(Principal, Permission)] {
        &self.absent
    }

    /// The versions taken (moved on by the write).
    pub fn taken(&self) -> impl Iterator<Item = RuleVersion> + '_ {
        self.entries.iter().filter(|(_, _, take)| *take).map(|(v, _, _)| *v)
    }

    /// The versions watched and not taken.
    pub fn watched(&self) -> impl Iterator<Item = RuleVersion> + '_ {
        self.entries.iter().filter(|(_, _, take)| !*take).map(|(v, _, _)| *v)
    }
}

/// The one update of the account item that a transaction may carry (DynamoDB allows one action
/// per item): counter deltas plus the conditions the write depends on.
#[derive(Debug, Default)]
pub(crate) struct AccountChange {
    deltas: Vec<(Counter, i64)>,
    rules: RulesLock,
    /// Rule versions moved without a condition (a grant of a protected permission).
    moved: Vec<RuleVersion>,
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

    /// One item counted in (`sign` 1: its create) or out (`sign` -1: its delete): each counter of
    /// `counts` that holds it moves by `sign`. A kind of item's create and delete take the same
    /// list, so that a delete takes away exactly what the create added.
    pub(crate) fn count(self, sign: i64, counts: &[(Counter, bool)]) -> Self {
        counts.iter().fold(self, |change, &(counter, holds)| change.add(counter, sign * i64::from(holds)))
    }

    /// The write may only commit if the rule versions `lock` takes or watches have not moved
    /// since they were read; it moves the taken ones on.
    pub(crate) fn rules_lock(mut self, lock: &RulesLock) -> Self {
        self.rules = lock.clone();
        self
    }

    /// The write moves `version` on, whatever its value (a grant of a protected permission).
    pub(crate) fn move_rule_version(mut self, version: RuleVersion) -> Self {
        self.moved.push(version);
        self
    }

    /// The write may only commit while the operators in use (not disabled) are below the limit:
    /// a create or a re-enable.
    pub(crate) fn enforce_operator_limit(mut self) -> Self {
        self.enforce_operator_limit = true;
        self
    }

    pub(crate) fn apply(self, tx: &mut Tx, scope: &AccountScope) {
        for (principal, permission) in &self.rules.absent {
            tx.check(&scope.grant(*permission, principal), Condition::absent(Guard::RulesChanged));
        }
        if self.deltas.is_empty()
            && self.rules.entries.is_empty()
            && self.moved.is_empty()
            && !self.enforce_operator_limit
        {
            return;
        }
        let mut values: Values = Vec::new();
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
        let mut adds = adds;
        if !adds.is_empty() {
            // Every counter change also moves `countersVersion`, so that a recount (the
            // maintenance job) can write its result only if nothing was counted meanwhile.
            values.push((":counted", n(1)));
            adds.insert(0, "#countersVersion :counted".to_owned());
        }
        let mut condition = "attribute_exists(#PK)".to_owned();
        let mut guard = Guard::ParentMissing;
        let mut sets: Vec<String> = Vec::new();
        for &(version, seen, take) in &self.rules.entries {
            let (seen_placeholder, next_placeholder) = version.placeholders();
            let attribute = version.attribute();
            values.push((seen_placeholder, n(seen)));
            // An account item written before this version existed reads as 0.
            if seen == 0 {
                condition.push_str(&format!(
                    " AND (attribute_not_exists(#{attribute}) OR #{attribute} = {seen_placeholder})"
                ));
            } else {
                condition.push_str(&format!(" AND #{attribute} = {seen_placeholder}"));
            }
            if take {
                values.push((next_placeholder, n(seen + 1)));
                sets.push(format!("#{attribute} = {next_placeholder}"));
            }
            guard = Guard::RulesChanged;
        }
        for version in &self.moved {
            if !self.rules.entries.iter().any(|(v, _, _)| v == version) {
                if !values.iter().any(|(p, _)| *p == ":moved") {
                    values.push((":moved", n(1)));
                }
                adds.push(format!("#{} :moved", version.attribute()));
            }
        }
        if !adds.is_empty() {
            update.push_str("ADD ");
            update.push_str(&adds.join(", "));
        }
        if !sets.is_empty() {
            update.push_str(" SET ");
            update.push_str(&sets.join(", "));
        }
        if self.enforce_operator_limit {
            condition.push_str(" AND #operatorsInUse < #operatorLimit");
            guard = Guard::OperatorLimit;
        }
        if update.trim().is_empty() {
            // Only conditions (a removal that watches the grants versions and counts nothing).
            tx.check(&scope.account(), Condition::new(&condition, guard).with(values));
        } else {
            tx.update(&scope.account(), update.trim(), values, Condition::new(&condition, guard));
        }
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
            Condition::new("attribute_not_exists(#PK) OR #expiresAt < :now", Guard::IdempotencyKey)
                .with(vec![(":now", n(self.now))]),
        );
        Ok(())
    }
}

impl AccountStore<'_> {
    /// A transaction that starts with the idempotency record of the request, if it has one:
    /// first, so that a concurrent retry with the same key is reported as such rather than as
    /// whatever else the write reserves.
    pub(crate) fn idempotent_tx(self, idempotency: Option<&IdempotencyWrite>) -> Result<Tx, StoreError> {
        let mut tx = self.tx();
        if let Some(idem) = idempotency {
            idem.apply(&mut tx, self.scope)?;
        }
        Ok(tx)
    }
}
