//! `/scim-tokens`: the credentials identity providers use at `/scim/v2` (see
//! `hub_api::scim_token`), managed by administrators.
//!
//! Decisions the contract leaves open:
//!
//! - **At most [`MAX_SCIM_TOKENS_PER_ACCOUNT`]** per account: one more is 400 `validation_failed`
//!   on `description`; racing creates cannot exceed it (the roster guards the create).
//! - **The list** is every token of the account (never more than ten), oldest first, as a
//!   collection whose `nextCursor` is always null; it takes no query parameters.
//! - **The token** is in the 201 body only (`Cache-Control: no-store`); an `Idempotency-Key`
//!   replay answers the same body without it (only its hash is kept).
//! - **`DELETE`** of an unknown id is 404; a deleted token is refused from the next request.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hub_api::audit::caller_context;
use hub_api::error::{ApiError, ApiResult, FieldError};
use hub_api::extract::{Admin, PathIds};
use hub_api::idempotency::{self, CreateBody, SecretCreate};
use hub_api::lists::Collection;
use hub_api::resource_events;
use hub_api::rules::MAX_SCIM_TOKENS_PER_ACCOUNT;
use hub_api::scim_token::{new_scim_token, scim_token_hash};
use hub_api::values::{CredentialDescription, new_id};
use hub_store::ScimTokenId;
use hub_store::records::ScimTokenRecord;
use serde::{Deserialize, Serialize};

/// A SCIM token as listed (never the secret).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ScimToken)]
pub struct ScimTokenView {
    pub scim_token_id: String,
    pub description: String,
    pub created_at: String,
    /// Null until the first SCIM request with it.
    #[schema(required)]
    pub last_used_at: Option<String>,
}

impl From<ScimTokenRecord> for ScimTokenView {
    fn from(r: ScimTokenRecord) -> Self {
        ScimTokenView {
            scim_token_id: r.scim_token_id.into_string(),
            description: r.description.into_string(),
            created_at: r.created_at,
            last_used_at: r.last_used_at,
        }
    }
}

/// The 201 body: the item and, this once, the token.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = ScimTokenCreated)]
struct CreatedView {
    #[serde(flatten)]
    #[schema(value_type = ScimTokenView)]
    view: ScimTokenView,
    /// `Authorization: Bearer <token>` at `/scim/v2`; shown this once (only its hash is stored).
    #[schema(value_type = String, required = false)]
    token: String,
}

#[utoipa::path(get, path = "/scim-tokens", operation_id = "listScimTokens", tag = "SCIM tokens",
    responses((status = 200, description = "Every SCIM token of the account, oldest first", body = Collection<ScimTokenView>)))]
pub async fn list(Admin(call): Admin) -> ApiResult<Response> {
    let tokens = call.store().scim_tokens().await?;
    Ok(axum::Json(Collection::all(tokens.into_iter().map(ScimTokenView::from).collect())).into_response())
}

#[utoipa::path(get, path = "/scim-tokens/{id}", operation_id = "getScimToken", tag = "SCIM tokens",
    params(("id" = String, Path, description = "SCIM token id")),
    responses((status = 200, description = "The SCIM token a create's `Location` names (never the secret)", body = ScimTokenView)))]
pub async fn fetch(PathIds(id): PathIds<ScimTokenId>, Admin(call): Admin) -> ApiResult<Response> {
    let token = call.store().scim_token(&id).await?.ok_or(ApiError::NotFound)?;
    Ok(axum::Json(ScimTokenView::from(token)).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateScimToken {
    /// 1-100 characters (trimmed, no control characters), e.g. the identity provider's name.
    #[schema(value_type = hub_api::values::ShortText, required)]
    description: Option<String>,
}

#[utoipa::path(post, path = "/scim-tokens", operation_id = "createScimToken", tag = "SCIM tokens", request_body = CreateScimToken,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 255, description = "Replays the first response (without `token`) for 24 h")),
    responses((status = 201, description = "Created; the body holds the token this once", body = CreatedView,
        headers(("Location" = String), ("Cache-Control" = String, description = "`no-store`")))))]
pub async fn create(Admin(call): Admin, body: CreateBody<CreateScimToken>) -> ApiResult<Response> {
    let description = match body.value.description.as_deref() {
        Some(d) => CredentialDescription::parse(d)
            .map_err(|m| ApiError::Validation(vec![FieldError::new("description", m)]))?,
        None => return Err(ApiError::field("description", "is required")),
    };
    idempotency::create_with_secret(&call, "POST /scim-tokens", body.replay, || async {
        let roster = call.store().scim_token_roster().await?;
        if roster.ids.len() >= MAX_SCIM_TOKENS_PER_ACCOUNT {
            return Err(ApiError::field(
                "description",
                format!("an account may have at most {MAX_SCIM_TOKENS_PER_ACCOUNT} SCIM tokens"),
            ));
        }
        let record = ScimTokenRecord {
            scim_token_id: ScimTokenId::new(new_id()),
            description: description.clone(),
            created_at: call.state.clock.now_rfc3339(),
            last_used_at: None,
        };
        let token = new_scim_token(&call.caller.account_id, &record.scim_token_id)?;
        let view = ScimTokenView::from(record.clone());
        let event = resource_events::created(&caller_context(&call), "scimToken.created", &record);
        let (store, hash) = (call.store(), scim_token_hash(&token));
        Ok(SecretCreate {
            replayed: view.clone(),
            location: format!("/scim-tokens/{}", record.scim_token_id),
            version: None,
            answer: CreatedView { view, token },
            write: move |idem: Option<_>| async move {
                store.create_scim_token(&record, &hash, &roster, idem.as_ref(), &event).await
            },
        })
    })
    .await
}

#[utoipa::path(delete, path = "/scim-tokens/{id}", operation_id = "deleteScimToken", tag = "SCIM tokens",
    params(("id" = String, Path, description = "SCIM token id")),
    responses((status = 204, description = "Deleted; refused from the next request")))]
pub async fn remove(PathIds(id): PathIds<ScimTokenId>, Admin(call): Admin) -> ApiResult<StatusCode> {
    // Read first: the event names the token by its description.
    let record = call.store().scim_token(&id).await?.ok_or(ApiError::NotFound)?;
    let event = resource_events::deleted(&caller_context(&call), "scimToken.deleted", &record);
    if call.store().delete_scim_token(&id, &event).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
