//! Running a function's router on AWS Lambda behind API Gateway (HTTP API, payload 2.0).

use axum::Router;
use tracing_subscriber::filter::{LevelFilter, Targets};

/// Levels that hold whatever `RUST_LOG` says: below them, libraries log raw events (the Lambda
/// runtime, with the `Authorization` header), whole DynamoDB items (the SDK, with API users'
/// password hashes) or request dumps (the embedded DynamoDB). Secrets never reach a log line.
pub const SECRET_SAFE_DIRECTIVES: [(&str, LevelFilter); 4] = [
    ("lambda_runtime::layers::api_response", LevelFilter::DEBUG),
    ("aws_smithy_runtime", LevelFilter::DEBUG),
    ("aws_sdk_dynamodb", LevelFilter::DEBUG),
    ("dynoxide", LevelFilter::DEBUG),
];

/// A log filter from `spec` (`RUST_LOG`'s `target=level,...` syntax; an unreadable spec means
/// INFO) with [`SECRET_SAFE_DIRECTIVES`] applied on top.
///
/// The directives are added only where `spec` enables TRACE somewhere: a directive sets its
/// target's level, so under `RUST_LOG=info` they would *raise* the SDK to DEBUG (a dozen JSON
/// lines per DynamoDB call, written at init and on every invocation) instead of capping it.
///
/// A plain target filter rather than `EnvFilter`, whose regular expressions were some 135 KB of
/// every function's zip (BENCHMARKS.md).
pub fn secret_safe_filter(spec: &str) -> Targets {
    let filter: Targets = spec.parse().unwrap_or_else(|_| Targets::new().with_default(LevelFilter::INFO));
    let enables_trace = filter.default_level() == Some(LevelFilter::TRACE)
        || filter.iter().any(|(_, level)| level == LevelFilter::TRACE);
    if !enables_trace {
        return filter;
    }
    SECRET_SAFE_DIRECTIVES.iter().fold(filter, |f, (target, level)| f.with_target(*target, *level))
}

/// Structured JSON logs for CloudWatch (the template sets the JSON log format); `RUST_LOG`
/// or `AWS_LAMBDA_LOG_LEVEL` pick the level (blank counts as unset).
pub fn init_tracing() {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let set = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let spec = set("RUST_LOG")
        .or_else(|| set("AWS_LAMBDA_LOG_LEVEL").map(|l| l.to_lowercase()))
        .unwrap_or_else(|| "info".into());
    let json = tracing_subscriber::fmt::layer().json().with_target(false).without_time().with_current_span(false);
    let _ = tracing_subscriber::registry().with(json).with(secret_safe_filter(&spec)).try_init();
}

/// The state of a Lambda function from its environment, or the reason it must not start: logged
/// as an error, reported to the Runtime API as the init error (`Runtime.ConfigError`, so that
/// the invocation that cold-started it fails with the reason), and returned for `main` to exit.
pub async fn state_or_init_error() -> Result<crate::state::AppState, lambda_http::Error> {
    match crate::state::AppState::from_env().await {
        Ok(state) => Ok(state),
        Err(reason) => {
            tracing::error!(%reason, "refusing to start: the configuration is unsafe or incomplete");
            report_init_error(&reason).await;
            Err(reason.into())
        }
    }
}

/// Posts an init error to the Lambda Runtime API (`AWS_LAMBDA_RUNTIME_API`), best effort.
async fn report_init_error(reason: &str) {
    let Ok(api) = std::env::var("AWS_LAMBDA_RUNTIME_API") else { return };
    let body = serde_json::json!({"errorMessage": reason, "errorType": "Runtime.ConfigError", "stackTrace": []});
    let request = http::Request::post(format!("http://{api}/2018-06-01/runtime/init/error"))
        .header("Lambda-Runtime-Function-Error-Type", "Runtime.ConfigError")
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body.to_string().into());
    let posted = match request {
        Ok(request) => {
            crate::outbound::send(request, true, 64 * 1024, std::time::Duration::from_secs(2)).await.map(drop)
        }
        Err(_) => Err(crate::outbound::OutboundError::InvalidUrl),
    };
    if let Err(e) = posted {
        tracing::warn!(error = ?e, "could not report the init error to the Runtime API");
    }
}

/// The whole `main` of an HTTP function: logs, state from the environment, then serve `router`
/// to the Lambda runtime.
pub async fn serve(router: fn(crate::state::AppState) -> Router) -> Result<(), lambda_http::Error> {
    init_tracing();
    let state = state_or_init_error().await?;
    lambda_http::run(crate::http::with_fallback(router(state))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_safe_filter_caps_without_raising() {
        use tracing::Level;
        // Below TRACE nothing can log a raw event or item: the spec stays as it is.
        for (spec, max) in [
            ("info", LevelFilter::INFO),
            ("warn", LevelFilter::WARN),
            ("debug", LevelFilter::DEBUG),
            ("off", LevelFilter::OFF),
        ] {
            let filter = secret_safe_filter(spec);
            assert_eq!(filter.default_level(), Some(max), "{spec}");
            assert!(
                !filter.would_enable("aws_smithy_runtime::client", &Level::DEBUG) || max >= LevelFilter::DEBUG,
                "{spec} raised the SDK"
            );
        }
        // With TRACE, the libraries that would log secrets at TRACE are held at DEBUG.
        let trace = secret_safe_filter("trace");
        assert!(trace.would_enable("hub_api", &Level::TRACE));
        for (target, _) in SECRET_SAFE_DIRECTIVES {
            let inner = format!("{target}::inner");
            assert!(!trace.would_enable(&inner, &Level::TRACE), "{target} logs at TRACE");
            assert!(trace.would_enable(&inner, &Level::DEBUG), "{target} silenced");
        }
        // An unreadable spec is INFO, not a failed cold start.
        assert_eq!(secret_safe_filter("hub_api=loud").default_level(), Some(LevelFilter::INFO));
    }
}
