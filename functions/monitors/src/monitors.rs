//! Monitors themselves: list, register, read, edit, delete.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hub_api::audit::caller_context;
use hub_api::error::{ApiError, ApiResult, FieldError};
use hub_api::extract::{Admin, Call, IfMatch, JsonBody, PathIds, Query, double_option, no_errors, patch_field};
use hub_api::idempotency::{self, CreateBody};
use hub_api::lists::{Collection, page_request};
use hub_api::resource_events;
use hub_api::retry::retrying;
use hub_api::rules::is_production_monitor;
use hub_api::values::{MonitorMode, MonitorName, new_id};
use hub_api::views::Versioned;
use hub_store::MonitorId;
use hub_store::records::MonitorRecord;
use serde::{Deserialize, Serialize};

hub_api::string_enum_schema!(
    ModeSchema,
    "MonitorMode",
    MonitorMode::ALL.map(|m| m.as_str()),
    "A monitor's mode; `Production` when a create leaves it out."
);

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MonitorView {
    pub monitor_id: String,
    pub name: String,
    #[schema(value_type = ModeSchema)]
    pub mode: String,
    pub is_active: bool,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<MonitorRecord> for MonitorView {
    fn from(m: MonitorRecord) -> Self {
        MonitorView {
            monitor_id: m.monitor_id.into_string(),
            name: m.name.into_string(),
            mode: m.mode.to_string(),
            is_active: m.is_active,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

/// The rule between the two: a Development monitor never runs, so it cannot be active.
fn check_mode_and_activity(mode: MonitorMode, is_active: bool) -> ApiResult<()> {
    if mode == MonitorMode::Development && is_active {
        return Err(ApiError::field("isActive", "cannot be true for a monitor in Development mode"));
    }
    Ok(())
}

/// The monitor named in the path, or 404.
pub(crate) async fn load(call: &Call, id: &MonitorId) -> ApiResult<MonitorRecord> {
    call.store().monitor(id).await?.ok_or(ApiError::NotFound)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only the monitors in this mode.
    #[param(value_type = Option<ModeSchema>)]
    mode: Option<MonitorMode>,
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    cursor: Option<String>,
}

/// `GET /monitors?mode=&limit=&cursor=`: ordered by name, case-insensitively.
#[utoipa::path(get, path = "/monitors", operation_id = "listMonitors", tag = "Monitors", params(ListParams),
    responses((status = 200, description = "Monitors ordered by name, case-insensitively", body = Collection<MonitorView>)))]
pub async fn list(call: Call, Query(params): Query<ListParams>) -> ApiResult<axum::Json<Collection<MonitorView>>> {
    let page = page_request(params.limit, params.cursor.as_deref())?;
    let page = call.store().list_monitors(params.mode, page).await?;
    Ok(axum::Json(Collection::from_page(page, MonitorView::from)))
}

/// The fields a create and a PATCH send (none can be null); each body has its own schema.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MonitorFields {
    #[serde(default, deserialize_with = "double_option")]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    mode: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    is_active: Option<Option<bool>>,
}

#[derive(Deserialize)]
#[serde(transparent)]
pub struct CreateMonitor(MonitorFields);

/// The two shapes of a monitor's fields: in `Development` it cannot be active; in the other modes
/// (`Production` when `mode` is left out) `isActive` is free. `required` lists what a create needs.
fn monitor_fields(description: &str, required: &[&str], development_needs_inactive: bool) -> serde_json::Value {
    let others: Vec<&str> =
        MonitorMode::ALL.iter().filter(|m| **m != MonitorMode::Development).map(|m| m.as_str()).collect();
    let shape = |mode: serde_json::Value, is_active: serde_json::Value, mode_required: bool| {
        let mut required: Vec<&str> = required.to_vec();
        if mode_required {
            required.push("mode");
            // A PATCH moving an active monitor to `Development` needs `isActive: false` with it.
            if development_needs_inactive {
                required.push("isActive");
            }
        }
        let mut shape = serde_json::json!({
            "type": "object",
            "properties": {
                "name": {"$ref": "#/components/schemas/ShortText", "description": "Need not be unique."},
                "mode": mode,
                "isActive": is_active,
            },
            "additionalProperties": false,
        });
        if !required.is_empty() {
            shape["required"] = serde_json::json!(required);
        }
        shape
    };
    serde_json::json!({
        "description": description,
        "oneOf": [
            shape(serde_json::json!({"type": "string", "enum": [MonitorMode::Development.as_str()]}), serde_json::json!({"type": "boolean", "enum": [false]}), true),
            shape(serde_json::json!({"type": "string", "enum": others}), serde_json::json!({"type": "boolean"}), false),
        ],
    })
}

hub_api::json_schema!(
    CreateMonitor,
    "CreateMonitor",
    [hub_api::values::ShortText],
    monitor_fields(
        "`name` (1-100 characters); `mode` (default `Production`); `isActive` (default `true`, except in `Development`, \
     where it defaults to `false` and cannot be `true`). No field can be null.",
        &["name"],
        false,
    )
);

#[utoipa::path(post, path = "/monitors", operation_id = "createMonitor", tag = "Monitors", request_body = CreateMonitor,
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 255, description = "Replays the first response for 24 h")),
    responses((status = 201, description = "Registered", body = MonitorView, headers(("Location" = String), ("ETag" = String)))))]
pub async fn create(Admin(call): Admin, body: CreateBody<CreateMonitor>) -> ApiResult<Response> {
    let CreateMonitor(input) = body.value;
    let mut errors = Vec::new();
    let name = match input.name {
        Some(Some(name)) => MonitorName::parse(&name).map_err(|m| errors.push(FieldError::new("name", m))).ok(),
        _ => {
            errors.push(FieldError::new("name", "is required"));
            None
        }
    };
    // A mode left out is the default one.
    let mode =
        patch_field(&mut errors, "mode", &input.mode, "must not be null", MonitorMode::parse).unwrap_or_default();
    let is_active = patch_field(&mut errors, "isActive", &input.is_active, "must be true or false", |a: &bool| Ok(*a));
    let (Some(name), true) = (name, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    // Active by default, except in Development, where a monitor never runs.
    let is_active = is_active.unwrap_or(mode != MonitorMode::Development);
    check_mode_and_activity(mode, is_active)?;

    let now = call.state.clock.now_rfc3339();
    let record = MonitorRecord {
        monitor_id: MonitorId::new(new_id()),
        name,
        mode,
        is_active,
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    };
    let location = format!("/monitors/{}", record.monitor_id);
    let view = MonitorView::from(record.clone());
    let event = resource_events::created(&caller_context(&call), "monitor.created", &record);
    let (store, created) = (call.store(), Versioned::created(record.version, view, location));
    idempotency::create(&call, "POST /monitors", body.replay, created, |idem| async move {
        store.create_monitor(&record, is_production_monitor, idem.as_ref(), &event).await
    })
    .await
}

#[utoipa::path(get, path = "/monitors/{id}", operation_id = "getMonitor", tag = "Monitors", params(("id" = String, Path, description = "Monitor id")),
    responses((status = 200, body = MonitorView, headers(("ETag" = String)))))]
pub async fn fetch(call: Call, PathIds(id): PathIds<MonitorId>) -> ApiResult<Response> {
    let view = MonitorView::from(load(&call, &id).await?);
    Ok(Versioned::ok(view.version, view).into_response())
}

#[derive(Deserialize)]
#[serde(transparent)]
pub struct UpdateMonitor(MonitorFields);

hub_api::json_schema!(
    UpdateMonitor,
    "UpdateMonitor",
    [hub_api::values::ShortText],
    monitor_fields(
        "`mode: Development` comes with `\"isActive\": false` (moving an active monitor there needs it), and a `Development` \
     monitor cannot be made active. No field can be null.",
        &[],
        true,
    )
);

/// The validated fields of a PATCH; `None` keeps the current value.
struct MonitorChanges {
    name: Option<MonitorName>,
    mode: Option<MonitorMode>,
    is_active: Option<bool>,
}

fn parse_changes(UpdateMonitor(patch): UpdateMonitor) -> ApiResult<MonitorChanges> {
    let mut errors = Vec::new();
    let name = patch_field(&mut errors, "name", &patch.name, "is required and cannot be null", MonitorName::parse);
    let mode = patch_field(&mut errors, "mode", &patch.mode, "must not be null", MonitorMode::parse);
    let is_active = patch_field(&mut errors, "isActive", &patch.is_active, "must be true or false", |a: &bool| Ok(*a));
    no_errors(errors)?;
    Ok(MonitorChanges { name, mode, is_active })
}

/// `current` with `changes` applied, validated as a whole.
fn apply(current: &MonitorRecord, changes: &MonitorChanges) -> ApiResult<MonitorRecord> {
    let mut next = current.clone();
    if let Some(name) = &changes.name {
        next.name = name.clone();
    }
    if let Some(mode) = changes.mode {
        next.mode = mode;
    }
    if let Some(active) = changes.is_active {
        next.is_active = active;
    }
    check_mode_and_activity(next.mode, next.is_active)?;
    Ok(next)
}

#[utoipa::path(patch, path = "/monitors/{id}", operation_id = "updateMonitor", tag = "Monitors", request_body = UpdateMonitor,
    params(("id" = String, Path, description = "Monitor id"), ("If-Match" = Option<String>, Header, nullable = false, description = "The ETag read; a stale one is 412")),
    responses((status = 200, body = MonitorView, headers(("ETag" = String)))))]
pub async fn update(
    PathIds(id): PathIds<MonitorId>,
    Admin(call): Admin,
    if_match: IfMatch,
    JsonBody(patch): JsonBody<UpdateMonitor>,
) -> ApiResult<Response> {
    let changes = parse_changes(patch)?;
    let updated = retrying(|| async {
        let current = load(&call, &id).await?;
        if_match.check(current.version)?;
        let mut next = apply(&current, &changes)?;
        if next == current {
            return Ok(current);
        }
        next.version = current.version + 1;
        next.updated_at = call.state.clock.now_rfc3339();
        let event = resource_events::updated(&caller_context(&call), "monitor.updated", &current, &next);
        call.store().update_monitor(&current, &next, is_production_monitor, &event).await?;
        Ok(next)
    })
    .await?;
    let view = MonitorView::from(updated);
    Ok(Versioned::ok(view.version, view).into_response())
}

/// Removes the monitor, its counts and its authorizations. A delete that died after its first
/// step is finished by its retry (204 again).
#[utoipa::path(delete, path = "/monitors/{id}", operation_id = "deleteMonitor", tag = "Monitors",
    params(("id" = String, Path, description = "Monitor id"), ("If-Match" = Option<String>, Header, nullable = false, description = "The ETag read; a stale one is 412")),
    responses((status = 204, description = "Deleted with its authorizations")))]
pub async fn remove(PathIds(id): PathIds<MonitorId>, Admin(call): Admin, if_match: IfMatch) -> ApiResult<StatusCode> {
    retrying(|| async {
        let Some(monitor) = call.store().monitor(&id).await? else {
            return if call.store().finish_monitor_delete_if_pending(&id).await? {
                Ok(())
            } else {
                Err(ApiError::NotFound)
            };
        };
        if_match.check(monitor.version)?;
        let event = resource_events::deleted(&caller_context(&call), "monitor.deleted", &monitor);
        call.store().delete_monitor(&monitor, is_production_monitor, &event).await?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monitor(mode: MonitorMode, active: bool) -> MonitorRecord {
        MonitorRecord {
            monitor_id: "m".into(),
            name: MonitorName::parse("Home").unwrap(),
            mode,
            is_active: active,
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
            version: 1,
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(MonitorName::parse("  Home page ").unwrap().as_str(), "Home page");
        assert!(MonitorName::parse("").is_err());
        assert!(MonitorName::parse("   ").is_err());
        assert!(MonitorName::parse(&"x".repeat(100)).is_ok());
        assert!(MonitorName::parse(&"x".repeat(101)).is_err());
        assert!(MonitorName::parse("a\u{0}b").is_err());
    }

    #[test]
    fn development_monitors_cannot_be_active() {
        let to_dev = MonitorChanges { name: None, mode: Some(MonitorMode::Development), is_active: None };
        assert!(matches!(apply(&monitor(MonitorMode::Production, true), &to_dev), Err(ApiError::Validation(_))));
        let to_dev_inactive = MonitorChanges { is_active: Some(false), ..to_dev };
        let next = apply(&monitor(MonitorMode::Production, true), &to_dev_inactive).unwrap();
        assert_eq!((next.mode, next.is_active), (MonitorMode::Development, false));
        let activate = MonitorChanges { name: None, mode: None, is_active: Some(true) };
        assert!(apply(&monitor(MonitorMode::Development, false), &activate).is_err());
        assert!(apply(&monitor(MonitorMode::Staging, false), &activate).unwrap().is_active);
    }
}
