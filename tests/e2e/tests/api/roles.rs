//! The role matrix, driven by the route tables (`matrix`): every route called by an operator that
//! is not an administrator, with its token and with its own API user.
//!
//! - Reads (`GET`, except the monitor permission overview) succeed.
//! - Every other route is 403 `forbidden`, except the contract's self-service routes: personal
//!   settings (`PATCH /operators/{id}`), off-duty schedules and API users, which succeed on the
//!   caller's own resources and are 403 on anybody else's.
//! - The account does not change while refusing (snapshot before/after: the account item, every
//!   item of its partition, everything the API shows).
//! - Control: the administrator's API user makes each refused request on fresh resources and
//!   succeeds, so each 403 comes from the role check and not from the request.
//!
//! A route added later defaults to administrators only when it writes and to anyone when it
//! reads; a route with other rules must be named in [`access`].
//!
//! Counts are printed (`--nocapture`) for RELIABILITY.md.

use std::collections::BTreeSet;
use std::time::Instant;

use hub_api::routes::Route;
use hub_e2e::TestApp;
use reqwest::Method;
use serde_json::{Value, json};

use crate::matrix::{
    Ids, Kind, Request, Who, body_templates, build, call, every_route, fixture, kinds_of, label, ok, snapshot,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    /// Every operator.
    Anyone,
    /// Administrators only.
    Admin,
    /// Administrators, and the operator the resource belongs to.
    SelfService,
}

/// Who may call a route, as API.md says.
fn access(route: &Route) -> Access {
    match (route.method.as_str(), route.path) {
        ("GET", "/monitors/permissions" | "/audit-log") | (_, "/scim-tokens") | (_, "/scim-tokens/{id}") => {
            Access::Admin
        }
        ("PATCH", "/operators/{id}")
        | ("POST", "/operators/{id}/duty-schedules")
        | ("PUT" | "DELETE", "/operators/{id}/duty-schedules/{scheduleId}")
        | (_, "/api-users")
        | (_, "/api-users/{id}") => Access::SelfService,
        ("GET", _) => Access::Anyone,
        _ => Access::Admin,
    }
}

/// The list of API users has no id in its path: "someone else's" is the `operatorId` filter.
fn for_someone_else(request: Request, other: &str) -> Request {
    if request.method == Method::GET && request.path == "/api-users" {
        Request { path: format!("/api-users?operatorId={other}"), ..request }
    } else {
        request
    }
}

/// The caller of the matrix: an operator that is not an administrator, with its token and its own
/// API user.
struct Member {
    id: String,
    token: Who,
    basic: Who,
    api_user_id: String,
}

/// Creates `{name} Member` (`{name}@example.com`, lower-cased) as `admin`, and its API user
/// (`{name}'s script`) with its own token.
async fn member(app: &TestApp, account_id: &str, admin: &Who, name: &str) -> Member {
    let body = json!({"email": format!("{}@example.com", name.to_lowercase()), "fullName": format!("{name} Member")});
    let id = call(app, admin, Method::POST, "/operators", Some(&body)).await.expect(201).str("operatorId");
    let token = Who::Bearer(app.token(account_id, &id));
    let body = json!({"description": format!("{name}'s script")});
    let user = call(app, &token, Method::POST, "/api-users", Some(&body)).await.expect(201);
    let basic = Who::Basic { username: user.str("username"), password: user.str("password") };
    Member { id, token, basic, api_user_id: user.str("apiUserId") }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_administrators_are_refused_every_write_but_their_own_settings() {
    let started = Instant::now();
    let app = TestApp::start().await;
    // Enterprise: room for a fresh set of resources per control request.
    let (account, admin_token) = app.provision_with_admin_token("Enterprise", 0).await;
    let admin = Who::Bearer(admin_token.clone());
    let admins_user = call(&app, &admin, Method::POST, "/api-users", Some(&json!({"description": "Admin's script"})))
        .await
        .expect(201);
    let admin_basic = Who::Basic { username: admins_user.str("username"), password: admins_user.str("password") };

    // Somebody else's resources (operator O with its group, schedule, API user, monitor grant).
    let other: Ids = fixture(&app, &admin).await;
    // The caller: M, an operator that is not an administrator, and M's own API user.
    let Member { id: me, token: me_token, basic: me_basic, api_user_id: my_user_id } =
        member(&app, &account.account_id, &admin, "Mia").await;
    let callers = [me_token.clone(), me_basic];

    // 1. Refusals and reads, on somebody else's resources: nothing changes.
    let before = snapshot(&app, &account.account_id, &admin_token, &[&my_user_id]).await;
    let routes = every_route();
    let (mut reads, mut refused, mut allowed, mut controls) = (0, 0, 0, 0);
    let mut covered = BTreeSet::new();
    let mut refused_requests: Vec<(String, Route, Option<Value>)> = Vec::new();
    for (function, route) in &routes {
        let name = format!("{function}: {}", label(route));
        let rule = access(route);
        for template in body_templates(&route.method, route.path) {
            for who in &callers {
                let request = for_someone_else(build(route, &template, &|k| other.get(k).to_owned()), &other.operator);
                let reply = request.send(&app, who).await;
                if rule == Access::Anyone {
                    assert!(
                        ok(&reply),
                        "{name} as M's {}: {} → {} {}",
                        who.kind(),
                        request.describe(),
                        reply.status,
                        reply.body
                    );
                    reads += 1;
                } else {
                    assert_eq!(
                        (reply.status.as_u16(), reply.body["code"].as_str()),
                        (403, Some("forbidden")),
                        "{name} as M's {}: {} → {}",
                        who.kind(),
                        request.describe(),
                        reply.body
                    );
                    assert_eq!(reply.header("content-type"), Some("application/problem+json"));
                    refused += 1;
                }
            }
            if rule != Access::Anyone {
                refused_requests.push((name.clone(), route.clone(), template.clone()));
            }
        }
        covered.insert(label(route));
    }
    // Personal settings only: the Active switch and the email are the administrators'.
    for who in &callers {
        for body in [
            json!({"isOnDuty": false}),
            json!({"email": "mia2@example.com"}),
            json!({"fullName": "Mia", "isOnDuty": true}),
        ] {
            call(&app, who, Method::PATCH, &format!("/operators/{me}"), Some(&body))
                .await
                .expect_problem(403, "forbidden");
            refused += 1;
        }
    }
    let after = snapshot(&app, &account.account_id, &admin_token, &[&my_user_id]).await;
    crate::matrix::assert_unchanged(&before, &after, "the account after the refused requests");

    // 2. Self-service: the same routes on the caller's own resources succeed.
    for (function, route) in routes.iter().filter(|(_, r)| access(r) == Access::SelfService) {
        let name = format!("{function}: {}", label(route));
        for template in body_templates(&route.method, route.path) {
            for who in &callers {
                let mut mine = Ids { operator: me.clone(), ..other.clone() };
                for kind in kinds_of(route, &template) {
                    match kind {
                        Kind::Operator => {}
                        Kind::Schedule => {
                            let window = json!({"mode": "OneTime", "start": "2096-01-01T00:00:00Z", "end": "2096-01-02T00:00:00Z"});
                            mine.schedule = call(
                                &app,
                                &admin,
                                Method::POST,
                                &format!("/operators/{me}/duty-schedules"),
                                Some(&window),
                            )
                            .await
                            .expect(201)
                            .str("scheduleId");
                        }
                        Kind::ApiUser => {
                            let body = json!({"description": "Mine", "operatorId": me});
                            mine.api_user = call(&app, &admin, Method::POST, "/api-users", Some(&body))
                                .await
                                .expect(201)
                                .str("apiUserId");
                        }
                        other => panic!("{name}: a self-service route naming a {other:?}: say whose it is in roles.rs"),
                    }
                }
                let request = build(route, &template, &|k| mine.get(k).to_owned());
                let reply = request.send(&app, who).await;
                assert!(
                    ok(&reply),
                    "{name} as M's {} on M's own: {} → {} {}",
                    who.kind(),
                    request.describe(),
                    reply.status,
                    reply.body
                );
                if request.method == Method::GET && request.path == "/api-users" {
                    assert!(
                        reply.items().iter().all(|u| u["operatorId"] == me.as_str()),
                        "M's list shows others' API users: {}",
                        reply.body
                    );
                }
                allowed += 1;
                // Keep M under the per-operator bound of API users.
                let created = reply.body.get("apiUserId").and_then(Value::as_str).map(str::to_owned);
                for id in
                    [created, (mine.api_user != other.api_user).then(|| mine.api_user.clone())].into_iter().flatten()
                {
                    if id != my_user_id {
                        let gone = call(&app, &admin, Method::DELETE, &format!("/api-users/{id}"), None).await;
                        assert!([204, 404].contains(&gone.status.as_u16()), "{}", gone.body);
                    }
                }
            }
        }
    }
    let own = call(&app, &me_token, Method::GET, &format!("/api-users?operatorId={me}"), None).await.expect(200);
    assert_eq!(own.items().len(), 1, "only M's credential is left: {}", own.body);

    // 3. Control: each refused request, made by the administrator's API user on fresh resources.
    for (name, route, template) in &refused_requests {
        let fresh = fixture(&app, &admin).await;
        let request = build(route, template, &|k| fresh.get(k).to_owned());
        let reply = request.send(&app, &admin_basic).await;
        assert!(
            ok(&reply),
            "{name}: the administrator's control {} → {} {}",
            request.describe(),
            reply.status,
            reply.body
        );
        controls += 1;
    }

    let every: BTreeSet<String> = routes.iter().map(|(_, r)| label(r)).collect();
    assert_eq!(covered, every, "every route of the tables is in the matrix");
    assert!(every.len() >= 40, "the route tables look empty: {every:?}");
    println!(
        "roles: {} routes ({} self-service, {} administrator-only); {reads} reads allowed, {refused} × 403, {allowed} self-service \
         successes, {controls} administrator controls; {} items and {} API views unchanged by the refusals; {:.1?}",
        every.len(),
        routes.iter().filter(|(_, r)| access(r) == Access::SelfService).count(),
        routes.iter().filter(|(_, r)| access(r) == Access::Admin).count(),
        before.items.len(),
        before.views.len(),
        started.elapsed()
    );
}

/// The role comes before the body: a caller who may not write a route learns nothing from the
/// validation of what it sent. Every administrator-only write, and every self-service write on
/// another operator's `/operators/{id}/...`, answers 403 to a non-administrator whatever the body
/// (malformed JSON, a wrong shape, unknown fields, another media type), with its token and with
/// its API user. Control: the administrator sending the same bodies gets the body's own 400 or
/// 415 on every route that reads a body. API users' routes are not in it: who owns the API user
/// is in the body (`POST /api-users`) or in the item (`/api-users/{id}`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_administrators_are_refused_before_their_body_is_read() {
    let app = TestApp::start().await;
    let account = app.provision("Enterprise", 0).await;
    let admin = Who::Bearer(app.token(&account.account_id, &account.admin_operator_id));
    let other: Ids = fixture(&app, &admin).await;
    let Member { token: me_token, basic: me_basic, .. } = member(&app, &account.account_id, &admin, "Nia").await;
    let bodies: [(&str, &str); 5] = [
        ("application/json", "{\"fullName\": "),
        ("application/json", "[1, 2]"),
        ("application/json", "{\"unexpected\": true, \"description\": 7, \"name\": null, \"email\": 3}"),
        ("application/json", ""),
        ("text/plain", "hello"),
    ];
    let send = |who: &Who, method: Method, path: String, content_type: &'static str, body: &'static str| {
        let mut req =
            app.http.request(method, format!("{}{}", app.base, path)).header("content-type", content_type).body(body);
        req = match who {
            Who::Bearer(token) => req.bearer_auth(token),
            Who::Basic { username, password } => req.basic_auth(username, Some(password)),
        };
        hub_e2e::send(req)
    };
    let (mut refused, mut controls) = (0, 0);
    for (function, route) in every_route() {
        let guarded = match access(&route) {
            Access::Admin => true,
            Access::SelfService => route.path.starts_with("/operators/{id}"),
            Access::Anyone => false,
        };
        if route.method == Method::GET || !guarded {
            continue;
        }
        let name = format!("{function}: {}", label(&route));
        let path = build(&route, &None, &|k| other.get(k).to_owned()).path;
        for (content_type, body) in bodies {
            for who in [&me_token, &me_basic] {
                let reply = send(who, route.method.clone(), path.clone(), content_type, body).await;
                assert_eq!(
                    (reply.status.as_u16(), reply.body["code"].as_str()),
                    (403, Some("forbidden")),
                    "{name} as a non-administrator's {} with {content_type} {body:?} → {}",
                    who.kind(),
                    reply.body
                );
                refused += 1;
            }
            if body_templates(&route.method, route.path).iter().any(Option::is_some) {
                let reply = send(&admin, route.method.clone(), path.clone(), content_type, body).await;
                assert!(
                    [400, 415].contains(&reply.status.as_u16()),
                    "{name}: the administrator's control with {content_type} {body:?} → {} {}",
                    reply.status,
                    reply.body
                );
                controls += 1;
            }
        }
    }
    assert!(refused >= 150, "the matrix looks empty: {refused} refusals");
    println!(
        "role before body: {refused} × 403 with invalid bodies, {controls} administrator controls answered by the body's validation"
    );
}
