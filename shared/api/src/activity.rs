//! Usage and inactivity of API users, relative to a clock: one definition for the api-users
//! function and the maintenance job, so that the list filter, the resource's `inactive` and the
//! hub's `apiUsers.inactive` count agree.
//!
//! - **Inactive**: neither used nor created in the last 30 days, i.e. the later of `lastUsedAt`
//!   and `createdAt` (stored as `lastActiveAt`) is more than 30 × 24 hours before now.
//! - **`requestsLast30Days`**: the requests of the current UTC day and of the 29 UTC days before
//!   it, summed from the per-day counters that every authenticated request increments (exact,
//!   not sampled; the window moves forward a whole day at midnight UTC).

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use crate::caller::usage_day;
use crate::clock::format_timestamp;

/// The length of the window, in days.
pub const WINDOW_DAYS: i64 = 30;

/// An API user whose last activity is before this instant (RFC 3339 UTC) is inactive.
pub fn inactive_cutoff(now: Timestamp) -> String {
    format_timestamp(now - SignedDuration::from_hours(24 * WINDOW_DAYS))
}

/// Whether an API user last active at `last_active_at` is inactive at `now`.
pub fn is_inactive(last_active_at: &str, now: Timestamp) -> bool {
    last_active_at < inactive_cutoff(now).as_str()
}

/// The first usage day (`dYYYYMMDD`) inside the window ending today.
pub fn first_counted_day(now: Timestamp) -> String {
    usage_day(now - SignedDuration::from_hours(24 * (WINDOW_DAYS - 1)))
}

/// Requests of the current UTC day and the 29 days before it.
pub fn requests_last_30_days(usage: &BTreeMap<String, i64>, now: Timestamp) -> i64 {
    let (first, today) = (first_counted_day(now), usage_day(now));
    usage.range(first..=today).map(|(_, n)| n).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn the_window_is_today_and_the_29_days_before() {
        let usage: BTreeMap<String, i64> = [
            ("d20261027", 100),
            ("d20261028", 1),
            ("d20261115", 2),
            ("d20261126", 4),
            ("d20261127", 8),
            ("d20261128", 16),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let now = at("2026-11-26T12:00:00Z");
        assert_eq!(first_counted_day(now), "d20261028");
        assert_eq!(requests_last_30_days(&usage, now), 1 + 2 + 4);
        // A day later the oldest day has left and today's counts.
        assert_eq!(requests_last_30_days(&usage, at("2026-11-27T00:00:00Z")), 2 + 4 + 8);
        assert_eq!(requests_last_30_days(&BTreeMap::new(), now), 0);
    }

    #[test]
    fn inactive_after_thirty_days_to_the_second() {
        let now = at("2026-11-27T10:00:00Z");
        assert_eq!(inactive_cutoff(now), "2026-10-28T10:00:00Z");
        assert!(is_inactive("2026-10-28T09:59:59Z", now));
        assert!(!is_inactive("2026-10-28T10:00:00Z", now));
        assert!(!is_inactive("2026-11-27T10:00:00Z", now));
    }
}
