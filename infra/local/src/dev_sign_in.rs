//! The development sign-in of the local server: `GET /dev/sign-in` lists every local account with
//! its operators (the demo administrator first by default), `POST /dev/sign-in`
//! `{"accountId", "operatorId"}` answers `{"token", "expiresAt"}`, an HS256 token for that
//! operator signed with the local `HUB_JWT_SECRET`: what `hubctl token` prints, for the page.
//!
//! Only the `hub-local` binary mounts these routes, and only while it listens on a loopback address
//! with HS256 on; no Lambda function has them (the deployed page signs in with OpenID Connect).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hub_api::AppState;
use hub_api::auth::sign_hs256;
use hub_store::{AccountScope, OperatorFilter, PageRequest};
use serde::Deserialize;
use serde_json::{Value, json};

/// Lifetime of a development sign-in.
pub const SESSION_TTL_SECONDS: u64 = 12 * 3600;
/// At most this many accounts, and this many operators of each, are listed.
const LIST_LIMIT: usize = 100;

#[derive(Clone)]
struct DevSignIn {
    state: AppState,
    secret: String,
    default_account_id: hub_store::AccountId,
    default_operator_id: String,
}

/// The routes; `default_*` is what the page preselects (the demo administrator).
pub fn router(
    state: AppState,
    secret: String,
    default_account_id: hub_store::AccountId,
    default_operator_id: String,
) -> Router {
    Router::new().route("/dev/sign-in", get(list).post(sign_in)).with_state(DevSignIn {
        state,
        secret,
        default_account_id,
        default_operator_id,
    })
}

fn problem(status: StatusCode, code: &str, detail: &str) -> Response {
    let body = json!({"type": "about:blank", "title": status.canonical_reason(), "status": status.as_u16(), "detail": detail, "code": code});
    (status, [(axum::http::header::CONTENT_TYPE, "application/problem+json")], body.to_string()).into_response()
}

fn unavailable(e: impl std::fmt::Display) -> Response {
    tracing::warn!(error = %e, "development sign-in: store");
    problem(StatusCode::SERVICE_UNAVAILABLE, "service_unavailable", "The local database did not answer.")
}

async fn list(State(dev): State<DevSignIn>) -> Response {
    let store = &dev.state.store;
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = match store.list_account_ids(PageRequest { limit: LIST_LIMIT, cursor: cursor.as_deref() }).await {
            Ok(page) => page,
            Err(e) => return unavailable(e),
        };
        ids.extend(page.items);
        cursor = page.next_cursor;
        if cursor.is_none() || ids.len() >= LIST_LIMIT {
            break;
        }
    }
    ids.truncate(LIST_LIMIT);
    // The default account first, then the others in the order of the index.
    ids.sort_by_key(|id| *id != dev.default_account_id);
    let mut accounts = Vec::new();
    for id in ids {
        let scope = AccountScope::new(&id);
        let account = match store.in_account(&scope).account_record().await {
            Ok(Some(account)) => account,
            Ok(None) => continue,
            Err(e) => return unavailable(e),
        };
        let operators = match store
            .in_account(&scope)
            .list_operators(&OperatorFilter::default(), PageRequest { limit: LIST_LIMIT, cursor: None })
            .await
        {
            Ok(page) => page.items,
            Err(e) => return unavailable(e),
        };
        let operators: Vec<Value> = operators
            .iter()
            .map(|o| json!({"operatorId": o.operator_id, "fullName": o.full_name, "email": o.email, "isAdministrator": o.is_administrator}))
            .collect();
        accounts.push(json!({"accountId": account.account_id, "name": account.name, "accountType": account.account_type, "operators": operators}));
    }
    Json(json!({
        "accounts": accounts,
        "defaultAccountId": dev.default_account_id,
        "defaultOperatorId": dev.default_operator_id,
    }))
    .into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SignInBody {
    account_id: hub_store::AccountId,
    operator_id: hub_store::OperatorId,
}

async fn sign_in(
    State(dev): State<DevSignIn>,
    body: Result<Json<SignInBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(body)) = body else {
        return problem(StatusCode::BAD_REQUEST, "validation_failed", "Send {\"accountId\", \"operatorId\"} as JSON.");
    };
    let scope = AccountScope::new(&body.account_id);
    match dev.state.store.in_account(&scope).operator(&body.operator_id).await {
        Ok(Some(_)) => {}
        Ok(None) => return problem(StatusCode::NOT_FOUND, "not_found", "No such operator in that account."),
        Err(e) => return unavailable(e),
    }
    let token = sign_hs256(&dev.secret, &body.account_id, &body.operator_id, SESSION_TTL_SECONDS);
    let expires_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() + SESSION_TTL_SECONDS)
        .unwrap_or_default();
    Json(json!({"token": token, "expiresAt": expires_at})).into_response()
}
