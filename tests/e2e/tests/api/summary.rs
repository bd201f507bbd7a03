//! The account and the hub summary, end to end over HTTP against the embedded DynamoDB: every
//! figure checked against a full recount through the list endpoints after every kind of write,
//! and the summary's cost in DynamoDB requests at two very different account sizes.

use std::time::Instant;

use futures::stream::{self, StreamExt};
use hub_e2e::{Reply, TestApp, send};
use hub_store::records::OperatorRecord;
use hub_store::schedule_record::ScheduleRecord;
use hub_store::{AccountScope, StoreError};
use reqwest::Method;
use serde_json::{Value, json};

fn rfc3339(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A one-time off-duty window from an hour ago to an hour from now.
fn window_around_now() -> Value {
    let now = jiff::Timestamp::now();
    json!({"mode": "OneTime", "start": rfc3339(now - jiff::SignedDuration::from_hours(1)), "end": rfc3339(now + jiff::SignedDuration::from_hours(1))})
}

async fn summary_as(app: &TestApp, token: &str) -> Reply {
    let reply = app.call_as(token, Method::GET, "/hub/summary", None).await.expect(200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    reply
}

fn count(items: &[Value], pred: impl Fn(&Value) -> bool) -> i64 {
    items.iter().filter(|i| pred(i)).count() as i64
}

/// Every figure of the summary, checked against a full recount through the list endpoints (and
/// the account). Returns the summary.
async fn assert_summary_matches_recount(app: &TestApp, token: &str) -> Value {
    let summary = summary_as(app, token).await.body;
    let account = app.call_as(token, Method::GET, "/account", None).await.expect(200).body;
    let operators = app.list_all(token, "/operators?limit=100").await;
    let active = app.list_all(token, "/operators?isOnDuty=true&limit=100").await;
    let groups = app.list_all(token, "/groups?limit=100").await;
    let empty_groups = app.list_all(token, "/groups?isEmpty=true&limit=100").await;
    let production = app.list_all(token, "/monitors?mode=Production&limit=100").await;

    assert_eq!(summary["accountId"], account["accountId"]);
    assert_eq!(summary["accountType"], account["accountType"]);
    assert_eq!(summary["operators"]["total"], operators.len() as i64, "operators.total: {summary}");
    assert_eq!(
        summary["operators"]["active"],
        count(&operators, |o| o["isOnDuty"] == true),
        "operators.active: {summary}"
    );
    assert_eq!(summary["operators"]["active"], active.len() as i64);
    // The first 10 active operators by name (case-insensitively; equal names by id).
    let mut expected: Vec<&Value> = operators.iter().filter(|o| o["isOnDuty"] == true).collect();
    expected.sort_by_key(|o| {
        (o["fullName"].as_str().unwrap().to_lowercase(), o["operatorId"].as_str().unwrap().to_owned())
    });
    let expected: Vec<Value> = expected
        .iter()
        .take(10)
        .map(|o| json!({"operatorId": o["operatorId"], "fullName": o["fullName"], "email": o["email"]}))
        .collect();
    assert_eq!(summary["operators"]["activeList"], Value::Array(expected), "activeList");
    assert_eq!(summary["groups"]["total"], groups.len() as i64, "groups.total: {summary}");
    assert_eq!(summary["groups"]["empty"], count(&groups, |g| g["memberCount"] == 0), "groups.empty: {summary}");
    assert_eq!(summary["groups"]["empty"], empty_groups.len() as i64);
    assert_eq!(summary["onDuty"], count(&operators, |o| o["onDutyNow"] == true), "onDuty: {summary}");
    assert_eq!(summary["operatorQuota"]["used"], operators.len() as i64);
    assert_eq!(summary["operatorQuota"]["used"], account["operatorsInUse"]);
    assert_eq!(summary["operatorQuota"]["limit"], account["operatorLimit"]);
    assert_eq!(summary["productionMonitors"], production.len() as i64, "productionMonitors: {summary}");
    // API users: the total agrees with their list where that route answers; `inactive` is the
    // scheduled job's figure as of `inactiveComputedAt`.
    let record = app.account_record(&account["accountId"].as_str().unwrap().into()).await;
    assert_eq!(summary["apiUsers"]["total"], record.api_users_total);
    assert_eq!(summary["apiUsers"]["inactive"], record.api_users_inactive);
    assert_eq!(summary["apiUsers"]["inactiveComputedAt"], json!(record.inactive_computed_at));
    let api_users = app.call_as(token, Method::GET, "/api-users?limit=100", None).await;
    if api_users.status == 200 {
        assert_eq!(summary["apiUsers"]["total"], app.list_all(token, "/api-users?limit=100").await.len() as i64);
    }
    summary
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_accounts_summary_and_its_shape() {
    let app = TestApp::start().await;
    let summary = assert_summary_matches_recount(&app, &app.admin_token).await;
    assert_eq!(
        summary,
        json!({
            "accountId": app.account.account_id,
            "accountType": "Business",
            "operators": {"total": 1, "active": 1, "disabled": 0, "activeList": [summary["operators"]["activeList"][0].clone()]},
            "groups": {"total": 2, "empty": 0},
            "apiUsers": {"total": 0, "inactive": 0, "inactiveComputedAt": null},
            "onDuty": 1,
            "operatorQuota": {"used": 1, "limit": 25},
            "productionMonitors": 0
        })
    );
    assert_eq!(summary["operators"]["activeList"][0]["operatorId"], app.account.admin_operator_id.as_str());
    assert_eq!(summary["operators"]["activeList"][0]["fullName"], "Ada Admin");
    // Any operator of the account may read it; nobody else's account shows.
    let (_, token) = app.create_operator_with_token("Rea Der", "rea@example.com").await;
    assert_eq!(summary_as(&app, &token).await.body["operators"]["total"], 2);
    let (other, other_token) = app.provision_with_admin_token("Premium", 3).await;
    let theirs = assert_summary_matches_recount(&app, &other_token).await;
    assert_eq!(
        (theirs["accountId"].as_str(), theirs["accountType"].as_str()),
        (Some(other.account_id.as_str()), Some("Premium"))
    );
    assert_eq!((theirs["operators"]["total"].as_i64(), theirs["operatorQuota"]["limit"].as_i64()), (Some(1), Some(7)));
    send(app.http.get(format!("{}/hub/summary", app.base))).await.expect_problem(401, "unauthenticated");
    app.call(Method::POST, "/hub/summary", None).await.expect_problem(405, "method_not_allowed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_agree_with_the_lists_after_every_kind_of_write() {
    let app = TestApp::start().await;
    let token = app.admin_token.clone();
    let check = || assert_summary_matches_recount(&app, &token);

    // Operators: created active or not; the Active switch both ways.
    let names = ["Mona", "bert", "Carla", "dave", "Eve", "frank", "Gina", "hank", "Ines", "jo", "Kees", "lena"];
    let mut ids = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let reply = app
            .call(Method::POST, "/operators", Some(json!({"email": format!("{}@example.com", name.to_lowercase()), "fullName": name, "isOnDuty": i % 4 != 0})))
            .await
            .expect(201);
        ids.push(reply.str("operatorId"));
    }
    let s = check().await;
    assert_eq!((s["operators"]["total"].as_i64(), s["operators"]["active"].as_i64()), (Some(13), Some(10)));
    app.call(Method::PATCH, &format!("/operators/{}", ids[1]), Some(json!({"isOnDuty": false}))).await.expect(200);
    app.call(Method::PATCH, &format!("/operators/{}", ids[0]), Some(json!({"isOnDuty": true}))).await.expect(200);
    app.call(Method::PATCH, &format!("/operators/{}", ids[2]), Some(json!({"fullName": "Aaron"}))).await.expect(200);
    let s = check().await;
    assert_eq!(s["operators"]["activeList"][0]["fullName"], "Aaron", "renames reorder the list");

    // Groups and memberships.
    let night = app.create_group("Night").await;
    let day = app.create_group("Day").await;
    assert_eq!(check().await["groups"], json!({"total": 4, "empty": 2}));
    app.call(Method::PUT, &format!("/groups/{night}/members/{}", ids[3]), None).await.expect(204);
    app.call(Method::PUT, &format!("/groups/{night}/members/{}", ids[4]), None).await.expect(204);
    assert_eq!(check().await["groups"], json!({"total": 4, "empty": 1}));
    app.call(Method::DELETE, &format!("/groups/{night}/members/{}", ids[3]), None).await.expect(204);
    assert_eq!(check().await["groups"]["empty"], 1);
    app.call(Method::DELETE, &format!("/groups/{night}/members/{}", ids[4]), None).await.expect(204);
    assert_eq!(check().await["groups"]["empty"], 2);
    app.call(Method::PUT, &format!("/groups/{day}/members/{}", ids[5]), None).await.expect(204);
    app.call(Method::PUT, &format!("/groups/{day}/members/{}", ids[6]), None).await.expect(204);
    // The group-wide Active switch.
    app.call(Method::POST, &format!("/groups/{day}/duty"), Some(json!({"isOnDuty": false}))).await.expect(204);
    check().await;
    app.call(Method::DELETE, &format!("/groups/{night}"), None).await.expect(204);
    assert_eq!(check().await["groups"], json!({"total": 3, "empty": 0}));

    // Monitors: created in every mode, mode changes both ways, deleted.
    let mut monitors = Vec::new();
    for (name, mode) in [("Shop", "Production"), ("API", "Production"), ("Beta", "Staging"), ("Lab", "Development")] {
        monitors.push(
            app.call(Method::POST, "/monitors", Some(json!({"name": name, "mode": mode})))
                .await
                .expect(201)
                .str("monitorId"),
        );
    }
    assert_eq!(check().await["productionMonitors"], 2);
    app.call(Method::PATCH, &format!("/monitors/{}", monitors[2]), Some(json!({"mode": "Production"})))
        .await
        .expect(200);
    assert_eq!(check().await["productionMonitors"], 3);
    app.call(
        Method::PATCH,
        &format!("/monitors/{}", monitors[0]),
        Some(json!({"mode": "Development", "isActive": false})),
    )
    .await
    .expect(200);
    assert_eq!(check().await["productionMonitors"], 2);
    app.call(Method::DELETE, &format!("/monitors/{}", monitors[1]), None).await.expect(204);
    app.call(Method::DELETE, &format!("/monitors/{}", monitors[3]), None).await.expect(204);
    assert_eq!(check().await["productionMonitors"], 1);

    // Off-duty schedules: a window around now takes an active operator off duty; one on an
    // inactive operator changes nothing; one in the past changes nothing.
    let before = check().await["onDuty"].as_i64().unwrap();
    let schedules = |id: &str| format!("/operators/{id}/duty-schedules");
    app.call(Method::POST, &schedules(&ids[7]), Some(window_around_now())).await.expect(201);
    assert_eq!(check().await["onDuty"].as_i64().unwrap(), before - 1);
    app.call(Method::POST, &schedules(&ids[1]), Some(window_around_now())).await.expect(201);
    app.call(
        Method::POST,
        &schedules(&ids[8]),
        Some(json!({"mode": "OneTime", "start": "2020-01-01T00:00:00Z", "end": "2020-01-02T00:00:00Z"})),
    )
    .await
    .expect(201);
    let s = check().await;
    assert_eq!(s["onDuty"].as_i64().unwrap(), before - 1);
    assert_eq!(s["operators"]["active"].as_i64().unwrap(), before, "off duty now is still active");
    // Switching the scheduled operator off does not count it twice; on again brings it back.
    app.call(Method::PATCH, &format!("/operators/{}", ids[7]), Some(json!({"isOnDuty": false}))).await.expect(200);
    assert_eq!(check().await["onDuty"].as_i64().unwrap(), before - 1);
    app.call(Method::PATCH, &format!("/operators/{}", ids[7]), Some(json!({"isOnDuty": true}))).await.expect(200);
    assert_eq!(check().await["onDuty"].as_i64().unwrap(), before - 1);

    // Operator deletes: one with a schedule, one member of a group, one inactive.
    app.call(Method::DELETE, &format!("/operators/{}", ids[7]), None).await.expect(204);
    assert_eq!(check().await["onDuty"].as_i64().unwrap(), before - 1);
    app.call(Method::DELETE, &format!("/operators/{}", ids[5]), None).await.expect(204);
    app.call(Method::DELETE, &format!("/operators/{}", ids[6]), None).await.expect(204);
    let s = check().await;
    assert_eq!(s["groups"]["empty"], 1, "Day lost its last members");
    app.call(Method::DELETE, &format!("/operators/{}", ids[4]), None).await.expect(204);
    let s2 = check().await;
    assert_eq!(s2["operators"]["total"].as_i64().unwrap(), s["operators"]["total"].as_i64().unwrap() - 1);
    assert_eq!(s2["operatorQuota"]["used"], s2["operators"]["total"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_active_list_is_the_first_ten_active_operators_by_name() {
    let app = TestApp::start().await;
    let names =
        ["xena", "Walt", "vic", "Uma", "tess", "Sam", "rik", "Quin", "pam", "Otto", "nora", "Mark", "lou", "Kim"];
    for (i, name) in names.iter().enumerate() {
        let on = !matches!(i, 2 | 7);
        app.call(
            Method::POST,
            "/operators",
            Some(json!({"email": format!("{}@example.com", name.to_lowercase()), "fullName": name, "isOnDuty": on})),
        )
        .await
        .expect(201);
    }
    let summary = assert_summary_matches_recount(&app, &app.admin_token).await;
    let listed: Vec<&str> = summary["operators"]["activeList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["fullName"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["Ada Admin", "Kim", "lou", "Mark", "nora", "Otto", "pam", "rik", "Sam", "tess"]);
    assert_eq!(summary["operators"]["active"], 13);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_duty_is_evaluated_in_the_account_time_zone() {
    let app = TestApp::start().await;
    let id = app.create_operator("Tia Zone", "tia@example.com").await;
    // A daily window from half an hour ago to half an hour from now, New York time.
    let ny = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let now = jiff::Timestamp::now();
    let hhmm = |t: jiff::Timestamp| ny.to_datetime(t).strftime("%H:%M").to_string();
    let window = json!({"mode": "Daily", "startTime": hhmm(now - jiff::SignedDuration::from_mins(30)), "endTime": hhmm(now + jiff::SignedDuration::from_mins(30))});
    app.call(Method::POST, &format!("/operators/{id}/duty-schedules"), Some(window)).await.expect(201);

    app.call(Method::PATCH, "/account", Some(json!({"timeZone": "America/New_York"}))).await.expect(200);
    let s = assert_summary_matches_recount(&app, &app.admin_token).await;
    assert_eq!((s["operators"]["active"].as_i64(), s["onDuty"].as_i64()), (Some(2), Some(1)));
    // Thirteen or fourteen hours away the same window is not now.
    app.call(Method::PATCH, "/account", Some(json!({"timeZone": "Asia/Tokyo"}))).await.expect(200);
    let s = assert_summary_matches_recount(&app, &app.admin_token).await;
    assert_eq!(s["onDuty"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_is_read_by_anyone_and_changed_by_administrators() {
    let app = TestApp::start().await;
    let account = app.call(Method::GET, "/account", None).await.expect(200);
    assert_eq!(account.header("etag"), Some("\"1\""));
    assert_eq!(account.body["accountId"], app.account.account_id.as_str());
    assert_eq!(account.body["accountType"], "Business");
    assert_eq!(account.body["timeZone"], "Europe/Amsterdam");
    assert_eq!((account.body["operatorLimit"].as_i64(), account.body["operatorsInUse"].as_i64()), (Some(25), Some(1)));
    assert_eq!(account.body["version"], 1);
    for field in ["name", "createdAt", "updatedAt"] {
        assert!(account.body[field].is_string(), "{field} in {}", account.body);
    }

    let updated = app
        .call(Method::PATCH, "/account", Some(json!({"name": "  Acme Corp ", "timeZone": "America/Chicago"})))
        .await
        .expect(200);
    assert_eq!(
        (updated.body["name"].as_str(), updated.body["timeZone"].as_str()),
        (Some("Acme Corp"), Some("America/Chicago"))
    );
    assert_eq!(updated.body["version"], 2);
    assert_eq!(updated.header("etag"), Some("\"2\""));
    let fetched = app.call(Method::GET, "/account", None).await.expect(200);
    assert_eq!(fetched.body, updated.body);
    // The same values again change nothing.
    assert_eq!(
        app.call(Method::PATCH, "/account", Some(json!({"name": "Acme Corp"}))).await.expect(200).body["version"],
        2
    );

    // If-Match.
    send(app.req(Method::PATCH, "/account").header("if-match", "\"1\"").json(&json!({"name": "Stale"})))
        .await
        .expect_problem(412, "version_conflict");
    send(app.req(Method::PATCH, "/account").header("if-match", "\"2\"").json(&json!({"name": "Fresh"})))
        .await
        .expect(200);

    // Validation: every field reported; read-only and unknown fields refused.
    let reply = app
        .call(Method::PATCH, "/account", Some(json!({"name": "", "timeZone": "Mars/Olympus"})))
        .await
        .expect_problem(400, "validation_failed");
    let mut fields: Vec<&str> =
        reply.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["name", "timeZone"]);
    for bad in [
        json!({"name": null}),
        json!({"timeZone": null}),
        json!({"name": "x".repeat(101)}),
        json!({"accountType": "Enterprise"}),
        json!({"operatorLimit": 1000}),
        json!({"accountId": "other"}),
        json!(["Acme"]),
    ] {
        app.call(Method::PATCH, "/account", Some(bad)).await.expect_problem(400, "validation_failed");
    }
    send(app.req(Method::PATCH, "/account").header("content-type", "application/json").body("{"))
        .await
        .expect_problem(400, "malformed_json");

    // Other operators read it but cannot change it (refused before the body is looked at).
    let (_, token) = app.create_operator_with_token("Mo Member", "mo@example.com").await;
    let seen = app.call_as(&token, Method::GET, "/account", None).await.expect(200);
    assert_eq!((seen.body["name"].as_str(), seen.body["operatorsInUse"].as_i64()), (Some("Fresh"), Some(2)));
    app.call_as(&token, Method::PATCH, "/account", Some(json!({"name": "Mine"})))
        .await
        .expect_problem(403, "forbidden");
    app.call_as(&token, Method::PATCH, "/account", Some(json!({"bogus": 1}))).await.expect_problem(403, "forbidden");
    app.call(Method::DELETE, "/account", None).await.expect_problem(405, "method_not_allowed");

    // Counters keep moving under the account settings: a rename never rewrites them.
    let record = app.account_record(&app.account.account_id).await;
    assert_eq!((record.operators_total, record.name.as_str(), record.version), (2, "Fresh", 3));
    // Another account is untouched.
    let (other, other_token) = app.provision_with_admin_token("Starter", 0).await;
    let theirs = app.call_as(&other_token, Method::GET, "/account", None).await.expect(200);
    assert_eq!(
        (theirs.body["accountId"].as_str(), theirs.body["version"].as_i64()),
        (Some(other.account_id.as_str()), Some(1))
    );
}

/// An operator record as the operators function would create it.
fn operator_record(i: usize, is_on_duty: bool, off_duty_now: bool) -> OperatorRecord {
    let now = jiff::Timestamp::now();
    let schedules = if off_duty_now {
        vec![ScheduleRecord {
            schedule_id: hub_api::values::new_id().into(),
            mode: "OneTime".into(),
            start: Some(rfc3339(now - jiff::SignedDuration::from_hours(1))),
            end: Some(rfc3339(now + jiff::SignedDuration::from_hours(1))),
            week_day: None,
            month_day: None,
            start_time: None,
            end_time: None,
        }]
    } else {
        Vec::new()
    };
    OperatorRecord {
        is_on_duty,
        schedules,
        ..hub_api::rules::new_operator(
            hub_api::values::new_id().into(),
            format!("bulk{i:05}@example.com"),
            hub_api::values::FullName::parse(&format!("Bulk Operator {i:05}")).unwrap(),
            &rfc3339(now),
        )
    }
}

/// Creates `n` operators through the store (the same transaction as `POST /operators`, so the
/// counters move exactly as in production), 16 at a time, retrying any that lose a race on the
/// account or Everyone items.
async fn create_operators(app: &TestApp, account_id: &str, n: usize) {
    let scope = AccountScope::new(&account_id.into());
    let store = &app.state.store;
    let scope = &scope;
    let results: Vec<Result<(), StoreError>> = stream::iter(0..n)
        .map(|i| async move {
            // Every 7th is off (Active switch), every 50th has an off-duty window around now.
            let record = operator_record(i, i % 7 != 0, i % 50 == 1);
            let mut attempts = 0;
            loop {
                let audit = hub_store::Audit::provisioning(
                    &hub_api::audit::event_time(jiff::Timestamp::now()),
                    "operator.created",
                    hub_store::AuditTarget {
                        kind: "Operator".into(),
                        id: record.operator_id.to_string(),
                        name: Some(record.full_name.to_string()),
                    },
                );
                match store
                    .in_account(scope)
                    .create_operator(&record, &hub_api::rules::NEW_OPERATOR_PERMISSIONS, None, &audit)
                    .await
                {
                    Err(e) if e.is_retryable() && attempts < 50 => {
                        attempts += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(1 + attempts)).await;
                    }
                    other => return other,
                }
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    assert!(results.iter().all(Result::is_ok), "{:?}", results.iter().find(|r| r.is_err()));
}

/// DynamoDB requests made while serving one `GET /hub/summary`.
async fn summary_requests(app: &TestApp, token: &str) -> (u64, Value) {
    app.requests.reset();
    let reply = summary_as(app, token).await;
    (app.requests.get(), reply.body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_summary_costs_the_same_requests_at_any_size() {
    let app = TestApp::start().await;

    // A small account: 10 operators (one off duty now, one switched off), a group, a monitor.
    let small_token = app.admin_token.clone();
    let mut small_ids = Vec::new();
    for i in 0..9 {
        small_ids.push(app.create_operator(&format!("Small {i}"), &format!("small{i}@example.com")).await);
    }
    app.call(Method::POST, &format!("/operators/{}/duty-schedules", small_ids[0]), Some(window_around_now()))
        .await
        .expect(201);
    app.call(Method::PATCH, &format!("/operators/{}", small_ids[1]), Some(json!({"isOnDuty": false})))
        .await
        .expect(200);
    app.create_group("Small group").await;
    app.call(Method::POST, "/monitors", Some(json!({"name": "Small monitor"}))).await.expect(201);
    let (small_requests, small) = summary_requests(&app, &small_token).await;
    assert_eq!(small["operators"]["total"], 10);

    // A large account: 2,000 more operators (written through the store, not counted), groups
    // and monitors.
    let (large, large_token) = app.provision_with_admin_token("Enterprise", 2000).await;
    let started = Instant::now();
    create_operators(&app, &large.account_id, 2000).await;
    eprintln!("2,000 operators created in {:?}", started.elapsed());
    for i in 0..5 {
        app.call_as(&large_token, Method::POST, "/groups", Some(json!({"description": format!("Large group {i}")})))
            .await
            .expect(201);
    }
    for i in 0..30 {
        let mode = if i % 3 == 0 { "Staging" } else { "Production" };
        app.call_as(
            &large_token,
            Method::POST,
            "/monitors",
            Some(json!({"name": format!("Large monitor {i:02}"), "mode": mode})),
        )
        .await
        .expect(201);
    }
    let (large_requests, large_summary) = summary_requests(&app, &large_token).await;

    assert_eq!(large_summary["operators"]["total"], 2001);
    assert_eq!(large_summary["operatorQuota"], json!({"used": 2001, "limit": 2100}));
    assert_eq!(large_summary["productionMonitors"], 20);
    assert_eq!(large_summary["operators"]["activeList"].as_array().unwrap().len(), 10);
    // At most three DynamoDB requests for the summary itself plus the one of authentication,
    // and exactly as many for 2,001 operators as for 10.
    assert!(small_requests <= 4, "the summary of 10 operators made {small_requests} DynamoDB requests");
    assert_eq!(large_requests, small_requests, "requests for 2,001 operators vs 10");

    // And every figure is exact: a full recount of both accounts through the lists.
    let started = Instant::now();
    let recounted = assert_summary_matches_recount(&app, &large_token).await;
    eprintln!("large account recounted in {:?}", started.elapsed());
    assert_eq!(recounted["operators"], large_summary["operators"]);
    let expected_active = 2001 - (0..2000).filter(|i| i % 7 == 0).count() as i64;
    let expected_off_now = (0..2000).filter(|i| i % 7 != 0 && i % 50 == 1).count() as i64;
    assert_eq!(large_summary["operators"]["active"], expected_active);
    assert_eq!(large_summary["onDuty"], expected_active - expected_off_now);
    assert_eq!(large_summary["groups"], json!({"total": 7, "empty": 5}));
    let recounted_small = assert_summary_matches_recount(&app, &small_token).await;
    assert_eq!(recounted_small, small);
    assert_eq!((small["operators"]["active"].as_i64(), small["onDuty"].as_i64()), (Some(9), Some(8)));
}
