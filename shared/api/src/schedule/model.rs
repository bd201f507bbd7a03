//! The validated off-duty schedule, as evaluated and stored.

use jiff::Timestamp;
use jiff::civil::{Time, Weekday};

/// A daily time window, minute precision. `end < start` means it runs past midnight;
/// `start == end` never exists (refused by validation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyWindow {
    pub start: Time,
    pub end: Time,
}

/// A validated off-duty schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleRule {
    OneTime { start: Timestamp, end: Timestamp },
    Daily { window: DailyWindow },
    Weekly { week_day: Weekday, window: DailyWindow },
    Monthly { month_day: u8, window: DailyWindow },
}

/// The weekdays by their wire names.
pub(super) const WEEKDAYS: [(&str, Weekday); 7] = [
    ("Monday", Weekday::Monday),
    ("Tuesday", Weekday::Tuesday),
    ("Wednesday", Weekday::Wednesday),
    ("Thursday", Weekday::Thursday),
    ("Friday", Weekday::Friday),
    ("Saturday", Weekday::Saturday),
    ("Sunday", Weekday::Sunday),
];

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
}
