//! A function's routes as data as well as an axum router: the same table builds the router, is
//! compared with `template.yaml`, and lists the operations of the OpenAPI document, so the three
//! cannot drift apart.

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, patch, post, put};

use crate::state::AppState;

/// One route: method and path in axum's syntax (`/operators/{id}`), which is also API
/// Gateway's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
}

/// Methods ordered by name, for stable listings.
#[derive(Debug, PartialEq, Eq)]
struct MethodKey(Method);

impl PartialOrd for MethodKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for MethodKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.as_str().cmp(other.0.as_str())
    }
}

async fn refuse_query_string(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    match req.uri().query() {
        Some(q) if !q.is_empty() => {
            crate::error::ApiError::field("query", "this route takes no query parameters").into_response()
        }
        _ => next.run(req).await,
    }
}

/// The routes of one function.
pub struct Routes {
    router: Router<AppState>,
    table: Vec<Route>,
}

impl Default for Routes {
    fn default() -> Self {
        Self::new()
    }
}

impl Routes {
    pub fn new() -> Self {
        Routes { router: Router::new(), table: Vec::new() }
    }

    /// Routes take no query string unless registered with [`Routes::list`]: a parameter nobody
    /// reads (`DELETE /operators/{id}?force=true`) is refused rather than silently ignored.
    fn add(mut self, method: Method, path: &'static str, method_router: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, method_router.layer(axum::middleware::from_fn(refuse_query_string)));
        self.table.push(Route { method, path });
        self
    }

    /// A `GET` that reads query parameters (a list with `limit`, `cursor` and filters).
    pub fn list<H: Handler<T, AppState>, T: 'static>(mut self, path: &'static str, handler: H) -> Self {
        self.router = self.router.route(path, get(handler));
        self.table.push(Route { method: Method::GET, path });
        self
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Self {
        self.add(Method::GET, path, get(handler))
    }
    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Self {
        self.add(Method::POST, path, post(handler))
    }
    pub fn put<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Self {
        self.add(Method::PUT, path, put(handler))
    }
    pub fn patch<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Self {
        self.add(Method::PATCH, path, patch(handler))
    }
    pub fn delete<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Self {
        self.add(Method::DELETE, path, delete(handler))
    }

    /// Every route, sorted by path then method.
    pub fn table(&self) -> Vec<Route> {
        let mut table = self.table.clone();
        table.sort_by(|a, b| (a.path, MethodKey(a.method.clone())).cmp(&(b.path, MethodKey(b.method.clone()))));
        table
    }

    /// The function's router: the routes behind the authentication middleware, with the state.
    pub fn into_router(self, state: AppState) -> Router {
        crate::http::function_router(self.router, state)
    }
}

/// A function's routes, written once: `routes()` (the router, the comparison with
/// `template.yaml`), `Doc` (the function's part of the OpenAPI document: the same handlers'
/// `#[utoipa::path]`s, with `tags`), `openapi()` and `router(state)`. A route under
/// `undocumented` is served but not in the document (`GET /openapi.json`, the document itself).
///
/// ```text
/// hub_api::function_routes! {
///     tags: ["Groups"],
///     routes: {
///         list "/groups" => groups::list,
///         post "/groups" => groups::create,
///     },
/// }
/// ```
#[macro_export]
macro_rules! function_routes {
    (
        tags: [$($tag:literal),+ $(,)?],
        routes: { $($kind:ident $path:literal => $($handler:ident)::+),+ $(,)? }
        $(, undocumented: { $($u_kind:ident $u_path:literal => $($u_handler:ident)::+),+ $(,)? })?
        $(,)?
    ) => {
        pub fn routes() -> $crate::routes::Routes {
            $crate::routes::Routes::new()
                $(.$kind($path, $($handler)::+))+
                $($(.$u_kind($u_path, $($u_handler)::+))+)?
        }

        /// This function's part of the OpenAPI document.
        #[derive(utoipa::OpenApi)]
        #[openapi(paths($($($handler)::+),+), tags($((name = $tag)),+))]
        pub struct Doc;

        pub fn openapi() -> utoipa::openapi::OpenApi {
            $crate::openapi::finish(<Doc as utoipa::OpenApi>::openapi())
        }

        pub fn router(state: $crate::AppState) -> axum::Router {
            routes().into_router(state)
        }
    };
}
