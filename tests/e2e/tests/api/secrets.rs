//! Credentials never reach the logs or come back in responses. Every log line of a full scripted
//! run (the server, the SDK, the HTTP layers, the embedded DynamoDB, at TRACE level) is captured
//! and searched for the bearer tokens, their signatures, the Authorization header values and the
//! JWT secret.
//!
//! API-user passwords and their hashes are not covered yet (RELIABILITY.md).

use hub_e2e::{Reply, SECRET, TestApp, send};
use reqwest::Method;
use serde_json::{Value, json};

use crate::Captured;

/// Every response of the run, headers and body, as text.
#[derive(Default)]
struct Transcript(Vec<String>);

impl Transcript {
    async fn send(&mut self, request: reqwest::RequestBuilder) -> Reply {
        let reply = send(request).await;
        self.0.push(format!("{} {:?} {}", reply.status, reply.headers, reply.body));
        reply
    }
}

/// The tracing default set here is this thread's, and a current-thread runtime runs the server,
/// the embedded DynamoDB, the fault proxy and the SDK on this very thread: every log line of the
/// run lands in the buffer.
#[tokio::test(flavor = "current_thread")]
async fn logs_and_responses_never_carry_credentials() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);
    tracing::info!("capture starts");

    let (app, proxy) = TestApp::start_behind_proxy().await;
    // As in api_users: callsites registered on another thread while this subscriber was created
    // keep a stale interest unless it is recomputed.
    tracing::callsite::rebuild_interest_cache();
    let mut t = Transcript::default();
    let admin = app.admin_token.clone();
    let call = |token: &str, method: Method, path: &str, body: Option<Value>| {
        let mut request = app.req_as(token, method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request
    };

    // The happy path: operators, groups, memberships, permissions, schedules, idempotent replay.
    let mut ops = Vec::new();
    for i in 0..3 {
        let reply = t
            .send(call(
                &admin,
                Method::POST,
                "/operators",
                Some(json!({"email": format!("s{i}@example.com"), "fullName": format!("Secret {i}")})),
            ))
            .await;
        ops.push(reply.expect(201).str("operatorId"));
    }
    let group = t
        .send(call(&admin, Method::POST, "/groups", Some(json!({"description": "Vault"}))))
        .await
        .expect(201)
        .str("groupId");
    for op in ops.iter() {
        t.send(call(&admin, Method::PUT, &format!("/groups/{group}/members/{op}"), None)).await.expect(204);
    }
    t.send(call(&admin, Method::PUT, &format!("/groups/administrators/members/{}", ops[0]), None)).await.expect(204);
    t.send(call(&admin, Method::PUT, &format!("/operators/{}/permissions/AllowInfra", ops[1]), None)).await.expect(204);
    t.send(call(&admin, Method::PUT, &format!("/groups/{group}/permissions/ShareDashboards"), None)).await.expect(204);
    let daily = json!({"mode": "Daily", "startTime": "22:00", "endTime": "06:00"});
    t.send(call(&admin, Method::POST, &format!("/operators/{}/duty-schedules", ops[1]), Some(daily.clone())))
        .await
        .expect(201);
    for _ in 0..2 {
        let request = call(&admin, Method::POST, "/groups", Some(json!({"description": "Replayed"})))
            .header("idempotency-key", "secret-run-1");
        t.send(request).await.expect(201);
    }
    for path in [
        "/operators".to_owned(),
        "/groups".to_owned(),
        format!("/groups/{group}/members"),
        format!("/operators/{}/permissions", ops[1]),
    ] {
        t.send(call(&admin, Method::GET, &path, None)).await.expect(200);
    }
    t.send(call(&admin, Method::PATCH, &format!("/operators/{}", ops[2]), Some(json!({"fullName": "Renamed"}))))
        .await
        .expect(200);

    // Errors: 401 (bad, forged, expired-looking and unknown credentials), 403, 404, 409, 412, 400.
    let member = app.token(&app.account.account_id, &ops[1]);
    let forged =
        hub_api::auth::sign_hs256("not-the-secret", &app.account.account_id, &app.account.admin_operator_id, 3600);
    let stranger = app.token("no-such-account", &app.account.admin_operator_id);
    let garbage = "garbage.token.value";
    for token in [forged.as_str(), stranger.as_str(), garbage] {
        t.send(call(token, Method::GET, "/operators", None)).await.expect(401);
    }
    t.send(
        app.http
            .get(format!("{}/operators", app.base))
            .header("authorization", format!("Basic {}", "dXNlcjpwYXNzd29yZA==")),
    )
    .await
    .expect(401);
    t.send(app.http.get(format!("{}/operators", app.base)).header("authorization", format!("Token {admin}")))
        .await
        .expect(401);
    t.send(call(&member, Method::POST, "/operators", Some(json!({"email": "x@example.com", "fullName": "X"}))))
        .await
        .expect(403);
    t.send(call(&member, Method::DELETE, &format!("/groups/{group}"), None)).await.expect(403);
    t.send(call(&admin, Method::GET, "/operators/no-such-operator", None)).await.expect(404);
    t.send(call(&admin, Method::POST, "/operators", Some(json!({"email": "s0@example.com", "fullName": "Dup"}))))
        .await
        .expect(409);
    t.send(call(&admin, Method::DELETE, &format!("/operators/{}", app.account.admin_operator_id), None))
        .await
        .expect(409);
    t.send(
        call(&admin, Method::PATCH, &format!("/operators/{}", ops[2]), Some(json!({"fullName": "Stale"})))
            .header("if-match", "\"1\""),
    )
    .await
    .expect(412);
    t.send(call(&admin, Method::POST, "/groups", Some(json!({"description": "x", "token": admin})))).await.expect(400);
    t.send(
        call(&admin, Method::POST, "/operators", None).header("content-type", "application/json").body("{\"email\":"),
    )
    .await
    .expect(400);

    // SCIM: a token created outside the transcript (its 201 is the one answer that shows it), then
    // used at /scim/v2, refused on the hub API, and a forged one refused at /scim/v2.
    let scim_token =
        app.call(Method::POST, "/scim-tokens", Some(json!({"description": "Logged?"}))).await.expect(201).str("token");
    let scim = |token: &str, method: Method, path: &str, body: Option<Value>| {
        let mut request = app.http.request(method, format!("{}/scim/v2{path}", app.base)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request
    };
    t.send(scim(
        &scim_token,
        Method::POST,
        "/Users",
        Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "scim-secret@example.com"})),
    ))
    .await
    .expect(201);
    t.send(scim(&scim_token, Method::GET, "/Users?filter=userName%20eq%20%22scim-secret@example.com%22", None))
        .await
        .expect(200);
    t.send(call(&scim_token, Method::GET, "/operators", None)).await.expect(401);
    let forged_scim =
        format!("{}{}", &scim_token[..scim_token.len() - 3], if scim_token.ends_with("AAA") { "BBB" } else { "AAA" });
    t.send(scim(&forged_scim, Method::GET, "/Users", None)).await.expect(401);
    t.send(scim(&admin, Method::GET, "/Users", None)).await.expect(401);

    // 503s: the SDK's errors and retries are logged with the rest.
    proxy.throttle_everything();
    t.send(call(&admin, Method::GET, "/operators", None)).await.expect(503);
    proxy.heal();
    proxy.conflict_next_transactions(1);
    t.send(call(&admin, Method::DELETE, &format!("/operators/{}", ops[2]), None)).await.expect(204);
    proxy.heal();
    t.send(call(&admin, Method::DELETE, &format!("/groups/{group}"), None)).await.expect(204);

    tracing::info!("capture ends");
    let logs = captured.text();
    let signature = |token: &str| token.rsplit('.').next().unwrap().to_owned();
    let mut secrets: Vec<(&str, String)> =
        vec![("JWT secret", SECRET.to_owned()), ("forging secret", "not-the-secret".to_owned())];
    for (name, token) in
        [("admin token", &admin), ("member token", &member), ("forged token", &forged), ("stranger token", &stranger)]
    {
        secrets.push((name, token.clone()));
        secrets.push((name, signature(token)));
        secrets.push((name, format!("Bearer {token}")));
    }
    secrets.push(("garbage token", garbage.to_owned()));
    for (name, token) in [("SCIM token", &scim_token), ("forged SCIM token", &forged_scim)] {
        secrets.push((name, token.clone()));
        // The part after the prefix that names the account and the token: the random secret.
        secrets.push((name, token[token.len() - 43..].to_owned()));
    }
    secrets.push(("Basic credentials", "dXNlcjpwYXNzd29yZA==".to_owned()));
    eprintln!("captured {} bytes of logs, {} lines; {} responses", logs.len(), logs.lines().count(), t.0.len());
    assert!(logs.contains("capture starts") && logs.contains("capture ends"));
    // The capture saw the server's own work, not only this test's lines.
    assert!(logs.contains("GetItem") && logs.contains("TransactWriteItems"), "the SDK's logs were not captured");
    let lower = logs.to_ascii_lowercase();
    for (name, secret) in &secrets {
        assert!(!logs.contains(secret.as_str()), "the {name} appears in the logs");
        for response in &t.0 {
            assert!(!response.contains(secret.as_str()), "the {name} appears in a response: {response}");
        }
    }
    // No Authorization header of the API's requests is logged (DynamoDB's own SigV4 header, with
    // the local dummy key, is the SDK's business and carries none of the API's credentials).
    for line in lower.lines().filter(|l| l.contains("authorization")) {
        assert!(
            !line.contains("bearer ey") && !line.contains("bearer scim_") && !line.contains("basic "),
            "an Authorization header is logged: {line}"
        );
    }
}
