//! Bearer JWT verification, shared by the local server and the Lambda authorizer.
//!
//! - RS256 and ES256 are accepted only against the identity provider's JWKS, the key chosen by
//!   `kid` (a token without `kid` is tried against every key of its algorithm). With a JWKS, `iss`
//!   and `aud` must be configured (an identity provider signs the tokens of every application of
//!   a tenant with the same keys) and the token must carry `sub` (the operator's sign-in is bound
//!   to it, see [`crate::caller`]).
//! - HS256 is a local mode only: accepted when a shared secret of at least
//!   [`MIN_SECRET_BYTES`] is configured, never inside AWS Lambda, never beside a JWKS, and the
//!   published development secret ([`LOCAL_DEV_SECRET`]) only by `hub-local`.
//! - Every other `alg`, `none` included, is refused.
//! - `exp` is required (30 s leeway); `iss` and `aud` are required and checked when configured.
//!
//! [`JwtConfig::check`] refuses a configuration that breaks these rules, so that a function does
//! not start with one; the verifier applies them again whatever it is given.
//!
//! Errors never carry the token or any part of it.

mod jwks;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use jwks::{JwksSource, KeySet};

/// Clock skew tolerated on `exp` (and `nbf`), in seconds.
pub const LEEWAY_SECONDS: u64 = 30;

/// The shortest HS256 secret accepted: 256 bits, the size of the HMAC-SHA256 key (RFC 7518 3.2).
pub const MIN_SECRET_BYTES: usize = 32;

/// The development secret published in the README, with which `hub-local` signs its tokens unless
/// `HUB_JWT_SECRET` says otherwise. Anyone can sign tokens with it, so nothing but `hub-local`
/// accepts it.
pub const LOCAL_DEV_SECRET: &str = "hub-local-development-secret-0123456789";

/// Where the verifier runs, which decides the token modes it may use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Deployment {
    /// Any process outside Lambda (tests, a function run by hand): HS256 with a secret of its
    /// own; a JWKS over https, or plain http on a loopback host.
    #[default]
    Local,
    /// `hub-local`, the local server: like [`Deployment::Local`], and the published
    /// [`LOCAL_DEV_SECRET`] is accepted.
    HubLocal,
    /// Inside AWS Lambda (`AWS_LAMBDA_FUNCTION_NAME` is set): a JWKS over https only, no HS256.
    Lambda,
}

impl Deployment {
    /// [`Deployment::Lambda`] when `AWS_LAMBDA_FUNCTION_NAME` is set (Lambda sets it in every
    /// execution environment), [`Deployment::Local`] otherwise.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        match lookup("AWS_LAMBDA_FUNCTION_NAME") {
            Some(name) if !name.trim().is_empty() => Deployment::Lambda,
            _ => Deployment::Local,
        }
    }

    pub fn detect() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }
}

/// Where tokens come from. Build it with [`JwtConfig::from_env`] in binaries.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct JwtConfig {
    /// `HUB_JWT_SECRET`: enables HS256 with this shared secret (local runs and tests only).
    pub hs256_secret: Option<String>,
    /// `HUB_JWKS_URL`: enables RS256/ES256 against this JWKS document.
    pub jwks_url: Option<String>,
    /// `HUB_JWT_ISSUER`: required `iss`.
    pub issuer: Option<String>,
    /// `HUB_JWT_AUDIENCE`: required `aud`.
    pub audience: Option<String>,
    /// Where this process runs (`AWS_LAMBDA_FUNCTION_NAME`).
    pub deployment: Deployment,
}

impl fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtConfig")
            .field("hs256_secret", &self.hs256_secret.as_ref().map(|_| "<redacted>"))
            .field("jwks_url", &self.jwks_url)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("deployment", &self.deployment)
            .finish()
    }
}

/// Whether a JWKS may be fetched from `url` where `deployment` runs: `https://` always; plain
/// `http://` only outside Lambda and only to a loopback host (`127.0.0.1`, `localhost`, `[::1]`),
/// so that local runs and tests can serve keys on this machine. `Err` says why not.
pub fn jwks_url_allowed(url: &str, deployment: Deployment) -> Result<(), String> {
    let parsed: http::Uri = url.parse().map_err(|_| "HUB_JWKS_URL is not a URL".to_owned())?;
    let host = parsed.authority().filter(|a| !a.as_str().contains('@') && !a.host().is_empty()).map(|a| a.host());
    let Some(host) = host else {
        return Err("HUB_JWKS_URL is not an https:// URL with a host (and no user information)".into());
    };
    match parsed.scheme_str() {
        Some("https") => Ok(()),
        Some("http") if deployment != Deployment::Lambda && is_loopback(host) => Ok(()),
        Some("http") if deployment == Deployment::Lambda => {
            Err("HUB_JWKS_URL must be https:// inside AWS Lambda (keys fetched over plain http could be replaced on the way)".into())
        }
        Some("http") => Err("HUB_JWKS_URL must be https:// (plain http is allowed only to 127.0.0.1, localhost or [::1])".into()),
        _ => Err("HUB_JWKS_URL must be an https:// URL".into()),
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || bare.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl JwtConfig {
    /// Reads `HUB_JWT_SECRET`, `HUB_JWKS_URL`, `HUB_JWT_ISSUER`, `HUB_JWT_AUDIENCE` and
    /// `AWS_LAMBDA_FUNCTION_NAME`; an empty (or whitespace-only) variable counts as unset.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`JwtConfig::from_env`] with another source of variables.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        JwtConfig {
            hs256_secret: get("HUB_JWT_SECRET"),
            jwks_url: get("HUB_JWKS_URL").map(|v| v.trim().to_owned()),
            issuer: get("HUB_JWT_ISSUER"),
            audience: get("HUB_JWT_AUDIENCE"),
            deployment: Deployment::from_lookup(&lookup),
        }
    }

    /// Refuses a configuration that would trust more than it should; the message names the
    /// variables to fix. Binaries call it before they serve anything.
    pub fn check(&self) -> Result<(), String> {
        if let Some(url) = &self.jwks_url {
            if self.issuer.is_none() || self.audience.is_none() {
                return Err("HUB_JWKS_URL is set without HUB_JWT_ISSUER and HUB_JWT_AUDIENCE: both are required with an identity \
                            provider, whose keys also sign the tokens of its other applications"
                    .into());
            }
            jwks_url_allowed(url, self.deployment)?;
            if self.hs256_secret.is_some() {
                return Err("HUB_JWT_SECRET and HUB_JWKS_URL are both set: HS256 is a local mode only, never beside an identity provider".into());
            }
        }
        if let Some(why) = self.hs256_secret.as_deref().and_then(|secret| self.hs256_refusal(secret)) {
            return Err(why.into());
        }
        Ok(())
    }

    /// Why HS256 with `secret` is not allowed here, if it is not.
    fn hs256_refusal(&self, secret: &str) -> Option<&'static str> {
        if self.deployment == Deployment::Lambda {
            Some("HUB_JWT_SECRET is set inside AWS Lambda: HS256 tokens are a local mode only")
        } else if self.jwks_url.is_some() {
            Some(
                "HUB_JWT_SECRET and HUB_JWKS_URL are both set: HS256 is a local mode only, never beside an identity provider",
            )
        } else if secret.len() < MIN_SECRET_BYTES {
            Some("HUB_JWT_SECRET is shorter than 32 bytes")
        } else if secret == LOCAL_DEV_SECRET && self.deployment != Deployment::HubLocal {
            Some("HUB_JWT_SECRET is the published development secret, which only hub-local accepts")
        } else {
            None
        }
    }

    /// Why a JWKS at `url` is not usable here, if it is not.
    fn jwks_refusal(&self, url: &str) -> Option<String> {
        if self.issuer.is_none() || self.audience.is_none() {
            return Some("HUB_JWKS_URL is set without HUB_JWT_ISSUER and HUB_JWT_AUDIENCE".into());
        }
        jwks_url_allowed(url, self.deployment).err()
    }
}

/// The identity a verified token carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub account_id: String,
    pub operator_id: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    /// `iss`, when the token has one.
    pub issuer: Option<String>,
    /// `sub`: who signed in at the identity provider (required with a JWKS).
    pub subject: Option<String>,
}

/// Why a token was refused. Every variant means 401 except `JwksUnavailable` (503); the Display
/// text is safe to log and never includes the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("no bearer token")]
    Missing,
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token's signing algorithm is not accepted")]
    UnsupportedAlgorithm,
    #[error("the token has expired")]
    Expired,
    #[error("the token's signature is invalid")]
    InvalidSignature,
    #[error("the token was signed with an unknown key")]
    UnknownKey,
    #[error("the token's claims are missing or invalid")]
    ClaimsInvalid,
    #[error("the signing keys could not be fetched")]
    JwksUnavailable,
}

/// Verifies bearer tokens. Cheap to clone (shares the JWKS cache).
#[derive(Clone)]
pub struct JwtVerifier {
    inner: Arc<Inner>,
}

/// What a configured JWKS turned into.
enum Jwks {
    Off,
    On(JwksSource),
    /// Configured but not usable here (see [`JwtConfig::check`]): RS256/ES256 tokens get 503, as
    /// when the keys cannot be fetched.
    Refused,
}

struct Inner {
    hs256: Option<DecodingKey>,
    jwks: Jwks,
    issuer: Option<String>,
    audience: Option<String>,
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("hs256", &self.inner.hs256.is_some())
            .field("jwks", &matches!(self.inner.jwks, Jwks::On(_)))
            .field("issuer", &self.inner.issuer)
            .field("audience", &self.inner.audience)
            .finish()
    }
}

/// The token header fields this module looks at.
#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawClaims {
    account_id: String,
    operator_id: String,
    exp: i64,
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    sub: Option<String>,
}

fn valid_id_claim(v: &str) -> bool {
    !v.is_empty() && v.len() <= 256 && !v.chars().any(char::is_control)
}

fn map_jwt_error(e: jsonwebtoken::errors::Error) -> AuthError {
    match e.kind() {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::InvalidSignature
        | ErrorKind::InvalidEcdsaKey
        | ErrorKind::InvalidRsaKey(_)
        | ErrorKind::InvalidKeyFormat => AuthError::InvalidSignature,
        ErrorKind::InvalidAlgorithm
        | ErrorKind::UnsupportedAlgorithm
        | ErrorKind::InvalidAlgorithmName
        | ErrorKind::MissingAlgorithm => AuthError::UnsupportedAlgorithm,
        ErrorKind::MissingRequiredClaim(_)
        | ErrorKind::InvalidClaimFormat(_)
        | ErrorKind::InvalidIssuer
        | ErrorKind::InvalidAudience
        | ErrorKind::InvalidSubject
        | ErrorKind::ImmatureSignature
        | ErrorKind::Json(_) => AuthError::ClaimsInvalid,
        _ => AuthError::Malformed,
    }
}

/// Reads the (unverified) header: the three-part shape, `alg` and `kid`.
fn read_header(token: &str) -> Result<RawHeader, AuthError> {
    let mut parts = token.split('.');
    let (Some(header), Some(_payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AuthError::Malformed);
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).map_err(|_| AuthError::Malformed)?;
    let header: RawHeader = serde_json::from_slice(&bytes).map_err(|_| AuthError::Malformed)?;
    if header.crit.is_some() {
        // We implement no JWS extensions, so any critical one must be refused (RFC 7515 4.1.11).
        return Err(AuthError::Malformed);
    }
    Ok(header)
}

/// The time source of the JWKS cache (a test moves it forward).
pub(crate) type Ticker = Arc<dyn Fn() -> Instant + Send + Sync>;

impl JwtVerifier {
    /// A verifier that applies the rules of [`JwtConfig::check`] whatever `config` holds: a mode
    /// that is not allowed where it runs stays off (HS256 tokens get 401, JWKS tokens 503).
    pub fn new(config: JwtConfig) -> Self {
        Self::with_clock(config, jwks::REFETCH_INTERVAL, Arc::new(Instant::now))
    }

    fn with_clock(config: JwtConfig, refetch_interval: Duration, now: Ticker) -> Self {
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        let config = JwtConfig {
            hs256_secret: nonempty(&config.hs256_secret),
            jwks_url: nonempty(&config.jwks_url),
            issuer: nonempty(&config.issuer),
            audience: nonempty(&config.audience),
            deployment: config.deployment,
        };
        let hs256 = config.hs256_secret.as_deref().and_then(|secret| match config.hs256_refusal(secret) {
            None => Some(DecodingKey::from_secret(secret.as_bytes())),
            Some(why) => {
                tracing::error!(reason = why, "HS256 tokens are off");
                None
            }
        });
        let jwks = match &config.jwks_url {
            None => Jwks::Off,
            Some(url) => match config.jwks_refusal(url) {
                None => Jwks::On(JwksSource::new(url.clone(), refetch_interval, now, config.deployment)),
                Some(why) => {
                    tracing::error!(reason = %why, "JWKS tokens are refused");
                    Jwks::Refused
                }
            },
        };
        JwtVerifier { inner: Arc::new(Inner { hs256, jwks, issuer: config.issuer, audience: config.audience }) }
    }

    /// Verifies a compact JWS (without the `Bearer ` prefix) and returns its identity.
    pub async fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let token = token.trim();
        if token.is_empty() {
            return Err(AuthError::Missing);
        }
        let header = read_header(token)?;
        match header.alg.as_str() {
            "HS256" => {
                let key = self.inner.hs256.as_ref().ok_or(AuthError::UnsupportedAlgorithm)?;
                self.decode(token, key, Algorithm::HS256)
            }
            "RS256" | "ES256" => {
                let alg = if header.alg == "RS256" { Algorithm::RS256 } else { Algorithm::ES256 };
                let source = match &self.inner.jwks {
                    Jwks::On(source) => source,
                    Jwks::Refused => return Err(AuthError::JwksUnavailable),
                    Jwks::Off => return Err(AuthError::UnsupportedAlgorithm),
                };
                let kid = header.kid.as_deref();
                let keys = source.keys().await?;
                if let Some(result) = self.try_keys(token, alg, kid, &keys) {
                    return result;
                }
                let keys = source.refresh_for_unknown_kid(&keys).await?;
                self.try_keys(token, alg, kid, &keys).unwrap_or(Err(AuthError::UnknownKey))
            }
            _ => Err(AuthError::UnsupportedAlgorithm),
        }
    }

    /// Tries the keys that may have signed the token. `None` when there is no candidate.
    fn try_keys(
        &self,
        token: &str,
        alg: Algorithm,
        kid: Option<&str>,
        keys: &KeySet,
    ) -> Option<Result<Claims, AuthError>> {
        let mut candidates =
            keys.iter().filter(|k| k.alg == alg && (kid.is_none() || k.kid.as_deref() == kid)).peekable();
        candidates.peek()?;
        for candidate in candidates {
            match self.decode(token, &candidate.key, alg) {
                Err(AuthError::InvalidSignature) => continue,
                other => return Some(other),
            }
        }
        Some(Err(AuthError::InvalidSignature))
    }

    fn validation(&self, alg: Algorithm) -> Validation {
        let mut v = Validation::new(alg);
        v.leeway = LEEWAY_SECONDS;
        v.validate_exp = true;
        v.validate_nbf = true;
        let mut required = vec!["exp"];
        if alg != Algorithm::HS256 {
            // Identity-provider tokens name who signed in: the operator is bound to it.
            required.push("sub");
        }
        if let Some(iss) = &self.inner.issuer {
            v.set_issuer(&[iss]);
            required.push("iss");
        }
        match &self.inner.audience {
            Some(aud) => {
                v.set_audience(&[aud]);
                v.validate_aud = true;
                required.push("aud");
            }
            None => v.validate_aud = false,
        }
        v.set_required_spec_claims(&required);
        v
    }

    fn decode(&self, token: &str, key: &DecodingKey, alg: Algorithm) -> Result<Claims, AuthError> {
        let data = jsonwebtoken::decode::<RawClaims>(token, key, &self.validation(alg)).map_err(map_jwt_error)?;
        let RawClaims { account_id, operator_id, exp, iss, sub } = data.claims;
        if !valid_id_claim(&account_id) || !valid_id_claim(&operator_id) {
            return Err(AuthError::ClaimsInvalid);
        }
        if sub.as_deref().is_some_and(|s| !valid_id_claim(s)) || iss.as_deref().is_some_and(|s| s.len() > 1024) {
            return Err(AuthError::ClaimsInvalid);
        }
        Ok(Claims { account_id, operator_id, exp, issuer: iss, subject: sub })
    }
}

/// Signs an HS256 token with `account_id`, `operator_id`, `iat` = now and `exp` = now + ttl.
/// For `hubctl token` and tests.
pub fn sign_hs256(secret: &str, account_id: &str, operator_id: &str, ttl_seconds: u64) -> String {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = serde_json::json!({
        "account_id": account_id,
        "operator_id": operator_id,
        "iat": now,
        "exp": now.saturating_add(ttl_seconds),
    });
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret.as_bytes()))
        .expect("HS256 signing cannot fail")
}

/// The token of an `Authorization: Bearer <token>` header value: case-insensitive scheme,
/// surrounding whitespace ignored. `None` for any other scheme or an empty token.
pub fn bearer_token(header_value: &str) -> Option<&str> {
    let value = header_value.trim();
    let (scheme, rest) = value.split_once(|c: char| c.is_ascii_whitespace())?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = rest.trim();
    if token.is_empty() || token.contains(|c: char| c.is_whitespace()) {
        return None;
    }
    Some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::http::StatusCode;
    use serde_json::{Value, json};

    const SECRET: &str = "test-secret-that-is-long-enough-for-hs256";
    const RSA_PEM: &str = include_str!("../../tests/fixtures/rsa_private_pkcs1.pem");
    const EC_PEM: &str = include_str!("../../tests/fixtures/ec_private_pkcs8.pem");
    const JWKS: &str = include_str!("../../tests/fixtures/jwks.json");

    fn now() -> i64 {
        jsonwebtoken::get_current_timestamp() as i64
    }

    fn pem_der(pem: &str) -> Vec<u8> {
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64::engine::general_purpose::STANDARD.decode(body).unwrap()
    }

    fn rsa_key() -> EncodingKey {
        EncodingKey::from_rsa_der(&pem_der(RSA_PEM))
    }

    fn ec_key() -> EncodingKey {
        EncodingKey::from_ec_der(&pem_der(EC_PEM))
    }

    const ISS: &str = "https://idp.example";
    const AUD: &str = "hub-api";

    /// What an identity provider's token for the hub carries.
    fn good_claims() -> Value {
        json!({"account_id": "acc-1", "operator_id": "op-1", "exp": now() + 300, "iss": ISS, "aud": AUD, "sub": "user-1"})
    }

    /// The JWT configuration of a hub behind the identity provider whose JWKS is at `url`.
    fn jwks_config(url: &str) -> JwtConfig {
        JwtConfig {
            jwks_url: Some(url.to_owned()),
            issuer: Some(ISS.into()),
            audience: Some(AUD.into()),
            ..Default::default()
        }
    }

    /// A monotonic clock that a test moves forward.
    #[derive(Clone)]
    struct TestTicker(Arc<AtomicUsize>, Instant);

    impl TestTicker {
        fn new() -> Self {
            TestTicker(Arc::new(AtomicUsize::new(0)), Instant::now())
        }
        fn advance(&self, by: Duration) {
            self.0.fetch_add(by.as_secs() as usize, Ordering::SeqCst);
        }
        fn ticker(&self) -> Ticker {
            let me = self.clone();
            Arc::new(move || me.1 + Duration::from_secs(me.0.load(Ordering::SeqCst) as u64))
        }
    }

    fn sign(alg: Algorithm, kid: Option<&str>, claims: &Value, key: &EncodingKey) -> String {
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, key).unwrap()
    }

    /// A token of the identity provider ([`good_claims`]) signed with its RSA key, under `kid`.
    fn rs256(kid: Option<&str>) -> String {
        sign(Algorithm::RS256, kid, &good_claims(), &rsa_key())
    }

    /// A token of the identity provider ([`good_claims`]) signed with its P-256 key, under `kid`.
    fn es256(kid: Option<&str>) -> String {
        sign(Algorithm::ES256, kid, &good_claims(), &ec_key())
    }

    fn hs(claims: &Value) -> String {
        sign(Algorithm::HS256, None, claims, &EncodingKey::from_secret(SECRET.as_bytes()))
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    fn hs_verifier() -> JwtVerifier {
        JwtVerifier::new(JwtConfig { hs256_secret: Some(SECRET.into()), ..Default::default() })
    }

    /// A JWKS endpoint on 127.0.0.1 that counts its hits and serves whatever `doc` holds.
    struct JwksServer {
        url: String,
        hits: Arc<AtomicUsize>,
        doc: Arc<Mutex<(StatusCode, Value)>>,
    }

    impl JwksServer {
        async fn start(doc: Value) -> Self {
            let hits = Arc::new(AtomicUsize::new(0));
            let doc = Arc::new(Mutex::new((StatusCode::OK, doc)));
            let (h, d) = (hits.clone(), doc.clone());
            let app = axum::Router::new()
                .route(
                    "/jwks",
                    axum::routing::get(move || {
                        let (h, d) = (h.clone(), d.clone());
                        async move {
                            h.fetch_add(1, Ordering::SeqCst);
                            let (status, body) = d.lock().unwrap().clone();
                            (status, axum::Json(body))
                        }
                    }),
                )
                .route(
                    "/moved",
                    axum::routing::get(|| async { (StatusCode::FOUND, [(axum::http::header::LOCATION, "/jwks")]) }),
                );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move {
                axum::serve(listener, app).await.unwrap();
            });
            JwksServer { url: format!("http://{addr}/jwks"), hits, doc }
        }

        fn hits(&self) -> usize {
            self.hits.load(Ordering::SeqCst)
        }

        fn set(&self, status: StatusCode, doc: Value) {
            *self.doc.lock().unwrap() = (status, doc);
        }

        fn verifier(&self) -> JwtVerifier {
            JwtVerifier::new(jwks_config(&self.url))
        }

        /// A server of `doc` and a verifier configured with it.
        async fn serving(doc: Value) -> (Self, JwtVerifier) {
            let server = Self::start(doc).await;
            let verifier = server.verifier();
            (server, verifier)
        }
    }

    fn full_jwks() -> Value {
        serde_json::from_str(JWKS).unwrap()
    }

    fn jwks_with(kids: &[&str]) -> Value {
        let mut doc = full_jwks();
        let keys: Vec<Value> = doc["keys"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|k| kids.contains(&k["kid"].as_str().unwrap()))
            .cloned()
            .collect();
        doc["keys"] = Value::Array(keys);
        doc
    }

    // --- HS256 -----------------------------------------------------------------------------

    #[tokio::test]
    async fn hs256_valid_token() {
        let token = sign_hs256(SECRET, "acc-1", "op-7", 600);
        let claims = hs_verifier().verify(&token).await.unwrap();
        assert_eq!(claims.account_id, "acc-1");
        assert_eq!(claims.operator_id, "op-7");
        assert!((claims.exp - (now() + 600)).abs() <= 2);
        // iat is set too.
        let payload: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap(),
        )
        .unwrap();
        assert!((payload["iat"].as_i64().unwrap() - now()).abs() <= 2);
        // Surrounding whitespace is tolerated.
        assert!(hs_verifier().verify(&format!(" {token} ")).await.is_ok());
    }

    #[tokio::test]
    async fn hs256_wrong_secret() {
        let token = sign_hs256("another-secret", "acc-1", "op-1", 600);
        assert_eq!(hs_verifier().verify(&token).await, Err(AuthError::InvalidSignature));
    }

    #[tokio::test]
    async fn tampered_payload_is_refused() {
        let token = sign_hs256(SECRET, "acc-1", "op-1", 600);
        let parts: Vec<&str> = token.split('.').collect();
        let forged_payload =
            b64(json!({"account_id": "acc-2", "operator_id": "op-1", "exp": now() + 600}).to_string().as_bytes());
        let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(hs_verifier().verify(&forged).await, Err(AuthError::InvalidSignature));
    }

    #[tokio::test]
    async fn expired_token_with_leeway() {
        let v = hs_verifier();
        let mut claims = good_claims();
        claims["exp"] = json!(now() - 120);
        assert_eq!(v.verify(&hs(&claims)).await, Err(AuthError::Expired));
        claims["exp"] = json!(now() - 10);
        assert!(v.verify(&hs(&claims)).await.is_ok(), "within the 30 s leeway");
        assert_eq!(
            v.verify(&sign_hs256(SECRET, "a", "o", 0)).await.map(|c| c.account_id),
            Ok("a".to_string()),
            "ttl 0 is still within leeway"
        );
    }

    #[tokio::test]
    async fn missing_or_bad_claims() {
        let v = hs_verifier();
        for drop in ["account_id", "operator_id", "exp"] {
            let mut claims = good_claims();
            claims.as_object_mut().unwrap().remove(drop);
            assert_eq!(v.verify(&hs(&claims)).await, Err(AuthError::ClaimsInvalid), "without {drop}");
        }
        for (field, value) in [
            ("account_id", json!("")),
            ("operator_id", json!("")),
            ("account_id", json!(42)),
            ("operator_id", json!(null)),
            ("exp", json!("tomorrow")),
        ] {
            let mut claims = good_claims();
            claims[field] = value.clone();
            assert_eq!(v.verify(&hs(&claims)).await, Err(AuthError::ClaimsInvalid), "{field}={value}");
        }
        let mut claims = good_claims();
        claims["nbf"] = json!(now() + 3600);
        assert_eq!(v.verify(&hs(&claims)).await, Err(AuthError::ClaimsInvalid), "not yet valid");
    }

    #[tokio::test]
    async fn alg_none_and_other_algs_refused() {
        let v = hs_verifier();
        let payload = b64(good_claims().to_string().as_bytes());
        for alg in ["none", "None", "NONE", "HS384", "PS256", "EdDSA", ""] {
            let header = b64(json!({"alg": alg, "typ": "JWT"}).to_string().as_bytes());
            assert_eq!(
                v.verify(&format!("{header}.{payload}.")).await,
                Err(AuthError::UnsupportedAlgorithm),
                "alg {alg:?}"
            );
        }
        // A real HS512 token under the right secret is still refused.
        let hs512 = sign(Algorithm::HS512, None, &good_claims(), &EncodingKey::from_secret(SECRET.as_bytes()));
        assert_eq!(v.verify(&hs512).await, Err(AuthError::UnsupportedAlgorithm));
    }

    #[tokio::test]
    async fn malformed_and_missing_tokens() {
        let v = hs_verifier();
        assert_eq!(v.verify("").await, Err(AuthError::Missing));
        assert_eq!(v.verify("   ").await, Err(AuthError::Missing));
        for bad in ["abc", "a.b", "a.b.c.d", "!!!.e30.", "e30.e30.", "bm90IGpzb24.e30."] {
            assert_eq!(v.verify(bad).await, Err(AuthError::Malformed), "{bad}");
        }
        // Payload not base64/JSON under a valid signature.
        let header = b64(br#"{"alg":"HS256"}"#);
        assert!(v.verify(&format!("{header}.%%%.abc")).await.is_err());
        // Unknown critical header extensions are refused.
        let crit = b64(br#"{"alg":"HS256","crit":["exp"]}"#);
        assert_eq!(v.verify(&format!("{crit}.e30.abc")).await, Err(AuthError::Malformed));
    }

    #[tokio::test]
    async fn hs256_refused_without_secret() {
        let v = JwtVerifier::new(JwtConfig::default());
        let token = sign_hs256(SECRET, "acc-1", "op-1", 600);
        assert_eq!(v.verify(&token).await, Err(AuthError::UnsupportedAlgorithm));
        // Also when only a JWKS is configured: no fetch is made for an HS256 token.
        let server = JwksServer::start(full_jwks()).await;
        assert_eq!(server.verifier().verify(&token).await, Err(AuthError::UnsupportedAlgorithm));
        assert_eq!(server.hits(), 0);
        // An empty secret counts as unset.
        let v = JwtVerifier::new(JwtConfig { hs256_secret: Some(String::new()), ..Default::default() });
        assert_eq!(v.verify(&sign_hs256("", "a", "o", 600)).await, Err(AuthError::UnsupportedAlgorithm));
    }

    #[tokio::test]
    async fn issuer_and_audience_checked_when_configured() {
        let v = JwtVerifier::new(JwtConfig {
            hs256_secret: Some(SECRET.into()),
            issuer: Some("https://idp.example".into()),
            audience: Some("hub-api".into()),
            ..Default::default()
        });
        let with = |iss: Option<&str>, aud: Option<Value>| {
            let mut c = good_claims();
            c.as_object_mut().unwrap().remove("iss");
            c.as_object_mut().unwrap().remove("aud");
            if let Some(iss) = iss {
                c["iss"] = json!(iss);
            }
            if let Some(aud) = aud {
                c["aud"] = aud;
            }
            hs(&c)
        };
        assert!(v.verify(&with(Some("https://idp.example"), Some(json!("hub-api")))).await.is_ok());
        assert!(v.verify(&with(Some("https://idp.example"), Some(json!(["other", "hub-api"])))).await.is_ok());
        for token in [
            with(Some("https://evil.example"), Some(json!("hub-api"))),
            with(None, Some(json!("hub-api"))),
            with(Some("https://idp.example"), Some(json!("other"))),
            with(Some("https://idp.example"), Some(json!(["other"]))),
            with(Some("https://idp.example"), None),
        ] {
            assert_eq!(v.verify(&token).await, Err(AuthError::ClaimsInvalid));
        }
        // Not configured: not checked, whatever the token says.
        let plain = hs_verifier();
        assert!(plain.verify(&with(Some("https://anyone"), Some(json!("anything")))).await.is_ok());
        assert!(plain.verify(&with(None, None)).await.is_ok());
    }

    // --- JWKS ------------------------------------------------------------------------------

    #[tokio::test]
    async fn rs256_and_es256_verified_against_jwks() {
        let (server, v) = JwksServer::serving(full_jwks()).await;
        let rs = rs256(Some("test-rsa-1"));
        let es = es256(Some("test-ec-1"));
        assert_eq!(v.verify(&rs).await.unwrap().operator_id, "op-1");
        assert_eq!(v.verify(&es).await.unwrap().account_id, "acc-1");
        // Without kid: every key of the algorithm is tried.
        let rs_no_kid = rs256(None);
        let es_no_kid = es256(None);
        assert!(v.verify(&rs_no_kid).await.is_ok());
        assert!(v.verify(&es_no_kid).await.is_ok());
        // The document is fetched once and cached; a clone shares the cache.
        assert!(v.clone().verify(&rs).await.is_ok());
        assert_eq!(server.hits(), 1);

        // Claims are still checked on JWKS tokens.
        let mut expired = good_claims();
        expired["exp"] = json!(now() - 600);
        let rs_expired = sign(Algorithm::RS256, Some("test-rsa-1"), &expired, &rsa_key());
        assert_eq!(v.verify(&rs_expired).await, Err(AuthError::Expired));
        let rs_expired_no_kid = sign(Algorithm::RS256, None, &expired, &rsa_key());
        assert_eq!(v.verify(&rs_expired_no_kid).await, Err(AuthError::Expired));

        // Tampering breaks the signature.
        let parts: Vec<&str> = es.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            b64(json!({"account_id": "x", "operator_id": "y", "exp": now() + 60}).to_string().as_bytes()),
            parts[2]
        );
        assert_eq!(v.verify(&forged).await, Err(AuthError::InvalidSignature));
    }

    #[tokio::test]
    async fn jwks_key_must_match_the_token_algorithm() {
        let (_server, v) = JwksServer::serving(full_jwks()).await;
        // An RS256 token naming the EC key: that key cannot verify RS256.
        let rs = rs256(Some("test-ec-1"));
        assert_eq!(v.verify(&rs).await, Err(AuthError::UnknownKey));
        // Signed by a key that is not in the set, under a known kid.
        let other = sign(Algorithm::HS256, None, &good_claims(), &EncodingKey::from_secret(b"x"));
        let parts: Vec<&str> = other.split('.').collect();
        let header = b64(br#"{"alg":"ES256","kid":"test-ec-1"}"#);
        let fake = format!("{header}.{}.{}", parts[1], parts[2]);
        assert_eq!(v.verify(&fake).await, Err(AuthError::InvalidSignature));
        // Algorithm confusion: an HS256 token whose "secret" is the public JWKS is refused
        // because HS256 is off.
        let confused =
            sign(Algorithm::HS256, Some("test-rsa-1"), &good_claims(), &EncodingKey::from_secret(JWKS.as_bytes()));
        assert_eq!(v.verify(&confused).await, Err(AuthError::UnsupportedAlgorithm));
    }

    #[tokio::test]
    async fn rs256_refused_without_jwks() {
        let rs = rs256(Some("test-rsa-1"));
        assert_eq!(hs_verifier().verify(&rs).await, Err(AuthError::UnsupportedAlgorithm));
    }

    #[tokio::test]
    async fn unknown_kid_triggers_one_refetch() {
        let (server, v) = JwksServer::serving(jwks_with(&["test-rsa-1"])).await;
        let rs = rs256(Some("test-rsa-1"));
        assert!(v.verify(&rs).await.is_ok());
        assert_eq!(server.hits(), 1);

        // The provider rotates in a new key; a token using it causes one refetch.
        server.set(StatusCode::OK, full_jwks());
        let es = es256(Some("test-ec-1"));
        assert!(v.verify(&es).await.is_ok());
        assert_eq!(server.hits(), 2);

        // Known kids do not refetch.
        assert!(v.verify(&es).await.is_ok());
        assert!(v.verify(&rs).await.is_ok());
        assert_eq!(server.hits(), 2);

        // Another unknown kid within the minute: no refetch, refused.
        let ghost = rs256(Some("ghost"));
        assert_eq!(v.verify(&ghost).await, Err(AuthError::UnknownKey));
        assert_eq!(v.verify(&ghost).await, Err(AuthError::UnknownKey));
        assert_eq!(server.hits(), 2);
    }

    #[tokio::test]
    async fn unknown_kid_refetch_is_rate_limited_per_interval() {
        let server = JwksServer::start(jwks_with(&["test-rsa-1"])).await;
        let clock = TestTicker::new();
        let v = JwtVerifier::with_clock(jwks_config(&server.url), Duration::from_secs(60), clock.ticker());
        let ghost = rs256(Some("ghost"));
        assert_eq!(v.verify(&ghost).await, Err(AuthError::UnknownKey));
        assert_eq!(server.hits(), 2, "initial fetch + one refetch");
        assert_eq!(v.verify(&ghost).await, Err(AuthError::UnknownKey));
        assert_eq!(server.hits(), 2);
        clock.advance(Duration::from_secs(61));
        assert_eq!(v.verify(&ghost).await, Err(AuthError::UnknownKey));
        assert_eq!(server.hits(), 3, "one more refetch after the interval");
    }

    #[tokio::test]
    async fn jwks_unavailable() {
        // Server error, and no retry storm: the next request within the interval does not fetch.
        let server = JwksServer::start(json!({"error": "boom"})).await;
        server.set(StatusCode::INTERNAL_SERVER_ERROR, json!({"error": "boom"}));
        let v = server.verifier();
        let rs = rs256(Some("test-rsa-1"));
        assert_eq!(v.verify(&rs).await, Err(AuthError::JwksUnavailable));
        assert_eq!(v.verify(&rs).await, Err(AuthError::JwksUnavailable));
        assert_eq!(server.hits(), 1);

        // Not a JWKS document.
        let server = JwksServer::start(json!({"hello": "world"})).await;
        assert_eq!(server.verifier().verify(&rs).await, Err(AuthError::JwksUnavailable));

        // Nobody listening.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let v = JwtVerifier::new(jwks_config(&format!("http://{addr}/jwks")));
        assert_eq!(v.verify(&rs).await, Err(AuthError::JwksUnavailable));
    }

    #[tokio::test]
    async fn cached_keys_survive_a_failed_refetch() {
        let (server, v) = JwksServer::serving(full_jwks()).await;
        let rs = rs256(Some("test-rsa-1"));
        assert!(v.verify(&rs).await.is_ok());
        server.set(StatusCode::SERVICE_UNAVAILABLE, json!({}));
        let ghost = rs256(Some("ghost"));
        assert_eq!(v.verify(&ghost).await, Err(AuthError::UnknownKey));
        assert_eq!(server.hits(), 2);
        assert!(v.verify(&rs).await.is_ok(), "the cached key still works");
    }

    // --- Helpers ---------------------------------------------------------------------------

    #[test]
    fn bearer_token_parsing() {
        assert_eq!(bearer_token("Bearer abc.def.ghi"), Some("abc.def.ghi"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER   abc  "), Some("abc"));
        assert_eq!(bearer_token("  Bearer\tabc"), Some("abc"));
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearer a b"), None);
        assert_eq!(bearer_token("Basic dXNlcjpwYXNz"), None);
        assert_eq!(bearer_token("Bearerabc"), None);
        assert_eq!(bearer_token("Token abc"), None);
        assert_eq!(bearer_token(""), None);
    }

    #[test]
    fn config_from_lookup_treats_empty_as_unset() {
        let vars = [
            ("HUB_JWT_SECRET", "s3cret"),
            ("HUB_JWKS_URL", " https://idp.example/jwks "),
            ("HUB_JWT_ISSUER", ""),
            ("HUB_JWT_AUDIENCE", "hub"),
        ];
        let config = JwtConfig::from_lookup(|name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string()));
        assert_eq!(
            config,
            JwtConfig {
                hs256_secret: Some("s3cret".into()),
                jwks_url: Some("https://idp.example/jwks".into()),
                issuer: None,
                audience: Some("hub".into()),
                deployment: Deployment::Local,
            }
        );
        assert_eq!(JwtConfig::from_lookup(|_| None), JwtConfig::default());
        let debug = format!("{config:?}");
        assert!(!debug.contains("s3cret"), "{debug}");
        assert!(debug.contains("<redacted>"));
    }

    #[tokio::test]
    async fn errors_never_echo_the_token() {
        let v = hs_verifier();
        let token = sign_hs256("wrong", "acc-secret-id", "op-1", 600);
        let err = v.verify(&token).await.unwrap_err();
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains(&token));
            assert!(!text.contains("acc-secret-id"));
            assert!(!text.contains(token.split('.').next().unwrap()));
        }
    }

    // --- Where each mode is allowed -------------------------------------------------------

    #[tokio::test]
    async fn hs256_is_a_local_mode_only() {
        let token = hs(&good_claims());
        let config = |deployment, secret: &str| JwtConfig {
            hs256_secret: Some(secret.into()),
            deployment,
            ..Default::default()
        };
        // Outside Lambda, with a long secret of its own: on.
        assert!(config(Deployment::Local, SECRET).check().is_ok());
        assert!(JwtVerifier::new(config(Deployment::Local, SECRET)).verify(&token).await.is_ok());

        // Inside Lambda: refused at start, and off whatever the verifier is given (401).
        let lambda = config(Deployment::Lambda, SECRET);
        assert!(lambda.check().unwrap_err().contains("Lambda"));
        assert_eq!(JwtVerifier::new(lambda).verify(&token).await, Err(AuthError::UnsupportedAlgorithm));
        let from_env = JwtConfig::from_lookup(|name| match name {
            "AWS_LAMBDA_FUNCTION_NAME" => Some("hub-operators".into()),
            "HUB_JWT_SECRET" => Some(SECRET.into()),
            _ => None,
        });
        assert_eq!(from_env.deployment, Deployment::Lambda);
        assert_eq!(JwtVerifier::new(from_env).verify(&token).await, Err(AuthError::UnsupportedAlgorithm));

        // Beside a JWKS: refused, and no fetch is made for an HS256 token.
        let server = JwksServer::start(full_jwks()).await;
        let both = JwtConfig { hs256_secret: Some(SECRET.into()), ..jwks_config(&server.url) };
        assert!(both.check().unwrap_err().contains("HUB_JWKS_URL"));
        assert_eq!(JwtVerifier::new(both).verify(&token).await, Err(AuthError::UnsupportedAlgorithm));
        assert_eq!(server.hits(), 0);

        // Shorter than 32 bytes: refused.
        let short = "x".repeat(MIN_SECRET_BYTES - 1);
        let short_token = sign_hs256(&short, "acc-1", "op-1", 600);
        assert!(config(Deployment::Local, &short).check().unwrap_err().contains("32 bytes"));
        assert_eq!(
            JwtVerifier::new(config(Deployment::Local, &short)).verify(&short_token).await,
            Err(AuthError::UnsupportedAlgorithm)
        );
        assert!(config(Deployment::Local, &"x".repeat(MIN_SECRET_BYTES)).check().is_ok());

        // The published development secret: hub-local only.
        let dev_token = sign_hs256(LOCAL_DEV_SECRET, "acc-1", "op-1", 600);
        assert!(LOCAL_DEV_SECRET.len() >= MIN_SECRET_BYTES);
        assert!(config(Deployment::Local, LOCAL_DEV_SECRET).check().unwrap_err().contains("development secret"));
        assert_eq!(
            JwtVerifier::new(config(Deployment::Local, LOCAL_DEV_SECRET)).verify(&dev_token).await,
            Err(AuthError::UnsupportedAlgorithm)
        );
        assert!(config(Deployment::HubLocal, LOCAL_DEV_SECRET).check().is_ok());
        assert!(JwtVerifier::new(config(Deployment::HubLocal, LOCAL_DEV_SECRET)).verify(&dev_token).await.is_ok());
        assert!(config(Deployment::Lambda, LOCAL_DEV_SECRET).check().is_err());
    }

    #[tokio::test]
    async fn a_jwks_needs_issuer_and_audience_and_tokens_of_other_applications_are_refused() {
        let server = JwksServer::start(full_jwks()).await;
        let rs = |claims: &Value| sign(Algorithm::RS256, Some("test-rsa-1"), claims, &rsa_key());
        // Without issuer or audience the configuration is refused, and so are the tokens (503,
        // the failure mode of an unusable JWKS), without a fetch.
        for config in [
            JwtConfig { issuer: None, ..jwks_config(&server.url) },
            JwtConfig { audience: None, ..jwks_config(&server.url) },
            JwtConfig { issuer: Some(String::new()), ..jwks_config(&server.url) },
        ] {
            let from_env = JwtConfig::from_lookup(|name| match name {
                "HUB_JWKS_URL" => config.jwks_url.clone(),
                "HUB_JWT_ISSUER" => config.issuer.clone(),
                "HUB_JWT_AUDIENCE" => config.audience.clone(),
                _ => None,
            });
            assert!(from_env.check().unwrap_err().contains("HUB_JWT_ISSUER and HUB_JWT_AUDIENCE"), "{config:?}");
            assert_eq!(JwtVerifier::new(config).verify(&rs(&good_claims())).await, Err(AuthError::JwksUnavailable));
        }
        assert_eq!(server.hits(), 0);
        assert!(jwks_config(&server.url).check().is_ok());

        // Configured: a token of another application (aud) or another provider (iss) is refused,
        // as is one that names nobody (no sub).
        let v = server.verifier();
        assert!(v.verify(&rs(&good_claims())).await.is_ok());
        let mut claims = good_claims();
        claims["aud"] = json!("another-app");
        assert_eq!(v.verify(&rs(&claims)).await, Err(AuthError::ClaimsInvalid));
        claims["aud"] = json!(["another-app", "yet-another"]);
        assert_eq!(v.verify(&rs(&claims)).await, Err(AuthError::ClaimsInvalid));
        let mut claims = good_claims();
        claims["iss"] = json!("https://other-tenant.idp.example");
        assert_eq!(v.verify(&rs(&claims)).await, Err(AuthError::ClaimsInvalid));
        for missing in ["iss", "aud", "sub"] {
            let mut claims = good_claims();
            claims.as_object_mut().unwrap().remove(missing);
            assert_eq!(v.verify(&rs(&claims)).await, Err(AuthError::ClaimsInvalid), "without {missing}");
        }
        let verified = v.verify(&rs(&good_claims())).await.unwrap();
        assert_eq!((verified.issuer.as_deref(), verified.subject.as_deref()), (Some(ISS), Some("user-1")));
    }

    #[test]
    fn jwks_urls_are_https_except_loopback_outside_lambda() {
        use Deployment::*;
        for deployment in [Local, HubLocal, Lambda] {
            assert!(jwks_url_allowed("https://idp.example/.well-known/jwks.json", deployment).is_ok());
            for refused in [
                "http://idp.example/jwks",
                "http://10.0.0.1/jwks",
                "ftp://idp.example/jwks",
                "file:///etc/jwks.json",
                "not a url",
            ] {
                assert!(jwks_url_allowed(refused, deployment).is_err(), "{refused} in {deployment:?}");
            }
        }
        for loopback in [
            "http://127.0.0.1:9000/jwks",
            "http://localhost:9000/jwks",
            "http://LOCALHOST/jwks",
            "http://[::1]:9000/jwks",
            "http://127.0.0.2/jwks",
        ] {
            assert!(jwks_url_allowed(loopback, Local).is_ok(), "{loopback}");
            assert!(jwks_url_allowed(loopback, HubLocal).is_ok(), "{loopback}");
            assert!(jwks_url_allowed(loopback, Lambda).unwrap_err().contains("Lambda"), "{loopback}");
        }
        // Not fooled by a host that only starts like a loopback one.
        assert!(jwks_url_allowed("http://localhost.evil.example/jwks", Local).is_err());
        assert!(jwks_url_allowed("http://127.0.0.1.evil.example/jwks", Local).is_err());
        assert!(jwks_url_allowed("http://localhost@evil.example/jwks", Local).is_err());
        assert!(jwks_url_allowed("http://127.0.0.1:80@evil.example/jwks", Local).is_err());
    }

    #[tokio::test]
    async fn a_jwks_over_plain_http_is_refused_in_lambda_and_off_loopback() {
        let server = JwksServer::start(full_jwks()).await;
        let rs = rs256(Some("test-rsa-1"));
        // Inside Lambda, even the loopback server is not asked.
        let lambda = JwtConfig { deployment: Deployment::Lambda, ..jwks_config(&server.url) };
        assert!(lambda.check().unwrap_err().contains("https"));
        assert_eq!(JwtVerifier::new(lambda).verify(&rs).await, Err(AuthError::JwksUnavailable));
        // Outside Lambda, a plain-http provider elsewhere is refused before any request.
        let elsewhere = jwks_config("http://idp.example/jwks");
        assert!(elsewhere.check().unwrap_err().contains("https"));
        assert_eq!(JwtVerifier::new(elsewhere).verify(&rs).await, Err(AuthError::JwksUnavailable));
        assert_eq!(server.hits(), 0);
        // The same server on loopback outside Lambda: served.
        assert!(server.verifier().verify(&rs).await.is_ok());
        assert_eq!(server.hits(), 1);
    }

    #[tokio::test]
    async fn jwks_redirects_are_not_followed() {
        let server = JwksServer::start(full_jwks()).await;
        let moved = server.url.replace("/jwks", "/moved");
        let v = JwtVerifier::new(jwks_config(&moved));
        let rs = rs256(Some("test-rsa-1"));
        assert_eq!(v.verify(&rs).await, Err(AuthError::JwksUnavailable));
        assert_eq!(server.hits(), 0, "the redirect was followed");
    }

    #[tokio::test]
    async fn keys_not_refreshed_for_a_day_stop_being_trusted() {
        let server = JwksServer::start(full_jwks()).await;
        let clock = TestTicker::new();
        let v = JwtVerifier::with_clock(jwks_config(&server.url), Duration::from_secs(60), clock.ticker());
        let rs = rs256(Some("test-rsa-1"));
        assert!(v.verify(&rs).await.is_ok());
        assert_eq!(server.hits(), 1);
        // The provider's JWKS goes down. Past the hour the keys are refetched, the fetch fails,
        // and the cached keys stay in use...
        server.set(StatusCode::SERVICE_UNAVAILABLE, json!({}));
        clock.advance(Duration::from_secs(2 * 3600));
        assert!(v.verify(&rs).await.is_ok());
        assert_eq!(server.hits(), 2);
        clock.advance(Duration::from_secs(21 * 3600));
        assert!(v.verify(&rs).await.is_ok(), "23 h after the last refresh");
        // ...until a day after the last successful refresh: then 503, never the stale keys.
        clock.advance(Duration::from_secs(3600 + 60));
        assert_eq!(v.verify(&rs).await, Err(AuthError::JwksUnavailable));
        let ghost = rs256(Some("ghost"));
        assert_eq!(v.verify(&ghost).await, Err(AuthError::JwksUnavailable));
        // Back up: trusted again at the next attempt after the retry interval.
        server.set(StatusCode::OK, full_jwks());
        clock.advance(Duration::from_secs(61));
        assert!(v.verify(&rs).await.is_ok());
    }
}
