//! Operators, their permissions and off-duty schedules, end to end over HTTP against the
//! embedded DynamoDB.

use hub_e2e::{TestApp, send};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_read_update_delete_keeps_counters_exact() {
    let app = TestApp::start().await;
    let created = app
        .post_operator(json!({"email": "Bob@Example.com", "fullName": "Bob Builder", "mobilePhone": "+31612345678"}))
        .await
        .expect(201);
    let id = created.created_id("/operators", "operatorId");
    assert_eq!(created.body["email"], "Bob@Example.com");
    assert_eq!(created.body["isOnDuty"], true);
    assert_eq!(created.body["onDutyNow"], true);
    assert_eq!(created.body["isAdministrator"], false);
    assert_eq!(created.body["version"], 1);

    let account = app.account_record(&app.account.account_id).await;
    assert_eq!((account.operators_total, account.operators_active), (2, 2));

    // Joined Everyone and got AccountAccess.
    let groups = app.call(Method::GET, &format!("/operators/{id}/groups"), None).await.expect(200);
    assert_eq!(groups.items().iter().map(|g| g["groupId"].as_str().unwrap()).collect::<Vec<_>>(), ["everyone"]);
    let perms = app.call(Method::GET, &format!("/operators/{id}/permissions"), None).await.expect(200);
    assert_eq!(perms.body["direct"], json!(["AccountAccess"]));

    let fetched = app.call(Method::GET, &format!("/operators/{id}"), None).await.expect(200);
    assert_eq!(fetched.body, created.body);

    let updated = app
        .call(
            Method::PATCH,
            &format!("/operators/{id}"),
            Some(json!({"isOnDuty": false, "mobilePhone": null, "cultureName": "nl-NL"})),
        )
        .await
        .expect(200);
    assert_eq!(updated.body["isOnDuty"], false);
    assert_eq!(updated.body["mobilePhone"], serde_json::Value::Null);
    assert_eq!(updated.body["cultureName"], "nl-NL");
    assert_eq!(updated.body["version"], 2);
    assert_eq!(updated.header("etag"), Some("\"2\""));
    let account = app.account_record(&app.account.account_id).await;
    assert_eq!((account.operators_total, account.operators_active), (2, 1));

    app.call(Method::DELETE, &format!("/operators/{id}"), None).await.expect(204);
    app.call(Method::GET, &format!("/operators/{id}"), None).await.expect_problem(404, "not_found");
    let account = app.account_record(&app.account.account_id).await;
    assert_eq!((account.operators_total, account.operators_active), (1, 1));
    let everyone = app.call(Method::GET, "/groups/everyone", None).await.expect(200);
    assert_eq!(everyone.body["memberCount"], 1);
    // The email is free again.
    app.create_operator("Bob Again", "bob@example.com").await;
}

/// The backup email is stored as the validated `Email` it was parsed into (trimmed, casing kept)
/// and read back from the item: on create, on a PATCH that replaces it, and cleared with null; a
/// malformed one is refused and keeps what was stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backup_email_is_stored_as_parsed_and_read_back() {
    let app = TestApp::start().await;
    let created = app
        .post_operator(
            json!({"email": "carla@example.com", "fullName": "Carla", "backupEmail": "  Carla.Home@Example.org "}),
        )
        .await
        .expect(201);
    let id = created.str("operatorId");
    assert_eq!(created.body["backupEmail"], "Carla.Home@Example.org");
    let fetched = app.call(Method::GET, &format!("/operators/{id}"), None).await.expect(200);
    assert_eq!(fetched.body["backupEmail"], "Carla.Home@Example.org");
    let scope = hub_store::AccountScope::new(&app.account.account_id);
    let stored = app.state.store.in_account(&scope).operator(&id.as_str().into()).await.unwrap().unwrap();
    assert_eq!(stored.backup_email.as_ref().map(|e| e.as_str()), Some("Carla.Home@Example.org"));

    let path = format!("/operators/{id}");
    app.call(Method::PATCH, &path, Some(json!({"backupEmail": "no-at-sign"})))
        .await
        .expect_problem(400, "validation_failed");
    let replaced = app.call(Method::PATCH, &path, Some(json!({"backupEmail": "c@example.net"}))).await.expect(200);
    assert_eq!(replaced.body["backupEmail"], "c@example.net");
    assert_eq!(app.call(Method::GET, &path, None).await.expect(200).body["backupEmail"], "c@example.net");
    let cleared = app.call(Method::PATCH, &path, Some(json!({"backupEmail": null}))).await.expect(200);
    assert_eq!(cleared.body["backupEmail"], serde_json::Value::Null);
    assert_eq!(app.call(Method::GET, &path, None).await.expect(200).body["backupEmail"], serde_json::Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_is_unique_case_insensitively() {
    let app = TestApp::start().await;
    app.create_operator("Carol", "carol@example.com").await;
    app.post_operator(json!({"email": "CAROL@example.COM", "fullName": "Other Carol"}))
        .await
        .expect_problem(409, "email_taken");
    let dave = app.create_operator("Dave", "dave@example.com").await;
    app.call(Method::PATCH, &format!("/operators/{dave}"), Some(json!({"email": "Carol@Example.com"})))
        .await
        .expect_problem(409, "email_taken");
    // Changing only the case of one's own email is fine.
    app.call(Method::PATCH, &format!("/operators/{dave}"), Some(json!({"email": "DAVE@example.com"})))
        .await
        .expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_reports_every_field() {
    let app = TestApp::start().await;
    let reply = app
        .post_operator(json!({"email": "not-an-email", "fullName": "", "mobilePhone": "0612", "cultureName": "xx-XX", "timeZone": "Mars/Olympus"}))
        .await
        .expect_problem(400, "validation_failed");
    let mut fields: Vec<&str> =
        reply.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["cultureName", "email", "fullName", "mobilePhone", "timeZone"]);
    let refused = [
        json!({"fullName": "No Email"}),
        json!({"email": "a@b.co", "fullName": "X", "isAdministrator": true}),
        json!({"email": 5, "fullName": "X"}),
    ];
    app.expect_problem_each_body(Method::POST, "/operators", refused.map(|b| (b, 400, "validation_failed"))).await;
    let id = app.create_operator("Eve", "eve@example.com").await;
    let refused = [json!({"isAdministrator": true}), json!({"fullName": null})];
    let path = format!("/operators/{id}");
    app.expect_problem_each_body(Method::PATCH, &path, refused.map(|b| (b, 400, "validation_failed"))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_are_problems_never_500() {
    let app = TestApp::start().await;
    let post = |body: &'static str, content_type: &'static str| {
        app.req(Method::POST, "/operators").header("content-type", content_type).body(body)
    };
    send(post("{\"email\": \"a@b.co\", \"fullName\":", "application/json")).await.expect_problem(400, "malformed_json");
    send(post("", "application/json")).await.expect_problem(400, "malformed_json");
    send(post("[1,2]", "application/json")).await.expect_problem(400, "validation_failed");
    send(post("{\"email\": \"a@b.co\"}", "text/plain")).await.expect_problem(415, "unsupported_media_type");
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    send(app.req(Method::POST, "/operators").header("content-type", "application/json").body(deep))
        .await
        .expect_problem(400, "malformed_json");
    let huge = format!("{{\"email\":\"a@b.co\",\"fullName\":\"{}\"}}", "x".repeat(70 * 1024));
    send(app.req(Method::POST, "/operators").header("content-type", "application/json").body(huge))
        .await
        .expect_problem(413, "payload_too_large");
    // Strange path ids are simply not found.
    for path in
        ["/operators/%00", "/operators/..%2F..", "/operators/%F0%9F%92%A9", &format!("/operators/{}", "a".repeat(300))]
    {
        app.call(Method::GET, path, None).await.expect_problem(404, "not_found");
    }
    let bad_queries =
        ["/operators?limit=0", "/operators?limit=101", "/operators?limit=abc", "/operators?isOnDuty=maybe"];
    app.expect_problem_each(bad_queries.map(|q| (Method::GET, q.to_owned())), 400, "validation_failed").await;
    app.call(Method::GET, "/operators?cursor=forged", None).await.expect_problem(400, "invalid_cursor");
    app.call(Method::GET, "/nowhere", None).await.expect_problem(404, "not_found");
    app.call(Method::PUT, "/operators", None).await.expect_problem(405, "method_not_allowed");
    let id = app.create_operator("Frank", "frank@example.com").await;
    app.call(Method::PUT, &format!("/operators/{id}/permissions/NotAPermission"), None)
        .await
        .expect_problem(400, "validation_failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_is_required_and_verified() {
    let app = TestApp::start().await;
    let anonymous = send(app.http.get(format!("{}/operators", app.base))).await.expect_problem(401, "unauthenticated");
    assert!(anonymous.header("www-authenticate").is_some());
    app.call_as("garbage", Method::GET, "/operators", None).await.expect_problem(401, "unauthenticated");
    let expired =
        hub_api::auth::sign_hs256(hub_e2e::SECRET, &app.account.account_id, &app.account.admin_operator_id, 0);
    // `exp` equal to now is inside the leeway; forge one clearly in the past.
    let _ = expired;
    let wrong_secret =
        hub_api::auth::sign_hs256("another-secret", &app.account.account_id, &app.account.admin_operator_id, 3600);
    app.call_as(&wrong_secret, Method::GET, "/operators", None).await.expect_problem(401, "unauthenticated");
    // A token for an operator that no longer exists is refused at once.
    let (gone, token) = app.create_operator_with_token("Gone Soon", "gone@example.com").await;
    app.call_as(&token, Method::GET, "/operators", None).await.expect(200);
    app.call(Method::DELETE, &format!("/operators/{gone}"), None).await.expect(204);
    app.call_as(&token, Method::GET, "/operators", None).await.expect_problem(401, "unauthenticated");
    // An unknown account.
    let stranger = app.token("no-such-account", &app.account.admin_operator_id);
    app.call_as(&stranger, Method::GET, "/operators", None).await.expect_problem(401, "unauthenticated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_administrators_read_and_manage_only_their_personal_settings() {
    let app = TestApp::start().await;
    let (me, token) = app.create_operator_with_token("Mia Member", "mia@example.com").await;
    let other = app.create_operator("Otto Other", "otto@example.com").await;
    app.call_as(&token, Method::GET, "/operators", None).await.expect(200);
    app.call_as(&token, Method::GET, &format!("/operators/{other}"), None).await.expect(200);
    app.call_as(&token, Method::GET, &format!("/operators/{other}/permissions"), None).await.expect(200);
    // Refused ones write nothing, so their order among the allowed ones does not matter.
    let forbidden = [
        (Method::POST, "/operators".to_owned(), Some(json!({"email": "x@example.com", "fullName": "X"}))),
        (Method::PATCH, format!("/operators/{other}"), Some(json!({"fullName": "Hacked"}))),
        (Method::PATCH, format!("/operators/{me}"), Some(json!({"isOnDuty": false}))),
        (Method::PATCH, format!("/operators/{me}"), Some(json!({"email": "mia2@example.com"}))),
        (Method::DELETE, format!("/operators/{other}"), None),
        (Method::PUT, format!("/operators/{me}/permissions/AllowInfra"), None),
        (Method::DELETE, format!("/operators/{me}/permissions/AccountAccess"), None),
    ];
    app.expect_problem_each_as(&token, forbidden, 403, "forbidden").await;
    app.call_as(
        &token,
        Method::PATCH,
        &format!("/operators/{me}"),
        Some(json!({"fullName": "Mia M.", "timeZone": "Europe/Paris"})),
    )
    .await
    .expect(200);
    // Own schedules are self-service, others' are not.
    let daily = json!({"mode": "Daily", "startTime": "22:00", "endTime": "06:00"});
    app.call_as(&token, Method::POST, &format!("/operators/{me}/duty-schedules"), Some(daily.clone()))
        .await
        .expect(201);
    app.call_as(&token, Method::POST, &format!("/operators/{other}/duty-schedules"), Some(daily))
        .await
        .expect_problem(403, "forbidden");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_rules_protect_self_account_administrator_and_holders() {
    let app = TestApp::start().await;
    let admin = app.account.admin_operator_id.clone();
    // The account administrator cannot be deleted, not even by another administrator.
    let second_admin = app.create_operator("Sam Second", "sam@example.com").await;
    app.add_member("administrators", &second_admin).await;
    let sam = app.token(&app.account.account_id, &second_admin);
    app.call_as(&sam, Method::DELETE, &format!("/operators/{admin}"), None)
        .await
        .expect_problem(409, "cannot_delete_account_administrator");
    app.call_as(&sam, Method::DELETE, &format!("/operators/{second_admin}"), None)
        .await
        .expect_problem(409, "cannot_delete_self");

    // TechnicalContact is held only by the account administrator; give it to Tina, revoke it
    // from the administrator; then Tina is the last holder and cannot be deleted.
    let tina = app.create_operator("Tina Tech", "tina@example.com").await;
    app.grant(&tina, "TechnicalContact").await;
    app.revoke(&admin, "TechnicalContact").await;
    let refused = [format!("/operators/{tina}/permissions/TechnicalContact"), format!("/operators/{tina}")];
    app.expect_problem_each(refused.map(|path| (Method::DELETE, path)), 409, "last_technical_contact").await;
    app.grant(&admin, "TechnicalContact").await;
    app.call(Method::DELETE, &format!("/operators/{tina}"), None).await.expect(204);

    // FinancialOperator comes through Administrators: the second admin leaving is fine, the
    // holder through the group remains.
    app.call(Method::DELETE, &format!("/operators/{second_admin}"), None).await.expect(204);
    let perms = app.call(Method::GET, &format!("/operators/{admin}/permissions"), None).await.expect(200);
    assert!(perms.body["effective"].as_array().unwrap().contains(&json!("FinancialOperator")));
    assert!(perms.body["effective"].as_array().unwrap().contains(&json!("Administrator")));
    assert!(!perms.body["direct"].as_array().unwrap().contains(&json!("Administrator")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrator_is_not_assignable_and_grants_are_idempotent() {
    let app = TestApp::start().await;
    let id = app.create_operator("Gina", "gina@example.com").await;
    let administrator = format!("/operators/{id}/permissions/Administrator");
    let both = [(Method::PUT, administrator.clone()), (Method::DELETE, administrator)];
    app.expect_problem_each(both, 409, "permission_not_assignable").await;
    app.grant(&id, "AllowInfra").await;
    app.grant(&id, "AllowInfra").await;
    let perms = app.call(Method::GET, &format!("/operators/{id}/permissions"), None).await.expect(200);
    assert_eq!(perms.body["direct"], json!(["AccountAccess", "AllowInfra"]));
    app.revoke(&id, "AllowInfra").await;
    app.revoke(&id, "AllowInfra").await;
    let perms = app.call(Method::GET, &format!("/operators/{id}/permissions"), None).await.expect(200);
    assert_eq!(perms.body["direct"], json!(["AccountAccess"]));
    app.call(Method::PUT, "/operators/nobody/permissions/AllowInfra", None).await.expect_problem(404, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_limit_holds_when_fifty_creates_race() {
    let app = TestApp::start().await;
    let (premium, token) = app.provision_with_admin_token("Premium", 0).await; // limit 4, the administrator uses one
    let creates = (0..50).map(|i| app.post_numbered_operator(&token, "Racer", "racer", i));
    let replies = futures::future::join_all(creates).await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    let refused = replies.iter().filter(|r| r.status == 409 && r.code() == "operator_limit_reached").count();
    assert_eq!((created, refused), (3, 47), "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
    let listed = app.list_all(&token, "/operators").await;
    assert_eq!(listed.len(), 4);
    let account = app.account_record(&premium.account_id).await;
    assert_eq!((account.operators_total, account.operator_limit), (4, 4));
    let account_view = app.call_as(&token, Method::GET, "/groups/everyone", None).await.expect(200);
    assert_eq!(account_view.body["memberCount"], 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extra_operators_raise_the_limit() {
    let app = TestApp::start().await;
    let (_, token) = app.provision_with_admin_token("Premium", 2).await;
    for i in 0..5 {
        app.post_numbered_operator(&token, "P", "p", i).await.expect(201);
    }
    app.post_numbered_operator(&token, "P", "p", 6).await.expect_problem(409, "operator_limit_reached");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_administrator_survives_racing_removals() {
    let app = TestApp::start().await;
    let admins = crate::create_operators_at_once(&app, 4, "Admin", "a").await;
    for id in &admins {
        app.add_member("administrators", id).await;
    }
    // Five administrators; every one of them tries to remove all the others at once, and the
    // account administrator's own token removes the rest.
    let mut everyone = admins.clone();
    everyone.push(app.account.admin_operator_id.clone());
    let attempts = everyone.iter().flat_map(|actor| {
        let token = app.token(&app.account.account_id, actor);
        everyone.iter().filter(move |t| *t != actor).map(move |target| (token.clone(), target.clone()))
    });
    let replies =
        futures::future::join_all(attempts.map(|(token, target)| {
            let app = &app;
            async move {
                app.call_as(&token, Method::DELETE, &format!("/groups/administrators/members/{target}"), None).await
            }
        }))
        .await;
    hub_e2e::assert_answered(&replies, &[204, 403, 409], "");
    let admins_group = app.call(Method::GET, "/groups/administrators", None).await;
    let members = app.list_all(&app.admin_token, "/groups/administrators/members").await;
    // Someone may have removed the account administrator too; read with the remaining admin.
    let remaining = if admins_group.status == 200 {
        admins_group.body["memberCount"].as_i64().unwrap()
    } else {
        members.len() as i64
    };
    assert!(remaining >= 1);
    let token = app.token(
        &app.account.account_id,
        members.first().map(|m| m["operatorId"].as_str().unwrap()).unwrap_or(&app.account.admin_operator_id),
    );
    let members = app.list_all(&token, "/groups/administrators/members").await;
    assert_eq!(members.len(), 1, "exactly one administrator is left");
    let group = app.call_as(&token, Method::GET, "/groups/administrators", None).await.expect(200);
    assert_eq!(group.body["memberCount"], 1);
    assert!(members.iter().all(|m| m["isAdministrator"] == true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_financial_operator_survives_racing_revokes() {
    let app = TestApp::start().await;
    // FinancialOperator: through Administrators (the account administrator) and directly by 6 others.
    let holders = crate::create_operators_at_once(&app, 6, "Fin", "f").await;
    for id in &holders {
        app.grant(id, "FinancialOperator").await;
    }
    let mut removals: Vec<(Method, String)> =
        holders.iter().map(|id| (Method::DELETE, format!("/operators/{id}/permissions/FinancialOperator"))).collect();
    removals.push((Method::DELETE, "/groups/administrators/permissions/FinancialOperator".into()));
    removals.extend(holders.iter().take(3).map(|id| (Method::DELETE, format!("/operators/{id}"))));
    let replies = futures::future::join_all(removals.into_iter().map(|(m, p)| {
        let app = &app;
        async move { app.call(m, &p, None).await }
    }))
    .await;
    // 404: a revoke that lost the race with the delete of the same operator.
    hub_e2e::assert_answered(&replies, &[204, 404, 409], "");
    assert!(replies.iter().any(|r| r.status == 409 && r.code() == "last_financial_operator"));
    // Exactly one effective holder is left.
    let operators = app.list_all(&app.admin_token, "/operators").await;
    let mut holders_left = 0;
    for op in &operators {
        let id = op["operatorId"].as_str().unwrap();
        let perms = app.call(Method::GET, &format!("/operators/{id}/permissions"), None).await.expect(200);
        if perms.body["effective"].as_array().unwrap().contains(&json!("FinancialOperator")) {
            holders_left += 1;
        }
    }
    assert_eq!(holders_left, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_cascades_leave_nothing_behind() {
    let app = TestApp::start().await;
    let id = app.create_operator("Cascade Carl", "carl@example.com").await;
    let g1 = app.create_group("Night shift").await;
    let g2 = app.create_group("Day shift").await;
    for g in [&g1, &g2] {
        app.add_member(g, &id).await;
    }
    app.add_member("administrators", &id).await;
    app.grant(&id, "ShareDashboards").await;
    app.call(
        Method::POST,
        &format!("/operators/{id}/duty-schedules"),
        Some(json!({"mode": "Weekly", "weekDay": "Sunday", "startTime": "00:00", "endTime": "23:59"})),
    )
    .await
    .expect(201);
    let before = app.account_record(&app.account.account_id).await;
    assert_eq!(before.groups_empty, 0);

    app.call(Method::DELETE, &format!("/operators/{id}"), None).await.expect(204);

    for g in [&g1, &g2] {
        let group = app.call(Method::GET, &format!("/groups/{g}"), None).await.expect(200);
        assert_eq!(group.body["memberCount"], 0);
        assert!(app.list_all(&app.admin_token, &format!("/groups/{g}/members")).await.is_empty());
    }
    let admins = app.call(Method::GET, "/groups/administrators", None).await.expect(200);
    assert_eq!(admins.body["memberCount"], 1);
    let after = app.account_record(&app.account.account_id).await;
    assert_eq!((after.operators_total, after.groups_empty, after.groups_total), (1, 2, 4));
    // No item of the operator is left in the account's partition.
    let scope = hub_store::AccountScope::new(&app.account.account_id);
    assert!(app.state.store.in_account(&scope).all_group_ids_of(&id.as_str().into()).await.unwrap().is_empty());
    assert!(!crate::holds_grants(&app, &scope, hub_store::Principal::Operator(id.clone().into())).await);
    assert!(app.state.store.in_account(&scope).pending_deletes().await.unwrap().is_empty());
    assert!(app.state.store.in_account(&scope).operator(&id.as_str().into()).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etag_and_if_match() {
    let app = TestApp::start().await;
    let id = app.create_operator("Ivy", "ivy@example.com").await;
    let path = format!("/operators/{id}");
    let stale =
        send(app.req(Method::PATCH, &path).header("if-match", "\"7\"").json(&json!({"fullName": "Ivy 2"}))).await;
    stale.expect_problem(412, "version_conflict");
    let ok = send(app.req(Method::PATCH, &path).header("if-match", "\"1\"").json(&json!({"fullName": "Ivy 2"})))
        .await
        .expect(200);
    assert_eq!(ok.header("etag"), Some("\"2\""));
    send(app.req(Method::PATCH, &path).header("if-match", "\"1\"").json(&json!({"fullName": "Ivy 3"})))
        .await
        .expect_problem(412, "version_conflict");
    send(app.req(Method::DELETE, &path).header("if-match", "\"1\"")).await.expect_problem(412, "version_conflict");
    send(app.req(Method::DELETE, &path).header("if-match", "\"2\"")).await.expect(204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_key_replays_and_refuses_reuse() {
    let app = TestApp::start().await;
    let body = json!({"email": "once@example.com", "fullName": "Only Once"});
    let first = app.post_keyed("/operators", "k-1", &body).await.expect(201);
    // Same content, other key order: the same request.
    let raw = r#"{ "fullName": "Only Once", "email": "once@example.com" }"#;
    let again = app.post_keyed_raw("/operators", "k-1", raw).await.expect(201);
    assert_eq!(first.body, again.body);
    assert_eq!(first.header("location"), again.header("location"));
    assert_eq!(app.account_record(&app.account.account_id).await.operators_total, 2);
    app.expect_key_reused("/operators", "k-1", &json!({"email": "twice@example.com", "fullName": "Twice"})).await;
    app.post_keyed("/operators", "", &body).await.expect_problem(400, "validation_failed");
    // Concurrent retries with one key create exactly one operator.
    let body = json!({"email": "racing@example.com", "fullName": "Racing Key"});
    crate::post_keyed_at_once(&app, "/operators", "k-2", &body, 10, "operatorId").await;
    assert_eq!(app.account_record(&app.account.account_id).await.operators_total, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_and_search() {
    let app = TestApp::start().await;
    let names = ["zoe", "Yann", "xavier", "Wim", "vera", "Ugo", "tom", "Sara", "rob", "Quinn", "pia", "Olga"];
    for (i, n) in names.iter().enumerate() {
        let id = app.create_operator(n, &format!("{}@corp{}.example.com", n.to_lowercase(), i % 2)).await;
        if i % 3 == 0 {
            app.call(Method::PATCH, &format!("/operators/{id}"), Some(json!({"isOnDuty": false}))).await.expect(200);
        }
    }
    let all = app.list_all(&app.admin_token, "/operators?limit=5").await;
    let listed: Vec<String> = all.iter().map(|o| o["fullName"].as_str().unwrap().to_owned()).collect();
    let mut expected: Vec<String> = names.iter().map(|s| s.to_string()).chain(["Ada Admin".to_owned()]).collect();
    expected.sort_by_key(|s| s.to_lowercase());
    assert_eq!(listed, expected, "every operator exactly once, ordered by name case-insensitively");
    let first = app.call(Method::GET, "/operators?limit=5", None).await.expect(200);
    assert_eq!(first.items().len(), 5);
    let cursor = first.body["nextCursor"].as_str().unwrap().to_owned();
    // The cursor belongs to this list of this account only.
    app.call(Method::GET, &format!("/groups?cursor={cursor}"), None).await.expect_problem(400, "invalid_cursor");
    let (_, other_token) = app.provision_with_admin_token("Business", 0).await;
    app.call_as(&other_token, Method::GET, &format!("/operators?cursor={cursor}"), None)
        .await
        .expect_problem(400, "invalid_cursor");
    let mut tampered = cursor.clone();
    tampered.replace_range(3..4, if &cursor[3..4] == "A" { "B" } else { "A" });
    app.call(Method::GET, &format!("/operators?cursor={tampered}"), None).await.expect_problem(400, "invalid_cursor");

    let active = app.list_all(&app.admin_token, "/operators?isOnDuty=true&limit=3").await;
    let inactive = app.list_all(&app.admin_token, "/operators?isOnDuty=false&limit=3").await;
    assert_eq!((active.len(), inactive.len()), (9, 4));
    assert!(inactive.iter().all(|o| o["isOnDuty"] == false));
    let found = app.list_all(&app.admin_token, "/operators?q=CORP1&limit=2").await;
    assert_eq!(found.len(), 6);
    let found = app.list_all(&app.admin_token, "/operators?q=ra").await;
    let mut found: Vec<&str> = found.iter().map(|o| o["fullName"].as_str().unwrap()).collect();
    found.sort();
    assert_eq!(found, ["Sara", "vera"]);
    // Another account sees none of these.
    assert_eq!(app.list_all(&other_token, "/operators").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_accounts_ids_are_not_found() {
    let app = TestApp::start().await;
    let id = app.create_operator("Private Pete", "pete@example.com").await;
    let (_, token) = app.provision_with_admin_token("Business", 0).await;
    let requests = [
        (Method::GET, format!("/operators/{id}"), None),
        (Method::PATCH, format!("/operators/{id}"), Some(json!({"fullName": "Owned"}))),
        (Method::DELETE, format!("/operators/{id}"), None),
        (Method::GET, format!("/operators/{id}/groups"), None),
        (Method::GET, format!("/operators/{id}/permissions"), None),
        (Method::PUT, format!("/operators/{id}/permissions/AllowInfra"), None),
        (Method::DELETE, format!("/operators/{id}/permissions/AccountAccess"), None),
        (Method::GET, format!("/operators/{id}/duty-schedules"), None),
        (
            Method::POST,
            format!("/operators/{id}/duty-schedules"),
            Some(json!({"mode": "Daily", "startTime": "01:00", "endTime": "02:00"})),
        ),
    ];
    app.expect_problem_each_as(&token, requests, 404, "not_found").await;
    let unchanged = app.call(Method::GET, &format!("/operators/{id}"), None).await.expect(200);
    assert_eq!(
        (unchanged.body["fullName"].as_str(), unchanged.body["version"].as_i64()),
        (Some("Private Pete"), Some(1))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_duty_schedules_are_validated_and_drive_on_duty_now() {
    let app = TestApp::start().await;
    let id = app.create_operator("Nina Night", "nina@example.com").await;
    let path = format!("/operators/{id}/duty-schedules");
    for bad in [
        json!({"mode": "Daily", "startTime": "22:00"}),
        json!({"mode": "Daily", "startTime": "22:00", "endTime": "06:00", "weekDay": "Monday"}),
        json!({"mode": "Weekly", "startTime": "22:00", "endTime": "06:00"}),
        json!({"mode": "Monthly", "monthDay": 32, "startTime": "22:00", "endTime": "06:00"}),
        json!({"mode": "OneTime", "start": "2026-12-01T10:00:00Z", "end": "2026-12-01T09:00:00Z"}),
        json!({"mode": "Hourly"}),
        json!({"mode": "Daily", "startTime": "25:00", "endTime": "06:00"}),
        json!({"mode": "Daily", "startTime": "22:00", "endTime": "06:00", "colour": "red"}),
    ] {
        app.call(Method::POST, &path, Some(bad.clone())).await.expect_problem(400, "validation_failed");
    }
    // A one-time window around now: off duty now.
    let now = jiff::Timestamp::now();
    let start = (now - jiff::SignedDuration::from_hours(1)).strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let end = (now + jiff::SignedDuration::from_hours(1)).strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let created =
        app.call(Method::POST, &path, Some(json!({"mode": "OneTime", "start": start, "end": end}))).await.expect(201);
    let schedule_id = created.str("scheduleId");
    assert_eq!(created.body["mode"], "OneTime");
    assert_eq!(created.body["startTime"], serde_json::Value::Null);
    let op = app.call(Method::GET, &format!("/operators/{id}"), None).await.expect(200);
    assert_eq!((op.body["isOnDuty"].as_bool(), op.body["onDutyNow"].as_bool()), (Some(true), Some(false)));
    // Move the window into the past: on duty again.
    let replaced = app
        .call(
            Method::PUT,
            &format!("{path}/{schedule_id}"),
            Some(json!({"mode": "OneTime", "start": "2020-01-01T00:00:00Z", "end": "2020-01-02T00:00:00Z"})),
        )
        .await
        .expect(200);
    assert_eq!(replaced.body["scheduleId"], schedule_id);
    let op = app.call(Method::GET, &format!("/operators/{id}"), None).await.expect(200);
    assert_eq!(op.body["onDutyNow"], true);
    let listed = app.call(Method::GET, &path, None).await.expect(200);
    assert_eq!(listed.items().len(), 1);
    assert_eq!(listed.body["nextCursor"], serde_json::Value::Null);
    app.call(Method::DELETE, &format!("{path}/{schedule_id}"), None).await.expect(204);
    app.call(Method::DELETE, &format!("{path}/{schedule_id}"), None).await.expect_problem(404, "not_found");
    assert!(app.call(Method::GET, &path, None).await.expect(200).items().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_that_died_half_way_is_finished_by_its_retry() {
    let app = TestApp::start().await;
    let id = app.create_operator("Half Harry", "harry@example.com").await;
    let group = app.create_group_with("Lonely", &id).await;
    app.grant(&id, "AllowInfra").await;
    let scope = hub_store::AccountScope::new(&app.account.account_id);
    // Only the first step runs, as if the process died right after it.
    crate::begin_operator_delete_only(&app, &scope, &id).await;
    app.call(Method::GET, &format!("/operators/{id}"), None).await.expect_problem(404, "not_found");
    assert_eq!(app.state.store.in_account(&scope).pending_deletes().await.unwrap().len(), 1);
    // The group still counts the member until the delete finishes.
    assert_eq!(app.call(Method::GET, &format!("/groups/{group}"), None).await.expect(200).body["memberCount"], 1);

    app.call(Method::DELETE, &format!("/operators/{id}"), None).await.expect(204);
    assert!(app.state.store.in_account(&scope).pending_deletes().await.unwrap().is_empty());
    assert_eq!(app.call(Method::GET, &format!("/groups/{group}"), None).await.expect(200).body["memberCount"], 0);
    assert_eq!(app.account_record(&app.account.account_id).await.groups_empty, 1);
    assert!(!crate::holds_grants(&app, &scope, hub_store::Principal::Operator(id.clone().into())).await);
    // Once finished, deleting again is simply not found.
    app.call(Method::DELETE, &format!("/operators/{id}"), None).await.expect_problem(404, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedule_creation_honours_idempotency_keys() {
    let app = TestApp::start().await;
    let id = app.create_operator("Kim Key", "kim@example.com").await;
    let path = format!("/operators/{id}/duty-schedules");
    let body = json!({"mode": "Daily", "startTime": "22:00", "endTime": "06:00"});
    crate::post_keyed_at_once(&app, &path, "night", &body, 5, "scheduleId").await;
    assert_eq!(app.call(Method::GET, &path, None).await.expect(200).items().len(), 1);
    app.expect_key_reused(&path, "night", &json!({"mode": "Daily", "startTime": "21:00", "endTime": "06:00"})).await;
}

/// A change reads the account once: the rule versions and the time zone that renders the answer
/// come from the same read. A rename costs the authorizer's GetItem, the account, the operator,
/// its API users' roster (their items carry the owner's name) and the transaction; a change
/// that changes nothing stops before the roster and the write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_reads_the_account_once() {
    let app = TestApp::start().await;
    let id = app.create_operator("Read Once", "read.once@example.com").await;

    app.requests.reset();
    let renamed = app
        .call(Method::PATCH, &format!("/operators/{id}"), Some(json!({"fullName": "Read Once Renamed"})))
        .await
        .expect(200);
    assert_eq!(renamed.body["fullName"], "Read Once Renamed");
    assert_eq!(app.requests.get(), 5, "authorizer, account, operator, API-user roster, transaction");

    app.requests.reset();
    app.call(Method::PATCH, &format!("/operators/{id}"), Some(json!({"fullName": "Read Once Renamed"})))
        .await
        .expect(200);
    assert_eq!(app.requests.get(), 3, "authorizer, account, operator: a no-op writes nothing");
}
