//! Building the DynamoDB client: real AWS, an external DynamoDB-compatible endpoint, or the
//! embedded one.

use std::time::Duration;

use aws_sdk_dynamodb::config::{Credentials, Region};
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

/// Where the table lives.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub table_name: String,
    /// `DYNAMODB_ENDPOINT`: an external DynamoDB-compatible endpoint (the local server's embedded
    /// one, DynamoDB Local, ...). `None` means real AWS with the usual credential chain.
    pub endpoint: Option<String>,
    /// Key that signs list cursors (`HUB_CURSOR_SECRET`).
    pub cursor_secret: Vec<u8>,
}

/// Cursor key used when `HUB_CURSOR_SECRET` is unset: fine for local runs and tests, and template.yaml
/// always sets a real one.
const DEV_CURSOR_SECRET: &[u8] = b"user-management-hub local cursor key";

impl StoreConfig {
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        StoreConfig {
            table_name: var("HUB_TABLE_NAME").unwrap_or_else(|| crate::table::DEFAULT_TABLE_NAME.to_owned()),
            endpoint: var("DYNAMODB_ENDPOINT"),
            cursor_secret: var("HUB_CURSOR_SECRET").map(String::into_bytes).unwrap_or_else(|| DEV_CURSOR_SECRET.to_vec()),
        }
    }

    pub fn local(endpoint: impl Into<String>) -> Self {
        StoreConfig {
            table_name: crate::table::DEFAULT_TABLE_NAME.to_owned(),
            endpoint: Some(endpoint.into()),
            cursor_secret: DEV_CURSOR_SECRET.to_vec(),
        }
    }
}

/// Deliberate limits so that an unreachable or throttling DynamoDB turns into a 503 within about
/// three seconds instead of hanging a request until the Lambda timeout.
fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(500))
        .operation_attempt_timeout(Duration::from_millis(900))
        .operation_timeout(Duration::from_millis(2500))
        .build()
}

fn retries() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(25))
}

pub(crate) async fn build_client(
    config: &StoreConfig,
    interceptors: Vec<aws_sdk_dynamodb::config::SharedInterceptor>,
) -> aws_sdk_dynamodb::Client {
    let mut builder = match &config.endpoint {
        Some(endpoint) => aws_sdk_dynamodb::Config::builder()
            .behavior_version_latest()
            .endpoint_url(endpoint)
            .region(Region::new(std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into())))
            .credentials_provider(local_credentials()),
        None => {
            let shared = aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await;
            aws_sdk_dynamodb::config::Builder::from(&shared)
        }
    };
    builder = builder.timeout_config(timeouts()).retry_config(retries());
    for interceptor in interceptors {
        builder.push_interceptor(interceptor);
    }
    aws_sdk_dynamodb::Client::from_conf(builder.build())
}

/// Local endpoints ignore credentials, but the SDK signs every request; take the environment's
/// when present so that a DynamoDB-compatible service that checks them still works.
fn local_credentials() -> Credentials {
    let id = std::env::var("AWS_ACCESS_KEY_ID").unwrap_or_else(|_| "local".into());
    let secret = std::env::var("AWS_SECRET_ACCESS_KEY").unwrap_or_else(|_| "local".into());
    Credentials::new(id, secret, None, None, "hub-local")
}
