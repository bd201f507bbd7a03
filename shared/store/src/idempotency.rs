use crate::db::AccountStore;
use crate::error::StoreError;
use crate::records::{IdempotencyRecord, decode};

impl AccountStore<'_> {
    /// The live record of an `Idempotency-Key` (expired ones are ignored, whether or not TTL has
    /// removed them yet).
    pub async fn idempotency_record(
        self,
        key_scope: &str,
        key: &str,
        now_epoch: i64,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        let Some(item) = self.get(&self.scope.idempotency(key_scope, key)).await? else { return Ok(None) };
        let record: IdempotencyRecord = decode(item)?;
        Ok((record.expires_at >= now_epoch).then_some(record))
    }
}
