//! The single-table DynamoDB access layer of the User Management hub. This is the only crate that
//! knows DynamoDB: no SDK type appears in its public API.
//!
//! - [`keys`]: the key schema (one partition per account; sort-key prefixes per entity; indexes).
//! - [`table`]: the table definition, used to create the table locally and checked against
//!   `template.yaml`.
//! - [`records`]: typed items (serde_dynamo).
//! - Repositories are `impl AccountStore` blocks per entity (the [`Store`] inside one account:
//!   [`Store::in_account`]); every multi-item change is one guarded
//!   transaction, and counters on the account item change in the same transaction as what they
//!   count.

mod account_updates;
mod accounts;
mod api_users;
mod audit;
#[cfg(feature = "bulk")]
mod bulk;
mod client;
mod counter;
mod cursor;
mod db;
#[cfg(feature = "embedded")]
mod embedded;
mod error;
mod grants;
mod groups;
mod idempotency;
pub mod ids;
mod items;
pub mod keys;
mod lookups;
mod maintenance;
mod monitors;
mod operators;
mod pending;
pub mod records;
pub mod schedule_record;
mod scim_tokens;
pub mod table;
pub mod values;
mod writes;

pub use account_updates::AccountSettings;
pub use accounts::NewAccount;
pub use api_users::{ApiUserAuth, ApiUserFilter};
pub use audit::{
    Audit, AuditActor, AuditChange, AuditContext, AuditEvent, AuditFilter, AuditSource, AuditTarget, action_target_type,
};
/// Benchmark and test seeding (feature `bulk`); see `bulk.rs`.
#[cfg(feature = "bulk")]
#[doc(hidden)]
pub use bulk::BulkApiUser;
pub use client::StoreConfig;
pub use counter::RequestCounter;
pub use cursor::InvalidCursor;
pub(crate) use db::QuerySpec;
pub use db::{AccountStore, Page, PageRequest, Store};
#[cfg(feature = "embedded")]
pub use embedded::EmbeddedDynamo;
pub use error::{Guard, StoreError};
pub use grants::Holders;
pub use groups::MAX_MEMBERS_PER_ADD;
pub use ids::{AccountId, ApiUserId, AuthorizationId, GroupId, MonitorId, OperatorId, ScheduleId, ScimTokenId};
pub use items::{ApiUserRoster, Roster, ScimTokenRoster};
pub use keys::{ADMINISTRATORS_GROUP_ID, AccountScope, EVERYONE_GROUP_ID, Principal};
pub use maintenance::{ActivityRefresh, CounterRepair, GroupCount, HubCounters, Recount};
pub use monitors::{CountsAsProduction, MonitorAuthorization};
pub use operators::OperatorFilter;
pub use writes::{IdempotencyWrite, RuleVersion, RulesLock};
