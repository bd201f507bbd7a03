//! Disabled operators: suspended without being deleted. Their credentials stop at once, they drop
//! out of every count but `operators.total`, they hold nothing for the last-holder and
//! last-administrator rules, and re-enabling respects the operator limit; under concurrent
//! changes as well.

use hub_e2e::TestApp;
use hub_store::AccountScope;
use reqwest::Method;
use serde_json::{Value, json};

async fn set_disabled(app: &TestApp, token: &str, id: &str, disabled: bool) -> hub_e2e::Reply {
    app.call_as(token, Method::PATCH, &format!("/operators/{id}"), Some(json!({"isDisabled": disabled}))).await
}

fn ids(items: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = items.iter().map(|o| o["operatorId"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_operator_cannot_act_is_counted_apart_and_comes_back_when_enabled() {
    let app = TestApp::start().await;
    let admin = app.account.admin_operator_id.clone();
    let (x, x_token) = app.create_operator_with_token("Xena Disabled", "xena@example.com").await;
    // X's API user, created by X, and one the administrator creates for X.
    let own =
        app.call_as(&x_token, Method::POST, "/api-users", Some(json!({"description": "X's script"}))).await.expect(201);
    let (username, password) = (own.str("username"), own.str("password"));
    app.call_as(&x_token, Method::GET, "/hub/summary", None).await.expect(200);
    app.call_basic(&username, &password, Method::GET, "/hub/summary", None).await.expect(200);

    let disabled = set_disabled(&app, &app.admin_token, &x, true).await.expect(200);
    assert_eq!(
        (disabled.body["isDisabled"].as_bool(), disabled.body["onDutyNow"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(disabled.body["isOnDuty"], true, "the switch is kept for when it comes back");
    // From the very next request: the token and the API user are refused.
    app.call_as(&x_token, Method::GET, "/hub/summary", None).await.expect_problem(401, "unauthenticated");
    app.call_basic(&username, &password, Method::GET, "/hub/summary", None)
        .await
        .expect_problem(401, "unauthenticated");
    // An API user created for a disabled operator does not work either.
    let later =
        app.call(Method::POST, "/api-users", Some(json!({"description": "For X", "operatorId": x}))).await.expect(201);
    app.call_basic(&later.str("username"), &later.str("password"), Method::GET, "/account", None)
        .await
        .expect_problem(401, "unauthenticated");
    let used = app.call(Method::GET, &format!("/api-users/{}", own.str("apiUserId")), None).await.expect(200);
    assert_eq!(used.body["requestsLast30Days"], 1, "refused requests are not counted as use");

    let summary = app.call(Method::GET, "/hub/summary", None).await.expect(200).body;
    assert_eq!(summary["operators"]["total"], 2);
    assert_eq!(summary["operators"]["disabled"], 1);
    assert_eq!(summary["operators"]["active"], 1);
    assert_eq!(summary["onDuty"], 1);
    assert_eq!(summary["operatorQuota"]["used"], 1);
    assert_eq!(ids(summary["operators"]["activeList"].as_array().unwrap()), vec![admin.clone()]);
    assert_eq!(app.call(Method::GET, "/account", None).await.expect(200).body["operatorsInUse"], 1);
    assert_eq!(ids(&app.list_all(&app.admin_token, "/operators?isDisabled=true").await), vec![x.clone()]);
    assert_eq!(ids(&app.list_all(&app.admin_token, "/operators?isDisabled=false").await), vec![admin.clone()]);
    assert_eq!(ids(&app.list_all(&app.admin_token, "/operators?isOnDuty=true").await), vec![admin.clone()]);
    assert_eq!(ids(&app.list_all(&app.admin_token, "/operators?isOnDuty=false").await), vec![x.clone()]);
    let counters = app.assert_counters_exact(&app.account.account_id).await;
    assert_eq!((counters.operators_total, counters.operators_in_use, counters.operators_active), (2, 1, 1));
    // Disabling again changes nothing.
    let again = set_disabled(&app, &app.admin_token, &x, true).await.expect(200);
    assert_eq!(again.body["version"], disabled.body["version"]);

    let enabled = set_disabled(&app, &app.admin_token, &x, false).await.expect(200);
    assert_eq!((enabled.body["isDisabled"].as_bool(), enabled.body["onDutyNow"].as_bool()), (Some(false), Some(true)));
    app.call_as(&x_token, Method::GET, "/hub/summary", None).await.expect(200);
    app.call_basic(&username, &password, Method::GET, "/hub/summary", None).await.expect(200);
    app.call_basic(&later.str("username"), &later.str("password"), Method::GET, "/account", None).await.expect(200);
    let summary = app.call(Method::GET, "/hub/summary", None).await.expect(200).body;
    assert_eq!(
        (summary["operators"]["disabled"].as_i64(), summary["operators"]["active"].as_i64()),
        (Some(0), Some(2))
    );
    assert_eq!(summary["operatorQuota"]["used"], 2);
    let counters = app.assert_counters_exact(&app.account.account_id).await;
    assert_eq!((counters.operators_total, counters.operators_in_use, counters.operators_active), (2, 2, 2));

    // A disabled operator can still be deleted, and its counts go with it.
    set_disabled(&app, &app.admin_token, &x, true).await.expect(200);
    app.call(Method::DELETE, &format!("/operators/{x}"), None).await.expect(204);
    let counters = app.assert_counters_exact(&app.account.account_id).await;
    assert_eq!((counters.operators_total, counters.operators_in_use, counters.operators_active), (1, 1, 1));
    assert!(app.list_all(&app.admin_token, "/operators?isDisabled=true").await.is_empty());
}

/// The scheduled index leaves disabled operators out as well: an operator inside an off-duty
/// window, then disabled, is subtracted from `onDuty` neither before (it is not active) nor twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_operator_with_an_off_duty_window_is_not_counted_twice() {
    let app = TestApp::start().await;
    let y = app.create_operator("Yara Scheduled", "yara@example.com").await;
    let now = jiff::Timestamp::now();
    let window = json!({"mode": "OneTime", "start": (now - jiff::SignedDuration::from_hours(1)).to_string(), "end": (now + jiff::SignedDuration::from_hours(1)).to_string()});
    app.call(Method::POST, &format!("/operators/{y}/duty-schedules"), Some(window)).await.expect(201);
    // The summary's active operators and those on duty now, with the whole summary.
    let active_and_on_duty = || async {
        let summary = app.call(Method::GET, "/hub/summary", None).await.expect(200).body;
        ((summary["operators"]["active"].as_i64(), summary["onDuty"].as_i64()), summary)
    };
    let (counts, summary) = active_and_on_duty().await;
    assert_eq!(counts, (Some(2), Some(1)), "{summary}");
    set_disabled(&app, &app.admin_token, &y, true).await.expect(200);
    let (counts, summary) = active_and_on_duty().await;
    assert_eq!(counts, (Some(1), Some(1)), "{summary}");
    assert!(
        app.state
            .store
            .in_account(&AccountScope::new(&app.account.account_id))
            .scheduled_operators()
            .await
            .unwrap()
            .is_empty()
    );
    set_disabled(&app, &app.admin_token, &y, false).await.expect(200);
    let (counts, summary) = active_and_on_duty().await;
    assert_eq!(counts, (Some(2), Some(1)), "{summary}");
    app.assert_counters_exact(&app.account.account_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_may_be_disabled_and_by_whom() {
    let app = TestApp::start().await;
    let admin = app.account.admin_operator_id.clone();
    let (x, x_token) = app.create_operator_with_token("Xavier Admin", "xavier@example.com").await;
    let (m, m_token) = app.create_operator_with_token("Mia Member", "mia@example.com").await;
    app.add_member("administrators", &x).await;

    set_disabled(&app, &m_token, &m, true).await.expect_problem(403, "forbidden");
    set_disabled(&app, &m_token, &x, true).await.expect_problem(403, "forbidden");
    set_disabled(&app, &x_token, &x, true).await.expect_problem(409, "cannot_disable_self");
    set_disabled(&app, &x_token, &admin, true).await.expect_problem(409, "cannot_disable_account_administrator");
    app.call(Method::PATCH, &format!("/operators/{m}"), Some(json!({"isDisabled": null})))
        .await
        .expect_problem(400, "validation_failed");
    app.call(Method::PATCH, &format!("/operators/{m}"), Some(json!({"isDisabled": "yes"})))
        .await
        .expect_problem(400, "validation_failed");
    // If-Match is honoured.
    let stale = app
        .req(Method::PATCH, &format!("/operators/{m}"))
        .header("if-match", "\"99\"")
        .json(&json!({"isDisabled": true}));
    hub_e2e::send(stale).await.expect_problem(412, "version_conflict");

    // A disabled administrator does not count: with X disabled, the account administrator is the
    // last enabled one and cannot leave Administrators.
    app.add_member("administrators", &m).await;
    let m_admin_token = app.token(&app.account.account_id, &m);
    set_disabled(&app, &m_admin_token, &x, true).await.expect(200);
    app.call_as(&m_admin_token, Method::DELETE, &format!("/groups/administrators/members/{m}"), None).await.expect(204);
    app.call(Method::DELETE, &format!("/groups/administrators/members/{admin}"), None)
        .await
        .expect_problem(409, "last_administrator");
    // Deleting the disabled administrator takes no enabled one away.
    app.call(Method::DELETE, &format!("/operators/{x}"), None).await.expect(204);
    app.assert_counters_exact(&app.account.account_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_operators_hold_nothing_for_the_last_holder_rules() {
    let app = TestApp::start().await;
    let admin = app.account.admin_operator_id.clone();
    let x = app.create_operator("Xia Holder", "xia@example.com").await;
    let y = app.create_operator("Yuri Holder", "yuri@example.com").await;
    // TechnicalContact: X and Y directly, no longer the account administrator.
    for id in [&x, &y] {
        app.grant(id, "TechnicalContact").await;
    }
    app.revoke(&admin, "TechnicalContact").await;
    set_disabled(&app, &app.admin_token, &y, true).await.expect(200);
    // Y is disabled: X is the last holder, by revoke and by disabling alike.
    app.call(Method::DELETE, &format!("/operators/{x}/permissions/TechnicalContact"), None)
        .await
        .expect_problem(409, "last_technical_contact");
    set_disabled(&app, &app.admin_token, &x, true).await.expect_problem(409, "last_technical_contact");
    set_disabled(&app, &app.admin_token, &y, false).await.expect(200);
    set_disabled(&app, &app.admin_token, &x, true).await.expect(200);

    // FinancialOperator: through a group of which Y is the one member.
    let finance = app.create_group_with("Finance", &y).await;
    app.call(Method::PUT, &format!("/groups/{finance}/permissions/FinancialOperator"), None).await.expect(204);
    app.call(Method::DELETE, "/groups/administrators/permissions/FinancialOperator", None).await.expect(204);
    set_disabled(&app, &app.admin_token, &y, true).await.expect_problem(409, "last_financial_operator");
    app.call(Method::DELETE, &format!("/groups/{finance}"), None).await.expect_problem(409, "last_financial_operator");
    app.assert_counters_exact(&app.account.account_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_enabling_respects_the_operator_limit() {
    let app = TestApp::start().await;
    // Premium: 4 operators.
    let (account, token) = app.provision_with_admin_token("Premium", 0).await;
    let create = |i: usize| app.post_numbered_operator(&token, "P", "p", i);
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(create(i).await.expect(201).str("operatorId"));
    }
    create(3).await.expect_problem(409, "operator_limit_reached");
    set_disabled(&app, &token, &ids[0], true).await.expect(200);
    // The disabled operator frees its place in the quota.
    let fourth = create(4).await.expect(201).str("operatorId");
    set_disabled(&app, &token, &ids[0], false).await.expect_problem(409, "operator_limit_reached");
    let summary = app.call_as(&token, Method::GET, "/hub/summary", None).await.expect(200).body;
    assert_eq!(summary["operatorQuota"], json!({"used": 4, "limit": 4}));
    assert_eq!((summary["operators"]["total"].as_i64(), summary["operators"]["disabled"].as_i64()), (Some(5), Some(1)));
    // Making room lets it back in.
    set_disabled(&app, &token, &fourth, true).await.expect(200);
    set_disabled(&app, &token, &ids[0], false).await.expect(200);
    app.assert_counters_exact(&account.account_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_re_enables_never_overshoot_the_limit() {
    let app = TestApp::start().await;
    let (account, token) = app.provision_with_admin_token("Professional", 0).await; // 10 operators
    let mut ids = Vec::new();
    for i in 0..9 {
        ids.push(app.post_numbered_operator(&token, "R", "r", i).await.expect(201).str("operatorId"));
    }
    for id in &ids {
        set_disabled(&app, &token, id, true).await.expect(200);
    }
    for i in 0..7 {
        app.post_numbered_operator(&token, "N", "n", i).await.expect(201);
    }
    // 8 in use, room for 2: nine enables race.
    let replies = futures::future::join_all(ids.iter().map(|id| set_disabled(&app, &token, id, false))).await;
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let refused = replies.iter().filter(|r| r.status == 409 && r.code() == "operator_limit_reached").count();
    assert_eq!((ok, refused), (2, 7), "{:?}", hub_e2e::outcomes(&replies));
    let counters = app.assert_counters_exact(&account.account_id).await;
    assert_eq!((counters.operators_total, counters.operators_in_use), (17, 10));
}

/// Two holders of TechnicalContact; in every round four changes race to take it away from them
/// (disable X, disable Y, revoke from X, revoke from Y): exactly one enabled holder is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_holder_survives_racing_disables_and_revokes() {
    let app = TestApp::start().await;
    let admin = app.account.admin_operator_id.clone();
    let x = app.create_operator("Xu Race", "xu@example.com").await;
    let y = app.create_operator("Yan Race", "yan@example.com").await;
    for round in 0..5 {
        for id in [&x, &y] {
            set_disabled(&app, &app.admin_token, id, false).await.expect(200);
            app.grant(id, "TechnicalContact").await;
        }
        app.revoke(&admin, "TechnicalContact").await;
        let (revoke_x, revoke_y) = (
            format!("/operators/{x}/permissions/TechnicalContact"),
            format!("/operators/{y}/permissions/TechnicalContact"),
        );
        let (a, b, c, d) = tokio::join!(
            set_disabled(&app, &app.admin_token, &x, true),
            set_disabled(&app, &app.admin_token, &y, true),
            app.call(Method::DELETE, &revoke_x, None),
            app.call(Method::DELETE, &revoke_y, None),
        );
        for r in [&a, &b, &c, &d] {
            assert!(
                r.status.is_success() || (r.status == 409 && r.code() == "last_technical_contact"),
                "round {round}: {} {}",
                r.status,
                r.body
            );
        }
        // Who holds it now, enabled?
        let mut holders = 0;
        for id in [&x, &y] {
            let op = app.call(Method::GET, &format!("/operators/{id}"), None).await.expect(200).body;
            let perms = app.call(Method::GET, &format!("/operators/{id}/permissions"), None).await.expect(200).body;
            let holds = perms["effective"].as_array().unwrap().iter().any(|p| p == "TechnicalContact");
            holders += usize::from(holds && op["isDisabled"] == false);
        }
        assert_eq!(holders, 1, "round {round}: exactly one enabled holder is left");
        app.grant(&admin, "TechnicalContact").await;
    }
    app.assert_counters_exact(&app.account.account_id).await;
}

/// Two administrators, the account administrator no longer one of them. X disables Y while Y
/// removes X from Administrators: both would leave none enabled, so at most one succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enabled_administrator_survives_a_disable_racing_a_removal() {
    let app = TestApp::start().await;
    let admin = app.account.admin_operator_id.clone();
    for round in 0..5 {
        let (x, x_token) =
            app.create_operator_with_token(&format!("X {round}"), &format!("x{round}@example.com")).await;
        let (y, y_token) =
            app.create_operator_with_token(&format!("Y {round}"), &format!("y{round}@example.com")).await;
        for id in [&x, &y] {
            app.add_member("administrators", id).await;
        }
        app.call_as(&x_token, Method::DELETE, &format!("/groups/administrators/members/{admin}"), None)
            .await
            .expect(204);
        let remove_x = format!("/groups/administrators/members/{x}");
        let (disable, remove) = tokio::join!(
            set_disabled(&app, &x_token, &y, true),
            app.call_as(&y_token, Method::DELETE, &remove_x, None)
        );
        // Y's removal either lost the rules (409) or came after Y was disabled (401).
        let outcomes = (disable.status.as_u16(), remove.status.as_u16());
        assert!(
            matches!(outcomes, (200, 401) | (200, 409) | (409, 204) | (403, 204)),
            "round {round}: disable {} {}, remove {} {}",
            disable.status,
            disable.body,
            remove.status,
            remove.body
        );
        let members = app.list_all(&x_token, "/groups/administrators/members").await;
        let members =
            if members.is_empty() { app.list_all(&y_token, "/groups/administrators/members").await } else { members };
        let enabled = members.iter().filter(|m| m["isDisabled"] == false).count();
        assert_eq!(enabled, 1, "round {round}: {members:?}");
        // Back to the account administrator alone for the next round.
        let survivor =
            members.iter().find(|m| m["isDisabled"] == false).unwrap()["operatorId"].as_str().unwrap().to_owned();
        let survivor_token = app.token(&app.account.account_id, &survivor);
        app.call_as(&survivor_token, Method::PUT, &format!("/groups/administrators/members/{admin}"), None)
            .await
            .expect(204);
        for id in [&x, &y] {
            app.call(Method::DELETE, &format!("/operators/{id}"), None).await.expect(204);
        }
    }
    app.assert_counters_exact(&app.account.account_id).await;
}
