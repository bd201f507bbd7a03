//! The API-users routes.
//!
//! Decisions the contract leaves open:
//!
//! - **Who**: administrators act on every API user; other operators on their own (as owner) and
//!   get 403 `forbidden` for someone else's. An API user acts with its owner's rights, so it may
//!   manage its owner's API users, itself included.
//! - **At most [`MAX_API_USERS_PER_OPERATOR`] API users per operator**: one more is 400
//!   `validation_failed` on `operatorId`. The bound keeps the operator delete and Administrators
//!   membership changes single transactions that reach every API user of the operator.
//! - **An owner that does not exist** (or belongs to another account) is 404 `not_found`, as any
//!   id of another account.
//! - **The password** is in the 201 body only (`Cache-Control: no-store`). An `Idempotency-Key`
//!   replay returns the same body without `password`: the stored replay never holds the secret,
//!   since only its hash is ever kept. A client that lost the first answer deletes the API user
//!   and creates another.
//! - **Versioning**: like every single resource, an API user carries `version` and `ETag`;
//!   `PATCH` (only `description`) and `DELETE` honour `If-Match`. Use does not move the version.
//! - **`inactive`** and **`requestsLast30Days`** are computed at read time from the stored
//!   activity and the clock (see [`crate::activity`]); the `inactive` list filter uses the same
//!   rule. The hub's `apiUsers.inactive` count is the maintenance job's snapshot of it.
//! - **Fields**: `description` is required, 1–100 characters (trimmed, no control characters);
//!   `accessType` defaults to `Generic`; `operatorId` defaults to the caller.
//! - **Order**: lists are in creation order (ids are time-ordered).

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hub_api::caller::{api_user_username, new_api_user_password, password_hash};
use hub_api::error::{ApiError, ApiResult, FieldError};
use hub_api::extract::{IdempotencyKey, IfMatch, JsonBody, PathIds, Query, double_option};
use hub_api::idempotency::{CreateBody, Idempotency};
use hub_api::lists::{Collection, page_request};
use hub_api::retry::retrying;
use hub_api::values::{AccessType, GroupDescription, ResourceId, new_id};
use hub_api::views::Versioned;
use hub_api::{AppState, Caller};
use hub_store::records::ApiUserRecord;
use hub_store::{ApiUserFilter, MAX_API_USERS_PER_OPERATOR};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::activity::{inactive_cutoff, is_inactive, requests_last_30_days};

/// The API user resource.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiUserView {
    pub api_user_id: String,
    pub operator_id: String,
    /// The owner's full name, read with the API user.
    pub operator_name: Option<String>,
    pub username: String,
    pub access_type: String,
    pub description: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub requests_last_30_days: i64,
    pub inactive: bool,
    pub version: i64,
}

impl ApiUserView {
    pub fn new(user: ApiUserRecord, operator_name: Option<String>, now: Timestamp) -> Self {
        ApiUserView {
            requests_last_30_days: requests_last_30_days(&user.usage, now),
            inactive: is_inactive(&user.last_active_at, now),
            api_user_id: user.api_user_id,
            operator_id: user.operator_id,
            operator_name,
            username: user.username,
            access_type: user.access_type,
            description: user.description,
            created_at: user.created_at,
            last_used_at: user.last_used_at,
            version: user.version,
        }
    }
}

/// The 201 body: the resource and, this once, the password.
#[derive(Serialize)]
struct CreatedView<'a> {
    #[serde(flatten)]
    view: &'a ApiUserView,
    password: &'a str,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ListParams {
    operator_id: Option<String>,
    inactive: Option<bool>,
    limit: Option<i64>,
    cursor: Option<String>,
}

pub async fn list(State(state): State<AppState>, caller: Caller, Query(params): Query<ListParams>) -> ApiResult<Response> {
    let page = page_request(params.limit, params.cursor.as_deref())?;
    let operator_id = match params.operator_id.as_deref() {
        Some(id) => Some(ResourceId::parse(id).map_err(|m| ApiError::field("operatorId", m))?.into_string()),
        None => None,
    };
    // Administrators see all; others their own, and asking for someone else's is forbidden.
    let operator_id = match operator_id {
        Some(id) if !caller.is_administrator && id != caller.operator_id => return Err(ApiError::Forbidden),
        None if !caller.is_administrator => Some(caller.operator_id.clone()),
        other => other,
    };
    let now = state.clock.now();
    let filter = ApiUserFilter { operator_id, inactive_before: params.inactive.map(|inactive| (inactive, inactive_cutoff(now))) };
    let scope = caller.scope();
    let page = state.store.list_api_users(&scope, &filter, page).await?;
    let mut owner_ids: Vec<String> = page.items.iter().map(|u| u.operator_id.clone()).collect();
    owner_ids.sort();
    owner_ids.dedup();
    let names: HashMap<String, String> =
        state.store.operators_by_ids(&scope, &owner_ids).await?.into_iter().map(|op| (op.operator_id, op.full_name)).collect();
    let collection = Collection::from_page(page, |u| {
        let name = names.get(&u.operator_id).cloned();
        ApiUserView::new(u, name, now)
    });
    Ok(axum::Json(collection).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateApiUser {
    operator_id: Option<String>,
    description: Option<String>,
    access_type: Option<String>,
}

/// What a create attempt ended with.
enum Created {
    New(ApiUserView, String),
    Replay(Response),
}

pub async fn create(State(state): State<AppState>, caller: Caller, key: IdempotencyKey, body: CreateBody<CreateApiUser>) -> ApiResult<Response> {
    let input = body.value;
    let mut errors = Vec::new();
    let description = match input.description.as_deref() {
        Some(d) => GroupDescription::parse(d).map_err(|m| errors.push(FieldError::new("description", m))).ok(),
        None => {
            errors.push(FieldError::new("description", "is required"));
            None
        }
    };
    let access_type = match input.access_type.as_deref() {
        Some(t) => AccessType::parse(t).map_err(|m| errors.push(FieldError::new("accessType", m))).ok(),
        None => Some(AccessType::default()),
    };
    let owner_id = match input.operator_id.as_deref() {
        Some(id) => ResourceId::parse(id).map(ResourceId::into_string).map_err(|m| errors.push(FieldError::new("operatorId", m))).ok(),
        None => Some(caller.operator_id.clone()),
    };
    let (Some(description), Some(access_type), Some(owner_id), true) = (description, access_type, owner_id, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    caller.require_admin_or_self(&owner_id)?;

    let scope = caller.scope();
    let idempotency = Idempotency::new(&caller, "POST /api-users", key, body.fingerprint);
    if let Some(replay) = idempotency.replay(&state, &scope).await? {
        return Ok(replay);
    }
    let created = retrying(|| async {
        let (owner, roster) = tokio::try_join!(
            async { state.store.operator(&scope, &owner_id).await.map_err(ApiError::from) },
            async { state.store.api_user_roster(&scope, &owner_id).await.map_err(ApiError::from) }
        )?;
        let owner = owner.ok_or(ApiError::NotFound)?;
        if roster.len() >= MAX_API_USERS_PER_OPERATOR {
            return Err(ApiError::field("operatorId", format!("an operator may own at most {MAX_API_USERS_PER_OPERATOR} API users")));
        }
        let api_user_id = new_id();
        let username = api_user_username(&caller.account_id, &api_user_id)
            .ok_or_else(|| ApiError::Internal("the account id is not a UUID; no username can name it".into()))?;
        let password = new_api_user_password()?;
        let now = state.clock.now_rfc3339();
        let record = ApiUserRecord {
            api_user_id,
            operator_id: owner.operator_id.clone(),
            username,
            access_type: access_type.as_str().to_owned(),
            description: description.as_str().to_owned(),
            owner_is_administrator: owner.is_administrator,
            created_at: now.clone(),
            last_used_at: None,
            last_active_at: now,
            usage: Default::default(),
            inactive: false,
            version: 1,
        };
        let view = ApiUserView::new(record.clone(), Some(owner.full_name.clone()), state.clock.now());
        let location = location(&record.api_user_id);
        // The replayable answer leaves the password out: it is never stored.
        let idem = idempotency.record(&state, StatusCode::CREATED, &view, Some(&location))?;
        let result = state.store.create_api_user(&scope, &record, &password_hash(&password), &roster, idem.as_ref()).await;
        if let Some(replay) = idempotency.settle(&state, &scope, result).await? {
            return Ok(Created::Replay(replay));
        }
        Ok(Created::New(view, password))
    })
    .await?;
    let (view, password) = match created {
        Created::New(view, password) => (view, password),
        Created::Replay(replay) => return Ok(replay),
    };
    let body = CreatedView { view: &view, password: &password };
    let mut response = Versioned::created(view.version, body, location(&view.api_user_id)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

fn location(api_user_id: &str) -> String {
    format!("/api-users/{api_user_id}")
}

/// The API user named in the path, if the caller may act on it: 404 when it does not exist (in
/// this account), 403 when it belongs to another operator and the caller is not an administrator.
async fn load(state: &AppState, caller: &Caller, id: &str) -> ApiResult<ApiUserRecord> {
    let user = state.store.api_user(&caller.scope(), id).await?.ok_or(ApiError::NotFound)?;
    caller.require_admin_or_self(&user.operator_id)?;
    Ok(user)
}

async fn view_of(state: &AppState, caller: &Caller, user: ApiUserRecord) -> ApiResult<ApiUserView> {
    let owner = state.store.operator(&caller.scope(), &user.operator_id).await?;
    Ok(ApiUserView::new(user, owner.map(|o| o.full_name), state.clock.now()))
}

pub async fn fetch(State(state): State<AppState>, caller: Caller, PathIds(id): PathIds<String>) -> ApiResult<Response> {
    let user = load(&state, &caller, &id).await?;
    let view = view_of(&state, &caller, user).await?;
    Ok(Versioned::ok(view.version, view).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateApiUser {
    #[serde(default, deserialize_with = "double_option")]
    description: Option<Option<String>>,
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathIds(id): PathIds<String>,
    if_match: IfMatch,
    JsonBody(patch): JsonBody<UpdateApiUser>,
) -> ApiResult<Response> {
    let description = match &patch.description {
        None => None,
        Some(None) => return Err(ApiError::field("description", "is required and cannot be null")),
        Some(Some(d)) => Some(GroupDescription::parse(d).map_err(|m| ApiError::field("description", m))?),
    };
    let scope = caller.scope();
    let updated = retrying(|| async {
        let mut user = load(&state, &caller, &id).await?;
        if_match.check(user.version)?;
        let Some(description) = description.as_ref().filter(|d| d.as_str() != user.description) else { return Ok(user) };
        state.store.update_api_user_description(&scope, &user, description.as_str()).await?;
        user.description = description.as_str().to_owned();
        user.version += 1;
        Ok(user)
    })
    .await?;
    let view = view_of(&state, &caller, updated).await?;
    Ok(Versioned::ok(view.version, view).into_response())
}

pub async fn remove(State(state): State<AppState>, caller: Caller, PathIds(id): PathIds<String>, if_match: IfMatch) -> ApiResult<StatusCode> {
    let scope = caller.scope();
    retrying(|| async {
        let user = load(&state, &caller, &id).await?;
        if_match.check(user.version)?;
        state.store.delete_api_user(&scope, &user).await?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
