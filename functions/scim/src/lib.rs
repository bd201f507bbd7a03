//! The SCIM function: SCIM 2.0 (RFC 7643, RFC 7644) at `/scim/v2` for identity providers
//! (Okta, Microsoft Entra ID, OneLogin, ...), authenticated by SCIM tokens.
//!
//! - Users are operators and Groups are operator groups; every change goes through the same
//!   operations as the hub API (`hub_api::operators`, `hub_api::groups`, the store's
//!   transactions), so every rule holds and every counter moves in the same transaction.
//!   `active: false` disables, it never deletes.
//! - The SCIM token is checked here, not by the Lambda authorizer (see `hub_api::scim_token`):
//!   one conditional UpdateItem per request. JWTs and API users are not SCIM tokens, and SCIM
//!   tokens are unknown to the hub API's authentication.
//! - Lookups by `userName`, `emails.value`, `externalId` (and a group's `displayName`) read one
//!   reservation item: their cost does not depend on the account's size.

mod discovery;
mod error;
mod filter;
mod groups;
mod list;
mod patch;
mod projection;
mod users;

use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hub_api::AppState;
use hub_api::scim_token::ScimCaller;
use serde_json::Value;

use crate::list::{ListRequest, Listed, Window};

pub use error::{ScimError, ScimResult, ScimType};

/// Where this API lives, under every host it is reached by.
pub const BASE_PATH: &str = "/scim/v2";

/// The absolute base URL of the request (`meta.location`, `$ref`).
#[derive(Debug, Clone)]
pub struct Base(String);

impl Base {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Base {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // API Gateway's domain name when the event has no Host header.
        let domain = match parts.extensions.get::<lambda_http::request::RequestContext>() {
            Some(lambda_http::request::RequestContext::ApiGatewayV2(ctx)) => ctx.domain_name.clone(),
            _ => None,
        };
        let host =
            parts.headers.get(header::HOST).and_then(|h| h.to_str().ok()).filter(|h| !h.is_empty()).map(str::to_owned);
        let host = host.or(domain).unwrap_or_else(|| "localhost".to_owned());
        let scheme = match parts.headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()) {
            Some(p) if p == "https" || p == "http" => p,
            // Behind API Gateway (a Lambda request context) it is always https.
            _ if parts.extensions.get::<lambda_http::request::RequestContext>().is_some() => "https",
            _ => "http",
        };
        Ok(Base(format!("{scheme}://{host}{BASE_PATH}")))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ScimAuth {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let request_id =
            parts.extensions.get::<RequestId>().map(|r| r.0.clone()).unwrap_or_else(hub_api::values::new_id);
        parts
            .extensions
            .get::<ScimCaller>()
            .cloned()
            .map(|c| ScimAuth(c, request_id))
            .ok_or_else(|| ScimError::from(hub_api::ApiError::Unauthenticated))
    }
}

/// The authenticated SCIM caller of a request, and the request's id.
#[derive(Debug, Clone)]
pub struct ScimAuth(pub ScimCaller, pub String);

impl ScimAuth {
    /// Who makes this request's changes, for the audit log.
    pub fn audit(&self, state: &AppState) -> hub_store::AuditContext {
        hub_api::audit::scim_context(state, &self.0, self.1.clone())
    }
}

/// What a SCIM resource handler works with: the state, the authenticated caller, and the base URL
/// of the links its answer holds (extracted in that order: an unauthenticated request is refused
/// before anything else is read).
#[derive(Clone)]
pub struct Scim {
    pub state: AppState,
    pub auth: ScimAuth,
    pub base: Base,
}

impl Scim {
    /// The caller's account.
    pub fn scope(&self) -> hub_store::AccountScope {
        self.auth.0.scope()
    }

    /// Who makes this request's changes, for the audit log.
    pub fn audit(&self) -> hub_store::AuditContext {
        self.auth.audit(&self.state)
    }

    /// This request's changes: the token's account, in the token's name.
    pub fn acting(&self) -> hub_api::audit::Acting<'_> {
        hub_api::audit::Acting::scim(&self.state, &self.auth.0, self.auth.1.clone())
    }
}

impl FromRequestParts<AppState> for Scim {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let auth = ScimAuth::from_request_parts(parts, state).await?;
        let base = Base::from_request_parts(parts, state).await?;
        Ok(Scim { state: state.clone(), auth, base })
    }
}

/// API Gateway's id of the request (or a fresh one).
#[derive(Clone)]
struct RequestId(String);

/// A SCIM JSON answer.
pub fn scim_json(body: Value) -> Response {
    scim_response(StatusCode::OK, body, None)
}

/// A SCIM answer with a status and, for versioned resources, the ETag.
pub fn scim_response(status: StatusCode, body: Value, etag: Option<&str>) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(error::SCIM_JSON));
    if let Some(tag) = etag.and_then(|t| HeaderValue::from_str(t).ok()) {
        headers.insert(header::ETAG, tag);
    }
    if status == StatusCode::CREATED
        && let Some(location) = body["meta"]["location"].as_str().and_then(|l| HeaderValue::from_str(l).ok())
    {
        headers.insert(header::LOCATION, location);
    }
    response
}

/// A resource's `meta` (RFC 7643 §3.1): its type, when it was created and last modified, its
/// version (the ETag) and its location.
pub fn meta(resource_type: &str, created: &str, last_modified: &str, version: i64, location: String) -> Value {
    serde_json::json!({
        "resourceType": resource_type,
        "created": created,
        "lastModified": last_modified,
        "version": etag(version),
        "location": location,
    })
}

/// `W/"<version>"`: the ETag and `meta.version` of a resource.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// Authenticates every SCIM request with its SCIM token (one DynamoDB request).
async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let header = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    match hub_api::scim_token::authenticate(&state, header.as_deref()).await {
        Ok(caller) => {
            let request_id = hub_api::caller::request_id(&req).unwrap_or_else(hub_api::values::new_id);
            req.extensions_mut().insert(caller);
            req.extensions_mut().insert(RequestId(request_id));
            next.run(req).await
        }
        Err(e) => ScimError::from(e).into_response(),
    }
}

/// Bounds a request's time like the hub's functions do (503 after the deadline).
async fn deadline(req: Request, next: Next) -> Response {
    match tokio::time::timeout(hub_api::http::REQUEST_DEADLINE, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ScimError::from(hub_api::ApiError::ServiceUnavailable).into_response(),
    }
}

/// `POST /.search` at the root (RFC 7644 §3.4.3): Users, then Groups, as one list. A filter
/// that one resource type cannot be filtered by matches none of that type.
async fn search_everything(scim: Scim, req: Request) -> ScimResult<Response> {
    let params = list::search_params(req).await?;
    let Window { start, count } = params.window()?;
    let list = ListRequest { scim: &scim, params: &params };
    // Totals first (a window of nothing), then the window across both lists.
    let users_total = users::Users::query(&list, Window::TOTAL_ONLY).await;
    let groups_total = groups::Groups::query(&list, Window::TOTAL_ONLY).await;
    let (users_total, groups_total) = match (users_total, groups_total) {
        (Err(e), Err(_)) => return Err(e),
        (u, g) => (u.map(|(t, _)| t).unwrap_or(0), g.map(|(t, _)| t).unwrap_or(0)),
    };
    let mut resources = Vec::new();
    if start <= users_total && count > 0 {
        resources.extend(users::Users::query(&list, Window { start, count }).await?.1);
    }
    let left = count - resources.len();
    if left > 0 && groups_total > 0 {
        let group_start = start.saturating_sub(users_total).max(1);
        resources.extend(groups::Groups::query(&list, Window { start: group_start, count: left }).await?.1);
    }
    Ok(list::list_response(users_total + groups_total, start, resources))
}

async fn unknown() -> ScimError {
    ScimError::not_found()
}

async fn method_not_allowed() -> ScimError {
    ScimError::from(hub_api::ApiError::MethodNotAllowed)
}

pub fn router(state: AppState) -> Router {
    let p = |path: &str| format!("{BASE_PATH}{path}");
    Router::new()
        .route(&p("/ServiceProviderConfig"), get(discovery::service_provider_config))
        .route(&p("/ResourceTypes"), get(discovery::resource_types))
        .route(&p("/ResourceTypes/{id}"), get(discovery::resource_type_by_id))
        .route(&p("/Schemas"), get(discovery::schemas))
        .route(&p("/Schemas/{id}"), get(discovery::schema_by_id))
        .route(&p("/Users"), get(list::list::<users::Users>).post(users::create))
        .route(&p("/Users/.search"), axum::routing::post(list::search::<users::Users>))
        .route(&p("/Users/{id}"), get(users::fetch).put(users::replace).patch(users::patch).delete(users::remove))
        .route(&p("/Groups"), get(list::list::<groups::Groups>).post(groups::create))
        .route(&p("/Groups/.search"), axum::routing::post(list::search::<groups::Groups>))
        .route(&p("/Groups/{id}"), get(groups::fetch).put(groups::replace).patch(groups::patch).delete(groups::remove))
        .route(&p("/.search"), axum::routing::post(search_everything))
        .route(&p("/{*rest}"), axum::routing::any(unknown))
        .method_not_allowed_fallback(method_not_allowed)
        .route_layer(from_fn_with_state(state.clone(), authenticate))
        .route_layer(from_fn(deadline))
        .with_state(state)
}

/// Reads a JSON object body (SCIM or plain JSON media type, at most 64 KiB).
pub(crate) async fn json_body(req: Request) -> ScimResult<serde_json::Map<String, Value>> {
    let bytes = axum::body::to_bytes(req.into_body(), 64 * 1024)
        .await
        .map_err(|_| ScimError::from(hub_api::ApiError::PayloadTooLarge))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ScimError::bad_request(ScimType::InvalidSyntax, "The body must be a JSON object.")),
    }
}

/// The attribute `name` of a body (a resource's or a PATCH's result), unless absent or null: SCIM
/// attribute names are case-insensitive, and may carry their schema's URN
/// (`urn:ietf:params:scim:schemas:core:2.0:User:userName`).
pub(crate) fn field<'a>(body: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    let name = name.to_ascii_lowercase();
    body.iter().find(|(k, _)| filter::normalize(k) == name).map(|(_, v)| v).filter(|v| !v.is_null())
}

/// The `If-Match` and the JSON object body of a PUT or a PATCH.
pub(crate) async fn conditional_body(
    req: Request,
) -> ScimResult<(hub_api::extract::IfMatch, serde_json::Map<String, Value>)> {
    let if_match = if_match(&req);
    Ok((if_match, json_body(req).await?))
}

/// The `If-Match` of a request (`W/"3"`, `"3"` or `*`).
pub(crate) fn if_match(req: &Request) -> hub_api::extract::IfMatch {
    let Some(value) = req.headers().get(header::IF_MATCH).and_then(|v| v.to_str().ok()) else {
        return hub_api::extract::IfMatch(None);
    };
    let value = value.trim();
    if value == "*" {
        return hub_api::extract::IfMatch(None);
    }
    let tag = value.strip_prefix("W/").unwrap_or(value);
    let version =
        tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')).and_then(|t| t.parse::<i64>().ok()).unwrap_or(-1);
    hub_api::extract::IfMatch(Some(version))
}
