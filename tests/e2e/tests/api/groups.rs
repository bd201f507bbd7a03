//! Operator groups, their members, permissions and the group-wide Active switch, end to end over
//! HTTP against the embedded DynamoDB.

use std::collections::BTreeSet;

use hub_e2e::{Reply, TestApp, send};
use reqwest::Method;
use serde_json::{Value, json};

/// `(groups_total, groups_empty)` as stored on the account item.
async fn group_counters(app: &TestApp) -> (i64, i64) {
    let account = app.account_record(&app.account.account_id).await;
    (account.groups_total, account.groups_empty)
}

async fn operators_active(app: &TestApp) -> i64 {
    app.account_record(&app.account.account_id).await.operators_active
}

/// Creates an operator for each `(name, email)`, one after the other, and adds it to each of
/// `groups` in turn; their ids.
async fn members_of(app: &TestApp, groups: &[&str], operators: impl Iterator<Item = (String, String)>) -> Vec<String> {
    let mut ids = Vec::new();
    for (name, email) in operators {
        let id = app.create_operator(&name, &email).await;
        for group in groups {
            app.add_member(group, &id).await;
        }
        ids.push(id);
    }
    ids
}

async fn group(app: &TestApp, id: &str) -> Reply {
    app.call(Method::GET, &format!("/groups/{id}"), None).await.expect(200)
}

fn field(items: &[Value], name: &str) -> Vec<String> {
    items.iter().map(|i| i[name].as_str().unwrap_or_else(|| panic!("no {name} in {i}")).to_owned()).collect()
}

/// The ids of the groups an operator belongs to.
async fn groups_of(app: &TestApp, operator: &str) -> Vec<String> {
    field(&app.list_all(&app.admin_token, &format!("/operators/{operator}/groups")).await, "groupId")
}

fn sorted_case_insensitively(mut names: Vec<String>) -> Vec<String> {
    names.sort_by_key(|n| n.to_lowercase());
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_read_list_rename_delete_keep_counters_exact() {
    let app = TestApp::start().await;
    assert_eq!(group_counters(&app).await, (2, 0));

    let created = app.call(Method::POST, "/groups", Some(json!({"description": "  Night Shift "}))).await.expect(201);
    let id = created.created_id("/groups", "groupId");
    assert_eq!(created.body["description"], "Night Shift");
    assert_eq!(created.body["isEveryone"], false);
    assert_eq!(created.body["isAdministrators"], false);
    assert_eq!(created.body["memberCount"], 0);
    assert_eq!(created.body["version"], 1);
    assert_eq!(created.body["createdAt"], created.body["updatedAt"]);
    assert_eq!(group_counters(&app).await, (3, 1));

    let fetched = group(&app, &id).await;
    assert_eq!(fetched.body, created.body);
    assert_eq!(fetched.header("etag"), Some("\"1\""));

    let alpha = app.create_group("alpha team").await;
    assert_eq!(group_counters(&app).await, (4, 2));
    let listed = app.call(Method::GET, "/groups", None).await.expect(200);
    assert_eq!(field(listed.items(), "description"), ["Administrators", "alpha team", "Everyone", "Night Shift"]);
    assert_eq!(listed.body["nextCursor"], Value::Null);

    let renamed =
        app.call(Method::PATCH, &format!("/groups/{id}"), Some(json!({"description": "Day Shift"}))).await.expect(200);
    assert_eq!(renamed.body["description"], "Day Shift");
    assert_eq!(renamed.body["version"], 2);
    assert_eq!(renamed.header("etag"), Some("\"2\""));
    assert_eq!(group(&app, &id).await.body, renamed.body);
    assert_eq!(group_counters(&app).await, (4, 2));
    let listed = app.list_all(&app.admin_token, "/groups").await;
    assert_eq!(field(&listed, "description"), ["Administrators", "alpha team", "Day Shift", "Everyone"]);

    // A PATCH without changes changes nothing.
    let same = app.call(Method::PATCH, &format!("/groups/{id}"), Some(json!({}))).await.expect(200);
    assert_eq!(same.body["version"], 2);
    let same =
        app.call(Method::PATCH, &format!("/groups/{id}"), Some(json!({"description": "Day Shift"}))).await.expect(200);
    assert_eq!(same.body["version"], 2);

    // The old name is free again.
    let night = app.create_group("night shift").await;
    assert_eq!(group_counters(&app).await, (5, 3));

    app.call(Method::DELETE, &format!("/groups/{id}"), None).await.expect(204);
    app.call(Method::GET, &format!("/groups/{id}"), None).await.expect_problem(404, "not_found");
    app.call(Method::DELETE, &format!("/groups/{id}"), None).await.expect_problem(404, "not_found");
    app.call(Method::PATCH, &format!("/groups/{id}"), Some(json!({"description": "Gone"})))
        .await
        .expect_problem(404, "not_found");
    assert_eq!(group_counters(&app).await, (4, 2));
    // Its name is free too.
    let again = app.create_group("Day Shift").await;
    assert_eq!(group_counters(&app).await, (5, 3));

    for g in [&alpha, &night, &again] {
        app.call(Method::DELETE, &format!("/groups/{g}"), None).await.expect(204);
    }
    assert_eq!(group_counters(&app).await, (2, 0));
    assert_eq!(field(&app.list_all(&app.admin_token, "/groups").await, "groupId"), ["administrators", "everyone"]);
    app.call(Method::GET, "/groups/not.an.id", None).await.expect_problem(404, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn descriptions_are_unique_case_insensitively() {
    let app = TestApp::start().await;
    let ops = app.create_group("Ops").await;
    let dev = app.create_group("Dev").await;
    for taken in ["ops", "OPS", " Ops ", "everyone", "ADMINISTRATORS"] {
        app.call(Method::POST, "/groups", Some(json!({"description": taken})))
            .await
            .expect_problem(409, "group_name_taken");
    }
    assert_eq!(group_counters(&app).await, (4, 2));

    app.call(Method::PATCH, &format!("/groups/{dev}"), Some(json!({"description": "oPs"})))
        .await
        .expect_problem(409, "group_name_taken");
    app.call(Method::PATCH, &format!("/groups/{dev}"), Some(json!({"description": "Everyone"})))
        .await
        .expect_problem(409, "group_name_taken");
    let dev_now = group(&app, &dev).await;
    assert_eq!((dev_now.body["description"].as_str(), dev_now.body["version"].as_i64()), (Some("Dev"), Some(1)));

    // Changing only the case of its own name is allowed, and keeps the name reserved.
    let renamed =
        app.call(Method::PATCH, &format!("/groups/{ops}"), Some(json!({"description": "OPS"}))).await.expect(200);
    assert_eq!((renamed.body["description"].as_str(), renamed.body["version"].as_i64()), (Some("OPS"), Some(2)));
    app.call(Method::POST, "/groups", Some(json!({"description": "ops"})))
        .await
        .expect_problem(409, "group_name_taken");
    assert_eq!(group_counters(&app).await, (4, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_groups_are_immutable() {
    let app = TestApp::start().await;
    let admin = app.account.admin_operator_id.clone();
    let op = app.create_operator("Olga Ops", "olga@example.com").await;

    let everyone = group(&app, "everyone").await;
    assert_eq!(
        (everyone.body["isEveryone"].as_bool(), everyone.body["isAdministrators"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(everyone.body["memberCount"], 2);
    let administrators = group(&app, "administrators").await;
    assert_eq!(
        (administrators.body["isEveryone"].as_bool(), administrators.body["isAdministrators"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(administrators.body["memberCount"], 1);

    for id in ["everyone", "administrators"] {
        app.call(Method::PATCH, &format!("/groups/{id}"), Some(json!({"description": "Renamed"})))
            .await
            .expect_problem(409, "system_group_immutable");
        app.call(Method::DELETE, &format!("/groups/{id}"), None).await.expect_problem(409, "system_group_immutable");
    }
    let everyones_members = [
        (Method::PUT, format!("/groups/everyone/members/{op}")),
        (Method::DELETE, format!("/groups/everyone/members/{op}")),
        (Method::DELETE, format!("/groups/everyone/members/{admin}")),
    ];
    app.expect_problem_each(everyones_members, 409, "system_group_immutable").await;

    assert_eq!(group(&app, "everyone").await.body, everyone.body);
    assert_eq!(group(&app, "administrators").await.body, administrators.body);
    assert_eq!(group_counters(&app).await, (2, 0));
    let members = app.list_all(&app.admin_token, "/groups/everyone/members").await;
    assert_eq!(field(&members, "operatorId").into_iter().collect::<BTreeSet<_>>(), BTreeSet::from([admin, op]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn membership_is_idempotent_and_counts_stay_exact() {
    let app = TestApp::start().await;
    let op = app.create_operator("Mia Member", "mia@example.com").await;
    let g = app.create_group("Night Shift").await;
    assert_eq!(group_counters(&app).await, (3, 1));

    app.add_member(&g, &op).await;
    let after = group(&app, &g).await;
    assert_eq!((after.body["memberCount"].as_i64(), after.body["version"].as_i64()), (Some(1), Some(2)));
    assert_eq!(group_counters(&app).await, (3, 0));

    // Again: nothing changes.
    app.add_member(&g, &op).await;
    assert_eq!(group(&app, &g).await.body, after.body);
    assert_eq!(group_counters(&app).await, (3, 0));

    let of = groups_of(&app, &op).await;
    assert_eq!(of.iter().cloned().collect::<BTreeSet<_>>(), BTreeSet::from(["everyone".to_owned(), g.clone()]));
    let members = app.call(Method::GET, &format!("/groups/{g}/members"), None).await.expect(200);
    assert_eq!(field(members.items(), "operatorId"), std::slice::from_ref(&op));
    assert_eq!(members.items()[0]["fullName"], "Mia Member");
    assert_eq!(members.items()[0]["isAdministrator"], false);
    assert_eq!(members.body["nextCursor"], Value::Null);

    // Unknown group or operator, or ids that cannot be ids.
    let unknown = [
        (Method::PUT, format!("/groups/{g}/members/no-such-operator")),
        (Method::PUT, format!("/groups/no-such-group/members/{op}")),
        (Method::DELETE, format!("/groups/{g}/members/no-such-operator")),
        (Method::DELETE, format!("/groups/no-such-group/members/{op}")),
        (Method::PUT, format!("/groups/{g}/members/bad.id")),
        (Method::GET, "/groups/no-such-group/members".to_owned()),
    ];
    app.expect_problem_each(unknown, 404, "not_found").await;
    assert_eq!(group(&app, &g).await.body, after.body);

    app.call(Method::DELETE, &format!("/groups/{g}/members/{op}"), None).await.expect(204);
    let removed = group(&app, &g).await;
    assert_eq!((removed.body["memberCount"].as_i64(), removed.body["version"].as_i64()), (Some(0), Some(3)));
    assert_eq!(group_counters(&app).await, (3, 1));
    assert_eq!(groups_of(&app, &op).await, ["everyone"]);
    // Not a member any more: still 204, nothing changes.
    app.call(Method::DELETE, &format!("/groups/{g}/members/{op}"), None).await.expect(204);
    assert_eq!(group(&app, &g).await.body, removed.body);
    assert_eq!(group_counters(&app).await, (3, 1));

    // Members page like any list.
    let mut ops = vec![app.account.admin_operator_id.clone(), op.clone()];
    for i in 0..5 {
        let id = app.create_operator(&format!("Pager {i}"), &format!("pager{i}@example.com")).await;
        app.add_member(&g, &id).await;
        ops.push(id);
    }
    app.add_member(&g, &op).await;
    assert_eq!(group(&app, &g).await.body["memberCount"], 6);
    let first = app.call(Method::GET, &format!("/groups/{g}/members?limit=4"), None).await.expect(200);
    assert_eq!(first.items().len(), 4);
    assert!(first.body["nextCursor"].is_string());
    let paged = app.list_all(&app.admin_token, &format!("/groups/{g}/members?limit=4")).await;
    let paged_ids = field(&paged, "operatorId");
    assert_eq!(paged_ids.len(), 6);
    assert_eq!(paged_ids.iter().cloned().collect::<BTreeSet<_>>(), ops[1..].iter().cloned().collect::<BTreeSet<_>>());
    let everyone = app.list_all(&app.admin_token, "/groups/everyone/members?limit=3").await;
    assert_eq!(
        field(&everyone, "operatorId").into_iter().collect::<BTreeSet<_>>(),
        ops.iter().cloned().collect::<BTreeSet<_>>()
    );
    assert_eq!(group(&app, "everyone").await.body["memberCount"], 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrators_membership_is_what_makes_an_administrator() {
    let app = TestApp::start().await;
    let admin = app.account.admin_operator_id.clone();
    // The only administrator cannot leave.
    app.call(Method::DELETE, &format!("/groups/administrators/members/{admin}"), None)
        .await
        .expect_problem(409, "last_administrator");

    let (x, x_token) = app.create_operator_with_token("Xavier", "xavier@example.com").await;
    app.call_as(&x_token, Method::POST, "/groups", Some(json!({"description": "By X"})))
        .await
        .expect_problem(403, "forbidden");

    app.add_member("administrators", &x).await;
    let fetched = app.call(Method::GET, &format!("/operators/{x}"), None).await.expect(200);
    assert_eq!(fetched.body["isAdministrator"], true);
    assert_eq!(group(&app, "administrators").await.body["memberCount"], 2);
    let members = app.list_all(&app.admin_token, "/groups/administrators/members").await;
    assert_eq!(
        field(&members, "operatorId").into_iter().collect::<BTreeSet<_>>(),
        BTreeSet::from([admin.clone(), x.clone()])
    );
    app.call_as(&x_token, Method::POST, "/groups", Some(json!({"description": "By X"}))).await.expect(201);
    let perms = app.call(Method::GET, &format!("/operators/{x}/permissions"), None).await.expect(200);
    assert!(perms.body["effective"].as_array().unwrap().contains(&json!("Administrator")), "{}", perms.body);

    app.call(Method::DELETE, &format!("/groups/administrators/members/{x}"), None).await.expect(204);
    // The right is gone on the very next request.
    app.call_as(&x_token, Method::POST, "/groups", Some(json!({"description": "By X again"})))
        .await
        .expect_problem(403, "forbidden");
    let fetched = app.call(Method::GET, &format!("/operators/{x}"), None).await.expect(200);
    assert_eq!(fetched.body["isAdministrator"], false);
    assert_eq!(group(&app, "administrators").await.body["memberCount"], 1);

    // X promotes itself back? No: it is not an administrator any more.
    app.call_as(&x_token, Method::PUT, &format!("/groups/administrators/members/{x}"), None)
        .await
        .expect_problem(403, "forbidden");

    // An administrator may leave Administrators while someone else stays.
    app.add_member("administrators", &x).await;
    app.call_as(&x_token, Method::DELETE, &format!("/groups/administrators/members/{admin}"), None).await.expect(204);
    app.call(Method::GET, "/groups", None).await.expect(200);
    app.call(Method::POST, "/groups", Some(json!({"description": "By admin"}))).await.expect_problem(403, "forbidden");
    app.call_as(&x_token, Method::DELETE, &format!("/groups/administrators/members/{x}"), None)
        .await
        .expect_problem(409, "last_administrator");
    assert_eq!(group_counters(&app).await, (3, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_permissions_are_granted_revoked_and_validated() {
    let app = TestApp::start().await;
    let g = app.create_group("Integrators").await;
    let path = |p: &str| format!("/groups/{g}/permissions/{p}");

    let perms = app.call(Method::GET, &format!("/groups/{g}/permissions"), None).await.expect(200);
    assert_eq!(perms.body, json!({"direct": []}));

    app.call(Method::PUT, &path("ShareDashboards"), None).await.expect(204);
    app.call(Method::PUT, &path("ShareDashboards"), None).await.expect(204);
    app.call(Method::PUT, &path("AllowInfra"), None).await.expect(204);
    let perms = app.call(Method::GET, &format!("/groups/{g}/permissions"), None).await.expect(200);
    assert_eq!(perms.body, json!({"direct": ["AllowInfra", "ShareDashboards"]}));

    for method in [Method::PUT, Method::DELETE] {
        app.call(method.clone(), &path("Bogus"), None).await.expect_problem(400, "validation_failed");
        app.call(method.clone(), &path("shareDashboards"), None).await.expect_problem(400, "validation_failed");
        app.call(method.clone(), &path("Administrator"), None).await.expect_problem(409, "permission_not_assignable");
        app.call(method.clone(), "/groups/administrators/permissions/Administrator", None)
            .await
            .expect_problem(409, "permission_not_assignable");
        app.call(method.clone(), "/groups/no-such-group/permissions/AllowInfra", None)
            .await
            .expect_problem(404, "not_found");
    }
    app.call(Method::GET, "/groups/no-such-group/permissions", None).await.expect_problem(404, "not_found");

    app.call(Method::DELETE, &path("ShareDashboards"), None).await.expect(204);
    app.call(Method::DELETE, &path("ShareDashboards"), None).await.expect(204);
    let perms = app.call(Method::GET, &format!("/groups/{g}/permissions"), None).await.expect(200);
    assert_eq!(perms.body, json!({"direct": ["AllowInfra"]}));

    // A member's effective permissions include the group's.
    let op = app.create_operator("Ivy", "ivy@example.com").await;
    app.add_member(&g, &op).await;
    let effective = app.call(Method::GET, &format!("/operators/{op}/permissions"), None).await.expect(200);
    assert_eq!(effective.body, json!({"direct": ["AccountAccess"], "effective": ["AccountAccess", "AllowInfra"]}));

    let admins = app.call(Method::GET, "/groups/administrators/permissions", None).await.expect(200);
    assert_eq!(
        admins.body,
        json!({"direct": ["Administrator", "FinancialOperator", "AllowInfra", "CreateAlertDefinition", "CreateIntegration", "CreatePrivateLocations"]})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protected_permissions_keep_a_holder() {
    let app = TestApp::start().await;
    let admin = app.account.admin_operator_id.clone();
    app.call(Method::DELETE, "/groups/administrators/permissions/FinancialOperator", None)
        .await
        .expect_problem(409, "last_financial_operator");

    let fin = app.create_operator("Fiona Finance", "fiona@example.com").await;
    app.grant(&fin, "FinancialOperator").await;
    app.call(Method::DELETE, "/groups/administrators/permissions/FinancialOperator", None).await.expect(204);
    let admins = app.call(Method::GET, "/groups/administrators/permissions", None).await.expect(200);
    assert!(!admins.body["direct"].as_array().unwrap().contains(&json!("FinancialOperator")));
    // Fiona is the only holder now.
    app.call(Method::DELETE, &format!("/operators/{fin}/permissions/FinancialOperator"), None)
        .await
        .expect_problem(409, "last_financial_operator");

    // TechnicalContact held only through a group: the group's delete, its member's removal and
    // the revoke are all refused.
    let tech = app.create_operator("Theo Tech", "theo@example.com").await;
    let g = app.create_group_with("Tech contacts", &tech).await;
    app.call(Method::PUT, &format!("/groups/{g}/permissions/TechnicalContact"), None).await.expect(204);
    app.revoke(&admin, "TechnicalContact").await;
    let refused = [
        format!("/groups/{g}/members/{tech}"),
        format!("/groups/{g}"),
        format!("/groups/{g}/permissions/TechnicalContact"),
    ];
    app.expect_problem_each(refused.map(|path| (Method::DELETE, path)), 409, "last_technical_contact").await;
    assert_eq!(group(&app, &g).await.body["memberCount"], 1);

    // With a second member the first may leave.
    let other = app.create_operator("Tara Tech", "tara@example.com").await;
    app.add_member(&g, &other).await;
    app.call(Method::DELETE, &format!("/groups/{g}/members/{tech}"), None).await.expect(204);
    app.call(Method::DELETE, &format!("/groups/{g}/members/{other}"), None)
        .await
        .expect_problem(409, "last_technical_contact");
    // Once someone holds it directly, the group can go.
    app.grant(&tech, "TechnicalContact").await;
    app.call(Method::DELETE, &format!("/groups/{g}"), None).await.expect(204);
    assert_eq!(group_counters(&app).await, (2, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_group_removes_its_memberships_and_grants() {
    let app = TestApp::start().await;
    let a = app.create_operator("Anna", "anna@example.com").await;
    let b = app.create_operator("Ben", "ben@example.com").await;
    let g = app.create_group("Doomed").await;
    let h = app.create_group("Keeper").await;
    let empty = app.create_group("Empty").await;
    app.add_member(&g, &a).await;
    app.add_member(&g, &b).await;
    app.add_member(&h, &a).await;
    app.call(Method::PUT, &format!("/groups/{g}/permissions/ShareDashboards"), None).await.expect(204);
    assert_eq!(group_counters(&app).await, (5, 1));

    app.call(Method::DELETE, &format!("/groups/{g}"), None).await.expect(204);
    assert_eq!(group_counters(&app).await, (4, 1));
    assert_eq!(
        groups_of(&app, &a).await.into_iter().collect::<BTreeSet<_>>(),
        BTreeSet::from(["everyone".to_owned(), h.clone()])
    );
    assert_eq!(groups_of(&app, &b).await, ["everyone"]);
    let perms = app.call(Method::GET, &format!("/operators/{a}/permissions"), None).await.expect(200);
    assert_eq!(perms.body["effective"], json!(["AccountAccess"]));
    app.call(Method::GET, &format!("/groups/{g}/members"), None).await.expect_problem(404, "not_found");
    app.call(Method::GET, &format!("/groups/{g}/permissions"), None).await.expect_problem(404, "not_found");
    app.call(Method::PUT, &format!("/groups/{g}/members/{a}"), None).await.expect_problem(404, "not_found");
    app.call(Method::PUT, &format!("/groups/{g}/permissions/AllowInfra"), None).await.expect_problem(404, "not_found");
    assert_eq!(group(&app, &h).await.body["memberCount"], 1);

    // The name is free and nothing of the old group hangs on to the new one.
    let reborn = app.create_group("doomed").await;
    assert_eq!(app.call(Method::GET, &format!("/groups/{reborn}/members"), None).await.expect(200).items().len(), 0);
    assert_eq!(
        app.call(Method::GET, &format!("/groups/{reborn}/permissions"), None).await.expect(200).body,
        json!({"direct": []})
    );
    assert_eq!(group_counters(&app).await, (5, 2));

    app.call(Method::DELETE, &format!("/groups/{empty}"), None).await.expect(204);
    app.call(Method::DELETE, &format!("/groups/{reborn}"), None).await.expect(204);
    assert_eq!(group_counters(&app).await, (3, 0));
    // The operators are untouched.
    app.call(Method::GET, &format!("/operators/{b}"), None).await.expect(200);
    assert_eq!(group(&app, "everyone").await.body["memberCount"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn is_empty_filters_and_list_parameters_are_validated() {
    let app = TestApp::start().await;
    let op = app.create_operator("Fay", "fay@example.com").await;
    app.create_group("Empty B").await;
    app.create_group("empty a").await;
    app.create_group_with("Full", &op).await;

    let empty = app.list_all(&app.admin_token, "/groups?isEmpty=true").await;
    assert_eq!(field(&empty, "description"), ["empty a", "Empty B"]);
    let non_empty = app.list_all(&app.admin_token, "/groups?isEmpty=false").await;
    assert_eq!(field(&non_empty, "description"), ["Administrators", "Everyone", "Full"]);
    let small_pages = app.list_all(&app.admin_token, "/groups?isEmpty=false&limit=1").await;
    assert_eq!(field(&small_pages, "description"), ["Administrators", "Everyone", "Full"]);
    assert_eq!(group_counters(&app).await, (5, 2));

    for bad in [
        "/groups?isEmpty=maybe",
        "/groups?limit=0",
        "/groups?limit=101",
        "/groups?limit=x",
        "/groups?color=red",
        "/groups/everyone/members?limit=0",
    ] {
        app.call(Method::GET, bad, None).await.expect_problem(400, "validation_failed");
    }
    app.call(Method::GET, "/groups?limit=100", None).await.expect(200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_visits_every_group_once_and_cursors_are_bound_to_their_list() {
    let app = TestApp::start().await;
    let mut expected = vec!["Administrators".to_owned(), "Everyone".to_owned()];
    for i in 0..30 {
        // Mixed case and a spread of names so that the order is by lowercased description.
        let name = if i % 2 == 0 { format!("group {:02}", 29 - i) } else { format!("Group {:02}", 29 - i) };
        app.create_group(&name).await;
        expected.push(name);
    }
    let expected = sorted_case_insensitively(expected);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let url = match &cursor {
            Some(c) => format!("/groups?limit=7&cursor={c}"),
            None => "/groups?limit=7".to_owned(),
        };
        let page = app.call(Method::GET, &url, None).await.expect(200);
        assert!(page.items().len() <= 7);
        seen.extend(field(page.items(), "description"));
        pages += 1;
        match page.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, expected);
    assert_eq!(pages, 5);

    let first = app.call(Method::GET, "/groups?limit=7", None).await.expect(200);
    let groups_cursor = first.str("nextCursor");
    app.call(Method::GET, &format!("/groups/everyone/members?cursor={groups_cursor}"), None)
        .await
        .expect_problem(400, "invalid_cursor");
    for junk in ["garbage", "a.b", "%20"] {
        app.call(Method::GET, &format!("/groups?cursor={junk}"), None).await.expect_problem(400, "invalid_cursor");
    }
    // A cursor of one group's members is not one of another group's.
    for i in 0..3 {
        let id = app.create_operator(&format!("Member {i}"), &format!("member{i}@example.com")).await;
        app.add_member("administrators", &id).await;
    }
    let admins = app.call(Method::GET, "/groups/administrators/members?limit=2", None).await.expect(200);
    let members_cursor = admins.str("nextCursor");
    app.call(Method::GET, &format!("/groups/administrators/members?limit=2&cursor={members_cursor}"), None)
        .await
        .expect(200);
    let elsewhere =
        [format!("/groups/everyone/members?cursor={members_cursor}"), format!("/groups?cursor={members_cursor}")];
    app.expect_problem_each(elsewhere.map(|path| (Method::GET, path)), 400, "invalid_cursor").await;
    // Another account cannot use this account's cursor.
    let (_, other_token) = app.provision_with_admin_token("Premium", 0).await;
    app.call_as(&other_token, Method::GET, &format!("/groups?limit=7&cursor={groups_cursor}"), None)
        .await
        .expect_problem(400, "invalid_cursor");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_administrators_read_but_never_write() {
    let app = TestApp::start().await;
    let (n, token) = app.create_operator_with_token("Nora Normal", "nora@example.com").await;
    let g = app.create_group("Watched").await;
    let before = group(&app, &g).await;
    let counters = group_counters(&app).await;

    let writes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::POST, "/groups".into(), Some(json!({"description": "Mine"}))),
        (Method::POST, "/groups".into(), Some(json!({"nonsense": true}))),
        (Method::PATCH, format!("/groups/{g}"), Some(json!({"description": "Renamed"}))),
        (Method::PATCH, "/groups/everyone".into(), Some(json!({"description": "Renamed"}))),
        (Method::DELETE, format!("/groups/{g}"), None),
        (Method::DELETE, "/groups/no-such-group".into(), None),
        (Method::PUT, format!("/groups/{g}/members/{n}"), None),
        (Method::PUT, format!("/groups/administrators/members/{n}"), None),
        (Method::DELETE, format!("/groups/{g}/members/{n}"), None),
        (Method::DELETE, format!("/groups/administrators/members/{}", app.account.admin_operator_id), None),
        (Method::PUT, format!("/groups/{g}/permissions/ShareDashboards"), None),
        (Method::PUT, format!("/groups/{g}/permissions/Bogus"), None),
        (Method::DELETE, format!("/groups/{g}/permissions/ShareDashboards"), None),
        (Method::POST, format!("/groups/{g}/duty"), Some(json!({"isOnDuty": false}))),
        (Method::POST, format!("/groups/{g}/duty"), Some(json!({}))),
    ];
    app.expect_problem_each_as(&token, writes, 403, "forbidden").await;
    let not_json = app.req_as(&token, Method::POST, "/groups").header("content-type", "text/plain").body("hi");
    send(not_json).await.expect_problem(403, "forbidden");

    for path in [
        "/groups".to_owned(),
        format!("/groups/{g}"),
        format!("/groups/{g}/members"),
        format!("/groups/{g}/permissions"),
        "/groups/administrators/members".to_owned(),
    ] {
        app.call_as(&token, Method::GET, &path, None).await.expect(200);
    }
    assert_eq!(app.call_as(&token, Method::GET, &format!("/groups/{g}"), None).await.body, before.body);
    assert_eq!(group_counters(&app).await, counters);
    assert_eq!(group(&app, "administrators").await.body["memberCount"], 1);
    let nora = app.call(Method::GET, &format!("/operators/{n}"), None).await.expect(200);
    assert_eq!((nora.body["isAdministrator"].as_bool(), nora.body["isOnDuty"].as_bool()), (Some(false), Some(true)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn if_match_guards_patch_and_delete() {
    let app = TestApp::start().await;
    let g = app.create_group("Versioned").await;
    let patch = |etag: &'static str, description: &'static str| {
        app.req(Method::PATCH, &format!("/groups/{g}"))
            .header("if-match", etag)
            .json(&json!({"description": description}))
    };
    send(patch("\"7\"", "Stale")).await.expect_problem(412, "version_conflict");
    send(patch("garbage", "Stale")).await.expect_problem(412, "version_conflict");
    let ok = send(patch("\"1\"", "Fresh")).await.expect(200);
    assert_eq!((ok.body["version"].as_i64(), ok.header("etag")), (Some(2), Some("\"2\"")));
    send(patch("\"1\"", "Stale again")).await.expect_problem(412, "version_conflict");
    send(patch("W/\"2\"", "Weakly fresh")).await.expect(200);
    send(patch("*", "Anything")).await.expect(200);
    assert_eq!(group(&app, &g).await.body["description"], "Anything");

    let delete = |etag: &'static str| app.req(Method::DELETE, &format!("/groups/{g}")).header("if-match", etag);
    send(delete("\"1\"")).await.expect_problem(412, "version_conflict");
    // A membership change moves the version too.
    let op = app.create_operator("Vic", "vic@example.com").await;
    app.add_member(&g, &op).await;
    send(delete("\"4\"")).await.expect_problem(412, "version_conflict");
    assert_eq!(group(&app, &g).await.header("etag"), Some("\"5\""));
    send(delete("\"5\"")).await.expect(204);
    app.call(Method::GET, &format!("/groups/{g}"), None).await.expect_problem(404, "not_found");
    assert_eq!(group_counters(&app).await, (2, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_key_replays_and_refuses_reuse() {
    let app = TestApp::start().await;
    let post = |key: &str, body: Value| app.req(Method::POST, "/groups").header("idempotency-key", key).json(&body);

    let first = send(post("key-1", json!({"description": "Replayed"}))).await.expect(201);
    let again = send(post("key-1", json!({"description": "Replayed"}))).await.expect(201);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(group_counters(&app).await, (3, 1));
    let listed = app.list_all(&app.admin_token, "/groups").await;
    assert_eq!(field(&listed, "description").iter().filter(|d| d.as_str() == "Replayed").count(), 1);

    send(post("key-1", json!({"description": "Something else"}))).await.expect_problem(422, "idempotency_key_reused");
    // Another key with the same body is a new create, refused by the unique name.
    send(post("key-2", json!({"description": "Replayed"}))).await.expect_problem(409, "group_name_taken");
    // A failed create stores nothing under its key: it can be used for a valid body.
    send(post("key-2", json!({"description": "Second"}))).await.expect(201);
    send(post(&"k".repeat(256), json!({"description": "Third"}))).await.expect_problem(400, "validation_failed");
    assert_eq!(group_counters(&app).await, (4, 2));

    // Keys are private to their caller.
    let x = app.create_operator("Xena", "xena@example.com").await;
    app.add_member("administrators", &x).await;
    let x_token = app.token(&app.account.account_id, &x);
    let other = app
        .req_as(&x_token, Method::POST, "/groups")
        .header("idempotency-key", "key-1")
        .json(&json!({"description": "Xena's"}));
    let created = send(other).await.expect(201);
    assert_ne!(created.str("groupId"), first.str("groupId"));
    assert_eq!(group_counters(&app).await, (5, 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duty_switches_every_member_and_keeps_the_active_counter_exact() {
    let app = TestApp::start().await;
    let g = app.create_group("Shift").await;
    let workers = (0..12).map(|i| (format!("Shift worker {i:02}"), format!("worker{i}@example.com")));
    let members = members_of(&app, &[&g], workers).await;
    let outsider = app.create_operator("Outsider", "outsider@example.com").await;
    // One member is already off.
    app.call(Method::PATCH, &format!("/operators/{}", members[0]), Some(json!({"isOnDuty": false}))).await.expect(200);
    assert_eq!(operators_active(&app).await, 13);

    app.call(Method::POST, &format!("/groups/{g}/duty"), Some(json!({"isOnDuty": false}))).await.expect(204);
    for id in &members {
        let op = app.call(Method::GET, &format!("/operators/{id}"), None).await.expect(200);
        assert_eq!((op.body["isOnDuty"].as_bool(), op.body["onDutyNow"].as_bool()), (Some(false), Some(false)), "{id}");
    }
    assert_eq!(app.call(Method::GET, &format!("/operators/{outsider}"), None).await.expect(200).body["isOnDuty"], true);
    assert_eq!(operators_active(&app).await, 2);
    let listed_active = app.list_all(&app.admin_token, "/operators?isOnDuty=true").await;
    assert_eq!(
        field(&listed_active, "operatorId").into_iter().collect::<BTreeSet<_>>(),
        BTreeSet::from([app.account.admin_operator_id.clone(), outsider.clone()])
    );
    let version_of = |reply: Reply| reply.body["version"].as_i64().unwrap();
    let before = version_of(app.call(Method::GET, &format!("/operators/{}", members[1]), None).await.expect(200));

    // Already off: nothing changes.
    app.call(Method::POST, &format!("/groups/{g}/duty"), Some(json!({"isOnDuty": false}))).await.expect(204);
    assert_eq!(
        version_of(app.call(Method::GET, &format!("/operators/{}", members[1]), None).await.expect(200)),
        before
    );
    assert_eq!(operators_active(&app).await, 2);

    // A deleted member is simply not there any more.
    app.call(Method::DELETE, &format!("/operators/{}", members[5]), None).await.expect(204);
    app.call(Method::POST, &format!("/groups/{g}/duty"), Some(json!({"isOnDuty": true}))).await.expect(204);
    assert_eq!(operators_active(&app).await, 13);
    let listed_active = app.list_all(&app.admin_token, "/operators?isOnDuty=true").await;
    assert_eq!(listed_active.len(), 13);

    // Everyone's switch at once.
    app.call(Method::POST, "/groups/everyone/duty", Some(json!({"isOnDuty": false}))).await.expect(204);
    assert_eq!(operators_active(&app).await, 0);
    app.call(Method::POST, "/groups/everyone/duty", Some(json!({"isOnDuty": true}))).await.expect(204);
    assert_eq!(operators_active(&app).await, 13);

    for bad in [
        json!({}),
        json!({"isOnDuty": "yes"}),
        json!({"isOnDuty": null}),
        json!({"isOnDuty": true, "extra": 1}),
        json!([true]),
    ] {
        app.call(Method::POST, &format!("/groups/{g}/duty"), Some(bad)).await.expect_problem(400, "validation_failed");
    }
    app.call(Method::POST, "/groups/no-such-group/duty", Some(json!({"isOnDuty": true})))
        .await
        .expect_problem(404, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_accounts_ids_are_not_found() {
    let app = TestApp::start().await;
    let op = app.create_operator("Home Op", "home@example.com").await;
    let g = app.create_group_with("Home group", &op).await;
    let (other, token) = app.provision_with_admin_token("Premium", 0).await;

    let calls: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/groups/{g}"), None),
        (Method::PATCH, format!("/groups/{g}"), Some(json!({"description": "Stolen"}))),
        (Method::DELETE, format!("/groups/{g}"), None),
        (Method::GET, format!("/groups/{g}/members"), None),
        (Method::PUT, format!("/groups/{g}/members/{}", other.admin_operator_id), None),
        (Method::DELETE, format!("/groups/{g}/members/{op}"), None),
        (Method::GET, format!("/groups/{g}/permissions"), None),
        (Method::PUT, format!("/groups/{g}/permissions/ShareDashboards"), None),
        (Method::DELETE, format!("/groups/{g}/permissions/ShareDashboards"), None),
        (Method::POST, format!("/groups/{g}/duty"), Some(json!({"isOnDuty": false}))),
        // This account's operator in the other account's own group.
        (Method::PUT, format!("/groups/administrators/members/{op}"), None),
        (Method::DELETE, format!("/groups/administrators/members/{op}"), None),
    ];
    app.expect_problem_each_as(&token, calls, 404, "not_found").await;
    let theirs = app.list_all(&token, "/groups").await;
    assert_eq!(field(&theirs, "groupId"), ["administrators", "everyone"]);
    let home = group(&app, &g).await;
    assert_eq!(
        (home.body["description"].as_str(), home.body["memberCount"].as_i64(), home.body["version"].as_i64()),
        (Some("Home group"), Some(1), Some(2))
    );
    assert_eq!(app.call(Method::GET, &format!("/operators/{op}"), None).await.expect(200).body["isOnDuty"], true);
    assert_eq!(group_counters(&app).await, (3, 0));
    let theirs = app.account_record(&other.account_id).await;
    assert_eq!((theirs.groups_total, theirs.groups_empty, theirs.operators_total), (2, 0, 1));
}

/// Every member of Administrators tries, four times at once, to leave it: exactly one stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_removals_never_empty_administrators() {
    let app = TestApp::start().await;
    let racers = (0..4).map(|i| (format!("Racer {i}"), format!("racer{i}@example.com")));
    let mut members = vec![app.account.admin_operator_id.clone()];
    members.extend(members_of(&app, &["administrators"], racers).await);
    assert_eq!(group(&app, "administrators").await.body["memberCount"], 5);

    let requests = (0..20).map(|i| {
        let member = members[i % members.len()].clone();
        let token = app.token(&app.account.account_id, &member);
        let app = &app;
        async move {
            let reply =
                app.call_as(&token, Method::DELETE, &format!("/groups/administrators/members/{member}"), None).await;
            (member, reply)
        }
    });
    let replies = futures::future::join_all(requests).await;

    let mut refused = BTreeSet::new();
    for (member, reply) in &replies {
        match (reply.status.as_u16(), if reply.status.is_success() { "" } else { reply.code() }) {
            (204, _) | (403, "forbidden") => {}
            (409, "last_administrator") => {
                refused.insert(member.clone());
            }
            other => panic!("unexpected reply {other:?} for {member}: {}", reply.body),
        }
    }
    let admins = group(&app, "administrators").await;
    assert_eq!(admins.body["memberCount"], 1);
    let token = app.token(&app.account.account_id, &members[0]);
    let listed = field(&app.list_all(&token, "/groups/administrators/members").await, "operatorId");
    assert_eq!(listed.len(), 1);
    let mut flagged = Vec::new();
    for id in &members {
        let op = app.call_as(&token, Method::GET, &format!("/operators/{id}"), None).await.expect(200);
        if op.body["isAdministrator"] == true {
            flagged.push(id.clone());
        }
    }
    assert_eq!(flagged, listed);
    // Only the survivor was ever told it was the last one.
    assert_eq!(refused, BTreeSet::from([listed[0].clone()]));
    assert_eq!(group_counters(&app).await, (2, 0));
}

/// Twenty removals of four different members at once: all succeed (or find the member gone), and
/// the count ends exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_removals_of_other_members_keep_the_count_exact() {
    let app = TestApp::start().await;
    let g = app.create_group("Crowd").await;
    let crowd = (0..4).map(|i| (format!("Crowd {i}"), format!("crowd{i}@example.com")));
    let members = members_of(&app, &["administrators", &g], crowd).await;
    let requests = (0..20).map(|i| {
        // Every member leaves both groups, each twice or three times.
        let member = members[(i / 2) % members.len()].clone();
        let group = if i % 2 == 0 { "administrators".to_owned() } else { g.clone() };
        let app = &app;
        async move { app.call(Method::DELETE, &format!("/groups/{group}/members/{member}"), None).await }
    });
    for reply in futures::future::join_all(requests).await {
        reply.expect(204);
    }
    assert_eq!(group(&app, "administrators").await.body["memberCount"], 1);
    assert_eq!(group(&app, &g).await.body["memberCount"], 0);
    assert_eq!(group_counters(&app).await, (3, 1));
    for id in &members {
        assert_eq!(
            app.call(Method::GET, &format!("/operators/{id}"), None).await.expect(200).body["isAdministrator"],
            false
        );
        assert_eq!(groups_of(&app, id).await, ["everyone"]);
    }

    // And concurrent adds of the same member are one membership.
    let adds = (0..10).map(|_| {
        let app = &app;
        let (g, m) = (g.clone(), members[0].clone());
        async move { app.call(Method::PUT, &format!("/groups/{g}/members/{m}"), None).await }
    });
    for reply in futures::future::join_all(adds).await {
        reply.expect(204);
    }
    assert_eq!(group(&app, &g).await.body["memberCount"], 1);
    assert_eq!(group_counters(&app).await, (3, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_are_problems() {
    let app = TestApp::start().await;
    let g = app.create_group("Target").await;
    let raw = |method: Method, path: &str, content_type: &str, body: &'static str| {
        app.req(method, path).header("content-type", content_type).body(body)
    };
    for (method, path) in [
        (Method::POST, "/groups".to_owned()),
        (Method::PATCH, format!("/groups/{g}")),
        (Method::POST, format!("/groups/{g}/duty")),
    ] {
        send(raw(method.clone(), &path, "application/json", "{\"description\":"))
            .await
            .expect_problem(400, "malformed_json");
        send(raw(method.clone(), &path, "application/json", "")).await.expect_problem(400, "malformed_json");
        send(raw(method.clone(), &path, "text/plain", "{\"description\": \"x\"}"))
            .await
            .expect_problem(415, "unsupported_media_type");
        send(app.req(method.clone(), &path)).await.expect_problem(400, "malformed_json");
        // The server answers 413 without reading the body and then closes the connection, so
        // this request must not hand its connection back to the client's pool.
        let too_big = format!("{{\"description\": \"{}\"}}", "x".repeat(70 * 1024));
        send(
            app.req(method.clone(), &path)
                .header("content-type", "application/json")
                .header("connection", "close")
                .body(too_big),
        )
        .await
        .expect_problem(413, "payload_too_large");
    }

    let wrong_type = app
        .call(Method::POST, "/groups", Some(json!({"description": 5})))
        .await
        .expect_problem(400, "validation_failed");
    assert_eq!(wrong_type.body["errors"][0]["field"], "description");
    let unknown = app
        .call(Method::POST, "/groups", Some(json!({"description": "x", "color": "red"})))
        .await
        .expect_problem(400, "validation_failed");
    assert!(unknown.body["errors"][0]["message"].as_str().unwrap().contains("color"), "{}", unknown.body);
    let missing = app.call(Method::POST, "/groups", Some(json!({}))).await.expect_problem(400, "validation_failed");
    assert_eq!(missing.body["errors"][0]["field"], "description");
    for bad in [json!(""), json!("   "), json!("x".repeat(101)), json!("tab\tinside"), json!(null)] {
        app.call(Method::POST, "/groups", Some(json!({"description": bad})))
            .await
            .expect_problem(400, "validation_failed");
        app.call(Method::PATCH, &format!("/groups/{g}"), Some(json!({"description": bad})))
            .await
            .expect_problem(400, "validation_failed");
    }
    app.call(Method::PATCH, &format!("/groups/{g}"), Some(json!({"description": "y", "isEveryone": true})))
        .await
        .expect_problem(400, "validation_failed");
    app.call(Method::PATCH, &format!("/groups/{g}"), Some(json!({"memberCount": 3})))
        .await
        .expect_problem(400, "validation_failed");
    app.call(Method::POST, "/groups", Some(json!(["description"]))).await.expect_problem(400, "validation_failed");
    let longest = app.call(Method::POST, "/groups", Some(json!({"description": "é".repeat(100)}))).await.expect(201);
    assert_eq!(longest.body["description"].as_str().unwrap().chars().count(), 100);

    // Nothing above changed the target or created anything else.
    let target = group(&app, &g).await;
    assert_eq!((target.body["description"].as_str(), target.body["version"].as_i64()), (Some("Target"), Some(1)));
    assert_eq!(group_counters(&app).await, (4, 2));
    app.call(Method::GET, "/groups/x/nope", None).await.expect_problem(404, "not_found");
    app.call(Method::PUT, "/groups", None).await.expect_problem(405, "method_not_allowed");
}
