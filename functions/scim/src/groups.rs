//! `/Groups`: operator groups as SCIM groups.
//!
//! Mapping: `id` = `groupId`; `displayName` = `description` (unique case-insensitively, 409
//! `uniqueness`); `externalId` unique in the account; `members` = the operators in the group
//! (`value` = `operatorId`). Membership changes are the hub's own operations, one per member:
//! Everyone's membership and the system groups' names are immutable (400 `mutability`), the last
//! enabled administrator and the last holders of the protected permissions are kept (409). A
//! member that does not exist is 400 `invalidValue`.

use std::collections::BTreeSet;

use axum::extract::{Path, Query, Request};
use axum::http::StatusCode;
use axum::response::Response;
use hub_api::AppState;
use hub_api::audit::Acting;
use hub_api::values::{GroupDescription, new_id};
use hub_store::records::GroupRecord;
use hub_store::{AccountScope, GroupId, OperatorId};
use serde_json::{Map, Value, json};

use crate::discovery::GROUP_SCHEMA;
use crate::error::{ScimError, ScimResult, ScimType};
use crate::filter::Eq;
use crate::list::{self, ListRequest, Listed, ReadParams, Window};
use crate::projection::Projection;
use crate::{Base, Scim, conditional_body, etag, field, if_match, json_body, meta, scim_response};

/// Where a group lives (its `meta.location`, and the `$ref` of a user's `groups`).
pub(crate) fn location(base: &Base, id: &str) -> String {
    base.url(&format!("/Groups/{id}"))
}

/// The SCIM representation of a group; `members` as `(id, name)` when read.
pub fn to_scim(g: &GroupRecord, members: Option<Vec<(OperatorId, String)>>, base: &Base) -> Value {
    let mut group = json!({
        "schemas": [GROUP_SCHEMA],
        "id": g.group_id,
        "displayName": g.description,
        "meta": meta("Group", &g.created_at, &g.updated_at, g.version, location(base, &g.group_id)),
    });
    if let Some(x) = &g.external_id {
        group["externalId"] = json!(x);
    }
    if let Some(members) = members {
        group["members"] = Value::Array(
            members
                .into_iter()
                .map(|(id, _)| json!({"value": id, "$ref": crate::users::location(base, &id), "type": "User"}))
                .collect(),
        );
    }
    group
}

async fn members_of(
    state: &AppState,
    scope: &AccountScope,
    group_id: &GroupId,
) -> ScimResult<Vec<(OperatorId, String)>> {
    let ids = state.store.in_account(scope).all_member_ids(group_id).await.map_err(hub_api::ApiError::from)?;
    let mut named = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(100) {
        let ops = state.store.in_account(scope).operators_by_ids(chunk).await.map_err(hub_api::ApiError::from)?;
        named.extend(ops.into_iter().map(|o| (o.operator_id, o.full_name.into_string())));
    }
    Ok(named)
}

/// What a body says: the name, the externalId and (when present) the member ids.
struct Desired {
    description: GroupDescription,
    external_id: Option<String>,
    members: Option<BTreeSet<OperatorId>>,
}

fn desired(body: &Map<String, Value>) -> ScimResult<Desired> {
    let name = match field(body, "displayName") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(ScimError::bad_request(ScimType::InvalidValue, "displayName must be a string")),
        None => return Err(ScimError::bad_request(ScimType::InvalidValue, "displayName is required")),
    };
    let description = GroupDescription::parse(&name)
        .map_err(|m| ScimError::bad_request(ScimType::InvalidValue, format!("displayName {m}")))?;
    let external_id = match field(body, "externalId") {
        None => None,
        Some(Value::String(x)) if !x.is_empty() && x.chars().count() <= 255 => Some(x.clone()),
        Some(_) => return Err(ScimError::bad_request(ScimType::InvalidValue, "externalId must be 1-255 characters")),
    };
    let members = match field(body, "members") {
        None => None,
        Some(Value::Array(items)) => {
            let mut ids = BTreeSet::new();
            for item in items {
                let id = item
                    .get("value")
                    .and_then(Value::as_str)
                    .ok_or_else(|| ScimError::bad_request(ScimType::InvalidValue, "members need a value"))?;
                ids.insert(OperatorId::new(id));
            }
            Some(ids)
        }
        Some(_) => return Err(ScimError::bad_request(ScimType::InvalidValue, "members must be an array")),
    };
    Ok(Desired { description, external_id, members })
}

/// Makes the group's members exactly `wanted`, one hub operation per change.
async fn set_members(
    acting: &Acting<'_>,
    group_id: &GroupId,
    current: &BTreeSet<OperatorId>,
    wanted: &BTreeSet<OperatorId>,
) -> ScimResult<()> {
    let added: Vec<OperatorId> = wanted.difference(current).cloned().collect();
    match hub_api::groups::add_members(acting, group_id, &added).await {
        Ok(()) => {}
        Err(hub_api::ApiError::NotFound) => {
            return Err(ScimError::bad_request(ScimType::InvalidValue, "a member is not a user of this account"));
        }
        Err(e) => return Err(e.into()),
    }
    for id in current.difference(wanted) {
        match hub_api::groups::remove_member(acting, group_id, id).await {
            Ok(_) | Err(hub_api::ApiError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

async fn answer(scim: &Scim, group_id: &GroupId, status: StatusCode, projection: &Projection) -> ScimResult<Response> {
    let (state, scope) = (&scim.state, &scim.scope());
    let g = hub_api::groups::load(state, scope, group_id).await?;
    let members = if projection.wants("members") { Some(members_of(state, scope, group_id).await?) } else { None };
    let tag = etag(g.version);
    Ok(scim_response(status, projection.apply(to_scim(&g, members, &scim.base)), Some(&tag)))
}

pub async fn create(scim: Scim, req: Request) -> ScimResult<Response> {
    let body = json_body(req).await?;
    let wanted = desired(&body)?;
    let acting = scim.acting();
    let (state, scope) = (&scim.state, &acting.scope);
    let now = state.clock.now_rfc3339();
    let record = GroupRecord {
        group_id: GroupId::new(new_id()),
        description: wanted.description,
        is_everyone: false,
        is_administrators: false,
        member_count: 0,
        external_id: wanted.external_id,
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    };
    let audit = hub_api::resource_events::created(&acting.audit, "group.created", &record);
    state.store.in_account(scope).create_group(&record, None, &audit).await.map_err(hub_api::ApiError::from)?;
    if let Some(members) = &wanted.members {
        set_members(&acting, &record.group_id, &BTreeSet::new(), members).await?;
    }
    answer(&scim, &record.group_id, StatusCode::CREATED, &Projection::default()).await
}

pub async fn fetch(scim: Scim, Path(id): Path<GroupId>, Query(params): Query<ReadParams>) -> ScimResult<Response> {
    let projection = Projection::new(params.attributes.as_deref(), params.excluded_attributes.as_deref());
    answer(&scim, &id, StatusCode::OK, &projection).await
}

/// Writes a desired state (a PUT's body, a PATCH's result), in which no members listed means
/// none: name and externalId in one guarded write, then the members; answers with the group.
async fn write_desired(
    scim: &Scim,
    id: &GroupId,
    if_match: hub_api::extract::IfMatch,
    wanted: Desired,
    current_members: Option<BTreeSet<OperatorId>>,
) -> ScimResult<Response> {
    let acting = scim.acting();
    let (state, scope) = (&scim.state, &acting.scope);
    let (description, external_id) = (wanted.description, wanted.external_id.clone());
    hub_api::groups::change(&acting, id, if_match, |g| {
        Ok(GroupRecord { description: description.clone(), external_id: external_id.clone(), ..g.clone() })
    })
    .await?;
    let current = match current_members {
        Some(c) => c,
        None => state
            .store
            .in_account(scope)
            .all_member_ids(id)
            .await
            .map_err(hub_api::ApiError::from)?
            .into_iter()
            .collect(),
    };
    set_members(&acting, id, &current, &wanted.members.unwrap_or_default()).await?;
    answer(scim, id, StatusCode::OK, &Projection::default()).await
}

pub async fn replace(scim: Scim, Path(id): Path<GroupId>, req: Request) -> ScimResult<Response> {
    let (if_match, body) = conditional_body(req).await?;
    write_desired(&scim, &id, if_match, desired(&body)?, None).await
}

pub async fn patch(scim: Scim, Path(id): Path<GroupId>, req: Request) -> ScimResult<Response> {
    let (if_match, body) = conditional_body(req).await?;
    let (state, scope) = (&scim.state, scim.scope());
    let current = hub_api::groups::load(state, &scope, &id).await?;
    if_match.check(current.version)?;
    let members = members_of(state, &scope, &id).await?;
    let current_ids: BTreeSet<OperatorId> = members.iter().map(|(id, _)| id.clone()).collect();
    let Value::Object(mut resource) = to_scim(&current, Some(members), &scim.base) else {
        unreachable!("a group is an object")
    };
    crate::patch::apply(&mut resource, &body)?;
    let version = hub_api::extract::IfMatch(Some(current.version));
    write_desired(&scim, &id, version, desired(&resource)?, Some(current_ids)).await
}

pub async fn remove(scim: Scim, Path(id): Path<GroupId>, req: Request) -> ScimResult<StatusCode> {
    hub_api::groups::delete(&scim.acting(), &id, if_match(&req)).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn satisfies(g: &GroupRecord, clause: &Eq) -> bool {
    match clause.attribute.as_str() {
        "id" => clause.value.as_str() == Some(g.group_id.as_str()),
        "displayname" => clause.value.as_str().is_some_and(|v| v.eq_ignore_ascii_case(&g.description)),
        "externalid" => clause.value.as_str() == g.external_id.as_deref(),
        _ => false,
    }
}

/// `/Groups` as a list (`GET /Groups`, `POST /Groups/.search`).
pub struct Groups;

impl Listed for Groups {
    async fn query(list: &ListRequest<'_>, window: Window) -> ScimResult<(usize, Vec<Value>)> {
        let ListRequest { scim: Scim { state, base, .. }, params } = *list;
        let projection = list.projection();
        let scope = list.scim.scope();
        let store = state.store.in_account(&scope);
        let api = hub_api::ApiError::from;
        let (total, page) = match params.filter() {
            None => list.unfiltered(&scope, window, |a| a.groups_total, |s, n| store.groups_window(s, n)).await?,
            Some(f) => {
                let clauses = list::clauses(f, &["id", "displayname", "externalid"])?;
                let text = |c: &Eq| c.value.as_str().map(str::to_owned);
                let first = &clauses[0];
                let id = match (first.attribute.as_str(), text(first)) {
                    ("id", Some(v)) => Some(GroupId::new(v)),
                    ("displayname", Some(v)) => store.group_id_by_name(&v).await.map_err(api)?,
                    ("externalid", Some(v)) => store.group_id_by_external_id(&v).await.map_err(api)?,
                    _ => return Err(ScimError::bad_request(ScimType::InvalidFilter, "compare with a string")),
                };
                let candidates = match id {
                    Some(id) => store.group(&id).await.map_err(api)?.into_iter().collect::<Vec<_>>(),
                    None => Vec::new(),
                };
                window.of(candidates.into_iter().filter(|g| clauses.iter().all(|c| satisfies(g, c))).collect())
            }
        };
        let mut resources = Vec::with_capacity(page.len());
        for g in page {
            let members =
                if projection.wants("members") { Some(members_of(state, &scope, &g.group_id).await?) } else { None };
            resources.push(projection.apply(to_scim(&g, members, base)));
        }
        Ok((total, resources))
    }
}
