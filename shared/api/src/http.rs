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
        .with_state(state)
}

/// A problem+json 404 for every path no route matches.
pub fn with_fallback(router: Router) -> Router {
    router.fallback(|| async { ApiError::NotFound })
}
