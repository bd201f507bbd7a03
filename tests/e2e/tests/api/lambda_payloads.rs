//! The functions' real Lambda entry points (their `main`, built as binaries) driven through a
//! local Lambda Runtime API with API Gateway HTTP API v2 events shaped as the SAM CLI prints them,
//! the Lambda authorizer's context filled in.

use hub_e2e::TestApp;
use hub_e2e::runtime_api::{LocalLambda, Outcome, authorizer_context, binary, http_event};
use serde_json::{Value, json};

/// The HTTP API response (payload 2.0): status, headers and the JSON body.
fn response(outcome: Outcome) -> (u16, Value, Value) {
    let Outcome::Response(r) = outcome else { panic!("function failed: {outcome:?}") };
    let status = r["statusCode"].as_u64().expect("statusCode") as u16;
    let body = match r["body"].as_str() {
        Some(b) if !b.is_empty() => serde_json::from_str(b).unwrap_or(Value::String(b.into())),
        _ => Value::Null,
    };
    (status, r["headers"].clone(), body)
}

/// Sends the function the event of `method path?query` with `body` and the Lambda authorizer's
/// `context` (`None`: no authorizer ran); its response.
async fn invoke(
    lambda: &mut LocalLambda,
    method: &str,
    path: &str,
    query: &str,
    body: Option<&Value>,
    context: Option<&Value>,
) -> (u16, Value, Value) {
    response(lambda.invoke(http_event(method, path, query, body, context.cloned())).await)
}

/// POSTs `body` to the collection `path` as the authorizer's `context`: 201, with a `location` of
/// the new resource. Its `id_field` and the response headers.
async fn create(
    lambda: &mut LocalLambda,
    path: &str,
    body: &Value,
    context: &Value,
    id_field: &str,
) -> (String, Value) {
    let (status, headers, created) = invoke(lambda, "POST", path, "", Some(body), Some(context)).await;
    assert_eq!(status, 201, "{created}");
    let id = created[id_field].as_str().unwrap().to_owned();
    assert_eq!(headers["location"], format!("{path}/{id}"));
    (id, headers)
}

/// A test app, the function `name` on its table, and the context the authorizer gives the first
/// account's administrator.
async fn function_as_admin(name: &str) -> (TestApp, LocalLambda, Value) {
    let app = TestApp::start().await;
    let lambda = app.start_function(name).await;
    let admin = authorizer_context(&app.account.account_id, &app.account.admin_operator_id, true);
    (app, lambda, admin)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_function_serves_http_api_events() {
    let (app, mut lambda, admin) = function_as_admin("operators").await;

    let lou = json!({"email": "lambda@example.com", "fullName": "Lambda Lou"});
    let (id, headers) = create(&mut lambda, "/operators", &lou, &admin, "operatorId").await;
    assert_eq!(headers["etag"], "\"1\"");

    let (status, _, body) = invoke(&mut lambda, "GET", "/operators", "limit=1", None, Some(&admin)).await;
    assert_eq!(status, 200);
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    assert!(body["nextCursor"].is_string());

    // The authorizer's verdict is what the function trusts: a non-administrator context is 403.
    let member = authorizer_context(&app.account.account_id, &id, false);
    let path = format!("/operators/{}", app.account.admin_operator_id);
    let (status, headers, body) = invoke(&mut lambda, "DELETE", &path, "", None, Some(&member)).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    assert_eq!(headers["content-type"], "application/problem+json");

    // Without an authorizer context the function verifies credentials itself: none → 401.
    let (status, headers, _) = invoke(&mut lambda, "GET", "/operators", "", None, None).await;
    assert_eq!(status, 401);
    assert!(headers.get("www-authenticate").is_some());

    // A context whose account id is ill-formed names no account: 401, without reading anything.
    let forged = authorizer_context("ACCOUNT#x", &app.account.admin_operator_id, true);
    let (status, _, body) = invoke(&mut lambda, "GET", "/operators", "", None, Some(&forged)).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthenticated")));

    let (status, _, body) = invoke(&mut lambda, "GET", "/nowhere", "", None, Some(&admin)).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, _, body) = invoke(&mut lambda, "GET", "/operators", "limit=500", None, Some(&admin)).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("validation_failed")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_function_serves_http_api_events() {
    let (_app, mut lambda, admin) = function_as_admin("groups").await;
    let create = json!({"description": "On call"});
    let (status, _, body) = invoke(&mut lambda, "POST", "/groups", "", Some(&create), Some(&admin)).await;
    assert_eq!(status, 201, "{body}");
    let (status, _, body) = invoke(&mut lambda, "GET", "/groups", "", None, Some(&admin)).await;
    assert_eq!(status, 200);
    let names: Vec<&str> =
        body["items"].as_array().unwrap().iter().map(|g| g["description"].as_str().unwrap()).collect();
    assert_eq!(names, ["Administrators", "Everyone", "On call"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitors_function_serves_http_api_events() {
    let (app, mut lambda, admin) = function_as_admin("monitors").await;
    let checkout = json!({"name": "Checkout", "mode": "Production"});
    let (id, _) = create(&mut lambda, "/monitors", &checkout, &admin, "monitorId").await;
    let grant = json!({"authorizationType": "EditMonitor", "operatorId": app.account.admin_operator_id});
    let path = format!("/monitors/{id}/authorizations");
    let (status, _, body) = invoke(&mut lambda, "POST", &path, "", Some(&grant), Some(&admin)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["items"].as_array().unwrap().len(), 3, "EditMonitor brings the two lower levels");
    let (status, _, body) = invoke(&mut lambda, "GET", "/monitors", "mode=Production", None, Some(&admin)).await;
    assert_eq!(status, 200);
    assert_eq!(body["items"][0]["name"], "Checkout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_summary_function_serves_http_api_events() {
    let app = TestApp::start().await;
    app.create_operator("Summer Sam", "sam@example.com").await;
    let mut lambda = app.start_function("hub-summary").await;
    let member = authorizer_context(&app.account.account_id, &app.account.admin_operator_id, false);
    let (status, _, body) = invoke(&mut lambda, "GET", "/hub/summary", "", None, Some(&member)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["operators"]["total"].as_i64(), body["operatorQuota"]["used"].as_i64()), (Some(2), Some(2)));
    // PATCH /account is for administrators: the authorizer's verdict decides.
    let rename = json!({"name": "Renamed"});
    let (status, _, body) = invoke(&mut lambda, "PATCH", "/account", "", Some(&rename), Some(&member)).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_function_serves_the_page_from_http_api_events() {
    // The environment the template gives it: the page's sign-in settings, nothing else it uses.
    let env = [
        ("HUB_OIDC_ISSUER", "https://id.example.com/tenant".to_owned()),
        ("HUB_OIDC_CLIENT_ID", "hub-web".to_owned()),
        ("HUB_OIDC_SCOPE", "openid profile email".to_owned()),
        ("HUB_OIDC_TOKEN", "access_token".to_owned()),
        ("HUB_CURSOR_SECRET", String::new()),
    ];
    let mut lambda = LocalLambda::start(&binary("web", "debug"), &env).await;

    // GET / (no authorizer on this route): the page, with its OpenID Connect settings.
    let (status, headers, body) = invoke(&mut lambda, "GET", "/", "", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let html = body.as_str().expect("HTML text");
    assert!(html.contains(r#"{"clientId":"hub-web","issuer":"https://id.example.com/tenant","scope":"openid profile email","signIn":"oidc","token":"access_token"}"#), "{html}");
    assert!(html.contains(r#"<script type="module" src="/assets/app.js">"#));
    let csp = headers["content-security-policy"].as_str().expect("CSP");
    assert!(csp.contains("script-src 'self'") && csp.contains("https://id.example.com"), "{csp}");
    assert_eq!(headers["referrer-policy"], "no-referrer");

    // GET /assets/{proxy+}: the modules and the style sheet; anything else is a 404 problem.
    let (status, headers, body) = invoke(&mut lambda, "GET", "/assets/views/hub.js", "", None, None).await;
    assert_eq!((status, headers["content-type"].as_str()), (200, Some("text/javascript; charset=utf-8")));
    assert!(body.as_str().expect("JS text").contains("/hub/summary"));
    let (status, headers, _) = invoke(&mut lambda, "GET", "/assets/styles.css", "", None, None).await;
    assert_eq!((status, headers["content-type"].as_str()), (200, Some("text/css; charset=utf-8")));
    let (status, headers, body) = invoke(&mut lambda, "GET", "/assets/missing.js", "", None, None).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    assert_eq!(headers["content-type"], "application/problem+json");
    // No development sign-in in any Lambda function.
    let sign_in = json!({"accountId": "a", "operatorId": "o"});
    let (status, _, body) = invoke(&mut lambda, "POST", "/dev/sign-in", "", Some(&sign_in), None).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
}

/// The SCIM function behind its route without an authorizer: it checks the SCIM token in the
/// event's `authorization` header itself, and an authorizer context (which its route never has)
/// authenticates nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scim_function_serves_http_api_events_with_its_own_token_check() {
    let app = TestApp::start().await;
    let token = app
        .call(reqwest::Method::POST, "/scim-tokens", Some(json!({"description": "Lambda"})))
        .await
        .expect(201)
        .str("token");
    let mut lambda = app.start_function("scim").await;
    let with_token = |mut event: Value| {
        event["headers"]["authorization"] = Value::String(format!("Bearer {token}"));
        event["headers"]["content-type"] = Value::String("application/scim+json".into());
        event
    };
    let user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "lambda@scim.example", "externalId": "lambda-1"});
    let (status, headers, body) =
        response(lambda.invoke(with_token(http_event("POST", "/scim/v2/Users", "", Some(&user), None))).await);
    assert_eq!(status, 201, "{body}");
    assert_eq!(headers["content-type"], "application/scim+json");
    let location = body["meta"]["location"].as_str().unwrap();
    assert_eq!(
        location,
        format!("https://id.execute-api.us-east-1.amazonaws.com/scim/v2/Users/{}", body["id"].as_str().unwrap())
    );
    let query = "filter=externalId%20eq%20%22lambda-1%22";
    let (status, _, body) =
        response(lambda.invoke(with_token(http_event("GET", "/scim/v2/Users", query, None, None))).await);
    assert_eq!((status, body["totalResults"].as_u64()), (200, Some(1)), "{body}");

    let admin = authorizer_context(&app.account.account_id, &app.account.admin_operator_id, true);
    let (status, headers, body) = invoke(&mut lambda, "GET", "/scim/v2/Users", "", None, Some(&admin)).await;
    assert_eq!((status, body["scimType"].as_str(), body["status"].as_str()), (401, None, Some("401")), "{body}");
    assert!(headers["www-authenticate"].is_string());
}

/// The CSV export through the real Lambda payload path with a small response budget: each
/// answer's body fits the budget once encoded into the runtime's JSON, and its `link` header
/// names the next part until every event was sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_summary_function_caps_the_csv_export_and_links_the_rest() {
    const BUDGET: usize = 4_000;
    let app = TestApp::start().await;
    for i in 0..30 {
        app.create_group(&format!("Group \"{i:02}\"")).await;
    }
    let expected = app.list_all(&app.admin_token, "/audit-log?limit=100").await.len();
    let mut env = app.function_env();
    env.push(("HUB_RESPONSE_BYTE_BUDGET", BUDGET.to_string()));
    let mut lambda = LocalLambda::start(&binary("hub-summary", "debug"), &env).await;
    let admin = authorizer_context(&app.account.account_id, &app.account.admin_operator_id, true);
    let (mut query, mut rows, mut parts) = (String::new(), 0, 0);
    loop {
        let mut event = http_event("GET", "/audit-log", &query, None, Some(admin.clone()));
        event["headers"]["accept"] = Value::String("text/csv".into());
        let Outcome::Response(r) = lambda.invoke(event).await else { panic!("the function failed") };
        assert_eq!(r["statusCode"], 200, "{r}");
        assert_eq!(r["headers"]["content-type"], "text/csv; charset=utf-8");
        let body = r["body"].as_str().expect("a text body");
        assert!(serde_json::to_string(body).unwrap().len() - 2 <= BUDGET, "part {parts}: over the budget");
        assert!(body.starts_with("eventId,"));
        rows += body.matches("\r\n").count() - 1;
        parts += 1;
        let Some(link) = r["headers"]["link"].as_str() else { break };
        let next = link
            .strip_prefix("</audit-log?")
            .and_then(|l| l.strip_suffix(">; rel=\"next\""))
            .unwrap_or_else(|| panic!("{link}"));
        query = next.to_owned();
        assert!(parts < 30, "the links go on");
    }
    assert!(parts >= 2, "{parts} parts");
    assert_eq!(rows, expected, "every event once");
}
