//! hub-store's modules form layers (ARCHITECTURE.md, "Layers"): a module names only modules of
//! lower layers, so there is no import loop and each layer can be read without the ones above.

use std::path::Path;

/// Lowest first; ARCHITECTURE.md lists the same.
const LAYERS: &[hub_layers::Layer<'_>] = &[
    ("ids", &["ids"]),
    ("foundation", &["error", "keys", "schedule_record", "counter", "embedded"]),
    ("records", &["records"]),
    ("client", &["client", "cursor"]),
    ("db", &["db"]),
    ("table", &["table"]),
    ("audit", &["audit"]),
    ("write pieces", &["writes", "items"]),
    (
        "repositories",
        &["accounts", "account_updates", "api_users", "grants", "groups", "idempotency", "lookups", "monitors", "operators", "pending", "scim_tokens"],
    ),
    ("composite operations", &["maintenance"]),
    ("benchmark seeding", &["bulk"]),
];

#[test]
fn every_module_references_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = hub_layers::violations(&src, LAYERS).expect("the sources are readable");
    assert!(problems.is_empty(), "hub-store's layering is broken:\n{}", problems.join("\n"));
}
