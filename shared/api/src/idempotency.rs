//! `Idempotency-Key` on creates: the first response is stored in the same transaction as the
//! creation; a retry with the same body gets it back, a different body gets 422.

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hub_store::records::IdempotencyRecord;
use hub_store::{AccountScope, Guard, IdempotencyWrite, StoreError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::caller::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Call, IdempotencyKey, JsonBody};
use crate::retry::retrying;
use crate::state::AppState;
use crate::views::Versioned;

/// Replays stay available this long.
const RETENTION_SECONDS: i64 = 24 * 60 * 60;

/// A create's JSON body, and what tells a retry of the same create ([`ReplayKey`]).
pub struct CreateBody<T> {
    pub value: T,
    pub replay: ReplayKey,
}

/// What a create is recognised by when it is sent again: its `Idempotency-Key` header (none: no
/// replay) and a fingerprint of its body's content (key order and whitespace do not matter).
pub struct ReplayKey {
    key: IdempotencyKey,
    fingerprint: String,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for CreateBody<T> {
    type Rejection = ApiError;

    /// The header is checked before the body is read, as a header extractor would be.
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let key = IdempotencyKey::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let JsonBody(document) = JsonBody::<serde_json::Value>::from_request(req, state).await?;
        let canonical = serde_json::to_vec(&document).map_err(|e| ApiError::Internal(e.to_string()))?;
        let fingerprint = hex(&Sha256::digest(&canonical));
        let value = crate::extract::from_object(document)?;
        Ok(CreateBody { value, replay: ReplayKey { key, fingerprint } })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One create request's idempotency context.
pub struct Idempotency {
    key_scope: String,
    key: Option<String>,
    fingerprint: String,
}

impl Idempotency {
    /// Keys are private to the caller (operator or API user) and the route.
    pub fn new(caller: &Caller, route: &str, replay: ReplayKey) -> Self {
        let who = caller.api_user_id.as_deref().unwrap_or(&caller.operator_id);
        Idempotency { key_scope: format!("{who}:{route}"), key: replay.key.0, fingerprint: replay.fingerprint }
    }

    /// The stored response when this key was used before with the same body; 422 with another.
    pub async fn replay(&self, state: &AppState, scope: &AccountScope) -> ApiResult<Option<Response>> {
        let Some(key) = &self.key else { return Ok(None) };
        let now = state.clock.now().as_second();
        match state.store.in_account(scope).idempotency_record(&self.key_scope, key, now).await? {
            None => Ok(None),
            Some(record) if record.request_hash == self.fingerprint => Ok(Some(replayed(record))),
            Some(_) => Err(ApiError::IdempotencyKeyReused),
        }
    }

    /// The record to write with the creation, if the request carried a key.
    pub fn record(
        &self,
        state: &AppState,
        status: StatusCode,
        body: &impl Serialize,
        location: Option<&str>,
    ) -> ApiResult<Option<IdempotencyWrite>> {
        let Some(key) = &self.key else { return Ok(None) };
        let now = state.clock.now().as_second();
        Ok(Some(IdempotencyWrite {
            scope: self.key_scope.clone(),
            key: key.clone(),
            record: IdempotencyRecord {
                request_hash: self.fingerprint.clone(),
                status: status.as_u16(),
                body: serde_json::to_string(body).map_err(|e| ApiError::Internal(e.to_string()))?,
                location: location.map(str::to_owned),
                expires_at: now + RETENTION_SECONDS,
            },
            now,
        }))
    }

    /// Maps the outcome of the creating write: when a concurrent request with the same key won,
    /// answer as it did.
    pub async fn settle(
        &self,
        state: &AppState,
        scope: &AccountScope,
        result: Result<(), StoreError>,
    ) -> ApiResult<Option<Response>> {
        match result {
            Ok(()) => Ok(None),
            Err(StoreError::Guard(Guard::IdempotencyKey)) => match self.replay(state, scope).await? {
                Some(response) => Ok(Some(response)),
                None => Err(ApiError::Retry),
            },
            Err(e) => Err(e.into()),
        }
    }
}

impl Idempotency {
    /// The write of a create with what a replay answers: the `201` body and `Location` stored by
    /// the same transaction (`write` gets the record to put, if the request carried a key), then
    /// the outcome ([`Idempotency::settle`]). `Ok(None)` when this request created; the stored
    /// answer when a concurrent request with the same key won.
    pub async fn write<Fut>(
        &self,
        state: &AppState,
        scope: &AccountScope,
        answer: &impl Serialize,
        location: Option<&str>,
        write: impl FnOnce(Option<IdempotencyWrite>) -> Fut,
    ) -> ApiResult<Option<Response>>
    where
        Fut: std::future::Future<Output = Result<(), StoreError>>,
    {
        let record = self.record(state, StatusCode::CREATED, answer, location)?;
        self.settle(state, scope, write(record).await).await
    }
}

/// The create sequence of a resource, once for every route: the stored answer when the
/// `Idempotency-Key` was used before (422 with another body), else `write` (the store's create,
/// given the idempotency record to put in its transaction) and `created` as the answer, or the
/// answer of a concurrent request with the same key that won. The handler keeps its contract:
/// extract, validate, build the record, its answer and its write.
pub async fn create<V: Serialize, Fut>(
    call: &Call,
    route: &str,
    replay: ReplayKey,
    created: Versioned<V>,
    write: impl FnOnce(Option<IdempotencyWrite>) -> Fut,
) -> ApiResult<Response>
where
    Fut: std::future::Future<Output = Result<(), StoreError>>,
{
    let Call { state, caller, .. } = call;
    let scope = call.scope();
    let idempotency = Idempotency::new(caller, route, replay);
    if let Some(replay) = idempotency.replay(state, scope).await? {
        return Ok(replay);
    }
    if let Some(replay) = idempotency.write(state, scope, &created.body, created.location.as_deref(), write).await? {
        return Ok(replay);
    }
    Ok(created.into_response())
}

/// What one attempt of a create answered with a secret (an API user's password, a SCIM token)
/// prepares for [`create_with_secret`].
pub struct SecretCreate<V, A, W> {
    /// The resource without its secret: the answer stored with the creation for a replay (a
    /// secret is never stored, only its hash is kept).
    pub replayed: V,
    /// The `201` body: the resource and, this once, its secret.
    pub answer: A,
    pub location: String,
    /// The resource's version, for the `ETag` (`None`: a resource without one, and no `ETag`).
    pub version: Option<i64>,
    /// The store's create, given the idempotency record to put in its transaction.
    pub write: W,
}

/// The create sequence of a resource answered with a secret shown once, once for every such
/// route: the stored answer when the `Idempotency-Key` was used before (422 with another body),
/// else `attempt` (read, decide, build the record, its secret and its write), its write with the
/// answer a replay gets (without the secret), all again on fresh data when a concurrent change
/// won ([`retrying`]); then `201` with the secret, `Location`, the `ETag` of a versioned resource
/// and `Cache-Control: no-store`, or the answer of a concurrent request with the same key that
/// won.
pub async fn create_with_secret<V, A, W, Fut, Attempt>(
    call: &Call,
    route: &str,
    replay: ReplayKey,
    mut attempt: impl FnMut() -> Attempt,
) -> ApiResult<Response>
where
    V: Serialize,
    A: Serialize,
    Attempt: Future<Output = ApiResult<SecretCreate<V, A, W>>>,
    W: FnOnce(Option<IdempotencyWrite>) -> Fut,
    Fut: Future<Output = Result<(), StoreError>>,
{
    let Call { state, caller, .. } = call;
    let scope = call.scope();
    let idempotency = Idempotency::new(caller, route, replay);
    if let Some(replay) = idempotency.replay(state, scope).await? {
        return Ok(replay);
    }
    let idempotency = &idempotency;
    let created = retrying(|| {
        let prepared = attempt();
        async move {
            let create = prepared.await?;
            Ok(match idempotency.write(state, scope, &create.replayed, Some(&create.location), create.write).await? {
                Some(replay) => Err(replay),
                None => Ok((create.answer, create.location, create.version)),
            })
        }
    })
    .await?;
    let (answer, location, version) = match created {
        Ok(created) => created,
        Err(replay) => return Ok(replay),
    };
    let mut response = match version {
        Some(version) => Versioned::created(version, answer, location).into_response(),
        None => (StatusCode::CREATED, [(header::LOCATION, location)], axum::Json(answer)).into_response(),
    };
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

fn replayed(record: IdempotencyRecord) -> Response {
    let status = StatusCode::from_u16(record.status).unwrap_or(StatusCode::OK);
    let version = serde_json::from_str::<serde_json::Value>(&record.body).ok().and_then(|b| b["version"].as_i64());
    let mut response = (status, Body::from(record.body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    if let Some(location) = record.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(header::LOCATION, location);
    }
    // A versioned resource is answered with its ETag, as the first time.
    if let Some(version) = version
        && let Ok(etag) = HeaderValue::from_str(&format!("\"{version}\""))
    {
        headers.insert(header::ETAG, etag);
    }
    response
}
