//! Running a function's router on AWS Lambda behind API Gateway (HTTP API, payload 2.0).

use axum::Router;
use axum::extract::Request;
use lambda_http::request::RequestContext;
use serde_json::Value;

use crate::caller::Caller;

/// The caller that the Lambda authorizer put in `requestContext.authorizer.lambda`, when the
/// request came through API Gateway with one.
pub fn authorizer_caller(req: &Request) -> Option<Caller> {
    let context = req.extensions().get::<RequestContext>()?;
    let fields = &context.authorizer()?.fields;
    let text = |name: &str| fields.get(name).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    let is_administrator = match fields.get("isAdministrator") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    };
    Some(Caller {
        account_id: text("accountId")?,
        operator_id: text("operatorId")?,
        api_user_id: text("apiUserId"),
        is_administrator,
    })
}

/// Directives that hold whatever `RUST_LOG` says: below them, libraries log raw events (the
/// Lambda runtime, with the `Authorization` header), whole DynamoDB items (the SDK, with API users'
/// password hashes) or request dumps (the embedded DynamoDB). Secrets never reach a log line.
pub const SECRET_SAFE_DIRECTIVES: [&str; 4] = [
    "lambda_runtime::layers::api_response=debug",
    "aws_smithy_runtime=debug",
    "aws_sdk_dynamodb=debug",
    "dynoxide=debug",
];

/// A log filter from `spec` (`RUST_LOG` syntax) with [`SECRET_SAFE_DIRECTIVES`] applied on top.
///
/// The directives are added only where `spec` enables TRACE somewhere: a directive sets its
/// target's level, so under `RUST_LOG=info` they would *raise* the SDK to DEBUG (a dozen JSON
/// lines per DynamoDB call, written at init and on every invocation) instead of capping it.
pub fn secret_safe_filter(spec: &str) -> tracing_subscriber::EnvFilter {
    let filter = tracing_subscriber::EnvFilter::new(spec);
    if filter.max_level_hint().is_some_and(|max| max <= tracing_subscriber::filter::LevelFilter::DEBUG) {
        return filter;
    }
    SECRET_SAFE_DIRECTIVES.iter().fold(filter, |f, d| f.add_directive(d.parse().expect("valid directive")))
}

/// Structured JSON logs for CloudWatch (the template sets the JSON log format); `RUST_LOG`
/// or `AWS_LAMBDA_LOG_LEVEL` pick the level.
pub fn init_tracing() {
    let spec = std::env::var("RUST_LOG")
        .or_else(|_| std::env::var("AWS_LAMBDA_LOG_LEVEL").map(|l| l.to_lowercase()))
        .unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(secret_safe_filter(&spec))
        .with_target(false)
        .without_time()
        .with_current_span(false)
        .try_init();
}

/// The whole `main` of an HTTP function: logs, state from the environment, then serve `router`
/// to the Lambda runtime.
pub async fn serve(router: fn(crate::state::AppState) -> Router) -> Result<(), lambda_http::Error> {
    init_tracing();
    let state = crate::state::AppState::from_env().await?;
    lambda_http::run(crate::http::with_fallback(router(state))).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::filter::LevelFilter;

    #[test]
    fn the_secret_safe_filter_caps_without_raising() {
        // Below TRACE nothing can log a raw event or item: the spec stays as it is.
        for (spec, max) in [("info", LevelFilter::INFO), ("warn", LevelFilter::WARN), ("debug", LevelFilter::DEBUG), ("off", LevelFilter::OFF)] {
            assert_eq!(secret_safe_filter(spec).max_level_hint(), Some(max), "{spec}");
        }
        // With TRACE, the libraries that would log secrets at TRACE are held at DEBUG.
        let trace = secret_safe_filter("trace").to_string();
        for directive in SECRET_SAFE_DIRECTIVES {
            assert!(trace.contains(directive), "{directive} missing from {trace}");
        }
    }
}
