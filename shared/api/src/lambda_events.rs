//! Running an event handler (not HTTP: the Lambda authorizer, the scheduled maintenance job) on
//! Lambda, as `lambda::serve` runs a router: logs, the state from the environment, then every
//! event to `handler`.

use std::future::Future;

use lambda_http::lambda_runtime::{self, LambdaEvent, service_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::lambda::{init_tracing, state_or_init_error};
use crate::state::AppState;

/// The whole `main` of an event function. The state lives as long as the process (leaked once,
/// so that every invocation borrows it).
pub async fn serve<E, R, F, Fut>(handler: F) -> Result<(), lambda_runtime::Error>
where
    E: DeserializeOwned + Send,
    R: Serialize,
    F: Fn(&'static AppState, LambdaEvent<E>) -> Fut,
    Fut: Future<Output = Result<R, lambda_runtime::Error>>,
{
    init_tracing();
    let state: &'static AppState = Box::leak(Box::new(state_or_init_error().await?));
    lambda_runtime::run(service_fn(move |event| handler(state, event))).await
}
