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

/// A plain SDK client on the test's embedded DynamoDB, to read or change items behind the API's
/// back.
pub(crate) fn raw_client(app: &hub_e2e::TestApp) -> aws_sdk_dynamodb::Client {
    use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(app.dynamo.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "e2e"))
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// Where a capturing tracing subscriber writes: one shared, growing buffer.
#[derive(Clone, Default)]
pub(crate) struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Everything written so far.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Only the first step of an operator's delete runs, as if the process died right after it.
pub(crate) async fn begin_operator_delete_only(app: &hub_e2e::TestApp, scope: &hub_store::AccountScope, id: &str) {
    let record = app.state.store.in_account(scope).operator(&id.into()).await.unwrap().unwrap();
    let (lock, event) = (hub_store::RulesLock::default(), fixture_event("operator.deleted"));
    app.state.store.in_account(scope).begin_operator_delete(&record, &lock, &event).await.unwrap();
}

/// Only the first step of a group's delete runs, as if the process died right after it.
pub(crate) async fn begin_group_delete_only(app: &hub_e2e::TestApp, scope: &hub_store::AccountScope, id: &str) {
    let record = app.state.store.in_account(scope).group(&id.into()).await.unwrap().unwrap();
    let (lock, event) = (hub_store::RulesLock::default(), fixture_event("group.deleted"));
    app.state.store.in_account(scope).begin_group_delete(&record, &lock, &event).await.unwrap();
}

/// Only the first step of a monitor's delete runs, as if the process died right after it.
pub(crate) async fn begin_monitor_delete_only(app: &hub_e2e::TestApp, scope: &hub_store::AccountScope, id: &str) {
    let record = app.state.store.in_account(scope).monitor(&id.into()).await.unwrap().unwrap();
    let event = fixture_event("monitor.deleted");
    app.state
        .store
        .in_account(scope)
        .begin_monitor_delete(&record, hub_api::rules::is_production_monitor, &event)
        .await
        .unwrap();
}

/// `count` operators created at once by the administrator, the i-th named `{name} {i}` with the
/// email `{local}{i}@example.com`; their ids, in that order.
pub(crate) async fn create_operators_at_once(
    app: &hub_e2e::TestApp,
    count: usize,
    name: &str,
    local: &str,
) -> Vec<String> {
    let create = |i| async move { app.post_numbered_operator(&app.admin_token, name, local, i).await };
    futures::future::join_all((0..count).map(create))
        .await
        .into_iter()
        .map(|r| r.expect(201).str("operatorId"))
        .collect()
}

/// Whether `principal` still holds a permission grant item in the account (read from the store).
pub(crate) async fn holds_grants(
    app: &hub_e2e::TestApp,
    scope: &hub_store::AccountScope,
    principal: hub_store::Principal,
) -> bool {
    !app.state.store.in_account(scope).grants_of(&principal).await.unwrap().is_empty()
}

/// `retries` concurrent sends of one keyed `POST path` as the administrator: every one answers
/// 201 with the same `id_field` (one resource, replayed to every retry); that id.
pub(crate) async fn post_keyed_at_once(
    app: &hub_e2e::TestApp,
    path: &str,
    key: &str,
    body: &serde_json::Value,
    retries: usize,
    id_field: &str,
) -> String {
    let replies = futures::future::join_all((0..retries).map(|_| app.post_keyed(path, key, body))).await;
    hub_e2e::assert_answered(&replies, &[201], "");
    let ids: std::collections::BTreeSet<String> = replies.iter().map(|r| r.str(id_field)).collect();
    assert_eq!(ids.len(), 1, "one {id_field}, replayed to every retry: {ids:?}");
    ids.into_iter().next().unwrap()
}
