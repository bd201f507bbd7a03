//! Oversized and pathological requests are refused cheaply with the contract's codes: the server
//! makes no DynamoDB request for them beyond the authentication read.

use std::time::Duration;

use hub_e2e::{Reply, TestApp, send};
use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const KIB: usize = 1024;

/// Sends `request`, checks the problem, and that it cost at most the authentication read.
async fn refused_cheaply(
    app: &TestApp,
    what: &str,
    request: reqwest::RequestBuilder,
    status: u16,
    code: &str,
) -> Reply {
    app.requests.reset();
    let reply = send(request).await;
    let dynamo = app.requests.get();
    eprintln!("{what}: {} {} with {dynamo} DynamoDB request(s)", reply.status, reply.body["code"]);
    assert_eq!((reply.status.as_u16(), reply.code()), (status, code), "{what}: {}", reply.body);
    assert!(dynamo <= 1, "{what}: {dynamo} DynamoDB requests");
    reply
}

/// Each request (without a body, as the administrator) refused as [`refused_cheaply`] checks;
/// `what` says what is wrong with them, a failure names the request too.
async fn each_refused_cheaply(
    app: &TestApp,
    what: &str,
    requests: impl IntoIterator<Item = (Method, String)>,
    status: u16,
    code: &str,
) {
    for (method, path) in requests {
        let request = app.req(method.clone(), &path);
        refused_cheaply(app, &format!("{method} {path:.40} ({what})"), request, status, code).await;
    }
}

fn json_post(app: &TestApp, path: &str, body: impl Into<reqwest::Body>) -> reqwest::RequestBuilder {
    app.req(Method::POST, path).header("content-type", "application/json").body(body)
}

/// A whole HTTP/1.1 exchange over a fresh connection, for what reqwest will not send (a chunked
/// body): writes `head` and then each chunk in chunked encoding, reads the answer to the end
/// (the server closes after refusing). Returns the status, the headers as text and the body.
async fn raw_chunked(app: &TestApp, path: &str, chunks: Vec<Vec<u8>>) -> (u16, String, serde_json::Value) {
    let mut body = Vec::new();
    for chunk in &chunks {
        body.extend(format!("{:x}\r\n", chunk.len()).as_bytes());
        body.extend(chunk);
        body.extend(b"\r\n");
    }
    body.extend(b"0\r\n\r\n");
    raw_post(app, "POST", path, "Transfer-Encoding: chunked", body).await
}

/// A request written on a raw connection while its answer is read, so that a server that answers
/// and closes before reading the whole body is seen answering (an HTTP client would report the
/// broken pipe of its unfinished write instead).
async fn raw_post(
    app: &TestApp,
    method: &str,
    path: &str,
    framing: &str,
    body: Vec<u8>,
) -> (u16, String, serde_json::Value) {
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\n{framing}\r\nConnection: close\r\n\r\n",
        app.admin_token
    );
    let mut out = head.into_bytes();
    out.extend(body);
    let (mut read, mut write) = stream.split();
    // The server may answer and close before it has read everything: write and read at once,
    // and do not mind a write the server no longer reads.
    let writing = async {
        let _ = write.write_all(&out).await;
        let _ = write.flush().await;
    };
    let reading = async {
        let mut answer = Vec::new();
        let _ = read.read_to_end(&mut answer).await;
        answer
    };
    let ((), answer) = tokio::time::timeout(Duration::from_secs(10), async { tokio::join!(writing, reading) })
        .await
        .expect("the server answers");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no status: {head}"));
    // The answer itself may be chunked: take the JSON object inside.
    let json = match (body.find('{'), body.rfind('}')) {
        (Some(a), Some(b)) => serde_json::from_str(&body[a..=b]).unwrap_or(serde_json::Value::Null),
        _ => serde_json::Value::Null,
    };
    (status, head.to_ascii_lowercase(), json)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_413_with_or_without_content_length() {
    let app = TestApp::start().await;
    let id = app.create_operator("Limit Lou", "lou@example.com").await;
    let big = format!("{{\"email\":\"a@b.co\",\"fullName\":\"{}\"}}", "x".repeat(70 * KIB));
    for (method, path) in
        [("POST", "/operators".to_owned()), ("PATCH", format!("/operators/{id}")), ("POST", "/groups".to_owned())]
    {
        // The server answers without reading the body and closes the connection.
        app.requests.reset();
        let (status, head, body) =
            raw_post(&app, method, &path, &format!("Content-Length: {}", big.len()), big.clone().into_bytes()).await;
        assert_eq!((status, body["code"].as_str()), (413, Some("payload_too_large")), "{method} {path}: {head}");
        assert!(head.contains("connection: close"), "{head}");
        assert!(app.requests.get() <= 1, "{method} {path} made {} DynamoDB requests", app.requests.get());
    }
    // A Content-Length far beyond the limit is refused before any byte of the body is sent.
    app.requests.reset();
    let (status, head, body) =
        raw_post(&app, "POST", "/operators", &format!("Content-Length: {}", 4 * KIB * KIB), Vec::new()).await;
    assert_eq!((status, body["code"].as_str()), (413, Some("payload_too_large")), "{head}");
    assert!(app.requests.get() <= 1);

    // Chunked: no Content-Length, the limit is found while reading.
    for size in [65 * KIB, 1024 * KIB] {
        app.requests.reset();
        let chunks = std::iter::once(b"{\"email\":\"a@b.co\",\"fullName\":\"".to_vec())
            .chain((0..size / (16 * KIB)).map(|_| vec![b'x'; 16 * KIB]))
            .collect();
        let (status, head, body) = raw_chunked(&app, "/operators", chunks).await;
        eprintln!(
            "POST chunked {} KiB: {status} {} with {} DynamoDB request(s)",
            size / KIB,
            body["code"],
            app.requests.get()
        );
        assert_eq!((status, body["code"].as_str()), (413, Some("payload_too_large")), "{head}");
        assert!(head.contains("content-type: application/problem+json"), "{head}");
        assert!(app.requests.get() <= 1);
    }
    // Exactly 64 KiB is within the limit: read and judged on its content.
    let prefix = "{\"email\":\"a@b.co\",\"fullName\":\"";
    let exact = format!("{prefix}{}\"}}", "x".repeat(64 * KIB - prefix.len() - 2));
    assert_eq!(exact.len(), 64 * KIB);
    refused_cheaply(&app, "POST exactly 64 KiB", json_post(&app, "/operators", exact), 400, "validation_failed").await;
    let (status, _, body) =
        raw_chunked(&app, "/groups", vec![b"{\"description\":\"Chunked".to_vec(), b" but small\"}".to_vec()]).await;
    assert_eq!((status, body["description"].as_str()), (201, Some("Chunked but small")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_huge_and_broken_json_is_400() {
    let app = TestApp::start().await;
    let deep_arrays = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    refused_cheaply(&app, "10,000 nested arrays", json_post(&app, "/operators", deep_arrays), 400, "malformed_json")
        .await;
    let deep_objects = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    refused_cheaply(&app, "10,000 nested objects", json_post(&app, "/groups", deep_objects), 400, "malformed_json")
        .await;
    let unclosed = "[".repeat(60 * KIB);
    refused_cheaply(&app, "60 KiB of unclosed arrays", json_post(&app, "/operators", unclosed), 400, "malformed_json")
        .await;

    // About 60 KiB of array elements, as the document and as a field.
    let elements = vec!["1"; 30 * KIB].join(",");
    let array = format!("[{elements}]");
    assert!(array.len() > 59 * KIB && array.len() < 64 * KIB);
    refused_cheaply(
        &app,
        "60 KiB array document",
        json_post(&app, "/operators", array.clone()),
        400,
        "validation_failed",
    )
    .await;
    refused_cheaply(
        &app,
        "60 KiB array document (groups)",
        json_post(&app, "/groups", array),
        400,
        "validation_failed",
    )
    .await;
    let in_field = format!("{{\"email\":\"a@b.co\",\"fullName\":\"X\",\"mobilePhone\":[{elements}]}}");
    refused_cheaply(&app, "60 KiB array in a field", json_post(&app, "/operators", in_field), 400, "validation_failed")
        .await;
    let many_keys: Vec<String> = (0..5000).map(|i| format!("\"k{i}\":0")).collect();
    let many_keys = format!("{{{}}}", many_keys.join(","));
    refused_cheaply(&app, "5,000 unknown keys", json_post(&app, "/operators", many_keys), 400, "validation_failed")
        .await;
    let long_string = format!("{{\"email\":\"a@b.co\",\"fullName\":\"{}\"}}", "é".repeat(30 * KIB));
    refused_cheaply(&app, "60 KiB string", json_post(&app, "/operators", long_string), 400, "validation_failed").await;

    // Invalid UTF-8, inside a string and outside.
    let mut in_string = b"{\"email\":\"a@b.co\",\"fullName\":\"Bad ".to_vec();
    in_string.extend([0xC3, 0x28, 0xFF]);
    in_string.extend(b"\"}");
    refused_cheaply(&app, "invalid UTF-8 in a string", json_post(&app, "/operators", in_string), 400, "malformed_json")
        .await;
    refused_cheaply(
        &app,
        "invalid UTF-8 outside strings",
        json_post(&app, "/groups", vec![0xFE, 0xFF, b'{', b'}']),
        400,
        "malformed_json",
    )
    .await;
    refused_cheaply(
        &app,
        "a byte-order mark",
        json_post(&app, "/groups", b"\xEF\xBB\xBF{\"description\":\"BOM\"}".to_vec()),
        400,
        "malformed_json",
    )
    .await;
    refused_cheaply(
        &app,
        "trailing garbage",
        json_post(&app, "/groups", "{\"description\":\"x\"} {}"),
        400,
        "malformed_json",
    )
    .await;
}

/// JSON has no charset but UTF-8 (RFC 8259 §8.1), so a `charset` parameter does not change what
/// the body is: `application/json; charset=latin1` is accepted as JSON, and a body that is not
/// UTF-8 is malformed whatever the parameter claims. Other media types are 415.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn charset_parameters_do_not_change_json() {
    let app = TestApp::start().await;
    let latin1 = |body: Vec<u8>| {
        app.req(Method::POST, "/groups").header("content-type", "application/json; charset=latin1").body(body)
    };
    send(latin1(b"{\"description\":\"Plain ASCII\"}".to_vec())).await.expect(201);
    let mut accented = b"{\"description\":\"Caf".to_vec();
    accented.push(0xE9); // "é" in Latin-1
    accented.extend(b"\"}");
    refused_cheaply(&app, "Latin-1 bytes under charset=latin1", latin1(accented), 400, "malformed_json").await;
    let utf8 = app
        .req(Method::POST, "/groups")
        .header("content-type", "application/json; charset=utf-8")
        .body("{\"description\":\"Café\"}");
    assert_eq!(send(utf8).await.expect(201).body["description"], "Café");
    for media in
        ["text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data; boundary=x"]
    {
        let request = app.req(Method::POST, "/groups").header("content-type", media).body("{\"description\":\"x\"}");
        refused_cheaply(&app, media, request, 415, "unsupported_media_type").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_ids_and_query_strings_are_refused() {
    let app = TestApp::start().await;
    let long_id = "a".repeat(10_000);
    let requests = [
        (Method::GET, format!("/operators/{long_id}")),
        (Method::DELETE, format!("/operators/{long_id}")),
        (Method::GET, format!("/groups/{long_id}")),
        (Method::GET, format!("/groups/{long_id}/members")),
        (Method::PUT, format!("/groups/{long_id}/members/{long_id}")),
        (Method::GET, format!("/operators/{}", "%41".repeat(3_333))),
    ];
    each_refused_cheaply(&app, "10,000-character id", requests, 404, "not_found").await;
    let patch = app.req(Method::PATCH, &format!("/operators/{long_id}")).json(&serde_json::json!({"fullName": "X"}));
    refused_cheaply(&app, "PATCH 10,000-character id", patch, 404, "not_found").await;

    let long_query = format!("q={}", "x".repeat(10_000));
    for path in ["/operators", "/groups"] {
        let request = app.req(Method::GET, &format!("{path}?{long_query}"));
        refused_cheaply(&app, &format!("GET {path} 10,000-character query"), request, 400, "validation_failed").await;
        let request = app.req(Method::GET, &format!("{path}?limit=5&{}", "cursor=x&".repeat(1_111)));
        refused_cheaply(&app, &format!("GET {path} repeated parameters"), request, 400, "validation_failed").await;
        let request = app.req(Method::GET, &format!("{path}?colour=red"));
        refused_cheaply(&app, &format!("GET {path} unknown parameter"), request, 400, "validation_failed").await;
        let request = app.req(Method::GET, &format!("{path}?limit=1&limit=2"));
        refused_cheaply(&app, &format!("GET {path} duplicate parameter"), request, 400, "validation_failed").await;
    }
}

/// Routes that take no query parameters refuse a query string rather than ignore it
/// (`DELETE /operators/{id}?force=true` must not delete).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_query_parameters_on_single_resources_are_refused() {
    let app = TestApp::start().await;
    let id = app.create_operator("Query Quinn", "quinn@example.com").await;
    let requests = [
        (Method::GET, format!("/operators/{id}?colour=red")),
        (Method::GET, format!("/operators/{id}?{}", "x".repeat(10_000))),
        (Method::GET, "/groups/everyone?x=1".to_owned()),
        (Method::DELETE, format!("/operators/{id}?force=true")),
    ];
    each_refused_cheaply(&app, "a query where none is taken", requests, 400, "validation_failed").await;
}
