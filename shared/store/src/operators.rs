//! Operators: items, lists and the transactions that create, change and delete them.

use crate::Audit;
use crate::db::{AccountStore, Condition, Filter, n, s};
use crate::error::{Guard, StoreError};
use crate::ids::{GroupId, OperatorId};
use crate::items::{
    OwnerCopy, Reserved, counts_as_active, delete_membership_items, operator_item, put_disabled_marker, put_grant_item,
    put_membership_items, put_new_operator_items, put_pending, set_owner_copy,
};
use crate::keys::{Index, Principal, SCHEDULED_OPERATOR_ATTRIBUTES};
use crate::records::{OperatorRecord, ScheduledOperatorRecord, SignInBinding, decode};
use crate::values::Permission;
use crate::writes::{AccountChange, Counter, IdempotencyWrite, RulesLock};
use crate::{Page, PageRequest, QuerySpec};

/// Filters of the operator list.
#[derive(Debug, Clone, Default)]
pub struct OperatorFilter {
    /// Case-insensitive substring of the name or the email.
    pub q: Option<String>,
    /// `Some(true)`: active (switch on and not disabled), from the sparse active index;
    /// `Some(false)`: the others.
    pub is_on_duty: Option<bool>,
    pub is_disabled: Option<bool>,
}

/// The counters an operator is in.
fn operator_counts(op: &OperatorRecord) -> [(Counter, bool); 3] {
    [
        (Counter::OperatorsTotal, true),
        (Counter::OperatorsInUse, !op.is_disabled),
        (Counter::OperatorsActive, counts_as_active(op)),
    ]
}

impl AccountStore<'_> {
    pub async fn operator(self, operator_id: &OperatorId) -> Result<Option<OperatorRecord>, StoreError> {
        self.record(&self.scope.operator(operator_id), None).await
    }

    /// The operators with these ids that exist, in the order of `ids`.
    pub async fn operators_by_ids(self, ids: &[OperatorId]) -> Result<Vec<OperatorRecord>, StoreError> {
        let keys = ids.iter().map(|id| self.scope.operator(id)).collect();
        self.records_in_order(keys, ids, |op: &OperatorRecord| &op.operator_id).await
    }

    /// Operators ordered by name.
    pub async fn list_operators(
        self,
        filter: &OperatorFilter,
        page: PageRequest<'_>,
    ) -> Result<Page<OperatorRecord>, StoreError> {
        let (index, hash_value, list) = match filter.is_on_duty {
            Some(true) => (Index::ActiveOperators, self.scope.active_operators(), "operators:active"),
            _ => (Index::ByName, self.scope.operators_by_name(), "operators"),
        };
        // The list a cursor belongs to includes the filters that change what a page holds.
        let list = match filter.is_disabled {
            Some(d) => format!("{list}:disabled={d}"),
            None => list.to_owned(),
        };
        let mut clauses = Vec::new();
        let mut values = Vec::new();
        if let Some(q) = filter.q.as_deref().filter(|q| !q.is_empty()) {
            clauses.push("(contains(#nameLower, :q) OR contains(#emailLower, :q))");
            values.push((":q", s(q.to_lowercase())));
        }
        if filter.is_on_duty == Some(false) {
            clauses.push("(#isOnDuty = :off OR #isDisabled = :on)");
            values.push((":off", aws_sdk_dynamodb::types::AttributeValue::Bool(false)));
            values.push((":on", aws_sdk_dynamodb::types::AttributeValue::Bool(true)));
        }
        match filter.is_disabled {
            Some(true) => clauses.push("#isDisabled = :disabled"),
            Some(false) => clauses.push("(attribute_not_exists(#isDisabled) OR #isDisabled = :disabled)"),
            None => {}
        }
        if let Some(disabled) = filter.is_disabled {
            values.push((":disabled", aws_sdk_dynamodb::types::AttributeValue::Bool(disabled)));
        }
        let filter = (!clauses.is_empty()).then(|| Filter { expression: clauses.join(" AND "), values });
        self.query_records(QuerySpec::on_index(index, list, hash_value, filter, page), None).await
    }

    /// Up to `limit` active operators ordered by name: one Query on the sparse active index.
    pub async fn first_active_operators(self, limit: usize) -> Result<Vec<OperatorRecord>, StoreError> {
        let filter = OperatorFilter { q: None, is_on_duty: Some(true), is_disabled: None };
        Ok(self.list_operators(&filter, PageRequest { limit, cursor: None }).await?.items)
    }

    /// Every operator that has off-duty schedules, with only what "on duty now" needs: the
    /// sparse scheduled index, whose entries carry just those attributes, read in 1 MB pages.
    pub async fn scheduled_operators(self) -> Result<Vec<ScheduledOperatorRecord>, StoreError> {
        let projection = SCHEDULED_OPERATOR_ATTRIBUTES.iter().map(|a| format!("#{a}")).collect::<Vec<_>>().join(", ");
        let items =
            self.query_index_all(Index::ScheduledOperators, &self.scope.scheduled_operators(), &projection).await?;
        items.into_iter().map(decode).collect()
    }

    /// Creates an operator: counted, limited, email reserved, member of Everyone, holding the
    /// `grants` it is given (which ones a new operator gets is hub-api's rule); all in one
    /// transaction.
    pub async fn create_operator(
        self,
        op: &OperatorRecord,
        grants: &[Permission],
        idempotency: Option<&IdempotencyWrite>,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let mut tx = self.idempotent_tx(idempotency)?;
        let mut change = AccountChange::default().count(1, &operator_counts(op));
        if !op.is_disabled {
            change = change.enforce_operator_limit();
        }
        change.apply(&mut tx, self.scope);
        put_new_operator_items(&mut tx, self.scope, op)?;
        put_membership_items(&mut tx, self.scope, &GroupId::everyone(), &op.operator_id);
        // Everyone always has the account administrator, so it is never empty: no groupsEmpty change.
        tx.update(
            &self.scope.group(&GroupId::everyone()),
            "ADD #memberCount :one, #version :one",
            vec![(":one", n(1))],
            Condition::exists(Guard::ParentMissing),
        );
        for permission in grants {
            put_grant_item(&mut tx, self.scope, &Principal::Operator(op.operator_id.clone()), *permission);
        }
        audit.apply(&mut tx, self.scope)?;
        self.commit(tx).await
    }

    /// Replaces `old` by `new` if nobody changed it in between (`new.version` is `old.version + 1`),
    /// moving the email reservation and the counters with it.
    ///
    /// Disabling (`new.is_disabled` and not `old.is_disabled`) is a removal for the rules: the
    /// caller has checked them and the write commits under the `RulesLock` they found (required
    /// then, possibly empty). Disabling or enabling also writes the `DISABLED#`
    /// marker and every API user's `ownerIsDisabled`, a rename every API user's `ownerName`
    /// (both guarded by the roster read here); enabling is refused when the operators in use have
    /// reached the limit.
    pub async fn update_operator(
        self,
        old: &OperatorRecord,
        new: &OperatorRecord,
        idempotency: Option<&IdempotencyWrite>,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        self.update_operator_with_rules(old, new, idempotency, None, audit).await
    }

    /// [`AccountStore::update_operator`] for a change that may disable the operator: `rules` is what the
    /// rule checks found the write must hold.
    pub async fn update_operator_with_rules(
        self,
        old: &OperatorRecord,
        new: &OperatorRecord,
        idempotency: Option<&IdempotencyWrite>,
        rules: Option<&RulesLock>,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let disabling = new.is_disabled && !old.is_disabled;
        let enabling = old.is_disabled && !new.is_disabled;
        if disabling && rules.is_none() {
            return Err(StoreError::Internal(
                "disabling an operator needs the rule checks it was checked against".into(),
            ));
        }
        // What its API users carry of it: the disabled flag and the name.
        let copy = OwnerCopy {
            is_disabled: (disabling || enabling).then_some(new.is_disabled),
            name: (old.full_name != new.full_name).then_some(new.full_name.as_str()),
        };
        let roster = if copy.is_empty() { None } else { Some(self.api_user_roster(&old.operator_id).await?) };
        let mut tx = self.idempotent_tx(idempotency)?;
        tx.put_versioned(operator_item(self.scope, new)?, old.version);
        let external_ids = (old.external_id.as_deref(), new.external_id.as_deref());
        Reserved::operator(&old.operator_id).move_to(&mut tx, self.scope, (&old.email, &new.email), external_ids);
        let active_delta = i64::from(counts_as_active(new)) - i64::from(counts_as_active(old));
        let in_use_delta = i64::from(!new.is_disabled) - i64::from(!old.is_disabled);
        let mut change = AccountChange::default()
            .add(Counter::OperatorsActive, active_delta)
            .add(Counter::OperatorsInUse, in_use_delta);
        if enabling {
            change = change.enforce_operator_limit();
            tx.delete(&self.scope.disabled(&old.operator_id), Condition::none());
        }
        if disabling {
            change = change.rules_lock(rules.unwrap_or(&RulesLock::default()));
            put_disabled_marker(&mut tx, self.scope, &old.operator_id);
        }
        if let Some(roster) = &roster {
            set_owner_copy(&mut tx, self.scope, &old.operator_id, roster, &copy);
        }
        change.apply(&mut tx, self.scope);
        audit.apply(&mut tx, self.scope)?;
        self.commit(tx).await
    }

    /// The ids of the account's disabled operators (one strongly consistent Query of their
    /// markers).
    pub async fn disabled_operator_ids(self) -> Result<std::collections::BTreeSet<OperatorId>, StoreError> {
        self.ids_under(self.scope.disabled_prefix(), "operatorId").await
    }

    /// Deletes an operator. The first transaction removes the operator, its email, its
    /// administrator membership (refusing the last one) and its counts, and leaves a pending
    /// marker; the dependent items are then removed in idempotent steps, which a retried delete or
    /// the maintenance job finishes if this process dies in between.
    pub async fn delete_operator(
        self,
        op: &OperatorRecord,
        rules: &RulesLock,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        self.begin_operator_delete(op, rules, audit).await?;
        self.finish_delete(&Principal::Operator(op.operator_id.clone())).await
    }

    /// The first, atomic step of [`AccountStore::delete_operator`]; what it leaves pending is finished by
    /// [`AccountStore::finish_delete`].
    ///
    /// The operator's API users (a few: the domain crate bounds them) go in this first
    /// transaction, guarded by the roster read just before: their credentials stop working the
    /// moment the operator is gone.
    ///
    /// The delete's audit event is written here, with the user-visible change: the later steps
    /// (and a retry or the maintenance job finishing them) write none, so it is written once.
    pub async fn begin_operator_delete(
        self,
        op: &OperatorRecord,
        rules: &RulesLock,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let api_users = self.owner_api_users(&op.operator_id).await?;
        let mut tx = self.tx();
        tx.delete_versioned(&self.scope.operator(&op.operator_id), op.version);
        Reserved::operator(&op.operator_id).delete(&mut tx, self.scope, &op.email, op.external_id.as_deref());
        if op.is_disabled {
            tx.delete(&self.scope.disabled(&op.operator_id), Condition::none());
        }
        let change = AccountChange::default().count(-1, &operator_counts(op)).rules_lock(rules);
        api_users.delete(&mut tx, self.scope, &op.operator_id, change).apply(&mut tx, self.scope);
        let principal = Principal::Operator(op.operator_id.clone());
        put_pending(&mut tx, self.scope, &principal);
        if op.is_administrator {
            delete_membership_items(&mut tx, self.scope, &GroupId::administrators(), &op.operator_id);
            tx.update(
                &self.scope.group(&GroupId::administrators()),
                "ADD #memberCount :minusOne, #version :one",
                vec![(":minusOne", n(-1)), (":one", n(1))],
                Condition::new("#memberCount > :one", Guard::LastAdministrator),
            );
        }
        audit.apply(&mut tx, self.scope)?;
        self.commit(tx).await
    }
}

/// Attempts of a sign-in binding change that collides with a transaction on the operator item.
const SIGN_IN_ATTEMPTS: u64 = 3;

impl AccountStore<'_> {
    /// Binds the operator's sign-in to `binding` when none is bound yet: one conditional
    /// UpdateItem, which moves `version` so that a writer replacing the item on the version it
    /// read cannot drop the binding. `Ok(false)` when the condition failed (a binding is already
    /// there, or the operator is gone): read the operator again to see which.
    pub async fn bind_operator_sign_in(
        self,
        operator_id: &OperatorId,
        binding: &SignInBinding,
    ) -> Result<bool, StoreError> {
        let binding = aws_sdk_dynamodb::types::AttributeValue::M(serde_dynamo::to_item(binding)?);
        let request = self.update_item(
            &self.scope.operator(operator_id),
            "SET #signIn = :binding ADD #version :one",
            "attribute_exists(#PK) AND attribute_not_exists(#signIn)",
            vec![(":binding", binding), (":one", n(1))],
        );
        Ok(self.conditional_update(SIGN_IN_ATTEMPTS, request).await?.is_some())
    }

    /// Removes the operator's sign-in binding, so that the next token naming it binds again.
    /// `Ok(false)` when nothing was bound or the operator is gone.
    ///
    /// One transaction with its audit event: when nothing is bound (or the operator is gone) the
    /// condition cancels both, and the answer is `false`.
    pub async fn reset_operator_sign_in(self, operator_id: &OperatorId, audit: &Audit) -> Result<bool, StoreError> {
        let mut tx = self.tx();
        tx.update(
            &self.scope.operator(operator_id),
            "REMOVE #signIn ADD #version :one",
            vec![(":one", n(1))],
            Condition::new("attribute_exists(#PK) AND attribute_exists(#signIn)", Guard::ParentMissing),
        );
        audit.apply(&mut tx, self.scope)?;
        self.commit_unless(tx, Guard::ParentMissing).await
    }
}
