//! Startup pieces shared by `hub-local` and `hubctl`: where local state lives, the addresses, the
//! local defaults of the configuration, logging and shutdown.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use hub_api::auth::{Deployment, JwtConfig};
use hub_api::config::HubConfig;

/// Where the local API server listens unless `HUB_ADDR` says otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";
/// Where the embedded DynamoDB listens unless `HUB_DYNAMODB_ADDR` says otherwise.
pub const DEFAULT_DYNAMODB_ADDR: &str = "127.0.0.1:8000";
/// The HS256 secret of local runs when `HUB_JWT_SECRET` and `HUB_JWKS_URL` are unset. Published
/// in the README, so only `hub-local` accepts it (`hub_api::auth::LOCAL_DEV_SECRET`); in AWS
/// tokens come from the identity provider's JWKS.
pub const LOCAL_JWT_SECRET: &str = hub_api::auth::LOCAL_DEV_SECRET;
/// The CORS origins of local runs when `HUB_CORS_ORIGINS` is unset (common frontend dev servers).
pub const LOCAL_CORS_ORIGINS: &str = "http://localhost:5173,http://localhost:3000";
/// The folder (git-ignored) that holds the local database and the demo marker.
pub const LOCAL_DIR: &str = ".local";

/// A set, non-blank environment variable, as set (blank counts as unset, like everywhere else in
/// the hub's configuration).
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `HUB_DATA_DIR` when set (a throw-away database, e.g. `scripts/fuzz`); otherwise the repository
/// root's `.local/` folder. The root is the workspace this crate was built in (so that `cargo run`
/// from any subfolder uses the same database); the current directory when that folder is gone (a
/// binary copied elsewhere).
pub fn local_dir() -> PathBuf {
    if let Some(dir) = env_var("HUB_DATA_DIR") {
        return PathBuf::from(dir.trim());
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("..");
    let root = if root.join("Cargo.toml").is_file() { root } else { PathBuf::from(".") };
    let root = root.canonicalize().unwrap_or(root);
    root.join(LOCAL_DIR)
}

/// `HUB_ADDR`, else `127.0.0.1:3000`.
pub fn server_addr() -> String {
    env_var("HUB_ADDR").map(|a| a.trim().to_owned()).unwrap_or_else(|| DEFAULT_ADDR.to_owned())
}

/// `HUB_DYNAMODB_ADDR`, else `127.0.0.1:8000`.
pub fn dynamodb_addr() -> String {
    env_var("HUB_DYNAMODB_ADDR").map(|a| a.trim().to_owned()).unwrap_or_else(|| DEFAULT_DYNAMODB_ADDR.to_owned())
}

/// `DYNAMODB_ENDPOINT`: an external DynamoDB-compatible endpoint; when set, nothing embedded is
/// started.
pub fn external_dynamodb_endpoint() -> Option<String> {
    env_var("DYNAMODB_ENDPOINT").map(|e| e.trim().to_owned())
}

/// The endpoint `hubctl` talks to: `DYNAMODB_ENDPOINT`, else the running local server's
/// embedded DynamoDB.
pub fn hubctl_endpoint() -> String {
    external_dynamodb_endpoint().unwrap_or_else(|| {
        let addr = dynamodb_addr();
        match addr.parse::<SocketAddr>() {
            Ok(addr) => base_url(addr),
            Err(_) => format!("http://{addr}"),
        }
    })
}

/// `http://ADDR`, with a wildcard listen address (`0.0.0.0`, `::`) shown as loopback so that the
/// URL can be called from this machine.
pub fn base_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

/// How operators of a local run sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalSignIn {
    /// HS256 tokens signed with this secret; `true` when it is the published default.
    Hs256(String, bool),
    /// Tokens of the identity provider whose JWKS `HUB_JWKS_URL` names (HS256 is off).
    IdentityProvider,
}

/// The JWT configuration of a local run: the environment's (`hub-local` is the one place the
/// published development secret is accepted). Without `HUB_JWKS_URL`, `HUB_JWT_SECRET` defaults
/// to [`LOCAL_JWT_SECRET`]; with it, HS256 stays off. Refuses what `JwtConfig::check` refuses.
pub fn local_jwt_config() -> Result<(JwtConfig, LocalSignIn), String> {
    local_jwt_config_from(|name| std::env::var(name).ok())
}

pub fn local_jwt_config_from(lookup: impl Fn(&str) -> Option<String>) -> Result<(JwtConfig, LocalSignIn), String> {
    let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let mut config = JwtConfig::from_lookup(&lookup);
    config.deployment = Deployment::HubLocal;
    let sign_in = match (&config.hs256_secret, &config.jwks_url) {
        (None, None) => {
            config.hs256_secret = Some(LOCAL_JWT_SECRET.to_owned());
            LocalSignIn::Hs256(LOCAL_JWT_SECRET.to_owned(), true)
        }
        (Some(secret), _) => LocalSignIn::Hs256(secret.clone(), set("HUB_JWT_SECRET").is_none()),
        (None, Some(_)) => LocalSignIn::IdentityProvider,
    };
    config.check()?;
    Ok((config, sign_in))
}

/// The hub configuration of a local run: the environment's, with `HUB_CORS_ORIGINS` defaulting to
/// [`LOCAL_CORS_ORIGINS`].
pub fn local_hub_config() -> Result<HubConfig, String> {
    let mut config = HubConfig::from_env()?;
    if env_var("HUB_CORS_ORIGINS").is_none() {
        config.cors_origins = LOCAL_CORS_ORIGINS.split(',').map(str::to_owned).collect();
    }
    Ok(config)
}

/// Human-readable logs on stderr (coloured on a terminal); `RUST_LOG` picks the filter, otherwise
/// `default_level` for everything but the embedded DynamoDB, which would log every refused
/// condition (each 409) as a warning.
pub fn init_tracing(default_level: &str) {
    use std::io::IsTerminal as _;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("{default_level},dynoxide=error")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Resolves on Ctrl-C, or on SIGTERM where there are signals.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_addresses_are_shown_as_loopback() {
        assert_eq!(base_url("0.0.0.0:3000".parse().unwrap()), "http://127.0.0.1:3000");
        assert_eq!(base_url("127.0.0.1:8000".parse().unwrap()), "http://127.0.0.1:8000");
        assert_eq!(base_url("[::1]:8000".parse().unwrap()), "http://[::1]:8000");
    }

    #[test]
    fn local_dir_is_the_repository_folder() {
        let dir = local_dir();
        assert!(dir.ends_with(LOCAL_DIR));
        assert!(dir.parent().unwrap().join("Cargo.toml").is_file());
    }

    #[test]
    fn local_sign_in_is_hs256_by_default_and_the_identity_provider_with_a_jwks() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())
        };
        let (config, sign_in) = local_jwt_config_from(env(&[])).unwrap();
        assert_eq!(sign_in, LocalSignIn::Hs256(LOCAL_JWT_SECRET.into(), true));
        assert_eq!((config.hs256_secret.as_deref(), config.deployment), (Some(LOCAL_JWT_SECRET), Deployment::HubLocal));
        // A stand-in identity provider on loopback: HS256 off, issuer and audience required.
        let idp = [
            ("HUB_JWKS_URL", "http://127.0.0.1:9999/jwks"),
            ("HUB_JWT_ISSUER", "http://127.0.0.1:9999"),
            ("HUB_JWT_AUDIENCE", "hub"),
        ];
        let (config, sign_in) = local_jwt_config_from(env(Box::leak(Box::new(idp)))).unwrap();
        assert_eq!((sign_in, config.hs256_secret), (LocalSignIn::IdentityProvider, None));
        assert!(
            local_jwt_config_from(env(&[("HUB_JWKS_URL", "http://127.0.0.1:9999/jwks")]))
                .unwrap_err()
                .contains("HUB_JWT_ISSUER")
        );
        // Both at once, or a short secret: refused.
        let both = [("HUB_JWT_SECRET", LOCAL_JWT_SECRET), idp[0], idp[1], idp[2]];
        assert!(local_jwt_config_from(env(Box::leak(Box::new(both)))).is_err());
        assert!(
            local_jwt_config_from(env(&[("HUB_JWT_SECRET", "local-dev-secret-change-me")]))
                .unwrap_err()
                .contains("32 bytes")
        );
    }
}
