//! Provisioning and local tokens: `cargo run -q --bin hubctl -- <command>`.
//!
//! - `account create --name NAME --type TYPE --admin-email EMAIL --admin-name NAME
//!   [--extra-operators N] [--time-zone TZ] [--json]`
//! - `token --account ID --operator ID [--ttl SECONDS]`
//! - `recompute [--account ID] [--now RFC3339]`: the scheduled maintenance job
//!   (`hub_maintenance::run`), printing its report as JSON
//!
//! The table is the one at `DYNAMODB_ENDPOINT`, else the running local server's embedded DynamoDB
//! (`http://127.0.0.1:8000`, or `HUB_DYNAMODB_ADDR`); with `--aws`, the deployed table in AWS
//! (`HUB_TABLE_NAME`, the usual credential chain and `AWS_REGION`). hubctl never starts a database
//! itself: two processes cannot share the local SQLite file safely.
//!
//! Exit codes: 0 success, 1 the operation failed (e.g. DynamoDB unreachable), 2 invalid input or
//! missing configuration.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use hub_api::AppState;
use hub_api::auth::{JwtConfig, sign_hs256};
use hub_api::clock::Clock;
use hub_api::error::ApiError;
use hub_api::provisioning::{AccountRequest, create_account};
use hub_api::values::ResourceId;
use hub_local::startup;
use hub_store::{AccountId, Store, StoreConfig};

#[derive(Debug, Parser)]
#[command(name = "hubctl", version, about = "Provisioning and local tokens for the User Management hub")]
struct Cli {
    /// Use the table in AWS (HUB_TABLE_NAME, credentials and AWS_REGION from the environment)
    /// instead of a local endpoint.
    #[arg(long, global = true)]
    aws: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Accounts (tenants).
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Print an HS256 JWT signed with HUB_JWT_SECRET, for local runs and tests.
    Token(TokenArgs),
    /// Run the scheduled maintenance job now: recompute inactive API users, repair drifted hub
    /// counters, finish interrupted deletes; prints the report as JSON.
    Recompute(RecomputeArgs),
}

#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Open an account: the account, its administrator, the Everyone and Administrators groups
    /// and the initial grants.
    Create(CreateArgs),
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// Account name (1-100 characters).
    #[arg(long, value_name = "NAME")]
    name: String,
    /// Account type: Starter, Premium, Professional, Business or Enterprise.
    #[arg(long = "type", value_name = "TYPE")]
    account_type: String,
    /// Email of the account administrator.
    #[arg(long, value_name = "EMAIL")]
    admin_email: String,
    /// Full name of the account administrator.
    #[arg(long, value_name = "NAME")]
    admin_name: String,
    /// Purchased operators on top of the type's default limit.
    #[arg(long, value_name = "N", default_value_t = 0, allow_negative_numbers = true)]
    extra_operators: i64,
    /// IANA time zone of the account (drives off-duty schedules); default UTC.
    #[arg(long, value_name = "TZ")]
    time_zone: Option<String>,
    /// Print {"accountId", "adminOperatorId"} as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct TokenArgs {
    /// Account id (the `account_id` claim).
    #[arg(long, value_name = "ID")]
    account: String,
    /// Operator id (the `operator_id` claim).
    #[arg(long, value_name = "ID")]
    operator: String,
    /// Lifetime in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..))]
    ttl: u64,
}

#[derive(Debug, Args)]
struct RecomputeArgs {
    /// Only this account (default: every account).
    #[arg(long, value_name = "ID")]
    account: Option<String>,
    /// The time inactivity is computed against, RFC 3339 (e.g. 2026-11-27T10:00:00Z); default now.
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
}

/// Why a command failed, and its exit code.
enum Failure {
    /// Invalid input or configuration (exit 2).
    Usage(Vec<String>),
    /// The operation failed (exit 1).
    Failed(String),
}

#[tokio::main]
async fn main() -> ExitCode {
    startup::init_tracing("warn");
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Account { command: AccountCommand::Create(args) } => create(args, cli.aws).await,
        Command::Token(args) => token(args),
        Command::Recompute(args) => recompute(args, cli.aws).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(messages)) => {
            for message in messages {
                eprintln!("hubctl: {message}");
            }
            ExitCode::from(2)
        }
        Err(Failure::Failed(message)) => {
            eprintln!("hubctl: {message}");
            ExitCode::FAILURE
        }
    }
}

fn token(args: TokenArgs) -> Result<(), Failure> {
    println!("{}", signed_token(startup::env_var("HUB_JWT_SECRET"), &args)?);
    Ok(())
}

/// The token `hubctl token` prints, signed with `secret` (`HUB_JWT_SECRET`).
fn signed_token(secret: Option<String>, args: &TokenArgs) -> Result<String, Failure> {
    let Some(secret) = secret else {
        return Err(Failure::Usage(vec![format!(
            "HUB_JWT_SECRET is not set; export the secret the server verifies tokens with \
             (the local server uses `{}` unless you set another)",
            startup::LOCAL_JWT_SECRET
        )]));
    };
    let mut errors = Vec::new();
    if secret.len() < hub_api::auth::MIN_SECRET_BYTES {
        errors.push("HUB_JWT_SECRET is shorter than 32 bytes: no server accepts tokens signed with it".to_owned());
    }
    for (flag, value) in [("--account", &args.account), ("--operator", &args.operator)] {
        if value.trim().is_empty() {
            errors.push(format!("{flag}: must not be empty"));
        }
    }
    if !errors.is_empty() {
        return Err(Failure::Usage(errors));
    }
    Ok(sign_hs256(&secret, &args.account, &args.operator, args.ttl))
}

/// The table hubctl works on, and how to name it in messages.
fn target(aws: bool) -> Result<(StoreConfig, String), Failure> {
    let from_env = StoreConfig::from_env().map_err(|e| Failure::Usage(vec![e]))?;
    Ok(if aws {
        let config = StoreConfig { endpoint: None, ..from_env };
        let name = format!("AWS (table {})", config.table_name);
        (config, name)
    } else {
        let endpoint = startup::hubctl_endpoint();
        (StoreConfig { endpoint: Some(endpoint.clone()), ..from_env }, endpoint)
    })
}

async fn create(args: CreateArgs, aws: bool) -> Result<(), Failure> {
    let config = hub_api::config::HubConfig::from_env().map_err(|e| Failure::Usage(vec![e]))?;
    let (store_config, endpoint) = target(aws)?;
    // Connects lazily: invalid input is reported before anything reaches DynamoDB. The table is
    // the one the local server (or a deployment) created; hubctl creates none.
    let store = Store::connect(&store_config).await.map_err(|e| Failure::Usage(vec![e]))?;
    // Tokens are not verified here: the state only carries the store and the operator limits.
    let state = AppState::new(store, JwtConfig::default(), config, Clock::system());
    let request = AccountRequest {
        name: args.name,
        account_type: args.account_type,
        admin_email: args.admin_email,
        admin_name: args.admin_name,
        extra_operators: args.extra_operators,
        time_zone: args.time_zone,
    };
    let account = match create_account(&state, &request).await {
        Ok(account) => account,
        Err(ApiError::Validation(errors)) => {
            return Err(Failure::Usage(
                errors.iter().map(|e| format!("{}: {}", flag_of(&e.field), e.message)).collect(),
            ));
        }
        Err(ApiError::ServiceUnavailable | ApiError::Retry) => return Err(unreachable(&endpoint)),
        Err(e) => {
            return Err(Failure::Failed(format!(
                "cannot create the account in table {} at {endpoint}: {e}",
                store_config.table_name
            )));
        }
    };
    if args.json {
        let json = serde_json::to_string(&account).map_err(|e| Failure::Failed(e.to_string()))?;
        println!("{json}");
    } else {
        println!(
            "Created account {} ({}); account administrator: operator {} ({})",
            account.account_id, request.name, account.admin_operator_id, request.admin_email
        );
    }
    Ok(())
}

async fn recompute(args: RecomputeArgs, aws: bool) -> Result<(), Failure> {
    let now = match args.now.as_deref() {
        Some(text) => Some(hub_maintenance::parse_now(text).map_err(|e| Failure::Usage(vec![format!("--now: {e}")]))?),
        None => None,
    };
    if args.account.as_deref().is_some_and(|a| a.trim().is_empty()) {
        return Err(Failure::Usage(vec!["--account: must not be empty".into()]));
    }
    let account: Option<AccountId> = match args.account.as_deref() {
        Some(text) => {
            Some(ResourceId::parse(text).map_err(|e| Failure::Usage(vec![format!("--account: {e}")]))?.into_id())
        }
        None => None,
    };
    let config = hub_api::config::HubConfig::from_env().map_err(|e| Failure::Usage(vec![e]))?;
    let (store_config, endpoint) = target(aws)?;
    let store = Store::connect(&store_config).await.map_err(|e| Failure::Usage(vec![e]))?;
    let state = AppState::new(store, JwtConfig::default(), config, Clock::system());
    let now = now.unwrap_or_else(|| state.clock.now());
    let report = hub_maintenance::run(&state, now, account.as_ref()).await;
    let json = serde_json::to_string_pretty(&report).map_err(|e| Failure::Failed(e.to_string()))?;
    println!("{json}");
    if report.error.is_some() {
        return Err(unreachable(&endpoint));
    }
    if report.failed() {
        return Err(Failure::Failed(format!(
            "{} account(s) could not be maintained; see the report",
            report.accounts_failed
        )));
    }
    Ok(())
}

/// The command-line flag of a field of [`AccountRequest`] validation errors.
fn flag_of(field: &str) -> String {
    match field {
        "name" => "--name".into(),
        "type" => "--type".into(),
        "adminEmail" => "--admin-email".into(),
        "adminName" => "--admin-name".into(),
        "extraOperators" => "--extra-operators".into(),
        "timeZone" => "--time-zone".into(),
        other => other.into(),
    }
}

fn unreachable(endpoint: &str) -> Failure {
    Failure::Failed(if startup::external_dynamodb_endpoint().is_some() {
        format!("cannot reach DynamoDB at {endpoint} (DYNAMODB_ENDPOINT), or it is throttling; try again")
    } else {
        format!(
            "cannot reach the local DynamoDB at {endpoint}: start the local server first \
             (`cargo run -q --bin hub-local`), or set DYNAMODB_ENDPOINT to another endpoint"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[tokio::test]
    async fn recompute_refuses_an_ill_formed_account_before_any_request() {
        for bad in ["a b", "ACCOUNT#x", &"a".repeat(65)] {
            let args = RecomputeArgs { account: Some(bad.to_owned()), now: None };
            match recompute(args, false).await {
                Err(Failure::Usage(errors)) => assert_eq!(errors, ["--account: is not a valid id"], "{bad}"),
                _ => panic!("{bad}: expected a usage error"),
            }
        }
    }

    #[test]
    fn account_create_parses_the_contract_flags() {
        let cli = Cli::try_parse_from([
            "hubctl",
            "account",
            "create",
            "--name",
            "Acme",
            "--type",
            "Premium",
            "--admin-email",
            "a@acme.example",
            "--admin-name",
            "Ann",
            "--extra-operators",
            "2",
            "--json",
        ])
        .unwrap();
        let Command::Account { command: AccountCommand::Create(args) } = cli.command else {
            panic!("not account create")
        };
        assert_eq!(
            (args.name.as_str(), args.account_type.as_str(), args.extra_operators, args.json),
            ("Acme", "Premium", 2, true)
        );
        assert_eq!(args.time_zone, None);
    }

    #[test]
    fn recompute_takes_an_optional_account_and_time() {
        let cli = Cli::try_parse_from(["hubctl", "recompute"]).unwrap();
        let Command::Recompute(args) = cli.command else { panic!("not recompute") };
        assert_eq!((args.account, args.now), (None, None));
        let cli =
            Cli::try_parse_from(["hubctl", "recompute", "--account", "a", "--now", "2026-11-27T10:00:00Z"]).unwrap();
        let Command::Recompute(args) = cli.command else { panic!("not recompute") };
        assert_eq!((args.account.as_deref(), args.now.as_deref()), (Some("a"), Some("2026-11-27T10:00:00Z")));
        assert!(hub_maintenance::parse_now("2026-11-27T10:00:00Z").is_ok());
        assert!(hub_maintenance::parse_now("yesterday").is_err());
    }

    #[test]
    fn token_defaults_to_an_hour_and_refuses_zero() {
        let cli = Cli::try_parse_from(["hubctl", "token", "--account", "a", "--operator", "o"]).unwrap();
        let Command::Token(args) = cli.command else { panic!("not token") };
        assert_eq!(args.ttl, 3600);
        assert!(Cli::try_parse_from(["hubctl", "token", "--account", "a", "--operator", "o", "--ttl", "0"]).is_err());
    }

    #[test]
    fn token_needs_a_secret_of_at_least_32_bytes() {
        let args = TokenArgs { account: "a".into(), operator: "o".into(), ttl: 60 };
        let usage = |r: Result<String, Failure>| match r {
            Err(Failure::Usage(errors)) => errors.join("; "),
            other => panic!("not a usage error: {:?}", other.map_err(|_| "failure")),
        };
        assert!(usage(signed_token(None, &args)).contains("not set"));
        assert!(usage(signed_token(Some("local-dev-secret-change-me".into()), &args)).contains("32 bytes"));
        let token = signed_token(Some(startup::LOCAL_JWT_SECRET.into()), &args).unwrap_or_else(|_| panic!("refused"));
        assert_eq!(token.split('.').count(), 3);
    }
}
