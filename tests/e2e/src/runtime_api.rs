//! A local Lambda Runtime API: runs a function's real release or debug binary as Lambda would
//! (the `AWS_LAMBDA_*` environment, long-polling `next`, posting responses), so that tests and the
//! cold-start benchmark drive the very entry point that runs in AWS.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;
use tokio::process::{Child, Command};
use tokio::sync::{Mutex, mpsc, oneshot};

/// What the function answered to one invocation.
#[derive(Debug, Clone)]
pub enum Outcome {
    Response(Value),
    Error(Value),
}

struct Pending {
    id: String,
    event: Value,
}

#[derive(Clone)]
struct Shared {
    queue: Arc<Mutex<mpsc::Receiver<Pending>>>,
    waiting: Arc<Mutex<HashMap<String, oneshot::Sender<Outcome>>>>,
    first_poll: Arc<Mutex<Option<Instant>>>,
    init_error: Arc<Mutex<Option<Value>>>,
}

/// The emulator with one function process attached.
pub struct LocalLambda {
    sender: mpsc::Sender<Pending>,
    shared: Shared,
    pub addr: std::net::SocketAddr,
    child: Child,
    /// Everything the function wrote to stdout (its JSON log lines).
    stdout: Arc<Mutex<Vec<u8>>>,
    stdout_reader: Option<tokio::task::JoinHandle<()>>,
    started: Instant,
    next_id: u64,
    _server: tokio::task::JoinHandle<()>,
}

/// Where cargo put a workspace binary (built by `cargo build --bins`; `./scripts/test` does it).
pub fn binary(name: &str, profile: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/<test-binary> → target/<profile>/<name>
    let target = exe.ancestors().nth(3).expect("target directory");
    target.join(profile).join(name)
}

async fn next(State(shared): State<Shared>) -> Response {
    shared.first_poll.lock().await.get_or_insert_with(Instant::now);
    let pending = shared.queue.lock().await.recv().await;
    // The test is over: leave the poll hanging until the process is killed, as Lambda freezes it.
    let Some(pending) = pending else { return std::future::pending().await };
    let mut headers = HeaderMap::new();
    headers.insert("lambda-runtime-aws-request-id", HeaderValue::from_str(&pending.id).expect("ascii id"));
    let deadline = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default()
        + Duration::from_secs(30);
    headers.insert("lambda-runtime-deadline-ms", HeaderValue::from(deadline.as_millis() as u64));
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        HeaderValue::from_static("arn:aws:lambda:us-east-1:123456789012:function:local"),
    );
    headers.insert(
        "lambda-runtime-trace-id",
        HeaderValue::from_static("Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0"),
    );
    (StatusCode::OK, headers, serde_json::to_vec(&pending.event).unwrap_or_default()).into_response()
}

async fn respond(
    State(shared): State<Shared>,
    UrlPath((id, kind)): UrlPath<(String, String)>,
    body: Bytes,
) -> StatusCode {
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::String(String::from_utf8_lossy(&body).into()));
    let outcome = if kind == "response" { Outcome::Response(value) } else { Outcome::Error(value) };
    if let Some(waiter) = shared.waiting.lock().await.remove(&id) {
        let _ = waiter.send(outcome);
    }
    StatusCode::ACCEPTED
}

async fn init_error(State(shared): State<Shared>, body: Bytes) -> StatusCode {
    *shared.init_error.lock().await = Some(serde_json::from_slice(&body).unwrap_or(Value::Null));
    StatusCode::ACCEPTED
}

impl LocalLambda {
    /// Starts the Runtime API on loopback and the function binary against it.
    pub async fn start(binary: &Path, env: &[(&str, String)]) -> LocalLambda {
        assert!(
            binary.exists(),
            "{} is missing: build the functions first (`cargo build --workspace --bins`; ./scripts/test does)",
            binary.display()
        );
        let (sender, receiver) = mpsc::channel(64);
        let shared = Shared {
            queue: Arc::new(Mutex::new(receiver)),
            waiting: Arc::new(Mutex::new(HashMap::new())),
            first_poll: Arc::new(Mutex::new(None)),
            init_error: Arc::new(Mutex::new(None)),
        };
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/{kind}", post(respond))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind runtime API");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let started = Instant::now();
        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "local")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_REGION", "us-east-1")
            .env("RUST_LOG", "warn")
            // As the template does; a test that needs it missing sets it blank.
            .env("HUB_CURSOR_SECRET", "local-lambda-cursor-key-0123456789abcdef")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("function binary starts");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stdout_reader = child.stdout.take().map(|mut out| {
            let sink = stdout.clone();
            tokio::spawn(async move {
                use tokio::io::AsyncReadExt as _;
                let mut buf = [0u8; 8192];
                while let Ok(n) = out.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    sink.lock().await.extend_from_slice(&buf[..n]);
                }
            })
        });
        LocalLambda { sender, shared, addr, child, stdout, stdout_reader, started, next_id: 0, _server: server }
    }

    /// Invokes the function with `event` and waits for its answer.
    pub async fn invoke(&mut self, event: Value) -> Outcome {
        self.next_id += 1;
        let id = format!("req-{}", self.next_id);
        let (tx, rx) = oneshot::channel();
        self.shared.waiting.lock().await.insert(id.clone(), tx);
        self.sender.send(Pending { id, event }).await.expect("runtime API running");
        match tokio::time::timeout(Duration::from_secs(30), rx).await {
            Ok(Ok(outcome)) => outcome,
            _ => panic!("the function did not answer (init error: {:?})", self.shared.init_error.lock().await),
        }
    }

    /// Time from spawning the process to its first `next` poll (its init), if it polled yet.
    pub async fn init_duration(&self) -> Option<Duration> {
        self.shared.first_poll.lock().await.map(|t| t - self.started)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Stops the process and returns everything it logged to stdout.
    pub async fn stop(mut self) -> String {
        let _ = self.child.kill().await;
        self.drain().await
    }

    async fn drain(&mut self) -> String {
        if let Some(reader) = self.stdout_reader.take() {
            let _ = tokio::time::timeout(Duration::from_secs(30), reader).await;
        }
        String::from_utf8_lossy(&self.stdout.lock().await).into_owned()
    }

    /// Waits (at most 30 s) for the process to exit, as a function that refuses to start does;
    /// returns its exit status and the init error it reported to the Runtime API, if any.
    /// Also returns everything it logged to stdout.
    pub async fn exited(&mut self) -> (std::process::ExitStatus, Option<Value>, String) {
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("the function exits within 30 s")
            .expect("exit status");
        let logs = self.drain().await;
        (status, self.shared.init_error.lock().await.clone(), logs)
    }
}

/// An API Gateway HTTP API (payload 2.0) event, made from the SAM CLI sample with the method,
/// path, query, headers, body and the Lambda authorizer's context replaced.
pub fn http_event(method: &str, path: &str, query: &str, body: Option<&Value>, authorizer: Option<Value>) -> Value {
    let mut event: Value =
        serde_json::from_str(include_str!("../fixtures/http-api-proxy.json")).expect("fixture parses");
    event["routeKey"] = Value::String("$default".into());
    event["rawPath"] = Value::String(path.into());
    event["rawQueryString"] = Value::String(query.into());
    let params: serde_json::Map<String, Value> =
        form_pairs(query).into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    event["queryStringParameters"] = if params.is_empty() { Value::Null } else { Value::Object(params) };
    event["pathParameters"] = Value::Null;
    event["cookies"] = Value::Array(vec![]);
    event["headers"] = serde_json::json!({"content-type": "application/json", "user-agent": "e2e"});
    event["requestContext"]["http"]["method"] = Value::String(method.into());
    event["requestContext"]["http"]["path"] = Value::String(path.into());
    event["requestContext"]["authentication"] = Value::Null;
    event["requestContext"]["authorizer"] = match authorizer {
        Some(context) => serde_json::json!({"lambda": context}),
        None => Value::Null,
    };
    match body {
        Some(b) => {
            event["body"] = Value::String(b.to_string());
            event["isBase64Encoded"] = Value::Bool(false);
        }
        None => {
            event["body"] = Value::Null;
            event["isBase64Encoded"] = Value::Bool(false);
        }
    }
    event
}

fn form_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

/// The context the Lambda authorizer hands to the HTTP functions.
pub fn authorizer_context(account_id: &str, operator_id: &str, is_administrator: bool) -> Value {
    serde_json::json!({"accountId": account_id, "operatorId": operator_id, "isAdministrator": is_administrator})
}

impl crate::TestApp {
    /// The environment a function's real binary needs to reach this test's table.
    pub fn function_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DYNAMODB_ENDPOINT", self.dynamo.endpoint()),
            ("HUB_TABLE_NAME", self.state.store.table_name().to_owned()),
            ("AWS_ACCESS_KEY_ID", "local".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "local".to_owned()),
        ]
    }

    /// The function `name`'s real binary (debug build) under a local Lambda Runtime API, on this
    /// test's table.
    pub async fn start_function(&self, name: &str) -> LocalLambda {
        LocalLambda::start(&binary(name, "debug"), &self.function_env()).await
    }
}
