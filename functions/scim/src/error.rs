//! SCIM errors (RFC 7644 §3.12): `{"schemas": [Error], "status": "409", "scimType": "uniqueness",
//! "detail": ...}` as `application/scim+json`. Every hub error maps here in one place; the hub's
//! own code is named in `detail` where SCIM has no `scimType` for it.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hub_api::error::{ApiError, Conflict};
use serde::Serialize;
use serde_json::json;

pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const SCIM_JSON: &str = "application/scim+json";

#[derive(Debug)]
pub struct ScimError {
    pub status: StatusCode,
    pub scim_type: Option<ScimType>,
    pub detail: String,
}

/// The `scimType`s (RFC 7644 §3.12, table 9) the hub answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ScimType {
    InvalidValue,
    InvalidSyntax,
    InvalidFilter,
    InvalidPath,
    NoTarget,
    Mutability,
    Uniqueness,
}

pub type ScimResult<T> = Result<T, ScimError>;

impl ScimError {
    pub fn new(status: StatusCode, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        ScimError { status, scim_type, detail: detail.into() }
    }
    /// A 400 of the given `scimType`: every `scimType` but `uniqueness` (409) goes with 400.
    pub fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, None, "Resource not found.")
    }
}

impl From<ApiError> for ScimError {
    fn from(e: ApiError) -> Self {
        match &e {
            ApiError::Validation(errors) => {
                let detail =
                    errors.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ");
                ScimError::bad_request(ScimType::InvalidValue, detail)
            }
            ApiError::MalformedJson(_) => {
                ScimError::bad_request(ScimType::InvalidSyntax, "The body is not a JSON object.")
            }
            ApiError::Conflict(Conflict::EmailTaken | Conflict::GroupNameTaken | Conflict::ExternalIdTaken) => {
                ScimError::new(StatusCode::CONFLICT, Some(ScimType::Uniqueness), conflict_detail(&e))
            }
            ApiError::Conflict(Conflict::SystemGroupImmutable) => {
                ScimError::bad_request(ScimType::Mutability, conflict_detail(&e))
            }
            ApiError::Conflict(_) => ScimError::new(StatusCode::CONFLICT, None, conflict_detail(&e)),
            ApiError::VersionConflict => ScimError::new(
                StatusCode::PRECONDITION_FAILED,
                None,
                "The resource changed: its version does not match If-Match.",
            ),
            ApiError::NotFound | ApiError::InvalidCursor => ScimError::not_found(),
            other => ScimError::new(other.status(), None, status_detail(other)),
        }
    }
}

fn conflict_detail(e: &ApiError) -> String {
    match e {
        ApiError::Conflict(c) => format!("{} ({})", c.detail_text(), c.code()),
        _ => String::new(),
    }
}

fn status_detail(e: &ApiError) -> String {
    match e {
        ApiError::Unauthenticated => "A valid SCIM token is required.".into(),
        ApiError::Forbidden => "Not allowed.".into(),
        ApiError::MethodNotAllowed => "This resource does not support this method.".into(),
        ApiError::PayloadTooLarge => "The body is larger than 64 KiB.".into(),
        ApiError::UnsupportedMediaType => "Send application/scim+json or application/json.".into(),
        ApiError::ServiceUnavailable | ApiError::Retry => "The service is briefly unavailable; retry later.".into(),
        _ => "Internal error.".into(),
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() && self.status != StatusCode::SERVICE_UNAVAILABLE {
            tracing::error!(status = %self.status, "scim request failed");
        }
        let mut body =
            json!({"schemas": [ERROR_SCHEMA], "status": self.status.as_u16().to_string(), "detail": self.detail});
        if let Some(t) = self.scim_type {
            body["scimType"] = json!(t);
        }
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"scim\""));
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}
