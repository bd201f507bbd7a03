//! The HTTP requests a function makes besides DynamoDB's: the identity provider's JWKS (https)
//! and, when its configuration is refused, the init error to the Lambda Runtime API (plain http
//! on the local link).
//!
//! One request per connection (both are rare: a JWKS at most once a minute, an init error once),
//! over hyper's HTTP/1.1 client connection and rustls on aws-lc: the pieces the DynamoDB client
//! links already. A general-purpose client (reqwest) brought a second TLS crypto library (ring),
//! a bundled root store and URL parsing with IDNA into every function (BENCHMARKS.md, part 4).
//!
//! - Redirects are never followed: a 3xx is an answer like any other.
//! - `https://` trusts the operating system's roots (as the SDK's default client does), loaded
//!   once, at the first https request; plain `http://` only where the caller allows it.
//! - A body larger than the caller's limit is refused, and the whole exchange has a deadline.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use http::{HeaderValue, Request, StatusCode, Uri, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// A whole answer.
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub body: Bytes,
}

/// Why there is no answer. Carries no part of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboundError {
    /// Not an absolute `http(s)://host[:port]/...` URL, or one with user information.
    InvalidUrl,
    /// Plain `http://` where the caller allows only `https://`.
    PlainHttp,
    Connect,
    /// The TLS handshake failed (an untrusted or mismatched certificate, among others).
    Tls,
    /// The request could not be sent or the answer could not be read.
    Exchange,
    /// The body is larger than the caller's limit.
    TooLarge,
    Timeout,
}

/// Sends `request` (its URI absolute) and reads the whole answer, within `timeout`.
pub async fn send(
    request: Request<Bytes>,
    allow_plain_http: bool,
    max_body: usize,
    timeout: Duration,
) -> Result<Response, OutboundError> {
    tokio::time::timeout(timeout, exchange(request, allow_plain_http, max_body, native_roots_tls))
        .await
        .map_err(|_| OutboundError::Timeout)?
}

async fn exchange(
    mut request: Request<Bytes>,
    allow_plain_http: bool,
    max_body: usize,
    tls: fn() -> Option<Arc<rustls::ClientConfig>>,
) -> Result<Response, OutboundError> {
    let uri = request.uri().clone();
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") if allow_plain_http => false,
        Some("http") => return Err(OutboundError::PlainHttp),
        _ => return Err(OutboundError::InvalidUrl),
    };
    let authority = uri
        .authority()
        .filter(|a| !a.as_str().contains('@') && !a.host().is_empty())
        .ok_or(OutboundError::InvalidUrl)?;
    let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_owned();
    let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
    let host_header = HeaderValue::from_str(authority.as_str()).map_err(|_| OutboundError::InvalidUrl)?;
    request.headers_mut().insert(header::HOST, host_header);
    request.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    *request.uri_mut() =
        uri.path_and_query().map_or("/", |p| p.as_str()).parse::<Uri>().map_err(|_| OutboundError::InvalidUrl)?;

    let tcp = TcpStream::connect((host.as_str(), port)).await.map_err(|_| OutboundError::Connect)?;
    let _ = tcp.set_nodelay(true);
    if !https {
        return over(tcp, request, max_body).await;
    }
    let config = tls().ok_or(OutboundError::Tls)?;
    let name = rustls::pki_types::ServerName::try_from(host).map_err(|_| OutboundError::InvalidUrl)?;
    let stream = tokio_rustls::TlsConnector::from(config).connect(name, tcp).await.map_err(|_| OutboundError::Tls)?;
    over(stream, request, max_body).await
}

/// Aborts the connection's task when the exchange ends, finished or cut short.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn over<T>(io: T, request: Request<Bytes>, max_body: usize) -> Result<Response, OutboundError>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(io)).await.map_err(|_| OutboundError::Exchange)?;
    let _connection = AbortOnDrop(tokio::spawn(async move {
        let _ = connection.await;
    }));
    let response = sender.send_request(request.map(Full::new)).await.map_err(|_| OutboundError::Exchange)?;
    let status = response.status();
    let declared = response.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_body as u64) {
        return Err(OutboundError::TooLarge);
    }
    let body = Limited::new(response.into_body(), max_body).collect().await.map_err(|e| {
        if e.is::<http_body_util::LengthLimitError>() { OutboundError::TooLarge } else { OutboundError::Exchange }
    })?;
    Ok(Response { status, body: body.to_bytes() })
}

/// rustls on aws-lc trusting the operating system's roots, built at the first https request;
/// `None` when the system has no readable roots (every https request then fails).
fn native_roots_tls() -> Option<Arc<rustls::ClientConfig>> {
    static CONFIG: OnceLock<Option<Arc<rustls::ClientConfig>>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            let (added, _) = roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            if added == 0 {
                tracing::error!("no trusted root certificates found on this system: https requests will fail");
                return None;
            }
            tls_config(roots)
        })
        .clone()
}

fn tls_config(roots: rustls::RootCertStore) -> Option<Arc<rustls::ClientConfig>> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Some(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn serve(app: axum::Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    }

    fn get(url: &str) -> Request<Bytes> {
        Request::get(url).body(Bytes::new()).unwrap()
    }

    const SECOND: Duration = Duration::from_secs(1);

    /// Why `request` gets no answer.
    async fn refusal(request: Request<Bytes>, allow_plain_http: bool, max_body: usize) -> OutboundError {
        send(request, allow_plain_http, max_body, SECOND).await.unwrap_err()
    }

    #[tokio::test]
    async fn answers_are_read_whole_within_the_limit_and_redirects_are_answers() {
        use axum::routing::{get as route_get, post};
        let app = axum::Router::new()
            .route("/small", route_get(|| async { "x".repeat(100) }))
            .route("/big", route_get(|| async { "x".repeat(10_000) }))
            .route("/moved", route_get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/small")]) }))
            .route(
                "/echo",
                post(|headers: http::HeaderMap, body: Bytes| async move {
                    format!("{} {}", headers.get(header::HOST).unwrap().to_str().unwrap(), body.len())
                }),
            );
        let base = serve(app).await;
        let small = send(get(&format!("{base}/small")), true, 100, SECOND).await.unwrap();
        assert_eq!((small.status, small.body.len()), (StatusCode::OK, 100));
        assert_eq!(refusal(get(&format!("{base}/small")), true, 99).await, OutboundError::TooLarge);
        assert_eq!(refusal(get(&format!("{base}/big")), true, 1_000).await, OutboundError::TooLarge);
        let moved = send(get(&format!("{base}/moved")), true, 100, SECOND).await.unwrap();
        assert_eq!((moved.status, moved.body.len()), (StatusCode::FOUND, 0));
        let post = Request::post(format!("{base}/echo?q=1")).body(Bytes::from_static(b"12345")).unwrap();
        let echoed = send(post, true, 100, SECOND).await.unwrap();
        assert_eq!(echoed.body, format!("{} 5", base.trim_start_matches("http://")).as_bytes());
    }

    #[tokio::test]
    async fn plain_http_user_information_and_unreachable_hosts_are_refused() {
        let base = serve(axum::Router::new().route("/", axum::routing::get(|| async { "ok" }))).await;
        assert_eq!(refusal(get(&base), false, 100).await, OutboundError::PlainHttp);
        let addr = base.trim_start_matches("http://");
        assert_eq!(refusal(get(&format!("http://user@{addr}/")), true, 100).await, OutboundError::InvalidUrl);
        assert_eq!(refusal(get("/relative"), true, 100).await, OutboundError::InvalidUrl);
        // A listener that was closed: nothing answers on its port.
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
        assert_eq!(refusal(get(&format!("http://{closed}/")), true, 100).await, OutboundError::Connect);
    }

    #[tokio::test]
    async fn https_refuses_a_server_whose_certificate_no_trusted_root_signed() {
        // A TLS server would need a certificate; a plain-http one fails the handshake the same
        // way an untrusted one does: no connection is ever used without a verified handshake.
        let base = serve(axum::Router::new().route("/", axum::routing::get(|| async { "ok" }))).await;
        let https = base.replace("http://", "https://");
        assert_eq!(refusal(get(&https), false, 100).await, OutboundError::Tls);
        // With no roots at all, nothing is attempted.
        let none = exchange(get(&https), false, 100, || None).await;
        assert_eq!(none.unwrap_err(), OutboundError::Tls);
    }
}
