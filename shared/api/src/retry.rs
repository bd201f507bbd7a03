//! Optimistic concurrency: read, decide, write guarded; when another change won the race, do it
//! all again on fresh data.

use std::future::Future;
use std::time::Duration;

use crate::error::{ApiError, ApiResult};

const ATTEMPTS: u32 = 25;

/// Runs `attempt` until it returns something other than [`ApiError::Retry`], with a short
/// jittered back-off; 503 if others keep winning.
pub async fn retrying<T, F, Fut>(mut attempt: F) -> ApiResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ApiResult<T>>,
{
    for n in 0..ATTEMPTS {
        match attempt().await {
            Err(ApiError::Retry) => {
                let mut jitter = [0u8; 1];
                let _ = getrandom::fill(&mut jitter);
                let base = 2u64.saturating_pow(n.min(5));
                tokio::time::sleep(Duration::from_millis(base + u64::from(jitter[0] % 8))).await;
            }
            other => return other,
        }
    }
    Err(ApiError::ServiceUnavailable)
}
