//! The api-users function (in progress).

use axum::Router;
use hub_api::AppState;

pub fn router(state: AppState) -> Router {
    hub_api::http::function_router(Router::new(), state)
}
