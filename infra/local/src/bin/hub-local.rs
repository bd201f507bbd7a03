//! The local API server: `cargo run -q --bin hub-local` from the repository root.
//!
//! Starts the embedded DynamoDB (file-backed, `.local/hub.db`, or `$HUB_DATA_DIR/hub.db` when that
//! is set, on `HUB_DYNAMODB_ADDR`, default `127.0.0.1:8000`) unless `DYNAMODB_ENDPOINT` names
//! another one, creates the table, provisions the demo account on first start, serves every
//! function's router on `HUB_ADDR` (default `127.0.0.1:3000`) and prints a ready-to-use token.
//! Ctrl-C stops it.

use std::process::ExitCode;

use hub_api::AppState;
use hub_api::auth::sign_hs256;
use hub_api::clock::Clock;
use hub_local::seed::{self, DemoAccount, SeedReport};
use hub_local::startup;
use hub_store::{EmbeddedDynamo, Store, StoreConfig};

/// Lifetime of the printed token.
const TOKEN_TTL_SECONDS: u64 = 12 * 3600;

#[tokio::main]
async fn main() -> ExitCode {
    startup::init_tracing("info");
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hub-local: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let dir = startup::local_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;

    // The table: the embedded DynamoDB, or the external endpoint the environment names.
    let (embedded, endpoint, where_) = match startup::external_dynamodb_endpoint() {
        Some(endpoint) => (None, endpoint, "external, DYNAMODB_ENDPOINT".to_owned()),
        None => {
            let addr = startup::dynamodb_addr();
            let file = dir.join("hub.db");
            let db = EmbeddedDynamo::file_backed(&file, &addr).await.map_err(|e| {
                format!(
                    "cannot start the embedded DynamoDB on {addr} ({e}). Is another hub-local running? \
                     Stop it, or set HUB_DYNAMODB_ADDR (and HUB_ADDR) to other addresses."
                )
            })?;
            let endpoint = startup::base_url(db.addr());
            (Some(db), endpoint, format!("embedded, {}", file.display()))
        }
    };
    let store_config = StoreConfig { endpoint: Some(endpoint.clone()), ..StoreConfig::from_env() };
    let store = Store::connect(&store_config).await;
    store
        .create_table_if_missing()
        .await
        .map_err(|e| format!("cannot create the table {} at {endpoint}: {e}", store_config.table_name))?;

    let (jwt, secret, default_secret) = startup::local_jwt_config();
    let config = startup::local_hub_config()?;
    let state = AppState::new(store, jwt, config, Clock::system());

    let demo = seed::ensure_demo_account(&state, &dir).await?;

    let addr = startup::server_addr();
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} ({e}); set HUB_ADDR to use another address"))?;
    let local = listener.local_addr().map_err(|e| format!("no local address: {e}"))?;
    let base = startup::base_url(local);
    let app = hub_local::app(state.clone());
    let server = tokio::spawn(async move { axum::serve(listener, app).with_graceful_shutdown(startup::shutdown_signal()).await });
    tracing::info!(%local, "listening");

    let token = sign_hs256(&secret, &demo.account.account_id, &demo.account.admin_operator_id, TOKEN_TTL_SECONDS);
    let report = seed::seed_demo_data(&base, &token, &dir, &demo.account.account_id).await;
    print_banner(&base, &endpoint, &where_, &demo, &report, &token, default_secret, &state.config.cors_origins);

    let served = server.await;
    drop(embedded);
    match served {
        Ok(Ok(())) => {
            tracing::info!("stopped");
            Ok(())
        }
        Ok(Err(e)) => Err(format!("the server stopped: {e}")),
        Err(e) => Err(format!("the server task failed: {e}")),
    }
}

#[allow(clippy::too_many_arguments)]
fn print_banner(
    base: &str,
    endpoint: &str,
    where_: &str,
    demo: &DemoAccount,
    report: &SeedReport,
    token: &str,
    default_secret: bool,
    cors: &[String],
) {
    let account = &demo.account;
    let seeded = match (report.done, report.total) {
        (done, total) if done == total => format!("complete ({total} steps)"),
        (done, total) => format!(
            "{done} of {total} steps ({} wait for routes not implemented yet{}; retried on the next start)",
            report.waiting,
            if report.failed > 0 { format!(", {} failed: see the warnings above", report.failed) } else { String::new() }
        ),
    };
    let fresh = if demo.created { "new" } else { "reused from .local/demo.json" };
    println!();
    println!("User Management hub: local API server");
    println!("  API        {base}");
    println!("  SCIM       {base}/scim/v2 (a token: POST /scim-tokens as an administrator)");
    println!("  DynamoDB   {endpoint} ({where_})");
    println!("  Account    {} (Demo Inc, Business; {fresh})", account.account_id);
    println!("  Admin      {} (Ada Admin <ada@demo.example>)", account.admin_operator_id);
    println!("  Demo data  {seeded}");
    println!("  CORS       {}", cors.join(", "));
    println!();
    println!("Administrator token (valid 12 h):");
    println!();
    println!("  export TOKEN={token}");
    println!("  curl -s -H \"Authorization: Bearer $TOKEN\" {base}/operators");
    println!();
    if default_secret {
        println!("Tokens are signed with the local default HUB_JWT_SECRET; for hubctl in another shell:");
        println!("  export HUB_JWT_SECRET={}", startup::LOCAL_JWT_SECRET);
    } else {
        println!("Tokens are signed with HUB_JWT_SECRET from the environment.");
    }
    println!("  cargo run -q --bin hubctl -- token --account {} --operator {}", account.account_id, account.admin_operator_id);
    println!();
    println!("Ctrl-C stops the server.");
}
