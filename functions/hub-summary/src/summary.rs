//! `GET /hub/summary`: the account's figures in constant cost (see the crate documentation).

use hub_api::error::{ApiError, ApiResult};
use hub_api::extract::Call;
use hub_api::views::in_off_duty_window;
use hub_store::records::ScheduledOperatorRecord;
use serde::Serialize;

/// How many active operators `operators.activeList` shows.
pub const ACTIVE_LIST_LEN: usize = 10;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = HubSummary)]
pub struct Summary {
    pub account_id: String,
    #[schema(value_type = crate::account::AccountTypeSchema)]
    pub account_type: String,
    pub operators: OperatorFigures,
    pub groups: GroupFigures,
    pub api_users: ApiUserFigures,
    /// Active operators not inside one of their off-duty windows now (account time zone).
    pub on_duty: i64,
    pub operator_quota: Quota,
    /// Monitors in `Production` mode.
    pub production_monitors: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperatorFigures {
    /// Every operator of the account.
    pub total: i64,
    /// Operators whose Active switch (`isOnDuty`) is on, disabled ones excepted.
    pub active: i64,
    /// Disabled operators (`operators.total` minus `operatorQuota.used`).
    pub disabled: i64,
    /// Up to 10 active operators, ordered by `fullName` (case-insensitively).
    pub active_list: Vec<ActiveOperator>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActiveOperator {
    pub operator_id: String,
    pub full_name: String,
    pub email: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupFigures {
    /// Every group, Everyone and Administrators included.
    pub total: i64,
    /// Groups without members.
    pub empty: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiUserFigures {
    pub total: i64,
    /// Not used (or, if never used, not created) for more than 30 days, as of `inactiveComputedAt`.
    pub inactive: i64,
    /// When the scheduled job last recomputed `inactive`; null before its first run.
    #[schema(required)]
    pub inactive_computed_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Quota {
    /// Operators that are not disabled: `operators.total` minus `operators.disabled`.
    pub used: i64,
    /// The account type's default plus purchased extra operators.
    pub limit: i64,
}

/// Any authenticated caller of the account may read it.
#[utoipa::path(get, path = "/hub/summary", operation_id = "getHubSummary", tag = "Hub summary",
    responses((status = 200, description = "The account's figures, read in constant cost", body = Summary)))]
pub async fn summary(call: Call) -> ApiResult<axum::Json<Summary>> {
    let store = call.store();
    // Three requests, concurrently, whatever the size of the account.
    let (account, active, scheduled) = tokio::try_join!(
        async { store.account_record().await?.ok_or(ApiError::NotFound) },
        async { store.first_active_operators(ACTIVE_LIST_LEN).await.map_err(ApiError::from) },
        async { store.scheduled_operators().await.map_err(ApiError::from) },
    )?;
    let tz = account.time_zone.time_zone();
    let now = call.state.clock.now();
    Ok(axum::Json(Summary {
        on_duty: on_duty(account.operators_active, &scheduled, now, &tz),
        account_id: account.account_id.into_string(),
        account_type: account.account_type.to_string(),
        operators: OperatorFigures {
            total: account.operators_total,
            active: account.operators_active,
            disabled: account.operators_total - account.operators_in_use,
            active_list: active
                .into_iter()
                .map(|op| ActiveOperator {
                    operator_id: op.operator_id.into_string(),
                    full_name: op.full_name.into_string(),
                    email: op.email,
                })
                .collect(),
        },
        groups: GroupFigures { total: account.groups_total, empty: account.groups_empty },
        api_users: ApiUserFigures {
            total: account.api_users_total,
            inactive: account.api_users_inactive,
            inactive_computed_at: account.inactive_computed_at,
        },
        operator_quota: Quota { used: account.operators_in_use, limit: account.operator_limit },
        production_monitors: account.production_monitors,
    }))
}

/// The active operators minus those of them inside an off-duty window now. Only operators with
/// schedules can be off duty, so only they are looked at. The scheduled index is eventually
/// consistent while the counter is exact, so the result is kept within `0..=active`.
fn on_duty(active: i64, scheduled: &[ScheduledOperatorRecord], now: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> i64 {
    let off_now =
        scheduled.iter().filter(|op| op.is_on_duty && in_off_duty_window(&op.schedules, now, tz)).count() as i64;
    (active - off_now).clamp(0, active.max(0))
}
