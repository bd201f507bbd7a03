//! `GET /monitors/permissions`: per monitor, who holds each authorization level, with names.

use std::collections::{BTreeSet, HashMap};

use hub_api::error::{ApiError, ApiResult};
use hub_api::extract::{Admin, Query};
use hub_api::lists::{Collection, page_request};
use hub_api::values::{AuthorizationType, MonitorMode};
use hub_store::{GroupId, MonitorId, OperatorId, Principal};
use serde::{Deserialize, Serialize};

/// `{id, name}` of an operator (its `fullName`) or a group (its `description`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = NamedHolder)]
pub struct Named {
    pub id: String,
    pub name: String,
}

/// The holders of one level on one monitor, each list ordered by name.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[schema(as = LevelHolders)]
pub struct Holders {
    pub operators: Vec<Named>,
    pub groups: Vec<Named>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MonitorPermissions {
    pub monitor_id: String,
    pub name: String,
    #[schema(value_type = crate::monitors::ModeSchema)]
    pub mode: String,
    pub is_active: bool,
    pub view_monitor_data: Holders,
    pub view_monitor: Holders,
    pub edit_monitor: Holders,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct Params {
    /// Only the monitors in this mode.
    #[param(value_type = Option<crate::monitors::ModeSchema>)]
    mode: Option<MonitorMode>,
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    cursor: Option<String>,
}

fn sort_by_name(list: &mut [Named]) {
    list.sort_by(|a, b| (a.name.to_lowercase(), &a.id).cmp(&(b.name.to_lowercase(), &b.id)));
}

/// Pages monitors like `GET /monitors` (cursors are not interchangeable between the two lists).
/// Costs one Query for the page, one Query per monitor on it (a few at a time) and batched reads
/// of the operators and groups named. Holders whose delete is still finishing are left out.
#[utoipa::path(get, path = "/monitors/permissions", operation_id = "listMonitorPermissions", tag = "Monitor authorizations", params(Params),
    responses((status = 200, description = "Per monitor (paged and ordered like `GET /monitors`), who holds each level, each list ordered by name",
        body = Collection<MonitorPermissions>)))]
pub async fn overview(
    Admin(call): Admin,
    Query(params): Query<Params>,
) -> ApiResult<axum::Json<Collection<MonitorPermissions>>> {
    let page = page_request(params.limit, params.cursor.as_deref())?;
    let monitors = call.store().list_monitors_for_permissions(params.mode, page).await?;
    let ids: Vec<MonitorId> = monitors.items.iter().map(|m| m.monitor_id.clone()).collect();
    let authorizations = call.store().authorizations_of_monitors(&ids).await?;

    let mut operator_ids = BTreeSet::new();
    let mut group_ids = BTreeSet::new();
    for a in authorizations.iter().flatten() {
        match &a.principal {
            Principal::Operator(id) => operator_ids.insert(id.clone()),
            Principal::Group(id) => group_ids.insert(id.clone()),
        };
    }
    let operator_ids: Vec<OperatorId> = operator_ids.into_iter().collect();
    let group_ids: Vec<GroupId> = group_ids.into_iter().collect();
    let (operators, groups) = tokio::try_join!(
        async { call.store().operators_by_ids(&operator_ids).await.map_err(ApiError::from) },
        async { call.store().groups_by_ids(&group_ids).await.map_err(ApiError::from) }
    )?;
    let operator_names: HashMap<OperatorId, String> =
        operators.into_iter().map(|o| (o.operator_id, o.full_name.into_string())).collect();
    let group_names: HashMap<GroupId, String> =
        groups.into_iter().map(|g| (g.group_id, g.description.into_string())).collect();

    let mut items = Vec::with_capacity(monitors.items.len());
    for (monitor, held) in monitors.items.into_iter().zip(authorizations) {
        let mut levels: [Holders; 3] = Default::default();
        for a in &held {
            let slot = &mut levels[level_index(a.authorization_type)];
            match &a.principal {
                Principal::Operator(id) => {
                    if let Some(name) = operator_names.get(id) {
                        slot.operators.push(Named { id: id.to_string(), name: name.clone() });
                    }
                }
                Principal::Group(id) => {
                    if let Some(name) = group_names.get(id) {
                        slot.groups.push(Named { id: id.to_string(), name: name.clone() });
                    }
                }
            }
        }
        for holders in &mut levels {
            sort_by_name(&mut holders.operators);
            sort_by_name(&mut holders.groups);
        }
        let [view_monitor_data, view_monitor, edit_monitor] = levels;
        items.push(MonitorPermissions {
            monitor_id: monitor.monitor_id.into_string(),
            name: monitor.name.into_string(),
            mode: monitor.mode.to_string(),
            is_active: monitor.is_active,
            view_monitor_data,
            view_monitor,
            edit_monitor,
        });
    }
    Ok(axum::Json(Collection { items, next_cursor: monitors.next_cursor }))
}

fn level_index(level: AuthorizationType) -> usize {
    match level {
        AuthorizationType::ViewMonitorData => 0,
        AuthorizationType::ViewMonitor => 1,
        AuthorizationType::EditMonitor => 2,
    }
}
