//! Response shapes of the resources, and the `ETag` that goes with a versioned one.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hub_store::records::{GroupRecord, OperatorRecord};
use hub_store::schedule_record::ScheduleRecord;
use hub_store::values::{Email, MobilePhone, TimeZoneName};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use crate::schedule::ScheduleRule;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperatorView {
    pub operator_id: String,
    pub email: String,
    pub full_name: String,
    #[schema(required)]
    pub mobile_phone: Option<String>,
    #[schema(required)]
    pub backup_email: Option<String>,
    #[schema(required)]
    pub culture_name: Option<String>,
    #[schema(required)]
    pub time_zone: Option<String>,
    #[schema(required)]
    pub default_dashboard: Option<String>,
    pub is_on_duty: bool,
    pub on_duty_now: bool,
    pub is_administrator: bool,
    pub is_account_administrator: bool,
    /// Suspended: cannot sign in, never on duty, not in the operator quota.
    pub is_disabled: bool,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

/// Active, not disabled, and not inside any off-duty window, in the account's time zone.
pub fn on_duty_now(op: &OperatorRecord, now: Timestamp, account_tz: &TimeZone) -> bool {
    op.is_on_duty && !op.is_disabled && !in_off_duty_window(&op.schedules, now, account_tz)
}

/// Whether `now` falls inside one of these off-duty schedules, in the account's time zone.
pub fn in_off_duty_window(schedules: &[ScheduleRecord], now: Timestamp, account_tz: &TimeZone) -> bool {
    schedules.iter().filter_map(ScheduleRule::from_record).any(|rule| rule.is_off_duty(now, account_tz))
}

impl OperatorView {
    pub fn new(op: OperatorRecord, now: Timestamp, account_tz: &TimeZone) -> Self {
        let on_duty_now = on_duty_now(&op, now, account_tz);
        OperatorView {
            operator_id: op.operator_id.into_string(),
            email: op.email,
            full_name: op.full_name.into_string(),
            mobile_phone: op.mobile_phone.map(MobilePhone::into_string),
            backup_email: op.backup_email.map(Email::into_string),
            culture_name: op.culture_name.map(|c| c.to_string()),
            time_zone: op.time_zone.map(TimeZoneName::into_string),
            default_dashboard: op.default_dashboard,
            is_on_duty: op.is_on_duty,
            on_duty_now,
            is_administrator: op.is_administrator,
            is_account_administrator: op.is_account_administrator,
            is_disabled: op.is_disabled,
            created_at: op.created_at,
            updated_at: op.updated_at,
            version: op.version,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupView {
    pub group_id: String,
    pub description: String,
    pub is_everyone: bool,
    pub is_administrators: bool,
    pub member_count: i64,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<GroupRecord> for GroupView {
    fn from(g: GroupRecord) -> Self {
        GroupView {
            group_id: g.group_id.into_string(),
            description: g.description.into_string(),
            is_everyone: g.is_everyone,
            is_administrators: g.is_administrators,
            member_count: g.member_count,
            created_at: g.created_at,
            updated_at: g.updated_at,
            version: g.version,
        }
    }
}

/// A single versioned resource: the JSON body with `ETag: "<version>"` (and `Location` when
/// created).
pub struct Versioned<T> {
    pub status: StatusCode,
    pub version: i64,
    pub body: T,
    pub location: Option<String>,
}

impl<T: Serialize> Versioned<T> {
    pub fn ok(version: i64, body: T) -> Self {
        Versioned { status: StatusCode::OK, version, body, location: None }
    }
    pub fn created(version: i64, body: T, location: String) -> Self {
        Versioned { status: StatusCode::CREATED, version, body, location: Some(location) }
    }
}

impl<T: Serialize> IntoResponse for Versioned<T> {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body)).into_response();
        let headers = response.headers_mut();
        if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", self.version)) {
            headers.insert(header::ETAG, etag);
        }
        if let Some(location) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            headers.insert(header::LOCATION, location);
        }
        response
    }
}
