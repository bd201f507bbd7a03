//! The API Gateway HTTP API Lambda authorizer (payload format 2.0, simple responses).
//!
//! It runs [`hub_api::caller::Authenticator::authenticate`], the very code the local server and
//! the tests run in front of every route, on the request's `Authorization` header:
//!
//! - `Bearer <JWT>`: the token is verified, then the operator is read (one GetItem);
//! - `Basic <base64(username:password)>`: one conditional UpdateItem of the API user, which checks
//!   the password's hash and records the use (`lastUsedAt`, the day's request count).
//!
//! Either way one DynamoDB round trip per request. The answer is always `isAuthorized: true`,
//! with a context (see [`hub_api::caller::AuthorizerContext`]) that is either the caller
//! (`accountId`, `operatorId`, `apiUserId` for an API user, `isAdministrator`) or a `refusal`.
//! A refusal is answered by the function's authentication middleware with the contract's
//! problem: 401 `unauthenticated` with `WWW-Authenticate`, 503 `service_unavailable` with
//! `Retry-After`, or 429 `too_many_requests` with `Retry-After` (an API user after 20 wrong
//! passwords within a minute, refused without a DynamoDB request). (`isAuthorized: false` would make API Gateway answer a bare 403 instead, which
//! the contract does not allow; no route serves a request without a caller in its context.)
//!
//! **Caching.** The authorizer's result must never be cached: `template.yaml` sets
//! `AuthorizerResultTtlInSeconds` (SAM: `Identity.ReauthorizeEvery`) to 0 and no identity
//! source, so API Gateway invokes the authorizer for every request, including one without an
//! `Authorization` header (which then gets the contract's 401 rather than API Gateway's own).
//! Hence a deleted API user, an API user of a deleted operator, a deleted operator or a removed
//! administrator is refused (or demoted) on the very next request, and every request by an API
//! user is counted.
//!
//! **Secrets.** Nothing here logs the header, a token, a password or a hash; [`hub_api::lambda::init_tracing`]
//! also keeps the Lambda runtime from logging raw events (which hold the header) at TRACE.

use hub_api::AppState;
use hub_api::caller::AuthorizerContext;
use hub_api::error::ApiError;
use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayV2CustomAuthorizerSimpleResponse, ApiGatewayV2CustomAuthorizerV2Request,
};
use lambda_runtime::LambdaEvent;

/// The event API Gateway sends (payload format 2.0).
pub type AuthorizerRequest = ApiGatewayV2CustomAuthorizerV2Request;
/// The simple response, with the context the functions read.
pub type AuthorizerResponse = ApiGatewayV2CustomAuthorizerSimpleResponse<AuthorizerContext>;

/// Authenticates one request.
pub async fn authorize(state: &AppState, request: &AuthorizerRequest) -> AuthorizerResponse {
    let header = request.headers.get(lambda_http::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let context = match state.authenticate(header).await {
        Ok(caller) => {
            tracing::debug!(
                account_id = %caller.account_id,
                operator_id = %caller.operator_id,
                api_user_id = caller.api_user_id.as_deref().unwrap_or(""),
                "authorized"
            );
            AuthorizerContext::caller(&caller)
        }
        Err(error) => {
            match &error {
                ApiError::Internal(detail) => tracing::error!(%detail, "authentication failed"),
                other => tracing::debug!(refusal = other.code(), "refused"),
            }
            AuthorizerContext::refusal(&error)
        }
    };
    let mut response = AuthorizerResponse::default();
    response.is_authorized = true;
    response.context = context;
    response
}

/// The Lambda entry point: what `main` hands the runtime.
pub async fn handler(
    state: &AppState,
    event: LambdaEvent<AuthorizerRequest>,
) -> Result<AuthorizerResponse, lambda_runtime::Error> {
    Ok(authorize(state, &event.payload).await)
}
