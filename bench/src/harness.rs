//! What every benchmark part starts from: one embedded DynamoDB (in memory, on loopback) reached
//! through the real SDK, the whole API served over real HTTP on loopback (the local server's app,
//! with the same authentication code as the Lambda authorizer), a store whose requests are counted
//! and probed, a plain SDK client for direct calls, and seeding helpers.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use futures::stream::{self, TryStreamExt};
use http_body_util::Full;
use hub_api::AppState;
use hub_api::auth::{JwtConfig, sign_hs256};
use hub_api::caller::{api_user_username, new_api_user_password, password_hash};
use hub_api::clock::Clock;
use hub_api::config::HubConfig;
use hub_api::provisioning::ProvisionedAccount;
use hub_store::records::{ApiUserRecord, OperatorRecord};
use hub_store::schedule_record::ScheduleRecord;
use hub_store::values::{AccessType, CredentialDescription, FullName};
use hub_store::{AccountScope, BulkApiUser, EmbeddedDynamo, RequestCounter, Store, StoreConfig};
use reqwest::Method;
use serde_json::Value;

use crate::probe::Probe;

pub const SECRET: &str = "bench-secret-0123456789abcdef-0123456";

pub struct Bench {
    pub dynamo: EmbeddedDynamo,
    pub state: AppState,
    /// Every DynamoDB request of the server's store (attempts, as the SDK sends them).
    pub counter: RequestCounter,
    pub probe: Probe,
    pub base: String,
    pub http: reqwest::Client,
    /// One kept-alive HTTP/1.1 connection to the server, driven by the task that sends on it (see
    /// [`Bench::timed_direct`]).
    conn: tokio::sync::Mutex<Option<ClientConn>>,
    /// An SDK client on the same embedded DynamoDB, for direct calls: configured as the store's,
    /// with a counter and a probe of its own as the store has, so that a route's calls and the
    /// same calls made directly pay for the same interceptors.
    pub direct: aws_sdk_dynamodb::Client,
    pub direct_counter: RequestCounter,
    pub direct_probe: Probe,
    /// The app the server serves, for in-process requests.
    pub app: axum::Router,
    _server: tokio::task::JoinHandle<()>,
}

/// A reply read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    pub fn str(&self, field: &str) -> String {
        self.body[field].as_str().unwrap_or_else(|| panic!("no string {field} in {}", self.body)).to_owned()
    }
}

impl Bench {
    pub async fn start() -> Bench {
        Self::on(EmbeddedDynamo::in_memory().await.expect("embedded DynamoDB starts")).await
    }

    /// The bench on an embedded DynamoDB kept in the SQLite file at `path` rather than in memory
    /// (the largest audit logs: memory holds some 100,000 events, the disk millions).
    pub async fn start_file_backed(path: &std::path::Path) -> Bench {
        Self::on(EmbeddedDynamo::file_backed(path, "127.0.0.1:0").await.expect("embedded DynamoDB starts")).await
    }

    async fn on(dynamo: EmbeddedDynamo) -> Bench {
        let counter = RequestCounter::default();
        let probe = Probe::default();
        let store = Store::connect_probed(
            &StoreConfig::local(dynamo.endpoint()),
            counter.clone(),
            aws_sdk_dynamodb::config::SharedInterceptor::new(probe.clone()),
        )
        .await
        .expect("a store for the embedded DynamoDB");
        store.create_table_if_missing().await.expect("table created");
        let jwt = JwtConfig { hs256_secret: Some(SECRET.into()), ..JwtConfig::default() };
        let state = AppState::new(store, jwt, HubConfig::default(), Clock::system());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let app = hub_local::app(state.clone());
        let served = app.clone();
        let server = tokio::spawn(async move {
            axum::serve(hub_local::without_nagle(listener), served).await.expect("server runs");
        });
        let (direct_counter, direct_probe) = (RequestCounter::default(), Probe::default());
        let direct = Store::sdk_client_as_built(
            &StoreConfig::local(dynamo.endpoint()),
            vec![
                aws_sdk_dynamodb::config::SharedInterceptor::new(direct_counter.clone()),
                aws_sdk_dynamodb::config::SharedInterceptor::new(direct_probe.clone()),
            ],
        )
        .await
        .expect("an SDK client for the embedded DynamoDB");
        let http = reqwest::Client::builder().pool_max_idle_per_host(8).build().expect("http client");
        Bench {
            dynamo,
            state,
            counter,
            probe,
            base,
            http,
            conn: Default::default(),
            direct,
            direct_counter,
            direct_probe,
            app,
            _server: server,
        }
    }

    pub fn table(&self) -> &str {
        self.state.store.table_name()
    }

    pub fn token(&self, account: &ProvisionedAccount) -> String {
        sign_hs256(SECRET, &account.account_id, &account.admin_operator_id, 24 * 3600)
    }

    /// An Enterprise account with room for `operators` operators (and some to spare).
    pub async fn account(&self, operators: usize) -> ProvisionedAccount {
        hub_e2e::provision(&self.state, "Enterprise", operators as i64 + 10_000).await
    }

    pub async fn call(&self, auth: &Auth, method: Method, path: &str, body: Option<&Value>) -> Reply {
        self.timed(&Request { auth: Some(auth), method, path, body }).await.0
    }

    /// A request as a client sends it, timed until its whole body has arrived (its JSON is not
    /// parsed: that is the client's work, not the server's).
    pub async fn timed(&self, request: &Request<'_>) -> (Reply, Duration) {
        let req = reqwest::Request::try_from(request.to_http::<Vec<u8>>(&format!("{}{}", self.base, request.path)))
            .expect("request");
        let started = Instant::now();
        let response = self.http.execute(req).await.expect("request reaches the server");
        let status = response.status().as_u16();
        let bytes = response.bytes().await.expect("body");
        let took = started.elapsed();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        (Reply { status, body }, took)
    }

    /// The same request as [`Bench::timed`] over one kept-alive HTTP/1.1 connection that this task
    /// drives itself (hyper's client connection, `TCP_NODELAY`), timed until the whole body has
    /// arrived. reqwest hands each request to its pool's connection task on another worker and the
    /// answer back, two wake-ups between threads that belong to the client, not to the server.
    pub async fn timed_direct(&self, request: &Request<'_>) -> (u16, Duration) {
        let mut slot = self.conn.lock().await;
        for attempt in 0..2 {
            if slot.is_none() {
                *slot = Some(ClientConn::open(&self.base).await);
            }
            let conn = slot.as_mut().expect("connected");
            let mut req: http::Request<Full<Bytes>> = request.to_http(request.path);
            req.headers_mut().insert("host", conn.host.parse().expect("host header"));
            let started = Instant::now();
            match conn.exchange(req).await {
                Ok(status) => return (status, started.elapsed()),
                // A kept-alive connection the server closed while idle: one new connection.
                Err(e) if attempt == 0 => {
                    eprintln!("  (bench connection closed: {e}; reconnecting)");
                    *slot = None;
                }
                Err(e) => panic!("request reaches the server: {e}"),
            }
        }
        unreachable!("the second attempt returns or panics")
    }

    /// The same request handed to the app in process (no socket): the routers, middleware and
    /// handlers alone, without the local server's HTTP hop.
    pub async fn in_process(&self, request: &Request<'_>) -> (u16, Duration) {
        use tower::ServiceExt;
        let req: http::Request<axum::body::Body> = request.to_http(request.path);
        let started = Instant::now();
        let response = self.app.clone().oneshot(req).await.expect("infallible");
        let status = response.status().as_u16();
        axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body");
        (status, started.elapsed())
    }

    /// A call that must answer `status`.
    pub async fn expect(&self, auth: &Auth, method: Method, path: &str, body: Option<&Value>, status: u16) -> Reply {
        let reply = self.call(auth, method.clone(), path, body).await;
        assert_eq!(reply.status, status, "{method} {path}: {}", reply.body);
        reply
    }
}

/// A client HTTP/1.1 connection and the future that runs it; both are polled by the requesting
/// task, so a request costs no hand-over to another task.
struct ClientConn {
    host: String,
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    connection: hyper::client::conn::http1::Connection<hyper_util::rt::TokioIo<tokio::net::TcpStream>, Full<Bytes>>,
}

impl ClientConn {
    async fn open(base: &str) -> ClientConn {
        let host = base.trim_start_matches("http://").to_owned();
        let tcp = tokio::net::TcpStream::connect(&host).await.expect("server reachable");
        tcp.set_nodelay(true).expect("nodelay");
        let (sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp)).await.expect("handshake");
        ClientConn { host, sender, connection }
    }

    /// Sends `req` and reads the whole answer, running the connection meanwhile; the status.
    async fn exchange(&mut self, req: http::Request<Full<Bytes>>) -> Result<u16, String> {
        use http_body_util::BodyExt;
        let ClientConn { sender, connection, .. } = self;
        let exchange = async {
            sender.ready().await.map_err(|e| e.to_string())?;
            let response = sender.send_request(req).await.map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            response.into_body().collect().await.map_err(|e| e.to_string())?;
            Ok(status)
        };
        tokio::select! {
            biased;
            done = exchange => done,
            ended = connection => Err(format!("connection ended: {ended:?}")),
        }
    }
}

/// One request as the benchmark sends it: its credentials (none: anonymous), method, path and
/// JSON body. [`Bench::timed`], [`Bench::timed_direct`] and [`Bench::in_process`] send the same
/// request, built here once for each of their clients.
pub struct Request<'a> {
    pub auth: Option<&'a Auth>,
    pub method: Method,
    pub path: &'a str,
    pub body: Option<&'a Value>,
}

impl Request<'_> {
    /// The request to `uri` (a whole URL, or the path alone on a connection of its own), with its
    /// `authorization` header and its body serialised as JSON.
    fn to_http<B: From<Vec<u8>> + Default>(&self, uri: &str) -> http::Request<B> {
        let mut req = http::Request::builder().method(self.method.as_str()).uri(uri);
        if let Some(auth) = self.auth {
            req = req.header("authorization", auth.header());
        }
        let body = match self.body {
            Some(b) => {
                req = req.header("content-type", "application/json");
                B::from(serde_json::to_vec(b).expect("json"))
            }
            None => B::default(),
        };
        req.body(body).expect("request")
    }
}

/// Credentials of a request.
#[derive(Debug, Clone)]
pub enum Auth {
    Bearer(String),
    Basic(String, String),
}

impl Auth {
    pub fn header(&self) -> String {
        use base64::Engine;
        match self {
            Auth::Bearer(t) => format!("Bearer {t}"),
            Auth::Basic(u, p) => {
                format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}")))
            }
        }
    }
}

pub fn now_rfc3339() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Deterministic pseudo-random names, so that operators spread over the name index.
pub fn name(i: usize) -> String {
    const FIRST: [&str; 16] = [
        "Ada", "Bert", "Carla", "Dirk", "Eva", "Femke", "Gijs", "Hanna", "Ivo", "Joke", "Kees", "Lotte", "Mark",
        "Noor", "Olaf", "Pien",
    ];
    const LAST: [&str; 16] = [
        "Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters", "Hendriks",
        "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits",
    ];
    let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!("{} {} {i}", FIRST[(h >> 20) as usize % 16], LAST[(h >> 40) as usize % 16])
}

/// `count` plain operators for the account: every `scheduled_every`-th one has an off-duty
/// schedule, every fourth is switched off.
pub fn operators(count: usize, scheduled_every: usize) -> Vec<OperatorRecord> {
    let now = now_rfc3339();
    (0..count)
        .map(|i| OperatorRecord {
            is_on_duty: i % 4 != 3,
            schedules: if scheduled_every > 0 && i % scheduled_every == 0 {
                vec![daily_schedule()]
            } else {
                Vec::new()
            },
            ..hub_api::rules::new_operator(
                hub_api::values::new_id().into(),
                format!("op{i}-{}@bench.example", &hub_api::values::new_id()[24..]),
                FullName::parse(&name(i)).expect("a short text"),
                &now,
            )
        })
        .collect()
}

fn daily_schedule() -> ScheduleRecord {
    ScheduleRecord {
        schedule_id: hub_api::values::new_id().into(),
        mode: "Daily".into(),
        start: None,
        end: None,
        week_day: None,
        month_day: None,
        start_time: Some("22:00".into()),
        end_time: Some("06:00".into()),
    }
}

/// Seeds operators through the benchmark-only bulk loader, in loads of `chunk`; returns them and
/// the time it took.
pub async fn seed_operators(
    store: &Store,
    account: &ProvisionedAccount,
    ops: Vec<OperatorRecord>,
) -> (Vec<OperatorRecord>, Duration) {
    let scope = AccountScope::new(&account.account_id);
    let started = Instant::now();
    for load in ops.chunks(5_000) {
        store
            .in_account(&scope)
            .bulk_create_operators(load, &hub_api::rules::NEW_OPERATOR_PERMISSIONS)
            .await
            .expect("bulk operators");
    }
    (ops, started.elapsed())
}

/// Seeds the same operators one `create_operator` transaction each (what `POST /operators`
/// commits), `in_flight` at once; returns the time it took.
pub async fn seed_operators_one_by_one(
    store: &Store,
    account: &ProvisionedAccount,
    ops: &[OperatorRecord],
    in_flight: usize,
) -> Duration {
    let scope = AccountScope::new(&account.account_id);
    let started = Instant::now();
    stream::iter(ops.iter().map(Ok::<_, hub_store::StoreError>))
        .try_for_each_concurrent(in_flight, |op| {
            let scope = scope.clone();
            async move {
                let audit = hub_store::Audit::provisioning(
                    "2026-11-30T10:00:00.000Z",
                    "operator.created",
                    hub_store::AuditTarget {
                        kind: "Operator".into(),
                        id: op.operator_id.to_string(),
                        name: Some(op.full_name.to_string()),
                    },
                );
                store
                    .in_account(&scope)
                    .create_operator(op, &hub_api::rules::NEW_OPERATOR_PERMISSIONS, None, &audit)
                    .await
            }
        })
        .await
        .expect("operators created");
    started.elapsed()
}

/// `per_owner` API users for each of `owners` (bulk), whose last activity is `days_ago[i %
/// len]` days ago; returns (username, password) of the first one and the time it took.
pub async fn seed_api_users(
    store: &Store,
    account: &ProvisionedAccount,
    owners: &[OperatorRecord],
    per_owner: usize,
    days_ago: &[i64],
) -> (Option<(String, String)>, usize, Duration) {
    let scope = AccountScope::new(&account.account_id);
    let now = jiff::Timestamp::now();
    let password = new_api_user_password().expect("random password");
    let hash = password_hash(&password);
    let mut users = Vec::with_capacity(owners.len() * per_owner);
    for owner in owners {
        for _ in 0..per_owner {
            let i = users.len();
            let id = hub_store::ApiUserId::new(hub_api::values::new_id());
            let active = now - jiff::SignedDuration::from_hours(24 * days_ago[i % days_ago.len()]);
            let at = active.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
            let username = api_user_username(&account.account_id, &id).expect("uuid ids");
            users.push(BulkApiUser {
                record: ApiUserRecord::new(
                    id,
                    username,
                    owner,
                    AccessType::Generic,
                    CredentialDescription::parse(&format!("Script {i}")).expect("a short text"),
                    &at,
                ),
                password_hash: hash.clone(),
            });
        }
    }
    let first = users.first().map(|u| (u.record.username.clone(), password.clone()));
    let count = users.len();
    let started = Instant::now();
    for load in users.chunks(20_000) {
        store
            .in_account(&scope)
            .bulk_create_api_users(load, hub_api::rules::MAX_API_USERS_PER_OPERATOR)
            .await
            .expect("bulk API users");
    }
    (first, count, started.elapsed())
}

/// The median of `samples` (sorted in place).
pub fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    if samples.is_empty() { Duration::ZERO } else { samples[samples.len() / 2] }
}

pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i.min(samples.len() - 1)]
}

pub fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The machine, for the report.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(str::trim)
        .unwrap_or("unknown");
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kb: u64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    format!(
        "{cores} cores ({model}), {:.1} GiB memory, {} {}",
        mem_kb as f64 / 1024.0 / 1024.0,
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}
