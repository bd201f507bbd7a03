mod api_users;
mod authorizer;
mod disabled;
mod edge;
mod faults;
mod groups;
mod lambda_payloads;
mod limits;
mod maintenance;
mod monitors;
mod openapi;
mod operators;
mod scim;
mod secrets;
mod summary;
mod template;
mod web_page;

// Route-table matrices and the concurrency run.
mod audit;
mod concurrency;
mod isolation;
mod matrix;
mod roles;

/// An audit event for a store write a test makes directly (not through a route).
pub(crate) fn fixture_event(action: &str) -> hub_store::Audit {
    let target = hub_store::AuditTarget {
        kind: hub_store::action_target_type(action).unwrap_or_default(),
        id: "fixture".into(),
        name: None,
    };
    hub_store::Audit::provisioning(&hub_api::audit::event_time(jiff::Timestamp::now()), action, target)
}
