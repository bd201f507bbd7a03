//! The scheduled maintenance job's entry point; everything else is in the library.

// The runtime's service stack around the handler's future is deep.
#![recursion_limit = "256"]

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    hub_api::lambda_events::serve(hub_maintenance::handler).await
}
