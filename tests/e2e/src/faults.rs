//! A small fault-injecting reverse proxy in front of the embedded DynamoDB, for the fault tests.
//!
//! It listens on `127.0.0.1:0`, forwards DynamoDB JSON-protocol requests (`POST` with
//! `X-Amz-Target: DynamoDB_20120810.<Operation>`) unchanged to the real embedded DynamoDB and
//! passes its answers back, except where the test-controlled [`FaultProxy::inject`] plan says
//! otherwise: a `ThrottlingException`, a `TransactionCanceledException` with a given cancellation
//! code, a request that hangs (never forwarded), or a response that is held back after the
//! request was applied. [`FaultProxy::stop`] closes the listener and every connection, so that
//! new connections are refused; [`FaultProxy::resume`] listens on the same port again.
//!
//! Everything stays on loopback, and every delay is bounded by the duration the test gives.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use hub_api::config::HubConfig;
use hub_store::EmbeddedDynamo;

use crate::TestApp;

const AMZ_JSON: &str = "application/x-amz-json-1.0";
const TARGET_PREFIX: &str = "DynamoDB_20120810.";

/// What the proxy does to a request instead of (or besides) forwarding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// `400 ThrottlingException` ("Rate exceeded"); the request is not forwarded.
    Throttle,
    /// For `TransactWriteItems` only: `400 TransactionCanceledException` whose first cancellation
    /// reason has this code (`TransactionConflict`, `ThrottlingError`, ...) and the others `None`,
    /// one reason per action as DynamoDB does. The transaction is not forwarded, so nothing of it
    /// is applied, exactly as with a real cancellation.
    CancelTransaction(&'static str),
    /// Holds the request this long without forwarding it (a DynamoDB that accepted the
    /// connection but never answers), then answers `500 InternalServerError`.
    Hang(Duration),
    /// Forwards the request (so it is applied) and holds the answer back this long: a response
    /// lost to a client-side timeout.
    LoseResponse(Duration),
}

impl Fault {
    fn outcome(&self) -> &'static str {
        match self {
            Fault::Throttle => "throttled",
            Fault::CancelTransaction(_) => "cancelled",
            Fault::Hang(_) => "hung",
            Fault::LoseResponse(_) => "lost",
        }
    }
}

/// One rule of the plan: which operation (any when `None`), how many matching requests to let
/// through first, which fault, how many more times (`None`: until [`FaultProxy::heal`]).
#[derive(Debug, Clone)]
struct Rule {
    operation: Option<String>,
    skip: u64,
    fault: Fault,
    remaining: Option<u64>,
}

/// Requests seen, by operation and outcome (`forwarded`, `throttled`, `cancelled`, `hung`, `lost`;
/// `lost` requests were forwarded too and are counted under both).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts(pub BTreeMap<(String, &'static str), u64>);

impl Counts {
    pub fn get(&self, operation: &str, outcome: &str) -> u64 {
        self.0.iter().filter(|((op, out), _)| op == operation && *out == outcome).map(|(_, n)| n).sum()
    }
    /// Requests of `operation` that reached DynamoDB.
    pub fn forwarded(&self, operation: &str) -> u64 {
        self.get(operation, "forwarded")
    }
    /// Every attempt of `operation` the proxy saw, forwarded or not.
    pub fn attempts(&self, operation: &str) -> u64 {
        self.0.iter().filter(|((op, out), _)| op == operation && *out != "lost").map(|(_, n)| n).sum()
    }
    /// Faults injected, over every operation.
    pub fn injected(&self, outcome: &str) -> u64 {
        self.0.iter().filter(|((_, out), _)| *out == outcome).map(|(_, n)| n).sum()
    }
    pub fn total_forwarded(&self) -> u64 {
        self.injected("forwarded")
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|((op, out), n)| format!("{op}/{out}={n}")).collect();
        write!(f, "{}", parts.join(" "))
    }
}

struct Inner {
    upstream: String,
    client: reqwest::Client,
    plan: Mutex<Vec<Rule>>,
    counts: Mutex<Counts>,
}

impl Inner {
    fn count(&self, operation: &str, outcome: &'static str) {
        *self.counts.lock().unwrap().0.entry((operation.to_owned(), outcome)).or_default() += 1;
    }

    /// The fault to apply to this request, if a rule matches; uses up one of the rule's skips or
    /// times.
    fn take_fault(&self, operation: &str) -> Option<Fault> {
        let mut plan = self.plan.lock().unwrap();
        let rule = plan.iter_mut().find(|r| {
            r.remaining != Some(0)
                && r.operation.as_deref().is_none_or(|op| op == operation)
                && (!matches!(r.fault, Fault::CancelTransaction(_)) || operation == "TransactWriteItems")
        })?;
        if rule.skip > 0 {
            rule.skip -= 1;
            return None;
        }
        if let Some(n) = &mut rule.remaining {
            *n -= 1;
        }
        Some(rule.fault.clone())
    }
}

struct Running {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// A listener that never accepts, with its accept queue filled: the kernel drops further SYNs,
/// so connecting hangs until the client's connect timeout.
struct Blackhole {
    _listener: tokio::net::TcpListener,
    _queued: Vec<tokio::net::TcpStream>,
}

/// The proxy. Dropping it stops it.
pub struct FaultProxy {
    inner: Arc<Inner>,
    addr: SocketAddr,
    running: tokio::sync::Mutex<Option<Running>>,
    blackhole: tokio::sync::Mutex<Option<Blackhole>>,
}

impl FaultProxy {
    /// A proxy on `127.0.0.1:0` forwarding to `upstream` (`http://127.0.0.1:<port>`).
    pub async fn start(upstream: impl Into<String>) -> FaultProxy {
        let inner = Arc::new(Inner {
            upstream: upstream.into().trim_end_matches('/').to_owned(),
            // Bounded: no forwarded request waits on the embedded DynamoDB for longer than this.
            client: reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("reqwest client"),
            plan: Mutex::new(Vec::new()),
            counts: Mutex::new(Counts::default()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("proxy binds");
        let addr = listener.local_addr().expect("proxy address");
        let running = serve(listener, inner.clone());
        FaultProxy {
            inner,
            addr,
            running: tokio::sync::Mutex::new(Some(running)),
            blackhole: tokio::sync::Mutex::new(None),
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Adds a rule: requests of `operation` (every operation when `None`) get `fault`, `times`
    /// times (`None`: until [`FaultProxy::heal`]). Rules apply in the order they were added.
    pub fn inject(&self, operation: Option<&str>, fault: Fault, times: Option<u64>) {
        self.inject_after(operation, 0, fault, times);
    }

    /// Like [`FaultProxy::inject`], but the first `skip` matching requests pass untouched (to hit
    /// the second step of a multi-step operation, say).
    pub fn inject_after(&self, operation: Option<&str>, skip: u64, fault: Fault, times: Option<u64>) {
        self.inner.plan.lock().unwrap().push(Rule {
            operation: operation.map(str::to_owned),
            skip,
            fault,
            remaining: times,
        });
    }

    /// The next `n` requests, whatever their operation, are throttled.
    pub fn throttle_next(&self, n: u64) {
        self.inject(None, Fault::Throttle, Some(n));
    }

    /// Every request of `operation` is throttled until [`FaultProxy::heal`].
    pub fn throttle_operation(&self, operation: &str) {
        self.inject(Some(operation), Fault::Throttle, None);
    }

    /// Every request is throttled until [`FaultProxy::heal`].
    pub fn throttle_everything(&self) {
        self.inject(None, Fault::Throttle, None);
    }

    /// The next `n` `TransactWriteItems` are cancelled with `TransactionConflict`.
    pub fn conflict_next_transactions(&self, n: u64) {
        self.inject(Some("TransactWriteItems"), Fault::CancelTransaction("TransactionConflict"), Some(n));
    }

    /// Removes every rule: everything is forwarded again.
    pub fn heal(&self) {
        self.inner.plan.lock().unwrap().clear();
    }

    /// What the proxy saw so far.
    pub fn counts(&self) -> Counts {
        self.inner.counts.lock().unwrap().clone()
    }

    pub fn reset_counts(&self) {
        self.inner.counts.lock().unwrap().0.clear();
    }

    /// Stops listening and closes every connection (idle ones at once, busy ones after their
    /// answer): new connections to the port are refused until [`FaultProxy::resume`].
    pub async fn stop(&self) {
        let Some(running) = self.running.lock().await.take() else { return };
        let _ = running.stop.send(());
        let mut task = running.task;
        // The listener is dropped as soon as the signal arrives; the server future ends once the
        // open connections have closed. Bounded: a connection still held by a fault is cut.
        if tokio::time::timeout(Duration::from_secs(5), &mut task).await.is_err() {
            task.abort();
        }
    }

    /// Stops like [`FaultProxy::stop`], then holds the port with a listener that never accepts
    /// and whose accept queue is full, so that new connections neither succeed nor are refused:
    /// the SDK's connect timeout decides. Returns how many connections it took to fill the queue.
    pub async fn blackhole(&self) -> usize {
        self.stop().await;
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_reuseaddr(true).expect("SO_REUSEADDR");
        socket.bind(self.addr).expect("proxy binds its port again");
        let listener = socket.listen(0).expect("listen");
        let mut queued = Vec::new();
        // Each connection that completes sits in the accept queue; once it is full, the next
        // handshake does not complete (bounded: a few hundred milliseconds, at most 64 tries).
        while queued.len() < 64 {
            match tokio::time::timeout(Duration::from_millis(300), tokio::net::TcpStream::connect(self.addr)).await {
                Ok(Ok(stream)) => queued.push(stream),
                _ => break,
            }
        }
        let filled = queued.len();
        *self.blackhole.lock().await = Some(Blackhole { _listener: listener, _queued: queued });
        filled
    }

    /// Listens on the same port again after [`FaultProxy::stop`] or [`FaultProxy::blackhole`].
    pub async fn resume(&self) {
        self.blackhole.lock().await.take();
        let mut running = self.running.lock().await;
        if running.is_some() {
            return;
        }
        let listener = tokio::net::TcpListener::bind(self.addr).await.expect("proxy binds its port again");
        *running = Some(serve(listener, self.inner.clone()));
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(running) = self.running.get_mut().take() {
            running.task.abort();
        }
    }
}

fn serve(listener: tokio::net::TcpListener, inner: Arc<Inner>) -> Running {
    let (stop, stopped) = oneshot::channel::<()>();
    let app = Router::new().fallback(handle).with_state(inner);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Running { stop, task }
}

fn operation_of(headers: &HeaderMap) -> String {
    headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(|t| t.strip_prefix(TARGET_PREFIX).unwrap_or(t).to_owned())
        .unwrap_or_else(|| "other".to_owned())
}

fn amz_error(status: StatusCode, body: serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(AMZ_JSON));
    headers.insert("x-amzn-requestid", HeaderValue::from_static("fault-proxy"));
    response
}

fn throttling() -> Response {
    amz_error(
        StatusCode::BAD_REQUEST,
        serde_json::json!({"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "Rate exceeded"}),
    )
}

/// The shape the SDK's `de_transaction_canceled_exception_json_err` reads: `Message` and
/// `CancellationReasons`, a list of `{"Code", "Message"?}` with one entry per action.
fn cancelled(code: &str, body: &[u8]) -> Response {
    let actions = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("TransactItems").and_then(|t| t.as_array()).map(Vec::len))
        .unwrap_or(1)
        .max(1);
    let mut reasons = vec![serde_json::json!({"Code": code, "Message": "Transaction is ongoing for the item"})];
    reasons.extend((1..actions).map(|_| serde_json::json!({"Code": "None"})));
    let codes: Vec<&str> = std::iter::once(code).chain((1..actions).map(|_| "None")).collect();
    amz_error(
        StatusCode::BAD_REQUEST,
        serde_json::json!({
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "Message": format!("Transaction cancelled, please refer cancellation reasons for specific reasons [{}]", codes.join(", ")),
            "CancellationReasons": reasons,
        }),
    )
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let operation = operation_of(&headers);
    let fault = inner.take_fault(&operation);
    if let Some(fault) = &fault {
        inner.count(&operation, fault.outcome());
    }
    match fault {
        Some(Fault::Throttle) => return throttling(),
        Some(Fault::CancelTransaction(code)) => return cancelled(code, &body),
        Some(Fault::Hang(for_)) => {
            tokio::time::sleep(for_).await;
            return amz_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                serde_json::json!({"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "hung"}),
            );
        }
        Some(Fault::LoseResponse(_)) | None => {}
    }
    inner.count(&operation, "forwarded");
    let response = forward(&inner, method, &uri, &headers, body).await;
    if let Some(Fault::LoseResponse(for_)) = fault {
        tokio::time::sleep(for_).await;
    }
    response
}

/// Hop-by-hop headers and those the HTTP layers recompute.
fn passes(name: &header::HeaderName) -> bool {
    ![header::HOST, header::CONTENT_LENGTH, header::CONNECTION, header::TRANSFER_ENCODING].contains(name)
}

async fn forward(inner: &Inner, method: Method, uri: &Uri, headers: &HeaderMap, body: Bytes) -> Response {
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut request = inner.client.request(method, format!("{}{}", inner.upstream, path)).body(body);
    for (name, value) in headers.iter().filter(|(n, _)| passes(n)) {
        request = request.header(name, value);
    }
    let upstream = match request.send().await {
        Ok(r) => r,
        Err(e) => return (StatusCode::BAD_GATEWAY, format!("fault proxy: upstream unreachable: {e}")).into_response(),
    };
    let status = upstream.status();
    let mut out_headers = HeaderMap::new();
    for (name, value) in upstream.headers().iter().filter(|(n, _)| passes(n)) {
        out_headers.append(name, value.clone());
    }
    let bytes = match upstream.bytes().await {
        Ok(b) => b,
        Err(e) => return (StatusCode::BAD_GATEWAY, format!("fault proxy: upstream body: {e}")).into_response(),
    };
    let mut response = (status, bytes).into_response();
    response.headers_mut().extend(out_headers);
    response
}

impl TestApp {
    /// Like [`TestApp::start`], but the server's store talks to the embedded DynamoDB through a
    /// [`FaultProxy`] (the table is created and the first account provisioned through it, while
    /// it is healthy).
    pub async fn start_behind_proxy() -> (TestApp, FaultProxy) {
        Self::start_behind_proxy_with(HubConfig::default()).await
    }

    pub async fn start_behind_proxy_with(config: HubConfig) -> (TestApp, FaultProxy) {
        let dynamo = EmbeddedDynamo::in_memory().await.expect("embedded DynamoDB starts");
        let proxy = FaultProxy::start(dynamo.endpoint()).await;
        (TestApp::start_on(dynamo, &proxy.endpoint(), config).await, proxy)
    }
}
