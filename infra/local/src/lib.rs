//! The whole API as one axum app: every function's router behind the same authentication code as
//! in Lambda, with CORS. Used by the local server and by the end-to-end tests.

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, header};
use hub_api::AppState;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The local server's allocator (and so that of every program built on this crate: `hubctl`, the
/// end-to-end tests, `hub-bench`). glibc's allocator was a sixth of the local server's CPU time:
/// every allocation of a kilobyte or more (a read buffer, a response body) first consolidates its
/// free lists of small blocks, and a request frees thousands of those. With mimalloc the worst
/// route of the latency benchmark went from 1.26–1.27 times its DynamoDB calls to 1.16–1.22
/// (BENCHMARKS.md, part 2). The Lambda functions keep the system allocator: they do not link this
/// crate, and their zips have a size budget.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod dev_sign_in;
pub mod openapi;
pub mod seed;
pub mod startup;

/// Every function's router, merged. `GET /openapi.json` (no credentials) is the hub-summary
/// function's route, as in Lambda: it serves the committed document, which the end-to-end tests
/// keep equal to [`openapi::openapi_document`] (see [`openapi`]).
pub fn app(state: AppState) -> Router {
    let cors = cors(&state.config.cors_origins);
    hub_api::http::with_fallback(api_routers(state)).layer(cors)
}

/// What the local server serves: the API ([`app`]), the hub web page (`GET /`, `/assets/…`, as the
/// deployed `web` function serves it) and, when given, the development sign-in (which exists only
/// here, never in a Lambda function).
pub fn local_app(state: AppState, web: hub_web::WebConfig, dev_sign_in: Option<Router>) -> Router {
    let cors = cors(&state.config.cors_origins);
    let mut routers = api_routers(state).merge(hub_web::router(web));
    if let Some(dev) = dev_sign_in {
        routers = routers.merge(dev);
    }
    hub_api::http::with_fallback(routers).layer(cors)
}

/// The listener the local server serves on: every accepted connection gets `TCP_NODELAY`, so that
/// an answer leaves as soon as hyper writes it instead of waiting for the client's ACK of the
/// previous segment (Nagle), as any production HTTP server does.
pub fn without_nagle(listener: tokio::net::TcpListener) -> impl axum::serve::Listener<Addr = std::net::SocketAddr> {
    use axum::serve::ListenerExt;
    listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::warn!(%error, "TCP_NODELAY not set on an accepted connection");
        }
    })
}

fn api_routers(state: AppState) -> Router {
    Router::new()
        .merge(hub_operators::router(state.clone()))
        .merge(hub_groups::router(state.clone()))
        .merge(hub_summary::router(state.clone()))
        .merge(hub_monitors::router(state.clone()))
        .merge(hub_api_users::router(state.clone()))
        .merge(hub_scim::router(state))
}

/// CORS for the configured origins; preflight answers on every route without credentials.
pub fn cors(origins: &[String]) -> CorsLayer {
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([header::ETAG, header::LOCATION, header::RETRY_AFTER, header::LINK])
        .max_age(std::time::Duration::from_secs(600))
}
