//! The OpenAPI 3.1 document (`hub_local::openapi`): it lists exactly the routes the routers serve,
//! the committed `openapi.json` is the generated document, `GET /openapi.json` serves it without
//! credentials, every operation carries the problem response and the credentials, and real
//! responses validate against the documented schemas.
//!
//! The schemas are checked by a small validator of the JSON Schema keywords utoipa emits (below):
//! it refuses any keyword it does not implement rather than ignoring it, and it also refuses
//! properties a response sends that its schema does not document.

use std::collections::BTreeSet;

use hub_e2e::runtime_api::{Outcome, http_event};
use hub_e2e::{Reply, TestApp, send};
use reqwest::Method;
use serde_json::{Value, json};

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.json");

fn document() -> Value {
    serde_json::from_str(&hub_local::openapi::openapi_json()).expect("the document is JSON")
}

/// Every route the functions' routers serve, as `(METHOD, path)`.
fn served_routes() -> BTreeSet<(String, String)> {
    [
        hub_operators::routes(),
        hub_groups::routes(),
        hub_summary::routes(),
        hub_monitors::routes(),
        hub_api_users::routes(),
    ]
    .iter()
    .flat_map(|routes| routes.table())
    .map(|route| (route.method.as_str().to_owned(), route.path.to_owned()))
    .collect()
}

#[test]
fn the_document_lists_exactly_the_served_routes() {
    let doc = hub_local::openapi::openapi_document();
    let documented: BTreeSet<(String, String)> = hub_api::openapi::operations_of(&doc).into_iter().collect();
    let mut served = served_routes();
    // The document itself is public and not an operation of the API it describes.
    assert!(served.remove(&("GET".to_owned(), "/openapi.json".to_owned())), "hub-summary serves GET /openapi.json");
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty() && unserved.is_empty(),
        "served but not documented: {undocumented:?}; documented but not served: {unserved:?}"
    );
}

/// SCIM (`/scim/v2`) is its own protocol, with its own credentials and error schema: the
/// document describes the hub's API only, and a client generated from it never sees SCIM.
#[test]
fn the_document_has_no_scim_paths() {
    let doc = document();
    let paths = doc["paths"].as_object().expect("the document has paths");
    assert!(paths.keys().any(|p| p.starts_with("/scim-tokens")), "the SCIM tokens are part of the hub's API");
    let scim: Vec<&String> = paths.keys().filter(|p| *p == "/scim" || p.starts_with("/scim/")).collect();
    assert!(scim.is_empty(), "SCIM paths in the document: {scim:?}");
}

#[test]
fn the_committed_document_is_the_generated_one() {
    let generated = hub_local::openapi::openapi_json();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(COMMITTED, &generated).expect("openapi.json written");
        return;
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi.json at the repository root is not the document the code generates; regenerate it with \
         `UPDATE_OPENAPI=1 cargo test -p hub-e2e --test api openapi` (then rebuild: hub-summary compiles it in)"
    );
}

#[test]
fn every_operation_has_the_problem_response_and_needs_credentials() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "User Management hub");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearerAuth"], json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}));
    assert_eq!(schemes["basicAuth"], json!({"type": "http", "scheme": "basic"}));
    let mut count = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let declared_in_path: BTreeSet<&str> =
            path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).collect();
        for (method, op) in item.as_object().expect("path item") {
            count += 1;
            let here = format!("{} {path}", method.to_uppercase());
            assert_eq!(
                op["responses"]["default"]["content"]["application/problem+json"]["schema"],
                json!({"$ref": "#/components/schemas/Problem"}),
                "{here}: the problem response"
            );
            assert_eq!(op["security"], json!([{"bearerAuth": []}, {"basicAuth": []}]), "{here}: credentials");
            assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{here}: a tag");
            let successes: Vec<&String> =
                op["responses"].as_object().unwrap().keys().filter(|k| k.starts_with('2')).collect();
            assert_eq!(successes.len(), 1, "{here}: one success response");
            // Every `{name}` of the path is a path parameter, and only those are.
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let path_params: BTreeSet<&str> =
                params.iter().filter(|p| p["in"] == "path").map(|p| p["name"].as_str().unwrap()).collect();
            assert_eq!(path_params, declared_in_path, "{here}: path parameters");
        }
    }
    assert_eq!(count, served_routes().len() - 1);
    // Every reference resolves.
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    for r in refs {
        assert!(doc.pointer(r.trim_start_matches('#')).is_some(), "dangling {r}");
    }
}

#[test]
fn operation_ids_are_unique() {
    let doc = document();
    let mut by_id: std::collections::BTreeMap<&str, Vec<(String, String)>> = Default::default();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            by_id.entry(id).or_default().push((method.to_uppercase(), path.clone()));
        }
    }
    for (id, ops) in by_id {
        assert_eq!(ops.len(), 1, "operationId {id} is used by {ops:?}");
    }
}

fn collect_refs<'a>(value: &'a Value, refs: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => refs.push(r),
                    _ => collect_refs(v, refs),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_served_without_credentials() {
    let app = TestApp::start_with(hub_api::config::HubConfig {
        cors_origins: vec!["https://hub.example.com".into()],
        ..Default::default()
    })
    .await;
    let reply = send(app.http.get(format!("{}/openapi.json", app.base)).header("origin", "https://hub.example.com"))
        .await
        .expect(200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.header("access-control-allow-origin"), Some("https://hub.example.com"));
    assert_eq!(reply.body["openapi"], "3.1.0");
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(COMMITTED).expect("openapi.json")).expect("JSON");
    assert!(reply.body == committed, "the served document is the committed openapi.json");
    // Only GET, and only that path, is public.
    let reply = send(app.http.post(format!("{}/openapi.json", app.base))).await;
    assert_eq!(reply.status.as_u16(), 401);
    let reply = send(app.http.get(format!("{}/openapi.json/x", app.base))).await;
    assert_eq!(reply.status.as_u16(), 404);
}

/// The hub-summary function's real entry point serves it too (the route needs no authorizer).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_summary_function_serves_the_document() {
    let app = TestApp::start().await;
    let mut lambda = app.start_function("hub-summary").await;
    let Outcome::Response(r) = lambda.invoke(http_event("GET", "/openapi.json", "", None, None)).await else {
        panic!("the function failed")
    };
    assert_eq!(r["statusCode"], 200, "{r}");
    assert_eq!(r["headers"]["content-type"], "application/json");
    let body: Value = serde_json::from_str(r["body"].as_str().expect("body")).expect("JSON");
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(COMMITTED).expect("openapi.json")).expect("JSON");
    assert!(body == committed, "the function serves the committed openapi.json");
}

// ---------------------------------------------------------------------------------------------
// Real responses against the documented schemas

/// A validator for the JSON Schema (2020-12) keywords utoipa emits, resolving `$ref` into the
/// document's components. Objects are closed: a property the schema does not document is an
/// error (unless `additionalProperties` says otherwise), properties of `allOf` branches counting
/// for each other.
struct Validator<'a> {
    doc: &'a Value,
}

const ANNOTATIONS: [&str; 9] = [
    "description",
    "title",
    "default",
    "examples",
    "example",
    "deprecated",
    "readOnly",
    "writeOnly",
    "contentMediaType",
];

impl Validator<'_> {
    fn resolve(&self, reference: &str) -> &Value {
        let pointer = reference.strip_prefix('#').unwrap_or_else(|| panic!("only local references: {reference}"));
        self.doc.pointer(pointer).unwrap_or_else(|| panic!("dangling {reference}"))
    }

    /// Property names an object schema documents, through `$ref` and `allOf`.
    fn property_names(&self, schema: &Value, names: &mut BTreeSet<String>) {
        if let Some(r) = schema["$ref"].as_str() {
            self.property_names(self.resolve(r), names);
        }
        if let Some(props) = schema["properties"].as_object() {
            names.extend(props.keys().cloned());
        }
        for branch in schema["allOf"].as_array().into_iter().flatten() {
            self.property_names(branch, names);
        }
    }

    fn validate(&self, schema: &Value, value: &Value, at: &str, siblings: &BTreeSet<String>, errors: &mut Vec<String>) {
        let map = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => return errors.push(format!("{at}: nothing is allowed here")),
            Value::Object(map) => map,
            other => panic!("not a schema: {other}"),
        };
        for (keyword, arg) in map {
            match keyword.as_str() {
                "$ref" => self.validate(self.resolve(arg.as_str().expect("$ref string")), value, at, siblings, errors),
                "type" => {
                    let types: Vec<&str> = match arg {
                        Value::String(t) => vec![t],
                        Value::Array(ts) => ts.iter().map(|t| t.as_str().expect("type name")).collect(),
                        other => panic!("type {other}"),
                    };
                    if !types.iter().any(|t| has_type(value, t)) {
                        errors.push(format!("{at}: {value} is not of type {types:?}"));
                    }
                }
                "format" => check_format(arg.as_str().expect("format"), value, at, errors),
                "enum" => {
                    if !arg.as_array().expect("enum").contains(value) {
                        errors.push(format!("{at}: {value} is not one of {arg}"));
                    }
                }
                "const" => {
                    if arg != value {
                        errors.push(format!("{at}: {value} is not {arg}"));
                    }
                }
                "minimum" | "maximum" => {
                    if let (Some(v), Some(bound)) = (value.as_f64(), arg.as_f64())
                        && ((keyword == "minimum" && v < bound) || (keyword == "maximum" && v > bound))
                    {
                        errors.push(format!("{at}: {v} is outside the {keyword} {bound}"));
                    }
                }
                "minLength" | "maxLength" => {
                    if let (Some(s), Some(bound)) = (value.as_str(), arg.as_u64()) {
                        let n = s.chars().count() as u64;
                        if (keyword == "minLength" && n < bound) || (keyword == "maxLength" && n > bound) {
                            errors.push(format!("{at}: length {n} is outside the {keyword} {bound}"));
                        }
                    }
                }
                "minItems" | "maxItems" => {
                    if let (Some(items), Some(bound)) = (value.as_array(), arg.as_u64()) {
                        let n = items.len() as u64;
                        if (keyword == "minItems" && n < bound) || (keyword == "maxItems" && n > bound) {
                            errors.push(format!("{at}: {n} items is outside the {keyword} {bound}"));
                        }
                    }
                }
                "required" => {
                    if let Some(object) = value.as_object() {
                        for name in arg.as_array().expect("required") {
                            let name = name.as_str().expect("required name");
                            if !object.contains_key(name) {
                                errors.push(format!("{at}: the required property {name} is missing"));
                            }
                        }
                    }
                }
                "properties" => {
                    if let Some(object) = value.as_object() {
                        let props = arg.as_object().expect("properties");
                        for (name, v) in object {
                            match props.get(name) {
                                Some(s) => self.validate(s, v, &format!("{at}/{name}"), &BTreeSet::new(), errors),
                                None if map.contains_key("additionalProperties") || siblings.contains(name) => {}
                                None => errors.push(format!("{at}: the property {name} is not documented")),
                            }
                        }
                    }
                }
                "additionalProperties" => {
                    if let Some(object) = value.as_object() {
                        let props = map.get("properties").and_then(Value::as_object);
                        for (name, v) in object {
                            if !props.is_some_and(|p| p.contains_key(name)) && !siblings.contains(name) {
                                self.validate(arg, v, &format!("{at}/{name}"), &BTreeSet::new(), errors);
                            }
                        }
                    }
                }
                "items" => {
                    for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                        self.validate(arg, item, &format!("{at}/{i}"), &BTreeSet::new(), errors);
                    }
                }
                "allOf" => {
                    let mut names = siblings.clone();
                    self.property_names(schema, &mut names);
                    for branch in arg.as_array().expect("allOf") {
                        self.validate(branch, value, at, &names, errors);
                    }
                }
                "oneOf" | "anyOf" => {
                    let matching = arg
                        .as_array()
                        .expect("branches")
                        .iter()
                        .filter(|branch| {
                            let mut e = Vec::new();
                            self.validate(branch, value, at, siblings, &mut e);
                            e.is_empty()
                        })
                        .count();
                    if matching == 0 || (keyword == "oneOf" && matching > 1) {
                        errors.push(format!("{at}: {value} matches {matching} of the {keyword} branches"));
                    }
                }
                other if ANNOTATIONS.contains(&other) => {}
                other => panic!("{at}: the schema keyword {other} is not implemented by this validator"),
            }
        }
    }
}

fn has_type(value: &Value, t: &str) -> bool {
    match t {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0),
        other => panic!("unknown type {other}"),
    }
}

fn check_format(format: &str, value: &Value, at: &str, errors: &mut Vec<String>) {
    let range = match format {
        "int8" => (i8::MIN as i128, i8::MAX as i128),
        "int16" => (i16::MIN as i128, i16::MAX as i128),
        "int32" => (i32::MIN as i128, i32::MAX as i128),
        "int64" => (i64::MIN as i128, i64::MAX as i128),
        "uint8" => (0, u8::MAX as i128),
        "uint16" => (0, u16::MAX as i128),
        "uint32" => (0, u32::MAX as i128),
        "uint64" => (0, u64::MAX as i128),
        other => panic!("{at}: the format {other} is not implemented by this validator"),
    };
    let n = value.as_i64().map(i128::from).or(value.as_u64().map(i128::from));
    if let Some(n) = n
        && !(range.0..=range.1).contains(&n)
    {
        errors.push(format!("{at}: {n} does not fit {format}"));
    }
}

/// The validator refuses what the schemas do not allow (so that the checks below can fail).
#[test]
fn the_validator_refuses_what_a_schema_does_not_allow() {
    let doc = document();
    let errors = |schema: &str, value: Value| {
        let mut errors = Vec::new();
        let schema = json!({"$ref": format!("#/components/schemas/{schema}")});
        Validator { doc: &doc }.validate(&schema, &value, "", &BTreeSet::new(), &mut errors);
        errors
    };
    let group = json!({"groupId": "g", "description": "D", "isEveryone": false, "isAdministrators": false, "memberCount": 0,
        "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z", "version": 1});
    assert_eq!(errors("GroupView", group.clone()), Vec::<String>::new());
    let with = |field: &str, value: Value| {
        let mut g = group.clone();
        g[field] = value;
        g
    };
    assert_eq!(errors("GroupView", with("memberCount", json!("3"))).len(), 1);
    assert_eq!(errors("GroupView", with("description", Value::Null)).len(), 1);
    assert_eq!(errors("GroupView", with("secret", json!(1))).len(), 1, "an undocumented property");
    let mut missing = group.clone();
    missing.as_object_mut().unwrap().remove("version");
    assert_eq!(errors("GroupView", missing).len(), 1);
    let monitor = json!({"monitorId": "m", "name": "N", "mode": "Prod", "isActive": true, "createdAt": "t", "updatedAt": "t", "version": 1});
    assert_eq!(errors("MonitorView", monitor).len(), 1, "not one of the modes");
    // `allOf` branches document properties for each other, and only those.
    let user = json!({"apiUserId": "u", "operatorId": "o", "operatorName": null, "username": "n", "accessType": "Generic", "description": "D",
        "createdAt": "t", "lastUsedAt": null, "requestsLast30Days": 0, "inactive": false, "version": 1});
    assert_eq!(errors("ApiUserCreated", user.clone()), Vec::<String>::new());
    let mut created = user.clone();
    created["password"] = json!("p");
    assert_eq!(errors("ApiUserCreated", created.clone()), Vec::<String>::new());
    created["hash"] = json!("h");
    assert_eq!(errors("ApiUserCreated", created).len(), 2, "undocumented in both branches");
    assert_eq!(errors("ApiUser", json!({"password": "p"})).len(), 12);
}

/// Checks a real reply against the operation `method path` of the document: the documented
/// response for its status (or `default`), its media type, its schema, and the `ETag` and
/// `Location` headers (documented exactly when sent).
fn check(doc: &Value, method: &str, path: &str, reply: &Reply) {
    let here = format!("{method} {path} → {}", reply.status.as_u16());
    let op = &doc["paths"][path][method.to_lowercase()];
    assert!(op.is_object(), "{method} {path} is not documented");
    let status = reply.status.as_u16().to_string();
    let mut response = op["responses"].get(&status).unwrap_or(&op["responses"]["default"]);
    if let Some(r) = response["$ref"].as_str() {
        response = doc.pointer(r.trim_start_matches('#')).expect("response reference");
    }
    assert!(response.is_object(), "{here}: no documented response");
    let headers = response["headers"].as_object().cloned().unwrap_or_default();
    for name in ["ETag", "Location"] {
        let sent = reply.header(name).is_some();
        assert_eq!(
            headers.contains_key(name),
            sent,
            "{here}: {name} documented: {}, sent: {sent}",
            headers.contains_key(name)
        );
    }
    match response["content"].as_object() {
        None => assert!(reply.body.is_null(), "{here}: an undocumented body {}", reply.body),
        Some(content) => {
            let media_type = reply.header("content-type").expect("content-type");
            let schema =
                &content.get(media_type).unwrap_or_else(|| panic!("{here}: {media_type} is not documented"))["schema"];
            let mut errors = Vec::new();
            Validator { doc }.validate(schema, &reply.body, "", &BTreeSet::new(), &mut errors);
            assert!(
                errors.is_empty(),
                "{here}: the body does not match its schema:\n{}\n{}",
                errors.join("\n"),
                reply.body
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_responses_match_the_documented_schemas() {
    let app = TestApp::start().await;
    let doc = document();
    let call = async |method: Method, path: String, body: Option<Value>| app.call(method, &path, body).await;
    // A request to `route` ("METHOD /template") that answers `status`, its answer checked against
    // what the document says of that route.
    let exercise = async |route: &str, path: String, body: Option<Value>, status: u16| {
        let (method, template) = route.split_once(' ').expect("METHOD /path");
        let reply = call(method.parse().expect("a method"), path, body).await.expect(status);
        check(&doc, method, template, &reply);
        reply
    };

    // Operators: a full one and one with every optional field null.
    let reply = exercise("POST /operators", "/operators".into(), Some(json!({"email": "ann@example.com", "fullName": "Ann", "mobilePhone": "+31612345678",
        "backupEmail": "ann@home.example.com", "cultureName": "nl-NL", "timeZone": "Europe/Amsterdam", "defaultDashboard": "Ops"})), 201).await;
    let ann = reply.str("operatorId");
    let reply = exercise(
        "POST /operators",
        "/operators".into(),
        Some(json!({"email": "bob@example.com", "fullName": "Bob"})),
        201,
    )
    .await;
    let bob = reply.str("operatorId");
    exercise("GET /operators/{id}", format!("/operators/{bob}"), None, 200).await;
    exercise("PATCH /operators/{id}", format!("/operators/{bob}"), Some(json!({"mobilePhone": null})), 200).await;
    exercise("GET /operators", "/operators?limit=1".into(), None, 200).await;
    exercise("GET /operators/{id}/groups", format!("/operators/{ann}/groups"), None, 200).await;
    exercise("GET /operators/{id}/permissions", format!("/operators/{ann}/permissions"), None, 200).await;
    exercise(
        "PUT /operators/{id}/permissions/{permission}",
        format!("/operators/{ann}/permissions/ShareDashboards"),
        None,
        204,
    )
    .await;
    let reply = exercise(
        "POST /operators/{id}/duty-schedules",
        format!("/operators/{ann}/duty-schedules"),
        Some(json!({"mode": "Weekly", "weekDay": "Monday", "startTime": "22:00", "endTime": "06:00"})),
        201,
    )
    .await;
    let schedule = reply.str("scheduleId");
    exercise(
        "PUT /operators/{id}/duty-schedules/{scheduleId}",
        format!("/operators/{ann}/duty-schedules/{schedule}"),
        Some(json!({"mode": "Monthly", "monthDay": 31, "startTime": "00:00", "endTime": "01:00"})),
        200,
    )
    .await;
    exercise("GET /operators/{id}/duty-schedules", format!("/operators/{ann}/duty-schedules"), None, 200).await;

    // Groups.
    let reply = exercise("POST /groups", "/groups".into(), Some(json!({"description": "Night shift"})), 201).await;
    let group = reply.str("groupId");
    exercise("PUT /groups/{id}/members/{operatorId}", format!("/groups/{group}/members/{ann}"), None, 204).await;
    exercise("GET /groups", "/groups".into(), None, 200).await;
    exercise("GET /groups/{id}", format!("/groups/{group}"), None, 200).await;
    exercise("PATCH /groups/{id}", format!("/groups/{group}"), Some(json!({"description": "Nights"})), 200).await;
    exercise("GET /groups/{id}/members", format!("/groups/{group}/members"), None, 200).await;
    exercise("GET /groups/{id}/permissions", "/groups/administrators/permissions".into(), None, 200).await;
    exercise("PUT /groups/{id}/permissions/{permission}", format!("/groups/{group}/permissions/AllowInfra"), None, 204)
        .await;
    exercise(
        "DELETE /groups/{id}/permissions/{permission}",
        format!("/groups/{group}/permissions/AllowInfra"),
        None,
        204,
    )
    .await;
    exercise("POST /groups/{id}/duty", format!("/groups/{group}/duty"), Some(json!({"isOnDuty": false})), 204).await;

    // The account and the hub summary (before and after the scheduled job's first run).
    exercise("GET /hub/summary", "/hub/summary".into(), None, 200).await;
    exercise("GET /account", "/account".into(), None, 200).await;
    // The audit log of everything above: strings, booleans, numbers, objects and nulls as values.
    exercise("GET /audit-log", "/audit-log?limit=100".into(), None, 200).await;
    exercise("PATCH /account", "/account".into(), Some(json!({"timeZone": "UTC"})), 200).await;

    // Monitors and their authorizations.
    let reply =
        exercise("POST /monitors", "/monitors".into(), Some(json!({"name": "Checkout", "mode": "Staging"})), 201).await;
    let monitor = reply.str("monitorId");
    exercise("GET /monitors/{id}", format!("/monitors/{monitor}"), None, 200).await;
    exercise("PATCH /monitors/{id}", format!("/monitors/{monitor}"), Some(json!({"mode": "Production"})), 200).await;
    exercise("GET /monitors", "/monitors?mode=Production".into(), None, 200).await;
    let grant = async |principal: Value| {
        let mut body = json!({"authorizationType": "ViewMonitor"});
        body.as_object_mut().unwrap().extend(principal.as_object().unwrap().clone());
        call(Method::POST, format!("/monitors/{monitor}/authorizations"), Some(body)).await
    };
    check(&doc, "POST", "/monitors/{id}/authorizations", &grant(json!({"operatorId": ann})).await.expect(201));
    let reply = grant(json!({"groupId": group})).await.expect(201);
    check(&doc, "POST", "/monitors/{id}/authorizations", &reply);
    let authorization = reply.items()[1]["authorizationId"].as_str().unwrap().to_owned();
    exercise("GET /monitors/{id}/authorizations", format!("/monitors/{monitor}/authorizations"), None, 200).await;
    exercise("GET /monitors/permissions", "/monitors/permissions".into(), None, 200).await;
    exercise(
        "DELETE /monitors/{id}/authorizations/{authorizationId}",
        format!("/monitors/{monitor}/authorizations/{authorization}"),
        None,
        204,
    )
    .await;

    // API users: the create answer has the password; a replay has not.
    let create = json!({"description": "CI", "operatorId": ann, "accessType": "Grafana"});
    let replayable = |key: &str| app.req(Method::POST, "/api-users").header("idempotency-key", key).json(&create);
    let reply = send(replayable("k1")).await.expect(201);
    assert!(reply.body["password"].is_string());
    check(&doc, "POST", "/api-users", &reply);
    let user = reply.str("apiUserId");
    let replay = send(replayable("k1")).await.expect(201);
    assert!(replay.body.get("password").is_none());
    exercise("GET /api-users/{id}", format!("/api-users/{user}"), None, 200).await;
    exercise("PATCH /api-users/{id}", format!("/api-users/{user}"), Some(json!({"description": "CI runner"})), 200)
        .await;
    exercise("GET /api-users", "/api-users".into(), None, 200).await;

    // The scheduled job's first run sets `inactiveComputedAt`.
    let report = hub_maintenance::run(&app.state, app.state.clock.now(), Some(&app.account.account_id)).await;
    assert!(!report.failed(), "maintenance ran");
    exercise("GET /hub/summary", "/hub/summary".into(), None, 200).await;

    // Problems, with and without `errors`.
    check(
        &doc,
        "GET",
        "/groups/{id}",
        &call(Method::GET, "/groups/nope".into(), None).await.expect_problem(404, "not_found"),
    );
    check(
        &doc,
        "POST",
        "/operators",
        &call(Method::POST, "/operators".into(), Some(json!({"email": "x"})))
            .await
            .expect_problem(400, "validation_failed"),
    );
    check(
        &doc,
        "PATCH",
        "/account",
        &send(app.req(Method::PATCH, "/account").header("if-match", "\"99\"").json(&json!({"name": "X"})))
            .await
            .expect_problem(412, "version_conflict"),
    );

    // Deletes last.
    exercise(
        "DELETE /operators/{id}/duty-schedules/{scheduleId}",
        format!("/operators/{ann}/duty-schedules/{schedule}"),
        None,
        204,
    )
    .await;
    exercise(
        "DELETE /operators/{id}/permissions/{permission}",
        format!("/operators/{ann}/permissions/ShareDashboards"),
        None,
        204,
    )
    .await;
    exercise("DELETE /groups/{id}/members/{operatorId}", format!("/groups/{group}/members/{ann}"), None, 204).await;
    exercise("DELETE /api-users/{id}", format!("/api-users/{user}"), None, 204).await;
    exercise("DELETE /monitors/{id}", format!("/monitors/{monitor}"), None, 204).await;
    exercise("DELETE /groups/{id}", format!("/groups/{group}"), None, 204).await;
    exercise("DELETE /operators/{id}", format!("/operators/{bob}"), None, 204).await;
}

/// Every `201` with a `Location` names a resource that a `GET` answers: the one the document's
/// `GetCreated` link reaches from the created body, so that a client (or the fuzzer's stateful
/// phase) following the link reads what it created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_created_resource_is_read_back_at_its_location() {
    let app = TestApp::start().await;
    let doc = document();
    let operator =
        app.post_operator(json!({"email": "lee@example.com", "fullName": "Lee"})).await.expect(201).str("operatorId");
    let creates = [
        ("/operators", "/operators".to_owned(), json!({"email": "max@example.com", "fullName": "Max"})),
        ("/groups", "/groups".to_owned(), json!({"description": "Nights"})),
        ("/monitors", "/monitors".to_owned(), json!({"name": "Checkout"})),
        ("/api-users", "/api-users".to_owned(), json!({"description": "CI"})),
        ("/scim-tokens", "/scim-tokens".to_owned(), json!({"description": "Okta"})),
        (
            "/operators/{id}/duty-schedules",
            format!("/operators/{operator}/duty-schedules"),
            json!({"mode": "Daily", "startTime": "22:00", "endTime": "06:00"}),
        ),
    ];
    let operation = |id: &str| {
        doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .find_map(|(path, item)| (item["get"]["operationId"] == id).then(|| path.clone()))
            .expect("the linked operation")
    };
    for (template, path, body) in &creates {
        let reply = app.call(Method::POST, path, Some(body.clone())).await.expect(201);
        let location = reply.header("location").unwrap_or_else(|| panic!("POST {template}: no Location")).to_owned();
        let link = &doc["paths"][template]["post"]["responses"]["201"]["links"]["GetCreated"];
        let read_template =
            operation(link["operationId"].as_str().unwrap_or_else(|| panic!("POST {template}: no link")));
        let mut url = read_template.clone();
        for (name, expression) in link["parameters"].as_object().unwrap() {
            let expression = expression.as_str().unwrap();
            let value = match (expression.strip_prefix("$response.body#/"), expression.strip_prefix("$request.path.")) {
                (Some(field), _) => reply.str(field),
                (_, Some("id")) => operator.clone(),
                _ => panic!("POST {template}: unexpected link expression {expression}"),
            };
            url = url.replace(&format!("{{{name}}}"), &value);
        }
        assert_eq!(url, location, "POST {template}: the link and Location name the same resource");
        let read = app.call(Method::GET, &location, None).await.expect(200);
        check(&doc, "GET", &read_template, &read);
    }
    // These are all the creates that send a Location.
    let with_location = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, item)| item["post"]["responses"]["201"]["headers"]["Location"].is_object())
        .count();
    assert_eq!(with_location, creates.len());
}
