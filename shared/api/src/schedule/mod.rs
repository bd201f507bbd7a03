//! Off-duty schedules: validation of the request body, evaluation ("is the operator inside a
//! window right now?") in the account's time zone, and conversion to and from the store record.
//! One job per file, lowest first:
//!
//! - `model`: the validated schedule (`ScheduleRule`, `DailyWindow`) and the weekday names;
//! - `input`: the request body (`ScheduleInput`), its OpenAPI schema and its validation into a rule;
//! - `evaluate`: whether an instant falls inside one of a rule's windows;
//! - `view`: the response shape, read from the store record;
//! - `record`: a rule to and from the store record.
//!
//! Windows are half-open, `[start, end)`. A recurring window starts on a matching civil date at
//! `startTime` and ends at `endTime` the same day, or the next day when `endTime < startTime`
//! (it runs past midnight). Civil date-times are turned into instants with the time zone's
//! "compatible" disambiguation: a time inside a spring-forward gap moves forward by the gap, a
//! time inside a fall-back fold takes its first occurrence.

mod evaluate;
mod input;
mod model;
mod record;
mod view;

pub use input::{FieldErrors, RFC3339_PATTERN, ScheduleInput};
pub use model::{DailyWindow, ScheduleRule};
pub use view::{ScheduleMode, ScheduleView};

/// What the tests of every part build rules and instants with.
#[cfg(test)]
mod testing {
    pub use super::*;
    pub use jiff::Timestamp;
    pub use jiff::civil::Time;
    pub use jiff::tz::TimeZone;
    pub use serde_json::json;

    pub fn input(v: serde_json::Value) -> ScheduleInput {
        serde_json::from_value(v).expect("input deserializes")
    }

    pub fn rule(v: serde_json::Value) -> ScheduleRule {
        ScheduleRule::from_input(&input(v)).expect("valid schedule")
    }

    pub fn errors(v: serde_json::Value) -> FieldErrors {
        ScheduleRule::from_input(&input(v)).expect_err("invalid schedule")
    }

    pub fn fields(errs: &FieldErrors) -> Vec<&str> {
        errs.iter().map(|(f, _)| f.as_str()).collect()
    }

    pub fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    pub fn tz(name: &str) -> TimeZone {
        jiff::tz::db().get(name).unwrap()
    }

    pub fn hm(h: i8, m: i8) -> Time {
        Time::new(h, m, 0, 0).unwrap()
    }
}
