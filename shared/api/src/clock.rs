use std::sync::Arc;

use jiff::Timestamp;

/// The time source of the handlers; tests and `hubctl recompute --now` inject a fixed one.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Timestamp + Send + Sync>);

impl Clock {
    pub fn system() -> Self {
        Clock(Arc::new(Timestamp::now))
    }
    pub fn fixed(at: Timestamp) -> Self {
        Clock(Arc::new(move || at))
    }
    /// A clock read from `now` (tests move time with it).
    pub fn from_fn(now: impl Fn() -> Timestamp + Send + Sync + 'static) -> Self {
        Clock(Arc::new(now))
    }
    pub fn now(&self) -> Timestamp {
        (self.0)()
    }
    /// Now as stored and shown: RFC 3339 UTC with whole seconds.
    pub fn now_rfc3339(&self) -> String {
        format_timestamp(self.now())
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

/// The one wire and storage format of the server's own instants (created, updated, last used,
/// `now`): RFC 3339 UTC with whole seconds, fixed width, so that stored values sort as text.
/// (Audit events carry milliseconds, [`crate::audit::event_time`]; a schedule's bounds are the
/// caller's instants and keep their fraction, `schedule::record`.)
pub fn format_timestamp(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}
