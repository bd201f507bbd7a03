//! The authorizer's Lambda entry point (hub_authorizer::handler) driven by the event API Gateway sends (HTTP API, payload
//! format 2.0, shaped as the `aws_lambda_events` fixture), against the embedded DynamoDB; and its
//! context handed on to a function the way API Gateway does, in `requestContext.authorizer.lambda`.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine as _;
use hub_api::AppState;
use hub_api::auth::{JwtConfig, sign_hs256};
use hub_api::clock::Clock;
use hub_api::config::HubConfig;
use hub_api::provisioning::{AccountRequest, ProvisionedAccount, create_account};
use hub_authorizer::{AuthorizerRequest, handler};
use hub_store::{EmbeddedDynamo, RequestCounter, Store, StoreConfig};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::{Value, json};
use tower::ServiceExt;

const SECRET: &str = "authorizer-test-secret-0123456789abcdef";

struct Env {
    state: AppState,
    requests: RequestCounter,
    account: ProvisionedAccount,
    _dynamo: EmbeddedDynamo,
}

async fn env() -> Env {
    let dynamo = EmbeddedDynamo::in_memory().await.unwrap();
    let requests = RequestCounter::default();
    let store = Store::connect_counted(&StoreConfig::local(dynamo.endpoint()), requests.clone()).await.unwrap();
    store.create_table_if_missing().await.unwrap();
    let jwt = JwtConfig { hs256_secret: Some(SECRET.into()), ..JwtConfig::default() };
    let state = AppState::new(store, jwt, HubConfig::default(), Clock::system());
    let request = AccountRequest {
        name: "Authorizer Inc".into(),
        account_type: "Business".into(),
        admin_email: "admin@authorizer.example".into(),
        admin_name: "Ada Admin".into(),
        extra_operators: 0,
        time_zone: None,
    };
    let account = create_account(&state, &request).await.unwrap();
    Env { state, requests, account, _dynamo: dynamo }
}

/// A request to the api-users function's router, as the local server would serve it.
async fn api_users(state: &AppState, request: Request<Body>) -> (StatusCode, Value) {
    let response = hub_api_users::router(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// Creates an API user for the administrator; returns (id, username, password).
async fn api_user(env: &Env) -> (String, String, String) {
    let token = sign_hs256(SECRET, &env.account.account_id, &env.account.admin_operator_id, 600);
    let request = Request::post("/api-users")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(r#"{"description": "Authorizer test"}"#))
        .unwrap();
    let (status, body) = api_users(&env.state, request).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let text = |f: &str| body[f].as_str().unwrap().to_owned();
    (text("apiUserId"), text("username"), text("password"))
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
    let env = env().await;
    let (id, username, password) = api_user(&env).await;
    let (account, admin) = (&env.account.account_id, &env.account.admin_operator_id);

    env.requests.reset();
    let answer = invoke(&env.state, authorizer_event(Some(&basic(&username, &password)))).await;
    assert_eq!(env.requests.get(), 1, "one DynamoDB request");
    assert_eq!(
        answer,
        json!({"isAuthorized": true, "context": {"accountId": account, "operatorId": admin, "apiUserId": id, "isAdministrator": true,
            "operatorName": "Ada Admin", "apiUserName": "Authorizer test"}})
    );
    // The use was counted.
    let scope = hub_store::AccountScope::new(account);
    let stored = env.state.store.api_user(&scope, &id.as_str().into()).await.unwrap().unwrap();
    assert_eq!(stored.usage.values().sum::<i64>(), 1);
    assert!(stored.last_used_at.is_some());

    let token = sign_hs256(SECRET, account, admin, 600);
    env.requests.reset();
    let answer = invoke(&env.state, authorizer_event(Some(&format!("Bearer {token}")))).await;
    assert_eq!(env.requests.get(), 1, "one DynamoDB request");
    // The operator's name rides along for the audit log's actor.
    assert_eq!(answer, json!({"isAuthorized": true, "context": {"accountId": account, "operatorId": admin, "isAdministrator": true, "operatorName": "Ada Admin"}}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_handed_on_and_answered_by_the_function() {
    let env = env().await;
    let (id, username, password) = api_user(&env).await;
    let unauthenticated = json!({"isAuthorized": true, "context": {"refusal": "unauthenticated"}});
    let wrong = format!("{}{}", &password[..42], if password.ends_with('A') { 'B' } else { 'A' });
    let stranger = hub_api::caller::api_user_username(&env.account.account_id, &hub_api::values::new_id()).unwrap();
    let forged = sign_hs256("another-secret", &env.account.account_id, &env.account.admin_operator_id, 600);
    for header in [None, Some(basic(&username, &wrong)), Some(basic(&stranger, &password)), Some(format!("Bearer {forged}")), Some("Negotiate abc".into())] {
        assert_eq!(invoke(&env.state, authorizer_event(header.as_deref())).await, unauthenticated, "{header:?}");
    }
    // Deleted: refused at once.
    let token = sign_hs256(SECRET, &env.account.account_id, &env.account.admin_operator_id, 600);
    let delete = Request::delete(format!("/api-users/{id}")).header("authorization", format!("Bearer {token}")).body(Body::empty()).unwrap();
    assert_eq!(api_users(&env.state, delete).await.0, StatusCode::NO_CONTENT);
    assert_eq!(invoke(&env.state, authorizer_event(Some(&basic(&username, &password)))).await, unauthenticated);
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

async fn function_with_context(env: &Env, context: &Value) -> (StatusCode, Value, Option<String>) {
    let request = lambda_http::request::from_str(&function_event(context)).expect("the event parses");
    let request = request.map(|body| Body::from(body.to_vec()));
    let response = hub_api_users::router(env.state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null), challenge)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_functions_read_the_context_the_authorizer_writes() {
    let env = env().await;
    let (id, username, password) = api_user(&env).await;
    let answer = invoke(&env.state, authorizer_event(Some(&basic(&username, &password)))).await;

    env.requests.reset();
    let (status, body, _) = function_with_context(&env, &answer["context"]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"][0]["apiUserId"], id.as_str());
    // The function trusted the context: it did not authenticate again (only the list's reads).
    let listing_reads = env.requests.get();
    assert!(listing_reads <= 2, "{listing_reads} DynamoDB requests");

    let refused = invoke(&env.state, authorizer_event(None)).await;
    env.requests.reset();
    let (status, body, challenge) = function_with_context(&env, &refused["context"]).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));
    assert!(challenge.is_some_and(|c| c.contains("Basic") && c.contains("Bearer")));
    assert_eq!(env.requests.get(), 0);
    let (status, body, _) = function_with_context(&env, &json!({"refusal": "service_unavailable"})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("service_unavailable")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_operators_token_and_api_users_are_refused_from_the_next_request() {
    let env = env().await;
    let scope = hub_store::AccountScope::new(&env.account.account_id);
    let admin_token = sign_hs256(SECRET, &env.account.account_id, &env.account.admin_operator_id, 600);
    // X, an operator with an API user.
    let now = "2026-11-30T10:00:00Z".to_owned();
    let x = hub_store::records::OperatorRecord::new(hub_api::values::new_id().into(), "x@authorizer.example", "Xena", &now);
    let audit = hub_store::Audit::provisioning("2026-11-30T10:00:00.000Z", "operator.created", hub_store::AuditTarget { kind: "Operator".into(), id: x.operator_id.to_string(), name: Some(x.full_name.clone()) });
    env.state.store.create_operator(&scope, &x, &hub_api::rules::new_operator_grants(), None, &audit).await.unwrap();
    let request = Request::post("/api-users")
        .header("authorization", format!("Bearer {admin_token}"))
        .header("content-type", "application/json")
        .body(Body::from(json!({"description": "X's script", "operatorId": x.operator_id}).to_string()))
        .unwrap();
    let (status, body) = api_users(&env.state, request).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let basic_x = basic(body["username"].as_str().unwrap(), body["password"].as_str().unwrap());
    let bearer_x = format!("Bearer {}", sign_hs256(SECRET, &env.account.account_id, &x.operator_id, 600));
    for header in [&basic_x, &bearer_x] {
        assert_eq!(invoke(&env.state, authorizer_event(Some(header))).await["context"]["operatorId"], x.operator_id.as_str());
    }

    let set = |disabled: bool| {
        let state = env.state.clone();
        let (scope, id) = (scope.clone(), x.operator_id.clone());
        async move {
            hub_api::operators::update(&state, &scope, &hub_api::audit::system_context(&state, hub_store::AuditSource::Provisioning, "test"), None, &id, hub_api::extract::IfMatch(None), |op| {
                Ok(hub_store::records::OperatorRecord { is_disabled: disabled, ..op.clone() })
            })
            .await
            .unwrap()
        }
    };
    set(true).await;
    let unauthenticated = json!({"isAuthorized": true, "context": {"refusal": "unauthenticated"}});
    for header in [&basic_x, &bearer_x] {
        env.requests.reset();
        assert_eq!(invoke(&env.state, authorizer_event(Some(header))).await, unauthenticated, "{header}");
        assert_eq!(env.requests.get(), 1, "still one DynamoDB request");
    }
    set(false).await;
    for header in [&basic_x, &bearer_x] {
        assert_eq!(invoke(&env.state, authorizer_event(Some(header))).await["context"]["operatorId"], x.operator_id.as_str());
    }
}
