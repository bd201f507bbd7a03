//! What a request costs in AWS, from what the benchmark measured (DynamoDB requests, their
//! stages, the capacity units they consumed) and stated assumptions: list prices and how long
//! each kind of DynamoDB call takes inside an AWS region. SCALING.md quotes the results.

use crate::probe::Recorded;

/// US East (N. Virginia) list prices, on-demand, per unit (SCALING.md names the sources).
pub const HTTP_API_PER_MILLION: f64 = 1.00;
pub const LAMBDA_PER_MILLION_INVOCATIONS: f64 = 0.20;
/// Lambda on arm64, per GB-second.
pub const LAMBDA_ARM_PER_GB_SECOND: f64 = 0.000_013_333_4;
/// DynamoDB on demand, per million read and write request units.
pub const DYNAMODB_PER_MILLION_READ_UNITS: f64 = 0.125;
pub const DYNAMODB_PER_MILLION_WRITE_UNITS: f64 = 0.625;
/// The functions' memory (template.yaml, Globals).
pub const FUNCTION_GB: f64 = 0.25;
/// The function's own work per invocation (decoding the event, JSON, rules), rounded up.
pub const OWN_WORK_MS: f64 = 1.0;

/// Assumed time of one DynamoDB call made from Lambda in the same region (typical single-digit
/// millisecond figures; transactions run two phases).
pub fn call_ms(call: &Recorded) -> f64 {
    match call {
        Recorded::GetItem(_) | Recorded::Query(_) | Recorded::BatchGetItem(_) => 4.0,
        Recorded::UpdateItem(_) | Recorded::PutItem(_) | Recorded::DeleteItem(_) | Recorded::BatchWriteItem(_) => 6.0,
        Recorded::TransactWriteItems(_) => 12.0,
        Recorded::Other => 6.0,
    }
}

/// Estimated duration of one invocation: calls that ran concurrently cost their slowest one.
pub fn invocation_ms(stages: &[Vec<Recorded>]) -> f64 {
    OWN_WORK_MS + stages.iter().map(|s| s.iter().map(call_ms).fold(0.0, f64::max)).sum::<f64>()
}

/// Dollars per million requests, split by service.
#[derive(Debug, Clone, Copy)]
pub struct PerMillion {
    pub api_gateway: f64,
    pub lambda: f64,
    pub dynamodb: f64,
}

impl PerMillion {
    pub fn total(&self) -> f64 {
        self.api_gateway + self.lambda + self.dynamodb
    }
}

/// One request through API Gateway, the authorizer and a function: `read_units` and
/// `write_units` are both invocations' together; Lambda bills each invocation by the
/// millisecond.
pub fn per_million(authorizer_ms: f64, handler_ms: f64, read_units: f64, write_units: f64) -> PerMillion {
    let gb_seconds = (authorizer_ms.ceil() + handler_ms.ceil()) / 1000.0 * FUNCTION_GB;
    PerMillion {
        api_gateway: HTTP_API_PER_MILLION,
        lambda: 2.0 * LAMBDA_PER_MILLION_INVOCATIONS + gb_seconds * LAMBDA_ARM_PER_GB_SECOND * 1e6,
        dynamodb: read_units * DYNAMODB_PER_MILLION_READ_UNITS + write_units * DYNAMODB_PER_MILLION_WRITE_UNITS,
    }
}
