use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hub_api::audit::{Acting, caller_context};
use hub_api::error::{ApiError, ApiResult, FieldError};
use hub_api::extract::{
    Admin, Call, IfMatch, JsonBody, PathIds, Query, SelfOrAdmin, double_option, no_errors, patch_field, patch_nullable,
};
use hub_api::idempotency::{self, CreateBody};
use hub_api::lists::{Collection, PageParams, page_request};
use hub_api::rules::load_account;
use hub_api::values::{
    CultureName, CultureNameSchema, Email, EmailSchema, FullName, FullNameSchema, MobilePhone, MobilePhoneSchema,
    TimeZoneName, TimeZoneNameSchema, new_id,
};
use hub_api::views::{GroupView, OperatorView, Versioned};
use hub_store::records::OperatorRecord;
use hub_store::{OperatorFilter, OperatorId};
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Case-insensitive part of the name or the email.
    #[param(max_length = 100)]
    q: Option<String>,
    /// Active: switch on and not disabled (`false`: the others).
    is_on_duty: Option<bool>,
    is_disabled: Option<bool>,
    limit: Option<i64>,
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/operators", operation_id = "listOperators", tag = "Operators", params(ListParams),
    responses((status = 200, description = "Operators ordered by fullName", body = Collection<OperatorView>)))]
pub async fn list(call: Call, Query(params): Query<ListParams>) -> ApiResult<Response> {
    let page = page_request(params.limit, params.cursor.as_deref())?;
    if params.q.as_deref().is_some_and(|q| q.chars().count() > 100) {
        return Err(ApiError::field("q", "must be at most 100 characters"));
    }
    let filter = OperatorFilter { q: params.q, is_on_duty: params.is_on_duty, is_disabled: params.is_disabled };
    let (account, page) = tokio::try_join!(async { load_account(&call.state, call.scope()).await }, async {
        call.store().list_operators(&filter, page).await.map_err(ApiError::from)
    })?;
    let tz = account.time_zone.time_zone();
    let now = call.state.clock.now();
    Ok(axum::Json(Collection::from_page(page, |op| OperatorView::new(op, now, &tz))).into_response())
}

/// Optional text fields shared by create and update.
fn optional<T>(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<&str>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Option<T> {
    value.and_then(|v| parse(v).map_err(|m| errors.push(FieldError::new(field, m))).ok())
}

fn dashboard(value: &str) -> Result<String, String> {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 100 || trimmed.chars().any(char::is_control) {
        return Err("must be 1-100 characters".into());
    }
    Ok(trimmed.to_owned())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateOperator {
    /// Required; unique in the account, case-insensitively.
    #[schema(value_type = EmailSchema, required)]
    email: Option<String>,
    /// Required, 1-100 characters.
    #[schema(value_type = FullNameSchema, required)]
    full_name: Option<String>,
    #[schema(value_type = Option<MobilePhoneSchema>)]
    mobile_phone: Option<String>,
    #[schema(value_type = Option<EmailSchema>)]
    backup_email: Option<String>,
    #[schema(value_type = Option<CultureNameSchema>)]
    culture_name: Option<String>,
    #[schema(value_type = Option<TimeZoneNameSchema>)]
    time_zone: Option<String>,
    #[schema(value_type = Option<hub_api::values::ShortText>)]
    default_dashboard: Option<String>,
    is_on_duty: Option<bool>,
}

#[utoipa::path(post, path = "/operators", operation_id = "createOperator", tag = "Operators", request_body = CreateOperator,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 255, description = "Replays the first response for 24 h")),
    responses((status = 201, description = "Created; joined Everyone, holds AccountAccess", body = OperatorView,
        headers(("Location" = String), ("ETag" = String)))))]
pub async fn create(Admin(call): Admin, body: CreateBody<CreateOperator>) -> ApiResult<Response> {
    let input = body.value;
    let mut errors = Vec::new();
    let email = match input.email.as_deref() {
        Some(e) => optional(&mut errors, "email", Some(e), Email::parse),
        None => {
            errors.push(FieldError::new("email", "is required"));
            None
        }
    };
    let full_name = match input.full_name.as_deref() {
        Some(n) => optional(&mut errors, "fullName", Some(n), FullName::parse),
        None => {
            errors.push(FieldError::new("fullName", "is required"));
            None
        }
    };
    let mobile_phone = optional(&mut errors, "mobilePhone", input.mobile_phone.as_deref(), MobilePhone::parse);
    let backup_email = optional(&mut errors, "backupEmail", input.backup_email.as_deref(), Email::parse);
    let culture_name = optional(&mut errors, "cultureName", input.culture_name.as_deref(), CultureName::parse);
    let time_zone = optional(&mut errors, "timeZone", input.time_zone.as_deref(), TimeZoneName::parse);
    let default_dashboard = optional(&mut errors, "defaultDashboard", input.default_dashboard.as_deref(), dashboard);
    let (Some(email), Some(full_name), true) = (email, full_name, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };

    let now = call.state.clock.now_rfc3339();
    let new = hub_api::rules::new_operator(new_id().into(), email.as_str(), full_name, &now);
    let record = OperatorRecord {
        mobile_phone,
        backup_email,
        culture_name,
        time_zone,
        default_dashboard,
        is_on_duty: input.is_on_duty.unwrap_or(new.is_on_duty),
        ..new
    };
    let location = format!("/operators/{}", record.operator_id);
    let view = OperatorView::new(record.clone(), call.state.clock.now(), &jiff::tz::TimeZone::UTC);
    let audit = hub_api::resource_events::created(&caller_context(&call), "operator.created", &record);
    let (store, created) = (call.store(), Versioned::created(record.version, view, location));
    idempotency::create(&call, "POST /operators", body.replay, created, |idem| async move {
        store.create_operator(&record, &hub_api::rules::NEW_OPERATOR_PERMISSIONS, idem.as_ref(), &audit).await
    })
    .await
}

/// The operator named in the path, or 404.
pub(crate) async fn load(call: &Call, id: &OperatorId) -> ApiResult<OperatorRecord> {
    call.store().operator(id).await?.ok_or(ApiError::NotFound)
}

#[utoipa::path(get, path = "/operators/{id}", operation_id = "getOperator", tag = "Operators", params(("id" = String, Path, description = "Operator id")),
    responses((status = 200, body = OperatorView, headers(("ETag" = String)))))]
pub async fn fetch(call: Call, PathIds(id): PathIds<OperatorId>) -> ApiResult<Response> {
    let (op, account) = tokio::try_join!(load(&call, &id), load_account(&call.state, call.scope()))?;
    let view = OperatorView::new(op, call.state.clock.now(), &account.time_zone.time_zone());
    Ok(Versioned::ok(view.version, view).into_response())
}

/// Personal settings are self-service; `email` and `isOnDuty` are for administrators.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateOperator {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = EmailSchema, required = false)]
    email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = FullNameSchema, required = false)]
    full_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<MobilePhoneSchema>)]
    mobile_phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<EmailSchema>)]
    backup_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<CultureNameSchema>)]
    culture_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<TimeZoneNameSchema>)]
    time_zone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<hub_api::values::ShortText>)]
    default_dashboard: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = bool, required = false)]
    is_on_duty: Option<Option<bool>>,
    /// Suspends (true) or restores (false) the operator; administrators only.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = bool, required = false)]
    is_disabled: Option<Option<bool>>,
    /// Read-only; present only to answer with a clear message.
    #[schema(ignore)]
    is_administrator: Option<serde_json::Value>,
    #[schema(ignore)]
    is_account_administrator: Option<serde_json::Value>,
}

fn apply_patch(op: &OperatorRecord, patch: &UpdateOperator) -> Result<OperatorRecord, ApiError> {
    let mut errors = Vec::new();
    if patch.is_administrator.is_some() {
        errors.push(FieldError::new("isAdministrator", "is read-only: membership of Administrators decides it"));
    }
    if patch.is_account_administrator.is_some() {
        errors.push(FieldError::new("isAccountAdministrator", "is read-only"));
    }
    let mut next = op.clone();
    if let Some(email) = patch_field(&mut errors, "email", &patch.email, "is required and cannot be null", Email::parse)
    {
        next.email = email.as_str().to_owned();
    }
    if let Some(name) =
        patch_field(&mut errors, "fullName", &patch.full_name, "is required and cannot be null", FullName::parse)
    {
        next.full_name = name;
    }
    next.mobile_phone =
        patch_nullable(&mut errors, "mobilePhone", &op.mobile_phone, &patch.mobile_phone, MobilePhone::parse, |p| p);
    next.backup_email =
        patch_nullable(&mut errors, "backupEmail", &op.backup_email, &patch.backup_email, Email::parse, |e| e);
    next.culture_name =
        patch_nullable(&mut errors, "cultureName", &op.culture_name, &patch.culture_name, CultureName::parse, |c| c);
    next.time_zone =
        patch_nullable(&mut errors, "timeZone", &op.time_zone, &patch.time_zone, TimeZoneName::parse, |t| t);
    next.default_dashboard = patch_nullable(
        &mut errors,
        "defaultDashboard",
        &op.default_dashboard,
        &patch.default_dashboard,
        dashboard,
        |d| d,
    );
    let flag = |b: &bool| Ok(*b);
    if let Some(on) = patch_field(&mut errors, "isOnDuty", &patch.is_on_duty, "must be true or false", flag) {
        next.is_on_duty = on;
    }
    if let Some(disabled) = patch_field(&mut errors, "isDisabled", &patch.is_disabled, "must be true or false", flag) {
        next.is_disabled = disabled;
    }
    no_errors(errors)?;
    Ok(next)
}

#[utoipa::path(patch, path = "/operators/{id}", operation_id = "updateOperator", tag = "Operators", request_body = UpdateOperator,
    params(("id" = String, Path, description = "Operator id"), ("If-Match" = Option<String>, Header, nullable = false, description = "The ETag read; a stale one is 412")),
    responses((status = 200, body = OperatorView, headers(("ETag" = String)))))]
pub async fn update(
    PathIds(id): PathIds<OperatorId>,
    SelfOrAdmin(call): SelfOrAdmin,
    if_match: IfMatch,
    JsonBody(patch): JsonBody<UpdateOperator>,
) -> ApiResult<Response> {
    // Personal settings are self-service; the email (the login), the Active switch and
    // disabling are not.
    if patch.email.is_some() || patch.is_on_duty.is_some() || patch.is_disabled.is_some() {
        call.caller.require_admin()?;
    }
    let (updated, account) =
        hub_api::operators::update(&Acting::caller(&call), &id, if_match, |current| apply_patch(current, &patch))
            .await?;
    let view = OperatorView::new(updated, call.state.clock.now(), &account.time_zone.time_zone());
    Ok(Versioned::ok(view.version, view).into_response())
}

#[utoipa::path(delete, path = "/operators/{id}", operation_id = "deleteOperator", tag = "Operators",
    params(("id" = String, Path, description = "Operator id"), ("If-Match" = Option<String>, Header, nullable = false, description = "The ETag read; a stale one is 412")),
    responses((status = 204, description = "Deleted with its memberships, grants, schedules, API users and monitor authorizations")))]
pub async fn remove(PathIds(id): PathIds<OperatorId>, Admin(call): Admin, if_match: IfMatch) -> ApiResult<StatusCode> {
    hub_api::operators::delete(&Acting::caller(&call), &id, if_match).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/operators/{id}/groups", operation_id = "listOperatorGroups", tag = "Operators", params(("id" = String, Path, description = "Operator id"), PageParams),
    responses((status = 200, description = "The groups the operator belongs to", body = Collection<GroupView>)))]
pub async fn groups(
    call: Call,
    PathIds(id): PathIds<OperatorId>,
    Query(params): Query<PageParams>,
) -> ApiResult<axum::Json<Collection<GroupView>>> {
    let page = page_request(params.limit, params.cursor.as_deref())?;
    load(&call, &id).await?;
    let ids = call.store().group_ids_of(&id, page).await?;
    let groups = call.store().groups_by_ids(&ids.items).await?;
    Ok(axum::Json(Collection {
        items: groups.into_iter().map(GroupView::from).collect(),
        next_cursor: ids.next_cursor,
    }))
}
