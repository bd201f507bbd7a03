//! Constant-cost lookups and windows that SCIM needs: an operator by its email (the email
//! reservation) or its `externalId` (the external id reservation), a group by its name or its
//! `externalId`, operators by exact name (the name index), and a window of a whole list for
//! `startIndex` paging.

use serde::de::DeserializeOwned;

use crate::db::{AccountStore, string_attr};
use crate::error::StoreError;
use crate::ids::{GroupId, OperatorId};
use crate::keys::{Index, Key};
use crate::records::{GroupRecord, OperatorRecord, decode};
use crate::{PageRequest, QuerySpec};

impl AccountStore<'_> {
    /// The id that the reservation at `key` holds in `attribute`, if it exists.
    async fn id_at<I: From<String>>(self, key: &Key, attribute: &str) -> Result<Option<I>, StoreError> {
        Ok(self.get(key).await?.and_then(|i| string_attr(&i, attribute)).map(I::from))
    }

    /// The operator holding this email (case-insensitively): one GetItem of its reservation.
    pub async fn operator_id_by_email(self, email: &str) -> Result<Option<OperatorId>, StoreError> {
        self.id_at(&self.scope.email(&email.to_lowercase()), "operatorId").await
    }

    /// The operator a SCIM client gave this `externalId`: one GetItem.
    pub async fn operator_id_by_external_id(self, external_id: &str) -> Result<Option<OperatorId>, StoreError> {
        self.id_at(&self.scope.operator_external_id(external_id), "operatorId").await
    }

    /// The group with this description (case-insensitively): one GetItem of its reservation.
    pub async fn group_id_by_name(self, description: &str) -> Result<Option<GroupId>, StoreError> {
        self.id_at(&self.scope.group_name(&description.to_lowercase()), "groupId").await
    }

    /// The group a SCIM client gave this `externalId`: one GetItem.
    pub async fn group_id_by_external_id(self, external_id: &str) -> Result<Option<GroupId>, StoreError> {
        self.id_at(&self.scope.group_external_id(external_id), "groupId").await
    }

    /// Operators whose name is `name` (case-insensitively): a Query of the name index on the
    /// exact sort-key prefix, so its cost is the number of matches.
    pub async fn operators_named(self, name: &str) -> Result<Vec<OperatorRecord>, StoreError> {
        let spec = QuerySpec {
            list: "operators:named".into(),
            index: Some(Index::ByName),
            hash_value: self.scope.operators_by_name(),
            sk_prefix: Some(format!("{}#", name.to_lowercase())),
            filter: None,
            page: PageRequest { limit: 100, cursor: None },
        };
        Ok(self.query_records(spec, None).await?.items)
    }

    /// Operators in id (creation) order, skipping the first `skip` and returning at most `take`.
    pub async fn operators_window(self, skip: usize, take: usize) -> Result<Vec<OperatorRecord>, StoreError> {
        self.window(self.scope.operators_prefix(), skip, take).await
    }

    /// Groups in id order, skipping the first `skip` and returning at most `take`.
    pub async fn groups_window(self, skip: usize, take: usize) -> Result<Vec<GroupRecord>, StoreError> {
        self.window(self.scope.groups_prefix(), skip, take).await
    }

    /// The records under `prefix` in key order, skipping the first `skip` and returning at most
    /// `take`.
    async fn window<T: DeserializeOwned>(self, prefix: &str, skip: usize, take: usize) -> Result<Vec<T>, StoreError> {
        if take == 0 {
            return Ok(Vec::new());
        }
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        let list = format!("window:{prefix}");
        loop {
            let want = (skip + take - items.len()).min(100);
            let spec = QuerySpec::under(
                self.scope,
                list.clone(),
                prefix.to_owned(),
                PageRequest { limit: want, cursor: cursor.as_deref() },
            );
            let page = self.query_page(spec).await?;
            items.extend(page.items);
            match page.next_cursor {
                Some(c) if items.len() < skip + take => cursor = Some(c),
                _ => break,
            }
        }
        items.into_iter().skip(skip).take(take).map(decode).collect()
    }
}
