//! The response shape of a schedule, read from its store record.

use hub_store::schedule_record::ScheduleRecord;
use serde::Serialize;

/// The modes of an off-duty schedule, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub enum ScheduleMode {
    OneTime,
    Daily,
    Weekly,
    Monthly,
}

/// The response shape of a schedule: every field present, `null` where it does not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleView {
    pub schedule_id: String,
    #[schema(value_type = ScheduleMode)]
    pub mode: String,
    #[schema(required)]
    pub start: Option<String>,
    #[schema(required)]
    pub end: Option<String>,
    #[schema(required)]
    pub week_day: Option<String>,
    #[schema(required)]
    pub month_day: Option<u8>,
    #[schema(required)]
    pub start_time: Option<String>,
    #[schema(required)]
    pub end_time: Option<String>,
}

impl From<&ScheduleRecord> for ScheduleView {
    fn from(r: &ScheduleRecord) -> Self {
        ScheduleView {
            schedule_id: r.schedule_id.to_string(),
            mode: r.mode.clone(),
            start: r.start.clone(),
            end: r.end.clone(),
            week_day: r.week_day.clone(),
            month_day: r.month_day,
            start_time: r.start_time.clone(),
            end_time: r.end_time.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn view_has_every_field_with_nulls() {
        let rec = rule(json!({"mode": "Weekly", "weekDay": "Friday", "startTime": "22:00", "endTime": "06:00"}))
            .to_record("s1".into());
        let view = serde_json::to_value(ScheduleView::from(&rec)).unwrap();
        assert_eq!(
            view,
            json!({
                "scheduleId": "s1", "mode": "Weekly", "start": null, "end": null,
                "weekDay": "Friday", "monthDay": null, "startTime": "22:00", "endTime": "06:00"
            })
        );
        let rec = rule(json!({"mode": "OneTime", "start": "2026-11-27T10:00:00Z", "end": "2026-11-27T12:00:00Z"}))
            .to_record("s2".into());
        let view = serde_json::to_value(ScheduleView::from(&rec)).unwrap();
        assert_eq!(
            view,
            json!({
                "scheduleId": "s2", "mode": "OneTime", "start": "2026-11-27T10:00:00Z",
                "end": "2026-11-27T12:00:00Z", "weekDay": null, "monthDay": null,
                "startTime": null, "endTime": null
            })
        );
    }
}
