//! The OpenAPI 3.1 document of the whole API, generated from the code: every function's part
//! (`#[utoipa::path]` on its handlers, finished by `hub_api::openapi::finish`), merged, with the
//! API's info.
//!
//! How it is served: the hub-summary function answers `GET /openapi.json` without credentials
//! with `openapi.json` at the repository root, compiled in. [`app`](crate::app) serves it through
//! that same route (it adds none of its own: merged routers cannot hold a route twice), so the
//! local server and Lambda send the same bytes. The end-to-end test `openapi` keeps the committed
//! file equal to [`openapi_document`]; `UPDATE_OPENAPI=1 cargo test -p hub-e2e --test api openapi`
//! rewrites it.

use utoipa::openapi::{InfoBuilder, LicenseBuilder, OpenApi, Paths};

const DESCRIPTION: &str = "The User Management hub: operators, their groups, system-wide permissions \
and off-duty schedules, API users, monitors and their authorizations, and the hub summary of an \
account.\n\nEvery route needs credentials (an operator's `Bearer` JWT or an API user's HTTP \
`Basic`), except `GET /openapi.json` (this document) and CORS preflight requests. Every error is \
`application/problem+json` (RFC 9457) with a machine-readable `code`. An API user whose password \
was wrong 20 times within a minute gets `429 too_many_requests` with `Retry-After` on every route \
until the minute is over.";

/// Every function's part of the document, in the order their routers are merged.
fn parts() -> Vec<(&'static str, OpenApi)> {
    vec![
        ("operators", hub_operators::openapi()),
        ("groups", hub_groups::openapi()),
        ("hub-summary", hub_summary::openapi()),
        ("monitors", hub_monitors::openapi()),
        ("api-users", hub_api_users::openapi()),
    ]
}

/// The whole API's document. Panics when two functions document the same operation, or give
/// different schemas the same name (a merge would silently keep the first).
pub fn openapi_document() -> OpenApi {
    let info = InfoBuilder::new()
        .title("User Management hub")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(DESCRIPTION))
        .license(Some(LicenseBuilder::new().name("MIT").identifier(Some("MIT")).build()))
        .build();
    let mut doc = OpenApi::new(info, Paths::new());
    for (function, part) in parts() {
        for (method, path) in hub_api::openapi::operations_of(&part) {
            assert!(
                !hub_api::openapi::operations_of(&doc).contains(&(method.clone(), path.clone())),
                "{method} {path} is documented by {function} and by another function"
            );
        }
        if let (Some(ours), Some(theirs)) = (&doc.components, &part.components) {
            for (name, schema) in &theirs.schemas {
                if let Some(existing) = ours.schemas.get(name) {
                    assert!(
                        existing == schema,
                        "schema {name} of {function} differs from another function's schema of that name"
                    );
                }
            }
        }
        doc.merge(part);
    }
    doc
}

/// The document as committed at the repository root: pretty JSON with a trailing newline.
pub fn openapi_json() -> String {
    let json = openapi_document().to_pretty_json().expect("the document serializes");
    // utoipa 5 writes a link's `operationId` as `operation_id`; no other key of the document is
    // snake_case (every field is camelCase), so the one spelling can be corrected in the text.
    let mut json = json.replace("\"operation_id\": ", "\"operationId\": ");
    json.push('\n');
    json
}
