//! Monitors and the authorizations operators and groups hold on them.

use crate::Store;
use crate::error::StoreError;
use crate::keys::{AccountScope, Principal};

impl Store {
    /// Removes every monitor authorization of a deleted operator or group (part of finishing its
    /// delete).
    pub(crate) async fn delete_monitor_authorizations_of(&self, scope: &AccountScope, principal: &Principal) -> Result<(), StoreError> {
        // Monitors do not exist yet; the delete cascade calls this so that they are covered the
        // day they do.
        let _ = (scope, principal);
        Ok(())
    }
}
