//! Failed Basic attempts per API user: after [`MAX_FAILURES`] wrong passwords within
//! [`WINDOW_SECONDS`], the username is answered 429 `too_many_requests` with `Retry-After` until
//! the window ends, before any DynamoDB request. A wrong password costs one conditional write
//! that fails; a flood of them for one API user would spend its account's write capacity.
//!
//! The count lives in the memory of one process (one Lambda execution environment of the
//! authorizer, or the local server), so the limit holds per environment: with the authorizer's
//! reserved concurrency at N, at most N × 20 failed writes per minute reach the table for one
//! username. Good passwords are not counted and do not reset the count; during the lock they are
//! refused too (checking them would cost the very write the lock saves).

use std::collections::HashMap;
use std::sync::Mutex;

use jiff::Timestamp;

/// Failed attempts of one username tolerated within the window.
pub const MAX_FAILURES: u32 = 20;
/// The window, from the first failure it counts.
pub const WINDOW_SECONDS: i64 = 60;
/// Usernames tracked at most; past it, windows that ended are dropped first, then the oldest.
const MAX_TRACKED: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Window {
    started: i64,
    failures: u32,
}

impl Window {
    fn open_at(&self, now: i64) -> bool {
        now - self.started < WINDOW_SECONDS && now >= self.started
    }
}

/// The failed-attempt counts of one process.
#[derive(Debug, Default)]
pub struct FailedAttempts {
    windows: Mutex<HashMap<String, Window>>,
}

impl FailedAttempts {
    /// Seconds until `username` may try again, when it has used up its failures at `now`.
    pub fn locked_for(&self, username: &str, now: Timestamp) -> Option<u64> {
        let now = now.as_second();
        let windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let window = windows.get(username)?;
        (window.open_at(now) && window.failures >= MAX_FAILURES)
            .then(|| (window.started + WINDOW_SECONDS - now).max(1) as u64)
    }

    /// Counts one failed attempt of `username` at `now`.
    pub fn record_failure(&self, username: &str, now: Timestamp) {
        let now = now.as_second();
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        match windows.get_mut(username) {
            Some(window) if window.open_at(now) => window.failures = window.failures.saturating_add(1),
            _ => {
                if windows.len() >= MAX_TRACKED {
                    windows.retain(|_, w| w.open_at(now));
                }
                if windows.len() >= MAX_TRACKED
                    && let Some(oldest) = windows.iter().min_by_key(|(_, w)| w.started).map(|(k, _)| k.clone())
                {
                    windows.remove(&oldest);
                }
                windows.insert(username.to_owned(), Window { started: now, failures: 1 });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + second).unwrap()
    }

    #[test]
    fn twenty_failures_in_a_minute_lock_the_username_until_the_window_ends() {
        let attempts = FailedAttempts::default();
        for i in 0..MAX_FAILURES {
            assert_eq!(attempts.locked_for("alice", at(i as i64)), None, "after {i} failures");
            attempts.record_failure("alice", at(i as i64));
        }
        assert_eq!(attempts.locked_for("alice", at(19)), Some(41));
        assert_eq!(attempts.locked_for("alice", at(59)), Some(1));
        assert_eq!(attempts.locked_for("bob", at(19)), None, "other usernames are not affected");
        // The window ends a minute after its first failure: a fresh one starts.
        assert_eq!(attempts.locked_for("alice", at(60)), None);
        attempts.record_failure("alice", at(60));
        assert_eq!(attempts.locked_for("alice", at(61)), None);
        // Failures spread over more than a minute never lock.
        let slow = FailedAttempts::default();
        for i in 0..100 {
            slow.record_failure("carol", at(i * 4));
            assert_eq!(slow.locked_for("carol", at(i * 4)), None);
        }
    }

    #[test]
    fn the_table_stays_bounded() {
        let attempts = FailedAttempts::default();
        for i in 0..(MAX_TRACKED + 50) {
            attempts.record_failure(&format!("user{i}"), at(0));
        }
        assert!(attempts.windows.lock().unwrap().len() <= MAX_TRACKED);
        for _ in 0..MAX_FAILURES {
            attempts.record_failure("mallory", at(1));
        }
        assert!(attempts.locked_for("mallory", at(2)).is_some());
    }
}
