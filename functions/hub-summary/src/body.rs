//! Request bodies read after the role check.

use axum::extract::{FromRequest, Request};
use hub_api::AppState;
use hub_api::error::{ApiError, ApiResult, FieldError};
use hub_api::extract::JsonBody;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Reads a JSON body only after the role check, so that a caller who may not write learns
/// nothing from the validation of what it sent.
pub(crate) async fn body_after_role_check<T: DeserializeOwned>(state: &AppState, request: Request) -> ApiResult<T> {
    let JsonBody(document) = JsonBody::<Value>::from_request(request, state).await?;
    from_object(document)
}

/// Bodies are JSON objects: serde's derived structs would also accept an array of the field
/// values in declaration order, which the contract does not allow.
pub(crate) fn from_object<T: DeserializeOwned>(document: Value) -> ApiResult<T> {
    if !document.is_object() {
        return Err(ApiError::field("", "the body must be a JSON object"));
    }
    serde_path_to_error::deserialize::<_, T>(document).map_err(|err| {
        let field = err.path().to_string();
        ApiError::Validation(vec![FieldError::new(if field == "." { String::new() } else { field }, err.into_inner().to_string())])
    })
}
