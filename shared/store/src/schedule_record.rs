use serde::{Deserialize, Serialize};

use crate::ids::ScheduleId;

/// An off-duty schedule as stored inside its operator's item. Field meaning and validation live in
/// the domain crate; the store only keeps the values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleRecord {
    pub schedule_id: ScheduleId,
    /// `OneTime`, `Daily`, `Weekly` or `Monthly`.
    pub mode: String,
    /// RFC 3339 UTC, `OneTime` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// `Monday`..`Sunday`, `Weekly` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub week_day: Option<String>,
    /// 1-31, `Monthly` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month_day: Option<u8>,
    /// `HH:mm`, recurring modes only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
}
