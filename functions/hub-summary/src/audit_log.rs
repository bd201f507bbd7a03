//! `GET /audit-log`: the account's audit events for administrators, newest first, as pages of
//! JSON or, with `Accept: text/csv`, every matching event as one CSV streamed page by page.
//!
//! Every filter combination is one key of the log (`hub_store`'s `audit.rs`), so a page is at
//! most five Queries of `limit + 1` items whatever the size of the log.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use hub_api::audit::{ACTIONS, TARGET_TYPES, event_time};
use hub_api::error::{ApiError, ApiResult};
use hub_api::extract::{Admin, Query};
use hub_api::lists::{Collection, page_request};
use hub_api::AppState;
use hub_store::{AccountScope, AuditEvent, AuditFilter, AuditSource, Store};
use serde::{Deserialize, Serialize};

hub_api::string_enum_schema!(AuditActionSchema, "AuditAction", ACTIONS, "What an audit event records: `<targetType>.<verb>`.");
hub_api::string_enum_schema!(AuditTargetTypeSchema, "AuditTargetType", TARGET_TYPES, "The kind of resource an audit event is about.");
hub_api::string_enum_schema!(AuditSourceSchema, "AuditSource", AuditSource::ALL.map(|s| s.as_str()), "Where a change came from: `Web` (Bearer), `Api` (Basic), `Scim`, `Maintenance`, `Provisioning` (`hubctl`).");

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// The actor's id (an operator, also for its API users' changes; a SCIM token; `system`).
    #[param(pattern = r"^[^#\u0000-\u001F\u007F-\u009F]{0,200}$")]
    actor_id: Option<String>,
    #[param(value_type = Option<AuditTargetTypeSchema>)]
    target_type: Option<String>,
    #[param(pattern = r"^[^#\u0000-\u001F\u007F-\u009F]{0,200}$")]
    target_id: Option<String>,
    #[param(value_type = Option<AuditActionSchema>)]
    action: Option<String>,
    #[param(value_type = Option<AuditSourceSchema>)]
    source: Option<String>,
    /// RFC 3339; events at or after it.
    #[param(schema_with = bound_schema)]
    from: Option<String>,
    /// RFC 3339; events at or before it.
    #[param(schema_with = bound_schema)]
    to: Option<String>,
    /// 1-100, default 25 (ignored by the CSV export, which answers every matching event).
    limit: Option<i64>,
    cursor: Option<String>,
}

/// Who made a change.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AuditActor)]
pub struct ActorView {
    /// `Operator`, `ScimToken` or `System`.
    #[serde(rename = "type")]
    kind: String,
    id: String,
    #[schema(required)]
    name: Option<String>,
    /// With source `Api`: the API user that made the request (the actor is its owner).
    #[schema(required)]
    api_user_id: Option<String>,
}

/// What a change was made to, named as it was then.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AuditTarget)]
pub struct TargetView {
    #[serde(rename = "type")]
    #[schema(value_type = AuditTargetTypeSchema)]
    kind: String,
    id: String,
    #[schema(required)]
    name: Option<String>,
}

/// One changed field: creates list initial values (`old` null), deletes the last ones (`new`
/// null).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AuditChange)]
pub struct ChangeView {
    field: String,
    #[schema(schema_with = any_value, required)]
    old: serde_json::Value,
    #[schema(schema_with = any_value, required)]
    new: serde_json::Value,
}

/// A changed field's value: a string, number, boolean, object, array or null.
fn any_value() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::AnyValue)
        .description(Some("The field's value (any JSON value; null when absent)"))
        .build()
}

/// One audit event.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AuditEvent)]
pub struct EventView {
    event_id: String,
    /// RFC 3339 UTC with milliseconds.
    at: String,
    request_id: String,
    #[schema(value_type = AuditSourceSchema)]
    source: String,
    actor: ActorView,
    #[schema(value_type = AuditActionSchema)]
    action: String,
    target: TargetView,
    changes: Vec<ChangeView>,
}

impl From<AuditEvent> for EventView {
    fn from(e: AuditEvent) -> Self {
        EventView {
            event_id: e.event_id,
            at: e.at,
            request_id: e.request_id,
            source: e.source.as_str().to_owned(),
            actor: ActorView { kind: e.actor.kind, id: e.actor.id, name: e.actor.name, api_user_id: e.actor.api_user_id },
            action: e.action,
            target: TargetView { kind: e.target.kind, id: e.target.id, name: e.target.name },
            changes: e.changes.into_iter().map(|c| ChangeView { field: c.field, old: c.old, new: c.new }).collect(),
        }
    }
}

/// `from` and `to`: empty (no bound) or an RFC 3339 date-time.
fn bound_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(format!("^$|{}", hub_api::schedule::RFC3339_PATTERN)))
        .build()
}

fn bound(field: &str, value: Option<&str>) -> Result<Option<String>, ApiError> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| v.parse::<jiff::Timestamp>().map(event_time).map_err(|_| ApiError::field(field, "must be an RFC 3339 date-time")))
        .transpose()
}

fn text(field: &str, value: Option<String>, allowed: Option<&[&str]>) -> Result<Option<String>, ApiError> {
    let Some(v) = value.filter(|v| !v.is_empty()) else { return Ok(None) };
    if v.chars().count() > 200 || v.chars().any(char::is_control) || v.contains('#') {
        return Err(ApiError::field(field, "is not a valid value"));
    }
    if let Some(allowed) = allowed
        && !allowed.contains(&v.as_str())
    {
        return Err(ApiError::field(field, "is not one of the documented values"));
    }
    Ok(Some(v))
}

fn filter(params: &mut AuditParams) -> Result<AuditFilter, ApiError> {
    let source = match params.source.take().filter(|s| !s.is_empty()) {
        Some(s) => Some(AuditSource::parse(&s).ok_or_else(|| ApiError::field("source", "is not one of the documented values"))?),
        None => None,
    };
    Ok(AuditFilter {
        actor_id: text("actorId", params.actor_id.take(), None)?,
        target_type: text("targetType", params.target_type.take(), Some(&TARGET_TYPES))?,
        target_id: text("targetId", params.target_id.take(), None)?,
        action: text("action", params.action.take(), Some(&ACTIONS))?,
        source,
        from: bound("from", params.from.as_deref())?,
        to: bound("to", params.to.as_deref())?,
    })
}

fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.split(',').any(|part| part.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("text/csv")))
}

#[utoipa::path(get, path = "/audit-log", operation_id = "listAuditEvents", tag = "Audit log", params(AuditParams),
    responses(
        (status = 200, description = "Events newest first (`application/json`, paged), or with `Accept: text/csv` every matching event as CSV with a header row",
            body = Collection<EventView>, content_type = "application/json"),
        (status = 403, description = "Administrators only")))]
pub async fn list(State(state): State<AppState>, Admin(caller): Admin, headers: HeaderMap, Query(mut params): Query<AuditParams>) -> ApiResult<Response> {
    let filter = filter(&mut params)?;
    let scope = caller.scope();
    if wants_csv(&headers) {
        return Ok(csv_export(state.store.clone(), scope, filter));
    }
    let page = page_request(params.limit, params.cursor.as_deref())?;
    let events = state.store.audit_events(&scope, &filter, page.limit, page.cursor).await?;
    Ok(axum::Json(Collection::from_page(events, EventView::from)).into_response())
}

/// The CSV header row.
pub const CSV_COLUMNS: [&str; 13] =
    ["eventId", "at", "requestId", "source", "actorType", "actorId", "actorName", "apiUserId", "action", "targetType", "targetId", "targetName", "changes"];

/// One CSV cell (RFC 4180): a value a spreadsheet would read as a formula (starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`; a value with a comma, a quote
/// or a line break is quoted.
pub fn csv_cell(value: &str) -> String {
    let neutral = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
    if neutral.contains([',', '"', '\n', '\r']) { format!("\"{}\"", neutral.replace('"', "\"\"")) } else { neutral }
}

fn csv_row(cells: &[&str]) -> String {
    let mut row = cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(",");
    row.push_str("\r\n");
    row
}

fn event_row(e: &AuditEvent) -> String {
    let changes = serde_json::to_string(&e.changes).unwrap_or_default();
    csv_row(&[
        &e.event_id,
        &e.at,
        &e.request_id,
        e.source.as_str(),
        &e.actor.kind,
        &e.actor.id,
        e.actor.name.as_deref().unwrap_or(""),
        e.actor.api_user_id.as_deref().unwrap_or(""),
        &e.action,
        &e.target.kind,
        &e.target.id,
        e.target.name.as_deref().unwrap_or(""),
        &changes,
    ])
}

/// Events per page of the export.
const EXPORT_PAGE: usize = 100;

/// Every matching event, one page at a time: the body is a stream that reads the next page only
/// when the previous one was sent, so memory stays at one page whatever the size of the log. A
/// failure after the first page ends the body early (the status is already sent).
fn csv_export(store: Store, scope: AccountScope, filter: AuditFilter) -> Response {
    enum Step {
        Header,
        Page(Option<String>),
        Done,
    }
    let stream = futures::stream::unfold(Step::Header, move |step| {
        let (store, scope, filter) = (store.clone(), scope.clone(), filter.clone());
        async move {
            match step {
                Step::Header => Some((Ok::<_, std::io::Error>(csv_row(&CSV_COLUMNS)), Step::Page(None))),
                Step::Page(cursor) => match store.audit_events(&scope, &filter, EXPORT_PAGE, cursor.as_deref()).await {
                    Ok(page) => {
                        let body: String = page.items.iter().map(event_row).collect();
                        let next = match page.next_cursor {
                            Some(c) => Step::Page(Some(c)),
                            None => Step::Done,
                        };
                        Some((Ok(body), next))
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "the audit export stopped");
                        Some((Err(std::io::Error::other("the audit export stopped")), Step::Done))
                    }
                },
                Step::Done => None,
            }
        }
    });
    let mut response = Body::from_stream(stream).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    response
        .headers_mut()
        .insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"audit-log.csv\""));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_quoted() {
        assert_eq!(csv_cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@cmd"), "'@cmd");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("\rx"), "\"'\rx\"");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("Grace"), "Grace");
    }
}
