//! The hub-summary function: `GET /hub/summary` and the account itself (`GET`/`PATCH /account`).
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

mod account;
mod summary;

use axum::Router;
use hub_api::AppState;
use hub_api::routes::Routes;

pub fn routes() -> Routes {
    Routes::new()
        .get("/hub/summary", summary::summary)
        .get("/account", account::fetch)
        .patch("/account", account::update)
}

pub fn router(state: AppState) -> Router {
    routes().into_router(state)
}
