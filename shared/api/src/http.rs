//! What every function's router shares: authentication in front, problem+json for unknown routes
//! and methods.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};

use crate::caller::AuthorizerContext;
use crate::error::ApiError;
use crate::state::AppState;

/// Finishes a function's routes: the authentication middleware, the state, and a contract-shaped
/// answer for a method a route does not have. Unknown paths are answered by [`with_fallback`],
/// added once where routers are served (routers with fallbacks cannot be merged).
pub fn function_router(routes: Router<AppState>, state: AppState) -> Router {
    routes
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .route_layer(from_fn_with_state(state.clone(), authenticate))
        .route_layer(axum::middleware::from_fn(deadline))
        .with_state(state)
}

/// A request answers within this time, 503 otherwise. The SDK bounds each DynamoDB call (see the
/// store's client settings) but a request makes several; this bounds their sum. A request cut
/// short leaves nothing half-written: every write is one transaction, and a multi-step delete
/// leaves a pending marker that its retry or the maintenance job finishes.
pub const REQUEST_DEADLINE: std::time::Duration = std::time::Duration::from_millis(2800);

async fn deadline(req: Request, next: Next) -> Response {
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

/// Routes that need no credentials.
fn is_public(method: &Method, path: &str) -> bool {
    method == Method::OPTIONS || (method == Method::GET && path == "/openapi.json")
}

/// Middleware in front of every route. Behind API Gateway the Lambda authorizer has already
/// authenticated the request (with [`crate::caller::Authenticator::authenticate`]) and its
/// context arrives in the event; elsewhere (the local server, tests, a function invoked without
/// an authorizer) the same authentication runs here.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if is_public(req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    let caller = match AuthorizerContext::of_request(&req) {
        Some(decided) => decided,
        None => {
            let header = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
            state.authenticate(header.as_deref()).await
        }
    };
    match caller {
        Ok(mut caller) => {
            caller.request_id = crate::caller::request_id(&req).unwrap_or_else(crate::values::new_id);
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}
