//! The scheduled maintenance job (`hub_maintenance::run`, the code behind the Lambda function and
//! `hubctl recompute`) against the embedded DynamoDB: inactivity against a `--now` in the past and
//! in the future, drift repair of counters corrupted directly in DynamoDB, two runs at once, and
//! interrupted deletes.

use aws_sdk_dynamodb::types::AttributeValue;
use hub_api::clock::Clock;
use hub_e2e::TestApp;
use hub_maintenance::{Outcome, run};
use hub_store::AccountScope;
use hub_store::keys::Key;
use reqwest::Method;
use serde_json::{Value, json};
use tracing::instrument::WithSubscriber;

use crate::api_users::{at, create_api_user_at, days};
use crate::{Captured, raw_client};

/// Sets number attributes of an item directly in DynamoDB.
async fn corrupt(app: &TestApp, key: &Key, values: &[(&str, i64)]) {
    let sets: Vec<String> = values.iter().enumerate().map(|(i, _)| format!("#a{i} = :v{i}")).collect();
    let mut request = raw_client(app)
        .update_item()
        .table_name(app.state.store.table_name())
        .key("PK", AttributeValue::S(key.pk.clone()))
        .key("SK", AttributeValue::S(key.sk.clone()))
        .update_expression(format!("SET {}", sets.join(", ")));
    for (i, (name, value)) in values.iter().enumerate() {
        request = request
            .expression_attribute_names(format!("#a{i}"), *name)
            .expression_attribute_values(format!(":v{i}"), AttributeValue::N(value.to_string()));
    }
    request.send().await.expect("corrupted");
}

fn counters(a: &hub_store::records::AccountRecord) -> [i64; 8] {
    [
        a.operators_total,
        a.operators_active,
        a.groups_total,
        a.groups_empty,
        a.api_users_total,
        a.api_users_inactive,
        a.monitors_total,
        a.production_monitors,
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inactivity_is_recomputed_against_now_in_the_past_and_the_future() {
    let app = TestApp::start().await;
    let id = app.account.account_id.clone();
    let t0 = at("2026-01-05T09:00:00Z");
    let day0 = app.serve_with_clock(Clock::fixed(t0)).await;
    let day20 = app.serve_with_clock(Clock::fixed(t0 + days(20))).await;
    let early = create_api_user_at(&app, &day0, &app.admin_token, None, "Early").await;
    let late = create_api_user_at(&app, &day20, &app.admin_token, None, "Late").await;
    let scope = AccountScope::new(&id);
    let flags = || async {
        let s = &app.state.store;
        (
            s.in_account(&scope).api_user(&early.id.as_str().into()).await.unwrap().unwrap().inactive,
            s.in_account(&scope).api_user(&late.id.as_str().into()).await.unwrap().unwrap().inactive,
        )
    };

    // 35 days after the first was created: only it is stale.
    let report = run(&app.state, t0 + days(35), Some(&id)).await;
    assert!(!report.failed(), "{report:?}");
    assert_eq!((report.accounts[0].api_users.became_inactive, report.accounts[0].outcome), (1, Outcome::Clean));
    let account = app.account_record(&id).await;
    assert_eq!((account.api_users_total, account.api_users_inactive), (2, 1));
    assert_eq!(account.inactive_computed_at.as_deref(), Some("2026-02-09T09:00:00Z"));
    assert_eq!(flags().await, (true, false));

    // Further in the future: both.
    let report = run(&app.state, t0 + days(60), Some(&id)).await;
    assert_eq!(report.accounts[0].api_users.became_inactive, 1);
    assert_eq!(app.account_record(&id).await.api_users_inactive, 2);
    assert_eq!(flags().await, (true, true));

    // Back in the past, before either was 30 days old: none, and the time is recorded as given.
    let report = run(&app.state, t0 + days(10), Some(&id)).await;
    assert_eq!(report.accounts[0].api_users.became_active, 2);
    let account = app.account_record(&id).await;
    assert_eq!(
        (account.api_users_inactive, account.inactive_computed_at.as_deref()),
        (0, Some("2026-01-15T09:00:00Z"))
    );
    assert_eq!(flags().await, (false, false));
    // Each flag change is an event of the maintenance job: early inactive, late inactive, both
    // active again (newest first below).
    let logged = app.list_all(&app.admin_token, "/audit-log?action=apiUser.inactivityRecomputed").await;
    let seen: Vec<(String, Value)> = logged
        .iter()
        .map(|e| (e["target"]["id"].as_str().unwrap().to_owned(), e["changes"][0]["new"].clone()))
        .collect();
    assert_eq!(seen.len(), 4, "{logged:#?}");
    assert!(logged.iter().all(|e| e["source"] == "Maintenance" && e["changes"][0]["field"] == "inactive"));
    assert_eq!(seen[2..], [(late.id.clone(), json!(true)), (early.id.clone(), json!(true))]);
    assert!(seen[..2].iter().all(|(_, new)| *new == json!(false)));

    // A use makes a stale API user active again at the next run.
    run(&app.state, t0 + days(45), Some(&id)).await;
    assert_eq!(app.account_record(&id).await.api_users_inactive, 1);
    let day44 = app.serve_with_clock(Clock::fixed(t0 + days(44))).await;
    crate::api_users::basic_at(&app, &day44, &early, Method::GET, "/operators", None).await.expect(200);
    let report = run(&app.state, t0 + days(45), Some(&id)).await;
    assert_eq!(report.accounts[0].api_users.became_active, 1);
    assert_eq!(app.account_record(&id).await.api_users_inactive, 0);
    assert_eq!(flags().await, (false, false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_older_than_the_window_is_pruned_but_never_a_day_inside_it() {
    let app = TestApp::start().await;
    let id = app.account.account_id.clone();
    let now = app.state.clock.now();
    let old = app.serve_with_clock(Clock::fixed(now - days(45))).await;
    let user = create_api_user_at(&app, &old, &app.admin_token, None, "Pruned").await;
    crate::api_users::basic_at(&app, &old, &user, Method::GET, "/operators", None).await.expect(200);
    crate::api_users::basic(&app, &user, Method::GET, "/operators", None).await.expect(200);
    let scope = AccountScope::new(&id);
    assert_eq!(
        app.state.store.in_account(&scope).api_user(&user.id.as_str().into()).await.unwrap().unwrap().usage.len(),
        2
    );
    // A `now` far in the future prunes relative to the real clock: today's count stays.
    let report = run(&app.state, now + days(400), Some(&id)).await;
    assert_eq!(report.accounts[0].api_users.pruned_days, 1);
    let usage = app.state.store.in_account(&scope).api_user(&user.id.as_str().into()).await.unwrap().unwrap().usage;
    assert_eq!(usage.into_iter().collect::<Vec<_>>(), [(hub_api::caller::usage_day(now), 1)]);
    let seen = app.call(Method::GET, &format!("/api-users/{}", user.id), None).await.expect(200);
    assert_eq!(seen.body["requestsLast30Days"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_is_repaired_and_reported() {
    let app = TestApp::start().await;
    let id = app.account.account_id.clone();
    let ops: Vec<String> = vec![
        app.create_operator("Dora Drift", "dora@example.com").await,
        app.create_operator("Dirk Drift", "dirk@example.com").await,
    ];
    app.call(Method::PATCH, &format!("/operators/{}", ops[1]), Some(json!({"isOnDuty": false}))).await.expect(200);
    let team = app.create_group("Team").await;
    app.create_group("Nobody").await;
    app.call(Method::PUT, &format!("/groups/{team}/members/{}", ops[0]), None).await.expect(204);
    crate::api_users::create_api_user(&app, &app.admin_token, Some(&ops[0]), "Drifting").await;
    let before = app.account_record(&id).await;
    assert_eq!(counters(&before), [3, 2, 4, 1, 1, 0, 0, 0]);
    let scope = AccountScope::new(&id);

    // Corrupt counters behind the API's back.
    corrupt(
        &app,
        &scope.account(),
        &[("operatorsTotal", 42), ("groupsEmpty", 0), ("apiUsersTotal", 9), ("productionMonitors", 3)],
    )
    .await;
    corrupt(&app, &scope.group(&team.as_str().into()), &[("memberCount", 5)]).await;
    assert_eq!(app.call(Method::GET, &format!("/groups/{team}"), None).await.expect(200).body["memberCount"], 5);

    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing::Dispatch::new(
        tracing_subscriber::fmt().json().with_ansi(false).with_writer(move || writer.clone()).finish(),
    );
    let now = app.state.clock.now();
    let report = run(&app.state, now, Some(&id)).with_subscriber(subscriber).await;

    // Exact again.
    let after = app.account_record(&id).await;
    assert_eq!(counters(&after), counters(&before));
    assert!(after.counters_version > before.counters_version);
    assert_eq!(after.inactive_computed_at, Some(hub_api::clock::format_timestamp(now)));
    assert_eq!(app.call(Method::GET, &format!("/groups/{team}"), None).await.expect(200).body["memberCount"], 1);

    // Reported, in the result and in one structured log line.
    let account = &report.accounts[0];
    assert_eq!(account.outcome, Outcome::Repaired);
    let repairs = serde_json::to_value(&account.repairs).unwrap();
    let expected = json!([
        {"counter": "memberCount", "groupId": team, "old": 5, "new": 1},
        {"counter": "operatorsTotal", "old": 42, "new": 3},
        {"counter": "groupsEmpty", "old": 0, "new": 1},
        {"counter": "apiUsersTotal", "old": 9, "new": 1},
        {"counter": "productionMonitors", "old": 3, "new": 0},
    ]);
    assert_eq!(repairs, expected);
    assert_eq!((report.accounts_checked, report.accounts_repaired), (1, 1));
    let logs = captured.text();
    let lines: Vec<Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|l: &Value| l["fields"]["message"] == "maintenance: account checked")
        .collect();
    assert_eq!(lines.len(), 1, "{logs}");
    let fields = &lines[0]["fields"];
    assert_eq!((fields["account_id"].as_str(), fields["outcome"].as_str()), (Some(id.as_str()), Some("repaired")));
    assert_eq!(serde_json::from_str::<Value>(fields["repairs"].as_str().unwrap()).unwrap(), expected);
    assert_eq!(lines[0]["level"], "INFO");

    // And in the audit log: one event per repairing write, by the system, source Maintenance.
    let logged = app.list_all(&app.admin_token, "/audit-log?source=Maintenance").await;
    let actions: Vec<&str> = logged.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["account.countersRepaired", "group.memberCountRepaired"]);
    assert!(logged.iter().all(|e| e["actor"]["type"] == "System"));
    assert_eq!(logged[1]["changes"], json!([{"field": "memberCount", "old": 5, "new": 1}]));
    assert_eq!(logged[0]["target"]["id"], id.as_str());
    let mut fields: Vec<&str> =
        logged[0]["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["apiUsersTotal", "groupsEmpty", "operatorsTotal", "productionMonitors"]);

    // A second run finds nothing to repair, and logs nothing.
    let again = run(&app.state, now, Some(&id)).await;
    assert_eq!((again.accounts[0].outcome, again.accounts[0].repairs.len()), (Outcome::Clean, 0));
    assert_eq!(app.list_all(&app.admin_token, "/audit-log?source=Maintenance").await.len(), 2);
    let json = serde_json::to_value(&again).unwrap();
    assert_eq!(json["accounts"][0]["outcome"], "clean");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_at_once_over_every_account_repair_each_drift_once() {
    let app = TestApp::start().await;
    let mut accounts = vec![app.account.account_id.clone()];
    for _ in 0..4 {
        accounts.push(app.provision("Business", 0).await.account_id);
    }
    let mut expected = Vec::new();
    for (i, id) in accounts.iter().enumerate() {
        let record = app.account_record(id).await;
        expected.push(counters(&record));
        // Every account but the first drifts.
        if i > 0 {
            corrupt(&app, &AccountScope::new(id).account(), &[("groupsTotal", 10 + i as i64), ("operatorsActive", -1)])
                .await;
        }
    }
    let now = app.state.clock.now();
    let (a, b) = tokio::join!(run(&app.state, now, None), run(&app.state, now, None));
    for report in [&a, &b] {
        assert!(!report.failed(), "{report:?}");
        assert_eq!(report.accounts_checked, accounts.len());
    }
    assert_eq!(
        a.accounts_repaired + b.accounts_repaired,
        accounts.len() - 1,
        "each drift repaired exactly once: {a:?} {b:?}"
    );
    for (id, expected) in accounts.iter().zip(&expected) {
        assert_eq!(&counters(&app.account_record(id).await), expected);
    }
    // A repaired account is in the report's list, with what was repaired; the clean one is only
    // there when a write of one run lost a race with the other's (and then as clean).
    let listed: Vec<_> = a.accounts.iter().chain(&b.accounts).collect();
    assert!(accounts[1..].iter().all(|id| {
        listed.iter().any(|r| &r.account_id == id && r.outcome == Outcome::Repaired && r.repairs.len() == 2)
    }));
    for clean in listed.iter().filter(|r| r.account_id == accounts[0]) {
        assert!(clean.outcome == Outcome::Clean && clean.repairs.is_empty() && clean.lost_races > 0, "{clean:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_operator_delete_is_finished_and_an_unknown_account_reported() {
    let app = TestApp::start().await;
    let id = app.account.account_id.clone();
    let op = app.create_operator("Interrupted Ida", "ida@example.com").await;
    let group = app.create_group_with("Lonely", &op).await;
    let scope = AccountScope::new(&id);
    crate::begin_operator_delete_only(&app, &scope, &op).await;

    let report = run(&app.state, app.state.clock.now(), Some(&id)).await;
    assert_eq!((report.accounts[0].finished_deletes, report.accounts[0].outcome), (1, Outcome::Clean));
    assert!(app.state.store.in_account(&scope).pending_deletes().await.unwrap().is_empty());
    assert_eq!(app.call(Method::GET, &format!("/groups/{group}"), None).await.expect(200).body["memberCount"], 0);
    assert_eq!(app.account_record(&id).await.groups_empty, 1);

    let missing = run(&app.state, app.state.clock.now(), Some(&"no-such-account".into())).await;
    assert!(missing.failed());
    assert_eq!(missing.accounts[0].outcome, Outcome::NotFound);
}

/// The maintenance function's real binary (its `main`) under a local Lambda Runtime API, invoked
/// with the EventBridge scheduled event as the SAM CLI prints it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_maintenance_binary_runs_on_the_scheduled_event() {
    use hub_e2e::runtime_api::Outcome;
    let app = TestApp::start().await;
    let id = app.account.account_id.clone();
    let before = app.account_record(&id).await;
    corrupt(&app, &AccountScope::new(&id).account(), &[("groupsTotal", 77)]).await;
    let mut lambda = app.start_function("maintenance").await;
    let event: Value = serde_json::from_str(include_str!("../../fixtures/scheduled-event.json")).unwrap();
    let report = match lambda.invoke(event).await {
        Outcome::Response(report) => report,
        other => panic!("the job failed: {other:?}"),
    };
    assert_eq!((report["accountsChecked"].as_u64(), report["accountsRepaired"].as_u64()), (Some(1), Some(1)));
    assert_eq!(
        report["accounts"][0]["repairs"],
        json!([{"counter": "groupsTotal", "old": 77, "new": before.groups_total}])
    );
    assert_eq!(counters(&app.account_record(&id).await), counters(&before));
}

/// The maintenance job recounts the operators in use (so the disabled ones) and the active ones
/// with disabled operators left out, and repairs them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_operators_are_recounted() {
    let app = TestApp::start().await;
    let id = app.account.account_id.clone();
    let x = app.create_operator("Dana Disabled", "dana@example.com").await;
    app.create_operator("Ed Enabled", "ed@example.com").await;
    app.call(Method::PATCH, &format!("/operators/{x}"), Some(json!({"isDisabled": true}))).await.expect(200);
    let before = app.account_record(&id).await;
    assert_eq!((before.operators_total, before.operators_in_use, before.operators_active), (3, 2, 2));
    let scope = AccountScope::new(&id);
    corrupt(&app, &scope.account(), &[("operatorsInUse", 3), ("operatorsActive", 3)]).await;
    assert_eq!(app.call(Method::GET, "/hub/summary", None).await.expect(200).body["operators"]["disabled"], 0);

    // With a subscriber of its own, as the other tests here that run the job: a run without one
    // would leave the job's log callsite disabled for them.
    let quiet = tracing_subscriber::fmt().with_writer(std::io::sink).finish();
    let report = run(&app.state, app.state.clock.now(), Some(&id)).with_subscriber(quiet).await;
    let repairs = serde_json::to_value(&report.accounts[0].repairs).unwrap();
    assert_eq!(
        repairs,
        json!([{"counter": "operatorsInUse", "old": 3, "new": 2}, {"counter": "operatorsActive", "old": 3, "new": 2}])
    );
    let summary = app.call(Method::GET, "/hub/summary", None).await.expect(200).body;
    assert_eq!(
        (summary["operators"]["disabled"].as_i64(), summary["operatorQuota"]["used"].as_i64()),
        (Some(1), Some(2))
    );
}
