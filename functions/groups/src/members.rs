//! Memberships and the group-wide Active switch.

use axum::http::StatusCode;
use futures::stream::{self, StreamExt, TryStreamExt};
use hub_api::audit::{Acting, caller_context};
use hub_api::error::ApiResult;
use hub_api::extract::{Admin, Call, JsonBody, PathIds, Query};
use hub_api::lists::{Collection, PageParams, page_request};
use hub_api::retry::retrying;
use hub_api::rules::load_account;
use hub_api::views::OperatorView;
use hub_store::{GroupId, OperatorId};
use serde::Deserialize;

use crate::groups::load;

/// Operators whose switch is changed at the same time by one duty request.
const DUTY_CONCURRENCY: usize = 8;

#[utoipa::path(get, path = "/groups/{id}/members", operation_id = "listGroupMembers", tag = "Members", params(("id" = String, Path, description = "Group id"), PageParams),
    responses((status = 200, description = "The operators in the group", body = Collection<OperatorView>)))]
pub async fn list(
    call: Call,
    PathIds(id): PathIds<GroupId>,
    Query(params): Query<PageParams>,
) -> ApiResult<axum::Json<Collection<OperatorView>>> {
    let page = page_request(params.limit, params.cursor.as_deref())?;
    let (_, account) = tokio::try_join!(load(&call, &id), load_account(&call.state, call.scope()))?;
    let ids = call.store().member_ids(&id, page).await?;
    let operators = call.store().operators_by_ids(&ids.items).await?;
    let tz = account.time_zone.time_zone();
    let now = call.state.clock.now();
    Ok(axum::Json(Collection {
        items: operators.into_iter().map(|op| OperatorView::new(op, now, &tz)).collect(),
        next_cursor: ids.next_cursor,
    }))
}

#[utoipa::path(put, path = "/groups/{id}/members/{operatorId}", operation_id = "addGroupMember", tag = "Members",
    params(("id" = String, Path, description = "Group id"), ("operatorId" = String, Path, description = "Operator id")),
    responses((status = 204, description = "A member (idempotent)")))]
pub async fn add(
    PathIds((id, operator_id)): PathIds<(GroupId, OperatorId)>,
    Admin(call): Admin,
) -> ApiResult<StatusCode> {
    hub_api::groups::add_member(&Acting::caller(&call), &id, &operator_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/groups/{id}/members/{operatorId}", operation_id = "removeGroupMember", tag = "Members",
    params(("id" = String, Path, description = "Group id"), ("operatorId" = String, Path, description = "Operator id")),
    responses((status = 204, description = "Not a member (idempotent)")))]
pub async fn remove(
    PathIds((id, operator_id)): PathIds<(GroupId, OperatorId)>,
    Admin(call): Admin,
) -> ApiResult<StatusCode> {
    hub_api::groups::remove_member(&Acting::caller(&call), &id, &operator_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DutyBody {
    /// The Active switch every member gets.
    is_on_duty: bool,
}

/// Sets the Active switch of every member; members deleted meanwhile are skipped.
#[utoipa::path(post, path = "/groups/{id}/duty", operation_id = "setGroupMembersDuty", tag = "Members", request_body = DutyBody,
    params(("id" = String, Path, description = "Group id")),
    responses((status = 204, description = "Every member's switch set")))]
pub async fn set_duty(
    PathIds(id): PathIds<GroupId>,
    Admin(call): Admin,
    JsonBody(body): JsonBody<DutyBody>,
) -> ApiResult<StatusCode> {
    load(&call, &id).await?;
    let store = call.store();
    let member_ids = store.all_member_ids(&id).await?;
    let audit = &caller_context(&call);
    let clock = &call.state.clock;
    stream::iter(member_ids)
        .map(|operator_id| async move {
            retrying(|| async {
                let Some(current) = store.operator(&operator_id).await? else { return Ok(()) };
                if current.is_on_duty == body.is_on_duty {
                    return Ok(());
                }
                let mut next = current.clone();
                next.is_on_duty = body.is_on_duty;
                next.version = current.version + 1;
                next.updated_at = clock.now_rfc3339();
                let event = hub_api::resource_events::updated(audit, "operator.updated", &current, &next);
                store.update_operator(&current, &next, None, &event).await?;
                Ok(())
            })
            .await
        })
        .buffer_unordered(DUTY_CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
