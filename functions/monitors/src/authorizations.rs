//! Item permissions on one monitor: list, grant (cumulative), revoke (cumulative).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hub_api::audit::caller_context;
use hub_api::error::{ApiError, ApiResult, FieldError};
use hub_api::extract::{Admin, Call, PathIds, Query};
use hub_api::idempotency::{CreateBody, Idempotency};
use hub_api::lists::{Collection, PageParams, page_request};
use hub_api::retry::retrying;
use hub_api::values::{AuthorizationType, ResourceId, new_id};
use hub_store::{AuthorizationId, MonitorAuthorization, MonitorId, Principal};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::monitors::load;

hub_api::string_enum_schema!(
    LevelSchema,
    "AuthorizationType",
    AuthorizationType::ALL.map(|l| l.as_str()),
    "An authorization level on a monitor, lowest first; levels are cumulative."
);

/// `{authorizationId, authorizationType, operatorId, groupId}`: exactly one of the last two is
/// set, the other is null.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationView {
    pub authorization_id: String,
    #[schema(value_type = LevelSchema)]
    pub authorization_type: String,
    #[schema(required)]
    pub operator_id: Option<String>,
    #[schema(required)]
    pub group_id: Option<String>,
}

impl From<MonitorAuthorization> for AuthorizationView {
    fn from(a: MonitorAuthorization) -> Self {
        let (operator_id, group_id) = match a.principal {
            Principal::Operator(id) => (Some(id.into_string()), None),
            Principal::Group(id) => (None, Some(id.into_string())),
        };
        AuthorizationView {
            authorization_id: a.authorization_id.into_string(),
            authorization_type: a.authorization_type.to_string(),
            operator_id,
            group_id,
        }
    }
}

/// `GET /monitors/{id}/authorizations`: every level held by anyone, in the order of granting.
#[utoipa::path(get, path = "/monitors/{id}/authorizations", operation_id = "listMonitorAuthorizations", tag = "Monitor authorizations", params(("id" = String, Path, description = "Monitor id"), PageParams),
    responses((status = 200, description = "Every level held by anyone, in the order of granting", body = Collection<AuthorizationView>)))]
pub async fn list(
    call: Call,
    PathIds(id): PathIds<MonitorId>,
    Query(params): Query<PageParams>,
) -> ApiResult<axum::Json<Collection<AuthorizationView>>> {
    let page = page_request(params.limit, params.cursor.as_deref())?;
    let (_, page) = tokio::try_join!(load(&call, &id), async {
        call.store().monitor_authorizations(&id, page).await.map_err(ApiError::from)
    })?;
    Ok(axum::Json(Collection::from_page(page, AuthorizationView::from)))
}

/// Exactly one of `operatorId` and `groupId`; the principal must exist in the account.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GrantBody {
    authorization_type: Option<String>,
    operator_id: Option<String>,
    group_id: Option<String>,
}

hub_api::json_schema!(GrantBody, "GrantBody", [LevelSchema, hub_api::values::ResourceId], {
    let only = |set: &str, unset: &str| {
        serde_json::json!({
            "type": "object",
            "required": ["authorizationType", set],
            "properties": {
                "authorizationType": {"$ref": "#/components/schemas/AuthorizationType"},
                set: {"$ref": "#/components/schemas/ResourceId"},
                unset: {"type": "null"},
            },
            "additionalProperties": false,
        })
    };
    serde_json::json!({
        "description": "`authorizationType` (the level granted, with every lower one the principal does not hold yet) and exactly \
            one of `operatorId` and `groupId`, the other absent or null; the principal must exist in the account.",
        "oneOf": [only("operatorId", "groupId"), only("groupId", "operatorId")],
    })
});

fn parse_grant(body: GrantBody) -> ApiResult<(AuthorizationType, Principal)> {
    let mut errors = Vec::new();
    let level = match body.authorization_type.as_deref() {
        None => {
            errors.push(FieldError::new("authorizationType", "is required"));
            None
        }
        Some(t) => AuthorizationType::parse(t).map_err(|m| errors.push(FieldError::new("authorizationType", m))).ok(),
    };
    let id = |field: &str, value: &str, errors: &mut Vec<FieldError>| {
        ResourceId::parse(value).map(ResourceId::into_string).map_err(|m| errors.push(FieldError::new(field, m))).ok()
    };
    let principal = match (body.operator_id.as_deref(), body.group_id.as_deref()) {
        (Some(op), None) => id("operatorId", op, &mut errors).map(|id| Principal::Operator(id.into())),
        (None, Some(group)) => id("groupId", group, &mut errors).map(|id| Principal::Group(id.into())),
        _ => {
            errors.push(FieldError::new("", "exactly one of operatorId and groupId is required"));
            None
        }
    };
    match (level, principal) {
        (Some(level), Some(principal)) if errors.is_empty() => Ok((level, principal)),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// Sorted lowest level first.
fn views(mut authorizations: Vec<MonitorAuthorization>) -> Collection<AuthorizationView> {
    authorizations.sort_by_key(|a| a.authorization_type);
    Collection::all(authorizations.into_iter().map(AuthorizationView::from).collect())
}

/// The event of a grant or a revoke on a monitor: one change per authorization level added or
/// removed (`{authorizationId, authorizationType, principalType, principalId}`).
fn authorization_event(
    call: &Call,
    monitor: &hub_store::records::MonitorRecord,
    changed: &[MonitorAuthorization],
    granted: bool,
) -> hub_store::Audit {
    let changes = changed
        .iter()
        .map(|a| {
            let (principal_type, principal_id) = match &a.principal {
                Principal::Operator(id) => ("Operator", id.as_str()),
                Principal::Group(id) => ("Group", id.as_str()),
            };
            let value = serde_json::json!({"authorizationId": a.authorization_id, "authorizationType": a.authorization_type, "principalType": principal_type, "principalId": principal_id});
            if granted {
                hub_api::audit::change("authorization", Value::Null, value)
            } else {
                hub_api::audit::change("authorization", value, Value::Null)
            }
        })
        .collect();
    let action = if granted { "monitor.authorizationGranted" } else { "monitor.authorizationRevoked" };
    hub_api::resource_events::event(&caller_context(call), action, monitor, changes)
}

/// `POST /monitors/{id}/authorizations`: grants the level and every lower one the principal does
/// not hold yet; 201 with the principal's authorizations on this monitor afterwards.
#[utoipa::path(post, path = "/monitors/{id}/authorizations", operation_id = "grantMonitorAuthorization", tag = "Monitor authorizations", request_body = GrantBody,
    params(("id" = String, Path, description = "Monitor id"), ("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 255, description = "Replays the first response for 24 h")),
    responses((status = 201, description = "The principal's authorizations on this monitor after the grant, lowest level first (also when nothing changed)",
        body = Collection<AuthorizationView>)))]
pub async fn grant(
    PathIds(id): PathIds<MonitorId>,
    Admin(call): Admin,
    body: CreateBody<GrantBody>,
) -> ApiResult<Response> {
    let (level, principal) = parse_grant(body.value)?;
    let idempotency = Idempotency::new(&call.caller, &format!("POST /monitors/{id}/authorizations"), body.replay);
    if let Some(replay) = idempotency.replay(&call.state, call.scope()).await? {
        return Ok(replay);
    }
    retrying(|| async {
        let (monitor, held) = tokio::try_join!(load(&call, &id), async {
            call.store().authorizations_on_monitor(&id, &principal).await.map_err(ApiError::from)
        })?;
        let wanted = level.and_lower();
        let keep: Vec<_> = held.iter().filter(|a| wanted.contains(&a.authorization_type)).cloned().collect();
        let mut add = Vec::new();
        for want in &wanted {
            if !keep.iter().any(|a| a.authorization_type == *want) {
                add.push(MonitorAuthorization {
                    authorization_id: AuthorizationId::new(new_id()),
                    monitor_id: id.clone(),
                    authorization_type: *want,
                    principal: principal.clone(),
                });
            }
        }
        let after = views(held.iter().chain(&add).cloned().collect());
        let event = authorization_event(&call, &monitor, &add, true);
        let (store, id, principal, keep, add, event) = (call.store(), &id, &principal, &keep, &add, &event);
        let write = move |idem: Option<_>| async move {
            store.grant_monitor_authorizations(id, principal, keep, add, idem.as_ref(), event).await
        };
        if let Some(replay) = idempotency.write(&call.state, call.scope(), &after, None, write).await? {
            return Ok(replay);
        }
        Ok((StatusCode::CREATED, axum::Json(after)).into_response())
    })
    .await
}

/// `DELETE /monitors/{id}/authorizations/{authorizationId}`: revokes that level and every higher
/// level the same principal holds on the monitor (levels stay cumulative); 204.
#[utoipa::path(delete, path = "/monitors/{id}/authorizations/{authorizationId}", operation_id = "revokeMonitorAuthorization", tag = "Monitor authorizations",
    params(("id" = String, Path, description = "Monitor id"), ("authorizationId" = String, Path, description = "Authorization id")),
    responses((status = 204, description = "Revoked, with every higher level the same principal held on the monitor")))]
pub async fn revoke(
    PathIds((id, authorization_id)): PathIds<(MonitorId, AuthorizationId)>,
    Admin(call): Admin,
) -> ApiResult<StatusCode> {
    retrying(|| async {
        let (monitor, target) = tokio::try_join!(load(&call, &id), async {
            call.store().monitor_authorization(&id, &authorization_id).await.map_err(ApiError::from)
        })?;
        let target = target.ok_or(ApiError::NotFound)?;
        let level = target.authorization_type;
        let held = call.store().authorizations_on_monitor(&id, &target.principal).await?;
        let remove: Vec<_> = held.into_iter().filter(|a| a.authorization_type >= level).collect();
        if !remove.iter().any(|a| a.authorization_id == target.authorization_id) {
            // Revoked (and perhaps granted again) between the two reads.
            return Err(ApiError::Retry);
        }
        let absent: Vec<&str> = AuthorizationType::ALL
            .iter()
            .filter(|l| **l >= level && !remove.iter().any(|a| a.authorization_type == **l))
            .map(|l| l.as_str())
            .collect();
        let event = authorization_event(&call, &monitor, &remove, false);
        call.store().revoke_monitor_authorizations(&id, &target.principal, &remove, &absent, &event).await?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(v: serde_json::Value) -> GrantBody {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn grant_bodies_name_exactly_one_principal() {
        let (level, principal) =
            parse_grant(body(serde_json::json!({"authorizationType": "ViewMonitor", "groupId": "g1"}))).unwrap();
        assert_eq!((level, principal), (AuthorizationType::ViewMonitor, Principal::Group("g1".into())));
        for bad in [
            serde_json::json!({"authorizationType": "ViewMonitor"}),
            serde_json::json!({"authorizationType": "ViewMonitor", "groupId": "g", "operatorId": "o"}),
            serde_json::json!({"authorizationType": "Admin", "groupId": "g"}),
            serde_json::json!({"groupId": "g"}),
            serde_json::json!({"authorizationType": "ViewMonitor", "operatorId": "a/b"}),
        ] {
            assert!(matches!(parse_grant(body(bad)), Err(ApiError::Validation(_))));
        }
    }
}
