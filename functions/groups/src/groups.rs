//! Groups themselves: list, create, read, rename, delete.

use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hub_api::error::{ApiError, ApiResult, Conflict, FieldError};
use hub_api::extract::{IdempotencyKey, IfMatch, PathIds, Query, double_option};
use hub_api::idempotency::{CreateBody, Idempotency};
use hub_api::lists::{Collection, page_request};
use hub_api::provisioning::load_account;
use hub_api::retry::retrying;
use hub_api::rules::{Removal, check_protected_holders, permission_names};
use hub_api::values::{GroupDescription, new_id};
use hub_api::views::{GroupView, Versioned};
use hub_api::{AppState, Caller};
use hub_store::records::GroupRecord;
use hub_store::{ADMINISTRATORS_GROUP_ID, EVERYONE_GROUP_ID, Principal};
use serde::Deserialize;
use serde_json::Value;

/// Everyone and Administrators: their names and (for Everyone) memberships are fixed.
pub(crate) fn is_system_group(group_id: &str) -> bool {
    group_id == EVERYONE_GROUP_ID || group_id == ADMINISTRATORS_GROUP_ID
}

/// The group named in the path, or 404.
pub(crate) async fn load(state: &AppState, caller: &Caller, id: &str) -> ApiResult<GroupRecord> {
    state.store.group(&caller.scope(), id).await?.ok_or(ApiError::NotFound)
}


#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ListParams {
    is_empty: Option<bool>,
    limit: Option<i64>,
    cursor: Option<String>,
}

pub async fn list(State(state): State<AppState>, caller: Caller, Query(params): Query<ListParams>) -> ApiResult<axum::Json<Collection<GroupView>>> {
    let page = page_request(params.limit, params.cursor.as_deref())?;
    let page = state.store.list_groups(&caller.scope(), params.is_empty, page).await?;
    Ok(axum::Json(Collection::from_page(page, GroupView::from)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateGroup {
    description: Option<String>,
}

fn description(value: Option<&str>) -> ApiResult<GroupDescription> {
    match value {
        None => Err(ApiError::field("description", "is required")),
        Some(v) => GroupDescription::parse(v).map_err(|m| ApiError::field("description", m)),
    }
}

pub async fn create(State(state): State<AppState>, caller: Caller, key: IdempotencyKey, request: Request) -> ApiResult<Response> {
    caller.require_admin()?;
    let body = CreateBody::<Value>::from_request(request, &state).await?;
    let input: CreateGroup = hub_api::extract::from_object(body.value)?;
    let description = description(input.description.as_deref())?;

    let scope = caller.scope();
    let idempotency = Idempotency::new(&caller, "POST /groups", key, body.fingerprint);
    if let Some(replay) = idempotency.replay(&state, &scope).await? {
        return Ok(replay);
    }
    let now = state.clock.now_rfc3339();
    let record = GroupRecord {
        group_id: new_id(),
        description: description.as_str().to_owned(),
        is_everyone: false,
        is_administrators: false,
        member_count: 0,
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    };
    let location = format!("/groups/{}", record.group_id);
    let view = GroupView::from(record.clone());
    let idem = idempotency.record(&state, StatusCode::CREATED, &view, Some(&location))?;
    let result = state.store.create_group(&scope, &record, idem.as_ref()).await;
    if let Some(replay) = idempotency.settle(&state, &scope, result).await? {
        return Ok(replay);
    }
    Ok(Versioned::created(record.version, view, location).into_response())
}

pub async fn fetch(State(state): State<AppState>, caller: Caller, PathIds(id): PathIds<String>) -> ApiResult<Response> {
    let view = GroupView::from(load(&state, &caller, &id).await?);
    Ok(Versioned::ok(view.version, view).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateGroup {
    #[serde(default, deserialize_with = "double_option")]
    description: Option<Option<String>>,
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    PathIds(id): PathIds<String>,
    if_match: IfMatch,
    request: Request,
) -> ApiResult<Response> {
    caller.require_admin()?;
    let patch: UpdateGroup = hub_api::extract::body_after_role_check(&state, request).await?;
    let description = match &patch.description {
        None => None,
        Some(None) => return Err(ApiError::Validation(vec![FieldError::new("description", "must not be null")])),
        Some(Some(d)) => Some(GroupDescription::parse(d).map_err(|m| ApiError::field("description", m))?),
    };
    // The only changeable field of a group is its name, which the system groups keep.
    if is_system_group(&id) {
        return Err(ApiError::Conflict(Conflict::SystemGroupImmutable));
    }
    let scope = caller.scope();
    let updated = retrying(|| async {
        let current = load(&state, &caller, &id).await?;
        if_match.check(current.version)?;
        let Some(description) = &description else { return Ok(current) };
        if description.as_str() == current.description {
            return Ok(current);
        }
        let mut next = current.clone();
        next.description = description.as_str().to_owned();
        next.version = current.version + 1;
        next.updated_at = state.clock.now_rfc3339();
        state.store.update_group(&scope, &current, &next).await?;
        Ok(next)
    })
    .await?;
    let view = GroupView::from(updated);
    Ok(Versioned::ok(view.version, view).into_response())
}

pub async fn remove(State(state): State<AppState>, caller: Caller, PathIds(id): PathIds<String>, if_match: IfMatch) -> ApiResult<StatusCode> {
    caller.require_admin()?;
    if is_system_group(&id) {
        return Err(ApiError::Conflict(Conflict::SystemGroupImmutable));
    }
    let scope = caller.scope();
    let names = permission_names();
    retrying(|| async {
        // The rules version is read before the state the checks look at.
        let account = load_account(&state, &scope).await?;
        let Some(group) = state.store.group(&scope, &id).await? else {
            // A delete that died half-way is finished by its retry.
            let pending = Principal::Group(id.clone());
            return if state.store.finish_delete_if_pending(&scope, &pending, &names).await? { Ok(()) } else { Err(ApiError::NotFound) };
        };
        if_match.check(group.version)?;
        check_protected_holders(&state, &scope, &Removal::Group(&group.group_id), account.rules_version).await?;
        state.store.delete_group(&scope, &group, account.rules_version, &names).await?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
