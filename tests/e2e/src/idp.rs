//! A stand-in identity provider for the tests: its JWKS (the RSA and EC keys of
//! `shared/api/tests/fixtures`) served on a loopback port, and RS256 tokens signed with the RSA key,
//! carrying what a real provider's tokens for the hub carry (`iss`, `aud`, `sub`, `exp` and the
//! `account_id` / `operator_id` claims).

use base64::Engine as _;
use hub_api::auth::JwtConfig;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const JWKS: &str = include_str!("../../../shared/api/tests/fixtures/jwks.json");
const RSA_PEM: &str = include_str!("../../../shared/api/tests/fixtures/rsa_private_pkcs1.pem");

pub struct IdentityProvider {
    pub jwks_url: String,
    pub issuer: String,
    pub audience: String,
    key: EncodingKey,
    _server: tokio::task::JoinHandle<()>,
}

impl IdentityProvider {
    pub async fn start() -> IdentityProvider {
        let doc: Value = serde_json::from_str(JWKS).expect("the JWKS fixture parses");
        let app = axum::Router::new().route("/jwks", axum::routing::get(move || async move { axum::Json(doc) }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("JWKS server runs");
        });
        let der: String = RSA_PEM.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD.decode(der).expect("PEM body");
        IdentityProvider {
            jwks_url: format!("http://{addr}/jwks"),
            issuer: format!("http://{addr}"),
            audience: "user-management-hub".into(),
            key: EncodingKey::from_rsa_der(&der),
            _server: server,
        }
    }

    /// The hub's JWT configuration for this provider (outside Lambda: its JWKS is on loopback).
    pub fn config(&self) -> JwtConfig {
        JwtConfig {
            jwks_url: Some(self.jwks_url.clone()),
            issuer: Some(self.issuer.clone()),
            audience: Some(self.audience.clone()),
            ..JwtConfig::default()
        }
    }

    /// The claims of a token for the hub, signed in as `subject`.
    pub fn claims(&self, account_id: &str, operator_id: &str, subject: &str) -> Value {
        let now = jiff::Timestamp::now().as_second();
        json!({
            "iss": self.issuer, "aud": self.audience, "sub": subject,
            "account_id": account_id, "operator_id": operator_id,
            "iat": now, "exp": now + 3600,
        })
    }

    pub fn token(&self, account_id: &str, operator_id: &str, subject: &str) -> String {
        self.sign(&self.claims(account_id, operator_id, subject))
    }

    /// Signs any claims with the provider's RSA key (`kid` of the JWKS).
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some("test-rsa-1".into());
        jsonwebtoken::encode(&header, claims, &self.key).expect("RS256 signing")
    }
}
