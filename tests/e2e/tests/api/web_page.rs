//! The local server's page routes: `GET /` and `/assets/…` without credentials next to the API,
//! and the development sign-in (hub-local only): its list of accounts and operators, and tokens
//! the API accepts for exactly the operator asked for.

use hub_e2e::{SECRET, TestApp, send};
use reqwest::Method;
use serde_json::json;

async fn serve_local_app(app: &TestApp) -> String {
    let dev = hub_local::dev_sign_in::router(
        app.state.clone(),
        SECRET.to_owned(),
        app.account.account_id.clone(),
        app.account.admin_operator_id.clone(),
    );
    let web = hub_web::WebConfig { sign_in: hub_web::SignIn::Development };
    let router = hub_local::local_app(app.state.clone(), web, Some(dev));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await.expect("server runs") });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_server_serves_the_page_without_credentials_beside_the_api() {
    let app = TestApp::start().await;
    let base = serve_local_app(&app).await;
    let page = send(app.http.get(format!("{base}/"))).await.expect(200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(page.body.as_str().is_some_and(|html| html.contains(r#"{"signIn":"development"}"#)), "{}", page.body);
    let module = send(app.http.get(format!("{base}/assets/app.js"))).await.expect(200);
    assert_eq!(module.header("content-type"), Some("text/javascript; charset=utf-8"));
    // The API next to it still wants credentials, and unknown paths are the API's 404.
    send(app.http.get(format!("{base}/hub/summary"))).await.expect_problem(401, "unauthenticated");
    send(app.http.get(format!("{base}/assets/nope.js"))).await.expect_problem(404, "not_found");
    send(app.http.get(format!("{base}/elsewhere"))).await.expect_problem(404, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_development_sign_in_lists_local_operators_and_signs_in_exactly_the_one_picked() {
    let app = TestApp::start().await;
    let other = app.provision("Starter", 0).await;
    let grace = app.create_operator("Grace Hopper", "grace@example.com").await;
    let base = serve_local_app(&app).await;

    let list = send(app.http.get(format!("{base}/dev/sign-in"))).await.expect(200);
    assert_eq!(list.body["defaultAccountId"], app.account.account_id.as_str());
    assert_eq!(list.body["defaultOperatorId"], app.account.admin_operator_id.as_str());
    let accounts = list.body["accounts"].as_array().expect("accounts");
    assert_eq!(accounts[0]["accountId"], app.account.account_id.as_str(), "the default account comes first");
    let ids: Vec<&str> = accounts.iter().map(|a| a["accountId"].as_str().unwrap()).collect();
    assert!(ids.contains(&other.account_id.as_str()));
    let names: Vec<&str> =
        accounts[0]["operators"].as_array().unwrap().iter().map(|o| o["fullName"].as_str().unwrap()).collect();
    assert!(names.contains(&"Grace Hopper"), "{names:?}");

    // A token for Grace: the API sees Grace (not an administrator).
    let signed = send(
        app.http
            .post(format!("{base}/dev/sign-in"))
            .json(&json!({"accountId": app.account.account_id, "operatorId": grace})),
    )
    .await
    .expect(200);
    let token = signed.str("token");
    assert!(signed.body["expiresAt"].as_u64().is_some());
    let me = app.call_as(&token, Method::GET, &format!("/operators/{grace}"), None).await.expect(200);
    assert_eq!(me.body["isAdministrator"], false);
    app.call_as(&token, Method::POST, "/groups", Some(json!({"description": "Nope"})))
        .await
        .expect_problem(403, "forbidden");

    // An operator of another account, or no such operator: refused.
    send(
        app.http.post(format!("{base}/dev/sign-in")).json(&json!({"accountId": other.account_id, "operatorId": grace})),
    )
    .await
    .expect_problem(404, "not_found");
    send(app.http.post(format!("{base}/dev/sign-in")).json(&json!({"accountId": app.account.account_id})))
        .await
        .expect_problem(400, "validation_failed");
}

#[test]
fn the_api_alone_has_no_development_sign_in() {
    // `hub_local::app` is what the functions' routers make together: no page, no sign-in route.
    let routes = [
        hub_operators::routes(),
        hub_groups::routes(),
        hub_summary::routes(),
        hub_monitors::routes(),
        hub_api_users::routes(),
    ];
    for table in routes {
        assert!(table.table().iter().all(|r| !r.path.starts_with("/dev")), "a function routes /dev");
    }
}
