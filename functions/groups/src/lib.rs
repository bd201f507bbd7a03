//! The groups function: operator groups, their members, their system-wide permissions and the
//! group-wide Active switch.

mod groups;
mod members;
mod permissions;

use axum::Router;
use axum::routing::{get, post, put};
use hub_api::AppState;

pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route("/groups", get(groups::list).post(groups::create))
        .route("/groups/{id}", get(groups::fetch).patch(groups::update).delete(groups::remove))
        .route("/groups/{id}/members", get(members::list))
        .route("/groups/{id}/members/{operator_id}", put(members::add).delete(members::remove))
        .route("/groups/{id}/permissions", get(permissions::list))
        .route("/groups/{id}/permissions/{permission}", put(permissions::grant).delete(permissions::revoke))
        .route("/groups/{id}/duty", post(members::set_duty));
    hub_api::http::function_router(routes, state)
}
