//! Off-duty schedules, kept inside the operator item (bounded in number) so that "on duty now"
//! needs no extra reads.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hub_api::audit::caller_context;
use hub_api::error::{ApiError, ApiResult};
use hub_api::extract::{Call, IfMatch, JsonBody, PathIds, SelfOrAdmin};
use hub_api::idempotency::{CreateBody, Idempotency};
use hub_api::lists::Collection;
use hub_api::retry::retrying;
use hub_api::schedule::{ScheduleInput, ScheduleRule, ScheduleView};
use hub_api::values::new_id;
use hub_store::records::OperatorRecord;
use hub_store::{OperatorId, ScheduleId};

use crate::operators::load;

/// Keeps the operator item small and the on-duty evaluation cheap.
pub const MAX_SCHEDULES_PER_OPERATOR: usize = 20;

fn rule_of(input: &ScheduleInput) -> ApiResult<ScheduleRule> {
    ScheduleRule::from_input(input).map_err(|errors| {
        ApiError::Validation(errors.into_iter().map(|(f, m)| hub_api::FieldError::new(f, m)).collect())
    })
}

#[utoipa::path(get, path = "/operators/{id}/duty-schedules", operation_id = "listDutySchedules", tag = "Off-duty schedules", params(("id" = String, Path, description = "Operator id")),
    responses((status = 200, body = Collection<ScheduleView>)))]
pub async fn list(call: Call, PathIds(id): PathIds<OperatorId>) -> ApiResult<axum::Json<Collection<ScheduleView>>> {
    let op = load(&call, &id).await?;
    Ok(axum::Json(Collection::all(op.schedules.iter().map(ScheduleView::from).collect())))
}

#[utoipa::path(get, path = "/operators/{id}/duty-schedules/{scheduleId}", operation_id = "getDutySchedule", tag = "Off-duty schedules",
    params(("id" = String, Path, description = "Operator id"), ("scheduleId" = String, Path, description = "Off-duty schedule id")),
    responses((status = 200, description = "The schedule a create's `Location` names", body = ScheduleView)))]
pub async fn fetch(
    call: Call,
    PathIds((id, schedule_id)): PathIds<(OperatorId, ScheduleId)>,
) -> ApiResult<axum::Json<ScheduleView>> {
    let op = load(&call, &id).await?;
    let schedule = op.schedules.iter().find(|s| s.schedule_id == schedule_id).ok_or(ApiError::NotFound)?;
    Ok(axum::Json(ScheduleView::from(schedule)))
}

/// What a schedule write produced: the schedule, or the stored answer of an earlier request with
/// the same `Idempotency-Key`.
enum Written {
    Schedule(ScheduleView),
    Replayed(Response),
}

/// Writes `change(current)` as the operator's next version, retrying on concurrent changes; with
/// an idempotency context, the creation's answer is stored in the same transaction.
async fn change_schedules(
    call: &Call,
    id: &OperatorId,
    if_match: IfMatch,
    idempotency: Option<&Idempotency>,
    action: &str,
    change: impl Fn(&mut OperatorRecord) -> ApiResult<ScheduleView>,
) -> ApiResult<Written> {
    let audit = caller_context(call);
    retrying(|| async {
        let current = load(call, id).await?;
        if_match.check(current.version)?;
        let mut next = current.clone();
        let view = change(&mut next)?;
        next.version = current.version + 1;
        next.updated_at = call.state.clock.now_rfc3339();
        // The schedule as it was and as it is: a create lists its values, a delete its last ones.
        let find =
            |op: &OperatorRecord| op.schedules.iter().find(|s| s.schedule_id == view.schedule_id.as_str()).cloned();
        let changes = hub_api::audit::updated(&find(&current), &find(&next));
        if changes.is_empty() {
            // Replaced by an identical schedule: a no-op, no write and no event.
            return Ok(Written::Schedule(view));
        }
        let target = ("DutySchedule", view.schedule_id.as_str(), Some(next.full_name.as_str()));
        let event = hub_api::audit::event(&audit, action, target, changes);
        let Some(idempotency) = idempotency else {
            call.store().update_operator(&current, &next, None, &event).await?;
            return Ok(Written::Schedule(view));
        };
        let location = format!("/operators/{id}/duty-schedules/{}", view.schedule_id);
        let (store, current, next, event) = (call.store(), &current, &next, &event);
        let write =
            move |record: Option<_>| async move { store.update_operator(current, next, record.as_ref(), event).await };
        Ok(match idempotency.write(&call.state, call.scope(), &view, Some(&location), write).await? {
            Some(replay) => Written::Replayed(replay),
            None => Written::Schedule(view),
        })
    })
    .await
}

fn schedule(written: Written) -> ApiResult<ScheduleView> {
    match written {
        Written::Schedule(view) => Ok(view),
        Written::Replayed(_) => Err(ApiError::Internal("a replay where no idempotency key was given".into())),
    }
}

#[utoipa::path(post, path = "/operators/{id}/duty-schedules", operation_id = "createDutySchedule", tag = "Off-duty schedules", request_body = ScheduleInput,
    params(("id" = String, Path, description = "Operator id"), ("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 255, description = "Replays the first response for 24 h")),
    responses((status = 201, body = ScheduleView, headers(("Location" = String)))))]
pub async fn create(
    PathIds(id): PathIds<OperatorId>,
    SelfOrAdmin(call): SelfOrAdmin,
    body: CreateBody<ScheduleInput>,
) -> ApiResult<Response> {
    let rule = rule_of(&body.value)?;
    let idempotency = Idempotency::new(&call.caller, &format!("POST /operators/{id}/duty-schedules"), body.replay);
    if let Some(replay) = idempotency.replay(&call.state, call.scope()).await? {
        return Ok(replay);
    }
    let schedule_id = ScheduleId::new(new_id());
    let written = change_schedules(&call, &id, IfMatch(None), Some(&idempotency), "dutySchedule.created", |op| {
        if op.schedules.len() >= MAX_SCHEDULES_PER_OPERATOR {
            return Err(ApiError::field(
                "schedules",
                format!("an operator has at most {MAX_SCHEDULES_PER_OPERATOR} off-duty schedules"),
            ));
        }
        let record = rule.to_record(schedule_id.clone());
        let view = ScheduleView::from(&record);
        op.schedules.push(record);
        Ok(view)
    })
    .await?;
    let view = match written {
        Written::Schedule(view) => view,
        Written::Replayed(replay) => return Ok(replay),
    };
    let location = format!("/operators/{id}/duty-schedules/{}", view.schedule_id);
    let mut response = (StatusCode::CREATED, axum::Json(view)).into_response();
    if let Ok(value) = location.parse() {
        response.headers_mut().insert(axum::http::header::LOCATION, value);
    }
    Ok(response)
}

#[utoipa::path(put, path = "/operators/{id}/duty-schedules/{scheduleId}", operation_id = "replaceDutySchedule", tag = "Off-duty schedules", request_body = ScheduleInput,
    params(("id" = String, Path, description = "Operator id"), ("scheduleId" = String, Path, description = "Off-duty schedule id"), ("If-Match" = Option<String>, Header, nullable = false, description = "The operator's ETag")),
    responses((status = 200, body = ScheduleView)))]
pub async fn replace(
    PathIds((id, schedule_id)): PathIds<(OperatorId, ScheduleId)>,
    SelfOrAdmin(call): SelfOrAdmin,
    if_match: IfMatch,
    JsonBody(input): JsonBody<ScheduleInput>,
) -> ApiResult<axum::Json<ScheduleView>> {
    let rule = rule_of(&input)?;
    let written = change_schedules(&call, &id, if_match, None, "dutySchedule.updated", |op| {
        let slot = op.schedules.iter_mut().find(|s| s.schedule_id == schedule_id).ok_or(ApiError::NotFound)?;
        *slot = rule.to_record(schedule_id.clone());
        Ok(ScheduleView::from(&*slot))
    })
    .await?;
    Ok(axum::Json(schedule(written)?))
}

#[utoipa::path(delete, path = "/operators/{id}/duty-schedules/{scheduleId}", operation_id = "deleteDutySchedule", tag = "Off-duty schedules",
    params(("id" = String, Path, description = "Operator id"), ("scheduleId" = String, Path, description = "Off-duty schedule id"), ("If-Match" = Option<String>, Header, nullable = false, description = "The operator's ETag")),
    responses((status = 204, description = "Removed")))]
pub async fn remove(
    PathIds((id, schedule_id)): PathIds<(OperatorId, ScheduleId)>,
    SelfOrAdmin(call): SelfOrAdmin,
    if_match: IfMatch,
) -> ApiResult<StatusCode> {
    let written = change_schedules(&call, &id, if_match, None, "dutySchedule.deleted", |op| {
        let at = op.schedules.iter().position(|s| s.schedule_id == schedule_id).ok_or(ApiError::NotFound)?;
        Ok(ScheduleView::from(&op.schedules.remove(at)))
    })
    .await?;
    schedule(written)?;
    Ok(StatusCode::NO_CONTENT)
}
