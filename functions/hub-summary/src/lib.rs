//! The hub-summary function: `GET /hub/summary`, the account itself (`GET`/`PATCH /account`) and
//! its audit log (`GET /audit-log`).
//!
//! The summary costs the same at any account size: it never counts items at request time. Every
//! write that changes a figure (operators, the Active switch, groups, memberships, API users,
//! monitors) moves the account item's counters in the same transaction, and the summary reads:
//!
//! 1. the account item (GetItem): every counter, the operator limit and the time zone;
//! 2. the first 10 active operators by name (one Query on the sparse active-operators index);
//! 3. the operators that have off-duty schedules (one Query on the sparse scheduled index), to
//!    evaluate "on duty now" in the account's time zone at read time.
//!
//! The three run concurrently; with the one read of the authentication middleware a summary
//! request makes four DynamoDB requests whatever the number of operators, groups, API users or
//! monitors. (The third stays one request as long as the operators with off-duty schedules fit in
//! one 1 MB Query page, i.e. a few hundred to a few thousand of them.)
//!
//! It also serves `GET /openapi.json` without credentials: the OpenAPI 3.1 document of the whole
//! API, compiled in from `openapi.json` at the repository root. That file is generated from every
//! function's annotations (`hub_local::openapi::openapi_document`) and kept current by the
//! end-to-end test `openapi` (`UPDATE_OPENAPI=1 cargo test -p hub-e2e --test api openapi`
//! rewrites it).

mod account;
mod audit_log;
mod summary;

hub_api::function_routes! {
    tags: ["Hub summary", "Account", "Audit log"],
    routes: {
        get "/hub/summary" => summary::summary,
        get "/account" => account::fetch,
        patch "/account" => account::update,
        list "/audit-log" => audit_log::list,
    },
    undocumented: {
        get "/openapi.json" => openapi_json,
    },
}

/// The committed OpenAPI document (public: see `hub_api::caller`'s `is_public`).
async fn openapi_json() -> impl axum::response::IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], include_str!("../../../openapi.json"))
}
