//! Bearer JWT verification, shared by the local server and the Lambda authorizer.
//!
//! - HS256 is accepted only when a shared secret is configured (local runs and tests).
//! - RS256 and ES256 are accepted only against the identity provider's JWKS, the key chosen by
//!   `kid` (a token without `kid` is tried against every key of its algorithm).
//! - Every other `alg`, `none` included, is refused.
//! - `exp` is required (30 s leeway); `iss` and `aud` are required and checked when configured.
//!
//! Errors never carry the token or any part of it.

mod jwks;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use jwks::{JwksSource, KeySet};

/// Clock skew tolerated on `exp` (and `nbf`), in seconds.
pub const LEEWAY_SECONDS: u64 = 30;

/// Where tokens come from. Build it with [`JwtConfig::from_env`] in binaries.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct JwtConfig {
    /// `HUB_JWT_SECRET`: enables HS256 with this shared secret.
    pub hs256_secret: Option<String>,
    /// `HUB_JWKS_URL`: enables RS256/ES256 against this JWKS document.
    pub jwks_url: Option<String>,
    /// `HUB_JWT_ISSUER`: required `iss`.
    pub issuer: Option<String>,
    /// `HUB_JWT_AUDIENCE`: required `aud`.
    pub audience: Option<String>,
}

impl fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtConfig")
            .field(
                "hs256_secret",
                &self.hs256_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("jwks_url", &self.jwks_url)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

impl JwtConfig {
    /// Reads `HUB_JWT_SECRET`, `HUB_JWKS_URL`, `HUB_JWT_ISSUER` and `HUB_JWT_AUDIENCE`; an empty
    /// (or whitespace-only) variable counts as unset.
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
        }
    }
}

/// The identity a verified token carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub account_id: String,
    pub operator_id: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
}

/// Why a token was refused. Every variant means 401; the Display text is safe to log and never
/// includes the token.
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

struct Inner {
    hs256: Option<DecodingKey>,
    jwks: Option<JwksSource>,
    issuer: Option<String>,
    audience: Option<String>,
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("hs256", &self.inner.hs256.is_some())
            .field("jwks", &self.inner.jwks.is_some())
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
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| AuthError::Malformed)?;
    let header: RawHeader = serde_json::from_slice(&bytes).map_err(|_| AuthError::Malformed)?;
    if header.crit.is_some() {
        // We implement no JWS extensions, so any critical one must be refused (RFC 7515 4.1.11).
        return Err(AuthError::Malformed);
    }
    Ok(header)
}

impl JwtVerifier {
    pub fn new(config: JwtConfig) -> Self {
        Self::with_refetch_interval(config, jwks::REFETCH_INTERVAL)
    }

    fn with_refetch_interval(config: JwtConfig, refetch_interval: Duration) -> Self {
        let nonempty = |v: Option<String>| v.filter(|s| !s.is_empty());
        let hs256 = nonempty(config.hs256_secret).map(|s| DecodingKey::from_secret(s.as_bytes()));
        let jwks = nonempty(config.jwks_url).map(|url| JwksSource::new(url, refetch_interval));
        JwtVerifier {
            inner: Arc::new(Inner {
                hs256,
                jwks,
                issuer: nonempty(config.issuer),
                audience: nonempty(config.audience),
            }),
        }
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
                let key = self
                    .inner
                    .hs256
                    .as_ref()
                    .ok_or(AuthError::UnsupportedAlgorithm)?;
                self.decode(token, key, Algorithm::HS256)
            }
            "RS256" | "ES256" => {
                let alg = if header.alg == "RS256" {
                    Algorithm::RS256
                } else {
                    Algorithm::ES256
                };
                let source = self
                    .inner
                    .jwks
                    .as_ref()
                    .ok_or(AuthError::UnsupportedAlgorithm)?;
                let kid = header.kid.as_deref();
                let keys = source.keys().await?;
                if let Some(result) = self.try_keys(token, alg, kid, &keys) {
                    return result;
                }
                let keys = source.refresh_for_unknown_kid(&keys).await?;
                self.try_keys(token, alg, kid, &keys)
                    .unwrap_or(Err(AuthError::UnknownKey))
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
        let mut candidates = keys
            .iter()
            .filter(|k| k.alg == alg && (kid.is_none() || k.kid.as_deref() == kid))
            .peekable();
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
        let data = jsonwebtoken::decode::<RawClaims>(token, key, &self.validation(alg))
            .map_err(map_jwt_error)?;
        let RawClaims {
            account_id,
            operator_id,
            exp,
        } = data.claims;
        if !valid_id_claim(&account_id) || !valid_id_claim(&operator_id) {
            return Err(AuthError::ClaimsInvalid);
        }
        Ok(Claims {
            account_id,
            operator_id,
            exp,
        })
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
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
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
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    }

    fn rsa_key() -> EncodingKey {
        EncodingKey::from_rsa_der(&pem_der(RSA_PEM))
    }

    fn ec_key() -> EncodingKey {
        EncodingKey::from_ec_der(&pem_der(EC_PEM))
    }

    fn good_claims() -> Value {
        json!({"account_id": "acc-1", "operator_id": "op-1", "exp": now() + 300})
    }

    fn sign(alg: Algorithm, kid: Option<&str>, claims: &Value, key: &EncodingKey) -> String {
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, key).unwrap()
    }

    fn hs(claims: &Value) -> String {
        sign(
            Algorithm::HS256,
            None,
            claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    fn hs_verifier() -> JwtVerifier {
        JwtVerifier::new(JwtConfig {
            hs256_secret: Some(SECRET.into()),
            ..Default::default()
        })
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
            let app = axum::Router::new().route(
                "/jwks",
                axum::routing::get(move || {
                    let (h, d) = (h.clone(), d.clone());
                    async move {
                        h.fetch_add(1, Ordering::SeqCst);
                        let (status, body) = d.lock().unwrap().clone();
                        (status, axum::Json(body))
                    }
                }),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move {
                axum::serve(listener, app).await.unwrap();
            });
            JwksServer {
                url: format!("http://{addr}/jwks"),
                hits,
                doc,
            }
        }

        fn hits(&self) -> usize {
            self.hits.load(Ordering::SeqCst)
        }

        fn set(&self, status: StatusCode, doc: Value) {
            *self.doc.lock().unwrap() = (status, doc);
        }

        fn verifier(&self) -> JwtVerifier {
            JwtVerifier::new(JwtConfig {
                jwks_url: Some(self.url.clone()),
                ..Default::default()
            })
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
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(token.split('.').nth(1).unwrap())
                .unwrap(),
        )
        .unwrap();
        assert!((payload["iat"].as_i64().unwrap() - now()).abs() <= 2);
        // Surrounding whitespace is tolerated.
        assert!(hs_verifier().verify(&format!(" {token} ")).await.is_ok());
    }

    #[tokio::test]
    async fn hs256_wrong_secret() {
        let token = sign_hs256("another-secret", "acc-1", "op-1", 600);
        assert_eq!(
            hs_verifier().verify(&token).await,
            Err(AuthError::InvalidSignature)
        );
    }

    #[tokio::test]
    async fn tampered_payload_is_refused() {
        let token = sign_hs256(SECRET, "acc-1", "op-1", 600);
        let parts: Vec<&str> = token.split('.').collect();
        let forged_payload = b64(
            json!({"account_id": "acc-2", "operator_id": "op-1", "exp": now() + 600})
                .to_string()
                .as_bytes(),
        );
        let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(
            hs_verifier().verify(&forged).await,
            Err(AuthError::InvalidSignature)
        );
    }

    #[tokio::test]
    async fn expired_token_with_leeway() {
        let v = hs_verifier();
        let mut claims = good_claims();
        claims["exp"] = json!(now() - 120);
        assert_eq!(v.verify(&hs(&claims)).await, Err(AuthError::Expired));
        claims["exp"] = json!(now() - 10);
        assert!(
            v.verify(&hs(&claims)).await.is_ok(),
            "within the 30 s leeway"
        );
        assert_eq!(
            v.verify(&sign_hs256(SECRET, "a", "o", 0))
                .await
                .map(|c| c.account_id),
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
            assert_eq!(
                v.verify(&hs(&claims)).await,
                Err(AuthError::ClaimsInvalid),
                "without {drop}"
            );
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
            assert_eq!(
                v.verify(&hs(&claims)).await,
                Err(AuthError::ClaimsInvalid),
                "{field}={value}"
            );
        }
        let mut claims = good_claims();
        claims["nbf"] = json!(now() + 3600);
        assert_eq!(
            v.verify(&hs(&claims)).await,
            Err(AuthError::ClaimsInvalid),
            "not yet valid"
        );
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
        let hs512 = sign(
            Algorithm::HS512,
            None,
            &good_claims(),
            &EncodingKey::from_secret(SECRET.as_bytes()),
        );
        assert_eq!(v.verify(&hs512).await, Err(AuthError::UnsupportedAlgorithm));
    }

    #[tokio::test]
    async fn malformed_and_missing_tokens() {
        let v = hs_verifier();
        assert_eq!(v.verify("").await, Err(AuthError::Missing));
        assert_eq!(v.verify("   ").await, Err(AuthError::Missing));
        for bad in [
            "abc",
            "a.b",
            "a.b.c.d",
            "!!!.e30.",
            "e30.e30.",
            "bm90IGpzb24.e30.",
        ] {
            assert_eq!(v.verify(bad).await, Err(AuthError::Malformed), "{bad}");
        }
        // Payload not base64/JSON under a valid signature.
        let header = b64(br#"{"alg":"HS256"}"#);
        assert!(v.verify(&format!("{header}.%%%.abc")).await.is_err());
        // Unknown critical header extensions are refused.
        let crit = b64(br#"{"alg":"HS256","crit":["exp"]}"#);
        assert_eq!(
            v.verify(&format!("{crit}.e30.abc")).await,
            Err(AuthError::Malformed)
        );
    }

    #[tokio::test]
    async fn hs256_refused_without_secret() {
        let v = JwtVerifier::new(JwtConfig::default());
        let token = sign_hs256(SECRET, "acc-1", "op-1", 600);
        assert_eq!(v.verify(&token).await, Err(AuthError::UnsupportedAlgorithm));
        // Also when only a JWKS is configured: no fetch is made for an HS256 token.
        let server = JwksServer::start(full_jwks()).await;
        assert_eq!(
            server.verifier().verify(&token).await,
            Err(AuthError::UnsupportedAlgorithm)
        );
        assert_eq!(server.hits(), 0);
        // An empty secret counts as unset.
        let v = JwtVerifier::new(JwtConfig {
            hs256_secret: Some(String::new()),
            ..Default::default()
        });
        assert_eq!(
            v.verify(&sign_hs256("", "a", "o", 600)).await,
            Err(AuthError::UnsupportedAlgorithm)
        );
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
            if let Some(iss) = iss {
                c["iss"] = json!(iss);
            }
            if let Some(aud) = aud {
                c["aud"] = aud;
            }
            hs(&c)
        };
        assert!(
            v.verify(&with(Some("https://idp.example"), Some(json!("hub-api"))))
                .await
                .is_ok()
        );
        assert!(
            v.verify(&with(
                Some("https://idp.example"),
                Some(json!(["other", "hub-api"]))
            ))
            .await
            .is_ok()
        );
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
        assert!(
            plain
                .verify(&with(Some("https://anyone"), Some(json!("anything"))))
                .await
                .is_ok()
        );
        assert!(plain.verify(&with(None, None)).await.is_ok());
    }

    // --- JWKS ------------------------------------------------------------------------------

    #[tokio::test]
    async fn rs256_and_es256_verified_against_jwks() {
        let server = JwksServer::start(full_jwks()).await;
        let v = server.verifier();
        let rs = sign(
            Algorithm::RS256,
            Some("test-rsa-1"),
            &good_claims(),
            &rsa_key(),
        );
        let es = sign(
            Algorithm::ES256,
            Some("test-ec-1"),
            &good_claims(),
            &ec_key(),
        );
        assert_eq!(v.verify(&rs).await.unwrap().operator_id, "op-1");
        assert_eq!(v.verify(&es).await.unwrap().account_id, "acc-1");
        // Without kid: every key of the algorithm is tried.
        let rs_no_kid = sign(Algorithm::RS256, None, &good_claims(), &rsa_key());
        let es_no_kid = sign(Algorithm::ES256, None, &good_claims(), &ec_key());
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
            b64(
                json!({"account_id": "x", "operator_id": "y", "exp": now() + 60})
                    .to_string()
                    .as_bytes()
            ),
            parts[2]
        );
        assert_eq!(v.verify(&forged).await, Err(AuthError::InvalidSignature));
    }

    #[tokio::test]
    async fn jwks_key_must_match_the_token_algorithm() {
        let server = JwksServer::start(full_jwks()).await;
        let v = server.verifier();
        // An RS256 token naming the EC key: that key cannot verify RS256.
        let rs = sign(
            Algorithm::RS256,
            Some("test-ec-1"),
            &good_claims(),
            &rsa_key(),
        );
        assert_eq!(v.verify(&rs).await, Err(AuthError::UnknownKey));
        // Signed by a key that is not in the set, under a known kid.
        let other = sign(
            Algorithm::HS256,
            None,
            &good_claims(),
            &EncodingKey::from_secret(b"x"),
        );
        let parts: Vec<&str> = other.split('.').collect();
        let header = b64(br#"{"alg":"ES256","kid":"test-ec-1"}"#);
        let fake = format!("{header}.{}.{}", parts[1], parts[2]);
        assert_eq!(v.verify(&fake).await, Err(AuthError::InvalidSignature));
        // Algorithm confusion: an HS256 token whose "secret" is the public JWKS is refused
        // because HS256 is off.
        let confused = sign(
            Algorithm::HS256,
            Some("test-rsa-1"),
            &good_claims(),
            &EncodingKey::from_secret(JWKS.as_bytes()),
        );
        assert_eq!(
            v.verify(&confused).await,
            Err(AuthError::UnsupportedAlgorithm)
        );
    }

    #[tokio::test]
    async fn rs256_refused_without_jwks() {
        let rs = sign(
            Algorithm::RS256,
            Some("test-rsa-1"),
            &good_claims(),
            &rsa_key(),
        );
        assert_eq!(
            hs_verifier().verify(&rs).await,
            Err(AuthError::UnsupportedAlgorithm)
        );
    }

    #[tokio::test]
    async fn unknown_kid_triggers_one_refetch() {
        let server = JwksServer::start(jwks_with(&["test-rsa-1"])).await;
        let v = server.verifier();
        let rs = sign(
            Algorithm::RS256,
            Some("test-rsa-1"),
            &good_claims(),
            &rsa_key(),
        );
        assert!(v.verify(&rs).await.is_ok());
        assert_eq!(server.hits(), 1);

        // The provider rotates in a new key; a token using it causes one refetch.
        server.set(StatusCode::OK, full_jwks());
        let es = sign(
            Algorithm::ES256,
            Some("test-ec-1"),
            &good_claims(),
            &ec_key(),
        );
        assert!(v.verify(&es).await.is_ok());
        assert_eq!(server.hits(), 2);

        // Known kids do not refetch.
        assert!(v.verify(&es).await.is_ok());
        assert!(v.verify(&rs).await.is_ok());
        assert_eq!(server.hits(), 2);

        // Another unknown kid within the minute: no refetch, refused.
        let ghost = sign(Algorithm::RS256, Some("ghost"), &good_claims(), &rsa_key());
        assert_eq!(v.verify(&ghost).await, Err(AuthError::UnknownKey));
        assert_eq!(v.verify(&ghost).await, Err(AuthError::UnknownKey));
        assert_eq!(server.hits(), 2);
    }

    #[tokio::test]
    async fn unknown_kid_refetch_is_rate_limited_per_interval() {
        let server = JwksServer::start(jwks_with(&["test-rsa-1"])).await;
        let v = JwtVerifier::with_refetch_interval(
            JwtConfig {
                jwks_url: Some(server.url.clone()),
                ..Default::default()
            },
            Duration::from_millis(300),
        );
        let ghost = sign(Algorithm::RS256, Some("ghost"), &good_claims(), &rsa_key());
        assert_eq!(v.verify(&ghost).await, Err(AuthError::UnknownKey));
        assert_eq!(server.hits(), 2, "initial fetch + one refetch");
        assert_eq!(v.verify(&ghost).await, Err(AuthError::UnknownKey));
        assert_eq!(server.hits(), 2);
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert_eq!(v.verify(&ghost).await, Err(AuthError::UnknownKey));
        assert_eq!(server.hits(), 3, "one more refetch after the interval");
    }

    #[tokio::test]
    async fn jwks_unavailable() {
        // Server error, and no retry storm: the next request within the interval does not fetch.
        let server = JwksServer::start(json!({"error": "boom"})).await;
        server.set(StatusCode::INTERNAL_SERVER_ERROR, json!({"error": "boom"}));
        let v = server.verifier();
        let rs = sign(
            Algorithm::RS256,
            Some("test-rsa-1"),
            &good_claims(),
            &rsa_key(),
        );
        assert_eq!(v.verify(&rs).await, Err(AuthError::JwksUnavailable));
        assert_eq!(v.verify(&rs).await, Err(AuthError::JwksUnavailable));
        assert_eq!(server.hits(), 1);

        // Not a JWKS document.
        let server = JwksServer::start(json!({"hello": "world"})).await;
        assert_eq!(
            server.verifier().verify(&rs).await,
            Err(AuthError::JwksUnavailable)
        );

        // Nobody listening.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let v = JwtVerifier::new(JwtConfig {
            jwks_url: Some(format!("http://{addr}/jwks")),
            ..Default::default()
        });
        assert_eq!(v.verify(&rs).await, Err(AuthError::JwksUnavailable));
    }

    #[tokio::test]
    async fn cached_keys_survive_a_failed_refetch() {
        let server = JwksServer::start(full_jwks()).await;
        let v = server.verifier();
        let rs = sign(
            Algorithm::RS256,
            Some("test-rsa-1"),
            &good_claims(),
            &rsa_key(),
        );
        assert!(v.verify(&rs).await.is_ok());
        server.set(StatusCode::SERVICE_UNAVAILABLE, json!({}));
        let ghost = sign(Algorithm::RS256, Some("ghost"), &good_claims(), &rsa_key());
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
        let config = JwtConfig::from_lookup(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        });
        assert_eq!(
            config,
            JwtConfig {
                hs256_secret: Some("s3cret".into()),
                jwks_url: Some("https://idp.example/jwks".into()),
                issuer: None,
                audience: Some("hub".into()),
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
}
