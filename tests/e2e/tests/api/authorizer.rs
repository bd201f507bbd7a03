//! The authorizer's Lambda entry point (hub_authorizer::handler) driven by the event API Gateway sends (HTTP API, payload
//! format 2.0, shaped as the `aws_lambda_events` fixture), against the embedded DynamoDB; and its
//! context handed on to a function the way API Gateway does, in `requestContext.authorizer.lambda`.
//! The suite's `TestApp` holds the state, the account (its administrator is Ada Admin) and the
//! request counter.

use axum::body::Body;
use axum::http::StatusCode;
use base64::Engine as _;
use hub_api::AppState;
use hub_api::auth::sign_hs256;
use hub_authorizer::{AuthorizerRequest, handler};
use hub_e2e::TestApp;
use lambda_runtime::{Context, LambdaEvent};
use reqwest::Method;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::api_users::{Credentials, create_api_user};

/// Creates an API user for the administrator.
async fn api_user(app: &TestApp) -> Credentials {
    create_api_user(app, &app.admin_token, None, "Authorizer test").await
}

/// The HTTP API authorizer request (payload format 2.0) as API Gateway sends it: the
/// `aws_lambda_events` fixture `example-apigw-v2-custom-authorizer-v2-request.json`, with the
/// request's `authorization` header (HTTP API lowercases header names) and no identity source.
fn authorizer_event(authorization: Option<&str>) -> Value {
    let mut event = json!({
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/GET/api-users",
        "routeKey": "GET /api-users",
        "rawPath": "/api-users",
        "rawQueryString": "limit=10",
        "cookies": ["cookie1", "cookie2"],
        "headers": {"accept": "application/json", "user-agent": "curl/8.5.0"},
        "queryStringParameters": {"limit": "10"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef123",
            "authentication": null,
            "domainName": "abcdef123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abcdef123",
            "http": {"method": "GET", "path": "/api-users", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7", "userAgent": "curl/8.5.0"},
            "requestId": "Jk3mHj0ZIAMEVzw=",
            "routeKey": "GET /api-users",
            "stage": "$default",
            "time": "27/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1795773600000u64
        },
        "pathParameters": {},
        "stageVariables": {}
    });
    if let Some(value) = authorization {
        event["headers"]["authorization"] = json!(value);
    }
    event
}

/// Runs the Lambda entry point on a JSON event; returns the JSON answer.
async fn invoke(state: &AppState, event: Value) -> Value {
    let request: AuthorizerRequest = serde_json::from_value(event).expect("the event deserialises");
    let response = handler(state, LambdaEvent::new(request, Context::default())).await.expect("the handler answers");
    serde_json::to_value(response).unwrap()
}

fn basic(username: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_and_bearer_credentials_become_the_context_in_one_round_trip() {
    let app = TestApp::start().await;
    let Credentials { id, username, password } = api_user(&app).await;
    let (account, admin) = (&app.account.account_id, &app.account.admin_operator_id);

    app.requests.reset();
    let answer = invoke(&app.state, authorizer_event(Some(&basic(&username, &password)))).await;
    assert_eq!(app.requests.get(), 1, "one DynamoDB request");
    assert_eq!(
        answer,
        json!({"isAuthorized": true, "context": {"accountId": account, "operatorId": admin, "apiUserId": id, "isAdministrator": true,
            "operatorName": "Ada Admin", "apiUserName": "Authorizer test"}})
    );
    // The use was counted.
    let scope = hub_store::AccountScope::new(account);
    let stored = app.state.store.in_account(&scope).api_user(&id.as_str().into()).await.unwrap().unwrap();
    assert_eq!(stored.usage.values().sum::<i64>(), 1);
    assert!(stored.last_used_at.is_some());

    let token = app.token(account, admin);
    app.requests.reset();
    let answer = invoke(&app.state, authorizer_event(Some(&format!("Bearer {token}")))).await;
    assert_eq!(app.requests.get(), 1, "one DynamoDB request");
    // The operator's name rides along for the audit log's actor.
    assert_eq!(
        answer,
        json!({"isAuthorized": true, "context": {"accountId": account, "operatorId": admin, "isAdministrator": true, "operatorName": "Ada Admin"}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_handed_on_and_answered_by_the_function() {
    let app = TestApp::start().await;
    let Credentials { id, username, password } = api_user(&app).await;
    let unauthenticated = json!({"isAuthorized": true, "context": {"refusal": "unauthenticated"}});
    let wrong = format!("{}{}", &password[..42], if password.ends_with('A') { 'B' } else { 'A' });
    let stranger =
        hub_api::caller::api_user_username(&app.account.account_id, &hub_api::values::new_id().into()).unwrap();
    let forged = sign_hs256("another-secret", &app.account.account_id, &app.account.admin_operator_id, 600);
    for header in [
        None,
        Some(basic(&username, &wrong)),
        Some(basic(&stranger, &password)),
        Some(format!("Bearer {forged}")),
        Some("Negotiate abc".into()),
    ] {
        assert_eq!(invoke(&app.state, authorizer_event(header.as_deref())).await, unauthenticated, "{header:?}");
    }
    // Deleted: refused at once.
    app.call(Method::DELETE, &format!("/api-users/{id}"), None).await.expect(204);
    assert_eq!(invoke(&app.state, authorizer_event(Some(&basic(&username, &password)))).await, unauthenticated);
}

/// The HTTP API proxy event (payload 2.0, as `sam local generate-event apigateway http-api-proxy`
/// prints it) of `GET /api-users` with the authorizer's context, and no `Authorization` header.
fn function_event(context: &Value) -> String {
    json!({
        "version": "2.0",
        "routeKey": "GET /api-users",
        "rawPath": "/api-users",
        "rawQueryString": "",
        "headers": {"accept": "application/json"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api-id",
            "authorizer": {"lambda": context},
            "domainName": "id.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "id",
            "http": {"method": "GET", "path": "/api-users", "protocol": "HTTP/1.1", "sourceIp": "192.168.0.1/32", "userAgent": "agent"},
            "requestId": "id",
            "routeKey": "GET /api-users",
            "stage": "$default",
            "time": "12/Mar/2020:19:03:58 +0000",
            "timeEpoch": 1583348638390u64
        },
        "isBase64Encoded": false
    })
    .to_string()
}

async fn function_with_context(app: &TestApp, context: &Value) -> (StatusCode, Value, Option<String>) {
    let request = lambda_http::request::from_str(&function_event(context)).expect("the event parses");
    let request = request.map(|body| Body::from(body.to_vec()));
    let response = hub_api_users::router(app.state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null), challenge)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_functions_read_the_context_the_authorizer_writes() {
    let app = TestApp::start().await;
    let Credentials { id, username, password } = api_user(&app).await;
    let answer = invoke(&app.state, authorizer_event(Some(&basic(&username, &password)))).await;

    app.requests.reset();
    let (status, body, _) = function_with_context(&app, &answer["context"]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"][0]["apiUserId"], id.as_str());
    // The function trusted the context: it did not authenticate again (only the list's reads).
    let listing_reads = app.requests.get();
    assert!(listing_reads <= 2, "{listing_reads} DynamoDB requests");

    let refused = invoke(&app.state, authorizer_event(None)).await;
    app.requests.reset();
    let (status, body, challenge) = function_with_context(&app, &refused["context"]).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));
    assert!(challenge.is_some_and(|c| c.contains("Basic") && c.contains("Bearer")));
    assert_eq!(app.requests.get(), 0);
    let (status, body, _) = function_with_context(&app, &json!({"refusal": "service_unavailable"})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("service_unavailable")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_operators_token_and_api_users_are_refused_from_the_next_request() {
    let app = TestApp::start().await;
    let scope = hub_store::AccountScope::new(&app.account.account_id);
    // X, an operator with an API user.
    let x = app.create_operator("Xena", "x@authorizer.example").await;
    let script = create_api_user(&app, &app.admin_token, Some(&x), "X's script").await;
    let basic_x = basic(&script.username, &script.password);
    let bearer_x = format!("Bearer {}", app.token(&app.account.account_id, &x));
    for header in [&basic_x, &bearer_x] {
        assert_eq!(invoke(&app.state, authorizer_event(Some(header))).await["context"]["operatorId"], x.as_str());
    }

    let set = |disabled: bool| {
        let state = app.state.clone();
        let (scope, id) = (scope.clone(), hub_store::OperatorId::from(x.as_str()));
        async move {
            let acting = hub_api::audit::Acting {
                state: &state,
                scope,
                audit: hub_api::audit::system_context(&state, hub_store::AuditSource::Provisioning, "test"),
                actor: None,
            };
            hub_api::operators::update(&acting, &id, hub_api::extract::IfMatch(None), |op| {
                Ok(hub_store::records::OperatorRecord { is_disabled: disabled, ..op.clone() })
            })
            .await
            .unwrap()
        }
    };
    set(true).await;
    let unauthenticated = json!({"isAuthorized": true, "context": {"refusal": "unauthenticated"}});
    for header in [&basic_x, &bearer_x] {
        app.requests.reset();
        assert_eq!(invoke(&app.state, authorizer_event(Some(header))).await, unauthenticated, "{header}");
        assert_eq!(app.requests.get(), 1, "still one DynamoDB request");
    }
    set(false).await;
    for header in [&basic_x, &bearer_x] {
        assert_eq!(invoke(&app.state, authorizer_event(Some(header))).await["context"]["operatorId"], x.as_str());
    }
}
