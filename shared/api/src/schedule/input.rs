//! The request body of a schedule: its shape, its OpenAPI schema and its validation into a
//! [`ScheduleRule`].

use jiff::Timestamp;
use jiff::civil::{Time, Weekday};
use serde::Deserialize;

use super::model::{DailyWindow, ScheduleRule, WEEKDAYS};

/// A schedule as it arrives in a `POST`/`PUT` body. Every field is optional (absent or `null` is
/// `None`) so that [`ScheduleRule::from_input`] can report every problem itself; unknown fields
/// are refused by serde.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScheduleInput {
    pub mode: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub week_day: Option<String>,
    pub month_day: Option<serde_json::Value>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
}

/// `HH:mm`, 00:00-23:59, as [`parse_hhmm`] reads it.
const HHMM_PATTERN: &str = "^(?:[01][0-9]|2[0-3]):[0-5][0-9]$";

/// The shape [`parse_rfc3339`] checks, with calendar days (29 February in leap years: divisible
/// by 4 and not by 100, or by 400) and years up to 9998 (jiff's last instant is in 9999).
pub const RFC3339_PATTERN: &str = "^(?:(?:[0-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-\
(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))\
|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)\
[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,9})?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$";

/// One object shape per mode: its own fields required, the others absent or null. What a
/// pattern cannot say is in the descriptions: a `OneTime` window's `end` is after its `start`,
/// and `startTime` and `endTime` differ.
fn schedule_input_schema() -> serde_json::Value {
    use serde_json::json;
    let timestamp =
        json!({"type": "string", "pattern": RFC3339_PATTERN, "description": "RFC 3339 with `Z` or an offset"});
    let time = json!({"type": "string", "pattern": HHMM_PATTERN, "description": "`HH:mm`; `endTime` before `startTime` runs past midnight; the two differ"});
    let week_day = json!({"type": "string", "enum": WEEKDAYS.iter().map(|(name, _)| *name).collect::<Vec<_>>()});
    let month_day = json!({"type": "integer", "minimum": 1, "maximum": 31, "description": "A month without that day has no window"});
    let fields = [
        ("start", &timestamp),
        ("end", &timestamp),
        ("weekDay", &week_day),
        ("monthDay", &month_day),
        ("startTime", &time),
        ("endTime", &time),
    ];
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

/// Field errors: `(field, message)`, field names as on the wire.
pub type FieldErrors = Vec<(String, String)>;

const MODES: [&str; 4] = ["OneTime", "Daily", "Weekly", "Monthly"];

fn parse_weekday(input: &str) -> Result<Weekday, String> {
    WEEKDAYS
        .iter()
        .find(|(name, _)| *name == input)
        .map(|(_, d)| *d)
        .ok_or_else(|| "must be one of Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday".into())
}

/// Strict `HH:mm`, 00:00-23:59.
fn parse_hhmm(input: &str) -> Result<Time, String> {
    let message = || String::from("must be a time in HH:mm format (00:00-23:59)");
    let b = input.as_bytes();
    if b.len() != 5 || b[2] != b':' {
        return Err(message());
    }
    let digit = |i: usize| -> Result<i8, String> {
        if b[i].is_ascii_digit() { Ok((b[i] - b'0') as i8) } else { Err(message()) }
    };
    let hour = digit(0)? * 10 + digit(1)?;
    let minute = digit(3)? * 10 + digit(4)?;
    if hour > 23 || minute > 59 {
        return Err(message());
    }
    Time::new(hour, minute, 0, 0).map_err(|_| message())
}

/// RFC 3339 date-time with `Z` or a numeric offset: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
/// The shape is checked here (jiff alone would also take Temporal extensions such as
/// `[Europe/Paris]` suffixes); jiff then checks the calendar values.
fn parse_rfc3339(input: &str) -> Result<Timestamp, String> {
    let message = || String::from("must be an RFC 3339 timestamp with Z or an offset, e.g. 2026-11-27T10:00:00Z");
    let b = input.as_bytes();
    let digits = |range: std::ops::Range<usize>| b.get(range.clone()).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
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
    /// Validates a request body, reporting every problem found as `(field, message)`.
    pub fn from_input(input: &ScheduleInput) -> Result<Self, FieldErrors> {
        let mut errors: FieldErrors = Vec::new();
        let mode = match input.mode.as_deref() {
            Some(m) if MODES.contains(&m) => m,
            other => {
                let message =
                    if other.is_none() { "is required" } else { "must be one of OneTime, Daily, Weekly, Monthly" };
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
        fn value<T>(errors: &mut FieldErrors, field: &str, raw: Option<Result<T, String>>) -> Option<T> {
            match raw? {
                Ok(v) => Some(v),
                Err(message) => {
                    errors.push((field.into(), message));
                    None
                }
            }
        }

        let rule = if mode == "OneTime" {
            let start = value(&mut errors, "start", input.start.as_deref().map(parse_rfc3339));
            let end = value(&mut errors, "end", input.end.as_deref().map(parse_rfc3339));
            match (start, end) {
                (Some(start), Some(end)) if start < end => Some(ScheduleRule::OneTime { start, end }),
                (Some(_), Some(_)) => {
                    errors.push(("end".into(), "must be after start".into()));
                    None
                }
                _ => None,
            }
        } else {
            let start = value(&mut errors, "startTime", input.start_time.as_deref().map(parse_hhmm));
            let end = value(&mut errors, "endTime", input.end_time.as_deref().map(parse_hhmm));
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
                "Weekly" => value(&mut errors, "weekDay", input.week_day.as_deref().map(parse_weekday))
                    .zip(window)
                    .map(|(week_day, window)| ScheduleRule::Weekly { week_day, window }),
                _ => value(&mut errors, "monthDay", input.month_day.as_ref().map(parse_month_day))
                    .zip(window)
                    .map(|(month_day, window)| ScheduleRule::Monthly { month_day, window }),
            }
        };

        match rule {
            Some(rule) if errors.is_empty() => Ok(rule),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    // --- Input shape -----------------------------------------------------------------------

    #[test]
    fn unknown_fields_are_refused_by_serde() {
        let r = serde_json::from_value::<ScheduleInput>(
            json!({"mode": "Daily", "startTime": "01:00", "endTime": "02:00", "days": 3}),
        );
        assert!(r.is_err());
        // snake_case names are unknown too.
        let r = serde_json::from_value::<ScheduleInput>(json!({"mode": "Daily", "start_time": "01:00"}));
        assert!(r.is_err());
    }

    #[test]
    fn mode_is_required_and_closed() {
        assert_eq!(errors(json!({})), vec![("mode".to_string(), "is required".to_string())]);
        assert_eq!(fields(&errors(json!({"mode": null}))), ["mode"]);
        assert_eq!(fields(&errors(json!({"mode": "daily", "startTime": "01:00", "endTime": "02:00"}))), ["mode"]);
        assert_eq!(fields(&errors(json!({"mode": "Yearly"}))), ["mode"]);
    }

    // --- OneTime ---------------------------------------------------------------------------

    #[test]
    fn one_time_valid() {
        let r = rule(json!({"mode": "OneTime", "start": "2026-11-27T10:00:00Z", "end": "2026-11-27T12:30:00+01:00"}));
        assert_eq!(r, ScheduleRule::OneTime { start: ts("2026-11-27T10:00:00Z"), end: ts("2026-11-27T11:30:00Z") });
        assert_eq!(r.mode(), "OneTime");
        // Nulls for foreign fields are fine.
        rule(
            json!({"mode": "OneTime", "start": "2026-11-27T10:00:00Z", "end": "2026-11-28T10:00:00Z", "weekDay": null, "monthDay": null, "startTime": null, "endTime": null}),
        );
        // Fractions and lowercase separators are RFC 3339 too.
        rule(json!({"mode": "OneTime", "start": "2026-11-27t10:00:00.5z", "end": "2026-11-27T10:00:01-00:00"}));
    }

    #[test]
    fn one_time_invalid() {
        // Missing both.
        assert_eq!(fields(&errors(json!({"mode": "OneTime"}))), ["start", "end"]);
        // End not after start.
        let e = errors(json!({"mode": "OneTime", "start": "2026-11-27T10:00:00Z", "end": "2026-11-27T10:00:00Z"}));
        assert_eq!(e, vec![("end".to_string(), "must be after start".to_string())]);
        let e = errors(json!({"mode": "OneTime", "start": "2026-11-27T11:00:00+01:00", "end": "2026-11-27T09:59:59Z"}));
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
            ScheduleRule::Daily { window: DailyWindow { start: hm(22, 0), end: hm(6, 30) } }
        );
        rule(json!({"mode": "Daily", "startTime": "00:00", "endTime": "23:59"}));

        assert_eq!(fields(&errors(json!({"mode": "Daily"}))), ["startTime", "endTime"]);
        assert_eq!(fields(&errors(json!({"mode": "Daily", "startTime": "09:00"}))), ["endTime"]);
        for bad in ["9:00", "09:0", "24:00", "23:60", "09:00:00", "0900", "ab:cd", "+9:00", " 9:00", "09h00", ""] {
            let e = errors(json!({"mode": "Daily", "startTime": bad, "endTime": "10:00"}));
            assert_eq!(fields(&e), ["startTime"], "{bad:?}");
        }
        let e = errors(json!({"mode": "Daily", "startTime": "08:00", "endTime": "08:00"}));
        assert_eq!(e, vec![("endTime".to_string(), "startTime and endTime must differ".to_string())]);
    }

    #[test]
    fn daily_foreign_fields_rejected() {
        let e = errors(
            json!({"mode": "Daily", "startTime": "01:00", "endTime": "02:00", "start": "2026-11-27T10:00:00Z", "weekDay": "Monday"}),
        );
        assert_eq!(fields(&e), ["start", "weekDay"]);
        let e = errors(json!({"mode": "Daily", "startTime": "01:00", "endTime": "02:00", "monthDay": 1, "end": "x"}));
        assert_eq!(fields(&e), ["end", "monthDay"]);
    }

    // --- Weekly ----------------------------------------------------------------------------

    #[test]
    fn weekly_valid_and_invalid() {
        assert_eq!(
            rule(json!({"mode": "Weekly", "weekDay": "Friday", "startTime": "22:00", "endTime": "06:00"})),
            ScheduleRule::Weekly { week_day: Weekday::Friday, window: DailyWindow { start: hm(22, 0), end: hm(6, 0) } }
        );
        for (name, day) in WEEKDAYS {
            let r = rule(json!({"mode": "Weekly", "weekDay": name, "startTime": "01:00", "endTime": "02:00"}));
            assert!(matches!(r, ScheduleRule::Weekly { week_day, .. } if week_day == day));
        }
        assert_eq!(fields(&errors(json!({"mode": "Weekly", "startTime": "01:00", "endTime": "02:00"}))), ["weekDay"]);
        for bad in ["friday", "Fri", "FRIDAY", "5", ""] {
            let e = errors(json!({"mode": "Weekly", "weekDay": bad, "startTime": "01:00", "endTime": "02:00"}));
            assert_eq!(fields(&e), ["weekDay"], "{bad:?}");
        }
        // Several problems at once are all reported.
        let e = errors(
            json!({"mode": "Weekly", "weekDay": "Caturday", "startTime": "25:00", "endTime": "02:00", "monthDay": 4}),
        );
        assert_eq!(fields(&e), ["monthDay", "startTime", "weekDay"]);
    }

    // --- Monthly ---------------------------------------------------------------------------

    #[test]
    fn monthly_valid_and_invalid() {
        assert_eq!(
            rule(json!({"mode": "Monthly", "monthDay": 31, "startTime": "23:00", "endTime": "02:00"})),
            ScheduleRule::Monthly { month_day: 31, window: DailyWindow { start: hm(23, 0), end: hm(2, 0) } }
        );
        rule(json!({"mode": "Monthly", "monthDay": 1, "startTime": "00:00", "endTime": "01:00"}));
        for bad in [json!(0), json!(32), json!(-1), json!(1.5), json!(31.5), json!("15"), json!(true), json!([1])] {
            let e = errors(json!({"mode": "Monthly", "monthDay": bad, "startTime": "01:00", "endTime": "02:00"}));
            assert_eq!(fields(&e), ["monthDay"], "{bad}");
        }
        assert_eq!(fields(&errors(json!({"mode": "Monthly", "startTime": "01:00", "endTime": "02:00"}))), ["monthDay"]);
        let e = errors(
            json!({"mode": "Monthly", "monthDay": 3, "weekDay": "Monday", "startTime": "01:00", "endTime": "02:00"}),
        );
        assert_eq!(fields(&e), ["weekDay"]);
    }

    #[test]
    fn a_month_day_is_any_json_integer() {
        let monthly = |day: serde_json::Value| {
            ScheduleRule::from_input(&input(
                serde_json::json!({"mode": "Monthly", "monthDay": day, "startTime": "01:00", "endTime": "02:00"}),
            ))
        };
        assert!(monthly(serde_json::json!(8.0)).is_ok());
        assert!(monthly(serde_json::json!(8)).is_ok());
        assert!(monthly(serde_json::json!(8.5)).is_err());
        assert!(monthly(serde_json::json!(32.0)).is_err());
        assert!(monthly(serde_json::json!(0)).is_err());
    }
}
