//! Configuration read from the environment once per process.

use std::collections::BTreeMap;

use crate::values::AccountType;

#[derive(Debug, Clone)]
pub struct HubConfig {
    /// Default operator limit of each account type (`HUB_OPERATOR_LIMITS`, e.g.
    /// `Starter=1,Premium=4,Professional=10,Business=25,Enterprise=100`).
    pub operator_limits: BTreeMap<AccountType, i64>,
    /// Origins allowed by CORS (`HUB_CORS_ORIGINS`, comma-separated; `*` allows any).
    pub cors_origins: Vec<String>,
    /// Days an audit event is kept before DynamoDB's TTL removes it (`HUB_AUDIT_RETENTION_DAYS`,
    /// default 400).
    pub audit_retention_days: i64,
    /// The most bytes a response body may take once the Lambda runtime has put it into its JSON
    /// answer (`HUB_RESPONSE_BYTE_BUDGET`; inside Lambda by default
    /// [`LAMBDA_RESPONSE_BYTE_BUDGET`], since API Gateway and Lambda refuse a response over
    /// 6 MB; elsewhere none: the local server streams). The CSV export stops before it and
    /// links the rest.
    pub response_byte_budget: Option<usize>,
}

pub const DEFAULT_AUDIT_RETENTION_DAYS: i64 = 400;

/// A Lambda function's response budget: 5,000,000 bytes of body as the runtime encodes it,
/// leaving over a megabyte of the 6 MB (6,291,456 bytes) for the headers and the envelope.
pub const LAMBDA_RESPONSE_BYTE_BUDGET: usize = 5_000_000;

pub const DEFAULT_OPERATOR_LIMITS: &str = "Starter=1,Premium=4,Professional=10,Business=25,Enterprise=100";

impl HubConfig {
    pub fn from_env() -> Result<Self, String> {
        let limits = std::env::var("HUB_OPERATOR_LIMITS").ok().filter(|v| !v.is_empty());
        let origins = std::env::var("HUB_CORS_ORIGINS").unwrap_or_default();
        let retention = match std::env::var("HUB_AUDIT_RETENTION_DAYS").ok().filter(|v| !v.trim().is_empty()) {
            None => DEFAULT_AUDIT_RETENTION_DAYS,
            Some(v) => match v.trim().parse::<i64>() {
                Ok(days) if (1..=36_500).contains(&days) => days,
                _ => return Err(format!("HUB_AUDIT_RETENTION_DAYS: `{v}` is not a number of days (1-36500)")),
            },
        };
        let response_byte_budget = match std::env::var("HUB_RESPONSE_BYTE_BUDGET").ok().filter(|v| !v.trim().is_empty())
        {
            Some(v) => match v.trim().parse::<usize>() {
                Ok(bytes) if (1_024..=LAMBDA_RESPONSE_BYTE_BUDGET).contains(&bytes) => Some(bytes),
                _ => {
                    return Err(format!(
                        "HUB_RESPONSE_BYTE_BUDGET: `{v}` is not a number of bytes (1024-{LAMBDA_RESPONSE_BYTE_BUDGET})"
                    ));
                }
            },
            None => std::env::var_os("AWS_LAMBDA_RUNTIME_API").map(|_| LAMBDA_RESPONSE_BYTE_BUDGET),
        };
        Ok(HubConfig {
            audit_retention_days: retention,
            response_byte_budget,
            operator_limits: parse_limits(limits.as_deref().unwrap_or(DEFAULT_OPERATOR_LIMITS))?,
            cors_origins: origins.split(',').map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect(),
        })
    }

    pub fn operator_limit(&self, account_type: AccountType) -> i64 {
        self.operator_limits.get(&account_type).copied().unwrap_or(0)
    }
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            operator_limits: parse_limits(DEFAULT_OPERATOR_LIMITS).expect("defaults parse"),
            cors_origins: Vec::new(),
            audit_retention_days: DEFAULT_AUDIT_RETENTION_DAYS,
            response_byte_budget: None,
        }
    }
}

fn parse_limits(spec: &str) -> Result<BTreeMap<AccountType, i64>, String> {
    let mut limits = BTreeMap::new();
    for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, limit) =
            pair.split_once('=').ok_or_else(|| format!("HUB_OPERATOR_LIMITS: `{pair}` is not Type=N"))?;
        let account_type = AccountType::parse(name.trim()).map_err(|e| format!("HUB_OPERATOR_LIMITS: {e}"))?;
        let limit: i64 = limit.trim().parse().map_err(|_| format!("HUB_OPERATOR_LIMITS: `{limit}` is not a number"))?;
        if limit < 1 {
            return Err(format!("HUB_OPERATOR_LIMITS: {name} must allow at least one operator"));
        }
        limits.insert(account_type, limit);
    }
    Ok(limits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn premium_defaults_to_four_and_overrides_parse() {
        assert_eq!(HubConfig::default().operator_limit(AccountType::Premium), 4);
        let limits = parse_limits("Premium=7, Starter=2").unwrap();
        assert_eq!(limits[&AccountType::Premium], 7);
        assert!(parse_limits("Gold=3").is_err());
        assert!(parse_limits("Premium=x").is_err());
        assert!(parse_limits("Premium=0").is_err());
    }
}
