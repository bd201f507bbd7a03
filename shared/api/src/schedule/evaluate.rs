//! Whether an instant falls inside one of a schedule's windows, in the account's time zone.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::model::{DailyWindow, ScheduleRule};

impl DailyWindow {
    /// Whether `now` is inside the window that starts on civil date `day`.
    fn covers(&self, day: Date, now: Timestamp, tz: &TimeZone) -> bool {
        let end_day = if self.end < self.start {
            match day.tomorrow() {
                Ok(next) => next,
                Err(_) => return false,
            }
        } else {
            day
        };
        let (Ok(start), Ok(end)) =
            (tz.to_timestamp(day.to_datetime(self.start)), tz.to_timestamp(end_day.to_datetime(self.end)))
        else {
            return false;
        };
        start <= now && now < end
    }
}

impl ScheduleRule {
    /// Whether a recurring rule has a window starting on civil date `day`.
    fn starts_on(&self, day: Date) -> bool {
        match self {
            ScheduleRule::OneTime { .. } => false,
            ScheduleRule::Daily { .. } => true,
            ScheduleRule::Weekly { week_day, .. } => day.weekday() == *week_day,
            ScheduleRule::Monthly { month_day, .. } => i16::from(day.day()) == i16::from(*month_day),
        }
    }

    /// Whether `now` falls inside one of this rule's windows, evaluated in `tz` (the account's
    /// time zone).
    pub fn is_off_duty(&self, now: Timestamp, tz: &TimeZone) -> bool {
        let window = match self {
            ScheduleRule::OneTime { start, end } => return *start <= now && now < *end,
            ScheduleRule::Daily { window }
            | ScheduleRule::Weekly { window, .. }
            | ScheduleRule::Monthly { window, .. } => window,
        };
        // A window lasts less than a civil day, so only windows that started yesterday or
        // today (civil dates in `tz`) can contain `now`.
        let today = tz.to_datetime(now).date();
        [today.yesterday().ok(), Some(today)]
            .into_iter()
            .flatten()
            .any(|day| self.starts_on(day) && window.covers(day, now, tz))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn daily_overnight_window() {
        let r = rule(json!({"mode": "Daily", "startTime": "22:00", "endTime": "06:00"}));
        let utc = TimeZone::UTC;
        assert!(r.is_off_duty(ts("2026-03-10T23:00:00Z"), &utc));
        assert!(r.is_off_duty(ts("2026-03-11T03:00:00Z"), &utc));
        assert!(r.is_off_duty(ts("2026-03-11T22:00:00Z"), &utc), "start is inclusive");
        assert!(!r.is_off_duty(ts("2026-03-11T06:00:00Z"), &utc), "end is exclusive");
        assert!(r.is_off_duty(ts("2026-03-11T05:59:59Z"), &utc));
        assert!(!r.is_off_duty(ts("2026-03-11T12:00:00Z"), &utc));
        assert!(!r.is_off_duty(ts("2026-03-11T21:59:59Z"), &utc));
    }

    #[test]
    fn daily_same_day_window() {
        let r = rule(json!({"mode": "Daily", "startTime": "09:00", "endTime": "17:00"}));
        let utc = TimeZone::UTC;
        assert!(!r.is_off_duty(ts("2026-03-11T08:59:00Z"), &utc));
        assert!(r.is_off_duty(ts("2026-03-11T09:00:00Z"), &utc));
        assert!(r.is_off_duty(ts("2026-03-11T16:59:59Z"), &utc));
        assert!(!r.is_off_duty(ts("2026-03-11T17:00:00Z"), &utc));
        assert!(!r.is_off_duty(ts("2026-03-11T23:00:00Z"), &utc));
    }

    #[test]
    fn weekly_overnight_window_covers_next_morning() {
        // 2026-03-13 is a Friday.
        let r = rule(json!({"mode": "Weekly", "weekDay": "Friday", "startTime": "22:00", "endTime": "06:00"}));
        let utc = TimeZone::UTC;
        assert!(!r.is_off_duty(ts("2026-03-13T21:00:00Z"), &utc));
        assert!(r.is_off_duty(ts("2026-03-13T22:30:00Z"), &utc));
        assert!(r.is_off_duty(ts("2026-03-14T03:00:00Z"), &utc), "Saturday 03:00");
        assert!(!r.is_off_duty(ts("2026-03-14T06:00:00Z"), &utc));
        assert!(!r.is_off_duty(ts("2026-03-14T22:30:00Z"), &utc), "Saturday night is not Friday");
        assert!(!r.is_off_duty(ts("2026-03-13T03:00:00Z"), &utc), "Friday 03:00 belongs to Thursday");
        assert!(r.is_off_duty(ts("2026-03-20T23:00:00Z"), &utc), "next Friday");
    }

    #[test]
    fn monthly_day_31_skips_short_months() {
        let r = rule(json!({"mode": "Monthly", "monthDay": 31, "startTime": "10:00", "endTime": "12:00"}));
        let utc = TimeZone::UTC;
        assert!(r.is_off_duty(ts("2026-03-31T11:00:00Z"), &utc));
        assert!(!r.is_off_duty(ts("2026-04-30T11:00:00Z"), &utc), "April has no 31st");
        assert!(!r.is_off_duty(ts("2026-05-01T11:00:00Z"), &utc), "no spill-over to the 1st");
        assert!(!r.is_off_duty(ts("2026-02-28T11:00:00Z"), &utc));
        assert!(r.is_off_duty(ts("2026-05-31T10:00:00Z"), &utc));
    }

    #[test]
    fn monthly_overnight_window_runs_into_next_month() {
        let r = rule(json!({"mode": "Monthly", "monthDay": 31, "startTime": "23:00", "endTime": "02:00"}));
        let utc = TimeZone::UTC;
        assert!(r.is_off_duty(ts("2026-03-31T23:30:00Z"), &utc));
        assert!(r.is_off_duty(ts("2026-04-01T01:00:00Z"), &utc), "01:00 on the 1st of April");
        assert!(!r.is_off_duty(ts("2026-04-01T02:00:00Z"), &utc));
        // April 30 -> May 1: no window started on the 31st of April.
        assert!(!r.is_off_duty(ts("2026-05-01T01:00:00Z"), &utc));
        // Dec 31 -> Jan 1 crosses a year.
        assert!(r.is_off_duty(ts("2026-01-01T01:00:00Z"), &utc));
    }

    // --- Time zones ------------------------------------------------------------------------

    #[test]
    fn account_time_zone_matters() {
        let r = rule(json!({"mode": "Daily", "startTime": "09:00", "endTime": "17:00"}));
        // 14:00 UTC in July = 16:00 in Amsterdam (off duty), 10:00 in New York (off duty).
        let now = ts("2026-07-01T14:00:00Z");
        assert!(r.is_off_duty(now, &tz("Europe/Amsterdam")));
        assert!(r.is_off_duty(now, &tz("America/New_York")));
        // 08:00 UTC = 10:00 in Amsterdam (inside), 04:00 in New York (outside).
        let now = ts("2026-07-01T08:00:00Z");
        assert!(r.is_off_duty(now, &tz("Europe/Amsterdam")));
        assert!(!r.is_off_duty(now, &tz("America/New_York")));
        // 20:00 UTC = 22:00 in Amsterdam (outside), 16:00 in New York (inside).
        let now = ts("2026-07-01T20:00:00Z");
        assert!(!r.is_off_duty(now, &tz("Europe/Amsterdam")));
        assert!(r.is_off_duty(now, &tz("America/New_York")));
    }

    #[test]
    fn weekday_is_taken_in_the_account_time_zone() {
        // Saturday 2026-03-14 01:00 in Amsterdam is still Friday 20:00 in New York.
        let r = rule(json!({"mode": "Weekly", "weekDay": "Saturday", "startTime": "00:00", "endTime": "08:00"}));
        let now = ts("2026-03-14T00:00:00Z");
        assert!(r.is_off_duty(now, &tz("Europe/Amsterdam")));
        assert!(!r.is_off_duty(now, &tz("America/New_York")));
    }

    #[test]
    fn one_time_is_absolute() {
        let r = rule(json!({"mode": "OneTime", "start": "2026-11-27T10:00:00Z", "end": "2026-11-27T12:00:00Z"}));
        for zone in ["UTC", "Europe/Amsterdam", "Pacific/Kiritimati"] {
            let z = tz(zone);
            assert!(!r.is_off_duty(ts("2026-11-27T09:59:59Z"), &z));
            assert!(r.is_off_duty(ts("2026-11-27T10:00:00Z"), &z));
            assert!(r.is_off_duty(ts("2026-11-27T11:59:59Z"), &z));
            assert!(!r.is_off_duty(ts("2026-11-27T12:00:00Z"), &z));
        }
    }

    #[test]
    fn dst_spring_forward_day() {
        // Amsterdam 2026-03-29: 02:00 CET -> 03:00 CEST (01:00Z).
        let ams = tz("Europe/Amsterdam");
        // An overnight window 22:00-06:00 lasts one hour less: 21:00Z -> 04:00Z.
        let r = rule(json!({"mode": "Daily", "startTime": "22:00", "endTime": "06:00"}));
        assert!(r.is_off_duty(ts("2026-03-28T21:00:00Z"), &ams));
        assert!(r.is_off_duty(ts("2026-03-29T03:59:59Z"), &ams));
        assert!(!r.is_off_duty(ts("2026-03-29T04:00:00Z"), &ams));
        // A window starting inside the gap (02:30 does not exist) starts at 03:30 CEST (01:30Z).
        let r = rule(json!({"mode": "Daily", "startTime": "02:30", "endTime": "05:00"}));
        assert!(!r.is_off_duty(ts("2026-03-29T01:15:00Z"), &ams));
        assert!(r.is_off_duty(ts("2026-03-29T01:30:00Z"), &ams));
        assert!(r.is_off_duty(ts("2026-03-29T02:59:59Z"), &ams));
        assert!(!r.is_off_duty(ts("2026-03-29T03:00:00Z"), &ams));
        // The day before, the same window is 01:30Z-04:00Z.
        assert!(r.is_off_duty(ts("2026-03-28T03:30:00Z"), &ams));
    }

    #[test]
    fn dst_fall_back_day() {
        // New York 2026-11-01: 02:00 EDT -> 01:00 EST; 01:00-02:00 happens twice.
        let ny = tz("America/New_York");
        let r = rule(json!({"mode": "Daily", "startTime": "00:00", "endTime": "03:00"}));
        // 00:00 EDT = 04:00Z, 03:00 EST = 08:00Z: a four-hour window.
        assert!(!r.is_off_duty(ts("2026-11-01T03:59:59Z"), &ny));
        assert!(r.is_off_duty(ts("2026-11-01T04:00:00Z"), &ny));
        assert!(r.is_off_duty(ts("2026-11-01T06:30:00Z"), &ny), "second 01:30");
        assert!(r.is_off_duty(ts("2026-11-01T07:59:59Z"), &ny));
        assert!(!r.is_off_duty(ts("2026-11-01T08:00:00Z"), &ny));
        // A window ending inside the fold ends at its first occurrence (compatible).
        let r = rule(json!({"mode": "Daily", "startTime": "00:30", "endTime": "01:30"}));
        assert!(r.is_off_duty(ts("2026-11-01T05:00:00Z"), &ny), "01:00 EDT");
        assert!(!r.is_off_duty(ts("2026-11-01T05:30:00Z"), &ny), "01:30 EDT ends the window");
        assert!(!r.is_off_duty(ts("2026-11-01T06:00:00Z"), &ny), "01:00 EST is after the window");
    }
}
