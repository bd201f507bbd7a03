//! A schedule to and from its store record.

use hub_store::ScheduleId;
use hub_store::schedule_record::ScheduleRecord;
use jiff::Timestamp;
use jiff::civil::{Time, Weekday};

use super::input::ScheduleInput;
use super::model::{ScheduleRule, WEEKDAYS};

fn weekday_name(day: Weekday) -> &'static str {
    WEEKDAYS.iter().find(|(_, d)| *d == day).map(|(name, _)| *name).unwrap_or("Monday")
}

fn format_hhmm(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// A `OneTime` window's bound as stored and echoed back: RFC 3339 UTC with seconds
/// (`2026-11-27T10:00:00Z`), and the fraction the caller gave when there is one
/// (`2026-11-28T10:00:00.25Z`).
///
/// Not [`crate::clock::format_timestamp`], on purpose: that one writes the server's own instants
/// (created, updated, audit times) in the one wire and storage format, whole seconds, so that
/// they sort as text. A schedule's bounds are the caller's instants, not the server's: cutting
/// their fraction would move the window and make a schedule read back different from what was
/// written. Nothing sorts or compares them as text.
fn format_caller_instant(ts: Timestamp) -> String {
    ts.to_string()
}

impl ScheduleRule {
    /// The store record for this rule.
    pub fn to_record(&self, schedule_id: ScheduleId) -> ScheduleRecord {
        let mut record = ScheduleRecord {
            schedule_id,
            mode: self.mode().to_owned(),
            start: None,
            end: None,
            week_day: None,
            month_day: None,
            start_time: None,
            end_time: None,
        };
        let window = match self {
            ScheduleRule::OneTime { start, end } => {
                record.start = Some(format_caller_instant(*start));
                record.end = Some(format_caller_instant(*end));
                None
            }
            ScheduleRule::Daily { window } => Some(window),
            ScheduleRule::Weekly { week_day, window } => {
                record.week_day = Some(weekday_name(*week_day).to_owned());
                Some(window)
            }
            ScheduleRule::Monthly { month_day, window } => {
                record.month_day = Some(*month_day);
                Some(window)
            }
        };
        if let Some(window) = window {
            record.start_time = Some(format_hhmm(window.start));
            record.end_time = Some(format_hhmm(window.end));
        }
        record
    }

    /// Reads a store record back; `None` when it does not hold a valid schedule.
    pub fn from_record(r: &ScheduleRecord) -> Option<Self> {
        let input = ScheduleInput {
            mode: Some(r.mode.clone()),
            start: r.start.clone(),
            end: r.end.clone(),
            week_day: r.week_day.clone(),
            month_day: r.month_day.map(serde_json::Value::from),
            start_time: r.start_time.clone(),
            end_time: r.end_time.clone(),
        };
        Self::from_input(&input).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use hub_store::schedule_record::ScheduleRecord;

    // --- Records and views -----------------------------------------------------------------

    #[test]
    fn record_round_trip_every_mode() {
        let cases = [
            json!({"mode": "OneTime", "start": "2026-11-27T11:00:00+01:00", "end": "2026-11-28T10:00:00Z"}),
            json!({"mode": "Daily", "startTime": "22:00", "endTime": "06:05"}),
            json!({"mode": "Weekly", "weekDay": "Sunday", "startTime": "00:00", "endTime": "23:59"}),
            json!({"mode": "Monthly", "monthDay": 15, "startTime": "09:30", "endTime": "10:00"}),
        ];
        for case in cases {
            let r = rule(case.clone());
            let rec = r.to_record("sched-1".into());
            assert_eq!(rec.schedule_id, "sched-1");
            assert_eq!(rec.mode, r.mode());
            assert_eq!(ScheduleRule::from_record(&rec), Some(r), "{case}");
        }
    }

    #[test]
    fn record_formats() {
        let rec =
            rule(json!({"mode": "OneTime", "start": "2026-11-27T11:00:00+01:00", "end": "2026-11-28T10:00:00.250Z"}))
                .to_record("a".into());
        assert_eq!(rec.start.as_deref(), Some("2026-11-27T10:00:00Z"));
        assert_eq!(rec.end.as_deref(), Some("2026-11-28T10:00:00.25Z"));
        assert_eq!((rec.week_day, rec.month_day, rec.start_time, rec.end_time), (None, None, None, None));

        let rec = rule(json!({"mode": "Weekly", "weekDay": "Wednesday", "startTime": "07:05", "endTime": "00:00"}))
            .to_record("b".into());
        assert_eq!(
            rec,
            ScheduleRecord {
                schedule_id: "b".into(),
                mode: "Weekly".into(),
                start: None,
                end: None,
                week_day: Some("Wednesday".into()),
                month_day: None,
                start_time: Some("07:05".into()),
                end_time: Some("00:00".into()),
            }
        );

        let rec = rule(json!({"mode": "Monthly", "monthDay": 7, "startTime": "01:00", "endTime": "02:00"}))
            .to_record("c".into());
        assert_eq!(rec.month_day, Some(7));
        assert_eq!(rec.week_day, None);
    }

    #[test]
    fn from_record_refuses_garbage() {
        let mut rec = rule(json!({"mode": "Daily", "startTime": "01:00", "endTime": "02:00"})).to_record("x".into());
        rec.mode = "Hourly".into();
        assert_eq!(ScheduleRule::from_record(&rec), None);
        let mut rec = rule(json!({"mode": "Daily", "startTime": "01:00", "endTime": "02:00"})).to_record("x".into());
        rec.start_time = Some("1am".into());
        assert_eq!(ScheduleRule::from_record(&rec), None);
        let mut rec = rule(json!({"mode": "Daily", "startTime": "01:00", "endTime": "02:00"})).to_record("x".into());
        rec.month_day = Some(40);
        assert_eq!(ScheduleRule::from_record(&rec), None);
    }
}
