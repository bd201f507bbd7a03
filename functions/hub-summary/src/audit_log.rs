//! `GET /audit-log`: the account's audit events for administrators, newest first, as pages of
//! JSON or, with `Accept: text/csv`, every matching event as one CSV streamed page by page.
//!
//! Every filter combination is one key of the log (`hub_store`'s `audit.rs`), so a page is at
//! most five Queries of `limit + 1` items whatever the size of the log.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use hub_api::audit::{ACTIONS, TARGET_TYPES, event_time};
use hub_api::error::{ApiError, ApiResult};
use hub_api::extract::{Admin, Query};
use hub_api::lists::{Collection, page_request};
use hub_store::{AccountScope, AccountStore, AuditEvent, AuditFilter, AuditSource, Page, Store};
use serde::{Deserialize, Serialize};

hub_api::string_enum_schema!(
    AuditActionSchema,
    "AuditAction",
    ACTIONS,
    "What an audit event records: `<targetType>.<verb>`."
);
hub_api::string_enum_schema!(
    AuditTargetTypeSchema,
    "AuditTargetType",
    TARGET_TYPES,
    "The kind of resource an audit event is about."
);
hub_api::string_enum_schema!(
    AuditSourceSchema,
    "AuditSource",
    AuditSource::ALL.map(|s| s.as_str()),
    "Where a change came from: `Web` (Bearer), `Api` (Basic), `Scim`, `Maintenance`, `Provisioning` (`hubctl`)."
);

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
    /// With source `Api`: the API user's description at that moment.
    #[schema(required)]
    api_user_name: Option<String>,
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
            actor: ActorView {
                kind: e.actor.kind,
                id: e.actor.id,
                name: e.actor.name,
                api_user_id: e.actor.api_user_id,
                api_user_name: e.actor.api_user_name,
            },
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
        .map(|v| {
            v.parse::<jiff::Timestamp>()
                .map(event_time)
                .map_err(|_| ApiError::field(field, "must be an RFC 3339 date-time"))
        })
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
        Some(s) => Some(
            AuditSource::parse(&s).ok_or_else(|| ApiError::field("source", "is not one of the documented values"))?,
        ),
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
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|accept| {
        accept.split(',').any(|part| part.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("text/csv"))
    })
}

#[utoipa::path(get, path = "/audit-log", operation_id = "listAuditEvents", tag = "Audit log", params(AuditParams),
    responses(
        (status = 200, description = "Events newest first (`application/json`, paged), or with `Accept: text/csv` every matching event as CSV with a header row. \
Where responses are capped (behind API Gateway: 6 MB), a CSV answer that would exceed the cap holds the events that fit and a `Link` header to the rest; every part has the header row.",
            body = Collection<EventView>, content_type = "application/json",
            headers(("Link" = String, description = "CSV only, when more events follow: `</audit-log?…&cursor=…>; rel=\"next\"` (the same filters)"))),
        (status = 403, description = "Administrators only")))]
pub async fn list(
    Admin(call): Admin,
    headers: HeaderMap,
    uri: Uri,
    Query(mut params): Query<AuditParams>,
) -> ApiResult<Response> {
    let filter = filter(&mut params)?;
    if wants_csv(&headers) {
        let cursor = params.cursor.filter(|c| !c.is_empty());
        let first = call.store().audit_events(&filter, EXPORT_PAGE, cursor.as_deref()).await?;
        return Ok(match call.state.config.response_byte_budget {
            None => csv_export(call.state.store.clone(), call.scope().clone(), filter, first),
            Some(budget) => csv_export_within(call.store(), &filter, cursor, first, budget, &uri).await?,
        });
    }
    let page = page_request(params.limit, params.cursor.as_deref())?;
    let events = call.store().audit_events(&filter, page.limit, page.cursor).await?;
    Ok(axum::Json(Collection::from_page(events, EventView::from)).into_response())
}

/// The CSV header row.
pub const CSV_COLUMNS: [&str; 14] = [
    "eventId",
    "at",
    "requestId",
    "source",
    "actorType",
    "actorId",
    "actorName",
    "apiUserId",
    "apiUserName",
    "action",
    "targetType",
    "targetId",
    "targetName",
    "changes",
];

/// One CSV cell (RFC 4180): a value a spreadsheet would read as a formula (starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`; a value with a comma, a quote
/// or a line break is quoted.
pub fn csv_cell(value: &str) -> String {
    let neutral =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
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
        e.actor.api_user_name.as_deref().unwrap_or(""),
        &e.action,
        &e.target.kind,
        &e.target.id,
        e.target.name.as_deref().unwrap_or(""),
        &changes,
    ])
}

/// Events per page of the export.
const EXPORT_PAGE: usize = 100;

/// Every matching event (from the request's cursor, if any), one page at a time: the body is a
/// stream that reads the next page only when the previous one was sent, so memory stays at one
/// page whatever the size of the log. The first page was read before answering (a bad cursor is
/// a problem, not a cut body); a failure after it ends the body early (the status is sent).
fn csv_export(store: Store, scope: AccountScope, filter: AuditFilter, first: Page<AuditEvent>) -> Response {
    enum Step {
        Header(Page<AuditEvent>),
        Page(Option<String>),
        Done,
    }
    let stream = futures::stream::unfold(Step::Header(first), move |step| {
        let (store, scope, filter) = (store.clone(), scope.clone(), filter.clone());
        async move {
            match step {
                Step::Header(first) => {
                    let body = csv_row(&CSV_COLUMNS) + &first.items.iter().map(event_row).collect::<String>();
                    let next = match first.next_cursor {
                        Some(c) => Step::Page(Some(c)),
                        None => Step::Done,
                    };
                    Some((Ok::<_, std::io::Error>(body), next))
                }
                Step::Page(cursor) => {
                    match store.in_account(&scope).audit_events(&filter, EXPORT_PAGE, cursor.as_deref()).await {
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
                    }
                }
                Step::Done => None,
            }
        }
    });
    csv_response(Body::from_stream(stream))
}

fn csv_response(body: Body) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    response
        .headers_mut()
        .insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"audit-log.csv\""));
    response
}

/// The bytes `text` takes inside the Lambda runtime's JSON answer (a JSON string: quotes,
/// backslashes and control characters escaped).
fn encoded_len(text: &str) -> usize {
    serde_json::to_string(text).map(|s| s.len() - 2).unwrap_or(text.len() * 6)
}

/// The export where a response is buffered and capped (inside Lambda): whole pages of events
/// while they fit in `budget` bytes as the runtime encodes them; when the next page does not,
/// the answer stops before it and names the rest with `Link: </audit-log?…&cursor=…>;
/// rel="next"` (the same filters, the cursor of that page). Every part has the header row, so
/// each is a CSV on its own. A page too large for an empty answer is read again one event at a
/// time, and one event is always sent (an event, at most DynamoDB's 400 KB item, fits any budget
/// the configuration allows but the tests' tiny ones).
async fn csv_export_within(
    store: AccountStore<'_>,
    filter: &AuditFilter,
    cursor: Option<String>,
    first: Page<AuditEvent>,
    budget: usize,
    uri: &Uri,
) -> ApiResult<Response> {
    let mut body = csv_row(&CSV_COLUMNS);
    let mut used = encoded_len(&body);
    let mut events_sent = 0usize;
    let (mut at, mut page, mut limit) = (cursor, first, EXPORT_PAGE);
    let next = loop {
        let rows: Vec<String> = page.items.iter().map(event_row).collect();
        let size: usize = rows.iter().map(|r| encoded_len(r)).sum();
        if used + size > budget && events_sent > 0 {
            break at;
        }
        if used + size > budget && limit > 1 {
            limit = 1;
            page = store.audit_events(filter, limit, at.as_deref()).await?;
            continue;
        }
        used += size;
        events_sent += rows.len();
        body.extend(rows);
        match page.next_cursor {
            None => break None,
            Some(c) => {
                page = store.audit_events(filter, limit, Some(&c)).await?;
                at = Some(c);
            }
        }
    };
    let mut response = csv_response(Body::from(body));
    if let Some(cursor) = next {
        let kept: Vec<&str> =
            uri.query().unwrap_or("").split('&').filter(|p| !p.is_empty() && !p.starts_with("cursor=")).collect();
        let mut query = kept.join("&");
        if !query.is_empty() {
            query.push('&');
        }
        let link = format!("<{}?{query}cursor={cursor}>; rel=\"next\"", uri.path());
        response.headers_mut().insert(
            header::LINK,
            HeaderValue::from_str(&link)
                .map_err(|_| ApiError::Internal("the export's Link is not a header value".into()))?,
        );
    }
    Ok(response)
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
