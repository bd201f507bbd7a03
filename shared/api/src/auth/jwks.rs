//! The identity provider's JWKS: fetched lazily, cached in memory, refreshed when stale or when
//! a token names a key we do not know (rate limited).
//!
//! Fetched over https only (plain http only to a loopback host outside Lambda, see
//! [`super::jwks_url_allowed`]), without following redirects. Keys that could not be refreshed
//! for [`MAX_TRUST`] stop being trusted: tokens then get 503, as when the keys cannot be fetched
//! at all, rather than being verified forever against keys the provider may have revoked.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};

use super::{AuthError, Deployment, Ticker};

/// Whole-request timeout for a JWKS fetch.
const FETCH_TIMEOUT: Duration = Duration::from_secs(3);
/// A JWKS document larger than this is refused.
const MAX_JWKS_BYTES: usize = 512 * 1024;
/// Keys older than this are refetched on next use (the old ones stay in use if that fails).
const MAX_AGE: Duration = Duration::from_secs(60 * 60);
/// Keys not refreshed successfully for this long are no longer used: a provider's revoked key
/// stops opening the hub within a day even when its JWKS cannot be reached.
pub(super) const MAX_TRUST: Duration = Duration::from_secs(24 * 60 * 60);
/// At most one unknown-kid refresh, and at most one fetch attempt after a failure, per interval.
pub(super) const REFETCH_INTERVAL: Duration = Duration::from_secs(60);

/// One usable verification key.
pub(super) struct JwkKey {
    pub kid: Option<String>,
    pub alg: Algorithm,
    pub key: DecodingKey,
}

pub(super) type KeySet = Arc<[JwkKey]>;

#[derive(Default)]
struct State {
    keys: Option<KeySet>,
    fetched_at: Option<Instant>,
    last_attempt: Option<Instant>,
    last_unknown_kid_refresh: Option<Instant>,
}

pub(super) struct JwksSource {
    url: String,
    /// Plain http is allowed (a loopback provider outside Lambda, see [`super::jwks_url_allowed`]).
    plain_http_allowed: bool,
    refetch_interval: Duration,
    now: Ticker,
    state: RwLock<State>,
    /// Serializes fetches so that a burst of requests causes one fetch.
    fetch_lock: tokio::sync::Mutex<()>,
}

fn within(at: Option<Instant>, interval: Duration, now: Instant) -> bool {
    at.is_some_and(|t| now.saturating_duration_since(t) < interval)
}

impl JwksSource {
    /// `url` has passed [`super::jwks_url_allowed`] for `deployment`.
    pub(super) fn new(url: String, refetch_interval: Duration, now: Ticker, deployment: Deployment) -> Self {
        let plain_http_allowed = deployment != Deployment::Lambda && url.starts_with("http://");
        JwksSource {
            url,
            plain_http_allowed,
            refetch_interval,
            now,
            state: RwLock::new(State::default()),
            fetch_lock: tokio::sync::Mutex::new(()),
        }
    }

    fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        let guard = self.state.read().unwrap_or_else(|e| e.into_inner());
        f(&guard)
    }

    fn write<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut guard = self.state.write().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    fn now(&self) -> Instant {
        (self.now)()
    }

    fn fresh_keys(&self) -> Option<KeySet> {
        self.keys_younger_than(MAX_AGE)
    }

    /// The cached keys while they are still trusted (refreshed within [`MAX_TRUST`]).
    fn trusted_keys(&self) -> Option<KeySet> {
        self.keys_younger_than(MAX_TRUST)
    }

    fn keys_younger_than(&self, age: Duration) -> Option<KeySet> {
        let now = self.now();
        self.read(|s| if within(s.fetched_at, age, now) { s.keys.clone() } else { None })
    }

    /// The current keys, fetching them first when there are none yet or they are stale.
    pub(super) async fn keys(&self) -> Result<KeySet, AuthError> {
        if let Some(keys) = self.fresh_keys() {
            return Ok(keys);
        }
        let _guard = self.fetch_lock.lock().await;
        if let Some(keys) = self.fresh_keys() {
            return Ok(keys);
        }
        let now = self.now();
        if self.read(|s| within(s.last_attempt, self.refetch_interval, now)) {
            // A fetch was tried moments ago (and failed, or we would have fresh keys).
            return self.trusted_keys().ok_or(AuthError::JwksUnavailable);
        }
        self.fetch_and_store().await
    }

    /// Called when a token names a key that `seen` does not hold: refetches, at most once per
    /// refetch interval, and returns the keys to search again (possibly unchanged).
    pub(super) async fn refresh_for_unknown_kid(&self, seen: &KeySet) -> Result<KeySet, AuthError> {
        let _guard = self.fetch_lock.lock().await;
        let now = self.now();
        let current = self.trusted_keys();
        let rate_limited = self.read(|s| within(s.last_unknown_kid_refresh, self.refetch_interval, now));
        if let Some(current) = &current
            && !Arc::ptr_eq(current, seen)
        {
            // Someone refreshed while we waited for the lock.
            return Ok(current.clone());
        }
        if rate_limited {
            return current.ok_or(AuthError::JwksUnavailable);
        }
        self.write(|s| s.last_unknown_kid_refresh = Some(now));
        self.fetch_and_store().await
    }

    async fn fetch_and_store(&self) -> Result<KeySet, AuthError> {
        let now = self.now();
        self.write(|s| s.last_attempt = Some(now));
        match self.fetch().await {
            Ok(keys) => {
                let keys: KeySet = keys.into();
                self.write(|s| {
                    s.keys = Some(keys.clone());
                    s.fetched_at = Some(now);
                });
                Ok(keys)
            }
            Err(reason) => {
                let kept = self.trusted_keys();
                if kept.is_none() && self.read(|s| s.keys.is_some()) {
                    tracing::error!(
                        reason,
                        "JWKS fetch failed and the cached keys are older than the trust limit: tokens are refused"
                    );
                } else {
                    tracing::warn!(reason, "JWKS fetch failed");
                }
                kept.ok_or(AuthError::JwksUnavailable)
            }
        }
    }

    /// One GET of the document; a redirect is not followed (the configured URL must answer
    /// itself: a redirect could lead anywhere, plain http or another host).
    async fn fetch(&self) -> Result<Vec<JwkKey>, &'static str> {
        let request = http::Request::get(&self.url)
            .header(http::header::ACCEPT, "application/json")
            .body(Default::default())
            .map_err(|_| "request failed")?;
        let response = crate::outbound::send(request, self.plain_http_allowed, MAX_JWKS_BYTES, FETCH_TIMEOUT)
            .await
            .map_err(|e| match e {
                crate::outbound::OutboundError::TooLarge => "document too large",
                _ => "request failed",
            })?;
        if response.status.is_redirection() {
            return Err("redirected (redirects are not followed)");
        }
        if !response.status.is_success() {
            return Err("unexpected status");
        }
        parse_jwks(&response.body)
    }
}

/// Parses a JWKS document, keeping the keys usable for RS256 or ES256 and silently skipping
/// the others (other key types, encryption keys, entries this crate cannot read).
pub(super) fn parse_jwks(body: &[u8]) -> Result<Vec<JwkKey>, &'static str> {
    let doc: serde_json::Value = serde_json::from_slice(body).map_err(|_| "not JSON")?;
    let entries = doc.get("keys").and_then(serde_json::Value::as_array).ok_or("no keys array")?;
    Ok(entries
        .iter()
        .filter_map(|entry| {
            let jwk: Jwk = serde_json::from_value(entry.clone()).ok()?;
            let alg = signing_alg(&jwk)?;
            let key = DecodingKey::from_jwk(&jwk).ok()?;
            Some(JwkKey { kid: jwk.common.key_id.clone(), alg, key })
        })
        .collect())
}

/// The algorithm a JWK may verify: RS256 for RSA keys, ES256 for P-256 keys; `None` for
/// anything else, or when the JWK's own `alg`/`use` say otherwise.
fn signing_alg(jwk: &Jwk) -> Option<Algorithm> {
    if jwk.common.public_key_use.as_ref().is_some_and(|u| *u != PublicKeyUse::Signature) {
        return None;
    }
    let by_type = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => Algorithm::ES256,
        _ => return None,
    };
    match jwk.common.key_algorithm {
        None => Some(by_type),
        Some(KeyAlgorithm::RS256) if by_type == Algorithm::RS256 => Some(by_type),
        Some(KeyAlgorithm::ES256) if by_type == Algorithm::ES256 => Some(by_type),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_keeps_only_signing_rs256_and_es256_keys() {
        let fixture = include_str!("../../tests/fixtures/jwks.json");
        let keys = parse_jwks(fixture.as_bytes()).unwrap();
        let summary: Vec<(Option<&str>, Algorithm)> = keys.iter().map(|k| (k.kid.as_deref(), k.alg)).collect();
        assert_eq!(summary, [(Some("test-rsa-1"), Algorithm::RS256), (Some("test-ec-1"), Algorithm::ES256)]);

        let mut doc: serde_json::Value = serde_json::from_str(fixture).unwrap();
        let (rsa, ec) = (&doc["keys"][0], &doc["keys"][1]);
        // A fixture key under a new `kid`, with one member changed (or removed, `None`).
        let variant = |key: &serde_json::Value, kid: &str, member: &str, value: Option<&str>| {
            let mut key = key.clone();
            match value {
                Some(value) => key[member] = value.into(),
                None => {
                    key.as_object_mut().unwrap().remove(member);
                }
            }
            key["kid"] = kid.into();
            key
        };
        doc["keys"] = serde_json::json!([
            variant(rsa, "no-alg", "alg", None),
            variant(rsa, "enc", "use", Some("enc")),
            variant(rsa, "ps", "alg", Some("PS256")),
            variant(ec, "lying", "alg", Some("RS256")),
            variant(ec, "p384", "crv", Some("P-384")),
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {"kty": "RSA", "kid": "weird", "alg": "RSA-OAEP-256", "n": "AQAB", "e": "AQAB"},
            {"kty": "wat"},
            "not an object",
        ]);
        let keys = parse_jwks(doc.to_string().as_bytes()).unwrap();
        let kids: Vec<Option<&str>> = keys.iter().map(|k| k.kid.as_deref()).collect();
        assert_eq!(kids, [Some("no-alg")]);
        assert_eq!(keys[0].alg, Algorithm::RS256);
    }

    #[test]
    fn parse_refuses_documents_without_keys() {
        assert!(parse_jwks(b"not json").is_err());
        assert!(parse_jwks(b"{}").is_err());
        assert!(parse_jwks(b"{\"keys\": {}}").is_err());
        assert_eq!(parse_jwks(b"{\"keys\": []}").unwrap().len(), 0);
    }
}
