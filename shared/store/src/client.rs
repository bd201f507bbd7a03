//! Building the DynamoDB client: real AWS, an external DynamoDB-compatible endpoint, or the
//! embedded one.

use std::time::Duration;

use aws_sdk_dynamodb::config::{Credentials, Region};
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

/// The table's name unless `HUB_TABLE_NAME` says otherwise.
pub const DEFAULT_TABLE_NAME: &str = "user-management-hub";

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

/// Cursor key used when `HUB_CURSOR_SECRET` is unset outside Lambda: fine for local runs and
/// tests. Inside Lambda there is no fallback (template.yaml sets a generated key).
const DEV_CURSOR_SECRET: &[u8] = b"user-management-hub local cursor key";

/// The shortest cursor key accepted inside Lambda (the template generates 48 characters).
pub const MIN_CURSOR_SECRET_BYTES: usize = 32;

impl StoreConfig {
    /// From the environment. Inside AWS Lambda (`AWS_LAMBDA_FUNCTION_NAME` set) the cursor key
    /// must be configured: a built-in key is public, and cursors signed with it could be forged
    /// to point a list anywhere in the account's partition.
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`StoreConfig::from_env`] with another source of variables.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let var = |k: &str| lookup(k).filter(|v| !v.trim().is_empty());
        let in_lambda = var("AWS_LAMBDA_FUNCTION_NAME").is_some();
        let cursor_secret = match var("HUB_CURSOR_SECRET") {
            Some(secret) if in_lambda && secret.len() < MIN_CURSOR_SECRET_BYTES => {
                return Err("HUB_CURSOR_SECRET is shorter than 32 bytes".into());
            }
            Some(secret) => secret.into_bytes(),
            None if in_lambda => {
                return Err("HUB_CURSOR_SECRET is not set: inside AWS Lambda list cursors are signed only with a configured key".into());
            }
            None => DEV_CURSOR_SECRET.to_vec(),
        };
        Ok(StoreConfig {
            table_name: var("HUB_TABLE_NAME").unwrap_or_else(|| DEFAULT_TABLE_NAME.to_owned()),
            endpoint: var("DYNAMODB_ENDPOINT"),
            cursor_secret,
        })
    }

    pub fn local(endpoint: impl Into<String>) -> Self {
        StoreConfig {
            table_name: DEFAULT_TABLE_NAME.to_owned(),
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
) -> Result<aws_sdk_dynamodb::Client, String> {
    let mut builder = match &config.endpoint {
        Some(endpoint) => {
            let builder = aws_sdk_dynamodb::Config::builder()
                .behavior_version_latest()
                .endpoint_url(endpoint)
                .region(Region::new(std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into())))
                .credentials_provider(local_credentials());
            // A plain-HTTP endpoint (the embedded DynamoDB, DynamoDB Local) needs no trusted roots.
            if endpoint.starts_with("http://") {
                builder.http_client(https_client(TrustStore::empty())?)
            } else {
                builder
            }
        }
        None => match LambdaEnvironment::read() {
            Some(lambda) => lambda.config()?,
            None => default_chain().await?,
        },
    };
    builder = builder.timeout_config(timeouts()).retry_config(retries());
    for interceptor in interceptors {
        builder.push_interceptor(interceptor);
    }
    Ok(aws_sdk_dynamodb::Client::from_conf(builder.build()))
}

/// Real AWS outside Lambda: the SDK's default chain (environment, profiles, SSO, web identity,
/// container and instance credentials; region likewise) and the system's roots.
#[cfg(feature = "aws-default-chain")]
async fn default_chain() -> Result<aws_sdk_dynamodb::config::Builder, String> {
    let shared = aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await;
    Ok(aws_sdk_dynamodb::config::Builder::from(&shared))
}

#[cfg(not(feature = "aws-default-chain"))]
async fn default_chain() -> Result<aws_sdk_dynamodb::config::Builder, String> {
    Err("no DYNAMODB_ENDPOINT and no Lambda environment (AWS_LAMBDA_FUNCTION_NAME, AWS_REGION, AWS_ACCESS_KEY_ID, \
         AWS_SECRET_ACCESS_KEY): this build has no default credential chain (hub-store feature `aws-default-chain`)"
        .into())
}

/// The roots that sign every AWS service endpoint's certificate (Amazon Trust Services: Amazon
/// Root CA 1 to 4, and the Starfield Services root that cross-signs them), PEM, as shipped in
/// the Mozilla root store.
const AWS_ROOTS_PEM: &[u8] = include_bytes!("../certs/amazon-trust-services-roots.pem");

/// The SDK's own rustls/aws-lc HTTPS client, trusting `roots`. The SDK's default client loads
/// the system's root store (hundreds of files read and parsed) when the DynamoDB client is
/// built, which was most of a function's init.
fn https_client(roots: TrustStore) -> Result<aws_sdk_dynamodb::config::SharedHttpClient, String> {
    let tls = TlsContext::builder()
        .with_trust_store(roots.with_native_roots(false))
        .build()
        .map_err(|e| format!("cannot set up TLS for DynamoDB: {e}"))?;
    Ok(aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(tls)
        .build_https())
}

/// What Lambda puts in a function's environment: the region and the execution role's session
/// credentials (fixed for the life of the execution environment; the SDK's default chain would
/// take them from there too, after building a chain of providers and looking for profile files).
/// Read only inside Lambda; anything else (`hubctl --aws` on a laptop) gets the full default
/// chain and the system's roots.
struct LambdaEnvironment {
    region: String,
    credentials: Credentials,
    /// `AWS_ENDPOINT_URL_DYNAMODB` or `AWS_ENDPOINT_URL`, which the SDK's config loader honours.
    endpoint: Option<String>,
}

impl LambdaEnvironment {
    fn read() -> Option<Self> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let var = |k: &str| lookup(k).filter(|v| !v.is_empty());
        var("AWS_LAMBDA_FUNCTION_NAME")?;
        let credentials = Credentials::new(
            var("AWS_ACCESS_KEY_ID")?,
            var("AWS_SECRET_ACCESS_KEY")?,
            var("AWS_SESSION_TOKEN"),
            None,
            "lambda-environment",
        );
        let region = var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION"))?;
        Some(LambdaEnvironment {
            region,
            credentials,
            endpoint: var("AWS_ENDPOINT_URL_DYNAMODB").or_else(|| var("AWS_ENDPOINT_URL")),
        })
    }

    fn config(self) -> Result<aws_sdk_dynamodb::config::Builder, String> {
        let builder = aws_sdk_dynamodb::Config::builder()
            .behavior_version_latest()
            .region(Region::new(self.region))
            .credentials_provider(self.credentials)
            .http_client(https_client(TrustStore::empty().with_pem_certificate(AWS_ROOTS_PEM))?);
        Ok(match self.endpoint {
            Some(endpoint) => builder.endpoint_url(endpoint),
            None => builder,
        })
    }
}

/// Local endpoints ignore credentials, but the SDK signs every request; take the environment's
/// when present so that a DynamoDB-compatible service that checks them still works.
fn local_credentials() -> Credentials {
    let id = std::env::var("AWS_ACCESS_KEY_ID").unwrap_or_else(|_| "local".into());
    let secret = std::env::var("AWS_SECRET_ACCESS_KEY").unwrap_or_else(|_| "local".into());
    Credentials::new(id, secret, None, None, "hub-local")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Outside Lambda and without an endpoint, a build without the default credential chain has
    /// no way to reach DynamoDB: an error naming what to set (a Lambda init error, a CLI message),
    /// not a panic.
    #[cfg(not(feature = "aws-default-chain"))]
    #[tokio::test]
    async fn no_endpoint_and_no_lambda_environment_is_an_error_naming_what_to_set() {
        let config = StoreConfig {
            table_name: DEFAULT_TABLE_NAME.into(),
            endpoint: None,
            cursor_secret: DEV_CURSOR_SECRET.to_vec(),
        };
        let error = build_client(&config, vec![]).await.expect_err("no client can be built");
        assert!(error.contains("no DYNAMODB_ENDPOINT") && error.contains("aws-default-chain"), "{error}");
    }

    fn lambda_vars(k: &str) -> Option<String> {
        let v = match k {
            "AWS_LAMBDA_FUNCTION_NAME" => "hub-operators",
            "AWS_REGION" => "eu-west-1",
            "AWS_ACCESS_KEY_ID" => "ASIAEXAMPLE",
            "AWS_SECRET_ACCESS_KEY" => "secret",
            "AWS_SESSION_TOKEN" => "token",
            _ => return None,
        };
        Some(v.to_owned())
    }

    #[test]
    fn only_lambda_environments_take_the_short_path() {
        let lambda = LambdaEnvironment::from_vars(lambda_vars).expect("a Lambda environment");
        assert_eq!((lambda.region.as_str(), lambda.endpoint.as_deref()), ("eu-west-1", None));
        assert_eq!(lambda.credentials.session_token(), Some("token"));
        // Outside Lambda, or without the role's credentials: the SDK's full default chain.
        let without = |missing: &'static str| move |k: &str| if k == missing { None } else { lambda_vars(k) };
        for missing in ["AWS_LAMBDA_FUNCTION_NAME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"] {
            assert!(LambdaEnvironment::from_vars(without(missing)).is_none(), "{missing}");
        }
        let endpoint = LambdaEnvironment::from_vars(|k| {
            if k == "AWS_ENDPOINT_URL_DYNAMODB" { Some("http://127.0.0.1:8000".into()) } else { lambda_vars(k) }
        });
        assert_eq!(endpoint.unwrap().endpoint.as_deref(), Some("http://127.0.0.1:8000"));
    }

    #[tokio::test]
    async fn the_pinned_roots_parse_when_the_client_is_built() {
        // Building the client loads the trust store (the SDK's HTTP client does it eagerly) and
        // panics on a certificate it cannot parse.
        assert_eq!(AWS_ROOTS_PEM.windows(27).filter(|w| w == b"-----BEGIN CERTIFICATE-----").count(), 5);
        let lambda = LambdaEnvironment::from_vars(lambda_vars).unwrap();
        let _client = aws_sdk_dynamodb::Client::from_conf(lambda.config().unwrap().build());
    }

    #[test]
    fn the_cursor_secret_fails_closed_inside_lambda() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())
        };
        // Inside Lambda without a key (or with a blank one): no configuration, no built-in key.
        for vars in [
            &[("AWS_LAMBDA_FUNCTION_NAME", "hub-operators")][..],
            &[("AWS_LAMBDA_FUNCTION_NAME", "hub-operators"), ("HUB_CURSOR_SECRET", " ")],
        ] {
            let err = StoreConfig::from_lookup(env(vars)).unwrap_err();
            assert!(err.contains("HUB_CURSOR_SECRET"), "{err}");
        }
        let short =
            StoreConfig::from_lookup(env(&[("AWS_LAMBDA_FUNCTION_NAME", "f"), ("HUB_CURSOR_SECRET", "too-short")]));
        assert!(short.unwrap_err().contains("32 bytes"));
        let key = "k".repeat(48);
        let lambda = StoreConfig::from_lookup(|k| match k {
            "AWS_LAMBDA_FUNCTION_NAME" => Some("f".into()),
            "HUB_CURSOR_SECRET" => Some(key.clone()),
            _ => None,
        });
        assert_eq!(lambda.unwrap().cursor_secret, key.as_bytes());
        // Outside Lambda the development key stands in.
        assert_eq!(StoreConfig::from_lookup(env(&[])).unwrap().cursor_secret, DEV_CURSOR_SECRET);
    }
}
