//! The operators function: operators, their system-wide permissions and off-duty schedules.

mod operators;
mod permissions;
mod schedules;

use axum::Router;
use axum::routing::{get, put};
use hub_api::AppState;

pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route("/operators", get(operators::list).post(operators::create))
        .route("/operators/{id}", get(operators::fetch).patch(operators::update).delete(operators::remove))
        .route("/operators/{id}/groups", get(operators::groups))
        .route("/operators/{id}/permissions", get(permissions::list))
        .route("/operators/{id}/permissions/{permission}", put(permissions::grant).delete(permissions::revoke))
        .route("/operators/{id}/duty-schedules", get(schedules::list).post(schedules::create))
        .route("/operators/{id}/duty-schedules/{schedule_id}", put(schedules::replace).delete(schedules::remove));
    hub_api::http::function_router(routes, state)
}
