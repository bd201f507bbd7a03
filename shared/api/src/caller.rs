//! Who is calling: authentication of every request (the same code in the local server, the tests
//! and behind API Gateway) and the [`Caller`] handlers receive.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hub_store::AccountScope;

use crate::auth::{JwtVerifier, bearer_token};
use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub account_id: String,
    pub operator_id: String,
    /// Set when the request came with an API user's Basic credentials.
    pub api_user_id: Option<String>,
    /// Member of Administrators, read fresh for this request.
    pub is_administrator: bool,
}

impl Caller {
    pub fn scope(&self) -> AccountScope {
        AccountScope::new(&self.account_id)
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_administrator { Ok(()) } else { Err(ApiError::Forbidden) }
    }

    /// Administrators, or the operator acting on itself.
    pub fn require_admin_or_self(&self, operator_id: &str) -> Result<(), ApiError> {
        if self.is_administrator || self.operator_id == operator_id { Ok(()) } else { Err(ApiError::Forbidden) }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Caller>().cloned().ok_or(ApiError::Unauthenticated)
    }
}

/// Turns credentials into a [`Caller`]: verifies the token, then reads the operator (one
/// DynamoDB request), so that a deleted operator or a removed administrator is refused or
/// demoted on the very next request.
#[derive(Clone)]
pub struct Authenticator {
    jwt: JwtVerifier,
}

impl Authenticator {
    pub fn new(jwt: JwtVerifier) -> Self {
        Authenticator { jwt }
    }

    pub async fn authenticate(&self, state: &AppState, authorization: Option<&str>) -> Result<Caller, ApiError> {
        let header = authorization.ok_or(ApiError::Unauthenticated)?;
        let token = bearer_token(header).ok_or(ApiError::Unauthenticated)?;
        let claims = self.jwt.verify(token).await.map_err(|e| match e {
            crate::auth::AuthError::JwksUnavailable => ApiError::ServiceUnavailable,
            _ => ApiError::Unauthenticated,
        })?;
        // Claims name ids; ill-formed ones cannot name an operator.
        let valid = |id: &str| crate::values::ResourceId::parse(id).is_ok();
        if !valid(&claims.account_id) || !valid(&claims.operator_id) {
            return Err(ApiError::Unauthenticated);
        }
        let scope = AccountScope::new(&claims.account_id);
        let operator = state.store.operator(&scope, &claims.operator_id).await?.ok_or(ApiError::Unauthenticated)?;
        Ok(Caller {
            account_id: claims.account_id,
            operator_id: operator.operator_id,
            api_user_id: None,
            is_administrator: operator.is_administrator,
        })
    }
}

/// Routes that need no credentials.
fn is_public(method: &Method, path: &str) -> bool {
    method == Method::OPTIONS || (method == Method::GET && path == "/openapi.json")
}

/// Middleware in front of every route. Behind API Gateway the Lambda authorizer has already
/// authenticated the request and its context arrives in the event; elsewhere (the local server,
/// tests, a function invoked without an authorizer) the credentials are verified here.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if is_public(req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    let caller = match crate::lambda::authorizer_caller(&req) {
        Some(caller) => Ok(caller),
        None => {
            let header = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
            state.authn.authenticate(&state, header.as_deref()).await
        }
    };
    match caller {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}
