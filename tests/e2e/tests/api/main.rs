mod api_users;
mod authorizer;
mod groups;
mod lambda_payloads;
mod monitors;
mod operators;
mod disabled;
mod scim;
mod summary;
mod faults;
mod limits;
mod secrets;
mod edge;
mod maintenance;
mod template;
mod openapi;
mod web_page;

// Route-table matrices and the concurrency run.
mod matrix;
mod isolation;
mod roles;
mod concurrency;
mod audit;

/// An audit event for a store write a test makes directly (not through a route).
pub(crate) fn fixture_event(action: &str) -> hub_store::Audit {
    let target = hub_store::AuditTarget { kind: hub_store::action_target_type(action).unwrap_or_default(), id: "fixture".into(), name: None };
    hub_store::Audit::provisioning(&hub_api::audit::event_time(jiff::Timestamp::now()), action, target)
}
