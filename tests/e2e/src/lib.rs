//! Test harness: one embedded DynamoDB per test (in memory, on a loopback port), the real SDK
//! client, the whole API served over real HTTP on another loopback port, and helpers to provision
//! accounts and mint tokens.

use hub_api::AppState;
use hub_api::auth::{JwtConfig, sign_hs256};
use hub_api::clock::Clock;
use hub_api::config::HubConfig;
use hub_api::provisioning::{AccountRequest, ProvisionedAccount, create_account};
use hub_store::{EmbeddedDynamo, RequestCounter, Store, StoreConfig};
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub mod faults;
pub mod idp;
pub mod runtime_api;

/// The HS256 secret of the test server (HS256 needs at least 32 bytes).
pub const SECRET: &str = "e2e-test-secret-0123456789abcdef-0123";

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub http: reqwest::Client,
    /// The first account, provisioned as Business (25 operators).
    pub account: ProvisionedAccount,
    pub admin_token: String,
    /// Counts every DynamoDB request the server makes.
    pub requests: RequestCounter,
    pub dynamo: EmbeddedDynamo,
    _server: tokio::task::JoinHandle<()>,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The problem's `code` (panics with the whole reply when it is not a problem).
    pub fn code(&self) -> &str {
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "not a problem: {self:?}");
        self.body["code"].as_str().expect("problem has a code")
    }
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(self.status.as_u16(), status, "unexpected reply: {:?} {}", self.status, self.body);
        self
    }
    #[track_caller]
    pub fn expect_problem(self, status: u16, code: &str) -> Self {
        assert_eq!((self.status.as_u16(), self.code()), (status, code), "unexpected reply: {}", self.body);
        self
    }
    pub fn str(&self, field: &str) -> String {
        self.body[field].as_str().unwrap_or_else(|| panic!("no string {field} in {}", self.body)).to_owned()
    }
    /// The id (`id_field`) of what this reply created in `collection`, after checking that its
    /// `Location` is the new resource's path and its `ETag` the first version's.
    #[track_caller]
    pub fn created_id(&self, collection: &str, id_field: &str) -> String {
        let id = self.str(id_field);
        assert_eq!(self.header("location"), Some(format!("{collection}/{id}").as_str()));
        assert_eq!(self.header("etag"), Some("\"1\""));
        id
    }
    pub fn items(&self) -> &Vec<Value> {
        self.body["items"].as_array().unwrap_or_else(|| panic!("not a collection: {}", self.body))
    }
}

impl TestApp {
    pub async fn start() -> TestApp {
        Self::start_with(HubConfig::default()).await
    }

    pub async fn start_with(config: HubConfig) -> TestApp {
        let dynamo = EmbeddedDynamo::in_memory().await.expect("embedded DynamoDB starts");
        let endpoint = dynamo.endpoint();
        Self::start_on(dynamo, &endpoint, config).await
    }

    /// The server over a new table reached at `endpoint` (the embedded DynamoDB's own, or a proxy
    /// in front of it), with the first account provisioned through it.
    pub(crate) async fn start_on(dynamo: EmbeddedDynamo, endpoint: &str, config: HubConfig) -> TestApp {
        let requests = RequestCounter::default();
        let store = Store::connect_counted(&StoreConfig::local(endpoint), requests.clone())
            .await
            .expect("a store for the embedded DynamoDB");
        store.create_table_if_missing().await.expect("table created");
        let jwt = JwtConfig { hs256_secret: Some(SECRET.into()), ..JwtConfig::default() };
        let state = AppState::new(store, jwt, config, Clock::system());
        let (base, server) = serve(state.clone()).await;
        let account = provision(&state, "Business", 0).await;
        let admin_token = sign_hs256(SECRET, &account.account_id, &account.admin_operator_id, 3600);
        TestApp { base, state, http: reqwest::Client::new(), account, admin_token, requests, dynamo, _server: server }
    }

    pub fn token(&self, account_id: &str, operator_id: &str) -> String {
        sign_hs256(SECRET, account_id, operator_id, 3600)
    }

    pub async fn provision(&self, account_type: &str, extra: i64) -> ProvisionedAccount {
        provision(&self.state, account_type, extra).await
    }

    /// Another account, as [`TestApp::provision`] makes it, and a token of its administrator.
    pub async fn provision_with_admin_token(&self, account_type: &str, extra: i64) -> (ProvisionedAccount, String) {
        let account = self.provision(account_type, extra).await;
        let token = self.token(&account.account_id, &account.admin_operator_id);
        (account, token)
    }

    /// A request as the first account's administrator.
    pub fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.req_as(&self.admin_token, method, path)
    }

    pub fn req_as(&self, token: &str, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{}", self.base, path)).bearer_auth(token)
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.call_as(&self.admin_token, method, path, body).await
    }

    pub async fn call_as(&self, token: &str, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req = self.req_as(token, method, path);
        if let Some(body) = body {
            req = req.json(&body);
        }
        send(req).await
    }

    /// Each request (without a body, as the administrator) answers the problem `status` `code`; a
    /// failure names the request.
    pub async fn expect_problem_each(
        &self,
        requests: impl IntoIterator<Item = (Method, String)>,
        status: u16,
        code: &str,
    ) {
        let requests = requests.into_iter().map(|(method, path)| (method, path, None));
        self.expect_problem_each_as(&self.admin_token, requests, status, code).await;
    }

    /// Each request `(method, path, body)` sent with `token` answers the problem `status` `code`;
    /// a failure names the request.
    pub async fn expect_problem_each_as(
        &self,
        token: &str,
        requests: impl IntoIterator<Item = (Method, String, Option<Value>)>,
        status: u16,
        code: &str,
    ) {
        for (method, path, body) in requests {
            let reply = self.call_as(token, method.clone(), &path, body).await;
            assert_eq!((reply.status.as_u16(), reply.code()), (status, code), "{method} {path}: {}", reply.body);
        }
    }

    /// Each body sent to `method path` as the administrator answers its problem `(status, code)`;
    /// a failure names the body.
    pub async fn expect_problem_each_body<'a>(
        &self,
        method: Method,
        path: &str,
        cases: impl IntoIterator<Item = (Value, u16, &'a str)>,
    ) {
        for (body, status, code) in cases {
            let reply = self.call(method.clone(), path, Some(body.clone())).await;
            assert_eq!((reply.status.as_u16(), reply.code()), (status, code), "{method} {path} {body}: {}", reply.body);
        }
    }

    /// `POST path` as the administrator with the JSON `body` and an `Idempotency-Key`.
    pub async fn post_keyed(&self, path: &str, key: &str, body: &Value) -> Reply {
        send(self.req(Method::POST, path).header("idempotency-key", key).json(body)).await
    }

    /// `POST path` as the administrator with an `Idempotency-Key` and the JSON text `raw` as it
    /// is written (its keys in another order, other spacing: the same request to the server).
    pub async fn post_keyed_raw(&self, path: &str, key: &str, raw: &'static str) -> Reply {
        let req =
            self.req(Method::POST, path).header("idempotency-key", key).header("content-type", "application/json");
        send(req.body(raw)).await
    }

    /// `POST path` as the administrator with an `Idempotency-Key` already used and another
    /// `body`: refused, 422 `idempotency_key_reused`.
    pub async fn expect_key_reused(&self, path: &str, key: &str, body: &Value) {
        self.post_keyed(path, key, body).await.expect_problem(422, "idempotency_key_reused");
    }

    /// `POST /operators` as the administrator with `body`; the reply, unchecked.
    pub async fn post_operator(&self, body: Value) -> Reply {
        self.call(Method::POST, "/operators", Some(body)).await
    }

    /// Creates an operator as the administrator; returns its id.
    pub async fn create_operator(&self, name: &str, email: &str) -> String {
        self.post_operator(serde_json::json!({"email": email, "fullName": name})).await.expect(201).str("operatorId")
    }

    /// Creates an operator as the administrator (a plain member, not an administrator); its id
    /// and a token of its own, for the tests that act as it.
    pub async fn create_operator_with_token(&self, name: &str, email: &str) -> (String, String) {
        let id = self.create_operator(name, email).await;
        let token = self.token(&self.account.account_id, &id);
        (id, token)
    }

    /// `POST /operators` with `token` for the i-th of a numbered series (`{name} {i}`,
    /// `{local}{i}@example.com`); the reply, unchecked (quota tests expect refusals).
    pub async fn post_numbered_operator(&self, token: &str, name: &str, local: &str, i: usize) -> Reply {
        let body = serde_json::json!({"email": format!("{local}{i}@example.com"), "fullName": format!("{name} {i}")});
        self.call_as(token, Method::POST, "/operators", Some(body)).await
    }

    /// Creates a group as the administrator; returns its id.
    pub async fn create_group(&self, description: &str) -> String {
        self.call(Method::POST, "/groups", Some(serde_json::json!({"description": description})))
            .await
            .expect(201)
            .str("groupId")
    }

    /// Adds `operator` to `group` as the administrator (204, also when it is a member already).
    pub async fn add_member(&self, group: &str, operator: &str) {
        self.call(Method::PUT, &format!("/groups/{group}/members/{operator}"), None).await.expect(204);
    }

    /// Creates a group as the administrator and adds `member` to it; returns its id.
    pub async fn create_group_with(&self, description: &str, member: &str) -> String {
        let id = self.create_group(description).await;
        self.add_member(&id, member).await;
        id
    }

    /// Grants `permission` to `operator` directly, as the administrator (204).
    pub async fn grant(&self, operator: &str, permission: &str) {
        self.call(Method::PUT, &format!("/operators/{operator}/permissions/{permission}"), None).await.expect(204);
    }

    /// Revokes `permission` granted to `operator` directly, as the administrator (204).
    pub async fn revoke(&self, operator: &str, permission: &str) {
        self.call(Method::DELETE, &format!("/operators/{operator}/permissions/{permission}"), None).await.expect(204);
    }

    /// Every item of a list, following cursors.
    pub async fn list_all(&self, token: &str, path: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = match &cursor {
                Some(c) => format!("{path}{sep}cursor={c}"),
                None => path.to_owned(),
            };
            let reply = self.call_as(token, Method::GET, &url, None).await.expect(200);
            items.extend(reply.items().iter().cloned());
            match reply.body["nextCursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return items,
            }
        }
    }

    /// A request with an API user's HTTP Basic credentials.
    pub fn req_basic(&self, username: &str, password: &str, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{}", self.base, path)).basic_auth(username, Some(password))
    }

    pub async fn call_basic(
        &self,
        username: &str,
        password: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.req_basic(username, password, method, path);
        if let Some(body) = body {
            req = req.json(&body);
        }
        send(req).await
    }

    /// The whole API over the same table, served on another port with another clock; returns its
    /// base URL. For tests that move time (usage windows, inactivity).
    pub async fn serve_with_clock(&self, clock: Clock) -> String {
        self.serve_state(AppState { clock, ..self.state.clone() }).await
    }

    /// The whole API over the same table, served on another port with other token settings (an
    /// identity provider's JWKS, ...); returns its base URL and its state.
    pub async fn serve_with_jwt(&self, jwt: JwtConfig) -> (String, AppState) {
        let authn = hub_api::caller::Authenticator::new(hub_api::auth::JwtVerifier::new(jwt));
        let state = AppState { authn, ..self.state.clone() };
        (self.serve_state(state.clone()).await, state)
    }

    async fn serve_state(&self, state: AppState) -> String {
        serve(state).await.0
    }

    /// The account item's counters as stored.
    pub async fn account_record(&self, account_id: &hub_store::AccountId) -> hub_store::records::AccountRecord {
        self.state.store.in_account(&hub_store::AccountScope::new(account_id)).account_record().await.unwrap().unwrap()
    }

    /// The stored counters of the account `account_id`, after checking that they equal a recount
    /// from its items, and that every group's stored member count is its number of members.
    pub async fn assert_counters_exact(&self, account_id: &str) -> hub_store::HubCounters {
        let stored = hub_store::HubCounters::stored(&self.account_record(&account_id.into()).await);
        let scope = hub_store::AccountScope::new(&account_id.into());
        let recount = self.state.store.in_account(&scope).recount(hub_api::rules::is_production_monitor).await.unwrap();
        assert_eq!(stored, recount.counters, "stored counters vs a recount");
        for g in &recount.groups {
            assert_eq!(g.stored, g.actual, "memberCount of {}", g.group_id);
        }
        stored
    }

    /// An operator of the first account as stored (with what the API does not show, such as its
    /// sign-in binding).
    pub async fn operator_record(&self, operator_id: &str) -> hub_store::records::OperatorRecord {
        let scope = hub_store::AccountScope::new(&self.account.account_id);
        self.state.store.in_account(&scope).operator(&operator_id.into()).await.unwrap().unwrap()
    }
}

/// The whole API over `state`, served on a new loopback port; its base URL and the server's task.
async fn serve(state: AppState) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = hub_local::app(state);
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("server runs");
    });
    (base, server)
}

/// Every reply's status and body: what a failure about a batch of concurrent requests shows.
pub fn outcomes(replies: &[Reply]) -> Vec<(StatusCode, &Value)> {
    replies.iter().map(|r| (r.status, &r.body)).collect()
}

/// Every reply of a batch answered one of `statuses`; the failure message (after `context`)
/// lists every reply.
#[track_caller]
pub fn assert_answered(replies: &[Reply], statuses: &[u16], context: &str) {
    assert!(replies.iter().all(|r| statuses.contains(&r.status.as_u16())), "{context}{:?}", outcomes(replies));
}

pub async fn send(req: reqwest::RequestBuilder) -> Reply {
    let response = req.send().await.expect("request reaches the server");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    Reply { status, headers, body }
}

/// The i-th user of an identity provider's first push, as Okta sends it (the SCIM test and the
/// benchmark push the same users).
pub fn pushed_scim_user(i: usize) -> Value {
    let email = format!("user{i:05}@push.example");
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": email,
        "externalId": format!("push-{i}"),
        "name": {"givenName": "User", "familyName": format!("{i:05}")},
        "emails": [{"value": email, "primary": true, "type": "work"}],
        "active": true
    })
}

/// An identity provider's first push of `users` users ([`pushed_scim_user`]) over `connections`
/// connections at once: connection `c` sends users `c`, `c + connections`, … one after the other
/// through `create`, which POSTs one and answers its new id. The ids, by connection.
pub async fn push_scim_users<F, Fut>(users: usize, connections: usize, create: F) -> Vec<Vec<String>>
where
    F: Fn(Value) -> Fut,
    Fut: std::future::Future<Output = String>,
{
    let create = &create;
    futures::future::join_all((0..connections).map(|c| async move {
        let mut ids = Vec::new();
        for i in (c..users).step_by(connections) {
            ids.push(create(pushed_scim_user(i)).await);
        }
        ids
    }))
    .await
}

/// The g-th group of an identity provider's first push: `members` of the pushed users' `ids`,
/// from position `g * 97` on (the SCIM test and the benchmark push the same groups).
pub fn pushed_scim_group(g: usize, ids: &[String], members: usize) -> Value {
    let members: Vec<Value> =
        ids.iter().skip(g * 97 % ids.len().max(1)).take(members).map(|id| serde_json::json!({"value": id})).collect();
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": format!("Push group {g}"),
        "members": members
    })
}

/// The groups of a first push ([`pushed_scim_group`]) through the same `connections` as its users:
/// an identity provider sends at most that many requests at once, so `create` (which POSTs one
/// group) runs for at most `connections` groups at a time.
pub async fn push_scim_groups<F, Fut>(groups: usize, connections: usize, ids: &[String], members: usize, create: F)
where
    F: Fn(Value) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    use futures::StreamExt;
    futures::stream::iter(0..groups)
        .for_each_concurrent(connections, |g| create(pushed_scim_group(g, ids, members)))
        .await
}

pub async fn provision(state: &AppState, account_type: &str, extra: i64) -> ProvisionedAccount {
    let n = hub_api::values::new_id();
    let request = AccountRequest {
        name: format!("Account {n}"),
        account_type: account_type.into(),
        admin_email: format!("admin-{n}@example.com"),
        admin_name: "Ada Admin".into(),
        extra_operators: extra,
        time_zone: Some("Europe/Amsterdam".into()),
    };
    create_account(state, &request).await.expect("account provisioned")
}
