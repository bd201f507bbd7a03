//! The hub web page: `GET /` (the HTML, with the sign-in configuration written into it) and
//! `GET /assets/{path}` (the ES modules and the style sheet of `web/src`, embedded at compile time
//! by `build.rs`). No credentials, no database: the page itself calls the API with the operator's
//! token, from the same origin.
//!
//! Deployed, this is the `web` Lambda function on the routes `GET /` and `GET /assets/{proxy+}`
//! of the same HTTP API as the functions (template.yaml says why); locally `hub-local` merges
//! [`router`] with the API's routers.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// One embedded file of `web/src`.
#[derive(Debug)]
pub struct Asset {
    /// Path below `web/src` (and below `/assets/` in URLs), `/`-separated.
    pub path: &'static str,
    pub bytes: &'static [u8],
    pub content_type: &'static str,
    /// A quoted content hash.
    pub etag: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The routes of this function, as the template's HttpApi events write them.
pub const ROUTES: [(&str, &str); 2] = [("GET", "/"), ("GET", "/assets/{proxy+}")];

/// How the page signs operators in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    /// The local server's development sign-in (`hub-local` only: pick any local operator).
    Development,
    /// OpenID Connect authorization code with PKCE against `issuer` (discovery at
    /// `{issuer}/.well-known/openid-configuration`); `token` names which of the token response's
    /// tokens is sent to the API as the bearer token.
    Oidc { issuer: String, client_id: String, scope: String, token: OidcToken },
    /// Neither: the page says that sign-in is not configured.
    NotConfigured,
}

/// Which token of the identity provider's token response the API receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OidcToken {
    AccessToken,
    IdToken,
}

/// The page's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebConfig {
    pub sign_in: SignIn,
}

/// Scopes asked for when `HUB_OIDC_SCOPE` is unset.
pub const DEFAULT_OIDC_SCOPE: &str = "openid profile email";

impl WebConfig {
    /// `HUB_OIDC_ISSUER` and `HUB_OIDC_CLIENT_ID` (both, or sign-in is not configured),
    /// `HUB_OIDC_SCOPE` (default [`DEFAULT_OIDC_SCOPE`]), `HUB_OIDC_TOKEN` (`access_token`, the
    /// default, or `id_token`). Blank counts as unset.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`WebConfig::from_env`] over any lookup (tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let var = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let sign_in = match (var("HUB_OIDC_ISSUER"), var("HUB_OIDC_CLIENT_ID")) {
            (Some(issuer), Some(client_id)) => SignIn::Oidc {
                issuer: issuer.trim_end_matches('/').to_owned(),
                client_id,
                scope: var("HUB_OIDC_SCOPE").unwrap_or_else(|| DEFAULT_OIDC_SCOPE.to_owned()),
                token: match var("HUB_OIDC_TOKEN").as_deref() {
                    Some("id_token") => OidcToken::IdToken,
                    _ => OidcToken::AccessToken,
                },
            },
            _ => SignIn::NotConfigured,
        };
        Self { sign_in }
    }

    /// The configuration document written into the page.
    pub fn document(&self) -> serde_json::Value {
        match &self.sign_in {
            SignIn::Development => serde_json::json!({"signIn": "development"}),
            SignIn::Oidc { issuer, client_id, scope, token } => serde_json::json!({
                "signIn": "oidc",
                "issuer": issuer,
                "clientId": client_id,
                "scope": scope,
                "token": match token { OidcToken::AccessToken => "access_token", OidcToken::IdToken => "id_token" },
            }),
            SignIn::NotConfigured => serde_json::json!({"signIn": "none"}),
        }
    }

    /// The origin of the identity provider, which the page calls (discovery and token endpoint).
    fn idp_origin(&self) -> Option<String> {
        let SignIn::Oidc { issuer, .. } = &self.sign_in else { return None };
        let scheme_end = issuer.find("://")? + 3;
        let host_end = issuer[scheme_end..].find('/').map_or(issuer.len(), |i| scheme_end + i);
        Some(issuer[..host_end].to_owned())
    }
}

/// What the router serves: the rendered page and its headers.
struct Page {
    html: String,
    etag: String,
    csp: HeaderValue,
}

/// The placeholder in `web/src/index.html` that the configuration replaces.
const CONFIG_PLACEHOLDER: &str = "<!--hub-config-->";

/// The page's routes (no fallback: `hub-local` merges them with the API's, and the Lambda entry
/// point adds [`not_found`]).
pub fn router(config: WebConfig) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/assets/{*path}", get(asset))
        .method_not_allowed_fallback(|| async {
            problem(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "The page is read with GET.")
        })
        .with_state(Arc::new(render(&config)))
}

/// The whole Lambda function: [`router`] with a 404 for any other path.
pub fn lambda_router(config: WebConfig) -> Router {
    router(config).fallback(not_found)
}

fn render(config: &WebConfig) -> Page {
    let template = ASSETS.iter().find(|a| a.path == "index.html").expect("web/src/index.html is embedded");
    let template = std::str::from_utf8(template.bytes).expect("index.html is UTF-8");
    assert!(template.contains(CONFIG_PLACEHOLDER), "index.html has the configuration placeholder");
    // JSON inside <script>: `<`, `>` and `&` escaped so that no value can close the element.
    let json = config.document().to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026");
    let html = template
        .replace(CONFIG_PLACEHOLDER, &format!(r#"<script type="application/json" id="hub-config">{json}</script>"#));
    let etag = format!(
        "\"{:016x}\"",
        html.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    );
    // Scripts and styles only from this origin (no inline script, no CDN); the API on the same
    // origin; the identity provider's discovery document and token endpoint (which may live on
    // another host than the issuer, hence https:).
    let connect = match config.idp_origin() {
        Some(origin) => format!("'self' https: {origin}"),
        None => "'self'".to_owned(),
    };
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src {connect}; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    );
    Page { html, etag, csp: HeaderValue::from_str(&csp).expect("ASCII policy") }
}

fn common_headers(headers: &mut HeaderMap) {
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // The sign-in redirect brings `?code=` to the page: never sent on as a referrer.
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    // No hashed file names (there is no build step): browsers revalidate, with ETags (304).
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
}

fn not_modified(request: &HeaderMap, etag: &str) -> bool {
    request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

async fn index(State(page): State<Arc<Page>>, request: HeaderMap) -> Response {
    let mut response = if not_modified(&request, &page.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page.html.clone()).into_response()
    };
    let headers = response.headers_mut();
    common_headers(headers);
    headers.insert(header::ETAG, HeaderValue::from_str(&page.etag).expect("hex"));
    headers.insert(header::CONTENT_SECURITY_POLICY, page.csp.clone());
    response
}

async fn asset(Path(path): Path<String>, request: HeaderMap) -> Response {
    // index.html is served only at `/` (with its configuration).
    let Some(asset) = ASSETS.iter().find(|a| a.path == path && a.path != "index.html") else {
        return not_found().await;
    };
    let mut response = if not_modified(&request, asset.etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, asset.content_type)], asset.bytes).into_response()
    };
    let headers = response.headers_mut();
    common_headers(headers);
    headers.insert(header::ETAG, HeaderValue::from_static(asset.etag));
    response
}

/// A problem+json 404, like the API's.
pub async fn not_found() -> Response {
    problem(StatusCode::NOT_FOUND, "not_found", "No such page or asset.")
}

fn problem(status: StatusCode, code: &str, detail: &str) -> Response {
    let body = serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
        "code": code,
    });
    (status, [(header::CONTENT_TYPE, "application/problem+json")], body.to_string()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use http::Request;
    use tower::ServiceExt as _;

    async fn get(app: &Router, uri: &str, if_none_match: Option<&str>) -> (StatusCode, HeaderMap, String) {
        let mut req = Request::get(uri);
        if let Some(tag) = if_none_match {
            req = req.header(header::IF_NONE_MATCH, tag);
        }
        let res = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
        let (parts, body) = res.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
        (parts.status, parts.headers, String::from_utf8_lossy(&bytes).into_owned())
    }

    fn oidc() -> WebConfig {
        WebConfig::from_lookup(|name| match name {
            "HUB_OIDC_ISSUER" => Some("https://id.example.com/tenant/".into()),
            "HUB_OIDC_CLIENT_ID" => Some("hub-web</script>".into()),
            "HUB_OIDC_TOKEN" => Some("id_token".into()),
            _ => None,
        })
    }

    #[test]
    fn configuration_from_the_environment() {
        assert_eq!(WebConfig::from_lookup(|_| None).sign_in, SignIn::NotConfigured);
        assert_eq!(
            WebConfig::from_lookup(|n| (n == "HUB_OIDC_ISSUER").then(|| "https://x".into())).sign_in,
            SignIn::NotConfigured
        );
        let SignIn::Oidc { issuer, client_id, scope, token } = oidc().sign_in else { panic!("oidc") };
        assert_eq!(
            (issuer.as_str(), client_id.as_str(), scope.as_str(), token),
            ("https://id.example.com/tenant", "hub-web</script>", DEFAULT_OIDC_SCOPE, OidcToken::IdToken)
        );
        assert_eq!(oidc().idp_origin().as_deref(), Some("https://id.example.com"));
    }

    #[tokio::test]
    async fn the_page_carries_its_configuration_and_security_headers() {
        let app = lambda_router(oidc());
        let (status, headers, html) = get(&app, "/", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert!(html.contains(r#""issuer":"https://id.example.com/tenant""#), "{html}");
        // The client id cannot close the script element.
        assert!(html.contains(r#""clientId":"hub-web\u003c/script\u003e""#), "{html}");
        assert!(!html.contains(CONFIG_PLACEHOLDER));
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("script-src 'self';") && csp.contains("https://id.example.com"), "{csp}");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
        // Revalidation.
        let etag = headers[header::ETAG].to_str().unwrap().to_owned();
        let (status, _, body) = get(&app, "/", Some(&etag)).await;
        assert_eq!((status, body.as_str()), (StatusCode::NOT_MODIFIED, ""));
    }

    #[tokio::test]
    async fn assets_are_served_with_their_types_and_unknown_paths_are_404() {
        let app = lambda_router(WebConfig { sign_in: SignIn::Development });
        let (status, headers, body) = get(&app, "/assets/app.js", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
        assert!(body.contains("import"));
        let etag = headers[header::ETAG].to_str().unwrap().to_owned();
        assert_eq!(get(&app, "/assets/app.js", Some(&etag)).await.0, StatusCode::NOT_MODIFIED);
        assert_eq!(get(&app, "/assets/styles.css", None).await.1[header::CONTENT_TYPE], "text/css; charset=utf-8");
        for path in ["/assets/index.html", "/assets/nope.js", "/assets/../Cargo.toml", "/elsewhere"] {
            let (status, headers, body) = get(&app, path, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
            assert!(body.contains(r#""code":"not_found""#));
        }
        let page = get(&app, "/", None).await.2;
        assert!(page.contains(r#"{"signIn":"development"}"#));
    }
}
