//! Who is calling: authentication of every request (the same code in the local server, the tests
//! and the Lambda authorizer behind API Gateway) and the [`Caller`] handlers receive.
//!
//! Two kinds of credentials:
//!
//! - `Bearer <JWT>`: an operator. The token is verified, then the operator is read (one GetItem),
//!   so that a deleted or disabled operator or a removed administrator is refused or demoted at
//!   once. A token
//!   with a `sub` (every identity provider's) must come from the subject bound to the operator:
//!   the first one to sign in as it is recorded (`iss` + `sub`, one conditional write, once), any
//!   other is refused, until an administrator resets the binding
//!   (`DELETE /operators/{id}/sign-in`). `account_id` and `operator_id` are custom claims: a user
//!   who could edit them at the identity provider would otherwise name any operator.
//! - `Basic base64(username:password)`: an API user, acting with its owner's rights. The username
//!   names the account and the API user ([`api_user_username`]); one conditional UpdateItem of
//!   the API user item checks the password's hash and records the use (see
//!   `AccountStore::authenticate_api_user`). The owner's administrator flag is denormalised on that item
//!   and changes in the same transactions as the owner's Administrators membership, so it is as
//!   fresh as the operator's own. After 20 wrong passwords in a minute the username gets 429
//!   without any DynamoDB request until the minute is over ([`crate::throttle`]).
//!
//! Nothing secret is ever logged: not the header, the token, the password nor its hash. Errors
//! here carry no credential material.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use hub_store::records::{OperatorRecord, SignInBinding};
use hub_store::{AccountId, AccountScope, ApiUserId, OperatorId, Store};
use jiff::Timestamp;
use lambda_http::request::RequestContext;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::{JwtVerifier, bearer_token};
use crate::clock::{Clock, format_timestamp};
use crate::error::ApiError;
use crate::throttle::FailedAttempts;

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub account_id: AccountId,
    pub operator_id: OperatorId,
    /// Set when the request came with an API user's Basic credentials.
    pub api_user_id: Option<ApiUserId>,
    /// Member of Administrators, read fresh for this request.
    pub is_administrator: bool,
    /// The operator's name: read to authenticate (Bearer), or the owner's name as the API
    /// user's item carries it (Basic). The audit log's `actor.name`.
    pub name: Option<String>,
    /// The API user's description (Basic): the audit log's `actor.apiUserName`.
    pub api_user_name: Option<String>,
    /// This request's id (API Gateway's, or a fresh one): the audit log's `requestId`.
    pub request_id: String,
}

impl Caller {
    pub fn scope(&self) -> AccountScope {
        AccountScope::new(&self.account_id)
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_administrator { Ok(()) } else { Err(ApiError::Forbidden) }
    }

    /// Administrators, or the operator acting on itself.
    pub fn require_admin_or_self(&self, operator_id: &OperatorId) -> Result<(), ApiError> {
        if self.is_administrator || &self.operator_id == operator_id { Ok(()) } else { Err(ApiError::Forbidden) }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Caller>().cloned().ok_or(ApiError::Unauthenticated)
    }
}

/// Turns credentials into a [`Caller`] with one DynamoDB request: a GetItem of the operator for a
/// bearer token, a conditional UpdateItem of the API user for Basic credentials.
#[derive(Clone)]
pub struct Authenticator {
    jwt: JwtVerifier,
    /// Failed Basic attempts per username, shared by every clone (one per process).
    failures: Arc<FailedAttempts>,
}

impl Authenticator {
    pub fn new(jwt: JwtVerifier) -> Self {
        Authenticator { jwt, failures: Arc::default() }
    }

    /// Authenticates an `Authorization` header value. Missing, malformed, expired or unknown
    /// credentials are [`ApiError::Unauthenticated`]; an unreachable database or JWKS is
    /// [`ApiError::ServiceUnavailable`]. `clock` dates an API user's use and a first sign-in.
    pub async fn authenticate(
        &self,
        store: &Store,
        clock: &Clock,
        authorization: Option<&str>,
    ) -> Result<Caller, ApiError> {
        let header = authorization.ok_or(ApiError::Unauthenticated)?;
        let state = Backing { store, clock };
        if let Some(token) = bearer_token(header) {
            return self.operator(&state, token).await;
        }
        match basic_credentials(header) {
            Some((username, password)) => api_user(&state, &self.failures, &username, &password).await,
            None => Err(ApiError::Unauthenticated),
        }
    }

    async fn operator(&self, state: &Backing<'_>, token: &str) -> Result<Caller, ApiError> {
        let claims = self.jwt.verify(token).await.map_err(|e| match e {
            crate::auth::AuthError::JwksUnavailable => ApiError::ServiceUnavailable,
            _ => ApiError::Unauthenticated,
        })?;
        // Claims name ids; ill-formed ones cannot name an operator.
        let id = |claim: &str| crate::values::ResourceId::parse(claim).map_err(|_| ApiError::Unauthenticated);
        let account_id: AccountId = id(&claims.account_id)?.into_id();
        let operator_id: OperatorId = id(&claims.operator_id)?.into_id();
        let scope = AccountScope::new(&account_id);
        let operator = state.store.in_account(&scope).operator(&operator_id).await?.ok_or(ApiError::Unauthenticated)?;
        if operator.is_disabled {
            return Err(ApiError::Unauthenticated);
        }
        let operator = match &claims.subject {
            Some(subject) => {
                signed_in_subject(state, &scope, operator, claims.issuer.as_deref().unwrap_or(""), subject).await?
            }
            // HS256 tokens of local runs and tests (`hubctl token`) name no subject.
            None => operator,
        };
        Ok(Caller {
            account_id,
            operator_id: operator.operator_id,
            api_user_id: None,
            is_administrator: operator.is_administrator,
            name: Some(operator.full_name.into_string()),
            api_user_name: None,
            request_id: String::new(),
        })
    }
}

/// What authentication reads and dates with.
struct Backing<'a> {
    store: &'a Store,
    clock: &'a Clock,
}

/// One round trip: the hash must match on an existing API user item, and the same request counts
/// the use. Unknown user, deleted user (or deleted owner, whose API users go in the same
/// transaction), an API user of a disabled owner and wrong password are indistinguishable. A username past its failed attempts
/// is refused before any request.
async fn api_user(
    state: &Backing<'_>,
    failures: &FailedAttempts,
    username: &str,
    password: &str,
) -> Result<Caller, ApiError> {
    let (account_id, api_user_id) = parse_api_user_username(username).ok_or(ApiError::Unauthenticated)?;
    if !is_password_shaped(password) {
        return Err(ApiError::Unauthenticated);
    }
    let now = state.clock.now();
    if let Some(retry_after) = failures.locked_for(username, now) {
        return Err(ApiError::TooManyRequests { retry_after });
    }
    let scope = AccountScope::new(&account_id);
    let hash = password_hash(password);
    let auth = state
        .store
        .in_account(&scope)
        .authenticate_api_user(&api_user_id, &hash, &format_timestamp(now), &usage_day(now))
        .await?;
    let Some(auth) = auth else {
        failures.record_failure(username, now);
        return Err(ApiError::Unauthenticated);
    };
    Ok(Caller {
        account_id,
        operator_id: auth.operator_id,
        api_user_id: Some(api_user_id),
        is_administrator: auth.owner_is_administrator,
        name: auth.owner_name,
        api_user_name: auth.description,
        request_id: String::new(),
    })
}

/// The operator as read, when the token's `iss` + `sub` are the ones bound to it; at its first
/// sign-in (nothing bound yet) binds them with one conditional write. Another subject: 401.
async fn signed_in_subject(
    state: &Backing<'_>,
    scope: &AccountScope,
    operator: OperatorRecord,
    issuer: &str,
    subject: &str,
) -> Result<OperatorRecord, ApiError> {
    let is_bound_to =
        |op: &OperatorRecord| op.sign_in.as_ref().is_some_and(|b| b.issuer == issuer && b.subject == subject);
    if is_bound_to(&operator) {
        return Ok(operator);
    }
    if operator.sign_in.is_some() {
        tracing::warn!(account_id = %scope.account_id(), operator_id = %operator.operator_id, "a token for an operator bound to another identity-provider subject was refused");
        return Err(ApiError::Unauthenticated);
    }
    let binding =
        SignInBinding { issuer: issuer.to_owned(), subject: subject.to_owned(), bound_at: state.clock.now_rfc3339() };
    if state.store.in_account(scope).bind_operator_sign_in(&operator.operator_id, &binding).await? {
        tracing::info!(account_id = %scope.account_id(), operator_id = %operator.operator_id, "first sign-in: the operator is bound to its identity-provider subject");
        return Ok(OperatorRecord { sign_in: Some(binding), version: operator.version + 1, ..operator });
    }
    // Another request bound it first (or the operator is gone): the binding that won decides.
    match state.store.in_account(scope).operator(&operator.operator_id).await? {
        Some(current) if is_bound_to(&current) => Ok(current),
        _ => Err(ApiError::Unauthenticated),
    }
}

// ---------------------------------------------------------------------------------------------
// API user credentials

/// Prefix of every API user's username.
const USERNAME_PREFIX: &str = "hub_";
/// Random bytes in a password: 256 bits, so that a single fast hash (SHA-256) is as safe to
/// store and compare as a slow password hash would be for a human-chosen one.
const PASSWORD_BYTES: usize = 32;
/// Length of a password: `PASSWORD_BYTES` in unpadded base64url.
const PASSWORD_CHARS: usize = 43;

/// The username of an API user: `hub_` and the 16 bytes of the account id's UUID followed by the
/// 16 bytes of the API user id's UUID, base64url (47 characters). It names the item to
/// authenticate against without any lookup. `None` when either id is not a UUID (ids issued by
/// this server always are).
pub fn api_user_username(account_id: &AccountId, api_user_id: &ApiUserId) -> Option<String> {
    let account = uuid::Uuid::parse_str(account_id).ok()?;
    let api_user = uuid::Uuid::parse_str(api_user_id).ok()?;
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(account.as_bytes());
    bytes[16..].copy_from_slice(api_user.as_bytes());
    Some(format!("{USERNAME_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// The account id and API user id a username names (lowercase hyphenated UUIDs, as issued).
pub fn parse_api_user_username(username: &str) -> Option<(AccountId, ApiUserId)> {
    let encoded = username.strip_prefix(USERNAME_PREFIX)?;
    if encoded.len() != 43 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(encoded).ok()?;
    let bytes: [u8; 32] = bytes.try_into().ok()?;
    let id = |b: &[u8]| uuid::Uuid::from_slice(b).ok().map(|u| u.hyphenated().to_string());
    Some((AccountId::new(id(&bytes[..16])?), ApiUserId::new(id(&bytes[16..])?)))
}

/// A fresh password: 32 bytes from the operating system's random source, base64url (43
/// characters). Shown once to the client; only [`password_hash`] of it is kept.
pub fn new_api_user_password() -> Result<String, ApiError> {
    let mut bytes = [0u8; PASSWORD_BYTES];
    getrandom::fill(&mut bytes).map_err(|_| ApiError::Internal("the random source failed".into()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Lowercase hex SHA-256 of a password: what is stored and compared.
pub fn password_hash(password: &str) -> String {
    Sha256::digest(password.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a password can be one this server issued (checked before any database request).
fn is_password_shaped(password: &str) -> bool {
    password.len() == PASSWORD_CHARS && password.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The key of a UTC day in an API user's usage counters: `dYYYYMMDD`.
pub fn usage_day(t: Timestamp) -> String {
    t.strftime("d%Y%m%d").to_string()
}

/// Base64 as senders write it, with or without padding.
const BASIC: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The username and password of an `Authorization: Basic <base64(username:password)>` value:
/// case-insensitive scheme, surrounding whitespace ignored. `None` for any other scheme or a
/// malformed value.
pub fn basic_credentials(header_value: &str) -> Option<(String, String)> {
    let value = header_value.trim();
    let (scheme, rest) = value.split_once(|c: char| c.is_ascii_whitespace())?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let encoded = rest.trim();
    // Credentials this server issues encode to about 124 characters.
    if encoded.is_empty() || encoded.len() > 512 {
        return None;
    }
    let decoded = BASIC.decode(encoded).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (username, password) = text.split_once(':')?;
    Some((username.to_owned(), password.to_owned()))
}

// ---------------------------------------------------------------------------------------------
// The Lambda authorizer's context

/// What the Lambda authorizer hands the functions in `requestContext.authorizer.lambda`
/// (read back by [`AuthorizerContext::of_request`]; the keys are the contract between the
/// two). Either the caller (`accountId`, `operatorId`, `apiUserId` when an API user, and
/// `isAdministrator`), or a `refusal` (`unauthenticated`, `service_unavailable`, or
/// `too_many_requests` with `retryAfter`) that the function answers with the contract's problem
/// (401 with `WWW-Authenticate`, 503 with `Retry-After`, or 429 with `Retry-After`): API Gateway
/// itself could only answer a bare 403 or 500.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizerContext {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_administrator: Option<bool>,
    /// The operator's name (for an API user: its owner's), for the audit log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_name: Option<String>,
    /// The API user's description, for the audit log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_user_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// With the `too_many_requests` refusal: seconds until the next attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

const REFUSAL_UNAUTHENTICATED: &str = "unauthenticated";
const REFUSAL_UNAVAILABLE: &str = "service_unavailable";
const REFUSAL_TOO_MANY: &str = "too_many_requests";

impl AuthorizerContext {
    /// The context of an authenticated caller.
    pub fn caller(caller: &Caller) -> Self {
        AuthorizerContext {
            account_id: Some(caller.account_id.to_string()),
            operator_id: Some(caller.operator_id.to_string()),
            api_user_id: caller.api_user_id.as_ref().map(ApiUserId::to_string),
            is_administrator: Some(caller.is_administrator),
            operator_name: caller.name.clone(),
            api_user_name: caller.api_user_name.clone(),
            refusal: None,
            retry_after: None,
        }
    }

    /// The context of a refused request.
    pub fn refusal(error: &ApiError) -> Self {
        let (refusal, retry_after) = match error {
            ApiError::ServiceUnavailable | ApiError::Retry => (REFUSAL_UNAVAILABLE, None),
            ApiError::TooManyRequests { retry_after } => (REFUSAL_TOO_MANY, Some(*retry_after)),
            _ => (REFUSAL_UNAUTHENTICATED, None),
        };
        AuthorizerContext { refusal: Some(refusal.to_owned()), retry_after, ..AuthorizerContext::default() }
    }
}

impl AuthorizerContext {
    /// What the Lambda authorizer decided about this request, when it came through API Gateway
    /// with one: the caller, or the refusal to answer with. `None` without an authorizer
    /// context (the local server, tests, a function invoked directly): authenticate here.
    pub fn of_request(req: &Request) -> Option<Result<Caller, ApiError>> {
        let context = req.extensions().get::<RequestContext>()?;
        let fields = &context.authorizer()?.fields;
        if let Some(refusal) = fields.get("refusal") {
            return Some(Err(match refusal.as_str() {
                Some(REFUSAL_UNAVAILABLE) => ApiError::ServiceUnavailable,
                Some(REFUSAL_TOO_MANY) => {
                    let retry_after =
                        fields.get("retryAfter").and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()));
                    ApiError::TooManyRequests {
                        retry_after: retry_after.unwrap_or(crate::throttle::WINDOW_SECONDS as u64).clamp(1, 3600),
                    }
                }
                _ => ApiError::Unauthenticated,
            }));
        }
        let text = |name: &str| {
            fields.get(name).and_then(serde_json::Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned)
        };
        let is_administrator = match fields.get("isAdministrator") {
            Some(serde_json::Value::Bool(b)) => *b,
            Some(serde_json::Value::String(s)) => s == "true",
            _ => false,
        };
        // The authorizer wrote a well-formed id; anything else names no account.
        let account_id = match crate::values::ResourceId::parse(&text("accountId")?) {
            Ok(id) => id.into_id(),
            Err(_) => return Some(Err(ApiError::Unauthenticated)),
        };
        Some(Ok(Caller {
            account_id,
            operator_id: OperatorId::new(text("operatorId")?),
            api_user_id: text("apiUserId").map(ApiUserId::new),
            is_administrator,
            name: text("operatorName"),
            api_user_name: text("apiUserName"),
            request_id: String::new(),
        }))
    }
}

/// API Gateway's id of this request, when it came through API Gateway.
pub fn request_id(req: &Request) -> Option<String> {
    #[allow(irrefutable_let_patterns)]
    let RequestContext::ApiGatewayV2(ctx) = req.extensions().get::<RequestContext>()? else { return None };
    ctx.request_id.clone().filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose;

    #[test]
    fn usernames_round_trip_and_refuse_anything_else() {
        let account = AccountId::new(crate::values::new_id());
        let api_user = ApiUserId::new(crate::values::new_id());
        let username = api_user_username(&account, &api_user).unwrap();
        assert_eq!(username.len(), 47);
        assert!(!username.contains(':'));
        assert_eq!(parse_api_user_username(&username), Some((account.clone(), api_user.clone())));
        assert_eq!(api_user_username(&"not-a-uuid".into(), &api_user), None);
        for bad in ["", "hub_", "hub_abc", &username[1..], &format!("{username}A"), &username.replace("hub_", "bub_")] {
            assert_eq!(parse_api_user_username(bad), None, "{bad}");
        }
    }

    #[test]
    fn passwords_are_random_shaped_and_hashed() {
        let a = new_api_user_password().unwrap();
        let b = new_api_user_password().unwrap();
        assert_ne!(a, b);
        assert!(is_password_shaped(&a) && is_password_shaped(&b));
        assert!(!is_password_shaped("short") && !is_password_shaped(&format!("{}!", &a[1..])));
        let hash = password_hash(&a);
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, password_hash(&a));
        assert_ne!(hash, password_hash(&b));
        // The SHA-256 of "abc", as published in FIPS 180-2.
        assert_eq!(password_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn basic_headers_parse() {
        let value = format!("Basic {}", general_purpose::STANDARD.encode("hub_user:pass:word"));
        assert_eq!(basic_credentials(&value), Some(("hub_user".into(), "pass:word".into())));
        let unpadded = format!("basic  {} ", general_purpose::STANDARD_NO_PAD.encode("u:p"));
        assert_eq!(basic_credentials(&unpadded), Some(("u".into(), "p".into())));
        for bad in
            ["Basic", "Basic ", "Basic !!!", "Bearer abc", "Basic dXNlcg==", &format!("Basic {}", "A".repeat(600))]
        {
            assert_eq!(basic_credentials(bad), None, "{bad}");
        }
    }

    #[test]
    fn usage_days_are_utc_dates() {
        for (t, day) in [("2026-11-27T23:59:59+05:00", "d20261127"), ("2026-11-27T23:59:59-05:00", "d20261128")] {
            assert_eq!(usage_day(t.parse().unwrap()), day, "{t}");
        }
    }

    #[test]
    fn authorizer_context_uses_the_keys_the_functions_read() {
        let caller = Caller {
            account_id: "a".into(),
            operator_id: "o".into(),
            api_user_id: Some("u".into()),
            is_administrator: true,
            name: None,
            api_user_name: None,
            request_id: String::new(),
        };
        let json = serde_json::to_value(AuthorizerContext::caller(&caller)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"accountId": "a", "operatorId": "o", "apiUserId": "u", "isAdministrator": true})
        );
        let json = serde_json::to_value(AuthorizerContext::refusal(&ApiError::Unauthenticated)).unwrap();
        assert_eq!(json, serde_json::json!({"refusal": "unauthenticated"}));
        let json = serde_json::to_value(AuthorizerContext::refusal(&ApiError::ServiceUnavailable)).unwrap();
        assert_eq!(json, serde_json::json!({"refusal": "service_unavailable"}));
        let json =
            serde_json::to_value(AuthorizerContext::refusal(&ApiError::TooManyRequests { retry_after: 17 })).unwrap();
        assert_eq!(json, serde_json::json!({"refusal": "too_many_requests", "retryAfter": 17}));
    }
}
