//! API users: credential pairs owned by operators, used by scripts with HTTP Basic.

use crate::Store;
use crate::error::StoreError;
use crate::keys::AccountScope;

impl Store {
    /// Removes every API user of a deleted operator (part of finishing its delete).
    pub(crate) async fn delete_api_users_of(&self, scope: &AccountScope, operator_id: &str) -> Result<(), StoreError> {
        // API users do not exist yet; the delete cascade calls this so that they are covered the
        // day they do.
        let _ = (scope, operator_id);
        Ok(())
    }
}
