//! The identity edge: tokens of an identity provider (audience, issuer, the subject an operator is
//! bound to), the throttling of failed Basic attempts, the configurations a function refuses to
//! start with, and the raw events no function logs.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use base64::Engine as _;
use hub_api::clock::Clock;
use hub_e2e::idp::IdentityProvider;
use hub_e2e::runtime_api::{LocalLambda, Outcome, authorizer_context, binary, http_event};
use hub_e2e::{TestApp, send};
use reqwest::Method;
use serde_json::{Value, json};

async fn call(app: &TestApp, base: &str, token: &str, method: Method, path: &str) -> hub_e2e::Reply {
    send(app.http.request(method, format!("{base}{path}")).bearer_auth(token)).await
}

/// A test app, an identity provider, and the whole API served beside it trusting that
/// provider's tokens only: its base URL and its state.
async fn behind_identity_provider() -> (TestApp, IdentityProvider, String, hub_api::AppState) {
    let app = TestApp::start().await;
    let idp = IdentityProvider::start().await;
    let (base, state) = app.serve_with_jwt(idp.config()).await;
    (app, idp, base, state)
}

#[tokio::test]
async fn an_operator_is_bound_to_the_first_subject_that_signs_in_as_it_until_an_administrator_resets_it() {
    let (app, idp, base, _) = behind_identity_provider().await;
    let account = &app.account.account_id;
    let admin = &app.account.admin_operator_id;
    let grace = app.create_operator("Grace Hopper", "grace@example.com").await;
    let version = |reply: &hub_e2e::Reply| reply.body["version"].as_i64().unwrap();
    let before = version(&app.call(Method::GET, &format!("/operators/{grace}"), None).await.expect(200));

    // First sign-in: recorded with one conditional write, then every request is one GetItem.
    let alice = idp.token(account, admin, "alice@idp");
    let grace_token = idp.token(account, &grace, "grace@idp");
    call(&app, &base, &grace_token, Method::GET, "/operators").await.expect(200);
    let stored = app.operator_record(&grace).await;
    let binding = stored.sign_in.expect("bound at the first sign-in");
    assert_eq!((binding.issuer.as_str(), binding.subject.as_str()), (idp.issuer.as_str(), "grace@idp"));
    assert_eq!(stored.version, before + 1, "the binding moves the version, so writers that replace the item keep it");
    let reply = app.call(Method::GET, &format!("/operators/{grace}"), None).await.expect(200);
    assert!(!reply.body.to_string().contains("grace@idp"), "the binding is not part of the resource: {}", reply.body);
    app.requests.reset();
    app.call(Method::GET, &format!("/operators/{grace}"), None).await.expect(200);
    let without_binding = app.requests.get();
    app.requests.reset();
    call(&app, &base, &grace_token, Method::GET, &format!("/operators/{grace}")).await.expect(200);
    assert_eq!(app.requests.get(), without_binding, "a bound sign-in costs the one GetItem of any bearer token");

    // Somebody else who edited their own profile to say they are Grace: refused.
    let mallory = idp.token(account, &grace, "mallory@idp");
    let refused = call(&app, &base, &mallory, Method::GET, "/operators").await.expect_problem(401, "unauthenticated");
    assert!(refused.header("www-authenticate").is_some());
    // A PATCH of the operator (a replace on the version it read) keeps the binding.
    let patch = app.req(Method::PATCH, &format!("/operators/{grace}")).json(&json!({"fullName": "Grace B. Hopper"}));
    send(patch).await.expect(200);
    call(&app, &base, &mallory, Method::GET, "/operators").await.expect_problem(401, "unauthenticated");
    call(&app, &base, &grace_token, Method::GET, "/operators").await.expect(200);

    // Only administrators reset a binding.
    call(&app, &base, &grace_token, Method::DELETE, &format!("/operators/{grace}/sign-in"))
        .await
        .expect_problem(403, "forbidden");
    call(&app, &base, &alice, Method::DELETE, &format!("/operators/{grace}/sign-in")).await.expect(204);
    assert!(app.operator_record(&grace).await.sign_in.is_none());
    // Idempotent; an unknown operator is 404.
    call(&app, &base, &alice, Method::DELETE, &format!("/operators/{grace}/sign-in")).await.expect(204);
    app.call(Method::DELETE, &format!("/operators/{}/sign-in", hub_api::values::new_id()), None)
        .await
        .expect_problem(404, "not_found");
    // The next subject to sign in is bound; the old one is now the stranger.
    call(&app, &base, &mallory, Method::GET, "/operators").await.expect(200);
    call(&app, &base, &grace_token, Method::GET, "/operators").await.expect_problem(401, "unauthenticated");
    // The administrator itself was bound at its first request too.
    call(&app, &base, &idp.token(account, admin, "someone-else"), Method::GET, "/operators")
        .await
        .expect_problem(401, "unauthenticated");
}

#[tokio::test]
async fn concurrent_first_sign_ins_bind_exactly_one_subject() {
    let (app, idp, base, _) = behind_identity_provider().await;
    let op = app.create_operator("Race Target", "race@example.com").await;
    let replies = futures::future::join_all((0..8).map(|i| {
        let token = idp.token(&app.account.account_id, &op, &format!("subject-{}", i % 2));
        let (app, base) = (&app, &base);
        async move { call(app, base, &token, Method::GET, "/operators").await.status.as_u16() }
    }))
    .await;
    let stored = app.operator_record(&op).await;
    let winner = stored.sign_in.expect("bound").subject;
    for (i, status) in replies.iter().enumerate() {
        let expected = if format!("subject-{}", i % 2) == winner { 200 } else { 401 };
        assert_eq!(*status, expected, "request {i} ({replies:?}, bound to {winner})");
    }
}

#[tokio::test]
async fn tokens_of_another_application_or_issuer_are_refused() {
    let (app, idp, base, _) = behind_identity_provider().await;
    let (account, admin) = (&app.account.account_id, &app.account.admin_operator_id);
    call(&app, &base, &idp.token(account, admin, "ada"), Method::GET, "/account").await.expect(200);
    let mut other_app = idp.claims(account, admin, "ada");
    other_app["aud"] = json!("another-application-of-the-tenant");
    let mut other_issuer = idp.claims(account, admin, "ada");
    other_issuer["iss"] = json!("https://another-tenant.idp.example");
    let mut no_subject = idp.claims(account, admin, "ada");
    no_subject.as_object_mut().unwrap().remove("sub");
    for claims in [other_app, other_issuer, no_subject] {
        call(&app, &base, &idp.sign(&claims), Method::GET, "/account").await.expect_problem(401, "unauthenticated");
    }
    // HS256 is off beside the identity provider, even with the server's own secret.
    call(&app, &base, &app.admin_token, Method::GET, "/account").await.expect_problem(401, "unauthenticated");
}

/// The Lambda authorizer runs the same authentication: binds at the first sign-in, refuses
/// another subject, and hands the functions a refusal they answer with 401.
#[tokio::test]
async fn the_authorizer_binds_and_refuses_subjects_the_same_way() {
    let (app, idp, _, state) = behind_identity_provider().await;
    let op = app.create_operator("Behind Gateway", "gateway@example.com").await;
    let request = |token: &str| -> hub_authorizer::AuthorizerRequest {
        serde_json::from_value(json!({
            "version": "2.0", "type": "REQUEST",
            "routeArn": "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/GET/operators",
            "routeKey": "GET /operators", "rawPath": "/operators", "rawQueryString": "",
            "headers": {"authorization": format!("Bearer {token}")},
            "requestContext": {"accountId": "123456789012", "apiId": "abcdef123", "http": {"method": "GET", "path": "/operators"}}
        }))
        .expect("an authorizer request")
    };
    let first = hub_authorizer::authorize(&state, &request(&idp.token(&app.account.account_id, &op, "sub-1"))).await;
    assert_eq!(
        serde_json::to_value(&first.context).unwrap(),
        json!({"accountId": app.account.account_id, "operatorId": op, "isAdministrator": false, "operatorName": "Behind Gateway"})
    );
    let bound = app.operator_record(&op).await;
    assert_eq!(bound.sign_in.map(|b| b.subject).as_deref(), Some("sub-1"));
    let other = hub_authorizer::authorize(&state, &request(&idp.token(&app.account.account_id, &op, "sub-2"))).await;
    assert!(other.is_authorized);
    assert_eq!(serde_json::to_value(&other.context).unwrap(), json!({"refusal": "unauthenticated"}));
}

#[tokio::test]
async fn a_burst_of_bad_basic_passwords_gets_429_without_dynamodb_requests_then_the_good_password_works() {
    let app = TestApp::start().await;
    let created = app.call(Method::POST, "/api-users", Some(json!({"description": "Script"}))).await.expect(201);
    let (username, password) = (created.str("username"), created.str("password"));
    let wrong = format!("{}{}", &password[..42], if password.ends_with('x') { 'y' } else { 'x' });
    // The server's clock, moved by the test (no sleeping).
    let now = Arc::new(AtomicI64::new(jiff::Timestamp::now().as_second()));
    let clock_now = now.clone();
    let base = app
        .serve_with_clock(Clock::from_fn(move || {
            jiff::Timestamp::from_second(clock_now.load(Ordering::SeqCst)).unwrap()
        }))
        .await;
    let basic = |password: &str| send(app.http.get(format!("{base}/operators")).basic_auth(&username, Some(password)));

    for _ in 0..hub_api::throttle::MAX_FAILURES {
        basic(&wrong).await.expect_problem(401, "unauthenticated");
    }
    app.requests.reset();
    let limited = basic(&wrong).await.expect_problem(429, "too_many_requests");
    assert_eq!(limited.header("retry-after"), Some("60"));
    now.fetch_add(45, Ordering::SeqCst);
    // The good password too: checking it would cost the write the limit saves.
    let limited = basic(&password).await.expect_problem(429, "too_many_requests");
    assert_eq!(limited.header("retry-after"), Some("15"));
    assert_eq!(app.requests.get(), 0, "a refused attempt reached DynamoDB");
    // Other API users are not affected.
    let other = app.call(Method::POST, "/api-users", Some(json!({"description": "Other"}))).await.expect(201);
    send(app.http.get(format!("{base}/operators")).basic_auth(other.str("username"), Some(other.str("password"))))
        .await
        .expect(200);
    // After the window: the good password works, and a wrong one is an ordinary 401 again.
    now.fetch_add(16, Ordering::SeqCst);
    basic(&password).await.expect(200);
    basic(&wrong).await.expect_problem(401, "unauthenticated");
    basic(&password).await.expect(200);
}

fn lambda_env(app: &TestApp, extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("DYNAMODB_ENDPOINT", app.dynamo.endpoint()),
        ("HUB_TABLE_NAME", app.state.store.table_name().to_owned()),
        ("AWS_ACCESS_KEY_ID", "local".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "local".to_owned()),
    ];
    env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    env
}

/// Each function binary, in a Lambda environment, refuses to start with a configuration that
/// would trust too much: it logs why, reports it as the init error, and exits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn functions_refuse_to_start_with_an_unsafe_configuration() {
    let app = TestApp::start().await;
    let idp: [(&'static str, &str); 3] = [
        ("HUB_JWKS_URL", "https://idp.example/.well-known/jwks.json"),
        ("HUB_JWT_ISSUER", "https://idp.example/"),
        ("HUB_JWT_AUDIENCE", "hub"),
    ];
    type Case<'a> = (&'a str, Vec<(&'static str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        ("operators", vec![idp[0]], "HUB_JWT_ISSUER and HUB_JWT_AUDIENCE"),
        ("authorizer", vec![idp[0], idp[1]], "HUB_JWT_ISSUER and HUB_JWT_AUDIENCE"),
        ("api-users", vec![idp[0], idp[2]], "HUB_JWT_ISSUER and HUB_JWT_AUDIENCE"),
        ("authorizer", vec![("HUB_JWKS_URL", "http://127.0.0.1:9/jwks"), idp[1], idp[2]], "https"),
        ("authorizer", vec![("HUB_JWT_SECRET", "a-local-secret-that-is-long-enough-0123456789")], "HS256"),
        ("groups", vec![("HUB_JWT_SECRET", hub_api::auth::LOCAL_DEV_SECRET)], "HS256"),
        ("hub-summary", vec![idp[0], idp[1], idp[2], ("HUB_CURSOR_SECRET", "")], "HUB_CURSOR_SECRET"),
        ("monitors", vec![("HUB_CURSOR_SECRET", " ")], "HUB_CURSOR_SECRET"),
    ];
    for (function, extra, reason) in cases {
        let mut lambda = LocalLambda::start(&binary(function, "debug"), &lambda_env(&app, &extra)).await;
        let (status, init_error, logs) = lambda.exited().await;
        assert!(!status.success(), "{function} {extra:?} started");
        let init_error =
            init_error.unwrap_or_else(|| panic!("{function} {extra:?}: no init error reported; logs: {logs}"));
        assert_eq!(init_error["errorType"], "Runtime.ConfigError");
        assert!(init_error["errorMessage"].as_str().unwrap().contains(reason), "{function} {extra:?}: {init_error}");
        let line = logs
            .lines()
            .find(|l| l.contains("refusing to start"))
            .unwrap_or_else(|| panic!("{function}: no log line in {logs}"));
        let line: Value = serde_json::from_str(line).expect("a JSON log line");
        assert_eq!(line["level"], "ERROR");
        assert!(line["fields"]["reason"].as_str().unwrap().contains(reason), "{line}");
    }
    // The complete configuration starts and serves (the JWKS is fetched only for a token).
    let mut lambda = LocalLambda::start(&binary("operators", "debug"), &lambda_env(&app, &idp)).await;
    let context = authorizer_context(&app.account.account_id, &app.account.admin_operator_id, true);
    match lambda.invoke(http_event("GET", "/operators", "", None, Some(context))).await {
        Outcome::Response(r) => assert_eq!(r["statusCode"], 200, "{r}"),
        other => panic!("the function failed: {other:?}"),
    }
}

/// At TRACE, the Lambda runtime would log every raw event it receives, `authorization` header
/// included. Every function (the five HTTP functions and the authorizer) runs with
/// `RUST_LOG=trace`, then with `AWS_LAMBDA_LOG_LEVEL=TRACE`, and gets credentials in its event:
/// they appear in no log line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_function_logs_the_raw_event_or_its_authorization_header_at_trace() {
    let app = TestApp::start().await;
    let token = app.token(&app.account.account_id, &app.account.admin_operator_id);
    let signature = token.rsplit('.').next().unwrap().to_owned();
    let basic = base64::engine::general_purpose::STANDARD.encode("hub_someone:a-password-nobody-may-log-0123456789ab");
    let levels: [&[(&'static str, &str)]; 2] =
        [&[("RUST_LOG", "trace")], &[("RUST_LOG", ""), ("AWS_LAMBDA_LOG_LEVEL", "TRACE")]];
    for (function, level) in ["operators", "groups", "hub-summary", "monitors", "api-users", "authorizer"]
        .into_iter()
        .flat_map(|f| levels.map(|l| (f, l)))
    {
        let env = lambda_env(&app, level);
        let mut lambda = LocalLambda::start(&binary(function, "debug"), &env).await;
        for authorization in [format!("Bearer {token}"), format!("Basic {basic}")] {
            let event = if function == "authorizer" {
                json!({
                    "version": "2.0", "type": "REQUEST", "routeKey": "GET /operators", "rawPath": "/operators", "rawQueryString": "",
                    "headers": {"authorization": authorization, "user-agent": "e2e"},
                    "requestContext": {"accountId": "123456789012", "apiId": "abcdef123", "http": {"method": "GET", "path": "/operators"}}
                })
            } else {
                let mut event = http_event("GET", "/operators", "", None, None);
                event["headers"]["authorization"] = json!(authorization);
                event
            };
            match lambda.invoke(event).await {
                Outcome::Response(_) => {}
                other => panic!("{function} failed: {other:?}"),
            }
        }
        let logs = lambda.stop().await;
        assert!(
            logs.contains("\"level\":\"TRACE\""),
            "{function} {level:?} did not log at TRACE, so the test proves nothing:\n{logs}"
        );
        for secret in [token.as_str(), signature.as_str(), basic.as_str()] {
            let leaks: Vec<&str> = logs.lines().filter(|l| l.contains(secret)).collect();
            assert!(leaks.is_empty(), "{function} logged credentials:\n{}", leaks.join("\n"));
        }
        assert!(!logs.to_ascii_lowercase().contains("raw json event"), "{function} logged a raw event");
    }
}

/// `hub-local` behind an identity provider (a stand-in on loopback): HS256 is off, yet the demo
/// account is seeded through the API, and the provider's tokens open it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_local_runs_and_seeds_with_only_an_identity_provider() {
    use tokio::io::AsyncBufReadExt as _;
    let idp = IdentityProvider::start().await;
    let dir = std::env::temp_dir().join(format!("hub-local-idp-{}", hub_api::values::new_id()));
    let mut child = tokio::process::Command::new(binary("hub-local", "debug"))
        .env("HUB_DATA_DIR", &dir)
        .env("HUB_ADDR", "127.0.0.1:0")
        .env("HUB_DYNAMODB_ADDR", "127.0.0.1:0")
        .env("HUB_JWKS_URL", &idp.jwks_url)
        .env("HUB_JWT_ISSUER", &idp.issuer)
        .env("HUB_JWT_AUDIENCE", &idp.audience)
        .env_remove("HUB_JWT_SECRET")
        .env_remove("DYNAMODB_ENDPOINT")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("hub-local starts");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = Vec::new();
    let read = async {
        while let Some(line) = lines.next_line().await.expect("stdout") {
            let done = line.starts_with("Ctrl-C");
            banner.push(line);
            if done {
                break;
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), read).await.expect("the banner within 60 s");
    let field = |name: &str| {
        let line = banner
            .iter()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("no {name} in {banner:?}"));
        line.trim_start()[name.len()..].split_whitespace().next().unwrap().to_owned()
    };
    let (base, account, admin) = (field("API"), field("Account"), field("Admin"));
    assert!(banner.iter().any(|l| l.contains("Demo data  complete")), "{banner:?}");
    assert!(!banner.iter().any(|l| l.contains("export TOKEN=")), "no HS256 token is printed: {banner:?}");
    let http = reqwest::Client::new();
    let operators = send(http.get(format!("{base}/operators")).bearer_auth(idp.token(&account, &admin, "ada@idp")))
        .await
        .expect(200);
    assert!(operators.items().len() >= 5, "the demo operators: {}", operators.body);
    let dev = hub_api::auth::sign_hs256(hub_api::auth::LOCAL_DEV_SECRET, &account, &admin, 600);
    send(http.get(format!("{base}/operators")).bearer_auth(dev)).await.expect_problem(401, "unauthenticated");
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
}
