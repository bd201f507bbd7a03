//! Off-duty schedules: validation of the request body, evaluation ("is the operator inside a
//! window right now?") in the account's time zone, and conversion to and from the store record.
//!
//! Windows are half-open, `[start, end)`. A recurring window starts on a matching civil date at
//! `startTime` and ends at `endTime` the same day, or the next day when `endTime < startTime`
//! (it runs past midnight). Civil date-times are turned into instants with the time zone's
//! "compatible" disambiguation: a time inside a spring-forward gap moves forward by the gap, a
//! time inside a fall-back fold takes its first occurrence.

use hub_store::schedule_record::ScheduleRecord;
use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// A schedule as it arrives in a `POST`/`PUT` body. Every field is optional so that
/// [`ScheduleRule::from_input`] can report every problem itself; unknown fields are refused by
/// serde.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScheduleInput {
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub end: Option<String>,
    #[serde(default)]
    pub week_day: Option<String>,
    #[serde(default)]
    pub month_day: Option<serde_json::Value>,
    #[serde(default)]
    pub start_time: Option<String>,
    #[serde(default)]
    pub end_time: Option<String>,
}

/// `HH:mm`, 00:00-23:59, as [`parse_hhmm`] reads it.
const HHMM_PATTERN: &str = "^(?:[01][0-9]|2[0-3]):[0-5][0-9]$";

/// The shape [`parse_rfc3339`] checks, with calendar days (29 February left out: a pattern
/// cannot tell leap years) and years up to 9998 (jiff's last instant is in 9999).
pub const RFC3339_PATTERN: &str = "^(?:[0-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-\
(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))\
[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,9})?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$";

/// One object shape per mode: its own fields required, the others absent or null. What a
/// pattern cannot say is in the descriptions: a `OneTime` window's `end` is after its `start`,
/// and `startTime` and `endTime` differ.
fn schedule_input_schema() -> serde_json::Value {
    use serde_json::json;
    let timestamp = json!({"type": "string", "pattern": RFC3339_PATTERN, "description": "RFC 3339 with `Z` or an offset"});
    let time = json!({"type": "string", "pattern": HHMM_PATTERN, "description": "`HH:mm`; `endTime` before `startTime` runs past midnight; the two differ"});
    let week_day = json!({"type": "string", "enum": WEEKDAYS.iter().map(|(name, _)| *name).collect::<Vec<_>>()});
    let month_day = json!({"type": "integer", "minimum": 1, "maximum": 31, "description": "A month without that day has no window"});
    let fields = [("start", &timestamp), ("end", &timestamp), ("weekDay", &week_day), ("monthDay", &month_day), ("startTime", &time), ("endTime", &time)];
    let shape = |mode: &str, own: &[&str]| {
        let mut properties = serde_json::Map::new();
        properties.insert("mode".into(), json!({"type": "string", "enum": [mode]}));
        for (name, schema) in fields {
            properties.insert(name.into(), if own.contains(&name) { schema.clone() } else { json!({"type": "null"}) });
        }
        let required: Vec<&str> = std::iter::once("mode").chain(own.iter().copied()).collect();
        json!({"type": "object", "required": required, "properties": properties, "additionalProperties": false})
    };
    json!({
        "description": "An off-duty window. `OneTime`: `start` < `end`. `Daily`, `Weekly` (+ `weekDay`), `Monthly` (+ `monthDay`): \
            `startTime` and `endTime`, which differ. Fields of other modes are absent or null.",
        "oneOf": [
            shape("OneTime", &["start", "end"]),
            shape("Daily", &["startTime", "endTime"]),
            shape("Weekly", &["weekDay", "startTime", "endTime"]),
            shape("Monthly", &["monthDay", "startTime", "endTime"]),
        ],
    })
}

crate::json_schema!(ScheduleInput, "ScheduleInput", [], schedule_input_schema());

/// A daily time window, minute precision. `end < start` means it runs past midnight;
/// `start == end` never exists (refused by validation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyWindow {
    pub start: Time,
    pub end: Time,
}

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
        let (Ok(start), Ok(end)) = (
            tz.to_timestamp(day.to_datetime(self.start)),
            tz.to_timestamp(end_day.to_datetime(self.end)),
        ) else {
            return false;
        };
        start <= now && now < end
    }
}

/// A validated off-duty schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleRule {
    OneTime {
        start: Timestamp,
        end: Timestamp,
    },
    Daily {
        window: DailyWindow,
    },
    Weekly {
        week_day: Weekday,
        window: DailyWindow,
    },
    Monthly {
        month_day: u8,
        window: DailyWindow,
    },
}

/// Field errors: `(field, message)`, field names as on the wire.
pub type FieldErrors = Vec<(String, String)>;

const MODES: [&str; 4] = ["OneTime", "Daily", "Weekly", "Monthly"];

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("Monday", Weekday::Monday),
    ("Tuesday", Weekday::Tuesday),
    ("Wednesday", Weekday::Wednesday),
    ("Thursday", Weekday::Thursday),
    ("Friday", Weekday::Friday),
    ("Saturday", Weekday::Saturday),
    ("Sunday", Weekday::Sunday),
];

fn weekday_name(day: Weekday) -> &'static str {
    WEEKDAYS
        .iter()
        .find(|(_, d)| *d == day)
        .map(|(name, _)| *name)
        .unwrap_or("Monday")
}

fn parse_weekday(input: &str) -> Result<Weekday, String> {
    WEEKDAYS
        .iter()
        .find(|(name, _)| *name == input)
        .map(|(_, d)| *d)
        .ok_or_else(|| {
            "must be one of Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday".into()
        })
}

/// Strict `HH:mm`, 00:00-23:59.
fn parse_hhmm(input: &str) -> Result<Time, String> {
    let message = || String::from("must be a time in HH:mm format (00:00-23:59)");
    let b = input.as_bytes();
    if b.len() != 5 || b[2] != b':' {
        return Err(message());
    }
    let digit = |i: usize| -> Result<i8, String> {
        if b[i].is_ascii_digit() {
            Ok((b[i] - b'0') as i8)
        } else {
            Err(message())
        }
    };
    let hour = digit(0)? * 10 + digit(1)?;
    let minute = digit(3)? * 10 + digit(4)?;
    if hour > 23 || minute > 59 {
        return Err(message());
    }
    Time::new(hour, minute, 0, 0).map_err(|_| message())
}

fn format_hhmm(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// RFC 3339 date-time with `Z` or a numeric offset: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
/// The shape is checked here (jiff alone would also take Temporal extensions such as
/// `[Europe/Paris]` suffixes); jiff then checks the calendar values.
fn parse_rfc3339(input: &str) -> Result<Timestamp, String> {
    let message = || {
        String::from("must be an RFC 3339 timestamp with Z or an offset, e.g. 2026-11-27T10:00:00Z")
    };
    let b = input.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range.clone())
            .is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    let head_ok = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && matches!(b[10], b'T' | b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !head_ok {
        return Err(message());
    }
    let mut rest = &b[19..];
    if let Some(after_dot) = rest.strip_prefix(b".") {
        let n = after_dot.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return Err(message());
        }
        rest = &after_dot[n..];
    }
    let offset_ok = match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
                && (h1 - b'0') * 10 + (h2 - b'0') <= 23
                && (m1 - b'0') * 10 + (m2 - b'0') <= 59
        }
        _ => false,
    };
    if !offset_ok {
        return Err(message());
    }
    input.parse::<Timestamp>().map_err(|_| message())
}

/// `Timestamp` as RFC 3339 UTC with seconds (`2026-11-27T10:00:00Z`); a fraction is only
/// written when the instant has one.
fn format_timestamp(ts: Timestamp) -> String {
    ts.to_string()
}

fn parse_month_day(value: &serde_json::Value) -> Result<u8, String> {
    // An integer in JSON, as JSON Schema's `integer` counts them: `8.0` is 8.
    let whole = value.as_f64().filter(|f| f.fract() == 0.0 && (1.0..=31.0).contains(f)).map(|f| f as u64);
    value
        .as_u64()
        .or(whole)
        .filter(|d| (1..=31).contains(d))
        .map(|d| d as u8)
        .ok_or_else(|| "must be an integer from 1 to 31".into())
}

impl ScheduleRule {
    /// The wire name of the mode.
    pub fn mode(&self) -> &'static str {
        match self {
            ScheduleRule::OneTime { .. } => "OneTime",
            ScheduleRule::Daily { .. } => "Daily",
            ScheduleRule::Weekly { .. } => "Weekly",
            ScheduleRule::Monthly { .. } => "Monthly",
        }
    }

    /// Validates a request body, reporting every problem found as `(field, message)`.
    pub fn from_input(input: &ScheduleInput) -> Result<Self, FieldErrors> {
        let mut errors: FieldErrors = Vec::new();
        let mode = match input.mode.as_deref() {
            Some(m) if MODES.contains(&m) => m,
            other => {
                let message = if other.is_none() {
                    "is required"
                } else {
                    "must be one of OneTime, Daily, Weekly, Monthly"
                };
                errors.push(("mode".into(), message.into()));
                return Err(errors);
            }
        };

        // Presence: (field, present, belongs to this mode).
        let presence = [
            ("start", input.start.is_some(), mode == "OneTime"),
            ("end", input.end.is_some(), mode == "OneTime"),
            ("weekDay", input.week_day.is_some(), mode == "Weekly"),
            ("monthDay", input.month_day.is_some(), mode == "Monthly"),
            ("startTime", input.start_time.is_some(), mode != "OneTime"),
            ("endTime", input.end_time.is_some(), mode != "OneTime"),
        ];
        for (field, present, belongs) in presence {
            if present && !belongs {
                errors.push((field.into(), format!("is not allowed when mode is {mode}")));
            } else if !present && belongs {
                errors.push((field.into(), "is required".into()));
            }
        }

        // Values: each present field of the mode is parsed; failures are recorded.
        fn value<T>(
            errors: &mut FieldErrors,
            field: &str,
            raw: Option<Result<T, String>>,
        ) -> Option<T> {
            match raw? {
                Ok(v) => Some(v),
                Err(message) => {
                    errors.push((field.into(), message));
                    None
                }
            }
        }

        let rule = if mode == "OneTime" {
            let start = value(
                &mut errors,
                "start",
                input.start.as_deref().map(parse_rfc3339),
            );
            let end = value(&mut errors, "end", input.end.as_deref().map(parse_rfc3339));
            match (start, end) {
                (Some(start), Some(end)) if start < end => {
                    Some(ScheduleRule::OneTime { start, end })
                }
                (Some(_), Some(_)) => {
                    errors.push(("end".into(), "must be after start".into()));
                    None
                }
                _ => None,
            }
        } else {
            let start = value(
                &mut errors,
                "startTime",
                input.start_time.as_deref().map(parse_hhmm),
            );
            let end = value(
                &mut errors,
                "endTime",
                input.end_time.as_deref().map(parse_hhmm),
            );
            let window = match (start, end) {
                (Some(start), Some(end)) if start == end => {
                    errors.push(("endTime".into(), "startTime and endTime must differ".into()));
                    None
                }
                (Some(start), Some(end)) => Some(DailyWindow { start, end }),
                _ => None,
            };
            match mode {
                "Daily" => window.map(|window| ScheduleRule::Daily { window }),
                "Weekly" => {
                    let week_day = value(
                        &mut errors,
                        "weekDay",
                        input.week_day.as_deref().map(parse_weekday),
                    );
                    week_day
                        .zip(window)
                        .map(|(week_day, window)| ScheduleRule::Weekly { week_day, window })
                }
                _ => {
                    let month_day = value(
                        &mut errors,
                        "monthDay",
                        input.month_day.as_ref().map(parse_month_day),
                    );
                    month_day
                        .zip(window)
                        .map(|(month_day, window)| ScheduleRule::Monthly { month_day, window })
                }
            }
        };

        match rule {
            Some(rule) if errors.is_empty() => Ok(rule),
            _ => Err(errors),
        }
    }

    /// Whether a recurring rule has a window starting on civil date `day`.
    fn starts_on(&self, day: Date) -> bool {
        match self {
            ScheduleRule::OneTime { .. } => false,
            ScheduleRule::Daily { .. } => true,
            ScheduleRule::Weekly { week_day, .. } => day.weekday() == *week_day,
            ScheduleRule::Monthly { month_day, .. } => {
                i16::from(day.day()) == i16::from(*month_day)
            }
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

    /// The store record for this rule.
    pub fn to_record(&self, schedule_id: String) -> ScheduleRecord {
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
                record.start = Some(format_timestamp(*start));
                record.end = Some(format_timestamp(*end));
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
            schedule_id: r.schedule_id.clone(),
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
    use super::*;
    use serde_json::json;

    fn input(v: serde_json::Value) -> ScheduleInput {
        serde_json::from_value(v).expect("input deserializes")
    }

    fn rule(v: serde_json::Value) -> ScheduleRule {
        ScheduleRule::from_input(&input(v)).expect("valid schedule")
    }

    fn errors(v: serde_json::Value) -> FieldErrors {
        ScheduleRule::from_input(&input(v)).expect_err("invalid schedule")
    }

    fn fields(errs: &FieldErrors) -> Vec<&str> {
        errs.iter().map(|(f, _)| f.as_str()).collect()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn tz(name: &str) -> TimeZone {
        jiff::tz::db().get(name).unwrap()
    }

    fn hm(h: i8, m: i8) -> Time {
        Time::new(h, m, 0, 0).unwrap()
    }

    // --- Input shape -----------------------------------------------------------------------

    #[test]
    fn unknown_fields_are_refused_by_serde() {
        let r = serde_json::from_value::<ScheduleInput>(
            json!({"mode": "Daily", "startTime": "01:00", "endTime": "02:00", "days": 3}),
        );
        assert!(r.is_err());
        // snake_case names are unknown too.
        let r = serde_json::from_value::<ScheduleInput>(
            json!({"mode": "Daily", "start_time": "01:00"}),
        );
        assert!(r.is_err());
    }

    #[test]
    fn mode_is_required_and_closed() {
        assert_eq!(
            errors(json!({})),
            vec![("mode".to_string(), "is required".to_string())]
        );
        assert_eq!(fields(&errors(json!({"mode": null}))), ["mode"]);
        assert_eq!(
            fields(&errors(
                json!({"mode": "daily", "startTime": "01:00", "endTime": "02:00"})
            )),
            ["mode"]
        );
        assert_eq!(fields(&errors(json!({"mode": "Yearly"}))), ["mode"]);
    }

    // --- OneTime ---------------------------------------------------------------------------

    #[test]
    fn one_time_valid() {
        let r = rule(
            json!({"mode": "OneTime", "start": "2026-11-27T10:00:00Z", "end": "2026-11-27T12:30:00+01:00"}),
        );
        assert_eq!(
            r,
            ScheduleRule::OneTime {
                start: ts("2026-11-27T10:00:00Z"),
                end: ts("2026-11-27T11:30:00Z")
            }
        );
        assert_eq!(r.mode(), "OneTime");
        // Nulls for foreign fields are fine.
        rule(
            json!({"mode": "OneTime", "start": "2026-11-27T10:00:00Z", "end": "2026-11-28T10:00:00Z", "weekDay": null, "monthDay": null, "startTime": null, "endTime": null}),
        );
        // Fractions and lowercase separators are RFC 3339 too.
        rule(
            json!({"mode": "OneTime", "start": "2026-11-27t10:00:00.5z", "end": "2026-11-27T10:00:01-00:00"}),
        );
    }

    #[test]
    fn one_time_invalid() {
        // Missing both.
        assert_eq!(
            fields(&errors(json!({"mode": "OneTime"}))),
            ["start", "end"]
        );
        // End not after start.
        let e = errors(
            json!({"mode": "OneTime", "start": "2026-11-27T10:00:00Z", "end": "2026-11-27T10:00:00Z"}),
        );
        assert_eq!(
            e,
            vec![("end".to_string(), "must be after start".to_string())]
        );
        let e = errors(
            json!({"mode": "OneTime", "start": "2026-11-27T11:00:00+01:00", "end": "2026-11-27T09:59:59Z"}),
        );
        assert_eq!(fields(&e), ["end"]);
        // Not RFC 3339 with an offset.
        for bad in [
            "2026-11-27T10:00:00",       // no offset
            "2026-11-27 10:00:00Z",      // space
            "2026-11-27T10:00Z",         // no seconds
            "2026-11-27",                // date only
            "2026-11-27T10:00:00+0100",  // offset without colon
            "2026-11-27T10:00:00Z[UTC]", // Temporal annotation
            "2026-02-30T10:00:00Z",      // no such date
            "2026-11-27T24:00:00Z",
            "1764237600",
            "",
        ] {
            let e = errors(json!({"mode": "OneTime", "start": bad, "end": "2030-01-01T00:00:00Z"}));
            assert_eq!(fields(&e), ["start"], "{bad:?}");
        }
        // Both bad: both reported.
        let e = errors(json!({"mode": "OneTime", "start": "x", "end": "y"}));
        assert_eq!(fields(&e), ["start", "end"]);
    }

    #[test]
    fn one_time_foreign_fields_each_rejected() {
        let e = errors(json!({
            "mode": "OneTime", "start": "2026-11-27T10:00:00Z", "end": "2026-11-27T12:00:00Z",
            "weekDay": "Monday", "monthDay": 3, "startTime": "01:00", "endTime": "02:00"
        }));
        assert_eq!(fields(&e), ["weekDay", "monthDay", "startTime", "endTime"]);
        assert_eq!(e[0].1, "is not allowed when mode is OneTime");
    }

    // --- Daily -----------------------------------------------------------------------------

    #[test]
    fn daily_valid_and_invalid() {
        assert_eq!(
            rule(json!({"mode": "Daily", "startTime": "22:00", "endTime": "06:30"})),
            ScheduleRule::Daily {
                window: DailyWindow {
                    start: hm(22, 0),
                    end: hm(6, 30)
                }
            }
        );
        rule(json!({"mode": "Daily", "startTime": "00:00", "endTime": "23:59"}));

        assert_eq!(
            fields(&errors(json!({"mode": "Daily"}))),
            ["startTime", "endTime"]
        );
        assert_eq!(
            fields(&errors(json!({"mode": "Daily", "startTime": "09:00"}))),
            ["endTime"]
        );
        for bad in [
            "9:00", "09:0", "24:00", "23:60", "09:00:00", "0900", "ab:cd", "+9:00", " 9:00",
            "09h00", "",
        ] {
            let e = errors(json!({"mode": "Daily", "startTime": bad, "endTime": "10:00"}));
            assert_eq!(fields(&e), ["startTime"], "{bad:?}");
        }
        let e = errors(json!({"mode": "Daily", "startTime": "08:00", "endTime": "08:00"}));
        assert_eq!(
            e,
            vec![(
                "endTime".to_string(),
                "startTime and endTime must differ".to_string()
            )]
        );
    }

    #[test]
    fn daily_foreign_fields_rejected() {
        let e = errors(
            json!({"mode": "Daily", "startTime": "01:00", "endTime": "02:00", "start": "2026-11-27T10:00:00Z", "weekDay": "Monday"}),
        );
        assert_eq!(fields(&e), ["start", "weekDay"]);
        let e = errors(
            json!({"mode": "Daily", "startTime": "01:00", "endTime": "02:00", "monthDay": 1, "end": "x"}),
        );
        assert_eq!(fields(&e), ["end", "monthDay"]);
    }

    #[test]
    fn daily_overnight_window() {
        let r = rule(json!({"mode": "Daily", "startTime": "22:00", "endTime": "06:00"}));
        let utc = TimeZone::UTC;
        assert!(r.is_off_duty(ts("2026-03-10T23:00:00Z"), &utc));
        assert!(r.is_off_duty(ts("2026-03-11T03:00:00Z"), &utc));
        assert!(
            r.is_off_duty(ts("2026-03-11T22:00:00Z"), &utc),
            "start is inclusive"
        );
        assert!(
            !r.is_off_duty(ts("2026-03-11T06:00:00Z"), &utc),
            "end is exclusive"
        );
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

    // --- Weekly ----------------------------------------------------------------------------

    #[test]
    fn weekly_valid_and_invalid() {
        assert_eq!(
            rule(
                json!({"mode": "Weekly", "weekDay": "Friday", "startTime": "22:00", "endTime": "06:00"})
            ),
            ScheduleRule::Weekly {
                week_day: Weekday::Friday,
                window: DailyWindow {
                    start: hm(22, 0),
                    end: hm(6, 0)
                }
            }
        );
        for (name, day) in WEEKDAYS {
            let r = rule(
                json!({"mode": "Weekly", "weekDay": name, "startTime": "01:00", "endTime": "02:00"}),
            );
            assert!(matches!(r, ScheduleRule::Weekly { week_day, .. } if week_day == day));
        }
        assert_eq!(
            fields(&errors(
                json!({"mode": "Weekly", "startTime": "01:00", "endTime": "02:00"})
            )),
            ["weekDay"]
        );
        for bad in ["friday", "Fri", "FRIDAY", "5", ""] {
            let e = errors(
                json!({"mode": "Weekly", "weekDay": bad, "startTime": "01:00", "endTime": "02:00"}),
            );
            assert_eq!(fields(&e), ["weekDay"], "{bad:?}");
        }
        // Several problems at once are all reported.
        let e = errors(
            json!({"mode": "Weekly", "weekDay": "Caturday", "startTime": "25:00", "endTime": "02:00", "monthDay": 4}),
        );
        assert_eq!(fields(&e), ["monthDay", "startTime", "weekDay"]);
    }

    #[test]
    fn weekly_overnight_window_covers_next_morning() {
        // 2026-03-13 is a Friday.
        let r = rule(
            json!({"mode": "Weekly", "weekDay": "Friday", "startTime": "22:00", "endTime": "06:00"}),
        );
        let utc = TimeZone::UTC;
        assert!(!r.is_off_duty(ts("2026-03-13T21:00:00Z"), &utc));
        assert!(r.is_off_duty(ts("2026-03-13T22:30:00Z"), &utc));
        assert!(
            r.is_off_duty(ts("2026-03-14T03:00:00Z"), &utc),
            "Saturday 03:00"
        );
        assert!(!r.is_off_duty(ts("2026-03-14T06:00:00Z"), &utc));
        assert!(
            !r.is_off_duty(ts("2026-03-14T22:30:00Z"), &utc),
            "Saturday night is not Friday"
        );
        assert!(
            !r.is_off_duty(ts("2026-03-13T03:00:00Z"), &utc),
            "Friday 03:00 belongs to Thursday"
        );
        assert!(
            r.is_off_duty(ts("2026-03-20T23:00:00Z"), &utc),
            "next Friday"
        );
    }

    // --- Monthly ---------------------------------------------------------------------------

    #[test]
    fn monthly_valid_and_invalid() {
        assert_eq!(
            rule(
                json!({"mode": "Monthly", "monthDay": 31, "startTime": "23:00", "endTime": "02:00"})
            ),
            ScheduleRule::Monthly {
                month_day: 31,
                window: DailyWindow {
                    start: hm(23, 0),
                    end: hm(2, 0)
                }
            }
        );
        rule(json!({"mode": "Monthly", "monthDay": 1, "startTime": "00:00", "endTime": "01:00"}));
        for bad in [
            json!(0),
            json!(32),
            json!(-1),
            json!(1.5),
            json!(31.5),
            json!("15"),
            json!(true),
            json!([1]),
        ] {
            let e = errors(
                json!({"mode": "Monthly", "monthDay": bad, "startTime": "01:00", "endTime": "02:00"}),
            );
            assert_eq!(fields(&e), ["monthDay"], "{bad}");
        }
        assert_eq!(
            fields(&errors(
                json!({"mode": "Monthly", "startTime": "01:00", "endTime": "02:00"})
            )),
            ["monthDay"]
        );
        let e = errors(
            json!({"mode": "Monthly", "monthDay": 3, "weekDay": "Monday", "startTime": "01:00", "endTime": "02:00"}),
        );
        assert_eq!(fields(&e), ["weekDay"]);
    }

    #[test]
    fn monthly_day_31_skips_short_months() {
        let r = rule(
            json!({"mode": "Monthly", "monthDay": 31, "startTime": "10:00", "endTime": "12:00"}),
        );
        let utc = TimeZone::UTC;
        assert!(r.is_off_duty(ts("2026-03-31T11:00:00Z"), &utc));
        assert!(
            !r.is_off_duty(ts("2026-04-30T11:00:00Z"), &utc),
            "April has no 31st"
        );
        assert!(
            !r.is_off_duty(ts("2026-05-01T11:00:00Z"), &utc),
            "no spill-over to the 1st"
        );
        assert!(!r.is_off_duty(ts("2026-02-28T11:00:00Z"), &utc));
        assert!(r.is_off_duty(ts("2026-05-31T10:00:00Z"), &utc));
    }

    #[test]
    fn monthly_overnight_window_runs_into_next_month() {
        let r = rule(
            json!({"mode": "Monthly", "monthDay": 31, "startTime": "23:00", "endTime": "02:00"}),
        );
        let utc = TimeZone::UTC;
        assert!(r.is_off_duty(ts("2026-03-31T23:30:00Z"), &utc));
        assert!(
            r.is_off_duty(ts("2026-04-01T01:00:00Z"), &utc),
            "01:00 on the 1st of April"
        );
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
        let r = rule(
            json!({"mode": "Weekly", "weekDay": "Saturday", "startTime": "00:00", "endTime": "08:00"}),
        );
        let now = ts("2026-03-14T00:00:00Z");
        assert!(r.is_off_duty(now, &tz("Europe/Amsterdam")));
        assert!(!r.is_off_duty(now, &tz("America/New_York")));
    }

    #[test]
    fn one_time_is_absolute() {
        let r = rule(
            json!({"mode": "OneTime", "start": "2026-11-27T10:00:00Z", "end": "2026-11-27T12:00:00Z"}),
        );
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
        assert!(
            r.is_off_duty(ts("2026-11-01T06:30:00Z"), &ny),
            "second 01:30"
        );
        assert!(r.is_off_duty(ts("2026-11-01T07:59:59Z"), &ny));
        assert!(!r.is_off_duty(ts("2026-11-01T08:00:00Z"), &ny));
        // A window ending inside the fold ends at its first occurrence (compatible).
        let r = rule(json!({"mode": "Daily", "startTime": "00:30", "endTime": "01:30"}));
        assert!(r.is_off_duty(ts("2026-11-01T05:00:00Z"), &ny), "01:00 EDT");
        assert!(
            !r.is_off_duty(ts("2026-11-01T05:30:00Z"), &ny),
            "01:30 EDT ends the window"
        );
        assert!(
            !r.is_off_duty(ts("2026-11-01T06:00:00Z"), &ny),
            "01:00 EST is after the window"
        );
    }

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
        let rec = rule(json!({"mode": "OneTime", "start": "2026-11-27T11:00:00+01:00", "end": "2026-11-28T10:00:00.250Z"}))
            .to_record("a".into());
        assert_eq!(rec.start.as_deref(), Some("2026-11-27T10:00:00Z"));
        assert_eq!(rec.end.as_deref(), Some("2026-11-28T10:00:00.25Z"));
        assert_eq!(
            (rec.week_day, rec.month_day, rec.start_time, rec.end_time),
            (None, None, None, None)
        );

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

        let rec = rule(
            json!({"mode": "Monthly", "monthDay": 7, "startTime": "01:00", "endTime": "02:00"}),
        )
        .to_record("c".into());
        assert_eq!(rec.month_day, Some(7));
        assert_eq!(rec.week_day, None);
    }

    #[test]
    fn from_record_refuses_garbage() {
        let mut rec = rule(json!({"mode": "Daily", "startTime": "01:00", "endTime": "02:00"}))
            .to_record("x".into());
        rec.mode = "Hourly".into();
        assert_eq!(ScheduleRule::from_record(&rec), None);
        let mut rec = rule(json!({"mode": "Daily", "startTime": "01:00", "endTime": "02:00"}))
            .to_record("x".into());
        rec.start_time = Some("1am".into());
        assert_eq!(ScheduleRule::from_record(&rec), None);
        let mut rec = rule(json!({"mode": "Daily", "startTime": "01:00", "endTime": "02:00"}))
            .to_record("x".into());
        rec.month_day = Some(40);
        assert_eq!(ScheduleRule::from_record(&rec), None);
    }

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

    #[test]
    fn a_month_day_is_any_json_integer() {
        let monthly = |day: serde_json::Value| {
            ScheduleRule::from_input(&input(serde_json::json!({"mode": "Monthly", "monthDay": day, "startTime": "01:00", "endTime": "02:00"})))
        };
        assert!(monthly(serde_json::json!(8.0)).is_ok());
        assert!(monthly(serde_json::json!(8)).is_ok());
        assert!(monthly(serde_json::json!(8.5)).is_err());
        assert!(monthly(serde_json::json!(32.0)).is_err());
        assert!(monthly(serde_json::json!(0)).is_err());
    }
}
