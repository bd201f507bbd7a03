//! What every function's router shares: authentication in front, problem+json for unknown routes
//! and methods.

use axum::Router;
use axum::middleware::from_fn_with_state;

use crate::error::ApiError;
use crate::state::AppState;

/// Finishes a function's routes: the authentication middleware, the state, and a contract-shaped
/// answer for a method a route does not have. Unknown paths are answered by [`with_fallback`],
/// added once where routers are served (routers with fallbacks cannot be merged).
pub fn function_router(routes: Router<AppState>, state: AppState) -> Router {
    routes
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .route_layer(from_fn_with_state(state.clone(), crate::caller::authenticate))
        .route_layer(axum::middleware::from_fn(deadline))
        .with_state(state)
}

/// A request answers within this time, 503 otherwise. The SDK bounds each DynamoDB call (see the
/// store's client settings) but a request makes several; this bounds their sum. A request cut
/// short leaves nothing half-written: every write is one transaction, and a multi-step delete
/// leaves a pending marker that its retry or the maintenance job finishes.
pub const REQUEST_DEADLINE: std::time::Duration = std::time::Duration::from_millis(2800);

async fn deadline(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    match tokio::time::timeout(REQUEST_DEADLINE, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!("request deadline exceeded");
            ApiError::ServiceUnavailable.into_response()
        }
    }
}

/// A problem+json 404 for every path no route matches.
pub fn with_fallback(router: Router) -> Router {
    router.fallback(|| async { ApiError::NotFound })
}
