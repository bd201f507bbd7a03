//! API users end to end: the routes, HTTP Basic authentication through the local server (the same
//! `Authenticator` the Lambda authorizer runs), the owner's rights, usage counting and its
//! sliding 30-day window under an injected clock.

use base64::Engine as _;
use hub_api::clock::Clock;
use hub_e2e::{Reply, TestApp, send};
use jiff::{SignedDuration, Timestamp};
use reqwest::Method;
use serde_json::{Value, json};

use crate::Captured;

/// An API user's credentials and id, as the 201 answer gave them.
#[derive(Debug, Clone)]
pub(crate) struct Credentials {
    pub id: String,
    pub username: String,
    pub password: String,
}

/// Creates an API user with `token` (for the caller itself when `owner` is `None`).
pub(crate) async fn create_api_user_at(
    app: &TestApp,
    base: &str,
    token: &str,
    owner: Option<&str>,
    description: &str,
) -> Credentials {
    let mut body = json!({"description": description});
    if let Some(owner) = owner {
        body["operatorId"] = json!(owner);
    }
    let reply = send(app.http.post(format!("{base}/api-users")).bearer_auth(token).json(&body)).await.expect(201);
    Credentials { id: reply.str("apiUserId"), username: reply.str("username"), password: reply.str("password") }
}

pub(crate) async fn create_api_user(app: &TestApp, token: &str, owner: Option<&str>, description: &str) -> Credentials {
    create_api_user_at(app, &app.base, token, owner, description).await
}

/// A request with Basic credentials to the server at `base`.
pub(crate) async fn basic_at(
    app: &TestApp,
    base: &str,
    who: &Credentials,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Reply {
    let mut req = app.http.request(method, format!("{base}{path}")).basic_auth(&who.username, Some(&who.password));
    if let Some(body) = body {
        req = req.json(&body);
    }
    send(req).await
}

pub(crate) async fn basic(app: &TestApp, who: &Credentials, method: Method, path: &str, body: Option<Value>) -> Reply {
    basic_at(app, &app.base, who, method, path, body).await
}

pub(crate) fn at(t: &str) -> Timestamp {
    t.parse().expect("a timestamp")
}

pub(crate) fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_read_update_delete_keeps_counters_exact() {
    let app = TestApp::start().await;
    let created = app.call(Method::POST, "/api-users", Some(json!({"description": "Deploy script"}))).await.expect(201);
    let id = created.created_id("/api-users", "apiUserId");
    assert_eq!(created.header("cache-control"), Some("no-store"));
    let password = created.str("password");
    assert_eq!(password.len(), 43, "32 random bytes, base64url");
    let username = created.str("username");
    assert!(username.starts_with("hub_") && username.len() == 47, "{username}");
    assert_eq!(created.body["operatorId"], app.account.admin_operator_id.as_str());
    assert_eq!(created.body["operatorName"], "Ada Admin");
    assert_eq!(created.body["accessType"], "Generic");
    assert_eq!(created.body["description"], "Deploy script");
    assert_eq!(created.body["lastUsedAt"], Value::Null);
    assert_eq!(created.body["requestsLast30Days"], 0);
    assert_eq!(created.body["inactive"], false);
    assert_eq!(created.body["version"], 1);
    assert!(created.body.get("passwordHash").is_none());
    let account = app.account_record(&app.account.account_id).await;
    assert_eq!((account.api_users_total, account.api_users_inactive), (1, 0));

    // Read back: the same resource, and never the password again.
    let fetched = app.call(Method::GET, &format!("/api-users/{id}"), None).await.expect(200);
    let mut expected = created.body.clone();
    expected.as_object_mut().unwrap().remove("password");
    assert_eq!(fetched.body, expected);
    let listed = app.call(Method::GET, "/api-users", None).await.expect(200);
    assert_eq!(listed.items(), &vec![expected]);

    // Only the description can change.
    let patched = app
        .call(Method::PATCH, &format!("/api-users/{id}"), Some(json!({"description": "Nightly deploy"})))
        .await
        .expect(200);
    assert_eq!(
        (patched.body["description"].as_str(), patched.body["version"].as_i64()),
        (Some("Nightly deploy"), Some(2))
    );
    assert_eq!(patched.header("etag"), Some("\"2\""));
    for bad in [
        json!({"accessType": "Grafana"}),
        json!({"username": "mine"}),
        json!({"description": ""}),
        json!({"description": null}),
    ] {
        app.call(Method::PATCH, &format!("/api-users/{id}"), Some(bad)).await.expect_problem(400, "validation_failed");
    }
    send(
        app.req(Method::PATCH, &format!("/api-users/{id}"))
            .header("if-match", "\"1\"")
            .json(&json!({"description": "x"})),
    )
    .await
    .expect_problem(412, "version_conflict");
    send(app.req(Method::DELETE, &format!("/api-users/{id}")).header("if-match", "\"1\""))
        .await
        .expect_problem(412, "version_conflict");

    app.call(Method::DELETE, &format!("/api-users/{id}"), None).await.expect(204);
    app.call(Method::GET, &format!("/api-users/{id}"), None).await.expect_problem(404, "not_found");
    app.call(Method::DELETE, &format!("/api-users/{id}"), None).await.expect_problem(404, "not_found");
    let account = app.account_record(&app.account.account_id).await;
    assert_eq!((account.api_users_total, account.api_users_inactive), (0, 0));
    let scope = hub_store::AccountScope::new(&app.account.account_id);
    assert!(
        app.state
            .store
            .in_account(&scope)
            .api_user_roster(&app.account.admin_operator_id.as_str().into())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creation_is_validated() {
    let app = TestApp::start().await;
    let refused = [
        (json!({}), 400, "validation_failed"),
        (json!({"description": "x", "accessType": "Mobile"}), 400, "validation_failed"),
        (json!({"description": "x", "password": "mine"}), 400, "validation_failed"),
        (json!({"description": "x", "operatorId": "bad id!"}), 400, "validation_failed"),
        (json!({"description": "x", "operatorId": "no-such-operator"}), 404, "not_found"),
    ];
    app.expect_problem_each_body(Method::POST, "/api-users", refused).await;
    let grafana = app
        .call(Method::POST, "/api-users", Some(json!({"description": "Dashboards", "accessType": "Grafana"})))
        .await
        .expect(201);
    assert_eq!(grafana.body["accessType"], "Grafana");
    app.call(Method::GET, "/api-users?limit=0", None).await.expect_problem(400, "validation_failed");
    app.call(Method::GET, "/api-users?cursor=forged", None).await.expect_problem(400, "invalid_cursor");
    app.call(Method::GET, "/api-users?inactive=sometimes", None).await.expect_problem(400, "validation_failed");
    // Another account's API user is simply not found there.
    let (_, token) = app.provision_with_admin_token("Business", 0).await;
    let id = grafana.str("apiUserId");
    for method in [Method::GET, Method::DELETE] {
        app.call_as(&token, method, &format!("/api-users/{id}"), None).await.expect_problem(404, "not_found");
    }
    app.call_as(&token, Method::PATCH, &format!("/api-users/{id}"), Some(json!({"description": "Mine"})))
        .await
        .expect_problem(404, "not_found");
    assert!(app.list_all(&token, "/api-users").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_authentication_through_the_local_server() {
    let app = TestApp::start().await;
    let (owner, olga) = app.create_operator_with_token("Olga Owner", "olga@example.com").await;
    let user = create_api_user(&app, &olga, None, "CI").await;

    // Valid credentials.
    let me = basic(&app, &user, Method::GET, &format!("/api-users/{}", user.id), None).await.expect(200);
    assert_eq!(me.body["operatorId"], owner.as_str());
    basic(&app, &user, Method::GET, "/operators", None).await.expect(200);

    // Wrong password, unknown user, malformed credentials: 401 with WWW-Authenticate.
    let mut wrong = user.clone();
    wrong.password = {
        let mut p = user.password.clone().into_bytes();
        p[0] = if p[0] == b'A' { b'B' } else { b'A' };
        String::from_utf8(p).unwrap()
    };
    let unknown = Credentials {
        id: String::new(),
        username: hub_api::caller::api_user_username(&app.account.account_id, &hub_api::values::new_id().into())
            .unwrap(),
        password: user.password.clone(),
    };
    let stranger_account = Credentials {
        id: String::new(),
        username: hub_api::caller::api_user_username(&hub_api::values::new_id().into(), &user.id.as_str().into())
            .unwrap(),
        password: user.password.clone(),
    };
    for who in [&wrong, &unknown, &stranger_account] {
        let reply = basic(&app, who, Method::GET, "/operators", None).await.expect_problem(401, "unauthenticated");
        assert!(reply.header("www-authenticate").is_some_and(|h| h.contains("Basic")), "{reply:?}");
    }
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    for header in [
        "Basic".to_owned(),
        "Basic not-base64!".to_owned(),
        format!("Basic {}", b64("no-colon")),
        format!("Basic {}", b64(&format!("{}:", user.username))),
        format!("Basic {}", b64(&format!("someone:{}", user.password))),
        format!("Digest {}", b64(&format!("{}:{}", user.username, user.password))),
    ] {
        let reply =
            send(app.http.get(format!("{}/operators", app.base)).header("authorization", header.as_str())).await;
        reply.expect_problem(401, "unauthenticated");
    }

    // A deleted API user is refused on the very next request.
    let second = create_api_user(&app, &olga, None, "Backup").await;
    basic(&app, &second, Method::GET, "/operators", None).await.expect(200);
    app.call_as(&olga, Method::DELETE, &format!("/api-users/{}", second.id), None).await.expect(204);
    basic(&app, &second, Method::GET, "/operators", None).await.expect_problem(401, "unauthenticated");

    // Deleting the owner deletes its API users: the credentials stop working at once.
    let account = app.account_record(&app.account.account_id).await;
    assert_eq!(account.api_users_total, 1);
    app.call(Method::DELETE, &format!("/operators/{owner}"), None).await.expect(204);
    basic(&app, &user, Method::GET, "/operators", None).await.expect_problem(401, "unauthenticated");
    let account = app.account_record(&app.account.account_id).await;
    assert_eq!((account.api_users_total, account.api_users_inactive), (0, 0));
    let scope = hub_store::AccountScope::new(&app.account.account_id);
    assert!(app.state.store.in_account(&scope).api_user(&user.id.as_str().into()).await.unwrap().is_none());
    assert!(app.state.store.in_account(&scope).api_user_roster(&owner.as_str().into()).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_step_of_an_operator_delete_removes_its_api_users() {
    let app = TestApp::start().await;
    let owner = app.create_operator("Half Hank", "hank@example.com").await;
    let users: Vec<Credentials> = futures::future::join_all((0..3).map(|i| {
        let app = &app;
        let owner = owner.clone();
        async move { create_api_user(app, &app.admin_token, Some(&owner), &format!("Script {i}")).await }
    }))
    .await;
    let scope = hub_store::AccountScope::new(&app.account.account_id);
    let account = app.account_record(&app.account.account_id).await;
    assert_eq!(account.api_users_total, 3);
    // Only the first, atomic step, as if the process died right after it.
    crate::begin_operator_delete_only(&app, &scope, &owner).await;
    for user in &users {
        basic(&app, user, Method::GET, "/operators", None).await.expect_problem(401, "unauthenticated");
    }
    assert_eq!(app.account_record(&app.account.account_id).await.api_users_total, 0);
    // The retried delete finishes the rest and finds no API user left.
    app.call(Method::DELETE, &format!("/operators/{owner}"), None).await.expect(204);
    assert_eq!(app.account_record(&app.account.account_id).await.api_users_total, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_user_acts_with_exactly_its_owners_rights() {
    let app = TestApp::start().await;
    let (mia, mia_token) = app.create_operator_with_token("Mia Member", "mia@example.com").await;
    let other = app.create_operator("Otto Other", "otto@example.com").await;
    let user = create_api_user(&app, &mia_token, None, "Mia's script").await;
    let admins_user = create_api_user(&app, &app.admin_token, None, "Admin's script").await;
    // A non-administrator creates only its own.
    app.call_as(&mia_token, Method::POST, "/api-users", Some(json!({"description": "x", "operatorId": other})))
        .await
        .expect_problem(403, "forbidden");

    // Reads are fine; administrator routes are 403; personal settings of the owner are allowed.
    basic(&app, &user, Method::GET, "/operators", None).await.expect(200);
    basic(&app, &user, Method::GET, "/groups", None).await.expect(200);
    basic(&app, &user, Method::POST, "/operators", Some(json!({"email": "x@example.com", "fullName": "X"})))
        .await
        .expect_problem(403, "forbidden");
    basic(&app, &user, Method::POST, "/groups", Some(json!({"description": "Mine"})))
        .await
        .expect_problem(403, "forbidden");
    basic(&app, &user, Method::PUT, &format!("/groups/administrators/members/{mia}"), None)
        .await
        .expect_problem(403, "forbidden");
    basic(&app, &user, Method::DELETE, &format!("/operators/{other}"), None).await.expect_problem(403, "forbidden");
    basic(&app, &user, Method::PATCH, &format!("/operators/{other}"), Some(json!({"fullName": "Hacked"})))
        .await
        .expect_problem(403, "forbidden");
    basic(&app, &user, Method::PATCH, &format!("/operators/{mia}"), Some(json!({"timeZone": "Europe/Paris"})))
        .await
        .expect(200);
    // Its owner's API users only.
    let listed = basic(&app, &user, Method::GET, "/api-users", None).await.expect(200);
    assert_eq!(listed.items().iter().map(|u| u["apiUserId"].as_str().unwrap()).collect::<Vec<_>>(), [user.id.as_str()]);
    basic(&app, &user, Method::GET, &format!("/api-users?operatorId={}", app.account.admin_operator_id), None)
        .await
        .expect_problem(403, "forbidden");
    basic(&app, &user, Method::GET, &format!("/api-users/{}", admins_user.id), None)
        .await
        .expect_problem(403, "forbidden");
    basic(&app, &user, Method::DELETE, &format!("/api-users/{}", admins_user.id), None)
        .await
        .expect_problem(403, "forbidden");
    let sibling = basic(&app, &user, Method::POST, "/api-users", Some(json!({"description": "Created by a script"})))
        .await
        .expect(201);
    assert_eq!(sibling.body["operatorId"], mia.as_str());
    // The administrator's API user is an administrator.
    basic(&app, &admins_user, Method::POST, "/groups", Some(json!({"description": "Made by a script"})))
        .await
        .expect(201);

    // Joining Administrators makes the owner's API users administrators on the next request;
    // leaving takes it away just as fast.
    app.add_member("administrators", &mia).await;
    basic(&app, &user, Method::POST, "/groups", Some(json!({"description": "Now allowed"}))).await.expect(201);
    app.call(Method::DELETE, &format!("/groups/administrators/members/{mia}"), None).await.expect(204);
    basic(&app, &user, Method::POST, "/groups", Some(json!({"description": "Not any more"})))
        .await
        .expect_problem(403, "forbidden");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_basic_request_costs_one_round_trip_like_a_bearer_one() {
    let app = TestApp::start().await;
    let user = create_api_user(&app, &app.admin_token, None, "Counted").await;
    let path = format!("/api-users/{}", user.id);
    app.requests.reset();
    app.call(Method::GET, &path, None).await.expect(200);
    let bearer = app.requests.get();
    app.requests.reset();
    basic(&app, &user, Method::GET, &path, None).await.expect(200);
    let basic_requests = app.requests.get();
    assert_eq!(basic_requests, bearer, "authentication costs one DynamoDB request either way");
    app.requests.reset();
    let mut wrong = user.clone();
    wrong.password = "A".repeat(43);
    basic(&app, &wrong, Method::GET, &path, None).await.expect_problem(401, "unauthenticated");
    assert_eq!(app.requests.get(), 1, "a wrong password is one conditional update");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_counts_and_concurrent_ones_are_not_lost() {
    let app = TestApp::start().await;
    let user = create_api_user(&app, &app.admin_token, None, "Busy").await;
    let path = format!("/api-users/{}", user.id);
    let before = app.call(Method::GET, &path, None).await.expect(200);
    assert_eq!(before.body["requestsLast30Days"], 0);
    let n = 25;
    let replies = futures::future::join_all((0..n).map(|_| basic(&app, &user, Method::GET, "/operators", None))).await;
    assert!(replies.iter().all(|r| r.status == 200));
    let after = app.call(Method::GET, &path, None).await.expect(200);
    assert_eq!(after.body["requestsLast30Days"], n);
    assert!(after.body["lastUsedAt"].is_string());
    // Refused requests do not count.
    let mut wrong = user.clone();
    wrong.password = "B".repeat(43);
    basic(&app, &wrong, Method::GET, "/operators", None).await.expect(401);
    assert_eq!(app.call(Method::GET, &path, None).await.expect(200).body["requestsLast30Days"], n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_30_day_window_slides_with_the_clock() {
    let app = TestApp::start().await;
    let t0 = at("2026-03-02T12:00:00Z");
    let server = |d: i64| app.serve_with_clock(Clock::fixed(t0 + days(d)));
    let day0 = server(0).await;
    let user = create_api_user_at(&app, &day0, &app.admin_token, None, "Windowed").await;
    let path = format!("/api-users/{}", user.id);
    let read_at = |base: String| {
        let app = &app;
        let path = path.clone();
        async move { send(app.http.get(format!("{base}{path}")).bearer_auth(&app.admin_token)).await.expect(200).body }
    };

    for _ in 0..3 {
        basic_at(&app, &day0, &user, Method::GET, "/operators", None).await.expect(200);
    }
    let day10 = server(10).await;
    for _ in 0..2 {
        basic_at(&app, &day10, &user, Method::GET, "/operators", None).await.expect(200);
    }
    let seen = read_at(day10.clone()).await;
    assert_eq!(
        (seen["requestsLast30Days"].as_i64(), seen["lastUsedAt"].as_str()),
        (Some(5), Some("2026-03-12T12:00:00Z"))
    );
    assert_eq!(seen["createdAt"], "2026-03-02T12:00:00Z");
    // Day 29: the window still starts on day 0; day 30: day 0 has left it.
    assert_eq!(read_at(server(29).await).await["requestsLast30Days"], 5);
    assert_eq!(read_at(server(30).await).await["requestsLast30Days"], 2);
    assert_eq!(read_at(server(39).await).await["requestsLast30Days"], 2);
    let day40 = server(40).await;
    let seen = read_at(day40.clone()).await;
    assert_eq!((seen["requestsLast30Days"].as_i64(), seen["inactive"].as_bool()), (Some(0), Some(false)));
    // Exactly 30 days after its last use it is not inactive yet; a second later it is.
    let later = app.serve_with_clock(Clock::fixed(t0 + days(40) + SignedDuration::from_secs(1))).await;
    assert_eq!(read_at(later.clone()).await["inactive"], true);
    let listed = |base: String, query: &'static str| {
        let app = &app;
        async move {
            send(app.http.get(format!("{base}/api-users?{query}")).bearer_auth(&app.admin_token))
                .await
                .expect(200)
                .items()
                .len()
        }
    };
    assert_eq!((listed(later.clone(), "inactive=true").await, listed(later.clone(), "inactive=false").await), (1, 0));
    assert_eq!((listed(day40.clone(), "inactive=true").await, listed(day40.clone(), "inactive=false").await), (0, 1));
    // Its own request is counted before it reads itself.
    let own = basic_at(&app, &later, &user, Method::GET, &path, None).await.expect(200);
    assert_eq!((own.body["requestsLast30Days"].as_i64(), own.body["inactive"].as_bool()), (Some(1), Some(false)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_most_ten_per_operator_even_when_creates_race() {
    let app = TestApp::start().await;
    let owner = app.create_operator("Rita Racer", "rita@example.com").await;
    let replies = futures::future::join_all((0..15).map(|i| {
        let app = &app;
        let owner = owner.clone();
        async move {
            app.call(
                Method::POST,
                "/api-users",
                Some(json!({"operatorId": owner, "description": format!("Racer {i}")})),
            )
            .await
        }
    }))
    .await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    let refused = replies.iter().filter(|r| r.status == 400 && r.code() == "validation_failed").count();
    assert_eq!((created, refused), (10, 5), "{:?}", hub_e2e::outcomes(&replies));
    assert_eq!(app.list_all(&app.admin_token, &format!("/api-users?operatorId={owner}&limit=3")).await.len(), 10);
    assert_eq!(app.account_record(&app.account.account_id).await.api_users_total, 10);
    // Deleting one frees a place.
    let first = replies.iter().find(|r| r.status == 201).unwrap().str("apiUserId");
    app.call(Method::DELETE, &format!("/api-users/{first}"), None).await.expect(204);
    app.call(Method::POST, "/api-users", Some(json!({"operatorId": owner, "description": "Eleventh"})))
        .await
        .expect(201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotent_retry_creates_one_and_never_replays_the_password() {
    let app = TestApp::start().await;
    let body = json!({"description": "Once"});
    let first = app.post_keyed("/api-users", "api-1", &body).await.expect(201);
    let again = app.post_keyed("/api-users", "api-1", &body).await.expect(201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.header("location"), first.header("location"));
    let mut expected = first.body.clone();
    expected.as_object_mut().unwrap().remove("password");
    assert_eq!(again.body, expected);
    assert_eq!(app.account_record(&app.account.account_id).await.api_users_total, 1);
    app.expect_key_reused("/api-users", "api-1", &json!({"description": "Other"})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_filter_by_owner_and_page() {
    let app = TestApp::start().await;
    let a = app.create_operator("Anna", "anna@example.com").await;
    let b = app.create_operator("Bert", "bert@example.com").await;
    for i in 0..4 {
        create_api_user(&app, &app.admin_token, Some(&a), &format!("A{i}")).await;
    }
    for i in 0..3 {
        create_api_user(&app, &app.admin_token, Some(&b), &format!("B{i}")).await;
    }
    let all = app.list_all(&app.admin_token, "/api-users?limit=2").await;
    assert_eq!(all.len(), 7);
    let descriptions: Vec<&str> = all.iter().map(|u| u["description"].as_str().unwrap()).collect();
    assert_eq!(descriptions, ["A0", "A1", "A2", "A3", "B0", "B1", "B2"], "creation order");
    let of_b = app.list_all(&app.admin_token, &format!("/api-users?operatorId={b}&limit=2")).await;
    assert!(of_b.len() == 3 && of_b.iter().all(|u| u["operatorId"] == b.as_str() && u["operatorName"] == "Bert"));
    // Bert himself sees his own, with or without naming himself.
    let bert = app.token(&app.account.account_id, &b);
    assert_eq!(app.list_all(&bert, "/api-users").await.len(), 3);
    assert_eq!(app.list_all(&bert, &format!("/api-users?operatorId={b}")).await.len(), 3);
    app.call_as(&bert, Method::GET, &format!("/api-users?operatorId={a}"), None).await.expect_problem(403, "forbidden");
    assert_eq!(app.list_all(&app.admin_token, "/api-users?inactive=true").await.len(), 0);
    assert_eq!(app.list_all(&app.admin_token, "/api-users?inactive=false").await.len(), 7);
}

/// Every log line of a Basic-auth run (the server, the HTTP layers, the AWS SDK, at TRACE) is
/// captured: neither a password, nor its hash, nor the Basic header appears, and no response but
/// the 201 of a create carries the password. A current-thread runtime runs everything on this
/// thread, where the capturing subscriber is the default.
///
/// Left out: the embedded DynamoDB's own TRACE dump of the requests it receives. It is the
/// database, which must be sent the hash to store it and to compare it; a deployment runs no such
/// process. (The SDK does not log requests; it logs responses, and none carries the hash.)
#[tokio::test(flavor = "current_thread")]
async fn passwords_hashes_and_basic_headers_never_reach_the_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace,dynoxide::server=debug"))
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);
    tracing::info!("capture starts");

    let app = TestApp::start().await;
    // A callsite that another test's thread was registering while this subscriber was created can
    // keep the interest it computed without it (tracing's callsite cache): recompute it now.
    tracing::callsite::rebuild_interest_cache();
    let user = create_api_user(&app, &app.admin_token, None, "Logged?").await;
    let other = create_api_user(&app, &app.admin_token, None, "Deleted").await;
    let mut responses = Vec::new();
    for (method, path) in [
        (Method::GET, "/operators".to_owned()),
        (Method::GET, format!("/api-users/{}", user.id)),
        (Method::GET, "/api-users".to_owned()),
    ] {
        responses.push(basic(&app, &user, method, &path, None).await.expect(200));
    }
    responses.push(
        basic(
            &app,
            &user,
            Method::PATCH,
            &format!("/api-users/{}", user.id),
            Some(json!({"description": "Still not logged"})),
        )
        .await
        .expect(200),
    );
    let mut wrong = user.clone();
    wrong.password = format!("{}{}", &user.password[..42], if user.password.ends_with('x') { 'y' } else { 'x' });
    responses.push(basic(&app, &wrong, Method::GET, "/operators", None).await.expect(401));
    app.call(Method::DELETE, &format!("/api-users/{}", other.id), None).await.expect(204);
    responses.push(basic(&app, &other, Method::GET, "/operators", None).await.expect(401));
    tracing::info!("capture ends");

    let logs = captured.text();
    assert!(logs.contains("capture starts") && logs.contains("capture ends"));
    assert!(logs.contains("UpdateItem"), "the SDK's logs were not captured");
    let header =
        |c: &Credentials| base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", c.username, c.password));
    let hash = |c: &Credentials| hub_api::caller::password_hash(&c.password);
    let secrets = [
        ("password", user.password.clone()),
        ("wrong password", wrong.password.clone()),
        ("deleted user's password", other.password.clone()),
        ("password hash", hash(&user)),
        ("wrong password's hash", hash(&wrong)),
        ("deleted user's hash", hash(&other)),
        ("Basic header", header(&user)),
        ("wrong Basic header", header(&wrong)),
    ];
    for (name, secret) in &secrets {
        let leaks: Vec<String> = logs
            .lines()
            .filter(|l| l.contains(secret.as_str()))
            .map(|l| l.replace(secret.as_str(), "<SECRET>"))
            .collect();
        assert!(leaks.is_empty(), "the {name} appears in the logs:\n{}", leaks.join("\n"));
        for reply in &responses {
            let text = format!("{:?} {}", reply.headers, reply.body);
            assert!(!text.contains(secret.as_str()), "the {name} appears in a response: {text}");
        }
    }
}

/// The authorizer's and the api-users function's real binaries (their `main`) under a local
/// Lambda Runtime API, chained as API Gateway chains them: the HTTP API authorizer request
/// (payload format 2.0) with the Basic header, then the function's event with the authorizer's
/// context in `requestContext.authorizer.lambda` and no credentials of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_authorizer_binary_authorizes_api_gateway_requests_for_the_functions() {
    use hub_e2e::runtime_api::{Outcome, http_event};
    let app = TestApp::start().await;
    let user = create_api_user(&app, &app.admin_token, None, "Through API Gateway").await;
    let mut authorizer = app.start_function("authorizer").await;
    let mut function = app.start_function("api-users").await;
    let authorizer_request = |authorization: Option<String>| {
        let mut event = json!({
            "version": "2.0",
            "type": "REQUEST",
            "routeArn": "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/GET/api-users/{id}",
            "routeKey": "GET /api-users/{id}",
            "rawPath": format!("/api-users/{}", user.id),
            "rawQueryString": "",
            "headers": {"accept": "*/*", "user-agent": "curl/8.5.0"},
            "requestContext": {
                "accountId": "123456789012", "apiId": "abcdef123", "domainName": "abcdef123.execute-api.us-east-1.amazonaws.com",
                "domainPrefix": "abcdef123", "requestId": "id", "routeKey": "GET /api-users/{id}", "stage": "$default",
                "time": "27/Nov/2026:10:00:00 +0000", "timeEpoch": 1795773600000u64,
                "http": {"method": "GET", "path": format!("/api-users/{}", user.id), "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7", "userAgent": "curl/8.5.0"}
            },
            "pathParameters": {"id": user.id}
        });
        if let Some(value) = authorization {
            event["headers"]["authorization"] = json!(value);
        }
        event
    };
    let basic_header = |c: &Credentials| {
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", c.username, c.password)))
    };
    let answer = match authorizer.invoke(authorizer_request(Some(basic_header(&user)))).await {
        Outcome::Response(answer) => answer,
        other => panic!("the authorizer failed: {other:?}"),
    };
    assert_eq!(answer["isAuthorized"], true);
    assert_eq!(
        answer["context"],
        json!({"accountId": app.account.account_id, "operatorId": app.account.admin_operator_id, "apiUserId": user.id, "isAdministrator": true,
            "operatorName": "Ada Admin", "apiUserName": "Through API Gateway"})
    );
    let response = |outcome: Outcome| match outcome {
        Outcome::Response(r) => {
            let body = r["body"].as_str().map(|b| serde_json::from_str::<Value>(b).unwrap()).unwrap_or(Value::Null);
            (r["statusCode"].as_u64().unwrap(), r["headers"].clone(), body)
        }
        other => panic!("the function failed: {other:?}"),
    };
    let path = format!("/api-users/{}", user.id);
    let (status, _, body) =
        response(function.invoke(http_event("GET", &path, "", None, Some(answer["context"].clone()))).await);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["requestsLast30Days"], 1, "the authorizer counted the request");

    // Refused by the authorizer: the function answers the contract's 401.
    let mut wrong = user.clone();
    wrong.password = "C".repeat(43);
    let refused = match authorizer.invoke(authorizer_request(Some(basic_header(&wrong)))).await {
        Outcome::Response(answer) => answer,
        other => panic!("the authorizer failed: {other:?}"),
    };
    assert_eq!(refused, json!({"isAuthorized": true, "context": {"refusal": "unauthenticated"}}));
    let (status, headers, body) =
        response(function.invoke(http_event("GET", &path, "", None, Some(refused["context"].clone()))).await);
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthenticated")));
    assert!(headers["www-authenticate"].as_str().is_some_and(|h| h.contains("Basic")));
    // Deleted: refused at the next request.
    app.call(Method::DELETE, &path, None).await.expect(204);
    match authorizer.invoke(authorizer_request(Some(basic_header(&user)))).await {
        Outcome::Response(answer) => assert_eq!(answer["context"], json!({"refusal": "unauthenticated"})),
        other => panic!("the authorizer failed: {other:?}"),
    }
    // A burst of wrong passwords (one above, one just now): after 20 the authorizer refuses the
    // username without checking it, and the function answers 429 with Retry-After.
    for _ in 2..hub_api::throttle::MAX_FAILURES {
        match authorizer.invoke(authorizer_request(Some(basic_header(&wrong)))).await {
            Outcome::Response(answer) => assert_eq!(answer["context"], json!({"refusal": "unauthenticated"})),
            other => panic!("the authorizer failed: {other:?}"),
        }
    }
    let limited = match authorizer.invoke(authorizer_request(Some(basic_header(&user)))).await {
        Outcome::Response(answer) => answer,
        other => panic!("the authorizer failed: {other:?}"),
    };
    assert_eq!(limited["context"]["refusal"], "too_many_requests", "{limited}");
    let retry_after = limited["context"]["retryAfter"].as_u64().expect("retryAfter");
    assert!((1..=60).contains(&retry_after), "{limited}");
    let (status, headers, body) =
        response(function.invoke(http_event("GET", &path, "", None, Some(limited["context"].clone()))).await);
    assert_eq!((status, body["code"].as_str()), (429, Some("too_many_requests")));
    assert_eq!(headers["retry-after"], retry_after.to_string());
}
