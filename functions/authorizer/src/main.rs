//! The Lambda authorizer's entry point; everything else is in the library.

// The runtime's service stack around the handler's future is deep.
#![recursion_limit = "256"]

use lambda_runtime::service_fn;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    hub_api::lambda::init_tracing();
    let state = hub_api::lambda::state_or_init_error().await?;
    let state = &state;
    lambda_runtime::run(service_fn(move |event| hub_authorizer::handler(state, event))).await
}
