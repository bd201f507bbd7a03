//! The audit log: one event per successful write, in the write's transaction, with who, from
//! where, what and the changed fields; none for refusals and replays; read by administrators of
//! the account only, filtered on keys made for it, and exported as CSV.

use hub_e2e::{TestApp, send};
use reqwest::Method;
use serde_json::{Value, json};

use crate::api_users::{basic, create_api_user};
use crate::scim::{provider, scim, scim_token};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// Every event of the first account visible with `token` and `query`, following cursors.
async fn events(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    app.list_all(token, &format!("/audit-log?{query}")).await
}

/// The events of `all` written after the log held `start`, oldest first (the log lists newest
/// first).
fn written_since(all: &[Value], start: usize) -> Vec<Value> {
    all[..all.len() - start].iter().rev().cloned().collect()
}

/// The events written after the log held `start`, read now as the administrator, oldest first.
async fn events_since(app: &TestApp, start: usize) -> Vec<Value> {
    written_since(&events(app, &app.admin_token, "").await, start)
}

/// Each event's action, in order.
fn actions(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["action"].as_str().unwrap()).collect()
}

/// The same PATCH of `path` twice as the administrator, both 200: the second changes nothing.
async fn patch_twice(app: &TestApp, path: &str, body: Value) {
    for _ in 0..2 {
        app.call(Method::PATCH, path, Some(body.clone())).await.expect(200);
    }
}

/// Deletes `path` as the administrator (204), then retries: 404 `not_found`.
async fn delete_then_retry(app: &TestApp, path: &str) {
    app.call(Method::DELETE, path, None).await.expect(204);
    app.call(Method::DELETE, path, None).await.expect_problem(404, "not_found");
}

fn change<'a>(event: &'a Value, field: &str) -> &'a Value {
    event["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == field)
        .unwrap_or_else(|| panic!("no change of {field} in {event}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_create_writes_one_event_with_actor_source_target_and_changes() {
    let app = TestApp::start().await;
    let admin = app.account.admin_operator_id.clone();
    // Setting up the API user and the SCIM token are writes this change does not audit yet;
    // the log is read as the difference from here on.
    let bot = create_api_user(&app, &app.admin_token, None, "Deploy script").await;
    let scim_token = scim_token(&app, &app.admin_token).await;
    let idp = scim(&app, &scim_token);
    let before = events(&app, &app.admin_token, "").await.len();

    // Web: an administrator's token.
    let grace = app.create_operator("Grace Hopper", "grace@example.com").await;
    // Refused (the email is taken): no event.
    app.post_operator(json!({"email": "GRACE@example.com", "fullName": "Grace Again"}))
        .await
        .expect_problem(409, "email_taken");
    // Replayed: one event for the first answer only.
    for _ in 0..2 {
        app.post_keyed("/groups", "k-1", &json!({"description": "Night shift"})).await.expect(201);
    }
    // Api: an API user acts with its owner's rights.
    let ops = basic(&app, &bot, Method::POST, "/groups", Some(json!({"description": "Ops"})))
        .await
        .expect(201)
        .str("groupId");
    // Scim: a SCIM token.
    let ada = idp
        .create("/Users", json!({"schemas": [USER], "userName": "ada@example.com", "displayName": "Ada Lovelace"}))
        .await;
    let crew = idp.create("/Groups", json!({"schemas": [GROUP], "displayName": "Crew"})).await;
    // Refused by SCIM (the userName is taken): no event.
    let taken =
        idp.post("/Users", json!({"schemas": [USER], "userName": "ada@example.com", "displayName": "Ada Two"})).await;
    assert_eq!(taken.status.as_u16(), 409);

    let all = events(&app, &app.admin_token, "").await;
    assert_eq!(all.len() - before, 5, "one event per successful create: {all:#?}");
    let new = &all[..5];
    // Newest first.
    let times: Vec<&str> = all.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    for e in new {
        assert!(e["at"].as_str().unwrap().len() == "2026-11-30T10:00:00.123Z".len(), "{e}");
        assert!(!e["eventId"].as_str().unwrap().is_empty() && !e["requestId"].as_str().unwrap().is_empty());
    }
    let by_target =
        |id: &str| new.iter().find(|e| e["target"]["id"] == id).unwrap_or_else(|| panic!("no event for {id}")).clone();

    let e = by_target(&grace);
    assert_eq!((e["source"].as_str(), e["action"].as_str()), (Some("Web"), Some("operator.created")));
    assert_eq!(
        e["actor"],
        json!({"type": "Operator", "id": admin, "name": "Ada Admin", "apiUserId": null, "apiUserName": null}),
        "{e}"
    );
    assert_eq!(e["target"], json!({"type": "Operator", "id": grace, "name": "Grace Hopper"}));
    assert_eq!(change(&e, "fullName"), &json!({"field": "fullName", "old": null, "new": "Grace Hopper"}));
    assert_eq!(change(&e, "email")["new"], "grace@example.com");

    let night = new.iter().filter(|e| e["target"]["name"] == "Night shift").count();
    assert_eq!(night, 1, "the replay wrote nothing");

    let e = by_target(&ops);
    assert_eq!((e["source"].as_str(), e["action"].as_str()), (Some("Api"), Some("group.created")));
    assert_eq!(
        (e["actor"]["id"].as_str(), e["actor"]["apiUserId"].as_str()),
        (Some(admin.as_str()), Some(bot.id.as_str()))
    );
    assert_eq!(change(&e, "description")["new"], "Ops");

    let e = by_target(&ada);
    assert_eq!(
        (e["source"].as_str(), e["action"].as_str(), e["actor"]["type"].as_str()),
        (Some("Scim"), Some("operator.created"), Some("ScimToken"))
    );
    assert_eq!(e["target"]["name"], "Ada Lovelace");
    let e = by_target(&crew);
    assert_eq!((e["source"].as_str(), e["action"].as_str()), (Some("Scim"), Some("group.created")));

    // Never a secret: neither the API user's password nor the SCIM token, nor a prefix of them.
    let text = serde_json::to_string(&all).unwrap();
    assert!(
        !text.contains(&bot.password[..12])
            && !text.contains(&scim_token[..16])
            && !text.contains("passwordHash")
            && !text.contains("tokenHash")
    );

    // Filters, alone and combined; each is one key of the log.
    let ids =
        |list: Vec<Value>| list.iter().map(|e| e["target"]["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(ids(events(&app, &app.admin_token, &format!("targetId={grace}")).await), std::slice::from_ref(&grace));
    assert_eq!(
        ids(events(&app, &app.admin_token, &format!("targetType=Operator&targetId={grace}")).await),
        std::slice::from_ref(&grace)
    );
    assert!(events(&app, &app.admin_token, &format!("targetType=Group&targetId={grace}")).await.is_empty());
    assert_eq!(ids(events(&app, &app.admin_token, "source=Scim").await), [crew.clone(), ada.clone()]);
    assert_eq!(ids(events(&app, &app.admin_token, "source=Scim&targetType=Group").await), std::slice::from_ref(&crew));
    assert_eq!(ids(events(&app, &app.admin_token, "source=Api").await), std::slice::from_ref(&ops));
    assert_eq!(events(&app, &app.admin_token, &format!("actorId={admin}&action=group.created")).await.len(), 2);
    assert_eq!(
        ids(events(&app, &app.admin_token, &format!("actorId={admin}&action=group.created&source=Api")).await),
        std::slice::from_ref(&ops)
    );
    assert_eq!(
        ids(events(&app, &app.admin_token, &format!("actorId={admin}&targetId={grace}&action=operator.created")).await),
        std::slice::from_ref(&grace)
    );
    assert!(events(&app, &app.admin_token, "action=group.created&targetType=Operator").await.is_empty());
    assert_eq!(events(&app, &app.admin_token, "targetType=Operator&source=Scim").await.len(), 1);
    let grace_at = by_target(&grace)["at"].as_str().unwrap().to_owned();
    let since = events(&app, &app.admin_token, &format!("from={grace_at}")).await;
    assert!(since.len() >= 5 && since.iter().all(|e| e["at"].as_str().unwrap() >= grace_at.as_str()));
    let until = events(&app, &app.admin_token, &format!("to={grace_at}&targetType=Operator")).await;
    assert!(until.iter().any(|e| e["target"]["id"] == grace) && until.iter().all(|e| e["target"]["id"] != ada));

    // Paging one event at a time walks the same events in the same order.
    let paged = events(&app, &app.admin_token, "limit=1").await;
    assert_eq!(paged, all);
    // A cursor of one filter set is refused for another.
    let first = app.call(Method::GET, "/audit-log?limit=1&source=Scim", None).await.expect(200);
    let cursor = first.body["nextCursor"].as_str().unwrap().to_owned();
    app.call(Method::GET, &format!("/audit-log?limit=1&source=Web&cursor={cursor}"), None)
        .await
        .expect_problem(400, "invalid_cursor");
    // Bad filters are validation errors.
    for bad in
        ["source=Fax", "action=operator.exploded", "targetType=Planet", "from=yesterday", "limit=0", "colour=red"]
    {
        app.call(Method::GET, &format!("/audit-log?{bad}"), None).await.expect_problem(400, "validation_failed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_is_for_administrators_of_its_own_account() {
    let app = TestApp::start().await;
    let (member, member_token) = app.create_operator_with_token("Mia Member", "mia@example.com").await;
    app.call_as(&member_token, Method::GET, "/audit-log", None).await.expect_problem(403, "forbidden");
    send(app.req_as(&member_token, Method::GET, "/audit-log").header("accept", "text/csv"))
        .await
        .expect_problem(403, "forbidden");
    let bot = create_api_user(&app, &member_token, None, "Member's script").await;
    basic(&app, &bot, Method::GET, "/audit-log", None).await.expect_problem(403, "forbidden");

    let (b, b_admin) = app.provision_with_admin_token("Business", 0).await;
    let b_group = app
        .call_as(&b_admin, Method::POST, "/groups", Some(json!({"description": "B team"})))
        .await
        .expect(201)
        .str("groupId");
    let a_events = events(&app, &app.admin_token, "").await;
    let b_events = events(&app, &b_admin, "").await;
    assert!(a_events.iter().any(|e| e["target"]["id"] == member));
    // B's log: its provisioning (hubctl) and its group, nothing of A.
    let b_targets: Vec<&str> = b_events.iter().map(|e| e["target"]["id"].as_str().unwrap()).collect();
    assert_eq!(b_targets, [b_group.as_str(), b.account_id.as_str()]);
    assert_eq!(
        (b_events[1]["action"].as_str(), b_events[1]["source"].as_str()),
        (Some("account.created"), Some("Provisioning"))
    );
    assert_eq!(b_events[1]["actor"]["type"], "System");
    // A's ids name nothing in B's log, under any key.
    let a_admin = &app.account.admin_operator_id;
    for query in [
        format!("targetId={member}"),
        format!("actorId={a_admin}"),
        format!("actorId={a_admin}&targetType=Operator"),
        "source=Web".into(),
    ] {
        assert!(events(&app, &b_admin, &query).await.iter().all(|e| e["target"]["id"] == b_group), "{query}");
    }
    // A's cursor is not B's.
    app.create_group("A team").await;
    let page = app.call(Method::GET, "/audit-log?limit=1", None).await.expect(200);
    let cursor = page.body["nextCursor"].as_str().unwrap().to_owned();
    app.call_as(&b_admin, Method::GET, &format!("/audit-log?limit=1&cursor={cursor}"), None)
        .await
        .expect_problem(400, "invalid_cursor");
}

/// Parses CSV with Python's `csv` module (a spreadsheet-grade reader, not this crate's writer).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    use std::io::Write;
    let mut child = std::process::Command::new("python3")
        .args(["-c", "import csv, io, json, sys; print(json.dumps(list(csv.reader(io.StringIO(sys.stdin.buffer.read().decode('utf-8'), newline='')))))"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_csv_export_reads_back_to_the_same_events_with_formulas_neutralised() {
    let app = TestApp::start().await;
    for name in ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1 Plus", "-Minus, Comma", "@At \"quoted\""] {
        app.create_group(name).await;
    }
    // More events than one export page.
    for i in 0..105 {
        app.create_group(&format!("Group {i:03}")).await;
    }
    let json = events(&app, &app.admin_token, "").await;
    let reply = app.req(Method::GET, "/audit-log").header("accept", "text/csv").send().await.unwrap();
    assert_eq!(reply.status().as_u16(), 200);
    assert_eq!(reply.headers()["content-type"], "text/csv; charset=utf-8");
    let text = reply.text().await.unwrap();
    // The header as a CSV consumer reads it: the first line, CRLF-terminated (RFC 4180).
    let header = "eventId,at,requestId,source,actorType,actorId,actorName,apiUserId,apiUserName,action,targetType,targetId,targetName,changes\r\n";
    assert!(text.starts_with(header), "{:?}", text.lines().next());
    let rows = parse_csv(&text);
    assert_eq!(rows.len() - 1, json.len());
    let unneutral = |cell: &str| {
        cell.strip_prefix('\'')
            .filter(|rest| rest.starts_with(['=', '+', '-', '@', '\t', '\r']))
            .unwrap_or(cell)
            .to_owned()
    };
    for (row, e) in rows[1..].iter().zip(&json) {
        let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
        let expected = [
            text(&e["eventId"]),
            text(&e["at"]),
            text(&e["requestId"]),
            text(&e["source"]),
            text(&e["actor"]["type"]),
            text(&e["actor"]["id"]),
            text(&e["actor"]["name"]),
            text(&e["actor"]["apiUserId"]),
            text(&e["actor"]["apiUserName"]),
            text(&e["action"]),
            text(&e["target"]["type"]),
            text(&e["target"]["id"]),
            text(&e["target"]["name"]),
        ];
        let got: Vec<String> = row[..13].iter().map(|c| unneutral(c)).collect();
        assert_eq!(got, expected);
        let changes: Value = serde_json::from_str(&row[13]).unwrap();
        assert_eq!(changes, e["changes"]);
        // No cell a spreadsheet would evaluate.
        assert!(row.iter().all(|c| !c.starts_with(['=', '+', '-', '@', '\t', '\r'])), "{row:?}");
    }
    let names: Vec<&str> = rows[1..].iter().map(|r| r[12].as_str()).collect();
    assert!(
        names.contains(&"'=HYPERLINK(\"http://evil.example\",\"x\")")
            && names.contains(&"'+1 Plus")
            && names.contains(&"'-Minus, Comma")
    );
    // Filters apply to the export too.
    let reply =
        app.req(Method::GET, "/audit-log?targetType=Operator").header("accept", "text/csv").send().await.unwrap();
    assert_eq!(parse_csv(&reply.text().await.unwrap()).len(), 1, "only the header: no operator was created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_deletes_and_schedules_write_one_event_each_and_no_ops_none() {
    let app = TestApp::start().await;
    let idp = provider(&app).await;
    let grace = app.create_operator("Grace", "grace@example.com").await;
    let team = app.create_group("Team").await;
    let start = events(&app, &app.admin_token, "").await.len();

    // An update lists the changed fields only, and names the target as it is now.
    app.call(
        Method::PATCH,
        &format!("/operators/{grace}"),
        Some(json!({"fullName": "Grace Hopper", "isOnDuty": false})),
    )
    .await
    .expect(200);
    // The same values again: nothing changes, nothing is logged.
    app.call(Method::PATCH, &format!("/operators/{grace}"), Some(json!({"fullName": "Grace Hopper"})))
        .await
        .expect(200);
    // A stale If-Match is refused: nothing logged.
    let stale = app
        .req(Method::PATCH, &format!("/operators/{grace}"))
        .header("if-match", "\"1\"")
        .json(&json!({"fullName": "Old"}));
    send(stale).await.expect_problem(412, "version_conflict");
    app.call(Method::PATCH, &format!("/operators/{grace}"), Some(json!({"isDisabled": true}))).await.expect(200);
    app.call(Method::PATCH, &format!("/operators/{grace}"), Some(json!({"isDisabled": false}))).await.expect(200);
    let schedule = app
        .call(
            Method::POST,
            &format!("/operators/{grace}/duty-schedules"),
            Some(json!({"mode": "Weekly", "weekDay": "Sunday", "startTime": "00:00", "endTime": "23:59"})),
        )
        .await
        .expect(201)
        .str("scheduleId");
    app.call(Method::DELETE, &format!("/operators/{grace}/duty-schedules/{schedule}"), None).await.expect(204);
    patch_twice(&app, &format!("/groups/{team}"), json!({"description": "A Team"})).await;
    // SCIM renames the group.
    let put = json!({"schemas": [GROUP], "displayName": "The A Team"});
    idp.put(&format!("/Groups/{team}"), put).await.expect(200);
    // Deletes: one event each, and a retried delete adds none.
    delete_then_retry(&app, &format!("/groups/{team}")).await;
    delete_then_retry(&app, &format!("/operators/{grace}")).await;

    let new = events_since(&app, start).await;
    assert_eq!(
        actions(&new),
        [
            "operator.updated",
            "operator.disabled",
            "operator.enabled",
            "dutySchedule.created",
            "dutySchedule.deleted",
            "group.updated",
            "group.updated",
            "group.deleted",
            "operator.deleted"
        ]
    );
    let updated = &new[0];
    let mut fields: Vec<&str> =
        updated["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["fullName", "isOnDuty"]);
    assert_eq!(change(updated, "fullName"), &json!({"field": "fullName", "old": "Grace", "new": "Grace Hopper"}));
    assert_eq!(updated["target"]["name"], "Grace Hopper");
    assert_eq!(change(&new[1], "isDisabled"), &json!({"field": "isDisabled", "old": false, "new": true}));
    assert_eq!(
        (new[3]["target"]["type"].as_str(), new[3]["target"]["id"].as_str()),
        (Some("DutySchedule"), Some(schedule.as_str()))
    );
    assert_eq!(change(&new[3], "mode")["new"], "Weekly");
    assert_eq!(change(&new[4], "mode"), &json!({"field": "mode", "old": "Weekly", "new": null}));
    assert_eq!(change(&new[5], "description"), &json!({"field": "description", "old": "Team", "new": "A Team"}));
    assert_eq!(
        (new[6]["source"].as_str(), change(&new[6], "description")["new"].as_str()),
        (Some("Scim"), Some("The A Team"))
    );
    assert_eq!(
        (new[7]["target"]["name"].as_str(), change(&new[7], "description")["old"].as_str()),
        (Some("The A Team"), Some("The A Team"))
    );
    assert_eq!(change(&new[8], "email"), &json!({"field": "email", "old": "grace@example.com", "new": null}));
    // The target's history, by id.
    let history = events(&app, &app.admin_token, &format!("targetId={grace}")).await;
    assert_eq!(history.len(), 5, "created, updated, disabled, enabled, deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_and_memberships_write_one_event_each_and_repeats_none() {
    let app = TestApp::start().await;
    let idp = provider(&app).await;
    let kim = app.create_operator("Kim", "kim@example.com").await;
    let lee = app.create_operator("Lee", "lee@example.com").await;
    let team = app.create_group("Team").await;
    let start = events(&app, &app.admin_token, "").await.len();

    for _ in 0..2 {
        // The second of each pair is a no-op (already held / already a member): no event.
        app.grant(&kim, "AllowInfra").await;
        app.call(Method::PUT, &format!("/groups/{team}/permissions/ShareDashboards"), None).await.expect(204);
        app.add_member(&team, &kim).await;
        app.add_member("administrators", &lee).await;
    }
    for _ in 0..2 {
        app.revoke(&kim, "AllowInfra").await;
        app.call(Method::DELETE, &format!("/groups/{team}/permissions/ShareDashboards"), None).await.expect(204);
        app.call(Method::DELETE, &format!("/groups/{team}/members/{kim}"), None).await.expect(204);
    }
    // Refused: Everyone's membership is fixed.
    app.call(Method::DELETE, &format!("/groups/everyone/members/{kim}"), None)
        .await
        .expect_problem(409, "system_group_immutable");
    // SCIM sets the members: two added in one transaction, one event listing both.
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "members", "value": [{"value": kim}, {"value": lee}]}]});
    idp.patch(&format!("/Groups/{team}"), patch).await;

    let new = events_since(&app, start).await;
    let summary: Vec<(String, String, Value)> = new
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["target"]["id"].as_str().unwrap().to_owned(),
                e["changes"][0].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary[..7],
        [
            (
                "operator.permissionGranted".into(),
                kim.clone(),
                json!({"field": "permission", "old": null, "new": "AllowInfra"})
            ),
            (
                "group.permissionGranted".into(),
                team.clone(),
                json!({"field": "permission", "old": null, "new": "ShareDashboards"})
            ),
            ("group.memberAdded".into(), team.clone(), json!({"field": "member", "old": null, "new": kim})),
            ("group.memberAdded".into(), "administrators".into(), json!({"field": "member", "old": null, "new": lee})),
            (
                "operator.permissionRevoked".into(),
                kim.clone(),
                json!({"field": "permission", "old": "AllowInfra", "new": null})
            ),
            (
                "group.permissionRevoked".into(),
                team.clone(),
                json!({"field": "permission", "old": "ShareDashboards", "new": null})
            ),
            ("group.memberRemoved".into(), team.clone(), json!({"field": "member", "old": kim, "new": null})),
        ]
    );
    assert_eq!(new[0]["target"]["name"], "Kim");
    assert_eq!(new[2]["target"]["name"], "Team");
    assert_eq!(new.len(), 8, "{new:#?}");
    let pushed = &new[7];
    assert_eq!(
        (pushed["source"].as_str(), pushed["action"].as_str(), pushed["target"]["id"].as_str()),
        (Some("Scim"), Some("group.memberAdded"), Some(team.as_str()))
    );
    let mut added: Vec<&str> =
        pushed["changes"].as_array().unwrap().iter().map(|c| c["new"].as_str().unwrap()).collect();
    let mut expected = vec![kim.as_str(), lee.as_str()];
    added.sort();
    expected.sort();
    assert_eq!(added, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_changes_and_sign_in_resets_write_one_event_each() {
    let app = TestApp::start().await;
    let account_id = app.account.account_id.clone();
    // The same name twice: the second PATCH writes no event.
    patch_twice(&app, "/account", json!({"name": "Acme Monitoring"})).await;
    let account_events = events(&app, &app.admin_token, "targetType=Account&action=account.updated").await;
    assert_eq!(account_events.len(), 1, "{account_events:#?}");
    assert_eq!(account_events[0]["action"], "account.updated");
    assert_eq!(account_events[0]["target"]["id"], account_id.as_str());
    assert_eq!(account_events[0]["target"]["name"], "Acme Monitoring");
    let fields: Vec<&str> =
        account_events[0]["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name"]);
    // The account's creation (hubctl's provisioning) is in the log too, by the system.
    let created = events(&app, &app.admin_token, "source=Provisioning").await;
    assert_eq!(created.len(), 1);
    assert_eq!(
        (created[0]["action"].as_str(), created[0]["actor"]["type"].as_str()),
        (Some("account.created"), Some("System"))
    );
    assert_eq!(change(&created[0], "administrator")["new"]["operatorId"], app.account.admin_operator_id.as_str());

    // Nothing bound: the reset is a no-op, no event.
    let op = app.create_operator("Sid Subject", "sid@example.com").await;
    app.call(Method::DELETE, &format!("/operators/{op}/sign-in"), None).await.expect(204);
    app.call(Method::DELETE, "/operators/00000000-0000-0000-0000-000000000000/sign-in", None)
        .await
        .expect_problem(404, "not_found");
    assert!(events(&app, &app.admin_token, "action=operator.signInReset").await.is_empty());
    // Bound: the reset writes one event, without the subject.
    let scope = hub_store::AccountScope::new(&account_id);
    let binding = hub_store::records::SignInBinding {
        issuer: "https://idp.example.com".into(),
        subject: "secret-subject-1".into(),
        bound_at: "2026-11-30T10:00:00Z".into(),
    };
    assert!(app.state.store.in_account(&scope).bind_operator_sign_in(&op.as_str().into(), &binding).await.unwrap());
    app.call(Method::DELETE, &format!("/operators/{op}/sign-in"), None).await.expect(204);
    app.call(Method::DELETE, &format!("/operators/{op}/sign-in"), None).await.expect(204);
    let resets = events(&app, &app.admin_token, &format!("action=operator.signInReset&targetId={op}")).await;
    assert_eq!(resets.len(), 1);
    assert_eq!(resets[0]["changes"], json!([{"field": "signInBound", "old": true, "new": false}]));
    assert!(!serde_json::to_string(&resets).unwrap().contains("secret-subject-1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_users_scim_tokens_and_monitors_write_one_event_each_without_secrets() {
    let app = TestApp::start().await;
    let op = app.create_operator("Mo Nitor", "mo@example.com").await;
    let start = events(&app, &app.admin_token, "").await.len();

    let bot = create_api_user(&app, &app.admin_token, None, "Deploy script").await;
    patch_twice(&app, &format!("/api-users/{}", bot.id), json!({"description": "Deploy bot"})).await;
    delete_then_retry(&app, &format!("/api-users/{}", bot.id)).await;

    let token = app.call(Method::POST, "/scim-tokens", Some(json!({"description": "Okta"}))).await.expect(201);
    let (token_id, token_secret) = (token.str("scimTokenId"), token.str("token"));
    delete_then_retry(&app, &format!("/scim-tokens/{token_id}")).await;

    let monitor = app.call(Method::POST, "/monitors", Some(json!({"name": "Shop"}))).await.expect(201).str("monitorId");
    app.call(Method::PATCH, &format!("/monitors/{monitor}"), Some(json!({"mode": "Staging"}))).await.expect(200);
    let grant = json!({"authorizationType": "ViewMonitor", "operatorId": op});
    let granted =
        app.call(Method::POST, &format!("/monitors/{monitor}/authorizations"), Some(grant.clone())).await.expect(201);
    // Already held: 201 with the same authorizations, no event.
    app.call(Method::POST, &format!("/monitors/{monitor}/authorizations"), Some(grant)).await.expect(201);
    let authorization = granted.items()[0]["authorizationId"].as_str().unwrap().to_owned();
    app.call(Method::DELETE, &format!("/monitors/{monitor}/authorizations/{authorization}"), None).await.expect(204);
    app.call(Method::DELETE, &format!("/monitors/{monitor}"), None).await.expect(204);

    let all = events(&app, &app.admin_token, "").await;
    let new = written_since(&all, start);
    assert_eq!(
        actions(&new),
        [
            "apiUser.created",
            "apiUser.updated",
            "apiUser.deleted",
            "scimToken.created",
            "scimToken.deleted",
            "monitor.created",
            "monitor.updated",
            "monitor.authorizationGranted",
            "monitor.authorizationRevoked",
            "monitor.deleted"
        ]
    );
    assert_eq!(new[1]["changes"], json!([{"field": "description", "old": "Deploy script", "new": "Deploy bot"}]));
    assert_eq!(
        (new[3]["target"]["id"].as_str(), new[3]["target"]["name"].as_str()),
        (Some(token_id.as_str()), Some("Okta"))
    );
    assert_eq!(change(&new[6], "mode"), &json!({"field": "mode", "old": "Production", "new": "Staging"}));
    // Levels are cumulative: ViewMonitor brings ViewMonitorData; one event, a change per level.
    let levels = |e: &Value, side: &str| {
        let mut l: Vec<String> = e["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c[side]["authorizationType"].as_str().unwrap().to_owned())
            .collect();
        l.sort();
        l
    };
    assert_eq!(levels(&new[7], "new"), ["ViewMonitor", "ViewMonitorData"]);
    assert!(
        new[7]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["new"]["principalId"] == op.as_str() && c["old"].is_null())
    );
    // Revoking the lowest level takes the higher one with it.
    assert_eq!(levels(&new[8], "old"), ["ViewMonitor", "ViewMonitorData"]);
    assert!(
        new[8]["changes"].as_array().unwrap().iter().any(|c| c["old"]["authorizationId"] == authorization.as_str())
    );
    // No secret, not even a part of one: passwords, tokens, their hashes, the Basic username.
    let text = serde_json::to_string(&all).unwrap();
    for secret in [&bot.password[..10], &token_secret[5..15], &bot.username[..12]] {
        assert!(!text.contains(secret), "{secret} in the log");
    }
    assert!(!text.contains("passwordHash") && !text.contains("tokenHash") && !text.contains("\"username\""));
}

/// The version each resource has now (its `ETag`), one after the other: a no-op must not move it.
async fn versions_of(app: &TestApp, paths: &[String]) -> Vec<i64> {
    let mut versions = Vec::new();
    for path in paths {
        versions.push(app.call(Method::GET, path, None).await.expect(200).body["version"].as_i64().unwrap());
    }
    versions
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_changes_nothing_writes_no_event_and_nothing_else() {
    let app = TestApp::start().await;
    let idp = provider(&app).await;
    let grace = app.create_operator("Grace", "grace@example.com").await;
    let team = app.create_group_with("Team", &grace).await;
    let monitor = app
        .call(Method::POST, "/monitors", Some(json!({"name": "Shop", "mode": "Staging"})))
        .await
        .expect(201)
        .str("monitorId");
    let window = json!({"mode": "Weekly", "weekDay": "Sunday", "startTime": "00:00", "endTime": "23:59"});
    let schedule = app
        .call(Method::POST, &format!("/operators/{grace}/duty-schedules"), Some(window.clone()))
        .await
        .expect(201)
        .str("scheduleId");
    let user = json!({"schemas": [USER], "userName": "ada@example.com", "displayName": "Ada Lovelace", "externalId": "ada-1",
        "name": {"givenName": "Ada", "familyName": "Lovelace"}, "emails": [{"value": "ada@example.com", "primary": true, "type": "work"}],
        "phoneNumbers": [{"value": "+3212345678", "type": "mobile"}], "active": true});
    let ada = idp.create("/Users", user.clone()).await;
    let crew = json!({"schemas": [GROUP], "displayName": "Crew", "externalId": "crew-1", "members": [{"value": ada}]});
    let crew_id = idp.create("/Groups", crew.clone()).await;
    let resources = [
        format!("/operators/{grace}"),
        format!("/operators/{ada}"),
        format!("/groups/{team}"),
        format!("/groups/{crew_id}"),
        format!("/monitors/{monitor}"),
    ];
    let versions = versions_of(&app, &resources).await;
    let before = events(&app, &app.admin_token, "").await;

    // The hub API: the same values again.
    app.call(Method::PUT, &format!("/operators/{grace}/duty-schedules/{schedule}"), Some(window)).await.expect(200);
    app.call(
        Method::PATCH,
        &format!("/operators/{grace}"),
        Some(json!({"fullName": "Grace", "isOnDuty": true, "isDisabled": false})),
    )
    .await
    .expect(200);
    app.call(Method::PATCH, &format!("/groups/{team}"), Some(json!({"description": "Team"}))).await.expect(200);
    app.call(Method::PATCH, &format!("/monitors/{monitor}"), Some(json!({"name": "Shop", "mode": "Staging"})))
        .await
        .expect(200);
    app.call(Method::PATCH, "/account", Some(json!({"name": app.account_record(&app.account.account_id).await.name})))
        .await
        .expect(200);
    app.add_member(&team, &grace).await;
    app.call(Method::POST, &format!("/groups/{team}/duty"), Some(json!({"isOnDuty": true}))).await.expect(204);
    // SCIM: a PUT of the resource as it is, and PATCHes that set what is already there, as
    // Okta and Entra ID send them.
    idp.put(&format!("/Users/{ada}"), user).await.expect(200);
    let patch = |ops: Value| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
    idp.patch(&format!("/Users/{ada}"), patch(json!([{"op": "replace", "path": "active", "value": true}])))
        .await
        .expect(200);
    idp.patch(
        &format!("/Users/{ada}"),
        patch(json!([{"op": "replace", "value": {"displayName": "Ada Lovelace", "name.givenName": "Ada"}}])),
    )
    .await
    .expect(200);
    idp.put(&format!("/Groups/{crew_id}"), crew).await.expect(200);
    idp.patch(
        &format!("/Groups/{crew_id}"),
        patch(json!([{"op": "add", "path": "members", "value": [{"value": ada}]}])),
    )
    .await
    .expect(200);
    idp.patch(&format!("/Groups/{crew_id}"), patch(json!([{"op": "replace", "path": "displayName", "value": "Crew"}])))
        .await
        .expect(200);

    let after = events(&app, &app.admin_token, "").await;
    assert_eq!(after.len(), before.len(), "no-ops wrote events: {:#?}", &after[..after.len() - before.len()]);
    assert_eq!(versions_of(&app, &resources).await, versions, "a no-op wrote its resource");

    // A SCIM change of an attribute kept only as sent is a change, and lists it.
    idp.patch(
        &format!("/Users/{ada}"),
        patch(json!([{"op": "replace", "path": "name.givenName", "value": "Augusta"}])),
    )
    .await
    .expect(200);
    let latest = &events(&app, &app.admin_token, &format!("targetId={ada}&limit=1")).await[0];
    assert_eq!(latest["action"], "operator.updated");
    assert_eq!(latest["changes"].as_array().unwrap().len(), 1, "{latest}");
    assert_eq!(
        (change(latest, "name")["old"]["givenName"].as_str(), change(latest, "name")["new"]["givenName"].as_str()),
        (Some("Ada"), Some("Augusta"))
    );
}

/// Every event of a resource's create, update or delete lists only fields the contract shows
/// for that resource: its OpenAPI schema's properties (the SCIM resources' on top for operators
/// and groups), never internal or derived attributes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_list_only_the_fields_the_contract_shows() {
    let app = TestApp::start().await;
    let idp = provider(&app).await;
    let grace = app.create_operator("Grace", "grace@example.com").await;
    app.call(
        Method::PATCH,
        &format!("/operators/{grace}"),
        Some(json!({"fullName": "Grace Hopper", "mobilePhone": "+3212345678", "timeZone": "Europe/Brussels"})),
    )
    .await
    .expect(200);
    let window = json!({"mode": "OneTime", "start": "2026-12-01T00:00:00Z", "end": "2026-12-02T00:00:00Z"});
    let schedule = app
        .call(Method::POST, &format!("/operators/{grace}/duty-schedules"), Some(window))
        .await
        .expect(201)
        .str("scheduleId");
    let daily = json!({"mode": "Daily", "startTime": "22:00", "endTime": "06:00"});
    app.call(Method::PUT, &format!("/operators/{grace}/duty-schedules/{schedule}"), Some(daily)).await.expect(200);
    app.call(Method::DELETE, &format!("/operators/{grace}/duty-schedules/{schedule}"), None).await.expect(204);
    let team = app.create_group("Team").await;
    app.call(Method::PATCH, &format!("/groups/{team}"), Some(json!({"description": "A Team"}))).await.expect(200);
    // An administrator's API user: its item carries ownerIsAdministrator, which no event may list.
    let bot = create_api_user(&app, &app.admin_token, None, "Deploy script").await;
    app.call(Method::PATCH, &format!("/api-users/{}", bot.id), Some(json!({"description": "Deploy bot"})))
        .await
        .expect(200);
    let monitor = app.call(Method::POST, "/monitors", Some(json!({"name": "Shop"}))).await.expect(201).str("monitorId");
    app.call(Method::PATCH, &format!("/monitors/{monitor}"), Some(json!({"mode": "Staging"}))).await.expect(200);
    app.call(Method::PATCH, "/account", Some(json!({"timeZone": "Europe/Paris"}))).await.expect(200);
    let token_id = app
        .call(Method::POST, "/scim-tokens", Some(json!({"description": "Okta"})))
        .await
        .expect(201)
        .str("scimTokenId");
    let ada = idp.create("/Users", json!({"schemas": [USER], "userName": "ada@example.com", "externalId": "ada-1", "name": {"givenName": "Ada"}})).await;
    let crew = idp.create("/Groups", json!({"schemas": [GROUP], "displayName": "Crew", "externalId": "crew-1"})).await;
    for path in [
        format!("/api-users/{}", bot.id),
        format!("/monitors/{monitor}"),
        format!("/groups/{team}"),
        format!("/operators/{grace}"),
        format!("/scim-tokens/{token_id}"),
    ] {
        app.call(Method::DELETE, &path, None).await.expect(204);
    }
    idp.delete(&format!("/Users/{ada}")).await.expect(204);
    idp.delete(&format!("/Groups/{crew}")).await.expect(204);

    let doc: Value = serde_json::from_str(&hub_local::openapi::openapi_json()).unwrap();
    let properties = |schema: &str| -> Vec<String> {
        doc["components"]["schemas"][schema]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{schema}"))
            .keys()
            .cloned()
            .collect()
    };
    let scim_user = ["externalId", "name", "emails", "phoneNumbers", "locale"];
    let allowed = |target: &str| -> Vec<String> {
        let (schema, extra): (&str, &[&str]) = match target {
            "Account" => ("Account", &[]),
            "Operator" => ("OperatorView", &scim_user),
            "Group" => ("GroupView", &["externalId"]),
            "ApiUser" => ("ApiUser", &[]),
            "Monitor" => ("MonitorView", &[]),
            "DutySchedule" => ("ScheduleView", &[]),
            "ScimToken" => ("ScimToken", &[]),
            other => panic!("target type {other}"),
        };
        properties(schema)
            .into_iter()
            .chain(extra.iter().map(|e| e.to_string()))
            .filter(|f| f != "version" && f != "updatedAt")
            .collect()
    };
    const VERBS: [&str; 3] = ["created", "updated", "deleted"];
    let all = events(&app, &app.admin_token, "").await;
    let mut seen = std::collections::BTreeSet::new();
    for e in &all {
        let action = e["action"].as_str().unwrap();
        let verb = action.split('.').nth(1).unwrap();
        if !VERBS.contains(&verb) {
            continue;
        }
        let target = e["target"]["type"].as_str().unwrap();
        let allowed = allowed(target);
        for c in e["changes"].as_array().unwrap() {
            let field = c["field"].as_str().unwrap();
            // The account's creation also names its administrator.
            if action == "account.created" && field == "administrator" {
                continue;
            }
            assert!(allowed.iter().any(|a| a == field), "{action} lists {field}, not a field of {target}: {e}");
        }
        assert!(!e["changes"].as_array().unwrap().is_empty(), "{action} lists no change: {e}");
        seen.insert(action.to_owned());
    }
    // The contract: every target type is created, updated and deleted, except that the account
    // is not deleted and a SCIM token not updated (the API offers neither).
    let targets = ["account", "operator", "dutySchedule", "group", "apiUser", "monitor", "scimToken"];
    let expected: std::collections::BTreeSet<String> = targets
        .iter()
        .flat_map(|target| VERBS.map(|verb| format!("{target}.{verb}")))
        .filter(|action| action != "account.deleted" && action != "scimToken.updated")
        .collect();
    assert_eq!(seen, expected, "every target type's create, update and delete was checked");
    // The API user's create lists what the contract shows of it, nothing the item keeps inside.
    let created = all.iter().find(|e| e["action"] == "apiUser.created").unwrap();
    let mut fields: Vec<&str> =
        created["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["accessType", "apiUserId", "createdAt", "description", "inactive", "operatorId"]);
    // The SCIM user's echoed name is one of its fields.
    let ada_created =
        all.iter().find(|e| e["action"] == "operator.created" && e["target"]["id"] == ada.as_str()).unwrap();
    assert_eq!(change(ada_created, "name")["new"], json!({"givenName": "Ada"}));
}

/// A write by an API user names the API user and its owner; the owner's name is the one its
/// API users' items carry, renamed with it (by the hub API or by SCIM) in the same transaction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_users_event_names_the_api_user_and_its_owner_as_they_are_now() {
    let app = TestApp::start().await;
    let idp = provider(&app).await;
    let admin = app.account.admin_operator_id.clone();
    let bot = create_api_user(&app, &app.admin_token, None, "Deploy script").await;
    let last_event = || async { events(&app, &app.admin_token, "limit=1").await.into_iter().next().unwrap() };

    basic(&app, &bot, Method::POST, "/groups", Some(json!({"description": "Ops"}))).await.expect(201);
    let e = last_event().await;
    assert_eq!(e["source"], "Api");
    assert_eq!(
        e["actor"],
        json!({"type": "Operator", "id": admin, "name": "Ada Admin", "apiUserId": bot.id, "apiUserName": "Deploy script"})
    );

    // The owner renamed: the next request by its API user carries the new name.
    app.call(Method::PATCH, &format!("/operators/{admin}"), Some(json!({"fullName": "Ada Lovelace"})))
        .await
        .expect(200);
    app.call(Method::PATCH, &format!("/api-users/{}", bot.id), Some(json!({"description": "Deploy bot"})))
        .await
        .expect(200);
    basic(&app, &bot, Method::POST, "/groups", Some(json!({"description": "Ops 2"}))).await.expect(201);
    let e = last_event().await;
    assert_eq!(
        (e["actor"]["name"].as_str(), e["actor"]["apiUserName"].as_str()),
        (Some("Ada Lovelace"), Some("Deploy bot")),
        "{e}"
    );

    // Renamed by the identity provider: the same.
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "displayName", "value": "Ada King"}]});
    idp.patch(&format!("/Users/{admin}"), patch).await.expect(200);
    basic(&app, &bot, Method::POST, "/groups", Some(json!({"description": "Ops 3"}))).await.expect(201);
    assert_eq!(last_event().await["actor"]["name"], "Ada King");

    // The owner of another operator's API user: its name, not the caller's.
    let (kim, kim_token) = app.create_operator_with_token("Kim Koder", "kim@example.com").await;
    let kims = create_api_user(&app, &kim_token, None, "Kim's script").await;
    basic(&app, &kims, Method::PATCH, &format!("/operators/{kim}"), Some(json!({"fullName": "Kim Coder"})))
        .await
        .expect(200);
    let e = last_event().await;
    // The rename's own event is made before it commits: it names the owner as it was.
    assert_eq!(
        (e["actor"]["id"].as_str(), e["actor"]["name"].as_str(), e["actor"]["apiUserName"].as_str()),
        (Some(kim.as_str()), Some("Kim Koder"), Some("Kim's script"))
    );
    basic(&app, &kims, Method::PATCH, &format!("/operators/{kim}"), Some(json!({"mobilePhone": "+3212345678"})))
        .await
        .expect(200);
    assert_eq!(last_event().await["actor"]["name"], "Kim Coder");
}

/// Where a response is capped (inside Lambda), the export answers whole pages while they fit the
/// budget and links the rest; following the links reads every event once, in order, each part a
/// CSV with its header row and no larger than the budget as the Lambda runtime encodes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_capped_export_links_the_rest_and_the_parts_add_up_to_every_event() {
    const BUDGET: usize = 6_000;
    let app =
        TestApp::start_with(hub_api::config::HubConfig { response_byte_budget: Some(BUDGET), ..Default::default() })
            .await;
    for i in 0..40 {
        app.create_group(&format!("=Group \"{i:02}\", with a comma")).await;
    }
    let json = events(&app, &app.admin_token, "targetType=Group").await;
    let mut rows = Vec::new();
    let mut path = "/audit-log?targetType=Group".to_owned();
    let mut parts = 0;
    loop {
        let reply = app.req(Method::GET, &path).header("accept", "text/csv").send().await.unwrap();
        assert_eq!(reply.status().as_u16(), 200);
        let link = reply.headers().get("link").map(|v| v.to_str().unwrap().to_owned());
        let text = reply.text().await.unwrap();
        assert!(serde_json::to_string(&text).unwrap().len() - 2 <= BUDGET, "part {parts} is over the budget");
        let part = parse_csv(&text);
        assert_eq!(part[0][0], "eventId", "every part has the header row");
        assert!(part.len() > 1, "every part has events");
        rows.extend(part.into_iter().skip(1));
        parts += 1;
        let Some(link) = link else { break };
        let next =
            link.strip_prefix('<').and_then(|l| l.strip_suffix(">; rel=\"next\"")).unwrap_or_else(|| panic!("{link}"));
        assert!(next.starts_with("/audit-log?targetType=Group&cursor="), "{next}");
        path = next.to_owned();
        assert!(parts < 40, "the links go on");
    }
    assert!(parts >= 3, "{parts} parts");
    let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let expected: Vec<&str> = json.iter().map(|e| e["eventId"].as_str().unwrap()).collect();
    assert_eq!(ids, expected);
    // A cursor that is not the export's: a problem, before any CSV.
    send(app.req(Method::GET, "/audit-log?cursor=forged").header("accept", "text/csv"))
        .await
        .expect_problem(400, "invalid_cursor");
}
