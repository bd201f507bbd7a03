//! SCIM tokens: the bearer credentials identity providers use at `/scim/v2`.
//!
//! - `SCIMTOKEN#<id>`: the [`ScimTokenRecord`] plus `tokenHash` (the SHA-256 of the token),
//!   written once and only ever compared inside DynamoDB, never read back (reads project it out).
//!   Authenticating a request is one conditional UpdateItem of this item
//!   ([`AccountStore::authenticate_scim_token`]): the hash must match, and the same request sets
//!   `lastUsedAt`.
//! - `SCIMTOKENS`: the account's roster (the ids and a `version`), read by a create to bound the
//!   number of tokens (the bound is the domain crate's rule) and guarded in its transaction, so
//!   that racing creates cannot exceed it.

use crate::Audit;
use aws_sdk_dynamodb::types::ReturnValue;

use crate::db::{AccountStore, Condition, Item, key_item, s};
use crate::error::{Guard, StoreError};
use crate::ids::ScimTokenId;
use crate::items::{Roster, ScimTokenRoster, remove_from_roster};
use crate::records::{ScimTokenRecord, decode};
use crate::writes::IdempotencyWrite;

const SCIM_TOKEN_ATTRIBUTES: &str = "#PK, #SK, #scimTokenId, #description, #createdAt, #lastUsedAt";

impl AccountStore<'_> {
    pub async fn scim_token_roster(self) -> Result<ScimTokenRoster, StoreError> {
        Ok(Roster::from_item(self.get(&self.scope.scim_token_roster()).await?))
    }

    /// Every SCIM token of the account (a few: the domain crate bounds them), oldest first.
    pub async fn scim_tokens(self) -> Result<Vec<ScimTokenRecord>, StoreError> {
        let items = self.query_all_projected(self.scope.scim_tokens_prefix(), Some(SCIM_TOKEN_ATTRIBUTES)).await?;
        items.into_iter().map(decode).collect()
    }

    pub async fn scim_token(self, id: &ScimTokenId) -> Result<Option<ScimTokenRecord>, StoreError> {
        self.record(&self.scope.scim_token(id), Some(SCIM_TOKEN_ATTRIBUTES)).await
    }

    /// Creates a token if the roster is still as read (`roster`).
    pub async fn create_scim_token(
        self,
        record: &ScimTokenRecord,
        token_hash: &str,
        roster: &ScimTokenRoster,
        idempotency: Option<&IdempotencyWrite>,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let mut item: Item = serde_dynamo::to_item(record)?;
        item.insert("tokenHash".into(), s(token_hash));
        item.extend(key_item(&self.scope.scim_token(&record.scim_token_id)));
        let mut tx = self.idempotent_tx(idempotency)?;
        audit.apply(&mut tx, self.scope)?;
        tx.put(item, Condition::absent(Guard::AlreadyExists));
        roster.add(&mut tx, &self.scope.scim_token_roster(), &record.scim_token_id, None, vec![]);
        self.commit(tx).await
    }

    /// Deletes a token: it is refused from the next request on. `Ok(false)` when it did not exist.
    pub async fn delete_scim_token(self, id: &ScimTokenId, audit: &Audit) -> Result<bool, StoreError> {
        let mut tx = self.tx();
        tx.delete(&self.scope.scim_token(id), Condition::exists(Guard::AlreadyExists));
        audit.apply(&mut tx, self.scope)?;
        remove_from_roster(&mut tx, &self.scope.scim_token_roster(), id);
        self.commit_unless(tx, Guard::AlreadyExists).await
    }

    /// Authenticates a SCIM request in one round trip: an UpdateItem of the token's item that
    /// succeeds only if it exists and holds `token_hash`, and sets `lastUsedAt`. `false` for an
    /// unknown (or deleted) token and a wrong secret alike.
    pub async fn authenticate_scim_token(
        self,
        id: &ScimTokenId,
        token_hash: &str,
        now: &str,
    ) -> Result<bool, StoreError> {
        let request = self
            .update_item(
                &self.scope.scim_token(id),
                "SET #lastUsedAt = :now",
                "attribute_exists(#PK) AND #tokenHash = :hash",
                vec![(":now", s(now)), (":hash", s(token_hash))],
            )
            .return_values(ReturnValue::None);
        // One attempt: a collision with a transaction on the item (the token's delete) is not
        // tried again.
        let updated = self.conditional_update(1, request).await?;
        Ok(updated.is_some())
    }
}
