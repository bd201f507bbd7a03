//! Groups themselves: list, create, read, rename, delete.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hub_api::audit::{Acting, caller_context};
use hub_api::error::{ApiError, ApiResult, Conflict};
use hub_api::extract::{Admin, Call, IfMatch, JsonBody, PathIds, Query, double_option, no_errors, patch_field};
use hub_api::idempotency::{self, CreateBody};
use hub_api::lists::{Collection, page_request};
use hub_api::resource_events;
use hub_api::values::{GroupDescription, new_id};
use hub_api::views::{GroupView, Versioned};
use hub_store::GroupId;
use hub_store::records::GroupRecord;
use serde::Deserialize;

pub(crate) use hub_api::groups::is_system_group;

/// The group named in the path, or 404.
pub(crate) async fn load(call: &Call, id: &GroupId) -> ApiResult<GroupRecord> {
    call.store().group(id).await?.ok_or(ApiError::NotFound)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `true`: only groups without members; `false`: only groups with members.
    is_empty: Option<bool>,
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/groups", operation_id = "listGroups", tag = "Groups", params(ListParams),
    responses((status = 200, description = "Groups ordered by description", body = Collection<GroupView>)))]
pub async fn list(call: Call, Query(params): Query<ListParams>) -> ApiResult<axum::Json<Collection<GroupView>>> {
    let page = page_request(params.limit, params.cursor.as_deref())?;
    let page = call.store().list_groups(params.is_empty, page).await?;
    Ok(axum::Json(Collection::from_page(page, GroupView::from)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateGroup {
    /// 1-100 characters; unique in the account, case-insensitively.
    #[schema(value_type = hub_api::values::GroupDescriptionSchema, required)]
    description: Option<String>,
}

fn description(value: Option<&str>) -> ApiResult<GroupDescription> {
    match value {
        None => Err(ApiError::field("description", "is required")),
        Some(v) => GroupDescription::parse(v).map_err(|m| ApiError::field("description", m)),
    }
}

#[utoipa::path(post, path = "/groups", operation_id = "createGroup", tag = "Groups", request_body = CreateGroup,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 255, description = "Replays the first response for 24 h")),
    responses((status = 201, description = "Created, without members", body = GroupView,
        headers(("Location" = String), ("ETag" = String)))))]
pub async fn create(Admin(call): Admin, body: CreateBody<CreateGroup>) -> ApiResult<Response> {
    let description = description(body.value.description.as_deref())?;

    let now = call.state.clock.now_rfc3339();
    let record = GroupRecord {
        group_id: GroupId::new(new_id()),
        description,
        is_everyone: false,
        is_administrators: false,
        member_count: 0,
        external_id: None,
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    };
    let location = format!("/groups/{}", record.group_id);
    let view = GroupView::from(record.clone());
    let audit = resource_events::created(&caller_context(&call), "group.created", &record);
    let (store, created) = (call.store(), Versioned::created(record.version, view, location));
    idempotency::create(&call, "POST /groups", body.replay, created, |idem| async move {
        store.create_group(&record, idem.as_ref(), &audit).await
    })
    .await
}

#[utoipa::path(get, path = "/groups/{id}", operation_id = "getGroup", tag = "Groups", params(("id" = String, Path, description = "Group id")),
    responses((status = 200, body = GroupView, headers(("ETag" = String)))))]
pub async fn fetch(call: Call, PathIds(id): PathIds<GroupId>) -> ApiResult<Response> {
    let view = GroupView::from(load(&call, &id).await?);
    Ok(Versioned::ok(view.version, view).into_response())
}

/// Everyone and Administrators cannot be renamed.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateGroup {
    /// 1-100 characters; unique in the account, case-insensitively. Cannot be null.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = hub_api::values::GroupDescriptionSchema, required = false)]
    description: Option<Option<String>>,
}

#[utoipa::path(patch, path = "/groups/{id}", operation_id = "updateGroup", tag = "Groups", request_body = UpdateGroup,
    params(("id" = String, Path, description = "Group id"), ("If-Match" = Option<String>, Header, nullable = false, description = "The ETag read; a stale one is 412")),
    responses((status = 200, body = GroupView, headers(("ETag" = String)))))]
pub async fn update(
    PathIds(id): PathIds<GroupId>,
    Admin(call): Admin,
    if_match: IfMatch,
    JsonBody(patch): JsonBody<UpdateGroup>,
) -> ApiResult<Response> {
    let mut errors = Vec::new();
    let description =
        patch_field(&mut errors, "description", &patch.description, "must not be null", GroupDescription::parse);
    no_errors(errors)?;
    // The only changeable field of a group is its name, which the system groups keep.
    if is_system_group(&id) {
        return Err(ApiError::Conflict(Conflict::SystemGroupImmutable));
    }
    let updated = match &description {
        Some(description) => {
            let rename = |g: &GroupRecord| Ok(GroupRecord { description: description.clone(), ..g.clone() });
            hub_api::groups::change(&Acting::caller(&call), &id, if_match, rename).await?
        }
        None => {
            let current = load(&call, &id).await?;
            if_match.check(current.version)?;
            current
        }
    };
    let view = GroupView::from(updated);
    Ok(Versioned::ok(view.version, view).into_response())
}

#[utoipa::path(delete, path = "/groups/{id}", operation_id = "deleteGroup", tag = "Groups",
    params(("id" = String, Path, description = "Group id"), ("If-Match" = Option<String>, Header, nullable = false, description = "The ETag read; a stale one is 412")),
    responses((status = 204, description = "Deleted with its memberships, grants and monitor authorizations")))]
pub async fn remove(PathIds(id): PathIds<GroupId>, Admin(call): Admin, if_match: IfMatch) -> ApiResult<StatusCode> {
    hub_api::groups::delete(&Acting::caller(&call), &id, if_match).await?;
    Ok(StatusCode::NO_CONTENT)
}
