//! `/Users`: operators as SCIM users.
//!
//! Mapping: `id` = `operatorId`; `userName` = `email` (the login; unique case-insensitively, 409
//! `uniqueness`); `displayName` = `fullName` (else `name.formatted`, else the given and family
//! names, else `userName`); `timezone` = `timeZone`; `locale` = `cultureName` (one of the
//! hub's cultures; another one is kept as sent and the account's default culture applies);
//! an E.164 `phoneNumbers` entry of type `mobile` = `mobilePhone`; `active` = not `isDisabled`
//! (`"True"`/`"False"` strings accepted, as Entra ID sends them); `externalId` unique in the
//! account. `name`, `emails` and `phoneNumbers` are kept as the provider sent them and echoed
//! back (the login, `userName`, is the operator's email; `emails eq` finds a user by it too).
//! `groups` (read-only) is on single-user answers, and on lists that ask for it with
//! `attributes=groups` (it costs a Query per user).

use axum::extract::{Path, Query, Request};
use axum::http::StatusCode;
use axum::response::Response;
use hub_api::AppState;
use hub_api::values::{CultureName, FullName, MobilePhone, TimeZoneName, new_id};
use hub_store::records::OperatorRecord;
use hub_store::{GroupId, OperatorId};
use serde_json::{Map, Value, json};

use crate::discovery::USER_SCHEMA;
use crate::error::{ScimError, ScimResult, ScimType};
use crate::filter::Eq;
use crate::list::{self, ListRequest, Listed, ReadParams, Window};
use crate::projection::Projection;
use crate::{Base, Scim, conditional_body, etag, field, if_match, json_body, meta, scim_response};

/// The most `emails` or `phoneNumbers` one user may carry.
const MAX_VALUES: usize = 10;

/// Where a user lives (its `meta.location`, and the `$ref` of a group's `members`).
pub(crate) fn location(base: &Base, id: &str) -> String {
    base.url(&format!("/Users/{id}"))
}

fn blob(op: &OperatorRecord) -> Map<String, Value> {
    op.scim
        .as_deref()
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default()
}

fn default_phones(op: &OperatorRecord) -> Option<Value> {
    op.mobile_phone.as_ref().map(|m| json!([{"value": m, "type": "mobile"}]))
}

/// The SCIM representation of an operator; `groups` when read.
pub fn to_scim(op: &OperatorRecord, groups: Option<Vec<(GroupId, String)>>, base: &Base) -> Value {
    let extra = blob(op);
    let mut user = json!({
        "schemas": [USER_SCHEMA],
        "id": op.operator_id,
        "userName": op.email,
        "displayName": op.full_name,
        "active": !op.is_disabled,
        "meta": meta("User", &op.created_at, &op.updated_at, op.version, location(base, &op.operator_id)),
    });
    if let Some(name) = extra.get("name").filter(|n| n.as_object().is_some_and(|o| !o.is_empty())) {
        user["name"] = name.clone();
    }
    if let Some(emails) = extra.get("emails").filter(|e| e.as_array().is_some_and(|a| !a.is_empty())) {
        user["emails"] = emails.clone();
    }
    if let Some(phones) = extra
        .get("phoneNumbers")
        .cloned()
        .or_else(|| default_phones(op))
        .filter(|p| p.as_array().is_some_and(|a| !a.is_empty()))
    {
        user["phoneNumbers"] = phones;
    }
    if let Some(tz) = &op.time_zone {
        user["timezone"] = json!(tz);
    }
    match (&op.culture_name, extra.get("locale")) {
        (Some(c), _) => user["locale"] = json!(c),
        (None, Some(l)) => user["locale"] = l.clone(),
        _ => {}
    }
    if let Some(x) = &op.external_id {
        user["externalId"] = json!(x);
    }
    if let Some(groups) = groups {
        user["groups"] = Value::Array(
            groups
                .into_iter()
                .map(|(id, name)| json!({"value": id, "display": name, "$ref": crate::groups::location(base, &id), "type": "direct"}))
                .collect(),
        );
    }
    user
}

fn string(body: &Map<String, Value>, name: &str) -> ScimResult<Option<String>> {
    match field(body, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ScimError::bad_request(ScimType::InvalidValue, format!("{name} must be a string"))),
    }
}

/// `active`: a boolean, or the strings `"true"`/`"false"` in any case (Entra ID).
pub fn boolean(value: &Value, name: &str) -> ScimResult<bool> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(ScimError::bad_request(ScimType::InvalidValue, format!("{name} must be true or false"))),
    }
}

/// A login name: what `userName` may be (an email address in practice; RFC 7643 allows any
/// string), 1-254 characters without spaces or control characters.
fn login(value: &str) -> ScimResult<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > 254 || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ScimError::bad_request(ScimType::InvalidValue, "userName must be 1-254 characters without spaces"));
    }
    Ok(hub_api::values::Email::parse(v).map(|e| e.as_str().to_owned()).unwrap_or_else(|_| v.to_owned()))
}

fn multi(body: &Map<String, Value>, name: &str) -> ScimResult<Option<Vec<Value>>> {
    match field(body, name) {
        None => Ok(None),
        Some(Value::Array(items)) => {
            let items = &one_primary(items.clone());
            if items.len() > MAX_VALUES {
                return Err(ScimError::bad_request(
                    ScimType::InvalidValue,
                    format!("{name} holds at most {MAX_VALUES} values"),
                ));
            }
            for item in items {
                let ok = item.as_object().is_some_and(|o| o.get("value").is_none_or(Value::is_string));
                if !ok {
                    return Err(ScimError::bad_request(
                        ScimType::InvalidValue,
                        format!("{name} must be objects with a string value"),
                    ));
                }
            }
            Ok(Some(items.clone()))
        }
        Some(_) => Err(ScimError::bad_request(ScimType::InvalidValue, format!("{name} must be an array"))),
    }
}

/// At most one element is `primary` (RFC 7643 §2.4): the last one marked wins, as a PATCH that
/// adds a new primary value means.
fn one_primary(mut items: Vec<Value>) -> Vec<Value> {
    if let Some(last) = items.iter().rposition(|i| i.get("primary") == Some(&Value::Bool(true))) {
        for (n, item) in items.iter_mut().enumerate() {
            if n != last && item.get("primary") == Some(&Value::Bool(true)) {
                item["primary"] = Value::Bool(false);
            }
        }
    }
    items
}

/// The operator a SCIM body describes (a POST, a PUT, or a resource after PATCH), on top of
/// `current` (None for a create). Read-only and unknown attributes are ignored.
pub fn from_scim(body: &Map<String, Value>, current: Option<&OperatorRecord>, now: &str) -> ScimResult<OperatorRecord> {
    let user_name = string(body, "userName")?
        .ok_or_else(|| ScimError::bad_request(ScimType::InvalidValue, "userName is required"))?;
    let email = login(&user_name)?;
    let name = match field(body, "name") {
        None => None,
        Some(Value::Object(o)) => Some(o.clone()),
        Some(_) => return Err(ScimError::bad_request(ScimType::InvalidValue, "name must be an object")),
    };
    let name_text = |key: &str| {
        name.as_ref()
            .and_then(|n| n.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
            .and_then(|(_, v)| v.as_str())
            .map(str::to_owned)
    };
    let given_family = match (name_text("givenName"), name_text("familyName")) {
        (Some(g), Some(f)) => Some(format!("{g} {f}")),
        (g, f) => g.or(f),
    };
    let display = string(body, "displayName")?
        .or_else(|| name_text("formatted"))
        .or(given_family)
        .unwrap_or_else(|| email.chars().take(100).collect());
    let full_name = FullName::parse(&display)
        .map_err(|m| ScimError::bad_request(ScimType::InvalidValue, format!("displayName {m}")))?;
    let time_zone = match string(body, "timezone")? {
        None => None,
        Some(tz) => Some(
            TimeZoneName::parse(&tz)
                .map_err(|m| ScimError::bad_request(ScimType::InvalidValue, format!("timezone {m}")))?,
        ),
    };
    let locale = string(body, "locale")?;
    let culture_name = locale.as_deref().and_then(|l| CultureName::parse(l).ok());
    let active = match field(body, "active") {
        None => true,
        Some(v) => boolean(v, "active")?,
    };
    let external_id = match string(body, "externalId")? {
        Some(x) if x.is_empty() || x.chars().count() > 255 => {
            return Err(ScimError::bad_request(ScimType::InvalidValue, "externalId must be 1-255 characters"));
        }
        other => other,
    };
    let emails = multi(body, "emails")?;
    let phones = multi(body, "phoneNumbers")?;
    let mobile_phone = phones.as_ref().and_then(|list| {
        list.iter()
            .filter(|p| p.get("type").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case("mobile")))
            .find_map(|p| p.get("value").and_then(Value::as_str).and_then(|v| MobilePhone::parse(v).ok()))
    });

    let mut next = match current {
        Some(c) => c.clone(),
        None => hub_api::rules::new_operator(new_id().into(), String::new(), full_name.clone(), now),
    };
    next.email = email;
    next.full_name = full_name;
    next.time_zone = time_zone;
    next.culture_name = culture_name;
    next.mobile_phone = mobile_phone;
    next.is_disabled = !active;
    next.external_id = external_id;
    // What has no hub field is kept as sent, unless it only repeats what the hub fields say.
    let mut extra = Map::new();
    if let Some(n) = name.filter(|n| !n.is_empty()) {
        extra.insert("name".into(), Value::Object(n));
    }
    if let Some(e) = emails.filter(|e| !e.is_empty()) {
        extra.insert("emails".into(), Value::Array(e));
    }
    if let Some(p) = phones.map(Value::Array).filter(|p| Some(p) != default_phones(&next).as_ref()) {
        extra.insert("phoneNumbers".into(), p);
    }
    if let (Some(l), None) = (locale, culture_name) {
        extra.insert("locale".into(), json!(l));
    }
    next.scim = (!extra.is_empty()).then(|| Value::Object(extra).to_string());
    Ok(next)
}

/// The groups of an operator as `(id, name)`.
async fn groups_of(
    state: &AppState,
    scope: &hub_store::AccountScope,
    operator_id: &OperatorId,
) -> ScimResult<Vec<(GroupId, String)>> {
    let ids = state.store.in_account(scope).all_group_ids_of(operator_id).await.map_err(hub_api::ApiError::from)?;
    let groups = state.store.in_account(scope).groups_by_ids(&ids).await.map_err(hub_api::ApiError::from)?;
    Ok(groups.into_iter().map(|g| (g.group_id, g.description.into_string())).collect())
}

async fn answer(scim: &Scim, op: OperatorRecord, status: StatusCode, projection: &Projection) -> ScimResult<Response> {
    let groups = if projection.wants("groups") {
        Some(groups_of(&scim.state, &scim.scope(), &op.operator_id).await?)
    } else {
        None
    };
    let tag = etag(op.version);
    Ok(scim_response(status, projection.apply(to_scim(&op, groups, &scim.base)), Some(&tag)))
}

pub async fn create(scim: Scim, req: Request) -> ScimResult<Response> {
    let body = json_body(req).await?;
    let record = from_scim(&body, None, &scim.state.clock.now_rfc3339())?;
    let audit = hub_api::resource_events::created(&scim.audit(), "operator.created", &record);
    scim.state
        .store
        .in_account(&scim.scope())
        .create_operator(&record, &hub_api::rules::NEW_OPERATOR_PERMISSIONS, None, &audit)
        .await
        .map_err(hub_api::ApiError::from)?;
    answer(&scim, record, StatusCode::CREATED, &Projection::default()).await
}

pub async fn fetch(scim: Scim, Path(id): Path<OperatorId>, Query(params): Query<ReadParams>) -> ScimResult<Response> {
    let op = hub_api::operators::load(&scim.state, &scim.scope(), &id).await?;
    let projection = Projection::new(params.attributes.as_deref(), params.excluded_attributes.as_deref());
    answer(&scim, op, StatusCode::OK, &projection).await
}

pub async fn replace(scim: Scim, Path(id): Path<OperatorId>, req: Request) -> ScimResult<Response> {
    update(&scim, &id, req, |current, body, now| from_scim(body, Some(current), now)).await
}

pub async fn patch(scim: Scim, Path(id): Path<OperatorId>, req: Request) -> ScimResult<Response> {
    update(&scim, &id, req, |current, body, now| {
        let Value::Object(mut resource) = to_scim(current, None, &scim.base) else {
            unreachable!("a user is an object")
        };
        crate::patch::apply(&mut resource, body)?;
        from_scim(&resource, Some(current), now)
    })
    .await
}

/// A PUT or a PATCH: the user `next` makes of the current one, the request's body and the time,
/// written through the hub's own operator update (its rules, `If-Match`, retries).
async fn update(
    scim: &Scim,
    id: &OperatorId,
    req: Request,
    next: impl Fn(&OperatorRecord, &Map<String, Value>, &str) -> ScimResult<OperatorRecord>,
) -> ScimResult<Response> {
    let (if_match, body) = conditional_body(req).await?;
    let now = scim.state.clock.now_rfc3339();
    let cell = std::sync::Mutex::new(None);
    let (updated, _) = hub_api::operators::update(&scim.acting(), id, if_match, |current| {
        next(current, &body, &now).map_err(|e| stash(&cell, e))
    })
    .await
    .map_err(|e| unstash(&cell, e))?;
    answer(scim, updated, StatusCode::OK, &Projection::default()).await
}

/// A SCIM error raised inside a shared hub operation travels out of it as a validation error
/// and is put back here, so that its `scimType` survives.
pub(crate) fn stash(cell: &std::sync::Mutex<Option<ScimError>>, e: ScimError) -> hub_api::ApiError {
    let detail = e.detail.clone();
    *cell.lock().expect("not poisoned") = Some(e);
    hub_api::ApiError::field("scim", detail)
}

pub(crate) fn unstash(cell: &std::sync::Mutex<Option<ScimError>>, e: hub_api::ApiError) -> ScimError {
    match (cell.lock().expect("not poisoned").take(), &e) {
        (Some(scim), hub_api::ApiError::Validation(_)) => scim,
        _ => ScimError::from(e),
    }
}

pub async fn remove(scim: Scim, Path(id): Path<OperatorId>, req: Request) -> ScimResult<StatusCode> {
    hub_api::operators::delete(&scim.acting(), &id, if_match(&req)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether `op` satisfies one filter clause.
fn satisfies(op: &OperatorRecord, clause: &Eq, base: &Base) -> bool {
    let text = |v: &str| clause.value.as_str().is_some_and(|c| c.eq_ignore_ascii_case(v));
    match clause.attribute.as_str() {
        "id" => clause.value.as_str() == Some(op.operator_id.as_str()),
        "username" => text(&op.email),
        "externalid" => clause.value.as_str() == op.external_id.as_deref(),
        "displayname" => text(&op.full_name),
        "active" => clause.value.as_bool() == Some(!op.is_disabled),
        // The login counts as an email address, as the lookup by email reservation finds it.
        "emails.value" | "emails" => {
            let user = to_scim(op, None, base);
            text(&op.email)
                || user["emails"]
                    .as_array()
                    .is_some_and(|emails| emails.iter().any(|e| e["value"].as_str().is_some_and(text)))
        }
        "emails.type" => {
            let user = to_scim(op, None, base);
            user["emails"].as_array().is_some_and(|emails| emails.iter().any(|e| e["type"].as_str().is_some_and(text)))
        }
        _ => false,
    }
}

/// The attributes a filter may name.
const FILTERABLE: [&str; 8] =
    ["id", "username", "externalid", "displayname", "active", "emails.value", "emails", "emails.type"];

/// `/Users` as a list (`GET /Users`, `POST /Users/.search`).
pub struct Users;

impl Listed for Users {
    async fn query(list: &ListRequest<'_>, window: Window) -> ScimResult<(usize, Vec<Value>)> {
        let ListRequest { scim: Scim { state, base, .. }, params } = *list;
        let projection = list.projection();
        // Groups cost a Query per user: on lists only when asked for by name.
        let with_groups = params.attributes().is_some_and(|a| a.to_ascii_lowercase().contains("groups"));
        let scope = list.scim.scope();
        let store = state.store.in_account(&scope);
        let api = hub_api::ApiError::from;
        let (total, page) = match params.filter() {
            None => list.unfiltered(&scope, window, |a| a.operators_total, |s, n| store.operators_window(s, n)).await?,
            Some(f) => {
                let clauses = list::clauses(f, &FILTERABLE)?;
                // One clause with a constant-cost lookup picks the candidates; the others are checked.
                let text = |c: &Eq| c.value.as_str().map(str::to_owned);
                let anchor = clauses.iter().find_map(|c| match c.attribute.as_str() {
                    "id" => text(c).map(|v| ("id", v)),
                    "username" | "emails.value" | "emails" => text(c).map(|v| ("email", v)),
                    "externalid" => text(c).map(|v| ("externalId", v)),
                    _ => None,
                });
                let candidates: Vec<OperatorRecord> = match anchor {
                    Some((kind, value)) => {
                        let id = match kind {
                            "id" => Some(OperatorId::new(value)),
                            "email" => store.operator_id_by_email(&value).await.map_err(api)?,
                            _ => store.operator_id_by_external_id(&value).await.map_err(api)?,
                        };
                        match id {
                            Some(id) => store.operator(&id).await.map_err(api)?.into_iter().collect(),
                            None => Vec::new(),
                        }
                    }
                    None => match clauses.iter().find(|c| c.attribute == "displayname").and_then(text) {
                        Some(name) => store.operators_named(&name).await.map_err(api)?,
                        None => {
                            return Err(ScimError::bad_request(
                                ScimType::InvalidFilter,
                                "a filter needs userName, emails.value, externalId, displayName or id",
                            ));
                        }
                    },
                };
                window.of(candidates.into_iter().filter(|op| clauses.iter().all(|c| satisfies(op, c, base))).collect())
            }
        };
        let mut resources = Vec::with_capacity(page.len());
        for op in page {
            let groups = if with_groups { Some(groups_of(state, &scope, &op.operator_id).await?) } else { None };
            resources.push(projection.apply(to_scim(&op, groups, base)));
        }
        Ok((total, resources))
    }
}
