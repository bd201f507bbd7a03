//! The hub-summary function (in progress).

use axum::Router;
use hub_api::AppState;

pub fn router(_state: AppState) -> Router {
    Router::new()
}
