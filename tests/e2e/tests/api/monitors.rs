//! Monitors, their authorizations and the permissions overview, end to end over HTTP against the
//! embedded DynamoDB.

use std::collections::BTreeSet;

use hub_e2e::{Reply, TestApp, send};
use reqwest::Method;
use serde_json::{Value, json};

/// `(monitors_total, production_monitors)` as stored on the account item.
async fn monitor_counters(app: &TestApp, account_id: &str) -> (i64, i64) {
    let account = app.account_record(&account_id.into()).await;
    (account.monitors_total, account.production_monitors)
}

/// The counters agree with a recount through the list endpoint.
async fn assert_counters_match_lists(app: &TestApp) {
    let all = app.list_all(&app.admin_token, "/monitors?limit=7").await;
    let production = app.list_all(&app.admin_token, "/monitors?mode=Production&limit=3").await;
    assert!(production.iter().all(|m| m["mode"] == "Production"));
    assert_eq!(all.iter().filter(|m| m["mode"] == "Production").count(), production.len());
    assert_eq!(monitor_counters(app, &app.account.account_id).await, (all.len() as i64, production.len() as i64));
}

async fn create_monitor(app: &TestApp, body: Value) -> String {
    app.call(Method::POST, "/monitors", Some(body)).await.expect(201).str("monitorId")
}

async fn grant(app: &TestApp, monitor: &str, body: Value) -> Reply {
    app.call(Method::POST, &format!("/monitors/{monitor}/authorizations"), Some(body)).await
}

/// Grants `body` on `monitor` (201); the id of the first authorization the answer lists, the
/// level asked for or the lowest it brings along.
async fn grant_first(app: &TestApp, monitor: &str, body: Value) -> String {
    let granted = grant(app, monitor, body).await.expect(201);
    granted.items()[0]["authorizationId"].as_str().unwrap().to_owned()
}

/// `(authorizationType, operatorId or groupId)` of a list of authorizations, sorted.
fn held(items: &[Value]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|a| {
            let who = a["operatorId"].as_str().or(a["groupId"].as_str()).expect("a principal").to_owned();
            (a["authorizationType"].as_str().unwrap().to_owned(), who)
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

async fn authorizations(app: &TestApp, monitor: &str) -> Vec<Value> {
    app.list_all(&app.admin_token, &format!("/monitors/{monitor}/authorizations?limit=2")).await
}

/// How many authorization items are stored under the monitor's own key (read from the store).
async fn stored_authorizations(app: &TestApp, monitor: &str) -> usize {
    let scope = hub_store::AccountScope::new(&app.account.account_id);
    app.state.store.in_account(&scope).all_monitor_authorizations(&monitor.into()).await.unwrap().len()
}

/// Whether `principal` still holds an authorization item on `monitor` under the holder's key.
async fn holds_any(app: &TestApp, monitor: &str, principal: hub_store::Principal) -> bool {
    let scope = hub_store::AccountScope::new(&app.account.account_id);
    !app.state.store.in_account(&scope).authorizations_on_monitor(&monitor.into(), &principal).await.unwrap().is_empty()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_read_update_delete_with_mode_rules_keeps_counters_exact() {
    let app = TestApp::start().await;
    let account = app.account.account_id.clone();
    assert_eq!(monitor_counters(&app, &account).await, (0, 0));

    let created = app.call(Method::POST, "/monitors", Some(json!({"name": "  Homepage "}))).await.expect(201);
    let id = created.created_id("/monitors", "monitorId");
    assert_eq!(created.body["name"], "Homepage");
    assert_eq!(created.body["mode"], "Production", "Production by default");
    assert_eq!(created.body["isActive"], true, "active by default");
    assert_eq!(created.body["version"], 1);
    assert_eq!(created.body["createdAt"], created.body["updatedAt"]);
    let keys: BTreeSet<&str> = created.body.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, BTreeSet::from(["monitorId", "name", "mode", "isActive", "createdAt", "updatedAt", "version"]));
    assert_eq!(monitor_counters(&app, &account).await, (1, 1));
    let fetched = app.call(Method::GET, &format!("/monitors/{id}"), None).await.expect(200);
    assert_eq!(fetched.body, created.body);
    assert_eq!(fetched.header("etag"), Some("\"1\""));

    // Development: inactive by default, never active.
    let dev = app
        .call(Method::POST, "/monitors", Some(json!({"name": "Dev check", "mode": "Development"})))
        .await
        .expect(201);
    assert_eq!((dev.body["mode"].as_str(), dev.body["isActive"].as_bool()), (Some("Development"), Some(false)));
    let refused = app
        .call(Method::POST, "/monitors", Some(json!({"name": "Active dev", "mode": "Development", "isActive": true})))
        .await
        .expect_problem(400, "validation_failed");
    assert_eq!(refused.body["errors"][0]["field"], "isActive");
    let staging = create_monitor(&app, json!({"name": "Checkout", "mode": "Staging", "isActive": false})).await;
    assert_eq!(monitor_counters(&app, &account).await, (3, 1));
    assert_counters_match_lists(&app).await;

    // Mode changes move productionMonitors.
    let promoted = app
        .call(Method::PATCH, &format!("/monitors/{staging}"), Some(json!({"mode": "Production", "isActive": true})))
        .await
        .expect(200);
    assert_eq!(
        (promoted.body["mode"].as_str(), promoted.body["isActive"].as_bool(), promoted.body["version"].as_i64()),
        (Some("Production"), Some(true), Some(2))
    );
    assert_eq!(promoted.header("etag"), Some("\"2\""));
    assert_eq!(monitor_counters(&app, &account).await, (3, 2));
    // An active monitor cannot move to Development without being deactivated in the same change.
    app.call(Method::PATCH, &format!("/monitors/{staging}"), Some(json!({"mode": "Development"})))
        .await
        .expect_problem(400, "validation_failed");
    let demoted = app
        .call(Method::PATCH, &format!("/monitors/{staging}"), Some(json!({"mode": "Development", "isActive": false})))
        .await
        .expect(200);
    assert_eq!(demoted.body["version"], 3);
    assert_eq!(monitor_counters(&app, &account).await, (3, 1));
    app.call(Method::PATCH, &format!("/monitors/{staging}"), Some(json!({"isActive": true})))
        .await
        .expect_problem(400, "validation_failed");
    // A rename keeps the counters; an empty change keeps the version.
    let renamed =
        app.call(Method::PATCH, &format!("/monitors/{id}"), Some(json!({"name": "Home page"}))).await.expect(200);
    assert_eq!((renamed.body["name"].as_str(), renamed.body["version"].as_i64()), (Some("Home page"), Some(2)));
    let same = app.call(Method::PATCH, &format!("/monitors/{id}"), Some(json!({}))).await.expect(200);
    assert_eq!(same.body["version"], 2);
    assert_counters_match_lists(&app).await;

    app.call(Method::DELETE, &format!("/monitors/{id}"), None).await.expect(204);
    app.call(Method::GET, &format!("/monitors/{id}"), None).await.expect_problem(404, "not_found");
    app.call(Method::DELETE, &format!("/monitors/{id}"), None).await.expect_problem(404, "not_found");
    assert_eq!(monitor_counters(&app, &account).await, (2, 0));
    assert_counters_match_lists(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_and_malformed_requests() {
    let app = TestApp::start().await;
    let reply = app
        .call(Method::POST, "/monitors", Some(json!({"name": "", "mode": "Prod", "isActive": null})))
        .await
        .expect_problem(400, "validation_failed");
    let mut fields: Vec<&str> =
        reply.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["isActive", "mode", "name"]);
    for bad in [
        json!({}),
        json!({"name": "x".repeat(101)}),
        json!({"name": "ok", "monitorId": "mine"}),
        json!({"name": "ok", "version": 3}),
        json!({"name": "ok", "mode": "production"}),
        json!({"name": 5}),
        json!(["ok"]),
    ] {
        app.call(Method::POST, "/monitors", Some(bad)).await.expect_problem(400, "validation_failed");
    }
    send(app.req(Method::POST, "/monitors").header("content-type", "application/json").body("{\"name\":"))
        .await
        .expect_problem(400, "malformed_json");
    send(app.req(Method::POST, "/monitors").header("content-type", "text/plain").body("{}"))
        .await
        .expect_problem(415, "unsupported_media_type");
    let id = create_monitor(&app, json!({"name": "Valid"})).await;
    for bad in [
        json!({"name": null}),
        json!({"mode": null}),
        json!({"isActive": "yes"}),
        json!({"createdAt": "2020-01-01T00:00:00Z"}),
    ] {
        app.call(Method::PATCH, &format!("/monitors/{id}"), Some(bad)).await.expect_problem(400, "validation_failed");
    }
    let bad_queries = [
        "/monitors?mode=Live",
        "/monitors?limit=0",
        "/monitors?limit=101",
        "/monitors?color=red",
        "/monitors/permissions?mode=Live",
    ];
    app.expect_problem_each(bad_queries.map(|q| (Method::GET, q.to_owned())), 400, "validation_failed").await;
    app.call(Method::GET, "/monitors?cursor=forged", None).await.expect_problem(400, "invalid_cursor");
    for path in ["/monitors/%00", "/monitors/a.b", &format!("/monitors/{}", "m".repeat(65))] {
        app.call(Method::GET, path, None).await.expect_problem(404, "not_found");
    }
    app.call(Method::PUT, &format!("/monitors/{id}"), None).await.expect_problem(405, "method_not_allowed");
    app.call(Method::DELETE, "/monitors/permissions", None).await.expect_problem(405, "method_not_allowed");
    // Authorization bodies.
    let op = app.create_operator("Val Idator", "val@example.com").await;
    for bad in [
        json!({"authorizationType": "ViewMonitor"}),
        json!({"authorizationType": "ViewMonitor", "operatorId": op, "groupId": "everyone"}),
        json!({"authorizationType": "Owner", "operatorId": op}),
        json!({"operatorId": op}),
        json!({"authorizationType": "ViewMonitor", "operatorId": "not/an/id"}),
        json!({"authorizationType": "ViewMonitor", "operatorId": op, "extra": 1}),
    ] {
        grant(&app, &id, bad).await.expect_problem(400, "validation_failed");
    }
    assert!(authorizations(&app, &id).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etag_and_if_match() {
    let app = TestApp::start().await;
    let id = create_monitor(&app, json!({"name": "Guarded"})).await;
    let path = format!("/monitors/{id}");
    send(app.req(Method::PATCH, &path).header("if-match", "\"7\"").json(&json!({"name": "G2"})))
        .await
        .expect_problem(412, "version_conflict");
    let ok =
        send(app.req(Method::PATCH, &path).header("if-match", "\"1\"").json(&json!({"name": "G2"}))).await.expect(200);
    assert_eq!(ok.header("etag"), Some("\"2\""));
    send(app.req(Method::PATCH, &path).header("if-match", "\"1\"").json(&json!({"name": "G3"})))
        .await
        .expect_problem(412, "version_conflict");
    send(app.req(Method::DELETE, &path).header("if-match", "\"1\"")).await.expect_problem(412, "version_conflict");
    assert_eq!(monitor_counters(&app, &app.account.account_id).await, (1, 1));
    send(app.req(Method::DELETE, &path).header("if-match", "\"2\"")).await.expect(204);
    assert_eq!(monitor_counters(&app, &app.account.account_id).await, (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_key_replays_and_refuses_reuse() {
    let app = TestApp::start().await;
    let body = json!({"name": "Once", "mode": "Staging"});
    let first = app.post_keyed("/monitors", "m-1", &body).await.expect(201);
    let again = app.post_keyed_raw("/monitors", "m-1", r#"{"mode": "Staging", "name": "Once"}"#).await.expect(201);
    assert_eq!(first.body, again.body);
    assert_eq!(first.header("location"), again.header("location"));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(monitor_counters(&app, &app.account.account_id).await, (1, 0));
    app.expect_key_reused("/monitors", "m-1", &json!({"name": "Twice"})).await;
    // Concurrent retries with one key register exactly one monitor.
    let monitor = crate::post_keyed_at_once(&app, "/monitors", "m-2", &json!({"name": "Racing"}), 8, "monitorId").await;
    assert_eq!(monitor_counters(&app, &app.account.account_id).await, (2, 1));

    // Grants: the same key and body replays the first answer; another body is refused.
    let op = app.create_operator("Ida Empotent", "ida@example.com").await;
    let path = format!("/monitors/{monitor}/authorizations");
    let body = json!({"authorizationType": "ViewMonitor", "operatorId": op});
    let first = app.post_keyed(&path, "g-1", &body).await.expect(201);
    let again = app.post_keyed(&path, "g-1", &body).await.expect(201);
    assert_eq!(first.body, again.body);
    app.expect_key_reused(&path, "g-1", &json!({"authorizationType": "EditMonitor", "operatorId": op})).await;
    assert_eq!(authorizations(&app, &monitor).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_orders_by_name_and_binds_cursors_to_their_list() {
    let app = TestApp::start().await;
    let names =
        ["zulu", "Yankee", "x-ray", "Whiskey", "victor", "Uniform", "tango", "Sierra", "romeo", "Quebec", "papa"];
    for (i, name) in names.iter().enumerate() {
        let mode = ["Production", "Staging", "Development"][i % 3];
        create_monitor(&app, json!({"name": name, "mode": mode})).await;
    }
    let all = app.list_all(&app.admin_token, "/monitors?limit=4").await;
    let listed: Vec<&str> = all.iter().map(|m| m["name"].as_str().unwrap()).collect();
    let mut expected = names.to_vec();
    expected.sort_by_key(|n| n.to_lowercase());
    assert_eq!(listed, expected, "every monitor once, ordered by name case-insensitively");
    let staging = app.list_all(&app.admin_token, "/monitors?mode=Staging&limit=2").await;
    assert_eq!(staging.len(), 4);
    assert!(staging.iter().all(|m| m["mode"] == "Staging"));
    let dev = app.list_all(&app.admin_token, "/monitors?mode=Development&limit=1").await;
    assert_eq!(dev.len(), 3);
    assert!(dev.iter().all(|m| m["isActive"] == false));
    assert_counters_match_lists(&app).await;

    let first = app.call(Method::GET, "/monitors?limit=4", None).await.expect(200);
    assert_eq!(first.items().len(), 4);
    let cursor = first.str("nextCursor");
    app.call(Method::GET, &format!("/monitors?limit=4&cursor={cursor}"), None).await.expect(200);
    app.call(Method::GET, &format!("/monitors/permissions?cursor={cursor}"), None)
        .await
        .expect_problem(400, "invalid_cursor");
    app.call(Method::GET, &format!("/operators?cursor={cursor}"), None).await.expect_problem(400, "invalid_cursor");
    let (_, other_token) = app.provision_with_admin_token("Business", 0).await;
    app.call_as(&other_token, Method::GET, &format!("/monitors?cursor={cursor}"), None)
        .await
        .expect_problem(400, "invalid_cursor");
    let overview = app.list_all(&app.admin_token, "/monitors/permissions?limit=3").await;
    assert_eq!(overview.iter().map(|m| m["name"].as_str().unwrap()).collect::<Vec<_>>(), expected);
    let overview_dev = app.list_all(&app.admin_token, "/monitors/permissions?mode=Development&limit=2").await;
    assert_eq!(overview_dev.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_accounts_monitors_are_not_found_and_never_listed() {
    let app = TestApp::start().await;
    let id = create_monitor(&app, json!({"name": "Private"})).await;
    let op = app.create_operator("Private Pat", "pat@example.com").await;
    let authorization = grant_first(&app, &id, json!({"authorizationType": "ViewMonitor", "operatorId": op})).await;
    let (other, token) = app.provision_with_admin_token("Business", 0).await;
    let requests = [
        (Method::GET, format!("/monitors/{id}"), None),
        (Method::PATCH, format!("/monitors/{id}"), Some(json!({"name": "Owned"}))),
        (Method::DELETE, format!("/monitors/{id}"), None),
        (Method::GET, format!("/monitors/{id}/authorizations"), None),
        (
            Method::POST,
            format!("/monitors/{id}/authorizations"),
            Some(json!({"authorizationType": "EditMonitor", "groupId": "everyone"})),
        ),
        (Method::DELETE, format!("/monitors/{id}/authorizations/{authorization}"), None),
    ];
    app.expect_problem_each_as(&token, requests, 404, "not_found").await;
    // Its own monitor cannot be granted to this account's operator or group either.
    let theirs = app
        .call_as(&token, Method::POST, "/monitors", Some(json!({"name": "Theirs"})))
        .await
        .expect(201)
        .str("monitorId");
    app.call_as(
        &token,
        Method::POST,
        &format!("/monitors/{theirs}/authorizations"),
        Some(json!({"authorizationType": "ViewMonitor", "operatorId": op})),
    )
    .await
    .expect_problem(404, "not_found");
    assert!(app.list_all(&token, &format!("/monitors/{theirs}/authorizations")).await.is_empty());
    assert_eq!(app.list_all(&token, "/monitors").await.len(), 1);
    assert_eq!(app.list_all(&token, "/monitors/permissions").await.len(), 1);
    assert_eq!(app.list_all(&app.admin_token, "/monitors").await.len(), 1);
    let unchanged = app.call(Method::GET, &format!("/monitors/{id}"), None).await.expect(200);
    assert_eq!((unchanged.body["name"].as_str(), unchanged.body["version"].as_i64()), (Some("Private"), Some(1)));
    assert_eq!(authorizations(&app, &id).await.len(), 2);
    assert_eq!(monitor_counters(&app, &app.account.account_id).await, (1, 1));
    assert_eq!(monitor_counters(&app, &other.account_id).await, (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_administrators_read_but_never_write() {
    let app = TestApp::start().await;
    let id = create_monitor(&app, json!({"name": "Readable"})).await;
    let (me, token) = app.create_operator_with_token("Rita Reader", "rita@example.com").await;
    let authorization = grant_first(&app, &id, json!({"authorizationType": "ViewMonitorData", "operatorId": me})).await;
    app.call_as(&token, Method::GET, "/monitors", None).await.expect(200);
    app.call_as(&token, Method::GET, &format!("/monitors/{id}"), None).await.expect(200);
    app.call_as(&token, Method::GET, &format!("/monitors/{id}/authorizations"), None).await.expect(200);
    app.call_as(&token, Method::GET, "/monitors/permissions", None).await.expect_problem(403, "forbidden");
    // Writes are refused before their bodies are even looked at.
    let requests = [
        (Method::POST, "/monitors".to_owned(), Some(json!({"name": "Mine"}))),
        (Method::POST, "/monitors".to_owned(), Some(json!({"bogus": true}))),
        (Method::PATCH, format!("/monitors/{id}"), Some(json!({"name": "Hacked"}))),
        (Method::PATCH, format!("/monitors/{id}"), Some(json!({"bogus": true}))),
        (Method::DELETE, format!("/monitors/{id}"), None),
        (
            Method::POST,
            format!("/monitors/{id}/authorizations"),
            Some(json!({"authorizationType": "EditMonitor", "operatorId": me})),
        ),
        (Method::DELETE, format!("/monitors/{id}/authorizations/{authorization}"), None),
    ];
    app.expect_problem_each_as(&token, requests, 403, "forbidden").await;
    assert_eq!(authorizations(&app, &id).await.len(), 1);
    assert_eq!(monitor_counters(&app, &app.account.account_id).await, (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorizations_are_cumulative_both_ways() {
    let app = TestApp::start().await;
    let monitor = create_monitor(&app, json!({"name": "Shop"})).await;
    let olga = app.create_operator("Olga Operator", "olga@example.com").await;
    let night = app.create_group("Night shift").await;

    // EditMonitor brings the two levels below it.
    let reply =
        grant(&app, &monitor, json!({"authorizationType": "EditMonitor", "operatorId": olga})).await.expect(201);
    let types: Vec<&str> = reply.items().iter().map(|a| a["authorizationType"].as_str().unwrap()).collect();
    assert_eq!(types, ["ViewMonitorData", "ViewMonitor", "EditMonitor"], "lowest level first");
    assert_eq!(reply.body["nextCursor"], Value::Null);
    for a in reply.items() {
        assert_eq!(a["operatorId"], olga.as_str());
        assert_eq!(a["groupId"], Value::Null);
        let id = a["authorizationId"].as_str().unwrap();
        assert!(
            !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }
    // Granting a level already held changes nothing.
    let again =
        grant(&app, &monitor, json!({"authorizationType": "ViewMonitor", "operatorId": olga})).await.expect(201);
    assert_eq!(again.body, reply.body);
    assert_eq!(authorizations(&app, &monitor).await.len(), 3);

    // A group gets ViewMonitor and ViewMonitorData; then EditMonitor adds only the missing level.
    let group_reply =
        grant(&app, &monitor, json!({"authorizationType": "ViewMonitor", "groupId": night})).await.expect(201);
    assert_eq!(held(group_reply.items()), pairs(&[("ViewMonitorData", &night), ("ViewMonitor", &night)]));
    let before: BTreeSet<String> =
        group_reply.items().iter().map(|a| a["authorizationId"].as_str().unwrap().to_owned()).collect();
    let upgraded =
        grant(&app, &monitor, json!({"authorizationType": "EditMonitor", "groupId": night})).await.expect(201);
    assert_eq!(upgraded.items().len(), 3);
    let after: BTreeSet<String> =
        upgraded.items().iter().map(|a| a["authorizationId"].as_str().unwrap().to_owned()).collect();
    assert!(before.is_subset(&after), "the levels already held keep their ids");
    assert_eq!(upgraded.items()[0]["groupId"], night.as_str());
    assert_eq!(upgraded.items()[0]["operatorId"], Value::Null);

    let listed = authorizations(&app, &monitor).await;
    assert_eq!(
        held(&listed),
        pairs(&[
            ("ViewMonitorData", &olga),
            ("ViewMonitor", &olga),
            ("EditMonitor", &olga),
            ("ViewMonitorData", &night),
            ("ViewMonitor", &night),
            ("EditMonitor", &night),
        ])
    );

    // Revoking ViewMonitor also revokes EditMonitor, and keeps ViewMonitorData.
    let id_of = |items: &[Value], who: &str, level: &str| {
        items
            .iter()
            .find(|a| a["authorizationType"] == level && (a["operatorId"] == who || a["groupId"] == who))
            .map(|a| a["authorizationId"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let view = id_of(&listed, &olga, "ViewMonitor");
    app.call(Method::DELETE, &format!("/monitors/{monitor}/authorizations/{view}"), None).await.expect(204);
    app.call(Method::DELETE, &format!("/monitors/{monitor}/authorizations/{view}"), None)
        .await
        .expect_problem(404, "not_found");
    let listed = authorizations(&app, &monitor).await;
    assert_eq!(
        held(&listed),
        pairs(&[
            ("ViewMonitorData", &olga),
            ("ViewMonitorData", &night),
            ("ViewMonitor", &night),
            ("EditMonitor", &night)
        ])
    );
    // Revoking the top level leaves the lower ones.
    let edit = id_of(&listed, &night, "EditMonitor");
    app.call(Method::DELETE, &format!("/monitors/{monitor}/authorizations/{edit}"), None).await.expect(204);
    // Revoking the lowest level removes everything the principal held.
    let listed = authorizations(&app, &monitor).await;
    let lowest = id_of(&listed, &night, "ViewMonitorData");
    app.call(Method::DELETE, &format!("/monitors/{monitor}/authorizations/{lowest}"), None).await.expect(204);
    assert_eq!(held(&authorizations(&app, &monitor).await), pairs(&[("ViewMonitorData", &olga)]));

    // Unknown principals, monitors and authorizations are not found.
    grant(&app, &monitor, json!({"authorizationType": "ViewMonitor", "operatorId": "no-such-operator"}))
        .await
        .expect_problem(404, "not_found");
    grant(&app, &monitor, json!({"authorizationType": "ViewMonitor", "groupId": "no-such-group"}))
        .await
        .expect_problem(404, "not_found");
    grant(&app, "no-such-monitor", json!({"authorizationType": "ViewMonitor", "groupId": night}))
        .await
        .expect_problem(404, "not_found");
    app.call(Method::GET, "/monitors/no-such-monitor/authorizations", None).await.expect_problem(404, "not_found");
    app.call(Method::DELETE, &format!("/monitors/{monitor}/authorizations/no-such-authorization"), None)
        .await
        .expect_problem(404, "not_found");
    // An authorization id is only found under its own monitor.
    let other = create_monitor(&app, json!({"name": "Other"})).await;
    let remaining = id_of(&authorizations(&app, &monitor).await, &olga, "ViewMonitorData");
    app.call(Method::DELETE, &format!("/monitors/{other}/authorizations/{remaining}"), None)
        .await
        .expect_problem(404, "not_found");
    // System groups can hold authorizations too.
    let everyone =
        grant(&app, &other, json!({"authorizationType": "ViewMonitorData", "groupId": "everyone"})).await.expect(201);
    assert_eq!(held(everyone.items()), pairs(&[("ViewMonitorData", "everyone")]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_grants_and_revokes_keep_levels_cumulative() {
    let app = TestApp::start().await;
    let monitor = create_monitor(&app, json!({"name": "Contended"})).await;
    let op = app.create_operator("Race Rob", "rob@example.com").await;
    for round in 0..3 {
        let lowest =
            grant_first(&app, &monitor, json!({"authorizationType": "ViewMonitorData", "operatorId": op})).await;
        // Upgrades race with the revoke of the lowest level, which takes every higher level with it.
        let mut calls: Vec<(Method, String, Option<Value>)> =
            vec![(Method::DELETE, format!("/monitors/{monitor}/authorizations/{lowest}"), None)];
        for level in ["ViewMonitor", "EditMonitor", "ViewMonitor", "EditMonitor"] {
            calls.push((
                Method::POST,
                format!("/monitors/{monitor}/authorizations"),
                Some(json!({"authorizationType": level, "operatorId": op})),
            ));
        }
        let replies = futures::future::join_all(calls.into_iter().map(|(m, p, b)| {
            let app = &app;
            async move { app.call(m, &p, b).await }
        }))
        .await;
        hub_e2e::assert_answered(&replies, &[201, 204], &format!("round {round}: "));
        let levels: BTreeSet<String> = authorizations(&app, &monitor)
            .await
            .iter()
            .map(|a| a["authorizationType"].as_str().unwrap().to_owned())
            .collect();
        let contiguous = [
            vec![],
            vec!["ViewMonitorData"],
            vec!["ViewMonitorData", "ViewMonitor"],
            vec!["ViewMonitorData", "ViewMonitor", "EditMonitor"],
        ];
        assert!(
            contiguous.iter().any(|c| c.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>() == levels),
            "round {round}: levels are not cumulative: {levels:?}"
        );
        // Start the next round from nothing.
        if let Some(a) =
            authorizations(&app, &monitor).await.iter().find(|a| a["authorizationType"] == "ViewMonitorData")
        {
            app.call(
                Method::DELETE,
                &format!("/monitors/{monitor}/authorizations/{}", a["authorizationId"].as_str().unwrap()),
                None,
            )
            .await
            .expect(204);
        }
        assert!(authorizations(&app, &monitor).await.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_names_every_holder_per_level() {
    let app = TestApp::start().await;
    let shop = create_monitor(&app, json!({"name": "Shop"})).await;
    let api = create_monitor(&app, json!({"name": "API", "mode": "Staging", "isActive": false})).await;
    let bare = create_monitor(&app, json!({"name": "Bare", "mode": "Development"})).await;
    let zed = app.create_operator("zed Zimmer", "zed@example.com").await;
    let amy = app.create_operator("Amy Adams", "amy@example.com").await;
    let support = app.create_group("Support").await;
    grant(&app, &shop, json!({"authorizationType": "EditMonitor", "operatorId": zed})).await.expect(201);
    grant(&app, &shop, json!({"authorizationType": "ViewMonitor", "operatorId": amy})).await.expect(201);
    grant(&app, &shop, json!({"authorizationType": "ViewMonitorData", "groupId": support})).await.expect(201);
    grant(&app, &shop, json!({"authorizationType": "ViewMonitor", "groupId": "administrators"})).await.expect(201);
    grant(&app, &api, json!({"authorizationType": "ViewMonitorData", "operatorId": amy})).await.expect(201);

    let overview = app.call(Method::GET, "/monitors/permissions", None).await.expect(200);
    assert_eq!(overview.body["nextCursor"], Value::Null);
    let items = overview.items();
    assert_eq!(items.iter().map(|m| m["name"].as_str().unwrap()).collect::<Vec<_>>(), ["API", "Bare", "Shop"]);
    let named = |list: &Value| -> Vec<(String, String)> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|n| (n["id"].as_str().unwrap().to_owned(), n["name"].as_str().unwrap().to_owned()))
            .collect()
    };
    let amy_n = (amy.clone(), "Amy Adams".to_owned());
    let zed_n = (zed.clone(), "zed Zimmer".to_owned());
    let support_n = (support.clone(), "Support".to_owned());
    let admins_n = ("administrators".to_owned(), "Administrators".to_owned());

    let api_row = &items[0];
    assert_eq!(
        (api_row["monitorId"].as_str(), api_row["mode"].as_str(), api_row["isActive"].as_bool()),
        (Some(api.as_str()), Some("Staging"), Some(false))
    );
    assert_eq!(named(&api_row["viewMonitorData"]["operators"]), std::slice::from_ref(&amy_n));
    assert!(named(&api_row["viewMonitor"]["operators"]).is_empty());
    assert!(named(&api_row["editMonitor"]["groups"]).is_empty());

    let bare_row = &items[1];
    assert_eq!(bare_row["monitorId"], bare.as_str());
    for level in ["viewMonitorData", "viewMonitor", "editMonitor"] {
        assert_eq!(bare_row[level], json!({"operators": [], "groups": []}));
    }

    let shop_row = &items[2];
    assert_eq!(named(&shop_row["viewMonitorData"]["operators"]), [amy_n.clone(), zed_n.clone()], "ordered by name");
    assert_eq!(named(&shop_row["viewMonitorData"]["groups"]), [admins_n.clone(), support_n.clone()]);
    assert_eq!(named(&shop_row["viewMonitor"]["operators"]), [amy_n.clone(), zed_n.clone()]);
    assert_eq!(named(&shop_row["viewMonitor"]["groups"]), std::slice::from_ref(&admins_n));
    assert_eq!(named(&shop_row["editMonitor"]["operators"]), std::slice::from_ref(&zed_n));
    assert!(named(&shop_row["editMonitor"]["groups"]).is_empty());

    // Renames show at once; a deleted holder disappears.
    app.call(Method::PATCH, &format!("/operators/{amy}"), Some(json!({"fullName": "Amy Brown"}))).await.expect(200);
    app.call(Method::DELETE, &format!("/groups/{support}"), None).await.expect(204);
    let overview = app.list_all(&app.admin_token, "/monitors/permissions?limit=1").await;
    assert_eq!(overview.len(), 3);
    let shop_row = overview.iter().find(|m| m["monitorId"] == shop.as_str()).unwrap();
    assert_eq!(named(&shop_row["viewMonitorData"]["operators"]), [(amy.clone(), "Amy Brown".to_owned()), zed_n]);
    assert_eq!(named(&shop_row["viewMonitorData"]["groups"]), [admins_n]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletes_cascade_to_authorizations() {
    let app = TestApp::start().await;
    let scope = hub_store::AccountScope::new(&app.account.account_id);
    let m1 = create_monitor(&app, json!({"name": "One"})).await;
    let m2 = create_monitor(&app, json!({"name": "Two", "mode": "Staging"})).await;
    let carl = app.create_operator("Cascade Carl", "carl@example.com").await;
    let dora = app.create_operator("Dora Duty", "dora@example.com").await;
    let team = app.create_group("Team").await;
    for m in [&m1, &m2] {
        grant(&app, m, json!({"authorizationType": "EditMonitor", "operatorId": carl})).await.expect(201);
        grant(&app, m, json!({"authorizationType": "ViewMonitor", "operatorId": dora})).await.expect(201);
        grant(&app, m, json!({"authorizationType": "ViewMonitorData", "groupId": team})).await.expect(201);
    }
    assert_eq!(authorizations(&app, &m1).await.len(), 6);

    // Deleting an operator removes its authorizations on every monitor, under both keys.
    app.call(Method::DELETE, &format!("/operators/{carl}"), None).await.expect(204);
    for m in [&m1, &m2] {
        assert_eq!(
            held(&authorizations(&app, m).await),
            pairs(&[("ViewMonitorData", &dora), ("ViewMonitor", &dora), ("ViewMonitorData", &team)])
        );
        assert!(!holds_any(&app, m, hub_store::Principal::Operator(carl.clone().into())).await);
    }
    // Deleting a group too.
    app.call(Method::DELETE, &format!("/groups/{team}"), None).await.expect(204);
    for m in [&m1, &m2] {
        assert_eq!(held(&authorizations(&app, m).await), pairs(&[("ViewMonitorData", &dora), ("ViewMonitor", &dora)]));
        assert!(!holds_any(&app, m, hub_store::Principal::Group(team.clone().into())).await);
    }
    // Deleting a monitor removes its authorizations, also from under their holders.
    app.call(Method::DELETE, &format!("/monitors/{m1}"), None).await.expect(204);
    assert_eq!(stored_authorizations(&app, &m1).await, 0);
    assert!(!holds_any(&app, &m1, hub_store::Principal::Operator(dora.clone().into())).await);
    assert_eq!(authorizations(&app, &m2).await.len(), 2);
    // Deleting the last holder after its monitor leaves nothing behind.
    app.call(Method::DELETE, &format!("/operators/{dora}"), None).await.expect(204);
    assert_eq!(stored_authorizations(&app, &m2).await, 0);
    assert_eq!(monitor_counters(&app, &app.account.account_id).await, (1, 0));
    assert!(app.state.store.in_account(&scope).pending_deletes().await.unwrap().is_empty());
    assert_eq!(app.state.store.in_account(&scope).finish_pending_monitor_deletes().await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_monitor_with_many_authorizations_and_a_half_done_delete_are_cleaned_up() {
    let app = TestApp::start().await;
    let scope = hub_store::AccountScope::new(&app.account.account_id);
    let big = create_monitor(&app, json!({"name": "Big"})).await;
    // 20 groups x 3 levels: 60 authorizations, 120 items, more than one transaction holds.
    let groups: Vec<String> = futures::future::join_all((0..20).map(|i| {
        let app = &app;
        async move { app.create_group(&format!("Group {i:02}")).await }
    }))
    .await;
    futures::future::join_all(groups.iter().map(|g| {
        let app = &app;
        let big = &big;
        async move { grant(app, big, json!({"authorizationType": "EditMonitor", "groupId": g})).await.expect(201) }
    }))
    .await;
    assert_eq!(authorizations(&app, &big).await.len(), 60);
    app.call(Method::DELETE, &format!("/monitors/{big}"), None).await.expect(204);
    assert_eq!(stored_authorizations(&app, &big).await, 0);
    for g in &groups {
        assert!(!holds_any(&app, &big, hub_store::Principal::Group(g.clone().into())).await);
    }

    // Only the first step of a delete runs, as if the process died right after it.
    let half = create_monitor(&app, json!({"name": "Half"})).await;
    grant(&app, &half, json!({"authorizationType": "EditMonitor", "groupId": groups[0]})).await.expect(201);
    crate::begin_monitor_delete_only(&app, &scope, &half).await;
    app.call(Method::GET, &format!("/monitors/{half}"), None).await.expect_problem(404, "not_found");
    app.call(Method::GET, &format!("/monitors/{half}/authorizations"), None).await.expect_problem(404, "not_found");
    grant(&app, &half, json!({"authorizationType": "EditMonitor", "groupId": groups[1]}))
        .await
        .expect_problem(404, "not_found");
    assert_eq!(monitor_counters(&app, &app.account.account_id).await, (0, 0));
    assert_eq!(stored_authorizations(&app, &half).await, 3);
    // Its retry finishes it.
    app.call(Method::DELETE, &format!("/monitors/{half}"), None).await.expect(204);
    assert_eq!(stored_authorizations(&app, &half).await, 0);
    app.call(Method::DELETE, &format!("/monitors/{half}"), None).await.expect_problem(404, "not_found");
    // And the maintenance entry point finishes any that nobody retried.
    let third = create_monitor(&app, json!({"name": "Third"})).await;
    grant(&app, &third, json!({"authorizationType": "ViewMonitor", "groupId": groups[2]})).await.expect(201);
    crate::begin_monitor_delete_only(&app, &scope, &third).await;
    assert_eq!(app.state.store.in_account(&scope).finish_pending_monitor_deletes().await.unwrap(), 1);
    assert!(!holds_any(&app, &third, hub_store::Principal::Group(groups[2].clone().into())).await);
    assert_eq!(app.state.store.in_account(&scope).finish_pending_monitor_deletes().await.unwrap(), 0);
}
