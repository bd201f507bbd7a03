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
use hub_local::startup::{self, LocalSignIn};
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
    let store_config = StoreConfig { endpoint: Some(endpoint.clone()), ..StoreConfig::from_env()? };
    let store = Store::connect(&store_config).await?;
    store
        .create_table_if_missing()
        .await
        .map_err(|e| format!("cannot create the table {} at {endpoint}: {e}", store_config.table_name))?;

    let (jwt, local_sign_in) = startup::local_jwt_config()?;
    // Tokens of the development sign-in are HS256: offered only while HS256 is on (no identity
    // provider's JWKS configured).
    let hs256_secret = match &local_sign_in {
        LocalSignIn::Hs256(secret, _) => Some(secret.clone()),
        LocalSignIn::IdentityProvider => None,
    };
    let config = startup::local_hub_config()?;
    let state = AppState::new(store, jwt, config, Clock::system());

    let demo = seed::ensure_demo_account(&state, &dir).await?;

    let addr = startup::server_addr();
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} ({e}); set HUB_ADDR to use another address"))?;
    let local = listener.local_addr().map_err(|e| format!("no local address: {e}"))?;
    let base = startup::base_url(local);
    // The page: OpenID Connect when HUB_OIDC_ISSUER/HUB_OIDC_CLIENT_ID say so, otherwise the
    // development sign-in, which is offered only on a loopback address (it hands out tokens for
    // any operator to whoever asks) and without a JWKS.
    let mut web = hub_web::WebConfig::from_env();
    let dev_sign_in = match (&web.sign_in, &hs256_secret) {
        (hub_web::SignIn::NotConfigured, Some(secret)) if local.ip().is_loopback() => {
            web.sign_in = hub_web::SignIn::Development;
            Some(hub_local::dev_sign_in::router(
                state.clone(),
                secret.clone(),
                demo.account.account_id.clone(),
                demo.account.admin_operator_id.clone(),
            ))
        }
        _ => None,
    };
    let page_sign_in = match &web.sign_in {
        hub_web::SignIn::Development => "development sign-in: pick any local operator".to_owned(),
        hub_web::SignIn::Oidc { issuer, .. } => format!("OpenID Connect sign-in at {issuer}"),
        hub_web::SignIn::NotConfigured => {
            "no sign-in: set HUB_OIDC_ISSUER and HUB_OIDC_CLIENT_ID (the development sign-in needs a loopback address and no HUB_JWKS_URL)".to_owned()
        }
    };
    // The page's address first: the one line a person needs.
    println!("User Management hub: {base}/  (open it in a browser; {page_sign_in})");
    let app = hub_local::local_app(state.clone(), web, dev_sign_in);
    let server = tokio::spawn(async move {
        axum::serve(hub_local::without_nagle(listener), app).with_graceful_shutdown(startup::shutdown_signal()).await
    });
    tracing::info!(%local, "listening");

    // Seeded through the API on a private port, whichever way operators sign in here.
    let report = seed::seed_demo_data_privately(&state, &dir, &demo.account).await;
    print_banner(&base, &endpoint, &where_, &demo, &report, &local_sign_in, &state.config.cors_origins);

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
    sign_in: &LocalSignIn,
    cors: &[String],
) {
    let account = &demo.account;
    let seeded = match (report.done, report.total) {
        (done, total) if done == total => format!("complete ({total} steps)"),
        (done, total) => format!(
            "{done} of {total} steps ({} wait for routes not implemented yet{}; retried on the next start)",
            report.waiting,
            if report.failed > 0 {
                format!(", {} failed: see the warnings above", report.failed)
            } else {
                String::new()
            }
        ),
    };
    let fresh = if demo.created { "new" } else { "reused from .local/demo.json" };
    println!();
    println!("Local API server");
    println!("  Page       {base}/");
    println!("  API        {base}");
    println!("  SCIM       {base}/scim/v2 (a token: POST /scim-tokens as an administrator)");
    println!("  DynamoDB   {endpoint} ({where_})");
    println!("  Account    {} (Demo Inc, Business; {fresh})", account.account_id);
    println!("  Admin      {} (Ada Admin <ada@demo.example>)", account.admin_operator_id);
    println!("  Demo data  {seeded}");
    println!("  CORS       {}", cors.join(", "));
    println!();
    match sign_in {
        LocalSignIn::Hs256(secret, default_secret) => {
            let token = sign_hs256(secret, &account.account_id, &account.admin_operator_id, TOKEN_TTL_SECONDS);
            println!("Administrator token (valid 12 h):");
            println!();
            println!("  export TOKEN={token}");
            println!("  curl -s -H \"Authorization: Bearer $TOKEN\" {base}/operators");
            println!();
            if *default_secret {
                println!(
                    "Tokens are signed with the published development HUB_JWT_SECRET (only hub-local accepts it);"
                );
                println!("for hubctl in another shell:");
                println!("  export HUB_JWT_SECRET={}", startup::LOCAL_JWT_SECRET);
            } else {
                println!("Tokens are signed with HUB_JWT_SECRET from the environment.");
            }
            println!(
                "  cargo run -q --bin hubctl -- token --account {} --operator {}",
                account.account_id, account.admin_operator_id
            );
        }
        LocalSignIn::IdentityProvider => {
            println!("Operators sign in with the identity provider of HUB_JWKS_URL (HS256 tokens are off);");
            println!(
                "its tokens carry account_id = {} and operator_id = {} for Ada Admin.",
                account.account_id, account.admin_operator_id
            );
        }
    }
    println!();
    println!("Ctrl-C stops the server.");
}
