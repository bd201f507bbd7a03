//! Part 3: cold start. Each function's release binary is started under a local Lambda Runtime
//! API (`hub_e2e::runtime_api`, which runs it as Lambda does: the `AWS_LAMBDA_*` environment,
//! long-polling `next`), in the production configuration: credentials and region in the
//! environment as Lambda provides them and no `DYNAMODB_ENDPOINT`, so the store builds its AWS
//! client exactly as in Lambda (the role's credentials, the AWS roots, HTTPS client), with the
//! endpoint pointed at the embedded DynamoDB through the SDK's own `AWS_ENDPOINT_URL_DYNAMODB`;
//! a JWKS URL configured (never fetched here).
//!
//! Measured: time from exec to the first `next` poll (Lambda's init), time from exec to the first
//! response, and the process's maximum resident memory (VmHWM) after 1,000 invocations.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hub_e2e::runtime_api::{LocalLambda, Outcome, authorizer_context, http_event};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Auth, Bench, median, ms};
use crate::report::{Report, Table};

/// The function packages and their binaries.
pub const FUNCTIONS: [(&str, &str); 9] = [
    ("hub-operators", "operators"),
    ("hub-groups", "groups"),
    ("hub-summary", "hub-summary"),
    ("hub-monitors", "monitors"),
    ("hub-api-users", "api-users"),
    ("hub-authorizer", "authorizer"),
    ("hub-maintenance", "maintenance"),
    ("hub-scim", "scim"),
    ("hub-web", "web"),
];

/// The cargo target directory this benchmark was built in (`<target>/release/hub-bench`), where
/// it builds and finds the functions' release binaries; `HUB_BENCH_TARGET_DIR` overrides it.
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("HUB_BENCH_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().expect("own path");
    exe.parent().and_then(Path::parent).expect("target directory").to_path_buf()
}

/// The workspace root (where cargo runs from).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// Builds the functions' release binaries into the benchmark's own target directory (only the
/// function packages, so that their features are those of a deployment: no embedded DynamoDB).
pub fn build_functions(report: &mut Report) {
    let target = target_dir();
    let mut args: Vec<String> = vec!["build".into(), "--release".into(), "--bins".into()];
    for (package, _) in FUNCTIONS {
        args.push("-p".into());
        args.push(package.into());
    }
    let started = Instant::now();
    let status = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(&args)
        .current_dir(workspace_root())
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the functions failed");
    report.note(format!(
        "`CARGO_TARGET_DIR={} cargo {}` ({:.0} s, nothing to do when up to date)",
        target.display(),
        args.join(" "),
        started.elapsed().as_secs_f64()
    ));
}

/// A status line of `/proc/<pid>/status` in kB.
fn proc_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with(field))?.split_whitespace().nth(1)?.parse().ok()
}

fn mb(kb: u64) -> String {
    format!("{:.1}", kb as f64 / 1024.0)
}

fn answered(outcome: &Outcome, function: &str) -> Value {
    match outcome {
        Outcome::Response(r) => r.clone(),
        Outcome::Error(e) => panic!("{function} failed: {e}"),
    }
}

/// The event each function gets, and how to tell it worked.
fn event(binary: &str, account_id: &str, admin: &str, basic: &Auth, scim: &Auth) -> Value {
    let ctx = || Some(authorizer_context(account_id, admin, true));
    match binary {
        "operators" => http_event("GET", &format!("/operators/{admin}"), "", None, ctx()),
        "groups" => http_event("GET", "/groups", "", None, ctx()),
        "hub-summary" => http_event("GET", "/hub/summary", "", None, ctx()),
        "monitors" => http_event("GET", "/monitors", "", None, ctx()),
        "api-users" => http_event("GET", "/api-users", "", None, ctx()),
        "authorizer" => {
            let mut e = http_event("GET", "/operators", "", None, None);
            e["type"] = json!("REQUEST");
            e["routeArn"] = json!("arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/GET/operators");
            e["identitySource"] = json!([]);
            e["headers"]["authorization"] = json!(basic.header());
            e
        }
        // The SCIM function checks its own bearer token (one read), then answers from constants.
        "scim" => {
            let mut e = http_event("GET", "/scim/v2/ServiceProviderConfig", "", None, None);
            e["headers"]["authorization"] = json!(scim.header());
            e
        }
        // The page: no credentials, no database.
        "web" => http_event("GET", "/", "", None, None),
        "maintenance" => json!({
            "id": "cdc73f9d-aea9-11e3-9d5a-835b769c0d9c",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "time": "2026-01-01T00:00:00Z",
            "detail": {}
        }),
        other => panic!("no event for {other}"),
    }
}

fn check(binary: &str, response: &Value) {
    match binary {
        "authorizer" => assert!(response["context"]["accountId"].is_string(), "authorizer refused: {response}"),
        "maintenance" => {
            assert!(response["accountsChecked"].as_u64().is_some_and(|n| n >= 1), "maintenance: {response}")
        }
        _ => assert_eq!(response["statusCode"], 200, "{binary}: {response}"),
    }
}

pub async fn run(report: &mut Report, starts: usize, invocations: usize, build: bool) {
    report.section("3. Cold start: release binaries under a local Lambda Runtime API");
    let started = Instant::now();
    if build {
        build_functions(report);
    }
    let b = Bench::start().await;
    let account = b.account(10).await;
    let admin = Auth::Bearer(b.token(&account));
    let key = b.expect(&admin, Method::POST, "/api-users", Some(&json!({"description": "Authorizer"})), 201).await;
    let basic = Auth::Basic(key.str("username"), key.str("password"));
    let scim = crate::scim::scim_token(&b, &admin).await;
    let env: Vec<(&str, String)> = vec![
        ("AWS_ACCESS_KEY_ID", "AKIDLOCALBENCH".into()),
        ("AWS_SECRET_ACCESS_KEY", "local-bench-secret".into()),
        ("AWS_SESSION_TOKEN", "local-bench-session".into()),
        ("AWS_DEFAULT_REGION", "us-east-1".into()),
        ("AWS_ENDPOINT_URL_DYNAMODB", b.dynamo.endpoint()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into()),
        ("AWS_LAMBDA_LOG_FORMAT", "JSON".into()),
        ("LAMBDA_TASK_ROOT", "/var/task".into()),
        ("_HANDLER", "bootstrap".into()),
        ("HUB_TABLE_NAME", b.table().to_owned()),
        ("HUB_CURSOR_SECRET", "bench-cursor-secret-0123456789abcdef".into()),
        // An identity provider's keys (never fetched: the bench signs in with Basic and a SCIM
        // token) need its issuer and audience too, or the functions refuse to start.
        ("HUB_JWKS_URL", "https://idp.bench.example/.well-known/jwks.json".into()),
        ("HUB_JWT_ISSUER", "https://idp.bench.example/".into()),
        ("HUB_JWT_AUDIENCE", "hub-bench".into()),
    ];
    let target = target_dir();
    let mut table = Table::new(&[
        "function",
        "binary MB (x86_64)",
        "init p50 ms",
        "init max ms",
        "first response p50 ms",
        "RSS after init MB",
        &format!("max RSS after {invocations} invocations MB"),
        "warm p50 ms",
        "budget init ≤ 30 ms",
        "budget memory ≤ 32 MB",
    ]);
    let (mut worst_init, mut worst_rss) = ((Duration::ZERO, ""), (0u64, ""));
    // `HUB_BENCH_FUNCTIONS=operators,authorizer` measures only those.
    let only: Option<Vec<String>> =
        std::env::var("HUB_BENCH_FUNCTIONS").ok().map(|v| v.split(',').map(str::to_owned).collect());
    for (_, binary) in FUNCTIONS {
        if only.as_ref().is_some_and(|o| !o.iter().any(|b| b == binary)) {
            continue;
        }
        let path = target.join("release").join(binary);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let ev = event(binary, &account.account_id, &account.admin_operator_id, &basic, &scim);
        let mut inits = Vec::new();
        let mut firsts = Vec::new();
        let mut rss_init = 0;
        for _ in 0..starts {
            let t = Instant::now();
            let mut lambda = LocalLambda::start(&path, &env).await;
            let pid = lambda.pid().expect("running");
            // Wait for the first poll alone, then read the memory of the initialised process.
            let init = loop {
                if let Some(d) = lambda.init_duration().await {
                    break d;
                }
                assert!(t.elapsed() < Duration::from_secs(10), "{binary} never polled");
                tokio::time::sleep(Duration::from_micros(200)).await;
            };
            rss_init = rss_init.max(proc_kb(pid, "VmRSS:").unwrap_or(0));
            let response = answered(&lambda.invoke(ev.clone()).await, binary);
            check(binary, &response);
            inits.push(init);
            firsts.push(t.elapsed());
        }
        // One more process: the first response right away, then invocations until 1,000.
        let t = Instant::now();
        let mut lambda = LocalLambda::start(&path, &env).await;
        let response = answered(&lambda.invoke(ev.clone()).await, binary);
        check(binary, &response);
        firsts.push(t.elapsed());
        let mut warm = Vec::with_capacity(invocations);
        for _ in 1..invocations {
            let t = Instant::now();
            let response = answered(&lambda.invoke(ev.clone()).await, binary);
            warm.push(t.elapsed());
            check(binary, &response);
        }
        let pid = lambda.pid().expect("still running");
        let hwm = proc_kb(pid, "VmHWM:").unwrap_or(0);
        drop(lambda);
        let max_init = inits.iter().copied().max().unwrap_or_default();
        let (i50, f50, w50) = (median(&mut inits), median(&mut firsts), median(&mut warm));
        if i50 > worst_init.0 {
            worst_init = (i50, binary);
        }
        if hwm > worst_rss.0 {
            worst_rss = (hwm, binary);
        }
        table.row(vec![
            binary.to_owned(),
            format!("{:.1}", size as f64 / 1024.0 / 1024.0),
            ms(i50),
            ms(max_init),
            ms(f50),
            mb(rss_init),
            mb(hwm),
            ms(w50),
            if i50 <= Duration::from_millis(30) { "met".into() } else { "MISSED".into() },
            if hwm <= 32 * 1024 { "met".into() } else { "MISSED".into() },
        ]);
    }
    report.table(table);
    report.note(format!(
        "{starts} cold starts per function (p50 and max of init), first response measured from exec over those plus one more process, which then answered {invocations} invocations in all; warm = one invocation through the Runtime API, DynamoDB call(s) included"
    ));
    report.budget(
        "init (exec → first `next` poll) ≤ 30 ms",
        worst_init.0 <= Duration::from_millis(30),
        format!("worst p50 {} ms ({})", ms(worst_init.0), worst_init.1),
    );
    report.budget(
        &format!("max RSS after {invocations} invocations ≤ 32 MB"),
        worst_rss.0 <= 32 * 1024,
        format!("worst {} MB ({})", mb(worst_rss.0), worst_rss.1),
    );
    report.note(format!("part 3 took {:.0} s", started.elapsed().as_secs_f64()));
}
