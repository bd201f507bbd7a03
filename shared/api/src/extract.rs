//! Extractors whose rejections are the contract's problems: the authenticated call and its role
//! checks, JSON bodies, query strings, path ids, `If-Match` and `Idempotency-Key`.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use hub_store::{
    AccountScope, AccountStore, ApiUserId, AuthorizationId, GroupId, MonitorId, OperatorId, ScheduleId, ScimTokenId,
};
use serde::de::DeserializeOwned;

use crate::caller::Caller;
use crate::error::{ApiError, FieldError};
use crate::state::AppState;
use crate::values::ResourceId;

/// Request bodies are refused above this size.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A JSON request body: `application/json` (or `+json`), at most 64 KiB, no unknown fields (the
/// target types deny them), every type error reported against its field.
pub struct JsonBody<T>(pub T);

fn is_json(content_type: &str) -> bool {
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Parses a JSON request body into `T`, telling syntax errors (`malformed_json`) from shape
/// errors (`validation_failed`, with the field path).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::MalformedJson("the body is empty".into()));
    }
    let document: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::MalformedJson(strip_position(&e.to_string())))?;
    from_object(document)
}

/// Request bodies are JSON objects. serde's derived structs would also accept an array of the
/// field values in declaration order, which the contract does not allow.
pub fn from_object<T: DeserializeOwned>(document: serde_json::Value) -> Result<T, ApiError> {
    if !document.is_object() {
        return Err(ApiError::field("", "the body must be a JSON object"));
    }
    serde_path_to_error::deserialize::<_, T>(document).map_err(|err| {
        let field = err.path().to_string();
        let field = if field == "." { String::new() } else { field };
        ApiError::Validation(vec![FieldError::new(field, strip_position(&err.into_inner().to_string()))])
    })
}

/// serde_json appends " at line 1 column 5"; keep the message, the position adds little.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        if let Some(len) = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            && len > MAX_BODY_BYTES
        {
            return Err(ApiError::PayloadTooLarge);
        }
        let bytes = read_body(req, state).await?;
        match content_type {
            Some(ct) if is_json(&ct) => {}
            None if bytes.is_empty() => return Err(ApiError::MalformedJson("a JSON body is required".into())),
            _ => return Err(ApiError::UnsupportedMediaType),
        }
        parse_json(&bytes).map(JsonBody)
    }
}

/// The raw body, limited to [`MAX_BODY_BYTES`].
pub async fn read_body<S: Send + Sync>(req: Request, _state: &S) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES).await.map_err(|_| ApiError::PayloadTooLarge)
}

/// A query string; unknown or ill-typed parameters are `validation_failed`.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let raw = parts.uri.query().unwrap_or("");
        if raw.len() > 2048 {
            return Err(ApiError::field("query", "the query string is too long"));
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.as_bytes()));
        serde_path_to_error::deserialize::<_, T>(de).map(Query).map_err(|err| {
            let field = err.path().to_string();
            ApiError::Validation(vec![FieldError::new(
                if field == "." { String::new() } else { field },
                err.into_inner().to_string(),
            )])
        })
    }
}

/// Path ids: anything that is not a well-formed id cannot name a resource, so it is 404. Ids
/// are typed from here to the item: `PathIds<GroupId>`, `PathIds<(OperatorId, ScheduleId)>`.
pub struct PathIds<T>(pub T);

/// Types made of path segments that must each be a [`ResourceId`].
pub trait FromPathSegments: Sized {
    fn from_segments(segments: Vec<String>) -> Option<Self>;
}

/// One well-formed path segment: a typed id, or a `String` for what has no id type (a
/// permission's name in the path).
pub trait PathSegment: From<String> {}

impl PathSegment for String {}
impl PathSegment for OperatorId {}
impl PathSegment for GroupId {}
impl PathSegment for MonitorId {}
impl PathSegment for ApiUserId {}
impl PathSegment for ScimTokenId {}
impl PathSegment for ScheduleId {}
impl PathSegment for AuthorizationId {}

impl<T: PathSegment> FromPathSegments for T {
    fn from_segments(mut segments: Vec<String>) -> Option<Self> {
        (segments.len() == 1).then(|| T::from(segments.remove(0)))
    }
}

impl FromPathSegments for Vec<String> {
    fn from_segments(segments: Vec<String>) -> Option<Self> {
        Some(segments)
    }
}

impl<A: PathSegment, B: PathSegment> FromPathSegments for (A, B) {
    fn from_segments(segments: Vec<String>) -> Option<Self> {
        let [a, b]: [String; 2] = segments.try_into().ok()?;
        Some((a.into(), b.into()))
    }
}

impl<S: Send + Sync, T: FromPathSegments> FromRequestParts<S> for PathIds<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(params) =
            axum::extract::Path::<Vec<(String, String)>>::from_request_parts(parts, state)
                .await
                .map_err(|_| ApiError::NotFound)?;
        let mut segments = Vec::with_capacity(params.len());
        for (_, value) in params {
            ResourceId::parse(&value).map_err(|_| ApiError::NotFound)?;
            segments.push(value);
        }
        T::from_segments(segments).map(PathIds).ok_or(ApiError::NotFound)
    }
}

/// An authenticated request to the hub API: the process's state and the caller the authorizer
/// (or the local server's middleware) found, 401 without one. What a handler reads and writes, it
/// reads and writes in the caller's account: [`Call::store`].
#[derive(Clone)]
pub struct Call {
    pub state: AppState,
    pub caller: Caller,
    scope: AccountScope,
}

impl Call {
    /// The caller's account.
    pub fn scope(&self) -> &AccountScope {
        &self.scope
    }

    /// The store inside the caller's account.
    pub fn store(&self) -> AccountStore<'_> {
        self.state.store.in_account(&self.scope)
    }
}

impl FromRequestParts<AppState> for Call {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        Ok(Call { state: state.clone(), scope: caller.scope(), caller })
    }
}

/// A call to an administrator-only route; anyone else is refused with 403.
///
/// Extractors that read only the request's head run in the order of the handler's arguments, and
/// the body's extractor always comes last: a handler taking `Admin` before its body refuses a
/// caller who may not write before it reads what it sent, so the validation of a body tells such
/// a caller nothing. The signature says it; no handler can forget the check.
#[derive(Clone)]
pub struct Admin(pub Call);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let call = Call::from_request_parts(parts, state).await?;
        call.caller.require_admin()?;
        Ok(Admin(call))
    }
}

/// A call to a route on one operator's own things (`/operators/{id}/...`, the operator named
/// first in the path): administrators, or that operator; anyone else is refused with 403, like
/// [`Admin`] before the body is read. A malformed id in the path is 404 first.
#[derive(Clone)]
pub struct SelfOrAdmin(pub Call);

impl FromRequestParts<AppState> for SelfOrAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let PathIds(ids) = PathIds::<Vec<String>>::from_request_parts(parts, state).await?;
        let call = Call::from_request_parts(parts, state).await?;
        call.caller.require_admin_or_self(&OperatorId::new(ids.into_iter().next().ok_or(ApiError::NotFound)?))?;
        Ok(SelfOrAdmin(call))
    }
}

/// `If-Match: "<version>"` (or `*`, `W/"<version>"`); absent means "the current version".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(pub Option<i64>);

impl IfMatch {
    /// Refuses a write to `current` when the client expected another version.
    pub fn check(self, current: i64) -> Result<(), ApiError> {
        match self.0 {
            Some(expected) if expected != current => Err(ApiError::VersionConflict),
            _ => Ok(()),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::IF_MATCH) else { return Ok(IfMatch(None)) };
        let value = value.to_str().map_err(|_| ApiError::field("If-Match", "must be an ETag such as \"3\""))?.trim();
        if value == "*" {
            return Ok(IfMatch(None));
        }
        let tag = value.strip_prefix("W/").unwrap_or(value);
        let version = tag
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .and_then(|t| t.parse::<i64>().ok())
            // An ETag this server never issued matches no version.
            .unwrap_or(-1);
        Ok(IfMatch(Some(version)))
    }
}

pub use crate::values::IDEMPOTENCY_KEY_MAX_CHARS;

/// The `Idempotency-Key` header of a create (1-255 visible ASCII characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get("idempotency-key") else { return Ok(IdempotencyKey(None)) };
        let invalid = || ApiError::field("Idempotency-Key", "must be 1-255 visible ASCII characters");
        let key = value.to_str().map_err(|_| invalid())?;
        if key.is_empty() || key.len() > IDEMPOTENCY_KEY_MAX_CHARS || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid());
        }
        Ok(IdempotencyKey(Some(key.to_owned())))
    }
}

/// For PATCH fields that may be absent (leave as is), `null` (clear) or a value:
/// `#[serde(default, deserialize_with = "double_option")] field: Option<Option<T>>`.
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// A PATCH field that cannot be cleared (read with [`double_option`]): absent keeps (`None`),
/// a value is `parse`d, `null` is refused with `if_null`; a refusal is pushed onto `errors`
/// against `field` (and gives `None`), so that one answer lists every invalid field.
pub fn patch_field<P: ?Sized, V, T>(
    errors: &mut Vec<FieldError>,
    field: &str,
    patch: &Option<Option<V>>,
    if_null: &str,
    parse: impl FnOnce(&P) -> Result<T, String>,
) -> Option<T>
where
    V: std::borrow::Borrow<P>,
{
    match patch {
        None => None,
        Some(None) => {
            errors.push(FieldError::new(field, if_null));
            None
        }
        Some(Some(value)) => parse(value.borrow()).map_err(|m| errors.push(FieldError::new(field, m))).ok(),
    }
}

/// A PATCH field that may be cleared: absent keeps `current`, `null` clears it, a value is
/// `parse`d and stored as `render` writes it; a refusal is pushed onto `errors` against `field`
/// (and keeps `current`).
pub fn patch_nullable<T, S: Clone>(
    errors: &mut Vec<FieldError>,
    field: &str,
    current: &Option<S>,
    patch: &Option<Option<String>>,
    parse: impl Fn(&str) -> Result<T, String>,
    render: impl Fn(T) -> S,
) -> Option<S> {
    match patch {
        None => current.clone(),
        Some(None) => None,
        Some(Some(v)) => match parse(v) {
            Ok(value) => Some(render(value)),
            Err(m) => {
                errors.push(FieldError::new(field, m));
                current.clone()
            }
        },
    }
}

/// Every refusal collected in `errors` as one `validation_failed`; `Ok` when there is none.
pub fn no_errors(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        n: Option<u8>,
    }

    #[test]
    fn json_errors_are_classified() {
        assert!(matches!(parse_json::<Body>(b"{\"name\":"), Err(ApiError::MalformedJson(_))));
        assert!(matches!(parse_json::<Body>(b""), Err(ApiError::MalformedJson(_))));
        assert!(matches!(parse_json::<Body>(b"nope"), Err(ApiError::MalformedJson(_))));
        // A struct must come as an object, not as the array of its field values.
        assert!(matches!(parse_json::<Body>(b"[\"a\", 1]"), Err(ApiError::Validation(_))));
        match parse_json::<Body>(b"{\"name\":\"a\",\"n\":\"x\"}") {
            Err(ApiError::Validation(e)) => assert_eq!(e[0].field, "n"),
            other => panic!("{other:?}"),
        }
        match parse_json::<Body>(b"{\"name\":\"a\",\"extra\":1}") {
            Err(ApiError::Validation(e)) => assert!(e[0].message.contains("extra")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse_json::<Body>(b"{\"name\":\"a\"} {}"), Err(ApiError::MalformedJson(_))));
        assert!(parse_json::<Body>(b"{\"name\":\"a\"} \n").is_ok());
        let deep = "[".repeat(10_000);
        assert!(matches!(parse_json::<Body>(deep.as_bytes()), Err(ApiError::MalformedJson(_))));
    }

    /// Path segments become the typed ids the handler names; a segment that is not a well-formed
    /// id is 404, whatever its type.
    #[tokio::test]
    async fn path_ids_are_typed_and_malformed_ones_are_not_found() {
        use axum::response::IntoResponse;
        use tower::ServiceExt;

        async fn member(PathIds((group, operator)): PathIds<(GroupId, OperatorId)>) -> String {
            format!("{}/{}", group.as_str(), operator.as_str())
        }
        let app = axum::Router::new().route("/groups/{id}/members/{operatorId}", axum::routing::get(member));
        let call = |uri: &str| {
            let app = app.clone();
            let request = axum::http::Request::get(uri).body(axum::body::Body::empty()).unwrap();
            async move { app.oneshot(request).await.unwrap() }
        };
        let ok = call("/groups/g-1/members/o_2").await;
        assert_eq!(ok.status(), axum::http::StatusCode::OK);
        let body = axum::body::to_bytes(ok.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], b"g-1/o_2");
        let not_found = ApiError::NotFound.into_response().status();
        for bad in ["/groups/a.b/members/o", "/groups/g/members/%20", &format!("/groups/g/members/{}", "x".repeat(65))]
        {
            assert_eq!(call(bad).await.status(), not_found, "{bad}");
        }
    }

    #[test]
    fn content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json("application/merge-patch+json"));
        assert!(!is_json("text/plain"));
    }
}
