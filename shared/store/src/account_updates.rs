//! Changes of the account's own settings (its name and time zone).

use crate::Audit;
use crate::db::{AccountStore, Condition, n, s};
use crate::error::StoreError;
use crate::values::{AccountName, TimeZoneName};

/// The settings an account's administrators may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSettings {
    pub name: AccountName,
    pub time_zone: TimeZoneName,
    pub updated_at: String,
}

impl AccountStore<'_> {
    /// Sets the account's name and time zone if its `version` is still `seen_version`, moving the
    /// version on. An update of these attributes only: the counters, which other writes change
    /// concurrently, are never rewritten from a stale read.
    pub async fn update_account_settings(
        self,
        seen_version: i64,
        settings: &AccountSettings,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let mut tx = self.audited_tx(audit)?;
        tx.update(
            &self.scope.account(),
            "SET #name = :name, #timeZone = :timeZone, #updatedAt = :updatedAt ADD #version :one",
            vec![
                (":name", s(&*settings.name)),
                (":timeZone", s(settings.time_zone.as_str())),
                (":updatedAt", s(&settings.updated_at)),
                (":one", n(1)),
            ],
            Condition::version_is(seen_version),
        );
        self.commit(tx).await
    }
}
