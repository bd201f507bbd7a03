//! The route tables as a test matrix, shared by `isolation.rs` and `roles.rs`: every function's
//! `routes().table()`, a request built for each route from the ids of real resources (so a route
//! added later is exercised without touching the tests), and a snapshot of one account (the raw
//! DynamoDB partition and everything the API shows of it) to prove that refused requests changed
//! nothing.
//!
//! A route whose path has a placeholder this module does not know, or a write route without a
//! body template, fails the matrix loudly: extend [`slot_of`] or [`body_templates`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use hub_api::routes::Route;
use hub_e2e::{Reply, TestApp, send};
use reqwest::Method;
use serde_json::{Value, json};

use crate::raw_client;

/// Every route of every HTTP function, with the function's name.
pub(crate) fn every_route() -> Vec<(&'static str, Route)> {
    let tables = [
        ("operators", hub_operators::routes()),
        ("groups", hub_groups::routes()),
        ("hub-summary", hub_summary::routes()),
        ("monitors", hub_monitors::routes()),
        ("api-users", hub_api_users::routes()),
    ];
    tables.into_iter().flat_map(|(name, routes)| routes.table().into_iter().map(move |r| (name, r))).collect()
}

pub(crate) fn label(route: &Route) -> String {
    format!("{} {}", route.method, route.path)
}

/// Credentials: an operator's token or an API user's Basic pair.
#[derive(Clone, Debug)]
pub(crate) enum Who {
    Bearer(String),
    Basic { username: String, password: String },
}

impl Who {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Who::Bearer(_) => "token",
            Who::Basic { .. } => "API user",
        }
    }
}

pub(crate) async fn call(app: &TestApp, who: &Who, method: Method, path: &str, body: Option<&Value>) -> Reply {
    let mut req = app.http.request(method, format!("{}{}", app.base, path));
    req = match who {
        Who::Bearer(token) => req.bearer_auth(token),
        Who::Basic { username, password } => req.basic_auth(username, Some(password)),
    };
    if let Some(body) = body {
        req = req.json(body);
    }
    send(req).await
}

/// The kinds of resource a route's ids name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Operator,
    Group,
    Monitor,
    ApiUser,
    Schedule,
    Authorization,
    ScimToken,
}

/// What fills one placeholder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Id(Kind),
    Permission,
}

/// The permission `{permission}` stands for: assignable, and protected by no holder rule.
pub(crate) const PERMISSION: &str = "AllowInfra";

/// What a path placeholder names: `{id}` by the collection before it, the others by name.
fn slot_of(path: &str, index: usize, segments: &[&str]) -> Slot {
    match segments[index] {
        "{id}" => match index.checked_sub(1).map(|i| segments[i]) {
            Some("operators") => Slot::Id(Kind::Operator),
            Some("groups") => Slot::Id(Kind::Group),
            Some("monitors") => Slot::Id(Kind::Monitor),
            Some("api-users") => Slot::Id(Kind::ApiUser),
            Some("scim-tokens") => Slot::Id(Kind::ScimToken),
            other => {
                panic!("{path}: the matrix does not know what {{id}} after {other:?} names; extend matrix::slot_of")
            }
        },
        "{operatorId}" => Slot::Id(Kind::Operator),
        "{scheduleId}" => Slot::Id(Kind::Schedule),
        "{authorizationId}" => Slot::Id(Kind::Authorization),
        "{permission}" => Slot::Permission,
        other => panic!("{path}: the matrix does not know the placeholder {other}; extend matrix::slot_of"),
    }
}

fn body_kind(placeholder: &str) -> Option<Kind> {
    match placeholder {
        "{operatorId}" => Some(Kind::Operator),
        "{groupId}" => Some(Kind::Group),
        _ => None,
    }
}

/// A one-time off-duty window far in the future: never changes who is on duty now.
fn far_window(year: u32) -> Value {
    json!({"mode": "OneTime", "start": format!("{year}-01-01T00:00:00Z"), "end": format!("{year}-01-02T00:00:00Z")})
}

/// Valid bodies for a route, with placeholders: `{operatorId}` and `{groupId}` are filled like
/// path ids, `{unique}` with a fresh id. Several bodies when the route takes several shapes
/// (a monitor authorization for an operator or for a group). `[None]` for routes without a body.
pub(crate) fn body_templates(method: &Method, path: &str) -> Vec<Option<Value>> {
    let one = |v: Value| vec![Some(v)];
    match (method.as_str(), path) {
        ("POST", "/operators") => one(json!({"email": "op-{unique}@example.com", "fullName": "Matrix {unique}"})),
        ("PATCH", "/operators/{id}") => one(json!({"fullName": "Renamed {unique}"})),
        ("POST", "/operators/{id}/duty-schedules") => one(far_window(2098)),
        ("PUT", "/operators/{id}/duty-schedules/{scheduleId}") => one(far_window(2097)),
        ("POST", "/groups") => one(json!({"description": "Group {unique}"})),
        ("PATCH", "/groups/{id}") => one(json!({"description": "Renamed {unique}"})),
        ("POST", "/groups/{id}/duty") => one(json!({"isOnDuty": true})),
        ("PATCH", "/account") => one(json!({"name": "Renamed {unique}"})),
        ("POST", "/monitors") => one(json!({"name": "Monitor {unique}", "mode": "Production"})),
        ("PATCH", "/monitors/{id}") => one(json!({"name": "Renamed {unique}"})),
        ("POST", "/monitors/{id}/authorizations") => vec![
            Some(json!({"authorizationType": "EditMonitor", "operatorId": "{operatorId}"})),
            Some(json!({"authorizationType": "ViewMonitor", "groupId": "{groupId}"})),
        ],
        ("POST", "/api-users") => one(json!({"description": "Script {unique}", "operatorId": "{operatorId}"})),
        ("PATCH", "/api-users/{id}") => one(json!({"description": "Renamed {unique}"})),
        ("POST", "/scim-tokens") => one(json!({"description": "Provider {unique}"})),
        (m, p) if m == "POST" || m == "PATCH" => panic!("{m} {p}: no body template; add one to matrix::body_templates"),
        _ => vec![None],
    }
}

/// The ids of one set of real resources, all hanging together: the operator is a member of the
/// group, holds a direct grant of [`PERMISSION`] (so does the group), owns the off-duty schedule and
/// the API user, and holds an authorization on the monitor.
#[derive(Clone, Debug)]
pub(crate) struct Ids {
    pub operator: String,
    pub group: String,
    pub monitor: String,
    pub api_user: String,
    pub schedule: String,
    pub authorization: String,
    pub scim_token: String,
}

impl Ids {
    pub(crate) fn get(&self, kind: Kind) -> &str {
        match kind {
            Kind::Operator => &self.operator,
            Kind::Group => &self.group,
            Kind::Monitor => &self.monitor,
            Kind::ApiUser => &self.api_user,
            Kind::Schedule => &self.schedule,
            Kind::Authorization => &self.authorization,
            Kind::ScimToken => &self.scim_token,
        }
    }
    pub(crate) fn all(&self) -> Vec<&str> {
        vec![
            &self.operator,
            &self.group,
            &self.monitor,
            &self.api_user,
            &self.schedule,
            &self.authorization,
            &self.scim_token,
        ]
    }
}

/// Creates a fresh [`Ids`] set with an administrator's credentials.
pub(crate) async fn fixture(app: &TestApp, admin: &Who) -> Ids {
    let n = hub_api::values::new_id();
    let post =
        |path: String, body: Value| async move { call(app, admin, Method::POST, &path, Some(&body)).await.expect(201) };
    let put = |path: String| async move { call(app, admin, Method::PUT, &path, None).await.expect(204) };
    let operator = post(
        "/operators".into(),
        json!({"email": format!("fixture-{n}@example.com"), "fullName": format!("Fixture {n}")}),
    )
    .await
    .str("operatorId");
    let group = post("/groups".into(), json!({"description": format!("Fixture {n}")})).await.str("groupId");
    put(format!("/groups/{group}/members/{operator}")).await;
    put(format!("/groups/{group}/permissions/{PERMISSION}")).await;
    put(format!("/operators/{operator}/permissions/{PERMISSION}")).await;
    let schedule = post(format!("/operators/{operator}/duty-schedules"), far_window(2099)).await.str("scheduleId");
    let monitor =
        post("/monitors".into(), json!({"name": format!("Fixture {n}"), "mode": "Staging"})).await.str("monitorId");
    let granted = post(
        format!("/monitors/{monitor}/authorizations"),
        json!({"authorizationType": "ViewMonitor", "operatorId": operator}),
    )
    .await;
    let authorization = granted
        .items()
        .iter()
        .find(|a| a["authorizationType"] == "ViewMonitor")
        .and_then(|a| a["authorizationId"].as_str())
        .unwrap_or_else(|| panic!("no ViewMonitor authorization in {}", granted.body))
        .to_owned();
    let api_user = post("/api-users".into(), json!({"description": format!("Fixture {n}"), "operatorId": operator}))
        .await
        .str("apiUserId");
    // Keep the account under its bound of SCIM tokens: earlier fixtures' tokens are not needed.
    let tokens = call(app, admin, Method::GET, "/scim-tokens", None).await.expect(200);
    if tokens.items().len() >= hub_api::rules::MAX_SCIM_TOKENS_PER_ACCOUNT - 1 {
        for old in tokens.items() {
            let id = old["scimTokenId"].as_str().unwrap_or_default();
            call(app, admin, Method::DELETE, &format!("/scim-tokens/{id}"), None).await.expect(204);
        }
    }
    let scim_token =
        post("/scim-tokens".into(), json!({"description": format!("Fixture {n}")})).await.str("scimTokenId");
    Ids { operator, group, monitor, api_user, schedule, authorization, scim_token }
}

/// One concrete request.
#[derive(Clone, Debug)]
pub(crate) struct Request {
    pub method: Method,
    pub path: String,
    pub body: Option<Value>,
}

impl Request {
    pub(crate) async fn send(&self, app: &TestApp, who: &Who) -> Reply {
        call(app, who, self.method.clone(), &self.path, self.body.as_ref()).await
    }
    pub(crate) fn describe(&self) -> String {
        match &self.body {
            Some(body) => format!("{} {} {body}", self.method, self.path),
            None => format!("{} {}", self.method, self.path),
        }
    }
}

/// The id kinds a route names, in its path and in its body template.
pub(crate) fn kinds_of(route: &Route, template: &Option<Value>) -> BTreeSet<Kind> {
    let segments: Vec<&str> = route.path.split('/').collect();
    let mut kinds: BTreeSet<Kind> = (0..segments.len())
        .filter(|&i| segments[i].starts_with('{'))
        .filter_map(|i| match slot_of(route.path, i, &segments) {
            Slot::Id(kind) => Some(kind),
            Slot::Permission => None,
        })
        .collect();
    fn walk(v: &Value, kinds: &mut BTreeSet<Kind>) {
        match v {
            Value::String(s) => kinds.extend(body_kind(s)),
            Value::Object(o) => o.values().for_each(|v| walk(v, kinds)),
            Value::Array(a) => a.iter().for_each(|v| walk(v, kinds)),
            _ => {}
        }
    }
    if let Some(t) = template {
        walk(t, &mut kinds);
    }
    kinds
}

/// The route's request with each id kind filled by `id_of`.
pub(crate) fn build(route: &Route, template: &Option<Value>, id_of: &dyn Fn(Kind) -> String) -> Request {
    let segments: Vec<&str> = route.path.split('/').collect();
    let path = (0..segments.len())
        .map(|i| {
            if segments[i].starts_with('{') {
                match slot_of(route.path, i, &segments) {
                    Slot::Id(kind) => id_of(kind),
                    Slot::Permission => PERMISSION.to_owned(),
                }
            } else {
                segments[i].to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    fn fill(v: &Value, id_of: &dyn Fn(Kind) -> String) -> Value {
        match v {
            Value::String(s) => match body_kind(s) {
                Some(kind) => Value::String(id_of(kind)),
                None => Value::String(s.replace("{unique}", &hub_api::values::new_id())),
            },
            Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), fill(v, id_of))).collect()),
            Value::Array(a) => Value::Array(a.iter().map(|v| fill(v, id_of)).collect()),
            other => other.clone(),
        }
    }
    Request { method: route.method.clone(), path, body: template.as_ref().map(|t| fill(t, id_of)) }
}

/// Everything of one account: its item, every item of its partition as stored, and what the API
/// shows of it (the account, the summary, every list and every resource's sub-lists).
#[derive(Debug, PartialEq)]
pub(crate) struct Snapshot {
    pub record: hub_store::records::AccountRecord,
    pub items: Vec<HashMap<String, AttributeValue>>,
    pub views: BTreeMap<String, Value>,
}

/// Every item of the account's partition, in key order, without the items whose sort key is in
/// `skip` (an API user used as a credential meanwhile: its use is recorded on it).
async fn partition(app: &TestApp, account_id: &str, skip: &[String]) -> Vec<HashMap<String, AttributeValue>> {
    // The SDK's paginator follows the pages (it stops at a missing or empty last key).
    let mut items = raw_client(app)
        .query()
        .table_name(app.state.store.table_name())
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(format!("ACCOUNT#{account_id}")))
        .consistent_read(true)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("partition query");
    items.retain(|item| !matches!(item.get("SK"), Some(AttributeValue::S(sk)) if skip.contains(sk)));
    items
}

/// Snapshots an account. `token` is one of its administrators'. `skip_api_users`: API users whose
/// items are left out (see [`partition`]); their views are left out too.
pub(crate) async fn snapshot(app: &TestApp, account_id: &str, token: &str, skip_api_users: &[&str]) -> Snapshot {
    let record = app.account_record(&account_id.into()).await;
    let skip: Vec<String> = skip_api_users.iter().map(|id| format!("APIUSER#{id}")).collect();
    let items = partition(app, account_id, &skip).await;
    let mut views = BTreeMap::new();
    let get = |path: String| async move {
        (path.clone(), app.call_as(token, Method::GET, &path, None).await.expect(200).body)
    };
    let list = |path: String| async move { (path.clone(), Value::Array(app.list_all(token, &path).await)) };
    for path in ["/account", "/hub/summary", "/scim-tokens"] {
        let (k, v) = get(path.into()).await;
        views.insert(k, v);
    }
    let mut ids: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (collection, id_field) in
        [("/operators", "operatorId"), ("/groups", "groupId"), ("/monitors", "monitorId"), ("/api-users", "apiUserId")]
    {
        let (k, v) = list(collection.into()).await;
        let mut found: Vec<String> =
            v.as_array().unwrap().iter().map(|i| i[id_field].as_str().unwrap().to_owned()).collect();
        if collection == "/api-users" {
            found.retain(|id| !skip_api_users.contains(&id.as_str()));
            let kept: Vec<Value> = v
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| !skip_api_users.contains(&i["apiUserId"].as_str().unwrap()))
                .cloned()
                .collect();
            views.insert(k, Value::Array(kept));
        } else {
            views.insert(k, v);
        }
        ids.insert(collection, found);
    }
    let (k, v) = list("/monitors/permissions".into()).await;
    views.insert(k, v);
    let mut paths = Vec::new();
    for id in &ids["/operators"] {
        paths.push((format!("/operators/{id}"), false));
        paths.push((format!("/operators/{id}/groups"), true));
        paths.push((format!("/operators/{id}/permissions"), false));
        paths.push((format!("/operators/{id}/duty-schedules"), false));
    }
    for id in &ids["/groups"] {
        paths.push((format!("/groups/{id}"), false));
        paths.push((format!("/groups/{id}/members"), true));
        paths.push((format!("/groups/{id}/permissions"), false));
    }
    for id in &ids["/monitors"] {
        paths.push((format!("/monitors/{id}"), false));
        paths.push((format!("/monitors/{id}/authorizations"), true));
    }
    for id in &ids["/api-users"] {
        paths.push((format!("/api-users/{id}"), false));
    }
    for (path, paged) in paths {
        let (k, v) = if paged { list(path).await } else { get(path).await };
        views.insert(k, v);
    }
    Snapshot { record, items, views }
}

/// Asserts two snapshots are equal, naming the first difference.
#[track_caller]
pub(crate) fn assert_unchanged(before: &Snapshot, after: &Snapshot, what: &str) {
    assert_eq!(before.record, after.record, "{what}: the account item changed");
    assert_eq!(before.items.len(), after.items.len(), "{what}: the number of items in the partition changed");
    for (b, a) in before.items.iter().zip(&after.items) {
        assert_eq!(b, a, "{what}: an item of the partition changed");
    }
    assert_eq!(
        before.views.keys().collect::<Vec<_>>(),
        after.views.keys().collect::<Vec<_>>(),
        "{what}: the set of resources changed"
    );
    for (path, view) in &before.views {
        assert_eq!(Some(view), after.views.get(path), "{what}: GET {path} changed");
    }
}

/// Whether a reply is a success (2xx).
pub(crate) fn ok(reply: &Reply) -> bool {
    reply.status.is_success()
}
