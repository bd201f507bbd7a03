//! What every function's router shares: authentication in front, problem+json for unknown routes
//! and methods.

use axum::Router;
use axum::middleware::from_fn_with_state;

use crate::error::ApiError;
use crate::state::AppState;

/// Finishes a function's routes: the authentication middleware, the state, and contract-shaped
/// answers for unknown paths and methods.
pub fn function_router(routes: Router<AppState>, state: AppState) -> Router {
    routes
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .route_layer(from_fn_with_state(state.clone(), crate::caller::authenticate))
        .fallback(|| async { ApiError::NotFound })
        .with_state(state)
}
