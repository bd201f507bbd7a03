//! The one error type of the API and its mapping to RFC 9457 problem+json, in one place.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hub_store::{Guard, StoreError};
use serde::Serialize;

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

/// A business rule that refuses a change with 409.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    EmailTaken,
    OperatorLimitReached,
    CannotDeleteSelf,
    CannotDeleteAccountAdministrator,
    CannotDisableSelf,
    CannotDisableAccountAdministrator,
    LastAdministrator,
    LastFinancialOperator,
    LastTechnicalContact,
    PermissionNotAssignable,
    GroupNameTaken,
    SystemGroupImmutable,
    /// Only reachable through SCIM, which answers it as `uniqueness`.
    ExternalIdTaken,
}

impl Conflict {
    pub fn code(self) -> &'static str {
        match self {
            Conflict::EmailTaken => "email_taken",
            Conflict::OperatorLimitReached => "operator_limit_reached",
            Conflict::CannotDeleteSelf => "cannot_delete_self",
            Conflict::CannotDeleteAccountAdministrator => "cannot_delete_account_administrator",
            Conflict::CannotDisableSelf => "cannot_disable_self",
            Conflict::CannotDisableAccountAdministrator => "cannot_disable_account_administrator",
            Conflict::LastAdministrator => "last_administrator",
            Conflict::LastFinancialOperator => "last_financial_operator",
            Conflict::LastTechnicalContact => "last_technical_contact",
            Conflict::PermissionNotAssignable => "permission_not_assignable",
            Conflict::GroupNameTaken => "group_name_taken",
            Conflict::SystemGroupImmutable => "system_group_immutable",
            Conflict::ExternalIdTaken => "external_id_taken",
        }
    }

    /// The human-readable explanation of the refusal.
    pub fn detail_text(self) -> &'static str {
        self.detail()
    }

    fn detail(self) -> &'static str {
        match self {
            Conflict::EmailTaken => "Another operator of this account already uses this email address.",
            Conflict::OperatorLimitReached => "The account has reached its operator limit.",
            Conflict::CannotDeleteSelf => "Operators cannot delete themselves.",
            Conflict::CannotDeleteAccountAdministrator => "The account administrator cannot be deleted.",
            Conflict::CannotDisableSelf => "Operators cannot disable themselves.",
            Conflict::CannotDisableAccountAdministrator => "The account administrator cannot be disabled.",
            Conflict::LastAdministrator => "The Administrators group must keep at least one enabled member.",
            Conflict::LastFinancialOperator => "The account must keep at least one operator holding FinancialOperator.",
            Conflict::LastTechnicalContact => "The account must keep at least one operator holding TechnicalContact.",
            Conflict::PermissionNotAssignable => {
                "Administrator is held only through membership of the Administrators group."
            }
            Conflict::GroupNameTaken => "Another group of this account already has this description.",
            Conflict::SystemGroupImmutable => "The Everyone and Administrators groups cannot be changed this way.",
            Conflict::ExternalIdTaken => "Another resource of this account already has this externalId.",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("version conflict")]
    VersionConflict,
    #[error("idempotency key reused")]
    IdempotencyKeyReused,
    #[error("invalid cursor")]
    InvalidCursor,
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    /// Too many failed attempts of one API user: retry after this many seconds.
    #[error("too many requests")]
    TooManyRequests { retry_after: u64 },
    #[error("service unavailable")]
    ServiceUnavailable,
    /// Another change won a race with this one: read again and retry (see [`crate::retry`]). Turns
    /// into 503 only if the retries run out.
    #[error("retry")]
    Retry,
    /// A bug or an unexpected database answer. Logged with detail, shown without.
    #[error("internal: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) | ApiError::MalformedJson(_) | ApiError::InvalidCursor => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::VersionConflict => StatusCode::PRECONDITION_FAILED,
            ApiError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::ServiceUnavailable | ApiError::Retry => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Validation(_) => "validation_failed",
            ApiError::MalformedJson(_) => "malformed_json",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::Forbidden => "forbidden",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::VersionConflict => "version_conflict",
            ApiError::IdempotencyKeyReused => "idempotency_key_reused",
            ApiError::InvalidCursor => "invalid_cursor",
            ApiError::Conflict(c) => c.code(),
            ApiError::TooManyRequests { .. } => "too_many_requests",
            ApiError::ServiceUnavailable | ApiError::Retry => "service_unavailable",
            ApiError::Internal(_) => "internal_error",
        }
    }

    fn detail(&self) -> String {
        match self {
            ApiError::Validation(_) => "The request has invalid fields; see errors.".into(),
            ApiError::MalformedJson(why) => format!("The body is not valid JSON: {why}"),
            ApiError::UnsupportedMediaType => "Request bodies must be application/json.".into(),
            ApiError::PayloadTooLarge => "Request bodies are limited to 64 KiB.".into(),
            ApiError::Unauthenticated => "Missing, malformed, expired or unknown credentials.".into(),
            ApiError::Forbidden => "Your role does not allow this.".into(),
            ApiError::NotFound => "No such resource.".into(),
            ApiError::MethodNotAllowed => "This method is not allowed on this resource.".into(),
            ApiError::VersionConflict => "The resource changed since the version in If-Match.".into(),
            ApiError::IdempotencyKeyReused => "This Idempotency-Key was used with a different request body.".into(),
            ApiError::InvalidCursor => "The cursor was not issued for this list.".into(),
            ApiError::Conflict(c) => c.detail().into(),
            ApiError::TooManyRequests { .. } => {
                "Too many failed attempts with these credentials; retry after the time in Retry-After.".into()
            }
            ApiError::ServiceUnavailable | ApiError::Retry => {
                "The service is temporarily unavailable; retry later.".into()
            }
            ApiError::Internal(_) => "An unexpected error occurred.".into(),
        }
    }

    fn title(&self) -> &'static str {
        self.status().canonical_reason().unwrap_or("Error")
    }
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: String,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a [FieldError]>,
}

/// Seconds a client should wait before retrying after a 503.
pub const RETRY_AFTER_SECONDS: &str = "1";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let problem = Problem {
            kind: format!("https://errors.user-management-hub.dev/{}", self.code()),
            title: self.title(),
            status: status.as_u16(),
            detail: self.detail(),
            code: self.code(),
            errors: match &self {
                ApiError::Validation(errors) => Some(errors),
                _ => None,
            },
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        match self {
            ApiError::Unauthenticated => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(r#"Bearer realm="hub", Basic realm="hub""#),
                );
            }
            ApiError::ServiceUnavailable | ApiError::Retry => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
            }
            ApiError::TooManyRequests { retry_after } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            }
            // The rest of the oversized body is never read, so the connection cannot be reused.
            ApiError::PayloadTooLarge => {
                headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            _ => {}
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable => ApiError::ServiceUnavailable,
            StoreError::Contention | StoreError::Guard(Guard::Version | Guard::RulesChanged) => ApiError::Retry,
            StoreError::InvalidCursor => ApiError::InvalidCursor,
            StoreError::Guard(Guard::OperatorLimit) => ApiError::Conflict(Conflict::OperatorLimitReached),
            StoreError::Guard(Guard::EmailTaken) => ApiError::Conflict(Conflict::EmailTaken),
            StoreError::Guard(Guard::GroupNameTaken) => ApiError::Conflict(Conflict::GroupNameTaken),
            StoreError::Guard(Guard::ExternalIdTaken) => ApiError::Conflict(Conflict::ExternalIdTaken),
            StoreError::Guard(Guard::LastAdministrator) => ApiError::Conflict(Conflict::LastAdministrator),
            StoreError::Guard(Guard::ParentMissing) => ApiError::NotFound,
            StoreError::Guard(g @ (Guard::AlreadyExists | Guard::IdempotencyKey)) => {
                ApiError::Internal(format!("unhandled guard {g:?}"))
            }
            StoreError::Internal(detail) => ApiError::Internal(detail),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
